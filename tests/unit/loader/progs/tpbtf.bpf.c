// SPDX-License-Identifier: MIT
/*
 * tp_btf finds its tracepoint in the host BTF, fentry its function;
 * fmod_ret would need a trampoline.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

long seen, seen_arg;

SEC("tp_btf/kbpf_test")
int on_test(unsigned long long *ctx)
{
	seen = (long)ctx[1];
	return 0;
}

SEC("tp_btf/no_such_tracepoint")
int on_missing(unsigned long long *ctx)
{
	return 0;
}

SEC("fentry/kbpf_fn")
int on_fn(unsigned long long *ctx)
{
	seen_arg = (long)ctx[0];
	return 0;
}

SEC("fmod_ret/kbpf_fn")
int on_ret(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
