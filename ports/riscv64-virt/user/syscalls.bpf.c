// SPDX-License-Identifier: MIT
/*
 * A clang-built program the user program loads with kbpf's ELF loader:
 * on sys_enter, count system calls by number in a per-CPU hash map, and all
 * of them in a global variable (a .bss map).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

__u64 total;

SEC("raw_tp/sys_enter")
int count_syscalls(__u64 *ctx)
{
	__u32 nr = (__u32)ctx[0];
	__u64 one = 1, *v = bpf_map_lookup_elem(&counts, &nr);

	if (v)
		*v += 1;
	else
		bpf_map_update_elem(&counts, &nr, &one, BPF_NOEXIST);
	__sync_fetch_and_add(&total, 1);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
