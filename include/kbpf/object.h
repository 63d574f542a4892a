/* SPDX-License-Identifier: MIT */
/*
 * The common header of every kbpf object an fd can refer to: maps, programs,
 * links, perf events. It carries the host, the type, the id and the
 * reference count; the last kbpf_obj_put() destroys the object.
 */
#ifndef KBPF_OBJECT_H
#define KBPF_OBJECT_H

#include <stdatomic.h>
#include <stdint.h>

#include "host.h"

/**
 * struct kbpf_obj - embedded as the first member of every fd-able object.
 * @host: the host table the object was created with.
 * @release: destroys the object; called by the last kbpf_obj_put().
 * @refcnt: references: the creator's, each fd, each program using a map,
 *          each attachment.
 * @type: enum kbpf_obj_type.
 * @id: system-wide id from kbpf_host.id_alloc, or 0.
 * @usercnt: user references (the creator's and each fd's), a subset of
 *           @refcnt, as Linux's map usercnt.
 * @release_uref: if not NULL, called once when @usercnt drops to zero:
 *                user space can no longer reach the object, so it drops
 *                what only user space could undo (a prog array clears its
 *                entries, breaking the cycle with programs that use it).
 */
struct kbpf_obj {
	const struct kbpf_host *host;
	void (*release)(struct kbpf_obj *obj);
	atomic_long refcnt;
	uint32_t type;
	uint32_t id;
	atomic_long usercnt;
	void (*release_uref)(struct kbpf_obj *obj);
};

/**
 * kbpf_obj_get() - take a reference on @obj.
 *
 * Context: any; lock-free. The caller must already hold a reference (or be
 * the host's fd table, which holds one for each fd).
 */
void kbpf_obj_get(struct kbpf_obj *obj);

/**
 * kbpf_obj_put() - drop a reference on @obj; the last one destroys it.
 *
 * Context: the last put runs @obj->release, which frees memory and drops the
 * references the object holds; it does not sleep but may call
 * kbpf_host.defer_free. Hosts call it when an fd is closed.
 */
void kbpf_obj_put(struct kbpf_obj *obj);

/**
 * kbpf_obj_uref_put() - drop a user reference on @obj: the one an fd holds
 * (hosts call this, not kbpf_obj_put(), when an fd is closed) or the
 * creator's. The last user reference runs @obj->release_uref; then the
 * reference itself is dropped as by kbpf_obj_put().
 *
 * Context: syscall path (release_uref may take kbpf locks and drop
 * references). A host that calls kbpf_obj_put() on close instead still
 * works, but a prog array that holds a program using it then lives until
 * its entries are deleted.
 */
void kbpf_obj_uref_put(struct kbpf_obj *obj);

/**
 * kbpf_obj_uref_get() - take a user reference on @obj (and a reference),
 * for a host that gives an object a new fd of its own (pinning, GET_FD_BY_ID).
 *
 * Context: any; lock-free. The caller must already hold a reference.
 */
void kbpf_obj_uref_get(struct kbpf_obj *obj);

/**
 * kbpf_obj_id_alloc() - give @obj its system-wide id through
 * kbpf_host.id_alloc (id 0 if the host has none).
 *
 * Context: syscall path. Return: 0 or the host's negative errno.
 */
int kbpf_obj_id_alloc(struct kbpf_obj *obj);

/**
 * kbpf_obj_id_release() - drop the id of @obj (called by the object's release).
 *
 * Context: any. Calls kbpf_host.id_release if the object has an id.
 */
void kbpf_obj_id_release(struct kbpf_obj *obj);

#endif /* KBPF_OBJECT_H */
