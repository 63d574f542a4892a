// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_CGROUP_ARRAY (Linux's cgroup fd array in behaviour): slots
 * hold the host's cgroups, stored from user space as fds of cgroup
 * directories (kbpf_host.cgroup_get resolves them) and tested by
 * bpf_current_task_under_cgroup (kbpf_host.current_in_cgroup). Linux's
 * rules: key and value 4 bytes, BPF_ANY only, -E2BIG past max_entries, no
 * value to read back (-ENOTSUPP), -ENOENT deleting an empty slot.
 *
 * Slots are published with release and read with acquire; a replaced or
 * deleted cgroup is dropped (kbpf_host.cgroup_put) through defer_free, so
 * a program that loaded it can still use it; without defer_free it is
 * kept until the map is freed.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "map_internal.h"

#define CGA_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

extern const struct kbpf_map_ops kbpf_cgroup_array_map_ops;

struct cga_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	void *cgrp;
	struct cga_entry *next_retired;
};

struct kbpf_cgroup_array {
	struct kbpf_map map;
	struct kbpf_spinlock retired_lock;
	struct cga_entry *retired;
	struct cga_entry *_Atomic *slots;
};

static inline struct kbpf_cgroup_array *cga(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_cgroup_array, map);
}

/* Called from syscall: Linux's fd_array_map_alloc_check(). */
static int cga_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (attr->value_size != 4 ||
	    (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		return -KBPF_EINVAL;
	if (!attr->max_entries || attr->key_size != 4 ||
	    (attr->map_flags & ~CGA_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall */
static int cga_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_cgroup_array *a;
	size_t bytes;

	if (kbpf_mul_overflow((size_t)attr->max_entries, sizeof(*a->slots),
			      &bytes))
		return -KBPF_ENOMEM;
	a = kbpf_zalloc(h, sizeof(*a), 0);
	if (!a)
		return -KBPF_ENOMEM;
	a->slots = kbpf_zalloc(h, bytes, 0);
	if (!a->slots) {
		kbpf_free(h, a, sizeof(*a));
		return -KBPF_ENOMEM;
	}
	kbpf_map_init(&a->map, h, attr, &kbpf_cgroup_array_map_ops);
	kbpf_spin_init(&a->retired_lock);
	*out = &a->map;
	return 0;
}

static void cga_entry_free(struct cga_entry *e)
{
	const struct kbpf_host *h = e->host;

	if (h->cgroup_put)
		h->cgroup_put(h, e->cgrp);
	kbpf_free(h, e, sizeof(*e));
}

static void cga_entry_free_rcu(struct kbpf_rcu_head *head)
{
	cga_entry_free((struct cga_entry *)head);
}

static void cga_retire(struct kbpf_cgroup_array *a, struct cga_entry *e)
{
	const struct kbpf_host *h = a->map.obj.host;
	unsigned long flags;

	if (h->defer_free) {
		e->rcu.func = cga_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	flags = kbpf_spin_lock_irqsave(h, &a->retired_lock);
	e->next_retired = a->retired;
	a->retired = e;
	kbpf_spin_unlock_irqrestore(h, &a->retired_lock, flags);
}

/* Called when the last reference is gone: no program, no fd. */
static void cga_free(struct kbpf_map *map)
{
	struct kbpf_cgroup_array *a = cga(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct cga_entry *e = atomic_load(&a->slots[i]);

		if (e)
			cga_entry_free(e);
	}
	while (a->retired) {
		struct cga_entry *e = a->retired;

		a->retired = e->next_retired;
		cga_entry_free(e);
	}
	kbpf_free(h, a->slots, (size_t)map->max_entries * sizeof(*a->slots));
	kbpf_free(h, a, sizeof(*a));
}

/* Called from syscall: a cgroup fd into slot *@key. */
static int cga_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_cgroup_array *a = cga(map);
	const struct kbpf_host *h = map->obj.host;
	struct cga_entry *e, *old;
	uint32_t idx;
	int32_t fd;
	int err = -KBPF_EBADF;
	void *cgrp;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	kbpf_memcpy(&fd, value, sizeof(fd));
	cgrp = NULL;
	if (h->cgroup_get)
		err = h->cgroup_get(h, fd, &cgrp);
	if (err || !cgrp)
		return err < 0 ? err : -KBPF_EBADF;
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e) {
		if (h->cgroup_put)
			h->cgroup_put(h, cgrp);
		return -KBPF_ENOMEM;
	}
	e->host = h;
	e->cgrp = cgrp;
	old = atomic_exchange_explicit(&a->slots[idx], e, memory_order_acq_rel);
	if (old)
		cga_retire(a, old);
	return 0;
}

/* Called from syscall: a cgroup has no value user space can read. */
static int cga_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	return -KBPF_ENOTSUPP;
}

/* Called from syscall or from a program */
static long cga_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_cgroup_array *a = cga(map);
	struct cga_entry *old;
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	old = atomic_exchange_explicit(&a->slots[idx], NULL,
				       memory_order_acq_rel);
	if (!old)
		return -KBPF_ENOENT;
	cga_retire(a, old);
	return 0;
}

static uint64_t cga_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_cgroup_array) +
	       (uint64_t)map->max_entries * sizeof(void *);
}

long kbpf_cgroup_array_current_under(struct kbpf_map *map, uint32_t idx)
{
	const struct kbpf_host *h = map->obj.host;
	struct cga_entry *e;

	if (map->ops != &kbpf_cgroup_array_map_ops)
		return -KBPF_EINVAL;
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	/* Pairs with the release exchange in update. */
	e = atomic_load_explicit(&cga(map)->slots[idx], memory_order_acquire);
	if (!e)
		return -KBPF_EAGAIN;
	return h->current_in_cgroup ? h->current_in_cgroup(h, e->cgrp) > 0 : 0;
}

const struct kbpf_map_ops kbpf_cgroup_array_map_ops = {
	.alloc_check = cga_alloc_check,
	.alloc = cga_alloc,
	.free = cga_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = cga_sys_lookup,
	.sys_update = cga_sys_update,
	.delete_elem = cga_delete_elem,
	.mem_usage = cga_mem_usage,
};
