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

#ifdef __cplusplus
}
#endif

#endif /* KBPF_OBJECT_H */
