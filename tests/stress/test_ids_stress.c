// SPDX-License-Identifier: MIT
/*
 * Ids, BPF_PROG_BIND_MAP and run statistics under concurrency (run under
 * TSan in CI). Runner threads, each on its own virtual CPU, test-run a
 * program in checked mode (which reads the program's used maps for every
 * map argument) with statistics on, while one thread binds new maps to it
 * and another creates and closes maps while walking the map ids and opening
 * fds by id (racing the last close: get-unless-zero under the registry
 * lock). Invariants: every run succeeds; run_cnt is the number of runs;
 * nr_map_ids is one plus the maps bound; an fd by id names the id asked
 * for; nothing leaks.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "core/compiler.h"
#include "insn.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define RUNNERS 2
#define RUNS 3000
#define BINDS 40

static atomic_int stop;
static atomic_long runs, bad;
static long prog_fd;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static long map_new(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return sys(BPF_MAP_CREATE, &a);
}

static uint32_t map_id(long fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return sys(BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static void *runner(void *arg)
{
	uint64_t ctx[1] = { 0 };
	union bpf_attr a;

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg %
			   kbpf_posix_possible_cpus());
	for (int i = 0; i < RUNS; i++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)prog_fd;
		a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
		a.test.ctx_size_in = sizeof(ctx);
		if (sys(BPF_PROG_TEST_RUN, &a) || a.test.retval != 0)
			atomic_fetch_add(&bad, 1);
		atomic_fetch_add(&runs, 1);
	}
	return NULL;
}

static void *binder(void *arg)
{
	long *maps = arg;
	union bpf_attr a;

	for (int i = 0; i < BINDS; i++) {
		memset(&a, 0, sizeof(a));
		a.prog_bind_map.prog_fd = (uint32_t)prog_fd;
		a.prog_bind_map.map_fd = (uint32_t)maps[i];
		if (sys(BPF_PROG_BIND_MAP, &a))
			atomic_fetch_add(&bad, 1);
	}
	return NULL;
}

static void *churner(void *arg)
{
	union bpf_attr a;

	(void)arg;
	while (!atomic_load(&stop)) {
		long m = map_new();
		uint32_t id = 0, next;

		if (m < 0) {
			atomic_fetch_add(&bad, 1);
			break;
		}
		/* Open by id every map id there is, as bpftool's list does. */
		for (;;) {
			long fd;

			memset(&a, 0, sizeof(a));
			a.start_id = id;
			if (sys(BPF_MAP_GET_NEXT_ID, &a))
				break;
			next = a.next_id;
			if (next <= id)
				atomic_fetch_add(&bad, 1);
			id = next;
			memset(&a, 0, sizeof(a));
			a.map_id = id;
			fd = sys(BPF_MAP_GET_FD_BY_ID, &a);
			if (fd >= 0) {
				if (map_id(fd) != id)
					atomic_fetch_add(&bad, 1);
				kbpf_posix_close((int)fd);
			} else if (fd != -ENOENT) {
				atomic_fetch_add(&bad, 1);
			}
		}
		kbpf_posix_close((int)m);
	}
	return NULL;
}

KBPF_TEST(
	ids_bind_stats_stress,
	"runs with statistics on while maps are bound to the program and map ids churn: every run succeeds and is counted, every bind shows, by-id fds name their id")
{
	const struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, 0),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct bpf_insn insns[KBPF_ARRAY_SIZE(p)];
	pthread_t t[RUNNERS + 2];
	long maps[BINDS], first, stats;
	struct bpf_prog_info info;
	union bpf_attr a;

	first = map_new();
	T_ASSERT(first >= 0);
	memcpy(insns, p, sizeof(p));
	insns[1].imm = (int32_t)first;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = KBPF_ARRAY_SIZE(insns);
	a.license = (uint64_t)(uintptr_t) "GPL";
	prog_fd = sys(BPF_PROG_LOAD, &a);
	T_ASSERT(prog_fd >= 0);
	for (int i = 0; i < BINDS; i++) {
		maps[i] = map_new();
		T_ASSERT(maps[i] >= 0);
	}
	memset(&a, 0, sizeof(a));
	a.enable_stats.type = BPF_STATS_RUN_TIME;
	stats = sys(BPF_ENABLE_STATS, &a);
	T_ASSERT(stats >= 0);
	for (int i = 0; i < RUNNERS; i++)
		T_EQ(pthread_create(&t[i], NULL, runner,
				    (void *)(uintptr_t)(i + 1)),
		     0);
	T_EQ(pthread_create(&t[RUNNERS], NULL, binder, maps), 0);
	T_EQ(pthread_create(&t[RUNNERS + 1], NULL, churner, NULL), 0);
	for (int i = 0; i <= RUNNERS; i++)
		pthread_join(t[i], NULL);
	atomic_store(&stop, 1);
	pthread_join(t[RUNNERS + 1], NULL);
	T_EQ(atomic_load(&bad), 0);
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)prog_fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	T_EQ(sys(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	T_EQ(info.run_cnt, (uint64_t)atomic_load(&runs));
	T_EQ(info.nr_map_ids, 1 + BINDS);
	kbpf_posix_close((int)stats);
	for (int i = 0; i < BINDS; i++)
		kbpf_posix_close((int)maps[i]);
	kbpf_posix_close((int)prog_fd);
	kbpf_posix_close((int)first);
}
