// SPDX-License-Identifier: MIT
/*
 * Issue #12, the pointer-leak rules of loaders without CAP_PERFMON. Linux's
 * verifier refuses, for such a loader (allow_ptr_leaks false), every
 * program that could put a kernel address where user space reads it; kbpf
 * has no verifier yet, so its checked mode stops such a run with -EACCES at
 * the instruction that would leak (src/interp/interp_taint.h).
 *
 * Each case is one program written as instructions. On the kernel it is
 * loaded by a forked child that keeps CAP_BPF and CAP_NET_ADMIN but drops
 * CAP_PERFMON and CAP_SYS_ADMIN (so perfmon_capable() is false, exactly
 * the loaders kbpf_prog.priv without KBPF_PRIV_PERFMON describes; with
 * CAP_BPF the unprivileged_bpf_disabled sysctl does not apply, so the test
 * does not change it under other tests): a leak case must be refused with
 * EACCES and the log line given, an allowed case must load. In kbpf the
 * same program is loaded, its priv set to what that child held, and
 * BPF_PROG_TEST_RUN must fail with -EACCES for a leak case and succeed for
 * an allowed one; with full priv, every case runs. Reading stack never
 * written is refused to such loaders too (Linux's allow_uninit_stack is
 * perfmon_capable()), so those cases are here as well.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

#include "core/priv.h"
#include "core/map.h"
#include "core/prog.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/errno.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define ST(sz, d, o, k) I(BPF_ST | BPF_MEM | (sz), d, 0, o, k)
#define ATOMIC(sz, d, s, o, op) I(BPF_STX | BPF_ATOMIC | (sz), d, s, o, op)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV32(d, s) I(BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ALU(op, d, s) I(BPF_ALU64 | (op) | BPF_X, d, s, 0, 0)
#define ALUK(op, d, k) I(BPF_ALU64 | (op) | BPF_K, d, 0, 0, k)
#define ALU32K(op, d, k) I(BPF_ALU | (op) | BPF_K, d, 0, 0, k)
#define JMP(op, d, s, o) I(BPF_JMP | (op) | BPF_X, d, s, o, 0)
#define JMPK(op, d, k, o) I(BPF_JMP | (op) | BPF_K, d, 0, o, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define LD_MAP(d, fd)                                                          \
	do {                                                                   \
		p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, \
			   (int32_t)(fd));                                     \
		p[n++] = I(0, 0, 0, 0, 0);                                     \
	} while (0)

/* __sk_buff offsets (Linux's UAPI). */
#define SKB_LEN 0
#define SKB_CB0 48
#define SKB_DATA 76
#define SKB_DATA_END 80

/* The maps every program may use: [0] ARRAY 4/16/1, [1] RINGBUF 4096. */
enum { M_ARRAY, M_RINGBUF, NR_MAPS };

/* What the kernel child held: CAP_BPF and CAP_NET_ADMIN, no PERFMON. */
#define UNPRIV (KBPF_PRIV_BPF | KBPF_PRIV_NET_ADMIN)

/* r0 = lookup(array, 0); if r0 == NULL exit 0 (r0 then holds the value). */
static uint32_t lookup0(struct bpf_insn *p, uint32_t n, const long *m)
{
	p[n++] = ST(BPF_W, 10, -4, 0);
	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = JMPK(BPF_JNE, 0, 0, 1);
	p[n++] = EXIT;
	return n;
}

/* sched_cls: r2 = data, r3 = data_end; exit 0 unless 16 bytes are there. */
static uint32_t pkt16(struct bpf_insn *p, uint32_t n)
{
	p[n++] = LDX(BPF_W, 2, 1, SKB_DATA);
	p[n++] = LDX(BPF_W, 3, 1, SKB_DATA_END);
	p[n++] = MOV(4, 2);
	p[n++] = ALUK(BPF_ADD, 4, 16);
	p[n++] = MOVK(0, 0);
	p[n++] = JMP(BPF_JLE, 4, 3, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t ret0(struct bpf_insn *p, uint32_t n)
{
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

/* ---- the cases: each builds its program for the map fds @m ---- */

static uint32_t c_ret_r10(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(0, 10);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ret_ctx(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ret_map_value(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = EXIT;
	return n;
}

static uint32_t c_store_map_value(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = STX(BPF_DW, 0, 10, 0);
	return ret0(p, n);
}

static uint32_t c_store_map_value_w(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(6, 10);
	p[n++] = STX(BPF_W, 0, 6, 4);
	return ret0(p, n);
}

static uint32_t c_store_ctx(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_W, 1, 10, SKB_CB0);
	return ret0(p, n);
}

static uint32_t c_store_pkt(struct bpf_insn *p, const long *m)
{
	uint32_t n = pkt16(p, 0);

	(void)m;
	p[n++] = STX(BPF_DW, 2, 1, 0);
	return ret0(p, n);
}

static uint32_t c_store_pkt_ptr_in_map(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = LDX(BPF_W, 6, 1, SKB_DATA);
	n = lookup0(p, n, m);
	p[n++] = STX(BPF_DW, 0, 6, 0);
	return ret0(p, n);
}

static uint32_t c_ringbuf_spilled(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = STX(BPF_DW, 10, 10, -8);
	LD_MAP(1, m[M_RINGBUF]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -8);
	p[n++] = MOVK(3, 8);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_ringbuf_output);
	return ret0(p, n);
}

static uint32_t c_update_spilled(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = ST(BPF_W, 10, -4, 0);
	p[n++] = ST(BPF_DW, 10, -24, 0);
	p[n++] = STX(BPF_DW, 10, 1, -16);
	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -24);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_map_update_elem);
	return ret0(p, n);
}

static uint32_t c_helper_scalar_arg(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = ST(BPF_DW, 10, -8, 0);
	LD_MAP(1, m[M_RINGBUF]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -8);
	p[n++] = MOVK(3, 8);
	p[n++] = MOV(4, 10);
	p[n++] = CALL(BPF_FUNC_ringbuf_output);
	return ret0(p, n);
}

static uint32_t c_cmp_ptr_k(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(0, 0);
	p[n++] = JMPK(BPF_JGT, 1, 5, 1);
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_cmp_ptr_scalar(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(0, 0);
	p[n++] = MOVK(2, 7);
	p[n++] = JMP(BPF_JGT, 2, 10, 1);
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_cmp_ptr_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(0, 0);
	p[n++] = JMP(BPF_JGT, 1, 10, 1);
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_cmp_pkt_pkt(struct bpf_insn *p, const long *m)
{
	uint32_t n = pkt16(p, 0);

	(void)m;
	p[n++] = JMP(BPF_JGT, 4, 2, 0);
	return ret0(p, n);
}

static uint32_t c_and_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_AND, 2, 0xff);
	return ret0(p, n);
}

static uint32_t c_mul_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 1);
	p[n++] = ALUK(BPF_MUL, 2, 3);
	return ret0(p, n);
}

static uint32_t c_alu32_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = ALU32K(BPF_ADD, 2, -8);
	return ret0(p, n);
}

static uint32_t c_mov32_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV32(2, 10);
	return ret0(p, n);
}

static uint32_t c_ptr_sub_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -8);
	p[n++] = ALU(BPF_SUB, 2, 10);
	return ret0(p, n);
}

static uint32_t c_ptr_add_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = ALU(BPF_ADD, 2, 1);
	return ret0(p, n);
}

static uint32_t c_scalar_sub_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(2, 0);
	p[n++] = ALU(BPF_SUB, 2, 10);
	return ret0(p, n);
}

static uint32_t c_neg_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_NEG, 2, 0);
	return ret0(p, n);
}

static uint32_t c_partial_store_spill(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 10, -8);
	p[n++] = ST(BPF_W, 10, -8, 0);
	return ret0(p, n);
}

static uint32_t c_partial_load_spill(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 1, -8);
	p[n++] = LDX(BPF_W, 0, 10, -8);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_atomic_spill(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 10, -8);
	p[n++] = MOVK(1, 1);
	p[n++] = ATOMIC(BPF_DW, 10, 1, -8, BPF_ADD);
	return ret0(p, n);
}

static uint32_t c_xchg_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(1, 10);
	p[n++] = ATOMIC(BPF_DW, 0, 1, 0, BPF_XCHG);
	return ret0(p, n);
}

static uint32_t c_atomic_add_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(1, 10);
	p[n++] = ATOMIC(BPF_DW, 0, 1, 0, BPF_ADD);
	return ret0(p, n);
}

/* bpf_loop(1, cb, fp - 8, 0) then exit 0; cb follows at p[n]. */
static uint32_t loop_main(struct bpf_insn *p)
{
	uint32_t n = 0;

	p[n++] = ST(BPF_DW, 10, -8, 0);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -8);
	p[n++] = MOVK(1, 1);
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 6);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_loop);
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = ALUK(BPF_AND, 0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_cb_ctx_into_map(struct bpf_insn *p, const long *m)
{
	uint32_t n = loop_main(p);

	p[n++] = MOV(6, 2);
	n = lookup0(p, n, m);
	p[n++] = STX(BPF_DW, 0, 6, 0);
	return ret0(p, n);
}

static uint32_t c_cb_ret_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = loop_main(p);

	n = lookup0(p, n, m);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_subprog_ret_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1);
	p[n++] = EXIT;
	p[n++] = MOV(0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_value_jmp32_zero(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = I(BPF_JMP32 | BPF_JEQ | BPF_K, 0, 0, 1, 0);
	p[n++] = MOVK(0, 1);
	return ret0(p, n);
}

static uint32_t c_ok_second_null_check(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = JMPK(BPF_JEQ, 0, 0, 1);
	p[n++] = MOVK(0, 1);
	return ret0(p, n);
}

static uint32_t c_ok_arith_or_null(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = ST(BPF_W, 10, -4, 0);
	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = ALUK(BPF_ADD, 0, 8);
	p[n++] = JMPK(BPF_JNE, 0, 0, 1);
	p[n++] = EXIT;
	p[n++] = LDX(BPF_DW, 0, 0, 0);
	return ret0(p, n);
}

static uint32_t c_direct_value_store(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_VALUE, 0,
		   (int32_t)m[M_ARRAY]);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = STX(BPF_DW, 1, 10, 0);
	return ret0(p, n);
}

static uint32_t c_jmp32_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(0, 0);
	p[n++] = I(BPF_JMP32 | BPF_JEQ | BPF_K, 1, 0, 0, 0);
	return ret0(p, n);
}

static uint32_t c_movsx_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 32, 0);
	return ret0(p, n);
}

static uint32_t c_ldsx_spill(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 10, -8);
	p[n++] = I(BPF_LDX | BPF_MEMSX | BPF_W, 0, 10, -8, 0);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ldind_ptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(6, 1);
	p[n++] = MOV(2, 10);
	p[n++] = I(BPF_LD | BPF_IND | BPF_B, 0, 2, 0, 0);
	return ret0(p, n);
}

/* skb_load_bytes(ctx, 0, fp - 8, @len) over a spilled pointer, then read. */
static uint32_t helper_over_spill(struct bpf_insn *p, int32_t len)
{
	uint32_t n = 0;

	p[n++] = STX(BPF_DW, 10, 10, -8);
	p[n++] = MOVK(2, 0);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -8);
	p[n++] = MOVK(4, len);
	p[n++] = CALL(BPF_FUNC_skb_load_bytes);
	p[n++] = LDX(BPF_W, 0, 10, -4);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_helper_half_over_spill(struct bpf_insn *p, const long *m)
{
	(void)m;
	return helper_over_spill(p, 4);
}

static uint32_t c_uninit_read(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = ST(BPF_W, 10, -8, 1);
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	return ret0(p, n);
}

static uint32_t c_uninit_key(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	return ret0(p, n);
}

static uint32_t c_uninit_subprog_frame(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = ST(BPF_DW, 10, -8, 7);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1);
	p[n++] = EXIT;
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = EXIT;
	return n;
}

/* ---- allowed ---- */

static uint32_t c_ok_helper_inits(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(2, 0);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -16);
	p[n++] = MOVK(4, 16);
	p[n++] = CALL(BPF_FUNC_skb_load_bytes);
	p[n++] = LDX(BPF_W, 0, 10, -12);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_byte_stores(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = ST(BPF_W, 10, -8, 1);
	p[n++] = ST(BPF_H, 10, -4, 2);
	p[n++] = ST(BPF_B, 10, -2, 3);
	p[n++] = ST(BPF_B, 10, -1, 4);
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = ALUK(BPF_AND, 0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_helper_over_spill(struct bpf_insn *p, const long *m)
{
	(void)m;
	return helper_over_spill(p, 8);
}

static uint32_t c_null_check_ctx(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOVK(0, 1);
	p[n++] = JMPK(BPF_JNE, 1, 0, 1);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_cb_stack_ctx(struct bpf_insn *p, const long *m)
{
	uint32_t n = loop_main(p);

	(void)m;
	p[n++] = ST(BPF_DW, 2, 0, 3);
	return ret0(p, n);
}

static uint32_t c_ok_subprog_ptr_arg(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(1, 10);
	p[n++] = ALUK(BPF_ADD, 1, -8);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2);
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = EXIT;
	p[n++] = ST(BPF_DW, 1, 0, 2);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_spill_fill(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 1, -8);
	p[n++] = LDX(BPF_DW, 6, 10, -8);
	p[n++] = LDX(BPF_W, 0, 6, SKB_LEN);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_ptr_arith(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = MOV(2, 10);
	p[n++] = MOVK(3, -16);
	p[n++] = ALU(BPF_ADD, 2, 3);
	p[n++] = ALUK(BPF_ADD, 2, 8);
	p[n++] = ST(BPF_DW, 2, 0, 5);
	p[n++] = LDX(BPF_DW, 0, 10, -8);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_null_check(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = LDX(BPF_DW, 0, 0, 0);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_update_from_value(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(3, 0);
	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_map_update_elem);
	return ret0(p, n);
}

/*
 * The packet pointers kbpf keeps after __sk_buff (read-only to loads, which
 * see pointers there) read by a helper: map_update_elem copies them into
 * the map value. Linux takes no context as helper memory at all.
 */
static uint32_t c_update_from_ctx(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = MOV(6, 1);
	p[n++] = ST(BPF_W, 10, -4, 0);
	LD_MAP(1, m[M_ARRAY]);
	p[n++] = MOV(2, 10);
	p[n++] = ALUK(BPF_ADD, 2, -4);
	p[n++] = MOV(3, 6);
	p[n++] = ALUK(BPF_ADD, 3, sizeof(struct __sk_buff));
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_map_update_elem);
	return ret0(p, n);
}

/*
 * bpf_dynptr_from_mem told to write its dynptr into a map value: the
 * dynptr holds the memory's kernel address. Linux wants the dynptr on the
 * stack.
 */
static uint32_t c_dynptr_into_map(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(1, 0);
	p[n++] = MOVK(2, 8);
	p[n++] = MOVK(3, 0);
	p[n++] = MOV(4, 0);
	p[n++] = CALL(BPF_FUNC_dynptr_from_mem);
	return ret0(p, n);
}

/*
 * A dynptr forged on the stack (a spilled pointer and a size word) over
 * the context's packet pointers: dynptr_read copies them to the stack as
 * bytes, and the program stores them into a map. Linux takes only a
 * dynptr a helper initialised.
 */
static uint32_t c_forged_dynptr(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	p[n++] = MOV(6, 1);
	p[n++] = ALUK(BPF_ADD, 6, sizeof(struct __sk_buff));
	p[n++] = STX(BPF_DW, 10, 6, -16);
	p[n++] = ST(BPF_DW, 10, -8, 24 | 1 << 28); /* size 24, LOCAL */
	p[n++] = MOV(1, 10);
	p[n++] = ALUK(BPF_ADD, 1, -48);
	p[n++] = MOVK(2, 24);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -16);
	p[n++] = MOVK(4, 0);
	p[n++] = MOVK(5, 0);
	p[n++] = CALL(BPF_FUNC_dynptr_read);
	p[n++] = LDX(BPF_DW, 6, 10, -48);
	n = lookup0(p, n, m);
	p[n++] = STX(BPF_DW, 0, 6, 0);
	return ret0(p, n);
}

/* A dynptr over a map value made by a helper, then read by another. */
static uint32_t c_ok_dynptr_read(struct bpf_insn *p, const long *m)
{
	uint32_t n = lookup0(p, 0, m);

	p[n++] = MOV(1, 0);
	p[n++] = MOVK(2, 8);
	p[n++] = MOVK(3, 0);
	p[n++] = MOV(4, 10);
	p[n++] = ALUK(BPF_ADD, 4, -16);
	p[n++] = CALL(BPF_FUNC_dynptr_from_mem);
	p[n++] = MOV(1, 10);
	p[n++] = ALUK(BPF_ADD, 1, -24);
	p[n++] = MOVK(2, 8);
	p[n++] = MOV(3, 10);
	p[n++] = ALUK(BPF_ADD, 3, -16);
	p[n++] = MOVK(4, 0);
	p[n++] = MOVK(5, 0);
	p[n++] = CALL(BPF_FUNC_dynptr_read);
	return ret0(p, n);
}

static uint32_t c_ok_pkt_cmp(struct bpf_insn *p, const long *m)
{
	uint32_t n = pkt16(p, 0);

	(void)m;
	p[n++] = LDX(BPF_DW, 0, 2, 8);
	p[n++] = ALUK(BPF_AND, 0, 1);
	p[n++] = EXIT;
	return n;
}

static uint32_t c_ok_spill_overwrite(struct bpf_insn *p, const long *m)
{
	uint32_t n = 0;

	(void)m;
	p[n++] = STX(BPF_DW, 10, 10, -8);
	p[n++] = ST(BPF_DW, 10, -8, 3);
	p[n++] = LDX(BPF_W, 0, 10, -8);
	p[n++] = EXIT;
	return n;
}

struct leak_case {
	const char *name;
	uint32_t type;
	uint32_t (*build)(struct bpf_insn *p, const long *m);
	const char *log; /* the kernel's log line; NULL: an allowed program */
	uint32_t cb; /* where a callback starts (the kernel wants BTF), or 0 */
};

#define SF BPF_PROG_TYPE_SOCKET_FILTER
#define CLS BPF_PROG_TYPE_SCHED_CLS

static const struct leak_case cases[] = {
	{ "ret_r10", SF, c_ret_r10, "R0 leaks addr as return value", 0 },
	{ "ret_ctx", SF, c_ret_ctx, "R0 leaks addr as return value", 0 },
	{ "ret_map_value", SF, c_ret_map_value, "R0 leaks addr as return value",
	  0 },
	{ "store_map_value", SF, c_store_map_value, "R10 leaks addr into map",
	  0 },
	{ "store_map_value_w", SF, c_store_map_value_w,
	  "R6 leaks addr into map", 0 },
	{ "store_ctx", SF, c_store_ctx, "R10 leaks addr into ctx", 0 },
	{ "store_pkt", CLS, c_store_pkt, "R1 leaks addr into packet", 0 },
	{ "store_pkt_ptr_in_map", CLS, c_store_pkt_ptr_in_map,
	  "R6 leaks addr into map", 0 },
	{ "ringbuf_spilled", SF, c_ringbuf_spilled,
	  "invalid read from stack R2 off -8+0 size 8", 0 },
	{ "update_spilled", SF, c_update_spilled,
	  "invalid read from stack R3 off -24+8 size 16", 0 },
	{ "helper_scalar_arg", SF, c_helper_scalar_arg,
	  "R4 leaks addr into helper function", 0 },
	{ "cmp_ptr_k", SF, c_cmp_ptr_k, "R1 pointer comparison prohibited", 0 },
	{ "cmp_ptr_scalar", SF, c_cmp_ptr_scalar,
	  "R10 pointer comparison prohibited", 0 },
	{ "cmp_ptr_ptr", SF, c_cmp_ptr_ptr, "R10 pointer comparison prohibited",
	  0 },
	{ "cmp_pkt_pkt", CLS, c_cmp_pkt_pkt, "R4 pointer comparison prohibited",
	  0 },
	{ "and_ptr", SF, c_and_ptr,
	  "R2 bitwise operator &= on pointer prohibited", 0 },
	{ "mul_ptr", SF, c_mul_ptr,
	  "R2 pointer arithmetic with *= operator prohibited", 0 },
	{ "alu32_ptr", SF, c_alu32_ptr,
	  "R2 32-bit pointer arithmetic prohibited", 0 },
	{ "mov32_ptr", SF, c_mov32_ptr, "R10 partial copy of pointer", 0 },
	{ "ptr_sub_ptr", SF, c_ptr_sub_ptr, "R2 pointer -= pointer prohibited",
	  0 },
	{ "ptr_add_ptr", SF, c_ptr_add_ptr, "R2 pointer += pointer prohibited",
	  0 },
	{ "scalar_sub_ptr", SF, c_scalar_sub_ptr,
	  "R2 tried to subtract pointer from scalar", 0 },
	{ "neg_ptr", SF, c_neg_ptr, "R2 pointer arithmetic prohibited", 0 },
	{ "partial_store_spill", SF, c_partial_store_spill,
	  "attempt to corrupt spilled pointer on stack", 0 },
	{ "partial_load_spill", SF, c_partial_load_spill,
	  "invalid size of register fill", 0 },
	{ "atomic_spill", SF, c_atomic_spill,
	  "leaking pointer from stack off -8", 0 },
	{ "xchg_ptr", SF, c_xchg_ptr, "R1 leaks addr into mem", 0 },
	{ "atomic_add_ptr", SF, c_atomic_add_ptr, "R1 leaks addr into mem", 0 },
	{ "cb_ctx_into_map", SF, c_cb_ctx_into_map, "R6 leaks addr into map",
	  11 },
	{ "cb_ret_ptr", SF, c_cb_ret_ptr, "R0 not a scalar value", 11 },
	{ "subprog_ret_ptr", SF, c_subprog_ret_ptr,
	  "R0 leaks addr as return value", 0 },
	{ "direct_value_store", SF, c_direct_value_store,
	  "R10 leaks addr into map", 0 },
	{ "jmp32_ptr", SF, c_jmp32_ptr, "R1 pointer comparison prohibited", 0 },
	{ "movsx_ptr", SF, c_movsx_ptr, "R10 sign-extension part of pointer",
	  0 },
	{ "ldsx_spill", SF, c_ldsx_spill, "invalid size of register fill", 0 },
	{ "helper_half_over_spill", SF, c_helper_half_over_spill,
	  "attempt to corrupt spilled pointer on stack", 0 },
	{ "helper_over_spill", SF, c_helper_over_spill,
	  "attempt to corrupt spilled pointer on stack", 0 },
	{ "null_check_ctx", SF, c_null_check_ctx,
	  "R1 pointer comparison prohibited", 0 },
	{ "value_jmp32_zero", SF, c_value_jmp32_zero,
	  "R0 pointer comparison prohibited", 0 },
	{ "ok_second_null_check", SF, c_ok_second_null_check, NULL, 0 },
	{ "ok_arith_or_null", SF, c_ok_arith_or_null, NULL, 0 },
	{ "ok_ldind_ptr", SF, c_ldind_ptr, NULL, 0 },
	{ "ok_cb_stack_ctx", SF, c_ok_cb_stack_ctx, NULL, 11 },
	{ "ok_subprog_ptr_arg", SF, c_ok_subprog_ptr_arg, NULL, 0 },
	{ "uninit_read", SF, c_uninit_read,
	  "invalid read from stack off -8+4 size 8", 0 },
	{ "uninit_key", SF, c_uninit_key,
	  "invalid read from stack R2 off=-4 size=4", 0 },
	{ "uninit_subprog_frame", SF, c_uninit_subprog_frame,
	  "invalid read from stack R10 off=-8 size=8", 0 },
	{ "ok_helper_inits", SF, c_ok_helper_inits, NULL, 0 },
	{ "ok_byte_stores", SF, c_ok_byte_stores, NULL, 0 },
	{ "ok_spill_fill", SF, c_ok_spill_fill, NULL, 0 },
	{ "ok_ptr_arith", SF, c_ok_ptr_arith, NULL, 0 },
	{ "ok_null_check", SF, c_ok_null_check, NULL, 0 },
	{ "ok_update_from_value", SF, c_ok_update_from_value, NULL, 0 },
	{ "ok_pkt_cmp", CLS, c_ok_pkt_cmp, NULL, 0 },
	{ "ok_dynptr_read", SF, c_ok_dynptr_read, NULL, 0 },
	{ "dynptr_into_map", SF, c_dynptr_into_map,
	  "R4 type=map_value expected=fp, dynptr_ptr", 0 },
	{ "update_from_ctx", SF, c_update_from_ctx,
	  "R3 type=ctx expected=", 0 },
	{ "ok_spill_overwrite", SF, c_ok_spill_overwrite, NULL, 0 },
};

#define NR_CASES (sizeof(cases) / sizeof(cases[0]))

static long side_maps(int side, long *m)
{
	m[M_ARRAY] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 0, "a");
	m[M_RINGBUF] =
		side_create(side, BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, "r");
	return m[M_ARRAY] < 0 ? m[M_ARRAY] : m[M_RINGBUF];
}

/*
 * The kernel's BTF for programs with a callback (it wants func_info for
 * each function): int, a prototype int(void), static functions f0 and f1.
 */
static long kernel_btf(void)
{
	static const char strs[] = "\0int\0f0\0f1";
	struct {
		struct btf_header h;
		uint32_t types[4 + 3 + 2 * 3];
		char strs[sizeof(strs)];
	} b;
	uint32_t *t = b.types;
	union bpf_attr a;

	memset(&b, 0, sizeof(b));
	b.h.magic = BTF_MAGIC;
	b.h.version = BTF_VERSION;
	b.h.hdr_len = sizeof(b.h);
	b.h.type_len = sizeof(b.types);
	b.h.str_off = sizeof(b.types);
	b.h.str_len = sizeof(strs);
	*t++ = 1; /* [1] int */
	*t++ = BTF_KIND_INT << 24;
	*t++ = 4;
	*t++ = BTF_INT_SIGNED << 24 | 32;
	*t++ = 0; /* [2] int (void) */
	*t++ = BTF_KIND_FUNC_PROTO << 24;
	*t++ = 1;
	for (uint32_t i = 0; i < 2; i++) { /* [3] f0, [4] f1 */
		*t++ = 5 + 3 * i;
		*t++ = BTF_KIND_FUNC << 24;
		*t++ = 2;
	}
	memcpy(b.strs, strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&b;
	a.btf_size = (uint32_t)(sizeof(b.h) + sizeof(b.types) + sizeof(strs));
	return side_bpf(SIDE_KERNEL, BPF_BTF_LOAD, &a);
}

/* @btf: the kernel's BTF for a case with a callback (kernel side), or -1. */
static void side_load_attr(union bpf_attr *a, const struct leak_case *c,
			   const struct bpf_insn *p, uint32_t n, char *log,
			   uint32_t log_size, long btf)
{
	static struct bpf_func_info fi[2];

	memset(a, 0, sizeof(*a));
	a->prog_type = c->type;
	a->insn_cnt = n;
	a->insns = (uint64_t)(uintptr_t)p;
	a->license = (uint64_t)(uintptr_t) "GPL";
	a->log_buf = (uint64_t)(uintptr_t)log;
	a->log_size = log_size;
	a->log_level = log ? 1 : 0;
	if (c->cb && btf >= 0) {
		fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = 3 };
		fi[1] = (struct bpf_func_info){ .insn_off = c->cb,
						.type_id = 4 };
		a->prog_btf_fd = (uint32_t)btf;
		a->func_info = (uint64_t)(uintptr_t)fi;
		a->func_info_cnt = 2;
		a->func_info_rec_size = sizeof(fi[0]);
	}
}

/* Keep only @keep (capability numbers) in the effective and permitted sets. */
static int drop_caps(uint64_t keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* The last line of @log that is not the verifier's statistics. */
static const char *last_line(char *log)
{
	char *line = NULL, *s;

	for (s = strtok(log, "\n"); s; s = strtok(NULL, "\n"))
		if (strncmp(s, "processed ", 10) &&
		    strncmp(s, "verification time", 17))
			line = s;
	return line ? line : "";
}

struct kernel_result {
	long err;
	char log[4096];
};

/*
 * Load @p on the kernel in a child that holds CAP_BPF and CAP_NET_ADMIN
 * only; the result and the log come back through a pipe.
 */
static int kernel_load_unpriv(const struct leak_case *c,
			      const struct bpf_insn *p, uint32_t n, long btf,
			      struct kernel_result *res)
{
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		static struct kernel_result r;
		static char log[1 << 16];
		union bpf_attr a;
		ssize_t w;

		close(fds[0]);
		memset(&r, 0, sizeof(r));
		if (drop_caps(1ULL << CAP_BPF | 1ULL << CAP_NET_ADMIN)) {
			r.err = -1000 - errno;
		} else {
			side_load_attr(&a, c, p, n, log, sizeof(log), btf);
			r.err = oracle_kernel_bpf(BPF_PROG_LOAD, &a, sizeof(a));
			/*
			 * The refusal: the last line before the statistics
			 * ("processed N insns ...").
			 */
			snprintf(r.log, sizeof(r.log), "%s", last_line(log));
		}
		w = write(fds[1], &r, sizeof(r));
		_exit(w == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (read(fds[0], res, sizeof(*res)) != sizeof(*res)) {
		close(fds[0]);
		waitpid(pid, &status, 0);
		return -1;
	}
	close(fds[0]);
	waitpid(pid, &status, 0);
	return res->err <= -1000 ? -1 : 0;
}

/* BPF_PROG_TEST_RUN in kbpf with a 64-byte packet. */
static long kbpf_test_run(long fd)
{
	static uint8_t pkt[64], out[64];
	union bpf_attr a;

	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x08; /* IPv4 */
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	return side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
}

static void set_priv(long fd, uint32_t priv)
{
	struct kbpf_obj *o = kbpf_posix_fd_obj((int)fd);

	((struct kbpf_prog *)o)->priv = priv;
	kbpf_obj_put(o);
}

KBPF_TEST(
	kernel_refuses_leaks,
	"a loader with CAP_BPF and CAP_NET_ADMIN but not CAP_PERFMON: the kernel refuses every leak case with EACCES and its log line, and loads every allowed case")
{
	static struct bpf_insn p[64];
	struct kernel_result res;
	long m[NR_MAPS], btf;
	size_t i;
	int bad = 0;

	NEED_KERNEL();
	if (side_maps(SIDE_KERNEL, m) < 0)
		T_FAIL("kernel maps");
	btf = kernel_btf();
	T_ASSERT(btf >= 0);
	for (i = 0; i < NR_CASES; i++) {
		const struct leak_case *c = &cases[i];
		uint32_t n = c->build(p, m);

		if (kernel_load_unpriv(c, p, n, btf, &res))
			T_SKIP("cannot drop capabilities in a child");
		printf("  %-22s kernel %ld (%s): %s\n", c->name, res.err,
		       res.err >= 0 ? "loaded" : oracle_errno_name(res.err),
		       res.log);
		if (c->log ? res.err != -EACCES || !strstr(res.log, c->log) :
			     res.err < 0) {
			printf("  ^ MISMATCH\n");
			bad++;
		}
		if (res.err >= 0)
			oracle_kernel_close((int)res.err);
	}
	side_close(SIDE_KERNEL, m[M_ARRAY]);
	side_close(SIDE_KERNEL, m[M_RINGBUF]);
	side_close(SIDE_KERNEL, btf);
	T_EQ(bad, 0);
}

KBPF_TEST(
	kbpf_stops_leaks,
	"kbpf's checked runs of a program whose loader lacked KBPF_PRIV_PERFMON stop with -EACCES for every leak case and succeed for every allowed case; with full priv every case runs")
{
	static struct bpf_insn p[64];
	long m[NR_MAPS];
	size_t i;
	int bad = 0;

	if (side_maps(SIDE_KBPF, m) < 0)
		T_FAIL("kbpf maps");
	for (i = 0; i < NR_CASES; i++) {
		const struct leak_case *c = &cases[i];
		uint32_t n = c->build(p, m);
		union bpf_attr a;
		long fd, r_unpriv, r_priv;

		side_load_attr(&a, c, p, n, NULL, 0, -1);
		fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
		if (fd < 0) {
			printf("  %-22s kbpf load %ld\n", c->name, fd);
			bad++;
			continue;
		}
		set_priv(fd, UNPRIV);
		r_unpriv = kbpf_test_run(fd);
		set_priv(fd, KBPF_PRIV_ALL);
		r_priv = kbpf_test_run(fd);
		printf("  %-22s kbpf unpriv %ld (%s), priv %ld\n", c->name,
		       r_unpriv,
		       r_unpriv >= 0 ? "ran" : oracle_errno_name(r_unpriv),
		       r_priv);
		if ((c->log ? r_unpriv != -EACCES : r_unpriv < 0) ||
		    r_priv < 0) {
			printf("  ^ MISMATCH\n");
			bad++;
		}
		side_close(SIDE_KBPF, fd);
	}
	side_close(SIDE_KBPF, m[M_ARRAY]);
	side_close(SIDE_KBPF, m[M_RINGBUF]);
	T_EQ(bad, 0);
}

/* Load @p as a socket filter in kbpf with @priv; the fd or -errno. */
static long kbpf_load_priv(const struct bpf_insn *p, uint32_t n, uint32_t priv)
{
	static const struct leak_case sf = { "tail", SF, NULL, NULL, 0 };
	union bpf_attr a;
	long fd;

	side_load_attr(&a, &sf, p, n, NULL, 0, -1);
	fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
	if (fd >= 0)
		set_priv(fd, priv);
	return fd;
}

KBPF_TEST(
	tail_call_follows_callee_loader,
	"a privileged program that tail-calls an unprivileged one runs the callee under the pointer rules: the callee's return of r10 stops with -EACCES, the caller's r6 = r10 reaches it as 0; with a privileged callee both run; an unprivileged caller keeps its rules in a privileged callee")
{
	struct bpf_insn p[16], q[4];
	uint32_t n = 0, key = 0, val;
	long arr, main_fd, ret_r10, ret_r6;

	arr = side_create(SIDE_KBPF, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0,
			  "pa");
	T_ASSERT(arr >= 0);
	p[n++] = MOV(6, 10);
	LD_MAP(2, arr);
	p[n++] = MOVK(3, 0);
	p[n++] = CALL(BPF_FUNC_tail_call);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	main_fd = kbpf_load_priv(p, n, KBPF_PRIV_ALL);
	q[0] = MOV(0, 10);
	q[1] = EXIT;
	ret_r10 = kbpf_load_priv(q, 2, UNPRIV);
	q[0] = MOV(0, 6);
	ret_r6 = kbpf_load_priv(q, 2, UNPRIV);
	T_ASSERT(main_fd >= 0 && ret_r10 >= 0 && ret_r6 >= 0);

	val = (uint32_t)ret_r10;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, arr, &key, &val, 0), 0);
	T_EQ(kbpf_test_run(main_fd), -EACCES);
	set_priv(ret_r10, KBPF_PRIV_ALL);
	T_EQ(kbpf_test_run(main_fd), 0);

	/* The callee does not see the caller's r6 (Linux: unreadable). */
	val = (uint32_t)ret_r6;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, arr, &key, &val, 0), 0);
	T_EQ(kbpf_test_run(main_fd), 0);
	set_priv(ret_r6, KBPF_PRIV_ALL);
	T_EQ(kbpf_test_run(main_fd), 0);

	/* Stricter than Linux: the unprivileged caller's loop goes on. */
	set_priv(main_fd, UNPRIV);
	T_EQ(kbpf_test_run(main_fd), -EACCES);
}

/*
 * bpf_user_ringbuf_drain hands its callback a dynptr that kbpf keeps on the
 * helper's stack and lets helpers read; its first 8 bytes are the sample's
 * kernel address. Linux's callback gets an opaque dynptr it may only pass
 * to helpers: loading from it fails to load, for every loader. The
 * callback here loads those 8 bytes and stores them into an array value.
 */
static uint32_t drain_read_dynptr(struct bpf_insn *p, long arr, long urb)
{
	uint32_t n = 0;
	const long m[NR_MAPS] = { arr, -1 };

	LD_MAP(1, urb);
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 2, BPF_PSEUDO_FUNC, 0, 6);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOVK(3, 0);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_user_ringbuf_drain);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	/* 9: the callback (dynptr in r1) */
	p[n++] = LDX(BPF_DW, 6, 1, 0);
	n = lookup0(p, n, m);
	p[n++] = STX(BPF_DW, 0, 6, 0);
	return ret0(p, n);
}

KBPF_TEST(
	drain_dynptr_bytes,
	"a user_ringbuf_drain callback that loads the bytes of its dynptr (the sample's address) stops with -EFAULT, as checked mode stops every access it refuses, and leaks nothing; the kernel refuses the program with EACCES ('invalid mem access')")
{
	static const struct leak_case c = { "drain", SF, NULL, NULL, 9 };
	static struct bpf_insn p[32];
	struct kernel_result res;
	uint64_t val[2] = { 0, 0 };
	uint32_t key = 0, n, hdr = 8;
	long arr, urb, fd, r;
	const char *why;
	union bpf_attr a;
	uint8_t *prod;

	if (oracle_available(&why)) {
		arr = side_create(SIDE_KERNEL, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0,
				  0, "a");
		urb = side_create(SIDE_KERNEL, BPF_MAP_TYPE_USER_RINGBUF, 0, 0,
				  4096, 0, 0, "u");
		T_ASSERT(arr >= 0 && urb >= 0);
		n = drain_read_dynptr(p, arr, urb);
		r = kernel_btf();
		T_ASSERT(r >= 0);
		if (kernel_load_unpriv(&c, p, n, r, &res))
			T_SKIP("cannot drop capabilities in a child");
		printf("  kernel %ld: %s\n", res.err, res.log);
		if (res.err >= 0)
			oracle_kernel_close((int)res.err);
		T_EQ(res.err, -EACCES);
	}
	arr = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 0, "a");
	urb = side_create(SIDE_KBPF, BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0,
			  0, "u");
	T_ASSERT(arr >= 0 && urb >= 0);
	/* One 8-byte sample, by hand: header word, then the data. */
	prod = kbpf_posix_mmap(NULL, 4096 + 2 * 4096, PROT_READ | PROT_WRITE,
			       MAP_SHARED, (int)urb, 4096);
	T_ASSERT(prod != MAP_FAILED);
	memcpy(prod + 4096, &hdr, 4);
	memset(prod + 4096 + 4, 0, 12);
	__atomic_store_n((uint64_t *)prod, 16, __ATOMIC_RELEASE);
	n = drain_read_dynptr(p, arr, urb);
	side_load_attr(&a, &c, p, n, NULL, 0, -1);
	fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	set_priv(fd, UNPRIV);
	r = kbpf_test_run(fd);
	kbpf_posix_munmap(prod, 4096 + 2 * 4096);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, arr, &key, val, 0), 0);
	printf("  kbpf %ld, value %#llx\n", r, (unsigned long long)val[0]);
	T_EQ(r, -EFAULT);
	T_EQ(val[0], 0);
}

/*
 * A map value's address compared with 0 after adding a scalar: the branch
 * would say whether the scalar is minus the address, as many guesses per
 * run as the program has instructions. Linux decides such a comparison at
 * load (the pointer is not NULL) and refuses the unbounded addition to an
 * unprivileged loader anyway; checked mode takes a non-NULL pointer's
 * comparison with 0 as "not equal", whatever was added to it. Here the
 * value holds minus its own address, as only this test can know it.
 */
KBPF_TEST(
	ptr_eq_zero_not_an_oracle,
	"a loader without CAP_PERFMON: map value + (-its address) == 0 is not taken (r0 = 0), so the comparison says nothing of the address")
{
	static struct bpf_insn p[32];
	const long *m;
	long maps[NR_MAPS], fd, r;
	uint32_t n, key = 0;
	struct kbpf_map *map;
	uint64_t *value, val[2];
	union bpf_attr a;

	T_ASSERT(side_maps(SIDE_KBPF, maps) >= 0);
	m = maps;
	map = (struct kbpf_map *)kbpf_posix_fd_obj((int)maps[M_ARRAY]);
	T_ASSERT(map != NULL);
	value = kbpf_map_lookup_elem(map, &key);
	kbpf_obj_put(&map->obj);
	T_ASSERT(value != NULL);
	val[0] = (uint64_t)0 - (uint64_t)(uintptr_t)value;
	val[1] = 0;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, maps[M_ARRAY], &key, val,
		       0),
	     0);
	n = lookup0(p, 0, m);
	p[n++] = LDX(BPF_DW, 1, 0, 0);
	p[n++] = ALU(BPF_ADD, 0, 1);
	p[n++] = JMPK(BPF_JEQ, 0, 0, 2);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	{
		static const struct leak_case c = { "eq0", SF, NULL, NULL, 0 };

		side_load_attr(&a, &c, p, n, NULL, 0, -1);
	}
	fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	set_priv(fd, UNPRIV);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	{
		static uint8_t pkt[64];

		pkt[12] = 0x08;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
	}
	r = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
	printf("  kbpf %ld, r0 %u\n", r, a.test.retval);
	T_EQ(r, 0);
	T_EQ(a.test.retval, 0);
}

KBPF_TEST(
	forged_dynptr,
	"a dynptr forged on the stack over the context's packet pointers and passed to dynptr_read: the kernel refuses it with EINVAL ('Expected an initialized dynptr'), kbpf's checked run of a loader without CAP_PERFMON stops with -EINVAL and stores nothing")
{
	static const struct leak_case c = { "forged", SF, c_forged_dynptr, NULL,
					    0 };
	static struct bpf_insn p[64];
	struct kernel_result res;
	uint64_t val[2] = { 0, 0 };
	long m[NR_MAPS], fd, r;
	uint32_t n, key = 0;
	const char *why;
	union bpf_attr a;

	if (oracle_available(&why)) {
		T_ASSERT(side_maps(SIDE_KERNEL, m) >= 0);
		n = c_forged_dynptr(p, m);
		if (kernel_load_unpriv(&c, p, n, -1, &res))
			T_SKIP("cannot drop capabilities in a child");
		printf("  kernel %ld: %s\n", res.err, res.log);
		if (res.err >= 0)
			oracle_kernel_close((int)res.err);
		T_EQ(res.err, -EINVAL);
		T_ASSERT(strstr(res.log, "Expected an initialized dynptr"));
	}
	T_ASSERT(side_maps(SIDE_KBPF, m) >= 0);
	n = c_forged_dynptr(p, m);
	side_load_attr(&a, &c, p, n, NULL, 0, -1);
	fd = side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	set_priv(fd, UNPRIV);
	r = kbpf_test_run(fd);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, m[M_ARRAY], &key, val,
		       0),
	     0);
	printf("  kbpf %ld, value %#llx\n", r, (unsigned long long)val[0]);
	T_EQ(r, -EINVAL);
	T_EQ(val[0], 0);
}

/*
 * A privileged program tail-calls an unprivileged one with the address of
 * one of its own maps in r6 (a map the callee does not use). Linux verifies
 * the callee with r6 unreadable; kbpf's callee stored it into its own map.
 */
KBPF_TEST(
	tail_call_callee_reads_caller_regs,
	"an unprivileged program tail-called by a privileged one does not get the caller's r2-r9: the caller's map address in r6 is not stored into the callee's map")
{
	struct bpf_insn p[16], q[32];
	uint32_t n = 0, key = 0, val;
	uint64_t v[2] = { 0, 0 };
	long arr, other, main_fd, callee, m[NR_MAPS], r;

	T_ASSERT(side_maps(SIDE_KBPF, m) >= 0);
	other = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, "o");
	arr = side_create(SIDE_KBPF, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0,
			  "pa");
	T_ASSERT(arr >= 0 && other >= 0);
	LD_MAP(6, other);
	LD_MAP(2, arr);
	p[n++] = MOVK(3, 0);
	p[n++] = CALL(BPF_FUNC_tail_call);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	main_fd = kbpf_load_priv(p, n, KBPF_PRIV_ALL);
	n = lookup0(q, 0, m);
	q[n++] = STX(BPF_DW, 0, 6, 0);
	n = ret0(q, n);
	callee = kbpf_load_priv(q, n, UNPRIV);
	T_ASSERT(main_fd >= 0 && callee >= 0);
	val = (uint32_t)callee;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_UPDATE_ELEM, arr, &key, &val, 0), 0);
	r = kbpf_test_run(main_fd);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, m[M_ARRAY], &key, v, 0),
	     0);
	printf("  run %ld, callee's value %#llx\n", r,
	       (unsigned long long)v[0]);
	T_EQ(v[0], 0);
}
