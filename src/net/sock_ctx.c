// SPDX-License-Identifier: MIT
/*
 * The socket contexts of cgroup programs at load: which attach types
 * BPF_PROG_TYPE_CGROUP_SOCK and BPF_PROG_TYPE_CGROUP_SOCK_ADDR load with,
 * the return range of each sock_addr hook, and their context-access
 * rules (Linux's sock_filter_is_valid_access and
 * sock_addr_is_valid_access in net/core/filter.c, in behaviour, measured
 * by tests/unit/cgroup/test_cgroup_sock_diff.c), called by the pass of
 * ctx_access.c.
 *
 * kbpf's contexts are the UAPI structs themselves (struct bpf_sock,
 * struct bpf_sock_addr), filled by the host before a run
 * (include/kbpf/cgroup.h), so loads read them as they are. Linux reads
 * ports from 16-bit fields: a load of dst_port (bpf_sock) or user_port
 * (bpf_sock_addr) at least 2 bytes wide gives the whole port, and a store
 * of user_port writes its 16 bits; those accesses are rewritten to the
 * 2 low-order bytes of the u32. Pure functions: no locks, no allocation.
 */
#include "net_internal.h"

#define SOCK_OFF(f) ((int)offsetof(struct bpf_sock, f))
#define SOCK_END(f) (SOCK_OFF(f) + (int)sizeof(((struct bpf_sock *)0)->f))
#define ADDR_OFF(f) ((int)offsetof(struct bpf_sock_addr, f))
#define ADDR_END(f) (ADDR_OFF(f) + (int)sizeof(((struct bpf_sock_addr *)0)->f))
#define IN(off, lo, hi) ((off) >= (lo) && (off) < (hi))

_Static_assert(sizeof(struct bpf_sock) == 80, "struct bpf_sock is Linux's");
_Static_assert(sizeof(struct bpf_sock_addr) == 72,
	       "struct bpf_sock_addr is Linux's");

bool kbpf_sock_prog_attach_ok(uint32_t prog_type, uint32_t attach_type)
{
	if (prog_type == BPF_PROG_TYPE_CGROUP_SOCKOPT)
		return attach_type == BPF_CGROUP_GETSOCKOPT ||
		       attach_type == BPF_CGROUP_SETSOCKOPT;
	if (prog_type == BPF_PROG_TYPE_CGROUP_SOCK) {
		switch (attach_type) {
		case BPF_CGROUP_INET_SOCK_CREATE:
		case BPF_CGROUP_INET_SOCK_RELEASE:
		case BPF_CGROUP_INET4_POST_BIND:
		case BPF_CGROUP_INET6_POST_BIND:
			return true;
		default:
			return false;
		}
	}
	switch (attach_type) {
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
		return prog_type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR;
	default:
		return false;
	}
}

void kbpf_sock_addr_ret_range(uint32_t attach_type, int64_t *min, int64_t *max)
{
	*min = 0;
	*max = 1;
	switch (attach_type) {
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
	case BPF_CGROUP_UNIX_RECVMSG:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_UNIX_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UNIX_GETSOCKNAME:
		/* The address is rewritten; the call cannot be refused. */
		*min = 1;
		break;
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET6_BIND:
		/* Bit 1: bind below 1024 without CAP_NET_BIND_SERVICE. */
		*max = 3;
		break;
	default:
		break;
	}
}

static uint32_t insn_size(uint8_t code)
{
	static const uint8_t sizes[4] = { 4, 2, 1, 8 }; /* W H B DW */

	return sizes[BPF_SIZE(code) >> 3];
}

static void insn_set_size(struct bpf_insn *insn, uint32_t size)
{
	uint8_t code = size == 4 ? BPF_W : size == 2 ? BPF_H : BPF_B;

	insn->code = (uint8_t)((insn->code & ~0x18) | code);
}

/* Offset of the low @size bytes of the u32 at @base, in this host's byte order. */
static int16_t low_bytes(int base, uint32_t size)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	return (int16_t)(base + 4 - (int)size);
#else
	(void)size;
	return (int16_t)base;
#endif
}

/* Linux's bpf_ctx_narrow_access_ok() for a u32 field: 1, 2 or 4 bytes. */
static bool narrow_ok(int off, uint32_t size)
{
	return size <= 4 && (off & 3) + (int)size <= 4;
}

/*
 * Which struct bpf_sock fields a cgroup sock program of @eat may touch
 * (Linux's __sock_filter_check_attach_type()): bound_dev_if, mark and
 * priority read and written by the create and release hooks only; the
 * source address and port read by the post-bind hooks of its family;
 * the others read by every hook.
 */
static bool sock_eat_allows(uint32_t eat, int off, bool write)
{
	bool create = eat == BPF_CGROUP_INET_SOCK_CREATE ||
		      eat == BPF_CGROUP_INET_SOCK_RELEASE;

	if (off == SOCK_OFF(bound_dev_if) || off == SOCK_OFF(mark) ||
	    off == SOCK_OFF(priority))
		return create;
	if (IN(off, SOCK_OFF(src_ip4), SOCK_END(src_ip4)))
		return eat == BPF_CGROUP_INET4_POST_BIND && !write;
	if (IN(off, SOCK_OFF(src_ip6), SOCK_END(src_ip6)))
		return eat == BPF_CGROUP_INET6_POST_BIND && !write;
	if (IN(off, SOCK_OFF(src_port), SOCK_END(src_port)))
		return (eat == BPF_CGROUP_INET4_POST_BIND ||
			eat == BPF_CGROUP_INET6_POST_BIND) &&
		       !write;
	return !write;
}

int kbpf_ctx_sock(const struct kbpf_prog *prog, struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);
	bool write = cls == BPF_ST || cls == BPF_STX;
	uint32_t size = insn_size(insn->code);
	int off = insn->off;
	bool ok;

	if (off < 0 || off >= (int)sizeof(struct bpf_sock) || off % (int)size)
		return -KBPF_EACCES;
	/* Linux's bpf_sock_is_valid_access(). */
	if (IN(off, SOCK_OFF(dst_port), SOCK_END(dst_port)))
		ok = size == 4 ||
		     (size <= 2 && off + (int)size <= SOCK_END(dst_port));
	else if (IN(off, SOCK_END(dst_port), SOCK_OFF(dst_ip4)))
		ok = false; /* the padding after dst_port */
	else if (off == SOCK_OFF(state) || off == SOCK_OFF(family) ||
		 off == SOCK_OFF(type) || off == SOCK_OFF(protocol) ||
		 off == SOCK_OFF(src_port) ||
		 off == SOCK_OFF(rx_queue_mapping) ||
		 IN(off, SOCK_OFF(src_ip4), SOCK_END(src_ip6)) ||
		 IN(off, SOCK_OFF(dst_ip4), SOCK_END(dst_ip6)))
		ok = narrow_ok(off, size);
	else
		ok = size == 4;
	if (!ok || !sock_eat_allows(prog->expected_attach_type, off, write))
		return -KBPF_EACCES;
	/* A whole-u32 read of dst_port is the 16-bit port. */
	if (off == SOCK_OFF(dst_port) && size == 4) {
		insn->off = low_bytes(off, 2);
		insn_set_size(insn, 2);
	}
	return 0;
}

/* Is @eat one of the hooks whose address is of family @v (4 or 6)? */
static bool addr_eat_family(uint32_t eat, int v)
{
	switch (eat) {
	case BPF_CGROUP_INET4_BIND:
	case BPF_CGROUP_INET4_CONNECT:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_UDP4_SENDMSG:
	case BPF_CGROUP_UDP4_RECVMSG:
		return v == 4;
	case BPF_CGROUP_INET6_BIND:
	case BPF_CGROUP_INET6_CONNECT:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UDP6_SENDMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
		return v == 6;
	default:
		return false;
	}
}

/* Linux's bpf_ctx_wide_access_ok(): 8 aligned bytes inside @lo..@hi. */
static bool wide_ok(int off, uint32_t size, int lo, int hi)
{
	return size == 8 && off >= lo && off + 8 <= hi && !(off & 7);
}

int kbpf_ctx_sock_addr(const struct kbpf_prog *prog, struct bpf_insn *insn,
		       struct kbpf_vlog *log)
{
	uint8_t cls = BPF_CLASS(insn->code);
	bool write = cls == BPF_ST || cls == BPF_STX;
	uint32_t size = insn_size(insn->code);
	uint32_t eat = prog->expected_attach_type;
	int off = insn->off;

	if (off < 0 || off >= (int)sizeof(struct bpf_sock_addr) ||
	    off % (int)size)
		return -KBPF_EACCES;
	/* The address fields of the hook's family only. */
	if ((IN(off, ADDR_OFF(user_ip4), ADDR_END(user_ip4)) &&
	     !addr_eat_family(eat, 4)) ||
	    (IN(off, ADDR_OFF(user_ip6), ADDR_END(user_ip6)) &&
	     !addr_eat_family(eat, 6)) ||
	    (IN(off, ADDR_OFF(msg_src_ip4), ADDR_END(msg_src_ip4)) &&
	     eat != BPF_CGROUP_UDP4_SENDMSG) ||
	    (IN(off, ADDR_OFF(msg_src_ip6), ADDR_END(msg_src_ip6)) &&
	     eat != BPF_CGROUP_UDP6_SENDMSG))
		return -KBPF_EACCES;
	if (IN(off, ADDR_OFF(user_ip4), ADDR_END(user_port)) ||
	    IN(off, ADDR_OFF(msg_src_ip4), ADDR_END(msg_src_ip6))) {
		/* Addresses and the port: read narrow, written whole; an
		 * IPv6 address also in aligned 8-byte halves. */
		if (wide_ok(off, size, ADDR_OFF(user_ip6),
			    ADDR_END(user_ip6)) ||
		    wide_ok(off, size, ADDR_OFF(msg_src_ip6),
			    ADDR_END(msg_src_ip6)))
			return 0;
		if (write ? size != 4 : !narrow_ok(off, size))
			return -KBPF_EACCES;
		if (!IN(off, ADDR_OFF(user_port), ADDR_END(user_port)))
			return 0;
		/* The port is Linux's 16-bit sin_port. */
		if (write) {
			insn->off = low_bytes(ADDR_OFF(user_port), 2);
			insn_set_size(insn, 2);
		} else if (size >= 2) {
			insn->off = low_bytes(ADDR_OFF(user_port), size);
		}
		return 0;
	}
	if (off == ADDR_OFF(sk)) {
		if (write || size != 8)
			return -KBPF_EACCES;
		kbpf_vlog_printf(
			log,
			"kbpf: bpf_sock_addr->sk (the socket) is not supported\n");
		return -KBPF_EINVAL;
	}
	/* user_family, family, type, protocol: whole u32 reads; not the
	 * padding before sk nor the upper half of sk. */
	if (off == ADDR_OFF(user_family) ||
	    IN(off, ADDR_OFF(family), ADDR_END(protocol)))
		return !write && size == 4 ? 0 : -KBPF_EACCES;
	return -KBPF_EACCES;
}

#define OPT_OFF(f) ((int)offsetof(struct bpf_sockopt, f))

_Static_assert(sizeof(struct bpf_sockopt) == 40,
	       "struct bpf_sockopt is Linux's");

int kbpf_ctx_sockopt(const struct kbpf_prog *prog, struct bpf_insn *insn,
		     struct kbpf_vlog *log)
{
	uint8_t cls = BPF_CLASS(insn->code);
	bool write = cls == BPF_ST || cls == BPF_STX;
	bool get = prog->expected_attach_type == BPF_CGROUP_GETSOCKOPT;
	uint32_t size = insn_size(insn->code);
	int off = insn->off;

	if (off < 0 || off >= (int)sizeof(struct bpf_sockopt) ||
	    off % (int)size)
		return -KBPF_EACCES;
	if (write) {
		/* retval for getsockopt, level and optname for setsockopt,
		 * optlen for both: whole. */
		if (size != 4)
			return -KBPF_EACCES;
		if (off == OPT_OFF(retval))
			return get ? 0 : -KBPF_EACCES;
		if (off == OPT_OFF(level) || off == OPT_OFF(optname))
			return get ? -KBPF_EACCES : 0;
		return off == OPT_OFF(optlen) ? 0 : -KBPF_EACCES;
	}
	/* The pointers: whole 8-byte loads; optval and optval_end are the
	 * buffer's bounds (the verifier's packet pointers). */
	if (off < OPT_OFF(level)) {
		if (size != 8)
			return -KBPF_EACCES;
		if (off == OPT_OFF(sk)) {
			kbpf_vlog_printf(
				log,
				"kbpf: bpf_sockopt->sk (the socket) is not supported\n");
			return -KBPF_EINVAL;
		}
		return 0;
	}
	if (size != 4)
		return -KBPF_EACCES;
	return off != OPT_OFF(retval) || get ? 0 : -KBPF_EACCES;
}
