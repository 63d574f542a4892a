/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF: the producer functions behind the bpf_ringbuf_*
 * helpers, and a consumer for in-kernel readers and tools. User space
 * reads the same ring through the pages of kbpf_map_ops.mmap_pages (see
 * src/maps/ringbuf.c for the layout and the page permissions).
 */
#ifndef KBPF_RINGBUF_H
#define KBPF_RINGBUF_H

#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_ringbuf_reserve() - reserve a record of @size bytes in ring @map.
 * Return: the record (8-byte aligned, owned by the caller until submit or
 * discard), or NULL if it does not fit now, exceeds the ring, or the ring's
 * lock is held on this CPU (the caller interrupted a reservation).
 * Context: program path; any CPU; takes the ring's spinlock (tried only).
 */
void *kbpf_ringbuf_reserve(struct kbpf_map *map, uint64_t size);

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
 * record does not fit.
 * Context: program path.
 */
long kbpf_ringbuf_output(struct kbpf_map *map, const void *data, uint64_t size,
			 uint64_t flags);

/**
 * kbpf_ringbuf_query() - BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE,
 * BPF_RB_CONS_POS or BPF_RB_PROD_POS; 0 for any other @flags.
 * Context: any; lock-free.
 */
uint64_t kbpf_ringbuf_query(struct kbpf_map *map, uint64_t flags);

/*
 * Consumer callback: @data and @size of one committed record. A negative
 * return stops kbpf_ringbuf_consume() with that value.
 */
typedef int (*kbpf_ringbuf_sample_fn)(void *ctx, const void *data,
				      uint32_t size);

/**
 * kbpf_ringbuf_consume() - read every committed record in order, as
 * libbpf's ring_buffer__consume does: stop at a record still being written,
 * skip discarded ones, advance consumer_pos (release) after each.
 * Return: the number of records passed to @fn, or @fn's negative result.
 * Context: one consumer at a time per ring (the caller serialises);
 * lock-free towards producers.
 */
long kbpf_ringbuf_consume(struct kbpf_map *map, kbpf_ringbuf_sample_fn fn,
			  void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_RINGBUF_H */
