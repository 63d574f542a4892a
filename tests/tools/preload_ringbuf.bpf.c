// SPDX-License-Identifier: MIT
/*
 * The object preload_libbpf (tests/tools/preload_libbpf.c) loads with
 * Debian's libbpf.so: an XDP program that sends each frame's length and
 * first byte to a ring buffer and counts frames in a global (.bss, which
 * libbpf mmaps). Built with BTF (-g): its maps are BTF-defined; libbpf
 * loads it without BTF where BPF_BTF_LOAD is refused (kbpf today).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct event {
	__u32 len;
	__u32 first;
};

__u64 frames;

SEC("xdp")
int send_frames(struct xdp_md *ctx)
{
	struct event *e;
	__u8 first = 0;

	bpf_xdp_load_bytes(ctx, 0, &first, 1);
	frames++;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return XDP_ABORTED;
	e->len = bpf_xdp_get_buff_len(ctx);
	e->first = first;
	bpf_ringbuf_submit(e, 0);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
