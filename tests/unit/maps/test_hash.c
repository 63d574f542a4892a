// SPDX-License-Identifier: MIT
/*
 * Hash maps without the kernel: allocation failures (creation, and updates
 * of BPF_F_NO_PREALLOC maps, from the program path and bpf(2), batch too),
 * the program-path API (for_each, lookup_percpu_elem bounds), memory
 * accounting and the free of a map with elements waiting for a grace period.
 */
#include <errno.h>
#include <stdlib.h>

#include "core/compiler.h"
#include "core/map.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static const uint32_t types[] = { BPF_MAP_TYPE_HASH, BPF_MAP_TYPE_PERCPU_HASH,
				  BPF_MAP_TYPE_LRU_HASH,
				  BPF_MAP_TYPE_LRU_PERCPU_HASH };

static struct kbpf_map *make(uint32_t type, uint32_t ks, uint32_t vs,
			     uint32_t max, uint32_t flags)
{
	union bpf_attr a;
	struct kbpf_map *m;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	return kbpf_map_create(kbpf_posix_host(), &a, &m) ? NULL : m;
}

KBPF_TEST(
	hash_create_alloc_failures,
	"every allocation failure while creating any hash type gives -ENOMEM and leaks nothing")
{
	int points = 0;

	for (size_t t = 0; t < 4; t++) {
		for (int np = 0; np < 2; np++) {
			for (int nc = 0; nc < 2; nc++) {
				uint32_t fl = (np ? BPF_F_NO_PREALLOC : 0) |
					      (nc ? BPF_F_NO_COMMON_LRU : 0);
				int lru = types[t] == BPF_MAP_TYPE_LRU_HASH ||
					  types[t] ==
						  BPF_MAP_TYPE_LRU_PERCPU_HASH;

				if ((lru && np) || (!lru && nc))
					continue;
				for (long n = 0;; n++) {
					long live = kbpf_posix_live_allocs();
					struct kbpf_map *m;

					kbpf_posix_fail_alloc_after(n);
					m = make(types[t], 4, 8, 64, fl);
					kbpf_posix_fail_alloc_after(-1);
					if (m) {
						kbpf_map_put(m);
						T_EQ(kbpf_posix_live_allocs(),
						     live);
						break;
					}
					points++;
					T_EQ(kbpf_posix_live_allocs(), live);
				}
			}
		}
	}
	printf("  %d allocation failure points checked\n", points);
	T_ASSERT(points >= 20);
}

KBPF_TEST(
	hash_noprealloc_update_failures,
	"a failed element allocation in a BPF_F_NO_PREALLOC update gives -ENOMEM, changes nothing and leaks nothing; the map stays usable")
{
	for (int pc = 0; pc < 2; pc++) {
		long base = kbpf_posix_live_allocs();
		struct kbpf_map *m =
			make(pc ? BPF_MAP_TYPE_PERCPU_HASH : BPF_MAP_TYPE_HASH,
			     4, 8, 16, BPF_F_NO_PREALLOC);
		uint64_t v = 7;
		uint32_t k;
		long live;

		T_ASSERT(m);
		for (k = 0; k < 8; k++)
			T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
		live = kbpf_posix_live_allocs();
		/* A new key and (except per-CPU: in place) a replacement need an element. */
		for (k = pc ? 8 : 7; k < 9; k++) {
			kbpf_posix_fail_alloc_after(0);
			T_EQ(kbpf_map_update_elem(m, &k, &v, 0), -KBPF_ENOMEM);
			kbpf_posix_fail_alloc_after(-1);
		}
		T_EQ(kbpf_posix_live_allocs(), live);
		k = 8;
		T_ASSERT(kbpf_map_lookup_elem(m, &k) == NULL);
		k = 7;
		T_ASSERT(kbpf_map_lookup_elem(m, &k) != NULL);
		/* The failed insert did not use up a slot: 16 fit. */
		for (k = 8; k < 16; k++)
			T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
		T_EQ(kbpf_map_update_elem(m, &k, &v, 0), -KBPF_E2BIG);
		kbpf_map_put(m);
		T_EQ(kbpf_posix_live_allocs(), base);
	}
}

KBPF_TEST(
	hash_syscall_alloc_failures,
	"every allocation failure on the bpf(2) hash path (update, lookup, next key, lookup-and-delete, batches) gives ENOMEM and leaks nothing")
{
	int points = 0;

	for (size_t t = 0; t < 4; t++) {
		for (int cmd = 0; cmd < 6; cmd++) {
			for (long n = 0;; n++) {
				uint32_t keys[4] = { 1, 2, 3, 4 }, out, cnt;
				int lru = t >= 2;
				uint64_t vals[4 * 64] = { 1 };
				long live, base = kbpf_posix_live_allocs();
				union bpf_attr a;
				int fd, r, e;

				memset(&a, 0, sizeof(a));
				a.map_type = types[t];
				a.key_size = 4;
				a.value_size = 8;
				a.max_entries = 8;
				a.map_flags = lru ? 0 : BPF_F_NO_PREALLOC;
				fd = kbpf_posix_bpf(BPF_MAP_CREATE, &a,
						    sizeof(a));
				if (fd < 0)
					T_FAIL("type %u cmd %d n %ld: create: %d",
					       types[t], cmd, n, errno);
				memset(&a, 0, sizeof(a));
				a.map_fd = (uint32_t)fd;
				a.key = (uint64_t)(uintptr_t)&keys[0];
				a.value = (uint64_t)(uintptr_t)vals;
				T_EQ(kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a,
						    sizeof(a)),
				     0);
				live = kbpf_posix_live_allocs();
				memset(&a, 0, sizeof(a));
				if (cmd < 4) {
					a.map_fd = (uint32_t)fd;
					a.key = (uint64_t)(uintptr_t)&keys
						[cmd == 0 ? 1 : 0];
					a.value = (uint64_t)(uintptr_t)vals;
					/*
					 * value and next_key share a union;
					 * next key from the start succeeds.
					 */
					if (cmd == 2) {
						a.next_key =
							(uint64_t)(uintptr_t)&out;
						a.key = 0;
					}
				} else {
					cnt = 4;
					a.batch.map_fd = (uint32_t)fd;
					a.batch.keys =
						(uint64_t)(uintptr_t)keys;
					a.batch.values =
						(uint64_t)(uintptr_t)vals;
					a.batch.out_batch =
						(uint64_t)(uintptr_t)&out;
					a.batch.count = cnt;
				}
				kbpf_posix_fail_alloc_after(n);
				r = kbpf_posix_bpf(
					cmd == 0 ?
						BPF_MAP_UPDATE_ELEM :
					cmd == 1 ?
						BPF_MAP_LOOKUP_ELEM :
					cmd == 2 ?
						BPF_MAP_GET_NEXT_KEY :
					cmd == 3 ?
						BPF_MAP_LOOKUP_AND_DELETE_ELEM :
					cmd == 4 ? BPF_MAP_LOOKUP_BATCH :
						   BPF_MAP_UPDATE_BATCH,
					&a, sizeof(a));
				e = errno;
				kbpf_posix_fail_alloc_after(-1);
				if (r == 0 || (cmd == 4 && e == ENOENT)) {
					kbpf_posix_close(fd);
					T_EQ(kbpf_posix_live_allocs(), base);
					break;
				}
				T_EQ(e, ENOMEM);
				points++;
				/* The element the failed call would add is not there. */
				if (cmd == 0)
					T_EQ(kbpf_posix_live_allocs(), live);
				kbpf_posix_close(fd);
				T_EQ(kbpf_posix_live_allocs(), base);
			}
		}
	}
	printf("  %d allocation failure points checked\n", points);
	T_ASSERT(points >= 20);
}

static long count_and_stop(struct kbpf_map *map, void *key, void *value,
			   void *ctx)
{
	long *n = ctx;

	return ++*n == 3;
}

KBPF_TEST(
	hash_program_api,
	"for_each visits every element once and stops at 1; lookup_percpu_elem refuses CPUs past nr_cpus; delete of a missing key is -ENOENT")
{
	const struct kbpf_host *h = kbpf_posix_host();

	for (size_t t = 0; t < 4; t++) {
		struct kbpf_map *m = make(types[t], 4, 8, 32, 0);
		uint64_t v = 5;
		long n = 0;
		uint32_t k;

		T_ASSERT(m);
		T_EQ(kbpf_map_for_each(m, count_and_stop, &n, 0), 0);
		for (k = 0; k < 10; k++)
			T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
		n = -100;
		T_EQ(kbpf_map_for_each(m, count_and_stop, &n, 0), 10);
		n = 0;
		T_EQ(kbpf_map_for_each(m, count_and_stop, &n, 0), 3);
		T_EQ(kbpf_map_for_each(m, count_and_stop, &n, 1), -KBPF_EINVAL);
		k = 3;
		if (types[t] == BPF_MAP_TYPE_PERCPU_HASH ||
		    types[t] == BPF_MAP_TYPE_LRU_PERCPU_HASH) {
			T_ASSERT(kbpf_map_lookup_percpu_elem(m, &k, 0));
			T_ASSERT(kbpf_map_lookup_percpu_elem(m, &k,
							     h->nr_cpus - 1));
			T_ASSERT(!kbpf_map_lookup_percpu_elem(m, &k,
							      h->nr_cpus));
		} else {
			T_ASSERT(!kbpf_map_lookup_percpu_elem(m, &k, 0));
		}
		k = 99;
		T_EQ(kbpf_map_delete_elem(m, &k), -KBPF_ENOENT);
		T_EQ(kbpf_map_update_elem(m, &k, &v, BPF_F_LOCK), -KBPF_EINVAL);
		T_EQ(kbpf_map_update_elem(m, &k, &v, 4 | 8), -KBPF_EINVAL);
		kbpf_map_put(m);
	}
}

KBPF_TEST(
	hash_free_with_pending_elements,
	"a NO_PREALLOC map freed while deleted elements wait for a grace period frees everything once it ends")
{
	long live = kbpf_posix_live_allocs();
	struct kbpf_map *m =
		make(BPF_MAP_TYPE_HASH, 8, 64, 1000, BPF_F_NO_PREALLOC);
	uint64_t key[1], v[8] = { 0 };

	T_ASSERT(m);
	for (uint64_t i = 0; i < 1000; i++) {
		key[0] = i;
		T_EQ(kbpf_map_update_elem(m, key, v, 0), 0);
		if (i % 3 == 0)
			T_EQ(kbpf_map_delete_elem(m, key), 0);
	}
	kbpf_map_put(m);
	T_EQ(kbpf_posix_live_allocs(), live);
}

static long count_cb(struct kbpf_map *map, void *key, void *value, void *ctx)
{
	(*(long *)ctx)++;
	return 0;
}

KBPF_TEST(
	lru_properties,
	"an LRU map never refuses an update for room, never holds more than max_entries, and keeps a key a program used since the last insertions")
{
	for (int nc = 0; nc < 2; nc++) {
		struct kbpf_map *m = make(BPF_MAP_TYPE_LRU_HASH, 4, 8, 256,
					  nc ? BPF_F_NO_COMMON_LRU : 0);
		uint64_t v = 1;
		uint32_t k;
		/* Nodes CPU 0 can use: all, or its own share without a common LRU. */
		uint32_t cap = nc ? 256 / kbpf_posix_host()->nr_cpus : 256;

		T_ASSERT(m);
		kbpf_posix_set_cpu(0);
		/* The hot key goes in first: the oldest, the first victim... */
		k = 7777;
		T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
		for (k = 0; k < cap - 1; k++)
			T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
		for (uint32_t round = 0; round < 20; round++) {
			uint32_t hot = 7777;
			long n = 0;

			/* ...unless a program uses it between bursts. */
			T_ASSERT(kbpf_map_lookup_elem(m, &hot) != NULL);
			for (k = 0; k < cap / 4; k++) {
				uint32_t cold = 100000 + round * cap + k;

				T_EQ(kbpf_map_update_elem(m, &cold, &v, 0), 0);
			}
			kbpf_map_for_each(m, count_cb, &n, 0);
			T_ASSERT(n <= (long)m->max_entries);
		}
		k = 7777;
		T_ASSERT(kbpf_map_lookup_elem(m, &k) != NULL);
		kbpf_map_put(m);
	}
}
