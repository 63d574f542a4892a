// SPDX-License-Identifier: MIT
/*
 * The batch commands on every map type kbpf has, against the kernel: which
 * types support which of BPF_MAP_{LOOKUP,LOOKUP_AND_DELETE,UPDATE,DELETE}
 * _BATCH, and what each returns (result, errno, count, keys and values
 * copied out) on a map holding a few elements, through the same attrs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "diff.h"
#include "kbpf_test.h"

struct type_case {
	const char *name;
	uint32_t type, ks, vs, max, flags;
	int inner; /* map-in-map: needs an inner map; values are map fds */
	int lpm; /* keys are LPM keys: prefixlen + 4 bytes */
};

static const struct type_case cases[] = {
	{ "array", BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, 0 },
	{ "percpu_array", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0, 0, 0 },
	{ "hash", BPF_MAP_TYPE_HASH, 4, 8, 4, 0, 0, 0 },
	{ "lru_hash", BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0, 0, 0 },
	{ "lpm_trie", BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC, 0, 1 },
	{ "array_of_maps", BPF_MAP_TYPE_ARRAY_OF_MAPS, 4, 4, 4, 0, 1, 0 },
	{ "hash_of_maps", BPF_MAP_TYPE_HASH_OF_MAPS, 4, 4, 4, 0, 1, 0 },
	{ "prog_array", BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0, 0, 0 },
	{ "perf_event_array", BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0, 0, 0 },
	{ "cgroup_array", BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0, 0, 0 },
	{ "devmap", BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0, 0, 0 },
	{ "devmap_hash", BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0, 0, 0 },
	{ "stack_trace", BPF_MAP_TYPE_STACK_TRACE, 4, 64, 4, 0, 0, 0 },
	{ "queue", BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0, 0, 0 },
	{ "stack", BPF_MAP_TYPE_STACK, 0, 8, 4, 0, 0, 0 },
	{ "bloom_filter", BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 4, 0, 0, 0 },
	{ "ringbuf", BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0, 0, 0 },
};

static const struct {
	int cmd;
	const char *name;
} cmds[] = {
	{ BPF_MAP_LOOKUP_BATCH, "lookup" },
	{ BPF_MAP_LOOKUP_AND_DELETE_BATCH, "lookup_and_delete" },
	{ BPF_MAP_UPDATE_BATCH, "update" },
	{ BPF_MAP_DELETE_BATCH, "delete" },
};

struct out {
	long ret;
	uint32_t count;
	uint8_t keys[64], values[64 * 64], batch[16];
};

static long create(int s, const struct type_case *c, long *inner)
{
	union bpf_attr a;

	*inner = -1;
	memset(&a, 0, sizeof(a));
	if (c->inner) {
		*inner =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0, NULL);
		if (*inner < 0)
			return *inner;
		a.inner_map_fd = (uint32_t)*inner;
	}
	a.map_type = c->type;
	a.key_size = c->ks;
	a.value_size = c->vs;
	a.max_entries = c->max;
	a.map_flags = c->flags;
	return side_bpf(s, BPF_MAP_CREATE, &a);
}

/* Fill key @i and its value for @c into @k and @v. */
static void elem(const struct type_case *c, long inner, uint32_t i, void *k,
		 void *v)
{
	memset(k, 0, 8);
	memset(v, 0, 64);
	if (c->lpm) {
		uint32_t plen = 32;

		memcpy(k, &plen, 4);
		((uint8_t *)k)[4] = 10;
		((uint8_t *)k)[7] = (uint8_t)i;
	} else {
		memcpy(k, &i, 4);
	}
	if (c->inner) {
		uint32_t fd = (uint32_t)inner;

		memcpy(v, &fd, 4);
	} else {
		uint64_t x = 100 + i;

		memcpy(v, &x, 8);
	}
}

static void run_batch(int s, int cmd, long fd, const struct type_case *c,
		      long inner, uint32_t count, int with_in, struct out *o)
{
	union bpf_attr a;

	memset(o, 0, sizeof(*o));
	if (cmd == BPF_MAP_UPDATE_BATCH || cmd == BPF_MAP_DELETE_BATCH) {
		uint32_t ks = c->ks ? c->ks : 4, vs = c->vs ? c->vs : 8;

		for (uint32_t i = 0; i < count && i < 4; i++) {
			uint8_t k[8], v[64];

			elem(c, inner, i, k, v);
			memcpy(o->keys + i * ks, k, ks);
			memcpy(o->values + i * vs, v, vs);
		}
	}
	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)fd;
	a.batch.keys = (uint64_t)(uintptr_t)o->keys;
	a.batch.values = (uint64_t)(uintptr_t)o->values;
	a.batch.count = count;
	a.batch.out_batch = (uint64_t)(uintptr_t)o->batch;
	if (with_in)
		a.batch.in_batch = (uint64_t)(uintptr_t)o->batch;
	o->ret = side_bpf(s, cmd, &a);
	o->count = a.batch.count;
}

KBPF_TEST(
	batch_commands_per_map_type_vs_kernel,
	"every batch command on every map type: support, result, errno, count and the keys and values copied out, as the kernel")
{
	int mismatches = 0, compared = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(cases); t++) {
		const struct type_case *c = &cases[t];

		for (size_t m = 0; m < KBPF_ARRAY_SIZE(cmds); m++) {
			long fd[2], inner[2];
			struct out o[2];

			for (int s = 0; s < 2; s++) {
				fd[s] = create(s, c, &inner[s]);
				T_ASSERT(fd[s] >= 0);
				/* Two elements where the type takes them. */
				for (uint32_t i = 0; i < 2 && c->ks; i++) {
					uint8_t k[8], v[64];

					elem(c, inner[s], i, k, v);
					(void)side_elem(s, BPF_MAP_UPDATE_ELEM,
							fd[s], k, v, 0);
				}
				run_batch(s, cmds[m].cmd, fd[s], c, inner[s], 4,
					  0, &o[s]);
			}
			compared++;
			if (o[0].ret != o[1].ret || o[0].count != o[1].count ||
			    (o[0].ret == 0 &&
			     cmds[m].cmd != BPF_MAP_UPDATE_BATCH &&
			     cmds[m].cmd != BPF_MAP_DELETE_BATCH &&
			     (memcmp(o[0].keys, o[1].keys, sizeof(o[0].keys)) ||
			      (!c->inner && memcmp(o[0].values, o[1].values,
						   sizeof(o[0].values)))))) {
				printf("  %s %s: kernel %s count %u, kbpf %s count %u\n",
				       c->name, cmds[m].name,
				       oracle_errno_name(o[0].ret), o[0].count,
				       oracle_errno_name(o[1].ret), o[1].count);
				mismatches++;
			}
			for (int s = 0; s < 2; s++) {
				side_close(s, fd[s]);
				side_close(s, inner[s]);
			}
		}
	}
	printf("  %d of %d (type, command) pairs differ\n", mismatches,
	       compared);
	T_EQ(mismatches, 0);
}
