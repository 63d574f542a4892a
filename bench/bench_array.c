// SPDX-License-Identifier: MIT
/*
 * ARRAY and PERCPU_ARRAY from the program path: the same BPF program (64
 * lookups or updates per run, counting its successes into its return
 * value) on the kernel through bpf(2) and on kbpf through kbpf_posix_bpf()
 * with the verifier ENFORCE (proven, so kbpf's BPF_PROG_TEST_RUN runs the
 * native code; a program kbpf does not prove is not timed), run with
 * BPF_PROG_TEST_RUN and repeat, minus the same loop without the map call,
 * each run checked to report 64 successes. The kernel's time is its
 * test-run duration, kbpf's the thread's CPU time; rounds of the two
 * interleaved (KBPF_BENCH_ROUNDS, default 5), printed as median
 * (least-greatest). Beside it, labelled as not the program path: kbpf's
 * kbpf_map_* C calls. All measured in the same run.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/map.h"
#include "core/object.h"
#include "core/priv.h"
#include "core/prog.h"
#include "kbpf/interp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define OPS 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

static long kbpf_bpf(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

/* The thread's CPU time (bench_hash.c says why). */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * kbpf's BPF_PROG_TEST_RUN, its duration the thread's CPU time per run
 * (the POSIX host reports the wall clock; the kernel's timer stops while
 * its task reschedules).
 */
static long kbpf_run_bpf(int cmd, union bpf_attr *a)
{
	uint64_t t0 = cpu_ns();
	long r = kbpf_bpf(cmd, a);

	if (cmd == BPF_PROG_TEST_RUN && !r)
		a->test.duration =
			(uint32_t)((cpu_ns() - t0) /
				   (a->test.repeat ? a->test.repeat : 1));
	return r;
}

/* Proven by kbpf's verifier and native: its test run is not checked. */
static bool kbpf_native(int fd)
{
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	bool ok;

	if (kbpf_obj_fd_get(kbpf_posix_host(), fd, KBPF_OBJ_PROG, &obj, NULL))
		return false;
	prog = kbpf_prog_from_obj(obj);
	ok = prog->verified && prog->jit && !prog->checked_only;
	kbpf_obj_put(obj);
	return ok;
}

/* One side of the comparison: its bpf(2) and its close(). */
struct side {
	long (*bpf)(int cmd, union bpf_attr *a);
	int (*close)(int fd);
};

static const struct side kernel_side = { sys_bpf, close };
static const struct side kbpf_side = { kbpf_run_bpf, kbpf_posix_close };

/*
 * The program: 64 iterations of (key = i * K & 1023; lookup or update of
 * map @mfd, or nothing without @with_call); r0 counts the successes
 * (found, or 0 returned). Into @p (room for 40); returns its length.
 */
static int build_prog(struct bpf_insn *p, int mfd, int with_call, int update)
{
	int n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0); /* i */
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 1); /* value */
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0); /* successes */
	/* loop: */
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 2654435761u);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 1023);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0);
	if (with_call) {
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   mfd);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		if (update) {
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_update_elem);
		} else {
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_lookup_elem);
		}
		/* A lookup succeeds with r0 != 0, an update with r0 == 0. */
		p[n++] = I(BPF_JMP | (update ? BPF_JNE : BPF_JEQ) | BPF_K, 0, 0,
			   1, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 7, 0, 0, 1);
	}
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
	/* Back to the loop head at insn 3. */
	p[n] = I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, (int16_t)(3 - (n + 1)), OPS);
	n++;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 7, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

static int side_map(const struct side *sd, int type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = (uint32_t)type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;
	return (int)sd->bpf(BPF_MAP_CREATE, &a);
}

static int side_prog(const struct side *sd, int mfd, int with_call, int update)
{
	union bpf_attr a;
	struct bpf_insn p[40];

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = (uint32_t)build_prog(p, mfd, with_call, update);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return (int)sd->bpf(BPF_PROG_LOAD, &a);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * ns per run / OPS of the program on @sd (median of 3 test runs of 20,000
 * runs), each run checked to report its 64 successes; -1 if not, or if
 * kbpf did not prove it native.
 */
static double side_ns(const struct side *sd, int type, int with_call,
		      int update)
{
	union bpf_attr a;
	uint8_t data[64] = { 0 };
	int mfd, fd;
	double s[3];

	mfd = side_map(sd, type);
	if (mfd < 0)
		return -1;
	fd = side_prog(sd, mfd, with_call, update);
	if (fd < 0 || (sd == &kbpf_side && !kbpf_native(fd))) {
		if (fd >= 0)
			sd->close(fd);
		sd->close(mfd);
		return -1;
	}
	for (int k = 0; k < 3; k++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)data;
		a.test.data_size_in = sizeof(data);
		a.test.repeat = 20000;
		if (sd->bpf(BPF_PROG_TEST_RUN, &a) ||
		    a.test.retval != (with_call ? OPS : 0)) {
			sd->close(fd);
			sd->close(mfd);
			return -1;
		}
		s[k] = a.test.duration;
	}
	sd->close(fd);
	sd->close(mfd);
	qsort(s, 3, sizeof(s[0]), cmp_double);
	return s[1] / OPS;
}

#define MAX_ROUNDS 15

/* Rounds of the comparison (KBPF_BENCH_ROUNDS, default 5). */
static int rounds = 5;

/* Median, least and greatest of @v[@n]; all -1 if one of them is < 0. */
static void spread(double *v, int n, double out[3])
{
	for (int i = 0; i < n; i++)
		if (v[i] < 0) {
			out[0] = out[1] = out[2] = -1;
			return;
		}
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	out[0] = v[n / 2];
	out[1] = v[0];
	out[2] = v[n - 1];
}

/* The program path on @sd: ns per map operation, or -1. */
static double prog_ns(const struct side *sd, int type, int update)
{
	double base = side_ns(sd, type, 0, 0);
	double with = side_ns(sd, type, 1, update);

	return base < 0 || with < 0 ? -1 : with - base;
}

static double kbpf_ns(int type, int update)
{
	union bpf_attr a;
	struct kbpf_map *map;
	double best = 1e30;
	uint64_t v = 1;
	volatile uint64_t sink = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = (uint32_t)type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;
	if (kbpf_map_create(kbpf_posix_host(), &a, &map))
		return -1;
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (uint32_t i = 0; i < 20000 * OPS; i++) {
			uint32_t key = (uint32_t)(i * 2654435761u) & 1023;

			if (update)
				sink += (uint64_t)kbpf_map_update_elem(
					map, &key, &v, 0);
			else
				sink += (uintptr_t)kbpf_map_lookup_elem(map,
									&key);
		}
		double ns = (double)(now_ns() - t0) / (20000.0 * OPS);

		if (ns < best)
			best = ns;
	}
	(void)sink;
	kbpf_map_put(map);
	return best;
}

/*
 * bench_array --run array|percpu_array lookup|update|none
 * fast|jit|checked|unpriv REPS: load the program into kbpf (bpf(2) path) and
 * run it REPS times through kbpf_interp_run() in that mode, nothing else:
 * for bench/map_icount.sh, which counts host instructions under callgrind.
 * "unpriv": checked, as if loaded without CAP_PERFMON (the pointer rules).
 */
static int run_only(const char *type, const char *op, const char *mode,
		    int reps)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	int mfd, fd, with_call = strcmp(op, "none") != 0;
	uint64_t r0 = 0;

	mfd = side_map(&kbpf_side, strcmp(type, "percpu_array") ?
					   BPF_MAP_TYPE_ARRAY :
					   BPF_MAP_TYPE_PERCPU_ARRAY);
	fd = mfd < 0 ? -1 :
		       side_prog(&kbpf_side, mfd, with_call,
				 !strcmp(op, "update"));
	if (fd < 0 || kbpf_obj_fd_get(h, fd, KBPF_OBJ_PROG, &obj, NULL))
		return 1;
	prog = kbpf_prog_from_obj(obj);
	args.mode = strcmp(mode, "fast") && strcmp(mode, "jit") ?
			    KBPF_INTERP_CHECKED :
			    KBPF_INTERP_FAST;
	if (!strcmp(mode, "unpriv"))
		prog->priv = KBPF_PRIV_BPF;
	/* "jit": fast mode, and the program must have native code */
	if (!strcmp(mode, "jit") && !prog->jit)
		return 1;
	for (int i = 0; i < reps; i++)
		if (kbpf_interp_run(prog, h, &args, &r0) ||
		    r0 != (uint64_t)(with_call ? OPS : 0))
			return 1;
	kbpf_obj_put(obj);
	kbpf_posix_close(fd);
	kbpf_posix_close(mfd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int type;
	} types[] = { { "ARRAY", BPF_MAP_TYPE_ARRAY },
		      { "PERCPU_ARRAY", BPF_MAP_TYPE_PERCPU_ARRAY } };

	if (argc == 6 && !strcmp(argv[1], "--run"))
		return run_only(argv[2], argv[3], argv[4], atoi(argv[5]));

	if (getenv("KBPF_BENCH_ROUNDS")) {
		rounds = atoi(getenv("KBPF_BENCH_ROUNDS"));
		rounds = rounds < 1	     ? 1 :
			 rounds > MAX_ROUNDS ? MAX_ROUNDS :
					       rounds;
	}
	/* kbpf proves the programs, so its test runs run the native code */
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	printf("array maps: ns per map operation, 1024 entries. program path: the same BPF program on both sides through BPF_PROG_TEST_RUN with repeat, minus the same loop without the map call; kbpf: verifier ENFORCE, native code (JIT), thread CPU time; kernel: its JIT, its test-run duration. Median (least-greatest) of %d rounds, the sides interleaved, each the median of 3 test runs. Beside it, NOT the program path: kbpf's kbpf_map_* C calls (best of 7, wall clock)\n",
	       rounds);
	printf("%-14s %-7s %22s %22s %20s   %7s\n", "map", "op", "kbpf (JIT)",
	       "kernel", "kbpf/kernel", "kbpf C");
	for (int t = 0; t < 2; t++) {
		for (int u = 0; u < 2; u++) {
			double b[MAX_ROUNDS], k[MAX_ROUNDS], q[MAX_ROUNDS];
			double sb[3], sk[3], sq[3];

			for (int r = 0; r < rounds; r++) {
				if (r & 1)
					k[r] = prog_ns(&kernel_side,
						       types[t].type, u);
				b[r] = prog_ns(&kbpf_side, types[t].type, u);
				if (!(r & 1))
					k[r] = prog_ns(&kernel_side,
						       types[t].type, u);
				q[r] = b[r] > 0 && k[r] > 0 ? b[r] / k[r] : -1;
			}
			spread(b, rounds, sb);
			spread(k, rounds, sk);
			spread(q, rounds, sq);
			printf("%-14s %-7s %6.2f (%5.2f-%6.2f) %6.2f (%5.2f-%6.2f) %5.2fx (%4.2f-%4.2f)   %7.2f\n",
			       types[t].name, u ? "update" : "lookup", sb[0],
			       sb[1], sb[2], sk[0], sk[1], sk[2], sq[0], sq[1],
			       sq[2], kbpf_ns(types[t].type, u));
		}
	}
	printf("(both JITs inline array lookups; a ratio of the difference of two loops is noisy where the difference is 1 ns: see the range; -1: that side's program failed, was not proven native on kbpf, or did not report 64 successes per run)\n");
	return 0;
}
