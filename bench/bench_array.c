// SPDX-License-Identifier: MIT
/*
 * ARRAY and PERCPU_ARRAY from the program path: ns per lookup and update
 * through the helper layer (kbpf_map_* calls, as the interpreter makes
 * them), next to the kernel's cost for a BPF program doing the same lookups
 * (64 per run, BPF_PROG_TEST_RUN with repeat, minus the same loop without
 * the map call), measured in the same run.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/map.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })
#define OPS 64

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* A kernel program: 64 iterations of (key = i & 1023; lookup or update). */
static double kernel_ns(int type, int with_call, int update)
{
	union bpf_attr a;
	struct bpf_insn p[32];
	uint8_t data[64] = { 0 };
	int mfd, fd, n = 0;
	double best = 1e30;

	memset(&a, 0, sizeof(a));
	a.map_type = (uint32_t)type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;
	mfd = (int)syscall(__NR_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (mfd < 0)
		return -1;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 6, 0, 0, 0); /* i */
	p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 1); /* value */
	/* loop: */
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MUL | BPF_K, 1, 0, 0, 2654435761u);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 1, 0, 0, 1023);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 1, -4, 0);
	if (with_call) {
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   mfd);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		if (update) {
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0);
			p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -16);
			p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_update_elem);
		} else {
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   BPF_FUNC_map_lookup_elem);
		}
	}
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 6, 0, 0, 1);
	/* Back to the loop head at insn 2. */
	p[n] = I(BPF_JMP | BPF_JLT | BPF_K, 6, 0, (int16_t)(2 - (n + 1)), OPS);
	n++;
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	fd = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
	if (fd < 0) {
		close(mfd);
		return -1;
	}
	for (int k = 0; k < 7; k++) {
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)data;
		a.test.data_size_in = sizeof(data);
		a.test.repeat = 20000;
		if (!syscall(__NR_bpf, BPF_PROG_TEST_RUN, &a, sizeof(a)) &&
		    a.test.duration < best)
			best = a.test.duration;
	}
	close(fd);
	close(mfd);
	return best / OPS;
}

static double kbpf_ns(int type, int update)
{
	union bpf_attr a;
	struct kbpf_map *map;
	double best = 1e30;
	uint64_t v = 1;
	volatile uint64_t sink = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = (uint32_t)type;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1024;
	if (kbpf_map_create(kbpf_posix_host(), &a, &map))
		return -1;
	for (int k = 0; k < 7; k++) {
		uint64_t t0 = now_ns();

		for (uint32_t i = 0; i < 20000 * OPS; i++) {
			uint32_t key = (uint32_t)(i * 2654435761u) & 1023;

			if (update)
				sink += (uint64_t)kbpf_map_update_elem(
					map, &key, &v, 0);
			else
				sink += (uintptr_t)kbpf_map_lookup_elem(map,
									&key);
		}
		double ns = (double)(now_ns() - t0) / (20000.0 * OPS);

		if (ns < best)
			best = ns;
	}
	(void)sink;
	kbpf_map_put(map);
	return best;
}

int main(void)
{
	static const struct {
		const char *name;
		int type;
	} types[] = { { "ARRAY", BPF_MAP_TYPE_ARRAY },
		      { "PERCPU_ARRAY", BPF_MAP_TYPE_PERCPU_ARRAY } };

	printf("program-path map operations, ns/op (best of 7), 1024 entries\n");
	printf("%-14s %-7s %10s %10s %8s\n", "map", "op", "kbpf", "kernel",
	       "ratio");
	for (int t = 0; t < 2; t++) {
		for (int u = 0; u < 2; u++) {
			double base = kernel_ns(types[t].type, 0, 0);
			double k = kernel_ns(types[t].type, 1, u);
			double m = kbpf_ns(types[t].type, u);

			if (k >= 0 && base >= 0)
				k -= base;
			printf("%-14s %-7s %10.2f %10s %8s\n", types[t].name,
			       u ? "update" : "lookup", m, k < 0 ? "n/a" : ({
				       static char b[32];
				       snprintf(b, sizeof(b), "%.2f", k);
				       b;
			       }),
			       k <= 0 ? "n/a" : ({
				       static char b2[32];
				       snprintf(b2, sizeof(b2), "%.2fx", m / k);
				       b2;
			       }));
		}
	}
	printf("(the kernel inlines array lookups into JITed code; kbpf pays a call)\n");
	return 0;
}
