// SPDX-License-Identifier: MIT
/*
 * The arm64 backend (src/jit/arm64.c) driven directly, with hand-built
 * jit.h inputs: what the framework's tests (test_jit.c, the conformance
 * vectors) reach only by chance. The sizing passes with jumps beyond
 * b.cond's 1 MiB, -E2BIG for a short buffer, the opcodes it leaves to the
 * interpreter (on every architecture: the emitter is plain C); and, on
 * aarch64, running the code: the abort path from a nested frame, a tail
 * call's status and r1, the frame limit, the inline lookups (masked
 * too), direct map-op calls, may_goto, far jumps, and the LL/SC atomics from two threads.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "jit/jit.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define INSN(c, d, s, o, i)                 \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define MOV64_K(d, i) INSN(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define ALU64_K(op, d, i) INSN(BPF_ALU64 | (op) | BPF_K, d, 0, 0, i)
#define ALU64_X(op, d, s) INSN(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define EXIT INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define SITE_CALL(s) INSN(KBPF_INTERP_OP_CALL, 0, 0, 0, s)
#define PCALL(rel) INSN(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, rel)

/* a64t_emit() asks for checked code (jit.h's kbpf_jit_in.checked). */
static bool a64t_checked;

/* A program's native code, emitted as the framework does (jit.c). */
struct a64t {
	struct kbpf_jit_in in;
	struct kbpf_jit_out out;
	uint8_t *is_func;
	uint32_t *off;
	uint8_t *code;
	int passes;
};

static int a64t_emit(struct a64t *t, const struct bpf_insn *insns, uint32_t len,
		     const struct kbpf_interp_site *sites, const uint8_t *flags,
		     uint32_t nr_sites, size_t cap_less)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint32_t *prev;
	size_t len_b = 0;
	bool stable = false;
	int err = 0;

	memset(t, 0, sizeof(*t));
	t->is_func = calloc(len, 1);
	t->off = calloc(len + 1, sizeof(uint32_t));
	prev = calloc(len + 1, sizeof(uint32_t));
	if (!t->is_func || !t->off || !prev) {
		free(prev);
		return -KBPF_ENOMEM;
	}
	t->is_func[0] = 1;
	for (uint32_t i = 0; i < len; i++)
		if ((insns[i].code == (BPF_JMP | BPF_CALL) &&
		     insns[i].src_reg == BPF_PSEUDO_CALL) ||
		    (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		     insns[i].src_reg == BPF_PSEUDO_FUNC))
			t->is_func[i + 1 + insns[i].imm] = 1;
	t->in = (struct kbpf_jit_in){ .insns = insns,
				      .len = len,
				      .sites = sites,
				      .site_flags = flags,
				      .nr_sites = nr_sites,
				      .is_func = t->is_func,
				      .checked = a64t_checked };
	for (t->passes = 0; t->passes < KBPF_JIT_MAX_PASSES && !stable;
	     t->passes++) {
		memcpy(prev, t->off, (len + 1) * sizeof(uint32_t));
		t->out = (struct kbpf_jit_out){ .insn_off = t->off };
		err = kbpf_jit_emit_arm64(&t->in, &t->out);
		if (err)
			break;
		stable = t->passes > 0 && t->out.len == len_b &&
			 !memcmp(prev, t->off, (len + 1) * sizeof(uint32_t));
		len_b = t->out.len;
	}
	free(prev);
	if (err)
		return err;
	if (!stable)
		return -KBPF_EAGAIN;
	if (!h->jit_alloc)
		return 1; /* sized only: no executable memory (KBPF_JIT=0) */
	t->code = h->jit_alloc(h, len_b);
	if (!t->code)
		return -KBPF_ENOMEM;
	t->out = (struct kbpf_jit_out){ .buf = t->code,
					.cap = len_b - cap_less,
					.insn_off = t->off };
	err = kbpf_jit_emit_arm64(&t->in, &t->out);
	if (!err && t->out.len != len_b)
		err = -KBPF_EINVAL;
	if (!err && h->jit_seal(h, t->code, len_b))
		err = -KBPF_EPERM;
	t->out.len = len_b;
	return err;
}

static void a64t_free(struct a64t *t)
{
	const struct kbpf_host *h = kbpf_posix_host();

	if (t->code)
		h->jit_free(h, t->code, t->out.len);
	free(t->is_func);
	free(t->off);
	t->code = NULL;
	t->is_func = NULL;
	t->off = NULL;
}

/* Native code runs only where it was built for (the rest is compiled everywhere). */
#if defined(__aarch64__)
#define A64T_NATIVE 1
#else
#define A64T_NATIVE 0
#endif

/* Run from instruction 0 through the entry stub with r1 = @r1, r2..r5 = 2..5. */
static uint64_t a64t_run(const struct a64t *t, struct kbpf_jit_state *js,
			 struct kbpf_run *run, uint64_t r1)
{
	uint64_t (*stub)(const uint64_t *, struct kbpf_jit_state *,
			 const void *) =
		(uint64_t(*)(const uint64_t *, struct kbpf_jit_state *,
			     const void *))(uintptr_t)t->code;
	const uint64_t args[5] = { r1, 2, 3, 4, 5 };

	memset(run, 0, sizeof(*run));
	memset(js, 0, sizeof(*js));
	run->host = kbpf_posix_host(); /* the CPU of inline per-CPU lookups */
	js->run = run;
	js->may_goto = 5;
	js->abort_sp = 0x5678; /* an outer stub's: each entry restores it */
	return stub(args, js, t->code + t->off[0]);
}

/*
 * 100,000 instructions, nearly all helper calls (about 48 bytes each):
 * a b.cond 32,767 instructions ahead (beyond its 1 MiB), a gotol over all
 * of them and one back. r1 7 exits in the middle with 99; any other r1
 * goes to the tail, back to the start and through every call: 21.
 */
static struct bpf_insn *far_prog(uint32_t *len)
{
	uint32_t n = 100000, x = 2 + 1 + 0x7fff, i;
	struct bpf_insn *p = calloc(n + 9, sizeof(*p));

	if (!p)
		return NULL;
	p[0] = MOV64_K(6, 0);
	p[1] = ALU64_X(BPF_MOV, 7, 1);
	p[2] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 0x7fff, 7);
	p[3] = INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, (int32_t)n);
	p[4] = ALU64_K(BPF_ADD, 6, 1);
	for (i = 5; i < n + 4; i++)
		p[i] = SITE_CALL(0);
	p[x] = INSN(BPF_JMP | BPF_JNE | BPF_K, 7, 0, 2, 7);
	p[x + 1] = MOV64_K(0, 99);
	p[x + 2] = EXIT;
	p[n + 4] = INSN(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 2, 21);
	p[n + 5] = ALU64_K(BPF_ADD, 6, 20);
	p[n + 6] = INSN(BPF_JMP32 | BPF_JA, 0, 0, 0, -(int32_t)(n + 3));
	p[n + 7] = ALU64_X(BPF_MOV, 0, 6);
	p[n + 8] = EXIT;
	*len = n + 9;
	return p;
}

static uint64_t h_sum(struct kbpf_run *run, uint64_t r1, uint64_t r2,
		      uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)run;
	return r1 + 10 * r2 + 100 * r3 + 1000 * r4 + 10000 * r5;
}

static uint64_t h_fail(struct kbpf_run *run, uint64_t r1, uint64_t r2,
		       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	run->error = -KBPF_EFAULT;
	return 77;
}

static uint64_t h_tail(struct kbpf_run *run, uint64_t r1, uint64_t r2,
		       uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)r1;
	(void)r2;
	(void)r3;
	(void)r4;
	(void)r5;
	run->tail_call = (struct kbpf_prog *)run; /* only compared with NULL */
	return 0;
}

/* The lookup helper's slow path: what the key holds, marked. */
static uint64_t h_lookup(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			 uint64_t r3, uint64_t r4, uint64_t r5)
{
	(void)run;
	(void)r1;
	(void)r3;
	(void)r4;
	(void)r5;
	return 0xdead0000u + *(const uint32_t *)(uintptr_t)r2;
}

static void *type_lookup(struct kbpf_map *map, const void *key)
{
	return (char *)map + *(const uint32_t *)key;
}

/* An update sees (map, key, r3, r4); a delete (map, key). */
static long type_update(struct kbpf_map *map, const void *key,
			const void *value, uint64_t flags)
{
	return (long)((uintptr_t)map + *(const uint32_t *)key +
		      (uintptr_t)value * 0x100 + flags * 0x10000);
}

static long type_delete(struct kbpf_map *map, const void *key)
{
	return (long)((uintptr_t)map + *(const uint32_t *)key * 7);
}

static const struct kbpf_helper help_sum = { .fn = h_sum },
				help_fail = { .fn = h_fail },
				help_tail = { .fn = h_tail },
				help_lookup = { .fn = h_lookup };

KBPF_TEST(arm64_sizing,
	  "the arm64 sizing passes settle with jumps beyond b.cond's range, "
	  "the final pass needs exactly their size, and what the backend does "
	  "not compile is -EOPNOTSUPP")
{
	struct kbpf_interp_site site = { .h = &help_sum };
	static const struct bpf_insn refused[][2] = {
		{ INSN(BPF_JMP | BPF_CALL | BPF_X, 1, 0, 0, 0), EXIT },
		{ INSN(BPF_JMP | BPF_CALL, 0, 0, 0, 5), EXIT },
		{ INSN(BPF_ALU64 | BPF_END | BPF_TO_BE, 1, 0, 0, 16), EXIT },
		{ INSN(BPF_STX | BPF_ATOMIC | BPF_B, 10, 1, -8, BPF_ADD),
		  EXIT },
		{ INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_XCHG & ~1),
		  EXIT },
		{ SITE_CALL(1), EXIT },
		{ INSN(BPF_JMP | BPF_JA, 0, 0, 5, 0), EXIT },
	};
	struct bpf_insn *p;
	struct a64t t;
	uint32_t len;
	int err;

	p = far_prog(&len);
	T_ASSERT(p != NULL);
	err = a64t_emit(&t, p, len, &site, NULL, 1, 0);
	printf("  far program: %u insns, %zu bytes, %d passes\n", len,
	       t.out.len, t.passes);
	T_ASSERT(err == 0 || err == 1);
	T_ASSERT(t.out.len > (2u << 20)); /* the jumps really are far */
	T_ASSERT(t.passes <= 4);
	a64t_free(&t);
	if (kbpf_posix_host()->jit_alloc) {
		/* one instruction short: -E2BIG, not a write past the end */
		T_EQ(a64t_emit(&t, p, len, &site, NULL, 1, 4), -KBPF_E2BIG);
		a64t_free(&t);
	}
	free(p);
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		T_EQ(a64t_emit(&t, refused[i], 2, &site, NULL, 1, 0),
		     -KBPF_EOPNOTSUPP);
		a64t_free(&t);
	}
}

KBPF_TEST(arm64_checked_sizing,
	  "arm64 checked code: the sizing passes settle with backward jumps "
	  "charged over 10 MiB and exits far from the -ELOOP path, the final "
	  "pass needs exactly their size, the checked entry lies between the "
	  "abort path and the first function, and a tail call site is "
	  "-EOPNOTSUPP (the checked interpreter keeps such programs)")
{
	struct kbpf_interp_site site = { .h = &help_sum };
	static const uint8_t tail = KBPF_JIT_SITE_TAIL_CALL;
	static const struct bpf_insn tail_prog[] = { SITE_CALL(0), EXIT };
	struct bpf_insn *p;
	struct a64t t, f;
	uint32_t len;
	int err;

	p = far_prog(&len);
	T_ASSERT(p != NULL);
	a64t_checked = true;
	err = a64t_emit(&t, p, len, &site, NULL, 1, 0);
	printf("  far program, checked: %u insns, %zu bytes, %d passes\n", len,
	       t.out.len, t.passes);
	T_ASSERT(err == 0 || err == 1);
	T_ASSERT(t.passes <= 4);
	T_ASSERT(t.out.entry_off > t.out.abort_off);
	T_ASSERT(t.out.entry_off < t.off[0]);
	a64t_checked = false;
	T_ASSERT(a64t_emit(&f, p, len, &site, NULL, 1, 0) >= 0);
	/* every call site goes through kbpf_jit_chk_site(): more code */
	T_ASSERT(t.out.len > f.out.len + (4u << 20));
	T_EQ(f.out.entry_off, 0);
	a64t_free(&f);
	a64t_free(&t);
	a64t_checked = true;
	if (kbpf_posix_host()->jit_alloc) {
		T_EQ(a64t_emit(&t, p, len, &site, NULL, 1, 4), -KBPF_E2BIG);
		a64t_free(&t);
	}
	free(p);
	T_EQ(a64t_emit(&t, tail_prog, 2, &site, &tail, 1, 0), -KBPF_EOPNOTSUPP);
	a64t_free(&t);
	a64t_checked = false;
	T_ASSERT(a64t_emit(&t, tail_prog, 2, &site, &tail, 1, 0) >= 0);
	a64t_free(&t);
}

KBPF_TEST(arm64_native_paths,
	  "arm64 native code: helper arguments, r6-r9 across calls, the abort "
	  "path from a nested frame, tail call status and r1, the frame limit, "
	  "inline lookups (index mask too), direct update/delete calls, "
	  "may_goto, far jumps")
{
	struct kbpf_jit_state js;
	struct kbpf_run run;
	struct a64t t;
	uint64_t r0;

	if (!A64T_NATIVE)
		T_SKIP("native code only runs on aarch64");
	if (!kbpf_posix_host()->jit_alloc)
		T_SKIP("the host's JIT is off (KBPF_JIT=0)");
	{
		/* r0 = sum(r1..r5) + r6 + r7 + r8 + r9 */
		struct kbpf_interp_site s = { .h = &help_sum };
		const struct bpf_insn p[] = {
			MOV64_K(6, 1000000),	MOV64_K(7, 2000000),
			MOV64_K(8, 3000000),	MOV64_K(9, 4000000),
			SITE_CALL(0),		ALU64_X(BPF_ADD, 0, 6),
			ALU64_X(BPF_ADD, 0, 7), ALU64_X(BPF_ADD, 0, 8),
			ALU64_X(BPF_ADD, 0, 9), EXIT,
		};

		T_EQ(a64t_emit(&t, p, 10, &s, NULL, 1, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 1 + 20 + 300 + 4000 + 50000 + 10000000);
		T_EQ(js.status, 0);
		T_EQ(js.abort_sp, 0x5678);
	}
	{
		/* a failing helper in a subprogram: status, r0 0, abort_sp back */
		struct kbpf_interp_site s = { .h = &help_fail };
		const struct bpf_insn p[] = {
			PCALL(2),     MOV64_K(0, 5), EXIT,
			SITE_CALL(0), MOV64_K(0, 1), EXIT,
		};

		T_EQ(a64t_emit(&t, p, 6, &s, NULL, 1, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 0);
		T_EQ(js.status, -KBPF_EFAULT);
		T_EQ(js.abort_sp, 0x5678);
	}
	{
		/* a tail call site: status KBPF_JIT_TAIL_CALL, r1 as before */
		struct kbpf_interp_site s = { .h = &help_tail };
		const uint8_t flags = KBPF_JIT_SITE_TAIL_CALL;
		const struct bpf_insn p[] = { MOV64_K(1, 42), SITE_CALL(0),
					      MOV64_K(0, 3), EXIT };

		T_EQ(a64t_emit(&t, p, 4, &s, &flags, 1, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		T_EQ(r0, 0);
		T_EQ(js.status, KBPF_JIT_TAIL_CALL);
		T_EQ(js.tail_r1, 42);
		a64t_free(&t);
		/* the same helper at a site without the flag: no tail call */
		T_EQ(a64t_emit(&t, p, 4, &s, NULL, 1, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 3);
		T_EQ(js.status, 0);
	}
	{
		/* endless recursion: -ELOOP at the frame limit */
		const struct bpf_insn p[] = { PCALL(1), EXIT, PCALL(-1), EXIT };
		/* f(n) = n + f(n - 1) through the stack, 6 frames deep */
		const struct bpf_insn q[] = {
			MOV64_K(1, 6),
			PCALL(1),
			EXIT,
			INSN(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 6, 0),
			INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0),
			ALU64_K(BPF_SUB, 1, 1),
			PCALL(-4),
			INSN(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8, 0),
			ALU64_X(BPF_ADD, 0, 1),
			EXIT,
			MOV64_K(0, 0),
			EXIT,
		};

		T_EQ(a64t_emit(&t, p, 4, NULL, NULL, 0, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 0);
		T_EQ(js.status, -KBPF_ELOOP);
		T_EQ(js.abort_sp, 0x5678);
		T_EQ(a64t_emit(&t, q, 12, NULL, NULL, 0, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 21);
		T_EQ(js.status, 0);
		T_EQ(js.depth, 0);
	}
	{
		/* r6 = key; r1 = map; r2 = r6; lookup */
		static uint8_t base[64];
		static uint32_t key;
		static char map[64];
		uint64_t m = (uint64_t)(uintptr_t)map;
		struct kbpf_interp_site s[2] = {
			{ .h = &help_lookup,
			  .map = (struct kbpf_map *)map,
			  .base = base,
			  .elem_size = 8,
			  .max_entries = 4,
			  .index_mask = UINT32_MAX },
			{ .h = &help_lookup,
			  .map = (struct kbpf_map *)map,
			  .lookup = type_lookup,
			  .update = type_update,
			  .delete_elem = type_delete },
		};
		struct bpf_insn p[] = {
			ALU64_X(BPF_MOV, 6, 1),
			INSN(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, (int32_t)m),
			INSN(0, 0, 0, 0, (int32_t)(m >> 32)),
			ALU64_X(BPF_MOV, 2, 6),
			INSN(KBPF_INTERP_OP_LOOKUP_ARRAY, 0, 0, 0, 0),
			EXIT,
		};
		uint64_t k = (uint64_t)(uintptr_t)&key;

		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		key = 3;
		T_EQ(a64t_run(&t, &js, &run, k), (uintptr_t)(base + 24));
		key = 4;
		T_EQ(a64t_run(&t, &js, &run, k), 0);
		a64t_free(&t);
		/* The Spectre v1 mask, after the bound check: 3 & 1 = 1. */
		s[0].index_mask = 1;
		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		key = 3;
		T_EQ(a64t_run(&t, &js, &run, k), (uintptr_t)(base + 8));
		key = 4;
		T_EQ(a64t_run(&t, &js, &run, k), 0);
		a64t_free(&t);
		s[0].index_mask = UINT32_MAX;
		/* The type's update and delete, with r1-r4 (r3 3, r4 4). */
		p[4] = INSN(KBPF_INTERP_OP_UPDATE_CALL, 0, 0, 0, 1);
		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		key = 2;
		T_EQ(a64t_run(&t, &js, &run, k), m + 2 + 0x300 + 0x40000);
		a64t_free(&t);
		p[4] = INSN(KBPF_INTERP_OP_DELETE_CALL, 0, 0, 0, 1);
		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		T_EQ(a64t_run(&t, &js, &run, k), m + 14);
		a64t_free(&t);
		p[4] = INSN(KBPF_INTERP_OP_LOOKUP_CALL, 0, 0, 0, 1);
		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		key = 5;
		T_EQ(a64t_run(&t, &js, &run, k), (uintptr_t)(map + 5));
		a64t_free(&t);
		/* PERCPU_ARRAY inline: + the running CPU * the stride */
		p[4] = INSN(KBPF_INTERP_OP_LOOKUP_PERCPU, 0, 0, 0, 0);
		s[0].cpu_stride = 64;
		T_EQ(a64t_emit(&t, p, 6, s, NULL, 2, 0), 0);
		for (uint32_t cpu = 0; cpu < 2; cpu++) {
			uint32_t on = cpu < kbpf_posix_host()->nr_cpus ? cpu :
									 0;

			kbpf_posix_set_cpu(on);
			key = 3;
			T_EQ(a64t_run(&t, &js, &run, k),
			     (uintptr_t)base + 24 + 64 * on);
			key = 4;
			T_EQ(a64t_run(&t, &js, &run, k), 0);
		}
		kbpf_posix_set_cpu(0);
		a64t_free(&t);
	}
	{
		/*
		 * Frames saving only what they use: a loop back to the main
		 * function's first instruction (after its prologue), callees
		 * writing r6/r7 only, r8/r9 only, all four with the stack; the
		 * caller's r6-r9 survive each.
		 */
		const struct bpf_insn p[] = {
			ALU64_K(BPF_ADD, 0, 1),
			INSN(BPF_JMP | BPF_JLT | BPF_K, 0, 0, -2, 5),
			MOV64_K(6, 1),
			MOV64_K(7, 20),
			MOV64_K(8, 300),
			MOV64_K(9, 4000),
			PCALL(7),
			PCALL(9),
			PCALL(11),
			ALU64_X(BPF_ADD, 0, 6),
			ALU64_X(BPF_ADD, 0, 7),
			ALU64_X(BPF_ADD, 0, 8),
			ALU64_X(BPF_ADD, 0, 9),
			EXIT,
			/* 14: r6, r7 */
			MOV64_K(6, 7),
			MOV64_K(7, 7),
			EXIT,
			/* 17: r8, r9 */
			MOV64_K(8, 7),
			MOV64_K(9, 7),
			EXIT,
			/* 20: r6-r9 and the stack; r0 = 5 + 50000 */
			MOV64_K(6, 50000),
			INSN(BPF_STX | BPF_MEM | BPF_DW, 10, 6, -512, 0),
			MOV64_K(7, 7),
			MOV64_K(8, 7),
			MOV64_K(9, 7),
			INSN(BPF_LDX | BPF_MEM | BPF_DW, 6, 10, -512, 0),
			ALU64_X(BPF_ADD, 0, 6),
			EXIT,
		};

		T_EQ(a64t_emit(&t, p, 28, NULL, NULL, 0, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 5 + 50000 + 4321);
		T_EQ(js.status, 0);
	}
	{
		/* may_goto with a budget of 5 */
		const struct bpf_insn p[] = {
			MOV64_K(0, 0),
			INSN(BPF_JMP | BPF_JCOND, 0, 0, 2, 0),
			ALU64_K(BPF_ADD, 0, 1),
			INSN(BPF_JMP | BPF_JA, 0, 0, -3, 0),
			EXIT,
		};

		T_EQ(a64t_emit(&t, p, 5, NULL, NULL, 0, 0), 0);
		r0 = a64t_run(&t, &js, &run, 1);
		a64t_free(&t);
		T_EQ(r0, 5);
		T_EQ(js.may_goto, 0);
	}
	{
		struct kbpf_interp_site s = { .h = &help_sum };
		struct bpf_insn *p;
		uint32_t len;

		p = far_prog(&len);
		T_ASSERT(p != NULL);
		T_EQ(a64t_emit(&t, p, len, &s, NULL, 1, 0), 0);
		/* r1 7: the far b.cond */
		r0 = a64t_run(&t, &js, &run, 7);
		T_EQ(r0, 99);
		/* r1 1: gotol far forward, back, through 99,996 calls, out */
		r0 = a64t_run(&t, &js, &run, 1);
		T_EQ(r0, 21);
		a64t_free(&t);
		free(p);
	}
}

/* u64 at 0: add; u32 at 8: fetch-add; u64 at 16: cmpxchg increments. */
static struct {
	uint64_t add;
	uint32_t fetch_add;
	uint32_t pad;
	uint64_t cas;
	uint64_t xchg;
} a64t_shared;
static pthread_barrier_t a64t_start;
#define A64T_ROUNDS 200000

static void *a64t_thread(void *arg)
{
	const struct a64t *t = arg;
	struct kbpf_jit_state js;
	struct kbpf_run run;

	pthread_barrier_wait(&a64t_start);
	a64t_run(t, &js, &run, (uint64_t)(uintptr_t)&a64t_shared);
	return NULL;
}

KBPF_TEST(arm64_atomics_threads,
	  "arm64 LL/SC atomics from two threads at once: 2 x 200,000 add, "
	  "fetch-add and cmpxchg increments, none lost")
{
	if (!A64T_NATIVE)
		T_SKIP("native code only runs on aarch64");
	if (!kbpf_posix_host()->jit_alloc)
		T_SKIP("the host's JIT is off (KBPF_JIT=0)");
	{
		/*
		 * r6 = 20000; loop: add [r1], 1; fetch_add32 [r1+8], 1;
		 * do { r0 = [r1+16]; r3 = r0 + 1; r4 = r0;
		 *      cmpxchg [r1+16], r3 } while (r0 != r4);
		 * xchg [r1+24], r6; r6 -= 1; if r6 != 0 goto loop
		 */
		const struct bpf_insn p[] = {
			MOV64_K(6, A64T_ROUNDS),
			MOV64_K(2, 1),
			INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 0, BPF_ADD),
			MOV64_K(2, 1),
			INSN(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, 8,
			     BPF_ADD | BPF_FETCH),
			INSN(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 16, 0),
			ALU64_X(BPF_MOV, 3, 0),
			ALU64_K(BPF_ADD, 3, 1),
			ALU64_X(BPF_MOV, 4, 0),
			INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 3, 16,
			     BPF_CMPXCHG),
			INSN(BPF_JMP | BPF_JNE | BPF_X, 0, 4, -6, 0),
			ALU64_X(BPF_MOV, 5, 6),
			INSN(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 5, 24, BPF_XCHG),
			ALU64_K(BPF_SUB, 6, 1),
			INSN(BPF_JMP | BPF_JNE | BPF_K, 6, 0, -14, 0),
			EXIT,
		};
		struct a64t t;
		pthread_t th[2];

		memset(&a64t_shared, 0, sizeof(a64t_shared));
		T_EQ(a64t_emit(&t, p, 16, NULL, NULL, 0, 0), 0);
		T_EQ(pthread_barrier_init(&a64t_start, NULL, 2), 0);
		T_EQ(pthread_create(&th[0], NULL, a64t_thread, &t), 0);
		T_EQ(pthread_create(&th[1], NULL, a64t_thread, &t), 0);
		pthread_join(th[0], NULL);
		pthread_join(th[1], NULL);
		pthread_barrier_destroy(&a64t_start);
		a64t_free(&t);
		T_EQ(a64t_shared.add, 2 * A64T_ROUNDS);
		T_EQ(a64t_shared.fetch_add, 2 * A64T_ROUNDS);
		T_EQ(a64t_shared.cas, 2 * A64T_ROUNDS);
		T_EQ(a64t_shared.xchg, 1);
	}
}
