// SPDX-License-Identifier: MIT
/*
 * CO-RE against the running kernel's own types (no vmlinux.h: the few
 * members used are declared here, as CO-RE allows): libbpf and kbpf must
 * relocate it to the same instructions with this kernel's BTF.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

struct task_struct {
	int pid;
	int tgid;
	struct task_struct *real_parent;
	char comm[16];
	int no_such_member___kbpf;
} __attribute__((preserve_access_index));

struct trace_entry {
	unsigned short type;
} __attribute__((preserve_access_index));

struct trace_event_raw_sched_switch {
	struct trace_entry ent;
	char prev_comm[16];
	int prev_pid;
	int next_pid;
} __attribute__((preserve_access_index));

enum pid_type { PIDTYPE_PID, PIDTYPE_TGID };

long seen[8];

SEC("tp/sched/sched_switch")
int on_switch(struct trace_event_raw_sched_switch *ctx)
{
	struct task_struct *t = (void *)bpf_get_current_task();

	seen[0] = ctx->prev_pid;
	seen[1] = ctx->next_pid;
	seen[2] = ctx->prev_comm[1];
	seen[3] = BPF_CORE_READ(t, real_parent, tgid);
	seen[4] = bpf_core_field_exists(t->no_such_member___kbpf);
	seen[5] = bpf_core_field_offset(t->comm);
	seen[6] = bpf_core_type_size(struct task_struct);
	seen[7] = bpf_core_enum_value(enum pid_type, PIDTYPE_TGID);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
