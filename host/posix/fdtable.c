// SPDX-License-Identifier: MIT
/*
 * The POSIX host's fd table. Every kbpf object installed gets a real file
 * descriptor, an eventfd, so that:
 *  - fd numbers come from the process's own table and never alias another
 *    open file;
 *  - an fd that is open but not kbpf's (stdin, a socket) gives -EINVAL and
 *    a closed one -EBADF, exactly as Linux distinguishes them;
 *  - wake() can signal the eventfd, so poll()/epoll_wait() on a ring
 *    buffer or perf event fd work as on Linux.
 * Ids (bpf_map_info.id, GET_FD_BY_ID) are kbpf's (kbpf_host.state).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf/object.h"
#include "kbpf/state.h"
#include "kbpf_posix.h"
#include "posix_internal.h"

struct fd_entry {
	struct kbpf_obj *obj;
	uint32_t flags;
};

static pthread_mutex_t fd_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fd_entry *fds;
static size_t fds_cap;

/* Make fds[@fd] exist; under fd_lock. 0 or -1 (out of memory). */
static int fd_slot(int fd)
{
	size_t cap = fds_cap ? fds_cap : 64;
	struct fd_entry *n;

	if ((size_t)fd < fds_cap)
		return 0;
	while (cap <= (size_t)fd)
		cap *= 2;
	n = realloc(fds, cap * sizeof(*n));
	if (!n)
		return -1;
	for (size_t i = fds_cap; i < cap; i++)
		n[i] = (struct fd_entry){ 0 };
	fds = n;
	fds_cap = cap;
	return 0;
}

int posix_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
		     uint32_t fd_flags)
{
	int fd;

	(void)h;
	/*
	 * The fd is created, and closed (kbpf_posix_close), under fd_lock:
	 * posix_fd_get() never sees it open without its object, which would
	 * give -EINVAL where Linux gives -EBADF.
	 */
	pthread_mutex_lock(&fd_lock);
	fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd < 0) {
		pthread_mutex_unlock(&fd_lock);
		return errno == EMFILE ? -KBPF_EMFILE : -KBPF_ENOMEM;
	}
	if (fd_slot(fd)) {
		pthread_mutex_unlock(&fd_lock);
		close(fd);
		return -KBPF_ENOMEM;
	}
	fds[fd].obj = obj;
	fds[fd].flags = fd_flags;
	pthread_mutex_unlock(&fd_lock);
	return fd;
}

int posix_fd_get(const struct kbpf_host *h, int fd, struct kbpf_obj **obj,
		 uint32_t *fd_flags)
{
	int err;

	(void)h;
	if (fd < 0)
		return -KBPF_EBADF;
	pthread_mutex_lock(&fd_lock);
	if ((size_t)fd < fds_cap && fds[fd].obj) {
		*obj = fds[fd].obj;
		if (fd_flags)
			*fd_flags = fds[fd].flags;
		kbpf_obj_get(*obj);
		pthread_mutex_unlock(&fd_lock);
		return 0;
	}
	/* Under the lock: not a kbpf fd being installed or closed. */
	err = fcntl(fd, F_GETFD) < 0 ? -KBPF_EBADF : -KBPF_EINVAL;
	pthread_mutex_unlock(&fd_lock);
	return err;
}

struct kbpf_obj *kbpf_posix_fd_obj(int fd)
{
	struct kbpf_obj *obj;

	return posix_fd_get(NULL, fd, &obj, NULL) ? NULL : obj;
}

int kbpf_posix_close(int fd)
{
	struct kbpf_obj *obj = NULL;

	pthread_mutex_lock(&fd_lock);
	if (fd >= 0 && (size_t)fd < fds_cap) {
		obj = fds[fd].obj;
		fds[fd].obj = NULL;
	}
	/*
	 * The system call itself: a close() that tests interpose (to route
	 * libbpf's closes here) would ask for fd_lock again.
	 */
	if (obj)
		syscall(SYS_close, fd);
	pthread_mutex_unlock(&fd_lock);
	if (!obj) {
		errno = EBADF;
		return -1;
	}
	kbpf_obj_uref_put(obj);
	return 0;
}

/*
 * Duplicates. The system call runs under fd_lock, as close does, so that
 * the table and the process's fds change together: no other thread sees
 * the new fd without its object, or closes @fd in between. The calls are
 * the system calls themselves, so that an interposed fcntl/dup3 (the
 * kbpf-preload shim) is not entered again.
 */
int kbpf_posix_dupfd(int fd, int minfd, int cloexec)
{
	struct kbpf_obj *obj = NULL;
	uint32_t flags = 0;
	long nfd;

	pthread_mutex_lock(&fd_lock);
	nfd = syscall(SYS_fcntl, fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD,
		      minfd);
	if (nfd >= 0 && fd >= 0 && (size_t)fd < fds_cap && fds[fd].obj) {
		if (fd_slot((int)nfd)) {
			syscall(SYS_close, nfd);
			pthread_mutex_unlock(&fd_lock);
			errno = EMFILE;
			return -1;
		}
		obj = fds[fd].obj;
		flags = fds[fd].flags;
		kbpf_obj_uref_get(obj);
		fds[nfd].obj = obj;
		fds[nfd].flags = flags;
	}
	pthread_mutex_unlock(&fd_lock);
	return (int)nfd;
}

int kbpf_posix_dup3(int oldfd, int newfd, int flags)
{
	struct kbpf_obj *obj, *old = NULL;
	long r;

	pthread_mutex_lock(&fd_lock);
	if (flags < 0 && oldfd == newfd) {
		/* dup2 onto itself: only a validity check. */
		r = syscall(SYS_fcntl, oldfd, F_GETFD) < 0 ? -1 : newfd;
		pthread_mutex_unlock(&fd_lock);
		return (int)r;
	}
	r = syscall(SYS_dup3, oldfd, newfd, flags < 0 ? 0 : flags);
	if (r >= 0) {
		if ((size_t)newfd < fds_cap) {
			old = fds[newfd].obj;
			fds[newfd].obj = NULL;
		}
		if ((size_t)oldfd < fds_cap && fds[oldfd].obj) {
			if (fd_slot(newfd)) {
				/* newfd's old file is gone; so is the dup. */
				syscall(SYS_close, newfd);
				errno = EMFILE;
				r = -1;
			} else {
				obj = fds[oldfd].obj;
				kbpf_obj_uref_get(obj);
				fds[newfd].obj = obj;
				fds[newfd].flags = fds[oldfd].flags;
			}
		}
	}
	pthread_mutex_unlock(&fd_lock);
	if (old)
		kbpf_obj_uref_put(old); /* the fd it held was closed by dup3 */
	return (int)r;
}

int posix_fd_flags(int fd, uint32_t *fd_flags)
{
	int err = -KBPF_EBADF;

	pthread_mutex_lock(&fd_lock);
	if (fd >= 0 && (size_t)fd < fds_cap && fds[fd].obj) {
		*fd_flags = fds[fd].flags;
		err = 0;
	}
	pthread_mutex_unlock(&fd_lock);
	return err;
}

void kbpf_posix_reset(void)
{
	kbpf_host_btf_release(kbpf_posix_host());
	posix_unpin_all();
	kbpf_posix_cgroups_release();
	kbpf_posix_owners_release();
	for (;;) {
		int fd = -1;

		pthread_mutex_lock(&fd_lock);
		for (size_t i = 0; i < fds_cap; i++) {
			if (fds[i].obj) {
				fd = (int)i;
				break;
			}
		}
		pthread_mutex_unlock(&fd_lock);
		if (fd < 0)
			return;
		kbpf_posix_close(fd);
	}
}

void posix_wake(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	/*
	 * Called on the program path, possibly with a kbpf lock held: a
	 * mutex is fine in this host (no interrupts), and eventfd_write never
	 * blocks on a non-blocking eventfd.
	 */
	pthread_mutex_lock(&fd_lock);
	for (size_t i = 0; i < fds_cap; i++)
		if (fds[i].obj == obj)
			eventfd_write((int)i, 1);
	pthread_mutex_unlock(&fd_lock);
}

void kbpf_posix_set_next_id(unsigned int type, uint32_t id)
{
	kbpf_ids_set_next(kbpf_posix_host(), type, id);
}
