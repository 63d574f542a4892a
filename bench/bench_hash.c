// SPDX-License-Identifier: MIT
/*
 * Hash maps from the program path, kbpf against the kernel and against a
 * naive chained hash table, all measured in this run.
 *
 * Access pattern (research/bench-anchors.md A2): 64 operations per program
 * run, keys drawn from a 64-bit LCG seeded differently for every run, u64
 * values, 1k (1024) and 1M (2^20) populated entries, 4- and 16-byte keys.
 * The program path, the same on both sides: one BPF program (64 map
 * operations per run, counting its successes into its return value),
 * loaded through bpf(2) on the kernel and through kbpf_posix_bpf() on kbpf
 * (verifier ENFORCE: the program is proven, so kbpf's BPF_PROG_TEST_RUN
 * runs its native code; a program kbpf does not prove is not timed), run
 * with BPF_PROG_TEST_RUN and repeat, minus the same program without the
 * map calls; each side's return value is checked (64 successes a run), so
 * both did the work. The kernel's time is its test-run duration, kbpf's
 * the thread's CPU time (both stop while the task is not running); rounds
 * of the two interleaved, KBPF_BENCH_ROUNDS of them (default 5), printed
 * as median (least-greatest). Beside it, labelled as such and not the
 * program path: the kbpf_map_* C calls the helpers make, minus the same
 * loop without them, and a naive table (one mutex, chained nodes from
 * malloc, FNV-1a). Also: two threads on two CPUs (kbpf's C-call lookups
 * scaling and the kernel's program), and bytes per element (kernel:
 * fdinfo memlock; kbpf: bytes the host allocated).
 *
 * Usage: bench_hash [quick]   ("quick" skips the 1M-entry rows)
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
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
#define LCG_MUL 6364136223846793005ULL
#define LCG_ADD 1442695040888963407ULL

enum op { OP_LOOKUP, OP_UPDATE, OP_INSDEL, OP_NONE };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/*
 * The thread's CPU time, for the runs timed here in place of the
 * kernel's test-run timer, which stops while its task reschedules
 * (bench_interp.c says why the wall clock misled on a loaded machine).
 */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(__NR_bpf, cmd, a, sizeof(*a));
}

/* One side of the comparison: its bpf(2) and its close(). */
struct side {
	long (*bpf)(int cmd, union bpf_attr *a);
	int (*close)(int fd);
};

static long kbpf_bpf(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

static const struct side kernel_side = { sys_bpf, close };

/*
 * kbpf's program path timed as the kernel times its own: BPF_PROG_TEST_RUN
 * through kbpf_posix_bpf() (the verifier ENFORCE, so a proven program runs
 * its native code), its duration replaced by the thread's CPU time per run
 * (the POSIX host's test run reports the wall clock, which counts the time
 * other jobs had the CPU; the kernel's timer stops while its task
 * reschedules: docs/design/jit.md, "Speed"). The call's own set-up (the
 * context, the attribute copies) is inside it, once per call of 20,000 or
 * more runs.
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

static const struct side kbpf_side = { kbpf_run_bpf, kbpf_posix_close };

/*
 * True if kbpf's verifier proved program @fd and it has native code, so
 * that its BPF_PROG_TEST_RUN runs natively, not in the checked
 * interpreter.
 */
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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

/* ---- the kernel ---- */

static int side_map(const struct side *sd, uint32_t type, uint32_t ks,
		    uint32_t n)
{
	union bpf_attr a;
	static uint8_t keys[4096 * 16];
	static uint64_t vals[4096];
	int fd;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = 8;
	a.max_entries = n;
	fd = (int)sd->bpf(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return -1;
	if (type == BPF_MAP_TYPE_PERCPU_HASH) {
		/* Every CPU's slot 0 (run_only: the kbpf side only). */
		static uint64_t pv[KBPF_MAX_CPUS];

		for (uint32_t k = 0; k < n; k++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)fd;
			a.key = (uint64_t)(uintptr_t)&k;
			a.value = (uint64_t)(uintptr_t)pv;
			if (sd->bpf(BPF_MAP_UPDATE_ELEM, &a)) {
				sd->close(fd);
				return -1;
			}
		}
		return fd;
	}
	memset(keys, 0, sizeof(keys));
	for (uint32_t base = 0; base < n; base += 4096) {
		uint32_t cnt = n - base < 4096 ? n - base : 4096;

		for (uint32_t i = 0; i < cnt; i++) {
			uint32_t k = base + i;

			memcpy(keys + (size_t)i * ks, &k, 4);
			vals[i] = k;
		}
		memset(&a, 0, sizeof(a));
		a.batch.map_fd = (uint32_t)fd;
		a.batch.keys = (uint64_t)(uintptr_t)keys;
		a.batch.values = (uint64_t)(uintptr_t)vals;
		a.batch.count = cnt;
		if (sd->bpf(BPF_MAP_UPDATE_BATCH, &a)) {
			sd->close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * 64 x (LCG step; key = state >> 33 & mask; map op) per run; r0 = how many
 * of the 64 operations succeeded (lookups found, updates and deletes
 * returned 0), kept at r10-48.
 */
static int side_prog(const struct side *sd, int mfd, enum op op, uint32_t ks,
		     uint32_t mask)
{
	struct bpf_insn p[64];
	union bpf_attr a;
	int n = 0, loop;

	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_prandom_u32);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 8, 0, 0, (int32_t)LCG_MUL);
	p[n++] = I(0, 0, 0, 0, (int32_t)(LCG_MUL >> 32));
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 9, 0, 0, (int32_t)LCG_ADD);
	p[n++] = I(0, 0, 0, 0, (int32_t)(LCG_ADD >> 32));
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
	for (int off = -32; off < 0; off += 8)
		p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, (int16_t)off, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -40, 1); /* value */
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -48, 0); /* successes */
	loop = n;
	p[n++] = I(BPF_ALU64 | BPF_MUL | BPF_X, 7, 8, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_X, 7, 9, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_RSH | BPF_K, 1, 0, 0, 33);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, (int32_t)mask);
	if (op == OP_INSDEL) /* a key that is never in the map */
		p[n++] = I(BPF_ALU64 | BPF_OR | BPF_K, 1, 0, 0, 0x40000000);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 1, -32, 0);
	if (op != OP_NONE) {
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   mfd);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -32);
		if (op == OP_LOOKUP) {
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_lookup_elem);
		} else {
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -40);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_update_elem);
		}
		if (op == OP_INSDEL) {
			p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1,
				   BPF_PSEUDO_MAP_FD, 0, mfd);
			p[n++] = I(0, 0, 0, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -32);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_delete_elem);
		}
		/* A lookup succeeds with r0 != 0, the others with r0 == 0. */
		p[n++] = I(BPF_JMP | (op == OP_LOOKUP ? BPF_JEQ : BPF_JNE) |
				   BPF_K,
			   0, 0, 3, 0);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -48, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1);
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -48, 0);
	}
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
	p[n] = I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, (int16_t)(loop - (n + 1)),
		 OPS);
	n++;
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -48, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return (int)sd->bpf(BPF_PROG_LOAD, &a);
}

static int kernel_prog(int mfd, enum op op, uint32_t ks, uint32_t mask)
{
	return side_prog(&kernel_side, mfd, op, ks, mask);
}

/*
 * ns per program run (median of @samples, at most 9); -1 if a run failed
 * or did not report @want successes.
 */
static double side_run(const struct side *sd, int pfd, uint32_t repeat,
		       uint32_t want, int samples)
{
	double s[9];
	uint8_t data[64] = { 0 };
	union bpf_attr a;

	for (int k = 0; k < samples; k++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)pfd;
		a.test.data_in = (uint64_t)(uintptr_t)data;
		a.test.data_size_in = sizeof(data);
		a.test.repeat = repeat;
		if (sd->bpf(BPF_PROG_TEST_RUN, &a) || a.test.retval != want)
			return -1;
		s[k] = a.test.duration;
	}
	return median(s, samples);
}

static double kernel_run(int pfd, uint32_t repeat)
{
	return side_run(&kernel_side, pfd, repeat, OPS, 9);
}

/*
 * The program path: ns per map operation (median of 3 samples), or -1;
 * on kbpf, -1 also where the verifier did not prove the program or it
 * has no native code (its test run would be the checked interpreter's).
 */
static double side_ns(const struct side *sd, int mfd, enum op op, uint32_t ks,
		      uint32_t mask, uint32_t repeat)
{
	int with = side_prog(sd, mfd, op, ks, mask);
	int without = side_prog(sd, mfd, OP_NONE, ks, mask);
	double r = -1, tw, to;

	if (sd == &kbpf_side && ((with >= 0 && !kbpf_native(with)) ||
				 (without >= 0 && !kbpf_native(without)))) {
		printf("  kbpf: the program is not proven or not native: not timed\n");
	} else if (with >= 0 && without >= 0) {
		tw = side_run(sd, with, repeat, OPS, 3);
		to = side_run(sd, without, repeat, 0, 3);
		if (tw >= 0 && to >= 0)
			r = (tw - to) / OPS;
	}
	if (with >= 0)
		sd->close(with);
	if (without >= 0)
		sd->close(without);
	return r;
}

static long kernel_memlock(int fd)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "memlock: %ld", &v) == 1)
			break;
	fclose(f);
	return v;
}

/* ---- kbpf and the naive table, driven the same way ---- */

struct naive_node {
	struct naive_node *next;
	uint64_t value;
	uint8_t key[16];
};

struct naive {
	pthread_mutex_t lock;
	struct naive_node **b;
	uint32_t mask, ks;
};

static uint32_t fnv(const uint8_t *k, uint32_t n)
{
	uint32_t h = 2166136261u;

	for (uint32_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static uint64_t *naive_lookup(struct naive *t, const uint8_t *key)
{
	struct naive_node *n;
	uint64_t *r = NULL;

	pthread_mutex_lock(&t->lock);
	for (n = t->b[fnv(key, t->ks) & t->mask]; n; n = n->next)
		if (!memcmp(n->key, key, t->ks)) {
			r = &n->value;
			break;
		}
	pthread_mutex_unlock(&t->lock);
	return r;
}

static void naive_update(struct naive *t, const uint8_t *key, uint64_t v)
{
	struct naive_node **pp, *n;

	pthread_mutex_lock(&t->lock);
	pp = &t->b[fnv(key, t->ks) & t->mask];
	for (n = *pp; n; n = n->next)
		if (!memcmp(n->key, key, t->ks))
			break;
	if (n) {
		n->value = v;
	} else {
		n = calloc(1, sizeof(*n));
		memcpy(n->key, key, t->ks);
		n->value = v;
		n->next = *pp;
		*pp = n;
	}
	pthread_mutex_unlock(&t->lock);
}

static void naive_delete(struct naive *t, const uint8_t *key)
{
	struct naive_node **pp, *n;

	pthread_mutex_lock(&t->lock);
	for (pp = &t->b[fnv(key, t->ks) & t->mask]; (n = *pp); pp = &n->next)
		if (!memcmp(n->key, key, t->ks)) {
			*pp = n->next;
			free(n);
			break;
		}
	pthread_mutex_unlock(&t->lock);
}

struct drive {
	struct kbpf_map *map; /* or NULL: the naive table */
	struct naive *naive;
	enum op op;
	uint32_t ks, mask, runs, cpu;
	double ns; /* out: ns per op */
	uint64_t t_start, t_end; /* out: when this thread ran */
	uint64_t sink;
};

static void *drive(void *p)
{
	struct drive *d = p;
	/* A new seed every call, as the kernel program draws one per run:
	 * a repeated sequence would find a 1M-entry table warm in the L3. */
	uint64_t seed = now_ns() * 0x9e3779b97f4a7c15ULL * (d->cpu + 1), v = 1;
	uint8_t key[16] = { 0 };
	uint64_t t0, sink = 0;

	kbpf_posix_set_cpu(d->cpu);
	t0 = now_ns();
	for (uint32_t r = 0; r < d->runs; r++) {
		uint64_t st = seed = seed * LCG_MUL + LCG_ADD;

		for (int i = 0; i < OPS; i++) {
			uint32_t k;

			st = st * LCG_MUL + LCG_ADD;
			k = (uint32_t)(st >> 33) & d->mask;
			if (d->op == OP_INSDEL)
				k |= 0x40000000;
			memcpy(key, &k, 4);
			switch (d->op) {
			case OP_LOOKUP:
				sink += d->map ?
						(uintptr_t)kbpf_map_lookup_elem(
							d->map, key) :
						(uintptr_t)naive_lookup(
							d->naive, key);
				break;
			case OP_UPDATE:
				if (d->map)
					sink += (uint64_t)kbpf_map_update_elem(
						d->map, key, &v, 0);
				else
					naive_update(d->naive, key, v);
				break;
			case OP_INSDEL:
				if (d->map) {
					sink += (uint64_t)kbpf_map_update_elem(
						d->map, key, &v, 0);
					sink += (uint64_t)kbpf_map_delete_elem(
						d->map, key);
				} else {
					naive_update(d->naive, key, v);
					naive_delete(d->naive, key);
				}
				break;
			case OP_NONE:
				sink += k;
				break;
			}
		}
	}
	d->t_start = t0;
	d->t_end = now_ns();
	d->ns = (double)(d->t_end - t0) / ((double)d->runs * OPS);
	d->sink = sink; /* once: threads' drive structs share a cache line */
	return NULL;
}

/* ns/op on one thread (median of 7), minus the loop alone. */
static double user_ns(struct kbpf_map *map, struct naive *nv, enum op op,
		      uint32_t ks, uint32_t mask, uint32_t runs)
{
	double s[7], base[7];

	for (int k = 0; k < 7; k++) {
		struct drive d = { map, nv, op, ks, mask, runs, 0, 0, 0, 0, 0 };
		struct drive z = { map, nv, OP_NONE, ks, mask, runs,
				   0,	0,  0,	     0,	 0 };

		drive(&d);
		drive(&z);
		s[k] = d.ns;
		base[k] = z.ns;
	}
	return median(s, 7) - median(base, 7);
}

static pthread_barrier_t start_line;

static void *drive_after_barrier(void *p)
{
	struct drive *d = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(d->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	pthread_barrier_wait(&start_line);
	return drive(p);
}

/*
 * Ops per second of @threads threads doing @op, each on its own CPU,
 * started together; wall time until the last one ends. Median of 5.
 */
static double user_rate(struct kbpf_map *const maps[2], enum op op, uint32_t ks,
			uint32_t mask, uint32_t runs, int threads)
{
	double rates[5];

	for (int trial = 0; trial < 5; trial++) {
		pthread_t t[2];
		struct drive d[2];
		uint64_t first = UINT64_MAX, last = 0;

		pthread_barrier_init(&start_line, NULL, (unsigned)threads + 1);
		for (int i = 0; i < threads; i++) {
			d[i] = (struct drive){ .map = maps[i],
					       .op = op,
					       .ks = ks,
					       .mask = mask,
					       .runs = runs,
					       .cpu = (uint32_t)i };
			pthread_create(&t[i], NULL, drive_after_barrier, &d[i]);
		}
		pthread_barrier_wait(&start_line);
		/* Wall time from the first thread's start to the last's end. */
		for (int i = 0; i < threads; i++) {
			pthread_join(t[i], NULL);
			first = d[i].t_start < first ? d[i].t_start : first;
			last = d[i].t_end > last ? d[i].t_end : last;
		}
		rates[trial] = (double)threads * runs * OPS * 1e9 /
			       (double)(last - first);
		pthread_barrier_destroy(&start_line);
	}
	return median(rates, 5);
}

struct krun {
	int pfd, cpu;
	uint32_t repeat;
	double ns;
};

static void *kernel_thread(void *p)
{
	struct krun *k = p;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(k->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	k->ns = kernel_run(k->pfd, k->repeat) / OPS;
	return NULL;
}

static double kernel_rate(int mfd, uint32_t ks, uint32_t mask, int threads)
{
	int pfd = kernel_prog(mfd, OP_LOOKUP, ks, mask);
	pthread_t t[2];
	struct krun k[2];
	double rate = 0;

	if (pfd < 0)
		return -1;
	for (int i = 0; i < threads; i++) {
		k[i] = (struct krun){ pfd, i, 20000, 0 };
		pthread_create(&t[i], NULL, kernel_thread, &k[i]);
	}
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		rate += 1e9 / k[i].ns;
	}
	close(pfd);
	return rate;
}

#define MAX_ROUNDS 15

/* Rounds of the program-path comparison (KBPF_BENCH_ROUNDS, default 5). */
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

/*
 * One case: @rounds rounds of kbpf's program path and the kernel's, the
 * two interleaved (each side first in every other round), and their ratio
 * per round; printed as median (least-greatest) of the rounds. @kb and
 * @nv: kbpf's C calls and the naive table, NOT the program path.
 */
static void compare(const char *what, int bfd, int kfd, enum op op, uint32_t ks,
		    uint32_t mask, uint32_t runs, double kb, double nv)
{
	double b[MAX_ROUNDS], k[MAX_ROUNDS], q[MAX_ROUNDS], sb[3], sk[3], sq[3];

	for (int r = 0; r < rounds; r++) {
		if (r & 1)
			k[r] = kfd >= 0 ? side_ns(&kernel_side, kfd, op, ks,
						  mask, runs) :
					  -1;
		b[r] = bfd >= 0 ? side_ns(&kbpf_side, bfd, op, ks, mask, runs) :
				  -1;
		if (!(r & 1))
			k[r] = kfd >= 0 ? side_ns(&kernel_side, kfd, op, ks,
						  mask, runs) :
					  -1;
		q[r] = b[r] > 0 && k[r] > 0 ? b[r] / k[r] : -1;
	}
	spread(b, rounds, sb);
	spread(k, rounds, sk);
	spread(q, rounds, sq);
	printf("%-28s %7.1f (%6.1f-%6.1f) %7.1f (%6.1f-%6.1f) %5.2fx (%4.2f-%4.2f)   %7.1f %7.1f\n",
	       what, sb[0], sb[1], sb[2], sk[0], sk[1], sk[2], sq[0], sq[1],
	       sq[2], kb, nv);
}

/*
 * bench_hash --run hash|lru_hash|percpu_hash lookup|update|none
 * fast|jit|checked|unpriv REPS: a
 * 1024-entry map with 4-byte keys, the program loaded into kbpf (bpf(2)
 * path) and run REPS times through kbpf_interp_run() in that mode, nothing
 * else: for bench/map_icount.sh (host instructions under callgrind).
 */
static int run_only(const char *type, const char *op, const char *mode,
		    int reps)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx, .ctx_size = sizeof(ctx) };
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	int mfd, fd, lookup = !strcmp(op, "lookup");
	enum op o = lookup		  ? OP_LOOKUP :
		    !strcmp(op, "update") ? OP_UPDATE :
					    OP_NONE;
	uint64_t r0 = 0;

	mfd = side_map(&kbpf_side,
		       !strcmp(type, "lru_hash")    ? BPF_MAP_TYPE_LRU_HASH :
		       !strcmp(type, "percpu_hash") ? BPF_MAP_TYPE_PERCPU_HASH :
						      BPF_MAP_TYPE_HASH,
		       4, 1024);
	fd = mfd < 0 ? -1 : side_prog(&kbpf_side, mfd, o, 4, 1023);
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
		    r0 != (uint64_t)(o != OP_NONE ? OPS : 0))
			return 1;
	kbpf_obj_put(obj);
	kbpf_posix_close(fd);
	kbpf_posix_close(mfd);
	return 0;
}

int main(int argc, char **argv)
{
	static const uint32_t sizes[] = { 1024, 1u << 20 };

	if (argc == 6 && !strcmp(argv[1], "--run"))
		return run_only(argv[2], argv[3], argv[4], atoi(argv[5]));
	int quick = argc > 1 && !strcmp(argv[1], "quick");

	if (argc > 1 && !strcmp(argv[1], "scale")) {
		union bpf_attr a;
		struct kbpf_map *map;
		uint8_t key[16] = { 0 };
		uint64_t v = 0;

		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_HASH;
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 1024;
		if (kbpf_map_create(kbpf_posix_host(), &a, &map))
			return 1;
		struct kbpf_map *own;

		if (kbpf_map_create(kbpf_posix_host(), &a, &own))
			return 1;
		for (uint32_t i = 0; i < 1024; i++) {
			memcpy(key, &i, 4);
			kbpf_map_update_elem(map, key, &v, 0);
			kbpf_map_update_elem(own, key, &v, 0);
		}
		struct kbpf_map *shared[2] = { map, map };
		struct kbpf_map *apart[2] = { map, own };
		for (int k = 0; k < 5; k++) {
			double r1 =
				user_rate(shared, OP_LOOKUP, 4, 1023, 40000, 1);
			double r2 =
				user_rate(shared, OP_LOOKUP, 4, 1023, 40000, 2);
			double c1 =
				user_rate(shared, OP_NONE, 4, 1023, 40000, 1);
			double c2 =
				user_rate(shared, OP_NONE, 4, 1023, 40000, 2);
			double p2 =
				user_rate(apart, OP_LOOKUP, 4, 1023, 40000, 2);

			printf("lookups: 1 thread %.0f Mops/s, 2 threads %.0f: %.2fx; each thread its own map %.2fx; loop alone %.2fx\n",
			       r1 / 1e6, r2 / 1e6, r2 / r1, p2 / r1, c2 / c1);
		}
		return 0;
	}
	int nsizes = quick ? 1 : 2;

	kbpf_posix_set_nr_cpus((unsigned int)sysconf(_SC_NPROCESSORS_CONF));
	if (getenv("KBPF_BENCH_ROUNDS")) {
		rounds = atoi(getenv("KBPF_BENCH_ROUNDS"));
		rounds = rounds < 1	     ? 1 :
			 rounds > MAX_ROUNDS ? MAX_ROUNDS :
					       rounds;
	}
	/* kbpf proves the programs, so its test runs run the native code */
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	printf("hash maps: ns per map operation, program path: the same BPF program on both sides through BPF_PROG_TEST_RUN with repeat, minus the same loop without the map calls, every run checked to report its successes; kbpf: verifier ENFORCE, native code (JIT), thread CPU time; kernel: its JIT, its test-run duration. Median (least-greatest) of %d rounds, each the median of 3 test runs. Beside it, NOT the program path: kbpf's kbpf_map_* C calls and a naive mutex+chain table (one run, wall clock)\n",
	       rounds);
	printf("%-28s %23s %23s %20s   %7s %7s\n", "case", "kbpf (JIT)",
	       "kernel", "kbpf/kernel", "kbpf C", "naive");
	for (int z = 0; z < nsizes; z++) {
		for (uint32_t ks = 4; ks <= 16; ks += 12) {
			uint32_t n = sizes[z], mask = n - 1;
			uint32_t runs = n > 4096 ? 3000 : 20000;
			long live0 = kbpf_posix_live_bytes();
			union bpf_attr a;
			struct kbpf_map *map;
			struct naive nv;
			uint8_t key[16] = { 0 };
			uint64_t v;
			int kfd, bfd;
			char what[64];

			memset(&a, 0, sizeof(a));
			a.map_type = BPF_MAP_TYPE_HASH;
			a.key_size = ks;
			a.value_size = 8;
			a.max_entries = n;
			if (kbpf_map_create(kbpf_posix_host(), &a, &map))
				return 1;
			nv.ks = ks;
			nv.mask = mask;
			nv.b = calloc(n, sizeof(*nv.b));
			pthread_mutex_init(&nv.lock, NULL);
			for (uint32_t i = 0; i < n; i++) {
				memcpy(key, &i, 4);
				v = i;
				kbpf_map_update_elem(map, key, &v, 0);
				naive_update(&nv, key, v);
			}
			kfd = side_map(&kernel_side, BPF_MAP_TYPE_HASH, ks, n);
			bfd = side_map(&kbpf_side, BPF_MAP_TYPE_HASH, ks, n);
			snprintf(what, sizeof(what), "HASH lookup %uB key, %u",
				 ks, n);
			compare(what, bfd, kfd, OP_LOOKUP, ks, mask, runs,
				user_ns(map, NULL, OP_LOOKUP, ks, mask, runs),
				user_ns(NULL, &nv, OP_LOOKUP, ks, mask, runs));
			snprintf(what, sizeof(what), "HASH update %uB key, %u",
				 ks, n);
			compare(what, bfd, kfd, OP_UPDATE, ks, mask, runs,
				user_ns(map, NULL, OP_UPDATE, ks, mask, runs),
				user_ns(NULL, &nv, OP_UPDATE, ks, mask, runs));
			snprintf(what, sizeof(what),
				 "HASH insert+delete %uB, %u", ks, n);
			/* A full map cannot insert: free 64 slots first. */
			for (uint32_t i = 0; i < 64; i++) {
				uint32_t k = n - 1 - i;

				memcpy(key, &k, 4);
				kbpf_map_delete_elem(map, key);
				if (kfd >= 0) {
					memset(&a, 0, sizeof(a));
					a.map_fd = (uint32_t)kfd;
					a.key = (uint64_t)(uintptr_t)key;
					sys_bpf(BPF_MAP_DELETE_ELEM, &a);
				}
				if (bfd >= 0) {
					memset(&a, 0, sizeof(a));
					a.map_fd = (uint32_t)bfd;
					a.key = (uint64_t)(uintptr_t)key;
					kbpf_bpf(BPF_MAP_DELETE_ELEM, &a);
				}
			}
			compare(what, bfd, kfd, OP_INSDEL, ks, mask, runs,
				user_ns(map, NULL, OP_INSDEL, ks, mask, runs),
				user_ns(NULL, &nv, OP_INSDEL, ks, mask, runs));
			/*
			 * The 64 keys back, so that the kernel's lookups below
			 * find all 64 again (its runs are checked for them).
			 */
			for (uint32_t i = 0; i < 64; i++) {
				uint32_t k = n - 1 - i;

				memcpy(key, &k, 4);
				v = k;
				kbpf_map_update_elem(map, key, &v, 0);
				memset(&a, 0, sizeof(a));
				a.key = (uint64_t)(uintptr_t)key;
				a.value = (uint64_t)(uintptr_t)&v;
				if (kfd >= 0) {
					a.map_fd = (uint32_t)kfd;
					sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
				}
				if (bfd >= 0) {
					a.map_fd = (uint32_t)bfd;
					kbpf_bpf(BPF_MAP_UPDATE_ELEM, &a);
				}
			}
			if (ks == 4) {
				struct kbpf_map *shared[2] = { map, map };
				struct kbpf_map *own, *apart[2] = { map, map };

				/* Control: a second, private map for thread 1. */
				memset(&a, 0, sizeof(a));
				a.map_type = BPF_MAP_TYPE_HASH;
				a.key_size = ks;
				a.value_size = 8;
				a.max_entries = n;
				if (!kbpf_map_create(kbpf_posix_host(), &a,
						     &own)) {
					for (uint32_t i = 0; i < n; i++) {
						memcpy(key, &i, 4);
						v = i;
						kbpf_map_update_elem(own, key,
								     &v, 0);
					}
					apart[1] = own;
				}
				double k1 = user_rate(shared, OP_LOOKUP, ks,
						      mask, runs, 1);
				double k2 = user_rate(shared, OP_LOOKUP, ks,
						      mask, runs, 2);
				double p2 = user_rate(apart, OP_LOOKUP, ks,
						      mask, runs, 2);
				double c1 = user_rate(shared, OP_NONE, ks, mask,
						      runs, 1);
				double c2 = user_rate(shared, OP_NONE, ks, mask,
						      runs, 2);
				double e1 = kfd >= 0 ? kernel_rate(kfd, ks,
								   mask, 1) :
						       -1;
				double e2 = kfd >= 0 ? kernel_rate(kfd, ks,
								   mask, 2) :
						       -1;

				printf("  2-thread lookup scaling, %u entries: kbpf %.2fx (%.0f -> %.0f Mops/s), kernel %.2fx; controls: each thread its own kbpf map %.2fx, the key loop alone %.2fx\n",
				       n, k2 / k1, k1 / 1e6, k2 / 1e6, e2 / e1,
				       p2 / k1, c2 / c1);
				if (apart[1] != map)
					kbpf_map_put(apart[1]);
				printf("  bytes per element, %u entries: kbpf %.1f, kernel %.1f (fdinfo memlock)\n",
				       n,
				       (double)(kbpf_posix_live_bytes() -
						live0) /
					       n,
				       kfd >= 0 ?
					       (double)kernel_memlock(kfd) / n :
					       -1.0);
			}
			if (kfd >= 0)
				close(kfd);
			if (bfd >= 0)
				kbpf_posix_close(bfd);
			kbpf_map_put(map);
			for (uint32_t i = 0; i <= mask; i++)
				while (nv.b[i]) {
					struct naive_node *x = nv.b[i];

					nv.b[i] = x->next;
					free(x);
				}
			free(nv.b);
		}
	}
	printf("(a -1 means that side's program failed, was not proven native on kbpf, or did not report 64 successes per run)\n");
	return 0;
}
