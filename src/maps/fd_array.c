// SPDX-License-Identifier: MIT
/*
 * The fd-array base (fd_array.h): slots of object pointers that user space
 * fills with fds, shared by PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY and
 * ARRAY_OF_MAPS, and the deferred-release entries they (and HASH_OF_MAPS)
 * keep objects in.
 */
#include "core/atomic.h"
#include "fd_array.h"

/* What every fd array takes; PERF_EVENT_ARRAY adds BPF_F_PRESERVE_ELEMS. */
#define FD_ARRAY_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

/* Called from syscall */
int kbpf_fd_array_alloc_check(const struct kbpf_host *h,
			      const union bpf_attr *attr)
{
	uint32_t allowed = FD_ARRAY_CREATE_FLAG_MASK;

	(void)h;
	if (attr->map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		allowed |= BPF_F_PRESERVE_ELEMS;
	/* Also refuses BPF_F_RDONLY_PROG and BPF_F_WRONLY_PROG, as Linux. */
	if (attr->max_entries == 0 || attr->key_size != sizeof(uint32_t) ||
	    attr->value_size != sizeof(uint32_t) ||
	    (attr->map_flags & ~allowed))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall: take the slot's object out. */
static void fd_array_put(struct kbpf_map *map, void *old)
{
	if (old)
		map->ops->fd_put_ptr(map, old, true);
}

static void *fd_array_xchg(struct kbpf_map *map, uint32_t idx, void *ptr)
{
	/* Release: pairs with the readers' acquire (kbpf_fd_array_get). */
	return atomic_exchange_explicit(&kbpf_fd_array(map)->slots[idx], ptr,
					memory_order_acq_rel);
}

/* Called from syscall: the last user reference is gone. */
static void fd_array_release_uref(struct kbpf_obj *obj)
{
	struct kbpf_map *map = kbpf_container_of(obj, struct kbpf_map, obj);
	uint32_t i;

	for (i = 0; i < map->max_entries; i++)
		fd_array_put(map, fd_array_xchg(map, i, NULL));
}

/* Called from syscall */
int kbpf_fd_array_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
			const struct kbpf_map_ops *ops, size_t size,
			bool clear_on_uref, struct kbpf_map **out)
{
	struct kbpf_fd_array *a;
	size_t bytes;

	if (kbpf_mul_overflow((size_t)attr->max_entries, sizeof(*a->slots),
			      &bytes))
		return -KBPF_ENOMEM;
	a = kbpf_zalloc(h, size, 0);
	if (!a)
		return -KBPF_ENOMEM;
	a->slots = kbpf_zalloc(h, bytes, 0);
	if (!a->slots) {
		kbpf_free(h, a, size);
		return -KBPF_ENOMEM;
	}
	kbpf_map_init(&a->map, h, attr, ops);
	if (clear_on_uref)
		a->map.obj.release_uref = fd_array_release_uref;
	kbpf_spin_init(&a->retired.lock);
	a->size = size;
	*out = &a->map;
	return 0;
}

/* Called when no program or fd can reach the map */
void kbpf_fd_array_free(struct kbpf_map *map)
{
	struct kbpf_fd_array *a = kbpf_fd_array(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		void *ptr = atomic_load_explicit(&a->slots[i],
						 memory_order_relaxed);

		if (ptr)
			map->ops->fd_put_ptr(map, ptr, false);
	}
	kbpf_fd_retired_free(&a->retired);
	kbpf_free(h, a->slots, (size_t)map->max_entries * sizeof(*a->slots));
	kbpf_free(h, a, a->size);
}

/* Called from syscall */
int kbpf_fd_array_sys_update(struct kbpf_map *map, const void *key,
			     const void *value, uint64_t flags)
{
	uint32_t idx;
	int32_t fd;
	void *ptr;
	int err;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	kbpf_memcpy(&fd, value, sizeof(fd));
	err = map->ops->fd_get_ptr(map, fd, &ptr);
	if (err)
		return err;
	fd_array_put(map, fd_array_xchg(map, idx, ptr));
	return 0;
}

/* Called from syscall (read-side section held) */
int kbpf_fd_array_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			     uint64_t flags)
{
	uint32_t idx, id;
	void *ptr;

	(void)flags;
	if (!map->ops->fd_sys_lookup_elem)
		return -KBPF_ENOTSUPP;
	kbpf_memcpy(&idx, key, sizeof(idx));
	ptr = kbpf_fd_array_get(map, idx);
	if (!ptr)
		return -KBPF_ENOENT;
	id = map->ops->fd_sys_lookup_elem(ptr);
	kbpf_memcpy(value, &id, sizeof(id));
	return 0;
}

/* Called from syscall (map.c refuses programs) */
long kbpf_fd_array_delete_elem(struct kbpf_map *map, const void *key)
{
	uint32_t idx;
	void *old;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	old = fd_array_xchg(map, idx, NULL);
	if (!old)
		return -KBPF_ENOENT;
	fd_array_put(map, old);
	return 0;
}

/* Called from syscall */
int kbpf_fd_array_replace(struct kbpf_map *map, uint32_t idx, void *ptr)
{
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	fd_array_put(map, fd_array_xchg(map, idx, ptr));
	return 0;
}

uint64_t kbpf_fd_array_mem_usage(const struct kbpf_map *map)
{
	return kbpf_fd_array(map)->size +
	       (uint64_t)map->max_entries * sizeof(void *);
}

/* ---- entries ---- */

/* Called from syscall */
struct kbpf_fd_entry *kbpf_fd_entry_new(const struct kbpf_host *h, void *obj,
					void (*put)(const struct kbpf_host *h,
						    void *obj),
					struct kbpf_fd_retired *r)
{
	struct kbpf_fd_entry *e = kbpf_zalloc(h, sizeof(*e), 0);

	if (!e)
		return NULL;
	e->host = h;
	e->obj = obj;
	e->put = put;
	e->retired = r;
	return e;
}

void kbpf_fd_entry_free(struct kbpf_fd_entry *e)
{
	const struct kbpf_host *h = e->host;

	e->put(h, e->obj);
	kbpf_free(h, e, sizeof(*e));
}

static void fd_entry_free_rcu(struct kbpf_rcu_head *head)
{
	kbpf_fd_entry_free((struct kbpf_fd_entry *)head);
}

/* Called from syscall or from a program (any context) */
void kbpf_fd_entry_retire(struct kbpf_fd_entry *e)
{
	struct kbpf_fd_retired *r = e->retired;
	const struct kbpf_host *h = e->host;
	unsigned long flags;

	if (h->defer_free) {
		e->rcu.func = fd_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	flags = kbpf_spin_lock_irqsave(h, &r->lock);
	e->next_retired = r->head;
	r->head = e;
	kbpf_spin_unlock_irqrestore(h, &r->lock, flags);
}

/* Called when the map that owns @r is freed */
void kbpf_fd_retired_free(struct kbpf_fd_retired *r)
{
	while (r->head) {
		struct kbpf_fd_entry *e = r->head;

		r->head = e->next_retired;
		kbpf_fd_entry_free(e);
	}
}

void kbpf_fd_entry_put_ptr(struct kbpf_map *map, void *ptr, bool need_defer)
{
	(void)map;
	if (need_defer)
		kbpf_fd_entry_retire(ptr);
	else
		kbpf_fd_entry_free(ptr);
}
