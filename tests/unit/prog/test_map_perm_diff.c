// SPDX-License-Identifier: MIT
/*
 * Program-side map permissions (issue #12 item 5). Linux's verifier refuses
 * with EACCES a program that stores into or updates/deletes (pushes/pops
 * for a queue or stack) in a BPF_F_RDONLY_PROG map ("write into map
 * forbidden") or loads from a
 * BPF_F_WRONLY_PROG map's value ("read from map forbidden"); DEVMAP and
 * DEVMAP_HASH are BPF_F_RDONLY_PROG by themselves. kbpf has no verifier
 * yet: the same programs load, and their checked runs are stopped
 * (-EFAULT for the memory access) or their helper call fails (-EACCES).
 */
#include <errno.h>

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define LD_MAP(d, fd) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd)

enum op { UPDATE, DELETE, STORE, LOAD, NR_OPS };
static const char *const op_name[] = { "update", "delete", "lookup+store",
				       "lookup+load" };

/* The program for @op on map @fd; returns its length. r0 is the result. */
static uint32_t prog(struct bpf_insn *p, enum op op, int fd)
{
	uint32_t n = 0;

	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0); /* key 0 */
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 7); /* value */
	p[n++] = LD_MAP(1, fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -4);
	switch (op) {
	case UPDATE:
		p[n++] = MOV(3, 10);
		p[n++] = ADDK(3, -16);
		p[n++] = MOVK(4, 0);
		p[n++] = CALL(BPF_FUNC_map_update_elem);
		break;
	case DELETE:
		p[n++] = CALL(BPF_FUNC_map_delete_elem);
		break;
	case STORE:
	case LOAD:
		p[n++] = CALL(BPF_FUNC_map_lookup_elem);
		p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0);
		p[n++] = op == STORE ?
				 I(BPF_ST | BPF_MEM | BPF_DW, 0, 0, 0, 1) :
				 I(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0);
		p[n++] = MOVK(0, 0);
		break;
	default:
		break;
	}
	p[n++] = EXIT;
	return n;
}

static long load(int side, uint32_t type, uint32_t flags,
		 const struct bpf_insn *p, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.prog_flags = flags;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* BPF_PROG_TEST_RUN; the run's errno, else 0 with *@ret. */
static long run(int side, long fd, void *data, uint32_t size, uint32_t *ret)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)data;
	a.test.data_size_in = size;
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

KBPF_TEST(
	map_prog_permissions,
	"RDONLY_PROG and WRONLY_PROG arrays: what the kernel refuses at load (EACCES), kbpf's checked run refuses (-EFAULT, or the helper's -EACCES); what it allows gives the kernel's result")
{
	static const uint32_t flags[] = { 0, BPF_F_RDONLY_PROG,
					  BPF_F_WRONLY_PROG };
	struct bpf_insn p[16];
	int cases = 0;

	NEED_KERNEL();
	for (size_t f = 0; f < KBPF_ARRAY_SIZE(flags); f++) {
		for (int op = 0; op < NR_OPS; op++) {
			long map[2], fd[2], r;
			uint32_t n, ret = 0;

			for (int s = 0; s < 2; s++) {
				map[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4,
						     8, 4, flags[f], 0, NULL);
				T_ASSERT(map[s] >= 0);
				n = prog(p, (enum op)op, (int)map[s]);
				fd[s] = load(s, BPF_PROG_TYPE_SYSCALL,
					     BPF_F_SLEEPABLE, p, n);
			}
			T_ASSERT(fd[1] >= 0); /* kbpf has no verifier yet */
			r = run(SIDE_KBPF, fd[1], NULL, 0, &ret);
			if (fd[0] == -EACCES) {
				/* Refused by the kernel: stopped by kbpf. */
				if (op == UPDATE || op == DELETE) {
					T_EQ(r, 0);
					T_EQ((int32_t)ret, -EACCES);
				} else {
					T_EQ(r, -EFAULT);
				}
			} else {
				/* Allowed: the same result as the kernel's. */
				uint32_t kret = 0;

				T_ASSERT(fd[0] >= 0);
				T_EQ(run(SIDE_KERNEL, fd[0], NULL, 0, &kret),
				     r);
				T_EQ(kret, ret);
			}
			printf("  flags 0x%x %-12s kernel load %ld, kbpf run %ld ret %d\n",
			       flags[f], op_name[op], fd[0], r, (int32_t)ret);
			for (int s = 0; s < 2; s++) {
				side_close(s, fd[s]);
				side_close(s, map[s]);
			}
			cases++;
		}
	}
	T_EQ(cases, 12);
}

KBPF_TEST(
	devmap_read_only_to_programs,
	"DEVMAP and DEVMAP_HASH report BPF_F_RDONLY_PROG in bpf_map_info as the kernel's; an XDP program that writes a looked-up entry is refused (kernel EACCES at load, kbpf's checked run -EFAULT)")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_DEVMAP,
					  BPF_MAP_TYPE_DEVMAP_HASH };
	uint8_t pkt[64] = { 0 };
	struct bpf_insn p[16];

	NEED_KERNEL();
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++) {
		struct bpf_map_info info[2];
		long map[2], fd[2], r;
		uint32_t key = 0, ifindex = 1, n, len, ret = 0;

		for (int s = 0; s < 2; s++) {
			map[s] = side_create(s, types[t], 4, 4, 4, 0, 0, NULL);
			T_ASSERT(map[s] >= 0);
			memset(&info[s], 0, sizeof(info[s]));
			len = sizeof(info[s]);
			T_EQ(side_info(s, map[s], &info[s], &len), 0);
			T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &key,
				       &ifindex, 0),
			     0);
			n = prog(p, STORE, (int)map[s]);
			fd[s] = load(s, BPF_PROG_TYPE_XDP, 0, p, n);
		}
		T_EQ(info[0].map_flags, info[1].map_flags);
		T_ASSERT(info[1].map_flags & BPF_F_RDONLY_PROG);
		T_EQ(fd[0], -EACCES);
		T_ASSERT(fd[1] >= 0);
		r = run(SIDE_KBPF, fd[1], pkt, sizeof(pkt), &ret);
		T_EQ(r, -EFAULT);
		/* The entry the host validated is unchanged. */
		ifindex = 0;
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[1], &key,
			       &ifindex, 0),
		     0);
		T_EQ(ifindex, 1);
		for (int s = 0; s < 2; s++) {
			side_close(s, fd[s]);
			side_close(s, map[s]);
		}
	}
}

enum qop { PUSH, POP, PEEK, NR_QOPS };
static const char *const qop_name[] = { "push", "pop", "peek" };

/*
 * The program for @op on queue or stack @fd: the helper's error, or the
 * value on the stack after it succeeded (pushed, popped or peeked).
 * Measured on 6.18: RDONLY_PROG refuses push and pop (EACCES) and allows
 * peek; WRONLY_PROG allows all three.
 */
static uint32_t qprog(struct bpf_insn *p, enum qop op, int fd)
{
	static const int32_t fn[] = { BPF_FUNC_map_push_elem,
				      BPF_FUNC_map_pop_elem,
				      BPF_FUNC_map_peek_elem };
	uint32_t n = 0;

	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 7); /* value */
	p[n++] = LD_MAP(1, fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -8);
	p[n++] = MOVK(3, 0); /* push: flags */
	p[n++] = CALL(fn[op]);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0);
	p[n++] = EXIT;
	return n;
}

KBPF_TEST(
	queue_stack_prog_permissions,
	"QUEUE and STACK with RDONLY_PROG or WRONLY_PROG: push, pop and peek the kernel refuses at load (EACCES) fail with -EACCES in kbpf; the others give the kernel's result")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_QUEUE,
					  BPF_MAP_TYPE_STACK };
	static const uint32_t flags[] = { 0, BPF_F_RDONLY_PROG,
					  BPF_F_WRONLY_PROG };
	struct bpf_insn p[16];
	int cases = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++) {
		for (size_t f = 0; f < KBPF_ARRAY_SIZE(flags); f++) {
			for (int op = 0; op < NR_QOPS; op++) {
				long map[2], fd[2], r;
				uint32_t n, ret = 0;

				for (int s = 0; s < 2; s++) {
					uint64_t v = 42;
					union bpf_attr a;

					map[s] = side_create(s, types[t], 0, 8,
							     4, flags[f], 0,
							     NULL);
					T_ASSERT(map[s] >= 0);
					/* One element for pop and peek. */
					memset(&a, 0, sizeof(a));
					a.map_fd = (uint32_t)map[s];
					a.value = (uint64_t)(uintptr_t)&v;
					T_EQ(side_bpf(s, BPF_MAP_UPDATE_ELEM,
						      &a),
					     0);
					n = qprog(p, (enum qop)op, (int)map[s]);
					fd[s] = load(s, BPF_PROG_TYPE_SYSCALL,
						     BPF_F_SLEEPABLE, p, n);
				}
				T_ASSERT(fd[1] >= 0);
				r = run(SIDE_KBPF, fd[1], NULL, 0, &ret);
				printf("  type %u flags 0x%x %-4s kernel load %ld, kbpf run %ld ret %d\n",
				       types[t], flags[f], qop_name[op], fd[0],
				       r, (int32_t)ret);
				if (fd[0] == -EACCES) {
					T_EQ(r, 0);
					T_EQ((int32_t)ret, -EACCES);
				} else {
					uint32_t kret = 0;

					T_ASSERT(fd[0] >= 0);
					T_EQ(run(SIDE_KERNEL, fd[0], NULL, 0,
						 &kret),
					     r);
					T_EQ(kret, ret);
				}
				for (int s = 0; s < 2; s++) {
					side_close(s, fd[s]);
					side_close(s, map[s]);
				}
				cases++;
			}
		}
	}
	T_EQ(cases, 18);
}
