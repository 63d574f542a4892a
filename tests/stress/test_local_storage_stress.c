// SPDX-License-Identifier: MIT
/*
 * Local storage under concurrency (run under TSan in CI). One socket is the
 * owner everybody works on. Phase 1: two threads on their own virtual CPUs
 * run a SYSCALL program that does bpf_sk_storage_get(F_CREATE) and an
 * atomic add on the value; the total read back by fd is exact. Phase 2,
 * chaos: the program threads also delete, a third thread updates, looks up
 * and deletes by fd in a second map on the same socket, a fourth clones
 * the socket's values of BPF_F_CLONE maps to another socket, makes the
 * socket die
 * (kbpf_posix_owner_kill()) and creates, fills and closes other maps on
 * it, so that creation, deletion, an owner's death and a map's free race.
 * Invariants: every run and command ends with one of Linux's answers, and
 * nothing is left allocated at the end (the harness's leak check).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define RUNS 4000

static atomic_int stop;
static atomic_long bad;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* [1] int, [2] struct pair { int a; int b; }. */
static long pair_btf(void)
{
	static const uint32_t types[] = {
		1,  BTF_KIND_INT << 24,
		4,  BTF_INT_SIGNED << 24 | 32,
		5,  BTF_KIND_STRUCT << 24 | 2,
		8,  10,
		1,  0,
		12, 1,
		32,
	};
	static const char strs[] = "\0int\0pair\0a\0b";
	static uint8_t blob[24 + sizeof(types) + sizeof(strs)];
	uint32_t hdr[6] = { 0x0001eb9f,	   24,		0, sizeof(types),
			    sizeof(types), sizeof(strs) };
	union bpf_attr a;

	memcpy(blob, hdr, 24);
	memcpy(blob + 24, types, sizeof(types));
	memcpy(blob + 24 + sizeof(types), strs, sizeof(strs));
	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = sizeof(blob);
	return sys(BPF_BTF_LOAD, &a);
}

static long create(long btf, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_SK_STORAGE;
	a.key_size = 4;
	a.value_size = 8;
	a.map_flags = BPF_F_NO_PREALLOC | flags;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 2;
	return sys(BPF_MAP_CREATE, &a);
}

/*
 * ctx: u64 owner, u64 op. op 0: v = get(F_CREATE); atomic v->a += 1;
 * return v ? 0 : 1. op 1: return delete().
 */
static long load(long map)
{
	struct bpf_insn p[24];
	union bpf_attr a;
	int n = 0;

	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 2, 1, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 8, 0);
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 6, 0, 2, 0);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_storage_delete);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0,
		   BPF_LOCAL_STORAGE_GET_F_CREATE);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_sk_storage_get);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 1, 0, 0, 1);
	p[n++] = I(BPF_STX | BPF_ATOMIC | BPF_W, 0, 1, 0, BPF_ADD);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

static long run(long prog, uint64_t owner, uint64_t op, uint32_t *ret)
{
	uint64_t ctx[2] = { owner, op };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = sizeof(ctx);
	r = sys(BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

static long elem(int cmd, long map, int fd, uint64_t *v, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&fd;
	if (cmd != BPF_MAP_DELETE_ELEM)
		a.value = (uint64_t)(uintptr_t)v;
	a.flags = flags;
	return sys(cmd, &a);
}

struct worker {
	unsigned int cpu;
	long prog, map, btf;
	int sk, sk2;
	int chaos;
};

static void *prog_thread(void *arg)
{
	struct worker *w = arg;
	uint32_t ret;

	kbpf_posix_set_cpu(w->cpu);
	for (int i = 0; i < RUNS; i++) {
		uint64_t owner = kbpf_posix_owner_of(KBPF_OWNER_SOCK, w->sk);
		int op = w->chaos && (i % 7) == 3;

		if (run(w->prog, owner, (uint64_t)op, &ret))
			atomic_fetch_add(&bad, 1);
		/* get: 0, or 1 when the owner died meanwhile (chaos). */
		if (!op && ret != 0 && !(w->chaos && ret == 1))
			atomic_fetch_add(&bad, 1);
		if (op && ret != 0 && (int)ret != -ENOENT &&
		    (int)ret != -EINVAL)
			atomic_fetch_add(&bad, 1);
	}
	return NULL;
}

static void *sys_thread(void *arg)
{
	struct worker *w = arg;
	uint64_t v;

	kbpf_posix_set_cpu(w->cpu);
	for (unsigned int i = 0; !atomic_load(&stop); i++) {
		long r;

		v = i;
		r = elem(BPF_MAP_UPDATE_ELEM, w->map, w->sk, &v, i % 3);
		if (r && r != -EEXIST && r != -ENOENT)
			atomic_fetch_add(&bad, 1);
		r = elem(BPF_MAP_LOOKUP_ELEM, w->map, w->sk, &v, 0);
		if (r && r != -ENOENT)
			atomic_fetch_add(&bad, 1);
		if (i % 5 == 0) {
			r = elem(BPF_MAP_DELETE_ELEM, w->map, w->sk, NULL, 0);
			if (r && r != -ENOENT)
				atomic_fetch_add(&bad, 1);
		}
	}
	return NULL;
}

static void *churn_thread(void *arg)
{
	struct worker *w = arg;

	kbpf_posix_set_cpu(w->cpu);
	for (unsigned int i = 0; !atomic_load(&stop); i++) {
		long m = create(w->btf, BPF_F_CLONE);
		uint64_t v = i;
		long r;

		if (m < 0) {
			atomic_fetch_add(&bad, 1);
			continue;
		}
		if (elem(BPF_MAP_UPDATE_ELEM, m, w->sk, &v, 0))
			atomic_fetch_add(&bad, 1);
		/* Clone the owner while the others work on it. */
		r = kbpf_posix_owner_clone(KBPF_OWNER_SOCK, w->sk, w->sk2);
		if (r && r != -ENOENT)
			atomic_fetch_add(&bad, 1);
		kbpf_posix_owner_kill(KBPF_OWNER_SOCK, w->sk2);
		if (i % 2 && kbpf_posix_owner_kill(KBPF_OWNER_SOCK, w->sk))
			atomic_fetch_add(&bad, 1);
		kbpf_posix_close((int)m);
	}
	return NULL;
}

KBPF_TEST(
	sk_storage_concurrent,
	"sk storage from two program threads, syscalls, map churn and the owner's death at once: exact counts when only adding, Linux's answers and no leak under chaos")
{
	struct worker w[4];
	pthread_t th[4];
	long btf, map, map2, prog;
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int sk2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	uint64_t v = 0;

	T_ASSERT(sk >= 0 && sk2 >= 0);
	btf = pair_btf();
	T_ASSERT(btf >= 0);
	map = create(btf, 0);
	T_ASSERT(map >= 0);
	prog = load(map);
	T_ASSERT(prog >= 0);
	for (int i = 0; i < 4; i++)
		w[i] = (struct worker){
			(unsigned int)i, prog, map, btf, sk, sk2, 0
		};
	/* Phase 1: only adding. */
	for (int i = 0; i < 2; i++)
		T_EQ(pthread_create(&th[i], NULL, prog_thread, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	T_EQ(atomic_load(&bad), 0);
	T_EQ(elem(BPF_MAP_LOOKUP_ELEM, map, sk, &v, 0), 0);
	T_EQ((uint32_t)v, 2 * RUNS);
	/*
	 * Phase 2: chaos. The syscall thread works on a map of its own on
	 * the same owner: reading a value a program writes at the same time
	 * is a race in Linux too (values are plain memory).
	 */
	for (int i = 0; i < 4; i++)
		w[i].chaos = 1;
	w[2].map = map2 = create(btf, 0);
	T_ASSERT(map2 >= 0);
	for (int i = 0; i < 2; i++)
		T_EQ(pthread_create(&th[i], NULL, prog_thread, &w[i]), 0);
	T_EQ(pthread_create(&th[2], NULL, sys_thread, &w[2]), 0);
	T_EQ(pthread_create(&th[3], NULL, churn_thread, &w[3]), 0);
	for (int i = 0; i < 2; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	atomic_store(&stop, 1);
	for (int i = 2; i < 4; i++)
		T_EQ(pthread_join(th[i], NULL), 0);
	T_EQ(atomic_load(&bad), 0);
	kbpf_posix_close((int)prog);
	kbpf_posix_close((int)map);
	kbpf_posix_close((int)map2);
	kbpf_posix_close((int)btf);
	close(sk);
	close(sk2);
}
