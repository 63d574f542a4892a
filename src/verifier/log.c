// SPDX-License-Identifier: MIT
/*
 * The verifier's trace in the log at levels 1 and 2, in the format of
 * Linux 6.18's verifier log (kernel/bpf/log.c and do_check() in
 * behaviour, written from the log's observed output):
 *
 *   0: R1=ctx() R10=fp0
 *   0: (b7) r1 = 0                        ; R1=0
 *   1: (63) *(u32 *)(r10 -4) = r1         ; R1=0 R10=fp0 fp-8=0000????
 *
 * Each instruction walked is printed as "N: " and its disassembly
 * (core/disasm.c, the text of Linux's print_bpf_insn()). The registers and
 * stack slots an instruction touched ("scratched") are printed before the
 * next instruction's line: on the same line after a ';' aligned to a
 * column of 8 (at least 40), or on their own "N:" line when something was
 * printed in between. At level 1 the lines of a path that ended without
 * an error are dropped when the walk goes back to a pending branch, and
 * the whole trace when the program is proven (Linux's bpf_vlog_reset());
 * level 2 keeps them and marks each popped branch "from X to Y:" with its
 * whole state.
 *
 * Called from syscall (the walk); no allocation; no locks.
 */
#include "verifier_internal.h"

#include "kbpf/disasm.h"

#define LOG_MIN_ALIGN 8u /* Linux's BPF_LOG_MIN_ALIGNMENT */
#define LOG_ALIGN 40u /* BPF_LOG_ALIGNMENT */

/* A small append-only text buffer; overlong text is cut. */
struct vtext {
	char b[512];
	uint32_t n;
};

static void tx_str(struct vtext *t, const char *s)
{
	while (*s && t->n < sizeof(t->b) - 1)
		t->b[t->n++] = *s++;
}

static void tx_fmt(struct vtext *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void tx_fmt(struct vtext *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kbpf_vsnprintf(t->b + t->n, sizeof(t->b) - t->n, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	t->n += (uint32_t)n;
	if (t->n > sizeof(t->b) - 1)
		t->n = sizeof(t->b) - 1;
}

static void tx_flush(struct venv *env, struct vtext *t)
{
	kbpf_vlog_write(env->log, t->b, t->n);
	t->n = 0;
}

/* Linux's "%#llx": 0 prints "0x0" in the kernel's formatter. */
static void tx_hex(struct vtext *t, uint64_t v)
{
	tx_fmt(t, "0x%llx", (unsigned long long)v);
}

/* Decimal up to U16_MAX, else hex (Linux's verbose_unum()). */
static void tx_unum(struct vtext *t, uint64_t v)
{
	if (v <= 0xffff)
		tx_fmt(t, "%llu", (unsigned long long)v);
	else
		tx_hex(t, v);
}

/* Decimal within [S16_MIN, S16_MAX], else hex (verbose_snum()). */
static void tx_snum(struct vtext *t, int64_t v)
{
	if (v >= -32768 && v <= 32767)
		tx_fmt(t, "%lld", (long long)v);
	else
		tx_hex(t, (uint64_t)v);
}

bool kbpf_v_log_on(const struct venv *env)
{
	return env->log->level & (KBPF_LOG_LEVEL1 | KBPF_LOG_LEVEL2);
}

/*
 * The bounds that say something (Linux's print_scalar_ranges()): each one
 * that is not the type's extreme, with later ones of the same value (and
 * sign) named together, "smax=umax=0xffffffff".
 */
static void tx_ranges(struct vtext *t, const struct kbpf_scalar *s,
		      const char **sep)
{
	struct {
		const char *name;
		uint64_t val;
		bool omit;
	} m[8] = {
		{ "smin", (uint64_t)s->smin, s->smin == INT64_MIN },
		{ "smax", (uint64_t)s->smax, s->smax == INT64_MAX },
		{ "umin", s->umin, s->umin == 0 },
		{ "umax", s->umax, s->umax == UINT64_MAX },
		{ "smin32", 0, s->s32min == INT32_MIN },
		{ "smax32", 0, s->s32max == INT32_MAX },
		{ "umin32", s->u32min, s->u32min == 0 },
		{ "umax32", s->u32max, s->u32max == UINT32_MAX },
	};

	/* 32-bit signed bounds printed in hex are not sign-extended */
	m[4].val = (s->s32min >= -32768 && s->s32min <= 32767) ?
			   (uint64_t)(int64_t)s->s32min :
			   (uint64_t)(uint32_t)s->s32min;
	m[5].val = (s->s32max >= -32768 && s->s32max <= 32767) ?
			   (uint64_t)(int64_t)s->s32max :
			   (uint64_t)(uint32_t)s->s32max;
	for (int i = 0; i < 8; i++) {
		bool neg1 = m[i].name[0] == 's' && (int64_t)m[i].val < 0;

		if (m[i].omit)
			continue;
		tx_fmt(t, "%s%s=", *sep, m[i].name);
		*sep = ",";
		for (int j = i + 2; j < 8; j += 2) {
			bool neg2 = m[j].name[0] == 's' &&
				    (int64_t)m[j].val < 0;

			if (m[j].omit || m[j].val != m[i].val || neg1 != neg2)
				continue;
			m[j].omit = true;
			tx_fmt(t, "%s=", m[j].name);
		}
		if (m[i].name[0] == 's')
			tx_snum(t, (int64_t)m[i].val);
		else
			tx_unum(t, m[i].val);
	}
}

/* One register's value (Linux's print_reg_state()). */
static void tx_reg(struct vtext *t, const struct vreg *r, uint32_t frameno)
{
	const char *sep = "";
	char ty[40];
	bool cst = kbpf_tnum_is_const(r->s.var);

	if (r->type == T_SCALAR && r->precise)
		tx_str(t, "P");
	if (r->type == T_SCALAR && cst) {
		tx_snum(t, (int64_t)r->s.var.value);
		return;
	}
	tx_str(t, kbpf_v_type_str(r, ty, sizeof(ty)));
	if (r->type == T_STACK) {
		if (r->frameno != frameno)
			tx_fmt(t, "[%u]", r->frameno);
		if (cst) {
			tx_snum(t,
				(int64_t)(r->s.var.value + (uint64_t)r->off));
			return;
		}
	}
	tx_str(t, "(");
	if (r->id) {
		tx_fmt(t, "%sid=%u", sep, r->id);
		sep = ",";
	}
	if (r->ref_obj_id) {
		tx_fmt(t, "%sref_obj_id=%u", sep, r->ref_obj_id);
		sep = ",";
	}
	if ((r->type == T_MAP_PTR || r->type == T_MAP_VALUE ||
	     r->type == T_MAP_KEY) &&
	    r->map) {
		if (r->map->name[0]) {
			tx_fmt(t, "%smap=%s", sep, r->map->name);
			sep = ",";
		}
		tx_fmt(t, "%sks=%u,vs=%u", sep, r->map->key_size,
		       r->map->value_size);
		sep = ",";
	}
	if (r->type != T_SCALAR && r->off) {
		tx_fmt(t, "%soff=", sep);
		tx_snum(t, r->off);
		sep = ",";
	}
	if (r->type == T_PKT || r->type == T_PKT_META) {
		tx_fmt(t, "%sr=", sep);
		tx_unum(t, r->range);
		sep = ",";
	}
	if (r->type == T_MEM) {
		tx_fmt(t, "%ssz=", sep);
		tx_unum(t, r->range);
		sep = ",";
	}
	if (r->type == T_DYNPTR) {
		tx_fmt(t, "%stype=%s", sep, "local");
		sep = ",";
	}
	if (cst) {
		if (r->s.var.value) {
			tx_fmt(t, "%simm=", sep);
			tx_snum(t, (int64_t)r->s.var.value);
		}
	} else {
		tx_ranges(t, &r->s, &sep);
		if (r->s.var.mask != UINT64_MAX) {
			char tn[48];

			kbpf_tnum_str(r->s.var, tn, sizeof(tn));
			tx_fmt(t, "%svar_off=%s", sep, tn);
		}
	}
	tx_str(t, ")");
}

/*
 * One frame of @st (Linux's print_verifier_state()): its registers and
 * stack slots, all of them or those scratched since the last print, and
 * the references held; ends the line.
 */
/* Frame @frameno of @st; registers in @skip are not printed. */
static void log_frame(struct venv *env, const struct vstate *st,
		      uint32_t frameno, bool all, uint16_t skip)
{
	const struct vframe *f = st->frames[frameno];
	struct vtext t = { .n = 0 };

	if (frameno)
		tx_fmt(&t, " frame%u:", frameno);
	for (uint32_t i = 0; i < 11; i++) {
		if (f->regs[i].type == T_NOT_INIT || (skip & (1u << i)))
			continue;
		if (!all && !(env->scratched_regs & (1u << i)))
			continue;
		tx_fmt(&t, " R%u=", i);
		tx_reg(&t, &f->regs[i], frameno);
		tx_flush(env, &t);
	}
	for (uint32_t spi = 0; spi < f->allocated / 8; spi++) {
		uint32_t base =
			V_STACK - 8 * spi - 1; /* slot byte of fp-8*spi-1 */
		char types[9];
		bool valid = false;
		uint32_t j;

		if (!all && !(env->scratched_stack & (1ull << spi)))
			continue;
		for (j = 0; j < 8; j++) {
			static const char ch[] = { '?', 'r', 'm', '0', 'd' };
			uint8_t b = f->slot[base - j];

			valid |= b != SLOT_INVALID;
			types[j] = b < sizeof(ch) ? ch[b] : '?';
		}
		types[8] = 0;
		if (!valid)
			continue;
		if (f->slot[base - 7] == SLOT_DYNPTR && spi + 1 < 64) {
			/* the dynptr, by its first (lower) slot */
			const struct vreg *d;
			const char *sep = "";

			spi++;
			d = &f->spill[(V_STACK - 8 * (spi + 1)) / 8];
			tx_fmt(&t, " fp%d=dynptr_%s(", -(int)(8 * (spi + 1)),
			       d->range == 2 ? "ringbuf" : "local");
			if (d->id) {
				tx_fmt(&t, "id=%u", d->id);
				sep = ",";
			}
			if (d->ref_obj_id) {
				tx_fmt(&t, "%sref_id=%u", sep, d->ref_obj_id);
				sep = ",";
			}
			if (d->id) /* Linux's dynptr_id: the same number */
				tx_fmt(&t, "%sdynptr_id=%u", sep, d->id);
			tx_str(&t, ")");
			tx_flush(env, &t);
			continue;
		}
		if (f->slot[base - 7] == SLOT_ITER) {
			/* an iterator, by its first slot (Linux's format) */
			const struct vreg *it = &f->spill[(base - 7) / 8];
			const struct kbpf_btf_view *b = NULL;

			if (!it->ref_obj_id)
				continue;
			if (kbpf_v_hbtf(env, &b))
				b = NULL;
			tx_fmt(&t, " fp%d=iter_%s(ref_id=%u,state=%s,depth=%u)",
			       -(int)(8 * (spi + 1)),
			       kbpf_v_iter_type_str(b, it->btf_id),
			       it->ref_obj_id,
			       it->range == ITER_ACTIVE ? "active" : "drained",
			       it->subprog);
			tx_flush(env, &t);
			continue;
		}
		tx_fmt(&t, " fp%d=", -(int)(8 * (spi + 1)));
		if (f->slot[base - 7] == SLOT_SPILL) {
			for (j = 0; j < 8 && types[j] != 'r'; j++)
				;
			types[j] = 0;
			tx_str(&t, types);
			tx_reg(&t, &f->spill[(base - 7) / 8], frameno);
		} else {
			tx_str(&t, types);
		}
		tx_flush(env, &t);
	}
	/* references, then the lock held (Linux keeps both in its refs) */
	for (uint32_t i = 0; i < st->nr_refs; i++)
		tx_fmt(&t, "%s%u", i ? "," : " refs=", st->refs[i].id);
	if (st->lock_map)
		tx_fmt(&t, "%s%u", st->nr_refs ? "," : " refs=", st->lock_id);
	if (f->callback)
		tx_str(&t, " cb");
	tx_str(&t, "\n");
	tx_flush(env, &t);
	if (!all) {
		env->scratched_regs = 0;
		env->scratched_stack = 0;
	}
}

void kbpf_v_log_frame(struct venv *env, const struct vstate *st,
		      uint32_t frameno, bool all)
{
	log_frame(env, st, frameno, all, 0);
}

void kbpf_v_log_state(struct venv *env, const struct vstate *st, bool all)
{
	kbpf_v_log_frame(env, st, st->curframe, all);
}

void kbpf_v_log_call(struct venv *env, bool ret, uint32_t to)
{
	const struct vstate *st = env->cur;

	if (!kbpf_v_log_on(env))
		return;
	if (ret)
		kbpf_vlog_printf(env->log, "returning from callee:\n");
	else
		kbpf_vlog_printf(env->log, "caller:\n");
	/* the caller's r0-r5 are clobbered by the call (Linux clears them) */
	log_frame(env, st, ret ? st->curframe : st->curframe - 1, true,
		  ret ? 0 : 0x3f);
	if (ret)
		kbpf_vlog_printf(env->log, "to caller at %u:\n", to);
	else
		kbpf_vlog_printf(env->log, "callee:\n");
	kbpf_v_log_frame(env, st, ret ? st->curframe - 1 : st->curframe, true);
	if (ret) {
		/* Linux's do_print_state after a return: "from X to Y:" */
		env->scratched_regs = 0;
		env->scratched_stack = 0;
		env->print_state = true;
	} else {
		kbpf_v_log_scratch_all(env);
	}
}

void kbpf_v_log_scratch_all(struct venv *env)
{
	env->scratched_regs = 0x7ff;
	env->scratched_stack = UINT64_MAX;
}

void kbpf_v_log_scratch_stack(struct venv *env, int64_t lo, int64_t hi)
{
	if (!kbpf_v_log_on(env))
		return;
	for (int64_t o = lo; o < hi; o++) {
		int64_t spi = (-o - 1) / 8;

		if (spi >= 0 && spi < 64)
			env->scratched_stack |= 1ull << spi;
	}
}

/*
 * Registers instruction @insn read or wrote (Linux's check_reg_arg() calls
 * and the caller-saved registers of a call).
 */
static void scratch_insn_regs(struct venv *env, const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	uint16_t m = 0;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		m = 1u << insn->dst_reg;
		if (BPF_SRC(insn->code) == BPF_X && op != BPF_NEG &&
		    op != BPF_END)
			m |= 1u << insn->src_reg;
		break;
	case BPF_LDX:
	case BPF_STX:
		m = (1u << insn->dst_reg) | (1u << insn->src_reg);
		if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC &&
		    insn->imm == BPF_CMPXCHG)
			m |= 1u;
		break;
	case BPF_ST:
		m = 1u << insn->dst_reg;
		break;
	case BPF_LD:
		if (BPF_MODE(insn->code) == BPF_IMM)
			m = 1u << insn->dst_reg;
		else
			m = 0x3f | (1u << 6) |
			    (BPF_MODE(insn->code) == BPF_IND ?
				     1u << insn->src_reg :
				     0);
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_CALL && (env->flags[env->insn_idx] & VI_FORCE))
			m = 0x7ff; /* a callback's call: the whole state */
		else if (op == BPF_CALL)
			m = 0x3f;
		else if (op != BPF_JA && op != BPF_EXIT) {
			m = 1u << insn->dst_reg;
			if (BPF_SRC(insn->code) == BPF_X)
				m |= 1u << insn->src_reg;
		}
		break;
	}
	env->scratched_regs |= m & 0x7ff;
	if (m == 0x7ff)
		env->scratched_stack = UINT64_MAX;
}

void kbpf_v_log_insn_state(struct venv *env, uint32_t pc)
{
	struct vtext t = { .n = 0 };

	if (env->prev_log_pos && env->prev_log_pos == env->log->end) {
		/* after the instruction's line: on it, aligned */
		uint32_t pos = env->prev_insn_print_pos;
		uint32_t a = pos + LOG_MIN_ALIGN / 2;

		if (a < LOG_ALIGN)
			a = LOG_ALIGN;
		a = (a + LOG_MIN_ALIGN - 1) & ~(LOG_MIN_ALIGN - 1);
		kbpf_vlog_reset(env->log, env->prev_log_pos - 1);
		for (uint32_t i = 0; i + 1 < a - pos - 1; i++)
			tx_str(&t, " ");
		tx_str(&t, " ;");
	} else {
		tx_fmt(&t, "%u:", pc);
	}
	tx_flush(env, &t);
	kbpf_v_log_state(env, env->cur, false);
}

/*
 * The text of instruction @pc as Linux's log prints it: an ld_imm64 of a
 * map (by fd or as a value address) shows the address the load resolved
 * it to, or 0 to a loader without CAP_PERFMON; by index, the address.
 */
static void insn_text(const struct venv *env, uint32_t pc, char *buf,
		      unsigned long n)
{
	const struct bpf_insn *insn = &env->insns[pc];
	struct bpf_insn two[2];

	if (insn->code == (BPF_LD | BPF_DW | BPF_IMM) && pc + 1 < env->len &&
	    insn->src_reg >= BPF_PSEUDO_MAP_FD &&
	    insn->src_reg <= BPF_PSEUDO_MAP_IDX_VALUE &&
	    insn->src_reg != BPF_PSEUDO_BTF_ID &&
	    insn->src_reg != BPF_PSEUDO_FUNC) {
		two[0] = env->rel[pc];
		two[1] = env->rel[pc + 1];
		if ((insn->src_reg == BPF_PSEUDO_MAP_FD ||
		     insn->src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    !env->allow_ptr_leaks) {
			two[0].imm = 0;
			two[1].imm = 0;
		}
		insn = two;
	}
	kbpf_disasm_insn(insn, env->len - pc, buf, n);
}

void kbpf_v_log_live(struct venv *env)
{
	char text[160];
	struct vtext t = { .n = 0 };

	if (!(env->log->level & KBPF_LOG_LEVEL2))
		return;
	tx_str(&t, "Live regs before insn:\n");
	tx_flush(env, &t);
	for (uint32_t i = 0; i < env->len; i++) {
		const struct bpf_insn *insn = &env->insns[i];

		tx_fmt(&t, "%7u: ", i);
		for (uint32_t r = 0; r < 10; r++)
			tx_fmt(&t, "%c",
			       (env->live[i] & (1u << r)) ? (char)('0' + r) :
							    '.');
		insn_text(env, i, text, sizeof(text));
		tx_fmt(&t, " %s\n", text);
		tx_flush(env, &t);
		if (insn->code == (BPF_LD | BPF_DW | BPF_IMM))
			i++;
	}
}

void kbpf_v_log_insn(struct venv *env, uint32_t pc)
{
	char line[160];
	struct vtext t = { .n = 0 };
	uint32_t n;

	if (!kbpf_v_log_on(env))
		return;
	if ((env->log->level & KBPF_LOG_LEVEL2) && env->print_state) {
		tx_fmt(&t, "\nfrom %u to %u%s:", env->prev_idx, pc,
		       env->cur->speculative ? " (speculative execution)" : "");
		tx_flush(env, &t);
		kbpf_v_log_state(env, env->cur, true);
		env->print_state = false;
	}
	if (env->scratched_regs || env->scratched_stack)
		kbpf_v_log_insn_state(env, pc);
	env->prev_log_pos = env->log->end;
	tx_fmt(&t, "%u: ", pc);
	insn_text(env, pc, line, sizeof(line));
	tx_str(&t, line);
	tx_str(&t, "\n");
	n = t.n;
	tx_flush(env, &t);
	env->prev_insn_print_pos = n;
	env->prev_log_pos = env->log->end;
}

void kbpf_v_log_insn_done(struct venv *env, const struct bpf_insn *insn)
{
	if (kbpf_v_log_on(env))
		scratch_insn_regs(env, insn);
}

void kbpf_v_log_safe(struct venv *env, uint32_t pc)
{
	if (!kbpf_v_log_on(env))
		return;
	if (env->print_state)
		kbpf_vlog_printf(env->log, "\nfrom %u to %u%s: safe\n",
				 env->prev_idx, pc,
				 env->cur->speculative ?
					 " (speculative execution)" :
					 "");
	else
		kbpf_vlog_printf(env->log, "%u: safe\n", pc);
}

/*
 * Level 2's precision lines (Linux's __mark_chain_precision(),
 * backtrack_insn() and propagate_precision() at BPF_LOG_LEVEL2). Masks
 * print as Linux's fmt_reg_mask() ("r1,r6") and fmt_stack_mask() ("-8,-16":
 * the slots' offsets below the frame pointer).
 */
bool kbpf_v_log_bt_on(const struct venv *env)
{
	return (env->log->level & KBPF_LOG_LEVEL2) && !env->bt_quiet;
}

static void tx_masks(struct vtext *t, uint16_t regs, uint64_t stack)
{
	const char *sep = "";

	tx_str(t, "regs=");
	for (uint32_t r = 0; r < 16; r++)
		if (regs & (1u << r)) {
			tx_fmt(t, "%sr%u", sep, r);
			sep = ",";
		}
	tx_str(t, " stack=");
	sep = "";
	/* bit k: the slot k * 8 bytes above the stack's bottom */
	for (uint32_t k = V_SLOTS; k-- > 0;)
		if (stack & (1ull << k)) {
			tx_fmt(t, "%s-%u", sep, V_STACK - 8 * k);
			sep = ",";
		}
}

static int32_t idx_or_neg(uint32_t v)
{
	return v == UINT32_MAX ? -1 : (int32_t)v;
}

void kbpf_v_log_bt_head(struct venv *env, uint32_t frame, uint32_t last,
			uint32_t first, uint32_t subseq)
{
	kbpf_vlog_printf(env->log,
			 "mark_precise: frame%u: last_idx %d first_idx %d "
			 "subseq_idx %d \n",
			 frame, idx_or_neg(last), idx_or_neg(first),
			 idx_or_neg(subseq));
}

void kbpf_v_log_bt_insn(struct venv *env, uint32_t frame, uint16_t regs,
			uint64_t stack, uint32_t idx)
{
	char text[160];
	struct vtext t = { .n = 0 };

	tx_fmt(&t, "mark_precise: frame%u: ", frame);
	tx_masks(&t, regs, stack);
	insn_text(env, idx, text, sizeof(text));
	tx_fmt(&t, " before %u: %s\n", idx, text);
	tx_flush(env, &t);
}

void kbpf_v_log_bt_parent(struct venv *env, const struct vstate *st,
			  uint32_t frame, uint16_t regs, uint64_t stack)
{
	struct vtext t = { .n = 0 };

	tx_fmt(&t, "mark_precise: frame%u: parent state ", frame);
	tx_masks(&t, regs, stack);
	tx_str(&t, ": ");
	tx_flush(env, &t);
	/* print_verifier_state(.., print_all): the scratch marks stay */
	log_frame(env, st, frame, true, 0);
}

void kbpf_v_log_bt_all(struct venv *env, uint32_t frame)
{
	kbpf_vlog_printf(env->log,
			 "mark_precise: frame%u: falling back to forcing all "
			 "scalars precise\n",
			 frame);
}

void kbpf_v_log_bt_propagate(struct venv *env, uint32_t frame, uint16_t regs,
			     uint64_t stack)
{
	struct vtext t = { .n = 0 };
	bool first = true;

	for (uint32_t r = 0; r < 16; r++)
		if (regs & (1u << r)) {
			if (first)
				tx_fmt(&t, "frame %u: propagating r%u", frame,
				       r);
			else
				tx_fmt(&t, ",r%u", r);
			first = false;
		}
	for (uint32_t k = V_SLOTS; k-- > 0;)
		if (stack & (1ull << k)) {
			int off = -(int)(V_STACK - 8 * k);

			if (first)
				tx_fmt(&t, "frame %u: propagating fp%d", frame,
				       off);
			else
				tx_fmt(&t, ",fp%d", off);
			first = false;
		}
	if (!first) {
		tx_str(&t, "\n");
		tx_flush(env, &t);
	}
}
