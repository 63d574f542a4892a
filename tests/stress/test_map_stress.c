// SPDX-License-Identifier: MIT
/*
 * Maps under concurrency, each thread on its own virtual CPU, mixing the
 * program path and the syscall path. Run under TSan in CI (no race reports
 * allowed). Invariants: a queue loses and duplicates nothing; per-CPU
 * slots are isolated; references survive concurrent fd use.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/map.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define THREADS 4
#define PER_THREAD 20000

/*
 * One virtual CPU per thread (the program path assumes a CPU runs one
 * thing at a time), whatever this machine has: set before the host is used.
 */
__attribute__((constructor)) static void four_cpus(void)
{
	kbpf_posix_set_nr_cpus(THREADS);
}

struct qarg {
	struct kbpf_map *map;
	int fd;
	unsigned int cpu;
	uint32_t *seen; /* producers * PER_THREAD counters */
	atomic_long *popped;
	atomic_int *producers_left;
	int producer;
};

static void *producer(void *p)
{
	struct qarg *a = p;

	kbpf_posix_set_cpu(a->cpu);
	for (uint64_t i = 0; i < PER_THREAD; i++) {
		uint64_t v = (uint64_t)a->producer << 32 | i;
		long r;

		/* Half through the program path, half through bpf(2). */
		do {
			if (i & 1) {
				r = kbpf_map_push_elem(a->map, &v, 0);
			} else {
				union bpf_attr at;

				memset(&at, 0, sizeof(at));
				at.map_fd = (uint32_t)a->fd;
				at.value = (uint64_t)(uintptr_t)&v;
				r = kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &at,
						   sizeof(at)) ?
					    -errno :
					    0;
			}
		} while (r == -KBPF_E2BIG || r == -KBPF_EBUSY);
		if (r)
			abort();
	}
	atomic_fetch_sub(a->producers_left, 1);
	return NULL;
}

static void *consumer(void *p)
{
	struct qarg *a = p;

	kbpf_posix_set_cpu(a->cpu);
	for (;;) {
		uint64_t v;
		/*
		 * Read "producers done" before popping: an empty queue then
		 * means nothing more can come (reading it after the pop
		 * misses elements pushed in between).
		 */
		int done = !atomic_load(a->producers_left);
		long r = kbpf_map_pop_elem(a->map, &v);

		if (r == -KBPF_ENOENT) {
			if (done)
				break;
			continue;
		}
		if (r == -KBPF_EBUSY)
			continue;
		if (r)
			abort();
		/* Each value has one owner slot; a duplicate shows as 2. */
		__atomic_fetch_add(
			&a->seen[(v >> 32) * PER_THREAD + (uint32_t)v], 1,
			__ATOMIC_RELAXED);
		atomic_fetch_add(a->popped, 1);
	}
	return NULL;
}

KBPF_TEST(
	queue_conservation,
	"2 producers and 2 consumers on distinct CPUs: every pushed element is popped exactly once")
{
	const struct kbpf_host *h = kbpf_posix_host();
	union bpf_attr at;
	pthread_t t[THREADS];
	struct qarg args[THREADS];
	atomic_long popped = 0;
	atomic_int left = 2;
	uint32_t *seen = calloc(2 * PER_THREAD, sizeof(*seen));
	struct kbpf_obj *obj;
	int fd;

	T_EQ(h->nr_cpus, THREADS);
	memset(&at, 0, sizeof(at));
	at.map_type = BPF_MAP_TYPE_QUEUE;
	at.value_size = 8;
	at.max_entries = 64;
	fd = kbpf_posix_bpf(BPF_MAP_CREATE, &at, sizeof(at));
	T_ASSERT(fd >= 0);
	obj = kbpf_posix_fd_obj(fd);
	for (int i = 0; i < THREADS; i++) {
		args[i] = (struct qarg){
			.map = kbpf_container_of(obj, struct kbpf_map, obj),
			.fd = fd,
			.cpu = (unsigned int)i % h->nr_cpus,
			.seen = seen,
			.popped = &popped,
			.producers_left = &left,
			.producer = i,
		};
		pthread_create(&t[i], NULL, i < 2 ? producer : consumer,
			       &args[i]);
	}
	for (int i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	T_EQ(atomic_load(&popped), 2 * PER_THREAD);
	for (int i = 0; i < 2 * PER_THREAD; i++)
		if (seen[i] != 1)
			T_FAIL("element %d seen %u times", i, seen[i]);
	kbpf_obj_put(obj);
	kbpf_posix_close(fd);
	free(seen);
}

struct parg {
	struct kbpf_map *map;
	unsigned int cpu;
};

static void *percpu_worker(void *p)
{
	struct parg *a = p;
	uint32_t key = 3;

	kbpf_posix_set_cpu(a->cpu);
	for (int i = 0; i < PER_THREAD; i++) {
		uint64_t *v = kbpf_map_lookup_elem(a->map, &key);

		(*v)++; /* no atomics: the slot is this CPU's alone */
	}
	return NULL;
}

KBPF_TEST(
	percpu_isolation,
	"one thread per virtual CPU increments its PERCPU_ARRAY slot without atomics; totals are exact")
{
	const struct kbpf_host *h = kbpf_posix_host();
	union bpf_attr at;
	struct kbpf_map *map;
	pthread_t t[KBPF_MAX_CPUS];
	struct parg args[KBPF_MAX_CPUS];
	uint32_t key = 3;

	memset(&at, 0, sizeof(at));
	at.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	at.key_size = 4;
	at.value_size = 8;
	at.max_entries = 4;
	T_EQ(kbpf_map_create(h, &at, &map), 0);
	for (uint32_t c = 0; c < h->nr_cpus; c++) {
		args[c] = (struct parg){ map, c };
		pthread_create(&t[c], NULL, percpu_worker, &args[c]);
	}
	for (uint32_t c = 0; c < h->nr_cpus; c++)
		pthread_join(t[c], NULL);
	for (uint32_t c = 0; c < h->nr_cpus; c++)
		T_EQ(*(uint64_t *)kbpf_map_lookup_percpu_elem(map, &key, c),
		     PER_THREAD);
	kbpf_map_put(map);
}

#define FD_USERS 3
#define FD_ROUNDS 3000
#define FD_MAGIC 0x6b627066ULL

static atomic_int fd_cur = -1, fd_stop;
static atomic_long fd_calls, fd_bad;

/*
 * bpf(2) on whatever map fd is current: 0 or -EBADF, whole values only.
 * Each user has its own key: concurrent array updates of one value race by
 * design, in Linux as in kbpf (BPF_F_LOCK is for that).
 */
static void *fd_user(void *p)
{
	kbpf_posix_set_cpu((unsigned int)(uintptr_t)p);
	while (!atomic_load(&fd_stop)) {
		union bpf_attr at;
		uint32_t key = (uint32_t)(uintptr_t)p;
		uint64_t v = FD_MAGIC, out = 0;
		long r;

		memset(&at, 0, sizeof(at));
		at.map_fd = (uint32_t)atomic_load(&fd_cur);
		at.key = (uint64_t)(uintptr_t)&key;
		at.value = (uint64_t)(uintptr_t)&v;
		r = kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &at, sizeof(at)) ?
			    -errno :
			    0;
		if (r && r != -EBADF)
			atomic_fetch_add(&fd_bad, 1);
		at.value = (uint64_t)(uintptr_t)&out;
		r = kbpf_posix_bpf(BPF_MAP_LOOKUP_ELEM, &at, sizeof(at)) ?
			    -errno :
			    0;
		/* A fresh map holds 0; else the one value anyone writes. */
		if ((r && r != -EBADF) || (!r && out != 0 && out != FD_MAGIC))
			atomic_fetch_add(&fd_bad, 1);
		atomic_fetch_add(&fd_calls, 2);
	}
	return NULL;
}

KBPF_TEST(
	map_fd_close_while_used,
	"bpf(2) on a map fd from 3 CPUs while another closes and re-creates it: each call succeeds or gives -EBADF, values stay whole, nothing leaks")
{
	const struct kbpf_host *h = kbpf_posix_host();
	pthread_t t[FD_USERS];
	union bpf_attr at;
	long live;
	int fd;

	T_ASSERT(h->nr_cpus >= FD_USERS + 1);
	live = kbpf_posix_live_allocs();
	memset(&at, 0, sizeof(at));
	at.map_type = BPF_MAP_TYPE_ARRAY;
	at.key_size = 4;
	at.value_size = 8;
	at.max_entries = 4;
	fd = kbpf_posix_bpf(BPF_MAP_CREATE, &at, sizeof(at));
	T_ASSERT(fd >= 0);
	atomic_store(&fd_cur, fd);
	for (uintptr_t i = 0; i < FD_USERS; i++)
		pthread_create(&t[i], NULL, fd_user, (void *)(i + 1));
	kbpf_posix_set_cpu(0);
	for (int r = 0; r < FD_ROUNDS; r++) {
		int nfd;

		/* The old fd goes while users may be inside a call on it. */
		kbpf_posix_close(fd);
		nfd = kbpf_posix_bpf(BPF_MAP_CREATE, &at, sizeof(at));
		if (nfd < 0)
			abort();
		fd = nfd;
		atomic_store(&fd_cur, fd);
	}
	atomic_store(&fd_stop, 1);
	for (int i = 0; i < FD_USERS; i++)
		pthread_join(t[i], NULL);
	kbpf_posix_close(fd);
	printf("  %ld calls during %d close/create rounds\n",
	       atomic_load(&fd_calls), FD_ROUNDS);
	T_EQ(atomic_load(&fd_bad), 0);
	T_ASSERT(atomic_load(&fd_calls) > 0);
	T_EQ(kbpf_posix_live_allocs(), live);
}
