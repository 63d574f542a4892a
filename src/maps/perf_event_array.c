// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY (the perf event part of Linux's
 * kernel/bpf/arraymap.c in behaviour): an array of references to perf
 * events, indexed by CPU by convention, that bpf_perf_event_output writes
 * through.
 *
 * User space stores perf event fds (4-byte values); kbpf resolves them
 * through the host's fd table (kbpf_host.fd_get) to struct kbpf_perf_event
 * objects, the kind kbpf_sys_perf_event_open() installs, and keeps a
 * reference in a small entry, as Linux keeps a struct bpf_event_entry.
 * Lookups from the syscall side give -ENOTSUPP; from a program, slots are
 * read only by the output helper.
 *
 * Lifetime: Linux drops the entries stored through a map fd when that fd is
 * closed, unless the map has BPF_F_PRESERVE_ELEMS. kbpf learns when the
 * last user reference (fd, or the creator's) goes (release_uref) and then
 * drops every entry; with one fd per map, as kbpf's hosts give, that is
 * Linux's behaviour. With BPF_F_PRESERVE_ELEMS entries live until they are
 * replaced or deleted, or the map dies.
 *
 * Slots, update, delete, the clearing and free are the fd-array base's
 * (fd_array.h); this file has fd -> event with its checks, and the output
 * helper's read.
 *
 * Locking: slots are swapped with atomic exchanges (updates and deletes
 * from the syscall side); the output helper loads a slot with acquire and
 * uses its entry while the program runs. A replaced or deleted entry is
 * reclaimed after readers are done: through kbpf_host.defer_free, or,
 * without it, on a list freed with the map. The final put of an event may
 * therefore run from a defer_free callback.
 */
#include "fd_array.h"
#include "perf/perf_internal.h"

extern const struct kbpf_map_ops kbpf_perf_event_array_map_ops;

/* Called from syscall */
static int pea_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	/* Linux drops the entries with the fd unless asked to keep them. */
	return kbpf_fd_array_alloc(h, attr, &kbpf_perf_event_array_map_ops,
				   sizeof(struct kbpf_fd_array),
				   !(attr->map_flags & BPF_F_PRESERVE_ELEMS),
				   out);
}

/* Any context (a defer_free callback): an entry's reference goes. */
static void pea_event_put(const struct kbpf_host *h, void *ev)
{
	(void)h;
	kbpf_perf_event_put(ev);
}

/*
 * Called from syscall: @fd is a perf event fd. Not open or not a perf
 * event: -EBADF; an inherited event, which perf_event_read_local()
 * refuses: -EOPNOTSUPP.
 */
static int pea_fd_get_ptr(struct kbpf_map *map, int fd, void **ptr)
{
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_perf_event *ev;
	struct kbpf_fd_entry *e;
	struct kbpf_obj *obj;

	if (!h->fd_get || h->fd_get(h, fd, &obj, NULL))
		return -KBPF_EBADF;
	ev = kbpf_perf_event_from_obj(obj);
	if (!ev) {
		kbpf_obj_put(obj);
		return -KBPF_EBADF;
	}
	if (kbpf_perf_event_attr(ev)->inherit) {
		kbpf_perf_event_put(ev);
		return -KBPF_EOPNOTSUPP;
	}
	/* The reference from fd_get moves into the entry. */
	e = kbpf_fd_entry_new(h, ev, pea_event_put,
			      &kbpf_fd_array(map)->retired);
	if (!e) {
		kbpf_perf_event_put(ev);
		return -KBPF_ENOMEM;
	}
	*ptr = e;
	return 0;
}

long kbpf_perf_event_array_output(struct kbpf_map *map, uint32_t cpu,
				  uint64_t flags, const void *data,
				  uint64_t size, uint16_t misc)
{
	return kbpf_perf_event_array_output_frag(map, cpu, flags, data, size,
						 NULL, misc);
}

long kbpf_perf_event_array_output_frag(struct kbpf_map *map, uint32_t cpu,
				       uint64_t flags, const void *data,
				       uint64_t size,
				       const struct kbpf_perf_frag *frag,
				       uint16_t misc)
{
	uint64_t idx = flags & BPF_F_INDEX_MASK;
	struct kbpf_fd_entry *e;

	if (map->map_type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return -KBPF_EINVAL;
	/* The tracing flavour: no context length in the upper bits. */
	if (flags & ~(uint64_t)BPF_F_INDEX_MASK)
		return -KBPF_EINVAL;
	if (idx == BPF_F_CURRENT_CPU)
		idx = cpu;
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	e = kbpf_fd_array_get(map, (uint32_t)idx);
	if (!e)
		return -KBPF_ENOENT;
	return kbpf_perf_event_output_frag(e->obj, cpu, data, size, frag, misc);
}

/* Lookups from the syscall side: no fd_sys_lookup_elem, -ENOTSUPP. */
const struct kbpf_map_ops kbpf_perf_event_array_map_ops = {
	KBPF_FD_ARRAY_OPS,
	.alloc = pea_alloc,
	.fd_get_ptr = pea_fd_get_ptr,
	.fd_put_ptr = kbpf_fd_entry_put_ptr,
};
