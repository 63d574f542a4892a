// SPDX-License-Identifier: MIT
/*
 * Legacy packet loads (BPF_LD | BPF_ABS/IND) against the kernel: which
 * program types and encodings load, and, on socket filters and tc
 * programs run with the same packet, the values read (network byte order)
 * and the r0 = 0 exit when a load falls outside the packet.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/compiler.h"
#include "diff.h"
#include "kbpf_test.h"
#include "insn.h"

static long load(int side, uint32_t type, const struct bpf_insn *p, int n,
		 char *log, size_t logsz)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = (uint32_t)logsz;
	a.log_buf = (uint64_t)(uintptr_t)log;
	log[0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* The line that says why (first line, or the one before "processed"). */
static void why_line(char *s)
{
	char *nl, *p, *prev = s;

	for (p = s; (nl = strchr(p, '\n')); p = nl + 1) {
		if (!strncmp(p, "processed ", 10))
			break;
		prev = p;
	}
	nl = strchr(prev, '\n');
	if (nl)
		*nl = 0;
	memmove(s, prev, strlen(prev) + 1);
}

KBPF_TEST(
	ldabs_load_rules,
	"BPF_LD_[ABS|IND] load only in skb programs, with the kernel's errno and log line for reserved fields")
{
	static const struct {
		uint32_t type;
		struct bpf_insn ld;
	} cases[] = {
		{ BPF_PROG_TYPE_SOCKET_FILTER,
		  I(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 12) },
		{ BPF_PROG_TYPE_SCHED_CLS,
		  I(BPF_LD | BPF_IND | BPF_W, 0, 7, 0, 2) },
		{ BPF_PROG_TYPE_XDP, I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0) },
		{ BPF_PROG_TYPE_RAW_TRACEPOINT,
		  I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0) },
		{ BPF_PROG_TYPE_SOCKET_FILTER,
		  I(BPF_LD | BPF_ABS | BPF_DW, 0, 0, 0, 0) },
		{ BPF_PROG_TYPE_SOCKET_FILTER,
		  I(BPF_LD | BPF_ABS | BPF_B, 1, 0, 0, 0) },
		{ BPF_PROG_TYPE_SOCKET_FILTER,
		  I(BPF_LD | BPF_ABS | BPF_B, 0, 7, 0, 0) },
		{ BPF_PROG_TYPE_SOCKET_FILTER,
		  I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 4, 0) },
		{ BPF_PROG_TYPE_SCHED_ACT,
		  I(BPF_LD | BPF_IND | BPF_B, 0, 7, 0, -3) },
	};
	char log[2][8192];

	{
		const char *why;

		if (!oracle_available(&why))
			T_SKIP("kernel oracle: %s", why);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct bpf_insn p[] = {
			I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
			I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 3),
			cases[i].ld,
			I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		long r[2];

		for (int s = 0; s < 2; s++) {
			r[s] = load(s, cases[i].type, p, 4, log[s],
				    sizeof(log[s]));
			why_line(log[s]);
		}
		if (!same_result(r[0], r[1]))
			T_FAIL("case %zu: kernel %s (%s) kbpf %s (%s)", i,
			       oracle_errno_name(r[0]), log[0],
			       oracle_errno_name(r[1]), log[1]);
		if (r[0] < 0 && strcmp(log[0], log[1]))
			T_FAIL("case %zu: kernel log \"%s\", kbpf \"%s\"", i,
			       log[0], log[1]);
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
}

KBPF_TEST(
	ldabs_values,
	"legacy packet loads read the kernel's bytes in network order on socket filters and tc programs, and end the program with 0 past the packet")
{
	static const uint32_t types[] = { BPF_PROG_TYPE_SOCKET_FILTER,
					  BPF_PROG_TYPE_SCHED_CLS };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W };
	uint8_t pkt[60];
	uint64_t seed = kbpf_test_seed() ^ 0xab5;
	int runs = 0, zeros = 0;
	char log[4096];

	{
		const char *why;

		if (!oracle_available(&why))
			T_SKIP("kernel oracle: %s", why);
	}
	/* Ethernet, IPv4 (total length 46), UDP, payload. */
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 37 + 11);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	pkt[14] = 0x45;
	pkt[16] = 0;
	pkt[17] = 46;
	pkt[23] = 17;
	for (int i = 0; i < 400; i++) {
		uint64_t x = kbpf_test_rand(&seed);
		uint32_t type = types[x % 2];
		int32_t abs_off = (int32_t)((x >> 8) % 70) - 2;
		int32_t ind_base = (int32_t)((x >> 16) % 60);
		int32_t ind_imm = (int32_t)((x >> 24) % 20) - 4;
		struct bpf_insn p[] = {
			I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
			I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, ind_base),
			I(BPF_LD | BPF_IND | sizes[(x >> 32) % 3], 0, 7, 0,
			  ind_imm),
			I(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0),
			I(BPF_LD | BPF_ABS | sizes[(x >> 40) % 3], 0, 0, 0,
			  abs_off),
			I(BPF_ALU64 | BPF_LSH | BPF_K, 8, 0, 0, 7),
			I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 8, 0, 0),
			I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		};
		long fd[2], r[2];
		uint32_t ret[2];

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			fd[s] = load(s, type, p, 8, log, sizeof(log));
			if (fd[s] < 0)
				T_FAIL("run %d side %d: load %s: %s", i, s,
				       oracle_errno_name(fd[s]), log);
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)fd[s];
			a.test.data_in = (uint64_t)(uintptr_t)pkt;
			a.test.data_size_in = sizeof(pkt);
			r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
			ret[s] = a.test.retval;
			side_close(s, fd[s]);
		}
		runs++;
		zeros += !ret[0];
		if (r[0] != r[1] || ret[0] != ret[1])
			T_FAIL("run %d type %u abs %d ind %d%+d: kernel %ld/0x%x kbpf %ld/0x%x",
			       i, type, abs_off, ind_base, ind_imm, r[0],
			       ret[0], r[1], ret[1]);
	}
	printf("  %d runs compared with the kernel (%d ended early with 0)\n",
	       runs, zeros);
}

KBPF_TEST(
	ldabs_negative_offsets,
	"legacy loads at SKF_NET_OFF and SKF_LL_OFF offsets read from the network and link-layer headers, and end with 0 outside the buffer or below SKF_LL_OFF, as the kernel")
{
	static const uint32_t types[] = { BPF_PROG_TYPE_SOCKET_FILTER,
					  BPF_PROG_TYPE_SCHED_CLS };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W };
	static const int32_t bases[] = { -0x200000, -0x100000 };
	static const int32_t odd[] = { -0x200001, -0x300000, INT32_MIN,
				       -0x1000,	  -0x100001, -1 };
	uint8_t pkt[60];
	int runs = 0, zeros = 0;
	char log[4096];

	{
		const char *why;

		if (!oracle_available(&why))
			T_SKIP("kernel oracle: %s", why);
	}
	for (size_t i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 37 + 11);
	pkt[12] = 0x08;
	pkt[13] = 0x00;
	pkt[14] = 0x45;
	pkt[16] = 0;
	pkt[17] = 46;
	pkt[23] = 17;
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++) {
		for (int c = 0; c < 2 * 70 + 6 * 3; c++) {
			int32_t off;
			uint8_t sz = sizes[c % 3];
			int ind = c & 1;

			if (c < 140)
				off = bases[c / 70] + (c % 70) - 4;
			else
				off = odd[(c - 140) / 3];
			{
				/* LD_IND splits off between r7 and imm. */
				struct bpf_insn p[] = {
					I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0,
					  0),
					I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0,
					  ind ? off / 2 : 0),
					ind ? I(BPF_LD | BPF_IND | sz, 0, 7, 0,
						off - off / 2) :
					      I(BPF_LD | BPF_ABS | sz, 0, 0, 0,
						off),
					I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0,
					  1),
					I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
				};
				long fd[2], r[2];
				uint32_t ret[2];

				for (int s = 0; s < 2; s++) {
					union bpf_attr a;

					fd[s] = load(s, types[t], p, 5, log,
						     sizeof(log));
					if (fd[s] < 0)
						T_FAIL("side %d: load %s: %s",
						       s,
						       oracle_errno_name(fd[s]),
						       log);
					memset(&a, 0, sizeof(a));
					a.test.prog_fd = (uint32_t)fd[s];
					a.test.data_in =
						(uint64_t)(uintptr_t)pkt;
					a.test.data_size_in = sizeof(pkt);
					r[s] = side_bpf(s, BPF_PROG_TEST_RUN,
							&a);
					ret[s] = a.test.retval;
					side_close(s, fd[s]);
				}
				runs++;
				zeros += !ret[0];
				if (r[0] != r[1] || ret[0] != ret[1])
					T_FAIL("type %u %s off %d size %u: kernel %ld/0x%x kbpf %ld/0x%x",
					       types[t], ind ? "ind" : "abs",
					       off, sz, r[0], ret[0], r[1],
					       ret[1]);
			}
		}
	}
	printf("  %d runs compared with the kernel (%d ended early with 0)\n",
	       runs, zeros);
	T_ASSERT(zeros < runs);
}
