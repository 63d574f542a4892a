/* SPDX-License-Identifier: MIT */
/*
 * The LRU mechanism behind BPF_MAP_TYPE_LRU_HASH and LRU_PERCPU_HASH: a pool
 * of preallocated nodes, each either free or in use, and the policy that
 * picks which used node to take back when no node is free. It knows nothing
 * about hash tables: it takes a node back from its user through the
 * del_from_htab callback, which succeeds only if the user could unlink it.
 *
 * The policy is Linux's (kernel/bpf/bpf_lru_list.c in behaviour, measured in
 * research/kernel-semantics.md §4), so that the same sequence of operations
 * on the same CPU evicts the same keys:
 *
 *  - Lists: ACTIVE, INACTIVE and FREE per LRU list; a node's reference bit
 *    is set by program-side lookups and cleared whenever the node moves.
 *  - Common LRU (the default): one global list; each CPU keeps a local FREE
 *    list and a local PENDING list of nodes it handed out since its last
 *    refill. A refill (local FREE empty) flushes PENDING into the global
 *    ACTIVE (referenced) or INACTIVE lists, rotates, then moves up to
 *    target_free = clamp(max_entries / nr_cpus / 2, 1, 128) nodes from the
 *    global FREE list, and if that is not enough shrinks INACTIVE from its
 *    tail (oldest first, referenced nodes are moved to ACTIVE instead,
 *    at most 128 scanned), falling back to one forced eviction. If even
 *    that fails, it steals a free or pending node from any CPU in round
 *    robin.
 *  - BPF_F_NO_COMMON_LRU: each CPU owns max_entries / nr_cpus nodes in a
 *    list of its own; an empty FREE list shrinks up to 4 of that CPU's own
 *    nodes (at most 4 scanned).
 *  - Rotation: when INACTIVE is shorter than ACTIVE, up to nr_scans nodes
 *    from ACTIVE's tail move to INACTIVE unless referenced; then up to
 *    nr_scans INACTIVE nodes are visited from a cursor and referenced ones
 *    promoted to ACTIVE.
 *
 * Locking: every list has a spinlock taken with interrupts saved. Lock order:
 * a CPU's local lock, then the global list lock, then whatever del_from_htab
 * takes (the hash bucket lock). Callers must not hold a bucket lock when
 * they call kbpf_lru_pop_free() or kbpf_lru_push_free().
 */
#ifndef KBPF_MAPS_LRU_H
#define KBPF_MAPS_LRU_H

#include "core/alloc.h"
#include "core/spinlock.h"

/* One node, embedded in each element of the user. */
struct kbpf_lru_node {
	struct kbpf_lru_node *prev, *next;
	uint32_t hash; /* the user's hash of the element (set at pop) */
	uint16_t cpu; /* CPU whose local/own list the node belongs to */
	uint8_t type; /* KBPF_LRU_* list the node is on */
	uint8_t ref; /* set by lookups without a lock, cleared on moves */
};

enum {
	KBPF_LRU_ACTIVE,
	KBPF_LRU_INACTIVE,
	KBPF_LRU_FREE,
	KBPF_LRU_LOCAL_FREE,
	KBPF_LRU_LOCAL_PENDING,
};

/* One list set: sentinels of ACTIVE, INACTIVE and FREE, and its lock. */
struct kbpf_lru_list {
	struct kbpf_lru_node lists[3];
	uint32_t counts[2]; /* ACTIVE, INACTIVE */
	struct kbpf_lru_node *next_inactive_rotation;
	struct kbpf_spinlock lock;
};

/* A CPU's local lists under the common LRU. */
struct kbpf_lru_local {
	struct kbpf_lru_node free, pending;
	uint32_t next_steal;
	struct kbpf_spinlock lock;
};

/*
 * Take @node out of the user's table. Called with LRU locks held and
 * interrupts saved; returns true if the node was unlinked (it is then the
 * LRU's to reuse), false if it was not in the table.
 */
typedef bool (*kbpf_lru_del_fn)(void *arg, struct kbpf_lru_node *node);

struct kbpf_lru {
	const struct kbpf_host *host;
	bool percpu; /* BPF_F_NO_COMMON_LRU */
	struct kbpf_lru_list global; /* common LRU */
	struct kbpf_percpu pcpu; /* kbpf_lru_local or kbpf_lru_list per CPU */
	kbpf_lru_del_fn del_from_htab;
	void *del_arg;
	uint32_t target_free;
	uint32_t nr_scans;
};

/*
 * kbpf_lru_init() - set up an LRU with no nodes.
 * Context: syscall path; may sleep (allocates the per-CPU lists).
 * Return: 0 or -ENOMEM.
 */
int kbpf_lru_init(struct kbpf_lru *lru, const struct kbpf_host *h, bool percpu,
		  kbpf_lru_del_fn del_from_htab, void *del_arg);

/* Free the per-CPU lists; the nodes belong to the caller. */
void kbpf_lru_fini(struct kbpf_lru *lru);

/*
 * kbpf_lru_populate() - hand @nr nodes to the LRU, all free. Node i is at
 * @base + i * @elem_size + @node_offset. Common LRU: all on the global FREE
 * list, target_free set from @nr. Per-CPU LRU: @nr / nr_cpus to each CPU.
 */
void kbpf_lru_populate(struct kbpf_lru *lru, void *base, uint32_t node_offset,
		       uint32_t elem_size, uint32_t nr);

/*
 * kbpf_lru_pop_free() - a free node for the calling CPU, evicting if needed;
 * its hash is set to @hash and its reference bit cleared.
 * Context: any; never sleeps; takes LRU locks and, through del_from_htab,
 * bucket locks.
 * Return: the node, or NULL if none could be freed.
 */
struct kbpf_lru_node *kbpf_lru_pop_free(struct kbpf_lru *lru, uint32_t hash);

/* Give back a node from kbpf_lru_pop_free() that is no longer in use. */
void kbpf_lru_push_free(struct kbpf_lru *lru, struct kbpf_lru_node *node);

/* A program-side lookup used the node (lock-free; no store if already set). */
static inline void kbpf_lru_node_set_ref(struct kbpf_lru_node *node)
{
	if (!__atomic_load_n(&node->ref, __ATOMIC_RELAXED))
		__atomic_store_n(&node->ref, 1, __ATOMIC_RELAXED);
}

#endif /* KBPF_MAPS_LRU_H */
