// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_STACK_TRACE (Linux's stackmap.c in behaviour): stack traces
 * stored by id, where the id is the jhash2 of the trace's addresses masked
 * to the bucket count (max_entries rounded up to a power of two), so the
 * same trace gets the kernel's id. bpf_get_stackid() stores a trace the
 * host walked; user space reads it by id (value_size bytes: the addresses,
 * zero-padded), deletes it, and iterates the ids in use. Elements are
 * preallocated (max_entries of them), as in Linux: a full map answers
 * -ENOMEM until one is deleted or replaced.
 *
 * With BPF_F_STACK_BUILD_ID the values are struct bpf_stack_build_id; kbpf
 * knows no build ids, so every entry has status BPF_STACK_BUILD_ID_IP and
 * the address, which is what Linux stores when it finds no build id.
 *
 * Locking: one spinlock per map, taken with interrupts saved through the
 * host around every change and every copy. A program that interrupts a
 * holder on the same CPU (a host without irq_save) gets -EBUSY instead of
 * deadlocking.
 */
#include "core/spinlock.h"
#include "jhash.h"
#include "kbpf/stackmap.h"
#include "map_internal.h"

#define STACK_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_STACK_BUILD_ID)
#define NO_CPU 0xffffffffu

extern const struct kbpf_map_ops kbpf_stack_trace_map_ops;

struct stack_bucket {
	struct stack_bucket *next_free;
	uint32_t hash;
	uint32_t nr;
	uint64_t data[];
};

struct kbpf_stackmap {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	_Atomic uint32_t lock_cpu;
	uint32_t n_buckets;
	uint32_t elem_size; /* bytes per address: 8, or 32 with build ids */
	size_t bucket_size;
	struct stack_bucket **buckets; /* under lock */
	struct stack_bucket *free; /* under lock */
	uint8_t *elems;
};

static inline struct kbpf_stackmap *smap(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_stackmap, map);
}

static int sm_lock(struct kbpf_stackmap *s, unsigned long *flags)
{
	const struct kbpf_host *h = s->map.obj.host;
	uint32_t cpu = kbpf_this_cpu(h);

	*flags = kbpf_irq_save(h);
	while (!kbpf_spin_trylock(&s->lock)) {
		if (atomic_load_explicit(&s->lock_cpu, memory_order_relaxed) ==
		    cpu) {
			kbpf_irq_restore(h, *flags);
			return -KBPF_EBUSY;
		}
		kbpf_cpu_relax();
	}
	atomic_store_explicit(&s->lock_cpu, cpu, memory_order_relaxed);
	return 0;
}

static void sm_unlock(struct kbpf_stackmap *s, unsigned long flags)
{
	atomic_store_explicit(&s->lock_cpu, NO_CPU, memory_order_relaxed);
	kbpf_spin_unlock_irqrestore(s->map.obj.host, &s->lock, flags);
}

/*
 * Called from syscall: Linux's stack_map_alloc() checks, in its order;
 * made when allocating, after the privilege check, as Linux makes them.
 */
static int sm_check(const union bpf_attr *attr)
{
	uint32_t vs = attr->value_size;

	if (attr->map_flags & ~STACK_CREATE_FLAG_MASK)
		return -KBPF_EINVAL;
	if (!attr->max_entries || attr->key_size != 4 || vs < 8 || vs % 8)
		return -KBPF_EINVAL;
	if (attr->map_flags & BPF_F_STACK_BUILD_ID) {
		if (vs % sizeof(struct bpf_stack_build_id) ||
		    vs / sizeof(struct bpf_stack_build_id) >
			    KBPF_PERF_MAX_STACK)
			return -KBPF_EINVAL;
	} else if (vs / 8 > KBPF_PERF_MAX_STACK) {
		return -KBPF_EINVAL;
	}
	if (attr->max_entries > 1u << 31)
		return -KBPF_E2BIG;
	return 0;
}

/* Called from syscall */
static int sm_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out)
{
	struct kbpf_stackmap *s;
	uint32_t i;
	int err = sm_check(attr);

	if (err)
		return err;
	s = kbpf_zalloc(h, sizeof(*s), 0);
	if (!s)
		return -KBPF_ENOMEM;
	s->n_buckets = (uint32_t)kbpf_roundup_pow2(attr->max_entries);
	s->elem_size = attr->map_flags & BPF_F_STACK_BUILD_ID ?
			       (uint32_t)sizeof(struct bpf_stack_build_id) :
			       8;
	s->bucket_size = sizeof(struct stack_bucket) + attr->value_size;
	s->buckets = kbpf_zalloc(h, (size_t)s->n_buckets * sizeof(void *), 0);
	s->elems =
		s->buckets ?
			kbpf_malloc(h,
				    (size_t)attr->max_entries * s->bucket_size,
				    0) :
			NULL;
	if (!s->elems) {
		if (s->buckets)
			kbpf_free(h, s->buckets,
				  (size_t)s->n_buckets * sizeof(void *));
		kbpf_free(h, s, sizeof(*s));
		return -KBPF_ENOMEM;
	}
	for (i = 0; i < attr->max_entries; i++) {
		struct stack_bucket *b =
			(void *)(s->elems + (size_t)i * s->bucket_size);

		b->next_free = s->free;
		s->free = b;
	}
	kbpf_spin_init(&s->lock);
	atomic_init(&s->lock_cpu, NO_CPU);
	kbpf_map_init(&s->map, h, attr, &kbpf_stack_trace_map_ops);
	*out = &s->map;
	return 0;
}

/* Called when no program or fd can reach the map. */
static void sm_free(struct kbpf_map *map)
{
	struct kbpf_stackmap *s = smap(map);
	const struct kbpf_host *h = map->obj.host;

	kbpf_free(h, s->elems, (size_t)map->max_entries * s->bucket_size);
	kbpf_free(h, s->buckets, (size_t)s->n_buckets * sizeof(void *));
	kbpf_free(h, s, sizeof(*s));
}

/*
 * Called from syscall: the trace of id *@key, zero-padded to value_size;
 * with @del, the id is freed too (LOOKUP_AND_DELETE_ELEM).
 */
static int sm_copy(struct kbpf_map *map, const void *key, void *value, bool del)
{
	struct kbpf_stackmap *s = smap(map);
	uint32_t id = *(const uint32_t *)key;
	struct stack_bucket *b;
	unsigned long irq;
	size_t len;
	int err;

	if (id >= s->n_buckets)
		return -KBPF_ENOENT;
	err = sm_lock(s, &irq);
	if (err)
		return err;
	b = s->buckets[id];
	if (b) {
		len = (size_t)b->nr * s->elem_size;
		memcpy(value, b->data, len);
		memset((uint8_t *)value + len, 0, map->value_size - len);
		if (del) {
			s->buckets[id] = NULL;
			b->next_free = s->free;
			s->free = b;
		}
	}
	sm_unlock(s, irq);
	return b ? 0 : -KBPF_ENOENT;
}

static int sm_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			 uint64_t flags)
{
	return sm_copy(map, key, value, false);
}

static int sm_sys_lookup_and_delete(struct kbpf_map *map, const void *key,
				    void *value, uint64_t flags)
{
	return sm_copy(map, key, value, true);
}

/* Called from syscall or from a program */
static long sm_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_stackmap *s = smap(map);
	uint32_t id = *(const uint32_t *)key;
	struct stack_bucket *b;
	unsigned long irq;
	int err;

	if (id >= s->n_buckets)
		return -KBPF_EINVAL;
	err = sm_lock(s, &irq);
	if (err)
		return err;
	b = s->buckets[id];
	if (b) {
		s->buckets[id] = NULL;
		b->next_free = s->free;
		s->free = b;
	}
	sm_unlock(s, irq);
	return b ? 0 : -KBPF_ENOENT;
}

/* Called from syscall: user space cannot store traces (Linux: -EINVAL). */
static long sm_update_elem(struct kbpf_map *map, const void *key,
			   const void *value, uint64_t flags)
{
	return -KBPF_EINVAL;
}

/* Programs reach traces only through bpf_get_stackid. */
static void *sm_lookup_elem(struct kbpf_map *map, const void *key)
{
	return NULL;
}

/* Called from syscall: the next id in use after *@key (or the first). */
static int sm_get_next_key(struct kbpf_map *map, const void *key,
			   void *next_key)
{
	struct kbpf_stackmap *s = smap(map);
	unsigned long irq;
	uint32_t id = 0;
	int err = sm_lock(s, &irq);

	if (err)
		return err;
	if (key) {
		id = *(const uint32_t *)key;
		if (id >= s->n_buckets || !s->buckets[id])
			id = 0;
		else
			id++;
	}
	while (id < s->n_buckets && !s->buckets[id])
		id++;
	sm_unlock(s, irq);
	if (id >= s->n_buckets)
		return -KBPF_ENOENT;
	*(uint32_t *)next_key = id;
	return 0;
}

static uint64_t sm_mem_usage(const struct kbpf_map *map)
{
	const struct kbpf_stackmap *s = smap(map);

	return sizeof(*s) + (uint64_t)s->n_buckets * sizeof(void *) +
	       (uint64_t)map->max_entries * s->bucket_size;
}

bool kbpf_stackmap_is(const struct kbpf_map *map)
{
	return map->ops == &kbpf_stack_trace_map_ops;
}

uint32_t kbpf_stackmap_depth(const struct kbpf_map *map)
{
	return map->value_size / smap(map)->elem_size;
}

/* Fill @out with @nr build-id entries for @ips: no build id, the address. */
static void sm_build_ids(struct bpf_stack_build_id *out, const uint64_t *ips,
			 uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].status = BPF_STACK_BUILD_ID_IP;
		out[i].ip = ips[i];
	}
}

long kbpf_stackmap_get_stackid(struct kbpf_map *map, const uint64_t *trace,
			       uint32_t trace_nr, uint64_t flags)
{
	struct kbpf_stackmap *s;
	uint32_t skip = (uint32_t)(flags & BPF_F_SKIP_FIELD_MASK);
	struct stack_bucket *b, *nb = NULL;
	const uint64_t *ips;
	uint32_t nr, hash, id;
	unsigned long irq;
	bool match;
	long ret;
	int err;

	if (!kbpf_stackmap_is(map))
		return -KBPF_EINVAL;
	s = smap(map);
	if (trace_nr <= skip)
		return -KBPF_EFAULT;
	nr = trace_nr - skip;
	if (nr > kbpf_stackmap_depth(map))
		nr = kbpf_stackmap_depth(map);
	ips = trace + skip;
	hash = kbpf_jhash(ips, nr * 8, 0);
	id = hash & (s->n_buckets - 1);
	err = sm_lock(s, &irq);
	if (err)
		return err;
	b = s->buckets[id];
	match = b && b->hash == hash;
	if (match && (flags & BPF_F_FAST_STACK_CMP)) {
		ret = id;
		goto unlock;
	}
	if (s->elem_size != 8) {
		/* Build ids: fill a new element first, then compare. */
		nb = s->free;
		if (!nb) {
			ret = -KBPF_ENOMEM;
			goto unlock;
		}
		s->free = nb->next_free;
		sm_build_ids((struct bpf_stack_build_id *)nb->data, ips, nr);
		if (match && b->nr == nr &&
		    !memcmp(b->data, nb->data, (size_t)nr * s->elem_size)) {
			ret = id;
			goto put_back;
		}
		if (b && !(flags & BPF_F_REUSE_STACKID)) {
			ret = -KBPF_EEXIST;
			goto put_back;
		}
	} else {
		if (match && b->nr == nr && !memcmp(b->data, ips, nr * 8)) {
			ret = id;
			goto unlock;
		}
		if (b && !(flags & BPF_F_REUSE_STACKID)) {
			ret = -KBPF_EEXIST;
			goto unlock;
		}
		nb = s->free;
		if (!nb) {
			ret = -KBPF_ENOMEM;
			goto unlock;
		}
		s->free = nb->next_free;
		memcpy(nb->data, ips, (size_t)nr * 8);
	}
	nb->hash = hash;
	nb->nr = nr;
	s->buckets[id] = nb;
	if (b) {
		b->next_free = s->free;
		s->free = b;
	}
	ret = id;
	goto unlock;
put_back:
	nb->next_free = s->free;
	s->free = nb;
unlock:
	sm_unlock(s, irq);
	return ret;
}

const struct kbpf_map_ops kbpf_stack_trace_map_ops = {
	.alloc = sm_alloc,
	.free = sm_free,
	.get_next_key = sm_get_next_key,
	.sys_lookup = sm_sys_lookup,
	.sys_lookup_and_delete = sm_sys_lookup_and_delete,
	.lookup_elem = sm_lookup_elem,
	.update_elem = sm_update_elem,
	.delete_elem = sm_delete_elem,
	.mem_usage = sm_mem_usage,
};
