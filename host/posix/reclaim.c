// SPDX-License-Identifier: MIT
/*
 * Deferred frees for the POSIX host: kbpf's defer_free, read_lock and
 * read_unlock callbacks, as a two-epoch grace-period scheme.
 *
 * A reader counts itself in the epoch it saw at entry (re-checking that the
 * epoch did not move meanwhile). defer_free queues a head on the current
 * epoch's list. A reclaim thread frees the previous epoch's list once no
 * reader of that epoch is left, then opens a new epoch; so a head is freed
 * only after every reader that could have seen the memory has left, and
 * never inside defer_free itself (kbpf may hold locks there).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "posix_internal.h"

static _Atomic uint64_t epoch;
static atomic_long readers[2];
static atomic_flag list_lock = ATOMIC_FLAG_INIT;
static struct kbpf_rcu_head *pending[2];
static atomic_long nr_pending;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;

unsigned long posix_read_lock(const struct kbpf_host *h)
{
	for (;;) {
		uint64_t e = atomic_load(&epoch);

		atomic_fetch_add(&readers[e & 1], 1);
		if (atomic_load(&epoch) == e)
			return (unsigned long)e;
		atomic_fetch_sub(&readers[e & 1], 1);
	}
}

void posix_read_unlock(const struct kbpf_host *h, unsigned long state)
{
	atomic_fetch_sub(&readers[state & 1], 1);
}

static void list_lock_take(void)
{
	while (atomic_flag_test_and_set_explicit(&list_lock,
						 memory_order_acquire))
		;
}

static void list_lock_drop(void)
{
	atomic_flag_clear_explicit(&list_lock, memory_order_release);
}

/* Free what the previous epoch queued if its readers are gone; 1 if work was done. */
static int reclaim_once(void)
{
	struct kbpf_rcu_head *list = NULL, *next;
	int done = 0;

	list_lock_take();
	{
		uint64_t e = atomic_load(&epoch);
		unsigned int prev = (unsigned int)((e + 1) & 1);

		if (atomic_load(&readers[prev]) == 0) {
			list = pending[prev];
			pending[prev] = NULL;
			/* Open a new epoch for what the current one queued. */
			if (pending[e & 1])
				atomic_store(&epoch, e + 1);
			done = list != NULL;
		}
	}
	list_lock_drop();
	for (; list; list = next) {
		next = list->next;
		list->func(list);
		/*
		 * Only now: a barrier must not see zero while a callback still
		 * runs (or before the frees it queues are counted).
		 */
		atomic_fetch_sub(&nr_pending, 1);
	}
	return done;
}

static void *reclaim_thread(void *arg)
{
	struct timespec ts = { 0, 200 * 1000 };

	(void)arg;
	for (;;) {
		if (!atomic_load(&nr_pending) || !reclaim_once())
			nanosleep(&ts, NULL);
	}
	return NULL;
}

static void start_thread(void)
{
	pthread_t t;
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_create(&t, &attr, reclaim_thread, NULL);
	pthread_attr_destroy(&attr);
}

void posix_defer_free(const struct kbpf_host *h, struct kbpf_rcu_head *head)
{
	pthread_once(&thread_once, start_thread);
	/* Counted before it can be taken, so the count never goes below. */
	atomic_fetch_add(&nr_pending, 1);
	list_lock_take();
	{
		unsigned int cur = (unsigned int)(atomic_load(&epoch) & 1);

		head->next = pending[cur];
		pending[cur] = head;
	}
	list_lock_drop();
}

void kbpf_posix_rcu_barrier(void)
{
	struct timespec ts = { 0, 50 * 1000 };

	while (atomic_load(&nr_pending)) {
		if (!reclaim_once())
			nanosleep(&ts, NULL);
	}
}
