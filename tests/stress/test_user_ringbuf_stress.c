// SPDX-License-Identifier: MIT
/*
 * USER_RINGBUF under concurrency (run under TSan in CI): one user-space
 * producer thread writes numbered samples through the mmap layout, as
 * libbpf's user_ring_buffer does (discarding some), while two drainer
 * threads on their own virtual CPUs call kbpf_user_ringbuf_drain at once.
 * Invariants: drains never overlap (the loser gets -EBUSY), every
 * submitted sample is seen exactly once and in order, discarded ones
 * never, and the producer always finds its space again.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/mman.h>

#include "core/compiler.h"
#include "core/map.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define SAMPLES 200000
#define RING 16384

__attribute__((constructor)) static void two_cpus(void)
{
	kbpf_posix_set_nr_cpus(2);
}

struct rig {
	struct kbpf_map *map;
	uint64_t *cons; /* read-only mapping */
	uint64_t *prod;
	uint8_t *data;
	atomic_bool done;
	/* Written only inside drains (serialised by the map's busy flag). */
	uint32_t next; /* next sequence number expected */
	uint64_t seen;
	int bad;
	int in_drain; /* overlap detector */
	atomic_long busy;
	uint64_t submitted;
};

/* A libbpf-style producer: reserve (busy header, release producer_pos), fill, commit. */
static void *producer(void *p)
{
	struct rig *r = p;
	uint32_t seq = 0;

	for (int i = 0; i < SAMPLES; i++) {
		uint32_t size = 5 + (uint32_t)(i * 7919u) % 60;
		uint32_t total = (size + 8 + 7) & ~7u;
		bool discard = i % 9 == 4;
		uint64_t cons, prod;
		uint8_t *hdr;

		for (;;) {
			cons = __atomic_load_n(r->cons, __ATOMIC_ACQUIRE);
			prod = __atomic_load_n(r->prod, __ATOMIC_ACQUIRE);
			if (RING - (prod - cons) >= total)
				break;
			sched_yield();
		}
		hdr = r->data + (prod & (RING - 1));
		__atomic_store_n((uint32_t *)hdr, size | BPF_RINGBUF_BUSY_BIT,
				 __ATOMIC_RELAXED);
		/* Pairs with the drain's acquire of producer_pos. */
		__atomic_store_n(r->prod, prod + total, __ATOMIC_RELEASE);
		memcpy(hdr + 8, &seq, 4);
		memset(hdr + 12, (int)(seq & 0xff), size - 4);
		/* Publishes the payload: pairs with the drain's acquire of the header. */
		__atomic_exchange_n((uint32_t *)hdr,
				    size | (discard ? BPF_RINGBUF_DISCARD_BIT :
						      0),
				    __ATOMIC_ACQ_REL);
		if (!discard) {
			seq++;
			r->submitted++;
		}
	}
	atomic_store(&r->done, true);
	return NULL;
}

static long sample(void *ctx, void *data, uint32_t size)
{
	struct rig *r = ctx;
	uint8_t *d = data;
	uint32_t seq;

	if (r->in_drain++)
		r->bad++;
	memcpy(&seq, d, 4);
	if (size < 4 || seq != r->next)
		r->bad++;
	/* The whole payload, not only its end: a sample is never torn. */
	for (uint32_t i = 4; i < size; i++)
		if (d[i] != (uint8_t)(seq & 0xff)) {
			r->bad++;
			break;
		}
	r->next = seq + 1;
	r->seen++;
	/* Linger now and then, so the other drainer finds the ring busy. */
	if (!(r->seen % 256))
		sched_yield();
	r->in_drain--;
	return 0;
}

static void *drainer(void *p)
{
	struct rig *r = p;
	static atomic_uint cpu;

	kbpf_posix_set_cpu(atomic_fetch_add(&cpu, 1) % 2);
	for (;;) {
		bool done = atomic_load(&r->done);
		long n = kbpf_user_ringbuf_drain(r->map, sample, r,
						 BPF_RB_NO_WAKEUP);

		if (n == -KBPF_EBUSY)
			atomic_fetch_add(&r->busy, 1);
		else if (n < 0)
			r->bad++; /* no malformed samples here */
		if (done && n == 0)
			break;
		if (n <= 0)
			sched_yield();
	}
	return NULL;
}

KBPF_TEST(
	user_ringbuf_stress,
	"one user-space producer, two concurrent drainers: each submitted sample seen once in order, discarded never, drains never overlap")
{
	const struct kbpf_host *h = kbpf_posix_host();
	const uintptr_t *pages;
	pthread_t t[3];
	struct rig r;
	union bpf_attr a;
	size_t nr;
	uint8_t *view;

	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_USER_RINGBUF;
	a.max_entries = RING;
	T_EQ(kbpf_map_create(h, &a, &r.map), 0);
	T_EQ(r.map->ops->mmap_pages(r.map, &pages, &nr), 0);
	view = h->vmap(h, pages, nr);
	T_ASSERT(view != NULL);
	r.cons = (uint64_t *)view;
	r.prod = (uint64_t *)(view + 4096);
	r.data = view + 8192;
	pthread_create(&t[0], NULL, producer, &r);
	pthread_create(&t[1], NULL, drainer, &r);
	pthread_create(&t[2], NULL, drainer, &r);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	printf("  %llu samples seen of %llu submitted, %ld drains found another running\n",
	       (unsigned long long)r.seen, (unsigned long long)r.submitted,
	       atomic_load(&r.busy));
	T_EQ(r.bad, 0);
	T_EQ(r.seen, r.submitted);
	T_EQ(*r.cons, *r.prod);
	h->vunmap(h, view, nr);
	kbpf_map_put(r.map);
}
