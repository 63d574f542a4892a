// SPDX-License-Identifier: MIT
/*
 * The verifier's socket pointers (Linux 6.18's PTR_TO_SOCK_COMMON,
 * PTR_TO_SOCKET and PTR_TO_TCP_SOCK, in behaviour): what the sk helpers
 * take and return, and the loads through them, checked per field (offset
 * and size) as Linux's bpf_sock_common_is_valid_access(),
 * bpf_sock_is_valid_access() and bpf_tcp_sock_is_valid_access() decide.
 * A lookup's result is a reference the program must give back with
 * bpf_sk_release on every path (call.c tracks it with the other
 * references); bpf_sk_fullsock and bpf_tcp_sock give a pointer that shares
 * their argument's reference, bpf_get_listener_sock one with none. At run
 * time the pointers point at a struct bpf_sock (struct bpf_tcp_sock) at
 * its UAPI layout (src/net/sk_lookup.c), so loads need no rewrite. Called
 * from syscall; no locks.
 */
#include <stddef.h>

#include "kbpf/uapi/bpf.h"
#include "verifier_internal.h"

#define SOCK_SIZE ((int32_t)sizeof(struct bpf_sock))
#define TCP_SOCK_END \
	((int32_t)(offsetof(struct bpf_tcp_sock, icsk_retransmits) + 4))
#define SK_OFF(f) ((int32_t)offsetof(struct bpf_sock, f))

/* Linux's bpf_ctx_narrow_access_ok(): a power of two, at most the field. */
static bool narrow_ok(uint32_t size, uint32_t field)
{
	return size <= field && !(size & (size - 1));
}

/* Linux's bpf_sock_is_valid_access(), in behaviour. */
static bool sock_ok(int32_t off, uint32_t size)
{
	if (off < 0 || off >= SOCK_SIZE || !size || off % (int32_t)size)
		return false;
	/* narrow loads allowed: any power of two inside the field */
	if (off == SK_OFF(state) || off == SK_OFF(family) ||
	    off == SK_OFF(type) || off == SK_OFF(protocol) ||
	    off == SK_OFF(src_port) || off == SK_OFF(rx_queue_mapping) ||
	    (off >= SK_OFF(src_ip4) && off < SK_OFF(src_port)) ||
	    (off >= SK_OFF(dst_ip4) && off < SK_OFF(state)))
		return narrow_ok(size, 4);
	/* dst_port: 4 bytes (with the zero padding) or the 2 of the port */
	if (off >= SK_OFF(dst_port) && off < SK_OFF(dst_port) + 2)
		return narrow_ok(size, size == 4 ? 4 : 2);
	if (off >= SK_OFF(dst_port) + 2 && off < SK_OFF(dst_ip4))
		return false;
	return size == 4;
}

/* bpf_sock_common_is_valid_access(): no type, protocol, mark, priority. */
static bool sock_common_ok(int32_t off, uint32_t size)
{
	if (off >= SK_OFF(type) && off < SK_OFF(src_ip4))
		return false;
	return sock_ok(off, size);
}

/* bpf_tcp_sock_is_valid_access(): the two counters are 8 bytes. */
static bool tcp_sock_ok(int32_t off, uint32_t size)
{
	if (off < 0 || off >= TCP_SOCK_END || !size || off % (int32_t)size)
		return false;
	if (off == (int32_t)offsetof(struct bpf_tcp_sock, bytes_received) ||
	    off == (int32_t)offsetof(struct bpf_tcp_sock, bytes_acked))
		return size == 8;
	return size == 4;
}

/*
 * The upper halves of the two counters: Linux 6.18 allows a u32 load
 * there, then finds no field to convert it to and fails the program
 * with -EFAULT after the walk (measured: "verifier bug: error during ctx
 * access conversion (0)").
 */
static bool tcp_sock_conv_fault(int32_t off, uint32_t size)
{
	return size == 4 &&
	       (off == (int32_t)offsetof(struct bpf_tcp_sock, bytes_received) +
				4 ||
		off == (int32_t)offsetof(struct bpf_tcp_sock, bytes_acked) + 4);
}

int kbpf_v_sock_access(struct venv *env, uint32_t regno, int32_t off,
		       uint32_t size, bool write, struct vreg *out)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	char buf[32];
	bool ok;

	if (write) {
		kbpf_vlog_printf(env->log, "R%u cannot write into %s\n", regno,
				 kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	off += r->off;
	switch (r->type) {
	case T_SOCK_COMMON:
		ok = sock_common_ok(off, size);
		break;
	case T_SOCK:
		ok = sock_ok(off, size);
		break;
	default:
		ok = tcp_sock_ok(off, size);
		if (ok && tcp_sock_conv_fault(off, size))
			env->conv_fault = true;
		break;
	}
	if (!ok) {
		kbpf_vlog_printf(env->log,
				 "R%u invalid %s access off=%d size=%u\n",
				 regno, kbpf_v_type_str(r, buf, sizeof(buf)),
				 off, size);
		return -KBPF_EACCES;
	}
	if (out) {
		kbpf_v_mark_unknown(out);
		if (size < 8)
			kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
}
