/* SPDX-License-Identifier: MIT */
/*
 * The packet module's offer to the modules above it (docs/design/packet.md):
 * the packet helpers and checksums (helpers.c), the context-access pass
 * (ctx_access.c) and the packet test runs (test_run.c). The contexts and
 * their runners are public: include/kbpf/packet.h (packet.c).
 */
#ifndef KBPF_NET_INTERNAL_H
#define KBPF_NET_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "core/vlog.h"
#include "kbpf/packet.h"
#include "core/prog.h"
#include "kbpf/uapi/bpf.h"

/*
 * Packet helpers (helpers.c), in the default helper table of
 * src/helpers/helpers.c: the context is run->ctx, a struct kbpf_skb
 * (socket filters, tc) or struct kbpf_xdp (XDP).
 */
uint64_t kbpf_helper_skb_load_bytes(struct kbpf_run *run, uint64_t r1,
				    uint64_t off, uint64_t to, uint64_t len,
				    uint64_t r5);
uint64_t kbpf_helper_skb_load_bytes_relative(struct kbpf_run *run, uint64_t r1,
					     uint64_t off, uint64_t to,
					     uint64_t len,
					     uint64_t start_header);
uint64_t kbpf_helper_skb_store_bytes(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t len,
				     uint64_t flags);
uint64_t kbpf_helper_skb_pull_data(struct kbpf_run *run, uint64_t r1,
				   uint64_t len, uint64_t r3, uint64_t r4,
				   uint64_t r5);
uint64_t kbpf_helper_csum_update(struct kbpf_run *run, uint64_t r1,
				 uint64_t csum, uint64_t r3, uint64_t r4,
				 uint64_t r5);
uint64_t kbpf_helper_csum_level(struct kbpf_run *run, uint64_t r1,
				uint64_t level, uint64_t r3, uint64_t r4,
				uint64_t r5);
uint64_t kbpf_helper_get_hash_recalc(struct kbpf_run *run, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5);
uint64_t kbpf_helper_set_hash_invalid(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5);
uint64_t kbpf_helper_set_hash(struct kbpf_run *run, uint64_t r1, uint64_t hash,
			      uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_skb_change_type(struct kbpf_run *run, uint64_t r1,
				     uint64_t type, uint64_t r3, uint64_t r4,
				     uint64_t r5);
uint64_t kbpf_helper_skb_ecn_set_ce(struct kbpf_run *run, uint64_t r1,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5);
uint64_t kbpf_helper_get_route_realm(struct kbpf_run *run, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5);
/* Linux's SKB_MAX_ALLOC with 4 KiB pages: bpf_skb_change_tail's limit. */
#define KBPF_SKB_MAX_ALLOC 16064u

uint64_t kbpf_helper_skb_change_tail(struct kbpf_run *run, uint64_t r1,
				     uint64_t new_len, uint64_t flags,
				     uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_skb_change_head(struct kbpf_run *run, uint64_t r1,
				     uint64_t room, uint64_t flags, uint64_t r4,
				     uint64_t r5);
/* Network header moves (tc) and the MTU check (tc, XDP). */
uint64_t kbpf_helper_skb_change_proto(struct kbpf_run *run, uint64_t r1,
				      uint64_t proto, uint64_t flags,
				      uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_skb_adjust_room(struct kbpf_run *run, uint64_t r1,
				     uint64_t len_diff, uint64_t mode,
				     uint64_t flags, uint64_t r5);
uint64_t kbpf_helper_check_mtu(struct kbpf_run *run, uint64_t ctx,
			       uint64_t ifindex, uint64_t mtu_len,
			       uint64_t len_diff, uint64_t flags);
uint64_t kbpf_helper_skb_cgroup_id(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5);
uint64_t kbpf_helper_skb_ancestor_cgroup_id(struct kbpf_run *run, uint64_t r1,
					    uint64_t level, uint64_t r3,
					    uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_skb_under_cgroup(struct kbpf_run *run, uint64_t r1,
				      uint64_t map, uint64_t idx, uint64_t r4,
				      uint64_t r5);
uint64_t kbpf_helper_skb_vlan_push(struct kbpf_run *run, uint64_t r1,
				   uint64_t proto, uint64_t tci, uint64_t r4,
				   uint64_t r5);
uint64_t kbpf_helper_skb_vlan_pop(struct kbpf_run *run, uint64_t r1,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5);
uint64_t kbpf_helper_l3_csum_replace(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t to,
				     uint64_t flags);
uint64_t kbpf_helper_l4_csum_replace(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t from, uint64_t to,
				     uint64_t flags);
uint64_t kbpf_helper_xdp_adjust_head(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5);
uint64_t kbpf_helper_xdp_adjust_meta(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5);
uint64_t kbpf_helper_xdp_adjust_tail(struct kbpf_run *run, uint64_t r1,
				     uint64_t offset, uint64_t r3, uint64_t r4,
				     uint64_t r5);
/*
 * bpf_perf_event_output (25) for packet programs (Linux's
 * bpf_skb_event_output/bpf_xdp_event_output): flags bits 32-51 ask for that
 * many packet bytes after the caller's data.
 */
uint64_t kbpf_helper_pkt_event_output(struct kbpf_run *run, uint64_t ctx,
				      uint64_t map, uint64_t flags,
				      uint64_t data, uint64_t size);
uint64_t kbpf_helper_xdp_get_buff_len(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5);
uint64_t kbpf_helper_xdp_load_bytes(struct kbpf_run *run, uint64_t r1,
				    uint64_t off, uint64_t buf, uint64_t len,
				    uint64_t r5);
uint64_t kbpf_helper_xdp_store_bytes(struct kbpf_run *run, uint64_t r1,
				     uint64_t off, uint64_t buf, uint64_t len,
				     uint64_t r5);
uint64_t kbpf_helper_csum_diff(struct kbpf_run *run, uint64_t from,
			       uint64_t from_size, uint64_t to,
			       uint64_t to_size, uint64_t seed);
uint64_t kbpf_helper_redirect_map(struct kbpf_run *run, uint64_t map,
				  uint64_t key, uint64_t flags, uint64_t r4,
				  uint64_t r5);
uint64_t kbpf_helper_redirect(struct kbpf_run *run, uint64_t ifindex,
			      uint64_t flags, uint64_t r3, uint64_t r4,
			      uint64_t r5);
/*
 * The packet's socket (struct kbpf_skb.sk): bpf_get_socket_cookie (0
 * without one), bpf_get_socket_uid (Linux's overflowuid, 65534, without
 * one) and bpf_get_netns_cookie (the socket's namespace, else the host's
 * kbpf_host.netns_cookie). r1 is the context.
 */
uint64_t kbpf_helper_get_socket_cookie(struct kbpf_run *run, uint64_t ctx,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5);
uint64_t kbpf_helper_get_socket_uid(struct kbpf_run *run, uint64_t ctx,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5);
uint64_t kbpf_helper_get_netns_cookie(struct kbpf_run *run, uint64_t ctx,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5);

/*
 * Linux's csum_partial() as x86-64 computes it: the ones'-complement sum of
 * @len bytes read as native 32-bit words (the last one zero-padded) on
 * @seed, folded to 32 bits; and csum_fold() to the 16-bit checksum.
 */
uint32_t kbpf_csum_partial(const void *buf, size_t len, uint32_t seed);
uint16_t kbpf_csum_fold(uint32_t sum);

/*
 * The context-access pass of packet programs (ctx_access.c): finds the
 * loads and stores that use the context pointer, refuses those the
 * program type may not make (Linux's log line, -EACCES), and rewrites
 * them for kbpf's context layout. A no-op for other program types.
 * Called by src/prog/check.c on @prog->insns (prog->len instructions) at
 * BPF_PROG_LOAD. Return 0; -EACCES for a refused access, -EINVAL for one
 * kbpf does not support (__sk_buff->sk), both with a line in @log;
 * -ENOMEM. Syscall path: allocates with @h, takes no lock.
 */
int kbpf_prog_ctx_access(struct kbpf_prog *prog, const struct kbpf_host *h,
			 struct kbpf_vlog *log);

/*
 * Does the pass above check the context accesses of programs of @type
 * (the packet types and the cgroup sock, sock_addr, device and sysctl
 * programs)? Pure; any context.
 */
bool kbpf_prog_type_has_ctx_rules(uint32_t type);

/*
 * Under KBPF_VERIFIER_ENFORCE the pass above leaves the accesses it would
 * refuse with -EACCES as they are, and the verifier refuses them when a
 * path reaches them (Linux's order; an access on no path is no error):
 * kbpf_prog_ctx_access_ok() is false for such an access @insn (as loaded)
 * of a program whose type has such rules. Pure; any context.
 */
bool kbpf_prog_ctx_access_ok(const struct kbpf_prog *prog,
			     const struct bpf_insn *insn);

/*
 * Cgroup socket programs at load (sock_ctx.c; pure, any context):
 * kbpf_sock_prog_attach_ok() - does a program of @prog_type
 * (BPF_PROG_TYPE_CGROUP_SOCK, _SOCK_ADDR or _SOCKOPT) load with expected attach
 * type @attach_type (Linux's bpf_prog_load_check_attach(), after the
 * fixup that makes 0 BPF_CGROUP_INET_SOCK_CREATE for cgroup sock)?
 * kbpf_sock_addr_ret_range() - the return range of a sock_addr program
 * of @attach_type (Linux's check_return_code()).
 * kbpf_ctx_sock(), kbpf_ctx_sock_addr(), kbpf_ctx_sockopt() - one
 * context access of such a program, checked and rewritten as the pass
 * above does it: 0, -EACCES (refused), or -EINVAL with a line in @log
 * (bpf_sock_addr->sk, bpf_sockopt->sk: kbpf has no socket pointers in
 * programs).
 */
bool kbpf_sock_prog_attach_ok(uint32_t prog_type, uint32_t attach_type);
void kbpf_sock_addr_ret_range(uint32_t attach_type, int64_t *min, int64_t *max);
int kbpf_ctx_sock(const struct kbpf_prog *prog, struct bpf_insn *insn);
int kbpf_ctx_sock_addr(const struct kbpf_prog *prog, struct bpf_insn *insn,
		       struct kbpf_vlog *log);
int kbpf_ctx_sockopt(const struct kbpf_prog *prog, struct bpf_insn *insn,
		     struct kbpf_vlog *log);

/*
 * BPF_PROG_TEST_RUN for packet programs (test_run.c), called by
 * src/prog/test_run.c with the checked kernel copy @attr of the user's
 * @uattr: build the context from data_in/ctx_in, run @prog repeat times,
 * copy data_out/ctx_out/retval/duration back. Return 0 or a negative errno
 * as Linux's bpf_prog_test_run_skb()/_xdp(). Syscall path.
 */
long kbpf_test_run_skb(const struct kbpf_host *h, struct kbpf_prog *prog,
		       const union bpf_attr *attr, void *uattr);
long kbpf_test_run_xdp(const struct kbpf_host *h, struct kbpf_prog *prog,
		       const union bpf_attr *attr, void *uattr);

/*
 * kbpf_skb_run() with @cg_run, the struct kbpf_cg_run_ctx of a cgroup run
 * or a test run (kbpf_interp_args.cg_run; NULL: none). Program path.
 */
int kbpf_skb_run_cg(struct kbpf_prog *prog, const struct kbpf_host *h,
		    struct kbpf_skb *skb, enum kbpf_interp_mode mode,
		    uint32_t cpu, uint64_t *ret, void *cg_run);

/*
 * kbpf_cgroup_skb_run() (include/kbpf/packet.h) for kbpf's cgroup runner
 * (src/cgroup/): @cg_run is the run's struct kbpf_cg_run_ctx
 * (kbpf_interp_args.cg_run). Program path.
 */
int kbpf_cgroup_skb_run_cg(struct kbpf_prog *prog, const struct kbpf_host *h,
			   struct kbpf_skb *skb, enum kbpf_interp_mode mode,
			   uint32_t cpu, uint32_t *verdict, void *cg_run);
/* Socket lookups (sk_lookup.c); the pointers they give: struct bpf_sock. */
uint64_t kbpf_helper_sk_lookup_tcp(struct kbpf_run *run, uint64_t ctx,
				   uint64_t tuple, uint64_t len, uint64_t netns,
				   uint64_t flags);
uint64_t kbpf_helper_sk_lookup_udp(struct kbpf_run *run, uint64_t ctx,
				   uint64_t tuple, uint64_t len, uint64_t netns,
				   uint64_t flags);
uint64_t kbpf_helper_skc_lookup_tcp(struct kbpf_run *run, uint64_t ctx,
				    uint64_t tuple, uint64_t len,
				    uint64_t netns, uint64_t flags);
uint64_t kbpf_helper_sk_release(struct kbpf_run *run, uint64_t sk, uint64_t r2,
				uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_sk_fullsock(struct kbpf_run *run, uint64_t sk, uint64_t r2,
				 uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_tcp_sock(struct kbpf_run *run, uint64_t sk, uint64_t r2,
			      uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_get_listener_sock(struct kbpf_run *run, uint64_t sk,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5);

#endif /* KBPF_NET_INTERNAL_H */
