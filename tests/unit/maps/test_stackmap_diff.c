// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_STACK_TRACE, bpf_get_stackid and bpf_get_stack.
 *
 * Against the kernel: creation rules and the element commands through
 * identical union bpf_attr bytes; and ids. A raw tracepoint program run
 * by BPF_PROG_TEST_RUN stores the kernel's own stack in a kernel stack
 * map; kbpf is then handed the same addresses by a test walker, and the
 * same program must return the same id and leave the same value, for
 * several depths and skips: the id is Linux's jhash2 of the trace.
 *
 * On kbpf alone, with made-up traces: collisions (-EEXIST, REUSE_STACKID,
 * FAST_STACK_CMP), a full map (-ENOMEM), build-id values, get_stack's
 * buffer rules, and the helpers without a walker (-EFAULT).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/compiler.h"
#include "core/map.h"
#include "core/prog.h"
#include "diff.h"
#include "helpers/helpers.h"
#include "kbpf/stackmap.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

/* ---- the test walker ---- */

static uint64_t walk_ips[KBPF_PERF_MAX_STACK];
static uint32_t walk_nr;
static int walk_user_calls;

static int test_walk(const struct kbpf_host *h, uint32_t prog_type,
		     const void *ctx, bool user, uint64_t *ips, uint32_t max)
{
	uint32_t n = walk_nr < max ? walk_nr : max;

	(void)h;
	(void)prog_type;
	(void)ctx;
	walk_user_calls += user;
	memcpy(ips, walk_ips, n * sizeof(uint64_t));
	return (int)n;
}

static uint64_t test_task(const struct kbpf_host *h)
{
	(void)h;
	return 0xffff888012345678ull;
}

/* ---- programs ---- */

/* r0 = bpf_get_stackid(ctx, map, flags) */
static long load_stackid(int side, long map, int32_t flags)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, flags),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_stackid),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/*
 * bpf_get_stackid(ctx, full, 0), then bpf_get_stackid(ctx, map, flags)
 * from the same call instruction (a two-round loop), so that both see the
 * same stack; returns the second id.
 */
static long load_stackid2(int side, long full, long map, int32_t flags)
{
	struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 0),
		/* loop: */
		I(BPF_JMP | BPF_JNE | BPF_K, 7, 0, 4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)full),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0),
		I(BPF_JMP | BPF_JA, 0, 0, 3, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, flags),
		/* call: */
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_stackid),
		I(BPF_JMP | BPF_JNE | BPF_K, 7, 0, 2, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 1),
		I(BPF_JMP | BPF_JA, 0, 0, -13, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run(int side, long prog)
{
	uint64_t args[2] = { 0, 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return r ? r - 1000 : (long)(int32_t)a.test.retval;
}

/* ---- creation and commands ---- */

KBPF_TEST(
	stackmap_create_vs_kernel,
	"STACK_TRACE creation: key, value and max_entries rules, flags, build-id sizes, as the kernel")
{
	static const struct {
		uint32_t ks, vs, max, flags;
	} cases[] = {
		{ 4, 8, 1, 0 },
		{ 4, 1016, 16, 0 },
		{ 4, 1024, 16, 0 },
		{ 4, 0, 16, 0 },
		{ 4, 4, 16, 0 },
		{ 4, 12, 16, 0 },
		{ 8, 8, 16, 0 },
		{ 0, 8, 16, 0 },
		{ 4, 8, 0, 0 },
		{ 4, 8, 3, 0 },
		{ 4, 8, (1u << 31) + 1, 0 },
		{ 4, 8, 0xffffffffu, 0 },
		{ 4, 32, 4, BPF_F_STACK_BUILD_ID },
		{ 4, 40, 4, BPF_F_STACK_BUILD_ID },
		{ 4, 4064, 4, BPF_F_STACK_BUILD_ID },
		{ 4, 4096, 4, BPF_F_STACK_BUILD_ID },
		{ 4, 8, 4, BPF_F_NO_PREALLOC },
		{ 4, 8, 4, BPF_F_RDONLY },
		{ 4, 8, 4, BPF_F_WRONLY },
		{ 4, 8, 4, BPF_F_RDONLY_PROG },
		{ 4, 8, 4, BPF_F_ZERO_SEED },
		{ 4, 8, 4, BPF_F_NUMA_NODE },
		{ 4, 8, 4, BPF_F_MMAPABLE },
	};
	size_t i;

	NEED_KERNEL();
	for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
		long r[2];
		int s;

		for (s = 0; s < 2; s++)
			r[s] = side_create(s, BPF_MAP_TYPE_STACK_TRACE,
					   cases[i].ks, cases[i].vs,
					   cases[i].max, cases[i].flags, 0,
					   NULL);
		if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
			T_FAIL("key %u value %u max %u flags %#x: kernel %ld, kbpf %ld",
			       cases[i].ks, cases[i].vs, cases[i].max,
			       cases[i].flags, r[0], r[1]);
		for (s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
	printf("  %zu creation cases equal to the kernel\n",
	       KBPF_ARRAY_SIZE(cases));
}

KBPF_TEST(
	stackmap_commands_vs_kernel,
	"STACK_TRACE element commands on an empty map: lookup, update, delete, next key, lookup-and-delete, as the kernel")
{
	uint32_t keys[] = { 0, 3, 4, 100 };
	uint64_t v[2][4];
	uint32_t nk[2];
	long m[2], r[2];
	size_t i;
	int s;

	NEED_KERNEL();
	for (s = 0; s < 2; s++) {
		m[s] = side_create(s, BPF_MAP_TYPE_STACK_TRACE, 4, 32, 3, 0, 0,
				   NULL);
		T_ASSERT(m[s] >= 0);
	}
	for (i = 0; i < KBPF_ARRAY_SIZE(keys); i++) {
		static const int cmds[] = { BPF_MAP_LOOKUP_ELEM,
					    BPF_MAP_UPDATE_ELEM,
					    BPF_MAP_DELETE_ELEM,
					    BPF_MAP_LOOKUP_AND_DELETE_ELEM };
		size_t c;

		for (c = 0; c < KBPF_ARRAY_SIZE(cmds); c++) {
			for (s = 0; s < 2; s++) {
				memset(v[s], 0, sizeof(v[s]));
				r[s] = side_elem(s, cmds[c], m[s], &keys[i],
						 v[s], 0);
			}
			if (r[0] != r[1])
				T_FAIL("cmd %d key %u: kernel %ld, kbpf %ld",
				       cmds[c], keys[i], r[0], r[1]);
		}
	}
	for (s = 0; s < 2; s++)
		r[s] = side_next_key(s, m[s], NULL, &nk[s]);
	T_EQ(r[0], r[1]);
	for (s = 0; s < 2; s++)
		r[s] = side_next_key(s, m[s], &keys[1], &nk[s]);
	T_EQ(r[0], r[1]);
	for (s = 0; s < 2; s++)
		side_close(s, m[s]);
}

/* ---- ids against the kernel's ---- */

KBPF_TEST(
	stackmap_ids_vs_kernel,
	"bpf_get_stackid on the kernel's own stack and on the same addresses in kbpf: same ids and values, for depths and skips")
{
	static const struct {
		uint32_t vs;
		int32_t flags;
	} cases[] = {
		{ 8 * 127, 0 }, { 8 * 3, 0 }, { 8 * 127, 1 }, { 8 * 2, 2 },
		{ 8 * 127, 3 }, { 8, 0 },     { 8 * 5, 1 },
	};
	size_t i;
	int compared = 0;
	uint32_t depth = 0;

	NEED_KERNEL();
	kbpf_posix_set_task_hooks(test_task, test_walk);
	for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
		uint64_t val[2][KBPF_PERF_MAX_STACK];
		long full[2], m[2], p[2], id[2];
		uint32_t key;
		int s;

		/* User stacks are not comparable: the kbpf side's is made up. */
		if (cases[i].flags & BPF_F_USER_STACK)
			continue;
		for (s = 0; s < 2; s++) {
			full[s] = side_create(s, BPF_MAP_TYPE_STACK_TRACE, 4,
					      8 * 127, 64, 0, 0, NULL);
			m[s] = side_create(s, BPF_MAP_TYPE_STACK_TRACE, 4,
					   cases[i].vs, 64, 0, 0, NULL);
			p[s] = load_stackid2(s, full[s], m[s], cases[i].flags);
			T_ASSERT(full[s] >= 0 && m[s] >= 0 && p[s] >= 0);
		}
		id[0] = run(SIDE_KERNEL, p[0]);
		if (id[0] < 0)
			T_SKIP("the kernel gave no stack id (%ld)", id[0]);
		/* The kernel's whole trace: what the host walker returns. */
		T_EQ(side_next_key(SIDE_KERNEL, full[0], NULL, &key), 0);
		memset(walk_ips, 0, sizeof(walk_ips));
		T_EQ(side_elem(SIDE_KERNEL, BPF_MAP_LOOKUP_ELEM, full[0], &key,
			       walk_ips, 0),
		     0);
		for (walk_nr = 0;
		     walk_nr < KBPF_PERF_MAX_STACK && walk_ips[walk_nr];
		     walk_nr++)
			;
		depth = walk_nr;
		id[1] = run(SIDE_KBPF, p[1]);
		if (id[0] != id[1])
			T_FAIL("value %u, flags %d: kernel id %ld, kbpf id %ld",
			       cases[i].vs, cases[i].flags, id[0], id[1]);
		/* The same trace again: the same id. */
		T_EQ(run(SIDE_KBPF, p[1]), id[1]);
		key = (uint32_t)id[1];
		for (s = 0; s < 2; s++) {
			memset(val[s], 0xaa, sizeof(val[s]));
			T_EQ(side_elem(s, BPF_MAP_LOOKUP_ELEM, m[s], &key,
				       val[s], 0),
			     0);
		}
		T_MEMEQ(val[0], val[1], cases[i].vs);
		for (s = 0; s < 2; s++) {
			side_close(s, p[s]);
			side_close(s, m[s]);
			side_close(s, full[s]);
		}
		compared++;
	}
	printf("  kernel traces of %u addresses; %d ids and values equal\n",
	       depth, compared);
	kbpf_posix_set_task_hooks(NULL, NULL);
}

/* ---- kbpf alone ---- */

/* A kbpf stack map: its fd in *@fd, the map itself (one reference). */
static struct kbpf_map *make_map(uint32_t vs, uint32_t max, uint32_t flags,
				 long *fd)
{
	struct kbpf_obj *o;

	*fd = side_create(SIDE_KBPF, BPF_MAP_TYPE_STACK_TRACE, 4, vs, max,
			  flags, 0, NULL);
	if (*fd < 0)
		return NULL;
	o = kbpf_posix_fd_obj((int)*fd);
	return o ? kbpf_container_of(o, struct kbpf_map, obj) : NULL;
}

KBPF_TEST(
	stackmap_collisions,
	"one bucket: a second trace gets -EEXIST, REUSE_STACKID replaces it, FAST_STACK_CMP trusts the hash; a full map gives -ENOMEM")
{
	uint64_t a[3] = { 0x1000, 0x2000, 0x3000 },
		 b[3] = { 0x1000, 0x2000, 0x4000 };
	uint64_t v[4];
	uint32_t key = 0, next;
	long fd, ida;
	struct kbpf_map *m = make_map(32, 1, 0, &fd);
	int i, found;

	T_ASSERT(m);
	/* One bucket, one element: a second trace collides; reuse needs a
	 * free element first, as in Linux. */
	T_EQ(kbpf_stackmap_get_stackid(m, a, 3, 0), 0);
	T_EQ(kbpf_stackmap_get_stackid(m, a, 3, 0), 0);
	T_EQ(kbpf_stackmap_get_stackid(m, b, 3, 0), -EEXIST);
	T_EQ(kbpf_stackmap_get_stackid(m, b, 3, BPF_F_REUSE_STACKID), -ENOMEM);
	T_EQ(kbpf_stackmap_get_stackid(m, b, 3, 3), -EFAULT);
	T_EQ(kbpf_stackmap_get_stackid(m, b, 0, 0), -EFAULT);
	kbpf_map_put(m);
	side_close(SIDE_KBPF, fd);

	/* Two buckets, two elements: find a trace in a's bucket. */
	m = make_map(32, 2, 0, &fd);
	T_ASSERT(m);
	ida = kbpf_stackmap_get_stackid(m, a, 3, 0);
	T_ASSERT(ida >= 0);
	for (i = 0; i < 64; i++) {
		long id;

		b[2] = 0x4000 + (uint64_t)i;
		id = kbpf_stackmap_get_stackid(m, b, 3, BPF_F_FAST_STACK_CMP);
		if (id == -EEXIST)
			break;
		T_ASSERT(id >= 0);
		key = (uint32_t)id;
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM, fd, &key, NULL,
			       0),
		     0);
	}
	T_ASSERT(i < 64);
	T_EQ(kbpf_stackmap_get_stackid(m, b, 3, BPF_F_REUSE_STACKID), ida);
	key = (uint32_t)ida;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, fd, &key, v, 0), 0);
	T_EQ(v[2], b[2]);
	T_EQ(v[3], 0);
	/* Back to a: it collides with b now; lookup-and-delete frees it. */
	T_EQ(kbpf_stackmap_get_stackid(m, a, 3, 0), -EEXIST);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd, &key, v,
		       0),
	     0);
	T_EQ(v[2], b[2]);
	T_EQ(kbpf_stackmap_get_stackid(m, a, 3, 0), ida);
	kbpf_map_put(m);
	side_close(SIDE_KBPF, fd);

	/* max_entries 3: 4 buckets, 3 elements. */
	m = make_map(8, 3, 0, &fd);
	T_ASSERT(m);
	found = 0;
	for (i = 1; i < 1000 && found < 4; i++) {
		uint64_t t = (uint64_t)i * 0x1234567;
		long id = kbpf_stackmap_get_stackid(m, &t, 1, 0);

		if (id >= 0 && found < 3) {
			found++;
			continue;
		}
		if (id == -ENOMEM) {
			found = 4;
			break;
		}
		T_ASSERT(id == -EEXIST || id >= 0);
	}
	T_EQ(found, 4);
	/* Delete one: iteration sees two, and the element is free again. */
	T_EQ(side_next_key(SIDE_KBPF, fd, NULL, &key), 0);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM, fd, &key, NULL, 0), 0);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_DELETE_ELEM, fd, &key, NULL, 0),
	     -ENOENT);
	found = 0;
	for (i = (int)side_next_key(SIDE_KBPF, fd, NULL, &next); !i;
	     i = (int)side_next_key(SIDE_KBPF, fd, &next, &next))
		found++;
	T_EQ(found, 2);
	for (i = 1; i < 1000; i++) {
		uint64_t t = (uint64_t)i * 0x7654321;
		long id = kbpf_stackmap_get_stackid(m, &t, 1, 0);

		T_ASSERT(id != -ENOMEM);
		if (id >= 0)
			break;
	}
	T_ASSERT(i < 1000);
	kbpf_map_put(m);
	side_close(SIDE_KBPF, fd);
}

KBPF_TEST(
	stackmap_helpers,
	"bpf_get_stackid/bpf_get_stack through programs: flags, buffer zeroing, skip, build-id values, no walker, current task")
{
	struct bpf_stack_build_id bid[2];
	uint64_t buf[8];
	uint32_t key;
	long m, p, r;

	walk_nr = 5;
	for (r = 0; r < 5; r++)
		walk_ips[r] = 0xffffffff81000000ull + (uint64_t)r * 0x10;
	kbpf_posix_set_task_hooks(test_task, test_walk);
	/* get_stackid: bad flags, then a build-id map. */
	m = side_create(SIDE_KBPF, BPF_MAP_TYPE_STACK_TRACE, 4, 64, 8,
			BPF_F_STACK_BUILD_ID, 0, NULL);
	T_ASSERT(m >= 0);
	p = load_stackid(SIDE_KBPF, m, 1 << 12);
	T_EQ(run(SIDE_KBPF, p), -EINVAL);
	side_close(SIDE_KBPF, p);
	walk_user_calls = 0;
	p = load_stackid(SIDE_KBPF, m, BPF_F_USER_STACK | 2);
	r = run(SIDE_KBPF, p);
	T_ASSERT(r >= 0);
	T_EQ(walk_user_calls, 1);
	key = (uint32_t)r;
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, m, &key, bid, 0), 0);
	T_EQ(bid[0].status, BPF_STACK_BUILD_ID_IP);
	T_EQ(bid[0].ip, walk_ips[2]);
	T_EQ(bid[1].ip, walk_ips[3]);
	side_close(SIDE_KBPF, p);
	side_close(SIDE_KBPF, m);

	/* get_stack through the C function the helper table holds. */
	{
		const struct kbpf_helper *h =
			&kbpf_default_helpers[BPF_FUNC_get_stack];
		struct kbpf_prog prog = { .type = BPF_PROG_TYPE_KPROBE };
		struct kbpf_run run_ = { .host = kbpf_posix_host(),
					 .prog = &prog };
		uint64_t (*fn)(struct kbpf_run *, uint64_t, uint64_t, uint64_t,
			       uint64_t, uint64_t) = h->fn;

		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, sizeof(buf), 1, 0), 32);
		T_EQ(buf[0], walk_ips[1]);
		T_EQ(buf[3], walk_ips[4]);
		T_EQ(buf[4], 0);
		T_EQ(buf[7], 0);
		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, 0, 0), 16);
		T_EQ(buf[1], walk_ips[1]);
		T_EQ(buf[2], 0xaaaaaaaaaaaaaaaaull);
		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 12, 0, 0), -EINVAL);
		T_EQ(buf[0], 0);
		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, BPF_F_USER_BUILD_ID,
			      0),
		     -EINVAL);
		T_EQ(buf[1], 0);
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, 1 << 9, 0),
		     -EINVAL);
		/* skip all five: nothing copied, but not an error; six: -EFAULT */
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, 5, 0), 0);
		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, 6, 0), -EFAULT);
		T_EQ(buf[0], 0);
		T_EQ((long)fn(&run_, 0, (uintptr_t)bid, sizeof(bid),
			      BPF_F_USER_STACK | BPF_F_USER_BUILD_ID, 0),
		     (long)sizeof(bid));
		T_EQ(bid[1].status, BPF_STACK_BUILD_ID_IP);
		T_EQ(bid[1].ip, walk_ips[1]);
		T_EQ(kbpf_default_helpers[BPF_FUNC_get_current_task].fn(
			     &run_, 0, 0, 0, 0, 0),
		     0xffff888012345678ull);
		/* Without a walker: -EFAULT and a zeroed buffer. */
		kbpf_posix_set_task_hooks(NULL, NULL);
		memset(buf, 0xaa, sizeof(buf));
		T_EQ((long)fn(&run_, 0, (uintptr_t)buf, 16, 0, 0), -EFAULT);
		T_EQ(buf[1], 0);
		T_EQ(kbpf_default_helpers[BPF_FUNC_get_current_task].fn(
			     &run_, 0, 0, 0, 0, 0),
		     0);
	}
}
