// SPDX-License-Identifier: MIT
/*
 * perf_event_open(2), the ioctls of a perf fd, and mmap(2)/munmap(2) of
 * kbpf fds for the POSIX host: the same memory kbpf writes (the host's
 * memfd pages), mapped into this process as Linux maps it for user space,
 * so libbpf-style readers run unchanged against kbpf's rings.
 *
 * Each mapping is recorded with a reference on its object, dropped at
 * munmap; partial unmapping is not supported.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kbpf/map.h"
#include "kbpf/perf.h"
#include "posix_internal.h"

#define PAGE 4096UL

struct mapping {
	void *addr;
	size_t len;
	struct kbpf_obj *obj;
	bool writable;
	struct mapping *next;
};

static pthread_mutex_t map_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mapping *mappings;

static int fail(int err)
{
	errno = err;
	return -1;
}

int kbpf_posix_perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu,
			       int group_fd, unsigned long flags)
{
	long r;

	/* kbpf does not know this host's tasks: check the pid here. */
	if (pid > 0 && kill(pid, 0) && errno == ESRCH)
		return fail(ESRCH);
	r = kbpf_sys_perf_event_open(kbpf_posix_host(), attr, pid, cpu,
				     group_fd, flags);
	if (r < 0)
		return fail((int)-r);
	/*
	 * The fd table makes close-on-exec fds, as Linux's bpf fds are; a
	 * perf fd is close-on-exec only with PERF_FLAG_FD_CLOEXEC.
	 */
	if (!(flags & PERF_FLAG_FD_CLOEXEC))
		fcntl((int)r, F_SETFD, 0);
	return (int)r;
}

int kbpf_posix_perf_ioctl(int fd, unsigned long cmd, unsigned long arg)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
	struct kbpf_perf_event *ev = kbpf_perf_event_from_obj(obj);
	long r;

	if (!ev) {
		if (obj)
			kbpf_obj_put(obj);
		return fail(obj ? ENOTTY : EBADF);
	}
	r = kbpf_perf_event_ioctl(ev, (unsigned int)cmd, arg);
	kbpf_obj_put(obj);
	return r < 0 ? fail((int)-r) : 0;
}

void *kbpf_posix_mmap(void *addr, size_t len, int prot, int flags, int fd,
		      off_t off)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
	struct kbpf_perf_event *ev;
	const uintptr_t *pages;
	struct mapping *m;
	size_t nr, n;
	bool writable = prot & PROT_WRITE;
	uint32_t fd_flags = 0;
	void *p;
	int err;

	if (!obj)
		return mmap(addr, len, prot, flags, fd, off);
	err = EINVAL;
	if (!(flags & MAP_SHARED) || !len || off < 0 || off % PAGE)
		goto put;
	nr = (len + PAGE - 1) / PAGE;
	ev = kbpf_perf_event_from_obj(obj);
	if (ev) {
		err = -kbpf_perf_event_mmap(ev, (uint64_t)off / PAGE, nr,
					    writable, &pages, &n);
	} else if (kbpf_obj_type(obj) == KBPF_OBJ_MAP) {
		struct kbpf_map *map = kbpf_map_from_obj(obj);

		posix_fd_get(NULL, fd, &obj, &fd_flags);
		kbpf_obj_put(obj); /* only wanted the flags */
		/* A read-only fd cannot be mapped writable (the VFS's EACCES). */
		err = writable && !(fd_flags & KBPF_FD_WRITE) ?
			      EACCES :
			      -kbpf_map_mmap(map, (uint64_t)off / PAGE, nr,
					     writable, &pages);
	} else {
		err = ENODEV;
	}
	if (err)
		goto put;
	if (ev) {
		/* Linux: only the control page takes writes (data_tail). */
		p = posix_map_pages(addr, pages, nr, prot & ~PROT_WRITE,
				    !!(flags & MAP_FIXED));
		if (p && (prot & PROT_WRITE) &&
		    !posix_map_pages(p, pages, 1, prot, 1)) {
			munmap(p, nr * PAGE);
			p = NULL;
		}
	} else {
		p = posix_map_pages(addr, pages, nr, prot,
				    !!(flags & MAP_FIXED));
	}
	m = p ? malloc(sizeof(*m)) : NULL;
	if (!m) {
		if (p)
			munmap(p, nr * PAGE);
		err = ENOMEM;
		goto undo;
	}
	m->addr = p;
	m->len = nr * PAGE;
	m->obj = obj; /* the reference from kbpf_posix_fd_obj */
	m->writable = writable;
	pthread_mutex_lock(&map_lock);
	m->next = mappings;
	mappings = m;
	pthread_mutex_unlock(&map_lock);
	return p;

undo:
	if (ev)
		kbpf_perf_event_munmap(ev);
	else
		kbpf_map_munmap(kbpf_map_from_obj(obj), writable);
put:
	kbpf_obj_put(obj);
	errno = err;
	return MAP_FAILED;
}

int kbpf_posix_munmap(void *addr, size_t len)
{
	struct mapping **pp, *m = NULL;
	struct kbpf_perf_event *ev;

	pthread_mutex_lock(&map_lock);
	for (pp = &mappings; *pp; pp = &(*pp)->next) {
		if ((*pp)->addr == addr) {
			m = *pp;
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&map_lock);
	if (!m)
		return munmap(addr, len);
	munmap(m->addr, m->len);
	ev = kbpf_perf_event_from_obj(m->obj);
	if (ev)
		kbpf_perf_event_munmap(ev);
	else
		kbpf_map_munmap(kbpf_map_from_obj(m->obj), m->writable);
	kbpf_obj_put(m->obj);
	free(m);
	return 0;
}

int kbpf_posix_perf_readable(int fd)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
	struct kbpf_perf_event *ev = kbpf_perf_event_from_obj(obj);
	int r;

	if (!ev) {
		if (obj)
			kbpf_obj_put(obj);
		return fail(EBADF);
	}
	r = kbpf_perf_event_readable(ev);
	kbpf_obj_put(obj);
	return r;
}
