// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY (the perf event part of Linux's
 * kernel/bpf/arraymap.c in behaviour): an array of references to perf
 * events, indexed by CPU by convention, that bpf_perf_event_output writes
 * through.
 *
 * User space stores perf event fds (4-byte values); kbpf resolves them
 * through the host's fd table (kbpf_host.fd_get) to struct kbpf_perf_event
 * objects, the kind kbpf_sys_perf_event_open() installs, and keeps a
 * reference in a small entry, as Linux keeps a struct bpf_event_entry.
 * Lookups from the syscall side give -ENOTSUPP; from a program, slots are
 * read only by the output helper.
 *
 * Lifetime: Linux drops the entries stored through a map fd when that fd is
 * closed, unless the map has BPF_F_PRESERVE_ELEMS. kbpf learns when the
 * last user reference (fd, or the creator's) goes (release_uref) and then
 * drops every entry; with one fd per map, as kbpf's hosts give, that is
 * Linux's behaviour. With BPF_F_PRESERVE_ELEMS entries live until they are
 * replaced or deleted, or the map dies.
 *
 * Locking: slots are swapped with atomic exchanges (updates and deletes
 * from the syscall side); the output helper loads a slot with acquire and
 * uses its entry while the program runs. A replaced or deleted entry is
 * reclaimed after readers are done: through kbpf_host.defer_free, or,
 * without it, on a list freed with the map. The final put of an event may
 * therefore run from a defer_free callback.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "perf/perf_internal.h"
#include "map_internal.h"

#define PEA_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_PRESERVE_ELEMS)

extern const struct kbpf_map_ops kbpf_perf_event_array_map_ops;

struct pea_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	struct kbpf_perf_event *ev;
	struct pea_entry *next_retired;
};

struct kbpf_perf_event_array {
	struct kbpf_map map;
	struct kbpf_spinlock retired_lock; /* protects retired */
	struct pea_entry *retired; /* without defer_free: freed with the map */
	struct pea_entry *_Atomic *slots;
};

static inline struct kbpf_perf_event_array *pea(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_perf_event_array, map);
}

static void pea_release_uref(struct kbpf_obj *obj);

/* Called from syscall */
static int pea_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    attr->value_size != 4 || (attr->map_flags & ~PEA_CREATE_FLAG_MASK))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall */
static int pea_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_perf_event_array *a;
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
	kbpf_map_init(&a->map, h, attr, &kbpf_perf_event_array_map_ops);
	if (!(attr->map_flags & BPF_F_PRESERVE_ELEMS))
		a->map.obj.release_uref = pea_release_uref;
	kbpf_spin_init(&a->retired_lock);
	*out = &a->map;
	return 0;
}

static void pea_entry_free(struct pea_entry *e)
{
	const struct kbpf_host *h = e->host;

	kbpf_perf_event_put(e->ev);
	kbpf_free(h, e, sizeof(*e));
}

static void pea_entry_free_rcu(struct kbpf_rcu_head *head)
{
	pea_entry_free((struct pea_entry *)head);
}

/* Called from syscall or from a program: reclaim once readers are done. */
static void pea_retire(struct kbpf_perf_event_array *a, struct pea_entry *e)
{
	const struct kbpf_host *h = a->map.obj.host;
	unsigned long flags;

	if (h->defer_free) {
		e->rcu.func = pea_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	flags = kbpf_spin_lock_irqsave(h, &a->retired_lock);
	e->next_retired = a->retired;
	a->retired = e;
	kbpf_spin_unlock_irqrestore(h, &a->retired_lock, flags);
}

/* Called from syscall: the last user reference is gone (not PRESERVE_ELEMS). */
static void pea_release_uref(struct kbpf_obj *obj)
{
	struct kbpf_map *map = kbpf_container_of(obj, struct kbpf_map, obj);
	struct kbpf_perf_event_array *a = pea(map);
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct pea_entry *old = atomic_exchange_explicit(
			&a->slots[i], NULL, memory_order_acq_rel);

		if (old)
			pea_retire(a, old);
	}
}

/* Called when the last reference is gone: no program, no fd. */
static void pea_free(struct kbpf_map *map)
{
	struct kbpf_perf_event_array *a = pea(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct pea_entry *e = atomic_load(&a->slots[i]);

		if (e)
			pea_entry_free(e);
	}
	while (a->retired) {
		struct pea_entry *e = a->retired;

		a->retired = e->next_retired;
		pea_entry_free(e);
	}
	kbpf_free(h, a->slots, (size_t)map->max_entries * sizeof(*a->slots));
	kbpf_free(h, a, sizeof(*a));
}

/*
 * Called from syscall: @value is a perf event fd. Linux's order: flags,
 * index, then the fd (not open or not a perf event: -EBADF; an inherited
 * event, which perf_event_read_local() refuses: -EOPNOTSUPP).
 */
static int pea_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_perf_event_array *a = pea(map);
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_perf_event *ev;
	struct kbpf_obj *obj;
	struct pea_entry *e, *old;
	uint32_t idx;
	int32_t fd;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	kbpf_memcpy(&fd, value, sizeof(fd));
	if (!h->fd_get || h->fd_get(h, fd, &obj, NULL))
		return -KBPF_EBADF;
	ev = kbpf_perf_event_from_obj(obj);
	if (!ev) {
		kbpf_obj_put(obj);
		return -KBPF_EBADF;
	}
	if (kbpf_perf_event_attr(ev)->inherit) {
		kbpf_perf_event_put(ev);
		return -KBPF_EOPNOTSUPP;
	}
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e) {
		kbpf_perf_event_put(ev);
		return -KBPF_ENOMEM;
	}
	e->host = h;
	e->ev = ev; /* the reference from fd_get moves here */
	/* Release: pairs with the helper's acquire of the slot. */
	old = atomic_exchange_explicit(&a->slots[idx], e, memory_order_acq_rel);
	if (old)
		pea_retire(a, old);
	return 0;
}

/* Called from syscall or from a program (any context) */
static long pea_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_perf_event_array *a = pea(map);
	struct pea_entry *old;
	uint32_t idx;

	kbpf_memcpy(&idx, key, sizeof(idx));
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	old = atomic_exchange_explicit(&a->slots[idx], NULL,
				       memory_order_acq_rel);
	if (!old)
		return -KBPF_ENOENT;
	pea_retire(a, old);
	return 0;
}

/* Called from syscall: Linux has no value to show for a perf event. */
static int pea_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	return -KBPF_ENOTSUPP;
}

long kbpf_perf_event_array_output(struct kbpf_map *map, uint32_t cpu,
				  uint64_t flags, const void *data,
				  uint64_t size, uint16_t misc)
{
	return kbpf_perf_event_array_output_frag(map, cpu, flags, data, size,
						 NULL, misc);
}

long kbpf_perf_event_array_output_frag(struct kbpf_map *map, uint32_t cpu,
				       uint64_t flags, const void *data,
				       uint64_t size,
				       const struct kbpf_perf_frag *frag,
				       uint16_t misc)
{
	uint64_t idx = flags & BPF_F_INDEX_MASK;
	struct pea_entry *e;

	if (map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -KBPF_EINVAL;
	/* The tracing flavour: no context length in the upper bits. */
	if (flags & ~(uint64_t)BPF_F_INDEX_MASK)
		return -KBPF_EINVAL;
	if (idx == BPF_F_CURRENT_CPU)
		idx = cpu;
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	/* Pairs with the release exchange in update. */
	e = atomic_load_explicit(&pea(map)->slots[idx], memory_order_acquire);
	if (!e)
		return -KBPF_ENOENT;
	return kbpf_perf_event_output_frag(e->ev, cpu, data, size, frag, misc);
}

static uint64_t pea_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_perf_event_array) +
	       (uint64_t)map->max_entries * sizeof(void *);
}

const struct kbpf_map_ops kbpf_perf_event_array_map_ops = {
	/* syscall path */
	.alloc_check = pea_alloc_check,
	.alloc = pea_alloc,
	.free = pea_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = pea_sys_lookup,
	.sys_update = pea_sys_update,
	/* both paths */
	.delete_elem = pea_delete_elem,
	/* special */
	.mem_usage = pea_mem_usage,
};
