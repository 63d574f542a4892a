// SPDX-License-Identifier: MIT
/*
 * Stream output: ns per record for perf output (bpf_perf_event_output),
 * ring buffer output and reserve+submit. The program path: the same BPF
 * program (64 outputs per run) loaded on both sides, the kernel through
 * bpf(2) (JIT), kbpf through kbpf_posix_bpf with the verifier ENFORCE (the
 * program proven, so its test run runs the native code; one kbpf does not
 * prove is not timed), each run by BPF_PROG_TEST_RUN with repeat, minus
 * the same loop without the call. The kernel's time is its test-run
 * duration, kbpf's the thread's CPU time around its test run (both stop
 * while the task is not running), divided by the runs really executed;
 * the program counts the records it wrote, so calls whose runs were
 * refused for room are reported per side. Rounds of the two sides
 * interleaved (KBPF_BENCH_ROUNDS, default 5): median (least-greatest).
 * Beside it, labelled, the C functions kbpf's helpers call (NOT the
 * program path; best of 5, wall clock). 1 producer; with "full", also 2
 * producers on CPUs 0 and 1 (the larger of the two threads' times, halved:
 * ns per record of both together).
 *
 * Perf rings are mapped read-only (overwrite mode) on both sides so they
 * never fill; ring buffers (32 MiB) are drained between batches.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/object.h"
#include "core/prog.h"

#include "helpers/helpers.h"
#include "core/map.h"
#include "kbpf/perf.h"
#include "maps/ringbuf.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define OPS 64
#define RB_SIZE (32u << 20)
#define REPEAT 2000

enum op { OP_NONE, OP_PERF, OP_RB_OUTPUT, OP_RB_RESERVE, OP_RB_DYNPTR };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The thread's CPU time (bench_hash.c says why). */
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

static void pin(int cpu)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	sched_setaffinity(0, sizeof(s), &s);
}

/* ---- the kernel ---- */

/* One side running the programs: the kernel, or kbpf (kbpf != 0). */
struct kside {
	int kbpf;
	int perf_map, rb_map, data_map, ev[2];
	void *ring[2];
	uint64_t *cons; /* ring buffer consumer page */
	const uint64_t *prod;
};

static long side_sys(const struct kside *k, int cmd, union bpf_attr *a)
{
	return k->kbpf ? kbpf_posix_bpf(cmd, a, sizeof(*a)) : sys_bpf(cmd, a);
}

static void *side_mmap(const struct kside *k, size_t len, int prot, int fd,
		       off_t off)
{
	return k->kbpf ? kbpf_posix_mmap(NULL, len, prot, MAP_SHARED, fd, off) :
			 mmap(NULL, len, prot, MAP_SHARED, fd, off);
}

static void side_close(const struct kside *k, int fd)
{
	if (k->kbpf)
		kbpf_posix_close(fd);
	else
		close(fd);
}

static int kside_open(struct kside *k, int kbpf)
{
	union bpf_attr a;
	uint32_t key = 0;
	static uint8_t data[1024];

	memset(k, 0, sizeof(*k));
	k->kbpf = kbpf;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	a.key_size = a.value_size = 4;
	a.max_entries = 2;
	k->perf_map = (int)side_sys(k, BPF_MAP_CREATE, &a);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = RB_SIZE;
	k->rb_map = (int)side_sys(k, BPF_MAP_CREATE, &a);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = sizeof(data);
	a.max_entries = 1;
	k->data_map = (int)side_sys(k, BPF_MAP_CREATE, &a);
	if (k->perf_map < 0 || k->rb_map < 0 || k->data_map < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)k->data_map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)data;
	side_sys(k, BPF_MAP_UPDATE_ELEM, &a);
	for (uint32_t c = 0; c < 2; c++) {
		struct perf_event_attr pa;

		memset(&pa, 0, sizeof(pa));
		pa.type = PERF_TYPE_SOFTWARE;
		pa.size = sizeof(pa);
		pa.config = PERF_COUNT_SW_BPF_OUTPUT;
		pa.sample_type = PERF_SAMPLE_RAW;
		pa.sample_period = 1;
		pa.wakeup_events = 1000000;
		k->ev[c] = kbpf ? kbpf_posix_perf_event_open(&pa, -1, (int)c,
							     -1, 0) :
				  (int)syscall(__NR_perf_event_open, &pa, -1,
					       (int)c, -1, 0);
		if (k->ev[c] < 0)
			return -1;
		k->ring[c] = side_mmap(k, 17 * 4096, PROT_READ, k->ev[c], 0);
		if (k->ring[c] == MAP_FAILED)
			return -1;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)k->perf_map;
		a.key = (uint64_t)(uintptr_t)&c;
		a.value = (uint64_t)(uintptr_t)&k->ev[c];
		if (side_sys(k, BPF_MAP_UPDATE_ELEM, &a))
			return -1;
	}
	k->cons = side_mmap(k, 4096, PROT_READ | PROT_WRITE, k->rb_map, 0);
	k->prod = side_mmap(k, 4096, PROT_READ, k->rb_map, 4096);
	return k->cons == MAP_FAILED || k->prod == MAP_FAILED ? -1 : 0;
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

/* A socket filter: look up the 1 KiB data, then OPS times @op of @size. */
static int kprog(struct kside *k, enum op op, int size)
{
	struct bpf_insn p[56];
	union bpf_attr a;
	int n = 0, loop, fd;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   k->data_map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, OPS);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 9, 0, 0, 0); /* written */
	loop = n;
	switch (op) {
	case OP_PERF:
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
			   k->perf_map);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, -1);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 8, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, size);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_perf_event_output);
		p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, 1);
		break;
	case OP_RB_OUTPUT:
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   k->rb_map);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 8, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, size);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0,
			   BPF_RB_NO_WAKEUP);
		p[n++] =
			I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
		p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, 1);
		break;
	case OP_RB_RESERVE:
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   k->rb_map);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, size);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_ringbuf_reserve);
		p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, 1);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0,
			   BPF_RB_NO_WAKEUP);
		p[n++] =
			I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_submit);
		break;
	case OP_RB_DYNPTR: /* reserve_dynptr into fp-16, submit_dynptr */
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   k->rb_map);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, size);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -16);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_ringbuf_reserve_dynptr);
		p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 9, 0, 0, 1);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -16);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0,
			   BPF_RB_NO_WAKEUP);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_ringbuf_submit_dynptr);
		break;
	case OP_NONE:
		break;
	}
	p[n++] = I(BPF_ALU64 | BPF_SUB | BPF_K, 7, 0, 0, 1);
	p[n] = I(BPF_JMP | BPF_JNE | BPF_K, 7, 0, (int16_t)(loop - (n + 1)), 0);
	n++;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 9, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = (int)side_sys(k, BPF_PROG_LOAD, &a);
	if (fd >= 0 && k->kbpf && !kbpf_native(fd)) {
		printf("  kbpf: the program is not proven or not native: not timed\n");
		side_close(k, fd);
		return -1;
	}
	return fd;
}

/*
 * Runs per BPF_PROG_TEST_RUN call: small enough that the records of one
 * call (from both producers) fit in the ring, so that no output is refused
 * for room (a refused output skips the copy and would flatter the kernel).
 */
static int krepeat = REPEAT;

/*
 * Calls whose last run wrote fewer than its OPS records (a refusal for
 * room, which skips the copy and flatters the side), and calls made; per
 * side (0: kernel, 1: kbpf).
 */
static long k_short_calls[2], k_calls[2];

/*
 * ns per run over at least @runs runs of @fd (krepeat per call), divided
 * by the runs really executed: the kernel's test-run durations, kbpf's
 * thread CPU time in its test runs (the drains between calls are not
 * counted on either side).
 */
static double krun(struct kside *k, int fd, int runs, bool writes)
{
	static uint8_t pkt[64];
	union bpf_attr a;
	uint64_t ns = 0;
	int done = 0;

	for (; done < runs; done += krepeat) {
		uint64_t t0 = cpu_ns();

		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		a.test.repeat = (uint32_t)krepeat;
		if (side_sys(k, BPF_PROG_TEST_RUN, &a))
			return -1;
		ns += k->kbpf ? cpu_ns() - t0 :
				(uint64_t)a.test.duration * (uint64_t)krepeat;
		if (writes) {
			__atomic_add_fetch(&k_calls[k->kbpf], 1,
					   __ATOMIC_RELAXED);
			if (a.test.retval != OPS)
				__atomic_add_fetch(&k_short_calls[k->kbpf], 1,
						   __ATOMIC_RELAXED);
		}
		/*
		 * Drain the ring buffer: consumer = producer, only forward
		 * (with 2 producers the other may have drained further).
		 */
		{
			uint64_t p = __atomic_load_n(k->prod, __ATOMIC_ACQUIRE);
			uint64_t c = __atomic_load_n(k->cons, __ATOMIC_RELAXED);

			while (c < p &&
			       !__atomic_compare_exchange_n(
				       k->cons, &c, p, false, __ATOMIC_RELEASE,
				       __ATOMIC_RELAXED))
				;
		}
	}
	return (double)ns / done;
}

struct kthread {
	struct kside *k;
	int fd, cpu, runs;
	double ns;
};

static void *kthread_fn(void *p)
{
	struct kthread *t = p;

	pin(t->cpu);
	if (t->k->kbpf)
		kbpf_posix_set_cpu((unsigned int)t->cpu);
	t->ns = krun(t->k, t->fd, t->runs, true);
	return NULL;
}

/*
 * One round of @op on side @k: ns per record, 1 producer, or with 2 the
 * larger of the two threads' times halved (ns per record of both
 * together); -1 if a program failed to load or run.
 */
static double kernel_ns(struct kside *k, enum op op, int size, int threads)
{
	int fd = kprog(k, op, size), base = kprog(k, OP_NONE, size);
	struct kthread t[2];
	pthread_t th[2];
	double b = -1, w = -1;

	if (fd < 0 || base < 0)
		goto out;
	krepeat = (int)(RB_SIZE / 4 / ((uint64_t)OPS * (uint64_t)(size + 8)));
	if (krepeat > REPEAT)
		krepeat = REPEAT;
	if (krepeat < 1)
		krepeat = 1;
	pin(0);
	if (k->kbpf)
		kbpf_posix_set_cpu(0);
	b = krun(k, base, 4 * REPEAT, false);
	if (b < 0)
		goto out;
	for (int i = 0; i < threads; i++) {
		t[i] = (struct kthread){ k, fd, i, 4 * REPEAT, 0 };
		pthread_create(&th[i], NULL, kthread_fn, &t[i]);
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	w = t[0].ns;
	if (threads == 2)
		w = t[1].ns < 0 ? -1 :
				  (t[0].ns > t[1].ns ? t[0].ns : t[1].ns) / 2;
	if (w >= 0)
		w = (w - b / threads) / OPS;
out:
	if (fd >= 0)
		side_close(k, fd);
	if (base >= 0)
		side_close(k, base);
	return w;
}

/* ---- kbpf ---- */

struct mside {
	struct kbpf_map *perf_map, *rb;
	int perf_fd, ev[2];
	void *ring[2];
	uint64_t *cons;
};

static int mside_open(struct mside *m)
{
	const struct kbpf_host *h = kbpf_posix_host();
	union bpf_attr a;
	struct kbpf_obj *obj;

	memset(m, 0, sizeof(*m));
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	a.key_size = a.value_size = 4;
	a.max_entries = 2;
	m->perf_fd = kbpf_posix_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	obj = kbpf_posix_fd_obj(m->perf_fd);
	if (!obj)
		return -1;
	m->perf_map = (struct kbpf_map *)(void *)obj;
	for (uint32_t c = 0; c < 2; c++) {
		struct perf_event_attr pa;

		memset(&pa, 0, sizeof(pa));
		pa.type = PERF_TYPE_SOFTWARE;
		pa.size = sizeof(pa);
		pa.config = PERF_COUNT_SW_BPF_OUTPUT;
		pa.sample_type = PERF_SAMPLE_RAW;
		pa.sample_period = 1;
		pa.wakeup_events = 1000000;
		m->ev[c] = kbpf_posix_perf_event_open(&pa, -1, (int)c, -1, 0);
		if (m->ev[c] < 0)
			return -1;
		m->ring[c] = kbpf_posix_mmap(NULL, 17 * 4096, PROT_READ,
					     MAP_SHARED, m->ev[c], 0);
		if (m->ring[c] == MAP_FAILED)
			return -1;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)m->perf_fd;
		a.key = (uint64_t)(uintptr_t)&c;
		a.value = (uint64_t)(uintptr_t)&m->ev[c];
		if (kbpf_posix_bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a)))
			return -1;
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_RINGBUF;
	a.max_entries = RB_SIZE;
	if (kbpf_map_create(h, &a, &m->rb))
		return -1;
	{
		const uintptr_t *pages;

		if (kbpf_map_mmap(m->rb, 0, 1, true, &pages))
			return -1;
		m->cons = h->vmap(h, pages, 1);
	}
	return m->cons ? 0 : -1;
}

struct mthread {
	struct mside *m;
	enum op op;
	int size, cpu;
	long n;
	double ns;
};

static void *mthread_fn(void *p)
{
	struct mthread *t = p;
	static uint8_t data[1024];
	volatile long sink = 0;
	uint64_t t0;

	pin(t->cpu);
	kbpf_posix_set_cpu((unsigned int)t->cpu);
	t0 = now_ns();
	for (long i = 0; i < t->n; i++) {
		switch (t->op) {
		case OP_PERF:
			sink += kbpf_perf_event_array_output(
				t->m->perf_map, (uint32_t)t->cpu,
				BPF_F_CURRENT_CPU, data, (uint64_t)t->size, 1);
			break;
		case OP_RB_OUTPUT:
			sink += kbpf_ringbuf_output(t->m->rb, data,
						    (uint64_t)t->size,
						    BPF_RB_NO_WAKEUP);
			break;
		case OP_RB_RESERVE: {
			void *r = kbpf_ringbuf_reserve(t->m->rb,
						       (uint64_t)t->size);

			if (r)
				kbpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
			else
				sink++;
			break;
		}
		case OP_RB_DYNPTR: {
			/* The helpers themselves: the dynptr is filled and read. */
			struct kbpf_run run = { .host = kbpf_posix_host() };
			uint64_t d[2];

			sink += (long)kbpf_default_helpers
					[BPF_FUNC_ringbuf_reserve_dynptr]
						.fn(&run,
						    (uint64_t)(uintptr_t)
							    t->m->rb,
						    (uint64_t)t->size, 0,
						    (uint64_t)(uintptr_t)d, 0);
			kbpf_default_helpers[BPF_FUNC_ringbuf_submit_dynptr].fn(
				&run, (uint64_t)(uintptr_t)d, BPF_RB_NO_WAKEUP,
				0, 0, 0);
			break;
		}
		case OP_NONE:
			break;
		}
		/* Drain now and then (consumer = producer), as the kernel side. */
		if ((i & 4095) == 4095 && t->op != OP_PERF && t->cpu == 0)
			__atomic_store_n(t->m->cons,
					 kbpf_ringbuf_query(t->m->rb,
							    BPF_RB_PROD_POS),
					 __ATOMIC_RELEASE);
	}
	t->ns = (double)(now_ns() - t0) / (double)t->n;
	(void)sink;
	return NULL;
}

static double kbpf_ns(struct mside *m, enum op op, int size, int threads)
{
	double best = 1e30;

	for (int rep = 0; rep < 5; rep++) {
		struct mthread t[2];
		pthread_t th[2];
		double w;

		for (int i = 0; i < threads; i++) {
			t[i] = (struct mthread){
				m, op, size, i, 4L * REPEAT * OPS, 0
			};
			pthread_create(&th[i], NULL, mthread_fn, &t[i]);
		}
		for (int i = 0; i < threads; i++)
			pthread_join(th[i], NULL);
		__atomic_store_n(m->cons,
				 kbpf_ringbuf_query(m->rb, BPF_RB_PROD_POS),
				 __ATOMIC_RELEASE);
		w = t[0].ns;
		if (threads == 2)
			w = (t[0].ns > t[1].ns ? t[0].ns : t[1].ns) / 2;
		if (w < best)
			best = w;
	}
	return best;
}

#define MAX_ROUNDS 15

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

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

static double pct(long part, long all)
{
	return all ? 100.0 * (double)part / (double)all : 0.0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		enum op op;
	} ops[] = {
		{ "perf_event_output", OP_PERF },
		{ "ringbuf_output", OP_RB_OUTPUT },
		{ "ringbuf_reserve+submit", OP_RB_RESERVE },
		{ "ringbuf_dynptr res+sub", OP_RB_DYNPTR },
	};
	static const int sizes[] = { 8, 64, 1024 };
	int threads = argc > 1 && !strcmp(argv[1], "full") ? 2 : 1;
	int rounds = 5;
	struct kside k, kp;
	struct mside m;
	int have_kernel;

	if (getenv("KBPF_BENCH_ROUNDS")) {
		rounds = atoi(getenv("KBPF_BENCH_ROUNDS"));
		rounds = rounds < 1	     ? 1 :
			 rounds > MAX_ROUNDS ? MAX_ROUNDS :
					       rounds;
	}
	/* kbpf proves the programs, so its test runs run the native code */
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	have_kernel = kside_open(&k, 0) == 0;
	if (mside_open(&m) || kside_open(&kp, 1)) {
		fprintf(stderr, "kbpf setup failed\n");
		return 1;
	}
	printf("stream output, ns/record, median (least-greatest) of %d rounds%s\n",
	       rounds, have_kernel ? "" : " -- kernel side unavailable");
	printf("%-23s %5s %4s %22s %22s %20s %7s %6s %6s\n", "operation",
	       "bytes", "prod", "kbpf (JIT)", "kernel", "kbpf/kernel", "kbpf C",
	       "k shrt", "m shrt");
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
		for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++)
			for (int th = 1; th <= threads; th++) {
				double mc =
					kbpf_ns(&m, ops[o].op, sizes[s], th);
				double kk[MAX_ROUNDS], mp[MAX_ROUNDS],
					q[MAX_ROUNDS], sk[3], sm[3], sq[3];

				memset(k_short_calls, 0, sizeof(k_short_calls));
				memset(k_calls, 0, sizeof(k_calls));
				for (int r = 0; r < rounds; r++) {
					if (r & 1)
						mp[r] = kernel_ns(&kp,
								  ops[o].op,
								  sizes[s], th);
					kk[r] = have_kernel ?
							kernel_ns(&k, ops[o].op,
								  sizes[s],
								  th) :
							-1;
					if (!(r & 1))
						mp[r] = kernel_ns(&kp,
								  ops[o].op,
								  sizes[s], th);
					q[r] = mp[r] > 0 && kk[r] > 0 ?
						       mp[r] / kk[r] :
						       -1;
				}
				spread(mp, rounds, sm);
				spread(kk, rounds, sk);
				spread(q, rounds, sq);
				printf("%-23s %5d %4d %6.1f (%5.1f-%6.1f) %6.1f (%5.1f-%6.1f) %5.2fx (%4.2f-%4.2f) %7.1f %5.1f%% %5.1f%%\n",
				       ops[o].name, sizes[s], th, sm[0], sm[1],
				       sm[2], sk[0], sk[1], sk[2], sq[0], sq[1],
				       sq[2], mc,
				       pct(k_short_calls[0], k_calls[0]),
				       pct(k_short_calls[1], k_calls[1]));
			}
	printf("(kbpf and kernel: the same BPF program, 64 outputs a run, through BPF_PROG_TEST_RUN (kbpf: verifier\n"
	       " ENFORCE, native code, thread CPU time; kernel: JIT, its test-run duration), divided by the runs executed,\n"
	       " minus the same loop without the call; ratio = kbpf / kernel per round, < 1: kbpf cheaper. kbpf C: the C\n"
	       " functions the helpers call, NOT the program path. k/m shrt: kernel/kbpf test-run calls whose last run wrote\n"
	       " fewer than 64 records (refused for room, which flatters that side). \"full\": 2 producers too)\n");
	return 0;
}
