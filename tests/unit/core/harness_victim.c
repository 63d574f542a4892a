// SPDX-License-Identifier: MIT
/*
 * Not a test of kbpf: the harness's own test (test_harness.sh runs it). The
 * first test leaks a map and leaves a kbpf fd and, where bpf(2) works, a
 * kernel map fd open; the harness must fail that test by name, clean up,
 * and let the next one find a clean host.
 */
#include <linux/bpf.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "core/map.h"
#include "kbpf/raw_tp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static long baseline_allocs = -1;
static struct kbpf_raw_tp tp = { .name = "harness_victim", .nargs = 1 };

static int kernel_array(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return (int)syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
}

static int posix_array(void)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	return kbpf_posix_bpf(BPF_MAP_CREATE, &a, sizeof(a));
}

KBPF_TEST(
	leaks,
	"leaks a map reference; leaves a kbpf fd, a kernel fd and a raw tracepoint")
{
	union bpf_attr a;
	struct kbpf_map *m;

	baseline_allocs = kbpf_posix_live_allocs();
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 4;
	T_EQ(kbpf_map_create(kbpf_posix_host(), &a, &m), 0);
	T_ASSERT(posix_array() >= 0);
	if (kernel_array() < 0)
		printf("  bpf(2) unavailable: no kernel fd left open\n");
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
	kbpf_posix_fail_alloc_after(0);
}

KBPF_TEST(
	after,
	"the next test finds the fds closed, the tracepoint gone, injection off")
{
	char path[64], target[64];
	ssize_t n;
	int fd;

	/* The fd left by the test before was closed: the next gets its number. */
	fd = posix_array();
	T_ASSERT(fd >= 0);
	T_EQ(kbpf_posix_close(fd), 0);
	for (fd = 0; fd < 1024; fd++) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = 0;
			T_ASSERT(strncmp(target, "anon_inode:bpf-map", 18));
		}
	}
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tp), 0);
	T_EQ(kbpf_raw_tp_unregister(&tp), 0);
	/* Only the leaked map's allocations remain. */
	T_ASSERT(baseline_allocs >= 0);
	T_ASSERT(kbpf_posix_live_allocs() > baseline_allocs);
}
