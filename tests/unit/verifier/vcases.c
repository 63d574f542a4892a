// SPDX-License-Identifier: MIT
/*
 * The verifier's table of hand-written programs (vcases.h), moved out of
 * test_verifier_diff.c: about half unsafe (out-of-bounds map, stack and
 * packet accesses, stores through scalars, unchecked map lookups, unbounded
 * and infinite loops, uninitialised registers and stack, leaked ring buffer
 * records, writes to read-only maps, misaligned stack accesses, pointer
 * leaks by loaders without CAP_PERFMON) and half safe (bounded loops, packet
 * parsing with bounds checks, checked lookups, helpers, bpf-to-bpf calls,
 * bpf_loop, for_each_map_elem, tail calls), and the maps they use.
 */
#include <string.h>

#include "kbpf/uapi/btf.h"
#include "vcases.h"
#include "vinsn.h"

_Static_assert(MAPREF == VCASE_MAPREF, "one map reference base");
_Static_assert(NR_MAPS == VCASE_NR_MAPS, "one map count");

/* Instructions of @c: up to its last non-empty one (an exit). */
uint32_t vcase_len(const struct vcase *c)
{
	uint32_t n = 40;

	while (n && !c->insns[n - 1].code)
		n--;
	return n;
}

/* A privileged socket filter whose offsets name BTF fields (BTF_F()). */
#define MAPF(nm, sf, ln, ...)                                        \
	{                                                            \
		.name = nm, .attach = "btf", .type = SF, .safe = sf, \
		.same_line = ln, .insns = {                          \
			__VA_ARGS__                                  \
		}                                                    \
	}

/*
 * Insns 0-7 of the "live_*" cases: r9 = ctx, r6 = a random number, and
 * "if r6 == 0 goto 10"; 8-9 and 10 are the two paths, 11 their join.
 */
#define LIVE_JOIN                                                          \
	MOVR(9, 1), CALL(BPF_FUNC_get_prandom_u32), MOVR(6, 0), MOV(7, 0), \
		MOV(8, 0), MOV(2, 0), MOV(3, 0), JI(BPF_JEQ, 6, 0, 2)

#define CASE(nm, ty, up, sf, ln, ...)                             \
	{                                                         \
		.name = nm, .type = ty, .unpriv = up, .safe = sf, \
		.same_line = ln, .insns = {                       \
			__VA_ARGS__                               \
		}                                                 \
	}

/*
 * Tracing cases: BTF_F(k) in an instruction's offset is replaced at load
 * with field k of vcase_btf_fields[] (its byte offset in this kernel's BTF) plus
 * the rest of the offset, so that no case depends on a kernel's layout.
 */
#define BTF_F(k) VCASE_BTF_F(k)
#define F_PID 0
#define F_REAL_PARENT 1
#define F_CRED 2
#define F_COMM 3
#define F_TASK_SIZE 4
#define F_FN_NAME 5
#define F_FN_ANAME 6
#define F_FN_INAME 7
#define F_MM 8
#define F_SKB_SK 9
#define F_SK_FAMILY 10
#define F_MM_COUNT 11
#define F_MAP_MAX 12 /* struct bpf_map's, through a map pointer */
#define F_MAP_NAME 13
#define F_MAP_OPS 14
#define F_HTAB_SIZE 15
_Static_assert(F_HTAB_SIZE + 1 == VCASE_NR_BTF_F, "one field count");
const struct vcase_btf_field vcase_btf_fields[VCASE_NR_BTF_F] = {
	{ "task_struct", "pid" },
	{ "task_struct", "real_parent" },
	{ "task_struct", "cred" },
	{ "task_struct", "comm" },
	{ "task_struct", NULL },
	{ "filename", "name" },
	{ "filename", "aname" },
	{ "filename", "iname" },
	{ "task_struct", "mm" },
	{ "sk_buff", "sk" },
	{ "sock_common", "skc_family" },
	{ "mm_struct", "map_count" },
	{ "bpf_map", "max_entries" },
	{ "bpf_map", "name" },
	{ "bpf_map", "ops" },
	{ "bpf_htab", NULL },
};
#define TP "tp:sched_switch" /* (bool preempt, prev, next, prev_state) */
#define FE "fentry:do_unlinkat" /* (int dfd, struct filename *name) */
#define FX "fexit:do_unlinkat"
#define TR BPF_PROG_TYPE_TRACING
#define PREV LDX(BPF_DW, 6, 1, 8)
#define FNAME LDX(BPF_DW, 6, 1, 8)
#define RET0 MOV(0, 0), EXIT

/* dynptrs: a ring buffer record of 8 bytes, or a map value's 8 bytes */
#define RESV_DYN(off)                                      \
	LDMAP(1, M_RB), MOV(2, 8), MOV(3, 0), MOVR(4, 10), \
		ALU(BPF_ADD, 4, off), CALL(BPF_FUNC_ringbuf_reserve_dynptr)
#define SUBMIT_DYN(off)                               \
	MOVR(1, 10), ALU(BPF_ADD, 1, off), MOV(2, 0), \
		CALL(BPF_FUNC_ringbuf_submit_dynptr)
#define DISCARD_DYN(off)                              \
	MOVR(1, 10), ALU(BPF_ADD, 1, off), MOV(2, 0), \
		CALL(BPF_FUNC_ringbuf_discard_dynptr)
#define FROM_MEM(off)                                                 \
	LOOKUP(M_ARR), MOVR(1, 0), MOV(2, 8), MOV(3, 0), MOVR(4, 10), \
		ALU(BPF_ADD, 4, off), CALL(BPF_FUNC_dynptr_from_mem)
/* bpf_dynptr_read(fp-48, 4, dynptr, 0, 0) */
#define DREAD(off)                                                 \
	MOVR(1, 10), ALU(BPF_ADD, 1, -48), MOV(2, 4), MOVR(3, 10), \
		ALU(BPF_ADD, 3, off), MOV(4, 0), MOV(5, 0),        \
		CALL(BPF_FUNC_dynptr_read)
/* r0 = bpf_dynptr_data(dynptr, 0, n) */
#define DDATA(off, n)                                            \
	MOVR(1, 10), ALU(BPF_ADD, 1, off), MOV(2, 0), MOV(3, n), \
		CALL(BPF_FUNC_dynptr_data)

/*
 * r0 = bpf_<fn>(ctx, tuple, 12, netns 0, flags 0): an IPv4 tuple of zeroes
 * at r10-16 (the ctx still in r1).
 */
#define SKLOOK(fn)                                                      \
	ST(BPF_DW, 10, -16, 0), ST(BPF_W, 10, -8, 0), MOVR(2, 10),      \
		ALU(BPF_ADD, 2, -16), MOV(3, 12), MOV(4, 0), MOV(5, 0), \
		CALL(BPF_FUNC_##fn)
#define SKREL(r) MOVR(1, r), CALL(BPF_FUNC_sk_release)
/* r1 = __sk_buff->sk (r1 the context) */
#define SKB_SK LDX(BPF_DW, 1, 1, 168)

const char *const vcase_kfuncs[VCASE_NR_KF] = {
	"bpf_iter_num_new",
	"bpf_iter_num_next",
	"bpf_iter_num_destroy",
	"bpf_task_from_pid",
};

/* Open-coded iterators: bpf_iter_num_* at r10 + off. */
#define KFC(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, VCASE_KF(k))
#define INEW(off, s, e) \
	MOVR(1, 10), ALU(BPF_ADD, 1, off), MOV(2, s), MOV(3, e), KFC(0)
#define INEXT(off) MOVR(1, 10), ALU(BPF_ADD, 1, off), KFC(1)
#define IDESTROY(off) MOVR(1, 10), ALU(BPF_ADD, 1, off), KFC(2)
#define CASE_KF(nm, ty, sf, ln, ...)                                   \
	{                                                              \
		.name = nm, .attach = "kfunc", .type = ty, .safe = sf, \
		.same_line = ln, .insns = {                            \
			__VA_ARGS__                                    \
		}                                                      \
	}

#define CASE_AT(nm, at, sf, ln, ...)                              \
	{                                                         \
		.name = nm, .attach = at, .type = TR, .safe = sf, \
		.same_line = ln, .insns = {                       \
			__VA_ARGS__                               \
		}                                                 \
	}

/*
 * Two nested bounded loops and a branch on unknown data that adds
 * to an accumulator (bench_verifier's big_nested()): the
 * accumulator is never needed precise (an XDP program's r0 has no
 * range to check), so its values must not keep the loop's states
 * apart. kbpf refused the larger two at 1M instructions (r0 made
 * precise at every exit; no state recorded at a loop head whose 64
 * states were all still being explored, so the path lost its
 * history and every scalar became precise). Linux 6.18 processes
 * 1,698, 12,112 and 109,636 instructions.
 */
#define NESTED(outer, inner)                                                  \
	CALL(BPF_FUNC_get_prandom_u32), MOVR(6, 0), MOV(7, 0), MOV(8, 0),     \
		MOV(9, 0), MOVR(1, 6), ALUR(BPF_RSH, 1, 9),                   \
		ALU(BPF_AND, 1, 1), JI(BPF_JEQ, 1, 0, 1), ALU(BPF_ADD, 8, 3), \
		ALU(BPF_AND, 8, 0xff), ALU(BPF_ADD, 9, 1),                    \
		JI(BPF_JLT, 9, inner, -8), ALU(BPF_ADD, 7, 1),                \
		JI(BPF_JLT, 7, outer, -11), MOVR(0, 8), ALU(BPF_AND, 0, 1),   \
		EXIT

/*
 * bench_hash's program with the table's 8-byte-key hash map: 64 times an
 * LCG step, a key from it (4 bytes stored into a zeroed 8-byte slot) and
 * a lookup or update (@nop instructions); successes counted in a spilled
 * slot (fp-48).
 */
#define LOOKUP_KEY CALL(BPF_FUNC_map_lookup_elem), JI(BPF_JEQ, 0, 0, 3)
#define UPDATE_KEY                                    \
	MOVR(3, 10), ALU(BPF_ADD, 3, -40), MOV(4, 0), \
		CALL(BPF_FUNC_map_update_elem), JI(BPF_JNE, 0, 0, 3)
#define BENCH_HASH_LOOP(op, nop)                                       \
	CALL(BPF_FUNC_get_prandom_u32), MOVR(7, 0), MOV(6, 0),         \
		ST(BPF_DW, 10, -32, 0), ST(BPF_DW, 10, -40, 1),        \
		ST(BPF_DW, 10, -48, 0), ALU(BPF_MUL, 7, 0x4c957f2d),   \
		ALU(BPF_ADD, 7, (int32_t)0xf767814f), MOVR(1, 7),      \
		ALU(BPF_RSH, 1, 33), ALU(BPF_AND, 1, 1023),            \
		STX(BPF_W, 10, 1, -32), LDMAP(1, M_HASH), MOVR(2, 10), \
		ALU(BPF_ADD, 2, -32), op, LDX(BPF_DW, 1, 10, -48),     \
		ALU(BPF_ADD, 1, 1), STX(BPF_DW, 10, 1, -48),           \
		ALU(BPF_ADD, 6, 1), JI(BPF_JLT, 6, 64, -(15 + (nop))), \
		LDX(BPF_DW, 0, 10, -48), EXIT

const struct vcase vcases[] = {
	/* ---------------- safe ---------------- */
	CASE("ret0", SF, 0, 1, 0, MOV(0, 0), EXIT),
	CASE("alu_chain", SF, 0, 1, 0, MOV(0, 1), ALU(BPF_ADD, 0, 2),
	     ALU(BPF_MUL, 0, 3), ALU(BPF_AND, 0, 0xff), ALU(BPF_LSH, 0, 3),
	     ALU(BPF_ARSH, 0, 1), ALU(BPF_NEG, 0, 0), EXIT),
	CASE("stack_spill_fill", SF, 0, 1, 0, MOV(1, 5), STX(BPF_DW, 10, 1, -8),
	     LDX(BPF_DW, 0, 10, -8), EXIT),
	CASE("lookup_null_checked", SF, 0, 1, 0, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, 8), MOV(0, 0), EXIT),
	CASE("array_const_key_not_null", SF, 0, 1, 0, LOOKUP(M_ARR),
	     LDX(BPF_DW, 0, 0, 0), EXIT),
	CASE("lookup_jne_checked", SF, 0, 1, 0, LOOKUP8(M_HASH),
	     JI(BPF_JNE, 0, 0, 2), MOV(0, 0), EXIT, LDX(BPF_DW, 0, 0, 0), EXIT),
	CASE("map_update", SF, 0, 1, 0, MOV(1, 0), STX(BPF_W, 10, 1, -4),
	     STX(BPF_DW, 10, 1, -16), STX(BPF_DW, 10, 1, -24), MOVR(2, 10),
	     ALU(BPF_ADD, 2, -4), MOVR(3, 10), ALU(BPF_ADD, 3, -24), MOV(4, 0),
	     LDMAP(1, M_ARR), CALL(BPF_FUNC_map_update_elem), MOV(0, 0), EXIT),
	CASE("bounded_loop_100", SF, 0, 1, 0, MOV(0, 0), MOV(1, 0),
	     ALUR(BPF_ADD, 0, 1), ALU(BPF_ADD, 1, 1), JI(BPF_JLT, 1, 100, -3),
	     EXIT),
	CASE("bounded_loop_jmp32", SF, 0, 1, 0, MOV(0, 0), MOV(1, 10),
	     ALU(BPF_ADD, 0, 3), ALU32(BPF_SUB, 1, 1), J32I(BPF_JNE, 1, 0, -3),
	     EXIT),
	CASE("nested_loops_10x8_branchy", XDP, 0, 1, 0, NESTED(10, 8)),
	CASE("nested_loops_40x16_branchy", XDP, 0, 1, 0, NESTED(40, 16)),
	CASE("nested_loops_200x30_branchy", XDP, 0, 1, 0, NESTED(200, 30)),
	/*
	 * The loops of bench/bench_hash.c, bench_array.c and bench_stream.c
	 * (64 map or ring buffer calls a run, a success count on the stack
	 * or in a register): their BPF_PROG_TEST_RUN runs natively only if
	 * kbpf proves them, and the count must stay imprecise for their
	 * states to prune (verifier_bench_loops compares the work).
	 */
	CASE("bench_hash_lookup_loop", SF, 0, 1, 0,
	     BENCH_HASH_LOOP(LOOKUP_KEY, 2)),
	CASE("bench_hash_update_loop", SF, 0, 1, 0,
	     BENCH_HASH_LOOP(UPDATE_KEY, 5)),
	CASE("bench_array_lookup_loop", SF, 0, 1, 0, MOV(6, 0),
	     ST(BPF_DW, 10, -16, 1), MOV(7, 0), MOVR(1, 6),
	     ALU(BPF_MUL, 1, (int32_t)2654435761u), ALU(BPF_AND, 1, 3),
	     STX(BPF_W, 10, 1, -4), LDMAP(1, M_ARR), MOVR(2, 10),
	     ALU(BPF_ADD, 2, -4), CALL(BPF_FUNC_map_lookup_elem),
	     JI(BPF_JEQ, 0, 0, 1), ALU(BPF_ADD, 7, 1), ALU(BPF_ADD, 6, 1),
	     JI(BPF_JLT, 6, 64, -13), MOVR(0, 7), EXIT),
	CASE("bench_ringbuf_reserve_loop", SF, 0, 1, 0, MOVR(6, 1), MOV(7, 64),
	     MOV(9, 0), RESERVE, JI(BPF_JEQ, 0, 0, 4), ALU(BPF_ADD, 9, 1),
	     MOVR(1, 0), MOV(2, BPF_RB_NO_WAKEUP),
	     CALL(BPF_FUNC_ringbuf_submit), ALU(BPF_SUB, 7, 1),
	     JI(BPF_JNE, 7, 0, -12), MOVR(0, 9), EXIT),
	CASE("map_index_checked", SF, 0, 1, 0, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 5), LDX(BPF_W, 1, 0, 0), JI(BPF_JGT, 1, 12, 3),
	     ALUR(BPF_ADD, 0, 1), LDX(BPF_W, 0, 0, 0), EXIT, MOV(0, 0), EXIT),
	CASE("xdp_parse_eth", XDP, 0, 1, 0, XDP_PTRS, MOV(0, 2), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 14), JR(BPF_JGT, 4, 3, 1), LDX(BPF_H, 5, 2, 12),
	     EXIT),
	CASE("xdp_parse_end_first", XDP, 0, 1, 0, XDP_PTRS, MOV(0, 2),
	     MOVR(4, 2), ALU(BPF_ADD, 4, 20), JR(BPF_JLE, 3, 4, 1),
	     LDX(BPF_W, 5, 2, 16), EXIT),
	/* end > data + 4 (strict): 5 bytes */
	CASE("xdp_strict_end", XDP, 0, 1, 0, XDP_PTRS, MOV(0, 2), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 4), JR(BPF_JLE, 3, 4, 1), LDX(BPF_H, 5, 2, 3),
	     EXIT),
	CASE("tc_parse", CLS, 0, 1, 0, SKB_PTRS, MOV(0, 0), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 34), JR(BPF_JGT, 4, 3, 2), LDX(BPF_B, 5, 2, 23),
	     STX(BPF_B, 2, 5, 22), EXIT),
	CASE("xdp_var_offset", XDP, 0, 1, 0, XDP_PTRS, MOV(0, 2), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 1), JR(BPF_JGT, 4, 3, 7), LDX(BPF_B, 4, 2, 0),
	     ALU(BPF_AND, 4, 15), ALUR(BPF_ADD, 2, 4), MOVR(5, 2),
	     ALU(BPF_ADD, 5, 2), JR(BPF_JGT, 5, 3, 1), LDX(BPF_H, 6, 2, 0),
	     EXIT),
	CASE("helper_ktime", SF, 0, 1, 0, CALL(BPF_FUNC_ktime_get_ns), EXIT),
	CASE("bpf2bpf", SF, 0, 1, 0, MOV(1, 5), CALLP(1), EXIT, MOVR(0, 1),
	     ALU(BPF_ADD, 0, 1), EXIT),
	CASE("bpf2bpf_callee_saved", SF, 0, 1, 0, MOV(6, 7), MOV(1, 1),
	     CALLP(2), MOVR(0, 6), EXIT, MOV(0, 0), EXIT),
	CASE("bpf_loop", SF, 0, 1, 0, MOV(1, 10), LDFUNC(2, 6), MOV(3, 0),
	     MOV(4, 0), CALL(BPF_FUNC_loop), MOV(0, 0), EXIT, MOV(0, 0), EXIT),
	CASE("bpf_loop_ctx_stack", SF, 0, 1, 0, MOV(1, 0),
	     STX(BPF_DW, 10, 1, -8), MOV(1, 4), LDFUNC(2, 7), MOVR(3, 10),
	     ALU(BPF_ADD, 3, -8), MOV(4, 0), CALL(BPF_FUNC_loop), MOV(0, 0),
	     EXIT, LDX(BPF_DW, 1, 2, 0), ALU(BPF_ADD, 1, 1),
	     STX(BPF_DW, 2, 1, 0), MOV(0, 1), EXIT),
	CASE("for_each_map_elem", SF, 0, 1, 0, LDMAP(1, M_ARR), LDFUNC(2, 6),
	     MOV(3, 0), MOV(4, 0), CALL(BPF_FUNC_for_each_map_elem), MOV(0, 0),
	     EXIT, LDX(BPF_DW, 0, 3, 8), MOV(0, 0), EXIT),
	CASE("ringbuf_submit", SF, 0, 1, 0, RESERVE, JI(BPF_JEQ, 0, 0, 5),
	     MOV(1, 7), STX(BPF_DW, 0, 1, 0), MOVR(1, 0), MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_submit), MOV(0, 0), EXIT),
	CASE("ringbuf_discard_branch", SF, 0, 1, 0, RESERVE,
	     JI(BPF_JEQ, 0, 0, 8), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     MOVR(1, 6), MOV(2, 0), JI(BPF_JEQ, 0, 0, 2),
	     CALL(BPF_FUNC_ringbuf_submit), JA(1),
	     CALL(BPF_FUNC_ringbuf_discard), MOV(0, 0), EXIT),
	CASE("rdonly_map_read", SF, 0, 1, 0, LOOKUP(M_RO), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 0), MOV(0, 0), EXIT),
	CASE("reg_vs_reg_bound", SF, 0, 1, 0, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 7), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     MOVR(1, 0), MOV(2, 8), JR(BPF_JGT, 1, 2, 2), ALUR(BPF_ADD, 6, 1),
	     LDX(BPF_DW, 0, 6, 0), MOV(0, 0), EXIT),
	CASE("signed_bounds", SF, 0, 1, 0, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 7),
	     MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JSLT, 0, 0, 4),
	     JI(BPF_JSGT, 0, 8, 3), ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 0),
	     EXIT, MOV(0, 0), EXIT),
	CASE("jmp32_bounds", SF, 0, 1, 0, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 7),
	     MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32), MOV32R(0, 0),
	     J32I(BPF_JGT, 0, 8, 3), ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 0),
	     EXIT, MOV(0, 0), EXIT),
	/* a copy is compared, the original indexes: linked scalars */
	CASE("linked_scalar_bound", SF, 0, 1, 0, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 7), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     MOVR(1, 0), JI(BPF_JGT, 1, 8, 3), ALUR(BPF_ADD, 6, 0),
	     LDX(BPF_DW, 0, 6, 0), EXIT, MOV(0, 0), EXIT),
	CASE("linked_scalar_oob", SF, 0, 0, 1, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 7), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     MOVR(1, 0), JI(BPF_JGT, 1, 9, 3), ALUR(BPF_ADD, 6, 0),
	     LDX(BPF_DW, 0, 6, 0), EXIT, MOV(0, 0), EXIT),
	/* helpers the type may not call, on no path: not refused */
	CASE("dead_helper_other_type", SF, 0, 1, 0, MOV(0, 0),
	     JI(BPF_JEQ, 0, 0, 2), MOV(2, 4), CALL(BPF_FUNC_xdp_adjust_head),
	     MOV(0, 0), EXIT),
	CASE("dead_helper_unpriv", SF, 1, 1, 0, MOV(0, 0), JI(BPF_JEQ, 0, 0, 4),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -8), MOV(2, 8),
	     CALL(BPF_FUNC_probe_read_kernel), MOV(0, 0), EXIT),
	/* a context access the type may not make, on no path / after an error */
	CASE("dead_ctx_access", XDP, 0, 1, 0, MOV(0, 0), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_W, 0, 1, 20), MOV(0, 2), EXIT),
	CASE("ctx_access_after_error", XDP, 0, 0, 1, MOVR(0, 3),
	     LDX(BPF_W, 0, 1, 20), MOV(0, 2), EXIT),
	/* a packet pointer kept across a helper that moves the packet */
	CASE("pkt_ptr_after_adjust_head", XDP, 0, 0, 1, MOVR(6, 1),
	     LDX(BPF_W, 7, 1, 0), LDX(BPF_W, 8, 1, 4), MOVR(4, 7),
	     ALU(BPF_ADD, 4, 8), JR(BPF_JGT, 4, 8, 5), MOVR(1, 6), MOV(2, 0),
	     CALL(BPF_FUNC_xdp_adjust_head), LDX(BPF_B, 0, 7, 0), EXIT,
	     MOV(0, 2), EXIT),
	CASE("pkt_ptr_spilled_after_vlan_pop", CLS, 0, 0, 1, MOVR(6, 1),
	     SKB_PTRS, MOVR(4, 2), ALU(BPF_ADD, 4, 8), JR(BPF_JGT, 4, 3, 6),
	     STX(BPF_DW, 10, 2, -8), MOVR(1, 6), CALL(BPF_FUNC_skb_vlan_pop),
	     LDX(BPF_DW, 2, 10, -8), LDX(BPF_B, 0, 2, 0), EXIT, MOV(0, 0),
	     EXIT),
	CASE("pkt_ptr_reloaded_after_adjust_head", XDP, 0, 1, 0, MOVR(6, 1),
	     MOV(2, 0), CALL(BPF_FUNC_xdp_adjust_head), LDX(BPF_W, 2, 6, 0),
	     LDX(BPF_W, 3, 6, 4), MOVR(4, 2), ALU(BPF_ADD, 4, 1),
	     JR(BPF_JGT, 4, 3, 1), LDX(BPF_B, 0, 2, 0), MOV(0, 2), EXIT),
	CASE("helper_other_type", SF, 0, 0, 1, MOV(2, 4),
	     CALL(BPF_FUNC_xdp_adjust_head), MOV(0, 0), EXIT),
	/* the low half of a spilled constant is that constant: 5 unread */
	CASE("narrow_fill_const", SF, 0, 1, 0, MOV(1, 17),
	     STX(BPF_DW, 10, 1, -16), LDX(BPF_W, 0, 10, -16),
	     JI(BPF_JNE, 0, 14, 1), MOVR(0, 5), EXIT),
	CASE("shift_mask_index", SF, 0, 1, 0, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 8), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     ALU(BPF_AND, 0, 0xff), ALU(BPF_LSH, 0, 2), ALU(BPF_RSH, 0, 7),
	     ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 0), MOV(0, 0), EXIT),
	CASE("tail_call", SF, 0, 1, 0, LDMAP(2, M_PA), MOV(3, 0),
	     CALL(BPF_FUNC_tail_call), MOV(0, 0), EXIT),
	CASE("atomic_add_stack", SF, 0, 1, 0, MOV(1, 0), STX(BPF_DW, 10, 1, -8),
	     MOV(1, 1), ATOMIC_ADD(BPF_DW, 10, 1, -8), LDX(BPF_DW, 0, 10, -8),
	     EXIT),
	CASE("st_imm_read", SF, 0, 1, 0, ST(BPF_W, 10, -4, 7),
	     LDX(BPF_W, 0, 10, -4), EXIT),
	CASE("ctx_read_len", SF, 0, 1, 0, LDX(BPF_W, 0, 1, 0), EXIT),
	CASE("kprobe_ctx_read", KP, 0, 1, 0, LDX(BPF_DW, 0, 1, 0), EXIT),
	CASE("dead_branch", SF, 0, 1, 0, MOV(0, 0), MOV(1, 0),
	     JI(BPF_JEQ, 1, 1, 1), EXIT, LDX(BPF_DW, 0, 5, 0), EXIT),
	CASE("zext_alu32", SF, 0, 1, 0, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 6),
	     MOV(1, -1), ALU32(BPF_ADD, 1, 0), ALU(BPF_RSH, 1, 29),
	     ALUR(BPF_ADD, 0, 1), LDX(BPF_DW, 0, 0, 0), EXIT, MOV(0, 0), EXIT),
	CASE("uninit_stack_root", SF, 0, 1, 0, LDX(BPF_DW, 0, 10, -8), EXIT),
	CASE("unpriv_ret0", SF, 1, 1, 0, MOV(0, 0), EXIT),
	CASE("unpriv_spill_fp", SF, 1, 1, 0, MOVR(2, 10),
	     STX(BPF_DW, 10, 2, -8), LDX(BPF_DW, 3, 10, -8), MOV(0, 0), EXIT),
	CASE("unpriv_lookup", SF, 1, 1, 0, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 8), MOV(0, 0), EXIT),

	/* ---------------- unsafe ---------------- */
	CASE("r0_not_init", SF, 0, 0, 1, EXIT),
	CASE("uninit_reg", SF, 0, 0, 1, MOVR(0, 2), EXIT),
	CASE("stack_oob_write", SF, 0, 0, 1, MOV(0, 0),
	     STX(BPF_DW, 10, 0, -520), EXIT),
	CASE("stack_oob_read_above", SF, 0, 0, 1, LDX(BPF_DW, 0, 10, 0), EXIT),
	CASE("stack_misaligned", SF, 0, 0, 1, MOV(0, 0), STX(BPF_DW, 10, 0, -4),
	     EXIT),
	CASE("map_value_oob", SF, 0, 0, 1, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 16), MOV(0, 0), EXIT),
	CASE("map_value_neg_off", SF, 0, 0, 1, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_DW, 0, 0, -8), MOV(0, 0), EXIT),
	CASE("null_deref", SF, 0, 0, 1, LOOKUP8(M_HASH), LDX(BPF_DW, 0, 0, 0),
	     EXIT),
	CASE("array_key_out_of_range", SF, 0, 0, 1, MOV(1, 4),
	     STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     LDMAP(1, M_ARR), CALL(BPF_FUNC_map_lookup_elem),
	     LDX(BPF_DW, 0, 0, 0), EXIT),
	CASE("helper_key_oob", SF, 0, 0, 1, LOOKUP(M_HASH), MOV(0, 0), EXIT),
	CASE("store_through_scalar", SF, 0, 0, 1, MOV(1, 0),
	     STX(BPF_DW, 1, 1, 0), MOV(0, 0), EXIT),
	CASE("load_through_scalar", SF, 0, 0, 1, MOV(1, 4096),
	     LDX(BPF_W, 0, 1, 0), EXIT),
	CASE("unbounded_loop", SF, 0, 0, 1, MOV(0, 0), ALU(BPF_ADD, 0, 1),
	     JI(BPF_JNE, 0, 0, -2), EXIT),
	CASE("infinite_loop", SF, 0, 0, 1, MOV(0, 0), JA(-1)),
	CASE("infinite_loop_cond", SF, 0, 0, 1, MOV(0, 0), MOV(1, 0),
	     JI(BPF_JEQ, 1, 0, -1), EXIT),
	CASE("partial_fill_of_pointer", SF, 0, 0, 1, MOVR(1, 10),
	     STX(BPF_DW, 10, 1, -16), LDX(BPF_W, 0, 10, -12), EXIT),
	CASE("unpriv_uninit_stack", SF, 1, 0, 1, LDX(BPF_DW, 0, 10, -8), EXIT),
	CASE("unpriv_partial_stack", SF, 1, 0, 1, ST(BPF_W, 10, -8, 0),
	     LDX(BPF_DW, 0, 10, -8), EXIT),
	CASE("ringbuf_leak", SF, 0, 0, 1, RESERVE, JI(BPF_JEQ, 0, 0, 0),
	     MOV(0, 0), EXIT),
	CASE("ringbuf_leak_one_path", SF, 0, 0, 1, RESERVE,
	     JI(BPF_JEQ, 0, 0, 6), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     JI(BPF_JEQ, 0, 0, 3), MOVR(1, 6), MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_submit), MOV(0, 0), EXIT),
	CASE("ringbuf_use_after_submit", SF, 0, 0, 1, RESERVE,
	     JI(BPF_JEQ, 0, 0, 5), MOVR(6, 0), MOVR(1, 0), MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_submit), STX(BPF_DW, 6, 2, 0), MOV(0, 0),
	     EXIT),
	CASE("ringbuf_size_unknown", SF, 0, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), MOVR(2, 0), LDMAP(1, M_RB),
	     MOV(3, 0), CALL(BPF_FUNC_ringbuf_reserve), MOV(0, 0), EXIT),
	CASE("rdonly_map_update", SF, 0, 0, 1, MOV(1, 0), STX(BPF_W, 10, 1, -4),
	     STX(BPF_DW, 10, 1, -16), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     MOVR(3, 10), ALU(BPF_ADD, 3, -16), MOV(4, 0), LDMAP(1, M_RO),
	     CALL(BPF_FUNC_map_update_elem), MOV(0, 0), EXIT),
	/*
	 * Fields of struct bpf_map through a map pointer (Linux's
	 * check_ptr_to_map_access()): reads of the map type's struct, with
	 * its name in the lines (bpf_array, bpf_htab).
	 */
	MAPF("map_ptr_max_entries", 1, 0, LDMAP(1, M_ARR),
	     LDX(BPF_W, 0, 1, BTF_F(F_MAP_MAX)), EXIT),
	MAPF("map_ptr_name_byte", 1, 0, LDMAP(1, M_HASH),
	     LDX(BPF_B, 0, 1, BTF_F(F_MAP_NAME) + 3), EXIT),
	MAPF("map_ptr_max_entries_half", 1, 0, LDMAP(1, M_RB),
	     LDX(BPF_H, 0, 1, BTF_F(F_MAP_MAX) + 2), EXIT),
	MAPF("map_ptr_inner_max_entries", 1, 0, MOV(1, 0),
	     STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     LDMAP(1, M_AOM), CALL(BPF_FUNC_map_lookup_elem),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 0, 0, BTF_F(F_MAP_MAX)), EXIT),
	MAPF("map_ptr_inner_unchecked", 0, 1, MOV(1, 0), STX(BPF_W, 10, 1, -4),
	     MOVR(2, 10), ALU(BPF_ADD, 2, -4), LDMAP(1, M_HOM),
	     CALL(BPF_FUNC_map_lookup_elem), LDX(BPF_W, 0, 0, BTF_F(F_MAP_MAX)),
	     EXIT),
	MAPF("map_ptr_store", 0, 1, LDMAP(1, M_ARR),
	     ST(BPF_W, 1, BTF_F(F_MAP_MAX), 1), RET0),
	MAPF("map_ptr_stx", 0, 1, LDMAP(1, M_HASH), MOV(2, 1),
	     STX(BPF_W, 1, 2, BTF_F(F_MAP_MAX)), RET0),
	MAPF("map_ptr_atomic", 0, 1, LDMAP(1, M_ARR), MOV(2, 1),
	     ATOMIC_ADD(BPF_W, 1, 2, BTF_F(F_MAP_MAX)), RET0),
	MAPF("map_ptr_neg_off", 0, 1, LDMAP(1, M_ARR), LDX(BPF_W, 0, 1, -8),
	     EXIT),
	MAPF("map_ptr_past_struct", 0, 1, LDMAP(1, M_HASH),
	     LDX(BPF_W, 0, 1, BTF_F(F_HTAB_SIZE)), EXIT),
	MAPF("map_ptr_across_member", 0, 1, LDMAP(1, M_ARR),
	     LDX(BPF_DW, 0, 1, BTF_F(F_MAP_MAX)), EXIT),
	MAPF("map_ptr_ops_half", 0, 1, LDMAP(1, M_ARR),
	     LDX(BPF_W, 0, 1, BTF_F(F_MAP_OPS)), EXIT),
	MAPF("map_ptr_var_off", 0, 1, LDMAP(1, M_ARR), MOV(2, 4),
	     ALUR(BPF_ADD, 1, 2), LDX(BPF_W, 0, 1, 0), EXIT),
	MAPF("map_ptr_to_helper_mem", 0, 0, LDMAP(1, M_ARR), MOVR(2, 1),
	     LDMAP(1, M_HASH), CALL(BPF_FUNC_map_lookup_elem), RET0),
	{ .name = "map_ptr_unpriv",
	  .type = SF,
	  .unpriv = 1,
	  .safe = 0,
	  .same_line = 1,
	  .attach = "btf",
	  .insns = { LDMAP(1, M_ARR), LDX(BPF_W, 0, 1, BTF_F(F_MAP_MAX)),
		     EXIT } },
	CASE("rdonly_map_store", SF, 0, 0, 1, LOOKUP(M_RO),
	     JI(BPF_JEQ, 0, 0, 1), STX(BPF_DW, 0, 1, 0), MOV(0, 0), EXIT),
	CASE("unpriv_ret_ptr", SF, 1, 0, 1, MOVR(0, 10), EXIT),
	CASE("unpriv_leak_into_map", SF, 1, 0, 1, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 1), STX(BPF_DW, 0, 10, 0), MOV(0, 0), EXIT),
	CASE("unpriv_ptr_compare", SF, 1, 0, 1, MOVR(1, 10),
	     JI(BPF_JGT, 1, 5, 0), MOV(0, 0), EXIT),
	CASE("unpriv_ptr_compare_reg", SF, 1, 0, 1, MOV(2, 0), MOVR(1, 10),
	     JR(BPF_JGT, 2, 1, 0), MOV(0, 0), EXIT),
	CASE("unpriv_ptr_to_helper", SF, 1, 0, 1, LDMAP(1, M_HASH), MOVR(2, 10),
	     ALU(BPF_ADD, 2, -8), MOV(3, 0), STX(BPF_DW, 10, 3, -8),
	     MOVR(3, 10), ALU(BPF_ADD, 3, -8), MOVR(4, 10),
	     CALL(BPF_FUNC_map_update_elem), MOV(0, 0), EXIT),
	CASE("pkt_oob", XDP, 0, 0, 1, XDP_PTRS, MOV(0, 2), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 14), JR(BPF_JGT, 4, 3, 1), LDX(BPF_W, 5, 2, 12),
	     EXIT),
	CASE("pkt_strict_end_oob", XDP, 0, 0, 1, XDP_PTRS, MOV(0, 2),
	     MOVR(4, 2), ALU(BPF_ADD, 4, 4), JR(BPF_JLE, 3, 4, 1),
	     LDX(BPF_H, 5, 2, 4), EXIT),
	CASE("pkt_unchecked", XDP, 0, 0, 1, XDP_PTRS, LDX(BPF_B, 0, 2, 0),
	     EXIT),
	CASE("pkt_wrong_branch", CLS, 0, 0, 1, SKB_PTRS, MOV(0, 0), MOVR(4, 2),
	     ALU(BPF_ADD, 4, 8), JR(BPF_JGT, 4, 3, 1), EXIT,
	     LDX(BPF_B, 5, 2, 0), EXIT),
	CASE("map_neg_index", SF, 0, 0, 1, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 7),
	     MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JSGT, 0, 8, 4),
	     ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 0), MOV(0, 0), EXIT,
	     MOV(0, 0), EXIT),
	CASE("map_unbounded_index", SF, 0, 0, 1, LOOKUP(M_ARR),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32),
	     MOV32R(0, 0), ALUR(BPF_ADD, 6, 0), LDX(BPF_B, 0, 6, 0), MOV(0, 0),
	     EXIT),
	CASE("map_max_oob", SF, 0, 0, 1, LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 7),
	     MOVR(6, 0), CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JGT, 0, 16, 4),
	     ALUR(BPF_ADD, 6, 0), LDX(BPF_DW, 0, 6, 0), MOV(0, 0), EXIT,
	     MOV(0, 0), EXIT),
	CASE("loop_cb_bad_ret", SF, 0, 0, 1, MOV(1, 10), LDFUNC(2, 6),
	     MOV(3, 0), MOV(4, 0), CALL(BPF_FUNC_loop), MOV(0, 0), EXIT,
	     MOV(0, 5), EXIT),
	CASE("callee_uninit_arg", SF, 0, 0, 1, CALLP(2), MOV(0, 0), EXIT,
	     MOVR(0, 2), EXIT),
	CASE("caller_r1_clobbered", SF, 0, 0, 1, MOV(1, 1), CALLP(2),
	     MOVR(0, 1), EXIT, MOV(0, 0), EXIT),
	CASE("kprobe_ctx_write", KP, 0, 0, 1, MOV(2, 0), STX(BPF_DW, 1, 2, 0),
	     MOV(0, 0), EXIT),
	CASE("kprobe_ctx_oob", KP, 0, 0, 1, LDX(BPF_DW, 0, 1, 168), EXIT),
	CASE("modified_ctx", KP, 0, 0, 1, ALU(BPF_ADD, 1, 8),
	     LDX(BPF_DW, 0, 1, 0), EXIT),
	CASE("arith_on_or_null", SF, 0, 0, 1, LOOKUP8(M_HASH),
	     ALU(BPF_ADD, 0, 8), MOV(0, 0), EXIT),
	CASE("arith_on_pkt_end", XDP, 0, 0, 1, XDP_PTRS, ALU(BPF_ADD, 3, 1),
	     MOV(0, 2), EXIT),
	CASE("bitwise_on_ptr", SF, 0, 0, 1, MOVR(1, 10), ALU(BPF_AND, 1, 7),
	     MOV(0, 0), EXIT),
	CASE("ptr_alu32", SF, 0, 0, 1, MOVR(1, 10), ALU32(BPF_ADD, 1, 8),
	     MOV(0, 0), EXIT),
	CASE("helper_bad_map_arg", SF, 0, 0, 1, MOV(1, 0), MOVR(2, 10),
	     ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0),
	     EXIT),
	CASE("unpriv_uninit_key", SF, 1, 0, 1, MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     LDMAP(1, M_ARR), CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0), EXIT),
	CASE("tail_call_with_ref", SF, 0, 0, 1, MOVR(6, 1), RESERVE,
	     JI(BPF_JEQ, 0, 0, 8), MOVR(7, 0), MOVR(1, 6), LDMAP(2, M_PA),
	     MOV(3, 0), CALL(BPF_FUNC_tail_call), MOVR(1, 7), MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_discard), MOV(0, 0), EXIT),
	CASE("r0_after_void_helper", SF, 0, 0, 1, RESERVE, JI(BPF_JEQ, 0, 0, 4),
	     MOVR(1, 0), MOV(2, 0), CALL(BPF_FUNC_ringbuf_submit), EXIT, EXIT),
	CASE("wrong_map_for_helper", SF, 0, 0, 1, LDMAP(1, M_ARR), MOV(2, 8),
	     MOV(3, 0), CALL(BPF_FUNC_ringbuf_reserve), MOV(0, 0), EXIT),
	CASE("ptr_minus_ptr_unpriv", SF, 1, 0, 1, MOVR(1, 10), MOVR(2, 10),
	     ALUR(BPF_SUB, 1, 2), MOV(0, 0), EXIT),
	/*
	 * r7 s<= 4 and then r1 = r7 u<= 16: Linux takes the 64-bit bounds
	 * from the 32-bit ones ([0, 16]) and drops smax = 4, so the byte at
	 * value + 16 may be read: refused (kbpf, keeping [0, 4], accepted).
	 */
	CASE("mixed_bounds_from_s32", SF, 0, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), MOVR(7, 0), JI(BPF_JSGT, 7, 4, 12),
	     LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 4), MOVR(1, 7),
	     JI(BPF_JGT, 1, 16, 2), ALUR(BPF_ADD, 0, 1), LDX(BPF_B, 8, 0, 0),
	     MOV(0, 0), EXIT),
	/*
	 * r7 = x << 11 s> 8 and r1 = r7 u< 16 is no value, but Linux makes
	 * r1 the one the tnum and [9, 15] "share" (8) and follows the path:
	 * value + 8 there and value + 0 on the other path need different
	 * masking for a loader without CAP_PERFMON (kbpf found the first
	 * path dead and accepted).
	 */
	/*
	 * Precision: two paths meet with r8 = 0 or 7 (2 jumps and 8
	 * instructions after the branch, so the first records a state at the
	 * meeting point), r8 is stored as a 4-byte key (zero bytes for 0) and
	 * the lookup of key 7 may be NULL. r8's value mattered: the second
	 * path must not stop against the first.
	 */
	CASE("precise_zero_key", SF, 0, 0, 1, CALL(BPF_FUNC_get_prandom_u32),
	     MOVR(7, 0), MOV(1, 0), MOV(2, 0), MOV(3, 0), MOV(4, 0), MOV(5, 0),
	     JI(BPF_JGT, 7, 5, 8), MOV(8, 0), MOV(2, 0), MOV(3, 0), MOV(4, 0),
	     MOV(5, 0), MOV(1, 0), MOV(1, 0), JA(7), MOV(8, 7), MOV(2, 0),
	     MOV(3, 0), MOV(4, 0), MOV(5, 0), MOV(1, 0), MOV(1, 0),
	     STX(BPF_W, 10, 8, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     LDMAP(1, M_ARR), CALL(BPF_FUNC_map_lookup_elem),
	     LDX(BPF_DW, 0, 0, 0), MOV(0, 0), EXIT),
	/* the same through a spill and fill, r8 = 0 or 100 as an offset */
	CASE("precise_spill_fill_offset", SF, 0, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), MOVR(7, 0), JI(BPF_JEQ, 7, 99, 0),
	     MOV(1, 0), MOV(2, 0), MOV(3, 0), MOV(4, 0), MOV(5, 0), MOV(8, 100),
	     JI(BPF_JGT, 7, 5, 1), MOV(8, 0), MOV(1, 0),
	     STX(BPF_DW, 10, 8, -16), LDX(BPF_DW, 9, 10, -16), LOOKUP(M_ARR),
	     ALUR(BPF_ADD, 0, 9), LDX(BPF_B, 0, 0, 0), MOV(0, 0), EXIT),
	/*
	 * A bounded loop that spills and fills a register, loaded without
	 * CAP_PERFMON: the mispredicted exit goes round again with r9
	 * unknown, but Linux fences a stack write over a spilled slot
	 * (Spectre v4), so that path stops at the spill; without the fence
	 * kbpf found the same state twice ("infinite loop").
	 */
	CASE("spec_loop_stops_at_spill_unpriv", SF, 1, 1, 0, MOVR(6, 1),
	     LDX(BPF_W, 8, 6, 0), MOV(9, 0), STX(BPF_DW, 10, 8, -16),
	     LDX(BPF_W, 8, 10, -16), ALU(BPF_ADD, 9, 1), JI(BPF_JLT, 9, 11, -4),
	     MOV(0, 0), EXIT),
	CASE("tnum_range_one_value_unpriv", SF, 1, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), MOVR(7, 0), ALU(BPF_LSH, 7, 11),
	     LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 5), JI(BPF_JSLE, 7, 8, 1),
	     MOV(8, 0), MOVR(1, 7), JI(BPF_JGE, 1, 16, 1), ALUR(BPF_ADD, 0, 1),
	     MOV(0, 0), EXIT),
	/* ---------------- bpf_spin_lock ---------------- */
	CASE("spin_lock_counter", CLS, 0, 1, 0, LOOKUP_LOCK(M_LOCK), LOCK(4),
	     LDX(BPF_W, 1, 6, 0), ALU(BPF_ADD, 1, 1), STX(BPF_W, 6, 1, 0),
	     LDX(BPF_W, 1, 6, 8), UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_hash_checked", CLS, 0, 1, 0, LOOKUP_LOCK(M_LOCKH),
	     JI(BPF_JEQ, 6, 0, 7), LOCK(4), ST(BPF_W, 6, 0, 1), UNLOCK(4),
	     MOV(0, 0), EXIT),
	CASE("spin_lock_xdp", XDP, 0, 1, 0, LOOKUP_LOCK(M_LOCK), LOCK(4),
	     UNLOCK(4), MOV(0, 2), EXIT),
	CASE("spin_lock_branches", CLS, 0, 1, 0, LOOKUP_LOCK(M_LOCK),
	     LDX(BPF_W, 7, 6, 0), LOCK(4), JI(BPF_JGT, 7, 5, 2),
	     ST(BPF_W, 6, 0, 1), JA(1), ST(BPF_W, 6, 8, 2), UNLOCK(4),
	     MOV(0, 0), EXIT),
	CASE("spin_lock_wrong_off", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK), LOCK(0),
	     UNLOCK(0), MOV(0, 0), EXIT),
	CASE("spin_lock_twice", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK), LOCK(4),
	     LOCK(4), UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_unlock_unlocked", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_exit_held", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK), LOCK(4),
	     MOV(0, 0), EXIT),
	CASE("spin_lock_helper_held", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), CALL(BPF_FUNC_ktime_get_ns), UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_tail_call_held", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), LDMAP(2, M_PA), MOV(3, 0), CALL(BPF_FUNC_tail_call),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_subprog_held", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), CALLP(5), UNLOCK(4), MOV(0, 0), EXIT, MOV(0, 1), EXIT),
	CASE("spin_lock_subprog_unlocks", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), MOVR(1, 6), CALLP(2), MOV(0, 0), EXIT, MOVR(6, 1),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_load_word", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LDX(BPF_W, 0, 6, 4), EXIT),
	CASE("spin_lock_store_word", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     ST(BPF_W, 6, 4, 0), MOV(0, 0), EXIT),
	CASE("spin_lock_load_dw_over", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LDX(BPF_DW, 0, 6, 0), EXIT),
	CASE("spin_lock_load_x", CLS, 0, 1, 0, LOOKUP_LOCK(M_LOCK),
	     LDX(BPF_W, 0, 6, 8), EXIT),
	CASE("spin_lock_no_btf", CLS, 0, 0, 1, LOOKUP_LOCK(M_ARR), LOCK(4),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_var_off", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LDX(BPF_W, 7, 6, 0), ALU(BPF_AND, 7, 4), MOVR(1, 6),
	     ALUR(BPF_ADD, 1, 7), CALL(BPF_FUNC_spin_lock), MOV(0, 0), EXIT),
	CASE("spin_lock_stack", CLS, 0, 0, 1, MOVR(1, 10), ALU(BPF_ADD, 1, -8),
	     CALL(BPF_FUNC_spin_lock), MOV(0, 0), EXIT),
	CASE("spin_lock_unchecked", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCKH), LOCK(4),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_unlock_other_lookup", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCKH),
	     JI(BPF_JEQ, 6, 0, 18), MOVR(8, 6), LOOKUP_LOCK(M_LOCKH),
	     JI(BPF_JEQ, 6, 0, 8), MOVR(1, 8), ALU(BPF_ADD, 1, 4),
	     CALL(BPF_FUNC_spin_lock), UNLOCK(4), MOV(0, 0), EXIT, MOV(0, 0),
	     EXIT),
	CASE("spin_lock_socket_filter", SF, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_kprobe", KP, 0, 0, 1, LOOKUP_LOCK(M_LOCK), LOCK(4),
	     UNLOCK(4), MOV(0, 0), EXIT),
	CASE("spin_lock_value_to_helper", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     MOV(1, 0), STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     MOVR(3, 6), MOV(4, 0), LDMAP(1, M_LOCK),
	     CALL(BPF_FUNC_map_update_elem), MOV(0, 0), EXIT),
	CASE("spin_lock_lookup_held", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     LOCK(4), LOOKUP(M_LOCK), UNLOCK(4), MOV(0, 0), EXIT),
	/*
	 * ---------------- kptrs (refusals without kfuncs; test_kptr_diff
	 * has the rest: kbpf's level-1 trace of kptr loads and xchg results
	 * is not yet the kernel's line for line) ----------------
	 */
	CASE("kptr_xchg_not_kptr", CLS, 0, 0, 1, LOOKUP_LOCK(M_KPTR),
	     JI(BPF_JEQ, 6, 0, 4), MOVR(1, 6), ALU(BPF_ADD, 1, 0), MOV(2, 0),
	     CALL(BPF_FUNC_kptr_xchg), RET0),
	CASE("kptr_xchg_untrusted", CLS, 0, 0, 1, LOOKUP_LOCK(M_KPTR),
	     JI(BPF_JEQ, 6, 0, 4), MOVR(1, 6), ALU(BPF_ADD, 1, 16), MOV(2, 0),
	     CALL(BPF_FUNC_kptr_xchg), RET0),
	CASE("kptr_xchg_no_kptr_map", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 4), MOVR(1, 6), ALU(BPF_ADD, 1, 0), MOV(2, 0),
	     CALL(BPF_FUNC_kptr_xchg), RET0),
	CASE("kptr_store_ref", CLS, 0, 0, 1, LOOKUP_LOCK(M_KPTR),
	     JI(BPF_JEQ, 6, 0, 1), ST(BPF_DW, 6, 8, 0), RET0),
	CASE("kptr_load_word", CLS, 0, 0, 1, LOOKUP_LOCK(M_KPTR),
	     JI(BPF_JEQ, 6, 0, 1), LDX(BPF_W, 0, 6, 8), RET0),
	/* ---------------- bpf_timer ---------------- */
	CASE("timer_init", CLS, 0, 1, 0, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMER, 8), RET0),
	CASE("timer_init_hash", CLS, 0, 1, 0, LOOKUP_LOCK(M_TIMERH),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMERH, 8), RET0),
	CASE("timer_start_cancel", CLS, 0, 1, 0, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 8), MOVR(1, 6), ALU(BPF_ADD, 1, 8), MOV(2, 1000),
	     MOV(3, 0), CALL(BPF_FUNC_timer_start), MOVR(1, 6),
	     ALU(BPF_ADD, 1, 8), CALL(BPF_FUNC_timer_cancel), RET0),
	CASE("timer_init_wrong_off", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMER, 0), RET0),
	CASE("timer_init_unchecked", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMERH),
	     TIMER_INIT(M_TIMERH, 8), RET0),
	CASE("timer_init_other_map", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMERH, 8), RET0),
	CASE("timer_init_no_timer", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_LOCK, 4), RET0),
	CASE("timer_init_no_btf", CLS, 0, 0, 1, LOOKUP_LOCK(M_ARR),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_ARR, 8), RET0),
	CASE("timer_init_stack", CLS, 0, 0, 1, MOVR(6, 10),
	     ALU(BPF_ADD, 6, -32), TIMER_INIT(M_TIMER, 8), RET0),
	CASE("timer_cancel_var_off", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 5), LDX(BPF_W, 7, 6, 0), ALU(BPF_AND, 7, 8),
	     MOVR(1, 6), ALUR(BPF_ADD, 1, 7), CALL(BPF_FUNC_timer_cancel),
	     RET0),
	CASE("timer_load_field", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 2), LDX(BPF_DW, 0, 6, 8), EXIT, RET0),
	CASE("timer_store_field", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 1), ST(BPF_W, 6, 20, 0), RET0),
	CASE("timer_load_over", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 2), LDX(BPF_DW, 0, 6, 4), EXIT, RET0),
	CASE("timer_load_cnt", CLS, 0, 1, 0, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 2), LDX(BPF_W, 0, 6, 4), EXIT, RET0),
	CASE("timer_kprobe", KP, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMER, 8), RET0),
	CASE("timer_value_to_helper", CLS, 0, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 9), MOV(1, 0), STX(BPF_W, 10, 1, -4),
	     MOVR(2, 10), ALU(BPF_ADD, 2, -4), MOVR(3, 6), MOV(4, 0),
	     LDMAP(1, M_TIMER), CALL(BPF_FUNC_map_update_elem), RET0),
	CASE("timer_under_lock", CLS, 0, 0, 1, LOOKUP_LOCK(M_LOCK),
	     JI(BPF_JEQ, 6, 0, 9), LOCK(4), MOVR(1, 6), ALU(BPF_ADD, 1, 4),
	     CALL(BPF_FUNC_timer_cancel), UNLOCK(4), RET0),
	/*
	 * Without CAP_PERFMON, fp + a scalar of var_off (0x1; 0x6): Linux's
	 * line gives off + var_off.value, -23, not the fixed part -24.
	 */
	CASE("stack_var_add_unpriv_off", SF, 1, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), ALU(BPF_AND, 0, 6),
	     ALU(BPF_OR, 0, 1), MOVR(2, 10), ALU(BPF_ADD, 2, -24),
	     ALUR(BPF_ADD, 2, 0), LDX(BPF_B, 0, 2, 0), EXIT),
	/*
	 * s64 [S64_MIN, 7] and u64 [16, U64_MAX] meet only in the negative
	 * half: Linux (6.17+) narrows both to [2^63, U64_MAX], so "> 16" is
	 * always true and the load through a scalar below it is dead. In
	 * the second, [S64_MIN, 7] and u64 [0, 16] make [0, 7], but Linux's
	 * next step replaces the 64-bit bounds with the 32-bit ones, [0, 16]:
	 * "<= 7" is not known and the load is refused.
	 */
	CASE("bounds_cross_sign_neg", SF, 0, 1, 1,
	     CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JSGT, 0, 7, 4),
	     JI(BPF_JLT, 0, 16, 3), JI(BPF_JGT, 0, 16, 2), LDX(BPF_DW, 0, 0, 0),
	     EXIT, RET0),
	CASE("bounds_cross_sign_pos", SF, 0, 0, 1,
	     CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JSGT, 0, 7, 4),
	     JI(BPF_JGT, 0, 16, 3), JI(BPF_JLE, 0, 7, 2), LDX(BPF_DW, 0, 0, 0),
	     EXIT, RET0),
	/*
	 * r6 >= 16, then !(r6 & 0x1a): Linux 6.17+ forgets r6's ranges
	 * before narrowing its tnum, so r6 <= 16 then gives [0, 5] (bits 1,
	 * 3 and 4 clear), not 16, and value + r6 is in the 16-byte value.
	 */
	CASE("jset_false_forgets_ranges", SF, 0, 1, 1,
	     CALL(BPF_FUNC_get_prandom_u32), MOVR(6, 0), JI(BPF_JLT, 6, 16, 13),
	     I(BPF_JMP | BPF_JSET | BPF_K, 6, 0, 12, 0x1a),
	     JI(BPF_JGT, 6, 16, 11), LOOKUP(M_ARR), JI(BPF_JEQ, 0, 0, 3),
	     ALUR(BPF_ADD, 0, 6), LDX(BPF_B, 0, 0, 0), EXIT, RET0),
	/*
	 * Without CAP_PERFMON, value + 8 onto the bpf_timer is refused at
	 * the add (the sanitizer's bounds check includes the fields); + 4
	 * onto the int before it is fine.
	 */
	CASE("timer_init_unpriv", SF, 1, 0, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 6), TIMER_INIT(M_TIMER, 8), RET0),
	CASE("timer_arith_before_unpriv", SF, 1, 1, 1, LOOKUP_LOCK(M_TIMER),
	     JI(BPF_JEQ, 6, 0, 4), MOVR(1, 6), ALU(BPF_ADD, 1, 4),
	     LDX(BPF_W, 0, 1, 0), EXIT, RET0),
	/* ---------------- dynptrs (stack slots and references) ---------------- */
	CASE("dynptr_rb_submit", SF, 0, 1, 1, RESV_DYN(-16), SUBMIT_DYN(-16),
	     RET0),
	CASE("dynptr_rb_discard", SF, 0, 1, 1, RESV_DYN(-16), DISCARD_DYN(-16),
	     RET0),
	CASE("dynptr_rb_leak", SF, 0, 0, 1, RESV_DYN(-16), RET0),
	CASE("dynptr_rb_leak_on_fail", SF, 0, 0, 1, RESV_DYN(-16),
	     JI(BPF_JEQ, 0, 0, 4), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_fail_path_discard", SF, 0, 1, 1, RESV_DYN(-16),
	     JI(BPF_JEQ, 0, 0, 6), SUBMIT_DYN(-16), RET0, DISCARD_DYN(-16),
	     RET0),
	CASE("dynptr_rb_submit_twice", SF, 0, 0, 1, RESV_DYN(-16),
	     SUBMIT_DYN(-16), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_reserve_twice", SF, 0, 0, 1, RESV_DYN(-16),
	     RESV_DYN(-16), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_overwrite", SF, 0, 0, 1, RESV_DYN(-16),
	     ST(BPF_DW, 10, -16, 0), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_overwrite_high", SF, 0, 0, 1, RESV_DYN(-16),
	     ST(BPF_W, 10, -4, 0), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_read_after_submit", SF, 0, 0, 1, RESV_DYN(-16),
	     SUBMIT_DYN(-16), DREAD(-16), RET0),
	CASE("dynptr_rb_slice_after_submit", SF, 0, 0, 1, RESV_DYN(-16),
	     DDATA(-16, 8), MOVR(6, 0), SUBMIT_DYN(-16), JI(BPF_JEQ, 6, 0, 1),
	     LDX(BPF_B, 1, 6, 0), RET0),
	CASE("dynptr_rb_slice_ok", SF, 0, 1, 1, RESV_DYN(-16), DDATA(-16, 8),
	     JI(BPF_JEQ, 0, 0, 1), ST(BPF_DW, 0, 0, 7), SUBMIT_DYN(-16), RET0),
	CASE("dynptr_rb_slice_after_submit_unpriv", SF, 1, 0, 1, RESV_DYN(-16),
	     DDATA(-16, 8), MOVR(6, 0), SUBMIT_DYN(-16), JI(BPF_JEQ, 6, 0, 1),
	     LDX(BPF_B, 1, 6, 0), RET0),
	CASE("dynptr_rb_submit_in_callee", SF, 0, 1, 1, RESV_DYN(-16),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -16), CALLP(2), RET0, MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_submit_dynptr), RET0),
	CASE("dynptr_rb_reserve_in_callee", SF, 0, 1, 1, MOVR(1, 10),
	     ALU(BPF_ADD, 1, -16), CALLP(6), SUBMIT_DYN(-16), RET0, MOVR(4, 1),
	     LDMAP(1, M_RB), MOV(2, 8), MOV(3, 0),
	     CALL(BPF_FUNC_ringbuf_reserve_dynptr), RET0),
	CASE("dynptr_rb_leak_after_callee", SF, 0, 0, 1, MOVR(1, 10),
	     ALU(BPF_ADD, 1, -16), CALLP(2), RET0, MOVR(4, 1), LDMAP(1, M_RB),
	     MOV(2, 8), MOV(3, 0), CALL(BPF_FUNC_ringbuf_reserve_dynptr), RET0),
	CASE("dynptr_local_in_callee_read", SF, 0, 1, 1, FROM_MEM(-32),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -32), CALLP(2), RET0, MOVR(3, 1),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -8), MOV(2, 4), MOV(4, 0), MOV(5, 0),
	     CALL(BPF_FUNC_dynptr_read), RET0),
	CASE("dynptr_rb_submit_offset", SF, 0, 0, 1, RESV_DYN(-16), MOVR(1, 10),
	     ALU(BPF_ADD, 1, -8), MOV(2, 0),
	     CALL(BPF_FUNC_ringbuf_submit_dynptr), RET0),
	CASE("dynptr_rb_submit_scalar", SF, 0, 0, 1, RESV_DYN(-16), MOV(1, 0),
	     MOV(2, 0), CALL(BPF_FUNC_ringbuf_submit_dynptr), RET0),
	CASE("dynptr_rb_from_mem_over", SF, 0, 0, 1, RESV_DYN(-32),
	     FROM_MEM(-32), RET0),
	CASE("dynptr_read_uninit", SF, 0, 0, 1, DREAD(-16), RET0),
	CASE("dynptr_read_half_init", SF, 0, 0, 1, ST(BPF_DW, 10, -8, 0),
	     ST(BPF_DW, 10, -16, 0), DREAD(-16), RET0),
	CASE("dynptr_local_read", SF, 0, 1, 1, FROM_MEM(-32), DREAD(-32), RET0),
	CASE("dynptr_local_overwrite_read", SF, 0, 0, 1, FROM_MEM(-32),
	     ST(BPF_DW, 10, -24, 0), DREAD(-32), RET0),
	CASE("dynptr_local_submit", SF, 0, 0, 1, FROM_MEM(-32), SUBMIT_DYN(-32),
	     RET0),
	CASE("dynptr_local_twice", SF, 0, 1, 1, FROM_MEM(-32), FROM_MEM(-32),
	     DREAD(-32), RET0),
	CASE("dynptr_data_unchecked", SF, 0, 0, 1, FROM_MEM(-32), DDATA(-32, 8),
	     LDX(BPF_B, 1, 0, 0), RET0),
	CASE("dynptr_data_oob", SF, 0, 0, 1, FROM_MEM(-32), DDATA(-32, 8),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_B, 1, 0, 8), RET0),
	CASE("dynptr_data_ok", SF, 0, 1, 1, FROM_MEM(-32), DDATA(-32, 8),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_B, 1, 0, 7), RET0),
	CASE("dynptr_misaligned", SF, 0, 0, 1, FROM_MEM(-36), RET0),
	CASE("dynptr_bytes_read", SF, 0, 0, 1, FROM_MEM(-32),
	     LDX(BPF_DW, 1, 10, -32), RET0),
	CASE("dynptr_as_map_key", SF, 0, 0, 1, FROM_MEM(-32), LDMAP(1, M_ARR),
	     MOVR(2, 10), ALU(BPF_ADD, 2, -32), CALL(BPF_FUNC_map_lookup_elem),
	     RET0),
	CASE("dynptr_helper_writes_over", SF, 0, 0, 1, FROM_MEM(-32),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -32), MOV(2, 8), MOV(3, 0),
	     CALL(BPF_FUNC_probe_read_kernel), RET0),
	CASE("dynptr_write", SF, 0, 1, 1, FROM_MEM(-32), ST(BPF_DW, 10, -48, 0),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -32), MOV(2, 0), MOVR(3, 10),
	     ALU(BPF_ADD, 3, -48), MOV(4, 4), MOV(5, 0),
	     CALL(BPF_FUNC_dynptr_write), RET0),
	CASE("dynptr_from_stack_mem", SF, 0, 0, 1, ST(BPF_DW, 10, -40, 0),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -40), MOV(2, 8), MOV(3, 0),
	     MOVR(4, 10), ALU(BPF_ADD, 4, -16), CALL(BPF_FUNC_dynptr_from_mem),
	     RET0),
	/* ---- pointers to kernel objects (BTF) ---- */
	CASE_AT("btf_scalar_field", TP, 1, 0, PREV,
		LDX(BPF_W, 0, 6, BTF_F(F_PID)), RET0),
	CASE_AT("btf_rcu_chain", TP, 1, 0, PREV,
		LDX(BPF_DW, 6, 6, BTF_F(F_REAL_PARENT)),
		LDX(BPF_W, 0, 6, BTF_F(F_PID)), RET0),
	CASE_AT("btf_plain_chain", TP, 1, 0, PREV,
		LDX(BPF_DW, 6, 6, BTF_F(F_MM)),
		LDX(BPF_W, 0, 6, BTF_F(F_MM_COUNT)), RET0),
	CASE_AT("btf_plain_chain_null_check", TP, 1, 0, PREV,
		LDX(BPF_DW, 6, 6, BTF_F(F_MM)), JI(BPF_JEQ, 6, 0, 1),
		LDX(BPF_W, 0, 6, BTF_F(F_MM_COUNT)), RET0),
	CASE_AT("btf_store", TP, 0, 1, PREV, ST(BPF_W, 6, BTF_F(F_PID), 0),
		RET0),
	CASE_AT("btf_stx", TP, 0, 1, PREV, MOV(2, 1),
		STX(BPF_W, 6, 2, BTF_F(F_PID)), RET0),
	CASE_AT("btf_atomic", TP, 0, 1, PREV, MOV(2, 1),
		ATOMIC_ADD(BPF_W, 6, 2, BTF_F(F_PID)), RET0),
	CASE_AT("btf_beyond_struct", TP, 0, 1, PREV,
		LDX(BPF_W, 0, 6, BTF_F(F_TASK_SIZE)), RET0),
	CASE_AT("btf_negative_off", TP, 0, 1, PREV, LDX(BPF_W, 0, 6, -8), RET0),
	CASE_AT("btf_var_off", TP, 0, 1, PREV, LDX(BPF_W, 7, 6, BTF_F(F_PID)),
		ALU(BPF_AND, 7, 4), ALUR(BPF_ADD, 6, 7),
		LDX(BPF_W, 0, 6, BTF_F(F_PID)), RET0),
	CASE_AT("btf_const_arith", TP, 1, 0, PREV, ALU(BPF_ADD, 6, 4),
		LDX(BPF_W, 0, 6, BTF_F(F_PID) - 4), RET0),
	CASE_AT("btf_ptr_member_part", TP, 0, 1, PREV,
		LDX(BPF_W, 0, 6, BTF_F(F_REAL_PARENT)), RET0),
	CASE_AT("btf_comm_byte", TP, 1, 0, PREV,
		LDX(BPF_B, 0, 6, BTF_F(F_COMM) + 3), RET0),
	CASE_AT("btf_ctx_past_args", TP, 0, 1, LDX(BPF_DW, 0, 1, 32), RET0),
	CASE_AT("btf_ctx_misaligned", TP, 0, 1, LDX(BPF_W, 0, 1, 12), RET0),
	CASE_AT("btf_ctx_store", TP, 0, 1, ST(BPF_DW, 1, 8, 0), RET0),
	CASE_AT("btf_scalar_arg_deref", TP, 0, 1, LDX(BPF_DW, 6, 1, 0),
		LDX(BPF_B, 0, 6, 0), RET0),
	CASE_AT("btf_last_arg_scalar", TP, 1, 0, LDX(BPF_DW, 0, 1, 24), EXIT),
	CASE_AT("btf_char_ptr_deref", FE, 0, 1, FNAME,
		LDX(BPF_DW, 7, 6, BTF_F(F_FN_NAME)), LDX(BPF_B, 0, 7, 0), RET0),
	CASE_AT("btf_char_ptr_load", FE, 1, 0, FNAME,
		LDX(BPF_DW, 7, 6, BTF_F(F_FN_NAME)), RET0),
	CASE_AT("btf_flex_array", FE, 1, 0, FNAME,
		LDX(BPF_B, 0, 6, BTF_F(F_FN_INAME) + 40), RET0),
	CASE_AT("btf_nested_ptr_part", FE, 0, 1, FNAME,
		LDX(BPF_DW, 7, 6, BTF_F(F_FN_ANAME)), LDX(BPF_W, 0, 7, 0),
		RET0),
	CASE_AT("btf_fentry_int_arg", FE, 0, 1, LDX(BPF_DW, 6, 1, 0),
		LDX(BPF_W, 0, 6, 0), RET0),
	CASE_AT("btf_fentry_no_ret", FE, 0, 1, LDX(BPF_DW, 0, 1, 16), EXIT),
	CASE_AT("btf_fexit_ret", FX, 1, 0, LDX(BPF_DW, 0, 1, 16), EXIT),
	CASE_AT("btf_current_task", TP, 1, 0,
		CALL(BPF_FUNC_get_current_task_btf),
		LDX(BPF_W, 0, 0, BTF_F(F_PID)), RET0),
	CASE_AT("btf_current_task_store", TP, 0, 1,
		CALL(BPF_FUNC_get_current_task_btf),
		ST(BPF_W, 0, BTF_F(F_PID), 0), RET0),
	CASE_AT("btf_rcu_or_null_unchecked", "tp:kfree_skb", 0, 1,
		LDX(BPF_DW, 6, 1, 0), LDX(BPF_DW, 6, 6, BTF_F(F_SKB_SK)),
		LDX(BPF_H, 0, 6, BTF_F(F_SK_FAMILY)), RET0),
	CASE_AT("btf_rcu_or_null_checked", "tp:kfree_skb", 1, 0,
		LDX(BPF_DW, 6, 1, 0), LDX(BPF_DW, 6, 6, BTF_F(F_SKB_SK)),
		JI(BPF_JEQ, 6, 0, 1), LDX(BPF_H, 0, 6, BTF_F(F_SK_FAMILY)),
		RET0),
	CASE_AT("btf_func_ptr_arg", "tp:initcall_start", 0, 1,
		LDX(BPF_DW, 0, 1, 0), EXIT),
	CASE_AT("btf_narrow_ptr_arg", TP, 0, 1, LDX(BPF_W, 0, 1, 8), EXIT),
	CASE_AT("btf_null_arg_unchecked", "tp:kfree_skb", 0, 1,
		LDX(BPF_DW, 6, 1, 24), LDX(BPF_H, 0, 6, BTF_F(F_SK_FAMILY)),
		RET0),
	CASE_AT("btf_null_arg_checked", "tp:kfree_skb", 1, 0,
		LDX(BPF_DW, 6, 1, 24), JI(BPF_JEQ, 6, 0, 1),
		LDX(BPF_H, 0, 6, BTF_F(F_SK_FAMILY)), RET0),
	/* ---- map-in-map ---- */
	CASE("mim_array_inner_value", SF, 0, 1, 0, LOOKUP(M_AOM),
	     JI(BPF_JEQ, 0, 0, 6), MOVR(1, 0), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     CALL(BPF_FUNC_map_lookup_elem), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 8), RET0),
	CASE("mim_array_inner_oob", SF, 0, 0, 1, LOOKUP(M_AOM),
	     JI(BPF_JEQ, 0, 0, 6), MOVR(1, 0), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     CALL(BPF_FUNC_map_lookup_elem), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 12), RET0),
	CASE("mim_array_inner_const_key", SF, 0, 1, 0, LOOKUP(M_AOM),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(1, 0), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     CALL(BPF_FUNC_map_lookup_elem), LDX(BPF_DW, 0, 0, 0), RET0),
	CASE("mim_outer_unchecked", SF, 0, 0, 1, LOOKUP(M_AOM), MOVR(1, 0),
	     MOVR(2, 10), ALU(BPF_ADD, 2, -4), CALL(BPF_FUNC_map_lookup_elem),
	     RET0),
	CASE("mim_outer_deref_unchecked", SF, 0, 0, 1, LOOKUP(M_AOM),
	     LDX(BPF_W, 0, 0, 0), RET0),
	CASE("mim_hash_inner_value", SF, 0, 1, 0, LOOKUP(M_HOM),
	     JI(BPF_JEQ, 0, 0, 8), MOVR(1, 0), MOV(2, 0),
	     STX(BPF_DW, 10, 2, -16), MOVR(2, 10), ALU(BPF_ADD, 2, -16),
	     CALL(BPF_FUNC_map_lookup_elem), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_DW, 0, 0, 0), RET0),
	CASE("mim_hash_inner_update", SF, 0, 1, 0, LOOKUP(M_HOM),
	     JI(BPF_JEQ, 0, 0, 8), MOVR(1, 0), MOV(2, 0),
	     STX(BPF_DW, 10, 2, -16), MOVR(2, 10), ALU(BPF_ADD, 2, -16),
	     MOVR(3, 2), MOV(4, 0), CALL(BPF_FUNC_map_update_elem), RET0),
	CASE("mim_hash_inner_short_key", SF, 0, 0, 1, LOOKUP(M_HOM),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(1, 0), MOVR(2, 10), ALU(BPF_ADD, 2, -4),
	     CALL(BPF_FUNC_map_lookup_elem), RET0),
	/*
	 * Open-coded iterators (bpf_for, bpf_repeat; src/verifier/iter.c):
	 * more in tests/unit/kfunc/test_iter_diff.c, run on both sides.
	 */
	CASE_KF("iter_for_sum_value", CLS, 1, 1, LOOKUP(M_ARR), MOVR(6, 0),
		JI(BPF_JEQ, 6, 0, 23), MOV(7, 0), INEW(-16, 0, 4), INEXT(-16),
		JI(BPF_JEQ, 0, 0, 8), LDX(BPF_W, 1, 0, 0),
		JI(BPF_JGT, 1, 3, -6), ALU(BPF_LSH, 1, 2), MOVR(2, 6),
		ALUR(BPF_ADD, 2, 1), LDX(BPF_W, 3, 2, 0), ALUR(BPF_ADD, 7, 3),
		JA(-12), IDESTROY(-16), MOVR(0, 7), EXIT, RET0),
	CASE_KF("iter_for_unchecked_index", CLS, 0, 1, LOOKUP(M_ARR),
		MOVR(6, 0), JI(BPF_JEQ, 6, 0, 22), MOV(7, 0), INEW(-16, 0, 4),
		INEXT(-16), JI(BPF_JEQ, 0, 0, 7), LDX(BPF_W, 1, 0, 0),
		ALU(BPF_LSH, 1, 2), MOVR(2, 6), ALUR(BPF_ADD, 2, 1),
		LDX(BPF_W, 3, 2, 0), ALUR(BPF_ADD, 7, 3), JA(-11),
		IDESTROY(-16), MOVR(0, 7), EXIT, RET0),
	CASE_KF("iter_repeat", CLS, 1, 1, MOV(6, 0), INEW(-8, 0, 10), INEXT(-8),
		JI(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 6, 1), JA(-6), IDESTROY(-8),
		MOVR(0, 6), EXIT),
	CASE_KF("iter_nested", CLS, 1, 1, MOV(6, 0), INEW(-8, 0, 4), INEXT(-8),
		JI(BPF_JEQ, 0, 0, 15), INEW(-16, 0, 5), INEXT(-16),
		JI(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 6, 1), JA(-6), IDESTROY(-16),
		JA(-19), IDESTROY(-8), MOVR(0, 6), EXIT),
	CASE_KF("iter_leak", CLS, 0, 1, INEW(-8, 0, 3), RET0),
	CASE_KF("iter_double_destroy", CLS, 0, 1, INEW(-8, 0, 3), IDESTROY(-8),
		IDESTROY(-8), RET0),
	CASE_KF("iter_next_uninit", CLS, 0, 1, ST(BPF_DW, 10, -8, 0), INEXT(-8),
		RET0),
	CASE_KF("iter_ptr_after_loop", CLS, 1, 1, MOV(6, 7), INEW(-8, 0, 3),
		INEXT(-8), JI(BPF_JEQ, 0, 0, 7), MOVR(8, 0), INEXT(-8),
		JI(BPF_JEQ, 0, 0, 1), JA(-5), LDX(BPF_W, 6, 8, 0), IDESTROY(-8),
		MOVR(0, 6), EXIT),
	CASE_KF("iter_ptr_after_destroy", CLS, 0, 1, INEW(-8, 0, 3), INEXT(-8),
		JI(BPF_JEQ, 0, 0, 6), MOVR(8, 0), IDESTROY(-8),
		LDX(BPF_W, 0, 8, 0), EXIT, IDESTROY(-8), RET0),
	CASE_KF("iter_ptr_write", CLS, 0, 1, INEW(-8, 0, 3), INEXT(-8),
		JI(BPF_JEQ, 0, 0, 1), ST(BPF_W, 0, 0, 5), IDESTROY(-8), RET0),
	CASE_KF("iter_misaligned", CLS, 0, 1, INEW(-12, 0, 3), IDESTROY(-12),
		RET0),
	CASE_KF("iter_subprog_loop", CLS, 1, 1, INEW(-8, 0, 6), MOVR(1, 10),
		ALU(BPF_ADD, 1, -8), CALLP(6), MOVR(6, 0), IDESTROY(-8),
		MOVR(0, 6), EXIT, MOVR(6, 1), MOV(7, 0), MOVR(1, 6), KFC(1),
		JI(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 7, 1), JA(-5), MOVR(0, 7),
		EXIT),
	/* Socket lookups: references, per-field access, program types. */
	CASE("sk_lookup_release", CLS, 0, 1, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 2), SKREL(0), RET0),
	CASE("sk_lookup_udp_release", CLS, 0, 1, 1, SKLOOK(sk_lookup_udp),
	     JI(BPF_JEQ, 0, 0, 2), SKREL(0), RET0),
	CASE("skc_lookup_release", CLS, 0, 1, 1, SKLOOK(skc_lookup_tcp),
	     JI(BPF_JNE, 0, 0, 1), EXIT, SKREL(0), RET0),
	CASE("sk_lookup_xdp", XDP, 0, 1, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 2), SKREL(0), RET0),
	CASE("sk_lookup_cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB, 0, 1, 1,
	     SKLOOK(sk_lookup_udp), JI(BPF_JEQ, 0, 0, 2), SKREL(0), MOV(0, 1),
	     EXIT),
	CASE("sk_lookup_socket_filter", SF, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 2), SKREL(0), RET0),
	CASE("sk_lookup_leak", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp), RET0),
	CASE("sk_lookup_leak_one_path", CLS, 0, 0, 1, MOVR(9, 1),
	     SKLOOK(sk_lookup_tcp), JI(BPF_JEQ, 0, 0, 6), MOVR(6, 0),
	     CALL(BPF_FUNC_get_prandom_u32), JI(BPF_JEQ, 0, 0, 2), SKREL(6),
	     RET0),
	CASE("sk_release_unchecked", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     SKREL(0), RET0),
	CASE("sk_release_scalar", CLS, 0, 0, 1, MOV(0, 0), SKREL(0), RET0),
	CASE("sk_release_ctx", CLS, 0, 0, 1, SKREL(1), RET0),
	/*
	 * A referenced BTF pointer that is no socket: releasing an acquired
	 * task as a socket would free what is not one (review finding).
	 */
	CASE_KF("sk_release_task", XDP, 0, 1, MOV(1, 1), KFC(3),
		JI(BPF_JEQ, 0, 0, 2), MOVR(1, 0), CALL(BPF_FUNC_sk_release),
		RET0),
	CASE_KF("sk_release_task_cls", CLS, 0, 1, MOV(1, 1), KFC(3),
		JI(BPF_JEQ, 0, 0, 2), MOVR(1, 0), CALL(BPF_FUNC_sk_release),
		RET0),
	CASE("sk_double_release", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 4), MOVR(6, 0), SKREL(6), SKREL(6), RET0),
	CASE("sk_use_after_release", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(6, 0), SKREL(6), LDX(BPF_W, 0, 6, 4),
	     EXIT, RET0),
	CASE("sk_read_fields", CLS, 0, 1, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 9), LDX(BPF_W, 6, 0, 4), LDX(BPF_H, 7, 0, 48),
	     LDX(BPF_B, 8, 0, 25), LDX(BPF_W, 9, 0, 76), ALUR(BPF_ADD, 6, 7),
	     SKREL(0), MOVR(0, 6), EXIT, RET0),
	CASE("sk_read_past_end", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_W, 6, 0, 80), SKREL(0), RET0),
	CASE("sk_read_negative", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_W, 6, 0, -4), SKREL(0), RET0),
	CASE("sk_narrow_mark", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_B, 6, 0, 16), SKREL(0), RET0),
	CASE("sk_dst_port_pad", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_H, 6, 0, 50), SKREL(0), RET0),
	CASE("sk_misaligned", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_W, 6, 0, 26), SKREL(0), RET0),
	CASE("sk_read_dw", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_DW, 6, 0, 0), SKREL(0), RET0),
	CASE("sk_write_field", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), ST(BPF_W, 0, 16, 1), SKREL(0), RET0),
	CASE("sk_read_unchecked", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     LDX(BPF_W, 6, 0, 4), SKREL(0), RET0),
	CASE("sk_ptr_arith", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), ALU(BPF_ADD, 0, 4), SKREL(0), RET0),
	CASE("sk_ptr_arith_null", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     ALU(BPF_ADD, 0, 4), RET0),
	CASE("sk_atomic", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 4), MOV(1, 1), ATOMIC_ADD(BPF_W, 0, 1, 16),
	     SKREL(0), RET0),
	CASE("skc_read_type", CLS, 0, 0, 1, SKLOOK(skc_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 3), LDX(BPF_W, 6, 0, 8), SKREL(0), RET0),
	CASE("skc_read_state", CLS, 0, 1, 1, SKLOOK(skc_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 5), LDX(BPF_W, 6, 0, 72), SKREL(0), MOVR(0, 6),
	     EXIT, RET0),
	CASE("sk_spill_fill_release", CLS, 0, 1, 1, SKLOOK(sk_lookup_tcp),
	     STX(BPF_DW, 10, 0, -24), LDX(BPF_DW, 6, 10, -24),
	     JI(BPF_JEQ, 6, 0, 2), SKREL(6), RET0),
	CASE("sk_fullsock_release_result", CLS, 0, 1, 1, SKLOOK(skc_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 9), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_sk_fullsock), JI(BPF_JEQ, 0, 0, 3), SKREL(0), EXIT,
	     SKREL(6), RET0),
	CASE("tcp_sock_read", CLS, 0, 1, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 11), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_tcp_sock), MOV(7, 0), JI(BPF_JEQ, 0, 0, 2),
	     LDX(BPF_DW, 7, 0, 80), LDX(BPF_W, 8, 0, 108), SKREL(6), MOVR(0, 7),
	     EXIT, RET0),
	CASE("tcp_sock_bad_size", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 7), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_tcp_sock), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_W, 7, 0, 80), SKREL(6), RET0),
	CASE("tcp_sock_past_end", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 7), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_tcp_sock), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_W, 7, 0, 112), SKREL(6), RET0),
	CASE("tcp_sock_after_release", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 9), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_tcp_sock), JI(BPF_JEQ, 0, 0, 4), MOVR(7, 0),
	     SKREL(6), LDX(BPF_W, 0, 7, 0), EXIT, SKREL(6), RET0),
	CASE("tcp_sock_unchecked_arg", CLS, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     MOVR(6, 0), MOVR(1, 0), CALL(BPF_FUNC_tcp_sock), RET0),
	CASE("sk_fullsock_xdp", XDP, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_sk_fullsock), SKREL(6), RET0),
	/*
	 * The packet's socket (__sk_buff->sk, a sock_common_or_null):
	 * null checks, per-field access, writes, the helpers that take it,
	 * bpf_get_listener_sock's result and program types.
	 */
	CASE("skb_sk_no_null_check", CLS, 0, 0, 1, SKB_SK, LDX(BPF_W, 0, 1, 4),
	     EXIT),
	CASE("skb_sk_read_common", CLS, 0, 1, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 4),
	     LDX(BPF_W, 0, 1, 4), LDX(BPF_B, 2, 1, 72), LDX(BPF_H, 3, 1, 48),
	     EXIT, RET0),
	CASE("skb_sk_type_not_full", CLS, 0, 0, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 2),
	     LDX(BPF_W, 0, 1, 8), EXIT, RET0),
	CASE("skb_sk_write_field", CLS, 0, 0, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 1),
	     ST(BPF_W, 1, 0, 1), RET0),
	CASE("skb_sk_store_ctx", CLS, 0, 0, 1, ST(BPF_DW, 1, 168, 0), RET0),
	CASE("skb_sk_narrow_ptr", CLS, 0, 0, 1, LDX(BPF_W, 0, 1, 168), EXIT),
	CASE("skb_sk_upper_half", CLS, 0, 0, 1, LDX(BPF_W, 0, 1, 172), EXIT),
	CASE("skb_sk_ptr_arith_null", CLS, 0, 0, 1, SKB_SK, ALU(BPF_ADD, 1, 4),
	     RET0),
	CASE("skb_sk_read_dw", CLS, 0, 0, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 2),
	     LDX(BPF_DW, 0, 1, 0), EXIT, RET0),
	CASE("skb_sk_release", CLS, 0, 0, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 1),
	     CALL(BPF_FUNC_sk_release), RET0),
	CASE("skb_sk_fullsock_read", CLS, 0, 1, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 5),
	     CALL(BPF_FUNC_sk_fullsock), JI(BPF_JEQ, 0, 0, 3),
	     LDX(BPF_W, 2, 0, 8), LDX(BPF_W, 3, 0, 12), LDX(BPF_W, 4, 0, 16),
	     RET0),
	CASE("skb_sk_fullsock_write", CLS, 0, 0, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 3), CALL(BPF_FUNC_sk_fullsock),
	     JI(BPF_JEQ, 0, 0, 1), ST(BPF_W, 0, 16, 1), RET0),
	CASE("skb_sk_tcp_sock_read", CLS, 0, 1, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 4),
	     CALL(BPF_FUNC_tcp_sock), JI(BPF_JEQ, 0, 0, 2),
	     LDX(BPF_DW, 2, 0, 80), LDX(BPF_W, 3, 0, 0), RET0),
	CASE("skb_sk_tcp_sock_unchecked", CLS, 0, 0, 1, SKB_SK,
	     CALL(BPF_FUNC_tcp_sock), RET0),
	CASE("skb_sk_listener_read", CLS, 0, 1, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 3),
	     CALL(BPF_FUNC_get_listener_sock), JI(BPF_JEQ, 0, 0, 1),
	     LDX(BPF_W, 2, 0, 12), RET0),
	CASE("skb_sk_listener_null", CLS, 0, 0, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 3),
	     CALL(BPF_FUNC_get_listener_sock), LDX(BPF_W, 0, 0, 4), EXIT, RET0),
	CASE("skb_sk_listener_release", CLS, 0, 0, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 4), CALL(BPF_FUNC_get_listener_sock),
	     JI(BPF_JEQ, 0, 0, 2), MOVR(1, 0), CALL(BPF_FUNC_sk_release), RET0),
	CASE("skb_sk_listener_write", CLS, 0, 0, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 3), CALL(BPF_FUNC_get_listener_sock),
	     JI(BPF_JEQ, 0, 0, 1), ST(BPF_W, 0, 4, 1), RET0),
	CASE("skb_sk_listener_scalar", CLS, 0, 0, 1, MOV(1, 0),
	     CALL(BPF_FUNC_get_listener_sock), RET0),
	CASE("listener_of_lookup_after_release", CLS, 0, 1, 1,
	     SKLOOK(sk_lookup_tcp), JI(BPF_JEQ, 0, 0, 8), MOVR(6, 0),
	     MOVR(1, 0), CALL(BPF_FUNC_get_listener_sock), MOVR(7, 0), SKREL(6),
	     JI(BPF_JEQ, 7, 0, 2), LDX(BPF_W, 0, 7, 4), EXIT, RET0),
	CASE("listener_xdp", XDP, 0, 0, 1, SKLOOK(sk_lookup_tcp),
	     JI(BPF_JEQ, 0, 0, 5), MOVR(6, 0), MOVR(1, 0),
	     CALL(BPF_FUNC_get_listener_sock), SKREL(6), RET0),
	CASE("listener_socket_filter", SF, 0, 0, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 1), CALL(BPF_FUNC_get_listener_sock), RET0),
	CASE("skb_sk_socket_filter", SF, 0, 1, 1, SKB_SK, JI(BPF_JEQ, 1, 0, 2),
	     LDX(BPF_W, 0, 1, 72), EXIT, RET0),
	CASE("skb_sk_fullsock_socket_filter", SF, 0, 0, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 1), CALL(BPF_FUNC_sk_fullsock), RET0),
	CASE("skb_sk_cgroup_skb", BPF_PROG_TYPE_CGROUP_SKB, 0, 1, 1, SKB_SK,
	     JI(BPF_JEQ, 1, 0, 5), CALL(BPF_FUNC_get_listener_sock),
	     JI(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 2, 0, 4), MOV(0, 1), EXIT,
	     MOV(0, 1), EXIT),
	CASE("skb_sk_spill_fill", CLS, 0, 1, 1, SKB_SK, STX(BPF_DW, 10, 1, -8),
	     LDX(BPF_DW, 2, 10, -8), JI(BPF_JEQ, 2, 0, 2), LDX(BPF_W, 0, 2, 76),
	     EXIT, RET0),
	CASE("sk_lookup_tail_call_leak", CLS, 0, 0, 1, MOVR(9, 1),
	     SKLOOK(sk_lookup_tcp), MOVR(6, 0), MOVR(1, 9), LDMAP(2, M_PA),
	     MOV(3, 0), CALL(BPF_FUNC_tail_call), JI(BPF_JEQ, 6, 0, 2),
	     SKREL(6), RET0),
	/*
	 * Stack-slot liveness (issue #13): two paths store different things
	 * in a slot and join at insn 11 (a jump target) after 8 insns and 2
	 * jumps, where the first path's state is recorded. "live_dead_*":
	 * nothing after the join reads the slot before writing it, so the
	 * second path stops there (the kernel's count, asserted by
	 * verifier_stack_liveness). "live_slot_*": it is read after the
	 * join, by a load, a callee or a helper: compared, and the unsafe
	 * second paths are refused.
	 */
	CASE("live_dead_slot_ptr_or_misc", SF, 0, 1, 0, LIVE_JOIN,
	     STX(BPF_DW, 10, 9, -8), JA(1), ST(BPF_W, 10, -8, 5), MOV(0, 0),
	     EXIT),
	CASE("live_dead_slot_overwritten", SF, 0, 1, 0, LIVE_JOIN,
	     STX(BPF_DW, 10, 9, -8), JA(1), ST(BPF_W, 10, -8, 5), MOV(0, 0),
	     STX(BPF_DW, 10, 0, -8), LDX(BPF_DW, 0, 10, -8), EXIT),
	CASE("live_dead_slot_spill_or_none", SF, 0, 1, 0, LIVE_JOIN,
	     STX(BPF_DW, 10, 9, -16), JA(1), MOV(7, 1), MOV(0, 0), EXIT),
	CASE("live_slot_read_after_join", SF, 0, 1, 0, LIVE_JOIN,
	     ST(BPF_DW, 10, -16, 1), JA(1), ST(BPF_W, 10, -16, 5),
	     LDX(BPF_W, 0, 10, -16), EXIT),
	CASE("live_slot_read_by_callee_unsafe", SF, 0, 0, 0, LIVE_JOIN,
	     STX(BPF_DW, 10, 9, -16), JA(1), ST(BPF_DW, 10, -16, 0),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -16), CALLP(1), EXIT,
	     LDX(BPF_DW, 2, 1, 0), LDX(BPF_W, 0, 2, 0), EXIT),
	CASE("live_slot_read_by_helper_unsafe", SF, 1, 0, 0, LIVE_JOIN,
	     ST(BPF_DW, 10, -8, 0), JA(1), MOV(7, 1), LDMAP(1, M_HASH),
	     MOVR(2, 10), ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_map_lookup_elem),
	     MOV(0, 0), EXIT),
	/*
	 * A callee stores a pointer to its own stack into its caller's
	 * (review finding: accepted, and a later use of it in the caller
	 * crashed kbpf's verifier on the returned frame).
	 */
	CASE("callee_fp_into_caller", SF, 0, 0, 1, MOVR(9, 1), MOVR(1, 10),
	     ALU(BPF_ADD, 1, -8), CALLP(4), LDX(BPF_DW, 2, 10, -8), MOV(0, 0),
	     MOV(0, 0), EXIT, MOVR(2, 10), ALU(BPF_ADD, 2, -8),
	     STX(BPF_DW, 1, 2, 0), MOV(0, 0), EXIT),
	CASE("callee_fp_into_caller_deref", SF, 0, 0, 1, MOVR(9, 1),
	     MOVR(1, 10), ALU(BPF_ADD, 1, -8), CALLP(4), LDX(BPF_DW, 2, 10, -8),
	     LDX(BPF_DW, 0, 2, 0), MOV(0, 0), EXIT, MOVR(2, 10),
	     ALU(BPF_ADD, 2, -8), STX(BPF_DW, 1, 2, 0), MOV(0, 0), EXIT),
	CASE("callee_fp_into_caller_key", SF, 0, 0, 1, MOVR(9, 1), MOVR(1, 10),
	     ALU(BPF_ADD, 1, -8), CALLP(6), LDX(BPF_DW, 2, 10, -8),
	     LDMAP(1, M_HASH), CALL(BPF_FUNC_map_lookup_elem), MOV(0, 0), EXIT,
	     MOVR(2, 10), ALU(BPF_ADD, 2, -8), STX(BPF_DW, 1, 2, 0), MOV(0, 0),
	     EXIT),
};

const size_t vcases_nr = sizeof(vcases) / sizeof(vcases[0]);

/*
 * BTF of the lock maps: [1] int, [2] struct bpf_spin_lock { int val; },
 * [3] struct v { int cnt; struct bpf_spin_lock l; int x; }.
 */
const void *vcase_lock_btf(uint32_t *size)
{
	static const uint32_t types[] = {
		1,
		BTF_KIND_INT << 24,
		4,
		BTF_INT_SIGNED << 24 | 32,
		5,
		BTF_KIND_STRUCT << 24 | 1,
		4,
		19,
		1,
		0,
		23,
		BTF_KIND_STRUCT << 24 | 3,
		12,
		25,
		1,
		0,
		29,
		2,
		32,
		31,
		1,
		64,
		/* 4: u64; 5: struct bpf_timer { u64 a, b; } */
		33,
		BTF_KIND_INT << 24,
		8,
		64,
		37,
		BTF_KIND_STRUCT << 24 | 2,
		16,
		47,
		4,
		0,
		49,
		4,
		64,
		/* 6: struct tv { int cnt; int res; struct bpf_timer t; } */
		51,
		BTF_KIND_STRUCT << 24 | 3,
		24,
		25,
		1,
		0,
		54,
		1,
		32,
		58,
		5,
		64,
		/* 7: struct task_struct {} (resolved in the host BTF) */
		60,
		BTF_KIND_STRUCT << 24,
		0,
		/* 8: "kptr" tag on 7; 9: pointer to 8 */
		72,
		BTF_KIND_TYPE_TAG << 24,
		7,
		0,
		BTF_KIND_PTR << 24,
		8,
		/* 10: "kptr_untrusted" tag on 7; 11: pointer to 10 */
		77,
		BTF_KIND_TYPE_TAG << 24,
		7,
		0,
		BTF_KIND_PTR << 24,
		10,
		/* 12: struct kv { int cnt; task __kptr *t @8; __kptr_untrusted *u @16 } */
		92,
		BTF_KIND_STRUCT << 24 | 3,
		24,
		25,
		1,
		0,
		58,
		9,
		64,
		95,
		11,
		128,
	};
	static const char strs[] =
		"\0int\0bpf_spin_lock\0val\0v\0cnt\0l\0x\0u64\0bpf_timer\0a\0b\0tv\0res\0t"
		"\0task_struct\0kptr\0kptr_untrusted\0kv\0u";
	static uint8_t blob[24 + sizeof(types) + sizeof(strs)];
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	*size = sizeof(blob);
	return blob;
}

void vcase_map_attr(int i, union bpf_attr *a, uint32_t btf_fd)
{
	static const struct {
		uint32_t t, ks, vs, max, flags;
		uint32_t btf; /* the value's BTF type id, 0: none */
	} spec[VCASE_NR_MAPS] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, 0 },
		{ BPF_MAP_TYPE_HASH, 8, 8, 16, 0, 0 },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0 },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0 },
		{ BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0, 3 },
		{ BPF_MAP_TYPE_HASH, 4, 12, 4, 0, 3 },
		{ BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 2, 0, 0 },
		{ BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 2, 0, 0 },
		{ BPF_MAP_TYPE_ARRAY, 4, 24, 4, 0, 6 },
		{ BPF_MAP_TYPE_HASH, 4, 24, 4, 0, 6 },
		{ BPF_MAP_TYPE_ARRAY, 4, 24, 1, 0, 12 },
	};

	memset(a, 0, sizeof(*a));
	a->map_type = spec[i].t;
	a->key_size = spec[i].ks;
	a->value_size = spec[i].vs;
	a->max_entries = spec[i].max;
	a->map_flags = spec[i].flags;
	if (spec[i].btf) {
		a->btf_fd = btf_fd;
		a->btf_key_type_id = 1;
		a->btf_value_type_id = spec[i].btf;
	}
}

int vcase_map_inner(int i)
{
	return i == M_AOM ? M_ARR : i == M_HOM ? M_HASH : -1;
}
