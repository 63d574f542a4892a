/* SPDX-License-Identifier: MIT */
/*
 * Instruction shorthands and the map numbering of the verifier's
 * hand-written programs (vcases.c) and of test_verifier_diff.c.
 */
#ifndef KBPF_TEST_VINSN_H
#define KBPF_TEST_VINSN_H

#include "insn.h"
#include "kbpf/uapi/bpf.h"

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
 * struct { int cnt; struct bpf_spin_lock l; int x; } (BTF), lock at 4;
 * 9 ARRAY 4/24 x4 and 10 HASH 4/24 with a struct bpf_timer at 8 (below).
 */
#define M_ARR 0
#define M_HASH 1
#define M_RO 2
#define M_RB 3
#define M_PA 4
#define M_LOCK 5
#define M_LOCKH 6
#define M_AOM 7 /* ARRAY_OF_MAPS 4/4 x2, inner like M_ARR */
#define M_HOM 8 /* HASH_OF_MAPS 4/4 x2, inner like M_HASH */
/* ARRAY 4/24 x4 and HASH 4/24: struct { int cnt, res; struct bpf_timer t; } */
#define M_TIMER 9
#define M_TIMERH 10
#define NR_MAPS 11

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
/* r1 = r6 + off; r2 = map k; r3 = CLOCK_MONOTONIC; call bpf_timer_init */
#define TIMER_INIT(k, off)                                        \
	MOVR(1, 6), ALU(BPF_ADD, 1, off), LDMAP(2, k), MOV(3, 1), \
		CALL(BPF_FUNC_timer_init)
#define XDP_PTRS LDX(BPF_W, 2, 1, 0), LDX(BPF_W, 3, 1, 4)
#define SKB_PTRS LDX(BPF_W, 2, 1, 76), LDX(BPF_W, 3, 1, 80)

#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define XDP BPF_PROG_TYPE_XDP
#define CLS BPF_PROG_TYPE_SCHED_CLS
#define KP BPF_PROG_TYPE_KPROBE

#endif /* KBPF_TEST_VINSN_H */
