// SPDX-License-Identifier: MIT
/* One trivial program per section-name convention the test checks. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define P(name, sec, n)              \
	SEC(sec) int name(void *ctx) \
	{                            \
		return n;            \
	}

P(p_socket, "socket", 1)
P(p_kprobe, "kprobe/do_sys_open", 2)
P(p_kretprobe, "kretprobe/do_sys_open", 3)
P(p_uprobe_s, "uprobe.s//bin/sh:main", 4)
P(p_tp, "tp/sched/sched_switch", 5)
P(p_tracepoint, "tracepoint/syscalls/sys_enter_openat", 6)
P(p_raw_tp, "raw_tp/sys_enter", 7)
P(p_raw_tracepoint, "raw_tracepoint/sys_exit", 8)
P(p_raw_tp_w, "raw_tp.w/bpf_test_finish", 9)
P(p_xdp, "xdp", 10)
P(p_xdp_frags, "xdp.frags", 11)
P(p_xdp_devmap, "xdp/devmap", 12)
P(p_tc, "tc", 13)
P(p_tcx, "tcx/ingress", 14)
P(p_perf, "perf_event", 15)
P(p_syscall, "syscall", 16)
P(p_fentry, "fentry/do_unlinkat", 17)
P(p_cgroup_skb, "cgroup_skb/egress", 18)
P(p_sk_msg, "sk_msg", 21)
P(p_unknown, "not_a_known_section", 19)
P(p_kprobe_bad, "kprobex", 20)

char LICENSE[] SEC("license") = "GPL";
