// SPDX-License-Identifier: MIT
/*
 * Ring buffer producers on several CPUs (issue #12, item 9; run under TSan
 * in CI). Every attempt is accounted for: written (seen by the consumer),
 * refused for room (-ENOSPC: the ring was full), or dropped for any other
 * reason (lock contention, re-entry). Linux waits for the producer lock
 * outside re-entry, so producers on distinct CPUs drop nothing; a reserve
 * that finds its own CPU holding the lock (two threads on one virtual CPU
 * model a program interrupting a reservation) fails with -EDEADLK.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/errno.h"
#include "core/map.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define MAX_PRODUCERS 3
#define ATTEMPTS 60000

__attribute__((constructor)) static void four_cpus(void)
{
	kbpf_posix_set_nr_cpus(4);
}

struct rec {
	uint32_t producer;
	uint32_t seq;
};

struct rig {
	struct kbpf_map *map;
	atomic_int producers_left;
	atomic_ulong refused; /* -ENOSPC */
	atomic_ulong dropped; /* anything else */
	atomic_ulong deadlk; /* of the dropped: -EDEADLK */
	int nprod;
};

struct arg {
	struct rig *g;
	uint32_t id;
	unsigned int cpu;
};

static void *producer(void *p)
{
	struct arg *a = p;
	struct rig *g = a->g;

	kbpf_posix_set_cpu(a->cpu);
	for (uint32_t s = 0; s < ATTEMPTS; s++) {
		struct rec r = { a->id, s }, *slot;
		int err = 1;

		slot = kbpf_ringbuf_reserve_err(g->map, sizeof(r) + s % 24,
						&err);
		if (!slot) {
			if (err == -KBPF_ENOSPC) {
				atomic_fetch_add(&g->refused, 1);
				sched_yield(); /* let the consumer catch up */
			} else {
				atomic_fetch_add(&g->dropped, 1);
				if (err == -KBPF_EDEADLK)
					atomic_fetch_add(&g->deadlk, 1);
			}
			continue;
		}
		if (err)
			abort(); /* a record must come with 0 */
		memcpy(slot, &r, sizeof(r));
		kbpf_ringbuf_submit(slot, BPF_RB_NO_WAKEUP);
	}
	atomic_fetch_sub(&g->producers_left, 1);
	return NULL;
}

struct seen {
	unsigned long written[MAX_PRODUCERS];
	uint32_t last[MAX_PRODUCERS];
	int bad;
};

static int cb(void *ctx, const void *data, uint32_t size)
{
	struct seen *t = ctx;
	struct rec r;

	if (size < sizeof(r)) {
		t->bad++;
		return 0;
	}
	memcpy(&r, data, sizeof(r));
	if (r.producer >= MAX_PRODUCERS || r.seq >= ATTEMPTS ||
	    (t->written[r.producer] && r.seq <= t->last[r.producer])) {
		t->bad++;
		return 0;
	}
	t->last[r.producer] = r.seq;
	t->written[r.producer]++;
	return 0;
}

static void *consumer(void *p)
{
	struct rig *g = p;
	struct seen *t = calloc(1, sizeof(*t));

	kbpf_posix_set_cpu(3);
	for (;;) {
		int done = atomic_load(&g->producers_left) == 0;
		long n = kbpf_ringbuf_consume(g->map, cb, t);

		if (done && !n &&
		    !kbpf_ringbuf_query(g->map, BPF_RB_AVAIL_DATA))
			break;
	}
	return t;
}

/* Run producers on @cpus[0..n-1]; check the accounting; *@drops: drops. */
static void run(const unsigned int *cpus, int n, const char *what,
		unsigned long *drops)
{
	union bpf_attr a;
	struct rig g;
	struct arg args[MAX_PRODUCERS];
	pthread_t th[MAX_PRODUCERS], cons;
	struct seen *t;
	unsigned long written = 0, attempted = (unsigned long)n * ATTEMPTS;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = 65536; /* the consumer falls behind at times */
	memset(&g, 0, sizeof(g));
	g.nprod = n;
	T_EQ(kbpf_map_create(kbpf_posix_host(), &a, &g.map), 0);
	atomic_init(&g.producers_left, n);
	pthread_create(&cons, NULL, consumer, &g);
	for (int i = 0; i < n; i++) {
		args[i].g = &g;
		args[i].id = (uint32_t)i;
		args[i].cpu = cpus[i];
		pthread_create(&th[i], NULL, producer, &args[i]);
	}
	for (int i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	pthread_join(cons, (void **)&t);
	for (int i = 0; i < n; i++)
		written += t->written[i];
	printf("  %s: %lu attempted, %lu written (%.1f%%), %lu refused for room, %lu dropped (%lu -EDEADLK)\n",
	       what, attempted, written,
	       100.0 * (double)written / (double)attempted,
	       atomic_load(&g.refused), atomic_load(&g.dropped),
	       atomic_load(&g.deadlk));
	T_EQ(t->bad, 0);
	T_EQ(written + atomic_load(&g.refused) + atomic_load(&g.dropped),
	     attempted);
	/* Whatever was dropped was dropped for re-entry, nothing else. */
	T_EQ(atomic_load(&g.dropped), atomic_load(&g.deadlk));
	free(t);
	kbpf_map_put(g.map);
	*drops = atomic_load(&g.dropped);
}

KBPF_TEST(
	ringbuf_two_cpus_drop_nothing,
	"2 producers on 2 CPUs: written + refused for room == attempted, no record dropped for the lock")
{
	static const unsigned int cpus[] = { 0, 1 };

	unsigned long drops = 1;

	run(cpus, 2, "2 producers, CPUs 0 and 1", &drops);
	T_EQ(drops, 0);
}

KBPF_TEST(
	ringbuf_three_cpus_drop_nothing,
	"3 producers on 3 CPUs: written + refused for room == attempted, no record dropped for the lock")
{
	static const unsigned int cpus[] = { 0, 1, 2 };

	unsigned long drops = 1;

	run(cpus, 3, "3 producers, CPUs 0, 1 and 2", &drops);
	T_EQ(drops, 0);
}

KBPF_TEST(
	ringbuf_same_cpu_reentry,
	"2 producers on one CPU (a program interrupting a reservation) and one on another: a reserve that finds its own CPU holding the lock fails with -EDEADLK, never hangs; the accounting holds")
{
	static const unsigned int cpus[] = { 0, 0, 1 };

	unsigned long drops;

	run(cpus, 3, "2 producers on CPU 0, 1 on CPU 1", &drops);
}
