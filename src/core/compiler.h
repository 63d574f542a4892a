/* SPDX-License-Identifier: MIT */
/*
 * Small freestanding utilities shared by the whole core: container_of,
 * rounding, min/max, overflow-checked arithmetic, likely/unlikely and the
 * KBPF_WARN_ON_ONCE report.
 */
#ifndef KBPF_CORE_COMPILER_H
#define KBPF_CORE_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "kbpf/config.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"

/* The only library functions the core may call; kernels provide them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

#define kbpf_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/*
 * The core is built -ffreestanding, so plain memcpy() calls are never
 * inlined. Hot paths use these, which the compiler expands inline for small
 * constant sizes and turns into the mem* calls otherwise.
 */
#define kbpf_memcpy(d, s, n) __builtin_memcpy((d), (s), (n))
#define kbpf_memset(d, c, n) __builtin_memset((d), (c), (n))
#define kbpf_memcmp(a, b, n) __builtin_memcmp((a), (b), (n))

#define KBPF_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define kbpf_round_up(x, a) ((((x) + (a)-1) / (a)) * (a))
#define kbpf_min(a, b) ((a) < (b) ? (a) : (b))
#define kbpf_max(a, b) ((a) > (b) ? (a) : (b))

#if defined(__GNUC__) || defined(__clang__)
#define kbpf_likely(x) __builtin_expect(!!(x), 1)
#define kbpf_unlikely(x) __builtin_expect(!!(x), 0)
#define KBPF_ALIGNED(n) __attribute__((aligned(n)))
#define KBPF_UNUSED __attribute__((unused))
#define KBPF_NOINLINE __attribute__((noinline))
#define KBPF_ALWAYS_INLINE inline __attribute__((always_inline))
#define kbpf_mul_overflow(a, b, res) __builtin_mul_overflow(a, b, res)
#define kbpf_add_overflow(a, b, res) __builtin_add_overflow(a, b, res)
#else
#error "kbpf needs GNU C extensions (gcc or clang)"
#endif

/*
 * Byte swaps written as shifts: compilers turn them into one instruction
 * where there is one, and never into a libgcc call (__bswapsi2 on riscv64
 * without Zbb), which a kernel would not have.
 */
static inline uint16_t kbpf_bswap16(uint16_t x)
{
	return (uint16_t)(x << 8 | x >> 8);
}

static inline uint32_t kbpf_bswap32(uint32_t x)
{
	return x << 24 | (x & 0xff00) << 8 | (x >> 8 & 0xff00) | x >> 24;
}

static inline uint64_t kbpf_bswap64(uint64_t x)
{
	return (uint64_t)kbpf_bswap32((uint32_t)x) << 32 |
	       kbpf_bswap32((uint32_t)(x >> 32));
}

static inline bool kbpf_is_pow2(uint64_t x)
{
	return x && !(x & (x - 1));
}

/*
 * Smallest power of two >= @x (x <= 2^63); 1 for 0. Bit smearing, not
 * __builtin_clzll: that is a libgcc call (__clzdi2) on riscv64 without Zbb.
 */
static inline uint64_t kbpf_roundup_pow2(uint64_t x)
{
	if (x <= 1)
		return 1;
	x--;
	x |= x >> 1;
	x |= x >> 2;
	x |= x >> 4;
	x |= x >> 8;
	x |= x >> 16;
	x |= x >> 32;
	return x + 1;
}

static inline bool kbpf_is_err_value(long v)
{
	return v < 0 && v >= -KBPF_MAX_ERRNO;
}

void kbpf_warn(const struct kbpf_host *h, const char *file, int line,
	       const char *what);

/*
 * Report a condition that should never happen through kbpf_host.warn, once
 * per call site, and evaluate to it so the caller can bail out.
 */
#define KBPF_WARN_ON_ONCE(h, cond)                                 \
	({                                                         \
		static _Atomic int kbpf_warned_;                   \
		bool kbpf_c_ = !!(cond);                           \
		if (kbpf_unlikely(kbpf_c_) && !kbpf_warned_++)     \
			kbpf_warn((h), __FILE__, __LINE__, #cond); \
		kbpf_c_;                                           \
	})

#endif /* KBPF_CORE_COMPILER_H */
