/* SPDX-License-Identifier: MIT */
/*
 * BPF maps as a host sees them: an opaque struct kbpf_map behind a map fd,
 * which type kbpf implements, and the pages a host maps for mmap(2) of a
 * map fd. Maps are created and used through kbpf_sys_bpf() (include/kbpf/sys.h)
 * and the ELF loader (include/kbpf/loader.h); the map object, its operations
 * and the program-side element functions are private (src/core/map.h).
 */
#ifndef KBPF_MAP_H
#define KBPF_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;

/**
 * kbpf_map_type_supported() - does kbpf implement map type @type (enum
 * bpf_map_type)? kbpf_map_create() refuses the others with -EINVAL, as
 * Linux refuses a type it does not know; loaders use this to say why.
 * Context: any; no locks, no allocation.
 */
KBPF_API bool kbpf_map_type_supported(uint32_t type);

/**
 * kbpf_map_mmap() - the pages of @map user space may map at page offset
 * @pgoff, @nr pages long, as mmap(2) of a map fd allows (MAP_SHARED only;
 * the host checks that): BPF_F_MMAPABLE arrays (the values), ring buffers
 * (consumer page, producer page, data mapped twice; only the consumer page
 * may be writable).
 * @writable: the mapping allows writes (counted until kbpf_map_munmap()).
 * @pages: receives @nr page handles from kbpf_host.alloc_pages, to map in
 *         order; valid while the map lives (the host holds a reference on
 *         the map for each mapping).
 *
 * Context: syscall path.
 * Return: 0; -ENOTSUPP for a type that cannot be mapped (as Linux);
 * -EINVAL for an array without BPF_F_MMAPABLE or a range past the map;
 * -EPERM for a writable mapping of a frozen map or of ring buffer pages
 * other than the consumer page.
 */
KBPF_API int kbpf_map_mmap(struct kbpf_map *map, uint64_t pgoff, size_t nr,
			   bool writable, const uintptr_t **pages);

/** kbpf_map_munmap() - a mapping from kbpf_map_mmap() is gone. */
KBPF_API void kbpf_map_munmap(struct kbpf_map *map, bool writable);

/**
 * kbpf_map_frozen() - whether BPF_MAP_FREEZE has frozen @map (Linux shows
 * it as the "frozen:" line of the map fd's /proc fdinfo, which bpftool
 * reads; a host that serves fdinfo needs it).
 * @map: a map the caller holds a reference on.
 *
 * Context: any; lock-free (an acquire load).
 * Return: true once the map is frozen (it never thaws), else false.
 */
KBPF_API bool kbpf_map_frozen(struct kbpf_map *map);

/**
 * kbpf_map_prog_array_owner() - the program type that owns a PROG_ARRAY
 * (fixed by the first program put in it or loaded using it), which Linux
 * shows as the "owner_prog_type:" line of the map fd's fdinfo.
 * @map: a map the caller holds a reference on.
 * @prog_type: receives the owner's enum bpf_prog_type.
 *
 * Context: syscall path (takes the array's owner lock with IRQs saved).
 * Return: 0; -ENOENT if the array has no owner yet; -EINVAL if @map is not
 * a PROG_ARRAY.
 */
KBPF_API int kbpf_map_prog_array_owner(struct kbpf_map *map,
				       uint32_t *prog_type);

/**
 * kbpf_map_obj() - the object of @map, to install in an fd table or to
 * take and drop references with kbpf_obj_get()/kbpf_obj_put().
 *
 * Context: any.
 */
KBPF_API struct kbpf_obj *kbpf_map_obj(struct kbpf_map *map);

/**
 * kbpf_map_from_obj() - the map @obj is, or NULL if @obj is not a map
 * (kbpf_obj_type() is not KBPF_OBJ_MAP). No reference is taken: the map
 * lives as long as the caller's reference on @obj.
 *
 * Context: any.
 */
KBPF_API struct kbpf_map *kbpf_map_from_obj(struct kbpf_obj *obj);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_MAP_H */
