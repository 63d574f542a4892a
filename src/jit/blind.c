// SPDX-License-Identifier: MIT
/*
 * Constant blinding (Linux's bpf_jit_blind_constants(), net.core.
 * bpf_jit_harden): an attacker who loads a program chooses its immediates,
 * and a JIT that copies them into executable memory lets him place chosen
 * bytes there (JIT spraying). Blinding loads each such value through the
 * scratch register 11 as two constants XORed at run time, a fresh random
 * one per instruction, so the native code never holds the chosen bytes.
 * Runs on the interpreter image's instructions (site opcodes keep their
 * imm, which indexes the sites); the result only ever goes to a backend.
 */
#include "blind.h"
#include "jit.h"

#define AX KBPF_JIT_REG_AX

static struct bpf_insn bl_insn(uint8_t code, uint8_t dst, uint8_t src,
			       int16_t off, int32_t imm)
{
	struct bpf_insn i = { .code = code, .off = off, .imm = imm };

	i.dst_reg = dst & 0xf;
	i.src_reg = src & 0xf;
	return i;
}

static bool bl_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Does @insn carry an immediate operand that gets blinded? */
static bool bl_wants(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);

	/*
	 * An instruction that uses register 11 came from the speculation
	 * rewrite (spec.h), its immediate from the verifier (an alu_limit),
	 * not the program: left as it is, as Linux leaves them.
	 */
	if (insn->dst_reg == AX ||
	    (insn->src_reg == AX && !bl_is_ldimm64(insn)))
		return false;

	if (bl_is_ldimm64(insn))
		return insn->src_reg != BPF_PSEUDO_FUNC;
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		return BPF_SRC(insn->code) == BPF_K &&
		       (op == BPF_ADD || op == BPF_SUB || op == BPF_AND ||
			op == BPF_OR || op == BPF_XOR || op == BPF_MUL ||
			op == BPF_MOV || op == BPF_DIV || op == BPF_MOD);
	case BPF_JMP:
	case BPF_JMP32:
		return BPF_SRC(insn->code) == BPF_K && op != BPF_JA &&
		       op != BPF_CALL && op != BPF_EXIT && op != BPF_JCOND &&
		       !kbpf_interp_is_site_op(insn->code);
	case BPF_ST:
		return BPF_MODE(insn->code) == BPF_MEM;
	default:
		return false;
	}
}

/* Instructions @insn becomes. */
static uint32_t bl_size(const struct bpf_insn *insn)
{
	if (!bl_wants(insn))
		return bl_is_ldimm64(insn) ? 2 : 1;
	if (bl_is_ldimm64(insn))
		return 7;
	if (insn->code == (BPF_ALU | BPF_MOV | BPF_K) ||
	    insn->code == (BPF_ALU64 | BPF_MOV | BPF_K))
		return insn->imm ? 3 : 1;
	return 3;
}

/* Jump offset from new position @at to new position @to, or -E2BIG. */
static int bl_off(uint32_t at, uint32_t to, int32_t *off, bool wide)
{
	int64_t d = (int64_t)to - (int64_t)at - 1;

	if (!wide && (d < INT16_MIN || d > INT16_MAX))
		return -KBPF_E2BIG;
	*off = (int32_t)d;
	return 0;
}

int kbpf_jit_blind(const struct kbpf_host *h, const struct bpf_insn *in,
		   uint32_t len, struct bpf_insn *out, uint32_t *out_len,
		   uint32_t *map)
{
	uint32_t pc, n = 0;
	int err;

	/* map[pc]: where instruction pc starts now; map[len]: the end. */
	for (pc = 0; pc < len; pc++) {
		map[pc] = n;
		n += bl_size(&in[pc]);
		if (bl_is_ldimm64(&in[pc]) && pc + 1 < len)
			map[++pc] = n;
	}
	map[len] = n;
	n = 0;
	for (pc = 0; pc < len; pc++) {
		struct bpf_insn i = in[pc];
		uint8_t cls = BPF_CLASS(i.code), op = BPF_OP(i.code);
		uint32_t r = h->random_u32(h);
		int32_t off;
		bool wide = false;
		int64_t t = -1;

		/* Where control goes, renumbered. */
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_EXIT &&
		    op != BPF_CALL && !kbpf_interp_is_site_op(i.code)) {
			wide = i.code == (BPF_JMP32 | BPF_JA);
			t = (int64_t)pc + 1 + (wide ? i.imm : i.off);
		} else if ((i.code == (BPF_JMP | BPF_CALL) &&
			    i.src_reg == BPF_PSEUDO_CALL) ||
			   (bl_is_ldimm64(&i) &&
			    i.src_reg == BPF_PSEUDO_FUNC)) {
			wide = true;
			t = (int64_t)pc + 1 + i.imm;
		}
		if (t != -1 && (t < 0 || t > len))
			return -KBPF_EINVAL;
		if (!bl_wants(&i)) {
			uint32_t at = n;

			out[n++] = i;
			if (bl_is_ldimm64(&i) && pc + 1 < len)
				out[n++] = in[++pc];
			if (t == -1)
				continue;
			err = bl_off(at, map[t], &off, wide);
			if (err)
				return err;
			if (wide)
				out[at].imm = off;
			else
				out[at].off = (int16_t)off;
			continue;
		}
		if (bl_is_ldimm64(&i) && pc + 1 < len) {
			const struct bpf_insn *hi = &in[++pc];

			out[n++] = bl_insn(BPF_ALU64 | BPF_MOV | BPF_K, AX, 0,
					   0, (int32_t)(r ^ (uint32_t)hi->imm));
			out[n++] = bl_insn(BPF_ALU64 | BPF_XOR | BPF_K, AX, 0,
					   0, (int32_t)r);
			out[n++] = bl_insn(BPF_ALU64 | BPF_LSH | BPF_K, AX, 0,
					   0, 32);
			out[n++] = bl_insn(BPF_ALU64 | BPF_MOV | BPF_X,
					   i.dst_reg, AX, 0, 0);
			r = h->random_u32(h);
			out[n++] = bl_insn(BPF_ALU | BPF_MOV | BPF_K, AX, 0, 0,
					   (int32_t)(r ^ (uint32_t)i.imm));
			out[n++] = bl_insn(BPF_ALU | BPF_XOR | BPF_K, AX, 0, 0,
					   (int32_t)r);
			out[n++] = bl_insn(BPF_ALU64 | BPF_OR | BPF_X,
					   i.dst_reg, AX, 0, 0);
			continue;
		}
		if ((i.code == (BPF_ALU | BPF_MOV | BPF_K) ||
		     i.code == (BPF_ALU64 | BPF_MOV | BPF_K)) &&
		    !i.imm) {
			out[n++] = bl_insn(BPF_ALU64 | BPF_XOR | BPF_X,
					   i.dst_reg, i.dst_reg, 0, 0);
			continue;
		}
		/* AX = (imm ^ r) ^ r, in the operation's width. */
		{
			uint8_t w = cls == BPF_ALU || cls == BPF_JMP32 ?
					    BPF_ALU :
					    BPF_ALU64;

			if (cls == BPF_ST)
				w = BPF_ALU64;
			out[n++] = bl_insn(w | BPF_MOV | BPF_K, AX, 0, 0,
					   (int32_t)(r ^ (uint32_t)i.imm));
			out[n++] = bl_insn(w | BPF_XOR | BPF_K, AX, 0, 0,
					   (int32_t)r);
		}
		if (cls == BPF_ST) {
			out[n++] = bl_insn(BPF_STX | BPF_MEM | BPF_SIZE(i.code),
					   i.dst_reg, AX, i.off, 0);
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			out[n++] = bl_insn((uint8_t)(i.code | BPF_X), i.dst_reg,
					   AX, i.off, 0);
		} else {
			err = bl_off(n, map[t], &off, false);
			if (err)
				return err;
			out[n++] = bl_insn((uint8_t)(i.code | BPF_X), i.dst_reg,
					   AX, (int16_t)off, 0);
		}
	}
	*out_len = n;
	return 0;
}
