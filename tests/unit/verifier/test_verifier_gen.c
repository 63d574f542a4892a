// SPDX-License-Identifier: MIT
/*
 * The verifier against the kernel's over generated programs (issue #13's
 * evidence): a generator, deterministic by seed, builds socket filter, XDP
 * and kprobe programs out of blocks that are safe by construction (stack
 * stores and loads at fixed and variable offsets, map lookups with null
 * checks and accesses at fixed and bounded variable offsets, context and
 * packet accesses after bounds checks, forward branches over blocks,
 * bounded loops whose counter indexes map values, bpf-to-bpf calls taking
 * scalars, stack and map value pointers, get_prandom_u32,
 * probe_read_kernel, ring buffer reserve/submit/discard with the record as
 * a reference, bpf_loop and for_each_map_elem callbacks). In half of the
 * programs one block gets one of its unsafe mutations (a missing null
 * check, an offset past the object, a misaligned or out-of-frame stack
 * access, a leaked or reused ring buffer record, a loop that never ends or
 * indexes past a value, a callback that returns out of range or whose
 * effect on the caller's stack must be widened, a clobbered register read
 * after a call, ...). A quarter of the socket filters are loaded without
 * CAP_PERFMON and CAP_SYS_ADMIN.
 *
 * Each program is loaded on the kernel and on kbpf (KBPF_VERIFIER_ENFORCE):
 * the test counts the same accept/reject decision and, for refusals, the
 * same line stating the error (the last line before "processed ..."). It
 * fails on an unsound accept (kbpf accepts what the kernel refuses) and on
 * any fault when a program kbpf accepted runs in checked mode on fuzzed
 * packets, contexts and map contents (soundness). KBPF_VGEN=N sets the
 * count (default 1000, a few seconds), KBPF_TEST_SEED the seed,
 * KBPF_VDEBUG=1 prints every disagreement,
 * KBPF_VDUMP=i loads only program i and prints both logs, KBPF_VALL=1
 * prints every program.
 *
 * Programs with callbacks carry BTF func_info on the kernel side (Linux
 * wants it); kbpf's bpf(2) takes no func_info, so they load on kbpf as its
 * in-kernel ELF loader loads them (kbpf_prog_load with kernel pointers).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/disasm.h"
#include "kbpf/uapi/btf.h"
#include "kbpf/host.h"
#include "kbpf/interp.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "vlog_cmp.h"

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

static long maps[2][NR_MAPS];
static char logs[2][65536];
static uint32_t load_level = 1; /* log_level of load() */

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
	uint32_t nr_subs;
	struct {
		int kind;
		bool bad;
		uint32_t site; /* the call or ld_imm64 to patch */
	} subs[MAX_SUBS];
	uint32_t sub_start[MAX_SUBS + 1];
	uint32_t nr_funcs;
};

static uint32_t rn(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

static void emit(struct gen *g, struct bpf_insn i)
{
	if (g->n < MAX_INSNS)
		g->p[g->n++] = i;
}

static void emit_map(struct gen *g, int reg, int m)
{
	emit(g, I(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_MAP_FD, 0,
		  MAPREF + m));
	emit(g, I(0, 0, 0, 0, 0));
}

/* Jump at @at to the next instruction to be emitted. */
static void patch_here(struct gen *g, uint32_t at)
{
	g->p[at].off = (int16_t)(g->n - at - 1);
}

/* A subprogram call site: a call (@func false) or ld_imm64 into @reg. */
static void emit_sub(struct gen *g, int kind, bool bad, bool func, int reg)
{
	if (g->nr_subs >= MAX_SUBS) {
		emit(g, MOV(reg, 0));
		return;
	}
	g->subs[g->nr_subs].kind = kind;
	g->subs[g->nr_subs].bad = bad;
	g->subs[g->nr_subs].site = g->n;
	g->nr_subs++;
	if (func) {
		emit(g,
		     I(BPF_LD | BPF_DW | BPF_IMM, reg, BPF_PSEUDO_FUNC, 0, 0));
		emit(g, I(0, 0, 0, 0, 0));
		g->has_cb = true;
	} else {
		emit(g, I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
	}
}

static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
static const int size_bytes[] = { 1, 2, 4, 8 };

static void gen_block(struct gen *g);

static void blk_alu(struct gen *g, bool bad)
{
	static const uint8_t ops[] = { BPF_ADD, BPF_SUB, BPF_MUL,
				       BPF_AND, BPF_OR,	 BPF_XOR,
				       BPF_LSH, BPF_RSH, BPF_ARSH };
	uint8_t op = ops[rn(g->st, sizeof(ops))];
	int d = rn(g->st, 2) ? 7 : 8;

	if (bad) {
		/* a register no one set */
		emit(g, ALUR(BPF_ADD, d, 1 + (int)rn(g->st, 5)));
		return;
	}
	if (rn(g->st, 2)) {
		int32_t k = (int32_t)rn(g->st, 64);

		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			k &= 31;
		emit(g, rn(g->st, 3) ? ALU(op, d, k) : ALU32(op, d, k));
	} else {
		emit(g, ALUR(op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH ?
				     BPF_ADD :
				     op,
			     d, d == 7 ? 8 : 7));
	}
}

static void blk_stack(struct gen *g, bool bad)
{
	int off = -8 * (2 + (int)rn(g->st, 6)), sz = (int)rn(g->st, 4);
	int roff = off + (int)rn(g->st, (uint32_t)(8 / size_bytes[sz])) *
				 size_bytes[sz];

	emit(g, STX(BPF_DW, 10, rn(g->st, 2) ? 7 : 8, off));
	if (bad) {
		switch (rn(g->st, 4)) {
		case 0:
			roff = off + 3; /* misaligned or partly uninit */
			sz = 3;
			break;
		case 1:
			roff = -520;
			break;
		case 2:
			roff = 0; /* above the frame */
			break;
		default:
			roff = off - 64; /* uninitialised (root may) */
			sz = 3;
			break;
		}
	}
	emit(g, LDX(sizes[sz], 8, 10, roff));
}

/* A variable-offset stack read: slots -24 and -16 written first. */
static void blk_stack_var(struct gen *g, bool bad)
{
	emit(g, STX(BPF_DW, 10, 7, -24));
	emit(g, STX(BPF_DW, 10, 8, -16));
	emit(g, MOVR(1, 7));
	emit(g, ALU(BPF_AND, 1, bad ? (rn(g->st, 2) ? 15 : 31) : 8));
	emit(g, MOVR(2, 10));
	emit(g, ALU(BPF_ADD, 2, -24));
	emit(g, ALUR(BPF_ADD, 2, 1));
	emit(g, LDX(BPF_DW, 8, 2, 0));
}

/*
 * A lookup: r0 = map value or NULL; then a null check and accesses.
 * @idx: a register whose value (bounded by the caller) indexes the value.
 */
static void blk_map(struct gen *g, bool bad, int idx)
{
	bool hash = rn(g->st, 2);
	int mut = bad ? (int)rn(g->st, 5) : -1;
	uint32_t j;

	if (hash) {
		emit(g, ST(BPF_DW, 10, -16, (int32_t)rn(g->st, 4)));
		emit(g, MOVR(2, 10));
		emit(g, ALU(BPF_ADD, 2, -16));
		emit_map(g, 1, M_HASH);
	} else {
		if (mut != 0)
			emit(g, ST(BPF_W, 10, -4,
				   (int32_t)rn(g->st, mut == 4 ? 8 : 4)));
		emit(g, MOVR(2, 10));
		emit(g, ALU(BPF_ADD, 2, -4));
		emit_map(g, 1, M_ARR);
	}
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	j = g->n;
	if (mut != 1 || rn(g->st, 4) == 0)
		emit(g, JI(BPF_JEQ, 0, 0, 0));
	else
		j = UINT32_MAX;
	switch (rn(g->st, 4)) {
	case 0: {
		int sz = (int)rn(g->st, 4);
		int off =
			(int)rn(g->st, (uint32_t)(VAL_SIZE / size_bytes[sz])) *
			size_bytes[sz];

		if (mut == 2)
			off = VAL_SIZE - size_bytes[sz] + 1 + (int)rn(g->st, 8);
		emit(g, LDX(sizes[sz], 8, 0, off));
		break;
	}
	case 1:
		emit(g, STX(BPF_DW, 0, 7, mut == 2 ? 12 : 8));
		break;
	case 2:
		/* value + (idx & 7) + u64 */
		emit(g, MOVR(1, idx));
		emit(g, ALU(BPF_AND, 1, mut == 2 ? 15 : 7));
		emit(g, ALUR(BPF_ADD, 0, 1));
		emit(g, LDX(BPF_DW, 8, 0, 0));
		break;
	default: {
		/*
		 * A bounds check instead of a mask, on a copy (linked
		 * scalars: the original learns the bound) or the copy itself.
		 */
		bool orig = rn(g->st, 2);

		emit(g, MOVR(1, idx));
		emit(g, JI(mut == 2 ? BPF_JGT : BPF_JGE, 1, VAL_SIZE, 2));
		emit(g, ALUR(BPF_ADD, 0, orig ? idx : 1));
		emit(g, LDX(BPF_B, 8, 0, 0));
		break;
	}
	}
	if (mut == 3) /* the pointer escapes into a scalar register's job */
		emit(g, ALU(BPF_MUL, 0, 2));
	if (j != UINT32_MAX)
		patch_here(g, j);
}

static void blk_ctx(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 3) : -1;

	if (g->type == KP) {
		int off = 8 * (int)rn(g->st, 21);

		if (mut == 0)
			off = 168;
		else if (mut == 1)
			off += 4;
		if (mut == 2)
			emit(g, STX(BPF_DW, 6, 7, off));
		else
			emit(g, LDX(BPF_DW, 8, 6, off));
	} else if (g->type == SF) {
		/* len, pkt_type, mark, queue_mapping, protocol ... cb[] */
		static const int16_t ro[] = { 0, 4, 8, 12, 16, 20, 24, 28 };
		int off = ro[rn(g->st, 8)];

		if (mut == 0)
			off += 2;
		if (mut == 1)
			emit(g, STX(BPF_W, 6, 7, 0)); /* len: read-only */
		else if (rn(g->st, 3) == 0 && mut < 0)
			emit(g, STX(BPF_W, 6, 7, 48 + 4 * (int)rn(g->st, 5)));
		else
			emit(g, LDX(BPF_W, 8, 6, mut == 2 ? 200 : off));
	} else {
		int off = 12 + 4 * (int)rn(g->st, 3); /* xdp_md scalars */

		emit(g, LDX(BPF_W, 8, 6, mut == 0 ? off + 1 : off));
	}
}

/* XDP: r2 = data, r3 = data_end; check data + N; access below N. */
static void blk_pkt(struct gen *g, bool bad)
{
	int need = 1 + (int)rn(g->st, 40), sz = (int)rn(g->st, 4);
	int mut = bad ? (int)rn(g->st, 4) : -1;
	int off = (int)rn(g->st, 64) %
		  (need > size_bytes[sz] ? need - size_bytes[sz] + 1 : 1);
	bool var = rn(g->st, 3) == 0;
	uint32_t j;

	if (need < size_bytes[sz])
		need = size_bytes[sz];
	emit(g, LDX(BPF_W, 2, 6, 0));
	emit(g, LDX(BPF_W, 3, 6, 4));
	if (var) {
		emit(g, MOVR(1, 7));
		emit(g, ALU(BPF_AND, 1, mut == 3 ? 0xffff : 15));
		emit(g, ALUR(BPF_ADD, 2, 1));
	}
	emit(g, MOVR(4, 2));
	emit(g, ALU(BPF_ADD, 4, need));
	j = g->n;
	if (mut == 1)
		emit(g, JR(BPF_JLT, 4, 3, 0)); /* the wrong way round */
	else if (rn(g->st, 2))
		emit(g, JR(BPF_JGT, 4, 3, 0));
	else
		emit(g, JR(BPF_JLT, 3, 4, 0));
	if (mut == 0)
		off = need - size_bytes[sz] + 1;
	if (rn(g->st, 3) == 0)
		emit(g, STX(sizes[sz], 2, 7, (int16_t)off));
	else
		emit(g, LDX(sizes[sz], 8, 2, (int16_t)off));
	if (mut == 2)
		emit(g, LDX(BPF_B, 8, 3, 0)); /* through data_end */
	patch_here(g, j);
}

/* for (r9 = 0; r9 < N; r9++) body; r9 indexes map values in the body. */
static void blk_loop(struct gen *g, bool bad)
{
	int n = 1 + (int)rn(g->st, 12), mut = bad ? (int)rn(g->st, 3) : -1;
	uint32_t top;

	g->in_loop = true;
	emit(g, MOV(9, 0));
	top = g->n;
	switch (rn(g->st, 4)) {
	case 0:
		blk_map(g, false, 9);
		if (mut == 1)
			n = VAL_SIZE + 1 + (int)rn(g->st, 4);
		break;
	case 1:
		blk_stack(g, false);
		break;
	default:
		g->depth++;
		gen_block(g);
		g->depth--;
		break;
	}
	emit(g, ALU(BPF_ADD, 9, mut == 0 ? 0 : 1));
	if (mut == 2) /* never ends: a counter the check cannot bound */
		emit(g, ALU(BPF_AND, 9, 1));
	emit(g, JI(BPF_JLT, 9, n, (int16_t)(top - g->n - 1)));
	g->in_loop = false;
}

static void blk_branch(struct gen *g, bool bad)
{
	static const uint8_t jop[] = { BPF_JEQ,	 BPF_JNE,  BPF_JGT,  BPF_JGE,
				       BPF_JLT,	 BPF_JLE,  BPF_JSGT, BPF_JSGE,
				       BPF_JSLT, BPF_JSLE, BPF_JSET };
	uint32_t j = g->n;
	int k = 1 + (int)rn(g->st, 2);

	if (bad) /* a comparison with a register no one set */
		emit(g, JR(jop[rn(g->st, sizeof(jop))], 7, 5, 0));
	else if (rn(g->st, 2))
		emit(g, JI(jop[rn(g->st, sizeof(jop))], rn(g->st, 2) ? 7 : 8,
			   (int32_t)rn(g->st, 32), 0));
	else
		emit(g, JR(jop[rn(g->st, sizeof(jop))], 7, 8, 0));
	g->depth++;
	for (int i = 0; i < k; i++)
		gen_block(g);
	g->depth--;
	patch_here(g, j);
}

static void blk_call(struct gen *g, bool bad)
{
	int kind = (int)rn(g->st, 3), mut = bad ? (int)rn(g->st, 2) : -1;
	uint32_t j = UINT32_MAX;

	if (kind == S_PLAIN) {
		emit(g, MOVR(1, 7));
		emit(g, MOVR(2, 8));
	} else if (kind == S_STACK) {
		emit(g, STX(BPF_DW, 10, 7, -40));
		emit(g, MOVR(1, 10));
		emit(g, ALU(BPF_ADD, 1, -40));
	} else {
		emit(g, ST(BPF_W, 10, -4, 0));
		emit(g, MOVR(2, 10));
		emit(g, ALU(BPF_ADD, 2, -4));
		emit_map(g, 1, M_ARR);
		emit(g, CALL(BPF_FUNC_map_lookup_elem));
		j = g->n;
		emit(g, JI(BPF_JEQ, 0, 0, 0));
		emit(g, MOVR(1, 0));
	}
	emit_sub(g, kind, mut == 0, false, 0);
	if (mut == 1)
		emit(g, ALUR(BPF_ADD, 7, 1)); /* r1 is clobbered */
	else
		emit(g, ALUR(BPF_ADD, 7, 0));
	if (j != UINT32_MAX)
		patch_here(g, j);
}

static void blk_helper(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 3) : -1;

	switch (rn(g->st, 3)) {
	case 0:
		emit(g, CALL(BPF_FUNC_get_prandom_u32));
		emit(g, MOVR(rn(g->st, 2) ? 7 : 8, 0));
		if (mut == 0)
			emit(g, MOVR(8, 3)); /* r3 is clobbered */
		break;
	case 1:
		emit(g, CALL(BPF_FUNC_ktime_get_ns));
		emit(g, ALUR(BPF_ADD, 8, 0));
		break;
	default:
		/* probe_read_kernel(r10 - 32, size, r7) */
		emit(g, MOVR(1, 10));
		emit(g, ALU(BPF_ADD, 1, -32));
		if (mut == 1) {
			emit(g, MOV(2, 40));
		} else if (mut == 2) {
			emit(g, MOVR(2, 7));
		} else if (rn(g->st, 2)) {
			emit(g, MOV(2, 8 * (1 + (int)rn(g->st, 4))));
		} else {
			emit(g, MOVR(2, 8));
			emit(g, ALU(BPF_AND, 2, 31));
		}
		emit(g, MOVR(3, 7));
		emit(g, CALL(BPF_FUNC_probe_read_kernel));
		emit(g, LDX(BPF_DW, 8, 10, -32));
		break;
	}
}

/* reserve(rb, 16, 0); if (r0) { store; submit or discard } */
static void blk_ringbuf(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 5) : -1;
	uint32_t j;

	emit_map(g, 1, M_RB);
	if (mut == 4)
		emit(g, MOVR(2, 7));
	else
		emit(g, MOV(2, 16));
	emit(g, MOV(3, 0));
	emit(g, CALL(BPF_FUNC_ringbuf_reserve));
	j = g->n;
	if (mut != 0)
		emit(g, JI(BPF_JEQ, 0, 0, 0));
	emit(g, STX(BPF_DW, 0, 7, mut == 1 ? 12 : 8 * (int)rn(g->st, 2)));
	if (mut != 2) {
		if (mut == 3)
			emit(g, MOVR(8, 0));
		emit(g, MOVR(1, 0));
		emit(g, MOV(2, 0));
		emit(g, CALL(rn(g->st, 2) ? BPF_FUNC_ringbuf_submit :
					    BPF_FUNC_ringbuf_discard));
		if (mut == 3)
			emit(g, STX(BPF_DW, 8, 7, 0)); /* after submit */
	}
	if (mut != 0)
		patch_here(g, j);
}

/*
 * Generator programs with dynptr blocks in place of ring buffer blocks
 * (verifier_generated_dynptr only: the other tests' streams stay as they
 * were measured).
 */
static bool gen_dynptr;

/* bpf_dynptr_read(fp-160, 8, dynptr at @off, 0, 0) */
static void emit_dynptr_read(struct gen *g, int off)
{
	emit(g, MOVR(1, 10));
	emit(g, ALU(BPF_ADD, 1, -160));
	emit(g, MOV(2, 8));
	emit(g, MOVR(3, 10));
	emit(g, ALU(BPF_ADD, 3, off));
	emit(g, MOV(4, 0));
	emit(g, MOV(5, 0));
	emit(g, CALL(BPF_FUNC_dynptr_read));
}

/*
 * A dynptr at fp-144 (below every other block's stack): a ring buffer
 * dynptr (reserved, maybe a slice written, submitted or discarded) or a
 * local one over a map value (read into fp-160). Mutations: no release, a
 * store over it, a use after the release, a slice past its length or
 * without a null check, a misaligned dynptr, a load of its bytes.
 */
static void blk_dynptr(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 7) : -1;
	int off = mut == 5 ? -140 : -144;
	uint32_t j;

	if (rn(g->st, 2)) {
		emit_map(g, 1, M_RB);
		emit(g, MOV(2, 16));
		emit(g, MOV(3, 0));
		emit(g, MOVR(4, 10));
		emit(g, ALU(BPF_ADD, 4, off));
		emit(g, CALL(BPF_FUNC_ringbuf_reserve_dynptr));
		if (rn(g->st, 2) || mut == 3 || mut == 4) {
			emit(g, MOVR(1, 10));
			emit(g, ALU(BPF_ADD, 1, off));
			emit(g, MOV(2, 0));
			emit(g, MOV(3, 16));
			emit(g, CALL(BPF_FUNC_dynptr_data));
			j = g->n;
			if (mut != 4)
				emit(g, JI(BPF_JEQ, 0, 0, 0));
			emit(g, STX(BPF_DW, 0, 7,
				    mut == 3 ? 16 : 8 * (int)rn(g->st, 2)));
			if (mut != 4)
				patch_here(g, j);
		}
		if (rn(g->st, 2))
			emit_dynptr_read(g, off);
		if (mut == 1)
			emit(g,
			     ST(BPF_DW, 10, -144 + 8 * (int)rn(g->st, 2), 0));
		if (mut == 6)
			emit(g, LDX(BPF_DW, 8, 10, -144));
		if (mut != 0) {
			emit(g, MOVR(1, 10));
			emit(g, ALU(BPF_ADD, 1, off));
			emit(g, MOV(2, 0));
			emit(g, CALL(rn(g->st, 2) ?
					     BPF_FUNC_ringbuf_submit_dynptr :
					     BPF_FUNC_ringbuf_discard_dynptr));
		}
		if (mut == 2)
			emit_dynptr_read(g, off); /* after the release */
		return;
	}
	emit(g, ST(BPF_W, 10, -4, 0));
	emit(g, MOVR(2, 10));
	emit(g, ALU(BPF_ADD, 2, -4));
	emit_map(g, 1, M_ARR);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	j = g->n;
	emit(g, JI(BPF_JEQ, 0, 0, 0));
	emit(g, MOVR(1, 0));
	emit(g, MOV(2, 8));
	emit(g, MOV(3, 0));
	emit(g, MOVR(4, 10));
	emit(g, ALU(BPF_ADD, 4, off));
	emit(g, CALL(BPF_FUNC_dynptr_from_mem));
	if (mut == 1 || mut == 2)
		emit(g, ST(BPF_DW, 10, -144 + 8 * (int)rn(g->st, 2), 0));
	if (mut == 6)
		emit(g, LDX(BPF_DW, 8, 10, -144));
	emit_dynptr_read(g, off);
	patch_here(g, j);
}

static void blk_callback(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 2) : -1;
	bool each = rn(g->st, 3) == 0, count = !each && rn(g->st, 3) == 0;

	emit(g, STX(BPF_DW, 10, 8, -8));
	if (each) {
		emit_map(g, 1, M_ARR);
		emit_sub(g, S_EACH_CB, mut == 0, true, 2);
	} else {
		emit(g, MOV(1, 1 + (int)rn(g->st, 20)));
		emit_sub(g, count ? S_COUNT_CB : S_LOOP_CB, mut == 0, true, 2);
	}
	if (count)
		emit(g, ST(BPF_DW, 10, -8, 0));
	emit(g, MOVR(3, 10));
	emit(g, ALU(BPF_ADD, 3, -8));
	emit(g, MOV(4, mut == 1 && !count ? 1 : 0)); /* flags must be 0 */
	emit(g, CALL(each ? BPF_FUNC_for_each_map_elem : BPF_FUNC_loop));
	if (!count) {
		emit(g, LDX(BPF_DW, 8, 10, -8));
		return;
	}
	/* *ctx counted the calls: the caller indexes a value with it */
	emit(g, ST(BPF_W, 10, -4, 0));
	emit(g, MOVR(2, 10));
	emit(g, ALU(BPF_ADD, 2, -4));
	emit_map(g, 1, M_ARR);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	emit(g, JI(BPF_JEQ, 0, 0, 4));
	emit(g, LDX(BPF_DW, 1, 10, -8));
	emit(g, mut == 1 ? MOV(2, 0) : ALU(BPF_AND, 1, 15));
	emit(g, ALUR(BPF_ADD, 0, 1));
	emit(g, LDX(BPF_B, 8, 0, 0));
}

static void gen_block(struct gen *g)
{
	int b = g->blk++;
	bool bad = b == g->bad;
	uint32_t k = rn(g->st, g->depth > 1 ? 9 : 14);

	if (g->n > MAX_INSNS - 64) {
		emit(g, MOV(8, 1));
		return;
	}
	switch (k) {
	case 0:
	case 1:
		blk_alu(g, bad);
		break;
	case 2:
		blk_stack(g, bad);
		break;
	case 3:
		blk_stack_var(g, bad);
		break;
	case 4:
	case 5:
		blk_map(g, bad, 7);
		break;
	case 6:
		if (g->type == XDP)
			blk_pkt(g, bad);
		else
			blk_ctx(g, bad);
		break;
	case 7:
		blk_ctx(g, bad);
		break;
	case 8:
		blk_helper(g, bad);
		break;
	case 9:
		blk_branch(g, bad);
		break;
	case 10:
		if (g->in_loop)
			blk_map(g, bad, 9);
		else
			blk_loop(g, bad);
		break;
	case 11:
		blk_call(g, bad);
		break;
	case 12:
		if (gen_dynptr)
			blk_dynptr(g, bad);
		else
			blk_ringbuf(g, bad);
		break;
	default:
		blk_callback(g, bad);
		break;
	}
}

static void gen_sub(struct gen *g, int kind, bool bad)
{
	switch (kind) {
	case S_PLAIN:
		emit(g, MOVR(0, 1));
		emit(g, ALUR(BPF_ADD, 0, bad ? 6 : 2));
		break;
	case S_STACK:
		emit(g, LDX(BPF_DW, 0, 1, bad ? 40 : 0));
		emit(g, ALU(BPF_ADD, 0, 1));
		emit(g, STX(BPF_DW, 1, 0, 0));
		break;
	case S_VALUE:
		emit(g, LDX(BPF_DW, 0, 1, bad ? 12 : 8));
		break;
	case S_LOOP_CB:
		emit(g, LDX(BPF_DW, 0, 2, bad ? 8 : 0));
		emit(g, ALUR(BPF_ADD, 0, 1));
		emit(g, STX(BPF_DW, 2, 0, 0));
		emit(g, MOV(0, bad && rn(g->st, 2) ? 2 : 0));
		break;
	case S_COUNT_CB:
		emit(g, LDX(BPF_DW, 0, 2, 0));
		emit(g, ALU(BPF_ADD, 0, 1));
		emit(g, STX(BPF_DW, 2, 0, 0));
		emit(g, MOV(0, bad ? 3 : 0));
		break;
	default:
		emit(g, LDX(BPF_DW, 0, 3, bad ? 16 : 8));
		emit(g, ALUR(BPF_ADD, 0, 2)); /* key pointer + scalar */
		emit(g, MOV(0, rn(g->st, 2) ? 1 : 0));
		break;
	}
	emit(g, EXIT);
}

/* A whole program; returns its length. */
static uint32_t gen_prog(uint64_t *st, struct gen *g, uint32_t type,
			 bool unsafe)
{
	int nblocks = 2 + (int)rn(st, 8);

	memset(g, 0, sizeof(*g));
	g->st = st;
	g->type = type;
	emit(g, MOVR(6, 1));
	emit(g, CALL(BPF_FUNC_get_prandom_u32));
	emit(g, MOVR(7, 0));
	emit(g, MOV(8, (int32_t)rn(st, 64)));
	emit(g, MOV(9, 0));
	g->bad = unsafe ? (int)rn(st, (uint32_t)nblocks) : -1;
	for (int i = 0; i < nblocks; i++)
		gen_block(g);
	emit(g, MOV(0, type == XDP ? 2 : 0));
	emit(g, EXIT);
	g->nr_funcs = 1;
	for (uint32_t i = 0; i < g->nr_subs; i++) {
		uint32_t at = g->subs[i].site;

		g->sub_start[i] = g->n;
		g->p[at].imm = (int32_t)(g->n - at - 1);
		gen_sub(g, g->subs[i].kind, g->subs[i].bad);
		g->nr_funcs++;
	}
	return g->n;
}

/* ---- loading ---- */

static int create_maps(int side)
{
	static const struct {
		uint32_t t, ks, vs, max;
	} spec[NR_MAPS] = {
		{ BPF_MAP_TYPE_ARRAY, 4, VAL_SIZE, 4 },
		{ BPF_MAP_TYPE_HASH, 8, VAL_SIZE, 16 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096 },
	};

	for (int i = 0; i < NR_MAPS; i++) {
		maps[side][i] = side_create(side, spec[i].t, spec[i].ks,
					    spec[i].vs, spec[i].max, 0, 0,
					    NULL);
		if (maps[side][i] < 0)
			return (int)maps[side][i];
	}
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

/* The kernel's BTF for @nr functions: int, int(void), static f0..f15. */
static long kernel_btf(uint32_t nr)
{
	static const char strs[] = "\0int\0f0\0f1\0f2\0f3\0f4\0f5\0f6\0f7\0f8"
				   "\0f9\0fa\0fb\0fc\0fd\0fe\0ff\0fg";
	struct {
		struct btf_header h;
		uint32_t types[3 + 3 + 3 * (MAX_SUBS + 1)];
		char strs[sizeof(strs)];
	} b;
	uint32_t *t = b.types;
	union bpf_attr a;

	memset(&b, 0, sizeof(b));
	b.h.magic = BTF_MAGIC;
	b.h.version = BTF_VERSION;
	b.h.hdr_len = sizeof(b.h);
	*t++ = 1; /* [1] int */
	*t++ = BTF_KIND_INT << 24;
	*t++ = 4;
	*t++ = BTF_INT_SIGNED << 24 | 32;
	*t++ = 0; /* [2] int (void) */
	*t++ = BTF_KIND_FUNC_PROTO << 24;
	*t++ = 1;
	for (uint32_t i = 0; i < nr; i++) { /* [3 + i] f<i>, static */
		*t++ = 5 + 3 * i;
		*t++ = BTF_KIND_FUNC << 24;
		*t++ = 2;
	}
	b.h.type_len = (uint32_t)((t - b.types) * sizeof(*t));
	b.h.str_off = b.h.type_len;
	b.h.str_len = sizeof(strs);
	memcpy((char *)b.types + b.h.type_len, strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&b;
	a.btf_size = (uint32_t)(sizeof(b.h) + b.h.type_len + sizeof(strs));
	return side_bpf(SIDE_KERNEL, BPF_BTF_LOAD, &a);
}

/*
 * Load @g on @side; *@prog receives kbpf's program (NULL on the kernel).
 * Returns an fd or -errno, the log in logs[side].
 */
static long load(int side, const struct gen *g, bool up,
		 struct kbpf_prog **prog)
{
	static struct bpf_insn insns[MAX_INSNS];
	struct bpf_func_info fi[MAX_SUBS + 1];
	long fd, btf = -1;
	union bpf_attr a;

	*prog = NULL;
	memcpy(insns, g->p, g->n * sizeof(insns[0]));
	for (uint32_t i = 0; i < g->n; i++)
		if (insns[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD)
			insns[i].imm =
				(int32_t)maps[side][insns[i].imm - MAPREF];
	memset(&a, 0, sizeof(a));
	a.prog_type = g->type;
	a.insn_cnt = g->n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = getenv("KBPF_VLEVEL") ?
			      (uint32_t)atoi(getenv("KBPF_VLEVEL")) :
			      load_level;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	logs[side][0] = 0;
	if (g->has_cb && side == SIDE_KERNEL) {
		btf = kernel_btf(g->nr_funcs);
		if (btf < 0)
			return btf;
		fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = 3 };
		for (uint32_t i = 0; i < g->nr_subs; i++)
			fi[i + 1] = (struct bpf_func_info){
				.insn_off = g->sub_start[i], .type_id = 4 + i
			};
		a.prog_btf_fd = (uint32_t)btf;
		a.func_info = (uint64_t)(uintptr_t)fi;
		a.func_info_cnt = g->nr_funcs;
		a.func_info_rec_size = sizeof(fi[0]);
	}
	if (g->has_cb && side == SIDE_KBPF) {
		const struct kbpf_host *h = kbpf_posix_host();
		struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
		int err = kbpf_prog_load(h, &a, &opts, prog);

		if (err)
			return err;
		fd = h->fd_install(h, &(*prog)->obj,
				   KBPF_FD_READ | KBPF_FD_WRITE);
		if (fd < 0)
			kbpf_prog_put(*prog);
		return fd;
	}
	if (up && unpriv(true))
		return -EPERM;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (up)
		unpriv(false);
	side_close(side, btf);
	if (fd >= 0 && side == SIDE_KBPF) {
		const struct kbpf_host *h = kbpf_posix_host();
		struct kbpf_obj *obj;
		uint32_t flags;

		if (!h->fd_get(h, (int)fd, &obj, &flags)) {
			*prog = (struct kbpf_prog *)obj;
			kbpf_obj_put(obj); /* the fd keeps it */
		}
	}
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

/* N of the log's "processed N insns" line, or -1. */
static long processed_of(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* Fresh random map contents on kbpf: every array value, some hash keys. */
static void fuzz_maps(uint64_t *st)
{
	uint8_t val[VAL_SIZE];

	for (uint32_t k = 0; k < 4; k++) {
		for (int i = 0; i < VAL_SIZE; i++)
			val[i] = (uint8_t)kbpf_test_rand(st);
		side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
			  maps[SIDE_KBPF][M_ARR], &k, val, 0);
	}
	for (uint64_t k = 0; k < 4; k++) {
		for (int i = 0; i < VAL_SIZE; i++)
			val[i] = (uint8_t)kbpf_test_rand(st);
		if (rn(st, 2))
			side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
				  maps[SIDE_KBPF][M_HASH], &k, val, 0);
		else
			side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM,
				  maps[SIDE_KBPF][M_HASH], &k, NULL, 0);
	}
}

/*
 * One checked-mode run of an accepted program on fuzzed input: a random
 * packet (socket filter, XDP) or random registers (kprobe). Returns the
 * run's result (-EFAULT: the checked interpreter stopped a bad access).
 */
static long run_checked_as(uint64_t *st, long fd, struct kbpf_prog *prog,
			   uint32_t type)
{
	uint8_t pkt[256], out[512];
	uint32_t len = 14 + rn(st, 200);
	union bpf_attr a;

	for (uint32_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)kbpf_test_rand(st);
	if (type == KP) {
		struct kbpf_interp_args args = { .ctx = pkt,
						 .ctx_size = 168,
						 .mode = KBPF_INTERP_CHECKED };
		uint64_t r0;

		return kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0);
	}
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = len;
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	return side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
}

/*
 * A program kbpf's verifier proved runs fast whatever its runner asks
 * (interp.h): these runs want the checks, so they see it as unproved.
 */
static long run_checked(uint64_t *st, long fd, struct kbpf_prog *prog,
			uint32_t type)
{
	bool proved = prog->verified;
	long r;

	prog->verified = false;
	r = run_checked_as(st, fd, prog, type);
	prog->verified = proved;
	return r;
}

static void print_prog(const struct gen *g)
{
	char text[128];

	for (uint32_t j = 0; j < g->n; j++) {
		int m = kbpf_disasm_insn(&g->p[j], g->n - j, text,
					 sizeof(text));

		printf("      %u: %s\n", j, text);
		if (m > 1)
			j += (uint32_t)m - 1;
	}
}

KBPF_TEST(
	verifier_generated,
	"generated socket filter, XDP and kprobe programs (pointers to stack, map values, context and packet; lookups with null checks; branches; bounded loops; bpf-to-bpf calls; get_prandom_u32, probe_read_kernel, ring buffer records; bpf_loop and for_each_map_elem callbacks), half with one unsafe mutation, a quarter of the socket filters without CAP_PERFMON (KBPF_VGEN programs, default 1000): kbpf never accepts what the kernel refuses; decision and error-line agreement printed; every accepted program runs in checked mode on 4 fuzzed inputs without a fault")
{
	const char *env = getenv("KBPF_VGEN");
	int total = env ? atoi(env) : 1000;
	uint64_t st = kbpf_test_seed() * 1000003;
	/* inputs have their own stream: the programs depend on the seed only */
	uint64_t fz = kbpf_test_seed() * 7777777;
	int agree = 0, unsound = 0, strict = 0, same = 0, refused = 0;
	int shown = 0, faults = 0, runs = 0, accepted = 0, k_accepted = 0;
	int mutated = 0, other_err = 0, same_proc = 0, both_acc = 0;
	long proc[2] = { 0, 0 };
	int limit = getenv("KBPF_VDEBUG") ? 100000 : 8;
	struct gen *g = malloc(sizeof(*g));

	NEED_KERNEL();
	T_ASSERT(g);
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2);
		bool up;
		struct kbpf_prog *prog, *kprog;
		char kl[256], bl[256];
		long k, b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		mutated += unsafe;
		if (getenv("KBPF_VDUMP") && atoi(getenv("KBPF_VDUMP")) != i)
			continue; /* the same programs, only one loaded */
		k = load(SIDE_KERNEL, g, up, &kprog);
		b = load(SIDE_KBPF, g, up, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		k_accepted += k >= 0;
		if ((k >= 0) == (b >= 0))
			agree++;
		else if (b >= 0)
			unsound++;
		else
			strict++;
		if (k < 0) {
			refused++;
			same += !strcmp(kl, bl);
		} else if (b >= 0) {
			/* the work each verifier did, for programs both accept */
			long pk = processed_of(logs[0]),
			     pb = processed_of(logs[1]);

			both_acc++;
			same_proc += pk == pb;
			proc[0] += pk;
			proc[1] += pb;
		}
		if ((((k >= 0) != (b >= 0) || (k < 0 && strcmp(kl, bl))) &&
		     shown < limit) ||
		    getenv("KBPF_VALL")) {
			shown++;
			printf("#%d type %u%s%s kernel %ld [%s]\n   kbpf   %ld "
			       "[%s]\n",
			       i, type, up ? " (no CAP_PERFMON)" : "",
			       g->has_cb ? " (callbacks)" : "", k, kl, b, bl);
			print_prog(g);
		}
		if (getenv("KBPF_VDUMP") && atoi(getenv("KBPF_VDUMP")) == i)
			printf("---- kernel log ----\n%s\n---- kbpf log ----\n%s\n",
			       logs[0], logs[1]);
		if (b >= 0 && prog) {
			accepted++;
			for (int run = 0; run < 4; run++) {
				long rr;

				fuzz_maps(&fz);
				rr = run_checked(&fz, b, prog, type);
				runs++;
				if (rr == -EFAULT) {
					faults++;
					if (shown < limit) {
						shown++;
						printf("#%d faulted in checked "
						       "mode\n",
						       i);
						print_prog(g);
					}
				} else if (rr < 0) {
					other_err++;
				}
			}
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("processed instructions of the %d programs both accept: kernel "
	       "%ld, kbpf %ld; the same count for %d\n",
	       both_acc, proc[0], proc[1], same_proc);
	printf("generated: %d programs (%d mutated, kernel accepted %d), "
	       "accept/reject agree %d (%.3f%%), kbpf accepts what the kernel "
	       "refuses %d, refuses what it accepts %d; same error line %d of "
	       "%d refusals (%.2f%%); soundness: %d accepted, %d checked runs, "
	       "%d faults (%d other errors)\n",
	       total, mutated, k_accepted, agree, 100.0 * agree / total,
	       unsound, strict, same, refused,
	       refused ? 100.0 * same / refused : 0.0, accepted, runs, faults,
	       other_err);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	free(g);
	T_EQ(unsound, 0);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_generated_dynptr,
	"the generator with dynptr blocks (KBPF_VGEN_DYN programs, default 300): ring buffer dynptrs reserved, sliced, submitted or discarded and local dynptrs over map values read, half the programs with one mutation (no release, a store over it, a use after release, a slice past its length or unchecked, a misaligned dynptr, a load of its bytes): the kernel's decision for every program, kbpf never accepts what it refuses, error-line agreement printed; accepted programs run in checked mode without a fault")
{
	const char *env = getenv("KBPF_VGEN_DYN");
	int total = env ? atoi(env) : 300;
	uint64_t st = kbpf_test_seed() * 4099;
	uint64_t fz = kbpf_test_seed() * 31337;
	int agree = 0, unsound = 0, refused = 0, same = 0, faults = 0;
	int with_dyn = 0, shown = 0;
	struct gen *g = malloc(sizeof(*g));

	NEED_KERNEL();
	T_ASSERT(g);
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	gen_dynptr = true;
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2), up;
		struct kbpf_prog *prog, *kprog;
		char kl[256], bl[256];
		long k, b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		for (uint32_t n = 0; n < g->n; n++)
			if (g->p[n].code == (BPF_JMP | BPF_CALL) &&
			    !g->p[n].src_reg &&
			    (g->p[n].imm == BPF_FUNC_dynptr_from_mem ||
			     g->p[n].imm == BPF_FUNC_ringbuf_reserve_dynptr)) {
				with_dyn++;
				break;
			}
		k = load(SIDE_KERNEL, g, up, &kprog);
		b = load(SIDE_KBPF, g, up, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		agree += (k >= 0) == (b >= 0);
		unsound += k < 0 && b >= 0;
		if (k < 0 && b < 0) {
			refused++;
			same += !strcmp(kl, bl);
		}
		if (((k >= 0) != (b >= 0) ||
		     (k < 0 && b < 0 && strcmp(kl, bl))) &&
		    shown++ < (getenv("KBPF_VDEBUG") ? 100000 : 8)) {
			printf("#%d kernel %ld [%s]\n   kbpf   %ld [%s]\n", i,
			       k, kl, b, bl);
			print_prog(g);
		}
		if (b >= 0 && prog)
			for (int run = 0; run < 2; run++) {
				fuzz_maps(&fz);
				faults += run_checked(&fz, b, prog, type) ==
					  -EFAULT;
			}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	gen_dynptr = false;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("generated with dynptrs: %d programs (%d with a dynptr), "
	       "accept/reject agree %d, kbpf accepts what the kernel refuses "
	       "%d; same error line %d of %d refusals; %d checked-mode "
	       "faults\n",
	       total, with_dyn, agree, unsound, same, refused, faults);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	free(g);
	T_EQ(unsound, 0);
	T_EQ(agree, total);
	T_EQ(faults, 0);
}

KBPF_TEST(
	verifier_generated_logs,
	"the generator's programs (KBPF_VGEN_LOG programs, default 300, the same stream as verifier_generated) loaded at log levels 1 and 2 on the kernel and on kbpf: where both refuse with the same line after the same number of processed instructions, the level-1 instruction lines (the failing path) are the kernel's, line for line; identical instruction lines, whole logs and state parts are counted for every program at both levels (KBPF_VLOG_SHOW=1 prints the logs that differ)")
{
	const char *env = getenv("KBPF_VGEN_LOG");
	int total = env ? atoi(env) : 300;
	uint64_t st = kbpf_test_seed() * 1000003;
	struct vlc_stats vs[2], same_path;
	unsigned fails = 0;
	struct gen *g = malloc(sizeof(*g));

	NEED_KERNEL();
	T_ASSERT(g);
	memset(vs, 0, sizeof(vs));
	memset(&same_path, 0, sizeof(same_path));
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2);
		bool up;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		for (uint32_t lvl = 1; lvl <= 2; lvl++) {
			struct kbpf_prog *prog, *kprog;
			char kl[256], bl[256], name[32];
			long k, b;
			bool same;

			load_level = lvl;
			k = load(SIDE_KERNEL, g, up, &kprog);
			b = load(SIDE_KBPF, g, up, &prog);
			snprintf(name, sizeof(name), "#%d level %u", i, lvl);
			same = vlc_compare(&vs[lvl - 1], logs[0], logs[1],
					   getenv("KBPF_VLOG_SHOW"), name);
			why_line(logs[0], kl, sizeof(kl));
			why_line(logs[1], bl, sizeof(bl));
			if (lvl == 1 && k < 0 && b < 0 && !strcmp(kl, bl) &&
			    processed_of(logs[0]) == processed_of(logs[1])) {
				same_path.logs++;
				same_path.insn_same += same;
				if (!same) {
					fails++;
					printf("#%d: same refusal and count, "
					       "level 1 instruction lines "
					       "differ\n",
					       i);
				}
			}
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, b);
		}
	}
	load_level = 1;
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	vlc_print(&vs[0], "generated, log level 1");
	vlc_print(&vs[1], "generated, log level 2");
	printf("generated, refused by both with the same line and count: %u, "
	       "level 1 instruction lines identical in %u\n",
	       same_path.logs, same_path.insn_same);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
	free(g);
	T_EQ(fails, 0);
}

/*
 * Soundness without the kernel: a program kbpf's verifier accepts may run
 * without runtime checks (fast mode, the JIT), so on every input it must
 * behave in checked mode, where every access is checked at run time; a
 * checked-mode fault (-EFAULT) means the proof was wrong. The generator's
 * programs (their own seed stream) are loaded on kbpf only, and every
 * accepted one runs KBPF_VSOUND_RUNS times (default 2) on fresh random
 * packets of random length, random kprobe registers and random map
 * contents. KBPF_VSOUND=N programs (default 3000, a few seconds).
 */
KBPF_TEST(
	soundness_of_proofs,
	"generated programs kbpf's verifier accepts (KBPF_VSOUND programs, default 3000, seed-fixed) each run twice (KBPF_VSOUND_RUNS) in checked mode on fuzzed packets, kprobe registers and map contents: not one checked-mode fault")
{
	const char *env = getenv("KBPF_VSOUND");
	const char *renv = getenv("KBPF_VSOUND_RUNS");
	int total = env ? atoi(env) : 3000;
	int nruns = renv ? atoi(renv) : 2;
	uint64_t st = kbpf_test_seed() * 2000003 + 11;
	uint64_t fz = kbpf_test_seed() * 5555555 + 3;
	int accepted = 0, runs = 0, faults = 0, other = 0, shown = 0;
	struct gen *g = malloc(sizeof(*g));

	T_ASSERT(g);
	if (create_maps(SIDE_KBPF))
		T_FAIL("creating maps on kbpf");
	/* KBPF_VSOUND_DUMP=i: program i, and the kernel's answer to it. */
	if (getenv("KBPF_VSOUND_DUMP") && create_maps(SIDE_KERNEL))
		T_FAIL("creating maps on the kernel");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < total; i++) {
		uint32_t r = rn(&st, 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2), up;
		struct kbpf_prog *prog;
		long b;

		gen_prog(&st, g, type, unsafe);
		up = type == SF && !g->has_cb && !rn(&st, 4);
		b = load(SIDE_KBPF, g, up, &prog);
		if (b < 0 || !prog) {
			side_close(SIDE_KBPF, b);
			continue;
		}
		accepted++;
		if (getenv("KBPF_VSOUND_DUMP") &&
		    atoi(getenv("KBPF_VSOUND_DUMP")) == i) {
			char kl[256], bl[256];
			struct kbpf_prog *kp;
			long k = load(SIDE_KERNEL, g, up, &kp);

			why_line(logs[0], kl, sizeof(kl));
			why_line(logs[1], bl, sizeof(bl));
			printf("#%d (type %u%s): kernel %ld [%s], kbpf [%s]\n",
			       i, type, up ? ", no CAP_PERFMON" : "", k, kl,
			       bl);
			side_close(SIDE_KERNEL, k);
			print_prog(g);
		}
		for (int run = 0; run < nruns; run++) {
			long rr;

			fuzz_maps(&fz);
			rr = run_checked(&fz, b, prog, type);
			runs++;
			if (rr == -EFAULT) {
				faults++;
				if (shown++ < 8) {
					printf("#%d (type %u%s) faulted in "
					       "checked mode, run %d\n",
					       i, type,
					       up ? ", no CAP_PERFMON" : "",
					       run);
					print_prog(g);
				}
			} else if (rr < 0) {
				other++;
			}
		}
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("soundness: %d programs, %d accepted, %d checked runs, %d "
	       "faults (%d runs ended with another error)\n",
	       total, accepted, runs, faults, other);
	for (int m = 0; m < NR_MAPS; m++)
		side_close(SIDE_KBPF, maps[SIDE_KBPF][m]);
	free(g);
	T_ASSERT(accepted > total / 4); /* the generator still makes proofs */
	T_EQ(faults, 0);
}

/*
 * Callbacks whose effect on the caller's stack grows with each call: Linux
 * verifies the body until the states converge, so what the caller reads
 * back is every value a number of calls can leave.
 */
static const struct {
	const char *name;
	uint32_t n;
	struct bpf_insn p[40];
	uint32_t sub; /* the callback's first instruction */
} cb_progs[] = {
	/* *ctx counts to at most 4, the caller reads value[*ctx * 4] */
	{ "count_to_4_read_at_4x",
	  27,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 10),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 18),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 4),
		  LDX(BPF_DW, 1, 10, -8),
		  ALU(BPF_LSH, 1, 2),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_W, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 21: callback(idx, ctx) */
		  LDX(BPF_DW, 0, 2, 0),
		  JI(BPF_JGT, 0, 3, 2),
		  ALU(BPF_ADD, 0, 1),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  21 },
	/* *ctx = 5 each call: the caller reads value[*ctx] (0 or 5) */
	{ "store_5_read_at",
	  24,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 10),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 17),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 3),
		  LDX(BPF_DW, 1, 10, -8),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_B, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 20: callback(idx, ctx) */
		  MOV(0, 5),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  20 },
	/* *ctx += 1 each call, without bound: the caller masks it */
	{ "count_masked",
	  26,
	  {
		  ST(BPF_DW, 10, -8, 0),
		  MOV(1, 100),
		  I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 18),
		  I(0, 0, 0, 0, 0),
		  MOVR(3, 10),
		  ALU(BPF_ADD, 3, -8),
		  MOV(4, 0),
		  CALL(BPF_FUNC_loop),
		  ST(BPF_W, 10, -12, 0),
		  MOVR(2, 10),
		  ALU(BPF_ADD, 2, -12),
		  I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		    MAPREF + M_ARR),
		  I(0, 0, 0, 0, 0),
		  CALL(BPF_FUNC_map_lookup_elem),
		  JI(BPF_JEQ, 0, 0, 4),
		  LDX(BPF_DW, 1, 10, -8),
		  ALU(BPF_AND, 1, 15),
		  ALUR(BPF_ADD, 0, 1),
		  LDX(BPF_B, 0, 0, 0),
		  MOV(0, 0),
		  EXIT,
		  /* 21: callback(idx, ctx) */
		  LDX(BPF_DW, 0, 2, 0),
		  ALU(BPF_ADD, 0, 1),
		  STX(BPF_DW, 2, 0, 0),
		  MOV(0, 0),
		  EXIT,
	  },
	  21 },
};

KBPF_TEST(
	verifier_callback_growth,
	"a bpf_loop callback that grows a counter on the caller's stack: kbpf decides as the kernel does (Linux iterates the body to a fixed point); if kbpf accepts, 4 checked runs on fuzzed map values do not fault")
{
	static struct gen g;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++)
		if (create_maps(s))
			T_FAIL("creating maps on side %d", s);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(cb_progs) / sizeof(cb_progs[0]); i++) {
		struct kbpf_prog *prog, *kp;
		char kl[256], bl[256];
		long k, b;

		memset(&g, 0, sizeof(g));
		g.type = SF;
		g.n = cb_progs[i].n;
		memcpy(g.p, cb_progs[i].p, g.n * sizeof(g.p[0]));
		g.has_cb = true;
		g.nr_subs = 1;
		g.sub_start[0] = cb_progs[i].sub;
		g.nr_funcs = 2;
		k = load(SIDE_KERNEL, &g, false, &kp);
		b = load(SIDE_KBPF, &g, false, &prog);
		why_line(logs[0], kl, sizeof(kl));
		why_line(logs[1], bl, sizeof(bl));
		printf("%-24s kernel %ld [%s]\n%-24s kbpf   %ld [%s]\n",
		       cb_progs[i].name, k, kl, "", b, bl);
		if ((k >= 0) != (b >= 0))
			T_FAIL("%s: kernel %ld, kbpf %ld", cb_progs[i].name, k,
			       b);
		for (int run = 0; b >= 0 && prog && run < 4; run++) {
			uint64_t fz = 99 + (uint64_t)run;

			fuzz_maps(&fz);
			T_ASSERT(run_checked(&fz, b, prog, SF) != -EFAULT);
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, b);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < NR_MAPS; m++)
			side_close(s, maps[s][m]);
}
