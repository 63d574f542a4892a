// SPDX-License-Identifier: MIT
/*
 * Executable memory for the JIT (kbpf_host.jit_alloc/jit_seal/jit_free):
 * private anonymous mappings, written while read-write, then turned
 * read-execute for good (W^X: no mapping is ever writable and executable
 * at once), with the instruction cache made coherent with what was
 * written (a no-op on x86-64, needed on arm64 and riscv64).
 *
 * On by default; KBPF_JIT=0 in the environment (read when the host
 * starts) or kbpf_posix_set_jit(false) leaves the callbacks out, so every
 * program runs in the interpreter. Whether a program is compiled at all is
 * the core's choice (only where it has a backend for the architecture).
 */
#include <stdatomic.h>
#include <sys/mman.h>
#include <unistd.h>

#include "posix_internal.h"

static atomic_long posix_jit_mappings;

static size_t posix_jit_round(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) & ~(page - 1);
}

void *posix_jit_alloc(const struct kbpf_host *h, size_t size)
{
	void *p;

	(void)h;
	if (!size)
		return NULL;
	p = mmap(NULL, posix_jit_round(size), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	atomic_fetch_add(&posix_jit_mappings, 1);
	return p;
}

int posix_jit_seal(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	/* Make instruction fetch see the stores before it may execute. */
	__builtin___clear_cache((char *)p, (char *)p + size);
	if (mprotect(p, posix_jit_round(size), PROT_READ | PROT_EXEC))
		return -KBPF_EPERM;
	return 0;
}

void posix_jit_free(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	munmap(p, posix_jit_round(size));
	atomic_fetch_sub(&posix_jit_mappings, 1);
}

long kbpf_posix_jit_live(void)
{
	return atomic_load(&posix_jit_mappings);
}
