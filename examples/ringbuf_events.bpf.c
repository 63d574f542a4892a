// SPDX-License-Identifier: MIT
/*
 * An event emitter: each run reserves a record in a ring buffer, fills it
 * and submits it; a consumer (here `kbpf run`) reads them in order.
 *   kbpf run ringbuf_events.bpf.o --arg 42 --arg 7 --repeat 2
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u64 seq;
	__u64 arg;
	__u32 code;
	__u32 cpu;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 64 * 1024);
} events SEC(".maps");

__u64 seq;

SEC("raw_tp/sys_exit")
int emit_event(__u64 *ctx)
{
	struct event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return -1;
	e->seq = ++seq;
	e->arg = ctx[0];
	e->code = (__u32)ctx[1];
	e->cpu = bpf_get_smp_processor_id();
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
