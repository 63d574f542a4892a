// SPDX-License-Identifier: MIT
/*
 * bpf_skb_change_proto, bpf_skb_adjust_room and bpf_check_mtu against the
 * kernel. Each case is one program (a list of helper calls and context
 * reads whose results go into an array map), loaded on both sides and run
 * through BPF_PROG_TEST_RUN over the same packets: Ethernet + IPv4/IPv6 +
 * TCP/UDP (and an ARP frame, which neither helper may touch) of many
 * lengths, with and without BPF_F_TEST_SKB_CHECKSUM_COMPLETE. Compared:
 * the test run's result, the program's return value, the output packet
 * byte for byte, and every slot (helper results, the protocol, length and
 * hash the program reads after, the checksum level, mtu_len out).
 *
 * The MTU cases use the loopback device (ifindex 0: the test run's own
 * device, and 1), devices this test creates when it can (a tap device
 * with MTU 1280 and a tun device with MTU 1400, whose link-layer header
 * is empty; deleted at the end) and an ifindex no device has.
 *
 * The load-time cases compare what the verifier says (enforcing) to
 * programs that use the helpers from program types Linux does not offer
 * them to, pass mtu_len uninitialised, misaligned, as a scalar or in a
 * map value programs may not write, or have no GPL licence: the result
 * and the log's last line. SK_SKB programs, to which Linux offers a different
 * bpf_skb_adjust_room, are not among them: kbpf has no SK_SKB context.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define NSLOT 8
#define MTU_SLOT (-8) /* fp offset of mtu_len */
#define MAX_OUT 16384

enum op_kind {
	OP_CALL, /* helper(ctx, a[0], a[1], a[2], a[3]) */
	OP_CTX, /* a[0]: offset of a u32 __sk_buff field */
	OP_MTU, /* the u32 mtu_len on the stack */
};

struct op {
	enum op_kind kind;
	int32_t helper;
	uint64_t a[4]; /* r2-r5; check_mtu: a[1] is mtu_len's value in */
};

static int ld64(struct bpf_insn *p, int k, int reg, uint64_t v)
{
	p[k++] = I(BPF_LD | BPF_IMM | BPF_DW, reg, 0, 0, (int32_t)(uint32_t)v);
	p[k++] = I(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
	return k;
}

/* The program of @ops; returns the instruction count. */
static int build(struct bpf_insn *p, long map, uint32_t type,
		 const struct op *ops, int n)
{
	int k = 0;

	p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, MTU_SLOT, 0);
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
		const struct op *o = &ops[i];

		if (o->kind == OP_CTX) {
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 6,
				   (int16_t)o->a[0], 0);
		} else if (o->kind == OP_MTU) {
			p[k++] = I(BPF_LDX | BPF_MEM | BPF_W, 0, 10, MTU_SLOT,
				   0);
		} else {
			p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
			k = ld64(p, k, 2, o->a[0]);
			if (o->helper == BPF_FUNC_check_mtu) {
				p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0,
					   MTU_SLOT,
					   (int32_t)(uint32_t)o->a[1]);
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10,
					   0, 0);
				p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0,
					   MTU_SLOT);
			} else {
				k = ld64(p, k, 3, o->a[1]);
			}
			k = ld64(p, k, 4, o->a[2]);
			k = ld64(p, k, 5, o->a[3]);
			p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, o->helper);
		}
		p[k++] = I(BPF_STX | BPF_MEM | BPF_DW, 7, 0, (int16_t)(8 * i),
			   0);
	}
	if (type == BPF_PROG_TYPE_XDP)
		p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2);
	else
		p[k++] = I(BPF_LDX | BPF_MEM | BPF_DW, 0, 7, 0, 0);
	p[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return k;
}

/* ---- packets ---- */

#define PK_V4 0
#define PK_V6 1
#define PK_ARP 2

static size_t min_len(int fam)
{
	return fam == PK_V4 ? 34 : fam == PK_V6 ? 54 : 42;
}

/* Ethernet + (IPv4 | IPv6) + (TCP | UDP) header start, or ARP, @n bytes. */
static void make_pkt(uint8_t *p, size_t n, int fam, int l4)
{
	size_t l3 = 14, l4off = fam == PK_V4 ? 34 : 54;

	memset(p, 0, n);
	for (size_t i = 14; i < n; i++)
		p[i] = (uint8_t)(i * 13 + 5);
	p[6] = 0x02;
	p[11] = 0x07;
	if (fam == PK_ARP) {
		p[12] = 0x08;
		p[13] = 0x06;
		return;
	}
	if (fam == PK_V4) {
		p[12] = 0x08;
		p[13] = 0x00;
		p[l3] = 0x45;
		p[l3 + 1] = 0;
		p[l3 + 2] = (uint8_t)((n - 14) >> 8);
		p[l3 + 3] = (uint8_t)(n - 14);
		p[l3 + 6] = p[l3 + 7] = 0;
		p[l3 + 8] = 64;
		p[l3 + 9] = (uint8_t)l4;
	} else {
		p[12] = 0x86;
		p[13] = 0xdd;
		p[l3] = 0x60;
		p[l3 + 4] = (uint8_t)((n - 54) >> 8);
		p[l3 + 5] = (uint8_t)(n - 54);
		p[l3 + 6] = (uint8_t)l4;
		p[l3 + 7] = 64;
	}
	if (n >= l4off + 4) {
		p[l4off] = 0x04;
		p[l4off + 1] = 0xd2;
		p[l4off + 2] = 0x00;
		p[l4off + 3] = 0x35;
	}
}

struct pkt {
	uint8_t b[4096];
	size_t n;
	char name[40];
};

static struct pkt pkts[64];
static int npkts;

static void add_pkt(int fam, int l4, size_t n)
{
	struct pkt *p = &pkts[npkts++];

	make_pkt(p->b, n, fam, l4);
	p->n = n;
	snprintf(p->name, sizeof(p->name), "%s/%s len %zu",
		 fam == PK_V4 ? "ipv4" :
		 fam == PK_V6 ? "ipv6" :
				"arp",
		 fam == PK_ARP ? "-" :
		 l4 == 6       ? "tcp" :
				 "udp",
		 n);
}

static void make_pkts(void)
{
	static const size_t lens[] = { 0, 60, 98, 1294, 1295, 1414, 1514, 3000 };

	npkts = 0;
	for (int fam = PK_V4; fam <= PK_V6; fam++)
		for (int l4 = 0; l4 < 2; l4++)
			for (size_t i = 0; i < KBPF_ARRAY_SIZE(lens); i++)
				add_pkt(fam, l4 ? 17 : 6,
					lens[i] ? lens[i] : min_len(fam));
	add_pkt(PK_ARP, 0, 60);
}

/* ---- running one program on both sides ---- */

static uint8_t out[2][MAX_OUT];
static unsigned long runs_equal, runs_total, mismatches;

static void mismatch(const char *what, const char *pkt, const char *fmt, long a,
		     long b)
{
	mismatches++;
	if (mismatches <= 20) {
		printf("  MISMATCH %s on %s: ", what, pkt);
		printf(fmt, a, b);
		printf("\n");
	}
}

/* Load @ops on both sides; 0 if both loaded, else compare the errors. */
static int load_both(const char *what, uint32_t type, const struct op *ops,
		     int n, long map[2], long prog[2])
{
	struct bpf_insn p[32 + 24 * NSLOT];
	int k;

	for (int s = 0; s < 2; s++) {
		map[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8 * NSLOT, 1, 0,
				     0, NULL);
		k = build(p, map[s], type, ops, n);
		prog[s] = side_prog_load(s, type, 0, p, (uint32_t)k, NULL, 0);
	}
	if (prog[0] < 0 || prog[1] < 0) {
		runs_total++;
		if (prog[0] != prog[1])
			mismatch(what, "load", "kernel %ld, kbpf %ld", prog[0],
				 prog[1]);
		else
			runs_equal++;
		for (int s = 0; s < 2; s++) {
			side_close(s, prog[s]);
			side_close(s, map[s]);
		}
		return -1;
	}
	return 0;
}

static void run_one(const char *what, uint32_t type, long map[2], long prog[2],
		    int n, const struct pkt *pk, uint32_t flags)
{
	uint64_t slots[2][NSLOT], zero[NSLOT] = { 0 };
	uint32_t key = 0, len[2], retval[2];
	union bpf_attr a;
	long r[2];
	bool same = true;

	for (int s = 0; s < 2; s++) {
		side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &key, zero, 0);
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)prog[s];
		a.test.data_in = (uint64_t)(uintptr_t)pk->b;
		a.test.data_size_in = (uint32_t)pk->n;
		a.test.data_out = (uint64_t)(uintptr_t)out[s];
		a.test.data_size_out = MAX_OUT;
		a.test.flags = flags;
		memset(out[s], 0, MAX_OUT);
		r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
		len[s] = a.test.data_size_out;
		retval[s] = a.test.retval;
		memset(slots[s], 0, sizeof(slots[s]));
		if (side_elem(s, BPF_MAP_LOOKUP_ELEM, map[s], &key, slots[s],
			      0))
			r[s] = -1000;
	}
	runs_total++;
	if (r[0] != r[1]) {
		mismatch(what, pk->name, "test run kernel %ld, kbpf %ld", r[0],
			 r[1]);
		return;
	}
	if (r[0] == 0 && retval[0] != retval[1]) {
		mismatch(what, pk->name, "retval kernel %ld, kbpf %ld",
			 (long)retval[0], (long)retval[1]);
		same = false;
	}
	if (len[0] != len[1] ||
	    (r[0] == 0 &&
	     memcmp(out[0], out[1], len[0] < MAX_OUT ? len[0] : MAX_OUT))) {
		mismatch(what, pk->name, "packet out (lengths %ld, %ld)",
			 (long)len[0], (long)len[1]);
		same = false;
	}
	for (int i = 0; i < n && r[0] == 0; i++)
		if (slots[0][i] != slots[1][i]) {
			char w[160];

			snprintf(w, sizeof(w), "%s slot %d", what, i);
			mismatch(w, pk->name, "kernel 0x%lx, kbpf 0x%lx",
				 (long)slots[0][i], (long)slots[1][i]);
			same = false;
		}
	if (same)
		runs_equal++;
	if (getenv("KBPF_TEST_VERBOSE")) {
		printf("  %s on %s%s: run %ld ret %d:", what, pk->name,
		       flags ? " complete" : "", r[0], (int)retval[0]);
		for (int i = 0; i < n; i++)
			printf(" %lld", (long long)slots[0][i]);
		printf("\n");
	}
}

/* @ops on every packet, with and without CHECKSUM_COMPLETE (tc). */
static void cmp_prog(const char *what, uint32_t type, const struct op *ops,
		     int n)
{
	long map[2], prog[2];

	if (load_both(what, type, ops, n, map, prog))
		return;
	for (int i = 0; i < npkts; i++)
		for (int c = 0; c < (type == BPF_PROG_TYPE_XDP ? 1 : 2); c++)
			run_one(what, type, map, prog, n, &pkts[i],
				c ? BPF_F_TEST_SKB_CHECKSUM_COMPLETE : 0);
	for (int s = 0; s < 2; s++) {
		side_close(s, prog[s]);
		side_close(s, map[s]);
	}
}

/* An __be16 EtherType as a program passes it (its value in memory order). */
static uint64_t be16(uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };
	uint16_t r;

	memcpy(&r, b, 2);
	return r;
}

#define CALL(h, x, y, z, w)        \
	{                          \
		OP_CALL, h,        \
		{                  \
			x, y, z, w \
		}                  \
	}
#define CTX(f)                                                 \
	{                                                      \
		OP_CTX, 0,                                     \
		{                                              \
			offsetof(struct __sk_buff, f), 0, 0, 0 \
		}                                              \
	}
#define PRE_INC CALL(BPF_FUNC_csum_level, BPF_CSUM_LEVEL_INC, 0, 0, 0)
#define PRE_HASH CALL(BPF_FUNC_set_hash, 0x1234, 0, 0, 0)
#define POST_QUERY CALL(BPF_FUNC_csum_level, BPF_CSUM_LEVEL_QUERY, 0, 0, 0)

static void summary(const char *what)
{
	printf("  %s: %lu of %lu runs compared equal\n", what, runs_equal,
	       runs_total);
	if (mismatches)
		kbpf_test_fail(__FILE__, __LINE__, "%s: %lu mismatches", what,
			       mismatches);
}

static void reset_counts(void)
{
	runs_equal = runs_total = mismatches = 0;
}

KBPF_TEST(
	skb_change_proto_vs_kernel,
	"bpf_skb_change_proto between IPv4 and IPv6 (grown and shrunk after the Ethernet header), refusing other protocols, other EtherTypes and flags, clearing the hash: results, packets, protocol, length as the kernel")
{
	static const uint16_t protos[] = { 0x0800, 0x86dd, 0x0806, 0x0000,
					   0x88a8 };
	char what[96];

	NEED_KERNEL();
	make_pkts();
	reset_counts();
	for (size_t i = 0; i < KBPF_ARRAY_SIZE(protos); i++)
		for (int hi = 0; hi < 2; hi++)
			for (uint64_t fl = 0; fl < 3; fl++) {
				uint64_t pr = be16(protos[i]) |
					      (hi ? 0xabcd0000ull : 0);
				struct op ops[] = {
					PRE_HASH,
					CALL(BPF_FUNC_skb_change_proto, pr,
					     fl == 2 ? 1ull << 40 : fl, 0, 0),
					CTX(protocol),
					CTX(len),
					CTX(hash),
					/* a second change undoes the first */
					CALL(BPF_FUNC_skb_change_proto,
					     be16(protos[i] == 0x0800 ? 0x86dd :
									0x0800),
					     0, 0, 0),
					CTX(len),
				};

				snprintf(what, sizeof(what),
					 "change_proto(0x%llx, %llu)",
					 (unsigned long long)pr,
					 (unsigned long long)fl);
				cmp_prog(what, BPF_PROG_TYPE_SCHED_CLS, ops,
					 (int)KBPF_ARRAY_SIZE(ops));
			}
	summary("change_proto");
}

KBPF_TEST(
	skb_adjust_room_vs_kernel,
	"bpf_skb_adjust_room grows and shrinks at the MAC and NET offsets, every flag alone and combined (encapsulation L3/L4/L2, decapsulation, invalid bits), lengths around the limits: results, packets, protocol, length, checksum level as the kernel")
{
	static const int32_t diffs[] = { -4096, -4095, -1000, -60,  -41,
					 -40,	-21,   -20,   -8,   -1,
					 0,	1,     8,     14,   20,
					 40,	100,   4095,  4096, INT32_MIN };
	static const uint32_t modes[] = { BPF_ADJ_ROOM_NET, BPF_ADJ_ROOM_MAC, 2,
					  0x80000000u };
	static const uint64_t flags[] = {
		0,
		BPF_F_ADJ_ROOM_FIXED_GSO,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV6,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE |
			BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
		BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
		BPF_F_ADJ_ROOM_NO_CSUM_RESET,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_NO_CSUM_RESET,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
			BPF_F_ADJ_ROOM_ENCAP_L2(14),
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
			BPF_F_ADJ_ROOM_ENCAP_L2(13),
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2(8),
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2(255),
		BPF_F_ADJ_ROOM_ENCAP_L2_ETH,
		BPF_F_ADJ_ROOM_DECAP_L3_IPV4,
		BPF_F_ADJ_ROOM_DECAP_L3_IPV6,
		BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6,
		BPF_F_ADJ_ROOM_DECAP_L3_IPV6 | BPF_F_ADJ_ROOM_FIXED_GSO |
			BPF_F_ADJ_ROOM_NO_CSUM_RESET,
		BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV4,
		1ull << 9,
		1ull << 40,
	};
	char what[128];

	NEED_KERNEL();
	make_pkts();
	reset_counts();
	for (size_t f = 0; f < KBPF_ARRAY_SIZE(flags); f++)
		for (size_t m = 0; m < KBPF_ARRAY_SIZE(modes); m++)
			for (size_t d = 0; d < KBPF_ARRAY_SIZE(diffs); d++) {
				/* Bad modes: a few differences are enough. */
				if (m >= 2 && d % 5)
					continue;
				struct op ops[] = {
					PRE_INC,
					PRE_HASH,
					CALL(BPF_FUNC_skb_adjust_room,
					     (uint64_t)(int64_t)diffs[d],
					     modes[m], flags[f], 0),
					CTX(protocol),
					CTX(len),
					POST_QUERY,
					CTX(hash),
				};

				snprintf(what, sizeof(what),
					 "adjust_room(%d, %u, 0x%llx)",
					 diffs[d], modes[m],
					 (unsigned long long)flags[f]);
				cmp_prog(what, BPF_PROG_TYPE_SCHED_CLS, ops,
					 (int)KBPF_ARRAY_SIZE(ops));
			}
	summary("adjust_room");
}

KBPF_TEST(
	skb_adjust_room_state_vs_kernel,
	"after bpf_skb_adjust_room encapsulates: a second encapsulation, a decapsulation and bpf_skb_change_tail see the kernel's encapsulation and transport header state")
{
	static const uint64_t encaps[] = {
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP,
		BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE,
		0,
	};
	static const uint32_t tails[] = { 14, 40, 60, 74, 200 };
	char what[128];

	NEED_KERNEL();
	make_pkts();
	reset_counts();
	for (size_t e = 0; e < KBPF_ARRAY_SIZE(encaps); e++)
		for (size_t t = 0; t < KBPF_ARRAY_SIZE(tails); t++)
			for (int mode = 0; mode < 2; mode++) {
				struct op ops[] = {
					CALL(BPF_FUNC_skb_adjust_room, 40,
					     (uint64_t)mode, encaps[e], 0),
					CALL(BPF_FUNC_skb_adjust_room, 20,
					     BPF_ADJ_ROOM_MAC, encaps[0], 0),
					CALL(BPF_FUNC_skb_adjust_room,
					     (uint64_t)-20, BPF_ADJ_ROOM_MAC,
					     BPF_F_ADJ_ROOM_DECAP_L3_IPV4, 0),
					CALL(BPF_FUNC_skb_adjust_room, 20,
					     BPF_ADJ_ROOM_MAC, encaps[0], 0),
					CALL(BPF_FUNC_skb_change_tail, tails[t],
					     0, 0, 0),
					CTX(len),
					CTX(protocol),
				};

				snprintf(what, sizeof(what),
					 "encap 0x%llx mode %d, tail %u",
					 (unsigned long long)encaps[e], mode,
					 tails[t]);
				cmp_prog(what, BPF_PROG_TYPE_SCHED_CLS, ops,
					 (int)KBPF_ARRAY_SIZE(ops));
			}
	summary("adjust_room state");
}

/* ---- bpf_check_mtu ---- */

static char tap_name[IF_NAMESIZE], tun_name[IF_NAMESIZE];

static int make_dev(char *name, const char *mode, unsigned mtu)
{
	char cmd[160];
	unsigned idx;

	snprintf(name, IF_NAMESIZE, "kbpf%s%d", mode, (int)getpid() % 100000);
	snprintf(cmd, sizeof(cmd),
		 "ip tuntap add dev %s mode %s >/dev/null 2>&1 && "
		 "ip link set %s mtu %u >/dev/null 2>&1",
		 name, mode, name, mtu);
	if (system(cmd) != 0) {
		name[0] = 0;
		return 0;
	}
	idx = if_nametoindex(name);
	return (int)idx;
}

static void del_dev(char *name, const char *mode)
{
	char cmd[120];

	if (!name[0])
		return;
	snprintf(cmd, sizeof(cmd),
		 "ip tuntap del dev %s mode %s >/dev/null 2>&1", name, mode);
	if (system(cmd) != 0)
		printf("  could not delete %s\n", name);
	name[0] = 0;
}

KBPF_TEST(
	check_mtu_vs_kernel,
	"bpf_check_mtu from tc and XDP on loopback, a tap device with MTU 1280, a tun device (no link-layer header) and a missing ifindex, mtu_len in around each MTU, length differences across the limit, every flag: results, mtu_len out, packets as the kernel")
{
	static const uint32_t mtu_ins[] = {
		0,    1,     1265,  1266,  1279,  1280,	       1281,	   1400,
		1401, 65535, 65536, 65537, 65550, 0x7ffffff0u, 0xffffffffu
	};
	static const int32_t diffs[] = { 0,	 1,	    -1,	      -100,
					 14,	 65450,	    65451,    65452,
					 -65536, INT32_MAX, INT32_MIN };
	static const uint64_t flags[] = { 0, BPF_MTU_CHK_SEGS, 2, 3,
					  1ull << 63 };
	uint32_t ifs[5] = { 0, 1, 0, 0, 0x7fffff00u };
	char what[128];
	int nifs = 2;

	NEED_KERNEL();
	make_pkts();
	reset_counts();
	ifs[nifs] = (uint32_t)make_dev(tap_name, "tap", 1280);
	if (ifs[nifs])
		nifs++;
	else
		printf("  no tap device (ip tuntap failed): MTU 1280 not covered\n");
	ifs[nifs] = (uint32_t)make_dev(tun_name, "tun", 1400);
	if (ifs[nifs])
		nifs++;
	else
		printf("  no tun device (ip tuntap failed): header-less device not covered\n");
	ifs[nifs++] = 0x7fffff00u;
	for (int x = 0; x < 2; x++) {
		uint32_t type = x ? BPF_PROG_TYPE_XDP : BPF_PROG_TYPE_SCHED_CLS;

		for (int i = 0; i < nifs; i++)
			for (size_t m = 0; m < KBPF_ARRAY_SIZE(mtu_ins); m++)
				for (size_t d = 0; d < KBPF_ARRAY_SIZE(diffs);
				     d++)
					for (size_t f = 0;
					     f < KBPF_ARRAY_SIZE(flags); f++) {
						/* flags with a few values */
						if (f && (m % 4 || d % 3))
							continue;
						struct op ops[] = {
							CALL(BPF_FUNC_check_mtu,
							     ifs[i], mtu_ins[m],
							     (uint64_t)(int64_t)
								     diffs[d],
							     flags[f]),
							{ OP_MTU, 0, { 0 } },
						};

						snprintf(
							what, sizeof(what),
							"%s check_mtu(if %u, mtu_len %u, diff %d, 0x%llx)",
							x ? "xdp" : "tc",
							ifs[i], mtu_ins[m],
							diffs[d],
							(unsigned long long)
								flags[f]);
						cmp_prog(what, type, ops, 2);
					}
	}
	del_dev(tap_name, "tap");
	del_dev(tun_name, "tun");
	summary("check_mtu");
}

/* ---- load time ---- */

/*
 * The verifier's refusal: the last line of @log that is not the
 * "processed N insns" summary, without its newline (in place).
 */
static const char *last_line(char *log)
{
	char *end = log + strlen(log), *start;

	for (;;) {
		while (end > log && end[-1] == '\n')
			*--end = 0;
		start = end;
		while (start > log && start[-1] != '\n')
			start--;
		if (start == log || strncmp(start, "processed ", 10))
			return start;
		*start = 0;
		end = start;
	}
}

/*
 * Load @p (@n instructions) on both sides; with @map_flags >= 0, an array
 * map of one 8-byte value with those flags is created on each side and
 * named by the program's BPF_PSEUDO_MAP_FD load.
 */
static void cmp_load(const char *what, uint32_t type, struct bpf_insn *p, int n,
		     const char *license, long map_flags)
{
	long map[2] = { -1, -1 };

	static char log[2][8192];
	const char *last[2];
	union bpf_attr a;
	long r[2];

	for (int s = 0; s < 2; s++) {
		if (map_flags >= 0) {
			map[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1,
					     (uint32_t)map_flags, 0, NULL);
			for (int i = 0; i < n; i++)
				if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
				    p[i].src_reg == BPF_PSEUDO_MAP_FD)
					p[i].imm = (int32_t)map[s];
		}
		memset(&a, 0, sizeof(a));
		a.prog_type = type;
		a.insns = (uint64_t)(uintptr_t)p;
		a.insn_cnt = (uint32_t)n;
		a.license = (uint64_t)(uintptr_t)license;
		log[s][0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log[s];
		a.log_size = sizeof(log[s]);
		a.log_level = 1;
		r[s] = side_bpf(s, BPF_PROG_LOAD, &a);
		last[s] = last_line(log[s]);
	}
	if (getenv("KBPF_TEST_VERBOSE"))
		printf("  %s: kernel %ld \"%s\", kbpf %ld\n", what, r[0],
		       r[0] < 0 ? last[0] : "", r[1]);
	runs_total++;
	if ((r[0] < 0) != (r[1] < 0) || (r[0] < 0 && r[0] != r[1]))
		mismatch(what, "load", "kernel %ld, kbpf %ld", r[0], r[1]);
	else if (r[0] < 0 && r[0] != -EINVAL && strcmp(last[0], last[1]))
		printf("  MISMATCH %s: log line kernel \"%s\", kbpf \"%s\"\n",
		       what, last[0], last[1]),
			mismatches++;
	else
		runs_equal++;
	for (int s = 0; s < 2; s++) {
		side_close(s, r[s]);
		side_close(s, map[s]);
	}
}

KBPF_TEST(
	mtu_room_load_vs_kernel,
	"the three helpers load only for the program types Linux offers them to, bpf_check_mtu only with a GPL licence and a writable, aligned mtu_len (uninitialised stack is allowed to this privileged loader, as Linux allows it): load results and the refusal's log line as the kernel")
{
	static const uint32_t types[] = {
		BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_SCHED_ACT,     BPF_PROG_TYPE_XDP,
		BPF_PROG_TYPE_CGROUP_SKB,    BPF_PROG_TYPE_LWT_XMIT,
		BPF_PROG_TYPE_LWT_IN,
	};
	static const int32_t helpers[] = { BPF_FUNC_skb_change_proto,
					   BPF_FUNC_skb_adjust_room,
					   BPF_FUNC_check_mtu };
	struct bpf_insn p[24];
	char what[96];
	int k;

	NEED_KERNEL();
	reset_counts();
	/* Refusals are the verifier's: compare with it enforcing. */
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++)
		for (size_t h = 0; h < KBPF_ARRAY_SIZE(helpers); h++)
			for (int v = 0; v < 8; v++) {
				/*
				 * v: 0 plain, 1 licence "MIT", 2 mtu_len
				 * uninitialised, 3 misaligned, 4 a scalar;
				 * in a map value: 5 writable, 6 read-only
				 * to programs, 7 misaligned
				 */
				k = 0;
				if (v >= 5) {
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X,
						   6, 1, 0, 0);
					p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10,
						   0, -4, 0);
					p[k++] = I(BPF_LD | BPF_IMM | BPF_DW, 1,
						   BPF_PSEUDO_MAP_FD, 0, 0);
					p[k++] = I(0, 0, 0, 0, 0);
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X,
						   2, 10, 0, 0);
					p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K,
						   2, 0, 0, -4);
					p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
						   BPF_FUNC_map_lookup_elem);
					p[k++] = I(BPF_JMP | BPF_JNE | BPF_K, 0,
						   0, 1, 0);
					p[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0,
						   0);
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X,
						   1, 6, 0, 0);
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X,
						   3, 0, 0, 0);
					p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K,
						   3, 0, 0, v == 7 ? 2 : 0);
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K,
						   2, 0, 0, 0);
					goto call;
				}
				p[k++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0,
					   -16, 0);
				if (v != 2)
					p[k++] = I(BPF_ST | BPF_MEM | BPF_W, 10,
						   0, -8, 0);
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0,
					   0);
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10,
					   0, 0);
				p[k++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0,
					   v == 3 ? -14 : -8);
				if (v == 4)
					p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K,
						   3, 0, 0, 0);
call:
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0,
					   0);
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 5, 0, 0,
					   0);
				p[k++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
					   helpers[h]);
				p[k++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0,
					   0);
				p[k++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
				if (v >= 2 && helpers[h] != BPF_FUNC_check_mtu)
					continue;
				snprintf(what, sizeof(what),
					 "type %u helper %d variant %d",
					 types[t], helpers[h], v);
				cmp_load(what, types[t], p, k,
					 v == 1 ? "MIT" : "GPL",
					 v < 5	? -1 :
					 v == 6 ? BPF_F_RDONLY_PROG :
						  0);
			}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	summary("load");
}
