// SPDX-License-Identifier: MIT
/*
 * The packet's socket (__sk_buff->sk) against the kernel. Linux's
 * BPF_PROG_TEST_RUN gives an skb run a dummy socket of its own
 * (net/bpf/test_run.c); a program reads it through __sk_buff->sk, directly
 * (the sock_common fields), after bpf_sk_fullsock (all of struct
 * bpf_sock), after bpf_tcp_sock and after bpf_get_listener_sock. Every
 * (offset, size) of those structs, in tc, socket filter and cgroup skb
 * programs: the same load decision and last log line on the kernel and on
 * kbpf (ENFORCE), and for the programs both load, the same value over
 * several packets (IPv4, IPv6, not IP) in kbpf's four ways of running:
 * verified with and without the JIT, unverified in checked mode with and
 * without it. Then bpf_get_listener_sock on sockets a lookup found (a TCP
 * listener, an established connection), and what checked mode does with
 * a program that writes the socket, reads past it, releases it or forges
 * it.
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
#define STXDW(d, s, o) I(BPF_STX | BPF_MEM | BPF_DW, d, s, o, 0)
#define LDXDW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_DW, d, s, o, 0)
#define LDXW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define JEQK(d, k, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define LDMAPFD(d, fd)                                             \
	I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd), \
		I(0, 0, 0, 0, 0)

#define SK_OFF 168 /* offsetof(struct __sk_buff, sk) */
#define NO_SK 0x7777 /* __sk_buff->sk was NULL */
#define NO_VIEW 0x6666 /* the helper gave NULL */

/* Frames the test runs on: IPv4 (two), IPv6 (two), ARP (not IP). */
static uint8_t pkts[5][80] = {
	{ [12] = 0x08,
	  [14] = 0x45,
	  [23] = 6,
	  [26] = 10,
	  [27] = 1,
	  [28] = 2,
	  [29] = 3,
	  [30] = 10,
	  [31] = 4,
	  [32] = 5,
	  [33] = 6,
	  [34] = 0x12,
	  [35] = 0x34,
	  [36] = 0x56,
	  [37] = 0x78 },
	{ [12] = 0x08,
	  [14] = 0x45,
	  [23] = 17,
	  [26] = 127,
	  [29] = 1,
	  [30] = 192,
	  [31] = 168,
	  [32] = 7,
	  [33] = 9,
	  [34] = 0xff,
	  [35] = 0xfe },
	{ [12] = 0x86,
	  [13] = 0xdd,
	  [14] = 0x60,
	  [20] = 6,
	  [22] = 0xfe,
	  [23] = 0x80,
	  [37] = 1,
	  [38] = 0xfe,
	  [39] = 0x80,
	  [53] = 2 },
	{ [12] = 0x86,
	  [13] = 0xdd,
	  [14] = 0x60,
	  [20] = 17,
	  [22] = 0x20,
	  [23] = 0x01,
	  [24] = 0x0d,
	  [25] = 0xb8,
	  [36] = 0xab,
	  [37] = 0xcd,
	  [38] = 0x20,
	  [39] = 0x01,
	  [52] = 0x12,
	  [53] = 0x34 },
	{ [12] = 0x08, [13] = 0x06, [14] = 0x00, [15] = 0x01 },
};

#define NPKT 5

static long map_fd[2] = { -1, -1 };

/* What the program reads the socket through. */
enum via { VIA_CTX, VIA_FULLSOCK, VIA_TCP_SOCK, VIA_LISTENER, NR_VIA };

static const int via_fn[NR_VIA] = { 0, BPF_FUNC_sk_fullsock, BPF_FUNC_tcp_sock,
				    BPF_FUNC_get_listener_sock };
static const char *const via_name[NR_VIA] = { "skb->sk", "sk_fullsock",
					      "tcp_sock", "get_listener_sock" };

/*
 * The program: r7 = NO_SK if __sk_buff->sk is NULL, else (through the
 * helper of @via, NO_VIEW if it gives NULL) the @size-byte field at @off;
 * r7 goes to the map's element 0 and, except for cgroup skb programs
 * (whose return value is a verdict), to r0.
 */
static uint32_t build(int side, uint32_t type, enum via via, uint8_t size,
		      int16_t off, struct bpf_insn *p)
{
	uint32_t n = 0, jnull, jview = 0;

	p[n++] = MOV(6, 1);
	p[n++] = LDXDW(1, 6, SK_OFF);
	p[n++] = MOVK(7, NO_SK);
	jnull = n;
	p[n++] = JEQK(1, 0, 0);
	if (via != VIA_CTX) {
		p[n++] = CALL(via_fn[via]);
		p[n++] = MOVK(7, NO_VIEW);
		jview = n;
		p[n++] = JEQK(0, 0, 0);
		p[n++] = MOV(1, 0);
	}
	p[n++] = LDX(size, 7, 1, off);
	p[jnull].off = (int16_t)(n - jnull - 1);
	if (jview)
		p[jview].off = (int16_t)(n - jview - 1);
	p[n++] = STXDW(10, 7, -8);
	p[n++] = STW(10, -12, 0);
	{
		const struct bpf_insn ld[2] = { LDMAPFD(
			1, (int32_t)map_fd[side]) };

		p[n++] = ld[0];
		p[n++] = ld[1];
	}
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -12);
	p[n++] = MOV(3, 10);
	p[n++] = ADDK(3, -8);
	p[n++] = MOVK(4, 0);
	p[n++] = CALL(BPF_FUNC_map_update_elem);
	p[n++] = type == BPF_PROG_TYPE_CGROUP_SKB ? MOVK(0, 1) : MOV(0, 7);
	p[n++] = EXIT;
	return n;
}

/* The last line of a log that says why (Linux's verdict line). */
static void why_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10)) {
			best = p;
			len = (size_t)(end - p);
		}
		p = *end ? end + 1 : end;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, best, len);
	out[len] = 0;
}

/* Run @fd on packet @k: the result, retval and the map's element 0. */
static long run(int side, long fd, int k, uint32_t *retval, uint64_t *val)
{
	uint8_t out[256];
	uint64_t v = 0xdeadbeefdeadbeefULL;
	uint32_t key = 0;
	union bpf_attr a;
	long r;

	side_elem(side, BPF_MAP_UPDATE_ELEM, map_fd[side], &key, &v, 0);
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkts[k];
	a.test.data_size_in = sizeof(pkts[k]);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	*val = 0;
	side_elem(side, BPF_MAP_LOOKUP_ELEM, map_fd[side], &key, val, 0);
	return r;
}

/* kbpf's ways of running a program; a way's name and settings. */
static const struct {
	const char *name;
	uint32_t verifier;
	bool jit;
} ways[] = {
	{ "ENFORCE, JIT", KBPF_VERIFIER_ENFORCE, true },
	{ "ENFORCE, interpreter", KBPF_VERIFIER_ENFORCE, false },
	{ "unverified, checked JIT", KBPF_VERIFIER_OFF, true },
	{ "unverified, checked interpreter", KBPF_VERIFIER_OFF, false },
};

static const uint32_t types[] = { BPF_PROG_TYPE_SCHED_CLS,
				  BPF_PROG_TYPE_SOCKET_FILTER,
				  BPF_PROG_TYPE_CGROUP_SKB };

struct tally {
	unsigned decisions, same_decision, refused, same_line;
	unsigned runs, same_runs, loaded, jited;
};

/* Whether kbpf compiled the program behind @fd. */
static bool is_jited(long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return !side_bpf(SIDE_KBPF, BPF_OBJ_GET_INFO_BY_FD, &a) &&
	       info.jited_prog_len;
}

/* Both sides' runs of a program both loaded, on every packet. */
static void compare_runs(const char *what, const long fd[2], struct tally *t)
{
	for (int k = 0; k < NPKT; k++) {
		uint32_t rv[2];
		uint64_t v[2];
		long r[2];

		for (int s = 0; s < 2; s++)
			r[s] = run(s, fd[s], k, &rv[s], &v[s]);
		t->runs++;
		if (r[0] || r[1] || rv[0] != rv[1] || v[0] != v[1])
			T_FAIL("%s, packet %d: kernel %ld %#x %#llx, kbpf %ld %#x %#llx",
			       what, k, r[0], rv[0], (unsigned long long)v[0],
			       r[1], rv[1], (unsigned long long)v[1]);
		else
			t->same_runs++;
	}
}

/* One program on both sides in kbpf's way @w: decision, then runs. */
static void one_case(size_t w, uint32_t type, enum via via, uint8_t code,
		     int off, struct tally *t)
{
	bool verified = ways[w].verifier != KBPF_VERIFIER_OFF;
	struct bpf_insn p[2][40];
	char log[2][8192], why[2][256], what[160];
	uint32_t n = 0;
	long fd[2];

	snprintf(what, sizeof(what), "%s, type %u, %s, off %d size %d",
		 ways[w].name, type, via_name[via], off,
		 code == BPF_B ? 1 :
		 code == BPF_H ? 2 :
		 code == BPF_W ? 4 :
				 8);
	for (int s = 0; s < 2; s++)
		n = build(s, type, via, code, (int16_t)off, p[s]);
	fd[0] = side_prog_load(SIDE_KERNEL, type, 0, p[0], n, log[0],
			       sizeof(log[0]));
	/* unverified, kbpf loads anything: only what the kernel runs */
	if (!verified && fd[0] < 0)
		return;
	fd[1] = side_prog_load(SIDE_KBPF, type, 0, p[1], n, log[1],
			       sizeof(log[1]));
	if (verified) {
		why_line(log[0], why[0], sizeof(why[0]));
		why_line(log[1], why[1], sizeof(why[1]));
		t->decisions++;
		if ((fd[0] >= 0) == (fd[1] >= 0) && same_result(fd[0], fd[1]))
			t->same_decision++;
		else
			T_FAIL("%s: kernel %ld [%s], kbpf %ld [%s]", what,
			       fd[0], why[0], fd[1], why[1]);
		if (fd[0] < 0) {
			t->refused++;
			if (!strcmp(why[0], why[1]))
				t->same_line++;
			else
				T_FAIL("%s: kernel [%s], kbpf [%s]", what,
				       why[0], why[1]);
		}
	}
	if (fd[0] >= 0 && fd[1] >= 0) {
		t->loaded++;
		t->jited += is_jited(fd[1]);
		compare_runs(what, fd, t);
	}
	side_close(SIDE_KERNEL, fd[0]);
	side_close(SIDE_KBPF, fd[1]);
}

KBPF_TEST(
	sk_ctx_fields_vs_kernel,
	"__sk_buff->sk in tc, socket filter and cgroup skb programs, read directly and through bpf_sk_fullsock, bpf_tcp_sock and bpf_get_listener_sock at every offset and size of struct bpf_sock / bpf_tcp_sock (and one past): the same load decisions and last log lines as the kernel, and the same values over five packets (the test run's dummy socket) with and without the JIT, verified and in checked mode")
{
	static const uint8_t codes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	bool jit_was = kbpf_posix_jit_on();
	struct tally t = { 0 };

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		map_fd[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
		T_ASSERT(map_fd[s] >= 0);
	}
	for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		kbpf_posix_set_verifier(ways[w].verifier);
		kbpf_posix_set_jit(ways[w].jit);
		for (size_t ty = 0; ty < sizeof(types) / sizeof(types[0]); ty++)
			for (int via = 0; via < NR_VIA; via++)
				for (int sz = 0; sz < 4; sz++) {
					int end = via == VIA_TCP_SOCK ? 112 :
									80;

					for (int off = 0; off <= end;
					     off += 1 << sz)
						one_case(w, types[ty],
							 (enum via)via,
							 codes[sz], off, &t);
				}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_jit(jit_was);
	for (int s = 0; s < 2; s++) {
		side_close(s, map_fd[s]);
		map_fd[s] = -1;
	}
	printf("  decisions: %u of %u the same (%u refusals, %u with the kernel's last line)\n",
	       t.same_decision, t.decisions, t.refused, t.same_line);
	printf("  runs: %u of %u the same (%u programs loaded on both sides, %u of them JIT-compiled on kbpf)\n",
	       t.same_runs, t.runs, t.loaded, t.jited);
	T_ASSERT(t.same_runs > 0);
	T_ASSERT(t.jited > 0);
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

/*
 * r6 = bpf_sk_lookup_tcp(lo:@sport -> lo:@dport); NULL: NO_SK; else r7 =
 * the u32 at @off of bpf_get_listener_sock(r6) (NO_VIEW if NULL), r6
 * released, r0 = r7.
 */
static uint32_t build_listener(uint16_t sport, uint16_t dport, int16_t off,
			       struct bpf_insn *p)
{
	const uint32_t lo = htonl(INADDR_LOOPBACK);
	uint32_t n = 0, jmiss, jnull;

	p[n++] = MOV(6, 1);
	for (int i = 0; i < 9; i++)
		p[n++] = STW(10, -40 + 4 * i, 0);
	p[n++] = STW(10, -40, (int32_t)lo);
	p[n++] = STW(10, -36, (int32_t)lo);
	p[n++] = STW(10, -32,
		     (int32_t)((uint32_t)sport | (uint32_t)dport << 16));
	p[n++] = MOV(1, 6);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -40);
	p[n++] = MOVK(3, 12);
	p[n++] = MOVK(4, -1); /* the packet's namespace */
	p[n++] = MOVK(5, 0);
	p[n++] = CALL(BPF_FUNC_sk_lookup_tcp);
	jmiss = n;
	p[n++] = JEQK(0, 0, 0);
	p[n++] = MOV(6, 0);
	p[n++] = MOV(1, 0);
	p[n++] = CALL(BPF_FUNC_get_listener_sock);
	p[n++] = MOVK(7, NO_VIEW);
	jnull = n;
	p[n++] = JEQK(0, 0, 0);
	p[n++] = LDXW(7, 0, off);
	p[jnull].off = (int16_t)(n - jnull - 1);
	p[n++] = MOV(1, 6);
	p[n++] = CALL(BPF_FUNC_sk_release);
	p[n++] = MOV(0, 7);
	p[n++] = EXIT;
	p[jmiss].off = (int16_t)(n - jmiss - 1);
	p[n++] = MOVK(0, NO_SK);
	p[n++] = EXIT;
	return n;
}

KBPF_TEST(
	listener_sock_vs_kernel,
	"bpf_get_listener_sock on what bpf_sk_lookup_tcp found (a loopback TCP listener: the socket itself; the established connection accepted from it: NULL): the same struct bpf_sock fields or NULL on the kernel and on kbpf, with and without the JIT, verified and in checked mode; no socket reference left taken")
{
	static const int16_t offs[] = { 4, 8, 12, 24, 44, 72 };
	uint16_t lport = 0, cport = 0;
	int lfd = bound(SOCK_STREAM, &lport), cfd, afd;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	bool jit_was = kbpf_posix_jit_on();
	unsigned runs = 0, same = 0, found = 0;

	NEED_KERNEL();
	T_ASSERT(lfd >= 0);
	T_EQ(listen(lfd, 4), 0);
	cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = lport;
	T_ASSERT(cfd >= 0);
	T_EQ(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(getsockname(cfd, (struct sockaddr *)&sa, &sl), 0);
	cport = sa.sin_port;
	afd = accept(lfd, NULL, NULL);
	T_ASSERT(afd >= 0);
	for (size_t w = 0; w < sizeof(ways) / sizeof(ways[0]); w++) {
		kbpf_posix_set_verifier(ways[w].verifier);
		kbpf_posix_set_jit(ways[w].jit);
		for (int c = 0; c < 2; c++)
			for (size_t f = 0; f < sizeof(offs) / sizeof(offs[0]);
			     f++) {
				struct bpf_insn p[64];
				uint32_t n, rv[2] = { 0, 0 };
				uint64_t v[2];
				long fd[2], r[2] = { -1, -1 };

				/* c 0: a packet to the listener; 1: from the client */
				n = build_listener(c ? cport : htons(40000),
						   lport, offs[f], p);
				for (int s = 0; s < 2; s++) {
					fd[s] = side_prog_load(
						s, BPF_PROG_TYPE_SCHED_CLS, 0,
						p, n, NULL, 0);
					if (fd[s] >= 0)
						r[s] = run(s, fd[s], 0, &rv[s],
							   &v[s]);
					side_close(s, fd[s]);
				}
				runs++;
				if (fd[0] < 0 || fd[1] < 0 || r[0] || r[1] ||
				    rv[0] != rv[1] || rv[0] == NO_SK ||
				    (rv[0] == NO_VIEW) != (c == 1))
					T_FAIL("%s, %s, off %d: kernel load %ld run %ld -> %#x; kbpf load %ld run %ld -> %#x",
					       ways[w].name,
					       c ? "established" : "listener",
					       offs[f], fd[0], r[0], rv[0],
					       fd[1], r[1], rv[1]);
				else
					same++;
				found += rv[1] != NO_VIEW;
				T_EQ(kbpf_posix_sk_refs(), 0);
			}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_jit(jit_was);
	printf("  %u of %u runs the same (%u gave the listener)\n", same, runs,
	       found);
	close(afd);
	close(cfd);
	close(lfd);
}

/* Run @p on kbpf (a tc program, first packet): the test run's result. */
static long kbpf_run(const struct bpf_insn *p, uint32_t n, uint32_t *rv)
{
	uint64_t v;
	long fd = side_prog_load(SIDE_KBPF, BPF_PROG_TYPE_SCHED_CLS, 0, p, n,
				 NULL, 0);
	long r;

	if (fd < 0)
		return fd;
	r = run(SIDE_KBPF, fd, 0, rv, &v);
	side_close(SIDE_KBPF, fd);
	return r;
}

KBPF_TEST(
	sk_ctx_checked,
	"kbpf, unverified programs (checked mode, interpreter and JIT): a store through __sk_buff->sk or its bpf_sk_fullsock view, and a load across the views' end, stop the run with EFAULT; bpf_sk_release of the packet's socket fails the run with EINVAL and releases nothing; a socket pointer the program stored into __sk_buff->sk itself is not taken for the packet's socket (EINVAL), and the next run sees the real one")
{
	bool jit_was = kbpf_posix_jit_on();
	const struct bpf_insn store[] = {
		LDXDW(1, 1, SK_OFF), JEQK(1, 0, 1), STW(1, 4, 99),
		MOVK(0, 0),	     EXIT,
	};
	const struct bpf_insn store_full[] = {
		LDXDW(1, 1, SK_OFF),
		JEQK(1, 0, 3),
		CALL(BPF_FUNC_sk_fullsock),
		JEQK(0, 0, 1),
		STW(0, 72, 10),
		MOVK(0, 0),
		EXIT,
	};
	/* across the views' end: what follows them in memory may be another
	 * region (the context, in an optimised build), so a load wholly past
	 * the end can be legal; one that straddles it never is */
	const struct bpf_insn past[] = {
		LDXDW(1, 1, SK_OFF),
		JEQK(1, 0, 1),
		LDXDW(0, 1, 188),
		EXIT,
	};
	const struct bpf_insn release[] = {
		LDXDW(1, 1, SK_OFF), JEQK(1, 0, 1), CALL(BPF_FUNC_sk_release),
		MOVK(0, 0),	     EXIT,
	};
	/* through a derived context pointer, which the load-time pass
	 * does not follow (a direct store is refused at load) */
	const struct bpf_insn forge[] = {
		MOV(6, 1),	     STW(10, -8, 0),
		STW(10, -4, 0),	     MOV(2, 10),
		ADDK(2, -80),	     MOV(3, 6),
		ADDK(3, 8),	     STXDW(3, 2, SK_OFF - 8),
		LDXDW(1, 6, SK_OFF), CALL(BPF_FUNC_sk_fullsock),
		MOVK(0, 0),	     EXIT,
	};
	const struct bpf_insn family[] = {
		LDXDW(1, 1, SK_OFF), MOVK(0, 0), JEQK(1, 0, 1),
		LDXW(0, 1, 4),	     EXIT,
	};
	uint32_t rv;

	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int jit = 0; jit < 2; jit++) {
		kbpf_posix_set_jit(jit);
		T_EQ(kbpf_run(store, 5, &rv), -KBPF_EFAULT);
		T_EQ(kbpf_run(store_full, 7, &rv), -KBPF_EFAULT);
		T_EQ(kbpf_run(past, 4, &rv), -KBPF_EFAULT);
		T_EQ(kbpf_run(release, 5, &rv), -KBPF_EINVAL);
		T_EQ(kbpf_posix_sk_refs(), 0);
		T_EQ(kbpf_run(forge, 12, &rv), -KBPF_EINVAL);
		/* the first packet is IPv4: the dummy socket's family */
		T_EQ(kbpf_run(family, 5, &rv), 0);
		T_EQ(rv, 2);
	}
	kbpf_posix_set_jit(jit_was);
}
