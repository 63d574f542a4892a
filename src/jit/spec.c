// SPDX-License-Identifier: MIT
/*
 * The speculation rewrites (spec.h; Linux 6.18's nospec, nospec_result and
 * pointer-arithmetic masking, in behaviour: docs/design/verifier.md
 * "Speculation rewrites"). Runs on the interpreter image's instructions for
 * the JIT (site opcodes are not jumps and keep their imm) and on
 * kbpf_prog.insns for bpf_prog_info; the result only ever goes to a
 * backend or to the user's buffer.
 */
#include "spec.h"
#include "jit.h"
#include "interp/image.h"

#define AX KBPF_JIT_REG_AX

static struct bpf_insn sp_insn(uint8_t code, uint8_t dst, uint8_t src,
			       int16_t off, int32_t imm)
{
	struct bpf_insn i = { .code = code, .off = off, .imm = imm };

	i.dst_reg = dst & 0xf;
	i.src_reg = src & 0xf;
	return i;
}

static bool sp_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/* Instructions the masking of @a's instruction adds before and after it. */
static uint32_t sp_alu_extra(const struct kbpf_spec_aux *a)
{
	bool src = a->alu_state & KBPF_SPEC_ALU_SRC;
	bool neg = a->alu_state & KBPF_SPEC_ALU_NEG;
	bool imm = a->alu_state & KBPF_SPEC_ALU_IMM;

	if (!a->alu_state)
		return 0;
	return (imm ? 1 : 6 + neg) + !src + (src && neg && !imm);
}

static uint32_t sp_size(const struct bpf_insn *insn,
			const struct kbpf_spec_aux *a)
{
	uint32_t n = sp_is_ldimm64(insn) ? 2 : 1;

	if (!a)
		return n;
	return n + !!(a->flags & KBPF_SPEC_NOSPEC) +
	       !!(a->flags & KBPF_SPEC_NOSPEC_RESULT) + sp_alu_extra(a);
}

uint32_t kbpf_jit_spec_len(const struct bpf_insn *in, uint32_t len,
			   const struct kbpf_spec_aux *aux)
{
	uint32_t pc, n = 0;

	for (pc = 0; pc < len; pc++) {
		n += sp_size(&in[pc], aux ? &aux[pc] : NULL);
		if (sp_is_ldimm64(&in[pc]) && pc + 1 < len)
			pc++;
	}
	return n;
}

/*
 * The masking (Linux's do_misc_fixups() for alu_state): with the offset
 * register o, unless the offset is a constant,
 *   [o = -o]  AX = limit  AX -= o  AX |= o  AX = -AX  AX s>>= 63  AX &= o
 * so AX is o if 0 <= o <= limit and 0 otherwise; a constant gives
 * AX = limit (its magnitude). Then the pointer (dst, or src copied into
 * dst first) moves by AX, the other way for a negative offset, and o
 * gets its sign back if the program still has it.
 */
static uint32_t sp_alu(const struct bpf_insn *insn,
		       const struct kbpf_spec_aux *a, struct bpf_insn *out)
{
	bool src = a->alu_state & KBPF_SPEC_ALU_SRC;
	bool neg = a->alu_state & KBPF_SPEC_ALU_NEG;
	bool imm = a->alu_state & KBPF_SPEC_ALU_IMM;
	uint8_t o = src ? insn->src_reg : insn->dst_reg;
	struct bpf_insn op = *insn;
	uint32_t n = 0;

	if (!imm) {
		if (neg)
			out[n++] = sp_insn(BPF_ALU64 | BPF_MUL | BPF_K, o, 0, 0,
					   -1);
		out[n++] = sp_insn(BPF_ALU | BPF_MOV | BPF_K, AX, 0, 0,
				   (int32_t)a->alu_limit);
		out[n++] = sp_insn(BPF_ALU64 | BPF_SUB | BPF_X, AX, o, 0, 0);
		out[n++] = sp_insn(BPF_ALU64 | BPF_OR | BPF_X, AX, o, 0, 0);
		out[n++] = sp_insn(BPF_ALU64 | BPF_NEG | BPF_K, AX, 0, 0, 0);
		out[n++] = sp_insn(BPF_ALU64 | BPF_ARSH | BPF_K, AX, 0, 0, 63);
		out[n++] = sp_insn(BPF_ALU64 | BPF_AND | BPF_X, AX, o, 0, 0);
	} else {
		out[n++] = sp_insn(BPF_ALU | BPF_MOV | BPF_K, AX, 0, 0,
				   (int32_t)a->alu_limit);
	}
	if (!src)
		out[n++] = sp_insn(BPF_ALU64 | BPF_MOV | BPF_X, insn->dst_reg,
				   insn->src_reg, 0, 0);
	op.src_reg = AX;
	if (neg)
		op.code = BPF_OP(op.code) == BPF_ADD ?
				  (uint8_t)(BPF_ALU64 | BPF_SUB | BPF_X) :
				  (uint8_t)(BPF_ALU64 | BPF_ADD | BPF_X);
	out[n++] = op;
	if (src && neg && !imm)
		out[n++] = sp_insn(BPF_ALU64 | BPF_MUL | BPF_K, o, 0, 0, -1);
	return n;
}

/* Where control goes from @pc (-1: nowhere), and whether in imm. */
static int64_t sp_target(const struct bpf_insn *i, uint32_t pc, bool *wide)
{
	uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);

	*wide = false;
	if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_EXIT &&
	    op != BPF_CALL && !kbpf_interp_is_site_op(i->code)) {
		*wide = i->code == (BPF_JMP32 | BPF_JA);
		return (int64_t)pc + 1 + (*wide ? i->imm : i->off);
	}
	if ((i->code == (BPF_JMP | BPF_CALL) &&
	     i->src_reg == BPF_PSEUDO_CALL) ||
	    (sp_is_ldimm64(i) && i->src_reg == BPF_PSEUDO_FUNC)) {
		*wide = true;
		return (int64_t)pc + 1 + i->imm;
	}
	return -1;
}

int kbpf_jit_spec_rewrite(const struct bpf_insn *in, uint32_t len,
			  const struct kbpf_spec_aux *aux, struct bpf_insn *out,
			  uint32_t *map)
{
	uint32_t pc, n = 0;

	for (pc = 0; pc < len; pc++) {
		if (in[pc].dst_reg == AX ||
		    (in[pc].src_reg == AX && !sp_is_ldimm64(&in[pc])))
			return -KBPF_EINVAL;
		map[pc] = n;
		n += sp_size(&in[pc], &aux[pc]);
		if (sp_is_ldimm64(&in[pc]) && pc + 1 < len)
			map[++pc] = n - 1;
	}
	map[len] = n;
	n = 0;
	for (pc = 0; pc < len; pc++) {
		const struct kbpf_spec_aux *a = &aux[pc];
		struct bpf_insn i = in[pc];
		bool wide;
		int64_t t = sp_target(&i, pc, &wide), d;

		if (a->flags & KBPF_SPEC_NOSPEC)
			out[n++] = sp_insn(KBPF_NOSPEC, 0, 0, 0, 0);
		if (a->alu_state) {
			n += sp_alu(&i, a, out + n);
		} else {
			if (t != -1) {
				if (t < 0 || t > len)
					return -KBPF_EINVAL;
				d = (int64_t)map[t] - (int64_t)n - 1;
				if (!wide && (d < INT16_MIN || d > INT16_MAX))
					return -KBPF_E2BIG;
				if (wide)
					i.imm = (int32_t)d;
				else
					i.off = (int16_t)d;
			}
			out[n++] = i;
			if (sp_is_ldimm64(&i) && pc + 1 < len)
				out[n++] = in[++pc];
		}
		if (a->flags & KBPF_SPEC_NOSPEC_RESULT)
			out[n++] = sp_insn(KBPF_NOSPEC, 0, 0, 0, 0);
	}
	return 0;
}
