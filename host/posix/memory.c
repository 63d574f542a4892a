// SPDX-License-Identifier: MIT
/*
 * Memory for the POSIX host: malloc with a header that records the size, so
 * that a free with the wrong size is caught, live allocations are counted
 * and the Nth allocation can be made to fail (fault injection).
 */
#define _GNU_SOURCE
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "posix_internal.h"

#define HDR_MAGIC 0x6b627066616c6c63ULL /* "kbpfallc" */

struct alloc_hdr {
	uint64_t magic;
	uint64_t size;
	void *base;
	uint64_t mapped; /* bytes mmapped at base, or 0 for malloc */
};

/*
 * Large allocations come from mmap: zeroed lazily, and refused (like
 * Linux's vmalloc) when they exceed what the machine could ever back.
 */
#define BIG_ALLOC (1UL << 20)

static atomic_ulong n_allocs;
static atomic_long live_allocs;
static atomic_long live_bytes;
static atomic_long peak_bytes; /* highest live_bytes since the last reset */
static atomic_long fail_countdown = -1;
static kbpf_posix_alloc_observer observer;
static void *observer_arg;

void kbpf_posix_fail_alloc_after(long n)
{
	atomic_store(&fail_countdown, n);
}

unsigned long kbpf_posix_alloc_count(void)
{
	return atomic_load(&n_allocs);
}

long kbpf_posix_live_allocs(void)
{
	kbpf_posix_rcu_barrier();
	return atomic_load(&live_allocs);
}

long kbpf_posix_live_bytes(void)
{
	kbpf_posix_rcu_barrier();
	return atomic_load(&live_bytes);
}

long kbpf_posix_peak_bytes(void)
{
	return atomic_load(&peak_bytes);
}

long kbpf_posix_reset_peak_bytes(void)
{
	long now = atomic_load(&live_bytes);

	atomic_store(&peak_bytes, now);
	return now;
}

void kbpf_posix_set_alloc_observer(kbpf_posix_alloc_observer fn, void *arg)
{
	observer_arg = arg;
	observer = fn;
}

/* True if this allocation is the one chosen to fail. */
static int should_fail(void)
{
	long c = atomic_load(&fail_countdown);

	while (c >= 0) {
		if (atomic_compare_exchange_weak(&fail_countdown, &c, c - 1))
			return c == 0;
	}
	return 0;
}

int posix_alloc_should_fail(enum kbpf_posix_alloc_kind kind)
{
	kbpf_posix_alloc_observer fn = observer;
	int fail;

	atomic_fetch_add(&n_allocs, 1);
	fail = should_fail();
	if (fn)
		fn(kind, fail, observer_arg);
	return fail;
}

void *posix_alloc(const struct kbpf_host *h, size_t size, size_t align,
		  uint32_t flags)
{
	struct alloc_hdr *hdr;
	char *base, *p;
	size_t hdr_room;
	long now, peak;

	(void)h;
	if (posix_alloc_should_fail(KBPF_POSIX_ALLOC_MEM))
		return NULL;
	if (align < sizeof(struct alloc_hdr))
		align = sizeof(struct alloc_hdr);
	if (align & (align - 1))
		return NULL;
	hdr_room = align;
	if (size > SIZE_MAX - hdr_room)
		return NULL;
	if (size >= BIG_ALLOC && align <= 4096) {
		size_t len = 4096 + size;

		base = mmap(NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (base == MAP_FAILED)
			return NULL;
		p = base + 4096;
		hdr = (struct alloc_hdr *)p - 1;
		hdr->mapped = len;
	} else {
		if (posix_memalign((void **)&base, align, hdr_room + size))
			return NULL;
		p = base + hdr_room;
		hdr = (struct alloc_hdr *)p - 1;
		hdr->mapped = 0;
		if (flags & KBPF_ALLOC_ZERO)
			memset(p, 0, size);
	}
	hdr->magic = HDR_MAGIC;
	hdr->size = size;
	hdr->base = base;
	atomic_fetch_add(&live_allocs, 1);
	now = atomic_fetch_add(&live_bytes, (long)size) + (long)size;
	peak = atomic_load(&peak_bytes);
	while (now > peak &&
	       !atomic_compare_exchange_weak(&peak_bytes, &peak, now))
		;
	return p;
}

void posix_free(const struct kbpf_host *h, void *ptr, size_t size)
{
	struct alloc_hdr *hdr;

	(void)h;
	if (!ptr)
		return;
	hdr = (struct alloc_hdr *)ptr - 1;
	if (hdr->magic != HDR_MAGIC || hdr->size != size) {
		fprintf(stderr,
			"kbpf posix host: bad free of %p (size %zu, allocated %llu)\n",
			ptr, size, (unsigned long long)hdr->size);
		abort();
	}
	hdr->magic = 0;
	atomic_fetch_sub(&live_allocs, 1);
	atomic_fetch_sub(&live_bytes, (long)size);
	if (hdr->mapped)
		munmap(hdr->base, hdr->mapped);
	else
		free(hdr->base);
}
