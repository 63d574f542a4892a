// SPDX-License-Identifier: MIT
/*
 * The riscv64 (RV64IMA, LP64) JIT backend: emits the native layout of
 * src/jit/jit.h in plain 4-byte encodings (no C extension, no Zb*).
 *
 * Registers: r0 a5, r1-r5 a0-a4 (the helper ABI shifts them up by one to
 * put the run in a0), r6-r9 s1-s4, r10 s5, AX (register 11) s7, js s6;
 * t0-t3 are scratch within one instruction. Each BPF function's frame is
 * the 64-byte save area at sp[0, 64), with a slot for each of ra and
 * s1-s7, and the BPF stack above it (r10 the frame's top, 16-byte
 * aligned) when the function names r10; it saves ra and js (s6), and
 * s1-s5 and s7 only when it names the BPF register that lives there.
 * Each function's epilogue is its last
 * code, so a function is all of [its entry, the next one's entry) as the
 * framework reports it (bpf_prog_info's function lengths); exits jump there.
 *
 * Division: RISC-V's div/divu by zero give all ones, so the divisor is
 * tested (BPF wants 0); rem/remu by zero already give the dividend and the
 * signed overflow cases already give what BPF wants (INT_MIN, 0). The *w
 * forms sign-extend: every 32-bit result is zero-extended after them.
 *
 * Checked code (kbpf_jit_in.checked; jit.h, docs/design/jit.md "Checked
 * native code"): the arm64 backend's design with s8 the budget (K =
 * budget + seg), s9 js->chk_stack and s10 the frames in use; r10 is the
 * top of the function's frame in the run's frames, every access is
 * confined before it is made, and calls go through the checked
 * interpreter's call path ("checked code" below).
 *
 * Branches: a conditional branch reaches +-4 KiB, jal +-1 MiB. A jump is
 * sized from the distance the previous pass left in insn_off (this pass's
 * for backward targets): the short form, an inverted branch over a jal, or
 * over auipc+jalr (+-2 GiB); farther is -E2BIG.
 */
#include "jit/jit.h"

#include <stddef.h>

#include "kbpf/errno.h"

/* Integer registers (x0-x31) by ABI name. */
enum {
	RV_ZERO = 0,
	RV_RA = 1,
	RV_SP = 2,
	RV_T0 = 5,
	RV_T1 = 6,
	RV_T2 = 7,
	RV_S0 = 8,
	RV_S1 = 9,
	RV_A0 = 10,
	RV_A1 = 11,
	RV_A2 = 12,
	RV_A3 = 13,
	RV_A4 = 14,
	RV_A5 = 15,
	RV_S2 = 18,
	RV_S3 = 19,
	RV_S4 = 20,
	RV_S5 = 21,
	RV_S6 = 22,
	RV_S7 = 23,
	RV_S8 = 24,
	RV_S9 = 25,
	RV_S10 = 26,
	RV_S11 = 27,
	RV_T3 = 28,
};

/* BPF register -> riscv register (r0-r10, then AX). */
static const uint8_t rv_reg[12] = {
	RV_A5, RV_A0, RV_A1, RV_A2, RV_A3, RV_A4,
	RV_S1, RV_S2, RV_S3, RV_S4, RV_S5, RV_S7,
};

#define RV_JS RV_S6

/*
 * Checked code (jit.h, kbpf_jit_in.checked): three callee-saved registers
 * no function saves, so they pass through bpf-to-bpf calls and C calls and
 * the entry stub restores them: K = budget + seg (seg: where the straight
 * stretch began, also in js->chk_seg), js->chk_stack, and the bytes of the
 * frames in use minus 8 (js->chk_lim's value, kept only here).
 */
#define RV_K RV_S8
#define RV_CSTK RV_S9
#define RV_CLIM RV_S10

/* A function's frame: ra, s1-s7, then the BPF stack. */
#define RV_SAVE 64
#define RV_FRAME (RV_SAVE + ((KBPF_STACK_SIZE + 15) & ~15))

/* The entry stub's frame: ra, s0-s11, the outer abort_sp. */
#define RV_STUB_FRAME 112
#define RV_STUB_OLD_ABORT 104

/* Major opcodes. */
#define OP_LOAD 0x03
#define OP_FENCE 0x0f
#define OP_IMM 0x13
#define OP_AUIPC 0x17
#define OP_IMM32 0x1b
#define OP_STORE 0x23
#define OP_AMO 0x2f
#define OP_REG 0x33
#define OP_LUI 0x37
#define OP_REG32 0x3b
#define OP_BRANCH 0x63
#define OP_JALR 0x67
#define OP_JAL 0x6f

/* Branch funct3. */
#define BR_EQ 0
#define BR_NE 1
#define BR_LT 4
#define BR_GE 5
#define BR_LTU 6
#define BR_GEU 7

/* AMO funct5. */
#define AMO_ADD 0x00
#define AMO_SWAP 0x01
#define AMO_LR 0x02
#define AMO_SC 0x03
#define AMO_XOR 0x04
#define AMO_OR 0x08
#define AMO_AND 0x0c

struct rv_ctx {
	const struct kbpf_jit_in *in;
	struct kbpf_jit_out *out;
	uint8_t *buf;
	size_t pos;
	int err;
	uint32_t pc; /* the instruction being emitted */
	int64_t shift; /* its offset now minus its offset on the last pass */
	uint32_t func; /* the current function's first insn */
	uint32_t func_end; /* the first insn after the current function */
	size_t prologue; /* bytes of the current function's prologue */
	size_t epi_size; /* bytes of the current function's epilogue */
	uint8_t save_mask; /* its saved registers: bit i is rv_fn_saved[i] */
	int32_t frame; /* its frame: RV_SAVE, or RV_FRAME with a BPF stack */
	/*
	 * Checked code: @checked, @r10_fixed (no instruction writes r10),
	 * and the fixed places of its header (rv_chk_header()).
	 */
	bool checked, r10_fixed;
	size_t chk_efault, chk_eloop, chk_err, chk_thunk, chk_entry;
};

static void rv_emit(struct rv_ctx *c, uint32_t insn)
{
	if (c->buf) {
		if (c->pos + 4 > c->out->cap) {
			c->err = -KBPF_E2BIG;
		} else {
			c->buf[c->pos] = (uint8_t)insn;
			c->buf[c->pos + 1] = (uint8_t)(insn >> 8);
			c->buf[c->pos + 2] = (uint8_t)(insn >> 16);
			c->buf[c->pos + 3] = (uint8_t)(insn >> 24);
		}
	}
	c->pos += 4;
}

/* Rewrite the instruction at @at (a forward branch placed earlier). */
static void rv_patch(struct rv_ctx *c, size_t at, uint32_t insn)
{
	if (c->buf && at + 4 <= c->out->cap) {
		c->buf[at] = (uint8_t)insn;
		c->buf[at + 1] = (uint8_t)(insn >> 8);
		c->buf[at + 2] = (uint8_t)(insn >> 16);
		c->buf[at + 3] = (uint8_t)(insn >> 24);
	}
}

static bool rv_fits(int64_t v, unsigned int bits)
{
	int64_t lim = (int64_t)1 << (bits - 1);

	return v >= -lim && v < lim;
}

/* Arithmetic right shift without relying on implementation-defined >>. */
static int64_t rv_sar(int64_t v, unsigned int s)
{
	uint64_t u = (uint64_t)v >> s;

	if (v < 0)
		u |= ~(~(uint64_t)0 >> s);
	return (int64_t)u;
}

static int64_t rv_sext12(uint64_t v)
{
	v &= 0xfff;
	return v & 0x800 ? (int64_t)v - 0x1000 : (int64_t)v;
}

static uint32_t rv_r(uint32_t f7, unsigned int rs2, unsigned int rs1,
		     uint32_t f3, unsigned int rd, uint32_t op)
{
	return f7 << 25 | (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | f3 << 12 |
	       (uint32_t)rd << 7 | op;
}

static uint32_t rv_i(int32_t imm, unsigned int rs1, uint32_t f3,
		     unsigned int rd, uint32_t op)
{
	return ((uint32_t)imm & 0xfff) << 20 | (uint32_t)rs1 << 15 | f3 << 12 |
	       (uint32_t)rd << 7 | op;
}

static uint32_t rv_s(int32_t imm, unsigned int rs2, unsigned int rs1,
		     uint32_t f3)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 5) & 0x7f) << 25 | (uint32_t)rs2 << 20 |
	       (uint32_t)rs1 << 15 | f3 << 12 | (u & 0x1f) << 7 | OP_STORE;
}

static uint32_t rv_b(int32_t off, unsigned int rs1, unsigned int rs2,
		     uint32_t f3)
{
	uint32_t u = (uint32_t)off;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 |
	       (uint32_t)rs2 << 20 | (uint32_t)rs1 << 15 | f3 << 12 |
	       ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | OP_BRANCH;
}

static uint32_t rv_j(int32_t off, unsigned int rd)
{
	uint32_t u = (uint32_t)off;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 |
	       ((u >> 11) & 1) << 20 | ((u >> 12) & 0xff) << 12 |
	       (uint32_t)rd << 7 | OP_JAL;
}

static void rv_addi(struct rv_ctx *c, unsigned int rd, unsigned int rs,
		    int32_t imm)
{
	rv_emit(c, rv_i(imm, rs, 0, rd, OP_IMM));
}

static void rv_mv(struct rv_ctx *c, unsigned int rd, unsigned int rs)
{
	if (rd != rs)
		rv_addi(c, rd, rs, 0);
}

static void rv_slli(struct rv_ctx *c, unsigned int rd, unsigned int rs,
		    unsigned int sh)
{
	rv_emit(c, rv_i((int32_t)sh, rs, 1, rd, OP_IMM));
}

static void rv_srli(struct rv_ctx *c, unsigned int rd, unsigned int rs,
		    unsigned int sh)
{
	rv_emit(c, rv_i((int32_t)sh, rs, 5, rd, OP_IMM));
}

static void rv_srai(struct rv_ctx *c, unsigned int rd, unsigned int rs,
		    unsigned int sh)
{
	rv_emit(c, rv_i((int32_t)(0x400 | sh), rs, 5, rd, OP_IMM));
}

/* Zero-extend the low 32 bits of @rs into @rd. */
static void rv_zext32(struct rv_ctx *c, unsigned int rd, unsigned int rs)
{
	rv_slli(c, rd, rs, 32);
	rv_srli(c, rd, rd, 32);
}

/* Sign-extend the low 32 bits (sext.w). */
static void rv_sext32(struct rv_ctx *c, unsigned int rd, unsigned int rs)
{
	rv_emit(c, rv_i(0, rs, 0, rd, OP_IMM32));
}

static void rv_ld(struct rv_ctx *c, unsigned int rd, int32_t off,
		  unsigned int base)
{
	rv_emit(c, rv_i(off, base, 3, rd, OP_LOAD));
}

static void rv_sd(struct rv_ctx *c, unsigned int rs, int32_t off,
		  unsigned int base)
{
	rv_emit(c, rv_s(off, rs, base, 3));
}

static void rv_lwu(struct rv_ctx *c, unsigned int rd, int32_t off,
		   unsigned int base)
{
	rv_emit(c, rv_i(off, base, 6, rd, OP_LOAD));
}

static void rv_sw(struct rv_ctx *c, unsigned int rs, int32_t off,
		  unsigned int base)
{
	rv_emit(c, rv_s(off, rs, base, 2));
}

/* rd = v, in as few instructions as the value needs (at most 8). */
static void rv_li(struct rv_ctx *c, unsigned int rd, int64_t v)
{
	if (rv_fits(v, 12)) {
		rv_addi(c, rd, RV_ZERO, (int32_t)v);
	} else if (rv_fits(v, 32)) {
		int64_t lo = rv_sext12((uint64_t)v);
		uint32_t hi = (uint32_t)(((uint64_t)v - (uint64_t)lo) >> 12);

		rv_emit(c, (hi & 0xfffff) << 12 | (uint32_t)rd << 7 | OP_LUI);
		if (lo)
			rv_emit(c, rv_i((int32_t)lo, rd, 0, rd, OP_IMM32));
	} else {
		int64_t lo = rv_sext12((uint64_t)v);
		int64_t hi = rv_sar((int64_t)((uint64_t)v - (uint64_t)lo), 12);
		unsigned int sh = 12;

		while (!(hi & 1)) {
			hi = rv_sar(hi, 1);
			sh++;
		}
		rv_li(c, rd, hi);
		rv_slli(c, rd, rd, sh);
		if (lo)
			rv_addi(c, rd, rd, (int32_t)lo);
	}
}

/*
 * An address @base + @off as a register and a 12-bit offset: @base itself
 * when @off fits, else @tmp = base + off.
 */
static unsigned int rv_addr(struct rv_ctx *c, unsigned int base, int32_t *off,
			    unsigned int tmp)
{
	if (rv_fits(*off, 12))
		return base;
	rv_li(c, tmp, *off);
	rv_emit(c, rv_r(0, base, tmp, 0, tmp, OP_REG));
	*off = 0;
	return tmp;
}

/*
 * Jump (or call, @link RV_RA) to code offset @target. jal when in reach,
 * else auipc+jalr through t3.
 */
static void rv_jump(struct rv_ctx *c, size_t target, unsigned int link)
{
	int64_t d = (int64_t)target - (int64_t)c->pos;

	if (rv_fits(d, 21)) {
		rv_emit(c, rv_j((int32_t)d, link));
	} else if (rv_fits(d, 32)) {
		int64_t lo = rv_sext12((uint64_t)d);
		uint32_t hi = (uint32_t)(((uint64_t)d - (uint64_t)lo) >> 12);

		rv_emit(c, (hi & 0xfffff) << 12 | RV_T3 << 7 | OP_AUIPC);
		rv_emit(c, rv_i((int32_t)lo, RV_T3, 0, link, OP_JALR));
	} else {
		c->err = -KBPF_E2BIG;
	}
}

/* Call an absolute address (a helper or runtime function). */
static void rv_call_abs(struct rv_ctx *c, uintptr_t fn)
{
	rv_li(c, RV_T3, (int64_t)fn);
	rv_emit(c, rv_i(0, RV_T3, 0, RV_RA, OP_JALR));
}

/* js->status = @reg; jump to the abort path. */
static void rv_abort(struct rv_ctx *c, unsigned int reg)
{
	rv_sd(c, reg, (int32_t)offsetof(struct kbpf_jit_state, status), RV_JS);
	rv_jump(c, c->out->abort_off, RV_ZERO);
}

/*
 * Native offset of BPF instruction @t as this pass knows it: exact behind
 * the current instruction; ahead of it, the previous pass's offset moved
 * by what the code before the current instruction grew since then (so a
 * distance ahead is the previous pass's distance). Every form is chosen
 * from distances that only grow from pass to pass, starting from the short
 * forms on the first pass (zeroes everywhere), so sizes only grow and the
 * passes settle.
 */
static size_t rv_off(struct rv_ctx *c, uint32_t t)
{
	if (t <= c->pc)
		return c->out->insn_off[t];
	return (size_t)((int64_t)c->out->insn_off[t] + c->shift);
}

/*
 * Where a jump to BPF instruction @t lands: its code, past the prologue
 * when @t starts the current function (insn_off of a function's first
 * instruction is its entry, the prologue: a loop back to it must not run
 * the prologue again). Jumps stay inside their function (the framework's
 * rule), so no other function's start is a jump target.
 */
static size_t rv_target(struct rv_ctx *c, uint32_t t)
{
	if (t == c->func)
		return rv_off(c, t) + c->prologue;
	return rv_off(c, t);
}

/* Return r0: a jump to the current function's epilogue, its last code. */
static void rv_exit(struct rv_ctx *c)
{
	rv_jump(c, rv_off(c, c->func_end) - c->epi_size, RV_ZERO);
}

/* if (rs1 <f3> rs2) goto code offset @to. */
static void rv_branch_to(struct rv_ctx *c, uint32_t f3, unsigned int rs1,
			 unsigned int rs2, size_t to)
{
	int64_t d = (int64_t)to - (int64_t)c->pos;

	if (rv_fits(d, 13)) {
		rv_emit(c, rv_b((int32_t)d, rs1, rs2, f3));
		return;
	}
	/* The inverse condition skips a long jump. */
	d = (int64_t)to - (int64_t)(c->pos + 4);
	rv_emit(c, rv_b(rv_fits(d, 21) ? 8 : 12, rs1, rs2, f3 ^ 1));
	rv_jump(c, to, RV_ZERO);
}

/* A forward branch inside one instruction's sequence, patched later. */
static size_t rv_fwd(struct rv_ctx *c)
{
	size_t at = c->pos;

	rv_emit(c, 0);
	return at;
}

static void rv_fwd_branch(struct rv_ctx *c, size_t at, uint32_t f3,
			  unsigned int rs1, unsigned int rs2)
{
	rv_patch(c, at, rv_b((int32_t)(c->pos - at), rs1, rs2, f3));
}

#define JS_OFF(f) ((int32_t)offsetof(struct kbpf_jit_state, f))

/* rd = rs + v (t1 for a constant past 12 bits; rd may be t1). */
static void rv_add_imm(struct rv_ctx *c, unsigned int rd, unsigned int rs,
		       int64_t v)
{
	if (rv_fits(v, 12)) {
		rv_addi(c, rd, rs, (int32_t)v);
	} else {
		rv_li(c, RV_T1, v);
		rv_emit(c, rv_r(0, RV_T1, rs, 0, rd, OP_REG));
	}
}

/*
 * The checked interpreter's CHARGE_TO(pc) and SET_SEG(@to): K >= pc + 1
 * or -ELOOP, then K -= pc + 1 - to (@to < 0: K = budget, seg 0, for an
 * exit, whose caller sets seg after the call). t0 and t1 clobbered.
 */
static void rv_chk_charge(struct rv_ctx *c, uint32_t pc, int64_t to)
{
	rv_li(c, RV_T0, (int64_t)pc + 1);
	rv_branch_to(c, BR_LTU, RV_K, RV_T0, c->chk_eloop);
	rv_add_imm(c, RV_K, RV_K, (to < 0 ? 0 : to) - ((int64_t)pc + 1));
	if (to < 0)
		return;
	rv_li(c, RV_T0, to);
	rv_sd(c, RV_T0, JS_OFF(chk_seg), RV_JS);
}

/*
 * if (rs1 <f3> rs2) goto BPF instruction @t. In checked code a backward
 * jump, when taken, is charged first.
 */
static void rv_branch(struct rv_ctx *c, uint32_t f3, unsigned int rs1,
		      unsigned int rs2, uint32_t t)
{
	size_t at;

	if (!c->checked || t > c->pc) {
		rv_branch_to(c, f3, rs1, rs2, rv_target(c, t));
		return;
	}
	at = rv_fwd(c);
	rv_chk_charge(c, c->pc, t);
	rv_jump(c, rv_target(c, t), RV_ZERO);
	rv_fwd_branch(c, at, f3 ^ 1, rs1, rs2);
}

/* goto BPF instruction @t (charged first in checked code if backward). */
static void rv_ja(struct rv_ctx *c, uint32_t t)
{
	if (c->checked && t <= c->pc)
		rv_chk_charge(c, c->pc, t);
	rv_jump(c, rv_target(c, t), RV_ZERO);
}

static void rv_fwd_jal(struct rv_ctx *c, size_t at)
{
	rv_patch(c, at, rv_j((int32_t)(c->pos - at), RV_ZERO));
}

/* ---- stub, abort path, prologue and epilogue ---- */

static void rv_stub(struct rv_ctx *c)
{
	static const uint8_t saved[13] = { RV_RA, RV_S0,  RV_S1, RV_S2, RV_S3,
					   RV_S4, RV_S5,  RV_S6, RV_S7, RV_S8,
					   RV_S9, RV_S10, RV_S11 };
	const int32_t abort_sp =
		(int32_t)offsetof(struct kbpf_jit_state, abort_sp);
	size_t ret;

	rv_addi(c, RV_SP, RV_SP, -RV_STUB_FRAME);
	for (int i = 0; i < 13; i++)
		rv_sd(c, saved[i], i * 8, RV_SP);
	rv_ld(c, RV_T0, abort_sp, RV_A1);
	rv_sd(c, RV_T0, RV_STUB_OLD_ABORT, RV_SP);
	rv_sd(c, RV_SP, abort_sp, RV_A1);
	rv_mv(c, RV_JS, RV_A1);
	rv_mv(c, RV_T1, RV_A2);
	rv_mv(c, RV_T2, RV_A0);
	for (int i = 0; i < 5; i++)
		rv_ld(c, (unsigned int)(RV_A0 + i), i * 8, RV_T2);
	rv_mv(c, RV_A5, RV_JS);
	/* r0 (t2, see rv_prologue) and r6-r9 start at 0, as the interpreter's. */
	rv_li(c, RV_T2, 0);
	for (int i = 6; i <= 9; i++)
		rv_li(c, rv_reg[i], 0);
	rv_emit(c, rv_i(0, RV_T1, 0, RV_RA, OP_JALR));
	/* r0 (a5) is the C result; functions leave a0 (r1) as it is. */
	rv_mv(c, RV_A0, rv_reg[0]);
	ret = c->pos;
	rv_ld(c, RV_T0, RV_STUB_OLD_ABORT, RV_SP);
	rv_sd(c, RV_T0, abort_sp, RV_JS);
	for (int i = 0; i < 13; i++)
		rv_ld(c, saved[i], i * 8, RV_SP);
	rv_addi(c, RV_SP, RV_SP, RV_STUB_FRAME);
	rv_emit(c, rv_i(0, RV_RA, 0, RV_ZERO, OP_JALR));

	/* The abort path: back to the innermost stub's frame, return 0. */
	c->out->abort_off = (uint32_t)c->pos;
	rv_ld(c, RV_SP, abort_sp, RV_JS);
	rv_li(c, RV_A0, 0);
	rv_jump(c, ret, RV_ZERO);
}

/* Local functions: their addresses need no GOT entry (core_symbols). */
static bool rv_chk_access_fn(struct kbpf_jit_state *js, uint64_t addr,
			     uint32_t how)
{
	return kbpf_jit_chk_access(js, addr, how);
}

static int rv_chk_site_fn(struct kbpf_jit_state *js,
			  const struct kbpf_interp_site *s, uint32_t code,
			  uint64_t *regs)
{
	return kbpf_jit_chk_site(js, s, code, regs);
}

/* *js->chk_budget = K - seg (t1, t2 clobbered). */
static void rv_chk_budget_out(struct rv_ctx *c)
{
	rv_ld(c, RV_T1, JS_OFF(chk_seg), RV_JS);
	rv_emit(c, rv_r(0x20, RV_T1, RV_K, 0, RV_T1, OP_REG)); /* sub */
	rv_ld(c, RV_T2, JS_OFF(chk_budget), RV_JS);
	rv_sd(c, RV_T1, 0, RV_T2);
}

/* K = *js->chk_budget + seg (t1 clobbered). */
static void rv_chk_budget_in(struct rv_ctx *c)
{
	rv_ld(c, RV_T1, JS_OFF(chk_budget), RV_JS);
	rv_ld(c, RV_K, 0, RV_T1);
	rv_ld(c, RV_T1, JS_OFF(chk_seg), RV_JS);
	rv_emit(c, rv_r(0, RV_T1, RV_K, 0, RV_K, OP_REG));
}

/* r0-r5 to the 48 bytes below sp, in order (sp stays 16-byte aligned). */
static void rv_push_r0_r5(struct rv_ctx *c, int32_t room)
{
	rv_addi(c, RV_SP, RV_SP, -room);
	for (int i = 0; i <= 5; i++)
		rv_sd(c, rv_reg[i], i * 8, RV_SP);
}

static void rv_pop_r0_r5(struct rv_ctx *c, int32_t room)
{
	for (int i = 0; i <= 5; i++)
		rv_ld(c, rv_reg[i], i * 8, RV_SP);
	rv_addi(c, RV_SP, RV_SP, room);
}

/*
 * Checked code's header, after the abort path: the exits (-EFAULT,
 * -ELOOP, the status in t0), the access thunk, and the checked entry,
 * which falls through into the main function.
 */
static void rv_chk_header(struct rv_ctx *c)
{
	c->chk_efault = c->pos;
	rv_li(c, RV_T1, -KBPF_EFAULT);
	rv_abort(c, RV_T1);
	c->chk_eloop = c->pos;
	rv_li(c, RV_T1, -KBPF_ELOOP);
	rv_abort(c, RV_T1);
	c->chk_err = c->pos;
	rv_abort(c, RV_T0);

	/*
	 * The thunk (jal ra): t0 the address, t1 the size | 0x100 for a
	 * store; returns with every BPF register as it was, or aborts with
	 * -EFAULT. r0-r5 and ra are caller-saved: kept on the stack.
	 */
	c->chk_thunk = c->pos;
	rv_push_r0_r5(c, 64);
	rv_sd(c, RV_RA, 48, RV_SP);
	rv_mv(c, RV_A1, RV_T0);
	rv_mv(c, RV_A2, RV_T1);
	rv_chk_budget_out(c);
	rv_mv(c, RV_A0, RV_JS);
	rv_call_abs(c, (uintptr_t)rv_chk_access_fn);
	rv_emit(c, rv_i(0xff, RV_A0, 7, RV_T0, OP_IMM)); /* andi t0, a0, 255 */
	rv_chk_budget_in(c);
	rv_ld(c, RV_RA, 48, RV_SP);
	rv_pop_r0_r5(c, 64);
	rv_branch_to(c, BR_EQ, RV_T0, RV_ZERO, c->chk_efault);
	rv_emit(c, rv_i(0, RV_RA, 0, RV_ZERO, OP_JALR));

	/*
	 * The entry (from the stub: js in s6 and a5, r0 in t2 = 0, r6-r9
	 * 0): CSTK, CLIM and K from js, then the main function's prologue,
	 * which follows.
	 */
	c->chk_entry = c->pos;
	rv_ld(c, RV_CSTK, JS_OFF(chk_stack), RV_JS);
	rv_ld(c, RV_CLIM, JS_OFF(chk_lim), RV_JS);
	rv_ld(c, RV_T0, JS_OFF(chk_budget), RV_JS);
	rv_ld(c, RV_K, 0, RV_T0);
	rv_ld(c, RV_T0, JS_OFF(chk_seg), RV_JS);
	rv_emit(c, rv_r(0, RV_T0, RV_K, 0, RV_K, OP_REG));
}

static const uint8_t rv_fn_saved[8] = { RV_RA, RV_S1, RV_S2, RV_S3,
					RV_S4, RV_S5, RV_S6, RV_S7 };

/*
 * The frame of the function from @pc to c->func_end: which of
 * rv_fn_saved it writes (ra for its calls, s6 for js, the BPF registers
 * it names) and whether it needs a BPF stack (it names r10).
 */
static void rv_func_frame(struct rv_ctx *c, uint32_t pc)
{
	bool uses[KBPF_JIT_REG_AX + 1] = { false };
	uint32_t i;
	int r;

	for (i = pc; i < c->func_end; i++)
		for (r = 6; r <= KBPF_JIT_REG_AX; r++)
			uses[r] |= c->in->insns[i].dst_reg == r ||
				   c->in->insns[i].src_reg == r;
	c->save_mask = 0x01 | 0x40; /* ra, s6 */
	for (r = 6; r <= 10; r++)
		if (uses[r])
			c->save_mask |= (uint8_t)(1u << (r - 5)); /* s1-s5 */
	if (uses[KBPF_JIT_REG_AX])
		c->save_mask |= 0x80; /* s7 */
	c->frame = uses[10] ? RV_FRAME : RV_SAVE;
	/* checked code: r10 is always the frame's top in the run's frames */
	if (c->checked) {
		c->save_mask |= 1u << 5; /* s5 */
		c->frame = RV_SAVE;
	}
}

/*
 * Checked code: a function's frame (at its entry, js in s6) is the next
 * KBPF_STACK_SIZE bytes of the run's: (*js->chk_depth)++, r10 its top,
 * CLIM grows.
 */
static void rv_chk_enter(struct rv_ctx *c)
{
	rv_ld(c, RV_T0, JS_OFF(chk_depth), RV_JS);
	rv_lwu(c, RV_T1, 0, RV_T0);
	rv_addi(c, RV_T1, RV_T1, 1);
	rv_sw(c, RV_T1, 0, RV_T0);
	rv_li(c, RV_T2, KBPF_STACK_SIZE);
	rv_emit(c, rv_r(1, RV_T2, RV_T1, 0, RV_T1, OP_REG)); /* mul */
	rv_emit(c, rv_r(0, RV_T1, RV_CSTK, 0, rv_reg[10], OP_REG));
	rv_add_imm(c, RV_CLIM, RV_CLIM, KBPF_STACK_SIZE);
}

/* Its exit: the frame is no longer in use. */
static void rv_chk_leave(struct rv_ctx *c)
{
	rv_ld(c, RV_T0, JS_OFF(chk_depth), RV_JS);
	rv_lwu(c, RV_T1, 0, RV_T0);
	rv_addi(c, RV_T1, RV_T1, -1);
	rv_sw(c, RV_T1, 0, RV_T0);
	rv_add_imm(c, RV_CLIM, RV_CLIM, -(int64_t)KBPF_STACK_SIZE);
}

/*
 * Return with r0 in a5: a bpf-to-bpf caller takes it from there and keeps
 * the callee's r1-r5 (a0-a4), as the interpreter does; the entry stub
 * moves it to a0 for C.
 */
static void rv_epilogue(struct rv_ctx *c)
{
	if (c->checked)
		rv_chk_leave(c);
	for (int i = 0; i < 8; i++)
		if (c->save_mask & (1u << i))
			rv_ld(c, rv_fn_saved[i], i * 8, RV_SP);
	if (rv_fits(c->frame, 12)) {
		rv_addi(c, RV_SP, RV_SP, c->frame);
	} else {
		rv_li(c, RV_T0, c->frame);
		rv_emit(c, rv_r(0, RV_T0, RV_SP, 0, RV_SP, OP_REG));
	}
	rv_emit(c, rv_i(0, RV_RA, 0, RV_ZERO, OP_JALR));
}

static void rv_prologue(struct rv_ctx *c)
{
	if (rv_fits(-c->frame, 12)) {
		rv_addi(c, RV_SP, RV_SP, -c->frame);
	} else {
		rv_li(c, RV_T0, c->frame);
		rv_emit(c, rv_r(0x20, RV_T0, RV_SP, 0, RV_SP, OP_REG));
	}
	for (int i = 0; i < 8; i++)
		if (c->save_mask & (1u << i))
			rv_sd(c, rv_fn_saved[i], i * 8, RV_SP);
	if (c->frame == RV_SAVE) {
		/* no r10 in this function: no BPF stack */
	} else if (rv_fits(c->frame, 12)) {
		rv_addi(c, rv_reg[10], RV_SP, c->frame);
	} else {
		rv_li(c, RV_T0, c->frame);
		rv_emit(c, rv_r(0, RV_T0, RV_SP, 0, rv_reg[10], OP_REG));
	}
	/*
	 * r0 comes in t2: the caller's r0 from a bpf-to-bpf call (the
	 * interpreter's callee starts with it), 0 from the entry stub.
	 */
	rv_mv(c, RV_JS, RV_A5);
	rv_mv(c, rv_reg[0], RV_T2);
	if (c->checked)
		rv_chk_enter(c);
}

/* ---- ALU ---- */

/*
 * The register-register form of a BPF ALU op: funct7 and funct3 of the
 * OP / OP-32 encoding, or -1.
 */
static int rv_alu_rr(uint8_t op, bool is64, uint32_t *f7, uint32_t *f3)
{
	switch (op) {
	case BPF_ADD:
		*f7 = 0, *f3 = 0;
		return 0;
	case BPF_SUB:
		*f7 = 0x20, *f3 = 0;
		return 0;
	case BPF_MUL:
		*f7 = 1, *f3 = 0;
		return 0;
	case BPF_OR:
		*f7 = 0, *f3 = 6;
		return is64 ? 0 : 1;
	case BPF_AND:
		*f7 = 0, *f3 = 7;
		return is64 ? 0 : 1;
	case BPF_XOR:
		*f7 = 0, *f3 = 4;
		return is64 ? 0 : 1;
	case BPF_LSH:
		*f7 = 0, *f3 = 1;
		return 0;
	case BPF_RSH:
		*f7 = 0, *f3 = 5;
		return 0;
	case BPF_ARSH:
		*f7 = 0x20, *f3 = 5;
		return 0;
	default:
		return -1;
	}
}

/* dst = bswap of its low @bits bits (the rest cleared). */
static void rv_bswap(struct rv_ctx *c, unsigned int rd, unsigned int bits)
{
	unsigned int n = bits / 8;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int t = i == 0 ? RV_T1 : RV_T0;

		if (i)
			rv_srli(c, t, rd, 8 * i);
		rv_emit(c, rv_i(0xff, i ? t : rd, 7, t, OP_IMM));
		if (n - 1 - i)
			rv_slli(c, t, t, 8 * (n - 1 - i));
		if (i)
			rv_emit(c, rv_r(0, RV_T0, RV_T1, 6, RV_T1, OP_REG));
	}
	rv_mv(c, rd, RV_T1);
}

static int rv_alu(struct rv_ctx *c, const struct bpf_insn *insn)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_ALU64;
	uint8_t op = BPF_OP(insn->code);
	unsigned int rd = rv_reg[insn->dst_reg];
	unsigned int rs = rv_reg[insn->src_reg];
	bool k = BPF_SRC(insn->code) == BPF_K;
	int32_t imm = insn->imm;
	uint32_t f7, f3;
	int kind;

	switch (op) {
	case BPF_MOV:
		if (k) {
			rv_li(c, rd,
			      is64 ? (int64_t)imm : (int64_t)(uint32_t)imm);
			return 0;
		}
		if (insn->off == 8 || insn->off == 16) {
			unsigned int sh = 64 - (unsigned int)insn->off;

			rv_slli(c, rd, rs, sh);
			rv_srai(c, rd, rd, sh);
			if (!is64)
				rv_zext32(c, rd, rd);
		} else if (is64 && insn->off == 32) {
			rv_sext32(c, rd, rs);
		} else if (is64) {
			rv_mv(c, rd, rs);
		} else {
			rv_zext32(c, rd, rs);
		}
		return 0;
	case BPF_NEG:
		rv_emit(c, rv_r(0x20, rd, RV_ZERO, 0, rd,
				is64 ? OP_REG : OP_REG32));
		if (!is64)
			rv_zext32(c, rd, rd);
		return 0;
	case BPF_END:
		if (insn->imm != 16 && insn->imm != 32 && insn->imm != 64)
			imm = 64;
		if (!is64 && BPF_SRC(insn->code) == BPF_TO_LE) {
			if (imm != 64) {
				rv_slli(c, rd, rd, 64 - (unsigned int)imm);
				rv_srli(c, rd, rd, 64 - (unsigned int)imm);
			}
			return 0;
		}
		rv_bswap(c, rd, (unsigned int)imm);
		return 0;
	case BPF_DIV:
	case BPF_MOD: {
		bool sgn = insn->off == 1;
		bool div = op == BPF_DIV;
		uint32_t fop = div ? (sgn ? 4 : 5) : (sgn ? 6 : 7);
		size_t skip = 0, done = 0;

		if (k) {
			if ((is64 && imm == 0) ||
			    (!is64 && (uint32_t)imm == 0)) {
				/* by 0: div gives 0, mod keeps the dividend. */
				if (div)
					rv_li(c, rd, 0);
				else if (!is64)
					rv_zext32(c, rd, rd);
				return 0;
			}
			rv_li(c, RV_T1, imm);
			rs = RV_T1;
		} else if (div) {
			/* Divisor 0 (its low half, in 32 bits): dst = 0. */
			unsigned int z = rs;

			if (!is64) {
				rv_sext32(c, RV_T1, rs);
				z = RV_T1;
			}
			skip = rv_fwd(c);
			rv_emit(c, rv_r(1, rs, rd, fop, rd,
					is64 ? OP_REG : OP_REG32));
			done = rv_fwd(c);
			rv_fwd_branch(c, skip, BR_EQ, z, RV_ZERO);
			rv_li(c, rd, 0);
			rv_fwd_jal(c, done);
			if (!is64)
				rv_zext32(c, rd, rd);
			return 0;
		}
		/* remu/rem by 0 give the dividend, as BPF wants. */
		rv_emit(c, rv_r(1, rs, rd, fop, rd, is64 ? OP_REG : OP_REG32));
		if (!is64)
			rv_zext32(c, rd, rd);
		return 0;
	}
	default:
		break;
	}

	kind = rv_alu_rr(op, is64, &f7, &f3);
	if (kind < 0)
		return -KBPF_EOPNOTSUPP;
	if (k) {
		bool shift = op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH;

		if (shift) {
			unsigned int sh = (uint32_t)imm & (is64 ? 63 : 31);

			rv_emit(c, rv_i((int32_t)((f7 << 5) | sh), rd, f3, rd,
					is64 ? OP_IMM : OP_IMM32));
			if (!is64)
				rv_zext32(c, rd, rd);
			return 0;
		}
		if (op == BPF_SUB && imm != INT32_MIN &&
		    rv_fits(-(int64_t)imm, 12)) {
			rv_emit(c, rv_i(-imm, rd, 0, rd,
					is64 ? OP_IMM : OP_IMM32));
			if (!is64)
				rv_zext32(c, rd, rd);
			return 0;
		}
		if (op != BPF_SUB && op != BPF_MUL && rv_fits(imm, 12)) {
			rv_emit(c, rv_i(imm, rd, f3, rd,
					is64 || kind ? OP_IMM : OP_IMM32));
			if (!is64)
				rv_zext32(c, rd, rd);
			return 0;
		}
		rv_li(c, RV_T1, imm);
		rs = RV_T1;
	}
	rv_emit(c, rv_r(f7, rs, rd, f3, rd, is64 || kind ? OP_REG : OP_REG32));
	if (!is64)
		rv_zext32(c, rd, rd);
	return 0;
}

/* ---- memory ---- */

static int rv_mem(struct rv_ctx *c, const struct bpf_insn *insn)
{
	static const uint32_t ld_f3[4] = { 6, 5, 4, 3 }; /* W H B DW */
	static const uint32_t ldsx_f3[4] = { 2, 1, 0, 3 }; /* W H B - */
	static const uint32_t st_f3[4] = { 2, 1, 0, 3 };
	unsigned int sz = BPF_SIZE(insn->code) >> 3;
	int32_t off = insn->off;
	unsigned int base;

	switch (BPF_CLASS(insn->code)) {
	case BPF_LDX:
		if (BPF_MODE(insn->code) == BPF_MEMSX && sz == 3)
			return -KBPF_EOPNOTSUPP;
		base = rv_addr(c, rv_reg[insn->src_reg], &off, RV_T0);
		rv_emit(c,
			rv_i(off, base,
			     BPF_MODE(insn->code) == BPF_MEMSX ? ldsx_f3[sz] :
								 ld_f3[sz],
			     rv_reg[insn->dst_reg], OP_LOAD));
		return 0;
	case BPF_STX:
		base = rv_addr(c, rv_reg[insn->dst_reg], &off, RV_T0);
		rv_emit(c, rv_s(off, rv_reg[insn->src_reg], base, st_f3[sz]));
		return 0;
	default: /* BPF_ST */
		rv_li(c, RV_T1, insn->imm);
		base = rv_addr(c, rv_reg[insn->dst_reg], &off, RV_T0);
		rv_emit(c, rv_s(off, RV_T1, base, st_f3[sz]));
		return 0;
	}
}

static uint32_t rv_amo(uint32_t f5, bool aqrl, unsigned int rs2,
		       unsigned int rs1, bool dw, unsigned int rd)
{
	return f5 << 27 | (aqrl ? 3u : 0u) << 25 | (uint32_t)rs2 << 20 |
	       (uint32_t)rs1 << 15 | (dw ? 3u : 2u) << 12 | (uint32_t)rd << 7 |
	       OP_AMO;
}

static void rv_fence(struct rv_ctx *c, uint32_t pred, uint32_t succ)
{
	rv_emit(c, pred << 24 | succ << 20 | OP_FENCE);
}

static int rv_atomic(struct rv_ctx *c, const struct bpf_insn *insn)
{
	static const uint32_t ld_f3[4] = { 6, 5, 4, 3 };
	static const uint32_t st_f3[4] = { 2, 1, 0, 3 };
	unsigned int sz = BPF_SIZE(insn->code) >> 3;
	bool dw = BPF_SIZE(insn->code) == BPF_DW;
	unsigned int rd = rv_reg[insn->dst_reg];
	unsigned int rs = rv_reg[insn->src_reg];
	int32_t off = insn->off;
	unsigned int addr;
	uint32_t f5;
	size_t loop, out1;

	if (insn->imm == BPF_LOAD_ACQ) {
		addr = rv_addr(c, rs, &off, RV_T0);
		rv_emit(c, rv_i(off, addr, ld_f3[sz], rd, OP_LOAD));
		rv_fence(c, 2, 3); /* fence r,rw */
		return 0;
	}
	if (insn->imm == BPF_STORE_REL) {
		addr = rv_addr(c, rd, &off, RV_T0);
		rv_fence(c, 3, 1); /* fence rw,w */
		rv_emit(c, rv_s(off, rs, addr, st_f3[sz]));
		return 0;
	}
	if (BPF_SIZE(insn->code) != BPF_W && !dw)
		return -KBPF_EOPNOTSUPP;
	switch (insn->imm & ~BPF_FETCH) {
	case BPF_ADD:
		f5 = AMO_ADD;
		break;
	case BPF_OR:
		f5 = AMO_OR;
		break;
	case BPF_AND:
		f5 = AMO_AND;
		break;
	case BPF_XOR:
		f5 = AMO_XOR;
		break;
	case BPF_XCHG & ~BPF_FETCH:
		if (insn->imm != BPF_XCHG)
			return -KBPF_EOPNOTSUPP;
		f5 = AMO_SWAP;
		break;
	case BPF_CMPXCHG & ~BPF_FETCH:
		if (insn->imm != BPF_CMPXCHG)
			return -KBPF_EOPNOTSUPP;
		f5 = AMO_LR;
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}

	/* AMOs take no offset: the address in a register. */
	addr = rd;
	if (off) {
		if (rv_fits(off, 12))
			rv_addi(c, RV_T0, rd, off);
		else
			rv_addr(c, rd, &off, RV_T0);
		addr = RV_T0;
	}
	if (f5 == AMO_LR) {
		/* r0 = cmpxchg(addr, r0, src); lr.w sign-extends. */
		unsigned int r0 = rv_reg[0], cmp = r0;

		if (!dw) {
			rv_sext32(c, RV_T2, r0);
			cmp = RV_T2;
		}
		loop = c->pos;
		rv_emit(c, rv_amo(AMO_LR, true, RV_ZERO, addr, dw, RV_T1));
		out1 = rv_fwd(c);
		rv_emit(c, rv_amo(AMO_SC, true, rs, addr, dw, RV_T3));
		rv_emit(c,
			rv_b((int32_t)(loop - c->pos), RV_T3, RV_ZERO, BR_NE));
		rv_fwd_branch(c, out1, BR_NE, RV_T1, cmp);
		if (dw)
			rv_mv(c, r0, RV_T1);
		else
			rv_zext32(c, r0, RV_T1);
		return 0;
	}
	if (!(insn->imm & BPF_FETCH)) {
		rv_emit(c, rv_amo(f5, false, rs, addr, dw, RV_ZERO));
		return 0;
	}
	rv_emit(c, rv_amo(f5, true, rs, addr, dw, RV_T1));
	if (dw)
		rv_mv(c, rs, RV_T1);
	else
		rv_zext32(c, rs, RV_T1);
	return 0;
}

/* ---- jumps ---- */

static int rv_jmp_cond(struct rv_ctx *c, const struct bpf_insn *insn,
		       uint32_t pc)
{
	bool is64 = BPF_CLASS(insn->code) == BPF_JMP;
	unsigned int a = rv_reg[insn->dst_reg];
	unsigned int b = rv_reg[insn->src_reg];
	uint32_t t = (uint32_t)((int64_t)pc + 1 + insn->off);
	uint32_t f3;
	bool swap = false;

	if (BPF_SRC(insn->code) == BPF_K) {
		if (insn->imm == 0) {
			b = RV_ZERO;
		} else {
			rv_li(c, RV_T1, insn->imm);
			b = RV_T1;
		}
	}
	if (!is64) {
		/*
		 * Sign-extending both low halves keeps ==, and both the
		 * signed and the unsigned order of the 32-bit values.
		 */
		rv_sext32(c, RV_T0, a);
		a = RV_T0;
		if (b != RV_ZERO && b != RV_T1) {
			rv_sext32(c, RV_T2, b);
			b = RV_T2;
		}
	}
	switch (BPF_OP(insn->code)) {
	case BPF_JEQ:
		f3 = BR_EQ;
		break;
	case BPF_JNE:
		f3 = BR_NE;
		break;
	case BPF_JGT:
		f3 = BR_LTU, swap = true;
		break;
	case BPF_JGE:
		f3 = BR_GEU;
		break;
	case BPF_JLT:
		f3 = BR_LTU;
		break;
	case BPF_JLE:
		f3 = BR_GEU, swap = true;
		break;
	case BPF_JSGT:
		f3 = BR_LT, swap = true;
		break;
	case BPF_JSGE:
		f3 = BR_GE;
		break;
	case BPF_JSLT:
		f3 = BR_LT;
		break;
	case BPF_JSLE:
		f3 = BR_GE, swap = true;
		break;
	case BPF_JSET:
		rv_emit(c, rv_r(0, b, a, 7, RV_T0, OP_REG));
		if (!is64)
			rv_sext32(c, RV_T0, RV_T0);
		rv_branch(c, BR_NE, RV_T0, RV_ZERO, t);
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	if (swap)
		rv_branch(c, f3, b, a, t);
	else
		rv_branch(c, f3, a, b, t);
	return 0;
}

/*
 * A resolved helper call (site @s): r0 = fn(run, r1..r5); a run error or
 * a pending tail call (a tail-call site) ends in the abort path.
 */
static void rv_helper_call(struct rv_ctx *c, const struct kbpf_interp_site *s,
			   bool tail)
{
	const int32_t run_off = (int32_t)offsetof(struct kbpf_jit_state, run);
	size_t ok;

	if (tail)
		rv_sd(c, RV_A0,
		      (int32_t)offsetof(struct kbpf_jit_state, tail_r1), RV_JS);
	for (unsigned int r = RV_A5; r > RV_A0; r--)
		rv_mv(c, r, r - 1);
	rv_ld(c, RV_A0, run_off, RV_JS);
	rv_call_abs(c, (uintptr_t)s->h->fn);
	rv_mv(c, rv_reg[0], RV_A0);
	rv_ld(c, RV_T0, run_off, RV_JS);
	rv_emit(c, rv_i((int32_t)offsetof(struct kbpf_run, error), RV_T0, 2,
			RV_T1, OP_LOAD));
	ok = rv_fwd(c);
	rv_abort(c, RV_T1);
	rv_fwd_branch(c, ok, BR_EQ, RV_T1, RV_ZERO);
	if (tail) {
		rv_ld(c, RV_T1, (int32_t)offsetof(struct kbpf_run, tail_call),
		      RV_T0);
		ok = rv_fwd(c);
		rv_li(c, RV_T1, KBPF_JIT_TAIL_CALL);
		rv_abort(c, RV_T1);
		rv_fwd_branch(c, ok, BR_EQ, RV_T1, RV_ZERO);
	}
}

/* A local function: its address needs no GOT entry (core_symbols). */
static uint32_t rv_this_cpu_fn(struct kbpf_jit_state *js)
{
	return kbpf_jit_this_cpu(js);
}

/*
 * The image's call opcodes (imm: the site). The map sites need no check
 * of r1: the image's data flow found the site's map in r1 on every path
 * from every function entry, and native code is entered only at function
 * entries (jit.h).
 */
static int rv_site(struct rv_ctx *c, const struct bpf_insn *insn)
{
	const struct kbpf_interp_site *s;
	bool tail;
	size_t miss;
	uintptr_t fn;

	if ((uint32_t)insn->imm >= c->in->nr_sites)
		return -KBPF_EOPNOTSUPP;
	s = &c->in->sites[insn->imm];
	tail = c->in->site_flags &&
	       (c->in->site_flags[insn->imm] & KBPF_JIT_SITE_TAIL_CALL);
	if (!s->h || !s->h->fn)
		return -KBPF_EOPNOTSUPP;

	switch (insn->code) {
	case KBPF_INTERP_OP_CALL:
		rv_helper_call(c, s, tail);
		return 0;
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
		rv_lwu(c, RV_T1, 0, RV_A1);
		rv_li(c, RV_T2, s->max_entries);
		rv_li(c, rv_reg[0], 0);
		miss = rv_fwd(c);
		if (s->index_mask != UINT32_MAX) {
			/* the Spectre v1 mask (and t1, t1, t2) */
			rv_li(c, RV_T2, s->index_mask);
			rv_emit(c, rv_r(0, RV_T2, RV_T1, 7, RV_T1, OP_REG));
		}
		rv_li(c, RV_T2, s->elem_size);
		rv_emit(c, rv_r(1, RV_T2, RV_T1, 0, RV_T1, OP_REG));
		if (insn->code == KBPF_INTERP_OP_LOOKUP_PERCPU) {
			/*
			 * + the running CPU's area: kbpf_jit_this_cpu() (the
			 * host's cpu_id, as the map's own lookup) times the
			 * stride; the offset waits on the stack (16 bytes, sp
			 * stays aligned), the call clobbers r0-r5 as a helper's
			 * (r0 is set below). LP64 sign-extends a u32 result.
			 */
			rv_addi(c, RV_SP, RV_SP, -16);
			rv_sd(c, RV_T1, 0, RV_SP);
			rv_mv(c, RV_A0, RV_JS);
			rv_call_abs(c, (uintptr_t)rv_this_cpu_fn);
			rv_ld(c, RV_T1, 0, RV_SP);
			rv_addi(c, RV_SP, RV_SP, 16);
			rv_zext32(c, RV_A0, RV_A0);
			rv_li(c, RV_T2, (int64_t)s->cpu_stride);
			rv_emit(c, rv_r(1, RV_T2, RV_A0, 0, RV_T2, OP_REG));
			rv_emit(c, rv_r(0, RV_T2, RV_T1, 0, RV_T1, OP_REG));
		}
		rv_li(c, rv_reg[0], (int64_t)(uintptr_t)s->base);
		rv_emit(c, rv_r(0, RV_T1, rv_reg[0], 0, rv_reg[0], OP_REG));
		/* t2 is still max_entries where the branch sits */
		rv_fwd_branch(c, miss, BR_GEU, RV_T1, RV_T2);
		return 0;
	case KBPF_INTERP_OP_LOOKUP_CALL:
	case KBPF_INTERP_OP_UPDATE_CALL:
	case KBPF_INTERP_OP_DELETE_CALL:
		if (insn->code == KBPF_INTERP_OP_LOOKUP_CALL && s->lookup_cpu) {
			/* The run's CPU: the helper reads it (jit.h). */
			rv_helper_call(c, s, tail);
			return 0;
		}
		fn = insn->code == KBPF_INTERP_OP_LOOKUP_CALL ?
			     (uintptr_t)s->lookup :
		     insn->code == KBPF_INTERP_OP_UPDATE_CALL ?
			     (uintptr_t)s->update :
			     (uintptr_t)s->delete_elem;
		if (!fn)
			return -KBPF_EOPNOTSUPP;
		/* a0 is the map already, a1 the key, a2 the value, a3 flags. */
		rv_call_abs(c, fn);
		rv_mv(c, rv_reg[0], RV_A0);
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

/*
 * A local function, so that taking its address needs no GOT entry (a
 * kernel has none: core_symbols checks the core on the build's host).
 */
static uint64_t rv_ld_pkt_call(struct kbpf_jit_state *js, int64_t off,
			       uint32_t size)
{
	return kbpf_jit_ld_pkt(js, off, size);
}

/*
 * LD_ABS / LD_IND: r0 = kbpf_jit_ld_pkt(js, off, size), or 0 and return.
 * Fast code lets the call clobber r1-r5 (jit.h: as a helper call); checked
 * code keeps them, as the checked interpreter does.
 */
static int rv_ld_pkt(struct rv_ctx *c, const struct bpf_insn *insn)
{
	size_t ok;

	if (c->checked)
		rv_push_r0_r5(c, 48);
	if (BPF_MODE(insn->code) == BPF_IND) {
		rv_li(c, RV_T1, insn->imm);
		rv_emit(c, rv_r(0, RV_T1, rv_reg[insn->src_reg], 0, RV_A1,
				OP_REG32));
	} else {
		rv_li(c, RV_A1, insn->imm);
	}
	rv_mv(c, RV_A0, RV_JS);
	rv_li(c, RV_A2,
	      BPF_SIZE(insn->code) == BPF_W ? 4 :
	      BPF_SIZE(insn->code) == BPF_H ? 2 :
					      1);
	rv_call_abs(c, (uintptr_t)rv_ld_pkt_call);
	rv_mv(c, rv_reg[0], RV_A0);
	if (c->checked) {
		/* r1-r5 back; r0 (a5) is the load's, not the saved one */
		for (int i = 1; i <= 5; i++)
			rv_ld(c, rv_reg[i], i * 8, RV_SP);
		rv_addi(c, RV_SP, RV_SP, 48);
	}
	rv_lwu(c, RV_T0, (int32_t)offsetof(struct kbpf_jit_state, pkt_fail),
	       RV_JS);
	ok = rv_fwd(c);
	rv_li(c, rv_reg[0], 0);
	rv_exit(c);
	rv_fwd_branch(c, ok, BR_EQ, RV_T0, RV_ZERO);
	return 0;
}

static int rv_pseudo_call(struct rv_ctx *c, const struct bpf_insn *insn,
			  uint32_t pc)
{
	const int32_t depth = (int32_t)offsetof(struct kbpf_jit_state, depth);
	uint32_t t = (uint32_t)((int64_t)pc + 1 + insn->imm);
	size_t ok;

	if (t >= c->in->len || !c->in->is_func || !c->in->is_func[t])
		return -KBPF_EOPNOTSUPP;
	rv_lwu(c, RV_T0, depth, RV_JS);
	rv_addi(c, RV_T0, RV_T0, 1);
	rv_li(c, RV_T1, KBPF_MAX_CALL_FRAMES);
	ok = rv_fwd(c);
	rv_li(c, RV_T1, -KBPF_ELOOP);
	rv_abort(c, RV_T1);
	rv_fwd_branch(c, ok, BR_LTU, RV_T0, RV_T1);
	rv_sw(c, RV_T0, depth, RV_JS);
	rv_mv(c, RV_T2, rv_reg[0]);
	rv_mv(c, RV_A5, RV_JS);
	rv_jump(c, rv_off(c, t), RV_RA);
	rv_lwu(c, RV_T0, depth, RV_JS);
	rv_addi(c, RV_T0, RV_T0, -1);
	rv_sw(c, RV_T0, depth, RV_JS);
	return 0;
}

/* ---- checked code (jit.h, docs/design/jit.md "Checked native code") ---- */

/*
 * CHECK_MEM(base + off, 1 << lg bytes, write), and CHECK_ALIGN for
 * @atomic. The frames in use are [CSTK, CSTK + CLIM + 8): the access is in
 * them if addr + bytes - 8 - CSTK <= CLIM, unsigned (the lowest 8 - bytes
 * bytes of the first frame fail that and go the slow way, which allows
 * them). Then the value the last call site handed out (checked.c), then
 * the thunk. An access at a constant offset of r10 inside the function's
 * own frame needs no test: r10 is never written (@c->r10_fixed) and its
 * frame is in use. t0 and t1 clobbered (and t3, ra by the thunk's call).
 */
static void rv_chk_mem(struct rv_ctx *c, uint8_t bpf_base, int32_t off,
		       unsigned int lg, bool write, bool atomic)
{
	unsigned int base = rv_reg[bpf_base];
	int32_t bytes = 1 << lg;
	size_t ok, ok2;

	if (bpf_base == BPF_REG_10 && c->r10_fixed && off >= -KBPF_STACK_SIZE &&
	    off + bytes <= 0 && (!atomic || !(off & (bytes - 1))))
		return;
	rv_add_imm(c, RV_T0, base, (int64_t)off + bytes - 8);
	rv_emit(c, rv_r(0x20, RV_CSTK, RV_T0, 0, RV_T0, OP_REG)); /* sub */
	ok = rv_fwd(c); /* bgeu CLIM, t0: ok */
	rv_add_imm(c, RV_T0, base, off);
	rv_ld(c, RV_T1, JS_OFF(chk_vlo), RV_JS);
	rv_emit(c, rv_r(0x20, RV_T1, RV_T0, 0, RV_T0, OP_REG));
	rv_ld(c, RV_T1,
	      JS_OFF(chk_vlim) + (int32_t)sizeof(uint64_t) *
					 ((write ? 4 : 0) + (int32_t)lg),
	      RV_JS);
	ok2 = rv_fwd(c); /* bltu t0, t1: ok */
	rv_add_imm(c, RV_T0, base, off);
	rv_li(c, RV_T1, bytes | (write ? 0x100 : 0));
	rv_jump(c, c->chk_thunk, RV_RA);
	rv_fwd_branch(c, ok, BR_GEU, RV_CLIM, RV_T0);
	rv_fwd_branch(c, ok2, BR_LTU, RV_T0, RV_T1);
	if (atomic && lg) {
		rv_add_imm(c, RV_T0, base, off);
		rv_emit(c, rv_i(bytes - 1, RV_T0, 7, RV_T0, OP_IMM)); /* andi */
		rv_branch_to(c, BR_NE, RV_T0, RV_ZERO, c->chk_efault);
	}
}

/* A call site: the checked interpreter's path, r1-r5 kept. */
static int rv_chk_site(struct rv_ctx *c, const struct bpf_insn *insn)
{
	if ((uint32_t)insn->imm >= c->in->nr_sites ||
	    (c->in->site_flags &&
	     (c->in->site_flags[insn->imm] & KBPF_JIT_SITE_TAIL_CALL)))
		return -KBPF_EOPNOTSUPP;
	rv_chk_budget_out(c);
	rv_push_r0_r5(c, 48);
	rv_mv(c, RV_A0, RV_JS);
	rv_li(c, RV_A1, (int64_t)(uintptr_t)&c->in->sites[insn->imm]);
	rv_li(c, RV_A2, insn->code);
	rv_mv(c, RV_A3, RV_SP);
	rv_call_abs(c, (uintptr_t)rv_chk_site_fn);
	rv_mv(c, RV_T0, RV_A0);
	rv_pop_r0_r5(c, 48);
	rv_chk_budget_in(c);
	rv_branch_to(c, BR_NE, RV_T0, RV_ZERO, c->chk_err);
	return 0;
}

/* A bpf-to-bpf call at @pc of the function at instruction @t. */
static void rv_chk_bpf_call(struct rv_ctx *c, uint32_t pc, uint32_t t)
{
	rv_chk_charge(c, pc, t);
	rv_ld(c, RV_T0, JS_OFF(chk_depth), RV_JS);
	rv_lwu(c, RV_T0, 0, RV_T0);
	rv_li(c, RV_T1, KBPF_MAX_CALL_FRAMES);
	rv_branch_to(c, BR_GEU, RV_T0, RV_T1, c->chk_eloop);
	rv_mv(c, RV_T2, rv_reg[0]);
	rv_mv(c, RV_A5, RV_JS);
	rv_jump(c, rv_off(c, t), RV_RA);
	/* The callee's exit left K = budget: seg is the next instruction. */
	rv_add_imm(c, RV_K, RV_K, (int64_t)pc + 1);
	rv_li(c, RV_T0, (int64_t)pc + 1);
	rv_sd(c, RV_T0, JS_OFF(chk_seg), RV_JS);
}

/*
 * Checked code's form of @insn, or 1 if it is the fast form (after the
 * access check emitted here for loads, stores and atomics).
 */
static int rv_chk_insn(struct rv_ctx *c, const struct bpf_insn *insn,
		       uint32_t pc)
{
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code);
	static const uint8_t lgs[4] = { 2, 1, 0, 3 }; /* W H B DW */
	unsigned int lg = lgs[BPF_SIZE(insn->code) >> 3];
	int64_t t;

	/* register 11 is constant blinding's: checked code is not blinded */
	if (insn->dst_reg == KBPF_JIT_REG_AX ||
	    (insn->src_reg == KBPF_JIT_REG_AX &&
	     insn->code != (BPF_JMP | BPF_CALL) &&
	     insn->code != (BPF_LD | BPF_IMM | BPF_DW)))
		return -KBPF_EOPNOTSUPP;
	if (kbpf_interp_is_site_op(insn->code))
		return rv_chk_site(c, insn);
	switch (insn->code) {
	case BPF_JMP | BPF_CALL:
		t = (int64_t)pc + 1 + insn->imm;
		if (insn->src_reg != BPF_PSEUDO_CALL || t < 0 ||
		    t >= c->in->len || !c->in->is_func || !c->in->is_func[t])
			return -KBPF_EOPNOTSUPP;
		rv_chk_bpf_call(c, pc, (uint32_t)t);
		return 0;
	case BPF_JMP | BPF_EXIT:
		rv_chk_charge(c, pc, -1);
		rv_exit(c);
		return 0;
	case BPF_JMP | BPF_JCOND:
		/* may_goto: taken when *js->chk_may_goto is 0, else -1 */
		t = (int64_t)pc + 1 + insn->off;
		if (insn->src_reg || t < 0 || t >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		rv_ld(c, RV_T2, JS_OFF(chk_may_goto), RV_JS);
		rv_lwu(c, RV_T3, 0, RV_T2);
		rv_branch(c, BR_EQ, RV_T3, RV_ZERO, (uint32_t)t);
		rv_addi(c, RV_T3, RV_T3, -1);
		rv_sw(c, RV_T3, 0, RV_T2);
		return 0;
	}
	if (cls == BPF_LDX && (mode == BPF_MEM || mode == BPF_MEMSX))
		rv_chk_mem(c, insn->src_reg, insn->off, lg, false, false);
	else if ((cls == BPF_STX || cls == BPF_ST) && mode == BPF_MEM)
		rv_chk_mem(c, insn->dst_reg, insn->off, lg, true, false);
	else if (cls == BPF_STX && mode == BPF_ATOMIC)
		rv_chk_mem(c,
			   insn->imm == BPF_LOAD_ACQ ? insn->src_reg :
						       insn->dst_reg,
			   insn->off, lg, insn->imm != BPF_LOAD_ACQ, true);
	return 1;
}

/*
 * Whether no instruction writes r10 (the interpreter's validation refuses
 * most such writes; an ld_imm64 into r10 it does not).
 */
static bool rv_chk_r10_fixed(const struct kbpf_jit_in *in)
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

static int rv_insn(struct rv_ctx *c, const struct bpf_insn *insn, uint32_t pc)
{
	uint8_t code = insn->code;

	if (insn->dst_reg > KBPF_JIT_REG_AX || insn->src_reg > KBPF_JIT_REG_AX)
		return -KBPF_EOPNOTSUPP;
	if (c->checked) {
		int r = rv_chk_insn(c, insn, pc);

		if (r != 1)
			return r;
	}
	switch (code) {
	case KBPF_INTERP_OP_CALL:
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
	case KBPF_INTERP_OP_LOOKUP_CALL:
	case KBPF_INTERP_OP_UPDATE_CALL:
	case KBPF_INTERP_OP_DELETE_CALL:
		return rv_site(c, insn);
	case BPF_LD | BPF_IMM | BPF_DW:
		if (pc + 1 >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		if (insn->src_reg == BPF_PSEUDO_FUNC)
			rv_li(c, rv_reg[insn->dst_reg],
			      (int64_t)pc + 1 + insn->imm);
		else
			rv_li(c, rv_reg[insn->dst_reg],
			      (int64_t)((uint64_t)(uint32_t)insn->imm |
					(uint64_t)(uint32_t)insn[1].imm << 32));
		return 0;
	case BPF_JMP | BPF_JA:
		rv_ja(c, (uint32_t)((int64_t)pc + 1 + insn->off));
		return 0;
	case BPF_JMP32 | BPF_JA:
		rv_ja(c, (uint32_t)((int64_t)pc + 1 + insn->imm));
		return 0;
	case BPF_JMP | BPF_JCOND: {
		const int32_t mg =
			(int32_t)offsetof(struct kbpf_jit_state, may_goto);

		rv_lwu(c, RV_T0, mg, RV_JS);
		rv_branch(c, BR_EQ, RV_T0, RV_ZERO,
			  (uint32_t)((int64_t)pc + 1 + insn->off));
		rv_addi(c, RV_T0, RV_T0, -1);
		rv_sw(c, RV_T0, mg, RV_JS);
		return 0;
	}
	case BPF_JMP | BPF_CALL:
		if (insn->src_reg == BPF_PSEUDO_CALL)
			return rv_pseudo_call(c, insn, pc);
		return -KBPF_EOPNOTSUPP;
	case BPF_JMP | BPF_EXIT:
		rv_exit(c);
		return 0;
	default:
		break;
	}

	switch (BPF_CLASS(code)) {
	case BPF_ALU:
	case BPF_ALU64:
		if (BPF_OP(code) == BPF_END && BPF_CLASS(code) == BPF_ALU64 &&
		    BPF_SRC(code) != BPF_TO_LE)
			return -KBPF_EOPNOTSUPP;
		return rv_alu(c, insn);
	case BPF_LDX:
		if (BPF_MODE(code) != BPF_MEM && BPF_MODE(code) != BPF_MEMSX)
			return -KBPF_EOPNOTSUPP;
		return rv_mem(c, insn);
	case BPF_ST:
		/* KBPF_NOSPEC: nothing, as Linux 6.18's riscv64 JIT. */
		if (code == KBPF_NOSPEC)
			return 0;
		if (BPF_MODE(code) != BPF_MEM)
			return -KBPF_EOPNOTSUPP;
		return rv_mem(c, insn);
	case BPF_STX:
		if (BPF_MODE(code) == BPF_MEM)
			return rv_mem(c, insn);
		if (BPF_MODE(code) == BPF_ATOMIC)
			return rv_atomic(c, insn);
		return -KBPF_EOPNOTSUPP;
	case BPF_LD:
		if ((BPF_MODE(code) != BPF_ABS && BPF_MODE(code) != BPF_IND) ||
		    BPF_SIZE(code) == BPF_DW)
			return -KBPF_EOPNOTSUPP;
		return rv_ld_pkt(c, insn);
	case BPF_JMP:
	case BPF_JMP32:
		return rv_jmp_cond(c, insn, pc);
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

int kbpf_jit_emit_riscv64(const struct kbpf_jit_in *in,
			  struct kbpf_jit_out *out)
{
	struct rv_ctx c = { .in = in, .out = out, .buf = out->buf };
	uint32_t pc;
	int err;

	if (!in->len)
		return -KBPF_EOPNOTSUPP;
	c.checked = in->checked;
	c.r10_fixed = in->checked && rv_chk_r10_fixed(in);
	rv_stub(&c);
	if (c.checked)
		rv_chk_header(&c);
	for (pc = 0; pc < in->len; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];

		bool entry = pc == 0 || (in->is_func && in->is_func[pc]);

		c.pc = pc;
		if (entry && pc > 0)
			rv_epilogue(&c); /* the previous function's */
		c.shift = (int64_t)c.pos - (int64_t)out->insn_off[pc];
		out->insn_off[pc] = (uint32_t)c.pos;
		if (entry) {
			struct rv_ctx dry = { .in = in,
					      .out = out,
					      .checked = c.checked };

			c.func_end = pc + 1;
			while (c.func_end < in->len &&
			       !(in->is_func && in->is_func[c.func_end]))
				c.func_end++;
			rv_func_frame(&c, pc);
			/* Its epilogue's size, from a dry run. */
			dry.save_mask = c.save_mask;
			dry.frame = c.frame;
			rv_epilogue(&dry);
			c.epi_size = dry.pos;
			c.func = pc;
			rv_prologue(&c);
			c.prologue = c.pos - out->insn_off[pc];
		}
		err = rv_insn(&c, insn, pc);
		if (err)
			return err;
		if (c.err)
			return c.err;
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			pc++;
			out->insn_off[pc] = (uint32_t)c.pos;
		}
		if (c.pos > UINT32_MAX / 2)
			return -KBPF_E2BIG;
	}
	c.pc = in->len;
	rv_epilogue(&c);
	out->insn_off[in->len] = (uint32_t)c.pos;
	out->len = c.pos;
	out->entry_off = (uint32_t)c.chk_entry;
	if (c.buf && c.pos > out->cap)
		return -KBPF_E2BIG;
	return c.err;
}
