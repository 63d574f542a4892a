/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_RINGBUF for in-kernel readers and tools: a consumer of the
 * records programs commit, and the ring's positions. User space reads the
 * same ring through mmap(2) of the map fd (kbpf_map_mmap(); see
 * src/maps/ringbuf.c for the layout and the page permissions).
 */
#ifndef KBPF_RINGBUF_H
#define KBPF_RINGBUF_H

#include <stdint.h>

#include "config.h"
#include "map.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Consumer callback: @data and @size of one committed record. A negative
 * return stops kbpf_ringbuf_consume() with that value.
 */
typedef int (*kbpf_ringbuf_sample_fn)(void *ctx, const void *data,
				      uint32_t size);

/**
 * kbpf_ringbuf_query() - BPF_RB_AVAIL_DATA, BPF_RB_RING_SIZE,
 * BPF_RB_CONS_POS or BPF_RB_PROD_POS; 0 for any other @flags.
 * Context: any; lock-free.
 */
KBPF_API uint64_t kbpf_ringbuf_query(struct kbpf_map *map, uint64_t flags);

/**
 * kbpf_ringbuf_consume() - read every committed record in order, as
 * libbpf's ring_buffer__consume does: stop at a record still being written,
 * skip discarded ones, advance consumer_pos (release) after each.
 * Return: the number of records passed to @fn, or @fn's negative result.
 * Context: one consumer at a time per ring (the caller serialises);
 * lock-free towards producers.
 */
KBPF_API long kbpf_ringbuf_consume(struct kbpf_map *map,
				   kbpf_ringbuf_sample_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_RINGBUF_H */
