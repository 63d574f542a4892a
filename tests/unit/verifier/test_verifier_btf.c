// SPDX-License-Identifier: MIT
/*
 * Pointers to kernel objects (the verifier's PTR_TO_BTF_ID) on kbpf alone,
 * with a small host BTF of its own: a tp_btf program whose argument is a
 * struct pointer, loaded under ENFORCE, has its loads through that
 * pointer turned into probe loads (KBPF_PROBE_MEM), which read through
 * kbpf_host.probe_read_kernel and give 0 where the object is not there,
 * in fast mode, checked mode and with the JIT on (which leaves such
 * programs to the interpreter); bpf_prog_info shows them as plain loads.
 * The kernel comparison of the same rules is test_verifier_diff's table.
 */
#include <stdio.h>
#include <string.h>

#include "kbpf/interp.h"
#include "kbpf/uapi/btf.h"
#include "core/prog.h"
#include "jit/jit_prog.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

/*
 * [1] int, [2] struct kobj { int a; int b; struct kobj *next; char *name; },
 * [3] struct kobj *, [4] void (void *__data, struct kobj *o),
 * [5] void *, [6] pointer to [4], [7] typedef btf_trace_kbpf_probe,
 * [8] char, [9] char *, [10] int kbpf_fn(struct kobj *o) (FUNC, its
 * prototype [11]).
 */
/* clang-format off */
static const uint32_t types[] = {
	1, BTF_KIND_INT << 24, 4, BTF_INT_SIGNED << 24 | 32,
	5, BTF_KIND_STRUCT << 24 | 4, 24,
		10, 1, 0, 12, 1, 32, 14, 3, 64, 19, 9, 128,
	0, BTF_KIND_PTR << 24, 2,
	0, BTF_KIND_FUNC_PROTO << 24 | 2, 0, 24, 5, 31, 3,
	0, BTF_KIND_PTR << 24, 0,
	0, BTF_KIND_PTR << 24, 4,
	33, BTF_KIND_TYPEDEF << 24, 6,
	54, BTF_KIND_INT << 24, 1, 8,
	0, BTF_KIND_PTR << 24, 8,
	59, BTF_KIND_FUNC << 24, 11,
	0, BTF_KIND_FUNC_PROTO << 24 | 1, 1, 31, 3,
};
/* clang-format on */
static const char strs[] =
	"\0int\0kobj\0a\0b\0next\0name\0__data\0o\0btf_trace_kbpf_probe\0char"
	"\0kbpf_fn";
static uint8_t blob[24 + sizeof(types) + sizeof(strs)];

static void set_host_btf(void)
{
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	kbpf_posix_set_btf(blob, sizeof(blob));
}

struct kobj {
	int32_t a, b;
	struct kobj *next;
	char *name;
};

static char logbuf[8192];

/* Load @p (@eat on attach_btf_id @id) under ENFORCE. */
static long load_at(const struct bpf_insn *p, uint32_t n, uint32_t eat,
		    uint32_t id)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = eat;
	a.attach_btf_id = id;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)logbuf;
	a.log_size = sizeof(logbuf);
	a.log_level = 1;
	logbuf[0] = 0;
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	return fd;
}

/* ... tp_btf on btf_trace_kbpf_probe */
static long load(const struct bpf_insn *p, uint32_t n)
{
	return load_at(p, n, BPF_TRACE_RAW_TP, 7);
}

static struct kbpf_prog *prog_of(long fd)
{
	struct kbpf_obj *obj;
	uint32_t flags;

	if (kbpf_posix_host()->fd_get(kbpf_posix_host(), (int)fd, &obj, &flags))
		return NULL;
	kbpf_obj_put(obj); /* the fd keeps it */
	return (struct kbpf_prog *)obj;
}

/* o->a + o->next->b */
static const struct bpf_insn walk_prog[] = {
	I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 0, 0),
	I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 8, 0),
	I(BPF_LDX | BPF_MEM | BPF_W, 8, 7, 4, 0),
	I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0),
	I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
};

/* Run @p once on a context holding @arg. */
static int run(struct kbpf_prog *p, uint64_t arg, enum kbpf_interp_mode mode,
	       uint64_t *ret)
{
	struct kbpf_interp_args args;
	uint64_t ctx[1] = { arg };

	memset(&args, 0, sizeof(args));
	args.ctx = ctx;
	args.ctx_size = sizeof(ctx);
	args.mode = mode;
	return kbpf_interp_run(p, kbpf_posix_host(), &args, ret);
}

KBPF_TEST(
	btf_probe_loads_run,
	"loads through a tp_btf struct argument are proven under ENFORCE, become probe loads (plain loads in bpf_prog_info), and give the object's bytes, or 0 for a bad pointer (NULL, unmapped, a misaligned low address) without a fault, in fast mode, checked mode and natively (x86-64's JIT)")
{
	static struct kobj o2 = { 0, 7, NULL, NULL };
	static struct kobj o1 = { 5, 0, &o2, NULL };
	static struct kobj bad = { 11, 0, (struct kobj *)(uintptr_t)0x10,
				   NULL };
	static struct kobj wild = { 13, 0, (struct kobj *)(uintptr_t)0xdead000,
				    NULL };
	const struct {
		uint64_t arg;
		uint64_t want;
	} cases[] = {
		{ (uintptr_t)&o1, 12 },	  { (uintptr_t)&bad, 11 },
		{ (uintptr_t)&wild, 13 }, { 0, 0 },
		{ 0xdead0000ull, 0 },	  { 3, 0 },
	};
	struct bpf_insn xl[6];
	struct bpf_prog_info info;
	union bpf_attr a;
	bool jit_was = kbpf_posix_jit_on();

	for (int jit = 0; jit < 2; jit++) {
		struct kbpf_prog *p;
		long fd;

		set_host_btf();
		kbpf_posix_set_jit(jit);
		fd = load(walk_prog, 6);
		kbpf_posix_set_jit(jit_was);
		if (fd < 0)
			printf("%s", logbuf);
		T_ASSERT(fd >= 0);
		p = prog_of(fd);
		T_ASSERT(p && p->verified);
		/* the three loads through the object, not the context's */
		T_EQ(p->insns[0].code, BPF_LDX | BPF_MEM | BPF_DW);
		T_EQ(p->insns[1].code, BPF_LDX | KBPF_PROBE_MEM | BPF_W);
		T_EQ(p->insns[2].code, BPF_LDX | KBPF_PROBE_MEM | BPF_DW);
		T_EQ(p->insns[3].code, BPF_LDX | KBPF_PROBE_MEM | BPF_W);
		/*
		 * x86-64 compiles probe loads (a call of the host's probe
		 * read); the other backends leave such programs to the
		 * interpreter.
		 */
#if defined(__x86_64__)
		if (jit && kbpf_jit_available())
			T_ASSERT(kbpf_jit_image(p) != NULL);
#endif
		if (!jit)
			T_ASSERT(kbpf_jit_image(p) == NULL);
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			for (int m = 0; m < 2; m++) {
				uint64_t r = 99;

				T_EQ(run(p, cases[i].arg,
					 m ? KBPF_INTERP_CHECKED :
					     KBPF_INTERP_FAST,
					 &r),
				     0);
				T_EQ(r, cases[i].want);
			}
		memset(&info, 0, sizeof(info));
		memset(xl, 0, sizeof(xl));
		info.xlated_prog_len = sizeof(xl);
		info.xlated_prog_insns = (uint64_t)(uintptr_t)xl;
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)fd;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		T_EQ(side_bpf(SIDE_KBPF, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		for (int i = 0; i < 6; i++)
			T_EQ(xl[i].code, walk_prog[i].code);
		side_close(SIDE_KBPF, fd);
	}
	kbpf_posix_set_btf(NULL, 0);
}

KBPF_TEST(
	btf_probe_refusals,
	"through a BTF pointer: stores, offsets past the struct, negative and variable offsets, part of a pointer member, a char * member's bytes, and the same load through a BTF and a stack pointer are refused with Linux's lines")
{
	const struct {
		const char *why;
		struct bpf_insn p[10];
	} cases[] = {
		{ "only read is supported",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_ST | BPF_MEM | BPF_W, 6, 0, 0, 1),
		    I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "access beyond struct kobj at off 24 size 4",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 24, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "R6 is ptr_kobj invalid negative access: off=-4",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, -4, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "cannot access ptr member next with moff 8 in struct kobj with off 8 size 4",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 8, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "invalid access to memory, mem_size=0 off=0 size=1",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_DW, 6, 6, 16, 0),
		    I(BPF_LDX | BPF_MEM | BPF_B, 0, 6, 0, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "R6 is ptr_kobj invalid variable offset: off=0, var_off=(0x0; 0x4)",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 7, 6, 0, 0),
		    I(BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0, 4),
		    I(BPF_ALU64 | BPF_ADD | BPF_X, 6, 7, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 0, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "invalid bpf_context access off=8 size=8",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 8, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ "same insn cannot be used with different pointers",
		  { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		    I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_DW, 6, 6, 8, 0),
		    I(BPF_JMP | BPF_JNE | BPF_K, 6, 0, 2, 0),
		    I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 10, 0, 0),
		    I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, -8),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 0, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
	};

	set_host_btf();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = 10;
		long fd;

		while (n && !cases[i].p[n - 1].code)
			n--;
		fd = load(cases[i].p, n);
		if (fd >= 0 || !strstr(logbuf, cases[i].why))
			printf("case %zu: %ld\n%s", i, fd, logbuf);
		T_ASSERT(fd < 0);
		T_ASSERT(strstr(logbuf, cases[i].why) != NULL);
	}
	kbpf_posix_set_btf(NULL, 0);
}

KBPF_TEST(
	btf_fentry_fexit_args,
	"fentry and fexit arguments from the function's prototype: the struct pointer walks, fexit reads the return value after the arguments as a scalar, fentry may not, and neither reads past it (the kernel of this machine loads no fentry program, so these are kbpf's alone)")
{
	const struct {
		uint32_t eat;
		const char *why; /* NULL: accepted */
		struct bpf_insn p[4];
	} cases[] = {
		{ BPF_TRACE_FENTRY,
		  NULL,
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 6, 4, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ BPF_TRACE_FEXIT,
		  NULL,
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 8, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ BPF_TRACE_FEXIT,
		  "R0 invalid mem access 'scalar'",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 8, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 0, 0, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ BPF_TRACE_FENTRY,
		  "func 'kbpf_fn' doesn't have 2-th argument",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 8, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
		{ BPF_TRACE_FEXIT,
		  "func 'kbpf_fn' doesn't have 3-th argument",
		  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 16, 0),
		    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) } },
	};

	set_host_btf();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t n = 4;
		long fd;

		while (n && !cases[i].p[n - 1].code)
			n--;
		fd = load_at(cases[i].p, n, cases[i].eat, 10);
		if ((fd >= 0) != !cases[i].why ||
		    (cases[i].why && !strstr(logbuf, cases[i].why)))
			printf("case %zu: %ld\n%s", i, fd, logbuf);
		if (!cases[i].why) {
			T_ASSERT(fd >= 0);
			side_close(SIDE_KBPF, fd);
			continue;
		}
		T_ASSERT(fd < 0);
		T_ASSERT(strstr(logbuf, cases[i].why) != NULL);
	}
	kbpf_posix_set_btf(NULL, 0);
}

KBPF_TEST(
	btf_probe_loads_keep_registers,
	"a probe load keeps r0-r5 (the JIT calls the host's probe read with them saved) and sign-extends as a BPF_MEMSX load: the same sums in fast mode, checked mode and natively")
{
	static struct kobj o = { -3, 0, NULL, NULL };
	static const struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 6),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 10),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 200),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 3000),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 40000),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0, 500000),
		I(BPF_LDX | BPF_MEMSX | BPF_W, 7, 6, 0, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 8, 6, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 3, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 4, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 5, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 7, 0, 0),
		I(BPF_ALU64 | BPF_RSH | BPF_K, 8, 0, 0, 28),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 8, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	bool jit_was = kbpf_posix_jit_on();

	set_host_btf();
	for (int jit = 0; jit < 2; jit++) {
		struct kbpf_prog *prog;
		long fd;

		kbpf_posix_set_jit(jit);
		fd = load(p, sizeof(p) / sizeof(p[0]));
		kbpf_posix_set_jit(jit_was);
		if (fd < 0)
			printf("%s", logbuf);
		T_ASSERT(fd >= 0);
		prog = prog_of(fd);
		T_ASSERT(prog != NULL);
		T_EQ(prog->insns[7].code, BPF_LDX | KBPF_PROBE_MEMSX | BPF_W);
#if defined(__x86_64__)
		if (jit && kbpf_jit_available())
			T_ASSERT(kbpf_jit_image(prog) != NULL);
#endif
		for (int m = 0; m < 2; m++) {
			uint64_t r = 0;

			/* 6 + 543210 - 3 + (0xfffffffd >> 28 = 15) */
			T_EQ(run(prog, (uintptr_t)&o,
				 m ? KBPF_INTERP_CHECKED : KBPF_INTERP_FAST,
				 &r),
			     0);
			T_EQ(r, 543228);
			/* a bad object: both loads give 0 */
			T_EQ(run(prog, 0xdead0000ull,
				 m ? KBPF_INTERP_CHECKED : KBPF_INTERP_FAST,
				 &r),
			     0);
			T_EQ(r, 543216);
		}
		side_close(SIDE_KBPF, fd);
	}
	kbpf_posix_set_btf(NULL, 0);
}
