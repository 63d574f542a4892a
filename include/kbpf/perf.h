/* SPDX-License-Identifier: MIT */
/*
 * Perf events for BPF output: the object a host creates for
 * perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT), its ring
 * laid out as Linux's perf mmap, the writer behind bpf_perf_event_output,
 * and a reader that follows libbpf's perf_buffer rules.
 *
 * The ring, as user space maps it (mmap offset 0, 1 + 2^n pages):
 *
 *   +0      struct perf_event_mmap_page: data_head at byte 1024 (kbpf
 *           writes, readers load-acquire), data_tail at 1032 (the reader
 *           store-releases it after consuming), data_offset = 4096,
 *           data_size = 2^n * 4096
 *   +4096   the data area: records {struct perf_event_header; body},
 *           8-byte aligned, byte-contiguous modulo data_size (a record
 *           may wrap across the end; readers copy such a record out)
 *
 * Records kbpf writes: PERF_RECORD_SAMPLE with the fields of the event's
 * sample_type (for BPF output: PERF_SAMPLE_RAW = u32 size + data, the size
 * rounded so that the record is 8-byte aligned, padding left unwritten as
 * Linux leaves it), and PERF_RECORD_LOST {u64 id, u64 lost} written before
 * the next sample that fits after samples were dropped for lack of room.
 *
 * Events kbpf creates: PERF_TYPE_SOFTWARE with any config below
 * PERF_COUNT_SW_MAX. Only PERF_COUNT_SW_BPF_OUTPUT carries output; the
 * others are inert counters that exist so that a PERF_EVENT_ARRAY can hold
 * them and bpf_perf_event_output can refuse them as Linux does. Other
 * types (hardware, tracepoint, kprobe...) belong to the host's own PMUs;
 * kbpf_sys_perf_event_open() answers -ENOENT for them, as Linux does for a
 * type no PMU claims.
 *
 * Differences from Linux, on purpose: kbpf does not follow tasks (an event
 * opened with cpu == -1 accepts output from any CPU, serialised by its
 * lock); write_backward, and sample_type bits other than IDENTIFIER, IP,
 * TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD and RAW are refused with
 * -EOPNOTSUPP; a raw payload over 65516 bytes (a record past u16) gives
 * -E2BIG where Linux silently writes a mangled record.
 */
#ifndef KBPF_PERF_H
#define KBPF_PERF_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "errno.h"
#include "object.h"
#include "uapi/perf_event.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_perf_event;
struct kbpf_map;

/* Largest raw payload kbpf writes: the record size is a u16 (measured). */
#define KBPF_PERF_RAW_MAX 65516u

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

/**
 * kbpf_sys_perf_event_open() - perf_event_open(2): copy @uattr from user
 * memory with Linux's size rules (0 means PERF_ATTR_SIZE_VER0; below that or
 * over a page: -E2BIG, and the kernel's struct size is written back to
 * @uattr->size; bytes past kbpf's struct must be zero, else -E2BIG), create
 * the event and install it in the host's fd table.
 * @group_fd: -1, or a perf event fd (not open or not a perf event: -EBADF;
 *            a group changes nothing for BPF output).
 *
 * Context: syscall path; may sleep.
 * Return: the new fd, or the errnos of kbpf_perf_event_create(); -EFAULT
 * for unreadable @uattr; -EOPNOTSUPP if the host has no fd table.
 */
long kbpf_sys_perf_event_open(const struct kbpf_host *h, void *uattr, int pid,
			      int cpu, int group_fd, unsigned long flags);

/**
 * kbpf_perf_event_from_obj() - the perf event an object is, or NULL if
 * @obj is something else. Takes no reference.
 * Context: any.
 */
struct kbpf_perf_event *kbpf_perf_event_from_obj(struct kbpf_obj *obj);

/** kbpf_perf_event_obj() - the object header of @ev (for fd tables). */
struct kbpf_obj *kbpf_perf_event_obj(struct kbpf_perf_event *ev);

/** kbpf_perf_event_attr() - the attributes @ev was created with. */
const struct perf_event_attr *
kbpf_perf_event_attr(const struct kbpf_perf_event *ev);

/** kbpf_perf_event_cpu() - the CPU @ev is bound to, or -1. */
int kbpf_perf_event_cpu(const struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_mmap() - map the ring of @ev, as mmap(2) of a perf fd
 * does: offset 0, 1 + 2^n pages (n >= 0; 1 page alone maps the control
 * page with no data area). The first mapping allocates the ring through
 * the host's alloc_pages and vmap and decides its mode: writable mappings
 * make a ring that never overwrites unread data (the reader moves
 * data_tail); a read-only first mapping makes an overwriting ring.
 * Later mappings must ask for the same size.
 * @pgoff: page offset of the mapping (nonzero: -EINVAL; kbpf has no AUX).
 * @nr_pages: pages asked for (the mapping length rounded up to pages).
 * @writable: the mapping allows writes.
 * @pages, @nr: receive the page list to map at consecutive user addresses
 *              (owned by the event; valid until the matching munmap).
 *
 * Each successful call must be paired with kbpf_perf_event_munmap().
 * Context: syscall path; may sleep.
 * Return: 0; -EINVAL (offset, size not 1 + 2^n, or not the size of the
 * existing ring); -EOPNOTSUPP if the host has no pages or vmap; -ENOMEM.
 */
int kbpf_perf_event_mmap(struct kbpf_perf_event *ev, uint64_t pgoff,
			 size_t nr_pages, bool writable,
			 const uintptr_t **pages, size_t *nr);

/**
 * kbpf_perf_event_munmap() - undo one kbpf_perf_event_mmap(). The last one
 * detaches the ring (outputs then fail with -ENOSPC, as Linux's do on an
 * unmapped event) and frees it once no writer can hold it.
 * Context: syscall path.
 */
void kbpf_perf_event_munmap(struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_ioctl() - the ioctls of a perf fd kbpf implements:
 * PERF_EVENT_IOC_ENABLE, _DISABLE (a disabled event is not "on" any CPU,
 * so outputs fail with -EOPNOTSUPP as in Linux), _RESET, and _ID (writes
 * the event id, the one PERF_RECORD_LOST carries, as a u64 to the user
 * address @arg through the host's copy_to_user).
 * Context: syscall path.
 * Return: 0; -EFAULT; -ENOTTY for any other command.
 */
long kbpf_perf_event_ioctl(struct kbpf_perf_event *ev, unsigned int cmd,
			   unsigned long arg);

/**
 * kbpf_perf_event_readable() - the poll state of @ev's fd: true if its ring
 * holds unread records (data_head != data_tail). Hosts call it from their
 * poll after kbpf_host.wake.
 * Context: any; lock-free.
 */
bool kbpf_perf_event_readable(struct kbpf_perf_event *ev);

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
 * kbpf_perf_event_array_output() - bpf_perf_event_output through a
 * BPF_MAP_TYPE_PERF_EVENT_ARRAY: the event at index @flags & BPF_F_INDEX_MASK
 * (BPF_F_CURRENT_CPU: index @cpu) writes @size bytes of @data.
 * Return: as kbpf_perf_event_output(), after Linux's checks in Linux's
 * order: -EINVAL if @map is not a perf event array or @flags has bits
 * above the index; -E2BIG for an index past max_entries; -ENOENT for an
 * empty slot.
 * Context: program path, any CPU; never sleeps.
 */
long kbpf_perf_event_array_output(struct kbpf_map *map, uint32_t cpu,
				  uint64_t flags, const void *data,
				  uint64_t size, uint16_t misc);

/**
 * kbpf_perf_event_lost() - samples dropped and not yet reported in a
 * PERF_RECORD_LOST. Context: any.
 */
uint64_t kbpf_perf_event_lost(struct kbpf_perf_event *ev);

static inline void kbpf_perf_event_get(struct kbpf_perf_event *ev)
{
	kbpf_obj_get(kbpf_perf_event_obj(ev));
}

static inline void kbpf_perf_event_put(struct kbpf_perf_event *ev)
{
	kbpf_obj_put(kbpf_perf_event_obj(ev));
}

/*
 * Reader callback: one record, contiguous (copied to the caller's scratch
 * buffer if it wrapped). Return 0 to go on; a negative value stops
 * kbpf_perf_ring_read() with that value, the record counted as consumed.
 */
typedef int (*kbpf_perf_record_fn)(void *ctx,
				   const struct perf_event_header *hdr);

/**
 * kbpf_perf_ring_read() - consume the records of a perf ring as libbpf's
 * perf_buffer does: load-acquire data_head, walk from data_tail, copy a
 * record that wraps into @scratch, call @fn, and store-release data_tail
 * after each record. Works on any mapping of a perf ring laid out as
 * Linux's (kbpf's or the kernel's).
 * @page: the control page of the mapping; the data follows at
 *        page->data_offset.
 * @scratch, @scratch_size: room for a wrapped record (65536 bytes always
 *        suffice).
 *
 * Context: one reader per ring at a time (the caller serialises).
 * Return: records consumed; @fn's negative result; -E2BIG if a wrapped
 * record does not fit @scratch; -EINVAL for a record whose size is below
 * its header or past the ring (a corrupt ring; data_tail is left there).
 */
long kbpf_perf_ring_read(struct perf_event_mmap_page *page, void *scratch,
			 size_t scratch_size, kbpf_perf_record_fn fn,
			 void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_PERF_H */
