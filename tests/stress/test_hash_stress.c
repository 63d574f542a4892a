// SPDX-License-Identifier: MIT
/*
 * Hash maps under concurrency: writer threads on distinct virtual CPUs
 * update, delete and look up keys of their own through the program path and
 * bpf(2), while an iterator walks the whole map with GET_NEXT_KEY, batch
 * lookups and for_each. Run under TSan in CI. Invariants checked after the
 * threads join: a plain hash holds exactly the keys its writers left in it
 * (nothing lost, nothing duplicated), with the last value written; an LRU
 * holds a subset of them, never more than max_entries; a writer always reads
 * back its own last value.
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

#define WRITERS 4
#define KEYS_PER_WRITER 300
#define OPS_PER_WRITER 30000

struct harg {
	struct kbpf_map *map;
	int fd;
	unsigned int cpu;
	int writer;
	int lru, percpu;
	uint64_t *last; /* KEYS_PER_WRITER: 0 = absent, else value written */
	atomic_int *running;
	atomic_int failed;
};

static long sys_update(int fd, const void *key, const void *value,
		       uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)) ? -errno : 0;
}

static long sys_elem(int cmd, int fd, const void *key, void *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	return kbpf_posix_bpf(cmd, &a, sizeof(a)) ? -errno : 0;
}

/* A value an LRU eviction may be rewriting under us (see the caller). */
__attribute__((no_sanitize("thread"), noinline)) static uint64_t
racy_read(const uint64_t *p)
{
	return *(const volatile uint64_t *)p;
}

static void *writer(void *p)
{
	struct harg *a = p;
	const struct kbpf_host *h = kbpf_posix_host();
	uint64_t seed = 77 + (uint64_t)a->writer;
	uint64_t vals[16];

	kbpf_posix_set_cpu(a->cpu);
	for (int i = 0; i < OPS_PER_WRITER; i++) {
		uint64_t x = kbpf_test_rand(&seed);
		uint32_t ki = (uint32_t)(x >> 16) % KEYS_PER_WRITER;
		uint32_t key = (uint32_t)a->writer * 100000 + ki;
		uint64_t v = ((uint64_t)key << 32) | (uint32_t)i;
		int op = (int)(x % 8);
		unsigned long st;
		long r = 0;

		if (op < 3) {
			/* Program path, as a program run would: read section. */
			st = h->read_lock(h);
			r = kbpf_map_update_elem(a->map, &key, &v, BPF_ANY);
			h->read_unlock(h, st);
			if (r == 0)
				a->last[ki] = v;
		} else if (op < 5) {
			for (int c = 0; c < 16; c++)
				vals[c] = v;
			r = sys_update(a->fd, &key, vals, BPF_ANY);
			if (r == 0)
				a->last[ki] = v;
		} else if (op < 6) {
			r = sys_elem(BPF_MAP_DELETE_ELEM, a->fd, &key, NULL);
			if (r == 0)
				a->last[ki] = 0;
			else if (r != -ENOENT || (a->last[ki] && !a->lru))
				atomic_store(&a->failed, 1);
			if (r == -ENOENT)
				a->last[ki] = 0; /* evicted (LRU) */
		} else {
			uint64_t *pv;

			st = h->read_lock(h);
			pv = kbpf_map_lookup_elem(a->map, &key);
			/*
			 * Our own key: nobody else writes or deletes it, but
			 * an LRU may evict it and hand its node to another
			 * key while we look (Linux's reuse race): then the
			 * key must be gone.
			 */
			if (pv && racy_read(pv) != a->last[ki]) {
				uint64_t chk[16];

				if (!a->lru ||
				    sys_elem(BPF_MAP_LOOKUP_ELEM, a->fd, &key,
					     chk) != -ENOENT)
					atomic_store(&a->failed, 1);
				a->last[ki] = 0;
			}
			if (!pv && a->last[ki] && !a->lru)
				atomic_store(&a->failed, 1);
			if (!pv)
				a->last[ki] = 0;
			h->read_unlock(h, st);
		}
		if (r && r != -ENOENT && r != -E2BIG &&
		    !(a->lru && r == -ENOMEM))
			atomic_store(&a->failed, 1);
	}
	atomic_fetch_sub(a->running, 1);
	return NULL;
}

static long count_cb(struct kbpf_map *map, void *key, void *value, void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

/* Walks the map while writers run: every walk must terminate. */
static void *iterator(void *p)
{
	struct harg *a = p;
	const struct kbpf_host *h = kbpf_posix_host();
	uint32_t key, next, keys[64];
	static uint64_t vals[64 * 16];
	long n;

	kbpf_posix_set_cpu(a->cpu);
	while (atomic_load(a->running) > 0) {
		union bpf_attr at;
		uint32_t out;
		int first = 1, steps = 0;

		while (sys_elem(BPF_MAP_GET_NEXT_KEY, a->fd,
				first ? NULL : &key, &next) == 0 &&
		       steps++ < 100000) {
			key = next;
			first = 0;
		}
		memset(&at, 0, sizeof(at));
		at.batch.map_fd = (uint32_t)a->fd;
		at.batch.out_batch = (uint64_t)(uintptr_t)&out;
		at.batch.keys = (uint64_t)(uintptr_t)keys;
		at.batch.values = (uint64_t)(uintptr_t)vals;
		at.batch.count = 64;
		kbpf_posix_bpf(BPF_MAP_LOOKUP_BATCH, &at, sizeof(at));
		/*
		 * No count check: a walk concurrent with deletes may see a
		 * reused element twice, in Linux too; it must only end.
		 */
		n = 0;
		unsigned long st = h->read_lock(h);
		kbpf_map_for_each(a->map, count_cb, &n, 0);
		h->read_unlock(h, st);
	}
	return NULL;
}

/*
 * Values are (key << 32 | the writer's op number), and each key has one
 * writer, so the value left is the last one its writer wrote (@last). A
 * per-CPU value: the writer's CPU holds @last; a slot of another CPU holds
 * what a bpf(2) update of all CPUs wrote for this key before, or zero.
 */
static void check_value(const char *what, uint32_t key, const uint64_t *vals,
			uint64_t last, int percpu, uint32_t writer_cpu)
{
	uint32_t ncpu = percpu ? kbpf_posix_host()->nr_cpus : 1;

	for (uint32_t c = 0; c < ncpu; c++) {
		uint64_t v = vals[c];

		if (!percpu || c == writer_cpu) {
			if (v != last)
				T_FAIL("%s: key %u cpu %u holds 0x%llx, last written 0x%llx",
				       what, key, c, (unsigned long long)v,
				       (unsigned long long)last);
		} else if (v &&
			   ((v >> 32) != key || (uint32_t)v > (uint32_t)last)) {
			T_FAIL("%s: key %u cpu %u holds 0x%llx, never written there before 0x%llx",
			       what, key, c, (unsigned long long)v,
			       (unsigned long long)last);
		}
	}
}

static void run_case(uint32_t type, uint32_t flags, uint32_t max,
		     const char *what)
{
	union bpf_attr at;
	pthread_t t[WRITERS + 1];
	struct harg args[WRITERS + 1];
	uint64_t *last = calloc(WRITERS * KEYS_PER_WRITER, sizeof(*last));
	atomic_int running = WRITERS;
	struct kbpf_obj *obj;
	int fd, lru = type == BPF_MAP_TYPE_LRU_HASH ||
		      type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	int percpu = type == BPF_MAP_TYPE_PERCPU_HASH ||
		     type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	long expected = 0, found = 0;
	uint32_t key, next;
	int first = 1;

	memset(&at, 0, sizeof(at));
	at.map_type = type;
	at.key_size = 4;
	at.value_size = 8;
	at.max_entries = max;
	at.map_flags = flags;
	fd = kbpf_posix_bpf(BPF_MAP_CREATE, &at, sizeof(at));
	if (fd < 0)
		T_FAIL("%s: create failed (%d)", what, errno);
	obj = kbpf_posix_fd_obj(fd);
	for (int i = 0; i <= WRITERS; i++) {
		args[i] = (struct harg){
			.map = kbpf_container_of(obj, struct kbpf_map, obj),
			.fd = fd,
			.cpu = (unsigned int)i,
			.writer = i,
			.lru = lru,
			.last = last + (size_t)i * KEYS_PER_WRITER,
			.running = &running,
		};
		pthread_create(&t[i], NULL, i < WRITERS ? writer : iterator,
			       &args[i]);
	}
	for (int i = 0; i <= WRITERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i <= WRITERS; i++)
		if (atomic_load(&args[i].failed))
			T_FAIL("%s: thread %d saw a wrong result", what, i);
	for (int i = 0; i < WRITERS * KEYS_PER_WRITER; i++)
		expected += last[i] != 0;
	/* Walk once: every key seen once, each one expected, value right. */
	while (sys_elem(BPF_MAP_GET_NEXT_KEY, fd, first ? NULL : &key, &next) ==
	       0) {
		uint32_t w = next / 100000, ki = next % 100000;
		uint64_t vals[16];

		first = 0;
		key = next;
		if (w >= WRITERS || ki >= KEYS_PER_WRITER)
			T_FAIL("%s: unknown key %u", what, next);
		if (sys_elem(BPF_MAP_LOOKUP_ELEM, fd, &key, vals))
			T_FAIL("%s: key %u listed but not found", what, key);
		if (last[w * KEYS_PER_WRITER + ki] == UINT64_MAX)
			T_FAIL("%s: key %u listed twice", what, key);
		if (!last[w * KEYS_PER_WRITER + ki])
			T_FAIL("%s: key %u present but deleted", what, key);
		check_value(what, key, vals, last[w * KEYS_PER_WRITER + ki],
			    percpu, w);
		found++;
		last[w * KEYS_PER_WRITER + ki] = UINT64_MAX;
	}
	max = args[0].map->max_entries; /* NO_COMMON_LRU rounds it up */
	if (lru ? found > expected || found > (long)max : found != expected)
		T_FAIL("%s: %ld keys in the map, %ld expected (max %u)", what,
		       found, expected, max);
	printf("  %s: %d ops on %d CPUs, %ld keys left, consistent\n", what,
	       WRITERS * OPS_PER_WRITER, WRITERS + 1, found);
	kbpf_obj_put(obj);
	kbpf_posix_close(fd);
	free(last);
}

/* One virtual CPU per thread: the program path assumes a CPU runs one thing. */
__attribute__((constructor)) static void eight_cpus(void)
{
	kbpf_posix_set_nr_cpus(8);
}

KBPF_TEST(
	hash_concurrent_writers,
	"hash maps under 4 writers and an iterator on distinct CPUs: no lost or duplicated keys, last values kept, LRU never above max_entries")
{
	T_ASSERT(kbpf_posix_host()->nr_cpus == 8);
	run_case(BPF_MAP_TYPE_HASH, 0, WRITERS * KEYS_PER_WRITER, "HASH");
	run_case(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC,
		 WRITERS * KEYS_PER_WRITER, "HASH no-prealloc");
	run_case(BPF_MAP_TYPE_PERCPU_HASH, 0, WRITERS * KEYS_PER_WRITER,
		 "PERCPU_HASH");
	run_case(BPF_MAP_TYPE_LRU_HASH, 0, 500, "LRU_HASH");
	run_case(BPF_MAP_TYPE_LRU_HASH, BPF_F_NO_COMMON_LRU, 500,
		 "LRU_HASH no-common");
	run_case(BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, 500, "LRU_PERCPU_HASH");
}

KBPF_TEST(
	hash_full_concurrent,
	"a full hash map under concurrent inserts never holds more than max_entries")
{
	run_case(BPF_MAP_TYPE_HASH, 0, 700, "HASH full");
	run_case(BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, 700,
		 "HASH no-prealloc full");
}
