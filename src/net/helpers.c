// SPDX-License-Identifier: MIT
/*
 * Helpers of packet programs (net/core/filter.c in behaviour): reading and
 * writing packet bytes, moving an XDP packet's head, tail and metadata,
 * checksum arithmetic, and redirect verdicts. Each works on the context
 * its program type runs on (struct kbpf_skb or struct kbpf_xdp from
 * include/kbpf/packet.h), found through run->ctx, never through a pointer
 * the program passes: the program's r1 is only checked to be the context.
 *
 * Checksums follow Linux on x86-64, whose bytes and return values user
 * space can see: csum_partial() is the ones'-complement sum of the buffer
 * read as native 32-bit words (zero-padded), folded to 32 bits.
 *
 * Every helper runs on the program path: no sleeping, no allocation.
 */
#include "core/alloc.h"
#include "core/map.h"
#include "maps/jhash.h"
#include "net_internal.h"
#include "kbpf/packet.h"
#include "kbpf/cgroup.h"
#include "kbpf/cpumap.h"
#include "kbpf/devmap.h"
#include "kbpf/xskmap.h"
#include "kbpf/perf.h"

/*
 * The run's context, if it was built for this kind of program (by
 * kbpf_skb_run()/kbpf_xdp_run()); NULL if a host ran a packet program on
 * plain memory, which the helpers then refuse with -EINVAL.
 */
#define SKB(run)                                  \
	(kbpf_prog_type_is_skb((run)->ctx_type) ? \
		 (struct kbpf_skb *)(run)->ctx :  \
		 NULL)
#define XDP(run)                                 \
	((run)->ctx_type == BPF_PROG_TYPE_XDP ?  \
		 (struct kbpf_xdp *)(run)->ctx : \
		 NULL)
#define PTR(p) ((void *)(uintptr_t)(p))
#define ERR(e) ((uint64_t)(int64_t) - (e))

/* Linux's TC verdicts used by bpf_redirect. */
#define TC_ACT_SHOT 2
#define TC_ACT_REDIRECT 7
#define CSUM_MANGLED_0 0xffff
#define INT_MAX_ 0x7fffffffu

/* ---- ones'-complement arithmetic (Linux's __wsum / __sum16 on x86-64) ---- */

static uint32_t csum_fold32(uint64_t acc)
{
	while (acc >> 32)
		acc = (acc & 0xffffffffu) + (acc >> 32);
	return (uint32_t)acc;
}

uint32_t kbpf_csum_partial(const void *buf, size_t len, uint32_t seed)
{
	const uint8_t *p = buf;
	uint64_t acc = seed;
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t w;

		memcpy(&w, p + i, 4);
		acc += w;
	}
	if (i < len) {
		uint32_t w = 0;

		memcpy(&w, p + i, len - i);
		acc += w;
	}
	return csum_fold32(acc);
}

static uint32_t csum_add(uint32_t a, uint32_t b)
{
	uint32_t r = a + b;

	return r + (r < b);
}

static uint32_t csum_sub(uint32_t a, uint32_t b)
{
	return csum_add(a, ~b);
}

uint16_t kbpf_csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static uint16_t csum16_add(uint16_t csum, uint16_t addend)
{
	uint16_t r = (uint16_t)(csum + addend);

	return (uint16_t)(r + (r < addend));
}

/* A block's sum as it counts at @offset (odd offsets swap the bytes). */
static uint32_t csum_shift(uint32_t sum, uint32_t offset)
{
	return offset & 1 ? (sum >> 8) | (sum << 24) : sum;
}

/* ---- socket filters and tc: struct kbpf_skb ---- */

static uint32_t skb_len(const struct kbpf_skb *skb)
{
	return (uint32_t)(skb->data_end - skb->data);
}

static uint8_t *skb_data(const struct kbpf_skb *skb)
{
	return PTR(skb->data);
}

uint64_t kbpf_helper_skb_load_bytes(struct kbpf_run *run, uint64_t r1,
				    uint64_t off, uint64_t to, uint64_t len,
				    uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	uint32_t o = (uint32_t)off, n = (uint32_t)len;

	if (o <= INT_MAX_ && (uint64_t)o + n <= skb_len(skb)) {
		memcpy(PTR(to), skb_data(skb) + o, n);
		return 0;
	}
	memset(PTR(to), 0, n);
	return ERR(KBPF_EFAULT);
}

uint64_t kbpf_helper_skb_load_bytes_relative(struct kbpf_run *run, uint64_t r1,
					     uint64_t off, uint64_t to,
					     uint64_t len,
					     uint64_t start_header)
{
	const struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	uint32_t o = (uint32_t)off, n = (uint32_t)len;
	const uint8_t *start = NULL;

	if (start_header == BPF_HDR_START_MAC)
		start = skb->mac;
	else if (start_header == BPF_HDR_START_NET)
		start = skb->network;
	if (start && o <= 0xffff &&
	    (uint64_t)(start - skb->head) + o + n <=
		    (uint64_t)((uint8_t *)PTR(skb->data_end) - skb->head)) {
		memcpy(PTR(to), start + o, n);
		return 0;
	}
	memset(PTR(to), 0, n);
	return ERR(KBPF_EFAULT);
}

/* Linux's bpf_try_make_writable(): the first @len bytes must be in the packet. */
static bool skb_writable(const struct kbpf_skb *skb, uint64_t len)
{
	return len <= skb_len(skb);
}

/* CHECKSUM_COMPLETE: @len bytes at data offset @off leave or enter the sum. */
static void skb_csum_update(struct kbpf_skb *skb, uint32_t off, uint32_t len,
			    bool add)
{
	const uint8_t *p = skb_data(skb) + off;
	uint32_t rel, part;

	if (!skb->csum_complete || p < skb->network)
		return; /* only bytes from the network header count */
	rel = (uint32_t)(p - skb->network);
	part = csum_shift(kbpf_csum_partial(p, len, 0), rel);
	skb->csum = add ? csum_add(skb->csum, part) : csum_sub(skb->csum, part);
}

uint64_t kbpf_helper_skb_store_bytes(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t len,
				     uint64_t flags)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	uint32_t o = (uint32_t)off, n = (uint32_t)len;

	if (flags & ~(uint64_t)(BPF_F_RECOMPUTE_CSUM | BPF_F_INVALIDATE_HASH))
		return ERR(KBPF_EINVAL);
	if (o > INT_MAX_ || !skb_writable(skb, (uint64_t)o + n))
		return ERR(KBPF_EFAULT);
	if (flags & BPF_F_RECOMPUTE_CSUM)
		skb_csum_update(skb, o, n, false);
	memmove(skb_data(skb) + o, PTR(from), n);
	if (flags & BPF_F_RECOMPUTE_CSUM)
		skb_csum_update(skb, o, n, true);
	if (flags & BPF_F_INVALIDATE_HASH) {
		skb->md.hash = 0;
		skb->hash_set = false;
	}
	return 0;
}

/* ---- checksum state and flow hash (tc) ---- */

/* bpf_csum_update: CHECKSUM_COMPLETE only, else -ENOTSUPP, as Linux. */
uint64_t kbpf_helper_csum_update(struct kbpf_run *run, uint64_t r1,
				 uint64_t csum, uint64_t r3, uint64_t r4,
				 uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!skb->csum_complete)
		return ERR(KBPF_ENOTSUPP);
	skb->csum = csum_add(skb->csum, (uint32_t)csum);
	return skb->csum;
}

#define SKB_MAX_CSUM_LEVEL 3

/*
 * bpf_csum_level, as Linux's __skb_{incr,decr,reset}_checksum_unnecessary:
 * the level only moves while the packet is CHECKSUM_UNNECESSARY; INC turns
 * CHECKSUM_NONE into level 0; QUERY gives the level or -EACCES.
 */
uint64_t kbpf_helper_csum_level(struct kbpf_run *run, uint64_t r1,
				uint64_t level, uint64_t r3, uint64_t r4,
				uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	switch (level) {
	case BPF_CSUM_LEVEL_INC:
		if (skb->csum_unnecessary) {
			if (skb->csum_level < SKB_MAX_CSUM_LEVEL)
				skb->csum_level++;
		} else if (!skb->csum_complete) {
			skb->csum_unnecessary = true;
			skb->csum_level = 0;
		}
		return 0;
	case BPF_CSUM_LEVEL_DEC:
		if (skb->csum_unnecessary) {
			if (!skb->csum_level)
				skb->csum_unnecessary = false;
			else
				skb->csum_level--;
		}
		return 0;
	case BPF_CSUM_LEVEL_RESET:
		if (skb->csum_unnecessary) {
			skb->csum_unnecessary = false;
			skb->csum_level = 0;
		}
		return 0;
	case BPF_CSUM_LEVEL_QUERY:
		return skb->csum_unnecessary ? skb->csum_level :
					       ERR(KBPF_EACCES);
	default:
		return ERR(KBPF_EINVAL);
	}
}

/* The flow hash's key, drawn once per host (Linux: once per boot). */
static uint32_t flow_seed(const struct kbpf_host *h)
{
	struct kbpf_state *st = h->state;
	uint64_t s, zero = 0;

	if (!st)
		return 0;
	s = atomic_load_explicit(&st->flow_seed, memory_order_relaxed);
	if (s)
		return (uint32_t)s;
	/* Bit 32 marks it drawn, whatever the 32 random bits are. */
	s = 1ULL << 32 |
	    (h->random_u32 ? h->random_u32(h) : (uint32_t)h->mono_ns(h));
	if (!atomic_compare_exchange_strong(&st->flow_seed, &zero, s))
		s = zero;
	return (uint32_t)s;
}

#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17
#define IPPROTO_DCCP_ 33
#define IPPROTO_SCTP_ 132
#define IPPROTO_UDPLITE_ 136

static bool proto_has_ports(uint8_t p)
{
	return p == IPPROTO_TCP_ || p == IPPROTO_UDP_ || p == IPPROTO_DCCP_ ||
	       p == IPPROTO_SCTP_ || p == IPPROTO_UDPLITE_;
}

/*
 * Linux's skb_get_hash() of a packet without one: its flow (EtherType,
 * IP addresses, protocol, ports) hashed with the host's key, the same in
 * both directions (Linux's __flow_hash_consistentify), never 0. The
 * values differ from Linux's (its key is random too); what programs can
 * rely on is the same: one flow, one hash.
 */
static uint32_t skb_flow_hash(const struct kbpf_host *h,
			      const struct kbpf_skb *skb)
{
	const uint8_t *nh = skb->network, *end = PTR(skb->data_end);
	uint8_t key[2 * 16 + 4 + 4] = { 0 };
	size_t alen = 0, avail = 0;
	const uint8_t *ports = NULL;
	uint8_t proto = 0;
	uint32_t hash;

	if (nh && end > nh)
		avail = (size_t)(end - nh);
	memcpy(key + 36, &skb->md.protocol, 2);
	if (skb->md.protocol == 0x0008 /* ETH_P_IP, network order */ &&
	    avail >= 20 && (nh[0] & 0x0f) >= 5) {
		size_t ihl = (size_t)(nh[0] & 0x0f) * 4;
		bool frag = ((nh[6] & 0x3f) | nh[7]) != 0;

		alen = 4;
		memcpy(key, nh + 12, 4);
		memcpy(key + 16, nh + 16, 4);
		proto = nh[9];
		if (!frag && proto_has_ports(proto) && avail >= ihl + 4)
			ports = nh + ihl;
	} else if (skb->md.protocol == 0xdd86 /* ETH_P_IPV6 */ && avail >= 40) {
		alen = 16;
		memcpy(key, nh + 8, 16);
		memcpy(key + 16, nh + 24, 16);
		proto = nh[6];
		if (proto_has_ports(proto) && avail >= 44)
			ports = nh + 40;
	}
	key[38] = proto;
	if (ports)
		memcpy(key + 32, ports, 4);
	/* One hash for both directions: the smaller address first. */
	if (alen && memcmp(key + 16, key, alen) < 0) {
		uint8_t t[16];

		memcpy(t, key, alen);
		memcpy(key, key + 16, alen);
		memcpy(key + 16, t, alen);
		memcpy(t, key + 32, 2);
		memcpy(key + 32, key + 34, 2);
		memcpy(key + 34, t, 2);
	}
	hash = kbpf_jhash(key, sizeof(key), flow_seed(h));
	return hash ? hash : 1;
}

/* bpf_get_hash_recalc: skb_get_hash(): compute it unless already set. */
uint64_t kbpf_helper_get_hash_recalc(struct kbpf_run *run, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!skb->hash_set) {
		skb->md.hash = skb_flow_hash(run->host, skb);
		skb->hash_set = true;
	}
	return skb->md.hash;
}

/* bpf_set_hash_invalid: skb_clear_hash(); the next recalc computes it. */
uint64_t kbpf_helper_set_hash_invalid(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	skb->md.hash = 0;
	skb->hash_set = false;
	return 0;
}

/* bpf_set_hash: a software hash that skb_get_hash() then returns. */
uint64_t kbpf_helper_set_hash(struct kbpf_run *run, uint64_t r1, uint64_t hash,
			      uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	skb->md.hash = (uint32_t)hash;
	skb->hash_set = true;
	return 0;
}

#define PACKET_OTHERHOST_ 3

/* bpf_skb_change_type: only among host, broadcast, multicast, otherhost. */
uint64_t kbpf_helper_skb_change_type(struct kbpf_run *run, uint64_t r1,
				     uint64_t type, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (skb->md.pkt_type > PACKET_OTHERHOST_ ||
	    (uint32_t)type > PACKET_OTHERHOST_)
		return ERR(KBPF_EINVAL);
	skb->md.pkt_type = (uint32_t)type;
	return 0;
}

#define ETH_P_8021Q_RAW 0x0081 /* network order */
#define ETH_P_8021AD_RAW 0xa888
#define ETH_P_IP_RAW 0x0008
#define ETH_P_IPV6_RAW 0xdd86
#define INET_ECN_MASK 3

/*
 * Linux's vlan_get_protocol(): under in-band VLAN tags, the EtherType of
 * the first tag that is not one (0 if the packet ends first).
 */
static uint16_t skb_inner_proto(const struct kbpf_skb *skb)
{
	uint16_t proto = (uint16_t)skb->md.protocol;
	const uint8_t *p = skb->mac ? skb->mac + KBPF_ETH_HLEN : NULL;
	const uint8_t *end = PTR(skb->data_end);

	while (p && (proto == ETH_P_8021Q_RAW || proto == ETH_P_8021AD_RAW)) {
		if (p + 4 > end)
			return 0;
		memcpy(&proto, p + 2, 2);
		p += 4;
	}
	return proto;
}

/*
 * bpf_skb_ecn_set_ce: mark an ECN-capable IPv4 or IPv6 packet Congestion
 * Experienced, as Linux's INET_ECN_set_ce() at the network header: 1 if
 * it is CE now, 0 if it is not ECN-capable or not IP. The IPv4 header
 * checksum is adjusted (so a CHECKSUM_COMPLETE sum stays right); for IPv6
 * the sum is.
 */
uint64_t kbpf_helper_skb_ecn_set_ce(struct kbpf_run *run, uint64_t r1,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint16_t proto;
	uint8_t *nh, *end;
	uint32_t hlen;

	if (!skb)
		return ERR(KBPF_EINVAL);
	proto = skb_inner_proto(skb);
	if (proto == ETH_P_IP_RAW)
		hlen = 20;
	else if (proto == ETH_P_IPV6_RAW)
		hlen = 40;
	else
		return 0;
	nh = skb->network;
	end = PTR(skb->data_end);
	if (skb_len(skb) < hlen || !nh || nh + hlen > end)
		return 0;
	if (proto == ETH_P_IP_RAW) {
		uint32_t ecn = ((uint32_t)nh[1] + 1) & INET_ECN_MASK;
		uint16_t check, add;
		uint8_t be[2];

		if (!(ecn & 2))
			return !ecn;
		/* ECT(1): += htons(0xfffd); ECT(0): += htons(0xfffe). */
		be[0] = 0xff;
		be[1] = (uint8_t)(0xfb + ecn);
		memcpy(&add, be, 2);
		memcpy(&check, nh + 10, 2);
		check = csum16_add(check, add);
		memcpy(nh + 10, &check, 2);
		nh[1] |= INET_ECN_MASK;
		return 1;
	}
	if (!((nh[0] << 4 | nh[1] >> 4) & INET_ECN_MASK))
		return 0;
	{
		uint32_t from, to;

		memcpy(&from, nh, 4);
		nh[1] |= INET_ECN_MASK << 4;
		memcpy(&to, nh, 4);
		if (skb->csum_complete)
			skb->csum = csum_add(csum_sub(skb->csum, from), to);
	}
	return 1;
}

#define VLAN_HLEN 4
#define ETH_ALEN2 12 /* both MAC addresses */

static bool proto_is_vlan(uint32_t p)
{
	return p == ETH_P_8021Q_RAW || p == ETH_P_8021AD_RAW;
}

/* After the packet's start moved: lengths, and where checked mode looks. */
static void skb_moved(struct kbpf_run *run, struct kbpf_skb *skb)
{
	skb->md.len = skb_len(skb);
	kbpf_run_set_packet(run, PTR(skb->data_meta),
			    (size_t)(skb->data_end - skb->data_meta));
}

/*
 * Linux's __vlan_insert_tag() then the rest of skb_vlan_push(): the
 * hardware tag in md goes into the frame after the MAC addresses, the
 * frame's start moves back 4 bytes (with any metadata before it), the
 * packet's protocol becomes the tag's, the network header follows.
 */
static int skb_vlan_insert(struct kbpf_skb *skb)
{
	uint8_t *data = skb_data(skb), *meta = PTR(skb->data_meta);
	uint16_t tci = (uint16_t)skb->md.vlan_tci;
	uint8_t tag[VLAN_HLEN];

	if (data != skb->mac)
		return -KBPF_EINVAL;
	if (meta - skb->head < VLAN_HLEN)
		return -KBPF_ENOMEM;
	memmove(meta - VLAN_HLEN, meta, (size_t)(data - meta) + ETH_ALEN2);
	{
		uint16_t vp = (uint16_t)skb->md.vlan_proto;

		memcpy(tag, &vp, 2);
	}
	tag[2] = (uint8_t)(tci >> 8);
	tag[3] = (uint8_t)tci;
	memcpy(data - VLAN_HLEN + ETH_ALEN2, tag, VLAN_HLEN);
	skb->data -= VLAN_HLEN;
	skb->data_meta -= VLAN_HLEN;
	skb->mac -= VLAN_HLEN;
	skb->network -= VLAN_HLEN;
	skb->md.protocol = skb->md.vlan_proto;
	if (skb->csum_complete)
		skb->csum = csum_add(skb->csum,
				     kbpf_csum_partial(tag, VLAN_HLEN, 0));
	return 0;
}

/* Linux's __skb_vlan_pop(): the frame's first tag out, its TCI in *@tci. */
static int skb_vlan_remove(struct kbpf_skb *skb, uint16_t *tci)
{
	uint8_t *data = skb_data(skb), *meta = PTR(skb->data_meta);
	uint16_t inner;

	if (data != skb->mac)
		return -KBPF_EINVAL;
	if (skb_len(skb) < KBPF_ETH_HLEN + VLAN_HLEN)
		return -KBPF_ENOMEM;
	if (skb->csum_complete)
		skb->csum =
			csum_sub(skb->csum, kbpf_csum_partial(data + ETH_ALEN2,
							      VLAN_HLEN, 0));
	*tci = (uint16_t)(data[KBPF_ETH_HLEN] << 8 | data[KBPF_ETH_HLEN + 1]);
	memcpy(&inner, data + KBPF_ETH_HLEN + 2, 2);
	/* Linux's vlan_set_encap_proto(): below 0x600 a length (802.3). */
	if ((data[KBPF_ETH_HLEN + 2] << 8 | data[KBPF_ETH_HLEN + 3]) >= 0x600)
		skb->md.protocol = inner;
	else if (skb_len(skb) >= KBPF_ETH_HLEN + VLAN_HLEN + 2 &&
		 data[KBPF_ETH_HLEN + 4] == 0xff &&
		 data[KBPF_ETH_HLEN + 5] == 0xff)
		skb->md.protocol = 0x0100; /* ETH_P_802_3, network order */
	else
		skb->md.protocol = 0x0400; /* ETH_P_802_2 */
	memmove(meta + VLAN_HLEN, meta, (size_t)(data - meta) + ETH_ALEN2);
	skb->data += VLAN_HLEN;
	skb->data_meta += VLAN_HLEN;
	skb->mac += VLAN_HLEN;
	if (skb->network < skb->mac + KBPF_ETH_HLEN)
		skb->network = skb->mac + KBPF_ETH_HLEN;
	return 0;
}

/* bpf_skb_vlan_push: Linux's skb_vlan_push() (802.1Q unless 802.1ad). */
uint64_t kbpf_helper_skb_vlan_push(struct kbpf_run *run, uint64_t r1,
				   uint64_t proto, uint64_t tci, uint64_t r4,
				   uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint16_t p = (uint16_t)proto;
	int err = 0;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!proto_is_vlan(p))
		p = ETH_P_8021Q_RAW;
	if (skb->md.vlan_present)
		err = skb_vlan_insert(skb);
	if (!err) {
		skb->md.vlan_proto = p;
		skb->md.vlan_tci = (uint16_t)tci;
		skb->md.vlan_present = 1;
	}
	skb_moved(run, skb);
	return err ? ERR(-err) : 0;
}

/*
 * bpf_skb_vlan_pop: Linux's skb_vlan_pop(): the hardware tag goes, or
 * else the frame's first tag; a tag under it becomes the hardware tag.
 */
uint64_t kbpf_helper_skb_vlan_pop(struct kbpf_run *run, uint64_t r1,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint16_t tci;
	uint32_t p;
	int err = 0;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (skb->md.vlan_present) {
		skb->md.vlan_present = 0;
		skb->md.vlan_tci = 0;
		skb->md.vlan_proto = 0;
	} else if (proto_is_vlan(skb->md.protocol)) {
		err = skb_vlan_remove(skb, &tci);
	} else {
		return 0;
	}
	if (!err && proto_is_vlan(skb->md.protocol)) {
		p = skb->md.protocol;
		err = skb_vlan_remove(skb, &tci);
		if (!err) {
			skb->md.vlan_proto = p;
			skb->md.vlan_tci = tci;
			skb->md.vlan_present = 1;
		}
	}
	skb_moved(run, skb);
	return err ? ERR(-err) : 0;
}

/*
 * bpf_skb_change_tail: Linux's __bpf_skb_change_tail(): the packet ends
 * at @new_len, grown with zeros or trimmed, between the network header's
 * offset and SKB_MAX_ALLOC; either drops CHECKSUM_COMPLETE. Linux may
 * reallocate the buffer to grow; kbpf grows into the buffer's tailroom
 * (up to kbpf_skb.end) and answers -ENOMEM past it.
 */
uint64_t kbpf_helper_skb_change_tail(struct kbpf_run *run, uint64_t r1,
				     uint64_t new_len, uint64_t flags,
				     uint64_t r4, uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint32_t n = (uint32_t)new_len, len, min_len = 0;
	uint8_t *data;

	if (!skb)
		return ERR(KBPF_EINVAL);
	data = skb_data(skb);
	len = skb_len(skb);
	if (skb->network > data)
		min_len = (uint32_t)(skb->network - data);
	/* Linux's int offset: a header before the data wraps to a huge one. */
	if (skb->transport)
		min_len = (uint32_t)(int32_t)(skb->transport - data);
	if (flags || n > KBPF_SKB_MAX_ALLOC || n < min_len)
		return ERR(KBPF_EINVAL);
	if (skb->encapsulation)
		return ERR(KBPF_ENOTSUPP);
	if (n > len) {
		if (!skb->end || n > (uint64_t)(skb->end - data))
			return ERR(KBPF_ENOMEM);
		memset(data + len, 0, n - len);
		skb->csum_complete = false;
	} else if (n < len) {
		skb->csum_complete = false;
	}
	skb->data_end = skb->data + n;
	skb_moved(run, skb);
	return 0;
}

/*
 * bpf_skb_change_head: Linux's __bpf_skb_change_head(): @room zero bytes
 * before the packet, which now starts the link-layer header; protocol and
 * network header stay. Linux may reallocate for the room; kbpf uses the
 * buffer's headroom and answers -ENOMEM past it.
 */
uint64_t kbpf_helper_skb_change_head(struct kbpf_run *run, uint64_t r1,
				     uint64_t room, uint64_t flags, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint32_t n = (uint32_t)room, len, new_len;
	uint8_t *data, *meta;

	if (!skb)
		return ERR(KBPF_EINVAL);
	data = skb_data(skb);
	meta = PTR(skb->data_meta);
	len = skb_len(skb);
	new_len = len + n;
	if (flags || new_len > KBPF_SKB_MAX_ALLOC || new_len < len)
		return ERR(KBPF_EINVAL);
	if ((uint64_t)(meta - skb->head) < n)
		return ERR(KBPF_ENOMEM);
	/* Metadata stays just before the packet. */
	memmove(meta - n, meta, (size_t)(data - meta));
	memset(data - n, 0, n);
	skb->data -= n;
	skb->data_meta -= n;
	skb->mac = data - n;
	skb_moved(run, skb);
	return 0;
}

/* ---- moving the network header: change_proto, adjust_room ---- */

#define IPV4_HLEN_ 20u
#define IPV6_HLEN_ 40u
#define ADJ_ROOM_ENCAP_L3_MASK \
	(BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6)
#define ADJ_ROOM_DECAP_L3_MASK \
	(BPF_F_ADJ_ROOM_DECAP_L3_IPV4 | BPF_F_ADJ_ROOM_DECAP_L3_IPV6)
#define ADJ_ROOM_FLAGS                                               \
	(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_ENCAP_L3_MASK |         \
	 BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP | \
	 BPF_F_ADJ_ROOM_ENCAP_L2_ETH |                               \
	 BPF_F_ADJ_ROOM_ENCAP_L2(BPF_ADJ_ROOM_ENCAP_L2_MASK) |       \
	 ADJ_ROOM_DECAP_L3_MASK | BPF_F_ADJ_ROOM_NO_CSUM_RESET)
#define ADJ_ROOM_SHRINK_FLAGS                                \
	(BPF_F_ADJ_ROOM_FIXED_GSO | ADJ_ROOM_DECAP_L3_MASK | \
	 BPF_F_ADJ_ROOM_NO_CSUM_RESET)
/* Linux's limit on a length difference (a 12-bit field). */
#define ADJ_ROOM_MAX_DIFF 0xfffu

/* The link-layer header's length (Linux's skb_mac_header_len()). */
static uint32_t skb_mac_len(const struct kbpf_skb *skb)
{
	if (!skb->mac || skb->network < skb->mac)
		return 0;
	return (uint32_t)(skb->network - skb->mac);
}

/* The smallest network header of the packet's protocol; ~0 for others. */
static uint32_t skb_net_base_len(const struct kbpf_skb *skb)
{
	switch ((uint16_t)skb->md.protocol) {
	case ETH_P_IP_RAW:
		return IPV4_HLEN_;
	case ETH_P_IPV6_RAW:
		return IPV6_HLEN_;
	default:
		return ~0u;
	}
}

/*
 * Room for @len more bytes before the packet (and its metadata)? Linux
 * would reallocate the head (skb_cow_head()); kbpf stays in its buffer.
 */
static bool skb_headroom_ok(const struct kbpf_skb *skb, uint32_t len)
{
	return (uint64_t)((uint8_t *)PTR(skb->data_meta) - skb->head) >= len;
}

/*
 * Linux's bpf_skb_net_hdr_push(): @len zero bytes go in after the first
 * @off bytes of the packet, which move back with its start (and any
 * metadata before it); the link-layer and network headers move with them,
 * so the network header now starts at the zeros. A transport header that
 * was the network header follows it. The sum of zeros is zero: a
 * CHECKSUM_COMPLETE sum stays. The caller checked skb_headroom_ok().
 */
static void skb_hdr_push(struct kbpf_skb *skb, uint32_t off, uint32_t len)
{
	uint8_t *data = skb_data(skb), *meta = PTR(skb->data_meta);
	bool trans_same = skb->transport == skb->network;

	memmove(meta - len, meta, (size_t)(data - meta) + off);
	memset(data - len + off, 0, len);
	skb->data -= len;
	skb->data_meta -= len;
	if (skb->mac)
		skb->mac -= len;
	skb->network -= len;
	if (trans_same)
		skb->transport = skb->network;
}

/*
 * Linux's bpf_skb_net_hdr_pop(): the @len bytes after the first @off go
 * (their sum leaves a CHECKSUM_COMPLETE sum); the first @off bytes, the
 * headers and metadata move forward over them. -ENOMEM if the packet is
 * shorter than @off + @len (Linux's failed pskb_may_pull()).
 */
static int skb_hdr_pop(struct kbpf_skb *skb, uint32_t off, uint32_t len)
{
	uint8_t *data = skb_data(skb), *meta = PTR(skb->data_meta);
	bool trans_same = skb->transport == skb->network;

	if ((uint64_t)off + len > skb_len(skb))
		return -KBPF_ENOMEM;
	if (skb->csum_complete)
		skb->csum = csum_sub(skb->csum,
				     kbpf_csum_partial(data + off, len, 0));
	memmove(meta + len, meta, (size_t)(data - meta) + off);
	skb->data += len;
	skb->data_meta += len;
	if (skb->mac)
		skb->mac += len;
	skb->network += len;
	if (trans_same)
		skb->transport = skb->network;
	return 0;
}

/*
 * bpf_skb_change_proto: Linux's bpf_skb_proto_xlat(): between IPv4 and
 * IPv6 only, growing (20 zero bytes after the link-layer header) or
 * shrinking (20 bytes of the old header out) the network header; the
 * program writes the new header itself. The flow hash is cleared. The
 * EtherType in the frame is the program's to rewrite, as in Linux.
 */
uint64_t kbpf_helper_skb_change_proto(struct kbpf_run *run, uint64_t r1,
				      uint64_t proto, uint64_t flags,
				      uint64_t r4, uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	uint16_t from, to = (uint16_t)proto; /* Linux's __be16 argument */
	const uint32_t diff = IPV6_HLEN_ - IPV4_HLEN_;
	int err;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (flags)
		return ERR(KBPF_EINVAL);
	from = (uint16_t)skb->md.protocol;
	if (from == ETH_P_IP_RAW && to == ETH_P_IPV6_RAW) {
		err = skb_headroom_ok(skb, diff) ? 0 : -KBPF_ENOMEM;
		if (!err)
			skb_hdr_push(skb, skb_mac_len(skb), diff);
	} else if (from == ETH_P_IPV6_RAW && to == ETH_P_IP_RAW) {
		err = skb_hdr_pop(skb, skb_mac_len(skb), diff);
	} else {
		err = -KBPF_ENOTSUPP;
	}
	if (!err) {
		skb->md.protocol = to;
		skb->md.hash = 0;
		skb->hash_set = false;
	}
	skb_moved(run, skb);
	return err ? ERR(-err) : 0;
}

/*
 * Linux's bpf_skb_net_grow() on a packet without GSO: @len zero bytes at
 * @off; with an ENCAP_L3 flag, an outer header: checked first (one L3
 * flag, one L4 flag, an inner L2 length that fits), refused on a packet
 * already encapsulated, and the protocol becomes the outer one.
 */
static int skb_room_grow(struct kbpf_skb *skb, uint32_t off, uint32_t len,
			 uint64_t flags)
{
	uint32_t inner_mac_len =
		(uint32_t)(flags >> BPF_ADJ_ROOM_ENCAP_L2_SHIFT) &
		BPF_ADJ_ROOM_ENCAP_L2_MASK;
	bool encap = flags & ADJ_ROOM_ENCAP_L3_MASK;
	uint32_t mac_len = skb_mac_len(skb);

	if (!skb_headroom_ok(skb, len))
		return -KBPF_ENOMEM;
	/*
	 * The first @off bytes move: past the packet's end that reads the
	 * buffer's tailroom, as Linux reads its head buffer (review finding:
	 * a runt frame read and zeroed past a buffer without tailroom);
	 * beyond the buffer, -ENOMEM.
	 */
	if (off > skb_len(skb) &&
	    (!skb->end || off > (uint64_t)(skb->end - skb_data(skb))))
		return -KBPF_ENOMEM;
	if (encap) {
		if ((flags & ADJ_ROOM_ENCAP_L3_MASK) == ADJ_ROOM_ENCAP_L3_MASK)
			return -KBPF_EINVAL;
		if ((flags & BPF_F_ADJ_ROOM_ENCAP_L4_GRE) &&
		    (flags & BPF_F_ADJ_ROOM_ENCAP_L4_UDP))
			return -KBPF_EINVAL;
		if ((flags & BPF_F_ADJ_ROOM_ENCAP_L2_ETH) &&
		    inner_mac_len < KBPF_ETH_HLEN)
			return -KBPF_EINVAL;
		if (skb->encapsulation)
			return -KBPF_EALREADY;
		if (inner_mac_len > len)
			return -KBPF_EINVAL;
	}
	skb_hdr_push(skb, off, len);
	if (!encap)
		return 0;
	skb->encapsulation = true;
	skb->network = skb_data(skb) + mac_len;
	if (flags & (BPF_F_ADJ_ROOM_ENCAP_L4_GRE | BPF_F_ADJ_ROOM_ENCAP_L4_UDP))
		skb->transport =
			skb->network + (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6 ?
						IPV6_HLEN_ :
						IPV4_HLEN_);
	if ((uint16_t)skb->md.protocol == ETH_P_IP_RAW &&
	    (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV6))
		skb->md.protocol = ETH_P_IPV6_RAW;
	else if ((uint16_t)skb->md.protocol == ETH_P_IPV6_RAW &&
		 (flags & BPF_F_ADJ_ROOM_ENCAP_L3_IPV4))
		skb->md.protocol = ETH_P_IP_RAW;
	return 0;
}

/*
 * Linux's bpf_skb_net_shrink() on a packet without GSO: @len bytes out at
 * @off; a DECAP_L3 flag names the protocol of the header now outermost.
 */
static int skb_room_shrink(struct kbpf_skb *skb, uint32_t off, uint32_t len,
			   uint64_t flags)
{
	int err;

	if (flags & ~(uint64_t)ADJ_ROOM_SHRINK_FLAGS)
		return -KBPF_EINVAL;
	err = skb_hdr_pop(skb, off, len);
	if (err)
		return err;
	if ((uint16_t)skb->md.protocol == ETH_P_IP_RAW &&
	    (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV6))
		skb->md.protocol = ETH_P_IPV6_RAW;
	else if ((uint16_t)skb->md.protocol == ETH_P_IPV6_RAW &&
		 (flags & BPF_F_ADJ_ROOM_DECAP_L3_IPV4))
		skb->md.protocol = ETH_P_IP_RAW;
	return 0;
}

/*
 * bpf_skb_adjust_room: Linux's checks in Linux's order (flags -EINVAL,
 * a difference past 12 bits -EFAULT, a protocol other than IPv4/IPv6 or
 * an unknown mode -ENOTSUPP, DECAP flags only to shrink and one at a
 * time -EINVAL, a result shorter than the (inner) network header or
 * longer than SKB_MAX_ALLOC -ENOTSUPP), then room at the link-layer
 * header's end (BPF_ADJ_ROOM_MAC) or after the base network header
 * (BPF_ADJ_ROOM_NET). Success leaves CHECKSUM_UNNECESSARY unless
 * BPF_F_ADJ_ROOM_NO_CSUM_RESET.
 */
uint64_t kbpf_helper_skb_adjust_room(struct kbpf_run *run, uint64_t r1,
				     uint64_t len_diff, uint64_t mode,
				     uint64_t flags, uint64_t r5)
{
	struct kbpf_skb *skb = SKB(run);
	int32_t d = (int32_t)len_diff;
	uint32_t diff = d < 0 ? 0u - (uint32_t)d : (uint32_t)d;
	uint32_t len_min, len_cur, off;
	bool shrink = d < 0;
	int err;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (flags & ~(uint64_t)ADJ_ROOM_FLAGS)
		return ERR(KBPF_EINVAL);
	if (diff > ADJ_ROOM_MAX_DIFF)
		return ERR(KBPF_EFAULT);
	len_min = skb_net_base_len(skb);
	if (len_min == ~0u)
		return ERR(KBPF_ENOTSUPP);
	off = skb_mac_len(skb);
	switch ((uint32_t)mode) {
	case BPF_ADJ_ROOM_NET:
		off += len_min;
		break;
	case BPF_ADJ_ROOM_MAC:
		break;
	default:
		return ERR(KBPF_ENOTSUPP);
	}
	if (flags & ADJ_ROOM_DECAP_L3_MASK) {
		if (!shrink)
			return ERR(KBPF_EINVAL);
		switch (flags & ADJ_ROOM_DECAP_L3_MASK) {
		case BPF_F_ADJ_ROOM_DECAP_L3_IPV4:
			len_min = IPV4_HLEN_;
			break;
		case BPF_F_ADJ_ROOM_DECAP_L3_IPV6:
			len_min = IPV6_HLEN_;
			break;
		default:
			return ERR(KBPF_EINVAL);
		}
	}
	len_cur = skb_len(skb) - (uint32_t)(skb->network - skb_data(skb));
	if ((shrink && (diff >= len_cur || len_cur - diff < len_min)) ||
	    (!shrink && skb_len(skb) + diff > KBPF_SKB_MAX_ALLOC))
		return ERR(KBPF_ENOTSUPP);
	err = shrink ? skb_room_shrink(skb, off, diff, flags) :
		       skb_room_grow(skb, off, diff, flags);
	if (!err && !(flags & BPF_F_ADJ_ROOM_NO_CSUM_RESET) &&
	    skb->csum_unnecessary) {
		skb->csum_unnecessary = false;
		skb->csum_level = 0;
	}
	skb_moved(run, skb);
	return err ? ERR(-err) : 0;
}

/* ---- bpf_check_mtu ---- */

/*
 * bpf_check_mtu: Linux's bpf_skb_check_mtu()/bpf_xdp_check_mtu() on a
 * packet without GSO. The device is @ifindex, or with 0 the one the
 * packet is on (md.ifindex, md.ingress_ifindex), asked of
 * kbpf_host.dev_mtu. The length checked is the packet's (an XDP packet's
 * linear part), or *@mtu_len (an L3 length) plus the link-layer header
 * when not 0, plus @len_diff, in Linux's int arithmetic; it passes up to
 * the MTU plus the link-layer header. On success *@mtu_len is the MTU;
 * errors (-EINVAL for flags, -ENODEV) leave it.
 */
uint64_t kbpf_helper_check_mtu(struct kbpf_run *run, uint64_t ctx,
			       uint64_t ifindex, uint64_t mtu_len,
			       uint64_t len_diff, uint64_t flags)
{
	const struct kbpf_host *h = run->host;
	struct kbpf_skb *skb = SKB(run);
	struct kbpf_xdp *xdp = XDP(run);
	uint32_t in_len, dev, mtu, hlen, len;

	/* copied: the verifier's alignment rule assumes Linux's packet
	 * alignment, which kbpf's hosts need not give */
	memcpy(&in_len, PTR(mtu_len), sizeof(in_len));

	if (skb) {
		if (flags & ~(uint64_t)BPF_MTU_CHK_SEGS)
			return ERR(KBPF_EINVAL);
		if ((flags & BPF_MTU_CHK_SEGS) && ((int32_t)len_diff || in_len))
			return ERR(KBPF_EINVAL);
		dev = skb->md.ifindex;
		len = skb_len(skb);
	} else if (xdp) {
		/* No segment check for XDP (Linux: "yet"). */
		if (flags)
			return ERR(KBPF_EINVAL);
		dev = xdp->md.ingress_ifindex;
		len = (uint32_t)(xdp->data_end - xdp->data);
	} else {
		return ERR(KBPF_EINVAL);
	}
	if ((uint32_t)ifindex)
		dev = (uint32_t)ifindex;
	if (!h->dev_mtu || !dev || h->dev_mtu(h, dev, &mtu, &hlen))
		return ERR(KBPF_ENODEV);
	if (in_len)
		len = in_len + hlen;
	len += (uint32_t)len_diff;
	memcpy(PTR(mtu_len), &mtu, sizeof(mtu));
	/* Signed, as Linux compares: a negative length passes. */
	return (int32_t)len <= (int32_t)(mtu + hlen) ?
		       BPF_MTU_CHK_RET_SUCCESS :
		       BPF_MTU_CHK_RET_FRAG_NEEDED;
}

/*
 * bpf_skb_cgroup_id and bpf_skb_ancestor_cgroup_id: the cgroup v2 id of
 * the packet's socket's cgroup (or its ancestor at @level); 0 without a
 * socket or a cgroup kbpf knows for it.
 */
uint64_t kbpf_helper_skb_cgroup_id(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);
	const struct kbpf_host *h = run->host;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!skb->sk || !skb->sk->task_cgroup || !h->current_cgroup_id)
		return 0;
	return h->current_cgroup_id(h, -1);
}

uint64_t kbpf_helper_skb_ancestor_cgroup_id(struct kbpf_run *run, uint64_t r1,
					    uint64_t level, uint64_t r3,
					    uint64_t r4, uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);
	const struct kbpf_host *h = run->host;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!skb->sk || !skb->sk->task_cgroup || !h->current_cgroup_id)
		return 0;
	/* Linux's ancestor_level is an int: a huge level is none. */
	if ((int32_t)level < 0)
		return 0;
	return h->current_cgroup_id(h, (int)(int32_t)level);
}

/*
 * bpf_skb_under_cgroup: is the packet's socket under the cgroup in slot
 * @idx of CGROUP_ARRAY @map? -ENOENT without a socket, then the slot's
 * errors (-E2BIG, -EAGAIN), as Linux.
 */
uint64_t kbpf_helper_skb_under_cgroup(struct kbpf_run *run, uint64_t r1,
				      uint64_t map, uint64_t idx, uint64_t r4,
				      uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);
	long r;

	if (!skb)
		return ERR(KBPF_EINVAL);
	if (!skb->sk)
		return ERR(KBPF_ENOENT);
	r = kbpf_cgroup_array_current_under(PTR(map), (uint32_t)idx);
	if (r < 0)
		return (uint64_t)(int64_t)r;
	return skb->sk->task_cgroup ? (uint64_t)r : 0;
}

/* bpf_get_route_realm: the route's tclassid; kbpf sees no routes: 0. */
uint64_t kbpf_helper_get_route_realm(struct kbpf_run *run, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	return SKB(run) ? 0 : ERR(KBPF_EINVAL);
}

/* A linear packet: pulling only fails past its end (Linux: -ENOMEM). */
uint64_t kbpf_helper_skb_pull_data(struct kbpf_run *run, uint64_t r1,
				   uint64_t len, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	return skb_writable(skb, (uint32_t)len) ? 0 : ERR(KBPF_ENOMEM);
}

/* The 16-bit checksum field at data offset @off, after Linux's checks. */
static uint16_t *skb_csum_field(struct kbpf_skb *skb, uint64_t off,
				uint64_t *err)
{
	uint32_t o = (uint32_t)off;

	if (o > 0xffff || (o & 1) || !skb_writable(skb, (uint64_t)o + 2)) {
		*err = ERR(KBPF_EFAULT);
		return NULL;
	}
	return (uint16_t *)(void *)(skb_data(skb) + o);
}

static uint16_t load16(const uint16_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

static void store16(uint16_t *p, uint16_t v)
{
	memcpy(p, &v, 2);
}

uint64_t kbpf_helper_l3_csum_replace(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t to,
				     uint64_t flags)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	uint64_t err = 0;
	uint16_t *sum;

	if (flags & ~(uint64_t)BPF_F_HDR_FIELD_MASK)
		return ERR(KBPF_EINVAL);
	sum = skb_csum_field(skb, off, &err);
	if (!sum)
		return err;
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return ERR(KBPF_EINVAL);
		store16(sum, kbpf_csum_fold(csum_add((uint32_t)to,
						     ~(uint32_t)load16(sum))));
		break;
	case 2:
		store16(sum, (uint16_t)~csum16_add(
				     csum16_add((uint16_t)~load16(sum),
						(uint16_t) ~(uint16_t)from),
				     (uint16_t)to));
		break;
	case 4:
		store16(sum,
			kbpf_csum_fold(csum_add(csum_sub(~(uint32_t)load16(sum),
							 (uint32_t)from),
						(uint32_t)to)));
		break;
	default:
		return ERR(KBPF_EINVAL);
	}
	return 0;
}

/* Linux's inet_proto_csum_replace4() on a packet that is not CHECKSUM_PARTIAL. */
static void proto_csum_replace4(struct kbpf_skb *skb, uint16_t *sum,
				uint32_t from, uint32_t to, bool pseudo)
{
	uint32_t diff[2] = { ~from, to };

	store16(sum, kbpf_csum_fold(kbpf_csum_partial(diff, sizeof(diff),
						      ~(uint32_t)load16(sum))));
	if (skb->csum_complete && pseudo)
		skb->csum = ~kbpf_csum_partial(diff, sizeof(diff), ~skb->csum);
}

uint64_t kbpf_helper_l4_csum_replace(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t to,
				     uint64_t flags)
{
	struct kbpf_skb *skb = SKB(run);

	if (!skb)
		return ERR(KBPF_EINVAL);
	bool pseudo = flags & BPF_F_PSEUDO_HDR;
	bool mmzero = flags & BPF_F_MARK_MANGLED_0;
	bool mforce = flags & BPF_F_MARK_ENFORCE;
	bool ipv6 = flags & BPF_F_IPV6;
	uint64_t err = 0;
	uint16_t *sum;

	if (flags &
	    ~(uint64_t)(BPF_F_MARK_MANGLED_0 | BPF_F_MARK_ENFORCE |
			BPF_F_PSEUDO_HDR | BPF_F_HDR_FIELD_MASK | BPF_F_IPV6))
		return ERR(KBPF_EINVAL);
	sum = skb_csum_field(skb, off, &err);
	if (!sum)
		return err;
	if (mmzero && !mforce && !load16(sum))
		return 0;
	switch (flags & BPF_F_HDR_FIELD_MASK) {
	case 0:
		if (from)
			return ERR(KBPF_EINVAL);
		store16(sum, kbpf_csum_fold(csum_add((uint32_t)to,
						     ~(uint32_t)load16(sum))));
		if (skb->csum_complete && pseudo && !ipv6)
			skb->csum = ~csum_add((uint32_t)to, ~skb->csum);
		break;
	case 2:
		proto_csum_replace4(skb, sum, (uint16_t)from, (uint16_t)to,
				    pseudo);
		break;
	case 4:
		proto_csum_replace4(skb, sum, (uint32_t)from, (uint32_t)to,
				    pseudo);
		break;
	default:
		return ERR(KBPF_EINVAL);
	}
	if (mmzero && !load16(sum))
		store16(sum, CSUM_MANGLED_0);
	return 0;
}

/* ---- XDP: struct kbpf_xdp ---- */

static uint8_t *xdp_ptr(uint64_t p)
{
	return PTR(p);
}

/* After the packet moved: tell checked mode where it is now. */
static void xdp_moved(struct kbpf_run *run, struct kbpf_xdp *xdp)
{
	kbpf_run_set_packet(run, PTR(xdp->data_meta),
			    (size_t)(xdp->data_end - xdp->data_meta));
}

uint64_t kbpf_helper_xdp_adjust_head(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_xdp *xdp = XDP(run);

	if (!xdp)
		return ERR(KBPF_EINVAL);
	int64_t off = (int32_t)offset;
	uint64_t meta_len = xdp->data - xdp->data_meta;
	uint64_t lo = (uint64_t)(uintptr_t)xdp->hard_start +
		      KBPF_XDP_FRAME_RESERVE + meta_len;
	uint64_t data = xdp->data + (uint64_t)off;

	if (data < lo || data > xdp->data_end - KBPF_ETH_HLEN)
		return ERR(KBPF_EINVAL);
	if (meta_len)
		memmove(xdp_ptr(xdp->data_meta + (uint64_t)off),
			xdp_ptr(xdp->data_meta), (size_t)meta_len);
	xdp->data_meta += (uint64_t)off;
	xdp->data = data;
	xdp_moved(run, xdp);
	return 0;
}

uint64_t kbpf_helper_xdp_adjust_meta(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_xdp *xdp = XDP(run);

	if (!xdp)
		return ERR(KBPF_EINVAL);
	uint64_t meta = xdp->data_meta + (uint64_t)(int64_t)(int32_t)offset;
	uint64_t lo =
		(uint64_t)(uintptr_t)xdp->hard_start + KBPF_XDP_FRAME_RESERVE;

	if (xdp->data_meta > xdp->data)
		return ERR(KBPF_ENOTSUPP);
	if (meta < lo || meta > xdp->data)
		return ERR(KBPF_EINVAL);
	/* Linux: a multiple of 4 bytes, at most 255 (skb_shared_info.meta_len). */
	if (((xdp->data - meta) & 3) || xdp->data - meta > 255)
		return ERR(KBPF_EACCES);
	xdp->data_meta = meta;
	xdp_moved(run, xdp);
	return 0;
}

/* Multi-buffer tail: grow the last fragment, or release fragments from the end. */
static uint64_t xdp_frags_adjust_tail(struct kbpf_xdp *xdp, int64_t off)
{
	if (off > 0) {
		struct kbpf_xdp_frag *f = &xdp->frags[xdp->nr_frags - 1];

		if ((uint64_t)off > f->cap - f->size)
			return ERR(KBPF_EINVAL);
		memset(f->data + f->size, 0, (size_t)off);
		f->size += (uint32_t)off;
		xdp->frags_size += (uint32_t)off;
		return 0;
	}
	off = -off;
	if (off > (int64_t)(xdp->data_end - xdp->data) + xdp->frags_size -
			  KBPF_ETH_HLEN)
		return ERR(KBPF_EINVAL);
	while (xdp->nr_frags && off > 0) {
		struct kbpf_xdp_frag *f = &xdp->frags[xdp->nr_frags - 1];
		uint32_t shrink = off < f->size ? (uint32_t)off : f->size;

		f->size -= shrink;
		xdp->frags_size -= shrink;
		off -= shrink;
		if (!f->size)
			xdp->nr_frags--; /* the runner owns and frees the buffer */
	}
	/* All fragments gone: the rest comes off the linear part. */
	if (!xdp->nr_frags)
		xdp->data_end -= (uint64_t)off;
	return 0;
}

uint64_t kbpf_helper_xdp_adjust_tail(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	struct kbpf_xdp *xdp = XDP(run);

	if (!xdp)
		return ERR(KBPF_EINVAL);
	int64_t off = (int32_t)offset;
	uint64_t hard_end = (uint64_t)(uintptr_t)xdp->hard_start +
			    xdp->frame_sz - xdp->tailroom;
	uint64_t end = xdp->data_end + (uint64_t)off;
	uint64_t ret;

	if (xdp->nr_frags) {
		ret = xdp_frags_adjust_tail(xdp, off);
		xdp_moved(run, xdp);
		return ret;
	}
	if (end > hard_end || end < xdp->data + KBPF_ETH_HLEN)
		return ERR(KBPF_EINVAL);
	/* Linux zeroes what the packet grows into. */
	if (off > 0)
		memset(xdp_ptr(xdp->data_end), 0, (size_t)off);
	xdp->data_end = end;
	xdp_moved(run, xdp);
	return 0;
}

uint64_t kbpf_helper_xdp_get_buff_len(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	const struct kbpf_xdp *xdp = XDP(run);

	if (!xdp)
		return ERR(KBPF_EINVAL);
	return xdp->data_end - xdp->data + xdp->frags_size;
}

/* Copy @len bytes at packet offset @off (linear part, then fragments). */
static uint64_t xdp_copy(struct kbpf_run *run, uint64_t off, uint64_t buf,
			 uint64_t len, bool store)
{
	const struct kbpf_xdp *xdp = XDP(run);

	if (!xdp)
		return ERR(KBPF_EINVAL);
	uint32_t o = (uint32_t)off, n = (uint32_t)len, i;
	uint64_t linear = xdp->data_end - xdp->data;
	uint8_t *b = PTR(buf);

	if (o > 0xffff || n > 0xffff)
		return ERR(KBPF_EFAULT);
	if ((uint64_t)o + n > linear + xdp->frags_size)
		return ERR(KBPF_EINVAL);
	for (i = 0; n && i <= xdp->nr_frags; i++) {
		uint8_t *seg = i ? xdp->frags[i - 1].data : xdp_ptr(xdp->data);
		uint32_t sz = i ? xdp->frags[i - 1].size : (uint32_t)linear;
		uint32_t k;

		if (o >= sz) {
			o -= sz;
			continue;
		}
		k = sz - o < n ? sz - o : n;
		if (store)
			memmove(seg + o, b, k);
		else
			memmove(b, seg + o, k);
		b += k;
		n -= k;
		o = 0;
	}
	return 0;
}

uint64_t kbpf_helper_xdp_load_bytes(struct kbpf_run *run, uint64_t r1,
				    uint64_t off, uint64_t buf, uint64_t len,
				    uint64_t r5)
{
	return xdp_copy(run, off, buf, len, false);
}

uint64_t kbpf_helper_xdp_store_bytes(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t buf, uint64_t len,
				     uint64_t r5)
{
	return xdp_copy(run, off, buf, len, true);
}

/* ---- both ---- */

/*
 * Linux 6.18's bpf_csum_diff: the sum of @to less the sum of @from, on
 * @seed, folded to 16 bits without inverting (measured: the same on every
 * architecture since Linux made it so).
 */
uint64_t kbpf_helper_csum_diff(struct kbpf_run *run, uint64_t from,
			       uint64_t from_size, uint64_t to,
			       uint64_t to_size, uint64_t seed)
{
	uint32_t fs = (uint32_t)from_size, ts = (uint32_t)to_size;
	uint32_t ret = (uint32_t)seed;

	/* 6.18 takes any sizes (older kernels wanted multiples of 4). */
	if ((uint64_t)fs + ts > KBPF_STACK_SIZE)
		return ERR(KBPF_EINVAL);
	if (fs && ts)
		ret = csum_sub(kbpf_csum_partial(PTR(to), ts, ret),
			       kbpf_csum_partial(PTR(from), fs, 0));
	else if (ts)
		ret = kbpf_csum_partial(PTR(to), ts, ret);
	else if (fs)
		ret = ~kbpf_csum_partial(PTR(from), fs, ~ret);
	ret = (ret & 0xffff) + (ret >> 16);
	return (ret & 0xffff) + (ret >> 16);
}

/*
 * bpf_redirect: test runs and kbpf's runners report the verdict; the host
 * that acts on it reads nothing else (kbpf has no devices to send to).
 */
uint64_t kbpf_helper_redirect(struct kbpf_run *run, uint64_t ifindex,
			      uint64_t flags, uint64_t r3, uint64_t r4,
			      uint64_t r5)
{
	if (run->prog->type == BPF_PROG_TYPE_XDP) {
		struct kbpf_xdp *xdp = XDP(run);

		if (flags)
			return XDP_ABORTED;
		if (xdp) {
			xdp->redirect_map = NULL;
			xdp->redirect_key = (uint32_t)ifindex;
			xdp->redirect_flags = 0;
		}
		return XDP_REDIRECT;
	}
	return flags & ~(uint64_t)BPF_F_INGRESS ? TC_ACT_SHOT : TC_ACT_REDIRECT;
}

/* ---- bpf_perf_event_output with packet bytes ---- */

static void skb_frag_copy(void *dst, const void *src, uint64_t off,
			  uint64_t len)
{
	memcpy(dst, (const uint8_t *)src + off, (size_t)len);
}

/* Packet bytes [@off, @off + @len) of an XDP buffer: linear part, frags. */
static void xdp_frag_copy(void *dst, const void *src, uint64_t off,
			  uint64_t len)
{
	const struct kbpf_xdp *xdp = src;
	uint8_t *d = dst;
	uint32_t i;

	for (i = 0; len && i <= xdp->nr_frags; i++) {
		const uint8_t *seg = i ? xdp->frags[i - 1].data :
					 xdp_ptr(xdp->data);
		uint64_t sz = i ? xdp->frags[i - 1].size :
				  xdp->data_end - xdp->data;
		uint64_t k;

		if (off >= sz) {
			off -= sz;
			continue;
		}
		k = sz - off < len ? sz - off : len;
		memcpy(d, seg + off, (size_t)k);
		d += k;
		len -= k;
		off = 0;
	}
}

uint64_t kbpf_helper_pkt_event_output(struct kbpf_run *run, uint64_t ctx,
				      uint64_t map, uint64_t flags,
				      uint64_t data, uint64_t size)
{
	uint64_t clen = (flags & BPF_F_CTXLEN_MASK) >> 32;
	struct kbpf_perf_frag frag;

	if (flags & ~(uint64_t)(BPF_F_CTXLEN_MASK | BPF_F_INDEX_MASK))
		return ERR(KBPF_EINVAL);
	if (run->prog->type == BPF_PROG_TYPE_XDP) {
		const struct kbpf_xdp *xdp = XDP(run);

		if (!xdp || clen > xdp->data_end - xdp->data + xdp->frags_size)
			return ERR(KBPF_EFAULT);
		frag.copy = xdp_frag_copy;
		frag.src = xdp;
	} else {
		const struct kbpf_skb *skb = SKB(run);

		if (!skb || clen > skb_len(skb))
			return ERR(KBPF_EFAULT);
		frag.copy = skb_frag_copy;
		frag.src = skb_data(skb);
	}
	frag.size = clen;
	return (uint64_t)kbpf_perf_event_array_output_frag(
		(struct kbpf_map *)PTR(map), run->cpu,
		flags & ~(uint64_t)BPF_F_CTXLEN_MASK, PTR(data), size,
		clen ? &frag : NULL, PERF_RECORD_MISC_KERNEL);
}

/*
 * Linux's __bpf_xdp_redirect_map() for device, CPU and AF_XDP socket
 * maps: only device maps take BPF_F_BROADCAST and BPF_F_EXCLUDE_INGRESS.
 */
uint64_t kbpf_helper_redirect_map(struct kbpf_run *run, uint64_t map,
				  uint64_t key, uint64_t flags, uint64_t r4,
				  uint64_t r5)
{
	const uint64_t action_mask = XDP_ABORTED | XDP_DROP | XDP_PASS | XDP_TX;
	struct kbpf_map *m = (struct kbpf_map *)PTR(map);
	struct kbpf_xdp *xdp = XDP(run);
	bool found;

	if (kbpf_devmap_is(m)) {
		if (flags &
		    ~(action_mask | BPF_F_BROADCAST | BPF_F_EXCLUDE_INGRESS))
			return XDP_ABORTED;
		found = kbpf_devmap_lookup(m, (uint32_t)key) != NULL;
	} else if (kbpf_cpumap_is(m) || kbpf_xskmap_is(m)) {
		if (flags & ~action_mask)
			return XDP_ABORTED;
		found = kbpf_cpumap_is(m) ?
				kbpf_cpumap_lookup(m, (uint32_t)key, NULL,
						   NULL) :
				kbpf_xskmap_lookup(m, (uint32_t)key, NULL);
	} else {
		return XDP_ABORTED;
	}
	if (!found && !(flags & BPF_F_BROADCAST)) {
		if (xdp)
			xdp->redirect_map = NULL;
		return flags & action_mask;
	}
	if (xdp) {
		xdp->redirect_map = m;
		xdp->redirect_key = (uint32_t)key;
		xdp->redirect_flags =
			flags & BPF_F_BROADCAST ? (uint32_t)flags : 0;
	}
	return XDP_REDIRECT;
}

/* ---- the packet's socket ---- */

/* Linux's overflowuid: what a socket-less packet's owner is reported as. */
#define OVERFLOW_UID 65534u

/*
 * The socket a cgroup sock, sock_addr or sockopt program runs for (struct
 * kbpf_sock, kbpf_sock_addr, kbpf_sockopt of include/kbpf/cgroup.h): its
 * kbpf_skb_sock, NULL if the host gave none; @is set if the run is one.
 */
static const struct kbpf_skb_sock *cg_sock(const struct kbpf_run *run, bool *is)
{
	*is = true;
	if (run->ctx_type == BPF_PROG_TYPE_CGROUP_SOCK)
		return ((const struct kbpf_sock *)run->ctx)->sk;
	if (run->ctx_type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
		return ((const struct kbpf_sock_addr *)run->ctx)->sk;
	if (run->ctx_type == BPF_PROG_TYPE_CGROUP_SOCKOPT)
		return ((const struct kbpf_sockopt *)run->ctx)->sk;
	*is = false;
	return NULL;
}

uint64_t kbpf_helper_get_socket_cookie(struct kbpf_run *run, uint64_t ctx,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);
	const struct kbpf_skb_sock *sk;
	bool is;

	sk = cg_sock(run, &is);
	if (is)
		return sk ? sk->cookie : 0;
	return skb && skb->sk ? skb->sk->cookie : 0;
}

uint64_t kbpf_helper_get_socket_uid(struct kbpf_run *run, uint64_t ctx,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);

	return skb && skb->sk ? skb->sk->uid : OVERFLOW_UID;
}

uint64_t kbpf_helper_get_netns_cookie(struct kbpf_run *run, uint64_t ctx,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	const struct kbpf_skb *skb = SKB(run);
	const struct kbpf_host *h = run->host;
	const struct kbpf_skb_sock *sk;
	bool is;

	sk = cg_sock(run, &is);
	if (is && sk)
		return sk->netns_cookie;
	if (skb && skb->sk)
		return skb->sk->netns_cookie;
	return h->netns_cookie ? h->netns_cookie(h) : 0;
}
