// SPDX-License-Identifier: MIT
/* CO-RE field accesses: kbpf refuses the object (no target BTF). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_like {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

SEC("raw_tp/sched_switch")
int core_prog(struct task_like *t)
{
	return t->tgid;
}

char LICENSE[] SEC("license") = "GPL";
