// SPDX-License-Identifier: MIT
/*
 * Fuzz BPF_BTF_LOAD through kbpf_posix_bpf(): each input is a BTF blob as
 * user space hands it to bpf(2). The load must end (no hang), stay inside
 * the blob (ASan watches), and leak nothing. Properties checked:
 *  - the result does not depend on the log: with no log, with a large
 *    log and with a one-byte rolling log (which fails with -ENOSPC exactly
 *    when the large log had text) the answer is the same;
 *  - a level with no buffer (a size query) answers as the load without a
 *    log, and the object it loads is closed;
 *  - the log is NUL-terminated and btf_log_true_size is its length + 1;
 *  - a loaded object answers BPF_OBJ_GET_INFO_BY_FD with the same bytes
 *    and size, and BPF_MAP_CREATE with type ids taken from the input (every
 *    id up to the last type + 2) never crashes and gives 0 or an errno;
 *  - every allocation is freed once the fds are closed.
 *
 * Seeds (corpus/btf_load/): the blobs of corpus/btf/ that are
 * little-endian, and small hand-built ones.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char log_big[1 << 16];

static long bpf(int cmd, union bpf_attr *a)
{
	int r = kbpf_posix_bpf(cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static long load(const uint8_t *data, size_t size, uint32_t level, char *log,
		 uint32_t log_size, uint32_t *true_size)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)data;
	a.btf_size = (uint32_t)size;
	a.btf_log_level = level;
	a.btf_log_buf = (uint64_t)(uintptr_t)log;
	a.btf_log_size = log_size;
	a.btf_log_true_size = 0xdeadbeef;
	r = bpf(BPF_BTF_LOAD, &a);
	if (true_size)
		*true_size = a.btf_log_true_size;
	return r;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

/* Info, and maps of a few types with ids from the input. */
static void use(long fd, const uint8_t *data, size_t size)
{
	static uint8_t copy[1 << 16];
	struct bpf_btf_info info;
	union bpf_attr a;
	uint32_t ntypes, i;
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_LPM_TRIE,
					  BPF_MAP_TYPE_BLOOM_FILTER };

	memset(&info, 0, sizeof(info));
	info.btf = (uint64_t)(uintptr_t)copy;
	info.btf_size = sizeof(copy);
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (bpf(BPF_OBJ_GET_INFO_BY_FD, &a) || info.btf_size != size ||
	    (size <= sizeof(copy) && memcmp(copy, data, size)))
		abort();
	/* An upper bound of the ids: one per 12 bytes. */
	ntypes = (uint32_t)(size / 12) + 2;
	for (i = 0; i < 8; i++) {
		uint32_t k = (uint32_t)((data[i % size] + 3 * i) % ntypes);
		uint32_t v = (uint32_t)((data[(i + 5) % size] + i) % ntypes);
		long m;

		memset(&a, 0, sizeof(a));
		a.map_type = types[i % 4];
		a.key_size = a.map_type == BPF_MAP_TYPE_BLOOM_FILTER ?
				     0 :
				     (size > 8 ? rd32(data + 4) % 16 + 1 : 4);
		a.value_size = size > 12 ? rd32(data + 8) % 64 + 1 : 4;
		a.max_entries = 2;
		if (a.map_type == BPF_MAP_TYPE_LPM_TRIE)
			a.map_flags = BPF_F_NO_PREALLOC;
		a.btf_fd = (uint32_t)fd;
		a.btf_key_type_id = i & 1 ? 0 : k;
		a.btf_value_type_id = v;
		m = bpf(BPF_MAP_CREATE, &a);
		if (m >= 0)
			kbpf_posix_close((int)m);
		else if (m != -EINVAL && m != -E2BIG && m != -524 &&
			 m != -ENOMEM)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	uint32_t ts_big, ts_tiny, ts_none;
	char tiny[1] = { 0 };
	long r0, r1, r2, r3;

	if (baseline < 0)
		baseline = kbpf_posix_live_allocs();
	if (!size)
		return 0;
	r0 = load(data, size, 0, NULL, 0, NULL);
	r1 = load(data, size, 1, log_big, sizeof(log_big), &ts_big);
	r2 = load(data, size, 1, tiny, sizeof(tiny), &ts_tiny);
	if (r1 >= 0)
		kbpf_posix_close((int)r1);
	if (r2 >= 0)
		kbpf_posix_close((int)r2);
	/* The log must not change the answer (past its own -ENOSPC). */
	if (r1 != -ENOSPC && (r0 >= 0) != (r1 >= 0))
		abort();
	if (r0 < 0 && r1 < 0 && r1 != -ENOSPC && r0 != r1)
		abort();
	if (memchr(log_big, 0, sizeof(log_big)) == NULL)
		abort();
	if (r1 != -ENOSPC && ts_big && ts_big != strlen(log_big) + 1)
		abort();
	/* One byte holds only the NUL: any text makes it -ENOSPC. */
	if (ts_big > 1 && r2 != -ENOSPC)
		abort();
	if (tiny[0])
		abort();
	/* A level without a buffer reports the same true size, and (as Linux
	 * since 6.4) loads: the object it returns is closed here. */
	r3 = load(data, size, 1, NULL, 0, &ts_none);
	if (r3 >= 0)
		kbpf_posix_close((int)r3);
	if (r1 != -ENOSPC && ts_none != ts_big)
		abort();
	if ((r3 >= 0) != (r0 >= 0) || (r3 < 0 && r3 != r0))
		abort();
	if (r0 >= 0) {
		use(r0, data, size);
		kbpf_posix_close((int)r0);
	}
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr, "leak: %ld live allocations, baseline %ld\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
