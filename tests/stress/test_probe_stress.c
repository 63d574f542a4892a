// SPDX-License-Identifier: MIT
/*
 * Probe events under concurrency (run under TSan in CI): threads on their
 * own virtual CPUs fire the test host's probe without pause while another
 * thread opens and closes the probe's perf event and attaches programs to
 * it, through PERF_EVENT_IOC_SET_BPF and through perf links whose program
 * is referenced by the link alone. A detach or a close may free what
 * another CPU is running. Invariants: every fire succeeds, attached
 * programs run, and at the end nothing is left allocated.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kbpf/perf.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define FIRERS 3
#define ROUNDS 600
#define KPROBE_TYPE 60

/* The host's probe: the event it fires, published to firers. */
static struct kbpf_perf_event *_Atomic cur_ev;
static atomic_int stop, opened, closed;
static atomic_long fires, failures, runs;

static int host_open(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		     struct kbpf_probe_desc *d)
{
	(void)h;
	(void)d;
	atomic_store(&cur_ev, ev);
	atomic_fetch_add(&opened, 1);
	return 0;
}

static void host_close(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		       struct kbpf_probe_desc *d)
{
	(void)h;
	(void)d;
	(void)ev;
	atomic_store(&cur_ev, NULL);
	atomic_fetch_add(&closed, 1);
}

static const struct kbpf_probe_pmus pmus = {
	.kprobe_type = KPROBE_TYPE,
	.open = host_open,
	.close = host_close,
};

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* cnt[0] += ctx[0], atomically. */
static long load_prog(long map)
{
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 7, 1, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 7, 0, BPF_ADD),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_KPROBE;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long open_event(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = KPROBE_TYPE;
	a.config1 = (uint64_t)(uintptr_t) "kbpf_stress_fn";
	return kbpf_posix_perf_event_open(&a, -1, 0, -1, 0);
}

static long perf_link(long prog, long ev)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.target_fd = (uint32_t)ev;
	a.link_create.attach_type = BPF_PERF_EVENT;
	return sys(BPF_LINK_CREATE, &a);
}

/* The host's probe handler: fire the current event inside a read section. */
static void *firer(void *arg)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint64_t regs[4] = { 1, 0, 0, 0 };

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		unsigned long st = h->read_lock(h);
		struct kbpf_perf_event *ev = atomic_load(&cur_ev);
		uint32_t verdict;

		if (ev &&
		    kbpf_perf_probe_fire(ev, regs, sizeof(regs), &verdict))
			atomic_fetch_add(&failures, 1);
		h->read_unlock(h, st);
		atomic_fetch_add(&fires, 1);
	}
	return NULL;
}

/* Wait (at most a second) until a firer has run a program again. */
static void wait_for_runs(void)
{
	long before = atomic_load(&runs);
	int i;

	for (i = 0; i < 1000 && atomic_load(&runs) == before; i++)
		usleep(1000);
}

KBPF_TEST(
	probe_fire_while_attaching,
	"firing a probe on 3 CPUs while its event is opened, closed and re-attached: every fire succeeds, nothing leaks")
{
	pthread_t t[FIRERS];
	long live, map, keep, ev = -1, link = -1;
	uint64_t total = 0;
	uint32_t key = 0;
	union bpf_attr a;

	kbpf_posix_set_nr_cpus(FIRERS + 1);
	if (kbpf_posix_host()->nr_cpus < FIRERS + 1)
		T_SKIP("needs %d possible CPUs", FIRERS + 1);
	kbpf_posix_set_probes(&pmus);
	live = kbpf_posix_live_allocs();
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	map = sys(BPF_MAP_CREATE, &a);
	keep = load_prog(map);
	T_ASSERT(map >= 0 && keep >= 0);
	for (uintptr_t i = 0; i < FIRERS; i++)
		pthread_create(&t[i], NULL, firer, (void *)(i + 1));
	kbpf_posix_set_cpu(0);
	for (int r = 0; r < ROUNDS; r++) {
		if (link >= 0)
			kbpf_posix_close((int)link);
		link = -1;
		if (r % 4 == 0) {
			/* A new event: the old one goes with its program. */
			if (ev >= 0)
				kbpf_posix_close((int)ev);
			ev = open_event();
			if (ev < 0 || kbpf_posix_perf_ioctl(
					      (int)ev, PERF_EVENT_IOC_SET_BPF,
					      (unsigned long)keep))
				abort();
		} else if (r % 4 == 1) {
			/* Detach the ioctl's program by replacing the event. */
			kbpf_posix_close((int)ev);
			ev = open_event();
			if (ev < 0)
				abort();
		} else {
			/* A fresh program whose only reference is the link. */
			long p = load_prog(map);

			if (p < 0)
				abort();
			link = perf_link(p, ev);
			kbpf_posix_close((int)p);
			if (link < 0 && !(r % 4 == 3 && link == -EEXIST))
				abort();
			/*
			 * Now and then, wait (at most a second) until a firer
			 * has run the program: on a loaded machine the firers
			 * may otherwise never be scheduled inside a window.
			 */
			if (r % 50 == 2)
				wait_for_runs();
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < FIRERS; i++)
		pthread_join(t[i], NULL);
	if (link >= 0)
		kbpf_posix_close((int)link);
	kbpf_posix_close((int)ev);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&total;
	T_EQ(sys(BPF_MAP_LOOKUP_ELEM, &a), 0);
	printf("  %ld fires, %llu program runs, %d rounds, %d events\n",
	       atomic_load(&fires), (unsigned long long)total, ROUNDS,
	       atomic_load(&opened));
	T_EQ(atomic_load(&failures), 0);
	T_ASSERT(total > 0);
	T_EQ(atomic_load(&opened), atomic_load(&closed));
	kbpf_posix_close((int)keep);
	kbpf_posix_close((int)map);
	kbpf_posix_set_probes(NULL);
	T_EQ(kbpf_posix_live_allocs(), live);
}
