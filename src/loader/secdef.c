// SPDX-License-Identifier: MIT
/*
 * libbpf's program section names (the SEC("...") conventions of
 * bpf_helpers.h users) and the program type, expected attach type and load
 * flags each gives. The matching rules are libbpf's: a name ending in '+'
 * matches exactly or followed by '/' and an attach target ("kprobe" and
 * "kprobe/do_sys_open", not "kprobex"); a name ending in '/' needs a
 * target; any other name matches exactly. The first match wins, so longer
 * names come before their prefixes ("tp_btf+" before "tp+" is not needed,
 * as "tp_btf/x" does not match "tp+"; "uprobe.s+" after "uprobe+" is fine
 * for the same reason).
 */
#include "loader_internal.h"

enum {
	SD_SLEEPABLE = 1, /* BPF_F_SLEEPABLE */
	SD_FRAGS = 2, /* BPF_F_XDP_HAS_FRAGS */
};

struct sec_def {
	const char *sec;
	uint32_t prog_type;
	uint32_t attach;
	uint32_t flags;
};

#define SD(s, t, a, f)                     \
	{                                  \
		s, BPF_PROG_TYPE_##t, a, f \
	}

static const struct sec_def sec_defs[] = {
	SD("socket", SOCKET_FILTER, 0, 0),
	SD("sk_reuseport/migrate", SK_REUSEPORT,
	   BPF_SK_REUSEPORT_SELECT_OR_MIGRATE, 0),
	SD("sk_reuseport", SK_REUSEPORT, BPF_SK_REUSEPORT_SELECT, 0),
	SD("kprobe+", KPROBE, 0, 0),
	SD("uprobe+", KPROBE, 0, 0),
	SD("uprobe.s+", KPROBE, 0, SD_SLEEPABLE),
	SD("kretprobe+", KPROBE, 0, 0),
	SD("uretprobe+", KPROBE, 0, 0),
	SD("uretprobe.s+", KPROBE, 0, SD_SLEEPABLE),
	SD("kprobe.multi+", KPROBE, BPF_TRACE_KPROBE_MULTI, 0),
	SD("kretprobe.multi+", KPROBE, BPF_TRACE_KPROBE_MULTI, 0),
	SD("kprobe.session+", KPROBE, BPF_TRACE_KPROBE_SESSION, 0),
	SD("uprobe.multi+", KPROBE, BPF_TRACE_UPROBE_MULTI, 0),
	SD("uretprobe.multi+", KPROBE, BPF_TRACE_UPROBE_MULTI, 0),
	SD("uprobe.session+", KPROBE, BPF_TRACE_UPROBE_SESSION, 0),
	SD("uprobe.multi.s+", KPROBE, BPF_TRACE_UPROBE_MULTI, SD_SLEEPABLE),
	SD("uretprobe.multi.s+", KPROBE, BPF_TRACE_UPROBE_MULTI, SD_SLEEPABLE),
	SD("uprobe.session.s+", KPROBE, BPF_TRACE_UPROBE_SESSION, SD_SLEEPABLE),
	SD("ksyscall+", KPROBE, 0, 0),
	SD("kretsyscall+", KPROBE, 0, 0),
	SD("usdt+", KPROBE, 0, 0),
	SD("usdt.s+", KPROBE, 0, SD_SLEEPABLE),
	SD("tc/ingress", SCHED_CLS, BPF_TCX_INGRESS, 0),
	SD("tc/egress", SCHED_CLS, BPF_TCX_EGRESS, 0),
	SD("tcx/ingress", SCHED_CLS, BPF_TCX_INGRESS, 0),
	SD("tcx/egress", SCHED_CLS, BPF_TCX_EGRESS, 0),
	SD("tc", SCHED_CLS, 0, 0),
	SD("classifier", SCHED_CLS, 0, 0),
	SD("action", SCHED_ACT, 0, 0),
	SD("netkit/primary", SCHED_CLS, BPF_NETKIT_PRIMARY, 0),
	SD("netkit/peer", SCHED_CLS, BPF_NETKIT_PEER, 0),
	SD("tracepoint+", TRACEPOINT, 0, 0),
	SD("tp+", TRACEPOINT, 0, 0),
	SD("tracepoint.s+", TRACEPOINT, 0, SD_SLEEPABLE),
	SD("tp.s+", TRACEPOINT, 0, SD_SLEEPABLE),
	SD("raw_tracepoint+", RAW_TRACEPOINT, 0, 0),
	SD("raw_tp+", RAW_TRACEPOINT, 0, 0),
	SD("raw_tracepoint.s+", RAW_TRACEPOINT, 0, SD_SLEEPABLE),
	SD("raw_tp.s+", RAW_TRACEPOINT, 0, SD_SLEEPABLE),
	SD("raw_tracepoint.w+", RAW_TRACEPOINT_WRITABLE, 0, 0),
	SD("raw_tp.w+", RAW_TRACEPOINT_WRITABLE, 0, 0),
	SD("tp_btf+", TRACING, BPF_TRACE_RAW_TP, 0),
	SD("tp_btf.s+", TRACING, BPF_TRACE_RAW_TP, SD_SLEEPABLE),
	SD("fentry+", TRACING, BPF_TRACE_FENTRY, 0),
	SD("fmod_ret+", TRACING, BPF_MODIFY_RETURN, 0),
	SD("fexit+", TRACING, BPF_TRACE_FEXIT, 0),
	SD("fentry.s+", TRACING, BPF_TRACE_FENTRY, SD_SLEEPABLE),
	SD("fmod_ret.s+", TRACING, BPF_MODIFY_RETURN, SD_SLEEPABLE),
	SD("fexit.s+", TRACING, BPF_TRACE_FEXIT, SD_SLEEPABLE),
	SD("freplace+", EXT, 0, 0),
	SD("lsm+", LSM, BPF_LSM_MAC, 0),
	SD("lsm.s+", LSM, BPF_LSM_MAC, SD_SLEEPABLE),
	SD("lsm_cgroup+", LSM, BPF_LSM_CGROUP, 0),
	SD("iter+", TRACING, BPF_TRACE_ITER, 0),
	SD("iter.s+", TRACING, BPF_TRACE_ITER, SD_SLEEPABLE),
	SD("syscall", SYSCALL, 0, SD_SLEEPABLE),
	SD("xdp.frags/devmap", XDP, BPF_XDP_DEVMAP, SD_FRAGS),
	SD("xdp/devmap", XDP, BPF_XDP_DEVMAP, 0),
	SD("xdp.frags/cpumap", XDP, BPF_XDP_CPUMAP, SD_FRAGS),
	SD("xdp/cpumap", XDP, BPF_XDP_CPUMAP, 0),
	SD("xdp.frags", XDP, BPF_XDP, SD_FRAGS),
	SD("xdp", XDP, BPF_XDP, 0),
	SD("perf_event", PERF_EVENT, 0, 0),
	SD("lwt_in", LWT_IN, 0, 0),
	SD("lwt_out", LWT_OUT, 0, 0),
	SD("lwt_xmit", LWT_XMIT, 0, 0),
	SD("lwt_seg6local", LWT_SEG6LOCAL, 0, 0),
	SD("sockops", SOCK_OPS, BPF_CGROUP_SOCK_OPS, 0),
	SD("sk_skb/stream_parser", SK_SKB, BPF_SK_SKB_STREAM_PARSER, 0),
	SD("sk_skb/stream_verdict", SK_SKB, BPF_SK_SKB_STREAM_VERDICT, 0),
	SD("sk_skb/verdict", SK_SKB, BPF_SK_SKB_VERDICT, 0),
	SD("sk_skb", SK_SKB, 0, 0),
	SD("sk_msg", SK_MSG, BPF_SK_MSG_VERDICT, 0),
	SD("lirc_mode2", LIRC_MODE2, BPF_LIRC_MODE2, 0),
	SD("flow_dissector", FLOW_DISSECTOR, BPF_FLOW_DISSECTOR, 0),
	SD("cgroup_skb/ingress", CGROUP_SKB, BPF_CGROUP_INET_INGRESS, 0),
	SD("cgroup_skb/egress", CGROUP_SKB, BPF_CGROUP_INET_EGRESS, 0),
	SD("cgroup/skb", CGROUP_SKB, 0, 0),
	SD("cgroup/sock_create", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0),
	SD("cgroup/sock_release", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_RELEASE, 0),
	SD("cgroup/sock", CGROUP_SOCK, BPF_CGROUP_INET_SOCK_CREATE, 0),
	SD("cgroup/post_bind4", CGROUP_SOCK, BPF_CGROUP_INET4_POST_BIND, 0),
	SD("cgroup/post_bind6", CGROUP_SOCK, BPF_CGROUP_INET6_POST_BIND, 0),
	SD("cgroup/bind4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_BIND, 0),
	SD("cgroup/bind6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_BIND, 0),
	SD("cgroup/connect4", CGROUP_SOCK_ADDR, BPF_CGROUP_INET4_CONNECT, 0),
	SD("cgroup/connect6", CGROUP_SOCK_ADDR, BPF_CGROUP_INET6_CONNECT, 0),
	SD("cgroup/connect_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_CONNECT, 0),
	SD("cgroup/sendmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_SENDMSG, 0),
	SD("cgroup/sendmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_SENDMSG, 0),
	SD("cgroup/sendmsg_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_SENDMSG, 0),
	SD("cgroup/recvmsg4", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP4_RECVMSG, 0),
	SD("cgroup/recvmsg6", CGROUP_SOCK_ADDR, BPF_CGROUP_UDP6_RECVMSG, 0),
	SD("cgroup/recvmsg_unix", CGROUP_SOCK_ADDR, BPF_CGROUP_UNIX_RECVMSG, 0),
	SD("cgroup/getpeername4", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_INET4_GETPEERNAME, 0),
	SD("cgroup/getpeername6", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_INET6_GETPEERNAME, 0),
	SD("cgroup/getpeername_unix", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_UNIX_GETPEERNAME, 0),
	SD("cgroup/getsockname4", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_INET4_GETSOCKNAME, 0),
	SD("cgroup/getsockname6", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_INET6_GETSOCKNAME, 0),
	SD("cgroup/getsockname_unix", CGROUP_SOCK_ADDR,
	   BPF_CGROUP_UNIX_GETSOCKNAME, 0),
	SD("cgroup/sysctl", CGROUP_SYSCTL, BPF_CGROUP_SYSCTL, 0),
	SD("cgroup/getsockopt", CGROUP_SOCKOPT, BPF_CGROUP_GETSOCKOPT, 0),
	SD("cgroup/setsockopt", CGROUP_SOCKOPT, BPF_CGROUP_SETSOCKOPT, 0),
	SD("cgroup/dev", CGROUP_DEVICE, BPF_CGROUP_DEVICE, 0),
	SD("struct_ops+", STRUCT_OPS, 0, 0),
	SD("struct_ops.s+", STRUCT_OPS, 0, SD_SLEEPABLE),
	SD("sk_lookup", SK_LOOKUP, BPF_SK_LOOKUP, 0),
	SD("netfilter", NETFILTER, BPF_NETFILTER, 0),
};

/* Length of @def's name without a trailing '+'; *mode gets the last char. */
static size_t sd_match_len(const char *def, char *mode)
{
	size_t n = 0;

	while (def[n])
		n++;
	*mode = def[n - 1];
	return *mode == '+' ? n - 1 : n;
}

static bool sd_matches(const struct sec_def *sd, const char *name,
		       const char **attach)
{
	char mode;
	size_t i, n = sd_match_len(sd->sec, &mode);

	for (i = 0; i < n; i++)
		if (name[i] != sd->sec[i])
			return false;
	if (mode == '/') {
		*attach = name + n;
		return true;
	}
	if (mode == '+') {
		if (name[n] == 0) {
			*attach = name + n;
			return true;
		}
		if (name[n] == '/') {
			*attach = name + n + 1;
			return true;
		}
		return false;
	}
	if (name[n])
		return false;
	/* "xdp/devmap"-style exact names: the target is the part after '/'. */
	*attach = name + n;
	return true;
}

int kbpf_elf_sec_def(const char *sec_name, uint32_t *prog_type,
		     uint32_t *expected_attach_type, uint32_t *prog_flags,
		     const char **attach)
{
	const char *a = "";
	size_t i;

	for (i = 0; i < KBPF_ARRAY_SIZE(sec_defs); i++) {
		const struct sec_def *sd = &sec_defs[i];

		if (!sd_matches(sd, sec_name, &a))
			continue;
		*prog_type = sd->prog_type;
		*expected_attach_type = sd->attach;
		*prog_flags =
			((sd->flags & SD_SLEEPABLE) ? BPF_F_SLEEPABLE : 0) |
			((sd->flags & SD_FRAGS) ? BPF_F_XDP_HAS_FRAGS : 0);
		if (attach)
			*attach = a;
		return 0;
	}
	*prog_type = BPF_PROG_TYPE_UNSPEC;
	*expected_attach_type = 0;
	*prog_flags = 0;
	if (attach)
		*attach = "";
	return -KBPF_ESRCH;
}

/* ---- names, for messages and tools ---- */

static const char *const prog_types[] = {
	[BPF_PROG_TYPE_UNSPEC] = "unknown",
	[BPF_PROG_TYPE_SOCKET_FILTER] = "socket_filter",
	[BPF_PROG_TYPE_KPROBE] = "kprobe",
	[BPF_PROG_TYPE_SCHED_CLS] = "sched_cls",
	[BPF_PROG_TYPE_SCHED_ACT] = "sched_act",
	[BPF_PROG_TYPE_TRACEPOINT] = "tracepoint",
	[BPF_PROG_TYPE_XDP] = "xdp",
	[BPF_PROG_TYPE_PERF_EVENT] = "perf_event",
	[BPF_PROG_TYPE_CGROUP_SKB] = "cgroup_skb",
	[BPF_PROG_TYPE_CGROUP_SOCK] = "cgroup_sock",
	[BPF_PROG_TYPE_LWT_IN] = "lwt_in",
	[BPF_PROG_TYPE_LWT_OUT] = "lwt_out",
	[BPF_PROG_TYPE_LWT_XMIT] = "lwt_xmit",
	[BPF_PROG_TYPE_SOCK_OPS] = "sock_ops",
	[BPF_PROG_TYPE_SK_SKB] = "sk_skb",
	[BPF_PROG_TYPE_CGROUP_DEVICE] = "cgroup_device",
	[BPF_PROG_TYPE_SK_MSG] = "sk_msg",
	[BPF_PROG_TYPE_RAW_TRACEPOINT] = "raw_tracepoint",
	[BPF_PROG_TYPE_CGROUP_SOCK_ADDR] = "cgroup_sock_addr",
	[BPF_PROG_TYPE_LWT_SEG6LOCAL] = "lwt_seg6local",
	[BPF_PROG_TYPE_LIRC_MODE2] = "lirc_mode2",
	[BPF_PROG_TYPE_SK_REUSEPORT] = "sk_reuseport",
	[BPF_PROG_TYPE_FLOW_DISSECTOR] = "flow_dissector",
	[BPF_PROG_TYPE_CGROUP_SYSCTL] = "cgroup_sysctl",
	[BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE] = "raw_tracepoint_writable",
	[BPF_PROG_TYPE_CGROUP_SOCKOPT] = "cgroup_sockopt",
	[BPF_PROG_TYPE_TRACING] = "tracing",
	[BPF_PROG_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_PROG_TYPE_EXT] = "ext",
	[BPF_PROG_TYPE_LSM] = "lsm",
	[BPF_PROG_TYPE_SK_LOOKUP] = "sk_lookup",
	[BPF_PROG_TYPE_SYSCALL] = "syscall",
	[BPF_PROG_TYPE_NETFILTER] = "netfilter",
};

static const char *const map_types[] = {
	[BPF_MAP_TYPE_UNSPEC] = "unspec",
	[BPF_MAP_TYPE_HASH] = "hash",
	[BPF_MAP_TYPE_ARRAY] = "array",
	[BPF_MAP_TYPE_PROG_ARRAY] = "prog_array",
	[BPF_MAP_TYPE_PERF_EVENT_ARRAY] = "perf_event_array",
	[BPF_MAP_TYPE_PERCPU_HASH] = "percpu_hash",
	[BPF_MAP_TYPE_PERCPU_ARRAY] = "percpu_array",
	[BPF_MAP_TYPE_STACK_TRACE] = "stack_trace",
	[BPF_MAP_TYPE_CGROUP_ARRAY] = "cgroup_array",
	[BPF_MAP_TYPE_CGROUP_STORAGE] = "cgroup_storage",
	[BPF_MAP_TYPE_REUSEPORT_SOCKARRAY] = "reuseport_sockarray",
	[BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE] = "percpu_cgroup_storage",
	[BPF_MAP_TYPE_LRU_HASH] = "lru_hash",
	[BPF_MAP_TYPE_LRU_PERCPU_HASH] = "lru_percpu_hash",
	[BPF_MAP_TYPE_LPM_TRIE] = "lpm_trie",
	[BPF_MAP_TYPE_ARRAY_OF_MAPS] = "array_of_maps",
	[BPF_MAP_TYPE_HASH_OF_MAPS] = "hash_of_maps",
	[BPF_MAP_TYPE_DEVMAP] = "devmap",
	[BPF_MAP_TYPE_SOCKMAP] = "sockmap",
	[BPF_MAP_TYPE_CPUMAP] = "cpumap",
	[BPF_MAP_TYPE_XSKMAP] = "xskmap",
	[BPF_MAP_TYPE_SOCKHASH] = "sockhash",
	[BPF_MAP_TYPE_QUEUE] = "queue",
	[BPF_MAP_TYPE_STACK] = "stack",
	[BPF_MAP_TYPE_SK_STORAGE] = "sk_storage",
	[BPF_MAP_TYPE_DEVMAP_HASH] = "devmap_hash",
	[BPF_MAP_TYPE_STRUCT_OPS] = "struct_ops",
	[BPF_MAP_TYPE_RINGBUF] = "ringbuf",
	[BPF_MAP_TYPE_INODE_STORAGE] = "inode_storage",
	[BPF_MAP_TYPE_TASK_STORAGE] = "task_storage",
	[BPF_MAP_TYPE_BLOOM_FILTER] = "bloom_filter",
	[BPF_MAP_TYPE_USER_RINGBUF] = "user_ringbuf",
	[BPF_MAP_TYPE_CGRP_STORAGE] = "cgrp_storage",
	[BPF_MAP_TYPE_ARENA] = "arena",
};

const char *kbpf_elf_prog_type_name(uint32_t type)
{
	if (type < KBPF_ARRAY_SIZE(prog_types) && prog_types[type])
		return prog_types[type];
	return "?";
}

const char *kbpf_elf_map_type_name(uint32_t type)
{
	if (type < KBPF_ARRAY_SIZE(map_types) && map_types[type])
		return map_types[type];
	return "?";
}
