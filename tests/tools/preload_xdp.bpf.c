// SPDX-License-Identifier: MIT
/*
 * The program tests/tools/test_preload_bpftool.py loads with bpftool, on
 * the kernel and through kbpf-preload: an XDP program that reads the
 * frame's first byte and length through helpers (no context field is read,
 * so its translated code is the same on both), adds the length to a
 * global (.bss: an ld_imm64 of a map value, a map libbpf mmaps) and drops
 * frames that start with the byte in .rodata (a frozen map). Built
 * without BTF (-g0), so libbpf loads it the same way on both sides while
 * kbpf has no BPF_BTF_LOAD.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

__u64 bytes;
const volatile __u8 drop_byte = 0xff;

SEC("xdp")
int kbpf_pl_xdp(struct xdp_md *ctx)
{
	__u8 first;

	if (bpf_xdp_load_bytes(ctx, 0, &first, 1))
		return XDP_ABORTED;
	bytes += bpf_xdp_get_buff_len(ctx);
	return first == drop_byte ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
