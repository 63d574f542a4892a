// SPDX-License-Identifier: MIT
/*
 * Lets Debian's libbpf, unmodified, drive kbpf's POSIX host: syscall(),
 * mmap(), munmap(), ioctl() and close() are interposed so that, while
 * interpose_to_kbpf is set, libbpf's bpf(2) and perf_event_open(2) calls go
 * to kbpf_posix_bpf() and kbpf_posix_perf_event_open(); and an mmap, ioctl
 * or close of a kbpf fd always goes to kbpf's host. Everything else reaches
 * the real calls, so the same process also runs libbpf against the kernel.
 * Link this file only into tests that want it (it replaces libc's calls
 * for the whole program) and link them with -ldl.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "interpose.h"
#include "core/object.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

int interpose_to_kbpf;
long (*interpose_prog_load)(void *attr, unsigned int size, int to_kbpf);
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
	if (interpose_prog_load && !depth && nr == __NR_bpf &&
	    a[0] == BPF_PROG_LOAD) {
		depth++;
		r = interpose_prog_load((void *)a[1], (unsigned int)a[2],
					interpose_to_kbpf);
		depth--;
		return r;
	}
	if (interpose_to_kbpf && !depth &&
	    (nr == __NR_bpf || nr == __NR_perf_event_open)) {
		depth++;
		if (nr == __NR_bpf)
			r = kbpf_posix_bpf((int)a[0], (void *)a[1],
					   (unsigned int)a[2]);
		else
			r = kbpf_posix_perf_event_open((void *)a[0],
						       (pid_t)a[1], (int)a[2],
						       (int)a[3],
						       (unsigned long)a[4]);
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

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (depth || !is_kbpf_fd(fd))
		return REAL(ioctl)(fd, req, arg);
	depth++;
	r = kbpf_posix_perf_ioctl(fd, req, arg);
	depth--;
	return r;
}

int close(int fd)
{
	int r;

	if (depth || !is_kbpf_fd(fd))
		return REAL(close)(fd);
	depth++;
	r = kbpf_posix_close(fd);
	depth--;
	return r;
}
