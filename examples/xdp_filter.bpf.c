// SPDX-License-Identifier: MIT
/*
 * An XDP firewall: parse Ethernet, IPv4 (options included) and UDP or TCP,
 * drop packets whose destination port is a key of the blocked_ports hash
 * map (its value counts the drops), and count packets and bytes per IP
 * protocol in a per-CPU array (each CPU has its own slot: no atomics).
 * Everything that is not IPv4 (ARP, IPv6) goes to the stack untouched.
 *   kbpf run xdp_filter.bpf.o --data packets/udp_dns.pkt \
 *           --update blocked_ports 53 0
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define IP_FRAG_OFFSET 0x1fff /* fragment offset bits of iphdr.frag_off */

struct proto_stats {
	__u64 packets;
	__u64 bytes;
};

/* Indexed by the IP protocol number (1 ICMP, 6 TCP, 17 UDP...). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, struct proto_stats);
} proto_stats SEC(".maps");

/* Destination port (host byte order) -> packets dropped; user space fills it. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u64);
} blocked_ports SEC(".maps");

SEC("xdp")
int xdp_filter(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct proto_stats *st;
	struct iphdr *ip;
	__u64 *drops;
	__u32 proto;
	__u16 port;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_DROP; /* a runt frame */
	if (eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return XDP_DROP;

	proto = ip->protocol;
	st = bpf_map_lookup_elem(&proto_stats, &proto);
	if (st) {
		st->packets++;
		st->bytes += bpf_xdp_get_buff_len(ctx);
	}

	/* Only the first fragment carries the ports. */
	if (ip->frag_off & bpf_htons(IP_FRAG_OFFSET))
		return XDP_PASS;
	l4 = (void *)ip + ip->ihl * 4;
	if (proto == IPPROTO_UDP) {
		struct udphdr *udp = l4;

		if ((void *)(udp + 1) > data_end)
			return XDP_DROP;
		port = bpf_ntohs(udp->dest);
	} else if (proto == IPPROTO_TCP) {
		struct tcphdr *tcp = l4;

		if ((void *)(tcp + 1) > data_end)
			return XDP_DROP;
		port = bpf_ntohs(tcp->dest);
	} else {
		return XDP_PASS;
	}

	drops = bpf_map_lookup_elem(&blocked_ports, &port);
	if (!drops)
		return XDP_PASS;
	__sync_fetch_and_add(drops, 1);
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
