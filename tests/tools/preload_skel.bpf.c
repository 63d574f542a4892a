// SPDX-License-Identifier: MIT
/*
 * The object of preload_skel (tests/tools/preload_skel.c), a libbpf
 * skeleton application: `bpftool gen skeleton` turns this object into
 * preload_skel.skel.h at build time. An XDP program that drops frames
 * whose first byte is the loader's choice (a .rodata constant set between
 * open and load), counts frames (.bss) and bytes (.data), counts frames
 * per first byte in a hash map and sends each frame's length and first
 * byte to a ring buffer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__uint(map_flags, BPF_F_ZERO_SEED); /* the same key order on both */
	__type(key, __u32);
	__type(value, __u64);
} by_first SEC(".maps");

struct event {
	__u32 len;
	__u32 first;
};

const volatile __u8 drop_byte = 0xff;
__u64 frames;
__u64 bytes = 1000;

SEC("xdp")
int count_frames(struct xdp_md *ctx)
{
	struct event *e;
	__u32 first = 0;
	__u8 b = 0;
	__u64 one = 1, *n;

	bpf_xdp_load_bytes(ctx, 0, &b, 1);
	first = b;
	frames++;
	bytes += bpf_xdp_get_buff_len(ctx);
	n = bpf_map_lookup_elem(&by_first, &first);
	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&by_first, &first, &one, BPF_NOEXIST);
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (e) {
		e->len = bpf_xdp_get_buff_len(ctx);
		e->first = first;
		bpf_ringbuf_submit(e, 0);
	}
	return b == drop_byte ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
