/* SPDX-License-Identifier: MIT */
/*
 * The program side of the local storage maps (local_storage.c), for the
 * storage helpers of src/helpers/: bpf_task_storage_get/delete,
 * bpf_sk_storage_get/delete, bpf_inode_storage_get/delete and
 * bpf_cgrp_storage_get/delete. Not public.
 */
#ifndef KBPF_MAPS_LOCAL_STORAGE_H
#define KBPF_MAPS_LOCAL_STORAGE_H

#include "core/map.h"

/*
 * The value of @map for @owner (as the host names it, kbpf_host.
 * owner_storage), or NULL: @map is not of @map_type (the helper's own
 * type), @flags has a bit other than BPF_LOCAL_STORAGE_GET_F_CREATE, the
 * host does not know @owner, or there is no value and F_CREATE is not
 * set or creating one failed (no memory, the owner died). With F_CREATE
 * a missing value is made from @value (value_size bytes; NULL: zeros).
 * Context: program path, in a read-side section; never sleeps; takes the
 * owner's storage lock and a bucket lock to create.
 */
void *kbpf_local_storage_get(struct kbpf_map *map, uint32_t map_type,
			     uint64_t owner, const void *value, uint64_t flags);

/*
 * Delete @owner's value of @map: 0; -ENOENT if it has none; -EINVAL if
 * @map is not of @map_type or the host does not know @owner (Linux's
 * answer for a NULL owner). Context: as kbpf_local_storage_get().
 */
long kbpf_local_storage_delete(struct kbpf_map *map, uint32_t map_type,
			       uint64_t owner);

#endif /* KBPF_MAPS_LOCAL_STORAGE_H */
