// SPDX-License-Identifier: MIT
/*
 * The bpf_timer helpers (bpf_timer_init, bpf_timer_set_callback,
 * bpf_timer_start, bpf_timer_cancel) and the run of a timer's callback,
 * Linux 6.18's kernel/bpf/helpers.c in behaviour, over the host's
 * one-shot timers (kbpf_host.timer_*). The field layout, the map side
 * (cancel and free when an element goes) and the timer object are in
 * src/maps/timer.[ch]; docs/design/timer.md has the protocol.
 *
 * Locking: each helper takes the field's lock word (interrupts saved) and
 * calls only non-waiting host callbacks under it; bpf_timer_cancel waits
 * for a running callback (timer_cancel) only after dropping it, as Linux
 * calls hrtimer_cancel after its unlock.
 */
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "helpers_internal.h"
#include "interp/image.h"
#include "kbpf/interp.h"
#include "maps/timer.h"

/* Linux's MAX_CLOCKS and the clocks bpf_timer_init accepts. */
#define TIMER_MAX_CLOCKS 16u
#define TIMER_CLOCK_REALTIME 0u
#define TIMER_CLOCK_MONOTONIC 1u
#define TIMER_CLOCK_BOOTTIME 7u

/* The host can arm timers and free them after a grace period. */
static bool timer_host_ok(const struct kbpf_host *h)
{
	return h->timer_alloc && h->defer_free;
}

static bool map_has_users(const struct kbpf_map *map)
{
	return atomic_load_explicit(&map->obj.usercnt, memory_order_acquire) >
	       0;
}

struct timer_cb_ctx {
	struct kbpf_timer *t;
	struct kbpf_map *map;
	void *key;
	void *value;
};

/* The callback's run: mark it, and lend it the key and the value. */
static void timer_cb_setup(struct kbpf_run *run, void *arg)
{
	struct timer_cb_ctx *c = arg;

	run->timer = c->t;
	kbpf_run_add_region(run, c->key, c->map->key_size, false);
	kbpf_run_add_map_value(run, c->map, c->value);
}

/*
 * The host's timer expired (kbpf_host.timer_alloc's @fn): run the
 * callback set last, with (map, key, value), in a run of its own. The
 * host has entered a read-side section before taking the timer off its
 * queue, so @t, its map and the value stay valid (maps/timer.c frees them
 * only after a grace period that starts after timer_free).
 */
static void timer_fire(void *arg)
{
	struct kbpf_timer *t = arg;
	const struct kbpf_host *h = t->host;
	struct kbpf_interp_args args = { .mode = KBPF_INTERP_CHECKED };
	struct timer_cb_ctx c = { .t = t, .map = t->map, .value = t->value };
	void *word = kbpf_timer_lock_word(c.map, c.value);
	struct kbpf_prog *prog = NULL;
	uint64_t callback = 0, regs[5], ret;
	unsigned long st;
	uint32_t idx;

	st = kbpf_value_lock_irqsave(h, word);
	/* Freed meanwhile (the slot may even hold a new timer): not ours. */
	if (kbpf_load_acquire_ptr(kbpf_timer_slot(c.map, c.value)) == t &&
	    t->prog && kbpf_obj_get_unless_zero(&t->prog->obj)) {
		prog = t->prog;
		callback = t->callback;
	}
	kbpf_value_unlock_irqrestore(h, word, st);
	if (!prog)
		return;
	c.key = kbpf_timer_key(c.map, c.value, &idx);
	regs[0] = (uint64_t)(uintptr_t)c.map;
	regs[1] = (uint64_t)(uintptr_t)c.key;
	regs[2] = (uint64_t)(uintptr_t)c.value;
	regs[3] = 0;
	regs[4] = 0;
	args.cpu = kbpf_this_cpu(h);
	/*
	 * Checked unless the verifier proved the program (interp.c decides).
	 * Linux's verifier made the callback return 0; a failed checked run
	 * has nowhere to report to, as a Linux callback has none.
	 */
	(void)kbpf_interp_run_callback(prog, h, &args, callback, regs,
				       timer_cb_setup, &c, &ret);
	/* Deferred release (prog.c): never frees under our feet. */
	kbpf_prog_put(prog);
}

/*
 * bpf_timer_init(timer, map, flags): the clock in flags' low 4 bits,
 * nothing else. -EINVAL for another clock or more flags (or an element
 * already deleted from its hash map), -EBUSY if the
 * field has a timer, -EPERM once the map's last user reference is gone,
 * -ENOMEM; -EOPNOTSUPP when the host has no timers.
 */
uint64_t kbpf_helper_timer_init(struct kbpf_run *run, uint64_t timer,
				uint64_t map_arg, uint64_t flags, uint64_t r4,
				uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	struct kbpf_map *map = (struct kbpf_map *)(uintptr_t)map_arg;
	uint8_t *field = (uint8_t *)(uintptr_t)timer;
	uint32_t clockid = (uint32_t)(flags & (TIMER_MAX_CLOCKS - 1));
	struct kbpf_timer *t;
	unsigned long st;
	long err = 0;

	if (flags >= TIMER_MAX_CLOCKS || (clockid != TIMER_CLOCK_MONOTONIC &&
					  clockid != TIMER_CLOCK_REALTIME &&
					  clockid != TIMER_CLOCK_BOOTTIME))
		return (uint64_t)-KBPF_EINVAL;
	/* The verifier ties the map to the value; a run nobody proved, here. */
	if (!kbpf_map_has_timer(map))
		return (uint64_t)-KBPF_EINVAL;
	if (!timer_host_ok(h))
		return (uint64_t)-KBPF_EOPNOTSUPP;
	st = kbpf_value_lock_irqsave(h, field + 8);
	t = kbpf_load_acquire_ptr(field);
	if (t) {
		/* A deleted hash element takes no new timer. */
		err = t == KBPF_TIMER_GONE ? -KBPF_EINVAL : -KBPF_EBUSY;
		goto out;
	}
	t = kbpf_zalloc(h, sizeof(*t), KBPF_ALLOC_ATOMIC);
	if (!t) {
		err = -KBPF_ENOMEM;
		goto out;
	}
	t->ht = h->timer_alloc(h, clockid, timer_fire, t);
	if (!t->ht) {
		kbpf_free(h, t, sizeof(*t));
		err = -KBPF_ENOMEM;
		goto out;
	}
	t->host = h;
	t->map = map;
	t->value = field - map->timer_off;
	atomic_init(&t->cancelling, 0);
	kbpf_store_release_ptr(field, t);
	/*
	 * Pairs with the uref release's drop of usercnt before it walks the
	 * values: either it sees this timer, or this sees no user left.
	 */
	kbpf_smp_mb();
	if (!map_has_users(map)) {
		/* Never armed: nobody else can hold it. */
		kbpf_store_release_ptr(field, NULL);
		h->timer_free(h, t->ht);
		kbpf_free(h, t, sizeof(*t));
		err = -KBPF_EPERM;
	}
out:
	kbpf_value_unlock_irqrestore(h, field + 8, st);
	return (uint64_t)err;
}

/*
 * bpf_timer_set_callback(timer, callback): the running program keeps a
 * reference while its callback is set. -EINVAL for an uninitialised
 * timer, -EPERM once the map has no user reference.
 */
uint64_t kbpf_helper_timer_set_callback(struct kbpf_run *run, uint64_t timer,
					uint64_t fn, uint64_t r3, uint64_t r4,
					uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint8_t *field = (uint8_t *)(uintptr_t)timer;
	struct kbpf_prog *prev = NULL, *prog = run->prog;
	struct kbpf_timer *t;
	unsigned long st;
	long err = 0;

	st = kbpf_value_lock_irqsave(h, field + 8);
	t = kbpf_load_acquire_ptr(field);
	if (!kbpf_timer_live(t)) {
		err = -KBPF_EINVAL;
		goto out;
	}
	if (!map_has_users(t->map)) {
		err = -KBPF_EPERM;
		goto out;
	}
	if (t->prog != prog) {
		/* Linux's bpf_prog_inc_not_zero: -ENOENT for a dying program. */
		if (!kbpf_obj_get_unless_zero(&prog->obj)) {
			err = -KBPF_ENOENT;
			goto out;
		}
		prev = t->prog;
		t->prog = prog;
	}
	t->callback = fn;
out:
	kbpf_value_unlock_irqrestore(h, field + 8, st);
	if (prev)
		kbpf_prog_put(prev);
	return (uint64_t)err;
}

/*
 * bpf_timer_start(timer, nsecs, flags): BPF_F_TIMER_ABS (nsecs on the
 * timer's clock) and BPF_F_TIMER_CPU_PIN (this CPU). -EINVAL for other
 * flags, an uninitialised timer or one without a callback.
 */
uint64_t kbpf_helper_timer_start(struct kbpf_run *run, uint64_t timer,
				 uint64_t nsecs, uint64_t flags, uint64_t r4,
				 uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint8_t *field = (uint8_t *)(uintptr_t)timer;
	struct kbpf_timer *t;
	unsigned long st;
	long err = 0;

	if (flags & ~(uint64_t)(BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN))
		return (uint64_t)-KBPF_EINVAL;
	st = kbpf_value_lock_irqsave(h, field + 8);
	t = kbpf_load_acquire_ptr(field);
	if (!kbpf_timer_live(t) || !t->prog)
		err = -KBPF_EINVAL;
	else
		h->timer_start(h, t->ht, nsecs, flags & BPF_F_TIMER_ABS,
			       (flags & BPF_F_TIMER_CPU_PIN) ? run->cpu :
							       UINT32_MAX);
	kbpf_value_unlock_irqrestore(h, field + 8, st);
	return (uint64_t)err;
}

/*
 * bpf_timer_cancel(timer): forget the callback (dropping its program)
 * and disarm, waiting for a callback running elsewhere. 1 if the timer
 * was armed, else 0; -EINVAL if uninitialised; -EDEADLK from its own
 * callback, or from a callback whose own timer is being cancelled by the
 * callback of this one (each would wait for the other).
 */
uint64_t kbpf_helper_timer_cancel(struct kbpf_run *run, uint64_t timer,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint8_t *field = (uint8_t *)(uintptr_t)timer;
	struct kbpf_timer *t, *cur = run->timer;
	struct kbpf_prog *prog = NULL;
	bool inc = false;
	unsigned long st;
	long err = 0;

	st = kbpf_value_lock_irqsave(h, field + 8);
	t = kbpf_load_acquire_ptr(field);
	if (!kbpf_timer_live(t)) {
		err = -KBPF_EINVAL;
		goto out;
	}
	if (cur == t) {
		err = -KBPF_EDEADLK;
		goto out;
	}
	if (cur) {
		atomic_fetch_add_explicit(&t->cancelling, 1,
					  memory_order_seq_cst);
		inc = true;
		if (atomic_load_explicit(&cur->cancelling,
					 memory_order_seq_cst)) {
			err = -KBPF_EDEADLK;
			goto out;
		}
	}
	prog = t->prog;
	t->prog = NULL;
	t->callback = 0;
out:
	kbpf_value_unlock_irqrestore(h, field + 8, st);
	if (prog)
		kbpf_prog_put(prog);
	/*
	 * After the unlock, as Linux's hrtimer_cancel: @t stays valid for
	 * the run's read-side section even if its element goes meanwhile.
	 */
	if (!err)
		err = h->timer_cancel(h, t->ht);
	if (inc)
		atomic_fetch_sub_explicit(&t->cancelling, 1,
					  memory_order_seq_cst);
	return (uint64_t)err;
}
