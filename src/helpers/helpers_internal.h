/* SPDX-License-Identifier: MIT */
/*
 * Helper implementations that live outside helpers.c, for the default
 * table. Not public: hosts reach them through kbpf_default_helpers.
 */
#ifndef KBPF_HELPERS_INTERNAL_H
#define KBPF_HELPERS_INTERNAL_H

#include "helpers/helpers.h"

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

/* The cgroup sysctl helpers (101-104): sysctl.c */
uint64_t kbpf_helper_sysctl_get_name(struct kbpf_run *run, uint64_t ctx,
				     uint64_t buf, uint64_t buf_len,
				     uint64_t flags, uint64_t r5);
uint64_t kbpf_helper_sysctl_get_current_value(struct kbpf_run *run,
					      uint64_t ctx, uint64_t buf,
					      uint64_t buf_len, uint64_t r4,
					      uint64_t r5);
uint64_t kbpf_helper_sysctl_get_new_value(struct kbpf_run *run, uint64_t ctx,
					  uint64_t buf, uint64_t buf_len,
					  uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_sysctl_set_new_value(struct kbpf_run *run, uint64_t ctx,
					  uint64_t buf, uint64_t buf_len,
					  uint64_t r4, uint64_t r5);

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

/* The local storage helpers (107, 108, 145, 146, 156, 157, 210, 211): storage.c */
#define KBPF_STORAGE_HELPER(name)                                   \
	uint64_t kbpf_helper_##name##_storage_get(                  \
		struct kbpf_run *run, uint64_t map, uint64_t owner, \
		uint64_t value, uint64_t flags, uint64_t r5);       \
	uint64_t kbpf_helper_##name##_storage_delete(               \
		struct kbpf_run *run, uint64_t map, uint64_t owner, \
		uint64_t r3, uint64_t r4, uint64_t r5);
KBPF_STORAGE_HELPER(task)
KBPF_STORAGE_HELPER(sk)
KBPF_STORAGE_HELPER(inode)
KBPF_STORAGE_HELPER(cgrp)
#undef KBPF_STORAGE_HELPER

/*
 * bpf_get_local_storage (81), bpf_get_retval (186), bpf_set_retval (187):
 * the cgroup run's state (kbpf_run.cg, src/cgroup/), storage.c.
 * kbpf_helper_prog_ok() also says whether a program's expected attach
 * type offers get/set_retval (Linux's cgroup_common_func_proto() leaves
 * them out where the hook ignores the return value).
 */
uint64_t kbpf_helper_get_local_storage(struct kbpf_run *run, uint64_t map,
				       uint64_t flags, uint64_t r3, uint64_t r4,
				       uint64_t r5);
uint64_t kbpf_helper_get_retval(struct kbpf_run *run, uint64_t r1, uint64_t r2,
				uint64_t r3, uint64_t r4, uint64_t r5);
uint64_t kbpf_helper_set_retval(struct kbpf_run *run, uint64_t retval,
				uint64_t r2, uint64_t r3, uint64_t r4,
				uint64_t r5);

/* The bpf_timer helpers (169-172): timer.c */
uint64_t kbpf_helper_timer_init(struct kbpf_run *run, uint64_t timer,
				uint64_t map, uint64_t flags, uint64_t r4,
				uint64_t r5);
uint64_t kbpf_helper_timer_set_callback(struct kbpf_run *run, uint64_t timer,
					uint64_t fn, uint64_t r3, uint64_t r4,
					uint64_t r5);
uint64_t kbpf_helper_timer_start(struct kbpf_run *run, uint64_t timer,
				 uint64_t nsecs, uint64_t flags, uint64_t r4,
				 uint64_t r5);
uint64_t kbpf_helper_timer_cancel(struct kbpf_run *run, uint64_t timer,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5);

#endif /* KBPF_HELPERS_INTERNAL_H */
