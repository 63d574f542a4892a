// SPDX-License-Identifier: MIT
/*
 * Open-coded iterators (bpf_iter_num_new/next/destroy: bpf_for(),
 * bpf_repeat()) against the kernel: each program below is loaded on this
 * kernel and on kbpf (POSIX host, verifier ENFORCE, this kernel's BTF as
 * the host BTF, kfunc ids looked up by name at run time), and both must
 * accept or refuse it with the same errno and the same last log line;
 * the processed instruction counts of both are printed. Accepted programs
 * are run on both with BPF_PROG_TEST_RUN (kbpf: interpreted and, where the
 * host compiles programs, natively) and the results compared.
 *
 * The programs: bpf_for summing a map value array with the index
 * bounds-checked, bpf_repeat, loops of unknown count, nested iterators,
 * the runtime rules (empty, reversed, too large and negative ranges, the
 * state after exhaustion), a leaked iterator, double destroy, _next
 * without _new, _new twice, the `int *` used after the loop and after the
 * destroy, writes through it, iterators at misaligned, out-of-frame and
 * overwritten stack slots, an iterator passed to a subprogram, and a loop
 * that never converges.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf/uapi/btf.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#include "vinsn.h"

static const char *const kf_names[] = { "bpf_iter_num_new", "bpf_iter_num_next",
					"bpf_iter_num_destroy" };
enum { K_NEW, K_NEXT, K_DESTROY };

#define KFM 0x7f000000
#define KF(k) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_KFUNC_CALL, 0, KFM + (k))
/* r1 = r10 + off; r2 = start; r3 = end; bpf_iter_num_new(r1, r2, r3) */
#define NEW(off, s, e) \
	MOVR(1, 10), ALU(BPF_ADD, 1, off), MOV(2, s), MOV(3, e), KF(K_NEW)
#define NEXT(off) MOVR(1, 10), ALU(BPF_ADD, 1, off), KF(K_NEXT)
#define DESTROY(off) MOVR(1, 10), ALU(BPF_ADD, 1, off), KF(K_DESTROY)
#define RET0 MOV(0, 0), EXIT

#define NINSN 48

struct icase {
	const char *name;
	uint32_t type;
	bool run; /* run it on both */
	bool quiet; /* load without a log (the log would overflow) */
	bool slow; /* seconds per side: only with KBPF_ITER_SLOW set */
	struct bpf_insn insns[NINSN];
};

static const struct icase icases[] = {
	/* bpf_for(i, 0, 16) sum += v[i], the index checked: 1+...+16 */
	{ "for_sum_map_value", CLS, .run = true,
	  .insns = { LOOKUP(0), MOVR(6, 0), JI(BPF_JEQ, 6, 0, 23), MOV(7, 0),
		     NEW(-16, 0, 16), NEXT(-16), JI(BPF_JEQ, 0, 0, 8),
		     LDX(BPF_W, 1, 0, 0), JI(BPF_JGT, 1, 15, -6),
		     ALU(BPF_LSH, 1, 2), MOVR(2, 6), ALUR(BPF_ADD, 2, 1),
		     LDX(BPF_W, 3, 2, 0), ALUR(BPF_ADD, 7, 3), JA(-12),
		     DESTROY(-16), MOVR(0, 7), EXIT, RET0 } },
	/* the same without the bounds check: the index is any int */
	{ "for_sum_unchecked_index", CLS,
	  .insns = { LOOKUP(0), MOVR(6, 0), JI(BPF_JEQ, 6, 0, 22), MOV(7, 0),
		     NEW(-16, 0, 16), NEXT(-16), JI(BPF_JEQ, 0, 0, 7),
		     LDX(BPF_W, 1, 0, 0), ALU(BPF_LSH, 1, 2), MOVR(2, 6),
		     ALUR(BPF_ADD, 2, 1), LDX(BPF_W, 3, 2, 0),
		     ALUR(BPF_ADD, 7, 3), JA(-11), DESTROY(-16), MOVR(0, 7),
		     EXIT, RET0 } },
	/* bpf_repeat(10) { n++ } */
	{ "repeat_count", CLS, .run = true,
	  .insns = { MOV(6, 0), NEW(-8, 0, 10), NEXT(-8), JI(BPF_JEQ, 0, 0, 2),
		     ALU(BPF_ADD, 6, 1), JA(-6), DESTROY(-8), MOVR(0, 6),
		     EXIT } },
	/* a count the verifier does not know */
	{ "repeat_unknown_count", CLS,
	  .insns = { CALL(BPF_FUNC_get_prandom_u32), MOVR(3, 0),
		     ALU(BPF_AND, 3, 1023), MOV(6, 0), MOVR(1, 10),
		     ALU(BPF_ADD, 1, -8), MOV(2, 0), KF(K_NEW), NEXT(-8),
		     JI(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 6, 1), JA(-6),
		     DESTROY(-8), MOVR(0, 6), EXIT } },
	/* the values: 5 + 6 + 7, then NULL again after the end: +100 */
	{ "values_and_exhaustion", CLS, .run = true,
	  .insns = { MOV(6, 0), NEW(-8, 5, 8), NEXT(-8), JI(BPF_JEQ, 0, 0, 3),
		     LDX(BPF_W, 1, 0, 0), ALUR(BPF_ADD, 6, 1), JA(-7), NEXT(-8),
		     JI(BPF_JNE, 0, 0, 1), ALU(BPF_ADD, 6, 100), DESTROY(-8),
		     MOVR(0, 6), EXIT } },
	/* negative values: -3 + -2 + -1 + 0 + 1 */
	{ "negative_range", CLS, .run = true,
	  .insns = { MOV(6, 0), NEW(-8, -3, 2), NEXT(-8), JI(BPF_JEQ, 0, 0, 3),
		     LDX(BPF_W, 1, 0, 0), ALUR(BPF_ADD, 6, 1), JA(-7),
		     DESTROY(-8), MOVR(0, 6), EXIT } },
/* _new's result and the number of values, for odd ranges */
#define RANGE_CASE(nm, s, e)                     \
	{                                        \
		nm, CLS, .run = true, .insns = { \
			MOV(6, 0),               \
			NEW(-8, s, e),           \
			MOVR(7, 0),              \
			NEXT(-8),                \
			JI(BPF_JEQ, 0, 0, 2),    \
			ALU(BPF_ADD, 6, 1),      \
			JA(-6),                  \
			DESTROY(-8),             \
			ALU(BPF_LSH, 7, 8),      \
			ALUR(BPF_ADD, 6, 7),     \
			MOVR(0, 6),              \
			EXIT                     \
		}                                \
	}
	RANGE_CASE("range_empty", 4, 4),
	RANGE_CASE("range_reversed", 5, 2),
	RANGE_CASE("range_too_large", 0, 0x7fffffff),
	RANGE_CASE("range_int_min_max", (int32_t)0x80000000, 0x7fffffff),
	RANGE_CASE("range_max_loops", 0, 8 * 1024 * 1024 + 1),
	RANGE_CASE("range_at_int_max", 0x7ffffffd, 0x7fffffff),
	/* nested: 4 x 5 */
	{ "nested", CLS, .run = true,
	  .insns = { MOV(6, 0), NEW(-8, 0, 4), NEXT(-8), JI(BPF_JEQ, 0, 0, 15),
		     NEW(-16, 0, 5), NEXT(-16), JI(BPF_JEQ, 0, 0, 2),
		     ALU(BPF_ADD, 6, 1), JA(-6), DESTROY(-16), JA(-19),
		     DESTROY(-8), MOVR(0, 6), EXIT } },
	/* nested, the inner iterator leaked on each outer iteration */
	{ "nested_inner_leak", CLS,
	  .insns = { MOV(6, 0), NEW(-8, 0, 4), NEXT(-8), JI(BPF_JEQ, 0, 0, 12),
		     NEW(-16, 0, 5), NEXT(-16), JI(BPF_JEQ, 0, 0, 2),
		     ALU(BPF_ADD, 6, 1), JA(-6), JA(-16), DESTROY(-8),
		     MOVR(0, 6), EXIT } },
	{ "leak", CLS, .insns = { NEW(-8, 0, 3), RET0 } },
	{ "leak_after_loop", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), JI(BPF_JNE, 0, 0, -4), RET0 } },
	{ "double_destroy", CLS,
	  .insns = { NEW(-8, 0, 3), DESTROY(-8), DESTROY(-8), RET0 } },
	{ "next_without_new", CLS,
	  .insns = { ST(BPF_DW, 10, -8, 0), NEXT(-8), RET0 } },
	{ "destroy_without_new", CLS,
	  .insns = { ST(BPF_DW, 10, -8, 0), DESTROY(-8), RET0 } },
	{ "next_after_destroy", CLS,
	  .insns = { NEW(-8, 0, 3), DESTROY(-8), NEXT(-8), RET0 } },
	{ "new_twice", CLS,
	  .insns = { NEW(-8, 0, 3), NEW(-8, 0, 3), DESTROY(-8), RET0 } },
	{ "new_destroy_new", CLS, .run = true,
	  .insns = { NEW(-8, 0, 3), DESTROY(-8), NEW(-8, 1, 2), NEXT(-8),
		     MOV(6, 0), JI(BPF_JEQ, 0, 0, 1), LDX(BPF_W, 6, 0, 0),
		     DESTROY(-8), MOVR(0, 6), EXIT } },
	/* the int * kept past the loop, read before the destroy: 0 then */
	{ "ptr_after_loop", CLS, .run = true,
	  .insns = { MOV(6, 7), NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 7),
		     MOVR(8, 0), NEXT(-8), JI(BPF_JEQ, 0, 0, 1), JA(-5),
		     LDX(BPF_W, 6, 8, 0), DESTROY(-8), MOVR(0, 6), EXIT } },
	{ "ptr_after_destroy", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 6), MOVR(8, 0),
		     DESTROY(-8), LDX(BPF_W, 0, 8, 0), EXIT, DESTROY(-8),
		     RET0 } },
	{ "ptr_unchecked", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), LDX(BPF_W, 6, 0, 0), DESTROY(-8),
		     RET0 } },
	{ "ptr_write", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 1),
		     ST(BPF_W, 0, 0, 5), DESTROY(-8), RET0 } },
	{ "ptr_read_past_int", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 1),
		     LDX(BPF_W, 6, 0, 4), DESTROY(-8), RET0 } },
	{ "ptr_read_dw", CLS,
	  .insns = { NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 1),
		     LDX(BPF_DW, 6, 0, 0), DESTROY(-8), RET0 } },
	/* stack slots: misaligned, too close to the frame's top, outside */
	{ "misaligned", CLS, .insns = { NEW(-12, 0, 3), DESTROY(-12), RET0 } },
	{ "too_small_top", CLS, .insns = { NEW(-4, 0, 3), RET0 } },
	{ "at_fp", CLS, .insns = { NEW(0, 0, 3), RET0 } },
	{ "above_fp", CLS, .insns = { NEW(8, 0, 3), RET0 } },
	{ "top_slot", CLS, .run = true,
	  .insns = { NEW(-512, 0, 3), NEXT(-512), DESTROY(-512), RET0 } },
	{ "below_frame", CLS, .insns = { NEW(-520, 0, 3), RET0 } },
	{ "variable_offset", CLS,
	  .insns = { CALL(BPF_FUNC_get_prandom_u32), ALU(BPF_AND, 0, 8),
		     MOVR(1, 10), ALU(BPF_ADD, 1, -16), ALUR(BPF_SUB, 1, 0),
		     MOV(2, 0), MOV(3, 3), KF(K_NEW), RET0 } },
	{ "not_stack", CLS,
	  .insns = { MOV(2, 0), MOV(3, 3), KF(K_NEW), RET0 } },
	{ "scalar_arg", CLS,
	  .insns = { MOV(1, 0), MOV(2, 0), MOV(3, 3), KF(K_NEW), RET0 } },
	/* a store over the iterator */
	{ "overwritten", CLS,
	  .insns = { NEW(-8, 0, 3), ST(BPF_DW, 10, -8, 0), DESTROY(-8),
		     RET0 } },
	{ "overwritten_half", CLS,
	  .insns = { NEW(-8, 0, 3), ST(BPF_W, 10, -4, 0), NEXT(-8), DESTROY(-8),
		     RET0 } },
	{ "read_iter_bytes", CLS,
	  .insns = { NEW(-8, 0, 3), LDX(BPF_DW, 6, 10, -8), DESTROY(-8),
		     RET0 } },
	/* a helper reading the iterator's bytes as a map key */
	{ "helper_reads_iter", CLS,
	  .insns = { NEW(-8, 0, 3), LDMAP(1, 0), MOVR(2, 10),
		     ALU(BPF_ADD, 2, -8), CALL(BPF_FUNC_map_lookup_elem),
		     DESTROY(-8), RET0 } },
	/* a helper writing over it (skb_load_bytes into the slot) */
	{ "helper_writes_iter", CLS,
	  .insns = { MOVR(6, 1), NEW(-8, 0, 3), MOVR(1, 6), MOV(2, 0),
		     MOVR(3, 10), ALU(BPF_ADD, 3, -8), MOV(4, 8),
		     CALL(BPF_FUNC_skb_load_bytes), DESTROY(-8), RET0 } },
	/* libbpf's bpf_for() shape: i = *p, then start <= i < end, signed */
	{ "bpf_for_shape", CLS, .run = true,
	  .insns = { LOOKUP(0),
		     MOVR(6, 0),
		     JI(BPF_JEQ, 6, 0, 24),
		     MOV(7, 0),
		     NEW(-16, 2, 9),
		     NEXT(-16),
		     JI(BPF_JEQ, 0, 0, 9),
		     LDX(BPF_W, 1, 0, 0),
		     J32I(BPF_JSLT, 1, 2, 7),
		     J32I(BPF_JSGT, 1, 8, 6),
		     ALU(BPF_LSH, 1, 2),
		     MOVR(2, 6),
		     ALUR(BPF_ADD, 2, 1),
		     LDX(BPF_W, 3, 2, 0),
		     ALUR(BPF_ADD, 7, 3),
		     JA(-13),
		     DESTROY(-16),
		     MOVR(0, 7),
		     EXIT,
		     RET0 } },
	/* an iterator on a subprogram's own stack, looped and destroyed there */
	{ "subprog_own_iter", CLS, .run = true,
	  .insns = { CALLP(1), EXIT, MOV(6, 0), NEW(-8, 0, 7), NEXT(-8),
		     JI(BPF_JEQ, 0, 0, 2), ALU(BPF_ADD, 6, 1), JA(-6),
		     DESTROY(-8), MOVR(0, 6), EXIT } },
	/* a bounded loop inside the iterator's loop */
	{ "inner_bounded_loop", CLS, .run = true,
	  .insns = { MOV(6, 0), NEW(-8, 0, 3), NEXT(-8), JI(BPF_JEQ, 0, 0, 5),
		     MOV(7, 0), ALU(BPF_ADD, 7, 1), JI(BPF_JLT, 7, 4, -2),
		     ALUR(BPF_ADD, 6, 7), JA(-9), DESTROY(-8), MOVR(0, 6),
		     EXIT } },
	/* the iterator's pointer passed to a subprogram that loops on it */
	{ "subprog_loop", CLS, .run = true,
	  .insns = { NEW(-8, 0, 6), MOVR(1, 10), ALU(BPF_ADD, 1, -8), CALLP(6),
		     MOVR(6, 0), DESTROY(-8), MOVR(0, 6), EXIT, MOVR(6, 1),
		     MOV(7, 0), MOVR(1, 6), KF(K_NEXT), JI(BPF_JEQ, 0, 0, 2),
		     ALU(BPF_ADD, 7, 1), JA(-5), MOVR(0, 7), EXIT } },
	/* a subprogram that creates and leaks one */
	{ "subprog_leak", CLS,
	  .insns = { CALLP(2), RET0, NEW(-8, 0, 3), RET0 } },
	/*
	 * a counter the body indexes with: each iteration is explored with
	 * its exact value (no widening of a precise scalar) until the index
	 * leaves the value
	 */
	{ "counter_index_oob", CLS,
	  .insns = { LOOKUP(0), MOVR(6, 0), JI(BPF_JEQ, 6, 0, 20), MOV(7, 0),
		     NEW(-16, 0, 100), NEXT(-16), JI(BPF_JEQ, 0, 0, 7),
		     MOVR(1, 7), ALU(BPF_LSH, 1, 2), MOVR(2, 6),
		     ALUR(BPF_ADD, 2, 1), ST(BPF_W, 2, 0, 1),
		     ALU(BPF_ADD, 7, 1), JA(-11), DESTROY(-16), RET0 } },
	/*
	 * the same masked: never out of bounds, never converging, until
	 * the 1M instruction limit (slow: KBPF_ITER_SLOW=1)
	 */
	{ "no_convergence", CLS, .quiet = true, .slow = true,
	  .insns = { LOOKUP(0), MOVR(6, 0), JI(BPF_JEQ, 6, 0, 21), MOV(7, 0),
		     NEW(-16, 0, 100), NEXT(-16), JI(BPF_JEQ, 0, 0, 8),
		     MOVR(1, 7), ALU(BPF_AND, 1, 15), ALU(BPF_LSH, 1, 2),
		     MOVR(2, 6), ALUR(BPF_ADD, 2, 1), ST(BPF_W, 2, 0, 1),
		     ALU(BPF_ADD, 7, 1), JA(-12), DESTROY(-16), RET0 } },
};

static char logs[2][1 << 20];

/* @c's instructions, kfunc ids and the map fd @map_fd filled in. */
static int resolve(const struct icase *c, long map_fd, struct bpf_insn *out,
		   uint32_t *n)
{
	uint32_t len = 0;

	for (uint32_t i = 0; i < NINSN; i++)
		if (c->insns[i].code)
			len = i + 1;
	for (uint32_t i = 0; i < len; i++) {
		int32_t imm = c->insns[i].imm;

		out[i] = c->insns[i];
		if (out[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    imm == MAPREF) {
			out[i].imm = (int32_t)map_fd;
		} else if (out[i].src_reg == BPF_PSEUDO_KFUNC_CALL &&
			   imm >= KFM && imm < KFM + 3) {
			uint32_t id = kbpf_btf_find(&vbtf, BTF_KIND_FUNC,
						    kf_names[imm - KFM]);

			if (!id)
				return -1;
			out[i].imm = (int32_t)id;
		}
	}
	*n = len;
	return 0;
}

/* The last line of @log that is not "processed ...", and that count. */
static void why_line(const char *log, char *out, size_t n, long *processed)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	*processed = -1;
	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10)) {
			best = p;
			len = (size_t)(end - p);
		} else {
			*processed = strtol(p + 10, NULL, 10);
		}
		p = *end ? end + 1 : end;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, best, len);
	out[len] = 0;
}

static long load(int side, const struct icase *c, const struct bpf_insn *in,
		 uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = c->type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)in;
	a.license = (uint64_t)(uintptr_t) "GPL";
	logs[side][0] = 0;
	if (!c->quiet) {
		a.log_level = getenv("KBPF_ITER_L2") ? 2 : 1;
		a.log_size = sizeof(logs[side]);
		a.log_buf = (uint64_t)(uintptr_t)logs[side];
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* bpf_prog_info of @fd: verified_insns (*vi) and jited_prog_len. */
static uint32_t prog_info(int side, long fd, uint32_t *vi)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	*vi = 0;
	if (side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a))
		return 0;
	*vi = info.verified_insns;
	return info.jited_prog_len;
}

/* BPF_PROG_TEST_RUN of @fd on a 64-byte frame: its retval, or -errno. */
static long run(int side, long fd)
{
	uint8_t pkt[64], out[128];
	union bpf_attr a;
	long err;

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x08;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.repeat = 1;
	err = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return err < 0 ? err : (long)(int32_t)a.test.retval;
}

/* The map of the cases: ARRAY 4/64 x1, value i+1 in int i. */
static long make_map(int side)
{
	uint32_t key = 0, val[16];
	long fd = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 64, 1, 0, 0, NULL);

	for (int i = 0; i < 16; i++)
		val[i] = (uint32_t)i + 1;
	if (fd >= 0 && side_elem(side, BPF_MAP_UPDATE_ELEM, fd, &key, val, 0))
		return -1;
	return fd;
}

KBPF_TEST(
	iter_table,
	"every iterator program of the table: kbpf (verifier ENFORCE, the kernel's BTF) accepts what the kernel accepts, refuses what it refuses with the same errno and last log line, and runs to the kernel's result, interpreted and natively")
{
	unsigned agree = 0, runs = 0, same_count = 0, native_runs = 0;
	unsigned long sum_k = 0, sum_b = 0;
	long map[2];
	int fails = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	if (!kbpf_btf_find(&vbtf, BTF_KIND_FUNC, "bpf_iter_num_new"))
		T_SKIP("this kernel has no bpf_iter_num_new");
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	for (int s = 0; s < 2; s++) {
		map[s] = make_map(s);
		T_ASSERT(map[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(icases) / sizeof(icases[0]); i++) {
		const struct icase *c = &icases[i];
		struct bpf_insn in[2][NINSN];
		char why[2][256];
		long fd[2], pc[2];
		double ms[2];
		uint32_t n;

		if (c->slow && !getenv("KBPF_ITER_SLOW")) {
			printf("  %-24s skipped (slow; KBPF_ITER_SLOW=1 runs it)\n",
			       c->name);
			agree++;
			continue;
		}
		for (int s = 0; s < 2; s++) {
			struct timespec t0, t1;

			T_EQ(resolve(c, map[s], in[s], &n), 0);
			clock_gettime(CLOCK_MONOTONIC, &t0);
			fd[s] = load(s, c, in[s], n);
			clock_gettime(CLOCK_MONOTONIC, &t1);
			ms[s] = (t1.tv_sec - t0.tv_sec) * 1000.0 +
				(t1.tv_nsec - t0.tv_nsec) / 1e6;
			why_line(logs[s], why[s], sizeof(why[s]), &pc[s]);
			if (fd[s] >= 0) {
				uint32_t vi;

				prog_info(s, fd[s], &vi);
				pc[s] = vi;
			}
		}
		printf("  %-24s kernel %ld, processed %ld (%.1f ms); kbpf %ld, processed %ld (%.1f ms)\n",
		       c->name, fd[0] >= 0 ? 0 : fd[0], pc[0], ms[0],
		       fd[1] >= 0 ? 0 : fd[1], pc[1], ms[1]);
		/* KBPF_ITER_LOG=name: both logs of that case */
		if (getenv("KBPF_ITER_LOG") &&
		    !strcmp(getenv("KBPF_ITER_LOG"), c->name))
			printf("--- kernel:\n%s--- kbpf:\n%s", logs[0],
			       logs[1]);
		if (pc[0] >= 0 && pc[1] >= 0) {
			sum_k += (unsigned long)pc[0];
			sum_b += (unsigned long)pc[1];
			same_count += pc[0] == pc[1];
		}
		if ((fd[0] >= 0) != (fd[1] >= 0) ||
		    (fd[0] < 0 && fd[0] != fd[1]) || strcmp(why[0], why[1])) {
			printf("  %s: kernel %ld '%s', kbpf %ld '%s'\n",
			       c->name, fd[0] < 0 ? fd[0] : 0, why[0],
			       fd[1] < 0 ? fd[1] : 0, why[1]);
			fails++;
		} else {
			agree++;
		}
		if (c->run && fd[0] >= 0 && fd[1] >= 0) {
			long r0 = run(SIDE_KERNEL, fd[0]);
			long r1 = run(SIDE_KBPF, fd[1]), r2 = r1;
			uint32_t vi;

			if (prog_info(SIDE_KBPF, fd[1], &vi)) {
				/* natively; then the same program interpreted */
				long ifd;

				native_runs++;
				kbpf_posix_set_jit(false);
				ifd = load(SIDE_KBPF, c, in[1], n);
				kbpf_posix_set_jit(true);
				T_ASSERT(ifd >= 0);
				T_EQ(prog_info(SIDE_KBPF, ifd, &vi), 0);
				r2 = run(SIDE_KBPF, ifd);
				side_close(SIDE_KBPF, ifd);
			}
			printf("  %-24s run: kernel %ld, kbpf %ld (interpreted %ld)\n",
			       c->name, r0, r1, r2);
			if (r0 != r1 || r1 != r2) {
				printf("  %s: run differs\n", c->name);
				fails++;
			}
			runs++;
		}
		side_close(SIDE_KERNEL, fd[0]);
		side_close(SIDE_KBPF, fd[1]);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	printf("  %u of %zu cases agree, %u run on both (%u also natively); processed counts equal in %u, in all: kernel %lu, kbpf %lu\n",
	       agree, sizeof(icases) / sizeof(icases[0]), runs, native_runs,
	       same_count, sum_k, sum_b);
	T_EQ(fails, 0);
}
