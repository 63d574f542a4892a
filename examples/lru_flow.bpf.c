// SPDX-License-Identifier: MIT
/*
 * An LRU flow table: packets and bytes per 4-tuple, the least recently
 * seen flows evicted when the table is full. Arguments: source address,
 * destination address, ports (source << 16 | destination), length.
 *   kbpf run lru_flow.bpf.o --arg 0x0a000001 --arg 0x0a000002 \
 *       --arg 0x1f900050 --arg 1500
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct flow {
	__u32 saddr;
	__u32 daddr;
	__u16 sport;
	__u16 dport;
};

struct flow_stats {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct flow);
	__type(value, struct flow_stats);
} flows SEC(".maps");

SEC("raw_tp/net_dev_xmit")
int track_flow(__u64 *ctx)
{
	struct flow f = {
		.saddr = (__u32)ctx[0],
		.daddr = (__u32)ctx[1],
		.sport = (__u16)(ctx[2] >> 16),
		.dport = (__u16)ctx[2],
	};
	struct flow_stats *st, init = { 1, ctx[3] };

	st = bpf_map_lookup_elem(&flows, &f);
	if (!st) {
		bpf_map_update_elem(&flows, &f, &init, BPF_ANY);
		return 1;
	}
	__sync_fetch_and_add(&st->packets, 1);
	__sync_fetch_and_add(&st->bytes, ctx[3]);
	return (int)st->packets;
}

char LICENSE[] SEC("license") = "GPL";
