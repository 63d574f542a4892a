// SPDX-License-Identifier: MIT
/*
 * src/btf: parsing and validation (malformed headers, areas, strings,
 * records, kinds; Linux's strict rules), every kind's record size, both
 * byte orders giving the same answers, resolution, alignment and lookup,
 * random corruptions, allocation failure, and a differential check against
 * libbpf (btf__parse, btf__find_by_name_kind, btf__resolve_size,
 * btf__align_of) over this machine's /sys/kernel/btf/vmlinux.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "kbpf_posix.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_test.h"
#include "oracle.h"

#ifdef KBPF_HAVE_LIBBPF
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	(void)l;
	(void)f;
	(void)ap;
	return 0;
}
#endif

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------ a BTF builder */

struct bld {
	uint32_t w[512]; /* type area, in words (host order) */
	uint32_t nw;
	char s[512]; /* string area */
	uint32_t ns;
	uint32_t nt; /* types so far */
};

static uint32_t str(struct bld *b, const char *s)
{
	uint32_t off = b->ns;
	size_t n = strlen(s) + 1;

	memcpy(b->s + b->ns, s, n);
	b->ns += (uint32_t)n;
	return off;
}

static uint32_t info(uint32_t kind, uint32_t vlen, uint32_t kflag)
{
	return kflag << 31 | kind << 24 | vlen;
}

/* A record: name, info, size_or_type; returns its id. */
static uint32_t rec(struct bld *b, const char *name, uint32_t kind,
		    uint32_t vlen, uint32_t st)
{
	b->w[b->nw++] = name ? str(b, name) : 0;
	b->w[b->nw++] = info(kind, vlen, 0);
	b->w[b->nw++] = st;
	return ++b->nt;
}

static void word(struct bld *b, uint32_t v)
{
	b->w[b->nw++] = v;
}

/* Header + types + strings, in host order, into a malloc'd blob. */
static uint8_t *blob(const struct bld *b, size_t *size)
{
	uint32_t hdr[6] = { BTF_MAGIC | BTF_VERSION << 16,
			    24,
			    0,
			    b->nw * 4,
			    b->nw * 4,
			    b->ns };
	uint8_t *d;

	*size = 24 + b->nw * 4 + b->ns;
	d = malloc(*size);
	memcpy(d, hdr, 24);
	memcpy(d + 24, b->w, b->nw * 4);
	memcpy(d + 24 + b->nw * 4, b->s, b->ns);
	return d;
}

static uint32_t swap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

/* The same BTF in the other byte order: every word swapped, strings not. */
static uint8_t *swapped(const uint8_t *d, size_t size, uint32_t nw)
{
	uint8_t *o = malloc(size);
	uint32_t i, v;

	memcpy(o, d, size);
	o[0] = d[1];
	o[1] = d[0];
	for (i = 1; i < 6 + nw; i++) {
		memcpy(&v, d + 4 * i, 4);
		v = swap32(v);
		memcpy(o + 4 * i, &v, 4);
	}
	return o;
}

/* Ids of the sample BTF: one type of every kind. */
enum {
	ID_INT = 1,
	ID_PTR,
	ID_ARR,
	ID_S,
	ID_U,
	ID_E,
	ID_FWD,
	ID_TD,
	ID_VOL,
	ID_CONST,
	ID_RESTR,
	ID_PROTO,
	ID_FUNC,
	ID_VAR,
	ID_DS,
	ID_FLOAT,
	ID_TAG,
	ID_TTAG,
	ID_E64,
	ID_CHAR,
	ID_PACKED,
	ID_ZERO,
	NR_SAMPLE = ID_ZERO + 1,
};

static void sample(struct bld *b)
{
	memset(b, 0, sizeof(*b));
	str(b, ""); /* offset 0: the empty name */
	rec(b, "int", BTF_KIND_INT, 0, 4);
	word(b, BTF_INT_SIGNED << 24 | 32);
	rec(b, NULL, BTF_KIND_PTR, 0, ID_INT);
	rec(b, NULL, BTF_KIND_ARRAY, 0, 0);
	word(b, ID_INT); /* elem */
	word(b, ID_INT); /* index */
	word(b, 10); /* nelems */
	rec(b, "s", BTF_KIND_STRUCT, 3,
	    56); /* { int a; int *p; int arr[10]; } */
	word(b, str(b, "a"));
	word(b, ID_INT);
	word(b, 0);
	word(b, str(b, "p"));
	word(b, ID_PTR);
	word(b, 64);
	word(b, str(b, "arr"));
	word(b, ID_ARR);
	word(b, 128);
	rec(b, "u", BTF_KIND_UNION, 2, 8);
	word(b, str(b, "x"));
	word(b, ID_INT);
	word(b, 0);
	word(b, str(b, "y"));
	word(b, ID_PTR);
	word(b, 0);
	rec(b, "e", BTF_KIND_ENUM, 2, 4);
	word(b, str(b, "E_A"));
	word(b, 1);
	word(b, str(b, "E_B"));
	word(b, (uint32_t)-2);
	rec(b, "fwd", BTF_KIND_FWD, 0, 0);
	rec(b, "td", BTF_KIND_TYPEDEF, 0, ID_VOL);
	rec(b, NULL, BTF_KIND_VOLATILE, 0, ID_CONST);
	rec(b, NULL, BTF_KIND_CONST, 0, ID_RESTR);
	rec(b, NULL, BTF_KIND_RESTRICT, 0, ID_S);
	rec(b, NULL, BTF_KIND_FUNC_PROTO, 2, ID_INT);
	word(b, str(b, "arg0"));
	word(b, ID_PTR);
	word(b, str(b, "arg1"));
	word(b, ID_TD);
	rec(b, "fn", BTF_KIND_FUNC, BTF_FUNC_GLOBAL, ID_PROTO);
	rec(b, "v", BTF_KIND_VAR, 0, ID_TTAG);
	word(b, BTF_VAR_GLOBAL_ALLOCATED);
	rec(b, ".data", BTF_KIND_DATASEC, 1, 4);
	word(b, ID_VAR);
	word(b, 0);
	word(b, 4);
	rec(b, "double", BTF_KIND_FLOAT, 0, 8);
	rec(b, "tag", BTF_KIND_DECL_TAG, 0, ID_S);
	word(b, 1); /* component: member p */
	rec(b, "user", BTF_KIND_TYPE_TAG, 0, ID_INT);
	rec(b, "e64", BTF_KIND_ENUM64, 1, 8);
	word(b, str(b, "E64_BIG"));
	word(b, 0x89abcdef);
	word(b, 0x01234567);
	rec(b, "char", BTF_KIND_INT, 0, 1);
	word(b, 8);
	/* struct __attribute__((packed)) { char c; int i; }: i at bit 8. */
	b->w[b->nw++] = str(b, "packed");
	b->w[b->nw++] = info(BTF_KIND_STRUCT, 2, 1);
	b->w[b->nw++] = 5;
	b->nt++;
	word(b, str(b, "c"));
	word(b, ID_CHAR);
	word(b, 0);
	word(b, str(b, "i"));
	word(b, ID_INT);
	word(b, 8);
	rec(b, "zero", BTF_KIND_INT, 0, 0); /* a zero-sized int */
	word(b, 0);
}

static const struct kbpf_host *H(void)
{
	return kbpf_posix_host();
}

/* Everything the sample says about itself, through view @v. */
static void check_sample(const struct kbpf_btf_view *v)
{
	static const uint32_t kinds[NR_SAMPLE] = {
		0,
		BTF_KIND_INT,
		BTF_KIND_PTR,
		BTF_KIND_ARRAY,
		BTF_KIND_STRUCT,
		BTF_KIND_UNION,
		BTF_KIND_ENUM,
		BTF_KIND_FWD,
		BTF_KIND_TYPEDEF,
		BTF_KIND_VOLATILE,
		BTF_KIND_CONST,
		BTF_KIND_RESTRICT,
		BTF_KIND_FUNC_PROTO,
		BTF_KIND_FUNC,
		BTF_KIND_VAR,
		BTF_KIND_DATASEC,
		BTF_KIND_FLOAT,
		BTF_KIND_DECL_TAG,
		BTF_KIND_TYPE_TAG,
		BTF_KIND_ENUM64,
		BTF_KIND_INT,
		BTF_KIND_STRUCT,
		BTF_KIND_INT,
	};
	const uint8_t *t, *m;
	uint32_t id, r;

	T_EQ(v->nr_types, NR_SAMPLE);
	T_ASSERT(!kbpf_btf_type(v, 0));
	T_ASSERT(!kbpf_btf_type(v, NR_SAMPLE));
	for (id = 1; id < NR_SAMPLE; id++) {
		t = kbpf_btf_type(v, id);
		T_ASSERT(t);
		T_EQ(kbpf_btf_kind(v, t), kinds[id]);
	}
	/* Names and strings. */
	t = kbpf_btf_type(v, ID_S);
	T_ASSERT(!strcmp(kbpf_btf_name(v, t), "s"));
	T_ASSERT(!strcmp(kbpf_btf_name(v, kbpf_btf_type(v, ID_PTR)), ""));
	T_ASSERT(!kbpf_btf_str(v, v->strs_len));
	T_ASSERT(kbpf_btf_str(v, v->strs_len - 1));
	T_ASSERT(!kbpf_btf_str(v, 0xffffffffu));
	/* Members, enumerators, parameters, variables. */
	T_EQ(kbpf_btf_vlen(v, t), 3);
	m = kbpf_btf_vrec(v, t, 2);
	T_ASSERT(m && !strcmp(kbpf_btf_str(v, kbpf_btf_rd32(v, m)), "arr"));
	T_EQ(kbpf_btf_rd32(v, m + 4), ID_ARR);
	T_EQ(kbpf_btf_member_bit_off(v, t, 2), 128);
	T_EQ(kbpf_btf_member_bitfield_size(v, t, 2), 0);
	T_ASSERT(!kbpf_btf_vrec(v, t, 3));
	T_ASSERT(!kbpf_btf_vrec(v, kbpf_btf_type(v, ID_INT), 0));
	t = kbpf_btf_type(v, ID_E);
	m = kbpf_btf_vrec(v, t, 1);
	T_ASSERT(m && !strcmp(kbpf_btf_str(v, kbpf_btf_rd32(v, m)), "E_B"));
	T_EQ((int32_t)kbpf_btf_rd32(v, m + 4), -2);
	t = kbpf_btf_type(v, ID_E64);
	m = kbpf_btf_vrec(v, t, 0);
	T_EQ((uint64_t)kbpf_btf_rd32(v, m + 8) << 32 | kbpf_btf_rd32(v, m + 4),
	     0x0123456789abcdefull);
	t = kbpf_btf_type(v, ID_PROTO);
	m = kbpf_btf_vrec(v, t, 1);
	T_ASSERT(m && kbpf_btf_rd32(v, m + 4) == ID_TD);
	t = kbpf_btf_type(v, ID_DS);
	m = kbpf_btf_vrec(v, t, 0);
	T_ASSERT(m && kbpf_btf_rd32(v, m) == ID_VAR);
	T_EQ(kbpf_btf_data32(v, kbpf_btf_type(v, ID_VAR), 0),
	     BTF_VAR_GLOBAL_ALLOCATED);
	T_EQ(kbpf_btf_data32(v, kbpf_btf_type(v, ID_ARR), 2), 10);
	T_EQ(kbpf_btf_data32(v, kbpf_btf_type(v, ID_TAG), 0), 1);
	T_EQ(kbpf_btf_data32(v, kbpf_btf_type(v, ID_INT), 0) >> 24,
	     BTF_INT_SIGNED);
	T_EQ(kbpf_btf_member_bit_off(v, kbpf_btf_type(v, ID_PACKED), 1), 8);
	/* Resolution. */
	t = kbpf_btf_skip_mods(v, ID_TD, &r);
	T_ASSERT(t == kbpf_btf_type(v, ID_S));
	T_EQ(r, ID_S);
	T_ASSERT(kbpf_btf_skip_mods(v, ID_TTAG, &r) ==
		 kbpf_btf_type(v, ID_INT));
	T_ASSERT(!kbpf_btf_skip_mods(v, 0, &r));
	T_EQ(r, 0);
	T_ASSERT(!kbpf_btf_skip_mods(v, 999, &r));
	T_NE(r, 0);
	T_EQ(kbpf_btf_resolve_size(v, ID_INT), 4);
	T_EQ(kbpf_btf_resolve_size(v, ID_PTR), 8);
	T_EQ(kbpf_btf_resolve_size(v, ID_ARR), 40);
	T_EQ(kbpf_btf_resolve_size(v, ID_TD), 56);
	T_EQ(kbpf_btf_resolve_size(v, ID_VAR), 4);
	T_EQ(kbpf_btf_resolve_size(v, ID_TAG), 56);
	T_EQ(kbpf_btf_resolve_size(v, ID_DS), 4);
	T_EQ(kbpf_btf_resolve_size(v, ID_E64), 8);
	T_EQ(kbpf_btf_resolve_size(v, ID_FLOAT), 8);
	T_EQ(kbpf_btf_resolve_size(v, ID_FWD), -EINVAL);
	T_EQ(kbpf_btf_resolve_size(v, ID_FUNC), -EINVAL);
	T_EQ(kbpf_btf_resolve_size(v, ID_PROTO), -EINVAL);
	T_EQ(kbpf_btf_resolve_size(v, 0), -EINVAL);
	T_EQ(kbpf_btf_resolve_size(v, NR_SAMPLE), -EINVAL);
	T_EQ(kbpf_btf_align_of(v, ID_INT), 4);
	T_EQ(kbpf_btf_align_of(v, ID_PTR), 8);
	T_EQ(kbpf_btf_align_of(v, ID_ARR), 4);
	T_EQ(kbpf_btf_align_of(v, ID_TD), 8);
	T_EQ(kbpf_btf_align_of(v, ID_U), 8);
	T_EQ(kbpf_btf_align_of(v, ID_FLOAT), 8);
	T_EQ(kbpf_btf_align_of(v, ID_PACKED), 1);
	T_EQ(kbpf_btf_align_of(v, ID_ZERO), 0);
	T_EQ(kbpf_btf_align_of(v, ID_FWD), 0);
	T_EQ(kbpf_btf_align_of(v, ID_FUNC), 0);
	/* Lookup. */
	T_EQ(kbpf_btf_find(v, BTF_KIND_STRUCT, "s"), ID_S);
	T_EQ(kbpf_btf_find(v, BTF_KIND_UNION, "s"), 0);
	T_EQ(kbpf_btf_find(v, BTF_KIND_FUNC, "fn"), ID_FUNC);
	T_EQ(kbpf_btf_find(v, BTF_KIND_DATASEC, ".data"), ID_DS);
	T_EQ(kbpf_btf_find(v, BTF_KIND_ENUM64, "e64"), ID_E64);
	T_EQ(kbpf_btf_find(v, BTF_KIND_INT, "char"), ID_CHAR);
	T_EQ(kbpf_btf_find(v, BTF_KIND_INT, "cha"), 0);
	T_EQ(kbpf_btf_find(v, BTF_KIND_INT, "chars"), 0);
	T_EQ(kbpf_btf_find(v, BTF_KIND_INT, ""), 0);
}

KBPF_TEST(every_kind, "a BTF with one type of every kind parses, indexed or "
		      "not, and its records, sizes, alignments and names are "
		      "read back")
{
	struct kbpf_btf_view v;
	struct bld b;
	uint8_t *d;
	size_t n;

	sample(&b);
	d = blob(&b, &n);
	T_EQ(kbpf_btf_parse(&v, H(), d, n, 0, NULL), 0);
	T_ASSERT(!v.be && v.type_off);
	check_sample(&v);
	kbpf_btf_free(&v);
	T_ASSERT(!v.nr_types && !v.type_off);
	kbpf_btf_free(&v); /* a zeroed view: no-op */
	T_EQ(kbpf_btf_parse(&v, NULL, d, n, KBPF_BTF_F_STRICT, NULL), 0);
	T_ASSERT(!v.type_off);
	check_sample(&v);
	kbpf_btf_free(&v);
	free(d);
	T_EQ(kbpf_posix_live_allocs(), 0);
}

KBPF_TEST(big_endian, "the same BTF byte-swapped parses as big-endian and "
		      "gives the same types, sizes and lookups; a required "
		      "order is enforced")
{
	struct kbpf_btf_view v;
	const char *why = NULL;
	struct bld b;
	uint8_t *d, *e;
	size_t n;

	sample(&b);
	d = blob(&b, &n);
	e = swapped(d, n, b.nw);
	T_EQ(kbpf_btf_parse(&v, H(), e, n, KBPF_BTF_F_STRICT, NULL), 0);
	T_ASSERT(v.be);
	check_sample(&v);
	kbpf_btf_free(&v);
	T_EQ(kbpf_btf_parse(&v, NULL, e, n, KBPF_BTF_F_BE, NULL), 0);
	check_sample(&v);
	T_EQ(kbpf_btf_parse(&v, NULL, e, n, KBPF_BTF_F_LE, &why), -EINVAL);
	T_ASSERT(why && strstr(why, "magic"));
	T_EQ(kbpf_btf_parse(&v, NULL, d, n, KBPF_BTF_F_BE, NULL), -EINVAL);
	T_EQ(kbpf_btf_parse(&v, NULL, d, n, KBPF_BTF_F_LE, NULL), 0);
	free(e);
	free(d);
}

/* Parse @d expecting @err with @needle in the reason; the view zeroed. */
static int bad_e(const uint8_t *d, size_t n, uint32_t flags, int err,
		 const char *needle)
{
	struct kbpf_btf_view v;
	const char *why = NULL;
	int r = kbpf_btf_parse(&v, H(), d, n, flags, &why);

	if (r != err || !why || (needle && !strstr(why, needle)) ||
	    v.nr_types || v.type_off || v.types) {
		fprintf(stderr, "  got %d '%s', want %d '%s'\n", r,
			why ? why : "", err, needle ? needle : "");
		if (!r)
			kbpf_btf_free(&v);
		return 0;
	}
	return 1;
}

static int bad(const uint8_t *d, size_t n, uint32_t flags, const char *needle)
{
	return bad_e(d, n, flags, -EINVAL, needle);
}

static void put32(uint8_t *d, size_t off, uint32_t v)
{
	memcpy(d + off, &v, 4);
}

static uint32_t get32(const uint8_t *d, size_t off)
{
	uint32_t v;

	memcpy(&v, d + off, 4);
	return v;
}

KBPF_TEST(malformed, "malformed headers, areas, strings and records give "
		     "-EINVAL with a reason, in any mode")
{
	struct bld b;
	uint8_t *d, *c;
	size_t n;
	uint32_t tl, sl, s_off;

	sample(&b);
	d = blob(&b, &n);
	c = malloc(n + 64);
	tl = b.nw * 4;
	sl = b.ns;
	s_off = 24 + tl;
#define RESET() memcpy(c, d, n)
	RESET();
	T_ASSERT(bad(NULL, n, 0, "short"));
	T_ASSERT(bad(c, 23, 0, "short"));
	c[0] ^= 0xff;
	T_ASSERT(bad(c, n, 0, "magic"));
	RESET();
	c[2] = 2;
	T_ASSERT(bad(c, n, 0, "version"));
	RESET();
	put32(c, 4, 20); /* hdr_len below 24 */
	T_ASSERT(bad(c, n, 0, "header length"));
	put32(c, 4, (uint32_t)n + 1); /* past the end */
	T_ASSERT(bad(c, n, 0, "header length"));
	RESET();
	put32(c, 12, tl + 4 + sl); /* type area past the end */
	T_ASSERT(bad(c, n, 0, "type area"));
	put32(c, 8, 0xfffffff0);
	put32(c, 12, 0x20); /* type_off + type_len overflowing 32 bits */
	T_ASSERT(bad(c, n, 0, "type area"));
	RESET();
	put32(c, 8, 2); /* misaligned */
	T_ASSERT(bad(c, n, 0, "type area"));
	RESET();
	put32(c, 16, tl + 1); /* string area one past */
	T_ASSERT(bad(c, n, 0, "string area"));
	put32(c, 16, 0xffffffff);
	T_ASSERT(bad(c, n, 0, "string area"));
	RESET();
	put32(c, 20, sl - 1); /* string area not NUL-terminated */
	T_ASSERT(bad(c, n, 0, "NUL"));
	RESET();
	put32(c, 20, 0); /* no string area */
	T_ASSERT(bad(c, n, 0, "NUL"));
	RESET();
	c[s_off] = 'x'; /* first string not empty */
	T_ASSERT(bad(c, n, 0, "NUL"));
	RESET();
	put32(c, 12, tl - 2); /* last record truncated */
	T_ASSERT(bad(c, n, 0, "truncated"));
	RESET();
	put32(c, 12, 8); /* not even one record */
	T_ASSERT(bad(c, n, 0, "truncated"));
	RESET();
	/* The struct's vlen overruns the type area. */
	put32(c, 24 + 4 * (4 + 3 + 6) + 4, info(BTF_KIND_STRUCT, 0xffff, 0));
	T_EQ(get32(d, 24 + 4 * (4 + 3 + 6) + 4), info(BTF_KIND_STRUCT, 3, 0));
	T_ASSERT(bad(c, n, 0, "truncated"));
	RESET();
	put32(c, 24 + 4, info(20, 0, 0)); /* kind 20: none such */
	T_ASSERT(bad(c, n, 0, "kind"));
	put32(c, 24 + 4, info(0, 0, 0)); /* UNKN is not a record */
	T_ASSERT(bad(c, n, 0, "kind"));
	put32(c, 24 + 4, info(31, 0, 0));
	T_ASSERT(bad(c, n, 0, "kind"));
	RESET();
	/* Linux's rules (strict); the lenient parser accepts all of these. */
	c[3] = 1; /* header flags: Linux's -ENOTSUPP (524) */
	T_ASSERT(bad_e(c, n, KBPF_BTF_F_STRICT, -524, "flags"));
	RESET();
	c[2] = 2;
	T_ASSERT(bad_e(c, n, KBPF_BTF_F_STRICT, -524, "version"));
	RESET();
	put32(c, 16, tl - 4); /* areas overlap */
	put32(c, 20, sl + 4);
	c[s_off - 4] = 0;
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "overlap"));
	RESET();
	put32(c, 20, sl - 1); /* a byte left unused at the end */
	c[s_off + sl - 2] = 0;
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "overlap"));
	RESET();
	/* A longer header: zero tail accepted, nonzero refused. */
	memcpy(c, d, 24);
	put32(c, 4, 32);
	memset(c + 24, 0, 8);
	memcpy(c + 32, d + 24, n - 24);
	{
		struct kbpf_btf_view v;

		T_EQ(kbpf_btf_parse(&v, NULL, c, n + 8, KBPF_BTF_F_STRICT,
				    NULL),
		     0);
		T_EQ(v.nr_types, NR_SAMPLE);
		c[30] = 1;
		T_ASSERT(bad_e(c, n + 8, KBPF_BTF_F_STRICT, -E2BIG, "header"));
		T_EQ(kbpf_btf_parse(&v, NULL, c, n + 8, 0, NULL), 0);
	}
	RESET();
	put32(c, 24, sl); /* int's name past the strings */
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "name offset"));
	RESET();
	put32(c, 24 + 4 * 4 + 8, NR_SAMPLE); /* the pointer's target */
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "type id"));
	RESET();
	put32(c, 24 + 4 * (4 + 3) + 12, NR_SAMPLE + 5); /* array elem type */
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "type id"));
	RESET();
	put32(c, 24 + 4 * (4 + 3 + 6) + 12 + 12 + 4, 77); /* member p's type */
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "type id"));
	RESET();
	put32(c, 24 + 4 * (4 + 3 + 6) + 12 + 12, 0x7fffffff); /* member name */
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "name offset"));
	RESET();
	put32(c, 24 + 4 * 4 + 4, info(BTF_KIND_PTR, 1, 0)); /* vlen on PTR */
	/* 0 extra bytes for PTR whatever its vlen: lenient parse is fine. */
	{
		struct kbpf_btf_view v;

		T_EQ(kbpf_btf_parse(&v, NULL, c, n, 0, NULL), 0);
	}
	T_ASSERT(bad(c, n, KBPF_BTF_F_STRICT, "vlen"));
#undef RESET
	free(c);
	free(d);
	T_EQ(kbpf_posix_live_allocs(), 0);
}

KBPF_TEST(chains, "typedef cycles and over-long chains end in NULL or "
		  "-EINVAL instead of hanging; bad ids inside records are "
		  "caught by the accessors")
{
	struct kbpf_btf_view v;
	struct bld b;
	uint8_t *d;
	size_t n;
	uint32_t i, r;

	memset(&b, 0, sizeof(b));
	str(&b, "");
	rec(&b, "a", BTF_KIND_TYPEDEF, 0, 2); /* 1 -> 2 -> 1 */
	rec(&b, "b", BTF_KIND_TYPEDEF, 0, 1);
	for (i = 0; i < 40; i++) /* 3 -> 4 -> ... -> 43 -> int */
		rec(&b, NULL, BTF_KIND_CONST, 0, b.nt + 2);
	rec(&b, "int", BTF_KIND_INT, 0, 4);
	word(&b, 32);
	rec(&b, NULL, BTF_KIND_ARRAY, 0, 0); /* an array of itself */
	word(&b, b.nt);
	word(&b, 0);
	word(&b, 1);
	rec(&b, NULL, BTF_KIND_PTR, 0, 1000); /* a dangling pointer */
	d = blob(&b, &n);
	T_EQ(kbpf_btf_parse(&v, H(), d, n, 0, NULL), 0);
	T_ASSERT(!kbpf_btf_skip_mods(&v, 1, &r));
	T_NE(r, 0);
	T_EQ(kbpf_btf_resolve_size(&v, 1), -EINVAL);
	T_ASSERT(!kbpf_btf_skip_mods(&v, 3, &r));
	T_EQ(kbpf_btf_resolve_size(&v, 3), -EINVAL);
	T_ASSERT(kbpf_btf_skip_mods(&v, 40, &r));
	T_EQ(r, 43);
	T_EQ(kbpf_btf_resolve_size(&v, 40), 4);
	T_EQ(kbpf_btf_resolve_size(&v, 44), -EINVAL);
	T_EQ(kbpf_btf_align_of(&v, 44), 0);
	T_EQ(kbpf_btf_align_of(&v, 1), 0);
	T_ASSERT(!kbpf_btf_type(&v, kbpf_btf_st(&v, kbpf_btf_type(&v, 45))));
	T_EQ(kbpf_btf_resolve_size(&v, 45), 8);
	/* The strict parser refuses the dangling pointer. */
	T_ASSERT(bad(d, n, KBPF_BTF_F_STRICT, "type id"));
	kbpf_btf_free(&v);
	free(d);
}

KBPF_TEST(sizes_overflow, "array sizes past 32 bits give -E2BIG, as libbpf's "
			  "btf__resolve_size does")
{
	struct kbpf_btf_view v;
	struct bld b;
	uint8_t *d;
	size_t n;

	memset(&b, 0, sizeof(b));
	str(&b, "");
	rec(&b, "long", BTF_KIND_INT, 0, 8);
	word(&b, 64);
	rec(&b, NULL, BTF_KIND_ARRAY, 0, 0); /* long[0x20000000]: 4 GiB */
	word(&b, 1);
	word(&b, 1);
	word(&b, 0x20000000);
	rec(&b, NULL, BTF_KIND_ARRAY, 0, 0); /* long[0x1fffffff] */
	word(&b, 1);
	word(&b, 1);
	word(&b, 0x1fffffff);
	rec(&b, NULL, BTF_KIND_ARRAY, 0, 0); /* (long[0x1fffffff])[0] */
	word(&b, 3);
	word(&b, 1);
	word(&b, 0);
	d = blob(&b, &n);
	T_EQ(kbpf_btf_parse(&v, NULL, d, n, KBPF_BTF_F_STRICT, NULL), 0);
	T_EQ(kbpf_btf_resolve_size(&v, 2), -E2BIG);
	T_EQ(kbpf_btf_resolve_size(&v, 3), 0xfffffff8ll);
	T_EQ(kbpf_btf_resolve_size(&v, 4), 0);
	free(d);
}

KBPF_TEST(alloc_failure, "a failed index allocation gives -ENOMEM, a zeroed "
			 "view and no leak")
{
	struct kbpf_btf_view v;
	const char *why = NULL;
	struct bld b;
	uint8_t *d;
	size_t n;

	sample(&b);
	d = blob(&b, &n);
	kbpf_posix_fail_alloc_after(0);
	T_EQ(kbpf_btf_parse(&v, H(), d, n, 0, &why), -ENOMEM);
	kbpf_posix_fail_alloc_after(-1);
	T_ASSERT(!v.nr_types && !v.type_off && why);
	T_EQ(kbpf_posix_live_allocs(), 0);
	free(d);
}

/* Read everything a parsed view offers; ASan/UBSan watch the bounds. */
static uint64_t walk(const struct kbpf_btf_view *v)
{
	uint64_t acc = 0;
	uint32_t id, i, r;

	for (id = 0; id <= v->nr_types; id++) {
		const uint8_t *t = kbpf_btf_type(v, id), *m;
		const char *nm;

		acc += (uint64_t)kbpf_btf_resolve_size(v, id);
		acc += kbpf_btf_align_of(v, id);
		acc += kbpf_btf_skip_mods(v, id, &r) != NULL;
		if (!t)
			continue;
		nm = kbpf_btf_name(v, t);
		if (nm)
			acc += strlen(nm) +
			       kbpf_btf_find(v, kbpf_btf_kind(v, t), nm);
		for (i = 0; (m = kbpf_btf_vrec(v, t, i)); i++) {
			acc += kbpf_btf_rd32(v, m);
			if (kbpf_btf_kind(v, t) == BTF_KIND_STRUCT ||
			    kbpf_btf_kind(v, t) == BTF_KIND_UNION)
				acc += kbpf_btf_member_bit_off(v, t, i);
		}
	}
	return acc;
}

KBPF_TEST(random_corruption,
	  "random byte corruptions of a valid BTF, both "
	  "orders, never read out of bounds: parses fail "
	  "with an errno or give a view that is safe to walk")
{
	uint64_t seed = kbpf_test_seed(), sink = 0;
	struct kbpf_btf_view v;
	int iter, ok = 0;
	struct bld b;
	uint8_t *d, *e, *c;
	size_t n;

	sample(&b);
	d = blob(&b, &n);
	e = swapped(d, n, b.nw);
	c = malloc(n);
	for (iter = 0; iter < 4000; iter++) {
		int k, r, flips = 1 + (int)(kbpf_test_rand(&seed) % 4);
		uint32_t flags = iter & 2 ? KBPF_BTF_F_STRICT : 0;

		memcpy(c, iter & 1 ? e : d, n);
		for (k = 0; k < flips; k++)
			c[kbpf_test_rand(&seed) % n] =
				(uint8_t)kbpf_test_rand(&seed);
		r = kbpf_btf_parse(&v, iter & 4 ? H() : NULL, c, n, flags,
				   NULL);
		if (r) {
			/* Strict: Linux's -ENOTSUPP and -E2BIG too. */
			if (r != -EINVAL &&
			    !(flags && (r == -524 || r == -E2BIG)))
				T_FAIL("parse gave %d", r);
			continue;
		}
		ok++;
		sink += walk(&v);
		kbpf_btf_free(&v);
	}
	printf("  random_corruption: %d of 4000 still parsed (%llu)\n", ok,
	       (unsigned long long)(sink & 1));
	free(c);
	free(e);
	free(d);
	T_EQ(kbpf_posix_live_allocs(), 0);
}

/* ------------------------------------------ strict rules against Linux */

/* A BTF this kernel's BPF_BTF_LOAD accepts: int, ptr, struct, typedef,
 * const, enum, array, func_proto, func. */
static void plain(struct bld *b)
{
	memset(b, 0, sizeof(*b));
	str(b, "");
	rec(b, "int", BTF_KIND_INT, 0, 4); /* 1 */
	word(b, BTF_INT_SIGNED << 24 | 32);
	rec(b, NULL, BTF_KIND_PTR, 0, 1); /* 2 */
	rec(b, "s", BTF_KIND_STRUCT, 2, 16); /* 3 */
	word(b, str(b, "a"));
	word(b, 1);
	word(b, 0);
	word(b, str(b, "p"));
	word(b, 2);
	word(b, 64);
	rec(b, "td", BTF_KIND_TYPEDEF, 0, 3); /* 4 */
	rec(b, NULL, BTF_KIND_CONST, 0, 4); /* 5 */
	rec(b, "e", BTF_KIND_ENUM, 1, 4); /* 6 */
	word(b, str(b, "E_A"));
	word(b, 1);
	rec(b, NULL, BTF_KIND_ARRAY, 0, 0); /* 7 */
	word(b, 1);
	word(b, 1);
	word(b, 10);
	rec(b, NULL, BTF_KIND_FUNC_PROTO, 1, 1); /* 8 */
	word(b, str(b, "x"));
	word(b, 2);
	rec(b, "fn", BTF_KIND_FUNC, BTF_FUNC_GLOBAL, 8); /* 9 */
}

/* Kernel's BPF_BTF_LOAD on @d: an fd (closed here) gives 0, else -errno. */
static long kernel_btf_load(const uint8_t *d, size_t n)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)d;
	a.btf_size = (uint32_t)n;
	r = oracle_kernel_bpf(BPF_BTF_LOAD, &a, sizeof(a));
	if (r >= 0) {
		oracle_kernel_close((int)r);
		return 0;
	}
	return r;
}

KBPF_TEST(strict_vs_kernel, "KBPF_BTF_F_STRICT accepts and refuses, with the "
			    "same errno, what this kernel's BPF_BTF_LOAD does, "
			    "for the header, area, string and record rules")
{
	struct {
		const char *what;
		size_t at; /* byte to change, or (size_t)-1 */
		uint32_t val; /* a 32-bit word at @at, or a byte if @byte */
		int byte;
		int grow; /* bytes of zero header added at 24 first */
	} cases[] = {
		{ "valid", (size_t)-1, 0, 0, 0 },
		{ "magic", 0, 0x12, 1, 0 },
		{ "version", 2, 2, 1, 0 },
		{ "flags", 3, 1, 1, 0 },
		{ "hdr_len < 24", 4, 20, 0, 0 },
		{ "hdr_len > size", 4, 4096, 0, 0 },
		{ "longer header, zero tail", (size_t)-1, 0, 0, 8 },
		{ "longer header, nonzero tail", 30, 1, 1, 8 },
		{ "type_off misaligned", 8, 2, 0, 0 },
		{ "type_len past the end", 12, 4096, 0, 0 },
		{ "str_off past the end", 16, 4096, 0, 0 },
		{ "str_len 0", 20, 0, 0, 0 },
		{ "first string not empty", 0, 'x', 1, 0 }, /* at: patched */
		{ "type name offset past the strings", 24, 0x10000, 0, 0 },
		{ "pointer to a type past the last", 24 + 16 + 8, 99, 0, 0 },
		{ "unknown kind", 24 + 4, 20u << 24, 0, 0 },
		{ "struct vlen overrun", 24 + 28 + 4,
		  BTF_KIND_STRUCT << 24 | 200, 0, 0 },
	};
	const char *why;
	struct bld b;
	uint8_t *d, *c;
	size_t n, i;
	int bad_cases = 0;

	if (!oracle_available(&why))
		T_SKIP("%s", why);
	plain(&b);
	d = blob(&b, &n);
	c = malloc(n + 64);
	cases[12].at = 24 + b.nw * 4;
	for (i = 0; i < N_OF(cases); i++) {
		struct kbpf_btf_view v;
		size_t m = n + (size_t)cases[i].grow;
		long kr;
		int r;

		memcpy(c, d, 24);
		memset(c + 24, 0, (size_t)cases[i].grow);
		memcpy(c + 24 + cases[i].grow, d + 24, n - 24);
		if (cases[i].grow)
			put32(c, 4, 24 + (uint32_t)cases[i].grow);
		if (cases[i].at != (size_t)-1) {
			if (cases[i].byte)
				c[cases[i].at] = (uint8_t)cases[i].val;
			else
				put32(c, cases[i].at, cases[i].val);
		}
		kr = kernel_btf_load(c, m);
		r = kbpf_btf_parse(&v, NULL, c, m,
				   KBPF_BTF_F_NATIVE | KBPF_BTF_F_STRICT, &why);
		if (r != kr) {
			fprintf(stderr, "  %s: kbpf %d (%s), kernel %ld\n",
				cases[i].what, r, r ? why : "ok", kr);
			bad_cases++;
		}
		if (!r)
			kbpf_btf_free(&v);
	}
	free(c);
	free(d);
	T_EQ(bad_cases, 0);
}

/* ---------------------------------------------- vmlinux against libbpf */

#ifdef KBPF_HAVE_LIBBPF
static uint8_t *read_file(const char *path, size_t *size)
{
	size_t cap = 1 << 20;
	uint8_t *d;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	d = malloc(cap);
	*size = 0;
	for (;;) {
		size_t r = fread(d + *size, 1, cap - *size, f);

		*size += r;
		if (*size < cap)
			break;
		d = realloc(d, cap *= 2);
	}
	fclose(f);
	return d;
}
#endif

KBPF_TEST(vmlinux_vs_libbpf, "this kernel's BTF: kbpf and libbpf see the same "
			     "types, names, sizes, alignments and name "
			     "lookups, id by id")
{
#ifndef KBPF_HAVE_LIBBPF
	T_SKIP("built without libbpf (libbpf-dev)");
#else
	static const char path[] = "/sys/kernel/btf/vmlinux";
	struct kbpf_btf_view v;
	struct btf *lb;
	uint8_t *d, *e;
	size_t n;
	uint32_t id, nr, mism = 0, found = 0;
	long err;

	d = read_file(path, &n);
	if (!d)
		T_SKIP("%s: %s", path, strerror(errno));
	libbpf_set_print(quiet); /* btf__align_of() warns on other kinds */
	lb = btf__parse(path, NULL);
	err = libbpf_get_error(lb);
	if (err) {
		free(d);
		T_SKIP("libbpf cannot parse %s: %ld", path, err);
	}
	T_EQ(kbpf_btf_parse(&v, H(), d, n,
			    KBPF_BTF_F_NATIVE | KBPF_BTF_F_STRICT, NULL),
	     0);
	nr = btf__type_cnt(lb);
	T_EQ(v.nr_types, nr);
	for (id = 1; id < nr && mism < 10; id++) {
		const struct btf_type *lt = btf__type_by_id(lb, id);
		const uint8_t *t = kbpf_btf_type(&v, id);
		const char *ln = btf__name_by_offset(lb, lt->name_off);
		long long ls = btf__resolve_size(lb, id);
		long long ks = kbpf_btf_resolve_size(&v, id);
		int la = btf__align_of(lb, id);
		uint32_t ka = kbpf_btf_align_of(&v, id);

		if (kbpf_btf_kind(&v, t) != btf_kind(lt) ||
		    kbpf_btf_vlen(&v, t) != btf_vlen(lt) ||
		    strcmp(kbpf_btf_name(&v, t), ln ? ln : "") ||
		    (ls < 0 ? ks >= 0 : ks != ls) ||
		    (la <= 0 ? ka != 0 : ka != (uint32_t)la)) {
			fprintf(stderr,
				"  id %u: kind %u/%u size %lld/%lld align %u/%d\n",
				id, kbpf_btf_kind(&v, t), btf_kind(lt), ks, ls,
				ka, la);
			mism++;
		}
		/* Lookups: every 61st named type, kbpf's first id = libbpf's. */
		if (ln && ln[0] && id % 61 == 0) {
			int32_t lid =
				btf__find_by_name_kind(lb, ln, btf_kind(lt));

			if ((int32_t)kbpf_btf_find(&v, btf_kind(lt), ln) !=
			    lid) {
				fprintf(stderr, "  find %s: %u vs %d\n", ln,
					kbpf_btf_find(&v, btf_kind(lt), ln),
					lid);
				mism++;
			}
			found++;
		}
	}
	T_EQ(mism, 0);
	T_EQ(kbpf_btf_find(&v, BTF_KIND_STRUCT, "no_such_struct_kbpf"), 0);
	T_EQ(btf__find_by_name_kind(lb, "no_such_struct_kbpf", BTF_KIND_STRUCT),
	     -ENOENT);
	/* The same bytes byte-swapped: the same answers, big-endian. */
	{
		struct kbpf_btf_view w;
		uint32_t tl = get32(d, 12);

		T_EQ(get32(d, 4), 24); /* one header, then types at 0 */
		T_EQ(get32(d, 8), 0);
		e = swapped(d, n, tl / 4);
		T_EQ(kbpf_btf_parse(&w, H(), e, n,
				    KBPF_BTF_F_BE | KBPF_BTF_F_STRICT, NULL),
		     0);
		T_EQ(w.nr_types, v.nr_types);
		for (id = 1; id < nr && mism < 10; id++) {
			const uint8_t *a = kbpf_btf_type(&v, id);
			const uint8_t *z = kbpf_btf_type(&w, id);

			if (kbpf_btf_info(&v, a) != kbpf_btf_info(&w, z) ||
			    kbpf_btf_st(&v, a) != kbpf_btf_st(&w, z) ||
			    strcmp(kbpf_btf_name(&v, a),
				   kbpf_btf_name(&w, z)) ||
			    kbpf_btf_resolve_size(&v, id) !=
				    kbpf_btf_resolve_size(&w, id) ||
			    kbpf_btf_align_of(&v, id) !=
				    kbpf_btf_align_of(&w, id))
				mism++;
		}
		T_EQ(mism, 0);
		T_EQ(kbpf_btf_find(&w, BTF_KIND_STRUCT, "task_struct"),
		     kbpf_btf_find(&v, BTF_KIND_STRUCT, "task_struct"));
		kbpf_btf_free(&w);
	}
	kbpf_btf_free(&v);
	printf("  vmlinux_vs_libbpf: %u types, %u lookups\n", nr - 1, found);
	btf__free(lb);
	free(e);
	free(d);
#endif
}
