/* SPDX-License-Identifier: MIT */
/*
 * BPF_MAP_TYPE_STACK_TRACE and the stack helpers (bpf_get_stackid,
 * bpf_get_stack). kbpf stores and hands out stack traces as Linux does; the
 * host walks them (kbpf_host.stack_walk), since only it knows its frames.
 *
 * A trace is an array of return addresses, innermost first. Its id in a
 * stack map is jhash2(addresses) & (buckets - 1), buckets being max_entries
 * rounded up to a power of two, as in Linux: the same trace has the same
 * id as on Linux. See src/maps/stackmap.c for the locking.
 */
#ifndef KBPF_STACKMAP_H
#define KBPF_STACKMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_map;

/* Deepest trace kbpf asks for (Linux's kernel.perf_event_max_stack default). */
#define KBPF_PERF_MAX_STACK 127u

/** kbpf_stackmap_is() - is @map a BPF_MAP_TYPE_STACK_TRACE? Context: any. */
KBPF_API bool kbpf_stackmap_is(const struct kbpf_map *map);

/**
 * kbpf_stackmap_depth() - addresses one value of stack map @map holds
 * (value_size / 8, or / sizeof(struct bpf_stack_build_id) with
 * BPF_F_STACK_BUILD_ID). Context: any.
 */
KBPF_API uint32_t kbpf_stackmap_depth(const struct kbpf_map *map);

/**
 * kbpf_stackmap_get_stackid() - store a walked trace in @map and return its
 * id (the core of bpf_get_stackid, for hosts that walk stacks themselves).
 * @trace: @trace_nr addresses, innermost first; the first
 *         (@flags & BPF_F_SKIP_FIELD_MASK) are skipped, and at most
 *         kbpf_stackmap_depth() of the rest are stored.
 * @flags: BPF_F_FAST_STACK_CMP: an equal hash is taken as the same trace;
 *         BPF_F_REUSE_STACKID: replace another trace that holds the id.
 *         The caller has rejected other bits.
 *
 * Context: program path, any CPU; takes the map's lock with interrupts
 * saved; never sleeps or allocates.
 * Return: the id (>= 0); -EFAULT if the skip leaves no address; -EEXIST if
 * another trace holds the id (without BPF_F_REUSE_STACKID); -ENOMEM if all
 * max_entries elements are in use; -EINVAL if @map is not a stack map;
 * -EBUSY if re-entered on a CPU that holds the lock.
 */
KBPF_API long kbpf_stackmap_get_stackid(struct kbpf_map *map,
					const uint64_t *trace,
					uint32_t trace_nr, uint64_t flags);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_STACKMAP_H */
