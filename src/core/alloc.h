/* SPDX-License-Identifier: MIT */
/*
 * Memory, per-CPU storage and user-copy wrappers over the host table. All
 * core allocations go through here so the fault-injection host sees every
 * allocation point.
 */
#ifndef KBPF_CORE_ALLOC_H
#define KBPF_CORE_ALLOC_H

#include "compiler.h"

/* Allocate @size bytes (KBPF_ALLOC_* @flags), 16-byte aligned; NULL on failure. */
static inline void *kbpf_malloc(const struct kbpf_host *h, size_t size,
				uint32_t flags)
{
	return h->alloc(h, size ? size : 1, 16, flags);
}

static inline void *kbpf_zalloc(const struct kbpf_host *h, size_t size,
				uint32_t flags)
{
	return kbpf_malloc(h, size, flags | KBPF_ALLOC_ZERO);
}

static inline void *kbpf_malloc_aligned(const struct kbpf_host *h, size_t size,
					size_t align, uint32_t flags)
{
	return h->alloc(h, size ? size : 1, align, flags);
}

/* Free @ptr (NULL is ignored); @size must be the size given at allocation. */
static inline void kbpf_free(const struct kbpf_host *h, void *ptr, size_t size)
{
	if (ptr)
		h->free(h, ptr, size ? size : 1);
}

/*
 * One slot of @size bytes per possible CPU, each slot on its own cache
 * line(s), allocated as one block. Slots are zeroed.
 */
struct kbpf_percpu {
	void *base;
	size_t stride;
	uint32_t nr;
};

int kbpf_percpu_init(struct kbpf_percpu *pc, const struct kbpf_host *h,
		     size_t size, uint32_t flags);
void kbpf_percpu_fini(struct kbpf_percpu *pc, const struct kbpf_host *h);

static inline void *kbpf_percpu_ptr(const struct kbpf_percpu *pc, uint32_t cpu)
{
	return (char *)pc->base + pc->stride * cpu;
}

/* The calling CPU; always < h->nr_cpus (clamped defensively). */
static inline uint32_t kbpf_this_cpu(const struct kbpf_host *h)
{
	uint32_t cpu = h->cpu_id(h);

	return kbpf_likely(cpu < h->nr_cpus) ? cpu : 0;
}

/* User-memory copies with the single-address-space fallback of host.h. */
int kbpf_copy_from_user(const struct kbpf_host *h, void *dst, const void *usrc,
			size_t n);
int kbpf_copy_to_user(const struct kbpf_host *h, void *udst, const void *src,
		      size_t n);
long kbpf_strncpy_from_user(const struct kbpf_host *h, char *dst,
			    const char *usrc, size_t n);

/**
 * kbpf_check_tail_zero() - Linux's bpf_check_uarg_tail_zero(): may a user
 * struct of @actual bytes at @uptr be read as kbpf's @expected bytes?
 * @h: the host (its copy_from_user reads the tail).
 * @uptr: the user struct; may be NULL when @actual <= @expected.
 * @expected: the size kbpf knows.
 * @actual: the size the user passed.
 *
 * Return: 0 if @actual <= @expected or every byte past @expected is zero;
 * -E2BIG if @actual > KBPF_ATTR_MAX_SIZE (4096) or a byte past @expected is
 * not zero; -EFAULT if the tail is not readable.
 *
 * Context: syscall path (user copies may fault and sleep); no kbpf lock
 * held; reads at most @actual - @expected bytes through a stack buffer.
 */
int kbpf_check_tail_zero(const struct kbpf_host *h, const void *uptr,
			 size_t expected, size_t actual);

/*
 * User address @base + @off, computed as an integer: @base may be 0 (a
 * NULL user pointer the copy will refuse), which C pointer arithmetic
 * may not offset.
 */
static inline void *kbpf_uptr_at(uint64_t base, uint64_t off)
{
	return (void *)(uintptr_t)(base + off);
}

/* User pointers travel in union bpf_attr as u64. */
static inline void *kbpf_u64_to_ptr(uint64_t v)
{
	return (void *)(uintptr_t)v;
}

#endif /* KBPF_CORE_ALLOC_H */
