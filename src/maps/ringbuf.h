/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF: the producer functions behind the bpf_ringbuf_*
 * helpers, and the drain of USER_RINGBUF (the consumer for in-kernel
 * readers and tools is public: include/kbpf/ringbuf.h). User space
 * reads the same ring through the pages of kbpf_map_ops.mmap_pages (see
 * src/maps/ringbuf.c for the layout and the page permissions).
 */
#ifndef KBPF_MAPS_RINGBUF_H
#define KBPF_MAPS_RINGBUF_H

#include "core/map.h"
#include "kbpf/ringbuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_ringbuf_reserve() - reserve a record of @size bytes in ring @map.
 * Return: the record (8-byte aligned, owned by the caller until submit or
 * discard), or NULL if it does not fit now, exceeds the ring, the ring's
 * lock is held on this CPU (the caller interrupted a reservation), or
 * another CPU held the lock for longer than host->lock_timeout_ns (default
 * a quarter second).
 * Context: program path; any CPU; takes the ring's producer lock, waiting
 * (spinning, interrupts saved) while another CPU holds it, as Linux 6.18's
 * rqspinlock: the wait ends after host->lock_timeout_ns (0: 250 ms) of
 * host->mono_ns.
 */
void *kbpf_ringbuf_reserve(struct kbpf_map *map, uint64_t size);

/**
 * kbpf_ringbuf_reserve_err() - kbpf_ringbuf_reserve() that says why it
 * returned NULL: *@err (if @err is not NULL) is set to 0 with a record;
 * -E2BIG if @size exceeds the ring or Linux's record limit; -ENOSPC if the
 * record does not fit now (the consumer is behind, or an older record is
 * still reserved); -EDEADLK if this CPU holds the ring's lock (the caller
 * interrupted a reservation on its CPU); -ETIMEDOUT if another CPU held
 * the lock for host->lock_timeout_ns (0: 250 ms).
 * Context: as kbpf_ringbuf_reserve().
 */
void *kbpf_ringbuf_reserve_err(struct kbpf_map *map, uint64_t size, int *err);

/**
 * kbpf_ringbuf_submit() - commit a record from kbpf_ringbuf_reserve() (the
 * ring is found from the record, as Linux finds it); kbpf_ringbuf_discard()
 * marks it discarded. @flags: BPF_RB_NO_WAKEUP, BPF_RB_FORCE_WAKEUP, or 0
 * to wake readers (host->wake) only if the consumer is waiting on exactly
 * this record, as Linux does.
 * Context: program path; lock-free.
 */
void kbpf_ringbuf_submit(void *sample, uint64_t flags);
void kbpf_ringbuf_discard(void *sample, uint64_t flags);

/**
 * kbpf_ringbuf_output() - reserve, copy @size bytes from @data, submit.
 * Return: 0; -EINVAL for flags other than the wake-up ones; -EAGAIN if the
 * record could not be reserved (kbpf_ringbuf_reserve() returned NULL).
 * Context: program path.
 */
long kbpf_ringbuf_output(struct kbpf_map *map, const void *data, uint64_t size,
			 uint64_t flags);

/*
 * BPF_MAP_TYPE_USER_RINGBUF: user space produces into the same layout
 * (it writes producer_pos, the 8-byte headers and the data, as libbpf's
 * user_ring_buffer__reserve/__submit do) and kbpf consumes. Permissions
 * the host applies to a user mapping: the consumer page read-only; the
 * producer page and the data may be writable (kbpf_map_mmap() refuses a
 * writable mapping at offset 0 with -EPERM, as Linux).
 *
 * Drain callback: one sample of @size bytes at @data (user-writable
 * memory: read it once, trust nothing in it). A non-zero return stops the
 * drain after this sample.
 */
typedef long (*kbpf_user_ringbuf_sample_fn)(void *ctx, void *data,
					    uint32_t size);

/**
 * kbpf_user_ringbuf_drain() - consume the committed samples of user ring
 * buffer @map in order, as Linux's bpf_user_ringbuf_drain does: each
 * sample is checked against the ring, passed to @fn, then released
 * (consumer_pos advanced, release order); discarded samples are skipped;
 * at most 128 Ki samples (discarded ones included) per call; a busy
 * sample (still being written) ends the drain.
 * @flags: 0 wakes the producer (host->wake on the map) if any sample was
 *         visited; BPF_RB_NO_WAKEUP never; BPF_RB_FORCE_WAKEUP always.
 *
 * Return: the number of samples passed to @fn; -EINVAL for other @flags, a
 * map of another type, a producer_pos not 8-byte aligned or a sample that
 * runs past it; -E2BIG for a sample larger than the ring or than a dynptr
 * (2^24 - 1 bytes); -EBUSY if another drain of @map is running (on any
 * CPU, or the caller's own callback). After an error the samples consumed
 * before it stay consumed.
 * Context: program path or any kernel context; takes no lock (a busy flag);
 * @fn may run a BPF program.
 */
long kbpf_user_ringbuf_drain(struct kbpf_map *map,
			     kbpf_user_ringbuf_sample_fn fn, void *ctx,
			     uint64_t flags);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_MAPS_RINGBUF_H */
