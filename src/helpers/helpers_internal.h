/* SPDX-License-Identifier: MIT */
/*
 * Helper implementations that live outside helpers.c, for the default
 * table. Not public: hosts reach them through kbpf_default_helpers.
 */
#ifndef KBPF_HELPERS_INTERNAL_H
#define KBPF_HELPERS_INTERNAL_H

#include "kbpf/helpers.h"

/* bpf_trace_printk (6), bpf_trace_vprintk (177), bpf_snprintf (165): bprintf.c */
uint64_t kbpf_helper_trace_printk(struct kbpf_run *run, uint64_t fmt,
				  uint64_t fmt_size, uint64_t a1, uint64_t a2,
				  uint64_t a3);
uint64_t kbpf_helper_trace_vprintk(struct kbpf_run *run, uint64_t fmt,
				   uint64_t fmt_size, uint64_t args,
				   uint64_t data_len, uint64_t r5);
uint64_t kbpf_helper_snprintf(struct kbpf_run *run, uint64_t str,
			      uint64_t str_size, uint64_t fmt, uint64_t args,
			      uint64_t data_len);

/*
 * Packet helpers (packet.c): the context is run->ctx, a struct kbpf_skb
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
 * Linux's csum_partial() as x86-64 computes it: the ones'-complement sum of
 * @len bytes read as native 32-bit words (the last one zero-padded) on
 * @seed, folded to 32 bits; and csum_fold() to the 16-bit checksum.
 */
uint32_t kbpf_csum_partial(const void *buf, size_t len, uint32_t seed);
uint16_t kbpf_csum_fold(uint32_t sum);

/* The dynptr helpers (197-203) and bpf_user_ringbuf_drain (209): dynptr.c */
uint64_t kbpf_helper_dynptr_from_mem(struct kbpf_run *run, uint64_t data,
				     uint64_t size, uint64_t flags,
				     uint64_t ptr, uint64_t r5);
uint64_t kbpf_helper_ringbuf_reserve_dynptr(struct kbpf_run *run, uint64_t map,
					    uint64_t size, uint64_t flags,
					    uint64_t ptr, uint64_t r5);
uint64_t kbpf_helper_ringbuf_submit_dynptr(struct kbpf_run *run, uint64_t ptr,
					   uint64_t flags, uint64_t r3,
					   uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_ringbuf_discard_dynptr(struct kbpf_run *run, uint64_t ptr,
					    uint64_t flags, uint64_t r3,
					    uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_dynptr_read(struct kbpf_run *run, uint64_t dst,
				 uint64_t len, uint64_t src, uint64_t offset,
				 uint64_t flags);
uint64_t kbpf_helper_dynptr_write(struct kbpf_run *run, uint64_t dst,
				  uint64_t offset, uint64_t src, uint64_t len,
				  uint64_t flags);
uint64_t kbpf_helper_dynptr_data(struct kbpf_run *run, uint64_t ptr,
				 uint64_t offset, uint64_t len, uint64_t r4,
				 uint64_t r5);
uint64_t kbpf_helper_user_ringbuf_drain(struct kbpf_run *run, uint64_t map,
					uint64_t fn, uint64_t ctx,
					uint64_t flags, uint64_t r5);

#endif /* KBPF_HELPERS_INTERNAL_H */
