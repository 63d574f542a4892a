// SPDX-License-Identifier: MIT
/*
 * The four functions kbpf's core (and the compiler) needs from a C
 * library, simple rather than fast (a real kernel has faster ones), and
 * two string functions for the user program. Built with
 * -fno-builtin and -fno-tree-loop-distribute-patterns so that the compiler
 * does not turn these loops back into calls to themselves.
 */
#include "fmt.h"

/* A word that may alias anything: the word loops below copy any type. */
typedef uint64_t __attribute__((may_alias)) word_t;

void *memcpy(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	/* Word copies when both are aligned: maps and programs copy a lot. */
	if ((((uintptr_t)d | (uintptr_t)s) & 7) == 0) {
		for (; n >= 8; n -= 8, d += 8, s += 8)
			*(word_t *)d = *(const word_t *)s;
	}
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	uint8_t *d = dst;
	const uint8_t *s = src;

	if (d <= s || d >= s + n)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

void *memset(void *dst, int c, size_t n)
{
	uint8_t *d = dst;

	/* Word stores when aligned: pages are zeroed this way. */
	if (((uintptr_t)d & 7) == 0) {
		uint64_t w = (uint8_t)c * 0x0101010101010101ull;

		for (; n >= 8; n -= 8, d += 8)
			*(word_t *)d = w;
	}
	while (n--)
		*d++ = (uint8_t)c;
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const uint8_t *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x < *y ? -1 : 1;
	return 0;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (uint8_t)*a - (uint8_t)*b;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}
