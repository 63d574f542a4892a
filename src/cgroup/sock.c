// SPDX-License-Identifier: MIT
/*
 * The runners of cgroup sock, sock_addr and sockopt programs
 * (include/kbpf/cgroup.h), Linux's __cgroup_bpf_run_filter_sk(),
 * __cgroup_bpf_run_filter_sock_addr() and
 * __cgroup_bpf_run_filter_{set,get}sockopt() in behaviour: the host fills
 * a struct kbpf_sock, kbpf_sock_addr or kbpf_sockopt at its socket hook, kbpf runs the
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
	return kbpf_cgroup_run_array(h, cgrp, attach_type, &args, NULL, NULL);
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
				    bind ? &f : NULL, NULL);
	if (flags)
		*flags = f & KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE;
	return ret;
}

/*
 * Point md's optval/optval_end at the first min(@len, a page) bytes of
 * @ctx->buf; the run may touch only those (checked mode's packet).
 * Return that length or -EINVAL.
 */
static int32_t sockopt_buf(struct kbpf_sockopt *ctx, int32_t len,
			   struct kbpf_interp_args *args)
{
	int32_t max = len > KBPF_PAGE_SIZE ? KBPF_PAGE_SIZE : len;

	if (len < 0 || ctx->cap < (uint32_t)max || (max && !ctx->buf))
		return -KBPF_EINVAL;
	ctx->md.sk = NULL;
	ctx->md.optval = ctx->buf;
	ctx->md.optval_end = ctx->buf + max;
	args->ctx = ctx;
	args->ctx_size = sizeof(ctx->md);
	args->ctx_writable = true;
	args->ctx_type = BPF_PROG_TYPE_CGROUP_SOCKOPT;
	args->pkt = ctx->buf;
	args->pkt_size = (size_t)max;
	return max;
}

int kbpf_cgroup_run_setsockopt(const struct kbpf_host *h, void *cgrp,
			       struct kbpf_sockopt *ctx,
			       enum kbpf_interp_mode mode, uint32_t cpu)
{
	struct kbpf_interp_args args = { .mode = mode, .cpu = cpu };
	int32_t level = ctx->md.level, optname = ctx->md.optname;
	int32_t orig = ctx->md.optlen, max;
	int ret;

	max = sockopt_buf(ctx, orig, &args);
	if (max < 0)
		return max;
	if (!kbpf_cgroup_has_progs(h, cgrp, BPF_CGROUP_SETSOCKOPT)) {
		ctx->md.optlen = 0; /* the caller's own value */
		return 0;
	}
	ctx->md.retval = 0;
	ret = kbpf_cgroup_run_array(h, cgrp, BPF_CGROUP_SETSOCKOPT, &args, NULL,
				    &ctx->md.retval);
	if (ret)
		return ret;
	if (ctx->md.optlen == -1)
		return 1; /* the programs handled it */
	if (ctx->md.optlen > max || ctx->md.optlen < -1) {
		/* Linux leaves a value over a page to the kernel as the
		 * caller gave it, whatever the programs changed. */
		if (orig > KBPF_PAGE_SIZE && ctx->md.optlen >= 0) {
			ctx->md.level = level;
			ctx->md.optname = optname;
			ctx->md.optlen = 0;
			return 0;
		}
		return -KBPF_EFAULT;
	}
	return 0;
}

int kbpf_cgroup_run_getsockopt(const struct kbpf_host *h, void *cgrp,
			       struct kbpf_sockopt *ctx, int32_t max_optlen,
			       int32_t retval, enum kbpf_interp_mode mode,
			       uint32_t cpu)
{
	struct kbpf_interp_args args = { .mode = mode, .cpu = cpu };
	int32_t orig = 0, max;
	int ret;

	max = sockopt_buf(ctx, max_optlen, &args);
	if (max < 0)
		return max;
	if (!kbpf_cgroup_has_progs(h, cgrp, BPF_CGROUP_GETSOCKOPT)) {
		ctx->md.optlen = 0; /* the handler's answer stands */
		return retval;
	}
	/* The programs see the handler's length when it succeeded, the
	 * caller's buffer length when it failed. */
	if (!retval) {
		if (ctx->md.optlen < 0)
			return -KBPF_EFAULT;
		orig = ctx->md.optlen;
	} else {
		ctx->md.optlen = max_optlen;
	}
	ctx->md.retval = retval;
	ret = kbpf_cgroup_run_array(h, cgrp, BPF_CGROUP_GETSOCKOPT, &args, NULL,
				    &ctx->md.retval);
	if (ret < 0)
		return ret;
	if (ctx->md.optlen > max || ctx->md.optlen < 0) {
		if (orig > KBPF_PAGE_SIZE && ctx->md.optlen >= 0) {
			ctx->md.optlen = 0;
			return retval;
		}
		return -KBPF_EFAULT;
	}
	return ret;
}
