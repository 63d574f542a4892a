// SPDX-License-Identifier: MIT
/*
 * The JIT (src/jit/): native code runs as the interpreter's fast mode does.
 *
 * A differential fuzzer loads each random program twice, once with the
 * host's executable memory (native code) and once without (the
 * interpreter), each side with its own ARRAY and HASH maps, runs both in
 * fast mode and compares r0 (which folds in the stack the program wrote and
 * r6-r9) and every map value. The programs are what a verifier accepts:
 * registers initialised, r1-r5 reset after calls, pointers never mixed into
 * scalars, forward jumps only, the stack initialised before use.
 * KBPF_JIT_FUZZ_N sets the number of programs (default 3000), KBPF_TEST_SEED
 * the seed.
 *
 * Then the framework's own rules: tail calls (native to native, native to
 * the interpreter, the 33 limit), bpf_loop callbacks, the frame limit and
 * a helper's error ending the run from depth, may_goto, LD_ABS/LD_IND on an
 * skb, W^X of the code, a host without executable memory, and
 * bpf_prog_info's jited fields.
 */
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/map.h"
#include "core/priv.h"
#include "core/prog.h"
#include "interp/image.h"
#include "jit/jit.h"
#include "jit/jit_prog.h"
#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "kbpf/object.h"
#include "kbpf/packet.h"
#include "maps/prog_array.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define LD_MAP(d, i) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_IDX, 0, i)
#define LD_HI(k) I(0, 0, 0, 0, k)

/* Checked native code in this build on this architecture (checked.c). */
#if KBPF_JIT_CHECKED && (defined(__x86_64__) || defined(__aarch64__) || \
			 (defined(__riscv) && __riscv_xlen == 64))
#define JIT_CHECKED 1
#else
#define JIT_CHECKED 0
#endif

#define NEED_JIT_CHECKED()                                                   \
	do {                                                                 \
		NEED_JIT();                                                  \
		if (!JIT_CHECKED)                                            \
			T_SKIP("no checked native code in this build or on " \
			       "this architecture");                         \
	} while (0)

#define NEED_JIT()                                                      \
	do {                                                            \
		if (!kbpf_jit_available())                              \
			T_SKIP("no JIT backend for this architecture"); \
		if (!kbpf_posix_jit_on())                               \
			T_SKIP("the host's JIT is off (KBPF_JIT=0)");   \
	} while (0)

/* The host the helpers below use: the POSIX host, or a copy of it. */
static struct kbpf_host *cur_host;

static const struct kbpf_host *host(void)
{
	return cur_host ? cur_host : kbpf_posix_host();
}

static struct kbpf_map *map_new(uint32_t type, uint32_t ks, uint32_t vs,
				uint32_t n)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = n;
	if (kbpf_map_create(host(), &a, &m))
		return NULL;
	return m;
}

/* Load @insns with @maps; with native code if @jit (and the host has it). */
static struct kbpf_prog *load_type(uint32_t type, const struct bpf_insn *insns,
				   uint32_t n, struct kbpf_map **maps,
				   uint32_t nr_maps, bool jit)
{
	struct kbpf_prog_load_opts opts = {
		.kernel_ptrs = true,
		.maps = maps,
		.nr_maps = nr_maps,
	};
	union bpf_attr a;
	struct kbpf_prog *p = NULL;
	bool was = kbpf_posix_jit_on();
	static char log[4096];
	int err;

	memset(&a, 0, sizeof(a));
	log[0] = 0;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	a.prog_type = type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	kbpf_posix_set_jit(jit && was);
	if (cur_host) {
		struct kbpf_host saved = *cur_host;

		if (!jit)
			cur_host->jit_alloc = NULL;
		err = kbpf_prog_load(cur_host, &a, &opts, &p);
		*cur_host = saved;
	} else {
		err = kbpf_prog_load(host(), &a, &opts, &p);
	}
	kbpf_posix_set_jit(was);
	if (err)
		printf("  load: %d %s\n", err, log);
	return err ? NULL : p;
}

static struct kbpf_prog *load(const struct bpf_insn *insns, uint32_t n,
			      struct kbpf_map **maps, uint32_t nr_maps,
			      bool jit)
{
	return load_type(BPF_PROG_TYPE_RAW_TRACEPOINT, insns, n, maps, nr_maps,
			 jit);
}

static int run(struct kbpf_prog *p, enum kbpf_interp_mode mode, uint64_t *r0)
{
	uint64_t ctx[4] = { 1, 2, 3, 4 };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = sizeof(ctx),
					 .mode = mode };

	*r0 = 0xdead;
	return kbpf_interp_run(p, host(), &args, r0);
}

/* ---- the differential fuzzer ---- */

#define FZ_MAX 1024
#define FZ_ARRAY_N 8
#define FZ_HASH_N 16

struct fz {
	struct bpf_insn insns[FZ_MAX];
	uint32_t n;
	/* Units of the body: where each starts; jumps patched at the end. */
	uint32_t unit[256];
	uint32_t nr_units;
	uint32_t jmp_at[256], jmp_to[256];
	uint32_t nr_jmps;
	uint32_t call_at[64], func_at[64];
	uint8_t call_is_func[64], call_target[64]; /* 0 sub, 1 callback */
	uint32_t nr_calls;
};

static uint64_t fz_state;

static uint64_t fz_rand(void)
{
	return kbpf_test_rand(&fz_state);
}

static uint32_t rnd(uint32_t n)
{
	return (uint32_t)(fz_rand() % n);
}

static int32_t rnd_imm(void)
{
	switch (rnd(6)) {
	case 0:
		return (int32_t)rnd(8);
	case 1:
		return -(int32_t)rnd(8);
	case 2:
		return INT32_MIN + (int32_t)rnd(2);
	case 3:
		return INT32_MAX - (int32_t)rnd(2);
	default:
		return (int32_t)fz_rand();
	}
}

static void put(struct fz *f, struct bpf_insn i)
{
	if (f->n < FZ_MAX)
		f->insns[f->n++] = i;
}

/* Every register a known scalar (r1-r5 after a call, r0-r9 at the start). */
static void fz_reset(struct fz *f, int lo, int hi)
{
	for (int r = lo; r <= hi; r++) {
		if (rnd(4) == 0) {
			uint64_t v = (uint64_t)fz_rand() << 32 |
				     (uint32_t)fz_rand();

			put(f,
			    I(BPF_LD | BPF_IMM | BPF_DW, r, 0, 0, (int32_t)v));
			put(f, LD_HI((int32_t)(v >> 32)));
		} else {
			put(f, MOVK(r, rnd_imm()));
		}
	}
}

static const uint8_t alu_ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_OR,
				   BPF_AND, BPF_LSH, BPF_RSH, BPF_NEG, BPF_MOD,
				   BPF_XOR, BPF_MOV, BPF_ARSH };
static const uint8_t jmp_ops[] = { BPF_JEQ, BPF_JGT,  BPF_JGE,	BPF_JSET,
				   BPF_JNE, BPF_JSGT, BPF_JSGE, BPF_JLT,
				   BPF_JLE, BPF_JSLT, BPF_JSLE };
static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
static const int size_bytes[] = { 1, 2, 4, 8 };

/* An aligned stack offset for @bytes in [-64, 0). */
static int16_t stack_off(int bytes)
{
	return (int16_t)(-64 + (int)rnd((uint32_t)(64 / bytes)) * bytes);
}

static void fz_alu(struct fz *f, int maxreg)
{
	uint8_t cls = rnd(2) ? BPF_ALU64 : BPF_ALU;
	uint8_t op = alu_ops[rnd(sizeof(alu_ops))];
	uint8_t dst = (uint8_t)rnd((uint32_t)maxreg + 1);
	uint8_t src = (uint8_t)rnd((uint32_t)maxreg + 1);
	int16_t off = 0;

	if ((op == BPF_DIV || op == BPF_MOD) && rnd(2))
		off = 1;
	if (op == BPF_MOV && rnd(3) == 0)
		off = cls == BPF_ALU64 ? (int16_t)(8 << rnd(3)) :
					 (int16_t)(8 << rnd(2));
	if (rnd(5) == 0) {
		/* Byte order: to_le/to_be, or the v4 unconditional swap. */
		int32_t bits = 16 << rnd(3);

		if (rnd(2))
			put(f, I(BPF_ALU64 | BPF_END | BPF_TO_LE, dst, 0, 0,
				 bits));
		else
			put(f, I(BPF_ALU | BPF_END |
					 (rnd(2) ? BPF_TO_BE : BPF_TO_LE),
				 dst, 0, 0, bits));
		return;
	}
	if (op == BPF_NEG) {
		put(f, I(cls | op | BPF_K, dst, 0, 0, 0));
	} else if (rnd(2)) {
		put(f, I(cls | op | BPF_X, dst, src, off, 0));
	} else {
		int32_t imm = rnd_imm();

		if (op == BPF_MOV)
			off = 0;
		/* Linux refuses constant shifts past the width at load. */
		if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
			imm = (int32_t)rnd(cls == BPF_ALU64 ? 64 : 32);
		if ((op == BPF_DIV || op == BPF_MOD) && imm == 0)
			imm = -1;
		put(f, I(cls | op | BPF_K, dst, 0, off, imm));
	}
}

static void fz_mem(struct fz *f, int maxreg)
{
	int s = (int)rnd(4);
	uint8_t r = (uint8_t)rnd((uint32_t)maxreg + 1);
	int16_t off = stack_off(size_bytes[s]);

	switch (rnd(4)) {
	case 0:
		put(f, I(BPF_LDX | BPF_MEM | sizes[s], r, 10, off, 0));
		break;
	case 1:
		if (s == 3)
			s = 2;
		off = stack_off(size_bytes[s]);
		put(f, I(BPF_LDX | BPF_MEMSX | sizes[s], r, 10, off, 0));
		break;
	case 2:
		put(f, I(BPF_STX | BPF_MEM | sizes[s], 10, r, off, 0));
		break;
	default:
		put(f, I(BPF_ST | BPF_MEM | sizes[s], 10, 0, off, rnd_imm()));
		break;
	}
}

static void fz_atomic(struct fz *f, int maxreg)
{
	static const int32_t ops[] = {
		BPF_ADD,
		BPF_OR,
		BPF_AND,
		BPF_XOR,
		BPF_ADD | BPF_FETCH,
		BPF_OR | BPF_FETCH,
		BPF_AND | BPF_FETCH,
		BPF_XOR | BPF_FETCH,
		BPF_XCHG,
		BPF_CMPXCHG,
		BPF_LOAD_ACQ,
		BPF_STORE_REL,
	};
	int32_t op = ops[rnd(sizeof(ops) / sizeof(ops[0]))];
	int s = op == BPF_LOAD_ACQ || op == BPF_STORE_REL ? (int)rnd(4) :
							    2 + (int)rnd(2);
	uint8_t r = (uint8_t)rnd((uint32_t)maxreg + 1);

	if (op == BPF_LOAD_ACQ)
		put(f, I(BPF_STX | BPF_ATOMIC | sizes[s], r, 10,
			 stack_off(size_bytes[s]), op));
	else
		put(f, I(BPF_STX | BPF_ATOMIC | sizes[s], 10, r,
			 stack_off(size_bytes[s]), op));
}

static void fz_jmp(struct fz *f, int maxreg)
{
	uint8_t cls = rnd(2) ? BPF_JMP : BPF_JMP32;
	uint8_t op = jmp_ops[rnd(sizeof(jmp_ops))];
	uint8_t dst = (uint8_t)rnd((uint32_t)maxreg + 1);

	f->jmp_at[f->nr_jmps] = f->n;
	f->jmp_to[f->nr_jmps++] = f->nr_units + 1 + rnd(6);
	if (rnd(8) == 0)
		put(f, rnd(2) ? I(BPF_JMP | BPF_JA, 0, 0, 0, 0) :
				I(BPF_JMP32 | BPF_JA, 0, 0, 0, 0));
	else if (rnd(2))
		put(f, I(cls | op | BPF_X, dst,
			 (uint8_t)rnd((uint32_t)maxreg + 1), 0, 0));
	else
		put(f, I(cls | op | BPF_K, dst, 0, 0, rnd_imm()));
}

/* Map templates: keys on the stack at -72 (and the value at -80). */
static void fz_map(struct fz *f)
{
	uint8_t ra = (uint8_t)(6 + rnd(4)), rb = (uint8_t)(6 + rnd(4));
	int which = (int)rnd(5);
	int map = which == 0 || which == 4 ? 0 : 1;

	put(f, I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -72,
		 (int32_t)rnd(map ? FZ_HASH_N + 2 : FZ_ARRAY_N + 2)));
	put(f, LD_MAP(1, map));
	put(f, LD_HI(0));
	put(f, MOV(2, 10));
	put(f, ADDK(2, -72));
	if (which == 2) {
		/* update(key, value = rb), BPF_ANY */
		put(f, I(BPF_STX | BPF_MEM | BPF_DW, 10, rb, -80, 0));
		put(f, MOV(3, 10));
		put(f, ADDK(3, -80));
		put(f, MOVK(4, 0));
		put(f, CALL(BPF_FUNC_map_update_elem));
		put(f, MOV(ra, 0));
	} else if (which == 3) {
		put(f, CALL(BPF_FUNC_map_delete_elem));
		put(f, MOV(ra, 0));
	} else {
		/* lookup, then read, update and atomically add to the value */
		put(f, CALL(BPF_FUNC_map_lookup_elem));
		put(f, I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0));
		put(f, I(BPF_LDX | BPF_MEM | BPF_DW, ra, 0, 0, 0));
		put(f, I(BPF_ALU64 | BPF_ADD | BPF_X, ra, rb, 0, 0));
		put(f, I(BPF_STX | BPF_MEM | BPF_DW, 0, ra, 0, 0));
		put(f, I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, rb, 0,
			 BPF_ADD | (which == 4 ? BPF_FETCH : 0)));
		put(f, MOV(0, ra));
	}
	fz_reset(f, 0, 5);
}

/* A bpf-to-bpf call of the subprogram, or bpf_loop of the callback. */
static void fz_call(struct fz *f)
{
	if (f->nr_calls >= 64)
		return;
	if (rnd(2)) {
		f->call_at[f->nr_calls] = f->n;
		f->call_target[f->nr_calls++] = 0;
		put(f, I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
	} else {
		put(f, MOVK(1, (int32_t)rnd(5)));
		f->call_at[f->nr_calls] = f->n;
		f->call_target[f->nr_calls++] = 1;
		put(f, I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 0));
		put(f, LD_HI(0));
		put(f, MOV(3, 10));
		put(f, ADDK(3, -8 * (int32_t)(1 + rnd(8))));
		put(f, MOVK(4, 0));
		put(f, CALL(BPF_FUNC_loop));
	}
	/* r0 is the call's; r1-r5 unreadable after it. */
	fz_reset(f, 1, 5);
}

/* One random program; @units body units. */
static void fz_gen(struct fz *f, uint32_t units)
{
	uint32_t i, sub, cb, end;

	memset(f, 0, sizeof(*f));
	for (i = 1; i <= 10; i++)
		put(f, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8 * (int16_t)i,
			 rnd_imm()));
	fz_reset(f, 0, 9);
	for (i = 0; i < units && f->n < FZ_MAX - 120; i++) {
		uint32_t k = rnd(100);

		f->unit[f->nr_units++] = f->n;
		if (k < 45)
			fz_alu(f, 9);
		else if (k < 65)
			fz_mem(f, 9);
		else if (k < 75)
			fz_atomic(f, 9);
		else if (k < 88)
			fz_jmp(f, 9);
		else if (k < 95)
			fz_map(f);
		else
			fz_call(f);
	}
	end = f->n;
	/* The end: fold the stack and r6-r9 into r0. */
	for (i = 1; i <= 9; i++) {
		put(f,
		    I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8 * (int16_t)i, 0));
		put(f, I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 0x1000193));
		put(f, I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0));
	}
	for (i = 6; i <= 9; i++) {
		put(f, I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 31));
		put(f, I(BPF_ALU64 | BPF_ADD | BPF_X, 0, (uint8_t)i, 0, 0));
	}
	put(f, EXIT);
	/* The subprogram: its own stack, r0-r5 only, a value back. */
	sub = f->n;
	for (i = 1; i <= 8; i++)
		put(f, I(BPF_STX | BPF_MEM | BPF_DW, 10, (uint8_t)(i % 6),
			 -8 * (int16_t)i, 0));
	put(f, MOVK(0, rnd_imm()));
	for (i = 0; i < 12; i++) {
		if (rnd(3))
			fz_alu(f, 5);
		else if (rnd(3))
			fz_mem(f, 5);
		else
			fz_atomic(f, 5);
	}
	for (i = 1; i <= 8; i++) {
		put(f,
		    I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8 * (int16_t)i, 0));
		put(f, I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 0x1000193));
		put(f, I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0));
	}
	put(f, EXIT);
	/* The callback (index r1, ctx r2: a slot of the caller's stack). */
	cb = f->n;
	put(f, I(BPF_LDX | BPF_MEM | BPF_DW, 3, 2, 0, 0));
	put(f, I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 1, 0, 0));
	put(f, I(BPF_ALU64 | BPF_MUL | BPF_K, 3, 0, 0, 3));
	put(f, I(BPF_STX | BPF_MEM | BPF_DW, 2, 3, 0, 0));
	put(f, MOVK(0, 0));
	put(f, EXIT);
	/* Jumps: forward to a unit's start or the end. */
	for (i = 0; i < f->nr_jmps; i++) {
		uint32_t to = f->jmp_to[i] < f->nr_units ?
				      f->unit[f->jmp_to[i]] :
				      end;
		int32_t d = (int32_t)to - (int32_t)f->jmp_at[i] - 1;

		if (f->insns[f->jmp_at[i]].code == (BPF_JMP32 | BPF_JA))
			f->insns[f->jmp_at[i]].imm = d;
		else
			f->insns[f->jmp_at[i]].off = (int16_t)d;
	}
	for (i = 0; i < f->nr_calls; i++)
		f->insns[f->call_at[i]].imm =
			(int32_t)(f->call_target[i] ? cb : sub) -
			(int32_t)f->call_at[i] - 1;
}

/* Every value of the fuzzer's maps equal on both sides. */
static bool fz_maps_equal(struct kbpf_map *const *a, struct kbpf_map *const *b)
{
	for (uint32_t m = 0; m < 2; m++) {
		for (uint32_t k = 0; k < FZ_HASH_N + 2; k++) {
			const uint64_t *va = a[m]->ops->lookup_elem(a[m], &k);
			const uint64_t *vb = b[m]->ops->lookup_elem(b[m], &k);

			if (!va != !vb || (va && *va != *vb))
				return false;
		}
	}
	return true;
}

static void fz_dump(const struct fz *f)
{
	for (uint32_t i = 0; i < f->n; i++)
		printf("  %3u: %02x %u %u %d %d\n", i, f->insns[i].code,
		       f->insns[i].dst_reg, f->insns[i].src_reg,
		       f->insns[i].off, f->insns[i].imm);
}

/*
 * @n random programs, each loaded for the interpreter and natively (with
 * kbpf_host.jit_harden @harden), run and compared; 0 if all agree.
 */
static int fz_run(uint32_t n, uint32_t harden, uint32_t *native)
{
	static struct fz f;
	struct kbpf_map *mi[2], *mj[2];
	uint32_t i;
	int bad = 0;

	*native = 0;
	mi[0] = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, FZ_ARRAY_N);
	mi[1] = map_new(BPF_MAP_TYPE_HASH, 4, 8, FZ_HASH_N);
	mj[0] = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, FZ_ARRAY_N);
	mj[1] = map_new(BPF_MAP_TYPE_HASH, 4, 8, FZ_HASH_N);
	for (i = 0; i < n && !bad && mi[0] && mi[1] && mj[0] && mj[1]; i++) {
		struct kbpf_prog *pi, *pj;
		uint64_t ri = 0, rj = 0;
		int ei = 0, ej = 0;

		fz_gen(&f, 8 + rnd(120));
		pi = load(f.insns, f.n, mi, 2, false);
		kbpf_posix_set_jit_harden(harden);
		pj = load(f.insns, f.n, mj, 2, true);
		kbpf_posix_set_jit_harden(0);
		if (!pi || !pj) {
			bad = 1;
		} else {
			*native += pj->jit != NULL;
			ei = run(pi, KBPF_INTERP_FAST, &ri);
			ej = run(pj, KBPF_INTERP_FAST, &rj);
			if (pi->jit || ei != ej || ri != rj ||
			    !fz_maps_equal(mi, mj) ||
			    (pj->jit &&
			     kbpf_jit_image(pj)->blinded != !!harden))
				bad = 2;
		}
		if (bad) {
			fz_dump(&f);
			printf("  program %u: interpreter %d 0x%llx, native %d 0x%llx\n",
			       i, ei, (unsigned long long)ri, ej,
			       (unsigned long long)rj);
		}
		if (pi)
			kbpf_prog_put(pi);
		if (pj)
			kbpf_prog_put(pj);
	}
	for (i = 0; i < 2; i++) {
		if (mi[i])
			kbpf_map_put(mi[i]);
		if (mj[i])
			kbpf_map_put(mj[i]);
	}
	return bad || !mi[0] || !mi[1] || !mj[0] || !mj[1];
}

KBPF_TEST(jit_fuzz_differential,
	  "random programs (ALU/ALU32 incl. v4, jumps, stack of every size, "
	  "atomics, calls, bpf_loop, ARRAY and HASH maps) give the same r0, "
	  "stack and maps natively as in the fast interpreter")
{
	const char *env = getenv("KBPF_JIT_FUZZ_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 0) : 3000, native;

	NEED_JIT();
	fz_state = kbpf_test_seed();
	T_EQ(fz_run(n, 0, &native), 0);
	printf("  %u programs, %u native, all equal\n", n, native);
	T_EQ(native, n);
}

KBPF_TEST(jit_fuzz_blinded,
	  "the same random programs with their constants blinded "
	  "(jit_harden 2) give the interpreter's results")
{
	const char *env = getenv("KBPF_JIT_FUZZ_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 0) : 1000, native;

	NEED_JIT();
	fz_state = kbpf_test_seed() + 1;
	T_EQ(fz_run(n, 2, &native), 0);
	printf("  %u programs, %u native, all equal\n", n, native);
	T_EQ(native, n);
}

/*
 * Does @code hold @v as an immediate? On x86-64 its 4 bytes (little-endian);
 * riscv64 builds a 32-bit value with lui (the upper 20 bits, rounded for
 * addiw's sign-extended low 12) and addiw: a lui of those upper bits, into
 * any register; arm64 16 bits at a time: a movz of its low half followed by
 * a movk of its high half into the same register.
 */
static bool has_bytes(const uint8_t *code, size_t len, uint32_t v)
{
#if defined(__riscv)
	uint32_t hi = (v + 0x800u) >> 12;

	for (size_t i = 0; i + 4 <= len; i += 4) {
		uint32_t w = (uint32_t)code[i] | (uint32_t)code[i + 1] << 8 |
			     (uint32_t)code[i + 2] << 16 |
			     (uint32_t)code[i + 3] << 24;

		if ((w & 0x7f) == 0x37 && w >> 12 == hi)
			return true;
	}
	return false;
#elif defined(__aarch64__)
	for (size_t i = 0; i + 8 <= len; i += 4) {
		uint32_t a, b;

		memcpy(&a, code + i, 4);
		memcpy(&b, code + i + 4, 4);
		if ((a & 0x7fe00000u) == 0x52800000u && /* movz, lsl 0 */
		    (b & 0x7fe00000u) == 0x72a00000u && /* movk, lsl 16 */
		    (a & 0x1f) == (b & 0x1f) &&
		    ((a >> 5) & 0xffff) == (v & 0xffff) &&
		    ((b >> 5) & 0xffff) == v >> 16)
			return true;
	}
	return false;
#else
	for (size_t i = 0; i + 4 <= len; i++)
		if (code[i] == (uint8_t)v && code[i + 1] == (uint8_t)(v >> 8) &&
		    code[i + 2] == (uint8_t)(v >> 16) &&
		    code[i + 3] == (uint8_t)(v >> 24))
			return true;
	return false;
#endif
}

KBPF_TEST(jit_blinding,
	  "with jit_harden 2 (or 1 and a loader without CAP_BPF) no chosen "
	  "immediate appears in the native code, which it does without; the "
	  "results stay the same")
{
	const uint32_t v = 0x5a3c9e17;
	struct bpf_insn p[] = {
		MOVK(0, (int32_t)v),
		ADDK(0, (int32_t)v),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, (int32_t)v),
		I(BPF_LDX | BPF_MEM | BPF_W, 1, 10, -4, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1, (int32_t)v),
		MOVK(0, 1),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, (int32_t)v),
		LD_HI((int32_t)v),
		I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 2, 0, 0),
		EXIT,
	};
	struct kbpf_prog *plain, *hard, *unpriv;
	const struct kbpf_jit_image *img;
	uint64_t r1, r2, r3;

	NEED_JIT();
	plain = load(p, 11, NULL, 0, true);
	kbpf_posix_set_jit_harden(2);
	hard = load(p, 11, NULL, 0, true);
	kbpf_posix_set_jit_harden(0);
	T_ASSERT(plain && hard && plain->jit && hard->jit);
	img = kbpf_jit_image(plain);
	T_ASSERT(!img->blinded);
	T_ASSERT(has_bytes(img->code, img->code_size, v));
	img = kbpf_jit_image(hard);
	T_ASSERT(img->blinded);
	T_ASSERT(!has_bytes(img->code, img->code_size, v));
	T_EQ(run(plain, KBPF_INTERP_FAST, &r1), 0);
	T_EQ(run(hard, KBPF_INTERP_FAST, &r2), 0);
	T_EQ(r1, r2);
	/* Level 1: a loader without CAP_BPF is blinded, one with it not. */
	kbpf_posix_set_jit_harden(1);
	unpriv = load(p, 11, NULL, 0, true);
	kbpf_posix_set_jit_harden(0);
	T_ASSERT(unpriv && unpriv->jit);
	T_EQ(kbpf_jit_image(unpriv)->blinded, !(unpriv->priv & KBPF_PRIV_BPF));
	T_EQ(run(unpriv, KBPF_INTERP_FAST, &r3), 0);
	T_EQ(r3, r1);
	kbpf_prog_put(plain);
	kbpf_prog_put(hard);
	kbpf_prog_put(unpriv);
}

/* ---- the framework's rules ---- */

#define LD_FUNC(d) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, 0)
#define BPF_CALL_REL(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, k)
#define LDX_DW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define STX_DW(d, s, o) I(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)

static int run_ctx(struct kbpf_prog *p, uint64_t *ctx, uint64_t *r0)
{
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = 4 * sizeof(uint64_t),
					 .mode = KBPF_INTERP_FAST };

	*r0 = 0xdead;
	return kbpf_interp_run(p, host(), &args, r0);
}

/* Run @insns natively and in the interpreter: same error and r0. */
static int both(const struct bpf_insn *insns, uint32_t n, int *err,
		uint64_t *r0)
{
	struct kbpf_prog *pi = load(insns, n, NULL, 0, false);
	struct kbpf_prog *pj = load(insns, n, NULL, 0, true);
	uint64_t ri, rj;
	int ei, ej, ok = 0;

	if (pi && pj && !pi->jit && pj->jit) {
		ei = run(pi, KBPF_INTERP_FAST, &ri);
		ej = run(pj, KBPF_INTERP_FAST, &rj);
		*err = ej;
		*r0 = rj;
		ok = ei == ej && (ei || ri == rj);
		if (!ok)
			printf("  interpreter %d 0x%llx, native %d 0x%llx\n",
			       ei, (unsigned long long)ri, ej,
			       (unsigned long long)rj);
	}
	if (pi)
		kbpf_prog_put(pi);
	if (pj)
		kbpf_prog_put(pj);
	return ok;
}

#define BOTH(insns, err, r0) \
	both(insns, sizeof(insns) / sizeof(insns[0]), err, r0)

static void tail_calls(void)
{
	struct kbpf_map *pa, *cnt, *maps[2];
	struct kbpf_prog *t, *u, *m, *sj, *si;
	struct bpf_insn tp[] = { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
				 ADDK(0, 100), EXIT };
	struct bpf_insn up[] = { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 8, 0),
				 ADDK(0, 200), EXIT };
	struct bpf_insn mp[] = {
		MOV(6, 1),
		I(BPF_LDX | BPF_MEM | BPF_DW, 3, 1, 24, 0),
		LD_MAP(2, 0),
		LD_HI(0),
		CALL(BPF_FUNC_tail_call),
		MOVK(0, 7),
		EXIT,
	};
	struct bpf_insn sp[] = {
		MOV(6, 1),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		LD_MAP(1, 1),
		LD_HI(0),
		MOV(2, 10),
		ADDK(2, -4),
		CALL(BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0),
		MOVK(1, 1),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD),
		MOV(1, 6),
		LD_MAP(2, 0),
		LD_HI(0),
		MOVK(3, 2),
		CALL(BPF_FUNC_tail_call),
		MOVK(0, 9),
		EXIT,
	};
	uint64_t ctx[4] = { 1, 2, 0, 0 }, r0, *c;
	uint32_t zero = 0;

	NEED_JIT();
	pa = map_new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	cnt = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 1);
	T_ASSERT(pa && cnt);
	maps[0] = pa;
	maps[1] = cnt;
	t = load(tp, 3, NULL, 0, true);
	u = load(up, 3, NULL, 0, false);
	m = load(mp, 7, maps, 1, true);
	sj = load(sp, 17, maps, 2, true);
	si = load(sp, 17, maps, 2, false);
	T_ASSERT(t && u && m && sj && si);
	T_ASSERT(t->jit && !u->jit && m->jit && sj->jit && !si->jit);
	T_EQ(kbpf_prog_array_set(pa, 0, t), 0);
	T_EQ(kbpf_prog_array_set(pa, 1, u), 0);
	T_EQ(kbpf_prog_array_set(pa, 2, sj), 0);
	ctx[3] = 0;
	T_EQ(run_ctx(m, ctx, &r0), 0);
	T_EQ(r0, 101); /* native -> native */
	ctx[3] = 1;
	T_EQ(run_ctx(m, ctx, &r0), 0);
	T_EQ(r0, 202); /* native -> interpreter */
	ctx[3] = 3;
	T_EQ(run_ctx(m, ctx, &r0), 0);
	T_EQ(r0, 7); /* empty slot: the program goes on */
	c = cnt->ops->lookup_elem(cnt, &zero);
	T_ASSERT(c != NULL);
	/* Self tail calls: the first run and 33 more. */
	T_EQ(run_ctx(sj, ctx, &r0), 0);
	T_EQ(r0, 9);
	T_EQ(*c, 34);
	/* The same, continued in the interpreter after the first. */
	T_EQ(kbpf_prog_array_set(pa, 2, si), 0);
	T_EQ(run_ctx(sj, ctx, &r0), 0);
	T_EQ(r0, 9);
	T_EQ(*c, 68);
	T_EQ(run_ctx(si, ctx, &r0), 0);
	T_EQ(r0, 9);
	T_EQ(*c, 102);
	kbpf_prog_put(t);
	kbpf_prog_put(u);
	kbpf_prog_put(m);
	kbpf_prog_put(sj);
	kbpf_prog_put(si);
	/* The creator's user reference: empties the slots (the cycle). */
	kbpf_obj_uref_put(&pa->obj);
	kbpf_map_put(cnt);
}

KBPF_TEST(jit_tail_calls,
	  "tail calls go from native code to native code and to a program "
	  "the interpreter runs, an empty slot falls through, and the 33rd "
	  "tail call is the last, natively as in the interpreter")
{
	tail_calls();
}

KBPF_TEST(jit_tail_call_from_depth,
	  "a tail call made by the main function entered as a bpf-to-bpf "
	  "subprogram (depth 1) ends the run with -EOPNOTSUPP natively as in "
	  "the interpreter, which allows tail calls only from the main frame; "
	  "the same program from depth 0 tail-calls")
{
	struct kbpf_map *pa, *maps[1];
	struct kbpf_prog *t, *pi, *pj;
	struct bpf_insn tp[] = { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
				 ADDK(0, 100), EXIT };
	/* r2 != 0: the tail call; else main calls itself with r2 = ctx[1] */
	struct bpf_insn mp[] = {
		I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 6, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 8, 0),
		I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 2, 0),
		MOVK(2, 1), /* ctx[1] == 0: the tail call from depth 0 */
		I(BPF_JMP | BPF_JA, 0, 0, 2, 0),
		BPF_CALL_REL(-6), /* main, with r2 = ctx[1] */
		EXIT,
		LD_MAP(2, 0),
		LD_HI(0),
		MOVK(3, 0),
		CALL(BPF_FUNC_tail_call),
		MOVK(0, 7),
		EXIT,
	};
	uint64_t ctx[4] = { 1, 1, 0, 0 }, ri, rj;
	int ei, ej;

	NEED_JIT();
	pa = map_new(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	T_ASSERT(pa != NULL);
	maps[0] = pa;
	t = load(tp, 3, NULL, 0, true);
	pi = load(mp, sizeof(mp) / sizeof(mp[0]), maps, 1, false);
	pj = load(mp, sizeof(mp) / sizeof(mp[0]), maps, 1, true);
	T_ASSERT(t && pi && pj);
	T_ASSERT(!pi->jit && pj->jit);
	T_EQ(kbpf_prog_array_set(pa, 0, t), 0);
	for (int from0 = 0; from0 < 2; from0++) {
		ctx[1] = from0 ? 0 : 1;
		ei = run_ctx(pi, ctx, &ri);
		ej = run_ctx(pj, ctx, &rj);
		printf("  %s: interpreter %d %llu, native %d %llu\n",
		       from0 ? "depth 0" : "depth 1", ei,
		       (unsigned long long)ri, ej, (unsigned long long)rj);
		T_EQ(ei, from0 ? 0 : -KBPF_EOPNOTSUPP);
		T_EQ(ej, ei);
		if (!ei) {
			T_EQ(ri, 101);
			T_EQ(rj, ri);
		}
	}
	kbpf_prog_put(t);
	kbpf_prog_put(pi);
	kbpf_prog_put(pj);
	kbpf_obj_uref_put(&pa->obj);
}

static int run_checked(struct kbpf_prog *p, uint64_t *ctx, uint64_t budget,
		       uint64_t *r0);

KBPF_TEST(jit_helper_five_args,
	  "a helper of five arguments (bpf_csum_diff: from, its size, to, its "
	  "size, seed) gets r1-r5 in order and its 64-bit result in r0 "
	  "natively, fast and checked, as in the interpreter; r6 and r10 "
	  "survive the call")
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0x11223344),
		LD_HI(0x55667788),
		STX_DW(10, 1, -8),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, (int32_t)0x99aabbcc),
		LD_HI((int32_t)0xddeeff00),
		STX_DW(10, 1, -16),
		MOVK(6, 0x77),
		MOV(1, 10),
		ADDK(1, -8),
		MOVK(2, 8),
		MOV(3, 10),
		ADDK(3, -16),
		MOVK(4, 4),
		MOVK(5, 0x3456789),
		CALL(BPF_FUNC_csum_diff),
		/* r0 = (csum << 16) ^ r6 ^ *(r10 - 8) */
		I(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 16),
		I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 6, 0, 0),
		LDX_DW(1, 10, -8),
		I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0),
		EXIT,
	};
	uint32_t n = sizeof(p) / sizeof(p[0]);
	uint64_t ctx[4] = { 0 }, ri = 0, rj = 0, ci = 0, cj = 0;
	struct kbpf_prog *pi, *pj;

	NEED_JIT();
	pi = load_type(BPF_PROG_TYPE_SCHED_CLS, p, n, NULL, 0, false);
	pj = load_type(BPF_PROG_TYPE_SCHED_CLS, p, n, NULL, 0, true);
	T_ASSERT(pi && pj && !pi->jit && pj->jit);
	T_EQ(run_ctx(pi, ctx, &ri), 0);
	T_EQ(run_ctx(pj, ctx, &rj), 0);
	/* the seed and both sizes reach the sum: not the seed alone */
	T_ASSERT(ri >> 16 != 0x3456789);
	T_EQ(rj, ri);
	printf("  r0 0x%llx, checked native code: %s\n", (unsigned long long)ri,
	       pj->jit_chk ? "yes" : "no");
	if (JIT_CHECKED && pj->jit_chk) {
		T_EQ(run_checked(pi, ctx, 0, &ci), 0);
		T_EQ(run_checked(pj, ctx, 0, &cj), 0);
		T_EQ(ci, ri);
		T_EQ(cj, ci);
	}
	kbpf_prog_put(pi);
	kbpf_prog_put(pj);
}

KBPF_TEST(jit_tail_calls_without_defer_free,
	  "the same on a host without defer_free: the run holds each program "
	  "it tail-calls into and gives them back at its end (no leak, no "
	  "use after free under ASan)")
{
	static struct kbpf_host nodefer;

	nodefer = *kbpf_posix_host();
	nodefer.defer_free = NULL;
	nodefer.read_lock = NULL;
	nodefer.read_unlock = NULL;
	cur_host = &nodefer;
	tail_calls();
	cur_host = NULL;
}

KBPF_TEST(jit_callbacks_and_frames,
	  "bpf_loop runs a native callback; recursion through bpf_loop or "
	  "bpf-to-bpf calls ends the run with -ELOOP at the interpreter's "
	  "frame limit, from depth; bounded recursion gives the same r0; "
	  "the main function called as a subprogram keeps the caller's r6")
{
	struct bpf_insn loop[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		MOVK(1, 5),
		LD_FUNC(2),
		LD_HI(0),
		MOV(3, 10),
		ADDK(3, -8),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		MOV(6, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 16),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		EXIT,
		/* 13: callback (index r1, ctx r2) */
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 2, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 2, 0, 0, 0),
		MOVK(0, 0),
		EXIT,
	};
	struct bpf_insn rec_loop[] = {
		MOVK(1, 1),
		LD_FUNC(2),
		LD_HI(0),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		EXIT,
		/* 7: the callback calls bpf_loop with itself */
		MOVK(1, 1),
		LD_FUNC(2),
		LD_HI(0),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		MOVK(0, 0),
		EXIT,
	};
	struct bpf_insn rec_call[] = {
		MOVK(1, 0),
		BPF_CALL_REL(1),
		EXIT,
		/* 3: sub: calls itself forever */
		ADDK(1, 1),
		BPF_CALL_REL(-2),
		EXIT,
	};
	struct bpf_insn depth[] = {
		MOVK(1, 0),
		BPF_CALL_REL(1),
		EXIT,
		/* 3: sub(r1): r1 == 0 ? 0 : sub(r1 - 1) + 1 */
		I(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 0),
		MOVK(0, 0),
		EXIT,
		ADDK(1, -1),
		BPF_CALL_REL(-5),
		ADDK(0, 1),
		EXIT,
	};
	/*
	 * The main function called as a subprogram: it must keep its
	 * caller's r6 (x86-64 leaves the saves out of a main function only
	 * the entry stub enters).
	 */
	struct bpf_insn main_call[] = {
		I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 5, 0),
		MOVK(6, 7),
		MOVK(2, 1),
		BPF_CALL_REL(-4),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		EXIT,
		MOVK(6, 100),
		MOVK(0, 1000),
		EXIT,
	};
	uint64_t r0;
	int err;

	NEED_JIT();
	T_ASSERT(BOTH(main_call, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, 1007);
	rec_loop[1].imm = 7 - 2;
	rec_loop[8].imm = 7 - 9;
	loop[2].imm = 13 - 3;
	T_ASSERT(BOTH(loop, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, 10 * 16 + 5);
	T_ASSERT(BOTH(rec_loop, &err, &r0));
	T_EQ(err, -KBPF_ELOOP);
	T_ASSERT(BOTH(rec_call, &err, &r0));
	T_EQ(err, -KBPF_ELOOP);
	/* Depth k needs k + 2 frames; 8 in all. */
	for (int32_t k = 0; k < 10; k++) {
		depth[0].imm = k;
		T_ASSERT(BOTH(depth, &err, &r0));
		if (k <= KBPF_MAX_CALL_FRAMES - 2) {
			T_EQ(err, 0);
			T_EQ(r0, (uint64_t)k);
		} else {
			T_EQ(err, -KBPF_ELOOP);
		}
	}
}

KBPF_TEST(jit_may_goto,
	  "may_goto falls through 8M times per run, then jumps, natively as "
	  "in the interpreter")
{
	struct bpf_insn p[] = {
		MOVK(0, 0), I(BPF_JMP | BPF_JCOND, 0, 0, 2, 0),
		ADDK(0, 1), I(BPF_JMP | BPF_JA, 0, 0, -3, 0),
		EXIT,
	};
	uint64_t r0;
	int err;

	NEED_JIT();
	T_ASSERT(BOTH(p, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, KBPF_INTERP_MAY_GOTO_LOOPS);
}

KBPF_TEST(jit_ld_abs,
	  "LD_ABS/LD_IND on an skb read the packet in network order, and a "
	  "load past its end ends the program with r0 = 0, natively as in "
	  "the interpreter")
{
	struct bpf_insn p[] = {
		MOV(6, 1),
		I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0),
		MOV(7, 0),
		I(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 1),
		I(BPF_ALU64 | BPF_LSH | BPF_K, 7, 0, 0, 16),
		I(BPF_ALU64 | BPF_OR | BPF_X, 7, 0, 0, 0),
		MOVK(8, 3),
		I(BPF_LD | BPF_IND | BPF_W, 0, 8, 0, 2),
		I(BPF_ALU64 | BPF_LSH | BPF_K, 7, 0, 0, 32),
		I(BPF_ALU64 | BPF_XOR | BPF_X, 7, 0, 0, 0),
		I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), /* patched */
		MOV(0, 7),
		EXIT,
	};
	uint8_t buf[256];
	struct kbpf_skb skb;
	int32_t offs[] = { 10, 63, 64, 1000 };

	NEED_JIT();
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	for (unsigned k = 0; k < 4; k++) {
		struct kbpf_prog *pi, *pj;
		uint64_t ri = 1, rj = 2;

		p[10].imm = offs[k];
		pi = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 13, NULL, 0,
			       false);
		pj = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 13, NULL, 0,
			       true);
		T_ASSERT(pi && pj && !pi->jit && pj->jit);
		T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true, 1), 0);
		T_EQ(kbpf_skb_run(pi, kbpf_posix_host(), &skb, KBPF_INTERP_FAST,
				  0, &ri),
		     0);
		T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true, 1), 0);
		T_EQ(kbpf_skb_run(pj, kbpf_posix_host(), &skb, KBPF_INTERP_FAST,
				  0, &rj),
		     0);
		T_EQ(ri, rj);
		if (offs[k] + 1 > 64)
			T_EQ(rj, 0);
		else
			T_NE(rj, 0);
		kbpf_prog_put(pi);
		kbpf_prog_put(pj);
	}
}

KBPF_TEST(jit_ld_abs_from_depth,
	  "LD_ABS past the packet in the main function entered by a "
	  "bpf-to-bpf call (recursion, no second function) ends the whole "
	  "run with r0 = 0 as in the interpreter, fast and checked; a load "
	  "inside the packet returns to the caller on both sides")
{
	/* r2 == 0: call main with r2 = 1, r0 + 1000; else the load */
	struct bpf_insn p[] = {
		I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 4, 0),
		MOVK(2, 1),
		BPF_CALL_REL(-3),
		ADDK(0, 1000),
		EXIT,
		I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), /* patched */
		ADDK(0, 5),
		EXIT,
	};
	static const enum kbpf_interp_mode modes[] = { KBPF_INTERP_CHECKED,
						       KBPF_INTERP_FAST };
	int32_t offs[] = { 10, 1000 };
	uint8_t buf[256];
	struct kbpf_skb skb;

	NEED_JIT();
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	for (unsigned k = 0; k < 2; k++) {
		struct kbpf_prog *pi, *pj;

		p[5].imm = offs[k];
		pi = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 8, NULL, 0,
			       false);
		pj = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 8, NULL, 0,
			       true);
		T_ASSERT(pi && pj && !pi->jit);
		for (unsigned m = 0; m < 2; m++) {
			uint64_t ri = 1, rj = 2;
			int ei, ej;

			T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					   1),
			     0);
			ei = kbpf_skb_run(pi, kbpf_posix_host(), &skb, modes[m],
					  0, &ri);
			T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					   1),
			     0);
			ej = kbpf_skb_run(pj, kbpf_posix_host(), &skb, modes[m],
					  0, &rj);
			printf("  offset %d, %s: interpreter %d %llu, native "
			       "(%s) %d %llu\n",
			       offs[k], m ? "fast" : "checked", ei,
			       (unsigned long long)ri,
			       (m ? pj->jit : pj->jit_chk) ? "code" : "none",
			       ej, (unsigned long long)rj);
			T_EQ(ei, 0);
			/* the packet: buf + 32, 64 bytes */
			T_EQ(ri, offs[k] < 64 ? buf[32 + offs[k]] + 1005u : 0u);
			T_EQ(ej, ei);
			T_EQ(rj, ri);
		}
		kbpf_prog_put(pi);
		kbpf_prog_put(pj);
	}
}

KBPF_TEST(jit_jump_to_first_insn,
	  "a jump back to a function's first instruction (a loop whose head "
	  "is instruction 0, or a subprogram's first instruction) lands on "
	  "the body, not the prologue: the same r0 natively as in the "
	  "interpreter")
{
	/*
	 * The main function's loop head is instruction 0: the counter lives
	 * in the context (ctx[0] starts at 1), as no register but r1 and
	 * r10 holds a defined value there in fast native code (x86-64's
	 * main function does not zero r0 and r6-r9).
	 */
	struct bpf_insn main_loop[] = {
		LDX_DW(3, 1, 0),
		ADDK(3, 1),
		STX_DW(1, 3, 0),
		I(BPF_JMP | BPF_JLT | BPF_K, 3, 0, -4, 10),
		MOV(0, 3),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 3),
		EXIT,
	};
	/* A subprogram whose first instruction is its loop head. */
	struct bpf_insn sub_loop[] = {
		MOVK(6, 100),
		MOVK(1, 0),
		BPF_CALL_REL(3),
		ADDK(0, 1000),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		EXIT,
		ADDK(1, 3), /* the subprogram */
		MOV(6, 1),
		I(BPF_JMP | BPF_JLT | BPF_K, 1, 0, -3, 20),
		MOV(0, 6),
		EXIT,
	};
	/* A may_goto loop whose head is instruction 0. */
	struct bpf_insn may_goto_loop[] = {
		LDX_DW(3, 1, 0),
		ADDK(3, 1),
		STX_DW(1, 3, 0),
		I(BPF_JMP | BPF_JCOND, 0, 0, 1, 0),
		I(BPF_JMP | BPF_JA, 0, 0, -5, 0),
		MOV(0, 3),
		EXIT,
	};
	uint64_t r0 = 0;
	int err = -1;

	NEED_JIT();
	T_ASSERT(BOTH(main_loop, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, 30);
	T_ASSERT(BOTH(sub_loop, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, 1000 + 21 + 100);
	T_ASSERT(BOTH(may_goto_loop, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0, (uint64_t)KBPF_INTERP_MAY_GOTO_LOOPS + 2);
}

KBPF_TEST(jit_call_keeps_callee_r1_r5,
	  "after a bpf-to-bpf call returns, r1-r5 hold what the callee left "
	  "in them and r6-r9 the caller's, natively as in the fast "
	  "interpreter (an unproven program run fast may read them)")
{
	struct bpf_insn p[] = {
		MOVK(6, 6),
		MOVK(7, 7),
		MOVK(1, 1),
		BPF_CALL_REL(13),
		/* r0 = r0 + 2 r1 + 3 r2 + 5 r3 + 7 r4 + 11 r5 + r6 r7 */
		I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 2),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 2, 0, 0, 3),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 3, 0, 0, 5),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 4, 0, 0, 7),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 5, 0, 0, 11),
		I(BPF_ALU64 | BPF_MUL | BPF_X, 6, 7, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 3, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 4, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 5, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 6, 0, 0),
		EXIT,
		/* the callee: new r1-r5 and r6-r7, returns 1000 */
		MOVK(6, 60),
		MOVK(7, 70),
		ADDK(1, 99),
		MOVK(2, 200),
		MOVK(3, 300),
		MOVK(4, 400),
		MOVK(5, 500),
		MOVK(0, 1000),
		EXIT,
	};
	uint64_t r0 = 0;
	int err = -1;

	NEED_JIT();
	T_ASSERT(BOTH(p, &err, &r0));
	T_EQ(err, 0);
	T_EQ(r0,
	     1000 + 2 * 100 + 3 * 200 + 5 * 300 + 7 * 400 + 11 * 500 + 6 * 7);
}

/* The permissions of the mapping holding @addr in /proc/self/maps. */
static int maps_perms(uintptr_t addr, char perms[5])
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	int found = 0;

	if (!f)
		return -1;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long lo, hi;

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) == 3 &&
		    addr >= lo && addr < hi)
			found = 1;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* ---- map calls as Linux makes them after verification ---- */

/* A map of @type with @flags (map_new() with flags). */
static struct kbpf_map *map_new_flags(uint32_t type, uint32_t vs, uint32_t n,
				      uint32_t flags)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = vs;
	a.max_entries = n;
	a.map_flags = flags;
	if (kbpf_map_create(host(), &a, &m))
		return NULL;
	return m;
}

/* The image's opcode at @pc. */
static uint8_t image_code(const struct kbpf_prog *p, uint32_t pc)
{
	const struct kbpf_interp_image *img = p->interp_image;

	return img && pc < img->len ? img->insns[pc].code : 0;
}

/*
 * r0 = bpf_map_lookup_elem(map 0, fp - 8) where the 8 bytes at fp - 8 are
 * @word: Linux reads an array's key as the u32 at the key pointer, so only
 * its low half is the index. With @plain, r1 goes through an addition of
 * 0, which leaves the call a plain helper call (the reference). The call
 * is instruction 7 (8 with @plain).
 */
static uint32_t prog_lookup(struct bpf_insn *p, uint64_t word, bool plain)
{
	uint32_t n = 0;

	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, (int32_t)word);
	p[n++] = LD_HI((int32_t)(word >> 32));
	p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 3, -8, 0);
	p[n++] = LD_MAP(1, 0);
	p[n++] = LD_HI(0);
	if (plain)
		p[n++] = ADDK(1, 0);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -8);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = EXIT;
	return n;
}

/* A host whose caller lacks CAP_PERFMON (and CAP_SYS_ADMIN). */
static bool no_perfmon(const struct kbpf_host *h, int cap)
{
	(void)h;
	return cap != KBPF_CAP_PERFMON && cap != KBPF_CAP_SYS_ADMIN;
}

KBPF_TEST(jit_array_lookup_inline,
	  "an ARRAY lookup inlined into native code returns the helper's "
	  "pointer (or NULL) for indexes inside, at and past max_entries, "
	  "negative and huge ones, reading the key as a u32 whatever the "
	  "bytes after it, for maps of creators with and without "
	  "CAP_PERFMON (Spectre v1 index mask); PERCPU_ARRAY the same "
	  "through its site")
{
	static const struct {
		uint32_t type, vs, n;
	} maps[] = {
		{ BPF_MAP_TYPE_ARRAY, 8, 1 },
		{ BPF_MAP_TYPE_ARRAY, 4, 3 },
		{ BPF_MAP_TYPE_ARRAY, 12, 8 },
		{ BPF_MAP_TYPE_ARRAY, 1, 1000 },
		{ BPF_MAP_TYPE_ARRAY, 4096, 5 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 8, 4 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 24, 7 },
	};
	static const uint32_t his[] = { 0, 0xffffffffu, 0x00000001u };
	static struct kbpf_host unpriv;
	uint32_t checked = 0, masked = 0;

	NEED_JIT();
	unpriv = *kbpf_posix_host();
	unpriv.capable = no_perfmon;
	for (uint32_t m = 0; m < 2 * sizeof(maps) / sizeof(maps[0]); m++) {
		uint32_t mm = m % (sizeof(maps) / sizeof(maps[0]));
		struct kbpf_map *map;
		uint32_t n = maps[mm].n;

		cur_host = m == mm ? NULL : &unpriv;
		map = map_new(maps[mm].type, 4, maps[mm].vs, n);
		cur_host = NULL;
		const uint32_t idx[] = {
			0,	     1,		  n / 2,       n - 1,
			n,	     n + 1,	  2 * n,       0x7fffffffu,
			0x80000000u, 0xfffffffeu, 0xffffffffu, n | 0x10000u
		};

		T_ASSERT(map);
		for (uint32_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
			for (uint32_t h = 0; h < 3; h++) {
				uint64_t word = (uint64_t)his[h] << 32 | idx[i];
				struct bpf_insn p[16], q[16];
				uint32_t np = prog_lookup(p, word, false);
				uint32_t nq = prog_lookup(q, word, true);
				struct kbpf_prog *pj =
					load(p, np, &map, 1, true);
				struct kbpf_prog *pi =
					load(p, np, &map, 1, false);
				struct kbpf_prog *pr =
					load(q, nq, &map, 1, false);
				uint32_t key = idx[i];
				uint64_t rj, ri, rr;
				void *want = kbpf_map_lookup_elem(map, &key);

				T_ASSERT(pj && pi && pr && pj->jit);
				/* Masked: the creator lacked CAP_PERFMON. */
				T_EQ(((const struct kbpf_interp_image *)
					      pj->interp_image)
						     ->sites[0]
						     .index_mask != UINT32_MAX,
				     m != mm);
				masked += m != mm;
				T_EQ(image_code(pj, 7),
				     maps[mm].type == BPF_MAP_TYPE_ARRAY ?
					     KBPF_INTERP_OP_LOOKUP_ARRAY :
					     KBPF_INTERP_OP_LOOKUP_PERCPU);
				T_EQ(image_code(pr, 8), KBPF_INTERP_OP_CALL);
				T_EQ(run(pj, KBPF_INTERP_FAST, &rj), 0);
				T_EQ(run(pi, KBPF_INTERP_FAST, &ri), 0);
				T_EQ(run(pr, KBPF_INTERP_FAST, &rr), 0);
				T_EQ(rr, (uint64_t)(uintptr_t)want);
				T_EQ(rj, rr);
				T_EQ(ri, rr);
				T_EQ(rr != 0, idx[i] < n);
				kbpf_prog_put(pj);
				kbpf_prog_put(pi);
				kbpf_prog_put(pr);
				checked++;
				if (kbpf_test_failed()) {
					printf("  map %u index 0x%x high 0x%x\n",
					       m, idx[i], his[h]);
					kbpf_map_put(map);
					return;
				}
			}
		}
		kbpf_map_put(map);
	}
	printf("  %u lookups (%u in maps with an index mask), native = "
	       "helper\n",
	       checked, masked);
}

/*
 * A host that "migrates" the caller at every cpu_id call: it answers
 * 0, 1, 2, 3, 0, ... and counts the calls.
 */
static uint32_t migr_calls;

static uint32_t migr_cpu(const struct kbpf_host *h)
{
	(void)h;
	return migr_calls++ % 4;
}

/*
 * Two lookups of key 0, each slot's u64 incremented through its pointer;
 * r0 = 0, or 1 if a lookup failed. @plain: r1 += 0 after each map load,
 * so that the image leaves the helper call (no site).
 */
static uint32_t prog_percpu_twice(struct bpf_insn *p, bool plain)
{
	uint32_t n = 0, out;

	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	for (int k = 0; k < 2; k++) {
		p[n++] = LD_MAP(1, 0);
		p[n++] = LD_HI(0);
		if (plain)
			p[n++] = ADDK(1, 0);
		p[n++] = MOV(2, 10);
		p[n++] = ADDK(2, -4);
		p[n++] = CALL(BPF_FUNC_map_lookup_elem);
		/* if r0 == 0 goto out (patched) */
		p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 0, 0);
		if (!k)
			p[n++] = MOV(6, 0);
	}
	for (int k = 0; k < 2; k++) {
		int r = k ? 0 : 6;

		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 1, (uint8_t)r, 0, 0);
		p[n++] = ADDK(1, 1);
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, (uint8_t)r, 1, 0, 0);
	}
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	out = n;
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	for (uint32_t i = 0; i < out; i++)
		if (p[i].code == (BPF_JMP | BPF_JEQ | BPF_K))
			p[i].off = (int16_t)(out - i - 1);
	return n;
}

/* The case running: map type index << 8 | variant. */
static uint32_t percpu_case;

/*
 * jit_percpu_run_cpu's cases, on the host cur_host points at: per map
 * type, variants v = plain (helper) | jit << 1 | checked << 2.
 */
static void percpu_run_cases(uint32_t *runs, uint32_t *native)
{
	static const uint32_t types[] = { BPF_MAP_TYPE_PERCPU_ARRAY,
					  BPF_MAP_TYPE_PERCPU_HASH,
					  BPF_MAP_TYPE_LRU_PERCPU_HASH };

	for (uint32_t t = 0; t < 3; t++) {
		struct kbpf_map *map = map_new(types[t], 4, 8, 4);
		uint32_t key = 0;
		uint64_t zero = 0;

		T_ASSERT(map);
		if (types[t] != BPF_MAP_TYPE_PERCPU_ARRAY)
			T_EQ(kbpf_map_update_elem(map, &key, &zero, BPF_ANY),
			     0);
		for (uint32_t v = 0; v < 8; v++) {
			bool plain = v & 1, jit = v & 2;

			percpu_case = t << 8 | v;
			enum kbpf_interp_mode mode =
				v & 4 ? KBPF_INTERP_CHECKED : KBPF_INTERP_FAST;
			struct bpf_insn p[40];
			uint32_t np = prog_percpu_twice(p, plain);
			struct kbpf_prog *pr = load(p, np, &map, 1, jit);
			uint64_t before[4], after[4], r0 = 0xdead;
			uint32_t grew = 0, at = 0;

			T_ASSERT(pr);
			T_EQ(image_code(pr, plain ? 6 : 5),
			     plain  ? KBPF_INTERP_OP_CALL :
			     t == 0 ? KBPF_INTERP_OP_LOOKUP_PERCPU :
				      KBPF_INTERP_OP_LOOKUP_CALL);
			*native += pr->jit != NULL;
			for (uint32_t c = 0; c < 4; c++) {
				uint64_t *s = kbpf_map_lookup_percpu_elem(
					map, &key, c);

				T_ASSERT(s);
				before[c] = *s;
			}
			/* Start each run at another CPU. */
			migr_calls = v;
			T_EQ(run(pr, mode, &r0), 0);
			T_EQ(r0, 0);
			T_EQ(migr_calls - v, 1);
			for (uint32_t c = 0; c < 4; c++) {
				after[c] = *(uint64_t *)
						   kbpf_map_lookup_percpu_elem(
							   map, &key, c);
				if (after[c] != before[c]) {
					grew++;
					at = c;
				}
			}
			/* Both increments in one slot: the first CPU read. */
			T_EQ(grew, 1);
			T_EQ(after[at] - before[at], 2);
			T_EQ(at, v % 4);
			kbpf_prog_put(pr);
			/*
			 * The program is freed on the reclaim thread through
			 * its host, which load_type() rewrites for the next
			 * one (TSan found the race): let the free finish.
			 */
			kbpf_posix_rcu_barrier();
			(*runs)++;
		}
		kbpf_map_put(map);
	}
}

KBPF_TEST(jit_percpu_run_cpu,
	  "PERCPU_ARRAY and PERCPU_HASH lookups of one run (native code, "
	  "fast and checked interpreter, inlined site, direct site and "
	  "helper) all use one CPU's slot, read from the host once per "
	  "run, even when the host's cpu_id answers another CPU at every "
	  "call (a host that migrates)")
{
	static struct kbpf_host migr;
	uint32_t runs = 0, native = 0;

	migr = *kbpf_posix_host();
	migr.nr_cpus = 4;
	migr.cpu_id = migr_cpu;
	cur_host = &migr;
	percpu_run_cases(&runs, &native);
	cur_host = NULL;
	if (kbpf_test_failed())
		printf("  map type #%u, variant %u\n", percpu_case >> 8,
		       percpu_case & 0xff);
	else
		printf("  %u runs (%u with native code), one cpu_id call "
		       "each\n",
		       runs, native);
}

KBPF_TEST(jit_array_spec_storage,
	  "an ARRAY or PERCPU_ARRAY made by a creator without CAP_PERFMON "
	  "has storage for index_mask + 1 elements (a masked index stays "
	  "inside it) and more than 2^31 entries is E2BIG, as Linux; with "
	  "CAP_PERFMON nothing changes")
{
	static struct kbpf_host unpriv;
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	unpriv = *kbpf_posix_host();
	unpriv.capable = no_perfmon;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 0x80000001u;
	T_EQ(kbpf_map_create(&unpriv, &a, &m), -KBPF_E2BIG);
	a.map_type = BPF_MAP_TYPE_PERCPU_ARRAY;
	T_EQ(kbpf_map_create(&unpriv, &a, &m), -KBPF_E2BIG);
	for (uint32_t t = 0; t < 2; t++) {
		uint64_t bytes[2];

		for (uint32_t priv = 0; priv < 2; priv++) {
			struct kbpf_map_inline_lookup il;

			a.map_type = t ? BPF_MAP_TYPE_PERCPU_ARRAY :
					 BPF_MAP_TYPE_ARRAY;
			a.max_entries = 1000;
			m = NULL;
			T_EQ(kbpf_map_create(priv ? kbpf_posix_host() : &unpriv,
					     &a, &m),
			     0);
			T_ASSERT(m->ops->inline_lookup(m, &il));
			T_EQ(il.index_mask, priv ? UINT32_MAX : 1023u);
			/* mem_usage counts what was allocated */
			bytes[priv] = m->ops->mem_usage(m);
			kbpf_map_put(m);
		}
		/* 24 more elements per area (on each CPU for PERCPU) */
		T_ASSERT(bytes[0] >= bytes[1] + 24 * 8 - 64);
		T_ASSERT(bytes[1] >= 1000 * 8);
	}
}

/*
 * One random sequence of lookups (r6 folds the value or -1), updates
 * (BPF_ANY, BPF_NOEXIST, BPF_EXIST, BPF_F_LOCK without a lock and an
 * unknown flag; r6 folds the result) and deletes of keys in
 * [0, @n + 2) of map 0, ending with r0 = r6. With @plain every call's r1
 * goes through an addition of 0 (plain helper calls: the reference).
 */
static uint32_t prog_map_ops(struct bpf_insn *p, uint32_t cap, uint32_t n,
			     uint32_t ops, bool plain, uint64_t *seed)
{
	static const int32_t flags[] = { BPF_ANY,   BPF_ANY,	BPF_NOEXIST,
					 BPF_EXIST, BPF_F_LOCK, 8 };
	uint32_t k = 0;

	p[k++] = MOVK(6, 0);
	p[k++] = MOVK(7, 1);
	for (uint32_t i = 0; i < ops && k + 20 < cap; i++) {
		uint64_t r = kbpf_test_rand(seed);
		uint32_t op = (uint32_t)(r % 3);
		int32_t key = (int32_t)((r >> 8) % (n + 2));

		p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, key);
		p[k++] = LD_MAP(1, 0);
		p[k++] = LD_HI(0);
		if (plain)
			p[k++] = ADDK(1, 0);
		p[k++] = MOV(2, 10);
		p[k++] = ADDK(2, -4);
		if (op == 0) {
			p[k++] = CALL(BPF_FUNC_map_lookup_elem);
			p[k++] = MOVK(1, -1);
			p[k++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0);
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0);
			p[k++] = MOV(0, 1);
		} else if (op == 1) {
			/* value: a counter r7, bumped per update */
			p[k++] = ADDK(7, 1);
			p[k++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 7, -16, 0);
			p[k++] = MOV(3, 10);
			p[k++] = ADDK(3, -16);
			p[k++] = MOVK(4, flags[(r >> 24) % 6]);
			p[k++] = CALL(BPF_FUNC_map_update_elem);
		} else {
			p[k++] = CALL(BPF_FUNC_map_delete_elem);
		}
		p[k++] = I(BPF_ALU64 | BPF_MUL | BPF_K, 6, 0, 0, 31);
		p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_X, 6, 0, 0, 0);
	}
	p[k++] = MOV(0, 6);
	p[k++] = EXIT;
	return k;
}

/* Every key's value (first 8 bytes, this CPU's for per-CPU maps) equal. */
static bool maps_same(struct kbpf_map *a, struct kbpf_map *b, uint32_t n)
{
	for (uint32_t k = 0; k < n + 2; k++) {
		const uint64_t *va = kbpf_map_lookup_elem(a, &k);
		const uint64_t *vb = kbpf_map_lookup_elem(b, &k);

		if (!va != !vb || (va && *va != *vb))
			return false;
	}
	return true;
}

KBPF_TEST(jit_map_calls_direct,
	  "lookups, updates and deletes of a map known at load call the "
	  "map's own op (no helper): on HASH, LRU_HASH, per-CPU and "
	  "unpreallocated hashes, ARRAY and PERCPU_ARRAY, native code and "
	  "the fast interpreter give the helper's results (every return "
	  "value, flags included, and the map contents after 200 calls)")
{
	static const struct {
		uint32_t type, flags, n;
	} maps[] = {
		{ BPF_MAP_TYPE_HASH, BPF_F_ZERO_SEED, 8 },
		{ BPF_MAP_TYPE_HASH, BPF_F_ZERO_SEED | BPF_F_NO_PREALLOC, 8 },
		{ BPF_MAP_TYPE_LRU_HASH, BPF_F_ZERO_SEED, 8 },
		{ BPF_MAP_TYPE_PERCPU_HASH, BPF_F_ZERO_SEED, 8 },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, BPF_F_ZERO_SEED, 8 },
		{ BPF_MAP_TYPE_ARRAY, 0, 8 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 0, 8 },
	};
	static struct bpf_insn p[4096], q[4096];
	uint64_t seed = kbpf_test_seed();

	NEED_JIT();
	for (uint32_t m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
		for (uint32_t round = 0; round < 10; round++) {
			struct kbpf_map *mr, *mj, *mi;
			struct kbpf_prog *pr, *pj, *pi;
			uint64_t s1 = seed + round * 7919 + m, s2 = s1;
			uint32_t np, nq, n = maps[m].n, direct = 0;
			uint64_t rr, rj, ri;

			np = prog_map_ops(p, 4096, n, 200, false, &s1);
			nq = prog_map_ops(q, 4096, n, 200, true, &s2);
			mr = map_new_flags(maps[m].type, 8, n, maps[m].flags);
			mj = map_new_flags(maps[m].type, 8, n, maps[m].flags);
			mi = map_new_flags(maps[m].type, 8, n, maps[m].flags);
			T_ASSERT(mr && mj && mi);
			pr = load(q, nq, &mr, 1, false);
			pj = load(p, np, &mj, 1, true);
			pi = load(p, np, &mi, 1, false);
			T_ASSERT(pr && pj && pi && pj->jit);
			for (uint32_t pc = 0; pc < np; pc++) {
				uint8_t c = image_code(pj, pc);

				direct += c == KBPF_INTERP_OP_UPDATE_CALL ||
					  c == KBPF_INTERP_OP_DELETE_CALL;
				T_ASSERT(c != KBPF_INTERP_OP_CALL);
			}
			for (uint32_t pc = 0; pc < nq; pc++)
				T_ASSERT(!kbpf_interp_is_site_op(
						 image_code(pr, pc)) ||
					 image_code(pr, pc) ==
						 KBPF_INTERP_OP_CALL);
			T_ASSERT(direct > 0);
			/* Twice: the second run starts from the first's maps. */
			for (uint32_t r = 0; r < 2; r++) {
				T_EQ(run(pr, KBPF_INTERP_FAST, &rr), 0);
				T_EQ(run(pj, KBPF_INTERP_FAST, &rj), 0);
				T_EQ(run(pi, KBPF_INTERP_FAST, &ri), 0);
				T_EQ(rj, rr);
				T_EQ(ri, rr);
				T_ASSERT(maps_same(mr, mj, n));
				T_ASSERT(maps_same(mr, mi, n));
			}
			kbpf_prog_put(pr);
			kbpf_prog_put(pj);
			kbpf_prog_put(pi);
			kbpf_map_put(mr);
			kbpf_map_put(mj);
			kbpf_map_put(mi);
			if (kbpf_test_failed()) {
				printf("  map %u round %u seed %llu\n", m,
				       round, (unsigned long long)seed);
				return;
			}
		}
	}
}

KBPF_TEST(jit_map_calls_refused,
	  "updates and deletes of BPF_F_RDONLY_PROG maps and fd maps stay "
	  "helper calls, which refuse them (-EACCES, -EINVAL), natively and "
	  "in the interpreter; a writable map's are direct calls")
{
	struct kbpf_map *ro =
		map_new_flags(BPF_MAP_TYPE_HASH, 8, 4, BPF_F_RDONLY_PROG);
	struct kbpf_map *rw = map_new_flags(BPF_MAP_TYPE_HASH, 8, 4, 0);
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 1),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 5),
		LD_MAP(1, 0),
		LD_HI(0),
		MOV(2, 10),
		ADDK(2, -8),
		MOV(3, 10),
		ADDK(3, -16),
		MOVK(4, 0),
		CALL(BPF_FUNC_map_update_elem), /* 9 */
		MOV(6, 0),
		LD_MAP(1, 0),
		LD_HI(0),
		MOV(2, 10),
		ADDK(2, -8),
		CALL(BPF_FUNC_map_delete_elem), /* 15 */
		I(BPF_ALU64 | BPF_LSH | BPF_K, 6, 0, 0, 8),
		I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 0xff),
		I(BPF_ALU64 | BPF_OR | BPF_X, 0, 6, 0, 0),
		EXIT,
	};
	struct kbpf_map *pa = map_new_flags(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 0);
	struct kbpf_map *maps[3] = { ro, rw, pa };
	static const int err[3] = { -KBPF_EACCES, 0, -KBPF_EINVAL };

	NEED_JIT();
	T_ASSERT(ro && rw && pa);
	for (uint32_t i = 0; i < 3; i++) {
		for (uint32_t jit = 0; jit < 2; jit++) {
			struct kbpf_prog *pp = load(p, 20, &maps[i], 1, jit);
			uint64_t r0, want;

			T_ASSERT(pp);
			T_EQ(!!pp->jit, jit);
			T_EQ(image_code(pp, 9),
			     i == 1 ? KBPF_INTERP_OP_UPDATE_CALL :
				      KBPF_INTERP_OP_CALL);
			T_EQ(image_code(pp, 15),
			     i == 1 ? KBPF_INTERP_OP_DELETE_CALL :
				      KBPF_INTERP_OP_CALL);
			T_EQ(run(pp, KBPF_INTERP_FAST, &r0), 0);
			want = ((uint64_t)(int64_t)err[i] << 8) |
			       (uint8_t)err[i];
			T_EQ(r0, want);
			kbpf_prog_put(pp);
		}
	}
	kbpf_map_put(ro);
	kbpf_map_put(rw);
	kbpf_map_put(pa);
}

KBPF_TEST(jit_wx,
	  "the native code is read-execute, never writable, once sealed "
	  "(/proc/self/maps), and unmapped when the program goes")
{
	struct bpf_insn p[] = { MOVK(0, 42), EXIT };
	struct kbpf_prog *pj;
	const struct kbpf_jit_image *img;
	char perms[5];
	long live = kbpf_posix_jit_live();
	uint64_t r0;

	NEED_JIT();
	if (maps_perms((uintptr_t)&perms, perms))
		T_SKIP("no /proc/self/maps");
	pj = load(p, 2, NULL, 0, true);
	T_ASSERT(pj && pj->jit);
	/* Unverified, CAP_PERFMON: checked code too (checked.c). */
	T_ASSERT((pj->jit_chk != NULL) == JIT_CHECKED);
	T_EQ(kbpf_posix_jit_live(), live + 1 + JIT_CHECKED);
	for (int i = 0; i < 1 + JIT_CHECKED; i++) {
		img = i ? kbpf_jit_chk_image(pj) : kbpf_jit_image(pj);
		T_EQ(maps_perms((uintptr_t)img->code, perms), 0);
		T_ASSERT(!strcmp(perms, "r-xp"));
		T_EQ(maps_perms((uintptr_t)img->code + img->code_size - 1,
				perms),
		     0);
		T_ASSERT(!strcmp(perms, "r-xp"));
	}
	T_EQ(run(pj, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(r0, 42);
	kbpf_prog_put(pj);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_jit_live(), live);
}

KBPF_TEST(jit_host_without_callbacks,
	  "a host without executable memory runs every program in the "
	  "interpreter; kbpf_host_check refuses half the callbacks and "
	  "jit_harden above 2")
{
	struct bpf_insn p[] = { MOVK(0, 5), ADDK(0, 6), EXIT };
	struct kbpf_host h2 = *kbpf_posix_host();
	struct kbpf_prog *pi;
	const char *what = NULL;
	uint64_t r0;

	pi = load(p, 3, NULL, 0, false);
	T_ASSERT(pi != NULL);
	T_ASSERT(pi->jit == NULL && pi->jit_run == NULL);
	T_EQ(run(pi, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(r0, 11);
	kbpf_prog_put(pi);
	h2.jit_alloc = NULL;
	h2.jit_seal = NULL;
	h2.jit_free = NULL;
	T_EQ(kbpf_host_check(&h2, &what), 0);
	h2.jit_alloc = kbpf_posix_host()->jit_alloc;
	h2.jit_free = kbpf_posix_host()->jit_free;
	if (h2.jit_alloc) {
		T_EQ(kbpf_host_check(&h2, &what), -KBPF_EINVAL);
		T_ASSERT(what && !strcmp(what, "jit_seal"));
	}
	h2 = *kbpf_posix_host();
	h2.jit_harden = 3;
	T_EQ(kbpf_host_check(&h2, &what), -KBPF_EINVAL);
	T_ASSERT(what && !strcmp(what, "jit_harden"));
}

static int prog_load_fd(const struct bpf_insn *insns, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return kbpf_posix_bpf(BPF_PROG_LOAD, &a, sizeof(a));
}

struct jinfo {
	struct bpf_prog_info info;
	uint8_t code[4096];
	uint64_t ksyms[4];
	uint32_t lens[4];
};

/* bpf_prog_info of @fd with room for @code_room bytes of code. */
static int prog_info(int fd, struct jinfo *j, uint32_t code_room)
{
	union bpf_attr a;

	memset(j, 0xa5, sizeof(*j));
	memset(&j->info, 0, sizeof(j->info));
	j->info.jited_prog_len = code_room;
	j->info.jited_prog_insns = (uint64_t)(uintptr_t)j->code;
	j->info.nr_jited_ksyms = 4;
	j->info.jited_ksyms = (uint64_t)(uintptr_t)j->ksyms;
	j->info.nr_jited_func_lens = 4;
	j->info.jited_func_lens = (uint64_t)(uintptr_t)j->lens;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(j->info);
	a.info.info = (uint64_t)(uintptr_t)&j->info;
	return kbpf_posix_bpf(BPF_OBJ_GET_INFO_BY_FD, &a, sizeof(a));
}

static int drop_caps(unsigned long long keep)
{
	struct {
		uint32_t version;
		int pid;
	} h = { 0x20080522, 0 }; /* _LINUX_CAPABILITY_VERSION_3 */
	struct {
		uint32_t effective, permitted, inheritable;
	} d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/*
 * In a child with only @caps: 0 if the info shows the counts (@counts)
 * and never an address or byte of code, else the failing check's number.
 */
static int info_as(int fd, unsigned long long caps, bool counts)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		static struct jinfo j;

		if (drop_caps(caps))
			_exit(90);
		if (prog_info(fd, &j, sizeof(j.code)))
			_exit(91);
		if (counts != (j.info.jited_prog_len != 0) ||
		    counts != (j.info.nr_jited_ksyms == 2) ||
		    counts != (j.info.nr_jited_func_lens == 2))
			_exit(92);
		if (counts && (j.info.jited_prog_insns || j.info.jited_ksyms ||
			       j.info.jited_func_lens))
			_exit(93);
		if (j.code[0] != 0xa5 || j.ksyms[0] != 0xa5a5a5a5a5a5a5a5ull)
			_exit(94);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

KBPF_TEST(jit_prog_info,
	  "bpf_prog_info shows the native code, one address and length per "
	  "function, with Linux's rules for short buffers; without "
	  "CAP_PERFMON the counts but no address, without CAP_BPF nothing")
{
	struct bpf_insn p[] = { MOVK(1, 2), BPF_CALL_REL(1), EXIT,
				MOV(0, 1),  ADDK(0, 3),	     EXIT };
	struct bpf_insn q[] = { MOVK(0, 2), EXIT };
	static struct jinfo j;
	uint32_t total;
	int fd, fdi, st;
	bool was = kbpf_posix_jit_on();

	NEED_JIT();
	fd = prog_load_fd(p, 6);
	T_ASSERT(fd >= 0);
	T_EQ(prog_info(fd, &j, sizeof(j.code)), 0);
	T_EQ(j.info.nr_jited_ksyms, 2);
	T_EQ(j.info.nr_jited_func_lens, 2);
	total = j.lens[0] + j.lens[1];
	T_EQ(j.info.jited_prog_len, total);
	T_EQ(j.ksyms[1] - j.ksyms[0], j.lens[0]);
	/* The bytes are the code at those addresses. */
	T_ASSERT(!memcmp(j.code, (const void *)(uintptr_t)j.ksyms[0], total));
	T_EQ(j.code[total], 0xa5);
	/* Short buffers: as many bytes and entries as there is room for. */
	T_EQ(prog_info(fd, &j, 5), 0);
	T_EQ(j.info.jited_prog_len, total);
	T_EQ(j.code[5], 0xa5);
	T_ASSERT(!memcmp(j.code, (const void *)(uintptr_t)j.ksyms[0], 5));
	/* A program in the interpreter: no native code to show. */
	kbpf_posix_set_jit(false);
	fdi = prog_load_fd(q, 2);
	kbpf_posix_set_jit(was);
	T_ASSERT(fdi >= 0);
	T_EQ(prog_info(fdi, &j, sizeof(j.code)), 0);
	T_EQ(j.info.jited_prog_len, 0);
	T_EQ(j.info.nr_jited_ksyms, 0);
	/* Privileges (capset in a child: needs them to start with). */
	st = info_as(fd, 1ull << KBPF_CAP_BPF, true);
	if (st == 90) {
		printf("  privileges not tested: cannot keep only CAP_BPF\n");
	} else {
		T_EQ(st, 0);
		T_EQ(info_as(fd, 0, false), 0);
	}
	kbpf_posix_close(fd);
	kbpf_posix_close(fdi);
}

static int policy_calls;
static int (*policy_next)(struct kbpf_prog *, const struct kbpf_host *,
			  const struct kbpf_interp_args *, uint64_t *);

static int policy_run(struct kbpf_prog *prog, const struct kbpf_host *h,
		      const struct kbpf_interp_args *args, uint64_t *ret)
{
	policy_calls++;
	return policy_next(prog, h, args, ret);
}

KBPF_TEST(jit_verified_policy,
	  "a program kbpf's verifier proved runs natively even when its "
	  "runner asks for checked mode; an unverified one runs its fast "
	  "code only in fast mode (checked runs: jit_checked_*)")
{
	struct bpf_insn p[] = { MOVK(0, 3), ADDK(0, 4), EXIT };
	struct kbpf_prog *pv, *pu;
	uint64_t r0;

	NEED_JIT();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	pv = load(p, 3, NULL, 0, true);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	pu = load(p, 3, NULL, 0, true);
	T_ASSERT(pv && pu && pv->jit && pu->jit);
	T_ASSERT(pv->verified && !pu->verified);
	policy_next = pv->jit_run;
	pv->jit_run = policy_run;
	pu->jit_run = policy_run;
	policy_calls = 0;
	T_EQ(run(pv, KBPF_INTERP_CHECKED, &r0), 0);
	T_EQ(r0, 7);
	T_EQ(policy_calls, 1);
	T_EQ(run(pu, KBPF_INTERP_CHECKED, &r0), 0);
	T_EQ(r0, 7);
	T_EQ(policy_calls, 1);
	T_EQ(run(pu, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(r0, 7);
	T_EQ(policy_calls, 2);
	kbpf_prog_put(pv);
	kbpf_prog_put(pu);
}

KBPF_TEST(jit_stats,
	  "BPF_ENABLE_STATS counts native runs: run_cnt grows by the runs "
	  "made, run_time_ns grows, and nothing is counted once stats are off")
{
	struct bpf_insn p[] = { MOVK(0, 1), EXIT };
	static struct jinfo j;
	union bpf_attr a;
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	uint64_t r0, cnt;
	int fd, sfd;

	NEED_JIT();
	fd = prog_load_fd(p, 2);
	T_ASSERT(fd >= 0);
	obj = kbpf_posix_fd_obj(fd);
	T_ASSERT(obj != NULL);
	prog = kbpf_prog_from_obj(obj);
	T_ASSERT(prog && prog->jit);
	memset(&a, 0, sizeof(a));
	a.enable_stats.type = BPF_STATS_RUN_TIME;
	sfd = kbpf_posix_bpf(BPF_ENABLE_STATS, &a, sizeof(a));
	T_ASSERT(sfd >= 0);
	T_EQ(prog_info(fd, &j, 0), 0);
	cnt = j.info.run_cnt;
	for (int i = 0; i < 10; i++)
		T_EQ(run(prog, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(prog_info(fd, &j, 0), 0);
	T_EQ(j.info.run_cnt, cnt + 10);
	T_ASSERT(j.info.run_time_ns > 0);
	kbpf_posix_close(sfd);
	T_EQ(run(prog, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(prog_info(fd, &j, 0), 0);
	T_EQ(j.info.run_cnt, cnt + 10);
	kbpf_obj_put(obj);
	kbpf_posix_close(fd);
}

static int seal_calls;

static int seal_fails(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	(void)p;
	(void)size;
	seal_calls++;
	return -KBPF_EPERM;
}

static void *alloc_fails(const struct kbpf_host *h, size_t size)
{
	(void)h;
	(void)size;
	return NULL;
}

/* Loads with the host @h (a copy of the POSIX host) that refuses. */
static void host_refuses(struct kbpf_host *h)
{
	struct bpf_insn p[] = { MOVK(0, 5), ADDK(0, 6), EXIT };
	struct kbpf_prog *pr;
	long live = kbpf_posix_jit_live();
	uint64_t r0;

	*h = *kbpf_posix_host();
	h->jit_seal = seal_fails;
	seal_calls = 0;
	pr = load(p, 3, NULL, 0, true);
	T_ASSERT(pr != NULL);
	/* Fast code, and checked code for its checked runs (checked.c). */
	T_EQ(seal_calls, kbpf_jit_wants_checked(pr) ? 2 : 1);
	T_ASSERT(pr->jit == NULL && pr->jit_chk == NULL);
	T_EQ(kbpf_posix_jit_live(), live);
	T_EQ(run(pr, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(r0, 11);
	kbpf_prog_put(pr);
	/* the program is freed later, through @h: not while @h is rewritten */
	kbpf_posix_rcu_barrier();
	*h = *kbpf_posix_host();
	h->jit_alloc = alloc_fails;
	pr = load(p, 3, NULL, 0, true);
	T_ASSERT(pr != NULL && pr->jit == NULL && pr->jit_chk == NULL);
	T_EQ(run(pr, KBPF_INTERP_FAST, &r0), 0);
	T_EQ(r0, 11);
	kbpf_prog_put(pr);
	kbpf_posix_rcu_barrier();
}

KBPF_TEST(jit_host_refuses,
	  "when the host's jit_seal fails or jit_alloc has no memory the "
	  "program loads anyway and runs in the interpreter, the memory "
	  "given back")
{
	static struct kbpf_host h;

	NEED_JIT();
	cur_host = &h;
	host_refuses(&h);
	cur_host = NULL;
}

/* ---- checked native code (src/jit/checked.c) ---- */

static int chk_calls;
static int (*chk_next)(struct kbpf_prog *, struct kbpf_run *,
		       const struct kbpf_interp_chk *, const uint64_t *,
		       uint64_t *);

static int chk_count(struct kbpf_prog *prog, struct kbpf_run *r,
		     const struct kbpf_interp_chk *chk, const uint64_t *args,
		     uint64_t *ret)
{
	chk_calls++;
	return chk_next(prog, r, chk, args, ret);
}

/* A checked run with a writable 32-byte context and @budget (0: default). */
static int run_checked(struct kbpf_prog *p, uint64_t *ctx, uint64_t budget,
		       uint64_t *r0)
{
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = 4 * sizeof(uint64_t),
					 .ctx_writable = true,
					 .mode = KBPF_INTERP_CHECKED,
					 .budget = budget };

	*r0 = 0xdead;
	return kbpf_interp_run(p, host(), &args, r0);
}

/*
 * Run @insns checked in the interpreter and natively (the checked code
 * must exist and run): the same errno, r0, context and @maps' values.
 * Return the errno, or 1000 when the two differ.
 */
static int chk_both(const struct bpf_insn *insns, uint32_t n, uint64_t budget,
		    uint32_t value_size, uint64_t *r0)
{
	struct kbpf_map *mi = map_new(BPF_MAP_TYPE_ARRAY, 4, value_size, 4);
	struct kbpf_map *mj = map_new(BPF_MAP_TYPE_ARRAY, 4, value_size, 4);
	struct kbpf_prog *pi = NULL, *pj = NULL;
	uint64_t ci[4] = { 1, 2, 3, 4 }, cj[4] = { 1, 2, 3, 4 }, ri, rj;
	int ei = 1000, ej = -1000;

	if (mi && mj) {
		pi = load(insns, n, &mi, 1, false);
		pj = load(insns, n, &mj, 1, true);
	}
	if (pi && pj && !pi->jit_chk && pj->jit_chk) {
		chk_next = pj->jit_chk_run;
		pj->jit_chk_run = chk_count;
		chk_calls = 0;
		ei = run_checked(pi, ci, budget, &ri);
		ej = run_checked(pj, cj, budget, &rj);
		if (chk_calls != 1 || memcmp(ci, cj, sizeof(ci)) ||
		    !maps_same(mi, mj, 4) || (!ei && ri != rj))
			ej = ei + 1;
		*r0 = ri;
	}
	if (ei != ej)
		printf("  interpreter %d, native %d\n", ei, ej);
	if (pi)
		kbpf_prog_put(pi);
	if (pj)
		kbpf_prog_put(pj);
	if (mi)
		kbpf_map_put(mi);
	if (mj)
		kbpf_map_put(mj);
	return ei == ej ? ei : 1000;
}

#define PCALL(o) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, o)

KBPF_TEST(jit_checked_ld_abs_keeps_r1_r5,
	  "LD_ABS/LD_IND in checked native code leave r1-r5 as the checked "
	  "interpreter does (it keeps them; an unproven program may read "
	  "them), and read the packet and end the run past its end alike")
{
	/*
	 * r1-r5 set, one packet load (patched: ABS or IND, size, offset),
	 * then r0 = load + 2 r1 + 3 r2 + 5 r3 + 7 r4 + 11 r5: a load that
	 * clobbered one of them shows in r0.
	 */
	struct bpf_insn p[] = {
		MOVK(1, 10),
		MOVK(2, 20),
		MOVK(3, 30),
		MOVK(4, 40),
		MOVK(5, 50),
		MOVK(6, 3),
		I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), /* patched */
		I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 2),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 2, 0, 0, 3),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 3, 0, 0, 5),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 4, 0, 0, 7),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 5, 0, 0, 11),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 1, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 2, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 3, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 4, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 0, 5, 0, 0),
		EXIT,
	};
	static const uint8_t codes[] = {
		BPF_LD | BPF_ABS | BPF_B, BPF_LD | BPF_ABS | BPF_H,
		BPF_LD | BPF_ABS | BPF_W, BPF_LD | BPF_IND | BPF_B,
		BPF_LD | BPF_IND | BPF_H, BPF_LD | BPF_IND | BPF_W,
	};
	static const int32_t offs[] = { 0, 7, 60, 61, 64, 1000 };
	const uint64_t kept = 2 * 10 + 3 * 20 + 5 * 30 + 7 * 40 + 11 * 50;
	uint8_t buf[256];
	struct kbpf_skb skb;
	int native = 0;

	NEED_JIT_CHECKED();
	for (int i = 0; i < 256; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	for (unsigned c = 0; c < sizeof(codes); c++) {
		for (unsigned k = 0; k < sizeof(offs) / sizeof(offs[0]); k++) {
			struct kbpf_prog *pi, *pj;
			uint64_t ri = 1, rj = 2;
			int ei, ej;

			p[6].code = codes[c];
			p[6].src_reg = BPF_MODE(codes[c]) == BPF_IND ? 6 : 0;
			p[6].imm = offs[k];
			pi = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 18, NULL,
				       0, false);
			pj = load_type(BPF_PROG_TYPE_SOCKET_FILTER, p, 18, NULL,
				       0, true);
			T_ASSERT(pi && pj && !pi->jit_chk && pj->jit_chk);
			chk_next = pj->jit_chk_run;
			pj->jit_chk_run = chk_count;
			chk_calls = 0;
			T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					   1),
			     0);
			ei = kbpf_skb_run(pi, kbpf_posix_host(), &skb,
					  KBPF_INTERP_CHECKED, 0, &ri);
			T_EQ(kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					   1),
			     0);
			ej = kbpf_skb_run(pj, kbpf_posix_host(), &skb,
					  KBPF_INTERP_CHECKED, 0, &rj);
			native += chk_calls;
			T_EQ(ei, 0);
			T_EQ(ej, ei);
			if (ri != rj)
				printf("  code 0x%x off %d: interpreter %llu, "
				       "native %llu\n",
				       codes[c], offs[k],
				       (unsigned long long)ri,
				       (unsigned long long)rj);
			T_EQ(ri, rj);
			/* In the packet: the load plus the kept registers. */
			if (ri)
				T_ASSERT(ri > kept);
			kbpf_prog_put(pi);
			kbpf_prog_put(pj);
		}
	}
	/* Every native side went through checked native code. */
	T_EQ(native, (int)(sizeof(codes) * sizeof(offs) / sizeof(offs[0])));
}

KBPF_TEST(jit_checked_confinement,
	  "checked native code confines accesses as the checked interpreter: "
	  "-EFAULT for the stack outside the frames in use, a map value past "
	  "its end, the context past its size, NULL, a misaligned atomic; "
	  "the same accesses inside give the same r0 and memory")
{
	/*
	 * A lookup of the last key (3) into r0 (or exit 0): past its value
	 * is past the map's values (before it, the next element's value is
	 * the program's too).
	 */
#define LOOKUP0                                                            \
	I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 3), LD_MAP(1, 0), LD_HI(0), \
		MOV(2, 10), ADDK(2, -4), CALL(BPF_FUNC_map_lookup_elem),   \
		I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0), EXIT
	struct bpf_insn below[] = { LDX_DW(0, 10, -520), EXIT };
	struct bpf_insn above[] = { LDX_DW(0, 10, 0), EXIT };
	struct bpf_insn in_frame[] = { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -512,
					 77),
				       LDX_DW(0, 10, -512), EXIT };
	struct bpf_insn value_end[] = { LOOKUP0, LDX_DW(0, 0, 8), EXIT };
	struct bpf_insn value_in[] = { LOOKUP0, MOVK(3, 9), STX_DW(0, 3, 8),
				       LDX_DW(0, 0, 8), EXIT };
	struct bpf_insn ctx_end[] = { LDX_DW(0, 1, 32), EXIT };
	struct bpf_insn ctx_in[] = { MOVK(2, 5), STX_DW(1, 2, 24),
				     LDX_DW(0, 1, 16), EXIT };
	struct bpf_insn null[] = { MOVK(2, 0),
				   I(BPF_LDX | BPF_MEM | BPF_B, 0, 2, 0, 0),
				   EXIT };
	struct bpf_insn wild[] = { I(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0,
				     0x1000),
				   LD_HI(0x7fff), STX_DW(2, 2, 0), EXIT };
	struct bpf_insn misaligned[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0), MOVK(2, 1),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -12, BPF_ADD), EXIT
	};
	/* A subprogram writes its caller's frame through a pointer. */
	struct bpf_insn callers_frame[] = { I(BPF_ST | BPF_MEM | BPF_DW, 10, 0,
					      -8, 1),
					    MOV(1, 10),
					    ADDK(1, -8),
					    PCALL(2),
					    LDX_DW(0, 10, -8),
					    EXIT,
					    MOVK(2, 40),
					    STX_DW(1, 2, 0),
					    LDX_DW(0, 10, -520),
					    EXIT };
	uint64_t r0;

	NEED_JIT_CHECKED();
	T_EQ(chk_both(below, 2, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(above, 2, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(in_frame, 3, 0, 8, &r0), 0);
	T_EQ(r0, 77);
	T_EQ(chk_both(value_end, 10, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(value_end, 10, 0, 16, &r0), 0);
	T_EQ(chk_both(value_in, 12, 0, 16, &r0), 0);
	T_EQ(r0, 9);
	T_EQ(chk_both(value_in, 12, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(ctx_end, 2, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(ctx_in, 4, 0, 8, &r0), 0);
	T_EQ(r0, 3);
	T_EQ(chk_both(null, 3, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(wild, 4, 0, 8, &r0), -KBPF_EFAULT);
	T_EQ(chk_both(misaligned, 4, 0, 8, &r0), -KBPF_EFAULT);
	/* The callee's frame is below the caller's: -520 is the caller's. */
	T_EQ(chk_both(callers_frame, 10, 0, 8, &r0), 0);
	T_EQ(r0, 40);
#undef LOOKUP0
}

KBPF_TEST(jit_checked_frame_index,
	  "checked native code's one-compare test for r10 + k + index "
	  "accesses (x86-64) lets only the function's own frame through: "
	  "indexes past either end, huge and negative, give -EFAULT as in "
	  "the interpreter; a jump into the pattern, or an instruction "
	  "between it and the access that writes the index or the pointer, "
	  "leaves the full test")
{
	static const int64_t idx[] = {
		0,    1,	 100,	       255,	  256,	    300,
		511,  512,	 4096,	       -1,	  -256,	    -257,
		-512, 1LL << 32, -(1LL << 32), INT64_MIN, INT64_MAX
	};
	uint64_t r0;

	NEED_JIT_CHECKED();
	for (uint32_t i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
		int64_t x = idx[i];
		bool in = x >= -256 && x <= 255;
		/* A store after a gap, then a load without one. */
		struct bpf_insn p[] = {
			I(BPF_LD | BPF_IMM | BPF_DW, 2, 0, 0, (int32_t)x),
			LD_HI((int32_t)((uint64_t)x >> 32)),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 2, 0, 0),
			MOVK(4, 7),
			I(BPF_STX | BPF_MEM | BPF_B, 3, 4, 0, 0),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 2, 0, 0),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 3, 0, 0),
			EXIT,
		};

		T_EQ(chk_both(p, 12, 0, 8, &r0), in ? 0 : -KBPF_EFAULT);
		if (in)
			T_EQ(r0, 7);
	}
	{
		/* The jump (taken: r1 is the context) enters at r3 += r2. */
		struct bpf_insn p[] = {
			MOVK(2, 7),
			MOVK(3, 0x100000),
			I(BPF_JMP | BPF_JNE | BPF_K, 1, 0, 2, 0),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 2, 0, 0),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 3, 0, 0),
			EXIT,
		};

		T_EQ(chk_both(p, 8, 0, 8, &r0), -KBPF_EFAULT);
	}
	{
		/* The index is 100000 when added, 7 at the access. */
		struct bpf_insn p[] = {
			MOVK(2, 100000),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 2, 0, 0),
			MOVK(2, 7),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 3, 0, 0),
			EXIT,
		};

		T_EQ(chk_both(p, 7, 0, 8, &r0), -KBPF_EFAULT);
	}
	{
		/* The pointer is replaced after the pattern. */
		struct bpf_insn p[] = {
			MOVK(2, 7),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU64 | BPF_ADD | BPF_X, 3, 2, 0, 0),
			MOVK(3, 0x100000),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 3, 0, 0),
			EXIT,
		};

		T_EQ(chk_both(p, 7, 0, 8, &r0), -KBPF_EFAULT);
	}
	{
		/* A 32-bit add is no index: w3 += w2 truncates r10. */
		struct bpf_insn p[] = {
			MOVK(2, 7),
			MOV(3, 10),
			ADDK(3, -256),
			I(BPF_ALU | BPF_ADD | BPF_X, 3, 2, 0, 0),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 3, 0, 0),
			EXIT,
		};

		T_EQ(chk_both(p, 6, 0, 8, &r0), -KBPF_EFAULT);
	}
}

KBPF_TEST(jit_checked_budget,
	  "checked native code charges the interpreter's budget at the same "
	  "places: a loop for ever, a loop that calls, recursion and "
	  "recursion through bpf_loop end with -ELOOP, and a bounded loop "
	  "ends with exactly the budget it needs and fails with one less")
{
	struct bpf_insn forever[] = { MOVK(0, 0), ADDK(0, 1),
				      I(BPF_JMP | BPF_JA, 0, 0, -2, 0), EXIT };
	struct bpf_insn calls[] = {
		MOVK(6, 0), PCALL(2),
		ADDK(6, 1), I(BPF_JMP | BPF_JA, 0, 0, -3, 0),
		MOVK(0, 1), EXIT
	};
	struct bpf_insn recurse[] = { PCALL(1), EXIT, PCALL(-1), EXIT };
	struct bpf_insn loop_recurse[] = {
		MOVK(1, 2),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 5),
		LD_HI(0),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		EXIT,
		/* the callback: bpf_loop of itself */
		MOVK(1, 2),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, -2),
		LD_HI(0),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		EXIT,
	};
	/* 10 iterations of a 3-instruction loop body, then exit. */
	struct bpf_insn bounded[] = {
		MOVK(0, 0), ADDK(0, 1),
		I(BPF_JMP | BPF_JLT | BPF_K, 0, 0, -2, 10), EXIT
	};
	uint64_t r0, need = 0;

	NEED_JIT_CHECKED();
	T_EQ(chk_both(forever, 4, 100000, 8, &r0), -KBPF_ELOOP);
	T_EQ(chk_both(forever, 4, 0, 8, &r0), -KBPF_ELOOP);
	T_EQ(chk_both(calls, 6, 100000, 8, &r0), -KBPF_ELOOP);
	T_EQ(chk_both(recurse, 4, 0, 8, &r0), -KBPF_ELOOP);
	T_EQ(chk_both(loop_recurse, 14, 0, 8, &r0), -KBPF_ELOOP);
	/* 3 + 9 * 2 + 1: the first stretch, 9 back jumps, the exit. */
	for (uint64_t b = 1; b < 40 && !need; b++)
		if (chk_both(bounded, 4, b, 8, &r0) == 0)
			need = b;
		else
			T_EQ(chk_both(bounded, 4, b, 8, &r0), -KBPF_ELOOP);
	T_EQ(need, 22);
	T_EQ(r0, 10);
}

KBPF_TEST(jit_checked_seg,
	  "a helper called after a taken backward jump sees the budget the "
	  "checked interpreter would (the jump stores where the new stretch "
	  "begins): bpf_loop in a loop needs the same budget natively, and "
	  "one less fails on both sides")
{
	/*
	 * Three rounds of bpf_loop(1, cb) from pc 2, which is not 0, each
	 * followed by a store of the round to the context: a helper that saw
	 * another budget would end the run before or after a store the
	 * interpreter makes, and the contexts would differ.
	 */
	struct bpf_insn prog[] = {
		MOVK(6, 0),
		MOV(9, 1),
		MOVK(1, 1),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_FUNC, 0, 9),
		LD_HI(0),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		ADDK(6, 1),
		STX_DW(9, 6, 0),
		I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, -9, 3),
		MOVK(0, 3),
		EXIT,
		/* the callback */
		MOVK(0, 0),
		EXIT,
	};
	uint64_t r0 = 0, need = 0;
	int err;

	NEED_JIT_CHECKED();
	for (uint64_t b = 1; b < 200 && !need; b++) {
		err = chk_both(prog, 15, b, 8, &r0);
		if (!err)
			need = b;
		else
			T_EQ(err, -KBPF_ELOOP);
	}
	T_ASSERT(need > 0);
	T_EQ(r0, 3);
}

/*
 * The fuzzer's programs made unsafe: some accesses moved to any offset
 * around the frame or onto another register (any scalar, the context, a
 * map value), some instructions turned into backward jumps (loops that
 * end, or never).
 */
static void fz_unsafe(struct fz *f)
{
	uint32_t main_end = 0, i, k;

	while (main_end < f->n &&
	       f->insns[main_end].code != (BPF_JMP | BPF_EXIT))
		main_end++;
	for (k = rnd(6); k > 0 && main_end > 12; k--) {
		uint32_t at = 10 + rnd(main_end - 10);
		struct bpf_insn *insn = &f->insns[at];
		uint8_t cls = BPF_CLASS(insn->code);

		if ((at &&
		     f->insns[at - 1].code == (BPF_LD | BPF_IMM | BPF_DW)) ||
		    insn->code == (BPF_LD | BPF_IMM | BPF_DW) ||
		    insn->code == (BPF_JMP | BPF_CALL) ||
		    insn->code == (BPF_JMP | BPF_EXIT))
			continue;
		switch (rnd(4)) {
		case 0:
			if (cls == BPF_LDX || cls == BPF_STX || cls == BPF_ST)
				insn->off = (int16_t)(-600 + (int)rnd(640));
			break;
		case 1:
			if (cls == BPF_LDX)
				insn->src_reg = (uint8_t)rnd(10);
			else if (cls == BPF_STX || cls == BPF_ST)
				insn->dst_reg = (uint8_t)rnd(10);
			break;
		default:
			/* A backward jump to an earlier instruction. */
			i = rnd(at + 1);
			if (i &&
			    f->insns[i - 1].code == (BPF_LD | BPF_IMM | BPF_DW))
				i--;
			if (rnd(2))
				*insn = I(
					BPF_JMP | BPF_JA, 0, 0,
					(int16_t)((int32_t)i - (int32_t)at - 1),
					0);
			else
				*insn = I(
					BPF_JMP | BPF_JGT | BPF_K,
					(uint8_t)rnd(10), 0,
					(int16_t)((int32_t)i - (int32_t)at - 1),
					(int32_t)rnd(64));
			break;
		}
	}
}

/* What one checked run of a fuzzer program ends with. */
struct fz_chk_res {
	int err;
	uint64_t r0;
	uint64_t ctx[4];
	uint64_t vals[2][FZ_HASH_N + 2];
	uint8_t present[2][FZ_HASH_N + 2];
};

/*
 * A checked run of @p (budget 20000) and the context and maps @m after
 * it. The context is at the same address in every run.
 */
static uint64_t fz_ctx[4];

static void fz_chk_run(struct kbpf_prog *p, struct kbpf_map *const *m,
		       struct fz_chk_res *r)
{
	memset(r, 0, sizeof(*r));
	for (uint32_t i = 0; i < 4; i++)
		fz_ctx[i] = i + 1;
	r->err = run_checked(p, fz_ctx, 20000, &r->r0);
	memcpy(r->ctx, fz_ctx, sizeof(fz_ctx));
	for (uint32_t i = 0; i < 2; i++) {
		for (uint32_t k = 0; k < FZ_HASH_N + 2; k++) {
			const uint64_t *v = m[i]->ops->lookup_elem(m[i], &k);

			r->present[i][k] = v != NULL;
			r->vals[i][k] = v ? *v : 0;
		}
	}
}

/*
 * Run @pi (the checked interpreter) and @pj (checked native code), both
 * loaded with the maps @m, from the same state at the same addresses: @pi
 * in a child the moment before @pj runs in this process. A program the
 * unsafe mutations made may fold an address (a map value's, a hash
 * element's) into r0, the stack or the maps: with two sets of maps the
 * two runs would differ by where the maps live. 0 when the two runs end
 * alike (@a the interpreter's, @b native code's), else nonzero.
 */
static int fz_chk_pair(struct kbpf_prog *pi, struct kbpf_prog *pj,
		       struct kbpf_map *const *m, struct fz_chk_res *a,
		       struct fz_chk_res *b)
{
	size_t got = 0;
	pid_t pid;
	int fd[2], st;

	/*
	 * No free queued: the reclaim thread holds no lock the child may
	 * need (a hash delete queues a free), as it is not copied.
	 */
	kbpf_posix_rcu_barrier();
	if (pipe(fd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(fd[0]);
		alarm(60);
		fz_chk_run(pi, m, a);
		_exit(write(fd[1], a, sizeof(*a)) == (ssize_t)sizeof(*a) ? 0 :
									   1);
	}
	close(fd[1]);
	while (pid > 0 && got < sizeof(*a)) {
		ssize_t r = read(fd[0], (char *)a + got, sizeof(*a) - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd[0]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) ||
	    WEXITSTATUS(st) || got != sizeof(*a))
		return -1;
	fz_chk_run(pj, m, b);
	if (a->err != b->err || (!a->err && a->r0 != b->r0) ||
	    memcmp(a->ctx, b->ctx, sizeof(a->ctx)) ||
	    memcmp(a->present, b->present, sizeof(a->present)) ||
	    memcmp(a->vals, b->vals, sizeof(a->vals)))
		return 1;
	return 0;
}

KBPF_TEST(jit_fuzz_checked,
	  "random programs, safe and unsafe (accesses anywhere, loops for "
	  "ever), run checked in the interpreter and by checked native code "
	  "from the same state at the same addresses: the same errno, r0, "
	  "context and maps")
{
	const char *env = getenv("KBPF_JIT_FUZZ_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 0) : 3000;
	uint32_t native = 0, faults = 0, loops = 0, i;
	static struct fz f;
	struct kbpf_map *m[2];
	int bad = 0;

	NEED_JIT_CHECKED();
	fz_state = kbpf_test_seed() + 2;
	m[0] = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, FZ_ARRAY_N);
	m[1] = map_new(BPF_MAP_TYPE_HASH, 4, 8, FZ_HASH_N);
	T_ASSERT(m[0] && m[1]);
	for (i = 0; i < n && !bad; i++) {
		struct kbpf_prog *pi, *pj;
		struct fz_chk_res a = { 0 }, b = { 0 };

		fz_gen(&f, 8 + rnd(120));
		if (rnd(3))
			fz_unsafe(&f);
		pi = load(f.insns, f.n, m, 2, false);
		pj = load(f.insns, f.n, m, 2, true);
		if (!pi || !pj || pi->jit_chk) {
			bad = 1;
		} else {
			native += pj->jit_chk != NULL;
			bad = fz_chk_pair(pi, pj, m, &a, &b) ? 2 : 0;
			faults += a.err == -KBPF_EFAULT;
			loops += a.err == -KBPF_ELOOP;
		}
		if (bad) {
			fz_dump(&f);
			printf("  program %u: interpreter %d 0x%llx, native %d 0x%llx\n",
			       i, a.err, (unsigned long long)a.r0, b.err,
			       (unsigned long long)b.r0);
		}
		if (pi)
			kbpf_prog_put(pi);
		if (pj)
			kbpf_prog_put(pj);
	}
	printf("  %u programs, %u native, %u -EFAULT, %u -ELOOP\n", i, native,
	       faults, loops);
	kbpf_map_put(m[0]);
	kbpf_map_put(m[1]);
	T_EQ(bad, 0);
	T_EQ(native, n);
	T_ASSERT(faults > 0 && loops > 0);
}

/*
 * A random packet program for jit_fuzz_checked_ld_pkt: every register a
 * known scalar, then units of ALU, LD_ABS/LD_IND (offsets mostly near the
 * 64-byte packet, past its end too) and forward jumps, and r0-r9 folded
 * into r0 at the end, so that a load that clobbered r1-r5 shows.
 */
static void fz_gen_pkt(struct fz *f, uint32_t units)
{
	static const uint8_t sz[3] = { BPF_B, BPF_H, BPF_W };
	uint32_t i, body, end;

	memset(f, 0, sizeof(*f));
	fz_reset(f, 0, 9);
	body = f->n;
	for (i = 0; i < units && f->n < FZ_MAX - 40; i++) {
		uint32_t k = rnd(10);

		if (k < 5) {
			fz_alu(f, 9);
		} else if (k < 8) {
			uint8_t src = (uint8_t)rnd(10);
			bool ind = rnd(2), wild = rnd(24) == 0;
			int32_t imm = wild ? rnd_imm() : (int32_t)rnd(61);

			/* IND: mostly a small offset in a known register. */
			if (ind && !wild) {
				put(f, MOVK(src, (int32_t)rnd(57)));
				imm = (int32_t)rnd(4);
			}
			put(f,
			    I(BPF_LD | (ind ? BPF_IND : BPF_ABS) | sz[rnd(3)],
			      0, ind ? src : 0, 0, imm));
		} else {
			fz_jmp(f, 9);
			f->nr_jmps--; /* patched below, not by unit */
		}
	}
	end = f->n;
	/* Forward jumps over at most 4 instructions, inside the body. */
	for (i = body; i < end; i++) {
		uint8_t cls = BPF_CLASS(f->insns[i].code);

		if ((cls == BPF_JMP || cls == BPF_JMP32) &&
		    f->insns[i].code != (BPF_JMP | BPF_CALL)) {
			uint32_t room = end - i - 1;
			int32_t off = (int32_t)rnd((room < 4 ? room : 4) + 1);

			if (f->insns[i].code == (BPF_JMP32 | BPF_JA))
				f->insns[i].imm = off;
			else
				f->insns[i].off = (int16_t)off;
		}
	}
	for (i = 1; i <= 9; i++) {
		put(f, I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 31));
		put(f, I(BPF_ALU64 | BPF_ADD | BPF_X, 0, (uint8_t)i, 0, 0));
	}
	put(f, EXIT);
}

KBPF_TEST(jit_fuzz_checked_ld_pkt,
	  "random packet programs with LD_ABS/LD_IND (in the packet, past "
	  "its end, through every register) run checked in the interpreter "
	  "and by checked native code: the same errno and r0, r1-r5 kept "
	  "across the loads")
{
	const char *env = getenv("KBPF_JIT_FUZZ_N");
	uint32_t n = env ? (uint32_t)strtoul(env, NULL, 0) / 3 : 1000;
	uint32_t native = 0, ended = 0, i;
	static struct fz f;
	uint8_t buf[256];
	int bad = 0;

	NEED_JIT_CHECKED();
	fz_state = kbpf_test_seed() + 3;
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)fz_rand();
	for (i = 0; i < n && !bad; i++) {
		struct kbpf_prog *pi, *pj;
		struct kbpf_skb skb;
		uint64_t ri = 1, rj = 2;
		int ei = 1, ej = 2;

		fz_gen_pkt(&f, 4 + rnd(60));
		pi = load_type(BPF_PROG_TYPE_SOCKET_FILTER, f.insns, f.n, NULL,
			       0, false);
		pj = load_type(BPF_PROG_TYPE_SOCKET_FILTER, f.insns, f.n, NULL,
			       0, true);
		if (!pi || !pj || pi->jit_chk || !pj->jit_chk) {
			bad = 1;
		} else {
			chk_next = pj->jit_chk_run;
			pj->jit_chk_run = chk_count;
			chk_calls = 0;
			if (kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					  1) == 0)
				ei = kbpf_skb_run(pi, kbpf_posix_host(), &skb,
						  KBPF_INTERP_CHECKED, 0, &ri);
			if (kbpf_skb_init(&skb, buf, sizeof(buf), 32, 64, true,
					  1) == 0)
				ej = kbpf_skb_run(pj, kbpf_posix_host(), &skb,
						  KBPF_INTERP_CHECKED, 0, &rj);
			native += chk_calls;
			ended += !ei && !ri;
			bad = ei != ej || (!ei && ri != rj) ? 2 : 0;
		}
		if (bad) {
			fz_dump(&f);
			printf("  program %u: interpreter %d 0x%llx, native %d 0x%llx\n",
			       i, ei, (unsigned long long)ri, ej,
			       (unsigned long long)rj);
		}
		if (pi)
			kbpf_prog_put(pi);
		if (pj)
			kbpf_prog_put(pj);
	}
	printf("  %u packet programs, %u native, %u ended by a load past the "
	       "end (or r0 0)\n",
	       i, native, ended);
	T_EQ(bad, 0);
	T_EQ(native, n);
	T_ASSERT(ended > 0 && ended < n);
}

KBPF_TEST(jit_checked_addresses,
	  "a program that folds an address into r0 (the context's through "
	  "a fetching atomic on the stack, a map value's, its frame's) gets "
	  "the same address from checked native code as from the checked "
	  "interpreter, and the fuzzer's comparison sees a difference")
{
	/*
	 * Reduced from jit_fuzz_checked's program 3721 with seed 13 (and 704
	 * with seed 11): the unsafe mutations let r1 (the context) or a
	 * looked-up value reach r0. The fuzzer ran the two sides on two
	 * contexts and two sets of maps, so such programs differed by where
	 * those lived, not by what the code did.
	 */
	struct bpf_insn ctx_fold[] = {
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 1, -8, BPF_OR | BPF_FETCH),
		LDX_DW(1, 10, -8),
		I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 1, 0, 0),
		EXIT,
	};
	struct bpf_insn value_fold[] = {
		LD_MAP(1, 0),
		LD_HI(0),
		MOV(2, 10),
		ADDK(2, -72),
		CALL(BPF_FUNC_map_lookup_elem),
		EXIT,
	};
	struct bpf_insn frame[] = { MOV(0, 10), EXIT };
	struct bpf_insn one[] = { MOVK(0, 1), EXIT };
	struct bpf_insn two[] = { MOVK(0, 2), EXIT };
	const struct {
		const struct bpf_insn *insns;
		uint32_t n;
	} progs[] = { { ctx_fold, 4 }, { value_fold, 6 }, { frame, 2 } };
	struct kbpf_map *m[2];
	struct fz_chk_res a, b;
	uint32_t key = 0;

	NEED_JIT_CHECKED();
	m[0] = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, FZ_ARRAY_N);
	m[1] = map_new(BPF_MAP_TYPE_HASH, 4, 8, FZ_HASH_N);
	T_ASSERT(m[0] && m[1]);
	for (uint32_t i = 0; i < 3; i++) {
		struct kbpf_prog *pi =
			load(progs[i].insns, progs[i].n, m, 2, false);
		struct kbpf_prog *pj =
			load(progs[i].insns, progs[i].n, m, 2, true);

		T_ASSERT(pi && pj && !pi->jit_chk && pj->jit_chk);
		T_EQ(fz_chk_pair(pi, pj, m, &a, &b), 0);
		T_EQ(a.err, 0);
		T_EQ(b.err, 0);
		T_EQ(a.r0, b.r0);
		if (i == 0)
			T_EQ(b.r0, (uint64_t)(uintptr_t)fz_ctx);
		if (i == 1)
			T_EQ(b.r0, (uint64_t)(uintptr_t)m[0]->ops->lookup_elem(
					   m[0], &key));
		T_ASSERT(b.r0 != 0);
		kbpf_prog_put(pi);
		kbpf_prog_put(pj);
	}
	/* Two programs that differ are told apart. */
	{
		struct kbpf_prog *pi = load(one, 2, m, 2, false);
		struct kbpf_prog *pj = load(two, 2, m, 2, true);

		T_ASSERT(pi && pj && pj->jit_chk);
		T_EQ(fz_chk_pair(pi, pj, m, &a, &b), 1);
		T_EQ(a.r0, 1);
		T_EQ(b.r0, 2);
		kbpf_prog_put(pi);
		kbpf_prog_put(pj);
	}
	kbpf_map_put(m[0]);
	kbpf_map_put(m[1]);
}

KBPF_TEST(jit_checked_value_perms,
	  "a map value a lookup handed out is accessed natively with the "
	  "map's program-side permissions: BPF_F_RDONLY_PROG refuses the "
	  "store and BPF_F_WRONLY_PROG the load (-EFAULT), as the checked "
	  "interpreter; HASH and ARRAY values, each access size")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY,
					  BPF_MAP_TYPE_HASH };
	static const uint32_t flags[] = { 0, BPF_F_RDONLY_PROG,
					  BPF_F_WRONLY_PROG };
	uint32_t runs = 0;

	NEED_JIT_CHECKED();
	for (uint32_t t = 0; t < 2; t++) {
		for (uint32_t f = 0; f < 3; f++) {
			for (int sz = 0; sz < 4; sz++) {
				/* lookup key 0; load or store of each size */
				for (int st = 0; st < 2; st++) {
					struct bpf_insn p[] = {
						I(BPF_ST | BPF_MEM | BPF_W, 10,
						  0, -4, 0),
						LD_MAP(1, 0),
						LD_HI(0),
						MOV(2, 10),
						ADDK(2, -4),
						CALL(BPF_FUNC_map_lookup_elem),
						I(BPF_JMP | BPF_JNE | BPF_K, 0,
						  0, 1, 0),
						EXIT,
						MOVK(3, 7),
						st ? I(BPF_STX | BPF_MEM |
							       sizes[sz],
						       0, 3, 8 - size_bytes[sz],
						       0) :
						     I(BPF_LDX | BPF_MEM |
							       sizes[sz],
						       3, 0, 8 - size_bytes[sz],
						       0),
						MOV(0, 3),
						EXIT,
					};
					struct kbpf_map *mi, *mj;
					struct kbpf_prog *pi, *pj;
					uint64_t ctx[4] = { 0 }, ri, rj;
					uint32_t k = 0;
					uint64_t v = 0;
					int ei, ej, want;

					mi = map_new_flags(types[t], 8, 4,
							   flags[f]);
					mj = map_new_flags(types[t], 8, 4,
							   flags[f]);
					T_ASSERT(mi && mj);
					/* a HASH element to find */
					T_EQ(kbpf_map_update_elem(mi, &k, &v,
								  0),
					     0);
					T_EQ(kbpf_map_update_elem(mj, &k, &v,
								  0),
					     0);
					pi = load(p, 12, &mi, 1, false);
					pj = load(p, 12, &mj, 1, true);
					T_ASSERT(pi && pj && pj->jit_chk);
					ei = run_checked(pi, ctx, 0, &ri);
					ej = run_checked(pj, ctx, 0, &rj);
					want = (st &&
						flags[f] ==
							BPF_F_RDONLY_PROG) ||
							       (!st &&
								flags[f] ==
									BPF_F_WRONLY_PROG) ?
						       -KBPF_EFAULT :
						       0;
					T_EQ(ei, want);
					T_EQ(ej, want);
					if (!ei)
						T_EQ(ri, rj);
					T_ASSERT(maps_same(mi, mj, 1));
					kbpf_prog_put(pi);
					kbpf_prog_put(pj);
					kbpf_map_put(mi);
					kbpf_map_put(mj);
					runs++;
				}
			}
		}
	}
	T_EQ(runs, 48);
}

KBPF_TEST(jit_checked_far,
	  "checked native code more than 1 MiB long (300,000 instructions): "
	  "the exit's budget charge, a misaligned atomic and a load past the "
	  "stack at its end reach the far -ELOOP and -EFAULT paths as the "
	  "checked interpreter ends them; with the budget it needs, r0 is "
	  "300,000")
{
	enum { N = 300000 };
	struct bpf_insn *p = calloc(N + 8, sizeof(*p));
	uint32_t n = 0, body;
	uint64_t r0 = 0;

	NEED_JIT_CHECKED();
	T_ASSERT(p != NULL);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0);
	p[n++] = MOVK(2, 1);
	p[n++] = MOVK(0, 0);
	for (uint32_t i = 0; i < N; i++)
		p[n++] = ADDK(0, 1);
	body = n;
	/* the straight program: N + 4 instructions charged at its exit */
	p[n++] = EXIT;
	T_EQ(chk_both(p, n, N + 3, 8, &r0), -KBPF_ELOOP);
	T_EQ(chk_both(p, n, N + 4, 8, &r0), 0);
	T_EQ(r0, N);
	/* a misaligned atomic at the end */
	n = body;
	p[n++] = I(BPF_STX | BPF_ATOMIC | BPF_DW, 10, 2, -12, BPF_ADD);
	p[n++] = EXIT;
	T_EQ(chk_both(p, n, 0, 8, &r0), -KBPF_EFAULT);
	/* a load below the frame at the end */
	n = body;
	p[n++] = LDX_DW(0, 10, -520);
	p[n++] = EXIT;
	T_EQ(chk_both(p, n, 0, 8, &r0), -KBPF_EFAULT);
	free(p);
}
