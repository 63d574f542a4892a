// SPDX-License-Identifier: MIT
/*
 * STACK_TRACE under concurrency (run under TSan in CI): threads on their
 * own virtual CPUs store traces with bpf_get_stackid's core while another
 * thread reads, iterates and deletes ids through bpf(2). Invariants: every
 * id returned, read right away by its own thread, holds a whole trace (one
 * writer's frames, then zeros): its own trace of the right length unless
 * the reader deleted it or another writer's REUSE_STACKID replaced it since;
 * no call fails but with the documented errnos, and the map frees
 * everything at the end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "core/map.h"
#include "kbpf/stackmap.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define WRITERS 3
#define ROUNDS 20000

static struct kbpf_map *map;
static int map_fd;
static atomic_int stop;
static atomic_long stored, refused, bad, own;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

#define FRAME(cpu, m) (0xffffffff81000000ull + (cpu)*0x1000 + (uint64_t)(m)*16)

/*
 * A whole trace: frames FRAME(cpu, m), FRAME(cpu, m + 1 mod 97), ... of one
 * writer, then zeros. Returns its length (0 if not whole); *cpu, *m0 its
 * writer and first frame.
 */
static int whole_trace(const uint64_t *val, unsigned int *cpu, uint64_t *m0)
{
	uint64_t base;
	int n = 0;

	if (!val[0])
		return 0;
	base = val[0] & ~0xfffull;
	*cpu = (unsigned int)((val[0] - 0xffffffff81000000ull) >> 12);
	*m0 = (val[0] & 0xfff) / 16;
	if (base != FRAME(*cpu, 0) || *cpu < 1 || *cpu > WRITERS ||
	    (val[0] & 15) || *m0 >= 97)
		return 0;
	while (n < 8 && val[n]) {
		if (val[n] != FRAME(*cpu, (*m0 + (uint64_t)n) % 97))
			return 0;
		n++;
	}
	for (int k = n; k < 8; k++)
		if (val[k])
			return 0;
	return n;
}

/* Read @id back right after storing @trace (@len frames) as @cpu. */
static void read_back(long id, const uint64_t *trace, int len, unsigned int cpu)
{
	uint32_t key = (uint32_t)id;
	uint64_t val[8], m0;
	unsigned int wcpu;
	union bpf_attr a;
	long r;
	int n;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map_fd;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)val;
	r = sys(BPF_MAP_LOOKUP_ELEM, &a);
	if (r == -ENOENT)
		return; /* the reader deleted it */
	n = r ? 0 : whole_trace(val, &wcpu, &m0);
	if (!n)
		atomic_fetch_add(&bad, 1);
	else if (wcpu == cpu && val[0] == trace[0] && n == len)
		atomic_fetch_add(&own, 1);
}

static void *writer(void *arg)
{
	unsigned int cpu = (unsigned int)(uintptr_t)arg;
	uint64_t trace[8];
	int i, k;

	kbpf_posix_set_cpu(cpu);
	for (i = 0; i < ROUNDS; i++) {
		long id;

		for (k = 0; k < 8; k++)
			trace[k] = FRAME(cpu, (i * 7 + k) % 97);
		id = kbpf_stackmap_get_stackid(map, trace, 1 + i % 8,
					       i % 3 ? BPF_F_REUSE_STACKID : 0);
		if (id >= 0) {
			atomic_fetch_add(&stored, 1);
			read_back(id, trace, 1 + i % 8, cpu);
		} else if (id == -EEXIST || id == -ENOMEM)
			atomic_fetch_add(&refused, 1);
		else
			atomic_fetch_add(&bad, 1);
	}
	return NULL;
}

static void *reader(void *arg)
{
	uint64_t val[8];
	uint32_t key, next;
	union bpf_attr a;

	(void)arg;
	kbpf_posix_set_cpu(0);
	while (!atomic_load(&stop)) {
		long r;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)map_fd;
		a.key = 0;
		a.next_key = (uint64_t)(uintptr_t)&next;
		r = sys(BPF_MAP_GET_NEXT_KEY, &a);
		while (!r) {
			key = next;
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map_fd;
			a.key = (uint64_t)(uintptr_t)&key;
			a.value = (uint64_t)(uintptr_t)val;
			r = sys(key % 2 ? BPF_MAP_LOOKUP_ELEM :
					  BPF_MAP_LOOKUP_AND_DELETE_ELEM,
				&a);
			if (r && r != -ENOENT)
				atomic_fetch_add(&bad, 1);
			if (!r) {
				unsigned int c;
				uint64_t m;

				if (!whole_trace(val, &c, &m))
					atomic_fetch_add(&bad, 1);
			}
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map_fd;
			a.key = (uint64_t)(uintptr_t)&key;
			a.next_key = (uint64_t)(uintptr_t)&next;
			r = sys(BPF_MAP_GET_NEXT_KEY, &a);
		}
	}
	return NULL;
}

KBPF_TEST(
	stackmap_concurrent,
	"bpf_get_stackid on 3 CPUs while bpf(2) reads, iterates and deletes: only documented errnos, values intact, nothing leaks")
{
	pthread_t w[WRITERS], r;
	union bpf_attr a;
	long live;
	struct kbpf_obj *o;

	kbpf_posix_set_nr_cpus(WRITERS + 1);
	if (kbpf_posix_host()->nr_cpus < WRITERS + 1)
		T_SKIP("needs %d possible CPUs", WRITERS + 1);
	live = kbpf_posix_live_allocs();
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_STACK_TRACE;
	a.key_size = 4;
	a.value_size = 64;
	a.max_entries = 64;
	map_fd = (int)sys(BPF_MAP_CREATE, &a);
	T_ASSERT(map_fd >= 0);
	o = kbpf_posix_fd_obj(map_fd);
	map = kbpf_container_of(o, struct kbpf_map, obj);
	pthread_create(&r, NULL, reader, NULL);
	for (uintptr_t i = 0; i < WRITERS; i++)
		pthread_create(&w[i], NULL, writer, (void *)(i + 1));
	for (int i = 0; i < WRITERS; i++)
		pthread_join(w[i], NULL);
	atomic_store(&stop, 1);
	pthread_join(r, NULL);
	printf("  %ld traces stored, %ld read back as stored, %ld refused (EEXIST/ENOMEM)\n",
	       atomic_load(&stored), atomic_load(&own), atomic_load(&refused));
	T_EQ(atomic_load(&bad), 0);
	T_ASSERT(atomic_load(&stored) > 0);
	T_ASSERT(atomic_load(&own) > 0);
	kbpf_obj_put(o);
	kbpf_posix_close(map_fd);
	T_EQ(kbpf_posix_live_allocs(), live);
}
