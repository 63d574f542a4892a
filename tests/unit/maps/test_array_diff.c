// SPDX-License-Identifier: MIT
/*
 * ARRAY and PERCPU_ARRAY against the kernel: identical bpf(2) calls on both
 * sides, compared result by result and byte by byte. Without a usable
 * bpf(2) these tests skip.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/map.h"
#include "diff.h"
#include "kbpf/host.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static const uint32_t array_types[] = { BPF_MAP_TYPE_ARRAY,
					BPF_MAP_TYPE_PERCPU_ARRAY };

KBPF_TEST(
	array_create_rules,
	"MAP_CREATE validation for arrays gives the kernel's errno for every flag bit, size and name case")
{
	static const struct {
		uint32_t ks, vs, max;
	} sizes[] = {
		{ 4, 8, 4 },	       { 0, 8, 4 },	     { 8, 8, 4 },
		{ 4, 0, 4 },	       { 4, 8, 0 },	     { 4, 1, 1 },
		{ 4, 32768, 1 },       { 4, 32769, 1 },	     { 4, 32761, 1 },
		{ 4, 0x80000000u, 1 }, { 4, 0x7fffffff, 0 }, { 4, 4096, 3 },
	};
	static const char *names[] = { NULL,  "ok_name.1",	  "a-b",
				       "a b", "0123456789abcdef", "ab\0-" };
	int cases = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < 2; t++) {
		uint32_t type = array_types[t];

		for (int bit = -1; bit < 32; bit++) {
			uint32_t flags = bit < 0 ? 0 : 1u << bit;

			for (uint32_t numa = 0; numa < 2; numa++) {
				long k = side_create(SIDE_KERNEL, type, 4, 8, 4,
						     flags, numa, NULL);
				long m = side_create(SIDE_KBPF, type, 4, 8, 4,
						     flags, numa, NULL);

				cases++;
				if (!same_result(k, m))
					T_FAIL("type %u flags 0x%x numa %u: kernel %s kbpf %s",
					       type, flags, numa,
					       oracle_errno_name(k),
					       oracle_errno_name(m));
				side_close(SIDE_KERNEL, k);
				side_close(SIDE_KBPF, m);
			}
		}
		for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
			long k = side_create(SIDE_KERNEL, type, sizes[i].ks,
					     sizes[i].vs, sizes[i].max, 0, 0,
					     NULL);
			long m = side_create(SIDE_KBPF, type, sizes[i].ks,
					     sizes[i].vs, sizes[i].max, 0, 0,
					     NULL);

			cases++;
			if (!same_result(k, m))
				T_FAIL("type %u ks %u vs %u max %u: kernel %s kbpf %s",
				       type, sizes[i].ks, sizes[i].vs,
				       sizes[i].max, oracle_errno_name(k),
				       oracle_errno_name(m));
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, m);
		}
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			long k = side_create(SIDE_KERNEL, type, 4, 8, 1, 0, 0,
					     names[i]);
			long m = side_create(SIDE_KBPF, type, 4, 8, 1, 0, 0,
					     names[i]);

			cases++;
			if (!same_result(k, m))
				T_FAIL("name case %zu: kernel %s kbpf %s", i,
				       oracle_errno_name(k),
				       oracle_errno_name(m));
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, m);
		}
	}
	/* Combinations and unknown types. */
	{
		static const uint32_t combos[][2] = {
			{ BPF_MAP_TYPE_ARRAY, BPF_F_RDONLY | BPF_F_WRONLY },
			{ BPF_MAP_TYPE_ARRAY,
			  BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG },
			{ BPF_MAP_TYPE_ARRAY,
			  BPF_F_MMAPABLE | BPF_F_RDONLY_PROG },
			{ 0, 0 },
			{ 1000, 0 },
			{ __MAX_BPF_MAP_TYPE, 0 },
		};

		for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]);
		     i++) {
			long k = side_create(SIDE_KERNEL, combos[i][0], 4, 8, 4,
					     combos[i][1], 0, NULL);
			long m = side_create(SIDE_KBPF, combos[i][0], 4, 8, 4,
					     combos[i][1], 0, NULL);

			cases++;
			if (!same_result(k, m))
				T_FAIL("combo %zu: kernel %s kbpf %s", i,
				       oracle_errno_name(k),
				       oracle_errno_name(m));
			side_close(SIDE_KERNEL, k);
			side_close(SIDE_KBPF, m);
		}
	}
	printf("  %d create cases compared with the kernel\n", cases);
}

KBPF_TEST(
	array_element_rules,
	"lookup, update, delete, get_next_key, lookup_and_delete, freeze and access rules match the kernel")
{
	NEED_KERNEL();
	for (size_t t = 0; t < 2; t++) {
		uint32_t type = array_types[t];
		long fd[2], r[2];
		uint8_t vin[64], vout[2][64];
		uint32_t key, next[2];
		int p[2];

		for (int s = 0; s < 2; s++)
			fd[s] = side_create(s, type, 4, 12, 4, 0, 0, "arr");
		T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
		T_EQ(pipe(p), 0);
		for (size_t i = 0; i < sizeof(vin); i++)
			vin[i] = (uint8_t)(i * 7 + 1);

#define BOTH(expr)                                                             \
	do {                                                                   \
		for (int s = 0; s < 2; s++)                                    \
			r[s] = (expr);                                         \
		if (!same_result(r[0], r[1]))                                  \
			T_FAIL("%s (type %u): kernel %s kbpf %s", #expr, type, \
			       oracle_errno_name(r[0]),                        \
			       oracle_errno_name(r[1]));                       \
	} while (0)
#define BOTH_OUT(expr)                                      \
	do {                                                \
		memset(vout, 0xee, sizeof(vout));           \
		BOTH(expr);                                 \
		T_MEMEQ(vout[0], vout[1], sizeof(vout[0])); \
	} while (0)

		key = 1;
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 0));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   0));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin,
			       BPF_NOEXIST));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin,
			       BPF_EXIST));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 3));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin,
			       BPF_F_LOCK));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 8));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   BPF_F_LOCK));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   2));
		key = 4;
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 0));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin,
			       BPF_NOEXIST));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   0));
		BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], &key, NULL, 0));
		key = 0;
		BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], &key, NULL, 0));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, fd[s],
				   &key, vout[s], 0));
		/* Pointers. */
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], NULL, vin, 0));
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, NULL, 0));
		BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, NULL, 0));
		BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], (void *)8,
			       vout[s], 0));
		/* get_next_key: NULL, in range, last, out of range, NULL out. */
		BOTH(side_next_key(s, fd[s], NULL, &next[s]));
		T_EQ(next[0], next[1]);
		for (key = 0; key < 6; key++) {
			next[0] = next[1] = 0xdead;
			BOTH(side_next_key(s, fd[s], &key, &next[s]));
			T_EQ(next[0], next[1]);
		}
		BOTH(side_next_key(s, fd[s], &key, NULL));
		/* fds: closed, not a map. */
		BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, 999, &key, vout[s], 0));
		BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, p[0], &key, vout[s], 0));
		/* Freeze: writes refused, reads allowed, second freeze EPERM. */
		BOTH(side_freeze(s, fd[s]));
		key = 2;
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 0));
		BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, fd[s], &key, NULL, 0));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   0));
		BOTH(side_next_key(s, fd[s], &key, &next[s]));
		BOTH(side_freeze(s, fd[s]));
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
		/* Read-only and write-only maps. */
		for (int s = 0; s < 2; s++)
			fd[s] = side_create(s, type, 4, 12, 4, BPF_F_RDONLY, 0,
					    NULL);
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 0));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   0));
		BOTH(side_freeze(s, fd[s]));
		for (int s = 0; s < 2; s++) {
			side_close(s, fd[s]);
			fd[s] = side_create(s, type, 4, 12, 4, BPF_F_WRONLY, 0,
					    NULL);
		}
		BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, fd[s], &key, vin, 0));
		BOTH_OUT(side_elem(s, BPF_MAP_LOOKUP_ELEM, fd[s], &key, vout[s],
				   0));
		BOTH(side_next_key(s, fd[s], &key, &next[s]));
		BOTH(side_freeze(s, fd[s]));
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
		close(p[0]);
		close(p[1]);
#undef BOTH
#undef BOTH_OUT
	}
}

KBPF_TEST(
	array_info,
	"BPF_OBJ_GET_INFO_BY_FD for arrays: same fields as the kernel and its info_len rules")
{
	NEED_KERNEL();
	for (size_t t = 0; t < 2; t++) {
		long fd[2], r[2];
		struct bpf_map_info info[2];
		uint32_t len[2];
		uint8_t big[2][256];

		for (int s = 0; s < 2; s++)
			fd[s] = side_create(s, array_types[t], 4, 24, 7,
					    BPF_F_RDONLY_PROG, 0, "info_map");
		for (int s = 0; s < 2; s++) {
			memset(&info[s], 0, sizeof(info[s]));
			len[s] = sizeof(info[s]);
			r[s] = side_info(s, fd[s], &info[s], &len[s]);
		}
		T_EQ(r[0], 0);
		T_EQ(r[1], 0);
		T_EQ(len[0], len[1]);
		T_EQ(info[0].type, info[1].type);
		T_EQ(info[0].key_size, info[1].key_size);
		T_EQ(info[0].value_size, info[1].value_size);
		T_EQ(info[0].max_entries, info[1].max_entries);
		T_EQ(info[0].map_flags, info[1].map_flags);
		T_MEMEQ(info[0].name, info[1].name, sizeof(info[0].name));
		T_NE(info[1].id, 0);
		/* Short info_len: only that many bytes, length written back. */
		for (int s = 0; s < 2; s++) {
			memset(&info[s], 0xaa, sizeof(info[s]));
			len[s] = 8;
			r[s] = side_info(s, fd[s], &info[s], &len[s]);
		}
		T_EQ(r[1], r[0]);
		T_EQ(len[1], len[0]);
		T_EQ(info[1].key_size, info[0].key_size);
		/* Longer than the structure: zero tail OK, non-zero E2BIG. */
		for (int s = 0; s < 2; s++) {
			memset(big[s], 0, sizeof(big[s]));
			len[s] = sizeof(big[s]);
			r[s] = side_info(s, fd[s], (void *)big[s], &len[s]);
		}
		T_EQ(r[1], r[0]);
		for (int s = 0; s < 2; s++) {
			big[s][250] = 1;
			len[s] = sizeof(big[s]);
			r[s] = side_info(s, fd[s], (void *)big[s], &len[s]);
		}
		T_EQ(r[1], r[0]);
		T_EQ(r[1], -E2BIG);
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
}

KBPF_TEST(
	array_random_ops,
	"thousands of random array operations give the kernel's results and bytes (fixed seed)")
{
	uint64_t seed = kbpf_test_seed();
	int ops = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < 2; t++) {
		static const uint32_t vsizes[] = { 1, 4, 7, 8, 13, 64 };

		for (size_t v = 0; v < sizeof(vsizes) / sizeof(vsizes[0]);
		     v++) {
			uint32_t vs = vsizes[v], max = 8;
			long fd[2], r[2];
			uint8_t vin[1024], vout[2][1024];

			for (int s = 0; s < 2; s++)
				fd[s] = side_create(s, array_types[t], 4, vs,
						    max, 0, 0, NULL);
			T_ASSERT(fd[0] >= 0 && fd[1] >= 0);
			for (int i = 0; i < 500; i++, ops++) {
				uint64_t x = kbpf_test_rand(&seed);
				uint32_t key = (uint32_t)(x >> 8) % (max + 3);
				static const uint64_t fl[] = { 0, 1, 2, 3,
							       4, 5, 16 };
				uint64_t flags = fl[(x >> 16) % 7];
				int op = (int)(x % 5);

				for (size_t b = 0; b < sizeof(vin); b++)
					vin[b] = (uint8_t)kbpf_test_rand(&seed);
				memset(vout, 0x5a, sizeof(vout));
				for (int s = 0; s < 2; s++) {
					switch (op) {
					case 0:
						r[s] = side_elem(
							s, BPF_MAP_UPDATE_ELEM,
							fd[s], &key, vin,
							flags);
						break;
					case 1:
						r[s] = side_elem(
							s, BPF_MAP_LOOKUP_ELEM,
							fd[s], &key, vout[s],
							flags & 4);
						break;
					case 2:
						r[s] = side_elem(
							s, BPF_MAP_DELETE_ELEM,
							fd[s], &key, NULL, 0);
						break;
					case 3:
						r[s] = side_next_key(
							s, fd[s],
							(x & 1) ? &key : NULL,
							vout[s]);
						break;
					default:
						r[s] = side_elem(
							s,
							BPF_MAP_LOOKUP_AND_DELETE_ELEM,
							fd[s], &key, vout[s],
							0);
						break;
					}
				}
				if (!same_result(r[0], r[1]) ||
				    memcmp(vout[0], vout[1], sizeof(vout[0])))
					T_FAIL("type %u vs %u op %d key %u flags %llu (op #%d): kernel %s kbpf %s%s",
					       array_types[t], vs, op, key,
					       (unsigned long long)flags, i,
					       oracle_errno_name(r[0]),
					       oracle_errno_name(r[1]),
					       memcmp(vout[0], vout[1],
						      sizeof(vout[0])) ?
						       ", output bytes differ" :
						       "");
			}
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	}
	printf("  %d random operations compared with the kernel\n", ops);
}

/* A host whose caller holds CAP_BPF but not CAP_PERFMON nor CAP_SYS_ADMIN. */
static bool bpf_only(const struct kbpf_host *h, int cap)
{
	(void)h;
	return cap != KBPF_CAP_PERFMON && cap != KBPF_CAP_SYS_ADMIN;
}

/*
 * The kernel's BPF_MAP_CREATE result for an array of @type with @max
 * 8-byte entries made by a child that keeps CAP_BPF only (so
 * bypass_spec_v1 is false), or -1000 if the child could not run.
 */
static long kernel_create_bpf_only(uint32_t type, uint32_t max)
{
	int fds[2], status;
	long r = -1000;
	pid_t pid;

	if (pipe(fds))
		return -1000;
	pid = fork();
	if (pid == 0) {
		struct __user_cap_header_struct h = {
			_LINUX_CAPABILITY_VERSION_3, 0
		};
		struct __user_cap_data_struct d[2];
		union bpf_attr a;

		close(fds[0]);
		memset(d, 0, sizeof(d));
		d[1].effective = d[1].permitted = 1u << (CAP_BPF - 32);
		if (syscall(SYS_capset, &h, d)) {
			r = -1000;
		} else {
			memset(&a, 0, sizeof(a));
			a.map_type = type;
			a.key_size = 4;
			a.value_size = 8;
			a.max_entries = max;
			r = oracle_kernel_bpf(BPF_MAP_CREATE, &a, sizeof(a));
		}
		_exit(write(fds[1], &r, sizeof(r)) == sizeof(r) ? 0 : 1);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], &r, sizeof(r)) != sizeof(r))
		r = -1000;
	close(fds[0]);
	if (pid > 0)
		waitpid(pid, &status, 0);
	return r;
}

KBPF_TEST(
	array_spec_v1_entries,
	"a creator with CAP_BPF but not CAP_PERFMON (Linux's !bypass_spec_v1, storage for index_mask + 1 elements) gets the kernel's answer for arrays past 2^31 entries (E2BIG) and below")
{
	static const uint32_t maxes[] = { 1000, 0x80000001u, 0xc0000000u,
					  0xffffffffu };
	static struct kbpf_host unpriv;

	NEED_KERNEL();
	unpriv = *kbpf_posix_host();
	unpriv.capable = bpf_only;
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < sizeof(maxes) / sizeof(maxes[0]); i++) {
			long k = kernel_create_bpf_only(array_types[t],
							maxes[i]);
			union bpf_attr a;
			struct kbpf_map *m = NULL;
			long b;

			if (k == -1000)
				T_SKIP("cannot keep only CAP_BPF in a child");
			memset(&a, 0, sizeof(a));
			a.map_type = array_types[t];
			a.key_size = 4;
			a.value_size = 8;
			a.max_entries = maxes[i];
			b = kbpf_map_create(&unpriv, &a, &m);
			if (m)
				kbpf_map_put(m);
			/* The kernel's fd was the child's: only >= 0 counts. */
			if (t == 0 && maxes[i] == 0x80000001u)
				printf("  0x80000001 entries: kernel %s, kbpf %s\n",
				       oracle_errno_name(k),
				       oracle_errno_name(b));
			if (!same_result(k, b))
				T_FAIL("type %u max_entries 0x%x: kernel %s kbpf %s",
				       array_types[t], maxes[i],
				       oracle_errno_name(k),
				       oracle_errno_name(b));
		}
	}
}
