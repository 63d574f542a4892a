// SPDX-License-Identifier: MIT
/*
 * The cgroup runners of include/kbpf/cgroup.h with a host of the test's own
 * (no kernel, no cgroup file system): the POSIX host's table with a fake
 * cgroup tree (root R, A below R, B below A, and S below R) whose fds are
 * 1000 + index. Programs record the order they run in (each appends its
 * digit to an array map's value), so the tests check the runner against
 * BPF_PROG_QUERY's effective list and against Linux's ordering rules;
 * verdicts are combined as Linux does (every program must allow; the
 * congestion bit of egress); allocation failures leave the lists as they
 * were and a detach that cannot allocate still takes the program out;
 * kbpf_cgroup_release() frees everything; a host without the cgroup
 * callbacks has no cgroup fds. The cgroup sock and sock_addr runners trace
 * in the context the programs share (their verdicts, the bind flag, the
 * socket helpers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "insn.h"
#include "kbpf/cgroup.h"
#include "kbpf/state.h"
#include "kbpf/sys.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)

enum { R, A, B, S, NR_CG };

struct fake_cg {
	struct fake_cg *parent;
	void *bpf;
};

static struct fake_cg cgs[NR_CG];
static struct kbpf_state fake_state;
static struct kbpf_host fake;

static int fake_cgroup_get(const struct kbpf_host *h, int fd, void **cgrp)
{
	(void)h;
	if (fd < 1000 || fd >= 1000 + NR_CG)
		return -EBADF;
	*cgrp = &cgs[fd - 1000];
	return 0;
}

static void fake_cgroup_put(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	(void)cgrp;
}

static void *fake_cgroup_parent(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return ((struct fake_cg *)cgrp)->parent;
}

static void **fake_cgroup_bpf(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return &((struct fake_cg *)cgrp)->bpf;
}

/* A cgroup's id: 1000 + its index, as its fd (Linux: the inode). */
static uint64_t fake_cgroup_id(const struct kbpf_host *h, void *cgrp)
{
	(void)h;
	return 1000 + (uint64_t)((struct fake_cg *)cgrp - cgs);
}

static const struct kbpf_host *fake_host(void)
{
	fake = *kbpf_posix_host();
	memset(&fake_state, 0, sizeof(fake_state));
	fake.state = &fake_state;
	fake.cgroup_get = fake_cgroup_get;
	fake.cgroup_put = fake_cgroup_put;
	fake.cgroup_parent = fake_cgroup_parent;
	fake.cgroup_bpf = fake_cgroup_bpf;
	fake.cgroup_id = fake_cgroup_id; /* not the POSIX host's: no inode */
	memset(cgs, 0, sizeof(cgs));
	cgs[A].parent = &cgs[R];
	cgs[B].parent = &cgs[A];
	cgs[S].parent = &cgs[R];
	return &fake;
}

/* Release every fake cgroup, descendants first (the host's rmdir). */
static void fake_teardown(void)
{
	static const int order[] = { B, S, A, R };

	for (int i = 0; i < NR_CG; i++)
		kbpf_cgroup_release(&fake, &cgs[order[i]]);
	for (int i = 0; i < NR_CG; i++)
		if (cgs[i].bpf)
			kbpf_test_fail(__FILE__, __LINE__,
				       "cgroup %d still has state", i);
}

static long sys(int cmd, union bpf_attr *a)
{
	return kbpf_sys_bpf(&fake, cmd, a, sizeof(*a));
}

static long trace_map(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	return sys(BPF_MAP_CREATE, &a);
}

static uint64_t trace_read(long map)
{
	union bpf_attr a;
	uint32_t k = 0;
	uint64_t v = 0;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&v;
	if (sys(BPF_MAP_LOOKUP_ELEM, &a))
		return ~0ULL;
	return v;
}

static void trace_clear(long map)
{
	union bpf_attr a;
	uint32_t k = 0;
	uint64_t v = 0;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)&v;
	sys(BPF_MAP_UPDATE_ELEM, &a);
}

/* A program of @type that appends @digit to the trace and returns @ret. */
static long tracer(uint32_t type, uint32_t eat, long map, int digit, int ret)
{
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		MOV(2, 10),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		CALL(BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 10),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, digit),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
		MOVK(0, ret),
		EXIT,
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long attach(int cg, long prog, uint32_t type, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = 1000 + (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = type;
	a.attach_flags = flags;
	return sys(BPF_PROG_ATTACH, &a);
}

static long detach(int cg, long prog, uint32_t type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = 1000 + (uint32_t)cg;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = type;
	return sys(BPF_PROG_DETACH, &a);
}

/* The effective program count of @cg for @type (-errno on failure). */
static long effective_cnt(int cg, uint32_t type)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.query.target_fd = 1000 + (uint32_t)cg;
	a.query.attach_type = type;
	a.query.query_flags = BPF_F_QUERY_EFFECTIVE;
	r = sys(BPF_PROG_QUERY, &a);
	return r ? r : (long)a.query.prog_cnt;
}

static int run_dev(int cg)
{
	return kbpf_cgroup_run_dev(&fake, &cgs[cg], BPF_DEVCG_DEV_CHAR,
				   BPF_DEVCG_ACC_READ, 1, 3,
				   KBPF_INTERP_CHECKED, 0);
}

static void order_body(void)
{
	long map = trace_map(), p[5];

	T_ASSERT(map >= 0);
	for (int i = 1; i <= 4; i++) {
		p[i] = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, map, i, 1);
		T_ASSERT(p[i] >= 0);
	}
	/* Nothing attached: allowed, nothing runs. */
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 0);
	T_EQ(attach(R, p[1], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	T_EQ(attach(A, p[2], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	T_EQ(attach(A, p[3], BPF_CGROUP_DEVICE,
		    BPF_F_ALLOW_MULTI | BPF_F_PREORDER),
	     0);
	T_EQ(attach(B, p[4], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	/* B: A's preorder program, then B's, A's, R's. */
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 3421);
	T_EQ(effective_cnt(B, BPF_CGROUP_DEVICE), 4);
	trace_clear(map);
	T_EQ(run_dev(A), 0);
	T_EQ(trace_read(map), 321);
	trace_clear(map);
	/* S has no state of its own: R's programs. */
	T_EQ(run_dev(S), 0);
	T_EQ(trace_read(map), 1);
	trace_clear(map);
	T_EQ(detach(A, p[3], BPF_CGROUP_DEVICE), 0);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 421);
	trace_clear(map);
	T_EQ(run_dev(R), 0);
	T_EQ(trace_read(map), 1);
}

KBPF_TEST(
	cgroup_run_order,
	"the device runner runs a cgroup's effective programs in Linux's order (preorder first, then the cgroup's own, then its ancestors'), and a detach takes one out of its descendants' runs")
{
	fake_host();
	order_body();
	fake_teardown();
}

static void verdict_body(void)
{
	long map = trace_map(), allow, deny;

	T_ASSERT(map >= 0);
	allow = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, map, 1, 1);
	deny = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, map, 2, 0);
	T_ASSERT(allow >= 0 && deny >= 0);
	T_EQ(attach(R, allow, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	T_EQ(attach(B, deny, BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	/* B refuses; R's program still runs after it, as in Linux. */
	T_EQ(run_dev(B), -EPERM);
	T_EQ(trace_read(map), 21);
	trace_clear(map);
	T_EQ(run_dev(A), 0);
	T_EQ(trace_read(map), 1);
	trace_clear(map);
	/* R with OVERRIDE after a detach: B's own program replaces it. */
	T_EQ(detach(R, allow, BPF_CGROUP_DEVICE), 0);
	T_EQ(detach(B, deny, BPF_CGROUP_DEVICE), 0);
	T_EQ(attach(R, deny, BPF_CGROUP_DEVICE, BPF_F_ALLOW_OVERRIDE), 0);
	T_EQ(attach(B, allow, BPF_CGROUP_DEVICE, 0), 0);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 1);
	trace_clear(map);
	T_EQ(run_dev(A), -EPERM);
	T_EQ(trace_read(map), 2);
}

KBPF_TEST(
	cgroup_run_dev_verdicts,
	"a device access is allowed only if every effective program returns 1; all run; an overriding descendant's program replaces its ancestor's")
{
	fake_host();
	verdict_body();
	fake_teardown();
}

static void dev_ctx_body(void)
{
	/* Allow only reads of char device 1:3 (/dev/null). */
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 3, 1, 4, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 4, 1, 8, 0),
		MOVK(0, 0),
		I(BPF_JMP | BPF_JNE | BPF_K, 2, 0, 5,
		  BPF_DEVCG_ACC_READ << 16 | BPF_DEVCG_DEV_CHAR),
		I(BPF_JMP | BPF_JNE | BPF_K, 3, 0, 4, 1),
		I(BPF_JMP | BPF_JNE | BPF_K, 4, 0, 3, 3),
		I(BPF_LDX | BPF_MEM | BPF_H, 5, 1, 2, 0), /* access, narrow */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 5, 0, 0),
		I(BPF_ALU64 | BPF_SUB | BPF_K, 0, 0, 0, 1), /* READ (2): 1 */
		EXIT,
	};
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = sys(BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	T_EQ(attach(A, fd, BPF_CGROUP_DEVICE, 0), 0);
	for (int mode = 0; mode < 2; mode++) {
		enum kbpf_interp_mode m = mode ? KBPF_INTERP_FAST :
						 KBPF_INTERP_CHECKED;

		/* The narrow load of the access half reads READ (2). */
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_CHAR,
					 BPF_DEVCG_ACC_READ, 1, 3, m, 0),
		     0);
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_CHAR,
					 BPF_DEVCG_ACC_READ, 1, 5, m, 0),
		     -EPERM);
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_CHAR,
					 BPF_DEVCG_ACC_READ |
						 BPF_DEVCG_ACC_MKNOD,
					 1, 3, m, 0),
		     -EPERM);
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_CHAR,
					 BPF_DEVCG_ACC_WRITE, 1, 3, m, 0),
		     -EPERM);
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[B], BPF_DEVCG_DEV_BLOCK,
					 BPF_DEVCG_ACC_READ, 1, 3, m, 0),
		     -EPERM);
		T_EQ(kbpf_cgroup_run_dev(&fake, &cgs[R], BPF_DEVCG_DEV_BLOCK,
					 BPF_DEVCG_ACC_READ, 1, 3, m, 0),
		     0);
	}
}

KBPF_TEST(
	cgroup_run_dev_ctx,
	"device programs see access_type = access << 16 | type, major and minor, and read the access half with a narrow load")
{
	fake_host();
	dev_ctx_body();
	fake_teardown();
}

static int run_skb(int cg, uint32_t type, uint32_t *v)
{
	static uint8_t frame[64] = { [12] = 0x08, [14] = 0x45 };
	struct kbpf_skb skb;

	if (kbpf_skb_init(&skb, frame, sizeof(frame), 0, sizeof(frame), false,
			  1))
		return -1000;
	return kbpf_cgroup_run_skb(&fake, &cgs[cg], type, &skb,
				   KBPF_INTERP_CHECKED, 0, v);
}

static void skb_body(void)
{
	uint32_t eg = BPF_CGROUP_INET_EGRESS, in = BPF_CGROUP_INET_INGRESS;
	long map = trace_map(), p[4];
	uint32_t v;

	T_ASSERT(map >= 0);
	/* Return values 0..3, loaded for egress. */
	for (int i = 0; i < 4; i++) {
		p[i] = tracer(BPF_PROG_TYPE_CGROUP_SKB, eg, map, i + 1, i);
		T_ASSERT(p[i] >= 0);
	}
	T_EQ(run_skb(B, eg, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
	T_EQ(run_skb(B, BPF_CGROUP_DEVICE, &v), -EINVAL);
	T_EQ(attach(R, p[1], eg, BPF_F_ALLOW_MULTI), 0); /* 1: pass */
	T_EQ(attach(A, p[3], eg, BPF_F_ALLOW_MULTI), 0); /* 3: pass, CN */
	T_EQ(run_skb(B, eg, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS | KBPF_CGROUP_SKB_CN);
	T_EQ(trace_read(map), 42);
	T_EQ(attach(B, p[2], eg, BPF_F_ALLOW_MULTI), 0); /* 2: drop, CN */
	T_EQ(run_skb(B, eg, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_CN);
	T_EQ(run_skb(S, eg, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
	T_EQ(attach(S, p[0], eg, BPF_F_ALLOW_MULTI), 0); /* 0: drop */
	T_EQ(run_skb(S, eg, &v), 0);
	T_EQ(v, 0);
	/* Ingress: the same programs, the pass bit only. */
	T_EQ(attach(A, p[3], in, 0), 0);
	T_EQ(run_skb(B, in, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
	T_EQ(run_skb(R, in, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
}

KBPF_TEST(
	cgroup_run_skb_verdicts,
	"the skb runner passes a packet only if every effective program lets it pass, and reports congestion notification on egress if any program asked for it")
{
	fake_host();
	skb_body();
	fake_teardown();
}

static void fault_body(void)
{
	long map = trace_map(), p[3];
	int n, attached = 0;

	T_ASSERT(map >= 0);
	for (int i = 0; i < 3; i++) {
		p[i] = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, map, i + 1, 1);
		T_ASSERT(p[i] >= 0);
	}
	T_EQ(attach(R, p[0], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	/* An attach failed at each allocation changes nothing. */
	for (n = 0; n < 64; n++) {
		long r;

		kbpf_posix_fail_alloc_after(n);
		r = attach(B, p[1], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI);
		kbpf_posix_fail_alloc_after(-1);
		if (!r) {
			attached = 1;
			break;
		}
		T_EQ(r, -ENOMEM);
		T_EQ(effective_cnt(B, BPF_CGROUP_DEVICE), 1);
		trace_clear(map);
		T_EQ(run_dev(B), 0);
		T_EQ(trace_read(map), 1);
	}
	T_ASSERT(attached);
	printf("  attach succeeded with allocation %d failed\n", n);
	T_EQ(attach(A, p[2], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 231);
	/* A detach that cannot allocate its new arrays still takes it out. */
	kbpf_posix_fail_alloc_after(0);
	T_EQ(detach(A, p[2], BPF_CGROUP_DEVICE), 0);
	kbpf_posix_fail_alloc_after(-1);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 21);
	trace_clear(map);
	T_EQ(run_dev(A), 0);
	T_EQ(trace_read(map), 1);
	/* The next change recomputes the arrays in full. */
	T_EQ(detach(R, p[0], BPF_CGROUP_DEVICE), 0);
	T_EQ(effective_cnt(B, BPF_CGROUP_DEVICE), 1);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 2);
}

KBPF_TEST(
	cgroup_alloc_failures,
	"an attach failed at any allocation returns -ENOMEM and leaves the cgroups' programs as they were; a detach that cannot allocate clears the program's slots instead (Linux's purge) and succeeds")
{
	fake_host();
	fault_body();
	fake_teardown();
}

KBPF_TEST(
	cgroup_no_host_callbacks,
	"a host without the cgroup callbacks has no cgroup fds: attach, detach and query give -EBADF; runners find nothing to run")
{
	uint32_t v = 0;
	union bpf_attr a;
	long prog;

	fake_host();
	fake.cgroup_bpf = NULL;
	prog = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, trace_map(), 1, 1);
	T_ASSERT(prog >= 0);
	memset(&a, 0, sizeof(a));
	a.target_fd = 1000;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	T_EQ(sys(BPF_PROG_ATTACH, &a), -EBADF);
	T_EQ(sys(BPF_PROG_DETACH, &a), -EBADF);
	memset(&a, 0, sizeof(a));
	a.query.target_fd = 1000;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	T_EQ(sys(BPF_PROG_QUERY, &a), -EBADF);
	T_EQ(run_dev(B), 0);
	T_EQ(run_skb(B, BPF_CGROUP_INET_EGRESS, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
}

static void no_defer_body(void)
{
	long map = trace_map(), p[3], link;
	union bpf_attr a;

	T_ASSERT(map >= 0);
	for (int i = 0; i < 3; i++) {
		p[i] = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, map, i + 1, 1);
		T_ASSERT(p[i] >= 0);
	}
	T_EQ(attach(R, p[0], BPF_CGROUP_DEVICE, 0), 0);
	T_EQ(attach(R, p[1], BPF_CGROUP_DEVICE, 0), 0); /* replaces p[0] */
	T_EQ(detach(R, -1, BPF_CGROUP_DEVICE), 0);
	T_EQ(attach(A, p[0], BPF_CGROUP_DEVICE, BPF_F_ALLOW_MULTI), 0);
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)p[1];
	a.link_create.target_fd = 1000 + A;
	a.link_create.attach_type = BPF_CGROUP_DEVICE;
	link = sys(BPF_LINK_CREATE, &a);
	T_ASSERT(link >= 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 12);
	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = (uint32_t)link;
	a.link_update.new_prog_fd = (uint32_t)p[2];
	T_EQ(sys(BPF_LINK_UPDATE, &a), 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 13);
	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = (uint32_t)link;
	T_EQ(sys(BPF_LINK_DETACH, &a), 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 1);
	/* A link closed while attached waits in the cgroup's state. */
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)p[2];
	a.link_create.target_fd = 1000 + B;
	a.link_create.attach_type = BPF_CGROUP_DEVICE;
	a.link_create.flags = BPF_F_PREORDER;
	long link2 = sys(BPF_LINK_CREATE, &a);
	T_ASSERT(link2 >= 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 31);
	T_EQ(kbpf_posix_close((int)link2), 0);
	trace_clear(map);
	T_EQ(run_dev(B), 0);
	T_EQ(trace_read(map), 1);
	/* Close every fd: what runners may still hold waits for the release. */
	T_EQ(kbpf_posix_close((int)link), 0);
	for (int i = 0; i < 3; i++)
		T_EQ(kbpf_posix_close((int)p[i]), 0);
	T_EQ(detach(A, -1, BPF_CGROUP_DEVICE), -EINVAL); /* MULTI: fd needed */
}

KBPF_TEST(
	cgroup_no_defer_free,
	"on a host without defer_free, replaced arrays, detached programs and links wait for kbpf_cgroup_release(), which frees them all (no leak)")
{
	fake_host();
	fake.defer_free = NULL;
	no_defer_body();
	fake_teardown();
}

KBPF_TEST(
	cgroup_link_released_with_cgroup,
	"a link whose cgroup is released lives on, defunct: update gives -ENOLINK, detach 0, its info cgroup id 0")
{
	struct bpf_link_info info;
	union bpf_attr a;
	long prog, link;

	fake_host();
	prog = tracer(BPF_PROG_TYPE_CGROUP_DEVICE, 0, trace_map(), 1, 1);
	T_ASSERT(prog >= 0);
	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.target_fd = 1000 + B;
	a.link_create.attach_type = BPF_CGROUP_DEVICE;
	link = sys(BPF_LINK_CREATE, &a);
	T_ASSERT(link >= 0);
	fake_teardown();
	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = (uint32_t)link;
	a.link_update.new_prog_fd = (uint32_t)prog;
	T_EQ(sys(BPF_LINK_UPDATE, &a), -ENOLINK);
	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = (uint32_t)link;
	T_EQ(sys(BPF_LINK_DETACH, &a), 0);
	memset(&a, 0, sizeof(a));
	memset(&info, 0, sizeof(info));
	a.info.bpf_fd = (uint32_t)link;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	T_EQ(sys(BPF_OBJ_GET_INFO_BY_FD, &a), 0);
	T_EQ(info.type, BPF_LINK_TYPE_CGROUP);
	T_EQ(info.cgroup.cgroup_id, 0);
	T_EQ(info.cgroup.attach_type, BPF_CGROUP_DEVICE);
}

/* ---- cgroup storage and the host's cgroup_id ---- */

static long storage_map(uint32_t type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = sizeof(struct bpf_cgroup_storage_key);
	a.value_size = 8;
	return sys(BPF_MAP_CREATE, &a);
}

/* A cgroup skb egress program: ++*(u64 *)bpf_get_local_storage(map, 0). */
static long storage_prog(long map)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		MOVK(2, 0),
		CALL(BPF_FUNC_get_local_storage),
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
		MOVK(0, 1),
		EXIT,
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SKB;
	a.expected_attach_type = BPF_CGROUP_INET_EGRESS;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long link_create(int cg, long prog, uint32_t type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = (uint32_t)prog;
	a.link_create.target_fd = 1000 + (uint32_t)cg;
	a.link_create.attach_type = type;
	return sys(BPF_LINK_CREATE, &a);
}

/* The first key of storage map @map into @key: 0 or -errno. */
static long storage_first_key(long map, struct bpf_cgroup_storage_key *key)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	memset(key, 0, sizeof(*key));
	a.map_fd = (uint32_t)map;
	a.key = 0;
	a.next_key = (uint64_t)(uintptr_t)key;
	return sys(BPF_MAP_GET_NEXT_KEY, &a);
}

/* The value at @key summed over the CPUs (one of them for the shared type). */
static uint64_t storage_sum(long map, uint32_t type,
			    const struct bpf_cgroup_storage_key *key)
{
	uint32_t n = type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ? fake.nr_cpus :
								  1;
	uint64_t v[1024], sum = 0;
	union bpf_attr a;

	if (n > 1024)
		return ~0ULL;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)v;
	if (sys(BPF_MAP_LOOKUP_ELEM, &a))
		return ~0ULL;
	for (uint32_t i = 0; i < n; i++)
		sum += v[i];
	return sum;
}

/*
 * With the host's cgroup_id (@has_id) a program using a storage map of
 * @type attaches to B (PROG_ATTACH, then a link) and counts in the storage
 * of (B's id, egress); without it both attaches give -EOPNOTSUPP and leave
 * no allocation, no storage, no program on B, while a program without
 * storage maps still attaches and runs.
 */
static void storage_id_body(uint32_t type, bool has_id)
{
	uint32_t eg = BPF_CGROUP_INET_EGRESS, v;
	long trace = trace_map(), map = storage_map(type), prog, plain, link;
	struct bpf_cgroup_storage_key key;
	long before;

	T_ASSERT(trace >= 0);
	T_ASSERT(map >= 0);
	prog = storage_prog(map);
	T_ASSERT(prog >= 0);
	plain = tracer(BPF_PROG_TYPE_CGROUP_SKB, eg, trace, 7, 1);
	T_ASSERT(plain >= 0);
	if (!has_id) {
		before = kbpf_posix_live_allocs();
		T_EQ(attach(B, prog, eg, BPF_F_ALLOW_MULTI), -EOPNOTSUPP);
		T_EQ(attach(B, prog, eg, 0), -EOPNOTSUPP);
		T_EQ(link_create(B, prog, eg), -EOPNOTSUPP);
		T_EQ(kbpf_posix_live_allocs(), before);
		T_EQ(effective_cnt(B, eg), 0);
		T_EQ(storage_first_key(map, &key), -ENOENT);
		/* A program without storage maps still attaches and runs. */
		T_EQ(attach(B, plain, eg, BPF_F_ALLOW_MULTI), 0);
		T_EQ(effective_cnt(B, eg), 1);
		T_EQ(run_skb(B, eg, &v), 0);
		T_EQ(v, KBPF_CGROUP_SKB_PASS);
		T_EQ(trace_read(trace), 7);
		T_EQ(storage_first_key(map, &key), -ENOENT);
		return;
	}
	T_EQ(attach(B, prog, eg, BPF_F_ALLOW_MULTI), 0);
	T_EQ(storage_first_key(map, &key), 0);
	T_EQ(key.cgroup_inode_id, 1000 + B);
	T_EQ(key.attach_type, eg);
	T_EQ(storage_sum(map, type, &key), 0);
	T_EQ(run_skb(B, eg, &v), 0);
	T_EQ(v, KBPF_CGROUP_SKB_PASS);
	T_EQ(storage_sum(map, type, &key), 1);
	T_EQ(detach(B, prog, eg), 0);
	/* A link of the same program on B finds the same storage. */
	link = link_create(B, prog, eg);
	T_ASSERT(link >= 0);
	T_EQ(attach(B, plain, eg, BPF_F_ALLOW_MULTI), 0);
	T_EQ(effective_cnt(B, eg), 2);
	T_EQ(run_skb(B, eg, &v), 0);
	T_EQ(storage_sum(map, type, &key), 2);
	T_EQ(trace_read(trace), 7);
	T_EQ(kbpf_posix_close((int)link), 0);
}

KBPF_TEST(
	cgroup_storage_needs_cgroup_id,
	"on a host without cgroup_id, attaching a program that uses a CGROUP_STORAGE or PERCPU_CGROUP_STORAGE map gives -EOPNOTSUPP (PROG_ATTACH with and without ALLOW_MULTI, LINK_CREATE) with no allocation left and no storage made; a program without storage maps still attaches and runs")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_CGROUP_STORAGE,
					  BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE };

	for (int t = 0; t < 2 && !kbpf_test_failed(); t++) {
		fake_host();
		fake.cgroup_id = NULL;
		storage_id_body(types[t], false);
		fake_teardown();
		/* Every object gone before the next fake_host() rewrites it. */
		kbpf_posix_reset();
		kbpf_posix_rcu_barrier();
	}
}

KBPF_TEST(
	cgroup_storage_with_cgroup_id,
	"the same programs on the same fake host with its cgroup_id attach (PROG_ATTACH, LINK_CREATE) and count in the storage keyed by the cgroup's id and the attach type")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_CGROUP_STORAGE,
					  BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE };

	for (int t = 0; t < 2 && !kbpf_test_failed(); t++) {
		fake_host();
		storage_id_body(types[t], true);
		fake_teardown();
		/* Every object gone before the next fake_host() rewrites it. */
		kbpf_posix_reset();
		kbpf_posix_rcu_barrier();
	}
}

/* ---- cgroup sock and sock_addr runners ---- */

/*
 * A program of @type/@eat that appends @digit to the u32 at context
 * offset @off (mark of bpf_sock, user_ip4 of bpf_sock_addr) and returns
 * @ret: the trace lives in the context the programs share.
 */
static long ctx_tracer(uint32_t type, uint32_t eat, int16_t off, int digit,
		       int ret)
{
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_W, 2, 1, off, 0),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 2, 0, 0, 10),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, digit),
		I(BPF_STX | BPF_MEM | BPF_W, 1, 2, off, 0),
		MOVK(0, ret),
		EXIT,
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static int run_sock(int cg, uint32_t t, struct kbpf_sock *sk,
		    enum kbpf_interp_mode m)
{
	memset(sk, 0, sizeof(*sk));
	sk->md.family = 2;
	return kbpf_cgroup_run_sock(&fake, &cgs[cg], t, sk, m, 0);
}

static void sock_chain_body(void)
{
	const uint32_t t = BPF_CGROUP_INET_SOCK_CREATE;
	const int16_t mark = offsetof(struct bpf_sock, mark);
	long p1, p2, p3, post;
	struct kbpf_sock sk;

	p1 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK, 0, mark, 1, 1);
	p2 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK, t, mark, 2, 0);
	p3 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK, t, mark, 3, 1);
	/* A post_bind program may not write mark. */
	post = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND,
			  mark, 4, 1);
	T_ASSERT(p1 >= 0 && p2 >= 0 && p3 >= 0);
	T_EQ(post, -EACCES);
	/* Attached only at the attach type it was loaded for. */
	T_EQ(attach(B, p1, BPF_CGROUP_INET4_POST_BIND, BPF_F_ALLOW_MULTI),
	     -EINVAL);
	T_EQ(attach(B, p1, t, BPF_F_ALLOW_MULTI), 0);
	T_EQ(attach(A, p2, t, BPF_F_ALLOW_MULTI), 0);
	T_EQ(attach(R, p3, t, BPF_F_ALLOW_MULTI), 0);
	for (int mode = 0; mode < 2; mode++) {
		enum kbpf_interp_mode m = mode ? KBPF_INTERP_FAST :
						 KBPF_INTERP_CHECKED;

		/* B, A, R in order on one context; A refuses, R still runs. */
		T_EQ(run_sock(B, t, &sk, m), -EPERM);
		T_EQ(sk.md.mark, 123);
		T_EQ(run_sock(S, t, &sk, m), 0);
		T_EQ(sk.md.mark, 3);
		T_EQ(run_sock(S, BPF_CGROUP_INET_SOCK_RELEASE, &sk, m), 0);
		T_EQ(sk.md.mark, 0);
		T_EQ(run_sock(B, BPF_CGROUP_INET4_CONNECT, &sk, m), -EINVAL);
		T_EQ(run_sock(B, BPF_CGROUP_INET_INGRESS, &sk, m), -EINVAL);
	}
	T_EQ(detach(A, p2, t), 0);
	T_EQ(run_sock(B, t, &sk, KBPF_INTERP_CHECKED), 0);
	T_EQ(sk.md.mark, 13);
}

KBPF_TEST(
	cgroup_run_sock_chain,
	"the cgroup sock runner runs a hook's effective programs in order on one context (what one writes the next reads), refuses with -EPERM if any returned 0 while all still run, and answers -EINVAL for hooks that are not a cgroup sock's")
{
	fake_host();
	sock_chain_body();
	fake_teardown();
}

static int run_addr(int cg, uint32_t t, struct kbpf_sock_addr *sa,
		    uint32_t *flags)
{
	memset(sa, 0, sizeof(*sa));
	sa->md.user_family = 2;
	return kbpf_cgroup_run_sock_addr(&fake, &cgs[cg], t, sa,
					 KBPF_INTERP_CHECKED, 0, flags);
}

static void sock_addr_body(void)
{
	const int16_t ip4 = offsetof(struct bpf_sock_addr, user_ip4);
	struct kbpf_sock_addr sa;
	long b3, b1, b2, c1, c0, rv;
	uint32_t flags;

	b3 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND,
			ip4, 3, 3);
	b1 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND,
			ip4, 1, 1);
	b2 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND,
			ip4, 2, 2);
	c1 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			BPF_CGROUP_INET4_CONNECT, ip4, 5, 1);
	c0 = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
			BPF_CGROUP_INET4_CONNECT, ip4, 6, 0);
	rv = ctx_tracer(BPF_PROG_TYPE_CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG,
			ip4, 7, 1);
	T_ASSERT(b3 >= 0 && b1 >= 0 && b2 >= 0 && c1 >= 0 && c0 >= 0 &&
		 rv >= 0);
	/* Nothing attached: allowed, no flags, address untouched. */
	flags = 9;
	T_EQ(run_addr(B, BPF_CGROUP_INET4_BIND, &sa, &flags), 0);
	T_EQ(flags, 0);
	T_EQ(sa.md.user_ip4, 0);
	T_EQ(attach(B, b1, BPF_CGROUP_INET4_BIND, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_BIND, &sa, &flags), 0);
	T_EQ(flags, 0);
	T_EQ(sa.md.user_ip4, 1);
	/* Bit 1 of a bind program's return asks to skip the capability. */
	T_EQ(attach(A, b3, BPF_CGROUP_INET4_BIND, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_BIND, &sa, &flags), 0);
	T_EQ(flags, KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE);
	T_EQ(sa.md.user_ip4, 13);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_BIND, &sa, NULL), 0);
	/* 2: the flag, but bit 0 clear refuses. */
	T_EQ(attach(R, b2, BPF_CGROUP_INET4_BIND, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_BIND, &sa, &flags), -EPERM);
	T_EQ(sa.md.user_ip4, 132);
	T_EQ(run_addr(S, BPF_CGROUP_INET4_BIND, &sa, &flags), -EPERM);
	T_EQ(flags, KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE);
	/* Other hooks: 0 refuses, no flags. */
	T_EQ(attach(B, c1, BPF_CGROUP_INET4_CONNECT, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_CONNECT, &sa, &flags), 0);
	T_EQ(sa.md.user_ip4, 5);
	T_EQ(attach(R, c0, BPF_CGROUP_INET4_CONNECT, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET4_CONNECT, &sa, &flags), -EPERM);
	T_EQ(sa.md.user_ip4, 56);
	T_EQ(flags, 0);
	/* A program runs at its own hook only. */
	T_EQ(attach(B, rv, BPF_CGROUP_UDP4_SENDMSG, 0), -EINVAL);
	T_EQ(attach(B, rv, BPF_CGROUP_UDP4_RECVMSG, 0), 0);
	T_EQ(run_addr(B, BPF_CGROUP_UDP4_RECVMSG, &sa, &flags), 0);
	T_EQ(sa.md.user_ip4, 7);
	T_EQ(run_addr(B, BPF_CGROUP_UDP4_SENDMSG, &sa, &flags), 0);
	T_EQ(sa.md.user_ip4, 0);
	T_EQ(run_addr(B, BPF_CGROUP_INET_SOCK_CREATE, &sa, &flags), -EINVAL);
	T_EQ(run_addr(B, BPF_CGROUP_GETSOCKOPT, &sa, &flags), -EINVAL);
}

KBPF_TEST(
	cgroup_run_sock_addr,
	"the sock_addr runner rewrites the address through every program in order, refuses with -EPERM if any returned 0, and reports bit 1 of bind programs' returns as KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE (other hooks: no flags)")
{
	fake_host();
	sock_addr_body();
	fake_teardown();
}

static void sock_helpers_body(void)
{
	/* mark = socket cookie, priority = netns cookie (low 32 bits). */
	static const struct bpf_insn p[] = {
		MOV(6, 1),
		CALL(BPF_FUNC_get_socket_cookie),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 0,
		  offsetof(struct bpf_sock, mark), 0),
		MOV(1, 6),
		CALL(BPF_FUNC_get_netns_cookie),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 0,
		  offsetof(struct bpf_sock, priority), 0),
		MOVK(0, 1),
		EXIT,
	};
	/* user_ip4 = socket cookie, user_port = netns cookie. */
	static const struct bpf_insn q[] = {
		MOV(6, 1),
		CALL(BPF_FUNC_get_socket_cookie),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 0,
		  offsetof(struct bpf_sock_addr, user_ip4), 0),
		MOV(1, 6),
		CALL(BPF_FUNC_get_netns_cookie),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 0,
		  offsetof(struct bpf_sock_addr, user_port), 0),
		MOVK(0, 1),
		EXIT,
	};
	struct kbpf_skb_sock info = { .cookie = 0x1234, .netns_cookie = 0x55 };
	uint64_t host_ns = fake.netns_cookie ? fake.netns_cookie(&fake) : 0;
	struct kbpf_sock_addr sa;
	struct kbpf_sock sk;
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = sys(BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	T_EQ(attach(A, fd, BPF_CGROUP_INET_SOCK_CREATE, 0), 0);
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	a.expected_attach_type = BPF_CGROUP_INET4_CONNECT;
	a.insns = (uint64_t)(uintptr_t)q;
	a.insn_cnt = sizeof(q) / sizeof(q[0]);
	fd = sys(BPF_PROG_LOAD, &a);
	T_ASSERT(fd >= 0);
	T_EQ(attach(A, fd, BPF_CGROUP_INET4_CONNECT, 0), 0);
	for (int mode = 0; mode < 2; mode++) {
		enum kbpf_interp_mode m = mode ? KBPF_INTERP_FAST :
						 KBPF_INTERP_CHECKED;

		memset(&sk, 0, sizeof(sk));
		sk.sk = &info;
		T_EQ(kbpf_cgroup_run_sock(&fake, &cgs[B],
					  BPF_CGROUP_INET_SOCK_CREATE, &sk, m,
					  0),
		     0);
		T_EQ(sk.md.mark, 0x1234);
		T_EQ(sk.md.priority, 0x55);
		/* No socket data: cookie 0, the host's namespace. */
		memset(&sk, 0, sizeof(sk));
		T_EQ(kbpf_cgroup_run_sock(&fake, &cgs[B],
					  BPF_CGROUP_INET_SOCK_CREATE, &sk, m,
					  0),
		     0);
		T_EQ(sk.md.mark, 0);
		T_EQ(sk.md.priority, (uint32_t)host_ns);
		memset(&sa, 0, sizeof(sa));
		sa.sk = &info;
		T_EQ(kbpf_cgroup_run_sock_addr(&fake, &cgs[B],
					       BPF_CGROUP_INET4_CONNECT, &sa, m,
					       0, NULL),
		     0);
		T_EQ(sa.md.user_ip4, 0x1234);
		/* A port store keeps 16 bits, as Linux's sin_port. */
		T_EQ(sa.md.user_port, 0x55);
	}
}

KBPF_TEST(
	cgroup_run_sock_helpers,
	"bpf_get_socket_cookie and bpf_get_netns_cookie in cgroup sock and sock_addr programs answer from the host's struct kbpf_skb_sock (none: cookie 0 and the host's namespace)")
{
	fake_host();
	sock_helpers_body();
	fake_teardown();
}

/* A sockopt program of @eat: optlen = @optlen (unless INT32_MIN),
 * retval = @retval (getsockopt; unless INT32_MIN), return @ret. */
static long opt_prog(uint32_t eat, int32_t optlen, int32_t retval, int ret)
{
	struct bpf_insn p[4];
	uint32_t n = 0;
	union bpf_attr a;

	if (optlen != INT32_MIN)
		p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 1, 0,
			   offsetof(struct bpf_sockopt, optlen), optlen);
	if (retval != INT32_MIN)
		p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 1, 0,
			   offsetof(struct bpf_sockopt, retval), retval);
	p[n++] = MOVK(0, ret);
	p[n++] = EXIT;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCKOPT;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static int run_setopt(int cg, int32_t optlen, struct kbpf_sockopt *ctx,
		      uint8_t *buf, uint32_t cap)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->md.level = 1;
	ctx->md.optname = 2;
	ctx->md.optlen = optlen;
	ctx->buf = buf;
	ctx->cap = cap;
	return kbpf_cgroup_run_setsockopt(&fake, &cgs[cg], ctx,
					  KBPF_INTERP_CHECKED, 0);
}

static int run_getopt(int cg, int32_t optlen, int32_t retval,
		      struct kbpf_sockopt *ctx, uint8_t *buf, uint32_t cap)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->md.level = 1;
	ctx->md.optname = 2;
	ctx->md.optlen = optlen;
	ctx->buf = buf;
	ctx->cap = cap;
	return kbpf_cgroup_run_getsockopt(&fake, &cgs[cg], ctx, optlen, retval,
					  KBPF_INTERP_CHECKED, 0);
}

static void sockopt_rules_body(void)
{
	static uint8_t buf[2 * 4096];
	const uint32_t s = BPF_CGROUP_SETSOCKOPT, g = BPF_CGROUP_GETSOCKOPT;
	struct kbpf_sockopt ctx;
	long keep, big, neg, refuse, g_keep, g_ok, g_refuse, g_big;

	keep = opt_prog(s, INT32_MIN, INT32_MIN, 1);
	big = opt_prog(s, 100, INT32_MIN, 1);
	neg = opt_prog(s, -2, INT32_MIN, 1);
	refuse = opt_prog(s, INT32_MIN, INT32_MIN, 0);
	g_keep = opt_prog(g, INT32_MIN, INT32_MIN, 1);
	g_ok = opt_prog(g, INT32_MIN, 0, 1);
	g_refuse = opt_prog(g, INT32_MIN, INT32_MIN, 0);
	g_big = opt_prog(g, 8, INT32_MIN, 1);
	T_ASSERT(keep >= 0 && big >= 0 && neg >= 0 && refuse >= 0);
	T_ASSERT(g_keep >= 0 && g_ok >= 0 && g_refuse >= 0 && g_big >= 0);
	/* setsockopt programs may not write retval (load rule). */
	T_EQ(opt_prog(s, INT32_MIN, 0, 1), -EACCES);
	/* Nothing attached: the caller's value, handler runs. */
	T_EQ(run_setopt(B, 4, &ctx, buf, 4), 0);
	T_EQ(ctx.md.optlen, 0);
	T_EQ(run_getopt(B, 4, -ENOPROTOOPT, &ctx, buf, 4), -ENOPROTOOPT);
	T_EQ(run_setopt(B, -1, &ctx, buf, 4), -EINVAL);
	T_EQ(run_setopt(B, 8, &ctx, buf, 4), -EINVAL); /* cap too small */
	T_EQ(attach(B, keep, s, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_setopt(B, 4, &ctx, buf, 4), 0);
	T_EQ(ctx.md.optlen, 4);
	/* A value over a page left as it was: the caller's arguments. */
	T_EQ(run_setopt(B, 4097, &ctx, buf, sizeof(buf)), 0);
	T_EQ(ctx.md.optlen, 0);
	/* optlen past the buffer: -EFAULT; within it, the new value. */
	T_EQ(attach(A, big, s, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_setopt(B, 4, &ctx, buf, 4), -EFAULT);
	T_EQ(run_setopt(B, 4097, &ctx, buf, sizeof(buf)), 0);
	T_EQ(ctx.md.optlen, 100);
	T_EQ(run_setopt(B, 200, &ctx, buf, sizeof(buf)), 0);
	T_EQ(ctx.md.optlen, 100);
	T_EQ(detach(A, big, s), 0);
	T_EQ(attach(A, neg, s, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_setopt(B, 4, &ctx, buf, 4), -EFAULT);
	T_EQ(detach(A, neg, s), 0);
	T_EQ(attach(R, refuse, s, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_setopt(B, 4, &ctx, buf, 4), -EPERM);
	/* getsockopt: the handler's error stands unless a program clears
	 * it; a refusal after it keeps the error, one before clearing it
	 * is cleared too (programs run B, A, R). */
	T_EQ(attach(B, g_keep, g, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_getopt(B, 4, -ENOPROTOOPT, &ctx, buf, 4), -ENOPROTOOPT);
	T_EQ(run_getopt(B, 4, 0, &ctx, buf, 4), 0);
	T_EQ(ctx.md.optlen, 4);
	T_EQ(attach(A, g_ok, g, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_getopt(B, 4, -ENOPROTOOPT, &ctx, buf, 4), 0);
	T_EQ(attach(R, g_refuse, g, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_getopt(B, 4, -ENOPROTOOPT, &ctx, buf, 4), -EPERM);
	T_EQ(run_getopt(S, 4, -ENOPROTOOPT, &ctx, buf, 4), -ENOPROTOOPT);
	T_EQ(detach(R, g_refuse, g), 0);
	T_EQ(attach(R, g_big, g, BPF_F_ALLOW_MULTI), 0);
	T_EQ(run_getopt(B, 4, 0, &ctx, buf, 4), -EFAULT);
	T_EQ(run_getopt(B, 16, 0, &ctx, buf, 16), 0);
	T_EQ(ctx.md.optlen, 8);
	T_EQ(run_getopt(B, -1, 0, &ctx, buf, 16), -EINVAL);
}

KBPF_TEST(
	cgroup_run_sockopt_rules,
	"the sockopt runners follow Linux's rules: optlen -1 bypasses the handler (setsockopt), optlen out of bounds is -EFAULT but for values over a page, 0 refuses with -EPERM, and getsockopt programs keep, clear or replace the handler's retval in order")
{
	fake_host();
	sockopt_rules_body();
	fake_teardown();
}

/* The fake host's one socket with storage: owner 42. */
static void *sock42_storage;

static void **fake_owner_storage(const struct kbpf_host *h, int kind,
				 uint64_t owner)
{
	(void)h;
	return kind == KBPF_OWNER_SOCK && owner == 42 ? &sock42_storage : NULL;
}

/* An SK_STORAGE map with an int key and an int value (BTF "int"). */
static long sk_storage_map(void)
{
	static const char strs[] = "\0int";
	uint8_t blob[24 + 16 + sizeof(strs)];
	uint32_t h[6] = { 0x0001eb9f, 24, 0, 16, 16, sizeof(strs) };
	uint32_t t[4] = { 1, BTF_KIND_INT << 24, 4, BTF_INT_SIGNED << 24 | 32 };
	union bpf_attr a;
	long btf;

	memcpy(blob, h, 24);
	memcpy(blob + 24, t, 16);
	memcpy(blob + 40, strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = sizeof(blob);
	btf = sys(BPF_BTF_LOAD, &a);
	if (btf < 0)
		return btf;
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_SK_STORAGE;
	a.key_size = 4;
	a.value_size = 4;
	a.map_flags = BPF_F_NO_PREALLOC;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 1;
	return sys(BPF_MAP_CREATE, &a);
}

static void sock_storage_body(void)
{
	long map = sk_storage_map(), fd;
	struct kbpf_sock sk;
	union bpf_attr a;

	T_ASSERT(map >= 0);
	/* mark = ++(*sk_storage_get(map, ctx, NULL, F_CREATE)) */
	struct bpf_insn p[] = {
		MOV(6, 1),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		MOV(2, 6),
		MOVK(3, 0),
		MOVK(4, BPF_LOCAL_STORAGE_GET_F_CREATE),
		CALL(BPF_FUNC_sk_storage_get),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),
		I(BPF_STX | BPF_MEM | BPF_W, 0, 1, 0, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 1,
		  offsetof(struct bpf_sock, mark), 0),
		MOVK(0, 1),
		EXIT,
	};

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_SOCK;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.license = (uint64_t)(uintptr_t) "GPL";
	/* The verifier accepts the context as the socket, as Linux's
	 * bpf_sk_storage_get_cg_sock_proto. */
	fake.verifier = KBPF_VERIFIER_ENFORCE;
	fd = sys(BPF_PROG_LOAD, &a);
	fake.verifier = KBPF_VERIFIER_OFF;
	T_ASSERT(fd >= 0);
	T_EQ(attach(R, fd, BPF_CGROUP_INET_SOCK_CREATE, 0), 0);
	for (int i = 1; i <= 3; i++) {
		memset(&sk, 0, sizeof(sk));
		sk.owner = 42;
		T_EQ(kbpf_cgroup_run_sock(
			     &fake, &cgs[B], BPF_CGROUP_INET_SOCK_CREATE, &sk,
			     i == 2 ? KBPF_INTERP_FAST : KBPF_INTERP_CHECKED,
			     0),
		     0);
		T_EQ(sk.md.mark, (uint32_t)i);
	}
	/* A socket the host gives no owner for: no storage. */
	memset(&sk, 0, sizeof(sk));
	T_EQ(kbpf_cgroup_run_sock(&fake, &cgs[B], BPF_CGROUP_INET_SOCK_CREATE,
				  &sk, KBPF_INTERP_CHECKED, 0),
	     0);
	T_EQ(sk.md.mark, 0);
	T_ASSERT(sock42_storage != NULL);
}

KBPF_TEST(
	cgroup_run_sock_storage,
	"bpf_sk_storage_get on a cgroup sock program's context reaches the storage of the host's socket (struct kbpf_sock.owner), created once and kept across runs; without an owner it returns NULL")
{
	fake_host();
	sock42_storage = NULL;
	fake.owner_storage = fake_owner_storage;
	sock_storage_body();
	fake_teardown();
}
