// SPDX-License-Identifier: MIT
/*
 * BPF_BTF_LOAD, BTF objects and maps with BTF type ids, kbpf against the
 * kernel: the same blobs (valid ones and one per rule of Linux's
 * btf_parse()) loaded on both sides with a log, comparing the result, the
 * errno, the whole log text and btf_log_true_size; the log attribute
 * rules; the objects' ids, fds and bpf_btf_info; BPF_MAP_CREATE with
 * btf_fd/btf_key_type_id/btf_value_type_id and the map's info.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf/uapi/btf.h"

/* ---- a small BTF builder ---- */

struct blob {
	uint8_t types[1 << 14];
	uint32_t tl;
	char strs[4096];
	uint32_t sl;
	uint8_t out[24 + (1 << 14) + 4096 + 64];
	uint32_t len;
};

static void b_reset(struct blob *b)
{
	b->tl = 0;
	b->sl = 1;
	b->strs[0] = 0;
}

static uint32_t S(struct blob *b, const char *s)
{
	uint32_t o = b->sl;
	size_t n = strlen(s) + 1;

	memcpy(b->strs + b->sl, s, n);
	b->sl += (uint32_t)n;
	return o;
}

static void W(struct blob *b, uint32_t v)
{
	memcpy(b->types + b->tl, &v, 4);
	b->tl += 4;
}

static void T(struct blob *b, uint32_t name, uint32_t kind, uint32_t kflag,
	      uint32_t vlen, uint32_t st)
{
	W(b, name);
	W(b, kind << 24 | kflag << 31 | vlen);
	W(b, st);
}

/* INT "int" (id of the next type): 32-bit signed. */
static void T_int(struct blob *b)
{
	T(b, S(b, "int"), BTF_KIND_INT, 0, 0, 4);
	W(b, BTF_INT_SIGNED << 24 | 32);
}

/* Lay out header + types + strings with the header words given. */
static void b_finish_hdr(struct blob *b, uint32_t hdr_len, uint32_t to,
			 uint32_t tlen, uint32_t so, uint32_t slen)
{
	uint32_t h[6] = { 0x0001eb9f, hdr_len, to, tlen, so, slen };

	memset(b->out, 0, sizeof(b->out));
	memcpy(b->out, h, 24);
	memcpy(b->out + 24, b->types, b->tl);
	memcpy(b->out + 24 + b->tl, b->strs, b->sl);
	b->len = 24 + b->tl + b->sl;
}

static void b_finish(struct blob *b)
{
	b_finish_hdr(b, 24, 0, b->tl, b->tl, b->sl);
}

/* ---- one load on each side ---- */

struct res {
	long ret;
	uint32_t true_size;
	char log[8192];
};

static void load_side(int side, const void *data, uint32_t len, uint32_t lvl,
		      uint32_t lsize, uint32_t flags, uint32_t tok,
		      struct res *r)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	memset(r->log, 0, sizeof(r->log));
	a.btf = (uint64_t)(uintptr_t)data;
	a.btf_size = len;
	a.btf_log_level = lvl;
	if (lsize) {
		a.btf_log_buf = (uint64_t)(uintptr_t)r->log;
		a.btf_log_size = lsize;
	}
	a.btf_flags = flags;
	a.btf_token_fd = tok;
	a.btf_log_true_size = 0xdeadbeef;
	r->ret = side_bpf(side, BPF_BTF_LOAD, &a);
	r->true_size = a.btf_log_true_size;
	if (r->ret >= 0)
		side_close(side, r->ret);
}

static int cases, bad, accepted;

/* Load on both sides; count and print a mismatch. */
static void same(const char *what, const void *data, uint32_t len, uint32_t lvl,
		 uint32_t lsize, uint32_t flags, uint32_t tok)
{
	static struct res k, m;

	cases++;
	load_side(SIDE_KERNEL, data, len, lvl, lsize, flags, tok, &k);
	load_side(SIDE_KBPF, data, len, lvl, lsize, flags, tok, &m);
	accepted += k.ret >= 0;
	if ((k.ret >= 0) != (m.ret >= 0) || (k.ret < 0 && k.ret != m.ret) ||
	    k.true_size != m.true_size || strcmp(k.log, m.log)) {
		bad++;
		printf("MISMATCH %s: kernel %ld true %u, kbpf %ld true %u\n"
		       "--- kernel log:\n%s\n--- kbpf log:\n%s\n---\n",
		       what, k.ret, k.true_size, m.ret, m.true_size, k.log,
		       m.log);
	}
}

static void same_blob(const char *what, struct blob *b)
{
	same(what, b->out, b->len, 1, 8192, 0, 0);
}

#define CASE(name, ...)             \
	do {                        \
		b_reset(b);         \
		__VA_ARGS__;        \
		b_finish(b);        \
		same_blob(name, b); \
	} while (0)

static struct blob *new_blob(void)
{
	struct blob *b = calloc(1, sizeof(*b));

	if (b)
		b_reset(b);
	return b;
}

KBPF_TEST(btf_load_header_vs_kernel,
	  "header, area and string-area rules: result, errno, whole log")
{
	struct blob *b;
	uint8_t raw[64];

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	cases = bad = 0;
	CASE("valid int", T_int(b));
	b_reset(b);
	T_int(b);
	b_finish(b);
	same("size 7", b->out, 7, 1, 8192, 0, 0);
	same("size 0", b->out, 0, 1, 8192, 0, 0);
	same("size 23", b->out, 23, 1, 8192, 0, 0);
	same("size 24 (no data)", b->out, 24, 1, 8192, 0, 0);
	/* hdr_len past the blob, short, long with zero and nonzero tails. */
	for (uint32_t hl = 0; hl <= 40; hl += 2) {
		char name[32];

		b_reset(b);
		T_int(b);
		b_finish_hdr(b, hl, 0, b->tl, b->tl, b->sl);
		snprintf(name, sizeof(name), "hdr_len %u", hl);
		same(name, b->out, b->len, 1, 8192, 0, 0);
	}
	b_reset(b);
	T_int(b);
	{
		/* hdr_len 32, zero tail: the areas move by 8. */
		uint32_t h[8] = { 0x0001eb9f, 32, 0, b->tl, b->tl, b->sl, 0, 0 };

		memcpy(b->out, h, 32);
		memcpy(b->out + 32, b->types, b->tl);
		memcpy(b->out + 32 + b->tl, b->strs, b->sl);
		same("hdr_len 32 zero tail", b->out, 32 + b->tl + b->sl, 1,
		     8192, 0, 0);
		b->out[30] = 1;
		same("hdr_len 32 nonzero tail", b->out, 32 + b->tl + b->sl, 1,
		     8192, 0, 0);
	}
	b_reset(b);
	T_int(b);
	b_finish(b);
	b->out[0] = 0x9e;
	same("bad magic", b->out, b->len, 1, 8192, 0, 0);
	b->out[0] = 0xeb;
	b->out[1] = 0x9f;
	same("big-endian magic", b->out, b->len, 1, 8192, 0, 0);
	b_finish(b);
	b->out[2] = 2;
	same("version 2", b->out, b->len, 1, 8192, 0, 0);
	b_finish(b);
	b->out[3] = 1;
	same("flags 1", b->out, b->len, 1, 8192, 0, 0);
	/* Area layouts. */
	{
		struct {
			const char *n;
			int32_t to, tl, so, sl, extra;
		} lay[] = {
			{ "types after strings", 5, 16, 0, 5, 0 },
			{ "gap before types", 4, 16, 20, 5, 4 },
			{ "overlap", 0, 16, 12, 9, -4 },
			{ "type_len too long", 0, 40, 16, 5, 0 },
			{ "str_len too long", 0, 16, 16, 9, 0 },
			{ "trailing bytes", 0, 16, 16, 5, 4 },
			{ "str_off past end", 0, 16, 100, 5, 0 },
			{ "type_off past end", 100, 16, 16, 5, 0 },
			{ "type_off 2", 2, 16, 18, 5, 2 },
			{ "no types", 0, 0, 0, 21, 0 },
			{ "empty strings", 0, 21, 21, 0, 0 },
			{ "huge offsets", (int32_t)0x90000000, 16,
			  (int32_t)0x10000000, 5, 0 },
		};

		for (size_t i = 0; i < sizeof(lay) / sizeof(lay[0]); i++) {
			uint32_t total =
				16 + 5 +
				(uint32_t)(lay[i].extra > 0 ? lay[i].extra : 0);

			b_reset(b);
			T_int(b);
			memset(raw, 0, sizeof(raw));
			b_finish_hdr(b, 24, (uint32_t)lay[i].to,
				     (uint32_t)lay[i].tl, (uint32_t)lay[i].so,
				     (uint32_t)lay[i].sl);
			/* Place the areas where the header says, if in range. */
			memset(b->out + 24, 0, 64);
			if (lay[i].to >= 0 && lay[i].to < 40)
				memcpy(b->out + 24 + lay[i].to, b->types, 16);
			if (lay[i].so >= 0 && lay[i].so < 40)
				memcpy(b->out + 24 + lay[i].so, b->strs, 5);
			same(lay[i].n, b->out, 24 + total, 1, 8192, 0, 0);
		}
	}
	/* String area contents. */
	b_reset(b);
	T_int(b);
	b_finish(b);
	b->out[b->len - 1] = 'x';
	same("strings not NUL-ended", b->out, b->len, 1, 8192, 0, 0);
	b_finish(b);
	b->out[24 + b->tl] = 'x';
	same("strings not NUL-started", b->out, b->len, 1, 8192, 0, 0);
	/* Too big, and unreadable. */
	same("btf_size 16 MiB + 1", b->out, (16u << 20) + 1, 1, 8192, 0, 0);
	same("NULL btf", NULL, 40, 1, 8192, 0, 0);
	free(b);
	printf("%d header cases, %d mismatches\n", cases, bad);
	T_EQ(bad, 0);
}

KBPF_TEST(btf_load_log_attrs_vs_kernel,
	  "log level/buffer/size rules, truncation (-ENOSPC), true size, flags")
{
	struct blob *b;

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	cases = bad = 0;
	b_reset(b);
	T_int(b);
	b_finish(b);
	same("no log", b->out, b->len, 0, 0, 0, 0);
	same("level 1 without buffer", b->out, b->len, 1, 0, 0, 0);
	same("buffer without level", b->out, b->len, 0, 100, 0, 0);
	same("level 16", b->out, b->len, 16, 100, 0, 0);
	same("level 2", b->out, b->len, 2, 8192, 0, 0);
	same("level 4 (stats)", b->out, b->len, 4, 8192, 0, 0);
	same("size 2^30", b->out, b->len, 1, 1u << 30, 0, 0);
	for (uint32_t sz = 1; sz < 200; sz += 13) {
		char name[40];

		snprintf(name, sizeof(name), "rolling log of %u", sz);
		same(name, b->out, b->len, 1, sz, 0, 0);
		snprintf(name, sizeof(name), "fixed log of %u", sz);
		same(name, b->out, b->len, 1 | 8, sz, 0, 0);
	}
	/* An error with a log too short: -ENOSPC wins. */
	b_reset(b);
	T_int(b);
	T(b, 0, BTF_KIND_PTR, 0, 0, 7);
	b_finish(b);
	same("error, log fits", b->out, b->len, 1, 8192, 0, 0);
	same("error, log too short", b->out, b->len, 1, 30, 0, 0);
	same("error, fixed log too short", b->out, b->len, 9, 30, 0, 0);
	same("error, level without buffer", b->out, b->len, 1, 0, 0, 0);
	/* Unwritable log buffer, unreadable blob. */
	{
		static struct res k, m;
		union bpf_attr a;

		for (int s = 0; s < 2; s++) {
			struct res *r = s ? &m : &k;

			memset(&a, 0, sizeof(a));
			a.btf = (uint64_t)(uintptr_t)b->out;
			a.btf_size = b->len;
			a.btf_log_level = 1;
			a.btf_log_buf = 0x10;
			a.btf_log_size = 100;
			r->ret = side_bpf(s, BPF_BTF_LOAD, &a);
			r->true_size = a.btf_log_true_size;
			side_close(s, r->ret);
		}
		cases++;
		if (k.ret != m.ret || k.true_size != m.true_size) {
			bad++;
			printf("MISMATCH unwritable log: kernel %ld true %u, kbpf %ld true %u\n",
			       k.ret, k.true_size, m.ret, m.true_size);
		}
	}
	same("unreadable blob", (const void *)(uintptr_t)0x10, b->len, 1, 8192,
	     0, 0);
	/* The attr ends before btf_log_true_size: nothing written there. */
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		static char log[512];
		long r;

		memset(&a, 0, sizeof(a));
		a.btf = (uint64_t)(uintptr_t)b->out;
		a.btf_size = b->len;
		a.btf_log_level = 1;
		a.btf_log_buf = (uint64_t)(uintptr_t)log;
		a.btf_log_size = sizeof(log);
		a.btf_log_true_size = 0xdeadbeef;
		r = s == SIDE_KERNEL ?
			    oracle_kernel_bpf(BPF_BTF_LOAD, &a,
					      offsetof(union bpf_attr,
						       btf_log_true_size)) :
			    oracle_kbpf_bpf(BPF_BTF_LOAD, &a,
					    offsetof(union bpf_attr,
						     btf_log_true_size));
		cases++;
		if (r != -22 || a.btf_log_true_size != 0xdeadbeef) {
			/* the blob has a bad pointer type: -EINVAL */
			bad++;
			printf("MISMATCH short attr, side %d: %ld true %x\n", s,
			       r, a.btf_log_true_size);
		}
	}
	/* btf_flags and the token. */
	same("btf_flags 2", b->out, b->len, 0, 0, 2, 0);
	same("btf_flags 1<<31", b->out, b->len, 0, 0, 1u << 31, 0);
	same("token flag, fd 0 (not a token)", b->out, b->len, 0, 0,
	     BPF_F_TOKEN_FD, 0);
	same("token flag, closed fd", b->out, b->len, 0, 0, BPF_F_TOKEN_FD,
	     1000);
	same("token fd without flag", b->out, b->len, 0, 0, 0, 1000);
	free(b);
	printf("%d log cases, %d mismatches\n", cases, bad);
	T_EQ(bad, 0);
}

KBPF_TEST(btf_load_kinds_vs_kernel,
	  "every kind's record rules (names, vlen, kind_flag, sizes, members)")
{
	struct blob *b;
	char n513[514], n512[513];

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	cases = bad = 0;
	memset(n513, 'a', 513);
	n513[513] = 0;
	memset(n512, 'a', 512);
	n512[512] = 0;
	/* Record framing. */
	CASE("truncated record", T_int(b); b->tl -= 8);
	CASE("truncated int data", T_int(b); b->tl -= 2);
	CASE("kind 0", T(b, 0, 0, 0, 0, 0));
	CASE("kind 20", T(b, 0, 20, 0, 0, 0));
	CASE("kind 31", T(b, 0, 31, 0, 0, 0));
	CASE("info bits 16-23", T_int(b); T(b, 0, 2, 0, 1u << 16, 1));
	CASE("name offset past strings", T(b, 99, BTF_KIND_INT, 0, 0, 4);
	     W(b, 32));
	/* INT. */
	CASE("int vlen", T(b, 0, 1, 0, 1, 4); W(b, 32));
	CASE("int kflag", T(b, 0, 1, 1, 0, 4); W(b, 32));
	CASE("int data high bits", T(b, 0, 1, 0, 0, 4); W(b, 0x10000020));
	CASE("int 129 bits", T(b, 0, 1, 0, 0, 16); W(b, 129));
	CASE("int bits+offset 129", T(b, 0, 1, 0, 0, 16); W(b, 1 << 16 | 128));
	CASE("int bits exceed size", T(b, 0, 1, 0, 0, 1); W(b, 9));
	CASE("int encoding 3", T(b, 0, 1, 0, 0, 4); W(b, 3 << 24 | 32));
	CASE("int encodings", T(b, S(b, "c"), 1, 0, 0, 1); W(b, 2 << 24 | 8);
	     T(b, S(b, "b"), 1, 0, 0, 1); W(b, 4 << 24 | 8);
	     T(b, S(b, "u"), 1, 0, 0, 16); W(b, 128);
	     T(b, S(b, "n a m e"), 1, 0, 0, 4); W(b, 3 << 16 | 7));
	/* Reference kinds. */
	CASE("ptr vlen", T_int(b); T(b, 0, 2, 0, 1, 1));
	CASE("ptr kflag", T_int(b); T(b, 0, 2, 1, 0, 1));
	CASE("ptr named", T_int(b); T(b, S(b, "p"), 2, 0, 0, 1));
	CASE("ptr type past max", T_int(b); T(b, 0, 2, 0, 0, 0x100000));
	CASE("ptr to missing", T_int(b); T(b, 0, 2, 0, 0, 7));
	CASE("ptr to void", T(b, 0, 2, 0, 0, 0));
	CASE("const named", T_int(b); T(b, S(b, "c"), 10, 0, 0, 1));
	CASE("volatile/restrict", T_int(b); T(b, 0, 9, 0, 0, 1);
	     T(b, 0, 2, 0, 0, 2); T(b, 0, 11, 0, 0, 3));
	CASE("typedef anon", T_int(b); T(b, 0, 8, 0, 0, 1));
	CASE("typedef bad name", T_int(b); T(b, S(b, "a-b"), 8, 0, 0, 1));
	CASE("typedef 1st digit", T_int(b); T(b, S(b, "1a"), 8, 0, 0, 1));
	CASE("typedef dots, latin-1", T_int(b); T(b, S(b, ".a.b"), 8, 0, 0, 1);
	     T(b, S(b, "\xe9t\xff"), 8, 0, 0, 1));
	CASE("typedef nbsp", T_int(b); T(b, S(b, "\xa0"), 8, 0, 0, 1));
	CASE("typedef 512", T_int(b); T(b, S(b, n512), 8, 0, 0, 1));
	CASE("typedef 513", T_int(b); T(b, S(b, n513), 8, 0, 0, 1));
	CASE("typedef of void", T(b, S(b, "v"), 8, 0, 0, 0));
	CASE("type_tag empty", T_int(b); T(b, 0, 18, 0, 0, 1));
	CASE("type_tag kflag", T_int(b); T(b, S(b, "t"), 18, 1, 0, 1));
	CASE("tag after const", T_int(b); T(b, S(b, "t"), 18, 0, 0, 1);
	     T(b, 0, 10, 0, 0, 2); T(b, 0, 2, 0, 0, 3));
	CASE("const after tag", T_int(b); T(b, 0, 10, 0, 0, 1);
	     T(b, S(b, "t"), 18, 0, 0, 2); T(b, 0, 2, 0, 0, 3));
	/* FWD. */
	CASE("fwd", T(b, S(b, "s"), 7, 0, 0, 0); T(b, S(b, "u"), 7, 1, 0, 0));
	CASE("fwd vlen", T(b, S(b, "s"), 7, 0, 1, 0));
	CASE("fwd type", T(b, S(b, "s"), 7, 0, 0, 1));
	CASE("fwd anon", T(b, 0, 7, 0, 0, 0));
	/* ARRAY. */
	CASE("array", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 1); W(b, 1); W(b, 4));
	CASE("array short", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 1));
	CASE("array named", T_int(b); T(b, S(b, "a"), 3, 0, 0, 0); W(b, 1);
	     W(b, 1); W(b, 4));
	CASE("array vlen", T_int(b); T(b, 0, 3, 0, 1, 0); W(b, 1); W(b, 1);
	     W(b, 4));
	CASE("array kflag", T_int(b); T(b, 0, 3, 1, 0, 0); W(b, 1); W(b, 1);
	     W(b, 4));
	CASE("array size", T_int(b); T(b, 0, 3, 0, 0, 4); W(b, 1); W(b, 1);
	     W(b, 4));
	CASE("array void elem", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 0); W(b, 1);
	     W(b, 4));
	CASE("array void index", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 1);
	     W(b, 0); W(b, 4));
	CASE("array missing elem", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 9);
	     W(b, 1); W(b, 4));
	CASE("array ptr index", T_int(b); T(b, 0, 2, 0, 0, 1);
	     T(b, 0, 3, 0, 0, 0); W(b, 1); W(b, 2); W(b, 4));
	CASE("array bitfield index", T(b, S(b, "b"), 1, 0, 0, 4); W(b, 31);
	     T(b, 0, 3, 0, 0, 0); W(b, 1); W(b, 1); W(b, 4));
	CASE("array of bitfield", T_int(b); T(b, S(b, "b"), 1, 0, 0, 4);
	     W(b, 31); T(b, 0, 3, 0, 0, 0); W(b, 2); W(b, 1); W(b, 4));
	CASE("array overflow", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 1); W(b, 1);
	     W(b, 0x40000000));
	CASE("array of func proto", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, 0, 3, 0, 0, 0); W(b, 2); W(b, 1); W(b, 4));
	CASE("array of arrays", T_int(b); T(b, 0, 3, 0, 0, 0); W(b, 1); W(b, 1);
	     W(b, 4); T(b, 0, 3, 0, 0, 0); W(b, 2); W(b, 1); W(b, 3));
	/* STRUCT / UNION. */
	CASE("struct", T_int(b); T(b, S(b, "s"), 4, 0, 2, 8); W(b, S(b, "a"));
	     W(b, 1); W(b, 0); W(b, S(b, "b")); W(b, 1); W(b, 32));
	CASE("struct short", T_int(b); T(b, S(b, "s"), 4, 0, 2, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 0));
	CASE("struct bad name", T_int(b); T(b, S(b, "s s"), 4, 0, 0, 8));
	CASE("member name offset", T_int(b); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, 500); W(b, 1); W(b, 0));
	CASE("member bad name", T_int(b); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "$")); W(b, 1); W(b, 0));
	CASE("member void", T_int(b); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "a")); W(b, 0); W(b, 0));
	CASE("member missing", T_int(b); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "a")); W(b, 9); W(b, 0));
	CASE("union offset", T_int(b); T(b, S(b, "u"), 5, 0, 1, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 8));
	CASE("members out of order", T_int(b); T(b, S(b, "s"), 4, 0, 2, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 32); W(b, S(b, "b")); W(b, 1);
	     W(b, 0));
	CASE("member past size", T_int(b); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 72));
	CASE("member exceeds", T_int(b); T(b, S(b, "s"), 4, 0, 1, 6);
	     W(b, S(b, "a")); W(b, 1); W(b, 32));
	CASE("member unaligned struct", T_int(b); T(b, S(b, "i"), 4, 0, 1, 4);
	     W(b, S(b, "a")); W(b, 1); W(b, 0); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "x")); W(b, 2); W(b, 3));
	CASE("member ptr unaligned", T_int(b); T(b, 0, 2, 0, 0, 1);
	     T(b, S(b, "s"), 4, 0, 1, 16); W(b, S(b, "p")); W(b, 2); W(b, 4));
	CASE("member ptr exceeds", T_int(b); T(b, 0, 2, 0, 0, 1);
	     T(b, S(b, "s"), 4, 0, 1, 12); W(b, S(b, "p")); W(b, 2); W(b, 64));
	CASE("member func proto", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, S(b, "s"), 4, 0, 1, 8); W(b, S(b, "f")); W(b, 2); W(b, 0));
	CASE("member fwd", T(b, S(b, "f"), 7, 0, 0, 0);
	     T(b, S(b, "s"), 4, 0, 1, 8); W(b, S(b, "f")); W(b, 1); W(b, 0));
	CASE("member var", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 0);
	     T(b, S(b, "s"), 4, 0, 1, 8); W(b, S(b, "f")); W(b, 2); W(b, 0));
	CASE("member typedef of fwd", T(b, S(b, "f"), 7, 0, 0, 0);
	     T(b, S(b, "t"), 8, 0, 0, 1); T(b, S(b, "s"), 4, 0, 1, 8);
	     W(b, S(b, "f")); W(b, 2); W(b, 0));
	CASE("member int bitfield old", T(b, S(b, "b"), 1, 0, 0, 4);
	     W(b, 5 << 16 | 20); T(b, S(b, "s"), 4, 0, 1, 4); W(b, S(b, "x"));
	     W(b, 1); W(b, 9));
	CASE("member int past 128", T(b, S(b, "b"), 1, 0, 0, 16); W(b, 128);
	     T(b, S(b, "s"), 4, 0, 1, 32); W(b, S(b, "x")); W(b, 1); W(b, 4));
	CASE("kflag bitfields", T_int(b); T(b, S(b, "s"), 4, 1, 3, 4);
	     W(b, S(b, "a")); W(b, 1); W(b, 3u << 24 | 0); W(b, S(b, "b"));
	     W(b, 1); W(b, 5u << 24 | 3); W(b, S(b, "c")); W(b, 1);
	     W(b, 8u << 24 | 8));
	CASE("kflag bitfield too wide", T_int(b); T(b, S(b, "s"), 4, 1, 1, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 33u << 24 | 0));
	CASE("kflag member unaligned", T_int(b); T(b, S(b, "s"), 4, 1, 1, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 3));
	CASE("kflag irregular int", T(b, S(b, "b"), 1, 0, 0, 4); W(b, 31);
	     T(b, S(b, "s"), 4, 1, 1, 8); W(b, S(b, "a")); W(b, 1); W(b, 0));
	CASE("kflag ptr bitfield", T_int(b); T(b, 0, 2, 0, 0, 1);
	     T(b, S(b, "s"), 4, 1, 1, 8); W(b, S(b, "a")); W(b, 2);
	     W(b, 1u << 24));
	CASE("kflag enum bitfield", T(b, S(b, "E"), 6, 0, 1, 4);
	     W(b, S(b, "A")); W(b, 1); T(b, S(b, "s"), 4, 1, 2, 8);
	     W(b, S(b, "a")); W(b, 1); W(b, 3u << 24 | 0); W(b, S(b, "b"));
	     W(b, 1); W(b, 40u << 24 | 8));
	CASE("float member", T(b, S(b, "f"), 16, 0, 0, 8);
	     T(b, S(b, "s"), 4, 0, 2, 16); W(b, S(b, "a")); W(b, 1); W(b, 0);
	     W(b, S(b, "b")); W(b, 1); W(b, 32));
	CASE("struct loop", T(b, S(b, "A"), 4, 0, 1, 4); W(b, S(b, "b"));
	     W(b, 2); W(b, 0); T(b, S(b, "B"), 4, 0, 1, 4); W(b, S(b, "a"));
	     W(b, 1); W(b, 0));
	CASE("self pointer", T_int(b); T(b, S(b, "A"), 4, 0, 2, 16);
	     W(b, S(b, "m")); W(b, 1); W(b, 0); W(b, S(b, "n")); W(b, 3);
	     W(b, 64); T(b, 0, 2, 0, 0, 2));
	CASE("pointer loop", T(b, 0, 10, 0, 0, 2); T(b, 0, 2, 0, 0, 1));
	CASE("ptr loop via const", T(b, 0, 2, 0, 0, 2); T(b, 0, 10, 0, 0, 1));
	/* ENUM / ENUM64. */
	CASE("enums", T(b, S(b, "E"), 6, 0, 2, 4); W(b, S(b, "A")); W(b, 1);
	     W(b, S(b, "B")); W(b, 0xfffffffe); T(b, S(b, "F"), 6, 1, 1, 1);
	     W(b, S(b, "C")); W(b, 0xfffffffe); T(b, 0, 19, 0, 1, 8);
	     W(b, S(b, "D")); W(b, 5); W(b, 0x80000000); T(b, 0, 19, 1, 1, 8);
	     W(b, S(b, "G")); W(b, 5); W(b, 0x80000000));
	CASE("enum size 3", T(b, S(b, "E"), 6, 0, 0, 3));
	CASE("enum size 16", T(b, S(b, "E"), 6, 0, 0, 16));
	CASE("enum size 0", T(b, S(b, "E"), 6, 0, 0, 0));
	CASE("enum short", T(b, S(b, "E"), 6, 0, 2, 4); W(b, S(b, "A")));
	CASE("enum bad name", T(b, S(b, "E-"), 6, 0, 0, 4));
	CASE("enumerator anon", T(b, S(b, "E"), 6, 0, 1, 4); W(b, 0); W(b, 1));
	CASE("enumerator offset", T(b, S(b, "E"), 6, 0, 1, 4); W(b, 900);
	     W(b, 1));
	CASE("enum64 bad name", T(b, 0, 19, 0, 1, 8); W(b, S(b, "1x")); W(b, 0);
	     W(b, 0));
	/* FUNC / FUNC_PROTO. */
	CASE("func", T_int(b); T(b, 0, 13, 0, 2, 1); W(b, S(b, "a")); W(b, 1);
	     W(b, 0); W(b, 0); T(b, S(b, "f"), 12, 0, 1, 2));
	CASE("func anon", T_int(b); T(b, 0, 13, 0, 0, 1); T(b, 0, 12, 0, 0, 2));
	CASE("func linkage 2", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, S(b, "f"), 12, 0, 2, 2));
	CASE("func kflag", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, S(b, "f"), 12, 1, 0, 2));
	CASE("func of int", T_int(b); T(b, S(b, "f"), 12, 0, 0, 1));
	CASE("func nameless arg", T_int(b); T(b, 0, 13, 0, 1, 1); W(b, 0);
	     W(b, 1); T(b, S(b, "f"), 12, 0, 0, 2));
	CASE("proto named", T_int(b); T(b, S(b, "p"), 13, 0, 0, 1));
	CASE("proto kflag", T_int(b); T(b, 0, 13, 1, 0, 1));
	CASE("proto short", T_int(b); T(b, 0, 13, 0, 3, 1); W(b, 0));
	CASE("proto missing return", T(b, 0, 13, 0, 0, 5));
	CASE("proto returns proto", T(b, 0, 13, 0, 0, 1));
	CASE("proto vararg only", T_int(b); T(b, 0, 13, 0, 1, 1); W(b, 0);
	     W(b, 0));
	CASE("proto named vararg", T_int(b); T(b, 0, 13, 0, 1, 1);
	     W(b, S(b, "x")); W(b, 0));
	CASE("proto args", T_int(b); T(b, 0, 13, 0, 3, 0); W(b, S(b, "a"));
	     W(b, 1); W(b, 0); W(b, 1); W(b, 0); W(b, 0));
	CASE("proto missing arg", T_int(b); T(b, 0, 13, 0, 2, 1); W(b, 0);
	     W(b, 9); W(b, 0); W(b, 1));
	CASE("proto arg bad name", T_int(b); T(b, 0, 13, 0, 1, 1);
	     W(b, S(b, "-")); W(b, 1));
	CASE("proto arg name offset", T_int(b); T(b, 0, 13, 0, 1, 1); W(b, 700);
	     W(b, 1));
	CASE("proto void arg", T_int(b); T(b, 0, 13, 0, 2, 1); W(b, 0); W(b, 0);
	     W(b, 0); W(b, 1));
	CASE("proto fwd arg", T(b, S(b, "s"), 7, 0, 0, 0); T(b, 0, 13, 0, 1, 0);
	     W(b, 0); W(b, 1));
	CASE("proto bad ptr arg", T(b, 0, 2, 0, 0, 9); T(b, 0, 13, 0, 1, 0);
	     W(b, 0); W(b, 1));
	CASE("proto returns var", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1);
	     W(b, 0); T(b, 0, 13, 0, 0, 2));
	CASE("proto returns datasec", T_int(b); T(b, 0, 13, 0, 0, 4);
	     T(b, S(b, "v"), 14, 0, 0, 1); W(b, 0);
	     T(b, S(b, "d"), 15, 0, 1, 4); W(b, 3); W(b, 0); W(b, 4));
	CASE("proto returns decl tag", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1);
	     W(b, 0); T(b, S(b, "t"), 17, 0, 0, 2); W(b, (uint32_t)-1);
	     T(b, 0, 13, 0, 0, 3));
	CASE("proto arg var", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 0);
	     T(b, 0, 13, 0, 1, 1); W(b, S(b, "a")); W(b, 2));
	CASE("proto arg datasec", T_int(b); T(b, 0, 13, 0, 1, 1); W(b, 0);
	     W(b, 4); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 0);
	     T(b, S(b, "d"), 15, 0, 1, 4); W(b, 3); W(b, 0); W(b, 4));
	CASE("proto arg decl tag", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1);
	     W(b, 0); T(b, S(b, "t"), 17, 0, 0, 2); W(b, (uint32_t)-1);
	     T(b, 0, 13, 0, 1, 1); W(b, 0); W(b, 3));
	CASE("proto arg var, bad name", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1);
	     W(b, 0); T(b, 0, 13, 0, 1, 1); W(b, S(b, "-")); W(b, 2));
	CASE("proto arg func", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, S(b, "f"), 12, 0, 0, 2); T(b, 0, 13, 0, 1, 1); W(b, 0);
	     W(b, 3));
	/* VAR / DATASEC. */
	CASE("var/datasec", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, ".data"), 15, 0, 1, 4); W(b, 2); W(b, 0); W(b, 4));
	CASE("var short", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1));
	CASE("var vlen", T_int(b); T(b, S(b, "v"), 14, 0, 1, 1); W(b, 0));
	CASE("var kflag", T_int(b); T(b, S(b, "v"), 14, 1, 0, 1); W(b, 0));
	CASE("var anon", T_int(b); T(b, 0, 14, 0, 0, 1); W(b, 0));
	CASE("var void", T(b, S(b, "v"), 14, 0, 0, 0); W(b, 0));
	CASE("var linkage 2", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 2));
	CASE("var of func proto", T_int(b); T(b, 0, 13, 0, 0, 1);
	     T(b, S(b, "v"), 14, 0, 0, 2); W(b, 0));
	CASE("var of var", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 0);
	     T(b, S(b, "w"), 14, 0, 0, 2); W(b, 0));
	CASE("datasec size 0", T_int(b); T(b, S(b, "d"), 15, 0, 0, 0));
	CASE("datasec kflag", T_int(b); T(b, S(b, "d"), 15, 1, 0, 4));
	CASE("datasec anon", T_int(b); T(b, 0, 15, 0, 0, 4));
	CASE("datasec unprintable", T_int(b); T(b, S(b, "d\x01"), 15, 0, 0, 4));
	CASE("datasec short", T_int(b); T(b, S(b, "d"), 15, 0, 2, 4); W(b, 1));
	CASE("vsi void", T_int(b); T(b, S(b, "d"), 15, 0, 1, 4); W(b, 0);
	     W(b, 0); W(b, 4));
	CASE("vsi offset", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, "d"), 15, 0, 1, 4); W(b, 2); W(b, 4); W(b, 4));
	CASE("vsi size 0", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, "d"), 15, 0, 1, 4); W(b, 2); W(b, 0); W(b, 0));
	CASE("vsi past end", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, "d"), 15, 0, 1, 6); W(b, 2); W(b, 4); W(b, 4));
	CASE("vsi overlap", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, "d"), 15, 0, 2, 8); W(b, 2); W(b, 0); W(b, 4); W(b, 2);
	     W(b, 2); W(b, 4));
	CASE("vsi not var", T_int(b); T(b, S(b, "d"), 15, 0, 1, 4); W(b, 1);
	     W(b, 0); W(b, 4));
	CASE("vsi too small", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1); W(b, 1);
	     T(b, S(b, "d"), 15, 0, 1, 4); W(b, 2); W(b, 0); W(b, 2));
	/* FLOAT. */
	CASE("floats", T(b, S(b, "h"), 16, 0, 0, 2);
	     T(b, S(b, "q"), 16, 0, 0, 16));
	CASE("float size 3", T(b, S(b, "f"), 16, 0, 0, 3));
	CASE("float vlen", T(b, S(b, "f"), 16, 0, 1, 4));
	CASE("float kflag", T(b, S(b, "f"), 16, 1, 0, 4));
	/* DECL_TAG. */
	CASE("decl tags", T_int(b); T(b, S(b, "s"), 4, 0, 1, 4);
	     W(b, S(b, "m")); W(b, 1); W(b, 0); T(b, S(b, "t"), 17, 0, 0, 2);
	     W(b, (uint32_t)-1); T(b, S(b, "t"), 17, 1, 0, 2); W(b, 0));
	CASE("decl tag empty", T_int(b); T(b, 0, 17, 0, 0, 1);
	     W(b, (uint32_t)-1));
	CASE("decl tag short", T_int(b); T(b, S(b, "t"), 17, 0, 0, 1));
	CASE("decl tag vlen", T_int(b); T(b, S(b, "t"), 17, 0, 1, 1);
	     W(b, (uint32_t)-1));
	CASE("decl tag idx -2", T_int(b); T(b, S(b, "t"), 17, 0, 0, 1);
	     W(b, (uint32_t)-2));
	CASE("decl tag on int", T_int(b); T(b, S(b, "t"), 17, 0, 0, 1);
	     W(b, (uint32_t)-1));
	CASE("decl tag idx past members", T_int(b); T(b, S(b, "s"), 4, 0, 1, 4);
	     W(b, S(b, "m")); W(b, 1); W(b, 0); T(b, S(b, "t"), 17, 0, 0, 2);
	     W(b, 1));
	CASE("decl tag on var idx", T_int(b); T(b, S(b, "v"), 14, 0, 0, 1);
	     W(b, 0); T(b, S(b, "t"), 17, 0, 0, 2); W(b, 0));
	CASE("decl tag on func arg", T_int(b); T(b, 0, 13, 0, 1, 1);
	     W(b, S(b, "a")); W(b, 1); T(b, S(b, "f"), 12, 0, 0, 2);
	     T(b, S(b, "t"), 17, 0, 0, 3); W(b, 0);
	     T(b, S(b, "t"), 17, 0, 0, 3); W(b, 1));
	/* Resolution depth: 33 typedefs. */
	CASE("chain of 33", T_int(b);
	     for (uint32_t i = 0; i < 33; i++) T(b, 0, 10, 0, 0, i + 1));
	CASE("chain of 31", T_int(b);
	     for (uint32_t i = 0; i < 31; i++) T(b, 0, 10, 0, 0, i + 1));
	free(b);
	printf("%d kind cases, %d mismatches\n", cases, bad);
	T_EQ(bad, 0);
}

KBPF_TEST(btf_load_random_mutations_vs_kernel,
	  "seeded byte mutations of a valid blob: same result, errno and log")
{
	struct blob *b, *m;
	uint64_t st = kbpf_test_seed();

	NEED_KERNEL();
	b = new_blob();
	m = new_blob();
	T_ASSERT(b && m);
	cases = bad = accepted = 0;
	b_reset(b);
	T_int(b);
	T(b, 0, 2, 0, 0, 1);
	T(b, S(b, "s"), 4, 1, 2, 16);
	W(b, S(b, "a"));
	W(b, 1);
	W(b, 3u << 24);
	W(b, S(b, "p"));
	W(b, 2);
	W(b, 64);
	T(b, 0, 3, 0, 0, 0);
	W(b, 3);
	W(b, 1);
	W(b, 2);
	T(b, S(b, "E"), 6, 0, 1, 4);
	W(b, S(b, "A"));
	W(b, 7);
	T(b, 0, 13, 0, 2, 1);
	W(b, S(b, "x"));
	W(b, 4);
	W(b, 0);
	W(b, 0);
	T(b, S(b, "f"), 12, 0, 1, 6);
	T(b, S(b, "v"), 14, 0, 0, 3);
	W(b, 1);
	T(b, S(b, ".d"), 15, 0, 1, 16);
	W(b, 8);
	W(b, 0);
	W(b, 16);
	T(b, S(b, "t"), 8, 0, 0, 3);
	T(b, S(b, "g"), 17, 0, 0, 3);
	W(b, 1);
	b_finish(b);
	same("mutation base", b->out, b->len, 1, 8192, 0, 0);
	for (int i = 0; i < 3000; i++) {
		char name[48];
		int flips = 1 + (int)(kbpf_test_rand(&st) % 3);

		memcpy(m->out, b->out, b->len);
		for (int f = 0; f < flips; f++) {
			uint32_t at = (uint32_t)(kbpf_test_rand(&st) % b->len);
			uint64_t r = kbpf_test_rand(&st);

			/* Small values matter most for ids, sizes and kinds. */
			m->out[at] = (r & 1) ? (uint8_t)(r >> 8) :
					       (uint8_t)((r >> 8) % 24);
		}
		snprintf(name, sizeof(name), "mutation %d (seed %llu)", i,
			 (unsigned long long)kbpf_test_seed());
		same(name, m->out, b->len, 1, 8192, 0, 0);
		if (bad > 5)
			break;
	}
	free(b);
	free(m);
	printf("%d mutation cases (%d accepted by the kernel), %d mismatches\n",
	       cases, accepted, bad);
	/* The mutations must reach both outcomes to prove anything. */
	T_ASSERT(accepted > 10 && accepted < cases - 10);
	T_EQ(bad, 0);
}

/* Build one valid blob with an int, a struct of 8 bytes and a datasec. */
static void map_blob(struct blob *b)
{
	b_reset(b);
	T_int(b); /* 1: int */
	T(b, S(b, "s"), 4, 0, 2, 8); /* 2: struct s { int a, b; } */
	W(b, S(b, "a"));
	W(b, 1);
	W(b, 0);
	W(b, S(b, "b"));
	W(b, 1);
	W(b, 32);
	T(b, S(b, "v"), 14, 0, 0, 1); /* 3: var v: int */
	W(b, 1);
	T(b, S(b, ".bss"), 15, 0, 1, 4); /* 4: datasec */
	W(b, 3);
	W(b, 0);
	W(b, 4);
	T(b, S(b, "t"), 8, 0, 0, 2); /* 5: typedef t: s */
	T(b, 0, 13, 0, 0, 1); /* 6: proto */
	T(b, S(b, "c"), 1, 0, 0, 1); /* 7: char */
	W(b, 8);
	T(b, S(b, "l"), 1, 0, 0, 8); /* 8: long */
	W(b, 64);
	T(b, S(b, "four"), 4, 0, 1, 4); /* 9: struct four { int a; } */
	W(b, S(b, "a"));
	W(b, 1);
	W(b, 0);
	T(b, S(b, "u"), 1, 0, 0, 4); /* 10: unsigned int */
	W(b, 32);
	T(b, S(b, "b"), 1, 0, 0, 4); /* 11: 31-bit int */
	W(b, 31);
	b_finish(b);
}

static long load_fd(int side, struct blob *b)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)b->out;
	a.btf_size = b->len;
	return side_bpf(side, BPF_BTF_LOAD, &a);
}

KBPF_TEST(btf_objects_vs_kernel,
	  "BTF fds and ids: GET_NEXT_ID, GET_FD_BY_ID, bpf_btf_info rules")
{
	struct blob *b;
	long fd[2], fd2[2];
	uint32_t id[2];

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	map_blob(b);
	for (int s = 0; s < 2; s++) {
		struct bpf_btf_info info;
		union bpf_attr a;
		uint8_t copy[512];
		char name[8];
		long r;

		fd[s] = load_fd(s, b);
		T_ASSERT(fd[s] >= 0);
		/* Full info: the blob, its size, an id, no name. */
		memset(&info, 0, sizeof(info));
		memset(copy, 0xaa, sizeof(copy));
		info.btf = (uint64_t)(uintptr_t)copy;
		info.btf_size = sizeof(copy);
		info.name = (uint64_t)(uintptr_t)name;
		info.name_len = sizeof(name);
		memset(name, 'x', sizeof(name));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd[s];
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		T_EQ(a.info.info_len, sizeof(info));
		T_EQ(info.btf_size, b->len);
		T_MEMEQ(copy, b->out, b->len);
		T_EQ(copy[b->len], 0xaa);
		T_EQ(info.name_len, 0);
		T_EQ(name[0], 0);
		T_EQ(name[1], 'x');
		T_EQ(info.kernel_btf, 0);
		T_NE(info.id, 0);
		id[s] = info.id;
		/* A short buffer gets what fits; the size stays the whole. */
		memset(copy, 0xaa, sizeof(copy));
		info.btf_size = 10;
		info.name = 0;
		info.name_len = 0;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		T_EQ(info.btf_size, b->len);
		T_EQ(copy[10], 0xaa);
		T_MEMEQ(copy, b->out, 10);
		/* Name pointer without length, and the other way round. */
		info.name = (uint64_t)(uintptr_t)name;
		info.name_len = 0;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), -22);
		info.name = 0;
		info.name_len = 4;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), -22);
		/* Short info_len: only that much written back. */
		info.name_len = 0;
		a.info.info_len = 4;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		T_EQ(a.info.info_len, 4);
		/* Nonzero bytes past the structure: -E2BIG. */
		{
			uint8_t big[sizeof(info) + 8];

			memset(big, 0, sizeof(big));
			big[sizeof(info) + 3] = 1;
			a.info.info = (uint64_t)(uintptr_t)big;
			a.info.info_len = sizeof(big);
			T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), -7);
		}
		/* The id walks and opens. */
		memset(&a, 0, sizeof(a));
		a.start_id = id[s] - 1;
		T_EQ(side_bpf(s, BPF_BTF_GET_NEXT_ID, &a), 0);
		T_EQ(a.next_id, id[s]);
		memset(&a, 0, sizeof(a));
		a.btf_id = id[s];
		fd2[s] = side_bpf(s, BPF_BTF_GET_FD_BY_ID, &a);
		T_ASSERT(fd2[s] >= 0);
		a.open_flags = BPF_F_RDONLY;
		T_EQ(side_bpf(s, BPF_BTF_GET_FD_BY_ID, &a), -22);
		/* Not pinnable: Linux pins maps, programs and links only. */
		memset(&a, 0, sizeof(a));
		a.bpf_fd = (uint32_t)fd[s];
		a.pathname = (uint64_t)(uintptr_t) "/sys/fs/bpf/kbpf_btf_pin_x";
		r = side_bpf(s, BPF_OBJ_PIN, &a);
		T_EQ(r, -22);
		side_close(s, fd[s]);
		/* Still reachable through the second fd. */
		memset(&a, 0, sizeof(a));
		a.start_id = id[s] - 1;
		T_EQ(side_bpf(s, BPF_BTF_GET_NEXT_ID, &a), 0);
		T_EQ(a.next_id, id[s]);
		side_close(s, fd2[s]);
	}
	free(b);
}

struct mcase {
	const char *what;
	uint32_t type, ks, vs, max, kid, vid, vmid, flags;
	int btf; /* 0: the BTF fd; 1: fd 1000 (closed); 2: a map fd */
};

KBPF_TEST(btf_map_create_vs_kernel,
	  "BPF_MAP_CREATE with BTF type ids: size and kind checks, errnos, info")
{
	static const struct mcase mc[] = {
		{ "array int/struct", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 1, 2, 0, 0,
		  0 },
		{ "array typedef value", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 1, 5, 0,
		  0, 0 },
		{ "array value size differs", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 1, 2,
		  0, 0, 0 },
		{ "array key size differs", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 2, 2,
		  0, 0, 0 },
		{ "array key char", BPF_MAP_TYPE_ARRAY, 4, 1, 4, 1, 7, 0, 0,
		  0 },
		{ "array keyless datasec", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 4, 0,
		  0, 0 },
		{ "array keyless datasec 2 entries", BPF_MAP_TYPE_ARRAY, 4, 4,
		  2, 0, 4, 0, 0, 0 },
		{ "array keyless int", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 1, 0, 0,
		  0 },
		{ "array key only", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 0, 0, 0,
		  0 },
		{ "array value proto", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 6, 0, 0,
		  0 },
		{ "array value var", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 3, 0, 0,
		  0 },
		{ "array value void", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, 0, 0,
		  0 },
		{ "array value past last", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 99,
		  0, 0, 0 },
		{ "array closed btf fd", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 1, 0,
		  0, 1 },
		{ "array map fd as btf", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 1, 1, 0,
		  0, 2 },
		{ "array vmlinux value id", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0,
		  1, 0, 0 },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 1, 2, 0,
		  0, 0 },
		{ "hash", BPF_MAP_TYPE_HASH, 8, 4, 4, 2, 1, 0, 0, 0 },
		{ "hash long key", BPF_MAP_TYPE_HASH, 8, 8, 4, 8, 8, 0, 0, 0 },
		{ "hash keyless", BPF_MAP_TYPE_HASH, 8, 4, 4, 0, 1, 0, 0, 0 },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH, 4, 4, 4, 1, 1, 0, 0,
		  0 },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH, 4, 4, 4, 1, 1, 0, 0, 0 },
		{ "lpm trie struct key", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 2, 1,
		  0, BPF_F_NO_PREALLOC, 0 },
		{ "lpm trie long key", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 8, 1, 0,
		  BPF_F_NO_PREALLOC, 0 },
		{ "queue", BPF_MAP_TYPE_QUEUE, 0, 4, 4, 0, 1, 0, 0, 0 },
		{ "stack", BPF_MAP_TYPE_STACK, 0, 4, 4, 0, 1, 0, 0, 0 },
		{ "bloom", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, 0, 1, 0, 0, 0 },
		{ "prog array", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 1, 1, 0, 0,
		  0 },
		{ "perf event array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 1,
		  1, 0, 0, 0 },
		{ "array of maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 1, 1, 0,
		  0, 0 },
		{ "ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 1, 0, 0, 0 },
		{ "stack trace", BPF_MAP_TYPE_STACK_TRACE, 4, 8, 4, 1, 8, 0, 0,
		  0 },
		{ "prog array struct key", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 9,
		  1, 0, 0, 0 },
		{ "prog array keyless", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 1,
		  0, 0, 0 },
		{ "array struct key", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 9, 1, 0, 0,
		  0 },
		{ "array unsigned key", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 10, 1, 0,
		  0, 0 },
		{ "array 31-bit key", BPF_MAP_TYPE_ARRAY, 4, 4, 4, 11, 1, 0, 0,
		  0 },
		{ "percpu array keyless datasec", BPF_MAP_TYPE_PERCPU_ARRAY, 4,
		  4, 1, 0, 4, 0, 0, 0 },
		{ "lru percpu hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 4, 4, 1,
		  1, 0, 0, 0 },
		{ "hash of maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 1, 1, 0,
		  0, 0 },
		{ "devmap hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 1, 1, 0, 0,
		  0 },
		{ "user ringbuf", BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0, 1,
		  0, 0, 0 },
		{ "bloom with key", BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 4, 1, 1, 0,
		  0, 0 },
		{ "lpm keyless", BPF_MAP_TYPE_LPM_TRIE, 8, 4, 4, 0, 1, 0,
		  BPF_F_NO_PREALLOC, 0 },
		{ "hash key typedef", BPF_MAP_TYPE_HASH, 8, 4, 4, 5, 1, 0, 0,
		  0 },
		{ "hash key datasec", BPF_MAP_TYPE_HASH, 4, 4, 4, 4, 1, 0, 0,
		  0 },
		{ "array bad btf, no ids", BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, 0,
		  0, 1 },
		{ "devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 1, 1, 0, 0, 0 },
		{ "cgroup array", BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 1, 1, 0,
		  0, 0 },
	};
	struct blob *b;
	long bfd[2], ifd[2] = { -1, -1 };
	int nbad = 0;

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	map_blob(b);
	for (int s = 0; s < 2; s++) {
		bfd[s] = load_fd(s, b);
		T_ASSERT(bfd[s] >= 0);
		ifd[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		T_ASSERT(ifd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(mc) / sizeof(mc[0]); i++) {
		long r[2];
		struct bpf_map_info info[2];

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.map_type = mc[i].type;
			a.key_size = mc[i].ks;
			a.value_size = mc[i].vs;
			a.max_entries = mc[i].max;
			a.map_flags = mc[i].flags;
			a.btf_key_type_id = mc[i].kid;
			a.btf_value_type_id = mc[i].vid;
			a.btf_vmlinux_value_type_id = mc[i].vmid;
			a.btf_fd = mc[i].btf == 0 ? (uint32_t)bfd[s] :
				   mc[i].btf == 1 ? 1000 :
						    (uint32_t)ifd[s];
			if (mc[i].type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
			    mc[i].type == BPF_MAP_TYPE_HASH_OF_MAPS)
				a.inner_map_fd = (uint32_t)ifd[s];
			r[s] = side_bpf(s, BPF_MAP_CREATE, &a);
			memset(&info[s], 0, sizeof(info[s]));
			if (r[s] >= 0) {
				memset(&a, 0, sizeof(a));
				a.info.bpf_fd = (uint32_t)r[s];
				a.info.info_len = sizeof(info[s]);
				a.info.info = (uint64_t)(uintptr_t)&info[s];
				side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
				side_close(s, r[s]);
			}
		}
		if ((r[0] >= 0) != (r[1] >= 0) || (r[0] < 0 && r[0] != r[1]) ||
		    info[0].btf_key_type_id != info[1].btf_key_type_id ||
		    info[0].btf_value_type_id != info[1].btf_value_type_id ||
		    (info[0].btf_id != 0) != (info[1].btf_id != 0)) {
			nbad++;
			printf("MISMATCH %s: kernel %ld (btf_id %u key %u value %u),"
			       " kbpf %ld (btf_id %u key %u value %u)\n",
			       mc[i].what, r[0], info[0].btf_id,
			       info[0].btf_key_type_id,
			       info[0].btf_value_type_id, r[1], info[1].btf_id,
			       info[1].btf_key_type_id,
			       info[1].btf_value_type_id);
		}
	}
	free(b);
	T_EQ(nbad, 0);
}

KBPF_TEST(btf_map_holds_btf,
	  "a map keeps its BTF alive after the BTF fd closes")
{
	struct blob *b;
	long bfd, mfd;
	union bpf_attr a;
	struct bpf_map_info mi;
	uint32_t id;

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	map_blob(b);
	for (int s = 0; s < 2; s++) {
		bfd = load_fd(s, b);
		T_ASSERT(bfd >= 0);
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 1;
		a.btf_fd = (uint32_t)bfd;
		a.btf_key_type_id = 1;
		a.btf_value_type_id = 2;
		mfd = side_bpf(s, BPF_MAP_CREATE, &a);
		T_ASSERT(mfd >= 0);
		side_close(s, bfd);
		memset(&mi, 0, sizeof(mi));
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)mfd;
		a.info.info_len = sizeof(mi);
		a.info.info = (uint64_t)(uintptr_t)&mi;
		T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		T_NE(mi.btf_id, 0);
		T_EQ(mi.btf_key_type_id, 1);
		T_EQ(mi.btf_value_type_id, 2);
		id = mi.btf_id;
		memset(&a, 0, sizeof(a));
		a.btf_id = id;
		bfd = side_bpf(s, BPF_BTF_GET_FD_BY_ID, &a);
		T_ASSERT(bfd >= 0);
		side_close(s, bfd);
		side_close(s, mfd);
	}
	free(b);
}

KBPF_TEST(btf_load_too_many_types_vs_kernel,
	  "past 2^20 - 1 types: Linux logs 'Exceeded max num of types' per type")
{
	uint32_t n = BTF_MAX_TYPE + 3, len = 24 + 12 * n + 1;
	uint8_t *d;

	NEED_KERNEL();
	d = calloc(1, len);
	T_ASSERT(d);
	{
		uint32_t h[6] = { 0x0001eb9f, 24, 0, 12 * n, 12 * n, 1 };

		memcpy(d, h, 24);
	}
	for (uint32_t i = 0; i < n; i++) {
		uint32_t info = BTF_KIND_PTR << 24;

		memcpy(d + 24 + 12 * i + 4, &info, 4);
	}
	cases = bad = 0;
	same("2^20 + 2 pointers to void", d, len, 1, 200, 0, 0);
	same("2^20 + 2 pointers to void, no log", d, len, 0, 0, 0, 0);
	/* One fewer. */
	{
		uint32_t h[6] = { 0x0001eb9f,	24,	      0,
				  12 * (n - 1), 12 * (n - 1), 1 };

		memcpy(d, h, 24);
		d[24 + 12 * (n - 1)] = 0;
		memset(d + 24 + 12 * (n - 1), 0, 13);
		same("2^20 + 1 pointers to void", d, 24 + 12 * (n - 1) + 1, 0,
		     0, 0, 0);
	}
	free(d);
	T_EQ(bad, 0);
}

/* ---- random BTF of plausible records, for the resolution rules ---- */

static uint32_t pick(uint64_t *st, const uint32_t *v, size_t n)
{
	return v[kbpf_test_rand(st) % n];
}

#define PICK(st, ...)                               \
	pick(st, (const uint32_t[]){ __VA_ARGS__ }, \
	     sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t))

static void gen_btf(struct blob *b, uint64_t *st)
{
	uint32_t n = 1 + (uint32_t)(kbpf_test_rand(st) % 10), i, j, names[6];

	b_reset(b);
	names[0] = 0;
	names[1] = S(b, "a");
	names[2] = S(b, "b c");
	names[3] = S(b, ".d");
	names[4] = S(b, "int");
	names[5] = S(b, "_x");
	for (i = 0; i < n; i++) {
		uint32_t kind = 1 + (uint32_t)(kbpf_test_rand(st) % 19);
		uint32_t name = names[kbpf_test_rand(st) % 6];
		uint32_t kflag = kbpf_test_rand(st) % 8 == 0;
		uint32_t vlen = (uint32_t)(kbpf_test_rand(st) % 3);
		uint32_t id = (uint32_t)(kbpf_test_rand(st) % (n + 2));

		switch (kind) {
		case BTF_KIND_INT:
			T(b, name, kind, kflag, 0, PICK(st, 1, 2, 4, 8, 16, 3));
			W(b, PICK(st, 0, 1, 2, 4) << 24 |
				     PICK(st, 0, 0, 0, 1, 3) << 16 |
				     PICK(st, 8, 16, 32, 64, 31, 1, 128));
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
			T(b, name, kind, kflag, vlen,
			  PICK(st, 0, 4, 8, 16, 24));
			for (j = 0; j < vlen; j++) {
				W(b, names[kbpf_test_rand(st) % 6]);
				W(b, (uint32_t)(kbpf_test_rand(st) % (n + 1)));
				W(b,
				  (kflag ? PICK(st, 0, 0, 3, 8, 33) << 24 : 0) |
					  PICK(st, 0, 0, 8, 32, 64, 33, 96));
			}
			break;
		case BTF_KIND_ARRAY:
			T(b, kbpf_test_rand(st) % 8 ? 0 : name, kind, 0, 0, 0);
			W(b, (uint32_t)(kbpf_test_rand(st) % (n + 1)));
			W(b, (uint32_t)(kbpf_test_rand(st) % (n + 1)));
			W(b, PICK(st, 0, 1, 2, 4, 0x40000000));
			break;
		case BTF_KIND_ENUM:
			T(b, name, kind, kflag, vlen, PICK(st, 1, 2, 4, 8, 3));
			for (j = 0; j < vlen; j++) {
				W(b, names[kbpf_test_rand(st) % 6]);
				W(b, (uint32_t)kbpf_test_rand(st));
			}
			break;
		case BTF_KIND_ENUM64:
			T(b, name, kind, kflag, vlen, PICK(st, 4, 8, 3));
			for (j = 0; j < vlen; j++) {
				W(b, names[kbpf_test_rand(st) % 6]);
				W(b, (uint32_t)kbpf_test_rand(st));
				W(b, (uint32_t)kbpf_test_rand(st));
			}
			break;
		case BTF_KIND_FUNC_PROTO:
			T(b, kbpf_test_rand(st) % 8 ? 0 : name, kind, kflag,
			  vlen, id);
			for (j = 0; j < vlen; j++) {
				W(b, names[kbpf_test_rand(st) % 6]);
				W(b, (uint32_t)(kbpf_test_rand(st) % (n + 1)));
			}
			break;
		case BTF_KIND_FUNC:
			T(b, name, kind, kflag, PICK(st, 0, 1, 2), id);
			break;
		case BTF_KIND_VAR:
			T(b, name, kind, kflag, 0, id);
			W(b, PICK(st, 0, 1, 2));
			break;
		case BTF_KIND_DATASEC:
			T(b, name, kind, kflag, vlen, PICK(st, 0, 4, 8, 16));
			for (j = 0; j < vlen; j++) {
				W(b, (uint32_t)(kbpf_test_rand(st) % (n + 1)));
				W(b, PICK(st, 0, 4, 8));
				W(b, PICK(st, 0, 4, 8));
			}
			break;
		case BTF_KIND_FLOAT:
			T(b, name, kind, kflag, 0, PICK(st, 2, 4, 8, 16, 3));
			break;
		case BTF_KIND_DECL_TAG:
			T(b, name, kind, kflag, 0, id);
			W(b, PICK(st, (uint32_t)-1, (uint32_t)-1, 0, 1, 2));
			break;
		case BTF_KIND_FWD:
			T(b, name, kind, kflag, 0, 0);
			break;
		default: /* PTR, TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG */
			T(b,
			  kind == BTF_KIND_PTR || kbpf_test_rand(st) % 2 ?
				  (kind == BTF_KIND_TYPEDEF ||
						   kind == BTF_KIND_TYPE_TAG ?
					   name :
					   0) :
				  name,
			  kind, kind == BTF_KIND_TYPE_TAG ? kflag : 0, 0, id);
			break;
		}
	}
	b_finish(b);
}

KBPF_TEST(
	btf_load_random_types_vs_kernel,
	"seeded random records of every kind: same result, errno and whole log")
{
	struct blob *b;
	uint64_t st = kbpf_test_seed() ^ 0x9e3779b97f4a7c15ull;

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	cases = bad = accepted = 0;
	for (int i = 0; i < 20000 && bad <= 5; i++) {
		char name[64];

		gen_btf(b, &st);
		snprintf(name, sizeof(name), "random %d (seed %llu)", i,
			 (unsigned long long)kbpf_test_seed());
		same_blob(name, b);
	}
	free(b);
	printf("%d random blobs (%d accepted by the kernel), %d mismatches\n",
	       cases, accepted, bad);
	T_ASSERT(accepted > 100);
	T_EQ(bad, 0);
}

KBPF_TEST(
	btf_load_vmlinux_vs_kernel,
	"this machine's vmlinux BTF loaded as user BTF: same result, log size and log tail")
{
	static char logk[1 << 16], logm[1 << 16];
	FILE *f = fopen("/sys/kernel/btf/vmlinux", "rb");
	uint8_t *d;
	long n;

	NEED_KERNEL();
	if (!f)
		T_SKIP("no /sys/kernel/btf/vmlinux on this machine");
	d = malloc(32u << 20);
	n = d ? (long)fread(d, 1, 32u << 20, f) : -1;
	fclose(f);
	T_ASSERT(n > 0);
	cases = bad = 0;
	/* A level without a buffer: the result and the whole log's size. */
	same("vmlinux, size only", d, (uint32_t)n, 1, 0, 0, 0);
	/* A rolling 64 KiB log keeps the same last lines. */
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		long r;

		memset(&a, 0, sizeof(a));
		a.btf = (uint64_t)(uintptr_t)d;
		a.btf_size = (uint32_t)n;
		a.btf_log_level = 1;
		a.btf_log_buf = (uint64_t)(uintptr_t)(s ? logm : logk);
		a.btf_log_size = sizeof(logk);
		r = side_bpf(s, BPF_BTF_LOAD, &a);
		T_EQ(r, -ENOSPC);
	}
	T_EQ(strcmp(logk, logm), 0);
	free(d);
	T_EQ(bad, 0);
}

/* ---- programs with prog_btf_fd, func_info and line_info ---- */

/*
 * The log without Linux's closing statistics line ("processed N insns")
 * and kbpf's own notes ("kbpf: ..."): what the BTF checks wrote.
 */
static void strip_log(char *log)
{
	char *in = log, *out = log, *p = strstr(log, "processed ");

	/* Linux's statistics may follow a message without its newline. */
	if (p) {
		char *nl = strchr(p, '\n');

		memmove(p, nl ? nl + 1 : p + strlen(p),
			strlen(nl ? nl + 1 : p + strlen(p)) + 1);
	}
	while (*in) {
		char *nl = strchr(in, '\n');
		size_t n = nl ? (size_t)(nl - in + 1) : strlen(in);

		if (strncmp(in, "processed ", 10) && strncmp(in, "kbpf: ", 6)) {
			memmove(out, in, n);
			out += n;
		}
		in += n;
	}
	*out = 0;
}

struct pcase {
	const char *what;
	uint32_t fi_cnt, fi_rec, li_cnt, li_rec;
	struct bpf_func_info fi[3];
	struct bpf_line_info li[3];
	int btf; /* 0: the BTF; 1: a closed fd; 2: a map fd */
	int tail; /* a nonzero byte past the records' known fields */
};

static long prog_side(int s, const struct pcase *c, long btf_fd, long map_fd,
		      char *log, size_t log_size, uint32_t *rec_back)
{
	static const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL,
		  .src_reg = BPF_PSEUDO_CALL,
		  .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static uint8_t fi[3 * 256], li[3 * 256];
	union bpf_attr a;
	long r;

	memset(fi, 0, sizeof(fi));
	memset(li, 0, sizeof(li));
	for (uint32_t i = 0; i < 3; i++) {
		memcpy(fi + i * c->fi_rec, &c->fi[i],
		       c->fi_rec < 8 ? c->fi_rec : 8);
		memcpy(li + i * c->li_rec, &c->li[i],
		       c->li_rec < 16 ? c->li_rec : 16);
	}
	if (c->tail == 1)
		fi[8 + 2] = 1;
	if (c->tail == 2)
		li[16 + 2] = 1;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = 4;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)log_size;
	a.prog_btf_fd = c->btf == 0 ? (uint32_t)btf_fd :
			c->btf == 1 ? 1000 :
				      (uint32_t)map_fd;
	a.func_info_cnt = c->fi_cnt;
	a.func_info_rec_size = c->fi_rec;
	a.func_info = (uint64_t)(uintptr_t)fi;
	a.line_info_cnt = c->li_cnt;
	a.line_info_rec_size = c->li_rec;
	a.line_info = (uint64_t)(uintptr_t)li;
	memset(log, 0, log_size);
	r = side_bpf(s, BPF_PROG_LOAD, &a);
	/* What Linux writes back for a record with a nonzero tail. */
	*rec_back = a.func_info_rec_size | a.line_info_rec_size << 16;
	return r;
}

static void prog_blob(struct blob *b)
{
	b_reset(b);
	T_int(b); /* 1 */
	T(b, 0, BTF_KIND_FUNC_PROTO, 0, 0, 1); /* 2: int (void) */
	T(b, S(b, "main"), BTF_KIND_FUNC, 0, 0, 2); /* 3 */
	T(b, S(b, "sub"), BTF_KIND_FUNC, 0, 0, 2); /* 4 */
	S(b, "file.c"); /* 14 */
	S(b, "return 0;"); /* 21 */
	T(b, 0, BTF_KIND_PTR, 0, 0, 1); /* 5: int * */
	T(b, 0, BTF_KIND_FUNC_PROTO, 0, 0, 5); /* 6: int *(void) */
	T(b, S(b, "p"), BTF_KIND_FUNC, 0, 0, 6); /* 7 */
	b_finish(b);
}

#define FI2                  \
	{                    \
		{ 0, 3 },    \
		{            \
			2, 4 \
		}            \
	}
#define LI2                                    \
	{                                      \
		{ 0, 14, 21, 1 << 10 | 1 },    \
		{                              \
			2, 14, 21, 2 << 10 | 1 \
		}                              \
	}

KBPF_TEST(
	btf_prog_func_line_info_vs_kernel,
	"BPF_PROG_LOAD with prog_btf_fd, func_info and line_info: same result, errno and log; bpf_prog_info reports them alike")
{
	static const struct pcase pc[] = {
		{ "valid", 2, 8, 2, 16, FI2, LI2, 0, 0 },
		{ "func info only", 2, 8, 0, 16, FI2, LI2, 0, 0 },
		{ "line info only", 0, 8, 2, 16, FI2, LI2, 0, 0 },
		{ "func rec 4", 2, 4, 0, 16, FI2, LI2, 0, 0 },
		{ "func rec 10", 2, 10, 0, 16, FI2, LI2, 0, 0 },
		{ "func rec 256", 2, 256, 0, 16, FI2, LI2, 0, 0 },
		{ "func rec 12, zero tail", 2, 12, 0, 16, FI2, LI2, 0, 0 },
		{ "func rec 12, nonzero tail", 2, 12, 0, 16, FI2, LI2, 0, 1 },
		{ "first insn_off 1",
		  2,
		  8,
		  0,
		  16,
		  { { 1, 3 }, { 2, 4 } },
		  LI2,
		  0,
		  0 },
		{ "insn_off not increasing",
		  2,
		  8,
		  0,
		  16,
		  { { 0, 3 }, { 0, 4 } },
		  LI2,
		  0,
		  0 },
		{ "type id not a FUNC",
		  2,
		  8,
		  0,
		  16,
		  { { 0, 2 }, { 2, 4 } },
		  LI2,
		  0,
		  0 },
		{ "type id past last",
		  2,
		  8,
		  0,
		  16,
		  { { 0, 3 }, { 2, 99 } },
		  LI2,
		  0,
		  0 },
		{ "one func for two subprogs", 1, 8, 0, 16, FI2, LI2, 0, 0 },
		{ "three funcs",
		  3,
		  8,
		  0,
		  16,
		  { { 0, 3 }, { 2, 4 }, { 3, 4 } },
		  LI2,
		  0,
		  0 },
		{ "layout mismatch",
		  2,
		  8,
		  0,
		  16,
		  { { 0, 3 }, { 1, 4 } },
		  LI2,
		  0,
		  0 },
		{ "pointer-returning subprog",
		  2,
		  8,
		  0,
		  16,
		  { { 0, 3 }, { 2, 7 } },
		  LI2,
		  0,
		  0 },
		{ "closed btf fd", 2, 8, 0, 16, FI2, LI2, 1, 0 },
		{ "map fd as btf", 2, 8, 0, 16, FI2, LI2, 2, 0 },
		{ "line rec 8", 2, 8, 2, 8, FI2, LI2, 0, 0 },
		{ "line rec 18", 2, 8, 2, 18, FI2, LI2, 0, 0 },
		{ "line rec 20, nonzero tail", 2, 8, 2, 20, FI2, LI2, 0, 2 },
		{ "line insn_off past end",
		  2,
		  8,
		  2,
		  16,
		  FI2,
		  { { 0, 14, 21, 0 }, { 9, 14, 21, 0 } },
		  0,
		  0 },
		{ "line insn_off not increasing",
		  2,
		  8,
		  2,
		  16,
		  FI2,
		  { { 0, 14, 21, 0 }, { 0, 14, 21, 0 } },
		  0,
		  0 },
		{ "line file name offset",
		  2,
		  8,
		  2,
		  16,
		  FI2,
		  { { 0, 999, 21, 0 }, { 2, 14, 21, 0 } },
		  0,
		  0 },
		{ "line off",
		  2,
		  8,
		  2,
		  16,
		  FI2,
		  { { 0, 14, 21, 0 }, { 2, 14, 9999, 0 } },
		  0,
		  0 },
		{ "missing line for func#1", 2, 8, 1, 16, FI2, LI2, 0, 0 },
		{ "line skips func#0",
		  2,
		  8,
		  1,
		  16,
		  FI2,
		  { { 1, 14, 21, 0 } },
		  0,
		  0 },
		{ "line inside subprog",
		  2,
		  8,
		  3,
		  16,
		  FI2,
		  { { 0, 14, 21, 0 }, { 1, 14, 21, 0 }, { 2, 14, 21, 0 } },
		  0,
		  0 },
		{ "line on exit of main only",
		  2,
		  8,
		  2,
		  16,
		  FI2,
		  { { 0, 14, 21, 0 }, { 1, 14, 21, 0 } },
		  0,
		  0 },
	};
	static char logk[4096], logm[4096];
	struct blob *b;
	long bfd[2], mfd[2];
	int nbad = 0;

	NEED_KERNEL();
	b = new_blob();
	T_ASSERT(b);
	prog_blob(b);
	for (int s = 0; s < 2; s++) {
		bfd[s] = load_fd(s, b);
		T_ASSERT(bfd[s] >= 0);
		mfd[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		T_ASSERT(mfd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(pc) / sizeof(pc[0]); i++) {
		uint32_t rk, rm;
		long k = prog_side(SIDE_KERNEL, &pc[i], bfd[0], mfd[0], logk,
				   sizeof(logk), &rk);
		long m = prog_side(SIDE_KBPF, &pc[i], bfd[1], mfd[1], logm,
				   sizeof(logm), &rm);
		bool same_log;

		strip_log(logk);
		strip_log(logm);
		same_log = k >= 0 || !strcmp(logk, logm);

		if ((k >= 0) != (m >= 0) || (k < 0 && k != m) || !same_log ||
		    rk != rm) {
			nbad++;
			printf("MISMATCH %s: kernel %ld (rec sizes %x), kbpf %ld (%x)\n--- kernel log:\n%s\n--- kbpf log:\n%s\n",
			       pc[i].what, k, rk, m, rm, logk, logm);
		}
		if (k >= 0 && m >= 0) {
			struct bpf_prog_info info[2];
			struct bpf_func_info fi[2][4];
			struct bpf_line_info li[2][4];

			for (int s = 0; s < 2; s++) {
				union bpf_attr a;

				memset(&info[s], 0, sizeof(info[s]));
				memset(fi[s], 0, sizeof(fi[s]));
				memset(li[s], 0, sizeof(li[s]));
				info[s].nr_func_info = 4;
				info[s].func_info_rec_size = 8;
				info[s].func_info = (uint64_t)(uintptr_t)fi[s];
				info[s].nr_line_info = 4;
				info[s].line_info_rec_size = 16;
				info[s].line_info = (uint64_t)(uintptr_t)li[s];
				memset(&a, 0, sizeof(a));
				a.info.bpf_fd = (uint32_t)(s ? m : k);
				a.info.info_len = sizeof(info[s]);
				a.info.info = (uint64_t)(uintptr_t)&info[s];
				T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a),
				     0);
				/* A record size other than Linux's: -EINVAL. */
				info[s].func_info_rec_size = 12;
				T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a),
				     -22);
			}
			T_NE(info[0].btf_id, 0);
			T_NE(info[1].btf_id, 0);
			T_EQ(info[0].nr_func_info, info[1].nr_func_info);
			T_EQ(info[0].nr_line_info, info[1].nr_line_info);
			T_EQ(info[0].line_info_rec_size,
			     info[1].line_info_rec_size);
			T_MEMEQ(fi[0], fi[1], sizeof(fi[0]));
			T_MEMEQ(li[0], li[1], sizeof(li[0]));
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, m);
	}
	free(b);
	printf("%zu program cases, %d mismatches\n", sizeof(pc) / sizeof(pc[0]),
	       nbad);
	T_EQ(nbad, 0);
}

/*
 * func_info or line_info arrays whose last record lies on a page the
 * loader cannot read: Linux copies and checks one record at a time, so
 * an invalid record before the fault gives its -EINVAL and log line, and
 * only a valid prefix gives -EFAULT. kbpf copies the whole array at once
 * and falls back to record-by-record copies when that faults, which must
 * keep that order.
 */
KBPF_TEST(
	btf_prog_info_fault_vs_kernel,
	"func_info and line_info whose third record is unmapped: an invalid second record gives Linux's -EINVAL and log, a valid prefix -EFAULT, on both")
{
	static const struct {
		const char *what;
		bool line; /* line_info, else func_info */
		uint32_t rec1[4]; /* the second record's first fields */
		long want; /* the kernel's answer, for the reader */
	} fc[] = {
		{ "func_info valid prefix", false, { 2, 4 }, -EFAULT },
		{ "func_info bad type before fault", false, { 2, 2 }, -EINVAL },
		{ "line_info valid prefix", true, { 2, 14, 21, 0 }, -EFAULT },
		{ "line_info bad offset before fault",
		  true,
		  { 0, 14, 21, 0 },
		  -EINVAL },
	};
	static const struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL,
		  .src_reg = BPF_PSEUDO_CALL,
		  .imm = 1 },
		{ .code = BPF_JMP | BPF_EXIT },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	static const struct bpf_func_info fi_ok[2] = { { 0, 3 }, { 2, 4 } };
	static char logk[4096], logm[4096];
	long page = sysconf(_SC_PAGESIZE), bfd[2], r[2];
	struct blob *b;
	uint8_t *mem;
	int nbad = 0;

	NEED_KERNEL();
	mem = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	T_ASSERT(mem != MAP_FAILED);
	T_EQ(mprotect(mem + page, (size_t)page, PROT_NONE), 0);
	b = new_blob();
	T_ASSERT(b);
	prog_blob(b);
	for (int s = 0; s < 2; s++) {
		bfd[s] = load_fd(s, b);
		T_ASSERT(bfd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(fc) / sizeof(fc[0]); i++) {
		uint32_t rec = fc[i].line ? 16 : 8;
		/* Records 0 and 1 end where the unreadable page starts. */
		uint8_t *arr = mem + page - 2 * rec;

		if (fc[i].line) {
			const struct bpf_line_info l0 = { 0, 14, 21, 0 };
			const struct bpf_line_info l1 = { fc[i].rec1[0],
							  fc[i].rec1[1],
							  fc[i].rec1[2],
							  fc[i].rec1[3] };

			memcpy(arr, &l0, rec);
			memcpy(arr + rec, &l1, rec);
		} else {
			const struct bpf_func_info f1 = { fc[i].rec1[0],
							  fc[i].rec1[1] };

			memcpy(arr, &fi_ok[0], rec);
			memcpy(arr + rec, &f1, rec);
		}
		for (int s = 0; s < 2; s++) {
			char *log = s ? logm : logk;
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
			a.insns = (uint64_t)(uintptr_t)insns;
			a.insn_cnt = 4;
			a.license = (uint64_t)(uintptr_t) "GPL";
			a.log_level = 1;
			a.log_buf = (uint64_t)(uintptr_t)log;
			a.log_size = sizeof(logk);
			a.prog_btf_fd = (uint32_t)bfd[s];
			a.func_info_rec_size = 8;
			a.line_info_rec_size = 16;
			if (fc[i].line) {
				a.func_info_cnt = 2;
				a.func_info = (uint64_t)(uintptr_t)fi_ok;
				a.line_info_cnt = 3;
				a.line_info = (uint64_t)(uintptr_t)arr;
			} else {
				a.func_info_cnt = 3;
				a.func_info = (uint64_t)(uintptr_t)arr;
			}
			memset(log, 0, sizeof(logk));
			r[s] = side_bpf(s ? SIDE_KBPF : SIDE_KERNEL,
					BPF_PROG_LOAD, &a);
			strip_log(log);
		}
		if (r[0] != fc[i].want || r[1] != r[0] || strcmp(logk, logm)) {
			nbad++;
			printf("MISMATCH %s: kernel %ld (expected %ld), kbpf %ld\n--- kernel log:\n%s\n--- kbpf log:\n%s\n",
			       fc[i].what, r[0], fc[i].want, r[1], logk, logm);
		}
		for (int s = 0; s < 2; s++)
			if (r[s] >= 0)
				side_close(s ? SIDE_KBPF : SIDE_KERNEL, r[s]);
	}
	for (int s = 0; s < 2; s++)
		side_close(s ? SIDE_KBPF : SIDE_KERNEL, bfd[s]);
	free(b);
	munmap(mem, (size_t)page * 2);
	T_EQ(nbad, 0);
}
