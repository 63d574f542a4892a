/* SPDX-License-Identifier: MIT */
/*
 * The core's side of fd-able objects (the public half, refcounting and ids,
 * is include/kbpf/object.h): initialising the common header, and turning
 * fds into objects and back through the host's fd table. Every module that
 * creates or resolves objects uses these; none reaches into src/sys/.
 */
#ifndef KBPF_CORE_OBJECT_H
#define KBPF_CORE_OBJECT_H

#include <stdint.h>

#include "kbpf/object.h"

/**
 * kbpf_obj_init() - initialise the common header of a new object.
 * @obj: the header, embedded as the first member of the object; any
 *       previous contents are overwritten.
 * @h: the host the object lives in.
 * @type: enum kbpf_obj_type.
 * @release: destroys the object when the last reference goes; must not be
 *           NULL.
 *
 * The caller gets the one reference (refcnt 1), which also counts as the
 * creator's user reference (usercnt 1); the id is 0 until
 * kbpf_obj_id_alloc() and there is no release_uref (set it after this call
 * if the object needs one).
 *
 * Context: any; does not sleep, takes no lock, allocates nothing.
 */
void kbpf_obj_init(struct kbpf_obj *obj, const struct kbpf_host *h,
		   enum kbpf_obj_type type,
		   void (*release)(struct kbpf_obj *obj));

/**
 * kbpf_obj_fd_get() - resolve @fd to an object of @type, with a reference.
 * @h: the host whose fd table is searched (kbpf_host.fd_get).
 * @fd: the fd.
 * @type: the enum kbpf_obj_type the caller expects.
 * @obj: on success, the object; the caller owns the reference and drops it
 *       with kbpf_obj_put(). Set to NULL on a type mismatch.
 * @fd_flags: if not NULL, on success the fd's KBPF_FD_READ/KBPF_FD_WRITE.
 *
 * Return: 0; -EBADF if @fd is not open or the host has no fd table; -EINVAL
 * if it is open but not a kbpf object of @type (Linux: a prog fd where a
 * map fd is expected; the reference fd_get took is dropped); or another
 * negative errno of the host's fd_get.
 *
 * Context: syscall path (the host's fd_get may sleep); no kbpf lock held.
 */
int kbpf_obj_fd_get(const struct kbpf_host *h, int fd, enum kbpf_obj_type type,
		    struct kbpf_obj **obj, uint32_t *fd_flags);

/**
 * kbpf_obj_fd_install() - give @obj a new fd in the host's fd table.
 * @h: the host (kbpf_host.fd_install).
 * @obj: the object; on success the caller's reference moves to the fd.
 * @fd_flags: KBPF_FD_READ/KBPF_FD_WRITE for the new fd.
 *
 * Return: the fd (>= 0); or a negative errno, the caller keeping its
 * reference: -EOPNOTSUPP if the host has no fd table, else the host's.
 *
 * Context: syscall path (the host's fd_install may sleep); no kbpf lock
 * held.
 */
int kbpf_obj_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
			uint32_t fd_flags);

#endif /* KBPF_CORE_OBJECT_H */
