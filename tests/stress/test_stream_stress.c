// SPDX-License-Identifier: MIT
/*
 * Streams under concurrency (run under TSan in CI): producer threads, each
 * on its own virtual CPU, emit numbered records while a consumer thread
 * drains. Invariants: every record a producer got 0 for is seen exactly
 * once, in that producer's order; discarded ring buffer records are never
 * seen; perf LOST records account for exactly the refused outputs.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/map.h"
#include "perf/perf_internal.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define PRODUCERS 4
#define PER_PRODUCER 20000

/* Four virtual CPUs whatever this machine has (before kbpf is used). */
__attribute__((constructor)) static void four_cpus(void)
{
	kbpf_posix_set_nr_cpus(PRODUCERS);
}

struct rec {
	uint32_t producer;
	uint32_t seq;
	uint64_t check;
};

static uint64_t rec_check(uint32_t p, uint32_t s)
{
	return ((uint64_t)p << 32 | s) * 0x9e3779b97f4a7c15ULL;
}

/* What the consumer has seen: next expected seq per producer. */
struct tally {
	uint32_t next[PRODUCERS];
	uint64_t lost; /* perf: sum of LOST records */
	int bad;
	char why[160];
};

static void tally_rec(struct tally *t, const void *data, uint32_t size)
{
	struct rec r;

	if (size < sizeof(r)) {
		t->bad++;
		snprintf(t->why, sizeof(t->why), "record of %u bytes", size);
		return;
	}
	memcpy(&r, data, sizeof(r));
	if (r.producer >= PRODUCERS ||
	    r.check != rec_check(r.producer, r.seq) ||
	    r.seq != t->next[r.producer]) {
		if (!t->bad)
			snprintf(t->why, sizeof(t->why),
				 "producer %u seq %u, expected %u", r.producer,
				 r.seq,
				 r.producer < PRODUCERS ? t->next[r.producer] :
							  0);
		t->bad++;
		return;
	}
	t->next[r.producer]++;
}

/* ---- perf output ---- */

struct perf_rig {
	struct kbpf_perf_event *ev[PRODUCERS];
	struct perf_event_mmap_page *up[PRODUCERS];
	size_t nr[PRODUCERS];
	int nev; /* events: one per CPU, or 1 shared (cpu -1) */
	atomic_int producers_left;
	atomic_ulong refused;
};

struct perf_arg {
	struct perf_rig *g;
	uint32_t id;
};

static void *perf_producer(void *p)
{
	struct perf_arg *a = p;
	struct perf_rig *g = a->g;
	struct kbpf_perf_event *ev = g->ev[g->nev == 1 ? 0 : a->id];

	kbpf_posix_set_cpu(a->id);
	for (uint32_t s = 0; s < PER_PRODUCER; s++) {
		struct rec r = { a->id, s, rec_check(a->id, s) };
		long err;

		while ((err = kbpf_perf_event_output(ev, a->id, &r, sizeof(r),
						     1)) == -KBPF_ENOSPC)
			atomic_fetch_add(&g->refused, 1);
		if (err)
			abort();
	}
	atomic_fetch_sub(&g->producers_left, 1);
	return NULL;
}

static int perf_cb(void *ctx, const struct perf_event_header *h)
{
	struct tally *t = ctx;

	if (h->type == PERF_RECORD_LOST) {
		uint64_t v[2];

		memcpy(v, h + 1, sizeof(v));
		t->lost += v[1];
	} else if (h->type == PERF_RECORD_SAMPLE) {
		uint32_t raw;

		memcpy(&raw, h + 1, 4);
		tally_rec(t, (const uint8_t *)(h + 1) + 4, raw);
	} else {
		t->bad++;
	}
	return 0;
}

static void *perf_consumer(void *p)
{
	struct perf_rig *g = p;
	struct tally *t = calloc(1, sizeof(*t));
	static uint8_t scratch[65536];

	kbpf_posix_set_cpu(0);
	for (;;) {
		int done = atomic_load(&g->producers_left) == 0;
		long n = 0;

		for (int i = 0; i < g->nev; i++)
			n += kbpf_perf_ring_read(g->up[i], scratch,
						 sizeof(scratch), perf_cb, t);
		if (done && !n)
			break;
	}
	return t;
}

static void perf_stress(int shared)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct perf_rig g;
	struct perf_arg args[PRODUCERS];
	pthread_t th[PRODUCERS], cons;
	struct tally *t;
	uint64_t lost_left = 0;

	memset(&g, 0, sizeof(g));
	g.nev = shared ? 1 : PRODUCERS;
	atomic_init(&g.producers_left, PRODUCERS);
	atomic_init(&g.refused, 0);
	for (int i = 0; i < g.nev; i++) {
		struct perf_event_attr a;
		const uintptr_t *pages;

		memset(&a, 0, sizeof(a));
		a.type = PERF_TYPE_SOFTWARE;
		a.config = PERF_COUNT_SW_BPF_OUTPUT;
		a.sample_type = PERF_SAMPLE_RAW;
		a.wakeup_events = 1;
		T_EQ(kbpf_perf_event_create(h, &a, shared ? 0 : -1,
					    shared ? -1 : i, 0, &g.ev[i]),
		     0);
		/* 4 data pages: small enough to overflow often. */
		T_EQ(kbpf_perf_event_mmap(g.ev[i], 0, 5, true, &pages,
					  &g.nr[i]),
		     0);
		g.up[i] = h->vmap(h, pages, g.nr[i]);
		T_ASSERT(g.up[i] != NULL);
	}
	pthread_create(&cons, NULL, perf_consumer, &g);
	for (uint32_t i = 0; i < PRODUCERS; i++) {
		args[i].g = &g;
		args[i].id = i;
		pthread_create(&th[i], NULL, perf_producer, &args[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	pthread_join(cons, (void **)&t);
	for (int i = 0; i < g.nev; i++) {
		/* Drops after the last successful output stay pending. */
		lost_left += kbpf_perf_event_lost(g.ev[i]);
		h->vunmap(h, g.up[i], g.nr[i]);
		kbpf_perf_event_munmap(g.ev[i]);
		kbpf_perf_event_put(g.ev[i]);
	}
	printf("  perf (%s): %d x %d records, %lu refused for room, %llu in LOST records\n",
	       shared ? "one shared event" : "one event per CPU", PRODUCERS,
	       PER_PRODUCER, atomic_load(&g.refused),
	       (unsigned long long)t->lost);
	if (t->bad)
		T_FAIL("%d bad records, first: %s", t->bad, t->why);
	for (int i = 0; i < PRODUCERS; i++)
		T_EQ(t->next[i], PER_PRODUCER);
	T_EQ(t->lost + lost_left, atomic_load(&g.refused));
	free(t);
}

KBPF_TEST(
	perf_stress_per_cpu,
	"4 producers on 4 CPUs, one perf event each, one reader: nothing lost, duplicated or reordered")
{
	perf_stress(0);
}

KBPF_TEST(
	perf_stress_shared,
	"4 producers on 4 CPUs into one cpu == -1 event: writers serialise, per-producer order holds")
{
	perf_stress(1);
}

/* ---- ring buffer ---- */

struct rb_rig {
	struct kbpf_map *map;
	atomic_int producers_left;
	atomic_ulong refused, discarded;
};

struct rb_arg {
	struct rb_rig *g;
	uint32_t id;
};

static void *rb_producer(void *p)
{
	struct rb_arg *a = p;
	struct rb_rig *g = a->g;

	bool discarded_this = false;

	kbpf_posix_set_cpu(a->id);
	for (uint32_t s = 0; s < PER_PRODUCER;) {
		struct rec r = { a->id, s, rec_check(a->id, s) }, *slot;

		if (s % 3 == 0) {
			if (kbpf_ringbuf_output(g->map, &r, sizeof(r), 0)) {
				atomic_fetch_add(&g->refused, 1);
				continue;
			}
			s++;
			continue;
		}
		slot = kbpf_ringbuf_reserve(g->map, sizeof(r) + s % 40);
		if (!slot) {
			atomic_fetch_add(&g->refused, 1);
			continue;
		}
		if (s % 7 == 0 && !discarded_this) {
			/* A discarded record carries a bad check: never seen. */
			r.check = 0;
			memcpy(slot, &r, sizeof(r));
			kbpf_ringbuf_discard(slot, 0);
			atomic_fetch_add(&g->discarded, 1);
			discarded_this = true;
			continue;
		}
		memcpy(slot, &r, sizeof(r));
		kbpf_ringbuf_submit(slot, 0);
		discarded_this = false;
		s++;
	}
	atomic_fetch_sub(&g->producers_left, 1);
	return NULL;
}

static int rb_cb(void *ctx, const void *data, uint32_t size)
{
	tally_rec(ctx, data, size);
	return 0;
}

static void *rb_consumer(void *p)
{
	struct rb_rig *g = p;
	struct tally *t = calloc(1, sizeof(*t));

	kbpf_posix_set_cpu(0);
	for (;;) {
		int done = atomic_load(&g->producers_left) == 0;
		long n = kbpf_ringbuf_consume(g->map, rb_cb, t);

		if (done && !n &&
		    !kbpf_ringbuf_query(g->map, BPF_RB_AVAIL_DATA))
			break;
	}
	return t;
}

KBPF_TEST(
	ringbuf_stress,
	"4 producers on 4 CPUs reserve/submit/discard/output into one ring buffer: every committed record once, in order, no discarded one")
{
	union bpf_attr a;
	struct rb_rig g;
	struct rb_arg args[PRODUCERS];
	pthread_t th[PRODUCERS], cons;
	struct tally *t;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = 16384;
	memset(&g, 0, sizeof(g));
	T_EQ(kbpf_map_create(kbpf_posix_host(), &a, &g.map), 0);
	atomic_init(&g.producers_left, PRODUCERS);
	pthread_create(&cons, NULL, rb_consumer, &g);
	for (uint32_t i = 0; i < PRODUCERS; i++) {
		args[i].g = &g;
		args[i].id = i;
		pthread_create(&th[i], NULL, rb_producer, &args[i]);
	}
	for (int i = 0; i < PRODUCERS; i++)
		pthread_join(th[i], NULL);
	pthread_join(cons, (void **)&t);
	printf("  ringbuf: %d x %d records, %lu refused for room, %lu discarded\n",
	       PRODUCERS, PER_PRODUCER, atomic_load(&g.refused),
	       atomic_load(&g.discarded));
	if (t->bad)
		T_FAIL("%d bad records, first: %s", t->bad, t->why);
	for (int i = 0; i < PRODUCERS; i++)
		T_EQ(t->next[i], PER_PRODUCER);
	free(t);
	kbpf_map_put(g.map);
}
