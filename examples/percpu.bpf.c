// SPDX-License-Identifier: MIT
/*
 * A per-CPU counter: no atomics needed, each CPU has its own slot; user
 * space sums them.
 *   kbpf run percpu.bpf.o --cpu 1 --repeat 5
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct stats {
	__u64 events;
	__u64 sum;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct stats);
} stats SEC(".maps");

SEC("raw_tp/sched_switch")
int count_per_cpu(__u64 *ctx)
{
	__u32 zero = 0;
	struct stats *s = bpf_map_lookup_elem(&stats, &zero);

	if (!s)
		return 0;
	s->events++;
	s->sum += ctx[0];
	return bpf_get_smp_processor_id();
}

char LICENSE[] SEC("license") = "GPL";
