// SPDX-License-Identifier: MIT
/*
 * Issue #12 ("Safe to expose"), through bpf(2) as a user would do it:
 * checked runs have one budget that callbacks, tail calls and helper
 * iterations share (nested bpf_loop and for_each_map_elem stop with
 * -ELOOP instead of running for days); map values do not use up the
 * region table (100 lookups, for_each over 10,000 elements give the
 * kernel's results); a ring buffer record the program never submits is
 * discarded at the end of the run, which fails, so the ring stays usable.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <time.h>

#include "core/map.h"
#include "core/prog.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/config.h"
#include "kbpf/uapi/btf.h"
#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, k) I(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADD(d, s) I(BPF_ALU64 | BPF_ADD | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define JEQK(d, k, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define JLTK(d, k, o) I(BPF_JMP | BPF_JLT | BPF_K, d, 0, o, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
/*
 * Two slots: a map fd, or the callback that starts after the @rel
 * instructions that follow the pair.
 */
#define LD_IMM64(d, src, k)                                          \
	do {                                                         \
		p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, d, src, 0, k); \
		p[n++] = I(0, 0, 0, 0, 0);                           \
	} while (0)
#define LD_MAP(d, fd) LD_IMM64(d, BPF_PSEUDO_MAP_FD, fd)
#define LD_FUNC(d, rel) LD_IMM64(d, BPF_PSEUDO_FUNC, (rel) + 1)

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * BTF for programs with callbacks (the kernel wants func_info for every
 * subprogram): int, a prototype int(void), and three static functions.
 */
static long side_btf(int side)
{
	static const char strs[] = "\0int\0f0\0f1\0f2";
	struct {
		struct btf_header h;
		uint32_t types[3 + 1 + 3 + 3 * 3];
		char strs[sizeof(strs)];
	} b;
	uint32_t *t = b.types;
	union bpf_attr a;

	memset(&b, 0, sizeof(b));
	b.h.magic = BTF_MAGIC;
	b.h.version = BTF_VERSION;
	b.h.hdr_len = sizeof(b.h);
	b.h.type_len = sizeof(b.types);
	b.h.str_off = sizeof(b.types);
	b.h.str_len = sizeof(strs);
	/* [1] int */
	*t++ = 1;
	*t++ = BTF_KIND_INT << 24;
	*t++ = 4;
	*t++ = BTF_INT_SIGNED << 24 | 32;
	/* [2] int (void) */
	*t++ = 0;
	*t++ = BTF_KIND_FUNC_PROTO << 24;
	*t++ = 1;
	/* [3] f0, [4] f1, [5] f2: static */
	for (uint32_t i = 0; i < 3; i++) {
		*t++ = 5 + 3 * i;
		*t++ = BTF_KIND_FUNC << 24;
		*t++ = 2;
	}
	memcpy(b.strs, strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&b;
	a.btf_size = (uint32_t)(sizeof(b.h) + sizeof(b.types) + sizeof(strs));
	return side_bpf(side, BPF_BTF_LOAD, &a);
}

/*
 * Load a SYSCALL program; @subs (up to 3, the first 0) are the
 * instruction offsets of its functions when it has callbacks.
 */
/*
 * Loads a program of @type with @flags: the tests use sleepable SYSCALL
 * programs (bpf_loop and friends run from BPF_PROG_TEST_RUN), and a raw
 * tracepoint program where a PROG_ARRAY is used (Linux refuses that map to
 * sleepable programs, and SYSCALL programs must be sleepable).
 */
static long side_load_type(int side, const struct bpf_insn *p, uint32_t n,
			   const uint32_t *subs, uint32_t nr_subs,
			   uint32_t type, uint32_t flags)
{
	static char log[65536];
	struct bpf_func_info fi[3];
	long btf = -1, r;
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.prog_flags = flags;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	/* kbpf's BPF_BTF_LOAD needs a host with BTF; it needs no func_info. */
	if (nr_subs && side == SIDE_KERNEL) {
		btf = side_btf(side);
		if (btf < 0) {
			printf("  %s BTF load: %ld\n", side ? "kbpf" : "kernel",
			       btf);
			return btf;
		}
		for (uint32_t i = 0; i < nr_subs; i++)
			fi[i] = (struct bpf_func_info){ .insn_off = subs[i],
							.type_id = 3 + i };
		a.prog_btf_fd = (uint32_t)btf;
		a.func_info = (uint64_t)(uintptr_t)fi;
		a.func_info_cnt = nr_subs;
		a.func_info_rec_size = sizeof(fi[0]);
	}
	r = side_bpf(side, BPF_PROG_LOAD, &a);
	if (r < 0) {
		/* Again, for the log. */
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		side_bpf(side, BPF_PROG_LOAD, &a);
		printf("  %s load: %ld\n%s\n", side ? "kbpf" : "kernel", r,
		       log);
	}
	side_close(side, btf);
	return r;
}

static long side_load_funcs(int side, const struct bpf_insn *p, uint32_t n,
			    const uint32_t *subs, uint32_t nr_subs)
{
	return side_load_type(side, p, n, subs, nr_subs, BPF_PROG_TYPE_SYSCALL,
			      BPF_F_SLEEPABLE);
}

static long side_load(int side, const struct bpf_insn *p, uint32_t n)
{
	return side_load_funcs(side, p, n, NULL, 0);
}

/* BPF_PROG_TEST_RUN with @ctx (copied back), the result or -errno. */
static long side_run(int side, long fd, uint64_t *ctx, size_t ctx_size,
		     uint32_t *ret)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	if (ctx_size) {
		a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
		a.test.ctx_size_in = (uint32_t)ctx_size;
	}
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

/*
 * Nested bpf_loop: the outer callback runs an inner bpf_loop whose
 * callback counts its invocations in the u64 its context points to: the
 * program's context (@on_stack 0), or a slot on the main stack that the
 * program returns (@on_stack 1; the kernel wants a stack pointer). @outer
 * and @inner are the loop counts.
 */
static uint32_t nested_loops(struct bpf_insn *p, int32_t outer, int32_t inner,
			     int on_stack)
{
	uint32_t n = 0;

	/* main: bpf_loop(outer, cb1, ctx, 0) */
	if (on_stack) {
		p[n++] = ST(BPF_DW, 10, -8, 0);
		p[n++] = MOV(3, 10);
		p[n++] = ADDK(3, -8);
	} else {
		p[n++] = MOV(3, 1);
	}
	p[n++] = MOVK(1, outer);
	LD_FUNC(2, on_stack ? 4 : 3); /* -> cb1 */
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_loop);
	if (on_stack)
		p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = EXIT;
	/* cb1(index, ctx): bpf_loop(inner, cb2, ctx, 0); return 0 */
	p[n++] = MOV(3, 2);
	p[n++] = MOVK(1, inner);
	LD_FUNC(2, 4); /* -> cb2 */
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_loop);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	/* cb2(index, ctx): ctx[0]++; return 0 */
	p[n++] = LDX(BPF_DW, 3, 2, 0);
	p[n++] = ADDK(3, 1);
	p[n++] = STX(BPF_DW, 2, 3, 0);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

/* Where nested_loops(..., 1)'s functions start. */
static const uint32_t nested_subs[3] = { 0, 10, 18 };

KBPF_TEST(
	nested_bpf_loop_stops,
	"two nested bpf_loop(1 << 23) (7e13 callbacks) stop with -ELOOP at the default budget (about 1 s native), and with a budget of 10^5 after fewer than 10^5 callbacks")
{
	struct bpf_insn p[32];
	uint32_t n = nested_loops(p, 1 << 23, 1 << 23, 0), ret;
	uint64_t ctx[1] = { 0 };
	long fd = side_load(SIDE_KBPF, p, n), r;
	struct kbpf_interp_args args = { 0 };
	struct kbpf_prog *prog;
	uint64_t r0;
	double t0;

	if (fd < 0)
		T_FAIL("load: %ld", fd);
	t0 = now_s();
	r = side_run(SIDE_KBPF, fd, ctx, sizeof(ctx), &ret);
	printf("  bpf(2) test run: %.2f s, result %ld\n", now_s() - t0, r);
	T_EQ(r, -ELOOP);
	/* The bound: with a budget of 100000, fewer inner callbacks ran. */
	prog = (struct kbpf_prog *)kbpf_posix_fd_obj((int)fd);
	T_ASSERT(prog != NULL);
	args.ctx = ctx;
	args.ctx_size = sizeof(ctx);
	args.ctx_writable = true;
	args.mode = KBPF_INTERP_CHECKED;
	args.budget = 100000;
	ctx[0] = 0;
	r = kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0);
	printf("  budget 100000: %llu inner callbacks, result %ld\n",
	       (unsigned long long)ctx[0], r);
	kbpf_prog_put(prog);
	T_EQ(r, -KBPF_ELOOP);
	T_ASSERT(ctx[0] > 0 && ctx[0] < 100000);
	side_close(SIDE_KBPF, fd);
}

KBPF_TEST(
	nested_bpf_loop_within_budget_diff,
	"nested bpf_loop that stays within the budget gives the kernel's result")
{
	struct bpf_insn p[32];
	uint32_t n = nested_loops(p, 300, 200, 1), ret[2];
	long fd[2], r[2];

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		fd[s] = side_load_funcs(s, p, n, nested_subs, 3);
		T_ASSERT(fd[s] >= 0);
		r[s] = side_run(s, fd[s], NULL, 0, &ret[s]);
	}
	T_EQ(r[0], 0);
	T_EQ(r[1], 0);
	T_EQ(ret[1], ret[0]);
	T_EQ(ret[1], 60000);
	for (int s = 0; s < 2; s++)
		side_close(s, fd[s]);
}

/*
 * for_each_map_elem(@map_fd) with a callback that adds each u64 value to
 * the u64 at the callback context; run once from main (@in_loop 0: return
 * the count plus the sum) or from a bpf_loop(1 << 23) callback (@in_loop
 * 1, the context being the program's, counting elements in ctx[0]).
 */
static uint32_t for_each_prog(struct bpf_insn *p, int map_fd, int in_loop)
{
	uint32_t n = 0;

	if (in_loop) {
		p[n++] = MOV(3, 1);
		p[n++] = MOVK(1, 1 << 23);
		LD_FUNC(2, 3); /* -> cb1 */
		p[n++] = MOVK(4, 0);
		p[n++] = CALL(BPF_FUNC_loop);
		p[n++] = EXIT;
		/* cb1(index, ctx): for_each(map, cb2, ctx, 0); return 0 */
		p[n++] = MOV(3, 2);
		LD_MAP(1, map_fd);
		LD_FUNC(2, 4); /* -> cb2 */
		p[n++] = MOVK(4, 0);
		p[n++] = CALL(BPF_FUNC_for_each_map_elem);
		p[n++] = MOVK(0, 0);
		p[n++] = EXIT;
	} else {
		p[n++] = ST(BPF_DW, 10, -8, 0);
		p[n++] = MOV(3, 10);
		p[n++] = ADDK(3, -8);
		LD_MAP(1, map_fd);
		LD_FUNC(2, 5); /* -> cb2 */
		p[n++] = MOVK(4, 0);
		p[n++] = CALL(BPF_FUNC_for_each_map_elem);
		p[n++] = LDX(BPF_DW, 1, 10, -8);
		p[n++] = ADD(0, 1);
		p[n++] = EXIT;
	}
	/* cb2(map, key, value, ctx): *ctx += *value; return 0 */
	p[n++] = LDX(BPF_DW, 1, 3, 0);
	p[n++] = LDX(BPF_DW, 2, 4, 0);
	p[n++] = ADD(2, 1);
	p[n++] = STX(BPF_DW, 4, 2, 0);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

/*
 * A map of @type with u32 keys 0..@nr-1 holding u64 values 3 * key (on
 * every CPU for per-CPU maps).
 */
static long make_map(int side, uint32_t type, uint32_t nr, uint32_t flags)
{
	long fd = side_create(side, type, 4, 8, nr, flags, 0, NULL);

	for (uint32_t k = 0; fd >= 0 && k < nr; k++) {
		uint64_t v[1024];

		for (size_t c = 0; c < 1024; c++)
			v[c] = 3ull * k;
		if (side_elem(side, BPF_MAP_UPDATE_ELEM, fd, &k, v, 0)) {
			side_close(side, fd);
			return -1;
		}
	}
	return fd;
}

KBPF_TEST(
	for_each_in_bpf_loop_stops,
	"for_each_map_elem over 10,000 elements in every bpf_loop(1 << 23) iteration stops with -ELOOP: each element visited spends the run's budget")
{
	struct bpf_insn p[40];
	long map = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 10000, 0, 0,
			       NULL),
	     fd, r;
	struct kbpf_interp_args args = { 0 };
	struct kbpf_prog *prog;
	uint64_t ctx[1] = { 0 }, one = 1, r0;

	T_ASSERT(map >= 0);
	/* Every value 1: the callbacks' sum counts the elements visited. */
	for (uint32_t k = 0; k < 10000; k++)
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, map, &k, &one,
			       0),
		     0);
	fd = side_load(SIDE_KBPF, p, for_each_prog(p, (int)map, 1));
	T_ASSERT(fd >= 0);
	prog = (struct kbpf_prog *)kbpf_posix_fd_obj((int)fd);
	T_ASSERT(prog != NULL);
	args.ctx = ctx;
	args.ctx_size = sizeof(ctx);
	args.ctx_writable = true;
	args.mode = KBPF_INTERP_CHECKED;
	args.budget = 1000000;
	r = kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0);
	printf("  budget 10^6: %llu elements visited, result %ld\n",
	       (unsigned long long)ctx[0], r);
	kbpf_prog_put(prog);
	T_EQ(r, -KBPF_ELOOP);
	/* One unit per element plus the callback's 6 instructions. */
	T_ASSERT(ctx[0] > 10000 && ctx[0] <= 1000000 / 7);
	side_close(SIDE_KBPF, fd);
	side_close(SIDE_KBPF, map);
}

static const uint32_t for_each_subs[2] = { 0, 12 };

KBPF_TEST(
	for_each_many_elements_diff,
	"for_each_map_elem over 100 and 10,000 array and hash elements visits them all, as the kernel")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_LRU_HASH };
	static const uint32_t sizes[] = { 100, 10000 };
	struct bpf_insn p[40];
	cpu_set_t old, one;

	NEED_KERNEL();
	/*
	 * A full LRU hash evicts from the free lists of the CPU the updates
	 * run on: stay on one CPU, or the kernel's evictions (and sum) vary.
	 */
	T_EQ(sched_getaffinity(0, sizeof(old), &old), 0);
	CPU_ZERO(&one);
	CPU_SET(0, &one);
	T_EQ(sched_setaffinity(0, sizeof(one), &one), 0);
	for (size_t t = 0; t < 3; t++) {
		for (size_t z = 0; z < 2; z++) {
			long map[2], fd[2], r[2];
			uint32_t ret[2];

			for (int s = 0; s < 2; s++) {
				map[s] = make_map(s, types[t], sizes[z], 0);
				T_ASSERT(map[s] >= 0);
				fd[s] = side_load_funcs(
					s, p, for_each_prog(p, (int)map[s], 0),
					for_each_subs, 2);
				T_ASSERT(fd[s] >= 0);
				r[s] = side_run(s, fd[s], NULL, 0, &ret[s]);
			}
			if (r[0] || r[1] || ret[0] != ret[1])
				T_FAIL("type %u, %u elements: kernel %ld ret %u, kbpf %ld ret %u",
				       types[t], sizes[z], r[0], ret[0], r[1],
				       ret[1]);
			/*
			 * count + 3 * (0 + ... + nr - 1); a full LRU hash
			 * has evicted some (the same ones as the kernel).
			 */
			if (types[t] != BPF_MAP_TYPE_LRU_HASH)
				T_EQ(ret[1], sizes[z] + 3ull * sizes[z] *
								(sizes[z] - 1) /
								2);
			for (int s = 0; s < 2; s++) {
				side_close(s, fd[s]);
				side_close(s, map[s]);
			}
		}
	}
	sched_setaffinity(0, sizeof(old), &old);
}

/* Look up keys 0..@nr-1 of @map_fd one by one; return the values' sum. */
static uint32_t lookups_prog(struct bpf_insn *p, int map_fd, int32_t nr)
{
	uint32_t n = 0;

	p[n++] = MOVK(7, 0);
	p[n++] = MOVK(8, 0);
	/* loop: */
	p[n++] = STX(BPF_W, 10, 7, -4);
	LD_MAP(1, map_fd);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = JEQK(0, 0, 2);
	p[n++] = LDX(BPF_DW, 1, 0, 0);
	p[n++] = ADD(8, 1);
	p[n++] = ADDK(7, 1);
	p[n++] = JLTK(7, nr, -11); /* -> loop */
	p[n++] = MOV(0, 8);
	p[n++] = EXIT;
	return n;
}

KBPF_TEST(
	distinct_lookups_diff,
	"100 distinct map-value lookups in one run (array, hash, LRU hash, per-CPU hash, LRU per-CPU hash) give the kernel's result")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_LRU_HASH,
					  BPF_MAP_TYPE_PERCPU_HASH,
					  BPF_MAP_TYPE_LRU_PERCPU_HASH };
	struct bpf_insn p[32];

	NEED_KERNEL();
	for (size_t t = 0; t < 5; t++) {
		long map[2] = { -1, -1 }, fd[2] = { -1, -1 }, r[2];
		uint32_t ret[2];

		for (int s = 0; s < 2; s++) {
			map[s] = make_map(s, types[t], 100, 0);
			T_ASSERT(map[s] >= 0);
			fd[s] = side_load(s, p,
					  lookups_prog(p, (int)map[s], 100));
			T_ASSERT(fd[s] >= 0);
			r[s] = side_run(s, fd[s], NULL, 0, &ret[s]);
		}
		if (r[0] || r[1] || ret[0] != ret[1])
			T_FAIL("type %u: kernel %ld ret %u, kbpf %ld ret %u",
			       types[t], r[0], ret[0], r[1], ret[1]);
		T_EQ(ret[1], 3 * 99 * 100 / 2);
		for (int s = 0; s < 2; s++) {
			side_close(s, fd[s]);
			side_close(s, map[s]);
		}
	}
}

KBPF_TEST(
	map_value_area_bounds,
	"a pointer into an array's or hash map's storage reaches only value bytes: not past a value, not element headers or keys")
{
	/* ctx[0]: key; ctx[1]: offset added to the value pointer. */
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY,
					  BPF_MAP_TYPE_HASH };
	struct bpf_insn p[32];

	for (size_t t = 0; t < 2; t++) {
		long map = make_map(SIDE_KBPF, types[t], 16, 0), fd;
		uint32_t n = 0, ret;

		T_ASSERT(map >= 0);
		p[n++] = MOV(6, 1);
		p[n++] = LDX(BPF_W, 2, 6, 0);
		p[n++] = STX(BPF_W, 10, 2, -4);
		LD_MAP(1, (int)map);
		p[n++] = MOV(2, 10);
		p[n++] = ADDK(2, -4);
		p[n++] = CALL(BPF_FUNC_map_lookup_elem);
		p[n++] = JEQK(0, 0, 4);
		p[n++] = LDX(BPF_DW, 1, 6, 8);
		p[n++] = ADD(0, 1);
		p[n++] = LDX(BPF_B, 0, 0, 0);
		p[n++] = EXIT;
		p[n++] = MOVK(0, 0);
		p[n++] = EXIT;
		fd = side_load(SIDE_KBPF, p, n);
		T_ASSERT(fd >= 0);
		for (int64_t off = -64; off <= 96; off++) {
			uint64_t ctx[2] = { 5, (uint64_t)off };
			long r =
				side_run(SIDE_KBPF, fd, ctx, sizeof(ctx), &ret);
			int ok;

			if (types[t] == BPF_MAP_TYPE_ARRAY) {
				/* Values back to back: 16 of them, key 5's at 40. */
				ok = off >= -40 && off < 88;
			} else {
				/*
				 * The value's own 8 bytes; not its key before
				 * it, nor the next element's header after it.
				 */
				if (off >= -24 && off < 0)
					ok = 0;
				else if (off >= 0 && off < 8)
					ok = 1;
				else if (off >= 8 && off < 24)
					ok = 0;
				else
					continue;
			}
			if (ok ? r != 0 : r != -EFAULT)
				T_FAIL("type %u offset %lld: %ld", types[t],
				       (long long)off, r);
		}
		side_close(SIDE_KBPF, fd);
		side_close(SIDE_KBPF, map);
	}
}

/*
 * op: ctx[0] 0: reserve 8 bytes and keep them (leak); 1: reserve, write
 * ctx[1], submit; 2: ringbuf_output of ctx[1]; 3: reserve through a dynptr
 * and keep it (leak). Returns the helper's result.
 */
static uint32_t ringbuf_prog(struct bpf_insn *p, int map_fd, int op)
{
	uint32_t n = 0;

	p[n++] = MOV(6, 1);
	LD_MAP(1, map_fd);
	if (op == 2) {
		p[n++] = LDX(BPF_DW, 2, 6, 8);
		p[n++] = STX(BPF_DW, 10, 2, -8);
		p[n++] = MOV(2, 10);
		p[n++] = ADDK(2, -8);
		p[n++] = MOVK(3, 8);
		p[n++] = MOVK(4, 0);
		p[n++] = CALL(BPF_FUNC_ringbuf_output);
		p[n++] = EXIT;
		return n;
	}
	if (op == 3) {
		p[n++] = MOVK(2, 8);
		p[n++] = MOVK(3, 0);
		p[n++] = MOV(4, 10);
		p[n++] = ADDK(4, -16);
		p[n++] = CALL(BPF_FUNC_ringbuf_reserve_dynptr);
		p[n++] = EXIT;
		return n;
	}
	p[n++] = MOVK(2, 8);
	p[n++] = MOVK(3, 0);
	p[n++] = CALL(BPF_FUNC_ringbuf_reserve);
	p[n++] = JEQK(0, 0, op == 0 ? 2 : 5);
	p[n++] = LDX(BPF_DW, 1, 6, 8);
	p[n++] = STX(BPF_DW, 0, 1, 0);
	if (op == 1) {
		p[n++] = MOV(1, 0);
		p[n++] = MOVK(2, 0);
		p[n++] = CALL(BPF_FUNC_ringbuf_submit);
	}
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

struct seen {
	int n;
	uint64_t last;
};

static int seen_cb(void *ctx, const void *data, uint32_t size)
{
	struct seen *s = ctx;

	s->n++;
	if (size == 8)
		memcpy(&s->last, data, 8);
	return 0;
}

KBPF_TEST(
	ringbuf_leak_released,
	"a reservation the program never submits is discarded at the end of the run, which fails with -EINVAL; 1000 such runs leave the ring usable")
{
	struct bpf_insn p[4][32];
	long map, fd[4];
	struct kbpf_map *m;
	int s;

	map = side_create(SIDE_KBPF, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0,
			  NULL);
	T_ASSERT(map >= 0);
	m = (struct kbpf_map *)kbpf_posix_fd_obj((int)map);
	T_ASSERT(m != NULL);
	for (int op = 0; op < 4; op++) {
		uint32_t n = ringbuf_prog(p[op], (int)map, op);

		fd[op] = side_load(SIDE_KBPF, p[op], n);
		T_ASSERT(fd[op] >= 0);
	}
	for (int i = 0; i < 1000; i++) {
		uint64_t ctx[2] = { 0, 1000 + (uint64_t)i };
		uint32_t ret;
		long r = side_run(SIDE_KBPF, fd[i % 2 ? 3 : 0], ctx,
				  sizeof(ctx), &ret);

		if (r != -EINVAL)
			T_FAIL("leaking run %d: %ld, not -EINVAL", i, r);
		/* Submitted records still get through between leaks. */
		if (i % 100 == 99) {
			struct seen sn = { 0, 0 };

			ctx[1] = (uint64_t)i;
			T_EQ(side_run(SIDE_KBPF, fd[1], ctx, sizeof(ctx), &ret),
			     0);
			T_EQ(ret, 0);
			T_EQ(kbpf_ringbuf_consume(m, seen_cb, &sn), 1);
			T_EQ(sn.n, 1);
			T_EQ(sn.last, (uint64_t)i);
		}
	}
	/* The ring is usable: an output fits, and is all the consumer sees. */
	{
		uint64_t ctx[2] = { 0, 4242 };
		struct seen sn = { 0, 0 };
		uint32_t ret;

		T_EQ(side_run(SIDE_KBPF, fd[2], ctx, sizeof(ctx), &ret), 0);
		T_EQ(ret, 0);
		T_EQ(kbpf_ringbuf_consume(m, seen_cb, &sn), 1);
		T_EQ(sn.n, 1);
		T_EQ(sn.last, 4242);
		T_EQ(kbpf_ringbuf_query(m, BPF_RB_AVAIL_DATA), 0);
	}
	kbpf_map_put(m);
	for (s = 0; s < 4; s++)
		side_close(SIDE_KBPF, fd[s]);
	side_close(SIDE_KBPF, map);
}

KBPF_TEST(
	ringbuf_leak_kernel_refuses,
	"the kernel's verifier refuses the leaking programs (the oracle for the -EINVAL)")
{
	struct bpf_insn p[32];
	long map, fd;

	NEED_KERNEL();
	map = side_create(SIDE_KERNEL, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0,
			  NULL);
	T_ASSERT(map >= 0);
	for (int op = 0; op < 4; op++) {
		fd = side_load(SIDE_KERNEL, p, ringbuf_prog(p, (int)map, op));
		if (op == 0 || op == 3)
			T_EQ(fd, -EINVAL);
		else
			T_ASSERT(fd >= 0);
		side_close(SIDE_KERNEL, fd);
	}
	side_close(SIDE_KERNEL, map);
}

KBPF_TEST(
	budget_counts_instructions,
	"the checked budget counts the instructions a run executes: a 2002-instruction loop runs with a budget of 2002 and stops with -ELOOP at 2001")
{
	struct bpf_insn p[] = {
		MOVK(0, 0),
		ADDK(0, 1),
		JLTK(0, 1000, -2),
		EXIT,
	};
	struct kbpf_interp_args args = { 0 };
	struct kbpf_prog *prog;
	long fd = side_load(SIDE_KBPF, p, 4);
	uint64_t r0 = 0;

	T_ASSERT(fd >= 0);
	prog = (struct kbpf_prog *)kbpf_posix_fd_obj((int)fd);
	T_ASSERT(prog != NULL);
	args.mode = KBPF_INTERP_CHECKED;
	/* Stretches 0-2, 998 times 1-2, then 1-3: 3 + 998 * 2 + 3 slots. */
	args.budget = 2002;
	T_EQ(kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0), 0);
	T_EQ(r0, 1000);
	args.budget = 2001;
	T_EQ(kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0), -KBPF_ELOOP);
	/* Fast mode has no budget. */
	args.mode = KBPF_INTERP_FAST;
	args.budget = 1;
	T_EQ(kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0), 0);
	T_EQ(r0, 1000);
	kbpf_prog_put(prog);
	side_close(SIDE_KBPF, fd);
}

KBPF_TEST(
	endless_loop_stops,
	"an endless loop run through bpf(2) stops with -ELOOP after the default budget (0.3 s native)")
{
	struct bpf_insn p[] = {
		MOVK(0, 0),
		ADDK(0, 1),
		I(BPF_JMP | BPF_JA, 0, 0, -2, 0),
		EXIT,
	};
	long fd = side_load(SIDE_KBPF, p, 4), r;
	uint32_t ret;
	double t0;

	T_ASSERT(fd >= 0);
	t0 = now_s();
	r = side_run(SIDE_KBPF, fd, NULL, 0, &ret);
	printf("  %.2f s for %llu instructions, result %ld\n", now_s() - t0,
	       (unsigned long long)KBPF_CHECKED_INSN_BUDGET, r);
	T_EQ(r, -ELOOP);
	side_close(SIDE_KBPF, fd);
}

KBPF_TEST(
	ringbuf_leak_across_tail_call,
	"a reservation held across a tail call is discarded and the run fails with -EINVAL (Linux refuses the program); the ring stays usable")
{
	struct bpf_insn a[16], b[] = { MOVK(0, 7), EXIT };
	long rb, pa, fa, fb, r;
	struct kbpf_map *m;
	struct seen sn = { 0, 0 };
	uint32_t n = 0, k = 0, v, ret;

	rb = side_create(SIDE_KBPF, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0,
			 NULL);
	pa = side_create(SIDE_KBPF, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0,
			 NULL);
	T_ASSERT(rb >= 0 && pa >= 0);
	{
		struct bpf_insn *p = a;

		p[n++] = MOV(6, 1);
		LD_MAP(1, (int)rb);
		p[n++] = MOVK(2, 8);
		p[n++] = MOVK(3, 0);
		p[n++] = CALL(BPF_FUNC_ringbuf_reserve);
		p[n++] = JEQK(0, 0, 5);
		p[n++] = MOV(1, 6);
		LD_MAP(2, (int)pa);
		p[n++] = MOVK(3, 0);
		p[n++] = CALL(BPF_FUNC_tail_call);
		p[n++] = MOVK(0, 0);
		p[n++] = EXIT;
	}
	fa = side_load_type(SIDE_KBPF, a, n, NULL, 0,
			    BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
	fb = side_load_type(SIDE_KBPF, b, 2, NULL, 0,
			    BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
	T_ASSERT(fa >= 0 && fb >= 0);
	v = (uint32_t)fb;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, pa, &k, &v, 0), 0);
	m = (struct kbpf_map *)kbpf_posix_fd_obj((int)rb);
	T_ASSERT(m != NULL);
	for (int i = 0; i < 300; i++) {
		r = side_run(SIDE_KBPF, fa, NULL, 0, &ret);
		if (r != -EINVAL) {
			kbpf_map_put(m);
			T_FAIL("run %d: %ld, not -EINVAL", i, r);
		}
		/* Discarded records only wait for the consumer to skip them. */
		if (i % 100 == 99) {
			long c = kbpf_ringbuf_consume(m, seen_cb, &sn);

			if (c != 0 || sn.n != 0) {
				kbpf_map_put(m);
				T_FAIL("consumer saw %ld records", c);
			}
		}
	}
	T_EQ(kbpf_ringbuf_output(m, "12345678", 8, 0), 0);
	T_EQ(kbpf_ringbuf_consume(m, seen_cb, &sn), 1);
	T_EQ(sn.n, 1);
	kbpf_map_put(m);
	side_close(SIDE_KBPF, fa);
	side_close(SIDE_KBPF, fb);
	side_close(SIDE_KBPF, pa);
	side_close(SIDE_KBPF, rb);
}

KBPF_TEST(
	callback_regions_end_with_callback,
	"a key pointer a for_each_map_elem callback leaves behind is refused (-EFAULT) once the callback has returned; a value pointer stays valid (the map's value storage, held for the run)")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY,
					  BPF_MAP_TYPE_HASH };
	struct bpf_insn p[24];

	for (size_t t = 0; t < 2; t++) {
		for (int reg = 2; reg <= 3; reg++) { /* key, value */
			long map = make_map(SIDE_KBPF, types[t], 4, 0), fd, r;
			uint32_t n = 0, ret;

			T_ASSERT(map >= 0);
			p[n++] = ST(BPF_DW, 10, -8, 0);
			p[n++] = MOV(3, 10);
			p[n++] = ADDK(3, -8);
			LD_MAP(1, (int)map);
			LD_FUNC(2, 5); /* -> cb */
			p[n++] = MOVK(4, 0);
			p[n++] = CALL(BPF_FUNC_for_each_map_elem);
			p[n++] = LDX(BPF_DW, 1, 10, -8);
			p[n++] = LDX(BPF_W, 0, 1, 0);
			p[n++] = EXIT;
			/* cb(map, key, value, ctx): *ctx = key or value; stop */
			p[n++] = STX(BPF_DW, 4, reg, 0);
			p[n++] = MOVK(0, 1);
			p[n++] = EXIT;
			fd = side_load(SIDE_KBPF, p, n);
			T_ASSERT(fd >= 0);
			r = side_run(SIDE_KBPF, fd, NULL, 0, &ret);
			side_close(SIDE_KBPF, fd);
			side_close(SIDE_KBPF, map);
			if (r != (reg == 2 ? -EFAULT : 0))
				T_FAIL("type %u, %s: %ld", types[t],
				       reg == 2 ? "key" : "value", r);
		}
	}
}
