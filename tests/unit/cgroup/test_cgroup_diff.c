// SPDX-License-Identifier: MIT
/*
 * Programs attached to cgroups, kbpf against the kernel: BPF_PROG_ATTACH,
 * BPF_PROG_DETACH and BPF_PROG_QUERY on a hierarchy of cgroups the test
 * makes in its own cgroup2 mount (root / a / b / c, and a sibling a / d),
 * the same fds given to both sides (the POSIX host resolves cgroup2
 * directories). Compared: every result and errno, and what queries give
 * back (attach_flags, prog_cnt, revision, the programs and their attach
 * flags, the effective programs), programs named by the order the test
 * loaded them since ids differ. Also BPF_PROG_TYPE_CGROUP_DEVICE: its
 * context rules by offset x size x read/write, its expected attach types,
 * its return range, the helpers it may call.
 *
 * Programs are attached only below the mount's root, in cgroups no task
 * is in; each test removes its cgroups (which detaches what the kernel
 * still had) and unmounts, whatever its result.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup2.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/cgroup.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)

enum { CG_A, CG_B, CG_C, CG_D, NR_CG };
#define NR_PROGS 5

struct cgenv {
	struct cg2 cg; /* cg.fd[CG_A] ... cg.fd[CG_D] */
	long prog[2][NR_PROGS]; /* per side */
	uint32_t id[2][NR_PROGS];
};

static uint32_t prog_id(int side, long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static long load(int side, uint32_t type, uint32_t eat,
		 const struct bpf_insn *insns, uint32_t n, char *log,
		 uint32_t log_size)
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
		a.log_size = log_size;
		a.log_level = 1;
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* Mount cgroup2 and make the cgroups; false (and a skip) if impossible. */
static bool cg_setup(struct cgenv *e)
{
	static const char *const rel[NR_CG] = { "a", "a/b", "a/b/c", "a/d" };
	const char *why;

	memset(e, 0, sizeof(*e));
	if (!oracle_available(&why)) {
		kbpf_test_skip("kernel oracle: %s", why);
		return false;
	}
	return cg2_setup(&e->cg, "kbpf-cg", rel, NR_CG);
}

static void cg_teardown(struct cgenv *e)
{
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < NR_PROGS; i++)
			if (e->prog[s][i] > 0)
				side_close(s, e->prog[s][i]);
	/* kbpf's side: as an rmdir of each cgroup would. */
	kbpf_posix_reset();
	cg2_teardown(&e->cg);
}

/* NR_PROGS cgroup skb ingress programs on both sides, with their ids. */
static bool load_progs(struct cgenv *e, uint32_t type, uint32_t eat)
{
	static const struct bpf_insn p[] = { MOVK(0, 1), EXIT };

	for (int s = 0; s < 2; s++)
		for (int i = 0; i < NR_PROGS; i++) {
			e->prog[s][i] = load(s, type, eat, p, 2, NULL, 0);
			if (e->prog[s][i] < 0) {
				kbpf_test_fail(
					__FILE__, __LINE__, "side %d: load: %s",
					s, oracle_errno_name(e->prog[s][i]));
				return false;
			}
			e->id[s][i] = prog_id(s, e->prog[s][i]);
		}
	return true;
}

/* Program index of id @id on @side, or 100 + id for an unknown one. */
static uint32_t prog_index(const struct cgenv *e, int side, uint32_t id)
{
	for (int i = 0; i < NR_PROGS; i++)
		if (e->id[side][i] == id)
			return (uint32_t)i;
	return 100 + id;
}

static long attach(const struct cgenv *e, int side, int cg, int prog,
		   uint32_t type, uint32_t flags, int replace, uint32_t rel,
		   uint64_t rev)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = cg < 0 ? (uint32_t)-cg : (uint32_t)e->cg.fd[cg];
	a.attach_bpf_fd = prog < 0 ? (uint32_t)-prog :
				     (uint32_t)e->prog[side][prog];
	a.attach_type = type;
	a.attach_flags = flags;
	if (replace >= 0)
		a.replace_bpf_fd = (uint32_t)e->prog[side][replace];
	a.relative_fd = rel;
	a.expected_revision = rev;
	return side_bpf(side, BPF_PROG_ATTACH, &a);
}

static long detach(const struct cgenv *e, int side, int cg, int prog,
		   uint32_t type, uint64_t rev)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)e->cg.fd[cg];
	a.attach_bpf_fd = prog < 0 ? 0 : (uint32_t)e->prog[side][prog];
	a.attach_type = type;
	a.expected_revision = rev;
	return side_bpf(side, BPF_PROG_DETACH, &a);
}

/* What a query gives back, programs as indices. */
struct qres {
	long ret;
	uint32_t attach_flags, prog_cnt;
	uint64_t revision;
	uint32_t progs[16], flags[16];
};

static void query(const struct cgenv *e, int side, int cg, uint32_t type,
		  uint32_t qflags, uint32_t cnt, bool want_flags,
		  struct qres *q)
{
	uint32_t ids[16];
	union bpf_attr a;

	memset(q, 0, sizeof(*q));
	memset(ids, 0, sizeof(ids));
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)e->cg.fd[cg];
	a.query.attach_type = type;
	a.query.query_flags = qflags;
	a.query.prog_cnt = cnt;
	a.query.prog_ids = cnt ? (uint64_t)(uintptr_t)ids : 0;
	if (want_flags)
		a.query.prog_attach_flags = (uint64_t)(uintptr_t)q->flags;
	q->ret = side_bpf(side, BPF_PROG_QUERY, &a);
	q->attach_flags = a.query.attach_flags;
	q->prog_cnt = a.query.prog_cnt;
	q->revision = a.query.revision;
	for (uint32_t i = 0; i < 16 && i < cnt; i++)
		q->progs[i] = ids[i] ? prog_index(e, side, ids[i]) : 0xffff;
}

static bool same_query(const struct qres *k, const struct qres *m)
{
	return k->ret == m->ret && k->attach_flags == m->attach_flags &&
	       k->prog_cnt == m->prog_cnt && k->revision == m->revision &&
	       !memcmp(k->progs, m->progs, sizeof(k->progs)) &&
	       !memcmp(k->flags, m->flags, sizeof(k->flags));
}

static void print_query(const char *side, const struct qres *q)
{
	printf("    %s: ret %ld flags %#x cnt %u rev %llu progs", side, q->ret,
	       q->attach_flags, q->prog_cnt, (unsigned long long)q->revision);
	for (int i = 0; i < 8; i++)
		printf(" %u/%#x", q->progs[i], q->flags[i]);
	printf("\n");
}

/* Compare one query of every kind on @cg; false after a failure. */
static bool check_queries(const struct cgenv *e, int cg, uint32_t type,
			  const char *what)
{
	static const struct {
		uint32_t qflags, cnt;
		bool flags;
	} kinds[] = {
		{ 0, 16, true },
		{ 0, 0, false },
		{ 0, 1, true },
		{ BPF_F_QUERY_EFFECTIVE, 16, false },
		{ BPF_F_QUERY_EFFECTIVE, 1, false },
		{ BPF_F_QUERY_EFFECTIVE, 16, true },
	};

	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct qres q[2];

		for (int s = 0; s < 2; s++)
			query(e, s, cg, type, kinds[k].qflags, kinds[k].cnt,
			      kinds[k].flags, &q[s]);
		if (!same_query(&q[0], &q[1])) {
			print_query("kernel", &q[0]);
			print_query("kbpf  ", &q[1]);
			kbpf_test_fail(__FILE__, __LINE__,
				       "%s: query %zu of cgroup %d differs",
				       what, k, cg);
			return false;
		}
	}
	return true;
}

#define SAME(expr_k, expr_m, ...)                                             \
	do {                                                                  \
		long r_k_ = (expr_k), r_m_ = (expr_m);                        \
		if (r_k_ != r_m_ && !(r_k_ >= 0 && r_m_ >= 0)) {              \
			printf("    ");                                       \
			printf(__VA_ARGS__);                                  \
			printf("\n");                                         \
			T_FAIL("kernel %s, kbpf %s", oracle_errno_name(r_k_), \
			       oracle_errno_name(r_m_));                      \
		}                                                             \
	} while (0)

#define BOTH(call, ...)                      \
	SAME(({                              \
		     int side = SIDE_KERNEL; \
		     call;                   \
	     }),                             \
	     ({                              \
		     int side = SIDE_KBPF;   \
		     call;                   \
	     }),                             \
	     __VA_ARGS__)

static void attach_errnos_body(struct cgenv *e)
{
	static const struct bpf_insn p[] = { MOVK(0, 1), EXIT };
	uint32_t in = BPF_CGROUP_INET_INGRESS;
	long sf[2];
	int file;

	if (!load_progs(e, BPF_PROG_TYPE_CGROUP_SKB, in))
		return;
	for (int s = 0; s < 2; s++)
		sf[s] = load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, p, 2, NULL, 0);
	file = open("/proc/self/stat", O_RDONLY);
	T_ASSERT(file >= 0);
	/* The target: not an fd, not a cgroup. */
	BOTH(attach(e, side, -1000, 0, in, 0, -1, 0, 0), "target fd 1000");
	BOTH(attach(e, side, -file, 0, in, 0, -1, 0, 0), "target a file");
	BOTH(attach(e, side, CG_A, -1000, in, 0, -1, 0, 0), "prog fd 1000");
	BOTH(attach(e, side, CG_A, -file, in, 0, -1, 0, 0), "prog fd a file");
	BOTH(attach(e, side, CG_A, -(int)sf[side], in, 0, -1, 0, 0),
	     "a socket filter");
	BOTH(attach(e, side, CG_A, 0, BPF_CGROUP_DEVICE, 0, -1, 0, 0),
	     "skb program to the device hook");
	BOTH(attach(e, side, CG_A, 0, 200, 0, -1, 0, 0), "attach type 200");
	BOTH(attach(e, side, CG_A, 0, BPF_PERF_EVENT, 0, -1, 0, 0),
	     "BPF_PERF_EVENT");
	BOTH(attach(e, side, CG_A, 0, BPF_XDP, 0, -1, 0, 0), "BPF_XDP");
	/* Flags. */
	BOTH(attach(e, side, CG_A, 0, in, 1u << 7, -1, 0, 0), "flag bit 7");
	BOTH(attach(e, side, CG_A, 0, in, 1u << 12, -1, 0, 0), "flag bit 12");
	BOTH(attach(e, side, CG_A, 0, in,
		    BPF_F_ALLOW_OVERRIDE | BPF_F_ALLOW_MULTI, -1, 0, 0),
	     "OVERRIDE|MULTI");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_REPLACE, 1, 0, 0),
	     "REPLACE without MULTI");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, -1,
		    0, 0),
	     "REPLACE with fd 0");
	BOTH(attach(e, side, CG_A, 0, in,
		    BPF_F_ALLOW_MULTI | BPF_F_REPLACE | BPF_F_BEFORE, 1, 0, 0),
	     "REPLACE|BEFORE");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 1,
		    0, 0),
	     "REPLACE of a program not attached");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI | BPF_F_LINK, -1, 0,
		    0),
	     "BPF_F_LINK");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI, -1, 1000, 0),
	     "relative fd without BEFORE/AFTER");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI | BPF_F_BEFORE, -1,
		    1000, 0),
	     "BEFORE a bad fd");
	BOTH(attach(e, side, CG_A, 0, in, BPF_F_ALLOW_MULTI | BPF_F_BEFORE, -1,
		    (uint32_t)file, 0),
	     "BEFORE a file");
	BOTH(attach(e, side, CG_A, 0, in,
		    BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_ID, -1, 0x7ffffff0,
		    0),
	     "BEFORE an unknown id");
	BOTH(attach(e, side, CG_A, 0, in,
		    BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_ID, -1, 0, 0),
	     "AFTER id 0");
	BOTH(attach(e, side, CG_A, 0, in,
		    BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_AFTER, -1, 0, 0),
	     "BEFORE|AFTER on an empty list");
	BOTH(attach(e, side, CG_A, 0, in, 0, -1, 0, 5), "expected revision 5");
	/* Detach and query on an empty cgroup. */
	/* BEFORE|AFTER without an anchor on an empty list attached. */
	BOTH(detach(e, side, CG_A, 0, in, 0), "detach it");
	BOTH(detach(e, side, CG_A, 0, in, 2), "detach, expected revision 2");
	BOTH(detach(e, side, CG_A, 0, in, 3), "detach, expected revision 3");
	BOTH(detach(e, side, CG_A, 0, 200, 0), "detach type 200");
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		long r[2];

		(void)s;
		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.target_fd = (uint32_t)e->cg.fd[CG_A];
			a.attach_type = in;
			a.attach_flags = s ? 0 : BPF_F_ALLOW_MULTI;
			a.relative_fd = s ? 5 : 0;
			r[side] = side_bpf(side, BPF_PROG_DETACH, &a);
		}
		SAME(r[0], r[1], "detach with flags/relative fd (%d)", s);
	}
	{
		union bpf_attr a;
		long r[2];
		uint32_t ids[4], fl[4];

		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.query.target_fd = (uint32_t)e->cg.fd[CG_A];
			a.query.attach_type = in;
			a.query.query_flags = 2;
			r[side] = side_bpf(side, BPF_PROG_QUERY, &a);
		}
		SAME(r[0], r[1], "query flag 2");
		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.query.target_fd = (uint32_t)e->cg.fd[CG_A];
			a.query.attach_type = in;
			a.query.query_flags = BPF_F_QUERY_EFFECTIVE;
			a.query.prog_cnt = 4;
			a.query.prog_ids = (uint64_t)(uintptr_t)ids;
			a.query.prog_attach_flags = (uint64_t)(uintptr_t)fl;
			r[side] = side_bpf(side, BPF_PROG_QUERY, &a);
		}
		SAME(r[0], r[1], "effective query with prog_attach_flags");
		for (int side = 0; side < 2; side++) {
			memset(&a, 0, sizeof(a));
			a.query.target_fd = 1000;
			a.query.attach_type = in;
			r[side] = side_bpf(side, BPF_PROG_QUERY, &a);
		}
		SAME(r[0], r[1], "query of fd 1000");
		for (uint32_t t = 0; t < __MAX_BPF_ATTACH_TYPE; t++) {
			for (int side = 0; side < 2; side++) {
				memset(&a, 0, sizeof(a));
				a.query.target_fd = 9999; /* no fd, no device */
				a.query.attach_type = t;
				r[side] = side_bpf(side, BPF_PROG_QUERY, &a);
			}
			SAME(r[0], r[1], "query of fd 9999, attach type %u", t);
		}
		for (uint32_t t = 0; t < __MAX_BPF_ATTACH_TYPE + 2; t++) {
			for (int side = 0; side < 2; side++) {
				memset(&a, 0, sizeof(a));
				a.query.target_fd = (uint32_t)e->cg.fd[CG_A];
				a.query.attach_type = t;
				a.query.prog_cnt = 4;
				a.query.prog_ids = (uint64_t)(uintptr_t)ids;
				r[side] = side_bpf(side, BPF_PROG_QUERY, &a);
			}
			SAME(r[0], r[1], "query of attach type %u", t);
			if (r[0] >= 0)
				T_EQ(a.query.prog_cnt, 0);
		}
	}
	close(file);
	for (int s = 0; s < 2; s++)
		side_close(s, sf[s]);
}

KBPF_TEST(
	cgroup_attach_errnos,
	"PROG_ATTACH/DETACH/QUERY refuse bad targets, programs, attach types, flags, anchors and revisions with the kernel's errno")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	attach_errnos_body(&e);
	cg_teardown(&e);
}

static void override_rules_body(struct cgenv *e)
{
	uint32_t in = BPF_CGROUP_INET_INGRESS;
	uint32_t ov = BPF_F_ALLOW_OVERRIDE, mu = BPF_F_ALLOW_MULTI;

	if (!load_progs(e, BPF_PROG_TYPE_CGROUP_SKB, in))
		return;
	/* Linux's rules, step by step; queries of every cgroup after each. */
	static const struct step {
		char op; /* a: attach, d: detach */
		int cg, prog;
		uint32_t flags;
		int replace;
		int rel; /* relative program (index), -1: none */
	} steps[] = {
		{ 'a', CG_A, 0, 0, -1, -1 },
		{ 'a', CG_B, 1, 0, -1, -1 }, /* EPERM: a is not overridable */
		{ 'a', CG_B, 1, BPF_F_ALLOW_OVERRIDE, -1, -1 }, /* EPERM */
		{ 'a', CG_A, 1, 0, -1, -1 }, /* replaces 0 */
		{ 'a', CG_A, 2, BPF_F_ALLOW_MULTI, -1, -1 }, /* EPERM: flags */
		{ 'd', CG_A, 3, 0, -1, -1 }, /* the one program goes */
		{ 'd', CG_A, 3, 0, -1, -1 }, /* ENOENT */
		{ 'a', CG_A, 0, BPF_F_ALLOW_OVERRIDE, -1, -1 },
		{ 'a', CG_B, 1, 0, -1, -1 },
		{ 'a', CG_C, 2, 0, -1, -1 }, /* EPERM: b is not overridable */
		{ 'a', CG_D, 2, BPF_F_ALLOW_MULTI, -1, -1 },
		{ 'a', CG_D, 3, BPF_F_ALLOW_MULTI, -1, -1 },
		{ 'a', CG_D, 3, BPF_F_ALLOW_MULTI, -1, -1 }, /* EINVAL: twice */
		{ 'a', CG_D, 4, BPF_F_ALLOW_MULTI | BPF_F_BEFORE, -1, 3 },
		{ 'a', CG_D, 0, BPF_F_ALLOW_MULTI | BPF_F_AFTER, -1, 2 },
		{ 'a', CG_D, 1, BPF_F_ALLOW_MULTI | BPF_F_REPLACE, 4, -1 },
		{ 'd', CG_D, -1, 0, -1, -1 }, /* EINVAL: MULTI needs the fd */
		{ 'd', CG_D, 3, 0, -1, -1 },
		{ 'd', CG_B, -1, 0, -1, -1 },
		{ 'd', CG_A, -1, 0, -1, -1 },
		{ 'a', CG_A, 0, BPF_F_ALLOW_MULTI, -1, -1 },
		{ 'a', CG_A, 1, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, -1, -1 },
		{ 'a', CG_B, 2, BPF_F_ALLOW_MULTI | BPF_F_PREORDER, -1, -1 },
		{ 'a', CG_B, 3, BPF_F_ALLOW_MULTI, -1, -1 },
		{ 'a', CG_C, 4, BPF_F_ALLOW_OVERRIDE, -1, -1 },
		{ 'a', CG_C, 0, 0, -1, -1 }, /* EPERM: flags differ */
		{ 'a', CG_B, 4, BPF_F_ALLOW_MULTI | BPF_F_BEFORE, -1, 2 },
		{ 'a', CG_B, 4,
		  BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_PREORDER, -1,
		  3 }, /* EINVAL: anchor's preorder differs */
		{ 'a', CG_B, 4,
		  BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_PREORDER, -1, 2 },
		{ 'a', CG_B, 0, BPF_F_ALLOW_MULTI | BPF_F_AFTER, -1, 1 },
		{ 'd', CG_B, 2, 0, -1, -1 },
		{ 'd', CG_A, 0, 0, -1, -1 },
	};
	(void)ov;
	(void)mu;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *st = &steps[i];
		long r[2];

		for (int s = 0; s < 2; s++) {
			if (st->op == 'a')
				r[s] = attach(
					e, s, st->cg, st->prog, in, st->flags,
					st->replace,
					st->rel < 0 ?
						0 :
						(uint32_t)e->prog[s][st->rel],
					0);
			else
				r[s] = detach(e, s, st->cg, st->prog, in, 0);
		}
		SAME(r[0], r[1], "step %zu (%c cgroup %d prog %d flags %#x)", i,
		     st->op, st->cg, st->prog, st->flags);
		for (int cg = 0; cg < NR_CG; cg++)
			if (!check_queries(e, cg, in, "override rules"))
				return;
	}
}

KBPF_TEST(
	cgroup_override_rules,
	"attach and detach over a hierarchy follow Linux's NONE/OVERRIDE/MULTI rules, REPLACE, BEFORE/AFTER and PREORDER; queries and effective arrays match after each step")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	override_rules_body(&e);
	cg_teardown(&e);
}

/* Random operations on both sides; every result and query compared. */
static void random_ops_body(struct cgenv *e)
{
	static const uint32_t flag_choices[] = {
		0,
		BPF_F_ALLOW_OVERRIDE,
		BPF_F_ALLOW_MULTI,
		BPF_F_ALLOW_MULTI | BPF_F_PREORDER,
		BPF_F_ALLOW_MULTI | BPF_F_REPLACE,
		BPF_F_ALLOW_MULTI | BPF_F_BEFORE,
		BPF_F_ALLOW_MULTI | BPF_F_AFTER,
		BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_PREORDER,
		BPF_F_ALLOW_MULTI | BPF_F_AFTER | BPF_F_PREORDER,
		BPF_F_ALLOW_MULTI | BPF_F_BEFORE | BPF_F_ID,
	};
	uint32_t types[2] = { BPF_CGROUP_INET_INGRESS, BPF_CGROUP_INET_EGRESS };
	uint64_t seed = kbpf_test_seed(), state = seed;
	int ops = 0;

	if (!load_progs(e, BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_INGRESS))
		return;
	for (int i = 0; i < 400; i++) {
		uint64_t r = kbpf_test_rand(&state);
		int cg = (int)(r % NR_CG), prog = (int)((r >> 8) % NR_PROGS);
		uint32_t t = types[(r >> 16) & 1];
		uint32_t flags = flag_choices[(r >> 20) % 10];
		int other = (int)((r >> 28) % NR_PROGS);
		uint64_t rev = ((r >> 32) & 7) == 0 ? (r >> 35) % 4 : 0;
		long res[2];

		for (int s = 0; s < 2; s++) {
			if ((r >> 40) % 3 == 0) {
				res[s] = detach(e, s, cg,
						(r >> 44) % 5 ? prog : -1, t,
						rev);
			} else {
				uint32_t rel = 0;

				if (flags & BPF_F_ID)
					rel = e->id[s][other];
				else if (flags & (BPF_F_BEFORE | BPF_F_AFTER) &&
					 (r >> 50) & 1)
					rel = (uint32_t)e->prog[s][other];
				res[s] = attach(e, s, cg, prog, t, flags,
						flags & BPF_F_REPLACE ? other :
									-1,
						rel, rev);
			}
		}
		ops++;
		if (getenv("KBPF_CG_TRACE"))
			printf("  op %d: %s cg %d prog %d t %u flags %#x other %d rev %llu -> %ld %ld\n",
			       i, (r >> 40) % 3 == 0 ? "detach" : "attach", cg,
			       (r >> 40) % 3 == 0 && !((r >> 44) % 5) ? -1 :
									prog,
			       t, flags, other, (unsigned long long)rev, res[0],
			       res[1]);
		SAME(res[0], res[1],
		     "seed %llu op %d: cgroup %d prog %d type %u flags %#x other %d rev %llu",
		     (unsigned long long)seed, i, cg, prog, t, flags, other,
		     (unsigned long long)rev);
		for (int c = 0; c < NR_CG; c++)
			if (!check_queries(e, c, t, "random ops"))
				return;
	}
	printf("  %d random operations, queries of 4 cgroups after each\n",
	       ops);
}

KBPF_TEST(
	cgroup_random_ops,
	"400 random attach/detach operations (flags, anchors, revisions) give the kernel's results, lists, flags, revisions and effective arrays")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	random_ops_body(&e);
	cg_teardown(&e);
}

static void attach_by_load_body(struct cgenv *e)
{
	static const struct bpf_insn ret1[] = { MOVK(0, 1), EXIT };
	static const struct bpf_insn ret2[] = { MOVK(0, 2), EXIT };
	static const struct {
		const char *what;
		uint32_t type, eat;
		const struct bpf_insn *p;
		uint32_t target;
	} cases[] = {
		{ "device program on the device hook",
		  BPF_PROG_TYPE_CGROUP_DEVICE, 0, ret1, BPF_CGROUP_DEVICE },
		{ "device program (loaded for egress) on the device hook",
		  BPF_PROG_TYPE_CGROUP_DEVICE, BPF_CGROUP_INET_EGRESS, ret1,
		  BPF_CGROUP_DEVICE },
		{ "device program on ingress", BPF_PROG_TYPE_CGROUP_DEVICE, 0,
		  ret1, BPF_CGROUP_INET_INGRESS },
		{ "device program on sysctl", BPF_PROG_TYPE_CGROUP_DEVICE, 0,
		  ret1, BPF_CGROUP_SYSCTL },
		{ "egress program returning 2 on ingress",
		  BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, ret2,
		  BPF_CGROUP_INET_INGRESS },
		{ "egress program returning 2 on egress",
		  BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, ret2,
		  BPF_CGROUP_INET_EGRESS },
		{ "egress program returning 1 on ingress",
		  BPF_PROG_TYPE_CGROUP_SKB, BPF_CGROUP_INET_EGRESS, ret1,
		  BPF_CGROUP_INET_INGRESS },
		{ "ingress program on egress", BPF_PROG_TYPE_CGROUP_SKB,
		  BPF_CGROUP_INET_INGRESS, ret1, BPF_CGROUP_INET_EGRESS },
		{ "skb program on the device hook", BPF_PROG_TYPE_CGROUP_SKB,
		  BPF_CGROUP_INET_INGRESS, ret1, BPF_CGROUP_DEVICE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long fd[2], r[2];

		for (int s = 0; s < 2; s++) {
			fd[s] = load(s, cases[i].type, cases[i].eat, cases[i].p,
				     2, NULL, 0);
			e->prog[s][0] = fd[s];
			e->id[s][0] = prog_id(s, fd[s]);
			r[s] = fd[s] < 0 ?
				       fd[s] :
				       attach(e, s, CG_B, 0, cases[i].target,
					      BPF_F_ALLOW_MULTI, -1, 0, 0);
		}
		SAME(fd[0], fd[1], "load: %s", cases[i].what);
		SAME(r[0], r[1], "%s", cases[i].what);
		if (!check_queries(e, CG_B, cases[i].target, cases[i].what) ||
		    !check_queries(e, CG_C, cases[i].target, cases[i].what))
			return;
		for (int s = 0; s < 2; s++) {
			if (r[s] >= 0)
				T_EQ(detach(e, s, CG_B, 0, cases[i].target, 0),
				     0);
			side_close(s, fd[s]);
			e->prog[s][0] = 0;
		}
	}
}

KBPF_TEST(
	cgroup_attach_by_load,
	"the attach type must suit how the program was loaded: device programs on BPF_CGROUP_DEVICE only, an egress program that may return 2..3 on egress only (kbpf's verifier finds it)")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	attach_by_load_body(&e);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	cg_teardown(&e);
}

/* ---- cgroup links ---- */

#define NR_LINKS 4

static long link_create(const struct cgenv *e, int side, int cg, int prog,
			uint32_t type, uint32_t flags, uint32_t rel,
			uint64_t rev)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_create.prog_fd = prog < 0 ? (uint32_t)-prog :
					   (uint32_t)e->prog[side][prog];
	a.link_create.target_fd = cg < 0 ? (uint32_t)-cg :
					   (uint32_t)e->cg.fd[cg];
	a.link_create.attach_type = type;
	a.link_create.flags = flags;
	a.link_create.cgroup.relative_fd = rel;
	a.link_create.cgroup.expected_revision = rev;
	return side_bpf(side, BPF_LINK_CREATE, &a);
}

static long link_update(int side, long link, long prog, uint32_t flags,
			long old)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_update.link_fd = (uint32_t)link;
	a.link_update.new_prog_fd = (uint32_t)prog;
	a.link_update.flags = flags;
	a.link_update.old_prog_fd = (uint32_t)old;
	return side_bpf(side, BPF_LINK_UPDATE, &a);
}

static long link_detach(int side, long link)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.link_detach.link_fd = (uint32_t)link;
	return side_bpf(side, BPF_LINK_DETACH, &a);
}

static long link_info(int side, long link, struct bpf_link_info *info)
{
	union bpf_attr a;

	memset(info, 0, sizeof(*info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)link;
	a.info.info_len = sizeof(*info);
	a.info.info = (uint64_t)(uintptr_t)info;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a);
}

/* A link's fdinfo text with its numbers that name objects blanked. */
static void fdinfo_norm(char *text)
{
	static const char *const keys[] = { "link_id:", "prog_id:", "prog_tag:",
					    "pos:",	"mnt_id:",  "ino:",
					    "flags:" };

	char out[1024];
	size_t o = 0;

	for (char *line = text; *line;) {
		char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		size_t keep = len;

		for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(line, keys[k], strlen(keys[k])))
				keep = strlen(keys[k]);
		if (o + keep + 3 < sizeof(out)) {
			memcpy(out + o, line, keep);
			o += keep;
			if (keep != len)
				out[o++] = '#';
			out[o++] = '\n';
		}
		if (!end)
			break;
		line = end + 1;
	}
	out[o] = 0;
	strcpy(text, out);
}

/* The kernel's fdinfo of link @kfd and kbpf's of @mfd, normalised alike. */
static bool fdinfo_same(long kfd, long mfd)
{
	char k[1024] = { 0 }, m[1024] = { 0 }, path[64];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%ld", kfd);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, k, sizeof(k) - 1);
	close(fd);
	if (n < 0 || kbpf_posix_fdinfo((int)mfd, m, sizeof(m)) < 0)
		return false;
	fdinfo_norm(k);
	fdinfo_norm(m);
	if (getenv("KBPF_CG_TRACE") || strcmp(k, m))
		printf("    kernel fdinfo:\n%s    kbpf fdinfo:\n%s", k, m);
	return !strcmp(k, m);
}

static void links_body(struct cgenv *e)
{
	uint32_t in = BPF_CGROUP_INET_INGRESS;
	long lk[2][NR_LINKS];
	int file = open("/proc/self/stat", O_RDONLY);
	static const struct step {
		char op; /* c: create, u: update, d: link detach, x: close,
			    a: prog attach, D: prog detach, i: info */
		int cg, prog, link;
		uint32_t type, flags;
		int rel; /* relative link (F_LINK) or program, -1: none */
		int old; /* update: expected old program, -1: none */
	} steps[] = {
		{ 'c', CG_A, 0, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'i', 0, 0, 0, 0, 0, -1, -1 },
		{ 'c', CG_A, 0, 1, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'c', CG_B, 1, 2, BPF_CGROUP_INET_INGRESS,
		  BPF_F_BEFORE | BPF_F_LINK, 0, -1 }, /* ENOENT: not B's */
		{ 'c', CG_A, 1, 2, BPF_CGROUP_INET_INGRESS,
		  BPF_F_BEFORE | BPF_F_LINK, 1, -1 },
		{ 'c', CG_A, 2, 3, BPF_CGROUP_INET_INGRESS, BPF_F_AFTER, 1,
		  -1 }, /* EINVAL: a program anchor for a link */
		{ 'c', CG_A, 2, 3, BPF_CGROUP_INET_INGRESS, BPF_F_ALLOW_MULTI,
		  -1, -1 }, /* EINVAL: not a link flag */
		{ 'c', CG_A, 2, 3, BPF_CGROUP_INET_EGRESS, BPF_F_PREORDER, -1,
		  -1 },
		{ 'a', CG_A, 3, 0, BPF_CGROUP_INET_INGRESS, BPF_F_ALLOW_MULTI,
		  -1, -1 },
		{ 'a', CG_A, 0, 0, BPF_CGROUP_INET_INGRESS, BPF_F_ALLOW_MULTI,
		  -1, -1 }, /* a link's program, attached directly too */
		{ 'a', CG_B, 4, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'c', CG_B, 4, 3, BPF_CGROUP_INET_INGRESS, 0, -1,
		  -1 }, /* EPERM: B is NONE */
		{ 'D', CG_B, 4, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'c', CG_C, 4, 3, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'i', 0, 0, 3, 0, 0, -1, -1 },
		{ 'D', CG_A, 1, 0, BPF_CGROUP_INET_INGRESS, 0, -1,
		  -1 }, /* ENOENT: program 1 is a link's */
		{ 'u', 0, 4, 1, 0, 0, -1, -1 },
		{ 'u', 0, 2, 1, 0, BPF_F_REPLACE, -1, 0 }, /* EPERM */
		{ 'u', 0, 2, 1, 0, BPF_F_REPLACE, -1, 4 },
		{ 'u', 0, 3, 1, 0, 2, -1, -1 }, /* EINVAL: flags */
		{ 'i', 0, 0, 1, 0, 0, -1, -1 },
		{ 'd', 0, 0, 0, 0, 0, -1, -1 },
		{ 'd', 0, 0, 0, 0, 0, -1, -1 }, /* again: 0 */
		{ 'i', 0, 0, 0, 0, 0, -1, -1 },
		{ 'u', 0, 3, 0, 0, 0, -1, -1 }, /* ENOLINK */
		{ 'x', 0, 0, 1, 0, 0, -1, -1 },
		{ 'D', CG_A, 3, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'c', CG_A, 3, 0, BPF_CGROUP_DEVICE, 0, -1,
		  -1 }, /* EINVAL: an skb program */
		{ 'c', -1000, 3, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
		{ 'c', CG_A, -1000, 0, BPF_CGROUP_INET_INGRESS, 0, -1, -1 },
	};

	memset(lk, 0xff, sizeof(lk));
	T_ASSERT(file >= 0);
	if (!load_progs(e, BPF_PROG_TYPE_CGROUP_SKB, in))
		goto out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		const struct step *st = &steps[i];
		long r[2];

		for (int s = 0; s < 2; s++) {
			uint32_t rel = st->rel < 0 ?
					       0 :
				       st->flags & BPF_F_LINK ?
					       (uint32_t)lk[s][st->rel] :
					       (uint32_t)e->prog[s][st->rel];
			struct bpf_link_info info;

			switch (st->op) {
			case 'c':
				r[s] = link_create(e, s, st->cg, st->prog,
						   st->type, st->flags, rel, 0);
				if (r[s] >= 0)
					lk[s][st->link] = r[s];
				break;
			case 'u':
				r[s] = link_update(
					s, lk[s][st->link],
					e->prog[s][st->prog], st->flags,
					st->old < 0 ? 0 : e->prog[s][st->old]);
				break;
			case 'd':
				r[s] = link_detach(s, lk[s][st->link]);
				break;
			case 'x':
				side_close(s, lk[s][st->link]);
				lk[s][st->link] = -1;
				r[s] = 0;
				break;
			case 'a':
				r[s] = attach(e, s, st->cg, st->prog, st->type,
					      st->flags, -1, 0, 0);
				break;
			case 'D':
				r[s] = detach(e, s, st->cg, st->prog, st->type,
					      0);
				break;
			default: /* 'i' */
				r[s] = link_info(s, lk[s][st->link], &info);
				if (r[s])
					break;
				/* Ids differ: compare what they name. */
				r[s] = (long)info.type << 40 |
				       (long)info.cgroup.attach_type << 32 |
				       (long)prog_index(e, s, info.prog_id)
					       << 16 |
				       (info.cgroup.cgroup_id != 0) << 8;
				if (s == 1 && r[0] == r[1]) {
					struct bpf_link_info k;

					link_info(0, lk[0][st->link], &k);
					if (k.cgroup.cgroup_id !=
					    info.cgroup.cgroup_id)
						T_FAIL("cgroup id: kernel %llu kbpf %llu",
						       (unsigned long long)k
							       .cgroup.cgroup_id,
						       (unsigned long long)info
							       .cgroup
							       .cgroup_id);
				}
				break;
			}
		}
		if (getenv("KBPF_CG_TRACE"))
			printf("  step %zu %c: %ld %ld\n", i, st->op, r[0],
			       r[1]);
		if (st->op == 'i' && r[0] == r[1] && r[0] >= 0 &&
		    !fdinfo_same(lk[0][st->link], lk[1][st->link]))
			T_FAIL("step %zu: fdinfo differs", i);
		if (st->op == 'i' && r[0] != r[1])
			T_FAIL("step %zu: link info %#lx vs %#lx", i, r[0],
			       r[1]);
		SAME(r[0], r[1],
		     "step %zu (%c cgroup %d prog %d link %d flags %#x)", i,
		     st->op, st->cg, st->prog, st->link, st->flags);
		for (int cg = 0; cg < NR_CG; cg++)
			if (!check_queries(e, cg, in, "links") ||
			    !check_queries(e, cg, BPF_CGROUP_INET_EGRESS,
					   "links"))
				goto out;
	}
out:
	close(file);
	for (int s = 0; s < 2; s++)
		for (int l = 0; l < NR_LINKS; l++)
			side_close(s, lk[s][l]);
}

KBPF_TEST(
	cgroup_links,
	"BPF_LINK_CREATE/UPDATE/DETACH on cgroups give the kernel's results, link info (type, program, cgroup id, attach type) and queries; closing a link detaches it")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	links_body(&e);
	cg_teardown(&e);
}

/* ---- cgroup sysctl programs run by the kernel and by kbpf ---- */

#define SC_CALLS 9
#define SC_BUF 64

/* What the sysctl program records: each call's result and buffer. */
struct sc_record {
	int64_t ret[SC_CALLS];
	char buf[SC_CALLS][SC_BUF];
	uint32_t write, file_pos;
};

/*
 * A sysctl program that calls every sysctl helper at its limits and stores
 * the results in @map's value 0; returns 1 on a read, 0 on a write (so the
 * kernel refuses every write it sees).
 */
static long sc_load(int side, long map)
{
	static const struct {
		int helper;
		uint32_t len;
		int32_t flags;
	} calls[SC_CALLS] = {
		{ BPF_FUNC_sysctl_get_name, SC_BUF, 0 },
		{ BPF_FUNC_sysctl_get_name, 8, 0 },
		{ BPF_FUNC_sysctl_get_name, SC_BUF, BPF_F_SYSCTL_BASE_NAME },
		{ BPF_FUNC_sysctl_get_name, 3, BPF_F_SYSCTL_BASE_NAME },
		{ BPF_FUNC_sysctl_get_name, SC_BUF, 2 },
		{ BPF_FUNC_sysctl_get_current_value, SC_BUF, 0 },
		{ BPF_FUNC_sysctl_get_current_value, 4, 0 },
		{ BPF_FUNC_sysctl_get_new_value, SC_BUF, 0 },
		{ BPF_FUNC_sysctl_set_new_value, 3, 0 },
	};
	struct bpf_insn p[20 + SC_CALLS * 7];
	uint32_t n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	for (int i = 0; i < SC_CALLS; i++) {
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 7, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0,
			   (int32_t)offsetof(struct sc_record, buf[i]));
		p[n++] = MOVK(3, (int32_t)calls[i].len);
		p[n++] = MOVK(4, calls[i].flags);
		p[n++] = CALL(calls[i].helper);
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 7, 0,
			   (int16_t)offsetof(struct sc_record, ret[i]), 0);
	}
	/* write and file_pos, then r0 = !write */
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 0, 0);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 7, 1,
		   (int16_t)offsetof(struct sc_record, write), 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 4, 0);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 7, 2,
		   (int16_t)offsetof(struct sc_record, file_pos), 0);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 1);
	p[n++] = I(BPF_ALU64 | BPF_XOR | BPF_K, 1, 0, 0, 1);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0);
	p[n++] = EXIT;
	return load(side, BPF_PROG_TYPE_CGROUP_SYSCTL, 0, p, n, NULL, 0);
}

static int sc_read_record(int side, long map, struct sc_record *rec)
{
	union bpf_attr a;
	uint32_t k = 0;

	memset(rec, 0, sizeof(*rec));
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&k;
	a.value = (uint64_t)(uintptr_t)rec;
	return (int)side_bpf(side, BPF_MAP_LOOKUP_ELEM, &a);
}

/* In a child moved into @cg: read @path, then write back what it read. */
static int sc_kernel_access(const struct cgenv *e, int cg, const char *path,
			    char *val, size_t size, ssize_t *len)
{
	int st, fd;
	pid_t c = fork();

	if (c < 0)
		return -errno;
	if (!c) {
		if (cg2_enter(&e->cg, cg))
			_exit(2);
		fd = open(path, O_RDONLY);
		*len = fd < 0 ? -1 : read(fd, val, size);
		if (fd >= 0)
			close(fd);
		/* The program refuses writes: this changes nothing. */
		fd = open(path, O_WRONLY);
		if (fd >= 0 && *len > 0 && write(fd, val, (size_t)*len) >= 0)
			_exit(3); /* the write went through: not refused */
		_exit(0);
	}
	if (waitpid(c, &st, 0) < 0)
		return -errno;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sysctl_body(struct cgenv *e)
{
	const char *name = "kernel/domainname";
	char path[64], val[256] = { 0 }, newval[4096];
	struct sc_record rec[2][2]; /* [side][read, write] */
	const struct kbpf_host *h = kbpf_posix_host();
	long map[2], prog[2];
	ssize_t len = 0;
	void *cgrp;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/%s", name);
	fd = open(path, O_RDONLY);
	T_ASSERT(fd >= 0);
	len = read(fd, val, sizeof(val) - 1);
	close(fd);
	T_ASSERT(len > 0);
	for (int s = 0; s < 2; s++) {
		map[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4,
				     sizeof(struct sc_record), 1, 0, 0, NULL);
		T_ASSERT(map[s] >= 0);
		prog[s] = sc_load(s, map[s]);
		if (prog[s] < 0)
			T_FAIL("side %d: load %s", s,
			       oracle_errno_name(prog[s]));
		e->prog[s][0] = prog[s];
		T_EQ(attach(e, s, CG_C, 0, BPF_CGROUP_SYSCTL, 0, -1, 0, 0), 0);
	}
	/* The kernel: a read and a write from a task in C. */
	{
		char got[256] = { 0 };
		ssize_t glen = 0;
		int r;

		/* The read's record first: the write overwrites it. */
		r = sc_kernel_access(e, CG_C, path, got, sizeof(got) - 1,
				     &glen);
		T_EQ(r, 0);
		T_EQ(sc_read_record(SIDE_KERNEL, map[0], &rec[0][1]), 0);
	}
	/* kbpf: the same accesses through the runner. */
	T_EQ(h->cgroup_get(h, e->cg.fd[CG_C], &cgrp), 0);
	for (int w = 0; w < 2; w++) {
		struct kbpf_sysctl ctx;
		int r;

		memset(&ctx, 0, sizeof(ctx));
		ctx.md.write = (uint32_t)w;
		ctx.name = name;
		ctx.cur_val = val;
		ctx.cur_len = (size_t)len;
		if (w) {
			memcpy(newval, val, (size_t)len);
			ctx.new_val = newval;
			ctx.new_len = (size_t)len;
			ctx.new_cap = sizeof(newval);
		}
		r = kbpf_cgroup_run_sysctl(h, cgrp, &ctx, KBPF_INTERP_CHECKED,
					   0);
		T_EQ(r, w ? -EPERM : 0);
		T_EQ(sc_read_record(SIDE_KBPF, map[1], &rec[1][w]), 0);
		T_EQ(ctx.new_updated, w);
	}
	h->cgroup_put(h, cgrp);
	/* The kernel's read record: run a read alone (no write after it). */
	{
		char got[256] = { 0 };
		ssize_t glen = 0;
		int c = fork(), st;

		if (!c) {
			int f;

			if (cg2_enter(&e->cg, CG_C))
				_exit(2);
			f = open(path, O_RDONLY);
			glen = f < 0 ? -1 : read(f, got, sizeof(got) - 1);
			_exit(glen > 0 ? 0 : 4);
		}
		T_ASSERT(c > 0);
		T_EQ(waitpid(c, &st, 0), c);
		T_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
		T_EQ(sc_read_record(SIDE_KERNEL, map[0], &rec[0][0]), 0);
	}
	for (int w = 0; w < 2; w++) {
		for (int i = 0; i < SC_CALLS; i++) {
			if (getenv("KBPF_CG_TRACE"))
				printf("  %s call %d: %lld \"%.64s\"\n",
				       w ? "write" : "read", i,
				       (long long)rec[0][w].ret[i],
				       rec[0][w].buf[i]);
			if (rec[0][w].ret[i] != rec[1][w].ret[i] ||
			    memcmp(rec[0][w].buf[i], rec[1][w].buf[i], SC_BUF))
				T_FAIL("%s, call %d: kernel %lld \"%.64s\", kbpf %lld \"%.64s\"",
				       w ? "write" : "read", i,
				       (long long)rec[0][w].ret[i],
				       rec[0][w].buf[i],
				       (long long)rec[1][w].ret[i],
				       rec[1][w].buf[i]);
		}
		T_EQ(rec[0][w].write, rec[1][w].write);
		T_EQ(rec[0][w].file_pos, rec[1][w].file_pos);
	}
	printf("  %s: %d helper calls on a read and a write, each compared with the kernel's\n",
	       name, 2 * SC_CALLS);
	for (int s = 0; s < 2; s++)
		side_close(s, map[s]);
}

KBPF_TEST(
	cgroup_sysctl_runs,
	"a cgroup sysctl program's helpers (get_name, get_current_value, get_new_value, set_new_value at their limits) and context give in kbpf's runner what they give in the kernel for a read and a refused write of kernel/domainname by a task of the cgroup")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	sysctl_body(&e);
	cg_teardown(&e);
}

/* ---- cgroup sock and sock_addr programs on real sockets ---- */

#define LDXW(d, s, o) I(BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define STW(d, o, k) I(BPF_ST | BPF_MEM | BPF_W, d, 0, o, k)
#define BE16(d) I(BPF_ALU | BPF_END | BPF_TO_BE, d, 0, 0, 16)
#define JNEK(d, k, o) I(BPF_JMP | BPF_JNE | BPF_K, d, 0, o, k)
#define SK(f) ((int16_t)offsetof(struct bpf_sock, f))
#define SA(f) ((int16_t)offsetof(struct bpf_sock_addr, f))

enum { SP_CREATE, SP_CONNECT, SP_PEER, SP_POSTBIND, NR_SP };

/* What the child in the cgroup saw. */
struct sock_seen {
	int tcp_err, udp_err; /* socket() */
	int mark, prio; /* of the TCP socket */
	int conn_err, conn9_err; /* connect() */
	int peer_err;
	struct sockaddr_in peer; /* getpeername() */
	int bind_block_err, bind_any_err;
};

static long sock_prog(int side, int which, uint16_t block_port)
{
	/* create: mark = family << 16 | type << 8 | protocol, priority 7;
	 * refuse UDP. */
	const struct bpf_insn create[] = {
		LDXW(2, 1, SK(family)),
		LDXW(3, 1, SK(type)),
		LDXW(4, 1, SK(protocol)),
		I(BPF_ALU64 | BPF_LSH | BPF_K, 2, 0, 0, 16),
		I(BPF_ALU64 | BPF_LSH | BPF_K, 3, 0, 0, 8),
		I(BPF_ALU64 | BPF_OR | BPF_X, 2, 3, 0, 0),
		I(BPF_ALU64 | BPF_OR | BPF_X, 2, 4, 0, 0),
		I(BPF_STX | BPF_MEM | BPF_W, 1, 2, SK(mark), 0),
		STW(1, SK(priority), 7),
		MOVK(0, 1),
		JNEK(4, IPPROTO_UDP, 1),
		MOVK(0, 0),
		EXIT,
	};
	/* connect4: 127.0.0.2:p becomes 127.0.0.1:p+1; port 9 refused. The
	 * port is read with Linux's 2-byte load of user_port's upper half,
	 * which gives the whole port. */
	const struct bpf_insn connect[] = {
		LDXW(2, 1, SA(user_ip4)),
		JNEK(2, (int32_t)htonl(0x7f000002), 9),
		STW(1, SA(user_ip4), (int32_t)htonl(0x7f000001)),
		I(BPF_LDX | BPF_MEM | BPF_H, 5, 1, SA(user_port) + 2, 0),
		BE16(5),
		JNEK(5, 9, 2),
		MOVK(0, 0),
		EXIT,
		I(BPF_ALU64 | BPF_ADD | BPF_K, 5, 0, 0, 1),
		BE16(5),
		I(BPF_STX | BPF_MEM | BPF_W, 1, 5, SA(user_port), 0),
		MOVK(0, 1),
		EXIT,
	};
	/* getpeername4: every peer is 127.0.0.3:7. */
	const struct bpf_insn peer[] = {
		STW(1, SA(user_ip4), (int32_t)htonl(0x7f000003)),
		STW(1, SA(user_port), htons(7)),
		MOVK(0, 1),
		EXIT,
	};
	/* post_bind4: refuse 127.0.0.1:block_port. */
	const struct bpf_insn postbind[] = {
		LDXW(2, 1, SK(src_port)),
		LDXW(3, 1, SK(src_ip4)),
		MOVK(0, 1),
		JNEK(2, block_port, 2),
		JNEK(3, (int32_t)htonl(0x7f000001), 1),
		MOVK(0, 0),
		EXIT,
	};
	static const uint32_t types[NR_SP] = { BPF_PROG_TYPE_CGROUP_SOCK,
					       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
					       BPF_PROG_TYPE_CGROUP_SOCK };
	static const uint32_t eats[NR_SP] = { BPF_CGROUP_INET_SOCK_CREATE,
					      BPF_CGROUP_INET4_CONNECT,
					      BPF_CGROUP_INET4_GETPEERNAME,
					      BPF_CGROUP_INET4_POST_BIND };
	const struct bpf_insn *p[NR_SP] = { create, connect, peer, postbind };
	const uint32_t n[NR_SP] = {
		sizeof(create) / sizeof(create[0]),
		sizeof(connect) / sizeof(connect[0]),
		sizeof(peer) / sizeof(peer[0]),
		sizeof(postbind) / sizeof(postbind[0]),
	};

	return load(side, types[which], eats[which], p[which], n[which], NULL,
		    0);
}

static int sock_err(int r)
{
	return r < 0 ? -errno : r;
}

static struct sockaddr_in sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(ip);
	a.sin_port = htons(port);
	return a;
}

/* In a child moved into @cg: the socket calls the programs judge. */
static void sock_child(const struct cgenv *e, int cg, uint16_t lport,
		       uint16_t block, int out)
{
	struct sock_seen r;
	struct sockaddr_in a;
	socklen_t len = sizeof(int);
	int fd, s;

	memset(&r, 0, sizeof(r));
	if (cg2_enter(&e->cg, cg))
		_exit(2);
	s = socket(AF_INET, SOCK_STREAM, 0);
	r.tcp_err = s < 0 ? -errno : 0;
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	r.udp_err = sock_err(fd < 0 ? -1 : 0);
	if (fd >= 0)
		close(fd);
	if (s >= 0) {
		getsockopt(s, SOL_SOCKET, SO_MARK, &r.mark, &len);
		len = sizeof(int);
		getsockopt(s, SOL_SOCKET, SO_PRIORITY, &r.prio, &len);
		a = sin_of(0x7f000002, (uint16_t)(lport - 1));
		r.conn_err =
			sock_err(connect(s, (struct sockaddr *)&a, sizeof(a)));
		len = sizeof(r.peer);
		r.peer_err = sock_err(
			getpeername(s, (struct sockaddr *)&r.peer, &len));
		close(s);
	}
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = sin_of(0x7f000002, 9);
	r.conn9_err =
		s < 0 ? -1000 :
			sock_err(connect(s, (struct sockaddr *)&a, sizeof(a)));
	if (s >= 0)
		close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = sin_of(0x7f000001, block);
	r.bind_block_err =
		s < 0 ? -1000 :
			sock_err(bind(s, (struct sockaddr *)&a, sizeof(a)));
	if (s >= 0)
		close(s);
	s = socket(AF_INET, SOCK_STREAM, 0);
	a = sin_of(0x7f000001, 0);
	r.bind_any_err =
		s < 0 ? -1000 :
			sock_err(bind(s, (struct sockaddr *)&a, sizeof(a)));
	if (s >= 0)
		close(s);
	_exit(write(out, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 3);
}

/* A free TCP port on 127.0.0.1 (bound with port 0, then closed). */
static uint16_t free_port(void)
{
	struct sockaddr_in a = sin_of(0x7f000001, 0);
	socklen_t len = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM, 0);
	uint16_t port = 0;

	if (s < 0)
		return 0;
	if (!bind(s, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(s, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	close(s);
	return port;
}

static void sock_runs_body(struct cgenv *e)
{
	static const uint32_t eats[NR_SP] = { BPF_CGROUP_INET_SOCK_CREATE,
					      BPF_CGROUP_INET4_CONNECT,
					      BPF_CGROUP_INET4_GETPEERNAME,
					      BPF_CGROUP_INET4_POST_BIND };
	const struct kbpf_host *h = kbpf_posix_host();
	struct sockaddr_in la = sin_of(0x7f000001, 0);
	socklen_t len = sizeof(la);
	struct sock_seen k;
	struct kbpf_sock sk;
	struct kbpf_sock_addr sa;
	uint16_t lport, block;
	int lfd, pfd[2], st, acc;
	void *cgrp;
	pid_t c;

	/* A listener outside the cgroup: where the rewritten connect goes. */
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	T_ASSERT(lfd >= 0);
	T_EQ(bind(lfd, (struct sockaddr *)&la, sizeof(la)), 0);
	T_EQ(getsockname(lfd, (struct sockaddr *)&la, &len), 0);
	T_EQ(listen(lfd, 4), 0);
	lport = ntohs(la.sin_port);
	block = free_port();
	T_ASSERT(block && lport > 1);
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < NR_SP; i++) {
			e->prog[s][i] = sock_prog(s, i, block);
			if (e->prog[s][i] < 0)
				T_FAIL("side %d: load %d: %s", s, i,
				       oracle_errno_name(e->prog[s][i]));
			T_EQ(attach(e, s, CG_C, i, eats[i], 0, -1, 0, 0), 0);
		}
	/* The kernel: a task in C makes the calls. */
	T_EQ(pipe(pfd), 0);
	c = fork();
	T_ASSERT(c >= 0);
	if (!c)
		sock_child(e, CG_C, lport, block, pfd[1]);
	close(pfd[1]);
	memset(&k, 0, sizeof(k));
	st = (int)read(pfd[0], &k, sizeof(k));
	close(pfd[0]);
	T_EQ(waitpid(c, &acc, 0), c);
	T_EQ(st, (int)sizeof(k));
	/* The connect reached the listener: its rewrite was 127.0.0.1:lport. */
	acc = accept4(lfd, NULL, NULL, SOCK_NONBLOCK);
	T_ASSERT(acc >= 0);
	close(acc);
	close(lfd);
	T_EQ(k.conn_err, 0);

	/* kbpf: the same calls through the runners, with the socket data
	 * the kernel had. */
	T_EQ(h->cgroup_get(h, e->cg.fd[CG_C], &cgrp), 0);
	memset(&sk, 0, sizeof(sk));
	sk.md.family = AF_INET;
	sk.md.type = SOCK_STREAM;
	sk.md.protocol = IPPROTO_TCP;
	T_EQ(kbpf_cgroup_run_sock(h, cgrp, BPF_CGROUP_INET_SOCK_CREATE, &sk,
				  KBPF_INTERP_CHECKED, 0),
	     k.tcp_err);
	T_EQ((int)sk.md.mark, k.mark);
	T_EQ((int)sk.md.priority, k.prio);
	memset(&sk, 0, sizeof(sk));
	sk.md.family = AF_INET;
	sk.md.type = SOCK_DGRAM;
	sk.md.protocol = IPPROTO_UDP;
	T_EQ(kbpf_cgroup_run_sock(h, cgrp, BPF_CGROUP_INET_SOCK_CREATE, &sk,
				  KBPF_INTERP_FAST, 0),
	     k.udp_err);

	memset(&sa, 0, sizeof(sa));
	sa.md.user_family = AF_INET;
	sa.md.user_ip4 = htonl(0x7f000002);
	sa.md.user_port = htons((uint16_t)(lport - 1));
	sa.md.family = AF_INET;
	sa.md.type = SOCK_STREAM;
	sa.md.protocol = IPPROTO_TCP;
	T_EQ(kbpf_cgroup_run_sock_addr(h, cgrp, BPF_CGROUP_INET4_CONNECT, &sa,
				       KBPF_INTERP_CHECKED, 0, NULL),
	     k.conn_err);
	T_EQ(sa.md.user_ip4, htonl(0x7f000001));
	T_EQ(sa.md.user_port, htons(lport));
	sa.md.user_ip4 = htonl(0x7f000002);
	sa.md.user_port = htons(9);
	T_EQ(kbpf_cgroup_run_sock_addr(h, cgrp, BPF_CGROUP_INET4_CONNECT, &sa,
				       KBPF_INTERP_CHECKED, 0, NULL),
	     k.conn9_err);

	memset(&sa, 0, sizeof(sa));
	sa.md.user_family = AF_INET;
	sa.md.user_ip4 = htonl(0x7f000001);
	sa.md.user_port = htons(lport);
	sa.md.family = AF_INET;
	sa.md.type = SOCK_STREAM;
	sa.md.protocol = IPPROTO_TCP;
	T_EQ(kbpf_cgroup_run_sock_addr(h, cgrp, BPF_CGROUP_INET4_GETPEERNAME,
				       &sa, KBPF_INTERP_CHECKED, 0, NULL),
	     k.peer_err);
	T_EQ(sa.md.user_ip4, k.peer.sin_addr.s_addr);
	T_EQ(sa.md.user_port, k.peer.sin_port);

	memset(&sk, 0, sizeof(sk));
	sk.md.family = AF_INET;
	sk.md.type = SOCK_STREAM;
	sk.md.protocol = IPPROTO_TCP;
	sk.md.src_ip4 = htonl(0x7f000001);
	sk.md.src_port = block;
	T_EQ(kbpf_cgroup_run_sock(h, cgrp, BPF_CGROUP_INET4_POST_BIND, &sk,
				  KBPF_INTERP_CHECKED, 0),
	     k.bind_block_err);
	sk.md.src_port = (uint32_t)(block ^ 1);
	T_EQ(kbpf_cgroup_run_sock(h, cgrp, BPF_CGROUP_INET4_POST_BIND, &sk,
				  KBPF_INTERP_CHECKED, 0),
	     k.bind_any_err);
	h->cgroup_put(h, cgrp);
	printf("  kernel: tcp %d udp %d mark %#x prio %d connect %d/%d peer %s:%u bind %d/%d; kbpf the same\n",
	       k.tcp_err, k.udp_err, k.mark, k.prio, k.conn_err, k.conn9_err,
	       inet_ntoa(k.peer.sin_addr), ntohs(k.peer.sin_port),
	       k.bind_block_err, k.bind_any_err);
	T_EQ(k.udp_err, -EPERM);
	T_EQ(k.conn9_err, -EPERM);
	T_EQ(k.bind_block_err, -EPERM);
}

KBPF_TEST(
	cgroup_sock_runs,
	"cgroup sock (create, post_bind4) and sock_addr (connect4, getpeername4) programs attached to a cgroup give in kbpf's runners the verdicts, socket fields and rewritten addresses the kernel gives a task of that cgroup doing socket(), connect(), getpeername() and bind() on loopback")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	sock_runs_body(&e);
	cg_teardown(&e);
}

/* ---- cgroup sockopt programs on real sockets ---- */

#define SO(f) ((int16_t)offsetof(struct bpf_sockopt, f))
#define UNKNOWN_OPT 9999

/*
 * setsockopt: SO_PRIORITY's value + 1, SO_MARK refused, SO_RCVLOWAT
 * handled by the program (optlen -1). getsockopt: SO_PRIORITY's value +
 * 100; an unknown option answered with 7 (retval 0, optlen 4). Both check
 * the value's bounds as the verifier requires.
 */
static long sockopt_prog(int side, bool get)
{
	static const struct bpf_insn set[] = {
		MOV(6, 1),
		LDXW(2, 6, SO(level)),
		LDXW(3, 6, SO(optname)),
		JNEK(2, SOL_SOCKET, 11),
		I(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 12, SO_MARK),
		I(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 13, SO_RCVLOWAT),
		JNEK(3, SO_PRIORITY, 8),
		I(BPF_LDX | BPF_MEM | BPF_DW, 4, 6, SO(optval), 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 5, 6, SO(optval_end), 0),
		MOV(0, 4),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 4),
		I(BPF_JMP | BPF_JGT | BPF_X, 0, 5, 3, 0),
		LDXW(0, 4, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 1),
		I(BPF_STX | BPF_MEM | BPF_W, 4, 0, 0, 0),
		MOVK(0, 1), /* 15: allow */
		EXIT,
		MOVK(0, 0), /* 17: refuse */
		EXIT,
		STW(6, SO(optlen), -1), /* 19: handled here */
		MOVK(0, 1),
		EXIT,
	};
	static const struct bpf_insn getp[] = {
		MOV(6, 1),
		LDXW(2, 6, SO(level)),
		LDXW(3, 6, SO(optname)),
		JNEK(2, SOL_SOCKET, 10),
		I(BPF_LDX | BPF_MEM | BPF_DW, 4, 6, SO(optval), 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 5, 6, SO(optval_end), 0),
		MOV(0, 4),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 4),
		I(BPF_JMP | BPF_JGT | BPF_X, 0, 5, 5, 0),
		I(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 6, UNKNOWN_OPT),
		JNEK(3, SO_PRIORITY, 3),
		LDXW(0, 4, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 100),
		I(BPF_STX | BPF_MEM | BPF_W, 4, 0, 0, 0),
		MOVK(0, 1), /* 14: allow */
		EXIT,
		STW(4, 0, 7), /* 16: answer the unknown option */
		STW(6, SO(optlen), 4),
		STW(6, SO(retval), 0),
		MOVK(0, 1),
		EXIT,
	};

	if (get)
		return load(side, BPF_PROG_TYPE_CGROUP_SOCKOPT,
			    BPF_CGROUP_GETSOCKOPT, getp,
			    sizeof(getp) / sizeof(getp[0]), NULL, 0);
	return load(side, BPF_PROG_TYPE_CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT,
		    set, sizeof(set) / sizeof(set[0]), NULL, 0);
}

struct sockopt_seen {
	int set_prio_err, prio, mark_err, lowat_err, lowat;
	int unk_err, unk_val;
	socklen_t unk_len;
};

static void sockopt_child(const struct cgenv *e, int cg, int out)
{
	struct sockopt_seen r;
	socklen_t len;
	int s, v;

	memset(&r, 0, sizeof(r));
	if (cg2_enter(&e->cg, cg))
		_exit(2);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0)
		_exit(4);
	v = 5;
	r.set_prio_err =
		sock_err(setsockopt(s, SOL_SOCKET, SO_PRIORITY, &v, sizeof(v)));
	len = sizeof(r.prio);
	getsockopt(s, SOL_SOCKET, SO_PRIORITY, &r.prio, &len);
	v = 1;
	r.mark_err =
		sock_err(setsockopt(s, SOL_SOCKET, SO_MARK, &v, sizeof(v)));
	v = 50;
	r.lowat_err =
		sock_err(setsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &v, sizeof(v)));
	len = sizeof(r.lowat);
	getsockopt(s, SOL_SOCKET, SO_RCVLOWAT, &r.lowat, &len);
	r.unk_len = sizeof(r.unk_val);
	r.unk_err = sock_err(
		getsockopt(s, SOL_SOCKET, UNKNOWN_OPT, &r.unk_val, &r.unk_len));
	close(s);
	_exit(write(out, &r, sizeof(r)) == (ssize_t)sizeof(r) ? 0 : 3);
}

static int run_opt(void *cgrp, bool get, int optname, int32_t *val,
		   int32_t optlen, int32_t retval, struct kbpf_sockopt *ctx)
{
	const struct kbpf_host *h = kbpf_posix_host();

	memset(ctx, 0, sizeof(*ctx));
	ctx->md.level = SOL_SOCKET;
	ctx->md.optname = optname;
	ctx->md.optlen = optlen;
	ctx->buf = (uint8_t *)val;
	ctx->cap = sizeof(*val);
	if (get)
		return kbpf_cgroup_run_getsockopt(h, cgrp, ctx, optlen, retval,
						  KBPF_INTERP_CHECKED, 0);
	return kbpf_cgroup_run_setsockopt(h, cgrp, ctx, KBPF_INTERP_CHECKED, 0);
}

static void sockopt_runs_body(struct cgenv *e)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct sockopt_seen k;
	struct kbpf_sockopt ctx;
	int pfd[2], st, n;
	int32_t v;
	void *cgrp;
	pid_t c;

	for (int s = 0; s < 2; s++) {
		/* kbpf proves the bounds checks as the kernel does. */
		if (s == SIDE_KBPF)
			kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
		for (int g = 0; g < 2; g++) {
			e->prog[s][g] = sockopt_prog(s, g);
			if (e->prog[s][g] < 0)
				T_FAIL("side %d: load %s: %s", s,
				       g ? "get" : "set",
				       oracle_errno_name(e->prog[s][g]));
			T_EQ(attach(e, s, CG_C, g,
				    g ? BPF_CGROUP_GETSOCKOPT :
					BPF_CGROUP_SETSOCKOPT,
				    0, -1, 0, 0),
			     0);
		}
		kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	}
	T_EQ(pipe(pfd), 0);
	c = fork();
	T_ASSERT(c >= 0);
	if (!c)
		sockopt_child(e, CG_C, pfd[1]);
	close(pfd[1]);
	memset(&k, 0, sizeof(k));
	n = (int)read(pfd[0], &k, sizeof(k));
	close(pfd[0]);
	T_EQ(waitpid(c, &st, 0), c);
	T_EQ(n, (int)sizeof(k));

	T_EQ(h->cgroup_get(h, e->cg.fd[CG_C], &cgrp), 0);
	/* setsockopt(SO_PRIORITY, 5): the host's handler gets 6 ... */
	v = 5;
	T_EQ(run_opt(cgrp, false, SO_PRIORITY, &v, 4, 0, &ctx), k.set_prio_err);
	T_EQ(ctx.md.optlen, 4);
	T_EQ(v, 6);
	/* ... and getsockopt returns the handler's 6 plus 100. */
	T_EQ(run_opt(cgrp, true, SO_PRIORITY, &v, 4, 0, &ctx), 0);
	T_EQ(ctx.md.optlen, 4);
	T_EQ(v, k.prio);
	v = 1;
	T_EQ(run_opt(cgrp, false, SO_MARK, &v, 4, 0, &ctx), k.mark_err);
	/* SO_RCVLOWAT: handled by the program, the handler never runs. */
	v = 50;
	T_EQ(run_opt(cgrp, false, SO_RCVLOWAT, &v, 4, 0, &ctx), 1);
	T_EQ(k.lowat_err, 0);
	T_EQ(k.lowat, 1); /* the kernel's default: the value never got there */
	/* The unknown option: the handler's -ENOPROTOOPT answered with 7. */
	v = 0;
	T_EQ(run_opt(cgrp, true, UNKNOWN_OPT, &v, 4, -ENOPROTOOPT, &ctx),
	     k.unk_err);
	T_EQ(ctx.md.optlen, (int32_t)k.unk_len);
	T_EQ(v, k.unk_val);
	h->cgroup_put(h, cgrp);
	printf("  kernel: set priority %d, priority %d, mark %d, rcvlowat %d/%d, unknown %d (%d, %u); kbpf the same\n",
	       k.set_prio_err, k.prio, k.mark_err, k.lowat_err, k.lowat,
	       k.unk_err, k.unk_val, (unsigned)k.unk_len);
	T_EQ(k.prio, 106);
	T_EQ(k.mark_err, -EPERM);
	T_EQ(k.unk_val, 7);
}

KBPF_TEST(
	cgroup_sockopt_runs,
	"cgroup setsockopt and getsockopt programs (values rewritten, a refusal, a call the program handles, an unknown option answered with a retval of 0) give in kbpf's runners what the kernel gives a task of the cgroup calling setsockopt()/getsockopt() on a TCP socket")
{
	struct cgenv e;

	if (!cg_setup(&e)) {
		cg_teardown(&e);
		return;
	}
	sockopt_runs_body(&e);
	cg_teardown(&e);
}
