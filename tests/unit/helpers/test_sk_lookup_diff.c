// SPDX-License-Identifier: MIT
/*
 * Socket lookups against the kernel: a TCP listener, an established TCP
 * connection and a bound UDP socket on loopback; the same tc program,
 * run with BPF_PROG_TEST_RUN on the kernel and on kbpf (ENFORCE, the
 * POSIX host's /proc lookup), looks them up by tuple and returns one
 * field of the struct bpf_sock it found (or a miss marker). Hits and
 * misses, bpf_skc_lookup_tcp, and the helper's arguments at their limits
 * (tuple sizes, flags, namespace ids) as Linux's __bpf_sk_lookup() takes
 * them. Then that no socket reference stays taken on kbpf: after every
 * run, after a checked run killed by its budget holding one, and after a
 * checked run of a program that never released one. The verifier's side
 * (leaks, double release, per-field access) is in the verifier table
 * (tests/unit/verifier/vcases.c, "sk_" cases).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define STW(d, o, k) I(BPF_ST | BPF_MEM | BPF_W, d, 0, o, k)
#define LDXW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define JEQK(d, k, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define JA(o) I(BPF_JMP | BPF_JA, 0, 0, o, 0)
/* r@d = @v (BPF_LD_IMM64: two instructions). */
static void ld64(struct bpf_insn *p, uint32_t *n, uint8_t d, uint64_t v)
{
	const struct bpf_insn lo =
		I(BPF_LD | BPF_DW | BPF_IMM, d, 0, 0, (int32_t)(uint32_t)v);
	const struct bpf_insn hi = I(0, 0, 0, 0, (int32_t)(uint32_t)(v >> 32));

	p[(*n)++] = lo;
	p[(*n)++] = hi;
}

#define MISS 0x7eadbeefu /* the program's answer when the lookup gave NULL */

/* An IPv4 frame for the tc test runs. */
static uint8_t pkt[64] = { [12] = 0x08, [14] = 0x45, [23] = 6 };

struct lk {
	const char *name;
	int fn; /* BPF_FUNC_sk_lookup_tcp, _udp, skc_lookup_tcp */
	uint32_t saddr, daddr; /* network order */
	uint16_t sport, dport; /* network order */
	uint32_t len;
	uint64_t netns, flags;
	bool hit; /* what the kernel is expected to find (a sanity check) */
};

/*
 * The program: the tuple at r10-40, r0 = fn(ctx, tuple, len, netns,
 * flags); NULL: MISS; else the u32 at @off of what it found (@off < 0:
 * 0), released.
 */
static uint32_t build(const struct lk *c, int off, bool release, bool spin,
		      struct bpf_insn *p)
{
	uint32_t n = 0;

	p[n++] = MOV(6, 1);
	for (int i = 0; i < 9; i++)
		p[n++] = STW(10, -40 + 4 * i, 0);
	p[n++] = STW(10, -40, (int32_t)c->saddr);
	p[n++] = STW(10, -36, (int32_t)c->daddr);
	p[n++] = STW(10, -32,
		     (int32_t)((uint32_t)c->sport | (uint32_t)c->dport << 16));
	p[n++] = MOV(1, 6);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -40);
	p[n++] = MOVK(3, (int32_t)c->len);
	ld64(p, &n, 4, c->netns);
	ld64(p, &n, 5, c->flags);
	p[n++] = CALL(c->fn);
	if (spin)
		p[n++] = JA(-1);
	p[n++] = JEQK(0, 0, release ? 5 : 3);
	p[n++] = MOVK(7, 0);
	if (off >= 0)
		p[n - 1] = LDXW(7, 0, off);
	if (release) {
		p[n++] = MOV(1, 0);
		p[n++] = CALL(BPF_FUNC_sk_release);
	}
	p[n++] = MOV(0, 7);
	p[n++] = EXIT;
	ld64(p, &n, 0, MISS);
	p[n++] = EXIT;
	return n;
}

static long load(int side, const struct bpf_insn *p, uint32_t n, char *log,
		 size_t log_size)
{
	return side_prog_load(side, BPF_PROG_TYPE_SCHED_CLS, 0, p, n, log,
			      (uint32_t)log_size);
}

static long run(int side, long fd, uint32_t *retval)
{
	uint8_t out[128];
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	a.test.retval = 0xdeadbeef;
	long r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	return r;
}

/* A loopback socket of @type bound to an ephemeral port; its port. */
static int bound(int type, uint16_t *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	*port = sa.sin_port;
	return fd;
}

/* struct bpf_sock fields compared: name, offset, readable through skc. */
static const struct {
	const char *name;
	int off;
	bool skc;
} fields[] = {
	{ "bound_dev_if", 0, true }, { "family", 4, true },
	{ "type", 8, false },	     { "protocol", 12, false },
	{ "mark", 16, false },	     { "priority", 20, false },
	{ "src_ip4", 24, true },     { "src_port", 44, true },
	{ "dst_port", 48, true },    { "dst_ip4", 52, true },
	{ "state", 72, true },	     { "rx_queue_mapping", 76, true },
};

#define NF (sizeof(fields) / sizeof(fields[0]))

KBPF_TEST(
	sk_lookup_vs_kernel,
	"tc programs looking up a TCP listener, an established TCP socket and a bound UDP socket on loopback by tuple (hits, misses, skc_lookup_tcp, tuple sizes 12/36/13, flags, namespace ids -1, 2^31, 2^31-1, 2^32) return the same struct bpf_sock fields, or NULL, on the kernel and on kbpf; no reference is left taken on kbpf")
{
	NEED_KERNEL();
	uint16_t lport = 0, uport = 0, cport;
	int lfd = bound(SOCK_STREAM, &lport);
	int ufd = bound(SOCK_DGRAM, &uport);
	int cfd = -1, afd = -1;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	const uint32_t lo = htonl(INADDR_LOOPBACK);
	int cases = 0, hits = 0;

	T_ASSERT(lfd >= 0 && ufd >= 0);
	T_EQ(listen(lfd, 4), 0);
	/* an established connection: client -> listener, accepted */
	sa.sin_addr.s_addr = lo;
	sa.sin_port = lport;
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	T_ASSERT(cfd >= 0);
	T_EQ(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(getsockname(cfd, (struct sockaddr *)&sa, &sl), 0);
	cport = sa.sin_port;
	afd = accept(lfd, NULL, NULL);
	T_ASSERT(afd >= 0);

	const uint64_t cur = (uint64_t)-1;
	const struct lk lks[] = {
		{ "tcp listener", BPF_FUNC_sk_lookup_tcp, lo, lo, htons(40000),
		  lport, 12, cur, 0, true },
		{ "tcp established", BPF_FUNC_sk_lookup_tcp, lo, lo, cport,
		  lport, 12, cur, 0, true },
		{ "tcp client end", BPF_FUNC_sk_lookup_tcp, lo, lo, lport,
		  cport, 12, cur, 0, true },
		{ "udp bound", BPF_FUNC_sk_lookup_udp, lo, lo, htons(40000),
		  uport, 12, cur, 0, true },
		{ "skc listener", BPF_FUNC_skc_lookup_tcp, lo, lo, htons(40000),
		  lport, 12, cur, 0, true },
		{ "tcp on the udp port", BPF_FUNC_sk_lookup_tcp, lo,
		  htonl(0x7f0000fe), htons(40000), uport, 12, cur, 0, false },
		{ "udp other address", BPF_FUNC_sk_lookup_udp, lo,
		  htonl(0x7f0000fe), htons(40000), uport, 12, cur, 0, false },
		{ "flags 1", BPF_FUNC_sk_lookup_tcp, lo, lo, htons(40000),
		  lport, 12, cur, 1, false },
		{ "flags 2^63", BPF_FUNC_sk_lookup_udp, lo, lo, htons(40000),
		  uport, 12, cur, 1ull << 63, false },
		{ "netns 2^31 (negative s32)", BPF_FUNC_sk_lookup_tcp, lo, lo,
		  htons(40000), lport, 12, 0x80000000u, 0, true },
		{ "netns 2^32-1", BPF_FUNC_sk_lookup_udp, lo, lo, htons(40000),
		  uport, 12, 0xffffffffu, 0, true },
		{ "netns 2^32", BPF_FUNC_sk_lookup_tcp, lo, lo, htons(40000),
		  lport, 12, 1ull << 32, 0, false },
		{ "netns id 2^31-1 (none)", BPF_FUNC_sk_lookup_tcp, lo, lo,
		  htons(40000), lport, 12, 0x7fffffff, 0, false },
		{ "tuple size 13", BPF_FUNC_sk_lookup_tcp, lo, lo, htons(40000),
		  lport, 13, cur, 0, false },
		{ "tuple size 36 (ipv6 of zeroes)", BPF_FUNC_sk_lookup_tcp, lo,
		  lo, htons(40000), lport, 36, cur, 0, false },
	};

	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t i = 0; i < sizeof(lks) / sizeof(lks[0]); i++) {
		const struct lk *c = &lks[i];

		for (size_t f = 0; f < NF; f++) {
			struct bpf_insn p[64];
			char log[2][4096];
			uint32_t n, rv[2] = { 0, 0 };
			long fd[2], r[2];

			if (c->fn == BPF_FUNC_skc_lookup_tcp && !fields[f].skc)
				continue;
			n = build(c, fields[f].off, true, false, p);
			for (int s = 0; s < 2; s++) {
				fd[s] = load(s, p, n, log[s], sizeof(log[s]));
				r[s] = fd[s] < 0 ? fd[s] :
						   run(s, fd[s], &rv[s]);
				side_close(s, fd[s]);
			}
			/* Linux keeps in a connected socket's rx_queue_mapping
			 * the receive queue recorded with a packet it got, or
			 * -1: on loopback that depends on timing (0 was seen
			 * once, in a TSan run); /proc does not show it and the
			 * POSIX host gives -1. Either kernel value is taken. */
			if (fields[f].off == 76 && rv[0] == 0 &&
			    (!strcmp(c->name, "tcp established") ||
			     !strcmp(c->name, "tcp client end")))
				rv[0] = 0xffffffffu;
			cases++;
			if (fd[0] < 0 || fd[1] < 0 || r[0] || r[1] ||
			    rv[0] != rv[1] || (rv[0] != MISS) != c->hit) {
				T_FAIL("%s, %s: kernel load %ld run %ld -> %#x; kbpf load %ld run %ld -> %#x [%s]",
				       c->name, fields[f].name, fd[0], r[0],
				       rv[0], fd[1], r[1], rv[1],
				       fd[1] < 0 ? log[1] : "");
			}
			hits += rv[0] != MISS;
			T_EQ(kbpf_posix_sk_refs(), 0);
		}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("  %d runs compared (%d found a socket)\n", cases, hits);
	close(afd);
	close(cfd);
	close(ufd);
	close(lfd);
}

KBPF_TEST(
	sk_lookup_checked_release,
	"kbpf, FALLBACK verifier: a lookup that finds a socket in a program that never releases it, or that then spins until the checked budget stops it, gives the reference back at the end of the run (the run fails) and leaves none taken; the same without a verifier; a forged socket pointer fails the checked run; a socket passed to bpf_ringbuf_submit/discard is not committed as a ring buffer record")
{
	uint16_t lport = 0;
	int lfd = bound(SOCK_STREAM, &lport);
	const uint32_t lo = htonl(INADDR_LOOPBACK);
	const struct lk c = { "tcp listener",
			      BPF_FUNC_sk_lookup_tcp,
			      lo,
			      lo,
			      htons(40000),
			      lport,
			      12,
			      (uint64_t)-1,
			      0,
			      true };
	struct bpf_insn p[64];
	uint32_t n, rv = 0;
	char log[4096];
	long fd;

	/* OFF, whatever a test before this one left set when it failed */
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	T_ASSERT(lfd >= 0);
	T_EQ(listen(lfd, 1), 0);
	/* OFF: unproven, runs checked: the leak is taken back, the run fails */
	n = build(&c, 4, false, false, p);
	fd = load(SIDE_KBPF, p, n, log, sizeof(log));
	T_ASSERT(fd >= 0);
	T_EQ(run(SIDE_KBPF, fd, &rv), -KBPF_EINVAL);
	side_close(SIDE_KBPF, fd);
	T_EQ(kbpf_posix_sk_refs(), 0);
	/*
	 * The socket given back as a ring buffer record (submit, discard):
	 * not taken as one (it is no record of a ring buffer), so it stays
	 * held and is released at the end; the run fails (review finding:
	 * the record used to be committed as a ring buffer header).
	 */
	for (int k = 0; k < 2; k++) {
		n = build(&c, 4, true, false, p);
		for (uint32_t i = 0; i < n; i++)
			if (p[i].code == (BPF_JMP | BPF_CALL) &&
			    p[i].imm == BPF_FUNC_sk_release)
				p[i].imm = k ? BPF_FUNC_ringbuf_discard :
					       BPF_FUNC_ringbuf_submit;
		fd = load(SIDE_KBPF, p, n, log, sizeof(log));
		T_ASSERT(fd >= 0);
		T_EQ(run(SIDE_KBPF, fd, &rv), -KBPF_EINVAL);
		side_close(SIDE_KBPF, fd);
		T_EQ(kbpf_posix_sk_refs(), 0);
	}
	/* a forged socket pointer (the stack) to sk_release: the run fails */
	{
		struct bpf_insn q[] = { MOV(1, 10),
					ADDK(1, -8),
					STW(10, -8, 0),
					STW(10, -4, 0),
					CALL(BPF_FUNC_sk_release),
					MOVK(0, 0),
					EXIT };

		fd = load(SIDE_KBPF, q, 7, log, sizeof(log));
		T_ASSERT(fd >= 0);
		T_EQ(run(SIDE_KBPF, fd, &rv), -KBPF_EINVAL);
		side_close(SIDE_KBPF, fd);
	}

	n = build(&c, 4, true, false, p);
	kbpf_posix_set_verifier(KBPF_VERIFIER_FALLBACK);
	/* found, read, released: the family */
	fd = load(SIDE_KBPF, p, n, log, sizeof(log));
	T_ASSERT(fd >= 0);
	T_EQ(run(SIDE_KBPF, fd, &rv), 0);
	T_EQ(rv, 2);
	side_close(SIDE_KBPF, fd);
	T_EQ(kbpf_posix_sk_refs(), 0);
	/* never released: loads checked-only, the run fails, no leak */
	n = build(&c, 4, false, false, p);
	fd = load(SIDE_KBPF, p, n, log, sizeof(log));
	T_ASSERT(fd >= 0);
	T_EQ(run(SIDE_KBPF, fd, &rv), -KBPF_EINVAL);
	side_close(SIDE_KBPF, fd);
	T_EQ(kbpf_posix_sk_refs(), 0);
	/* holding it, spins: stopped by the budget, no leak */
	n = build(&c, 4, true, true, p);
	fd = load(SIDE_KBPF, p, n, log, sizeof(log));
	T_ASSERT(fd >= 0);
	T_NE(run(SIDE_KBPF, fd, &rv), 0);
	side_close(SIDE_KBPF, fd);
	T_EQ(kbpf_posix_sk_refs(), 0);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	close(lfd);
}
