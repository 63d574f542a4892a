// SPDX-License-Identifier: MIT
/*
 * Object ids, as Linux's map, prog, link and btf idrs give them
 * (kernel/bpf/syscall.c, btf.c): per kind, cyclic in [1, INT_MAX), never 0;
 * an id is taken when the object is complete and given back by its
 * release, so BPF_*_GET_NEXT_ID walks the live ids in order and
 * BPF_*_GET_FD_BY_ID finds an object only while a reference can still be
 * taken on it (get-unless-zero, under the lock that keeps it linked).
 *
 * The registry lives in the host's struct kbpf_state (include/kbpf/state.h)
 * and allocates nothing: each kind is a doubly linked list through the
 * objects' own headers (kbpf_obj.id_prev/id_next), sorted by id. Allocation
 * searches from the tail, where the cyclic cursor almost always lands
 * (O(1) until the ids wrap); lookups and GET_NEXT_ID walk the list from the
 * head, O(live objects of the kind) on the syscall path. A tree would make
 * those O(log n); the lists keep the lock's critical sections free of
 * allocation, which the release side needs.
 *
 * Locking: state->lock, a kbpf spinlock taken with the host's irq_save,
 * because the last put of an object (and so kbpf_obj_id_release) may run on
 * the program path or in a defer_free callback. Nothing under it sleeps,
 * allocates or calls the host other than irq_save/restore.
 */
#include "compiler.h"
#include "kbpf/state.h"
#include "object.h"
#include "spinlock.h"

/* Linux's idr_alloc_cyclic(..., 1, INT_MAX, ...): ids below INT_MAX. */
#define IDS_END 0x7fffffffu

_Static_assert(sizeof(KBPF_STATE_ATOMIC_U32) == sizeof(struct kbpf_spinlock),
	       "kbpf_state.lock holds a struct kbpf_spinlock");

static struct kbpf_spinlock *ids_lock(struct kbpf_state *s)
{
	return (struct kbpf_spinlock *)(void *)&s->lock;
}

/* The kinds with a registry list; perf events only count. */
static bool ids_listed(uint32_t type)
{
	return type == KBPF_OBJ_MAP || type == KBPF_OBJ_PROG ||
	       type == KBPF_OBJ_LINK || type == KBPF_OBJ_BTF;
}

/* Called with the lock held: link @obj in its kind's list with a new id. */
static int ids_insert(struct kbpf_state *s, struct kbpf_obj *obj)
{
	uint32_t t = obj->type, cand = s->last[t] + 1;
	struct kbpf_obj *prev, *next;
	bool wrapped = false;

	if (cand >= IDS_END || cand == 0)
		cand = 1;
	/* prev: the last object with an id below cand. */
	for (prev = s->tail[t]; prev && prev->id >= cand; prev = prev->id_prev)
		;
	next = prev ? prev->id_next : s->head[t];
	while (next && next->id == cand) {
		prev = next;
		next = next->id_next;
		if (++cand >= IDS_END) {
			/* Linux's cyclic idr wraps to the start once. */
			if (wrapped)
				return -KBPF_ENOSPC;
			wrapped = true;
			cand = 1;
			prev = NULL;
			next = s->head[t];
		}
	}
	obj->id = cand;
	obj->id_prev = prev;
	obj->id_next = next;
	if (prev)
		prev->id_next = obj;
	else
		s->head[t] = obj;
	if (next)
		next->id_prev = obj;
	else
		s->tail[t] = obj;
	s->last[t] = cand;
	return 0;
}

int kbpf_obj_id_alloc(struct kbpf_obj *obj)
{
	const struct kbpf_host *h = obj->host;
	struct kbpf_state *s = h->state;
	unsigned long flags;
	long id;
	int err;

	obj->id = 0;
	if (s && obj->type < KBPF_STATE_KINDS) {
		if (!ids_listed(obj->type)) {
			/* Perf events: Linux's 64-bit counter; our id is 32. */
			obj->id = (uint32_t)(atomic_fetch_add_explicit(
						     &s->perf_id, 1,
						     memory_order_relaxed) +
					     1);
			return 0;
		}
		flags = kbpf_spin_lock_irqsave(h, ids_lock(s));
		err = ids_insert(s, obj);
		kbpf_spin_unlock_irqrestore(h, ids_lock(s), flags);
		return err;
	}
	if (!h->id_alloc)
		return 0;
	id = h->id_alloc(h, obj);
	if (id < 0)
		return (int)id;
	obj->id = (uint32_t)id;
	return 0;
}

void kbpf_obj_id_release(struct kbpf_obj *obj)
{
	const struct kbpf_host *h = obj->host;
	struct kbpf_state *s = h->state;
	unsigned long flags;
	uint32_t t = obj->type;

	if (!obj->id)
		return;
	if (s) {
		if (t < KBPF_STATE_KINDS && ids_listed(t)) {
			flags = kbpf_spin_lock_irqsave(h, ids_lock(s));
			if (obj->id_prev)
				obj->id_prev->id_next = obj->id_next;
			else
				s->head[t] = obj->id_next;
			if (obj->id_next)
				obj->id_next->id_prev = obj->id_prev;
			else
				s->tail[t] = obj->id_prev;
			obj->id_prev = obj->id_next = NULL;
			obj->id = 0;
			kbpf_spin_unlock_irqrestore(h, ids_lock(s), flags);
		}
	} else if (h->id_release) {
		h->id_release(h, obj);
	}
	obj->id = 0;
}

int kbpf_obj_by_id(const struct kbpf_host *h, uint32_t type, uint32_t id,
		   struct kbpf_obj **obj)
{
	struct kbpf_state *s = h->state;
	struct kbpf_obj *o;
	unsigned long flags;
	int err = -KBPF_ENOENT;

	if (!s || !id || type >= KBPF_STATE_KINDS || !ids_listed(type))
		return -KBPF_ENOENT;
	flags = kbpf_spin_lock_irqsave(h, ids_lock(s));
	for (o = s->head[type]; o && o->id < id; o = o->id_next)
		;
	/*
	 * Linked means not yet freed (release unlinks first, under this
	 * lock), but the count may have reached zero: then the object is on
	 * its way out and Linux's *_inc_not_zero answers -ENOENT.
	 */
	if (o && o->id == id && kbpf_obj_get_unless_zero(o)) {
		/* The new fd's user reference (Linux: map usercnt). */
		atomic_fetch_add_explicit(&o->usercnt, 1, memory_order_relaxed);
		*obj = o;
		err = 0;
	}
	kbpf_spin_unlock_irqrestore(h, ids_lock(s), flags);
	return err;
}

int kbpf_obj_next_id(const struct kbpf_host *h, uint32_t type, uint32_t start,
		     uint32_t *next)
{
	struct kbpf_state *s = h->state;
	struct kbpf_obj *o;
	unsigned long flags;
	int err = -KBPF_ENOENT;

	if (!s || type >= KBPF_STATE_KINDS || !ids_listed(type))
		return -KBPF_ENOENT;
	flags = kbpf_spin_lock_irqsave(h, ids_lock(s));
	for (o = s->head[type]; o && o->id <= start; o = o->id_next)
		;
	if (o) {
		*next = o->id;
		err = 0;
	}
	kbpf_spin_unlock_irqrestore(h, ids_lock(s), flags);
	return err;
}

void kbpf_ids_set_next(const struct kbpf_host *h, uint32_t type, uint32_t id)
{
	struct kbpf_state *s = h->state;
	unsigned long flags;

	if (!s || type >= KBPF_STATE_KINDS)
		return;
	if (!ids_listed(type)) {
		atomic_store_explicit(&s->perf_id, (uint64_t)id - 1,
				      memory_order_relaxed);
		return;
	}
	flags = kbpf_spin_lock_irqsave(h, ids_lock(s));
	s->last[type] = id ? id - 1 : 0;
	kbpf_spin_unlock_irqrestore(h, ids_lock(s), flags);
}
