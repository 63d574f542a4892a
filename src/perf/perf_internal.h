/* SPDX-License-Identifier: MIT */
/*
 * What src/perf/ offers the modules above it beyond include/kbpf/perf.h:
 * creating events and writing samples (for PERF_EVENT_ARRAY and tests),
 * and perf links (perf_event.c), for the link commands of src/tp/raw_tp.c.
 */
#ifndef KBPF_PERF_INTERNAL_H
#define KBPF_PERF_INTERNAL_H

#include <stdbool.h>

#include "kbpf/object.h"
#include "kbpf/perf.h"
#include "kbpf/uapi/bpf.h"

/*
 * Is @obj a perf link (made by kbpf_perf_link_attach())? Any context; reads
 * only @obj's type and release function.
 */
bool kbpf_perf_link_is(const struct kbpf_obj *obj);
/*
 * What BPF_TASK_FD_QUERY reports of a perf event, as Linux's
 * bpf_get_perf_event_info(): the attached program's id, the BPF_FD_TYPE_*
 * of the probe, its name (function, file or tracepoint; NULL if none) and
 * offset and address. @buf stays valid while the caller holds @ev.
 */
struct kbpf_perf_query {
	uint32_t prog_id;
	uint32_t fd_type;
	const char *buf;
	uint64_t probe_offset;
	uint64_t probe_addr;
};

/*
 * Fill @q for @ev. Return 0, -ENOENT (no program attached) or -EOPNOTSUPP
 * (a BPF_PROG_TYPE_PERF_EVENT program, or not a probe event). Syscall
 * path; takes @ev's ring lock.
 */
int kbpf_perf_event_query(struct kbpf_perf_event *ev,
			  struct kbpf_perf_query *q);

/*
 * The perf-link part of bpf_link_info for the perf link @obj, as
 * kbpf_link_fill_info() (tp/tp_internal.h) does for raw tracepoint links:
 * @info holds the user's copy, names go to user memory. Return 0 or a
 * negative errno as Linux (-EINVAL, -ENOSPC, -EFAULT). Syscall path.
 */
int kbpf_perf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			     struct bpf_link_info *info);

/**
 * kbpf_perf_event_create() - create a perf event from a kernel copy of its
 * attributes, with perf_event_open(2)'s rules.
 * @h: host table.
 * @attr: the attributes (attr->size is not looked at; see
 *        kbpf_sys_perf_event_open() for the user-copy rules).
 * @pid: -1 (no task), 0 (the caller) or a task id the host has checked.
 * @cpu: the CPU the event counts on, or -1 with a task.
 * @flags: PERF_FLAG_* (FD_NO_GROUP, FD_OUTPUT, FD_CLOEXEC are accepted and
 *         mean nothing to kbpf; PID_CGROUP is refused with -EBADF).
 * @out: receives the event with one reference held by the caller.
 *
 * Context: syscall path; may sleep.
 * Return: 0; -EINVAL for a bad attribute, flag, or pid/cpu pair (as
 * Linux); -ENOENT for a type or software config kbpf has no PMU for;
 * -EOPNOTSUPP for branch stacks and aux_output (as Linux) and for the
 * unsupported attributes listed at the top of this file; -ENOMEM.
 */
int kbpf_perf_event_create(const struct kbpf_host *h,
			   const struct perf_event_attr *attr, int pid, int cpu,
			   unsigned long flags, struct kbpf_perf_event **out);

/** kbpf_perf_event_attr() - the attributes @ev was created with. */
const struct perf_event_attr *
kbpf_perf_event_attr(const struct kbpf_perf_event *ev);

/** kbpf_perf_event_cpu() - the CPU @ev is bound to, or -1. */
int kbpf_perf_event_cpu(const struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_output() - write one PERF_RECORD_SAMPLE carrying @size
 * bytes of @data as its raw part (the writer behind bpf_perf_event_output).
 * @cpu: the CPU the caller runs on (struct kbpf_run.cpu for a program).
 * @misc: perf_event_header.misc: PERF_RECORD_MISC_KERNEL for programs
 *        that run on kernel registers, PERF_RECORD_MISC_USER for user ones.
 *
 * A PERF_RECORD_LOST record first, if samples were dropped since the last
 * one and both fit; the reader is woken through kbpf_host.wake every
 * wakeup_events samples, or when wakeup_watermark bytes (watermark set;
 * half the ring by default) have accumulated, as Linux counts them.
 *
 * Context: program path, any CPU; takes the event's lock with interrupts
 * saved through the host (a program that interrupts a writer on the same
 * CPU gets -EBUSY); never sleeps.
 * Return: 0; -EINVAL if @ev is not a BPF output event; -EOPNOTSUPP if @ev
 * is disabled or bound to another CPU; -E2BIG for @size over
 * KBPF_PERF_RAW_MAX; -ENOSPC if the event has no ring or the record does
 * not fit (then counted as lost); -EBUSY (re-entered on this CPU).
 */
long kbpf_perf_event_output(struct kbpf_perf_event *ev, uint32_t cpu,
			    const void *data, uint64_t size, uint16_t misc);

/**
 * kbpf_perf_event_output_frag() - kbpf_perf_event_output() with the bytes
 * of @frag (may be NULL) after @data in the raw part, as one sample.
 * Return and context: as kbpf_perf_event_output(); -E2BIG when @size plus
 * the fragment exceeds KBPF_PERF_RAW_MAX.
 */
long kbpf_perf_event_output_frag(struct kbpf_perf_event *ev, uint32_t cpu,
				 const void *data, uint64_t size,
				 const struct kbpf_perf_frag *frag,
				 uint16_t misc);

/**
 * kbpf_perf_event_lost() - samples dropped and not yet reported in a
 * PERF_RECORD_LOST. Context: any.
 */
uint64_t kbpf_perf_event_lost(struct kbpf_perf_event *ev);

#endif /* KBPF_PERF_INTERNAL_H */
