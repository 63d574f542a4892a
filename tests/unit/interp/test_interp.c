// SPDX-License-Identifier: MIT
/*
 * The interpreter beyond the conformance suite: Linux's runtime rules,
 * bpf-to-bpf calls and frames, callbacks, and what checked mode refuses.
 */
#include <string.h>

#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "core/priv.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define INSN(c, d, s, o, i)                 \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define MOV64_IMM(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOV64_REG(d, s) INSN(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU64_IMM(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU32_REG(op, d, s) INSN(BPF_ALU | (op) | BPF_X, d, s, 0, 0)
#define ALU64_REG(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define LDX(sz, d, s, o) INSN(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) INSN(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST_IMM(sz, d, o, i) INSN(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JA(o) INSN(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define JEQ_IMM(d, i, o) INSN(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, i)
#define CALL_HELPER(id) INSN(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALL_LOCAL(rel) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)
#define EXIT() INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static struct kbpf_helper helpers[16];

static int run_insns(struct bpf_insn *insns, uint32_t len,
		     enum kbpf_interp_mode mode, void *ctx, size_t ctx_size,
		     uint64_t *r0)
{
	struct kbpf_prog prog;
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = ctx_size,
					 .ctx_writable = true,
					 .mode = mode };

	memset(&prog, 0, sizeof(prog));
	prog.priv = KBPF_PRIV_ALL; /* a trusted loader: no pointer rules */
	prog.insns = insns;
	prog.len = len;
	prog.helpers = helpers;
	prog.nr_helpers = 16;
	return kbpf_interp_run(&prog, kbpf_posix_host(), &args, r0);
}

#define RUN(insns, mode, ctx, size, r0) \
	run_insns(insns, sizeof(insns) / sizeof(insns[0]), mode, ctx, size, r0)

KBPF_TEST(
	div_mod_by_zero,
	"division by zero gives 0 and modulo by zero keeps the dividend (32-bit: zero-extended)")
{
	struct bpf_insn p[] = {
		MOV64_IMM(1, 0),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, 7),
		INSN(0, 0, 0, 0, 1), /* r2 = 0x100000007 */
		MOV64_REG(3, 2),
		ALU64_REG(BPF_DIV, 3, 1), /* r3 = 0 */
		MOV64_REG(4, 2),
		ALU64_REG(BPF_MOD, 4, 1), /* r4 = r2 */
		MOV64_REG(5, 2),
		ALU32_REG(BPF_MOD, 5, 1), /* r5 = 7 */
		MOV64_REG(0, 3),
		ALU64_REG(BPF_ADD, 0, 5),
		ALU64_REG(BPF_ADD, 0, 4), /* 0 + 7 + 0x100000007 */
		EXIT(),
	};
	uint64_t r0;

	for (int m = 0; m < 2; m++) {
		T_EQ(RUN(p, m, NULL, 0, &r0), 0);
		T_EQ(r0, 0x10000000eULL);
	}
}

KBPF_TEST(
	local_calls_preserve_callee_saved,
	"bpf-to-bpf calls get a fresh frame and keep r6-r9 and the caller's stack")
{
	struct bpf_insn p[] = {
		MOV64_IMM(6, 66),
		ST_IMM(BPF_DW, 10, -8, 1234),
		MOV64_IMM(1, 5),
		CALL_LOCAL(4),
		LDX(BPF_DW, 2, 10, -8),
		ALU64_REG(BPF_ADD, 0, 2),
		ALU64_REG(BPF_ADD, 0, 6),
		EXIT(),
		/* callee: clobbers r6 and its own stack slot */
		MOV64_IMM(6, 0),
		ST_IMM(BPF_DW, 10, -8, 9999),
		MOV64_REG(0, 1),
		ALU64_IMM(BPF_MUL, 0, 10),
		EXIT(),
	};
	uint64_t r0;

	for (int m = 0; m < 2; m++) {
		T_EQ(RUN(p, m, NULL, 0, &r0), 0);
		T_EQ(r0, 50 + 1234 + 66);
	}
}

KBPF_TEST(call_depth_limit,
	  "recursion past KBPF_MAX_CALL_FRAMES frames stops with -ELOOP")
{
	struct bpf_insn p[] = {
		CALL_LOCAL(-1),
		EXIT(),
	};
	uint64_t r0;

	T_EQ(RUN(p, KBPF_INTERP_FAST, NULL, 0, &r0), -KBPF_ELOOP);
	T_EQ(RUN(p, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_ELOOP);
}

static uint64_t h_callback(struct kbpf_run *run, uint64_t n, uint64_t fn,
			   uint64_t ctx, uint64_t r4, uint64_t r5)
{
	uint64_t sum = 0;

	(void)ctx;
	(void)r4;
	(void)r5;
	for (uint64_t i = 0; i < n; i++)
		sum += run->call_func(run, fn, i, 0, 0, 0, 0);
	return sum;
}

KBPF_TEST(callbacks_through_call_func,
	  "helpers run BPF callbacks (BPF_PSEUDO_FUNC) through run->call_func")
{
	struct bpf_insn p[] = {
		MOV64_IMM(1, 4),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 4),
		INSN(0, 0, 0, 0, 0),
		MOV64_IMM(3, 0),
		CALL_HELPER(1),
		EXIT(),
		/* callback(i): return i * i */
		MOV64_REG(0, 1),
		ALU64_REG(BPF_MUL, 0, 1),
		EXIT(),
	};
	uint64_t r0;

	helpers[1] = (struct kbpf_helper){
		.fn = h_callback,
		.name = "test_loop",
		.args = { KBPF_ARG_ANYTHING, KBPF_ARG_PTR_TO_FUNC,
			  KBPF_ARG_ANYTHING },
	};
	for (int m = 0; m < 2; m++) {
		T_EQ(RUN(p, m, NULL, 0, &r0), 0);
		T_EQ(r0, 0 + 1 + 4 + 9);
	}
}

KBPF_TEST(unknown_helper,
	  "a call to a helper id with no entry stops the run with -ENOENT")
{
	struct bpf_insn p[] = { CALL_HELPER(9), EXIT() };
	uint64_t r0;

	T_EQ(RUN(p, KBPF_INTERP_FAST, NULL, 0, &r0), -KBPF_ENOENT);
	T_EQ(RUN(p, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_ENOENT);
}

KBPF_TEST(
	checked_refuses_wild_access,
	"checked mode stops loads and stores outside the stack and context with -EFAULT")
{
	uint64_t secret = 42, r0 = 0;
	uint8_t ctx[16] = { 0 };
	struct bpf_insn load_wild[] = {
		INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0),
		INSN(0, 0, 0, 0, 0),
		LDX(BPF_DW, 0, 1, 0),
		EXIT(),
	};
	struct bpf_insn below_stack[] = {
		LDX(BPF_DW, 0, 10, -520),
		EXIT(),
	};
	struct bpf_insn past_ctx[] = {
		LDX(BPF_DW, 0, 1, 12), /* bytes 12..19 of a 16-byte ctx */
		EXIT(),
	};
	struct bpf_insn in_ctx[] = {
		ST_IMM(BPF_W, 1, 12, 7),
		LDX(BPF_W, 0, 1, 12),
		EXIT(),
	};

	load_wild[0].imm = (int32_t)(uintptr_t)&secret;
	load_wild[1].imm = (int32_t)((uint64_t)(uintptr_t)&secret >> 32);
	T_EQ(RUN(load_wild, KBPF_INTERP_FAST, NULL, 0, &r0), 0);
	T_EQ(r0, 42); /* fast mode trusts the program */
	T_EQ(RUN(load_wild, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(below_stack, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(past_ctx, KBPF_INTERP_CHECKED, ctx, sizeof(ctx), &r0),
	     -KBPF_EFAULT);
	T_EQ(RUN(in_ctx, KBPF_INTERP_CHECKED, ctx, sizeof(ctx), &r0), 0);
	T_EQ(r0, 7);
}

KBPF_TEST(checked_read_only_ctx,
	  "checked mode refuses stores into a read-only context")
{
	uint8_t ctx[8] = { 0 };
	struct kbpf_prog prog;
	struct bpf_insn p[] = { ST_IMM(BPF_B, 1, 0, 1), MOV64_IMM(0, 0),
				EXIT() };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = 8,
					 .ctx_writable = false,
					 .mode = KBPF_INTERP_CHECKED };
	uint64_t r0;

	memset(&prog, 0, sizeof(prog));
	prog.priv = KBPF_PRIV_ALL; /* a trusted loader: no pointer rules */
	prog.insns = p;
	prog.len = 3;
	T_EQ(kbpf_interp_run(&prog, kbpf_posix_host(), &args, &r0),
	     -KBPF_EFAULT);
	T_EQ(ctx[0], 0);
	args.ctx_writable = true;
	T_EQ(kbpf_interp_run(&prog, kbpf_posix_host(), &args, &r0), 0);
	T_EQ(ctx[0], 1);
}

KBPF_TEST(checked_budget, "checked mode stops an endless loop with -ELOOP")
{
	struct bpf_insn p[] = { MOV64_IMM(0, 0), JA(-1), EXIT() };
	uint64_t r0;

	T_EQ(RUN(p, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_ELOOP);
}

KBPF_TEST(
	checked_validation,
	"checked mode refuses bad jumps, split ld_imm64, writes to r10 and falling off the end")
{
	struct bpf_insn jump_out[] = { JA(5), EXIT() };
	struct bpf_insn into_ldimm[] = {
		JA(1),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0),
		INSN(0, 0, 0, 0, 0),
		EXIT(),
	};
	struct bpf_insn half_ldimm[] = {
		MOV64_IMM(0, 0),
		INSN(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 0),
	};
	struct bpf_insn write_r10[] = { MOV64_IMM(10, 0), EXIT() };
	struct bpf_insn no_exit[] = { MOV64_IMM(0, 0) };
	struct bpf_insn bad_reg[] = { MOV64_IMM(11, 0), EXIT() };
	uint64_t r0;

	T_EQ(RUN(jump_out, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(into_ldimm, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(half_ldimm, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(write_r10, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(no_exit, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(bad_reg, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
}

static uint64_t h_region(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			 uint64_t r3, uint64_t r4, uint64_t r5)
{
	static uint64_t value = 77;

	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	kbpf_run_add_region(run, &value, sizeof(value), false);
	return (uint64_t)(uintptr_t)&value;
}

KBPF_TEST(
	checked_helper_regions,
	"memory a helper registers becomes readable in checked mode, and only as registered")
{
	struct bpf_insn rd[] = { CALL_HELPER(2), LDX(BPF_DW, 0, 0, 0), EXIT() };
	struct bpf_insn wr[] = { CALL_HELPER(2), ST_IMM(BPF_DW, 0, 0, 1),
				 EXIT() };
	struct bpf_insn past[] = { CALL_HELPER(2), LDX(BPF_DW, 0, 0, 4),
				   EXIT() };
	uint64_t r0;

	helpers[2] = (struct kbpf_helper){ .fn = h_region, .name = "region" };
	T_EQ(RUN(rd, KBPF_INTERP_CHECKED, NULL, 0, &r0), 0);
	T_EQ(r0, 77);
	T_EQ(RUN(wr, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(past, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
}

KBPF_TEST(
	checked_helper_args,
	"checked mode refuses a map-pointer argument that is not one of the program's maps")
{
	struct bpf_insn p[] = {
		MOV64_IMM(1, 0x1000),
		CALL_HELPER(3),
		EXIT(),
	};
	uint64_t r0;

	helpers[3] = (struct kbpf_helper){ .fn = h_region,
					   .name = "map_op",
					   .args = { KBPF_ARG_CONST_MAP_PTR } };
	T_EQ(RUN(p, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EINVAL);
	T_EQ(RUN(p, KBPF_INTERP_FAST, NULL, 0, &r0), 0);
}

KBPF_TEST(
	checked_misaligned_atomic,
	"checked mode fails a misaligned atomic (an 8-byte add at r10-12, a 4-byte one at r10-6, load-acquire, on the context) with -EFAULT, as Linux refuses it; aligned ones run")
{
	uint64_t ctx[2] = { 0, 0 }, r0 = 0;
#define ATOMIC(sz, d, s, o, op) INSN(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)
	struct bpf_insn dw_bad[] = { ST_IMM(BPF_DW, 10, -16, 0),
				     ST_IMM(BPF_DW, 10, -8, 0),
				     MOV64_IMM(1, 1),
				     ATOMIC(BPF_DW, 10, 1, -12, BPF_ADD),
				     MOV64_IMM(0, 0),
				     EXIT() };
	struct bpf_insn dw_ok[] = { ST_IMM(BPF_DW, 10, -16, 5), MOV64_IMM(1, 1),
				    ATOMIC(BPF_DW, 10, 1, -16, BPF_ADD),
				    LDX(BPF_DW, 0, 10, -16), EXIT() };
	struct bpf_insn w_bad[] = { ST_IMM(BPF_DW, 10, -8, 0), MOV64_IMM(1, 1),
				    ATOMIC(BPF_W, 10, 1, -6,
					   BPF_ADD | BPF_FETCH),
				    MOV64_IMM(0, 0), EXIT() };
	struct bpf_insn w_ok[] = { ST_IMM(BPF_DW, 10, -8, 0), MOV64_IMM(1, 3),
				   ATOMIC(BPF_W, 10, 1, -4, BPF_XCHG),
				   LDX(BPF_W, 0, 10, -4), EXIT() };
	struct bpf_insn acq_bad[] = { ST_IMM(BPF_DW, 10, -16, 0),
				      ST_IMM(BPF_DW, 10, -8, 0),
				      ATOMIC(BPF_DW, 0, 10, -12, BPF_LOAD_ACQ),
				      EXIT() };
	struct bpf_insn h_bad[] = { ST_IMM(BPF_DW, 10, -8, 0), MOV64_IMM(1, 1),
				    ATOMIC(BPF_H, 10, 1, -3, BPF_STORE_REL),
				    MOV64_IMM(0, 0), EXIT() };
	struct bpf_insn ctx_bad[] = { MOV64_IMM(2, 1),
				      ATOMIC(BPF_DW, 1, 2, 4, BPF_ADD),
				      MOV64_IMM(0, 0), EXIT() };
	struct bpf_insn ctx_ok[] = { MOV64_IMM(2, 1),
				     ATOMIC(BPF_DW, 1, 2, 8, BPF_ADD),
				     LDX(BPF_DW, 0, 1, 8), EXIT() };
#undef ATOMIC

	T_EQ(RUN(dw_bad, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(dw_ok, KBPF_INTERP_CHECKED, NULL, 0, &r0), 0);
	T_EQ(r0, 6);
	T_EQ(RUN(w_bad, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(w_ok, KBPF_INTERP_CHECKED, NULL, 0, &r0), 0);
	T_EQ(r0, 3);
	T_EQ(RUN(acq_bad, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(h_bad, KBPF_INTERP_CHECKED, NULL, 0, &r0), -KBPF_EFAULT);
	T_EQ(RUN(ctx_bad, KBPF_INTERP_CHECKED, ctx, sizeof(ctx), &r0),
	     -KBPF_EFAULT);
	T_EQ(ctx[0], 0);
	T_EQ(RUN(ctx_ok, KBPF_INTERP_CHECKED, ctx, sizeof(ctx), &r0), 0);
	T_EQ(r0, 1);
}
