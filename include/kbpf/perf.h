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
 * them and bpf_perf_event_output can refuse them as Linux does. Kprobe,
 * uprobe and tracepoint events are created for the host's probe PMUs
 * (kbpf_host.probes; see "probe events" below). Other types (hardware,
 * raw, breakpoints) give -ENOENT, as Linux does for a type no PMU claims.
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
#include "prog.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_perf_event;
struct kbpf_map;

/* Largest raw payload kbpf writes: the record size is a u16 (measured). */
#define KBPF_PERF_RAW_MAX 65516u

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
KBPF_API long kbpf_sys_perf_event_open(const struct kbpf_host *h, void *uattr,
				       int pid, int cpu, int group_fd,
				       unsigned long flags);

/**
 * kbpf_perf_event_from_obj() - the perf event an object is, or NULL if
 * @obj is something else. Takes no reference.
 * Context: any.
 */
KBPF_API struct kbpf_perf_event *kbpf_perf_event_from_obj(struct kbpf_obj *obj);

/** kbpf_perf_event_obj() - the object header of @ev (for fd tables). */
KBPF_API struct kbpf_obj *kbpf_perf_event_obj(struct kbpf_perf_event *ev);

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
KBPF_API int kbpf_perf_event_mmap(struct kbpf_perf_event *ev, uint64_t pgoff,
				  size_t nr_pages, bool writable,
				  const uintptr_t **pages, size_t *nr);

/**
 * kbpf_perf_event_munmap() - undo one kbpf_perf_event_mmap(). The last one
 * detaches the ring (outputs then fail with -ENOSPC, as Linux's do on an
 * unmapped event) and frees it once no writer can hold it.
 * Context: syscall path.
 */
KBPF_API void kbpf_perf_event_munmap(struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_ioctl() - the ioctls of a perf fd kbpf implements:
 * PERF_EVENT_IOC_ENABLE, _DISABLE (a disabled event is not "on" any CPU,
 * so outputs fail with -EOPNOTSUPP as in Linux), _RESET, and _ID (writes
 * the event id, the one PERF_RECORD_LOST carries, as a u64 to the user
 * address @arg through the host's copy_to_user).
 * Context: syscall path.
 * Return: 0; -EFAULT; -ENOTTY for any other command.
 */
KBPF_API long kbpf_perf_event_ioctl(struct kbpf_perf_event *ev,
				    unsigned int cmd, unsigned long arg);

/**
 * kbpf_perf_event_readable() - the poll state of @ev's fd: true if its ring
 * holds unread records (data_head != data_tail). Hosts call it from their
 * poll after kbpf_host.wake.
 * Context: any; lock-free.
 */
KBPF_API bool kbpf_perf_event_readable(struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_poll() - what poll(2) on @ev's fd reports, as Linux's
 * perf_poll: KBPF_POLLHUP while the fd has no ring mapped; else
 * KBPF_POLLIN | KBPF_POLLRDNORM once for each wake-up (wakeup_events or
 * wakeup_watermark reached, or records lost) since the last call, and 0
 * otherwise: the call takes the wake-up, so a second poll without a new
 * wake-up sleeps, as on Linux. Hosts call it from their poll; most call
 * kbpf_obj_poll(), which dispatches here.
 * Context: any; takes @ev's ring lock (a spinlock with host IRQs saved).
 */
KBPF_API uint32_t kbpf_perf_event_poll(struct kbpf_perf_event *ev);

struct kbpf_perf_frag;

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
KBPF_API long kbpf_perf_event_array_output(struct kbpf_map *map, uint32_t cpu,
					   uint64_t flags, const void *data,
					   uint64_t size, uint16_t misc);

/**
 * struct kbpf_perf_frag - bytes appended to a sample's raw data after the
 * caller's buffer, copied by a callback (Linux's perf_raw_frag: packet
 * programs append packet bytes this way).
 * @copy: copies @len bytes starting at byte @off of the fragment to @dst;
 *        called once, or twice when the record wraps the ring. Program
 *        path, under the event's lock: must not sleep or take locks.
 * @src: the callback's argument.
 * @size: bytes in the fragment.
 */
struct kbpf_perf_frag {
	void (*copy)(void *dst, const void *src, uint64_t off, uint64_t len);
	const void *src;
	uint64_t size;
};

/**
 * kbpf_perf_event_array_output_frag() - kbpf_perf_event_array_output()
 * with @frag's bytes after @data in the raw part (@frag may be NULL).
 * @flags: as kbpf_perf_event_array_output(); the caller strips the context
 *         length bits packet programs put above the index.
 * Return and context: as kbpf_perf_event_array_output(); -E2BIG when
 * @size plus the fragment exceeds KBPF_PERF_RAW_MAX.
 */
KBPF_API long kbpf_perf_event_array_output_frag(
	struct kbpf_map *map, uint32_t cpu, uint64_t flags, const void *data,
	uint64_t size, const struct kbpf_perf_frag *frag, uint16_t misc);

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
KBPF_API long kbpf_perf_ring_read(struct perf_event_mmap_page *page,
				  void *scratch, size_t scratch_size,
				  kbpf_perf_record_fn fn, void *ctx);

/* ---- probe events: kprobe, uprobe and tracepoint PMUs of the host ---- */

/*
 * perf_event_open(2) also creates the events that BPF_PROG_TYPE_KPROBE and
 * BPF_PROG_TYPE_TRACEPOINT programs attach to: kprobes and uprobes through
 * the dynamic "kprobe" and "uprobe" PMUs (whose type numbers user space
 * reads from /sys/bus/event_source/devices/{kprobe,uprobe}/type), and
 * tracepoints through PERF_TYPE_TRACEPOINT with the tracepoint id in
 * config. kbpf owns the fd side of these events: it checks and decodes the
 * attributes as Linux does, copies the function name or path from user
 * memory, attaches programs (PERF_EVENT_IOC_SET_BPF or BPF_LINK_CREATE with
 * BPF_PERF_EVENT) with Linux's rules, and runs them when the host fires
 * the event. The host owns the probes themselves: kbpf hands each new
 * event's description to kbpf_host.probes->open, which places (or finds)
 * the probe and arranges to call kbpf_perf_probe_fire() when it hits.
 *
 * Attribute decoding (Linux's perf_kprobe_init/perf_uprobe_init):
 *   kprobe:  config bit 0 = return probe; config1 = user pointer to the
 *            function name (KBPF_KSYM_NAME_LEN bytes with the NUL at most,
 *            else -E2BIG; "" or 0 = probe by address); config2 = offset
 *            from the function, or the address when there is no name;
 *            neither name nor address: -EINVAL.
 *   uprobe:  config bit 0 = return probe; config1 = user pointer to the
 *            path (KBPF_PROBE_PATH_MAX bytes with the NUL at most, else
 *            -E2BIG; 0: -EINVAL); config2 = file offset; config bits
 *            32-63 = reference counter (semaphore) offset.
 *   tracepoint: config = the tracepoint id (the host's numbering; Linux
 *            exposes it in tracefs events/<group>/<name>/id).
 * An unreadable name gives -EFAULT. Whether the function, file, offset or
 * id exists is the host's to say from open (Linux: -ENOENT for a missing
 * file, -EINVAL for an unknown tracepoint id or an offset past the file).
 *
 * Measured on Linux 6.18, and followed here: a program attached to a probe
 * event runs whenever the probe hits, enabled or not (enable state and
 * the event's cpu/pid only govern perf samples, which kbpf does not write
 * for probe events); the host decides which hits reach which events.
 */

/* Longest kprobe function name, NUL included (Linux's KSYM_NAME_LEN). */
#define KBPF_KSYM_NAME_LEN 512u
/* Longest uprobe path, NUL included (Linux's PATH_MAX). */
#define KBPF_PROBE_PATH_MAX 4096u

/* struct kbpf_probe_desc.kind */
enum kbpf_probe_kind {
	KBPF_PROBE_NONE = 0, /* a software event: not a probe */
	KBPF_PROBE_KPROBE = 1,
	KBPF_PROBE_UPROBE = 2,
	KBPF_PROBE_TRACEPOINT = 3,
};

/**
 * struct kbpf_probe_desc - what a probe event asks the host for.
 * @kind: enum kbpf_probe_kind.
 * @retprobe: kprobe/uprobe: fire on return instead of entry.
 * @name: kprobe: the function (NULL when probing by address); uprobe: the
 *        path as given. A NUL-terminated kernel copy owned by kbpf, valid
 *        until the event is freed. Tracepoint: NULL unless the host's open
 *        sets it to the tracepoint's name (a string that outlives the
 *        event), which link info then reports as tp_name.
 * @addr: kprobe by address: the address (config2); else 0.
 * @offset: kprobe: offset from @name; uprobe: offset in the file.
 * @ref_ctr_offset: uprobe: the reference counter's offset, or 0.
 * @tp_id: tracepoint: the id from config.
 * @pid, @cpu: as passed to perf_event_open (the host may filter on them).
 * @host_data: the host's, for its own bookkeeping (set in open).
 * @func_ip: kprobe: the host may set it in open to the address of the
 *           probed function when the probe sits at its entry; attached
 *           programs get it from bpf_get_func_ip() (Linux gives 0 for a
 *           probe elsewhere, and for uprobes). 0 by default; kbpf reads
 *           it for kprobes only.
 */
struct kbpf_probe_desc {
	uint32_t kind;
	bool retprobe;
	const char *name;
	uint64_t addr;
	uint64_t offset;
	uint64_t ref_ctr_offset;
	uint64_t tp_id;
	int pid;
	int cpu;
	void *host_data;
	uint64_t func_ip;
};

/**
 * struct kbpf_probe_pmus - the host's probe PMUs (kbpf_host.probes).
 * @kprobe_type: the perf type number of the host's kprobe PMU, 0 if none.
 * @uprobe_type: the same for uprobes, 0 if none.
 * @tracepoints: the host has tracepoint events (PERF_TYPE_TRACEPOINT).
 * @trusted: run attached programs in the interpreter's fast mode (only for
 *           hosts that verify programs elsewhere); by default they run in
 *           checked mode with the fire's context readable.
 * @open: MANDATORY. A new event was created for @desc: place or find the
 *        probe, and from now on call kbpf_perf_probe_fire(@ev, ...) when it
 *        hits. @desc stays valid and in place for the event's life; the
 *        host may set @desc->host_data and, for tracepoints, @desc->name.
 *        Return 0 or a negative errno, which perf_event_open returns
 *        (-ENOENT: no such function or file; -EINVAL: no such tracepoint).
 *        Syscall path; may sleep.
 * @close: MANDATORY. The event is going away: stop firing it. Fires that
 *        already started inside a read-side section (kbpf_host.read_lock)
 *        may still finish: kbpf frees the event through defer_free, after
 *        them (without defer_free the host must wait for them itself).
 *        Syscall path; may sleep.
 *
 * A type equal to PERF_TYPE_SOFTWARE, or a PMU whose callbacks are NULL,
 * is ignored. The table is read-only to kbpf and must outlive the host.
 */
struct kbpf_probe_pmus {
	uint32_t kprobe_type;
	uint32_t uprobe_type;
	bool tracepoints;
	bool trusted;
	int (*open)(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		    struct kbpf_probe_desc *desc);
	void (*close)(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		      struct kbpf_probe_desc *desc);
};

/**
 * kbpf_perf_event_probe() - the probe @ev was opened for, or NULL if @ev
 * is a software event. Context: any.
 */
KBPF_API const struct kbpf_probe_desc *
kbpf_perf_event_probe(const struct kbpf_perf_event *ev);

/**
 * kbpf_perf_event_set_bpf() - attach @prog to @ev, as
 * ioctl(PERF_EVENT_IOC_SET_BPF) does (in-kernel users; user space goes
 * through kbpf_perf_event_ioctl() or BPF_LINK_CREATE).
 * @prog: kprobe and uprobe events take BPF_PROG_TYPE_KPROBE, tracepoint
 *        events BPF_PROG_TYPE_TRACEPOINT, software events
 *        BPF_PROG_TYPE_PERF_EVENT (accepted as Linux does; kbpf's software
 *        events never sample, so such a program never runs). The event
 *        takes its own reference.
 * @cookie: the attach cookie (reported in link info).
 *
 * Context: syscall path; takes the event's lock.
 * Return: 0; -EINVAL for a program of the wrong type (checked first, as
 * Linux); -EEXIST if @ev already has a program.
 */
KBPF_API int kbpf_perf_event_set_bpf(struct kbpf_perf_event *ev,
				     struct kbpf_prog *prog, uint64_t cookie);

/**
 * kbpf_perf_probe_fire() - the probe behind @ev hit: run the program
 * attached to @ev, if any, with @ctx as its context.
 * @ctx: what the program type expects: the probed task's registers
 *       (struct pt_regs of the host's architecture, as bpf_tracing.h reads
 *       them) for kprobes and uprobes; the tracepoint's record (8 bytes of
 *       common fields, then the fields of its tracefs format) for
 *       tracepoints.
 * @ctx_size: bytes of @ctx the program may read in checked mode.
 * @verdict: receives the program's return value (Linux's trace_call_bpf
 *           result: 0 means "do not record a sample"), or 1 when no
 *           program is attached.
 *
 * Context: any CPU, any context (interrupts included); never sleeps,
 * allocates nothing, takes no lock. Wraps the run in kbpf_host.read_lock/
 * read_unlock when the host has them; otherwise the caller must be in a
 * read-side section already. The caller keeps @ev alive: between open
 * and close of its probe, or with a reference.
 * Return: 0, or the negative errno with which checked mode stopped the
 * program (then *@verdict is 0).
 */
KBPF_API int kbpf_perf_probe_fire(struct kbpf_perf_event *ev, void *ctx,
				  size_t ctx_size, uint32_t *verdict);

/**
 * kbpf_perf_link_attach() - BPF_LINK_CREATE with attach type
 * BPF_PERF_EVENT: attach @prog to @ev through a link object that holds a
 * reference on both and detaches the program when it is released.
 * @link: receives the link (type KBPF_OBJ_LINK) with one reference.
 *
 * Context: syscall path; takes the event's lock; may allocate.
 * Return: 0; the errnos of kbpf_perf_event_set_bpf(); -ENOMEM.
 */
KBPF_API int kbpf_perf_link_attach(struct kbpf_perf_event *ev,
				   struct kbpf_prog *prog, uint64_t cookie,
				   struct kbpf_obj **link);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_PERF_H */
