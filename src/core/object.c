// SPDX-License-Identifier: MIT
/*
 * Reference counting of fd-able objects. The count only goes to zero once:
 * the fd table, programs and links each hold their own reference, so the
 * last put comes after every user is gone and may destroy at once.
 */
#include "compiler.h"
#include "object.h"

void kbpf_obj_init(struct kbpf_obj *obj, const struct kbpf_host *h,
		   enum kbpf_obj_type type,
		   void (*release)(struct kbpf_obj *obj))
{
	obj->host = h;
	obj->release = release;
	atomic_init(&obj->refcnt, 1);
	obj->type = (uint32_t)type;
	obj->id = 0;
	/* The creator's reference is a user reference (kbpf_obj_uref_put). */
	atomic_init(&obj->usercnt, 1);
	obj->release_uref = NULL;
	obj->id_prev = NULL;
	obj->id_next = NULL;
}

uint32_t kbpf_obj_type(const struct kbpf_obj *obj)
{
	return obj->type;
}

void kbpf_obj_get(struct kbpf_obj *obj)
{
	atomic_fetch_add_explicit(&obj->refcnt, 1, memory_order_relaxed);
}

void kbpf_obj_put(struct kbpf_obj *obj)
{
	long old;

	if (!obj)
		return;
	/*
	 * Release orders our last accesses before the destructor's; the
	 * acquire half makes the last putter see every other putter's
	 * accesses. (acq_rel rather than release plus an acquire fence:
	 * ThreadSanitizer does not model fences, and the last put often runs
	 * on a defer_free thread.)
	 */
	old = atomic_fetch_sub_explicit(&obj->refcnt, 1, memory_order_acq_rel);
	if (KBPF_WARN_ON_ONCE(obj->host, old <= 0))
		return;
	if (old == 1)
		obj->release(obj);
}

void kbpf_obj_uref_get(struct kbpf_obj *obj)
{
	atomic_fetch_add_explicit(&obj->usercnt, 1, memory_order_relaxed);
	kbpf_obj_get(obj);
}

void kbpf_obj_uref_put(struct kbpf_obj *obj)
{
	if (!obj)
		return;
	/* Objects without release_uref do not count user references. */
	if (obj->release_uref &&
	    atomic_fetch_sub_explicit(&obj->usercnt, 1, memory_order_acq_rel) ==
		    1)
		obj->release_uref(obj);
	kbpf_obj_put(obj);
}

bool kbpf_obj_get_unless_zero(struct kbpf_obj *obj)
{
	long old = atomic_load_explicit(&obj->refcnt, memory_order_relaxed);

	do {
		if (old <= 0)
			return false;
	} while (!atomic_compare_exchange_weak_explicit(
		&obj->refcnt, &old, old + 1, memory_order_relaxed,
		memory_order_relaxed));
	return true;
}

int kbpf_obj_fd_get(const struct kbpf_host *h, int fd, enum kbpf_obj_type type,
		    struct kbpf_obj **obj, uint32_t *fd_flags)
{
	uint32_t flags = 0;
	int err;

	if (!h->fd_get)
		return -KBPF_EBADF;
	err = h->fd_get(h, fd, obj, &flags);
	if (err)
		return err;
	if ((*obj)->type != (uint32_t)type) {
		kbpf_obj_put(*obj);
		*obj = NULL;
		return -KBPF_EINVAL;
	}
	if (fd_flags)
		*fd_flags = flags;
	return 0;
}

int kbpf_obj_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
			uint32_t fd_flags)
{
	if (!h->fd_install)
		return -KBPF_EOPNOTSUPP;
	return h->fd_install(h, obj, fd_flags);
}
