/* SPDX-License-Identifier: MIT */
/*
 * CGROUP_STORAGE and PERCPU_CGROUP_STORAGE (src/maps/cgroup_storage.c):
 * what src/cgroup/ (attach, release), src/helpers/ (bpf_get_local_storage)
 * and src/prog/ (one storage map per type and program) need of them. Not
 * public.
 *
 * A storage is one value (or one value per possible CPU) for a (cgroup,
 * attach type) pair of one map: Linux's struct bpf_cgroup_storage. It is
 * made when a program using the map is attached to a cgroup and no storage
 * exists for the key yet, and lives until the cgroup is released or the
 * map is freed, whichever comes first (a detach keeps it, as Linux's). It
 * is on two lists: its map's (under the map's lock, newest first: the
 * order of GET_NEXT_KEY) and its cgroup's (under kbpf_state.cgroup_lock).
 * Lock order: kbpf_state.cgroup_lock, then the map's lock.
 */
#ifndef KBPF_MAPS_CGROUP_STORAGE_H
#define KBPF_MAPS_CGROUP_STORAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/map.h"

/* Linux's enum bpf_cgroup_storage_type. */
#define KBPF_CG_STORAGE_SHARED 0
#define KBPF_CG_STORAGE_PERCPU 1
#define KBPF_CG_STORAGE_TYPES 2

struct kbpf_cgroup_storage {
	struct kbpf_cgroup_storage *map_next, **map_pprev;
	struct kbpf_cgroup_storage *cg_next, **cg_pprev;
	struct kbpf_map *map;
	const struct kbpf_host *h;
	uint64_t cgroup_id;
	uint32_t attach_type;
	size_t size; /* of the whole allocation */
	struct kbpf_rcu_head rcu;
	/* The value, or round_up(value_size, 8) bytes per possible CPU. */
	uint64_t data[];
};

/*
 * The storage type of @map: KBPF_CG_STORAGE_SHARED or _PERCPU, or -1 for a
 * map of another type. Any context.
 */
int kbpf_cgroup_storage_type(const struct kbpf_map *map);

/*
 * A new, zeroed storage for @map (a cgroup storage map), not linked: on
 * success *@out holds it and the caller either links it
 * (kbpf_cgroup_storage_link()) or frees it (kbpf_cgroup_storage_free()).
 * Return 0 or -ENOMEM. Syscall path: may sleep.
 */
int kbpf_cgroup_storage_alloc(struct kbpf_map *map,
			      struct kbpf_cgroup_storage **out);

/* Free a storage that was never linked (NULL: nothing). Any context. */
void kbpf_cgroup_storage_free(struct kbpf_cgroup_storage *s);

/*
 * The storage of @map for cgroup id @cgid and attach type @t (the type is
 * ignored when the map's key is 8 bytes: one storage per cgroup), or NULL.
 * Takes the map's lock; called with kbpf_state.cgroup_lock held, so the
 * result stays linked until that lock is dropped.
 */
struct kbpf_cgroup_storage *kbpf_cgroup_storage_find(struct kbpf_map *map,
						     uint64_t cgid, uint32_t t);

/*
 * Link @s (from kbpf_cgroup_storage_alloc()) under key (@cgid, @t) at the
 * head of its map's list and of the cgroup's list @cg_head. Called with
 * kbpf_state.cgroup_lock held; takes the map's lock. The caller found no
 * storage for the key under the same hold of the lock.
 */
void kbpf_cgroup_storage_link(struct kbpf_cgroup_storage *s, uint64_t cgid,
			      uint32_t t, struct kbpf_cgroup_storage **cg_head);

/*
 * The cgroup whose list is @cg_head goes (Linux's cgroup_bpf_release()):
 * take every storage off its map's list and the cgroup's. Return them as
 * a chain through cg_next, for kbpf_cgroup_storage_free_chain() once the
 * lock is dropped. Called with kbpf_state.cgroup_lock held.
 */
struct kbpf_cgroup_storage *
kbpf_cgroup_storage_unlink_all(struct kbpf_cgroup_storage **cg_head);

/*
 * Free a chain from kbpf_cgroup_storage_unlink_all(): through the host's
 * defer_free where it has one (a run may still be using them), else at
 * once. Syscall path.
 */
void kbpf_cgroup_storage_free_chain(const struct kbpf_host *h,
				    struct kbpf_cgroup_storage *chain);

/*
 * What bpf_get_local_storage() returns: the value of @s, for CPU @cpu in a
 * per-CPU storage. Program path.
 */
void *kbpf_cgroup_storage_ptr(struct kbpf_cgroup_storage *s, uint32_t cpu);

#endif /* KBPF_MAPS_CGROUP_STORAGE_H */
