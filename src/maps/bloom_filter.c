// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_BLOOM_FILTER (Linux's bloom_filter.c in behaviour): a bit
 * array and k hash functions; push sets k bits, peek answers "maybe" (0) or
 * "certainly not" (-ENOENT). Values have no key (key_size 0); map_extra's
 * low 4 bits give k (0 means 5).
 *
 * The bit array size and the hashes are Linux's (max_entries * k * 7 / 5
 * bits rounded up to a power of two, at least 64; jhash of the value seeded
 * with seed + i), so with BPF_F_ZERO_SEED the same pushes give the same
 * false positives as the kernel.
 *
 * Locking: none. Bits are set with atomic OR and read with relaxed loads;
 * nothing is ever cleared.
 */
#include "core/atomic.h"
#include "jhash.h"
#include "map_internal.h"

#define BLOOM_CREATE_FLAG_MASK                                             \
	(BPF_F_NUMA_NODE | BPF_F_ZERO_SEED | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)

extern const struct kbpf_map_ops kbpf_bloom_filter_map_ops;

struct kbpf_bloom {
	struct kbpf_map map;
	uint32_t bitset_mask;
	uint32_t hash_seed;
	uint32_t nr_hash_funcs;
	size_t bitset_bytes;
	_Atomic uint64_t *bitset;
};

static inline struct kbpf_bloom *bloom(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_bloom, map);
}

/* Called from syscall: Linux's bloom_map_alloc_check(): KMALLOC_MAX_SIZE. */
static int bloom_alloc_check(const struct kbpf_host *h,
			     const union bpf_attr *attr)
{
	(void)h;
	return attr->value_size > 4194304u ? -KBPF_E2BIG : 0;
}

/*
 * Called from syscall: Linux's bloom_map_alloc() checks, made when
 * allocating, after the privilege check, as Linux makes them.
 */
static int bloom_check(const union bpf_attr *attr)
{
	if (attr->key_size || !attr->value_size || !attr->max_entries ||
	    (attr->map_flags & ~BLOOM_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags) ||
	    (attr->map_extra & ~0xfull))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall */
static int bloom_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		       struct kbpf_map **out)
{
	uint32_t k = (uint32_t)attr->map_extra ? (uint32_t)attr->map_extra : 5;
	struct kbpf_bloom *b;
	uint64_t nr_bits;
	size_t bytes;
	int err = bloom_check(attr);

	if (err)
		return err;

	/* max_entries * k / ln(2), with 7/5 for 1/ln(2), as Linux. */
	nr_bits = (uint64_t)attr->max_entries * k;
	if (nr_bits > UINT32_MAX || (nr_bits / 5) * 7 > UINT32_MAX ||
	    (nr_bits / 5) * 7 > (1ull << 31)) {
		bytes = ((uint64_t)UINT32_MAX + 7) / 8;
		nr_bits = (uint64_t)UINT32_MAX + 1;
	} else {
		nr_bits = (nr_bits / 5) * 7;
		nr_bits = nr_bits <= 64 ? 64 : kbpf_roundup_pow2(nr_bits);
		bytes = (size_t)(nr_bits / 8);
	}
	bytes = kbpf_round_up(bytes, 8);
	b = kbpf_zalloc(h, sizeof(*b), 0);
	if (!b)
		return -KBPF_ENOMEM;
	b->bitset = kbpf_zalloc(h, bytes, 0);
	if (!b->bitset) {
		kbpf_free(h, b, sizeof(*b));
		return -KBPF_ENOMEM;
	}
	kbpf_map_init(&b->map, h, attr, &kbpf_bloom_filter_map_ops);
	b->bitset_bytes = bytes;
	b->bitset_mask = (uint32_t)(nr_bits - 1);
	b->nr_hash_funcs = k;
	b->hash_seed = 0;
	if (!(attr->map_flags & BPF_F_ZERO_SEED))
		b->hash_seed = h->random_u32 ? h->random_u32(h) :
					       (uint32_t)h->mono_ns(h);
	*out = &b->map;
	return 0;
}

/* Called when no program or fd can reach the map. */
static void bloom_free(struct kbpf_map *map)
{
	struct kbpf_bloom *b = bloom(map);
	const struct kbpf_host *h = map->obj.host;

	kbpf_free(h, (void *)b->bitset, b->bitset_bytes);
	kbpf_free(h, b, sizeof(*b));
}

static inline uint32_t bloom_bit(const struct kbpf_bloom *b, const void *value,
				 uint32_t i)
{
	return kbpf_jhash(value, b->map.value_size, b->hash_seed + i) &
	       b->bitset_mask;
}

/* Called from syscall or from a program (any context): 0 or -ENOENT. */
static long bloom_peek_elem(struct kbpf_map *map, void *value)
{
	struct kbpf_bloom *b = bloom(map);
	uint32_t i;

	for (i = 0; i < b->nr_hash_funcs; i++) {
		uint32_t bit = bloom_bit(b, value, i);
		uint64_t w = atomic_load_explicit(&b->bitset[bit / 64],
						  memory_order_relaxed);

		if (!(w & (1ull << (bit % 64))))
			return -KBPF_ENOENT;
	}
	return 0;
}

/* Called from syscall or from a program (any context) */
static long bloom_push_elem(struct kbpf_map *map, const void *value,
			    uint64_t flags)
{
	struct kbpf_bloom *b = bloom(map);
	uint32_t i;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	for (i = 0; i < b->nr_hash_funcs; i++) {
		uint32_t bit = bloom_bit(b, value, i);

		atomic_fetch_or_explicit(&b->bitset[bit / 64],
					 1ull << (bit % 64),
					 memory_order_relaxed);
	}
	return 0;
}

/* Called from syscall: Linux answers -EOPNOTSUPP (95) for these two. */
static long bloom_delete_elem(struct kbpf_map *map, const void *key)
{
	return -KBPF_EOPNOTSUPP;
}

static int bloom_get_next_key(struct kbpf_map *map, const void *key,
			      void *next_key)
{
	return -KBPF_EOPNOTSUPP;
}

/* Called from syscall: LOOKUP with a NULL key is a peek of @value. */
static int bloom_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			    uint64_t flags)
{
	return (int)bloom_peek_elem(map, value);
}

static uint64_t bloom_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_bloom) + bloom(map)->bitset_bytes;
}

const struct kbpf_map_ops kbpf_bloom_filter_map_ops = {
	.alloc_check = bloom_alloc_check,
	.alloc = bloom_alloc,
	.free = bloom_free,
	.get_next_key = bloom_get_next_key,
	.sys_lookup = bloom_sys_lookup,
	.delete_elem = bloom_delete_elem,
	.push_elem = bloom_push_elem,
	.peek_elem = bloom_peek_elem,
	.mem_usage = bloom_mem_usage,
};
