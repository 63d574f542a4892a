/* SPDX-License-Identifier: MIT */
/*
 * What ARRAY_OF_MAPS (map_in_map.c) and HASH_OF_MAPS (hashtab.c) share:
 * the template an outer map keeps of its inner maps, and the small entry
 * that owns a reference on one inner map. Not public.
 */
#ifndef KBPF_MAPS_MAP_IN_MAP_H
#define KBPF_MAPS_MAP_IN_MAP_H

#include "core/spinlock.h"
#include "map_internal.h"

/* What every inner map of an outer map must look like. */
struct kbpf_mim_template {
	uint32_t type, key_size, value_size, max_entries, flags;
};

/* One inner map held by an outer map's slot or element. */
struct kbpf_mim_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	struct kbpf_map *map;
	struct kbpf_mim_entry *next_retired;
};

/*
 * Linux's bpf_map_meta_alloc(): read the template from map fd @fd.
 * Called from syscall. Return 0; -EBADF (not open), -EINVAL (not a map, or
 * itself a map-in-map), -ENOTSUPP (a type Linux refuses as inner map).
 */
int kbpf_mim_template_take(struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd);

/* The same from a map (kbpf_map_create_with_inner()); no reference kept. */
int kbpf_mim_template_from_map(struct kbpf_mim_template *t,
			       const struct kbpf_map *inner);

/*
 * An entry holding a new reference on @inner, if it matches @t.
 * Return 0; -EINVAL (unlike the template), -ENOMEM.
 */
int kbpf_mim_entry_from_map(const struct kbpf_mim_template *t,
			    const struct kbpf_host *h, struct kbpf_map *inner,
			    struct kbpf_mim_entry **out);

/*
 * An entry holding a reference on the map behind @fd, if it matches @t.
 * Called from syscall. Return 0; -EBADF, -EINVAL (not a map, or unlike the
 * template), -ENOMEM.
 */
int kbpf_mim_entry_from_fd(const struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd,
			   struct kbpf_mim_entry **out);

/* Drop @e's reference and free it now (nothing can reach it any more). */
void kbpf_mim_entry_free(struct kbpf_mim_entry *e);

/*
 * @e left its slot but a running program may still use its map: free it
 * through defer_free, or (host without one) push it on @retired under
 * @lock, for the outer map's free to release. Any context.
 */
void kbpf_mim_entry_retire(struct kbpf_mim_entry *e, struct kbpf_spinlock *lock,
			   struct kbpf_mim_entry **retired);

/* Free every entry on a retired list (the outer map is being freed). */
void kbpf_mim_free_retired(struct kbpf_mim_entry **retired);

#endif /* KBPF_MAPS_MAP_IN_MAP_H */
