// SPDX-License-Identifier: MIT
/*
 * One-shot timers for kbpf's bpf_timer (kbpf_host.timer_alloc, _start,
 * _cancel, _free): one thread runs every callback, in expiry order, on
 * CLOCK_MONOTONIC (REALTIME and BOOTTIME deadlines are converted when the
 * timer is armed). The thread starts with the first live timer and exits
 * when none is left, so a test that frees its maps leaves no thread.
 *
 * Locking: one mutex guards every timer's state and the thread's; a
 * callback runs without it, inside a read-side section entered before
 * the timer was taken off the list (the contract in kbpf/host.h), with
 * @running naming it so that timer_cancel can wait for its end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "posix_internal.h"

struct ptimer {
	struct kbpf_rcu_head rcu; /* freed through defer_free */
	struct ptimer *next; /* on the armed list */
	void (*fn)(void *arg);
	void *arg;
	clockid_t clock;
	uint64_t deadline; /* CLOCK_MONOTONIC ns, when armed */
	uint32_t cpu; /* virtual CPU of the callback */
	bool armed, dead;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake_cv; /* the thread: list changed */
static pthread_cond_t done_cv; /* a callback returned */
static pthread_once_t cv_once = PTHREAD_ONCE_INIT;
static struct ptimer *armed;
static struct ptimer *running;
static long nr_live; /* allocated, not freed */
static bool thread_up;

static uint64_t now_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void cv_init(void)
{
	pthread_condattr_t a;

	pthread_condattr_init(&a);
	pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
	pthread_cond_init(&wake_cv, &a);
	pthread_cond_init(&done_cv, &a);
	pthread_condattr_destroy(&a);
}

/* Take @t off the armed list (mu held). */
static bool unarm(struct ptimer *t)
{
	struct ptimer **p;

	if (!t->armed)
		return false;
	for (p = &armed; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->armed = false;
	return true;
}

static struct ptimer *earliest(void)
{
	struct ptimer *t, *best = NULL;

	for (t = armed; t; t = t->next)
		if (!best || t->deadline < best->deadline)
			best = t;
	return best;
}

static void *timer_thread(void *arg)
{
	const struct kbpf_host *h = arg;
	void (*fn)(void *arg);
	void *fn_arg;
	struct ptimer *t;
	uint32_t cpu;
	unsigned long rd;
	struct timespec ts;
	uint64_t now;

	pthread_mutex_lock(&mu);
	for (;;) {
		if (!nr_live)
			break;
		t = earliest();
		if (!t) {
			pthread_cond_wait(&wake_cv, &mu);
			continue;
		}
		now = now_ns(CLOCK_MONOTONIC);
		if (t->deadline > now) {
			ts.tv_sec = (time_t)(t->deadline / 1000000000ull);
			ts.tv_nsec = (long)(t->deadline % 1000000000ull);
			pthread_cond_timedwait(&wake_cv, &mu, &ts);
			continue;
		}
		/* The section begins before the timer leaves the list. */
		pthread_mutex_unlock(&mu);
		rd = posix_read_lock(h);
		pthread_mutex_lock(&mu);
		t = earliest();
		if (!t || t->deadline > now_ns(CLOCK_MONOTONIC)) {
			pthread_mutex_unlock(&mu);
			posix_read_unlock(h, rd);
			pthread_mutex_lock(&mu);
			continue;
		}
		unarm(t);
		running = t;
		/* Read under the lock: a re-arm may change them meanwhile. */
		cpu = t->cpu;
		fn = t->fn;
		fn_arg = t->arg;
		pthread_mutex_unlock(&mu);
		kbpf_posix_set_cpu(cpu);
		fn(fn_arg);
		posix_read_unlock(h, rd);
		pthread_mutex_lock(&mu);
		running = NULL;
		pthread_cond_broadcast(&done_cv);
	}
	thread_up = false;
	pthread_mutex_unlock(&mu);
	return NULL;
}

void *posix_timer_alloc(const struct kbpf_host *h, uint32_t clockid,
			void (*fn)(void *arg), void *arg)
{
	struct ptimer *t;
	pthread_attr_t attr;
	pthread_t th;

	pthread_once(&cv_once, cv_init);
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	t->clock = clockid == 7 ? CLOCK_BOOTTIME :
		   clockid == 0 ? CLOCK_REALTIME :
				  CLOCK_MONOTONIC;
	pthread_mutex_lock(&mu);
	nr_live++;
	if (!thread_up) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&th, &attr, timer_thread, (void *)h)) {
			nr_live--;
			pthread_mutex_unlock(&mu);
			pthread_attr_destroy(&attr);
			free(t);
			return NULL;
		}
		pthread_attr_destroy(&attr);
		thread_up = true;
	}
	pthread_mutex_unlock(&mu);
	return t;
}

void posix_timer_start(const struct kbpf_host *h, void *p, uint64_t ns,
		       bool abs, uint32_t cpu)
{
	struct ptimer *t = p;
	uint64_t mono = now_ns(CLOCK_MONOTONIC), at;

	(void)h;
	if (!abs) {
		at = mono + ns;
	} else {
		uint64_t c = t->clock == CLOCK_MONOTONIC ? mono :
							   now_ns(t->clock);

		at = ns > c ? mono + (ns - c) : mono;
	}
	if (at < mono) /* wrapped: as far as it goes */
		at = UINT64_MAX;
	pthread_mutex_lock(&mu);
	if (!t->dead) {
		unarm(t);
		t->deadline = at;
		t->cpu = cpu == UINT32_MAX ? 0 : cpu;
		t->armed = true;
		t->next = armed;
		armed = t;
		pthread_cond_signal(&wake_cv);
	}
	pthread_mutex_unlock(&mu);
}

int posix_timer_cancel(const struct kbpf_host *h, void *p)
{
	struct ptimer *t = p;
	bool was;

	(void)h;
	pthread_mutex_lock(&mu);
	was = unarm(t);
	/* kbpf never cancels a timer from its own callback. */
	while (running == t)
		pthread_cond_wait(&done_cv, &mu);
	pthread_mutex_unlock(&mu);
	return was;
}

static void ptimer_free_rcu(struct kbpf_rcu_head *head)
{
	free((struct ptimer *)(void *)head);
}

void posix_timer_free(const struct kbpf_host *h, void *p)
{
	struct ptimer *t = p;

	pthread_mutex_lock(&mu);
	unarm(t);
	t->dead = true;
	nr_live--;
	/* An idle thread sees no timer left and exits. */
	pthread_cond_signal(&wake_cv);
	pthread_mutex_unlock(&mu);
	/* After a grace period: a cancel in a section may still look at it. */
	t->rcu.func = ptimer_free_rcu;
	posix_defer_free(h, &t->rcu);
}

long kbpf_posix_timers_live(void)
{
	long n;

	pthread_mutex_lock(&mu);
	n = nr_live;
	pthread_mutex_unlock(&mu);
	return n;
}

int kbpf_posix_timer_thread_up(void)
{
	int up;

	pthread_mutex_lock(&mu);
	up = thread_up;
	pthread_mutex_unlock(&mu);
	return up;
}
