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
	int32_t spin_lock_off; /* the inner maps' bpf_spin_lock, -1: none */
	int32_t timer_off; /* the inner maps' bpf_timer, -1: none */
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

/* The inner_meta op of both outer maps: @t into @meta (but its ops). */
void kbpf_mim_template_meta(const struct kbpf_mim_template *t,
			    struct kbpf_map *meta);

/* The same from a map (kbpf_map_create_with_inner()); no reference kept. */
int kbpf_mim_template_from_map(struct kbpf_mim_template *t,
			       const struct kbpf_map *inner);

/*
 * An entry holding a new reference on @inner (the caller keeps its own),
 * if it matches @t; @r is the outer map's retired list (kbpf_fd_entry_new).
 * The caller owns the entry (publish it, or kbpf_fd_entry_free()).
 * Syscall path; may sleep (allocation).
 * Return 0; -EINVAL (unlike the template), -ENOMEM.
 */
int kbpf_mim_entry_from_map(const struct kbpf_mim_template *t,
			    struct kbpf_fd_retired *r,
			    const struct kbpf_host *h, struct kbpf_map *inner,
			    struct kbpf_fd_entry **out);

/*
 * The fd_get_ptr op of an outer map (struct kbpf_map_ops) whose template
 * is @t and retired list @r: *@ptr becomes an entry (kbpf_mim_entry_from_map)
 * for the map behind @fd, which the caller owns. Linux's order: the fd
 * (not open: -EBADF; not a map: -EINVAL), the template (-EINVAL), then
 * -ENOMEM. Syscall path; may sleep.
 */
int kbpf_mim_fd_get_ptr(const struct kbpf_mim_template *t,
			struct kbpf_fd_retired *r, struct kbpf_map *outer,
			int fd, void **ptr);

/*
 * The fd_sys_lookup_elem op of both outer maps: the id of the inner map
 * in entry @ptr. Syscall path, in a read-side section; no locks.
 */
uint32_t kbpf_mim_fd_sys_lookup_elem(void *ptr);

#endif /* KBPF_MAPS_MAP_IN_MAP_H */
