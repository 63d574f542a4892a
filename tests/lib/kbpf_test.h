/* SPDX-License-Identifier: MIT */
/*
 * A small test harness. Each test is one function with one line saying what
 * it proves:
 *
 *	KBPF_TEST(array_update_oob, "ARRAY update past max_entries gives -E2BIG")
 *	{
 *		T_EQ(kbpf_map_update_elem(m, &k, &v, 0), -KBPF_E2BIG);
 *	}
 *
 * The program runs every test (or those whose name contains argv[1]) and
 * ends with the line "N passed, N failed, N skipped". A failed assertion
 * ends its test and prints file, line, both values, and the seed.
 */
#ifndef KBPF_TEST_H
#define KBPF_TEST_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct kbpf_test {
	const char *name;
	const char *what;
	void (*fn)(void);
	struct kbpf_test *next;
};

void kbpf_test_register(struct kbpf_test *t);
/* Mark the running test failed (the T_ macros call it). */
void kbpf_test_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Mark the running test skipped with a reason; the test should return. */
void kbpf_test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Non-zero once the running test has failed. */
int kbpf_test_failed(void);
/* Seed for randomized tests: KBPF_TEST_SEED in the environment, else 1. */
uint64_t kbpf_test_seed(void);
/* Deterministic PRNG for tests (splitmix64 over the given state). */
uint64_t kbpf_test_rand(uint64_t *state);

#define KBPF_TEST(tname, twhat)                                              \
	static void kbpf_test_fn_##tname(void);                              \
	static struct kbpf_test kbpf_test_##tname = {                        \
		.name = #tname,                                              \
		.what = twhat,                                               \
		.fn = kbpf_test_fn_##tname,                                  \
	};                                                                   \
	__attribute__((constructor)) static void kbpf_test_reg_##tname(void) \
	{                                                                    \
		kbpf_test_register(&kbpf_test_##tname);                      \
	}                                                                    \
	static void kbpf_test_fn_##tname(void)

#define T_FAIL(...)                                              \
	do {                                                     \
		kbpf_test_fail(__FILE__, __LINE__, __VA_ARGS__); \
		return;                                          \
	} while (0)

#define T_ASSERT(cond)                                         \
	do {                                                   \
		if (!(cond))                                   \
			T_FAIL("assertion failed: %s", #cond); \
	} while (0)

#define T_EQ(a, b)                                                             \
	do {                                                                   \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);        \
		if (t_a_ != t_b_)                                              \
			T_FAIL("%s == %s: %lld (0x%llx) != %lld (0x%llx)", #a, \
			       #b, t_a_, (unsigned long long)t_a_, t_b_,       \
			       (unsigned long long)t_b_);                      \
	} while (0)

#define T_NE(a, b)                                                      \
	do {                                                            \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b); \
		if (t_a_ == t_b_)                                       \
			T_FAIL("%s != %s: both %lld", #a, #b, t_a_);    \
	} while (0)

#define T_MEMEQ(a, b, n)                                                       \
	do {                                                                   \
		if (memcmp((a), (b), (n)))                                     \
			T_FAIL("memory differs: %s vs %s (%zu bytes)", #a, #b, \
			       (size_t)(n));                                   \
	} while (0)

#define T_SKIP(...)                          \
	do {                                 \
		kbpf_test_skip(__VA_ARGS__); \
		return;                      \
	} while (0)

#endif /* KBPF_TEST_H */
