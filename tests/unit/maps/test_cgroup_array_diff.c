// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_CGROUP_ARRAY and bpf_current_task_under_cgroup against the
 * kernel: creation rules, the element commands with fds that are and are
 * not cgroups, and a program asking whether it runs under a cgroup, with a
 * cgroup2 hierarchy the test mounts (skipped where it cannot).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/compiler.h"
#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

KBPF_TEST(cgroup_array_create_vs_kernel,
	  "CGROUP_ARRAY creation rules as the kernel's")
{
	static const struct {
		uint32_t ks, vs, max, flags;
	} cases[] = {
		{ 4, 4, 4, 0 },
		{ 4, 8, 4, 0 },
		{ 8, 4, 4, 0 },
		{ 4, 4, 0, 0 },
		{ 4, 0, 4, 0 },
		{ 4, 4, 4, BPF_F_RDONLY_PROG },
		{ 4, 4, 4, BPF_F_WRONLY_PROG },
		{ 4, 4, 4, BPF_F_RDONLY },
		{ 4, 4, 4, BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_RDONLY | BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_MMAPABLE },
		{ 4, 4, 4, BPF_F_NUMA_NODE },
		{ 4, 4, 4, BPF_F_PRESERVE_ELEMS },
		{ 4, 4, 4, BPF_F_INNER_MAP },
		{ 4, 4, 4, BPF_F_NO_PREALLOC },
		{ 4, 4, 4, BPF_F_ZERO_SEED },
	};
	size_t i;

	NEED_KERNEL();
	for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
		long r[2];
		int s;

		for (s = 0; s < 2; s++)
			r[s] = side_create(s, BPF_MAP_TYPE_CGROUP_ARRAY,
					   cases[i].ks, cases[i].vs,
					   cases[i].max, cases[i].flags, 0,
					   NULL);
		if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
			T_FAIL("key %u value %u max %u flags %#x: kernel %ld, kbpf %ld",
			       cases[i].ks, cases[i].vs, cases[i].max,
			       cases[i].flags, r[0], r[1]);
		for (s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
}

/* r0 = bpf_current_task_under_cgroup(map, idx) */
static long load_under(int side, long map, int32_t idx)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, idx),
		I(BPF_JMP | BPF_CALL, 0, 0, 0,
		  BPF_FUNC_current_task_under_cgroup),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run(int side, long prog)
{
	uint64_t args[2] = { 0, 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return r ? r - 1000 : (long)(int32_t)a.test.retval;
}

KBPF_TEST(
	cgroup_array_elems_vs_kernel,
	"CGROUP_ARRAY elements and bpf_current_task_under_cgroup: fds that are not cgroups, flags, indices, and a mounted cgroup2 root and child, as the kernel")
{
	char dir[] = "/tmp/kbpf-cg2-XXXXXX", sub[64];
	int tmp = open("/tmp", O_RDONLY), root = -1, child = -1;
	long m[2], r[2];
	uint32_t k, v, out;
	bool mounted = false;
	int s, idx;

	NEED_KERNEL();
	for (s = 0; s < 2; s++) {
		m[s] = side_create(s, BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0, 0,
				   NULL);
		T_ASSERT(m[s] >= 0);
	}
#define BOTH(expr)                                                             \
	do {                                                                   \
		for (s = 0; s < 2; s++)                                        \
			r[s] = (expr);                                         \
		if (r[0] != r[1])                                              \
			T_FAIL("%s: kernel %ld, kbpf %ld", #expr, r[0], r[1]); \
	} while (0)
	k = 0;
	v = (uint32_t)tmp;
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	v = 999;
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, BPF_EXIST));
	k = 4;
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	k = 0;
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, m[s], &k, &out, 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
	k = 9;
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
	BOTH(side_next_key(s, m[s], NULL, &out));

	/* A cgroup2 hierarchy of our own: its root and a child. */
	if (mkdtemp(dir) && !mount("none", dir, "cgroup2", 0, NULL)) {
		mounted = true;
		snprintf(sub, sizeof(sub), "%s/kbpf", dir);
		if (!mkdir(sub, 0755)) {
			root = open(dir, O_RDONLY | O_DIRECTORY);
			child = open(sub, O_RDONLY | O_DIRECTORY);
		}
	}
	if (root >= 0 && child >= 0) {
		long p[2];

		k = 0;
		v = (uint32_t)root;
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
		k = 1;
		v = (uint32_t)child;
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
		for (idx = 0; idx < 5; idx++) {
			for (s = 0; s < 2; s++) {
				p[s] = load_under(s, m[s], idx == 4 ? 9 : idx);
				T_ASSERT(p[s] >= 0);
			}
			BOTH(run(s, p[s]));
			if (idx == 0)
				T_EQ(r[1], 1);
			if (idx == 1)
				T_EQ(r[1], 0);
			for (s = 0; s < 2; s++)
				side_close(s, p[s]);
		}
		k = 1;
		BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
		BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
	} else {
		printf("  no cgroup2 mount here: the cgroup part is skipped\n");
	}
	for (s = 0; s < 2; s++)
		side_close(s, m[s]);
	kbpf_posix_rcu_barrier();
	if (child >= 0)
		close(child);
	if (root >= 0)
		close(root);
	if (mounted) {
		/* The kernel drops its cgroup references a little later. */
		for (idx = 0; idx < 100 && rmdir(sub) && errno == EBUSY; idx++)
			usleep(20000);
		umount2(dir, MNT_DETACH);
	}
	rmdir(dir);
	close(tmp);
}
