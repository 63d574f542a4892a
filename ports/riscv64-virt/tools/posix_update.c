// SPDX-License-Identifier: MIT
/*
 * The port's map update measurement through the POSIX host, to compare:
 * the same hash map (4-byte keys, 8-byte values, 1024 entries, populated)
 * and the same BPF_MAP_UPDATE_ELEM calls, through kbpf_posix_bpf().
 * Usage: posix_update N   (N updates; tools/posix_update_cost.sh counts
 * the instructions of one with callgrind).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

static long call(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

int main(int argc, char **argv)
{
	unsigned int n = argc > 1 ? (unsigned int)atoi(argv[1]) : 1000;
	uint64_t val = 7;
	union bpf_attr a;
	long fd, err = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;
	fd = call(BPF_MAP_CREATE, &a);
	if (fd < 0)
		return 1;
	for (uint32_t k = 0; k < 1000 + n; k++) {
		uint32_t key = k % 1000;

		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uintptr_t)&key;
		a.value = (uintptr_t)&val;
		err |= call(BPF_MAP_UPDATE_ELEM, &a);
	}
	printf("%u updates: %s\n", n, err ? "failed" : "ok");
	return err != 0;
}
