/* SPDX-License-Identifier: MIT */
/*
 * Dynamic pointers: what a BPF program's 16-byte, opaque struct bpf_dynptr
 * holds, with Linux's layout (struct bpf_dynptr_kern), so a host writing
 * its own dynptr helpers reads and builds the same bytes Linux does:
 *
 *   bytes 0-7   data: start of the memory (NULL: the dynptr is invalid)
 *   bytes 8-11  size word: bits 0-23 the size, bits 28-30 the type
 *               (enum kbpf_dynptr_type), bit 31 read-only
 *   bytes 12-15 offset into data where the dynptr's view starts
 *
 * (measured on 6.18: a 24-byte ring buffer reservation reads back as
 * {record, 0x20000018, 0}; the sample of bpf_user_ringbuf_drain as
 * {sample, 0x10000000 | size, 0}; an invalid one as 16 zero bytes.) On a
 * 32-bit host data is 4 bytes and the words follow it, as on 32-bit Linux.
 *
 * The helpers (bpf_dynptr_from_mem, bpf_ringbuf_{reserve,submit,discard}_
 * dynptr, bpf_dynptr_{read,write,data}) are in the default helper table;
 * the functions here are the building blocks they share.
 */
#ifndef KBPF_CORE_DYNPTR_H
#define KBPF_CORE_DYNPTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kbpf/errno.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux's DYNPTR_MAX_SIZE: the size field has 24 bits. */
#define KBPF_DYNPTR_MAX_SIZE ((1u << 24) - 1)
#define KBPF_DYNPTR_SIZE_MASK 0xffffffu
#define KBPF_DYNPTR_TYPE_SHIFT 28
#define KBPF_DYNPTR_RDONLY_BIT (1u << 31)

/* Linux's enum bpf_dynptr_type (the values programs' dynptrs carry). */
enum kbpf_dynptr_type {
	KBPF_DYNPTR_TYPE_INVALID = 0,
	KBPF_DYNPTR_TYPE_LOCAL =
		1, /* program or user memory (from_mem, drain) */
	KBPF_DYNPTR_TYPE_RINGBUF = 2, /* a ring buffer record */
	KBPF_DYNPTR_TYPE_SKB = 3,
	KBPF_DYNPTR_TYPE_XDP = 4,
};

/**
 * struct kbpf_dynptr - the kernel view of struct bpf_dynptr.
 * @data: the memory, NULL when the dynptr is invalid.
 * @size: size | type << KBPF_DYNPTR_TYPE_SHIFT | KBPF_DYNPTR_RDONLY_BIT.
 * @offset: start of the view inside @data.
 */
struct kbpf_dynptr {
	void *data;
	uint32_t size;
	uint32_t offset;
};

_Static_assert(sizeof(struct kbpf_dynptr) <= 16,
	       "struct bpf_dynptr is 16 bytes");
_Static_assert(offsetof(struct kbpf_dynptr, size) == sizeof(void *),
	       "Linux's struct bpf_dynptr_kern layout");

/** kbpf_dynptr_init() - make @d a dynptr of @type over @size bytes at @data. */
static inline void kbpf_dynptr_init(struct kbpf_dynptr *d, void *data,
				    enum kbpf_dynptr_type type, uint32_t offset,
				    uint32_t size)
{
	d->data = data;
	d->offset = offset;
	d->size = size | (uint32_t)type << KBPF_DYNPTR_TYPE_SHIFT;
}

/** kbpf_dynptr_set_null() - make @d invalid: all 16 bytes zero, as Linux. */
static inline void kbpf_dynptr_set_null(struct kbpf_dynptr *d)
{
	d->data = NULL;
	d->size = 0;
	d->offset = 0;
}

static inline uint32_t kbpf_dynptr_size(const struct kbpf_dynptr *d)
{
	return d->size & KBPF_DYNPTR_SIZE_MASK;
}

static inline enum kbpf_dynptr_type
kbpf_dynptr_type(const struct kbpf_dynptr *d)
{
	return (enum kbpf_dynptr_type)((d->size & ~KBPF_DYNPTR_RDONLY_BIT) >>
				       KBPF_DYNPTR_TYPE_SHIFT);
}

static inline bool kbpf_dynptr_is_rdonly(const struct kbpf_dynptr *d)
{
	return d->size & KBPF_DYNPTR_RDONLY_BIT;
}

static inline void kbpf_dynptr_set_rdonly(struct kbpf_dynptr *d)
{
	d->size |= KBPF_DYNPTR_RDONLY_BIT;
}

/**
 * kbpf_dynptr_check_off_len() - whether [@offset, @offset + @len) lies
 * inside @d's view, computed as Linux does (no overflow).
 * Return: 0, or -E2BIG when it does not.
 */
static inline int kbpf_dynptr_check_off_len(const struct kbpf_dynptr *d,
					    uint32_t offset, uint32_t len)
{
	uint32_t size = kbpf_dynptr_size(d);

	return len > size || offset > size - len ? -KBPF_E2BIG : 0;
}

#ifdef __cplusplus
}
#endif

#endif /* KBPF_CORE_DYNPTR_H */
