// SPDX-License-Identifier: MIT
/*
 * Cgroup runners under concurrency (run under TSan in CI): threads on
 * their own virtual CPUs run a cgroup's effective device programs, as a
 * host's device hook would, while another thread attaches, detaches,
 * replaces and re-links programs at the cgroup and its ancestors through
 * bpf(2). Invariants: every run completes and allows (every program
 * returns 1), so no run ever sees a freed array or program; nothing leaks.
 * The cgroup tree is the test's own (R > A > B) behind the POSIX host's
 * table.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "insn.h"
#include "kbpf/cgroup.h"
#include "kbpf/state.h"
#include "kbpf/sys.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define READERS 3
#define ROUNDS 3000

enum { R, A, B, NR_CG };

struct fake_cg {
	struct fake_cg *parent;
	void *_Atomic bpf;
};

static struct fake_cg cgs[NR_CG];
static struct kbpf_state fake_state;
static struct kbpf_host fake;
static atomic_int stop;
static atomic_long runs, bad;

static int fake_get(const struct kbpf_host *h, int fd, void **cgrp)
{
	(void)h;
	if (fd < 1000 || fd >= 1000 + NR_CG)
		return -EBADF;
	*cgrp = &cgs[fd - 1000];
	return 0;
}

static void fake_put(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	(void)cgrp;
}

static void *fake_parent(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return ((struct fake_cg *)cgrp)->parent;
}

static void **fake_bpf(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return (void **)&((struct fake_cg *)cgrp)->bpf;
}

static long sys(int cmd, union bpf_attr *a)
{
	return kbpf_sys_bpf(&fake, cmd, a, sizeof(*a));
}

static void *reader(void *arg)
{
	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		unsigned long st = fake.read_lock(&fake);
		int r = kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_CHAR,
					    BPF_DEVCG_ACC_READ, 1, 3,
					    KBPF_INTERP_FAST,
					    (uint32_t)(uintptr_t)arg);

		fake.read_unlock(&fake, st);
		if (r)
			atomic_fetch_add(&bad, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

static long load(void)
{
	struct bpf_insn p[] = { I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
				I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = 2;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long attach_cmd(int cmd, int cg, long prog, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = 1000 + (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = cmd == BPF_PROG_ATTACH ? flags : 0;
	return sys(cmd, &a);
}

KBPF_TEST(
	cgroup_runs_concurrent,
	"device runs on 3 CPUs while bpf(2) attaches, detaches, links and updates programs on the cgroup and its ancestors: every run allows, nothing is freed under a run, nothing leaks")
{
	pthread_t t[READERS];
	long prog[4], link = -1, live;
	union bpf_attr a;

	kbpf_posix_set_nr_cpus(READERS + 1);
	if (kbpf_posix_host()->nr_cpus < READERS + 1)
		T_SKIP("needs %d possible CPUs", READERS + 1);
	live = kbpf_posix_live_allocs();
	fake = *kbpf_posix_host();
	memset(&fake_state, 0, sizeof(fake_state));
	fake.state = &fake_state;
	fake.cgroup_get = fake_get;
	fake.cgroup_put = fake_put;
	fake.cgroup_parent = fake_parent;
	fake.cgroup_bpf = fake_bpf;
	memset(cgs, 0, sizeof(cgs));
	cgs[A].parent = &cgs[R];
	cgs[B].parent = &cgs[A];
	for (int i = 0; i < 4; i++) {
		prog[i] = load();
		T_ASSERT(prog[i] >= 0);
	}
	for (uintptr_t i = 0; i < READERS; i++)
		pthread_create(&t[i], NULL, reader, (void *)(i + 1));
	kbpf_posix_set_cpu(0);
	for (int r = 0; r < ROUNDS; r++) {
		int cg = r % NR_CG, p = (r / 3) % 4;

		switch (r % 5) {
		case 0:
		case 1:
			attach_cmd(BPF_PROG_ATTACH, cg, prog[p],
				   BPF_F_ALLOW_MULTI);
			break;
		case 2:
			attach_cmd(BPF_PROG_DETACH, cg, prog[p], 0);
			break;
		case 3:
			if (link < 0) {
				memset(&a, 0, sizeof(a));
				a.link_create.prog_fd = (uint32_t)prog[p];
				a.link_create.target_fd = 1000 + (uint32_t)cg;
				a.link_create.attach_type = BPF_CGROUP_DEVICE;
				link = sys(BPF_LINK_CREATE, &a);
			} else {
				memset(&a, 0, sizeof(a));
				a.link_update.link_fd = (uint32_t)link;
				a.link_update.new_prog_fd = (uint32_t)prog[p];
				sys(BPF_LINK_UPDATE, &a);
			}
			break;
		default:
			if (link >= 0 && (r / 5) % 3 == 0) {
				kbpf_posix_close((int)link);
				link = -1;
			}
			break;
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	printf("  %ld runs, %ld refused\n", atomic_load(&runs),
	       atomic_load(&bad));
	T_EQ(atomic_load(&bad), 0);
	if (link >= 0)
		kbpf_posix_close((int)link);
	kbpf_cgroup_release(&fake, &cgs[B]);
	kbpf_cgroup_release(&fake, &cgs[A]);
	kbpf_cgroup_release(&fake, &cgs[R]);
	for (int i = 0; i < 4; i++)
		kbpf_posix_close((int)prog[i]);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
}
