// SPDX-License-Identifier: MIT
/*
 * The older way to stream events: bpf_perf_event_output into a perf event
 * array, one perf ring per CPU (`kbpf run` opens them as perf_buffer
 * does).
 *   kbpf run perf_emit.bpf.o --arg 1234 --cpu 0
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct sample {
	__u64 value;
	__u32 cpu;
	__u32 pad;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} samples SEC(".maps");

SEC("raw_tp/sched_wakeup")
int emit_sample(__u64 *ctx)
{
	struct sample s = { .value = ctx[0],
			    .cpu = bpf_get_smp_processor_id() };

	return (int)bpf_perf_event_output(ctx, &samples, BPF_F_CURRENT_CPU, &s,
					  sizeof(s));
}

char LICENSE[] SEC("license") = "GPL";
