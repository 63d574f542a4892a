// SPDX-License-Identifier: MIT
/*
 * BLOOM_FILTER against the kernel: creation rules (map_extra, sizes,
 * flags), element commands, and with BPF_F_ZERO_SEED thousands of pushes
 * and peeks that must agree exactly, false positives included: kbpf sizes
 * the bit array and hashes as Linux does.
 */
#include <errno.h>
#include <stdlib.h>

#include "diff.h"
#include "kbpf_test.h"

static long create(int side, uint32_t vs, uint32_t max, uint32_t flags,
		   uint64_t extra, uint32_t ks)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_BLOOM_FILTER;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.map_extra = extra;
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

KBPF_TEST(
	bloom_create_rules,
	"BLOOM_FILTER creation: key/value sizes, max_entries, map_extra and flags as the kernel")
{
	static const struct {
		uint32_t ks, vs, max;
		uint64_t extra;
	} c[] = {
		{ 0, 8, 100, 0 },	  { 4, 8, 100, 0 },
		{ 0, 0, 100, 0 },	  { 0, 8, 0, 0 },
		{ 0, 8, 100, 15 },	  { 0, 8, 100, 16 },
		{ 0, 4194304, 1, 0 },	  { 0, 4194305, 1, 0 },
		{ 0, 8, 0xffffffffu, 3 }, { 0, 3, 7, 1 },
	};
	int cases = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++)
		for (int bit = -1; bit < 20; bit++) {
			uint32_t fl = bit < 0 ? 0 : 1u << bit;
			long fd[2];

			for (int s = 0; s < 2; s++)
				fd[s] = create(s, c[i].vs, c[i].max, fl,
					       c[i].extra, c[i].ks);
			cases++;
			if (!same_result(fd[0], fd[1]))
				T_FAIL("case %zu flags 0x%x: kernel %s kbpf %s",
				       i, fl, oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	printf("  %d creation cases compared with the kernel\n", cases);
}

KBPF_TEST(
	bloom_same_answers,
	"with a zero seed, pushes and peeks give the kernel's answers, false positives included; other commands give its errnos")
{
	static const uint32_t shapes[][3] = {
		/* value size, max_entries, hashes */
		{ 4, 64, 0 },
		{ 8, 200, 3 },
		{ 6, 30, 1 },
		{ 16, 1000, 7 },
	};
	uint64_t seed = kbpf_test_seed() ^ 0xb1;
	int probes = 0, positives = 0;

	NEED_KERNEL();
	for (size_t sh = 0; sh < 4; sh++) {
		uint32_t vs = shapes[sh][0];
		long fd[2], r[2];
		uint8_t v[16];

		for (int s = 0; s < 2; s++)
			fd[s] = create(s, vs, shapes[sh][1], BPF_F_ZERO_SEED,
				       shapes[sh][2], 0);
		T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
		for (int i = 0; i < 3000; i++) {
			uint64_t x = kbpf_test_rand(&seed);
			int push = (x & 3) == 0;

			for (uint32_t b = 0; b < vs; b++)
				v[b] = (uint8_t)kbpf_test_rand(&seed) % 8;
			for (int s = 0; s < 2; s++)
				r[s] = side_elem(s,
						 push ? BPF_MAP_UPDATE_ELEM :
							BPF_MAP_LOOKUP_ELEM,
						 fd[s], NULL, v,
						 push ? (x >> 8) % 3 : 0);
			if (!push) {
				probes++;
				positives += !r[0];
			}
			if (r[0] != r[1])
				T_FAIL("shape %zu step %d (%s): kernel %s kbpf %s",
				       sh, i, push ? "push" : "peek",
				       oracle_errno_name(r[0]),
				       oracle_errno_name(r[1]));
		}
		/* Delete, next key, lookup-and-delete, a key where none is. */
		{
			uint32_t k = 0, nk;

			for (int cmd = 0; cmd < 4; cmd++) {
				for (int s = 0; s < 2; s++)
					r[s] = cmd == 0 ?
						       side_elem(
							       s,
							       BPF_MAP_DELETE_ELEM,
							       fd[s], NULL,
							       NULL, 0) :
					       cmd == 1 ?
						       side_next_key(s, fd[s],
								     NULL,
								     &nk) :
					       cmd == 2 ?
						       side_elem(
							       s,
							       BPF_MAP_LOOKUP_AND_DELETE_ELEM,
							       fd[s], NULL, v,
							       0) :
						       side_elem(
							       s,
							       BPF_MAP_LOOKUP_ELEM,
							       fd[s], &k, v, 0);
				if (r[0] != r[1])
					T_FAIL("command %d: kernel %s kbpf %s",
					       cmd, oracle_errno_name(r[0]),
					       oracle_errno_name(r[1]));
			}
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	printf("  %d probes (%d positive) compared with the kernel\n", probes,
	       positives);
}
