// SPDX-License-Identifier: MIT
/*
 * Pages for the POSIX host. All pages live in one memfd that grows on
 * demand; a page handle is its page index + 1. vmap maps a handle list at
 * consecutive addresses with MAP_SHARED|MAP_FIXED mappings of the memfd, so
 * the same physical page can appear twice in a row (the ring buffer's double
 * mapping) and user-space mappings (kbpf_posix_mmap) see the same bytes as
 * kbpf does.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "posix_internal.h"

#define PAGE 4096UL

static pthread_mutex_t pages_lock = PTHREAD_MUTEX_INITIALIZER;
static int pages_fd = -1;
static size_t pages_total; /* pages in the memfd */
static size_t *free_list; /* indexes of free pages */
static size_t free_cnt, free_cap;
static long live_pages;
static uint8_t *dirty; /* per page: has been handed out before */

/*
 * The most pages this host hands out at once (1 GiB): past it alloc_pages
 * fails with -ENOMEM, as a kernel runs out of memory.
 */
#define PAGES_MAX (1UL << 18)

long kbpf_posix_live_pages(void)
{
	long n;

	pthread_mutex_lock(&pages_lock);
	n = live_pages;
	pthread_mutex_unlock(&pages_lock);
	return n;
}

static int pages_grow(size_t want)
{
	size_t n = pages_total ? pages_total : 64, i;
	size_t *fl;
	uint8_t *d;

	while (n < pages_total + want)
		n *= 2;
	if (pages_fd < 0) {
		pages_fd = memfd_create("kbpf-pages", MFD_CLOEXEC);
		if (pages_fd < 0)
			return -1;
	}
	if (ftruncate(pages_fd, (off_t)(n * PAGE)))
		return -1;
	fl = realloc(free_list, n * sizeof(*fl));
	if (!fl)
		return -1;
	free_list = fl;
	d = realloc(dirty, n);
	if (!d)
		return -1;
	dirty = d;
	memset(dirty + pages_total, 0, n - pages_total);
	free_cap = n;
	for (i = pages_total; i < n; i++)
		free_list[free_cnt++] = n - 1 - (i - pages_total);
	pages_total = n;
	return 0;
}

static void page_zero(size_t idx)
{
	/* Punching a hole gives the page back and makes it read as zeros. */
	fallocate(pages_fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		  (off_t)(idx * PAGE), PAGE);
}

int posix_alloc_pages(const struct kbpf_host *h, size_t nr, uintptr_t *pages)
{
	size_t i;

	(void)h;
	if (posix_alloc_should_fail(KBPF_POSIX_ALLOC_PAGES))
		return -KBPF_ENOMEM;
	pthread_mutex_lock(&pages_lock);
	if (nr > PAGES_MAX || (size_t)live_pages + nr > PAGES_MAX ||
	    (free_cnt < nr && pages_grow(nr - free_cnt))) {
		pthread_mutex_unlock(&pages_lock);
		return -KBPF_ENOMEM;
	}
	for (i = 0; i < nr; i++) {
		size_t idx = free_list[--free_cnt];

		/* Fresh pages of the memfd read as zero; reused ones are punched. */
		if (dirty[idx])
			page_zero(idx);
		dirty[idx] = 1;
		pages[i] = idx + 1;
	}
	live_pages += (long)nr;
	pthread_mutex_unlock(&pages_lock);
	return 0;
}

void posix_free_pages(const struct kbpf_host *h, const uintptr_t *pages,
		      size_t nr)
{
	size_t i;

	(void)h;
	pthread_mutex_lock(&pages_lock);
	for (i = 0; i < nr; i++)
		free_list[free_cnt++] = pages[i] - 1;
	live_pages -= (long)nr;
	pthread_mutex_unlock(&pages_lock);
}

void *posix_map_pages(void *addr, const uintptr_t *pages, size_t nr, int prot,
		      int fixed)
{
	char *base;
	size_t i = 0;

	if (!nr)
		return NULL;
	base = mmap(addr, nr * PAGE, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (fixed ? MAP_FIXED : 0), -1,
		    0);
	if (base == MAP_FAILED)
		return NULL;
	while (i < nr) {
		size_t run = 1;

		/* Coalesce consecutive pages into one mapping. */
		while (i + run < nr && pages[i + run] == pages[i] + run)
			run++;
		if (mmap(base + i * PAGE, run * PAGE, prot,
			 MAP_SHARED | MAP_FIXED, pages_fd,
			 (off_t)((pages[i] - 1) * PAGE)) == MAP_FAILED) {
			munmap(base, nr * PAGE);
			return NULL;
		}
		i += run;
	}
	return base;
}

void *posix_vmap(const struct kbpf_host *h, const uintptr_t *pages, size_t nr)
{
	(void)h;
	if (posix_alloc_should_fail(KBPF_POSIX_ALLOC_VMAP))
		return NULL;
	return posix_map_pages(NULL, pages, nr, PROT_READ | PROT_WRITE, 0);
}

void posix_vunmap(const struct kbpf_host *h, void *addr, size_t nr)
{
	(void)h;
	munmap(addr, nr * PAGE);
}
