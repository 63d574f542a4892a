// SPDX-License-Identifier: MIT
/*
 * The local storage helpers (Linux's bpf_{task,sk,inode,cgrp}_storage_get
 * and _delete): bpf_*_storage_get(map, owner, value, flags) returns the
 * owner's value in the map, creating it from @value (NULL: zeros) with
 * BPF_LOCAL_STORAGE_GET_F_CREATE, and bpf_*_storage_delete(map, owner)
 * removes it. The maps are src/maps/local_storage.c.
 *
 * The owner is what the host names a task, socket, inode or cgroup
 * (kbpf_host.owner_storage); Linux's verifier types it as a BTF pointer
 * (PTR_TO_BTF_ID). Until kbpf's verifier has those, the prototypes take
 * it as KBPF_ARG_UNSAFE_PTR and the host checks it: an owner the host
 * does not know is Linux's NULL owner (get: NULL; delete: -EINVAL).
 */
#include "helpers_internal.h"
#include "maps/cgroup_storage.h"
#include "maps/local_storage.h"
#include "kbpf/cgroup.h"

#define MAP(p) ((struct kbpf_map *)(uintptr_t)(p))
#define PTR(p) ((void *)(uintptr_t)(p))

static uint64_t storage_get(struct kbpf_run *run, uint32_t type, uint64_t map,
			    uint64_t owner, uint64_t value, uint64_t flags)
{
	void *v = kbpf_local_storage_get(MAP(map), type, owner, PTR(value),
					 flags);

	if (v)
		kbpf_run_add_map_value(run, MAP(map), v);
	return (uint64_t)(uintptr_t)v;
}

uint64_t kbpf_helper_task_storage_get(struct kbpf_run *run, uint64_t map,
				      uint64_t task, uint64_t value,
				      uint64_t flags, uint64_t r5)
{
	return storage_get(run, BPF_MAP_TYPE_TASK_STORAGE, map, task, value,
			   flags);
}

uint64_t kbpf_helper_task_storage_delete(struct kbpf_run *run, uint64_t map,
					 uint64_t task, uint64_t r3,
					 uint64_t r4, uint64_t r5)
{
	return (uint64_t)kbpf_local_storage_delete(
		MAP(map), BPF_MAP_TYPE_TASK_STORAGE, task);
}

uint64_t kbpf_helper_sk_storage_get(struct kbpf_run *run, uint64_t map,
				    uint64_t sk, uint64_t value, uint64_t flags,
				    uint64_t r5)
{
	/* A cgroup sock program passes its context: the host's socket. */
	if (run->ctx_type == BPF_PROG_TYPE_CGROUP_SOCK &&
	    sk == (uint64_t)(uintptr_t)run->ctx)
		sk = ((const struct kbpf_sock *)run->ctx)->owner;
	return storage_get(run, BPF_MAP_TYPE_SK_STORAGE, map, sk, value, flags);
}

uint64_t kbpf_helper_sk_storage_delete(struct kbpf_run *run, uint64_t map,
				       uint64_t sk, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	return (uint64_t)kbpf_local_storage_delete(MAP(map),
						   BPF_MAP_TYPE_SK_STORAGE, sk);
}

uint64_t kbpf_helper_inode_storage_get(struct kbpf_run *run, uint64_t map,
				       uint64_t inode, uint64_t value,
				       uint64_t flags, uint64_t r5)
{
	return storage_get(run, BPF_MAP_TYPE_INODE_STORAGE, map, inode, value,
			   flags);
}

uint64_t kbpf_helper_inode_storage_delete(struct kbpf_run *run, uint64_t map,
					  uint64_t inode, uint64_t r3,
					  uint64_t r4, uint64_t r5)
{
	return (uint64_t)kbpf_local_storage_delete(
		MAP(map), BPF_MAP_TYPE_INODE_STORAGE, inode);
}

uint64_t kbpf_helper_cgrp_storage_get(struct kbpf_run *run, uint64_t map,
				      uint64_t cgrp, uint64_t value,
				      uint64_t flags, uint64_t r5)
{
	return storage_get(run, BPF_MAP_TYPE_CGRP_STORAGE, map, cgrp, value,
			   flags);
}

uint64_t kbpf_helper_cgrp_storage_delete(struct kbpf_run *run, uint64_t map,
					 uint64_t cgrp, uint64_t r3,
					 uint64_t r4, uint64_t r5)
{
	return (uint64_t)kbpf_local_storage_delete(
		MAP(map), BPF_MAP_TYPE_CGRP_STORAGE, cgrp);
}

/*
 * bpf_get_local_storage(map, flags): the running entry's storage of
 * @map's type (Linux's bpf_get_local_storage(): the storage the attach
 * made for the cgroup and attach type, the calling CPU's slot of a per-CPU
 * one).
 * Never NULL to the program: the verifier lets only programs whose one
 * storage map of that type is @map call it with @flags 0 (the flags are
 * not looked at here, as Linux's). Outside a cgroup run, or for a program
 * attached with another map (which kbpf's attach refuses), the run stops
 * with -EINVAL.
 */
uint64_t kbpf_helper_get_local_storage(struct kbpf_run *run, uint64_t map,
				       uint64_t flags, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	struct kbpf_cgroup_storage *s = NULL;
	int stype = kbpf_cgroup_storage_type(MAP(map));
	void *v;

	(void)flags;
	if (run->cg && stype >= 0)
		s = run->cg->storage[stype];
	if (!s || s->map != MAP(map)) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	/* The run's CPU's slot, as PERCPU_ARRAY lookups (kbpf_run_map_cpu()). */
	v = kbpf_cgroup_storage_ptr(s, kbpf_run_map_cpu(run));
	/* Checked mode: lent field by field (a bpf_spin_lock stays opaque). */
	kbpf_run_add_map_value(run, MAP(map), v);
	return (uint64_t)(uintptr_t)v;
}

/* bpf_get_retval(): the run's return value so far (sign-extended int). */
uint64_t kbpf_helper_get_retval(struct kbpf_run *run, uint64_t r1, uint64_t r2,
				uint64_t r3, uint64_t r4, uint64_t r5)
{
	if (!run->cg || !run->cg->retval) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	return (uint64_t)(int64_t)*run->cg->retval;
}

/*
 * bpf_set_retval(retval): what the run returns unless a later program
 * changes it or refuses (Linux: any int; a refusal turns a value that is
 * not an errno into -EPERM). Returns 0.
 */
uint64_t kbpf_helper_set_retval(struct kbpf_run *run, uint64_t retval,
				uint64_t r2, uint64_t r3, uint64_t r4,
				uint64_t r5)
{
	if (!run->cg || !run->cg->retval) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	*run->cg->retval = (int32_t)(uint32_t)retval;
	return 0;
}
