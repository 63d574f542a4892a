// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_DEVMAP and BPF_MAP_TYPE_DEVMAP_HASH (Linux's devmap.c in
 * behaviour): network devices by index, for bpf_redirect_map from XDP
 * programs. Values are an ifindex (value_size 4) or struct bpf_devmap_val
 * (8: ifindex, then a program id on reads); the host says which ifindexes
 * exist (kbpf_host.ifindex_ok). DEVMAP is array-shaped: every index below
 * max_entries is a key; DEVMAP_HASH keeps up to max_entries keys of any
 * value in Linux's buckets (key & (buckets - 1), newest first), so
 * iteration visits keys in the kernel's order.
 *
 * kbpf runs no program at redirect time, so a devmap entry's own XDP
 * program (bpf_prog.fd) is refused with -EINVAL.
 *
 * Locking: updates and deletes take the map's spinlock with interrupts
 * saved; programs read entries lock-free (acquire loads). A replaced or
 * deleted entry is freed through defer_free, or kept until the map dies.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/devmap.h"
#include "map_internal.h"

#define DEV_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

extern const struct kbpf_map_ops kbpf_dev_map_ops;
extern const struct kbpf_map_ops kbpf_dev_map_hash_ops;

struct dev_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	struct dev_entry *_Atomic hnext; /* DEVMAP_HASH bucket list */
	struct dev_entry *next_retired;
	uint32_t key;
	struct bpf_devmap_val val; /* what programs and lookups read */
};

struct kbpf_devmap {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	struct dev_entry *retired; /* under lock, without defer_free */
	uint32_t n_buckets; /* DEVMAP_HASH */
	uint32_t items; /* DEVMAP_HASH, under lock */
	struct dev_entry *_Atomic *slots; /* DEVMAP: per index; HASH: buckets */
};

static inline struct kbpf_devmap *dtab(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_devmap, map);
}

static bool is_hash(const struct kbpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_DEVMAP_HASH;
}

/* Called from syscall: Linux's dev_map_alloc() checks. */
static int dev_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->value_size != 4 && attr->value_size != 8) ||
	    (attr->map_flags & ~DEV_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags))
		return -KBPF_EINVAL;
	return 0;
}

static const struct kbpf_map_ops *dev_ops(uint32_t type)
{
	return type == BPF_MAP_TYPE_DEVMAP_HASH ? &kbpf_dev_map_hash_ops :
						  &kbpf_dev_map_ops;
}

/* Called from syscall */
static int dev_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_devmap *d;
	uint32_t n = attr->max_entries;
	size_t bytes;

	if (attr->map_type == BPF_MAP_TYPE_DEVMAP_HASH) {
		if (n > 1u << 31)
			return -KBPF_EINVAL;
		n = (uint32_t)kbpf_roundup_pow2(n);
	}
	if (kbpf_mul_overflow((size_t)n, sizeof(void *), &bytes))
		return -KBPF_ENOMEM;
	d = kbpf_zalloc(h, sizeof(*d), 0);
	if (!d)
		return -KBPF_ENOMEM;
	d->slots = kbpf_zalloc(h, bytes, 0);
	if (!d->slots) {
		kbpf_free(h, d, sizeof(*d));
		return -KBPF_ENOMEM;
	}
	d->n_buckets = n;
	kbpf_spin_init(&d->lock);
	kbpf_map_init(&d->map, h, attr, dev_ops(attr->map_type));
	/*
	 * A lookup hands the program the entry the host validated: read-only
	 * to programs, and shown so in bpf_map_info, as Linux does.
	 */
	d->map.map_flags |= BPF_F_RDONLY_PROG;
	*out = &d->map;
	return 0;
}

static void dev_entry_free_rcu(struct kbpf_rcu_head *head)
{
	struct dev_entry *e = (struct dev_entry *)head;

	kbpf_free(e->host, e, sizeof(*e));
}

/* Under the map's lock: free @e once no program can hold it. */
static void dev_retire_locked(struct kbpf_devmap *d, struct dev_entry *e)
{
	const struct kbpf_host *h = d->map.obj.host;

	if (h->defer_free) {
		e->rcu.func = dev_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	e->next_retired = d->retired;
	d->retired = e;
}

/* Called when no program or fd can reach the map. */
static void dev_free(struct kbpf_map *map)
{
	struct kbpf_devmap *d = dtab(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < d->n_buckets; i++) {
		struct dev_entry *e = atomic_load(&d->slots[i]);

		while (e) {
			struct dev_entry *next =
				is_hash(map) ? atomic_load(&e->hnext) : NULL;

			kbpf_free(h, e, sizeof(*e));
			e = next;
		}
	}
	while (d->retired) {
		struct dev_entry *e = d->retired;

		d->retired = e->next_retired;
		kbpf_free(h, e, sizeof(*e));
	}
	kbpf_free(h, d->slots, (size_t)d->n_buckets * sizeof(void *));
	kbpf_free(h, d, sizeof(*d));
}

/* The entry of @key, lock-free (programs) or under the lock. */
static struct dev_entry *dev_find(struct kbpf_devmap *d, uint32_t key)
{
	struct dev_entry *e;

	if (!is_hash(&d->map))
		return key < d->map.max_entries ?
			       atomic_load_explicit(&d->slots[key],
						    memory_order_acquire) :
			       NULL;
	e = atomic_load_explicit(&d->slots[key & (d->n_buckets - 1)],
				 memory_order_acquire);
	while (e && e->key != key)
		e = atomic_load_explicit(&e->hnext, memory_order_acquire);
	return e;
}

/* Called from a program: the entry's struct bpf_devmap_val, or NULL. */
static void *dev_lookup_elem(struct kbpf_map *map, const void *key)
{
	uint32_t k;
	struct dev_entry *e;

	kbpf_memcpy(&k, key, sizeof(k));
	e = dev_find(dtab(map), k);
	return e ? &e->val : NULL;
}

/* Called from syscall: the ifindex (and a program id of 0). */
static int dev_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	struct bpf_devmap_val *v = dev_lookup_elem(map, key);

	if (!v)
		return -KBPF_ENOENT;
	memcpy(value, v, map->value_size);
	return 0;
}

/* Linux's __dev_map_alloc_node() checks: a device that exists, no program. */
static int dev_val_check(const struct kbpf_map *map, struct bpf_devmap_val *val)
{
	const struct kbpf_host *h = map->obj.host;

	/* kbpf runs no devmap programs; a bad fd is -EINVAL in Linux too. */
	if (map->value_size == 8 && val->bpf_prog.fd > 0)
		return -KBPF_EINVAL;
	val->bpf_prog.id = 0;
	if (!val->ifindex || !h->ifindex_ok || !h->ifindex_ok(h, val->ifindex))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall: Linux's __dev_map_update_elem / hash variant. */
static int dev_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_devmap *d = dtab(map);
	const struct kbpf_host *h = map->obj.host;
	struct bpf_devmap_val val = { 0 };
	struct dev_entry *e, *old, *_Atomic *link, *_Atomic *p;
	unsigned long irq;
	uint32_t k;
	int err = 0;

	if (flags > BPF_EXIST)
		return -KBPF_EINVAL;
	kbpf_memcpy(&k, key, sizeof(k));
	memcpy(&val, value, map->value_size);
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e)
		return -KBPF_ENOMEM;
	e->host = h;
	e->key = k;
	if (!is_hash(map)) {
		if (k >= map->max_entries)
			err = -KBPF_E2BIG;
		else if (flags == BPF_NOEXIST)
			err = -KBPF_EEXIST; /* every array index exists */
		else if (!val.ifindex)
			/* ifindex 0 empties the slot (no program with it). */
			err = map->value_size == 8 && val.bpf_prog.fd > 0 ?
				      -KBPF_EINVAL :
				      0;
		else
			err = dev_val_check(map, &val);
		if (err)
			goto free;
		e->val = val;
		if (!val.ifindex) {
			kbpf_free(h, e, sizeof(*e));
			e = NULL;
		}
		irq = kbpf_spin_lock_irqsave(h, &d->lock);
		old = atomic_exchange_explicit(&d->slots[k], e,
					       memory_order_acq_rel);
		if (old)
			dev_retire_locked(d, old);
		kbpf_spin_unlock_irqrestore(h, &d->lock, irq);
		return 0;
	}
	irq = kbpf_spin_lock_irqsave(h, &d->lock);
	old = dev_find(d, k);
	if (old && flags == BPF_NOEXIST)
		err = -KBPF_EEXIST;
	if (!err)
		err = dev_val_check(map, &val);
	if (!err && !old && d->items >= map->max_entries)
		err = -KBPF_E2BIG;
	if (err)
		goto unlock;
	e->val = val;
	link = &d->slots[k & (d->n_buckets - 1)];
	if (old) {
		/* Linux unlinks the old entry and adds the new one first. */
		for (p = link; atomic_load(p) != old;
		     p = &atomic_load(p)->hnext)
			;
		atomic_store_explicit(p, atomic_load(&old->hnext),
				      memory_order_release);
		dev_retire_locked(d, old);
	} else {
		d->items++;
	}
	atomic_store(&e->hnext, atomic_load(link));
	atomic_store_explicit(link, e, memory_order_release);
unlock:
	kbpf_spin_unlock_irqrestore(h, &d->lock, irq);
	if (!err)
		return 0;
free:
	kbpf_free(h, e, sizeof(*e));
	return err;
}

/* Called from syscall or from a program */
static long dev_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_devmap *d = dtab(map);
	const struct kbpf_host *h = map->obj.host;
	struct dev_entry *old = NULL, *_Atomic * p;
	unsigned long irq;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	if (!is_hash(map) && k >= map->max_entries)
		return -KBPF_EINVAL;
	irq = kbpf_spin_lock_irqsave(h, &d->lock);
	if (!is_hash(map)) {
		old = atomic_exchange_explicit(&d->slots[k], NULL,
					       memory_order_acq_rel);
	} else {
		for (p = &d->slots[k & (d->n_buckets - 1)]; atomic_load(p);
		     p = &atomic_load(p)->hnext) {
			if (atomic_load(p)->key == k) {
				old = atomic_load(p);
				atomic_store_explicit(p,
						      atomic_load(&old->hnext),
						      memory_order_release);
				d->items--;
				break;
			}
		}
	}
	if (old)
		dev_retire_locked(d, old);
	kbpf_spin_unlock_irqrestore(h, &d->lock, irq);
	/* DEVMAP: deleting an empty index succeeds, as in Linux. */
	return old || !is_hash(map) ? 0 : -KBPF_ENOENT;
}

/* Called from syscall: Linux's dev_map_hash_get_next_key(). */
static int dev_hash_get_next_key(struct kbpf_map *map, const void *key,
				 void *next_key)
{
	struct kbpf_devmap *d = dtab(map);
	const struct kbpf_host *h = map->obj.host;
	struct dev_entry *e = NULL, *n = NULL;
	unsigned long irq;
	uint32_t i = 0, k;

	irq = kbpf_spin_lock_irqsave(h, &d->lock);
	if (key) {
		kbpf_memcpy(&k, key, sizeof(k));
		e = dev_find(d, k);
		if (e) {
			n = atomic_load(&e->hnext);
			i = (k & (d->n_buckets - 1)) + 1;
		}
	}
	for (; !n && i < d->n_buckets; i++)
		n = atomic_load(&d->slots[i]);
	if (n)
		kbpf_memcpy(next_key, &n->key, sizeof(n->key));
	kbpf_spin_unlock_irqrestore(h, &d->lock, irq);
	return n ? 0 : -KBPF_ENOENT;
}

static uint64_t dev_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_devmap) +
	       (uint64_t)dtab(map)->n_buckets * sizeof(void *);
}

bool kbpf_devmap_is(const struct kbpf_map *map)
{
	return map->ops == &kbpf_dev_map_ops ||
	       map->ops == &kbpf_dev_map_hash_ops;
}

const struct bpf_devmap_val *kbpf_devmap_lookup(struct kbpf_map *map,
						uint32_t key)
{
	struct dev_entry *e = dev_find(dtab(map), key);

	return e ? &e->val : NULL;
}

const struct kbpf_map_ops kbpf_dev_map_ops = {
	.alloc_check = dev_alloc_check,
	.alloc = dev_alloc,
	.free = dev_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = dev_sys_lookup,
	.sys_update = dev_sys_update,
	.lookup_elem = dev_lookup_elem,
	.delete_elem = dev_delete_elem,
	.mem_usage = dev_mem_usage,
};

const struct kbpf_map_ops kbpf_dev_map_hash_ops = {
	.alloc_check = dev_alloc_check,
	.alloc = dev_alloc,
	.free = dev_free,
	.get_next_key = dev_hash_get_next_key,
	.sys_lookup = dev_sys_lookup,
	.sys_update = dev_sys_update,
	.lookup_elem = dev_lookup_elem,
	.delete_elem = dev_delete_elem,
	.mem_usage = dev_mem_usage,
};
