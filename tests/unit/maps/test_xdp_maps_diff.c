// SPDX-License-Identifier: MIT
/*
 * CPUMAP and XSKMAP against the kernel: creation rules (sizes, flags,
 * max_entries, BTF), element rules (CPUMAP: queue sizes, CPUs that do not
 * exist, programs by fd; XSKMAP: fds that are not open, not sockets,
 * sockets of another family, an AF_XDP socket, NOEXIST/EXIST, user lookups
 * refused), iteration, bpf_map_info; which helpers may take each XDP
 * redirect map at load (with kbpf's verifier enforcing) and what a program
 * may do with an XSKMAP lookup; bpf_redirect_map's verdicts from XDP
 * programs run by BPF_PROG_TEST_RUN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)

/* Run @expr with s = 0 (kernel) and 1 (kbpf); both results must agree. */
#define BOTH(what, expr)                                                    \
	do {                                                                \
		long r_[2];                                                 \
		for (s = 0; s < 2; s++)                                     \
			r_[s] = (expr);                                     \
		if (r_[0] != r_[1])                                         \
			T_FAIL("%s: %s: kernel %ld, kbpf %ld", what, #expr, \
			       r_[0], r_[1]);                               \
		checks++;                                                   \
	} while (0)

/* A BTF of one type, "int" (id 1), for the creation rule with BTF. */
static long int_btf(int side)
{
	static const char strs[] = "\0int";
	static struct {
		uint32_t hdr[6];
		uint32_t t[4];
		char s[sizeof(strs)];
	} b = {
		{ 0x0001eb9f, 24, 0, 16, 16, sizeof(strs) },
		{ 1, BTF_KIND_INT << 24, 4, BTF_INT_SIGNED << 24 | 32 },
		"\0int",
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)&b;
	a.btf_size = 24 + 16 + sizeof(strs); /* no padding after */
	return side_bpf(side, BPF_BTF_LOAD, &a);
}

KBPF_TEST(xdp_maps_create_vs_kernel,
	  "CPUMAP and XSKMAP creation rules as the kernel's")
{
	static const uint32_t types[2] = { BPF_MAP_TYPE_CPUMAP,
					   BPF_MAP_TYPE_XSKMAP };
	static const struct {
		uint32_t ks, vs, max, flags;
	} cases[] = {
		{ 4, 4, 4, 0 },
		{ 4, 8, 4, 0 },
		{ 4, 12, 4, 0 },
		{ 4, 0, 4, 0 },
		{ 8, 4, 4, 0 },
		{ 2, 4, 4, 0 },
		{ 4, 4, 0, 0 },
		{ 4, 4, 1, 0 },
		{ 4, 4, 100000, 0 },
		{ 4, 4, 4, BPF_F_NO_PREALLOC },
		{ 4, 4, 4, BPF_F_RDONLY_PROG },
		{ 4, 4, 4, BPF_F_WRONLY_PROG },
		{ 4, 4, 4, BPF_F_RDONLY },
		{ 4, 4, 4, BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_RDONLY | BPF_F_WRONLY },
		{ 4, 4, 4, BPF_F_NUMA_NODE },
		{ 4, 4, 4, BPF_F_MMAPABLE },
		{ 4, 4, 4, BPF_F_ZERO_SEED },
	};
	int s, checks = 0;

	NEED_KERNEL();
	for (size_t t = 0; t < 2; t++) {
		for (size_t i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
			long r[2];
			char what[96];

			for (s = 0; s < 2; s++)
				r[s] = side_create(s, types[t], cases[i].ks,
						   cases[i].vs, cases[i].max,
						   cases[i].flags, 0, NULL);
			snprintf(what, sizeof(what),
				 "type %u key %u value %u max %u flags %#x",
				 types[t], cases[i].ks, cases[i].vs,
				 cases[i].max, cases[i].flags);
			if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
				T_FAIL("%s: kernel %ld, kbpf %ld", what, r[0],
				       r[1]);
			if (r[0] >= 0 && r[1] >= 0) {
				struct bpf_map_info info[2];
				uint32_t len[2] = { sizeof(info[0]),
						    sizeof(info[1]) };

				memset(info, 0, sizeof(info));
				for (s = 0; s < 2; s++)
					T_EQ(side_info(s, r[s], &info[s],
						       &len[s]),
					     0);
				T_EQ(info[0].map_flags, info[1].map_flags);
				T_EQ(info[0].value_size, info[1].value_size);
				T_EQ(info[0].max_entries, info[1].max_entries);
			}
			for (s = 0; s < 2; s++)
				side_close(s, r[s]);
			checks++;
		}
		/* A BTF key and value type: these maps take none. */
		{
			long btf[2], r[2];

			for (s = 0; s < 2; s++) {
				union bpf_attr a;

				btf[s] = int_btf(s);
				T_ASSERT(btf[s] >= 0);
				memset(&a, 0, sizeof(a));
				a.map_type = types[t];
				a.key_size = 4;
				a.value_size = 4;
				a.max_entries = 2;
				a.btf_fd = (uint32_t)btf[s];
				a.btf_key_type_id = 1;
				a.btf_value_type_id = 1;
				r[s] = side_bpf(s, BPF_MAP_CREATE, &a);
			}
			if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
				T_FAIL("type %u with BTF: kernel %ld, kbpf %ld",
				       types[t], r[0], r[1]);
			for (s = 0; s < 2; s++) {
				side_close(s, r[s]);
				side_close(s, btf[s]);
			}
			checks++;
		}
	}
	printf("  %d creations compared\n", checks);
}

/* An XDP program returning XDP_PASS, with @eat; returns the fd. */
static long load_pass(int side, uint32_t eat)
{
	struct bpf_insn p[] = { MOVK(0, 2), EXIT };

	return side_prog_load(side, BPF_PROG_TYPE_XDP, eat, p, 2, NULL, 0);
}

/* Entry @k of a CPUMAP on both sides: the same answer, the same value. */
static void cpu_lookup_both(const long m[2], uint32_t vs, uint32_t k,
			    const long prog_ids[2][8], int *checks)
{
	uint32_t out[2][2];
	long r[2];
	int s;

	for (s = 0; s < 2; s++) {
		memset(out[s], 0x55, sizeof(out[s]));
		r[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM, m[s], &k, out[s], 0);
	}
	(*checks)++;
	if (r[0] != r[1]) {
		T_FAIL("CPUMAP value %u lookup %u: kernel %ld, kbpf %ld", vs, k,
		       r[0], r[1]);
		return;
	}
	if (r[0])
		return;
	T_EQ(out[0][0], out[1][0]); /* qsize */
	if (vs == 8) {
		/* Program ids differ between the sides: which program. */
		int which[2] = { -1, -1 };

		for (s = 0; s < 2; s++)
			for (int i = 0; i < 8; i++)
				if (out[s][1] && prog_ids[s][i] == out[s][1])
					which[s] = i;
		T_EQ(which[0], which[1]);
		T_EQ(out[0][1] == 0, out[1][1] == 0);
	}
}

static long prog_id(int side, long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info = (uint64_t)(uintptr_t)&info;
	a.info.info_len = sizeof(info);
	if (side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a))
		return -1;
	return info.id;
}

/*
 * The program fd of a CPUMAP value: @which indexes @prog; -1: none (0),
 * -2: a UDP socket, -3: an fd that is not open, -4: fd -1.
 */
static uint32_t prog_fd(const long prog[4], int which, int udp)
{
	switch (which) {
	case -1:
		return 0;
	case -2:
		return (uint32_t)udp;
	case -3:
		return 999;
	case -4:
		return 0xffffffffu;
	default:
		return (uint32_t)prog[which];
	}
}

KBPF_TEST(
	cpumap_elems_vs_kernel,
	"CPUMAP elements as the kernel's: queue sizes, CPUs past the possible ones, programs by fd (only XDP programs for BPF_XDP_CPUMAP), NOEXIST, deletes, iteration")
{
	int s, checks = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF), live;

	NEED_KERNEL();
	if (ncpu < 1 || ncpu > 64)
		T_SKIP("%ld CPUs: the test's keys assume 1..64", ncpu);
	kbpf_posix_rcu_barrier();
	live = kbpf_posix_live_allocs();
	for (uint32_t vs = 4; vs <= 8; vs += 4) {
		/* progs: XDP for cpumap, XDP plain, XDP for devmap, socket */
		long m[2], prog[2][4], ids[2][8] = { { 0 } };
		uint32_t max = (uint32_t)ncpu + 2, k, v[2], nk[2];
		int udp = socket(AF_INET, SOCK_DGRAM, 0);
		struct bpf_insn sf[] = { MOVK(0, 0), EXIT };

		T_ASSERT(udp >= 0);
		for (s = 0; s < 2; s++) {
			m[s] = side_create(s, BPF_MAP_TYPE_CPUMAP, 4, vs, max,
					   0, 0, NULL);
			T_ASSERT(m[s] >= 0);
			prog[s][0] = load_pass(s, BPF_XDP_CPUMAP);
			prog[s][1] = load_pass(s, 0);
			prog[s][2] = load_pass(s, BPF_XDP_DEVMAP);
			prog[s][3] = side_prog_load(s,
						    BPF_PROG_TYPE_SOCKET_FILTER,
						    0, sf, 2, NULL, 0);
			for (int i = 0; i < 4; i++) {
				T_ASSERT(prog[s][i] >= 0);
				ids[s][i] = prog_id(s, prog[s][i]);
			}
		}
		static const struct {
			uint32_t key, qsize;
			int prog; /* prog_fd()'s @which */
			uint64_t flags;
		} ups[] = {
			{ 0, 128, -1, 0 },
			{ 0, 128, -1, BPF_NOEXIST },
			{ 0, 64, -1, BPF_EXIST },
			{ 0, 64, -1, 3 },
			{ 0, 64, -1, BPF_F_LOCK },
			{ 1, 16384, -1, 0 },
			{ 1, 16385, -1, 0 },
			{ 1, 0xffffffffu, -1, 0 },
			{ 0, 0, -1, 0 }, /* qsize 0: the entry goes */
			{ 0, 0, -1, 0 },
			{ 1, 32, 0, 0 },
			{ 1, 32, 1, 0 },
			{ 1, 32, 2, 0 },
			{ 1, 32, 3, 0 },
			{ 1, 32, -2, 0 },
			{ 1, 32, -3, 0 },
			{ 1, 32, -4, 0 },
			{ 0, 8, 0, 0 },
			{ 0, 0, 0, 0 },
			{ 100, 8, -1, 0 }, /* past max_entries */
			{ 100, 20000, -1, 0 },
			{ 0xffffffffu, 8, -1, 0 },
		};
		for (size_t i = 0; i < KBPF_ARRAY_SIZE(ups); i++) {
			char what[64];

			snprintf(what, sizeof(what), "value %u update %zu", vs,
				 i);
			k = ups[i].key;
			BOTH(what, (v[0] = ups[i].qsize,
				    v[1] = prog_fd(prog[s], ups[i].prog, udp),
				    side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k,
					      v, ups[i].flags)));
			cpu_lookup_both(m, vs, ups[i].key, ids, &checks);
		}
		/* The CPUs that do not exist (ncpu, ncpu + 1): -ENODEV. */
		for (k = 0; k < max + 1; k++) {
			v[0] = 4;
			v[1] = 0;
			BOTH("cpu",
			     side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0));
			cpu_lookup_both(m, vs, k, ids, &checks);
		}
		/* Iteration: every index, as an array. */
		for (s = 0; s < 2; s++)
			T_EQ(side_next_key(s, m[s], NULL, &nk[s]), 0);
		T_EQ(nk[0], nk[1]);
		for (k = 0; k < max + 1; k++)
			BOTH("next", side_next_key(s, m[s], &k, &nk[s]));
		k = 1;
		BOTH("delete",
		     side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
		BOTH("delete again",
		     side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
		cpu_lookup_both(m, vs, 1, ids, &checks);
		k = max;
		BOTH("delete past",
		     side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
		k = 0;
		BOTH("lookup_and_delete",
		     side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m[s], &k, v,
			       0));
		BOTH("freeze", side_freeze(s, m[s]));
		/* An entry with a program, left for the map's end. */
		k = 0;
		BOTH("last",
		     (v[0] = 8, v[1] = prog_fd(prog[s], 0, udp),
		      side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, v, 0)));
		for (s = 0; s < 2; s++) {
			side_close(s, m[s]);
			for (int i = 0; i < 4; i++)
				side_close(s, prog[s][i]);
		}
		close(udp);
		kbpf_posix_rcu_barrier();
		T_EQ(kbpf_posix_live_allocs(), live);
	}
	printf("  %d CPUMAP operations compared\n", checks);
}

KBPF_TEST(
	xskmap_elems_vs_kernel,
	"XSKMAP elements as the kernel's: fds that are not open, not sockets or not AF_XDP; an AF_XDP socket in and out; NOEXIST/EXIST; user lookups refused; deletes; iteration")
{
	int s, checks = 0;
	long m[2];
	uint32_t k, v, nk[2];
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int xs[2] = { socket(AF_XDP, SOCK_RAW, 0),
		      socket(AF_XDP, SOCK_RAW, 0) };
	int file = open("/dev/null", O_RDONLY);

	long live;

	NEED_KERNEL();
	T_ASSERT(udp >= 0 && file >= 0);
	kbpf_posix_rcu_barrier();
	live = kbpf_posix_live_allocs();
	for (s = 0; s < 2; s++) {
		m[s] = side_create(s, BPF_MAP_TYPE_XSKMAP, 4, 4, 4, 0, 0, NULL);
		T_ASSERT(m[s] >= 0);
	}
	k = 0;
	v = 999;
	BOTH("not open", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	v = (uint32_t)file;
	BOTH("a file", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	v = (uint32_t)udp;
	BOTH("udp", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	v = 0xffffffffu;
	BOTH("fd -1", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	BOTH("flags", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 3));
	k = 4;
	BOTH("past max", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	k = 0;
	BOTH("lookup", side_elem(s, BPF_MAP_LOOKUP_ELEM, m[s], &k, &v, 0));
	if (xs[0] >= 0 && xs[1] >= 0) {
		v = (uint32_t)xs[0];
		BOTH("xsk exist", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k,
					    &v, BPF_EXIST));
		BOTH("xsk", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
		BOTH("same xsk noexist", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s],
						   &k, &v, BPF_NOEXIST));
		v = (uint32_t)xs[1];
		BOTH("other xsk noexist", side_elem(s, BPF_MAP_UPDATE_ELEM,
						    m[s], &k, &v, BPF_NOEXIST));
		BOTH("other xsk exist", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s],
						  &k, &v, BPF_EXIST));
		k = 2;
		BOTH("xsk at 2", side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v,
					   BPF_NOEXIST));
		BOTH("lookup xsk",
		     side_elem(s, BPF_MAP_LOOKUP_ELEM, m[s], &k, &v, 0));
	} else {
		printf("  no AF_XDP sockets here (%s): socket entries not compared\n",
		       strerror(errno));
	}
	for (s = 0; s < 2; s++)
		T_EQ(side_next_key(s, m[s], NULL, &nk[s]), 0);
	T_EQ(nk[0], nk[1]);
	for (k = 0; k < 6; k++)
		BOTH("next", side_next_key(s, m[s], &k, &nk[s]));
	for (k = 0; k < 6; k++)
		BOTH("delete",
		     side_elem(s, BPF_MAP_DELETE_ELEM, m[s], &k, NULL, 0));
	k = 0;
	BOTH("lookup_and_delete",
	     side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, m[s], &k, &v, 0));
	k = 1; /* an entry left for the map's end to drop */
	v = (uint32_t)xs[0];
	if (xs[0] >= 0)
		BOTH("xsk at 1",
		     side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k, &v, 0));
	for (s = 0; s < 2; s++)
		side_close(s, m[s]);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
	for (s = 0; s < 2; s++)
		if (xs[s] >= 0)
			close(xs[s]);
	close(udp);
	close(file);
	printf("  %d XSKMAP operations compared\n", checks);
}

static char logs[2][8192];

/* The line before "processed ...", or the last line. */
static void why(const char *log, char *out, size_t n)
{
	const char *p = strstr(log, "\nprocessed ");
	const char *end = p ? p : log + strlen(log);
	const char *start;

	while (end > log && end[-1] == '\n')
		end--;
	for (start = end; start > log && start[-1] != '\n'; start--)
		;
	snprintf(out, n, "%.*s", (int)(end - start), start);
}

/*
 * An XDP program passing @map to helper @fn: lookup/delete with a key on
 * the stack, update with key and value there, redirect_map with key 0.
 */
static long load_call(int side, long map, int32_t fn)
{
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16),
		MOVK(4, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, fn),
		MOVK(0, 2),
		EXIT,
	};

	if (fn == BPF_FUNC_redirect_map) {
		p[4] = MOVK(2, 0);
		p[5] = MOVK(3, 0);
		p[6] = MOVK(0, 0);
		p[7] = MOVK(0, 0);
		p[10] = MOVK(4, 0);
	}
	return side_prog_load(side, BPF_PROG_TYPE_XDP, 0, p, KBPF_ARRAY_SIZE(p),
			      logs[side], sizeof(logs[side]));
}

/*
 * An XDP program that looks up key 0 of an XSKMAP and, if found, does
 * @access with the result (r0): a load or store of @size at @off.
 */
static long load_xsk_access(int side, long map, uint8_t code, int16_t off)
{
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, 0),
		(code & 0x07) == BPF_LDX ? I(code, 1, 0, off, 0) :
					   I(code, 0, 0, off, 7),
		MOVK(0, 2),
		MOVK(0, 2),
		EXIT,
	};

	return side_prog_load(side, BPF_PROG_TYPE_XDP, 0, p, KBPF_ARRAY_SIZE(p),
			      logs[side], sizeof(logs[side]));
}

KBPF_TEST(
	xdp_maps_helpers_vs_kernel,
	"with kbpf's verifier enforcing: which helpers may take DEVMAP, CPUMAP and XSKMAP (and which maps bpf_redirect_map takes), and what a program may read through an XSKMAP lookup, with the kernel's decision and line")
{
	static const uint32_t types[] = {
		BPF_MAP_TYPE_DEVMAP, BPF_MAP_TYPE_DEVMAP_HASH,
		BPF_MAP_TYPE_CPUMAP, BPF_MAP_TYPE_XSKMAP,
		BPF_MAP_TYPE_ARRAY,  BPF_MAP_TYPE_HASH,
	};
	static const int32_t fns[] = {
		BPF_FUNC_map_lookup_elem,
		BPF_FUNC_map_update_elem,
		BPF_FUNC_map_delete_elem,
		BPF_FUNC_redirect_map,
	};
	static const struct {
		uint8_t code;
		int16_t off;
	} acc[] = {
		{ BPF_LDX | BPF_MEM | BPF_W, 0 },
		{ BPF_LDX | BPF_MEM | BPF_W, 4 },
		{ BPF_LDX | BPF_MEM | BPF_B, 0 },
		{ BPF_LDX | BPF_MEM | BPF_DW, 0 },
		{ BPF_ST | BPF_MEM | BPF_W, 0 },
	};
	int s, checks = 0, same_line = 0;

	NEED_KERNEL();
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++) {
		long m[2];
		uint32_t vs = types[t] == BPF_MAP_TYPE_ARRAY ||
					      types[t] == BPF_MAP_TYPE_HASH ?
				      8 :
				      4;

		for (s = 0; s < 2; s++) {
			m[s] = side_create(s, types[t], 4, vs, 4, 0, 0, NULL);
			T_ASSERT(m[s] >= 0);
		}
		for (size_t f = 0; f < KBPF_ARRAY_SIZE(fns); f++) {
			long p[2];
			char w[2][256];

			for (s = 0; s < 2; s++) {
				p[s] = load_call(s, m[s], fns[f]);
				why(logs[s], w[s], sizeof(w[s]));
			}
			checks++;
			if ((p[0] < 0) != (p[1] < 0) ||
			    (p[0] < 0 && p[0] != p[1]))
				T_FAIL("map type %u helper %d: kernel %ld (%s), kbpf %ld (%s)",
				       types[t], fns[f], p[0], w[0], p[1],
				       w[1]);
			else if (p[0] < 0 && strcmp(w[0], w[1]))
				T_FAIL("map type %u helper %d: kernel says '%s', kbpf '%s'",
				       types[t], fns[f], w[0], w[1]);
			else
				same_line += p[0] < 0;
			for (s = 0; s < 2; s++)
				side_close(s, p[s]);
		}
		if (types[t] == BPF_MAP_TYPE_XSKMAP)
			for (size_t a = 0; a < KBPF_ARRAY_SIZE(acc); a++) {
				long p[2];
				char w[2][256];

				for (s = 0; s < 2; s++) {
					p[s] = load_xsk_access(s, m[s],
							       acc[a].code,
							       acc[a].off);
					why(logs[s], w[s], sizeof(w[s]));
				}
				checks++;
				if ((p[0] < 0) != (p[1] < 0) ||
				    (p[0] < 0 && p[0] != p[1]))
					T_FAIL("xsk access %#x off %d: kernel %ld (%s), kbpf %ld (%s)",
					       acc[a].code, acc[a].off, p[0],
					       w[0], p[1], w[1]);
				else if (p[0] < 0 && strcmp(w[0], w[1]))
					T_FAIL("xsk access %#x off %d: kernel says '%s', kbpf '%s'",
					       acc[a].code, acc[a].off, w[0],
					       w[1]);
				else
					same_line += p[0] < 0;
				for (s = 0; s < 2; s++)
					side_close(s, p[s]);
			}
		for (s = 0; s < 2; s++)
			side_close(s, m[s]);
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	printf("  %d loads compared, %d refusals with the kernel's line\n",
	       checks, same_line);
}

/* r0 = bpf_redirect_map(map, key, flags) */
static long load_redirect(int side, long map, int32_t key, int32_t flags)
{
	struct bpf_insn p[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		MOVK(2, key),
		MOVK(3, flags),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_redirect_map),
		EXIT,
	};

	return side_prog_load(side, BPF_PROG_TYPE_XDP, 0, p, KBPF_ARRAY_SIZE(p),
			      NULL, 0);
}

static long run_xdp(int side, long prog)
{
	static uint8_t pkt[64], out[256];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return r ? r - 1000 : (long)(int32_t)a.test.retval;
}

KBPF_TEST(
	xdp_maps_redirect_vs_kernel,
	"bpf_redirect_map into CPUMAP and XSKMAP: XDP_REDIRECT for an entry, the flags' fallback action for none, XDP_ABORTED for device-map flags and others, as the kernel")
{
	static const int32_t cases[][2] = {
		{ 0, 0 },      { 1, 2 },  { 3, 2 },   { 3, 1 },
		{ 0, 3 },      { 0, 8 },  { 3, 8 },   { 0, 16 },
		{ 3, 16 | 2 }, { 0, 32 }, { 100, 3 }, { -1, 2 },
	};
	int s, checks = 0;
	int xs = socket(AF_XDP, SOCK_RAW, 0);

	NEED_KERNEL();
	for (int t = 0; t < 2; t++) {
		uint32_t type = t ? BPF_MAP_TYPE_XSKMAP : BPF_MAP_TYPE_CPUMAP;
		long m[2];
		uint32_t k = 0, v = t ? (uint32_t)xs : 64;

		if (t && xs < 0) {
			printf("  no AF_XDP sockets here: XSKMAP runs without entries only\n");
		}
		for (s = 0; s < 2; s++) {
			m[s] = side_create(s, type, 4, 4, 4, 0, 0, NULL);
			T_ASSERT(m[s] >= 0);
			if (!t || xs >= 0)
				T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, m[s], &k,
					       &v, 0),
				     0);
		}
		for (size_t c = 0; c < KBPF_ARRAY_SIZE(cases); c++) {
			long p[2];

			for (s = 0; s < 2; s++) {
				p[s] = load_redirect(s, m[s], cases[c][0],
						     cases[c][1]);
				T_ASSERT(p[s] >= 0);
			}
			BOTH("redirect", run_xdp(s, p[s]));
			for (s = 0; s < 2; s++)
				side_close(s, p[s]);
		}
		for (s = 0; s < 2; s++)
			side_close(s, m[s]);
	}
	if (xs >= 0)
		close(xs);
	printf("  %d redirect_map runs equal to the kernel\n", checks);
}
