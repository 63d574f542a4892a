// SPDX-License-Identifier: MIT
/*
 * No per-run region limit a legal program can hit (issue #12 item 8).
 * Checked mode tracks each map value a helper hands out as a region unless
 * the map describes its value storage as one area; past the run's own
 * table (KBPF_INTERP_MAX_REGIONS) the table moves to host memory. An XDP
 * program that looks up 200 distinct keys of one map in one run, reading
 * and writing each value, gives the kernel's result for every map type
 * that has lookups, those without a value area included
 * (BPF_F_NO_PREALLOC hashes, LPM_TRIE; PERCPU_ARRAY has one since its
 * values on the running CPU became one area).
 */
#include <errno.h>
#include <stdlib.h>

#include "core/compiler.h"
#include "core/prog.h"
#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define N 200

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define LD_MAP(d, fd) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd)

/*
 * for i in 0..N-1: v = lookup(i) (LPM: the /32 prefix i); fail with -1 if
 * missing; sum += *v; *v += 1. Returns sum.
 */
static uint32_t prog_n(struct bpf_insn *p, int fd, bool lpm, int32_t nr)
{
	uint32_t n = 0;

	p[n++] = MOVK(6, 0);
	p[n++] = MOVK(7, 0);
	/* loop: */
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 32); /* prefixlen */
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 6, -4, 0);
	p[n++] = LD_MAP(1, fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, lpm ? -8 : -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = MOVK(0, -1);
	p[n++] = EXIT;
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_X, 7, 1, 0, 0);
	p[n++] = ADDK(1, 1);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0);
	p[n++] = ADDK(6, 1);
	/* Back to instruction 2: off = 2 - (n + 1). */
	p[n] = I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, (int16_t)(1 - (int)n), nr);
	n++;
	p[n++] = MOV(0, 7);
	p[n++] = EXIT;
	return n;
}

static uint32_t prog(struct bpf_insn *p, int fd, bool lpm)
{
	return prog_n(p, fd, lpm, N);
}

static long load(int side, const struct bpf_insn *p, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run(int side, long fd, uint32_t *ret)
{
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

KBPF_TEST(
	regions_200_lookups,
	"200 distinct lookups in one checked run, reading and writing each value, give the kernel's result in every map type with lookups: no -E2BIG")
{
	static const struct {
		uint32_t type, flags;
		const char *name;
	} maps[] = {
		{ BPF_MAP_TYPE_ARRAY, 0, "ARRAY" },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 0, "PERCPU_ARRAY" },
		{ BPF_MAP_TYPE_HASH, 0, "HASH" },
		{ BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, "HASH no_prealloc" },
		{ BPF_MAP_TYPE_PERCPU_HASH, 0, "PERCPU_HASH" },
		{ BPF_MAP_TYPE_PERCPU_HASH, BPF_F_NO_PREALLOC,
		  "PERCPU_HASH no_prealloc" },
		{ BPF_MAP_TYPE_LRU_HASH, 0, "LRU_HASH" },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 0, "LRU_PERCPU_HASH" },
		{ BPF_MAP_TYPE_LPM_TRIE, BPF_F_NO_PREALLOC, "LPM_TRIE" },
	};
	uint32_t ncpu = kbpf_posix_host()->nr_cpus;
	struct bpf_insn p[32];
	uint64_t *val;

	NEED_KERNEL();
	val = calloc(ncpu, sizeof(uint64_t));
	T_ASSERT(val);
	for (size_t m = 0; m < KBPF_ARRAY_SIZE(maps); m++) {
		bool lpm = maps[m].type == BPF_MAP_TYPE_LPM_TRIE;
		uint32_t ret[2] = { 0, 0 }, n;
		long map[2], fd[2], r[2];

		for (int s = 0; s < 2; s++) {
			/* LRU: room so that no fill evicts another key. */
			uint32_t max =
				maps[m].type == BPF_MAP_TYPE_LRU_HASH ||
						maps[m].type ==
							BPF_MAP_TYPE_LRU_PERCPU_HASH ?
					N * 4 * ncpu :
					N;

			map[s] = side_create(s, maps[m].type, lpm ? 8 : 4, 8,
					     max, maps[m].flags, 0, NULL);
			T_ASSERT(map[s] >= 0);
			for (uint32_t i = 0; i < N; i++) {
				uint32_t key[2] = { lpm ? 32 : i, i };

				for (uint32_t c = 0; c < ncpu; c++)
					val[c] = i + 1;
				T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s],
					       lpm ? (void *)key : (void *)&i,
					       val, 0),
				     0);
			}
			n = prog(p, (int)map[s], lpm);
			fd[s] = load(s, p, n);
			T_ASSERT(fd[s] >= 0);
			r[s] = run(s, fd[s], &ret[s]);
		}
		printf("  %-24s kernel %ld ret %u, kbpf %ld ret %u\n",
		       maps[m].name, r[0], ret[0], r[1], ret[1]);
		T_EQ(r[1], r[0]);
		T_EQ(ret[1], ret[0]);
		T_EQ(ret[1], N * (N + 1) / 2);
		for (int s = 0; s < 2; s++) {
			side_close(s, fd[s]);
			side_close(s, map[s]);
		}
	}
	free(val);
}

/*
 * Every lookup of a distinct key in a BPF_F_NO_PREALLOC hash adds a region,
 * and checked mode scans the table linearly at each access and push: 4000
 * lookups in one run do about 16 million region comparisons for 64000
 * instructions. The scans past the inline table are charged to the budget
 * (a unit per KBPF_INTERP_MAX_REGIONS regions), so that a budget still
 * bounds a run's work: the run stops with -ELOOP at a budget of 150000,
 * which its instructions alone would not use up, and completes at 10^6.
 */
KBPF_TEST(
	regions_scan_charged,
	"4000 distinct lookups in one checked run: the region scans count against the budget (-ELOOP at 150000, done at 10^6)")
{
	const uint32_t nr = 4000;
	struct kbpf_interp_args args = { 0 };
	struct kbpf_prog *pr;
	struct bpf_insn p[32];
	uint64_t one = 1, r0 = 0;
	int big, small;
	long map, fd;
	uint32_t n;

	map = side_create(SIDE_KBPF, BPF_MAP_TYPE_HASH, 4, 8, nr,
			  BPF_F_NO_PREALLOC, 0, NULL);
	T_ASSERT(map >= 0);
	for (uint32_t i = 0; i < nr; i++)
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &i, &one,
			       0),
		     0);
	n = prog_n(p, (int)map, false, (int32_t)nr);
	fd = load(SIDE_KBPF, p, n);
	T_ASSERT(fd >= 0);
	pr = (struct kbpf_prog *)kbpf_posix_fd_obj((int)fd);
	T_ASSERT(pr != NULL);
	args.ctx_type = BPF_PROG_TYPE_XDP;
	args.mode = KBPF_INTERP_CHECKED;
	args.budget = 1000000;
	big = kbpf_interp_run(pr, kbpf_posix_host(), &args, &r0);
	args.budget = 150000;
	small = kbpf_interp_run(pr, kbpf_posix_host(), &args, &(uint64_t){ 0 });
	kbpf_prog_put(pr);
	T_EQ(big, 0);
	T_EQ(r0, nr); /* each value was 1 */
	T_EQ(small, -KBPF_ELOOP);
	side_close(SIDE_KBPF, fd);
	side_close(SIDE_KBPF, map);
}
