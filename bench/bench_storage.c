// SPDX-License-Identifier: MIT
/*
 * Task storage from a program, kbpf against the kernel in the same run:
 * one raw tracepoint program (the same instructions on both sides) takes
 * the current task with bpf_get_current_task_btf and calls
 * bpf_task_storage_get(F_CREATE) and increments the value LOOP times per
 * run; BPF_PROG_TEST_RUN runs it (raw tracepoint test runs take no
 * repeat count, so each run is one bpf(2) call, amortised over LOOP gets).
 * kbpf runs it three ways: BPF_PROG_TEST_RUN (an unverified program runs
 * checked), the fast interpreter and, where the host has a JIT, native
 * code (both through kbpf_interp_run(), as a host's own hook would). Each
 * figure is the median of 9 interleaved rounds. Every get asks the host's
 * owner_storage to check the owner (the POSIX host answers a thread's
 * repeated question from a per-thread cache): that cost is part of kbpf's
 * numbers.
 *
 *   build/<dir>/bench/bench_storage
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/prog.h"
#include "kbpf/host.h"
#include "kbpf/interp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"

#define LOOP 1000
#define RUNS 200

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long kernel_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(__NR_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static long kbpf_bpf(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* [1] int, [2] struct pair { int a; int b; }. */
static long pair_btf(long (*bpf)(int, union bpf_attr *))
{
	static const uint32_t types[] = {
		1,  BTF_KIND_INT << 24,
		4,  BTF_INT_SIGNED << 24 | 32,
		5,  BTF_KIND_STRUCT << 24 | 2,
		8,  10,
		1,  0,
		12, 1,
		32,
	};
	static const char strs[] = "\0int\0pair\0a\0b";
	static uint8_t blob[24 + sizeof(types) + sizeof(strs)];
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };
	union bpf_attr a;

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = sizeof(blob);
	return bpf(BPF_BTF_LOAD, &a);
}

static long create(long (*bpf)(int, union bpf_attr *), long btf)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_TASK_STORAGE;
	a.key_size = 4;
	a.value_size = 8;
	a.map_flags = BPF_F_NO_PREALLOC;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 2;
	return bpf(BPF_MAP_CREATE, &a);
}

#define INS(c, d, s, o, i)                  \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })

/* r6 = current task; LOOP times: v = get(map, r6, 0, F_CREATE); v->a++. */
static long load(long (*bpf)(int, union bpf_attr *), long map)
{
	struct bpf_insn p[24];
	union bpf_attr a;
	int n = 0;

	p[n++] =
		INS(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_current_task_btf);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_X, 6, 0, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, LOOP);
	/* loop: */
	p[n++] = INS(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		     (int32_t)map);
	p[n++] = INS(0, 0, 0, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_X, 2, 6, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0,
		     BPF_LOCAL_STORAGE_GET_F_CREATE);
	p[n++] = INS(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_task_storage_get);
	p[n++] = INS(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 6, 0);
	p[n++] = INS(BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1);
	p[n++] = INS(BPF_STX | BPF_MEM | BPF_W, 0, 1, 0, 0);
	p[n++] = INS(BPF_ALU64 | BPF_SUB | BPF_K, 7, 0, 0, 1);
	p[n++] = INS(BPF_JMP | BPF_JNE | BPF_K, 7, 0, -12, 0);
	p[n++] = INS(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = INS(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return bpf(BPF_PROG_LOAD, &a);
}

/* ns per storage get through BPF_PROG_TEST_RUN, or -1. */
static double test_run_ns(long (*bpf)(int, union bpf_attr *), long prog)
{
	uint64_t args[1] = { 0 }, t0 = now_ns();
	union bpf_attr a;

	for (int i = 0; i < RUNS; i++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)prog;
		a.test.ctx_in = (uint64_t)(uintptr_t)args;
		a.test.ctx_size_in = sizeof(args);
		if (bpf(BPF_PROG_TEST_RUN, &a) || a.test.retval)
			return -1;
	}
	return (double)(now_ns() - t0) / ((double)RUNS * LOOP);
}

/* ns per get with kbpf_interp_run() in fast mode (JIT when it has one). */
static double fast_ns(long prog, bool jit, bool *native)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint64_t args[1] = { 0 }, r0, t0;
	struct kbpf_interp_args ia = { .ctx = args,
				       .ctx_size = sizeof(args),
				       .mode = KBPF_INTERP_FAST };
	struct kbpf_obj *obj;
	struct kbpf_prog *p;
	double ns;

	if (kbpf_obj_fd_get(h, (int)prog, KBPF_OBJ_PROG, &obj, NULL))
		return -1;
	p = kbpf_prog_from_obj(obj);
	*native = p->jit != NULL;
	if (jit != *native) {
		kbpf_obj_put(obj);
		return -1;
	}
	t0 = now_ns();
	for (int i = 0; i < RUNS; i++)
		if (kbpf_interp_run(p, h, &ia, &r0) || r0) {
			kbpf_obj_put(obj);
			return -1;
		}
	ns = (double)(now_ns() - t0) / ((double)RUNS * LOOP);
	kbpf_obj_put(obj);
	return ns;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

int main(void)
{
	long kbtf, kmap, kprog, bbtf, bmap, bprog, bprog_jit;
	double k, b, f = -1, j = -1, ks[9], bs[9], fs[9], js[9];
	bool native;

	kbpf_posix_set_task_hooks(kbpf_posix_task_self, NULL);
	kbpf_posix_set_jit(false);
	bbtf = pair_btf(kbpf_bpf);
	bmap = create(kbpf_bpf, bbtf);
	bprog = load(kbpf_bpf, bmap);
	kbpf_posix_set_jit(true);
	bprog_jit = load(kbpf_bpf, bmap);
	if (bprog < 0 || bprog_jit < 0) {
		fprintf(stderr, "kbpf: cannot load (%ld, %ld)\n", bprog,
			bprog_jit);
		return 1;
	}
	kbtf = pair_btf(kernel_bpf);
	kmap = kbtf >= 0 ? create(kernel_bpf, kbtf) : kbtf;
	kprog = kmap >= 0 ? load(kernel_bpf, kmap) : kmap;
	/* Interleaved, median of 9: the machine is shared. */
	for (int r = 0; r < 9; r++) {
		ks[r] = kprog >= 0 ? test_run_ns(kernel_bpf, kprog) : -1;
		bs[r] = test_run_ns(kbpf_bpf, bprog);
		fs[r] = fast_ns(bprog, false, &native);
		js[r] = fast_ns(bprog_jit, true, &native);
	}
	b = median(bs, 9);
	f = median(fs, 9);
	j = median(js, 9);
	printf("task storage get (F_CREATE, existing value) + increment, "
	       "ns per get, %d gets per run:\n",
	       LOOP);
	if (kprog >= 0) {
		k = median(ks, 9);
		printf("  kernel BPF_PROG_TEST_RUN (JIT)   %8.1f\n", k);
	} else {
		k = -1;
		printf("  kernel: unavailable (%s)\n", strerror((int)-kprog));
	}
	printf("  kbpf   BPF_PROG_TEST_RUN (checked) %8.1f\n", b);
	printf("  kbpf   fast interpreter            %8.1f\n", f);
	if (j >= 0)
		printf("  kbpf   JIT                         %8.1f\n", j);
	else
		printf("  kbpf   JIT: no native code here\n");
	if (k > 0)
		printf("  ratio kbpf/kernel: checked %.2f, fast %.2f%s\n",
		       b / k, f / k, j > 0 ? "" : "");
	if (k > 0 && j > 0)
		printf("  ratio kbpf JIT/kernel: %.2f\n", j / k);
	return 0;
}
