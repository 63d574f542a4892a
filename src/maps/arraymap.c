// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_ARRAY and BPF_MAP_TYPE_PERCPU_ARRAY (Linux's arraymap.c in
 * behaviour): max_entries elements of round_up(value_size, 8) bytes,
 * allocated and zeroed at creation, indexed by a u32 key.
 *
 * ARRAY keeps one value area; with BPF_F_MMAPABLE it is built from host
 * pages mapped with vmap, so user space can map the same pages. PERCPU_ARRAY
 * keeps one area per possible CPU, each cache-line aligned: a program sees
 * its CPU's area, the syscall path exchanges all CPUs' values at once.
 *
 * Spectre v1, as Linux: index_mask is the smallest 2^n - 1 covering every
 * index. For a map whose creator lacks CAP_PERFMON (Linux's
 * !bypass_spec_v1) the storage holds index_mask + 1 elements and an index
 * is masked after its bound check, so a mispredicted check still reads
 * inside the map (the inline lookups of src/interp/ and src/jit/ do it
 * too: kbpf_map_inline_lookup.index_mask).
 *
 * Locking: none of the map's own. Lookups return a pointer into the value
 * area; updates copy into it without a lock, so concurrent updates of one
 * element may interleave, as they may in Linux. An ARRAY whose value BTF
 * holds a bpf_spin_lock never has the lock word overwritten, and with
 * BPF_F_LOCK copies under that value's lock (map_internal.h). Elements are
 * never freed while the map lives.
 */
#include "core/priv.h"
#include "map_internal.h"
#include "kptr.h"
#include "timer.h"

#define ARRAY_CREATE_FLAG_MASK                                            \
	(BPF_F_NUMA_NODE | BPF_F_MMAPABLE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | BPF_F_INNER_MAP)

/* Linux's PCPU_MIN_UNIT_SIZE: the largest per-CPU value. */
#define PERCPU_VALUE_MAX 32768u

extern const struct kbpf_map_ops kbpf_array_map_ops;
extern const struct kbpf_map_ops kbpf_percpu_array_map_ops;

struct kbpf_array {
	struct kbpf_map map;
	uint32_t elem_size; /* round_up(value_size, 8) */
	size_t area_size; /* bytes of one value area */
	size_t cpu_stride; /* PERCPU: distance between CPUs' areas */
	uint8_t *values; /* ARRAY: the area; PERCPU: CPU 0's area */
	size_t alloc_size; /* bytes allocated at values (not mmapable) */
	uintptr_t *pages; /* BPF_F_MMAPABLE: the area's pages */
	size_t nr_pages; /* allocated (the index_mask + 1 elements) */
	uint32_t index_mask; /* 2^n - 1 >= max_entries - 1 */
	bool spec_mask; /* creator without CAP_PERFMON: masked, padded */
};

static inline struct kbpf_array *kbpf_array(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_array, map);
}

static bool array_is_percpu(const struct kbpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

/* Called from syscall */
static int array_map_alloc_check(const struct kbpf_host *h,
				 const union bpf_attr *attr)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint32_t numa = (attr->map_flags & BPF_F_NUMA_NODE) ? attr->numa_node :
							      0xffffffffu;

	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    attr->value_size == 0 ||
	    (attr->map_flags & ~ARRAY_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags) ||
	    (percpu && numa != 0xffffffffu))
		return -KBPF_EINVAL;
	if (percpu && (attr->map_flags & (BPF_F_MMAPABLE | BPF_F_INNER_MAP)))
		return -KBPF_EINVAL;
	if ((attr->map_flags & BPF_F_MMAPABLE) && (!h->alloc_pages || !h->vmap))
		return -KBPF_EOPNOTSUPP;
	if (percpu &&
	    kbpf_round_up((uint64_t)attr->value_size, 8) > PERCPU_VALUE_MAX)
		return -KBPF_E2BIG;
	if (attr->value_size > 0x7fffffffu)
		return -KBPF_E2BIG;
	return 0;
}

static int array_alloc_pages(struct kbpf_array *a, const struct kbpf_host *h,
			     size_t bytes)
{
	size_t nr = (bytes + KBPF_PAGE_SIZE - 1) / KBPF_PAGE_SIZE;
	int err;

	a->pages = kbpf_malloc(h, nr * sizeof(*a->pages), 0);
	if (!a->pages)
		return -KBPF_ENOMEM;
	err = h->alloc_pages(h, nr, a->pages);
	if (err)
		goto free_list;
	a->values = h->vmap(h, a->pages, nr);
	if (!a->values) {
		err = -KBPF_ENOMEM;
		goto free_pages;
	}
	a->nr_pages = nr;
	return 0;

free_pages:
	h->free_pages(h, a->pages, nr);
free_list:
	kbpf_free(h, a->pages, nr * sizeof(*a->pages));
	a->pages = NULL;
	return -KBPF_ENOMEM;
}

/* Called from syscall */
static int array_map_alloc(const struct kbpf_host *h,
			   const union bpf_attr *attr, struct kbpf_map **out)
{
	bool percpu = attr->map_type == BPF_MAP_TYPE_PERCPU_ARRAY;
	uint64_t elem_size = kbpf_round_up((uint64_t)attr->value_size, 8);
	uint64_t area = elem_size * attr->max_entries; /* < 2^63: no overflow */
	uint64_t mask = 0, stored;
	bool spec_mask = !kbpf_priv_has(h, KBPF_PRIV_PERFMON);
	struct kbpf_array *a;
	uint64_t total;

	/* max_entries - 1 with every bit below its top set (no clz: compiler.h) */
	if (attr->max_entries > 1)
		mask = kbpf_roundup_pow2(attr->max_entries) - 1;
	/*
	 * Linux rounds the storage up to index_mask + 1 elements for such a
	 * creator, and refuses with E2BIG when that count overflows a u32.
	 */
	if (spec_mask && mask + 1 > UINT32_MAX)
		return -KBPF_E2BIG;
	stored = elem_size * (spec_mask ? mask + 1 : attr->max_entries);
	if (stored > SIZE_MAX / 2)
		return -KBPF_ENOMEM;
	a = kbpf_zalloc(h, sizeof(*a), 0);
	if (!a)
		return -KBPF_ENOMEM;
	kbpf_map_init(&a->map, h, attr,
		      percpu ? &kbpf_percpu_array_map_ops :
			       &kbpf_array_map_ops);
	a->elem_size = (uint32_t)elem_size;
	a->area_size = (size_t)area;
	a->index_mask = (uint32_t)mask;
	a->spec_mask = spec_mask;
	if (attr->map_flags & BPF_F_MMAPABLE) {
		if (array_alloc_pages(a, h, (size_t)stored))
			goto free_array;
	} else {
		a->cpu_stride = percpu ? kbpf_round_up((size_t)stored,
						       KBPF_CACHE_LINE) :
					 (size_t)stored;
		if (kbpf_mul_overflow((uint64_t)a->cpu_stride,
				      (uint64_t)(percpu ? h->nr_cpus : 1),
				      &total) ||
		    total > SIZE_MAX / 2)
			goto free_array;
		a->alloc_size = (size_t)total;
		a->values = kbpf_malloc_aligned(
			h, a->alloc_size, KBPF_CACHE_LINE, KBPF_ALLOC_ZERO);
		if (!a->values)
			goto free_array;
	}
	*out = &a->map;
	return 0;

free_array:
	kbpf_free(h, a, sizeof(*a));
	return -KBPF_ENOMEM;
}

/* Called when the last reference is gone: no program or fd can reach it. */
static void array_map_free(struct kbpf_map *map)
{
	struct kbpf_array *a = kbpf_array(map);
	const struct kbpf_host *h = map->obj.host;

	kbpf_timer_map_free_all(map);
	kbpf_kptr_map_free_all(map);
	if (a->pages) {
		h->vunmap(h, a->values, a->nr_pages);
		h->free_pages(h, a->pages, a->nr_pages);
		kbpf_free(h, a->pages, a->nr_pages * sizeof(*a->pages));
	} else {
		kbpf_free(h, a->values, a->alloc_size);
	}
	kbpf_free(h, a, sizeof(*a));
}

static inline uint8_t *array_elem(const struct kbpf_array *a, uint32_t cpu,
				  uint32_t idx)
{
	return a->values + a->cpu_stride * cpu + (size_t)a->elem_size * idx;
}

uint32_t kbpf_array_value_index(const struct kbpf_map *map, const void *value)
{
	const struct kbpf_array *a = kbpf_array(map);

	return (uint32_t)(((const uint8_t *)value - a->values) / a->elem_size);
}

/* Called from syscall or from a program (any context) */
static void *array_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_array *a = kbpf_array(map);
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (kbpf_unlikely(idx >= map->max_entries))
		return NULL;
	return array_elem(a, 0, idx & a->index_mask);
}

/* Called from a program (any context): the running CPU's value. */
static void *percpu_array_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_array *a = kbpf_array(map);
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (kbpf_unlikely(idx >= map->max_entries))
		return NULL;
	return array_elem(a, kbpf_this_cpu(map->obj.host), idx & a->index_mask);
}

/* Called from a program (any context) */
static void *percpu_array_map_lookup_percpu_elem(struct kbpf_map *map,
						 const void *key, uint32_t cpu)
{
	struct kbpf_array *a = kbpf_array(map);
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (cpu >= map->obj.host->nr_cpus || idx >= map->max_entries)
		return NULL;
	return array_elem(a, cpu, idx & a->index_mask);
}

/* Linux's order: bad flags, then the index, then BPF_NOEXIST. */
static long array_update_check(const struct kbpf_map *map, uint32_t idx,
			       uint64_t flags)
{
	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST)
		return -KBPF_EINVAL;
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	if (flags & BPF_NOEXIST)
		return -KBPF_EEXIST;
	if ((flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall or from a program (any context) */
static long array_map_update_elem(struct kbpf_map *map, const void *key,
				  const void *value, uint64_t flags)
{
	struct kbpf_array *a = kbpf_array(map);
	uint32_t idx;
	long err;

	kbpf_memcpy(&idx, key, sizeof(idx));
	err = array_update_check(map, idx, flags);
	if (err)
		return err;
	if (array_is_percpu(map))
		memcpy(array_elem(a, kbpf_this_cpu(map->obj.host), idx), value,
		       map->value_size);
	else
		kbpf_map_value_in(map, array_elem(a, 0, idx), value,
				  flags & BPF_F_LOCK);
	/* Linux frees the slot's special fields: an update cancels a timer. */
	if (kbpf_map_has_timer(map))
		kbpf_timer_cancel_and_free(map, array_elem(a, 0, idx), false);
	/* ... and drops the references its kptrs held. */
	if (map->kptrs)
		kbpf_kptr_free_fields(map, array_elem(a, 0, idx));
	return 0;
}

/* Called from syscall or from a program (any context) */
static long array_map_delete_elem(struct kbpf_map *map, const void *key)
{
	return -KBPF_EINVAL;
}

/*
 * Called from syscall: every CPU's value, each padded to 8 bytes; the
 * padding is stored too, as Linux stores it (measured).
 */
static int percpu_array_sys_update(struct kbpf_map *map, const void *key,
				   const void *value, uint64_t flags)
{
	struct kbpf_array *a = kbpf_array(map);
	const uint8_t *src = value;
	uint32_t idx, cpu;
	long err;

	kbpf_memcpy(&idx, key, sizeof(idx));
	err = array_update_check(map, idx, flags);
	if (err)
		return (int)err;
	for (cpu = 0; cpu < map->obj.host->nr_cpus; cpu++)
		memcpy(array_elem(a, cpu, idx),
		       src + (size_t)cpu * a->elem_size, a->elem_size);
	return 0;
}

/* Called from syscall */
static int percpu_array_sys_lookup(struct kbpf_map *map, const void *key,
				   void *value, uint64_t flags)
{
	struct kbpf_array *a = kbpf_array(map);
	uint8_t *dst = value;
	uint32_t idx, cpu;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_ENOENT;
	for (cpu = 0; cpu < map->obj.host->nr_cpus; cpu++)
		memcpy(dst + (size_t)cpu * a->elem_size,
		       array_elem(a, cpu, idx), a->elem_size);
	return 0;
}

/* Called from syscall */
int kbpf_array_get_next_key(struct kbpf_map *map, const void *key,
			    void *next_key)
{
	uint32_t idx = 0, next;

	if (key)
		kbpf_memcpy(&idx, key, sizeof(idx));
	if (!key || idx >= map->max_entries)
		next = 0;
	else if (idx == map->max_entries - 1)
		return -KBPF_ENOENT;
	else
		next = idx + 1;
	kbpf_memcpy(next_key, &next, sizeof(next));
	return 0;
}

/* Called from a program (any context): every index in order. */
static long array_map_for_each(struct kbpf_map *map, kbpf_map_elem_fn fn,
			       void *ctx, uint64_t flags)
{
	struct kbpf_array *a = kbpf_array(map);
	uint32_t cpu = array_is_percpu(map) ? kbpf_this_cpu(map->obj.host) : 0;
	long n = 0;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		uint32_t key = i;

		n++;
		if (fn(map, &key, array_elem(a, cpu, i), ctx))
			break;
	}
	return n;
}

/*
 * BPF_PSEUDO_MAP_VALUE: Linux allows it on single-element arrays only
 * (global data), with the offset inside the value.
 */
static int array_map_direct_value_addr(const struct kbpf_map *map,
				       uint64_t *addr, uint32_t off)
{
	const struct kbpf_array *a = kbpf_array(map);

	if (map->max_entries != 1)
		return -KBPF_ENOTSUPP; /* 524, as Linux (measured) */
	if (off >= map->value_size)
		return -KBPF_EINVAL;
	*addr = (uint64_t)(uintptr_t)(a->values + off);
	return 0;
}

static int array_map_mmap_pages(struct kbpf_map *map, const uintptr_t **pages,
				size_t *nr)
{
	struct kbpf_array *a = kbpf_array(map);

	if (!a->pages)
		return -KBPF_ENODEV;
	/* What user space may map: max_entries elements, not the padding. */
	*pages = a->pages;
	*nr = (a->area_size + KBPF_PAGE_SIZE - 1) / KBPF_PAGE_SIZE;
	return 0;
}

static uint64_t array_map_mem_usage(const struct kbpf_map *map)
{
	const struct kbpf_array *a = kbpf_array(map);

	return sizeof(*a) +
	       (a->pages ? a->nr_pages * KBPF_PAGE_SIZE : a->alloc_size);
}

/* Program path: the values are one block, each value_size bytes of its slot. */
static bool array_map_value_area(const struct kbpf_map *map, uint32_t cpu,
				 struct kbpf_map_value_area *area)
{
	const struct kbpf_array *a = kbpf_array(map);

	(void)cpu;
	area->start = (uintptr_t)a->values;
	area->end = (uintptr_t)a->values + a->area_size;
	area->stride = a->elem_size;
	area->off = 0;
	area->size = map->value_size;
	return true;
}

/*
 * Program path: a PERCPU_ARRAY's values for the run's CPU (@cpu, the one
 * its lookups use) are one block (its area), each value_size bytes of its
 * slot; other CPUs' values (lookup_percpu_elem) are not in it.
 */
static bool percpu_array_map_value_area(const struct kbpf_map *map,
					uint32_t cpu,
					struct kbpf_map_value_area *area)
{
	const struct kbpf_array *a = kbpf_array(map);

	if (cpu >= map->obj.host->nr_cpus)
		return false;
	area->start = (uintptr_t)array_elem(a, cpu, 0);
	area->end = area->start + a->area_size;
	area->stride = a->elem_size;
	area->off = 0;
	area->size = map->value_size;
	return true;
}

/*
 * Program load: lookup_elem() of both types is an index check and an
 * address computation over storage that lives as long as the map.
 */
static bool array_map_inline_lookup(const struct kbpf_map *map,
				    struct kbpf_map_inline_lookup *out)
{
	const struct kbpf_array *a = kbpf_array(map);

	out->base = a->values;
	out->cpu_stride = a->cpu_stride;
	out->elem_size = a->elem_size;
	out->max_entries = map->max_entries;
	out->index_mask = a->spec_mask ? a->index_mask : UINT32_MAX;
	out->percpu = array_is_percpu(map);
	return true;
}

const struct kbpf_map_ops kbpf_array_map_ops = {
	/* syscall path */
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.get_next_key = kbpf_array_get_next_key,
	.lookup_batch = kbpf_map_generic_lookup_batch,
	.update_batch = kbpf_map_generic_update_batch,
	/* both paths */
	.lookup_elem = array_map_lookup_elem,
	.update_elem = array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.for_each = array_map_for_each,
	/* special */
	.direct_value_addr = array_map_direct_value_addr,
	.value_area = array_map_value_area,
	.inline_lookup = array_map_inline_lookup,
	.mmap_pages = array_map_mmap_pages,
	.mem_usage = array_map_mem_usage,
};

const struct kbpf_map_ops kbpf_percpu_array_map_ops = {
	/* syscall path */
	.alloc_check = array_map_alloc_check,
	.alloc = array_map_alloc,
	.free = array_map_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = percpu_array_sys_lookup,
	.sys_update = percpu_array_sys_update,
	.lookup_batch = kbpf_map_generic_lookup_batch,
	.update_batch = kbpf_map_generic_update_batch,
	/* both paths */
	.lookup_elem = percpu_array_map_lookup_elem,
	.update_elem = array_map_update_elem,
	.delete_elem = array_map_delete_elem,
	.for_each = array_map_for_each,
	.lookup_percpu_elem = percpu_array_map_lookup_percpu_elem,
	/* special */
	.value_area = percpu_array_map_value_area,
	.inline_lookup = array_map_inline_lookup,
	.mem_usage = array_map_mem_usage,
};
