// SPDX-License-Identifier: MIT
/*
 * The scalar domain of the verifier (domain.h): tnums and the 64/32-bit
 * signed/unsigned bounds, their transfer functions for the ALU operations
 * and their refinement on conditional jumps. Same results as Linux's
 * kernel/bpf/tnum.c and the scalar bounds code of kernel/bpf/verifier.c
 * (in behaviour: tested against the properties, not copied).
 *
 * Soundness is the one rule: every abstract result holds every concrete
 * result of the operation on values the inputs hold. Where tracking would
 * need care Linux does not take (division, a shift by an unknown amount),
 * the result is unknown, as in Linux.
 *
 * Pure functions; no locks.
 */
#include <stddef.h>

#include "verifier/domain.h"

#include "kbpf/uapi/bpf.h"

#define U32_MAXV 0xffffffffu
#define S32_MINV ((int32_t)0x80000000)
#define S32_MAXV 0x7fffffff
#define S64_MINV ((int64_t)0x8000000000000000ull)
#define S64_MAXV 0x7fffffffffffffffll
#define HI32 0xffffffff00000000ull

static uint64_t umax64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

static uint64_t umin64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static int64_t smax64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t smin64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* ---- tnums ---- */

struct kbpf_tnum kbpf_tnum_const(uint64_t v)
{
	return (struct kbpf_tnum){ .value = v, .mask = 0 };
}

struct kbpf_tnum kbpf_tnum_unknown(void)
{
	return (struct kbpf_tnum){ .value = 0, .mask = ~0ull };
}

struct kbpf_tnum kbpf_tnum_range(uint64_t min, uint64_t max)
{
	uint64_t diff = min ^ max, span;
	int bits = 0;

	while (bits < 64 && (diff >> bits))
		bits++;
	if (bits >= 64)
		return kbpf_tnum_unknown();
	span = (1ull << bits) - 1;
	return (struct kbpf_tnum){ .value = min & ~span, .mask = span };
}

bool kbpf_tnum_is_const(struct kbpf_tnum a)
{
	return !a.mask;
}

bool kbpf_tnum_in(struct kbpf_tnum a, struct kbpf_tnum b)
{
	if (b.mask & ~a.mask)
		return false;
	return (b.value & ~a.mask) == a.value;
}

struct kbpf_tnum kbpf_tnum_add(struct kbpf_tnum a, struct kbpf_tnum b)
{
	/*
	 * Bits that can differ between the smallest (value) and the largest
	 * (value + mask) sums, plus every unknown input bit, are unknown.
	 */
	uint64_t lo = a.value + b.value;
	uint64_t hi = lo + a.mask + b.mask;
	uint64_t unk = (lo ^ hi) | a.mask | b.mask;

	return (struct kbpf_tnum){ .value = lo & ~unk, .mask = unk };
}

struct kbpf_tnum kbpf_tnum_sub(struct kbpf_tnum a, struct kbpf_tnum b)
{
	uint64_t d = a.value - b.value;
	uint64_t hi = d + a.mask, lo = d - b.mask;
	uint64_t unk = (hi ^ lo) | a.mask | b.mask;

	return (struct kbpf_tnum){ .value = d & ~unk, .mask = unk };
}

struct kbpf_tnum kbpf_tnum_and(struct kbpf_tnum a, struct kbpf_tnum b)
{
	uint64_t one = a.value & b.value;
	uint64_t may = (a.value | a.mask) & (b.value | b.mask);

	return (struct kbpf_tnum){ .value = one, .mask = may & ~one };
}

struct kbpf_tnum kbpf_tnum_or(struct kbpf_tnum a, struct kbpf_tnum b)
{
	uint64_t one = a.value | b.value;

	return (struct kbpf_tnum){ .value = one,
				   .mask = (a.mask | b.mask) & ~one };
}

struct kbpf_tnum kbpf_tnum_xor(struct kbpf_tnum a, struct kbpf_tnum b)
{
	uint64_t unk = a.mask | b.mask;

	return (struct kbpf_tnum){ .value = (a.value ^ b.value) & ~unk,
				   .mask = unk };
}

/*
 * Long multiplication: for each bit of @a, add @b shifted by its position
 * if the bit is known 1, or "0 or @b" if it is unknown. The known product
 * of the values is added once at the end.
 */
struct kbpf_tnum kbpf_tnum_mul(struct kbpf_tnum a, struct kbpf_tnum b)
{
	struct kbpf_tnum acc = kbpf_tnum_const(0);
	uint64_t known = a.value * b.value;

	while (a.value || a.mask) {
		if (a.value & 1)
			acc = kbpf_tnum_add(
				acc, (struct kbpf_tnum){ .value = 0,
							 .mask = b.mask });
		else if (a.mask & 1)
			acc = kbpf_tnum_add(
				acc,
				(struct kbpf_tnum){ .value = 0,
						    .mask = b.value | b.mask });
		a = kbpf_tnum_rshift(a, 1);
		b = kbpf_tnum_lshift(b, 1);
	}
	return kbpf_tnum_add(kbpf_tnum_const(known), acc);
}

struct kbpf_tnum kbpf_tnum_lshift(struct kbpf_tnum a, uint8_t shift)
{
	if (shift >= 64)
		return kbpf_tnum_const(0);
	return (struct kbpf_tnum){ .value = a.value << shift,
				   .mask = a.mask << shift };
}

struct kbpf_tnum kbpf_tnum_rshift(struct kbpf_tnum a, uint8_t shift)
{
	if (shift >= 64)
		return kbpf_tnum_const(0);
	return (struct kbpf_tnum){ .value = a.value >> shift,
				   .mask = a.mask >> shift };
}

struct kbpf_tnum kbpf_tnum_arshift(struct kbpf_tnum a, uint8_t shift,
				   uint8_t bits)
{
	if (bits == 32) {
		uint32_t v = (uint32_t)a.value, m = (uint32_t)a.mask;

		shift &= 31;
		return (struct kbpf_tnum){
			.value = (uint32_t)((int32_t)v >> shift),
			.mask = (uint32_t)((int32_t)m >> shift)
		};
	}
	shift &= 63;
	return (struct kbpf_tnum){
		.value = (uint64_t)((int64_t)a.value >> shift),
		.mask = (uint64_t)((int64_t)a.mask >> shift)
	};
}

struct kbpf_tnum kbpf_tnum_intersect(struct kbpf_tnum a, struct kbpf_tnum b)
{
	uint64_t v = a.value | b.value, unk = a.mask & b.mask;

	return (struct kbpf_tnum){ .value = v & ~unk, .mask = unk };
}

struct kbpf_tnum kbpf_tnum_cast(struct kbpf_tnum a, uint8_t size)
{
	uint64_t keep = size >= 8 ? ~0ull : (1ull << (size * 8)) - 1;

	return (struct kbpf_tnum){ .value = a.value & keep,
				   .mask = a.mask & keep };
}

struct kbpf_tnum kbpf_tnum_subreg(struct kbpf_tnum a)
{
	return kbpf_tnum_cast(a, 4);
}

struct kbpf_tnum kbpf_tnum_with_subreg(struct kbpf_tnum a, struct kbpf_tnum sub)
{
	return (struct kbpf_tnum){
		.value = (a.value & HI32) | (sub.value & U32_MAXV),
		.mask = (a.mask & HI32) | (sub.mask & U32_MAXV)
	};
}

static char *put_hex(char *p, char *end, uint64_t v)
{
	char tmp[16];
	int n = 0;

	if (p < end)
		*p++ = '0';
	if (p < end)
		*p++ = 'x';
	do {
		tmp[n++] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	while (n && p < end)
		*p++ = tmp[--n];
	return p;
}

void kbpf_tnum_str(struct kbpf_tnum a, char *buf, unsigned long size)
{
	char *p = buf, *end = buf + size - 1;

	if (p < end)
		*p++ = '(';
	p = put_hex(p, end, a.value);
	if (p < end)
		*p++ = ';';
	if (p < end)
		*p++ = ' ';
	p = put_hex(p, end, a.mask);
	if (p < end)
		*p++ = ')';
	*p = 0;
}

/* ---- bounds ---- */

static void bounds64_unknown(struct kbpf_scalar *s)
{
	s->smin = S64_MINV;
	s->smax = S64_MAXV;
	s->umin = 0;
	s->umax = ~0ull;
}

static void bounds32_unknown(struct kbpf_scalar *s)
{
	s->s32min = S32_MINV;
	s->s32max = S32_MAXV;
	s->u32min = 0;
	s->u32max = U32_MAXV;
}

void kbpf_scalar_unknown(struct kbpf_scalar *s)
{
	s->var = kbpf_tnum_unknown();
	bounds64_unknown(s);
	bounds32_unknown(s);
}

void kbpf_scalar_const(struct kbpf_scalar *s, uint64_t v)
{
	s->var = kbpf_tnum_const(v);
	s->smin = s->smax = (int64_t)v;
	s->umin = s->umax = v;
	s->s32min = s->s32max = (int32_t)(uint32_t)v;
	s->u32min = s->u32max = (uint32_t)v;
}

bool kbpf_scalar_is_const(const struct kbpf_scalar *s)
{
	return kbpf_tnum_is_const(s->var);
}

bool kbpf_scalar_is_const32(const struct kbpf_scalar *s)
{
	return !(uint32_t)s->var.mask;
}

/*
 * The smallest value @t holds above @z; t's largest value if @z is at or
 * above it, t's smallest if @z is below it (Linux's tnum_step(), in
 * behaviour). Every value of @t is t.value plus a submask of t.mask, so
 * this is "the next submask of the mask after z - t.value".
 */
static uint64_t tnum_next(struct kbpf_tnum t, uint64_t z)
{
	uint64_t top = t.value | t.mask, d, below, ones;

	if (z >= top)
		return top;
	if (z < t.value)
		return t.value;
	d = z - t.value;
	/* Below the highest known bit set in d, any submask is smaller. */
	below = d & ~t.mask;
	while (below & (below - 1))
		below &= below - 1;
	below = below ? (below << 1) - 1 : 0;
	/* Count up through the unknown bits only. */
	ones = d | below | ~t.mask;
	return t.value | ((ones + 1) & t.mask);
}

/* Bounds implied by the known bits of the low 32 bits. */
static void bounds32_from_tnum(struct kbpf_scalar *s)
{
	uint32_t v32 = (uint32_t)s->var.value, m32 = (uint32_t)s->var.mask;

	s->s32min = (int32_t)smax64(s->s32min,
				    (int32_t)(v32 | (m32 & 0x80000000u)));
	s->s32max = (int32_t)smin64(s->s32max,
				    (int32_t)(v32 | (m32 & 0x7fffffffu)));
	s->u32min = (uint32_t)umax64(s->u32min, v32);
	s->u32max = (uint32_t)umin64(s->u32max, v32 | m32);
}

/*
 * Bounds implied by the known bits of the 64-bit value; when the unsigned
 * range and the tnum have one value in common, the scalar is that value
 * (Linux 6.18.y's __update_reg64_bounds(); if they have none, this too
 * picks a value, which is sound for a state no value reaches).
 */
static void bounds64_from_tnum(struct kbpf_scalar *s)
{
	struct kbpf_tnum t = s->var;
	uint64_t top = t.value | t.mask, next;
	bool umin_in;

	s->smin = smax64(s->smin, (int64_t)(t.value | (t.mask & (1ull << 63))));
	s->smax =
		smin64(s->smax, (int64_t)(t.value | (t.mask & ~(1ull << 63))));
	s->umin = umax64(s->umin, t.value);
	s->umax = umin64(s->umax, top);
	next = tnum_next(t, s->umin);
	umin_in = (s->umin & ~t.mask) == t.value;
	if (umin_in && next > s->umax)
		kbpf_scalar_const(s, s->umin);
	else if (!umin_in && next == top)
		kbpf_scalar_const(s, top);
	else if (!umin_in && next <= s->umax && tnum_next(t, next) > s->umax)
		kbpf_scalar_const(s, next);
}

static void bounds_from_tnum(struct kbpf_scalar *s)
{
	bounds32_from_tnum(s);
	bounds64_from_tnum(s);
}

/* The 32-bit bounds from the 64-bit ones, and signed <-> unsigned. */
static void deduce32(struct kbpf_scalar *s)
{
	/* 64 -> 32: a range within one 4 GiB block says so of its low half. */
	if ((s->umin >> 32) == (s->umax >> 32)) {
		s->u32min = (uint32_t)umax64(s->u32min, (uint32_t)s->umin);
		s->u32max = (uint32_t)umin64(s->u32max, (uint32_t)s->umax);
		if ((int32_t)s->umin <= (int32_t)s->umax) {
			s->s32min =
				(int32_t)smax64(s->s32min, (int32_t)s->umin);
			s->s32max =
				(int32_t)smin64(s->s32max, (int32_t)s->umax);
		}
	}
	if ((s->smin >> 32) == (s->smax >> 32)) {
		if ((uint32_t)s->smin <= (uint32_t)s->smax) {
			s->u32min =
				(uint32_t)umax64(s->u32min, (uint32_t)s->smin);
			s->u32max =
				(uint32_t)umin64(s->u32max, (uint32_t)s->smax);
		}
		if ((int32_t)s->smin <= (int32_t)s->smax) {
			s->s32min =
				(int32_t)smax64(s->s32min, (int32_t)s->smin);
			s->s32max =
				(int32_t)smin64(s->s32max, (int32_t)s->smax);
		}
	}
	/*
	 * Two adjacent 4 GiB blocks whose low halves run from negative to
	 * non-negative: a valid s32 range across the block boundary.
	 */
	if ((uint32_t)(s->umin >> 32) + 1 == (uint32_t)(s->umax >> 32) &&
	    (int32_t)s->umin < 0 && (int32_t)s->umax >= 0) {
		s->s32min = (int32_t)smax64(s->s32min, (int32_t)s->umin);
		s->s32max = (int32_t)smin64(s->s32max, (int32_t)s->umax);
	}
	if ((uint32_t)((uint64_t)s->smin >> 32) + 1 ==
		    (uint32_t)((uint64_t)s->smax >> 32) &&
	    (int32_t)s->smin < 0 && (int32_t)s->smax >= 0) {
		s->s32min = (int32_t)smax64(s->s32min, (int32_t)s->smin);
		s->s32max = (int32_t)smin64(s->s32max, (int32_t)s->smax);
	}
	/* 32-bit signed <-> unsigned, when the range does not wrap. */
	if ((int32_t)s->u32min <= (int32_t)s->u32max) {
		s->s32min = (int32_t)smax64(s->s32min, (int32_t)s->u32min);
		s->s32max = (int32_t)smin64(s->s32max, (int32_t)s->u32max);
	}
	if ((uint32_t)s->s32min <= (uint32_t)s->s32max) {
		s->u32min = (uint32_t)umax64(s->u32min, (uint32_t)s->s32min);
		s->u32max = (uint32_t)umin64(s->u32max, (uint32_t)s->s32max);
	}
}

/*
 * 64-bit signed <-> unsigned, when the range stays in one half, or when a
 * signed range across the sign boundary meets the unsigned one at one end.
 */
static void deduce64(struct kbpf_scalar *s)
{
	if ((int64_t)s->umin <= (int64_t)s->umax) {
		s->smin = smax64(s->smin, (int64_t)s->umin);
		s->smax = smin64(s->smax, (int64_t)s->umax);
	}
	if ((uint64_t)s->smin <= (uint64_t)s->smax) {
		s->umin = umax64(s->umin, (uint64_t)s->smin);
		s->umax = umin64(s->umax, (uint64_t)s->smax);
	} else if (s->umax < (uint64_t)s->smin) {
		/*
		 * The s64 range crosses the sign boundary (Linux 6.17+): a
		 * u64 range that meets only its non-negative part [0, smax]
		 * is within it, and the signed bounds become the unsigned
		 * ones (smin is replaced, not intersected, as in Linux).
		 */
		s->smin = (int64_t)s->umin;
		s->umax = umin64(s->umax, (uint64_t)s->smax);
	} else if ((uint64_t)s->smax < s->umin) {
		/* ... or only its negative part [smin, -1] */
		s->smax = (int64_t)s->umax;
		s->umin = umax64(s->umin, (uint64_t)s->smin);
	}
}

/* The 64-bit bounds from the 32-bit ones. */
static void deduce_mixed(struct kbpf_scalar *s)
{
	/* the low half of each 64-bit bound within the 32-bit bounds */
	s->umin = umax64(s->umin, (s->umin & HI32) | s->u32min);
	s->umax = umin64(s->umax, (s->umax & HI32) | s->u32max);
	s->smin = smax64(s->smin,
			 (int64_t)(((uint64_t)s->smin & HI32) | s->u32min));
	s->smax = smin64(s->smax,
			 (int64_t)(((uint64_t)s->smax & HI32) | s->u32max));
	if ((uint32_t)s->s32min <= (uint32_t)s->s32max) {
		uint32_t lo = (uint32_t)s->s32min, hi = (uint32_t)s->s32max;

		s->umin = umax64(s->umin, (s->umin & HI32) | lo);
		s->umax = umin64(s->umax, (s->umax & HI32) | hi);
		s->smin = smax64(s->smin,
				 (int64_t)(((uint64_t)s->smin & HI32) | lo));
		s->smax = smin64(s->smax,
				 (int64_t)(((uint64_t)s->smax & HI32) | hi));
	}
	/*
	 * A 64-bit value within the s32 range whose low half is not
	 * negative is that low half: Linux then takes the 64-bit bounds from
	 * the 32-bit ones (replacing, not intersecting: a 64-bit bound
	 * tighter than the 32-bit one is lost, as in Linux, whose decisions
	 * kbpf must reproduce) and narrows the tnum to them.
	 */
	if (s->s32min >= 0 && s->smin >= S32_MINV && s->smax <= S32_MAXV) {
		s->smin = s->s32min;
		s->smax = s->s32max;
		s->umin = (uint64_t)s->s32min;
		s->umax = (uint64_t)s->s32max;
		s->var = kbpf_tnum_intersect(
			s->var,
			kbpf_tnum_range((uint64_t)s->smin, (uint64_t)s->smax));
	}
}

static void bounds_deduce(struct kbpf_scalar *s)
{
	deduce32(s);
	deduce64(s);
	deduce_mixed(s);
}

static bool bounds_valid(const struct kbpf_scalar *s)
{
	return s->umin <= s->umax && s->smin <= s->smax &&
	       s->u32min <= s->u32max && s->s32min <= s->s32max &&
	       s->var.value <= s->umax &&
	       (s->var.value | s->var.mask) >= s->umin &&
	       (uint32_t)s->var.value <= s->u32max &&
	       (uint32_t)(s->var.value | s->var.mask) >= s->u32min;
}

/*
 * Linux's reg_bounds_sync(), step for step: bounds from the tnum, two
 * rounds of deductions, the tnum from the bounds, bounds from the tnum.
 * The same steps matter, not only the same facts: Linux's order loses
 * precision in places (deduce_mixed), and a program kbpf proved with
 * tighter bounds would load on kbpf and be refused by Linux.
 */
bool kbpf_scalar_sync(struct kbpf_scalar *s)
{
	struct kbpf_tnum sub;

	bounds_from_tnum(s);
	bounds_deduce(s);
	bounds_deduce(s);
	s->var = kbpf_tnum_intersect(s->var, kbpf_tnum_range(s->umin, s->umax));
	sub = kbpf_tnum_intersect(kbpf_tnum_subreg(s->var),
				  kbpf_tnum_range(s->u32min, s->u32max));
	s->var = kbpf_tnum_with_subreg(s->var, sub);
	bounds_from_tnum(s);
	return bounds_valid(s);
}

void kbpf_scalar_zext32(struct kbpf_scalar *s)
{
	s->var = kbpf_tnum_subreg(s->var);
	s->umin = s->u32min;
	s->umax = s->u32max;
	s->smin = s->u32min;
	s->smax = s->u32max;
	kbpf_scalar_sync(s);
}

void kbpf_scalar_cast(struct kbpf_scalar *s, uint8_t size)
{
	uint64_t max;

	if (size >= 8)
		return;
	if (size == 4) {
		kbpf_scalar_zext32(s);
		return;
	}
	max = (1ull << (size * 8)) - 1;
	s->var = kbpf_tnum_cast(s->var, size);
	if (s->umax > max ||
	    (s->umin >> (size * 8)) != (s->umax >> (size * 8))) {
		s->umin = 0;
		s->umax = max;
	} else {
		s->umin &= max;
		s->umax &= max;
	}
	s->smin = (int64_t)s->umin;
	s->smax = (int64_t)s->umax;
	s->u32min = (uint32_t)s->umin;
	s->u32max = (uint32_t)s->umax;
	s->s32min = (int32_t)s->u32min;
	s->s32max = (int32_t)s->u32max;
	kbpf_scalar_sync(s);
}

void kbpf_scalar_sext(struct kbpf_scalar *s, uint8_t size)
{
	int bits = size * 8;
	int64_t lo = -(1ll << (bits - 1)), hi = (1ll << (bits - 1)) - 1;

	if (kbpf_scalar_is_const(s)) {
		uint64_t v = s->var.value;
		int64_t x = (int64_t)(v << (64 - bits)) >> (64 - bits);

		kbpf_scalar_const(s, (uint64_t)x);
		return;
	}
	kbpf_scalar_unknown(s);
	s->smin = lo;
	s->smax = hi;
	s->s32min = (int32_t)lo;
	s->s32max = (int32_t)hi;
	kbpf_scalar_sync(s);
}

/* ---- ALU transfer functions ---- */

static void add64(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int64_t a, b;

	if (__builtin_add_overflow(d->smin, s->smin, &a) ||
	    __builtin_add_overflow(d->smax, s->smax, &b)) {
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
	} else {
		d->smin = a;
		d->smax = b;
	}
	if (d->umin + s->umin < d->umin || d->umax + s->umax < d->umax) {
		d->umin = 0;
		d->umax = ~0ull;
	} else {
		d->umin += s->umin;
		d->umax += s->umax;
	}
}

static void add32(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int32_t a, b;

	if (__builtin_add_overflow(d->s32min, s->s32min, &a) ||
	    __builtin_add_overflow(d->s32max, s->s32max, &b)) {
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
	} else {
		d->s32min = a;
		d->s32max = b;
	}
	if ((uint32_t)(d->u32min + s->u32min) < d->u32min ||
	    (uint32_t)(d->u32max + s->u32max) < d->u32max) {
		d->u32min = 0;
		d->u32max = U32_MAXV;
	} else {
		d->u32min += s->u32min;
		d->u32max += s->u32max;
	}
}

static void sub64(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int64_t a, b;

	if (__builtin_sub_overflow(d->smin, s->smax, &a) ||
	    __builtin_sub_overflow(d->smax, s->smin, &b)) {
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
	} else {
		d->smin = a;
		d->smax = b;
	}
	if (d->umin < s->umax) {
		d->umin = 0;
		d->umax = ~0ull;
	} else {
		d->umin -= s->umax;
		d->umax -= s->umin;
	}
}

static void sub32(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int32_t a, b;

	if (__builtin_sub_overflow(d->s32min, s->s32max, &a) ||
	    __builtin_sub_overflow(d->s32max, s->s32min, &b)) {
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
	} else {
		d->s32min = a;
		d->s32max = b;
	}
	if (d->u32min < s->u32max) {
		d->u32min = 0;
		d->u32max = U32_MAXV;
	} else {
		d->u32min -= s->u32max;
		d->u32max -= s->u32min;
	}
}

static void mul64(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int64_t p[4], lo, hi;
	uint64_t ua, ub;
	int i;

	if (__builtin_mul_overflow(d->umax, s->umax, &ub) ||
	    __builtin_mul_overflow(d->umin, s->umin, &ua)) {
		d->umin = 0;
		d->umax = ~0ull;
	} else {
		d->umin = ua;
		d->umax = ub;
	}
	if (__builtin_mul_overflow(d->smin, s->smin, &p[0]) ||
	    __builtin_mul_overflow(d->smin, s->smax, &p[1]) ||
	    __builtin_mul_overflow(d->smax, s->smin, &p[2]) ||
	    __builtin_mul_overflow(d->smax, s->smax, &p[3])) {
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
		return;
	}
	lo = hi = p[0];
	for (i = 1; i < 4; i++) {
		lo = smin64(lo, p[i]);
		hi = smax64(hi, p[i]);
	}
	d->smin = lo;
	d->smax = hi;
}

static void mul32(struct kbpf_scalar *d, const struct kbpf_scalar *s)
{
	int32_t p[4], lo, hi;
	uint32_t ua, ub;
	int i;

	if (__builtin_mul_overflow(d->u32max, s->u32max, &ub) ||
	    __builtin_mul_overflow(d->u32min, s->u32min, &ua)) {
		d->u32min = 0;
		d->u32max = U32_MAXV;
	} else {
		d->u32min = ua;
		d->u32max = ub;
	}
	if (__builtin_mul_overflow(d->s32min, s->s32min, &p[0]) ||
	    __builtin_mul_overflow(d->s32min, s->s32max, &p[1]) ||
	    __builtin_mul_overflow(d->s32max, s->s32min, &p[2]) ||
	    __builtin_mul_overflow(d->s32max, s->s32max, &p[3])) {
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
		return;
	}
	lo = hi = p[0];
	for (i = 1; i < 4; i++) {
		lo = (int32_t)smin64(lo, p[i]);
		hi = (int32_t)smax64(hi, p[i]);
	}
	d->s32min = lo;
	d->s32max = hi;
}

/*
 * and/or/xor: the unsigned bounds follow from the result's known bits and
 * the operands' bounds; the signed ones from the unsigned ones when both
 * operands are non-negative, else the sync derives them.
 */
static void bitwise64(struct kbpf_scalar *d, const struct kbpf_scalar *s,
		      uint8_t op, struct kbpf_tnum t)
{
	bool nonneg = d->smin >= 0 && s->smin >= 0;

	if (op == BPF_AND) {
		d->umax = umin64(d->umax, s->umax);
		d->umin = t.value;
	} else if (op == BPF_OR) {
		d->umin = umax64(d->umin, s->umin);
		d->umax = t.value | t.mask;
	} else {
		d->umin = t.value;
		d->umax = t.value | t.mask;
	}
	if (nonneg && d->umax <= (uint64_t)S64_MAXV) {
		d->smin = (int64_t)d->umin;
		d->smax = (int64_t)d->umax;
	} else {
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
	}
}

static void bitwise32(struct kbpf_scalar *d, const struct kbpf_scalar *s,
		      uint8_t op, struct kbpf_tnum t)
{
	bool nonneg = d->s32min >= 0 && s->s32min >= 0;
	uint32_t v = (uint32_t)t.value, m = (uint32_t)t.mask;

	if (op == BPF_AND) {
		d->u32max = (uint32_t)umin64(d->u32max, s->u32max);
		d->u32min = v;
	} else if (op == BPF_OR) {
		d->u32min = (uint32_t)umax64(d->u32min, s->u32min);
		d->u32max = v | m;
	} else {
		d->u32min = v;
		d->u32max = v | m;
	}
	if (nonneg && d->u32max <= (uint32_t)S32_MAXV) {
		d->s32min = (int32_t)d->u32min;
		d->s32max = (int32_t)d->u32max;
	} else {
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
	}
}

static void shift64(struct kbpf_scalar *d, uint8_t op, uint8_t sh)
{
	bounds32_unknown(d);
	if (op == BPF_LSH) {
		if (sh && d->umax > (1ull << (63 - sh))) {
			d->umin = 0;
			d->umax = ~0ull;
		} else {
			d->umin <<= sh;
			d->umax <<= sh;
		}
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
		d->var = kbpf_tnum_lshift(d->var, sh);
	} else if (op == BPF_RSH) {
		d->umin >>= sh;
		d->umax >>= sh;
		d->smin = S64_MINV;
		d->smax = S64_MAXV;
		d->var = kbpf_tnum_rshift(d->var, sh);
	} else {
		d->smin >>= sh;
		d->smax >>= sh;
		d->umin = 0;
		d->umax = ~0ull;
		d->var = kbpf_tnum_arshift(d->var, sh, 64);
	}
}

static void shift32(struct kbpf_scalar *d, uint8_t op, uint8_t sh)
{
	struct kbpf_tnum sub = kbpf_tnum_subreg(d->var);

	if (op == BPF_LSH) {
		if (sh && d->u32max > (1u << (31 - sh))) {
			d->u32min = 0;
			d->u32max = U32_MAXV;
		} else {
			d->u32min <<= sh;
			d->u32max <<= sh;
		}
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
		sub = kbpf_tnum_subreg(kbpf_tnum_lshift(sub, sh));
	} else if (op == BPF_RSH) {
		d->u32min >>= sh;
		d->u32max >>= sh;
		d->s32min = S32_MINV;
		d->s32max = S32_MAXV;
		sub = kbpf_tnum_rshift(sub, sh);
	} else {
		d->s32min >>= sh;
		d->s32max >>= sh;
		d->u32min = 0;
		d->u32max = U32_MAXV;
		sub = kbpf_tnum_arshift(sub, sh, 32);
	}
	d->var = kbpf_tnum_with_subreg(d->var, sub);
}

static struct kbpf_tnum tnum_op(struct kbpf_tnum a, struct kbpf_tnum b,
				uint8_t op)
{
	switch (op) {
	case BPF_ADD:
		return kbpf_tnum_add(a, b);
	case BPF_SUB:
		return kbpf_tnum_sub(a, b);
	case BPF_MUL:
		return kbpf_tnum_mul(a, b);
	case BPF_AND:
		return kbpf_tnum_and(a, b);
	case BPF_OR:
		return kbpf_tnum_or(a, b);
	default:
		return kbpf_tnum_xor(a, b);
	}
}

void kbpf_scalar_alu(struct kbpf_scalar *dst, const struct kbpf_scalar *src,
		     uint8_t op, bool alu32)
{
	struct kbpf_scalar zero, tmp;

	switch (op) {
	case BPF_MOV:
		*dst = *src;
		if (alu32)
			kbpf_scalar_zext32(dst);
		return;
	case BPF_NEG:
		/* -x is 0 - x, in either width. */
		tmp = *dst;
		kbpf_scalar_const(&zero, 0);
		*dst = zero;
		kbpf_scalar_alu(dst, &tmp, BPF_SUB, alu32);
		return;
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR: {
		struct kbpf_tnum t64 = tnum_op(dst->var, src->var, op);
		struct kbpf_tnum t32 = kbpf_tnum_subreg(
			tnum_op(kbpf_tnum_subreg(dst->var),
				kbpf_tnum_subreg(src->var), op));

		if (op == BPF_ADD)
			add32(dst, src);
		else if (op == BPF_SUB)
			sub32(dst, src);
		else if (op == BPF_MUL)
			mul32(dst, src);
		else
			bitwise32(dst, src, op, t32);
		if (alu32) {
			dst->var = t32;
			kbpf_scalar_zext32(dst);
			return;
		}
		if (op == BPF_ADD)
			add64(dst, src);
		else if (op == BPF_SUB)
			sub64(dst, src);
		else if (op == BPF_MUL)
			mul64(dst, src);
		else
			bitwise64(dst, src, op, t64);
		dst->var = kbpf_tnum_with_subreg(t64, t32);
		kbpf_scalar_sync(dst);
		return;
	}
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
		/* Tracked only for a constant amount below the width. */
		if (!kbpf_scalar_is_const(src) ||
		    src->var.value >= (alu32 ? 32u : 64u)) {
			kbpf_scalar_unknown(dst);
			if (alu32)
				kbpf_scalar_zext32(dst);
			return;
		}
		if (alu32) {
			shift32(dst, op, (uint8_t)src->var.value);
			kbpf_scalar_zext32(dst);
		} else {
			shift64(dst, op, (uint8_t)src->var.value);
			kbpf_scalar_sync(dst);
		}
		return;
	default:
		/* div, mod, bswap: not tracked. */
		kbpf_scalar_unknown(dst);
		if (alu32)
			kbpf_scalar_zext32(dst);
		return;
	}
}

/* ---- conditional jumps ---- */

/* A view of one width: the four bounds and the tnum, as 64-bit numbers. */
struct view {
	uint64_t umin, umax;
	int64_t smin, smax;
	struct kbpf_tnum var;
};

static struct view view_of(const struct kbpf_scalar *s, bool w32)
{
	if (!w32)
		return (struct view){ s->umin, s->umax, s->smin, s->smax,
				      s->var };
	return (struct view){ s->u32min, s->u32max, s->s32min, s->s32max,
			      kbpf_tnum_subreg(s->var) };
}

static void view_store(struct kbpf_scalar *s, const struct view *v, bool w32)
{
	if (!w32) {
		s->umin = v->umin;
		s->umax = v->umax;
		s->smin = v->smin;
		s->smax = v->smax;
		s->var = v->var;
		return;
	}
	s->u32min = (uint32_t)v->umin;
	s->u32max = (uint32_t)v->umax;
	s->s32min = (int32_t)v->smin;
	s->s32max = (int32_t)v->smax;
	s->var = kbpf_tnum_with_subreg(s->var, v->var);
}

static uint8_t op_swap(uint8_t op)
{
	switch (op) {
	case BPF_JGT:
		return BPF_JLT;
	case BPF_JGE:
		return BPF_JLE;
	case BPF_JLT:
		return BPF_JGT;
	case BPF_JLE:
		return BPF_JGE;
	case BPF_JSGT:
		return BPF_JSLT;
	case BPF_JSGE:
		return BPF_JSLE;
	case BPF_JSLT:
		return BPF_JSGT;
	case BPF_JSLE:
		return BPF_JSGE;
	default:
		return op;
	}
}

static uint8_t op_negate(uint8_t op)
{
	switch (op) {
	case BPF_JEQ:
		return BPF_JNE;
	case BPF_JNE:
		return BPF_JEQ;
	case BPF_JGT:
		return BPF_JLE;
	case BPF_JGE:
		return BPF_JLT;
	case BPF_JLT:
		return BPF_JGE;
	case BPF_JLE:
		return BPF_JGT;
	case BPF_JSGT:
		return BPF_JSLE;
	case BPF_JSGE:
		return BPF_JSLT;
	case BPF_JSLT:
		return BPF_JSGE;
	case BPF_JSLE:
		return BPF_JSGT;
	default:
		return op;
	}
}

static int taken_view(const struct view *a, const struct view *b, uint8_t op)
{
	switch (op) {
	case BPF_JEQ:
	case BPF_JNE: {
		int eq = -1;

		if (kbpf_tnum_is_const(a->var) && kbpf_tnum_is_const(b->var))
			eq = a->var.value == b->var.value;
		else if (a->umin > b->umax || a->umax < b->umin ||
			 a->smin > b->smax || a->smax < b->smin ||
			 ((a->var.value ^ b->var.value) &
			  ~(a->var.mask | b->var.mask)))
			eq = 0;
		if (eq < 0)
			return -1;
		return op == BPF_JEQ ? eq : !eq;
	}
	case BPF_JSET:
		if (a->var.value & b->var.value)
			return 1;
		if (!((a->var.value | a->var.mask) &
		      (b->var.value | b->var.mask)))
			return 0;
		return -1;
	case BPF_JGT:
		return a->umin > b->umax ? 1 : a->umax <= b->umin ? 0 : -1;
	case BPF_JGE:
		return a->umin >= b->umax ? 1 : a->umax < b->umin ? 0 : -1;
	case BPF_JSGT:
		return a->smin > b->smax ? 1 : a->smax <= b->smin ? 0 : -1;
	case BPF_JSGE:
		return a->smin >= b->smax ? 1 : a->smax < b->smin ? 0 : -1;
	case BPF_JLT:
	case BPF_JLE:
	case BPF_JSLT:
	case BPF_JSLE:
		return taken_view(b, a, op_swap(op));
	default:
		return -1;
	}
}

int kbpf_scalar_branch_taken(const struct kbpf_scalar *a,
			     const struct kbpf_scalar *b, uint8_t op,
			     bool jmp32)
{
	struct view va = view_of(a, jmp32), vb = view_of(b, jmp32);

	return taken_view(&va, &vb, op);
}

/* Signed comparison in the view's width. */
static int64_t smax_w(bool w32)
{
	return w32 ? S32_MAXV : S64_MAXV;
}

static int64_t smin_w(bool w32)
{
	return w32 ? S32_MINV : S64_MINV;
}

static uint64_t umax_w(bool w32)
{
	return w32 ? U32_MAXV : ~0ull;
}

/* Refine @a, @b for "a op b" being true. False: the outcome is impossible. */
static bool refine_view(struct view *a, struct view *b, uint8_t op, bool w32)
{
	switch (op) {
	case BPF_JEQ:
		a->umin = b->umin = umax64(a->umin, b->umin);
		a->umax = b->umax = umin64(a->umax, b->umax);
		a->smin = b->smin = smax64(a->smin, b->smin);
		a->smax = b->smax = smin64(a->smax, b->smax);
		if ((a->var.value ^ b->var.value) &
		    ~(a->var.mask | b->var.mask))
			return false;
		a->var = b->var = kbpf_tnum_intersect(a->var, b->var);
		return true;
	case BPF_JNE: {
		struct view *c = NULL, *o = NULL;

		if (kbpf_tnum_is_const(b->var)) {
			c = b;
			o = a;
		} else if (kbpf_tnum_is_const(a->var)) {
			c = a;
			o = b;
		}
		if (!c)
			return true;
		if (kbpf_tnum_is_const(o->var) && o->var.value == c->var.value)
			return false;
		if (o->umin == c->var.value)
			o->umin++;
		else if (o->umax == c->var.value)
			o->umax--;
		if (w32) {
			int32_t v = (int32_t)c->var.value;

			if (o->smin == v)
				o->smin++;
			else if (o->smax == v)
				o->smax--;
		} else {
			int64_t v = (int64_t)c->var.value;

			if (o->smin == v)
				o->smin++;
			else if (o->smax == v)
				o->smax--;
		}
		return true;
	}
	case BPF_JSET:
		/* Taken: some common bit is set; a single known bit must be. */
		if (kbpf_tnum_is_const(b->var) && b->var.value &&
		    !(b->var.value & (b->var.value - 1)))
			a->var = kbpf_tnum_or(a->var, b->var);
		return true;
	case BPF_JGT:
		if (b->umin == umax_w(w32) || !a->umax)
			return false;
		a->umin = umax64(a->umin, b->umin + 1);
		b->umax = umin64(b->umax, a->umax - 1);
		return true;
	case BPF_JGE:
		a->umin = umax64(a->umin, b->umin);
		b->umax = umin64(b->umax, a->umax);
		return true;
	case BPF_JSGT:
		if (b->smin == smax_w(w32) || a->smax == smin_w(w32))
			return false;
		a->smin = smax64(a->smin, b->smin + 1);
		b->smax = smin64(b->smax, a->smax - 1);
		return true;
	case BPF_JSGE:
		a->smin = smax64(a->smin, b->smin);
		b->smax = smin64(b->smax, a->smax);
		return true;
	default:
		return refine_view(b, a, op_swap(op), w32);
	}
}

bool kbpf_scalar_refine(struct kbpf_scalar *a, struct kbpf_scalar *b,
			uint8_t op, bool jmp32, bool taken)
{
	struct view va = view_of(a, jmp32), vb = view_of(b, jmp32);

	if (!taken) {
		if (op == BPF_JSET) {
			/*
			 * Not taken: no bit of a constant @b is set in @a.
			 * Linux 6.17+ (regs_refine_cond_op()) first forgets
			 * every range of the register it narrows, 64 and 32
			 * bits, so that a dead branch breaks no invariant: its
			 * bounds then come from the narrowed tnum alone.
			 */
			if (kbpf_tnum_is_const(vb.var)) {
				bounds64_unknown(a);
				bounds32_unknown(a);
				va = view_of(a, jmp32);
				va.var = kbpf_tnum_and(
					va.var, kbpf_tnum_const(~vb.var.value));
			} else if (kbpf_tnum_is_const(va.var)) {
				bounds64_unknown(b);
				bounds32_unknown(b);
				vb = view_of(b, jmp32);
				vb.var = kbpf_tnum_and(
					vb.var, kbpf_tnum_const(~va.var.value));
			}
			goto store;
		}
		op = op_negate(op);
	}
	if (!refine_view(&va, &vb, op, jmp32))
		return false;
store:
	if (va.umin > va.umax || va.smin > va.smax || vb.umin > vb.umax ||
	    vb.smin > vb.smax)
		return false;
	view_store(a, &va, jmp32);
	view_store(b, &vb, jmp32);
	return kbpf_scalar_sync(a) && kbpf_scalar_sync(b);
}

bool kbpf_scalar_contains(const struct kbpf_scalar *o,
			  const struct kbpf_scalar *c)
{
	return o->smin <= c->smin && c->smax <= o->smax && o->umin <= c->umin &&
	       c->umax <= o->umax && o->s32min <= c->s32min &&
	       c->s32max <= o->s32max && o->u32min <= c->u32min &&
	       c->u32max <= o->u32max && kbpf_tnum_in(o->var, c->var);
}
