/* SPDX-License-Identifier: MIT */
/*
 * struct bpf_timer inside map values: the kernel-side timer object, the
 * value field that points to it, and what maps do with it when an element
 * goes (cancel and free). The helpers that program it are in
 * src/helpers/timer.c; docs/design/timer.md has the protocol.
 *
 * The 16 bytes of a value's struct bpf_timer (map->timer_off, 8-aligned):
 * bytes 0-7 hold a struct kbpf_timer pointer (NULL: not initialised),
 * bytes 8-11 a value lock word (core/spinlock.h) that serialises the
 * helpers and the cancel-and-free of one field, as Linux's bpf_async_kern
 * pairs its pointer with a bpf_spin_lock. Programs never load or store
 * these bytes (the verifier and the checked interpreter refuse it); copies
 * of values skip them (map_internal.h).
 */
#ifndef KBPF_MAPS_TIMER_H
#define KBPF_MAPS_TIMER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/map.h"
#include "core/prog.h"

/**
 * struct kbpf_timer - one initialised bpf_timer (Linux's bpf_hrtimer).
 * @rcu: freed through defer_free after the field forgot it.
 * @host: the map's host.
 * @map: the map whose value holds the field (no reference: the field
 *       dies with the map, and the map outlives the timer).
 * @value: the value holding the field.
 * @ht: the host's timer (kbpf_host.timer_alloc).
 * @prog: the program whose callback is set, with a reference; NULL when
 *        none is (after init, bpf_timer_cancel, or cancel-and-free).
 * @callback: the callback's instruction index in @prog.
 * @cancelling: cancels of this timer in flight from other timers'
 *              callbacks (Linux's cancelling: two callbacks cancelling
 *              each other answer -EDEADLK instead of waiting for ever).
 *
 * @prog and @callback change under the field's lock; the callback runner
 * reads them under it too.
 */
struct kbpf_timer {
	struct kbpf_rcu_head rcu;
	const struct kbpf_host *host;
	struct kbpf_map *map;
	void *value;
	void *ht;
	struct kbpf_prog *prog;
	uint64_t callback;
	atomic_int cancelling;
};

/*
 * The pointer slot of a hash element that was deleted (or evicted): no
 * timer, and bpf_timer_init refuses to attach one (-EINVAL), so that a
 * program still holding the element cannot leave a timer on memory the
 * map no longer owns. A new element starts with NULL (hashtab.c).
 */
#define KBPF_TIMER_GONE ((struct kbpf_timer *)(uintptr_t)1)

/* A live timer in the slot: neither NULL nor KBPF_TIMER_GONE. */
static inline bool kbpf_timer_live(const struct kbpf_timer *t)
{
	return t && t != KBPF_TIMER_GONE;
}

/* The field's pointer slot and lock word in @value of @map. */
static inline void *kbpf_timer_slot(const struct kbpf_map *map, void *value)
{
	return (uint8_t *)value + map->timer_off;
}

static inline void *kbpf_timer_lock_word(const struct kbpf_map *map,
					 void *value)
{
	return (uint8_t *)value + map->timer_off + 8;
}

/**
 * kbpf_timer_drop_prog_locked() - forget the callback and drop the
 * reference on its program (Linux's drop_prog_refcnt). The field's lock
 * is held. The program's release is deferred (defer_free), so a callback
 * of it still running stays valid.
 */
void kbpf_timer_drop_prog_locked(struct kbpf_timer *t);

/**
 * kbpf_timer_cancel_and_free() - the element holding @value goes (deleted,
 * replaced, its array slot overwritten, or the map's last user reference
 * dropped): detach its timer from the field, drop the callback's program,
 * disarm the host timer without waiting (a callback still running
 * finishes) and free the timer after a grace period. Linux's
 * bpf_timer_cancel_and_free. A no-op for a value without a timer, or with
 * an uninitialised one. @gone: the element leaves the map (a hash
 * element's delete, replacement or eviction): the slot becomes
 * KBPF_TIMER_GONE, else NULL (an array slot overwritten stays usable).
 *
 * Context: any, including the timer's own callback; may be called with
 * map locks held; never sleeps or waits.
 */
void kbpf_timer_cancel_and_free(struct kbpf_map *map, void *value, bool gone);

/**
 * kbpf_timer_key() - the key of @value in @map (ARRAY: its index, stored
 * in *@idx; HASH, LRU_HASH: the element's key), for the callback's second
 * argument. Context: any.
 */
void *kbpf_timer_key(struct kbpf_map *map, void *value, uint32_t *idx);

/**
 * kbpf_timer_map_init() - @map's values hold timers: when its last fd or
 * pin goes (release_uref of struct kbpf_obj), every timer of its values
 * is cancelled and freed, as Linux's map_release_uref does: otherwise
 * armed timers, holding their programs that hold the map, would keep it
 * alive for ever. That runs on the syscall path (an fd's close), with no
 * kbpf lock held.
 *
 * Context: map creation.
 */
void kbpf_timer_map_init(struct kbpf_map *map);

/**
 * kbpf_timer_map_free_all() - as the release_uref of kbpf_timer_map_init() for the
 * map's own free (a map of an in-kernel loader, which never had an fd).
 * Context: the map's free.
 */
void kbpf_timer_map_free_all(struct kbpf_map *map);

#endif /* KBPF_MAPS_TIMER_H */
