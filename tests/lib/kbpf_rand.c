// SPDX-License-Identifier: MIT
/*
 * kbpf_test_seed() and kbpf_test_rand() (kbpf_test.h) on their own,
 * without the harness's main(): the verifier's program generator
 * (tests/unit/verifier/vgen.c) is linked by bench/bench_verifier too and
 * must draw the same numbers there.
 */
#include <stdlib.h>

#include "kbpf_test.h"

uint64_t kbpf_test_seed(void)
{
	const char *s = getenv("KBPF_TEST_SEED");

	return s ? strtoull(s, NULL, 0) : 1;
}

uint64_t kbpf_test_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}
