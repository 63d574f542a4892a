/* SPDX-License-Identifier: MIT */
/*
 * The host contract: everything kbpf needs from the kernel that embeds it.
 *
 * The host fills one struct kbpf_host and keeps it alive, unchanged, for as
 * long as any kbpf object created with it exists. kbpf passes a pointer to it
 * to every callback, so a callback can reach ctx and its sibling fields; kbpf
 * never writes to it and never interprets ctx. Several tables may coexist in
 * one address space (several kbpf instances, as the test suite uses them).
 *
 * A zero (NULL) field means "not provided": kbpf either falls back to the
 * behaviour stated beside the field, or refuses the feature that needs it
 * with the errno stated there. Mandatory fields are marked MANDATORY;
 * kbpf_host_check() reports the first one that is missing.
 *
 * Contexts. Callbacks marked "program path" may be called while a BPF program
 * runs: on any CPU, possibly from interrupt context, possibly with interrupts
 * off, and possibly while a kbpf spinlock is held. They must not sleep and
 * must not call back into kbpf. Callbacks marked "syscall path" are called
 * only from kbpf_sys_bpf() and the other attr-level entry points, in the
 * context of the calling task, never with a kbpf lock held; they may sleep.
 *
 * Errors are negative Linux errno values (include/kbpf/errno.h).
 */
#ifndef KBPF_HOST_H
#define KBPF_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_host;
struct kbpf_obj;
struct kbpf_raw_tp_registry;
struct kbpf_probe_pmus;
struct kbpf_kfunc;
struct kbpf_state;

/* Flags for kbpf_host.alloc. */
#define KBPF_ALLOC_ATOMIC 0x1u /* must not sleep: program path or lock held */
#define KBPF_ALLOC_ZERO 0x2u /* memory must be zero-filled */

/* Flags describing what an fd was opened for (kbpf_host.fd_install / fd_get). */
#define KBPF_FD_READ 0x1u /* reads allowed (cleared for BPF_F_WRONLY) */
#define KBPF_FD_WRITE 0x2u /* writes allowed (cleared for BPF_F_RDONLY) */

/* Kinds of local-storage owners (kbpf_host.owner_fd_get / owner_storage). */
#define KBPF_OWNER_TASK 0 /* BPF_MAP_TYPE_TASK_STORAGE; fd: a pidfd */
#define KBPF_OWNER_SOCK 1 /* BPF_MAP_TYPE_SK_STORAGE; fd: a socket */
#define KBPF_OWNER_INODE 2 /* BPF_MAP_TYPE_INODE_STORAGE; fd: any file */
#define KBPF_OWNER_CGROUP 3 /* BPF_MAP_TYPE_CGRP_STORAGE; fd: a cgroup dir */
#define KBPF_OWNER_XSK 4 /* BPF_MAP_TYPE_XSKMAP entries; fd: an AF_XDP socket */

/* Pins (kbpf_host.pin / get_pinned): Linux's PATH_MAX and AT_FDCWD. */
#define KBPF_PATH_MAX 4096
#define KBPF_AT_FDCWD (-100)

/*
 * Capabilities kbpf asks kbpf_host.capable about: Linux's numbers
 * (include/uapi/linux/capability.h).
 */
#define KBPF_CAP_NET_ADMIN 12
#define KBPF_CAP_SYS_ADMIN 21
#define KBPF_CAP_PERFMON 38
#define KBPF_CAP_BPF 39

/*
 * kbpf_host.verifier: what BPF_PROG_LOAD does with kbpf's verifier
 * (src/verifier/, docs/design/verifier.md).
 */
#define KBPF_VERIFIER_OFF 0u /* structural check only (default) */
#define KBPF_VERIFIER_ENFORCE 1u /* refuse what it cannot prove, as Linux */
#define KBPF_VERIFIER_FALLBACK 2u /* load it anyway, checked mode only */

/* Object kinds an fd may refer to. */
enum kbpf_obj_type {
	KBPF_OBJ_MAP = 1, /* struct kbpf_map */
	KBPF_OBJ_PROG = 2, /* struct kbpf_prog */
	KBPF_OBJ_LINK = 3, /* struct kbpf_link (raw tracepoint attachment) */
	KBPF_OBJ_PERF_EVENT = 4, /* struct kbpf_perf_event */
	KBPF_OBJ_BTF = 5, /* struct kbpf_btf */
	KBPF_OBJ_STATS = 6, /* a BPF_ENABLE_STATS fd: no state but its life */
};

/*
 * Node for deferred reclamation, embedded in the object to be freed, as
 * Linux embeds struct rcu_head. The host may use both words while the
 * callback is pending.
 */
struct kbpf_rcu_head {
	struct kbpf_rcu_head *next;
	void (*func)(struct kbpf_rcu_head *head);
};

/**
 * struct kbpf_sk_tuple - what bpf_sk_lookup_tcp, bpf_sk_lookup_udp and
 * bpf_skc_lookup_tcp ask the host to find (kbpf_host.sk_lookup).
 * @family: 2 (AF_INET) or 10 (AF_INET6), from the tuple's size.
 * @protocol: 6 (IPPROTO_TCP) or 17 (IPPROTO_UDP).
 * @skc: bpf_skc_lookup_tcp: request and time-wait sockets may be found
 *       too; otherwise only full sockets (Linux's sk_fullsock()).
 * @saddr: the packet's source address (the socket's remote end), network
 *         order; an IPv4 address in the first 4 bytes.
 * @daddr: the packet's destination (the socket's local address).
 * @sport: the packet's source port, network order.
 * @dport: the packet's destination port, network order.
 * @netns_id: -1: the network namespace of the packet; >= 0: Linux's
 *            peer network namespace id (as `ip netns list-id` shows).
 * @ifindex: the device the packet is on, 0 if none (Linux's dif).
 */
struct kbpf_sk_tuple {
	uint32_t family;
	uint32_t protocol;
	bool skc;
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint16_t sport;
	uint16_t dport;
	int32_t netns_id;
	uint32_t ifindex;
};

/**
 * struct kbpf_sk_info - a socket the host found, as programs see it.
 * @sk: the fields of Linux's struct bpf_sock (include/kbpf/uapi/bpf.h) in
 *      its UAPI layout and byte orders, as Linux's conversions give them:
 *      bound_dev_if, family, type (SOCK_STREAM 1, SOCK_DGRAM 2), protocol,
 *      mark, priority, src_ip4/src_ip6 and src_port (host order) for the
 *      local end, dst_ip4/dst_ip6 and dst_port (network order, in the
 *      low 16 bits) for the remote end, state (Linux's TCP_* numbers;
 *      UDP: 7 unconnected, 1 connected), rx_queue_mapping (-1 if none).
 *      Stored as bytes, 80 of them.
 * @tcp: TCP full sockets: struct bpf_tcp_sock (112 bytes) for
 *       bpf_tcp_sock; zero what the host does not know.
 * @fullsock: a full socket (not a request or time-wait one).
 * @handle: the host's reference, given back with kbpf_host.sk_release.
 */
struct kbpf_sk_info {
	uint8_t sk[80];
	uint8_t tcp[112];
	bool fullsock;
	void *handle;
};

/**
 * struct kbpf_host - the callbacks and facts kbpf needs from its host.
 *
 * Fill every MANDATORY field; leave the others zero unless the host can do
 * better than the stated fallback.
 */
struct kbpf_host {
	/*
	 * Opaque to kbpf; for the host's own use in its callbacks.
	 */
	void *ctx;

	/* ------------------------------------------------------------ memory */

	/*
	 * MANDATORY. Allocate @size bytes aligned to @align (a power of two,
	 * at most KBPF_PAGE_SIZE). @flags: KBPF_ALLOC_ATOMIC means the caller
	 * cannot sleep (program path, interrupt context, or a kbpf lock held)
	 * and the host must either satisfy the request at once or return NULL;
	 * KBPF_ALLOC_ZERO asks for zeroed memory. Return NULL on failure; kbpf
	 * turns that into -ENOMEM and undoes what it had done.
	 */
	void *(*alloc)(const struct kbpf_host *h, size_t size, size_t align,
		       uint32_t flags);
	/*
	 * MANDATORY. Free memory from alloc. @size is the size that was asked
	 * for (hosts with a sized allocator may rely on it). Called from any
	 * context kbpf frees from: the syscall path, a defer_free callback, and
	 * the program path (BPF_F_NO_PREALLOC hash elements, a checked run's
	 * grown region table).
	 */
	void (*free)(const struct kbpf_host *h, void *ptr, size_t size);

	/* ---------------------------------------------------- pages and vmap */

	/*
	 * Allocate @nr zeroed physical pages of KBPF_PAGE_SIZE bytes and store
	 * an opaque handle for each in @pages. Return 0 or -ENOMEM (nothing
	 * left allocated). Syscall path, may sleep.
	 * If alloc_pages or vmap is NULL, map types that need page lists
	 * (BPF_MAP_TYPE_RINGBUF, BPF_F_MMAPABLE arrays, perf rings) are refused
	 * at creation with -EOPNOTSUPP.
	 */
	int (*alloc_pages)(const struct kbpf_host *h, size_t nr,
			   uintptr_t *pages);
	/* Free pages from alloc_pages. May be NULL only if alloc_pages is. */
	void (*free_pages)(const struct kbpf_host *h, const uintptr_t *pages,
			   size_t nr);
	/*
	 * Map the @nr pages of @pages, in order, at consecutive kernel virtual
	 * addresses and return the start, or NULL. Handles may repeat: the ring
	 * buffer maps its data pages twice in a row so that a record that wraps
	 * is contiguous. Syscall path, may sleep.
	 */
	void *(*vmap)(const struct kbpf_host *h, const uintptr_t *pages,
		      size_t nr);
	/* Undo vmap. @nr is the count given to vmap. */
	void (*vunmap)(const struct kbpf_host *h, void *addr, size_t nr);

	/* -------------------------------------------------------------- CPUs */

	/*
	 * MANDATORY. Number of possible CPUs, 1..KBPF_MAX_CPUS. Per-CPU maps
	 * keep this many slots, and user space exchanges
	 * round_up(value_size, 8) * nr_cpus bytes with them, as with Linux's
	 * possible-CPU count.
	 */
	uint32_t nr_cpus;
	/*
	 * MANDATORY. Id of the CPU running the caller, < nr_cpus. Program path:
	 * make it cheap. A program run asks it at most once for its per-CPU
	 * map values (PERCPU_ARRAY, PERCPU_HASH, LRU_PERCPU_HASH lookups, at
	 * the first one) and keeps that CPU's slots for the rest of the run,
	 * tail calls and callbacks included; kbpf's own per-CPU state (map
	 * locks, free lists, ring buffer owners) asks at each use. The caller
	 * may be preempted and migrated unless the host runs programs with
	 * preemption off, as Linux does: a run that migrates keeps seeing one
	 * CPU's values (consistent, as on Linux), but may then share that
	 * slot with a program running on that CPU, as Linux programs that
	 * only disable migration do with a program that preempts them.
	 */
	uint32_t (*cpu_id)(const struct kbpf_host *h);

	/* --------------------------------------------------------------- IRQs */

	/*
	 * Disable interrupts (or whatever can run a BPF program on this CPU)
	 * and return the previous state; irq_restore puts it back. Nestable.
	 * kbpf calls them around every spinlock it takes. Program path.
	 * If NULL, the host promises that no program runs on a CPU while kbpf
	 * holds a lock on that CPU (for example: programs never run from
	 * interrupts). kbpf still detects same-CPU re-entrancy where Linux
	 * does and returns -EBUSY rather than deadlocking.
	 */
	unsigned long (*irq_save)(const struct kbpf_host *h);
	void (*irq_restore)(const struct kbpf_host *h, unsigned long state);
	/*
	 * How long, in ns of mono_ns, the program path waits for a lock that
	 * Linux guards with a resilient spinlock (the ring buffer's producer
	 * lock) before the operation fails as Linux's rqspinlock does on
	 * timeout. 0: Linux's default, 250 ms. A host whose lock holders can
	 * be preempted (user-space threads, as in the POSIX host) should give
	 * more: a preempted holder is not a stuck one.
	 */
	uint64_t lock_timeout_ns;

	/* ------------------------------------------------------- reclamation */

	/*
	 * Call @head->func(@head) after every program run and every lock-free
	 * reader that started before this call has finished (Linux's call_rcu
	 * with the tasks-trace flavour folded in). @head is embedded in the
	 * memory to free; kbpf has set head->func. May be called on the program
	 * path; must not sleep; must not call func synchronously.
	 * If NULL, kbpf never frees memory a lock-free reader may still hold
	 * before the object that owns it is destroyed: each object keeps such
	 * memory on a list of its own and frees it in its destructor, when no
	 * program can reach the object any more. In detail, without defer_free:
	 *  - a program run holds what it runs. A tail call takes a run hold on
	 *    its target under the prog array's lock, given back when the run
	 *    ends; the release of a program (its last reference, always on the
	 *    syscall path) spins until no run holds it, so a slot delete,
	 *    replace or clear, or an fd close, may wait for the runs in flight
	 *    of that program (bounded: each run is);
	 *  - a program detached from a raw tracepoint or a perf event stays
	 *    referenced, with its maps, until kbpf_raw_tp_unregister() or the
	 *    event's release (after kbpf_probe_pmus.close): fires still
	 *    running it are safe, and memory grows with each detach until
	 *    then;
	 *  - memory of maps (deleted hash elements, replaced inner maps, prog
	 *    array and cgroup entries, LPM nodes, devmap entries) is kept
	 *    until the map is freed, or reused by the map where it can.
	 * The host still never frees memory itself; nothing else changes.
	 */
	void (*defer_free)(const struct kbpf_host *h,
			   struct kbpf_rcu_head *head);
	/*
	 * Mark the start and end of a read-side section: kbpf calls them
	 * around every program run it starts itself (BPF_PROG_TEST_RUN, raw
	 * tracepoint fires) and around lock-free syscall-path reads of map
	 * memory. defer_free callbacks must wait for sections that began before
	 * them. Nestable; program path. If NULL, the host makes its own calls
	 * into kbpf read-side sections (as a kernel that runs programs under
	 * its RCU read lock does).
	 */
	unsigned long (*read_lock)(const struct kbpf_host *h);
	void (*read_unlock)(const struct kbpf_host *h, unsigned long state);

	/* ------------------------------------------------------- user memory */

	/*
	 * Copy @n bytes from user address @usrc to kernel buffer @dst. Return
	 * 0, or -EFAULT if any byte is unreadable (then @dst contents are
	 * unspecified). Syscall path, may sleep.
	 * If NULL, user and kernel share one address space: kbpf copies with
	 * memcpy and returns -EFAULT for a NULL source.
	 */
	int (*copy_from_user)(const struct kbpf_host *h, void *dst,
			      const void *usrc, size_t n);
	/* As copy_from_user, towards user memory. Same fallback. */
	int (*copy_to_user)(const struct kbpf_host *h, void *udst,
			    const void *src, size_t n);
	/*
	 * Copy a NUL-terminated string of at most @n bytes (NUL included) from
	 * user memory. Return its length without the NUL (< @n), @n if no NUL
	 * was found in @n bytes (the buffer is then not terminated), or
	 * -EFAULT. Same fallback as copy_from_user.
	 */
	long (*strncpy_from_user)(const struct kbpf_host *h, char *dst,
				  const char *usrc, size_t n);

	/* ------------------------------------------------------- probe reads */

	/*
	 * Fault-safe read of @n bytes of kernel memory at @src. Return 0,
	 * -EFAULT on a fault, or -ERANGE when @src is not a kernel address
	 * (Linux on x86 returns -ERANGE for user addresses). Must never crash.
	 * Program path. If NULL, bpf_probe_read_kernel and friends zero the
	 * destination and return -EFAULT.
	 */
	int (*probe_read_kernel)(const struct kbpf_host *h, void *dst,
				 const void *src, size_t n);
	/*
	 * Fault-safe read of @n bytes of the current task's user memory at
	 * @usrc. Return 0 or -EFAULT. Program path. If NULL,
	 * bpf_probe_read_user and friends zero the destination and return
	 * -EFAULT.
	 */
	int (*probe_read_user)(const struct kbpf_host *h, void *dst,
			       const void *usrc, size_t n);

	/* -------------------------------------------------------------- time */

	/* MANDATORY. CLOCK_MONOTONIC in ns: nondecreasing, nonzero. Program path. */
	uint64_t (*mono_ns)(const struct kbpf_host *h);
	/*
	 * CLOCK_BOOTTIME in ns (counts suspend). Program path. If NULL,
	 * bpf_ktime_get_boot_ns returns mono_ns.
	 */
	uint64_t (*boot_ns)(const struct kbpf_host *h);
	/*
	 * A cheaper, coarser CLOCK_MONOTONIC. If NULL,
	 * bpf_ktime_get_coarse_ns returns mono_ns.
	 */
	uint64_t (*coarse_ns)(const struct kbpf_host *h);
	/*
	 * CLOCK_TAI in ns. If NULL, programs calling bpf_ktime_get_tai_ns are
	 * refused at load with a verifier-log line.
	 */
	uint64_t (*tai_ns)(const struct kbpf_host *h);

	/* ------------------------------------------------------------ random */

	/*
	 * A pseudo-random u32 (bpf_get_prandom_u32, hash seeds). Program path.
	 * If NULL, programs calling bpf_get_prandom_u32 are refused at load,
	 * and hash maps derive their seed from mono_ns.
	 */
	uint32_t (*random_u32)(const struct kbpf_host *h);

	/* -------------------------------------------------------------- task */

	/*
	 * Ids of the task running on this CPU: @pid_tgid = tgid << 32 | pid,
	 * @uid_gid = gid << 32 | uid. Return 0, or -ENOENT when no task is
	 * current (interrupt context). Program path. If NULL, the
	 * bpf_get_current_* helpers behave as Linux does with no current task
	 * (return -EINVAL).
	 */
	int (*current_ids)(const struct kbpf_host *h, uint64_t *pid_tgid,
			   uint64_t *uid_gid);
	/*
	 * Copy the current task's name (at most @size bytes, NUL-terminated)
	 * to @buf. Return 0 or -ENOENT. Program path. If NULL,
	 * bpf_get_current_comm zeroes the buffer and returns -EINVAL.
	 */
	int (*current_comm)(const struct kbpf_host *h, char *buf, size_t size);
	/*
	 * The current task as the host names it (Linux: its task_struct
	 * address), for bpf_get_current_task and bpf_get_current_task_btf;
	 * programs read through it with the probe-read helpers. Program path.
	 * If NULL, both helpers return 0.
	 */
	uint64_t (*current_task)(const struct kbpf_host *h);
	/*
	 * Whether the task inside kbpf_sys_bpf() has a signal pending that
	 * ends a long command: a BPF_PROG_TEST_RUN with a repeat count asks
	 * between runs and stops with -EINTR, as Linux does. Syscall path,
	 * no kbpf lock held. If NULL, such a command runs to its end: each
	 * run is bounded by the checked-mode budget, the command by repeat
	 * times that.
	 */
	bool (*signal_pending)(const struct kbpf_host *h);
	/*
	 * Let other tasks run (Linux's cond_resched()): called between the
	 * runs of a repeated BPF_PROG_TEST_RUN, and while a program's release
	 * waits for runs still inside it (hosts without defer_free), outside
	 * any read-side section and with no kbpf lock held. Syscall path,
	 * may sleep. If NULL, kbpf does not yield there.
	 */
	void (*cond_resched)(const struct kbpf_host *h);
	/*
	 * Walk a stack for bpf_get_stackid/bpf_get_stack: store at most @max
	 * return addresses, innermost first, in @ips and return how many, or
	 * a negative errno if there is no stack to walk. @user: the current
	 * task's user-space stack, else the stack the program runs on.
	 * @prog_type and @ctx: the running program's type and context (the
	 * probed registers of a kprobe or uprobe, a perf event's sample), for
	 * hosts that start from them. Program path: must not sleep or fault.
	 * If NULL, both helpers return -EFAULT, as Linux does when it cannot
	 * fetch a stack.
	 */
	int (*stack_walk)(const struct kbpf_host *h, uint32_t prog_type,
			  const void *ctx, bool user, uint64_t *ips,
			  uint32_t max);
	/*
	 * Cgroups, for BPF_MAP_TYPE_CGROUP_ARRAY and
	 * bpf_current_task_under_cgroup. cgroup_get: store in *@cgrp the
	 * cgroup whose directory @fd is open on, with a reference, and
	 * return 0; or return a negative errno (-EBADF: not open, or not a
	 * cgroup). Syscall path. If NULL, no fd is a cgroup: updates give
	 * -EBADF.
	 * cgroup_put: drop that reference. Any context (a defer_free
	 * callback). Required with cgroup_get.
	 * current_in_cgroup: 1 if the current task is in @cgrp or a cgroup
	 * below it, else 0. Program path. If NULL, the helper answers 0.
	 */
	int (*cgroup_get)(const struct kbpf_host *h, int fd, void **cgrp);
	/*
	 * Network devices, for DEVMAP entries: does a device with @ifindex
	 * exist? Syscall path, called under a kbpf spinlock: must not sleep.
	 * If NULL, no ifindex is valid (updates give -EINVAL, as Linux does
	 * for a device it cannot find).
	 */
	bool (*ifindex_ok)(const struct kbpf_host *h, uint32_t ifindex);
	/*
	 * Network devices, for bpf_check_mtu: store the MTU of the device
	 * with @ifindex (Linux's dev->mtu, an L3 size) in *@mtu and the
	 * length of its link-layer header (Linux's hard_header_len: 14 for
	 * Ethernet and loopback devices) in *@hlen, and return 0; or return
	 * -ENODEV if there is no such device. @ifindex 0 never names a
	 * device. Program path (any CPU, IRQs possibly off): must not sleep
	 * and must not take locks a program could be holding. If NULL, no
	 * device is known: bpf_check_mtu answers -ENODEV, Linux's errno for
	 * an ifindex it cannot find.
	 */
	int (*dev_mtu)(const struct kbpf_host *h, uint32_t ifindex,
		       uint32_t *mtu, uint32_t *hlen);
	void (*cgroup_put)(const struct kbpf_host *h, void *cgrp);
	int (*current_in_cgroup)(const struct kbpf_host *h, void *cgrp);
	/*
	 * The cgroup v2 id (Linux: the cgroup directory's inode number) of
	 * the current task's cgroup when @level is negative, else of its
	 * ancestor at @level (0: the root cgroup; the cgroup itself at its
	 * own level); 0 when the cgroup is not that deep or no task is
	 * current. For bpf_get_current_cgroup_id and
	 * bpf_get_current_ancestor_cgroup_id. Program path. If NULL, both
	 * helpers return 0 (Linux's answer for a level deeper than the
	 * task's cgroup).
	 */
	uint64_t (*current_cgroup_id)(const struct kbpf_host *h, int level);
	/*
	 * The cgroup hierarchy, for programs attached to cgroups
	 * (BPF_PROG_ATTACH, BPF_PROG_DETACH and BPF_PROG_QUERY with a cgroup
	 * attach type; include/kbpf/cgroup.h). A cgroup is what cgroup_get
	 * gives, and one cgroup must always be the same pointer (kbpf
	 * compares them), however many times its fds are resolved.
	 * cgroup_parent: the parent of @cgrp, or NULL for the root of the
	 * hierarchy; no reference is taken (a parent lives as long as its
	 * children). Any context, must not sleep: the runners walk up on
	 * the program path.
	 * cgroup_bpf: the address of one pointer the host keeps in each
	 * cgroup for kbpf, NULL until kbpf first stores there (an attach).
	 * While it is not NULL the host keeps the cgroup, and the pointer,
	 * alive; when it removes the cgroup (Linux's rmdir) it calls
	 * kbpf_cgroup_release(), which detaches every program and clears it.
	 * Any context, must not sleep.
	 * If either is NULL (or cgroup_get is, or kbpf_host.state), no fd is
	 * a cgroup for these commands: they answer -EBADF, Linux's errno for
	 * a target_fd that is not a cgroup directory.
	 */
	void *(*cgroup_parent)(const struct kbpf_host *h, void *cgrp);
	void **(*cgroup_bpf)(const struct kbpf_host *h, void *cgrp);
	/*
	 * The cgroup v2 id of @cgrp (Linux's cgroup_id(): the directory's
	 * inode number), for bpf_link_info of cgroup links. Any context,
	 * must not sleep (called under a kbpf lock). If NULL, links report
	 * cgroup id 0, as Linux does for a link whose cgroup is gone, and
	 * programs with CGROUP_STORAGE or PERCPU_CGROUP_STORAGE maps cannot be
	 * attached (-EOPNOTSUPP): their storages are found by cgroup id.
	 */
	uint64_t (*cgroup_id)(const struct kbpf_host *h, void *cgrp);
	/*
	 * Owners of local storage (BPF_MAP_TYPE_TASK_STORAGE, SK_STORAGE,
	 * INODE_STORAGE and CGRP_STORAGE; include/kbpf/local_storage.h).
	 * @kind is a KBPF_OWNER_* below; an owner is a non-zero value that
	 * names one of the host's objects the way programs see it (a task as
	 * current_task returns it, a socket, an inode, a cgroup). Each kind
	 * the host does not have answers as if the callback were NULL.
	 * owner_fd_get: the owner of @kind that user fd @fd names, for the
	 * map commands of bpf(2), whose key is such an fd: a pidfd for a
	 * task, a socket's fd, any fd for its inode, a cgroup directory's fd.
	 * Store it in *@owner with a reference and return 0, or Linux's
	 * errno: -EBADF (not open; not a pidfd; not a cgroup directory),
	 * -ENOTSOCK (open but not a socket), -ENOENT (a pidfd whose task has
	 * exited). Syscall path, but BPF_MAP_LOOKUP_ELEM calls it inside a
	 * read-side section: must not sleep. If NULL, those commands answer
	 * -EBADF, as Linux does for an fd of the wrong kind.
	 * KBPF_OWNER_XSK is no storage owner: it names the AF_XDP socket an
	 * XSKMAP update puts in an entry (src/maps/xskmap.c), which holds
	 * the reference until the entry goes. Its errnos: -EBADF, -ENOTSOCK,
	 * -EOPNOTSUPP (a socket of another family). The same socket must
	 * give the same owner value each time; owner_storage is not asked
	 * for it.
	 * owner_put: drop that reference. Syscall path, possibly inside a
	 * read-side section: must not sleep. Required with owner_fd_get.
	 * owner_storage: the address of one pointer the host keeps in @owner
	 * for kbpf, NULL until kbpf first stores there; or NULL when @owner is
	 * not a live owner of @kind (the host checks what a program passes:
	 * kbpf's verifier does not type the owner argument yet). While the
	 * pointer is not NULL, it is kbpf's: the host calls
	 * kbpf_local_storage_owner_free() when the owner dies, and from then
	 * on answers NULL for it; the memory of the pointer must stay valid
	 * until read-side sections that began before that call have ended
	 * (free owners through a grace period, as defer_free does). Program
	 * path: any CPU, must not sleep. If NULL, no owner has storage: the
	 * storage_get helpers return NULL and storage_delete -EINVAL, as Linux
	 * answers for a NULL owner.
	 */
	int (*owner_fd_get)(const struct kbpf_host *h, int kind, int fd,
			    uint64_t *owner);
	void (*owner_put)(const struct kbpf_host *h, int kind, uint64_t owner);
	void **(*owner_storage)(const struct kbpf_host *h, int kind,
				uint64_t owner);
	/*
	 * The current task's pid namespace as user space names it: the
	 * st_dev and st_ino of /proc/self/ns/pid. Return 0, or -ENOENT when
	 * no task is current. bpf_get_ns_current_pid_tgid compares a
	 * program's (dev, ino) with these and then reports current_ids's
	 * pid and tgid, which must be the numbers in that namespace.
	 * Program path. If NULL, the helper fails as Linux does when the
	 * namespace does not match: -EINVAL, the output zeroed.
	 */
	int (*current_pidns)(const struct kbpf_host *h, uint64_t *dev,
			     uint64_t *ino);
	/*
	 * The NUMA node of the CPU a program runs on (bpf_get_numa_node_id).
	 * Program path. If NULL, 0: one node.
	 */
	uint32_t (*numa_node_id)(const struct kbpf_host *h);
	/*
	 * The cookie of the network namespace packets live in (Linux's
	 * net->net_cookie, what getsockopt(SO_NETNS_COOKIE) reports), for
	 * bpf_get_netns_cookie on packets without a socket of the host's
	 * (struct kbpf_skb.sk gives its own). Program path. If NULL, 0.
	 */
	uint64_t (*netns_cookie)(const struct kbpf_host *h);
	/*
	 * Socket lookups (bpf_sk_lookup_tcp, bpf_sk_lookup_udp,
	 * bpf_skc_lookup_tcp; src/net/sk_lookup.c). sk_lookup: find the
	 * socket a packet of @t would be delivered to (an established
	 * socket first, then a listener or bound UDP socket, as Linux's
	 * __inet_lookup and __udp4_lib_lookup), fill @out (zeroed by kbpf)
	 * and take a reference on it that @out->handle names. Return 0 if
	 * found, -ENOENT if not (or if the namespace id names none), another
	 * -errno on failure; kbpf treats all failures as "no socket" (the
	 * helper returns NULL, as Linux). kbpf has already refused what
	 * Linux refuses (bad tuple size, flags, namespace id). sk_release:
	 * drop the reference of a handle sk_lookup gave; called once per
	 * success, from the program (bpf_sk_release) or at the end of a
	 * checked run the program did not release it in. Both program
	 * path: must not sleep. The two go together (kbpf_host_check()
	 * refuses one alone: "sk_release"); if NULL, every lookup returns
	 * NULL.
	 */
	int (*sk_lookup)(const struct kbpf_host *h,
			 const struct kbpf_sk_tuple *t,
			 struct kbpf_sk_info *out);
	void (*sk_release)(const struct kbpf_host *h, void *handle);
	/*
	 * The host's timer tick rate (Linux's CONFIG_HZ), for
	 * bpf_jiffies64: jiffies are Linux's INITIAL_JIFFIES plus mono_ns
	 * in ticks of 1/@hz s. 0: 250, Debian's and most distributions'.
	 */
	uint32_t hz;

	/* ------------------------------------------------------------ timers */

	/*
	 * One-shot timers for struct bpf_timer (Linux's hrtimers;
	 * src/helpers/timer.c, docs/design/timer.md). The four go together,
	 * and need defer_free: without them bpf_timer_init returns
	 * -EOPNOTSUPP (Linux's answer where it cannot arm a timer) and, since
	 * no timer can then exist, the other timer helpers -EINVAL.
	 * kbpf_host_check() refuses a table with only some of them
	 * ("timer_start", "timer_cancel", "timer_free").
	 *
	 * timer_alloc: a new, disarmed timer on clock @clockid (Linux's
	 * numbers: CLOCK_REALTIME 0, CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7)
	 * that calls @fn(@arg) each time it expires. Return an opaque handle,
	 * or NULL (the helper answers -ENOMEM). Program path, with a kbpf
	 * lock held and interrupts saved: must not sleep.
	 * timer_start: arm @t, replacing any pending expiry, to expire at
	 * @ns on its clock when @abs, else @ns from now. @cpu: the CPU the
	 * callback should run on (BPF_F_TIMER_CPU_PIN), or UINT32_MAX for
	 * any; a host may ignore it. Program path, kbpf lock held: must not
	 * sleep and must not call @fn itself.
	 * timer_cancel: disarm @t; if its @fn is running in another context,
	 * wait until it returns. Return 1 if @t was armed, else 0. Program
	 * path (bpf_timer_cancel, no kbpf lock held; inside another timer's
	 * @fn too). kbpf never calls it from @t's own @fn.
	 * timer_free: disarm @t and give it back. @fn is never started after
	 * this returns; a call already running finishes. Never waits. Any
	 * context, @t's own @fn included, with kbpf locks held. kbpf may
	 * still call timer_cancel on @t from a read-side section that began
	 * before timer_free (it must then answer 0): free @t's memory after
	 * such sections end (with defer_free) and after its @fn returned.
	 * @fn's context: the host calls it with no kbpf lock held, inside a
	 * read-side section (read_lock, or the host's own, as for program
	 * runs) entered before it took @t off its queue, so that memory kbpf
	 * frees with defer_free after timer_free stays valid for it; on any
	 * CPU (cpu_id says which), never nested for the same @t. @fn runs
	 * the program's callback: bounded time, never sleeps.
	 */
	void *(*timer_alloc)(const struct kbpf_host *h, uint32_t clockid,
			     void (*fn)(void *arg), void *arg);
	void (*timer_start)(const struct kbpf_host *h, void *t, uint64_t ns,
			    bool abs, uint32_t cpu);
	int (*timer_cancel)(const struct kbpf_host *h, void *t);
	void (*timer_free)(const struct kbpf_host *h, void *t);

	/* --------------------------------------------------------- privilege */

	/*
	 * Does the task calling kbpf_sys_bpf() hold capability @cap in its
	 * effective set (Linux's capable(): KBPF_CAP_NET_ADMIN,
	 * KBPF_CAP_SYS_ADMIN, KBPF_CAP_PERFMON or KBPF_CAP_BPF)? kbpf asks
	 * where Linux 6.18 asks and applies Linux's rules to the answers
	 * (docs/design/privilege.md): which commands, map types, program
	 * types, helpers and attachments need which capability, and what an
	 * unprivileged caller is shown. Syscall path, may sleep; never called
	 * on the program path (a program keeps what its loader was allowed).
	 * If NULL, every caller holds every capability: a host with a single
	 * trusted user space, and kbpf as it was before it had a privilege
	 * model.
	 */
	bool (*capable)(const struct kbpf_host *h, int cap);
	/*
	 * The current value of Linux's kernel.unprivileged_bpf_disabled
	 * sysctl: 0, unprivileged callers may create maps and load socket
	 * filters; 1 or 2, BPF_MAP_CREATE and BPF_PROG_LOAD need CAP_BPF (or
	 * CAP_SYS_ADMIN). The host owns the setting (Linux makes 1 sticky and
	 * lets only CAP_SYS_ADMIN change it). Syscall path. Only consulted
	 * when capable is set and the caller lacks CAP_BPF. If NULL: 2,
	 * Linux's default (CONFIG_BPF_UNPRIV_DEFAULT_OFF).
	 */
	int (*unprivileged_bpf_disabled)(const struct kbpf_host *h);
	/*
	 * What BPF_PROG_LOAD does after the structural check (plain data,
	 * read at each load on the syscall path):
	 * KBPF_VERIFIER_OFF (0, the default): nothing more; programs are not
	 * proven safe and their runners' checked mode is the safety net.
	 * KBPF_VERIFIER_ENFORCE: kbpf's verifier must prove the program safe
	 * as Linux's would; what it cannot prove is refused with Linux's log
	 * line and errno (-EACCES, -EINVAL, -E2BIG).
	 * KBPF_VERIFIER_FALLBACK: the verifier runs; a program it cannot
	 * prove still loads (the log says why) and then runs only in the
	 * interpreter's checked mode, whatever mode its runner asks for.
	 * kbpf_host_check() refuses other values ("verifier").
	 */
	uint32_t verifier;

	/* -------------------------------------------------- executable memory */

	/*
	 * The JIT (src/jit/, docs/design/jit.md): at load, a program kbpf can
	 * compile for the build's architecture (x86-64 today) gets native
	 * code, which its fast-mode runs execute instead of the interpreter;
	 * on x86-64 a program of a loader with CAP_PERFMON that no proof
	 * exempts from checked mode also gets checked native code for its
	 * checked runs (a second allocation), unless the build defines
	 * KBPF_JIT_CHECKED to 0.
	 * The three callbacks go together: if they are NULL, nothing is
	 * compiled and every program runs in the interpreter, as before;
	 * kbpf_host_check() refuses a table with only some of them
	 * ("jit_seal", "jit_free").
	 *
	 * jit_alloc: @size bytes (@size > 0) of memory kbpf may write, in the
	 * address space programs run in, that jit_seal can later make
	 * executable (on most systems: whole pages of their own). NULL if
	 * there is none: the program then stays in the interpreter (its load
	 * does not fail). Syscall path (program load), may sleep.
	 */
	void *(*jit_alloc)(const struct kbpf_host *h, size_t size);
	/*
	 * jit_seal: make the @size bytes at @p (from jit_alloc, with the code
	 * written) executable and never writable again (W^X), and make the
	 * instruction fetch of every CPU see the bytes written (flush the
	 * instruction cache where the architecture needs it). Return 0, or a
	 * negative errno: kbpf then frees the memory with jit_free and the
	 * program stays in the interpreter. Syscall path, may sleep.
	 */
	int (*jit_seal)(const struct kbpf_host *h, void *p, size_t size);
	/*
	 * jit_free: give back memory from jit_alloc, sealed or not; @size is
	 * the size asked for. Called when the program is freed (after every
	 * run that could execute the code has ended: deferred as any
	 * program's free), or on a failed compile. Syscall path or the
	 * deferred-free context; must not sleep if defer_free callbacks
	 * may not.
	 */
	void (*jit_free)(const struct kbpf_host *h, void *p, size_t size);
	/*
	 * Linux's net.core.bpf_jit_harden (plain data, read at each load):
	 * 0, off (the default); 1, blind the constants of programs whose
	 * loader lacks CAP_BPF (as capable() says; with capable NULL every
	 * loader has it); 2, blind every program's constants. Blinding
	 * rewrites each immediate operand as two constants XORed in a
	 * scratch register, with a value from random_u32 (nothing is blinded
	 * if random_u32 is NULL), so the native code never holds an
	 * immediate user space chose. kbpf_host_check() refuses values above
	 * 2 ("jit_harden").
	 */
	uint32_t jit_harden;

	/* ------------------------------------------------------------ output */

	/*
	 * Write one bpf_trace_printk/bpf_trace_vprintk message of @len bytes
	 * (not NUL-terminated, no newline added) to the host's trace log, as
	 * Linux writes to tracefs. Program path. If NULL, messages are
	 * dropped (the helpers still return their Linux result).
	 */
	void (*trace_write)(const struct kbpf_host *h, const char *msg,
			    size_t len);
	/*
	 * @obj (a ring buffer map or perf event) has new data for its readers:
	 * wake pollers of its fds. May be called on the program path with a
	 * kbpf lock held: defer the real work (Linux uses irq_work). If NULL,
	 * readers must poll.
	 */
	void (*wake)(const struct kbpf_host *h, struct kbpf_obj *obj);
	/*
	 * Report a "cannot happen" condition (KBPF_WARN_ON_ONCE). Any context.
	 * If NULL, the report is dropped; kbpf carries on either way.
	 */
	void (*warn)(const struct kbpf_host *h, const char *file, int line,
		     const char *what);

	/* --------------------------------------------------------------- fds */

	/*
	 * Install @obj in the calling task's fd table with access @fd_flags
	 * (KBPF_FD_READ | KBPF_FD_WRITE) and return the fd (>= 0), or a
	 * negative errno (-EMFILE, -ENOMEM). On success the fd owns the
	 * caller's reference to @obj; when the fd is closed, the host calls
	 * kbpf_obj_uref_put(@obj) (the fd's reference is a user reference).
	 * On failure the caller keeps its reference.
	 * Syscall path. Needed by kbpf_sys_bpf only: if NULL, commands that
	 * create objects return -EOPNOTSUPP.
	 */
	int (*fd_install)(const struct kbpf_host *h, struct kbpf_obj *obj,
			  uint32_t fd_flags);
	/*
	 * Resolve @fd to the kbpf object it refers to, take a reference
	 * (kbpf_obj_get) and store it in @obj, and its access in @fd_flags
	 * unless @fd_flags is NULL (kbpf passes NULL where the access does
	 * not matter). Return 0, -EBADF if @fd is not open, or -EINVAL if it is open but
	 * not a kbpf object (as Linux does for a non-map fd). The caller drops
	 * the reference with kbpf_obj_put. Syscall path. If NULL, commands that
	 * take fds return -EBADF.
	 */
	int (*fd_get)(const struct kbpf_host *h, int fd, struct kbpf_obj **obj,
		      uint32_t *fd_flags);
	/*
	 * As fd_get, for fd @fd of the task @pid as user space numbers it (a
	 * thread id, Linux's PIDTYPE_PID), for BPF_TASK_FD_QUERY. Return 0
	 * with a reference in @obj, -ENOENT if no such task, -EBADF if @fd is
	 * not open in it, -EINVAL if it is open but not a kbpf object.
	 * Syscall path, may sleep. If NULL, kbpf answers only for the calling
	 * task: @pid must be its pid or tgid (current_ids), and other pids
	 * give -ENOENT.
	 */
	int (*task_fd_get)(const struct kbpf_host *h, int32_t pid, int fd,
			   struct kbpf_obj **obj);
	/*
	 * Legacy ids, for a host without @state (below): give @obj a
	 * system-wide id (> 0) unique among live objects of its type and
	 * return it, or a negative errno; kbpf calls id_release when the
	 * object dies (any context). Syscall path. Ignored when @state is set:
	 * kbpf's registry then gives the ids. Without @state the
	 * BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID commands find nothing
	 * (-ENOENT); with neither, objects have id 0.
	 */
	long (*id_alloc)(const struct kbpf_host *h, struct kbpf_obj *obj);
	/* Forget the id of @obj. Any context. Required if id_alloc is set. */
	void (*id_release)(const struct kbpf_host *h, struct kbpf_obj *obj);
	/*
	 * Storage for kbpf's per-host state (include/kbpf/state.h): the id
	 * registries (Linux's idr: cyclic ids in [1, INT_MAX) per kind,
	 * GET_NEXT_ID, GET_FD_BY_ID), perf event ids and the BPF_ENABLE_STATS
	 * switch. The host provides it zeroed, for as long as the table lives,
	 * and never writes it. If NULL: ids as id_alloc above, and
	 * BPF_ENABLE_STATS gives -EOPNOTSUPP.
	 */
	struct kbpf_state *state;

	/* ------------------------------------------------------------ pins */

	/*
	 * Pin @obj at @path (NUL-terminated, at most KBPF_PATH_MAX bytes with
	 * the NUL, never empty), relative to the directory open as @path_fd
	 * when @path is relative (KBPF_AT_FDCWD: the caller's working
	 * directory), as Linux's bpffs does for BPF_OBJ_PIN. On success the
	 * pin holds a user reference (kbpf_obj_uref_get) that the host drops
	 * with kbpf_obj_uref_put when the pin is removed (unlink). kbpf has
	 * checked the attributes and that @obj is a map, program or link.
	 * Return 0 or Linux's errno for the path: -ENOENT (a missing parent
	 * directory), -EEXIST (the path exists), -EPERM (the directory is not
	 * in a BPF file system), -ENOTDIR, -EBADF (a bad @path_fd), -EACCES,
	 * -ENOMEM. Syscall path, may sleep. If NULL, BPF_OBJ_PIN gives
	 * -EOPNOTSUPP.
	 */
	int (*pin)(const struct kbpf_host *h, struct kbpf_obj *obj,
		   const char *path, int path_fd);
	/*
	 * Find the object pinned at @path (as for pin) and store it in @obj
	 * with a user reference (kbpf_obj_uref_get) that kbpf moves to a new
	 * fd or drops. @fd_flags: the access asked for (KBPF_FD_READ |
	 * KBPF_FD_WRITE), for a host that checks the pin's permissions.
	 * Return 0 or Linux's errno: -ENOENT (nothing at @path), -EACCES (a
	 * file that is not a pin), -ENOTDIR, -EBADF. Syscall path, may sleep.
	 * If NULL, BPF_OBJ_GET gives -EOPNOTSUPP.
	 */
	int (*get_pinned)(const struct kbpf_host *h, const char *path,
			  int path_fd, uint32_t fd_flags,
			  struct kbpf_obj **obj);

	/* ------------------------------------------------------ tracepoints */

	/*
	 * The registry of the host's raw tracepoints (include/kbpf/raw_tp.h),
	 * which BPF_RAW_TRACEPOINT_OPEN searches by name. The table stays
	 * read-only; the registry it points to is kbpf's to update. If NULL,
	 * BPF_RAW_TRACEPOINT_OPEN gives -ENOENT for every name.
	 */
	struct kbpf_raw_tp_registry *raw_tps;
	/*
	 * The host kernel's BTF (raw .BTF bytes in the host's byte order, as
	 * Linux exposes /sys/kernel/btf/vmlinux), @btf_size bytes, read-only
	 * and living as long as the host. BPF_PROG_LOAD checks the
	 * attach_btf_id of tracing (tp_btf) programs against it: a typedef
	 * btf_trace_<name> for each raw tracepoint <name> in raw_tps. If NULL,
	 * tracing programs are refused (-EINVAL). With @state, kbpf parses
	 * and indexes it once, at the first load that needs it, and keeps the
	 * view there (about 4 bytes per type) for every later load; a new
	 * pointer or size is parsed again by itself, new bytes at the same
	 * place after kbpf_host_btf_release() (include/kbpf/state.h), which
	 * also frees the view at teardown. Without @state, every load that
	 * needs it parses it.
	 */
	const void *btf;
	size_t btf_size;
	/*
	 * The host's kprobe, uprobe and tracepoint PMUs (include/kbpf/perf.h,
	 * "probe events"): which perf types perf_event_open routes to them,
	 * and the callbacks that place and remove probes. If NULL,
	 * perf_event_open gives -ENOENT for those types.
	 */
	const struct kbpf_probe_pmus *probes;
	/*
	 * The host's own kfuncs (include/kbpf/kfunc.h): @nr_kfuncs entries,
	 * read-only, alive as long as the table. A program's kfunc call is
	 * matched by name against them first, then against kbpf's own; an
	 * entry of the host replaces kbpf's of the same name. Read at program
	 * load only. If NULL, programs call kbpf's kfuncs only.
	 */
	const struct kbpf_kfunc *kfuncs;
	uint32_t nr_kfuncs;
};

/**
 * kbpf_host_check() - validate a host table before first use.
 * @h: the table.
 *
 * Context: any; takes no lock.
 * Return: 0 if every mandatory field is set and the plain data is in range;
 * -EINVAL otherwise. If @what is not NULL it receives the name of the first
 * offending field (a static string).
 */
KBPF_API int kbpf_host_check(const struct kbpf_host *h, const char **what);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_HOST_H */
