// SPDX-License-Identifier: MIT
/*
 * A small vsnprintf for the kernel's console and the user program's
 * output: %d %i %u %x %p %s %c %%, a width, '0' padding, l/ll/z sizes.
 */
#include "fmt.h"

struct out {
	char *buf;
	size_t size, len;
};

static void out_c(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, uint64_t v, unsigned int base, bool neg,
		    int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		width--;
	if (neg && pad == '0')
		out_c(o, '-');
	for (; width > n; width--)
		out_c(o, pad);
	if (neg && pad != '0')
		out_c(o, '-');
	while (n)
		out_c(o, tmp[--n]);
}

/* %d %i %u %x %p %s %c %%, with a width, '0' padding and l/ll/z sizes. */
int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		int width = 0, lng = 0;
		char pad = ' ';
		uint64_t u;
		int64_t s;

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0')
			pad = *fmt++;
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			s = lng ? va_arg(ap, long) : va_arg(ap, int);
			out_num(&o, s < 0 ? -(uint64_t)s : (uint64_t)s, 10,
				s < 0, width, pad);
			break;
		case 'u':
		case 'x':
			u = lng ? va_arg(ap, unsigned long) :
				  va_arg(ap, unsigned int);
			out_num(&o, u, *fmt == 'x' ? 16 : 10, false, width,
				pad);
			break;
		case 'p':
			out_c(&o, '0');
			out_c(&o, 'x');
			out_num(&o, (uintptr_t)va_arg(ap, void *), 16, false,
				width, pad);
			break;
		case 's': {
			const char *str = va_arg(ap, const char *);

			for (str = str ? str : "(null)"; *str; str++)
				out_c(&o, *str);
			break;
		}
		case 'c':
			out_c(&o, (char)va_arg(ap, int));
			break;
		case '%':
			out_c(&o, '%');
			break;
		default:
			return -1;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}
