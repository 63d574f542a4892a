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

#include "../maps/diff_util.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define NEED_KERNEL()                                      \
	do {                                               \
		const char *why_;                          \
		if (!oracle_available(&why_))              \
			T_SKIP("kernel oracle: %s", why_); \
	} while (0)

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
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
	uint8_t data[8192];
	uint8_t ctx[256];
};

static void side_run(int side, long fd, const struct run *rn,
		     struct result *res)
{
	uint8_t ctx_in[256];
	union bpf_attr a;

	memset(res, 0xa5, sizeof(*res));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)rn->data_in;
	a.test.data_size_in = rn->data_size_in;
	a.test.data_out = rn->data_out ? (uint64_t)(uintptr_t)res->data : 0;
	a.test.data_size_out = rn->data_size_out;
	if (rn->ctx_in) {
		memcpy(ctx_in, rn->ctx_in, rn->ctx_size_in);
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
static bool same_run(const char *what, long fd[2], const struct run *rn)
{
	static struct result res[2];
	size_t dn, cn;

	for (int s = 0; s < 2; s++)
		side_run(s, fd[s], rn, &res[s]);
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
				  BPF_PROG_TYPE_SCHED_ACT, BPF_PROG_TYPE_XDP };

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
						/* A packet pointer's value differs; the clang programs use them. */
						if (kind == 0 && size == 4 &&
						    (types[t] == BPF_PROG_TYPE_XDP ?
							     off <= 8 :
							     (off == 76 ||
							      off == 80 ||
							      off == 140)))
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
	printf("  %d context accesses loaded and run (%d runs), %d refused as the kernel refuses, %d refused by kbpf only (__sk_buff->sk)\n",
	       loaded, runs, refused, nr_kbpf_refusals);
	T_ASSERT(loaded > 100 && refused > 100);
}
