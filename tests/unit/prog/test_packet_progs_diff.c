// SPDX-License-Identifier: MIT
/*
 * Clang-compiled packet programs (progs/packet.bpf.c: XDP parse/bounce,
 * IP-in-IP encapsulation with head/tail/meta moves, metadata and byte
 * helpers; tc DNAT with checksum helpers, a context-reading subprogram;
 * a socket filter with ring buffer records) loaded by kbpf's ELF loader
 * and by libbpf into the kernel, run with the same packets and contexts:
 * same retval, data_out, ctx_out, counters and ring buffer records, in
 * checked mode; and the same programs run in fast mode give the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/loader.h"
#include "core/map.h"
#include "kbpf/packet.h"
#include "core/prog.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "libbpf_side.h"
#include "oracle.h"

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return b;
}

static int install(struct kbpf_obj *o)
{
	const struct kbpf_host *h = kbpf_posix_host();
	int fd;

	kbpf_obj_get(o);
	fd = h->fd_install(h, o, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_put(o);
	return fd;
}

/* ---- packets ---- */

static uint16_t ip_csum(const uint8_t *h, int len)
{
	uint32_t s = 0;

	for (int i = 0; i < len; i += 2)
		s += (uint32_t)(h[i] << 8 | h[i + 1]);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

/* Ethernet + IPv4 (ihl words) + UDP or TCP header + payload, valid checksums. */
static uint32_t make_ip(uint8_t *p, uint8_t proto, uint16_t dport, int ihl,
			uint32_t len)
{
	static const uint8_t eth[14] = { 0x02, 0,    0,	   0,	 0,
					 0x01, 0x02, 0x11, 0x22, 0x33,
					 0x44, 0x55, 0x08, 0x00 };
	uint8_t *ip = p + 14, *l4;
	uint32_t s = 0;

	memcpy(p, eth, 14);
	for (uint32_t i = 14; i < len; i++)
		p[i] = (uint8_t)(i * 29 + 3);
	memset(ip, 0, (size_t)ihl * 4);
	ip[0] = (uint8_t)(0x40 | ihl);
	ip[2] = (uint8_t)((len - 14) >> 8);
	ip[3] = (uint8_t)(len - 14);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	l4 = ip + ihl * 4;
	l4[0] = 0x30;
	l4[1] = 0x39;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	if (proto == 17) {
		uint32_t ulen = len - 14 - (uint32_t)ihl * 4;

		l4[4] = (uint8_t)(ulen >> 8);
		l4[5] = (uint8_t)ulen;
		l4[6] = l4[7] = 0;
		/* UDP checksum over the pseudo header and the datagram */
		for (int i = 12; i < 20; i += 2)
			s += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		s += 17 + ulen;
		for (uint32_t i = 0; i < ulen; i += 2)
			s += (uint32_t)(l4[i] << 8 |
					(i + 1 < ulen ? l4[i + 1] : 0));
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		l4[6] = (uint8_t)(~s >> 8);
		l4[7] = (uint8_t)~s;
	}
	ip[10] = ip[11] = 0;
	s = ip_csum(ip, ihl * 4);
	ip[10] = (uint8_t)(s >> 8);
	ip[11] = (uint8_t)s;
	return len;
}

#define NR_PKTS 10
static uint8_t pkts[NR_PKTS][6000];
static uint32_t lens[NR_PKTS];

static void make_pkts(void)
{
	lens[0] = make_ip(pkts[0], 17, 53, 5, 80);
	lens[1] = make_ip(pkts[1], 17, 1234, 5, 71);
	lens[2] = make_ip(pkts[2], 6, 80, 5, 74);
	lens[3] = make_ip(pkts[3], 17, 53, 6, 90);
	lens[4] = make_ip(pkts[4], 17, 53, 5, 1500);
	lens[5] = make_ip(pkts[5], 1, 0, 5, 34);
	lens[6] = make_ip(pkts[6], 17, 9, 5, 5000); /* XDP: fragments */
	memcpy(pkts[7], pkts[1], 14);
	memcpy(pkts[7] + 12, "\x08\x06\x00\x01\x08\x00", 6); /* ARP */
	lens[7] = 42;
	memcpy(pkts[8], pkts[1], 14);
	memcpy(pkts[8] + 12, "\x86\xdd\x60", 3); /* IPv6, 54 bytes */
	lens[8] = 54;
	memset(pkts[9], 0xff, 6); /* broadcast ARP, 14 bytes */
	memcpy(pkts[9] + 6, pkts[1] + 6, 6);
	memcpy(pkts[9] + 12, "\x08\x06", 2);
	lens[9] = 14;
}

/* ---- running ---- */

struct out {
	long err;
	uint32_t retval, size, ctx_size;
	uint8_t data[8192];
	uint8_t ctx[192];
};

static void run(long (*bpf)(int, void *, unsigned int), int fd,
		const void *data, uint32_t len, const void *ctx,
		uint32_t ctx_size, struct out *o)
{
	uint8_t c[192];
	union bpf_attr a;

	memset(o, 0xa5, sizeof(*o));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)data;
	a.test.data_size_in = len;
	a.test.data_out = (uint64_t)(uintptr_t)o->data;
	a.test.data_size_out = sizeof(o->data);
	if (ctx) {
		memcpy(c, ctx, ctx_size);
		a.test.ctx_in = (uint64_t)(uintptr_t)c;
		a.test.ctx_size_in = ctx_size;
		a.test.ctx_out = (uint64_t)(uintptr_t)o->ctx;
		a.test.ctx_size_out = sizeof(o->ctx);
	}
	o->err = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	o->retval = a.test.retval;
	o->size = a.test.data_size_out;
	o->ctx_size = a.test.ctx_size_out;
}

static bool same_out(const char *what, const struct out *k, const struct out *b,
		     bool ctx)
{
	if (k->err != b->err || k->retval != b->retval || k->size != b->size) {
		kbpf_test_fail(
			__FILE__, __LINE__,
			"%s: kernel %ld retval %#x size %u; kbpf %ld retval %#x size %u",
			what, k->err, k->retval, k->size, b->err, b->retval,
			b->size);
		return false;
	}
	if (!k->err &&
	    memcmp(k->data, b->data,
		   k->size < sizeof(k->data) ? k->size : sizeof(k->data))) {
		for (uint32_t i = 0; i < k->size; i++)
			if (k->data[i] != b->data[i]) {
				kbpf_test_fail(
					__FILE__, __LINE__,
					"%s: data_out[%u] kernel %#x kbpf %#x",
					what, i, k->data[i], b->data[i]);
				break;
			}
		return false;
	}
	if (ctx && !k->err &&
	    (k->ctx_size != b->ctx_size ||
	     memcmp(k->ctx, b->ctx, k->ctx_size))) {
		kbpf_test_fail(__FILE__, __LINE__, "%s: ctx_out differs", what);
		return false;
	}
	return true;
}

struct dump {
	uint8_t bytes[65536];
	size_t len;
};

static void dump_put(void *ctx, const void *p, size_t n)
{
	struct dump *d = ctx;

	if (d->len + n <= sizeof(d->bytes)) {
		memcpy(d->bytes + d->len, p, n);
		d->len += n;
	}
}

static int kbpf_rb_put(void *ctx, const void *data, uint32_t size)
{
	dump_put(ctx, data, size);
	return 0;
}

static struct dump kd, bd;
static struct out ko, bo;

static const char *const progs[] = { "xdp_parse", "xdp_encap", "xdp_meta_trim",
				     "tc_nat",	  "tc_fields", "sock_filter" };

/* Context variants: none, then one a program of the type accepts. */
static uint32_t ctx_for(const char *prog, int v, uint32_t len, uint8_t *c)
{
	memset(c, 0, 192);
	if (!v)
		return 0;
	if (!strncmp(prog, "xdp", 3)) {
		struct xdp_md *m = (void *)c;

		m->data = v == 1 ? 4 : 8;
		m->data_end = len > 3000 ? 3000 : len;
		m->ingress_ifindex = v == 2 ? 1 : 0;
		c[0] = 0; /* data_meta stays 0 */
		return sizeof(*m);
	}
	struct __sk_buff *s = (void *)c;

	s->mark = 0x1234;
	s->priority = (uint32_t)v;
	s->ingress_ifindex = 5;
	s->cb[2] = 0xc2;
	s->tstamp = 1000;
	s->gso_segs = 2;
	s->hwtstamp = 77;
	if (v == 2)
		s->wire_len = len + 10;
	return sizeof(*s);
}

KBPF_TEST(
	packet_progs_like_kernel,
	"clang-compiled XDP, tc and socket programs give the kernel's retval, packet bytes, ctx_out, counters and ring buffer records")
{
	const char *why = NULL;
	char path[512], err[512], kwhy[256];
	struct kbpf_elf_opts o = { .errbuf = err, .errbuf_size = sizeof(err) };
	struct kbpf_elf *obj;
	struct kside *ks;
	size_t size;
	uint8_t *buf;
	int runs = 0;

	if (PACKET_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", PACKET_NO_OBJECTS_WHY);
	if (!oracle_available(&why) || !kside_available(&why))
		T_SKIP("%s", why);
	make_pkts();
	snprintf(path, sizeof(path), "%s/packet.bpf.o", PACKET_OBJ_DIR);
	buf = read_file(path, &size);
	T_ASSERT(buf);
	if (kbpf_elf_parse(kbpf_posix_host(), buf, size, &o, &obj))
		T_FAIL("parse: %s", err);
	free(buf);
	if (kbpf_elf_load(obj, &o))
		T_FAIL("load: %s", err);
	if (kside_open(path, &ks, kwhy, sizeof(kwhy)))
		T_FAIL("kernel: %s", kwhy);
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		struct kbpf_elf_prog *ep = kbpf_elf_find_prog(obj, progs[p]);
		int kfd = kside_prog_fd(ks, progs[p]), bfd;

		T_ASSERT(ep && ep->prog && kfd >= 0);
		bfd = install(&ep->prog->obj);
		for (int k = 0; k < NR_PKTS; k++) {
			for (int v = 0; v < 3; v++) {
				uint8_t c[192];
				uint32_t cs = ctx_for(progs[p], v, lens[k], c);
				char what[128];

				snprintf(what, sizeof(what),
					 "%s packet %d ctx %d", progs[p], k, v);
				run(oracle_kernel_bpf, kfd, pkts[k], lens[k],
				    cs ? c : NULL, cs, &ko);
				run(oracle_kbpf_bpf, bfd, pkts[k], lens[k],
				    cs ? c : NULL, cs, &bo);
				runs++;
				if (getenv("KBPF_TEST_SHOW"))
					printf("  %s: %ld %#x %u\n", what,
					       ko.err, ko.retval, ko.size);
				same_out(what, &ko, &bo, cs != 0);
			}
		}
		kbpf_posix_close(bfd);
	}
	/* Counters and ring buffer records after the same runs. */
	{
		struct kbpf_elf_map *cm = kbpf_elf_find_map(obj, "counters");
		int kfd = kside_map_fd(ks, "counters");
		uint64_t kv, bv;

		T_ASSERT(cm && kfd >= 0);
		for (uint32_t key = 0; key < 8; key++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)kfd;
			a.key = (uint64_t)(uintptr_t)&key;
			a.value = (uint64_t)(uintptr_t)&kv;
			T_EQ(oracle_kernel_bpf(BPF_MAP_LOOKUP_ELEM, &a,
					       sizeof(a)),
			     0);
			{
				uint64_t *pv =
					kbpf_map_lookup_elem(cm->map, &key);

				T_ASSERT(pv);
				bv = *pv;
			}
			if (kv != bv)
				T_FAIL("counter %u: kernel %llu kbpf %llu", key,
				       (unsigned long long)kv,
				       (unsigned long long)bv);
		}
		kd.len = bd.len = 0;
		kside_ringbuf_drain(ks, "events", dump_put, &kd);
		kbpf_ringbuf_consume(kbpf_elf_find_map(obj, "events")->map,
				     kbpf_rb_put, &bd);
		T_ASSERT(kd.len > 0);
		T_EQ(bd.len, kd.len);
		T_ASSERT(!memcmp(kd.bytes, bd.bytes, kd.len));
		printf("  %d runs equal, %zu ring buffer bytes and 8 counters equal\n",
		       runs, kd.len);
	}
	kside_close(ks);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
}

KBPF_TEST(
	packet_progs_fast_mode,
	"the same programs run through kbpf_xdp_run/kbpf_skb_run in fast and checked mode give the same verdicts and bytes")
{
	char path[512], err[512];
	struct kbpf_elf_opts o = { .errbuf = err, .errbuf_size = sizeof(err) };
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_elf *obj;
	size_t size;
	uint8_t *buf;
	int runs = 0;

	if (PACKET_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", PACKET_NO_OBJECTS_WHY);
	make_pkts();
	snprintf(path, sizeof(path), "%s/packet.bpf.o", PACKET_OBJ_DIR);
	buf = read_file(path, &size);
	T_ASSERT(buf);
	T_EQ(kbpf_elf_parse(h, buf, size, &o, &obj), 0);
	free(buf);
	T_EQ(kbpf_elf_load(obj, &o), 0);
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		struct kbpf_prog *prog =
			kbpf_elf_find_prog(obj, progs[p])->prog;

		for (int k = 0; k < NR_PKTS; k++) {
			static uint8_t frame[2][4096];
			uint64_t r[2];
			uint64_t end[2], start[2];

			if (lens[k] > 3000)
				continue;
			for (int m = 0; m < 2; m++) {
				enum kbpf_interp_mode mode =
					m ? KBPF_INTERP_CHECKED :
					    KBPF_INTERP_FAST;
				int e;

				memset(frame[m], 0, sizeof(frame[m]));
				memcpy(frame[m] + 256, pkts[k], lens[k]);
				if (prog->type == BPF_PROG_TYPE_XDP) {
					struct kbpf_xdp x;

					T_EQ(kbpf_xdp_init(&x, frame[m], 4096,
							   256, 0, lens[k], 320,
							   1, 0),
					     0);
					e = kbpf_xdp_run(prog, h, &x, mode, 0,
							 &r[m]);
					start[m] =
						x.data_meta -
						(uint64_t)(uintptr_t)frame[m];
					end[m] = x.data_end -
						 (uint64_t)(uintptr_t)frame[m];
				} else {
					struct kbpf_skb s;

					T_EQ(kbpf_skb_init(
						     &s, frame[m], 4096, 256,
						     lens[k],
						     prog->type !=
							     BPF_PROG_TYPE_SOCKET_FILTER,
						     1),
					     0);
					e = kbpf_skb_run(prog, h, &s, mode, 0,
							 &r[m]);
					start[m] =
						s.data -
						(uint64_t)(uintptr_t)frame[m];
					end[m] = s.data_end -
						 (uint64_t)(uintptr_t)frame[m];
				}
				T_EQ(e, 0);
			}
			runs++;
			T_EQ(r[0], r[1]);
			T_EQ(start[0], start[1]);
			T_EQ(end[0], end[1]);
			T_ASSERT(!memcmp(frame[0], frame[1], 4096));
		}
	}
	printf("  %d runs equal in fast and checked mode\n", runs);
	kbpf_elf_free(obj);
	kbpf_posix_reset();
}
