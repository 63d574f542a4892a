// SPDX-License-Identifier: MIT
/*
 * The tc helpers that change an skb's checksum state and flow hash,
 * against the kernel: bpf_csum_level (CHECKSUM_NONE / UNNECESSARY levels /
 * COMPLETE), bpf_csum_update, bpf_get_hash_recalc, bpf_set_hash and
 * bpf_set_hash_invalid, and what __sk_buff.hash reads between them. The
 * same program runs on both sides through BPF_PROG_TEST_RUN and writes
 * every result into an array map, compared slot by slot. Flow hashes are
 * keyed by a random secret on both sides, so for them the test compares
 * what a program can rely on: stable for a flow, the same in both
 * directions, different for another flow, never 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define NSLOT 24
#define OP_CTX_HASH 0xffff /* pseudo helper: read __sk_buff.hash */
#define OP_CTX_PKT_TYPE 0xfffe /* pseudo helper: read __sk_buff.pkt_type */
#define OP_CTX(f) (0x10000 + (int32_t)offsetof(struct __sk_buff, f))
#define OP_TAIL_FLAGS 0xfffd /* skb_change_tail(60, 1) */

struct op {
	int32_t helper; /* BPF_FUNC_*, or OP_CTX_HASH */
	int32_t arg;
};

/* An __be16 EtherType as a program passes it (the value in memory order). */
static int32_t be16_arg(uint16_t host)
{
	uint8_t b[2] = { (uint8_t)(host >> 8), (uint8_t)host };
	uint16_t v;

	memcpy(&v, b, 2);
	return v;
}

/* A tc program: slot[i] = result of ops[i], then return 0. */
static long load_ops(int s, long map, const struct op *ops, int n)
{
	struct bpf_insn p[16 + 7 * NSLOT];
	union bpf_attr a;
	int k = 0;

	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[k++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[k++] = I(0, 0, 0, 0, 0);
	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[k++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	for (int i = 0; i < n; i++) {
		if (ops[i].helper == OP_CTX_HASH) {
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 6,
				   offsetof(struct __sk_buff, hash), 0);
		} else if (ops[i].helper == OP_CTX_PKT_TYPE) {
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 6,
				   offsetof(struct __sk_buff, pkt_type), 0);
		} else if (ops[i].helper == OP_TAIL_FLAGS) {
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 60);
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 1);
			p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_skb_change_tail);
		} else if (ops[i].helper >= 0x10000) {
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 6,
				   (int16_t)(ops[i].helper - 0x10000), 0);
		} else if (ops[i].helper == BPF_FUNC_skb_vlan_push) {
			/* arg: proto << 16 | tci */
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0,
				   be16_arg((uint16_t)((uint32_t)ops[i].arg >>
						       16)));
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0,
				   ops[i].arg & 0xffff);
			p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, ops[i].helper);
		} else {
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0,
				   ops[i].arg);
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
			p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, ops[i].helper);
		}
		p[k++] = I(BPF_STX | BPF_MEM | BPF_DW, 7, 0, (int16_t)(8 * i),
			   0);
	}
	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = (uint32_t)k;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(s, BPF_PROG_LOAD, &a);
}

/* An Ethernet + IPv4 + UDP packet from @sport to @dport. */
static void make_pkt(uint8_t *pkt, size_t n, uint16_t sport, uint16_t dport,
		     int swap)
{
	static const uint8_t a1[4] = { 10, 0, 0, 1 }, a2[4] = { 10, 0, 0, 2 };

	memset(pkt, 0, n);
	for (size_t i = 42; i < n; i++)
		pkt[i] = (uint8_t)(i * 7);
	pkt[12] = 0x08;
	pkt[14] = 0x45;
	pkt[17] = (uint8_t)(n - 14);
	pkt[22] = 64;
	pkt[23] = 17;
	memcpy(pkt + 26, swap ? a2 : a1, 4);
	memcpy(pkt + 30, swap ? a1 : a2, 4);
	pkt[34] = (uint8_t)(sport >> 8);
	pkt[35] = (uint8_t)sport;
	pkt[36] = (uint8_t)(dport >> 8);
	pkt[37] = (uint8_t)dport;
}

/* Run @ops on side @s over @pkt: test-run result into *@ret, slots out. */
static uint8_t data_out[2][256];
static uint32_t data_out_len[2];

static long run_ops(int s, const struct op *ops, int n, const uint8_t *pkt,
		    size_t len, uint32_t flags, uint64_t *slots)
{
	uint32_t key = 0;
	union bpf_attr a;
	long map, prog, r;

	memset(slots, 0, 8 * NSLOT);
	map = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8 * NSLOT, 1, 0, 0, NULL);
	if (map < 0)
		return map;
	prog = load_ops(s, map, ops, n);
	if (prog < 0) {
		side_close(s, map);
		return prog;
	}
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = (uint32_t)len;
	a.test.data_out = (uint64_t)(uintptr_t)data_out[s];
	a.test.data_size_out = sizeof(data_out[s]);
	a.test.flags = flags;
	memset(data_out[s], 0, sizeof(data_out[s]));
	r = side_bpf(s, BPF_PROG_TEST_RUN, &a);
	data_out_len[s] = a.test.data_size_out;
	if (side_elem(s, BPF_MAP_LOOKUP_ELEM, map, &key, slots, 0))
		r = -1000;
	side_close(s, prog);
	side_close(s, map);
	return r;
}

static void cmp_ops_pkt(const char *what, const struct op *ops, int n,
			uint32_t flags, const uint8_t *pkt, size_t len)
{
	uint64_t slots[2][NSLOT];
	long r[2];

	for (int s = 0; s < 2; s++)
		r[s] = run_ops(s, ops, n, pkt, len, flags, slots[s]);
	if (data_out_len[0] != data_out_len[1] ||
	    memcmp(data_out[0], data_out[1], sizeof(data_out[0])))
		T_FAIL("%s: packets out differ (lengths %u, %u)", what,
		       data_out_len[0], data_out_len[1]);
	if (r[0] != r[1])
		T_FAIL("%s: test run kernel %s, kbpf %s", what,
		       oracle_errno_name(r[0]), oracle_errno_name(r[1]));
	if (getenv("KBPF_TEST_VERBOSE")) {
		printf("  %s: run %ld:", what, r[0]);
		for (int i = 0; i < n; i++)
			printf(" %llx", (unsigned long long)slots[0][i]);
		printf("\n");
	}
	for (int i = 0; i < n; i++)
		if (slots[0][i] != slots[1][i])
			T_FAIL("%s: op %d (helper %d arg %d): kernel 0x%llx, kbpf 0x%llx",
			       what, i, ops[i].helper, ops[i].arg,
			       (unsigned long long)slots[0][i],
			       (unsigned long long)slots[1][i]);
}

static void cmp_ops(const char *what, const struct op *ops, int n,
		    uint32_t flags)
{
	uint8_t pkt[60];

	make_pkt(pkt, sizeof(pkt), 1000, 53, 0);
	cmp_ops_pkt(what, ops, n, flags, pkt, sizeof(pkt));
}

/* Named op lists, each run with and without CHECKSUM_COMPLETE. */
struct prog_case {
	const char *name;
	const struct op *ops;
	int n;
};

#define CASE(name, ops)                              \
	{                                            \
		name, ops, (int)KBPF_ARRAY_SIZE(ops) \
	}

static void cmp_cases(const struct prog_case *c, size_t n)
{
	char what[96];

	for (size_t p = 0; p < n; p++)
		for (int complete = 0; complete < 2; complete++) {
			snprintf(what, sizeof(what), "%s%s", c[p].name,
				 complete ? ", complete" : "");
			cmp_ops(what, c[p].ops, c[p].n,
				complete ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE :
					   0);
		}
}

#define Q                                                 \
	{                                                 \
		BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY \
	}
#define INC                                             \
	{                                               \
		BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC \
	}
#define DEC                                             \
	{                                               \
		BPF_FUNC_csum_level, BPF_CSUM_LEVEL_DEC \
	}
#define RESET                                             \
	{                                                 \
		BPF_FUNC_csum_level, BPF_CSUM_LEVEL_RESET \
	}

KBPF_TEST(
	csum_level_vs_kernel,
	"bpf_csum_level's query, increments to the cap, decrements past 0, reset and bad levels, from CHECKSUM_NONE and CHECKSUM_COMPLETE, as the kernel")
{
	static const struct op ops[] = {
		Q,
		INC,
		Q,
		INC,
		INC,
		INC,
		INC,
		Q,
		DEC,
		Q,
		DEC,
		DEC,
		DEC,
		Q,
		DEC,
		Q,
		INC,
		RESET,
		Q,
		INC,
		DEC,
		Q,
		{ BPF_FUNC_csum_level, 7 },
		{ BPF_FUNC_csum_level, -1 },
	};

	NEED_KERNEL();
	cmp_ops("CHECKSUM_NONE", ops, (int)KBPF_ARRAY_SIZE(ops), 0);
	cmp_ops("CHECKSUM_COMPLETE", ops, (int)KBPF_ARRAY_SIZE(ops),
		BPF_F_TEST_SKB_CHECKSUM_COMPLETE);
}

KBPF_TEST(
	csum_update_vs_kernel,
	"bpf_csum_update adds to a CHECKSUM_COMPLETE sum (a wrong sum fails the test run with EBADMSG) and is -ENOTSUPP otherwise, as the kernel")
{
	static const int32_t adds[] = { 0, -1, 0x10000, 1, 0x7fffffff };

	NEED_KERNEL();
	for (size_t i = 0; i < KBPF_ARRAY_SIZE(adds); i++) {
		struct op ops[] = { { BPF_FUNC_csum_update, adds[i] },
				    { BPF_FUNC_csum_update, 0 } };
		char what[64];

		snprintf(what, sizeof(what), "csum_update(%d)", adds[i]);
		cmp_ops(what, ops, 2, BPF_F_TEST_SKB_CHECKSUM_COMPLETE);
		cmp_ops(what, ops, 2, 0);
	}
}

KBPF_TEST(
	skb_hash_vs_kernel,
	"bpf_set_hash, bpf_set_hash_invalid, bpf_get_hash_recalc and __sk_buff.hash as the kernel; a computed flow hash is stable, symmetric, per flow and never 0 on both sides")
{
	static const struct op ops[] = {
		{ OP_CTX_HASH, 0 },
		{ BPF_FUNC_get_hash_recalc, 0 },
		{ BPF_FUNC_get_hash_recalc, 0 },
		{ OP_CTX_HASH, 0 },
		{ BPF_FUNC_set_hash, 0x1234 },
		{ BPF_FUNC_get_hash_recalc, 0 },
		{ OP_CTX_HASH, 0 },
		{ BPF_FUNC_set_hash_invalid, 0 },
		{ OP_CTX_HASH, 0 },
		{ BPF_FUNC_get_hash_recalc, 0 },
		{ BPF_FUNC_set_hash, 0 },
		{ BPF_FUNC_get_hash_recalc, 0 },
		{ OP_CTX_HASH, 0 },
		{ BPF_FUNC_set_hash, -2 },
		{ OP_CTX_HASH, 0 },
	};
	/* Slots that hold a computed flow hash: compared by property. */
	static const int computed[] = { 1, 2, 3, 9 };
	const int n = (int)KBPF_ARRAY_SIZE(ops);
	uint64_t sl[4][2][NSLOT];
	uint8_t pkt[60];
	long r[2];

	NEED_KERNEL();
	for (int v = 0; v < 4; v++) {
		/* The flow, again, reversed, and another port. */
		make_pkt(pkt, sizeof(pkt),
			 v == 3 ? 1001 :
			 v == 2 ? 53 :
				  1000,
			 v == 2 ? 1000 : 53, v == 2);
		for (int s = 0; s < 2; s++)
			r[s] = run_ops(s, ops, n, pkt, sizeof(pkt), 0,
				       sl[v][s]);
		T_EQ(r[0], 0);
		T_EQ(r[1], 0);
	}
	for (int i = 0; i < n; i++) {
		int comp = 0;

		for (size_t c = 0; c < KBPF_ARRAY_SIZE(computed); c++)
			comp |= computed[c] == i;
		if (comp)
			continue;
		if (sl[0][0][i] != sl[0][1][i])
			T_FAIL("op %d: kernel 0x%llx, kbpf 0x%llx", i,
			       (unsigned long long)sl[0][0][i],
			       (unsigned long long)sl[0][1][i]);
	}
	for (int s = 0; s < 2; s++) {
		const char *who = s ? "kbpf" : "kernel";
		uint64_t h = sl[0][s][1];

		if (!h)
			T_FAIL("%s: a computed hash of 0", who);
		for (size_t c = 0; c < KBPF_ARRAY_SIZE(computed); c++)
			if (sl[0][s][computed[c]] != h)
				T_FAIL("%s: op %d gives 0x%llx, op 1 0x%llx",
				       who, computed[c],
				       (unsigned long long)sl[0][s][computed[c]],
				       (unsigned long long)h);
		if (sl[1][s][1] != h)
			T_FAIL("%s: the same flow hashes differently in another run",
			       who);
		if (sl[2][s][1] != h)
			T_FAIL("%s: the reversed flow hashes differently (0x%llx, 0x%llx)",
			       who, (unsigned long long)sl[2][s][1],
			       (unsigned long long)h);
		if (sl[3][s][1] == h)
			T_FAIL("%s: another port hashes the same", who);
	}
}

KBPF_TEST(
	skb_change_type_vs_kernel,
	"bpf_skb_change_type among the four packet types, refusing others, from a unicast and a multicast packet, as the kernel")
{
	static const struct op ops[] = {
		{ OP_CTX_PKT_TYPE, 0 },
		{ BPF_FUNC_skb_change_type, 1 },
		{ OP_CTX_PKT_TYPE, 0 },
		{ BPF_FUNC_skb_change_type, 3 },
		{ OP_CTX_PKT_TYPE, 0 },
		{ BPF_FUNC_skb_change_type, 4 },
		{ BPF_FUNC_skb_change_type, 7 },
		{ BPF_FUNC_skb_change_type, -1 },
		{ OP_CTX_PKT_TYPE, 0 },
		{ BPF_FUNC_skb_change_type, 0 },
		{ OP_CTX_PKT_TYPE, 0 },
		{ BPF_FUNC_get_route_realm, 0 },
	};
	uint8_t pkt[60];

	NEED_KERNEL();
	make_pkt(pkt, sizeof(pkt), 1000, 53, 0);
	cmp_ops_pkt("unicast", ops, (int)KBPF_ARRAY_SIZE(ops), 0, pkt,
		    sizeof(pkt));
	pkt[0] = 0x01; /* multicast destination */
	cmp_ops_pkt("multicast", ops, (int)KBPF_ARRAY_SIZE(ops), 0, pkt,
		    sizeof(pkt));
}

KBPF_TEST(
	skb_ecn_set_ce_vs_kernel,
	"bpf_skb_ecn_set_ce on IPv4 and IPv6 in every ECN state (with and without CHECKSUM_COMPLETE), VLAN-tagged and non-IP packets: result and packet bytes as the kernel")
{
	static const struct op ops[] = {
		{ BPF_FUNC_skb_ecn_set_ce, 0 },
		{ BPF_FUNC_skb_ecn_set_ce, 0 },
	};
	uint8_t pkt[80];
	char what[64];

	NEED_KERNEL();
	for (int ecn = 0; ecn < 4; ecn++) {
		for (int complete = 0; complete < 2; complete++) {
			uint32_t fl =
				complete ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE : 0;

			/* IPv4, with a valid header checksum to adjust. */
			make_pkt(pkt, 60, 1000, 53, 0);
			pkt[15] = (uint8_t)(0xb8 | ecn);
			{
				uint32_t sum = 0;

				for (int i = 14; i < 34; i += 2)
					sum += (uint32_t)(pkt[i] << 8 |
							  pkt[i + 1]);
				sum = (sum & 0xffff) + (sum >> 16);
				sum = (sum & 0xffff) + (sum >> 16);
				pkt[24] = (uint8_t)(~sum >> 8);
				pkt[25] = (uint8_t)~sum;
			}
			snprintf(what, sizeof(what), "IPv4 ECN %d%s", ecn,
				 complete ? " complete" : "");
			cmp_ops_pkt(what, ops, 2, fl, pkt, 60);
			/* IPv6, traffic class 0x2c | ECN. */
			memset(pkt, 0, sizeof(pkt));
			pkt[12] = 0x86;
			pkt[13] = 0xdd;
			pkt[14] = 0x62;
			pkt[15] = (uint8_t)(0xc0 | ecn << 4);
			pkt[19] = 20;
			pkt[20] = 17;
			pkt[21] = 64;
			for (int i = 22; i < 80; i++)
				pkt[i] = (uint8_t)(i * 13);
			snprintf(what, sizeof(what), "IPv6 ECN %d%s", ecn,
				 complete ? " complete" : "");
			cmp_ops_pkt(what, ops, 2, fl, pkt, 80);
		}
	}
	/* An 802.1Q tag over IPv4 (ECT(0)), and ARP. */
	make_pkt(pkt, 64, 1000, 53, 0);
	memmove(pkt + 16, pkt + 12, 48);
	pkt[12] = 0x81;
	pkt[13] = 0x00;
	pkt[14] = 0x00;
	pkt[15] = 0x05;
	pkt[21] = 2;
	cmp_ops_pkt("VLAN IPv4", ops, 2, 0, pkt, 64);
	make_pkt(pkt, 60, 1000, 53, 0);
	pkt[12] = 0x08;
	pkt[13] = 0x06;
	pkt[15] = 2;
	cmp_ops_pkt("ARP", ops, 2, 0, pkt, 60);
}

KBPF_TEST(
	skb_state_helpers_types_vs_kernel,
	"the new tc helpers load in tc programs only (cgroup skb for skb_ecn_set_ce), with the kernel's errno elsewhere")
{
	static const int32_t helpers[] = {
		BPF_FUNC_csum_update,	   BPF_FUNC_csum_level,
		BPF_FUNC_get_hash_recalc,  BPF_FUNC_set_hash,
		BPF_FUNC_set_hash_invalid, BPF_FUNC_skb_change_type,
		BPF_FUNC_skb_ecn_set_ce,   BPF_FUNC_get_route_realm,
	};
	static const uint32_t types[] = { BPF_PROG_TYPE_SOCKET_FILTER,
					  BPF_PROG_TYPE_SCHED_CLS,
					  BPF_PROG_TYPE_SCHED_ACT,
					  BPF_PROG_TYPE_CGROUP_SKB,
					  BPF_PROG_TYPE_XDP };

	NEED_KERNEL();
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++)
		for (size_t i = 0; i < KBPF_ARRAY_SIZE(helpers); i++) {
			struct bpf_insn p[] = {
				I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0),
				I(BPF_JMP | BPF_CALL, 0, 0, 0, helpers[i]),
				I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
				I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
			};
			long r[2] = { 0, 0 };

			for (int s = 0; s < 2; s++) {
				union bpf_attr a;

				memset(&a, 0, sizeof(a));
				a.prog_type = types[t];
				a.insns = (uint64_t)(uintptr_t)p;
				a.insn_cnt = 4;
				a.license = (uint64_t)(uintptr_t) "GPL";
				if (types[t] == BPF_PROG_TYPE_CGROUP_SKB)
					a.expected_attach_type =
						BPF_CGROUP_INET_EGRESS;
				r[s] = side_bpf(s, BPF_PROG_LOAD, &a);
				side_close(s, r[s]);
			}
			if ((r[0] >= 0) != (r[1] >= 0) ||
			    (r[0] < 0 && r[0] != r[1]))
				T_FAIL("type %u helper %d: kernel %s, kbpf %s",
				       types[t], helpers[i],
				       oracle_errno_name(r[0]),
				       oracle_errno_name(r[1]));
		}
}

/* vlan_push's arguments: the EtherType in host order << 16 | the TCI. */
#define PUSH(proto, tci)                                           \
	{                                                          \
		BPF_FUNC_skb_vlan_push,                            \
			(int32_t)((uint32_t)(proto) << 16 | (tci)) \
	}
#define POP                              \
	{                                \
		BPF_FUNC_skb_vlan_pop, 0 \
	}
#define VLAN_STATE                                                  \
	{ OP_CTX(vlan_present), 0 }, { OP_CTX(vlan_tci), 0 },       \
		{ OP_CTX(vlan_proto), 0 }, { OP_CTX(protocol), 0 }, \
	{                                                           \
		OP_CTX(len), 0                                      \
	}

/* A frame with @ntags VLAN tags (outer 802.1ad if 2) over IPv4/UDP. */
static size_t tagged_pkt(uint8_t *pkt, size_t n, int ntags)
{
	make_pkt(pkt, n - 4 * (size_t)ntags, 1000, 53, 0);
	for (int t = 0; t < ntags; t++) {
		memmove(pkt + 16, pkt + 12, n - 16);
		pkt[12] = t == ntags - 1 && ntags == 2 ? 0x88 : 0x81;
		pkt[13] = t == ntags - 1 && ntags == 2 ? 0xa8 : 0x00;
		pkt[14] = (uint8_t)(0x20 + t);
		pkt[15] = (uint8_t)(0x10 + t);
	}
	return n;
}

KBPF_TEST(
	skb_vlan_push_pop_vs_kernel,
	"bpf_skb_vlan_push and bpf_skb_vlan_pop with hardware and in-frame tags, 802.1Q and 802.1ad, single and double tagged frames, with and without CHECKSUM_COMPLETE: results, __sk_buff vlan fields, protocol, length and packet bytes as the kernel")
{
	static const struct op push1[] = { PUSH(0x8100, 5), VLAN_STATE };
	static const struct op push2[] = { PUSH(0x8100, 5), PUSH(0x88a8, 0x123),
					   VLAN_STATE };
	static const struct op push3[] = { PUSH(0x1234, 0xfff),
					   PUSH(0x8100, 0xe001),
					   PUSH(0x8100, 7), VLAN_STATE };
	static const struct op pop1[] = { POP, VLAN_STATE, POP, VLAN_STATE };
	static const struct op pushpop[] = { PUSH(0x8100, 9),
					     PUSH(0x88a8, 10),
					     POP,
					     VLAN_STATE,
					     POP,
					     VLAN_STATE,
					     POP,
					     VLAN_STATE };
	static const struct prog_case progs[] = {
		CASE("push", push1),
		CASE("push push", push2),
		CASE("push x3", push3),
		CASE("pop pop", pop1),
		CASE("push push pop x3", pushpop),
	};
	uint8_t pkt[72];
	char what[96];

	NEED_KERNEL();
	for (size_t p = 0; p < KBPF_ARRAY_SIZE(progs); p++)
		for (int tags = 0; tags <= 2; tags++)
			for (int complete = 0; complete < 2; complete++) {
				size_t n = tagged_pkt(pkt, sizeof(pkt), tags);

				snprintf(what, sizeof(what), "%s, %d tags%s",
					 progs[p].name, tags,
					 complete ? ", complete" : "");
				cmp_ops_pkt(
					what, progs[p].ops, progs[p].n,
					complete ?
						BPF_F_TEST_SKB_CHECKSUM_COMPLETE :
						0,
					pkt, n);
			}
	/* A tag with nothing after it: too short to pop. */
	memset(pkt, 0, sizeof(pkt));
	pkt[12] = 0x81;
	pkt[16] = 0x08;
	for (size_t n = 14; n <= 18; n++) {
		snprintf(what, sizeof(what), "short tagged frame of %zu", n);
		cmp_ops_pkt(what, pop1, (int)KBPF_ARRAY_SIZE(pop1), 0, pkt, n);
	}
}

#define TAIL(n)                               \
	{                                     \
		BPF_FUNC_skb_change_tail, (n) \
	}
#define LEN                    \
	{                      \
		OP_CTX(len), 0 \
	}

KBPF_TEST(
	skb_change_tail_vs_kernel,
	"bpf_skb_change_tail grows with zeros and trims between the network offset and SKB_MAX_ALLOC, refuses flags, drops CHECKSUM_COMPLETE (a trimmed packet then fails the test run with EBADMSG), follows a pushed VLAN tag: results, length and packet bytes as the kernel")
{
	static const struct op grow[] = {
		TAIL(70), LEN, TAIL(70), LEN, { BPF_FUNC_csum_update, 0 }
	};
	static const struct op trim[] = {
		TAIL(20), LEN,	    TAIL(14),
		LEN,	  TAIL(13), LEN,
		TAIL(0),  LEN,	    { BPF_FUNC_csum_update, 0 }
	};
	static const struct op limits[] = {
		TAIL(16064),	      LEN, TAIL(16065), LEN, TAIL(-1), LEN,
		{ OP_TAIL_FLAGS, 0 }, LEN, TAIL(100),	LEN
	};
	static const struct op same[] = { TAIL(60),
					  LEN,
					  { BPF_FUNC_csum_update, 0 } };
	static const struct op vlan[] = { PUSH(0x8100, 3), PUSH(0x8100, 4),
					  TAIL(17),	   LEN,
					  TAIL(18),	   LEN,
					  TAIL(30),	   LEN };
	static const struct prog_case progs[] = {
		CASE("grow", grow),
		CASE("trim", trim),
		CASE("limits", limits),
		CASE("same length", same),
		CASE("after a VLAN push", vlan),
	};

	NEED_KERNEL();
	cmp_cases(progs, KBPF_ARRAY_SIZE(progs));
}

#define HEAD(n)                               \
	{                                     \
		BPF_FUNC_skb_change_head, (n) \
	}

KBPF_TEST(
	skb_change_head_vs_kernel,
	"bpf_skb_change_head pushes zeros before the frame up to SKB_MAX_ALLOC, refuses flags and wrapping lengths, keeps protocol and network header (so a later change_tail and CHECKSUM_COMPLETE agree): results and packet bytes as the kernel")
{
	static const struct op some[] = {
		HEAD(14), LEN,	     { OP_CTX(protocol), 0 },
		HEAD(0),  LEN,	     TAIL(20),
		LEN,	  TAIL(100), LEN
	};
	static const struct op limits[] = { HEAD(16064 - 60), LEN, HEAD(1), LEN,
					    HEAD(-1),	      LEN };
	static const struct op over[] = { HEAD(16064 - 59),
					  LEN,
					  { OP_TAIL_FLAGS, 0 } };
	static const struct op pop_after[] = {
		HEAD(4), POP, LEN, PUSH(0x8100, 1), PUSH(0x8100, 2), LEN
	};
	static const struct prog_case progs[] = {
		CASE("push 14", some),
		CASE("to the limit", limits),
		CASE("past the limit", over),
		CASE("then VLAN", pop_after),
	};

	NEED_KERNEL();
	cmp_cases(progs, KBPF_ARRAY_SIZE(progs));
}

KBPF_TEST(
	skb_cgroup_ids_vs_kernel,
	"bpf_skb_cgroup_id and bpf_skb_ancestor_cgroup_id of a test run's packet (its socket is in the running task's cgroup) as the kernel: the task's cgroup id, its ancestors, and 0 past the depth")
{
	static const struct op ops[] = {
		{ BPF_FUNC_skb_cgroup_id, 0 },
		{ BPF_FUNC_get_current_cgroup_id, 0 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, 0 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, 1 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, 2 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, 3 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, 50 },
		{ BPF_FUNC_skb_ancestor_cgroup_id, -1 },
	};
	uint64_t slots[2][NSLOT];
	uint8_t pkt[60];

	NEED_KERNEL();
	cmp_ops("cgroup ids", ops, (int)KBPF_ARRAY_SIZE(ops), 0);
	make_pkt(pkt, sizeof(pkt), 1000, 53, 0);
	T_EQ(run_ops(SIDE_KERNEL, ops, 2, pkt, sizeof(pkt), 0, slots[0]), 0);
	/* Not vacuous: the kernel knows a cgroup, and it is the task's. */
	T_ASSERT(slots[0][0] != 0 && slots[0][0] == slots[0][1]);
}

/* This process's cgroup path ("0::PATH" of /proc/self/cgroup). */
static char self_cgroup[600];

/* Move this process into cgroup directory @path: 0 or -1. */
static int write_procs(const char *path)
{
	char f[1400];
	int fd, ok;

	if (snprintf(f, sizeof(f), "%s/cgroup.procs", path) >= (int)sizeof(f))
		return -1;
	fd = open(f, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, "0", 1) == 1;
	close(fd);
	return ok ? 0 : -1;
}

static int move_self(const char *path)
{
	FILE *f = fopen("/proc/self/cgroup", "r");
	char line[600];

	self_cgroup[0] = 0;
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = 0;
			if (snprintf(self_cgroup, sizeof(self_cgroup), "%s",
				     line + 3) >= (int)sizeof(self_cgroup))
				self_cgroup[0] = 0;
		}
	if (f)
		fclose(f);
	if (!self_cgroup[0])
		return -1;
	return write_procs(path);
}

/* Back into the cgroup move_self() found, under the mount at @mnt. */
static int move_back(const char *mnt)
{
	char path[1200];

	if (snprintf(path, sizeof(path), "%s%s", mnt, self_cgroup) >=
	    (int)sizeof(path))
		return -1;
	return write_procs(path);
}

/* r0 = bpf_skb_under_cgroup(ctx, map, idx) in a tc program. */
static long load_skb_under(int side, long map, int32_t idx)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, idx),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_skb_under_cgroup),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* One test run of skb_under_cgroup(@map, @idx) on @pkt: its retval in *@ret. */
static long run_under(int side, long map, int32_t idx, const uint8_t *pkt,
		      size_t len, uint32_t *ret)
{
	long p = load_skb_under(side, map, idx), r;
	union bpf_attr a;

	if (p < 0)
		return p;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)p;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = (uint32_t)len;
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	side_close(side, p);
	return r;
}

KBPF_TEST(
	skb_under_cgroup_vs_kernel,
	"bpf_skb_under_cgroup with a cgroup2 root and a child the task is not in, an empty slot and an index past the array, as the kernel")
{
	char dir[] = "/tmp/kbpf-skbcg-XXXXXX", sub[64];
	int root = -1, child = -1;
	bool mounted = false;
	long m[2];
	uint8_t pkt[60];

	NEED_KERNEL();
	if (mkdtemp(dir) && !mount("none", dir, "cgroup2", 0, NULL)) {
		mounted = true;
		snprintf(sub, sizeof(sub), "%s/kbpf", dir);
		if (!mkdir(sub, 0755)) {
			root = open(dir, O_RDONLY | O_DIRECTORY);
			child = open(sub, O_RDONLY | O_DIRECTORY);
		}
	}
	if (root < 0 || child < 0) {
		if (mounted)
			umount2(dir, MNT_DETACH);
		rmdir(dir);
		T_SKIP("no cgroup2 mount here");
	}
	make_pkt(pkt, sizeof(pkt), 1000, 53, 0);
	for (int s = 0; s < 2; s++) {
		uint32_t k = 0, v = (uint32_t)root;

		m[s] = side_create(s, BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0, 0,
				   NULL);
		T_ASSERT(m[s] >= 0);
		T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0), 0);
		k = 1;
		v = (uint32_t)child;
		T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0), 0);
	}
	for (int idx = 0; idx < 4; idx++) {
		int32_t i = idx == 3 ? 9 : idx;
		long r[2];
		uint32_t ret[2];

		for (int s = 0; s < 2; s++)
			r[s] = run_under(s, m[s], i, pkt, sizeof(pkt), &ret[s]);
		if (r[0] != r[1] || ret[0] != ret[1])
			T_FAIL("index %d: kernel %ld/%d, kbpf %ld/%d", i, r[0],
			       (int32_t)ret[0], r[1], (int32_t)ret[1]);
		if (idx == 0)
			T_EQ(ret[1], 1);
		if (idx == 1)
			T_EQ(ret[1], 0);
	}
	/*
	 * In the child, one level down: its ancestors and the child slot
	 * answer differently. The task goes back where it was after.
	 */
	if (!move_self(sub)) {
		static const struct op ops[] = {
			{ BPF_FUNC_skb_cgroup_id, 0 },
			{ BPF_FUNC_skb_ancestor_cgroup_id, 0 },
			{ BPF_FUNC_skb_ancestor_cgroup_id, 1 },
			{ BPF_FUNC_skb_ancestor_cgroup_id, 2 },
		};
		uint64_t slots[NSLOT];
		long r[2];
		uint32_t ret[2];

		cmp_ops("in a child cgroup", ops, (int)KBPF_ARRAY_SIZE(ops), 0);
		T_EQ(run_ops(SIDE_KERNEL, ops, 4, pkt, sizeof(pkt), 0, slots),
		     0);
		T_ASSERT(slots[0] && slots[0] == slots[2] && slots[1] &&
			 slots[1] != slots[0] && !slots[3]);
		for (int s = 0; s < 2; s++)
			r[s] = run_under(s, m[s], 1, pkt, sizeof(pkt), &ret[s]);
		T_EQ(r[0], 0);
		T_EQ(r[1], 0);
		T_EQ(ret[0], 1);
		T_EQ(ret[1], 1);
		T_EQ(move_back(dir), 0);
	} else {
		printf("  cannot move into a child cgroup here: its part is skipped\n");
	}
	for (int s = 0; s < 2; s++)
		side_close(s, m[s]);
	kbpf_posix_rcu_barrier();
	close(child);
	close(root);
	for (int i = 0; i < 100 && rmdir(sub) && errno == EBUSY; i++)
		usleep(20000);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}
