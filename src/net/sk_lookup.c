// SPDX-License-Identifier: MIT
/*
 * Socket lookups from programs (Linux 6.18's bpf_sk_lookup_tcp,
 * bpf_sk_lookup_udp, bpf_skc_lookup_tcp, bpf_sk_release, bpf_sk_fullsock,
 * bpf_tcp_sock and bpf_get_listener_sock, in behaviour); the last three
 * work on the packet's socket too (__sk_buff->sk: the host's views in
 * struct kbpf_skb_sock, which kbpf_skb_run() hands the program). The host finds
 * the socket (kbpf_host.sk_lookup) and fills a copy of its struct bpf_sock
 * and struct bpf_tcp_sock; kbpf hands the program a pointer to that copy,
 * which it reads at the UAPI offsets the verifier allowed (src/verifier/
 * sock.c), and gives the host's reference back at bpf_sk_release. In
 * checked mode the copy is a record of the run (kbpf_run_add_record()),
 * released at the end of a run the program did not release it in (a run
 * killed by its budget included). Program path: never sleeps; allocations
 * are KBPF_ALLOC_ATOMIC.
 */
#include <stddef.h>

#include "core/alloc.h"
#include "core/prog.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"
#include "net_internal.h"

/*
 * One socket a program holds. Each of the two views the program may get
 * (@sk, @tp) is preceded by its offset in the object, so that
 * bpf_sk_release finds the object from either (Linux releases a
 * bpf_tcp_sock pointer too: it is the same socket).
 */
struct sk_obj {
	uint64_t sk_back;
	uint8_t sk[80]; /* struct bpf_sock */
	uint64_t tp_back;
	uint8_t tp[112]; /* struct bpf_tcp_sock */
	const struct kbpf_host *host;
	void *handle;
	bool fullsock;
	bool tcp;
	struct kbpf_rcu_head rcu;
};

_Static_assert(sizeof(struct bpf_sock) == 80, "struct bpf_sock");
_Static_assert(sizeof(struct bpf_tcp_sock) == 112, "struct bpf_tcp_sock");

#define PTR(p) ((void *)(uintptr_t)(p))

static struct sk_obj *obj_of(uint64_t p)
{
	uint8_t *view = PTR(p);
	uint64_t back;

	memcpy(&back, view - 8, 8);
	return (struct sk_obj *)(void *)(view - back);
}

static void sk_obj_free_rcu(struct kbpf_rcu_head *head)
{
	struct sk_obj *o = kbpf_container_of(head, struct sk_obj, rcu);

	kbpf_free(o->host, o, sizeof(*o));
}

/*
 * The host's socket goes back at once; the copy is freed after the runs
 * in flight (Linux's listeners are SOCK_RCU_FREE: bpf_get_listener_sock's
 * result, which holds no reference, stays readable after the lookup's
 * release until the run ends). Without defer_free the copy goes at once
 * and bpf_get_listener_sock gives no lookup result back (below).
 */
static void sk_obj_release(void *ptr)
{
	struct sk_obj *o = obj_of((uint64_t)(uintptr_t)ptr);
	const struct kbpf_host *h = o->host;

	h->sk_release(h, o->handle);
	if (h->defer_free) {
		o->rcu.func = sk_obj_free_rcu;
		h->defer_free(h, &o->rcu);
	} else {
		kbpf_free(h, o, sizeof(*o));
	}
}

/*
 * Linux's __bpf_sk_lookup(): the tuple's size names the family (else
 * NULL), flags must be 0 and the namespace id either negative as an s32
 * (the caller's) or at most S32_MAX; then the host looks.
 */
static uint64_t sk_lookup(struct kbpf_run *run, uint64_t tuple, uint64_t len,
			  uint64_t netns, uint64_t flags, uint32_t protocol,
			  bool skc)
{
	const struct kbpf_host *h = run->host;
	const struct bpf_sock_tuple *t = PTR(tuple);
	struct kbpf_sk_tuple q;
	struct kbpf_sk_info info;
	struct sk_obj *o;

	if (!h->sk_lookup)
		return 0;
	memset(&q, 0, sizeof(q));
	if (len == sizeof(t->ipv4)) {
		q.family = 2;
		memcpy(q.saddr, &t->ipv4.saddr, 4);
		memcpy(q.daddr, &t->ipv4.daddr, 4);
		q.sport = t->ipv4.sport;
		q.dport = t->ipv4.dport;
	} else if (len == sizeof(t->ipv6)) {
		q.family = 10;
		memcpy(q.saddr, t->ipv6.saddr, 16);
		memcpy(q.daddr, t->ipv6.daddr, 16);
		q.sport = t->ipv6.sport;
		q.dport = t->ipv6.dport;
	} else {
		return 0;
	}
	if (flags || !((int32_t)(uint32_t)netns < 0 || netns <= 0x7fffffff))
		return 0;
	q.protocol = protocol;
	q.skc = skc;
	q.netns_id = (int32_t)(uint32_t)netns < 0 ? -1 : (int32_t)netns;
	if (kbpf_prog_type_is_skb(run->ctx_type) && run->ctx)
		q.ifindex = ((const struct kbpf_skb *)run->ctx)->md.ifindex;
	memset(&info, 0, sizeof(info));
	if (h->sk_lookup(h, &q, &info))
		return 0;
	/* bpf_sk_lookup_*: full sockets only (Linux drops the others). */
	if (!skc && !info.fullsock) {
		h->sk_release(h, info.handle);
		return 0;
	}
	o = kbpf_zalloc(h, sizeof(*o), KBPF_ALLOC_ATOMIC);
	if (!o) {
		h->sk_release(h, info.handle);
		return 0;
	}
	o->sk_back = offsetof(struct sk_obj, sk);
	o->tp_back = offsetof(struct sk_obj, tp);
	memcpy(o->sk, info.sk, sizeof(o->sk));
	memcpy(o->tp, info.tcp, sizeof(o->tp));
	o->host = h;
	o->handle = info.handle;
	o->fullsock = info.fullsock;
	o->tcp = protocol == 6;
	if (run->checked) {
		kbpf_run_add_record(run, o->sk,
				    offsetof(struct sk_obj, tp) +
					    sizeof(o->tp) -
					    offsetof(struct sk_obj, sk),
				    sk_obj_release);
		/* not tracked (no memory): it was given back already */
		if (!kbpf_run_has_record(run, o->sk, sk_obj_release))
			return 0;
	}
	return (uint64_t)(uintptr_t)o->sk;
}

uint64_t kbpf_helper_sk_lookup_tcp(struct kbpf_run *run, uint64_t ctx,
				   uint64_t tuple, uint64_t len, uint64_t netns,
				   uint64_t flags)
{
	(void)ctx;
	return sk_lookup(run, tuple, len, netns, flags, 6, false);
}

uint64_t kbpf_helper_sk_lookup_udp(struct kbpf_run *run, uint64_t ctx,
				   uint64_t tuple, uint64_t len, uint64_t netns,
				   uint64_t flags)
{
	(void)ctx;
	return sk_lookup(run, tuple, len, netns, flags, 17, false);
}

uint64_t kbpf_helper_skc_lookup_tcp(struct kbpf_run *run, uint64_t ctx,
				    uint64_t tuple, uint64_t len,
				    uint64_t netns, uint64_t flags)
{
	(void)ctx;
	return sk_lookup(run, tuple, len, netns, flags, 6, true);
}

/*
 * A socket a helper works on: its two views and what they say. @obj is
 * the lookup's object, NULL for the packet's socket (__sk_buff->sk),
 * whose views are the host's struct kbpf_skb_sock (read-only to kbpf
 * too: nothing here writes or frees it).
 */
struct sk_ref {
	struct sk_obj *obj;
	const uint8_t *sk;
	const uint8_t *tp;
	bool fullsock;
	bool tcp;
};

#define SK_TYPE_OFF 8 /* struct bpf_sock: type, protocol, state */
#define SK_PROTOCOL_OFF 12
#define SK_STATE_OFF 72

static uint32_t view_u32(const uint8_t *view, size_t off)
{
	uint32_t v;

	memcpy(&v, view + off, sizeof(v));
	return v;
}

/*
 * The packet's socket, if @p points at one of its views (the struct
 * bpf_sock __sk_buff->sk gives, or its struct bpf_tcp_sock).
 */
static bool sk_ctx_arg(const struct kbpf_run *run, uint64_t p,
		       struct sk_ref *out)
{
	const struct kbpf_skb_sock *ks;

	if (!kbpf_prog_type_is_skb(run->ctx_type) || !run->ctx)
		return false;
	ks = ((const struct kbpf_skb *)run->ctx)->sk;
	if (!ks || !ks->in_ctx ||
	    (p != (uint64_t)(uintptr_t)ks->sk_view &&
	     p != (uint64_t)(uintptr_t)ks->tcp_view))
		return false;
	out->obj = NULL;
	out->sk = (const uint8_t *)ks->sk_view;
	out->tp = (const uint8_t *)ks->tcp_view;
	out->fullsock = ks->fullsock;
	/* Linux's bpf_tcp_sock(): a full SOCK_STREAM IPPROTO_TCP socket */
	out->tcp = view_u32(out->sk, SK_TYPE_OFF) == 1 &&
		   view_u32(out->sk, SK_PROTOCOL_OFF) == 6;
	return true;
}

/*
 * The socket a pointer of the program names: the packet's, or an object
 * a lookup handed out (in checked mode only one of this run the program
 * still holds, found by its struct bpf_sock or struct bpf_tcp_sock view).
 * False if none.
 */
static bool sk_arg(struct kbpf_run *run, uint64_t p, struct sk_ref *out)
{
	const size_t tp_off =
		offsetof(struct sk_obj, tp) - offsetof(struct sk_obj, sk);
	uint8_t *v = PTR(p);
	struct sk_obj *o = NULL;

	if (sk_ctx_arg(run, p, out))
		return true;
	if (!run->checked) {
		o = obj_of(p);
	} else if (v && kbpf_run_has_record(run, v, sk_obj_release)) {
		/* not through the back offsets: an unproven program may write */
		o = (struct sk_obj *)(void *)(v - offsetof(struct sk_obj, sk));
	} else if ((uintptr_t)v > tp_off &&
		   kbpf_run_has_record(run, v - tp_off, sk_obj_release)) {
		o = (struct sk_obj *)(void *)(v - tp_off -
					      offsetof(struct sk_obj, sk));
	} else {
		/* Linux's verifier refuses what gets here; the run fails. */
		if (!run->error)
			run->error = -KBPF_EINVAL;
		return false;
	}
	out->obj = o;
	out->sk = o->sk;
	out->tp = o->tp;
	out->fullsock = o->fullsock;
	out->tcp = o->tcp;
	return true;
}

/*
 * Linux's bpf_sk_release: always 0 (the verifier proved the reference).
 * The packet's socket is no reference: Linux's verifier refuses it, a
 * checked run fails, and it is never given back.
 */
uint64_t kbpf_helper_sk_release(struct kbpf_run *run, uint64_t sk, uint64_t r2,
				uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct sk_ref r;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!sk_arg(run, sk, &r))
		return 0;
	if (!r.obj) {
		if (run->checked && !run->error)
			run->error = -KBPF_EINVAL;
		return 0;
	}
	if (kbpf_run_take_record(run, r.obj->sk, sk_obj_release))
		sk_obj_release(r.obj->sk);
	return 0;
}

/* The same socket if it is a full one. */
uint64_t kbpf_helper_sk_fullsock(struct kbpf_run *run, uint64_t sk, uint64_t r2,
				 uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct sk_ref r;

	(void)r2, (void)r3, (void)r4, (void)r5;
	return sk_arg(run, sk, &r) && r.fullsock ? (uint64_t)(uintptr_t)r.sk :
						   0;
}

/* Its TCP view, for a full TCP socket. */
uint64_t kbpf_helper_tcp_sock(struct kbpf_run *run, uint64_t sk, uint64_t r2,
			      uint64_t r3, uint64_t r4, uint64_t r5)
{
	struct sk_ref r;

	(void)r2, (void)r3, (void)r4, (void)r5;
	return sk_arg(run, sk, &r) && r.fullsock && r.tcp ?
		       (uint64_t)(uintptr_t)r.tp :
		       0;
}

/*
 * Linux's bpf_get_listener_sock: the socket if it is a full one in
 * TCP_LISTEN (Linux's listeners are SOCK_RCU_FREE; a lookup's copy is
 * freed through defer_free, and on a host without it a lookup result
 * gives NULL here), else NULL. Linux
 * gives a request socket's listener; kbpf's hosts describe no listener
 * of a request socket, so it gives NULL there.
 */
uint64_t kbpf_helper_get_listener_sock(struct kbpf_run *run, uint64_t sk,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	struct sk_ref r;

	(void)r2, (void)r3, (void)r4, (void)r5;
	if (!sk_arg(run, sk, &r) || !r.fullsock ||
	    view_u32(r.sk, SK_STATE_OFF) != 10 /* TCP_LISTEN */)
		return 0;
	/* a lookup's copy outlives its release only with defer_free */
	if (r.obj && !run->host->defer_free)
		return 0;
	return (uint64_t)(uintptr_t)r.sk;
}
