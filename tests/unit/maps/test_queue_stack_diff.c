// SPDX-License-Identifier: MIT
/*
 * QUEUE and STACK against the kernel: creation rules, the push/pop/peek
 * rules through UPDATE/LOOKUP_AND_DELETE/LOOKUP with NULL keys, and random
 * sequences compared result by result and byte by byte (fixed seed).
 */
#include <errno.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static const uint32_t qs_types[] = { BPF_MAP_TYPE_QUEUE, BPF_MAP_TYPE_STACK };

KBPF_TEST(
	queue_stack_create_rules,
	"QUEUE/STACK creation gives the kernel's errno for sizes and every flag bit")
{
	static const uint32_t sizes[][3] = {
		{ 0, 8, 4 }, { 4, 8, 4 },	{ 0, 0, 4 },
		{ 0, 8, 0 }, { 0, 4194304, 1 }, { 0, 4194305, 1 },
	};
	int n = 0;

	NEED_KERNEL();
	for (int t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			long k = side_create(SIDE_KERNEL, qs_types[t],
					     sizes[i][0], sizes[i][1],
					     sizes[i][2], 0, 0, NULL);
			long m = side_create(SIDE_KBPF, qs_types[t],
					     sizes[i][0], sizes[i][1],
					     sizes[i][2], 0, 0, NULL);

			n++;
			if (!same_result(k, m))
				T_FAIL("type %u size case %zu: kernel %s kbpf %s",
				       qs_types[t], i, oracle_errno_name(k),
				       oracle_errno_name(m));
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, m);
		}
		for (int bit = 0; bit < 32; bit++) {
			long k = side_create(SIDE_KERNEL, qs_types[t], 0, 8, 4,
					     1u << bit, 0, NULL);
			long m = side_create(SIDE_KBPF, qs_types[t], 0, 8, 4,
					     1u << bit, 0, NULL);

			n++;
			if (!same_result(k, m))
				T_FAIL("type %u flag bit %d: kernel %s kbpf %s",
				       qs_types[t], bit, oracle_errno_name(k),
				       oracle_errno_name(m));
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, m);
		}
	}
	printf("  %d creation cases compared with the kernel\n", n);
}

KBPF_TEST(
	queue_stack_random_ops,
	"random push/pop/peek/key/flag sequences on QUEUE and STACK give the kernel's results and bytes")
{
	uint64_t seed = kbpf_test_seed() + 99;
	int ops = 0;

	NEED_KERNEL();
	for (int t = 0; t < 2; t++) {
		static const uint32_t vsizes[] = { 1, 5, 8, 24 };

		for (size_t v = 0; v < 4; v++) {
			long fd[2], r[2] = { 0, 0 };
			uint8_t vin[64], vout[2][64];
			uint32_t key = 0;

			for (int s = 0; s < 2; s++)
				fd[s] = side_create(s, qs_types[t], 0,
						    vsizes[v], 5, 0, 0, NULL);
			T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
			for (int i = 0; i < 600; i++, ops++) {
				uint64_t x = kbpf_test_rand(&seed);
				static const uint64_t fl[] = { 0, 0, 0, 1, 2,
							       2, 3, 4, 8 };
				uint64_t flags = fl[(x >> 8) % 9];
				int op = (int)(x % 6);
				const void *k = (x >> 20) % 16 ? NULL : &key;

				for (size_t b = 0; b < sizeof(vin); b++)
					vin[b] = (uint8_t)kbpf_test_rand(&seed);
				memset(vout, 0x77, sizeof(vout));
				for (int s = 0; s < 2; s++) {
					switch (op) {
					case 0:
					case 1:
						r[s] = side_elem(
							s, BPF_MAP_UPDATE_ELEM,
							fd[s], k, vin, flags);
						break;
					case 2:
						r[s] = side_elem(
							s, BPF_MAP_LOOKUP_ELEM,
							fd[s], k, vout[s],
							flags & 4);
						break;
					case 3:
						r[s] = side_elem(
							s,
							BPF_MAP_LOOKUP_AND_DELETE_ELEM,
							fd[s], k, vout[s],
							flags & 5);
						break;
					case 4:
						r[s] = side_elem(
							s, BPF_MAP_DELETE_ELEM,
							fd[s], k, NULL, 0);
						break;
					default:
						r[s] = side_next_key(
							s, fd[s], k, vout[s]);
						break;
					}
				}
				if (!same_result(r[0], r[1]) ||
				    memcmp(vout[0], vout[1], sizeof(vout[0])))
					T_FAIL("type %u vs %u op %d flags %llu key %s (#%d): kernel %s kbpf %s%s",
					       qs_types[t], vsizes[v], op,
					       (unsigned long long)flags,
					       k ? "set" : "NULL", i,
					       oracle_errno_name(r[0]),
					       oracle_errno_name(r[1]),
					       memcmp(vout[0], vout[1],
						      sizeof(vout[0])) ?
						       ", bytes differ" :
						       "");
			}
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	}
	printf("  %d random operations compared with the kernel\n", ops);
}
