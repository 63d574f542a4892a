/* SPDX-License-Identifier: MIT */
/*
 * Differential helpers shared by the tests that compare kbpf with the
 * kernel: the same bpf(2) call built for the kernel (side 0) and for kbpf
 * (side 1), each with its own fd, returning the result or -errno; and
 * NEED_KERNEL(), which skips a test when this machine's bpf(2) is unusable.
 */
#ifndef KBPF_TEST_DIFF_H
#define KBPF_TEST_DIFF_H

#include <stdint.h>
#include <string.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_test.h"
#include "oracle.h"

/* In a test body: skip the test unless the kernel oracle works. */
#define NEED_KERNEL()                                      \
	do {                                               \
		const char *why_;                          \
		if (!oracle_available(&why_))              \
			T_SKIP("kernel oracle: %s", why_); \
	} while (0)

/* In a helper called by a test: skip the test (the caller returns). */
#define NEED_KERNEL_BODY()                                         \
	do {                                                       \
		const char *why_;                                  \
		if (!oracle_available(&why_)) {                    \
			kbpf_test_skip("kernel oracle: %s", why_); \
			return;                                    \
		}                                                  \
	} while (0)

#define SIDE_KERNEL 0
#define SIDE_KBPF 1

static inline long side_bpf(int side, int cmd, union bpf_attr *a)
{
	return side == SIDE_KERNEL ? oracle_kernel_bpf(cmd, a, sizeof(*a)) :
				     oracle_kbpf_bpf(cmd, a, sizeof(*a));
}

static inline void side_close(int side, long fd)
{
	if (fd < 0)
		return;
	if (side == SIDE_KERNEL)
		oracle_kernel_close((int)fd);
	else
		oracle_kbpf_close((int)fd);
}

/*
 * BPF_PROG_LOAD of @n instructions (licence "GPL") as @type with expected
 * attach type @eat on @side; with @log (@log_size bytes), a level-1 log
 * into it. Returns the fd or -errno.
 */
static inline long side_prog_load(int side, uint32_t type, uint32_t eat,
				  const struct bpf_insn *insns, uint32_t n,
				  char *log, uint32_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
		a.log_level = 1;
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static inline long side_create(int side, uint32_t type, uint32_t ks,
			       uint32_t vs, uint32_t max, uint32_t flags,
			       uint32_t numa, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.numa_node = numa;
	if (name)
		memcpy(a.map_name, name, strnlen(name, sizeof(a.map_name)));
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

static inline long side_elem(int side, int cmd, long fd, const void *key,
			     const void *value, uint64_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)value;
	a.flags = flags;
	return side_bpf(side, cmd, &a);
}

static inline long side_next_key(int side, long fd, const void *key, void *next)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uint64_t)(uintptr_t)key;
	a.next_key = (uint64_t)(uintptr_t)next;
	return side_bpf(side, BPF_MAP_GET_NEXT_KEY, &a);
}

static inline long side_freeze(int side, long fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	return side_bpf(side, BPF_MAP_FREEZE, &a);
}

static inline long side_info(int side, long fd, struct bpf_map_info *info,
			     uint32_t *len)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = *len;
	a.info.info = (uint64_t)(uintptr_t)info;
	r = side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a);
	*len = a.info.info_len;
	return r;
}

/* Both results agree: equal errno, or both succeeded (fds differ). */
static inline int same_result(long k, long m)
{
	return (k < 0 || m < 0) ? k == m : 1;
}

#endif /* KBPF_TEST_DIFF_H */
