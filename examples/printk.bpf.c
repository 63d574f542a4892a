// SPDX-License-Identifier: MIT
/*
 * A raw tracepoint handler that logs with bpf_printk (the trace pipe; here
 * the POSIX host's trace log, which `kbpf run` prints).
 *   kbpf run printk.bpf.o --arg 59 --arg 3
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int log_syscall(__u64 *ctx)
{
	__u64 id = ctx[0], arg = ctx[1];

	bpf_printk("sys_enter: id=%llu arg=%llu", id, arg);
	if (id == 59)
		bpf_printk("that is execve on x86-64");
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
