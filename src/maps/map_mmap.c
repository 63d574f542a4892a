// SPDX-License-Identifier: MIT
/*
 * mmap(2) of a map fd (Linux's bpf_map_mmap() and the types' map_mmap in
 * behaviour): which pages of a map user space may map, and how. The host
 * maps the page list it gets at consecutive user addresses with the
 * protection asked for, and calls kbpf_map_munmap() when the mapping goes.
 *
 * Writable mappings are counted in map->writecnt (BPF_MAP_FREEZE refuses a
 * map that has one); a frozen map refuses writable mappings. Called from
 * syscall only; no lock (the count is atomic).
 */
#include "map_internal.h"

int kbpf_map_mmap(struct kbpf_map *map, uint64_t pgoff, size_t nr,
		  bool writable, const uintptr_t **pages)
{
	const uintptr_t *list;
	size_t total;

	/* Linux: no mapping of values with special fields (a lock, a timer). */
	if (!map->ops->mmap_pages || kbpf_map_has_fields(map))
		return -KBPF_ENOTSUPP;
	if (writable && atomic_load(&map->frozen))
		return -KBPF_EPERM;
	if (map->map_type == BPF_MAP_TYPE_ARRAY &&
	    !(map->map_flags & BPF_F_MMAPABLE))
		return -KBPF_EINVAL;
	if (map->ops->mmap_pages(map, &list, &total))
		return -KBPF_EINVAL;
	/*
	 * Ring buffer: only the consumer page (offset 0, one page) may be
	 * writable; the producer page and the data are the kernel's.
	 */
	if (map->map_type == BPF_MAP_TYPE_RINGBUF && writable &&
	    (pgoff || nr != 1))
		return -KBPF_EPERM;
	/*
	 * User ring buffer: the reverse. User space produces, so the
	 * producer page and the data may be writable, the consumer page not.
	 */
	if (map->map_type == BPF_MAP_TYPE_USER_RINGBUF && writable && !pgoff)
		return -KBPF_EPERM;
	if (!nr || pgoff > total || nr > total - pgoff)
		return -KBPF_EINVAL;
	/*
	 * Count the mapping, then look at frozen again: BPF_MAP_FREEZE sets
	 * frozen, then looks at writecnt (both sequentially consistent), so
	 * one of the two sees the other and a frozen map never keeps a
	 * writable mapping.
	 */
	if (writable) {
		atomic_fetch_add(&map->writecnt, 1);
		if (atomic_load(&map->frozen)) {
			atomic_fetch_sub(&map->writecnt, 1);
			return -KBPF_EPERM;
		}
	}
	*pages = list + pgoff;
	return 0;
}

void kbpf_map_munmap(struct kbpf_map *map, bool writable)
{
	if (writable)
		atomic_fetch_sub(&map->writecnt, 1);
}

bool kbpf_map_frozen(struct kbpf_map *map)
{
	/* Pairs with BPF_MAP_FREEZE's store (map_sys.c). */
	return atomic_load_explicit(&map->frozen, memory_order_acquire);
}
