// SPDX-License-Identifier: MIT
/*
 * HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH against the kernel:
 * identical bpf(2) calls on both sides, compared result by result and byte
 * by byte. With BPF_F_ZERO_SEED kbpf's jhash and bucket layout are the
 * kernel's, so GET_NEXT_KEY order and batch cursors must match exactly; the
 * LRU cases run pinned to CPU 0 on both sides, so the same keys must be
 * evicted. Without a usable bpf(2) these tests skip.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static const uint32_t hash_types[] = { BPF_MAP_TYPE_HASH,
				       BPF_MAP_TYPE_PERCPU_HASH,
				       BPF_MAP_TYPE_LRU_HASH,
				       BPF_MAP_TYPE_LRU_PERCPU_HASH };

static int is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static int is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Run on CPU 0 (kernel) and virtual CPU 0 (kbpf): LRU victims depend on it. */
static void pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	kbpf_posix_set_cpu(0);
}

static size_t sys_value_size(uint32_t type, uint32_t vs)
{
	return is_percpu(type) ?
		       ((vs + 7) / 8 * 8) * kbpf_posix_possible_cpus() :
		       vs;
}

/* Both maps' contents in GET_NEXT_KEY order, compared key and value. */
static int same_dump(const long fd[2], uint32_t type, uint32_t ks, uint32_t vs,
		     int *count)
{
	size_t svs = sys_value_size(type, vs);
	uint8_t key[2][64], next[2][64], val[2][4096];
	long r[2];
	int n = 0, first = 1;

	for (;;) {
		for (int s = 0; s < 2; s++)
			r[s] = side_next_key(s, fd[s], first ? NULL : key[s],
					     next[s]);
		if (r[0] != r[1] || (r[0] == 0 && memcmp(next[0], next[1], ks)))
			return 0;
		if (r[0])
			break;
		for (int s = 0; s < 2; s++) {
			memcpy(key[s], next[s], ks);
			memset(val[s], 0, svs);
			r[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], key[s],
					 val[s], 0);
		}
		if (r[0] != r[1] || memcmp(val[0], val[1], svs))
			return 0;
		first = 0;
		n++;
	}
	*count = n;
	return 1;
}

KBPF_TEST(
	hash_create_rules,
	"MAP_CREATE for the four hash types gives the kernel's errno for every flag bit and size case, and the kernel's bpf_map_info")
{
	static const struct {
		uint32_t ks, vs, max;
	} sizes[] = {
		{ 4, 8, 4 },	       { 0, 8, 4 },
		{ 4, 0, 4 },	       { 4, 8, 0 },
		{ 1, 1, 1 },	       { 65536, 8, 1 },
		{ 4, 32768, 1 },       { 4, 32769, 1 },
		{ 4194000, 256, 1 },   { 4194000, 255, 1 },
		{ 0xffffffffu, 8, 1 }, { 4, 8, (1u << 27) + 1 },
		{ 4, 8, 0x80000001u }, { 8, 16, 5 },
	};
	int cases = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < 4; t++) {
		uint32_t type = hash_types[t];

		for (int bit = -1; bit < 32; bit++) {
			uint32_t flags = bit < 0 ? 0 : 1u << bit;

			for (uint32_t numa = 0; numa < 2; numa++) {
				long fd[2];

				for (int s = 0; s < 2; s++)
					fd[s] = side_create(s, type, 4, 8, 5,
							    flags, numa, NULL);
				cases++;
				if (!same_result(fd[0], fd[1]))
					T_FAIL("type %u flags 0x%x numa %u: kernel %s kbpf %s",
					       type, flags, numa,
					       oracle_errno_name(fd[0]),
					       oracle_errno_name(fd[1]));
				if (fd[0] >= 0) {
					struct bpf_map_info info[2];
					uint32_t len[2] = { sizeof(info[0]),
							    sizeof(info[1]) };

					memset(info, 0, sizeof(info));
					for (int s = 0; s < 2; s++)
						side_info(s, fd[s], &info[s],
							  &len[s]);
					if (info[0].max_entries !=
						    info[1].max_entries ||
					    info[0].map_flags !=
						    info[1].map_flags ||
					    info[0].type != info[1].type)
						T_FAIL("type %u flags 0x%x: info max %u/%u flags 0x%x/0x%x",
						       type, flags,
						       info[0].max_entries,
						       info[1].max_entries,
						       info[0].map_flags,
						       info[1].map_flags);
				}
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
		}
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			for (int np = 0; np < 2; np++) {
				uint32_t fl = np ? BPF_F_NO_PREALLOC : 0;
				long fd[2];

				/* Big preallocations are the kernel's memory too. */
				if (sizes[i].max > (1u << 20) && !np)
					continue;
				for (int s = 0; s < 2; s++)
					fd[s] = side_create(s, type,
							    sizes[i].ks,
							    sizes[i].vs,
							    sizes[i].max, fl, 0,
							    NULL);
				cases++;
				if (!same_result(fd[0], fd[1]))
					T_FAIL("type %u ks %u vs %u max %u flags 0x%x: kernel %s kbpf %s",
					       type, sizes[i].ks, sizes[i].vs,
					       sizes[i].max, fl,
					       oracle_errno_name(fd[0]),
					       oracle_errno_name(fd[1]));
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
		}
	}
	printf("  %d creation cases compared with the kernel\n", cases);
}

KBPF_TEST(
	hash_elem_rules,
	"element commands on hash maps: update flags, full maps, missing keys, next-key and lookup-and-delete as the kernel")
{
	int cases = 0;

	NEED_KERNEL();
	pin_cpu0();
	for (size_t t = 0; t < 4; t++) {
		uint32_t type = hash_types[t];

		for (int np = 0; np < 2; np++) {
			uint32_t fl = np ? BPF_F_NO_PREALLOC : 0;
			size_t svs = sys_value_size(type, 12);
			uint8_t v[2][4096], out[2][4096];
			long fd[2], r[2];
			int n;

			if (is_lru(type) && np)
				continue;
			for (int s = 0; s < 2; s++)
				fd[s] = side_create(s, type, 4, 12, 4,
						    fl | BPF_F_ZERO_SEED, 0,
						    NULL);
			if (fd[0] < 0 || fd[1] < 0)
				T_FAIL("create type %u: %ld %ld", type, fd[0],
				       fd[1]);
			for (size_t i = 0; i < svs; i++)
				v[0][i] = v[1][i] = (uint8_t)(i * 7 + 1);
			/* A script of (op, key, flags) over a 4-entry map. */
			static const struct {
				int cmd;
				uint32_t key;
				uint64_t flags;
			} script[] = {
				{ BPF_MAP_LOOKUP_ELEM, 1, 0 },
				{ BPF_MAP_UPDATE_ELEM, 1, BPF_EXIST },
				{ BPF_MAP_UPDATE_ELEM, 1, BPF_NOEXIST },
				{ BPF_MAP_UPDATE_ELEM, 1, BPF_NOEXIST },
				{ BPF_MAP_UPDATE_ELEM, 1, 3 },
				{ BPF_MAP_UPDATE_ELEM, 1, BPF_F_LOCK },
				{ BPF_MAP_UPDATE_ELEM, 1, 8 },
				{ BPF_MAP_UPDATE_ELEM, 1, 16 },
				{ BPF_MAP_UPDATE_ELEM, 2, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 3, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 4, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 5, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 6, BPF_NOEXIST },
				{ BPF_MAP_UPDATE_ELEM, 7, BPF_EXIST },
				{ BPF_MAP_UPDATE_ELEM, 2, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 2, BPF_EXIST },
				{ BPF_MAP_LOOKUP_ELEM, 2, 0 },
				{ BPF_MAP_LOOKUP_ELEM, 2, BPF_F_LOCK },
				{ BPF_MAP_LOOKUP_ELEM, 2, 1 },
				{ BPF_MAP_DELETE_ELEM, 9, 0 },
				{ BPF_MAP_DELETE_ELEM, 3, 0 },
				{ BPF_MAP_DELETE_ELEM, 3, 0 },
				{ BPF_MAP_UPDATE_ELEM, 8, BPF_NOEXIST },
				{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, 8, 0 },
				{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, 8, 0 },
				{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, 2,
				  BPF_F_LOCK },
				{ BPF_MAP_LOOKUP_AND_DELETE_ELEM, 2, 2 },
				{ BPF_MAP_UPDATE_ELEM, 10, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 11, BPF_ANY },
				{ BPF_MAP_UPDATE_ELEM, 12, BPF_ANY },
			};
			for (size_t i = 0;
			     i < sizeof(script) / sizeof(script[0]); i++) {
				uint32_t key = script[i].key;

				v[0][0] = v[1][0] = (uint8_t)i;
				for (int s = 0; s < 2; s++) {
					memset(out[s], 0xee, svs);
					r[s] = side_elem(
						s, script[i].cmd, fd[s], &key,
						script[i].cmd ==
								BPF_MAP_UPDATE_ELEM ?
							v[s] :
							out[s],
						script[i].flags);
				}
				cases++;
				if (r[0] != r[1])
					T_FAIL("type %u np %d step %zu (cmd %d key %u flags 0x%llx): kernel %s kbpf %s",
					       type, np, i, script[i].cmd, key,
					       (unsigned long long)script[i]
						       .flags,
					       oracle_errno_name(r[0]),
					       oracle_errno_name(r[1]));
				if (script[i].cmd != BPF_MAP_UPDATE_ELEM &&
				    memcmp(out[0], out[1], svs))
					T_FAIL("type %u step %zu: value bytes differ",
					       type, i);
				if (!same_dump(fd, type, 4, 12, &n))
					T_FAIL("type %u np %d step %zu: contents differ",
					       type, np, i);
			}
			/* Next key of a key that is not there: the first. */
			{
				uint32_t missing = 999, nk[2];

				for (int s = 0; s < 2; s++)
					r[s] = side_next_key(s, fd[s], &missing,
							     &nk[s]);
				cases++;
				if (r[0] != r[1] || (!r[0] && nk[0] != nk[1]))
					T_FAIL("type %u next of missing key differs",
					       type);
			}
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	}
	printf("  %d element cases compared with the kernel\n", cases);
}

/* One random operation on both sides; 0 if the results differ. */
static int random_op(const long fd[2], uint32_t type, uint32_t ks, uint32_t vs,
		     uint32_t key_space, uint64_t *seed, char *why,
		     size_t whylen)
{
	size_t svs = sys_value_size(type, vs);
	uint8_t key[64] = { 0 }, v[4096], out[2][4096], nk[2][64];
	uint64_t x = kbpf_test_rand(seed);
	uint32_t k = (uint32_t)(x >> 8) % key_space;
	int op = (int)(x % 16);
	uint64_t flags = (x >> 40) % 3;
	long r[2];

	memcpy(key, &k, sizeof(k));
	for (size_t i = 0; i < svs; i++)
		v[i] = (uint8_t)kbpf_test_rand(seed);
	for (int s = 0; s < 2; s++) {
		memset(out[s], 0, svs);
		memset(nk[s], 0, ks);
		if (op < 8)
			r[s] = side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], key, v,
					 flags);
		else if (op < 11)
			r[s] = side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], key,
					 NULL, 0);
		else if (op < 13)
			r[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], key,
					 out[s], 0);
		else if (op < 14)
			r[s] = side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM,
					 fd[s], key, out[s], 0);
		else
			r[s] = side_next_key(s, fd[s], op == 14 ? key : NULL,
					     nk[s]);
	}
	if (r[0] != r[1] || memcmp(out[0], out[1], svs) ||
	    memcmp(nk[0], nk[1], ks)) {
		snprintf(why, whylen,
			 "op %d key %u flags %llu: kernel %s kbpf %s", op, k,
			 (unsigned long long)flags, oracle_errno_name(r[0]),
			 oracle_errno_name(r[1]));
		return 0;
	}
	return 1;
}

KBPF_TEST(
	hash_random_ops,
	"thousands of random operations on every hash type (prealloc and not, 4- and 6-byte keys) give the kernel's results, bytes and iteration order (fixed seed)")
{
	static const struct {
		uint32_t ks, vs, max, space;
	} shapes[] = {
		{ 4, 8, 64, 100 },
		{ 6, 5, 37, 50 },
		{ 4, 16, 8, 12 },
	};
	uint64_t seed = kbpf_test_seed();
	int ops = 0, dumps = 0;
	char why[160];

	NEED_KERNEL();
	pin_cpu0();
	for (size_t t = 0; t < 4; t++) {
		for (size_t sh = 0; sh < 3; sh++) {
			for (int np = 0; np < 2; np++) {
				uint32_t type = hash_types[t];
				uint32_t fl = BPF_F_ZERO_SEED |
					      (np ? BPF_F_NO_PREALLOC : 0);
				long fd[2];
				int n;

				if (is_lru(type) && np)
					continue;
				for (int s = 0; s < 2; s++)
					fd[s] = side_create(s, type,
							    shapes[sh].ks,
							    shapes[sh].vs,
							    shapes[sh].max, fl,
							    0, NULL);
				if (fd[0] < 0 || fd[1] < 0)
					T_FAIL("create: %ld %ld", fd[0], fd[1]);
				for (int i = 0; i < 600; i++) {
					ops++;
					if (!random_op(fd, type, shapes[sh].ks,
						       shapes[sh].vs,
						       shapes[sh].space, &seed,
						       why, sizeof(why)))
						T_FAIL("type %u shape %zu np %d op #%d: %s",
						       type, sh, np, i, why);
					if (i % 50 == 49) {
						dumps++;
						if (!same_dump(fd, type,
							       shapes[sh].ks,
							       shapes[sh].vs,
							       &n))
							T_FAIL("type %u shape %zu np %d after op #%d: contents or order differ",
							       type, sh, np, i);
					}
				}
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
		}
	}
	printf("  %d random operations and %d full dumps compared with the kernel\n",
	       ops, dumps);
}

/* BPF_MAP_*_BATCH through both sides; count and out_batch come back. */
static long side_batch(int side, int cmd, long fd, void *in, void *out,
		       void *keys, void *values, uint32_t *count,
		       uint64_t elem_flags, uint64_t flags)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.batch.map_fd = (uint32_t)fd;
	a.batch.in_batch = (uint64_t)(uintptr_t)in;
	a.batch.out_batch = (uint64_t)(uintptr_t)out;
	a.batch.keys = (uint64_t)(uintptr_t)keys;
	a.batch.values = (uint64_t)(uintptr_t)values;
	a.batch.count = *count;
	a.batch.elem_flags = elem_flags;
	a.batch.flags = flags;
	r = side_bpf(side, cmd, &a);
	*count = a.batch.count;
	return r;
}

KBPF_TEST(
	hash_batch_ops,
	"batch lookup, lookup-and-delete, update and delete on hash and array maps: results, counts, cursors and bytes as the kernel")
{
	static const uint32_t types[] = {
		BPF_MAP_TYPE_HASH,     BPF_MAP_TYPE_PERCPU_HASH,
		BPF_MAP_TYPE_LRU_HASH, BPF_MAP_TYPE_LRU_PERCPU_HASH,
		BPF_MAP_TYPE_ARRAY,    BPF_MAP_TYPE_PERCPU_ARRAY
	};
	static const int cmds[] = { BPF_MAP_LOOKUP_BATCH,
				    BPF_MAP_LOOKUP_AND_DELETE_BATCH };
	uint64_t seed = kbpf_test_seed() ^ 0x5a5a;
	int cases = 0;

	NEED_KERNEL();
	pin_cpu0();
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		uint32_t type = types[t];
		int array = type == BPF_MAP_TYPE_ARRAY ||
			    type == BPF_MAP_TYPE_PERCPU_ARRAY;
		size_t svs = sys_value_size(type, 8);
		uint32_t max = 40;

		for (int round = 0; round < 12; round++) {
			static uint32_t keys[2][64], okeys[2][64];
			static uint8_t vals[2][64 * 1024], ovals[2][64 * 1024];
			uint32_t in[2], out[2], cnt[2], n = 0;
			long fd[2], r[2];
			int dn;

			for (int s = 0; s < 2; s++)
				fd[s] = side_create(s, type, 4, 8, max,
						    array ? 0 : BPF_F_ZERO_SEED,
						    0, NULL);
			if (fd[0] < 0 || fd[1] < 0)
				T_FAIL("create type %u: %ld %ld", type, fd[0],
				       fd[1]);
			/* Fill through UPDATE_BATCH: random keys, maybe bad. */
			n = 1 + (uint32_t)(kbpf_test_rand(&seed) % 36);
			for (uint32_t i = 0; i < n; i++) {
				keys[0][i] =
					(uint32_t)(kbpf_test_rand(&seed) %
						   (array ? max + 2 : 100));
				keys[1][i] = keys[0][i];
			}
			for (size_t i = 0; i < n * svs; i++)
				vals[0][i] = vals[1][i] =
					(uint8_t)kbpf_test_rand(&seed);
			for (int s = 0; s < 2; s++) {
				cnt[s] = n;
				r[s] = side_batch(s, BPF_MAP_UPDATE_BATCH,
						  fd[s], NULL, NULL, keys[s],
						  vals[s], &cnt[s], 0,
						  round == 3 ? 1 : 0);
			}
			cases++;
			if (r[0] != r[1] || cnt[0] != cnt[1])
				T_FAIL("type %u round %d update batch: kernel %s/%u kbpf %s/%u",
				       type, round, oracle_errno_name(r[0]),
				       cnt[0], oracle_errno_name(r[1]), cnt[1]);
			if (!same_dump(fd, type, 4, 8, &dn))
				T_FAIL("type %u round %d: contents differ after update batch",
				       type, round);
			/* Walk with a random count per call. */
			int cmd = cmds[round % 2];
			uint32_t step =
				1 + (uint32_t)(kbpf_test_rand(&seed) % 9);
			int first = 1;

			for (int call = 0; call < 60; call++) {
				for (int s = 0; s < 2; s++) {
					cnt[s] = step;
					memset(okeys[s], 0xcc,
					       sizeof(okeys[s]));
					memset(ovals[s], 0xcc, step * svs);
					out[s] = 0xdeadbeef;
					r[s] = side_batch(
						s, cmd, fd[s],
						first ? NULL : &in[s], &out[s],
						okeys[s], ovals[s], &cnt[s],
						round == 5 ? BPF_F_LOCK : 0,
						round == 7 ? 1 : 0);
				}
				cases++;
				if (r[0] != r[1] || cnt[0] != cnt[1] ||
				    out[0] != out[1] ||
				    memcmp(okeys[0], okeys[1],
					   sizeof(okeys[0])) ||
				    memcmp(ovals[0], ovals[1], step * svs))
					T_FAIL("type %u round %d cmd %d call %d count %u: kernel %s/%u/%u kbpf %s/%u/%u",
					       type, round, cmd, call, step,
					       oracle_errno_name(r[0]), cnt[0],
					       out[0], oracle_errno_name(r[1]),
					       cnt[1], out[1]);
				if (r[0] && r[0] != -ENOSPC)
					break;
				if (r[0] == -ENOSPC)
					step++;
				else {
					in[0] = out[0];
					in[1] = out[1];
					first = 0;
				}
			}
			if (!same_dump(fd, type, 4, 8, &dn))
				T_FAIL("type %u round %d: contents differ after batch walk",
				       type, round);
			/* Delete batch of random keys (some missing). */
			for (uint32_t i = 0; i < 8; i++)
				keys[0][i] = keys[1][i] =
					(uint32_t)(kbpf_test_rand(&seed) % 100);
			for (int s = 0; s < 2; s++) {
				cnt[s] = 8;
				r[s] = side_batch(s, BPF_MAP_DELETE_BATCH,
						  fd[s], NULL, NULL, keys[s],
						  NULL, &cnt[s], 0, 0);
			}
			cases++;
			if (r[0] != r[1] || cnt[0] != cnt[1])
				T_FAIL("type %u round %d delete batch: kernel %s/%u kbpf %s/%u",
				       type, round, oracle_errno_name(r[0]),
				       cnt[0], oracle_errno_name(r[1]), cnt[1]);
			if (!same_dump(fd, type, 4, 8, &dn))
				T_FAIL("type %u round %d: contents differ after delete batch",
				       type, round);
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	}
	printf("  %d batch calls compared with the kernel\n", cases);
}

KBPF_TEST(
	lru_eviction_matches_kernel,
	"LRU_HASH and LRU_PERCPU_HASH (common and NO_COMMON_LRU) evict the same keys as the kernel on CPU 0, never exceed max_entries and never refuse an update for room")
{
	static const uint32_t sizes[] = { 4, 8, 16, 64, 130 };
	uint64_t seed = kbpf_test_seed() ^ 0x1234;
	int ops = 0;
	char why[160];

	NEED_KERNEL();
	pin_cpu0();
	for (int pc = 0; pc < 2; pc++) {
		for (int nc = 0; nc < 2; nc++) {
			for (size_t z = 0; z < sizeof(sizes) / sizeof(sizes[0]);
			     z++) {
				uint32_t type =
					pc ? BPF_MAP_TYPE_LRU_PERCPU_HASH :
					     BPF_MAP_TYPE_LRU_HASH;
				uint32_t fl = BPF_F_ZERO_SEED |
					      (nc ? BPF_F_NO_COMMON_LRU : 0);
				struct bpf_map_info info;
				uint32_t len = sizeof(info);
				long fd[2];
				int n;

				for (int s = 0; s < 2; s++)
					fd[s] = side_create(s, type, 4, 8,
							    sizes[z], fl, 0,
							    NULL);
				if (fd[0] < 0 || fd[1] < 0)
					T_FAIL("create: %ld %ld", fd[0], fd[1]);
				memset(&info, 0, sizeof(info));
				side_info(SIDE_KBPF, fd[1], &info, &len);
				for (int i = 0; i < 800; i++) {
					ops++;
					if (!random_op(fd, type, 4, 8,
						       sizes[z] * 3, &seed, why,
						       sizeof(why)))
						T_FAIL("type %u nc %d max %u op #%d: %s",
						       type, nc, sizes[z], i,
						       why);
					if (i % 20 == 19) {
						if (!same_dump(fd, type, 4, 8,
							       &n))
							T_FAIL("type %u nc %d max %u after op #%d: different keys survive",
							       type, nc,
							       sizes[z], i);
						if ((uint32_t)n >
						    info.max_entries)
							T_FAIL("%d entries > max %u",
							       n,
							       info.max_entries);
					}
				}
				for (int s = 0; s < 2; s++)
					side_close(s, fd[s]);
			}
		}
	}
	printf("  %d LRU operations compared with the kernel\n", ops);
}
