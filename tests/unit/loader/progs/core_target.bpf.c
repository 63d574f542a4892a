// SPDX-License-Identifier: MIT
/* Only its BTF matters: the host's types for the CO-RE test. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "core_target.h"

struct thing host_thing;
enum color host_color;

SEC("syscall")
int target_prog(void *ctx)
{
	return host_thing.a + host_color;
}

char LICENSE[] SEC("license") = "GPL";
