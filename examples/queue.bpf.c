// SPDX-License-Identifier: MIT
/*
 * A queue producer: each run pushes work items into a FIFO a consumer pops
 * (`kbpf run` pops what is left after the run).
 *   kbpf run queue.bpf.o --arg 3
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct item {
	__u32 id;
	__u32 weight;
};

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 32);
	__uint(value_size, sizeof(struct item));
} work SEC(".maps");

static long push_one(__u32 i, void *ctx)
{
	struct item it = { .id = i, .weight = i * i };

	bpf_map_push_elem(&work, &it, 0);
	return 0;
}

SEC("raw_tp/block_rq_issue")
int produce(__u64 *ctx)
{
	__u32 n = (__u32)ctx[0];

	if (n > 32)
		n = 32;
	return (int)bpf_loop(n, push_one, NULL, 0);
}

char LICENSE[] SEC("license") = "GPL";
