// SPDX-License-Identifier: MIT
/*
 * The demo: the same bpf(2) calls, byte for byte, go to kbpf (through the
 * POSIX host's drop-in kbpf_posix_bpf) and, where this machine allows, to
 * the Linux kernel; the demo prints both answers side by side.
 *
 * It creates an array map, loads a raw tracepoint program that adds an
 * argument into a map slot with an atomic instruction (helper call,
 * ld_imm64 map relocation, checked interpretation), fires it through
 * BPF_PROG_TEST_RUN, dumps the map, then shows a few of Linux's error
 * rules.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })

static int have_kernel;
static int disagree;

/* Run on one side: 0 = kernel, 1 = kbpf. Returns the result or -errno. */
static long side(int s, int cmd, union bpf_attr *a)
{
	long r;

	if (s == 0) {
		if (!have_kernel)
			return -ENOSYS;
		r = syscall(__NR_bpf, cmd, a, sizeof(*a));
	} else {
		r = kbpf_posix_bpf(cmd, a, sizeof(*a));
	}
	return r < 0 ? -errno : r;
}

static const char *res(long r)
{
	static char buf[2][32];
	static int n;
	char *b = buf[n++ & 1];

	if (r >= 0)
		snprintf(b, 32, "ok (%ld)", r);
	else
		snprintf(b, 32, "%s",
			 r == -524 ? "ENOTSUPP" : strerrorname_np((int)-r));
	return b;
}

static void row(const char *what, long k, long m)
{
	/* fds differ between the sides; errnos and success must not. */
	if (have_kernel && (k < 0 || m < 0) && k != m)
		disagree++;
	printf("  %-50s kbpf: %-14s kernel: %s\n", what, res(m),
	       have_kernel ? res(k) : "(not available)");
}

int main(void)
{
	const struct kbpf_host *h = kbpf_posix_host();
	struct bpf_insn prog[16];
	union bpf_attr a;
	long map[2], fd[2], r[2];
	char log[2][256];
	static char big[8192];

	{
		union bpf_attr t;

		memset(&t, 0, sizeof(t));
		t.map_type = BPF_MAP_TYPE_ARRAY;
		t.key_size = 4;
		t.value_size = 4;
		t.max_entries = 1;
		r[0] = syscall(__NR_bpf, BPF_MAP_CREATE, &t, sizeof(t));
		have_kernel = r[0] >= 0;
		if (have_kernel)
			close((int)r[0]);
	}
	printf("kbpf demo: a Linux-compatible eBPF runtime as a library\n");
	printf("host: POSIX reference host, %u possible CPUs; kernel oracle: %s\n\n",
	       h->nr_cpus,
	       have_kernel ? "this machine's bpf(2)" : "not available");

	printf("1. BPF_MAP_CREATE an ARRAY of 4 u64 counters\n");
	for (int s = 0; s < 2; s++) {
		memset(&a, 0, sizeof(a));
		a.map_type = BPF_MAP_TYPE_ARRAY;
		a.key_size = 4;
		a.value_size = 8;
		a.max_entries = 4;
		memcpy(a.map_name, "counters", 9);
		map[s] = side(s, BPF_MAP_CREATE, &a);
	}
	row("create", map[0], map[1]);

	printf("\n2. BPF_PROG_LOAD a raw tracepoint program: counters[arg0] += arg1\n");
	for (int s = 0; s < 2; s++) {
		int n = 0;

		prog[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
		prog[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, 0, 0);
		prog[n++] = I(BPF_STX | BPF_MEM | BPF_W, 10, 2, -4, 0);
		prog[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD,
			      0, (int32_t)map[s]);
		prog[n++] = I(0, 0, 0, 0, 0);
		prog[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		prog[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
		prog[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			      BPF_FUNC_map_lookup_elem);
		prog[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 4, 0);
		prog[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 1, 6, 8, 0);
		prog[n++] = I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, 1, 0, BPF_ADD);
		prog[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0);
		prog[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		prog[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, -1);
		prog[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
		a.insn_cnt = (uint32_t)n;
		a.insns = (uint64_t)(uintptr_t)prog;
		a.license = (uint64_t)(uintptr_t) "GPL";
		memcpy(a.prog_name, "add_counter", 12);
		fd[s] = side(s, BPF_PROG_LOAD, &a);
	}
	row("load", fd[0], fd[1]);

	printf("\n3. BPF_PROG_TEST_RUN with ctx = {key, increment}: retval = new counter\n");
	for (uint64_t i = 1; i <= 6; i++) {
		uint64_t args[2] = { i % 3, i * 10 };
		uint32_t ret[2] = { 0, 0 };
		char what[64];

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)fd[s];
			a.test.ctx_in = (uint64_t)(uintptr_t)args;
			a.test.ctx_size_in = sizeof(args);
			r[s] = side(s, BPF_PROG_TEST_RUN, &a);
			ret[s] = a.test.retval;
		}
		snprintf(what, sizeof(what), "run(key %llu, +%llu)",
			 (unsigned long long)args[0],
			 (unsigned long long)args[1]);
		printf("  %-50s kbpf: retval %-7u kernel: ", what, ret[1]);
		if (have_kernel)
			printf("retval %u%s\n", ret[0],
			       r[0] == r[1] && ret[0] == ret[1] ? "" :
								  "  DIFFERS");
		else
			printf("(not available)\n");
	}

	printf("\n4. The map afterwards (BPF_MAP_LOOKUP_ELEM)\n");
	for (uint32_t k = 0; k < 4; k++) {
		uint64_t v[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map[s];
			a.key = (uint64_t)(uintptr_t)&k;
			a.value = (uint64_t)(uintptr_t)&v[s];
			side(s, BPF_MAP_LOOKUP_ELEM, &a);
		}
		printf("  counters[%u] %-39s kbpf: %-14llu kernel: %llu\n", k,
		       "", (unsigned long long)v[1], (unsigned long long)v[0]);
	}

	printf("\n5. Linux's error rules, same bytes on both sides\n");
	{
		uint32_t k = 9;
		uint64_t v = 1;

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map[s];
			a.key = (uint64_t)(uintptr_t)&k;
			a.value = (uint64_t)(uintptr_t)&v;
			r[s] = side(s, BPF_MAP_UPDATE_ELEM, &a);
		}
		row("update past max_entries", r[0], r[1]);
		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map[s];
			a.key = (uint64_t)(uintptr_t)&k;
			r[s] = side(s, BPF_MAP_DELETE_ELEM, &a);
		}
		row("delete from an array", r[0], r[1]);
		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map[s];
			a.key = (uint64_t)(uintptr_t)&k;
			a.value = (uint64_t)(uintptr_t)&v;
			r[s] = side(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a);
		}
		row("lookup_and_delete on an array", r[0], r[1]);
		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)map[s];
			side(s, BPF_MAP_FREEZE, &a);
			r[s] = side(s, BPF_MAP_FREEZE, &a);
		}
		row("second freeze", r[0], r[1]);
		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			prog[0] = I(BPF_ALU64 | BPF_MOV | BPF_K, 10, 0, 0, 0);
			prog[1] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
			a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
			a.insn_cnt = 2;
			a.insns = (uint64_t)(uintptr_t)prog;
			a.license = (uint64_t)(uintptr_t) "GPL";
			a.log_level = 1;
			a.log_size = sizeof(log[s]);
			a.log_buf = (uint64_t)(uintptr_t)log[s];
			log[s][0] = 0;
			r[s] = side(s, BPF_PROG_LOAD, &a);
		}
		row("load a program that writes r10", r[0], r[1]);
		printf("  %-50s kbpf: %.*s\n", "  verifier log",
		       (int)strcspn(log[1], "\n"), log[1]);
		memset(&a, 0, sizeof(a));
		r[0] = have_kernel ?
			       (syscall(__NR_bpf, 1000, &a, sizeof(a)) < 0 ?
					-errno :
					0) :
			       0;
		r[1] = kbpf_posix_bpf(1000, &a, sizeof(a)) < 0 ? -errno : 0;
		row("unknown command", r[0], r[1]);
		r[0] = have_kernel ? (syscall(__NR_bpf, BPF_MAP_CREATE, big,
					      4097) < 0 ?
					      -errno :
					      0) :
				     0;
		r[1] = kbpf_posix_bpf(BPF_MAP_CREATE, big, 4097) < 0 ? -errno :
								       0;
		row("attr larger than a page", r[0], r[1]);
	}
	for (int s = 0; s < 2; s++) {
		if (s == 0 && have_kernel) {
			close((int)fd[0]);
			close((int)map[0]);
		} else if (s == 1) {
			kbpf_posix_close((int)fd[1]);
			kbpf_posix_close((int)map[1]);
		}
	}
	if (!have_kernel)
		printf("\nNo kernel oracle here: kbpf's answers are shown alone.\n");
	else if (disagree)
		printf("\nkbpf and the kernel disagree on %d line(s) above.\n",
		       disagree);
	else
		printf("\nkbpf and the kernel agree on every line above; scripts/test-all.sh checks thousands more.\n");
	return disagree ? 1 : 0;
}
