// SPDX-License-Identifier: MIT
/*
 * Dynptrs on the stack, as Linux 6.18's verifier tracks them (in
 * behaviour: kernel/bpf/verifier.c's dynptr functions; written from their
 * observed answers, tests/unit/verifier/test_verifier_diff.c).
 *
 * A struct bpf_dynptr is 16 bytes: two 8-byte stack slots whose bytes are
 * SLOT_DYNPTR once a helper built it there (bpf_dynptr_from_mem: a local
 * dynptr; bpf_ringbuf_reserve_dynptr: a ring buffer dynptr, which holds a
 * reference until bpf_ringbuf_submit_dynptr or _discard_dynptr releases
 * it, on every path, even when the reservation failed). What the verifier
 * knows of one is kept in the spill entries of its two slots:
 *
 *   flags VF_DYN_FIRST  the lower slot (where the dynptr starts)
 *   range               its type (KBPF_DYNPTR_TYPE_LOCAL or _RINGBUF)
 *   id                  its identity: slices (bpf_dynptr_data) carry it in
 *                       their @subprog and die with the dynptr
 *   ref_obj_id          ring buffer dynptrs: the reference
 *
 * Rules: a helper that builds a dynptr needs a constant, 8-aligned stack
 * offset of at least 16 bytes below the frame and overwrites an
 * unreferenced dynptr there ("Dynptr has to be an uninitialized dynptr");
 * a helper that uses one needs one whole, built dynptr starting there
 * ("Expected an initialized dynptr as arg #N"); a release needs a
 * referenced one ("arg N is an unacquired reference"); a store over a
 * slot of a referenced dynptr is refused ("cannot overwrite referenced
 * dynptr") and over an unreferenced one destroys it and its slices; the
 * bytes are not readable as memory, and a helper may not write them.
 *
 * Called from syscall (the walk); no allocation; no locks.
 */
#include "verifier_internal.h"

#include "core/dynptr.h"

#define ERANGE_SPI (-1000) /* Linux's -ERANGE: past the frame's stack */

static void mark_slot_invalid(struct vframe *f, uint32_t slot)
{
	for (uint32_t b = 0; b < 8; b++)
		f->slot[slot * 8 + b] = SLOT_INVALID;
	kbpf_v_mark_not_init(&f->spill[slot]);
}

/* A slice or copy that dies with its dynptr (Linux's mark_reg_invalid()). */
static void invalidate_reg(struct venv *env, struct vreg *r)
{
	if (env->allow_ptr_leaks)
		kbpf_v_mark_unknown(r);
	else
		kbpf_v_mark_not_init(r);
}

/* Every slice of dynptr @id, in every frame of the current state. */
static void invalidate_slices(struct venv *env, uint32_t id)
{
	struct vstate *st = env->cur;

	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		struct vframe *f = st->frames[fr];

		for (uint32_t i = 0; i < 11; i++)
			if (f->regs[i].type == T_MEM &&
			    f->regs[i].subprog == id)
				invalidate_reg(env, &f->regs[i]);
		for (uint32_t k = 0; k < V_SLOTS; k++)
			if (f->slot[k * 8] == SLOT_SPILL &&
			    f->spill[k].type == T_MEM &&
			    f->spill[k].subprog == id)
				for (uint32_t b = 0; b < 8; b++)
					f->slot[k * 8 + b] = SLOT_MISC;
	}
}

/*
 * Linux's destroy_if_dynptr_stack_slot(): slot @slot of @f is about to be
 * written; if it belongs to a dynptr, that dynptr goes (both slots and its
 * slices), unless it holds a reference.
 */
static int destroy_slot(struct venv *env, struct vframe *f, uint32_t slot)
{
	uint32_t first;

	if (f->slot[slot * 8] != SLOT_DYNPTR)
		return 0;
	first = (f->spill[slot].flags & VF_DYN_FIRST) ? slot : slot - 1;
	if (f->spill[first].ref_obj_id) {
		kbpf_vlog_printf(env->log,
				 "cannot overwrite referenced dynptr\n");
		return -KBPF_EINVAL;
	}
	kbpf_v_log_scratch_stack(env, (int64_t)first * 8 - V_STACK,
				 (int64_t)first * 8 - V_STACK + 16);
	invalidate_slices(env, f->spill[first].id);
	mark_slot_invalid(f, first);
	mark_slot_invalid(f, first + 1);
	return 0;
}

int kbpf_v_dynptr_stack_write(struct venv *env, struct vframe *f, int64_t lo,
			      int64_t hi, bool helper)
{
	if (lo >= hi)
		return 0;
	if (helper) {
		/* a helper writing memory: never over a dynptr */
		for (int64_t o = lo; o < hi; o++) {
			if (f->slot[(uint32_t)(o + V_STACK)] != SLOT_DYNPTR)
				continue;
			kbpf_vlog_printf(
				env->log,
				"potential write to dynptr at off=%lld disallowed\n",
				(long long)o);
			return -KBPF_EACCES;
		}
		return 0;
	}
	for (uint32_t s = (uint32_t)(lo + V_STACK) / 8;
	     s <= (uint32_t)(hi - 1 + V_STACK) / 8; s++) {
		int err = destroy_slot(env, f, s);

		if (err)
			return err;
	}
	return 0;
}

/*
 * Linux's dynptr_get_spi(): the kbpf slot where the dynptr @r points to
 * starts (the lower one of the two), ERANGE_SPI if it is past the frame's
 * stack so far, or -EINVAL with Linux's line.
 */
static int dynptr_slot(struct venv *env, const struct vreg *r)
{
	const struct vframe *f = env->cur->frames[r->frameno];
	int64_t off;

	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(env->log,
				 "dynptr has to be at a constant offset\n");
		return -KBPF_EINVAL;
	}
	off = (int64_t)r->off + (int64_t)r->s.var.value;
	if (off % 8 || off > -16 || off < -V_STACK) {
		kbpf_vlog_printf(env->log,
				 "cannot pass in dynptr at an offset=%lld\n",
				 (long long)off);
		return -KBPF_EINVAL;
	}
	if ((uint64_t)-off > f->allocated)
		return ERANGE_SPI;
	return (int)((off + V_STACK) / 8);
}

static bool dynptr_is_init(const struct vframe *f, uint32_t slot)
{
	if (!(f->spill[slot].flags & VF_DYN_FIRST))
		return false;
	for (uint32_t b = 0; b < 16; b++)
		if (f->slot[slot * 8 + b] != SLOT_DYNPTR)
			return false;
	return true;
}

/* Build the dynptr of @type at @slot of @f (Linux's mark_stack_slots_dynptr()). */
static int mark_dynptr(struct venv *env, struct vframe *f, uint32_t slot,
		       uint8_t type, uint32_t call_pc)
{
	struct vstate *st = env->cur;
	uint32_t id, ref = 0;
	int err;

	err = destroy_slot(env, f, slot);
	if (!err)
		err = destroy_slot(env, f, slot + 1);
	if (err)
		return err;
	id = ++env->id_gen;
	if (type == KBPF_DYNPTR_TYPE_RINGBUF) {
		if (st->nr_refs >= V_MAX_REFS) {
			kbpf_vlog_printf(env->log,
					 "kbpf: too many references\n");
			return -KBPF_EINVAL;
		}
		ref = ++env->id_gen;
		st->refs[st->nr_refs].id = ref;
		st->refs[st->nr_refs].insn = call_pc;
		st->nr_refs++;
	}
	for (uint32_t k = 0; k < 2; k++) {
		struct vreg *sp = &f->spill[slot + k];

		kbpf_v_mark_not_init(sp);
		sp->flags = k ? 0 : VF_DYN_FIRST;
		sp->range = type;
		sp->id = id;
		sp->ref_obj_id = ref;
		for (uint32_t b = 0; b < 8; b++)
			f->slot[(slot + k) * 8 + b] = SLOT_DYNPTR;
	}
	kbpf_v_log_scratch_stack(env, (int64_t)slot * 8 - V_STACK,
				 (int64_t)slot * 8 - V_STACK + 16);
	return 0;
}

int kbpf_v_dynptr_arg(struct venv *env, uint32_t regno, uint32_t helper_id,
		      bool rdonly, struct vdyn_meta *dm)
{
	struct vreg *r = &CUR_REGS(env)[regno];
	bool uninit = helper_id == BPF_FUNC_dynptr_from_mem ||
		      helper_id == BPF_FUNC_ringbuf_reserve_dynptr;
	bool release = helper_id == BPF_FUNC_ringbuf_submit_dynptr ||
		       helper_id == BPF_FUNC_ringbuf_discard_dynptr;
	uint8_t want = 0;
	struct vframe *f;
	char buf[32];
	int slot, err;

	if (helper_id == BPF_FUNC_ringbuf_reserve_dynptr || release)
		want = KBPF_DYNPTR_TYPE_RINGBUF;
	else if (helper_id == BPF_FUNC_dynptr_from_mem)
		want = KBPF_DYNPTR_TYPE_LOCAL;
	if (r->type != T_STACK && r->type != T_DYNPTR) {
		kbpf_vlog_printf(env->log, "R%u type=%s expected=%s\n", regno,
				 kbpf_v_type_str(r, buf, sizeof(buf)),
				 "fp, dynptr_ptr");
		return -KBPF_EACCES;
	}
	f = r->type == T_STACK ? env->cur->frames[r->frameno] : NULL;
	if (release) {
		if (!f) {
			kbpf_vlog_printf(
				env->log,
				"cannot release unowned const bpf_dynptr\n");
			return -KBPF_EINVAL;
		}
		slot = dynptr_slot(env, r);
		if (slot < 0 || !f->spill[slot].ref_obj_id) {
			kbpf_vlog_printf(env->log,
					 "arg %u is an unacquired reference\n",
					 regno);
			return -KBPF_EINVAL;
		}
	}
	if (uninit) {
		slot = f ? dynptr_slot(env, r) : -KBPF_EINVAL;
		if (slot < 0 && slot != ERANGE_SPI) {
			kbpf_vlog_printf(
				env->log,
				"Dynptr has to be an uninitialized dynptr\n");
			return -KBPF_EINVAL;
		}
		/* two 8-byte stores, as Linux checks them */
		for (int32_t o = 0; o < 16; o += 8) {
			err = kbpf_v_check_mem(env, regno, o, 8, true, -1, NULL,
					       false, false);
			if (err)
				return err;
		}
		slot = dynptr_slot(env, r);
		if (slot < 0)
			return slot == ERANGE_SPI ? -KBPF_EFAULT : slot;
		return mark_dynptr(env, f, (uint32_t)slot, want, env->insn_idx);
	}
	if (!f && !rdonly) {
		kbpf_vlog_printf(
			env->log,
			"cannot pass pointer to const bpf_dynptr, the helper mutates it\n");
		return -KBPF_EINVAL;
	}
	if (f) {
		slot = dynptr_slot(env, r);
		if (slot >= 0) /* the dynptr's two slots are read */
			kbpf_v_stack_read(env, r->frameno,
					  (int64_t)slot * 8 - V_STACK,
					  (int64_t)slot * 8 - V_STACK + 16);
		if (slot < 0 || !dynptr_is_init(f, (uint32_t)slot)) {
			kbpf_vlog_printf(
				env->log,
				"Expected an initialized dynptr as arg #%u\n",
				regno - 1);
			return -KBPF_EINVAL;
		}
		if (want && f->spill[slot].range != want) {
			kbpf_vlog_printf(
				env->log,
				"Expected a dynptr of type %s as arg #%u\n",
				want == KBPF_DYNPTR_TYPE_RINGBUF ? "ringbuf" :
								   "local",
				regno - 1);
			return -KBPF_EINVAL;
		}
		kbpf_v_log_scratch_stack(env, (int64_t)slot * 8 - V_STACK,
					 (int64_t)slot * 8 - V_STACK + 16);
		dm->frameno = r->frameno;
		dm->slot = slot;
		dm->id = f->spill[slot].id;
		dm->ref = f->spill[slot].ref_obj_id;
		dm->release = release;
	} else if (want == KBPF_DYNPTR_TYPE_RINGBUF) {
		/* a callback's dynptr (user_ringbuf_drain) is local */
		kbpf_vlog_printf(
			env->log,
			"Expected a dynptr of type ringbuf as arg #%u\n",
			regno - 1);
		return -KBPF_EINVAL;
	}
	return 0;
}

void kbpf_v_dynptr_release(struct venv *env, const struct vdyn_meta *dm)
{
	struct vstate *st = env->cur;
	struct vframe *f = st->frames[dm->frameno];

	/* the slices and copies of the reference go with it */
	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		struct vframe *g = st->frames[fr];

		for (uint32_t i = 0; i < 11; i++)
			if (g->regs[i].ref_obj_id == dm->ref)
				invalidate_reg(env, &g->regs[i]);
		for (uint32_t k = 0; k + 1 < V_SLOTS; k++)
			if (g->slot[k * 8] == SLOT_DYNPTR &&
			    (g->spill[k].flags & VF_DYN_FIRST) &&
			    g->spill[k].ref_obj_id == dm->ref) {
				invalidate_slices(env, g->spill[k].id);
				mark_slot_invalid(g, k);
				mark_slot_invalid(g, k + 1);
			}
	}
	for (uint32_t i = 0; i < st->nr_refs; i++) {
		if (st->refs[i].id == dm->ref) {
			st->refs[i] = st->refs[--st->nr_refs];
			break;
		}
	}
	kbpf_v_log_scratch_stack(env, (int64_t)dm->slot * 8 - V_STACK,
				 (int64_t)dm->slot * 8 - V_STACK + 16);
	(void)f;
}
