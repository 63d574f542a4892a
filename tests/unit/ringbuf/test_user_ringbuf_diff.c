// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_USER_RINGBUF and bpf_user_ringbuf_drain: the drain rules and
 * wake-ups on kbpf alone, then against the kernel: creation and mmap
 * permission rules, and the same object (progs/user_ringbuf.bpf.c) fed
 * the same samples by libbpf's user_ring_buffer on both sides (into the
 * kernel's map, and through interposed bpf(2)/mmap into kbpf's), drained
 * with the same arguments: same return values, callback records, consumer
 * positions and sample bytes; also malformed samples written by hand and
 * the 128 Ki samples-per-drain limit.
 */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "diff.h"
#include "both.h"
#include "core/compiler.h"
#include "maps/ringbuf.h"
#include "kbpf_test.h"
#include "uprod.h"

static long create(int side, uint32_t size)
{
	return side_create(side, BPF_MAP_TYPE_USER_RINGBUF, 0, 0, size, 0, 0,
			   NULL);
}

/* A user-space producer by hand, on the writable mapping (producer page, data x2). */
struct hand {
	volatile uint64_t *cons; /* read-only mapping of the consumer page */
	volatile uint64_t *prod;
	uint8_t *data;
	uint64_t mask;
};

static void *map_side(int side, int fd, size_t len, int prot, off_t off)
{
	return side ? kbpf_posix_mmap(NULL, len, prot, MAP_SHARED, fd, off) :
		      mmap(NULL, len, prot, MAP_SHARED, fd, off);
}

static void unmap_side(int side, void *p, size_t len)
{
	if (side)
		kbpf_posix_munmap(p, len);
	else
		munmap(p, len);
}

static int hand_map(struct hand *hp, int side, int fd, uint32_t size)
{
	void *c = map_side(side, fd, 4096, PROT_READ, 0);
	void *p = map_side(side, fd, 4096 + 2 * (size_t)size,
			   PROT_READ | PROT_WRITE, 4096);

	if (c == MAP_FAILED || p == MAP_FAILED)
		return -1;
	hp->cons = c;
	hp->prod = p;
	hp->data = (uint8_t *)p + 4096;
	hp->mask = size - 1;
	return 0;
}

static void hand_unmap(struct hand *hp, int side, uint32_t size)
{
	unmap_side(side, (void *)hp->cons, 4096);
	unmap_side(side, (void *)hp->prod, 4096 + 2 * (size_t)size);
}

/* Append a sample with header word @hdr and @n payload bytes of @fill. */
static void hand_put(struct hand *hp, uint32_t hdr, uint32_t n, uint8_t fill)
{
	uint64_t prod = *hp->prod;
	uint8_t *h = hp->data + (prod & hp->mask);

	memcpy(h, &hdr, 4);
	memset(h + 4, 0, 4);
	memset(h + 8, fill, n);
	__atomic_store_n(hp->prod, prod + ((n + 8 + 7) & ~7u),
			 __ATOMIC_RELEASE);
}

/* ---- kbpf alone ---- */

struct seen {
	int n;
	uint32_t sizes[64];
	int stop_at;
	struct kbpf_map *map;
	long nested;
	int bad; /* a sample's last byte was not its size */
};

static long seen_fn(void *ctx, void *data, uint32_t size)
{
	struct seen *s = ctx;

	if (s->map)
		s->nested = kbpf_user_ringbuf_drain(s->map, seen_fn, s, 0);
	if (s->n < 64)
		s->sizes[s->n] = size;
	if (size && ((uint8_t *)data)[size - 1] != (uint8_t)size)
		s->bad++;
	s->n++;
	return s->stop_at && s->n >= s->stop_at;
}

static uint64_t wakes(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

KBPF_TEST(
	user_ringbuf_drain_rules,
	"drain: samples in order, discarded skipped, busy ends it, a callback's non-zero return stops after its sample, -EINVAL/-EBUSY/-E2BIG as Linux, wake-ups per flags")
{
	struct kbpf_obj *obj;
	struct kbpf_map *m;
	struct seen s;
	struct hand hp;
	int fd = (int)create(SIDE_KBPF, 4096);

	T_ASSERT(fd >= 0);
	obj = kbpf_posix_fd_obj(fd);
	m = kbpf_container_of(obj, struct kbpf_map, obj);
	T_EQ(hand_map(&hp, SIDE_KBPF, fd, 4096), 0);
	memset(&s, 0, sizeof(s));
	/* Empty: 0 samples; no wake-up unless forced. */
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), 0);
	T_EQ(wakes(fd), 0);
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, BPF_RB_FORCE_WAKEUP), 0);
	T_EQ(wakes(fd), 1);
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 4), -KBPF_EINVAL);
	hand_put(&hp, 5, 5, 5);
	hand_put(&hp, 7 | BPF_RINGBUF_DISCARD_BIT, 7, 7);
	hand_put(&hp, 0, 0, 0);
	hand_put(&hp, 9, 9, 9);
	hand_put(&hp, 3 | BPF_RINGBUF_BUSY_BIT, 3, 3);
	hand_put(&hp, 4, 4, 4);
	s.stop_at = 2;
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, BPF_RB_NO_WAKEUP), 2);
	T_EQ(wakes(fd), 0);
	T_EQ(s.sizes[0], 5);
	T_EQ(s.sizes[1], 0);
	s.stop_at = 0;
	/* Then 9, and the busy one ends the drain. */
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), 1);
	T_EQ(wakes(fd), 1);
	T_EQ(s.sizes[2], 9);
	T_EQ(*hp.cons, 16 + 16 + 8 + 24);
	T_EQ(s.bad, 0);
	/* Nested drain of the same map: -EBUSY. */
	hp.data[*hp.cons & hp.mask] = 3; /* user space clears the busy bit */
	hp.data[(*hp.cons & hp.mask) + 3] = 0;
	s.map = m;
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), 2);
	T_EQ(s.nested, -KBPF_EBUSY);
	s.map = NULL;
	/* Malformed: producer_pos not 8-aligned, sample past it, too big. */
	*hp.prod += 4;
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), -KBPF_EINVAL);
	*hp.prod -= 4;
	hand_put(&hp, 100, 8, 1);
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), -KBPF_EINVAL);
	memcpy(hp.data + (*hp.cons & hp.mask), &(uint32_t){ 5000 }, 4);
	*hp.prod = *hp.cons + 8192;
	T_EQ(kbpf_user_ringbuf_drain(m, seen_fn, &s, 0), -KBPF_E2BIG);
	/* Not a user ring buffer. */
	{
		union bpf_attr a;
		struct kbpf_map *k;

		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_RINGBUF;
		a.max_entries = 4096;
		T_EQ(kbpf_map_create(kbpf_posix_host(), &a, &k), 0);
		T_EQ(kbpf_user_ringbuf_drain(k, seen_fn, &s, 0), -KBPF_EINVAL);
		kbpf_map_put(k);
	}
	hand_unmap(&hp, SIDE_KBPF, 4096);
	kbpf_obj_put(obj);
	oracle_kbpf_close(fd);
}

/* ---- against the kernel ---- */

KBPF_TEST(
	user_ringbuf_create_mmap_vs_kernel,
	"creation rules, element commands and mmap permissions (consumer page read-only, producer and data writable) give the kernel's errno")
{
	static const uint32_t cfg[][4] = {
		/* key, value, max, flags */
		{ 0, 0, 4096, 0 },
		{ 0, 0, 0, 0 },
		{ 0, 0, 4095, 0 },
		{ 0, 0, 12288, 0 },
		{ 0, 0, 8192, 0 },
		{ 4, 0, 4096, 0 },
		{ 0, 4, 4096, 0 },
		{ 0, 0, 4096, BPF_F_NUMA_NODE },
		{ 0, 0, 4096, BPF_F_RDONLY },
		{ 0, 0, 4096, BPF_F_WRONLY },
		{ 0, 0, 4096, BPF_F_MMAPABLE },
		{ 0, 0, 4096, BPF_F_RDONLY_PROG },
	};
	static const struct {
		int prot;
		off_t off;
		size_t len;
	} mm[] = {
		{ PROT_READ, 0, 4096 },
		{ PROT_READ | PROT_WRITE, 0, 4096 },
		{ PROT_READ | PROT_WRITE, 0, 8192 },
		{ PROT_READ | PROT_WRITE, 4096, 4096 + 2 * 4096 },
		{ PROT_READ, 4096, 4096 + 2 * 4096 },
		{ PROT_READ | PROT_WRITE, 8192, 4096 },
		{ PROT_READ, 0, 4 * 4096 },
		{ PROT_READ, 0, 5 * 4096 },
		{ PROT_READ | PROT_WRITE, 4096, 4 * 4096 },
	};
	long fd[2], r[2];
	uint64_t v[2];
	uint32_t key = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(cfg) / sizeof(cfg[0]); i++) {
		for (int s = 0; s < 2; s++)
			r[s] = side_create(s, BPF_MAP_TYPE_USER_RINGBUF,
					   cfg[i][0], cfg[i][1], cfg[i][2],
					   cfg[i][3], 0, NULL);
		if (!same_result(r[0], r[1]))
			T_FAIL("create case %zu: kernel %s kbpf %s", i,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
	for (int s = 0; s < 2; s++)
		fd[s] = create(s, 4096);
#define BOTH(expr)                                             \
	do {                                                   \
		for (int s = 0; s < 2; s++)                    \
			r[s] = (expr);                         \
		if (r[0] != r[1])                              \
			T_FAIL("%s: kernel %s kbpf %s", #expr, \
			       oracle_errno_name(r[0]),        \
			       oracle_errno_name(r[1]));       \
	} while (0)
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], NULL, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], NULL, NULL, 0));
	BOTH(side_next_key(s, fd[s], NULL, &v[s]));
	BOTH(side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd[s], NULL, &v[s],
		       0));
#undef BOTH
	for (size_t i = 0; i < sizeof(mm) / sizeof(mm[0]); i++) {
		int err[2];

		for (int s = 0; s < 2; s++) {
			void *p = map_side(s, (int)fd[s], mm[i].len, mm[i].prot,
					   mm[i].off);

			err[s] = p == MAP_FAILED ? errno : 0;
			if (p != MAP_FAILED)
				unmap_side(s, p, mm[i].len);
		}
		if (err[0] != err[1])
			T_FAIL("mmap case %zu: kernel errno %d, kbpf %d", i,
			       err[0], err[1]);
	}
	/* Frozen: no new writable mapping, read-only ones still. */
	{
		int err[2], errr[2];

		for (int s = 0; s < 2; s++) {
			void *p;

			r[s] = side_freeze(s, fd[s]);
			p = map_side(s, (int)fd[s], 4096 + 2 * 4096,
				     PROT_READ | PROT_WRITE, 4096);
			err[s] = p == MAP_FAILED ? errno : 0;
			if (p != MAP_FAILED)
				unmap_side(s, p, 4096 + 2 * 4096);
			p = map_side(s, (int)fd[s], 4096, PROT_READ, 4096);
			errr[s] = p == MAP_FAILED ? errno : 0;
			if (p != MAP_FAILED)
				unmap_side(s, p, 4096);
		}
		T_EQ(r[1], r[0]);
		T_EQ(err[1], err[0]);
		T_EQ(errr[1], errr[0]);
	}
	for (int s = 0; s < 2; s++)
		side_close(s, fd[s]);
}

struct rec {
	uint32_t idx;
	int32_t r_hdr;
	int32_t r_body;
	int32_t r_past;
	int32_t r_write;
	int32_t nested;
	uint32_t data_ok;
	uint32_t hdr;
	uint8_t body[64];
};

struct result {
	int64_t ret;
	uint64_t n;
};

struct dump {
	uint8_t *bytes;
	size_t len;
};

static void dump_k(void *ctx, const void *data, size_t size)
{
	struct dump *d = ctx;

	d->bytes = realloc(d->bytes, d->len + size);
	memcpy(d->bytes + d->len, data, size);
	d->len += size;
}

static int dump_b(void *ctx, const void *data, uint32_t size)
{
	dump_k(ctx, data, size);
	return 0;
}

struct env {
	struct both b;
	int pfd[2], pbig[2], ufd[2], bigfd[2], rfd[2];
	struct uprod *up[2];
};

static const char *urb_obj(void)
{
	static char path[1024];

	snprintf(path, sizeof(path), "%s/user_ringbuf.bpf.o", RINGBUF_OBJ_DIR);
	return path;
}

/* Load the object on both sides; NULL message or why not. */
static const char *env_open(struct env *e)
{
	const char *why = NULL;

	if (RINGBUF_NO_OBJECTS_WHY[0])
		return RINGBUF_NO_OBJECTS_WHY;
	if (!oracle_available(&why) || !kside_available(&why) ||
	    !uprod_available(&why))
		return why;
	if (both_open(&e->b, urb_obj()))
		return e->b.why;
	for (int s = 0; s < 2; s++) {
		e->pfd[s] = both_prog_fd(&e->b, s, "drain");
		e->pbig[s] = both_prog_fd(&e->b, s, "drain_big");
		e->ufd[s] = both_map_fd(&e->b, s, "urb");
		e->bigfd[s] = both_map_fd(&e->b, s, "big");
		e->rfd[s] = both_map_fd(&e->b, s, "results");
	}
	return NULL;
}

static void env_close(struct env *e)
{
	both_close(&e->b);
}

static long run_prog(int side, int fd, uint64_t *args, int nr, uint32_t *ret)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = (uint32_t)(nr * sizeof(uint64_t));
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

static long get_result(int side, int fd, struct result *r)
{
	uint32_t key = 0;

	memset(r, 0, sizeof(*r));
	return side_elem(side, BPF_MAP_LOOKUP_ELEM, fd, &key, r, 0);
}

/* Run drain(args) on both sides; compare result and callback records. */
static void drain_both(struct env *e, uint64_t args[4], const char *what,
		       int *samples)
{
	struct dump d[2] = { { 0 }, { 0 } };
	struct result res[2];
	uint32_t ret[2];

	for (int s = 0; s < 2; s++) {
		T_EQ(run_prog(s, e->pfd[s], args, 4, &ret[s]), 0);
		T_EQ(get_result(s, e->rfd[s], &res[s]), 0);
	}
	kside_ringbuf_drain(e->b.ks, "out", dump_k, &d[0]);
	kbpf_ringbuf_consume(both_kbpf_map(&e->b, "out"), dump_b, &d[1]);
	if (ret[0] != ret[1] || res[0].ret != res[1].ret ||
	    res[0].n != res[1].n)
		T_FAIL("%s (flags %llu stop %llu): kernel drain %lld, %llu callbacks; kbpf %lld, %llu",
		       what, (unsigned long long)args[0],
		       (unsigned long long)args[1], (long long)res[0].ret,
		       (unsigned long long)res[0].n, (long long)res[1].ret,
		       (unsigned long long)res[1].n);
	if (d[0].len != d[1].len ||
	    (d[0].len && memcmp(d[0].bytes, d[1].bytes, d[0].len)))
		T_FAIL("%s: callback records differ (kernel %zu bytes, kbpf %zu)",
		       what, d[0].len, d[1].len);
	if (samples)
		*samples += res[0].ret > 0 ? (int)res[0].ret : 0;
	free(d[0].bytes);
	free(d[1].bytes);
}

KBPF_TEST(
	user_ringbuf_vs_kernel,
	"libbpf's user_ring_buffer feeds both maps the same samples; the same drains give the same counts, callback records (dynptr reads, bounds, writes, nested -EBUSY), consumer positions and sample bytes")
{
	uint64_t seed = kbpf_test_seed() + 21;
	struct hand hp[2];
	int samples = 0, drains = 0, full = 0;
	const char *why;
	struct env e;

	why = env_open(&e);
	if (why)
		T_SKIP("%s", why);
	for (int s = 0; s < 2; s++) {
		e.up[s] = uprod_new(e.ufd[s], s);
		T_ASSERT(e.up[s] != NULL);
		T_EQ(hand_map(&hp[s], s, e.ufd[s], 4096), 0);
	}
	for (int round = 0; round < 300; round++) {
		int k = (int)(kbpf_test_rand(&seed) % 40);
		uint64_t args[4];

		for (int i = 0; i < k; i++) {
			uint32_t size = (uint32_t)(kbpf_test_rand(&seed) % 90);
			bool discard = kbpf_test_rand(&seed) % 6 == 0;
			uint8_t *p[2] = { NULL, NULL };

			for (int s = 0; s < 2; s++) {
				p[s] = uprod_reserve(e.up[s], size);
				if (!p[s])
					continue;
				if (size >= 4) {
					memcpy(p[s], &size, 4);
					for (uint32_t j = 4; j < size; j++)
						p[s][j] = (uint8_t)(round + j);
				} else {
					memset(p[s], 0xc0 | (int)size, size);
				}
				if (discard)
					uprod_discard(e.up[s], p[s]);
				else
					uprod_submit(e.up[s], p[s]);
			}
			T_EQ(!p[0], !p[1]); /* same room on both sides */
			if (!p[0])
				full++;
		}
		args[0] = kbpf_test_rand(&seed) % 4; /* incl. both wake flags */
		args[1] = kbpf_test_rand(&seed) % 3 ? 0 :
						      kbpf_test_rand(&seed) % 5;
		args[2] = kbpf_test_rand(&seed) % 3 == 0;
		args[3] = kbpf_test_rand(&seed) % 8 == 0;
		drain_both(&e, args, "drain", &samples);
		drains++;
		T_EQ(*hp[1].cons, *hp[0].cons);
		T_EQ(*hp[1].prod, *hp[0].prod);
		if (memcmp(hp[0].data, hp[1].data, 4096))
			T_FAIL("round %d: sample bytes differ", round);
	}
	printf("  %d drains, %d samples drained, %d reservations found the ring full on both sides\n",
	       drains, samples, full);
	T_ASSERT(samples > 100 && full > 0);
	for (int s = 0; s < 2; s++) {
		uprod_free(e.up[s]);
		hand_unmap(&hp[s], s, 4096);
	}
	env_close(&e);
}

KBPF_TEST(
	user_ringbuf_malformed_vs_kernel,
	"hand-written bad samples (producer_pos not aligned, a sample past producer_pos, larger than the ring, busy, discarded) give the kernel's results")
{
	struct hand hp[2];
	const char *why;
	struct env e;
	uint64_t args[4] = { 0, 0, 0, 0 };

	why = env_open(&e);
	if (why)
		T_SKIP("%s", why);
	for (int s = 0; s < 2; s++)
		T_EQ(hand_map(&hp[s], s, e.ufd[s], 4096), 0);
#define EACH(stmt)                               \
	do {                                     \
		for (int s = 0; s < 2; s++) {    \
			struct hand *h = &hp[s]; \
			(void)h;                 \
			stmt;                    \
		}                                \
	} while (0)
	EACH(hand_put(h, 12, 12, 1));
	EACH(*h->prod += 4);
	drain_both(&e, args, "producer_pos not 8-aligned", NULL);
	EACH(*h->prod -= 4);
	drain_both(&e, args, "fixed", NULL);
	EACH(hand_put(h, 40, 8,
		      2)); /* header says 40, only 16 bytes published */
	drain_both(&e, args, "sample past producer_pos", NULL);
	EACH(*h->prod = *h->cons);
	EACH(*h->prod = *h->cons + 8192);
	drain_both(&e, args, "producer far ahead, garbage header", NULL);
	EACH(*h->prod = *h->cons);
	EACH(hand_put(h, 5000, 0, 3);
	     *h->prod = *h->cons + 5016); /* larger than the ring */
	drain_both(&e, args, "sample larger than the ring", NULL);
	EACH(*h->prod = *h->cons);
	EACH(hand_put(h, 6 | BPF_RINGBUF_DISCARD_BIT, 6, 4));
	EACH(hand_put(h, 6 | BPF_RINGBUF_DISCARD_BIT | BPF_RINGBUF_BUSY_BIT, 6,
		      4));
	EACH(hand_put(h, 6 | BPF_RINGBUF_BUSY_BIT, 6, 4));
	EACH(hand_put(h, 6, 6, 4));
	args[0] = BPF_RB_FORCE_WAKEUP;
	drain_both(&e, args, "discarded, discarded+busy, busy", NULL);
	T_EQ(*hp[1].cons, *hp[0].cons);
	EACH(h->data[*h->cons & h->mask] = 6);
	EACH(h->data[(*h->cons & h->mask) + 3] = 0);
	drain_both(&e, args, "busy cleared", NULL);
	T_EQ(*hp[1].cons, *hp[0].cons);
#undef EACH
	for (int s = 0; s < 2; s++)
		hand_unmap(&hp[s], s, 4096);
	env_close(&e);
}

KBPF_TEST(
	user_ringbuf_max_samples_vs_kernel,
	"one drain visits at most 128 Ki samples, discarded ones included but not counted, as the kernel's")
{
	const uint32_t size = 2 * 1024 * 1024;
	const int nr = 140000;
	struct result res[2];
	struct hand hp[2];
	const char *why;
	uint32_t ret[2];
	struct env e;

	why = env_open(&e);
	if (why)
		T_SKIP("%s", why);
	for (int s = 0; s < 2; s++) {
		T_EQ(hand_map(&hp[s], s, e.bigfd[s], size), 0);
		for (int i = 0; i < nr; i++)
			hand_put(&hp[s],
				 i % 7 == 3 ? BPF_RINGBUF_DISCARD_BIT : 0, 0,
				 0);
	}
	for (int round = 0; round < 2; round++) {
		for (int s = 0; s < 2; s++) {
			T_EQ(run_prog(s, e.pbig[s], NULL, 0, &ret[s]), 0);
			T_EQ(get_result(s, e.rfd[s], &res[s]), 0);
		}
		if (res[0].ret != res[1].ret || res[0].n != res[1].n)
			T_FAIL("round %d: kernel %lld (%llu callbacks), kbpf %lld (%llu)",
			       round, (long long)res[0].ret,
			       (unsigned long long)res[0].n,
			       (long long)res[1].ret,
			       (unsigned long long)res[1].n);
		T_EQ(*hp[1].cons, *hp[0].cons);
		printf("  drain %d: %lld samples on both sides\n", round,
		       (long long)res[0].ret);
	}
	for (int s = 0; s < 2; s++)
		hand_unmap(&hp[s], s, size);
	env_close(&e);
}
