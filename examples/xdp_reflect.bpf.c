// SPDX-License-Identifier: MIT
/*
 * An XDP echo responder: answers ICMP echo requests (ping) and UDP echo
 * (port 7) by turning the packet around in place and sending it back out
 * of the same interface (XDP_TX): MAC and IP addresses swapped, UDP ports
 * swapped, a fresh TTL, the ICMP type changed to echo reply. Checksums:
 * the IPv4 header's is recomputed with bpf_csum_diff (the TTL changed),
 * the ICMP one updated incrementally for the type (RFC 1624), the UDP one
 * kept (swapping addresses and ports does not change a ones'-complement
 * sum). Replies are counted in global variables (the .bss map).
 *   kbpf run xdp_reflect.bpf.o --data packets/icmp_echo.pkt
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define ECHO_PORT 7
#define REPLY_TTL 64

/* From linux/icmp.h, which pulls in libc headers through linux/if.h. */
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

struct icmp_echo {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};

__u64 icmp_replies;
__u64 udp_replies;

/* Fold a 32-bit ones'-complement sum to 16 bits and complement it. */
static __always_inline __u16 csum_fold(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), for one 16-bit word m -> m'. */
static __always_inline void csum_replace2(__sum16 *sum, __u16 from, __u16 to)
{
	__u16 not_hc = ~*sum, not_m = ~from;

	*sum = csum_fold((__u32)not_hc + not_m + to);
}

static __always_inline void swap_eth(struct ethhdr *eth)
{
	unsigned char tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/* Swap the addresses, start a new TTL, recompute the header checksum. */
static __always_inline void reply_ip(struct iphdr *ip)
{
	__be32 addr = ip->saddr;
	__s64 sum;

	ip->saddr = ip->daddr;
	ip->daddr = addr;
	ip->ttl = REPLY_TTL;
	ip->check = 0;
	sum = bpf_csum_diff(0, 0, (__be32 *)ip, sizeof(*ip), 0);
	ip->check = csum_fold((__u32)sum);
}

SEC("xdp")
int xdp_reflect(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);

	if ((void *)(ip + 1) > data_end)
		return XDP_PASS;
	/* IP options would need a longer checksum: leave those to the stack. */
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5)
		return XDP_PASS;

	if (ip->protocol == IPPROTO_ICMP) {
		struct icmp_echo *icmp = (void *)(ip + 1);
		__u16 old;

		if ((void *)(icmp + 1) > data_end)
			return XDP_DROP;
		if (icmp->type != ICMP_ECHO || icmp->code != 0)
			return XDP_PASS;
		old = *(__u16 *)icmp; /* type and code, as they sit in the sum */
		icmp->type = ICMP_ECHOREPLY;
		csum_replace2(&icmp->checksum, old, *(__u16 *)icmp);
		icmp_replies++;
	} else if (ip->protocol == IPPROTO_UDP) {
		struct udphdr *udp = (void *)(ip + 1);
		__be16 port;

		if ((void *)(udp + 1) > data_end)
			return XDP_DROP;
		if (udp->dest != bpf_htons(ECHO_PORT))
			return XDP_PASS;
		port = udp->source;
		udp->source = udp->dest;
		udp->dest = port;
		udp_replies++;
	} else {
		return XDP_PASS;
	}
	reply_ip(ip);
	swap_eth(eth);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
