// SPDX-License-Identifier: MIT
/*
 * The map side of struct bpf_timer: cancel and free a value's timer when
 * its element goes, and every timer of a map when its last user reference
 * goes (Linux's bpf_timer_cancel_and_free and the timer part of
 * map_release_uref, kernel/bpf/helpers.c, arraymap.c, hashtab.c in
 * behaviour). The helpers that create and arm timers are in
 * src/helpers/timer.c.
 *
 * Locking: each field has its own value lock word (timer.h), taken with
 * interrupts saved; it nests inside a hash bucket lock or an LRU lock and
 * takes none itself. The host's timer_free never waits, so this runs in
 * any context, the timer's own callback included (Linux queues a work
 * item there; kbpf's host contract makes the free itself asynchronous).
 */
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "map_internal.h"
#include "timer.h"

void kbpf_timer_drop_prog_locked(struct kbpf_timer *t)
{
	struct kbpf_prog *prog = t->prog;

	if (!prog)
		return;
	t->prog = NULL;
	t->callback = 0;
	/* Deferred release (prog.c): a callback still in it stays valid. */
	kbpf_prog_put(prog);
}

static void timer_free_rcu(struct kbpf_rcu_head *head)
{
	struct kbpf_timer *t = kbpf_container_of(head, struct kbpf_timer, rcu);

	kbpf_free(t->host, t, sizeof(*t));
}

void kbpf_timer_cancel_and_free(struct kbpf_map *map, void *value, bool gone)
{
	const struct kbpf_host *h = map->obj.host;
	struct kbpf_prog *prog = NULL;
	void *slot, *word;
	struct kbpf_timer *t;
	unsigned long st;

	if (!kbpf_map_has_timer(map))
		return;
	slot = kbpf_timer_slot(map, value);
	word = kbpf_timer_lock_word(map, value);
	/* An uninitialised field of an element that stays: no lock. */
	if (!gone && !kbpf_load_acquire_ptr(slot))
		return;
	st = kbpf_value_lock_irqsave(h, word);
	t = kbpf_load_acquire_ptr(slot);
	if (kbpf_timer_live(t)) {
		prog = t->prog;
		t->prog = NULL;
		t->callback = 0;
	}
	/* Helpers that take the lock after this see no timer. */
	kbpf_store_release_ptr(slot, gone ? KBPF_TIMER_GONE : NULL);
	kbpf_value_unlock_irqrestore(h, word, st);
	if (!kbpf_timer_live(t))
		return;
	/*
	 * First the host timer: its callback is never started again, and one
	 * running now began its read-side section before this returns. Only
	 * then the program (whose deferred release frees the map, and so this
	 * value, at the earliest) and the timer itself: both wait for that
	 * section.
	 */
	h->timer_free(h, t->ht);
	if (prog)
		kbpf_prog_put(prog);
	t->rcu.func = timer_free_rcu;
	h->defer_free(h, &t->rcu);
}

void *kbpf_timer_key(struct kbpf_map *map, void *value, uint32_t *idx)
{
	if (map->map_type == BPF_MAP_TYPE_ARRAY) {
		*idx = kbpf_array_value_index(map, value);
		return idx;
	}
	/* HASH and LRU_HASH: the key just before the value (hashtab.c). */
	return (uint8_t *)value - kbpf_round_up(map->key_size, 8);
}

static long timer_release_one(struct kbpf_map *map, void *key, void *value,
			      void *ctx)
{
	(void)key;
	(void)ctx;
	kbpf_timer_cancel_and_free(map, value, false);
	return 0;
}

void kbpf_timer_map_free_all(struct kbpf_map *map)
{
	if (kbpf_map_has_timer(map))
		kbpf_map_for_each(map, timer_release_one, NULL, 0);
}

static void timer_map_release_uref(struct kbpf_obj *obj)
{
	struct kbpf_map *map = kbpf_container_of(obj, struct kbpf_map, obj);
	const struct kbpf_host *h = obj->host;
	unsigned long rd = kbpf_map_read_lock(h);

	kbpf_timer_map_free_all(map);
	kbpf_map_read_unlock(h, rd);
}

/* Set here: the address of a function of another file is a GOT load in PIE. */
void kbpf_timer_map_init(struct kbpf_map *map)
{
	map->obj.release_uref = timer_map_release_uref;
}
