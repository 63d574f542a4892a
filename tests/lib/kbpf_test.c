// SPDX-License-Identifier: MIT
/* The harness behind kbpf_test.h: registration, running, the summary line. */
#include <stdarg.h>
#include <stdlib.h>

#include "kbpf_test.h"

static struct kbpf_test *tests, **tests_tail = &tests;
static int cur_failed, cur_skipped;
static const struct kbpf_test *cur;

void kbpf_test_register(struct kbpf_test *t)
{
	*tests_tail = t;
	tests_tail = &t->next;
}

void kbpf_test_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	if (!cur_failed)
		printf("FAIL %s: %s\n", cur ? cur->name : "?",
		       cur ? cur->what : "");
	printf("  %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (KBPF_TEST_SEED=%llu)\n",
	       (unsigned long long)kbpf_test_seed());
	fflush(stdout);
	cur_failed = 1;
}

void kbpf_test_skip(const char *fmt, ...)
{
	va_list ap;

	printf("skip %s: ", cur ? cur->name : "?");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	cur_skipped = 1;
}

int kbpf_test_failed(void)
{
	return cur_failed;
}

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

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	struct kbpf_test *t;

	for (t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		cur = t;
		cur_failed = cur_skipped = 0;
		t->fn();
		if (cur_failed)
			failed++;
		else if (cur_skipped)
			skipped++;
		else {
			passed++;
			printf("ok   %s: %s\n", t->name, t->what);
		}
		fflush(stdout);
	}
	printf("%d passed, %d failed, %d skipped\n", passed, failed, skipped);
	return failed ? 1 : 0;
}
