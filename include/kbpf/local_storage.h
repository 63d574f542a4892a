/* SPDX-License-Identifier: MIT */
/*
 * Local storage: BPF_MAP_TYPE_TASK_STORAGE, SK_STORAGE, INODE_STORAGE and
 * CGRP_STORAGE (Linux's bpf_local_storage). Each map holds at most one
 * value per owner (a task, a socket, an inode, a cgroup of the host), kept
 * in the owner itself: the host gives kbpf one pointer in each owner
 * (kbpf_host.owner_storage) and user space names owners by fd
 * (kbpf_host.owner_fd_get: a pidfd, a socket, any file, a cgroup
 * directory). Programs reach the values through bpf_task_storage_get,
 * bpf_sk_storage_get, bpf_inode_storage_get and bpf_cgrp_storage_get (and
 * their _delete), user space through BPF_MAP_LOOKUP_ELEM, UPDATE_ELEM and
 * DELETE_ELEM with the owner's fd as the key.
 *
 * A value lives until it is deleted, its map is freed, or its owner dies.
 * The last one is the host's to report, with the function below.
 */
#ifndef KBPF_LOCAL_STORAGE_H
#define KBPF_LOCAL_STORAGE_H

#include "config.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_local_storage_owner_free() - an owner of local storage is dying:
 * free every value any map keeps in it (Linux's bpf_*_storage_free() from
 * the owner's destructor).
 * @h: the host table the maps were created with.
 * @anchor: the pointer kbpf_host.owner_storage gave for the owner. If it
 *          is NULL (the owner never had storage) nothing happens.
 *
 * Call it once the owner can no longer be handed to programs or resolved
 * from an fd (owner_storage and owner_fd_get already refuse it), before the
 * owner's memory is reused. Programs still running with the owner (read-side
 * sections begun earlier) get NULL from the storage_get helpers from now
 * on, never new storage. The values are freed through kbpf_host.defer_free.
 * On return *@anchor holds a value that is not NULL and that kbpf
 * recognises as a dead owner's: a host that reuses the memory for a new
 * owner sets it back to NULL first.
 *
 * Context: any context that may take a kbpf spinlock (syscall path, a
 * defer_free callback, the host's task or socket teardown); does not
 * sleep; takes the owner's storage lock, then each map's bucket lock.
 */
KBPF_API void kbpf_local_storage_owner_free(const struct kbpf_host *h,
					    void **anchor);

/**
 * kbpf_local_storage_owner_clone() - a new owner is made as a copy of
 * another (a socket accepted from a listening one, Linux's
 * bpf_sk_storage_clone() from sk_clone_lock()): every value @src has in a
 * map created with BPF_F_CLONE is copied to @dst (a bpf_spin_lock in it
 * starts free); values of other maps are not.
 * @h: the host table the maps were created with.
 * @src: the anchor (kbpf_host.owner_storage) of the owner copied from.
 * @dst: the anchor of the new owner, not yet reachable by programs or
 *       fds, NULL (no storage yet).
 *
 * Context: any context that may take a kbpf spinlock; does not sleep
 * (allocates with KBPF_ALLOC_ATOMIC); takes @src's storage lock, then
 * @dst's and bucket locks.
 * Return: 0 (also when @src has no values to copy); -ENOMEM if a copy
 * could not be allocated, -E2BIG past 64 values to copy. On failure
 * nothing is left in @dst, which is marked dead as after
 * kbpf_local_storage_owner_free(): Linux fails the new socket then; a host
 * that keeps the owner sets *@dst back to NULL.
 */
KBPF_API int kbpf_local_storage_owner_clone(const struct kbpf_host *h,
					    void **src, void **dst);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_LOCAL_STORAGE_H */
