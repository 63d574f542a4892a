// SPDX-License-Identifier: MIT
/*
 * Verifier states (verifier_internal.h): allocation and copies, the lists
 * of explored states at pruning points, and the pruning itself, which is
 * what makes verification finish (Linux's is_state_visited() and
 * states_equal(), in behaviour).
 *
 * A path stops at a pruning point when an explored, completed state at
 * the same instruction is wider than the current one: every register the
 * rest of the program may read holds in the old state a superset of what
 * it holds now (scalar ranges and known bits contain, same pointer types
 * with the same fixed offset, packet ranges at most the current ones,
 * identities mapping one to one), and so does every stack byte. The old
 * state was proven safe for all its values, so the current one is too.
 *
 * Which registers the rest may read comes from a static liveness pass
 * over each function (kbpf_v_compute_liveness() below); unread registers
 * are ignored. Scalars no decision needed precise match any scalar
 * (precision, below).
 *
 * Which stack slots the rest may read is learnt while verifying, as
 * Linux 6.18 does (kernel/bpf/liveness.c, in behaviour; our own code):
 * every instruction records the slots of its own frame it read and the
 * whole 8-byte slots it wrote at a known offset (struct vslive); a
 * callee's or a callback's read of a caller's slot (through a stack
 * pointer) counts as a read by the caller's call instruction. Over the
 * instructions' control flow inside each function, a slot is live before
 * an instruction if the instruction may read it, or if some path after it
 * may read it before an instruction that always writes it whole; reads
 * are a union over all walks, writes an intersection. The union over call
 * chains is coarser than Linux's per-call-chain sets but never misses a
 * read. When the explored state is complete (branches == 0), every path
 * from it has been walked and recorded, unless one of them stopped
 * against a state still being explored (a callback or iterator loop's
 * fixed point: sl_tainted, Linux's incomplete read marks); then a slot
 * dead at the state's instruction (at the call instruction for a
 * caller's frame) is not compared at all, as if the explored state's
 * slot were invalid. Dynptr and iterator slots and spilled references
 * are always compared (Linux lets dead ones go too).
 *
 * A state still being explored (branches > 0) never prunes. If it equals
 * the current one exactly, the path came back to the same place with
 * nothing changed: "infinite loop detected at insn %d", as Linux.
 */
#include "verifier_internal.h"

struct vstate *kbpf_v_state_new(struct venv *env)
{
	struct vstate *st = kbpf_zalloc(env->h, sizeof(*st), 0);

	return st;
}

void kbpf_v_frame_free(struct venv *env, struct vframe *f)
{
	if (f)
		kbpf_free(env->h, f, sizeof(*f));
}

void kbpf_v_state_free(struct venv *env, struct vstate *st)
{
	uint32_t i;

	if (!st)
		return;
	for (i = 0; i < V_MAX_FRAMES; i++)
		kbpf_v_frame_free(env, st->frames[i]);
	kbpf_free(env->h, st, sizeof(*st));
}

struct vstate *kbpf_v_state_copy(struct venv *env, const struct vstate *src)
{
	struct vstate *st = kbpf_v_state_new(env);
	uint32_t i;

	if (!st)
		return NULL;
	memcpy(st, src, sizeof(*st));
	for (i = 0; i < V_MAX_FRAMES; i++)
		st->frames[i] = NULL;
	for (i = 0; i <= src->curframe; i++) {
		st->frames[i] = kbpf_malloc(env->h, sizeof(struct vframe), 0);
		if (!st->frames[i]) {
			kbpf_v_state_free(env, st);
			return NULL;
		}
		memcpy(st->frames[i], src->frames[i], sizeof(struct vframe));
	}
	st->next = NULL;
	st->all_precise = false;
	st->sl_tainted = false;
	return st;
}

/* ---- identities ---- */

/* Old id @o and current id @c correspond, one to one, across the compare. */
static bool check_ids(struct venv *env, uint32_t o, uint32_t c)
{
	uint32_t i;

	if (!o && !c)
		return true;
	if (!o || !c)
		return false;
	for (i = 0; i < env->idmap_n; i++) {
		if (env->idmap[2 * i] == o)
			return env->idmap[2 * i + 1] == c;
		if (env->idmap[2 * i + 1] == c)
			return false;
	}
	if (env->idmap_n >= KBPF_ARRAY_SIZE(env->idmap) / 2)
		return false;
	env->idmap[2 * env->idmap_n] = o;
	env->idmap[2 * env->idmap_n + 1] = c;
	env->idmap_n++;
	return true;
}

/*
 * Linux's check_scalar_ids(): a scalar without an id is linked to
 * nothing, so it stands for a fresh id of its own: a link on one side
 * only is fine while it has one member, and no two registers linked on
 * one side may be apart on the other.
 */
static bool check_scalar_ids(struct venv *env, uint32_t o, uint32_t c)
{
	if (!o && !c)
		return true;
	if (!o)
		o = 0x80000000u | ++env->fake_id;
	if (!c)
		c = 0x80000000u | ++env->fake_id;
	return check_ids(env, o, c);
}

static bool scalar_equal(const struct kbpf_scalar *a,
			 const struct kbpf_scalar *b)
{
	return a->var.value == b->var.value && a->var.mask == b->var.mask &&
	       a->smin == b->smin && a->smax == b->smax && a->umin == b->umin &&
	       a->umax == b->umax && a->s32min == b->s32min &&
	       a->s32max == b->s32max && a->u32min == b->u32min &&
	       a->u32max == b->u32max;
}

/* Is @o (explored) at least as wide as @c (current) for the rest? */
static bool regsafe(struct venv *env, const struct vreg *o,
		    const struct vreg *c, bool exact)
{
	if (exact) {
		if (o->type != c->type)
			return false;
		if (o->type == T_NOT_INIT)
			return true;
		return o->flags == c->flags && o->frameno == c->frameno &&
		       o->off == c->off && o->range == c->range &&
		       o->subprog == c->subprog && o->map == c->map &&
		       o->btf_id == c->btf_id && scalar_equal(&o->s, &c->s) &&
		       check_ids(env, o->id, c->id) &&
		       check_ids(env, o->ref_obj_id, c->ref_obj_id);
	}
	if (o->type == T_NOT_INIT)
		return true;
	if (o->type != c->type)
		return false;
	if (o->type == T_SCALAR && !o->precise && env->bpf_capable &&
	    !env->explore_alu_limits && !env->force_precise)
		return true; /* no value of it mattered: any scalar will do */
	if (o->type == T_SCALAR)
		/* linked scalars: the same links (Linux's check_scalar_ids) */
		return (env->explore_alu_limits ?
				scalar_equal(&o->s, &c->s) :
				kbpf_scalar_contains(&o->s, &c->s)) &&
		       check_scalar_ids(env, o->id, c->id);
	if (o->flags != c->flags || o->off != c->off || o->map != c->map ||
	    o->frameno != c->frameno || o->subprog != c->subprog ||
	    o->btf_id != c->btf_id)
		return false;
	if (!kbpf_scalar_contains(&o->s, &c->s))
		return false;
	switch (o->type) {
	case T_PKT:
	case T_PKT_META:
		if (o->range > c->range)
			return false;
		break;
	case T_MEM:
		if (o->range != c->range)
			return false;
		break;
	default:
		break;
	}
	return check_ids(env, o->id, c->id) &&
	       check_ids(env, o->ref_obj_id, c->ref_obj_id);
}

static bool iter_safe(struct venv *env, const struct vreg *o,
		      const struct vreg *c, bool exact)
{
	if (o->btf_id != c->btf_id || o->range != c->range ||
	    !check_ids(env, o->ref_obj_id, c->ref_obj_id))
		return false;
	return !exact || o->range != ITER_ACTIVE || o->subprog == c->subprog;
}

/*
 * Stack bytes of @o against @c. Most of a frame is never written, so an
 * 8-byte slot is first looked at whole: all invalid in @o (anything in @c
 * is safe), or, for @exact, equal in both and not a spill or a dynptr (no
 * register or reference to compare); only other slots are compared byte by byte, in the same order,
 * so the id pairs regsafe() records are the same.
 */
_Static_assert(SLOT_INVALID == 0, "an all-invalid slot reads as 0");
_Static_assert(V_SLOTS == 64, "a frame's slots fit a 64-bit mask");

static void stack_live_update(struct venv *env);

/*
 * Slots of frame @fr of the explored state @o at @insn that nothing after
 * @insn reads before writing them, on every path from @o (bit k: slot
 * k). Only a complete state's paths have all been walked, and their
 * reads are all recorded only if none of them stopped against a state
 * still being explored (sl_tainted). The current frame asks at @insn;
 * a caller's frame at its call instruction, whose reads include the
 * callee's reads of that frame (kbpf_v_stack_read()).
 */
static uint64_t stack_dead(struct venv *env, const struct vstate *o,
			   uint32_t fr, uint32_t insn)
{
	uint32_t at;

	if (!env->sl || o->branches || o->sl_tainted)
		return 0;
	at = fr == o->curframe ? insn : o->frames[fr + 1]->callsite;
	if (at >= env->len)
		return 0;
	if (env->sl_dirty)
		stack_live_update(env);
	return ~env->sl[at].live;
}

/*
 * Slot @w of @f holds what the verifier tracks beyond its bytes: a
 * dynptr, an iterator, or a spilled reference. Such a slot is compared
 * even when dead (Linux would let it go; kbpf stays on the safe side).
 */
static bool slot_special(const struct vframe *f, uint32_t w)
{
	for (uint32_t b = w * 8; b < w * 8 + 8; b++)
		if (f->slot[b] == SLOT_DYNPTR || f->slot[b] == SLOT_ITER)
			return true;
	return f->slot[w * 8] == SLOT_SPILL && f->spill[w].ref_obj_id;
}

static bool stacksafe(struct venv *env, const struct vframe *o,
		      const struct vframe *c, bool exact, uint64_t dead)
{
	uint32_t i, w;

	for (w = 0; w < V_SLOTS; w++) {
		uint64_t ow, cw;

		/* dead: the old state's slot could as well be invalid */
		if (!exact && ((dead >> w) & 1) && !slot_special(o, w) &&
		    !slot_special(c, w))
			continue;
		__builtin_memcpy(&ow, &o->slot[w * 8], sizeof(ow));
		__builtin_memcpy(&cw, &c->slot[w * 8], sizeof(cw));
		if (exact ? ow == cw && o->slot[w * 8] != SLOT_SPILL &&
				    o->slot[w * 8] != SLOT_DYNPTR &&
				    o->slot[w * 8] != SLOT_ITER :
			    !ow)
			continue;
		for (i = w * 8; i < w * 8 + 8; i++) {
			uint8_t os = o->slot[i], cs = c->slot[i];

			if (exact) {
				if (os != cs)
					return false;
			} else if (os == SLOT_INVALID) {
				continue;
			} else if (os == SLOT_MISC) {
				if (cs != SLOT_MISC && cs != SLOT_ZERO &&
				    !(cs == SLOT_SPILL &&
				      c->spill[i / 8].type == T_SCALAR))
					return false;
				continue;
			} else if (os != cs) {
				return false;
			}
			if (os == SLOT_SPILL && (i % 8) == 0 &&
			    !regsafe(env, &o->spill[i / 8], &c->spill[i / 8],
				     exact))
				return false;
			/* dynptrs: the same kind, start and references */
			if (os == SLOT_DYNPTR && (i % 8) == 0 &&
			    (o->spill[i / 8].flags != c->spill[i / 8].flags ||
			     o->spill[i / 8].range != c->spill[i / 8].range ||
			     !check_ids(env, o->spill[i / 8].ref_obj_id,
					c->spill[i / 8].ref_obj_id)))
				return false;
			/*
			 * iterators: the same type, state and reference; the
			 * depth only in the loop check (Linux's
			 * iter_active_depths_differ()), or no loop would
			 * converge
			 */
			if (os == SLOT_ITER && (i % 8) == 0 &&
			    !iter_safe(env, &o->spill[i / 8], &c->spill[i / 8],
				       exact))
				return false;
		}
	}
	return true;
}

/* Registers live at @insn of @frame (innermost: the current instruction). */
static uint16_t frame_live(struct venv *env, const struct vstate *cur,
			   uint32_t fr, uint32_t insn)
{
	uint32_t ret;

	if (fr == cur->curframe)
		return env->live[insn];
	/* An outer frame resumes after the call its callee was made by. */
	ret = cur->frames[fr + 1]->callsite + 1;
	if (ret >= env->len)
		return 0;
	return env->live[ret] & ~0x3fu;
}

static bool states_equal(struct venv *env, const struct vstate *o,
			 const struct vstate *c, uint32_t insn, bool exact)
{
	uint32_t fr, i;

	if (o->curframe != c->curframe || o->nr_refs != c->nr_refs ||
	    o->lock_map != c->lock_map || o->active_rcu != c->active_rcu)
		return false;
	/* a speculative path proves nothing for a real one */
	if (o->speculative && !c->speculative)
		return false;
	env->idmap_n = 0;
	for (fr = 0; fr <= o->curframe; fr++) {
		const struct vframe *of = o->frames[fr], *cf = c->frames[fr];
		uint16_t live = exact ? 0xffff : frame_live(env, c, fr, insn);

		if (of->callsite != cf->callsite ||
		    of->callback != cf->callback)
			return false;
		for (i = 0; i < 11; i++) {
			if (!(live & (1u << i)))
				continue;
			if (!regsafe(env, &of->regs[i], &cf->regs[i], exact))
				return false;
		}
		if (!stacksafe(env, of, cf, exact,
			       exact ? 0 : stack_dead(env, o, fr, insn)))
			return false;
	}
	for (i = 0; i < o->nr_refs; i++)
		if (!check_ids(env, o->refs[i].id, c->refs[i].id))
			return false;
	if (o->lock_map && !check_ids(env, o->lock_id, c->lock_id))
		return false;
	return true;
}

void kbpf_v_path_done(struct venv *env, struct vstate *st)
{
	struct vstate *p = st->parent;

	(void)env;
	while (p) {
		if (--p->branches)
			break;
		p = p->parent;
	}
}

/*
 * Make room at @insn for one more explored state: drop the complete state
 * that has missed most (Linux drops states that keep missing too); false
 * if every state there is still being explored.
 */
static bool evict_one(struct venv *env, uint32_t insn)
{
	struct vstate **pp, **victim = NULL;

	for (pp = &env->explored[insn]; *pp; pp = &(*pp)->next)
		if (!(*pp)->branches &&
		    (!victim || (*pp)->miss_cnt >= (*victim)->miss_cnt))
			victim = pp;
	if (!victim)
		return false;
	{
		struct vstate *v = *victim;

		*victim = v->next;
		kbpf_v_state_free(env, v);
	}
	env->nr_explored[insn]--;
	env->cur_states--;
	return true;
}

/*
 * Every state at @insn is still being explored (a loop this path is in):
 * take the one that has missed most off the list, to env->retired. It is
 * an ancestor of live paths, so it stays allocated until the end; it is
 * only no longer compared (Linux takes such states off its lists too).
 */
static void retire_one(struct venv *env, uint32_t insn)
{
	struct vstate **pp, **victim = NULL, *v;

	for (pp = &env->explored[insn]; *pp; pp = &(*pp)->next)
		if (!victim || (*pp)->miss_cnt >= (*victim)->miss_cnt)
			victim = pp;
	if (!victim)
		return;
	v = *victim;
	*victim = v->next;
	v->next = env->retired;
	env->retired = v;
	env->nr_explored[insn]--;
}

/*
 * Linux's states_maybe_looping(): the registers of the current frame are
 * the same, ids included as numbers (no mapping), before the exact
 * comparison may call a state a loop.
 */
static bool states_maybe_looping(const struct vstate *o, const struct vstate *c)
{
	const struct vframe *of, *cf;

	if (o->curframe != c->curframe)
		return false;
	of = o->frames[o->curframe];
	cf = c->frames[c->curframe];
	for (int i = 0; i < 11; i++) {
		const struct vreg *a = &of->regs[i], *b = &cf->regs[i];

		if (a->type != b->type)
			return false;
		if (a->type == T_NOT_INIT)
			continue;
		if (a->flags != b->flags || a->off != b->off ||
		    a->id != b->id || a->ref_obj_id != b->ref_obj_id ||
		    a->range != b->range || a->map != b->map ||
		    a->subprog != b->subprog || a->frameno != b->frameno ||
		    !scalar_equal(&a->s, &b->s))
			return false;
	}
	return true;
}

/* ---- precision ---- */

static bool bt_empty(const struct vbt *bt)
{
	for (uint32_t fr = 0; fr < V_MAX_FRAMES; fr++)
		if (bt->regs[fr] || bt->stack[fr])
			return false;
	return true;
}

/*
 * Linux's mark_all_scalars_precise(): every explored state of the path.
 * The walk stops at the first state marked by an earlier one (all_precise:
 * the states above it are marked too), so a long path that loses its
 * history on every instruction (a loop that runs past V_MAX_PER_INSN
 * states at its head) is not walked again each time.
 */
static void mark_all_precise(struct venv *env)
{
	if (kbpf_v_log_bt_on(env))
		kbpf_v_log_bt_all(env, env->cur->curframe);
	for (struct vstate *st = env->cur->parent; st && !st->all_precise;
	     st = st->parent) {
		st->all_precise = true;
		for (uint32_t fr = 0; fr <= st->curframe; fr++) {
			struct vframe *f = st->frames[fr];

			for (int i = 0; i < 11; i++)
				if (f->regs[i].type == T_SCALAR)
					f->regs[i].precise = 1;
			for (uint32_t k = 0; k < V_SLOTS; k++)
				if (f->slot[k * 8] == SLOT_SPILL &&
				    f->spill[k].type == T_SCALAR)
					f->spill[k].precise = 1;
		}
	}
}

static bool is_callback_helper(int32_t id)
{
	return id == BPF_FUNC_loop || id == BPF_FUNC_for_each_map_elem ||
	       id == BPF_FUNC_user_ringbuf_drain ||
	       id == BPF_FUNC_timer_set_callback || id == BPF_FUNC_find_vma;
}

/*
 * Linux's bt_sync_linked_regs(): if one of the scalars a jump refined
 * together (@linked) is wanted, all of them are.
 */
static void bt_sync_linked(struct vbt *bt, uint32_t linked)
{
	uint32_t n = VH_LINKED_CNT(linked);
	bool some = false;

	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t k = 0; k < n; k++) {
			uint32_t e = (linked >> (10 * k)) & 0x3ffu;
			uint32_t fr = e >> 7, num = e & 0x3fu;
			bool reg = (e >> 6) & 1u;

			if (!pass)
				some |= reg ? (bt->regs[fr] >> num) & 1u :
					      (uint32_t)(bt->stack[fr] >> num) &
							1u;
			else if (reg)
				bt->regs[fr] |= (uint16_t)(1u << num);
			else
				bt->stack[fr] |= 1ull << num;
		}
		if (!some)
			return;
	}
}

/*
 * Undo instruction @i for @bt (in frame @fr): @bt held what is needed
 * after it and receives what is needed before it. @h: its history entry.
 * False where kbpf does not follow the dependency (the caller then marks
 * everything).
 */
static bool backtrack_insn(struct venv *env, uint32_t i, const struct vhist *h,
			   struct vbt *bt, uint32_t fr)
{
	const struct bpf_insn *insn = &env->insns[i];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	uint16_t d = (uint16_t)(1u << insn->dst_reg);
	uint16_t s = (uint16_t)(1u << insn->src_reg);
	uint16_t *regs = &bt->regs[fr];

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (!(*regs & d))
			return true;
		if (op == BPF_MOV) {
			*regs &= (uint16_t)~d;
			if (BPF_SRC(insn->code) == BPF_X)
				*regs |= s;
		} else if (BPF_SRC(insn->code) == BPF_X && op != BPF_NEG &&
			   op != BPF_END) {
			*regs |= s;
		}
		return true;
	case BPF_LDX:
		if (!(*regs & d))
			return true;
		*regs &= (uint16_t)~d;
		if (h && h->spi >= 0) /* a fill: the slot's value */
			bt->stack[h->frameno] |= 1ull << h->spi;
		return true;
	case BPF_ST:
	case BPF_STX:
		if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC)
			return bt_empty(bt);
		if (h && h->spi >= 0 &&
		    (bt->stack[h->frameno] & (1ull << h->spi))) {
			bt->stack[h->frameno] &= ~(1ull << h->spi);
			if (cls == BPF_STX) /* a spill: the register's value */
				*regs |= s;
		}
		return true;
	case BPF_LD:
		if (insn->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			*regs &= (uint16_t)~d;
			return true;
		}
		/* LD_ABS/IND: r0 from the packet, r1-r5 clobbered */
		*regs &= (uint16_t)~0x3fu;
		return true;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_JA)
			return true;
		if (op == BPF_EXIT)
			return false;
		if (op == BPF_CALL) {
			/* a kfunc call: as a helper's (no callbacks) */
			if ((insn->src_reg != 0 &&
			     insn->src_reg != BPF_PSEUDO_KFUNC_CALL) ||
			    (!insn->src_reg && is_callback_helper(insn->imm)))
				return false;
			/* r0 is the helper's; r1-r5 died in it */
			*regs &= (uint16_t)~0x3fu;
			return true;
		}
		/*
		 * A comparison that bounded linked scalars on this path:
		 * any of them wanted after it wants all of them (and the
		 * compared registers) before it; a set too large to have
		 * been recorded is not followed.
		 */
		if (h && h->linked == VH_LINKED_OVER)
			return false;
		if (h && h->linked)
			bt_sync_linked(bt, h->linked);
		if (BPF_SRC(insn->code) == BPF_X && (*regs & (d | s)))
			*regs |= d | s;
		if (h && h->linked)
			bt_sync_linked(bt, h->linked);
		return true;
	default:
		return false;
	}
}

void kbpf_v_hist_push(struct venv *env, struct vstate *st)
{
	uint32_t pc = env->insn_idx, prev = env->prev_idx;
	bool seq = prev != UINT32_MAX &&
		   (prev + 1 == pc ||
		    (prev + 2 == pc &&
		     env->insns[prev].code == (BPF_LD | BPF_DW | BPF_IMM)));

	st->seg_insns++;
	if (seq && env->hist_spi < 0 && !env->hist_linked)
		return;
	if (st->nr_hist < V_HIST) {
		struct vhist *h = &st->hist[st->nr_hist++];

		h->idx = pc;
		h->prev = prev;
		h->spi = env->hist_spi;
		h->frameno = env->hist_frameno;
		h->linked = env->hist_linked;
	} else {
		st->hist_lost = true;
	}
}

/*
 * Walk one segment back: its @st->seg_insns executed instructions, the
 * newest first (@last; or, with @skip, the instruction being checked,
 * which is not one of them and is not undone: the walk starts at
 * @prev_of_last). False if the walk cannot be followed.
 */
static bool backtrack_segment(struct venv *env, const struct vstate *st,
			      uint32_t last, uint32_t prev_of_last, bool skip,
			      struct vbt *bt)
{
	uint32_t i = skip ? prev_of_last : last, hi = st->nr_hist;
	uint32_t left = st->seg_insns;

	if (!left)
		return true;
	if (st->hist_lost)
		return false;
	for (;;) {
		const struct vhist *h = NULL;

		if (i >= env->len)
			return false;
		if (hi && st->hist[hi - 1].idx == i)
			h = &st->hist[--hi];
		if (kbpf_v_log_bt_on(env))
			kbpf_v_log_bt_insn(env, st->curframe,
					   bt->regs[st->curframe],
					   bt->stack[st->curframe], i);
		if (!backtrack_insn(env, i, h, bt, st->curframe))
			return false;
		if (bt_empty(bt) || !--left)
			return true;
		if (h)
			i = h->prev;
		else if (i >= 2 &&
			 env->insns[i - 2].code == (BPF_LD | BPF_DW | BPF_IMM))
			i -= 2;
		else if (i >= 1)
			i -= 1;
		else
			return false;
	}
}

void kbpf_v_mark_precise(struct venv *env, struct vbt *bt)
{
	struct vstate *st = env->cur;
	uint32_t last = env->insn_idx, prev = env->prev_idx;
	uint32_t first = st->first_insn, subseq = UINT32_MAX;
	uint32_t top = st->curframe; /* Linux's bt->frame */
	bool skip = true, log = kbpf_v_log_bt_on(env);

	if (!env->bpf_capable || bt_empty(bt))
		return; /* without CAP_BPF every scalar is precise anyway */
	for (;;) {
		if (log)
			kbpf_v_log_bt_head(env, top, last, first, subseq);
		if (last != UINT32_MAX &&
		    !backtrack_segment(env, st, last, prev, skip, bt)) {
			mark_all_precise(env);
			return;
		}
		if (bt_empty(bt))
			return;
		st = st->parent;
		if (!st)
			return;
		/* as Linux: from the walk's frame down to the main one */
		for (uint32_t fr = top + 1; fr-- > 0;) {
			struct vframe *f = fr <= st->curframe ? st->frames[fr] :
								NULL;
			uint64_t m;
			uint32_t k;

			if (!bt->regs[fr] && !bt->stack[fr])
				goto print;
			for (int r = 0; r < 11; r++) {
				struct vreg *v;

				if (!(bt->regs[fr] & (1u << r)))
					continue;
				v = f ? &f->regs[r] : NULL;
				if (!v || v->type != T_SCALAR || v->precise)
					bt->regs[fr] &= (uint16_t) ~(1u << r);
				else
					v->precise = 1;
			}
			for (m = bt->stack[fr], k = 0; m; m >>= 1, k++) {
				struct vreg *v;

				if (!(m & 1))
					continue;
				v = f && f->slot[k * 8] == SLOT_SPILL ?
					    &f->spill[k] :
					    NULL;
				if (!v || v->type != T_SCALAR || v->precise)
					bt->stack[fr] &= ~(1ull << k);
				else
					v->precise = 1;
			}
print:
			if (log && f)
				kbpf_v_log_bt_parent(env, st, fr, bt->regs[fr],
						     bt->stack[fr]);
		}
		if (bt_empty(bt))
			return;
		subseq = first;
		last = st->last_insn;
		first = st->first_insn;
		prev = UINT32_MAX;
		skip = false;
	}
}

void kbpf_v_mark_reg_precise(struct venv *env, uint32_t regno)
{
	struct vbt bt;

	if (CUR_REGS(env)[regno].type != T_SCALAR)
		return;
	memset(&bt, 0, sizeof(bt));
	bt.regs[env->cur->curframe] = (uint16_t)(1u << regno);
	kbpf_v_mark_precise(env, &bt);
}

/*
 * A path stopped against @old at @insn (not executed on this path):
 * @old's precise values are needed here.
 */
static void propagate_precision(struct venv *env, const struct vstate *old,
				uint32_t insn)
{
	uint32_t saved = env->insn_idx;
	struct vbt bt;

	memset(&bt, 0, sizeof(bt));
	for (uint32_t fr = old->curframe + 1; fr-- > 0;) {
		const struct vframe *f = old->frames[fr];
		/* a dead slot's value was not needed (Linux cleans it) */
		uint64_t dead = stack_dead(env, old, fr, insn);

		for (int r = 0; r < 11; r++)
			if (f->regs[r].type == T_SCALAR && f->regs[r].precise)
				bt.regs[fr] |= (uint16_t)(1u << r);
		for (uint32_t k = 0; k < V_SLOTS; k++)
			if (!((dead >> k) & 1) &&
			    f->slot[k * 8] == SLOT_SPILL &&
			    f->spill[k].type == T_SCALAR && f->spill[k].precise)
				bt.stack[fr] |= 1ull << k;
		if (kbpf_v_log_bt_on(env) && env->bpf_capable)
			kbpf_v_log_bt_propagate(env, fr, bt.regs[fr],
						bt.stack[fr]);
	}
	env->insn_idx = insn; /* the walk starts before it */
	kbpf_v_mark_precise(env, &bt);
	env->insn_idx = saved;
}

/*
 * The path of @cur stopped where the reads of what follows are not all
 * recorded: neither are those of its explored ancestors' subtrees. A
 * tainted state's ancestors are tainted already (the chain above an
 * explored state never changes).
 */
static void taint_path(struct vstate *cur)
{
	for (struct vstate *p = cur->parent; p && !p->sl_tainted; p = p->parent)
		p->sl_tainted = true;
}

int kbpf_v_is_state_visited(struct venv *env, uint32_t insn)
{
	struct vstate *sl, *cur = env->cur, *n;

	/*
	 * As Linux's is_state_visited(): states are compared at every
	 * pruning point, but a new one is recorded only after 2 jumps and 8
	 * instructions since the last (fewer while a loop is in progress:
	 * 20 jumps or 100 instructions), or where it is forced.
	 */
	/*
	 * A segment whose history holds more than 40 entries is closed
	 * here whatever the heuristics say (Linux's jmp_history_cnt > 40),
	 * so that backtracking never runs out of history in a long loop.
	 */
	bool force = (env->flags[insn] & VI_FORCE) || cur->nr_hist > 40;
	bool add = force ||
		   (env->jmps_processed - env->prev_jmps_processed >= 2 &&
		    env->insn_processed - env->prev_insn_processed >= 8);

	for (sl = env->explored[insn]; sl; sl = sl->next) {
		if (sl->branches && (env->flags[insn] & VI_FORCE)) {
			/*
			 * A callback's call, reached again after an
			 * iteration: a state of an earlier iteration that
			 * covers this one is its fixed point (Linux's
			 * bpf_calls_callback() case: no loop check here).
			 */
			bool eq;

			/*
			 * Not complete: its precision marks are not final,
			 * so every scalar is compared by its range.
			 */
			env->force_precise = true;
			eq = states_equal(env, sl, cur, insn, false);
			env->force_precise = false;
			/*
			 * An iterator's _next: the loop converged only while
			 * the iterator is still active (Linux).
			 */
			if (eq && (!(env->flags[insn] & VI_ITER_NEXT) ||
				   kbpf_v_iter_active_r1(env, cur))) {
				sl->hit_cnt++;
				/*
				 * What @sl's subtree reads is not all walked
				 * yet, nor then what this path's ancestors'
				 * subtrees read.
				 */
				taint_path(cur);
				return 1;
			}
			sl->miss_cnt++;
			continue;
		}
		if (sl->branches) {
			if (states_maybe_looping(sl, cur) &&
			    states_equal(env, sl, cur, insn, true)) {
				kbpf_vlog_printf(
					env->log,
					"infinite loop detected at insn %u\n",
					insn);
				return -KBPF_EINVAL;
			}
			if (!force &&
			    env->jmps_processed - env->prev_jmps_processed <
				    20 &&
			    env->insn_processed - env->prev_insn_processed <
				    100)
				add = false;
			continue;
		}
		if (states_equal(env, sl, cur, insn, false)) {
			sl->hit_cnt++;
			if (sl->sl_tainted)
				taint_path(cur);
			/*
			 * What the old state's subtree needed precise, this
			 * path needs too: it is proven by that subtree.
			 */
			propagate_precision(env, sl, insn);
			return 1;
		}
		sl->miss_cnt++;
	}
	if (!add || env->total_states >= V_MAX_STATES)
		return 0;
	/*
	 * The cap makes room by dropping a complete state, or else by
	 * retiring one still being explored: the new state is always
	 * recorded (as Linux), since a path that records nothing loses its
	 * history (every scalar precise) and its pruning.
	 */
	if (env->nr_explored[insn] >= V_MAX_PER_INSN && !evict_one(env, insn))
		retire_one(env, insn);
	/* Record the current state: later paths here may stop against it. */
	n = kbpf_v_state_copy(env, cur);
	if (!n)
		return -KBPF_ENOMEM;
	env->prev_jmps_processed = env->jmps_processed;
	env->prev_insn_processed = env->insn_processed;
	n->insn = insn;
	n->last_insn = env->prev_idx;
	/* The path starts a new segment here (the old one stays with n). */
	cur->first_insn = insn;
	cur->seg_insns = 0;
	cur->nr_hist = 0;
	cur->hist_lost = false;
	n->branches = 1;
	n->hit_cnt = n->miss_cnt = 0;
	n->parent = cur->parent;
	cur->parent = n;
	n->next = env->explored[insn];
	env->explored[insn] = n;
	env->total_states++;
	env->cur_states++;
	if (env->cur_states > env->peak_states)
		env->peak_states = env->cur_states;
	if (++env->nr_explored[insn] > env->max_states_per_insn)
		env->max_states_per_insn = env->nr_explored[insn];
	return 0;
}

static void widen_reg(const struct vreg *o, struct vreg *c)
{
	if (o->type == T_SCALAR && c->type == T_SCALAR &&
	    !scalar_equal(&o->s, &c->s))
		kbpf_v_mark_unknown(c);
}

void kbpf_v_widen(struct venv *env, struct vstate *st, uint32_t insn)
{
	const struct vstate *prev = st->parent;

	(void)env;
	while (prev && prev->insn != insn)
		prev = prev->parent;
	if (!prev || prev->curframe != st->curframe)
		return;
	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		const struct vframe *of = prev->frames[fr];
		struct vframe *cf = st->frames[fr];

		for (int i = 0; i < 11; i++)
			widen_reg(&of->regs[i], &cf->regs[i]);
		for (uint32_t k = 0; k < V_SLOTS; k++)
			if (of->slot[k * 8] == SLOT_SPILL &&
			    cf->slot[k * 8] == SLOT_SPILL)
				widen_reg(&of->spill[k], &cf->spill[k]);
	}
}

static void widen_imprecise(const struct vreg *o, struct vreg *c)
{
	if (o->type == T_SCALAR && c->type == T_SCALAR && !o->precise &&
	    !c->precise && !scalar_equal(&o->s, &c->s))
		kbpf_v_mark_unknown(c);
}

void kbpf_v_widen_from(struct venv *env, const struct vstate *old,
		       struct vstate *st)
{
	(void)env;
	if (old->curframe != st->curframe)
		return;
	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		const struct vframe *of = old->frames[fr];
		struct vframe *cf = st->frames[fr];

		for (int i = 0; i < 10; i++)
			widen_imprecise(&of->regs[i], &cf->regs[i]);
		for (uint32_t k = 0; k < V_SLOTS; k++)
			if (of->slot[k * 8 + 7] == SLOT_SPILL &&
			    cf->slot[k * 8 + 7] == SLOT_SPILL)
				widen_imprecise(&of->spill[k], &cf->spill[k]);
	}
}

void kbpf_v_free_explored(struct venv *env)
{
	uint32_t i;

	while (env->retired) {
		struct vstate *r = env->retired;

		env->retired = r->next;
		kbpf_v_state_free(env, r);
	}
	if (!env->explored)
		return;
	for (i = 0; i < env->len; i++) {
		struct vstate *sl = env->explored[i], *n;

		for (; sl; sl = n) {
			n = sl->next;
			kbpf_v_state_free(env, sl);
		}
	}
}

/* ---- liveness ---- */

static bool is_ldimm64(const struct bpf_insn *i)
{
	return i->code == (BPF_LD | BPF_DW | BPF_IMM);
}

/* Registers @insn reads (*use) and writes (*def). */
static void insn_use_def(const struct bpf_insn *insn, uint16_t *use,
			 uint16_t *def)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	uint16_t d = (uint16_t)(1u << insn->dst_reg);
	uint16_t s = (uint16_t)(1u << insn->src_reg);

	*use = 0;
	*def = 0;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		*def = d;
		if (op != BPF_MOV)
			*use |= d;
		if (BPF_SRC(insn->code) == BPF_X && op != BPF_NEG &&
		    op != BPF_END)
			*use |= s;
		break;
	case BPF_LDX:
		*use = s;
		*def = d;
		break;
	case BPF_ST:
		*use = d;
		break;
	case BPF_STX:
		*use = d | s;
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			if (insn->imm == BPF_CMPXCHG) {
				*use |= 1;
				*def = 1;
			} else if (insn->imm & BPF_FETCH) {
				*def = s;
			}
		}
		break;
	case BPF_LD:
		if (is_ldimm64(insn)) {
			*def = d;
		} else {
			/* LD_ABS/LD_IND: r6 is the context; r0-r5 clobbered */
			*use = 1u << 6;
			if (BPF_MODE(insn->code) == BPF_IND)
				*use |= s;
			*def = 0x3f;
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_CALL) {
			*use = 0x3e;
			*def = 0x3f;
		} else if (op == BPF_EXIT) {
			*use = 1;
		} else if (op != BPF_JA) {
			*use = d;
			if (BPF_SRC(insn->code) == BPF_X)
				*use |= s;
		}
		break;
	}
}

/*
 * Backward may-liveness to a fixed point. Calls are local: a callee's
 * registers are its own analysis (its entry is not a successor of the
 * call), a call reads r1-r5 and writes r0-r5; exit reads r0.
 */
/*
 * The argument registers a kfunc call reads: as many as its prototype in
 * the host BTF has (Linux's liveness reads them so), else r1-r5.
 */
static uint16_t kfunc_uses(struct venv *env, const struct bpf_insn *insn)
{
	const struct kbpf_kfunc_desc *d =
		kbpf_prog_kfunc_desc(env->prog, (uint32_t)insn->imm);
	const struct kbpf_btf_view *b = NULL;
	const uint8_t *proto;
	uint32_t n;

	if (!d || insn->off || kbpf_v_hbtf(env, &b) || !b)
		return 0x3e;
	proto = kbpf_btf_type(b, d->proto_id);
	if (!proto)
		return 0x3e;
	n = kbpf_btf_vlen(b, proto);
	if (n > 5)
		n = 5;
	return (uint16_t)(((1u << n) - 1) << 1);
}

int kbpf_v_compute_liveness(struct venv *env)
{
	uint32_t i, n = env->len;
	bool changed = true;

	for (i = 0; i < n; i++)
		env->live[i] = 0;
	while (changed) {
		changed = false;
		for (i = n; i-- > 0;) {
			const struct bpf_insn *insn = &env->insns[i];
			uint8_t cls = BPF_CLASS(insn->code);
			uint8_t op = BPF_OP(insn->code);
			uint16_t use, def, out = 0, in;
			uint32_t next = i + (is_ldimm64(insn) ? 2 : 1);

			if (i && is_ldimm64(&env->insns[i - 1]))
				continue; /* second slot of an ld_imm64 */
			insn_use_def(insn, &use, &def);
			if (insn->code == (BPF_JMP | BPF_CALL) &&
			    insn->src_reg == BPF_PSEUDO_KFUNC_CALL)
				use = kfunc_uses(env, insn);
			if ((cls == BPF_JMP || cls == BPF_JMP32) &&
			    op != BPF_CALL) {
				if (op == BPF_EXIT) {
					out = 0;
				} else {
					int32_t off = (cls == BPF_JMP32 &&
						       op == BPF_JA) ?
							      insn->imm :
							      insn->off;
					int64_t t = (int64_t)i + off + 1;

					if (t >= 0 && t < n)
						out |= env->live[t];
					if (op != BPF_JA && next < n)
						out |= env->live[next];
				}
			} else if (next < n) {
				out = env->live[next];
			}
			in = (uint16_t)((out & ~def) | use | (1u << 10));
			if (in != env->live[i]) {
				env->live[i] = in;
				changed = true;
			}
		}
	}
	return 0;
}

/* ---- stack-slot liveness ---- */

/*
 * Slots of the frame: bit k is kbpf's slot k (bytes r10-512+8k ..+7).
 * Bytes [lo, hi) of a frame, offsets from its r10 (-512 <= lo < hi <= 0).
 */
static uint64_t slot_mask(int64_t lo, int64_t hi)
{
	uint32_t a, b;

	if (lo < -V_STACK)
		lo = -V_STACK;
	if (hi > 0)
		hi = 0;
	if (lo >= hi)
		return 0;
	a = (uint32_t)(lo + V_STACK) / 8;
	b = (uint32_t)(hi - 1 + V_STACK) / 8;
	return (b - a == 63 ? ~0ull : ((1ull << (b - a + 1)) - 1)) << a;
}

void kbpf_v_stack_read(struct venv *env, uint32_t frameno, int64_t lo,
		       int64_t hi)
{
	const struct vstate *st = env->cur;
	uint64_t m = slot_mask(lo, hi);
	uint32_t at;
	struct vslive *s;

	if (!env->sl || !st || !m || frameno > st->curframe)
		return;
	/*
	 * A callee reading its caller's slots: the caller's call
	 * instruction reads them (its live set is what the callee, and
	 * what follows the call, may read).
	 */
	at = frameno == st->curframe ? env->insn_idx :
				       st->frames[frameno + 1]->callsite;
	if (at >= env->len)
		return;
	s = &env->sl[at];
	if ((s->read | m) != s->read) {
		s->read |= m;
		if ((s->live | m) != s->live)
			env->sl_dirty = true;
	}
}

void kbpf_v_stack_write(struct venv *env, uint32_t frameno, int64_t lo)
{
	if (env->sl && env->cur && frameno == env->cur->curframe)
		env->sl_wacc |= slot_mask(lo, lo + 8);
}

void kbpf_v_stack_insn_done(struct venv *env, uint32_t insn)
{
	uint64_t w = env->sl_wacc;
	struct vslive *s;

	env->sl_wacc = 0;
	if (!env->sl || insn >= env->len)
		return;
	s = &env->sl[insn];
	/* what every walk through it wrote: the first sets, others narrow */
	if (s->wset)
		w &= s->write;
	if (w != s->write || !s->wset) {
		if (s->write & ~w)
			env->sl_dirty = true;
		s->write = w;
	}
	s->wset = true;
}

/*
 * The live sets, to the least fixed point of: a slot is live before an
 * instruction if it reads it, or if it is live before a successor and
 * the instruction does not write it. Successors are local to a function
 * (a call falls through; an exit has none), as for registers. Read sets
 * only grow and write sets only shrink, so iterating from the last
 * solution reaches the new one.
 */
static void stack_live_update(struct venv *env)
{
	uint32_t n = env->len;
	bool changed = true;

	while (changed) {
		changed = false;
		for (uint32_t i = n; i-- > 0;) {
			const struct bpf_insn *insn = &env->insns[i];
			uint8_t cls = BPF_CLASS(insn->code);
			uint8_t op = BPF_OP(insn->code);
			uint32_t next = i + (is_ldimm64(insn) ? 2 : 1);
			uint64_t out = 0, in;
			struct vslive *s = &env->sl[i];

			if (i && is_ldimm64(&env->insns[i - 1]))
				continue;
			if ((cls == BPF_JMP || cls == BPF_JMP32) &&
			    op != BPF_CALL) {
				if (op != BPF_EXIT) {
					int32_t off = (cls == BPF_JMP32 &&
						       op == BPF_JA) ?
							      insn->imm :
							      insn->off;
					int64_t t = (int64_t)i + off + 1;

					if (t >= 0 && t < n)
						out |= env->sl[t].live;
					if (op != BPF_JA && next < n)
						out |= env->sl[next].live;
				}
			} else if (next < n) {
				out = env->sl[next].live;
			}
			in = (out & ~s->write) | s->read;
			if (in != s->live) {
				s->live = in;
				changed = true;
			}
		}
	}
	env->sl_dirty = false;
}
