// SPDX-License-Identifier: MIT
/* Only its BTF matters: the host's types for the CO-RE test. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "core_target.h"

struct thing host_thing;
enum color host_color;

/* A function of the "host", for the fentry test (tpbtf.bpf.c). */
__attribute__((noinline)) int kbpf_fn(int x)
{
	return x + 1;
}

SEC("syscall")
int target_prog(void *ctx)
{
	return host_thing.a + host_color + kbpf_fn(1);
}

char LICENSE[] SEC("license") = "GPL";

/* A tracepoint of the "host", for the tp_btf test (tpbtf.bpf.c). */
typedef void (*btf_trace_kbpf_test)(void *__data, int a, long b);
btf_trace_kbpf_test host_tp;
