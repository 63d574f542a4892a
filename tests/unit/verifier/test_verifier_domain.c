// SPDX-License-Identifier: MIT
/*
 * The verifier's scalar domain in isolation (src/verifier/domain.c):
 * Linux's results for a few tnum and bounds operations, and soundness by
 * random testing: concrete values run through every ALU operation (64 and
 * 32 bits) and every conditional jump beside their abstract values, and
 * each concrete result must stay inside its abstract one; a jump the
 * domain calls always/never taken never goes the other way; subsumption
 * (kbpf_scalar_contains) holds for what the join of two ranges holds.
 */
#include <stdio.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_test.h"
#include "verifier/domain.h"

static bool member(const struct kbpf_scalar *s, uint64_t x)
{
	return kbpf_tnum_in(s->var, kbpf_tnum_const(x)) && x >= s->umin &&
	       x <= s->umax && (int64_t)x >= s->smin && (int64_t)x <= s->smax &&
	       (uint32_t)x >= s->u32min && (uint32_t)x <= s->u32max &&
	       (int32_t)x >= s->s32min && (int32_t)x <= s->s32max;
}

KBPF_TEST(tnum_basics,
	  "tnum add/sub/and/or/xor/mul/shift give Linux's known bits")
{
	struct kbpf_tnum a = { .value = 0x4, .mask = 0x3 }; /* 4..7 */
	struct kbpf_tnum r;

	r = kbpf_tnum_add(a, kbpf_tnum_const(1));
	T_EQ(r.value, 0);
	T_EQ(r.mask, 0xf); /* 5..8 spans bits 0-3 */
	r = kbpf_tnum_and(a, kbpf_tnum_const(0x6));
	T_EQ(r.value, 0x4);
	T_EQ(r.mask, 0x2);
	r = kbpf_tnum_or(a, kbpf_tnum_const(0x8));
	T_EQ(r.value, 0xc);
	T_EQ(r.mask, 0x3);
	r = kbpf_tnum_lshift(a, 4);
	T_EQ(r.value, 0x40);
	T_EQ(r.mask, 0x30);
	r = kbpf_tnum_range(16, 31);
	T_EQ(r.value, 16);
	T_EQ(r.mask, 15);
	r = kbpf_tnum_mul(kbpf_tnum_const(6), kbpf_tnum_const(7));
	T_EQ(r.value, 42);
	T_EQ(r.mask, 0);
	r = kbpf_tnum_arshift(kbpf_tnum_const(0x80000000u), 4, 32);
	T_EQ(r.value, 0xf8000000u);
	T_ASSERT(kbpf_tnum_in(kbpf_tnum_unknown(), a));
	T_ASSERT(!kbpf_tnum_in(a, kbpf_tnum_unknown()));
}

KBPF_TEST(bounds_examples, "bounds of and/zext/compare as Linux computes them")
{
	struct kbpf_scalar s, k;

	kbpf_scalar_unknown(&s);
	kbpf_scalar_const(&k, 0xff);
	kbpf_scalar_alu(&s, &k, BPF_AND, false);
	T_EQ(s.umin, 0);
	T_EQ(s.umax, 0xff);
	T_EQ(s.smin, 0);
	T_EQ(s.smax, 0xff);
	/* if s > 16 fall through: s in [0, 16] */
	kbpf_scalar_const(&k, 16);
	T_ASSERT(kbpf_scalar_refine(&s, &k, BPF_JGT, false, false));
	T_EQ(s.umax, 16);
	/* w = -1 (32-bit) is 0xffffffff zero-extended */
	kbpf_scalar_const(&s, 0);
	kbpf_scalar_const(&k, (uint32_t)-1);
	kbpf_scalar_alu(&s, &k, BPF_MOV, true);
	T_EQ(s.umax, 0xffffffffu);
	T_EQ(s.smin, 0xffffffffll);
	/* signed: x s< 0 taken on [-5, -1] always */
	kbpf_scalar_unknown(&s);
	s.smin = -5;
	s.smax = -1;
	T_ASSERT(kbpf_scalar_sync(&s));
	kbpf_scalar_const(&k, 0);
	T_EQ(kbpf_scalar_branch_taken(&s, &k, BPF_JSLT, false), 1);
	T_EQ(kbpf_scalar_branch_taken(&s, &k, BPF_JEQ, false), 0);
	T_EQ(kbpf_scalar_branch_taken(&s, &k, BPF_JGT, false), 1);
}

static uint64_t rnd(uint64_t *st)
{
	uint64_t r = kbpf_test_rand(st);

	switch (r & 7) {
	case 0:
		return r >> 60;
	case 1:
		return (uint64_t) - (int64_t)(r >> 58);
	case 2:
		return (uint32_t)r;
	case 3:
		return r & 0xff;
	default:
		return r;
	}
}

static uint64_t concrete_alu(uint64_t a, uint64_t b, uint8_t op, bool w32)
{
	uint64_t r;

	if (w32) {
		uint32_t x = (uint32_t)a, y = (uint32_t)b;

		switch (op) {
		case BPF_ADD:
			r = x + y;
			break;
		case BPF_SUB:
			r = x - y;
			break;
		case BPF_MUL:
			r = x * y;
			break;
		case BPF_AND:
			r = x & y;
			break;
		case BPF_OR:
			r = x | y;
			break;
		case BPF_XOR:
			r = x ^ y;
			break;
		case BPF_LSH:
			r = (uint32_t)(x << (y & 31));
			break;
		case BPF_RSH:
			r = x >> (y & 31);
			break;
		case BPF_ARSH:
			r = (uint32_t)((int32_t)x >> (y & 31));
			break;
		case BPF_NEG:
			r = (uint32_t)-x;
			break;
		default:
			r = y;
			break;
		}
		return (uint32_t)r;
	}
	switch (op) {
	case BPF_ADD:
		return a + b;
	case BPF_SUB:
		return a - b;
	case BPF_MUL:
		return a * b;
	case BPF_AND:
		return a & b;
	case BPF_OR:
		return a | b;
	case BPF_XOR:
		return a ^ b;
	case BPF_LSH:
		return a << (b & 63);
	case BPF_RSH:
		return a >> (b & 63);
	case BPF_ARSH:
		return (uint64_t)((int64_t)a >> (b & 63));
	case BPF_NEG:
		return -a;
	default:
		return b;
	}
}

static bool concrete_jmp(uint64_t a, uint64_t b, uint8_t op, bool w32)
{
	uint64_t x = w32 ? (uint32_t)a : a, y = w32 ? (uint32_t)b : b;
	int64_t sx = w32 ? (int32_t)a : (int64_t)a;
	int64_t sy = w32 ? (int32_t)b : (int64_t)b;

	switch (op) {
	case BPF_JEQ:
		return x == y;
	case BPF_JNE:
		return x != y;
	case BPF_JSET:
		return x & y;
	case BPF_JGT:
		return x > y;
	case BPF_JGE:
		return x >= y;
	case BPF_JLT:
		return x < y;
	case BPF_JLE:
		return x <= y;
	case BPF_JSGT:
		return sx > sy;
	case BPF_JSGE:
		return sx >= sy;
	case BPF_JSLT:
		return sx < sy;
	default:
		return sx <= sy;
	}
}

/* A random abstract value holding @x: a range around it, or a constant. */
static void random_abs(uint64_t *st, uint64_t x, struct kbpf_scalar *s)
{
	uint64_t r = kbpf_test_rand(st), lo, hi;

	kbpf_scalar_unknown(s);
	switch (r % 4) {
	case 0:
		kbpf_scalar_const(s, x);
		return;
	case 1:
		lo = x - (rnd(st) & 0xffff);
		hi = x + (rnd(st) & 0xffff);
		if (lo <= x && hi >= x) {
			s->umin = lo;
			s->umax = hi;
		}
		break;
	case 2:
		s->var = kbpf_tnum_intersect(
			kbpf_tnum_unknown(),
			(struct kbpf_tnum){ .value = x & ~(r >> 8),
					    .mask = r >> 8 });
		break;
	default:
		break;
	}
	kbpf_scalar_sync(s);
}

KBPF_TEST(
	alu_sound,
	"every ALU transfer function holds the concrete result (2M random cases)")
{
	static const uint8_t ops[] = { BPF_ADD,	 BPF_SUB, BPF_MUL, BPF_AND,
				       BPF_OR,	 BPF_XOR, BPF_LSH, BPF_RSH,
				       BPF_ARSH, BPF_NEG, BPF_MOV };
	uint64_t st = kbpf_test_seed();

	for (int i = 0; i < 2000000; i++) {
		uint64_t x = rnd(&st), y = rnd(&st), r;
		uint8_t op = ops[kbpf_test_rand(&st) % sizeof(ops)];
		bool w32 = kbpf_test_rand(&st) & 1;
		struct kbpf_scalar a, b;

		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			y &= w32 ? 31 : 63;
		random_abs(&st, x, &a);
		random_abs(&st, y, &b);
		if (!member(&a, x) || !member(&b, y))
			T_FAIL("generator: %llx not in its abstract value",
			       (unsigned long long)x);
		kbpf_scalar_alu(&a, &b, op, w32);
		r = concrete_alu(x, y, op, w32);
		if (!member(&a, r))
			T_FAIL("op %#x w32 %d: %#llx op %#llx = %#llx not in "
			       "u[%#llx,%#llx] s[%lld,%lld] var (%#llx;%#llx)",
			       op, w32, (unsigned long long)x,
			       (unsigned long long)y, (unsigned long long)r,
			       (unsigned long long)a.umin,
			       (unsigned long long)a.umax, (long long)a.smin,
			       (long long)a.smax,
			       (unsigned long long)a.var.value,
			       (unsigned long long)a.var.mask);
	}
}

KBPF_TEST(
	branch_sound,
	"branch decisions and refinements never lose the concrete values (2M random cases)")
{
	static const uint8_t ops[] = { BPF_JEQ,	 BPF_JNE,  BPF_JSET, BPF_JGT,
				       BPF_JGE,	 BPF_JLT,  BPF_JLE,  BPF_JSGT,
				       BPF_JSGE, BPF_JSLT, BPF_JSLE };
	uint64_t st = kbpf_test_seed() + 1;

	for (int i = 0; i < 2000000; i++) {
		uint64_t x = rnd(&st), y = rnd(&st);
		uint8_t op = ops[kbpf_test_rand(&st) % sizeof(ops)];
		bool w32 = kbpf_test_rand(&st) & 1, t;
		struct kbpf_scalar a, b;
		int k;

		if (kbpf_test_rand(&st) & 1)
			y = x + (kbpf_test_rand(&st) % 3) - 1;
		random_abs(&st, x, &a);
		random_abs(&st, y, &b);
		t = concrete_jmp(x, y, op, w32);
		k = kbpf_scalar_branch_taken(&a, &b, op, w32);
		if (k >= 0 && k != t)
			T_FAIL("op %#x w32 %d: %#llx vs %#llx decided %d, is %d",
			       op, w32, (unsigned long long)x,
			       (unsigned long long)y, k, t);
		if (!kbpf_scalar_refine(&a, &b, op, w32, t))
			T_FAIL("op %#x w32 %d: %#llx vs %#llx outcome %d called impossible",
			       op, w32, (unsigned long long)x,
			       (unsigned long long)y, t);
		if (!member(&a, x) || !member(&b, y))
			T_FAIL("op %#x w32 %d taken %d: refinement lost %#llx/%#llx",
			       op, w32, t, (unsigned long long)x,
			       (unsigned long long)y);
	}
}

KBPF_TEST(contains, "a range contains its sub-ranges and not wider ones")
{
	struct kbpf_scalar o, c;

	kbpf_scalar_unknown(&o);
	o.umax = 100;
	T_ASSERT(kbpf_scalar_sync(&o));
	kbpf_scalar_const(&c, 42);
	T_ASSERT(kbpf_scalar_contains(&o, &c));
	kbpf_scalar_const(&c, 101);
	T_ASSERT(!kbpf_scalar_contains(&o, &c));
	kbpf_scalar_unknown(&c);
	T_ASSERT(!kbpf_scalar_contains(&o, &c));
	T_ASSERT(kbpf_scalar_contains(&c, &o));
}
