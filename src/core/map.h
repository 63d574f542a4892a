/* SPDX-License-Identifier: MIT */
/*
 * BPF maps inside kbpf (the host's view is include/kbpf/map.h): the generic
 * object, the per-type operations table, and the two entry paths Linux has.
 * In core/ because the interpreter (below maps/) reads maps too.
 *
 * Syscall path: kbpf_map_create() and the kbpf_map_sys_*() functions take
 * kernel copies of user buffers (the bpf(2) front-end copies them through
 * the host), may sleep, and apply the access rules of the fd (BPF_F_RDONLY,
 * BPF_F_WRONLY, frozen maps).
 *
 * Program path: kbpf_map_lookup_elem() and friends have the semantics of the
 * BPF helpers of the same name. They never sleep, may run on every CPU at
 * once and from interrupt context, and a value pointer they return stays
 * valid until the calling program returns.
 */
#ifndef KBPF_CORE_MAP_H
#define KBPF_CORE_MAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "core/object.h"
#include "kbpf/errno.h"
#include "kbpf/kfunc.h"
#include "kbpf/map.h"
#include "kbpf/uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;

/*
 * Callback of kbpf_map_for_each(): called with the map, a pointer to the
 * key and to the value (current CPU's slot for per-CPU maps) and @ctx.
 * Return 0 to continue, 1 to stop (any other value stops too).
 */
typedef long (*kbpf_map_elem_fn)(struct kbpf_map *map, void *key, void *value,
				 void *ctx);

/**
 * struct kbpf_map_ops - what one map type does. NULL members make the
 * generic layer return the errno Linux gives for that type and command.
 */
/**
 * struct kbpf_map_value_area - where a map's values live (value_area op).
 * @start: first byte of the area; @end: one past its last byte.
 * @stride: bytes from one element to the next (not 0).
 * @off: offset of the value in an element.
 * @size: bytes of the value from @off (at most @stride - @off).
 *
 * The values are [@start + i * @stride + @off, ... + @size) for each i
 * that keeps them below @end. Bytes outside them (element headers, keys)
 * are not values: a program must not reach them.
 */
struct kbpf_map_value_area {
	uintptr_t start;
	uintptr_t end;
	uint32_t stride;
	uint32_t off;
	uint32_t size;
};

/**
 * struct kbpf_map_inline_lookup - lookup_elem() as an address computation
 * (inline_lookup op; Linux's map_gen_lookup emits the same as
 * instructions): for the u32 index at the key, the value is
 * @base + @cpu_stride * cpu + (index & @index_mask) * @elem_size when
 * index < @max_entries, else NULL; cpu is kbpf_this_cpu() of the map's
 * host when @percpu, else 0. @index_mask is UINT32_MAX when the map needs
 * no masking (Linux's bypass_spec_v1), else the mask the storage covers:
 * code applies it after the bound check, so that a mispredicted check
 * cannot read past the map (Spectre v1).
 */
struct kbpf_map_inline_lookup {
	uint8_t *base;
	size_t cpu_stride;
	uint32_t elem_size;
	uint32_t max_entries;
	uint32_t index_mask;
	bool percpu;
};

struct kbpf_map_ops {
	/* ---- Syscall path only (may sleep, no kbpf lock held on entry) ---- */

	/*
	 * Validate attributes; no allocation. Return 0 or -errno. Linux's
	 * map_alloc_check: it runs before the privilege check, so a type
	 * whose Linux counterpart validates only in map_alloc validates in
	 * alloc instead (an unprivileged caller then sees -EPERM first).
	 */
	int (*alloc_check)(const struct kbpf_host *h,
			   const union bpf_attr *attr);
	/* Allocate and initialise; fill the generic part with kbpf_map_init(). */
	int (*alloc)(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out);
	/*
	 * Map-in-map types: as alloc, with the inner-map template given as a
	 * map (kbpf_map_create_with_inner()) instead of attr->inner_map_fd.
	 */
	int (*alloc_with_inner)(const struct kbpf_host *h,
				const union bpf_attr *attr,
				const struct kbpf_map *inner,
				struct kbpf_map **out);
	/* Free everything; called once, when no program or fd can reach the map. */
	void (*free)(struct kbpf_map *map);
	/* BPF_MAP_GET_NEXT_KEY; @key NULL means "first". */
	int (*get_next_key)(struct kbpf_map *map, const void *key,
			    void *next_key);
	/*
	 * Syscall-side value exchange for types whose user-visible value
	 * differs from the program-side one (per-CPU: all CPUs' slots, each
	 * round_up(value_size, 8) bytes; fd maps: fds in, ids out). NULL:
	 * the generic layer copies lookup_elem()'s value / calls update_elem().
	 */
	int (*sys_lookup)(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags);
	int (*sys_update)(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags);
	int (*sys_lookup_and_delete)(struct kbpf_map *map, const void *key,
				     void *value, uint64_t flags);
	/*
	 * BPF_MAP_DELETE_ELEM for types whose syscall key is not the
	 * program's (local storage: the owner's fd). NULL: delete_elem().
	 */
	int (*sys_delete)(struct kbpf_map *map, const void *key);
	/* Batch commands; @uattr is the user's attr for count/out_batch write-back. */
	int (*lookup_batch)(struct kbpf_map *map, const union bpf_attr *attr,
			    union bpf_attr *uattr);
	int (*lookup_and_delete_batch)(struct kbpf_map *map,
				       const union bpf_attr *attr,
				       union bpf_attr *uattr);
	int (*update_batch)(struct kbpf_map *map, const union bpf_attr *attr,
			    union bpf_attr *uattr);
	int (*delete_batch)(struct kbpf_map *map, const union bpf_attr *attr,
			    union bpf_attr *uattr);

	/* ---- Both paths (never sleep; any CPU; interrupt context) ---- */

	void *(*lookup_elem)(struct kbpf_map *map, const void *key);
	long (*update_elem)(struct kbpf_map *map, const void *key,
			    const void *value, uint64_t flags);
	long (*delete_elem)(struct kbpf_map *map, const void *key);
	long (*push_elem)(struct kbpf_map *map, const void *value,
			  uint64_t flags);
	long (*pop_elem)(struct kbpf_map *map, void *value);
	long (*peek_elem)(struct kbpf_map *map, void *value);
	long (*for_each)(struct kbpf_map *map, kbpf_map_elem_fn fn, void *ctx,
			 uint64_t flags);
	void *(*lookup_percpu_elem)(struct kbpf_map *map, const void *key,
				    uint32_t cpu);

	/* ---- Special ---- */

	/* BPF_PSEUDO_MAP_VALUE: address of the value area at @off; -EINVAL if out of range. */
	int (*direct_value_addr)(const struct kbpf_map *map, uint64_t *addr,
				 uint32_t off);
	/*
	 * Program path, optional: fill @area and return true when every value
	 * lookup_elem() (and for_each) hands out lies in one area allocated
	 * with the map and freed only with it, laid out as struct
	 * kbpf_map_value_area says. The checked interpreter then covers all
	 * the map's values with one region instead of one per value. NULL or
	 * false: each value is its own region. @cpu: the run's CPU
	 * (kbpf_run_map_cpu()), for a type whose area is one CPU's values.
	 */
	bool (*value_area)(const struct kbpf_map *map, uint32_t cpu,
			   struct kbpf_map_value_area *area);
	/*
	 * Syscall path (program load), optional: fill @out and return true
	 * when lookup_elem() is exactly the computation it describes, for the
	 * map's whole life (storage allocated with the map, never moved).
	 * The interpreter then does it inline at call sites known to get
	 * this map, without a call (the map's value bookkeeping of checked
	 * runs stays the helper's: kbpf_run_add_map_value()).
	 */
	bool (*inline_lookup)(const struct kbpf_map *map,
			      struct kbpf_map_inline_lookup *out);
	/* Map-in-map: store @inner at @key (kbpf_map_set_inner()). */
	int (*set_inner)(struct kbpf_map *map, const void *key,
			 struct kbpf_map *inner);
	/* Map-in-map: its inner-map template (kbpf_map_inner_meta()). */
	void (*inner_meta)(const struct kbpf_map *map, struct kbpf_map *meta);
	/* Pages backing the user-space mmap of the map (mmapable array, ring buffer). */
	int (*mmap_pages)(struct kbpf_map *map, const uintptr_t **pages,
			  size_t *nr);
	/* Bytes the map uses, for bpf_map_info / fdinfo memlock. */
	uint64_t (*mem_usage)(const struct kbpf_map *map);
	/*
	 * The readiness poll(2) reports for a fd of @map, KBPF_POLL* bits,
	 * computed from the map's state now (level-triggered, as Linux's
	 * map_poll). Any context; lock-free. NULL: KBPF_POLLERR, as Linux
	 * answers for a map type without map_poll.
	 */
	uint32_t (*poll)(struct kbpf_map *map);
	/*
	 * fd arrays (src/maps/fd_array.h), as Linux's map_fd_get_ptr,
	 * map_fd_put_ptr and map_fd_sys_lookup_elem:
	 * fd_get_ptr: syscall path, may sleep. Resolve user fd @fd to what a
	 *   slot of @map stores, with a reference the caller then owns, after
	 *   the type's checks. Return 0 with *@ptr set (not NULL), or -errno.
	 * fd_put_ptr: any context, never sleeps. Drop the reference a slot
	 *   held on @ptr. @need_defer: it was just taken out of a slot and a
	 *   running program may still use it, so what it frees must wait for
	 *   read-side sections; false only when the map itself is freed.
	 * fd_sys_lookup_elem: syscall path, in a read-side section. The id
	 *   BPF_MAP_LOOKUP_ELEM shows for @ptr; NULL: -ENOTSUPP.
	 */
	int (*fd_get_ptr)(struct kbpf_map *map, int fd, void **ptr);
	void (*fd_put_ptr)(struct kbpf_map *map, void *ptr, bool need_defer);
	uint32_t (*fd_sys_lookup_elem)(void *ptr);
};

/* The kinds of kptr field (Linux's BPF_KPTR_REF, BPF_KPTR_UNREF). */
enum kbpf_kptr_kind {
	KBPF_KPTR_REF = 1, /* __kptr: holds a reference, bpf_kptr_xchg only */
	KBPF_KPTR_UNREF, /* __kptr_untrusted: a plain pointer, stored directly */
	/*
	 * __kptr to a struct of the value's own BTF (Linux's bpf_obj_new
	 * objects): kbpf has none, so the field stays NULL and programs
	 * may not use it (src/verifier/kptr.c).
	 */
	KBPF_KPTR_LOCAL,
};

/**
 * struct kbpf_kptr_field - one kptr field of a map's values (src/maps/kptr.c).
 * @off: its byte offset in a value (8 bytes, 8-aligned).
 * @kind: enum kbpf_kptr_kind.
 * @btf_id: the struct it points to: an id of the host BTF (REF, UNREF),
 *          or of the value's BTF (LOCAL).
 * @dtor: REF: the host's destructor kfunc of that struct (struct
 *        kbpf_kfunc.dtor_of), called with the pointer (r1) and a NULL run
 *        when a value drops the reference it holds.
 */
struct kbpf_kptr_field {
	uint32_t off;
	uint32_t kind;
	uint32_t btf_id;
	kbpf_kfunc_fn dtor;
};

/* The kptr fields of a map, by offset; allocated with the map. */
struct kbpf_kptr_tab {
	uint32_t n;
	bool has_ref; /* a KBPF_KPTR_REF among them */
	struct kbpf_kptr_field f[];
};

/**
 * struct kbpf_map - the generic part of every map; each type embeds it first.
 */
struct kbpf_map {
	struct kbpf_obj obj;
	const struct kbpf_map_ops *ops;
	uint32_t map_type;
	uint32_t key_size;
	uint32_t value_size;
	uint32_t max_entries;
	uint32_t map_flags;
	uint32_t numa_node;
	uint64_t map_extra;
	uint32_t btf_key_type_id;
	uint32_t btf_value_type_id;
	/*
	 * Linux's struct_ops value type id: 0, kbpf has no STRUCT_OPS maps.
	 * Kept for programs that read it through a map pointer
	 * (src/verifier/btf_ptr.c), with the fields above.
	 */
	uint32_t btf_vmlinux_value_type_id;
	/*
	 * The BTF object (KBPF_OBJ_BTF) of btf_fd when the map was created
	 * with type ids; the map holds a reference until it is freed.
	 */
	struct kbpf_obj *btf;
	/*
	 * Byte offset of the struct bpf_spin_lock in each value, found in the
	 * value's BTF at creation (kbpf_btf_spin_lock_off()); -1: none. Only
	 * ARRAY and HASH (and Linux's storage maps) may have one.
	 */
	int32_t spin_lock_off;
	/*
	 * Byte offset of the struct bpf_timer (16 bytes) in each value, found
	 * with the lock (kbpf_btf_value_fields()); -1: none. Only ARRAY, HASH
	 * and LRU_HASH may have one (src/helpers/timer.c).
	 */
	int32_t timer_off;
	/*
	 * The kptr fields of each value, found with the lock
	 * (kbpf_btf_value_record()); NULL: none. Only ARRAY, HASH and
	 * LRU_HASH may have them in kbpf (src/maps/kptr.c); the type's free
	 * releases what the values hold and frees the table
	 * (kbpf_kptr_map_free_all()).
	 */
	struct kbpf_kptr_tab *kptrs;
	char name[16];
	/*
	 * Set by BPF_MAP_FREEZE; only syscall-side writes look at it. 32 bits:
	 * byte-sized atomics are libatomic calls on riscv64.
	 */
	atomic_uint frozen;
	/* Writable user mappings (mmapable arrays, ring buffer consumer page). */
	atomic_long writecnt;
};

/**
 * kbpf_map_create() - create a map from BPF_MAP_CREATE attributes.
 * @h: host table (checked with kbpf_host_check() by the caller).
 * @attr: kernel copy of the attributes.
 * @out: receives the map with one reference held by the caller.
 *
 * Applies Linux's generic checks in Linux's order, then the type's
 * alloc_check, then allocation, then the name check (so an allocation
 * error wins over a bad name, as in Linux).
 *
 * Context: syscall path; may sleep.
 * Return: 0; -EINVAL for bad or unknown attributes and map types kbpf does
 * not implement (as Linux does for a type it does not know); -E2BIG for
 * sizes past the type's limits; -ENOMEM if the host cannot allocate;
 * -EOPNOTSUPP for a type that needs host pages when the host has none;
 * -ENOTSUPP (524) where Linux returns it (LRU with BPF_F_NO_PREALLOC).
 */
int kbpf_map_create(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out);

/**
 * kbpf_map_create_user() - kbpf_map_create() for BPF_MAP_CREATE from user
 * space: between the type's checks and the allocation, Linux's privilege
 * rules for the calling task (core/priv.h): -EPERM when the host's
 * unprivileged_bpf_disabled is set and the caller lacks CAP_BPF, or when
 * the map type needs a capability the caller lacks (CAP_NET_ADMIN for
 * DEVMAP and DEVMAP_HASH; CAP_BPF for QUEUE, STACK, LRU, LPM_TRIE,
 * BLOOM_FILTER and STACK_TRACE; none for arrays, hashes, ring buffers,
 * fd arrays and map-in-map). Otherwise as kbpf_map_create().
 *
 * Context: syscall path; may sleep (asks the host's capable callback).
 */
int kbpf_map_create_user(const struct kbpf_host *h, const union bpf_attr *attr,
			 struct kbpf_map **out);

/**
 * kbpf_map_create_with_inner() - kbpf_map_create() for a loader inside the
 * kernel, which has maps but no fds: an ARRAY_OF_MAPS or HASH_OF_MAPS takes
 * its inner-map template from @inner (attr->inner_map_fd is ignored).
 * @inner: the template; the caller keeps its reference (the new map keeps
 *         only a description of it). NULL: exactly kbpf_map_create().
 *
 * Context: syscall path; may sleep.
 * Return: as kbpf_map_create(); -EINVAL if @inner is given for a map type
 * that takes no template, or is itself a map-in-map; -ENOTSUPP for a type
 * Linux refuses as an inner map.
 */
int kbpf_map_create_with_inner(const struct kbpf_host *h,
			       const union bpf_attr *attr,
			       struct kbpf_map *inner, struct kbpf_map **out);

/**
 * kbpf_map_set_inner() - store @inner at @key of map-in-map @outer, as
 * BPF_MAP_UPDATE_ELEM with an fd of @inner would (flags BPF_ANY), for a
 * loader inside the kernel (libbpf's `values` slots of a map-in-map).
 * Takes its own reference on @inner.
 *
 * Context: syscall path; may sleep.
 * Return: 0; -EINVAL if @outer is not a map-in-map or @inner does not match
 * its template; -E2BIG (array index out of range, full hash); -ENOMEM.
 */
int kbpf_map_set_inner(struct kbpf_map *outer, const void *key,
		       struct kbpf_map *inner);

/**
 * kbpf_map_inner_meta() - describe the maps map-in-map @outer holds, as
 * Linux's inner_map_meta: fill @meta (zeroed by the caller, owned by the
 * caller, never published, no reference) with the template's type, ops,
 * key and value sizes, max_entries, flags and bpf_spin_lock offset. The
 * verifier types what a lookup in @outer gives with it.
 *
 * Context: any; reads @outer's template (immutable after creation).
 * Return: 0; -EINVAL if @outer is not a map-in-map.
 */
int kbpf_map_inner_meta(const struct kbpf_map *outer, struct kbpf_map *meta);

/**
 * kbpf_cgroup_array_current_under() - bpf_current_task_under_cgroup: is the
 * current task under the cgroup in slot @idx of CGROUP_ARRAY @map?
 * Context: program path, any CPU, inside a read-side section; never sleeps.
 * Return: 1 or 0 (kbpf_host.current_in_cgroup); -E2BIG for @idx past
 * max_entries; -EAGAIN for an empty slot; -EINVAL if @map is another type.
 */
long kbpf_cgroup_array_current_under(struct kbpf_map *map, uint32_t idx);

/* Initialise the generic part of a newly allocated map (used by alloc ops). */
void kbpf_map_init(struct kbpf_map *map, const struct kbpf_host *h,
		   const union bpf_attr *attr, const struct kbpf_map_ops *ops);

static inline void kbpf_map_get(struct kbpf_map *map)
{
	kbpf_obj_get(&map->obj);
}

static inline void kbpf_map_put(struct kbpf_map *map)
{
	kbpf_obj_put(&map->obj);
}

/* Does @map's value hold a bpf_spin_lock (BPF_F_LOCK allowed)? */
static inline bool kbpf_map_has_spin_lock(const struct kbpf_map *map)
{
	return map->spin_lock_off >= 0;
}

/* Does @map's value hold a struct bpf_timer? */
static inline bool kbpf_map_has_timer(const struct kbpf_map *map)
{
	return map->timer_off >= 0;
}

/* A value with special fields: a lock, a timer or kptrs, skipped by copies. */
static inline bool kbpf_map_has_fields(const struct kbpf_map *map)
{
	return map->spin_lock_off >= 0 || map->timer_off >= 0 || map->kptrs;
}

/* The kptr field at byte @off of @map's values, or NULL. */
static inline const struct kbpf_kptr_field *
kbpf_map_kptr_at(const struct kbpf_map *map, int64_t off)
{
	uint32_t i;

	for (i = 0; map->kptrs && i < map->kptrs->n; i++)
		if ((int64_t)map->kptrs->f[i].off == off)
			return &map->kptrs->f[i];
	return NULL;
}

/* ARRAY_OF_MAPS or HASH_OF_MAPS: lookups return a map, not a value. */
static inline bool kbpf_map_is_map_in_map(const struct kbpf_map *map)
{
	return map->map_type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	       map->map_type == BPF_MAP_TYPE_HASH_OF_MAPS;
}

/*
 * Program path: the helpers' semantics (see the helper of the same name).
 * Update and delete give -EINVAL on types without a program-side write,
 * which include the fd arrays and map-in-maps: Linux's verifier refuses
 * those calls at load; kbpf, without a verifier, refuses them here.
 */
void *kbpf_map_lookup_elem(struct kbpf_map *map, const void *key);
long kbpf_map_update_elem(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags);
long kbpf_map_delete_elem(struct kbpf_map *map, const void *key);
long kbpf_map_push_elem(struct kbpf_map *map, const void *value,
			uint64_t flags);
long kbpf_map_pop_elem(struct kbpf_map *map, void *value);
long kbpf_map_peek_elem(struct kbpf_map *map, void *value);
long kbpf_map_for_each(struct kbpf_map *map, kbpf_map_elem_fn fn, void *ctx,
		       uint64_t flags);
void *kbpf_map_lookup_percpu_elem(struct kbpf_map *map, const void *key,
				  uint32_t cpu);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_CORE_MAP_H */
