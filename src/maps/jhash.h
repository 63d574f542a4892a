/* SPDX-License-Identifier: MIT */
/*
 * Linux's jhash (Bob Jenkins' lookup3 hash, public domain): the hash of the
 * hash maps' buckets and of the bloom filter's bits, the same function and
 * initial value as the kernel's, so that with a zero seed kbpf's tables are
 * laid out as the kernel's. Not public.
 */
#ifndef KBPF_MAPS_JHASH_H
#define KBPF_MAPS_JHASH_H

#include "core/compiler.h"

#define JHASH_INITVAL 0xdeadbeefu

static inline uint32_t rol32(uint32_t w, unsigned int s)
{
	return (w << s) | (w >> (32 - s));
}

#define JHASH_MIX(a, b, c)         \
	do {                       \
		a -= c;            \
		a ^= rol32(c, 4);  \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 6);  \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 8);  \
		b += a;            \
		a -= c;            \
		a ^= rol32(c, 16); \
		c += b;            \
		b -= a;            \
		b ^= rol32(a, 19); \
		a += c;            \
		c -= b;            \
		c ^= rol32(b, 4);  \
		b += a;            \
	} while (0)

#define JHASH_FINAL(a, b, c)       \
	do {                       \
		c ^= b;            \
		c -= rol32(b, 14); \
		a ^= c;            \
		a -= rol32(c, 11); \
		b ^= a;            \
		b -= rol32(a, 25); \
		c ^= b;            \
		c -= rol32(b, 16); \
		a ^= c;            \
		a -= rol32(c, 4);  \
		b ^= a;            \
		b -= rol32(a, 14); \
		c ^= b;            \
		c -= rol32(b, 24); \
	} while (0)

static inline uint32_t get_u32(const uint8_t *p)
{
	uint32_t v;

	kbpf_memcpy(&v, p, 4);
	return v;
}

/* jhash2(): @n 32-bit words. */
static inline uint32_t jhash_words(const uint8_t *k, uint32_t n,
				   uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + (n << 2) + initval;
	while (n > 3) {
		a += get_u32(k);
		b += get_u32(k + 4);
		c += get_u32(k + 8);
		JHASH_MIX(a, b, c);
		n -= 3;
		k += 12;
	}
	switch (n) {
	case 3:
		c += get_u32(k + 8);
		/* fall through */
	case 2:
		b += get_u32(k + 4);
		/* fall through */
	case 1:
		a += get_u32(k);
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

/* jhash(): @len bytes. */
static inline uint32_t jhash_bytes(const uint8_t *k, uint32_t len,
				   uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + len + initval;
	while (len > 12) {
		a += get_u32(k);
		b += get_u32(k + 4);
		c += get_u32(k + 8);
		JHASH_MIX(a, b, c);
		len -= 12;
		k += 12;
	}
	switch (len) {
	case 12:
		c += (uint32_t)k[11] << 24;
		/* fall through */
	case 11:
		c += (uint32_t)k[10] << 16;
		/* fall through */
	case 10:
		c += (uint32_t)k[9] << 8;
		/* fall through */
	case 9:
		c += k[8];
		/* fall through */
	case 8:
		b += (uint32_t)k[7] << 24;
		/* fall through */
	case 7:
		b += (uint32_t)k[6] << 16;
		/* fall through */
	case 6:
		b += (uint32_t)k[5] << 8;
		/* fall through */
	case 5:
		b += k[4];
		/* fall through */
	case 4:
		a += (uint32_t)k[3] << 24;
		/* fall through */
	case 3:
		a += (uint32_t)k[2] << 16;
		/* fall through */
	case 2:
		a += (uint32_t)k[1] << 8;
		/* fall through */
	case 1:
		a += k[0];
		JHASH_FINAL(a, b, c);
		break;
	default:
		break;
	}
	return c;
}

/* jhash2() of one word, the common 4-byte key, without the loop. */
static KBPF_ALWAYS_INLINE uint32_t jhash_1word(uint32_t k0, uint32_t initval)
{
	uint32_t a, b, c;

	a = b = c = JHASH_INITVAL + 4 + initval;
	a += k0;
	JHASH_FINAL(a, b, c);
	return c;
}

/* Linux's choice: jhash2() when the length is a multiple of 4. */
static inline uint32_t kbpf_jhash(const void *data, uint32_t len,
				  uint32_t initval)
{
	if (len % 4 == 0)
		return jhash_words(data, len / 4, initval);
	return jhash_bytes(data, len, initval);
}

#endif /* KBPF_MAPS_JHASH_H */
