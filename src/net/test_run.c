// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_TEST_RUN for packet programs (net/bpf/test_run.c in behaviour,
 * Linux 6.18 on x86-64, measured): SOCKET_FILTER, SCHED_CLS/SCHED_ACT and
 * CGROUP_SKB run on a struct kbpf_skb, XDP on a struct kbpf_xdp, built from data_in
 * the way Linux builds its sk_buff or xdp_buff, with ctx_in/ctx_out in
 * Linux's __sk_buff/xdp_md rules, and data_out/data_size_out, retval and
 * duration written back by Linux's rules (-ENOSPC for a short data_out,
 * with data_size_out still written).
 *
 * Linux's buffer geometry is what user space sees, so kbpf copies it:
 * skb: 64 bytes of headroom (NET_SKB_PAD), at most 4096 - 64 - 320 bytes
 * of data (320 = skb_shared_info); xdp: 256 bytes of headroom less the
 * metadata, 320 of tailroom in a 4096-byte frame, the rest of data_in in
 * fragments of 4096 bytes (at most 17).
 *
 * Programs run in the interpreter's checked mode, as every program
 * loaded through bpf(2) does here.
 */
#include <stdatomic.h>

#include "kbpf/packet.h"
#include "kbpf/state.h"
#include "maps/cgroup_storage.h"
#include "net_internal.h"

#define TEST_PAGE 4096u
#define SKB_HEADROOM 64u /* NET_SKB_PAD + NET_IP_ALIGN */
#define SHINFO_SIZE 320u /* SKB_DATA_ALIGN(sizeof(struct skb_shared_info)) */
#define SKB_MAX_DATA (TEST_PAGE - SKB_HEADROOM - SHINFO_SIZE)
/*
 * An skb test run's buffer: Linux reallocates a packet that grows
 * (bpf_skb_change_tail, bpf_skb_change_head: up to SKB_MAX_ALLOC); kbpf
 * gives it the room at once, before and after the packet, with slack for
 * a start moved forward (a VLAN tag popped). Where the packet sits in its
 * buffer is not visible to programs.
 */
#define SKB_TEST_HEADROOM (SKB_HEADROOM + KBPF_SKB_MAX_ALLOC)
#define SKB_TEST_BUF (SKB_TEST_HEADROOM + KBPF_SKB_MAX_ALLOC + 64u)
#define XDP_PAGE_HEAD 112u /* struct xdp_page_head, live frames */
#define XDP_MAX_BATCH 256u /* TEST_XDP_MAX_BATCH */
#define XDP_DEFAULT_BATCH 64u /* NAPI_POLL_WEIGHT */
#define GSO_MAX_SEGS 65535u
#define GSO_LEGACY_MAX_SIZE 65536u
#define LOOPBACK_IFINDEX 1u

#define UATTR(uattr, f) \
	((void *)((uintptr_t)(uattr) + offsetof(union bpf_attr, f)))

/* Linux's bpf_ctx_init(): NULL without ctx_in and ctx_out, else @size zeroed bytes. */
static long pkt_ctx_init(const struct kbpf_host *h, const union bpf_attr *attr,
			 uint32_t size, void **out)
{
	uint32_t in = attr->test.ctx_size_in;
	const uint8_t *uin = kbpf_u64_to_ptr(attr->test.ctx_in);
	uint8_t *ctx;

	*out = NULL;
	if (!attr->test.ctx_in && !attr->test.ctx_out)
		return 0;
	ctx = kbpf_zalloc(h, size, 0);
	if (!ctx)
		return -KBPF_ENOMEM;
	if (attr->test.ctx_in) {
		/* Linux's bpf_check_uarg_tail_zero(): bytes past @size must be 0. */
		uint32_t off;

		if (in > TEST_PAGE)
			goto e2big;
		for (off = size; off < in; off++) {
			uint8_t b;

			if (kbpf_copy_from_user(h, &b, uin + off, 1))
				goto efault;
			if (b)
				goto e2big;
		}
		if (kbpf_copy_from_user(h, ctx, uin, in < size ? in : size))
			goto efault;
	}
	*out = ctx;
	return 0;
e2big:
	kbpf_free(h, ctx, size);
	return -KBPF_E2BIG;
efault:
	kbpf_free(h, ctx, size);
	return -KBPF_EFAULT;
}

/* Linux's bpf_ctx_finish(). */
static long pkt_ctx_finish(const struct kbpf_host *h,
			   const union bpf_attr *attr, void *uattr,
			   const void *ctx, uint32_t size)
{
	uint32_t copy = size;
	long err = 0;

	if (!ctx || !attr->test.ctx_out)
		return 0;
	if (copy > attr->test.ctx_size_out) {
		copy = attr->test.ctx_size_out;
		err = -KBPF_ENOSPC;
	}
	if (kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->test.ctx_out), ctx,
			      copy) ||
	    kbpf_copy_to_user(h, UATTR(uattr, test.ctx_size_out), &size,
			      sizeof(size)))
		return -KBPF_EFAULT;
	return err;
}

/*
 * Linux's bpf_test_finish(): data_out gets the packet, clamped to a
 * non-zero data_size_out (-ENOSPC); with fragments the linear part is
 * clamped first, and a data_size_out shorter than the fragments fails
 * before anything is written. data_size_out always gets the full size.
 */
static long pkt_finish(const struct kbpf_host *h, const union bpf_attr *attr,
		       void *uattr, const uint8_t *data, uint32_t size,
		       const struct kbpf_xdp *frags, uint32_t retval,
		       uint32_t duration)
{
	uint8_t *out = kbpf_u64_to_ptr(attr->test.data_out);
	uint32_t copy = size;
	long err = 0;

	if (attr->test.data_size_out && copy > attr->test.data_size_out) {
		copy = attr->test.data_size_out;
		err = -KBPF_ENOSPC;
	}
	if (out) {
		int64_t len = (int64_t)copy - (frags ? frags->frags_size : 0);
		uint32_t off, i;

		if (len < 0)
			return -KBPF_ENOSPC;
		if (kbpf_copy_to_user(h, out, data, (size_t)len))
			return -KBPF_EFAULT;
		off = (uint32_t)len;
		for (i = 0; frags && i < frags->nr_frags; i++) {
			uint32_t n = frags->frags[i].size;

			if (off >= copy) {
				err = -KBPF_ENOSPC;
				break;
			}
			if (n > copy - off)
				n = copy - off;
			if (kbpf_copy_to_user(h, out + off,
					      frags->frags[i].data, n))
				return -KBPF_EFAULT;
			off += n;
		}
	}
	if (kbpf_copy_to_user(h, UATTR(uattr, test.data_size_out), &size,
			      sizeof(size)) ||
	    kbpf_copy_to_user(h, UATTR(uattr, test.retval), &retval,
			      sizeof(retval)) ||
	    kbpf_copy_to_user(h, UATTR(uattr, test.duration), &duration,
			      sizeof(duration)))
		return -KBPF_EFAULT;
	return err;
}

/* One run in the host's read-side section, as Linux runs under RCU. */
static int pkt_run_once(const struct kbpf_host *h, struct kbpf_prog *prog,
			void *ctx, uint32_t cpu, uint64_t *r0,
			struct kbpf_cg_run_ctx *cg)
{
	unsigned long st = 0;
	int err;

	if (h->read_lock)
		st = h->read_lock(h);
	if (prog->type == BPF_PROG_TYPE_XDP)
		err = kbpf_xdp_run(prog, h, ctx, KBPF_INTERP_CHECKED, cpu, r0);
	else
		err = kbpf_skb_run_cg(prog, h, ctx, KBPF_INTERP_CHECKED, cpu,
				      r0, cg);
	if (h->read_unlock)
		h->read_unlock(h, st);
	return err;
}

/*
 * Between two runs of a repeated test run (Linux's
 * bpf_test_timer_continue()): a pending signal ends the command with
 * -EINTR, and the host may schedule. Nothing is held here.
 */
static int pkt_run_continue(const struct kbpf_host *h)
{
	if (h->signal_pending && h->signal_pending(h))
		return -KBPF_EINTR;
	if (h->cond_resched)
		h->cond_resched(h);
	return 0;
}

/*
 * @repeat runs on the same context (changes accumulate, as in Linux).
 * As Linux's bpf_test_run(), the program's cgroup storage maps give it
 * fresh zeroed storages for this test run, kept across its repeats and
 * freed at its end (-ENOMEM before any run if they cannot be allocated).
 */
static int pkt_run(const struct kbpf_host *h, struct kbpf_prog *prog, void *ctx,
		   uint32_t repeat, uint32_t *retval, uint32_t *duration)
{
	struct kbpf_cgroup_storage *stor[KBPF_CG_STORAGE_TYPES] = { 0 };
	int32_t rv = 0;
	struct kbpf_cg_run_ctx cg = { .retval = &rv };
	uint32_t cpu = kbpf_this_cpu(h), i, k;
	uint64_t t0, ns, r0 = 0;
	int err = 0;

	for (k = 0; k < KBPF_CG_STORAGE_TYPES && !err; k++)
		if (prog->cg_storage[k])
			err = kbpf_cgroup_storage_alloc(prog->cg_storage[k],
							&stor[k]);
	if (err) {
		for (k = 0; k < KBPF_CG_STORAGE_TYPES; k++)
			kbpf_cgroup_storage_free(stor[k]);
		return err;
	}
	for (k = 0; k < KBPF_CG_STORAGE_TYPES; k++)
		cg.storage[k] = stor[k];
	if (!repeat)
		repeat = 1;
	t0 = h->mono_ns(h);
	for (i = 0; i < repeat && !err; i++) {
		err = i ? pkt_run_continue(h) : 0;
		if (!err)
			err = pkt_run_once(h, prog, ctx, cpu, &r0, &cg);
	}
	for (k = 0; k < KBPF_CG_STORAGE_TYPES; k++)
		kbpf_cgroup_storage_free(stor[k]);
	ns = (h->mono_ns(h) - t0) / repeat;
	*retval = (uint32_t)r0;
	*duration = ns > 0xffffffffu ? 0xffffffffu : (uint32_t)ns;
	return err;
}

/* ---- SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB ---- */

#define SKB_OFF(f) offsetof(struct __sk_buff, f)
#define SKB_END(f) (SKB_OFF(f) + sizeof(((struct __sk_buff *)0)->f))

static bool zero_range(const void *p, size_t from, size_t to)
{
	const uint8_t *b = p;

	for (; from < to; from++)
		if (b[from])
			return false;
	return true;
}

/* Linux's convert___skb_to_skb(): only these fields may be set. */
static long skb_ctx_in(struct kbpf_skb *skb, const struct __sk_buff *c)
{
	static const struct {
		uint16_t from, to;
	} zero[] = {
		{ 0, SKB_OFF(mark) },
		{ SKB_END(mark), SKB_OFF(priority) },
		{ SKB_END(ifindex), SKB_OFF(cb) },
		{ SKB_END(cb), SKB_OFF(tstamp) },
		{ SKB_END(gso_segs), SKB_OFF(gso_size) },
		{ SKB_END(gso_size), SKB_OFF(hwtstamp) },
	};
	size_t i;

	for (i = 0; i < KBPF_ARRAY_SIZE(zero); i++)
		if (!zero_range(c, zero[i].from, zero[i].to))
			return -KBPF_EINVAL;
	skb->md.mark = c->mark;
	skb->md.priority = c->priority;
	skb->md.ingress_ifindex = c->ingress_ifindex;
	skb->md.tstamp = c->tstamp;
	memcpy(skb->md.cb, c->cb, sizeof(c->cb));
	if (!c->wire_len)
		skb->md.wire_len = skb->md.len;
	else if (c->wire_len < skb->md.len || c->wire_len > GSO_LEGACY_MAX_SIZE)
		return -KBPF_EINVAL;
	else
		skb->md.wire_len = c->wire_len;
	if (c->gso_segs > GSO_MAX_SEGS)
		return -KBPF_EINVAL;
	skb->md.gso_segs = c->gso_segs;
	skb->md.gso_size = (uint16_t)c->gso_size; /* a u16 in Linux's skb */
	skb->md.hwtstamp = c->hwtstamp;
	return 0;
}

/* Linux's convert_skb_to___skb(): what ctx_out reports. */
static void skb_ctx_out(const struct kbpf_skb *skb, struct __sk_buff *c)
{
	c->mark = skb->md.mark;
	c->priority = skb->md.priority;
	c->ingress_ifindex = skb->md.ingress_ifindex;
	c->ifindex = LOOPBACK_IFINDEX;
	c->tstamp = skb->md.tstamp;
	memcpy(c->cb, skb->md.cb, sizeof(c->cb));
	c->wire_len = skb->md.wire_len;
	c->gso_segs = skb->md.gso_segs;
	c->hwtstamp = skb->md.hwtstamp;
}

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86dd
#define IPV4_HLEN 20 /* sizeof(struct iphdr) */
#define IPV6_HLEN 40 /* sizeof(struct ipv6hdr) */

/* An EtherType as __sk_buff.protocol holds it (network order in a u32). */
static uint32_t skb_proto(uint16_t host_order)
{
	uint8_t b[2] = { (uint8_t)(host_order >> 8), (uint8_t)host_order };
	uint16_t v;

	memcpy(&v, b, sizeof(v));
	return v;
}

static uint32_t skb_net_csum(const struct kbpf_skb *skb)
{
	const uint8_t *end = kbpf_u64_to_ptr(skb->data_end);

	return kbpf_csum_partial(skb->network, (size_t)(end - skb->network), 0);
}

#define AF_INET 2
#define AF_INET6 10

/* struct bpf_sock offsets of the dummy socket's fields. */
#define BSK_FAMILY 4
#define BSK_SRC_IP4 24
#define BSK_SRC_IP6 28
#define BSK_DST_IP4 52
#define BSK_DST_IP6 56
#define BSK_STATE 72
#define BSK_RX_QUEUE 76
#define TCP_CLOSE 7

static void view_put_u32(struct kbpf_skb_sock *sk, size_t off, uint32_t v)
{
	memcpy((uint8_t *)sk->sk_view + off, &v, sizeof(v));
}

/*
 * Linux's test run gives the packet a socket of its own: a new cookie for
 * each run, uid 0, this network namespace, and for cgroup skb programs
 * (which read it through __sk_buff) the family and the addresses of an IP
 * packet: the source as local, the destination as remote; ports 0. All
 * skb programs read it through __sk_buff->sk too, as 6.18 shows it
 * (measured by tests/unit/helpers/test_sk_ctx_diff.c): a full socket, no
 * type or protocol, TCP_CLOSE, no receive queue (-1), AF_UNSPEC and no
 * addresses for a packet that is neither IPv4 nor IPv6.
 */
static void skb_dummy_sock(const struct kbpf_host *h, struct kbpf_skb *skb,
			   struct kbpf_skb_sock *sk)
{
	const uint8_t *ip = skb->network;

	memset(sk, 0, sizeof(*sk));
	if (h->state)
		sk->cookie = atomic_fetch_add_explicit(&h->state->sock_cookie,
						       1,
						       memory_order_relaxed) +
			     1;
	sk->netns_cookie = h->netns_cookie ? h->netns_cookie(h) : 0;
	/* Linux's dummy socket joins the cgroup of the task that runs it. */
	sk->task_cgroup = true;
	skb->sk = sk;
	sk->in_ctx = true;
	sk->fullsock = true;
	view_put_u32(sk, BSK_STATE, TCP_CLOSE);
	view_put_u32(sk, BSK_RX_QUEUE, UINT32_MAX);
	if (skb->md.protocol == skb_proto(ETH_P_IP)) {
		skb->md.family = AF_INET;
		memcpy(&skb->md.local_ip4, ip + 12, 4);
		memcpy(&skb->md.remote_ip4, ip + 16, 4);
	} else if (skb->md.protocol == skb_proto(ETH_P_IPV6)) {
		skb->md.family = AF_INET6;
		memcpy(skb->md.local_ip6, ip + 8, 16);
		memcpy(skb->md.remote_ip6, ip + 24, 16);
	}
	view_put_u32(sk, BSK_FAMILY, skb->md.family);
	memcpy((uint8_t *)sk->sk_view + BSK_SRC_IP4, &skb->md.local_ip4, 4);
	memcpy((uint8_t *)sk->sk_view + BSK_DST_IP4, &skb->md.remote_ip4, 4);
	memcpy((uint8_t *)sk->sk_view + BSK_SRC_IP6, skb->md.local_ip6, 16);
	memcpy((uint8_t *)sk->sk_view + BSK_DST_IP6, skb->md.remote_ip6, 16);
}

long kbpf_test_run_skb(const struct kbpf_host *h, struct kbpf_prog *prog,
		       const union bpf_attr *attr, void *uattr)
{
	/* Socket filters and cgroup skb programs start at the network header. */
	bool l2 = prog->type != BPF_PROG_TYPE_SOCKET_FILTER &&
		  prog->type != BPF_PROG_TYPE_CGROUP_SKB;
	struct kbpf_skb_sock sk;
	uint32_t size = attr->test.data_size_in, retval = 0, duration = 0;
	struct __sk_buff *uctx = NULL;
	struct kbpf_skb skb;
	uint8_t *buf, *out;
	long err;

	if ((attr->test.flags & ~BPF_F_TEST_SKB_CHECKSUM_COMPLETE) ||
	    attr->test.cpu || attr->test.batch_size)
		return -KBPF_EINVAL;
	if (size < KBPF_ETH_HLEN || size > SKB_MAX_DATA)
		return -KBPF_EINVAL;
	buf = kbpf_zalloc(h, SKB_TEST_BUF, 0);
	if (!buf)
		return -KBPF_ENOMEM;
	err = -KBPF_EFAULT;
	if (kbpf_copy_from_user(h, buf + SKB_TEST_HEADROOM,
				kbpf_u64_to_ptr(attr->test.data_in), size))
		goto free_buf;
	err = pkt_ctx_init(h, attr, sizeof(*uctx), (void **)&uctx);
	if (err)
		goto free_buf;
	/* kbpf has no devices but loopback (ifindex 1, as the test run's default). */
	err = -KBPF_ENODEV;
	if (uctx && uctx->ifindex > LOOPBACK_IFINDEX)
		goto free_ctx;
	kbpf_skb_init(&skb, buf, SKB_TEST_BUF, SKB_TEST_HEADROOM, size, l2,
		      LOOPBACK_IFINDEX);
	skb.md.wire_len = 0; /* Linux's cb starts zeroed without ctx_in */
	/* Linux reads the addresses of an IP packet: its header must be there. */
	err = -KBPF_EINVAL;
	if ((skb.md.protocol == skb_proto(ETH_P_IP) &&
	     size < KBPF_ETH_HLEN + IPV4_HLEN) ||
	    (skb.md.protocol == skb_proto(ETH_P_IPV6) &&
	     size < KBPF_ETH_HLEN + IPV6_HLEN))
		goto free_ctx;
	if (uctx) {
		err = skb_ctx_in(&skb, uctx);
		if (err)
			goto free_ctx;
	}
	skb_dummy_sock(h, &skb, &sk);
	if (attr->test.flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) {
		skb.csum = skb_net_csum(&skb);
		skb.csum_complete = true;
	}
	err = pkt_run(h, prog, &skb, attr->test.repeat, &retval, &duration);
	if (err)
		goto free_ctx;
	out = kbpf_u64_to_ptr(skb.data);
	if (!l2) {
		/* Linux pushes a zeroed Ethernet header back on. */
		out -= KBPF_ETH_HLEN;
		memset(out, 0, KBPF_ETH_HLEN);
	}
	/* As Linux: by the flag, even if a helper dropped CHECKSUM_COMPLETE. */
	if ((attr->test.flags & BPF_F_TEST_SKB_CHECKSUM_COMPLETE) &&
	    kbpf_csum_fold(skb.csum) != kbpf_csum_fold(skb_net_csum(&skb))) {
		err = -KBPF_EBADMSG;
		goto free_ctx;
	}
	if (uctx)
		skb_ctx_out(&skb, uctx);
	err = pkt_finish(
		h, attr, uattr, out,
		(uint32_t)((uint8_t *)kbpf_u64_to_ptr(skb.data_end) - out),
		NULL, retval, duration);
	if (!err)
		err = pkt_ctx_finish(h, attr, uattr, uctx, sizeof(*uctx));
free_ctx:
	kbpf_free(h, uctx, sizeof(*uctx));
free_buf:
	kbpf_free(h, buf, SKB_TEST_BUF);
	return err;
}

/* ---- XDP ---- */

static void xdp_free_frags(const struct kbpf_host *h, struct kbpf_xdp *xdp,
			   uint32_t nr)
{
	uint32_t i;

	for (i = 0; i < nr; i++)
		kbpf_free(h, xdp->frags[i].data, TEST_PAGE);
}

/* Linux's xdp_convert_md_to_buff(): the receive queue named by ctx_in. */
static long xdp_ctx_in(struct kbpf_xdp *xdp, const struct xdp_md *c)
{
	if (c->egress_ifindex)
		return -KBPF_EINVAL;
	if (!c->ingress_ifindex && c->rx_queue_index)
		return -KBPF_EINVAL;
	if (c->ingress_ifindex) {
		if (c->ingress_ifindex != LOOPBACK_IFINDEX)
			return -KBPF_ENODEV;
		if (c->rx_queue_index >= 1) /* loopback has one queue */
			return -KBPF_EINVAL;
	}
	xdp->data = xdp->data_meta + c->data;
	return 0;
}

/*
 * BPF_F_TEST_XDP_LIVE_FRAMES: Linux runs the program on fresh copies of
 * the frame and sends what it returns XDP_TX or XDP_REDIRECT for. kbpf has
 * no devices: the copies are run and dropped; as in Linux, retval is 0 and
 * data_out gets the frame as it was given.
 */
static int xdp_run_live(const struct kbpf_host *h, struct kbpf_prog *prog,
			const struct kbpf_xdp *orig, uint32_t repeat,
			uint32_t *duration)
{
	uint8_t *page = kbpf_malloc(h, TEST_PAGE, 0);
	uint32_t cpu = kbpf_this_cpu(h), i;
	uint64_t t0, ns, r0;
	int err = 0;

	if (!page)
		return -KBPF_ENOMEM;
	if (!repeat)
		repeat = 1;
	t0 = h->mono_ns(h);
	for (i = 0; i < repeat && !err; i++) {
		struct kbpf_xdp x = *orig;
		intptr_t d = page - orig->hard_start;

		err = i ? pkt_run_continue(h) : 0;
		if (err)
			break;

		memcpy(page, orig->hard_start, TEST_PAGE);
		x.hard_start = page;
		x.data += (uint64_t)d;
		x.data_end += (uint64_t)d;
		x.data_meta += (uint64_t)d;
		err = pkt_run_once(h, prog, &x, cpu, &r0, NULL);
	}
	ns = (h->mono_ns(h) - t0) / repeat;
	*duration = ns > 0xffffffffu ? 0xffffffffu : (uint32_t)ns;
	kbpf_free(h, page, TEST_PAGE);
	return err;
}

/* The rest of data_in in fragments of a page each (Linux: at most 17). */
static long xdp_add_frags(const struct kbpf_host *h, struct kbpf_xdp *xdp,
			  const uint8_t *uin, uint32_t from, uint32_t total)
{
	while (from < total) {
		struct kbpf_xdp_frag *f;
		uint32_t n = total - from < TEST_PAGE ? total - from :
							TEST_PAGE;

		if (xdp->nr_frags == KBPF_XDP_MAX_FRAGS)
			return -KBPF_ENOMEM;
		f = &xdp->frags[xdp->nr_frags];
		f->data = kbpf_zalloc(h, TEST_PAGE, 0);
		if (!f->data)
			return -KBPF_ENOMEM;
		f->cap = TEST_PAGE;
		f->size = n;
		xdp->nr_frags++;
		if (kbpf_copy_from_user(h, f->data, uin + from, n))
			return -KBPF_EFAULT;
		xdp->frags_size += n;
		from += n;
	}
	return 0;
}

long kbpf_test_run_xdp(const struct kbpf_host *h, struct kbpf_prog *prog,
		       const union bpf_attr *attr, void *uattr)
{
	bool live = attr->test.flags & BPF_F_TEST_XDP_LIVE_FRAMES;
	uint32_t size = attr->test.data_size_in, linear = size, meta = 0;
	uint32_t headroom = XDP_PACKET_HEADROOM, max_linear, retval = 0;
	uint32_t duration = 0, nr_alloc = 0;
	struct xdp_md *uctx = NULL;
	struct kbpf_xdp xdp;
	uint8_t *buf;
	long err;

	if (prog->expected_attach_type == BPF_XDP_DEVMAP ||
	    prog->expected_attach_type == BPF_XDP_CPUMAP)
		return -KBPF_EINVAL;
	if (attr->test.flags & ~BPF_F_TEST_XDP_LIVE_FRAMES)
		return -KBPF_EINVAL;
	if (live) {
		if (attr->test.batch_size > XDP_MAX_BATCH)
			return -KBPF_E2BIG;
	} else if (attr->test.batch_size) {
		return -KBPF_EINVAL;
	}
	err = pkt_ctx_init(h, attr, sizeof(*uctx), (void **)&uctx);
	if (err)
		return err;
	err = -KBPF_EINVAL;
	if (uctx) {
		/* No user data before the metadata; metadata comes from the headroom. */
		if (uctx->data_meta || uctx->data_end > size ||
		    uctx->data > uctx->data_end ||
		    (live && (attr->test.data_out || attr->test.ctx_out)))
			goto free_ctx;
		meta = uctx->data;
		if ((meta & 3) || meta > 255 ||
		    meta > headroom - KBPF_XDP_FRAME_RESERVE)
			goto free_ctx;
		headroom -= meta;
		linear = uctx->data_end;
	}
	if (live)
		headroom += XDP_PAGE_HEAD;
	max_linear = TEST_PAGE - headroom - SHINFO_SIZE;
	if (linear > max_linear)
		linear = max_linear;
	if ((live && size > linear) || size - meta < KBPF_ETH_HLEN)
		goto free_ctx;
	err = -KBPF_ENOMEM;
	buf = kbpf_zalloc(h, TEST_PAGE, 0);
	if (!buf)
		goto free_ctx;
	err = -KBPF_EFAULT;
	if (kbpf_copy_from_user(h, buf + headroom,
				kbpf_u64_to_ptr(attr->test.data_in), linear))
		goto free_buf;
	/* The loopback device's queue 0 unless ctx_in names another. */
	kbpf_xdp_init(&xdp, buf, TEST_PAGE, headroom, 0, linear, SHINFO_SIZE,
		      LOOPBACK_IFINDEX, 0);
	if (uctx) {
		err = xdp_ctx_in(&xdp, uctx);
		if (err)
			goto free_buf;
	}
	err = xdp_add_frags(h, &xdp, kbpf_u64_to_ptr(attr->test.data_in),
			    linear, size);
	nr_alloc = xdp.nr_frags;
	if (err)
		goto free_frags;
	if (live)
		err = xdp_run_live(h, prog, &xdp, attr->test.repeat, &duration);
	else
		err = pkt_run(h, prog, &xdp, attr->test.repeat, &retval,
			      &duration);
	if (uctx) {
		uctx->data = (uint32_t)(xdp.data - xdp.data_meta);
		uctx->data_end = (uint32_t)(xdp.data_end - xdp.data_meta);
	}
	if (err)
		goto free_frags;
	err = pkt_finish(h, attr, uattr, kbpf_u64_to_ptr(xdp.data_meta),
			 (uint32_t)(xdp.data_end - xdp.data_meta) +
				 xdp.frags_size,
			 &xdp, retval, duration);
	if (!err)
		err = pkt_ctx_finish(h, attr, uattr, uctx, sizeof(*uctx));
free_frags:
	/* Fragments adjust_tail released are still the runner's to free. */
	xdp_free_frags(h, &xdp, nr_alloc);
free_buf:
	kbpf_free(h, buf, TEST_PAGE);
free_ctx:
	kbpf_free(h, uctx, sizeof(*uctx));
	return err;
}
