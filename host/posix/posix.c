// SPDX-License-Identifier: MIT
/*
 * The POSIX host table and its small callbacks: virtual CPUs, clocks,
 * random numbers, task ids, user copies and probe reads (both fault-safe
 * through process_vm_readv on ourselves), the trace log, and
 * kbpf_posix_bpf().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#include "kbpf/cgroup.h"
#include "kbpf/config.h"
#include "kbpf/raw_tp.h"
#include "kbpf/state.h"
#include "kbpf/sys.h"
#include "posix_internal.h"

/*
 * Thread-locals: no tls_model attribute, on purpose. The compiler picks the
 * model from how the code is built: local-exec for an executable's code (the
 * default build: one %fs-relative access per cpu_id call), a dynamic model
 * (global- or local-dynamic) with -fPIC (KBPF_PIC=ON), which lets the host
 * link into a shared object that may be dlopen()ed. Forcing local-exec fails
 * that link (R_X86_64_TPOFF32); forcing initial-exec would make dlopen depend
 * on glibc's spare static TLS.
 */
static _Thread_local unsigned int this_cpu;
static _Thread_local uint64_t rnd_state;
static atomic_long copy_fail_countdown = -1;

void kbpf_posix_set_cpu(unsigned int cpu)
{
	this_cpu = cpu;
}

unsigned int kbpf_posix_get_cpu(void)
{
	return this_cpu;
}

static atomic_int follow_cpu;

void kbpf_posix_follow_cpu(int on)
{
	atomic_store(&follow_cpu, !!on);
}

uint32_t posix_cpu_id(const struct kbpf_host *h)
{
	if (atomic_load_explicit(&follow_cpu, memory_order_relaxed)) {
		int cpu = sched_getcpu();

		if (cpu >= 0)
			return (uint32_t)cpu % h->nr_cpus;
	}
	return this_cpu;
}

unsigned int kbpf_posix_possible_cpus(void)
{
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	unsigned int lo = 0, hi = 0, n = 0;
	int c;

	if (!f) {
		long v = sysconf(_SC_NPROCESSORS_CONF);
		return v > 0 ? (unsigned int)v : 1;
	}
	/* A list of ranges: "0-1", "0,2-3". */
	while (fscanf(f, "%u", &lo) == 1) {
		hi = lo;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%u", &hi) != 1)
				break;
			c = fgetc(f);
		}
		n += hi - lo + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return n ? n : 1;
}

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static uint64_t posix_mono_ns(const struct kbpf_host *h)
{
	(void)h;
	return clock_ns(CLOCK_MONOTONIC);
}

static uint64_t posix_boot_ns(const struct kbpf_host *h)
{
	(void)h;
	return clock_ns(CLOCK_BOOTTIME);
}

static uint64_t posix_coarse_ns(const struct kbpf_host *h)
{
	(void)h;
	return clock_ns(CLOCK_MONOTONIC_COARSE);
}

static uint64_t posix_tai_ns(const struct kbpf_host *h)
{
	(void)h;
	return clock_ns(CLOCK_TAI);
}

static uint32_t posix_random_u32(const struct kbpf_host *h)
{
	uint64_t x = rnd_state;

	(void)h;
	if (!x)
		x = clock_ns(CLOCK_MONOTONIC) ^ (uintptr_t)&rnd_state ^
		    0x9e3779b97f4a7c15ULL;
	/* xorshift64*: fast, per thread, good enough for prandom. */
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	rnd_state = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dULL) >> 32);
}

static int posix_current_ids(const struct kbpf_host *h, uint64_t *pid_tgid,
			     uint64_t *uid_gid)
{
	(void)h;
	*pid_tgid = (uint64_t)getpid() << 32 | (uint32_t)gettid();
	*uid_gid = (uint64_t)getgid() << 32 | (uint32_t)getuid();
	return 0;
}

/*
 * Privilege: the calling thread's effective capabilities (capget(2) on
 * thread 0 = this thread: Linux keeps capabilities per thread), and the
 * machine's own kernel.unprivileged_bpf_disabled unless a test set one.
 */
static bool posix_capable(const struct kbpf_host *h, int cap)
{
	struct {
		uint32_t version;
		int pid;
	} hdr = { 0x20080522 /* _LINUX_CAPABILITY_VERSION_3 */, 0 };
	struct {
		uint32_t effective, permitted, inheritable;
	} data[2];

	(void)h;
	if (cap < 0 || cap >= 64)
		return false;
	memset(data, 0, sizeof(data));
	/* Six arguments: tests interpose syscall() and read all six. */
	if (syscall(SYS_capget, &hdr, data, 0L, 0L, 0L, 0L))
		return false;
	return (data[cap / 32].effective >> (cap % 32)) & 1;
}

/*
 * A user-space thread has no kernel signal state to look at; tests make a
 * long command see a pending signal with kbpf_posix_interrupt_after().
 */
static atomic_long posix_interrupt_countdown = -1;

void kbpf_posix_interrupt_after(long n)
{
	atomic_store(&posix_interrupt_countdown, n);
}

static bool posix_signal_pending(const struct kbpf_host *h)
{
	long n = atomic_load_explicit(&posix_interrupt_countdown,
				      memory_order_relaxed);

	(void)h;
	if (n < 0)
		return false;
	if (n == 0) {
		atomic_store(&posix_interrupt_countdown, -1);
		return true;
	}
	atomic_fetch_sub(&posix_interrupt_countdown, 1);
	return false;
}

static atomic_int posix_unpriv_setting = -1;

void kbpf_posix_set_unprivileged_bpf_disabled(int value)
{
	atomic_store(&posix_unpriv_setting, value);
}

static int posix_unprivileged_bpf_disabled(const struct kbpf_host *h)
{
	int v = atomic_load(&posix_unpriv_setting);
	char buf[16] = { 0 };
	int fd;

	(void)h;
	if (v >= 0)
		return v;
	fd = open("/proc/sys/kernel/unprivileged_bpf_disabled",
		  O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 2; /* Linux's default */
	if (read(fd, buf, sizeof(buf) - 1) <= 0)
		buf[0] = '2';
	close(fd);
	return atoi(buf);
}

static int posix_current_comm(const struct kbpf_host *h, char *buf, size_t size)
{
	char name[17] = { 0 };

	(void)h;
	if (!size)
		return 0;
	prctl(PR_GET_NAME, name);
	strncpy(buf, name, size - 1);
	buf[size - 1] = 0;
	return 0;
}

/* ---- user copies and probe reads ---- */

void kbpf_posix_fail_user_copy_after(long n)
{
	atomic_store(&copy_fail_countdown, n);
}

static int copy_should_fail(void)
{
	long c = atomic_load(&copy_fail_countdown);

	while (c >= 0) {
		if (atomic_compare_exchange_weak(&copy_fail_countdown, &c,
						 c - 1))
			return c == 0;
	}
	return 0;
}

/*
 * Without process_vm_* (qemu-user does not emulate them), copy through a
 * pipe of this thread: write() and read() return EFAULT for a bad buffer
 * instead of faulting.
 */
static int pipe_copy(void *dst, const void *src, size_t n)
{
	static _Thread_local int p[2] = { -1, -1 };
	char *d = dst;
	const char *s = src;

	if (p[0] < 0 && pipe2(p, O_CLOEXEC))
		return -KBPF_ENOMEM;
	while (n) {
		size_t chunk = n < 4096 ? n : 4096;
		ssize_t w = write(p[1], s, chunk), r;
		char sink[4096];

		if (w != (ssize_t)chunk)
			return -KBPF_EFAULT;
		r = read(p[0], d, chunk);
		if (r != (ssize_t)chunk) {
			/* Drain what dst could not take. */
			if (read(p[0], sink, chunk) < 0)
				return -KBPF_EFAULT;
			return -KBPF_EFAULT;
		}
		d += chunk;
		s += chunk;
		n -= chunk;
	}
	return 0;
}

/*
 * Fault-safe copy of @n bytes from @src to @dst within this process: the
 * kernel checks the side named "remote" and returns EFAULT instead of
 * crashing. @remote_is_dst says which side is the untrusted one.
 */
static int self_copy(void *dst, const void *src, size_t n, int remote_is_dst)
{
	struct iovec d = { .iov_base = dst, .iov_len = n };
	struct iovec s = { .iov_base = (void *)src, .iov_len = n };
	ssize_t r;

	if (!n)
		return 0;
	if (remote_is_dst)
		r = process_vm_writev(getpid(), &s, 1, &d, 1, 0);
	else
		r = process_vm_readv(getpid(), &d, 1, &s, 1, 0);
	if (r == (ssize_t)n)
		return 0;
	if (r < 0 && errno == ENOSYS)
		return pipe_copy(dst, src, n);
	return -KBPF_EFAULT;
}

int posix_copy_from_user(const struct kbpf_host *h, void *dst, const void *usrc,
			 size_t n)
{
	(void)h;
	if (copy_should_fail())
		return -KBPF_EFAULT;
	if (!n)
		return 0;
	if (!usrc)
		return -KBPF_EFAULT;
	return self_copy(dst, usrc, n, 0);
}

int posix_copy_to_user(const struct kbpf_host *h, void *udst, const void *src,
		       size_t n)
{
	(void)h;
	if (copy_should_fail())
		return -KBPF_EFAULT;
	if (!n)
		return 0;
	if (!udst)
		return -KBPF_EFAULT;
	return self_copy(udst, src, n, 1);
}

long posix_strncpy_from_user(const struct kbpf_host *h, char *dst,
			     const char *usrc, size_t n)
{
	size_t i;

	(void)h;
	if (copy_should_fail() || !usrc)
		return -KBPF_EFAULT;
	/*
	 * One copy per run of bytes up to the next 4 KB boundary (a page
	 * boundary whatever the page size) instead of one per byte: a run
	 * within a page faults whole or not at all, and no page past the
	 * one holding the terminating NUL is read, as Linux's.
	 */
	for (i = 0; i < n;) {
		size_t run = 4096 - ((uintptr_t)&usrc[i] & 4095), end;

		if (run > n - i)
			run = n - i;
		if (self_copy(&dst[i], &usrc[i], run, 0))
			return -KBPF_EFAULT;
		for (end = i + run; i < end; i++)
			if (!dst[i])
				return (long)i;
	}
	return (long)n;
}

int posix_probe_read(const struct kbpf_host *h, void *dst, const void *src,
		     size_t n)
{
	(void)h;
	if (!n)
		return 0;
	if (!src)
		return -KBPF_EFAULT;
	return self_copy(dst, src, n, 0);
}

/* ---- the trace log ---- */

static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static char *trace_buf;
static size_t trace_len, trace_cap;
static int trace_echo;
static int trace_prefix;

void kbpf_posix_trace_echo(int on)
{
	trace_echo = on;
}

void kbpf_posix_trace_prefix(int on)
{
	trace_prefix = on;
}

void posix_trace_write(const struct kbpf_host *h, const char *msg, size_t len)
{
	char pfx[96];
	size_t plen = 0;

	if (trace_prefix) {
		/* tracefs's "<comm>-<pid> [<cpu>] <flags> <secs>.<usecs>: <event>: " */
		uint64_t ns = clock_ns(CLOCK_MONOTONIC);
		char comm[17] = { 0 };
		int n;

		prctl(PR_GET_NAME, comm);
		n = snprintf(
			pfx, sizeof(pfx),
			"%16s-%-7d [%03u] ..... %5llu.%06llu: bpf_trace_printk: ",
			comm, (int)gettid(), posix_cpu_id(h),
			(unsigned long long)(ns / 1000000000u),
			(unsigned long long)(ns % 1000000000u / 1000u));
		plen = n > 0 && (size_t)n < sizeof(pfx) ? (size_t)n : 0;
	}
	pthread_mutex_lock(&trace_lock);
	if (trace_len + plen + len + 1 > trace_cap) {
		size_t cap = trace_cap ? trace_cap : 4096;
		char *n;

		while (cap < trace_len + plen + len + 1)
			cap *= 2;
		n = realloc(trace_buf, cap);
		if (!n) {
			pthread_mutex_unlock(&trace_lock);
			return;
		}
		trace_buf = n;
		trace_cap = cap;
	}
	memcpy(trace_buf + trace_len, pfx, plen);
	trace_len += plen;
	memcpy(trace_buf + trace_len, msg, len);
	trace_len += len;
	trace_buf[trace_len++] = '\n';
	if (trace_echo)
		fprintf(stderr, "%.*s%.*s\n", (int)plen, pfx, (int)len, msg);
	pthread_mutex_unlock(&trace_lock);
}

size_t kbpf_posix_trace_read(char *buf, size_t size)
{
	size_t n;

	pthread_mutex_lock(&trace_lock);
	n = trace_len < size ? trace_len : size;
	if (n) { /* buf may be NULL with size 0; trace_buf NULL when empty */
		memcpy(buf, trace_buf, n);
		memmove(trace_buf, trace_buf + n, trace_len - n);
		trace_len -= n;
	}
	pthread_mutex_unlock(&trace_lock);
	return n;
}

/* ---- network devices: this machine's ---- */

static bool posix_ifindex_ok(const struct kbpf_host *h, uint32_t ifindex)
{
	char name[IF_NAMESIZE];

	(void)h;
	return if_indextoname(ifindex, name) != NULL;
}

/*
 * The device's MTU (SIOCGIFMTU) and its link-layer header length, from its
 * hardware type (SIOCGIFHWADDR): 14 for Ethernet and loopback devices, as
 * Linux's ether_setup() and loopback_setup() set hard_header_len; 0 for
 * the others (tun, tunnels without a link-layer header).
 */
static int posix_dev_mtu(const struct kbpf_host *h, uint32_t ifindex,
			 uint32_t *mtu, uint32_t *hlen)
{
	struct ifreq ifr;
	int fd, err = -ENODEV;

	(void)h;
	memset(&ifr, 0, sizeof(ifr));
	if (!ifindex || !if_indextoname(ifindex, ifr.ifr_name))
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -ENODEV;
	if (ioctl(fd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu >= 0) {
		*mtu = (uint32_t)ifr.ifr_mtu;
		*hlen = 0;
		if (ioctl(fd, SIOCGIFHWADDR, &ifr) == 0 &&
		    (ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER ||
		     ifr.ifr_hwaddr.sa_family == ARPHRD_LOOPBACK))
			*hlen = 14;
		err = 0;
	}
	close(fd);
	return err;
}

/* ---- cgroups (cgroup v2 directories) ---- */

#define CGROUP2_SUPER_MAGIC 0x63677270

/*
 * A cgroup is a directory of a cgroup2 file system, one object per
 * directory however many fds name it (kbpf compares cgroup pointers):
 * interned by (st_dev, st_ino) with a count of references, each holding
 * one on its parent up to the file system's root. A cgroup kbpf keeps
 * programs for (@bpf set) outlives its references until
 * kbpf_posix_cgroups_release() (kbpf_posix_reset() calls it), the POSIX
 * host's rmdir.
 */
struct posix_cgroup {
	struct posix_cgroup *next;
	struct posix_cgroup *parent;
	long refs;
	int dirfd;
	dev_t dev;
	ino_t ino;
	void *bpf; /* kbpf_host.cgroup_bpf */
};

static pthread_mutex_t cg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct posix_cgroup *cg_list;

static int cg_parent(int fd, struct stat *st);

/* Drop a reference on @c and on each parent whose last one it was. */
static void cg_unref_locked(struct posix_cgroup *c)
{
	while (c && --c->refs == 0 && !c->bpf) {
		struct posix_cgroup **pp, *up = c->parent;

		for (pp = &cg_list; *pp != c; pp = &(*pp)->next)
			;
		*pp = c->next;
		close(c->dirfd);
		free(c);
		c = up;
	}
}

/* The cgroup of directory @fd (which this takes), with a reference. */
static int cg_intern_locked(int fd, struct posix_cgroup **out)
{
	struct posix_cgroup *c;
	struct stat st, up_st;
	int up, err;

	if (fstat(fd, &st)) {
		close(fd);
		return -EBADF;
	}
	for (c = cg_list; c; c = c->next) {
		if (c->dev == st.st_dev && c->ino == st.st_ino) {
			c->refs++;
			close(fd);
			*out = c;
			return 0;
		}
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	up_st = st;
	up = cg_parent(fd, &up_st);
	if (up >= 0) {
		err = cg_intern_locked(up, &c->parent);
		if (err) {
			free(c);
			close(fd);
			return err;
		}
	}
	c->dirfd = fd;
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->refs = 1;
	c->next = cg_list;
	cg_list = c;
	*out = c;
	return 0;
}

/* A cgroup is an fd open on a directory of a cgroup2 file system. */
static int posix_cgroup_get(const struct kbpf_host *h, int fd, void **cgrp)
{
	struct posix_cgroup *c;
	struct statfs sf;
	struct stat st;
	int dup, err;

	(void)h;
	if (fd < 0 || fstatfs(fd, &sf) || fstat(fd, &st) ||
	    (unsigned long)sf.f_type != CGROUP2_SUPER_MAGIC ||
	    !S_ISDIR(st.st_mode))
		return -EBADF;
	dup = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dup < 0)
		return -EMFILE;
	pthread_mutex_lock(&cg_lock);
	err = cg_intern_locked(dup, &c);
	pthread_mutex_unlock(&cg_lock);
	if (err)
		return err;
	*cgrp = c;
	return 0;
}

static void posix_cgroup_put(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	pthread_mutex_lock(&cg_lock);
	cg_unref_locked(cgrp);
	pthread_mutex_unlock(&cg_lock);
}

static void *posix_cgroup_parent(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return ((struct posix_cgroup *)cgrp)->parent;
}

static uint64_t posix_cgroup_id(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return (uint64_t)((struct posix_cgroup *)cgrp)->ino;
}

static void **posix_cgroup_bpf(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return &((struct posix_cgroup *)cgrp)->bpf;
}

void kbpf_posix_cgroups_release(void)
{
	for (;;) {
		struct posix_cgroup *c, *d, *pick = NULL;

		/* Descendants first, as Linux removes them. */
		pthread_mutex_lock(&cg_lock);
		for (c = cg_list; c && !pick; c = c->next) {
			if (!c->bpf)
				continue;
			pick = c;
			for (d = cg_list; d; d = d->next) {
				struct posix_cgroup *p;

				for (p = d->parent; d->bpf && p; p = p->parent)
					if (p == c)
						break;
				if (d->bpf && p == c) {
					pick = NULL;
					break;
				}
			}
		}
		if (pick)
			pick->refs++; /* kept while kbpf releases it */
		pthread_mutex_unlock(&cg_lock);
		if (!pick)
			return;
		kbpf_cgroup_release(kbpf_posix_host(), pick);
		pthread_mutex_lock(&cg_lock);
		pick->bpf =
			NULL; /* kbpf cleared it; never loop on a host bug */
		cg_unref_locked(pick);
		pthread_mutex_unlock(&cg_lock);
	}
}

/* The directory above @fd, or -1 at the top of its file system. */
static int cg_parent(int fd, struct stat *st)
{
	struct stat p;
	int up = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (up < 0)
		return -1;
	if (fstat(up, &p) || p.st_dev != st->st_dev || p.st_ino == st->st_ino) {
		close(up);
		return -1;
	}
	*st = p;
	return up;
}

/*
 * Is the calling thread's cgroup (/proc/thread-self/cgroup, "0::PATH") at
 * or below @cgrp? Found from the root of @cgrp's cgroup2 mount: open PATH
 * there, then walk up comparing directories.
 */
static int posix_current_in_cgroup(const struct kbpf_host *h, void *cgrp)
{
	const struct posix_cgroup *c = cgrp;
	char line[4096], *path = NULL;
	struct stat st;
	FILE *f;
	int fd, up, found = 0;

	(void)h;
	f = fopen("/proc/thread-self/cgroup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			path = line + 3;
			path[strcspn(path, "\n")] = 0;
			break;
		}
	fclose(f);
	if (!path)
		return 0;
	/* The mount's root: up from the cgroup until the file system ends. */
	fd = fcntl(c->dirfd, F_DUPFD_CLOEXEC, 0);
	if (fd < 0 || fstat(fd, &st)) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((up = cg_parent(fd, &st)) >= 0) {
		close(fd);
		fd = up;
	}
	up = openat(fd, path[1] ? path + 1 : ".",
		    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	close(fd);
	if (up < 0 || fstat(up, &st)) {
		if (up >= 0)
			close(up);
		return 0;
	}
	fd = up;
	for (;;) {
		if (st.st_dev == c->dev && st.st_ino == c->ino) {
			found = 1;
			break;
		}
		up = cg_parent(fd, &st);
		if (up < 0)
			break;
		close(fd);
		fd = up;
	}
	close(fd);
	return found;
}

/* ---- the table ---- */

/* The tracepoints tests and tools register (include/kbpf/raw_tp.h). */
static struct kbpf_raw_tp_registry posix_raw_tps;
/* kbpf's per-host state: ids (Linux's idr rules) and the stats switch. */
static struct kbpf_state posix_state;

/* The cgroup2 mount point, from /proc/self/mountinfo; 0 if none. */
static int cg2_mount(char *out, size_t size)
{
	char line[4096], mnt[2048], fstype[64];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	int ok = 0;

	if (!f)
		return 0;
	while (!ok && fgets(line, sizeof(line), f)) {
		char *dash = strstr(line, " - ");

		if (!dash || sscanf(line, "%*s %*s %*s %*s %2047s", mnt) != 1 ||
		    sscanf(dash + 3, "%63s", fstype) != 1)
			continue;
		if (!strcmp(fstype, "cgroup2") && strlen(mnt) < size) {
			strcpy(out, mnt);
			ok = 1;
		}
	}
	fclose(f);
	return ok;
}

/*
 * The calling thread's cgroup v2 id (the directory's inode number under
 * the cgroup2 mount), or of its ancestor at @level (0: the root). Reads
 * /proc: fine for tests, not for a program path that must not sleep.
 */
static uint64_t posix_current_cgroup_id(const struct kbpf_host *h, int level)
{
	char line[4096], dir[8192], *path = NULL, *p;
	struct stat st;
	FILE *f;
	int depth = 0;

	(void)h;
	f = fopen("/proc/thread-self/cgroup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			path = line + 3;
			path[strcspn(path, "\n")] = 0;
			break;
		}
	fclose(f);
	if (!path || !cg2_mount(dir, 2048))
		return 0;
	if (level >= 0) {
		/* Keep the first @level components of PATH. */
		for (p = path; *p && depth <= level; p++)
			if (*p == '/' && p[1] && ++depth > level)
				break;
		if (depth < level)
			return 0;
		*p = 0;
	}
	if (snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "%s", path) <
		    0 ||
	    stat(dir, &st))
		return 0;
	return (uint64_t)st.st_ino;
}

/* This process's pid namespace as /proc names it. */
static int posix_current_pidns(const struct kbpf_host *h, uint64_t *dev,
			       uint64_t *ino)
{
	struct stat st;

	(void)h;
	if (stat("/proc/self/ns/pid", &st))
		return -ENOENT;
	*dev = (uint64_t)st.st_dev;
	*ino = (uint64_t)st.st_ino;
	return 0;
}

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

/* This process's network namespace cookie, as the kernel reports it. */
static uint64_t posix_netns_cookie(const struct kbpf_host *h)
{
	uint64_t cookie = 0;
	socklen_t len = sizeof(cookie);
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)h;
	if (fd < 0)
		return 0;
	if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &cookie, &len))
		cookie = 0;
	close(fd);
	return cookie;
}

/* The running kernel's CONFIG_HZ, if its config can be read; else 0. */
static uint32_t posix_kernel_hz(void)
{
	char path[512], line[256];
	struct utsname u;
	uint32_t hz = 0;
	FILE *f;

	if (uname(&u))
		return 0;
	snprintf(path, sizeof(path), "/boot/config-%s", u.release);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CONFIG_HZ=", 10))
			hz = (uint32_t)strtoul(line + 10, NULL, 10);
	fclose(f);
	return hz;
}

static struct kbpf_host posix_host = {
	.alloc = posix_alloc,
	.free = posix_free,
	.alloc_pages = posix_alloc_pages,
	.free_pages = posix_free_pages,
	.vmap = posix_vmap,
	.vunmap = posix_vunmap,
	.cpu_id = posix_cpu_id,
	/* Threads holding a lock can be preempted: wait up to 10 s. */
	.lock_timeout_ns = 10000000000ull,
	.defer_free = posix_defer_free,
	.read_lock = posix_read_lock,
	.read_unlock = posix_read_unlock,
	.copy_from_user = posix_copy_from_user,
	.copy_to_user = posix_copy_to_user,
	.strncpy_from_user = posix_strncpy_from_user,
	.probe_read_kernel = posix_probe_read,
	.probe_read_user = posix_probe_read,
	.mono_ns = posix_mono_ns,
	.boot_ns = posix_boot_ns,
	.coarse_ns = posix_coarse_ns,
	.tai_ns = posix_tai_ns,
	.random_u32 = posix_random_u32,
	.current_ids = posix_current_ids,
	.current_comm = posix_current_comm,
	.capable = posix_capable,
	.signal_pending = posix_signal_pending,
	.unprivileged_bpf_disabled = posix_unprivileged_bpf_disabled,
	.trace_write = posix_trace_write,
	.wake = posix_wake,
	.fd_install = posix_fd_install,
	.fd_get = posix_fd_get,
	.state = &posix_state,
	.pin = posix_pin,
	.get_pinned = posix_get_pinned,
	.raw_tps = &posix_raw_tps,
	.ifindex_ok = posix_ifindex_ok,
	.dev_mtu = posix_dev_mtu,
	.cgroup_get = posix_cgroup_get,
	.cgroup_put = posix_cgroup_put,
	.cgroup_parent = posix_cgroup_parent,
	.cgroup_bpf = posix_cgroup_bpf,
	.cgroup_id = posix_cgroup_id,
	.current_in_cgroup = posix_current_in_cgroup,
	.owner_fd_get = posix_owner_fd_get,
	.owner_put = posix_owner_put,
	.owner_storage = posix_owner_storage,
	.kfuncs = posix_kfuncs,
	.nr_kfuncs = POSIX_NR_KFUNCS,
	.current_cgroup_id = posix_current_cgroup_id,
	.current_pidns = posix_current_pidns,
	.netns_cookie = posix_netns_cookie,
	.sk_lookup = posix_sk_lookup,
	.sk_release = posix_sk_release,
	.timer_alloc = posix_timer_alloc,
	.timer_start = posix_timer_start,
	.timer_cancel = posix_timer_cancel,
	.timer_free = posix_timer_free,
	.jit_alloc = posix_jit_alloc,
	.jit_seal = posix_jit_seal,
	.jit_free = posix_jit_free,
};

static pthread_once_t host_once = PTHREAD_ONCE_INIT;
static atomic_bool host_used;

static void host_init(void)
{
	const char *what;
	const char *v;

	if (!posix_host.nr_cpus)
		posix_host.nr_cpus = kbpf_posix_possible_cpus();
	if (!posix_host.hz)
		posix_host.hz = posix_kernel_hz();
	v = getenv("KBPF_JIT");
	if (v && !strcmp(v, "0"))
		kbpf_posix_set_jit(false);
	v = getenv("KBPF_JIT_HARDEN");
	if (v && (!strcmp(v, "1") || !strcmp(v, "2")))
		posix_host.jit_harden = (uint32_t)(*v - '0');
	v = getenv("KBPF_VERIFIER");
	if (v && !strcmp(v, "enforce"))
		posix_host.verifier = KBPF_VERIFIER_ENFORCE;
	else if (v && !strcmp(v, "fallback"))
		posix_host.verifier = KBPF_VERIFIER_FALLBACK;
	if (kbpf_host_check(&posix_host, &what)) {
		fprintf(stderr, "kbpf posix host: bad field %s\n", what);
		abort();
	}
}

const struct kbpf_host *kbpf_posix_host(void)
{
	pthread_once(&host_once, host_init);
	atomic_store(&host_used, 1);
	return &posix_host;
}

void kbpf_posix_set_verifier(uint32_t mode)
{
	posix_host.verifier = mode;
}

void kbpf_posix_set_jit(bool on)
{
	posix_host.jit_alloc = on ? posix_jit_alloc : NULL;
	posix_host.jit_seal = on ? posix_jit_seal : NULL;
	posix_host.jit_free = on ? posix_jit_free : NULL;
}

bool kbpf_posix_jit_on(void)
{
	return posix_host.jit_alloc != NULL;
}

void kbpf_posix_set_jit_harden(uint32_t harden)
{
	posix_host.jit_harden = harden;
}

struct kbpf_raw_tp_registry *kbpf_posix_raw_tps(void)
{
	return &posix_raw_tps;
}

void kbpf_posix_set_probes(const struct kbpf_probe_pmus *pmus)
{
	posix_host.probes = pmus;
}

void kbpf_posix_set_btf(const void *btf, size_t size)
{
	/* The bytes may be new ones at the old address: parse them again. */
	kbpf_host_btf_release(&posix_host);
	posix_host.btf = btf;
	posix_host.btf_size = size;
}

void kbpf_posix_set_task_hooks(
	uint64_t (*current_task)(const struct kbpf_host *h),
	int (*stack_walk)(const struct kbpf_host *h, uint32_t prog_type,
			  const void *ctx, bool user, uint64_t *ips,
			  uint32_t max))
{
	posix_host.current_task = current_task;
	posix_host.stack_walk = stack_walk;
}

int kbpf_posix_set_nr_cpus(unsigned int nr)
{
	if (atomic_load(&host_used) || nr == 0 || nr > KBPF_MAX_CPUS) {
		errno = atomic_load(&host_used) ? EBUSY : EINVAL;
		return -1;
	}
	posix_host.nr_cpus = nr;
	return 0;
}

int kbpf_posix_bpf(int cmd, void *attr, unsigned int size)
{
	long r = kbpf_sys_bpf(kbpf_posix_host(), cmd, attr, size);

	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return (int)r;
}
