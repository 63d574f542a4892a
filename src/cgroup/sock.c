// SPDX-License-Identifier: MIT
/*
 * The runners of cgroup sock and sock_addr programs
 * (include/kbpf/cgroup.h), Linux's __cgroup_bpf_run_filter_sk() and
 * __cgroup_bpf_run_filter_sock_addr() in behaviour: the host fills a
 * struct kbpf_sock or kbpf_sock_addr at its socket hook, kbpf runs the
 * cgroup's effective programs of that hook on it in order
 * (kbpf_cgroup_run_array() in cgroup.c) and the host applies what they
 * rewrote. The context rules these programs were loaded under are
 * src/net/sock_ctx.c's. Program path: no lock, no allocation; runners
 * read the effective arrays as cgroup.c describes.
 */
#include "cgroup_internal.h"
#include "kbpf/cgroup.h"

static bool sock_hook(uint32_t t)
{
	return t == BPF_CGROUP_INET_SOCK_CREATE ||
	       t == BPF_CGROUP_INET_SOCK_RELEASE ||
	       t == BPF_CGROUP_INET4_POST_BIND ||
	       t == BPF_CGROUP_INET6_POST_BIND;
}

int kbpf_cgroup_run_sock(const struct kbpf_host *h, void *cgrp,
			 uint32_t attach_type, struct kbpf_sock *sk,
			 enum kbpf_interp_mode mode, uint32_t cpu)
{
	struct kbpf_interp_args args = {
		.ctx = sk,
		/* The UAPI view; the host's part after it is not the
		 * program's (checked mode). */
		.ctx_size = sizeof(sk->md),
		.ctx_writable = attach_type == BPF_CGROUP_INET_SOCK_CREATE ||
				attach_type == BPF_CGROUP_INET_SOCK_RELEASE,
		.ctx_type = BPF_PROG_TYPE_CGROUP_SOCK,
		.mode = mode,
		.cpu = cpu,
	};

	if (!sock_hook(attach_type))
		return -KBPF_EINVAL;
	return kbpf_cgroup_run_array(h, cgrp, attach_type, &args, NULL);
}

static bool sock_addr_hook(uint32_t t)
{
	switch (t) {
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET6_BIND:
	case BPF_CGROUP_INET4_CONNECT:
	case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_UNIX_CONNECT:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_UNIX_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UNIX_GETSOCKNAME:
	case BPF_CGROUP_UDP4_SENDMSG:
	case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_UNIX_SENDMSG:
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
	case BPF_CGROUP_UNIX_RECVMSG:
		return true;
	default:
		return false;
	}
}

int kbpf_cgroup_run_sock_addr(const struct kbpf_host *h, void *cgrp,
			      uint32_t attach_type, struct kbpf_sock_addr *ctx,
			      enum kbpf_interp_mode mode, uint32_t cpu,
			      uint32_t *flags)
{
	struct kbpf_interp_args args = {
		.ctx = ctx,
		.ctx_size = sizeof(ctx->md),
		.ctx_writable = true,
		.ctx_type = BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
		.mode = mode,
		.cpu = cpu,
	};
	bool bind = attach_type == BPF_CGROUP_INET4_BIND ||
		    attach_type == BPF_CGROUP_INET6_BIND;
	uint32_t f = 0;
	int ret;

	if (flags)
		*flags = 0;
	if (!sock_addr_hook(attach_type))
		return -KBPF_EINVAL;
	/* Only bind hooks give return flags, as Linux. */
	ret = kbpf_cgroup_run_array(h, cgrp, attach_type, &args,
				    bind ? &f : NULL);
	if (flags)
		*flags = f & KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE;
	return ret;
}
