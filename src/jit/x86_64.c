// SPDX-License-Identifier: MIT
/*
 * The x86-64 backend of the JIT (jit.h is the contract): emits System V
 * AMD64 code for an interpreter image, with the interpreter's fast-mode
 * answers (Linux's runtime rules) for every instruction.
 *
 * Registers (the same idea as Linux's x86-64 JIT): BPF r0 rax, r1-r5 the
 * first five argument registers rdi, rsi, rdx, rcx, r8 (so a bpf-to-bpf
 * call passes them as they are), r6-r9 the callee-saved rbx, r13, r14,
 * r15, r10 (the frame pointer) rbp, register 11 (constant blinding's AX)
 * r10; the run state js lives in r12; r9 and r11 are scratch. A helper
 * takes (run, r1..r5): the arguments move up by one register and run is
 * loaded from js.
 *
 * Each native function saves only the callee-saved registers it writes
 * (rbx, r13-r15 for r6-r9 it names, rbp when it names r10; none in a main
 * function that only the entry stub enters), reserves the KBPF_STACK_SIZE
 * bytes of BPF stack with rbp at their top only when it names r10, and
 * pads the stack by 8 when that keeps it 16-byte aligned at its calls. js
 * is in r12 at every entry (the entry stub sets it, and native callers
 * have it there), so no function saves or sets r12; the 6th argument
 * (r9) still carries it, as jit.h's C-ABI contract says.
 *
 * Calls of helpers and map lookups are direct `call rel32` when the
 * target is within 2 GiB of the code, else `mov r11, imm64; call r11`;
 * both take 13 bytes (the direct form behind an 8-byte nop), so the
 * sizing passes, which do not know where the code will be, get the size
 * right. The entry stub's call of the function it is given is the only
 * other indirect branch.
 *
 * Branches between BPF instructions take the 2-byte form when the
 * distance fits: on the first sizing pass forward branches are long and
 * later passes only shrink them, so the passes converge.
 */
#include "jit.h"

#if defined(__x86_64__)

#include "core/util.h"

enum {
	RAX = 0,
	RCX = 1,
	RDX = 2,
	RBX = 3,
	RSP = 4,
	RBP = 5,
	RSI = 6,
	RDI = 7,
	R8 = 8,
	R9 = 9,
	R10 = 10,
	R11 = 11,
	R12 = 12,
	R13 = 13,
	R14 = 14,
	R15 = 15,
};

/* BPF register -> native register; register 11 is blinding's AX. */
static const uint8_t x86_reg[12] = { RAX, RDI, RSI, RDX, RCX, R8,
				     RBX, R13, R14, R15, RBP, R10 };

#define JS R12
#define TMP R11
#define TMP2 R9

_Static_assert(KBPF_STACK_SIZE % 16 == 0, "BPF stack keeps 16-byte alignment");

/* Condition codes (the low nibble of jcc). */
enum {
	CC_B = 0x2,
	CC_AE = 0x3,
	CC_E = 0x4,
	CC_NE = 0x5,
	CC_BE = 0x6,
	CC_A = 0x7,
	CC_L = 0xc,
	CC_GE = 0xd,
	CC_LE = 0xe,
	CC_G = 0xf,
};

struct x86 {
	uint8_t *buf; /* NULL on sizing passes */
	size_t cap;
	size_t pos;
	int err;
	bool first; /* first sizing pass: forward branches are long */
	/* Fixed places in the code (the header before the functions). */
	uint32_t ret_path, helper_error, tail_call, set_eloop, abort_path;
	/*
	 * The main function when no bpf-to-bpf call targets it: only the
	 * entry stub enters it, and the stub saved every callee-saved
	 * register already, so it saves none.
	 */
	bool lean_main;
	/*
	 * Checked code (jit.h): @checked, and the fixed places of its
	 * header; @chk_direct: a backward jump whose budget charge is
	 * already emitted; @chk_seg_read: some code reads js->chk_seg
	 * (chk_seg_read()), so charges store the new stretch's start there.
	 */
	bool checked, chk_direct, r10_fixed, chk_seg_read;
	uint32_t chk_efault, chk_err, chk_thunk, chk_entry;
	/*
	 * The function being emitted (emit_prologue()): its saved registers
	 * (@nsaved of @saved, pushed in order), its stack reservation below
	 * them (@frame: the BPF stack and the alignment pad) and its
	 * prologue's length (where a jump to its first instruction lands).
	 */
	uint8_t saved[5];
	uint8_t nsaved;
	uint32_t frame;
	uint32_t cur_prologue_len;
	uint32_t func_start, func_end; /* its instructions */
	/*
	 * @fuse: the conditional jump being emitted absorbs the `ja` after
	 * it (fuse_next()); @fuse_budget: instructions fuse_next() may still
	 * scan in this pass, so that compiling stays linear.
	 */
	bool fuse;
	uint32_t fuse_budget;
	const struct kbpf_jit_in *in;
	uint32_t *off;
};

static void emit1(struct x86 *c, uint8_t b)
{
	if (c->buf) {
		if (c->pos < c->cap)
			c->buf[c->pos] = b;
		else
			c->err = -KBPF_E2BIG;
	}
	c->pos++;
}

static void emit2(struct x86 *c, uint8_t a, uint8_t b)
{
	emit1(c, a);
	emit1(c, b);
}

static void emit32(struct x86 *c, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		emit1(c, (uint8_t)(v >> (8 * i)));
}

static void emit64(struct x86 *c, uint64_t v)
{
	emit32(c, (uint32_t)v);
	emit32(c, (uint32_t)(v >> 32));
}

static void patch32(struct x86 *c, size_t at, int64_t v)
{
	if (v < INT32_MIN || v > INT32_MAX)
		c->err = -KBPF_E2BIG;
	if (!c->buf || at + 4 > c->cap)
		return;
	for (int i = 0; i < 4; i++)
		c->buf[at + i] = (uint8_t)((uint64_t)v >> (8 * i));
}

static void patch8(struct x86 *c, size_t at, int64_t v)
{
	if (v < -128 || v > 127)
		c->err = -KBPF_E2BIG;
	if (c->buf && at < c->cap)
		c->buf[at] = (uint8_t)v;
}

static bool fits8(int64_t v)
{
	return v >= -128 && v <= 127;
}

/* REX prefix; @force for byte registers spl, bpl, sil, dil. */
static void rex(struct x86 *c, bool w, int reg, int rm, bool force)
{
	uint8_t b = (uint8_t)(0x40 | (w ? 8 : 0) | ((reg >> 3) & 1) << 2 |
			      ((rm >> 3) & 1));

	if (b != 0x40 || force)
		emit1(c, b);
}

static bool byte_reg(int r)
{
	return r >= RSP && r <= RDI;
}

/* "op r/m, reg" with a register r/m: @op then ModRM (11, reg, rm). */
static void op_rr(struct x86 *c, bool w, uint8_t op, int reg, int rm)
{
	rex(c, w, reg, rm, false);
	emit2(c, op, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* 0x0f-prefixed form; @force: REX for byte registers. */
static void op2_rr(struct x86 *c, bool w, uint8_t op, int reg, int rm,
		   bool force)
{
	rex(c, w, reg, rm, force);
	emit2(c, 0x0f, op);
	emit1(c, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm & 7)));
}

/* ModRM (and SIB, displacement) for [base + off]. */
static void modrm_mem(struct x86 *c, int reg, int base, int32_t off)
{
	uint8_t mod = off == 0 && (base & 7) != RBP ? 0 : fits8(off) ? 1 : 2;

	emit1(c, (uint8_t)(mod << 6 | (reg & 7) << 3 | (base & 7)));
	if ((base & 7) == RSP)
		emit1(c, 0x24);
	if (mod == 1)
		emit1(c, (uint8_t)off);
	else if (mod == 2)
		emit32(c, (uint32_t)off);
}

/* [prefix66] [REX] op [op2] ModRM mem. @op2: second opcode byte or 0. */
static void op_mem(struct x86 *c, bool p66, bool w, uint8_t op, uint8_t op2,
		   int reg, int base, int32_t off, bool force)
{
	if (p66)
		emit1(c, 0x66);
	rex(c, w, reg, base, force);
	emit1(c, op);
	if (op2)
		emit1(c, op2);
	modrm_mem(c, reg, base, off);
}

static void mov_rr(struct x86 *c, bool w, int dst, int src)
{
	op_rr(c, w, 0x89, src, dst);
}

/* dst = v, in the shortest form. */
static void mov_imm64(struct x86 *c, int dst, uint64_t v)
{
	if (!v) {
		/* xor dst32, dst32 (flags are never live across it here) */
		op_rr(c, false, 0x31, dst, dst);
	} else if (v <= UINT32_MAX) {
		rex(c, false, 0, dst, false);
		emit1(c, (uint8_t)(0xb8 | (dst & 7)));
		emit32(c, (uint32_t)v);
	} else if ((int64_t)v >= INT32_MIN && (int64_t)v <= INT32_MAX) {
		op_rr(c, true, 0xc7, 0, dst);
		emit32(c, (uint32_t)v);
	} else {
		rex(c, true, 0, dst, false);
		emit1(c, (uint8_t)(0xb8 | (dst & 7)));
		emit64(c, v);
	}
}

/* ALU with an immediate: 0x81 /digit (0x83 for a byte). */
static void alu_imm(struct x86 *c, bool w, int digit, int rm, int32_t imm)
{
	if (fits8(imm)) {
		op_rr(c, w, 0x83, digit, rm);
		emit1(c, (uint8_t)imm);
	} else {
		op_rr(c, w, 0x81, digit, rm);
		emit32(c, (uint32_t)imm);
	}
}

/* cmp dword/qword [JS + off], imm8 */
static void cmp_js_imm8(struct x86 *c, bool w, size_t off, int8_t imm)
{
	op_mem(c, false, w, 0x83, 0, 7, JS, (int32_t)off, false);
	emit1(c, (uint8_t)imm);
}

/* jcc/jmp rel32 to the fixed place @to (already emitted). */
static void jmp_fixed(struct x86 *c, int cc, uint32_t to)
{
	if (cc < 0) {
		emit1(c, 0xe9);
		emit32(c, (uint32_t)((int64_t)to - (int64_t)(c->pos + 4)));
	} else {
		emit2(c, 0x0f, (uint8_t)(0x80 | cc));
		emit32(c, (uint32_t)((int64_t)to - (int64_t)(c->pos + 4)));
	}
}

/* A forward jcc/jmp rel32 to patch: returns where its displacement is. */
static size_t jmp_fwd32(struct x86 *c, int cc)
{
	if (cc < 0)
		emit1(c, 0xe9);
	else
		emit2(c, 0x0f, (uint8_t)(0x80 | cc));
	emit32(c, 0);
	return c->pos - 4;
}

static void land32(struct x86 *c, size_t at)
{
	patch32(c, at, (int64_t)c->pos - (int64_t)(at + 4));
}

static size_t jmp_fwd8(struct x86 *c, int cc)
{
	emit2(c, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc), 0);
	return c->pos - 1;
}

static void land8(struct x86 *c, size_t at)
{
	patch8(c, at, (int64_t)c->pos - (int64_t)(at + 1));
}

/* Call @fn: direct when in range, else through r11; always 13 bytes. */
static void call_abs(struct x86 *c, const void *fn)
{
	if (c->buf) {
		int64_t rel = (int64_t)(uintptr_t)fn -
			      (int64_t)((uintptr_t)c->buf + c->pos + 13);

		if (rel >= INT32_MIN && rel <= INT32_MAX) {
			static const uint8_t nop8[8] = { 0x0f, 0x1f, 0x84, 0,
							 0,    0,    0,	   0 };

			for (int i = 0; i < 8; i++)
				emit1(c, nop8[i]);
			emit1(c, 0xe8);
			emit32(c, (uint32_t)rel);
			return;
		}
	}
	rex(c, true, 0, TMP, false);
	emit1(c, (uint8_t)(0xb8 | (TMP & 7)));
	emit64(c, (uint64_t)(uintptr_t)fn);
	op_rr(c, false, 0xff, 2, TMP); /* call r11 */
}

static const uint8_t callee_saved[6] = { RBX, RBP, R12, R13, R14, R15 };

static void push_r(struct x86 *c, int r)
{
	rex(c, false, 0, r, false);
	emit1(c, (uint8_t)(0x50 | (r & 7)));
}

static void pop_r(struct x86 *c, int r)
{
	rex(c, false, 0, r, false);
	emit1(c, (uint8_t)(0x58 | (r & 7)));
}

/* ---- the header: entry stub, exits to the abort path ---- */

static void emit_header(struct x86 *c)
{
	const size_t abort_sp = offsetof(struct kbpf_jit_state, abort_sp);
	const size_t status = offsetof(struct kbpf_jit_state, status);
	size_t to_abort[3];
	int i;

	/* stub(args = rdi, js = rsi, fn = rdx) */
	for (i = 0; i < 6; i++)
		push_r(c, callee_saved[i]);
	op_mem(c, false, false, 0xff, 0, 6, RSI, (int32_t)abort_sp, false);
	op_mem(c, false, true, 0x89, 0, RSP, RSI, (int32_t)abort_sp, false);
	mov_rr(c, true, JS, RSI);
	mov_rr(c, true, TMP, RDX);
	mov_rr(c, true, RAX, RDI);
	op_mem(c, false, true, 0x8b, 0, RDI, RAX, 0, false);
	op_mem(c, false, true, 0x8b, 0, RSI, RAX, 8, false);
	op_mem(c, false, true, 0x8b, 0, RDX, RAX, 16, false);
	op_mem(c, false, true, 0x8b, 0, RCX, RAX, 24, false);
	op_mem(c, false, true, 0x8b, 0, R8, RAX, 32, false);
	mov_rr(c, true, R9, JS);
	op_rr(c, false, 0xff, 2, TMP); /* call r11 */
	c->ret_path = (uint32_t)c->pos;
	/* pop qword [js + abort_sp] */
	op_mem(c, false, false, 0x8f, 0, 0, JS, (int32_t)abort_sp, false);
	for (i = 5; i >= 0; i--)
		pop_r(c, callee_saved[i]);
	emit1(c, 0xc3);

	/* A helper set run->error: status = run->error. */
	c->helper_error = (uint32_t)c->pos;
	op_mem(c, false, true, 0x8b, 0, TMP, JS,
	       (int32_t)offsetof(struct kbpf_jit_state, run), false);
	op_mem(c, false, true, 0x63, 0, RAX, TMP,
	       (int32_t)offsetof(struct kbpf_run, error), false);
	op_mem(c, false, true, 0x89, 0, RAX, JS, (int32_t)status, false);
	to_abort[0] = jmp_fwd32(c, -1);
	/* The tail call helper found a program. */
	c->tail_call = (uint32_t)c->pos;
	op_mem(c, false, true, 0xc7, 0, 0, JS, (int32_t)status, false);
	emit32(c, KBPF_JIT_TAIL_CALL);
	to_abort[1] = jmp_fwd32(c, -1);
	/* Too many frames. */
	c->set_eloop = (uint32_t)c->pos;
	op_mem(c, false, true, 0xc7, 0, 0, JS, (int32_t)status, false);
	emit32(c, (uint32_t)-KBPF_ELOOP);
	to_abort[2] = jmp_fwd32(c, -1);
	/* The abort path: back to the innermost stub, returning 0. */
	c->abort_path = (uint32_t)c->pos;
	for (i = 0; i < 3; i++)
		land32(c, to_abort[i]);
	op_mem(c, false, true, 0x8b, 0, RSP, JS, (int32_t)abort_sp, false);
	op_rr(c, false, 0x31, RAX, RAX);
	jmp_fixed(c, -1, c->ret_path);
}

static void emit_chk_enter(struct x86 *c);

/* Whether @insn names BPF register @r as its source or destination. */
static bool names_reg(const struct bpf_insn *insn, uint8_t r)
{
	return insn->dst_reg == r || insn->src_reg == r;
}

/*
 * Whether @insn may call out of the native code (a helper, a map op, a
 * bpf-to-bpf call, a probe or legacy packet load): the stack must then be
 * 16-byte aligned. Anything but plain ALU, jumps and memory counts; in
 * @checked code memory counts too (an access its inline test does not
 * settle calls the region check's thunk, emit_chk_mem()).
 */
static bool may_call(const struct bpf_insn *insn, bool checked)
{
	uint8_t cls = BPF_CLASS(insn->code);

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return false;
	case BPF_JMP:
	case BPF_JMP32:
		/* BPF_CALL, and the image's site opcodes (image.h) */
		return BPF_OP(insn->code) == BPF_CALL ||
		       insn->code == KBPF_INTERP_OP_CALL ||
		       insn->code == KBPF_INTERP_OP_LOOKUP_ARRAY ||
		       insn->code == KBPF_INTERP_OP_LOOKUP_PERCPU ||
		       insn->code == KBPF_INTERP_OP_LOOKUP_CALL ||
		       insn->code == KBPF_INTERP_OP_UPDATE_CALL ||
		       insn->code == KBPF_INTERP_OP_DELETE_CALL;
	case BPF_LDX:
		return checked || (BPF_MODE(insn->code) != BPF_MEM &&
				   BPF_MODE(insn->code) != BPF_MEMSX);
	case BPF_STX:
	case BPF_ST:
		return checked;
	default: /* BPF_LD: ld_imm64 (and its second half), LD_ABS/LD_IND */
		return insn->code != (BPF_LD | BPF_IMM | BPF_DW) &&
		       insn->code != 0;
	}
}

/*
 * The prologue of the function starting at @pc: push the callee-saved
 * registers it writes (none when @lean), point rbp at the top of the BPF
 * stack and reserve it when the function names r10, and keep rsp 16-byte
 * aligned for its calls (it is 8 off at entry). Checked code's frame is
 * the run's (emit_chk_enter() points rbp at it): rbp is written whether
 * or not the function names r10, and no BPF stack is reserved here; its
 * budget register (r10, caller-saved) needs no saving, as it is kept
 * around calls into C and passed through bpf-to-bpf calls.
 */
static void emit_prologue(struct x86 *c, uint32_t pc, bool lean)
{
	static const uint8_t bpf_saved[4] = { 6, 7, 8, 9 };
	bool uses[KBPF_JIT_REG_AX + 1] = { false };
	bool calls = false;
	uint32_t i, pad, start = (uint32_t)c->pos;
	int r;

	for (i = pc; i < c->in->len && (i == pc || !c->in->is_func[i]); i++) {
		const struct bpf_insn *insn = &c->in->insns[i];

		for (r = 6; r <= 10; r++)
			uses[r] |= names_reg(insn, (uint8_t)r);
		calls |= may_call(insn, c->checked);
	}
	c->func_start = pc;
	c->func_end = i;
	c->nsaved = 0;
	if (!lean) {
		for (i = 0; i < 4; i++)
			if (uses[bpf_saved[i]])
				c->saved[c->nsaved++] = x86_reg[bpf_saved[i]];
		if (uses[10] || c->checked)
			c->saved[c->nsaved++] = RBP;
	}
	for (i = 0; i < c->nsaved; i++)
		push_r(c, c->saved[i]);
	/* rsp is 8 + 8 * nsaved (mod 16) off alignment here. */
	pad = calls && !(c->nsaved & 1) ? 8 : 0;
	c->frame = (uses[10] && !c->checked ? KBPF_STACK_SIZE : 0) + pad;
	if (uses[10] && !c->checked)
		mov_rr(c, true, RBP, RSP);
	if (c->frame)
		alu_imm(c, true, 5, RSP, (int32_t)c->frame); /* sub rsp */
	if (c->checked)
		emit_chk_enter(c);
	c->cur_prologue_len = (uint32_t)c->pos - start;
}

static void emit_epilogue(struct x86 *c)
{
	int i;

	if (c->frame)
		alu_imm(c, true, 0, RSP, (int32_t)c->frame); /* add rsp */
	for (i = c->nsaved - 1; i >= 0; i--)
		pop_r(c, c->saved[i]);
	emit1(c, 0xc3);
}

/* ---- branches between BPF instructions ---- */

/* Native offset of instruction @t as a branch target. */
static int64_t x86_target(const struct x86 *c, uint32_t t)
{
	int64_t o = c->off[t];

	/*
	 * A function's first instruction comes after its prologue; jumps
	 * stay inside their function, so @t starts the current one.
	 */
	if (c->in->is_func[t])
		o += c->cur_prologue_len;
	return o;
}

static void emit_chk_back(struct x86 *c, int cc, uint32_t pc, int64_t delta);

static void jmp_insn(struct x86 *c, int cc, uint32_t pc, int64_t delta)
{
	int64_t t = (int64_t)pc + 1 + delta;
	bool fwd = t > (int64_t)pc;
	int64_t to = x86_target(c, (uint32_t)t);

	if (c->checked && !fwd && !c->chk_direct) {
		emit_chk_back(c, cc, pc, delta);
		return;
	}

	if (!(fwd && c->first) && fits8(to - (int64_t)(c->pos + 2))) {
		emit2(c, cc < 0 ? 0xeb : (uint8_t)(0x70 | cc),
		      (uint8_t)(to - (int64_t)(c->pos + 2)));
		return;
	}
	if (cc < 0) {
		emit1(c, 0xe9);
	} else {
		emit2(c, 0x0f, (uint8_t)(0x80 | cc));
	}
	/* On sizing passes a wrong forward guess is harmless. */
	if (c->buf)
		patch32(c, c->pos, to - (int64_t)(c->pos + 4));
	c->pos += 4;
	if (c->buf && c->pos > c->cap)
		c->err = -KBPF_E2BIG;
}

/* ---- calls ---- */

static void emit_helper_call(struct x86 *c, const struct kbpf_interp_site *s,
			     uint8_t flags)
{
	const size_t run = offsetof(struct kbpf_jit_state, run);

	if (flags & KBPF_JIT_SITE_TAIL_CALL)
		op_mem(c, false, true, 0x89, 0, RDI, JS,
		       (int32_t)offsetof(struct kbpf_jit_state, tail_r1),
		       false);
	mov_rr(c, true, R9, R8);
	mov_rr(c, true, R8, RCX);
	mov_rr(c, true, RCX, RDX);
	mov_rr(c, true, RDX, RSI);
	mov_rr(c, true, RSI, RDI);
	op_mem(c, false, true, 0x8b, 0, RDI, JS, (int32_t)run, false);
	call_abs(c, (const void *)s->h->fn);
	op_mem(c, false, true, 0x8b, 0, TMP, JS, (int32_t)run, false);
	op_mem(c, false, false, 0x83, 0, 7, TMP,
	       (int32_t)offsetof(struct kbpf_run, error), false);
	emit1(c, 0);
	jmp_fixed(c, CC_NE, c->helper_error);
	if (flags & KBPF_JIT_SITE_TAIL_CALL) {
		op_mem(c, false, true, 0x83, 0, 7, TMP,
		       (int32_t)offsetof(struct kbpf_run, tail_call), false);
		emit1(c, 0);
		jmp_fixed(c, CC_NE, c->tail_call);
	}
}

/* A local function: its address needs no GOT entry (core_symbols). */
static uint32_t x86_this_cpu(struct kbpf_jit_state *js)
{
	return kbpf_jit_this_cpu(js);
}

/*
 * rax = idx * elem_size for the u32 index at [rsi] below max_entries
 * (masked against Spectre v1 when the map has a mask), or a jae to patch
 * (returned) for an index past the end.
 */
static size_t emit_array_index(struct x86 *c, const struct kbpf_interp_site *s)
{
	size_t null;
	int shift = __builtin_ctz(s->elem_size);

	op_mem(c, false, false, 0x8b, 0, RAX, RSI, 0, false);
	emit1(c, 0x3d); /* cmp eax, imm32 */
	emit32(c, s->max_entries);
	null = jmp_fwd8(c, CC_AE);
	if (s->index_mask != UINT32_MAX) {
		emit1(c, 0x25); /* and eax, imm32 (Spectre v1) */
		emit32(c, s->index_mask);
	}
	if (s->elem_size == 1u << shift) {
		op_rr(c, true, 0xc1, 4, RAX); /* shl rax, imm8 */
		emit1(c, (uint8_t)shift);
	} else {
		/* imul rax, rax, imm32 */
		op_rr(c, true, 0x69, RAX, RAX);
		emit32(c, s->elem_size);
	}
	return null;
}

/*
 * The image's map sites need no check of r1: the image's data flow found
 * the site's map in r1 on every path from every function entry, and
 * native code is entered only at function entries (jit.h).
 */
static int emit_site(struct x86 *c, const struct bpf_insn *insn)
{
	const struct kbpf_interp_site *s;
	uint8_t flags;
	size_t done, null, have;

	if ((uint32_t)insn->imm >= c->in->nr_sites)
		return -KBPF_EOPNOTSUPP;
	s = &c->in->sites[insn->imm];
	flags = c->in->site_flags[insn->imm];
	switch (insn->code) {
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
		/* Linux's array_map_gen_lookup, with the map's base. */
		if (s->elem_size > INT32_MAX || !s->elem_size)
			return -KBPF_EOPNOTSUPP;
		null = emit_array_index(c, s);
		mov_imm64(c, TMP, (uint64_t)(uintptr_t)s->base);
		op_rr(c, true, 0x01, TMP, RAX);
		done = jmp_fwd8(c, -1);
		land8(c, null);
		op_rr(c, false, 0x31, RAX, RAX);
		land8(c, done);
		return 0;
	case KBPF_INTERP_OP_LOOKUP_CALL:
		if (s->lookup_cpu) {
			/*
			 * r0 = s->lookup_cpu(map, key, the run's CPU): edx
			 * from js->run->map_cpu1, asking the host (map and
			 * key kept on the stack) the first time in a run.
			 */
			op_mem(c, false, true, 0x8b, 0, TMP, JS,
			       (int32_t)offsetof(struct kbpf_jit_state, run),
			       false);
			op_mem(c, false, false, 0x8b, 0, RDX, TMP,
			       (int32_t)offsetof(struct kbpf_run, map_cpu1),
			       false);
			op_rr(c, false, 0x85, RDX, RDX); /* test edx, edx */
			have = jmp_fwd8(c, CC_NE);
			push_r(c, RDI);
			push_r(c, RSI);
			mov_rr(c, true, RDI, JS);
			call_abs(c, (const void *)x86_this_cpu);
			pop_r(c, RSI);
			pop_r(c, RDI);
			op_mem(c, false, false, 0x8d, 0, RDX, RAX, 1, false);
			land8(c, have);
			op_mem(c, false, false, 0x8d, 0, RDX, RDX, -1, false);
			call_abs(c, (const void *)s->lookup_cpu);
			return 0;
		}
		/* fall through */
	case KBPF_INTERP_OP_UPDATE_CALL:
	case KBPF_INTERP_OP_DELETE_CALL:
		/*
		 * The type's op called directly: its (map, key, value, flags)
		 * are r1-r4 where they are (rdi, rsi, rdx, rcx), and its
		 * result is r0.
		 */
		call_abs(c, insn->code == KBPF_INTERP_OP_LOOKUP_CALL ?
				    (const void *)s->lookup :
			    insn->code == KBPF_INTERP_OP_UPDATE_CALL ?
				    (const void *)s->update :
				    (const void *)s->delete_elem);
		return 0;
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
		/*
		 * As ARRAY, plus the run's CPU's area: cpu * cpu_stride, the
		 * CPU js->run->map_cpu1 - 1 (kbpf_run_map_cpu()), read from
		 * the host by a call (kbpf_jit_this_cpu()) only the first
		 * time in a run. The offset waits on the stack across that
		 * call (16 bytes: calls stay aligned). r1-r5 are free: the
		 * call clobbers them as a helper's, the key is read.
		 */
		if (s->elem_size > INT32_MAX || !s->elem_size)
			return -KBPF_EOPNOTSUPP;
		null = emit_array_index(c, s);
		op_mem(c, false, true, 0x8b, 0, TMP, JS,
		       (int32_t)offsetof(struct kbpf_jit_state, run), false);
		op_mem(c, false, false, 0x8b, 0, TMP, TMP,
		       (int32_t)offsetof(struct kbpf_run, map_cpu1), false);
		op_rr(c, false, 0x85, TMP, TMP); /* test r11d, r11d */
		have = jmp_fwd8(c, CC_NE);
		push_r(c, RAX);
		push_r(c, RAX);
		mov_rr(c, true, RDI, JS);
		call_abs(c, (const void *)x86_this_cpu);
		pop_r(c, RCX);
		pop_r(c, RCX);
		op_mem(c, false, false, 0x8d, 0, TMP, RAX, 1, false); /* lea */
		mov_rr(c, true, RAX, RCX);
		land8(c, have);
		/* rax += base - stride + map_cpu1 * stride (mod 2^64) */
		if (s->cpu_stride <= INT32_MAX) {
			op_rr(c, true, 0x69, TMP, TMP); /* imul r11, r11, imm */
			emit32(c, (uint32_t)s->cpu_stride);
		} else {
			mov_imm64(c, RCX, (uint64_t)s->cpu_stride);
			op2_rr(c, true, 0xaf, TMP, RCX,
			       false); /* imul r11, rcx */
		}
		op_rr(c, true, 0x01, TMP, RAX);
		mov_imm64(c, TMP,
			  (uint64_t)(uintptr_t)s->base -
				  (uint64_t)s->cpu_stride);
		op_rr(c, true, 0x01, TMP, RAX);
		done = jmp_fwd8(c, -1);
		land8(c, null);
		op_rr(c, false, 0x31, RAX, RAX);
		land8(c, done);
		return 0;
	default: /* KBPF_INTERP_OP_CALL */
		emit_helper_call(c, s, flags);
		return 0;
	}
}

static void emit_bpf_call(struct x86 *c, uint32_t target)
{
	const int32_t depth = (int32_t)offsetof(struct kbpf_jit_state, depth);

	cmp_js_imm8(c, false, (size_t)depth, KBPF_MAX_CALL_FRAMES - 1);
	jmp_fixed(c, CC_AE, c->set_eloop);
	op_mem(c, false, false, 0xff, 0, 0, JS, depth, false); /* inc */
	mov_rr(c, true, R9, JS);
	emit1(c, 0xe8);
	emit32(c, (uint32_t)((int64_t)c->off[target] - (int64_t)(c->pos + 4)));
	op_mem(c, false, false, 0xff, 0, 1, JS, depth, false); /* dec */
}

/* ---- ALU ---- */

static void emit_divmod(struct x86 *c, const struct bpf_insn *insn, bool w)
{
	int dst = x86_reg[insn->dst_reg];
	bool mod = BPF_OP(insn->code) == BPF_MOD;
	bool sgn = insn->off == 1;
	bool k = BPF_SRC(insn->code) == BPF_K;
	size_t zero = 0, norm, done[2] = { 0, 0 };

	/*
	 * An immediate divisor is known here: 0 is the zero rule alone, and
	 * any other needs no zero test (nor the -1 test unless it is -1).
	 */
	if (k && !insn->imm) {
		if (!mod)
			op_rr(c, false, 0x31, dst, dst);
		else if (!w)
			mov_rr(c, false, dst, dst);
		return;
	}
	if (!k)
		mov_rr(c, w, TMP, x86_reg[insn->src_reg]);
	else if (w)
		mov_imm64(c, TMP, (uint64_t)(int64_t)insn->imm);
	else
		mov_imm64(c, TMP, (uint32_t)insn->imm);
	if (!k) {
		op_rr(c, w, 0x85, TMP, TMP);
		zero = jmp_fwd8(c, CC_E);
	}
	if (sgn && (!k || insn->imm == -1)) {
		alu_imm(c, w, 7, TMP, -1);
		norm = jmp_fwd8(c, CC_NE);
		if (mod)
			op_rr(c, false, 0x31, dst, dst);
		else
			op_rr(c, w, 0xf7, 3, dst); /* neg */
		done[0] = jmp_fwd8(c, -1);
		land8(c, norm);
	}
	if (dst != RAX)
		push_r(c, RAX);
	if (dst != RDX)
		push_r(c, RDX);
	if (dst != RAX)
		mov_rr(c, true, RAX, dst);
	if (sgn) {
		if (w)
			emit1(c, 0x48);
		emit1(c, 0x99); /* cqo / cdq */
	} else {
		op_rr(c, false, 0x31, RDX, RDX);
	}
	op_rr(c, w, 0xf7, sgn ? 7 : 6, TMP); /* idiv / div r11 */
	mov_rr(c, w, TMP, mod ? RDX : RAX);
	if (dst != RDX)
		pop_r(c, RDX);
	if (dst != RAX)
		pop_r(c, RAX);
	mov_rr(c, true, dst, TMP);
	if (!k) {
		done[1] = jmp_fwd8(c, -1);
		land8(c, zero);
		if (!mod)
			op_rr(c, false, 0x31, dst, dst);
		else if (!w)
			mov_rr(c, false, dst, dst);
		land8(c, done[1]);
	}
	if (done[0])
		land8(c, done[0]);
}

static void emit_shift(struct x86 *c, const struct bpf_insn *insn, bool w)
{
	int dst = x86_reg[insn->dst_reg];
	int digit = BPF_OP(insn->code) == BPF_LSH ? 4 :
		    BPF_OP(insn->code) == BPF_RSH ? 5 :
						    7;

	if (BPF_SRC(insn->code) == BPF_K) {
		uint32_t n = (uint32_t)insn->imm & (w ? 63 : 31);

		if (n) {
			op_rr(c, w, 0xc1, digit, dst);
			emit1(c, (uint8_t)n);
		} else if (!w) {
			mov_rr(c, false, dst, dst);
		}
		return;
	}
	/* The count must be in cl (rcx is BPF r4). */
	mov_rr(c, true, TMP, RCX);
	if (x86_reg[insn->src_reg] != RCX)
		mov_rr(c, true, RCX, x86_reg[insn->src_reg]);
	if (dst == RCX) {
		op_rr(c, w, 0xd3, digit, TMP);
		if (!w)
			mov_rr(c, false, TMP, TMP);
		mov_rr(c, true, RCX, TMP);
	} else {
		op_rr(c, w, 0xd3, digit, dst);
		if (!w)
			mov_rr(c, false, dst, dst);
		mov_rr(c, true, RCX, TMP);
	}
}

static void emit_bswap(struct x86 *c, int dst, int32_t bits)
{
	if (bits == 16) {
		/* ror dst16, 8; movzx dst32, dst16 */
		emit1(c, 0x66);
		op_rr(c, false, 0xc1, 1, dst);
		emit1(c, 8);
		op2_rr(c, false, 0xb7, dst, dst, false);
	} else {
		rex(c, bits != 32, 0, dst, false);
		emit2(c, 0x0f, (uint8_t)(0xc8 | (dst & 7)));
	}
}

static void emit_trunc(struct x86 *c, int dst, int32_t bits)
{
	if (bits == 16)
		op2_rr(c, false, 0xb7, dst, dst, false);
	else if (bits == 32)
		mov_rr(c, false, dst, dst);
}

static int emit_alu(struct x86 *c, const struct bpf_insn *insn)
{
	bool w = BPF_CLASS(insn->code) == BPF_ALU64;
	bool k = BPF_SRC(insn->code) == BPF_K;
	int dst = x86_reg[insn->dst_reg], src = x86_reg[insn->src_reg];
	static const uint8_t rr_op[16] = {
		[BPF_ADD >> 4] = 0x01, [BPF_SUB >> 4] = 0x29,
		[BPF_OR >> 4] = 0x09,  [BPF_AND >> 4] = 0x21,
		[BPF_XOR >> 4] = 0x31,
	};
	static const uint8_t imm_digit[16] = {
		[BPF_ADD >> 4] = 0, [BPF_SUB >> 4] = 5, [BPF_OR >> 4] = 1,
		[BPF_AND >> 4] = 4, [BPF_XOR >> 4] = 6,
	};

	switch (BPF_OP(insn->code)) {
	case BPF_ADD:
	case BPF_SUB:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
		if (k)
			alu_imm(c, w, imm_digit[BPF_OP(insn->code) >> 4], dst,
				insn->imm);
		else
			op_rr(c, w, rr_op[BPF_OP(insn->code) >> 4], src, dst);
		return 0;
	case BPF_MUL:
		if (k && fits8(insn->imm)) {
			op_rr(c, w, 0x6b, dst, dst); /* imul dst, dst, imm8 */
			emit1(c, (uint8_t)insn->imm);
		} else if (k) {
			op_rr(c, w, 0x69, dst, dst);
			emit32(c, (uint32_t)insn->imm);
		} else {
			op2_rr(c, w, 0xaf, dst, src, false);
		}
		return 0;
	case BPF_DIV:
	case BPF_MOD:
		emit_divmod(c, insn, w);
		return 0;
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		emit_shift(c, insn, w);
		return 0;
	case BPF_NEG:
		op_rr(c, w, 0xf7, 3, dst);
		return 0;
	case BPF_MOV:
		if (k) {
			if (w)
				mov_imm64(c, dst, (uint64_t)(int64_t)insn->imm);
			else
				mov_imm64(c, dst, (uint32_t)insn->imm);
		} else if (insn->off == 8) {
			op2_rr(c, w, 0xbe, dst, src, byte_reg(src));
		} else if (insn->off == 16) {
			op2_rr(c, w, 0xbf, dst, src, false);
		} else if (insn->off == 32 && w) {
			op_rr(c, true, 0x63, dst, src); /* movsxd */
		} else if (w && dst == src) {
			/* nothing */
		} else {
			mov_rr(c, w, dst, src);
		}
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

/*
 * The target of jump @insn at @pc, or -1 when it is no jump (calls,
 * exits and the image's site opcodes are JMP/JMP32-class too).
 */
static int64_t jump_target(const struct bpf_insn *insn, uint32_t pc)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	if ((cls != BPF_JMP && cls != BPF_JMP32) || op == BPF_CALL ||
	    op == BPF_EXIT || op == 0xf0)
		return -1;
	return (int64_t)pc + 1 +
	       (insn->code == (BPF_JMP32 | BPF_JA) ? insn->imm : insn->off);
}

/*
 * Whether the conditional jump at @pc can absorb the `ja` after it:
 * `if cond goto +1; goto X` (clang's loop back-edge) becomes one jump to
 * X on the inverted condition, when nothing jumps to the `ja` (only jumps
 * of the same function can: jit.h). The scan is paid from @fuse_budget;
 * the choices are the same on every pass.
 */
static bool fuse_next(struct x86 *c, uint32_t pc)
{
	const struct bpf_insn *a = &c->in->insns[pc];
	uint8_t op = BPF_OP(a->code);
	uint32_t i, n = c->func_end - c->func_start;

	if (jump_target(a, pc) < 0 || op == BPF_JA || op == BPF_JCOND ||
	    a->off != 1 || pc + 1 >= c->func_end ||
	    a[1].code != (BPF_JMP | BPF_JA) || c->fuse_budget < n)
		return false;
	c->fuse_budget -= n;
	for (i = c->func_start; i < c->func_end; i++)
		if (jump_target(&c->in->insns[i], i) == (int64_t)pc + 1)
			return false;
	return true;
}

static int emit_jmp(struct x86 *c, const struct bpf_insn *insn, uint32_t pc)
{
	bool w = BPF_CLASS(insn->code) == BPF_JMP;
	int dst = x86_reg[insn->dst_reg];
	int cc;

	switch (BPF_OP(insn->code)) {
	case BPF_JEQ:
		cc = CC_E;
		break;
	case BPF_JNE:
	case BPF_JSET:
		cc = CC_NE;
		break;
	case BPF_JGT:
		cc = CC_A;
		break;
	case BPF_JGE:
		cc = CC_AE;
		break;
	case BPF_JLT:
		cc = CC_B;
		break;
	case BPF_JLE:
		cc = CC_BE;
		break;
	case BPF_JSGT:
		cc = CC_G;
		break;
	case BPF_JSGE:
		cc = CC_GE;
		break;
	case BPF_JSLT:
		cc = CC_L;
		break;
	case BPF_JSLE:
		cc = CC_LE;
		break;
	default:
		return -KBPF_EOPNOTSUPP;
	}
	if (BPF_OP(insn->code) == BPF_JSET) {
		if (BPF_SRC(insn->code) == BPF_K) {
			op_rr(c, w, 0xf7, 0, dst);
			emit32(c, (uint32_t)insn->imm);
		} else {
			op_rr(c, w, 0x85, x86_reg[insn->src_reg], dst);
		}
	} else if (BPF_SRC(insn->code) == BPF_K && !insn->imm) {
		/* test dst, dst: the flags of cmp dst, 0 (CF = OF = 0) */
		op_rr(c, w, 0x85, dst, dst);
	} else if (BPF_SRC(insn->code) == BPF_K) {
		alu_imm(c, w, 7, dst, insn->imm);
	} else {
		op_rr(c, w, 0x39, x86_reg[insn->src_reg], dst);
	}
	if (c->fuse) /* the inverted condition, to the ja's target */
		jmp_insn(c, cc ^ 1, pc + 1, insn[1].off);
	else
		jmp_insn(c, cc, pc, insn->off);
	return 0;
}

/* ---- memory ---- */

static int emit_ldx(struct x86 *c, int dst, int base, int32_t off, uint8_t size,
		    bool sx)
{
	switch (size) {
	case BPF_DW:
		if (sx)
			return -KBPF_EOPNOTSUPP;
		op_mem(c, false, true, 0x8b, 0, dst, base, off, false);
		return 0;
	case BPF_W:
		if (sx)
			op_mem(c, false, true, 0x63, 0, dst, base, off, false);
		else
			op_mem(c, false, false, 0x8b, 0, dst, base, off, false);
		return 0;
	case BPF_H:
		op_mem(c, false, sx, 0x0f, sx ? 0xbf : 0xb7, dst, base, off,
		       false);
		return 0;
	default: /* BPF_B */
		op_mem(c, false, sx, 0x0f, sx ? 0xbe : 0xb6, dst, base, off,
		       false);
		return 0;
	}
}

/*
 * A probe load's read (KBPF_PROBE_MEM, core/prog.h), called from native
 * code: @how is the size in bytes, | 0x100 to sign-extend. The value, or
 * 0 when the host has no probe_read_kernel or the read fails, as the
 * interpreter's probe loads.
 */
static uint64_t x86_probe_load(const struct kbpf_run *run, uint64_t addr,
			       uint32_t how)
{
	const struct kbpf_host *h = run->host;
	uint32_t n = how & 0xff, sh = 64 - 8 * n;
	uint64_t v = 0;

	if (!h->probe_read_kernel ||
	    h->probe_read_kernel(h, &v, (const void *)(uintptr_t)addr, n))
		return 0;
	if (sh && (how & 0x100))
		v = (uint64_t)((int64_t)(v << sh) >> sh);
	return v;
}

/*
 * dst = probe load of @size at base + off: a call of x86_probe_load()
 * with the caller-saved BPF registers (r0-r5) kept on the stack; six
 * pushes keep the stack 16-byte aligned at the call.
 */
static void emit_probe_ldx(struct x86 *c, int dst, int base, int32_t off,
			   uint8_t size, bool sx)
{
	static const uint8_t saved[6] = { RAX, RDI, RSI, RDX, RCX, R8 };
	static const uint8_t bytes[4] = { 4, 2, 1, 8 }; /* by BPF_SIZE >> 3 */
	const size_t run = offsetof(struct kbpf_jit_state, run);
	int i;

	for (i = 0; i < 6; i++)
		push_r(c, saved[i]);
	op_mem(c, false, true, 0x8d, 0, RSI, base, off, false); /* lea */
	mov_imm64(c, RDX, bytes[size >> 3] | (sx ? 0x100u : 0));
	op_mem(c, false, true, 0x8b, 0, RDI, JS, (int32_t)run, false);
	call_abs(c, (const void *)x86_probe_load);
	mov_rr(c, true, TMP, RAX);
	for (i = 5; i >= 0; i--)
		pop_r(c, saved[i]);
	mov_rr(c, true, dst, TMP);
}

static void emit_stx(struct x86 *c, int base, int32_t off, int src,
		     uint8_t size)
{
	switch (size) {
	case BPF_DW:
		op_mem(c, false, true, 0x89, 0, src, base, off, false);
		break;
	case BPF_W:
		op_mem(c, false, false, 0x89, 0, src, base, off, false);
		break;
	case BPF_H:
		op_mem(c, true, false, 0x89, 0, src, base, off, false);
		break;
	default:
		op_mem(c, false, false, 0x88, 0, src, base, off, byte_reg(src));
		break;
	}
}

/*
 * KBPF_NOSPEC (src/jit/spec.h): lfence, as Linux's x86-64 JIT emits for
 * BPF_ST | BPF_NOSPEC: later instructions do not start, even
 * speculatively, before it completes.
 */
static void emit_nospec(struct x86 *c)
{
	emit1(c, 0x0f);
	emit1(c, 0xae);
	emit1(c, 0xe8);
}

static void emit_st(struct x86 *c, int base, int32_t off, int32_t imm,
		    uint8_t size)
{
	switch (size) {
	case BPF_DW:
	case BPF_W:
		op_mem(c, false, size == BPF_DW, 0xc7, 0, 0, base, off, false);
		emit32(c, (uint32_t)imm);
		break;
	case BPF_H:
		op_mem(c, true, false, 0xc7, 0, 0, base, off, false);
		emit1(c, (uint8_t)imm);
		emit1(c, (uint8_t)((uint32_t)imm >> 8));
		break;
	default:
		op_mem(c, false, false, 0xc6, 0, 0, base, off, false);
		emit1(c, (uint8_t)imm);
		break;
	}
}

static int emit_atomic(struct x86 *c, const struct bpf_insn *insn)
{
	uint8_t size = BPF_SIZE(insn->code);
	bool w = size == BPF_DW;
	int dst = x86_reg[insn->dst_reg], src = x86_reg[insn->src_reg];
	int32_t off = insn->off;
	int base, sv;
	size_t loop;

	if (insn->imm == BPF_LOAD_ACQ)
		return emit_ldx(c, dst, src, off, size, false);
	if (insn->imm == BPF_STORE_REL) {
		emit_stx(c, dst, off, src, size);
		return 0;
	}
	if (size != BPF_W && size != BPF_DW)
		return -KBPF_EOPNOTSUPP;
	switch (insn->imm) {
	case BPF_ADD:
	case BPF_OR:
	case BPF_AND:
	case BPF_XOR:
		emit1(c, 0xf0);
		op_mem(c, false, w,
		       insn->imm == BPF_ADD ? 0x01 :
		       insn->imm == BPF_OR  ? 0x09 :
		       insn->imm == BPF_AND ? 0x21 :
					      0x31,
		       0, src, dst, off, false);
		return 0;
	case BPF_ADD | BPF_FETCH:
		emit1(c, 0xf0);
		op_mem(c, false, w, 0x0f, 0xc1, src, dst, off, false);
		return 0;
	case BPF_XCHG:
		op_mem(c, false, w, 0x87, 0, src, dst, off, false);
		return 0;
	case BPF_CMPXCHG:
		emit1(c, 0xf0);
		op_mem(c, false, w, 0x0f, 0xb1, src, dst, off, false);
		if (!w)
			mov_rr(c, false, RAX, RAX);
		return 0;
	case BPF_OR | BPF_FETCH:
	case BPF_AND | BPF_FETCH:
	case BPF_XOR | BPF_FETCH:
		/* A cmpxchg loop; rax (BPF r0) is kept in r9. */
		mov_rr(c, true, TMP2, RAX);
		base = dst == RAX ? TMP2 : dst;
		sv = src == RAX ? TMP2 : src;
		op_mem(c, false, w, 0x8b, 0, RAX, base, off, false);
		loop = c->pos;
		mov_rr(c, w, TMP, RAX);
		op_rr(c, w,
		      (insn->imm & ~BPF_FETCH) == BPF_OR  ? 0x09 :
		      (insn->imm & ~BPF_FETCH) == BPF_AND ? 0x21 :
							    0x31,
		      sv, TMP);
		emit1(c, 0xf0);
		op_mem(c, false, w, 0x0f, 0xb1, TMP, base, off, false);
		emit2(c, 0x70 | CC_NE,
		      (uint8_t)((int64_t)loop - (int64_t)(c->pos + 2)));
		if (src != RAX) {
			mov_rr(c, w, src, RAX);
			mov_rr(c, true, RAX, TMP2);
		}
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

/* ---- legacy packet loads ---- */

/*
 * A local function, so that taking its address needs no GOT entry (a
 * kernel has none: core_symbols).
 */
static uint64_t x86_ld_pkt(struct kbpf_jit_state *js, int64_t off,
			   uint32_t size)
{
	return kbpf_jit_ld_pkt(js, off, size);
}

static void emit_chk_keep_kr(struct x86 *c, bool push);

/*
 * LD_ABS / LD_IND: r0 = kbpf_jit_ld_pkt(js, off, size), or 0 and return.
 * Fast code lets the call clobber r1-r5 (jit.h: as a helper call); checked
 * code keeps them, as the checked interpreter does (a program nobody
 * proved may read them after the load).
 */
static void emit_ld_pkt(struct x86 *c, const struct bpf_insn *insn)
{
	static const uint8_t bytes[4] = { [BPF_W >> 3] = 4,
					  [BPF_H >> 3] = 2,
					  [BPF_B >> 3] = 1 };
	size_t ok;

	/* r1-r5 and one more: with K's two, 8 pushes keep rsp aligned. */
	if (c->checked) {
		for (int r = 1; r <= 5; r++)
			push_r(c, x86_reg[r]);
		push_r(c, x86_reg[5]);
	}
	if (BPF_MODE(insn->code) == BPF_IND) {
		mov_rr(c, false, TMP, x86_reg[insn->src_reg]);
		alu_imm(c, false, 0, TMP, insn->imm);
		op_rr(c, true, 0x63, RSI, TMP); /* movsxd rsi, r11d */
	} else {
		mov_imm64(c, RSI, (uint64_t)(int64_t)insn->imm);
	}
	mov_rr(c, true, RDI, JS);
	mov_imm64(c, RDX, bytes[BPF_SIZE(insn->code) >> 3]);
	if (c->checked)
		emit_chk_keep_kr(c, true);
	call_abs(c, (const void *)x86_ld_pkt);
	if (c->checked) {
		emit_chk_keep_kr(c, false);
		pop_r(c, x86_reg[5]);
		for (int r = 5; r >= 1; r--)
			pop_r(c, x86_reg[r]);
	}
	cmp_js_imm8(c, false, offsetof(struct kbpf_jit_state, pkt_fail), 0);
	ok = jmp_fwd8(c, CC_E);
	op_rr(c, false, 0x31, RAX, RAX);
	emit_epilogue(c);
	land8(c, ok);
}

/*
 * ---- checked code (jit.h, docs/design/jit.md "Checked native code") ----
 *
 * The checked interpreter's guarantees, instruction for instruction: the
 * run's frames are the interpreter's (js->chk_stack), every access is
 * confined (an inline test for the frames in use, the region check of
 * kbpf_jit_chk_access() through a thunk for the rest), the budget is
 * charged where the interpreter charges it, and calls go through the
 * checked interpreter's call path. r9 and r11 are the scratch registers.
 *
 * The budget lives in r10 (constant blinding's AX; checked code is never
 * blinded) as K = budget + seg while native code runs, seg being where
 * the current straight stretch began (also kept in js->chk_seg): a charge
 * at pc is then "K >= pc + 1, else -ELOOP; K -= pc + 1 - target", three
 * instructions on a register. Around every call into C (helpers, the
 * region check, probe and packet loads) *js->chk_budget = K - seg is
 * written back and K reloaded after, since helpers, callbacks and region
 * scans charge the same counter.
 */

#define JS_OFF(f) ((int32_t)offsetof(struct kbpf_jit_state, f))
#define KR R10

/* Local functions: their addresses need no GOT entry (core_symbols). */
static bool x86_chk_access(struct kbpf_jit_state *js, uint64_t addr,
			   uint32_t how)
{
	return kbpf_jit_chk_access(js, addr, how);
}

static int x86_chk_site(struct kbpf_jit_state *js,
			const struct kbpf_interp_site *s, uint32_t code,
			uint64_t *regs)
{
	return kbpf_jit_chk_site(js, s, code, regs);
}

/* *js->chk_budget = K - seg (r9, r11 clobbered). */
static void emit_chk_budget_out(struct x86 *c)
{
	mov_rr(c, true, TMP, KR);
	op_mem(c, false, true, 0x2b, 0, TMP, JS, JS_OFF(chk_seg), false);
	op_mem(c, false, true, 0x8b, 0, R9, JS, JS_OFF(chk_budget), false);
	op_mem(c, false, true, 0x89, 0, TMP, R9, 0, false);
}

/* K = *js->chk_budget + seg (@scratch clobbered). */
static void emit_chk_budget_in(struct x86 *c, int scratch)
{
	op_mem(c, false, true, 0x8b, 0, scratch, JS, JS_OFF(chk_budget), false);
	op_mem(c, false, true, 0x8b, 0, KR, scratch, 0, false);
	op_mem(c, false, true, 0x03, 0, KR, JS, JS_OFF(chk_seg), false);
}

/*
 * After the abort path: the exits checked code takes (-EFAULT; the
 * status in r9d), the access thunk and the checked entry.
 */
static void emit_chk_header(struct x86 *c)
{
	static const uint8_t kept[7] = { RAX, RDI, RSI, RDX, RCX, R8, R11 };
	int i;

	c->chk_efault = (uint32_t)c->pos;
	op_mem(c, false, true, 0xc7, 0, 0, JS, JS_OFF(status), false);
	emit32(c, (uint32_t)-KBPF_EFAULT);
	jmp_fixed(c, -1, c->abort_path);
	c->chk_err = (uint32_t)c->pos;
	op_rr(c, true, 0x63, R9, R9); /* movsxd r9, r9d */
	op_mem(c, false, true, 0x89, 0, R9, JS, JS_OFF(status), false);
	jmp_fixed(c, -1, c->abort_path);

	/*
	 * The thunk: r11 the address, r9d the size | 0x100 for a store;
	 * returns with every BPF register as it was, or aborts. Called with
	 * the stack 16-byte aligned: the return address and 7 pushes keep it
	 * so.
	 */
	c->chk_thunk = (uint32_t)c->pos;
	for (i = 0; i < 7; i++)
		push_r(c, kept[i]);
	mov_rr(c, true, RSI, TMP);
	mov_rr(c, false, RDX, R9);
	emit_chk_budget_out(c);
	mov_rr(c, true, RDI, JS);
	call_abs(c, (const void *)x86_chk_access);
	op2_rr(c, false, 0xb6, R9, RAX, false); /* movzx r9d, al */
	emit_chk_budget_in(c, TMP);
	for (i = 6; i >= 0; i--)
		pop_r(c, kept[i]);
	op_rr(c, false, 0x85, R9, R9);
	jmp_fixed(c, CC_E, c->chk_efault);
	emit1(c, 0xc3);

	/* The entry: r0 and r6-r9 start at 0, as the interpreter's; K. */
	c->chk_entry = (uint32_t)c->pos;
	op_rr(c, false, 0x31, RAX, RAX);
	for (i = 6; i <= 9; i++)
		op_rr(c, false, 0x31, x86_reg[i], x86_reg[i]);
	op_mem(c, false, true, 0x8b, 0, TMP, R9, JS_OFF(chk_budget), false);
	op_mem(c, false, true, 0x8b, 0, KR, TMP, 0, false);
	emit1(c, 0xe9);
	emit32(c, (uint32_t)((int64_t)c->off[0] - (int64_t)(c->pos + 4)));
}

/* A function's frame: the next KBPF_STACK_SIZE bytes of the run's. */
static void emit_chk_enter(struct x86 *c)
{
	op_mem(c, false, true, 0x8b, 0, TMP, JS, JS_OFF(chk_depth), false);
	op_mem(c, false, false, 0x8b, 0, R9, TMP, 0, false);
	op_mem(c, false, false, 0xff, 0, 0, TMP, 0, false); /* inc */
	op_rr(c, true, 0x69, R9, R9); /* imul r9, r9, imm32 */
	emit32(c, KBPF_STACK_SIZE);
	op_mem(c, false, true, 0x03, 0, R9, JS, JS_OFF(chk_stack), false);
	op_mem(c, false, true, 0x8d, 0, RBP, R9, KBPF_STACK_SIZE, false);
	op_mem(c, false, true, 0x81, 0, 0, JS, JS_OFF(chk_lim), false);
	emit32(c, KBPF_STACK_SIZE);
}

static void emit_chk_leave(struct x86 *c)
{
	op_mem(c, false, true, 0x8b, 0, TMP, JS, JS_OFF(chk_depth), false);
	op_mem(c, false, false, 0xff, 0, 1, TMP, 0, false); /* dec */
	op_mem(c, false, true, 0x81, 0, 5, JS, JS_OFF(chk_lim), false);
	emit32(c, KBPF_STACK_SIZE);
}

/*
 * The interpreter's CHARGE_TO(pc) and SET_SEG(@to): K >= pc + 1 or
 * -ELOOP, then K -= pc + 1 - to (@to < 0: K = budget, seg 0, for an
 * exit, whose caller sets seg after the call).
 */
static void emit_chk_charge(struct x86 *c, uint32_t pc, int64_t to)
{
	alu_imm(c, true, 7, KR, (int32_t)(pc + 1)); /* cmp */
	jmp_fixed(c, CC_B, c->set_eloop);
	alu_imm(c, true, 5, KR, (int32_t)(pc + 1 - (to < 0 ? 0 : to)));
	if (to < 0 || !c->chk_seg_read)
		return;
	op_mem(c, false, true, 0xc7, 0, 0, JS, JS_OFF(chk_seg), false);
	emit32(c, (uint32_t)to);
}

/* A backward jump (cc < 0: always): when taken, charged. */
static void emit_chk_back(struct x86 *c, int cc, uint32_t pc, int64_t delta)
{
	size_t skip = 0;

	if (cc >= 0)
		skip = jmp_fwd8(c, cc ^ 1);
	emit_chk_charge(c, pc, (int64_t)pc + 1 + delta);
	c->chk_direct = true;
	jmp_insn(c, -1, pc, delta);
	c->chk_direct = false;
	if (cc >= 0)
		land8(c, skip);
}

/*
 * Whether native code may enter at @pc other than by falling through from
 * @pc - 1: a jump's target or a function's entry.
 */
static bool chk_entered(const struct kbpf_jit_in *in, uint32_t pc)
{
	if (in->is_func && in->is_func[pc])
		return true;
	for (uint32_t i = 0; i < in->len; i++) {
		const struct bpf_insn *j = &in->insns[i];
		uint8_t cls = BPF_CLASS(j->code), op = BPF_OP(j->code);
		int64_t to;

		if ((cls != BPF_JMP && cls != BPF_JMP32) ||
		    kbpf_interp_is_site_op(j->code) || op == BPF_EXIT)
			continue;
		if (op == BPF_CALL) {
			if (j->src_reg != BPF_PSEUDO_CALL)
				continue;
			to = (int64_t)i + 1 + j->imm;
		} else if (cls == BPF_JMP32 && op == BPF_JA) {
			to = (int64_t)i + 1 + j->imm;
		} else {
			to = (int64_t)i + 1 + j->off;
		}
		if (to == (int64_t)pc)
			return true;
	}
	return false;
}

/*
 * Whether base register @bpf_base of the access at @pc is r10 + *@k +
 * r*@idx on every path: the instructions before it are rX = r10,
 * optionally rX += k, then rX += rY (rX the base, rY another register
 * but r10, all 64-bit), then at most CHK_FRAME_INDEX_GAP ALU
 * instructions that write neither rX nor rY; native code enters none of
 * them but the first, nor the access (chk_entered()); r10 is never
 * written (@c->r10_fixed), so it is the function's frame. Only for
 * programs of at most CHK_FRAME_INDEX_LEN instructions: each match scans
 * them all.
 */
#define CHK_FRAME_INDEX_LEN 4096
#define CHK_FRAME_INDEX_GAP 8

static bool chk_frame_index(const struct x86 *c, uint32_t pc, int bpf_base,
			    int64_t *k, int *idx)
{
	const struct bpf_insn *in = c->in->insns;
	const struct bpf_insn *add, *addk = NULL, *mov;
	uint32_t first, at = pc, gap = 0;

	if (!c->r10_fixed || c->in->len > CHK_FRAME_INDEX_LEN ||
	    bpf_base == BPF_REG_10)
		return false;
	/* The ALU instructions between rX += rY and the access. */
	for (;;) {
		const struct bpf_insn *g;
		uint8_t cls;

		if (at < 3)
			return false;
		g = &in[at - 1];
		cls = BPF_CLASS(g->code);
		if (g->code == (BPF_ALU64 | BPF_ADD | BPF_X) &&
		    g->dst_reg == bpf_base)
			break;
		if ((cls != BPF_ALU && cls != BPF_ALU64) ||
		    g->dst_reg == bpf_base || ++gap > CHK_FRAME_INDEX_GAP)
			return false;
		at--;
	}
	add = &in[at - 1];
	if (add->src_reg == bpf_base || add->src_reg >= BPF_REG_10 ||
	    add->off || add->imm)
		return false;
	for (uint32_t i = at; i < pc; i++)
		if (in[i].dst_reg == add->src_reg)
			return false;
	mov = &in[at - 2];
	first = at - 2;
	if (mov->code == (BPF_ALU64 | BPF_ADD | BPF_K) && at >= 4 &&
	    mov->dst_reg == bpf_base && !mov->off) {
		addk = mov;
		mov = &in[at - 3];
		first = at - 3;
	}
	if (mov->code != (BPF_ALU64 | BPF_MOV | BPF_X) ||
	    mov->dst_reg != bpf_base || mov->src_reg != BPF_REG_10 ||
	    mov->off || mov->imm)
		return false;
	for (uint32_t i = first + 1; i <= pc; i++)
		if (chk_entered(c->in, i))
			return false;
	*k = addk ? (int64_t)addk->imm : 0;
	*idx = add->src_reg;
	return true;
}

/*
 * CHECK_MEM(base + off, bytes, write), and CHECK_ALIGN for @atomic. The
 * frames in use are [chk_stack, chk_stack + chk_lim + 8): the access is
 * in them if addr + bytes - 8 - chk_stack <= chk_lim, unsigned (the
 * lowest 8 - bytes bytes of the first frame fail that and go the slow
 * way, which allows them). An access at a constant offset of r10 inside
 * the function's own frame needs no test: r10 is never written
 * (@c->r10_fixed) and its frame is in use.
 */
static void emit_chk_mem(struct x86 *c, uint32_t pc, int bpf_base, int32_t off,
			 unsigned int bytes, bool write, bool atomic)
{
	int base = x86_reg[bpf_base];
	size_t ok, ok2, fast = SIZE_MAX;
	int64_t k, hi;
	int idx;

	if (bpf_base == BPF_REG_10 && c->r10_fixed && off >= -KBPF_STACK_SIZE &&
	    off + (int32_t)bytes <= 0 &&
	    (!atomic || !(off & (int32_t)(bytes - 1))))
		return;
	/*
	 * base = r10 + k + idx on every path here (chk_frame_index()): the
	 * access is in the function's own frame, which is in use, when
	 * -KBPF_STACK_SIZE <= k + idx + off and k + idx + off + bytes <= 0.
	 * With k + off >= -KBPF_STACK_SIZE, an idx in [0, hi] (unsigned,
	 * one compare) meets both; any other idx takes the test below.
	 */
	if (!atomic && chk_frame_index(c, pc, bpf_base, &k, &idx) &&
	    k + off >= -KBPF_STACK_SIZE) {
		hi = -(k + off + (int64_t)bytes);
		if (hi >= 0) {
			alu_imm(c, true, 7, x86_reg[idx],
				(int32_t)hi); /* cmp */
			fast = jmp_fwd8(c, CC_BE);
		}
	}
	op_mem(c, false, true, 0x8d, 0, R9, base, off + (int32_t)bytes - 8,
	       false);
	op_mem(c, false, true, 0x2b, 0, R9, JS, JS_OFF(chk_stack), false);
	op_mem(c, false, true, 0x3b, 0, R9, JS, JS_OFF(chk_lim), false);
	ok = jmp_fwd8(c, CC_BE);
	/* The value the last call site handed out (checked.c) */
	op_mem(c, false, true, 0x8d, 0, R9, base, off, false);
	op_mem(c, false, true, 0x2b, 0, R9, JS, JS_OFF(chk_vlo), false);
	op_mem(c, false, true, 0x3b, 0, R9, JS,
	       JS_OFF(chk_vlim) + (int32_t)sizeof(uint64_t) *
					  ((write ? 4 : 0) + (bytes == 1 ? 0 :
							      bytes == 2 ? 1 :
							      bytes == 4 ? 2 :
									   3)),
	       false);
	ok2 = jmp_fwd8(c, CC_B);
	op_mem(c, false, true, 0x8d, 0, TMP, base, off, false); /* lea */
	mov_imm64(c, R9, bytes | (write ? 0x100u : 0));
	emit1(c, 0xe8);
	emit32(c, (uint32_t)((int64_t)c->chk_thunk - (int64_t)(c->pos + 4)));
	land8(c, ok);
	land8(c, ok2);
	if (fast != SIZE_MAX)
		land8(c, fast);
	if (atomic) {
		op_mem(c, false, true, 0x8d, 0, TMP, base, off, false);
		op_rr(c, true, 0xf7, 0, TMP); /* test r11, imm32 */
		emit32(c, bytes - 1);
		jmp_fixed(c, CC_NE, c->chk_efault);
	}
}

/* A call site: the checked interpreter's path, r1-r5 kept. */
static int emit_chk_site(struct x86 *c, const struct bpf_insn *insn)
{
	static const uint8_t regs[6] = { R8, RCX, RDX, RSI, RDI, RAX };
	int i;

	if ((uint32_t)insn->imm >= c->in->nr_sites ||
	    (c->in->site_flags[insn->imm] & KBPF_JIT_SITE_TAIL_CALL))
		return -KBPF_EOPNOTSUPP;
	emit_chk_budget_out(c);
	/* r0-r5 in memory at rsp, in order; 48 bytes keep the alignment. */
	for (i = 0; i < 6; i++)
		push_r(c, regs[i]);
	mov_rr(c, true, RDI, JS);
	mov_imm64(c, RSI, (uint64_t)(uintptr_t)&c->in->sites[insn->imm]);
	mov_imm64(c, RDX, insn->code);
	mov_rr(c, true, RCX, RSP);
	call_abs(c, (const void *)x86_chk_site);
	mov_rr(c, false, R9, RAX);
	for (i = 5; i >= 0; i--)
		pop_r(c, regs[i]);
	emit_chk_budget_in(c, TMP);
	op_rr(c, false, 0x85, R9, R9);
	jmp_fixed(c, CC_NE, c->chk_err);
	return 0;
}

static void emit_chk_bpf_call(struct x86 *c, uint32_t pc, uint32_t target)
{
	emit_chk_charge(c, pc, target);
	op_mem(c, false, true, 0x8b, 0, TMP, JS, JS_OFF(chk_depth), false);
	op_mem(c, false, false, 0x83, 0, 7, TMP, 0, false);
	emit1(c, KBPF_MAX_CALL_FRAMES);
	jmp_fixed(c, CC_AE, c->set_eloop);
	mov_rr(c, true, R9, JS);
	emit1(c, 0xe8);
	emit32(c, (uint32_t)((int64_t)c->off[target] - (int64_t)(c->pos + 4)));
	/* The callee's exit left K = budget: seg is the next instruction. */
	alu_imm(c, true, 0, KR, (int32_t)(pc + 1));
	op_mem(c, false, true, 0xc7, 0, 0, JS, JS_OFF(chk_seg), false);
	emit32(c, pc + 1);
}

/* Calls into C that know nothing of K: r10 kept around them. */
static void emit_chk_keep_kr(struct x86 *c, bool push)
{
	if (push) {
		push_r(c, KR);
		push_r(c, KR);
	} else {
		pop_r(c, KR);
		pop_r(c, KR);
	}
}

/*
 * Checked code's form of @insn, or 1 if it is the fast form (plus the
 * access check emitted here for loads, stores and atomics).
 */
static int emit_chk_insn(struct x86 *c, const struct bpf_insn *insn,
			 uint32_t pc)
{
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code);
	unsigned int bytes = kbpf_insn_size_bytes(insn->code);

	/* r10 holds K: no register 11 (never blinded, never in a program). */
	if (insn->dst_reg == KBPF_JIT_REG_AX ||
	    (insn->src_reg == KBPF_JIT_REG_AX &&
	     insn->code != (BPF_JMP | BPF_CALL) &&
	     insn->code != (BPF_LD | BPF_IMM | BPF_DW)))
		return -KBPF_EOPNOTSUPP;
	if (kbpf_interp_is_site_op(insn->code))
		return emit_chk_site(c, insn);
	switch (insn->code) {
	case BPF_JMP | BPF_CALL:
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return -KBPF_EOPNOTSUPP;
		emit_chk_bpf_call(c, pc,
				  (uint32_t)((int64_t)pc + 1 + insn->imm));
		return 0;
	case BPF_JMP | BPF_EXIT:
		emit_chk_charge(c, pc, -1);
		emit_chk_leave(c);
		emit_epilogue(c);
		return 0;
	case BPF_JMP | BPF_JCOND:
		op_mem(c, false, true, 0x8b, 0, TMP, JS, JS_OFF(chk_may_goto),
		       false);
		op_mem(c, false, false, 0x83, 0, 7, TMP, 0, false);
		emit1(c, 0);
		jmp_insn(c, CC_E, pc, insn->off);
		op_mem(c, false, false, 0xff, 0, 1, TMP, 0, false); /* dec */
		return 0;
	}
	if (cls == BPF_LDX && (mode == BPF_MEM || mode == BPF_MEMSX)) {
		emit_chk_mem(c, pc, insn->src_reg, insn->off, bytes, false,
			     false);
	} else if (cls == BPF_LDX) {
		/* A probe load: the host's read, a C call. */
		emit_chk_keep_kr(c, true);
		emit_probe_ldx(c, x86_reg[insn->dst_reg],
			       x86_reg[insn->src_reg], insn->off,
			       BPF_SIZE(insn->code), mode == KBPF_PROBE_MEMSX);
		emit_chk_keep_kr(c, false);
		return mode == KBPF_PROBE_MEM || mode == KBPF_PROBE_MEMSX ?
			       0 :
			       -KBPF_EOPNOTSUPP;
	} else if ((cls == BPF_STX || cls == BPF_ST) && mode == BPF_MEM) {
		emit_chk_mem(c, pc, insn->dst_reg, insn->off, bytes, true,
			     false);
	} else if (cls == BPF_STX && mode == BPF_ATOMIC) {
		emit_chk_mem(c, pc,
			     insn->imm == BPF_LOAD_ACQ ? insn->src_reg :
							 insn->dst_reg,
			     insn->off, bytes, insn->imm != BPF_LOAD_ACQ, true);
	}
	return 1;
}

/*
 * Whether no instruction writes r10 (the interpreter's validation refuses
 * most such writes; an ld_imm64 into r10 it does not).
 */
static bool chk_r10_fixed(const struct kbpf_jit_in *in)
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

/*
 * Whether any code may read js->chk_seg: only the calls into C that
 * charge the budget do (emit_chk_budget_out()/_in(): call sites and the
 * access thunk). A program without call sites and without loads, stores
 * and atomics (each may take the thunk) never reads it, so its charges
 * need not store it: K alone carries the budget (jit.h).
 */
static bool chk_seg_read(const struct kbpf_jit_in *in)
{
	for (uint32_t pc = 0; pc < in->len; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];
		uint8_t cls = BPF_CLASS(insn->code);

		if (kbpf_interp_is_site_op(insn->code) || cls == BPF_LDX ||
		    cls == BPF_ST || cls == BPF_STX ||
		    (cls == BPF_LD &&
		     insn->code != (BPF_LD | BPF_IMM | BPF_DW)))
			return true;
	}
	return false;
}

/* ---- one instruction ---- */

static int emit_insn(struct x86 *c, const struct bpf_insn *insn, uint32_t pc)
{
	uint8_t cls = BPF_CLASS(insn->code);
	int dst;

	/* src_reg of calls and ld_imm64 says what they are. */
	if (insn->dst_reg > KBPF_JIT_REG_AX ||
	    (insn->src_reg > KBPF_JIT_REG_AX &&
	     insn->code != (BPF_JMP | BPF_CALL) &&
	     insn->code != (BPF_LD | BPF_IMM | BPF_DW)))
		return -KBPF_EOPNOTSUPP;
	dst = x86_reg[insn->dst_reg];
	if (c->checked) {
		int r = emit_chk_insn(c, insn, pc);

		if (r <= 0)
			return r;
	}
	switch (insn->code) {
	case KBPF_INTERP_OP_CALL:
	case KBPF_INTERP_OP_LOOKUP_ARRAY:
	case KBPF_INTERP_OP_LOOKUP_PERCPU:
	case KBPF_INTERP_OP_LOOKUP_CALL:
	case KBPF_INTERP_OP_UPDATE_CALL:
	case KBPF_INTERP_OP_DELETE_CALL:
		return emit_site(c, insn);
	case BPF_JMP | BPF_CALL:
		if (insn->src_reg != BPF_PSEUDO_CALL)
			return -KBPF_EOPNOTSUPP;
		emit_bpf_call(c, (uint32_t)((int64_t)pc + 1 + insn->imm));
		return 0;
	case BPF_JMP | BPF_EXIT:
		emit_epilogue(c);
		return 0;
	case BPF_JMP | BPF_JA:
		jmp_insn(c, -1, pc, insn->off);
		return 0;
	case BPF_JMP32 | BPF_JA:
		jmp_insn(c, -1, pc, insn->imm);
		return 0;
	case BPF_JMP | BPF_JCOND:
		cmp_js_imm8(c, false, offsetof(struct kbpf_jit_state, may_goto),
			    0);
		jmp_insn(c, CC_E, pc, insn->off);
		op_mem(c, false, false, 0xff, 0, 1, JS,
		       (int32_t)offsetof(struct kbpf_jit_state, may_goto),
		       false);
		return 0;
	case BPF_LD | BPF_IMM | BPF_DW:
		if (pc + 1 >= c->in->len)
			return -KBPF_EOPNOTSUPP;
		if (insn->src_reg == BPF_PSEUDO_FUNC)
			mov_imm64(c, dst,
				  (uint64_t)((int64_t)pc + 1 + insn->imm));
		else
			mov_imm64(c, dst,
				  (uint64_t)(uint32_t)insn[0].imm |
					  (uint64_t)(uint32_t)insn[1].imm
						  << 32);
		return 0;
	case BPF_ALU | BPF_END | BPF_TO_LE:
	case BPF_ALU | BPF_END | BPF_TO_BE:
		if (BPF_SRC(insn->code) == BPF_TO_BE)
			emit_bswap(c, dst, insn->imm);
		else
			emit_trunc(c, dst, insn->imm);
		return 0;
	case BPF_ALU64 | BPF_END | BPF_TO_LE:
		emit_bswap(c, dst, insn->imm);
		return 0;
	case BPF_ALU64 | BPF_END | BPF_TO_BE:
		return -KBPF_EOPNOTSUPP;
	}
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return emit_alu(c, insn);
	case BPF_JMP:
	case BPF_JMP32:
		return emit_jmp(c, insn, pc);
	case BPF_LDX:
		if (BPF_MODE(insn->code) == KBPF_PROBE_MEM ||
		    BPF_MODE(insn->code) == KBPF_PROBE_MEMSX) {
			emit_probe_ldx(c, dst, x86_reg[insn->src_reg],
				       insn->off, BPF_SIZE(insn->code),
				       BPF_MODE(insn->code) ==
					       KBPF_PROBE_MEMSX);
			return 0;
		}
		if (BPF_MODE(insn->code) != BPF_MEM &&
		    BPF_MODE(insn->code) != BPF_MEMSX)
			return -KBPF_EOPNOTSUPP;
		return emit_ldx(c, dst, x86_reg[insn->src_reg], insn->off,
				BPF_SIZE(insn->code),
				BPF_MODE(insn->code) == BPF_MEMSX);
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC)
			return emit_atomic(c, insn);
		if (BPF_MODE(insn->code) != BPF_MEM)
			return -KBPF_EOPNOTSUPP;
		emit_stx(c, dst, insn->off, x86_reg[insn->src_reg],
			 BPF_SIZE(insn->code));
		return 0;
	case BPF_ST:
		if (insn->code == KBPF_NOSPEC) {
			emit_nospec(c);
			return 0;
		}
		if (BPF_MODE(insn->code) != BPF_MEM)
			return -KBPF_EOPNOTSUPP;
		emit_st(c, dst, insn->off, insn->imm, BPF_SIZE(insn->code));
		return 0;
	case BPF_LD:
		if ((BPF_MODE(insn->code) != BPF_ABS &&
		     BPF_MODE(insn->code) != BPF_IND) ||
		    BPF_SIZE(insn->code) == BPF_DW)
			return -KBPF_EOPNOTSUPP;
		emit_ld_pkt(c, insn);
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

int kbpf_jit_emit_x86_64(const struct kbpf_jit_in *in, struct kbpf_jit_out *out)
{
	struct x86 c = {
		.buf = out->buf,
		.cap = out->cap,
		.in = in,
		.off = out->insn_off,
		.first = out->insn_off[in->len] == 0,
	};
	uint32_t pc;
	int err;

	c.checked = in->checked;
	c.r10_fixed = in->checked && chk_r10_fixed(in);
	c.chk_seg_read = in->checked && chk_seg_read(in);
	c.lean_main = true;
	c.fuse_budget = 1u << 22;
	for (pc = 0; pc < in->len; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];

		if (insn->code == (BPF_JMP | BPF_CALL) &&
		    insn->src_reg == BPF_PSEUDO_CALL &&
		    (int64_t)pc + 1 + insn->imm == 0)
			c.lean_main = false;
	}
	emit_header(&c);
	if (c.checked)
		emit_chk_header(&c);
	for (pc = 0; pc < in->len && !c.err; pc++) {
		const struct bpf_insn *insn = &in->insns[pc];

		c.off[pc] = (uint32_t)c.pos;
		if (in->is_func[pc])
			emit_prologue(&c, pc, pc == 0 && c.lean_main);
		c.fuse = fuse_next(&c, pc);
		err = emit_insn(&c, insn, pc);
		if (err)
			return err;
		if (c.fuse) /* the ja it absorbed has no code of its own */
			c.off[++pc] = (uint32_t)c.pos;
		if (insn->code == (BPF_LD | BPF_IMM | BPF_DW))
			c.off[++pc] = (uint32_t)c.pos;
	}
	if (c.err)
		return c.err;
	if (c.pos > UINT32_MAX)
		return -KBPF_E2BIG;
	c.off[in->len] = (uint32_t)c.pos;
	out->len = c.pos;
	out->abort_off = c.abort_path;
	out->entry_off = c.chk_entry;
	return 0;
}

#endif /* __x86_64__ */
