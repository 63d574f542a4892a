// SPDX-License-Identifier: MIT
/*
 * The host BTF parsed once per host (src/btf/host_btf.c): loads of tp_btf
 * programs (the attach check and the verifier's typed arguments both use
 * it) parse kbpf_host.btf once and share the view; new bytes (a new
 * pointer, kbpf_posix_set_btf() or kbpf_host_btf_release()) are parsed
 * again; an allocation failure during the first parse fails that load
 * with -ENOMEM and keeps nothing, so the next load retries; loads from
 * several threads racing the first parse, and a release racing them, all
 * succeed, leave exactly one published view and leak nothing (TSan runs
 * this in CI). Parses are counted by kbpf_host_btf_parses().
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "btf/btf.h"
#include "kbpf/state.h"
#include "kbpf/uapi/btf.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

/*
 * [1] int, [2] struct kobj { int a; int b; }, [3] struct kobj *,
 * [4] void (void *__data, struct kobj *o), [5] void *, [6] pointer to
 * [4], [7] typedef btf_trace_kbpf_probe.
 */
/* clang-format off */
static const uint32_t types[] = {
	1, BTF_KIND_INT << 24, 4, BTF_INT_SIGNED << 24 | 32,
	5, BTF_KIND_STRUCT << 24 | 2, 8, 10, 1, 0, 12, 1, 32,
	0, BTF_KIND_PTR << 24, 2,
	0, BTF_KIND_FUNC_PROTO << 24 | 2, 0, 14, 5, 21, 3,
	0, BTF_KIND_PTR << 24, 0,
	0, BTF_KIND_PTR << 24, 4,
	23, BTF_KIND_TYPEDEF << 24, 6,
};
/* clang-format on */
static const char strs[] = "\0int\0kobj\0a\0b\0__data\0o\0btf_trace_kbpf_probe";
#define NAME_OFF 23 /* "btf_trace_kbpf_probe" in strs */
static uint8_t blob[24 + sizeof(types) + sizeof(strs)];

static void set_host_btf(void)
{
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	kbpf_posix_set_btf(blob, sizeof(blob));
}

/* return o->b: the verifier types the argument from the host BTF */
static const struct bpf_insn prog[] = {
	I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 4, 0),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* Load prog as tp_btf on btf_trace_kbpf_probe (id 7); the fd or -errno. */
static long load(char *log, uint32_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = BPF_TRACE_RAW_TP;
	a.attach_btf_id = 7;
	a.insn_cnt = KBPF_ARRAY_SIZE(prog);
	a.insns = (uint64_t)(uintptr_t)prog;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
		a.log_level = 1;
	}
	return side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
}

static uint32_t parses(void)
{
	return kbpf_host_btf_parses(kbpf_posix_host());
}

KBPF_TEST(
	host_btf_parsed_once,
	"tp_btf loads, with the verifier on and off, parse the host BTF once and share it; kbpf_posix_set_btf() and kbpf_host_btf_release() make the next load parse the (new) bytes again")
{
	const struct kbpf_host *h = kbpf_posix_host();
	char log[4096];
	uint32_t p0;
	long fd;

	T_ASSERT(h->state);
	set_host_btf();
	p0 = parses();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (int i = 0; i < 5; i++) {
		fd = load(NULL, 0);
		T_ASSERT(fd >= 0);
		side_close(SIDE_KBPF, fd);
	}
	T_EQ(parses() - p0, 1);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	fd = load(NULL, 0);
	T_ASSERT(fd >= 0);
	side_close(SIDE_KBPF, fd);
	T_EQ(parses() - p0, 1);
	/* The state's reference is the only one left between loads. */
	T_ASSERT(h->state->host_btf != NULL);
	T_EQ(h->state->host_btf->refs, 1);

	/* The same buffer set again: parsed again. */
	kbpf_posix_set_btf(blob, sizeof(blob));
	T_ASSERT(h->state->host_btf == NULL);
	fd = load(NULL, 0);
	T_ASSERT(fd >= 0);
	side_close(SIDE_KBPF, fd);
	T_EQ(parses() - p0, 2);

	/*
	 * Bytes changed in place (the view borrows them, so the index may
	 * no longer fit them): the host says so with kbpf_host_btf_release()
	 * and the next load parses the new bytes.
	 */
	blob[24 + sizeof(types) + NAME_OFF] = 'X';
	kbpf_host_btf_release(h);
	kbpf_host_btf_release(h); /* twice is harmless */
	fd = load(log, sizeof(log));
	T_EQ(fd, -KBPF_EINVAL);
	T_ASSERT(strstr(log, "points to wrong type name Xtf_trace_kbpf_probe"));
	T_EQ(parses() - p0, 3);
	kbpf_posix_set_btf(NULL, 0);
	T_EQ(load(NULL, 0), -KBPF_EINVAL); /* no host BTF */
	T_ASSERT(h->state->host_btf == NULL);
}

KBPF_TEST(
	host_btf_new_bytes_replace,
	"a host table whose btf pointer or size changed gets a new parse that replaces the published view; a load still holding the old view keeps it valid until it drops it")
{
	const struct kbpf_host *h = kbpf_posix_host();
	static uint8_t copy[sizeof(blob)];
	struct kbpf_host h2;
	struct kbpf_host_btf *a, *b, *c;
	uint32_t p0;

	set_host_btf();
	memcpy(copy, blob, sizeof(blob));
	p0 = parses();
	T_EQ(kbpf_host_btf_get(h, &a), 0);
	T_EQ(parses() - p0, 1);
	/* The same state, other bytes (another pointer, then another size). */
	h2 = *h;
	h2.btf = copy;
	T_EQ(kbpf_host_btf_get(&h2, &b), 0);
	T_ASSERT(a != b);
	T_EQ(parses() - p0, 2);
	T_ASSERT(h->state->host_btf == b);
	T_EQ(kbpf_btf_find(&a->view, BTF_KIND_TYPEDEF, "btf_trace_kbpf_probe"),
	     7);
	kbpf_host_btf_put(h, a); /* its last reference: freed */
	T_EQ(kbpf_host_btf_get(&h2, &c), 0);
	T_ASSERT(c == b);
	T_EQ(parses() - p0, 2);
	kbpf_host_btf_put(h, c);
	h2.btf_size = sizeof(copy) - 1; /* the string area no longer ends */
	T_EQ(kbpf_host_btf_get(&h2, &c), -KBPF_EINVAL);
	T_ASSERT(c == NULL);
	T_ASSERT(h->state->host_btf == b); /* a failed parse replaces nothing */
	kbpf_host_btf_put(h, b);
	/* A flags byte other than 0 is refused before any parse. */
	copy[3] = 1;
	h2.btf_size = sizeof(copy);
	p0 = parses();
	T_EQ(kbpf_host_btf_get(&h2, &c), -KBPF_EINVAL);
	T_EQ(parses(), p0);
	/* Without kbpf_host.state: a private parse per call, freed by put. */
	h2 = *h;
	h2.state = NULL;
	T_EQ(kbpf_host_btf_get(&h2, &c), 0);
	T_ASSERT(c != h->state->host_btf);
	T_EQ(kbpf_host_btf_parses(&h2), 0);
	kbpf_host_btf_put(&h2, c);
	kbpf_posix_set_btf(NULL, 0);
}

/*
 * A host table like the POSIX one whose allocator, at the view's type index
 * (allocated during the parse), first lets another load of the real host
 * parse and publish the same bytes: the deterministic form of two first
 * loads racing.
 */
static const struct kbpf_host *real_host;
static struct kbpf_host_btf *winner;
static size_t index_size;

static void *racing_alloc(const struct kbpf_host *h, size_t size, size_t align,
			  uint32_t flags)
{
	(void)h;
	if (size == index_size && !winner)
		if (kbpf_host_btf_get(real_host, &winner))
			winner = NULL;
	return real_host->alloc(real_host, size, align, flags);
}

KBPF_TEST(
	host_btf_lost_race,
	"of two loads parsing the same host BTF at once, the one that publishes second frees its own view and uses the winner's: one view stays, with the right references, nothing leaks")
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_host h2;
	struct kbpf_host_btf *mine;
	uint32_t p0;

	set_host_btf();
	real_host = h;
	winner = NULL;
	index_size = 8 * sizeof(uint32_t); /* 7 types and void */
	h2 = *h;
	h2.alloc = racing_alloc;
	p0 = parses();
	T_EQ(kbpf_host_btf_get(&h2, &mine), 0);
	T_ASSERT(winner != NULL);
	T_EQ(parses() - p0, 2);
	T_ASSERT(mine == winner);
	T_ASSERT(h->state->host_btf == winner);
	T_EQ(winner->refs, 3); /* the state's, the winner's, the loser's */
	kbpf_host_btf_put(h, mine);
	kbpf_host_btf_put(h, winner);
	T_EQ(h->state->host_btf->refs, 1);
	kbpf_posix_set_btf(NULL, 0);
}

KBPF_TEST(
	host_btf_enomem_retries,
	"an allocation failure anywhere in a tp_btf load that parses the host BTF gives -ENOMEM and publishes nothing half-made; the next load parses and succeeds, and the one after does not parse again")
{
	const struct kbpf_host *h = kbpf_posix_host();
	long fd = -1;
	int n, failed = 0;

	set_host_btf();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (n = 0; n < 200; n++) {
		bool cached;
		uint32_t p;

		kbpf_host_btf_release(h);
		kbpf_posix_fail_alloc_after(n);
		fd = load(NULL, 0);
		kbpf_posix_fail_alloc_after(-1);
		if (fd >= 0)
			break;
		T_EQ(fd, -KBPF_ENOMEM);
		failed++;
		/*
		 * Whatever failed, the next load works: it parses unless
		 * the failed load got as far as publishing a whole view.
		 */
		cached = h->state->host_btf != NULL;
		p = parses();
		fd = load(NULL, 0);
		T_ASSERT(fd >= 0);
		side_close(SIDE_KBPF, fd);
		T_EQ(parses() - p, cached ? 0 : 1);
		T_ASSERT(h->state->host_btf != NULL);
		p = parses();
		fd = load(NULL, 0);
		T_ASSERT(fd >= 0);
		side_close(SIDE_KBPF, fd);
		T_EQ(parses(), p);
	}
	T_ASSERT(fd >= 0);
	side_close(SIDE_KBPF, fd);
	/* The view and its index are two allocations of every such load. */
	T_ASSERT(failed >= 2);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
}

#define THREADS 4
#define LOADS 25
#define ROUNDS 20

static pthread_barrier_t start;
static atomic_long bad, done;
static atomic_int stop_release;

static void *loader(void *arg)
{
	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg %
			   kbpf_posix_possible_cpus());
	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start); /* the view was just released */
		for (int i = 0; i < LOADS; i++) {
			long fd = load(NULL, 0);

			if (fd < 0)
				atomic_fetch_add(&bad, 1);
			else
				side_close(SIDE_KBPF, fd);
			atomic_fetch_add(&done, 1);
		}
		pthread_barrier_wait(&start);
	}
	return NULL;
}

static void *releaser(void *arg)
{
	(void)arg;
	while (!atomic_load(&stop_release))
		kbpf_host_btf_release(kbpf_posix_host());
	return NULL;
}

KBPF_TEST(
	host_btf_concurrent_loads,
	"threads loading tp_btf programs at once race the first parse: every load succeeds, at most one parse per thread per round, exactly one view stays published, the others are freed; with a thread releasing the view meanwhile, every load still succeeds and nothing leaks")
{
	const struct kbpf_host *h = kbpf_posix_host();
	pthread_t t[THREADS], rel;
	uint32_t p0, p;

	set_host_btf();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	T_EQ(pthread_barrier_init(&start, NULL, THREADS + 1), 0);
	atomic_store(&bad, 0);
	atomic_store(&done, 0);
	for (int i = 0; i < THREADS; i++)
		T_EQ(pthread_create(&t[i], NULL, loader,
				    (void *)(uintptr_t)(i + 1)),
		     0);
	p0 = parses();
	for (int r = 0; r < ROUNDS; r++) {
		kbpf_host_btf_release(h);
		p = parses();
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&start);
		/* Racing first uses parse at most once each; one view wins. */
		if (parses() - p < 1 || parses() - p > THREADS)
			atomic_fetch_add(&bad, 1);
		if (!h->state->host_btf || h->state->host_btf->refs != 1)
			atomic_fetch_add(&bad, 1);
	}
	for (int i = 0; i < THREADS; i++)
		T_EQ(pthread_join(t[i], NULL), 0);
	T_EQ(atomic_load(&bad), 0);
	T_EQ(atomic_load(&done), THREADS * LOADS * ROUNDS);
	printf("  %u parses for %d rounds of %d threads\n", parses() - p0,
	       ROUNDS, THREADS);

	/* Now a releaser drops the view while they load. */
	T_EQ(pthread_barrier_destroy(&start), 0);
	T_EQ(pthread_barrier_init(&start, NULL, THREADS + 1), 0);
	atomic_store(&stop_release, 0);
	T_EQ(pthread_create(&rel, NULL, releaser, NULL), 0);
	for (int i = 0; i < THREADS; i++)
		T_EQ(pthread_create(&t[i], NULL, loader,
				    (void *)(uintptr_t)(i + 1)),
		     0);
	for (int r = 0; r < ROUNDS; r++) {
		pthread_barrier_wait(&start);
		pthread_barrier_wait(&start);
	}
	for (int i = 0; i < THREADS; i++)
		T_EQ(pthread_join(t[i], NULL), 0);
	atomic_store(&stop_release, 1);
	T_EQ(pthread_join(rel, NULL), 0);
	T_EQ(pthread_barrier_destroy(&start), 0);
	T_EQ(atomic_load(&bad), 0);
	T_EQ(atomic_load(&done), 2 * THREADS * LOADS * ROUNDS);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
}

/*
 * A blob of @n types, INT or TYPEDEF (of id 1) at random, each named by
 * one of 700 names or anonymous, so that names repeat within and across
 * kinds and collide in the index.
 */
static uint8_t *gen_blob(uint32_t n, size_t *size)
{
	uint32_t sl = 1 + 700 * 5, tl = 0, *t;
	uint64_t st = kbpf_test_seed();
	uint8_t *d = calloc(1, 24 + (size_t)n * 16 + sl);
	char *strs;

	if (!d)
		return NULL;
	t = (uint32_t *)(d + 24);
	for (uint32_t i = 0; i < n; i++) {
		uint64_t r = kbpf_test_rand(&st);
		uint32_t name = r % 8 ? 1 + 5 * (uint32_t)(r / 8 % 700) : 0;

		t[0] = name;
		if (r & (1ull << 40)) {
			t[1] = BTF_KIND_TYPEDEF << 24;
			t[2] = 1;
			t += 3;
			tl += 12;
		} else {
			t[1] = BTF_KIND_INT << 24;
			t[2] = 4;
			t[3] = 32;
			t += 4;
			tl += 16;
		}
	}
	strs = (char *)d + 24 + tl;
	for (uint32_t k = 0; k < 700; k++)
		snprintf(strs + 1 + 5 * k, 5, "n%03u", k);
	uint32_t hdr[6] = { 0x0001eb9f, 24, 0, tl, tl, sl };
	memcpy(d, hdr, 24);
	*size = 24 + (size_t)tl + sl;
	return d;
}

/* Every name and kind through the index and through the record walk. */
static int same_finds(const struct kbpf_host_btf *hb, const char *const *names,
		      uint32_t nr_names, uint32_t *found)
{
	static const uint32_t kinds[] = { BTF_KIND_INT, BTF_KIND_TYPEDEF,
					  BTF_KIND_STRUCT, BTF_KIND_FUNC };
	int bad = 0;

	for (uint32_t i = 0; i < nr_names; i++) {
		for (size_t k = 0; k < KBPF_ARRAY_SIZE(kinds); k++) {
			uint32_t a = kbpf_host_btf_find(hb, kinds[k], names[i]);
			uint32_t b =
				kbpf_btf_find(&hb->view, kinds[k], names[i]);

			bad += a != b;
			*found += a != 0;
		}
	}
	return bad;
}

KBPF_TEST(
	host_btf_name_index,
	"lookups by name through the host BTF's index give what the record walk gives (the lowest id of the kind, or 0) for every name of a blob whose 20,000 types repeat 700 names across two kinds, for names it lacks, and for every named type of this machine's vmlinux BTF where it has one")
{
	const struct kbpf_host *h = kbpf_posix_host();
	static const char *const absent[] = { "n700", "n00", "", "n0000" };
	const char *names[700];
	char buf[700][6];
	struct kbpf_host h2 = *h;
	struct kbpf_host_btf *hb;
	uint32_t found = 0;
	size_t size;
	uint8_t *d = gen_blob(20000, &size);
	FILE *f;

	T_ASSERT(d);
	for (int k = 0; k < 700; k++) {
		snprintf(buf[k], sizeof(buf[k]), "n%03d", k);
		names[k] = buf[k];
	}
	h2.btf = d;
	h2.btf_size = size;
	T_EQ(kbpf_host_btf_get(&h2, &hb), 0);
	T_EQ(same_finds(hb, names, 700, &found), 0);
	T_ASSERT(found > 1000); /* most names exist in both kinds */
	T_EQ(same_finds(hb, absent, KBPF_ARRAY_SIZE(absent), &found), 0);
	kbpf_host_btf_put(h, hb);
	kbpf_host_btf_release(h);
	free(d);

	/* The real thing, where the machine has it (not required). */
	f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (!f)
		return;
	d = malloc(16 << 20);
	size = d ? fread(d, 1, 16 << 20, f) : 0;
	fclose(f);
	T_ASSERT(size > 0);
	h2.btf = d;
	h2.btf_size = size;
	T_EQ(kbpf_host_btf_get(&h2, &hb), 0);
	{
		const struct kbpf_btf_view *b = &hb->view;
		uint32_t bad = 0, checked = 0;

		/* a sample: the walk is O(types) per lookup */
		for (uint32_t id = 1; id < b->nr_types; id += 1499) {
			const uint8_t *t = kbpf_btf_type(b, id);
			const char *n = kbpf_btf_name(b, t);
			uint32_t kind = kbpf_btf_kind(b, t);

			if (!n || !*n)
				continue;
			bad += kbpf_host_btf_find(hb, kind, n) !=
			       kbpf_btf_find(b, kind, n);
			checked++;
		}
		printf("  vmlinux: %u lookups checked\n", checked);
		T_EQ(bad, 0);
		T_ASSERT(checked > 20);
	}
	kbpf_host_btf_put(h, hb);
	kbpf_host_btf_release(h);
	free(d);
}
