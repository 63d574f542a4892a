// SPDX-License-Identifier: MIT
/*
 * Lets Debian's libbpf, unmodified, drive kbpf's POSIX host: syscall(),
 * mmap() and munmap() are interposed so that, while interpose_to_kbpf is
 * set, libbpf's bpf(2) calls go to kbpf_posix_bpf(), and a mapping of a
 * kbpf fd always goes to kbpf_posix_mmap(). Everything else reaches the
 * real calls, so the same process also runs libbpf against the kernel.
 * (The perf tests do the same for perf_buffer, with perf_event_open and
 * ioctl besides.)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose.h"
#include "core/object.h"
#include "kbpf_posix.h"

int interpose_to_kbpf;
static _Thread_local int depth; /* inside kbpf's host: the real calls */

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int is_kbpf_fd(int fd)
{
	struct kbpf_obj *o;

	if (fd < 0)
		return 0;
	o = kbpf_posix_fd_obj(fd);
	if (o)
		kbpf_obj_put(o);
	return o != NULL;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6], r;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (interpose_to_kbpf && !depth && nr == __NR_bpf) {
		depth++;
		r = kbpf_posix_bpf((int)a[0], (void *)a[1], (unsigned int)a[2]);
		depth--;
		return r;
	}
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *r;

	if (depth || !is_kbpf_fd(fd))
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	depth++;
	r = kbpf_posix_mmap(addr, len, prot, flags, fd, off);
	depth--;
	return r;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	int r;

	if (depth)
		return REAL(munmap)(addr, len);
	depth++;
	r = kbpf_posix_munmap(addr, len); /* plain munmap for other memory */
	depth--;
	return r;
}
