/* SPDX-License-Identifier: MIT */
/*
 * The fd-array base: what PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY and
 * ARRAY_OF_MAPS share (Linux's bpf_fd_array_map family in behaviour). Not
 * public.
 *
 * An fd array has max_entries slots, each empty or holding a reference on
 * one object. User space stores fds (4-byte values, BPF_ANY only) and, for
 * the types that have one, reads back the object's id; programs read the
 * slots through the type's own helper (tail call, perf output, cgroup test,
 * inner-map lookup).
 *
 * What an object is belongs to the type, through three members of its
 * struct kbpf_map_ops, as Linux's map_fd_get_ptr / map_fd_put_ptr /
 * map_fd_sys_lookup_elem:
 *   fd_get_ptr          fd -> the pointer a slot stores, with a reference;
 *                       the type's own checks (owner, template, ...) live
 *                       here.
 *   fd_put_ptr          drop the reference a slot held.
 *   fd_sys_lookup_elem  the id BPF_MAP_LOOKUP_ELEM shows; NULL: the type
 *                       has nothing to show (-ENOTSUPP).
 * The base does the rest: creation checks, the slot array, update, delete,
 * syscall lookup, get_next_key (kbpf_array_get_next_key), clearing every
 * slot when the last user reference goes (if the type asks), and free.
 *
 * Types whose objects are not freed through defer_free by themselves (perf
 * events, cgroups, inner maps) store a struct kbpf_fd_entry: a small
 * wrapper that is freed after running programs are done with it, through
 * kbpf_host.defer_free or, on a host without one, from a retired list
 * freed with the map. kbpf_fd_entry_put_ptr() is their fd_put_ptr.
 * PROG_ARRAY stores programs directly: kbpf frees programs through
 * defer_free itself.
 *
 * Memory ordering: a slot is written with an atomic exchange (acquire +
 * release) and read with an acquire load, so a program that sees a pointer
 * sees the object it points to fully initialised. No lock is taken on
 * either path except the retired list's spinlock (IRQs saved), on hosts
 * without defer_free.
 */
#ifndef KBPF_MAPS_FD_ARRAY_H
#define KBPF_MAPS_FD_ARRAY_H

#include "core/spinlock.h"
#include "map_internal.h"

/* A stored object whose release must wait for running programs. */
struct kbpf_fd_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	void *obj; /* the object; the entry owns one reference on it */
	/* Drops that reference. Any context (may run from defer_free). */
	void (*put)(const struct kbpf_host *h, void *obj);
	/* Where it waits, retired on a host without defer_free. */
	struct kbpf_fd_retired *retired;
	struct kbpf_fd_entry *next_retired;
};

/* Entries retired on a host without defer_free; freed with their map. */
struct kbpf_fd_retired {
	struct kbpf_spinlock lock; /* protects head */
	struct kbpf_fd_entry *head;
};

/* The generic part of every fd array; each type embeds it first. */
struct kbpf_fd_array {
	struct kbpf_map map;
	struct kbpf_fd_retired retired;
	size_t size; /* bytes of the type's struct (free, mem_usage) */
	void *_Atomic *slots; /* max_entries slots */
};

/*
 * The fd array @map is (its ops come from a type built on this base).
 * Context: any; no locks.
 */
static inline struct kbpf_fd_array *kbpf_fd_array(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_fd_array, map);
}

/**
 * kbpf_fd_array_alloc_check() - the creation checks of every fd array, an
 * alloc_check op as it stands: key and value 4 bytes, max_entries not 0,
 * flags only BPF_F_NUMA_NODE, BPF_F_RDONLY, BPF_F_WRONLY, and
 * BPF_F_PRESERVE_ELEMS for PERF_EVENT_ARRAY (attr->map_type).
 * @h: unused.
 *
 * Context: syscall path; no allocation, no locks.
 * Return: 0, or -EINVAL for anything else (as Linux).
 */
int kbpf_fd_array_alloc_check(const struct kbpf_host *h,
			      const union bpf_attr *attr);

/**
 * kbpf_fd_array_alloc() - allocate an fd array.
 * @h: host table.
 * @attr: checked attributes (kbpf_fd_array_alloc_check()).
 * @ops: the type's operations; must have fd_get_ptr and fd_put_ptr.
 * @size: bytes of the type's struct, which starts with struct
 *        kbpf_fd_array; allocated zeroed, slots allocated apart.
 * @clear_on_uref: drop every entry when the last user reference (the
 *                 creator's or an fd's) goes (struct kbpf_obj
 *                 release_uref), as Linux's map_release_uref does for
 *                 PROG_ARRAY, and PERF_EVENT_ARRAY without
 *                 BPF_F_PRESERVE_ELEMS.
 * @out: receives the array's map (kbpf_fd_array() gives the array), the
 *       generic part initialised (kbpf_map_init()), the type's part
 *       zeroed, one reference held by the caller. Free it with
 *       kbpf_fd_array_free() (through map->ops->free).
 *
 * Context: syscall path; may sleep (host allocation).
 * Return: 0; -ENOMEM.
 */
int kbpf_fd_array_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
			const struct kbpf_map_ops *ops, size_t size,
			bool clear_on_uref, struct kbpf_map **out);

/**
 * kbpf_fd_array_free() - the free op: drop every stored object
 * (fd_put_ptr with need_defer false), free the retired list, the slots and
 * the struct (kbpf_fd_array.size bytes). Types with more to free call it
 * last.
 *
 * Context: the last reference is gone: no program, no fd, no other CPU can
 * reach the map. Takes no lock.
 */
void kbpf_fd_array_free(struct kbpf_map *map);

/**
 * kbpf_fd_array_sys_update() - the sys_update op: @value is a 4-byte fd.
 * Linux's order: @flags must be BPF_ANY (-EINVAL), *@key below max_entries
 * (-E2BIG), then the type's fd_get_ptr (its errno as it gives it). The
 * object replaces the slot's old one, which is released with fd_put_ptr
 * (need_defer true).
 *
 * Context: syscall path; may sleep in fd_get_ptr. No lock of its own.
 * Return: 0 or -errno as above.
 */
int kbpf_fd_array_sys_update(struct kbpf_map *map, const void *key,
			     const void *value, uint64_t flags);

/**
 * kbpf_fd_array_sys_lookup() - the sys_lookup op: writes the 4-byte id
 * fd_sys_lookup_elem gives for the object in slot *@key into @value.
 * @flags: unused (the generic layer checked them).
 *
 * Context: syscall path, inside a read-side section (the generic layer
 * holds one), so the object stays allocated while its id is read.
 * Return: 0; -ENOTSUPP if the type has no fd_sys_lookup_elem (before any
 * other check, as Linux); -ENOENT for an index past the end or an empty
 * slot.
 */
int kbpf_fd_array_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			     uint64_t flags);

/**
 * kbpf_fd_array_delete_elem() - the delete_elem op: empty slot *@key and
 * release its object with fd_put_ptr (need_defer true).
 *
 * Context: syscall path (programs are refused before the op: see
 * kbpf_map_delete_elem()); never sleeps. Lock-free but for fd_put_ptr's.
 * Return: 0; -E2BIG for an index past the end; -ENOENT for an empty slot.
 */
long kbpf_fd_array_delete_elem(struct kbpf_map *map, const void *key);

/**
 * kbpf_fd_array_replace() - store @ptr, whose reference the slot takes, in
 * slot @idx, releasing the old object with fd_put_ptr (need_defer true).
 * For loaders that hold an object rather than an fd (kbpf_prog_array_set,
 * kbpf_map_set_inner); the caller has made the type's checks.
 * @ptr: what fd_get_ptr would have returned; not NULL.
 *
 * Context: syscall path; lock-free but for fd_put_ptr's.
 * Return: 0; -E2BIG for @idx past the end (@ptr is then not taken: the
 * caller still owns its reference).
 */
int kbpf_fd_array_replace(struct kbpf_map *map, uint32_t idx, void *ptr);

/**
 * kbpf_fd_array_get() - the pointer in slot @idx (a kbpf_fd_entry for the
 * types that store entries), or NULL if empty or @idx is past the end. No
 * reference is taken: it stays valid until the caller's read-side section
 * ends (the release through fd_put_ptr waits for it).
 *
 * Context: any CPU, any context, lock-free; acquire load that pairs with
 * the exchange that stored the pointer.
 */
static inline void *kbpf_fd_array_get(const struct kbpf_map *map, uint32_t idx)
{
	if (idx >= map->max_entries)
		return NULL;
	return atomic_load_explicit(&kbpf_fd_array(map)->slots[idx],
				    memory_order_acquire);
}

/**
 * kbpf_fd_array_mem_usage() - the mem_usage op: the type's struct plus
 * one pointer per slot.
 * Context: any; no locks.
 */
uint64_t kbpf_fd_array_mem_usage(const struct kbpf_map *map);

/*
 * The ops every fd array shares (designated initialisers); the type adds
 * alloc and its fd_* callbacks.
 */
/* clang-format off */
#define KBPF_FD_ARRAY_OPS					\
	.alloc_check = kbpf_fd_array_alloc_check,		\
	.free = kbpf_fd_array_free,				\
	.get_next_key = kbpf_array_get_next_key,		\
	.sys_lookup = kbpf_fd_array_sys_lookup,			\
	.sys_update = kbpf_fd_array_sys_update,			\
	.delete_elem = kbpf_fd_array_delete_elem,		\
	.mem_usage = kbpf_fd_array_mem_usage
/* clang-format on */

/**
 * kbpf_fd_entry_new() - a new entry owning the caller's reference on @obj.
 * @put: how to drop it later; any context.
 * @r: the retired list of the map that will hold the entry (used on a
 *     host without defer_free); it must live as long as the entry can be
 *     in that map.
 *
 * Context: syscall path; may sleep (host allocation).
 * Return: the entry, or NULL if the host cannot allocate (the caller keeps
 * its reference on @obj then).
 */
struct kbpf_fd_entry *kbpf_fd_entry_new(const struct kbpf_host *h, void *obj,
					void (*put)(const struct kbpf_host *h,
						    void *obj),
					struct kbpf_fd_retired *r);

/**
 * kbpf_fd_entry_free() - drop @e's reference and free @e now.
 * Context: nothing can reach @e any more (never published, or its map is
 * being freed); any context the entry's put allows.
 */
void kbpf_fd_entry_free(struct kbpf_fd_entry *e);

/**
 * kbpf_fd_entry_retire() - @e left its slot but a running program may
 * still use its object: free it through kbpf_host.defer_free, or, on a
 * host without defer_free, push it on its retired list for
 * kbpf_fd_retired_free().
 * Context: any; takes the list's lock (IRQs saved) when there is no
 * defer_free.
 */
void kbpf_fd_entry_retire(struct kbpf_fd_entry *e);

/**
 * kbpf_fd_retired_free() - free every entry on @r (its map is being freed,
 * nothing can reach them). Takes no lock.
 */
void kbpf_fd_retired_free(struct kbpf_fd_retired *r);

/**
 * kbpf_fd_entry_put_ptr() - the fd_put_ptr op of the types that store
 * entries (HASH_OF_MAPS too): @ptr is a struct kbpf_fd_entry; with
 * @need_defer it is retired (kbpf_fd_entry_retire()), else freed at once.
 * @map: unused.
 * Context: any; see kbpf_fd_entry_retire().
 */
void kbpf_fd_entry_put_ptr(struct kbpf_map *map, void *ptr, bool need_defer);

#endif /* KBPF_MAPS_FD_ARRAY_H */
