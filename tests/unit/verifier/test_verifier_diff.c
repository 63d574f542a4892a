// SPDX-License-Identifier: MIT
/*
 * The verifier against the kernel's: a table of hand-written programs,
 * about half unsafe (out-of-bounds map, stack and packet accesses, stores
 * through scalars, unchecked map lookups, unbounded and infinite loops,
 * uninitialised registers and stack, leaked ring buffer records, writes to
 * read-only maps, misaligned stack accesses, pointer leaks by loaders
 * without CAP_PERFMON) and half safe (bounded loops, packet parsing with
 * bounds checks, checked lookups, helpers, bpf-to-bpf calls, bpf_loop,
 * for_each_map_elem, tail calls). Each is loaded on the kernel and on kbpf
 * with KBPF_VERIFIER_ENFORCE: both must accept or both refuse; the line
 * that says why (the last before "processed ...") must be the same where
 * the table says v0 prints Linux's line, and the count of equal lines is
 * printed for the rest. Accepted packet programs then run in checked mode
 * on kbpf without a fault (soundness spot check).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf/disasm.h"
#include "kbpf/interp.h"
#include "kbpf/uapi/btf.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "vlog_cmp.h"

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

/* ---- instruction shorthands ---- */
#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32R(d, s) I(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALUR(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32(op, d, i) I(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JI(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JR(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define J32I(op, d, i, o) I(BPF_JMP32 | (op) | BPF_K, d, 0, o, i)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define CALLP(o) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MAPREF 0x7ead0000
#define LDMAP(d, k)                                                          \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, MAPREF + (k)), \
		I(0, 0, 0, 0, 0)
#define LDFUNC(d, o) \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, o), I(0, 0, 0, 0, 0)
#define ATOMIC_ADD(sz, d, s, o) I(BPF_STX | BPF_ATOMIC | (sz), d, s, o, BPF_ADD)

/*
 * Maps: 0 ARRAY 4/16 x4, 1 HASH 8/8, 2 ARRAY rdonly-prog 4/8, 3 RINGBUF,
 * 4 PROG_ARRAY, 5 ARRAY 4/12 x4 and 6 HASH 4/12 whose value is
 * struct { int cnt; struct bpf_spin_lock l; int x; } (BTF), lock at 4.
 */
#define M_ARR 0
#define M_HASH 1
#define M_RO 2
#define M_RB 3
#define M_PA 4
#define M_LOCK 5
#define M_LOCKH 6
#define NR_MAPS 7

/* r0 = lookup(map k, key 0 on the stack at r10-4) */
#define LOOKUP(k)                                                           \
	MOV(1, 0), STX(BPF_W, 10, 1, -4), MOVR(2, 10), ALU(BPF_ADD, 2, -4), \
		LDMAP(1, k), CALL(BPF_FUNC_map_lookup_elem)
/* the same with an 8-byte key at r10-8 (the hash map) */
#define LOOKUP8(k)                                                           \
	MOV(1, 0), STX(BPF_DW, 10, 1, -8), MOVR(2, 10), ALU(BPF_ADD, 2, -8), \
		LDMAP(1, k), CALL(BPF_FUNC_map_lookup_elem)
/* r0 = ringbuf_reserve(rb, 8, 0) */
#define RESERVE \
	LDMAP(1, M_RB), MOV(2, 8), MOV(3, 0), CALL(BPF_FUNC_ringbuf_reserve)
/* r0 = lookup(map k, key 0) of the 4-byte-key lock maps, r6 = r0 */
#define LOOKUP_LOCK(k) LOOKUP(k), MOVR(6, 0)
/* r1 = r6 + off; call bpf_spin_lock/unlock */
#define LOCK(off) MOVR(1, 6), ALU(BPF_ADD, 1, off), CALL(BPF_FUNC_spin_lock)
#define UNLOCK(off) MOVR(1, 6), ALU(BPF_ADD, 1, off), CALL(BPF_FUNC_spin_unlock)
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
#define RET0 MOV(0, 0), EXIT
#define XDP_PTRS LDX(BPF_W, 2, 1, 0), LDX(BPF_W, 3, 1, 4)
#define SKB_PTRS LDX(BPF_W, 2, 1, 76), LDX(BPF_W, 3, 1, 80)

#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define XDP BPF_PROG_TYPE_XDP
#define CLS BPF_PROG_TYPE_SCHED_CLS
#define KP BPF_PROG_TYPE_KPROBE

struct vcase {
	const char *name;
	uint32_t type;
	bool unpriv; /* loader without CAP_PERFMON / CAP_SYS_ADMIN */
	bool safe; /* what the case is about (the kernel decides) */
	bool same_line; /* v0 prints Linux's line: assert it */
	struct bpf_insn insns[40];
};

/* Instructions of @c: up to its last non-empty one (an exit). */
static uint32_t case_len(const struct vcase *c)
{
	uint32_t n = 40;

	while (n && !c->insns[n - 1].code)
		n--;
	return n;
}

#define CASE(nm, ty, up, sf, ln, ...)                             \
	{                                                         \
		.name = nm, .type = ty, .unpriv = up, .safe = sf, \
		.same_line = ln, .insns = {                       \
			__VA_ARGS__                               \
		}                                                 \
	}

static const struct vcase cases[] = {
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
};

/* ---- loading ---- */

static long maps[2][NR_MAPS];

/*
 * BTF of the lock maps: [1] int, [2] struct bpf_spin_lock { int val; },
 * [3] struct v { int cnt; struct bpf_spin_lock l; int x; }.
 */
static long lock_btf(int side)
{
	static const uint32_t types[] = {
		1,  BTF_KIND_INT << 24,
		4,  BTF_INT_SIGNED << 24 | 32,
		5,  BTF_KIND_STRUCT << 24 | 1,
		4,  19,
		1,  0,
		23, BTF_KIND_STRUCT << 24 | 3,
		12, 25,
		1,  0,
		29, 2,
		32, 31,
		1,  64,
	};
	static const char strs[] = "\0int\0bpf_spin_lock\0val\0v\0cnt\0l\0x";
	static uint8_t blob[24 + sizeof(types) + sizeof(strs)];
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };
	union bpf_attr a;

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = sizeof(blob);
	return side_bpf(side, BPF_BTF_LOAD, &a);
}

static int create_maps(int side)
{
	static const struct {
		uint32_t t, ks, vs, max, flags;
		bool btf;
	} spec[NR_MAPS] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, false },
		{ BPF_MAP_TYPE_HASH, 8, 8, 16, 0, false },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 1, BPF_F_RDONLY_PROG, false },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, false },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, false },
		{ BPF_MAP_TYPE_ARRAY, 4, 12, 4, 0, true },
		{ BPF_MAP_TYPE_HASH, 4, 12, 4, 0, true },
	};
	long btf = lock_btf(side);

	if (btf < 0)
		return (int)btf;
	for (int i = 0; i < NR_MAPS; i++) {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.map_type = spec[i].t;
		a.key_size = spec[i].ks;
		a.value_size = spec[i].vs;
		a.max_entries = spec[i].max;
		a.map_flags = spec[i].flags;
		if (spec[i].btf) {
			a.btf_fd = (uint32_t)btf;
			a.btf_key_type_id = 1;
			a.btf_value_type_id = 3;
		}
		maps[side][i] = side_bpf(side, BPF_MAP_CREATE, &a);
		if (maps[side][i] < 0) {
			side_close(side, btf);
			return (int)maps[side][i];
		}
	}
	side_close(side, btf);
	return 0;
}

/* Drop (or give back) CAP_PERFMON and CAP_SYS_ADMIN from this thread. */
static int unpriv(bool drop)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3,
						0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &hdr, d))
		return -errno;
	if (drop) {
		d[CAP_SYS_ADMIN / 32].effective &=
			~(1u << (CAP_SYS_ADMIN % 32));
		d[CAP_PERFMON / 32].effective &= ~(1u << (CAP_PERFMON % 32));
	} else {
		d[0].effective = d[0].permitted;
		d[1].effective = d[1].permitted;
	}
	return syscall(SYS_capset, &hdr, d) ? -errno : 0;
}

static char logs[2][65536];
static uint32_t load_level = 1; /* log_level of load() */

static long load(int side, const struct vcase *c)
{
	struct bpf_insn insns[40];
	union bpf_attr a;
	long fd;

	uint32_t n = case_len(c);

	memcpy(insns, c->insns, n * sizeof(insns[0]));
	for (uint32_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
	memset(&a, 0, sizeof(a));
	a.prog_type = c->type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = load_level;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (c->unpriv && unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (c->unpriv)
		unpriv(false);
	return fd;
}

/* The line that says why: the last one before "processed ...". */
static void why_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10) &&
		    strncmp(p, "cur state:", 10) &&
		    strncmp(p, "old state:", 10)) {
			best = p;
			len = (size_t)(end - p);
		}
		p = *end ? end + 1 : end;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, best, len);
	out[len] = 0;
}

/* Run an accepted packet program on kbpf in checked mode: no fault. */
static long run_checked(long fd, uint32_t type)
{
	uint8_t pkt[64], out[128];
	union bpf_attr a;

	if (type != XDP && type != SF && type != CLS)
		return 0;
	for (unsigned i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 7);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	return side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
}

KBPF_TEST(
	verifier_table,
	"every program of the table: kbpf's verifier (ENFORCE) accepts what the kernel accepts and refuses what it refuses, with Linux's line where v0 has it; accepted packet programs run in checked mode without a fault")
{
	unsigned agree = 0, same = 0, refused = 0, same_refused = 0;
	unsigned nsafe = 0, nunsafe = 0, errno_same = 0, ran = 0;
	int fails = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < NR_CASES; i++) {
		const struct vcase *c = &cases[i];
		char kl[256], bl[256];
		long k = load(SIDE_KERNEL, c), b = load(SIDE_KBPF, c);
		bool ok = (k >= 0) == (b >= 0);

		if (c->safe)
			nsafe++;
		else
			nunsafe++;
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		agree += ok;
		if (k < 0) {
			refused++;
			same_refused += !strcmp(kl, bl);
		}
		same += !strcmp(kl, bl);
		errno_same += (k < 0 ? k == b : b >= 0);
		if (!ok || (k >= 0) != c->safe ||
		    (c->same_line && strcmp(kl, bl)) || getenv("KBPF_VDEBUG"))
			printf("%-28s kernel %ld [%s]\n%-28s kbpf   %ld [%s]\n",
			       c->name, k, kl, "", b, bl);
		if (!ok || (c->same_line && strcmp(kl, bl)))
			fails++;
		if (b >= 0) {
			long r = run_checked(b, c->type);

			if (r < 0) {
				printf("%s: checked run failed: %ld\n", c->name,
				       r);
				fails++;
			}
			ran++;
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("verifier table: %zu programs (%u safe, %u unsafe by design): "
	       "accept/reject agree %u; same errno %u; same last line %u of "
	       "%zu (%u of %u refusals); %u accepted ran checked\n",
	       NR_CASES, nsafe, nunsafe, agree, errno_same, same, NR_CASES,
	       same_refused, refused, ran);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(fails, 0);
}

KBPF_TEST(
	verifier_log_levels,
	"the table's programs loaded at log levels 1 and 2 on the kernel and on kbpf: the instruction lines of the trace (the failing path at level 1, every path at level 2) are the kernel's, line for line, for every program at level 1; identical instruction lines, whole logs and state parts are counted at both levels (KBPF_VLOG_SHOW=1 prints the logs that differ, KBPF_VLOG_CASE=name one case)")
{
	const char *show = getenv("KBPF_VLOG_SHOW");
	const char *only = getenv("KBPF_VLOG_CASE");
	struct vlc_stats st[2];
	int fails = 0;

	NEED_KERNEL();
	memset(st, 0, sizeof(st));
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (uint32_t lvl = 1; lvl <= 2; lvl++) {
		load_level = lvl;
		for (size_t i = 0; i < NR_CASES; i++) {
			const struct vcase *c = &cases[i];
			long k, b;
			bool same;

			if (only && strcmp(only, c->name))
				continue;
			k = load(SIDE_KERNEL, c);
			b = load(SIDE_KBPF, c);
			same = vlc_compare(&st[lvl - 1], logs[0], logs[1],
					   show || only, c->name);
			if (lvl == 1 && !same) {
				printf("%s: level 1 instruction lines differ\n",
				       c->name);
				fails++;
			}
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, b);
		}
	}
	load_level = 1;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	vlc_print(&st[0], "verifier log level 1");
	vlc_print(&st[1], "verifier log level 2");
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(fails, 0);
}

/*
 * Callbacks need BTF func_info on a bpf(2) load (both sides refuse the
 * table's callback programs with "missing btf func_info"); kbpf's ELF
 * loader drops func_info and loads through kbpf_prog_load() with kernel
 * pointers, where the verifier checks the callback bodies instead.
 */
static const struct {
	const char *name;
	const char *why; /* NULL: accepted */
} cb_cases[] = {
	{ "bpf_loop", NULL },
	{ "bpf_loop_ctx_stack", NULL },
	{ "for_each_map_elem", NULL },
	/* Linux's verbose_invalid_scalar() line for "callback return" */
	{ "loop_cb_bad_ret",
	  "At callback return the register R0 has smin=5 smax=5 should have been in [0, 1]" },
};

KBPF_TEST(
	verifier_callbacks,
	"callbacks loaded as kbpf's ELF loader loads them: bpf_loop and for_each_map_elem bodies are verified with their argument types until the caller's state converges, r0 must be in [0, 1]; accepted ones run in checked mode without a fault")
{
	const struct kbpf_host *h = kbpf_posix_host();

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(cb_cases) / sizeof(cb_cases[0]); i++) {
		const struct vcase *c = NULL;
		struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
		struct bpf_insn insns[40];
		struct kbpf_prog *prog = NULL;
		union bpf_attr a;
		char why[256];
		uint32_t n;
		int err;

		for (size_t j = 0; j < NR_CASES; j++)
			if (!strcmp(cases[j].name, cb_cases[i].name))
				c = &cases[j];
		T_ASSERT(c);
		n = case_len(c);
		memcpy(insns, c->insns, n * sizeof(insns[0]));
		for (uint32_t k = 0; k < n; k++)
			if (insns[k].code == (BPF_LD | BPF_DW | BPF_IMM) &&
			    insns[k].src_reg == BPF_PSEUDO_MAP_FD)
				insns[k].imm = (int32_t)
					maps[SIDE_KBPF][insns[k].imm - MAPREF];
		memset(&a, 0, sizeof(a));
		a.prog_type = c->type;
		a.insn_cnt = n;
		a.insns = (uint64_t)(uintptr_t)insns;
		a.license = (uint64_t)(uintptr_t) "GPL";
		a.log_level = 1;
		a.log_size = sizeof(logs[1]);
		a.log_buf = (uint64_t)(uintptr_t)logs[1];
		logs[1][0] = 0;
		err = kbpf_prog_load(h, &a, &opts, &prog);
		why_line(logs[1], why, sizeof(why));
		printf("%-20s %d [%s]\n", c->name, err, why);
		if (!cb_cases[i].why) {
			int fd;

			T_EQ(err, 0);
			T_ASSERT(prog->verified);
			fd = h->fd_install(h, &prog->obj,
					   KBPF_FD_READ | KBPF_FD_WRITE);
			T_ASSERT(fd >= 0);
			T_EQ(run_checked(fd, c->type), 0);
			side_close(SIDE_KBPF, fd);
		} else {
			T_ASSERT(err < 0);
			if (strcmp(why, cb_cases[i].why))
				T_FAIL("%s: [%s], expected [%s]", c->name, why,
				       cb_cases[i].why);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}

/* Load case @name on kbpf under @policy; the program, or NULL and *err. */
static struct kbpf_prog *load_policy(const char *name, uint32_t policy,
				     int *err, long *fd)
{
	const struct vcase *c = NULL;
	struct kbpf_obj *obj;
	uint32_t flags;

	for (size_t j = 0; j < NR_CASES; j++)
		if (!strcmp(cases[j].name, name))
			c = &cases[j];
	if (!c)
		return NULL;
	kbpf_posix_set_verifier(policy);
	*fd = load(SIDE_KBPF, c);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	*err = *fd < 0 ? (int)*fd : 0;
	if (*fd < 0)
		return NULL;
	if (kbpf_posix_host()->fd_get(kbpf_posix_host(), (int)*fd, &obj,
				      &flags))
		return NULL;
	kbpf_obj_put(obj); /* the fd keeps it */
	return (struct kbpf_prog *)obj;
}

KBPF_TEST(
	verifier_policy,
	"OFF loads unproven programs as before; ENFORCE refuses a write below the stack; FALLBACK loads it marked checked-only, and its run then stops on the access (checked mode) instead of writing below the stack; proven programs are marked verified with verified_insns")
{
	struct kbpf_prog *p;
	int err;
	long fd;

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	p = load_policy("stack_oob_write", KBPF_VERIFIER_OFF, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(!p->verified && !p->checked_only);
	side_close(SIDE_KBPF, fd);
	p = load_policy("stack_oob_write", KBPF_VERIFIER_ENFORCE, &err, &fd);
	T_ASSERT(!p);
	T_EQ(err, -EACCES);
	p = load_policy("stack_oob_write", KBPF_VERIFIER_FALLBACK, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(!p->verified && p->checked_only);
	T_EQ(run_checked(fd, SF), -EFAULT);
	side_close(SIDE_KBPF, fd);
	/*
	 * A runner asking for fast mode still gets checked mode: a read just
	 * above the frame (harmless memory in fast mode) stops with -EFAULT.
	 */
	p = load_policy("stack_oob_read_above", KBPF_VERIFIER_FALLBACK, &err,
			&fd);
	T_ASSERT(p && p->checked_only);
	{
		uint8_t ctx[64] = { 0 };
		struct kbpf_interp_args args = { .ctx = ctx,
						 .ctx_size = sizeof(ctx),
						 .mode = KBPF_INTERP_FAST };
		uint64_t r0 = 0;

		T_EQ(kbpf_interp_run(p, kbpf_posix_host(), &args, &r0),
		     -EFAULT);
	}
	side_close(SIDE_KBPF, fd);
	p = load_policy("map_index_checked", KBPF_VERIFIER_FALLBACK, &err, &fd);
	T_ASSERT(p);
	T_ASSERT(p->verified && !p->checked_only);
	T_ASSERT(p->verified_insns > 0);
	side_close(SIDE_KBPF, fd);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}

/* ---- random programs ---- */

/* A unit: 1-8 instructions; a jump skips @skip units forward. */
struct unit {
	struct bpf_insn insn[8];
	int n;
	int skip; /* > 0: insn[n - 1] is a jump over this many units */
};

static uint32_t rn(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

static int rreg(uint64_t *st)
{
	static const int r[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9 };

	return r[rn(st, 9)];
}

static int32_t rimm(uint64_t *st)
{
	static const int32_t v[] = { 0,	 1,   2,  3,  4,	 7,  8,
				     12, 15,  16, 24, 31,	 32, 63,
				     64, 255, -1, -8, 0x7fffffff };

	return v[rn(st, sizeof(v) / sizeof(v[0]))];
}

static void gen_unit(uint64_t *st, struct unit *u, int left)
{
	static const uint8_t alu[] = { BPF_ADD,	 BPF_SUB, BPF_MUL, BPF_AND,
				       BPF_OR,	 BPF_XOR, BPF_LSH, BPF_RSH,
				       BPF_ARSH, BPF_NEG };
	static const uint8_t jop[] = { BPF_JEQ,	 BPF_JNE,  BPF_JGT,  BPF_JGE,
				       BPF_JLT,	 BPF_JLE,  BPF_JSGT, BPF_JSGE,
				       BPF_JSLT, BPF_JSLE, BPF_JSET };
	static const uint8_t sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const int16_t soff[] = { -8, -16,  -4,	-12, -24,
					-2, -512, -520, 0,   -1 };
	static const int16_t voff[] = { 0, 4, 8, 12, 15, 16, -4 };
	int d = rreg(st), s = rreg(st);
	uint8_t op;

	memset(u, 0, sizeof(*u));
	switch (rn(st, 12)) {
	case 0:
		u->insn[u->n++] = MOV(d, rimm(st));
		break;
	case 1:
	case 2:
		op = alu[rn(st, sizeof(alu))];
		if (op == BPF_NEG) {
			u->insn[u->n++] =
				I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) | BPF_NEG,
				  d, 0, 0, 0);
		} else if (rn(st, 2)) {
			int32_t k = rimm(st);

			if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
				k &= 31;
			u->insn[u->n++] = I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) |
						    op | BPF_K,
					    d, 0, 0, k);
		} else {
			u->insn[u->n++] = I((rn(st, 2) ? BPF_ALU64 : BPF_ALU) |
						    op | BPF_X,
					    d, s, 0, 0);
		}
		break;
	case 3:
		u->insn[u->n++] = STX(sz[rn(st, 4)], 10, s,
				      soff[rn(st, sizeof(soff) / 2)]);
		break;
	case 4:
		u->insn[u->n++] = LDX(sz[rn(st, 4)], d, 10,
				      soff[rn(st, sizeof(soff) / 2)]);
		break;
	case 5: {
		/* lookup with a key at r10-4 (4 bytes) or r10-8 (8) */
		bool hash = rn(st, 2);
		int k = hash ? -8 : -4;

		if (rn(st, 4))
			u->insn[u->n++] = ST(hash ? BPF_DW : BPF_W, 10, k,
					     (int32_t)rn(st, 6));
		u->insn[u->n++] = MOVR(2, 10);
		u->insn[u->n++] = ALU(BPF_ADD, 2, k);
		u->insn[u->n++] = (struct bpf_insn)I(
			BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
			MAPREF + (hash ? M_HASH : M_ARR));
		u->insn[u->n++] = I(0, 0, 0, 0, 0);
		u->insn[u->n++] = CALL(BPF_FUNC_map_lookup_elem);
		break;
	}
	case 6:
		if (left > 1) {
			u->insn[u->n++] =
				JI(rn(st, 2) ? BPF_JEQ : BPF_JNE, 0, 0, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 3 ?
								     left - 1 :
								     3));
		} else {
			u->insn[u->n++] = MOV(0, 0);
		}
		break;
	case 7:
		if (rn(st, 2))
			u->insn[u->n++] = LDX(sz[rn(st, 4)], d, 0,
					      voff[rn(st, sizeof(voff) / 2)]);
		else
			u->insn[u->n++] = STX(sz[rn(st, 4)], 0, s,
					      voff[rn(st, sizeof(voff) / 2)]);
		break;
	case 8:
		if (left > 1) {
			op = jop[rn(st, sizeof(jop))];
			u->insn[u->n++] =
				rn(st, 2) ?
					I((rn(st, 3) ? BPF_JMP : BPF_JMP32) |
						  op | BPF_K,
					  d, 0, 0, rimm(st)) :
					I((rn(st, 3) ? BPF_JMP : BPF_JMP32) |
						  op | BPF_X,
					  d, s, 0, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 4 ?
								     left - 1 :
								     4));
		} else {
			u->insn[u->n++] = MOV(d, 1);
		}
		break;
	case 9:
		u->insn[u->n++] = rn(st, 2) ? ALUR(BPF_ADD, 0, s) :
					      ALU(BPF_ADD, 0, rimm(st));
		break;
	case 10:
		u->insn[u->n++] = CALL(BPF_FUNC_get_prandom_u32);
		/* usually give r1-r5 values again */
		for (int r = 1; r <= 5 && rn(st, 4); r++)
			u->insn[u->n++] = MOV(r, rimm(st));
		break;
	default:
		u->insn[u->n++] = MOVR(d, s);
		break;
	}
}

/* A random program of @nunits units plus an exit; returns its length. */
static uint32_t gen_prog(uint64_t *st, struct bpf_insn *out, int nunits)
{
	struct unit u[24];
	int starts[25];
	uint32_t n = 0;

	out[n++] = MOVR(6, 1);
	/* Most programs start with every register set (r6 keeps ctx). */
	if (rn(st, 10)) {
		static const int r[] = { 0, 2, 3, 4, 5, 7, 8, 9 };

		for (int i = 0; i < 8; i++)
			out[n++] = MOV(r[i], rimm(st));
		if (rn(st, 2))
			out[n++] = MOVR(1, 10);
	}
	for (int i = 0; i < nunits; i++)
		gen_unit(st, &u[i], nunits - i);
	for (int i = 0; i < nunits; i++) {
		starts[i] = (int)n;
		for (int k = 0; k < u[i].n; k++)
			out[n++] = u[i].insn[k];
	}
	starts[nunits] = (int)n;
	for (int i = 0; i < nunits; i++) {
		int to = i + 1 + u[i].skip;

		if (!u[i].skip)
			continue;
		if (to > nunits)
			to = nunits;
		out[starts[i] + u[i].n - 1].off =
			(int16_t)(starts[to] - (starts[i] + u[i].n));
	}
	if (rn(st, 8))
		out[n++] = MOV(0, (int32_t)rn(st, 3));
	out[n++] = EXIT;
	return n;
}

static long load_raw(int side, const struct bpf_insn *p, uint32_t n, bool up)
{
	long fd;

	struct bpf_insn insns[200];
	union bpf_attr a;

	memcpy(insns, p, n * sizeof(*p));
	for (uint32_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
	memset(&a, 0, sizeof(a));
	a.prog_type = SF;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (up && unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (up)
		unpriv(false);
	return fd;
}

KBPF_TEST(
	verifier_random,
	"random socket filters with map lookups, null checks, stack and map value accesses, pointer arithmetic, branches and helper calls, a quarter loaded without CAP_PERFMON (KBPF_VRANDOM programs, default 3000): kbpf never accepts what the kernel refuses; agreement and same-line counts printed; accepted programs run in checked mode without a fault")
{
	const char *env = getenv("KBPF_VRANDOM");
	int total = env ? atoi(env) : 3000;
	uint64_t st = kbpf_test_seed() * 7919;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		struct bpf_insn p[200];
		uint32_t n = gen_prog(&st, p, 4 + (int)rn(&st, 16));
		/* a quarter without CAP_PERFMON: Linux's pointer-leak rules */
		bool up = !rn(&st, 4);
		long k = load_raw(SIDE_KERNEL, p, n, up),
		     b = load_raw(SIDE_KBPF, p, n, up);
		char kl[256], bl[256];

		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		    shown < (getenv("KBPF_VDEBUG") ? 1000 : 8)) {
			char text[128];

			shown++;
			printf("#%d%s kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       up ? " (no CAP_PERFMON)" : "", k, kl, b, bl);
			for (uint32_t j = 0; j < n; j++) {
				int m = kbpf_disasm_insn(&p[j], n - j, text,
							 sizeof(text));

				printf("      %u: %s\n", j, text);
				if (m > 1)
					j += (uint32_t)m - 1;
			}
		}
		if (b >= 0 && run_checked(b, SF) < 0)
			faults++;
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("random: %d programs, agree %d (%.2f%%), kbpf accepts what the "
	       "kernel refuses %d, kbpf refuses what the kernel accepts %d; "
	       "same line %d of %d refusals (%.1f%%); checked-mode faults %d\n",
	       total, agree, 100.0 * agree / total, unsound, strict, same,
	       refused, refused ? 100.0 * same / refused : 0.0, faults);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

/* ---- random packet programs ---- */

/* r2 = data, r3 = data_end stay; r4/r5/r7 work on copies. */
static void gen_pkt_unit(uint64_t *st, struct unit *u, int left)
{
	static const uint8_t sz[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const uint8_t jop[] = { BPF_JGT, BPF_JGE, BPF_JLT, BPF_JLE };
	int k = (int)rn(st, 42) - 1;

	memset(u, 0, sizeof(*u));
	switch (rn(st, 8)) {
	case 0:
	case 1:
		/* a bounds check: r4 = r2 + k; if r4 op r3 (either order) */
		u->insn[u->n++] = MOVR(4, rn(st, 4) ? 2 : 7);
		u->insn[u->n++] = ALU(BPF_ADD, 4, k);
		if (left > 1) {
			uint8_t op = jop[rn(st, 4)];

			u->insn[u->n++] = rn(st, 2) ? JR(op, 4, 3, 0) :
						      JR(op, 3, 4, 0);
			u->skip = 1 + (int)rn(st, (uint32_t)(left - 1 < 3 ?
								     left - 1 :
								     3));
		}
		break;
	case 2:
	case 3:
		u->insn[u->n++] = LDX(sz[rn(st, 4)], 0, rn(st, 3) ? 2 : 7,
				      (int16_t)((int)rn(st, 40) - 1));
		break;
	case 4:
		u->insn[u->n++] = STX(sz[rn(st, 4)], rn(st, 3) ? 2 : 7, 0,
				      (int16_t)((int)rn(st, 40) - 1));
		break;
	case 5:
		/* a variable offset: r7 = r2 + (r0 & mask) */
		u->insn[u->n++] = MOVR(7, 2);
		u->insn[u->n++] = ALU(BPF_AND, 0, (int32_t)rn(st, 32));
		u->insn[u->n++] = ALUR(BPF_ADD, 7, 0);
		break;
	case 6:
		/* a 4-byte context field both types have (0..16) */
		u->insn[u->n++] =
			LDX(BPF_W, 0, 1, (int16_t)(4 * (int)rn(st, 5)));
		break;
	default:
		u->insn[u->n++] = MOV(0, (int32_t)rn(st, 64));
		break;
	}
}

KBPF_TEST(
	verifier_random_packets,
	"random XDP and tc programs checking data + N against data_end in every order and reading and writing the packet at fixed and variable offsets (KBPF_VRANDOM/3): the same decision as the kernel; accepted ones run in checked mode on a 64-byte packet without a fault")
{
	const char *env = getenv("KBPF_VRANDOM");
	int total = (env ? atoi(env) : 3000) / 3;
	uint64_t st = kbpf_test_seed() * 104729;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0, accepted = 0;

	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		struct bpf_insn p[200];
		struct unit u[24];
		int starts[25], nunits = 3 + (int)rn(&st, 12);
		uint32_t n = 0, type = rn(&st, 2) ? XDP : CLS;
		union bpf_attr a;
		long k, b;
		char kl[256], bl[256];

		if (type == XDP) {
			p[n++] = LDX(BPF_W, 2, 1, 0);
			p[n++] = LDX(BPF_W, 3, 1, 4);
		} else {
			p[n++] = LDX(BPF_W, 2, 1, 76);
			p[n++] = LDX(BPF_W, 3, 1, 80);
		}
		p[n++] = MOVR(7, 2);
		p[n++] = MOV(0, 0);
		for (int j = 0; j < nunits; j++)
			gen_pkt_unit(&st, &u[j], nunits - j);
		for (int j = 0; j < nunits; j++) {
			starts[j] = (int)n;
			for (int m = 0; m < u[j].n; m++)
				p[n++] = u[j].insn[m];
		}
		starts[nunits] = (int)n;
		for (int j = 0; j < nunits; j++)
			if (u[j].skip) {
				int to = j + 1 + u[j].skip;

				if (to > nunits)
					to = nunits;
				p[starts[j] + u[j].n - 1].off =
					(int16_t)(starts[to] -
						  (starts[j] + u[j].n));
			}
		p[n++] = MOV(0, 2);
		p[n++] = EXIT;
		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.prog_type = type;
			a.insn_cnt = n;
			a.insns = (uint64_t)(uintptr_t)p;
			a.license = (uint64_t)(uintptr_t) "GPL";
			a.log_level = 1;
			a.log_size = sizeof(logs[side]);
			a.log_buf = (uint64_t)(uintptr_t)logs[side];
			logs[side][0] = 0;
			if (side == SIDE_KERNEL)
				k = side_bpf(side, BPF_PROG_LOAD, &a);
			else
				b = side_bpf(side, BPF_PROG_LOAD, &a);
		}
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		    shown < (getenv("KBPF_VDEBUG") ? 1000 : 8)) {
			char text[128];

			shown++;
			printf("#%d kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       k, kl, b, bl);
			for (uint32_t j = 0; j < n; j++) {
				kbpf_disasm_insn(&p[j], n - j, text,
						 sizeof(text));
				printf("      %u: %s\n", j, text);
			}
		}
		if (b >= 0) {
			accepted++;
			if (run_checked(b, type) < 0)
				faults++;
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("random packets: %d programs (%d accepted by kbpf), agree %d, "
	       "kbpf accepts what the kernel refuses %d, refuses what it "
	       "accepts %d; same line %d of %d refusals; checked-mode faults "
	       "%d\n",
	       total, accepted, agree, unsound, strict, same, refused, faults);
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_no_leaks,
	"verifying every program of the table, accepted or refused (every path of the walk, pruning and state eviction on the 1M-instruction loop), frees all it allocated, with the sizes it allocated")
{
	long live;

	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	live = kbpf_posix_live_allocs();
	for (size_t i = 0; i < NR_CASES; i++)
		side_close(SIDE_KBPF, load(SIDE_KBPF, &cases[i]));
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	T_EQ(kbpf_posix_live_allocs(), live);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
}
