// SPDX-License-Identifier: MIT
/*
 * DEVMAP and DEVMAP_HASH against the kernel: creation rules, element rules
 * with this machine's loopback device (ifindex 1), DEVMAP_HASH's iteration
 * order, and bpf_redirect_map's verdicts from XDP programs run by
 * BPF_PROG_TEST_RUN: redirect for an entry, the fallback action in the
 * flags for a missing one, aborted for bad flags.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/compiler.h"
#include "diff.h"
#include "kbpf_test.h"
#include "insn.h"

static const uint32_t types[2] = { BPF_MAP_TYPE_DEVMAP,
				   BPF_MAP_TYPE_DEVMAP_HASH };

KBPF_TEST(devmap_create_vs_kernel,
	  "DEVMAP and DEVMAP_HASH creation rules as the kernel's")
{
	static const struct {
		uint32_t ks, vs, max, flags;
	} cases[] = {
		{ 4, 4, 4, 0 },
		{ 4, 8, 4, 0 },
		{ 4, 12, 4, 0 },
		{ 4, 0, 4, 0 },
		{ 8, 4, 4, 0 },
		{ 4, 4, 0, 0 },
		{ 4, 4, 4, BPF_F_NO_PREALLOC },
		{ 4, 4, 4, BPF_F_RDONLY_PROG },
		{ 4, 4, 4, BPF_F_WRONLY_PROG },
		{ 4, 4, 4, BPF_F_RDONLY },
		{ 4, 4, 4, BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_RDONLY | BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_NUMA_NODE },
		{ 4, 4, 4, BPF_F_MMAPABLE },
		{ 4, 4, 4, BPF_F_ZERO_SEED },
		{ 4, 4, (1u << 31) + 1, 0 },
	};
	size_t i, t;

	NEED_KERNEL();
	for (t = 0; t < 2; t++) {
		for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
			long r[2];
			int s;

			/* Huge DEVMAPs allocate gigabytes: only the hash. */
			if (cases[i].max > 1u << 20 &&
			    types[t] == BPF_MAP_TYPE_DEVMAP)
				continue;
			for (s = 0; s < 2; s++)
				r[s] = side_create(s, types[t], cases[i].ks,
						   cases[i].vs, cases[i].max,
						   cases[i].flags, 0, NULL);
			if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
				T_FAIL("type %u key %u value %u max %u flags %#x: kernel %ld, kbpf %ld",
				       types[t], cases[i].ks, cases[i].vs,
				       cases[i].max, cases[i].flags, r[0],
				       r[1]);
			for (s = 0; s < 2; s++)
				side_close(s, r[s]);
		}
	}
}

/* r0 = bpf_redirect_map(map, key, flags) */
static long load_redirect(int side, long map, int32_t key, int32_t flags)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, key),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, flags),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_XDP;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run_xdp(int side, long prog)
{
	static uint8_t pkt[64], out[256];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return r ? r - 1000 : (long)(int32_t)a.test.retval;
}

KBPF_TEST(
	devmap_elems_vs_kernel,
	"DEVMAP/DEVMAP_HASH elements with the loopback device, iteration order, and bpf_redirect_map verdicts, as the kernel")
{
	uint32_t lo = if_nametoindex("lo");
	size_t t;
	int s, runs = 0;

	NEED_KERNEL();
	if (!lo)
		T_SKIP("no loopback device");
	for (t = 0; t < 2; t++) {
		long m[2], r[2];
		uint32_t vs;

		for (vs = 4; vs <= 8; vs += 4) {
			uint32_t k, v[2], out[2][2], nk[2];
			int32_t i;

			for (s = 0; s < 2; s++) {
				m[s] = side_create(s, types[t], 4, vs, 4, 0, 0,
						   NULL);
				T_ASSERT(m[s] >= 0);
			}
#define BOTH(expr)                                                           \
	do {                                                                 \
		for (s = 0; s < 2; s++)                                      \
			r[s] = (expr);                                       \
		if (r[0] != r[1])                                            \
			T_FAIL("type %u value %u: %s: kernel %ld, kbpf %ld", \
			       types[t], vs, #expr, r[0], r[1]);             \
	} while (0)
			k = 0;
			v[0] = lo;
			v[1] = 0;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v,
				       BPF_NOEXIST));
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v,
				       BPF_EXIST));
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 8));
			v[0] = 99999;
			k = 2;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			v[0] = 0;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			v[0] = lo;
			v[1] = 999; /* a program fd that is not open */
			if (vs == 8)
				BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k,
					       v, 0));
			v[1] = 0;
			k = 7; /* past max_entries: an array index, a hash key */
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			k = 5;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			k = 9;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			k = 13;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			k = 1;
			BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			/* Values back, and the keys in iteration order. */
			for (k = 0; k < 16; k++) {
				for (s = 0; s < 2; s++) {
					memset(out[s], 0x55, sizeof(out[s]));
					r[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM,
							 m[s], &k, out[s], 0);
				}
				if (r[0] != r[1] ||
				    (!r[0] && memcmp(out[0], out[1], vs)))
					T_FAIL("type %u value %u lookup %u: kernel %ld, kbpf %ld",
					       types[t], vs, k, r[0], r[1]);
			}
			for (s = 0; s < 2; s++)
				r[s] = side_next_key(s, m[s], NULL, &nk[s]);
			for (i = 0; i < 20 && !r[0] && !r[1]; i++) {
				T_EQ(nk[0], nk[1]);
				for (s = 0; s < 2; s++)
					r[s] = side_next_key(s, m[s], &nk[s],
							     &nk[s]);
			}
			T_EQ(r[0], r[1]);
			/* bpf_redirect_map: entry, missing key, bad flags. */
			{
				static const int32_t cases[][2] = {
					{ 0, 0 },   { 1, 2 },	   { 3, 2 },
					{ 3, 1 },   { 3, 0 },	   { 0, 8 },
					{ 3, 8 },   { 3, 16 | 2 }, { 0, 32 },
					{ 100, 3 },
				};
				size_t c;

				for (c = 0; c < KBPF_ARRAY_SIZE(cases); c++) {
					long p[2];

					for (s = 0; s < 2; s++) {
						p[s] = load_redirect(
							s, m[s], cases[c][0],
							cases[c][1]);
						T_ASSERT(p[s] >= 0);
					}
					BOTH(run_xdp(s, p[s]));
					for (s = 0; s < 2; s++)
						side_close(s, p[s]);
					runs++;
				}
			}
			k = 1;
			BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL,
				       0));
			BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL,
				       0));
			k = 100;
			BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL,
				       0));
			for (s = 0; s < 2; s++)
				side_close(s, m[s]);
		}
	}
	printf("  %d redirect_map runs equal to the kernel\n", runs);
}
