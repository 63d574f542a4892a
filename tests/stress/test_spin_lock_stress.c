// SPDX-License-Identifier: MIT
/*
 * bpf_spin_lock under concurrency (run under TSan in CI): two threads on
 * their own virtual CPUs run a program that bumps a pair of counters
 * (cnt += 1, x += 2) under the value's lock, while a third thread reads and
 * writes the same value with BPF_F_LOCK (lookups, in-place updates of
 * consistent pairs, batch lookups), on an ARRAY and a HASH. Invariants:
 * every locked copy sees x == 2 * cnt and a zero lock word; every run
 * succeeds; with no user writes the program's total is exact.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define RUNS 20000

static atomic_int stop;
static atomic_long torn, run_errors;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

/* [1] int, [2] struct bpf_spin_lock, [3] struct v { cnt; l; x; }. */
static long lock_btf(void)
{
	static const uint32_t types[] = {
		1,  BTF_KIND_INT << 24,
		4,  BTF_INT_SIGNED << 24 | 32,
		5,  BTF_KIND_STRUCT << 24 | 1,
		4,  19,
		1,  0,
		23, BTF_KIND_STRUCT << 24 | 3,
		12, 25,
		1,  0,
		29, 2,
		32, 31,
		1,  64,
	};
	static const char strs[] = "\0int\0bpf_spin_lock\0val\0v\0cnt\0l\0x";
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

static long create(long btf, uint32_t type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = 12;
	a.max_entries = 4;
	a.btf_fd = (uint32_t)btf;
	a.btf_key_type_id = 1;
	a.btf_value_type_id = 3;
	return sys(BPF_MAP_CREATE, &a);
}

/* Under the lock of key 0's value: cnt += 1, x += 2. */
static long load_prog(long map)
{
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_lock),
		I(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 1),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 1, 0, 0),
		I(BPF_LDX | BPF_MEM | BPF_W, 1, 6, 8, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 2),
		I(BPF_STX | BPF_MEM | BPF_W, 6, 1, 8, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_spin_unlock),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SCHED_CLS;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

struct runner {
	long prog;
	unsigned int cpu;
};

static void *run_thread(void *arg)
{
	struct runner *r = arg;
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;

	kbpf_posix_set_cpu(r->cpu);
	for (int i = 0; i < RUNS / 100; i++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)r->prog;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		a.test.repeat = 100;
		if (sys(BPF_PROG_TEST_RUN, &a) || a.test.retval)
			atomic_fetch_add(&run_errors, 1);
	}
	return NULL;
}

static void check_value(const uint32_t *v)
{
	if (v[2] != 2 * v[0] || v[1])
		atomic_fetch_add(&torn, 1);
}

struct user {
	long map;
	bool write;
};

/* BPF_F_LOCK lookups, batch lookups and (if @write) in-place updates. */
static void *user_thread(void *arg)
{
	struct user *u = arg;
	uint32_t key = 0, v[3], keys[4], vals[4][3], out, n = 0;
	union bpf_attr a;

	kbpf_posix_set_cpu(2);
	while (!atomic_load(&stop)) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)u->map;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)v;
		a.flags = BPF_F_LOCK;
		if (sys(BPF_MAP_LOOKUP_ELEM, &a) == 0)
			check_value(v);
		memset(&a, 0, sizeof(a));
		a.batch.map_fd = (uint32_t)u->map;
		a.batch.keys = (uint64_t)(uintptr_t)keys;
		a.batch.values = (uint64_t)(uintptr_t)vals;
		a.batch.out_batch = (uint64_t)(uintptr_t)&out;
		a.batch.count = 4;
		a.batch.elem_flags = BPF_F_LOCK;
		sys(BPF_MAP_LOOKUP_BATCH, &a);
		for (uint32_t i = 0; i < a.batch.count && i < 4; i++)
			if (keys[i] == 0)
				check_value(vals[i]);
		if (u->write && ++n % 16 == 0) {
			/* A consistent pair, with junk in the lock word. */
			v[0] = n;
			v[1] = 0xdeadbeef;
			v[2] = 2 * n;
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)u->map;
			a.key = (uint64_t)(uintptr_t)&key;
			a.value = (uint64_t)(uintptr_t)v;
			a.flags = BPF_F_LOCK | BPF_EXIST;
			if (sys(BPF_MAP_UPDATE_ELEM, &a))
				atomic_fetch_add(&run_errors, 1);
		}
	}
	return NULL;
}

static void stress(uint32_t type, bool write)
{
	long btf = lock_btf(), map, prog;
	uint32_t key, v[3];
	pthread_t t[3];
	struct runner r[2];
	struct user u;
	union bpf_attr a;

	T_ASSERT(btf >= 0);
	map = create(btf, type);
	T_ASSERT(map >= 0);
	for (key = 0; key < 4; key++) {
		memset(v, 0, sizeof(v));
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)map;
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)v;
		T_EQ(sys(BPF_MAP_UPDATE_ELEM, &a), 0);
	}
	prog = load_prog(map);
	T_ASSERT(prog >= 0);
	atomic_store(&stop, 0);
	atomic_store(&torn, 0);
	atomic_store(&run_errors, 0);
	u = (struct user){ .map = map, .write = write };
	T_EQ(pthread_create(&t[2], NULL, user_thread, &u), 0);
	for (int i = 0; i < 2; i++) {
		r[i] = (struct runner){ .prog = prog, .cpu = (unsigned int)i };
		T_EQ(pthread_create(&t[i], NULL, run_thread, &r[i]), 0);
	}
	pthread_join(t[0], NULL);
	pthread_join(t[1], NULL);
	atomic_store(&stop, 1);
	pthread_join(t[2], NULL);
	key = 0;
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)&key;
	a.value = (uint64_t)(uintptr_t)v;
	a.flags = BPF_F_LOCK;
	T_EQ(sys(BPF_MAP_LOOKUP_ELEM, &a), 0);
	T_EQ(atomic_load(&torn), 0);
	T_EQ(atomic_load(&run_errors), 0);
	T_EQ(v[2], 2 * v[0]);
	if (!write)
		T_EQ(v[0], 2 * RUNS);
	kbpf_posix_close((int)prog);
	kbpf_posix_close((int)map);
	kbpf_posix_close((int)btf);
}

KBPF_TEST(
	spin_lock_array_readers,
	"ARRAY: programs on two CPUs bump a pair under the lock while BPF_F_LOCK lookups and batches read it: never torn, the total exact")
{
	stress(BPF_MAP_TYPE_ARRAY, false);
}

KBPF_TEST(
	spin_lock_array_writers,
	"ARRAY: the same with BPF_F_LOCK updates of consistent pairs (junk in the lock word, which is never copied in): never torn")
{
	stress(BPF_MAP_TYPE_ARRAY, true);
}

KBPF_TEST(
	spin_lock_hash_readers,
	"HASH: programs bump a pair under the lock while BPF_F_LOCK lookups and bucket batches read it: never torn, the total exact")
{
	stress(BPF_MAP_TYPE_HASH, false);
}

KBPF_TEST(
	spin_lock_hash_writers,
	"HASH: the same with in-place BPF_F_LOCK|BPF_EXIST updates: never torn")
{
	stress(BPF_MAP_TYPE_HASH, true);
}
