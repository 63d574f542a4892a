// SPDX-License-Identifier: MIT
/*
 * Packet programs against the kernel: every context access a SOCKET_FILTER,
 * SCHED_CLS or XDP program can write (each offset and size, loads and
 * stores) loads or is refused with the kernel's errno and log line, and
 * runs with the kernel's retval, data_out and ctx_out; BPF_PROG_TEST_RUN's
 * attribute rules (sizes, flags, cpu, ctx_in fields, ENOSPC) give the
 * kernel's errno and written-back fields; the XDP head/tail/meta helpers
 * move the packet as the kernel's do, at every offset around their limits.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_##f)

static char logs[2][8192];
static int nr_fail;

/* Report and carry on (a whole sweep shows every difference, up to 40). */
#define FAIL(...)                                                        \
	do {                                                             \
		if (nr_fail++ < 40)                                      \
			kbpf_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
	} while (0)

static long load(int side, uint32_t type, const struct bpf_insn *p, uint32_t n,
		 uint32_t eat)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = sizeof(logs[side]);
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	a.expected_attach_type = eat;
	logs[side][0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* Both sides refuse with the same errno, and kbpf's first log line is in the kernel's log. */
static int nr_kbpf_refusals;

static void same_load(const char *what, long r[2])
{
	/* Documented differences: kbpf refuses what it lacks, with a "kbpf:" line. */
	if (r[0] >= 0 && r[1] < 0 && !strncmp(logs[1], "kbpf:", 5)) {
		nr_kbpf_refusals++;
		side_close(SIDE_KERNEL, r[0]);
		r[0] = r[1];
		return;
	}
	if (!same_result(r[0], r[1])) {
		FAIL("%s: load kernel %s kbpf %s (kbpf log: %s; kernel log: %s)",
		     what, oracle_errno_name(r[0]), oracle_errno_name(r[1]),
		     logs[1], logs[0]);
		return;
	}
	if (r[0] < 0 && logs[1][0]) {
		char first[256];
		size_t k = strcspn(logs[1], "\n");

		snprintf(first, sizeof(first), "%.*s", (int)k, logs[1]);
		if (strncmp(first, "kbpf:", 5) && !strstr(logs[0], first))
			FAIL("%s: kbpf log line \"%s\" not in the kernel's log:\n%s",
			     what, first, logs[0]);
	}
}

struct run {
	uint32_t data_size_in, data_size_out, ctx_size_in, ctx_size_out;
	uint32_t flags, cpu, repeat, batch;
	const void *data_in, *ctx_in;
	bool data_out, ctx_out;
};

struct result {
	long err;
	uint32_t retval, data_size_out, ctx_size_out;
	/* As big as the largest packet: data_size_out 0 means no limit. */
	uint8_t data[3520 + 18 * 4096];
	uint8_t ctx[256];
};

static void side_run(int side, long fd, const struct run *rn,
		     struct result *res)
{
	static uint8_t ctx_in[8192];
	union bpf_attr a;

	memset(res, 0xa5, sizeof(*res));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)rn->data_in;
	a.test.data_size_in = rn->data_size_in;
	a.test.data_out = rn->data_out ? (uint64_t)(uintptr_t)res->data : 0;
	a.test.data_size_out = rn->data_size_out;
	if (rn->ctx_in) {
		memcpy(ctx_in, rn->ctx_in,
		       rn->ctx_size_in < sizeof(ctx_in) ? rn->ctx_size_in :
							  sizeof(ctx_in));
		a.test.ctx_in = (uint64_t)(uintptr_t)ctx_in;
	}
	a.test.ctx_size_in = rn->ctx_size_in;
	a.test.ctx_out = rn->ctx_out ? (uint64_t)(uintptr_t)res->ctx : 0;
	a.test.ctx_size_out = rn->ctx_size_out;
	a.test.flags = rn->flags;
	a.test.cpu = rn->cpu;
	a.test.repeat = rn->repeat;
	a.test.batch_size = rn->batch;
	a.test.retval = 0xdeadbeef;
	res->err = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	res->retval = a.test.retval;
	res->data_size_out = a.test.data_size_out;
	res->ctx_size_out = a.test.ctx_size_out;
}

/* Same errno, retval, sizes, data_out and ctx_out bytes on both sides. */
static bool same_run_(const char *what, long fd[2], const struct run *rn,
		      bool show)
{
	static struct result res[2];
	size_t dn, cn;

	for (int s = 0; s < 2; s++)
		side_run(s, fd[s], rn, &res[s]);
	if (show)
		printf("  %s: kernel %s retval %#x\n", what,
		       oracle_errno_name(res[0].err), res[0].retval);
	if (res[0].err != res[1].err || res[0].retval != res[1].retval ||
	    res[0].data_size_out != res[1].data_size_out ||
	    res[0].ctx_size_out != res[1].ctx_size_out) {
		FAIL("%s: kernel %s retval %#x size_out %u ctx_out %u; kbpf %s retval %#x size_out %u ctx_out %u",
		     what, oracle_errno_name(res[0].err), res[0].retval,
		     res[0].data_size_out, res[0].ctx_size_out,
		     oracle_errno_name(res[1].err), res[1].retval,
		     res[1].data_size_out, res[1].ctx_size_out);
		return false;
	}
	dn = rn->data_size_out ? rn->data_size_out : res[0].data_size_out;
	if (dn > sizeof(res[0].data))
		dn = sizeof(res[0].data);
	cn = rn->ctx_size_out < sizeof(res[0].ctx) ? rn->ctx_size_out :
						     sizeof(res[0].ctx);
	for (size_t i = 0; rn->data_out && i < dn; i++)
		if (res[0].data[i] != res[1].data[i]) {
			FAIL("%s: data_out[%zu] kernel %#x kbpf %#x", what, i,
			     res[0].data[i], res[1].data[i]);
			return false;
		}
	for (size_t i = 0; rn->ctx_out && i < cn; i++)
		if (res[0].ctx[i] != res[1].ctx[i]) {
			FAIL("%s: ctx_out[%zu] kernel %#x kbpf %#x", what, i,
			     res[0].ctx[i], res[1].ctx[i]);
			return false;
		}
	return true;
}

static bool same_run(const char *what, long fd[2], const struct run *rn)
{
	return same_run_(what, fd, rn, getenv("KBPF_TEST_SHOW") != NULL);
}

/* ---- test packets ---- */

#define NR_PKTS 7
static uint8_t pkts[NR_PKTS][256];
static const uint32_t pkt_len[NR_PKTS] = { 64, 78, 42, 60, 14, 15, 200 };

static void make_pkts(void)
{
	static const uint8_t ipv4_udp[] = {
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x11, 0x22,
		0x33, 0x44, 0x55, 0x08, 0x00, 0x45, 0x00, 0x00, 0x32,
		0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 10,
		0,    0,    1,	  10,	0,    0,    2,	  0x30, 0x39,
		0x00, 0x35, 0x00, 0x1e, 0x00, 0x00
	};
	static const uint8_t ipv6_tcp[] = {
		0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x11,
		0x22, 0x33, 0x44, 0x55, 0x86, 0xdd, 0x60, 0x00,
		0x00, 0x00, 0x00, 0x18, 0x06, 0x40, 0xfe, 0x80
	};
	static const uint8_t arp[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				       0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
				       0x08, 0x06, 0x00, 0x01, 0x08, 0x00 };
	static const uint8_t raw8023[] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01,
					   0x02, 0x11, 0x22, 0x33, 0x44, 0x55,
					   0x00, 0x30, 0xff, 0xff };
	uint64_t st = 7;

	for (int p = 0; p < NR_PKTS; p++)
		for (int i = 0; i < 256; i++)
			pkts[p][i] = (uint8_t)kbpf_test_rand(&st);
	memcpy(pkts[0], ipv4_udp, sizeof(ipv4_udp));
	memcpy(pkts[1], ipv6_tcp, sizeof(ipv6_tcp));
	memcpy(pkts[2], arp, sizeof(arp));
	memcpy(pkts[3], raw8023, sizeof(raw8023));
	memcpy(pkts[4], ipv4_udp, 14);
	memcpy(pkts[5], raw8023, 14); /* 802.3 with one payload byte */
}

static const uint32_t types[] = { BPF_PROG_TYPE_SOCKET_FILTER,
				  BPF_PROG_TYPE_SCHED_CLS,
				  BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_XDP,
				  BPF_PROG_TYPE_CGROUP_SKB };

/*
 * Linux's verifier keeps a cgroup skb program's return value in 0..1;
 * kbpf has no verifier to prove it, so its test programs mask r0.
 */
#define CG_RET(type, p, n)                                                  \
	do {                                                                \
		if ((type) == BPF_PROG_TYPE_CGROUP_SKB)                     \
			(p)[(n)++] =                                        \
				I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 1); \
	} while (0)

/* A ctx_in each type accepts, with fields set where the type allows. */
static uint32_t good_ctx(uint32_t type, uint8_t *c, uint32_t pkt)
{
	memset(c, 0, 192);
	if (type == BPF_PROG_TYPE_XDP) {
		struct xdp_md *m = (void *)c;

		m->data = 0;
		m->data_end = pkt_len[pkt];
		return sizeof(*m);
	}
	struct __sk_buff *s = (void *)c;

	s->mark = 0x11223344;
	s->priority = 7;
	s->ingress_ifindex = 3;
	s->cb[0] = 0xa1;
	s->cb[4] = 0xa5;
	s->tstamp = 0x123456789ull;
	s->gso_segs = 3;
	s->gso_size = 0x10005;
	s->hwtstamp = 99;
	return sizeof(*s);
}

KBPF_TEST(
	packet_ctx_access,
	"every context load and store (offset x size x type) loads, is refused and runs as in the kernel")
{
	int loaded = 0, refused = 0, runs = 0;

	NEED_KERNEL();
	make_pkts();
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		for (int kind = 0; kind < 4; kind++) {
			for (uint32_t size = 1; size <= 8; size *= 2) {
				static const uint8_t sz[] = {
					0, BPF_B, BPF_H, 0,	BPF_W,
					0, 0,	  0,	 BPF_DW
				};
				for (int off = -4; off < 200; off++) {
					struct bpf_insn p[8];
					uint32_t n = 0;
					long fd[2];
					char what[128];

					if (off % (int)size && off != 2 &&
					    off != 1)
						continue;
					/* 0: load; 1: signed load; 2: store reg; 3: store imm + read back */
					if (kind == 1 && size == 8)
						continue;
					p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X,
						   6, 1, 0, 0);
					if (kind == 0)
						p[n++] = I(BPF_LDX | BPF_MEM |
								   sz[size],
							   0, 1, (int16_t)off,
							   0);
					else if (kind == 1)
						p[n++] = I(BPF_LDX | BPF_MEMSX |
								   sz[size],
							   0, 1, (int16_t)off,
							   0);
					else if (kind == 2) {
						p[n++] = I(BPF_LD | BPF_IMM |
								   BPF_DW,
							   2, 0, 0,
							   (int32_t)0x9abcdef0);
						p[n++] = I(0, 0, 0, 0,
							   0x12345678);
						p[n++] = I(BPF_STX | BPF_MEM |
								   sz[size],
							   1, 2, (int16_t)off,
							   0);
						p[n++] = MOV_K(0, 1);
					} else {
						p[n++] = I(BPF_ST | BPF_MEM |
								   sz[size],
							   1, 0, (int16_t)off,
							   0x7ffff);
						p[n++] = I(BPF_LDX | BPF_MEM |
								   sz[size],
							   0, 6, (int16_t)off,
							   0);
					}
					if (types[t] ==
						    BPF_PROG_TYPE_CGROUP_SKB &&
					    kind == 0 &&
					    ((size == 4 &&
					      (off == 76 || off == 80)) ||
					     (size == 8 && off == 168)))
						p[n++] = MOV_K(
							0, 1); /* a pointer */
					else if (types[t] ==
						 BPF_PROG_TYPE_CGROUP_SKB)
						/* The value in cb[4], r0 0 or 1. */
						p[n++] = I(BPF_STX | BPF_MEM |
								   BPF_W,
							   6, 0, 64, 0);
					CG_RET(types[t], p, n);
					p[n++] = EXIT;
					snprintf(
						what, sizeof(what),
						"type %u kind %d off %d size %u",
						types[t], kind, off, size);
					for (int s = 0; s < 2; s++)
						fd[s] = load(s, types[t], p, n,
							     0);
					same_load(what, fd);
					if (fd[0] < 0 || fd[1] < 0) {
						refused += fd[0] < 0;
						for (int s = 0; s < 2; s++)
							side_close(s, fd[s]);
						continue;
					}
					loaded++;
					for (uint32_t k = 0; k < NR_PKTS; k++) {
						uint8_t c[192];
						struct run rn = {
							.data_in = pkts[k],
							.data_size_in =
								pkt_len[k],
							.data_out = true,
							.ctx_out = true,
							.ctx_size_out = 192,
						};

						if (k & 1) {
							rn.ctx_size_in =
								good_ctx(
									types[t],
									c, k);
							rn.ctx_in = c;
						}
						/*
						 * A packet pointer's value differs; the clang
						 * programs use them. So does __sk_buff->sk's
						 * (what it points at: test_sk_ctx_diff).
						 */
						if (kind == 0 && size == 4 &&
						    (types[t] == BPF_PROG_TYPE_XDP ?
							     off <= 8 :
							     (off == 76 ||
							      off == 80 ||
							      off == 140)))
							break;
						if (kind == 0 && size == 8 &&
						    off == 168 &&
						    types[t] !=
							    BPF_PROG_TYPE_XDP)
							break;
						runs++;
						if (!same_run(what, fd, &rn))
							break;
					}
					for (int s = 0; s < 2; s++)
						side_close(s, fd[s]);
				}
			}
		}
	}
	printf("  %d context accesses loaded and run (%d runs), %d refused as the kernel refuses, %d refused by kbpf only\n",
	       loaded, runs, refused, nr_kbpf_refusals);
	T_ASSERT(loaded > 100 && refused > 100);
}

/* ---- BPF_PROG_TEST_RUN attribute rules ---- */

#define LD_CTX(d, off) I(BPF_LDX | BPF_MEM | BPF_W, d, 1, off, 0)

/*
 * XDP and tc: write 0x55 at data[0] when there is a byte, return the
 * packet's length; socket filters return skb->len.
 */
static uint32_t rules_prog(uint32_t type, struct bpf_insn *p)
{
	uint32_t n = 0;
	int16_t d = type == BPF_PROG_TYPE_XDP ? 0 : 76;
	int16_t e = type == BPF_PROG_TYPE_XDP ? 4 : 80;

	if (type == BPF_PROG_TYPE_SOCKET_FILTER ||
	    type == BPF_PROG_TYPE_CGROUP_SKB) {
		p[n++] = LD_CTX(0, 0);
		CG_RET(type, p, n);
		p[n++] = EXIT;
		return n;
	}
	p[n++] = LD_CTX(2, d);
	p[n++] = LD_CTX(3, e);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, 1);
	p[n++] = I(BPF_JMP | BPF_JGT | BPF_X, 4, 3, 1, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_B, 2, 0, 0, 0x55);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 3, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_SUB | BPF_X, 0, 2, 0, 0);
	p[n++] = EXIT;
	return n;
}

static uint8_t big[3520 + 18 * 4096];

KBPF_TEST(
	packet_test_run_rules,
	"TEST_RUN rules for packet programs (sizes, data_out/ENOSPC, flags, cpu, batch, repeat, ctx_in/ctx_out fields, XDP metadata, fragments, live frames) give the kernel's results")
{
	int cases = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 1);
	memcpy(big + 12, "\x08\x06", 2); /* ARP: no IP header needed */
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		bool xdp = types[t] == BPF_PROG_TYPE_XDP;
		struct bpf_insn p[16];
		uint32_t n = rules_prog(types[t], p);
		long fd[2];

		for (int s = 0; s < 2; s++)
			fd[s] = load(s, types[t], p, n, 0);
		same_load("rules prog", fd);
		T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
		/* data sizes and data_out */
		static const uint32_t sizes[] = { 0,
						  13,
						  14,
						  15,
						  100,
						  3520,
						  3521,
						  3712,
						  3713,
						  4000,
						  8000,
						  3520 + 17 * 4096,
						  3520 + 17 * 4096 + 1 };
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
			static const uint32_t outs[] = { 0,    10,   100,
							 4000, 1000, 8192 };
			for (size_t o = 0; o < sizeof(outs) / sizeof(outs[0]);
			     o++) {
				struct run rn = { .data_in = big,
						  .data_size_in = sizes[k],
						  .data_out = outs[o] != 8192,
						  .data_size_out = outs[o] };
				char what[96];

				if (outs[o] == 8192)
					rn.data_size_out = 10; /* no buffer */
				if (rn.data_out && !outs[o] &&
				    sizes[k] >
					    sizeof(((struct result *)0)->data))
					continue;
				snprintf(what, sizeof(what),
					 "type %u size %u out %u", types[t],
					 sizes[k], outs[o]);
				cases++;
				same_run(what, fd, &rn);
			}
		}
		/* flags, cpu, batch, repeat */
		for (uint32_t f = 0; f < 16; f++) {
			for (uint32_t v = 0; v < 6; v++) {
				struct run rn = { .data_in = big,
						  .data_size_in = 100,
						  .data_out = true,
						  .flags = f };
				char what[96];

				rn.cpu = v == 1 ? 1 : v == 2 ? 5000 : 0;
				rn.batch = v == 3 ? 1 : v == 4 ? 300 : 0;
				rn.repeat = v == 5 ? 7 : 0;
				snprintf(what, sizeof(what),
					 "type %u flags %u variant %u",
					 types[t], f, v);
				cases++;
				same_run(what, fd, &rn);
			}
		}
		/* ctx_in / ctx_out */
		for (uint32_t v = 0; v < 40; v++) {
			uint8_t c[4200];
			struct run rn = { .data_in = big,
					  .data_size_in = 100,
					  .data_out = true,
					  .ctx_in = c,
					  .ctx_size_in = xdp ? 24 : 192,
					  .ctx_out = true,
					  .ctx_size_out = 256 };
			struct __sk_buff *sk = (void *)c;
			struct xdp_md *md = (void *)c;
			char what[96];

			memset(c, 0, sizeof(c));
			if (xdp)
				md->data_end = 100;
			switch (v) {
			case 0:
				rn.ctx_in = NULL;
				rn.ctx_size_in = 0;
				break;
			case 1:
				rn.ctx_size_in = 8;
				md->data_end = 0;
				break;
			case 2:
				rn.ctx_size_in = 300;
				break;
			case 3:
				rn.ctx_size_in = 300;
				c[299] = 1;
				break;
			case 4:
				rn.ctx_size_in = 4097;
				break;
			case 5:
				rn.ctx_size_out = 4;
				break;
			case 6:
				rn.ctx_out = false;
				rn.ctx_size_out = 0;
				break;
			default:
				if (xdp) {
					static const uint32_t m[][6] = {
						{ 4, 100, 0, 0, 0, 0 },
						{ 8, 50, 0, 0, 0, 0 },
						{ 3, 100, 0, 0, 0, 0 },
						{ 216, 300, 0, 0, 0, 0 },
						{ 220, 300, 0, 0, 0, 0 },
						{ 0, 101, 0, 0, 0, 0 },
						{ 20, 10, 0, 0, 0, 0 },
						{ 0, 100, 4, 0, 0, 0 },
						{ 0, 100, 0, 1, 0, 0 },
						{ 0, 100, 0, 1, 1, 0 },
						{ 0, 100, 0, 0, 1, 0 },
						{ 0, 100, 0, 9999, 0, 0 },
						{ 0, 100, 0, 0, 0, 1 },
						{ 0, 13, 0, 0, 0, 0 },
						{ 0, 0, 0, 0, 0, 0 },
						{ 90, 100, 0, 0, 0, 0 },
						{ 86, 100, 0, 0, 0, 0 },
						{ 212, 3000, 0, 0, 0, 0 },
						{ 0, 3000, 0, 0, 0, 0 },
					};
					if (v - 7 >= sizeof(m) / sizeof(m[0]))
						continue;
					memcpy(c, m[v - 7], 24);
					if (md->data_end > 100)
						rn.data_size_in = md->data_end;
				} else {
					uint32_t f = v - 7;

					if (f < 24) {
						/* one u32 of the first 96 bytes set */
						((uint32_t *)c)[f] = 1;
					} else if (f < 30) {
						static const uint32_t off[] = {
							160, 160, 160,
							164, 164, 176
						};
						static const uint32_t val[] = {
							99,    100,   65537,
							65535, 65536, 7
						};
						*(uint32_t *)(c + off[f - 24]) =
							val[f - 24];
					} else if (f == 30) {
						sk->ifindex = 9999;
					} else if (f == 31) {
						sk->ifindex = 1;
					} else {
						c[180] = 1; /* tstamp_type */
					}
				}
				break;
			}
			snprintf(what, sizeof(what), "type %u ctx variant %u",
				 types[t], v);
			cases++;
			same_run(what, fd, &rn);
		}
		/* XDP live frames */
		for (uint32_t v = 0; xdp && v < 8; v++) {
			uint32_t md[6] = { 0, 100, 0, 0, 0, 0 };
			struct run rn = { .data_in = big,
					  .data_size_in = 100,
					  .flags = BPF_F_TEST_XDP_LIVE_FRAMES,
					  .data_out = v == 1,
					  .repeat = v == 2 ? 3 : 0 };
			char what[96];

			rn.batch = v == 3 ? 300 : v == 4 ? 256 : 0;
			if (v == 5)
				rn.data_size_in = 3408;
			if (v == 6)
				rn.data_size_in = 3409;
			if (v == 7) {
				rn.ctx_in = md;
				rn.ctx_size_in = 24;
				rn.data_out = true;
			}
			snprintf(what, sizeof(what), "xdp live variant %u", v);
			cases++;
			same_run(what, fd, &rn);
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	/* XDP programs for devmap/cpumap do not test-run. */
	{
		struct bpf_insn p[2] = { MOV_K(0, 2), EXIT };
		struct run rn = { .data_in = big, .data_size_in = 64 };
		long fd[2];

		for (int s = 0; s < 2; s++)
			fd[s] = load(s, BPF_PROG_TYPE_XDP, p, 2,
				     BPF_XDP_DEVMAP);
		same_load("devmap prog", fd);
		same_run("devmap prog", fd, &rn);
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	printf("  %d test_run cases compared with the kernel\n", cases);
}

/* ---- helpers ---- */

static uint32_t ld64(struct bpf_insn *p, uint8_t d, uint64_t v)
{
	p[0] = I(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, (int32_t)(uint32_t)v);
	p[1] = I(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));
	return 2;
}

/*
 * A helper call with r1 = ctx, r2..r5 given; r3 (or r1/r3 for csum_diff)
 * may point at a 64-byte stack buffer filled with a pattern. Returns the
 * helper's result xor the buffer's first word, then the program reads
 * data_end - data again (packet pointers are reloaded after the call).
 */
struct hcall {
	int32_t id;
	uint64_t r2, r3, r4, r5;
	bool r3_buf, csum_diff;
};

static uint32_t helper_prog(uint32_t type, const struct hcall *c,
			    struct bpf_insn *p)
{
	uint32_t n = 0;
	bool xdp = type == BPF_PROG_TYPE_XDP;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	for (int i = 0; i < 8; i++) {
		n += ld64(&p[n], 2, 0x0102030405060708ull * (uint64_t)(i + 1));
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 2,
			   (int16_t)(-64 + 8 * i), 0);
	}
	n += ld64(&p[n], 2, c->r2);
	n += ld64(&p[n], 3, c->r3);
	n += ld64(&p[n], 4, c->r4);
	n += ld64(&p[n], 5, c->r5);
	if (c->csum_diff) {
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -64);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -32);
		p[n++] =
			I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, (int32_t)c->r2);
		p[n++] =
			I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, (int32_t)c->r4);
	} else {
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		if (c->r3_buf) {
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -64);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0,
				   (int32_t)c->r4);
		}
	}
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, c->id);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 7, 10, -64, 0);
	p[n++] = I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 7, 0, 0);
	if (type != BPF_PROG_TYPE_SOCKET_FILTER) {
		/* r0 ^= (data_end - data) << 16 */
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 6, xdp ? 0 : 76, 0);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 3, 6, xdp ? 4 : 80, 0);
		p[n++] = I(BPF_ALU64 | BPF_SUB | BPF_X, 3, 2, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_LSH | BPF_K, 3, 0, 0, 16);
		p[n++] = I(BPF_ALU64 | BPF_XOR | BPF_X, 0, 3, 0, 0);
	}
	p[n++] = EXIT;
	return n;
}

static int helper_case(uint32_t type, const struct hcall *c, const void *pkt,
		       uint32_t len, uint32_t meta, uint32_t flags)
{
	struct bpf_insn p[64];
	uint32_t n = helper_prog(type, c, p);
	uint32_t md[6] = { meta, len, 0, 0, 0, 0 };
	struct run rn = { .data_in = pkt,
			  .data_size_in = len,
			  .data_out = true,
			  .flags = flags };
	char what[160];
	long fd[2];

	if (type == BPF_PROG_TYPE_XDP && meta) {
		rn.ctx_in = md;
		rn.ctx_size_in = 24;
		rn.ctx_out = true;
		rn.ctx_size_out = 24;
	}
	snprintf(
		what, sizeof(what),
		"type %u helper %d r2 %#llx r3 %#llx r4 %#llx r5 %#llx len %u meta %u flags %u",
		type, c->id, (unsigned long long)c->r2,
		(unsigned long long)c->r3, (unsigned long long)c->r4,
		(unsigned long long)c->r5, len, meta, flags);
	for (int s = 0; s < 2; s++)
		fd[s] = load(s, type, p, n, 0);
	same_load(what, fd);
	if (fd[0] >= 0 && fd[1] >= 0)
		same_run(what, fd, &rn);
	for (int s = 0; s < 2; s++)
		side_close(s, fd[s]);
	if (fd[0] < 0 && getenv("KBPF_TEST_VERBOSE"))
		printf("%s: kernel refused: %s\n", what, logs[0]);
	return fd[0] >= 0;
}

KBPF_TEST(
	packet_helpers,
	"XDP head/tail/meta/load/store and skb load/store/pull/checksum/redirect helpers give the kernel's results and bytes around every limit")
{
	static const int32_t offs[] = { -5000, -300, -217, -216, -212, -208,
					-200,  -40,  -14,  -4,	 -3,   -1,
					0,     1,    3,	   4,	 32,   36,
					86,    87,   100,  1480, 3419, 3420,
					3421,  3428, 3429, 5000 };
	int cases = 0;

	NEED_KERNEL();
	make_pkts();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 13 + 5);
	/* XDP: head, meta, tail; linear (100 bytes, with and without metadata) and fragmented. */
	static const int32_t xdp_ids[] = { BPF_FUNC_xdp_adjust_head,
					   BPF_FUNC_xdp_adjust_meta,
					   BPF_FUNC_xdp_adjust_tail };
	for (size_t h = 0; h < 3; h++)
		for (size_t o = 0; o < sizeof(offs) / sizeof(offs[0]); o++)
			for (int v = 0; v < 3; v++) {
				struct hcall c = {
					.id = xdp_ids[h],
					.r2 = (uint64_t)(int64_t)offs[o]
				};
				cases += helper_case(BPF_PROG_TYPE_XDP, &c, big,
						     v == 2 ? 5000 : 100,
						     v == 1 ? 8 : 0, 0);
			}
	/* XDP: load/store bytes and buffer length, across fragments. */
	static const uint32_t xo[] = { 0,    1,	   60,	 90,   99,    100,
				       3500, 3519, 3520, 4990, 65535, 65536 };
	static const uint32_t xl[] = { 1, 4, 10, 64 };
	for (int st = 0; st < 2; st++)
		for (size_t o = 0; o < sizeof(xo) / sizeof(xo[0]); o++)
			for (size_t l = 0; l < sizeof(xl) / sizeof(xl[0]); l++)
				for (int v = 0; v < 2; v++) {
					struct hcall c = {
						.id = st ? BPF_FUNC_xdp_store_bytes :
							   BPF_FUNC_xdp_load_bytes,
						.r2 = xo[o],
						.r3_buf = true,
						.r4 = xl[l]
					};
					cases += helper_case(BPF_PROG_TYPE_XDP,
							     &c, big,
							     v ? 5000 : 100, 0,
							     0);
				}
	{
		struct hcall c = { .id = BPF_FUNC_xdp_get_buff_len };

		cases += helper_case(BPF_PROG_TYPE_XDP, &c, big, 100, 0, 0);
		cases += helper_case(BPF_PROG_TYPE_XDP, &c, big, 9000, 0, 0);
	}
	/* skb: load (both types), load relative, store, pull. */
	static const uint32_t so[] = { 0,      1,	   13,	       14,
				       40,     60,	   63,	       64,
				       100,    0x7fffffff, 0x80000000, 0xffff,
				       0x10000 };
	for (int k = 0; k < 4; k++)
		for (size_t o = 0; o < sizeof(so) / sizeof(so[0]); o++)
			for (size_t l = 0; l < sizeof(xl) / sizeof(xl[0]); l++)
				for (uint32_t t = 0; t < 2; t++) {
					uint32_t type =
						t ? BPF_PROG_TYPE_SCHED_CLS :
						    BPF_PROG_TYPE_SOCKET_FILTER;
					struct hcall c = { .r2 = so[o],
							   .r3_buf = true,
							   .r4 = xl[l] };

					if (k == 0)
						c.id = BPF_FUNC_skb_load_bytes;
					else if (k == 1 || k == 2) {
						c.id = BPF_FUNC_skb_load_bytes_relative;
						c.r5 = (uint64_t)k - 1;
					} else {
						c.id = BPF_FUNC_skb_store_bytes;
						c.r5 = l & 2 ? BPF_F_INVALIDATE_HASH :
							       0;
						if (l == 3)
							c.r5 = 4; /* bad flag */
					}
					cases += helper_case(type, &c, pkts[0],
							     64, 0, 0);
				}
	for (size_t o = 0; o < sizeof(so) / sizeof(so[0]); o++) {
		struct hcall c = { .id = BPF_FUNC_skb_pull_data, .r2 = so[o] };

		cases += helper_case(BPF_PROG_TYPE_SCHED_CLS, &c, pkts[0], 64,
				     0, 0);
	}
	/* Checksums: l3/l4 replace on the IPv4/UDP packet's fields, csum_diff. */
	static const uint64_t flg[] = { 0,    2,    4,	  8,	    0x10 | 4,
					0x20, 0x24, 0x64, 0x80 | 4, 0x100 };
	for (int l4 = 0; l4 < 2; l4++)
		for (size_t f = 0; f < sizeof(flg) / sizeof(flg[0]); f++)
			for (int v = 0; v < 4; v++) {
				static const uint64_t off[] = { 24, 40, 63,
								25 };
				struct hcall c = {
					.id = l4 ? BPF_FUNC_l4_csum_replace :
						   BPF_FUNC_l3_csum_replace,
					.r2 = off[v],
					.r3 = v == 1 ? 0 : 0x0a000002,
					.r4 = 0xc0a80102,
					.r5 = flg[f]
				};

				if (!(flg[f] & 0xf))
					c.r3 = 0;
				cases += helper_case(BPF_PROG_TYPE_SCHED_CLS,
						     &c, pkts[0], 64, 0, 0);
			}
	static const uint32_t cs[] = { 0, 4, 8, 32, 3, 1000 };
	for (size_t a = 0; a < sizeof(cs) / sizeof(cs[0]); a++)
		for (size_t b = 0; b < sizeof(cs) / sizeof(cs[0]); b++)
			for (int seed = 0; seed < 2; seed++) {
				struct hcall c = {
					.id = BPF_FUNC_csum_diff,
					.csum_diff = true,
					.r2 = cs[a] > 32 ? 32 : cs[a],
					.r4 = cs[b] > 32 ? 32 : cs[b],
					.r5 = seed ? 0xfffe1234 : 0
				};

				if (cs[a] == 3)
					c.r2 = 3;
				cases += helper_case(
					seed ? BPF_PROG_TYPE_XDP :
					       BPF_PROG_TYPE_SCHED_CLS,
					&c, pkts[0], 64, 0, 0);
			}
	/* redirect verdicts */
	for (int t = 0; t < 2; t++)
		for (uint64_t f = 0; f < 4; f++) {
			struct hcall c = { .id = BPF_FUNC_redirect,
					   .r2 = 3,
					   .r3 = f };

			/* redirect takes ifindex in r1: reuse r2's slot through r1 = ctx? no: */
			cases += helper_case(t ? BPF_PROG_TYPE_XDP :
						 BPF_PROG_TYPE_SCHED_CLS,
					     &c, pkts[0], 64, 0, 0);
		}
	/* CHECKSUM_COMPLETE: rewriting with and without BPF_F_RECOMPUTE_CSUM. */
	for (int v = 0; v < 4; v++) {
		struct hcall c = { .id = BPF_FUNC_skb_store_bytes,
				   .r2 = v & 1 ? 30 : 31,
				   .r3_buf = true,
				   .r4 = 4,
				   .r5 = v & 2 ? BPF_F_RECOMPUTE_CSUM : 0 };

		cases += helper_case(BPF_PROG_TYPE_SCHED_CLS, &c, pkts[0], 64,
				     0, BPF_F_TEST_SKB_CHECKSUM_COMPLETE);
	}
	for (int v = 0; v < 4; v++) {
		struct hcall c = { .id = BPF_FUNC_l4_csum_replace,
				   .r2 = 40,
				   .r3 = 0x0a000002,
				   .r4 = 0xc0a80102,
				   .r5 = (v & 1 ? BPF_F_PSEUDO_HDR : 0) | 4 };

		cases += helper_case(BPF_PROG_TYPE_SCHED_CLS, &c, pkts[0], 64,
				     0, BPF_F_TEST_SKB_CHECKSUM_COMPLETE);
	}
	printf("  %d helper cases loaded and compared with the kernel\n",
	       cases);
	T_ASSERT(cases > 900);
}

/* ---- checked mode ---- */

static long kbpf_run_prog(uint32_t type, const struct bpf_insn *p, uint32_t n,
			  uint32_t len, uint32_t *retval)
{
	struct result *res = malloc(sizeof(*res));
	struct run rn = { .data_in = big, .data_size_in = len };
	long fd = load(SIDE_KBPF, type, p, n, 0), err;

	if (fd < 0) {
		free(res);
		return fd;
	}
	side_run(SIDE_KBPF, fd, &rn, res);
	side_close(SIDE_KBPF, fd);
	err = res->err;
	*retval = res->retval;
	free(res);
	return err;
}

KBPF_TEST(
	packet_checked_mode,
	"unverified packet programs stay inside the packet: reads past data_end, stale pointers after adjust_head and writes to the context's pointers stop the run with EFAULT")
{
	uint32_t rv;

	memcpy(big + 12, "\x08\x06", 2);
	{
		/* r0 = data[off] without a bounds check (Linux would refuse it). */
		struct bpf_insn p[] = {
			LD_CTX(2, 0), I(BPF_LDX | BPF_MEM | BPF_B, 0, 2, 63, 0),
			EXIT
		};

		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 3, 64, &rv), 0);
		T_EQ(rv, big[63]);
		p[1].off = 64;
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 3, 64, &rv), -EFAULT);
		p[1].off = -1; /* the headroom is not the program's */
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 3, 64, &rv), -EFAULT);
		p[0] = LD_CTX(2, 76);
		p[1].off = 63;
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_SCHED_CLS, p, 3, 64, &rv), 0);
		p[1].off = 64;
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_SCHED_CLS, p, 3, 64, &rv),
		     -EFAULT);
	}
	{
		/* After adjust_head(+20) the old start is outside the packet. */
		struct bpf_insn p[] = {
			I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
			LD_CTX(7, 0),
			MOV_K(2, 20),
			CALL(xdp_adjust_head),
			I(BPF_LDX | BPF_MEM | BPF_B, 0, 7, 19, 0),
			EXIT
		};

		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 6, 64, &rv), -EFAULT);
		p[4].off = 20;
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 6, 64, &rv), 0);
		T_EQ(rv, big[20]);
	}
	{
		/* A context pointer the load-time pass cannot see (r1 + 0 through an add). */
		struct bpf_insn p[] = {
			I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 1, 0, 0),
			I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, 192),
			I(BPF_ST | BPF_MEM | BPF_DW, 2, 0, 8, 0), MOV_K(0, 0),
			EXIT
		};

		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_SCHED_CLS, p, 5, 64, &rv),
		     -EFAULT);
		p[1].imm = 188; /* the last byte of hwtstamp: the program's */
		p[2].off = 0;
		p[2].code = BPF_ST | BPF_MEM | BPF_W;
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_SCHED_CLS, p, 5, 64, &rv), 0);
		p[1].imm = 0;
		p[2].off = 0; /* xdp_md is read-only */
		T_EQ(kbpf_run_prog(BPF_PROG_TYPE_XDP, p, 5, 64, &rv), -EFAULT);
	}
}
