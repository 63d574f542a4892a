// SPDX-License-Identifier: MIT
/*
 * Raw tracepoints: BPF_RAW_TRACEPOINT_OPEN, the link commands and link
 * info against the kernel (kbpf's POSIX host registers a "sched_switch"
 * with the kernel's four arguments for the comparison); then kbpf alone:
 * fires run attached programs in order with the arguments as context,
 * closing the fd detaches, checked mode stops a program reading past the
 * arguments, unregistering is refused while programs are attached.
 */
#include <errno.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf/raw_tp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i_) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i_)
#define MOV_X(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)

static struct kbpf_raw_tp sched_switch = { .name = "sched_switch", .nargs = 4 };

static long load(int side, uint32_t type, uint32_t eat,
		 const struct bpf_insn *insns, uint32_t n)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long load_ret0(int side, uint32_t type, uint32_t eat)
{
	static const struct bpf_insn p[] = { MOV_K(0, 0), EXIT };

	return load(side, type, eat, p, 2);
}

static long tp_open(int side, const char *name, long prog, uint64_t cookie)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = (uint64_t)(uintptr_t)name;
	a.raw_tracepoint.prog_fd = (uint32_t)prog;
	a.raw_tracepoint.cookie = cookie;
	return side_bpf(side, BPF_RAW_TRACEPOINT_OPEN, &a);
}

static long link_info(int side, long fd, struct bpf_link_info *info,
		      uint32_t *len)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = *len;
	a.info.info = (uint64_t)(uintptr_t)info;
	r = side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a);
	*len = a.info.info_len;
	return r;
}

static long prog_id(int side, long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a) ? -1 : (long)info.id;
}

/* Each test registers sched_switch and unregisters it when done with it. */
static void register_sched_switch(void)
{
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &sched_switch), 0);
}

KBPF_TEST(
	raw_tp_open_diff,
	"BPF_RAW_TRACEPOINT_OPEN, LINK_CREATE/DETACH/UPDATE: results and errnos equal the kernel's")
{
	long p[2], ps[2], pe[2], pw[2], mfd[2], links[2][16];
	int nl[2] = { 0, 0 }, n = 0;
	const char *why;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	register_sched_switch();
	for (int s = 0; s < 2; s++) {
		p[s] = load_ret0(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
		ps[s] = load_ret0(s, BPF_PROG_TYPE_SYSCALL, 0);
		pe[s] = load_ret0(s, BPF_PROG_TYPE_RAW_TRACEPOINT,
				  BPF_TRACE_RAW_TP);
		pw[s] = load_ret0(s, BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE, 0);
		mfd[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		T_ASSERT(p[s] >= 0 && ps[s] >= 0 && pe[s] >= 0 && pw[s] >= 0 &&
			 mfd[s] >= 0);
	}
	enum { P, PS, PE, PW, MAP, BAD };
	static const struct {
		const char *name;
		int prog;
		uint64_t cookie;
	} opens[] = {
		{ "sched_switch", P, 0 },
		{ "sched_switch", P, 0 },
		{ NULL, P, 0 },
		{ "", P, 0 },
		{ "no_such_tp", P, 0 },
		{ "sched_switch", PS, 0 },
		{ NULL, PS, 0 },
		{ "sched_switch", BAD, 0 },
		{ "sched_switch", MAP, 0 },
		{ "sched_switch", PE, 0 },
		{ "sched_switch", PW, 0 },
		{ "sched_switch", P, 77 },
	};
	for (size_t i = 0; i < sizeof(opens) / sizeof(opens[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			long fds[] = { p[s], ps[s], pe[s], pw[s], mfd[s], 9999 };

			r[s] = tp_open(s, opens[i].name, fds[opens[i].prog],
				       opens[i].cookie);
			if (r[s] >= 0)
				links[s][nl[s]++] = r[s];
		}
		n++;
		if (!same_result(r[0], r[1]))
			T_FAIL("open %zu (%s): kernel %s kbpf %s", i,
			       opens[i].name ? opens[i].name : "NULL",
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
	/* LINK_CREATE never makes a raw tracepoint link. */
	for (uint32_t at = 0; at < 60; at++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.link_create.prog_fd =
				(uint32_t)(at & 1 ? pe[s] : p[s]);
			a.link_create.attach_type = at;
			r[s] = side_bpf(s, BPF_LINK_CREATE, &a);
			side_close(s, r[s]);
		}
		n++;
		if (r[0] != r[1])
			T_FAIL("link_create attach_type %u: kernel %s kbpf %s",
			       at, oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
	/* Detach and update on a raw tracepoint link; link commands on a map fd. */
	for (int c = 0; c < 6; c++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			switch (c) {
			case 0:
				a.link_detach.link_fd = (uint32_t)links[s][0];
				r[s] = side_bpf(s, BPF_LINK_DETACH, &a);
				break;
			case 1:
				a.link_detach.link_fd = (uint32_t)mfd[s];
				r[s] = side_bpf(s, BPF_LINK_DETACH, &a);
				break;
			case 2:
				a.link_update.link_fd = (uint32_t)links[s][0];
				a.link_update.new_prog_fd = (uint32_t)p[s];
				r[s] = side_bpf(s, BPF_LINK_UPDATE, &a);
				break;
			case 3:
				a.link_update.link_fd = (uint32_t)links[s][0];
				a.link_update.new_prog_fd = (uint32_t)p[s];
				a.link_update.flags = 8;
				r[s] = side_bpf(s, BPF_LINK_UPDATE, &a);
				break;
			case 4:
				a.link_update.link_fd = (uint32_t)links[s][0];
				a.link_update.new_prog_fd = 9999;
				r[s] = side_bpf(s, BPF_LINK_UPDATE, &a);
				break;
			default:
				a.link_update.link_fd = 9999;
				a.link_update.new_prog_fd = (uint32_t)p[s];
				r[s] = side_bpf(s, BPF_LINK_UPDATE, &a);
				break;
			}
		}
		n++;
		if (r[0] != r[1])
			T_FAIL("link command %d: kernel %s kbpf %s", c,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
	}
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < nl[s]; i++)
			side_close(s, links[s][i]);
		side_close(s, p[s]);
		side_close(s, ps[s]);
		side_close(s, pe[s]);
		side_close(s, pw[s]);
		side_close(s, mfd[s]);
	}
	T_EQ(kbpf_raw_tp_unregister(&sched_switch), 0);
	printf("  %d raw tracepoint and link commands compared with the kernel\n",
	       n);
}

KBPF_TEST(
	raw_tp_link_info_diff,
	"bpf_link_info of a raw tracepoint link: type, ids, cookie, name and its buffer rules as the kernel")
{
	long p[2], l[2];
	const char *why;
	/* Name buffer: pointer set?, length. */
	static const struct {
		int buf;
		uint32_t len;
	} cases[] = { { 1, 64 }, { 1, 13 }, { 1, 12 }, { 1, 5 },
		      { 1, 1 },	 { 0, 0 },  { 0, 5 } };

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	register_sched_switch();
	for (int s = 0; s < 2; s++) {
		p[s] = load_ret0(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
		l[s] = tp_open(s, "sched_switch", p[s], 0x1122334455ULL);
		T_ASSERT(p[s] >= 0 && l[s] >= 0);
	}
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct bpf_link_info info[2];
		char name[2][64];
		uint32_t len[2];
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			memset(&info[s], 0, sizeof(info[s]));
			memset(name[s], 'Z', sizeof(name[s]));
			info[s].raw_tracepoint.tp_name =
				cases[c].buf ? (uint64_t)(uintptr_t)name[s] : 0;
			info[s].raw_tracepoint.tp_name_len = cases[c].len;
			len[s] = sizeof(info[s]);
			r[s] = link_info(s, l[s], &info[s], &len[s]);
		}
		if (r[0] != r[1])
			T_FAIL("case %zu: kernel %s kbpf %s", c,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		T_EQ(len[1], len[0]);
		T_MEMEQ(name[0], name[1], sizeof(name[0]));
		T_EQ(info[1].type, info[0].type);
		T_EQ(info[1].raw_tracepoint.tp_name_len,
		     info[0].raw_tracepoint.tp_name_len);
		T_EQ(info[1].raw_tracepoint.cookie,
		     info[0].raw_tracepoint.cookie);
		if (!r[0]) {
			for (int s = 0; s < 2; s++) {
				T_EQ(info[s].prog_id, prog_id(s, p[s]));
				T_NE(info[s].id, 0);
			}
		}
	}
	for (int s = 0; s < 2; s++) {
		side_close(s, l[s]);
		side_close(s, p[s]);
	}
	T_EQ(kbpf_raw_tp_unregister(&sched_switch), 0);
}

/* ---- kbpf alone: firing ---- */

/*
 * A program adding (@mul * args[0] + args[@k]) to cnt[0]: r6 = ctx, then a
 * lookup of key 0 and an atomic add.
 */
static long load_adder(long map, int32_t mul, int16_t k)
{
	struct bpf_insn p[] = {
		MOV_X(6, 1),
		I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0),
		I(BPF_ALU64 | BPF_MUL | BPF_K, 7, 0, 0, mul),
		I(BPF_LDX | BPF_MEM | BPF_DW, 8, 6, (int16_t)(8 * k), 0),
		I(BPF_ALU64 | BPF_ADD | BPF_X, 7, 8, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		MOV_X(2, 10),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 7, 0, BPF_ADD),
		MOV_K(0, 0),
		EXIT,
	};

	return load(SIDE_KBPF, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, p,
		    sizeof(p) / sizeof(p[0]));
}

static uint64_t counter(long map)
{
	uint32_t k = 0;
	uint64_t v = 0;

	side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map, &k, &v, 0);
	return v;
}

KBPF_TEST(
	raw_tp_fire,
	"fires run attached programs with the arguments as context; closing the fd detaches; checked mode bounds the context")
{
	static struct kbpf_raw_tp tp = { .name = "kbpf_test_fire", .nargs = 3 };
	static const uint64_t args[3] = { 1, 20, 300 };
	long live = kbpf_posix_live_allocs();
	long map, pa, pb, pbad, la, lb, lbad;

	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), -EEXIST);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0); /* nothing attached */
	map = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
	pa = load_adder(map, 1000, 1); /* +1020 */
	pb = load_adder(map, 0, 2); /* +300 */
	pbad = load_adder(map, 0, 3); /* reads args[3]: past nargs */
	T_ASSERT(map >= 0 && pa >= 0 && pb >= 0 && pbad >= 0);
	la = tp_open(SIDE_KBPF, "kbpf_test_fire", pa, 0);
	T_ASSERT(la >= 0);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 1020);
	lb = tp_open(SIDE_KBPF, "kbpf_test_fire", pb, 0);
	T_ASSERT(lb >= 0);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 2 * 1020 + 300);
	T_EQ(kbpf_raw_tp_unregister(&tp), -EBUSY);
	side_close(SIDE_KBPF, la); /* detaches a */
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 2 * 1020 + 2 * 300);
	lbad = tp_open(SIDE_KBPF, "kbpf_test_fire", pbad, 0);
	T_ASSERT(lbad >= 0);
	T_EQ(kbpf_raw_tp_fire(&tp, args), -EFAULT);
	T_EQ(counter(map), 2 * 1020 + 3 * 300); /* b still ran */
	/* The program's fd may go first: the link keeps it. */
	side_close(SIDE_KBPF, pb);
	T_EQ(kbpf_raw_tp_fire(&tp, args), -EFAULT);
	T_EQ(counter(map), 2 * 1020 + 4 * 300);
	side_close(SIDE_KBPF, lb);
	side_close(SIDE_KBPF, lbad);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 2 * 1020 + 4 * 300);
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	T_EQ(kbpf_raw_tp_unregister(&tp), -ENOENT);
	side_close(SIDE_KBPF, pa);
	side_close(SIDE_KBPF, pbad);
	side_close(SIDE_KBPF, map);
	T_EQ(kbpf_posix_live_allocs(), live);
}

KBPF_TEST(
	raw_tp_attach_api,
	"kbpf_raw_tp_attach: in-kernel attach without an fd; the last put detaches; wrong program type refused")
{
	static struct kbpf_raw_tp tp = { .name = "kbpf_test_api", .nargs = 2 };
	static const uint64_t args[2] = { 5, 6 };
	struct kbpf_obj *pobj, *link;
	long map, pfd, sfd;

	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
	map = side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
	pfd = load_adder(map, 1, 1); /* +11 */
	sfd = load_ret0(SIDE_KBPF, BPF_PROG_TYPE_SYSCALL, 0);
	T_ASSERT(map >= 0 && pfd >= 0 && sfd >= 0);
	pobj = kbpf_posix_fd_obj((int)sfd);
	T_EQ(kbpf_raw_tp_attach(&tp, (struct kbpf_prog *)pobj, 0, &link),
	     -EINVAL);
	kbpf_obj_put(pobj);
	pobj = kbpf_posix_fd_obj((int)pfd);
	T_EQ(kbpf_raw_tp_attach(&tp, (struct kbpf_prog *)pobj, 9, &link), 0);
	kbpf_obj_put(pobj);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 11);
	kbpf_obj_put(link);
	T_EQ(kbpf_raw_tp_fire(&tp, args), 0);
	T_EQ(counter(map), 11);
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	side_close(SIDE_KBPF, pfd);
	side_close(SIDE_KBPF, sfd);
	side_close(SIDE_KBPF, map);
}
