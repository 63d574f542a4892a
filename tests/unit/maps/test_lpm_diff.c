// SPDX-License-Identifier: MIT
/*
 * LPM_TRIE against the kernel: creation rules, and random sequences of
 * inserts (NOEXIST/EXIST/ANY), longest-prefix lookups, exact deletes and
 * full GET_NEXT_KEY walks, compared result by result and key by key. kbpf
 * builds Linux's trie shape, so even the post-order walk must match.
 */
#include <errno.h>
#include <stdlib.h>

#include "diff.h"
#include "kbpf_test.h"

KBPF_TEST(
	lpm_create_rules,
	"LPM_TRIE creation: key and value sizes, flags (NO_PREALLOC required) as the kernel")
{
	static const uint32_t sizes[][3] = {
		{ 8, 8, 16 },	       { 4, 8, 16 },	  { 5, 8, 16 },
		{ 260, 8, 16 },	       { 261, 8, 16 },	  { 8, 0, 16 },
		{ 8, 4194024, 1 },     { 8, 4194025, 1 }, { 8, 8, 0 },
		{ 8, 8, 0xffffffffu },
	};
	int cases = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		for (int bit = -1; bit < 20; bit++) {
			uint32_t fl = BPF_F_NO_PREALLOC |
				      (bit < 0 ? 0 : 1u << bit);
			long fd[2];

			if (bit == 0) /* NO_PREALLOC itself: try without */
				fl = 0;
			for (int s = 0; s < 2; s++)
				fd[s] = side_create(s, BPF_MAP_TYPE_LPM_TRIE,
						    sizes[i][0], sizes[i][1],
						    sizes[i][2], fl, 0, NULL);
			cases++;
			if (!same_result(fd[0], fd[1]))
				T_FAIL("ks %u vs %u max %u flags 0x%x: kernel %s kbpf %s",
				       sizes[i][0], sizes[i][1], sizes[i][2],
				       fl, oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	printf("  %d creation cases compared with the kernel\n", cases);
}

struct lkey {
	uint32_t prefixlen;
	uint8_t data[4];
};

/* Both sides' whole GET_NEXT_KEY walk, compared in order. */
static int same_walk(const long fd[2], int *n)
{
	struct lkey k[2], next[2];
	int first = 1;
	long r[2];

	*n = 0;
	for (int steps = 0; steps < 10000; steps++) {
		for (int s = 0; s < 2; s++)
			r[s] = side_next_key(s, fd[s], first ? NULL : &k[s],
					     &next[s]);
		if (r[0] != r[1] ||
		    (!r[0] && memcmp(&next[0], &next[1], sizeof(next[0]))))
			return 0;
		if (r[0])
			return 1;
		k[0] = next[0];
		k[1] = next[1];
		first = 0;
		(*n)++;
	}
	return 0;
}

KBPF_TEST(
	lpm_random_ops,
	"thousands of random LPM_TRIE inserts, longest-prefix lookups, deletes and post-order walks give the kernel's results, values and key order (fixed seed)")
{
	uint64_t seed = kbpf_test_seed() ^ 0x1d;
	int ops = 0, walks = 0;

	NEED_KERNEL();
	for (int round = 0; round < 4; round++) {
		uint32_t max = round == 3 ? 12 : 200;
		long fd[2], r[2];
		int n;

		for (int s = 0; s < 2; s++)
			fd[s] = side_create(s, BPF_MAP_TYPE_LPM_TRIE, 8, 8, max,
					    BPF_F_NO_PREALLOC, 0, NULL);
		T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
		for (int i = 0; i < 1500; i++) {
			uint64_t x = kbpf_test_rand(&seed);
			struct lkey k;
			uint64_t v = kbpf_test_rand(&seed), out[2] = { 0, 0 };
			int op = (int)(x % 10);

			/* Few distinct addresses, so prefixes nest and collide. */
			k.prefixlen =
				(uint32_t)(x >> 8) % 34; /* 33: too long */
			k.data[0] = 10;
			k.data[1] = (uint8_t)((x >> 16) % 3);
			k.data[2] = (uint8_t)((x >> 24) & 0xc3);
			k.data[3] = (uint8_t)(x >> 32);
			for (int s = 0; s < 2; s++) {
				if (op < 5)
					r[s] = side_elem(s, BPF_MAP_UPDATE_ELEM,
							 fd[s], &k, &v,
							 (x >> 40) % 4);
				else if (op < 7)
					r[s] = side_elem(s, BPF_MAP_DELETE_ELEM,
							 fd[s], &k, NULL, 0);
				else
					r[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM,
							 fd[s], &k, &out[s], 0);
			}
			ops++;
			if (r[0] != r[1] || out[0] != out[1])
				T_FAIL("round %d op #%d (%d, %u.%u.%u.%u/%u): kernel %s kbpf %s",
				       round, i, op, k.data[0], k.data[1],
				       k.data[2], k.data[3], k.prefixlen,
				       oracle_errno_name(r[0]),
				       oracle_errno_name(r[1]));
			if (i % 25 == 24) {
				walks++;
				if (!same_walk(fd, &n))
					T_FAIL("round %d after op #%d: walks differ",
					       round, i);
			}
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	printf("  %d operations and %d full walks compared with the kernel\n",
	       ops, walks);
}
