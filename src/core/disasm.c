// SPDX-License-Identifier: MIT
/*
 * The disassembler (include/kbpf/disasm.h): Linux's verifier-log syntax for
 * every instruction class, written from the log's observed output. The
 * tables below are the operators Linux prints, indexed by opcode bits.
 */
#include <stdarg.h>

#include "core/compiler.h"
#include "kbpf/disasm.h"
#include "core/vlog.h"

/* By BPF_OP(code) >> 4. */
static const char *const alu_ops[16] = {
	"+=",  "-=", "*=", "/=", "|=",	 "&=",	   "<<=", ">>=",
	"neg", "%=", "^=", "=",	 "s>>=", "endian", NULL,  NULL,
};

static const char *const jmp_ops[16] = {
	"jmp",	"==",	">", ">=", "&",	 "!=",	"s>", "s>=",
	"call", "exit", "<", "<=", "s<", "s<=", NULL, NULL,
};

static const char *const atomic_ops[16] = {
	[BPF_ADD >> 4] = "add",
	[BPF_AND >> 4] = "and",
	[BPF_OR >> 4] = "or",
	[BPF_XOR >> 4] = "xor",
};

/* By BPF_SIZE(code) >> 3. */
static const char *const ldst_size[4] = { "u32", "u16", "u8", "u64" };
static const char *const ldsx_size[4] = { "s32", "s16", "s8", "s64" };

static const char *const class_names[8] = { "ld",  "ldx", "st",	   "stx",
					    "alu", "jmp", "jmp32", "alu64" };

struct out {
	char *buf;
	size_t size;
};

__attribute__((format(printf, 2, 3))) static void put(struct out *o,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kbpf_vsnprintf(o->buf, o->size, fmt, ap);
	va_end(ap);
}

/* Linux prints offsets with "%+d": a sign always. */
static char sign(long long v)
{
	return v < 0 ? '-' : '+';
}

static long long mag(long long v)
{
	return v < 0 ? -v : v;
}

static void disasm_alu(struct out *o, const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	char r = cls == BPF_ALU ? 'w' : 'r';
	bool sdiv = (op == BPF_DIV || op == BPF_MOD) && in->off == 1;
	const char *ops = sdiv ? (op == BPF_DIV ? "s/=" : "s%=") :
				 alu_ops[op >> 4];

	if (op == BPF_END) {
		if (cls == BPF_ALU64)
			put(o, "(%02x) r%d = bswap%d r%d", in->code,
			    in->dst_reg, in->imm, in->dst_reg);
		else
			put(o, "(%02x) r%d = %s%d r%d", in->code, in->dst_reg,
			    BPF_SRC(in->code) == BPF_TO_BE ? "be" : "le",
			    in->imm, in->dst_reg);
		return;
	}
	if (op == BPF_NEG) {
		put(o, "(%02x) %c%d = -%c%d", in->code, r, in->dst_reg, r,
		    in->dst_reg);
		return;
	}
	if (cls == BPF_ALU64 && in->code == (BPF_ALU64 | BPF_MOV | BPF_X) &&
	    in->off == BPF_ADDR_SPACE_CAST) {
		put(o, "(%02x) r%d = addr_space_cast(r%d, %u, %u)", in->code,
		    in->dst_reg, in->src_reg, (uint32_t)in->imm >> 16,
		    (uint32_t)(uint16_t)in->imm);
		return;
	}
	if (BPF_SRC(in->code) == BPF_X) {
		const char *sx = "";

		if (op == BPF_MOV)
			sx = in->off == 8  ? "(s8)" :
			     in->off == 16 ? "(s16)" :
			     in->off == 32 ? "(s32)" :
					     "";
		put(o, "(%02x) %c%d %s %s%c%d", in->code, r, in->dst_reg, ops,
		    sx, r, in->src_reg);
		return;
	}
	put(o, "(%02x) %c%d %s %d", in->code, r, in->dst_reg, ops, in->imm);
}

static void disasm_stx(struct out *o, const struct bpf_insn *in)
{
	const char *sz = ldst_size[BPF_SIZE(in->code) >> 3];
	const char *bits = BPF_SIZE(in->code) == BPF_DW ? "64" : "";
	char s = sign(in->off);
	long long m = mag(in->off);
	int32_t imm = in->imm;

	if (BPF_MODE(in->code) == BPF_MEM) {
		put(o, "(%02x) *(%s *)(r%d %c%lld) = r%d", in->code, sz,
		    in->dst_reg, s, m, in->src_reg);
	} else if (BPF_MODE(in->code) != BPF_ATOMIC) {
		put(o, "BUG_%02x", in->code);
	} else if (imm == BPF_ADD || imm == BPF_AND || imm == BPF_OR ||
		   imm == BPF_XOR) {
		put(o, "(%02x) lock *(%s *)(r%d %c%lld) %s r%d", in->code, sz,
		    in->dst_reg, s, m, alu_ops[imm >> 4], in->src_reg);
	} else if (imm == (BPF_ADD | BPF_FETCH) ||
		   imm == (BPF_AND | BPF_FETCH) ||
		   imm == (BPF_OR | BPF_FETCH) ||
		   imm == (BPF_XOR | BPF_FETCH)) {
		put(o,
		    "(%02x) r%d = atomic%s_fetch_%s((%s *)(r%d %c%lld), r%d)",
		    in->code, in->src_reg, bits,
		    atomic_ops[(imm & ~BPF_FETCH) >> 4], sz, in->dst_reg, s, m,
		    in->src_reg);
	} else if (imm == BPF_CMPXCHG) {
		put(o,
		    "(%02x) r0 = atomic%s_cmpxchg((%s *)(r%d %c%lld), r0, r%d)",
		    in->code, bits, sz, in->dst_reg, s, m, in->src_reg);
	} else if (imm == BPF_XCHG) {
		put(o, "(%02x) r%d = atomic%s_xchg((%s *)(r%d %c%lld), r%d)",
		    in->code, in->src_reg, bits, sz, in->dst_reg, s, m,
		    in->src_reg);
	} else if (imm == BPF_LOAD_ACQ) {
		put(o, "(%02x) r%d = load_acquire((%s *)(r%d %c%lld))",
		    in->code, in->dst_reg, sz, in->src_reg, s, m);
	} else if (imm == BPF_STORE_REL) {
		put(o, "(%02x) store_release((%s *)(r%d %c%lld), r%d)",
		    in->code, sz, in->dst_reg, s, m, in->src_reg);
	} else {
		put(o, "BUG_%02x", in->code);
	}
}

static void disasm_jmp(struct out *o, const struct bpf_insn *in)
{
	uint8_t cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	char r = cls == BPF_JMP32 ? 'w' : 'r';

	if (op == BPF_CALL) {
		const char *name = in->src_reg ? NULL :
						 kbpf_helper_name(in->imm);

		if (in->src_reg == BPF_PSEUDO_CALL)
			put(o, "(%02x) call pc%c%lld", in->code, sign(in->imm),
			    mag(in->imm));
		else if (in->src_reg == BPF_PSEUDO_KFUNC_CALL)
			put(o, "(%02x) call kernel-function#%d", in->code,
			    in->imm);
		else
			put(o, "(%02x) call %s#%d", in->code,
			    name ? name : "unknown", in->imm);
	} else if (in->code == (BPF_JMP | BPF_JA)) {
		put(o, "(%02x) goto pc%c%lld", in->code, sign(in->off),
		    mag(in->off));
	} else if (in->code == (BPF_JMP | BPF_JCOND) &&
		   in->src_reg == BPF_MAY_GOTO) {
		put(o, "(%02x) may_goto pc%c%lld", in->code, sign(in->off),
		    mag(in->off));
	} else if (in->code == (BPF_JMP32 | BPF_JA)) {
		put(o, "(%02x) gotol pc%c%lld", in->code, sign(in->imm),
		    mag(in->imm));
	} else if (in->code == (BPF_JMP | BPF_EXIT)) {
		put(o, "(%02x) exit", in->code);
	} else if (!jmp_ops[op >> 4]) {
		put(o, "(%02x) %s", in->code, class_names[cls]);
	} else if (BPF_SRC(in->code) == BPF_X) {
		put(o, "(%02x) if %c%d %s %c%d goto pc%c%lld", in->code, r,
		    in->dst_reg, jmp_ops[op >> 4], r, in->src_reg,
		    sign(in->off), mag(in->off));
	} else {
		put(o, "(%02x) if %c%d %s 0x%x goto pc%c%lld", in->code, r,
		    in->dst_reg, jmp_ops[op >> 4], (uint32_t)in->imm,
		    sign(in->off), mag(in->off));
	}
}

int kbpf_disasm_insn(const struct bpf_insn *in, uint32_t left, char *buf,
		     size_t size)
{
	struct out o = { buf, size };
	uint8_t cls;

	if (size)
		buf[0] = 0;
	if (!left)
		return -KBPF_EINVAL;
	cls = BPF_CLASS(in->code);
	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (!alu_ops[BPF_OP(in->code) >> 4])
			put(&o, "(%02x) %s", in->code, class_names[cls]);
		else
			disasm_alu(&o, in);
		return 1;
	case BPF_STX:
		disasm_stx(&o, in);
		return 1;
	case BPF_ST:
		if (BPF_MODE(in->code) == BPF_MEM)
			put(&o, "(%02x) *(%s *)(r%d %c%lld) = %d", in->code,
			    ldst_size[BPF_SIZE(in->code) >> 3], in->dst_reg,
			    sign(in->off), mag(in->off), in->imm);
		else if (BPF_MODE(in->code) == 0xc0)
			put(&o, "(%02x) nospec", in->code);
		else
			put(&o, "BUG_st_%02x", in->code);
		return 1;
	case BPF_LDX:
		if (BPF_MODE(in->code) != BPF_MEM &&
		    BPF_MODE(in->code) != BPF_MEMSX)
			put(&o, "BUG_ldx_%02x", in->code);
		else
			put(&o, "(%02x) r%d = *(%s *)(r%d %c%lld)", in->code,
			    in->dst_reg,
			    (BPF_MODE(in->code) == BPF_MEM ?
				     ldst_size :
				     ldsx_size)[BPF_SIZE(in->code) >> 3],
			    in->src_reg, sign(in->off), mag(in->off));
		return 1;
	case BPF_LD:
		if (BPF_MODE(in->code) == BPF_ABS) {
			put(&o, "(%02x) r0 = *(%s *)skb[%d]", in->code,
			    ldst_size[BPF_SIZE(in->code) >> 3], in->imm);
		} else if (BPF_MODE(in->code) == BPF_IND) {
			put(&o, "(%02x) r0 = *(%s *)skb[r%d + %d]", in->code,
			    ldst_size[BPF_SIZE(in->code) >> 3], in->src_reg,
			    in->imm);
		} else if (in->code == (BPF_LD | BPF_IMM | BPF_DW)) {
			uint64_t imm;

			if (left < 2) {
				put(&o, "(%02x) <truncated ld_imm64>",
				    in->code);
				return -KBPF_EINVAL;
			}
			imm = (uint64_t)(uint32_t)in[1].imm << 32 |
			      (uint32_t)in->imm;
			put(&o, "(%02x) r%d = 0x%llx", in->code, in->dst_reg,
			    (unsigned long long)imm);
			return 2;
		} else {
			put(&o, "BUG_ld_%02x", in->code);
		}
		return 1;
	default: /* BPF_JMP, BPF_JMP32 */
		disasm_jmp(&o, in);
		return 1;
	}
}
