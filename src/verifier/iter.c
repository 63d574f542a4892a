// SPDX-License-Identifier: MIT
/*
 * Open-coded iterators on the stack (bpf_for(), bpf_repeat(): the
 * bpf_iter_num_* kfuncs, and any kfunc with KBPF_KF_ITER_*), as Linux
 * 6.18's verifier tracks them (in behaviour: kernel/bpf/verifier.c's
 * iterator functions; written from their observed answers,
 * tests/unit/kfunc/test_iter_diff.c).
 *
 * An iterator is a `struct bpf_iter_<type>` of a multiple of 8 bytes on
 * the stack (bpf_iter_num: one slot). _new needs slots holding no
 * iterator at a constant, 8-aligned offset ("expected uninitialized
 * iter_<type> as arg #0"), writes them and makes them SLOT_ITER with a
 * new reference; _next and _destroy need a whole, live iterator of that
 * type ("expected an initialized iter_<type> as arg #0"); _destroy
 * releases the reference (every `_next` result dies with it), and an
 * iterator never destroyed is a leaked reference at exit ("Unreleased
 * reference id=N alloc_insn=M"). A store over its bytes makes them
 * plain data (the reference stays acquired, as in Linux). What is known
 * of one is in the spill entries of its slots:
 *
 *   ref_obj_id  the reference (first slot only)
 *   btf_id      the struct's id in the host BTF
 *   range       ITER_ACTIVE or ITER_DRAINED
 *   subprog     depth: how many `_next` calls returned non-NULL on this
 *               path (the infinite-loop check compares it)
 *
 * Loops (Linux's process_iter_next_call()): a `_next` call is a forced
 * checkpoint. On an ACTIVE iterator the walk goes on with NULL and the
 * iterator DRAINED, and queues the non-NULL case (the iterator ACTIVE
 * one level deeper, r0 not NULL) with the scalars that changed since the
 * previous iteration's checkpoint widened to unknown unless precise
 * (Linux's widen_imprecise_scalars()). Reaching the `_next` call again
 * with a state that the checkpoint of an earlier iteration contains
 * (every scalar compared by its range) while the iterator is ACTIVE ends
 * the path: the loop converged (state.c). A DRAINED iterator's `_next`
 * returns NULL only.
 *
 * Called from syscall (the walk); no allocation but the queued branch.
 */
#include "verifier_internal.h"

#define ERANGE_SPI (-1000) /* Linux's -ERANGE: past the frame's stack */
#define ITER_PREFIX "bpf_iter_"

static int it_strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

const char *kbpf_v_iter_type_str(const struct kbpf_btf_view *b, uint32_t btf_id)
{
	const uint8_t *t = b ? kbpf_btf_type(b, btf_id) : NULL;
	const char *n = t ? kbpf_btf_name(b, t) : NULL;

	if (!n || it_strncmp(n, ITER_PREFIX, sizeof(ITER_PREFIX) - 1))
		return "UNKNOWN";
	return n + sizeof(ITER_PREFIX) - 1;
}

/*
 * Linux's stack_slot_obj_get_spi() for iterators: Linux's slot index
 * (fp-8 is 0) of the iterator register @r points at, ERANGE_SPI past the
 * frame's allocated stack, or -EINVAL with the line.
 */
static int iter_spi(struct venv *env, const struct vreg *r, uint32_t nr_slots)
{
	const struct vframe *f = env->cur->frames[r->frameno];
	int64_t off;
	int64_t spi;

	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(env->log,
				 "iter has to be at a constant offset\n");
		return -KBPF_EINVAL;
	}
	off = (int64_t)r->off + (int64_t)r->s.var.value;
	if (off % 8) {
		kbpf_vlog_printf(env->log,
				 "cannot pass in iter at an offset=%lld\n",
				 (long long)off);
		return -KBPF_EINVAL;
	}
	spi = (-off - 1) / 8;
	/* at or above r10: no slot of the frame (measured: off 0 too) */
	if (off >= 0 || spi + 1 < (int64_t)nr_slots) {
		kbpf_vlog_printf(env->log,
				 "cannot pass in iter at an offset=%lld\n",
				 (long long)off);
		return -KBPF_EINVAL;
	}
	if (!(spi - (int64_t)nr_slots + 1 >= 0 &&
	      spi < (int64_t)(f->allocated / 8)))
		return ERANGE_SPI;
	return (int)spi;
}

/* kbpf's slot index (slot[] / 8, r10-512 is 0) of Linux's @spi - @i. */
static uint32_t kslot(int spi, uint32_t i)
{
	return (uint32_t)(V_SLOTS - 1 - spi) + i;
}

static bool valid_uninit(struct venv *env, const struct vreg *r,
			 uint32_t nr_slots)
{
	const struct vframe *f = env->cur->frames[r->frameno];
	int spi = iter_spi(env, r, nr_slots);

	if (spi == ERANGE_SPI)
		return true;
	if (spi < 0)
		return false;
	for (uint32_t i = 0; i < nr_slots; i++)
		for (uint32_t j = 0; j < 8; j++)
			if (f->slot[kslot(spi, i) * 8 + j] == SLOT_ITER)
				return false;
	return true;
}

static bool valid_init(struct venv *env, const struct vreg *r, uint32_t btf_id,
		       uint32_t nr_slots)
{
	const struct vframe *f = env->cur->frames[r->frameno];
	int spi = iter_spi(env, r, nr_slots);

	if (spi < 0)
		return false;
	for (uint32_t i = 0; i < nr_slots; i++) {
		uint32_t k = kslot(spi, i);
		const struct vreg *st = &f->spill[k];

		for (uint32_t j = 0; j < 8; j++)
			if (f->slot[k * 8 + j] != SLOT_ITER)
				return false;
		if ((i == 0) != (st->ref_obj_id != 0))
			return false;
		if (st->btf_id != btf_id)
			return false;
	}
	return true;
}

int kbpf_v_iter_arg(struct venv *env, const struct kbpf_btf_view *b,
		    const uint8_t *proto, uint32_t argno, uint32_t kf_flags,
		    uint32_t call_pc, struct viter_meta *im)
{
	uint32_t regno = argno + 1, btf_id = 0, nr_slots;
	struct vreg *r = &CUR_REGS(env)[regno];
	const uint8_t *p = kbpf_btf_vrec(b, proto, argno);
	const uint8_t *t = kbpf_btf_skip_mods(b, kbpf_btf_rd32(b, p + 4), NULL);
	const char *n;
	struct vframe *f;
	int spi, err;

	if (r->type != T_STACK) {
		kbpf_vlog_printf(
			env->log,
			"arg#%u expected pointer to an iterator on stack\n",
			argno);
		return -KBPF_EINVAL;
	}
	/* Linux's btf_check_iter_arg(): a pointer to struct bpf_iter_* */
	if (t && kbpf_btf_kind(b, t) == BTF_KIND_PTR)
		t = kbpf_btf_skip_mods(b, kbpf_btf_st(b, t), &btf_id);
	else
		t = NULL;
	n = t ? kbpf_btf_name(b, t) : NULL;
	if (!t || kbpf_btf_kind(b, t) != BTF_KIND_STRUCT || !n ||
	    it_strncmp(n, ITER_PREFIX, sizeof(ITER_PREFIX) - 1) ||
	    !kbpf_btf_st(b, t) || kbpf_btf_st(b, t) % 8 ||
	    kbpf_btf_st(b, t) > 64) {
		kbpf_vlog_printf(env->log,
				 "expected valid iter pointer as arg #%u\n",
				 argno);
		return -KBPF_EINVAL;
	}
	nr_slots = kbpf_btf_st(b, t) / 8;
	f = env->cur->frames[r->frameno];
	if (kf_flags & KBPF_KF_ITER_NEW) {
		if (!valid_uninit(env, r, nr_slots)) {
			kbpf_vlog_printf(
				env->log,
				"expected uninitialized iter_%s as arg #%u\n",
				kbpf_v_iter_type_str(b, btf_id), argno);
			return -KBPF_EINVAL;
		}
		for (uint32_t i = 0; i < nr_slots * 8; i += 8) {
			err = kbpf_v_check_mem(env, regno, (int32_t)i, 8, true,
					       -1, NULL, false, false);
			if (err)
				return err;
		}
		spi = iter_spi(env, r, nr_slots);
		if (spi < 0)
			return spi == ERANGE_SPI ? -KBPF_EFAULT : spi;
		if (env->cur->nr_refs >= V_MAX_REFS) {
			kbpf_vlog_printf(env->log,
					 "kbpf: too many references\n");
			return -KBPF_EINVAL;
		}
		im->ref = ++env->id_gen;
		env->cur->refs[env->cur->nr_refs].id = im->ref;
		env->cur->refs[env->cur->nr_refs].insn = call_pc;
		env->cur->nr_refs++;
		for (uint32_t i = 0; i < nr_slots; i++) {
			uint32_t k = kslot(spi, i);
			struct vreg *st = &f->spill[k];

			memset(st, 0, sizeof(*st));
			kbpf_scalar_const(&st->s, 0);
			st->type = T_STACK;
			st->ref_obj_id = i == 0 ? im->ref : 0;
			st->btf_id = btf_id;
			st->range = ITER_ACTIVE;
			st->subprog = 0;
			for (uint32_t j = 0; j < 8; j++)
				f->slot[k * 8 + j] = SLOT_ITER;
		}
		kbpf_v_log_scratch_stack(
			env, (int64_t)kslot(spi, 0) * 8 - V_STACK,
			(int64_t)kslot(spi, 0) * 8 - V_STACK + nr_slots * 8);
		return 0;
	}
	if (!valid_init(env, r, btf_id, nr_slots)) {
		kbpf_vlog_printf(env->log,
				 "expected an initialized iter_%s as arg #%u\n",
				 kbpf_v_iter_type_str(b, btf_id), argno);
		return -KBPF_EINVAL;
	}
	spi = iter_spi(env, r, nr_slots);
	if (spi < 0)
		return -KBPF_EFAULT;
	im->frameno = r->frameno;
	im->slot = kslot(spi, 0);
	/* the iterator's slots are read */
	kbpf_v_stack_read(env, r->frameno, (int64_t)im->slot * 8 - V_STACK,
			  (int64_t)(im->slot + nr_slots) * 8 - V_STACK);
	im->ref = f->spill[im->slot].ref_obj_id;
	im->nr_slots = nr_slots;
	kbpf_v_log_scratch_stack(env, (int64_t)im->slot * 8 - V_STACK,
				 (int64_t)im->slot * 8 - V_STACK +
					 nr_slots * 8);
	if (kf_flags & KBPF_KF_ITER_DESTROY) {
		kbpf_v_release_ref(env, im->ref);
		for (uint32_t i = 0; i < nr_slots; i++) {
			for (uint32_t j = 0; j < 8; j++)
				f->slot[(im->slot + i) * 8 + j] = SLOT_INVALID;
			kbpf_v_mark_not_init(&f->spill[im->slot + i]);
		}
	}
	return 0;
}

/* Same functions on the way to @st (Linux's same_callsites()). */
static bool same_callsites(const struct vstate *a, const struct vstate *b)
{
	if (a->curframe != b->curframe)
		return false;
	for (uint32_t fr = 1; fr <= a->curframe; fr++)
		if (a->frames[fr]->callsite != b->frames[fr]->callsite)
			return false;
	return true;
}

int kbpf_v_iter_next(struct venv *env, uint32_t call_pc,
		     const struct viter_meta *im)
{
	struct vstate *cur = env->cur, *q;
	struct vreg *it = &cur->frames[im->frameno]->spill[im->slot];
	const struct vstate *prev = NULL, *p;
	int err;

	if (it->range != ITER_ACTIVE && it->range != ITER_DRAINED) {
		kbpf_vlog_printf(env->log,
				 "verifier bug: unexpected iterator state %u\n",
				 it->range);
		return -KBPF_EFAULT;
	}
	if (it->range == ITER_ACTIVE) {
		/*
		 * The checkpoint of this iteration was just recorded here
		 * (a forced one); the one before it on this path is the
		 * previous iteration's (Linux's find_prev_entry()).
		 */
		p = cur->parent;
		if (p && p->insn == call_pc)
			p = p->parent;
		for (; p; p = p->parent)
			if (p->insn == call_pc && p->branches &&
			    same_callsites(p, cur)) {
				prev = p;
				break;
			}
		err = kbpf_v_push_branch(env, call_pc + 1);
		if (err)
			return err;
		q = env->stack[env->nr_stack - 1].st;
		it = &q->frames[im->frameno]->spill[im->slot];
		it->range = ITER_ACTIVE;
		it->subprog++;
		if (prev)
			kbpf_v_widen_from(env, prev, q);
		q->frames[q->curframe]->regs[0].flags &= (uint16_t)~VF_NULL;
		it = &cur->frames[im->frameno]->spill[im->slot];
	}
	it->range = ITER_DRAINED;
	kbpf_v_mark_const(&CUR_REGS(env)[0], 0);
	return 0;
}

bool kbpf_v_iter_active_r1(const struct venv *env, const struct vstate *st)
{
	const struct vreg *r = &st->frames[st->curframe]->regs[1];
	const struct vframe *f;
	int64_t off;
	uint32_t k;

	if (r->type != T_STACK || r->frameno > st->curframe ||
	    !kbpf_scalar_is_const(&r->s))
		return false;
	(void)env;
	off = (int64_t)r->off + (int64_t)r->s.var.value;
	if (off >= 0 || off < -V_STACK || off % 8)
		return false;
	f = st->frames[r->frameno];
	k = (uint32_t)(off + V_STACK) / 8;
	return f->slot[k * 8] == SLOT_ITER && f->spill[k].ref_obj_id &&
	       f->spill[k].range == ITER_ACTIVE;
}

void kbpf_v_iter_stack_write(struct vframe *f, int64_t lo, int64_t hi)
{
	if (lo >= hi)
		return;
	for (uint32_t s = (uint32_t)(lo + V_STACK) / 8;
	     s <= (uint32_t)(hi - 1 + V_STACK) / 8; s++) {
		bool iter = false;

		for (uint32_t b = 0; b < 8; b++)
			iter |= f->slot[s * 8 + b] == SLOT_ITER;
		if (!iter)
			continue;
		/* Linux's scrub_spilled_slot(): the bytes become data */
		for (uint32_t b = 0; b < 8; b++)
			if (f->slot[s * 8 + b] != SLOT_INVALID)
				f->slot[s * 8 + b] = SLOT_MISC;
		kbpf_v_mark_not_init(&f->spill[s]);
	}
}
