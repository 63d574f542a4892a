// SPDX-License-Identifier: MIT
/*
 * bpf_trace_printk, bpf_trace_vprintk and bpf_snprintf against the kernel:
 * the same program (format on the stack or in a frozen read-only map,
 * arguments as constants, stack strings or user-memory strings) runs
 * through BPF_PROG_TEST_RUN on both sides. Compared: the load result, the
 * helper's full 64-bit return value, the message the kernel writes to
 * tracefs (read from a private tracefs instance) against the one kbpf
 * gives the host's trace_write, and bpf_snprintf's output buffer byte for
 * byte. Accepted and refused formats alike.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i_) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i_)
#define MOV_X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADD_K(d, i_) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i_)
#define STX_DW(d, s, o) I(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define LDX_DW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)

/* Stack layout of the generated programs (offsets from r10). */
#define FMT_OFF (-512) /* up to 256 bytes of format */
#define BLOB_OFF (-256) /* strings and IP addresses the arguments point to */
#define ARGS_OFF (-160) /* vprintk/snprintf argument array, 12 u64 */
#define OUT_OFF (-64) /* snprintf output, 64 bytes */
#define OUT_SIZE 64

enum arg_kind { A_NONE, A_CONST, A_STACK, A_USER };

struct arg {
	enum arg_kind kind;
	uint64_t v; /* A_CONST: the value */
	const char *blob; /* A_STACK: bytes put on the stack; A_USER: address */
	size_t blob_len; /* A_STACK: bytes (0: strlen + 1) */
};

#define C(x)                                    \
	{                                       \
		A_CONST, (uint64_t)(x), NULL, 0 \
	}
#define S(s)                       \
	{                          \
		A_STACK, 0, (s), 0 \
	}
#define B(s, n)                      \
	{                            \
		A_STACK, 0, (s), (n) \
	}
#define U(s)                      \
	{                         \
		A_USER, 0, (s), 0 \
	}

enum helper { H_PRINTK, H_VPRINTK, H_SNPRINTF };

struct pcase {
	const char *fmt;
	struct arg args[12];
	int nargs; /* vprintk/snprintf: arguments in the array */
	int fmt_size; /* 0: strlen + 1 (after the tag) */
	int out_size; /* snprintf: size argument (0..64); -1: NULL, 0 */
	int data_len; /* vprintk/snprintf: -1: nargs * 8 */
	bool ptr_shape; /* %p/%pK: compare with hex runs masked (hash) */
};

static char user_str[] = "user-memory-string";
static char long_str[700];

/* ---- program generation ---- */

struct prog {
	struct bpf_insn insns[1024];
	uint32_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insns[p->n++] = insn;
}

static void emit_ld64(struct prog *p, int reg, uint64_t v)
{
	emit(p, I(BPF_LD | BPF_IMM | BPF_DW, reg, 0, 0, (int32_t)v));
	emit(p, I(0, 0, 0, 0, (int32_t)(v >> 32)));
}

/* Write @len bytes at r10 + @off, zero-padded to 8 bytes. */
static void emit_bytes(struct prog *p, int off, const void *bytes, size_t len)
{
	for (size_t k = 0; k < len; k += 8) {
		uint64_t v = 0;

		memcpy(&v, (const char *)bytes + k, len - k < 8 ? len - k : 8);
		emit_ld64(p, 1, v);
		emit(p, STX_DW(10, 1, (int16_t)(off + (int)k)));
	}
}

/* r@reg = the value of argument @a; stack blobs go at *@blob_off. */
static void emit_arg(struct prog *p, int reg, const struct arg *a,
		     int *blob_off)
{
	switch (a->kind) {
	case A_NONE:
		emit(p, MOV_K(reg, 0));
		break;
	case A_CONST:
		emit_ld64(p, reg, a->v);
		break;
	case A_USER:
		emit_ld64(p, reg, (uint64_t)(uintptr_t)a->blob);
		break;
	case A_STACK: {
		size_t len = a->blob_len ? a->blob_len : strlen(a->blob) + 1;

		emit_bytes(p, *blob_off, a->blob, len);
		emit(p, MOV_X(reg, 10));
		emit(p, ADD_K(reg, *blob_off));
		*blob_off += (int)((len + 7) & ~7u);
		break;
	}
	}
}

/*
 * The program: format and arguments on the stack, the helper call, then
 * r0 and (snprintf) the output buffer stored into the 72-byte context.
 */
static void gen(struct prog *p, enum helper hp, const char *fmt, size_t fmt_len,
		const struct pcase *c, int map_fd)
{
	int blob_off = BLOB_OFF;
	int data_len = c->data_len < 0 ? c->nargs * 8 : c->data_len;

	p->n = 0;
	emit(p, MOV_X(6, 1));
	{
		char pat[OUT_SIZE];

		memset(pat, 0xaa, sizeof(pat));
		emit_bytes(p, OUT_OFF, pat, sizeof(pat));
	}
	if (hp != H_SNPRINTF)
		emit_bytes(p, FMT_OFF, fmt, fmt_len);
	if (hp == H_PRINTK) {
		for (int i = 0; i < 3; i++)
			emit_arg(p, 3 + i, &c->args[i], &blob_off);
		emit(p, MOV_X(1, 10));
		emit(p, ADD_K(1, FMT_OFF));
		emit(p, MOV_K(2, c->fmt_size));
		emit(p, CALL(BPF_FUNC_trace_printk));
	} else {
		for (int i = 0; i < c->nargs; i++) {
			emit_arg(p, 2, &c->args[i], &blob_off);
			emit(p, STX_DW(10, 2, (int16_t)(ARGS_OFF + 8 * i)));
		}
		if (hp == H_VPRINTK) {
			emit(p, MOV_X(1, 10));
			emit(p, ADD_K(1, FMT_OFF));
			emit(p, MOV_K(2, c->fmt_size));
			emit(p, MOV_X(3, 10));
			emit(p, ADD_K(3, ARGS_OFF));
			emit(p, MOV_K(4, data_len));
			emit(p, CALL(BPF_FUNC_trace_vprintk));
		} else {
			if (c->out_size < 0) {
				emit(p, MOV_K(1, 0));
				emit(p, MOV_K(2, 0));
			} else {
				emit(p, MOV_X(1, 10));
				emit(p, ADD_K(1, OUT_OFF));
				emit(p, MOV_K(2, c->out_size));
			}
			emit(p, I(BPF_LD | BPF_IMM | BPF_DW, 3,
				  BPF_PSEUDO_MAP_VALUE, 0, map_fd));
			emit(p, I(0, 0, 0, 0, 0));
			if (c->nargs) {
				emit(p, MOV_X(4, 10));
				emit(p, ADD_K(4, ARGS_OFF));
			} else {
				emit(p, MOV_K(4, 0));
			}
			emit(p, MOV_K(5, data_len));
			emit(p, CALL(BPF_FUNC_snprintf));
		}
	}
	emit(p, STX_DW(6, 0, 64));
	if (hp == H_SNPRINTF) {
		for (int k = 0; k < OUT_SIZE; k += 8) {
			emit(p, LDX_DW(1, 10, (int16_t)(OUT_OFF + k)));
			emit(p, STX_DW(6, 1, (int16_t)k));
		}
	}
	emit(p, MOV_K(0, 0));
	emit(p, EXIT);
}

/* ---- the kernel's trace output, from a private tracefs instance ---- */

static char inst_dir[256];

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t r;

	if (fd < 0)
		return -1;
	r = write(fd, s, strlen(s));
	close(fd);
	return r < 0 ? -1 : 0;
}

static const char *tracefs_setup(void)
{
	const char *root = "/sys/kernel/tracing";
	char path[512];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/instances", root);
	if (stat(path, &sb) && mount("nodev", root, "tracefs", 0, NULL) &&
	    stat(path, &sb))
		return "tracefs is not mounted and cannot be";
	snprintf(inst_dir, sizeof(inst_dir), "%s/instances/kbpf_printf_%d",
		 root, (int)getpid());
	if (mkdir(inst_dir, 0700) && errno != EEXIST)
		return "cannot create a tracefs instance";
	snprintf(path, sizeof(path),
		 "%s/events/bpf_trace/bpf_trace_printk/enable", inst_dir);
	if (write_file(path, "1")) {
		rmdir(inst_dir);
		return "no bpf_trace_printk event";
	}
	return NULL;
}

static void tracefs_teardown(void)
{
	char path[512];

	snprintf(path, sizeof(path),
		 "%s/events/bpf_trace/bpf_trace_printk/enable", inst_dir);
	write_file(path, "0");
	rmdir(inst_dir);
}

static void tracefs_clear(void)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/trace", inst_dir);
	write_file(path, "");
}

static bool whole_line; /* finders return the whole line, not from the tag */

/* The line of the instance's trace that carries @tag, from the tag on. */
static int tracefs_find(const char *tag, char *out, size_t size)
{
	static char buf[1 << 16];
	char path[512];
	ssize_t n, total = 0;
	int fd;
	char *hit, *nl;

	snprintf(path, sizeof(path), "%s/trace", inst_dir);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + total, sizeof(buf) - 1 - total)) > 0)
		total += n;
	close(fd);
	buf[total] = 0;
	hit = strstr(buf, tag);
	if (!hit)
		return 0;
	/* The kernel prefixes each message with "bpf_trace_printk: ". */
	if (hit - buf < 18 || strncmp(hit - 18, "bpf_trace_printk: ", 18))
		return -2;
	nl = strchr(hit, '\n');
	if (whole_line)
		while (hit > buf && hit[-1] != '\n')
			hit--;
	snprintf(out, size, "%.*s", (int)(nl ? nl - hit : (long)strlen(hit)),
		 hit);
	return 1;
}

/* kbpf's message with @tag, the same way (the host log is one per line). */
static int kbpf_find(const char *tag, char *out, size_t size)
{
	static char buf[1 << 16];
	size_t n = kbpf_posix_trace_read(buf, sizeof(buf) - 1);
	char *hit, *nl;

	buf[n] = 0;
	hit = strstr(buf, tag);
	if (!hit)
		return 0;
	nl = strchr(hit, '\n');
	if (whole_line)
		while (hit > buf && hit[-1] != '\n')
			hit--;
	snprintf(out, size, "%.*s", (int)(nl ? nl - hit : (long)strlen(hit)),
		 hit);
	return 1;
}

/* Replace every run of 8+ hex digits by '#' (hashed pointers). */
static void mask_hex(char *s)
{
	char *w = s;

	while (*s) {
		size_t k = strspn(s, "0123456789abcdef");

		if (k >= 8) {
			*w++ = '#';
			s += k;
		} else if (k) {
			memmove(w, s, k);
			w += k;
			s += k;
		} else {
			*w++ = *s++;
		}
	}
	*w = 0;
}

/* ---- one case on both sides ---- */

struct result {
	long load;
	long run;
	uint64_t r0;
	uint8_t out[OUT_SIZE];
	int found;
	char msg[1100];
};

static long map_for_fmt(int side, const char *fmt, size_t len)
{
	char value[256] = { 0 };
	uint32_t key = 0;
	long fd;

	fd = side_create(side, BPF_MAP_TYPE_ARRAY, 4, sizeof(value), 1,
			 BPF_F_RDONLY_PROG, 0, NULL);
	if (fd < 0)
		return fd;
	memcpy(value, fmt, len);
	if (side_elem(side, BPF_MAP_UPDATE_ELEM, fd, &key, value, 0) ||
	    side_freeze(side, fd)) {
		side_close(side, fd);
		return -1000;
	}
	return fd;
}

static void run_side(int side, enum helper hp, const struct pcase *c,
		     const char *fmt, size_t fmt_len, const char *tag,
		     struct result *res)
{
	static struct prog p;
	uint64_t ctx[9];
	union bpf_attr a;
	long map_fd = -1;

	memset(res, 0, sizeof(*res));
	if (hp == H_SNPRINTF) {
		map_fd = map_for_fmt(side, fmt, fmt_len);
		if (map_fd < 0) {
			res->load = map_fd;
			return;
		}
	}
	gen(&p, hp, fmt, fmt_len, c, (int)map_fd);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = p.n;
	a.insns = (uint64_t)(uintptr_t)p.insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	res->load = side_bpf(side, BPF_PROG_LOAD, &a);
	if (res->load >= 0) {
		memset(ctx, 0, sizeof(ctx));
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)res->load;
		a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
		a.test.ctx_size_in = sizeof(ctx);
		if (side == SIDE_KERNEL)
			tracefs_clear();
		res->run = side_bpf(side, BPF_PROG_TEST_RUN, &a);
		res->r0 = ctx[8];
		memcpy(res->out, ctx, OUT_SIZE);
		side_close(side, res->load);
		res->load = 0;
		if (hp != H_SNPRINTF)
			res->found = side == SIDE_KERNEL ?
					     tracefs_find(tag, res->msg,
							  sizeof(res->msg)) :
					     kbpf_find(tag, res->msg,
						       sizeof(res->msg));
	}
	side_close(side, map_fd);
}

static int n_cases, n_refused, n_msgs;

/* Run @c with helper @hp on both sides; fail the test on any difference. */
static int compare(enum helper hp, int idx, const struct pcase *c)
{
	char tag[32], fmt[300];
	size_t tag_len, fmt_len;
	struct pcase cc = *c;
	struct result r[2];

	/* Messages carry a tag so that other tracers' lines are ignored. */
	if (hp == H_SNPRINTF)
		tag[0] = 0;
	else
		snprintf(tag, sizeof(tag), "K%d.%d.%d|", (int)getpid(), hp,
			 idx);
	tag_len = strlen(tag);
	/* Formats are given NUL-terminated; "\0" inside them is kept. */
	fmt_len = tag_len + strlen(c->fmt) + 1;
	memcpy(fmt, tag, tag_len);
	memcpy(fmt + tag_len, c->fmt, fmt_len - tag_len);
	if (c->fmt_size > 0)
		cc.fmt_size = c->fmt_size + (int)tag_len;
	else if (c->fmt_size == 0)
		cc.fmt_size = (int)fmt_len;
	else
		cc.fmt_size = (int)fmt_len - 1; /* no NUL within fmt_size */
	for (int s = 0; s < 2; s++)
		run_side(s, hp, &cc, fmt, fmt_len, tag, &r[s]);
	n_cases++;
	if (r[0].load != r[1].load) {
		/* Linux refuses a bad snprintf format at load; kbpf at run. */
		if (hp == H_SNPRINTF && r[0].load == -EINVAL &&
		    r[1].load == 0 && r[1].run == 0 &&
		    r[1].r0 == (uint64_t)-EINVAL) {
			n_refused++;
			return 0;
		}
		kbpf_test_fail(
			__FILE__, __LINE__,
			"helper %d case %d \"%s\": load kernel %ld kbpf %ld",
			hp, idx, c->fmt, r[0].load, r[1].load);
		return -1;
	}
	if (r[0].load)
		return 0;
	if (r[0].run != r[1].run || r[0].r0 != r[1].r0) {
		kbpf_test_fail(
			__FILE__, __LINE__,
			"helper %d case %d \"%s\": run %ld/%lld vs kbpf %ld/%lld\n  kernel \"%s\"\n  kbpf   \"%s\"",
			hp, idx, c->fmt, r[0].run, (long long)r[0].r0, r[1].run,
			(long long)r[1].r0, r[0].msg, r[1].msg);
		return -1;
	}
	if ((int64_t)r[0].r0 < 0)
		n_refused++;
	if (hp == H_SNPRINTF) {
		if (c->ptr_shape) {
			mask_hex((char *)r[0].out);
			mask_hex((char *)r[1].out);
		}
		if (memcmp(r[0].out, r[1].out, OUT_SIZE)) {
			kbpf_test_fail(
				__FILE__, __LINE__,
				"snprintf case %d \"%s\": output \"%.64s\" vs kbpf \"%.64s\"",
				idx, c->fmt, (char *)r[0].out,
				(char *)r[1].out);
			return -1;
		}
		return 0;
	}
	if (r[0].found != r[1].found) {
		kbpf_test_fail(
			__FILE__, __LINE__,
			"helper %d case %d \"%s\": message kernel %d (%s) kbpf %d (%s)",
			hp, idx, c->fmt, r[0].found, r[0].msg, r[1].found,
			r[1].msg);
		return -1;
	}
	if (c->ptr_shape) {
		mask_hex(r[0].msg);
		mask_hex(r[1].msg);
	}
	if (r[0].found == 1) {
		n_msgs++;
		if (strcmp(r[0].msg, r[1].msg)) {
			kbpf_test_fail(
				__FILE__, __LINE__,
				"helper %d case %d \"%s\":\n  kernel \"%s\"\n  kbpf   \"%s\"",
				hp, idx, c->fmt, r[0].msg, r[1].msg);
			return -1;
		}
	}
	return 0;
}

/* ---- the cases ---- */

static const char ip4[4] = { (char)192, (char)168, 1, 42 };
static const char ip6[16] = { (char)0xfe, (char)0x80, 0, 0, 0, 0, 0, 0,
			      0,	  0,	      0, 0, 0, 0, 0, 1 };

/* Formats for trace_printk (three arguments). */
static const struct pcase printk_cases[] = {
	{ .fmt = "a=%d b=%u c=%x", .args = { C(1), C(2), C(3) } },
	{ .fmt = "%d %u %x %X",
	  .args = { C(-1), C(-1), C(0x1122334455667788ULL) } },
	{ .fmt = "%ld %lu %lx",
	  .args = { C(-5), C(-1), C(0x1122334455667788ULL) } },
	{ .fmt = "%lld %llu %llX",
	  .args = { C(INT64_MIN), C(UINT64_MAX), C(0xabcdefULL) } },
	{ .fmt = "%i %li %lli", .args = { C(-7), C(-8), C(-9) } },
	{ .fmt = "[%05d] [%-5d] [%+d]", .args = { C(42), C(42), C(5) } },
	{ .fmt = "[% d] [%+d] [%-05d]", .args = { C(5), C(-5), C(-3) } },
	{ .fmt = "[%5s] [%-5s] [%s]", .args = { S("ab"), S("cd"), S("") } },
	{ .fmt = "[%c] [%5c] [%-3c]", .args = { C('A'), C('b'), C('c') } },
	{ .fmt = "100%% %%d %d", .args = { C(1) } },
	{ .fmt = "%s and %s", .args = { S("hello"), U(user_str) } },
	{ .fmt = "null [%s] bad [%s]", .args = { C(0), C(1) } },
	{ .fmt = "%s", .args = { U(long_str) } },
	{ .fmt = "%p %p", .args = { C(0), C(0x1234) }, .ptr_shape = true },
	{ .fmt = "[%px] [%20px] [%-20px]",
	  .args = { C(0x1234), C(0x1234), C(0xab) } },
	{ .fmt = "%pK",
	  .args = { C(0xffff888000001234ULL) },
	  .ptr_shape = true },
	{ .fmt = "%ps %pS %pB", .args = { C(0x1234), C(0), C(0x5678) } },
	{ .fmt = "%pI4 %pi4", .args = { B(ip4, 4), B(ip4, 4) } },
	{ .fmt = "%pI6", .args = { B(ip6, 16) } },
	{ .fmt = "%pi6", .args = { B(ip6, 16) } },
	{ .fmt = "%pI6c end", .args = { B(ip6, 16) } },
	{ .fmt = "%pI4x %d", .args = { B(ip4, 4), C(7) } },
	{ .fmt = "%pks", .args = { S("kernel-side") } },
	{ .fmt = "%pus", .args = { U(user_str) } },
	{ .fmt = "%p, %d", .args = { C(0), C(3) }, .ptr_shape = true },
	{ .fmt = "%psx", .args = { C(0x10) } },
	{ .fmt = "tab\there", .args = { C(0) } },
	{ .fmt = "cut %c here", .args = { C(0) } },
	{ .fmt = "%d%d%d", .args = { C(1), C(2), C(3) } },
	/* refused */
	{ .fmt = "%d%d%d%d", .args = { C(1), C(2), C(3) } },
	{ .fmt = "%o", .args = { C(1) } },
	{ .fmt = "%f", .args = { C(1) } },
	{ .fmt = "%n", .args = { C(1) } },
	{ .fmt = "%hd", .args = { C(1) } },
	{ .fmt = "%hhx", .args = { C(1) } },
	{ .fmt = "%#x", .args = { C(1) } },
	{ .fmt = "%.3d", .args = { C(1) } },
	{ .fmt = "%*d", .args = { C(1), C(2) } },
	{ .fmt = "%", .args = { C(1) } },
	{ .fmt = "%5%", .args = { C(1) } },
	{ .fmt = "%sx", .args = { S("a") } },
	{ .fmt = "%pd", .args = { C(1) } },
	{ .fmt = "%pI5", .args = { C(1) } },
	{ .fmt = "%pksa", .args = { S("a") } },
	{ .fmt = "%lc", .args = { C(1) } },
	{ .fmt = "%ls", .args = { S("a") } },
	{ .fmt = "%lllx", .args = { C(1) } },
	{ .fmt = "%z", .args = { C(1) } },
	{ .fmt = "ctl\x01", .args = { C(0) } },
	{ .fmt = "hi\x7f", .args = { C(0) } },
	{ .fmt = "latin\xe9", .args = { C(0) } },
	{ .fmt = "c1\x80", .args = { C(0) } },
	{ .fmt = "nbsp\xa0 \xbf", .args = { C(0) } },
	{ .fmt = "%p\xa0%d", .args = { C(0), C(1) }, .ptr_shape = true },
	{ .fmt = "%s\xd7", .args = { S("x") } },
	{ .fmt = "%s\xe9", .args = { S("x") } },
	{ .fmt = "%s\x80", .args = { S("x") } },
	{ .fmt = "%p\x85%d", .args = { C(0), C(1) }, .ptr_shape = true },
	{ .fmt = "utf8 \xe2\x9c\x93 \xff\x9f", .args = { C(0) } },
	{ .fmt = "no nul", .args = { C(0) }, .fmt_size = -1 },
	{ .fmt = "short", .args = { C(0) }, .fmt_size = 3 },
	{ .fmt = "%s%s", .args = { U(long_str), U(user_str) } },
	{ .fmt = "%s%d", .args = { U(long_str), C(1) } },
	{ .fmt = "%s%c", .args = { U(long_str), C('a') } },
	{ .fmt = "%100s|%s", .args = { S("ab"), U(long_str) } },
	{ .fmt = "%600d%600d", .args = { C(1), C(2) } },
};

/* The same formats, with vprintk's argument array (up to 12). */
static const struct pcase vprintk_cases[] = {
	{ .fmt = "a=%d b=%u c=%x", .args = { C(1), C(2), C(3) }, .nargs = 3 },
	{ .fmt = "%d %d %d %d %d %d %d %d %d %d %d %d",
	  .args = { C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10),
		    C(11), C(-12) },
	  .nargs = 12 },
	{ .fmt = "%s %ld %pI4 %c %llx %s %5d|%-5d| %i %u %X %p",
	  .args = { S("str"), C(-2), B(ip4, 4), C('z'), C(0xabcdef0123ULL),
		    U(user_str), C(6), C(7), C(-8), C(-9), C(0xfeed), C(0) },
	  .nargs = 12 },
	{ .fmt = "no args %%", .nargs = 0 },
	{ .fmt = "%d", .nargs = 0 },
	{ .fmt = "%d %d", .args = { C(1) }, .nargs = 1 },
	{ .fmt = "%d", .args = { C(1), C(2) }, .nargs = 2, .data_len = 12 },
	{ .fmt = "%d", .args = { C(1) }, .nargs = 1, .data_len = 104 },
	{ .fmt = "%d", .args = { C(1), C(2) }, .nargs = 2, .data_len = 16 },
	{ .fmt = "%s%s", .args = { U(long_str), U(long_str) }, .nargs = 2 },
	{ .fmt = "%o", .args = { C(1) }, .nargs = 1 },
	{ .fmt = "no nul", .nargs = 0, .fmt_size = -1 },
};

/* snprintf: formats from a frozen read-only map, several output sizes. */
static const struct pcase snprintf_cases[] = {
	{ .fmt = "%d-%s",
	  .args = { C(5), S("str") },
	  .nargs = 2,
	  .out_size = 64 },
	{ .fmt = "%d-%s",
	  .args = { C(5), S("str") },
	  .nargs = 2,
	  .out_size = 4 },
	{ .fmt = "%d-%s",
	  .args = { C(5), S("str") },
	  .nargs = 2,
	  .out_size = 1 },
	{ .fmt = "%d-%s",
	  .args = { C(5), S("str") },
	  .nargs = 2,
	  .out_size = 0 },
	{ .fmt = "%d-%s",
	  .args = { C(5), S("str") },
	  .nargs = 2,
	  .out_size = -1 },
	{ .fmt = "%pI4 %d",
	  .args = { B(ip4, 4), C(77) },
	  .nargs = 2,
	  .out_size = 64 },
	{ .fmt = "%pI4 %d",
	  .args = { B(ip4, 4), C(77) },
	  .nargs = 2,
	  .out_size = 3 },
	{ .fmt = "ab%pI6 %d",
	  .args = { B(ip6, 16), C(77) },
	  .nargs = 2,
	  .out_size = 2 },
	{ .fmt = "%pB %d",
	  .args = { C(0x1234), C(77) },
	  .nargs = 2,
	  .out_size = 1 },
	{ .fmt = "%d %d %d %d %d %d %d %d %d %d %d %d",
	  .args = { C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10),
		    C(11), C(-12) },
	  .nargs = 12,
	  .out_size = 64 },
	{ .fmt = "%s", .args = { U(long_str) }, .nargs = 1, .out_size = 64 },
	{ .fmt = "[%-8s][%8s][%c%c]",
	  .args = { S("l"), S("r"), C('x'), C(0) },
	  .nargs = 4,
	  .out_size = 64 },
	{ .fmt = "%px %p",
	  .args = { C(0x77), C(0) },
	  .nargs = 2,
	  .out_size = 64 },
	{ .fmt = "plain", .nargs = 0, .out_size = 64 },
	{ .fmt = "%%d%%", .nargs = 0, .out_size = 64 },
	/* refused: at load by Linux's verifier, at run by kbpf */
	{ .fmt = "%d", .nargs = 0, .out_size = 64 },
	{ .fmt = "%d %d %d %d %d %d %d %d %d %d %d %d %d",
	  .args = { C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10),
		    C(11), C(12) },
	  .nargs = 12,
	  .out_size = 64 },
	{ .fmt = "%q", .args = { C(1) }, .nargs = 1, .out_size = 64 },
	{ .fmt = "%sx", .args = { S("a") }, .nargs = 1, .out_size = 64 },
	/* refused at run time on both sides */
	{ .fmt = "%d",
	  .args = { C(1), C(2) },
	  .nargs = 2,
	  .data_len = 12,
	  .out_size = 64 },
	{ .fmt = "%d",
	  .args = { C(1) },
	  .nargs = 1,
	  .data_len = 104,
	  .out_size = 64 },
	{ .fmt = "%s%s",
	  .args = { U(long_str), U(long_str) },
	  .nargs = 2,
	  .out_size = 64 },
};

KBPF_TEST(
	trace_printk_diff,
	"bpf_trace_printk: return value and tracefs message equal the kernel's for accepted and refused formats")
{
	const char *why;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	why = tracefs_setup();
	if (why)
		T_SKIP("%s", why);
	memset(long_str, 'x', sizeof(long_str) - 1);
	kbpf_find("", long_str, 1); /* drain the host log */
	for (size_t i = 0; i < sizeof(printk_cases) / sizeof(printk_cases[0]);
	     i++)
		if (compare(H_PRINTK, (int)i, &printk_cases[i]))
			break;
	tracefs_teardown();
	printf("  %d trace_printk cases (%d refused, %d messages compared)\n",
	       n_cases, n_refused, n_msgs);
}

KBPF_TEST(
	trace_vprintk_diff,
	"bpf_trace_vprintk: up to 12 arguments, data_len rules, return value and message equal the kernel's")
{
	const char *why;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	why = tracefs_setup();
	if (why)
		T_SKIP("%s", why);
	memset(long_str, 'x', sizeof(long_str) - 1);
	n_cases = n_refused = n_msgs = 0;
	kbpf_find("", long_str, 1);
	for (size_t i = 0; i < sizeof(vprintk_cases) / sizeof(vprintk_cases[0]);
	     i++) {
		struct pcase c = vprintk_cases[i];

		if (!c.data_len)
			c.data_len = -1;
		if (compare(H_VPRINTK, (int)i, &c))
			break;
	}
	tracefs_teardown();
	printf("  %d trace_vprintk cases (%d refused, %d messages compared)\n",
	       n_cases, n_refused, n_msgs);
}

KBPF_TEST(
	snprintf_diff,
	"bpf_snprintf: return value (length + 1) and output bytes, truncated or not, equal the kernel's")
{
	const char *why;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	memset(long_str, 'x', sizeof(long_str) - 1);
	n_cases = n_refused = n_msgs = 0;
	for (size_t i = 0;
	     i < sizeof(snprintf_cases) / sizeof(snprintf_cases[0]); i++) {
		struct pcase c = snprintf_cases[i];

		if (!c.data_len)
			c.data_len = -1;
		if (compare(H_SNPRINTF, (int)i, &c))
			break;
	}
	printf("  %d snprintf cases (%d refused)\n", n_cases, n_refused);
}

/* Split a tracefs line into "comm-pid", cpu and the text after the time. */
static int parse_line(const char *line, char *who, size_t wsize, int *cpu,
		      const char **rest)
{
	const char *p = line, *b;

	while (*p == ' ')
		p++;
	b = strstr(p, " [");
	if (!b || sscanf(b, " [%d]", cpu) != 1)
		return -1;
	snprintf(who, wsize, "%.*s", (int)(b - p), p);
	*rest = strstr(b, ": bpf_trace_printk: ");
	return *rest ? 0 : -1;
}

KBPF_TEST(
	trace_line_prefix,
	"with the POSIX host's tracefs prefix on, a message's line has the kernel's comm-pid, CPU field and event text")
{
	static const struct pcase c = { .fmt = "prefix %d", .args = { C(42) } };
	char tag[32], fmt[64], line[2][1200], who[2][64];
	const char *rest[2];
	int cpu[2];
	struct result r[2];
	struct pcase cc = c;
	const char *why;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	why = tracefs_setup();
	if (why)
		T_SKIP("%s", why);
	kbpf_find("", line[0], 1);
	snprintf(tag, sizeof(tag), "K%d.9.0|", (int)getpid());
	snprintf(fmt, sizeof(fmt), "%s%s", tag, c.fmt);
	cc.fmt_size = (int)strlen(fmt) + 1;
	kbpf_posix_trace_prefix(1);
	whole_line = true;
	for (int s = 0; s < 2; s++) {
		run_side(s, H_PRINTK, &cc, fmt, strlen(fmt) + 1, tag, &r[s]);
		snprintf(line[s], sizeof(line[s]), "%s", r[s].msg);
	}
	whole_line = false;
	kbpf_posix_trace_prefix(0);
	tracefs_teardown();
	T_EQ(r[0].found, 1);
	T_EQ(r[1].found, 1);
	for (int s = 0; s < 2; s++)
		if (parse_line(line[s], who[s], sizeof(who[s]), &cpu[s],
			       &rest[s]))
			T_FAIL("side %d: unparsable line \"%s\"", s, line[s]);
	/* The kernel shows "<...>" for a comm it has not cached: compare pids then. */
	if (strcmp(strrchr(who[0], '-'), strrchr(who[1], '-')) ||
	    (strcmp(who[0], who[1]) && strncmp(who[0], "<...>-", 6)) ||
	    strcmp(rest[0], rest[1]))
		T_FAIL("kernel \"%s\"\nkbpf   \"%s\"", line[0], line[1]);
	T_ASSERT(cpu[1] >= 0 && cpu[0] >= 0);
	printf("  kernel: %s\n  kbpf:   %s\n", line[0], line[1]);
}
