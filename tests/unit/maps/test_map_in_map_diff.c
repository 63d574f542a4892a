// SPDX-License-Identifier: MIT
/*
 * ARRAY_OF_MAPS against the kernel: creation with every kind of template
 * (inner_map_fd), element commands with compatible and incompatible inner
 * maps, ids read back, and a program that looks up an inner map and then
 * reads and writes through it, run on both sides as the slots change.
 */
#include <errno.h>
#include <stdlib.h>

#include "diff.h"
#include "kbpf_test.h"
#include "insn.h"

/* In a helper called by a test: skip the test (the caller returns). */

/* The outer type under test; hash outers get BPF_F_ZERO_SEED (order). */
static uint32_t outer_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;

static long create_outer(int side, uint32_t ks, uint32_t vs, uint32_t max,
			 uint32_t flags, long inner_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = outer_type;
	if (outer_type == BPF_MAP_TYPE_HASH_OF_MAPS)
		flags |= BPF_F_ZERO_SEED;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.inner_map_fd = (uint32_t)inner_fd;
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

static uint32_t map_id(int side, long fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	return side_info(side, fd, &info, &len) ? 0 : info.id;
}

static void aom_create_rules_body(void)
{
	static const struct {
		uint32_t type, ks, vs, max, flags;
	} templates[] = {
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, BPF_F_INNER_MAP },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_LRU_HASH, 8, 8, 4, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0 },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0 },
	};
	static const struct {
		uint32_t ks, vs, max, flags;
	} outer[] = {
		{ 4, 4, 8, 0 },
		{ 8, 4, 8, 0 },
		{ 4, 8, 8, 0 },
		{ 4, 4, 0, 0 },
		{ 4, 4, 8, BPF_F_RDONLY_PROG },
		{ 4, 4, 8, BPF_F_INNER_MAP },
		{ 4, 4, 8, BPF_F_NO_PREALLOC },
		{ 4, 4, 8, BPF_F_MMAPABLE },
		{ 4, 4, 8, BPF_F_RDONLY },
	};
	int cases = 0;

	NEED_KERNEL_BODY();
	for (size_t t = 0; t < sizeof(templates) / sizeof(templates[0]); t++) {
		long in[2], o[2], nested[2];

		for (int s = 0; s < 2; s++)
			in[s] = side_create(s, templates[t].type,
					    templates[t].ks, templates[t].vs,
					    templates[t].max,
					    templates[t].flags, 0, NULL);
		T_ASSERT(in[0] >= 0 && in[1] >= 0);
		for (size_t c = 0; c < sizeof(outer) / sizeof(outer[0]); c++) {
			for (int s = 0; s < 2; s++)
				o[s] = create_outer(s, outer[c].ks, outer[c].vs,
						    outer[c].max,
						    outer[c].flags, in[s]);
			cases++;
			if (!same_result(o[0], o[1]))
				T_FAIL("template %zu outer %zu: kernel %s kbpf %s",
				       t, c, oracle_errno_name(o[0]),
				       oracle_errno_name(o[1]));
			/* A map-in-map as a template: one level only. */
			if (o[0] >= 0 && c == 0) {
				long n2[2];

				for (int s = 0; s < 2; s++)
					n2[s] = create_outer(s, 4, 4, 2, 0,
							     o[s]);
				cases++;
				if (!same_result(n2[0], n2[1]))
					T_FAIL("nested: kernel %s kbpf %s",
					       oracle_errno_name(n2[0]),
					       oracle_errno_name(n2[1]));
				for (int s = 0; s < 2; s++)
					side_close(s, n2[s]);
			}
			for (int s = 0; s < 2; s++)
				side_close(s, o[s]);
		}
		for (int s = 0; s < 2; s++)
			side_close(s, in[s]);
		(void)nested;
	}
	/* Templates that are not maps at all. */
	{
		long o[2];

		for (int s = 0; s < 2; s++)
			o[s] = create_outer(s, 4, 4, 8, 0, 9999);
		cases++;
		if (!same_result(o[0], o[1]))
			T_FAIL("bad fd: kernel %s kbpf %s",
			       oracle_errno_name(o[0]),
			       oracle_errno_name(o[1]));
		for (int s = 0; s < 2; s++)
			side_close(s, o[s]);
	}
	printf("  %d creation cases compared with the kernel\n", cases);
}

static void aom_element_rules_body(void)
{
	long tmpl[2], outer[2], inner[2][6], r[2];
	/* Inner candidates: same as template, other value size, other
	 * max_entries, other type, other flags, and the template itself. */
	static const struct {
		uint32_t type, vs, max, flags;
	} cand[] = {
		{ BPF_MAP_TYPE_ARRAY, 8, 4, 0 },
		{ BPF_MAP_TYPE_ARRAY, 16, 4, 0 },
		{ BPF_MAP_TYPE_ARRAY, 8, 5, 0 },
		{ BPF_MAP_TYPE_HASH, 8, 4, 0 },
		{ BPF_MAP_TYPE_ARRAY, 8, 4, BPF_F_RDONLY_PROG },
	};
	int cases = 0;

	NEED_KERNEL_BODY();
	for (int inner_map_flag = 0; inner_map_flag < 2; inner_map_flag++) {
		uint32_t tf = inner_map_flag ? BPF_F_INNER_MAP : 0;

		for (int s = 0; s < 2; s++) {
			tmpl[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4,
					      tf, 0, NULL);
			outer[s] = create_outer(s, 4, 4, 3, 0, tmpl[s]);
			T_ASSERT(tmpl[s] >= 0 && outer[s] >= 0);
			for (size_t c = 0; c < 5; c++)
				inner[s][c] = side_create(s, cand[c].type, 4,
							  cand[c].vs,
							  cand[c].max,
							  cand[c].flags | tf, 0,
							  NULL);
			inner[s][5] = tmpl[s];
		}
		for (size_t c = 0; c < 6; c++) {
			for (uint32_t k = 0; k < 4; k++) {
				for (uint64_t fl = 0; fl < 3; fl++) {
					uint32_t fd[2] = {
						(uint32_t)inner[0][c],
						(uint32_t)inner[1][c]
					};

					for (int s = 0; s < 2; s++)
						r[s] = side_elem(
							s, BPF_MAP_UPDATE_ELEM,
							outer[s], &k, &fd[s],
							fl);
					cases++;
					if (r[0] != r[1])
						T_FAIL("flag %d inner %zu key %u flags %llu: kernel %s kbpf %s",
						       inner_map_flag, c, k,
						       (unsigned long long)fl,
						       oracle_errno_name(r[0]),
						       oracle_errno_name(r[1]));
					if (r[0])
						continue;
					/* The id of what was stored comes back. */
					for (int s = 0; s < 2; s++) {
						uint32_t id = 0;

						T_EQ(side_elem(
							     s,
							     BPF_MAP_LOOKUP_ELEM,
							     outer[s], &k, &id,
							     0),
						     0);
						T_EQ(id,
						     map_id(s, inner[s][c]));
					}
				}
			}
		}
		/* Non-map fds, bad fds, delete, next key, lookup-and-delete. */
		{
			uint32_t k = 1, bad = 9999, notmap[2] = { 0, 0 }, id[2];

			for (int s = 0; s < 2; s++)
				r[s] = side_elem(s, BPF_MAP_UPDATE_ELEM,
						 outer[s], &k, &bad, 0);
			cases++;
			T_EQ(r[0], r[1]);
			for (int s = 0; s < 2; s++)
				r[s] = side_elem(s, BPF_MAP_UPDATE_ELEM,
						 outer[s], &k, &notmap[s], 0);
			cases++;
			T_EQ(r[0], r[1]);
			for (uint32_t key = 0; key < 4; key++) {
				for (int cmd = 0; cmd < 4; cmd++) {
					static const int cmds[] = {
						BPF_MAP_DELETE_ELEM,
						BPF_MAP_LOOKUP_ELEM,
						BPF_MAP_GET_NEXT_KEY,
						BPF_MAP_LOOKUP_AND_DELETE_ELEM
					};

					for (int s = 0; s < 2; s++) {
						id[s] = 0xffffffff;
						r[s] = cmds[cmd] == BPF_MAP_GET_NEXT_KEY ?
							       side_next_key(
								       s,
								       outer[s],
								       &key,
								       &id[s]) :
							       side_elem(
								       s,
								       cmds[cmd],
								       outer[s],
								       &key,
								       &id[s],
								       0);
					}
					cases++;
					if (r[0] != r[1])
						T_FAIL("key %u cmd %d: kernel %s kbpf %s",
						       key, cmds[cmd],
						       oracle_errno_name(r[0]),
						       oracle_errno_name(r[1]));
				}
			}
		}
		for (int s = 0; s < 2; s++) {
			side_close(s, outer[s]);
			for (size_t c = 0; c < 6; c++)
				side_close(s, inner[s][c]);
		}
	}
	printf("  %d element cases compared with the kernel\n", cases);
}

/*
 * ctx = { u32 outer index, u32 increment }: look up the inner map at the
 * index (none: 1000), its element 0 (none: 2000), add the increment to it
 * through the pointer and return the new value.
 */
static long load_prog(int side, long outer_fd)
{
	struct bpf_insn p[40];
	union bpf_attr a;
	int n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 0, 0);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 2, -4, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)outer_fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 13, 0); /* -> 1000 */
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -8, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 7, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 8, 0); /* -> 2000 */
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 1, 0, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 2, 6, 4, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_X, 1, 2, 0, 0);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 0, 1, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 1, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1000);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 2000);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run_prog(int side, long fd, uint32_t idx, uint32_t inc,
		     uint32_t *ret)
{
	uint32_t ctx[2] = { idx, inc };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = sizeof(ctx);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

static void aom_program_path_body(void)
{
	long inner[2][3], outer[2], prog[2];
	uint64_t seed = kbpf_test_seed() ^ 0x77;
	int runs = 0;

	NEED_KERNEL_BODY();
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < 3; i++)
			inner[s][i] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4,
						  1, 0, 0, NULL);
		outer[s] = create_outer(s, 4, 4, 4, 0, inner[s][0]);
		T_ASSERT(outer[s] >= 0);
		prog[s] = load_prog(s, outer[s]);
		if (prog[s] < 0)
			T_FAIL("side %d: load %s", s,
			       oracle_errno_name(prog[s]));
	}
	for (int i = 0; i < 600; i++) {
		uint64_t x = kbpf_test_rand(&seed);
		uint32_t slot = (uint32_t)(x % 5),
			 which = (uint32_t)(x >> 8) % 4;
		uint32_t ret[2];
		long r[2];

		if ((x >> 16) % 4 == 0) { /* change a slot */
			for (int s = 0; s < 2; s++) {
				uint32_t fd =
					which < 3 ? (uint32_t)inner[s][which] :
						    0;

				r[s] = which < 3 ?
					       side_elem(s, BPF_MAP_UPDATE_ELEM,
							 outer[s], &slot, &fd,
							 0) :
					       side_elem(s, BPF_MAP_DELETE_ELEM,
							 outer[s], &slot, NULL,
							 0);
			}
			T_EQ(r[0], r[1]);
			continue;
		}
		for (int s = 0; s < 2; s++)
			r[s] = run_prog(s, prog[s], slot, (uint32_t)(x >> 32),
					&ret[s]);
		runs++;
		if (r[0] || r[1] || ret[0] != ret[1])
			T_FAIL("run %d slot %u: kernel %ld/%u kbpf %ld/%u", i,
			       slot, r[0], ret[0], r[1], ret[1]);
	}
	/* The inner maps hold what the programs wrote. */
	for (int i = 0; i < 3; i++) {
		uint32_t k = 0, v[2] = { 1, 2 };

		for (int s = 0; s < 2; s++)
			T_EQ(side_elem(s, BPF_MAP_LOOKUP_ELEM, inner[s][i], &k,
				       &v[s], 0),
			     0);
		T_EQ(v[0], v[1]);
	}
	for (int s = 0; s < 2; s++) {
		side_close(s, prog[s]);
		side_close(s, outer[s]);
		for (int i = 0; i < 3; i++)
			side_close(s, inner[s][i]);
	}
	printf("  %d program runs compared with the kernel\n", runs);
}

KBPF_TEST(
	aom_create_rules,
	"ARRAY_OF_MAPS creation: sizes, flags and every kind of template give the kernel's errno (ARRAY_OF_MAPS and HASH_OF_MAPS)")
{
	outer_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	aom_create_rules_body();
	if (kbpf_test_failed())
		return;
	outer_type = BPF_MAP_TYPE_HASH_OF_MAPS;
	aom_create_rules_body();
}

KBPF_TEST(
	aom_element_rules,
	"ARRAY_OF_MAPS elements: map fds in (compatible or not), ids out, delete, next key, flags and bounds as the kernel (ARRAY_OF_MAPS and HASH_OF_MAPS)")
{
	outer_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	aom_element_rules_body();
	if (kbpf_test_failed())
		return;
	outer_type = BPF_MAP_TYPE_HASH_OF_MAPS;
	aom_element_rules_body();
}

KBPF_TEST(
	aom_program_path,
	"a program looks up an inner map and updates its value through the pointer; results follow slot changes as in the kernel (ARRAY_OF_MAPS and HASH_OF_MAPS)")
{
	outer_type = BPF_MAP_TYPE_ARRAY_OF_MAPS;
	aom_program_path_body();
	if (kbpf_test_failed())
		return;
	outer_type = BPF_MAP_TYPE_HASH_OF_MAPS;
	aom_program_path_body();
}
