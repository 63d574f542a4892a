/* SPDX-License-Identifier: MIT */
/*
 * What ARRAY_OF_MAPS (map_in_map.c) and HASH_OF_MAPS (hashtab.c) share:
 * the template an outer map keeps of its inner maps, and the entry (the
 * fd-array base's struct kbpf_fd_entry, fd_array.h) that owns a reference
 * on one inner map. Entries are released with kbpf_fd_entry_free() (never
 * published), kbpf_fd_entry_retire() (left a slot) and
 * kbpf_fd_retired_free() (the outer map dies). Not public.
 */
#ifndef KBPF_MAPS_MAP_IN_MAP_H
#define KBPF_MAPS_MAP_IN_MAP_H

#include "fd_array.h"

/* What every inner map of an outer map must look like. */
struct kbpf_mim_template {
	uint32_t type, key_size, value_size, max_entries, flags;
};

/*
 * The inner map an entry from kbpf_mim_entry_from_*() holds; no reference
 * taken (valid while the entry is). Any context.
 */
static inline struct kbpf_map *kbpf_mim_entry_map(const struct kbpf_fd_entry *e)
{
	return e->obj;
}

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
 * An entry holding a new reference on @inner (the caller keeps its own),
 * if it matches @t. Syscall path; may sleep (allocation).
 * Return 0; -EINVAL (unlike the template), -ENOMEM.
 */
int kbpf_mim_entry_from_map(const struct kbpf_mim_template *t,
			    const struct kbpf_host *h, struct kbpf_map *inner,
			    struct kbpf_fd_entry **out);

/*
 * An entry holding a reference on the map behind @fd, if it matches @t;
 * the caller owns the entry (publish it, or kbpf_fd_entry_free()).
 * Called from syscall; may sleep. Return 0; -EBADF, -EINVAL (not a map,
 * or unlike the template), -ENOMEM.
 */
int kbpf_mim_entry_from_fd(const struct kbpf_mim_template *t,
			   const struct kbpf_host *h, int fd,
			   struct kbpf_fd_entry **out);

#endif /* KBPF_MAPS_MAP_IN_MAP_H */
