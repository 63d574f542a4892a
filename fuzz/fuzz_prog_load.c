// SPDX-License-Identifier: MIT
/*
 * Fuzz BPF_PROG_LOAD and what a loaded program can reach: arbitrary
 * instruction streams and load attributes go through kbpf_posix_bpf();
 * ld_imm64 map references are pointed at real maps (an array, a prog
 * array, a ring buffer) so relocation, the structural check and the
 * verifier log are exercised past the fd lookup. A program that loads is
 * then run in both interpreter modes' safe form (checked, small budget),
 * stored in the prog array (tail calls), attached to a raw tracepoint and
 * fired, and detached. Every fd is closed after each input and the live
 * allocation count must come back: a leak aborts.
 *
 * Input: byte 0 program type, byte 1 log level and prog_flags bits, byte 2
 * license and expected attach type, byte 3 log size; the rest are
 * instructions (8 bytes each, at most 512).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/interp.h"
#include "kbpf/raw_tp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

#define MAX_INSNS 512

static const uint32_t prog_types[] = {
	BPF_PROG_TYPE_RAW_TRACEPOINT,
	BPF_PROG_TYPE_SYSCALL,
	BPF_PROG_TYPE_SOCKET_FILTER,
	BPF_PROG_TYPE_KPROBE,
	BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE,
	BPF_PROG_TYPE_TRACING,
	0,
};

static struct kbpf_raw_tp fuzz_tp = { .name = "fuzz_tp", .nargs = 4 };

static long sys(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

static long map_create(uint32_t type, uint32_t ks, uint32_t vs, uint32_t max)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	return sys(BPF_MAP_CREATE, &a);
}

static void close_fd(long fd)
{
	if (fd >= 0)
		kbpf_posix_close((int)fd);
}

/* Run the program behind @fd in checked mode with a small budget. */
static void run_direct(long fd, uint64_t *args)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj((int)fd);
	struct kbpf_interp_args ia = {
		.ctx = args,
		.ctx_size = 4 * sizeof(uint64_t),
		.mode = KBPF_INTERP_CHECKED,
		.budget = 20000,
	};
	uint64_t r0;

	if (!obj)
		return;
	kbpf_interp_run((struct kbpf_prog *)obj, kbpf_posix_host(), &ia, &r0);
	kbpf_obj_put(obj);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	static struct bpf_insn insns[MAX_INSNS];
	static char log[4096];
	static char trace[65536];
	long maps[3], prog, link = -1;
	uint64_t args[4] = { 1, 2, 3, 4 };
	size_t n;
	union bpf_attr a;

	if (size < 4)
		return 0;
	if (baseline < 0) {
		kbpf_raw_tp_register(kbpf_posix_host(), &fuzz_tp);
		baseline = kbpf_posix_live_allocs();
	}
	n = (size - 4) / sizeof(struct bpf_insn);
	if (n > MAX_INSNS)
		n = MAX_INSNS;
	memcpy(insns, data + 4, n * sizeof(struct bpf_insn));
	maps[0] = map_create(BPF_MAP_TYPE_ARRAY, 4, 16, 4);
	maps[1] = map_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4);
	maps[2] = map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096);
	/* Map references name the real maps; other fds stay as they are. */
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn *in = &insns[i];

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (in->src_reg == BPF_PSEUDO_MAP_FD ||
		     in->src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    in->imm >= 0 && in->imm < 3)
			in->imm = (int32_t)maps[in->imm];
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = prog_types[data[0] % 8];
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t)(data[2] & 1 ? "GPL" : "MIT");
	a.expected_attach_type = data[2] & 2 ? BPF_TRACE_RAW_TP : 0;
	a.log_level = data[1] & 7;
	a.prog_flags = (data[1] & 8 ? BPF_F_SLEEPABLE : 0) |
		       (data[1] & 16 ? BPF_F_ANY_ALIGNMENT : 0) |
		       (data[1] & 32 ? 1u << 30 : 0);
	if (a.log_level) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = data[3] ? (uint32_t)data[3] * 16 : sizeof(log);
	}
	prog = sys(BPF_PROG_LOAD, &a);
	if (prog >= 0) {
		uint32_t key = data[3] & 3, val = (uint32_t)prog;

		run_direct(prog, args);
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)maps[1];
		a.key = (uint64_t)(uintptr_t)&key;
		a.value = (uint64_t)(uintptr_t)&val;
		sys(BPF_MAP_UPDATE_ELEM, &a);
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)prog;
		a.test.ctx_in = (uint64_t)(uintptr_t)args;
		a.test.ctx_size_in = sizeof(args);
		a.test.flags = data[1] & 64 ? BPF_F_TEST_RUN_ON_CPU : 0;
		sys(BPF_PROG_TEST_RUN, &a);
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.name = (uint64_t)(uintptr_t) "fuzz_tp";
		a.raw_tracepoint.prog_fd = (uint32_t)prog;
		link = sys(BPF_RAW_TRACEPOINT_OPEN, &a);
		if (link >= 0)
			kbpf_raw_tp_fire(&fuzz_tp, args);
	}
	close_fd(link);
	close_fd(prog);
	for (int i = 0; i < 3; i++)
		close_fd(maps[i]);
	kbpf_posix_trace_read(trace, sizeof(trace));
	kbpf_posix_reset();
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr,
			"leak: %ld allocations live after the input (baseline %ld)\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
