// SPDX-License-Identifier: MIT
/*
 * Local storage maps (TASK_STORAGE, SK_STORAGE, INODE_STORAGE,
 * CGRP_STORAGE) against the kernel: BPF_MAP_CREATE's rules (flags, sizes,
 * BTF key and value types, bpf_map_info), the element commands with an
 * owner's fd as the key (a pidfd, a socket, a file, a cgroup directory):
 * flags, errnos for fds of the wrong kind, values, BPF_F_LOCK, and the
 * commands these maps do not have (GET_NEXT_KEY, batches,
 * LOOKUP_AND_DELETE); and the helpers from a raw tracepoint program run
 * by BPF_PROG_TEST_RUN: bpf_task_storage_get with F_CREATE and an init
 * value counts runs per thread, bpf_task_storage_delete answers as the
 * kernel's. kbpf-only: an owner's death frees its storage; the map's free
 * frees the values of live owners; a host-checked owner argument.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "btf_build.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf_posix.h"
#include "kbpf/uapi/btf.h"

#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

static const uint32_t types[] = { BPF_MAP_TYPE_TASK_STORAGE,
				  BPF_MAP_TYPE_SK_STORAGE,
				  BPF_MAP_TYPE_INODE_STORAGE,
				  BPF_MAP_TYPE_CGRP_STORAGE };
#define NTYPES 4

/* ---- BTF: int, long, struct pair { int; int; }, a lock value, u8[n] ---- */

enum {
	ID_INT = 1,
	ID_LONG,
	ID_PAIR, /* struct pair { int a; int b; }: 8 bytes */
	ID_LOCK, /* struct bpf_spin_lock { int val; } */
	ID_LV, /* struct lv { int cnt; struct bpf_spin_lock l; }: 8 bytes */
	ID_U8,
	ID_BYTES, /* u8[n] */
	ID_U32, /* unsigned int */
};

static void make_btf(struct tbtf *b, uint32_t nbytes)
{
	tbtf_init(b);
	tbtf_type(b, "int", BTF_KIND_INT, 0, 4);
	tbtf_u32(b, BTF_INT_SIGNED << 24 | 32);
	tbtf_type(b, "long", BTF_KIND_INT, 0, 8);
	tbtf_u32(b, BTF_INT_SIGNED << 24 | 64);
	tbtf_type(b, "pair", BTF_KIND_STRUCT, 2, 8);
	tbtf_member(b, "a", ID_INT, 0);
	tbtf_member(b, "b", ID_INT, 32);
	tbtf_type(b, "bpf_spin_lock", BTF_KIND_STRUCT, 1, 4);
	tbtf_member(b, "val", ID_INT, 0);
	tbtf_type(b, "lv", BTF_KIND_STRUCT, 2, 8);
	tbtf_member(b, "cnt", ID_INT, 0);
	tbtf_member(b, "l", ID_LOCK, 32);
	tbtf_type(b, "u8", BTF_KIND_INT, 0, 1);
	tbtf_u32(b, 8);
	tbtf_type(b, NULL, BTF_KIND_ARRAY, 0, 0);
	tbtf_u32(b, ID_U8);
	tbtf_u32(b, ID_INT);
	tbtf_u32(b, nbytes);
	tbtf_type(b, "unsigned int", BTF_KIND_INT, 0, 4);
	tbtf_u32(b, 32);
	tbtf_finish(b);
}

static long load_btf(int side, uint32_t nbytes)
{
	struct tbtf *b = malloc(sizeof(*b));
	long r;

	if (!b)
		return -ENOMEM;
	make_btf(b, nbytes);
	r = tbtf_load(side, b);
	free(b);
	return r;
}

struct ccase {
	uint32_t flags, max, ks, vs, kid, vid;
	int bytes_value; /* value type: u8[vs] */
};

static long create(int side, uint32_t type, const struct ccase *c, long btf)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = c->ks;
	a.value_size = c->vs;
	a.max_entries = c->max;
	a.map_flags = c->flags;
	a.btf_fd = btf >= 0 ? (uint32_t)btf : 0;
	a.btf_key_type_id = c->kid;
	a.btf_value_type_id = c->bytes_value ? ID_BYTES : c->vid;
	memcpy(a.map_name, "ls", 2);
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

/* A storage map of @type with an 8-byte value (struct pair or lv). */
static long create_simple(int side, uint32_t type, uint32_t vid, long *btf)
{
	struct ccase c = { BPF_F_NO_PREALLOC, 0, 4, 8, ID_INT, vid, 0 };

	*btf = load_btf(side, 8);
	if (*btf < 0)
		return *btf;
	return create(side, type, &c, *btf);
}

KBPF_TEST(
	local_storage_create_vs_kernel,
	"BPF_MAP_CREATE of the four storage types: flags, max_entries, key and value sizes, BTF key/value types and bpf_map_info are the kernel's")
{
	static const struct ccase cases[] = {
		{ BPF_F_NO_PREALLOC, 0, 4, 8, ID_INT, ID_PAIR, 0 },
		{ 0, 0, 4, 8, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC | BPF_F_CLONE, 0, 4, 8, ID_INT, ID_PAIR,
		  0 },
		{ BPF_F_CLONE, 0, 4, 8, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG, 0, 4, 8, ID_INT,
		  ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC | BPF_F_RDONLY, 0, 4, 8, ID_INT, ID_PAIR,
		  0 },
		{ BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE, 0, 4, 8, ID_INT, ID_PAIR,
		  0 },
		{ BPF_F_NO_PREALLOC | BPF_F_MMAPABLE, 0, 4, 8, ID_INT, ID_PAIR,
		  0 },
		{ BPF_F_NO_PREALLOC, 1, 4, 8, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 8, 8, ID_LONG, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 0, 8, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 0, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, 0, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, ID_INT, 0, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, 0, 0, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, ID_U32, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, ID_INT, ID_LONG, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 4, ID_INT, ID_PAIR, 0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 8, ID_INT, ID_LV, 0 },
		{ BPF_F_NO_PREALLOC | BPF_F_RDONLY_PROG, 0, 4, 8, ID_INT, ID_LV,
		  0 },
		{ BPF_F_NO_PREALLOC, 0, 4, 1, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 4096, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 65406, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 65407, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 65408, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 65535, ID_INT, 0, 1 },
		{ BPF_F_NO_PREALLOC, 0, 4, 1u << 20, ID_INT, 0, 1 },
	};
	int n = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < NTYPES; t++)
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			const struct ccase *c = &cases[i];
			long btf[2], fd[2];

			for (int s = 0; s < 2; s++) {
				btf[s] =
					load_btf(s, c->bytes_value ? c->vs : 8);
				T_ASSERT(btf[s] >= 0);
				fd[s] = create(s, types[t], c, btf[s]);
			}
			n++;
			if (!same_result(fd[0], fd[1]))
				T_FAIL("type %u case %zu: kernel %s kbpf %s",
				       types[t], i, oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			if (fd[0] >= 0) {
				struct bpf_map_info info[2];
				uint32_t len[2];

				for (int s = 0; s < 2; s++) {
					memset(&info[s], 0, sizeof(info[s]));
					len[s] = sizeof(info[s]);
					T_EQ(side_info(s, fd[s], &info[s],
						       &len[s]),
					     0);
					/* Per-object: ids, BTF ids, memlock. */
					info[s].id = 0;
					info[s].btf_id = 0;
				}
				T_EQ(len[0], len[1]);
				T_EQ(info[0].type, info[1].type);
				T_EQ(info[0].key_size, info[1].key_size);
				T_EQ(info[0].value_size, info[1].value_size);
				T_EQ(info[0].max_entries, info[1].max_entries);
				T_EQ(info[0].map_flags, info[1].map_flags);
				T_EQ(info[0].btf_key_type_id,
				     info[1].btf_key_type_id);
				T_EQ(info[0].btf_value_type_id,
				     info[1].btf_value_type_id);
				T_EQ(strcmp(info[0].name, info[1].name), 0);
			}
			for (int s = 0; s < 2; s++) {
				side_close(s, fd[s]);
				side_close(s, btf[s]);
			}
		}
	printf("  %d creation cases compared with the kernel\n", n);
}

/* ---- owners: one fd of each kind, shared by both sides ---- */

/* The cgroup2 hierarchy where systems mount it (-1: none). */
static int cgroup2_dir(void)
{
	static const char *const at[] = { "/sys/fs/cgroup",
					  "/sys/fs/cgroup/unified" };
	struct statfs sf;

	for (int i = 0; i < 2; i++) {
		int fd = open(at[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd >= 0 && !fstatfs(fd, &sf) &&
		    (unsigned long)sf.f_type == 0x63677270)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	errno = ENOENT;
	return -1;
}

/* The owner fd for @type (-1: none here), and a file of the wrong kind. */
static int owner_fd(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_TASK_STORAGE:
		return (int)syscall(SYS_pidfd_open, getpid(), 0);
	case BPF_MAP_TYPE_SK_STORAGE:
		return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	case BPF_MAP_TYPE_INODE_STORAGE:
		return open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	default:
		return cgroup2_dir();
	}
}

static long elem(int side, int cmd, long map, int key, void *value,
		 uint64_t flags)
{
	return side_elem(side, cmd, map, &key, value, flags);
}

#define SAME(what, k, m)                                                      \
	do {                                                                  \
		long k_ = (k), m_ = (m);                                      \
		n++;                                                          \
		if (k_ != m_)                                                 \
			T_FAIL("type %u %s: kernel %s kbpf %s", type, what,   \
			       oracle_errno_name(k_), oracle_errno_name(m_)); \
	} while (0)

/* Run @cmd with the same key, value and flags on both sides; compare. */
static void both(uint32_t type, const char *what, long *map, int cmd, int key,
		 uint64_t flags, uint64_t in, int *n_)
{
	uint64_t v[2] = { in, in };
	long r[2];
	int n = 0;

	for (int s = 0; s < 2; s++)
		r[s] = elem(s, cmd, map[s], key,
			    cmd == BPF_MAP_DELETE_ELEM ? NULL : &v[s], flags);
	if (getenv("KBPF_TEST_VERBOSE"))
		printf("  type %u %s: %s\n", type, what,
		       oracle_errno_name(r[0]));
	SAME(what, r[0], r[1]);
	if (r[0] == 0 && r[1] == 0 && cmd == BPF_MAP_LOOKUP_ELEM &&
	    v[0] != v[1])
		T_FAIL("type %u %s: value kernel %#llx kbpf %#llx", type, what,
		       (unsigned long long)v[0], (unsigned long long)v[1]);
	*n_ += n;
}

static void elem_rules(uint32_t type, int *count)
{
	long map[2], btf[2], lmap[2], lbtf[2];
	int ofd = owner_fd(type), other, closed;
	int wrong_fds[4];
	union bpf_attr a;
	long r[2];
	int n = 0;

	if (ofd < 0) {
		printf("  type %u: no owner fd here (%s), skipped\n", type,
		       strerror(errno));
		return;
	}
	for (int s = 0; s < 2; s++) {
		map[s] = create_simple(s, type, ID_PAIR, &btf[s]);
		T_ASSERT(map[s] >= 0);
		lmap[s] = create_simple(s, type, ID_LV, &lbtf[s]);
		T_ASSERT(lmap[s] >= 0);
	}
	other = open("/dev/null", O_RDONLY | O_CLOEXEC);
	closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	close(closed);
	wrong_fds[0] = -1;
	wrong_fds[1] = closed;
	wrong_fds[2] = other;
	wrong_fds[3] = (int)map[0]; /* a BPF map fd */

	both(type, "lookup of none", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0, &n);
	both(type, "delete of none", map, BPF_MAP_DELETE_ELEM, ofd, 0, 0, &n);
	both(type, "update EXIST of none", map, BPF_MAP_UPDATE_ELEM, ofd,
	     BPF_EXIST, 1, &n);
	both(type, "update NOEXIST", map, BPF_MAP_UPDATE_ELEM, ofd, BPF_NOEXIST,
	     0x1111, &n);
	both(type, "lookup", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0, &n);
	both(type, "update NOEXIST again", map, BPF_MAP_UPDATE_ELEM, ofd,
	     BPF_NOEXIST, 2, &n);
	both(type, "update EXIST", map, BPF_MAP_UPDATE_ELEM, ofd, BPF_EXIST,
	     0x2222, &n);
	both(type, "lookup after EXIST", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0,
	     &n);
	both(type, "update ANY", map, BPF_MAP_UPDATE_ELEM, ofd, BPF_ANY,
	     0x3333000033ull, &n);
	both(type, "lookup after ANY", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0, &n);
	both(type, "update flags 3", map, BPF_MAP_UPDATE_ELEM, ofd, 3, 4, &n);
	both(type, "update flags 8", map, BPF_MAP_UPDATE_ELEM, ofd, 8, 4, &n);
	both(type, "update F_LOCK, no lock", map, BPF_MAP_UPDATE_ELEM, ofd,
	     BPF_F_LOCK, 4, &n);
	both(type, "lookup F_LOCK, no lock", map, BPF_MAP_LOOKUP_ELEM, ofd,
	     BPF_F_LOCK, 0, &n);
	both(type, "lookup flags 1", map, BPF_MAP_LOOKUP_ELEM, ofd, 1, 0, &n);
	for (int i = 0; i < 4; i++) {
		char what[64];

		snprintf(what, sizeof(what), "wrong fd %d: lookup", i);
		both(type, what, map, BPF_MAP_LOOKUP_ELEM, wrong_fds[i], 0, 0,
		     &n);
		snprintf(what, sizeof(what), "wrong fd %d: update", i);
		both(type, what, map, BPF_MAP_UPDATE_ELEM, wrong_fds[i], 0, 5,
		     &n);
		snprintf(what, sizeof(what), "wrong fd %d: update flags 3", i);
		both(type, what, map, BPF_MAP_UPDATE_ELEM, wrong_fds[i], 3, 5,
		     &n);
		snprintf(what, sizeof(what), "wrong fd %d: delete", i);
		both(type, what, map, BPF_MAP_DELETE_ELEM, wrong_fds[i], 0, 0,
		     &n);
	}
	/* A value with a bpf_spin_lock: the word is kept and read as 0. */
	both(type, "lock map: update F_LOCK of none", lmap, BPF_MAP_UPDATE_ELEM,
	     ofd, BPF_F_LOCK, 0x77777777000000aaull, &n);
	both(type, "lock map: update", lmap, BPF_MAP_UPDATE_ELEM, ofd, 0,
	     0x77777777000000bbull, &n);
	both(type, "lock map: lookup", lmap, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0,
	     &n);
	both(type, "lock map: update F_LOCK", lmap, BPF_MAP_UPDATE_ELEM, ofd,
	     BPF_F_LOCK, 0x66666666000000ccull, &n);
	both(type, "lock map: update F_LOCK|NOEXIST", lmap, BPF_MAP_UPDATE_ELEM,
	     ofd, BPF_F_LOCK | BPF_NOEXIST, 1, &n);
	both(type, "lock map: lookup F_LOCK", lmap, BPF_MAP_LOOKUP_ELEM, ofd,
	     BPF_F_LOCK, 0, &n);
	/* Commands these maps do not have. */
	for (int s = 0; s < 2; s++) {
		int key = ofd, next;

		r[s] = side_next_key(s, map[s], &key, &next);
	}
	SAME("get_next_key", r[0], r[1]);
	for (int s = 0; s < 2; s++) {
		int key = ofd, next;

		r[s] = side_next_key(s, map[s], NULL, &next);
		(void)key;
	}
	SAME("get_next_key first", r[0], r[1]);
	both(type, "lookup_and_delete", map, BPF_MAP_LOOKUP_AND_DELETE_ELEM,
	     ofd, 0, 0, &n);
	{
		static const int cmds[] = { BPF_MAP_LOOKUP_BATCH,
					    BPF_MAP_LOOKUP_AND_DELETE_BATCH,
					    BPF_MAP_UPDATE_BATCH,
					    BPF_MAP_DELETE_BATCH };

		for (int c = 0; c < 4; c++) {
			int keys[1] = { ofd };
			uint64_t vals[1] = { 9 }, out = 0;

			for (int s = 0; s < 2; s++) {
				memset(&a, 0, sizeof(a));
				a.batch.map_fd = (uint32_t)map[s];
				a.batch.keys = (uint64_t)(uintptr_t)keys;
				a.batch.values = (uint64_t)(uintptr_t)vals;
				a.batch.out_batch = (uint64_t)(uintptr_t)&out;
				a.batch.count = 1;
				r[s] = side_bpf(s, cmds[c], &a);
			}
			SAME("batch", r[0], r[1]);
		}
	}
	both(type, "delete", map, BPF_MAP_DELETE_ELEM, ofd, 0, 0, &n);
	both(type, "delete again", map, BPF_MAP_DELETE_ELEM, ofd, 0, 0, &n);
	both(type, "lookup after delete", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0,
	     &n);
	both(type, "update after delete", map, BPF_MAP_UPDATE_ELEM, ofd, 0,
	     0x4444, &n);
	both(type, "lookup after re-add", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0,
	     &n);
	/* Read-only and frozen fds. */
	for (int s = 0; s < 2; s++)
		r[s] = side_freeze(s, map[s]);
	SAME("freeze", r[0], r[1]);
	both(type, "update after freeze", map, BPF_MAP_UPDATE_ELEM, ofd, 0, 1,
	     &n);
	both(type, "delete after freeze", map, BPF_MAP_DELETE_ELEM, ofd, 0, 0,
	     &n);
	both(type, "lookup after freeze", map, BPF_MAP_LOOKUP_ELEM, ofd, 0, 0,
	     &n);
	for (int s = 0; s < 2; s++) {
		side_close(s, map[s]);
		side_close(s, btf[s]);
		side_close(s, lmap[s]);
		side_close(s, lbtf[s]);
	}
	close(other);
	close(ofd);
	*count += n;
}

KBPF_TEST(
	local_storage_elem_vs_kernel,
	"element commands keyed by an owner's fd (pidfd, socket, file, cgroup dir): flags, values, BPF_F_LOCK, wrong fds, missing commands and frozen maps answer as the kernel")
{
	int n = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < NTYPES; t++)
		elem_rules(types[t], &n);
	printf("  %d element results compared with the kernel\n", n);
}

/* ---- thread pidfds: a thread's storage, and its exit ---- */

struct thr {
	int pidfd;
	pthread_mutex_t m;
	pthread_cond_t c;
	int go;
};

static void *thr_main(void *arg)
{
	struct thr *t = arg;

	t->pidfd = (int)syscall(SYS_pidfd_open, gettid(), PIDFD_THREAD);
	pthread_mutex_lock(&t->m);
	t->go = 1;
	pthread_cond_broadcast(&t->c);
	while (t->go != 2)
		pthread_cond_wait(&t->c, &t->m);
	pthread_mutex_unlock(&t->m);
	return NULL;
}

KBPF_TEST(
	task_storage_thread_pidfd_vs_kernel,
	"task storage of another thread through its PIDFD_THREAD pidfd, and after the thread exits, answers as the kernel")
{
	struct thr t = { -1, PTHREAD_MUTEX_INITIALIZER,
			 PTHREAD_COND_INITIALIZER, 0 };
	uint32_t type = BPF_MAP_TYPE_TASK_STORAGE;
	long map[2], btf[2];
	pthread_t th;
	int n = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		map[s] = create_simple(s, type, ID_PAIR, &btf[s]);
		T_ASSERT(map[s] >= 0);
	}
	T_EQ(pthread_create(&th, NULL, thr_main, &t), 0);
	pthread_mutex_lock(&t.m);
	while (!t.go)
		pthread_cond_wait(&t.c, &t.m);
	pthread_mutex_unlock(&t.m);
	if (t.pidfd < 0) {
		pthread_mutex_lock(&t.m);
		t.go = 2;
		pthread_cond_broadcast(&t.c);
		pthread_mutex_unlock(&t.m);
		pthread_join(th, NULL);
		T_SKIP("pidfd_open(PIDFD_THREAD): %s", strerror(errno));
	}
	both(type, "thread update", map, BPF_MAP_UPDATE_ELEM, t.pidfd, 0, 77,
	     &n);
	both(type, "thread lookup", map, BPF_MAP_LOOKUP_ELEM, t.pidfd, 0, 0,
	     &n);
	pthread_mutex_lock(&t.m);
	t.go = 2;
	pthread_cond_broadcast(&t.c);
	pthread_mutex_unlock(&t.m);
	pthread_join(th, NULL);
	/* The thread has exited and been reaped. */
	both(type, "exited lookup", map, BPF_MAP_LOOKUP_ELEM, t.pidfd, 0, 0,
	     &n);
	both(type, "exited update", map, BPF_MAP_UPDATE_ELEM, t.pidfd, 0, 1,
	     &n);
	both(type, "exited delete", map, BPF_MAP_DELETE_ELEM, t.pidfd, 0, 0,
	     &n);
	close(t.pidfd);
	for (int s = 0; s < 2; s++) {
		side_close(s, map[s]);
		side_close(s, btf[s]);
	}
}

/* ---- programs: bpf_task_storage_get/delete from a raw tracepoint ---- */

#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/*
 * mode 0: v = task_storage_get(map, current, &init(0x2a00), F_CREATE);
 *         return v ? ++v->a : 1000;
 * mode 1: return task_storage_delete(map, current);
 * mode 2: return task_storage_get(map, current, 0, flags 2) != 0;
 * mode 3: v = task_storage_get(map, current, 0, 0); return v ? v->a : 1000;
 */
static long load_prog(int side, long map, int mode)
{
	struct bpf_insn p[40];
	char log[4096];
	union bpf_attr a;
	int n = 0;
	long fd;

	p[n++] = CALL(BPF_FUNC_get_current_task_btf);
	p[n++] = MOV(2, 0);
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	if (mode == 1) {
		p[n++] = CALL(BPF_FUNC_task_storage_delete);
		p[n++] = EXIT;
	} else {
		if (mode == 0) {
			p[n++] =
				I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x2a00);
			p[n++] = MOV(3, 10);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8);
		} else {
			p[n++] = MOVK(3, 0);
		}
		p[n++] = MOVK(4, mode == 0 ? BPF_LOCAL_STORAGE_GET_F_CREATE :
				 mode == 2 ? 2 :
					     0);
		p[n++] = CALL(BPF_FUNC_task_storage_get);
		if (mode == 2) {
			p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0);
			p[n++] = MOVK(0, 1);
			p[n++] = EXIT;
		} else {
			p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
			p[n++] = MOVK(0, 1000);
			p[n++] = EXIT;
			p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0);
			if (mode == 0) {
				p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0,
					   1);
				p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 0, 1, 0,
					   0);
			}
			p[n++] = MOV(0, 1);
			p[n++] = EXIT;
		}
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = 0;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (fd < 0)
		printf("  side %d mode %d load: %s\n%s\n", side, mode,
		       oracle_errno_name(fd), log);
	return fd;
}

static long run_prog(int side, long fd, uint32_t *ret)
{
	uint64_t args[1] = { 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

struct prun {
	long prog[2];
	int runs;
	uint32_t last[2];
	int pidfd;
	long err;
};

static void *prun_main(void *arg)
{
	struct prun *p = arg;

	p->pidfd = (int)syscall(SYS_pidfd_open, gettid(), PIDFD_THREAD);
	for (int i = 0; i < p->runs; i++)
		for (int s = 0; s < 2; s++) {
			long r = run_prog(s, p->prog[s], &p->last[s]);

			if (r)
				p->err = r;
		}
	return NULL;
}

KBPF_TEST(
	task_storage_prog_vs_kernel,
	"bpf_task_storage_get with F_CREATE and an init value counts runs per thread, delete and bad flags answer, and user space reads the counts by pidfd, as on the kernel")
{
	uint32_t type = BPF_MAP_TYPE_TASK_STORAGE;
	long map[2], btf[2], prog[4][2];
	int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
	struct prun pr;
	pthread_t th;
	uint32_t ret[2];
	long r[2];
	int n = 0;

	NEED_KERNEL();
	T_ASSERT(self >= 0);
	kbpf_posix_set_task_hooks(kbpf_posix_task_self, NULL);
	for (int s = 0; s < 2; s++) {
		map[s] = create_simple(s, type, ID_PAIR, &btf[s]);
		T_ASSERT(map[s] >= 0);
		for (int m = 0; m < 4; m++)
			prog[m][s] = load_prog(s, map[s], m);
	}
	for (int m = 0; m < 4; m++)
		if (!same_result(prog[m][0], prog[m][1]))
			T_FAIL("mode %d load: kernel %s kbpf %s", m,
			       oracle_errno_name(prog[m][0]),
			       oracle_errno_name(prog[m][1]));
	if (prog[0][0] < 0)
		T_SKIP("the kernel refuses the program");
	/* No storage yet: get without F_CREATE, delete. */
	for (int m = 3; m >= 1; m--) {
		for (int s = 0; s < 2; s++)
			T_EQ(run_prog(s, prog[m][s], &ret[s]), 0);
		n++;
		if (ret[0] != ret[1])
			T_FAIL("mode %d with no storage: kernel %u kbpf %u", m,
			       ret[0], ret[1]);
	}
	/* 5 runs here, 7 in another thread. */
	for (int i = 0; i < 5; i++)
		for (int s = 0; s < 2; s++)
			T_EQ(run_prog(s, prog[0][s], &ret[s]), 0);
	T_EQ(ret[0], ret[1]);
	T_EQ(ret[1], 0x2a00 + 5);
	memset(&pr, 0, sizeof(pr));
	pr.prog[0] = prog[0][0];
	pr.prog[1] = prog[0][1];
	pr.runs = 7;
	T_EQ(pthread_create(&th, NULL, prun_main, &pr), 0);
	T_EQ(pthread_join(th, NULL), 0);
	T_EQ(pr.err, 0);
	T_EQ(pr.last[0], pr.last[1]);
	T_EQ(pr.last[1], 0x2a00 + 7);
	both(type, "count of this process", map, BPF_MAP_LOOKUP_ELEM, self, 0,
	     0, &n);
	/* Mode 3 reads it, mode 1 deletes it (0, then -ENOENT). */
	for (int m = 3; m >= 1; m -= 2)
		for (int k = 0; k < 2; k++) {
			for (int s = 0; s < 2; s++)
				T_EQ(run_prog(s, prog[m][s], &ret[s]), 0);
			n++;
			if (ret[0] != ret[1])
				T_FAIL("mode %d run %d: kernel %d kbpf %d", m,
				       k, (int)ret[0], (int)ret[1]);
		}
	both(type, "lookup after the program's delete", map,
	     BPF_MAP_LOOKUP_ELEM, self, 0, 0, &n);
	/* User space creates, the program sees it. */
	both(type, "update by pidfd", map, BPF_MAP_UPDATE_ELEM, self, 0, 41,
	     &n);
	for (int s = 0; s < 2; s++)
		r[s] = run_prog(s, prog[3][s], &ret[s]);
	T_EQ(r[0], r[1]);
	T_EQ(ret[0], ret[1]);
	T_EQ(ret[1], 41);
	for (int s = 0; s < 2; s++) {
		for (int m = 0; m < 4; m++)
			side_close(s, prog[m][s]);
		side_close(s, map[s]);
		side_close(s, btf[s]);
	}
	kbpf_posix_set_task_hooks(NULL, NULL);
	close(self);
	printf("  %d program results compared with the kernel\n", n);
}

/* ---- kbpf only: owners dying, maps freed, unknown owners ---- */

static long kbpf_create(uint32_t type, long *btf)
{
	return create_simple(SIDE_KBPF, type, ID_PAIR, btf);
}

static void *self_prog_main(void *arg)
{
	long *prog = arg;
	uint32_t ret;

	if (run_prog(SIDE_KBPF, *prog, &ret) || ret != 0x2a01)
		*prog = -1;
	return NULL;
}

KBPF_TEST(
	local_storage_owner_death_frees,
	"a thread's task storage is freed when the thread exits, a socket's when the host reports it destroyed; values of live owners are freed with the map; no leak")
{
	long btf, map, prog, live0;
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t v = 5;
	pthread_t th;
	int key;

	T_ASSERT(sk >= 0);
	kbpf_posix_set_task_hooks(kbpf_posix_task_self, NULL);
	map = kbpf_create(BPF_MAP_TYPE_TASK_STORAGE, &btf);
	T_ASSERT(map >= 0);
	prog = load_prog(SIDE_KBPF, map, 0);
	T_ASSERT(prog >= 0);
	live0 = kbpf_posix_live_allocs();
	/* A thread gets storage from the program, then exits. */
	T_EQ(pthread_create(&th, NULL, self_prog_main, &prog), 0);
	T_EQ(pthread_join(th, NULL), 0);
	T_ASSERT(prog >= 0);
	T_EQ(kbpf_posix_live_allocs(), live0);
	/* This thread's storage stays (the thread lives). */
	{
		uint32_t ret;

		T_EQ(run_prog(SIDE_KBPF, prog, &ret), 0);
		T_EQ(ret, 0x2a01);
		T_ASSERT(kbpf_posix_live_allocs() > live0);
	}
	side_close(SIDE_KBPF, prog);
	side_close(SIDE_KBPF, map);
	side_close(SIDE_KBPF, btf);
	kbpf_posix_set_task_hooks(NULL, NULL);

	/* A socket's storage dies with the socket. */
	map = kbpf_create(BPF_MAP_TYPE_SK_STORAGE, &btf);
	T_ASSERT(map >= 0);
	live0 = kbpf_posix_live_allocs();
	key = sk;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &key, &v, 0), 0);
	T_ASSERT(kbpf_posix_live_allocs() > live0);
	T_EQ(kbpf_posix_owner_kill(KBPF_OWNER_SOCK, sk), 0);
	T_EQ(kbpf_posix_live_allocs(), live0);
	/* The fd now names a new socket owner without storage. */
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map, &key, &v, 0),
	     -ENOENT);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &key, &v, 0), 0);
	/* Closing the map frees the value of the live socket. */
	side_close(SIDE_KBPF, map);
	side_close(SIDE_KBPF, btf);
	close(sk);
}

KBPF_TEST(
	local_storage_two_maps_one_owner,
	"two storage maps on one owner keep separate values; deleting one, freeing the other map, then the owner's death leave nothing")
{
	long btf[2], map[2];
	int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	long live0 = kbpf_posix_live_allocs();
	uint64_t v;

	T_ASSERT(fd >= 0);
	for (int i = 0; i < 2; i++) {
		map[i] = kbpf_create(BPF_MAP_TYPE_INODE_STORAGE, &btf[i]);
		T_ASSERT(map[i] >= 0);
		v = 100 + (uint64_t)i;
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map[i], &fd, &v,
			       0),
		     0);
	}
	for (int i = 0; i < 2; i++) {
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[i], &fd, &v,
			       0),
		     0);
		T_EQ(v, 100 + (uint64_t)i);
	}
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM, map[0], &fd, NULL, 0),
	     0);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[1], &fd, &v, 0), 0);
	T_EQ(v, 101);
	side_close(SIDE_KBPF, map[1]);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[0], &fd, &v, 0),
	     -ENOENT);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map[0], &fd, &v, 0), 0);
	T_EQ(kbpf_posix_owner_kill(KBPF_OWNER_INODE, fd), 0);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[0], &fd, &v, 0),
	     -ENOENT);
	side_close(SIDE_KBPF, map[0]);
	for (int i = 0; i < 2; i++)
		side_close(SIDE_KBPF, btf[i]);
	T_EQ(kbpf_posix_live_allocs(), live0);
	close(fd);
}

static uint64_t made_up_task(const struct kbpf_host *h)
{
	(void)h;
	return 0xdead0000ull;
}

KBPF_TEST(
	local_storage_unknown_owner,
	"an owner the host does not know (a program's made-up pointer) is Linux's NULL owner: get gives NULL, delete -EINVAL")
{
	long btf, map, prog[2];
	uint32_t ret;

	/* current_task returns something no registry holds. */
	map = kbpf_create(BPF_MAP_TYPE_TASK_STORAGE, &btf);
	T_ASSERT(map >= 0);
	kbpf_posix_set_task_hooks(NULL, NULL); /* current task: 0 */
	prog[0] = load_prog(SIDE_KBPF, map, 0);
	prog[1] = load_prog(SIDE_KBPF, map, 1);
	T_ASSERT(prog[0] >= 0 && prog[1] >= 0);
	T_EQ(run_prog(SIDE_KBPF, prog[0], &ret), 0);
	T_EQ(ret, 1000);
	T_EQ(run_prog(SIDE_KBPF, prog[1], &ret), 0);
	T_EQ((int)ret, -EINVAL);
	/* A pointer that names nothing the host has. */
	kbpf_posix_set_task_hooks(made_up_task, NULL);
	T_EQ(run_prog(SIDE_KBPF, prog[0], &ret), 0);
	T_EQ(ret, 1000);
	T_EQ(run_prog(SIDE_KBPF, prog[1], &ret), 0);
	T_EQ((int)ret, -EINVAL);
	kbpf_posix_set_task_hooks(NULL, NULL);
}

/* ---- which program types may call the storage helpers ---- */

/* 1 if @side lets a program of @ptype call @helper, 0 if not, -1 unknown. */
static int helper_allowed(int side, uint32_t ptype, int helper, long map)
{
	struct bpf_insn p[8];
	char log[1024];
	union bpf_attr a;
	int n = 0;
	long fd;

	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOVK(2, 0);
	p[n++] = MOVK(3, 0);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(helper);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	memset(&a, 0, sizeof(a));
	a.prog_type = ptype;
	if (ptype == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = 0;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	side_close(side, fd);
	if (fd == -EINVAL && strstr(log, "cannot use helper"))
		return 0;
	return 1;
}

KBPF_TEST(
	storage_helper_availability_vs_kernel,
	"which program types may call the eight storage helpers is the kernel's (Linux's 'cannot use helper' refusal, or not)")
{
	static const uint32_t ptypes[] = {
		BPF_PROG_TYPE_SOCKET_FILTER,
		BPF_PROG_TYPE_KPROBE,
		BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_SCHED_ACT,
		BPF_PROG_TYPE_TRACEPOINT,
		BPF_PROG_TYPE_XDP,
		BPF_PROG_TYPE_PERF_EVENT,
		BPF_PROG_TYPE_CGROUP_SKB,
		BPF_PROG_TYPE_CGROUP_DEVICE,
		BPF_PROG_TYPE_CGROUP_SYSCTL,
		BPF_PROG_TYPE_RAW_TRACEPOINT,
		BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
		BPF_PROG_TYPE_SYSCALL,
	};
	static const struct {
		int get, del;
		uint32_t map;
	} h[] = {
		{ BPF_FUNC_task_storage_get, BPF_FUNC_task_storage_delete,
		  BPF_MAP_TYPE_TASK_STORAGE },
		{ BPF_FUNC_sk_storage_get, BPF_FUNC_sk_storage_delete,
		  BPF_MAP_TYPE_SK_STORAGE },
		{ BPF_FUNC_inode_storage_get, BPF_FUNC_inode_storage_delete,
		  BPF_MAP_TYPE_INODE_STORAGE },
		{ BPF_FUNC_cgrp_storage_get, BPF_FUNC_cgrp_storage_delete,
		  BPF_MAP_TYPE_CGRP_STORAGE },
	};
	int n = 0, yes = 0, bad = 0;

	NEED_KERNEL();
	for (size_t k = 0; k < 4; k++) {
		long map[2], btf[2];

		for (int s = 0; s < 2; s++) {
			map[s] = create_simple(s, h[k].map, ID_PAIR, &btf[s]);
			T_ASSERT(map[s] >= 0);
		}
		for (size_t t = 0; t < sizeof(ptypes) / sizeof(ptypes[0]); t++)
			for (int d = 0; d < 2; d++) {
				int f = d ? h[k].del : h[k].get;
				int r[2];

				for (int s = 0; s < 2; s++)
					r[s] = helper_allowed(s, ptypes[t], f,
							      map[s]);
				n++;
				yes += r[0];
				if (getenv("KBPF_TEST_VERBOSE"))
					printf("  type %u helper %d: %d\n",
					       ptypes[t], f, r[0]);
				if (r[0] != r[1]) {
					printf("  program type %u helper %d: kernel %s, kbpf %s\n",
					       ptypes[t], f,
					       r[0] ? "allows" : "refuses",
					       r[1] ? "allows" : "refuses");
					bad++;
				}
			}
		for (int s = 0; s < 2; s++) {
			side_close(s, map[s]);
			side_close(s, btf[s]);
		}
	}
	printf("  %d helper/type pairs compared with the kernel, %d allowed\n",
	       n, yes);
	T_EQ(bad, 0);
}

/* r1 = map; r2 = r3 = r4 = 0; call @helper (a key on the stack for map_*). */
static long load_call(int side, long map, int helper)
{
	struct bpf_insn p[12];
	union bpf_attr a;
	int n = 0;

	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0);
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	if (helper == BPF_FUNC_map_lookup_elem) {
		p[n++] = MOV(2, 10);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8);
	} else {
		p[n++] = MOVK(2, 0);
	}
	p[n++] = MOVK(3, 0);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(helper);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

KBPF_TEST(
	storage_map_helper_pairs_vs_kernel,
	"with the verifier enforcing: storage maps go only to their own get/delete helpers and those helpers only take their map type, as the kernel refuses the rest at load")
{
	static const int helpers[] = { BPF_FUNC_task_storage_get,
				       BPF_FUNC_task_storage_delete,
				       BPF_FUNC_cgrp_storage_get,
				       BPF_FUNC_cgrp_storage_delete,
				       BPF_FUNC_map_lookup_elem };
	static const uint32_t maps[] = { BPF_MAP_TYPE_TASK_STORAGE,
					 BPF_MAP_TYPE_CGRP_STORAGE,
					 BPF_MAP_TYPE_SK_STORAGE,
					 BPF_MAP_TYPE_ARRAY };
	int n = 0, bad = 0;

	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t m = 0; m < 4; m++) {
		long map[2], btf[2] = { -1, -1 };

		for (int s = 0; s < 2; s++) {
			if (maps[m] == BPF_MAP_TYPE_ARRAY)
				map[s] = side_create(s, maps[m], 4, 8, 1, 0, 0,
						     NULL);
			else
				map[s] = create_simple(s, maps[m], ID_PAIR,
						       &btf[s]);
			if (map[s] < 0)
				bad++;
		}
		if (map[0] < 0 || map[1] < 0)
			break;
		for (size_t h = 0; h < 5; h++) {
			long fd[2];

			for (int s = 0; s < 2; s++)
				fd[s] = load_call(s, map[s], helpers[h]);
			n++;
			if (!same_result(fd[0], fd[1]))
				printf("  map type %u helper %d: kernel %s kbpf %s\n",
				       maps[m], helpers[h],
				       oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1])),
					bad++;
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
		for (int s = 0; s < 2; s++) {
			side_close(s, map[s]);
			side_close(s, btf[s]);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("  %d map/helper pairs compared with the kernel\n", n);
	T_EQ(bad, 0);
}

/* ---- BPF_F_CLONE: an accepted socket gets the listener's values ---- */

#include <netinet/in.h>

KBPF_TEST(
	sk_storage_clone_vs_kernel,
	"a socket accepted from a listener has copies of the listener's values in BPF_F_CLONE maps (lock words free) and none in other maps, as on the kernel (kbpf: the host's accept hook calls kbpf_local_storage_owner_clone)")
{
	static const struct {
		uint32_t flags, vid;
	} m[] = {
		{ BPF_F_NO_PREALLOC | BPF_F_CLONE, ID_PAIR },
		{ BPF_F_NO_PREALLOC, ID_PAIR },
		{ BPF_F_NO_PREALLOC | BPF_F_CLONE, ID_LV },
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	long map[3][2], btf[2];
	int lfd, cfd, afd, n = 0;
	uint32_t type = BPF_MAP_TYPE_SK_STORAGE;

	NEED_KERNEL();
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(lfd >= 0);
	T_EQ(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(lfd, 4), 0);
	T_EQ(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
	for (int s = 0; s < 2; s++) {
		btf[s] = load_btf(s, 8);
		T_ASSERT(btf[s] >= 0);
		for (int i = 0; i < 3; i++) {
			struct ccase c = { m[i].flags, 0,	 4, 8,
					   ID_INT,     m[i].vid, 0 };

			map[i][s] = create(s, type, &c, btf[s]);
			T_ASSERT(map[i][s] >= 0);
		}
	}
	for (int i = 0; i < 3; i++)
		both(type, "listener update", map[i], BPF_MAP_UPDATE_ELEM, lfd,
		     0, 0x1234000000000000ull + (uint64_t)i, &n);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(cfd >= 0);
	T_EQ(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	afd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	T_ASSERT(afd >= 0);
	/* The kernel cloned at accept; the POSIX host's accept hook: */
	T_EQ(kbpf_posix_owner_clone(KBPF_OWNER_SOCK, lfd, afd), 0);
	for (int i = 0; i < 3; i++) {
		both(type, "accepted lookup", map[i], BPF_MAP_LOOKUP_ELEM, afd,
		     0, 0, &n);
		both(type, "connecting lookup", map[i], BPF_MAP_LOOKUP_ELEM,
		     cfd, 0, 0, &n);
		both(type, "accepted update EXIST", map[i], BPF_MAP_UPDATE_ELEM,
		     afd, BPF_EXIST, 7, &n);
		both(type, "listener lookup", map[i], BPF_MAP_LOOKUP_ELEM, lfd,
		     0, 0, &n);
	}
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 3; i++)
			side_close(s, map[i][s]);
		side_close(s, btf[s]);
	}
	close(afd);
	close(cfd);
	close(lfd);
	printf("  %d results compared with the kernel\n", n);
}
