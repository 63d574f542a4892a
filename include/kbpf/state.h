/* SPDX-License-Identifier: MIT */
/*
 * kbpf's mutable per-host state, in storage the host provides
 * (kbpf_host.state): the id registries Linux keeps in its idrs (maps,
 * programs, links, BTF objects), the counter perf event ids come from, and
 * the run-statistics switch of BPF_ENABLE_STATS. A host declares one
 * struct kbpf_state, zeroed (static storage is typical), points its table
 * at it and never touches it again; kbpf alone writes it. The fields are
 * kbpf's and may change between versions: only the type's size and the
 * zero-initialised state are the contract.
 *
 * Why storage rather than host callbacks (kbpf_host.id_alloc/id_release):
 * Linux's id rules are more than "a unique number": ids are cyclic in
 * [1, INT_MAX), never 0, per object kind, BPF_*_GET_NEXT_ID walks them in
 * order and BPF_*_GET_FD_BY_ID finds an object only while it is alive. Every
 * host would have to write the same registry with the same races against
 * the last reference going away; kbpf writes it once. The registry allocates
 * nothing (objects are linked into it through their own header), so ids
 * never fail for lack of memory and may be released from any context.
 */
#ifndef KBPF_STATE_H
#define KBPF_STATE_H

#include <stdint.h>

#include "config.h"
#include "host.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_cgroup_bpf;
struct kbpf_host_btf;

/* Lock and counter words: C11 atomics in C, their plain layout in C++. */
#ifdef __cplusplus
#define KBPF_STATE_ATOMIC_U32 uint32_t
#define KBPF_STATE_ATOMIC_U64 uint64_t
#else
#include <stdatomic.h>
#define KBPF_STATE_ATOMIC_U32 _Atomic uint32_t
#define KBPF_STATE_ATOMIC_U64 _Atomic uint64_t
#endif

/* Slots per object kind, indexed by enum kbpf_obj_type. */
#define KBPF_STATE_KINDS 8

/**
 * struct kbpf_state - zero it and point kbpf_host.state at it.
 * @lock: a kbpf spinlock guarding the id lists (taken with the host's
 *        irq_save; never held while allocating or calling the host
 *        otherwise).
 * @head, @tail: per kind, the live objects with ids, sorted by id.
 * @last: per kind, the last id given (the cyclic cursor).
 * @perf_id: the last perf event id (a 64-bit counter, as Linux's).
 * @stats_users: open BPF_ENABLE_STATS fds; runs record statistics while
 *               it is not 0.
 * @sock_cookie: the last socket cookie given to a BPF_PROG_TEST_RUN's
 *               dummy socket (Linux gives each one a new cookie).
 * @flow_seed: the key of packet flow hashes (bpf_get_hash_recalc), drawn
 *             once from random_u32; 0 until then.
 * @cgroup_lock: a kbpf spinlock serialising program attachment to
 *               cgroups (Linux's cgroup_mutex for cgroup BPF), taken with
 *               the host's irq_save; runners never take it.
 * @cgroups: every cgroup kbpf keeps programs for (include/kbpf/cgroup.h),
 *           under @cgroup_lock.
 * @btf_lock: a kbpf spinlock guarding @host_btf (taken with the host's
 *            irq_save; never held while parsing or allocating).
 * @host_btf: kbpf_host.btf parsed and indexed once, shared by every load
 *            (src/btf/host_btf.c); NULL until the first load that needs
 *            it, and after kbpf_host_btf_release().
 * @btf_parses: how many times kbpf has parsed kbpf_host.btf (a statistic
 *              tests read: a second load must not parse again).
 */
struct kbpf_state {
	KBPF_STATE_ATOMIC_U32 lock;
	struct kbpf_obj *head[KBPF_STATE_KINDS];
	struct kbpf_obj *tail[KBPF_STATE_KINDS];
	uint32_t last[KBPF_STATE_KINDS];
	KBPF_STATE_ATOMIC_U64 perf_id;
	KBPF_STATE_ATOMIC_U32 stats_users;
	KBPF_STATE_ATOMIC_U64 sock_cookie;
	KBPF_STATE_ATOMIC_U64 flow_seed;
	KBPF_STATE_ATOMIC_U32 cgroup_lock;
	struct kbpf_cgroup_bpf *cgroups;
	KBPF_STATE_ATOMIC_U32 btf_lock;
	struct kbpf_host_btf *host_btf;
	KBPF_STATE_ATOMIC_U32 btf_parses;
};

/**
 * kbpf_ids_set_next() - make the next id of kind @type (enum
 * kbpf_obj_type) the first free id at or after @id (1 .. INT_MAX - 1), as
 * if the last one given had been @id - 1. For tests and tools that align
 * kbpf's ids with another system's (records that carry ids).
 * @h: the host; does nothing if it has no kbpf_host.state.
 *
 * Context: any; takes the registry lock.
 */
KBPF_API void kbpf_ids_set_next(const struct kbpf_host *h, uint32_t type,
				uint32_t id);

/**
 * kbpf_host_btf_release() - drop kbpf's parsed view of kbpf_host.btf.
 * @h: the host; does nothing if it has no kbpf_host.state.
 *
 * The first load that needs the host BTF (a tracing program's
 * attach_btf_id, the verifier's typed pointers) parses and indexes it once
 * and keeps the view in @h->state for every later load; a load that finds
 * kbpf_host.btf or btf_size changed parses the new bytes and replaces the
 * view. Call this at host teardown, after the last kbpf call, so that
 * nothing kbpf allocated stays live (the view holds about 4 bytes per BTF
 * type), and when the host changes the bytes of its BTF in place (same
 * pointer and size), which kbpf cannot notice. A load running meanwhile
 * keeps the view it took until it ends; the next load parses again.
 *
 * Context: syscall path or teardown; takes kbpf_state.btf_lock briefly
 * and may free memory (kbpf_host.free). Safe to call at any time and more
 * than once.
 */
KBPF_API void kbpf_host_btf_release(const struct kbpf_host *h);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_STATE_H */
