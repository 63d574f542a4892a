/* SPDX-License-Identifier: MIT */
/*
 * The verifier's abstract domain for scalars: a tnum (which bits are known
 * and their values) together with signed and unsigned bounds of the whole
 * 64-bit register and of its low 32-bit subregister, as Linux's verifier
 * tracks them (kernel/bpf/tnum.c and the scalar part of verifier.c, in
 * behaviour; written from their documented semantics).
 *
 * Every function here is pure: it reads and writes only its arguments, so
 * the domain is unit-tested in isolation (tests/unit/verifier/). No locks;
 * any context.
 */
#ifndef KBPF_VERIFIER_DOMAIN_H
#define KBPF_VERIFIER_DOMAIN_H

#include <stdbool.h>
#include <stdint.h>

/*
 * A tracked number: bit i is known to be value's bit i if mask's bit i is
 * clear, and unknown if it is set. value & mask is always 0.
 */
struct kbpf_tnum {
	uint64_t value;
	uint64_t mask;
};

/* tnum constructors and predicates. */
struct kbpf_tnum kbpf_tnum_const(uint64_t v);
struct kbpf_tnum kbpf_tnum_unknown(void);
/* The smallest tnum holding every value of [@min, @max] (unsigned). */
struct kbpf_tnum kbpf_tnum_range(uint64_t min, uint64_t max);
bool kbpf_tnum_is_const(struct kbpf_tnum a);
/* Is every value @b can hold also one @a can hold? */
bool kbpf_tnum_in(struct kbpf_tnum a, struct kbpf_tnum b);

/* Abstract operations: each result holds every concrete result. */
struct kbpf_tnum kbpf_tnum_add(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_sub(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_mul(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_and(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_or(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_xor(struct kbpf_tnum a, struct kbpf_tnum b);
struct kbpf_tnum kbpf_tnum_lshift(struct kbpf_tnum a, uint8_t shift);
struct kbpf_tnum kbpf_tnum_rshift(struct kbpf_tnum a, uint8_t shift);
/* Arithmetic shift right of the low @bits (32 or 64) bits. */
struct kbpf_tnum kbpf_tnum_arshift(struct kbpf_tnum a, uint8_t shift,
				   uint8_t bits);
/* Values both @a and @b can hold (meet). */
struct kbpf_tnum kbpf_tnum_intersect(struct kbpf_tnum a, struct kbpf_tnum b);
/* Truncate to the low @size bytes (upper bits known zero). */
struct kbpf_tnum kbpf_tnum_cast(struct kbpf_tnum a, uint8_t size);
/* The low 32 bits, and @a with its low 32 bits replaced by @sub's. */
struct kbpf_tnum kbpf_tnum_subreg(struct kbpf_tnum a);
struct kbpf_tnum kbpf_tnum_with_subreg(struct kbpf_tnum a,
				       struct kbpf_tnum sub);
/* Print as Linux does, "(0x..; 0x..)"; @buf of at least 48 bytes. */
void kbpf_tnum_str(struct kbpf_tnum a, char *buf, unsigned long size);

/**
 * struct kbpf_scalar - what the verifier knows of a 64-bit value: @var
 * (known bits), signed and unsigned 64-bit bounds, and signed and unsigned
 * bounds of the low 32 bits. Kept consistent by kbpf_scalar_sync().
 */
struct kbpf_scalar {
	struct kbpf_tnum var;
	int64_t smin, smax;
	uint64_t umin, umax;
	int32_t s32min, s32max;
	uint32_t u32min, u32max;
};

/* A scalar that may be anything; one that is exactly @v. */
void kbpf_scalar_unknown(struct kbpf_scalar *s);
void kbpf_scalar_const(struct kbpf_scalar *s, uint64_t v);
bool kbpf_scalar_is_const(const struct kbpf_scalar *s);
/* The low 32 bits known? */
bool kbpf_scalar_is_const32(const struct kbpf_scalar *s);

/*
 * Tighten every bound from the others and from @var (Linux's
 * reg_bounds_sync()). Return false if the bounds contradict each other:
 * no concrete value fits (a branch that cannot be taken).
 */
bool kbpf_scalar_sync(struct kbpf_scalar *s);

/*
 * Keep only the low 32 bits (zero-extension after a 32-bit operation or
 * a mov32): the 64-bit bounds become the 32-bit ones.
 */
void kbpf_scalar_zext32(struct kbpf_scalar *s);
/* Truncate to the low @size (1, 2, 4 or 8) bytes, zero-extended. */
void kbpf_scalar_cast(struct kbpf_scalar *s, uint8_t size);
/* Sign-extend the low @size (1, 2 or 4) bytes to 64 bits (movsx/ldsx). */
void kbpf_scalar_sext(struct kbpf_scalar *s, uint8_t size);

/*
 * @dst = @dst op @src for a BPF_ALU/BPF_ALU64 opcode (BPF_ADD ... BPF_ARSH,
 * BPF_NEG ignores @src) on 64 bits or, with @alu32, on the low 32 bits
 * zero-extended. Operations Linux does not track (div, mod, shifts by a
 * non-constant or too large amount, bswap) give an unknown result.
 */
void kbpf_scalar_alu(struct kbpf_scalar *dst, const struct kbpf_scalar *src,
		     uint8_t op, bool alu32);

/*
 * Is the conditional jump @op (BPF_JEQ ... BPF_JSLE) of @a against @b on
 * 64 bits (or the low 32 with @jmp32) always taken (1), never (0), or
 * unknown (-1)?
 */
int kbpf_scalar_branch_taken(const struct kbpf_scalar *a,
			     const struct kbpf_scalar *b, uint8_t op,
			     bool jmp32);

/*
 * Refine @a and @b assuming the jump @op of @a against @b is taken (@taken)
 * or falls through. Return false if that outcome is impossible.
 */
bool kbpf_scalar_refine(struct kbpf_scalar *a, struct kbpf_scalar *b,
			uint8_t op, bool jmp32, bool taken);

/* Does @old hold every value @cur may hold (all bounds and the tnum)? */
bool kbpf_scalar_contains(const struct kbpf_scalar *old,
			  const struct kbpf_scalar *cur);

#endif /* KBPF_VERIFIER_DOMAIN_H */
