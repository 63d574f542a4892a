// SPDX-License-Identifier: MIT
/*
 * Map-in-map for loaders inside the kernel: outer maps created with a
 * template map instead of an fd (kbpf_map_create_with_inner), slots set by
 * map pointer (kbpf_map_set_inner), the template rules, and no leaks.
 */
#include "core/compiler.h"
#include "core/map.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static struct kbpf_map *make(uint32_t type, uint32_t ks, uint32_t vs,
			     uint32_t max, uint32_t flags,
			     struct kbpf_map *inner, int *err)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.inner_map_fd = 9999; /* must not be looked at */
	*err = kbpf_map_create_with_inner(kbpf_posix_host(), &a, inner, &m);
	return m;
}

KBPF_TEST(
	map_in_map_without_fds,
	"outer maps take their template and slots as map pointers; mismatches give -EINVAL; nothing leaks")
{
	static const uint32_t outers[] = { BPF_MAP_TYPE_ARRAY_OF_MAPS,
					   BPF_MAP_TYPE_HASH_OF_MAPS };
	long live = kbpf_posix_live_allocs();
	int err;

	for (size_t o = 0; o < 2; o++) {
		struct kbpf_map *tmpl =
			make(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, NULL, &err);
		struct kbpf_map *same =
			make(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, NULL, &err);
		struct kbpf_map *other =
			make(BPF_MAP_TYPE_ARRAY, 4, 16, 4, 0, NULL, &err);
		struct kbpf_map *outer, *nested;
		uint32_t k = 1;

		T_ASSERT(tmpl && same && other);
		outer = make(outers[o], 4, 4, 4, 0, tmpl, &err);
		T_EQ(err, 0);
		T_ASSERT(outer);
		/* The template's reference stays the caller's. */
		kbpf_map_put(tmpl);
		T_EQ(kbpf_map_set_inner(outer, &k, same), 0);
		T_EQ(kbpf_map_set_inner(outer, &k, other), -KBPF_EINVAL);
		T_ASSERT(kbpf_map_lookup_elem(outer, &k) == same);
		k = 2;
		T_ASSERT(kbpf_map_lookup_elem(outer, &k) == NULL);
		if (outers[o] == BPF_MAP_TYPE_ARRAY_OF_MAPS) {
			k = 7;
			T_EQ(kbpf_map_set_inner(outer, &k, same), -KBPF_E2BIG);
		}
		/* One level only, and only map-in-map types take a template. */
		nested = make(outers[o], 4, 4, 4, 0, outer, &err);
		T_ASSERT(!nested);
		T_EQ(err, -KBPF_EINVAL);
		T_ASSERT(!make(BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, same, &err));
		T_EQ(err, -KBPF_EINVAL);
		T_EQ(kbpf_map_set_inner(same, &k, other), -KBPF_EINVAL);
		/* The outer map holds its own reference on the inner one. */
		kbpf_map_put(same);
		k = 1;
		T_ASSERT(kbpf_map_lookup_elem(outer, &k) != NULL);
		/* Programs may only look map-in-maps up, as in Linux. */
		T_EQ(kbpf_map_delete_elem(outer, &k), -KBPF_EINVAL);
		T_ASSERT(kbpf_map_lookup_elem(outer, &k) != NULL);
		kbpf_map_put(other);
		kbpf_map_put(outer);
	}
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(
	lpm_alloc_failures,
	"LPM_TRIE: every allocation failure in an update gives -ENOMEM, changes nothing and leaks nothing; longest match works")
{
	long live = kbpf_posix_live_allocs();
	struct {
		uint32_t prefixlen;
		uint8_t data[4];
	} k = { 24, { 10, 1, 2, 0 } }, q = { 32, { 10, 1, 2, 77 } };
	uint64_t v = 24, *p;
	int err, points = 0;
	struct kbpf_map *m = make(BPF_MAP_TYPE_LPM_TRIE, 8, 8, 16,
				  BPF_F_NO_PREALLOC, NULL, &err);

	T_ASSERT(m);
	T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
	/* 10.1.3.0/24 needs a node and an intermediate one: two points. */
	k.data[2] = 3;
	for (long n = 0;; n++) {
		kbpf_posix_fail_alloc_after(n);
		err = (int)kbpf_map_update_elem(m, &k, &v, 0);
		kbpf_posix_fail_alloc_after(-1);
		if (!err)
			break;
		T_EQ(err, -KBPF_ENOMEM);
		T_ASSERT(kbpf_map_lookup_elem(m, &k) == NULL);
		points++;
	}
	T_EQ(points, 2);
	p = kbpf_map_lookup_elem(m, &q);
	T_ASSERT(p && *p == 24);
	k.prefixlen = 8;
	v = 8;
	T_EQ(kbpf_map_update_elem(m, &k, &v, BPF_NOEXIST), 0);
	q.data[1] = 9;
	p = kbpf_map_lookup_elem(m, &q);
	T_ASSERT(p && *p == 8);
	kbpf_map_put(m);
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(
	map_in_map_without_defer_free,
	"a host without defer_free: a replaced inner map stays referenced (a program may still use it) until the outer map is freed; nothing leaks")
{
	static const uint32_t outers[] = { BPF_MAP_TYPE_ARRAY_OF_MAPS,
					   BPF_MAP_TYPE_HASH_OF_MAPS };
	static struct kbpf_host h; /* outlives the maps made with it */
	long live = kbpf_posix_live_allocs();
	int err;

	h = *kbpf_posix_host();
	h.defer_free = NULL; /* host.h allows it */
	for (size_t o = 0; o < 2; o++) {
		struct kbpf_map *old =
			make(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, NULL, &err);
		struct kbpf_map *cur =
			make(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, NULL, &err);
		struct kbpf_map *outer = NULL;
		union bpf_attr a;
		uint32_t k = 1;

		T_ASSERT(old && cur);
		memset(&a, 0, sizeof(a));
		a.map_type = outers[o];
		a.key_size = 4;
		a.value_size = 4;
		a.max_entries = 4;
		T_EQ(kbpf_map_create_with_inner(&h, &a, old, &outer), 0);
		T_EQ(kbpf_map_set_inner(outer, &k, old), 0);
		T_EQ(kbpf_map_set_inner(outer, &k, cur), 0);
		/* Replaced: only the retired entry's reference is left. */
		kbpf_map_put(old);
		T_EQ(atomic_load(&old->obj.refcnt), 1);
		T_ASSERT(kbpf_map_lookup_elem(outer, &k) == cur);
		kbpf_map_put(cur);
		kbpf_map_put(outer);
	}
	T_EQ(kbpf_posix_live_allocs(), live);
}
