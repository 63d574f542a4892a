// SPDX-License-Identifier: MIT
/*
 * The fd arrays under concurrency (run under TSan in CI): threads on their
 * own virtual CPUs read PROG_ARRAY slots as bpf_tail_call does and
 * ARRAY_OF_MAPS / HASH_OF_MAPS elements as a program's lookup does, while
 * another thread stores, replaces and deletes them through bpf(2).
 * Invariants: a reader sees nothing or a whole object (a program of the
 * owner's type, an inner map like the template), and nothing leaks once
 * the fds are closed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "core/map.h"
#include "core/prog.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "maps/prog_array.h"

#define READERS 3
#define ROUNDS 20000
#define SLOTS 4

enum { PA, AOM, HOM, NR_MAPS };

static struct kbpf_map *maps[NR_MAPS];
static atomic_int stop;
static atomic_long seen, bad;

static long sys(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static void *reader(void *arg)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint32_t k = 0;

	kbpf_posix_set_cpu((unsigned int)(uintptr_t)arg);
	while (!atomic_load(&stop)) {
		unsigned long st = h->read_lock(h);
		uint32_t key = k % SLOTS;
		struct kbpf_prog *p = kbpf_prog_array_get(maps[PA], key);
		struct kbpf_map *in;

		if (p &&
		    (p->type != BPF_PROG_TYPE_RAW_TRACEPOINT || !p->obj.id))
			atomic_fetch_add(&bad, 1);
		else if (p)
			atomic_fetch_add(&seen, 1);
		for (int m = AOM; m <= HOM; m++) {
			in = kbpf_map_lookup_elem(maps[m], &key);
			if (in && (in->map_type != BPF_MAP_TYPE_ARRAY ||
				   in->value_size != 8 || !in->obj.id))
				atomic_fetch_add(&bad, 1);
			else if (in)
				atomic_fetch_add(&seen, 1);
		}
		h->read_unlock(h, st);
		k++;
	}
	return NULL;
}

static long create(uint32_t type, uint32_t vs, long inner)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = vs;
	a.max_entries = SLOTS;
	a.inner_map_fd = inner < 0 ? 0 : (uint32_t)inner;
	return sys(BPF_MAP_CREATE, &a);
}

static long load_prog(int32_t ret)
{
	struct bpf_insn insns[2] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .imm = ret },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = 2;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return sys(BPF_PROG_LOAD, &a);
}

KBPF_TEST(
	fd_array_concurrent,
	"prog array and map-in-map reads on 3 CPUs while bpf(2) stores, replaces and deletes: whole objects only, nothing leaks")
{
	pthread_t t[READERS];
	long fd[NR_MAPS], objs[NR_MAPS][2], live;
	union bpf_attr a;

	kbpf_posix_set_nr_cpus(READERS + 1);
	if (kbpf_posix_host()->nr_cpus < READERS + 1)
		T_SKIP("needs %d possible CPUs", READERS + 1);
	live = kbpf_posix_live_allocs();
	for (int i = 0; i < 2; i++) {
		objs[PA][i] = load_prog(i);
		objs[AOM][i] = objs[HOM][i] = create(BPF_MAP_TYPE_ARRAY, 8, -1);
		T_ASSERT(objs[PA][i] >= 0 && objs[AOM][i] >= 0);
	}
	fd[PA] = create(BPF_MAP_TYPE_PROG_ARRAY, 4, -1);
	fd[AOM] = create(BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, objs[AOM][0]);
	fd[HOM] = create(BPF_MAP_TYPE_HASH_OF_MAPS, 4, objs[AOM][0]);
	for (int m = 0; m < NR_MAPS; m++) {
		T_ASSERT(fd[m] >= 0);
		maps[m] = kbpf_container_of(kbpf_posix_fd_obj((int)fd[m]),
					    struct kbpf_map, obj);
	}
	for (uintptr_t i = 0; i < READERS; i++)
		pthread_create(&t[i], NULL, reader, (void *)(i + 1));
	kbpf_posix_set_cpu(0);
	for (int r = 0; r < ROUNDS; r++) {
		uint32_t key = (uint32_t)(r * 7) % SLOTS, v;
		int m = r % NR_MAPS;
		long e;

		v = (uint32_t)objs[m][(r / NR_MAPS) % 2];
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd[m];
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&v;
		if (r % 5 == 4) {
			a.value = 0; /* past the command's last field */
			e = sys(BPF_MAP_DELETE_ELEM, &a);
			if (e != 0 && e != -ENOENT)
				T_FAIL("delete %u on map %d: %ld", key, m, e);
		} else {
			e = sys(BPF_MAP_UPDATE_ELEM, &a);
			T_EQ(e, 0);
		}
	}
	atomic_store(&stop, 1);
	for (int i = 0; i < READERS; i++)
		pthread_join(t[i], NULL);
	printf("  %ld objects seen whole\n", atomic_load(&seen));
	T_EQ(atomic_load(&bad), 0);
	for (int m = 0; m < NR_MAPS; m++) {
		kbpf_map_put(maps[m]);
		kbpf_posix_close((int)fd[m]);
	}
	for (int i = 0; i < 2; i++) {
		kbpf_posix_close((int)objs[PA][i]);
		kbpf_posix_close((int)objs[AOM][i]);
	}
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
}
