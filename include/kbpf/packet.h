/* SPDX-License-Identifier: MIT */
/*
 * Packet programs: the contexts SOCKET_FILTER, SCHED_CLS/SCHED_ACT (tc),
 * CGROUP_SKB and XDP programs run on, and how a host runs them on its
 * packets (cgroup skb programs from its cgroup hooks:
 * kbpf_cgroup_skb_run()).
 *
 * Programs see Linux's UAPI context (struct __sk_buff, struct xdp_md), in
 * which data, data_end and data_meta are u32 fields that the program uses
 * as 64-bit packet pointers. Linux's verifier rewrites those loads; kbpf's
 * load-time pass does the same (docs/design/packet.md): a load of one of
 * those fields from the context becomes a load of the 64-bit pointer that
 * follows the UAPI struct in kbpf's context. So a kbpf context is the UAPI
 * struct followed by the real pointers, then state the helpers keep.
 *
 * A host fills a context with kbpf_skb_init() or kbpf_xdp_init() over its
 * buffer and runs a program with kbpf_skb_run() or kbpf_xdp_run(). The
 * program may move the packet's start and end within the buffer (XDP
 * adjust_head/adjust_tail/adjust_meta); the host reads the result from
 * data/data_end/data_meta afterwards.
 */
#ifndef KBPF_PACKET_H
#define KBPF_PACKET_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "host.h"
#include "interp.h"
#include "prog.h"
#include "uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux's ETH_HLEN: the smallest packet a program is given. */
#define KBPF_ETH_HLEN 14

/*
 * Headroom an XDP program can never reclaim with adjust_head/adjust_meta:
 * Linux keeps its struct xdp_frame there (40 bytes on 64-bit Linux 6.18,
 * measured: adjust_head reaches -216 of the 256-byte headroom).
 */
#define KBPF_XDP_FRAME_RESERVE 40

/* Fragments an XDP buffer may carry beyond its linear part (MAX_SKB_FRAGS). */
#define KBPF_XDP_MAX_FRAGS 17

/**
 * struct kbpf_skb_sock - what programs learn of the socket a packet
 * belongs to (the sending socket on egress, the receiving one after
 * demultiplexing on ingress), filled by the host.
 * @cookie: bpf_get_socket_cookie (Linux's unique, nonzero socket cookie).
 * @uid: bpf_get_socket_uid (the owner's uid in the host's initial user
 *       namespace).
 * @netns_cookie: bpf_get_netns_cookie (the socket's network namespace).
 * @task_cgroup: the socket belongs to the cgroup of the task the program
 *       runs for (as a socket a task creates does, until it migrates):
 *       bpf_skb_cgroup_id, bpf_skb_ancestor_cgroup_id and
 *       bpf_skb_under_cgroup then answer from kbpf_host.current_cgroup_id
 *       and current_in_cgroup. False: kbpf knows no cgroup of the socket
 *       (ids 0, under no cgroup).
 * @in_ctx: programs see the socket through __sk_buff->sk (Linux's
 *       skb->sk, a PTR_TO_SOCK_COMMON_OR_NULL) and reach it with
 *       bpf_sk_fullsock, bpf_tcp_sock and bpf_get_listener_sock; false:
 *       __sk_buff->sk reads NULL (a host that fills only the fields above).
 * @fullsock: a full socket (Linux's sk_fullsock(): not a request or
 *       time-wait one); bpf_sk_fullsock gives NULL otherwise.
 * @sk_view: with @in_ctx, the socket's struct bpf_sock (80 bytes), as
 *       struct kbpf_sk_info.sk (include/kbpf/host.h) describes it: what
 *       programs read through __sk_buff->sk. state 10 (TCP_LISTEN) in a
 *       full socket makes it what bpf_get_listener_sock returns.
 * @tcp_view: with @in_ctx, its struct bpf_tcp_sock (112 bytes), read
 *       through bpf_tcp_sock's result if @sk_view says a full TCP stream
 *       socket (type 1, protocol 6); zero what the host does not know.
 * Programs read @sk_view and @tcp_view and never write them (the
 *       verifier refuses writes; checked mode maps them read-only); the
 *       host keeps the struct alive and unchanged during the run.
 */
struct kbpf_skb_sock {
	uint64_t cookie;
	uint32_t uid;
	uint64_t netns_cookie;
	bool task_cgroup;
	bool in_ctx;
	bool fullsock;
	uint64_t sk_view[10];
	uint64_t tcp_view[14];
};

/**
 * struct kbpf_skb - the context of a socket filter, tc or cgroup skb program.
 * @md: what the program reads and writes, in Linux's layout. kbpf fills
 *      len, pkt_type, protocol, ifindex, wire_len and the fields the
 *      caller set; programs write mark, priority, cb[], tc_index,
 *      tc_classid, queue_mapping, tstamp (tc) or cb[] (socket filters).
 *      The data, data_end and data_meta fields stay 0: programs read
 *      the pointers below.
 * @data: the packet's first byte; for socket filters the network
 *        header, for tc the Ethernet header (as Linux).
 * @data_end: one past the packet's last byte.
 * @data_meta: start of metadata before @data (== @data: no metadata).
 * @head: start of the buffer; @end: its end. Helpers never reach outside;
 *        those that grow the packet (bpf_skb_change_head/_tail, a VLAN tag
 *        pushed into the frame) use the room between them and fail with
 *        -ENOMEM when it is full (Linux would reallocate).
 * @mac: the Ethernet header (LD_ABS-style offsets and helpers use it).
 * @network: the network header.
 * @transport: the transport header, NULL while unknown (Linux's unset
 *        transport_header, as in a received packet before the IP layer);
 *        bpf_skb_adjust_room sets it for a UDP or GRE encapsulation, and
 *        bpf_skb_change_tail then keeps the packet at least that long.
 * @encapsulation: bpf_skb_adjust_room pushed an outer header (Linux's
 *        skb->encapsulation): a second encapsulation answers -EALREADY and
 *        bpf_skb_change_tail -ENOTSUPP.
 * @csum: ones'-complement sum of the bytes from @network to @data_end
 *        while @csum_complete (Linux's CHECKSUM_COMPLETE): helpers that
 *        rewrite bytes with BPF_F_RECOMPUTE_CSUM keep it up to date.
 * @csum_complete: @csum is maintained.
 * @csum_unnecessary: Linux's CHECKSUM_UNNECESSARY (the device checked
 *        @csum_level + 1 checksums); bpf_csum_level changes it. Neither
 *        this nor @csum_complete: CHECKSUM_NONE.
 * @csum_level: see @csum_unnecessary (0-3).
 * @hash_set: md.hash holds the flow hash (software or given by the host,
 *        Linux's sw_hash/l4_hash); clear, bpf_get_hash_recalc computes
 *        it from the packet's addresses and ports.
 * @sk: the packet's socket, or NULL (the helpers then answer as Linux
 *      does for a packet without one: cookie 0, uid 65534, the host's
 *      netns_cookie). kbpf_skb_init() sets NULL; the host sets it after.
 *
 * Only @md is the program's to change: helpers and kbpf use the pointers,
 * which the program can read but never write (checked mode enforces it).
 */
struct kbpf_skb {
	struct __sk_buff md;
	uint64_t data;
	uint64_t data_end;
	uint64_t data_meta;
	uint8_t *head;
	uint8_t *end;
	uint8_t *mac;
	uint8_t *network;
	uint8_t *transport;
	bool encapsulation;
	uint32_t csum;
	bool csum_complete;
	bool csum_unnecessary;
	uint8_t csum_level;
	bool hash_set;
	const struct kbpf_skb_sock *sk;
};

/**
 * struct kbpf_xdp_frag - one fragment of a multi-buffer XDP packet.
 * @data: its bytes; @size: bytes in use; @cap: bytes @data can hold.
 */
struct kbpf_xdp_frag {
	uint8_t *data;
	uint32_t size;
	uint32_t cap;
};

/**
 * struct kbpf_xdp - the context of an XDP program.
 * @md: what the program reads, in Linux's layout: ingress_ifindex,
 *      rx_queue_index and egress_ifindex as the host sets them; data,
 *      data_end and data_meta stay 0 (programs read the pointers below).
 * @data, @data_end, @data_meta: the packet and its metadata
 *      (@data_meta <= @data <= @data_end).
 * @hard_start: start of the buffer; the packet may grow down to
 *      @hard_start + KBPF_XDP_FRAME_RESERVE.
 * @frame_sz: the buffer's size from @hard_start.
 * @tailroom: bytes at the end of the buffer the packet may not grow into
 *      (Linux reserves its skb_shared_info there: 320 bytes).
 * @nr_frags, @frags, @frags_size: fragments after the linear part
 *      (multi-buffer packets); bytes in all fragments.
 * @redirect_map, @redirect_key, @redirect_flags: after an XDP_REDIRECT
 *      verdict, where the program sent the packet: bpf_redirect_map's map
 *      (a DEVMAP/DEVMAP_HASH: kbpf_devmap_lookup() gives the ifindex; with
 *      BPF_F_BROADCAST in @redirect_flags, every entry), key and flags;
 *      for bpf_redirect, @redirect_map is NULL and @redirect_key the
 *      ifindex. The host sets them to zero before a run and transmits.
 */
struct kbpf_xdp {
	struct xdp_md md;
	uint32_t reserved[2];
	uint64_t data;
	uint64_t data_end;
	uint64_t data_meta;
	uint8_t *hard_start;
	uint32_t frame_sz;
	uint32_t tailroom;
	uint32_t nr_frags;
	uint32_t frags_size;
	struct kbpf_xdp_frag frags[KBPF_XDP_MAX_FRAGS];
	struct kbpf_map *redirect_map;
	uint32_t redirect_key;
	uint32_t redirect_flags;
};

/* Where the rewritten pointer loads read (the load-time pass uses these). */
#define KBPF_SKB_DATA_OFF offsetof(struct kbpf_skb, data)
#define KBPF_SKB_DATA_END_OFF offsetof(struct kbpf_skb, data_end)
#define KBPF_SKB_DATA_META_OFF offsetof(struct kbpf_skb, data_meta)
#define KBPF_XDP_DATA_OFF offsetof(struct kbpf_xdp, data)
#define KBPF_XDP_DATA_END_OFF offsetof(struct kbpf_xdp, data_end)
#define KBPF_XDP_DATA_META_OFF offsetof(struct kbpf_xdp, data_meta)

/**
 * kbpf_skb_init() - fill @skb for a packet of @len bytes at @head + @off,
 * starting with its Ethernet header, as Linux prepares a received packet.
 * @buf_size: bytes of the buffer at @head (the packet must fit:
 *            @off + @len <= @buf_size).
 * @l2: true for tc programs (data starts at the Ethernet header), false
 *      for socket filters (data starts at the network header, after the
 *      Ethernet header is pulled, and len counts from there).
 * @ifindex: the device the packet arrived on (md.ifindex).
 *
 * Sets md.len, md.protocol (the EtherType, or ETH_P_802_3/ETH_P_802_2 for
 * 802.3 frames, as Linux's eth_type_trans()), md.pkt_type (PACKET_HOST,
 * _BROADCAST, _MULTICAST or _OTHERHOST against an all-zero device address,
 * as Linux's loopback device has), md.ifindex and md.wire_len; everything
 * else is zero. Set other md fields (mark, priority, cb...) afterwards.
 *
 * Context: any; does not allocate.
 * Return: 0, or -EINVAL if @len < KBPF_ETH_HLEN or the packet does not fit.
 */
KBPF_API int kbpf_skb_init(struct kbpf_skb *skb, void *head, uint32_t buf_size,
			   uint32_t off, uint32_t len, bool l2,
			   uint32_t ifindex);

/**
 * kbpf_xdp_init() - fill @xdp for a packet in a buffer of @frame_sz bytes
 * at @hard_start: @meta_len bytes of metadata then @len bytes of packet,
 * starting @headroom bytes into the buffer (the metadata sits just before
 * the packet, inside the headroom).
 * @tailroom: bytes at the buffer's end the packet may not grow into.
 * @ifindex, @rx_queue: md.ingress_ifindex and md.rx_queue_index.
 *
 * Context: any; does not allocate.
 * Return: 0, or -EINVAL if the packet does not fit between
 * KBPF_XDP_FRAME_RESERVE + @meta_len and @frame_sz - @tailroom.
 */
KBPF_API int kbpf_xdp_init(struct kbpf_xdp *xdp, void *hard_start,
			   uint32_t frame_sz, uint32_t headroom,
			   uint32_t meta_len, uint32_t len, uint32_t tailroom,
			   uint32_t ifindex, uint32_t rx_queue);

/**
 * kbpf_prog_type_is_skb() - does a program of @type (enum bpf_prog_type)
 * run on a struct kbpf_skb: socket filters, tc (SCHED_CLS, SCHED_ACT) and
 * cgroup skb programs?
 *
 * The one definition of "skb program" for the interpreter, the helpers,
 * the checks and the test runs. Any context.
 */
static inline bool kbpf_prog_type_is_skb(uint32_t type)
{
	return type == BPF_PROG_TYPE_SOCKET_FILTER ||
	       type == BPF_PROG_TYPE_SCHED_CLS ||
	       type == BPF_PROG_TYPE_SCHED_ACT ||
	       type == BPF_PROG_TYPE_CGROUP_SKB;
}

/**
 * kbpf_prog_type_is_packet() - does a program of @type run on a packet
 * context: struct kbpf_skb (kbpf_prog_type_is_skb()) or struct kbpf_xdp
 * (XDP)? Any context.
 */
static inline bool kbpf_prog_type_is_packet(uint32_t type)
{
	return kbpf_prog_type_is_skb(type) || type == BPF_PROG_TYPE_XDP;
}

/**
 * kbpf_skb_run() / kbpf_xdp_run() - run @prog once on a packet context.
 * @prog: a program of type SOCKET_FILTER, SCHED_CLS, SCHED_ACT or
 *        CGROUP_SKB (skb) or XDP (xdp), loaded by kbpf (its context
 *        accesses are rewritten).
 * @mode: KBPF_INTERP_CHECKED for programs nobody verified: the program may
 *        touch its stack, the context (the pointers read-only) and the
 *        packet from data_meta to data_end as helpers move it, nothing
 *        else. KBPF_INTERP_FAST for programs verified elsewhere.
 * @cpu: the CPU to report to helpers.
 * @ret: receives the program's return value (r0).
 *
 * Context: program path: never sleeps, allocates nothing. Call inside the
 * host's read-side section (kbpf_host.read_lock), as for kbpf_interp_run().
 * Return: 0, or the errno kbpf_interp_run() gives for a stopped run;
 * -EINVAL if @prog is not of a matching type.
 */
KBPF_API int kbpf_skb_run(struct kbpf_prog *prog, const struct kbpf_host *h,
			  struct kbpf_skb *skb, enum kbpf_interp_mode mode,
			  uint32_t cpu, uint64_t *ret);
KBPF_API int kbpf_xdp_run(struct kbpf_prog *prog, const struct kbpf_host *h,
			  struct kbpf_xdp *xdp, enum kbpf_interp_mode mode,
			  uint32_t cpu, uint64_t *ret);

/* Bits of a cgroup skb program's verdict (kbpf_cgroup_skb_run()). */
#define KBPF_CGROUP_SKB_PASS 1u /* let the packet through */
#define KBPF_CGROUP_SKB_CN 2u /* egress: congestion notification asked */

/**
 * kbpf_cgroup_skb_run() - run a BPF_PROG_TYPE_CGROUP_SKB program from the
 * host's cgroup ingress or egress hook, as Linux runs one attached with
 * BPF_CGROUP_INET_INGRESS or BPF_CGROUP_INET_EGRESS.
 * @prog: a CGROUP_SKB program loaded by kbpf.
 * @h: the host.
 * @skb: the packet, filled with kbpf_skb_init(..., l2 = false, ...) so
 *       that data starts at the network header (Linux runs these programs
 *       on the network header in both directions), and @skb->sk set to
 *       the packet's socket if the host has one.
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 * @verdict: receives the program's verdict: KBPF_CGROUP_SKB_PASS if the
 *           packet may pass, and for a program loaded for
 *           BPF_CGROUP_INET_EGRESS KBPF_CGROUP_SKB_CN if it asked for
 *           congestion notification (Linux's return values 2 and 3: the
 *           host answers NET_XMIT_CN, or drops the packet when 2).
 *
 * The program's writes to md.cb[] are undone after the run, as Linux
 * saves and restores the control block around cgroup programs; writes to
 * mark, priority and tstamp stay for the host to apply. Linux's verifier
 * guarantees a return value in 0..1 (0..3 for egress programs); kbpf has
 * no verifier yet and takes the value's low bits.
 *
 * Context: program path: never sleeps, allocates nothing; inside the
 * host's read-side section, as kbpf_skb_run().
 * Return: 0, or the errno kbpf_interp_run() gives for a stopped run
 * (the host then drops the packet, as Linux does for a refusal);
 * -EINVAL if @prog is not a CGROUP_SKB program.
 */
KBPF_API int kbpf_cgroup_skb_run(struct kbpf_prog *prog,
				 const struct kbpf_host *h,
				 struct kbpf_skb *skb,
				 enum kbpf_interp_mode mode, uint32_t cpu,
				 uint32_t *verdict);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_PACKET_H */
