// SPDX-License-Identifier: MIT
/*
 * The verifier's program generator (vgen.h): the blocks, their unsafe
 * mutations and the subprograms. Moved out of test_verifier_gen.c unchanged
 * so that bench/bench_verifier.c times the very programs the tests
 * compare.
 */
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "kbpf/uapi/btf.h"
#include "vgen.h"

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
bool gen_dynptr;

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

/*
 * Objects (gen_objs): spin lock regions, timers, kfunc calls. r6 (the
 * context) is spilled to fp-128, below every other block's slots, while
 * it holds the map value, and filled back after the block.
 */
bool gen_objs;

#define KFUNC(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, KFREF + (k))

/* r0 = lookup(map @m, key at fp-4); a jump over the rest if NULL (@j). */
static void emit_obj_lookup(struct gen *g, int m, bool check, uint32_t *j)
{
	emit(g, STX(BPF_DW, 10, 6, -128));
	emit(g, ST(BPF_W, 10, -4, (int32_t)rn(g->st, 4)));
	emit(g, MOVR(2, 10));
	emit(g, ALU(BPF_ADD, 2, -4));
	emit_map(g, 1, m);
	emit(g, CALL(BPF_FUNC_map_lookup_elem));
	*j = UINT32_MAX;
	if (check) {
		*j = g->n;
		emit(g, JI(BPF_JEQ, 0, 0, 0));
	}
	emit(g, MOVR(6, 0));
}

/* r1 = r6 + @off; call @fn (bpf_spin_lock/unlock) */
static void emit_lockcall(struct gen *g, int off, int fn)
{
	emit(g, MOVR(1, 6));
	emit(g, ALU(BPF_ADD, 1, off));
	emit(g, CALL(fn));
}

/*
 * lookup(M_LOCK); lock; cnt += r7, x = r8 or x = a bpf-to-bpf call's
 * result (Linux allows those calls under the lock); unlock. Mutations: no
 * null check, no unlock, a helper or a kfunc called under the lock, a
 * load of the lock's bytes, the lock at a wrong offset, an unlock without
 * a lock, a second lock, an exit under the lock on one path.
 */
static void blk_lock(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 9) : -1;
	uint32_t j;

	g->has_obj = true;
	emit_obj_lookup(g, M_LOCK, mut != 0, &j);
	if (mut != 6)
		emit_lockcall(g, mut == 5 ? 0 : 4, BPF_FUNC_spin_lock);
	if (mut == 7)
		emit_lockcall(g, 4, BPF_FUNC_spin_lock);
	switch (rn(g->st, 3)) {
	case 0:
		emit(g, LDX(BPF_W, 1, 6, 0));
		emit(g, ALUR(BPF_ADD, 1, 7));
		emit(g, STX(BPF_W, 6, 1, 0));
		break;
	case 1:
		emit(g, STX(BPF_W, 6, 8, 8));
		break;
	default:
		emit(g, MOVR(1, 7));
		emit(g, MOVR(2, 8));
		emit_sub(g, S_PLAIN, false, false, 0);
		emit(g, STX(BPF_W, 6, 0, 8));
		break;
	}
	if (mut == 2)
		emit(g, CALL(rn(g->st, 2) ? BPF_FUNC_ktime_get_ns :
					    BPF_FUNC_get_prandom_u32));
	if (mut == 3)
		emit(g, KFUNC(K_RCU_LOCK));
	if (mut == 4)
		emit(g, LDX(BPF_W, 8, 6, 4));
	if (mut == 8) { /* if (r7 > 100) exit, the lock held */
		emit(g, JI(BPF_JLE, 7, 100, 2));
		emit(g, MOV(0, 0));
		emit(g, EXIT);
	}
	if (mut != 1)
		emit_lockcall(g, mut == 5 ? 0 : 4, BPF_FUNC_spin_unlock);
	if (j != UINT32_MAX)
		patch_here(g, j);
	emit(g, LDX(BPF_DW, 6, 10, -128));
}

/*
 * lookup(M_TIMER); bpf_timer_init(v + 8, M_TIMER, CLOCK_MONOTONIC), then
 * maybe set_callback and start, or cancel. Mutations: no null check, the
 * timer at a wrong offset, another map given to init, a callback that
 * returns 1 or reads past the value, start at a wrong offset, cancel of
 * a stack slot.
 */
static void blk_timer(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 6) : -1, steps = (int)rn(g->st, 4);
	uint32_t j;

	g->has_obj = true;
	emit_obj_lookup(g, M_TIMER, mut != 0, &j);
	emit(g, MOVR(1, 6));
	emit(g, ALU(BPF_ADD, 1, mut == 1 ? 0 : 8));
	emit_map(g, 2, mut == 2 ? M_ARR : M_TIMER);
	emit(g, MOV(3, 1));
	emit(g, CALL(BPF_FUNC_timer_init));
	if (steps >= 1 || mut == 3) {
		emit(g, MOVR(1, 6));
		emit(g, ALU(BPF_ADD, 1, 8));
		emit_sub(g, S_TIMER_CB, mut == 3, true, 2);
		emit(g, CALL(BPF_FUNC_timer_set_callback));
	}
	if (steps >= 2 || mut == 4) {
		emit(g, MOVR(1, 6));
		emit(g, ALU(BPF_ADD, 1, mut == 4 ? 12 : 8));
		emit(g, MOV(2, 1000 * (int32_t)rn(g->st, 10)));
		emit(g, MOV(3, 0));
		emit(g, CALL(BPF_FUNC_timer_start));
	}
	if (steps == 3 || mut == 5) {
		emit(g, MOVR(1, mut == 5 ? 10 : 6));
		emit(g, ALU(BPF_ADD, 1, mut == 5 ? -24 : 8));
		emit(g, CALL(BPF_FUNC_timer_cancel));
	}
	if (j != UINT32_MAX)
		patch_here(g, j);
	emit(g, LDX(BPF_DW, 6, 10, -128));
}

/*
 * bpf_rcu_read_lock(); a block; bpf_rcu_read_unlock(). Mutations: no
 * unlock, an unlock without a lock, a nested lock, two unlocks.
 */
static void blk_rcu(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 4) : -1;

	g->has_obj = true;
	if (mut != 1)
		emit(g, KFUNC(K_RCU_LOCK));
	if (mut == 2)
		emit(g, KFUNC(K_RCU_LOCK));
	if (rn(g->st, 2)) {
		blk_map(g, false, 7);
	} else {
		emit(g, CALL(BPF_FUNC_get_prandom_u32));
		emit(g, ALUR(BPF_ADD, 8, 0));
	}
	if (mut != 0)
		emit(g, KFUNC(K_RCU_UNLOCK));
	if (mut == 3)
		emit(g, KFUNC(K_RCU_UNLOCK));
}

/*
 * XDP: t = bpf_task_from_pid(pid); if (t) { maybe t2 =
 * bpf_task_acquire(t), released if not NULL; bpf_task_release(t) }.
 * Mutations: no null check, no release, a release twice, the acquired
 * reference unchecked or leaked, a store through the task pointer.
 */
static void blk_task(struct gen *g, bool bad)
{
	int mut = bad ? (int)rn(g->st, 6) : -1;
	bool acq = rn(g->st, 2) || mut == 3 || mut == 4;
	uint32_t j = UINT32_MAX, j2 = UINT32_MAX;

	g->has_obj = true;
	emit(g, STX(BPF_DW, 10, 6, -128));
	if (rn(g->st, 2)) {
		emit(g, MOV(1, 1));
	} else {
		emit(g, MOVR(1, 7));
		emit(g, ALU(BPF_AND, 1, 0xffff));
	}
	emit(g, KFUNC(K_FROM_PID));
	if (mut != 0) {
		j = g->n;
		emit(g, JI(BPF_JEQ, 0, 0, 0));
	}
	emit(g, MOVR(6, 0));
	if (mut == 5)
		emit(g, STX(BPF_DW, 6, 7, 0));
	if (acq) {
		emit(g, MOVR(1, 6));
		emit(g, KFUNC(K_ACQUIRE));
		if (mut != 3) {
			j2 = g->n;
			emit(g, JI(BPF_JEQ, 0, 0, 0));
		}
		if (mut != 4) {
			emit(g, MOVR(1, 0));
			emit(g, KFUNC(K_RELEASE));
		}
		if (j2 != UINT32_MAX)
			patch_here(g, j2);
	}
	if (mut != 1) {
		emit(g, MOVR(1, 6));
		emit(g, KFUNC(K_RELEASE));
	}
	if (mut == 2) {
		emit(g, MOVR(1, 6));
		emit(g, KFUNC(K_RELEASE));
	}
	if (j != UINT32_MAX)
		patch_here(g, j);
	emit(g, LDX(BPF_DW, 6, 10, -128));
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
	uint32_t k = rn(g->st, g->depth > 1 ? 9 : gen_objs ? 18 : 14);

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
	case 13:
		blk_callback(g, bad);
		break;
	case 14:
		/* Linux: no spin lock maps in socket filters and kprobes */
		if (g->type == XDP || !rn(g->st, 8))
			blk_lock(g, bad);
		else
			blk_rcu(g, bad);
		break;
	case 15:
		/* nor timer maps in kprobes */
		if (g->type != KP || !rn(g->st, 8))
			blk_timer(g, bad);
		else
			blk_rcu(g, bad);
		break;
	case 16:
		blk_rcu(g, bad);
		break;
	default:
		if (g->type == XDP)
			blk_task(g, bad);
		else
			blk_rcu(g, bad);
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
	case S_TIMER_CB: {
		int v = bad ? (int)rn(g->st, 2) : -1;

		emit(g, LDX(BPF_W, 0, 3, v == 0 ? 24 : 0));
		emit(g, MOV(0, v == 1 ? 1 : 0));
		break;
	}
	default:
		emit(g, LDX(BPF_DW, 0, 3, bad ? 16 : 8));
		emit(g, ALUR(BPF_ADD, 0, 2)); /* key pointer + scalar */
		emit(g, MOV(0, rn(g->st, 2) ? 1 : 0));
		break;
	}
	emit(g, EXIT);
}

/* A whole program; returns its length. */
uint32_t gen_prog(uint64_t *st, struct gen *g, uint32_t type, bool unsafe)
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

/* Drop (or give back) CAP_PERFMON and CAP_SYS_ADMIN from this thread. */
int gen_unpriv(bool drop)
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

/* BTF for @nr functions: int, int(void), static f0..f16. */
const void *gen_func_btf(uint32_t nr, uint32_t *size)
{
	static const char strs[] = "\0int\0f0\0f1\0f2\0f3\0f4\0f5\0f6\0f7\0f8"
				   "\0f9\0fa\0fb\0fc\0fd\0fe\0ff\0fg";
	static struct {
		struct btf_header h;
		uint32_t types[3 + 3 + 3 * (MAX_SUBS + 1)];
		char strs[sizeof(strs)];
	} b;
	uint32_t *t = b.types;

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
	*size = (uint32_t)(sizeof(b.h) + b.h.type_len + sizeof(strs));
	return &b;
}
