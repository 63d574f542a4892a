// SPDX-License-Identifier: MIT
/*
 * kbpf-preload: LD_PRELOAD=libkbpf-preload.so runs an unmodified,
 * dynamically linked libbpf application or bpftool on kbpf's POSIX host,
 * in its own process. The library carries kbpf and the POSIX host and
 * interposes the C library's entry points through which such programs
 * reach bpf objects:
 *
 *   syscall(SYS_bpf), syscall(SYS_perf_event_open)  -> kbpf (every call)
 *   mmap/mmap64/munmap, ioctl of kbpf fds             -> the POSIX host
 *   close, dup, dup2, dup3, fcntl(F_DUPFD[_CLOEXEC])  -> the host's fd table
 *   open/openat/fopen (and 64, fortified) of /proc/self/fdinfo/N,
 *   readlink/readlinkat of /proc/self/fd/N            -> Linux's texts
 *   statfs/statfs64 in the private bpffs              -> BPF_FS_MAGIC
 *   unlink/unlinkat of a pin                          -> kbpf_posix_unpin
 *   mkdir/mkdirat/rmdir in the private bpffs          -> its directories
 *   poll, ppoll, epoll_ctl/epoll_wait/epoll_pwait(2)  -> readiness as Linux's
 *                                        (kbpf_posix_poll, _poll_rearm)
 *
 * Everything else (and every call made from inside kbpf's host: the
 * thread-local depth) goes to the real function, found with
 * dlsym(RTLD_NEXT). The private bpffs is KBPF_PRELOAD_BPFFS (default
 * /sys/fs/bpf); the CPU a program sees is the one its thread runs on;
 * KBPF_PRELOAD_TRACE=1 copies bpf_printk's lines to stderr (tracefs's
 * trace_pipe is the kernel's).
 * What cannot work in one process is in docs/preload.md.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf/errno.h"
#include "kbpf/object.h"
#include "kbpf_posix.h"

#define EXPORT __attribute__((visibility("default")))
#define BPF_FS_MAGIC_ 0xcafe4a11

/* Inside kbpf's host (or this file's own work): every call is the real one. */
static _Thread_local int depth;

/* The next definition of @name, looked up once. */
#define REAL(name)                                                       \
	({                                                               \
		static __typeof__(&name) real_;                          \
		__typeof__(&name) f_ =                                   \
			__atomic_load_n(&real_, __ATOMIC_RELAXED);       \
		if (!f_) {                                               \
			f_ = (__typeof__(&name))dlsym(RTLD_NEXT, #name); \
			__atomic_store_n(&real_, f_, __ATOMIC_RELAXED);  \
		}                                                        \
		f_;                                                      \
	})

/*
 * The host BTF (kbpf_host.btf: kfunc ids, tp_btf and fentry targets,
 * CO-RE): this kernel's, as programs loaded here were built against it;
 * KBPF_PRELOAD_BTF names another file, or none when empty. Read once,
 * kept for the life of the process.
 */
static void preload_btf(void)
{
	const char *path = getenv("KBPF_PRELOAD_BTF");
	size_t cap = 1 << 22, size = 0, n;
	unsigned char *buf, *nb;
	FILE *f;

	if (!path)
		path = "/sys/kernel/btf/vmlinux";
	if (!*path)
		return;
	f = fopen(path, "rb");
	if (!f)
		return;
	buf = malloc(cap);
	while (buf && (n = fread(buf + size, 1, cap - size, f)) > 0) {
		size += n;
		if (size < cap)
			continue;
		nb = realloc(buf, cap *= 2);
		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	fclose(f);
	if (buf && size)
		kbpf_posix_set_btf(buf, size);
	else
		free(buf);
}

__attribute__((constructor)) static void preload_init(void)
{
	const char *root = getenv("KBPF_PRELOAD_BPFFS");

	depth++;
	if (root && *root && kbpf_posix_set_bpffs(root))
		fprintf(stderr, "kbpf-preload: KBPF_PRELOAD_BPFFS=%s refused\n",
			root);
	kbpf_posix_follow_cpu(1);
	preload_btf();
	if (getenv("KBPF_PRELOAD_TRACE") &&
	    !strcmp(getenv("KBPF_PRELOAD_TRACE"), "1")) {
		kbpf_posix_trace_prefix(1);
		kbpf_posix_trace_echo(1);
	}
	depth--;
}

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

/* ---- syscall(2) ---- */

EXPORT long syscall(long nr, ...)
{
	va_list ap;
	long a[6], r;

	/*
	 * The callee's arguments are six registers (or stack slots) whatever
	 * the call; reading all six is what every syscall() wrapper does.
	 */
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (!depth && (nr == SYS_bpf || nr == SYS_perf_event_open)) {
		depth++;
		if (nr == SYS_bpf)
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
	if (!depth && (nr == SYS_close || nr == SYS_dup3 || nr == SYS_munmap)) {
		/* The raw forms of calls this file routes. */
		if (nr == SYS_close)
			return close((int)a[0]);
		if (nr == SYS_dup3)
			return dup3((int)a[0], (int)a[1], (int)a[2]);
		return munmap((void *)a[0], (size_t)a[1]);
	}
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

/* ---- memory ---- */

EXPORT void *mmap(void *addr, size_t len, int prot, int flags, int fd,
		  off_t off)
{
	void *r;

	if (depth || !is_kbpf_fd(fd))
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	depth++;
	r = kbpf_posix_mmap(addr, len, prot, flags, fd, off);
	depth--;
	return r;
}

EXPORT void *mmap64(void *addr, size_t len, int prot, int flags, int fd,
		    off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

EXPORT int munmap(void *addr, size_t len)
{
	int r;

	if (depth)
		return REAL(munmap)(addr, len);
	depth++;
	r = kbpf_posix_munmap(addr, len); /* plain munmap for other memory */
	depth--;
	return r;
}

/* ---- fds ---- */

EXPORT int ioctl(int fd, unsigned long req, ...)
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
	r = kbpf_posix_perf_ioctl(fd, req, arg); /* ENOTTY for non-perf fds */
	depth--;
	return r;
}

/*
 * ---- poll(2) and epoll ----
 *
 * A kbpf fd is an eventfd that kbpf_host.wake signals; it would stay
 * readable after a reader drained a ring buffer through shared memory.
 * Before a caller sleeps, each kbpf fd it waits on is rearmed
 * (kbpf_posix_poll_rearm): readable again only if Linux's poll says so.
 * epoll sets are remembered from epoll_ctl to know their kbpf fds.
 */
#define WATCH_MAX 1024

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int epfd, fd;
} watch[WATCH_MAX];
static int nr_watch;

/* Forget the pairs with this epfd (or any, -1) and fd (or any, -1). */
static void watch_del(int epfd, int fd)
{
	pthread_mutex_lock(&watch_lock);
	for (int i = 0; i < nr_watch;)
		if ((epfd < 0 || watch[i].epfd == epfd) &&
		    (fd < 0 || watch[i].fd == fd))
			watch[i] = watch[--nr_watch];
		else
			i++;
	pthread_mutex_unlock(&watch_lock);
}

static void watch_add(int epfd, int fd)
{
	watch_del(epfd, fd);
	pthread_mutex_lock(&watch_lock);
	if (nr_watch < WATCH_MAX) {
		watch[nr_watch].epfd = epfd;
		watch[nr_watch].fd = fd;
		nr_watch++;
	}
	pthread_mutex_unlock(&watch_lock);
}

static void rearm_epoll(int epfd)
{
	int fds[WATCH_MAX], n = 0;

	pthread_mutex_lock(&watch_lock);
	for (int i = 0; i < nr_watch; i++)
		if (watch[i].epfd == epfd)
			fds[n++] = watch[i].fd;
	pthread_mutex_unlock(&watch_lock);
	depth++;
	for (int i = 0; i < n; i++)
		(void)kbpf_posix_poll_rearm(fds[i]);
	depth--;
}

EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	int r = REAL(epoll_ctl)(epfd, op, fd, ev);

	if (r || depth)
		return r;
	depth++;
	if (op == EPOLL_CTL_ADD && is_kbpf_fd(fd))
		watch_add(epfd, fd);
	else if (op == EPOLL_CTL_DEL)
		watch_del(epfd, fd);
	depth--;
	return r;
}

EXPORT int epoll_wait(int epfd, struct epoll_event *ev, int max, int timeout)
{
	if (!depth)
		rearm_epoll(epfd);
	return REAL(epoll_wait)(epfd, ev, max, timeout);
}

EXPORT int epoll_pwait(int epfd, struct epoll_event *ev, int max, int timeout,
		       const sigset_t *mask)
{
	if (!depth)
		rearm_epoll(epfd);
	return REAL(epoll_pwait)(epfd, ev, max, timeout, mask);
}

EXPORT int poll(struct pollfd *fds, nfds_t n, int timeout)
{
	int r, any = 0;

	if (depth)
		return REAL(poll)(fds, n, timeout);
	depth++;
	for (nfds_t i = 0; i < n && !any; i++)
		any = is_kbpf_fd(fds[i].fd);
	r = any ? kbpf_posix_poll(fds, n, timeout) :
		  REAL(poll)(fds, n, timeout);
	depth--;
	return r;
}

EXPORT int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *ts,
		 const sigset_t *mask)
{
	if (!depth) {
		depth++;
		for (nfds_t i = 0; i < n; i++)
			if (is_kbpf_fd(fds[i].fd))
				(void)kbpf_posix_poll_rearm(fds[i].fd);
		depth--;
	}
	return REAL(ppoll)(fds, n, ts, mask);
}

EXPORT int close(int fd)
{
	int r, saved = errno;

	if (depth)
		return REAL(close)(fd);
	if (nr_watch)
		watch_del(fd, -1), watch_del(-1, fd);
	depth++;
	r = kbpf_posix_close(fd); /* -1/EBADF: not a kbpf fd */
	depth--;
	if (!r)
		return 0;
	/*
	 * A plain fd: errno is close(2)'s business alone, as without the
	 * shim (bpftool's batch reports a stale errno at its end).
	 */
	errno = saved;
	return REAL(close)(fd);
}

EXPORT int dup(int fd)
{
	int r;

	if (depth)
		return REAL(dup)(fd);
	depth++;
	r = kbpf_posix_dupfd(fd, 0, 0);
	depth--;
	return r;
}

EXPORT int dup3(int oldfd, int newfd, int flags)
{
	int r;

	if (depth)
		return REAL(dup3)(oldfd, newfd, flags);
	if (flags < 0) { /* -1 means dup2 to the host */
		errno = EINVAL;
		return -1;
	}
	depth++;
	r = kbpf_posix_dup3(oldfd, newfd, flags);
	depth--;
	return r;
}

EXPORT int dup2(int oldfd, int newfd)
{
	int r;

	if (depth)
		return REAL(dup2)(oldfd, newfd);
	depth++;
	r = kbpf_posix_dup3(oldfd, newfd, -1);
	depth--;
	return r;
}

static int fcntl_common(int (*real)(int, int, ...), int fd, int cmd, long arg)
{
	int r;

	if (depth || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
		return real(fd, cmd, arg);
	depth++;
	r = kbpf_posix_dupfd(fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
	depth--;
	return r;
}

EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long); /* an int or a pointer, passed on as is */
	va_end(ap);
	return fcntl_common(REAL(fcntl), fd, cmd, arg);
}

int fcntl64(int fd, int cmd, ...);
EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return fcntl_common(REAL(fcntl64), fd, cmd, arg);
}

/* ---- /proc/self/fd and /proc/self/fdinfo ---- */

/*
 * The fd number in "/proc/self/<dir>/N", "/proc/thread-self/<dir>/N" or
 * "/proc/<our pid>/<dir>/N" when N is a kbpf fd; else -1. Relative paths
 * are not recognised (a tool that opens /proc with openat(dirfd) sees the
 * eventfd behind the kbpf fd).
 */
static int proc_fd(const char *path, const char *dir)
{
	const char *p;
	char *end;
	size_t n = strlen(dir);
	long fd;

	if (!path || strncmp(path, "/proc/", 6))
		return -1;
	p = path + 6;
	if (!strncmp(p, "self/", 5)) {
		p += 5;
	} else if (!strncmp(p, "thread-self/", 12)) {
		p += 12;
	} else {
		long pid = strtol(p, &end, 10);

		if (end == p || *end != '/' || pid != getpid())
			return -1;
		p = end + 1;
	}
	if (strncmp(p, dir, n) || p[n] != '/')
		return -1;
	p += n + 1;
	fd = strtol(p, &end, 10);
	if (end == p || *end || fd < 0 || fd > 0x7fffffff)
		return -1;
	return is_kbpf_fd((int)fd) ? (int)fd : -1;
}

/* A memfd holding kbpf_posix_fdinfo(@fd), at offset 0; -1 with errno. */
static int fdinfo_file(int fd, int flags)
{
	char text[1024];
	int len, mfd;

	len = kbpf_posix_fdinfo(fd, text, sizeof(text));
	if (len < 0)
		return -1;
	mfd = memfd_create("kbpf-fdinfo", flags & O_CLOEXEC ? MFD_CLOEXEC : 0);
	if (mfd < 0)
		return -1;
	if (write(mfd, text, (size_t)len) != len ||
	    lseek(mfd, 0, SEEK_SET) != 0) {
		REAL(close)(mfd);
		errno = EIO;
		return -1;
	}
	return mfd;
}

/* The fdinfo file if @path (from @dirfd) names a kbpf fd's, else -2. */
static int open_fdinfo(int dirfd, const char *path, int flags)
{
	int fd, r;

	if (depth || (dirfd != AT_FDCWD && path && path[0] != '/'))
		return -2;
	depth++;
	fd = proc_fd(path, "fdinfo");
	r = fd < 0 ? -2 : fdinfo_file(fd, flags);
	depth--;
	return r;
}

static mode_t open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ?
		       (mode_t)va_arg(ap, int) :
		       0;
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r = open_fdinfo(AT_FDCWD, path, flags);

	if (r != -2)
		return r;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(open)(path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r = open_fdinfo(AT_FDCWD, path, flags);

	if (r != -2)
		return r;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(open64)(path, flags, mode);
}

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r = open_fdinfo(dirfd, path, flags);

	if (r != -2)
		return r;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(openat)(dirfd, path, flags, mode);
}

EXPORT int openat64(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	mode_t mode;
	int r = open_fdinfo(dirfd, path, flags);

	if (r != -2)
		return r;
	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return REAL(openat64)(dirfd, path, flags, mode);
}

/* _FORTIFY_SOURCE's forms, which programs built with it call. */
int __open_2(const char *path, int flags);
int __open64_2(const char *path, int flags);
int __openat_2(int dirfd, const char *path, int flags);
int __openat64_2(int dirfd, const char *path, int flags);

EXPORT int __open_2(const char *path, int flags)
{
	int r = open_fdinfo(AT_FDCWD, path, flags);

	return r != -2 ? r : REAL(__open_2)(path, flags);
}

EXPORT int __open64_2(const char *path, int flags)
{
	int r = open_fdinfo(AT_FDCWD, path, flags);

	return r != -2 ? r : REAL(__open64_2)(path, flags);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	int r = open_fdinfo(dirfd, path, flags);

	return r != -2 ? r : REAL(__openat_2)(dirfd, path, flags);
}

EXPORT int __openat64_2(int dirfd, const char *path, int flags)
{
	int r = open_fdinfo(dirfd, path, flags);

	return r != -2 ? r : REAL(__openat64_2)(dirfd, path, flags);
}

/* fopen's mode as open(2) flags: only what matters here (read-only). */
static FILE *fopen_fdinfo(const char *path, const char *mode, int *matched)
{
	int fd = open_fdinfo(AT_FDCWD, path, strchr(mode, 'e') ? O_CLOEXEC : 0);
	FILE *f;

	*matched = fd != -2;
	if (fd < 0)
		return NULL;
	if (strchr(mode, 'w') || strchr(mode, 'a') || strchr(mode, '+')) {
		/* Linux's fdinfo files are read-only. */
		REAL(close)(fd);
		errno = EACCES;
		return NULL;
	}
	f = fdopen(fd, "r");
	if (!f)
		REAL(close)(fd);
	return f;
}

EXPORT FILE *fopen(const char *path, const char *mode)
{
	int matched;
	FILE *f = fopen_fdinfo(path, mode, &matched);

	return matched ? f : REAL(fopen)(path, mode);
}

EXPORT FILE *fopen64(const char *path, const char *mode)
{
	int matched;
	FILE *f = fopen_fdinfo(path, mode, &matched);

	return matched ? f : REAL(fopen64)(path, mode);
}

/* readlink of /proc/self/fd/N: Linux's anon_inode name; -2 if not ours. */
static ssize_t readlink_fd(int dirfd, const char *path, char *buf, size_t size)
{
	char text[64];
	int fd, len;
	ssize_t r = -2;

	if (depth || (dirfd != AT_FDCWD && path && path[0] != '/'))
		return -2;
	depth++;
	fd = proc_fd(path, "fd");
	if (fd >= 0) {
		len = kbpf_posix_fd_link(fd, text, sizeof(text));
		if (len >= 0) {
			/* readlink(2) truncates silently, without a NUL. */
			r = (size_t)len < size ? len : (ssize_t)size;
			memcpy(buf, text, (size_t)r);
		}
	}
	depth--;
	return r;
}

EXPORT ssize_t readlink(const char *path, char *buf, size_t size)
{
	ssize_t r = readlink_fd(AT_FDCWD, path, buf, size);

	return r != -2 ? r : REAL(readlink)(path, buf, size);
}

EXPORT ssize_t readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	ssize_t r = readlink_fd(dirfd, path, buf, size);

	return r != -2 ? r : REAL(readlinkat)(dirfd, path, buf, size);
}

ssize_t __readlink_chk(const char *path, char *buf, size_t size, size_t buflen);
EXPORT ssize_t __readlink_chk(const char *path, char *buf, size_t size,
			      size_t buflen)
{
	ssize_t r =
		readlink_fd(AT_FDCWD, path, buf, size < buflen ? size : buflen);

	return r != -2 ? r : REAL(__readlink_chk)(path, buf, size, buflen);
}

/* ---- the private bpffs ---- */

/* kbpf_posix_in_bpffs(): 0 outside, 1 directory, 2 pin, -1 nothing. */
static int in_bpffs(int dirfd, const char *path)
{
	int r;

	if (depth || !path)
		return 0;
	depth++;
	r = kbpf_posix_in_bpffs(path, dirfd);
	depth--;
	return r;
}

/* What statfs(2) says of bpffs: its magic, 4 KiB blocks, 255-byte names. */
static void bpffs_statfs(struct statfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_type = BPF_FS_MAGIC_;
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namelen = 255;
}

static int bpffs_missing(void)
{
	errno = ENOENT;
	return -1;
}

EXPORT int statfs(const char *path, struct statfs *st)
{
	int r = in_bpffs(AT_FDCWD, path);

	if (!r)
		return REAL(statfs)(path, st);
	if (r < 0)
		return bpffs_missing();
	bpffs_statfs(st);
	return 0;
}

EXPORT int statfs64(const char *path, struct statfs64 *st)
{
	int r = in_bpffs(AT_FDCWD, path);

	if (!r)
		return REAL(statfs64)(path, st);
	if (r < 0)
		return bpffs_missing();
	/* On 64-bit glibc the two structures are one. */
	_Static_assert(sizeof(struct statfs) == sizeof(struct statfs64),
		       "statfs64 layout");
	bpffs_statfs((struct statfs *)st);
	return 0;
}

static int unpin(int dirfd, const char *path)
{
	char abs[4096];
	int r;

	if (!in_bpffs(dirfd, path))
		return -2;
	if (path[0] != '/' && dirfd != AT_FDCWD)
		return -2; /* relative to a directory fd: not modelled */
	if (path[0] != '/') {
		if (!getcwd(abs, sizeof(abs) - 1) ||
		    strlen(abs) + strlen(path) + 2 > sizeof(abs))
			return -2;
		strcat(abs, "/");
		strcat(abs, path);
	} else {
		snprintf(abs, sizeof(abs), "%s", path);
	}
	depth++;
	r = kbpf_posix_unpin(abs);
	depth--;
	if (r == -KBPF_ENOENT)
		return -2; /* not a pin: the real file system answers */
	if (r) {
		errno = -r;
		return -1;
	}
	return 0;
}

EXPORT int unlink(const char *path)
{
	int r = unpin(AT_FDCWD, path);

	return r != -2 ? r : REAL(unlink)(path);
}

EXPORT int unlinkat(int dirfd, const char *path, int flags)
{
	int r = flags & AT_REMOVEDIR ? -2 : unpin(dirfd, path);

	return r != -2 ? r : REAL(unlinkat)(dirfd, path, flags);
}

/* Directories of the private bpffs (libbpf makes them for pinning). */
static int bpffs_dir(int dirfd, const char *path, int make)
{
	int r;

	if (!in_bpffs(dirfd, path) || (path[0] != '/' && dirfd != AT_FDCWD))
		return -2;
	depth++;
	r = make ? kbpf_posix_bpffs_mkdir(path) : kbpf_posix_bpffs_rmdir(path);
	depth--;
	if (!make && r == -KBPF_ENOENT)
		return -2; /* not one of ours: the real file system answers */
	if (r) {
		errno = -r;
		return -1;
	}
	return 0;
}

EXPORT int mkdir(const char *path, mode_t mode)
{
	int r = bpffs_dir(AT_FDCWD, path, 1);

	return r != -2 ? r : REAL(mkdir)(path, mode);
}

EXPORT int mkdirat(int dirfd, const char *path, mode_t mode)
{
	int r = bpffs_dir(dirfd, path, 1);

	return r != -2 ? r : REAL(mkdirat)(dirfd, path, mode);
}

EXPORT int rmdir(const char *path)
{
	int r = bpffs_dir(AT_FDCWD, path, 0);

	return r != -2 ? r : REAL(rmdir)(path);
}
