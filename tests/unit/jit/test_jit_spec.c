// SPDX-License-Identifier: MIT
/*
 * The speculation rewrites of programs loaded without CAP_PERFMON (issues
 * #13 and #16; src/jit/spec.h, docs/design/verifier.md "Speculation
 * rewrites"):
 *  - the rewrite itself: each kind of masking, the barriers before and
 *    after an instruction, jumps, calls and callback references renumbered
 *    (rewrite_*), and the masking sequence's arithmetic over offsets in
 *    and out of range (mask_semantics);
 *  - against the kernel (xlated_matches_kernel): the same programs loaded
 *    on both sides by a thread without CAP_PERFMON and CAP_SYS_ADMIN
 *    (CAP_BPF kept, so the kernel shows its xlated code and the
 *    unprivileged_bpf_disabled sysctl does not apply); kbpf's xlated code
 *    must equal the kernel's instruction by instruction (map ids aside):
 *    the masking of pointer arithmetic on map values (variable and
 *    constant offsets, a negative constant, scalar += pointer), stack
 *    pointer arithmetic,
 *    barriers after pointer spills and before an instruction a
 *    speculative path failed at;
 *  - runs (runs_agree): each program proved for such a loader now runs
 *    natively, rewritten, even for BPF_PROG_TEST_RUN (a checked-mode
 *    runner); over random map contents it returns and stores what the
 *    checked interpreter (the same program, unverified) and the fast
 *    interpreter (a privileged load) do.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/prog.h"
#include "diff.h"
#include "insn.h"
#include "jit/jit.h"
#include "jit/jit_prog.h"
#include "jit/spec.h"
#include "kbpf/host.h"
#include "kbpf/interp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define AX KBPF_JIT_REG_AX
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, k) I(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV32K(d, k) I(BPF_ALU | BPF_MOV | BPF_K, d, 0, 0, k)
#define ALU(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALUK(op, d, k) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define JMPK(op, d, k, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
#define PCALL(o) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define NOSPEC I(KBPF_NOSPEC, 0, 0, 0, 0)

static int insn_eq(const struct bpf_insn *a, const struct bpf_insn *b)
{
	return a->code == b->code && a->dst_reg == b->dst_reg &&
	       a->src_reg == b->src_reg && a->off == b->off && a->imm == b->imm;
}

static void dump(const char *what, const struct bpf_insn *p, uint32_t n)
{
	printf("  %s:\n", what);
	for (uint32_t i = 0; i < n; i++)
		printf("    %3u: %02x %x %x %6d %d\n", i, p[i].code,
		       p[i].dst_reg, p[i].src_reg, p[i].off, p[i].imm);
}

/* Rewrite @in with @aux; compare with @want (@nw instructions). */
static int check_rewrite(const struct bpf_insn *in, uint32_t len,
			 const struct kbpf_spec_aux *aux,
			 const struct bpf_insn *want, uint32_t nw)
{
	struct bpf_insn out[64];
	uint32_t map[32], n = kbpf_jit_spec_len(in, len, aux);
	int err;

	if (n != nw) {
		printf("  length %u, want %u\n", n, nw);
		return -1;
	}
	err = kbpf_jit_spec_rewrite(in, len, aux, out, map);
	if (err) {
		printf("  rewrite: %d\n", err);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++)
		if (!insn_eq(&out[i], &want[i])) {
			printf("  differs at %u\n", i);
			dump("got", out, n);
			dump("want", want, nw);
			return -1;
		}
	return 0;
}

KBPF_TEST(
	rewrite_masking,
	"pointer += register with a variable positive offset, a negative one (source kept), scalar += pointer, a constant, and pointer -= register: Linux's sequences through register 11")
{
	static const struct bpf_insn in[] = { ALU(BPF_ADD, 6, 1), EXIT };
	struct kbpf_spec_aux aux[2] = { { 0 } };

	aux[0] = (struct kbpf_spec_aux){ .alu_state = KBPF_SPEC_ALU_SRC,
					 .alu_limit = 55 };
	{
		static const struct bpf_insn w[] = {
			MOV32K(AX, 55),		ALU(BPF_SUB, AX, 1),
			ALU(BPF_OR, AX, 1),	ALUK(BPF_NEG, AX, 0),
			ALUK(BPF_ARSH, AX, 63), ALU(BPF_AND, AX, 1),
			ALU(BPF_ADD, 6, AX),	EXIT,
		};
		T_EQ(check_rewrite(in, 2, aux, w, 8), 0);
	}
	aux[0].alu_state = KBPF_SPEC_ALU_SRC | KBPF_SPEC_ALU_NEG;
	{
		static const struct bpf_insn w[] = {
			ALUK(BPF_MUL, 1, -1), MOV32K(AX, 55),
			ALU(BPF_SUB, AX, 1),  ALU(BPF_OR, AX, 1),
			ALUK(BPF_NEG, AX, 0), ALUK(BPF_ARSH, AX, 63),
			ALU(BPF_AND, AX, 1),  ALU(BPF_SUB, 6, AX),
			ALUK(BPF_MUL, 1, -1), EXIT,
		};
		T_EQ(check_rewrite(in, 2, aux, w, 10), 0);
	}
	/* r6 += r1 with the pointer in r1: r6 = r1 first, masking r6. */
	aux[0].alu_state = KBPF_SPEC_ALU_DST;
	{
		static const struct bpf_insn w[] = {
			MOV32K(AX, 55),
			ALU(BPF_SUB, AX, 6),
			ALU(BPF_OR, AX, 6),
			ALUK(BPF_NEG, AX, 0),
			ALUK(BPF_ARSH, AX, 63),
			ALU(BPF_AND, AX, 6),
			MOV(6, 1),
			ALU(BPF_ADD, 6, AX),
			EXIT,
		};
		T_EQ(check_rewrite(in, 2, aux, w, 9), 0);
	}
	aux[0].alu_state = KBPF_SPEC_ALU_SRC | KBPF_SPEC_ALU_IMM |
			   KBPF_SPEC_ALU_NEG;
	aux[0].alu_limit = 16;
	{
		static const struct bpf_insn w[] = { MOV32K(AX, 16),
						     ALU(BPF_SUB, 6, AX),
						     EXIT };
		T_EQ(check_rewrite(in, 2, aux, w, 3), 0);
	}
	{
		static const struct bpf_insn sub[] = { ALU(BPF_SUB, 6, 1),
						       EXIT };
		static const struct bpf_insn w[] = { MOV32K(AX, 16),
						     ALU(BPF_ADD, 6, AX),
						     EXIT };
		T_EQ(check_rewrite(sub, 2, aux, w, 3), 0);
	}
}

KBPF_TEST(
	rewrite_barriers_and_jumps,
	"a barrier before one instruction and after another; forward and backward jumps, a JMP32 gotol, a bpf-to-bpf call and a callback reference land on the first instruction written for their target")
{
	static const struct bpf_insn in[] = {
		/* 0 */ JMPK(BPF_JEQ, 1, 0, 3), /* -> 4 */
		/* 1 */ STX(BPF_DW, 10, 6, -8),
		/* 2 */ I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 6),
		/* 3 */ I(0, 0, 0, 0, 0),
		/* 4 */ LDX(BPF_B, 0, 6, 0),
		/* 5 */ JMPK(BPF_JNE, 0, 1, -5), /* -> 1 */
		/* 6 */ I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), /* -> 8 */
		/* 7 */ EXIT,
		/* 8 */ PCALL(0), /* -> 9 */
		/* 9 */ EXIT,
	};
	static const struct bpf_insn w[] = {
		/* 0 */ JMPK(BPF_JEQ, 1, 0, 4), /* -> 5 (nospec of 4) */
		/* 1 */ STX(BPF_DW, 10, 6, -8),
		/* 2 */ NOSPEC,
		/* 3 */ I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 7),
		/* 4 */ I(0, 0, 0, 0, 0),
		/* 5 */ NOSPEC,
		/* 6 */ LDX(BPF_B, 0, 6, 0),
		/* 7 */ JMPK(BPF_JNE, 0, 1, -7), /* -> 1 */
		/* 8 */ I(BPF_JMP32 | BPF_JA, 0, 0, 0, 1), /* -> 10 */
		/* 9 */ EXIT,
		/* 10 */ PCALL(0), /* -> 11 */
		/* 11 */ EXIT,
	};
	struct kbpf_spec_aux aux[10] = { { 0 } };

	aux[1].flags = KBPF_SPEC_NOSPEC_RESULT;
	aux[4].flags = KBPF_SPEC_NOSPEC;
	T_EQ(check_rewrite(in, 10, aux, w, 12), 0);
	/* An instruction that already uses register 11 is refused. */
	{
		struct bpf_insn bad[] = { MOV(AX, 1), EXIT };
		struct bpf_insn out[4];
		uint32_t map[3];

		T_EQ(kbpf_jit_spec_rewrite(bad, 2, aux, out, map),
		     -KBPF_EINVAL);
	}
}

/*
 * The masking sequence evaluated as the ISA defines it: AX ends as the
 * offset (its magnitude for a negative one) when it is in [0, limit] and
 * 0 otherwise, and the pointer moves by AX the right way.
 */
static uint64_t eval(const struct bpf_insn *p, uint32_t n, uint64_t *r)
{
	for (uint32_t i = 0; i < n; i++) {
		const struct bpf_insn *in = &p[i];
		uint64_t s = BPF_SRC(in->code) == BPF_X ?
				     r[in->src_reg] :
				     (uint64_t)(int64_t)in->imm;
		uint64_t *d = &r[in->dst_reg];

		switch (in->code) {
		case BPF_ALU | BPF_MOV | BPF_K:
			*d = (uint32_t)in->imm;
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			*d = s;
			break;
		case BPF_ALU64 | BPF_ADD | BPF_X:
			*d += s;
			break;
		case BPF_ALU64 | BPF_SUB | BPF_X:
			*d -= s;
			break;
		case BPF_ALU64 | BPF_OR | BPF_X:
			*d |= s;
			break;
		case BPF_ALU64 | BPF_AND | BPF_X:
			*d &= s;
			break;
		case BPF_ALU64 | BPF_MUL | BPF_K:
			*d *= s;
			break;
		case BPF_ALU64 | BPF_NEG | BPF_K:
			*d = 0 - *d;
			break;
		case BPF_ALU64 | BPF_ARSH | BPF_K:
			*d = (uint64_t)((int64_t)*d >> (in->imm & 63));
			break;
		default:
			return 1;
		}
	}
	return 0;
}

KBPF_TEST(
	mask_semantics,
	"the masking sequence: an offset within [0, limit] (or [-limit, 0] for a negative one) moves the pointer by itself, anything else (one past the limit, huge, the wrong sign) by 0; the offset register gets its value back")
{
	static const int64_t offs[] = { 0,   1,		54,	   55,
					56,  200,	-1,	   -55,
					-56, INT64_MIN, INT64_MAX, 1ll << 40 };
	const uint32_t limit = 55, base = 0x10000;
	int bad = 0;

	for (int neg = 0; neg < 2; neg++) {
		struct kbpf_spec_aux aux[2] = { { 0 } };
		static const struct bpf_insn in[] = { ALU(BPF_ADD, 6, 1),
						      EXIT };
		struct bpf_insn out[16];
		uint32_t map[3], n = kbpf_jit_spec_len(in, 2, aux);

		aux[0].alu_state = KBPF_SPEC_ALU_SRC |
				   (neg ? KBPF_SPEC_ALU_NEG : 0);
		aux[0].alu_limit = limit;
		n = kbpf_jit_spec_len(in, 2, aux);
		T_EQ(kbpf_jit_spec_rewrite(in, 2, aux, out, map), 0);
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			uint64_t r[12] = { 0 };
			int64_t o = offs[i];
			bool in_range = neg ? (o <= 0 && o >= -(int64_t)limit) :
					      (o >= 0 && o <= (int64_t)limit);
			uint64_t want = in_range ? base + (uint64_t)o : base;

			r[6] = base;
			r[1] = (uint64_t)o;
			T_EQ(eval(out, n - 1, r), 0);
			if (r[6] != want || r[1] != (uint64_t)o) {
				printf("  neg %d off %lld: r6 %#llx want %#llx, r1 %lld\n",
				       neg, (long long)o,
				       (unsigned long long)r[6],
				       (unsigned long long)want,
				       (long long)r[1]);
				bad++;
			}
		}
	}
	T_EQ(bad, 0);
}

/* ---- against the kernel, and runs ---- */

#define VALUE_SIZE 64

/* r6 = &value[@off] of the array @m (ld_imm64 BPF_PSEUDO_MAP_VALUE). */
static uint32_t ld_value(struct bpf_insn *p, uint32_t n, long m, int32_t off)
{
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 6, BPF_PSEUDO_MAP_VALUE, 0,
		   (int32_t)m);
	p[n++] = I(0, 0, 0, 0, off);
	return n;
}

/* Pointer += a variable offset in [0, 31]; a load and a store through it. */
static uint32_t p_add_var(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = LDX(BPF_DW, 1, 6, 0);
	p[n++] = ALUK(BPF_AND, 1, 31);
	p[n++] = ALU(BPF_ADD, 6, 1);
	p[n++] = LDX(BPF_B, 0, 6, 8);
	p[n++] = STX(BPF_B, 6, 0, 9);
	p[n++] = EXIT;
	return n;
}

/*
 * Pointer += a register holding a negative constant (a variable negative
 * offset cannot reach a map value: its minimum would be negative).
 */
static uint32_t p_add_neg(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 40);

	p[n++] = MOVK(1, -12);
	p[n++] = ALU(BPF_ADD, 6, 1);
	p[n++] = LDX(BPF_B, 0, 6, 0);
	p[n++] = ALU(BPF_ADD, 0, 1); /* r1 still holds the offset */
	p[n++] = EXIT;
	return n;
}

/* Scalar += pointer: the pointer is the source. */
static uint32_t p_scalar_add_ptr(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = LDX(BPF_DW, 1, 6, 0);
	p[n++] = ALUK(BPF_AND, 1, 31);
	p[n++] = ALU(BPF_ADD, 1, 6);
	p[n++] = LDX(BPF_B, 0, 1, 16);
	p[n++] = EXIT;
	return n;
}

/* Pointer += a register holding a constant, then -= another. */
static uint32_t p_const(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = MOVK(1, 7);
	p[n++] = ALU(BPF_ADD, 6, 1);
	p[n++] = MOVK(2, 3);
	p[n++] = ALU(BPF_SUB, 6, 2);
	p[n++] = LDX(BPF_B, 0, 6, 0);
	p[n++] = EXIT;
	return n;
}

/* The frame pointer moved by a constant register, a store and a load. */
static uint32_t p_stack_const(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = LDX(BPF_DW, 3, 6, 0);
	p[n++] = MOV(2, 10);
	p[n++] = MOVK(1, -16);
	p[n++] = ALU(BPF_ADD, 2, 1);
	p[n++] = STX(BPF_DW, 2, 3, 0);
	p[n++] = LDX(BPF_W, 0, 10, -16);
	p[n++] = EXIT;
	return n;
}

/* A pointer spilled, filled and used; then a scalar over the spill. */
static uint32_t p_spill(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = STX(BPF_DW, 10, 6, -8);
	p[n++] = LDX(BPF_DW, 7, 10, -8);
	p[n++] = LDX(BPF_B, 0, 7, 3);
	p[n++] = ST(BPF_DW, 10, -8, 5);
	p[n++] = LDX(BPF_DW, 1, 10, -8);
	p[n++] = ALU(BPF_ADD, 0, 1);
	p[n++] = EXIT;
	return n;
}

/*
 * r2 is a pointer on one path and 0 on the other; a second test of the
 * same bit decides whether it is dereferenced. On each path that test is
 * known, so its other direction is followed speculatively, and the
 * dereference of 0 fails there: a barrier goes before the load.
 */
static uint32_t p_branch(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = LDX(BPF_DW, 1, 6, 0);
	p[n++] = ALUK(BPF_AND, 1, 1);
	p[n++] = MOVK(2, 0);
	p[n++] = JMPK(BPF_JEQ, 1, 0, 1);
	p[n++] = MOV(2, 6);
	p[n++] = MOVK(0, 0);
	p[n++] = JMPK(BPF_JEQ, 1, 0, 1);
	p[n++] = LDX(BPF_B, 0, 2, 5);
	p[n++] = EXIT;
	return n;
}

/*
 * A bounded loop: each round moves a copy of the pointer by the same
 * variable offset, loads through it, spills it.
 */
static uint32_t p_loop(struct bpf_insn *p, long m)
{
	uint32_t n = ld_value(p, 0, m, 0);

	p[n++] = LDX(BPF_DW, 8, 6, 0);
	p[n++] = ALUK(BPF_AND, 8, 7);
	p[n++] = MOVK(0, 0);
	p[n++] = MOVK(9, 0);
	/* loop: r7 = r6 + r8; r0 += *(u8 *)(r7 + 8 + r9); spill r7 */
	p[n++] = MOV(7, 6);
	p[n++] = ALU(BPF_ADD, 7, 8);
	p[n++] = LDX(BPF_B, 1, 7, 8);
	p[n++] = ALU(BPF_ADD, 0, 1);
	p[n++] = STX(BPF_DW, 10, 7, -8);
	p[n++] = ALUK(BPF_ADD, 9, 1);
	p[n++] = JMPK(BPF_JLT, 9, 4, -7);
	p[n++] = EXIT;
	return n;
}

struct spec_prog {
	const char *name;
	uint32_t (*build)(struct bpf_insn *p, long m);
	uint32_t min_added; /* instructions the rewrite must add, at least */
};

static const struct spec_prog progs[] = {
	{ "add_var", p_add_var, 6 },
	{ "add_neg", p_add_neg, 1 },
	{ "scalar_add_ptr", p_scalar_add_ptr, 7 },
	{ "const", p_const, 2 },
	{ "stack_const", p_stack_const, 1 },
	{ "spill", p_spill, 2 },
	{ "branch", p_branch, 1 },
	{ "loop", p_loop, 7 },
};

#define NR_PROGS (sizeof(progs) / sizeof(progs[0]))

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

/* Load @c on side @s (a thread without CAP_PERFMON if @up): fd or -errno. */
static long load(int s, const struct spec_prog *c, long m, bool up, char *log,
		 uint32_t log_size)
{
	struct bpf_insn p[64];
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = c->build(p, m);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
		a.log_level = 1;
	}
	if (up && unpriv(true))
		return -EPERM;
	fd = side_bpf(s, BPF_PROG_LOAD, &a);
	if (up)
		unpriv(false);
	return fd;
}

/* The xlated code of @fd on @s into @out (@cap): instructions or -errno. */
static long xlated(int s, long fd, struct bpf_insn *out, uint32_t cap)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	long r;

	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = cap * sizeof(*out);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)out;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	r = side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
	if (r < 0)
		return r;
	if (info.xlated_prog_len > cap * sizeof(*out))
		return -E2BIG;
	return (long)(info.xlated_prog_len / sizeof(*out));
}

/* Equal but for the map id of a map value's ld_imm64. */
static int xlated_same(const struct bpf_insn *k, long nk,
		       const struct bpf_insn *b, long nb)
{
	if (nk != nb)
		return 0;
	for (long i = 0; i < nk; i++) {
		struct bpf_insn x = k[i], y = b[i];

		if (x.code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    x.src_reg == BPF_PSEUDO_MAP_VALUE) {
			x.imm = 0;
			y.imm = 0;
		}
		if (!insn_eq(&x, &y))
			return 0;
	}
	return 1;
}

KBPF_TEST(
	xlated_matches_kernel,
	"programs with pointer arithmetic on map values (variable and constant offsets, a negative constant, scalar += pointer), stack pointer arithmetic, pointer spills and a branch with an unsafe speculative path, loaded by a thread without CAP_PERFMON: kbpf's xlated code (verifier on) equals the kernel's, with the same masking sequences and barriers in the same places; with CAP_PERFMON both leave the program as loaded")
{
	static struct bpf_insn k[256], b[256];
	static char log[1 << 16];
	long m[2], nk, nb, fk, fb;
	int bad = 0, rewritten = 0;

	NEED_KERNEL();
	if (unpriv(true))
		T_SKIP("cannot drop CAP_PERFMON from this thread");
	unpriv(false);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int s = 0; s < 2; s++) {
		m[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, VALUE_SIZE, 1, 0,
				   0, "v");
		T_ASSERT(m[s] >= 0);
	}
	for (size_t i = 0; i < NR_PROGS; i++) {
		const struct spec_prog *c = &progs[i];
		struct bpf_insn p[64];
		uint32_t n = c->build(p, 0);

		for (int up = 1; up >= 0; up--) {
			fk = load(SIDE_KERNEL, c, m[0], up, log, sizeof(log));
			if (fk < 0)
				printf("  kernel log: %s\n", log);
			fb = load(SIDE_KBPF, c, m[1], up, log, sizeof(log));
			if (fb < 0)
				printf("  kbpf log: %s\n", log);
			nk = fk < 0 ? fk : xlated(SIDE_KERNEL, fk, k, 256);
			nb = fb < 0 ? fb : xlated(SIDE_KBPF, fb, b, 256);
			printf("  %-15s %s: %u insns, kernel xlated %ld, kbpf %ld\n",
			       c->name, up ? "unpriv" : "priv  ", n, nk, nb);
			if (nk < 0 || nb < 0 || !xlated_same(k, nk, b, nb) ||
			    (up ? nk < n + c->min_added : nk != n)) {
				printf("  ^ MISMATCH\n");
				if (nk > 0)
					dump("kernel", k, (uint32_t)nk);
				if (nb > 0)
					dump("kbpf", b, (uint32_t)nb);
				bad++;
			} else if (up) {
				rewritten++;
			}
			side_close(SIDE_KERNEL, fk);
			side_close(SIDE_KBPF, fb);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	side_close(SIDE_KERNEL, m[0]);
	side_close(SIDE_KBPF, m[1]);
	printf("  %d programs rewritten as the kernel rewrites them\n",
	       rewritten);
	T_EQ(bad, 0);
}

static uint64_t jit_calls;
static int (*jit_orig)(struct kbpf_prog *prog, const struct kbpf_host *host,
		       const struct kbpf_interp_args *args, uint64_t *ret);

/* Counts the runs that go to native code. */
static int jit_count(struct kbpf_prog *prog, const struct kbpf_host *host,
		     const struct kbpf_interp_args *args, uint64_t *ret)
{
	jit_calls++;
	return jit_orig(prog, host, args, ret);
}

static struct kbpf_prog *prog_of(long fd)
{
	struct kbpf_obj *o = kbpf_posix_fd_obj((int)fd);

	if (o)
		kbpf_obj_put(o); /* the fd keeps it */
	return (struct kbpf_prog *)o;
}

/*
 * Write @value into the array @m, run @fd with BPF_PROG_TEST_RUN (a
 * checked-mode runner) on a 64-byte packet, read the value back into
 * @value: 0 and *@ret, or -errno.
 */
static long run_once(long fd, long m, uint8_t *value, uint32_t *ret)
{
	static uint8_t pkt[64];
	uint32_t key = 0;
	union bpf_attr a;
	long r;

	if (side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, m, &key, value, 0))
		return -EIO;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	r = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
	if (r < 0)
		return r;
	*ret = a.test.retval;
	return side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, m, &key, value, 0);
}

#define ROUNDS 300

KBPF_TEST(
	runs_agree,
	"each program (x86-64: with an lfence per barrier), proved for a loader without CAP_PERFMON, has native code compiled from its rewritten form and BPF_PROG_TEST_RUN runs it natively (not checked); over random map contents its return value and the map equal those of the checked interpreter (the same program unverified, which stays checked) and of the fast interpreter (a privileged load without the JIT)")
{
	uint64_t rs = kbpf_test_seed();
	long m, fd[3];
	int bad = 0;
	unsigned runs = 0;

	if (!kbpf_jit_available())
		T_SKIP("no JIT backend for this architecture");
	if (unpriv(true))
		T_SKIP("cannot drop CAP_PERFMON from this thread");
	unpriv(false);
	kbpf_posix_set_jit(true);
	m = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, VALUE_SIZE, 1, 0, 0,
			"v");
	T_ASSERT(m >= 0);
	for (size_t i = 0; i < NR_PROGS; i++) {
		const struct spec_prog *c = &progs[i];
		struct kbpf_prog *native, *checked;
		uint64_t before;

		kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
		fd[0] = load(SIDE_KBPF, c, m, true, NULL, 0);
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
		fd[1] = load(SIDE_KBPF, c, m, true, NULL, 0);
		kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
		kbpf_posix_set_jit(false);
		fd[2] = load(SIDE_KBPF, c, m, false, NULL, 0);
		kbpf_posix_set_jit(true);
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
		T_ASSERT(fd[0] >= 0 && fd[1] >= 0 && fd[2] >= 0);
		native = prog_of(fd[0]);
		checked = prog_of(fd[1]);
		T_ASSERT(native && checked);
		T_ASSERT(native->verified && native->spec_done && native->spec);
		T_ASSERT(native->jit != NULL);
		T_ASSERT(!checked->verified && !checked->spec);
		T_ASSERT(prog_of(fd[2])->jit == NULL);
#if defined(__x86_64__)
		/* Each barrier is an lfence in the native code. */
		{
			const struct kbpf_jit_image *img = native->jit;
			uint32_t want = 0, got = 0;

			for (uint32_t j = 0; j < native->len; j++)
				want += !!(native->spec[j].flags &
					   KBPF_SPEC_NOSPEC) +
					!!(native->spec[j].flags &
					   KBPF_SPEC_NOSPEC_RESULT);
			for (size_t j = 0; j + 3 <= img->code_size; j++)
				got += !memcmp(img->code + j, "\x0f\xae\xe8",
					       3);
			if (got < want) {
				printf("  %s: %u lfence for %u barriers\n",
				       c->name, got, want);
				bad++;
			}
		}
#endif
		/* Which runs go to native code. */
		jit_orig = native->jit_run;
		native->jit_run = jit_count;
		if (checked->jit) {
			T_ASSERT(checked->jit_run == jit_orig);
			checked->jit_run = jit_count;
		}
		for (unsigned r = 0; r < ROUNDS; r++) {
			uint8_t in[VALUE_SIZE], v[3][VALUE_SIZE];
			uint32_t ret[3] = { 0, 0, 0 };
			long err[3];

			for (unsigned j = 0; j < VALUE_SIZE; j++)
				in[j] = (uint8_t)kbpf_test_rand(&rs);
			for (int k = 0; k < 3; k++) {
				memcpy(v[k], in, sizeof(in));
				before = jit_calls;
				err[k] = run_once(fd[k], m, v[k], &ret[k]);
				if (jit_calls != before + (k == 0)) {
					printf("  %s: run %d %s native code\n",
					       c->name, k,
					       k ? "went to" : "missed");
					bad++;
				}
			}
			runs++;
			if (err[0] || err[1] || err[2] || ret[0] != ret[1] ||
			    ret[0] != ret[2] ||
			    memcmp(v[0], v[1], sizeof(in)) ||
			    memcmp(v[0], v[2], sizeof(in))) {
				printf("  %s round %u: native %ld/%u, checked %ld/%u, fast %ld/%u\n",
				       c->name, r, err[0], ret[0], err[1],
				       ret[1], err[2], ret[2]);
				bad++;
				break;
			}
		}
		native->jit_run = jit_orig;
		if (checked->jit)
			checked->jit_run = jit_orig;
		for (int k = 0; k < 3; k++)
			side_close(SIDE_KBPF, fd[k]);
		if (bad)
			break;
	}
	side_close(SIDE_KBPF, m);
	printf("  %u rounds x 3 runs, %d differences\n", runs, bad);
	T_EQ(bad, 0);
}

/* ---- random programs of the same blocks ---- */

struct rgen {
	uint64_t *st;
	struct bpf_insn p[256];
	uint32_t n;
	long m;
	uint32_t slots; /* stack slots written (bit j: fp-8*(j+1)) */
	uint32_t ptr_slots; /* of them, holding the value pointer */
};

static uint32_t rg(struct rgen *g, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(g->st) % n);
}

static void rg_value(struct rgen *g, int32_t off)
{
	g->n = ld_value(g->p, g->n, g->m, off);
}

/* One block; each leaves r0 a scalar (the sum so far) and r6 reloaded. */
static void rg_block(struct rgen *g)
{
	struct bpf_insn *p = g->p;
	int32_t off = (int32_t)rg(g, 3) * 8;
	uint32_t mask = (1u << (1 + rg(g, 5))) - 1; /* 1..31 */
	uint32_t j = rg(g, 8);
	int32_t c;

	switch (rg(g, 6)) {
	case 0: /* a variable offset, pointer in dst or in src */
		rg_value(g, off);
		p[g->n++] = LDX(BPF_DW, 1, 6, -off);
		p[g->n++] = ALUK(BPF_AND, 1, (int32_t)mask);
		if (rg(g, 2)) {
			p[g->n++] = ALU(BPF_ADD, 6, 1);
			p[g->n++] = LDX(BPF_B, 2, 6, (int16_t)rg(g, 8));
		} else {
			p[g->n++] = ALU(BPF_ADD, 1, 6);
			p[g->n++] = LDX(BPF_B, 2, 1, (int16_t)rg(g, 8));
		}
		p[g->n++] = ALU(BPF_ADD, 0, 2);
		break;
	case 1: /* a constant offset either way */
		rg_value(g, off);
		c = (int32_t)rg(g, 24) - off;
		p[g->n++] = MOVK(1, c);
		p[g->n++] = ALU(rg(g, 2) ? BPF_ADD : BPF_SUB, 6, 1);
		if (BPF_OP(p[g->n - 1].code) == BPF_SUB)
			p[g->n - 1 - 1].imm = -c;
		p[g->n++] = LDX(BPF_B, 2, 6, 0);
		p[g->n++] = ALU(BPF_ADD, 0, 2);
		break;
	case 2: /* the frame pointer moved by a constant, a store, a load */
		p[g->n++] = MOV(2, 10);
		p[g->n++] = MOVK(1, -8 * (int32_t)(j + 1));
		p[g->n++] = ALU(BPF_ADD, 2, 1);
		p[g->n++] = MOVK(3, (int32_t)rg(g, 1000));
		p[g->n++] = STX(BPF_DW, 2, 3, 0);
		g->slots |= 1u << j;
		g->ptr_slots &= ~(1u << j);
		p[g->n++] = LDX(BPF_DW, 3, 10, -8 * (int16_t)(j + 1));
		p[g->n++] = ALU(BPF_ADD, 0, 3);
		break;
	case 3: /* spill the value pointer, fill, load through it */
		rg_value(g, off);
		p[g->n++] = STX(BPF_DW, 10, 6, -8 * (int16_t)(j + 1));
		g->slots |= 1u << j;
		g->ptr_slots |= 1u << j;
		p[g->n++] = LDX(BPF_DW, 7, 10, -8 * (int16_t)(j + 1));
		p[g->n++] = LDX(BPF_B, 2, 7, (int16_t)rg(g, 8));
		p[g->n++] = ALU(BPF_ADD, 0, 2);
		break;
	case 4: /* a scalar stored over a slot (a spill or not) */
		p[g->n++] = ST(BPF_DW, 10, -8 * (int16_t)(j + 1),
			       (int32_t)rg(g, 100));
		g->slots |= 1u << j;
		g->ptr_slots &= ~(1u << j);
		p[g->n++] = LDX(BPF_DW, 3, 10, -8 * (int16_t)(j + 1));
		p[g->n++] = ALU(BPF_ADD, 0, 3);
		break;
	default: /* a pointer on one path, 0 on the other (p_branch) */
		rg_value(g, off);
		p[g->n++] = LDX(BPF_DW, 1, 6, -off + 8);
		p[g->n++] = ALUK(BPF_AND, 1, 1);
		p[g->n++] = MOVK(2, 0);
		p[g->n++] = JMPK(BPF_JEQ, 1, 0, 1);
		p[g->n++] = MOV(2, 6);
		p[g->n++] = JMPK(BPF_JEQ, 1, 0, 2);
		p[g->n++] = LDX(BPF_B, 3, 2, (int16_t)rg(g, 8));
		p[g->n++] = ALU(BPF_ADD, 0, 3);
		break;
	}
}

static uint32_t rg_prog(struct rgen *g)
{
	uint32_t blocks = 1 + rg(g, 6);

	g->n = 0;
	g->slots = g->ptr_slots = 0;
	g->p[g->n++] = MOVK(0, 0);
	for (uint32_t b = 0; b < blocks; b++)
		rg_block(g);
	g->p[g->n++] = EXIT;
	return g->n;
}

/* Load @p on @s by a thread without CAP_PERFMON; the fd or -errno. */
static long load_insns(int s, const struct bpf_insn *p, uint32_t n)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (unpriv(true))
		return -EPERM;
	fd = side_bpf(s, BPF_PROG_LOAD, &a);
	unpriv(false);
	return fd;
}

KBPF_TEST(
	random_xlated_and_runs,
	"random programs of those blocks, every other one blinded (jit_harden 2) (variable and constant offsets, stack pointer arithmetic, spills, scalars over spills, branches with unsafe speculative paths), loaded on both sides without CAP_PERFMON: the same decision, kbpf's xlated code equal to the kernel's; each accepted one run natively and checked over random map contents gives the same results")
{
	static struct bpf_insn k[1024], b[1024];
	const char *env = getenv("KBPF_VSPEC_N");
	uint32_t count = env ? (uint32_t)strtoul(env, NULL, 0) : 1000;
	uint64_t rs = kbpf_test_seed();
	struct rgen g;
	long m[2];
	uint32_t same = 0, accepted = 0, added = 0, runs = 0;
	int bad = 0;

	NEED_KERNEL();
	if (!kbpf_jit_available())
		T_SKIP("no JIT backend for this architecture");
	if (unpriv(true))
		T_SKIP("cannot drop CAP_PERFMON from this thread");
	unpriv(false);
	kbpf_posix_set_jit(true);
	for (int s = 0; s < 2; s++) {
		m[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, VALUE_SIZE, 1, 0,
				   0, "v");
		T_ASSERT(m[s] >= 0);
	}
	g.st = &rs;
	for (uint32_t i = 0; i < count && bad < 5; i++) {
		uint32_t n;
		long fk, fb, fc, nk, nb;

		g.m = m[0];
		n = rg_prog(&g);
		fk = load_insns(SIDE_KERNEL, g.p, n);
		for (uint32_t j = 0; j < n; j++)
			if (g.p[j].code == (BPF_LD | BPF_DW | BPF_IMM) &&
			    g.p[j].src_reg == BPF_PSEUDO_MAP_VALUE)
				g.p[j].imm = (int32_t)m[1];
		kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
		/* Every other one with constant blinding on top. */
		kbpf_posix_set_jit_harden(i & 1 ? 2 : 0);
		fb = load_insns(SIDE_KBPF, g.p, n);
		kbpf_posix_set_jit_harden(0);
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
		fc = load_insns(SIDE_KBPF, g.p, n);
		if ((fk >= 0) != (fb >= 0) || fc < 0) {
			printf("  program %u: kernel %ld, kbpf %ld, unverified %ld\n",
			       i, fk, fb, fc);
			dump("program", g.p, n);
			bad++;
		} else if (fk >= 0) {
			accepted++;
			nk = xlated(SIDE_KERNEL, fk, k, 1024);
			nb = xlated(SIDE_KBPF, fb, b, 1024);
			if (xlated_same(k, nk, b, nb)) {
				same++;
				added += (uint32_t)(nk - n);
			} else {
				printf("  program %u: xlated differs\n", i);
				dump("program", g.p, n);
				if (nk > 0)
					dump("kernel", k, (uint32_t)nk);
				if (nb > 0)
					dump("kbpf", b, (uint32_t)nb);
				bad++;
			}
			if (!prog_of(fb)->jit ||
			    ((const struct kbpf_jit_image *)prog_of(fb)->jit)
					    ->blinded != (i & 1)) {
				printf("  program %u: no native code, or not blinded as asked\n",
				       i);
				bad++;
			}
			for (int r = 0; r < 3; r++) {
				uint8_t v[2][VALUE_SIZE];
				uint32_t ret[2] = { 0, 0 };
				long e[2];

				for (unsigned j = 0; j < VALUE_SIZE; j++)
					v[0][j] = (uint8_t)kbpf_test_rand(&rs);
				memcpy(v[1], v[0], VALUE_SIZE);
				e[0] = run_once(fb, m[1], v[0], &ret[0]);
				e[1] = run_once(fc, m[1], v[1], &ret[1]);
				runs++;
				if (e[0] || e[1] || ret[0] != ret[1] ||
				    memcmp(v[0], v[1], VALUE_SIZE)) {
					printf("  program %u: native %ld/%u, checked %ld/%u\n",
					       i, e[0], ret[0], e[1], ret[1]);
					bad++;
					break;
				}
			}
		}
		side_close(SIDE_KERNEL, fk);
		side_close(SIDE_KBPF, fb);
		side_close(SIDE_KBPF, fc);
	}
	side_close(SIDE_KERNEL, m[0]);
	side_close(SIDE_KBPF, m[1]);
	printf("  %u programs, %u accepted by both, %u with xlated code equal to the kernel's (%u instructions added), %u native/checked run pairs; %d differences\n",
	       count, accepted, same, added, runs, bad);
	T_EQ(bad, 0);
}
