// SPDX-License-Identifier: MIT
/*
 * bpf_prog_info.xlated_prog_insns against the kernel (issue #14; bpftool's
 * `prog dump xlated` reads it): the same program loaded on both sides, its
 * code read back with BPF_OBJ_GET_INFO_BY_FD, instruction by instruction.
 *
 * Equal on both sides: the length, every instruction byte except two
 * fields the kernel fills from its own state: an ld_imm64 of a map (by fd,
 * by fd_array index, or of a value) comes back as BPF_PSEUDO_MAP_FD or
 * BPF_PSEUDO_MAP_VALUE with that side's map id in imm (checked against the
 * side's own id) and the value offset in the second half; a helper call's
 * imm is the kernel function's address on the kernel and the helper id on
 * kbpf (not compared). The programs call no map helper and read no
 * context field, whose code the kernel rewrites for itself.
 */
#include <errno.h>
#include <string.h>

#include "diff.h"
#include "insn.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define LD64(d, src, imm) I(BPF_LD | BPF_DW | BPF_IMM, d, src, 0, imm)
#define HI(imm) I(0, 0, 0, 0, imm)
#define CALL(fn) I(BPF_JMP | BPF_CALL, 0, 0, 0, fn)
#define PCALL(off) I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, off)

static uint32_t map_id(int s, long fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return side_info(s, fd, &info, &len) ? 0 : info.id;
}

/*
 * Load @n instructions built by @build for side @s (map fds @m0, @m1; an
 * fd_array of both) and read back its xlated code into @out (@cap
 * instructions); returns the xlated length in bytes or -errno.
 */
typedef void (*build_fn)(struct bpf_insn *p, long m0, long m1);

static long load_and_dump(int s, build_fn build, uint32_t n, long m0, long m1,
			  struct bpf_insn *out, uint32_t cap, long *prog)
{
	struct bpf_insn p[20];
	struct bpf_prog_info info;
	int fds[2] = { (int)m0, (int)m1 };
	union bpf_attr a;
	long fd, r;

	build(p, m0, m1);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.fd_array = (uint64_t)(uintptr_t)fds;
	fd = side_bpf(s, BPF_PROG_LOAD, &a);
	*prog = fd;
	if (fd < 0)
		return fd;
	memset(&info, 0, sizeof(info));
	memset(out, 0xee, cap * sizeof(*out));
	info.xlated_prog_len = cap * sizeof(*out);
	info.xlated_prog_insns = (uint64_t)(uintptr_t)out;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	r = side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
	return r < 0 ? r : (long)info.xlated_prog_len;
}

/*
 * Map loads by fd, value, fd_array index and index+value, a plain
 * ld_imm64, a helper call and calls to two subprograms, the second first
 * (Linux's xlated code gives a call its callee's index in imm).
 */
static void build_maps(struct bpf_insn *p, long m0, long m1)
{
	struct bpf_insn q[] = {
		LD64(1, BPF_PSEUDO_MAP_FD, (int)m0),
		HI(0),
		LD64(2, BPF_PSEUDO_MAP_VALUE, (int)m1),
		HI(8),
		LD64(3, BPF_PSEUDO_MAP_IDX, 0),
		HI(0),
		LD64(4, BPF_PSEUDO_MAP_IDX_VALUE, 1),
		HI(16),
		LD64(5, 0, 0x12345678),
		HI(0x9abc),
		CALL(BPF_FUNC_get_prandom_u32),
		PCALL(4), /* the second subprogram, then the first */
		PCALL(1),
		EXIT,
		MOVK(0, 7),
		EXIT,
		MOVK(0, 8),
		EXIT,
	};

	memcpy(p, q, sizeof(q));
}

static void compare(long lens[2], struct bpf_insn dump[2][20], long maps[2][2],
		    uint32_t n)
{
	uint32_t ids[2][2];

	T_EQ(lens[SIDE_KERNEL], lens[SIDE_KBPF]);
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < 2; m++)
			ids[s][m] = map_id(s, maps[s][m]);
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_insn *k = &dump[SIDE_KERNEL][i];
		struct bpf_insn *p = &dump[SIDE_KBPF][i];

		T_EQ(k->code, p->code);
		T_EQ(k->dst_reg, p->dst_reg);
		T_EQ(k->src_reg, p->src_reg);
		T_EQ(k->off, p->off);
		if (k->code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    (k->src_reg == BPF_PSEUDO_MAP_FD ||
		     k->src_reg == BPF_PSEUDO_MAP_VALUE)) {
			/* Each side's own id of the same map. */
			int m = (uint32_t)k->imm == ids[SIDE_KERNEL][0] ? 0 : 1;

			T_EQ((uint32_t)k->imm, ids[SIDE_KERNEL][m]);
			T_EQ((uint32_t)p->imm, ids[SIDE_KBPF][m]);
			T_EQ(k[1].imm, p[1].imm); /* the value offset */
			T_EQ(k[1].code, p[1].code);
			i++;
			continue;
		}
		if (k->code == (BPF_JMP | BPF_CALL) && !k->src_reg)
			continue; /* kernel address vs helper id */
		T_EQ(k->imm, p->imm);
	}
	/* Nothing written past the length. */
	T_EQ(dump[SIDE_KERNEL][n].code, 0xee);
	T_EQ(dump[SIDE_KBPF][n].code, 0xee);
}

KBPF_TEST(xlated_maps_calls,
	  "xlated code: map fd/idx/value ld_imm64s come back as the kernel's "
	  "PSEUDO_MAP_FD/VALUE with each side's map id and offset, plain "
	  "ld_imm64s, helper and bpf-to-bpf calls as the kernel shows them")
{
	struct bpf_insn dump[2][20];
	long lens[2], maps[2][2], progs[2];

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		maps[s][0] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "xa");
		maps[s][1] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 32, 1, 0, 0,
					 "xb");
		T_ASSERT(maps[s][0] >= 0 && maps[s][1] >= 0);
		lens[s] = load_and_dump(s, build_maps, 18, maps[s][0],
					maps[s][1], dump[s], 20, &progs[s]);
		if (lens[s] <= 0)
			T_FAIL("side %d: load and dump: %ld", s, lens[s]);
	}
	T_EQ(lens[SIDE_KBPF], 18 * 8);
	compare(lens, dump, maps, 18);
	for (int s = 0; s < 2; s++) {
		side_close(s, progs[s]);
		side_close(s, maps[s][0]);
		side_close(s, maps[s][1]);
	}
}

/* Read back into a short buffer and into no buffer. */
static long dump_into(int s, long prog, void *buf, uint32_t len,
		      uint32_t *out_len)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	long r;

	memset(&info, 0, sizeof(info));
	info.xlated_prog_len = len;
	info.xlated_prog_insns = (uint64_t)(uintptr_t)buf;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)prog;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	r = side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
	*out_len = info.xlated_prog_len;
	return r;
}

KBPF_TEST(xlated_short_and_bad_buffers,
	  "xlated code: a buffer shorter than the code gets its first bytes "
	  "(even half an ld_imm64) and the full length; a NULL buffer with a "
	  "length gives EFAULT, a zero length only the length")
{
	struct bpf_insn buf[2][20];
	long maps[2][2], progs[2], r[2];
	uint32_t len[2];

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		maps[s][0] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "xa");
		maps[s][1] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 32, 1, 0, 0,
					 "xb");
		T_ASSERT(load_and_dump(s, build_maps, 18, maps[s][0],
				       maps[s][1], buf[s], 20, &progs[s]) > 0);
		/* 12 bytes: the first ld_imm64's first half and 4 bytes more. */
		memset(buf[s], 0xee, sizeof(buf[s]));
		r[s] = dump_into(s, progs[s], buf[s], 12, &len[s]);
	}
	T_EQ(r[SIDE_KERNEL], r[SIDE_KBPF]);
	T_EQ(len[SIDE_KERNEL], len[SIDE_KBPF]);
	T_EQ(len[SIDE_KBPF], 18 * 8);
	/* The first instruction is the map load: its id differs. */
	T_EQ(buf[SIDE_KERNEL][0].code, buf[SIDE_KBPF][0].code);
	T_EQ(buf[SIDE_KERNEL][0].src_reg, buf[SIDE_KBPF][0].src_reg);
	T_EQ((uint32_t)buf[SIDE_KBPF][0].imm, map_id(SIDE_KBPF, maps[1][0]));
	T_MEMEQ((char *)buf[SIDE_KERNEL] + 8, (char *)buf[SIDE_KBPF] + 8, 4);
	T_MEMEQ((char *)buf[SIDE_KERNEL] + 12, (char *)buf[SIDE_KBPF] + 12, 20);
	T_EQ(((unsigned char *)buf[SIDE_KBPF])[12], 0xee);

	for (int s = 0; s < 2; s++)
		r[s] = dump_into(s, progs[s], NULL, 64, &len[s]);
	T_EQ(r[SIDE_KERNEL], r[SIDE_KBPF]);
	T_EQ(r[SIDE_KBPF], -EFAULT);
	for (int s = 0; s < 2; s++)
		r[s] = dump_into(s, progs[s], NULL, 0, &len[s]);
	T_EQ(r[SIDE_KERNEL], r[SIDE_KBPF]);
	T_EQ(r[SIDE_KBPF], 0);
	T_EQ(len[SIDE_KERNEL], len[SIDE_KBPF]);
	for (int s = 0; s < 2; s++) {
		side_close(s, progs[s]);
		side_close(s, maps[s][0]);
		side_close(s, maps[s][1]);
	}
}
