// SPDX-License-Identifier: MIT
/*
 * A tc port forwarder: TCP and UDP packets to a port listed in port_map
 * (from port -> to port, host byte order; user space fills it) get the
 * destination port rewritten with bpf_skb_store_bytes and the L4
 * checksum fixed with bpf_l4_csum_replace (a UDP checksum of 0, "none",
 * stays 0: BPF_F_MARK_MANGLED_0), and are marked with a DSCP class
 * (AF41 unless the loader sets the dscp constant) with the IPv4 header
 * checksum fixed by bpf_l3_csum_replace. ECN bits are kept. stats counts
 * packets forwarded (0) and left alone (1).
 *   kbpf run tc_portmap.bpf.o --data packets/tcp_syn.pkt \
 *           --update port_map 8080 80
 */
#include <stddef.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#define IP_FRAG_OFFSET 0x1fff /* fragment offset bits of iphdr.frag_off */

const volatile __u8 dscp = 34; /* AF41 */

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u16);
} port_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u64);
} stats SEC(".maps");

static __always_inline int count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
	return TC_ACT_OK;
}

SEC("tc")
int tc_portmap(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct iphdr *ip = data + ETH_HLEN;
	__u32 l4_off, csum_off, port_off;
	__be16 old_port, new_port, old_w, new_w;
	__u64 csum_flags;
	__u16 from, *to;
	__u8 tos;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return count(1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return TC_ACT_SHOT;
	if (ip->frag_off & bpf_htons(IP_FRAG_OFFSET))
		return count(1); /* no ports in later fragments */
	l4_off = ETH_HLEN + ip->ihl * 4;
	if (ip->protocol == IPPROTO_TCP) {
		csum_off = l4_off + offsetof(struct tcphdr, check);
		csum_flags = 0;
	} else if (ip->protocol == IPPROTO_UDP) {
		csum_off = l4_off + offsetof(struct udphdr, check);
		csum_flags = BPF_F_MARK_MANGLED_0;
	} else {
		return count(1);
	}
	/* The destination port sits at the same offset in TCP and UDP. */
	port_off = l4_off + offsetof(struct udphdr, dest);
	if (bpf_skb_load_bytes(skb, port_off, &old_port, sizeof(old_port)))
		return TC_ACT_SHOT;
	from = bpf_ntohs(old_port);
	to = bpf_map_lookup_elem(&port_map, &from);
	if (!to)
		return count(1);
	new_port = bpf_htons(*to);

	/* The port is not in the pseudo header: only the L4 sum changes. */
	if (bpf_l4_csum_replace(skb, csum_off, old_port, new_port,
				csum_flags | sizeof(new_port)) ||
	    bpf_skb_store_bytes(skb, port_off, &new_port, sizeof(new_port), 0))
		return TC_ACT_SHOT;

	/* DSCP: the TOS byte is the low half of the header's first word. */
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &old_w, sizeof(old_w)))
		return TC_ACT_SHOT;
	tos = (__u8)(dscp << 2) | (((__u8 *)&old_w)[1] & 3);
	new_w = old_w;
	((__u8 *)&new_w)[1] = tos;
	if (bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check),
				old_w, new_w, sizeof(new_w)) ||
	    bpf_skb_store_bytes(skb, ETH_HLEN + offsetof(struct iphdr, tos),
				&tos, sizeof(tos), 0))
		return TC_ACT_SHOT;
	return count(0);
}

char LICENSE[] SEC("license") = "GPL";
