/* SPDX-License-Identifier: MIT */
/*
 * The core's side of fd-able objects (the public half, refcounting for the
 * host's fd table, is include/kbpf/object.h): the common header, its
 * initialisation, ids, and turning fds into objects and back through the
 * host's fd table. Every module that creates or resolves objects uses
 * these; none reaches into src/sys/.
 */
#ifndef KBPF_CORE_OBJECT_H
#define KBPF_CORE_OBJECT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "kbpf/object.h"

/**
 * struct kbpf_obj - embedded as the first member of every fd-able object.
 * @host: the host table the object was created with.
 * @release: destroys the object; called by the last kbpf_obj_put().
 * @refcnt: references: the creator's, each fd, each program using a map,
 *          each attachment.
 * @type: enum kbpf_obj_type.
 * @id: system-wide id (kbpf's registry, kbpf_host.state, or the host's
 *      id_alloc), or 0.
 * @usercnt: user references (the creator's and each fd's), a subset of
 *           @refcnt, as Linux's map usercnt.
 * @release_uref: if not NULL, called once when @usercnt drops to zero:
 *                user space can no longer reach the object, so it drops
 *                what only user space could undo (a prog array clears its
 *                entries, breaking the cycle with programs that use it).
 * @id_prev, @id_next: the object's place in its kind's id list of
 *                     kbpf_host.state (sorted by id), under its lock.
 */
struct kbpf_obj {
	const struct kbpf_host *host;
	void (*release)(struct kbpf_obj *obj);
	atomic_long refcnt;
	uint32_t type;
	uint32_t id;
	atomic_long usercnt;
	void (*release_uref)(struct kbpf_obj *obj);
	struct kbpf_obj *id_prev, *id_next;
};

/**
 * kbpf_obj_id_alloc() - give @obj its system-wide id: from kbpf's registry
 * when the host has kbpf_host.state (maps, programs, links and BTF: Linux's
 * cyclic idr, ids in [1, INT_MAX); perf events: a counter), else through
 * kbpf_host.id_alloc, else id 0. From then on BPF_*_GET_FD_BY_ID can find
 * the object while it lives.
 *
 * Context: any; takes the registry lock (irqsave), allocates nothing.
 * Return: 0; -ENOSPC if every id of the kind is taken; or the host's
 * id_alloc errno.
 */
int kbpf_obj_id_alloc(struct kbpf_obj *obj);

/**
 * kbpf_obj_id_release() - drop the id of @obj (called by the object's
 * release, before its memory is freed: the registry links the object).
 *
 * Context: any (the last put may run in a defer_free callback or on the
 * program path); takes the registry lock or calls kbpf_host.id_release.
 */
void kbpf_obj_id_release(struct kbpf_obj *obj);

/**
 * kbpf_obj_get_unless_zero() - take a reference on @obj unless its count
 * has already reached zero (its release has begun): Linux's
 * atomic_inc_not_zero of the *_inc_not_zero functions.
 *
 * Context: any; lock-free. The caller must keep @obj's memory alive by
 * other means (the registry lock) while calling.
 * Return: true if the reference was taken.
 */
bool kbpf_obj_get_unless_zero(struct kbpf_obj *obj);

/**
 * kbpf_obj_by_id() - the live object of kind @type with id @id, as
 * BPF_*_GET_FD_BY_ID finds it.
 * @h: the host (its kbpf_host.state registry).
 * @type: KBPF_OBJ_MAP, _PROG, _LINK or _BTF.
 * @id: the id.
 * @obj: on success the object with a user reference (kbpf_obj_uref_get's
 *       pair: a reference and, counted as Linux's bpf_map_inc_not_zero
 *       with uref, a user reference), for kbpf_obj_fd_install() or
 *       kbpf_obj_uref_put().
 *
 * Context: any; takes the registry lock.
 * Return: 0; -ENOENT for id 0, no such id, an object already being
 * released, or a host without kbpf_host.state.
 */
int kbpf_obj_by_id(const struct kbpf_host *h, uint32_t type, uint32_t id,
		   struct kbpf_obj **obj);

/**
 * kbpf_obj_next_id() - the smallest id of kind @type above @start
 * (BPF_*_GET_NEXT_ID), in @next.
 *
 * Context: any; takes the registry lock.
 * Return: 0; -ENOENT if there is none (or no kbpf_host.state).
 */
int kbpf_obj_next_id(const struct kbpf_host *h, uint32_t type, uint32_t start,
		     uint32_t *next);

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
