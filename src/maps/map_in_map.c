// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_ARRAY_OF_MAPS (Linux's map_in_map.c and the fd-array part of
 * arraymap.c in behaviour): an array whose slots hold references to other
 * maps, all alike.
 *
 * Creation takes a template, attr->inner_map_fd: the slots will only take
 * maps with the template's type, key and value sizes and flags (and, for
 * array types, its max_entries unless the template has BPF_F_INNER_MAP).
 * User space stores map fds and reads back map ids; a program's lookup
 * returns the inner map itself, which the program passes to the map
 * helpers (checked mode accepts it for the rest of the run).
 *
 * Locking: a slot points to a small entry holding the reference; slots are
 * swapped with atomic exchanges (syscall path) and read with acquire loads
 * (program path), lock-free. A replaced or deleted entry may still be in
 * use by a running program: its reference is dropped through
 * kbpf_host.defer_free or, without it, when the outer map dies.
 */
#include "core/atomic.h"
#include "map_in_map.h"
#include "core/object.h"

/* What Linux's fd-array check lets through (not BPF_F_INNER_MAP: measured). */
#define AOM_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

extern const struct kbpf_map_ops kbpf_array_of_maps_map_ops;

struct kbpf_array_of_maps {
	struct kbpf_map map;
	struct kbpf_mim_template tmpl;
	struct kbpf_spinlock retired_lock; /* protects retired */
	struct kbpf_mim_entry *retired; /* without defer_free: freed with us */
	struct kbpf_mim_entry *_Atomic *slots;
};

static inline struct kbpf_array_of_maps *aom(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_array_of_maps, map);
}

/* ---- the shared part (map_in_map.h) ---- */

/* Types Linux refuses as inner maps (no map_meta_equal op): -ENOTSUPP. */
static bool inner_type_ok(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PROG_ARRAY: /* measured; PERF_EVENT_ARRAY is fine */
		return false;
	default:
		return true;
	}
}

/* Array types compare max_entries too (Linux's array_map_meta_equal). */
static bool inner_is_array(uint32_t type)
{
	return type == BPF_MAP_TYPE_ARRAY || type == BPF_MAP_TYPE_PERCPU_ARRAY;
}

int kbpf_mim_template_from_map(struct kbpf_mim_template *t,
			       const struct kbpf_map *inner)
{
	if (kbpf_map_is_map_in_map(inner))
		return -KBPF_EINVAL; /* one level only */
	if (!inner_type_ok(inner->map_type))
		return -KBPF_ENOTSUPP;
	t->type = inner->map_type;
	t->key_size = inner->key_size;
	t->value_size = inner->value_size;
	t->max_entries = inner->max_entries;
	t->flags = inner->map_flags;
	return 0;
}

int kbpf_mim_template_take(struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd)
{
	struct kbpf_obj *obj;
	struct kbpf_map *inner;
	int err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, NULL);

	if (err)
		return err;
	inner = kbpf_container_of(obj, struct kbpf_map, obj);
	err = kbpf_mim_template_from_map(t, inner);
	kbpf_map_put(inner);
	return err;
}

/* Linux's map_meta_equal for the template's type. */
static bool mim_meta_equal(const struct kbpf_mim_template *t,
			   const struct kbpf_map *m)
{
	if (m->map_type != t->type || m->key_size != t->key_size ||
	    m->value_size != t->value_size || m->map_flags != t->flags)
		return false;
	if (inner_is_array(t->type) && !(t->flags & BPF_F_INNER_MAP))
		return m->max_entries == t->max_entries;
	return true;
}

int kbpf_mim_entry_from_map(const struct kbpf_mim_template *t,
			    const struct kbpf_host *h, struct kbpf_map *inner,
			    struct kbpf_mim_entry **out)
{
	struct kbpf_mim_entry *e;

	if (!mim_meta_equal(t, inner))
		return -KBPF_EINVAL;
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e)
		return -KBPF_ENOMEM;
	kbpf_map_get(inner);
	e->host = h;
	e->map = inner;
	*out = e;
	return 0;
}

int kbpf_mim_entry_from_fd(const struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd,
			   struct kbpf_mim_entry **out)
{
	struct kbpf_mim_entry *e;
	struct kbpf_map *inner;
	struct kbpf_obj *obj;
	int err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, NULL);

	if (err)
		return err;
	inner = kbpf_container_of(obj, struct kbpf_map, obj);
	if (!mim_meta_equal(t, inner)) {
		kbpf_map_put(inner);
		return -KBPF_EINVAL;
	}
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e) {
		kbpf_map_put(inner);
		return -KBPF_ENOMEM;
	}
	e->host = h;
	e->map = inner; /* the reference from fd_get moves here */
	*out = e;
	return 0;
}

void kbpf_mim_entry_free(struct kbpf_mim_entry *e)
{
	const struct kbpf_host *h = e->host;

	kbpf_map_put(e->map);
	kbpf_free(h, e, sizeof(*e));
}

static void mim_entry_free_rcu(struct kbpf_rcu_head *head)
{
	kbpf_mim_entry_free((struct kbpf_mim_entry *)head);
}

void kbpf_mim_entry_retire(struct kbpf_mim_entry *e, struct kbpf_spinlock *lock,
			   struct kbpf_mim_entry **retired)
{
	const struct kbpf_host *h = e->host;
	unsigned long flags;

	if (h->defer_free) {
		e->rcu.func = mim_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	flags = kbpf_spin_lock_irqsave(h, lock);
	e->next_retired = *retired;
	*retired = e;
	kbpf_spin_unlock_irqrestore(h, lock, flags);
}

void kbpf_mim_free_retired(struct kbpf_mim_entry **retired)
{
	while (*retired) {
		struct kbpf_mim_entry *e = *retired;

		*retired = e->next_retired;
		kbpf_mim_entry_free(e);
	}
}

/* ---- ARRAY_OF_MAPS ---- */

/* Called from syscall: Linux's fd_array_map_alloc_check() + array rules. */
static int aom_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (attr->value_size != sizeof(uint32_t) ||
	    (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		return -KBPF_EINVAL;
	if (attr->max_entries == 0 || attr->key_size != sizeof(uint32_t) ||
	    (attr->map_flags & ~AOM_CREATE_FLAG_MASK))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall: the template from @inner, or else the attr's fd. */
static int aom_alloc_common(const struct kbpf_host *h,
			    const union bpf_attr *attr,
			    const struct kbpf_map *inner, struct kbpf_map **out)
{
	struct kbpf_array_of_maps *a;
	size_t bytes;
	int err;

	if (kbpf_mul_overflow((size_t)attr->max_entries, sizeof(*a->slots),
			      &bytes))
		return -KBPF_ENOMEM;
	a = kbpf_zalloc(h, sizeof(*a), 0);
	if (!a)
		return -KBPF_ENOMEM;
	err = inner ? kbpf_mim_template_from_map(&a->tmpl, inner) :
		      kbpf_mim_template_take(&a->tmpl, h,
					     (int)attr->inner_map_fd);
	if (err) {
		kbpf_free(h, a, sizeof(*a));
		return err;
	}
	a->slots = kbpf_zalloc(h, bytes, 0);
	if (!a->slots) {
		kbpf_free(h, a, sizeof(*a));
		return -KBPF_ENOMEM;
	}
	kbpf_map_init(&a->map, h, attr, &kbpf_array_of_maps_map_ops);
	kbpf_spin_init(&a->retired_lock);
	*out = &a->map;
	return 0;
}

static int aom_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	return aom_alloc_common(h, attr, NULL, out);
}

static int aom_alloc_with_inner(const struct kbpf_host *h,
				const union bpf_attr *attr,
				const struct kbpf_map *inner,
				struct kbpf_map **out)
{
	return aom_alloc_common(h, attr, inner, out);
}

/* Called when no program or fd can reach the map. */
static void aom_free(struct kbpf_map *map)
{
	struct kbpf_array_of_maps *a = aom(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct kbpf_mim_entry *e = atomic_load(&a->slots[i]);

		if (e)
			kbpf_mim_entry_free(e);
	}
	kbpf_mim_free_retired(&a->retired);
	kbpf_free(h, a->slots, (size_t)map->max_entries * sizeof(*a->slots));
	kbpf_free(h, a, sizeof(*a));
}

/* Called from a program (any context): the inner map, or NULL. */
static void *aom_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_array_of_maps *a = aom(map);
	struct kbpf_mim_entry *e;
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return NULL;
	/* Acquire: pairs with the exchange that published the entry. */
	e = atomic_load_explicit(&a->slots[idx], memory_order_acquire);
	return e ? e->map : NULL;
}

/* Called from syscall: the inner map's id. */
static int aom_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	struct kbpf_map *inner = aom_lookup_elem(map, key);
	uint32_t id;

	if (!inner)
		return -KBPF_ENOENT;
	id = inner->obj.id;
	kbpf_memcpy(value, &id, sizeof(id));
	return 0;
}

/*
 * Called from syscall: @value is a map fd. Linux's order: flags, index,
 * the fd (not open: -EBADF; not a map: -EINVAL), the template (-EINVAL).
 */
static int aom_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_array_of_maps *a = aom(map);
	struct kbpf_mim_entry *e, *old;
	uint32_t idx;
	int32_t fd;
	int err;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	kbpf_memcpy(&fd, value, sizeof(fd));
	err = kbpf_mim_entry_from_fd(&a->tmpl, map->obj.host, fd, &e);
	if (err)
		return err;
	old = atomic_exchange_explicit(&a->slots[idx], e, memory_order_acq_rel);
	if (old)
		kbpf_mim_entry_retire(old, &a->retired_lock, &a->retired);
	return 0;
}

/* Called from syscall: kbpf_map_set_inner(). */
static int aom_set_inner(struct kbpf_map *map, const void *key,
			 struct kbpf_map *inner)
{
	struct kbpf_array_of_maps *a = aom(map);
	struct kbpf_mim_entry *e, *old;
	uint32_t idx;
	int err;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	err = kbpf_mim_entry_from_map(&a->tmpl, map->obj.host, inner, &e);
	if (err)
		return err;
	old = atomic_exchange_explicit(&a->slots[idx], e, memory_order_acq_rel);
	if (old)
		kbpf_mim_entry_retire(old, &a->retired_lock, &a->retired);
	return 0;
}

/* Called from syscall */
static long aom_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_array_of_maps *a = aom(map);
	struct kbpf_mim_entry *old;
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	old = atomic_exchange_explicit(&a->slots[idx], NULL,
				       memory_order_acq_rel);
	if (!old)
		return -KBPF_ENOENT;
	kbpf_mim_entry_retire(old, &a->retired_lock, &a->retired);
	return 0;
}

static uint64_t aom_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_array_of_maps) +
	       (uint64_t)map->max_entries * sizeof(void *);
}

const struct kbpf_map_ops kbpf_array_of_maps_map_ops = {
	.alloc_check = aom_alloc_check,
	.alloc = aom_alloc,
	.alloc_with_inner = aom_alloc_with_inner,
	.free = aom_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = aom_sys_lookup,
	.sys_update = aom_sys_update,
	.set_inner = aom_set_inner,
	.lookup_elem = aom_lookup_elem,
	.delete_elem = aom_delete_elem,
	.mem_usage = aom_mem_usage,
};
