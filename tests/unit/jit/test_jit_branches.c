// SPDX-License-Identifier: MIT
/*
 * The JIT's jumps and calls at every distance the backends encode
 * differently (riscv64: a branch reaches 4 KiB and jal 1 MiB; arm64 and
 * x86-64 have their own limits), and random programs of every ALU, jump,
 * load, store and atomic form, each compiled by the build's backend and
 * run natively and in the interpreter's fast mode: r0 must be the same.
 * Skips where the build has no backend or the host's JIT is off.
 */
#include <stdlib.h>
#include <string.h>

#include "core/priv.h"
#include "core/prog.h"
#include "interp/image.h"
#include "jit/jit.h"
#include "jit/jit_prog.h"
#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define MAX_INSNS (1u << 20)

static struct bpf_insn *prog_buf;
static uint32_t n;

/* A function, so that an argument may read n (a jump's offset). */
static void emit(struct bpf_insn insn)
{
	prog_buf[n++] = insn;
}

#define EMIT(c, d, s, o, i) emit(I(c, d, s, o, i))

/*
 * Run prog_buf[0, n) in the interpreter (fast mode), then natively; both
 * r0 into @interp and @jit. -1 if the JIT left it to the interpreter.
 */
static int run_both(uint64_t *interp, uint64_t *jit)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_interp_args args = { 0 };
	struct kbpf_prog prog;
	int err;

	memset(&prog, 0, sizeof(prog));
	prog.obj.host = h;
	prog.priv = KBPF_PRIV_ALL;
	prog.insns = prog_buf;
	prog.len = n;
	args.mode = KBPF_INTERP_FAST;
	err = kbpf_interp_run(&prog, h, &args, interp);
	if (err)
		return err;
	err = kbpf_interp_prepare(&prog, NULL);
	if (!err)
		err = kbpf_jit_compile(&prog);
	if (err)
		return err;
	if (!prog.jit) {
		kbpf_interp_release(&prog);
		return -1;
	}
	err = kbpf_interp_run(&prog, h, &args, jit);
	kbpf_jit_release(&prog);
	kbpf_interp_release(&prog);
	return err;
}

/*
 * A call over the whole main function to a subprogram at its end, a
 * conditional jump forward over @pad instructions, a loop of 3 backward
 * over @pad (a 32-bit compare, or a jump and a gotol when @pad is past the
 * 16-bit offset), a may_goto and a gotol forward over @pad. r0 is
 * 300 + 3 * pad + 7 + 5, plus with @ctx the u64 at r1 (read at the end,
 * through r9: checked code's region check out of line).
 */
static void gen_long(uint32_t pad, bool ctx)
{
	uint32_t top, call;

	n = 0;
	if (ctx)
		EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0);
	call = n;
	EMIT(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0); /* patched */
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 6, 0, 0, 0);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 0);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 3);
	if (pad < 32000) {
		EMIT(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, (int16_t)pad, 0);
	} else {
		EMIT(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 1, 0);
		EMIT(BPF_JMP32 | BPF_JA, 0, 0, 0, (int32_t)pad);
	}
	for (uint32_t i = 0; i < pad; i++)
		EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1);
	top = n;
	EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 100);
	for (uint32_t i = 0; i < pad; i++)
		EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1);
	EMIT(BPF_ALU64 | BPF_SUB | BPF_K, 2, 0, 0, 1);
	if (n + 1 - top < 32000) {
		EMIT(BPF_JMP32 | BPF_JNE | BPF_K, 2, 0,
		     (int16_t)((int32_t)top - (int32_t)n - 1), 0);
	} else {
		EMIT(BPF_JMP | BPF_JEQ | BPF_K, 2, 0, 1, 0);
		EMIT(BPF_JMP32 | BPF_JA, 0, 0, 0,
		     (int32_t)top - (int32_t)n - 1);
	}
	EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0);
	EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0);
	/* may_goto falls through (budget left), gotol skips the pad. */
	EMIT(BPF_JMP | BPF_JCOND, 0, 0, 1, 0);
	EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 5);
	EMIT(BPF_JMP32 | BPF_JA, 0, 0, 0, (int32_t)pad);
	for (uint32_t i = 0; i < pad; i++)
		EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1000);
	if (ctx) {
		EMIT(BPF_LDX | BPF_MEM | BPF_DW, 1, 9, 0, 0);
		EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0);
	}
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	prog_buf[call].imm = (int32_t)(n - call - 1);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 7);
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static bool jit_usable(void)
{
	(void)kbpf_posix_host(); /* reads KBPF_JIT */
	return kbpf_jit_available() && kbpf_posix_jit_on();
}

KBPF_TEST(jit_long_jumps,
	  "jumps, loops and calls over 10 to 300,000 instructions (up to a "
	  "few MiB of native code) give the interpreter's r0 natively")
{
	static const uint32_t pads[] = { 10, 900, 1100, 2100, 40000, 300000 };

	if (!jit_usable())
		T_SKIP("no JIT backend for this build, or KBPF_JIT=0");
	prog_buf = calloc(MAX_INSNS, sizeof(*prog_buf));
	T_ASSERT(prog_buf != NULL);
	for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		uint64_t ri = 0, rj = 0;

		gen_long(pads[i], false);
		T_EQ(run_both(&ri, &rj), 0);
		T_EQ(ri, 300 + 3 * (uint64_t)pads[i] + 7 + 5);
		T_EQ(rj, ri);
	}
	free(prog_buf);
	T_EQ(kbpf_posix_jit_live(), 0);
}

/*
 * Run prog_buf[0, n) checked with @budget in the interpreter, then with
 * the build's checked native code: errno and r0 of each. -1 if the JIT
 * made no checked code.
 */
static int run_both_checked(uint64_t budget, int *ei, uint64_t *ri, int *ej,
			    uint64_t *rj)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_interp_args args = { 0 };
	uint64_t ctx[4] = { 1u << 20, 0x1122334455667788ull, 3, 4 };
	struct kbpf_prog prog;
	int err;

	memset(&prog, 0, sizeof(prog));
	prog.obj.host = h;
	prog.priv = KBPF_PRIV_ALL;
	prog.insns = prog_buf;
	prog.len = n;
	args.ctx = ctx;
	args.ctx_size = sizeof(ctx);
	args.mode = KBPF_INTERP_CHECKED;
	args.budget = budget;
	*ri = *rj = 0;
	*ei = kbpf_interp_run(&prog, h, &args, ri);
	err = kbpf_interp_prepare(&prog, NULL);
	if (!err)
		err = kbpf_jit_compile(&prog);
	if (err)
		return err;
	if (!prog.jit_chk) {
		kbpf_jit_release(&prog);
		kbpf_interp_release(&prog);
		return -1;
	}
	*ej = kbpf_interp_run(&prog, h, &args, rj);
	kbpf_jit_release(&prog);
	kbpf_interp_release(&prog);
	return 0;
}

KBPF_TEST(jit_long_jumps_checked,
	  "checked native code: jumps, loops and calls over 10 to 300,000 "
	  "instructions (far branches to the -ELOOP exit and the access "
	  "thunk too) end as the checked interpreter's runs, with budgets "
	  "that last and budgets that run out in each loop round")
{
	static const uint32_t pads[] = { 10, 900, 1100, 2100, 40000, 300000 };

	if (!jit_usable())
		T_SKIP("no JIT backend for this build, or KBPF_JIT=0");
	if (!KBPF_JIT_CHECKED)
		T_SKIP("checked native code is off in this build");
	prog_buf = calloc(MAX_INSNS, sizeof(*prog_buf));
	T_ASSERT(prog_buf != NULL);
	for (size_t i = 0; i < sizeof(pads) / sizeof(pads[0]); i++) {
		/* enough; out at the first back-edge; at the third */
		const uint64_t budgets[] = { 0, pads[i],
					     3 * (uint64_t)pads[i] + 12 };

		for (size_t b = 0; b < 3; b++) {
			uint64_t ri, rj;
			int ei = 1, ej = 1, err;

			gen_long(pads[i], true);
			err = run_both_checked(budgets[b], &ei, &ri, &ej, &rj);
			if (err == -1)
				T_SKIP("no checked native code on this "
				       "architecture");
			T_EQ(err, 0);
			if (b == 0) {
				T_EQ(ei, 0);
				T_EQ(ri, 300 + 3 * (uint64_t)pads[i] + 7 + 5 +
						 (1u << 20));
			} else {
				T_EQ(ei, -KBPF_ELOOP);
			}
			T_EQ(ej, ei);
			if (!ei)
				T_EQ(rj, ri);
		}
	}
	free(prog_buf);
	T_EQ(kbpf_posix_jit_live(), 0);
}

/*
 * One access of @size bytes (1, 2, 4, 8) at base + @off, the base moved
 * so that the address is r10 + @k (@ctx: the context + @k), in checked
 * code: @kind 0 a load into r0, 1 a store of 0x5a5a5a5a (then r0 = the
 * u64 at r10 - 8 or the context's first), 2 an atomic fetch-add of 3 (32
 * and 64 bits; r0 the old value plus the new at the same place).
 */
static void gen_access(int kind, uint32_t size, int32_t off, int32_t k,
		       bool ctx)
{
	static const uint8_t sz[9] = {
		[1] = BPF_B, [2] = BPF_H, [4] = BPF_W, [8] = BPF_DW
	};

	n = 0;
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 9, 1, 0, 0);
	/* the slots the accesses reach: defined for fast code too */
	EMIT(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x01020304);
	EMIT(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, -0x0a0b0c0d);
	EMIT(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -504, 0x31323334);
	EMIT(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -512, -0x41424344);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 6, ctx ? 1 : 10, 0, 0);
	EMIT(BPF_LD | BPF_IMM | BPF_DW, 7, 0, 0, k - off);
	EMIT(0, 0, 0, 0, (int64_t)k - off < 0 ? -1 : 0);
	EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 6, 7, 0, 0);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	switch (kind) {
	case 0:
		EMIT(BPF_LDX | BPF_MEM | sz[size], 0, 6, (int16_t)off, 0);
		break;
	case 1:
		EMIT(BPF_ST | BPF_MEM | sz[size], 6, 0, (int16_t)off,
		     0x5a5a5a5a);
		EMIT(BPF_LDX | BPF_MEM | BPF_DW, 0, ctx ? 9 : 10, ctx ? 0 : -8,
		     0);
		break;
	default:
		EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 3);
		EMIT(BPF_STX | BPF_ATOMIC | sz[size], 6, 2, (int16_t)off,
		     BPF_ADD | BPF_FETCH);
		EMIT(BPF_LDX | BPF_MEM | sz[size], 0, 6, (int16_t)off, 0);
		EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0);
		break;
	}
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

struct access_counts {
	int cases, same, faults, fast;
};

/* gen_access() checked both ways; fast too where the access is allowed. */
static void check_access(int kind, uint32_t size, int32_t off, int32_t k,
			 bool ctx, struct access_counts *a)
{
	uint64_t ri, rj, fi = 0, fj = 0;
	int ei, ej, err;
	bool ok;

	gen_access(kind, size, off, k, ctx);
	err = run_both_checked(0, &ei, &ri, &ej, &rj);
	if (err == -1)
		T_SKIP("no checked native code on this architecture");
	T_EQ(err, 0);
	a->cases++;
	a->faults += ei == -KBPF_EFAULT;
	ok = ei == ej && (ei || ri == rj);
	/* an access the checked run allows on the stack: fast code too */
	if (!ei && !ctx) {
		ok = ok && !run_both(&fi, &fj) && fi == ri && fj == ri;
		a->fast++;
	}
	a->same += ok;
	if (!ok && a->cases - a->same <= 5)
		printf("  kind %d size %u off %d at %d%s: interpreter %d 0x%llx, native %d 0x%llx, fast 0x%llx 0x%llx\n",
		       kind, size, off, k, ctx ? " (ctx)" : "", ei,
		       (unsigned long long)ri, ej, (unsigned long long)rj,
		       (unsigned long long)fi, (unsigned long long)fj);
}

KBPF_TEST(jit_checked_offsets,
	  "checked native code: loads, stores and atomics of every size at "
	  "offsets on the encodings' limits (12-bit, 9-bit, scaled, 16-bit "
	  "extremes) onto addresses inside, straddling and past the frame "
	  "and the context end with the checked interpreter's errno and r0; "
	  "those on the stack it allows give that r0 in fast code too")
{
	static const int32_t offs[] = { -32768, -2049, -2048, -2047, -513,
					-512,	-257,  -256,  -8,    -1,
					0,	1,     255,   256,   2047,
					2048,	4095,  4096,  32767 };
	static const int32_t ks[] = { -520, -513, -512, -9, -8, -4, -1, 0, 4 };
	static const int32_t kc[] = { -8, -1, 0, 4, 24, 25, 28, 31, 32 };
	static const uint32_t sizes[] = { 1, 2, 4, 8 };
	struct access_counts a = { 0 };

	if (!jit_usable())
		T_SKIP("no JIT backend for this build, or KBPF_JIT=0");
	if (!KBPF_JIT_CHECKED)
		T_SKIP("checked native code is off in this build");
	prog_buf = calloc(64, sizeof(*prog_buf));
	T_ASSERT(prog_buf != NULL);
	for (int ctx = 0; ctx < 2; ctx++)
		for (int kind = 0; kind < 3; kind++)
			for (size_t s = kind == 2 ? 2 : 0; s < 4; s++)
				for (size_t o = 0; o < sizeof(offs) / 4; o++)
					for (size_t i = 0; i < 9; i++)
						check_access(
							kind, sizes[s], offs[o],
							ctx ? kc[i] : ks[i],
							ctx, &a);
	free(prog_buf);
	printf("  %d accesses, %d alike, %d -EFAULT, %d also run fast\n",
	       a.cases, a.same, a.faults, a.fast);
	T_EQ(a.same, a.cases);
	T_ASSERT(a.faults > 0 && a.faults < a.cases && a.fast > 0);
	T_EQ(kbpf_posix_jit_live(), 0);
}

/* ---- random programs ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static uint32_t rn(uint32_t lim)
{
	return (uint32_t)(rnd() % lim);
}

/* Immediates near the edges: 0, -1, small, INT_MIN, 12-bit, any. */
static int32_t rimm(void)
{
	switch (rn(6)) {
	case 0:
		return 0;
	case 1:
		return -1;
	case 2:
		return (int32_t)rn(64) - 32;
	case 3:
		return INT32_MIN;
	case 4:
		return (int32_t)rn(4096) - 2048;
	default:
		return (int32_t)(uint32_t)rnd();
	}
}

static void gen_alu(void)
{
	static const uint8_t ops[] = { BPF_ADD,	 BPF_SUB, BPF_MUL, BPF_DIV,
				       BPF_OR,	 BPF_AND, BPF_LSH, BPF_RSH,
				       BPF_NEG,	 BPF_MOD, BPF_XOR, BPF_MOV,
				       BPF_ARSH, BPF_END };
	static const int16_t movsx[] = { 0, 0, 8, 16, 32 };
	static const int32_t widths[] = { 16, 32, 64 };
	uint8_t op = ops[rn(sizeof(ops))];
	uint8_t cls = rn(2) ? BPF_ALU64 : BPF_ALU;
	uint8_t src = rn(2) ? BPF_X : BPF_K;
	uint8_t d = (uint8_t)rn(10), s = (uint8_t)rn(10);
	int16_t off = 0;
	int32_t imm = rimm();

	if (op == BPF_END) {
		imm = widths[rn(3)];
		if (cls == BPF_ALU64)
			src = 0;
	} else if (op == BPF_DIV || op == BPF_MOD) {
		off = (int16_t)rn(2);
	} else if (op == BPF_MOV && src == BPF_X) {
		off = movsx[rn(5)];
	} else if (op == BPF_NEG) {
		src = BPF_K;
	}
	EMIT(cls | op | src, d, src == BPF_X ? s : 0, off, imm);
}

/* Stack slot offsets: 8 slots below r10, aligned for @size bytes. */
static int16_t slot(uint32_t size)
{
	return (int16_t)(-8 * (int32_t)(1 + rn(8)) +
			 (int32_t)(rn(8 / size) * size));
}

static void gen_mem(void)
{
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const uint32_t bytes[] = { 1, 2, 4, 8 };
	uint32_t k = rn(4);
	uint8_t sz = sizes[k], d = (uint8_t)rn(10), s = (uint8_t)rn(10);
	int16_t off = slot(bytes[k]);

	switch (rn(3)) {
	case 0:
		EMIT(BPF_STX | BPF_MEM | sz, 10, s, off, 0);
		break;
	case 1:
		EMIT(BPF_ST | BPF_MEM | sz, 10, 0, off, rimm());
		break;
	default:
		EMIT(BPF_LDX | (rn(2) && sz != BPF_DW ? BPF_MEMSX : BPF_MEM) |
			     sz,
		     d, 10, off, 0);
		break;
	}
}

static void gen_atomic(void)
{
	static const int32_t ops[] = { BPF_ADD,
				       BPF_OR,
				       BPF_AND,
				       BPF_XOR,
				       BPF_ADD | BPF_FETCH,
				       BPF_OR | BPF_FETCH,
				       BPF_AND | BPF_FETCH,
				       BPF_XOR | BPF_FETCH,
				       BPF_XCHG,
				       BPF_CMPXCHG,
				       BPF_LOAD_ACQ,
				       BPF_STORE_REL };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int32_t op = ops[rn(12)];
	uint8_t sz = rn(2) ? BPF_W : BPF_DW;
	uint8_t d = (uint8_t)rn(10), s = (uint8_t)rn(10);
	int16_t off = (int16_t)(-8 * (int32_t)(1 + rn(8)));

	if (op == BPF_LOAD_ACQ || op == BPF_STORE_REL)
		sz = sizes[rn(4)];
	/* Half the compare-and-exchanges find r0 in memory. */
	if (op == BPF_CMPXCHG && rn(2))
		EMIT(BPF_LDX | BPF_MEM | sz, 0, 10, off, 0);
	if (op == BPF_LOAD_ACQ)
		EMIT(BPF_STX | BPF_ATOMIC | sz, d, 10, off, op);
	else
		EMIT(BPF_STX | BPF_ATOMIC | sz, 10, s, off, op);
}

/*
 * Registers r0-r9 and 64 bytes of stack filled with random values, @body
 * random instructions with forward jumps only, then r0 = a hash of r0-r9
 * and the stack.
 */
static void gen_random(uint32_t body)
{
	static const uint8_t jops[] = { BPF_JEQ, BPF_JGT,  BPF_JGE,  BPF_JSET,
					BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT,
					BPF_JLE, BPF_JSLT, BPF_JSLE };
	uint32_t end;

	n = 0;
	for (uint8_t r = 0; r <= 9; r++) {
		uint64_t v = rn(3) ? rnd() : (uint64_t)(int64_t)rimm();

		EMIT(BPF_LD | BPF_IMM | BPF_DW, r, 0, 0, (int32_t)v);
		EMIT(0, 0, 0, 0, (int32_t)(v >> 32));
	}
	for (int k = 1; k <= 8; k++)
		EMIT(BPF_STX | BPF_MEM | BPF_DW, 10, (uint8_t)rn(10), -8 * k,
		     0);
	end = n + body;
	while (n < end) {
		uint32_t left = end - n;
		uint8_t cls = rn(2) ? BPF_JMP : BPF_JMP32;
		uint8_t src = rn(2) ? BPF_X : BPF_K;

		switch (rn(10)) {
		case 0:
		case 1:
		case 2:
		case 3:
			gen_alu();
			break;
		case 4:
		case 5:
			EMIT(cls | jops[rn(sizeof(jops))] | src,
			     (uint8_t)rn(10),
			     src == BPF_X ? (uint8_t)rn(10) : 0,
			     (int16_t)rn(left < 8 ? left : 8), rimm());
			break;
		case 6:
			gen_mem();
			break;
		case 7:
			gen_atomic();
			break;
		case 8:
			EMIT(BPF_JMP | BPF_JCOND, 0, 0,
			     (int16_t)rn(left < 4 ? left : 4), 0);
			break;
		default:
			EMIT(BPF_JMP32 | BPF_JA, 0, 0, 0,
			     (int32_t)rn(left < 3 ? left : 3));
			break;
		}
	}
	for (uint8_t r = 1; r <= 9; r++) {
		EMIT(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 1000003);
		EMIT(BPF_ALU64 | BPF_XOR | BPF_X, 0, r, 0, 0);
	}
	for (int k = 1; k <= 8; k++) {
		EMIT(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8 * k, 0);
		EMIT(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 1000003);
		EMIT(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0);
	}
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

KBPF_TEST(jit_random_vs_interp,
	  "3,000 seeded random programs (every ALU/ALU32 op in both forms "
	  "incl. sdiv/smod/movsx/bswap, 32- and 64-bit jumps, may_goto, "
	  "gotol, loads, sign-extending loads, stores, every atomic) give "
	  "the same r0 natively and in the interpreter")
{
	int programs = 0, same = 0;

	if (!jit_usable())
		T_SKIP("no JIT backend for this build, or KBPF_JIT=0");
	prog_buf = calloc(1024, sizeof(*prog_buf));
	T_ASSERT(prog_buf != NULL);
	for (int i = 0; i < 3000; i++) {
		uint64_t ri = 0, rj = 0;
		int err;

		gen_random(20 + rn(100));
		err = run_both(&ri, &rj);
		programs++;
		if (!err && ri == rj)
			same++;
		else if (programs - same <= 5)
			printf("  program %d: err %d interp 0x%llx jit 0x%llx\n",
			       i, err, (unsigned long long)ri,
			       (unsigned long long)rj);
	}
	free(prog_buf);
	printf("  %d random programs, %d with the same r0\n", programs, same);
	T_EQ(same, programs);
	T_EQ(kbpf_posix_jit_live(), 0);
}

/*
 * A loop whose back-edge is clang's `if cond goto +1; goto top`, which
 * the x86-64 backend emits as one jump on the inverted condition unless
 * something else jumps to the `goto` (then both stay). Every conditional
 * op, both classes, register and immediate; the `goto` goes back to the
 * top or forward over one instruction, and with @target another jump
 * lands on it. At most 65 rounds (r7 counts them).
 */
static void gen_back_edge(uint8_t cls, uint8_t op, uint8_t src, bool back,
			  bool target)
{
	uint32_t top, to_ja = 0;

	n = 0;
	for (uint8_t r = 1; r <= 5; r++) {
		uint64_t v = rn(3) ? rnd() : (uint64_t)(int64_t)rimm();

		EMIT(BPF_LD | BPF_IMM | BPF_DW, r, 0, 0, (int32_t)v);
		EMIT(0, 0, 0, 0, (int32_t)(v >> 32));
	}
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
	EMIT(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0);
	top = n;
	EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1);
	EMIT(BPF_JMP | BPF_JGT | BPF_K, 7, 0, back ? 9 : 10, 64); /* out */
	EMIT(BPF_ALU64 | BPF_MUL | BPF_K, 6, 0, 0, 31);
	EMIT(BPF_ALU64 | BPF_XOR | BPF_X, 6, 1, 0, 0);
	EMIT(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 0x5bd1e995);
	EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 1, 7, 0, 0);
	if (target) {
		to_ja = n;
		EMIT(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 0, 4); /* patched */
	} else {
		EMIT(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, 1);
	}
	EMIT(cls | op | src, 1, src == BPF_X ? 2 : 0, 1, rimm());
	if (target)
		prog_buf[to_ja].off = (int16_t)(n - to_ja - 1);
	if (back) {
		EMIT(BPF_JMP | BPF_JA, 0, 0, (int16_t)(top - n - 1), 0);
	} else {
		EMIT(BPF_JMP | BPF_JA, 0, 0, 1, 0);
		EMIT(BPF_ALU64 | BPF_XOR | BPF_K, 6, 0, 0, 0x55);
	}
	EMIT(BPF_ALU64 | BPF_ADD | BPF_X, 6, 7, 0, 0); /* fall through */
	EMIT(BPF_JMP32 | BPF_JA, 0, 0, 0, (int32_t)top - (int32_t)n - 1);
	/* out: */
	EMIT(BPF_ALU64 | BPF_MOV | BPF_X, 0, 6, 0, 0);
	EMIT(BPF_ALU64 | BPF_XOR | BPF_X, 0, 3, 0, 0);
	EMIT(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

KBPF_TEST(jit_fused_back_edges,
	  "loops closed by `if cond goto +1; goto top` (every conditional "
	  "jump, 32 and 64 bits, register and immediate, the goto backward "
	  "or forward, with and without another jump onto the goto) give the "
	  "interpreter's r0 natively")
{
	static const uint8_t jops[] = { BPF_JEQ, BPF_JGT,  BPF_JGE,  BPF_JSET,
					BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT,
					BPF_JLE, BPF_JSLT, BPF_JSLE };
	int programs = 0, same = 0;

	if (!jit_usable())
		T_SKIP("no JIT backend for this build, or KBPF_JIT=0");
	prog_buf = calloc(64, sizeof(*prog_buf));
	T_ASSERT(prog_buf != NULL);
	for (int i = 0; i < 40; i++)
		for (size_t o = 0; o < sizeof(jops); o++)
			for (int v = 0; v < 8; v++) {
				uint64_t ri = 0, rj = 0;
				int err;

				gen_back_edge(v & 1 ? BPF_JMP : BPF_JMP32,
					      jops[o], v & 2 ? BPF_X : BPF_K,
					      !(v & 4), i & 1);
				err = run_both(&ri, &rj);
				programs++;
				if (!err && ri == rj)
					same++;
				else if (programs - same <= 5)
					printf("  op 0x%x variant %d: err %d interp 0x%llx jit 0x%llx\n",
					       jops[o], v, err,
					       (unsigned long long)ri,
					       (unsigned long long)rj);
			}
	free(prog_buf);
	printf("  %d programs, %d with the same r0\n", programs, same);
	T_EQ(same, programs);
	T_EQ(kbpf_posix_jit_live(), 0);
}
