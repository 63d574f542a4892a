// SPDX-License-Identifier: MIT
/*
 * struct bpf_timer, kbpf against the kernel: where BPF_MAP_CREATE finds a
 * timer in the value's BTF and which map types and flags may have one;
 * the helpers' answers at their limits (clock flags, double init, start
 * without a callback, bad start flags, cancel of an uninitialised timer
 * and of one armed for an hour); a 1 ms timer whose callback writes the
 * map, observed from user space on both; a callback cancelling its own
 * timer (-EDEADLK); an element deleted or overwritten while its timer is
 * armed, and a map closed while armed (no leak, no timer left on kbpf).
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf_posix.h"
#include "core/map.h"
#include "helpers/helpers_internal.h"

#include "kbpf/uapi/btf.h"

/* ---- BTF ---- */

struct blob {
	uint8_t types[2048];
	uint32_t tl;
	char strs[512];
	uint32_t sl;
	uint8_t out[24 + 2048 + 512];
	uint32_t len;
	uint32_t next_id;
};

static uint32_t S(struct blob *b, const char *s)
{
	uint32_t o = b->sl;
	size_t n = strlen(s) + 1;

	memcpy(b->strs + b->sl, s, n);
	b->sl += (uint32_t)n;
	return o;
}

static void W(struct blob *b, uint32_t v)
{
	memcpy(b->types + b->tl, &v, 4);
	b->tl += 4;
}

static uint32_t T(struct blob *b, const char *name, uint32_t kind,
		  uint32_t vlen, uint32_t st)
{
	W(b, name ? S(b, name) : 0);
	W(b, kind << 24 | vlen);
	W(b, st);
	return b->next_id++;
}

static void M(struct blob *b, const char *name, uint32_t type, uint32_t bits)
{
	W(b, S(b, name));
	W(b, type);
	W(b, bits);
}

enum {
	ID_INT = 1,
	ID_U64, /* unsigned long long */
	ID_TIMER, /* struct bpf_timer { u64; u64; }: 16 bytes */
	ID_V, /* struct v { int cnt; int res; struct bpf_timer t; }: t at 8 */
	ID_TWO, /* struct two { bpf_timer a; bpf_timer b; }: two timers */
	ID_MIS, /* struct mis { int a; bpf_timer t at 4; }: misaligned */
	ID_LOCK, /* struct bpf_spin_lock { int val; } */
	ID_BOTH, /* struct both { lock l; int cnt; bpf_timer t; }: 0 and 8 */
	ID_TIMER8, /* struct bpf_timer { u64; }: 8 bytes, not a timer */
	ID_VSMALL, /* struct vsmall { u64 a; timer8 t; } */
	ID_TONLY, /* struct tonly { bpf_timer t; } */
	ID_OVER, /* struct over { int cnt; int res; bpf_timer t; lock l at 16 } */
	ID_PROTO, /* int (void) */
	ID_FMAIN, /* static int main(void) */
	ID_FCB, /* static int cb(void) */
};

static void timer_blob(struct blob *b)
{
	uint32_t h[6];

	memset(b, 0, sizeof(*b));
	b->sl = 1;
	b->next_id = 1;
	T(b, "int", BTF_KIND_INT, 0, 4);
	W(b, BTF_INT_SIGNED << 24 | 32);
	T(b, "unsigned long long", BTF_KIND_INT, 0, 8);
	W(b, 64);
	T(b, "bpf_timer", BTF_KIND_STRUCT, 2, 16);
	M(b, "a", ID_U64, 0);
	M(b, "b", ID_U64, 64);
	T(b, "v", BTF_KIND_STRUCT, 3, 24);
	M(b, "cnt", ID_INT, 0);
	M(b, "res", ID_INT, 32);
	M(b, "t", ID_TIMER, 64);
	T(b, "two", BTF_KIND_STRUCT, 2, 32);
	M(b, "a", ID_TIMER, 0);
	M(b, "b", ID_TIMER, 128);
	T(b, "mis", BTF_KIND_STRUCT, 2, 20);
	M(b, "a", ID_INT, 0);
	M(b, "t", ID_TIMER, 32);
	T(b, "bpf_spin_lock", BTF_KIND_STRUCT, 1, 4);
	M(b, "val", ID_INT, 0);
	T(b, "both", BTF_KIND_STRUCT, 3, 24);
	M(b, "l", ID_LOCK, 0);
	M(b, "cnt", ID_INT, 32);
	M(b, "t", ID_TIMER, 64);
	T(b, "bpf_timer", BTF_KIND_STRUCT, 1, 8);
	M(b, "a", ID_U64, 0);
	T(b, "vsmall", BTF_KIND_STRUCT, 2, 16);
	M(b, "a", ID_U64, 0);
	M(b, "t", ID_TIMER8, 64);
	T(b, "tonly", BTF_KIND_STRUCT, 1, 16);
	M(b, "t", ID_TIMER, 0);
	T(b, "over", BTF_KIND_STRUCT, 4, 24);
	M(b, "cnt", ID_INT, 0);
	M(b, "res", ID_INT, 32);
	M(b, "t", ID_TIMER, 64);
	M(b, "l", ID_LOCK, 128);
	T(b, NULL, BTF_KIND_FUNC_PROTO, 0, ID_INT);
	T(b, "main", BTF_KIND_FUNC, 0, ID_PROTO);
	T(b, "cb", BTF_KIND_FUNC, 0, ID_PROTO);
	h[0] = 0x0001eb9f;
	h[1] = 24;
	h[2] = 0;
	h[3] = b->tl;
	h[4] = b->tl;
	h[5] = b->sl;
	memcpy(b->out, h, 24);
	memcpy(b->out + 24, b->types, b->tl);
	memcpy(b->out + 24 + b->tl, b->strs, b->sl);
	b->len = 24 + b->tl + b->sl;
}

static long load_btf(int side, struct blob *b)
{
	static char log[4096];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)b->out;
	a.btf_size = b->len;
	a.btf_log_buf = (uint64_t)(uintptr_t)log;
	a.btf_log_size = sizeof(log);
	a.btf_log_level = 1;
	log[0] = 0;
	r = side_bpf(side, BPF_BTF_LOAD, &a);
	if (r < 0)
		printf("side %d: BTF_LOAD %ld: %s\n", side, r, log);
	return r;
}

static long create_btf_map(int side, long btf, uint32_t type, uint32_t ks,
			   uint32_t vs, uint32_t max, uint32_t flags,
			   uint32_t kid, uint32_t vid)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = kid;
	a.btf_value_type_id = vid;
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

KBPF_TEST(
	timer_create_vs_kernel,
	"BPF_MAP_CREATE with a bpf_timer in the value: which types and flags may hold one, and which records are no timer")
{
	static const struct {
		const char *what;
		uint32_t type, vs, flags, vid;
		long expect;
	} cc[] = {
		{ "array", BPF_MAP_TYPE_ARRAY, 24, 0, ID_V, 0 },
		{ "hash", BPF_MAP_TYPE_HASH, 24, 0, ID_V, 0 },
		{ "hash no prealloc", BPF_MAP_TYPE_HASH, 24, BPF_F_NO_PREALLOC,
		  ID_V, 0 },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH, 24, 0, ID_V, 0 },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY, 24, 0, ID_V,
		  -EOPNOTSUPP },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH, 24, 0, ID_V,
		  -EOPNOTSUPP },
		{ "lru percpu hash", BPF_MAP_TYPE_LRU_PERCPU_HASH, 24, 0, ID_V,
		  -EOPNOTSUPP },
		{ "array rdonly prog", BPF_MAP_TYPE_ARRAY, 24,
		  BPF_F_RDONLY_PROG, ID_V, -EACCES },
		{ "array wronly prog", BPF_MAP_TYPE_ARRAY, 24,
		  BPF_F_WRONLY_PROG, ID_V, -EACCES },
		{ "array two timers (no record)", BPF_MAP_TYPE_ARRAY, 32, 0,
		  ID_TWO, 0 },
		{ "percpu array two timers (no record)",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 32, 0, ID_TWO, 0 },
		{ "percpu array misaligned timer (ignored)",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 20, 0, ID_MIS, 0 },
		{ "percpu array 8-byte bpf_timer (ignored)",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 16, 0, ID_VSMALL, 0 },
		{ "array timer only", BPF_MAP_TYPE_ARRAY, 16, 0, ID_TONLY, 0 },
		{ "array timer as the value", BPF_MAP_TYPE_ARRAY, 16, 0,
		  ID_TIMER, 0 },
		{ "array lock and timer", BPF_MAP_TYPE_ARRAY, 24, 0, ID_BOTH,
		  0 },
		{ "hash lock and timer", BPF_MAP_TYPE_HASH, 24, 0, ID_BOTH, 0 },
		{ "lru hash lock and timer", BPF_MAP_TYPE_LRU_HASH, 24, 0,
		  ID_BOTH, -EOPNOTSUPP },
		{ "array lock overlapping the timer (no record)",
		  BPF_MAP_TYPE_PERCPU_ARRAY, 24, 0, ID_OVER, 0 },
		{ "array value too small for the BTF", BPF_MAP_TYPE_ARRAY, 16,
		  0, ID_V, -EINVAL },
	};
	struct blob *b;
	long bfd[2];
	int nbad = 0;

	NEED_KERNEL();
	b = calloc(1, sizeof(*b));
	T_ASSERT(b);
	timer_blob(b);
	for (int s = 0; s < 2; s++) {
		bfd[s] = load_btf(s, b);
		T_ASSERT(bfd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(cc) / sizeof(cc[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			r[s] = create_btf_map(s, bfd[s], cc[i].type, 4,
					      cc[i].vs, 4, cc[i].flags, ID_INT,
					      cc[i].vid);
			side_close(s, r[s]);
		}
		if (!same_result(r[0], r[1]) ||
		    (r[0] >= 0 ? 0 : r[0]) != cc[i].expect) {
			nbad++;
			printf("MISMATCH %s: kernel %ld, kbpf %ld, expected %ld\n",
			       cc[i].what, r[0], r[1], cc[i].expect);
		}
	}
	for (int s = 0; s < 2; s++)
		side_close(s, bfd[s]);
	free(b);
	T_EQ(nbad, 0);
}

/* ---- programs ---- */

#define MOV(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define MOVR(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDI(d, i) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, i)
#define LDXW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STXW(d, s, o) I(BPF_STX | BPF_MEM | BPF_W, d, s, o, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define JNE0(d, o) I(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, 0)
#define LDMAP(d, fd)                                               \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
		I(0, 0, 0, 0, 0)
#define LDIMM64(d, lo, hi) \
	I(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, lo), I(0, 0, 0, 0, hi)
/* r2 = the callback, @off instructions after this one's first slot + 1 */
#define LDFUNC(d, off)                                            \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_FUNC, 0, off), \
		I(0, 0, 0, 0, 0)

/* What one test program does to the timer of element @key. */
enum op {
	OP_INIT, /* bpf_timer_init(t, map, arg) */
	OP_SETCB, /* bpf_timer_set_callback(t, cb) */
	OP_START, /* bpf_timer_start(t, arg, arg2) */
	OP_CANCEL, /* bpf_timer_cancel(t) */
	OP_ARM, /* init (MONOTONIC), set_callback, start(arg): r0 = start's */
};

/* What the callback does. */
enum cb {
	CB_COUNT, /* value->cnt += 1 */
	CB_SELF_CANCEL, /* value->res = bpf_timer_cancel(own timer); cnt += 1 */
};

#define VAL_SIZE 24
#define TIMER_OFF 8

/*
 * A tc program: r6 = lookup(map, key), or return 1; then @op; r0 = the
 * helper's result. The callback follows the main body.
 */
static uint32_t build(struct bpf_insn *p, long map, uint32_t key, enum op op,
		      int64_t arg, uint64_t arg2, enum cb cb, uint32_t *cb_off)
{
	uint32_t n = 0, ldfunc = 0;

#define E(...)                                                \
	do {                                                  \
		const struct bpf_insn x_[] = { __VA_ARGS__ }; \
		memcpy(p + n, x_, sizeof(x_));                \
		n += (uint32_t)(sizeof(x_) / sizeof(x_[0]));  \
	} while (0)
	E(MOV(1, (int32_t)key), STXW(10, 1, -4), MOVR(2, 10), ADDI(2, -4),
	  LDMAP(1, (int32_t)map), CALL(BPF_FUNC_map_lookup_elem), JNE0(0, 2),
	  MOV(0, 1), EXIT, MOVR(6, 0));
	if (op == OP_INIT || op == OP_ARM) {
		E(MOVR(1, 6), ADDI(1, TIMER_OFF), LDMAP(2, (int32_t)map),
		  MOV(3, op == OP_ARM ? 1 : (int32_t)arg),
		  CALL(BPF_FUNC_timer_init));
		if (op == OP_INIT)
			E(EXIT);
	}
	if (op == OP_SETCB || op == OP_ARM) {
		E(MOVR(1, 6), ADDI(1, TIMER_OFF));
		ldfunc = n;
		E(LDFUNC(2, 0), CALL(BPF_FUNC_timer_set_callback));
		if (op == OP_SETCB)
			E(EXIT);
	}
	if (op == OP_START || op == OP_ARM) {
		E(MOVR(1, 6), ADDI(1, TIMER_OFF),
		  LDIMM64(2, (int32_t)(uint32_t)arg,
			  (int32_t)((uint64_t)arg >> 32)),
		  MOV(3, (int32_t)arg2), CALL(BPF_FUNC_timer_start), EXIT);
	}
	if (op == OP_CANCEL)
		E(MOVR(1, 6), ADDI(1, TIMER_OFF), CALL(BPF_FUNC_timer_cancel),
		  EXIT);
	/* The callback: (map, key, value), returns 0. */
	if (!ldfunc)
		return n;
	p[ldfunc].imm = (int32_t)(n - ldfunc - 1);
	*cb_off = n;
	if (cb == CB_SELF_CANCEL)
		E(MOVR(6, 3), MOVR(1, 3), ADDI(1, TIMER_OFF),
		  CALL(BPF_FUNC_timer_cancel), STXW(6, 0, 4), MOVR(3, 6));
	E(LDXW(1, 3, 0), ADDI(1, 1), STXW(3, 1, 0), MOV(0, 0), EXIT);
#undef E
	return n;
}

/* The BTF of each side, for the programs' func_info. */
static long g_btf[2] = { -1, -1 };

static long load_prog(int side, const struct bpf_insn *insns, uint32_t n,
		      uint32_t cb_off)
{
	static char log[16384];
	uint32_t fi[4] = { 0, ID_FMAIN, cb_off, ID_FCB };
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_btf_fd = (uint32_t)g_btf[side];
	a.func_info = (uint64_t)(uintptr_t)fi;
	a.func_info_rec_size = 8;
	a.func_info_cnt = cb_off ? 2 : 1;
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = 0;
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	if (fd < 0)
		printf("side %d: load %ld: %s\n", side, fd, log);
	return fd;
}

/* Load, test-run once and close a program; its r0 as an int, or -1000 + errno. */
static long run_op(int side, long map, uint32_t key, enum op op, int64_t arg,
		   uint64_t arg2, enum cb cb)
{
	struct bpf_insn insns[64];
	uint8_t pkt[64] = { 0 };
	uint32_t cb_off = 0;
	uint32_t n = build(insns, map, key, op, arg, arg2, cb, &cb_off);
	union bpf_attr a;
	long prog = load_prog(side, insns, n, cb_off), r;

	if (prog < 0)
		return -1000 + prog;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	side_close(side, prog);
	return r ? -2000 + r : (long)(int32_t)a.test.retval;
}

static uint32_t val_word(int side, long map, uint32_t key, int idx)
{
	uint8_t v[VAL_SIZE];
	uint32_t w = 0xdeadbeef;

	memset(v, 0xcc, sizeof(v));
	if (!side_elem(side, BPF_MAP_LOOKUP_ELEM, map, &key, v, 0))
		memcpy(&w, v + 4 * idx, 4);
	return w;
}

/* Poll value->cnt of @key until it reaches @want (5 s at most). */
static uint32_t wait_cnt(int side, long map, uint32_t key, uint32_t want)
{
	struct timespec ts = { 0, 1000000 };
	uint32_t c = 0;

	for (int i = 0; i < 5000; i++) {
		c = val_word(side, map, key, 0);
		if (c == want)
			break;
		nanosleep(&ts, NULL);
	}
	return c;
}

struct env {
	long btf[2];
	struct blob b;
};

static void env_open(struct env *e)
{
	timer_blob(&e->b);
	for (int s = 0; s < 2; s++)
		g_btf[s] = e->btf[s] = load_btf(s, &e->b);
}

static void env_close(struct env *e)
{
	for (int s = 0; s < 2; s++)
		side_close(s, e->btf[s]);
}

/* The helper errno script, with kbpf's verifier at @mode. */
static void helper_errnos(uint32_t mode)
{
	static const struct {
		const char *what;
		enum op op;
		int64_t arg;
		uint64_t arg2;
		long expect;
	} sc[] = {
		{ "cancel before init", OP_CANCEL, 0, 0, -EINVAL },
		{ "start before init", OP_START, 1000, 0, -EINVAL },
		{ "set_callback before init", OP_SETCB, 0, 0, -EINVAL },
		{ "init CLOCK_TAI", OP_INIT, 11, 0, -EINVAL },
		{ "init CLOCK_PROCESS_CPUTIME_ID", OP_INIT, 2, 0, -EINVAL },
		{ "init flags 16", OP_INIT, 16, 0, -EINVAL },
		{ "init flags 17", OP_INIT, 17, 0, -EINVAL },
		{ "init CLOCK_MONOTONIC", OP_INIT, 1, 0, 0 },
		{ "init again", OP_INIT, 1, 0, -EBUSY },
		{ "init again, BOOTTIME", OP_INIT, 7, 0, -EBUSY },
		{ "start without callback", OP_START, 1000, 0, -EINVAL },
		{ "cancel, never armed", OP_CANCEL, 0, 0, 0 },
		{ "set_callback", OP_SETCB, 0, 0, 0 },
		{ "start flags 4", OP_START, 1000, 4, -EINVAL },
		{ "start an hour away", OP_START, 3600000000000ll, 0, 0 },
		{ "cancel the armed one", OP_CANCEL, 0, 0, 1 },
		{ "start after cancel (callback dropped)", OP_START, 1000, 0,
		  -EINVAL },
		{ "set_callback again", OP_SETCB, 0, 0, 0 },
		{ "start absolute, in the past, pinned", OP_START, 1,
		  BPF_F_TIMER_ABS | BPF_F_TIMER_CPU_PIN, 0 },
		{ "cancel after it fired", OP_CANCEL, 0, 0, 0 },
	};
	struct env *e = calloc(1, sizeof(*e));
	long map[2];
	int nbad = 0;

	NEED_KERNEL_BODY();
	T_ASSERT(e);
	kbpf_posix_set_verifier(mode);
	env_open(e);
	for (int s = 0; s < 2; s++) {
		T_ASSERT(e->btf[s] >= 0);
		map[s] = create_btf_map(s, e->btf[s], BPF_MAP_TYPE_ARRAY, 4,
					VAL_SIZE, 2, 0, ID_INT, ID_V);
		T_ASSERT(map[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(sc) / sizeof(sc[0]); i++) {
		long r[2];

		for (int s = 0; s < 2; s++) {
			r[s] = run_op(s, map[s], 0, sc[i].op, sc[i].arg,
				      sc[i].arg2, CB_COUNT);
			/* The absolute start in the past fires at once. */
			if (sc[i].arg2 & BPF_F_TIMER_ABS)
				wait_cnt(s, map[s], 0, 1);
		}
		if (r[0] != r[1] || r[0] != sc[i].expect) {
			nbad++;
			printf("MISMATCH %s: kernel %ld, kbpf %ld, expected %ld\n",
			       sc[i].what, r[0], r[1], sc[i].expect);
		}
	}
	for (int s = 0; s < 2; s++) {
		uint32_t c = val_word(s, map[s], 0, 0);

		if (c != 1) {
			nbad++;
			printf("side %d: the callback ran %u times, not 1\n", s,
			       c);
		}
		side_close(s, map[s]);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	env_close(e);
	free(e);
	T_EQ(nbad, 0);
}

KBPF_TEST(
	timer_helper_errnos_vs_kernel,
	"the bpf_timer helpers' answers at their limits: clocks, double init, start without callback, bad flags, cancel (-EINVAL, 0, 1); unverified programs in checked mode")
{
	helper_errnos(KBPF_VERIFIER_OFF);
}

KBPF_TEST(
	timer_helper_errnos_enforce_vs_kernel,
	"the same script with programs kbpf's verifier proved (ENFORCE): the same answers, and every program loads on both")
{
	helper_errnos(KBPF_VERIFIER_ENFORCE);
}

/* The firing cases, with kbpf's verifier at @mode. */
static void fires(uint32_t mode)
{
	static const struct {
		const char *what;
		uint32_t type, flags;
		enum cb cb;
	} fc[] = {
		{ "array", BPF_MAP_TYPE_ARRAY, 0, CB_COUNT },
		{ "hash", BPF_MAP_TYPE_HASH, 0, CB_COUNT },
		{ "hash no prealloc", BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC,
		  CB_COUNT },
		{ "lru hash", BPF_MAP_TYPE_LRU_HASH, 0, CB_COUNT },
		{ "array, callback cancels itself", BPF_MAP_TYPE_ARRAY, 0,
		  CB_SELF_CANCEL },
		{ "hash, callback cancels itself", BPF_MAP_TYPE_HASH, 0,
		  CB_SELF_CANCEL },
	};
	struct env *e = calloc(1, sizeof(*e));
	int nbad = 0;

	NEED_KERNEL_BODY();
	T_ASSERT(e);
	kbpf_posix_set_verifier(mode);
	env_open(e);
	for (size_t i = 0; i < sizeof(fc) / sizeof(fc[0]); i++) {
		uint32_t got[2][4];
		long r[2];

		for (int s = 0; s < 2; s++) {
			uint8_t v[VAL_SIZE];
			uint32_t key = 1;
			long map = create_btf_map(s, e->btf[s], fc[i].type, 4,
						  VAL_SIZE, 4, fc[i].flags,
						  ID_INT, ID_V);

			T_ASSERT(map >= 0);
			/* The timer bytes sent are ignored: they stay 0. */
			memset(v, 0, sizeof(v));
			memset(v + TIMER_OFF, 0xff, 16);
			T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, map, &key, v, 0),
			     0);
			r[s] = run_op(s, map, key, OP_ARM, 1000000, 0,
				      fc[i].cb);
			got[s][0] = wait_cnt(s, map, key, 1);
			got[s][1] = val_word(s, map, key, 1);
			got[s][2] = val_word(s, map, key, 2) |
				    val_word(s, map, key, 3);
			got[s][3] = val_word(s, map, key, 4) |
				    val_word(s, map, key, 5);
			side_close(s, map);
		}
		if (r[0] != r[1] || r[0] != 0 ||
		    memcmp(got[0], got[1], sizeof(got[0])) || got[0][0] != 1) {
			nbad++;
			printf("MISMATCH %s: kernel r=%ld cnt=%u res=%d timer %x %x; kbpf r=%ld cnt=%u res=%d timer %x %x\n",
			       fc[i].what, r[0], got[0][0], (int)got[0][1],
			       got[0][2], got[0][3], r[1], got[1][0],
			       (int)got[1][1], got[1][2], got[1][3]);
		}
		if (fc[i].cb == CB_SELF_CANCEL && (int)got[1][1] != -EDEADLK) {
			nbad++;
			printf("%s: own cancel gave %d\n", fc[i].what,
			       (int)got[1][1]);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	env_close(e);
	free(e);
	T_EQ(nbad, 0);
}

KBPF_TEST(
	timer_fires_vs_kernel,
	"a 1 ms timer whose callback increments the value fires once on both (ARRAY, HASH, LRU_HASH), its own cancel gives -EDEADLK, user space sees the timer field zeroed; checked mode")
{
	fires(KBPF_VERIFIER_OFF);
}

KBPF_TEST(
	timer_fires_enforce_vs_kernel,
	"the same with programs kbpf's verifier proved (ENFORCE): the callback runs in fast mode")
{
	fires(KBPF_VERIFIER_ENFORCE);
}

KBPF_TEST(
	timer_element_gone_vs_kernel,
	"an armed timer is cancelled when its element is deleted (HASH), overwritten (ARRAY, HASH) or its map closed: the callback never runs, nothing leaks, no host timer or thread is left")
{
	static const struct {
		const char *what;
		uint32_t type;
		int how; /* 0 delete, 1 update, 2 close the map */
	} gc[] = {
		{ "hash delete", BPF_MAP_TYPE_HASH, 0 },
		{ "lru hash delete", BPF_MAP_TYPE_LRU_HASH, 0 },
		{ "array update", BPF_MAP_TYPE_ARRAY, 1 },
		{ "hash update", BPF_MAP_TYPE_HASH, 1 },
		{ "array close", BPF_MAP_TYPE_ARRAY, 2 },
		{ "hash close", BPF_MAP_TYPE_HASH, 2 },
	};
	struct env *e = calloc(1, sizeof(*e));
	long live0;
	int nbad = 0;

	NEED_KERNEL();
	T_ASSERT(e);
	env_open(e);
	live0 = kbpf_posix_live_allocs();
	for (size_t i = 0; i < sizeof(gc) / sizeof(gc[0]); i++) {
		uint32_t got[2] = { 0, 0 };
		long r[2];

		for (int s = 0; s < 2; s++) {
			struct timespec ts = { 0, 50 * 1000000 };
			uint8_t v[VAL_SIZE];
			uint32_t key = 1;
			long map = create_btf_map(s, e->btf[s], gc[i].type, 4,
						  VAL_SIZE, 4, 0, ID_INT, ID_V);

			T_ASSERT(map >= 0);
			memset(v, 0, sizeof(v));
			T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, map, &key, v, 0),
			     0);
			/* 20 ms: long enough to go first, short to wait out. */
			r[s] = run_op(s, map, key, OP_ARM, 20000000, 0,
				      CB_COUNT);
			if (gc[i].how == 0)
				T_EQ(side_elem(s, BPF_MAP_DELETE_ELEM, map,
					       &key, NULL, 0),
				     0);
			if (gc[i].how == 1)
				T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, map,
					       &key, v, 0),
				     0);
			if (gc[i].how == 2) {
				side_close(s, map);
				map = -1;
			}
			nanosleep(&ts, NULL);
			nanosleep(&ts, NULL);
			if (map >= 0) {
				/* Deleted: gone; overwritten: cnt stays 0. */
				got[s] = val_word(s, map, key, 0);
				side_close(s, map);
			}
		}
		if (r[0] != r[1] || r[0] != 0 || got[0] != got[1]) {
			nbad++;
			printf("MISMATCH %s: kernel r=%ld got %x, kbpf r=%ld got %x\n",
			       gc[i].what, r[0], got[0], r[1], got[1]);
		}
	}
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_timers_live(), 0);
	T_EQ(kbpf_posix_live_allocs(), live0);
	{
		/* The timer thread leaves with the last timer (2 s at most). */
		struct timespec ts = { 0, 1000000 };

		for (int i = 0; i < 2000 && kbpf_posix_timer_thread_up(); i++)
			nanosleep(&ts, NULL);
		T_EQ(kbpf_posix_timer_thread_up(), 0);
	}
	env_close(e);
	free(e);
	T_EQ(nbad, 0);
}

/* Load on kbpf (verifier off: checked runs) and test-run; the run's result. */
static long kbpf_checked_run(const struct bpf_insn *insns, uint32_t n,
			     uint32_t *retval)
{
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;
	long prog = load_prog(SIDE_KBPF, insns, n, 0), r;

	if (prog < 0)
		return -1000 + prog;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	r = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	side_close(SIDE_KBPF, prog);
	return r;
}

KBPF_TEST(
	timer_checked_mode,
	"without a verifier, checked runs stop a program that stores into or loads the timer field (-EFAULT), passes another address as a timer (-EFAULT) or another map to bpf_timer_init (-EINVAL); a proper init still works")
{
	struct env *e = calloc(1, sizeof(*e));
	long map, other;
	uint32_t rv = 0;

	T_ASSERT(e);
	timer_blob(&e->b);
	g_btf[SIDE_KBPF] = e->btf[SIDE_KBPF] = load_btf(SIDE_KBPF, &e->b);
	T_ASSERT(e->btf[SIDE_KBPF] >= 0);
	map = create_btf_map(SIDE_KBPF, e->btf[SIDE_KBPF], BPF_MAP_TYPE_ARRAY,
			     4, VAL_SIZE, 2, 0, ID_INT, ID_V);
	other = create_btf_map(SIDE_KBPF, e->btf[SIDE_KBPF], BPF_MAP_TYPE_HASH,
			       4, VAL_SIZE, 2, 0, ID_INT, ID_V);
	T_ASSERT(map >= 0 && other >= 0);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
#define LOOK                                                            \
	MOV(1, 0), STXW(10, 1, -4), MOVR(2, 10), ADDI(2, -4),           \
		LDMAP(1, (int32_t)map), CALL(BPF_FUNC_map_lookup_elem), \
		JNE0(0, 2), MOV(0, 1), EXIT, MOVR(6, 0)
	{
		/* a forged pointer in the field, then used */
		const struct bpf_insn p[] = {
			LOOK,
			LDIMM64(1, 0x1000, 0),
			I(BPF_STX | BPF_MEM | BPF_DW, 6, 1, TIMER_OFF, 0),
			MOV(0, 0),
			EXIT,
		};
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv),
		     -EFAULT);
	}
	{
		const struct bpf_insn p[] = {
			LOOK, I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, TIMER_OFF, 0),
			EXIT
		};
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv),
		     -EFAULT);
	}
	{
		/* the value's start, not its timer */
		const struct bpf_insn p[] = { LOOK, MOVR(1, 6),
					      CALL(BPF_FUNC_timer_cancel),
					      EXIT };
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv),
		     -EFAULT);
	}
	{
		/* a stack address as the timer */
		const struct bpf_insn p[] = { MOVR(1, 10), ADDI(1, -16),
					      CALL(BPF_FUNC_timer_cancel),
					      EXIT };
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv),
		     -EFAULT);
	}
	{
		/* init with another map than the value's */
		const struct bpf_insn p[] = { LOOK,
					      MOVR(1, 6),
					      ADDI(1, TIMER_OFF),
					      LDMAP(2, (int32_t)other),
					      MOV(3, 1),
					      CALL(BPF_FUNC_timer_init),
					      EXIT };
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv),
		     -EINVAL);
	}
	{
		const struct bpf_insn p[] = { LOOK,
					      MOVR(1, 6),
					      ADDI(1, TIMER_OFF),
					      LDMAP(2, (int32_t)map),
					      MOV(3, 1),
					      CALL(BPF_FUNC_timer_init),
					      EXIT };
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv), 0);
		T_EQ(rv, 0);
		T_EQ(kbpf_checked_run(p, sizeof(p) / sizeof(p[0]), &rv), 0);
		T_EQ((int32_t)rv, -EBUSY);
	}
#undef LOOK
	side_close(SIDE_KBPF, map);
	side_close(SIDE_KBPF, other);
	side_close(SIDE_KBPF, e->btf[SIDE_KBPF]);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_timers_live(), 0);
	free(e);
}

/* ---- threads ---- */

#define ST_KEYS 4
#define ST_ROUNDS 300

struct st_ctx {
	long map;
	long arm[ST_KEYS], cancel[ST_KEYS];
	unsigned int cpu;
	int role; /* 0 arm, 1 cancel, 2 update and delete from user space */
	long errors;
};

static long st_load(long map, uint32_t key, enum op op)
{
	struct bpf_insn insns[64];
	uint32_t cb_off = 0;
	uint32_t n = build(insns, map, key, op, 50000, 0, CB_COUNT, &cb_off);

	return load_prog(SIDE_KBPF, insns, n, cb_off);
}

static void *st_thread(void *arg)
{
	struct st_ctx *c = arg;
	uint8_t pkt[64] = { 0 }, v[VAL_SIZE] = { 0 };

	kbpf_posix_set_cpu(c->cpu);
	for (int i = 0; i < ST_ROUNDS; i++) {
		for (uint32_t k = 0; k < ST_KEYS; k++) {
			union bpf_attr a;
			long r;

			if (c->role == 2) {
				side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
					  c->map, &k, v, 0);
				if (i % 3 == 0)
					side_elem(SIDE_KBPF,
						  BPF_MAP_DELETE_ELEM, c->map,
						  &k, NULL, 0);
				continue;
			}
			memset(&a, 0, sizeof(a));
			a.test.prog_fd =
				(uint32_t)(c->role ? c->cancel[k] : c->arm[k]);
			a.test.data_in = (uint64_t)(uintptr_t)pkt;
			a.test.data_size_in = sizeof(pkt);
			r = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
			c->errors += r != 0;
		}
	}
	return NULL;
}

KBPF_TEST(
	timer_stress_threads,
	"two threads arm the timers of a hash map's elements, one cancels them, one replaces and deletes the elements from user space, all at once: no run fails, and closing the map leaves no timer and no allocation behind (run under TSan/ASan in CI)")
{
	struct env *e = calloc(1, sizeof(*e));
	struct st_ctx c[4];
	pthread_t t[4];
	long map, live0;
	unsigned int ncpu = kbpf_posix_host()->nr_cpus;

	T_ASSERT(e);
	timer_blob(&e->b);
	g_btf[SIDE_KBPF] = e->btf[SIDE_KBPF] = load_btf(SIDE_KBPF, &e->b);
	T_ASSERT(e->btf[SIDE_KBPF] >= 0);
	kbpf_posix_rcu_barrier();
	live0 = kbpf_posix_live_allocs();
	map = create_btf_map(SIDE_KBPF, e->btf[SIDE_KBPF], BPF_MAP_TYPE_HASH, 4,
			     VAL_SIZE, ST_KEYS, 0, ID_INT, ID_V);
	T_ASSERT(map >= 0);
	memset(c, 0, sizeof(c));
	for (int i = 0; i < 4; i++) {
		c[i].map = map;
		c[i].cpu = (unsigned int)i % ncpu;
		c[i].role = i < 2 ? 0 : i - 1;
	}
	for (uint32_t k = 0; k < ST_KEYS; k++) {
		c[0].arm[k] = st_load(map, k, OP_ARM);
		c[0].cancel[k] = st_load(map, k, OP_CANCEL);
		T_ASSERT(c[0].arm[k] >= 0 && c[0].cancel[k] >= 0);
	}
	for (int i = 1; i < 4; i++) {
		memcpy(c[i].arm, c[0].arm, sizeof(c[0].arm));
		memcpy(c[i].cancel, c[0].cancel, sizeof(c[0].cancel));
	}
	for (int i = 0; i < 4; i++)
		T_EQ(pthread_create(&t[i], NULL, st_thread, &c[i]), 0);
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		T_EQ(c[i].errors, 0);
	}
	for (uint32_t k = 0; k < ST_KEYS; k++) {
		side_close(SIDE_KBPF, c[0].arm[k]);
		side_close(SIDE_KBPF, c[0].cancel[k]);
	}
	side_close(SIDE_KBPF, map);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_timers_live(), 0);
	T_EQ(kbpf_posix_live_allocs(), live0);
	side_close(SIDE_KBPF, e->btf[SIDE_KBPF]);
	free(e);
}

KBPF_TEST(
	timer_host_without_timers,
	"a host without timer callbacks: bpf_timer_init answers -EOPNOTSUPP, the other helpers -EINVAL; kbpf_host_check() refuses a table with only some of the four")
{
	struct kbpf_host h2 = *kbpf_posix_host();
	struct env *e = calloc(1, sizeof(*e));
	struct kbpf_map *map = NULL;
	struct kbpf_run run;
	const char *what = NULL;
	union bpf_attr a;
	uint32_t key = 0;
	uint8_t *v;

	T_ASSERT(e);
	h2.timer_start = NULL;
	T_EQ(kbpf_host_check(&h2, &what), -KBPF_EINVAL);
	T_ASSERT(what && !strcmp(what, "timer_start"));
	h2 = *kbpf_posix_host();
	h2.timer_free = NULL;
	T_EQ(kbpf_host_check(&h2, &what), -KBPF_EINVAL);
	T_ASSERT(what && !strcmp(what, "timer_free"));
	h2.timer_alloc = NULL;
	h2.timer_start = NULL;
	h2.timer_cancel = NULL;
	T_EQ(kbpf_host_check(&h2, &what), 0);
	timer_blob(&e->b);
	e->btf[SIDE_KBPF] = load_btf(SIDE_KBPF, &e->b);
	T_ASSERT(e->btf[SIDE_KBPF] >= 0);
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = VAL_SIZE;
	a.max_entries = 1;
	a.btf_fd = (uint32_t)e->btf[SIDE_KBPF];
	a.btf_key_type_id = ID_INT;
	a.btf_value_type_id = ID_V;
	T_EQ(kbpf_map_create(&h2, &a, &map), 0);
	T_EQ(map->timer_off, TIMER_OFF);
	v = kbpf_map_lookup_elem(map, &key);
	T_ASSERT(v);
	memset(&run, 0, sizeof(run));
	run.host = &h2;
	T_EQ((long)kbpf_helper_timer_init(&run, (uintptr_t)(v + TIMER_OFF),
					  (uintptr_t)map, 1, 0, 0),
	     -KBPF_EOPNOTSUPP);
	T_EQ((long)kbpf_helper_timer_start(&run, (uintptr_t)(v + TIMER_OFF),
					   1000, 0, 0, 0),
	     -KBPF_EINVAL);
	T_EQ((long)kbpf_helper_timer_cancel(&run, (uintptr_t)(v + TIMER_OFF), 0,
					    0, 0, 0),
	     -KBPF_EINVAL);
	kbpf_map_put(map);
	side_close(SIDE_KBPF, e->btf[SIDE_KBPF]);
	free(e);
}
