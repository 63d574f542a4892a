// SPDX-License-Identifier: MIT
/*
 * DEVMAP and DEVMAP_HASH lookups under concurrency (run under
 * TSan in CI): threads on their own virtual CPUs look entries up as
 * bpf_redirect_map does while another thread inserts, replaces and deletes
 * them through bpf(2). Invariants: a lookup sees either nothing or a whole
 * entry (its ifindex is the loopback's), and nothing leaks.
 */
#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "kbpf/devmap.h"
#include "core/map.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define READERS 3
#define ROUNDS 20000

static struct kbpf_map *maps[2];
static uint32_t lo;
static atomic_int stop;
static atomic_long seen, bad;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static void *reader(void *arg)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint32_t k = 0;

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		unsigned long st = h->read_lock(h);

		for (int m = 0; m < 2; m++) {
			const struct bpf_devmap_val *v =
				kbpf_devmap_lookup(maps[m], k % 8);

			/* Whole: the loopback and no program, as written. */
			if (v && (v->ifindex != lo || v->bpf_prog.id))
				atomic_fetch_add(&bad, 1);
			else if (v)
				atomic_fetch_add(&seen, 1);
		}
		h->read_unlock(h, st);
		k++;
	}
	return NULL;
}

KBPF_TEST(
	devmap_concurrent,
	"device map lookups on 3 CPUs while bpf(2) inserts, replaces and deletes: whole entries only, nothing leaks")
{
	pthread_t t[READERS];
	long fd[2], live;
	union bpf_attr a;

	lo = if_nametoindex("lo");
	if (!lo)
		T_SKIP("no loopback device");
	kbpf_posix_set_nr_cpus(READERS + 1);
	if (kbpf_posix_host()->nr_cpus < READERS + 1)
		T_SKIP("needs %d possible CPUs", READERS + 1);
	live = kbpf_posix_live_allocs();
	for (int m = 0; m < 2; m++) {
		memset(&a, 0, sizeof(a));
		a.map_type = m ? BPF_MAP_TYPE_DEVMAP_HASH : BPF_MAP_TYPE_DEVMAP;
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 8;
		fd[m] = sys(BPF_MAP_CREATE, &a);
		T_ASSERT(fd[m] >= 0);
		maps[m] = kbpf_container_of(kbpf_posix_fd_obj((int)fd[m]),
					    struct kbpf_map, obj);
	}
	for (uintptr_t i = 0; i < READERS; i++)
		pthread_create(&t[i], NULL, reader, (void *)(i + 1));
	kbpf_posix_set_cpu(0);
	for (int r = 0; r < ROUNDS; r++) {
		uint32_t key = (uint32_t)(r * 7) % 8, v[2] = { lo, 0 };
		int m = r % 2;
		long e;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd[m];
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)v;
		if (r % 3 == 2) {
			a.value = 0; /* past the command's last field */
			e = sys(BPF_MAP_DELETE_ELEM, &a);
			if (e != 0 && e != -ENOENT)
				T_FAIL("delete %u on map %d: %ld", key, m, e);
		} else {
			e = sys(BPF_MAP_UPDATE_ELEM, &a);
			T_EQ(e, 0);
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	printf("  %ld entries seen whole\n", atomic_load(&seen));
	T_EQ(atomic_load(&bad), 0);
	for (int m = 0; m < 2; m++) {
		kbpf_map_put(maps[m]);
		kbpf_posix_close((int)fd[m]);
	}
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
}
