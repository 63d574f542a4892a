// SPDX-License-Identifier: MIT
/*
 * The probe-read helpers against the kernel: a raw tracepoint program reads
 * through bpf_probe_read{,_str} and their _kernel/_user forms from an
 * address given in its context (this process's memory, which the kernel
 * reaches through the user path and the POSIX host through its probe), a
 * NULL pointer, and with size 0; the result and the bytes that land on the
 * program's stack (zeroed on a fault) must be the kernel's. Also: which
 * program types may call the compat forms.
 */
#include <errno.h>
#include <stdlib.h>

#include "diff.h"
#include "kbpf_test.h"
#include "insn.h"

/*
 * fp-16..fp-1 = 0x5a bytes; r0 = helper(fp-16, size, args[0]);
 * return r0 < 0 ? r0 : r0 << 16 | fp-16 byte 0 << 8 | fp-16 byte 15.
 */
static long load(int side, int helper, int size, uint32_t type)
{
	struct bpf_insn p[32];
	union bpf_attr a;
	int n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 0x5a5a5a5a);
	p[n++] = I(0, 0, 0, 0, 0x5a5a5a5a);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -16, 0);
	p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 1, -8, 0);
	/* The source from the raw tracepoint's args[0], else 0. */
	if (type == BPF_PROG_TYPE_RAW_TRACEPOINT)
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0);
	else
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, -16);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, size);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, helper);
	p[n++] = I(BPF_JMP | BPF_JSLT | BPF_K, 0, 0, 7, 0);
	p[n++] = I(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 16);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 1, 10, -16, 0);
	p[n++] = I(BPF_ALU64 | BPF_LSH | BPF_K, 1, 0, 0, 8);
	p[n++] = I(BPF_ALU64 | BPF_OR | BPF_X, 0, 1, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_B, 1, 10, -1, 0);
	p[n++] = I(BPF_ALU64 | BPF_OR | BPF_X, 0, 1, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	if (type == BPF_PROG_TYPE_SYSCALL)
		a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long run(int side, long fd, uint64_t src, uint32_t *ret)
{
	uint64_t args[1] = { src };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

KBPF_TEST(
	probe_reads_vs_kernel,
	"bpf_probe_read, _str and the _kernel/_user forms read, fault (-EFAULT, destination zeroed) and truncate strings as the kernel")
{
	static const int helpers[] = { BPF_FUNC_probe_read,
				       BPF_FUNC_probe_read_str,
				       BPF_FUNC_probe_read_user,
				       BPF_FUNC_probe_read_user_str };
	static char text[32] = "hello, probe";
	static uint64_t word = 0x1122334455667788ULL;
	const uint64_t srcs[] = { (uintptr_t)&word, (uintptr_t)text,
				  (uintptr_t)text + 7, 0, 16 };
	static const int sizes[] = { 16, 8, 5, 0, 1 };
	const char *why;
	int cases = 0;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	for (size_t h = 0; h < 4; h++) {
		for (size_t z = 0; z < 5; z++) {
			long fd[2];

			for (int s = 0; s < 2; s++)
				fd[s] = load(s, helpers[h], sizes[z],
					     BPF_PROG_TYPE_RAW_TRACEPOINT);
			if (!same_result(fd[0], fd[1]))
				T_FAIL("helper %d size %d: load kernel %s kbpf %s",
				       helpers[h], sizes[z],
				       oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			for (size_t i = 0; fd[0] >= 0 && i < 5; i++) {
				uint32_t ret[2];
				long r[2];

				for (int s = 0; s < 2; s++)
					r[s] = run(s, fd[s], srcs[i], &ret[s]);
				cases++;
				if (r[0] != r[1] || ret[0] != ret[1])
					T_FAIL("helper %d size %d source %zu: kernel %ld/0x%x kbpf %ld/0x%x",
					       helpers[h], sizes[z], i, r[0],
					       ret[0], r[1], ret[1]);
			}
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	}
	/* Who may call the compat forms (Linux: tracing types and syscall). */
	static const uint32_t types[] = { BPF_PROG_TYPE_SOCKET_FILTER,
					  BPF_PROG_TYPE_KPROBE,
					  BPF_PROG_TYPE_XDP,
					  BPF_PROG_TYPE_SYSCALL,
					  BPF_PROG_TYPE_SCHED_CLS };
	for (size_t t = 0; t < 5; t++)
		for (size_t h = 0; h < 2; h++) {
			long fd[2];

			for (int s = 0; s < 2; s++)
				fd[s] = load(s, helpers[h], 8, types[t]);
			cases++;
			if (!same_result(fd[0], fd[1]))
				T_FAIL("type %u helper %d: kernel %s kbpf %s",
				       types[t], helpers[h],
				       oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	printf("  %d probe-read cases compared with the kernel\n", cases);
}

KBPF_TEST(
	helper_availability_vs_kernel,
	"which program types may call the clock, random, CPU, task and probe-read helpers is the kernel's (load result and errno)")
{
	static const int helpers[] = {
		BPF_FUNC_probe_read,	       BPF_FUNC_ktime_get_ns,
		BPF_FUNC_get_prandom_u32,      BPF_FUNC_get_smp_processor_id,
		BPF_FUNC_get_current_pid_tgid, BPF_FUNC_get_current_uid_gid,
		BPF_FUNC_get_current_comm,     BPF_FUNC_probe_read_str,
		BPF_FUNC_probe_read_user,      BPF_FUNC_probe_read_kernel,
		BPF_FUNC_probe_read_user_str,  BPF_FUNC_probe_read_kernel_str,
		BPF_FUNC_ktime_get_boot_ns,    BPF_FUNC_ktime_get_coarse_ns,
		BPF_FUNC_ktime_get_tai_ns,
	};
	static const uint32_t types[] = {
		BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_KPROBE,
		BPF_PROG_TYPE_SCHED_CLS,     BPF_PROG_TYPE_SCHED_ACT,
		BPF_PROG_TYPE_TRACEPOINT,    BPF_PROG_TYPE_XDP,
		BPF_PROG_TYPE_PERF_EVENT,    BPF_PROG_TYPE_RAW_TRACEPOINT,
		BPF_PROG_TYPE_SYSCALL,
	};
	const char *why;
	int cases = 0;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	for (size_t h = 0; h < sizeof(helpers) / sizeof(helpers[0]); h++)
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
			long fd[2];

			/* The source is 0 unless raw_tp: no ctx reads. */
			for (int s = 0; s < 2; s++)
				fd[s] = load(
					s, helpers[h], 16,
					types[t] == BPF_PROG_TYPE_RAW_TRACEPOINT ?
						BPF_PROG_TYPE_RAW_TRACEPOINT :
						types[t]);
			cases++;
			if (!same_result(fd[0], fd[1]))
				T_FAIL("type %u helper %d: kernel %s kbpf %s",
				       types[t], helpers[h],
				       oracle_errno_name(fd[0]),
				       oracle_errno_name(fd[1]));
			for (int s = 0; s < 2; s++)
				side_close(s, fd[s]);
		}
	printf("  %d helper/type pairs compared with the kernel\n", cases);
}
