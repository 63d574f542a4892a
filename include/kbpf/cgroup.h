/* SPDX-License-Identifier: MIT */
/*
 * Programs attached to cgroups, as a host runs them: Linux's cgroup BPF
 * (kernel/bpf/cgroup.c). User space attaches programs to the host's
 * cgroups with BPF_PROG_ATTACH (target_fd: a cgroup directory, resolved
 * by kbpf_host.cgroup_get), detaches them with BPF_PROG_DETACH and lists
 * them with BPF_PROG_QUERY; the host calls the runners below from its
 * hooks (a packet entering or leaving a socket of the cgroup, a socket
 * created, bound or released, an address passed to bind, connect or
 * sendmsg or returned by getpeername, getsockname or recvmsg, a device
 * or sysctl access), which run the cgroup's effective programs: its own, then those
 * its ancestors attached with BPF_F_ALLOW_MULTI (or the nearest one
 * attached with BPF_F_ALLOW_OVERRIDE that no descendant overrides), as
 * Linux's compute_effective_progs() orders them.
 *
 * The host side is kbpf_host.cgroup_get/cgroup_put (fds), cgroup_parent
 * (the hierarchy) and cgroup_bpf (where kbpf keeps a cgroup's programs),
 * and kbpf_cgroup_release() when a cgroup goes away.
 *
 * Runners read the effective programs without locks: call them inside the
 * host's read-side section (kbpf_host.read_lock), as kbpf_skb_run(). A
 * detached program and a replaced program array are freed through
 * kbpf_host.defer_free, after every section that may still run them; a
 * host without defer_free gets them back only from kbpf_cgroup_release().
 */
#ifndef KBPF_CGROUP_H
#define KBPF_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "host.h"
#include "interp.h"
#include "packet.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct kbpf_sysctl - the context of a cgroup sysctl program: one read or
 * write of a sysctl file, filled by the host (Linux's struct
 * bpf_sysctl_kern).
 * @md: what the program reads: write (1 for a write, 0 for a read) and
 *      file_pos (the position in the file), which the program may change;
 *      the host goes on from md.file_pos after the run.
 * @name: the sysctl's path below /proc/sys with '/' between its parts
 *        ("net/ipv4/ip_forward"), NUL-terminated: what
 *        bpf_sysctl_get_name gives, or its last part with
 *        BPF_F_SYSCTL_BASE_NAME.
 * @cur_val, @cur_len: the current value as a read of the file gives it
 *        (text, no NUL needed); NULL or 0 if it could not be read
 *        (bpf_sysctl_get_current_value then zeroes and gives -EINVAL).
 * @new_val, @new_len: on a write, the value being written; @new_cap: the
 *        bytes @new_val can hold (a page, as Linux's buffer), where
 *        bpf_sysctl_set_new_value puts a value of up to
 *        min(@new_cap, KBPF_PAGE_SIZE - 1) bytes.
 * @new_updated: set by bpf_sysctl_set_new_value: the host writes
 *        @new_val/@new_len instead of what user space gave.
 */
struct kbpf_sysctl {
	struct bpf_sysctl md;
	const char *name;
	const char *cur_val;
	size_t cur_len;
	char *new_val;
	size_t new_len;
	size_t new_cap;
	bool new_updated;
};

/**
 * struct kbpf_sock - the context of a cgroup sock program
 * (BPF_PROG_TYPE_CGROUP_SOCK): one socket at a hook, filled by the host.
 * @md: the socket as programs read it, in Linux's layout (struct
 *      bpf_sock): bound_dev_if, family, type, protocol, mark, priority,
 *      src_ip4/src_ip6 (network order) and src_port (host order) once
 *      bound, dst_port (network order, the low 16 bits of its u32) and
 *      dst_ip4/dst_ip6 once connected, state (Linux's TCP_* numbers),
 *      rx_queue_mapping (-1 if none). Fields a hook does not expose are
 *      never read. Programs of BPF_CGROUP_INET_SOCK_CREATE and
 *      BPF_CGROUP_INET_SOCK_RELEASE may write bound_dev_if, mark and
 *      priority: the host applies them to the socket after the run.
 * @sk: cookie, uid and network namespace cookie for
 *      bpf_get_socket_cookie and bpf_get_netns_cookie; NULL: cookie 0
 *      and kbpf_host.netns_cookie.
 * @owner: the socket as kbpf_host.owner_storage names it
 *      (KBPF_OWNER_SOCK): bpf_sk_storage_get on the context uses it; 0:
 *      the socket has no storage (the helper returns NULL).
 */
struct kbpf_sock {
	struct bpf_sock md;
	const struct kbpf_skb_sock *sk;
	uint64_t owner;
};

/**
 * struct kbpf_sock_addr - the context of a cgroup sock_addr program
 * (BPF_PROG_TYPE_CGROUP_SOCK_ADDR): one address passed to or returned by
 * a socket call, filled by the host (Linux's struct bpf_sock_addr_kern).
 * @md: what programs read and write, in Linux's layout (struct
 *      bpf_sock_addr), all addresses and ports in network order:
 *      user_family, user_ip4 or user_ip6 and user_port (the low 16 bits
 *      of its u32; the upper bits 0) from the call's sockaddr; family,
 *      type and protocol of the socket; msg_src_ip4/msg_src_ip6, the
 *      source a sendmsg asked for (0: none). Programs may rewrite
 *      user_ip4/user_ip6 and user_port (at the hooks of their family)
 *      and msg_src_ip4/msg_src_ip6 (sendmsg): the host uses md's values
 *      after an allowed run instead of the caller's. The sk field stays
 *      0 (kbpf refuses programs that load it). For AF_UNIX hooks only
 *      user_family, family, type and protocol have a meaning (the path
 *      is rewritten through a kfunc kbpf does not have).
 * @sk: as in struct kbpf_sock.
 * @owner: as in struct kbpf_sock (used by no helper yet: programs cannot
 *      reach the socket from this context in kbpf).
 */
struct kbpf_sock_addr {
	struct bpf_sock_addr md;
	const struct kbpf_skb_sock *sk;
	uint64_t owner;
};

/**
 * struct kbpf_sockopt - the context of a cgroup sockopt program
 * (BPF_PROG_TYPE_CGROUP_SOCKOPT): one setsockopt() or getsockopt() call,
 * filled by the host (Linux's struct bpf_sockopt_kern).
 * @md: what programs read and write, in Linux's layout (struct
 *      bpf_sockopt): level, optname, optlen (see the runners) and, for
 *      getsockopt, retval. kbpf sets sk to 0 (kbpf refuses programs that
 *      load it) and optval/optval_end to the bounds of the value in @buf.
 * @buf: the option's value, @cap bytes of memory the programs may read
 *       and write between optval and optval_end.
 * @cap: bytes @buf holds: at least min(the caller's optlen, KBPF_PAGE_SIZE).
 * @sk: as in struct kbpf_sock.
 * @owner: as in struct kbpf_sock (used by no helper yet).
 */
struct kbpf_sockopt {
	struct bpf_sockopt md;
	uint8_t *buf;
	uint32_t cap;
	const struct kbpf_skb_sock *sk;
	uint64_t owner;
};

/* kbpf_cgroup_run_sock_addr() *flags: a bind program returned bit 1 set
 * (Linux's BPF_RET_BIND_NO_CAP_NET_BIND_SERVICE): the host binds a port
 * below its unprivileged limit without CAP_NET_BIND_SERVICE. */
#define KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE 0x1u

/**
 * kbpf_cgroup_release() - the host removes @cgrp: detach every program
 * attached to it (each loses the reference its attachment held) and free
 * what kbpf kept for it, then clear its kbpf_host.cgroup_bpf pointer.
 * Linux does this when a cgroup goes offline (rmdir); its descendants are
 * gone by then. Does nothing if kbpf keeps nothing for @cgrp.
 * @h: the host.
 * @cgrp: the cgroup (as kbpf_host.cgroup_get gave it).
 *
 * Context: syscall path (process context), may sleep; takes the cgroup
 * attach lock. Runners must no longer be given @cgrp once this is called;
 * runs already inside it finish safely with defer_free.
 */
KBPF_API void kbpf_cgroup_release(const struct kbpf_host *h, void *cgrp);

/**
 * kbpf_cgroup_run_skb() - run the programs @cgrp's packets meet at
 * @attach_type (BPF_CGROUP_INET_INGRESS or BPF_CGROUP_INET_EGRESS), as
 * Linux's __cgroup_bpf_run_filter_skb(): every effective program in
 * order, each on @skb with its control block restored after it
 * (kbpf_cgroup_skb_run()).
 * @h: the host.
 * @cgrp: the cgroup of the packet's socket.
 * @attach_type: the hook.
 * @skb: the packet, as for kbpf_cgroup_skb_run() (data at the network
 *       header). Programs may change md.mark, md.priority and md.tstamp
 *       for the host to apply.
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 * @verdict: receives KBPF_CGROUP_SKB_PASS unless a program refused the
 *           packet (every program must allow it), and for egress
 *           KBPF_CGROUP_SKB_CN if any program asked for congestion
 *           notification (Linux's NET_XMIT_CN, or a drop when the packet
 *           was refused too). With no program attached: PASS.
 *
 * Every program runs even after one refused, as in Linux.
 *
 * Context: program path: never sleeps, allocates nothing, takes no lock;
 * inside the host's read-side section.
 * Return: 0; -EINVAL if @attach_type is not a cgroup skb hook; or the
 * errno kbpf_interp_run() gives for a run that stopped (that program
 * refused the packet; the others still ran).
 */
KBPF_API int kbpf_cgroup_run_skb(const struct kbpf_host *h, void *cgrp,
				 uint32_t attach_type, struct kbpf_skb *skb,
				 enum kbpf_interp_mode mode, uint32_t cpu,
				 uint32_t *verdict);

/**
 * kbpf_cgroup_run_dev() - may a task of @cgrp access a device? Runs the
 * BPF_CGROUP_DEVICE programs of @cgrp on a struct bpf_cgroup_dev_ctx, as
 * Linux's __cgroup_bpf_check_dev_permission().
 * @h: the host.
 * @cgrp: the task's cgroup.
 * @dev_type: BPF_DEVCG_DEV_BLOCK or BPF_DEVCG_DEV_CHAR.
 * @access: BPF_DEVCG_ACC_* bits (mknod, read, write).
 * @major, @minor: the device number.
 * @mode: as for kbpf_skb_run() (the context is read-only to programs).
 * @cpu: the CPU to report to helpers.
 *
 * The programs see access_type = @access << 16 | @dev_type. Every
 * program runs; the access is allowed when each returned 1 (Linux's
 * verifier keeps them to 0 or 1; kbpf takes bit 0).
 *
 * Context: program path, as kbpf_cgroup_run_skb().
 * Return: 0 if the access is allowed (also with no program attached);
 * -EPERM if a program refused it; or the errno kbpf_interp_run() gives
 * for a run that stopped (the host refuses the access then too).
 */
KBPF_API int kbpf_cgroup_run_dev(const struct kbpf_host *h, void *cgrp,
				 uint32_t dev_type, uint32_t access,
				 uint32_t major, uint32_t minor,
				 enum kbpf_interp_mode mode, uint32_t cpu);

/**
 * kbpf_cgroup_run_sysctl() - may a task of @cgrp read or write a sysctl?
 * Runs the BPF_CGROUP_SYSCTL programs of @cgrp on @ctx, as Linux's
 * __cgroup_bpf_run_filter_sysctl(): every program runs; the access is
 * allowed when each returned 1. Programs may move md.file_pos and, on a
 * write, replace the value (bpf_sysctl_set_new_value: @ctx->new_updated).
 * @h: the host.
 * @cgrp: the task's cgroup.
 * @ctx: the access, filled by the host.
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 *
 * Context: program path, as kbpf_cgroup_run_skb().
 * Return: 0 if allowed (also with no program attached); -EPERM if a
 * program refused; or the errno kbpf_interp_run() gives for a run that
 * stopped (the host refuses the access then too).
 */
KBPF_API int kbpf_cgroup_run_sysctl(const struct kbpf_host *h, void *cgrp,
				    struct kbpf_sysctl *ctx,
				    enum kbpf_interp_mode mode, uint32_t cpu);

/**
 * kbpf_cgroup_run_sock() - run the cgroup sock programs of @cgrp at
 * @attach_type on @sk, as Linux's __cgroup_bpf_run_filter_sk(): every
 * effective program in order on the same context (a field one program
 * writes is what the next reads); the call is allowed unless a program
 * returned 0.
 * @h: the host.
 * @cgrp: the cgroup of the socket (the creating task's).
 * @attach_type: BPF_CGROUP_INET_SOCK_CREATE (socket(): refused, the
 *        socket is released and socket() fails with -EPERM),
 *        BPF_CGROUP_INET_SOCK_RELEASE (close: the verdict is ignored, as
 *        Linux ignores it), BPF_CGROUP_INET4_POST_BIND or
 *        BPF_CGROUP_INET6_POST_BIND (after bind() chose the address:
 *        refused, the host undoes the bind and bind() fails with -EPERM).
 * @sk: the socket; md.bound_dev_if, md.mark and md.priority may change
 *      (create and release hooks).
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 *
 * Context: program path: never sleeps, allocates nothing, takes no lock;
 * inside the host's read-side section.
 * Return: 0 if allowed (also with no program attached); -EPERM if a
 * program returned 0; -EINVAL if @attach_type is not a cgroup sock hook;
 * or the errno kbpf_interp_run() gives for a run that stopped (the
 * others still ran; the host refuses the call then too).
 */
KBPF_API int kbpf_cgroup_run_sock(const struct kbpf_host *h, void *cgrp,
				  uint32_t attach_type, struct kbpf_sock *sk,
				  enum kbpf_interp_mode mode, uint32_t cpu);

/**
 * kbpf_cgroup_run_sock_addr() - run the cgroup sock_addr programs of
 * @cgrp at @attach_type on @ctx, as Linux's
 * __cgroup_bpf_run_filter_sock_addr(): every effective program in order
 * on the same context; the call is allowed unless a program returned 0.
 * @h: the host.
 * @cgrp: the cgroup of the socket.
 * @attach_type: BPF_CGROUP_INET4_BIND .. BPF_CGROUP_UNIX_RECVMSG (the
 *        sock_addr hooks of enum bpf_attach_type): bind, connect,
 *        sendmsg (UDP and AF_UNIX) before the call with the caller's
 *        address; getpeername, getsockname and recvmsg after it with the
 *        address to be returned (their programs cannot refuse).
 * @ctx: the address; after an allowed run the host uses md's
 *       user_ip4/user_ip6, user_port and msg_src_ip4/msg_src_ip6.
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 * @flags: receives 0, or for bind hooks
 *       KBPF_CGROUP_BIND_NO_CAP_NET_BIND_SERVICE if a program asked for
 *       it (bit 1 of its return value); may be NULL.
 *
 * Context: program path, as kbpf_cgroup_run_sock().
 * Return: 0 if allowed (also with no program attached); -EPERM if a
 * program returned 0 (bind, connect and sendmsg fail with it);
 * -EINVAL if @attach_type is not a sock_addr hook; or the errno
 * kbpf_interp_run() gives for a run that stopped.
 */
KBPF_API int kbpf_cgroup_run_sock_addr(const struct kbpf_host *h, void *cgrp,
				       uint32_t attach_type,
				       struct kbpf_sock_addr *ctx,
				       enum kbpf_interp_mode mode, uint32_t cpu,
				       uint32_t *flags);

/**
 * kbpf_cgroup_run_setsockopt() - run the BPF_CGROUP_SETSOCKOPT programs
 * of @cgrp on a setsockopt() call before the host handles it, as Linux's
 * __cgroup_bpf_run_filter_setsockopt().
 * @h: the host.
 * @cgrp: the cgroup of the socket.
 * @ctx: md.level, md.optname and md.optlen as the caller passed them
 *       (optlen >= 0), and in @buf the first min(optlen, KBPF_PAGE_SIZE)
 *       bytes of the caller's value. Programs may change md.level,
 *       md.optname, md.optlen and the bytes of @buf.
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 *
 * With no program attached nothing changes and the result is 0.
 *
 * Context: program path, as kbpf_cgroup_run_sock() (Linux holds the
 * socket lock around the run: the host serialises calls on one socket).
 * Return: 1: a program set md.optlen to -1: the call succeeds without
 * the host's handler. 0: the host's handler runs, with md.level and
 * md.optname, and if md.optlen is not 0 with the first md.optlen bytes
 * of @buf as the value instead of the caller's (md.optlen 0: the
 * caller's own value; kbpf also resets md to the caller's level, optname
 * and optlen 0 when a caller's value over a page was left too long, as
 * Linux ignores the programs then). -EPERM if a program returned 0;
 * -EFAULT if the programs left md.optlen below -1 or above what @buf
 * exposed; -EINVAL if md.optlen is negative or @cap is too small; or the
 * errno kbpf_interp_run() gives for a run that stopped.
 */
KBPF_API int kbpf_cgroup_run_setsockopt(const struct kbpf_host *h, void *cgrp,
					struct kbpf_sockopt *ctx,
					enum kbpf_interp_mode mode,
					uint32_t cpu);

/**
 * kbpf_cgroup_run_getsockopt() - run the BPF_CGROUP_GETSOCKOPT programs
 * of @cgrp on a getsockopt() call after the host handled it, as Linux's
 * __cgroup_bpf_run_filter_getsockopt().
 * @h: the host.
 * @cgrp: the cgroup of the socket.
 * @ctx: md.level, md.optname; md.optlen: the length the host's handler
 *       returned if it succeeded, else the caller's buffer length; @buf:
 *       the first min(md.optlen, KBPF_PAGE_SIZE) bytes of the value the
 *       handler returned. Programs may change md.optlen, md.retval and the
 *       bytes of @buf.
 * @max_optlen: the caller's buffer length (>= 0).
 * @retval: what the host's handler returned (0 or -errno).
 * @mode: as for kbpf_skb_run().
 * @cpu: the CPU to report to helpers.
 *
 * Context: program path, as kbpf_cgroup_run_setsockopt().
 * Return: the call's result, 0 or -errno: @retval unless a program
 * changed md.retval, or -EPERM if a program returned 0 while it held no
 * errno; -EFAULT if the programs left md.optlen negative or above what
 * @buf exposed; -EINVAL for a negative @max_optlen or md.optlen, or too
 * small a @cap; or the errno kbpf_interp_run() gives for a run that
 * stopped. When the result is 0 and md.optlen is not 0, the host returns
 * the first md.optlen bytes of @buf and md.optlen to the caller; md.optlen
 * 0 leaves the handler's answer as it was.
 */
KBPF_API int kbpf_cgroup_run_getsockopt(const struct kbpf_host *h, void *cgrp,
					struct kbpf_sockopt *ctx,
					int32_t max_optlen, int32_t retval,
					enum kbpf_interp_mode mode,
					uint32_t cpu);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_CGROUP_H */
