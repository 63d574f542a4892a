// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_CGROUP_ARRAY (Linux's cgroup fd array in behaviour): slots
 * hold the host's cgroups, stored from user space as fds of cgroup
 * directories (kbpf_host.cgroup_get resolves them) and tested by
 * bpf_current_task_under_cgroup (kbpf_host.current_in_cgroup). Linux's
 * rules: key and value 4 bytes, BPF_ANY only, -E2BIG past max_entries, no
 * value to read back (-ENOTSUPP), -ENOENT deleting an empty slot.
 *
 * Slots are published with release and read with acquire; a replaced or
 * deleted cgroup is dropped (kbpf_host.cgroup_put) through defer_free, so
 * a program that loaded it can still use it; without defer_free it is
 * kept until the map is freed. Slots, update, delete and free are the
 * fd-array base's (fd_array.h); this file has fd -> cgroup and the
 * helper's test.
 */
#include "fd_array.h"

extern const struct kbpf_map_ops kbpf_cgroup_array_map_ops;

/* Called from syscall */
static int cga_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	return kbpf_fd_array_alloc(h, attr, &kbpf_cgroup_array_map_ops,
				   sizeof(struct kbpf_fd_array), false, out);
}

/* Any context (a defer_free callback): an entry's reference goes. */
static void cga_cgroup_put(const struct kbpf_host *h, void *cgrp)
{
	if (h->cgroup_put)
		h->cgroup_put(h, cgrp);
}

/* Called from syscall: the cgroup whose directory @fd is open on. */
static int cga_fd_get_ptr(struct kbpf_map *map, int fd, void **ptr)
{
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_fd_entry *e;
	int err = -KBPF_EBADF;
	void *cgrp = NULL;

	if (h->cgroup_get)
		err = h->cgroup_get(h, fd, &cgrp);
	if (err || !cgrp)
		return err < 0 ? err : -KBPF_EBADF;
	e = kbpf_fd_entry_new(h, cgrp, cga_cgroup_put,
			      &kbpf_fd_array(map)->retired);
	if (!e) {
		cga_cgroup_put(h, cgrp);
		return -KBPF_ENOMEM;
	}
	*ptr = e;
	return 0;
}

long kbpf_cgroup_array_current_under(struct kbpf_map *map, uint32_t idx)
{
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_fd_entry *e;

	if (map->ops != &kbpf_cgroup_array_map_ops)
		return -KBPF_EINVAL;
	if (idx >= map->max_entries)
		return -KBPF_E2BIG;
	e = kbpf_fd_array_get(map, idx);
	if (!e)
		return -KBPF_EAGAIN;
	return h->current_in_cgroup ? h->current_in_cgroup(h, e->obj) > 0 : 0;
}

/* A cgroup has no value user space can read: no fd_sys_lookup_elem. */
const struct kbpf_map_ops kbpf_cgroup_array_map_ops = {
	KBPF_FD_ARRAY_OPS,
	.alloc = cga_alloc,
	.fd_get_ptr = cga_fd_get_ptr,
	.fd_put_ptr = kbpf_fd_entry_put_ptr,
};
