// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_TYPE_CGROUP_SOCK, _SOCK_ADDR and _SOCKOPT at load, kbpf
 * against the kernel: their contexts (struct bpf_sock, struct
 * bpf_sock_addr, struct bpf_sockopt) by offset x size x load/store for every attach type they
 * load with, the expected attach types they load with, their return
 * ranges per attach type (under the verifier), and the helpers they may
 * call per attach type.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/disasm.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "helpers/helpers.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)

static char klog[65536], mlog[65536];

static long load(int side, uint32_t type, uint32_t eat,
		 const struct bpf_insn *insns, uint32_t n, char *log)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(klog);
		a.log_level = 1;
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* The attach types each type loads with (0 is the kernel's default for
 * CGROUP_SOCK: BPF_CGROUP_INET_SOCK_CREATE). */
static const uint32_t sock_eats[] = { 0, BPF_CGROUP_INET_SOCK_CREATE,
				      BPF_CGROUP_INET_SOCK_RELEASE,
				      BPF_CGROUP_INET4_POST_BIND,
				      BPF_CGROUP_INET6_POST_BIND };
static const uint32_t addr_eats[] = {
	BPF_CGROUP_INET4_BIND,	      BPF_CGROUP_INET6_BIND,
	BPF_CGROUP_INET4_CONNECT,     BPF_CGROUP_INET6_CONNECT,
	BPF_CGROUP_UNIX_CONNECT,      BPF_CGROUP_INET4_GETPEERNAME,
	BPF_CGROUP_INET6_GETPEERNAME, BPF_CGROUP_UNIX_GETPEERNAME,
	BPF_CGROUP_INET4_GETSOCKNAME, BPF_CGROUP_INET6_GETSOCKNAME,
	BPF_CGROUP_UNIX_GETSOCKNAME,  BPF_CGROUP_UDP4_SENDMSG,
	BPF_CGROUP_UDP6_SENDMSG,      BPF_CGROUP_UNIX_SENDMSG,
	BPF_CGROUP_UDP4_RECVMSG,      BPF_CGROUP_UDP6_RECVMSG,
	BPF_CGROUP_UNIX_RECVMSG,
};

static const uint32_t opt_eats[] = { BPF_CGROUP_GETSOCKOPT,
				     BPF_CGROUP_SETSOCKOPT };

#define N(a) (sizeof(a) / sizeof((a)[0]))

/*
 * kbpf has no socket pointer type in its verifier: bpf_sock_addr->sk
 * loads are refused with -EINVAL and a log line saying so (the kernel
 * gives a PTR_TO_SOCKET). Counted, not hidden.
 */
static bool sk_load(uint32_t type, int off, int size, int kind)
{
	if (type == BPF_PROG_TYPE_CGROUP_SOCKOPT)
		return kind == 0 && off == 0 && size == 8;
	return type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR && kind == 0 &&
	       off == (int)offsetof(struct bpf_sock_addr, sk) && size == 8;
}

static void ctx_access_body(uint32_t type, uint32_t eat, int ctx_size)
{
	static const uint8_t sizes[4] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	int cases = 0, ok = 0, sk = 0;

	for (int off = -4; off <= ctx_size + 4; off++)
		for (int sz = 0; sz < 4; sz++)
			for (int kind = 0; kind < 4; kind++) {
				struct bpf_insn p[4];
				long fd[2];

				/* 0: load, 1: sign-extending load, 2: store
				 * of a register, 3: store of an immediate. */
				p[0] = MOVK(2, 7);
				if (kind == 0)
					p[1] = I(BPF_LDX | BPF_MEM | sizes[sz],
						 3, 1, off, 0);
				else if (kind == 1)
					p[1] = I(BPF_LDX | BPF_MEMSX |
							 sizes[sz],
						 3, 1, off, 0);
				else if (kind == 2)
					p[1] = I(BPF_STX | BPF_MEM | sizes[sz],
						 1, 2, off, 0);
				else
					p[1] = I(BPF_ST | BPF_MEM | sizes[sz],
						 1, 0, off, 7);
				if (kind == 1 && sz == 3)
					continue; /* no 64-bit sign extension */
				p[2] = MOVK(0, 1);
				p[3] = EXIT;
				fd[0] = load(SIDE_KERNEL, type, eat, p, 4,
					     NULL);
				fd[1] = load(SIDE_KBPF, type, eat, p, 4, mlog);
				cases++;
				ok += fd[0] >= 0;
				if (sk_load(type, off, 1 << sz, kind)) {
					sk++;
					T_ASSERT(fd[0] >= 0);
					T_EQ(fd[1], -EINVAL);
					T_ASSERT(strstr(mlog, "not supported"));
				} else if (!same_result(fd[0], fd[1])) {
					T_FAIL("type %u eat %u off %d size %d kind %d: kernel %s kbpf %s",
					       type, eat, off, 1 << sz, kind,
					       oracle_errno_name(fd[0]),
					       oracle_errno_name(fd[1]));
				}
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
	printf("  type %u eat %u: %d context accesses compared, %d allowed%s\n",
	       type, eat, cases, ok,
	       sk ? " (the sk load: kernel allows, kbpf -EINVAL)" : "");
}

static void ctx_access_all(void)
{
	for (size_t e = 0; e < N(sock_eats) && !kbpf_test_failed(); e++)
		ctx_access_body(BPF_PROG_TYPE_CGROUP_SOCK, sock_eats[e],
				sizeof(struct bpf_sock));
	for (size_t e = 0; e < N(addr_eats) && !kbpf_test_failed(); e++)
		ctx_access_body(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, addr_eats[e],
				sizeof(struct bpf_sock_addr));
	for (size_t e = 0; e < N(opt_eats) && !kbpf_test_failed(); e++)
		ctx_access_body(BPF_PROG_TYPE_CGROUP_SOCKOPT, opt_eats[e],
				sizeof(struct bpf_sockopt));
}

KBPF_TEST(
	cgroup_sock_ctx_access,
	"struct bpf_sock, struct bpf_sock_addr and struct bpf_sockopt accesses by offset x size x load/store x attach type are allowed and refused as the kernel's, with and without kbpf's verifier (but for the sk loads, refused by kbpf with -EINVAL)")
{
	NEED_KERNEL();
	ctx_access_all();
	if (kbpf_test_failed())
		return;
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	ctx_access_all();
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
}

static void load_rules_body(uint32_t type, uint32_t eat)
{
	static const struct {
		const char *what;
		struct bpf_insn p[4];
		uint32_t n;
	} progs[] = {
		{ "r0 = 0", { MOVK(0, 0), EXIT }, 2 },
		{ "r0 = 1", { MOVK(0, 1), EXIT }, 2 },
		{ "r0 = 2", { MOVK(0, 2), EXIT }, 2 },
		{ "r0 = 3", { MOVK(0, 3), EXIT }, 2 },
		{ "r0 = 4", { MOVK(0, 4), EXIT }, 2 },
		{ "r0 = -1", { MOVK(0, -1), EXIT }, 2 },
		{ "r0 = ctx", { MOV(0, 1), EXIT }, 2 },
		{ "r0 = family & 1",
		  { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0),
		    I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 1), EXIT },
		  3 },
		{ "r0 = family & 3",
		  { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0),
		    I(BPF_ALU64 | BPF_AND | BPF_K, 0, 0, 0, 3), EXIT },
		  3 },
		{ "r0 = family | 1",
		  { I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 4, 0),
		    I(BPF_ALU64 | BPF_OR | BPF_K, 0, 0, 0, 1), EXIT },
		  3 },
		{ "ld_abs",
		  { I(BPF_LD | BPF_ABS | BPF_B, 0, 0, 0, 0), EXIT },
		  2 },
	};
	int cases = 0;

	for (size_t i = 0; i < N(progs); i++) {
		long fd[2];

		fd[0] = load(SIDE_KERNEL, type, eat, progs[i].p, progs[i].n,
			     klog);
		fd[1] = load(SIDE_KBPF, type, eat, progs[i].p, progs[i].n,
			     mlog);
		cases++;
		if (!same_result(fd[0], fd[1])) {
			printf("    kernel log: %s\n    kbpf log: %s\n", klog,
			       mlog);
			T_FAIL("type %u: %s, expected_attach_type %u: kernel %s kbpf %s",
			       type, progs[i].what, eat,
			       oracle_errno_name(fd[0]),
			       oracle_errno_name(fd[1]));
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
}

KBPF_TEST(
	cgroup_sock_load_rules,
	"cgroup sock, sock_addr and sockopt programs load with the kernel's expected attach types only; their return ranges per attach type (0..1, 1..1 for recvmsg/getpeername/getsockname, 0..3 for bind), LD_ABS and context reads are judged as the kernel does under kbpf's verifier")
{
	int cases = 0;

	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (uint32_t eat = 0;
	     eat <= __MAX_BPF_ATTACH_TYPE + 1 && !kbpf_test_failed(); eat++) {
		load_rules_body(BPF_PROG_TYPE_CGROUP_SOCK, eat);
		load_rules_body(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, eat);
		load_rules_body(BPF_PROG_TYPE_CGROUP_SOCKOPT, eat);
		cases += 3;
	}
	printf("  %d (type, attach type) pairs compared, 11 programs each\n",
	       cases);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
}

KBPF_TEST(
	cgroup_sock_no_test_run,
	"BPF_PROG_TEST_RUN of a cgroup sock, sock_addr or sockopt program gives the kernel's answer")
{
	static const struct bpf_insn p[] = { MOVK(0, 1), EXIT };
	static const uint32_t t[3] = { BPF_PROG_TYPE_CGROUP_SOCK,
				       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
				       BPF_PROG_TYPE_CGROUP_SOCKOPT };
	static const uint32_t e[3] = { BPF_CGROUP_INET_SOCK_CREATE,
				       BPF_CGROUP_INET4_CONNECT,
				       BPF_CGROUP_GETSOCKOPT };
	uint8_t data[64] = { 0 };

	NEED_KERNEL();
	for (int i = 0; i < 3; i++) {
		long fd[2], r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			fd[s] = load(s, t[i], e[i], p, 2, NULL);
			T_ASSERT(fd[s] >= 0);
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)fd[s];
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = sizeof(data);
			r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
			side_close(s, fd[s]);
		}
		if (r[0] != r[1])
			T_FAIL("type %u: kernel %s kbpf %s", t[i],
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
}

/* What a load that calls one helper says of it. */
enum avail { AVAIL, NOT_FOR_TYPE, UNKNOWN };

static enum avail helper_avail(long fd, const char *log)
{
	if (fd >= 0)
		return AVAIL;
	if (strstr(log, "program of this type cannot use") ||
	    strstr(log, "unknown func"))
		return NOT_FOR_TYPE;
	if (strstr(log, "invalid func"))
		return UNKNOWN;
	return AVAIL; /* refused for its arguments: the helper is there */
}

static int helpers_body(uint32_t type, uint32_t eat)
{
	int avail = 0, lacks = 0, differ = 0;
	char names[4096];
	size_t used = 0;

	for (int id = 1; id < __BPF_FUNC_MAX_ID; id++) {
		struct bpf_insn p[] = { MOVK(1, 0), MOVK(2, 0), MOVK(3, 0),
					MOVK(4, 0), MOVK(5, 0), CALL(id),
					MOVK(0, 1), EXIT };
		enum avail k, m;
		long fd[2];

		fd[0] = load(SIDE_KERNEL, type, eat, p, 8, klog);
		fd[1] = load(SIDE_KBPF, type, eat, p, 8, mlog);
		k = helper_avail(fd[0], klog);
		m = helper_avail(fd[1], mlog);
		avail += k == AVAIL;
		/*
		 * A helper kbpf has not written at all: its log says what
		 * Linux says for a helper without a proto here, so ask the
		 * table.
		 */
		if (k == AVAIL && m != AVAIL &&
		    (m == UNKNOWN || !kbpf_default_helpers[id].fn)) {
			used += (size_t)snprintf(
				names + used, sizeof(names) - used, " %s",
				kbpf_helper_name((uint32_t)id));
			if (used >= sizeof(names))
				used = sizeof(names) - 1;
			lacks++;
		} else if ((k == AVAIL) != (m == AVAIL)) {
			printf("    helper %d %s: kernel %s, kbpf %s\n", id,
			       kbpf_helper_name((uint32_t)id),
			       k == AVAIL ? "allows" : "refuses",
			       m == AVAIL ? "allows" : "refuses");
			differ++;
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	names[used] = 0;
	printf("  type %u, expected attach type %u: %d helpers available on the kernel; kbpf lacks %d of them (%s); %d differ\n",
	       type, eat, avail, lacks, names + (used > 0), differ);
	return differ;
}

KBPF_TEST(
	cgroup_sock_helpers,
	"the helpers cgroup sock, sock_addr and sockopt programs may call, per attach type, are the kernel's: none the kernel refuses them, none refused that the kernel allows (helpers kbpf lacks altogether are counted)")
{
	int differ = 0;

	NEED_KERNEL();
	for (size_t e = 1; e < N(sock_eats); e++)
		differ += helpers_body(BPF_PROG_TYPE_CGROUP_SOCK, sock_eats[e]);
	for (size_t e = 0; e < N(addr_eats); e++)
		differ += helpers_body(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
				       addr_eats[e]);
	for (size_t e = 0; e < N(opt_eats); e++)
		differ +=
			helpers_body(BPF_PROG_TYPE_CGROUP_SOCKOPT, opt_eats[e]);
	T_EQ(differ, 0);
}
