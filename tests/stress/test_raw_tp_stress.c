// SPDX-License-Identifier: MIT
/*
 * Raw tracepoints under concurrency (run under TSan in CI): threads on
 * their own virtual CPUs fire a tracepoint without pause while another
 * thread attaches and detaches programs through bpf(2), including programs
 * whose only reference is the link, so that a detach frees a program
 * another CPU may be running. Invariants: every fire succeeds, attached
 * programs run, and once everything is closed nothing is left allocated.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/raw_tp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define FIRERS 3
#define ROUNDS 1500

static struct kbpf_raw_tp tp = { .name = "kbpf_stress_tp", .nargs = 2 };
static atomic_int stop;
static atomic_long fires, failures;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* cnt[0] += args[0] + args[1], atomically. */
static long load_prog(long map)
{
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 7, 1, 0, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 8, 1, 8, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 7, 8, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 7, 0, BPF_ADD),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long open_link(long prog)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = (uint64_t)(uintptr_t)tp.name;
	a.raw_tracepoint.prog_fd = (uint32_t)prog;
	return sys(BPF_RAW_TRACEPOINT_OPEN, &a);
}

static void *firer(void *arg)
{
	uint64_t args[2] = { 1, 1 };

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		if (kbpf_raw_tp_fire(&tp, args))
			atomic_fetch_add(&failures, 1);
		atomic_fetch_add(&fires, 1);
	}
	return NULL;
}

KBPF_TEST(
	raw_tp_fire_while_attaching,
	"firing on 3 CPUs while programs attach and detach: every fire succeeds, nothing leaks")
{
	pthread_t t[FIRERS];
	long live;
	long map, keep, links[3] = { -1, -1, -1 };
	uint64_t total = 0;
	uint32_t key = 0;
	union bpf_attr a;

	/* Virtual CPUs: one per firing thread, one for the attacher. */
	kbpf_posix_set_nr_cpus(FIRERS + 1);
	if (kbpf_posix_host()->nr_cpus < FIRERS + 1)
		T_SKIP("needs %d possible CPUs", FIRERS + 1);
	live = kbpf_posix_live_allocs();
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
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
		int slot = r % 3;

		if (links[slot] >= 0)
			kbpf_posix_close((int)links[slot]);
		if (r % 2) {
			/* A fresh program whose only reference becomes the link. */
			long p = load_prog(map);

			if (p < 0)
				abort();
			links[slot] = open_link(p);
			kbpf_posix_close((int)p);
		} else {
			links[slot] = open_link(keep);
		}
		if (links[slot] < 0)
			abort();
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < FIRERS; i++)
		pthread_join(t[i], NULL);
	for (int i = 0; i < 3; i++)
		kbpf_posix_close((int)links[i]);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)&total;
	T_EQ(sys(BPF_MAP_LOOKUP_ELEM, &a), 0);
	printf("  %ld fires, %llu program runs, %d attach/detach rounds\n",
	       atomic_load(&fires), (unsigned long long)total / 2, ROUNDS);
	T_EQ(atomic_load(&failures), 0);
	T_ASSERT(total > 0);
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	kbpf_posix_close((int)keep);
	kbpf_posix_close((int)map);
	T_EQ(kbpf_posix_live_allocs(), live);
}
