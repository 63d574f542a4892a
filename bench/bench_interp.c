// SPDX-License-Identifier: MIT
/*
 * Interpreter speed: ns per executed instruction on the CPU-bound programs
 * of bench/progs/progs.c (the same bytes ubpf and the kernel were measured
 * on, research/bench-anchors.md), in kbpf's fast and checked modes (and
 * checked with the pointer rules of loaders without CAP_PERFMON), and on
 * the kernel's JIT through BPF_PROG_TEST_RUN with repeat, in the same run.
 * Prints medians of several samples and the ratios.
 *
 * With -DKBPF_UBPF_DIR=<a ubpf checkout built outside this repository>
 * (cmake -S <dir> -B <dir>/build && cmake --build <dir>/build --target ubpf),
 * the same programs also run on ubpf's interpreter in the same process, and
 * the ratio against it is printed. kbpf never builds or ships ubpf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kbpf/interp.h"
#include "core/map.h"
#include "core/priv.h"
#include "core/prog.h"
#include "interp/image.h"
#include "jit/jit_prog.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#ifdef KBPF_BENCH_UBPF
#include <ubpf.h>
#endif

struct bench_prog {
	const char *name;
	uint64_t insns; /* executed per run: fixed by the bytecode */
};

/* Executed-instruction counts measured with ubpf's hook (bench-anchors A1). */
static const struct bench_prog progs[] = {
	{ "sum_loop", 90002 }, { "fnv_hash", 39527 }, { "csum", 60134 },
	{ "alu32", 104006 },   { "empty", 2 },
};

/*
 * The thread's CPU time, not the wall clock: the kernel's
 * BPF_PROG_TEST_RUN timer (net/bpf/test_run.c) stops while the task
 * reschedules between repetitions, so on a loaded machine a wall clock
 * here counted other processes' time against kbpf and ubpf only (3-5x on
 * this shared 2-vCPU VM, where the user time of the same runs matched
 * the kernel's figure).
 */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_d);
	return v[n / 2];
}

/* @priv: the loader's (KBPF_PRIV_BPF alone: checked runs with the pointer rules). */
static double kbpf_ns_per_run(struct bpf_insn *insns, uint32_t len,
			      enum kbpf_interp_mode mode, uint32_t priv,
			      int reps)
{
	/* A host keeps its table's address: not looked up per run. */
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_prog prog;
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = sizeof(ctx),
					 .mode = mode };
	double s[7];
	uint64_t r0;

	memset(&prog, 0, sizeof(prog));
	prog.priv = priv;
	prog.insns = insns;
	prog.len = len;
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < reps; i++)
			if (kbpf_interp_run(&prog, h, &args, &r0))
				return -1;
		s[k] = (double)(now_ns() - t0) / reps;
	}
	return median(s, 7);
}

static double kernel_ns_per_run(struct bpf_insn *insns, uint32_t len, int reps)
{
	union bpf_attr a;
	uint8_t data[64] = { 0 };
	double s[7];
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = len;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return -1;
	for (int k = 0; k < 7; k++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)data;
		a.test.data_size_in = sizeof(data);
		a.test.repeat = (uint32_t)reps;
		if (syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a))) {
			close(fd);
			return -1;
		}
		s[k] = a.test.duration;
	}
	close(fd);
	return median(s, 7);
}

/*
 * kbpf's JIT on the same bytes: ns per run (median of 7), the compile time
 * (image and native code, median of 7 loads, ns) and the native bytes of
 * the program's functions. -1 if the program got no native code.
 */
static double kbpf_jit_ns_per_run(struct bpf_insn *insns, uint32_t len,
				  int reps, double *compile_ns, size_t *bytes)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_prog prog;
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = sizeof(ctx),
					 .mode = KBPF_INTERP_FAST };
	const struct kbpf_jit_image *img;
	double s[7], c[7];
	uint64_t r0;

	for (int k = 0; k < 7; k++) {
		uint64_t t0;

		memset(&prog, 0, sizeof(prog));
		prog.obj.host = kbpf_posix_host();
		prog.priv = KBPF_PRIV_ALL;
		/* Proven: fast code only (no checked code to compile). */
		prog.verified = true;
		prog.insns = insns;
		prog.len = len;
		t0 = now_ns();
		if (kbpf_interp_prepare(&prog, NULL) || kbpf_jit_compile(&prog))
			return -1;
		c[k] = (double)(now_ns() - t0);
		if (k < 6) {
			kbpf_jit_release(&prog);
			kbpf_interp_release(&prog);
		}
	}
	*compile_ns = median(c, 7);
	img = kbpf_jit_image(&prog);
	if (!img) {
		kbpf_interp_release(&prog);
		return -1;
	}
	*bytes = img->insn_off[img->nr_insns] - img->insn_off[0];
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < reps; i++)
			if (kbpf_interp_run(&prog, h, &args, &r0))
				return -1;
		s[k] = (double)(now_ns() - t0) / reps;
	}
	kbpf_jit_release(&prog);
	kbpf_interp_release(&prog);
	return median(s, 7);
}

/* The kernel JIT's code size for the same bytes (jited_prog_len), or 0. */
static uint32_t kernel_jited_len(struct bpf_insn *insns, uint32_t len)
{
	union bpf_attr a;
	struct bpf_prog_info info;
	int fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = len;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0)
		return 0;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a)))
		info.jited_prog_len = 0;
	close(fd);
	return info.jited_prog_len;
}

/*
 * bench_interp --dump FILE.bin jit|jitchk|kernel: write the native code of
 * the program's functions (kbpf's fast or checked code, or the kernel's
 * jited_prog_insns) to stdout as raw bytes, for
 * `objdump -D -b binary -m i386:x86-64 FILE` and an instruction by
 * instruction comparison (docs/design/jit.md, Speed).
 */
static int dump_native(const char *path, const char *who)
{
	static struct bpf_insn insns[65536];
	static uint8_t code[1 << 20];
	FILE *f = fopen(path, "rb");
	size_t n, len = 0;

	if (!f)
		return 1;
	n = fread(insns, sizeof(insns[0]), 65536, f);
	fclose(f);
	if (!strcmp(who, "kernel")) {
		union bpf_attr a;
		struct bpf_prog_info info;
		int fd;

		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insn_cnt = (uint32_t)n;
		a.insns = (uint64_t)(uintptr_t)insns;
		a.license = (uint64_t)(uintptr_t) "GPL";
		fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
		if (fd < 0)
			return 1;
		memset(&info, 0, sizeof(info));
		info.jited_prog_len = sizeof(code);
		info.jited_prog_insns = (uint64_t)(uintptr_t)code;
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		if (syscall(__NR_bpf, BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a))) {
			close(fd);
			return 1;
		}
		close(fd);
		len = info.jited_prog_len < sizeof(code) ? info.jited_prog_len :
							   sizeof(code);
	} else {
		struct kbpf_prog prog;
		const struct kbpf_jit_image *img;

		memset(&prog, 0, sizeof(prog));
		prog.obj.host = kbpf_posix_host();
		prog.priv = KBPF_PRIV_ALL;
		prog.insns = insns;
		prog.len = (uint32_t)n;
		if (kbpf_interp_prepare(&prog, NULL) || kbpf_jit_compile(&prog))
			return 1;
		/* "jitchk": an unverified program's checked code */
		img = strcmp(who, "jitchk") ? kbpf_jit_image(&prog) :
					      kbpf_jit_chk_image(&prog);
		if (!img)
			return 1;
		len = img->insn_off[img->nr_insns] - img->insn_off[0];
		if (len > sizeof(code))
			len = sizeof(code);
		memcpy(code, img->code + img->insn_off[0], len);
		kbpf_jit_release(&prog);
		kbpf_interp_release(&prog);
	}
	return fwrite(code, 1, len, stdout) == len ? 0 : 1;
}

#ifdef KBPF_BENCH_UBPF
/* ubpf's interpreter (no JIT) on the same bytes and the same 64-byte ctx. */
static double ubpf_ns_per_run(struct bpf_insn *insns, uint32_t len, int reps)
{
	struct ubpf_vm *vm = ubpf_create();
	uint8_t mem[64] = { 0 };
	char *err = NULL;
	uint64_t ret;
	double s[7];

	if (!vm)
		return -1;
	if (ubpf_load(vm, insns, len * (uint32_t)sizeof(*insns), &err)) {
		fprintf(stderr, "ubpf_load: %s\n", err ? err : "?");
		free(err);
		ubpf_destroy(vm);
		return -1;
	}
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < reps; i++)
			if (ubpf_exec(vm, mem, sizeof(mem), &ret)) {
				ubpf_destroy(vm);
				return -1;
			}
		s[k] = (double)(now_ns() - t0) / reps;
	}
	ubpf_destroy(vm);
	return median(s, 7);
}

/* ubpf's JIT (ubpf_compile) on the same bytes: ns per run, or -1. */
static double ubpf_jit_ns_per_run(struct bpf_insn *insns, uint32_t len,
				  int reps)
{
	struct ubpf_vm *vm = ubpf_create();
	uint8_t mem[64] = { 0 };
	char *err = NULL;
	ubpf_jit_fn fn;
	double s[7];
	volatile uint64_t sink = 0;

	if (!vm)
		return -1;
	if (ubpf_load(vm, insns, len * (uint32_t)sizeof(*insns), &err)) {
		free(err);
		ubpf_destroy(vm);
		return -1;
	}
	fn = ubpf_compile(vm, &err);
	if (!fn) {
		fprintf(stderr, "ubpf_compile: %s\n", err ? err : "?");
		free(err);
		ubpf_destroy(vm);
		return -1;
	}
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < reps; i++)
			sink += fn(mem, sizeof(mem));
		s[k] = (double)(now_ns() - t0) / reps;
	}
	(void)sink;
	ubpf_destroy(vm);
	return median(s, 7);
}
#endif

/*
 * Checked native code (src/jit/checked.c) against proven native code and
 * the checked interpreter: ns per run (median of 7) of @prog run in @mode.
 */
static double prog_ns_per_run(struct kbpf_prog *prog,
			      enum kbpf_interp_mode mode, int reps)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = sizeof(ctx),
					 .mode = mode };
	double s[7];
	uint64_t r0;

	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < reps; i++)
			if (kbpf_interp_run(prog, h, &args, &r0))
				return -1;
		s[k] = (double)(now_ns() - t0) / reps;
	}
	return median(s, 7);
}

/*
 * @insns (with @map as map index 0, if any) loaded as an unverified
 * program of a loader with every capability, with native code if @jit:
 * fast code for fast runs, checked code for checked runs.
 */
static struct kbpf_prog *chk_load(struct bpf_insn *insns, uint32_t len,
				  struct kbpf_map *map, bool jit)
{
	struct kbpf_prog_load_opts opts = { .kernel_ptrs = true,
					    .maps = &map,
					    .nr_maps = map ? 1 : 0 };
	union bpf_attr a;
	struct kbpf_prog *p = NULL;
	bool was = kbpf_posix_jit_on();

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = len;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	kbpf_posix_set_jit(jit && was);
	if (kbpf_prog_load(kbpf_posix_host(), &a, &opts, &p))
		p = NULL;
	kbpf_posix_set_jit(was);
	return p;
}

#define BI(c, d, s_, o, i)                   \
	((struct bpf_insn){ .code = (c),     \
			    .dst_reg = (d),  \
			    .src_reg = (s_), \
			    .off = (o),      \
			    .imm = (i) })

/*
 * The map-lookup program: 1000 lookups of keys 0-3 of an ARRAY, each
 * value incremented: 13 instructions an iteration (ld_imm64 is one).
 */
static uint32_t lookup_prog(struct bpf_insn *p)
{
	uint32_t n = 0;

	p[n++] = BI(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0);
	/* loop: */
	p[n++] = BI(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = BI(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 3);
	p[n++] = BI(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0);
	p[n++] = BI(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_IDX, 0, 0);
	p[n++] = BI(0, 0, 0, 0, 0);
	p[n++] = BI(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = BI(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = BI(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = BI(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0);
	p[n++] = BI(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0);
	p[n++] = BI(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1);
	p[n++] = BI(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0);
	p[n++] = BI(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
	p[n++] = BI(BPF_JMP | BPF_JLT | BPF_K, 6, 0, -14, 1000);
	p[n++] = BI(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = BI(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

/* One row: proven native, checked native, the checked interpreter. */
static void chk_row(const char *name, struct bpf_insn *insns, uint32_t len,
		    struct kbpf_map *map, uint64_t executed, int reps)
{
	struct kbpf_prog *pj = chk_load(insns, len, map, true);
	struct kbpf_prog *pi = chk_load(insns, len, map, false);
	double proven = -1, chk = -1, interp = -1;

	if (pj && pj->jit && pj->jit_chk && pi) {
		/* A fast runner: the code a proof would run. */
		proven = prog_ns_per_run(pj, KBPF_INTERP_FAST, reps);
		chk = prog_ns_per_run(pj, KBPF_INTERP_CHECKED, reps);
		interp = prog_ns_per_run(pi, KBPF_INTERP_CHECKED, reps);
	}
	if (proven <= 0 || chk <= 0 || interp <= 0)
		printf("%-10s no checked native code (no backend, or KBPF_JIT=0)\n",
		       name);
	else
		printf("%-10s %10.3f %10.3f %10.3f %10.2f %10.2f\n", name,
		       proven / executed, chk / executed, interp / executed,
		       chk / proven, interp / chk);
	if (pj)
		kbpf_prog_put(pj);
	if (pi)
		kbpf_prog_put(pi);
}

static void chk_table(const char *dir)
{
	static struct bpf_insn insns[65536];
	union bpf_attr a;
	struct kbpf_map *map = NULL;

	printf("\nchecked native code: ns per executed instruction (median of 7 samples), same run\n");
	printf("%-10s %10s %10s %10s %10s %10s\n", "program", "proven JIT",
	       "chk JIT", "chk interp", "chk/proven", "interp/chk");
	for (size_t p = 0; p + 1 < sizeof(progs) / sizeof(progs[0]); p++) {
		char path[512];
		FILE *f;
		size_t n;

		snprintf(path, sizeof(path), "%s/%s.bin", dir, progs[p].name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(insns, sizeof(insns[0]), 65536, f);
		fclose(f);
		chk_row(progs[p].name, insns, (uint32_t)n, NULL, progs[p].insns,
			200);
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	if (kbpf_map_create(kbpf_posix_host(), &a, &map))
		return;
	/* 1 + 13 per iteration + 2 */
	chk_row("lookup", insns, lookup_prog(insns), map, 1 + 13 * 1000 + 2,
		2000);
	kbpf_map_put(map);
}

/*
 * bench_interp --run FILE.bin fast|checked|unpriv|jit|jitchk|ubpf|ubpfjit REPS: run one program REPS
 * times and nothing else, for bench/interp_icount.sh, which counts the host
 * instructions under callgrind (exact, whatever the machine's load).
 */
/*
 * bench_interp --run lookup jit|jitchk|checked REPS: the map-lookup
 * program of the checked-code table, run REPS times, for callgrind.
 */
static int run_lookup(const char *mode, int reps)
{
	static struct bpf_insn insns[64];
	union bpf_attr a;
	struct kbpf_map *map = NULL;
	struct kbpf_prog *p;
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx, .ctx_size = sizeof(ctx) };
	uint64_t r0;
	int err = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	if (kbpf_map_create(kbpf_posix_host(), &a, &map))
		return 1;
	p = chk_load(insns, lookup_prog(insns), map, strcmp(mode, "checked"));
	args.mode = strcmp(mode, "jit") ? KBPF_INTERP_CHECKED :
					  KBPF_INTERP_FAST;
	if (!p || (!strcmp(mode, "jitchk") && !p->jit_chk))
		err = 1;
	for (int i = 0; i < reps && !err; i++)
		err = kbpf_interp_run(p, kbpf_posix_host(), &args, &r0) != 0;
	if (p)
		kbpf_prog_put(p);
	kbpf_map_put(map);
	return err;
}

static int run_only(const char *path, const char *mode, int reps)
{
	const struct kbpf_host *h = kbpf_posix_host();
	static struct bpf_insn insns[65536];
	struct kbpf_prog prog;
	uint8_t ctx[64] = { 0 };
	struct kbpf_interp_args args = { .ctx = ctx, .ctx_size = sizeof(ctx) };
	uint64_t r0 = 0;
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!strcmp(path, "lookup"))
		return run_lookup(mode, reps);
	if (!f)
		return 1;
	n = fread(insns, sizeof(insns[0]), 65536, f);
	fclose(f);
	if (!strcmp(mode, "ubpf") || !strcmp(mode, "ubpfjit")) {
#ifdef KBPF_BENCH_UBPF
		struct ubpf_vm *vm = ubpf_create();
		char *err = NULL;
		ubpf_jit_fn fn = NULL;

		if (!vm ||
		    ubpf_load(vm, insns, (uint32_t)(n * sizeof(*insns)), &err))
			return 1;
		/* "ubpfjit": ubpf's JIT, called as bench_interp times it */
		if (!strcmp(mode, "ubpfjit") && !(fn = ubpf_compile(vm, &err)))
			return 1;
		for (int i = 0; i < reps; i++) {
			if (fn)
				r0 = fn(ctx, sizeof(ctx));
			else
				ubpf_exec(vm, ctx, sizeof(ctx), &r0);
		}
		ubpf_destroy(vm);
		return 0;
#else
		return 2;
#endif
	}
	memset(&prog, 0, sizeof(prog));
	prog.priv = KBPF_PRIV_ALL; /* a trusted loader: no pointer rules */
	prog.insns = insns;
	prog.len = (uint32_t)n;
	args.mode = strcmp(mode, "checked") && strcmp(mode, "unpriv") ?
			    KBPF_INTERP_FAST :
			    KBPF_INTERP_CHECKED;
	/* "unpriv": checked, loaded without CAP_PERFMON (the pointer rules) */
	if (!strcmp(mode, "unpriv"))
		prog.priv = KBPF_PRIV_BPF;
	/* "jit": native code, run as a fast-mode runner runs it */
	if (!strcmp(mode, "jit")) {
		prog.obj.host = kbpf_posix_host();
		prog.verified = true; /* fast code only */
		if (kbpf_interp_prepare(&prog, NULL) ||
		    kbpf_jit_compile(&prog) || !prog.jit)
			return 1;
	}
	/* "jitchk": checked native code (an unverified program, checked) */
	if (!strcmp(mode, "jitchk")) {
		prog.obj.host = kbpf_posix_host();
		args.mode = KBPF_INTERP_CHECKED;
		if (kbpf_interp_prepare(&prog, NULL) ||
		    kbpf_jit_compile(&prog) || !prog.jit_chk)
			return 1;
	}
	for (int i = 0; i < reps; i++)
		if (kbpf_interp_run(&prog, h, &args, &r0))
			return 1;
	if (prog.jit || prog.jit_chk) {
		kbpf_jit_release(&prog);
		kbpf_interp_release(&prog);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : BENCH_BIN_DIR;

	if (argc == 5 && !strcmp(argv[1], "--run"))
		return run_only(argv[2], argv[3], atoi(argv[4]));
	if (argc == 4 && !strcmp(argv[1], "--dump"))
		return dump_native(argv[2], argv[3]);

	printf("interpreter: ns per executed instruction (median of 7 samples)\n");
	printf("%-10s %10s %10s %10s %10s %12s %12s %14s\n", "program", "fast",
	       "checked", "unpriv", "kernel JIT", "checked/fast", "unpriv/chk",
	       "fast/kernel");
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		static struct bpf_insn insns[65536];
		char path[512];
		FILE *f;
		size_t n;
		double fast, checked, unpriv, kern;
		int reps = progs[p].insns > 1000 ? 200 : 200000;

		snprintf(path, sizeof(path), "%s/%s.bin", dir, progs[p].name);
		f = fopen(path, "rb");
		if (!f) {
			fprintf(stderr, "cannot open %s\n", path);
			return 1;
		}
		n = fread(insns, sizeof(insns[0]), 65536, f);
		fclose(f);
		fast = kbpf_ns_per_run(insns, (uint32_t)n, KBPF_INTERP_FAST,
				       KBPF_PRIV_ALL, reps);
		checked = kbpf_ns_per_run(insns, (uint32_t)n,
					  KBPF_INTERP_CHECKED, KBPF_PRIV_ALL,
					  reps);
		unpriv = kbpf_ns_per_run(insns, (uint32_t)n,
					 KBPF_INTERP_CHECKED, KBPF_PRIV_BPF,
					 reps);
		kern = kernel_ns_per_run(insns, (uint32_t)n, reps);
		printf("%-10s %10.3f %10.3f %10.3f %10s %12.2f %12.2f %14s\n",
		       progs[p].name, fast / progs[p].insns,
		       checked / progs[p].insns, unpriv / progs[p].insns,
		       kern < 0 ? "n/a" : ({
			       static char b[32];
			       snprintf(b, sizeof(b), "%.3f",
					kern / progs[p].insns);
			       b;
		       }),
		       checked / fast, unpriv / checked, kern <= 0 ? "n/a" : ({
			       static char b2[32];
			       snprintf(b2, sizeof(b2), "%.1fx slower",
					fast / kern);
			       b2;
		       }));
	}
	printf("\nJIT: ns per executed instruction (median of 7 samples), same run\n");
	printf("%-10s %10s %10s %10s %10s %12s %10s %10s %10s\n", "program",
	       "kbpf JIT", "kernel JIT", "kbpf fast", "fast/JIT", "JIT/kernel",
	       "compile us", "B/insn", "kernel B/i");
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		static struct bpf_insn insns[65536];
		char path[512];
		FILE *f;
		size_t n, bytes = 0;
		double jit, kern, fast, comp = 0;
		uint32_t klen;
		int reps = progs[p].insns > 1000 ? 200 : 200000;

		snprintf(path, sizeof(path), "%s/%s.bin", dir, progs[p].name);
		f = fopen(path, "rb");
		if (!f)
			return 1;
		n = fread(insns, sizeof(insns[0]), 65536, f);
		fclose(f);
		jit = kbpf_jit_ns_per_run(insns, (uint32_t)n, reps, &comp,
					  &bytes);
		if (jit < 0) {
			printf("%-10s no native code (no backend, or KBPF_JIT=0)\n",
			       progs[p].name);
			continue;
		}
		kern = kernel_ns_per_run(insns, (uint32_t)n, reps);
		fast = kbpf_ns_per_run(insns, (uint32_t)n, KBPF_INTERP_FAST,
				       KBPF_PRIV_ALL, reps);
		klen = kernel_jited_len(insns, (uint32_t)n);
		printf("%-10s %10.3f %10.3f %10.3f %10.1f %12.2f %10.1f %10.2f %10.2f\n",
		       progs[p].name, jit / progs[p].insns,
		       kern > 0 ? kern / progs[p].insns : -1.0,
		       fast / progs[p].insns, fast / jit,
		       kern > 0 ? jit / kern : -1.0, comp / 1000.0,
		       (double)bytes / (double)n,
		       klen ? (double)klen / (double)n : -1.0);
	}
	printf("(-1: the kernel could not be asked; B/insn: native bytes per BPF instruction, functions only)\n");
#ifdef KBPF_BENCH_UBPF
	printf("\nagainst ubpf's interpreter and JIT, same bytes, same process (ns per executed instruction)\n");
	printf("%-10s %10s %10s %16s %16s %10s %10s %14s\n", "program",
	       "kbpf fast", "ubpf", "ubpf/kbpf fast", "ubpf/kbpf checked",
	       "kbpf JIT", "ubpf JIT", "ubpf JIT/kbpf");
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		static struct bpf_insn insns[65536];
		char path[512];
		FILE *f;
		size_t n;
		double fast, checked, ub;
		int reps = progs[p].insns > 1000 ? 200 : 200000;

		snprintf(path, sizeof(path), "%s/%s.bin", dir, progs[p].name);
		f = fopen(path, "rb");
		if (!f)
			return 1;
		n = fread(insns, sizeof(insns[0]), 65536, f);
		fclose(f);
		fast = kbpf_ns_per_run(insns, (uint32_t)n, KBPF_INTERP_FAST,
				       KBPF_PRIV_ALL, reps);
		checked = kbpf_ns_per_run(insns, (uint32_t)n,
					  KBPF_INTERP_CHECKED, KBPF_PRIV_ALL,
					  reps);
		ub = ubpf_ns_per_run(insns, (uint32_t)n, reps);
		{
			double comp, kj, uj;
			size_t bytes;

			kj = kbpf_jit_ns_per_run(insns, (uint32_t)n, reps,
						 &comp, &bytes);
			uj = ubpf_jit_ns_per_run(insns, (uint32_t)n, reps);
			printf("%-10s %10.3f %10.3f %15.2fx %16.2fx %10.3f %10.3f %13.2fx\n",
			       progs[p].name, fast / progs[p].insns,
			       ub / progs[p].insns, ub / fast, ub / checked,
			       kj / progs[p].insns, uj / progs[p].insns,
			       kj > 0 && uj > 0 ? uj / kj : -1.0);
		}
	}
#else
	printf("reference (not this run, research/bench-anchors.md): ubpf interpreter 4.4-5.2 ns/insn; configure with -DKBPF_UBPF_DIR=... to measure it here\n");
	chk_table(dir);
#endif
	return 0;
}
