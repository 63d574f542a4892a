// SPDX-License-Identifier: MIT
/*
 * The POSIX host's socket lookup (kbpf_host.sk_lookup, sk_release): the
 * sockets of this process's network namespace as /proc/net/{tcp,tcp6,
 * udp,udp6} list them, matched as Linux matches a packet: a connected
 * socket whose two ends are the tuple's, else a listening (bound, for
 * UDP) one on the destination port and address or the wildcard, the
 * exact address first. What /proc does not show reads as Linux's
 * defaults: bound_dev_if, mark and priority 0, rx_queue_mapping -1, the
 * bpf_tcp_sock counters 0. Only the caller's namespace: a namespace id
 * (>= 0) finds nothing. Reading /proc blocks, which a kernel host's
 * lookup would not; this host is for tests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/uapi/bpf.h"
#include "posix_internal.h"

static atomic_long sk_refs;

long kbpf_posix_sk_refs(void)
{
	return atomic_load(&sk_refs);
}

struct proc_sk {
	uint8_t laddr[16], raddr[16];
	uint16_t lport, rport; /* host order */
	uint32_t state;
};

/* One address of /proc/net: 8 or 32 hex digits of 32-bit native words. */
static int parse_addr(const char *s, size_t words, uint8_t *out)
{
	for (size_t i = 0; i < words; i++) {
		char buf[9];
		uint32_t w;

		memcpy(buf, s + 8 * i, 8);
		buf[8] = 0;
		w = (uint32_t)strtoul(buf, NULL, 16);
		memcpy(out + 4 * i, &w, 4);
	}
	return 0;
}

static int parse_line(const char *line, size_t words, struct proc_sk *p)
{
	char la[40], ra[40];
	unsigned lp, rp, st;

	if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x", la,
		   &lp, ra, &rp, &st) != 5 ||
	    strlen(la) != 8 * words || strlen(ra) != 8 * words)
		return -1;
	memset(p, 0, sizeof(*p));
	parse_addr(la, words, p->laddr);
	parse_addr(ra, words, p->raddr);
	p->lport = (uint16_t)lp;
	p->rport = (uint16_t)rp;
	p->state = st;
	return 0;
}

static bool is_zero(const uint8_t *a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (a[i])
			return false;
	return true;
}

/*
 * How well @p takes a packet of @t: 0 not at all; 3 both ends match (a
 * connected socket); 2 a listener or unconnected socket on the exact
 * address; 1 on the wildcard.
 */
static int score(const struct kbpf_sk_tuple *t, const struct proc_sk *p,
		 size_t alen)
{
	bool tcp = t->protocol == 6;
	bool listening = tcp ? p->state == 10 : is_zero(p->raddr, alen);

	if (p->lport != ntohs(t->dport))
		return 0;
	if (!listening) {
		if (p->rport != ntohs(t->sport) ||
		    memcmp(p->raddr, t->saddr, alen) ||
		    memcmp(p->laddr, t->daddr, alen))
			return 0;
		if (tcp && p->state == 7) /* TCP_CLOSE: not reachable */
			return 0;
		return 3;
	}
	if (!memcmp(p->laddr, t->daddr, alen))
		return 2;
	return is_zero(p->laddr, alen) ? 1 : 0;
}

int posix_sk_lookup(const struct kbpf_host *h, const struct kbpf_sk_tuple *t,
		    struct kbpf_sk_info *out)
{
	const bool v6 = t->family == 10, tcp = t->protocol == 6;
	const size_t alen = v6 ? 16 : 4;
	char path[32], line[512];
	struct proc_sk best, p;
	struct bpf_sock sk;
	int best_score = 0;
	uint16_t dport;
	FILE *f;
	int *handle;

	(void)h;
	if (t->netns_id >= 0)
		return -ENOENT;
	snprintf(path, sizeof(path), "/proc/net/%s%s", tcp ? "tcp" : "udp",
		 v6 ? "6" : "");
	f = fopen(path, "re");
	if (!f)
		return -ENOENT;
	while (fgets(line, sizeof(line), f)) {
		int s;

		if (parse_line(line, alen / 4, &p))
			continue;
		/* time-wait and request sockets: only for bpf_skc_lookup_tcp */
		if (tcp && !t->skc && (p.state == 6 || p.state == 3))
			continue;
		s = score(t, &p, alen);
		if (s > best_score) {
			best_score = s;
			best = p;
		}
	}
	fclose(f);
	if (!best_score)
		return -ENOENT;
	handle = malloc(sizeof(*handle));
	if (!handle)
		return -ENOMEM;
	memset(&sk, 0, sizeof(sk));
	sk.family = t->family;
	sk.type = tcp ? 1 : 2;
	sk.protocol = t->protocol;
	if (v6) {
		memcpy(sk.src_ip6, best.laddr, 16);
		memcpy(sk.dst_ip6, best.raddr, 16);
	} else {
		memcpy(&sk.src_ip4, best.laddr, 4);
		memcpy(&sk.dst_ip4, best.raddr, 4);
	}
	sk.src_port = best.lport;
	dport = htons(best.rport);
	sk.dst_port = dport;
	sk.state = best.state;
	sk.rx_queue_mapping = -1;
	memcpy(out->sk, &sk, sizeof(sk));
	out->fullsock = !(tcp && (best.state == 6 || best.state == 3));
	out->handle = handle;
	atomic_fetch_add(&sk_refs, 1);
	return 0;
}

void posix_sk_release(const struct kbpf_host *h, void *handle)
{
	(void)h;
	free(handle);
	atomic_fetch_sub(&sk_refs, 1);
}
