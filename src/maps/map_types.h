/* SPDX-License-Identifier: MIT */
/*
 * The map type registry: one line per implemented type, as Linux's
 * include/linux/bpf_types.h. The same list gives the ops declarations and
 * the dispatch table in map.c; a type that is not listed is refused at
 * creation with -EINVAL, as Linux refuses a type it does not know.
 * Every line ends in a backslash, so adding a type touches one line.
 */
#ifndef KBPF_MAP_TYPES_H
#define KBPF_MAP_TYPES_H

#define KBPF_MAP_TYPES(X)                                               \
	X(BPF_MAP_TYPE_ARRAY, kbpf_array_map_ops)                       \
	X(BPF_MAP_TYPE_PERCPU_ARRAY, kbpf_percpu_array_map_ops)         \
	X(BPF_MAP_TYPE_QUEUE, kbpf_queue_map_ops)                       \
	X(BPF_MAP_TYPE_STACK, kbpf_stack_map_ops)                       \
	X(BPF_MAP_TYPE_RINGBUF, kbpf_ringbuf_map_ops)                   \
	X(BPF_MAP_TYPE_HASH, kbpf_htab_map_ops)                         \
	X(BPF_MAP_TYPE_PERCPU_HASH, kbpf_percpu_htab_map_ops)           \
	X(BPF_MAP_TYPE_LRU_HASH, kbpf_lru_htab_map_ops)                 \
	X(BPF_MAP_TYPE_LRU_PERCPU_HASH, kbpf_lru_percpu_htab_map_ops)   \
	X(BPF_MAP_TYPE_PERF_EVENT_ARRAY, kbpf_perf_event_array_map_ops) \
	X(BPF_MAP_TYPE_PROG_ARRAY, kbpf_prog_array_map_ops)             \
	X(BPF_MAP_TYPE_USER_RINGBUF, kbpf_user_ringbuf_map_ops)         \
	X(BPF_MAP_TYPE_ARRAY_OF_MAPS, kbpf_array_of_maps_map_ops)       \
	X(BPF_MAP_TYPE_HASH_OF_MAPS, kbpf_hash_of_maps_map_ops)         \
	X(BPF_MAP_TYPE_LPM_TRIE, kbpf_lpm_trie_map_ops)                 \
	X(BPF_MAP_TYPE_BLOOM_FILTER, kbpf_bloom_filter_map_ops)         \
	X(BPF_MAP_TYPE_STACK_TRACE, kbpf_stack_trace_map_ops)           \
	X(BPF_MAP_TYPE_CGROUP_ARRAY, kbpf_cgroup_array_map_ops)         \
	X(BPF_MAP_TYPE_DEVMAP, kbpf_dev_map_ops)                        \
	X(BPF_MAP_TYPE_DEVMAP_HASH, kbpf_dev_map_hash_ops)              \
	X(BPF_MAP_TYPE_CPUMAP, kbpf_cpu_map_ops)                        \
	X(BPF_MAP_TYPE_XSKMAP, kbpf_xsk_map_ops)                        \
	X(BPF_MAP_TYPE_SK_STORAGE, kbpf_sk_storage_map_ops)             \
	X(BPF_MAP_TYPE_INODE_STORAGE, kbpf_inode_storage_map_ops)       \
	X(BPF_MAP_TYPE_TASK_STORAGE, kbpf_task_storage_map_ops)         \
	X(BPF_MAP_TYPE_CGRP_STORAGE, kbpf_cgrp_storage_map_ops)         \
	X(BPF_MAP_TYPE_CGROUP_STORAGE, kbpf_cgroup_storage_map_ops)     \
	X(BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE,                           \
	  kbpf_percpu_cgroup_storage_map_ops)                           \
	/* end of list */

#endif /* KBPF_MAP_TYPES_H */
