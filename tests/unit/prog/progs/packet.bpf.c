// SPDX-License-Identifier: MIT
/*
 * Packet programs as people write them (libbpf-bootstrap's tc/xdp/socket
 * examples and the like): parse Ethernet/IPv4/UDP with bounds checks,
 * rewrite headers and checksums, move the XDP head, tail and metadata,
 * keep counters and emit ring buffer records. Built at test time and run
 * by kbpf and by the kernel with the same packets.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct event {
	__u32 len;
	__u32 proto;
	__u32 pkt_type;
	__u32 ifindex;
	__u32 saddr;
	__u32 daddr;
	__u8 ip_proto;
	__u8 pad[3];
};

static __always_inline void count(__u32 key)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &key);

	if (v)
		__sync_fetch_and_add(v, 1);
}

/* XDP: answer UDP port 53 by bouncing the packet back, pass TCP, drop the rest. */
SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip;
	struct udphdr *udp;
	unsigned char mac[ETH_ALEN];
	__be32 addr;
	__be16 port;

	if ((void *)(eth + 1) > data_end)
		return XDP_ABORTED;
	if (eth->h_proto != bpf_htons(ETH_P_IP)) {
		count(0);
		return XDP_DROP;
	}
	ip = (void *)(eth + 1);
	if ((void *)(ip + 1) > data_end || ip->ihl < 5)
		return XDP_ABORTED;
	if (ip->protocol == IPPROTO_TCP) {
		count(1);
		return XDP_PASS;
	}
	if (ip->protocol != IPPROTO_UDP)
		return XDP_DROP;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > data_end)
		return XDP_ABORTED;
	count(2);
	if (udp->dest != bpf_htons(53))
		return XDP_PASS;
	__builtin_memcpy(mac, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, mac, ETH_ALEN);
	addr = ip->saddr;
	ip->saddr = ip->daddr;
	ip->daddr = addr;
	port = udp->source;
	udp->source = udp->dest;
	udp->dest = port;
	return XDP_TX;
}

static __always_inline __u16 csum_fold_helper(__u64 csum)
{
	for (int i = 0; i < 4; i++)
		if (csum >> 16)
			csum = (csum & 0xffff) + (csum >> 16);
	return ~csum;
}

/* XDP: push an outer IPv4 header (IP-in-IP), a 4-byte trailer and 8 bytes of metadata. */
SEC("xdp")
int xdp_encap(struct xdp_md *ctx)
{
	void *data, *data_end, *meta;
	struct ethhdr *eth, *inner_eth;
	struct iphdr *outer, *inner;
	__u32 tv, *m;
	__u64 csum = 0;
	int len;

	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	inner_eth = data;
	inner = (void *)(inner_eth + 1);
	if ((void *)(inner + 1) > data_end ||
	    inner_eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	len = data_end - data;
	if (bpf_xdp_adjust_head(ctx, -(int)sizeof(struct iphdr)))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	eth = data;
	inner_eth = data + sizeof(struct iphdr);
	outer = (void *)(eth + 1);
	if ((void *)(outer + 1) > data_end ||
	    (void *)(inner_eth + 1) > data_end)
		return XDP_ABORTED;
	__builtin_memcpy(eth, inner_eth, sizeof(*eth));
	inner = (void *)(outer + 1);
	if ((void *)(inner + 1) > data_end)
		return XDP_ABORTED;
	outer->version = 4;
	outer->ihl = 5;
	outer->tos = 0;
	outer->tot_len = bpf_htons(len - ETH_HLEN + sizeof(struct iphdr));
	outer->id = 0;
	outer->frag_off = 0;
	outer->ttl = 64;
	outer->protocol = IPPROTO_IPIP;
	outer->check = 0;
	outer->saddr = bpf_htonl(0xc0a80001);
	outer->daddr = inner->daddr;
	csum = bpf_csum_diff(0, 0, (__be32 *)outer, sizeof(*outer), 0);
	outer->check = csum_fold_helper(csum);
	if (bpf_xdp_adjust_tail(ctx, 4))
		return XDP_ABORTED;
	data = (void *)(long)ctx->data;
	data_end = (void *)(long)ctx->data_end;
	tv = bpf_htonl(0xfeedf00d);
	if (bpf_xdp_store_bytes(ctx, (data_end - data) - 4, &tv, 4))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_meta(ctx, -8))
		return XDP_ABORTED;
	meta = (void *)(long)ctx->data_meta;
	data = (void *)(long)ctx->data;
	m = meta;
	if ((void *)(m + 2) > data)
		return XDP_ABORTED;
	m[0] = 0xabcdef01;
	m[1] = len;
	return XDP_TX;
}

/* XDP: metadata written by the caller (ctx_in) is read back; the tail is trimmed. */
SEC("xdp")
int xdp_meta_trim(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *meta = (void *)(long)ctx->data_meta;
	__u32 *m = meta;
	__u32 v = 0;
	__u8 buf[8];

	if ((void *)(m + 1) <= data)
		v = *m;
	if (bpf_xdp_load_bytes(ctx, 2, buf, sizeof(buf)))
		return XDP_ABORTED;
	buf[0] ^= 0xff;
	if (bpf_xdp_store_bytes(ctx, 0, buf, 4))
		return XDP_ABORTED;
	if (bpf_xdp_adjust_tail(ctx, -(int)(v & 0x1f)))
		return XDP_DROP;
	return bpf_xdp_get_buff_len(ctx) + (ctx->ingress_ifindex << 16) +
	       (ctx->rx_queue_index << 24);
}

/* tc: DNAT UDP to 192.168.1.2, fixing the IP and UDP checksums, and mark the packet. */
SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	__be32 old, new = bpf_htonl(0xc0a80102);
	int ip_off = ETH_HLEN, udp_off;
	__u8 ttl;

	if ((void *)(ip + 1) > data_end)
		return TC_ACT_OK;
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	if (ip->protocol != IPPROTO_UDP)
		return TC_ACT_SHOT;
	old = ip->daddr;
	udp_off = ip_off + ip->ihl * 4;
	if (bpf_l4_csum_replace(skb, udp_off + offsetof(struct udphdr, check),
				old, new, BPF_F_PSEUDO_HDR | sizeof(new)))
		return TC_ACT_SHOT;
	if (bpf_l3_csum_replace(skb, ip_off + offsetof(struct iphdr, check),
				old, new, sizeof(new)))
		return TC_ACT_SHOT;
	if (bpf_skb_store_bytes(skb, ip_off + offsetof(struct iphdr, daddr),
				&new, sizeof(new), 0))
		return TC_ACT_SHOT;
	/* Pointers are stale after the helpers: reload and decrement the TTL. */
	data = (void *)(long)skb->data;
	data_end = (void *)(long)skb->data_end;
	ip = data + ETH_HLEN;
	if ((void *)(ip + 1) > data_end)
		return TC_ACT_SHOT;
	ttl = ip->ttl - 1;
	bpf_l3_csum_replace(skb, ip_off + offsetof(struct iphdr, check),
			    bpf_htons(ip->ttl << 8), bpf_htons(ttl << 8), 2);
	bpf_skb_store_bytes(skb, ip_off + offsetof(struct iphdr, ttl), &ttl, 1,
			    0);
	skb->mark = 0x42;
	skb->priority = skb->len;
	skb->cb[0] = skb->pkt_type;
	skb->cb[1] = skb->ifindex;
	skb->tc_classid = 0x10001;
	count(3);
	return TC_ACT_OK;
}

/* A subprogram that gets the context as an argument, as libbpf code often does. */
static __noinline int skb_summary(struct __sk_buff *skb, int salt)
{
	__u32 w = 0;

	if (bpf_skb_load_bytes(skb, 12, &w, 2))
		return -1;
	return (skb->len ^ skb->protocol ^ skb->mark ^ skb->priority ^
		skb->cb[2] ^ skb->gso_segs ^ skb->wire_len ^ w) +
	       salt;
}

/* tc: reads the fields the test run fills, through a subprogram and a spill. */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	volatile struct __sk_buff *keep = skb;
	int r = skb_summary(skb, 7);

	skb->cb[4] = r;
	skb->tstamp = skb->tstamp + 1;
	return r + keep->ingress_ifindex + keep->hwtstamp;
}

/* A socket filter as in libbpf-bootstrap's sockfilter: one ring buffer record per IP packet. */
SEC("socket")
int sock_filter(struct __sk_buff *skb)
{
	struct event *e;
	__u8 verlen;
	__u16 proto;

	if (bpf_skb_load_bytes_relative(skb, 12, &proto, 2, BPF_HDR_START_MAC))
		return 0;
	proto = __bpf_ntohs(proto);
	if (proto != ETH_P_IP)
		return skb->pkt_type;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->len = skb->len;
	e->proto = skb->protocol;
	e->pkt_type = skb->pkt_type;
	e->ifindex = skb->ifindex;
	bpf_skb_load_bytes(skb, offsetof(struct iphdr, protocol), &e->ip_proto,
			   1);
	bpf_skb_load_bytes(skb, offsetof(struct iphdr, saddr), &e->saddr, 4);
	bpf_skb_load_bytes(skb, offsetof(struct iphdr, daddr), &e->daddr, 4);
	bpf_skb_load_bytes(skb, 0, &verlen, 1);
	e->pad[0] = verlen;
	bpf_ringbuf_submit(e, 0);
	count(4);
	return skb->len;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
