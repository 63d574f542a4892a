// SPDX-License-Identifier: MIT
/*
 * The printf family of BPF helpers: bpf_trace_printk (6), bpf_snprintf
 * (165) and bpf_trace_vprintk (177), with Linux's format rules
 * (bpf_bprintf_prepare() in kernel/bpf/helpers.c and bstr_printf() in
 * lib/vsprintf.c, in behaviour; our own code).
 *
 * Two passes, as in Linux. The check pass walks the format, refuses what
 * Linux refuses with -EINVAL, reads what must be read at once (strings and
 * IP addresses, through the host's fault-safe probe callbacks) and packs
 * the arguments into a 512-byte buffer with Linux's layout: integers and
 * pointers 4-byte aligned, 4 or 8 bytes; characters one byte; strings and
 * pre-rendered pointer formats (%pB, %pI4, ...) NUL-terminated. The print
 * pass formats from that buffer. Keeping Linux's layout keeps its corner
 * cases: -ENOSPC once strings fill the buffer, and the length a truncated
 * bpf_snprintf reports after a pre-rendered format.
 *
 * Where kbpf differs from Linux, on purpose:
 * - %p and %pK print the raw pointer, zero-padded to 16 digits (Linux with
 *   no_hash_pointers); Linux prints a per-boot hash. NULL prints as Linux.
 * - %ps, %pS and %pB print "0x<hex>", as Linux does for an address that is
 *   not a kernel symbol: kbpf has no symbol table.
 * - The buffers are on the caller's stack (about 1.6 KiB for trace_printk),
 *   so there is no -EBUSY after three nested calls.
 * - A bpf_snprintf format Linux's verifier would refuse at load time is
 *   refused here at run time, with the same -EINVAL.
 * Integers follow 64-bit Linux: "l" is 8 bytes on every host.
 *
 * Program path: no locks, no allocation.
 */
#include "core/alloc.h"
#include "helpers_internal.h"

#define BP_BIN_SIZE 512 /* Linux's MAX_BPRINTF_BIN_ARGS */
#define BP_BUF_SIZE 1024 /* MAX_BPRINTF_BUF: trace_printk's message */
#define BP_MAX_ARGS 12 /* MAX_BPRINTF_VARARGS */
#define BP_TRACE_PRINTK_ARGS 3 /* MAX_TRACE_PRINTK_VARARGS */
#define BP_WIDTH_MAX ((1 << 23) - 1) /* vsprintf's FIELD_WIDTH_MAX */

#define PTR(p) ((void *)(uintptr_t)(p))
#define ERR(e) ((uint64_t)(int64_t)(e))

/* ---- Linux's <linux/ctype.h>, whose upper half is Latin-1 ---- */

static bool bp_isdigit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static bool bp_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

static bool bp_isalnum(unsigned char c)
{
	unsigned char l = c | 0x20;

	if (bp_isdigit(c) || (l >= 'a' && l <= 'z'))
		return true;
	return c >= 0xc0 && c != 0xd7 && c != 0xf7;
}

static bool bp_ispunct(unsigned char c)
{
	if (c > 0x20 && c < 0x7f)
		return !bp_isalnum(c);
	return (c >= 0xa1 && c <= 0xbf) || c == 0xd7 || c == 0xf7;
}

static bool bp_isprint(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c >= 0xa0;
}

/* ---- the check pass ---- */

struct bp_bin {
	uint8_t buf[BP_BIN_SIZE] __attribute__((aligned(8)));
	size_t len; /* bytes used */
};

/* An integer or pointer argument: 4-byte aligned, 4 or 8 bytes. */
static int bp_put_num(struct bp_bin *bin, uint64_t v, size_t size)
{
	size_t off = kbpf_round_up(bin->len, 4);
	uint32_t v32 = (uint32_t)v;

	if (off > BP_BIN_SIZE || BP_BIN_SIZE - off < size)
		return -KBPF_ENOSPC;
	if (size == 8)
		memcpy(bin->buf + off, &v, 8);
	else
		memcpy(bin->buf + off, &v32, 4);
	bin->len = off + size;
	return 0;
}

/* Text rendered now (%pB, %pI4...): NUL-terminated, cut to the space left. */
static void bp_put_text(struct bp_bin *bin, const char *s, size_t n)
{
	size_t room = BP_BIN_SIZE - bin->len;

	if (room) {
		size_t k = kbpf_min(n, room - 1);

		memcpy(bin->buf + bin->len, s, k);
		bin->buf[bin->len + k] = 0;
	}
	/* Linux advances by the full length; kbpf stops at the end. */
	bin->len = kbpf_min(bin->len + n + 1, (size_t)BP_BIN_SIZE);
}

/*
 * Fault-safe read of @n bytes at @src. 'k': kernel memory; 'u': user
 * memory; 's': kernel memory, or user memory when the host says the
 * address is a user one (-ERANGE), as Linux does on architectures whose
 * user and kernel addresses do not overlap.
 */
static int bp_probe(const struct kbpf_host *h, void *dst, uintptr_t src,
		    size_t n, char *type)
{
	int err;

	if (*type != 'u') {
		err = h->probe_read_kernel ?
			      h->probe_read_kernel(h, dst, PTR(src), n) :
			      -KBPF_EFAULT;
		if (err != -KBPF_ERANGE || *type == 'k')
			return err;
		*type = 'u'; /* the rest of this string is user memory too */
	}
	return h->probe_read_user ? h->probe_read_user(h, dst, PTR(src), n) :
				    -KBPF_EFAULT;
}

/*
 * %s, %pks, %pus: copy the string now, as strncpy_from_*_nofault: at most
 * the space left, always NUL-terminated; a fault leaves an empty string.
 */
static int bp_put_str(const struct kbpf_host *h, struct bp_bin *bin,
		      uint64_t src, char type)
{
	size_t room = BP_BIN_SIZE - bin->len, i;
	char *dst = (char *)bin->buf + bin->len;

	if (!room)
		return -KBPF_ENOSPC;
	for (i = 0; i < room; i++) {
		if (bp_probe(h, &dst[i], (uintptr_t)(src + i), 1, &type)) {
			dst[0] = 0;
			bin->len++;
			return 0;
		}
		if (!dst[i]) {
			bin->len += i + 1;
			return 0;
		}
	}
	dst[room - 1] = 0;
	bin->len += room;
	return 0;
}

static size_t bp_utoa(char *out, uint64_t v, unsigned int base, bool upper,
		      size_t min_digits)
{
	static const char digits[] = "0123456789abcdef0123456789ABCDEF";
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = digits[(upper ? 16 : 0) + v % base];
		v /= base;
	} while (v);
	while (n < min_digits)
		tmp[n++] = '0';
	for (i = 0; i < n; i++)
		out[i] = tmp[n - 1 - i];
	return n;
}

/* %pI4 %pi4 %pI6 %pi6 from @raw bytes, as lib/vsprintf.c renders them. */
static size_t bp_render_ip(char *out, const uint8_t *raw, char kind,
			   char version)
{
	size_t n = 0;
	int i;

	if (version == '4') {
		for (i = 0; i < 4; i++) {
			if (i)
				out[n++] = '.';
			n += bp_utoa(out + n, raw[i], 10, false,
				     kind == 'i' ? 3 : 1);
		}
		return n;
	}
	for (i = 0; i < 16; i++) {
		if (kind == 'I' && i && !(i & 1))
			out[n++] = ':';
		n += bp_utoa(out + n, raw[i], 16, false, 2);
	}
	return n;
}

/*
 * The check pass (Linux's bpf_bprintf_prepare()): -EINVAL for a format
 * Linux refuses, -ENOSPC when the arguments overflow the buffer.
 */
static int bp_prepare(const struct kbpf_host *h, const char *fmt,
		      uint64_t fmt_size, const uint64_t *raw, uint32_t nargs,
		      struct bp_bin *bin)
{
	uint32_t spec = 0;
	uint64_t n;
	size_t i;
	int err;

	for (n = 0; n < fmt_size && fmt[n]; n++)
		;
	if (n == fmt_size)
		return -KBPF_EINVAL; /* no NUL within fmt_size */
	bin->len = 0;
	for (i = 0; i < n; i++) {
		const unsigned char *f = (const unsigned char *)fmt;
		size_t size = 4;

		/* Only ASCII control bytes are refused; 6.18 lets UTF-8 through (measured). */
		if (f[i] < 0x80 && !bp_isprint(f[i]) && !bp_isspace(f[i]))
			return -KBPF_EINVAL;
		if (f[i] != '%')
			continue;
		if (f[i + 1] == '%') {
			i++;
			continue;
		}
		if (spec >= nargs)
			return -KBPF_EINVAL;
		i++;
		/* Optional flags [0 +-] and a width [1-9][0-9]*. */
		while (f[i] == '0' || f[i] == '+' || f[i] == '-' || f[i] == ' ')
			i++;
		if (f[i] >= '1' && f[i] <= '9')
			while (bp_isdigit(f[i]))
				i++;
		if (f[i] == 'p') {
			unsigned char nx = f[i + 1];

			if ((nx == 'k' || nx == 'u') && f[i + 2] == 's') {
				i += 2;
				if (f[i + 1] && !bp_isspace(f[i + 1]) &&
				    !bp_ispunct(f[i + 1]))
					return -KBPF_EINVAL;
				err = bp_put_str(h, bin, raw[spec++], (char)nx);
				if (err)
					return err;
				continue;
			}
			/*
			 * Plain pointers, printed later. Linux steps over the
			 * character after 'p' even when it is not part of the
			 * conversion (a space or punctuation), so the check
			 * never sees it: "%p%d" is one conversion here.
			 */
			if (!nx || bp_isspace(nx) || bp_ispunct(nx) ||
			    nx == 'K' || nx == 'x' || nx == 's' || nx == 'S') {
				i++;
				err = bp_put_num(bin, raw[spec++], 8);
				if (err)
					return err;
				continue;
			}
			if (nx == 'B') {
				char text[24] = "0x";
				size_t k = 2 + bp_utoa(text + 2, raw[spec++],
						       16, false, 1);

				bp_put_text(bin, text, k);
				i++;
				continue;
			}
			if ((nx != 'i' && nx != 'I') ||
			    (f[i + 2] != '4' && f[i + 2] != '6'))
				return -KBPF_EINVAL;
			i += 2;
			{
				size_t ipsize = f[i] == '4' ? 4 : 16;
				uint8_t ip[16];
				char text[40], type = 'k';
				size_t k;

				if (BP_BIN_SIZE - bin->len < ipsize)
					return -KBPF_ENOSPC;
				if (bp_probe(h, ip, (uintptr_t)raw[spec++],
					     ipsize, &type))
					memset(ip, 0, ipsize);
				k = bp_render_ip(text, ip, (char)nx,
						 (char)f[i]);
				bp_put_text(bin, text, k);
			}
			continue;
		}
		if (f[i] == 's') {
			if (f[i + 1] && !bp_isspace(f[i + 1]) &&
			    !bp_ispunct(f[i + 1]))
				return -KBPF_EINVAL;
			err = bp_put_str(h, bin, raw[spec++], 's');
			if (err)
				return err;
			continue;
		}
		if (f[i] == 'c') {
			if (bin->len == BP_BIN_SIZE)
				return -KBPF_ENOSPC;
			bin->buf[bin->len++] = (uint8_t)raw[spec++];
			continue;
		}
		if (f[i] == 'l') {
			size = 8;
			i++;
		}
		if (f[i] == 'l')
			i++;
		if (f[i] != 'i' && f[i] != 'd' && f[i] != 'u' && f[i] != 'x' &&
		    f[i] != 'X')
			return -KBPF_EINVAL;
		err = bp_put_num(bin, raw[spec++], size);
		if (err)
			return err;
	}
	return 0;
}

/* ---- the print pass ---- */

#define F_SIGN 1u
#define F_LEFT 2u
#define F_PLUS 4u
#define F_SPACE 8u
#define F_ZEROPAD 16u
#define F_SMALL 32u

struct bp_spec {
	int width; /* -1: none */
	unsigned int flags;
	unsigned int base;
};

/* Output: like vsnprintf, @pos counts every byte, stored or not. */
struct bp_out {
	char *buf;
	size_t size;
	size_t pos;
};

static void bp_putc(struct bp_out *o, char c)
{
	if (o->pos < o->size)
		o->buf[o->pos] = c;
	o->pos++;
}

static void bp_pad(struct bp_out *o, int n, char c)
{
	while (n-- > 0)
		bp_putc(o, c);
}

/* Reads the packed arguments back in the check pass's order. */
struct bp_rd {
	const struct bp_bin *bin;
	size_t off;
};

static uint64_t bp_get(struct bp_rd *rd, size_t size)
{
	uint64_t v = 0;
	uint32_t v32 = 0;
	uint8_t v8 = 0;

	if (size > 1)
		rd->off = kbpf_round_up(rd->off, 4);
	if (rd->off + size <= BP_BIN_SIZE) {
		if (size == 8) {
			memcpy(&v, rd->bin->buf + rd->off, 8);
		} else if (size == 4) {
			memcpy(&v32, rd->bin->buf + rd->off, 4);
			v = v32;
		} else {
			memcpy(&v8, rd->bin->buf + rd->off, 1);
			v = v8;
		}
	}
	rd->off += size;
	return v;
}

/* A NUL-terminated string of the buffer; empty past its end. */
static const char *bp_get_str(struct bp_rd *rd, size_t *len)
{
	const char *s = (const char *)rd->bin->buf + rd->off;
	size_t n = 0;

	if (rd->off >= BP_BIN_SIZE) {
		*len = 0;
		return "";
	}
	while (rd->off + n < BP_BIN_SIZE && s[n])
		n++;
	*len = n;
	return s;
}

static void bp_number(struct bp_out *o, uint64_t num, struct bp_spec spec)
{
	char tmp[24];
	char sign = 0;
	int width = spec.width;
	size_t n;

	if (spec.flags & F_LEFT)
		spec.flags &= ~F_ZEROPAD;
	if (spec.flags & F_SIGN) {
		if ((int64_t)num < 0) {
			sign = '-';
			num = (uint64_t)0 - num;
		} else if (spec.flags & F_PLUS) {
			sign = '+';
		} else if (spec.flags & F_SPACE) {
			sign = ' ';
		}
		if (sign)
			width--;
	}
	n = bp_utoa(tmp, num, spec.base, !(spec.flags & F_SMALL), 1);
	width -= (int)n;
	/* Spaces, sign, zeros, digits, then spaces when left-justified. */
	if (!(spec.flags & (F_ZEROPAD | F_LEFT))) {
		bp_pad(o, width, ' ');
		width = 0;
	}
	if (sign)
		bp_putc(o, sign);
	if (!(spec.flags & F_LEFT)) {
		bp_pad(o, width, '0');
		width = 0;
	}
	for (size_t i = 0; i < n; i++)
		bp_putc(o, tmp[i]);
	bp_pad(o, width, ' ');
}

static void bp_string(struct bp_out *o, const char *s, size_t n,
		      struct bp_spec spec)
{
	int pad = spec.width > (int)n ? spec.width - (int)n : 0;

	if (!(spec.flags & F_LEFT))
		bp_pad(o, pad, ' ');
	for (size_t i = 0; i < n; i++)
		bp_putc(o, s[i]);
	if (spec.flags & F_LEFT)
		bp_pad(o, pad, ' ');
}

/* A pointer printed from its value: %p %pK %px, and %ps %pS without symbols. */
static void bp_pointer(struct bp_out *o, char kind, uint64_t v,
		       struct bp_spec spec)
{
	if (kind == 's' || kind == 'S') {
		char text[24] = "0x";
		size_t k = 2 + bp_utoa(text + 2, v, 16, false, 1);

		bp_string(o, text, k, spec);
		return;
	}
	spec.base = 16;
	spec.flags |= F_SMALL;
	if (spec.width == -1) {
		spec.width = 16;
		spec.flags |= F_ZEROPAD;
	}
	bp_number(o, v, spec);
}

/* The print pass (Linux's bstr_printf()); returns the untruncated length. */
static size_t bp_format(char *buf, size_t size, const char *fmt,
			const struct bp_bin *bin)
{
	struct bp_out o = { buf, size, 0 };
	struct bp_rd rd = { bin, 0 };
	const unsigned char *f = (const unsigned char *)fmt;

	while (*f) {
		struct bp_spec spec = { -1, 0, 10 };
		bool wide = false;
		uint64_t num;

		if (*f != '%') {
			bp_putc(&o, (char)*f++);
			continue;
		}
		for (f++;; f++) {
			if (*f == '-')
				spec.flags |= F_LEFT;
			else if (*f == '+')
				spec.flags |= F_PLUS;
			else if (*f == ' ')
				spec.flags |= F_SPACE;
			else if (*f == '0')
				spec.flags |= F_ZEROPAD;
			else
				break;
		}
		if (bp_isdigit(*f)) {
			long w = 0;

			while (bp_isdigit(*f)) {
				if (w <= BP_WIDTH_MAX)
					w = w * 10 + (*f - '0');
				f++;
			}
			spec.width = (int)kbpf_min(w, (long)BP_WIDTH_MAX);
		}
		if (*f == 'l') {
			wide = true;
			f++;
			if (*f == 'l')
				f++;
		}
		switch (*f++) {
		case '%':
			bp_putc(&o, '%');
			continue;
		case 'c': {
			int pad = spec.width > 1 ? spec.width - 1 : 0;

			if (!(spec.flags & F_LEFT))
				bp_pad(&o, pad, ' ');
			bp_putc(&o, (char)bp_get(&rd, 1));
			if (spec.flags & F_LEFT)
				bp_pad(&o, pad, ' ');
			continue;
		}
		case 's': {
			size_t n;
			const char *s = bp_get_str(&rd, &n);

			rd.off += n + 1;
			bp_string(&o, s, n, spec);
			continue;
		}
		case 'p':
			if (*f == 'S' || *f == 's' || *f == 'x' || *f == 'K' ||
			    !bp_isalnum(*f)) {
				bp_pointer(&o, (char)*f, bp_get(&rd, 8), spec);
			} else if (o.pos < o.size) {
				/*
				 * Rendered by the check pass. Linux copies it
				 * only while there is room, and otherwise
				 * neither counts it nor steps over it.
				 */
				size_t n;
				const char *s = bp_get_str(&rd, &n);

				for (size_t i = 0; i < n; i++)
					bp_putc(&o, s[i]);
				rd.off += n + 1;
			}
			while (bp_isalnum(*f))
				f++;
			continue;
		case 'd':
		case 'i':
			spec.flags |= F_SIGN;
			break;
		case 'u':
			break;
		case 'x':
			spec.flags |= F_SMALL;
			/* fall through */
		case 'X':
			spec.base = 16;
			break;
		default:
			goto out; /* the check pass lets nothing else through */
		}
		if (wide)
			num = bp_get(&rd, 8);
		else if (spec.flags & F_SIGN)
			num = (uint64_t)(int64_t)(int32_t)bp_get(&rd, 4);
		else
			num = bp_get(&rd, 4);
		bp_number(&o, num, spec);
	}
out:
	if (size)
		buf[o.pos < size ? o.pos : size - 1] = 0;
	return o.pos;
}

/* ---- the helpers ---- */

static uint64_t bp_trace(struct kbpf_run *run, const char *fmt,
			 uint32_t fmt_size, const uint64_t *args,
			 uint32_t nargs)
{
	const struct kbpf_host *h = run->host;
	struct bp_bin bin;
	char buf[BP_BUF_SIZE];
	size_t len, n;
	int err;

	err = bp_prepare(h, fmt, fmt_size, args, nargs, &bin);
	if (err)
		return ERR(err);
	len = bp_format(buf, sizeof(buf), fmt, &bin);
	if (h->trace_write) {
		/* The trace event records a C string: it ends at a %c of 0. */
		for (n = 0; buf[n]; n++)
			;
		h->trace_write(h, buf, n);
	}
	return (uint64_t)(int64_t)(int)len;
}

/* Linux's bpf_trace_printk: u32 fmt_size, three u64 arguments. */
uint64_t kbpf_helper_trace_printk(struct kbpf_run *run, uint64_t fmt,
				  uint64_t fmt_size, uint64_t a1, uint64_t a2,
				  uint64_t a3)
{
	const uint64_t args[BP_TRACE_PRINTK_ARGS] = { a1, a2, a3 };

	return bp_trace(run, PTR(fmt), (uint32_t)fmt_size, args,
			BP_TRACE_PRINTK_ARGS);
}

/* Arguments as an array of u64: data_len a multiple of 8, at most 96. */
static int bp_args(uint64_t args, uint32_t data_len, uint64_t *out)
{
	if ((data_len & 7) || data_len > BP_MAX_ARGS * 8 || (data_len && !args))
		return -KBPF_EINVAL;
	if (data_len)
		memcpy(out, PTR(args), data_len);
	return (int)(data_len / 8);
}

uint64_t kbpf_helper_trace_vprintk(struct kbpf_run *run, uint64_t fmt,
				   uint64_t fmt_size, uint64_t args,
				   uint64_t data_len, uint64_t r5)
{
	uint64_t raw[BP_MAX_ARGS];
	int nargs = bp_args(args, (uint32_t)data_len, raw);

	(void)r5;
	if (nargs < 0)
		return ERR(nargs);
	return bp_trace(run, PTR(fmt), (uint32_t)fmt_size, raw,
			(uint32_t)nargs);
}

/* Returns the formatted length plus one (the NUL), as Linux does. */
uint64_t kbpf_helper_snprintf(struct kbpf_run *run, uint64_t str,
			      uint64_t str_size, uint64_t fmt, uint64_t args,
			      uint64_t data_len)
{
	uint64_t raw[BP_MAX_ARGS];
	uint32_t size = (uint32_t)str_size;
	int nargs = bp_args(args, (uint32_t)data_len, raw);
	struct bp_bin bin;
	int err;

	if (nargs < 0)
		return ERR(nargs);
	/* The format is a constant string: the NUL bounds it. */
	err = bp_prepare(run->host, PTR(fmt), UINT64_MAX, raw, (uint32_t)nargs,
			 &bin);
	if (err)
		return ERR(err);
	if (!str)
		size = 0;
	if (size > 0x7fffffffu)
		return 1; /* Linux's bstr_printf refuses (and warns) */
	return (uint64_t)(int64_t)(int)bp_format(PTR(str), size, PTR(fmt),
						 &bin) +
	       1;
}
