/* SPDX-License-Identifier: MIT */
/*
 * A BTF blob written by hand, for tests that need types the compiler does
 * not give them (a bpf_spin_lock at an odd offset, two bpf_timers, a value
 * that is too small for its type...): append types and members in id
 * order, then tbtf_finish() lays out header, types and strings in out[].
 *
 *	struct tbtf *b = calloc(1, sizeof(*b));
 *	tbtf_init(b);
 *	tbtf_type(b, "int", BTF_KIND_INT, 0, 4);     returns 1
 *	tbtf_u32(b, BTF_INT_SIGNED << 24 | 32);
 *	tbtf_finish(b);                               b->out, b->len
 *
 * Overflowing the fixed arrays is a bug of the test; tbtf_u32() and
 * tbtf_str() abort then rather than write past them. Also: loading the
 * blob on one side of a differential test (BPF_BTF_LOAD with a log) and
 * creating a map with BTF ids.
 */
#ifndef KBPF_TEST_BTF_BUILD_H
#define KBPF_TEST_BTF_BUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"

#define TBTF_TYPES 8192
#define TBTF_STRS 2048
#define TBTF_IDS 256

struct tbtf {
	uint8_t types[TBTF_TYPES];
	uint32_t tl; /* bytes of types[] used */
	char strs[TBTF_STRS];
	uint32_t sl; /* bytes of strs[] used */
	uint32_t next_id; /* the id tbtf_type() gives next */
	uint32_t toff[TBTF_IDS]; /* types[] offset of each id's record */
	uint8_t out[24 + TBTF_TYPES + TBTF_STRS];
	uint32_t len; /* bytes of out[] after tbtf_finish() */
};

/* Empty blob: string 0 is "", the next type is id 1. */
static inline void tbtf_init(struct tbtf *b)
{
	memset(b, 0, sizeof(*b));
	b->sl = 1;
	b->next_id = 1;
}

/* Append a string; returns its offset in the string section. */
static inline uint32_t tbtf_str(struct tbtf *b, const char *s)
{
	uint32_t o = b->sl;
	size_t n = strlen(s) + 1;

	if (n > TBTF_STRS - b->sl)
		abort();
	memcpy(b->strs + b->sl, s, n);
	b->sl += (uint32_t)n;
	return o;
}

/* Append one 32-bit word to the type section. */
static inline void tbtf_u32(struct tbtf *b, uint32_t v)
{
	if (b->tl + 4 > TBTF_TYPES)
		abort();
	memcpy(b->types + b->tl, &v, 4);
	b->tl += 4;
}

/*
 * Append a type record (name NULL: anonymous; st: size or type); the
 * caller appends its members or extra words. Returns the type's id.
 */
static inline uint32_t tbtf_type(struct tbtf *b, const char *name,
				 uint32_t kind, uint32_t vlen, uint32_t st)
{
	if (b->next_id < TBTF_IDS)
		b->toff[b->next_id] = b->tl;
	tbtf_u32(b, name ? tbtf_str(b, name) : 0);
	tbtf_u32(b, kind << 24 | vlen);
	tbtf_u32(b, st);
	return b->next_id++;
}

/* Append a struct or union member at @bits (bit offset). */
static inline void tbtf_member(struct tbtf *b, const char *name, uint32_t type,
			       uint32_t bits)
{
	tbtf_u32(b, tbtf_str(b, name));
	tbtf_u32(b, type);
	tbtf_u32(b, bits);
}

/* Lay out header, types and strings in out[] (types first). */
static inline void tbtf_finish(struct tbtf *b)
{
	uint32_t h[6] = { 0x0001eb9f, 24, 0, b->tl, b->tl, b->sl };

	memcpy(b->out, h, 24);
	memcpy(b->out + 24, b->types, b->tl);
	memcpy(b->out + 24 + b->tl, b->strs, b->sl);
	b->len = 24 + b->tl + b->sl;
}

/*
 * BPF_BTF_LOAD of the finished blob on @side (0 kernel, 1 kbpf) with a
 * level-1 log, printed when the load fails. Returns the fd or -errno.
 */
static inline long tbtf_load(int side, const struct tbtf *b)
{
	static char log[4096];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)b->out;
	a.btf_size = b->len;
	a.btf_log_buf = (uint64_t)(uintptr_t)log;
	a.btf_log_size = sizeof(log);
	a.btf_log_level = 1;
	log[0] = 0;
	r = side_bpf(side, BPF_BTF_LOAD, &a);
	if (r < 0)
		printf("side %d: BTF_LOAD %ld: %s\n", side, r, log);
	return r;
}

/*
 * BPF_MAP_CREATE on @side with BTF @btf (an fd of that side) and its key
 * and value type ids; @inner: an inner map fd, or -1. Returns the fd or
 * -errno.
 */
static inline long tbtf_map_create(int side, long btf, uint32_t type,
				   uint32_t ks, uint32_t vs, uint32_t max,
				   uint32_t flags, uint32_t kid, uint32_t vid,
				   long inner)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = kid;
	a.btf_value_type_id = vid;
	if (inner >= 0)
		a.inner_map_fd = (uint32_t)inner;
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

#endif
