/* SPDX-License-Identifier: MIT */
/*
 * The objects an fd can refer to (maps, programs, links, perf events), as a
 * host's fd table sees them: an opaque struct kbpf_obj * with a type and a
 * reference count; the last kbpf_obj_put() destroys the object. The layout
 * is private (src/core/object.h).
 */
#ifndef KBPF_OBJECT_H
#define KBPF_OBJECT_H

#include <stdint.h>

#include "config.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_obj;

/**
 * kbpf_obj_type() - the type of @obj: enum kbpf_obj_type (include/kbpf/host.h).
 *
 * Context: any. A host's fd table stores a struct kbpf_obj * and learns
 * through this what it names (for per-type ids, or mmap of a map fd).
 */
KBPF_API uint32_t kbpf_obj_type(const struct kbpf_obj *obj);

/**
 * kbpf_obj_get() - take a reference on @obj.
 *
 * Context: any; lock-free. The caller must already hold a reference (or be
 * the host's fd table, which holds one for each fd).
 */
KBPF_API void kbpf_obj_get(struct kbpf_obj *obj);

/**
 * kbpf_obj_put() - drop a reference on @obj; the last one destroys it.
 *
 * Context: the last put runs @obj->release, which frees memory and drops the
 * references the object holds; it does not sleep but may call
 * kbpf_host.defer_free. Hosts call it when an fd is closed.
 */
KBPF_API void kbpf_obj_put(struct kbpf_obj *obj);

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
KBPF_API void kbpf_obj_uref_put(struct kbpf_obj *obj);

/**
 * kbpf_obj_uref_get() - take a user reference on @obj (and a reference),
 * for a host that gives an object a new fd of its own (pinning, GET_FD_BY_ID).
 *
 * Context: any; lock-free. The caller must already hold a reference.
 */
KBPF_API void kbpf_obj_uref_get(struct kbpf_obj *obj);

/*
 * poll(2) event bits, as Linux's (the same values as POLLIN... on x86-64,
 * arm64 and riscv64).
 */
#define KBPF_POLLIN 0x0001u
#define KBPF_POLLOUT 0x0004u
#define KBPF_POLLERR 0x0008u
#define KBPF_POLLHUP 0x0010u
#define KBPF_POLLRDNORM 0x0040u
#define KBPF_POLLWRNORM 0x0100u

/**
 * kbpf_obj_poll() - the events poll(2) or epoll reports for an fd of @obj
 * now, as Linux's file operations compute them. A host's poll calls it each
 * time (after kbpf_host.wake, and before it sleeps), so readiness is
 * level-triggered where Linux's is:
 *  - a ring buffer map: KBPF_POLLIN | KBPF_POLLRDNORM while records wait
 *    (producer_pos != consumer_pos), else 0;
 *  - a user ring buffer map: KBPF_POLLOUT | KBPF_POLLWRNORM while it is not
 *    full, else 0;
 *  - any other map: KBPF_POLLERR (Linux has no poll for it);
 *  - a perf event: kbpf_perf_event_poll() (KBPF_POLLHUP without a mapped
 *    ring; KBPF_POLLIN | KBPF_POLLRDNORM once per wake-up);
 *  - a program, link, BTF object or statistics fd: Linux's default,
 *    KBPF_POLLIN | KBPF_POLLOUT | KBPF_POLLRDNORM | KBPF_POLLWRNORM.
 * The host masks the result with the events asked for, except KBPF_POLLERR
 * and KBPF_POLLHUP, which poll(2) always reports.
 *
 * Context: any; never sleeps; lock-free except for a perf event (its ring
 * lock). The caller holds a reference to @obj.
 * Return: the KBPF_POLL* bits.
 */
KBPF_API uint32_t kbpf_obj_poll(struct kbpf_obj *obj);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_OBJECT_H */
