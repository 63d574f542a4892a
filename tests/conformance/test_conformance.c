// SPDX-License-Identifier: MIT
/*
 * The bpf_conformance suite (data/vectors.tsv): every program is run
 * directly through the interpreter, in fast and in checked mode, with r1
 * pointing at the test's memory and r2 holding its length (the suite's
 * convention), and r0 is compared with the expected 64-bit value.
 */
#include <stdlib.h>
#include <string.h>

#include "kbpf/interp.h"
#include "core/priv.h"
#include "core/prog.h"
#include "interp/image.h"
#include "jit/jit.h"
#include "jit/jit_prog.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#ifndef CONFORMANCE_DIR
#define CONFORMANCE_DIR "data"
#endif

struct vec {
	char name[96];
	int has_result;
	uint64_t result;
	uint8_t mem[256];
	size_t mem_len;
	struct bpf_insn insns[512];
	uint32_t len;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Hex bytes, with or without separators. */
static size_t parse_hex(const char *s, uint8_t *out, size_t max)
{
	size_t len = 0;

	while (*s && len < max) {
		int hi = hexval(s[0]), lo;

		if (hi < 0) {
			s++;
			continue;
		}
		lo = hexval(s[1]);
		if (lo < 0)
			break;
		out[len++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return len;
}

/* The suite's helper: the programs only need the call to return. */
static uint64_t conf_helper(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)run;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	return r1;
}

static struct kbpf_helper conf_helpers[8] = {
	[5] = { .fn = conf_helper,
		.name = "conformance_helper",
		.args = { KBPF_ARG_ANYTHING } },
};

static int parse_line(char *line, struct vec *v)
{
	char *f[5];
	int n = 0;
	char *p = line;

	if (line[0] == '#' || !line[0])
		return 0;
	while (n < 5) {
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = 0;
	}
	if (n < 5)
		return 0;
	f[4][strcspn(f[4], "\r\n")] = 0;
	memset(v, 0, sizeof(*v));
	n = (int)strnlen(f[0], sizeof(v->name) - 1);
	memcpy(v->name, f[0], (size_t)n);
	v->name[n] = 0;
	v->has_result = strcmp(f[1], "-") != 0;
	v->result = strtoull(f[1], NULL, 16);
	if (strcmp(f[3], "-"))
		v->mem_len = parse_hex(f[3], v->mem, sizeof(v->mem));
	v->len = (uint32_t)(parse_hex(f[4], (uint8_t *)v->insns,
				      sizeof(v->insns)) /
			    sizeof(struct bpf_insn));
	return 1;
}

static int run_vec(const struct vec *v, enum kbpf_interp_mode mode,
		   uint64_t *r0)
{
	struct kbpf_prog prog;
	struct kbpf_interp_args args = { 0 };
	uint8_t mem[256];

	memset(&prog, 0, sizeof(prog));
	prog.priv = KBPF_PRIV_ALL; /* a trusted loader: no pointer rules */
	prog.insns = (struct bpf_insn *)v->insns;
	prog.len = v->len;
	prog.helpers = conf_helpers;
	prog.nr_helpers = 8;
	memcpy(mem, v->mem, sizeof(mem));
	args.ctx = v->mem_len ? mem : NULL;
	args.ctx_size = v->mem_len;
	args.ctx_writable = true;
	args.r2 = v->mem_len;
	args.mode = mode;
	return kbpf_interp_run(&prog, kbpf_posix_host(), &args, r0);
}

KBPF_TEST(
	conformance_vectors,
	"all 313 bpf_conformance programs give the expected r0 in fast and checked mode")
{
	FILE *f = fopen(CONFORMANCE_DIR "/vectors.tsv", "r");
	static char line[65536];
	static struct vec v;
	int total = 0, pass_fast = 0, pass_checked = 0;

	T_ASSERT(f != NULL);
	while (fgets(line, sizeof(line), f)) {
		uint64_t r0 = 0;
		int err;

		if (!parse_line(line, &v) || !v.has_result)
			continue;
		total++;
		err = run_vec(&v, KBPF_INTERP_FAST, &r0);
		if (!err && r0 == v.result)
			pass_fast++;
		else
			printf("  fast    %-32s err %d r0 0x%llx expected 0x%llx\n",
			       v.name, err, (unsigned long long)r0,
			       (unsigned long long)v.result);
		r0 = 0;
		err = run_vec(&v, KBPF_INTERP_CHECKED, &r0);
		if (!err && r0 == v.result)
			pass_checked++;
		else
			printf("  checked %-32s err %d r0 0x%llx expected 0x%llx\n",
			       v.name, err, (unsigned long long)r0,
			       (unsigned long long)v.result);
	}
	fclose(f);
	printf("  conformance: %d vectors, fast %d passed, checked %d passed\n",
	       total, pass_fast, pass_checked);
	T_EQ(total, 313);
	T_EQ(pass_fast, total);
	T_EQ(pass_checked, total);
}

/*
 * The same vectors through the JIT (src/jit/): the program gets the image
 * a load gives it and native code, and runs in @mode: fast mode runs its
 * fast code (*@native: it has some), checked mode its checked code (the
 * program is unverified and its loader has CAP_PERFMON: checked.c;
 * *@native: it has checked code). The programs the JIT leaves to the
 * interpreter (jit.h) are counted apart: callx (the suite's call by
 * register) and instructions the interpreter refuses.
 */
static int run_vec_jit(const struct vec *v, uint32_t mode, uint64_t *r0,
		       bool *native)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_prog prog;
	struct kbpf_interp_args args = { 0 };
	uint8_t mem[256];
	int err;

	memset(&prog, 0, sizeof(prog));
	prog.obj.host = h;
	prog.priv = KBPF_PRIV_ALL;
	prog.insns = (struct bpf_insn *)v->insns;
	prog.len = v->len;
	prog.helpers = conf_helpers;
	prog.nr_helpers = 8;
	err = kbpf_interp_prepare(&prog, NULL);
	if (!err)
		err = kbpf_jit_compile(&prog);
	if (err)
		return err;
	*native = mode == KBPF_INTERP_FAST ? prog.jit != NULL :
					     prog.jit_chk != NULL;
	memcpy(mem, v->mem, sizeof(mem));
	args.ctx = v->mem_len ? mem : NULL;
	args.ctx_size = v->mem_len;
	args.ctx_writable = true;
	args.r2 = v->mem_len;
	args.mode = mode;
	err = kbpf_interp_run(&prog, h, &args, r0);
	kbpf_jit_release(&prog);
	kbpf_interp_release(&prog);
	return err;
}

/* The vectors through the JIT in @mode; its counts in @native, @callx. */
static int conf_jit(uint32_t mode, int *native, int *callx)
{
	FILE *f;
	static char line[65536];
	static struct vec v;
	int total = 0, pass = 0;

	*native = *callx = 0;
	f = fopen(CONFORMANCE_DIR "/vectors.tsv", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		uint64_t r0 = 0;
		bool nat = false;
		int err;

		if (!parse_line(line, &v) || !v.has_result)
			continue;
		total++;
		for (uint32_t i = 0; i < v.len; i++)
			if (v.insns[i].code == (BPF_JMP | BPF_CALL | BPF_X)) {
				++*callx;
				break;
			}
		err = run_vec_jit(&v, mode, &r0, &nat);
		*native += nat;
		if (!err && r0 == v.result)
			pass++;
		else
			printf("  jit %-32s native %d err %d r0 0x%llx expected 0x%llx\n",
			       v.name, nat, err, (unsigned long long)r0,
			       (unsigned long long)v.result);
	}
	fclose(f);
	printf("  conformance (JIT, %s): %d vectors, %d passed, %d native, "
	       "%d with callx\n",
	       mode == KBPF_INTERP_FAST ? "fast" : "checked", total, pass,
	       *native, *callx);
	return total == 313 && pass == total ? 0 : 1;
}

KBPF_TEST(conformance_vectors_jit,
	  "all 313 bpf_conformance programs give the expected r0 through the "
	  "JIT, and every one without callx runs as native code")
{
	int native, callx;

	if (!kbpf_jit_available())
		T_SKIP("no JIT backend for this architecture");
	if (!kbpf_posix_jit_on())
		T_SKIP("the host's JIT is off (KBPF_JIT=0)");
	T_EQ(conf_jit(KBPF_INTERP_FAST, &native, &callx), 0);
	T_EQ(native, 313 - callx);
	T_EQ(kbpf_posix_jit_live(), 0);
}

KBPF_TEST(conformance_vectors_jit_checked,
	  "all 313 bpf_conformance programs, unverified, give the expected r0 "
	  "in checked runs through checked native code (src/jit/checked.c), "
	  "and every one without callx runs as checked native code")
{
	/* What run_vec_jit() loads: unverified, every privilege. */
	struct kbpf_prog unproved = { .priv = KBPF_PRIV_ALL };
	int native, callx;

	if (!kbpf_jit_available())
		T_SKIP("no JIT backend for this architecture");
	if (!kbpf_posix_jit_on())
		T_SKIP("the host's JIT is off (KBPF_JIT=0)");
	if (!KBPF_JIT_CHECKED)
		T_SKIP("checked native code is off in this build "
		       "(-DKBPF_JIT_CHECKED=OFF)");
	if (!kbpf_jit_wants_checked(&unproved))
		T_SKIP("this architecture's backend has no checked code");
	T_EQ(conf_jit(KBPF_INTERP_CHECKED, &native, &callx), 0);
	T_EQ(native, 313 - callx);
	T_EQ(kbpf_posix_jit_live(), 0);
}

/* What Linux 6.18 did with the vector: 1 loaded, 0 refused, -1 unknown; its reason. */
static int linux_result(const char *name, char *reason, size_t size)
{
	FILE *f = fopen(CONFORMANCE_DIR "/linux-6.18-results.txt", "r");
	char line[512];
	int r = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char st[32], nm[128];
		int off = 0;

		if (sscanf(line, "%31s %127s %n", st, nm, &off) < 2 ||
		    strcmp(nm, name))
			continue;
		/* PASS and FAIL loaded (and ran); LOAD-FAIL and PASS(rejected) did not. */
		r = !strcmp(st, "PASS") || !strcmp(st, "FAIL") ? 1 :
		    !strcmp(st, "LOAD-FAIL") || !strcmp(st, "PASS(rejected)") ?
								 0 :
								 -1;
		snprintf(reason, size, "%s", line + off);
		reason[strcspn(reason, "\n")] = 0;
		break;
	}
	fclose(f);
	return r;
}

static int try_load(const struct vec *v, char *log, size_t log_size)
{
	union bpf_attr a;
	struct kbpf_prog_load_opts opts = { .kernel_ptrs = true,
					    .helpers = conf_helpers,
					    .nr_helpers = 8 };
	struct kbpf_prog *prog;
	int err;

	memset(&a, 0, sizeof(a));
	/*
	 * A type whose context is plain memory: socket filters have
	 * __sk_buff, whose accesses kbpf checks and rewrites as Linux does.
	 */
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = v->len;
	a.insns = (uint64_t)(uintptr_t)v->insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = (uint32_t)log_size;
	a.log_buf = (uint64_t)(uintptr_t)log;
	err = kbpf_prog_load(kbpf_posix_host(), &a, &opts, &prog);
	if (!err)
		kbpf_prog_put(prog);
	return err;
}

static void load_file(const char *path, int *agree, int *total, int *refused,
		      int *verifier_only)
{
	FILE *f = fopen(path, "r");
	static char line[65536], log[4096];
	static struct vec v;

	if (!f) {
		kbpf_test_fail(__FILE__, __LINE__, "cannot open %s", path);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char reason[256];
		int lx, err;

		if (!parse_line(line, &v) || !v.len)
			continue;
		lx = linux_result(v.name, reason, sizeof(reason));
		if (lx < 0)
			continue;
		(*total)++;
		memset(log, 0, sizeof(log));
		err = try_load(&v, log, sizeof(log));
		if (err)
			(*refused)++;
		if ((lx == 1) == (err == 0)) {
			(*agree)++;
			/* Refused for Linux's reason: its message is in our log. */
			if (lx == 0) {
				const char *msg = strchr(reason, ':');

				msg = msg ? msg + 2 : reason;
				if (!strstr(log, msg))
					printf("  %-32s refused, but not for \"%s\": %s",
					       v.name, msg, log);
			}
		} else if (!strcmp(v.name, "error")) {
			/*
			 * Linux's verifier refuses reading an uninitialised
			 * r0 ("R0 !read_ok"): data flow, which a structural
			 * check does not track. Counted, not hidden.
			 */
			(*verifier_only)++;
		} else {
			printf("  %-32s Linux %s, kbpf %d: %s", v.name,
			       lx ? "loads it" : "refuses it", err, log);
		}
	}
	fclose(f);
}

KBPF_TEST(
	conformance_load,
	"kbpf's load-time check loads what Linux 6.18 loads and refuses what it refuses (with its message), negative vectors included")
{
	int agree = 0, total = 0, refused = 0, verifier_only = 0;

	load_file(CONFORMANCE_DIR "/vectors.tsv", &agree, &total, &refused,
		  &verifier_only);
	load_file(CONFORMANCE_DIR "/vectors-negative.tsv", &agree, &total,
		  &refused, &verifier_only);
	printf("  %d vectors with a Linux result, %d agree, %d refused at load, %d refused by Linux's data-flow verifier only\n",
	       total, agree, refused, verifier_only);
	T_EQ(agree + verifier_only, total);
	T_ASSERT(verifier_only <= 1);
	T_ASSERT(total >= 313 + 45);
}
