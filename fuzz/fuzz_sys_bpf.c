// SPDX-License-Identifier: MIT
/*
 * Fuzz kbpf_sys_bpf(): short sequences of bpf(2) commands with arbitrary
 * attributes.
 *
 * The host here has its own simulated user address space, the "arena": a
 * user pointer is an offset into the arena, and copies that fall outside it
 * return -EFAULT. So every pointer field of every command (keys, values,
 * instructions, log buffers, batch cursors) can take any value without the
 * fuzzer corrupting its own memory, and both in-range and faulting user
 * memory are explored.
 *
 * Input: byte 0 = number of commands (1..8); then 3 bytes per command
 * (cmd, size lo, size hi); the rest is the arena (attr of command i at
 * offset i * 256). After each input every fd is closed and the live
 * allocation count must be back where it started: a leak aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/sys.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define ARENA_SIZE 65536

static uint8_t arena[ARENA_SIZE];
static struct kbpf_host fuzz_host;

static int arena_range(const void *uptr, size_t n, uint8_t **out)
{
	uintptr_t off = (uintptr_t)uptr;

	if (off >= ARENA_SIZE || n > ARENA_SIZE - off)
		return -14; /* -EFAULT */
	*out = arena + off;
	return 0;
}

static int fz_copy_from_user(const struct kbpf_host *h, void *dst,
			     const void *usrc, size_t n)
{
	uint8_t *p;

	(void)h;
	if (!n)
		return 0;
	if (arena_range(usrc, n, &p))
		return -14;
	memcpy(dst, p, n);
	return 0;
}

static int fz_copy_to_user(const struct kbpf_host *h, void *udst,
			   const void *src, size_t n)
{
	uint8_t *p;

	(void)h;
	if (!n)
		return 0;
	if (arena_range(udst, n, &p))
		return -14;
	memcpy(p, src, n);
	return 0;
}

static long fz_strncpy_from_user(const struct kbpf_host *h, char *dst,
				 const char *usrc, size_t n)
{
	size_t i;

	(void)h;
	for (i = 0; i < n; i++) {
		uint8_t *p;

		/* A user address: offset it as an integer (it may be NULL). */
		if (arena_range((const void *)((uintptr_t)usrc + i), 1, &p))
			return -14;
		dst[i] = (char)*p;
		if (!*p)
			return (long)i;
	}
	return (long)n;
}

/*
 * A host may refuse any allocation; this one refuses big ones, so that the
 * fuzzer's 2 GiB budget is not spent on preallocated hash maps that touch
 * every element (Linux would fail them with -ENOMEM on a small machine too).
 */
#define FZ_ALLOC_MAX (64u << 20)

static void *fz_alloc(const struct kbpf_host *h, size_t size, size_t align,
		      uint32_t flags)
{
	if (size > FZ_ALLOC_MAX)
		return NULL;
	return kbpf_posix_host()->alloc(h, size, align, flags);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	unsigned int ncmd, i;
	size_t hdr;

	if (!fuzz_host.alloc) {
		fuzz_host = *kbpf_posix_host();
		fuzz_host.alloc = fz_alloc;
		fuzz_host.copy_from_user = fz_copy_from_user;
		fuzz_host.copy_to_user = fz_copy_to_user;
		fuzz_host.strncpy_from_user = fz_strncpy_from_user;
	}
	if (size < 4)
		return 0;
	ncmd = data[0] % 8 + 1;
	hdr = 1 + 3 * (size_t)ncmd;
	if (size < hdr)
		return 0;
	memset(arena, 0, sizeof(arena));
	memcpy(arena, data + hdr,
	       size - hdr < ARENA_SIZE ? size - hdr : ARENA_SIZE);
	if (baseline < 0)
		baseline = kbpf_posix_live_allocs();
	for (i = 0; i < ncmd; i++) {
		int cmd = data[1 + 3 * i] % (__MAX_BPF_CMD + 2);
		unsigned int sz = data[2 + 3 * i] | data[3 + 3 * i] << 8;

		/* Mostly plausible sizes; sometimes past a page. */
		sz = sz > 0xf000 ? 4097 + (sz & 0xff) : sz % 512;
		/*
		 * A test run repeated 2^31 times is legal and long: a signal
		 * ends it after 1000 runs, as one would a real caller's.
		 */
		kbpf_posix_interrupt_after(1000);
		kbpf_sys_bpf(&fuzz_host, cmd, (void *)(uintptr_t)(i * 256), sz);
	}
	kbpf_posix_reset();
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr,
			"leak: %ld allocations live after the input (baseline %ld)\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
