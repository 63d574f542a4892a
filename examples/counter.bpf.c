// SPDX-License-Identifier: MIT
/*
 * A per-key counter in a hash map: each run counts one event under the key
 * given as the first raw tracepoint argument (think: syscall number).
 *   kbpf run counter.bpf.o --arg 59 --repeat 3
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

SEC("raw_tp/sys_enter")
int count_by_key(__u64 *ctx)
{
	__u32 key = (__u32)ctx[0];
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&counts, &key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		return (int)*v;
	}
	bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST);
	return 1;
}

char LICENSE[] SEC("license") = "GPL";
