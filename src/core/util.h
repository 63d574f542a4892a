/* SPDX-License-Identifier: MIT */
/*
 * Small freestanding utilities for every module (util.c): formatting, an
 * in-place sort, byte-order readers, object names and instruction sizes.
 * Nothing here allocates, sleeps or
 * takes a lock; every function may run in any context, and is as safe as
 * its caller's buffers. (The helper names, kbpf_helper_name(), are defined
 * in util.c too but declared in the public include/kbpf/disasm.h.)
 */
#ifndef KBPF_CORE_UTIL_H
#define KBPF_CORE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbpf/uapi/bpf.h"

/**
 * kbpf_vsnprintf() - format into @buf like vsnprintf(), for a subset of
 * printf: %d %u %x %c %s %%, with the l and ll length modifiers and a
 * zero-padded or space-padded decimal width (%02x, %5u); a NULL %s prints
 * nothing.
 * @buf: the output; may be NULL if @size is 0.
 * @size: bytes of @buf; if not 0 the output is always NUL-terminated,
 *        truncated to @size - 1 characters.
 * @fmt: the format; an unknown conversion is copied as is, with its '%'.
 * @ap: the arguments.
 *
 * Return: the length the whole output needs (without the NUL), as
 * vsnprintf(); the output was truncated if that is >= @size.
 */
int kbpf_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/**
 * kbpf_sort() - sort @n elements of @sz bytes at @base in place, by @cmp
 * (negative, 0, positive as for qsort()).
 *
 * Heapsort: not stable; no recursion, no allocation, O(n log n) comparisons
 * on any input (callers sort untrusted object files).
 */
void kbpf_sort(void *base, size_t n, size_t sz,
	       int (*cmp)(const void *, const void *));

/*
 * Unaligned readers of 16, 32 and 64-bit values stored big-endian if @be,
 * else little-endian, whatever the CPU's byte order.
 */
static inline uint16_t kbpf_rd16(const void *p, bool be)
{
	const uint8_t *b = p;

	return be ? (uint16_t)(b[0] << 8 | b[1]) : (uint16_t)(b[1] << 8 | b[0]);
}

static inline uint32_t kbpf_rd32(const void *p, bool be)
{
	const uint8_t *b = p;

	if (be)
		return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		       (uint32_t)b[2] << 8 | b[3];
	return (uint32_t)b[3] << 24 | (uint32_t)b[2] << 16 |
	       (uint32_t)b[1] << 8 | b[0];
}

static inline uint64_t kbpf_rd64(const void *p, bool be)
{
	const uint8_t *b = p;
	uint64_t lo = kbpf_rd32(be ? b + 4 : b, be);
	uint64_t hi = kbpf_rd32(be ? b : b + 4, be);

	return hi << 32 | lo;
}

/**
 * kbpf_obj_name_copy() - Linux's rule for map and program names
 * (bpf_obj_name_cpy): [A-Za-z0-9_.] up to a NUL within BPF_OBJ_NAME_LEN
 * bytes of @src. Copies those bytes to @dst (BPF_OBJ_NAME_LEN bytes; NULL
 * to check only).
 * Return: 0; -EINVAL for another character or no NUL within the limit
 * (@dst then holds the bytes up to the bad one).
 */
int kbpf_obj_name_copy(char *dst, const char *src);

/* Bytes a load, store or atomic of size class BPF_SIZE(@code) moves. */
static inline unsigned int kbpf_insn_size_bytes(uint8_t code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B:
		return 1;
	case BPF_H:
		return 2;
	case BPF_W:
		return 4;
	default:
		return 8;
	}
}

#endif /* KBPF_CORE_UTIL_H */
