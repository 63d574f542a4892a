/* SPDX-License-Identifier: MIT */
/* Formatting and string functions shared by the kernel and user code. */
#ifndef PORT_FMT_H
#define PORT_FMT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Format into @buf (always terminated if @size); return the full length. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int strcmp(const char *a, const char *b);
size_t strnlen(const char *s, size_t max);

#endif /* PORT_FMT_H */
