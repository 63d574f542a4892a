// SPDX-License-Identifier: MIT
/* The harness behind kbpf_test.h: registration, running, the summary line. */
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "kbpf/raw_tp.h"
#include "kbpf_posix.h"
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

/*
 * Each test gets a clean host: what it left behind is closed after it, and
 * what it leaked is its own failure, so one failing test cannot break the
 * next. The state is the POSIX host's (kbpf fds and the objects behind them,
 * fault injection, the CPU of the main thread) and the kernel objects of the
 * differential side.
 */
#define MAX_FD 4096

#define MAX_TPS 64

struct host_state {
	long allocs, bytes, pages;
	unsigned char fd_open[MAX_FD / 8];
	const struct kbpf_raw_tp *tps[MAX_TPS]; /* registered raw tracepoints */
	size_t nr_tps;
};

static void tp_scan(struct host_state *s)
{
	const struct kbpf_raw_tp *tp = kbpf_posix_raw_tps()->head;

	for (s->nr_tps = 0; tp && s->nr_tps < MAX_TPS; tp = tp->next)
		s->tps[s->nr_tps++] = tp;
}

/*
 * Unregister the raw tracepoints the test registered (often on its stack:
 * left registered they would be reached after the test returned); return
 * how many.
 */
static int tp_clean(const struct host_state *before)
{
	struct kbpf_raw_tp *tp;
	int n = 0;

again:
	for (tp = kbpf_posix_raw_tps()->head; tp; tp = tp->next) {
		size_t i = 0;

		while (i < before->nr_tps && before->tps[i] != tp)
			i++;
		if (i == before->nr_tps) {
			kbpf_raw_tp_unregister(tp);
			n++;
			goto again;
		}
	}
	return n;
}

static void fd_scan(unsigned char *open_set)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	memset(open_set, 0, MAX_FD / 8);
	if (!d)
		return;
	while ((e = readdir(d))) {
		long fd = strtol(e->d_name, NULL, 10);

		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd >= 0 &&
		    fd < MAX_FD && fd != dirfd(d))
			open_set[fd / 8] |= (unsigned char)(1u << (fd % 8));
	}
	closedir(d);
}

static void host_snapshot(struct host_state *s)
{
	s->allocs = kbpf_posix_live_allocs(); /* waits for deferred frees */
	s->bytes = kbpf_posix_live_bytes();
	s->pages = kbpf_posix_live_pages();
	fd_scan(s->fd_open);
	tp_scan(s);
}

/*
 * A kernel object of the differential side: a BPF map, program, link or
 * BTF, or a perf event (a probe left attached would count the next test's
 * hits). Other fds (the host's page memfd, libc's) are not the test's.
 */
static int kernel_bpf_fd(int fd)
{
	char path[32], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	return !strncmp(target, "anon_inode:bpf", 14) ||
	       !strcmp(target, "anon_inode:[perf_event]");
}

/*
 * Close what the test left open, unregister its tracepoints and undo its
 * fault injection; return the number of tracepoints it left registered.
 */
static int host_clean(const struct host_state *before)
{
	unsigned char now[MAX_FD / 8];
	int tps;

	kbpf_posix_fail_alloc_after(-1);
	kbpf_posix_fail_user_copy_after(-1);
	kbpf_posix_interrupt_after(-1);
	kbpf_posix_set_unprivileged_bpf_disabled(-1);
	kbpf_posix_set_cpu(0);
	kbpf_posix_reset();
	fd_scan(now);
	for (int fd = 0; fd < MAX_FD; fd++) {
		unsigned char bit = (unsigned char)(1u << (fd % 8));

		if ((now[fd / 8] & bit) && !(before->fd_open[fd / 8] & bit) &&
		    kernel_bpf_fd(fd))
			close(fd);
	}
	tps = tp_clean(before);
	kbpf_posix_rcu_barrier();
	return tps;
}

/*
 * A leak is the running test's failure, named by what is left. Fds the
 * test left open were closed above: a test may leave cleaning to the
 * harness, but what closing cannot free is lost.
 */
static void host_check(const struct host_state *before, int tps)
{
	struct host_state after;

	host_snapshot(&after);
	if (tps && !cur_failed)
		kbpf_test_fail(__FILE__, __LINE__,
			       "left %d raw tracepoints registered", tps);
	if (after.allocs != before->allocs || after.bytes != before->bytes ||
	    after.pages != before->pages)
		kbpf_test_fail(__FILE__, __LINE__,
			       "leaked %ld allocations (%ld bytes), %ld pages",
			       after.allocs - before->allocs,
			       after.bytes - before->bytes,
			       after.pages - before->pages);
}

int main(int argc, char **argv)
{
	int passed = 0, failed = 0, skipped = 0;
	struct kbpf_test *t;

	for (t = tests; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		struct host_state before;

		cur = t;
		cur_failed = cur_skipped = 0;
		host_snapshot(&before);
		t->fn();
		host_check(&before, host_clean(&before));
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
	fflush(stdout); /* before LeakSanitizer's exit-time report ends us */
	return failed ? 1 : 0;
}
