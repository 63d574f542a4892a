// SPDX-License-Identifier: MIT
/*
 * Owners of local storage for the POSIX host (kbpf_host.owner_fd_get,
 * owner_put, owner_storage): tasks are this machine's threads, named by a
 * pidfd (user space) or by kbpf_posix_task_self() (programs, through
 * kbpf_host.current_task); sockets and inodes are those of this process's
 * fds; cgroups are cgroup2 directories. Each owner the host has met is a
 * record in one registry, keyed by kind and identity (a thread id, or the
 * st_dev and st_ino of the fd's file), and the record's address is the
 * owner as programs see it. The registry's mutex serialises everything
 * (this host has no interrupts, so the program path may take it), but
 * owner_storage first asks a per-thread cache of its last answer, good
 * while no owner has died since (own_gen), so that a program that gets
 * the same owner's storage again and again takes no lock.
 *
 * An owner dies (kbpf_local_storage_owner_free() on its record, which
 * then leaves the registry) when its thread exits (a thread-specific key
 * set by kbpf_posix_task_self()), when kbpf_posix_owner_kill() says so (a
 * socket's destruction, for tests), or at kbpf_posix_owners_release()
 * (kbpf_posix_reset()). A dead record is freed through defer_free once no
 * syscall holds it, so a program still running with it reads valid memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <signal.h>

#include "kbpf/kfunc.h"
#include "kbpf/local_storage.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "posix_internal.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

struct posix_owner {
	struct kbpf_rcu_head rcu; /* first: freed through defer_free */
	struct posix_owner *next;
	int kind;
	uint64_t a, b; /* tid, or st_dev and st_ino */
	long refs; /* owner_fd_get references */
	int dead;
	void *storage; /* kbpf's anchor */
};

static pthread_mutex_t own_lock = PTHREAD_MUTEX_INITIALIZER;
static struct posix_owner *own_list;
/*
 * Bumped by every death: a thread's last answer of owner_storage stays
 * good while it is unchanged (a record is freed only after its death).
 */
static atomic_ulong own_gen = 1;
static _Thread_local struct {
	uint64_t owner;
	int kind;
	unsigned long gen;
	void **anchor;
} own_cache;
static pthread_key_t own_task_key;
static pthread_once_t own_key_once = PTHREAD_ONCE_INIT;

static void own_free_rcu(struct kbpf_rcu_head *head)
{
	free(head);
}

/* Lock held: free @o once it is dead and nobody holds it. */
static void own_maybe_free_locked(struct posix_owner *o)
{
	const struct kbpf_host *h = kbpf_posix_host();

	if (!o->dead || o->refs)
		return;
	o->rcu.func = own_free_rcu;
	h->defer_free(h, &o->rcu);
}

/* Lock held: the record of (@kind, @a, @b), created if @create. */
static struct posix_owner *own_find_locked(int kind, uint64_t a, uint64_t b,
					   int create)
{
	struct posix_owner *o;

	for (o = own_list; o; o = o->next)
		if (o->kind == kind && o->a == a && o->b == b)
			return o;
	if (!create)
		return NULL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return NULL;
	o->kind = kind;
	o->a = a;
	o->b = b;
	o->next = own_list;
	own_list = o;
	return o;
}

/* Take @o out of the registry and free its storage. */
static void own_kill(struct posix_owner *o)
{
	struct posix_owner **pp;

	pthread_mutex_lock(&own_lock);
	if (o->dead) {
		/* Another path (thread exit, a reset) is killing it. */
		pthread_mutex_unlock(&own_lock);
		return;
	}
	for (pp = &own_list; *pp && *pp != o; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = o->next;
	o->dead = 1; /* owner_storage refuses it from now on */
	atomic_fetch_add_explicit(&own_gen, 1, memory_order_release);
	o->refs++; /* ours, so that one put alone sees the last */
	pthread_mutex_unlock(&own_lock);
	kbpf_local_storage_owner_free(kbpf_posix_host(), &o->storage);
	pthread_mutex_lock(&own_lock);
	o->refs--;
	own_maybe_free_locked(o);
	pthread_mutex_unlock(&own_lock);
}

/* The pid a pidfd names (its fdinfo's Pid: line): 0, -EBADF, -ENOENT. */
static int own_pidfd_pid(int fd, long *pid)
{
	char path[64], line[256];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "re");
	if (!f)
		return -EBADF;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Pid:\t%ld", pid) == 1) {
			found = 1;
			break;
		}
	fclose(f);
	if (!found)
		return -EBADF;
	return *pid > 0 ? 0 : -ENOENT;
}

/* The identity of what @fd names as an owner of @kind. */
static int own_identify(int kind, int fd, uint64_t *a, uint64_t *b)
{
	struct statfs sf;
	struct stat st;
	socklen_t len = sizeof(int);
	int domain = 0;
	long pid;
	int err;

	if (fd < 0 || fstat(fd, &st))
		return -EBADF;
	switch (kind) {
	case KBPF_OWNER_TASK:
		err = own_pidfd_pid(fd, &pid);
		if (err)
			return err;
		*a = (uint64_t)pid;
		*b = 0;
		return 0;
	case KBPF_OWNER_SOCK:
		if (!S_ISSOCK(st.st_mode))
			return -ENOTSOCK;
		break;
	case KBPF_OWNER_XSK:
		if (!S_ISSOCK(st.st_mode))
			return -ENOTSOCK;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) ||
		    domain != AF_XDP)
			return -EOPNOTSUPP;
		break;
	case KBPF_OWNER_CGROUP:
		if (fstatfs(fd, &sf) ||
		    (unsigned long)sf.f_type != CGROUP2_SUPER_MAGIC ||
		    !S_ISDIR(st.st_mode))
			return -EBADF;
		break;
	case KBPF_OWNER_INODE:
		break;
	default:
		return -EBADF;
	}
	*a = (uint64_t)st.st_dev;
	*b = (uint64_t)st.st_ino;
	return 0;
}

int posix_owner_fd_get(const struct kbpf_host *h, int kind, int fd,
		       uint64_t *owner)
{
	struct posix_owner *o;
	uint64_t a, b;
	int err;

	(void)h;
	err = own_identify(kind, fd, &a, &b);
	if (err)
		return err;
	pthread_mutex_lock(&own_lock);
	o = own_find_locked(kind, a, b, 1);
	if (o)
		o->refs++;
	pthread_mutex_unlock(&own_lock);
	if (!o)
		return -ENOMEM;
	*owner = (uint64_t)(uintptr_t)o;
	return 0;
}

void posix_owner_put(const struct kbpf_host *h, int kind, uint64_t owner)
{
	struct posix_owner *o = (struct posix_owner *)(uintptr_t)owner;

	(void)h;
	(void)kind;
	pthread_mutex_lock(&own_lock);
	o->refs--;
	own_maybe_free_locked(o);
	pthread_mutex_unlock(&own_lock);
}

/* Only live records of the registry are owners: a program may pass anything. */
void **posix_owner_storage(const struct kbpf_host *h, int kind, uint64_t owner)
{
	unsigned long gen =
		atomic_load_explicit(&own_gen, memory_order_acquire);
	struct posix_owner *o;

	(void)h;
	if (own_cache.gen == gen && own_cache.owner == owner &&
	    own_cache.kind == kind)
		return own_cache.anchor;
	pthread_mutex_lock(&own_lock);
	for (o = own_list; o; o = o->next)
		if ((uint64_t)(uintptr_t)o == owner && o->kind == kind)
			break;
	pthread_mutex_unlock(&own_lock);
	if (!o)
		return NULL;
	own_cache.owner = owner;
	own_cache.kind = kind;
	own_cache.gen = gen;
	own_cache.anchor = &o->storage;
	return &o->storage;
}

/* A thread that met kbpf_posix_task_self() exits: its task dies. */
static void own_task_exit(void *arg)
{
	uint64_t tid = (uint64_t)(uintptr_t)arg;
	struct posix_owner *o;

	pthread_mutex_lock(&own_lock);
	o = own_find_locked(KBPF_OWNER_TASK, tid, 0, 0);
	pthread_mutex_unlock(&own_lock);
	if (o)
		own_kill(o);
}

static void own_key_init(void)
{
	if (pthread_key_create(&own_task_key, own_task_exit))
		abort();
}

uint64_t kbpf_posix_task_self(const struct kbpf_host *h)
{
	uint64_t tid = (uint64_t)gettid();
	struct posix_owner *o;

	(void)h;
	pthread_once(&own_key_once, own_key_init);
	pthread_mutex_lock(&own_lock);
	o = own_find_locked(KBPF_OWNER_TASK, tid, 0, 1);
	pthread_mutex_unlock(&own_lock);
	if (o && !pthread_getspecific(own_task_key))
		pthread_setspecific(own_task_key, (void *)(uintptr_t)tid);
	return (uint64_t)(uintptr_t)o;
}

int kbpf_posix_owner_kill(int kind, int fd)
{
	struct posix_owner *o;
	uint64_t a, b;
	int err = own_identify(kind, fd, &a, &b);

	if (err)
		return err;
	pthread_mutex_lock(&own_lock);
	o = own_find_locked(kind, a, b, 0);
	pthread_mutex_unlock(&own_lock);
	if (!o)
		return -ENOENT;
	own_kill(o);
	return 0;
}

int kbpf_posix_owner_clone(int kind, int fd, int newfd)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct posix_owner *src, *dst;
	uint64_t a, b, na, nb;
	int err = own_identify(kind, fd, &a, &b);

	if (!err)
		err = own_identify(kind, newfd, &na, &nb);
	if (err)
		return err;
	pthread_mutex_lock(&own_lock);
	src = own_find_locked(kind, a, b, 0);
	dst = own_find_locked(kind, na, nb, 1);
	if (src && dst && src != dst) {
		src->refs++;
		dst->refs++;
	}
	pthread_mutex_unlock(&own_lock);
	if (!dst)
		return -ENOMEM;
	if (!src || src == dst)
		return 0;
	err = kbpf_local_storage_owner_clone(h, &src->storage, &dst->storage);
	posix_owner_put(h, kind, (uint64_t)(uintptr_t)src);
	posix_owner_put(h, kind, (uint64_t)(uintptr_t)dst);
	if (err)
		own_kill(dst); /* the new socket fails, as in Linux */
	return err;
}

uint64_t kbpf_posix_owner_of(int kind, int fd)
{
	uint64_t owner;

	if (posix_owner_fd_get(kbpf_posix_host(), kind, fd, &owner))
		return 0;
	posix_owner_put(kbpf_posix_host(), kind, owner);
	return owner;
}

void kbpf_posix_owners_release(void)
{
	for (;;) {
		struct posix_owner *o;

		pthread_mutex_lock(&own_lock);
		o = own_list;
		pthread_mutex_unlock(&own_lock);
		if (!o)
			return;
		own_kill(o);
	}
}

/*
 * Task kfuncs (kbpf_host.kfuncs, include/kbpf/kfunc.h): a task is the
 * record of a thread, as owner_storage and current_task name it, and a
 * reference is one of its refs. They run on the program path and take the
 * registry's mutex (a test host: its programs run in threads that may
 * block). Linux's bpf_task_from_pid finds any task of the caller's pid
 * namespace; here any thread of this machine that kill(tid, 0) finds.
 */
static uint64_t posix_kf_task_from_pid(struct kbpf_run *run, uint64_t r1,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	int32_t pid = (int32_t)r1;
	struct posix_owner *o = NULL;

	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	if (pid <= 0 || (kill(pid, 0) && errno != EPERM))
		return 0;
	pthread_mutex_lock(&own_lock);
	o = own_find_locked(KBPF_OWNER_TASK, (uint64_t)pid, 0, 1);
	if (o)
		o->refs++;
	pthread_mutex_unlock(&own_lock);
	return (uint64_t)(uintptr_t)o;
}

/* A live record of the registry gets a reference; anything else NULL. */
static uint64_t posix_kf_task_acquire(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	struct posix_owner *o;

	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	pthread_mutex_lock(&own_lock);
	for (o = own_list; o; o = o->next)
		if ((uint64_t)(uintptr_t)o == r1 &&
		    o->kind == KBPF_OWNER_TASK && !o->dead)
			break;
	if (o)
		o->refs++;
	pthread_mutex_unlock(&own_lock);
	return (uint64_t)(uintptr_t)o;
}

/* The verifier proved @r1 a reference an acquire returned. */
static uint64_t posix_kf_task_release(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	posix_owner_put(kbpf_posix_host(), KBPF_OWNER_TASK, r1);
	return 0;
}

/*
 * Linux 6.18's generic kfunc set: measured on this kernel, a caller of
 * each type loads for SCHED_CLS, TRACEPOINT, XDP, PERF_EVENT, CGROUP_SKB,
 * CGROUP_SOCK, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL and SYSCALL, and is
 * refused ("calling kernel function ... is not allowed") for
 * SOCKET_FILTER, KPROBE, SCHED_ACT, LWT_*, SK_SKB, SK_MSG, RAW_TRACEPOINT,
 * SK_REUSEPORT, FLOW_DISSECTOR and RAW_TRACEPOINT_WRITABLE; TRACING (not
 * measured: it needs an attach target) as Linux registers it.
 */
#define POSIX_KF_TASK_TYPES                                                 \
	((1ULL << BPF_PROG_TYPE_SCHED_CLS) |                                \
	 (1ULL << BPF_PROG_TYPE_TRACEPOINT) | (1ULL << BPF_PROG_TYPE_XDP) | \
	 (1ULL << BPF_PROG_TYPE_PERF_EVENT) |                               \
	 (1ULL << BPF_PROG_TYPE_CGROUP_SKB) |                               \
	 (1ULL << BPF_PROG_TYPE_CGROUP_SOCK) |                              \
	 (1ULL << BPF_PROG_TYPE_SOCK_OPS) |                                 \
	 (1ULL << BPF_PROG_TYPE_CGROUP_DEVICE) |                            \
	 (1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL) |                            \
	 (1ULL << BPF_PROG_TYPE_SYSCALL) | (1ULL << BPF_PROG_TYPE_TRACING))

const struct kbpf_kfunc posix_kfuncs[POSIX_NR_KFUNCS] = {
	{ "bpf_task_from_pid", posix_kf_task_from_pid,
	  KBPF_KF_ACQUIRE | KBPF_KF_RET_NULL, POSIX_KF_TASK_TYPES, NULL },
	{ "bpf_task_acquire", posix_kf_task_acquire,
	  KBPF_KF_ACQUIRE | KBPF_KF_RCU | KBPF_KF_RET_NULL, POSIX_KF_TASK_TYPES,
	  NULL },
	/* ... and task_struct's destructor: kptrs of map values hold tasks. */
	{ "bpf_task_release", posix_kf_task_release, KBPF_KF_RELEASE,
	  POSIX_KF_TASK_TYPES, "task_struct" },
};

long kbpf_posix_task_refs(uint64_t task)
{
	struct posix_owner *o;
	long refs = -1;

	pthread_mutex_lock(&own_lock);
	for (o = own_list; o; o = o->next)
		if ((uint64_t)(uintptr_t)o == task &&
		    o->kind == KBPF_OWNER_TASK) {
			refs = o->refs;
			break;
		}
	pthread_mutex_unlock(&own_lock);
	return refs;
}

uint64_t kbpf_posix_task_of(int tid)
{
	struct posix_owner *o;

	pthread_mutex_lock(&own_lock);
	o = own_find_locked(KBPF_OWNER_TASK, (uint64_t)tid, 0, 0);
	pthread_mutex_unlock(&own_lock);
	return (uint64_t)(uintptr_t)o;
}
