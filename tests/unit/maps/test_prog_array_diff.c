// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_PROG_ARRAY and bpf_tail_call against the kernel: creation
 * rules, the element commands with program fds in and ids out, the owner
 * rule, and tail-call chains run through BPF_PROG_TEST_RUN (return value
 * and the number of program runs, counted in an array map): the limit of
 * 33, which neither empty slots nor out-of-range indexes count towards
 * (6.18's JIT; its interpreter counts empty slots), the u32 index. Also: a program in its own prog array is freed
 * once the fds are closed (the user-reference rule breaks the cycle).
 */
#include <errno.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf/interp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i_) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i_)
#define MOV_X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(id) I(BPF_JMP | BPF_CALL, 0, 0, 0, id)

struct prog {
	struct bpf_insn insns[64];
	uint32_t n;
};

static void emit(struct prog *p, struct bpf_insn insn)
{
	p->insns[p->n++] = insn;
}

static void emit_ld_map(struct prog *p, int reg, long fd)
{
	emit(p, I(BPF_LD | BPF_IMM | BPF_DW, reg, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)fd));
	emit(p, I(0, 0, 0, 0, 0));
}

static void emit_ld64(struct prog *p, int reg, uint64_t v)
{
	emit(p, I(BPF_LD | BPF_IMM | BPF_DW, reg, 0, 0, (int32_t)v));
	emit(p, I(0, 0, 0, 0, (int32_t)(v >> 32)));
}

static long load(int side, uint32_t type, uint32_t eat, const struct prog *p)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insn_cnt = p->n;
	a.insns = (uint64_t)(uintptr_t)p->insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long load_ret(int side, uint32_t type, uint32_t eat, int32_t ret)
{
	struct prog p = { .n = 0 };

	emit(&p, MOV_K(0, ret));
	emit(&p, EXIT);
	return load(side, type, eat, &p);
}

static long run(int side, long fd, uint64_t arg, uint32_t *retval)
{
	uint64_t ctx[1] = { arg };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = sizeof(ctx);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	return r;
}

static long prog_id(int side, long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a))
		return -1;
	return info.id;
}

KBPF_TEST(prog_array_create_diff,
	  "PROG_ARRAY creation: sizes and flags give the kernel's errno")
{
	static const struct {
		uint32_t ks, vs, max, flags, numa;
	} cases[] = {
		{ 4, 4, 1, 0, 0 },
		{ 4, 4, 1000, 0, 0 },
		{ 4, 8, 1, 0, 0 },
		{ 4, 0, 1, 0, 0 },
		{ 8, 4, 1, 0, 0 },
		{ 0, 4, 1, 0, 0 },
		{ 4, 4, 0, 0, 0 },
		{ 4, 4, 1, BPF_F_RDONLY_PROG, 0 },
		{ 4, 4, 1, BPF_F_WRONLY_PROG, 0 },
		{ 4, 4, 1, BPF_F_RDONLY, 0 },
		{ 4, 4, 1, BPF_F_WRONLY, 0 },
		{ 4, 4, 1, BPF_F_MMAPABLE, 0 },
		{ 4, 4, 1, BPF_F_PRESERVE_ELEMS, 0 },
		{ 4, 4, 1, BPF_F_INNER_MAP, 0 },
		{ 4, 4, 1, BPF_F_NO_PREALLOC, 0 },
		{ 4, 4, 1, BPF_F_ZERO_SEED, 0 },
		{ 4, 4, 1, BPF_F_NUMA_NODE, 0 },
		{ 4, 4, 1, BPF_F_NUMA_NODE, 0xffffffffu },
		{ 4, 4, 1, BPF_F_CLONE, 0 },
	};

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			r[s] = side_create(s, BPF_MAP_TYPE_PROG_ARRAY,
					   cases[i].ks, cases[i].vs,
					   cases[i].max, cases[i].flags,
					   cases[i].numa, NULL);
			side_close(s, r[s]);
		}
		if (!same_result(r[0], r[1]))
			T_FAIL("case %zu: kernel %s kbpf %s", i,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
}

KBPF_TEST(
	prog_array_elem_diff,
	"PROG_ARRAY commands: fds in, ids out, flags, ranges, wrong fds, owner type, next key, as the kernel")
{
	long pa[2], p_raw[2], p_raw2[2], p_sys[2], p_eat[2], mfd[2];
	int n = 0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		pa[s] = side_create(s, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0,
				    NULL);
		mfd[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		p_raw[s] = load_ret(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 1);
		p_raw2[s] = load_ret(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 2);
		p_sys[s] = load_ret(s, BPF_PROG_TYPE_SYSCALL, 0, 3);
		p_eat[s] = load_ret(s, BPF_PROG_TYPE_RAW_TRACEPOINT,
				    BPF_TRACE_RAW_TP, 4);
		T_ASSERT(pa[s] >= 0 && mfd[s] >= 0 && p_raw[s] >= 0 &&
			 p_raw2[s] >= 0 && p_sys[s] >= 0);
	}
	/* Steps: command, key, value source, flags. */
	enum { V_RAW, V_RAW2, V_SYS, V_EAT, V_MAP, V_BAD, V_NONE };
	static const struct {
		int cmd;
		uint32_t key;
		int val;
		uint64_t flags;
	} steps[] = {
		{ BPF_MAP_LOOKUP_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_RAW, 1 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_RAW, 2 },
		{ BPF_MAP_UPDATE_ELEM, 4, V_RAW, 0 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_MAP, 0 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_BAD, 0 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_RAW, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_UPDATE_ELEM, 1, V_SYS, 0 },
		{ BPF_MAP_UPDATE_ELEM, 1, V_EAT, 0 },
		{ BPF_MAP_UPDATE_ELEM, 0, V_RAW2, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 1, V_NONE, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 9, V_NONE, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 0, V_NONE, BPF_F_LOCK },
		{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_DELETE_ELEM, 1, V_NONE, 0 },
		{ BPF_MAP_DELETE_ELEM, 9, V_NONE, 0 },
		{ BPF_MAP_DELETE_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_LOOKUP_ELEM, 0, V_NONE, 0 },
		{ BPF_MAP_DELETE_ELEM, 0, V_NONE, 0 },
	};
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		long r[2] = { 0, 0 };
		uint32_t out[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			uint32_t key = steps[i].key, val = 0;
			long fds[] = { p_raw[s], p_raw2[s], p_sys[s], p_eat[s],
				       mfd[s],	 9999,	    0 };

			val = (uint32_t)fds[steps[i].val];
			r[s] = side_elem(s, steps[i].cmd, pa[s], &key,
					 steps[i].cmd == BPF_MAP_UPDATE_ELEM ?
						 (void *)&val :
						 (void *)&out[s],
					 steps[i].flags);
		}
		n++;
		if (r[0] != r[1])
			T_FAIL("step %zu (cmd %d key %u): kernel %s kbpf %s", i,
			       steps[i].cmd, steps[i].key,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		/* A lookup gives the id of the program in the slot. */
		if (steps[i].cmd == BPF_MAP_LOOKUP_ELEM && !r[0]) {
			for (int s = 0; s < 2; s++) {
				long want =
					prog_id(s, steps[i].key == 0 && i < 10 ?
							   p_raw[s] :
							   p_raw2[s]);

				if (out[s] != (uint32_t)want)
					T_FAIL("step %zu side %d: id %u, program id %ld",
					       i, s, out[s], want);
			}
		}
	}
	/* Next key runs as an array's. */
	for (int k = -1; k < 6; k++) {
		long r[2] = { 0, 0 };
		uint32_t next[2] = { 77, 77 }, key = (uint32_t)k;

		for (int s = 0; s < 2; s++)
			r[s] = side_next_key(s, pa[s], k < 0 ? NULL : &key,
					     &next[s]);
		T_EQ(r[1], r[0]);
		T_EQ(next[1], next[0]);
		n++;
	}
	/* A program loaded with the array must suit its owner. */
	for (int t = 0; t < 2; t++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			struct prog p = { .n = 0 };

			emit_ld_map(&p, 1, pa[s]);
			emit(&p, MOV_K(0, 0));
			emit(&p, EXIT);
			r[s] = load(s,
				    t ? BPF_PROG_TYPE_SOCKET_FILTER :
					BPF_PROG_TYPE_RAW_TRACEPOINT,
				    0, &p);
			side_close(s, r[s]);
		}
		n++;
		if (!same_result(r[0], r[1]))
			T_FAIL("owner load %d: kernel %s kbpf %s", t,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
	for (int s = 0; s < 2; s++) {
		side_close(s, pa[s]);
		side_close(s, mfd[s]);
		side_close(s, p_raw[s]);
		side_close(s, p_raw2[s]);
		side_close(s, p_sys[s]);
		side_close(s, p_eat[s]);
	}
	printf("  %d PROG_ARRAY steps compared with the kernel\n", n);
}

/* ---- tail calls ---- */

struct world {
	long pa, cnt; /* prog array (8 slots), run counter (ARRAY, 1 x u64) */
	long progs[8];
};

/* An index the verifier cannot know: the context's first argument. */
#define IDX_CTX 0xffffffffffffffffULL

/*
 * A program that counts its run in cnt[0], makes the tail calls in
 * @idx (index values, u64, or IDX_CTX), then returns @ret (or, when
 * @ret < 0, the context's first argument).
 */
static long load_tc(int side, struct world *w, const uint64_t *idx, int nidx,
		    int32_t ret)
{
	struct prog p = { .n = 0 };

	emit(&p, MOV_X(6, 1));
	emit(&p, I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0));
	emit_ld_map(&p, 1, w->cnt);
	emit(&p, MOV_X(2, 10));
	emit(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4));
	emit(&p, CALL(BPF_FUNC_map_lookup_elem));
	emit(&p, I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0));
	emit(&p, MOV_K(1, 1));
	emit(&p, I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD));
	for (int i = 0; i < nidx; i++) {
		emit(&p, MOV_X(1, 6));
		emit_ld_map(&p, 2, w->pa);
		if (idx[i] == IDX_CTX)
			emit(&p, I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0));
		else
			emit_ld64(&p, 3, idx[i]);
		emit(&p, CALL(BPF_FUNC_tail_call));
	}
	if (ret < 0)
		emit(&p, I(BPF_LDX | BPF_MEM | BPF_DW, 0, 6, 0, 0));
	else
		emit(&p, MOV_K(0, ret));
	emit(&p, EXIT);
	return load(side, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &p);
}

static int put_slot(int side, struct world *w, uint32_t slot, long fd)
{
	uint32_t v = (uint32_t)fd;

	return (int)side_elem(side, BPF_MAP_UPDATE_ELEM, w->pa, &slot, &v, 0);
}

static uint64_t runs(int side, struct world *w)
{
	uint32_t k = 0;
	uint64_t v = 0;

	side_elem(side, BPF_MAP_LOOKUP_ELEM, w->cnt, &k, &v, 0);
	return v;
}

static void reset_runs(int side, struct world *w)
{
	uint32_t k = 0;
	uint64_t v = 0;

	side_elem(side, BPF_MAP_UPDATE_ELEM, w->cnt, &k, &v, 0);
}

KBPF_TEST(
	tail_call_diff,
	"tail-call chains: return value and runs (limit 33, empty slots and out-of-range indexes not counted, u32 index) equal the kernel's")
{
	/* Each scenario: slot programs (tail calls, return) and the entry slot. */
	static const struct {
		const char *what;
		int nprogs;
		uint64_t idx[4][4];
		int nidx[4];
		int32_t ret[4];
		uint64_t arg; /* the context's first argument (0: 4242) */
	} sc[] = {
		{ .what = "self loop",
		  .nprogs = 1,
		  .idx = { { 0 } },
		  .nidx = { 1 },
		  .ret = { 1000 } },
		{ .what = "chain 0->1->2",
		  .nprogs = 3,
		  .idx = { { 1 }, { 2 } },
		  .nidx = { 1, 1, 0 },
		  .ret = { 10, 11, -1 } },
		{ .what = "empty slots do not count",
		  .nprogs = 1,
		  .idx = { { IDX_CTX, IDX_CTX, 0 } },
		  .nidx = { 3 },
		  .ret = { 5 },
		  .arg = 5 },
		{ .what = "out of range does not count",
		  .nprogs = 1,
		  .idx = { { 100, 0 } },
		  .nidx = { 2 },
		  .ret = { 6 } },
		{ .what = "u32 index",
		  .nprogs = 1,
		  .idx = { { 1ULL << 32 } },
		  .nidx = { 1 },
		  .ret = { 7 } },
		{ .what = "ping-pong",
		  .nprogs = 2,
		  .idx = { { 1 }, { 0 } },
		  .nidx = { 1, 1 },
		  .ret = { 20, 21 } },
		{ .what = "missing slot falls through",
		  .nprogs = 1,
		  .idx = { { 3 } },
		  .nidx = { 1 },
		  .ret = { 8 } },
	};
	struct world w[2];
	int n = 0;

	NEED_KERNEL();
	for (size_t c = 0; c < sizeof(sc) / sizeof(sc[0]); c++) {
		uint32_t ret[2] = { 0, 0 };
		long r[2] = { 0, 0 };
		uint64_t cnt[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			memset(&w[s], 0, sizeof(w[s]));
			w[s].pa = side_create(s, BPF_MAP_TYPE_PROG_ARRAY, 4, 4,
					      8, 0, 0, NULL);
			w[s].cnt = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1,
					       0, 0, NULL);
			T_ASSERT(w[s].pa >= 0 && w[s].cnt >= 0);
			for (int i = 0; i < sc[c].nprogs; i++) {
				w[s].progs[i] = load_tc(s, &w[s], sc[c].idx[i],
							sc[c].nidx[i],
							sc[c].ret[i]);
				if (w[s].progs[i] < 0)
					T_FAIL("%s: side %d load %s",
					       sc[c].what, s,
					       oracle_errno_name(
						       w[s].progs[i]));
				T_EQ(put_slot(s, &w[s], (uint32_t)i,
					      w[s].progs[i]),
				     0);
			}
			reset_runs(s, &w[s]);
			r[s] = run(s, w[s].progs[0],
				   sc[c].arg ? sc[c].arg : 4242, &ret[s]);
			cnt[s] = runs(s, &w[s]);
		}
		n++;
		if (r[0] != r[1] || ret[0] != ret[1] || cnt[0] != cnt[1])
			T_FAIL("%s: kernel %s ret %u runs %llu; kbpf %s ret %u runs %llu",
			       sc[c].what, oracle_errno_name(r[0]), ret[0],
			       (unsigned long long)cnt[0],
			       oracle_errno_name(r[1]), ret[1],
			       (unsigned long long)cnt[1]);
		printf("  %-28s retval %u, %llu runs\n", sc[c].what, ret[1],
		       (unsigned long long)cnt[1]);
		for (int s = 0; s < 2; s++) {
			for (int i = 0; i < sc[c].nprogs; i++)
				side_close(s, w[s].progs[i]);
			side_close(s, w[s].pa);
			side_close(s, w[s].cnt);
		}
	}
	printf("  %d tail-call scenarios compared with the kernel\n", n);
}

KBPF_TEST(
	prog_array_cycle_freed,
	"a program stored in the prog array it tail-calls through is freed when the fds close (no leak)")
{
	long live = kbpf_posix_live_allocs();
	struct world w;
	static const uint64_t self[1] = { 0 };
	uint32_t ret = 0;

	memset(&w, 0, sizeof(w));
	w.pa = side_create(SIDE_KBPF, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, 0, 0,
			   NULL);
	w.cnt = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
	T_ASSERT(w.pa >= 0 && w.cnt >= 0);
	w.progs[0] = load_tc(SIDE_KBPF, &w, self, 1, 3);
	T_ASSERT(w.progs[0] >= 0);
	T_EQ(put_slot(SIDE_KBPF, &w, 0, w.progs[0]), 0);
	T_EQ(run(SIDE_KBPF, w.progs[0], 0, &ret), 0);
	T_EQ(ret, 3);
	T_EQ(runs(SIDE_KBPF, &w), 34);
	/* The program's fd goes first: the array still holds it. */
	side_close(SIDE_KBPF, w.progs[0]);
	T_NE(kbpf_posix_live_allocs(), live);
	side_close(SIDE_KBPF, w.cnt);
	side_close(SIDE_KBPF, w.pa);
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(
	tail_call_modes,
	"the interpreter's fast and checked modes make the same 33 tail calls; a tail call from a subprogram stops the run")
{
	static const uint64_t self[1] = { 0 };
	struct world w;
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	uint64_t ctx[1] = { 0 }, r0;

	memset(&w, 0, sizeof(w));
	w.pa = side_create(SIDE_KBPF, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, 0, 0,
			   NULL);
	w.cnt = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
	w.progs[0] = load_tc(SIDE_KBPF, &w, self, 1, 9);
	T_ASSERT(w.pa >= 0 && w.cnt >= 0 && w.progs[0] >= 0);
	T_EQ(put_slot(SIDE_KBPF, &w, 0, w.progs[0]), 0);
	obj = kbpf_posix_fd_obj((int)w.progs[0]);
	T_ASSERT(obj != NULL);
	prog = (struct kbpf_prog *)obj;
	for (int mode = 0; mode < 2; mode++) {
		struct kbpf_interp_args args = {
			.ctx = ctx,
			.ctx_size = sizeof(ctx),
			.mode = mode ? KBPF_INTERP_CHECKED : KBPF_INTERP_FAST,
		};

		reset_runs(SIDE_KBPF, &w);
		r0 = 0;
		T_EQ(kbpf_interp_run(prog, kbpf_posix_host(), &args, &r0), 0);
		T_EQ(r0, 9);
		T_EQ(runs(SIDE_KBPF, &w), 34);
	}
	kbpf_obj_put(obj);

	/* main: call sub; exit. sub: the tail call. */
	{
		struct prog p = { .n = 0 };
		long fd;
		uint32_t ret = 0;

		emit(&p, I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2));
		emit(&p, MOV_K(0, 1));
		emit(&p, EXIT);
		emit_ld_map(&p, 2, w.pa);
		emit(&p, MOV_K(3, 0));
		emit(&p, CALL(BPF_FUNC_tail_call));
		emit(&p, MOV_K(0, 2));
		emit(&p, EXIT);
		fd = load(SIDE_KBPF, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &p);
		T_ASSERT(fd >= 0);
		T_EQ(run(SIDE_KBPF, fd, 0, &ret), -EOPNOTSUPP);
		side_close(SIDE_KBPF, fd);
	}
	side_close(SIDE_KBPF, w.progs[0]);
	side_close(SIDE_KBPF, w.cnt);
	side_close(SIDE_KBPF, w.pa);
}

/* ---- programs may not write fd arrays (issue #12) ---- */

/* A map of @type for @side; map-in-maps get an inner ARRAY template. */
static long create_fd_map(int side, uint32_t type)
{
	union bpf_attr a;
	long inner = -1, fd;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 4;
	if (type == BPF_MAP_TYPE_ARRAY_OF_MAPS ||
	    type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		inner = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0,
				    NULL);
		if (inner < 0)
			return inner;
		a.inner_map_fd = (uint32_t)inner;
	}
	fd = side_bpf(side, BPF_MAP_CREATE, &a);
	side_close(side, inner);
	return fd;
}

/* r0 = bpf_map_delete_elem(map, &key 0) or bpf_map_update_elem(.., 0). */
static long load_writer(int side, long map_fd, int helper)
{
	struct prog p = { .n = 0 };

	emit(&p, I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0));
	emit(&p, I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0));
	emit_ld_map(&p, 1, map_fd);
	emit(&p, MOV_X(2, 10));
	emit(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4));
	if (helper == BPF_FUNC_map_update_elem) {
		emit(&p, MOV_X(3, 10));
		emit(&p, I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16));
		emit(&p, MOV_K(4, BPF_ANY));
	}
	emit(&p, CALL(helper));
	emit(&p, EXIT);
	return load(side, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, &p);
}

KBPF_TEST(
	fd_map_prog_writes_refused,
	"bpf_map_update_elem/delete_elem on fd arrays and map-in-maps: the kernel refuses at load, kbpf (no verifier) at run time with -EINVAL, and the slot stays")
{
	static const uint32_t types[] = {
		BPF_MAP_TYPE_PROG_ARRAY,   BPF_MAP_TYPE_PERF_EVENT_ARRAY,
		BPF_MAP_TYPE_CGROUP_ARRAY, BPF_MAP_TYPE_ARRAY_OF_MAPS,
		BPF_MAP_TYPE_HASH_OF_MAPS,
	};
	static const int helpers[] = { BPF_FUNC_map_delete_elem,
				       BPF_FUNC_map_update_elem };
	long live = kbpf_posix_live_allocs();

	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (size_t f = 0; f < 2; f++) {
			long m = create_fd_map(SIDE_KBPF, types[t]), k, fd;
			uint32_t ret = 1, key = 0, id = 0;

			T_ASSERT(m >= 0);
			if (oracle_available(NULL)) {
				k = create_fd_map(SIDE_KERNEL, types[t]);
				T_ASSERT(k >= 0);
				fd = load_writer(SIDE_KERNEL, k, helpers[f]);
				if (fd >= 0)
					T_FAIL("kernel loaded helper %d on map type %u",
					       helpers[f], types[t]);
				T_EQ(fd, -EINVAL);
				side_close(SIDE_KERNEL, fd);
				side_close(SIDE_KERNEL, k);
			}
			fd = load_writer(SIDE_KBPF, m, helpers[f]);
			T_ASSERT(fd >= 0);
			/* A prog array holding the writer itself: it stays. */
			if (types[t] == BPF_MAP_TYPE_PROG_ARRAY) {
				uint32_t v = (uint32_t)fd;

				T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM,
					       m, &key, &v, 0),
				     0);
			}
			T_EQ(run(SIDE_KBPF, fd, 0, &ret), 0);
			T_EQ((int32_t)ret, -EINVAL);
			if (types[t] == BPF_MAP_TYPE_PROG_ARRAY) {
				T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM,
					       m, &key, &id, 0),
				     0);
				T_EQ(id, (uint32_t)prog_id(SIDE_KBPF, fd));
			}
			side_close(SIDE_KBPF, fd);
			side_close(SIDE_KBPF, m);
		}
	}
	T_EQ(kbpf_posix_live_allocs(), live);
}
