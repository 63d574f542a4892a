// SPDX-License-Identifier: MIT
/*
 * Packet contexts (net/core/filter.c and net/ethernet/eth.c in behaviour):
 * struct kbpf_skb for socket filters, tc and cgroup skb programs, struct kbpf_xdp for
 * XDP, filled the way Linux fills an sk_buff or xdp_buff for a received
 * packet, and the runners that hand them to the interpreter with the
 * regions checked mode needs.
 *
 * No locks: a context belongs to the one run that uses it.
 */
#include "core/alloc.h"
#include "core/priv.h"
#include "core/prog.h"
#include "kbpf/packet.h"
#include "net_internal.h"

_Static_assert(sizeof(struct __sk_buff) == 192, "__sk_buff layout");
_Static_assert(offsetof(struct kbpf_skb, data) == sizeof(struct __sk_buff),
	       "the pointers follow the UAPI view");
_Static_assert(offsetof(struct kbpf_skb_sock, tcp_view) ==
		       offsetof(struct kbpf_skb_sock, sk_view) + 80,
	       "one read-only region for both socket views");
_Static_assert(sizeof(struct xdp_md) == 24, "xdp_md layout");
_Static_assert(offsetof(struct kbpf_xdp, data) == 32, "xdp pointers");

/* Linux's enum of skb->pkt_type values (uapi/linux/if_packet.h). */
#define PACKET_HOST 0
#define PACKET_MULTICAST 2
#define PACKET_OTHERHOST 3

/* Linux's ETH_P_802_3_MIN, ETH_P_802_3, ETH_P_802_2 (host order). */
#define ETH_P_802_3_MIN 0x0600
#define ETH_P_802_3 0x0001
#define ETH_P_802_2 0x0004

/* A big-endian u16 as the kernel keeps a __be16 in memory, read natively. */
static uint16_t be16_raw(uint16_t host_order)
{
	uint8_t b[2] = { (uint8_t)(host_order >> 8), (uint8_t)host_order };
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

/*
 * Linux's eth_type_trans() on a device whose address is all zero and
 * which has no broadcast address (the loopback device test runs use):
 * the destination decides pkt_type, the EtherType (or the 802.3 rules
 * below 0x600) decides protocol. protocol stays in network byte order.
 */
static void skb_eth_type_trans(struct kbpf_skb *skb, const uint8_t *eth,
			       uint32_t len)
{
	static const uint8_t zero[6];
	uint16_t proto = (uint16_t)(eth[12] << 8 | eth[13]);

	if (!memcmp(eth, zero, 6))
		skb->md.pkt_type = PACKET_HOST;
	else if (eth[0] & 1)
		skb->md.pkt_type = PACKET_MULTICAST;
	else
		skb->md.pkt_type = PACKET_OTHERHOST;
	if (proto < ETH_P_802_3_MIN) {
		/* Raw 802.3 (Novell) frames start their payload with 0xffff. */
		if (len >= KBPF_ETH_HLEN + 2 && eth[14] == 0xff &&
		    eth[15] == 0xff)
			proto = ETH_P_802_3;
		else
			proto = ETH_P_802_2;
	}
	skb->md.protocol = be16_raw(proto);
}

int kbpf_skb_init(struct kbpf_skb *skb, void *head, uint32_t buf_size,
		  uint32_t off, uint32_t len, bool l2, uint32_t ifindex)
{
	uint8_t *h = head;

	if (len < KBPF_ETH_HLEN || off > buf_size || len > buf_size - off)
		return -KBPF_EINVAL;
	memset(skb, 0, sizeof(*skb));
	skb->head = h;
	skb->end = h + buf_size;
	skb->mac = h + off;
	skb->network = h + off + KBPF_ETH_HLEN;
	skb_eth_type_trans(skb, skb->mac, len);
	/* Socket filters see the packet after the Ethernet header is pulled. */
	skb->data = (uint64_t)(uintptr_t)(l2 ? skb->mac : skb->network);
	skb->data_end = (uint64_t)(uintptr_t)(h + off + len);
	skb->data_meta = skb->data;
	skb->md.len = (uint32_t)(skb->data_end - skb->data);
	skb->md.ifindex = ifindex;
	skb->md.wire_len = skb->md.len;
	return 0;
}

int kbpf_xdp_init(struct kbpf_xdp *xdp, void *hard_start, uint32_t frame_sz,
		  uint32_t headroom, uint32_t meta_len, uint32_t len,
		  uint32_t tailroom, uint32_t ifindex, uint32_t rx_queue)
{
	uint8_t *h = hard_start;

	if (tailroom > frame_sz ||
	    headroom < KBPF_XDP_FRAME_RESERVE + (uint64_t)meta_len ||
	    (uint64_t)headroom + len > frame_sz - tailroom)
		return -KBPF_EINVAL;
	memset(xdp, 0, sizeof(*xdp));
	xdp->hard_start = h;
	xdp->frame_sz = frame_sz;
	xdp->tailroom = tailroom;
	xdp->data = (uint64_t)(uintptr_t)(h + headroom);
	xdp->data_meta = xdp->data - meta_len;
	xdp->data_end = xdp->data + len;
	xdp->md.ingress_ifindex = ifindex;
	xdp->md.rx_queue_index = rx_queue;
	return 0;
}

int kbpf_skb_run_cg(struct kbpf_prog *prog, const struct kbpf_host *h,
		    struct kbpf_skb *skb, enum kbpf_interp_mode mode,
		    uint32_t cpu, uint64_t *ret, void *cg_run)
{
	struct kbpf_interp_args args = {
		.cg_run = cg_run,
		.ctx = skb,
		/* The UAPI view is the program's; the pointers are read-only. */
		.ctx_size = KBPF_SKB_DATA_META_OFF + sizeof(uint64_t),
		.ctx_writable = true,
		.ctx_ro_size = 3 * sizeof(uint64_t),
		.ctx_type = prog->type,
		.mode = mode,
		.cpu = cpu,
	};

	if (!kbpf_prog_type_is_skb(prog->type))
		return -KBPF_EINVAL;
	/*
	 * __sk_buff->sk: the host's view of the packet's socket, or NULL. Set
	 * at every run: a checked program may have written the field.
	 */
	skb->md.sk = NULL;
	if (skb->sk && skb->sk->in_ctx) {
		skb->md.sk = (struct bpf_sock *)(uintptr_t)skb->sk->sk_view;
		args.ro = skb->sk->sk_view;
		args.ro_size =
			sizeof(skb->sk->sk_view) + sizeof(skb->sk->tcp_view);
	}
	/*
	 * Socket filters cannot reach the packet directly (only by helpers);
	 * cgroup skb programs only if their loader had CAP_BPF (the access
	 * pass refused data/data_end loads to the others).
	 */
	if (prog->type != BPF_PROG_TYPE_SOCKET_FILTER &&
	    (prog->type != BPF_PROG_TYPE_CGROUP_SKB ||
	     (prog->priv & KBPF_PRIV_BPF))) {
		args.pkt = (void *)(uintptr_t)skb->data_meta;
		args.pkt_size = (size_t)(skb->data_end - skb->data_meta);
	}
	return kbpf_interp_run(prog, h, &args, ret);
}

int kbpf_skb_run(struct kbpf_prog *prog, const struct kbpf_host *h,
		 struct kbpf_skb *skb, enum kbpf_interp_mode mode, uint32_t cpu,
		 uint64_t *ret)
{
	return kbpf_skb_run_cg(prog, h, skb, mode, cpu, ret, NULL);
}

int kbpf_xdp_run(struct kbpf_prog *prog, const struct kbpf_host *h,
		 struct kbpf_xdp *xdp, enum kbpf_interp_mode mode, uint32_t cpu,
		 uint64_t *ret)
{
	struct kbpf_interp_args args = {
		.ctx = xdp,
		/* xdp_md is read-only to programs in Linux. */
		.ctx_size = KBPF_XDP_DATA_META_OFF + sizeof(uint64_t),
		.ctx_writable = false,
		.pkt = (void *)(uintptr_t)xdp->data_meta,
		.pkt_size = (size_t)(xdp->data_end - xdp->data_meta),
		.ctx_type = BPF_PROG_TYPE_XDP,
		.mode = mode,
		.cpu = cpu,
	};

	if (prog->type != BPF_PROG_TYPE_XDP)
		return -KBPF_EINVAL;
	return kbpf_interp_run(prog, h, &args, ret);
}

int kbpf_cgroup_skb_run(struct kbpf_prog *prog, const struct kbpf_host *h,
			struct kbpf_skb *skb, enum kbpf_interp_mode mode,
			uint32_t cpu, uint32_t *verdict)
{
	return kbpf_cgroup_skb_run_cg(prog, h, skb, mode, cpu, verdict, NULL);
}

int kbpf_cgroup_skb_run_cg(struct kbpf_prog *prog, const struct kbpf_host *h,
			   struct kbpf_skb *skb, enum kbpf_interp_mode mode,
			   uint32_t cpu, uint32_t *verdict, void *cg_run)
{
	uint32_t cb[KBPF_ARRAY_SIZE(skb->md.cb)];
	uint64_t r0 = 0;
	int err;

	*verdict = 0;
	if (prog->type != BPF_PROG_TYPE_CGROUP_SKB)
		return -KBPF_EINVAL;
	/* Linux saves the control block around cgroup programs. */
	memcpy(cb, skb->md.cb, sizeof(cb));
	err = kbpf_skb_run_cg(prog, h, skb, mode, cpu, &r0, cg_run);
	memcpy(skb->md.cb, cb, sizeof(cb));
	if (err)
		return err;
	*verdict = (uint32_t)(r0 & KBPF_CGROUP_SKB_PASS);
	if (prog->expected_attach_type == BPF_CGROUP_INET_EGRESS)
		*verdict |= (uint32_t)(r0 & KBPF_CGROUP_SKB_CN);
	return 0;
}
