/* SPDX-License-Identifier: MIT */
/*
 * The verifier's program generator (issue #13): random socket filter, XDP
 * and kprobe programs built from blocks that are safe by construction, one
 * of them mutated into an unsafe variant in "unsafe" programs. Shared by
 * test_verifier_gen.c (the differential and soundness tests) and
 * bench/bench_verifier.c (verification cost), so that both see the same
 * programs for the same seed. Deterministic: a program depends only on the
 * random state passed in (kbpf_test_rand()).
 *
 * Programs refer to their maps as ld_imm64 BPF_PSEUDO_MAP_FD with imm
 * MAPREF + M_*; the loader replaces the imm with the fd of that map
 * (ARRAY 4/VAL_SIZE x4, HASH 8/VAL_SIZE x16, RINGBUF 4096).
 */
#ifndef KBPF_TEST_VGEN_H
#define KBPF_TEST_VGEN_H

#include <stdbool.h>
#include <stdint.h>

#include "kbpf/uapi/bpf.h"
#include "insn.h"
#include "kbpf_test.h"

/* Instruction shorthands (I() of insn.h). */
#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ALU(op, d, i) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALUR(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALU32(op, d, i) I(BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, i) I(BPF_ST | BPF_MEM | (sz), d, 0, o, i)
#define JI(op, d, i, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define JR(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

#define MAPREF 0x7ead0000

#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define XDP BPF_PROG_TYPE_XDP
#define KP BPF_PROG_TYPE_KPROBE

/* Maps: ARRAY 4/16 x4, HASH 8/16 x16, RINGBUF 4096. */
enum { M_ARR, M_HASH, M_RB, NR_MAPS };
#define VAL_SIZE 16
/*
 * With gen_objs, two more (vcase_map_attr() 5 and 9, BTF values):
 * M_LOCK ARRAY 4/12 x4, struct { int cnt; struct bpf_spin_lock l; int x; }
 * (lock at 4), and M_TIMER ARRAY 4/24 x4, struct { int cnt, res; struct
 * bpf_timer t; } (timer at 8).
 */
#define M_LOCK NR_MAPS
#define M_TIMER (NR_MAPS + 1)
#define NR_OBJ_MAPS (NR_MAPS + 2)

/*
 * Kfunc calls (gen_objs): BPF_PSEUDO_KFUNC_CALL with imm KFREF + K_*; the
 * loader puts the BTF id of that kfunc in the running kernel's BTF.
 */
#define KFREF 0x7f000000
enum { K_RCU_LOCK, K_RCU_UNLOCK, K_FROM_PID, K_ACQUIRE, K_RELEASE, NR_KF };

#define MAX_INSNS 1024
#define MAX_SUBS 16

/* Subprogram kinds (each call site gets its own copy). */
enum {
	S_PLAIN, /* r0 = r1 + r2 */
	S_STACK, /* r1: the caller's stack slot; read, add, write back */
	S_VALUE, /* r1: a map value; read at +8 */
	S_LOOP_CB, /* bpf_loop(idx, ctx): *ctx += idx */
	S_COUNT_CB, /* bpf_loop(idx, ctx): *ctx += 1 (needs widening) */
	S_EACH_CB, /* for_each_map_elem(map, key, value, ctx): read value */
	S_TIMER_CB, /* timer callback(map, key, value): read value, 0 */
};

struct gen {
	uint64_t *st;
	uint32_t type;
	struct bpf_insn p[MAX_INSNS];
	uint32_t n;
	int bad; /* the block number that is mutated, or -1 */
	int blk; /* blocks generated so far */
	int depth;
	bool in_loop; /* r9 is a loop counter */
	bool has_cb;
	bool has_obj; /* a lock, timer or kfunc block (gen_objs) */
	uint32_t nr_subs;
	struct {
		int kind;
		bool bad;
		uint32_t site; /* the call or ld_imm64 to patch */
	} subs[MAX_SUBS];
	uint32_t sub_start[MAX_SUBS + 1];
	uint32_t nr_funcs;
};

/* A number in [0, @n) from the random state @st. */
static inline uint32_t rn(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

/*
 * gen_prog() - write a whole program into @g from the random state @st: a
 * program of @type (SF, XDP or KP) with one unsafe block if @unsafe.
 * Subprograms follow the main function; g->sub_start[] gives their first
 * instructions, g->nr_funcs counts the functions, g->has_cb says a
 * subprogram is a callback (the kernel then wants BTF func_info:
 * gen_func_btf()). Returns the program's length, g->n.
 */
uint32_t gen_prog(uint64_t *st, struct gen *g, uint32_t type, bool unsafe);

/*
 * Generator programs with dynptr blocks in place of ring buffer blocks
 * (verifier_generated_dynptr only: the other streams stay as they were
 * measured). False by default.
 */
extern bool gen_dynptr;

/*
 * Generator programs that may also hold bpf_spin_lock regions, bpf_timer
 * init/set_callback/start on M_TIMER values and kfunc calls (an RCU read
 * section; bpf_task_from_pid/acquire/release in XDP programs), each with
 * its unsafe mutations (verifier_generated_objs only). False by default.
 */
extern bool gen_objs;

/*
 * gen_func_btf() - BTF for @nr functions (int, int(void), static f0..f16:
 * the main function's func_info type id is 3, subprogram i's 4 + i), in a
 * static buffer (one at a time); its size in *@size.
 */
const void *gen_func_btf(uint32_t nr, uint32_t *size);

/*
 * gen_unpriv() - drop (@drop) or give back CAP_PERFMON and CAP_SYS_ADMIN
 * in this thread's effective set. 0 or -errno.
 */
int gen_unpriv(bool drop);

#endif /* KBPF_TEST_VGEN_H */
