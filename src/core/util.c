// SPDX-License-Identifier: MIT
/*
 * Small freestanding utilities any module may use (core/util.h): the printf
 * subset behind the verifier log and the loader's messages, an in-place
 * sort, and the names of the helper functions.
 */
#include <stdarg.h>

#include "compiler.h"
#include "kbpf/disasm.h"
#include "kbpf/uapi/bpf.h"
#include "util.h"

/* ---- helper names ---- */

#define KBPF__HELPER_NAME(name, id, unused) [id] = "bpf_" #name,
static const char *const helper_names[] = { KBPF_HELPER_LIST_CTX(
	KBPF__HELPER_NAME, 0) };
#undef KBPF__HELPER_NAME

const char *kbpf_helper_name(int32_t id)
{
	if (id < 0 || id >= (int32_t)KBPF_ARRAY_SIZE(helper_names))
		return NULL;
	return helper_names[id];
}

/* ---- formatting ---- */

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;
};

static void fmt_putc(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void fmt_num(struct fmt_out *o, uint64_t v, bool neg, unsigned int base,
		    int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		unsigned int d = (unsigned int)(v % base);

		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		fmt_putc(o, pad);
	while (n)
		fmt_putc(o, tmp[--n]);
}

int kbpf_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			fmt_putc(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd': {
			int64_t v = lng ? va_arg(ap, long long) :
					  va_arg(ap, int);

			fmt_num(&o,
				v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v,
				v < 0, 10, width, pad);
			break;
		}
		case 'u':
			fmt_num(&o,
				lng ? va_arg(ap, unsigned long long) :
				      va_arg(ap, unsigned int),
				false, 10, width, pad);
			break;
		case 'x':
			fmt_num(&o,
				lng ? va_arg(ap, unsigned long long) :
				      va_arg(ap, unsigned int),
				false, 16, width, pad);
			break;
		case 'c':
			fmt_putc(&o, (char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			while (s && *s)
				fmt_putc(&o, *s++);
			break;
		}
		case '%':
			fmt_putc(&o, '%');
			break;
		default:
			fmt_putc(&o, '%');
			if (*fmt)
				fmt_putc(&o, *fmt);
			else
				fmt--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

/* ---- sorting: heapsort (no recursion, no allocation, n log n always) ---- */

static void util_swap(uint8_t *a, uint8_t *b, size_t sz)
{
	while (sz--) {
		uint8_t t = *a;

		*a++ = *b;
		*b++ = t;
	}
}

static void util_sift(uint8_t *base, size_t sz, size_t root, size_t n,
		      int (*cmp)(const void *, const void *))
{
	for (;;) {
		size_t child = 2 * root + 1;

		if (child >= n)
			return;
		if (child + 1 < n &&
		    cmp(base + child * sz, base + (child + 1) * sz) < 0)
			child++;
		if (cmp(base + root * sz, base + child * sz) >= 0)
			return;
		util_swap(base + root * sz, base + child * sz, sz);
		root = child;
	}
}

void kbpf_sort(void *base, size_t n, size_t sz,
	       int (*cmp)(const void *, const void *))
{
	uint8_t *b = base;
	size_t i;

	if (n < 2)
		return;
	for (i = n / 2; i-- > 0;)
		util_sift(b, sz, i, n, cmp);
	for (i = n - 1; i > 0; i--) {
		util_swap(b, b + i * sz, sz);
		util_sift(b, sz, 0, i, cmp);
	}
}

int kbpf_obj_name_copy(char *dst, const char *src)
{
	size_t i;

	for (i = 0; i < BPF_OBJ_NAME_LEN; i++) {
		char c = src[i];

		if (dst)
			dst[i] = c;
		if (!c)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '.'))
			return -KBPF_EINVAL;
	}
	return -KBPF_EINVAL;
}
