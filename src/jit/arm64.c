// SPDX-License-Identifier: MIT
/*
 * The arm64 (A64) backend of the JIT: emits the native layout src/jit/jit.h
 * describes for AAPCS64, from the interpreter's image of a program. It only
 * writes bytes: the framework (jit.c) owns the memory and runs the code.
 *
 * Registers (docs/design/jit.md, "arm64"):
 *   r0 x0 (the helpers' return register), r1-r5 x1-x5 (so a helper call
 *   only puts run in x0), r6-r9 x19-x22, r10 x29 (the frame pointer: the
 *   BPF stack is the KBPF_STACK_SIZE bytes below it), AX (register 11,
 *   constant blinding) x8; js x26 and js->run x27 in every native
 *   function; x9-x12, x16 and x17 are scratch. Checked code (jit.h,
 *   kbpf_jit_in.checked; "checked code" below) also keeps the frames in
 *   use in x24/x25 and the budget in x28.
 * A native function is entered by the C ABI with r1-r5 in x0-x4 and js in
 * x5, so its prologue moves the arguments up by one, and a bpf-to-bpf call
 * moves them down again. A frame saves x19-x22 and allocates the BPF stack
 * only as far as the function uses r6-r9 and r10. x6 carries r0 in: the
 * caller's r0 at a bpf-to-bpf call, 0 from the entry stub, so that a
 * function reading r0 before writing it (which the verifier refuses) still
 * sees what the interpreter's does.
 *
 * Atomics are LL/SC loops (ldaxr/stlxr, as gcc emits __atomic builtins
 * with __ATOMIC_SEQ_CST for armv8.0-a), so the code runs on every ARMv8.0
 * CPU, with or without LSE.
 *
 * Branches: the first sizing pass (insn_off all zero) emits every
 * conditional branch in its long form (the inverted condition over a b);
 * later passes take the short form where the previous pass's offsets say
 * the target is in range. Sizes then only shrink from pass to pass, so the
 * framework's passes settle.
 */
#include "jit/jit.h"

#include <stddef.h>

#include "kbpf/errno.h"

/* Native registers. */
enum {
	A64_X0 = 0,
	A64_X1 = 1,
	A64_X2 = 2,
	A64_X3 = 3,
	A64_X4 = 4,
	A64_X5 = 5,
	A64_X6 = 6,
	A64_AX = 8,
	A64_T0 = 9,
	A64_T1 = 10,
	A64_T2 = 11,
	A64_T3 = 12,
	A64_IP0 = 16,
	A64_IP1 = 17,
	A64_CLIM = 24, /* checked code: js->chk_lim */
	A64_CSTK = 25, /* checked code: js->chk_stack */
	A64_JS = 26,
	A64_RUN = 27,
	A64_K = 28, /* checked code: the budget, K = budget + seg */
	A64_FP = 29,
	A64_LR = 30,
	A64_ZR = 31, /* or sp, depending on the instruction */
};

/* BPF register -> native register. */
static const uint8_t a64_map[12] = { 0, 1, 2, 3, 4, 5, 19, 20, 21, 22, 29, 8 };

/* Condition codes. */
enum {
	A64_EQ = 0,
	A64_NE = 1,
	A64_HS = 2,
	A64_LO = 3,
	A64_HI = 8,
	A64_LS = 9,
	A64_GE = 10,
	A64_LT = 11,
	A64_GT = 12,
	A64_LE = 13,
};

/* The stub's frame: x29/x30, x19-x28, the outer abort_sp and js. */
#define A64_STUB_FRAME 112
/*
 * A native function's frame record: x29/x30, x26/x27, then x19/x20 and
 * x21/x22 if the function uses r6/r7 and r8/r9 (enum a64_save).
 */
enum a64_save {
	A64_SAVE_R6_R7 = 1,
	A64_SAVE_R8_R9 = 2,
	A64_SAVE_STACK = 4, /* the function uses r10: its BPF stack */
};

_Static_assert(KBPF_STACK_SIZE % 16 == 0 && KBPF_STACK_SIZE < (1 << 24),
	       "the BPF stack must keep sp 16-byte aligned");

struct a64 {
	uint8_t *buf; /* NULL on sizing passes */
	size_t cap;
	size_t n; /* bytes emitted */
	int err;
	bool first; /* no offsets from a previous pass yet */
	const struct kbpf_jit_in *in;
	uint32_t *off;
	uint32_t abort_off;
	uint32_t func; /* first instruction of the function being emitted */
	uint32_t prologue; /* bytes of its prologue */
	unsigned int save; /* its enum a64_save */
	/*
	 * Checked code (jit.h): @checked, @r10_fixed (no instruction writes
	 * r10), and the fixed places of its header (a64_chk_header()).
	 */
	bool checked, r10_fixed;
	uint32_t chk_efault, chk_eloop, chk_err, chk_thunk, chk_entry;
};

static void emit(struct a64 *c, uint32_t insn)
{
	if (c->buf) {
		if (c->n + 4 > c->cap) {
			c->err = -KBPF_E2BIG;
		} else {
			c->buf[c->n] = (uint8_t)insn;
			c->buf[c->n + 1] = (uint8_t)(insn >> 8);
			c->buf[c->n + 2] = (uint8_t)(insn >> 16);
			c->buf[c->n + 3] = (uint8_t)(insn >> 24);
		}
	}
	c->n += 4;
}

/* Rewrite the instruction at byte @at (a forward branch whose target is now known). */
static void a64_patch(struct a64 *c, size_t at, uint32_t insn)
{
	if (c->buf && at + 4 <= c->cap) {
		c->buf[at] = (uint8_t)insn;
		c->buf[at + 1] = (uint8_t)(insn >> 8);
		c->buf[at + 2] = (uint8_t)(insn >> 16);
		c->buf[at + 3] = (uint8_t)(insn >> 24);
	}
}

static uint32_t sf(bool is64)
{
	return is64 ? 0x80000000u : 0;
}

/* ---- data processing ---- */

/* Three-register forms (add, sub, and, orr, eor, subs, ands, lslv...). */
static void a64_rrr(struct a64 *c, uint32_t op, bool is64, uint8_t rd,
		    uint8_t rn, uint8_t rm)
{
	emit(c, op | sf(is64) | (uint32_t)rm << 16 | (uint32_t)rn << 5 | rd);
}

#define A64_ADD 0x0b000000u
#define A64_SUB 0x4b000000u
#define A64_SUBS 0x6b000000u
#define A64_AND 0x0a000000u
#define A64_ORR 0x2a000000u
#define A64_EOR 0x4a000000u
#define A64_ANDS 0x6a000000u
#define A64_UDIV 0x1ac00800u
#define A64_SDIV 0x1ac00c00u
#define A64_LSLV 0x1ac02000u
#define A64_LSRV 0x1ac02400u
#define A64_ASRV 0x1ac02800u

static void a64_mov(struct a64 *c, bool is64, uint8_t rd, uint8_t rm)
{
	a64_rrr(c, A64_ORR, is64, rd, A64_ZR, rm);
}

/* rd = ra - rn * rm (ra = zr: a multiply with madd). */
static void a64_msub(struct a64 *c, bool is64, uint8_t rd, uint8_t rn,
		     uint8_t rm, uint8_t ra)
{
	emit(c, 0x1b008000u | sf(is64) | (uint32_t)rm << 16 |
			(uint32_t)ra << 10 | (uint32_t)rn << 5 | rd);
}

static void a64_mul(struct a64 *c, bool is64, uint8_t rd, uint8_t rn,
		    uint8_t rm)
{
	emit(c, 0x1b000000u | sf(is64) | (uint32_t)rm << 16 |
			(uint32_t)A64_ZR << 10 | (uint32_t)rn << 5 | rd);
}

/* Add/sub (immediate): op 0x11 add, 0x51 sub, 0x71 subs, 0x31 adds. */
static void a64_addsub_imm(struct a64 *c, uint32_t op, bool is64, uint8_t rd,
			   uint8_t rn, uint32_t imm12, bool shift12)
{
	emit(c, op << 24 | sf(is64) | (shift12 ? 1u << 22 : 0) |
			(imm12 & 0xfff) << 10 | (uint32_t)rn << 5 | rd);
}

/* Bitfield moves: sbfm (0x13000000), ubfm (0x53000000). */
static void a64_bfm(struct a64 *c, uint32_t op, bool is64, uint8_t rd,
		    uint8_t rn, unsigned int immr, unsigned int imms)
{
	emit(c, op | sf(is64) | (is64 ? 1u << 22 : 0) | (uint32_t)immr << 16 |
			(uint32_t)imms << 10 | (uint32_t)rn << 5 | rd);
}

#define A64_SBFM 0x13000000u
#define A64_UBFM 0x53000000u

/* rd = the immediate @v (the low 32 bits zero-extended when !is64). */
static void a64_mov_imm(struct a64 *c, bool is64, uint8_t rd, uint64_t v)
{
	unsigned int parts = is64 ? 4 : 2, zeros = 0, ones = 0, i;
	uint32_t fill;
	bool first = true;

	if (!is64)
		v = (uint32_t)v;
	for (i = 0; i < parts; i++) {
		uint32_t h = (uint32_t)(v >> (16 * i)) & 0xffff;

		zeros += h == 0;
		ones += h == 0xffff;
	}
	fill = ones > zeros ? 0xffff : 0;
	for (i = 0; i < parts; i++) {
		uint32_t h = (uint32_t)(v >> (16 * i)) & 0xffff;

		if (h == fill)
			continue;
		if (first && fill)
			/* movn: every other halfword becomes 0xffff */
			emit(c, 0x12800000u | sf(is64) | i << 21 |
					(~h & 0xffff) << 5 | rd);
		else if (first)
			emit(c, 0x52800000u | sf(is64) | i << 21 | h << 5 | rd);
		else
			emit(c, 0x72800000u | sf(is64) | i << 21 | h << 5 | rd);
		first = false;
	}
	if (first) /* all zeros (movz #0) or all ones (movn #0) */
		emit(c, (fill ? 0x12800000u : 0x52800000u) | sf(is64) | rd);
}

/* rd = rn + v, with @tmp for a value no add/sub immediate encodes. */
static void a64_add_imm(struct a64 *c, bool is64, uint8_t rd, uint8_t rn,
			uint64_t v, uint8_t tmp)
{
	uint64_t neg = (uint64_t)0 - v;

	if (!is64) {
		v = (uint32_t)v;
		neg = (uint32_t)neg;
	}
	if (v < 0x1000)
		a64_addsub_imm(c, 0x11, is64, rd, rn, (uint32_t)v, false);
	else if (neg < 0x1000)
		a64_addsub_imm(c, 0x51, is64, rd, rn, (uint32_t)neg, false);
	else if (!(v & 0xfff) && v < 0x1000000)
		a64_addsub_imm(c, 0x11, is64, rd, rn, (uint32_t)(v >> 12),
			       true);
	else if (!(neg & 0xfff) && neg < 0x1000000)
		a64_addsub_imm(c, 0x51, is64, rd, rn, (uint32_t)(neg >> 12),
			       true);
	else {
		a64_mov_imm(c, is64, tmp, v);
		a64_rrr(c, A64_ADD, is64, rd, rn, tmp);
	}
}

/* Flags from rn - v (cmp with an immediate, cmn for a small negative one). */
static void a64_cmp_imm(struct a64 *c, bool is64, uint8_t rn, uint64_t v)
{
	uint64_t neg = (uint64_t)0 - v;

	if (!is64) {
		v = (uint32_t)v;
		neg = (uint32_t)neg;
	}
	if (v < 0x1000) {
		a64_addsub_imm(c, 0x71, is64, A64_ZR, rn, (uint32_t)v, false);
	} else if (neg < 0x1000) {
		a64_addsub_imm(c, 0x31, is64, A64_ZR, rn, (uint32_t)neg, false);
	} else {
		a64_mov_imm(c, is64, A64_T0, v);
		a64_rrr(c, A64_SUBS, is64, A64_ZR, rn, A64_T0);
	}
}

/* ---- loads and stores ---- */

/* Per access size (log2): unsigned scaled offset, unscaled, register offset. */
static const uint32_t a64_ldr[3][4] = {
	{ 0x39400000u, 0x79400000u, 0xb9400000u, 0xf9400000u },
	{ 0x38400000u, 0x78400000u, 0xb8400000u, 0xf8400000u },
	{ 0x38606800u, 0x78606800u, 0xb8606800u, 0xf8606800u },
};
static const uint32_t a64_str[3][4] = {
	{ 0x39000000u, 0x79000000u, 0xb9000000u, 0xf9000000u },
	{ 0x38000000u, 0x78000000u, 0xb8000000u, 0xf8000000u },
	{ 0x38206800u, 0x78206800u, 0xb8206800u, 0xf8206800u },
};
/* Sign-extending loads into an x register (ldrsb, ldrsh, ldrsw). */
static const uint32_t a64_ldrs[3][4] = {
	{ 0x39800000u, 0x79800000u, 0xb9800000u, 0 },
	{ 0x38800000u, 0x78800000u, 0xb8800000u, 0 },
	{ 0x38a06800u, 0x78a06800u, 0xb8a06800u, 0 },
};

/* log2 of an access's size (BPF_W 0x00, BPF_H 0x08, BPF_B 0x10, BPF_DW 0x18). */
static unsigned int a64_lg(uint8_t code)
{
	static const uint8_t lg[4] = { 2, 1, 0, 3 };

	return lg[BPF_SIZE(code) >> 3];
}

/* A load or store of 1 << @lg bytes at [rn + off] (x17 holds a far offset). */
static void a64_mem(struct a64 *c, const uint32_t ops[3][4], unsigned int lg,
		    uint8_t rt, uint8_t rn, int64_t off)
{
	if (off >= 0 && !(off & ((1 << lg) - 1)) && (off >> lg) < 0x1000) {
		emit(c, ops[0][lg] | (uint32_t)(off >> lg) << 10 |
				(uint32_t)rn << 5 | rt);
	} else if (off >= -256 && off < 256) {
		emit(c, ops[1][lg] | ((uint32_t)off & 0x1ff) << 12 |
				(uint32_t)rn << 5 | rt);
	} else {
		a64_mov_imm(c, true, A64_IP1, (uint64_t)off);
		emit(c, ops[2][lg] | (uint32_t)A64_IP1 << 16 |
				(uint32_t)rn << 5 | rt);
	}
}

/* stp/ldp of x registers: offset form, pre-index, post-index. */
static void a64_pair(struct a64 *c, uint32_t op, uint8_t rt, uint8_t rt2,
		     uint8_t rn, int off)
{
	emit(c, op | ((uint32_t)(off / 8) & 0x7f) << 15 | (uint32_t)rt2 << 10 |
			(uint32_t)rn << 5 | rt);
}

#define A64_STP 0xa9000000u
#define A64_STP_PRE 0xa9800000u
#define A64_LDP 0xa9400000u
#define A64_LDP_POST 0xa8c00000u

/* Fields of js and run, as 64-bit or 32-bit accesses. */
#define JS_OFF(f) ((int64_t)offsetof(struct kbpf_jit_state, f))
#define RUN_OFF(f) ((int64_t)offsetof(struct kbpf_run, f))

_Static_assert(sizeof(((struct kbpf_run *)0)->error) == 4, "run->error");
_Static_assert(sizeof(((struct kbpf_jit_state *)0)->depth) == 4, "depth");

/* ---- branches ---- */

#define A64_B 0x14000000u
#define A64_BL 0x94000000u

/* The native offset a jump to instruction @pc lands on (after a prologue). */
static int64_t a64_target(struct a64 *c, uint32_t pc)
{
	if (!c->in->is_func[pc])
		return c->off[pc];
	/* Only a function's own start (the framework refuses other jumps). */
	if (pc != c->func)
		c->err = -KBPF_EOPNOTSUPP;
	return (int64_t)c->off[pc] + c->prologue;
}

/* b or bl to byte offset @to; out of range is -E2BIG on the final pass. */
static void a64_b(struct a64 *c, uint32_t op, int64_t to)
{
	int64_t d = (to - (int64_t)c->n) / 4;

	if (d < -(1 << 25) || d >= (1 << 25)) {
		if (c->buf)
			c->err = -KBPF_E2BIG;
		d = 0;
	}
	emit(c, op | ((uint32_t)d & 0x3ffffff));
}

/* b.cond to byte offset @to, or b.!cond over a b when it may be too far. */
static void a64_bcond(struct a64 *c, unsigned int cond, int64_t to)
{
	int64_t d = (to - (int64_t)c->n) / 4;

	if (!c->first && d >= -(1 << 18) && d < (1 << 18)) {
		emit(c, 0x54000000u | ((uint32_t)d & 0x7ffff) << 5 | cond);
		return;
	}
	emit(c, 0x54000000u | 2u << 5 | (cond ^ 1));
	a64_b(c, A64_B, to);
}

/* cbz/cbnz (op 0x34000000/0x35000000) with a 19-bit word offset @d. */
static uint32_t a64_cb(uint32_t op, bool is64, uint8_t rt, int64_t d)
{
	return op | sf(is64) | ((uint32_t)d & 0x7ffff) << 5 | rt;
}

#define A64_CBZ 0x34000000u

/* b.cond over @bytes forward (a short jump inside one instruction's code). */
static uint32_t a64_bcond_at(size_t bytes, unsigned int cond)
{
	return 0x54000000u | ((uint32_t)(bytes / 4) & 0x7ffff) << 5 | cond;
}
#define A64_CBNZ 0x35000000u

/* Call the C function at @fn (an absolute address). */
static void a64_call_abs(struct a64 *c, uintptr_t fn)
{
	a64_mov_imm(c, true, A64_IP0, (uint64_t)fn);
	emit(c, 0xd63f0000u | (uint32_t)A64_IP0 << 5); /* blr x16 */
}

/* js->status = the value in x9 (sign-extended from w9 if @w32); abort. */
static void a64_abort_with_t0(struct a64 *c, bool w32)
{
	if (w32)
		a64_bfm(c, A64_SBFM, true, A64_T0, A64_T0, 0, 31); /* sxtw */
	a64_mem(c, a64_str, 3, A64_T0, A64_JS, JS_OFF(status));
	a64_b(c, A64_B, c->abort_off);
}

/* ---- the entry stub, the abort path, prologue and epilogue ---- */

static void a64_stub(struct a64 *c)
{
	size_t b_ret;

	a64_pair(c, A64_STP_PRE, A64_FP, A64_LR, A64_ZR, -A64_STUB_FRAME);
	a64_addsub_imm(c, 0x11, true, A64_FP, A64_ZR, 0,
		       false); /* mov x29, sp */
	for (int i = 0; i < 5; i++)
		a64_pair(c, A64_STP, (uint8_t)(19 + 2 * i),
			 (uint8_t)(20 + 2 * i), A64_ZR, 16 + 16 * i);
	/* x1 = js: push its abort_sp (with js), then point it here. */
	a64_mem(c, a64_ldr, 3, A64_T0, A64_X1, JS_OFF(abort_sp));
	a64_pair(c, A64_STP, A64_T0, A64_X1, A64_ZR, 96);
	a64_addsub_imm(c, 0x11, true, A64_T0, A64_ZR, 0,
		       false); /* mov x9, sp */
	a64_mem(c, a64_str, 3, A64_T0, A64_X1, JS_OFF(abort_sp));
	/* fn(args[0..4], js) */
	a64_mov(c, true, A64_IP0, A64_X2);
	a64_mov(c, true, A64_X5, A64_X1);
	a64_mov_imm(c, true, A64_X6, 0); /* r0 at entry, as the interpreter's */
	a64_pair(c, A64_LDP, 1, 2, A64_X0, 8);
	a64_pair(c, A64_LDP, 3, 4, A64_X0, 24);
	a64_mem(c, a64_ldr, 3, A64_X0, A64_X0, 0);
	emit(c, 0xd63f0000u | (uint32_t)A64_IP0 << 5); /* blr x16 */
	b_ret = c->n;
	emit(c, 0); /* b to the common return, below */

	/* The abort path: back to the innermost stub's frame, r0 = 0. */
	c->abort_off = (uint32_t)c->n;
	a64_mem(c, a64_ldr, 3, A64_T0, A64_JS, JS_OFF(abort_sp));
	a64_addsub_imm(c, 0x11, true, A64_ZR, A64_T0, 0,
		       false); /* mov sp, x9 */
	a64_mov_imm(c, true, A64_X0, 0);

	a64_patch(c, b_ret, A64_B | (uint32_t)((c->n - b_ret) / 4));
	a64_pair(c, A64_LDP, A64_T0, A64_T1, A64_ZR, 96);
	a64_mem(c, a64_str, 3, A64_T0, A64_T1, JS_OFF(abort_sp));
	for (int i = 0; i < 5; i++)
		a64_pair(c, A64_LDP, (uint8_t)(19 + 2 * i),
			 (uint8_t)(20 + 2 * i), A64_ZR, 16 + 16 * i);
	a64_pair(c, A64_LDP_POST, A64_FP, A64_LR, A64_ZR, A64_STUB_FRAME);
	emit(c, 0xd65f03c0u); /* ret */
}

/* What the function starting at @start uses (enum a64_save). */
static unsigned int a64_func_save(const struct kbpf_jit_in *in, uint32_t start)
{
	unsigned int save = 0;

	for (uint32_t pc = start; pc < in->len; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];

		if (pc != start && in->is_func[pc])
			break;
		for (int i = 0; i < 2; i++) {
			uint8_t r = i ? insn->src_reg : insn->dst_reg;

			if (r == 6 || r == 7)
				save |= A64_SAVE_R6_R7;
			else if (r == 8 || r == 9)
				save |= A64_SAVE_R8_R9;
			else if (r == 10)
				save |= A64_SAVE_STACK;
		}
	}
	return save;
}

static int a64_frame(const struct a64 *c)
{
	return 32 + (c->save & A64_SAVE_R6_R7 ? 16 : 0) +
	       (c->save & A64_SAVE_R8_R9 ? 16 : 0);
}

static void a64_chk_enter(struct a64 *c);

static void a64_prologue(struct a64 *c)
{
	int o = 32;

	a64_pair(c, A64_STP_PRE, A64_FP, A64_LR, A64_ZR, -a64_frame(c));
	a64_addsub_imm(c, 0x11, true, A64_FP, A64_ZR, 0,
		       false); /* mov x29, sp */
	a64_pair(c, A64_STP, A64_JS, A64_RUN, A64_ZR, 16);
	if (c->save & A64_SAVE_R6_R7) {
		a64_pair(c, A64_STP, 19, 20, A64_ZR, o);
		o += 16;
	}
	if (c->save & A64_SAVE_R8_R9)
		a64_pair(c, A64_STP, 21, 22, A64_ZR, o);
	a64_mov(c, true, A64_JS, A64_X5);
	a64_mem(c, a64_ldr, 3, A64_RUN, A64_JS, JS_OFF(run));
	for (int i = 5; i > 0; i--)
		a64_mov(c, true, (uint8_t)i, (uint8_t)(i - 1));
	a64_mov(c, true, A64_X0, A64_X6);
	if (c->checked) {
		a64_chk_enter(c);
		return;
	}
	/* The BPF stack: [x29 - KBPF_STACK_SIZE, x29). */
	if (!(c->save & A64_SAVE_STACK))
		return;
	if (KBPF_STACK_SIZE >> 12)
		a64_addsub_imm(c, 0xd1, true, A64_ZR, A64_ZR,
			       KBPF_STACK_SIZE >> 12, true);
	if (KBPF_STACK_SIZE & 0xfff)
		a64_addsub_imm(c, 0xd1, true, A64_ZR, A64_ZR,
			       KBPF_STACK_SIZE & 0xfff, false);
}

static void a64_epilogue(struct a64 *c)
{
	int o = 32;

	if (c->save & A64_SAVE_STACK)
		a64_addsub_imm(c, 0x11, true, A64_ZR, A64_FP, 0,
			       false); /* mov sp, x29 */
	if (c->save & A64_SAVE_R6_R7) {
		a64_pair(c, A64_LDP, 19, 20, A64_ZR, o);
		o += 16;
	}
	if (c->save & A64_SAVE_R8_R9)
		a64_pair(c, A64_LDP, 21, 22, A64_ZR, o);
	a64_pair(c, A64_LDP, A64_JS, A64_RUN, A64_ZR, 16);
	a64_pair(c, A64_LDP_POST, A64_FP, A64_LR, A64_ZR, a64_frame(c));
	emit(c, 0xd65f03c0u); /* ret */
}

/* ---- calls ---- */

/*
 * r0 = fn(run, r1, ..., r5); a helper's run->error aborts the run, and at
 * a tail call site a pending tail call too (js->tail_r1 keeps r1).
 */
static void a64_helper_call(struct a64 *c, uintptr_t fn, uint8_t flags)
{
	size_t at;

	if (flags & KBPF_JIT_SITE_TAIL_CALL)
		a64_mem(c, a64_str, 3, A64_X1, A64_JS, JS_OFF(tail_r1));
	a64_mov(c, true, A64_X0, A64_RUN);
	a64_call_abs(c, fn);
	a64_mem(c, a64_ldr, 2, A64_T0, A64_RUN, RUN_OFF(error));
	at = c->n;
	emit(c, 0);
	a64_abort_with_t0(c, true);
	a64_patch(c, at, a64_cb(A64_CBZ, false, A64_T0, (c->n - at) / 4));
	if (!(flags & KBPF_JIT_SITE_TAIL_CALL))
		return;
	a64_mem(c, a64_ldr, 3, A64_T0, A64_RUN, RUN_OFF(tail_call));
	at = c->n;
	emit(c, 0);
	a64_mov_imm(c, true, A64_T0, KBPF_JIT_TAIL_CALL);
	a64_abort_with_t0(c, false);
	a64_patch(c, at, a64_cb(A64_CBZ, true, A64_T0, (c->n - at) / 4));
}

/* A local function: its address needs no GOT entry (core_symbols). */
static uint32_t a64_this_cpu_fn(struct kbpf_jit_state *js)
{
	return kbpf_jit_this_cpu(js);
}

/*
 * x10 = idx * elem_size for the u32 index at [x2] (masked against Spectre
 * v1 when the map has a mask); returns the place of the b.hs to patch to
 * the NULL path for an index past the end.
 */
static size_t a64_array_index(struct a64 *c, const struct kbpf_interp_site *s)
{
	size_t to_null;

	a64_mem(c, a64_ldr, 2, A64_T1, A64_X2, 0);
	a64_cmp_imm(c, false, A64_T1, s->max_entries);
	to_null = c->n;
	emit(c, 0);
	if (s->index_mask != UINT32_MAX) {
		/* and w10, w10, w11: the Spectre v1 mask */
		a64_mov_imm(c, false, A64_T2, s->index_mask);
		a64_rrr(c, A64_AND, false, A64_T1, A64_T1, A64_T2);
	}
	a64_mov_imm(c, false, A64_T2, s->elem_size);
	/* umaddl x10, w10, w11, xzr */
	emit(c, 0x9ba00000u | (uint32_t)A64_T2 << 16 | (uint32_t)A64_ZR << 10 |
			(uint32_t)A64_T1 << 5 | A64_T1);
	return to_null;
}

/*
 * The image's call opcodes (imm: the site). The map sites need no check
 * of r1: the image's data flow found the site's map in r1 on every path
 * from every function entry, and native code is entered only at function
 * entries (jit.h).
 */
static int a64_site(struct a64 *c, const struct bpf_insn *insn)
{
	const struct kbpf_interp_site *s;
	uint8_t flags;
	size_t to_null, to_end;

	if ((uint32_t)insn->imm >= c->in->nr_sites)
		return -KBPF_EOPNOTSUPP;
	s = &c->in->sites[insn->imm];
	flags = c->in->site_flags ? c->in->site_flags[insn->imm] : 0;
	if (!s->h || !s->h->fn)
		return -KBPF_EOPNOTSUPP;
	switch (insn->code) {
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
		/* idx = *(u32 *)r2; idx < max_entries ? base + idx * size : 0 */
		to_null = a64_array_index(c, s);
		if (insn->code == KBPF_INTERP_OP_LOOKUP_PERCPU) {
			/*
			 * + the running CPU's area: kbpf_jit_this_cpu() (the
			 * host's cpu_id, as the map's own lookup) times the
			 * stride; the offset waits on the stack (16 bytes, sp
			 * stays aligned), the call clobbers r1-r5 as a helper's.
			 */
			a64_pair(c, A64_STP_PRE, A64_T1, A64_T1, A64_ZR, -16);
			a64_mov(c, true, A64_X0, A64_JS);
			a64_call_abs(c, (uintptr_t)a64_this_cpu_fn);
			a64_pair(c, A64_LDP_POST, A64_T1, A64_T2, A64_ZR, 16);
			a64_mov(c, false, A64_X0, A64_X0); /* the u32 */
			a64_mov_imm(c, true, A64_T2, (uint64_t)s->cpu_stride);
			/* madd x10, x0, x11, x10 */
			emit(c, 0x9b000000u | (uint32_t)A64_T2 << 16 |
					(uint32_t)A64_T1 << 10 |
					(uint32_t)A64_X0 << 5 | A64_T1);
		}
		a64_mov_imm(c, true, A64_X0, (uintptr_t)s->base);
		a64_rrr(c, A64_ADD, true, A64_X0, A64_X0, A64_T1);
		to_end = c->n;
		emit(c, 0);
		a64_patch(c, to_null, a64_bcond_at(c->n - to_null, A64_HS));
		a64_mov_imm(c, true, A64_X0, 0);
		a64_patch(c, to_end, A64_B | (uint32_t)((c->n - to_end) / 4));
		return 0;
	case KBPF_INTERP_OP_UPDATE_CALL:
		if (!s->update)
			return -KBPF_EOPNOTSUPP;
		/* r0 = s->update(map, r2, r3, r4) */
		a64_mov(c, true, A64_X0, A64_X1);
		a64_mov(c, true, A64_X1, A64_X2);
		a64_mov(c, true, A64_X2, A64_X3);
		a64_mov(c, true, A64_X3, A64_X4);
		a64_call_abs(c, (uintptr_t)s->update);
		return 0;
	case KBPF_INTERP_OP_LOOKUP_CALL:
	case KBPF_INTERP_OP_DELETE_CALL: {
		uintptr_t fn;

		if (insn->code == KBPF_INTERP_OP_LOOKUP_CALL && s->lookup_cpu) {
			/* The run's CPU: the helper reads it (jit.h). */
			a64_helper_call(c, (uintptr_t)s->h->fn, flags);
			return 0;
		}
		fn = insn->code == KBPF_INTERP_OP_LOOKUP_CALL ?
			     (uintptr_t)s->lookup :
			     (uintptr_t)s->delete_elem;

		if (!fn)
			return -KBPF_EOPNOTSUPP;
		/* r0 = s->lookup(map, r2) or s->delete_elem(map, r2) */
		a64_mov(c, true, A64_X0, A64_X1);
		a64_mov(c, true, A64_X1, A64_X2);
		a64_call_abs(c, fn);
		return 0;
	}
	default: /* KBPF_INTERP_OP_CALL */
		a64_helper_call(c, (uintptr_t)s->h->fn, flags);
		return 0;
	}
}

/* A bpf-to-bpf call of the function at instruction @target. */
static void a64_bpf_call(struct a64 *c, uint32_t target)
{
	size_t at;

	/* js->depth + 1 >= KBPF_MAX_CALL_FRAMES: -ELOOP */
	a64_mem(c, a64_ldr, 2, A64_T0, A64_JS, JS_OFF(depth));
	a64_addsub_imm(c, 0x11, false, A64_T0, A64_T0, 1, false);
	a64_cmp_imm(c, false, A64_T0, KBPF_MAX_CALL_FRAMES);
	at = c->n;
	emit(c, 0);
	a64_mov_imm(c, true, A64_T0, (uint64_t)(int64_t)-KBPF_ELOOP);
	a64_abort_with_t0(c, false);
	a64_patch(c, at, a64_bcond_at(c->n - at, A64_LO));
	a64_mem(c, a64_str, 2, A64_T0, A64_JS, JS_OFF(depth));
	a64_mov(c, true, A64_X6, A64_X0);
	for (int i = 0; i < 5; i++)
		a64_mov(c, true, (uint8_t)i, (uint8_t)(i + 1));
	a64_mov(c, true, A64_X5, A64_JS);
	a64_b(c, A64_BL, c->off[target]);
	a64_mem(c, a64_ldr, 2, A64_T0, A64_JS, JS_OFF(depth));
	a64_addsub_imm(c, 0x51, false, A64_T0, A64_T0, 1, false);
	a64_mem(c, a64_str, 2, A64_T0, A64_JS, JS_OFF(depth));
}

/*
 * A local function, so that taking its address needs no GOT entry (a
 * kernel has none: the core_symbols test).
 */
static uint64_t a64_ld_pkt_fn(struct kbpf_jit_state *js, int64_t off,
			      uint32_t size)
{
	return kbpf_jit_ld_pkt(js, off, size);
}

/*
 * LD_ABS / LD_IND: r0 = kbpf_jit_ld_pkt(js, off, size), or 0 and return.
 * Fast code lets the call clobber r1-r5 (jit.h: as a helper call); checked
 * code keeps them, as the checked interpreter does (a program nobody
 * proved may read them after the load).
 */
static void a64_ld_pkt(struct a64 *c, const struct bpf_insn *insn)
{
	unsigned int size = 1u << a64_lg(insn->code);
	size_t at;

	if (c->checked) {
		/* r1-r5 (x1-x5) below sp; 48 bytes keep it 16-byte aligned. */
		a64_pair(c, A64_STP_PRE, A64_X1, A64_X2, A64_ZR, -48);
		a64_pair(c, A64_STP, A64_X3, A64_X4, A64_ZR, 16);
		a64_mem(c, a64_str, 3, A64_X5, A64_ZR, 32);
	}
	if (BPF_MODE(insn->code) == BPF_IND) {
		/* (s32)((u32)src + (u32)imm) */
		a64_add_imm(c, false, A64_T0, a64_map[insn->src_reg],
			    (uint32_t)insn->imm, A64_T1);
		a64_bfm(c, A64_SBFM, true, A64_X1, A64_T0, 0, 31);
	} else {
		a64_mov_imm(c, true, A64_X1, (uint64_t)(int64_t)insn->imm);
	}
	a64_mov(c, true, A64_X0, A64_JS);
	a64_mov_imm(c, true, A64_X2, size);
	a64_call_abs(c, (uintptr_t)a64_ld_pkt_fn);
	if (c->checked) {
		a64_pair(c, A64_LDP, A64_X3, A64_X4, A64_ZR, 16);
		a64_mem(c, a64_ldr, 3, A64_X5, A64_ZR, 32);
		a64_pair(c, A64_LDP_POST, A64_X1, A64_X2, A64_ZR, 48);
	}
	a64_mem(c, a64_ldr, 2, A64_T0, A64_JS, JS_OFF(pkt_fail));
	at = c->n;
	emit(c, 0);
	a64_mov_imm(c, true, A64_X0, 0);
	a64_epilogue(c);
	a64_patch(c, at, a64_cb(A64_CBZ, false, A64_T0, (c->n - at) / 4));
}

/*
 * ---- checked code (jit.h, docs/design/jit.md "Checked native code") ----
 *
 * The checked interpreter's guarantees, instruction for instruction: a
 * function's frame is the next one of the run's (js->chk_stack; x29, r10,
 * is its top), every access is confined (an inline test for the frames in
 * use and the value the last call site handed out, the region check of
 * kbpf_jit_chk_access() through a thunk for the rest), the budget is
 * charged where the interpreter charges it, and calls go through the
 * checked interpreter's call path.
 *
 * Three callee-saved registers no function saves (so they pass through
 * bpf-to-bpf calls and C calls, and the entry stub restores them): x28
 * holds the budget as K = budget + seg while native code runs, seg being
 * where the current straight stretch began (also kept in js->chk_seg): a
 * charge at pc is then "K >= pc + 1, else -ELOOP; K -= pc + 1 - target";
 * x25 holds js->chk_stack and x24 the bytes of the frames in use minus 8
 * (js->chk_lim's value; kept only here). Around every call into C that
 * may charge the budget (call sites, the region check) *js->chk_budget =
 * K - seg is written back and K reloaded after.
 */

/* Local functions: their addresses need no GOT entry (core_symbols). */
static bool a64_chk_access_fn(struct kbpf_jit_state *js, uint64_t addr,
			      uint32_t how)
{
	return kbpf_jit_chk_access(js, addr, how);
}

static int a64_chk_site_fn(struct kbpf_jit_state *js,
			   const struct kbpf_interp_site *s, uint32_t code,
			   uint64_t *regs)
{
	return kbpf_jit_chk_site(js, s, code, regs);
}

/* *js->chk_budget = K - seg (x10, x11 clobbered). */
static void a64_chk_budget_out(struct a64 *c)
{
	a64_mem(c, a64_ldr, 3, A64_T1, A64_JS, JS_OFF(chk_seg));
	a64_rrr(c, A64_SUB, true, A64_T1, A64_K, A64_T1);
	a64_mem(c, a64_ldr, 3, A64_T2, A64_JS, JS_OFF(chk_budget));
	a64_mem(c, a64_str, 3, A64_T1, A64_T2, 0);
}

/* K = *js->chk_budget + seg (x10 clobbered). */
static void a64_chk_budget_in(struct a64 *c)
{
	a64_mem(c, a64_ldr, 3, A64_T1, A64_JS, JS_OFF(chk_budget));
	a64_mem(c, a64_ldr, 3, A64_K, A64_T1, 0);
	a64_mem(c, a64_ldr, 3, A64_T1, A64_JS, JS_OFF(chk_seg));
	a64_rrr(c, A64_ADD, true, A64_K, A64_K, A64_T1);
}

/* js->status = @err; abort. */
static void a64_chk_fail(struct a64 *c, int err)
{
	a64_mov_imm(c, true, A64_T0, (uint64_t)(int64_t)err);
	a64_abort_with_t0(c, false);
}

/*
 * After the abort path: the exits checked code takes (-EFAULT, -ELOOP,
 * the status in w9), the access thunk and the checked entry.
 */
static void a64_chk_header(struct a64 *c)
{
	c->chk_efault = (uint32_t)c->n;
	a64_chk_fail(c, -KBPF_EFAULT);
	c->chk_eloop = (uint32_t)c->n;
	a64_chk_fail(c, -KBPF_ELOOP);
	c->chk_err = (uint32_t)c->n;
	a64_abort_with_t0(c, true);

	/*
	 * The thunk: x9 the address, w10 the size | 0x100 for a store;
	 * returns (bl) with every BPF register as it was, or aborts with
	 * -EFAULT. r1-r5 and r0 are caller-saved: kept on the stack (64
	 * bytes with the return address: sp stays 16-byte aligned).
	 */
	c->chk_thunk = (uint32_t)c->n;
	a64_pair(c, A64_STP_PRE, A64_X0, A64_X1, A64_ZR, -64);
	a64_pair(c, A64_STP, A64_X2, A64_X3, A64_ZR, 16);
	a64_pair(c, A64_STP, A64_X4, A64_X5, A64_ZR, 32);
	a64_pair(c, A64_STP, A64_LR, A64_LR, A64_ZR, 48);
	a64_mov(c, true, A64_X1, A64_T0);
	a64_mov(c, false, A64_X2, A64_T1);
	a64_chk_budget_out(c);
	a64_mov(c, true, A64_X0, A64_JS);
	a64_call_abs(c, (uintptr_t)a64_chk_access_fn);
	a64_bfm(c, A64_UBFM, false, A64_T0, A64_X0, 0, 7); /* uxtb w9, w0 */
	a64_chk_budget_in(c);
	a64_pair(c, A64_LDP, A64_LR, A64_T1, A64_ZR, 48);
	a64_pair(c, A64_LDP, A64_X4, A64_X5, A64_ZR, 32);
	a64_pair(c, A64_LDP, A64_X2, A64_X3, A64_ZR, 16);
	a64_pair(c, A64_LDP_POST, A64_X0, A64_X1, A64_ZR, 64);
	/* cbz w9, efault: backwards, within this header */
	emit(c, a64_cb(A64_CBZ, false, A64_T0,
		       ((int64_t)c->chk_efault - (int64_t)c->n) / 4));
	emit(c, 0xd65f03c0u); /* ret */

	/*
	 * The entry (js in x5, r0 in x6 = 0): r6-r9 start at 0, as the
	 * interpreter's; x25, x24 and K from js; then the main function.
	 */
	c->chk_entry = (uint32_t)c->n;
	for (int i = 6; i <= 9; i++)
		a64_mov_imm(c, true, a64_map[i], 0);
	a64_mem(c, a64_ldr, 3, A64_CSTK, A64_X5, JS_OFF(chk_stack));
	a64_mem(c, a64_ldr, 3, A64_CLIM, A64_X5, JS_OFF(chk_lim));
	a64_mem(c, a64_ldr, 3, A64_T0, A64_X5, JS_OFF(chk_budget));
	a64_mem(c, a64_ldr, 3, A64_K, A64_T0, 0);
	a64_mem(c, a64_ldr, 3, A64_T0, A64_X5, JS_OFF(chk_seg));
	a64_rrr(c, A64_ADD, true, A64_K, A64_K, A64_T0);
	a64_b(c, A64_B, c->off[0]);
}

/*
 * A function's frame (in its prologue, js in x26): the next
 * KBPF_STACK_SIZE bytes of the run's, (*js->chk_depth)++, x24 grows.
 */
static void a64_chk_enter(struct a64 *c)
{
	a64_mem(c, a64_ldr, 3, A64_T0, A64_JS, JS_OFF(chk_depth));
	a64_mem(c, a64_ldr, 2, A64_T1, A64_T0, 0);
	a64_addsub_imm(c, 0x11, false, A64_T1, A64_T1, 1, false);
	a64_mem(c, a64_str, 2, A64_T1, A64_T0, 0);
	a64_mov_imm(c, true, A64_T2, KBPF_STACK_SIZE);
	/* umaddl x29, w10, w11, x25: the top of frame *chk_depth - 1 */
	emit(c, 0x9ba00000u | (uint32_t)A64_T2 << 16 |
			(uint32_t)A64_CSTK << 10 | (uint32_t)A64_T1 << 5 |
			A64_FP);
	a64_add_imm(c, true, A64_CLIM, A64_CLIM, KBPF_STACK_SIZE, A64_T0);
}

/* A function's exit: its frame is no longer in use. */
static void a64_chk_leave(struct a64 *c)
{
	a64_mem(c, a64_ldr, 3, A64_T0, A64_JS, JS_OFF(chk_depth));
	a64_mem(c, a64_ldr, 2, A64_T1, A64_T0, 0);
	a64_addsub_imm(c, 0x51, false, A64_T1, A64_T1, 1, false);
	a64_mem(c, a64_str, 2, A64_T1, A64_T0, 0);
	a64_add_imm(c, true, A64_CLIM, A64_CLIM, (uint64_t)0 - KBPF_STACK_SIZE,
		    A64_T0);
}

/*
 * The interpreter's CHARGE_TO(pc) and SET_SEG(@to): K >= pc + 1 or
 * -ELOOP, then K -= pc + 1 - to (@to < 0: K = budget, seg 0, for an
 * exit, whose caller sets seg after the call). x9 clobbered, and flags.
 */
static void a64_chk_charge(struct a64 *c, uint32_t pc, int64_t to)
{
	a64_cmp_imm(c, true, A64_K, (uint64_t)pc + 1);
	a64_bcond(c, A64_LO, c->chk_eloop);
	a64_add_imm(c, true, A64_K, A64_K,
		    (uint64_t)((to < 0 ? 0 : to) - ((int64_t)pc + 1)), A64_T0);
	if (to < 0)
		return;
	a64_mov_imm(c, true, A64_T0, (uint64_t)to);
	a64_mem(c, a64_str, 3, A64_T0, A64_JS, JS_OFF(chk_seg));
}

/*
 * A jump from @pc to @target when @cond holds (< 0: always). In checked
 * code a backward jump, when taken, is charged first.
 */
static void a64_jump(struct a64 *c, int cond, uint32_t pc, uint32_t target)
{
	size_t at = 0;

	if (!c->checked || target > pc) {
		if (cond < 0)
			a64_b(c, A64_B, a64_target(c, target));
		else
			a64_bcond(c, (unsigned int)cond, a64_target(c, target));
		return;
	}
	if (cond >= 0) {
		at = c->n;
		emit(c, 0);
	}
	a64_chk_charge(c, pc, target);
	a64_b(c, A64_B, a64_target(c, target));
	if (cond >= 0)
		a64_patch(c, at,
			  a64_bcond_at(c->n - at, (unsigned int)cond ^ 1));
}

/*
 * CHECK_MEM(base + off, 1 << lg bytes, write), and CHECK_ALIGN for
 * @atomic. The frames in use are [x25, x25 + x24 + 8): the access is in
 * them if addr + bytes - 8 - x25 <= x24, unsigned (the lowest 8 - bytes
 * bytes of the first frame fail that and go the slow way, which allows
 * them). Then the value the last call site handed out (checked.c), then
 * the thunk. An access at a constant offset of r10 inside the function's
 * own frame needs no test: r10 is never written (@c->r10_fixed) and its
 * frame is in use.
 */
static void a64_chk_mem(struct a64 *c, uint8_t bpf_base, int32_t off,
			unsigned int lg, bool write, bool atomic)
{
	uint8_t base = a64_map[bpf_base];
	int32_t bytes = 1 << lg;
	size_t ok, ok2;

	if (bpf_base == BPF_REG_10 && c->r10_fixed && off >= -KBPF_STACK_SIZE &&
	    off + bytes <= 0 && (!atomic || !(off & (bytes - 1))))
		return;
	a64_add_imm(c, true, A64_T0, base, (uint64_t)(int64_t)(off + bytes - 8),
		    A64_T1);
	a64_rrr(c, A64_SUB, true, A64_T0, A64_T0, A64_CSTK);
	a64_rrr(c, A64_SUBS, true, A64_ZR, A64_T0, A64_CLIM);
	ok = c->n;
	emit(c, 0); /* b.ls ok */
	a64_add_imm(c, true, A64_T0, base, (uint64_t)(int64_t)off, A64_T1);
	a64_mem(c, a64_ldr, 3, A64_T1, A64_JS, JS_OFF(chk_vlo));
	a64_rrr(c, A64_SUB, true, A64_T0, A64_T0, A64_T1);
	a64_mem(c, a64_ldr, 3, A64_T1, A64_JS,
		JS_OFF(chk_vlim) +
			(int64_t)sizeof(uint64_t) * ((write ? 4 : 0) + lg));
	a64_rrr(c, A64_SUBS, true, A64_ZR, A64_T0, A64_T1);
	ok2 = c->n;
	emit(c, 0); /* b.lo ok */
	a64_add_imm(c, true, A64_T0, base, (uint64_t)(int64_t)off, A64_T1);
	a64_mov_imm(c, false, A64_T1, (uint64_t)bytes | (write ? 0x100u : 0));
	a64_b(c, A64_BL, c->chk_thunk);
	a64_patch(c, ok, a64_bcond_at(c->n - ok, A64_LS));
	a64_patch(c, ok2, a64_bcond_at(c->n - ok2, A64_LO));
	if (atomic && lg) {
		a64_add_imm(c, true, A64_T0, base, (uint64_t)(int64_t)off,
			    A64_T1);
		/* ands wzr, w9, #(bytes - 1): a run of lg ones */
		emit(c, 0x72000000u | (lg - 1) << 10 | (uint32_t)A64_T0 << 5 |
				A64_ZR);
		a64_bcond(c, A64_NE, c->chk_efault);
	}
}

/* A call site: the checked interpreter's path, r1-r5 kept. */
static int a64_chk_site(struct a64 *c, const struct bpf_insn *insn)
{
	if ((uint32_t)insn->imm >= c->in->nr_sites ||
	    (c->in->site_flags &&
	     (c->in->site_flags[insn->imm] & KBPF_JIT_SITE_TAIL_CALL)))
		return -KBPF_EOPNOTSUPP;
	a64_chk_budget_out(c);
	/* r0-r5 in memory at sp, in order; 48 bytes keep the alignment. */
	a64_pair(c, A64_STP_PRE, A64_X0, A64_X1, A64_ZR, -48);
	a64_pair(c, A64_STP, A64_X2, A64_X3, A64_ZR, 16);
	a64_pair(c, A64_STP, A64_X4, A64_X5, A64_ZR, 32);
	a64_mov(c, true, A64_X0, A64_JS);
	a64_mov_imm(c, true, A64_X1, (uintptr_t)&c->in->sites[insn->imm]);
	a64_mov_imm(c, false, A64_X2, insn->code);
	a64_addsub_imm(c, 0x11, true, A64_X3, A64_ZR, 0,
		       false); /* mov x3, sp */
	a64_call_abs(c, (uintptr_t)a64_chk_site_fn);
	a64_mov(c, false, A64_T0, A64_X0);
	a64_pair(c, A64_LDP, A64_X2, A64_X3, A64_ZR, 16);
	a64_pair(c, A64_LDP, A64_X4, A64_X5, A64_ZR, 32);
	a64_pair(c, A64_LDP_POST, A64_X0, A64_X1, A64_ZR, 48);
	a64_chk_budget_in(c);
	a64_cmp_imm(c, false, A64_T0, 0);
	a64_bcond(c, A64_NE, c->chk_err);
	return 0;
}

/* A bpf-to-bpf call at @pc of the function at instruction @target. */
static void a64_chk_bpf_call(struct a64 *c, uint32_t pc, uint32_t target)
{
	a64_chk_charge(c, pc, target);
	a64_mem(c, a64_ldr, 3, A64_T0, A64_JS, JS_OFF(chk_depth));
	a64_mem(c, a64_ldr, 2, A64_T0, A64_T0, 0);
	a64_cmp_imm(c, false, A64_T0, KBPF_MAX_CALL_FRAMES);
	a64_bcond(c, A64_HS, c->chk_eloop);
	a64_mov(c, true, A64_X6, A64_X0);
	for (int i = 0; i < 5; i++)
		a64_mov(c, true, (uint8_t)i, (uint8_t)(i + 1));
	a64_mov(c, true, A64_X5, A64_JS);
	a64_b(c, A64_BL, c->off[target]);
	/* The callee's exit left K = budget: seg is the next instruction. */
	a64_add_imm(c, true, A64_K, A64_K, (uint64_t)pc + 1, A64_T0);
	a64_mov_imm(c, true, A64_T0, (uint64_t)pc + 1);
	a64_mem(c, a64_str, 3, A64_T0, A64_JS, JS_OFF(chk_seg));
}

/*
 * Checked code's form of the instruction at @pc, or 1 if it is the fast
 * form (after the access check emitted here for loads, stores and
 * atomics).
 */
static int a64_chk_insn(struct a64 *c, uint32_t pc)
{
	const struct bpf_insn *insn = &c->in->insns[pc];
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code);
	int64_t target;

	if (kbpf_interp_is_site_op(insn->code))
		return a64_chk_site(c, insn);
	switch (insn->code) {
	case BPF_JMP | BPF_CALL:
		target = (int64_t)pc + 1 + insn->imm;
		if (insn->src_reg != BPF_PSEUDO_CALL || target < 0 ||
		    target >= c->in->len || !c->in->is_func[target])
			return -KBPF_EOPNOTSUPP;
		a64_chk_bpf_call(c, pc, (uint32_t)target);
		return 0;
	case BPF_JMP | BPF_EXIT:
		a64_chk_charge(c, pc, -1);
		a64_chk_leave(c);
		a64_epilogue(c);
		return 0;
	case BPF_JMP | BPF_JCOND:
		/* may_goto: taken when *js->chk_may_goto is 0, else -1 */
		target = (int64_t)pc + 1 + insn->off;
		if (insn->src_reg || target < 0 || target >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		a64_mem(c, a64_ldr, 3, A64_T2, A64_JS, JS_OFF(chk_may_goto));
		a64_mem(c, a64_ldr, 2, A64_T3, A64_T2, 0);
		a64_cmp_imm(c, false, A64_T3, 0);
		a64_jump(c, A64_EQ, pc, (uint32_t)target);
		a64_addsub_imm(c, 0x51, false, A64_T3, A64_T3, 1, false);
		a64_mem(c, a64_str, 2, A64_T3, A64_T2, 0);
		return 0;
	}
	if (cls == BPF_LDX && (mode == BPF_MEM || mode == BPF_MEMSX))
		a64_chk_mem(c, insn->src_reg, insn->off, a64_lg(insn->code),
			    false, false);
	else if ((cls == BPF_STX || cls == BPF_ST) && mode == BPF_MEM)
		a64_chk_mem(c, insn->dst_reg, insn->off, a64_lg(insn->code),
			    true, false);
	else if (cls == BPF_STX && mode == BPF_ATOMIC)
		a64_chk_mem(c,
			    insn->imm == BPF_LOAD_ACQ ? insn->src_reg :
							insn->dst_reg,
			    insn->off, a64_lg(insn->code),
			    insn->imm != BPF_LOAD_ACQ, true);
	return 1;
}

/*
 * Whether no instruction writes r10 (the interpreter's validation refuses
 * most such writes; an ld_imm64 into r10 it does not).
 */
static bool a64_chk_r10_fixed(const struct kbpf_jit_in *in)
{
	for (uint32_t pc = 0; pc < in->len; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];
		uint8_t cls = BPF_CLASS(insn->code);

		if ((cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX ||
		     cls == BPF_LD) &&
		    insn->dst_reg == BPF_REG_10)
			return false;
		if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC &&
		    ((insn->imm == BPF_LOAD_ACQ &&
		      insn->dst_reg == BPF_REG_10) ||
		     (insn->imm != BPF_LOAD_ACQ && insn->imm != BPF_CMPXCHG &&
		      (insn->imm & BPF_FETCH) && insn->src_reg == BPF_REG_10)))
			return false;
	}
	return true;
}

/* Atomics on [addr] (x9): LL/SC loops, load-acquire, store-release. */
static int a64_atomic(struct a64 *c, const struct bpf_insn *insn)
{
	unsigned int lg = a64_lg(insn->code);
	bool is64 = lg == 3;
	uint8_t dst = a64_map[insn->dst_reg], src = a64_map[insn->src_reg];
	/* ldaxr, stlxr, ldar, stlr by size */
	static const uint32_t ldar[4] = { 0x08dffc00u, 0x48dffc00u, 0x88dffc00u,
					  0xc8dffc00u };
	static const uint32_t stlr[4] = { 0x089ffc00u, 0x489ffc00u, 0x889ffc00u,
					  0xc89ffc00u };
	uint32_t ldaxr = is64 ? 0xc85ffc00u : 0x885ffc00u;
	uint32_t stlxr = is64 ? 0xc800fc00u : 0x8800fc00u;
	uint32_t op = 0;
	size_t loop, at = 0;

	if (insn->imm == BPF_LOAD_ACQ) {
		a64_add_imm(c, true, A64_T0, src, (uint64_t)(int64_t)insn->off,
			    A64_IP1);
		emit(c, ldar[lg] | (uint32_t)A64_T0 << 5 | dst);
		return 0;
	}
	if (insn->imm == BPF_STORE_REL) {
		a64_add_imm(c, true, A64_T0, dst, (uint64_t)(int64_t)insn->off,
			    A64_IP1);
		emit(c, stlr[lg] | (uint32_t)A64_T0 << 5 | src);
		return 0;
	}
	if (lg < 2)
		return -KBPF_EOPNOTSUPP;
	switch (insn->imm & ~BPF_FETCH) {
	case BPF_ADD:
		op = A64_ADD;
		break;
	case BPF_OR:
		op = A64_ORR;
		break;
	case BPF_AND:
		op = A64_AND;
		break;
	case BPF_XOR:
		op = A64_EOR;
		break;
	case BPF_XCHG & ~BPF_FETCH:
	case BPF_CMPXCHG & ~BPF_FETCH:
		if (!(insn->imm & BPF_FETCH))
			return -KBPF_EOPNOTSUPP;
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	a64_add_imm(c, true, A64_T0, dst, (uint64_t)(int64_t)insn->off,
		    A64_IP1);
	loop = c->n;
	emit(c, ldaxr | (uint32_t)A64_T0 << 5 | A64_T1);
	if (insn->imm == BPF_CMPXCHG) {
		a64_rrr(c, A64_SUBS, is64, A64_ZR, A64_T1, A64_X0);
		at = c->n;
		emit(c, 0);
	}
	if (op) {
		a64_rrr(c, op, is64, A64_T2, A64_T1, src);
		emit(c, stlxr | (uint32_t)A64_T3 << 16 | (uint32_t)A64_T0 << 5 |
				A64_T2);
	} else {
		emit(c, stlxr | (uint32_t)A64_T3 << 16 | (uint32_t)A64_T0 << 5 |
				src);
	}
	emit(c, a64_cb(A64_CBNZ, false, A64_T3,
		       ((int64_t)loop - (int64_t)c->n) / 4));
	if (insn->imm == BPF_CMPXCHG) {
		a64_patch(c, at, a64_bcond_at(c->n - at, A64_NE));
		a64_mov(c, is64, A64_X0, A64_T1);
	} else if (insn->imm & BPF_FETCH) {
		a64_mov(c, is64, src, A64_T1);
	}
	return 0;
}

/* A conditional jump: flags from dst op src/imm, then b.cond. */
static int a64_jmp(struct a64 *c, const struct bpf_insn *insn, uint32_t pc)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_JMP;
	uint8_t dst = a64_map[insn->dst_reg];
	uint8_t rhs = a64_map[insn->src_reg];
	bool k = BPF_SRC(insn->code) == BPF_K;
	unsigned int cond;
	int64_t target = (int64_t)pc + 1 + insn->off;

	if (target < 0 || target >= c->in->len)
		return -KBPF_EOPNOTSUPP;
	switch (BPF_OP(insn->code)) {
	case BPF_JEQ:
		cond = A64_EQ;
		break;
	case BPF_JNE:
	case BPF_JSET:
		cond = A64_NE;
		break;
	case BPF_JGT:
		cond = A64_HI;
		break;
	case BPF_JGE:
		cond = A64_HS;
		break;
	case BPF_JLT:
		cond = A64_LO;
		break;
	case BPF_JLE:
		cond = A64_LS;
		break;
	case BPF_JSGT:
		cond = A64_GT;
		break;
	case BPF_JSGE:
		cond = A64_GE;
		break;
	case BPF_JSLT:
		cond = A64_LT;
		break;
	case BPF_JSLE:
		cond = A64_LE;
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	if (BPF_OP(insn->code) == BPF_JSET) {
		if (k) {
			a64_mov_imm(c, is64, A64_T0,
				    (uint64_t)(int64_t)insn->imm);
			rhs = A64_T0;
		}
		a64_rrr(c, A64_ANDS, is64, A64_ZR, dst, rhs);
	} else if (k) {
		a64_cmp_imm(c, is64, dst, (uint64_t)(int64_t)insn->imm);
	} else {
		a64_rrr(c, A64_SUBS, is64, A64_ZR, dst, rhs);
	}
	a64_jump(c, (int)cond, pc, (uint32_t)target);
	return 0;
}

/* ALU and ALU64 (BPF_END included). */
static int a64_alu(struct a64 *c, const struct bpf_insn *insn)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	uint8_t dst = a64_map[insn->dst_reg];
	uint8_t src = a64_map[insn->src_reg];
	bool k = BPF_SRC(insn->code) == BPF_K;
	uint64_t imm = (uint64_t)(int64_t)insn->imm;
	unsigned int width = is64 ? 64 : 32, n;

	switch (BPF_OP(insn->code)) {
	case BPF_MOV:
		if (k) {
			a64_mov_imm(c, is64, dst, imm);
		} else if (insn->off == 8) {
			a64_bfm(c, A64_SBFM, is64, dst, src, 0, 7);
		} else if (insn->off == 16) {
			a64_bfm(c, A64_SBFM, is64, dst, src, 0, 15);
		} else if (insn->off == 32 && is64) {
			a64_bfm(c, A64_SBFM, true, dst, src, 0, 31);
		} else {
			a64_mov(c, is64, dst, src);
		}
		return 0;
	case BPF_NEG:
		a64_rrr(c, A64_SUB, is64, dst, A64_ZR, dst);
		return 0;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		if (!k) {
			a64_rrr(c,
				BPF_OP(insn->code) == BPF_LSH ? A64_LSLV :
				BPF_OP(insn->code) == BPF_RSH ? A64_LSRV :
								A64_ASRV,
				is64, dst, dst, src);
			return 0;
		}
		n = (unsigned int)insn->imm & (width - 1);
		if (BPF_OP(insn->code) == BPF_LSH)
			a64_bfm(c, A64_UBFM, is64, dst, dst,
				(width - n) % width, width - 1 - n);
		else
			a64_bfm(c,
				BPF_OP(insn->code) == BPF_RSH ? A64_UBFM :
								A64_SBFM,
				is64, dst, dst, n, width - 1);
		return 0;
	case BPF_END:
		if (BPF_SRC(insn->code) == BPF_TO_LE && !is64) {
			/* a truncation on a little-endian CPU */
			if (insn->imm == 16)
				a64_bfm(c, A64_UBFM, false, dst, dst, 0, 15);
			else if (insn->imm == 32)
				a64_mov(c, false, dst, dst);
			return 0;
		}
		if (is64 && BPF_SRC(insn->code) != BPF_TO_LE)
			return -KBPF_EOPNOTSUPP;
		if (insn->imm == 16) {
			emit(c, 0x5ac00400u | (uint32_t)dst << 5 |
					dst); /* rev16 */
			a64_bfm(c, A64_UBFM, false, dst, dst, 0, 15);
		} else if (insn->imm == 32) {
			emit(c, 0x5ac00800u | (uint32_t)dst << 5 |
					dst); /* rev w */
		} else {
			emit(c, 0xdac00c00u | (uint32_t)dst << 5 |
					dst); /* rev x */
		}
		return 0;
	default:
		break;
	}

	if (k) {
		if (BPF_OP(insn->code) == BPF_ADD) {
			a64_add_imm(c, is64, dst, dst, imm, A64_T0);
			return 0;
		}
		if (BPF_OP(insn->code) == BPF_SUB) {
			a64_add_imm(c, is64, dst, dst, (uint64_t)0 - imm,
				    A64_T0);
			return 0;
		}
		a64_mov_imm(c, is64, A64_T0, imm);
		src = A64_T0;
	}
	switch (BPF_OP(insn->code)) {
	case BPF_ADD:
		a64_rrr(c, A64_ADD, is64, dst, dst, src);
		break;
	case BPF_SUB:
		a64_rrr(c, A64_SUB, is64, dst, dst, src);
		break;
	case BPF_MUL:
		a64_mul(c, is64, dst, dst, src);
		break;
	case BPF_OR:
		a64_rrr(c, A64_ORR, is64, dst, dst, src);
		break;
	case BPF_AND:
		a64_rrr(c, A64_AND, is64, dst, dst, src);
		break;
	case BPF_XOR:
		a64_rrr(c, A64_EOR, is64, dst, dst, src);
		break;
	case BPF_DIV:
		/* udiv/sdiv give 0 for a zero divisor; sdiv wraps INT_MIN / -1 */
		a64_rrr(c, insn->off == 1 ? A64_SDIV : A64_UDIV, is64, dst, dst,
			src);
		break;
	case BPF_MOD:
		/* dst - (dst / src) * src: dst for 0, 0 for INT_MIN % -1 */
		a64_rrr(c, insn->off == 1 ? A64_SDIV : A64_UDIV, is64, A64_T1,
			dst, src);
		a64_msub(c, is64, dst, A64_T1, src, dst);
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	return 0;
}

/* Loads and stores of the LDX, STX and ST classes (BPF_MEM, BPF_MEMSX). */
static int a64_ldst(struct a64 *c, const struct bpf_insn *insn)
{
	unsigned int lg = a64_lg(insn->code);
	uint8_t dst = a64_map[insn->dst_reg], src = a64_map[insn->src_reg];

	switch (BPF_CLASS(insn->code)) {
	case BPF_LDX:
		if (BPF_MODE(insn->code) == BPF_MEMSX) {
			if (lg == 3)
				return -KBPF_EOPNOTSUPP;
			a64_mem(c, a64_ldrs, lg, dst, src, insn->off);
		} else {
			a64_mem(c, a64_ldr, lg, dst, src, insn->off);
		}
		return 0;
	case BPF_STX:
		a64_mem(c, a64_str, lg, src, dst, insn->off);
		return 0;
	default: /* BPF_ST */
		a64_mov_imm(c, lg == 3, A64_T1, (uint64_t)(int64_t)insn->imm);
		a64_mem(c, a64_str, lg, A64_T1, dst, insn->off);
		return 0;
	}
}

/* One instruction at @pc (@pc + 1 too for ld_imm64: *@skip). */
static int a64_insn(struct a64 *c, uint32_t pc, uint32_t *skip)
{
	const struct bpf_insn *insn = &c->in->insns[pc];
	uint8_t code = insn->code;
	int64_t target;

	*skip = 0;
	if (insn->dst_reg > KBPF_JIT_REG_AX || insn->src_reg > KBPF_JIT_REG_AX)
		return -KBPF_EOPNOTSUPP;
	if (c->checked) {
		int r = a64_chk_insn(c, pc);

		if (r <= 0)
			return r;
	}
	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		return a64_alu(c, insn);
	case BPF_LDX:
	case BPF_ST:
		/*
		 * KBPF_NOSPEC: nothing, as Linux's arm64 JIT (which does not
		 * even ask for Spectre v4 barriers, bpf_jit_bypass_spec_v4():
		 * the firmware's SSBD mitigation covers all kernel code).
		 */
		if (code == KBPF_NOSPEC)
			return 0;
		if (BPF_MODE(code) != BPF_MEM && !(BPF_CLASS(code) == BPF_LDX &&
						   BPF_MODE(code) == BPF_MEMSX))
			return -KBPF_EOPNOTSUPP;
		return a64_ldst(c, insn);
	case BPF_STX:
		if (BPF_MODE(code) == BPF_ATOMIC)
			return a64_atomic(c, insn);
		if (BPF_MODE(code) != BPF_MEM)
			return -KBPF_EOPNOTSUPP;
		return a64_ldst(c, insn);
	case BPF_LD:
		if (code == (BPF_LD | BPF_IMM | BPF_DW)) {
			if (pc + 1 >= c->in->len)
				return -KBPF_EOPNOTSUPP;
			if (insn->src_reg == BPF_PSEUDO_FUNC)
				a64_mov_imm(c, true, a64_map[insn->dst_reg],
					    (uint64_t)((int64_t)pc + 1 +
						       insn->imm));
			else
				a64_mov_imm(
					c, true, a64_map[insn->dst_reg],
					(uint64_t)(uint32_t)insn->imm |
						(uint64_t)(uint32_t)insn[1].imm
							<< 32);
			*skip = 1;
			return 0;
		}
		if ((BPF_MODE(code) != BPF_ABS && BPF_MODE(code) != BPF_IND) ||
		    BPF_SIZE(code) == BPF_DW)
			return -KBPF_EOPNOTSUPP;
		a64_ld_pkt(c, insn);
		return 0;
	default: /* BPF_JMP, BPF_JMP32 */
		break;
	}
	switch (code) {
	case BPF_JMP | BPF_JA:
	case BPF_JMP32 | BPF_JA:
		target = (int64_t)pc + 1 +
			 (code == (BPF_JMP | BPF_JA) ? insn->off : insn->imm);
		if (target < 0 || target >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		a64_jump(c, -1, pc, (uint32_t)target);
		return 0;
	case BPF_JMP | BPF_JCOND: {
		size_t at;

		/* may_goto: taken when js->may_goto is 0, else count down */
		target = (int64_t)pc + 1 + insn->off;
		if (insn->src_reg || target < 0 || target >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		a64_mem(c, a64_ldr, 2, A64_T0, A64_JS, JS_OFF(may_goto));
		at = c->n;
		emit(c, 0);
		a64_b(c, A64_B, a64_target(c, (uint32_t)target));
		a64_patch(c, at,
			  a64_cb(A64_CBNZ, false, A64_T0, (c->n - at) / 4));
		a64_addsub_imm(c, 0x51, false, A64_T0, A64_T0, 1, false);
		a64_mem(c, a64_str, 2, A64_T0, A64_JS, JS_OFF(may_goto));
		return 0;
	}
	case BPF_JMP | BPF_CALL:
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return -KBPF_EOPNOTSUPP;
		target = (int64_t)pc + 1 + insn->imm;
		if (target < 0 || target >= c->in->len ||
		    !c->in->is_func[target])
			return -KBPF_EOPNOTSUPP;
		a64_bpf_call(c, (uint32_t)target);
		return 0;
	case BPF_JMP | BPF_EXIT:
		a64_epilogue(c);
		return 0;
	case KBPF_INTERP_OP_CALL:
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
	case KBPF_INTERP_OP_LOOKUP_CALL:
	case KBPF_INTERP_OP_UPDATE_CALL:
	case KBPF_INTERP_OP_DELETE_CALL:
		return a64_site(c, insn);
	default:
		if (BPF_OP(code) == BPF_JA || BPF_OP(code) == BPF_CALL ||
		    BPF_OP(code) == BPF_EXIT || BPF_OP(code) > BPF_JSLE)
			return -KBPF_EOPNOTSUPP;
		return a64_jmp(c, insn, pc);
	}
}

int kbpf_jit_emit_arm64(const struct kbpf_jit_in *in, struct kbpf_jit_out *out)
{
	struct a64 c = { 0 };
	uint32_t pc, skip;
	int err;

	if (!in->len || !in->is_func[0])
		return -KBPF_EOPNOTSUPP;
	c.buf = out->buf;
	c.cap = out->cap;
	c.first = out->insn_off[in->len] == 0;
	c.in = in;
	c.off = out->insn_off;
	c.checked = in->checked;
	c.r10_fixed = in->checked && a64_chk_r10_fixed(in);
	a64_stub(&c);
	if (c.checked)
		a64_chk_header(&c);
	for (pc = 0; pc < in->len; pc++) {
		c.off[pc] = (uint32_t)c.n;
		if (in->is_func[pc]) {
			c.func = pc;
			c.save = a64_func_save(in, pc);
			/* checked code's frames are the run's (js->chk_stack) */
			if (c.checked)
				c.save &= ~(unsigned int)A64_SAVE_STACK;
			a64_prologue(&c);
			/* for jumps to the function's first instruction */
			c.prologue = (uint32_t)c.n - c.off[pc];
		}
		err = a64_insn(&c, pc, &skip);
		if (err)
			return err;
		if (skip) {
			pc++;
			c.off[pc] = (uint32_t)c.n;
		}
		if (c.n > UINT32_MAX - 64)
			return -KBPF_E2BIG;
	}
	c.off[in->len] = (uint32_t)c.n;
	if (c.err)
		return c.err;
	out->len = c.n;
	out->abort_off = c.abort_off;
	out->entry_off = c.chk_entry;
	return 0;
}
