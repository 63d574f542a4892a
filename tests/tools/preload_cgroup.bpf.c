// SPDX-License-Identifier: MIT
/*
 * The cgroup programs tests/tools/test_preload_bpftool.py attaches with
 * bpftool to a cgroup of its own, on the kernel and through kbpf-preload:
 * a device program (refuses major 7) and a cgroup skb ingress program
 * (lets everything pass). Built without BTF (-g0), as preload_xdp.bpf.c.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("cgroup/dev")
int kbpf_pl_dev(struct bpf_cgroup_dev_ctx *ctx)
{
	return ctx->major != 7;
}

SEC("cgroup_skb/ingress")
int kbpf_pl_skb(struct __sk_buff *skb)
{
	return 1;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
