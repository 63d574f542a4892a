/* SPDX-License-Identifier: MIT */
/*
 * kptr fields of map values: the table a map keeps of them, and what a
 * map does with them when a value goes (src/maps/kptr.c,
 * docs/design/kptr.md). The table is struct kbpf_kptr_tab of
 * core/map.h, so that the verifier and the helpers read it too.
 */
#ifndef KBPF_MAPS_KPTR_H
#define KBPF_MAPS_KPTR_H

#include "btf/btf.h"
#include "core/map.h"

/**
 * kbpf_kptr_tab_build() - the table of the kptr fields @found in a value
 * of @btf (Linux's btf_parse_kptr): each struct looked up by name in the
 * host BTF (not there, or no host BTF: KBPF_KPTR_LOCAL, Linux's type of
 * the program's BTF); a referenced one gets its destructor from the
 * host's kfuncs (kbpf_kfunc.dtor_of).
 * @out: NULL when @found has none, else the table (the caller stores it
 *       in map->kptrs, which the type's free gives back).
 *
 * Context: syscall path (map creation); may sleep.
 * Return: 0; -ENOENT for a referenced kptr to a struct without a
 * destructor (Linux's error of the record, which map creation ignores);
 * -ENOMEM.
 */
int kbpf_kptr_tab_build(const struct kbpf_host *h, const struct kbpf_btf *btf,
			const struct kbpf_btf_kptrs *found,
			struct kbpf_kptr_tab **out);

/**
 * kbpf_kptr_free_fields() - @value of @map drops what its kptr fields
 * hold (Linux's bpf_obj_free_fields for kptrs): each field is set to
 * NULL, and a referenced pointer taken out goes to its destructor. For an
 * element deleted, replaced or evicted, an array slot overwritten, or the
 * map freed.
 *
 * Context: syscall path or a program, any context, map locks possibly
 * held; never sleeps (the destructor must not either).
 */
void kbpf_kptr_free_fields(struct kbpf_map *map, void *value);

/**
 * kbpf_kptr_map_free_all() - the map's free: every value drops its
 * references, then the table is freed and map->kptrs is NULL. A no-op
 * for a map without kptrs.
 *
 * Context: the type's free (nothing else reaches the map).
 */
void kbpf_kptr_map_free_all(struct kbpf_map *map);

#endif /* KBPF_MAPS_KPTR_H */
