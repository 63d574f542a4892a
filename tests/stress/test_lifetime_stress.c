// SPDX-License-Identifier: MIT
/*
 * Program lifetime on a host without defer_free (host.h allows it; run
 * under ASan and TSan in CI). The host is the POSIX one with defer_free and
 * the read-side callbacks taken out, as a kernel without RCU would give.
 * Each program a runner may be running is the only user of a map of its
 * own, so freeing it too early frees that map too and ASan reports the
 * use after free.
 *  - tail calls: runners tail-call through a PROG_ARRAY slot without pause
 *    while a writer stores a new program in the slot, drops the program's
 *    last other reference ("closes its fd") and deletes or replaces it;
 *  - raw tracepoints and probe perf events: firers fire while a writer
 *    attaches programs whose only reference is the link and detaches them
 *    by dropping the link.
 * Invariants: every run succeeds, runs land in the tail-called programs,
 * and once everything is dropped nothing is left allocated.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/map.h"
#include "core/prog.h"
#include "kbpf/interp.h"
#include "kbpf/perf.h"
#include "kbpf/raw_tp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"
#include "maps/prog_array.h"
#include "perf/perf_internal.h"

#define RUNNERS 2
#define ROUNDS 600

static struct kbpf_host nodefer; /* outlives every object made with it */
static atomic_int stop;
static atomic_long runs, landed, failures;

static void host_init(void)
{
	nodefer = *kbpf_posix_host();
	nodefer.defer_free = NULL;
	nodefer.read_lock = NULL;
	nodefer.read_unlock = NULL;
}

static struct kbpf_map *make_map(uint32_t type, uint32_t vs)
{
	struct kbpf_map *m = NULL;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = vs;
	a.max_entries = 1;
	if (kbpf_map_create(&nodefer, &a, &m))
		return NULL;
	return m;
}

static uint32_t prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;

static struct kbpf_prog *load(const struct bpf_insn *p, uint32_t n,
			      struct kbpf_map *map)
{
	struct kbpf_prog_load_opts o = { .kernel_ptrs = true,
					 .maps = &map,
					 .nr_maps = 1 };
	struct kbpf_prog *prog = NULL;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = prog_type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (kbpf_prog_load(&nodefer, &a, &o, &prog))
		return NULL;
	return prog;
}

/* Adds 1 to its map's value 16 times through lookups; returns 2. */
static struct kbpf_prog *load_target(void)
{
	static const struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 0),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1),
		I(BPF_JMP | BPF_JLT | BPF_K, 7, 0, -11, 16),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct kbpf_map *m = make_map(BPF_MAP_TYPE_ARRAY, 8);
	struct kbpf_prog *prog;

	if (!m)
		return NULL;
	prog = load(p, sizeof(p) / sizeof(p[0]), m);
	kbpf_map_put(m); /* the program's reference is the map's only one */
	return prog;
}

/* Tail-calls slot 0 of @pa; returns 1 if the slot was empty. */
static struct kbpf_prog *load_caller(struct kbpf_map *pa)
{
	static const struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_IDX, 0, 0),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_tail_call),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load(p, sizeof(p) / sizeof(p[0]), pa);
}

struct runner {
	struct kbpf_prog *caller;
	unsigned int cpu;
};

static void *tail_runner(void *arg)
{
	struct runner *r = arg;
	uint64_t ctx[2] = { 1, 2 };
	uint64_t i;

	kbpf_posix_set_cpu(r->cpu);
	for (i = 0; !atomic_load(&stop); i++) {
		struct kbpf_interp_args a = {
			.ctx = ctx,
			.ctx_size = sizeof(ctx),
			.mode = (i & 1) ? KBPF_INTERP_CHECKED :
					  KBPF_INTERP_FAST,
			.cpu = r->cpu,
		};
		uint64_t r0 = 0;

		if (kbpf_interp_run(r->caller, &nodefer, &a, &r0) ||
		    (r0 != 1 && r0 != 2))
			atomic_fetch_add(&failures, 1);
		atomic_fetch_add(&runs, 1);
		if (r0 == 2)
			atomic_fetch_add(&landed, 1);
	}
	return NULL;
}

KBPF_TEST(
	lifetime_tail_call_no_defer_free,
	"without defer_free, a program deleted or replaced in its PROG_ARRAY slot and closed while runs tail-call into it is freed only after those runs end")
{
	long live = kbpf_posix_live_allocs();
	struct runner r[RUNNERS];
	pthread_t t[RUNNERS];
	struct kbpf_map *pa;
	struct kbpf_prog *caller;
	uint32_t k = 0;
	int i;

	host_init();
	prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	atomic_store(&stop, 0);
	atomic_store(&runs, 0);
	atomic_store(&landed, 0);
	atomic_store(&failures, 0);
	pa = make_map(BPF_MAP_TYPE_PROG_ARRAY, 4);
	T_ASSERT(pa);
	caller = load_caller(pa);
	T_ASSERT(caller);
	for (i = 0; i < RUNNERS; i++) {
		r[i] = (struct runner){ caller, (unsigned int)i };
		T_EQ(pthread_create(&t[i], NULL, tail_runner, &r[i]), 0);
	}
	for (i = 0; i < ROUNDS; i++) {
		struct kbpf_prog *target = load_target();

		T_ASSERT(target);
		/* The slot's reference becomes the program's only one. */
		T_EQ(kbpf_prog_array_set(pa, 0, target), 0);
		kbpf_prog_put(target);
		/* Let runners enter it, then delete it or replace it. */
		while (atomic_load(&runs) < (long)i * 4 &&
		       !atomic_load(&failures))
			;
		if (i % 3 == 0)
			T_EQ(pa->ops->delete_elem(pa, &k), 0);
	}
	atomic_store(&stop, 1);
	for (i = 0; i < RUNNERS; i++)
		pthread_join(t[i], NULL);
	T_EQ(atomic_load(&failures), 0);
	T_ASSERT(atomic_load(&landed) > 0);
	kbpf_prog_put(caller);
	kbpf_obj_uref_put(&pa->obj); /* clears the slot; frees the array */
	T_EQ(kbpf_posix_live_allocs(), live);
}

/* ---- raw tracepoints ---- */

static struct kbpf_raw_tp tp = { .name = "kbpf_lifetime_tp", .nargs = 2 };

static void *tp_firer(void *arg)
{
	uint64_t args[2] = { 3, 4 };

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		if (kbpf_raw_tp_fire(&tp, args))
			atomic_fetch_add(&failures, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

KBPF_TEST(
	lifetime_raw_tp_no_defer_free,
	"without defer_free, a program whose only reference is its raw tracepoint link stays allocated while fires on other CPUs run it after the link is dropped")
{
	long live = kbpf_posix_live_allocs();
	pthread_t t[RUNNERS];
	int i;

	host_init();
	prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	atomic_store(&stop, 0);
	atomic_store(&runs, 0);
	atomic_store(&failures, 0);
	T_EQ(kbpf_raw_tp_register(&nodefer, &tp), 0);
	for (i = 0; i < RUNNERS; i++)
		T_EQ(pthread_create(&t[i], NULL, tp_firer,
				    (void *)(uintptr_t)i),
		     0);
	for (i = 0; i < ROUNDS; i++) {
		struct kbpf_prog *prog = load_target();
		struct kbpf_obj *link = NULL;

		T_ASSERT(prog);
		T_EQ(kbpf_raw_tp_attach(&tp, prog, 0, &link), 0);
		kbpf_prog_put(prog); /* the link's reference is the only one */
		while (atomic_load(&runs) < (long)i * 4 &&
		       !atomic_load(&failures))
			;
		kbpf_obj_put(link); /* detach */
	}
	atomic_store(&stop, 1);
	for (i = 0; i < RUNNERS; i++)
		pthread_join(t[i], NULL);
	T_EQ(atomic_load(&failures), 0);
	/* Frees what a host without defer_free keeps until no fire can run. */
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	T_EQ(kbpf_posix_live_allocs(), live);
}

/* ---- probe perf events ---- */

#define KPROBE_TYPE 60

static int probe_open(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		      struct kbpf_probe_desc *d)
{
	(void)h;
	(void)ev;
	(void)d;
	return 0;
}

/* The test joins its firers before it drops the event. */
static void probe_close(const struct kbpf_host *h, struct kbpf_perf_event *ev,
			struct kbpf_probe_desc *d)
{
	(void)h;
	(void)ev;
	(void)d;
}

static const struct kbpf_probe_pmus pmus = {
	.kprobe_type = KPROBE_TYPE,
	.open = probe_open,
	.close = probe_close,
};

static struct kbpf_perf_event *probe_ev;

static void *probe_firer(void *arg)
{
	uint64_t regs[4] = { 1, 0, 0, 0 };

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		uint32_t verdict;

		if (kbpf_perf_probe_fire(probe_ev, regs, sizeof(regs),
					 &verdict))
			atomic_fetch_add(&failures, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

KBPF_TEST(
	lifetime_perf_link_no_defer_free,
	"without defer_free, a program whose only reference is its perf link stays allocated while probe fires on other CPUs run it after the link is dropped, and goes with the event")
{
	long live = kbpf_posix_live_allocs();
	struct perf_event_attr attr;
	pthread_t t[RUNNERS];
	int i;

	host_init();
	nodefer.probes = &pmus;
	prog_type = BPF_PROG_TYPE_KPROBE;
	atomic_store(&stop, 0);
	atomic_store(&runs, 0);
	atomic_store(&failures, 0);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = KPROBE_TYPE;
	attr.config1 = (uint64_t)(uintptr_t) "kbpf_lifetime_fn";
	T_EQ(kbpf_perf_event_create(&nodefer, &attr, -1, 0, 0, &probe_ev), 0);
	for (i = 0; i < RUNNERS; i++)
		T_EQ(pthread_create(&t[i], NULL, probe_firer,
				    (void *)(uintptr_t)i),
		     0);
	for (i = 0; i < ROUNDS; i++) {
		struct kbpf_prog *prog = load_target();
		struct kbpf_obj *link = NULL;

		T_ASSERT(prog);
		T_EQ(kbpf_perf_link_attach(probe_ev, prog, 0, &link), 0);
		kbpf_prog_put(
			prog); /* the link's references are the only ones */
		while (atomic_load(&runs) < (long)i * 4 &&
		       !atomic_load(&failures))
			;
		kbpf_obj_put(link); /* detach */
	}
	atomic_store(&stop, 1);
	for (i = 0; i < RUNNERS; i++)
		pthread_join(t[i], NULL);
	T_EQ(atomic_load(&failures), 0);
	/* The event's release frees the parked links and their programs. */
	kbpf_obj_put(kbpf_perf_event_obj(probe_ev));
	prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	T_EQ(kbpf_posix_live_allocs(), live);
}
