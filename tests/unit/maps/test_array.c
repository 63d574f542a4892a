// SPDX-License-Identifier: MIT
/*
 * ARRAY and PERCPU_ARRAY from the program path, and what needs no kernel:
 * per-CPU isolation, for_each, direct value addresses, mmapable pages,
 * allocation failure at every point.
 */
#include <errno.h>
#include <string.h>

#include "core/map.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static struct kbpf_map *make(uint32_t type, uint32_t vs, uint32_t max,
			     uint32_t flags)
{
	union bpf_attr a;
	struct kbpf_map *map = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	if (kbpf_map_create(kbpf_posix_host(), &a, &map))
		return NULL;
	return map;
}

KBPF_TEST(
	array_prog_path,
	"program-path lookup returns a pointer into the map; update/delete give Linux's errnos")
{
	struct kbpf_map *m = make(BPF_MAP_TYPE_ARRAY, 12, 4, 0);
	uint32_t k = 2, bad = 4;
	uint8_t v[12] = { 1, 2, 3 };
	uint8_t *p;

	T_ASSERT(m != NULL);
	p = kbpf_map_lookup_elem(m, &k);
	T_ASSERT(p != NULL);
	T_EQ((uintptr_t)p % 8, 0);
	T_EQ(p[0], 0);
	T_EQ(kbpf_map_update_elem(m, &k, v, BPF_ANY), 0);
	T_EQ(p[2], 3);
	p[0] = 9; /* programs write through the pointer */
	T_EQ(((uint8_t *)kbpf_map_lookup_elem(m, &k))[0], 9);
	T_ASSERT(kbpf_map_lookup_elem(m, &bad) == NULL);
	T_EQ(kbpf_map_update_elem(m, &bad, v, 0), -KBPF_E2BIG);
	T_EQ(kbpf_map_update_elem(m, &k, v, BPF_NOEXIST), -KBPF_EEXIST);
	T_EQ(kbpf_map_update_elem(m, &k, v, 4), -KBPF_EINVAL);
	T_EQ(kbpf_map_delete_elem(m, &k), -KBPF_EINVAL);
	T_EQ(kbpf_map_push_elem(m, v, 0), -KBPF_EINVAL);
	kbpf_map_put(m);
}

KBPF_TEST(
	percpu_array_isolation,
	"each virtual CPU sees its own PERCPU_ARRAY slot; lookup_percpu_elem reaches any CPU")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_map *m = make(BPF_MAP_TYPE_PERCPU_ARRAY, 8, 2, 0);
	uint32_t k = 1;
	uint64_t v;

	T_ASSERT(m != NULL);
	for (uint32_t c = 0; c < h->nr_cpus; c++) {
		kbpf_posix_set_cpu(c);
		v = 100 + c;
		T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
	}
	for (uint32_t c = 0; c < h->nr_cpus; c++) {
		kbpf_posix_set_cpu(c);
		T_EQ(*(uint64_t *)kbpf_map_lookup_elem(m, &k), 100 + c);
		T_EQ(*(uint64_t *)kbpf_map_lookup_percpu_elem(m, &k, 0), 100);
	}
	kbpf_posix_set_cpu(0);
	T_ASSERT(kbpf_map_lookup_percpu_elem(m, &k, h->nr_cpus) == NULL);
	kbpf_map_put(m);
}

static long count_cb(struct kbpf_map *map, void *key, void *value, void *ctx)
{
	int *n = ctx;

	(void)map;
	(void)value;
	(*n)++;
	return *(uint32_t *)key == 2;
}

KBPF_TEST(
	array_for_each,
	"for_each visits indexes in order and counts the stopping call; flags give -EINVAL")
{
	struct kbpf_map *m = make(BPF_MAP_TYPE_ARRAY, 4, 5, 0);
	int n = 0;

	T_ASSERT(m != NULL);
	T_EQ(kbpf_map_for_each(m, count_cb, &n, 0), 3);
	T_EQ(n, 3);
	T_EQ(kbpf_map_for_each(m, count_cb, &n, 1), -KBPF_EINVAL);
	kbpf_map_put(m);
}

KBPF_TEST(
	array_direct_value,
	"BPF_PSEUDO_MAP_VALUE addresses: single-element arrays, offset inside the value")
{
	struct kbpf_map *one = make(BPF_MAP_TYPE_ARRAY, 16, 1, 0);
	struct kbpf_map *two = make(BPF_MAP_TYPE_ARRAY, 16, 2, 0);
	uint32_t k = 0;
	uint64_t addr = 0;

	T_ASSERT(one && two);
	T_EQ(one->ops->direct_value_addr(one, &addr, 4), 0);
	T_EQ(addr, (uint64_t)(uintptr_t)kbpf_map_lookup_elem(one, &k) + 4);
	T_EQ(one->ops->direct_value_addr(one, &addr, 16), -KBPF_EINVAL);
	T_NE(two->ops->direct_value_addr(two, &addr, 0), 0);
	kbpf_map_put(one);
	kbpf_map_put(two);
}

KBPF_TEST(array_mmapable,
	  "an mmapable array lives in host pages that a second mapping sees")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_map *m = make(BPF_MAP_TYPE_ARRAY, 8, 1000, BPF_F_MMAPABLE);
	const uintptr_t *pages;
	size_t nr;
	uint32_t k = 999;
	uint64_t v = 0x1122334455667788ULL;
	volatile uint64_t *user;
	long live = kbpf_posix_live_pages();

	T_ASSERT(m != NULL);
	T_EQ(m->ops->mmap_pages(m, &pages, &nr), 0);
	T_EQ(nr, 2);
	user = h->vmap(h, pages, nr);
	T_ASSERT(user != NULL);
	T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
	T_EQ(user[999], v);
	h->vunmap(h, (void *)user, nr);
	kbpf_map_put(m);
	T_EQ(kbpf_posix_live_pages(), live - 2);
}

KBPF_TEST(
	array_alloc_failures,
	"every allocation failure during creation gives -ENOMEM and leaks nothing")
{
	static const uint32_t cfg[][3] = {
		{ BPF_MAP_TYPE_ARRAY, 0, 4 },
		{ BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE, 600 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 0, 4 },
	};
	int points = 0;

	for (size_t c = 0; c < 3; c++) {
		for (long n = 0;; n++) {
			long live = kbpf_posix_live_allocs();
			long pages = kbpf_posix_live_pages();
			struct kbpf_map *m;

			kbpf_posix_fail_alloc_after(n);
			m = make(cfg[c][0], 8, cfg[c][2], cfg[c][1]);
			kbpf_posix_fail_alloc_after(-1);
			if (m) {
				kbpf_map_put(m);
				T_EQ(kbpf_posix_live_allocs(), live);
				break;
			}
			points++;
			T_EQ(kbpf_posix_live_allocs(), live);
			T_EQ(kbpf_posix_live_pages(), pages);
		}
	}
	printf("  %d allocation failure points checked\n", points);
	T_ASSERT(points >= 5);
}

KBPF_TEST(
	syscall_alloc_failures,
	"every allocation failure on the bpf(2) path (create, update, lookup, next key) gives ENOMEM and leaks nothing")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY,
					  BPF_MAP_TYPE_PERCPU_ARRAY,
					  BPF_MAP_TYPE_QUEUE };
	int points = 0;

	for (size_t t = 0; t < 3; t++) {
		for (int cmd = 0; cmd < 4; cmd++) {
			for (long n = 0;; n++) {
				long live = kbpf_posix_live_allocs();
				union bpf_attr a;
				uint64_t val[64] = { 1 };
				uint32_t key = 1, next;
				int fd, r, e;

				memset(&a, 0, sizeof(a));
				a.map_type = types[t];
				a.key_size =
					types[t] == BPF_MAP_TYPE_QUEUE ? 0 : 4;
				a.value_size = 8;
				a.max_entries = 4;
				if (cmd == 0)
					kbpf_posix_fail_alloc_after(n);
				fd = kbpf_posix_bpf(BPF_MAP_CREATE, &a,
						    sizeof(a));
				e = errno;
				if (cmd == 0) {
					kbpf_posix_fail_alloc_after(-1);
					if (fd < 0) {
						T_EQ(e, ENOMEM);
						T_EQ(kbpf_posix_live_allocs(),
						     live);
						points++;
						continue;
					}
				}
				T_ASSERT(fd >= 0);
				memset(&a, 0, sizeof(a));
				a.map_fd = (uint32_t)fd;
				a.key = types[t] == BPF_MAP_TYPE_QUEUE ?
						0 :
						(uint64_t)(uintptr_t)&key;
				a.value = (uint64_t)(uintptr_t)val;
				/* value and next_key share a union in bpf_attr. */
				if (cmd == 3)
					a.next_key = (uint64_t)(uintptr_t)&next;
				kbpf_posix_fail_alloc_after(cmd ? n : -1);
				r = cmd == 1 ?
					    kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM,
							   &a, sizeof(a)) :
				    cmd == 2 ?
					    kbpf_posix_bpf(BPF_MAP_LOOKUP_ELEM,
							   &a, sizeof(a)) :
				    cmd == 3 ?
					    kbpf_posix_bpf(BPF_MAP_GET_NEXT_KEY,
							   &a, sizeof(a)) :
					    0;
				e = errno;
				kbpf_posix_fail_alloc_after(-1);
				kbpf_posix_close(fd);
				T_EQ(kbpf_posix_live_allocs(), live);
				if (r == 0 || e != ENOMEM)
					break; /* past the last allocation point */
				points++;
			}
		}
	}
	printf("  %d allocation failure points on the syscall path checked\n",
	       points);
	T_ASSERT(points >= 10);
}
