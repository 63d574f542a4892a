// SPDX-License-Identifier: MIT
/*
 * Fields of struct bpf_map read through a map pointer (Linux's
 * check_ptr_to_map_access(), src/verifier/btf_ptr.c), against the kernel:
 * the same tc program, "r0 = *(size *)(map + off); exit", loaded on both
 * sides for maps of several types, flags and names, run with
 * BPF_PROG_TEST_RUN; kbpf returns what the kernel returns (the map id:
 * each side's own, from BPF_OBJ_GET_INFO_BY_FD). Offsets come from this
 * machine's kernel BTF, which kbpf gets as its host BTF. Also: the fields
 * kbpf does not keep are refused with -ENOTSUPP where the kernel loads.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#include "vinsn.h"

/* Byte offset of member @name of struct bpf_map in this kernel; -1. */
static int64_t map_member(const char *name)
{
	uint32_t sid = kbpf_btf_find(&vbtf, BTF_KIND_STRUCT, "bpf_map");
	const uint8_t *t = sid ? kbpf_btf_type(&vbtf, sid) : NULL;

	for (uint32_t i = 0; t && i < kbpf_btf_vlen(&vbtf, t); i++) {
		const char *mn =
			kbpf_btf_name(&vbtf, kbpf_btf_vrec(&vbtf, t, i));

		if (mn && !strcmp(mn, name))
			return kbpf_btf_member_bit_off(&vbtf, t, i) / 8;
	}
	return -1;
}

struct mspec {
	uint32_t type, ks, vs, max, flags, numa;
	uint64_t extra;
	const char *name;
};

static const struct mspec maps_spec[] = {
	{ BPF_MAP_TYPE_ARRAY, 4, 8, 10, 0, 0, 0, "arr_fields" },
	{ BPF_MAP_TYPE_HASH, 8, 16, 33, BPF_F_NO_PREALLOC | BPF_F_ZERO_SEED, 0,
	  0, "h" },
	{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 4, 3, BPF_F_RDONLY, 0, 0, NULL },
	{ BPF_MAP_TYPE_LRU_HASH, 4, 4, 64, BPF_F_NUMA_NODE, 0, 0, "lru" },
	{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, 0, "rb" },
	{ BPF_MAP_TYPE_QUEUE, 0, 4, 7, 0, 0, 0, "q" },
	{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 4, 10, 0, 0, 3, "bloom" },
	{ BPF_MAP_TYPE_LPM_TRIE, 8, 4, 16, BPF_F_NO_PREALLOC, 0, 0, "lpm" },
	{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 2, 0, 0, 0, "pa" },
	{ BPF_MAP_TYPE_ARRAY, 4, 4, 1, BPF_F_MMAPABLE, 0, 0,
	  "abcdefghijklmno" },
};
#define NR_SPEC (sizeof(maps_spec) / sizeof(maps_spec[0]))

/* A read: member, byte offset in it, size (BPF_W...), right shift. */
struct mread {
	const char *member;
	int16_t at;
	uint8_t size;
	uint8_t shift;
};

static const struct mread reads[] = {
	{ "map_type", 0, BPF_W, 0 },
	{ "key_size", 0, BPF_W, 0 },
	{ "value_size", 0, BPF_W, 0 },
	{ "max_entries", 0, BPF_W, 0 },
	{ "max_entries", 0, BPF_B, 0 },
	{ "max_entries", 1, BPF_B, 0 },
	{ "max_entries", 0, BPF_H, 0 },
	{ "map_extra", 0, BPF_DW, 0 },
	{ "map_extra", 0, BPF_DW, 32 },
	{ "map_flags", 0, BPF_W, 0 },
	{ "numa_node", 0, BPF_W, 0 },
	{ "btf_key_type_id", 0, BPF_W, 0 },
	{ "btf_value_type_id", 0, BPF_W, 0 },
	{ "btf_vmlinux_value_type_id", 0, BPF_W, 0 },
	{ "name", 0, BPF_W, 0 },
	{ "name", 4, BPF_W, 0 },
	{ "name", 8, BPF_DW, 0 },
	{ "name", 8, BPF_DW, 32 },
	{ "id", 0, BPF_W, 0 },
};
#define NR_READS (sizeof(reads) / sizeof(reads[0]))

static long create(int side, const struct mspec *m)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = m->type;
	a.key_size = m->ks;
	a.value_size = m->vs;
	a.max_entries = m->max;
	a.map_flags = m->flags;
	a.numa_node = m->numa;
	a.map_extra = m->extra;
	if (m->name)
		memcpy(a.map_name, m->name, strlen(m->name));
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

/* Load "r0 = *(size *)(map + off) >> shift; exit" as tc and run it once. */
static long read_field(int side, long map, int16_t off, uint8_t size,
		       uint8_t shift, uint32_t *ret, char *log, uint32_t lsz)
{
	struct bpf_insn p[] = {
		LDMAP(1, 0),
		LDX(size, 0, 1, off),
		ALU(BPF_RSH, 0, shift),
		EXIT,
	};
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;
	long fd, r;

	p[0].imm = (int32_t)map;
	fd = side_prog_load(side, BPF_PROG_TYPE_SCHED_CLS, 0, p,
			    sizeof(p) / sizeof(p[0]), log, lsz);
	if (fd < 0)
		return fd;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = 1;
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	side_close(side, fd);
	return r;
}

static int setup(void)
{
	if (vmlinux_btf() || map_member("max_entries") < 0)
		return -1;
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	return 0;
}

static void teardown(void)
{
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
}

/* One pass over every map and read; the number of mismatches. */
static int compare_all(unsigned *compared, const char *mode)
{
	static char log[2][65536];
	int fails = 0;

	for (size_t i = 0; i < NR_SPEC; i++) {
		const struct mspec *m = &maps_spec[i];
		long fd[2];
		uint32_t id[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			struct bpf_map_info info;
			uint32_t len = sizeof(info);

			fd[s] = create(s, m);
			memset(&info, 0, sizeof(info));
			if (fd[s] >= 0 && !side_info(s, fd[s], &info, &len))
				id[s] = info.id;
		}
		if (fd[0] < 0 || fd[1] < 0) {
			printf("%s map %zu (type %u): create kernel %ld kbpf "
			       "%ld\n",
			       mode, i, m->type, fd[0], fd[1]);
			fails += fd[0] >= 0 || fd[1] >= 0 ? 1 : 0;
			side_close(0, fd[0]);
			side_close(1, fd[1]);
			continue;
		}
		for (size_t j = 0; j < NR_READS; j++) {
			const struct mread *r = &reads[j];
			int64_t off = map_member(r->member);
			uint32_t v[2] = { 0, 0 };
			long res[2];

			if (off < 0)
				continue; /* not in this kernel's bpf_map */
			for (int s = 0; s < 2; s++)
				res[s] = read_field(s, fd[s],
						    (int16_t)(off + r->at),
						    r->size, r->shift, &v[s],
						    log[s], sizeof(log[s]));
			/* the id is each side's own */
			if (!strcmp(r->member, "id") && res[0] == 0 &&
			    res[1] == 0 && v[0] == id[0] && v[1] == id[1])
				v[1] = v[0];
			if (res[0] != res[1] || v[0] != v[1]) {
				printf("%s map %zu (type %u) %s+%d size %#x >> "
				       "%u: kernel %ld/%#x kbpf %ld/%#x\n%s",
				       mode, i, m->type, r->member, r->at,
				       r->size, r->shift, res[0], v[0], res[1],
				       v[1], res[1] < 0 ? log[1] : "");
				fails++;
			}
			(*compared)++;
		}
		side_close(0, fd[0]);
		side_close(1, fd[1]);
	}
	return fails;
}

KBPF_TEST(
	map_fields_vs_kernel,
	"a tc program reading struct bpf_map's type, sizes, max_entries (whole and in parts), map_extra, flags, numa_node, BTF ids, name and id through a map pointer returns on kbpf what it returns on the kernel, for ten maps of nine types, interpreted and JIT-compiled")
{
	unsigned compared = 0;
	bool jit = kbpf_posix_jit_on();
	int fails;

	NEED_KERNEL();
	if (setup())
		T_SKIP("no kernel BTF with struct bpf_map on this machine");
	kbpf_posix_set_jit(false);
	fails = compare_all(&compared, "interp");
	kbpf_posix_set_jit(true);
	fails += compare_all(&compared, "jit");
	kbpf_posix_set_jit(jit);
	teardown();
	printf("map fields: %u reads compared, %d differ\n", compared, fails);
	T_EQ(fails, 0);
	T_ASSERT(compared >= NR_SPEC * (NR_READS - 1));
}

KBPF_TEST(
	map_fields_unkept_refused,
	"fields of the kernel's map structs kbpf does not keep (refcnt, frozen, a bpf_array field past struct bpf_map) load on the kernel but are refused by kbpf with -ENOTSUPP and a line saying so, never read as made-up values")
{
	static const struct {
		const char *member; /* of struct bpf_map; NULL: past it */
		uint8_t size;
	} cases[] = { { "refcnt", BPF_DW },
		      { "frozen", BPF_B },
		      { NULL, BPF_W } };
	static char log[65536];
	int64_t map_size;
	uint32_t sid;

	NEED_KERNEL();
	if (setup())
		T_SKIP("no kernel BTF with struct bpf_map on this machine");
	sid = kbpf_btf_find(&vbtf, BTF_KIND_STRUCT, "bpf_map");
	map_size = kbpf_btf_st(&vbtf, kbpf_btf_type(&vbtf, sid));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mspec m = { BPF_MAP_TYPE_ARRAY, 4, 4, 4, 0, 0, 0, NULL };
		int64_t off = cases[i].member ? map_member(cases[i].member) :
						map_size;
		long fd[2], r[2];
		uint32_t v;

		if (off < 0)
			continue;
		for (int s = 0; s < 2; s++)
			fd[s] = create(s, &m);
		if (fd[0] < 0 || fd[1] < 0) {
			teardown();
			T_FAIL("array create: kernel %ld kbpf %ld", fd[0],
			       fd[1]);
		}
		r[0] = read_field(SIDE_KERNEL, fd[0], (int16_t)off,
				  cases[i].size, 0, &v, NULL, 0);
		r[1] = read_field(SIDE_KBPF, fd[1], (int16_t)off, cases[i].size,
				  0, &v, log, sizeof(log));
		printf("%s: kernel %ld, kbpf %ld\n",
		       cases[i].member ? cases[i].member : "past bpf_map", r[0],
		       r[1]);
		if (r[0] != 0) {
			teardown();
			T_FAIL("the kernel refused %s: %ld",
			       cases[i].member ? cases[i].member :
						 "past bpf_map",
			       r[0]);
		}
		if (r[1] != -KBPF_ENOTSUPP || !strstr(log, "kbpf keeps")) {
			teardown();
			T_FAIL("kbpf gave %ld, log: %s", r[1], log);
		}
		side_close(0, fd[0]);
		side_close(1, fd[1]);
	}
	teardown();
}

KBPF_TEST(
	map_fields_need_btf,
	"without a host BTF kbpf refuses a map pointer read with Linux's -ENOTSUPP line for a kernel without CONFIG_DEBUG_INFO_BTF")
{
	static char log[4096];
	long fd = create(SIDE_KBPF, &maps_spec[0]);
	uint32_t v;

	T_ASSERT(fd >= 0);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	T_EQ(read_field(SIDE_KBPF, fd, 64, BPF_W, 0, &v, log, sizeof(log)),
	     -KBPF_ENOTSUPP);
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	T_ASSERT(strstr(
		log,
		"map_ptr access not supported without CONFIG_DEBUG_INFO_BTF"));
}

KBPF_TEST(
	map_fields_load_acquire_refused,
	"a load-acquire of a struct bpf_map field is refused with -ENOTSUPP (map field loads are rewritten to kbpf's own fields only as plain loads; an atomic one would read struct kbpf_map at Linux's offset)")
{
	static char log[65536];
	long map, fd;
	struct bpf_insn p[] = {
		LDMAP(1, 0),
		I(BPF_STX | BPF_ATOMIC | BPF_W, 0, 1, 0, BPF_LOAD_ACQ),
		EXIT,
	};

	if (setup())
		T_SKIP("no kernel BTF with struct bpf_map on this machine");
	map = create(SIDE_KBPF, &maps_spec[0]);
	if (map < 0) {
		teardown();
		T_FAIL("array create: %ld", map);
	}
	p[0].imm = (int32_t)map;
	p[2].off = (int16_t)map_member("max_entries");
	fd = side_prog_load(SIDE_KBPF, BPF_PROG_TYPE_SCHED_CLS, 0, p,
			    sizeof(p) / sizeof(p[0]), log, sizeof(log));
	side_close(SIDE_KBPF, map);
	teardown();
	if (fd >= 0) {
		side_close(SIDE_KBPF, fd);
		T_FAIL("kbpf loaded a load-acquire of a map field");
	}
	T_EQ(fd, -KBPF_ENOTSUPP);
	T_ASSERT(strstr(log, "load-acquire of a struct bpf_map field"));
}
