/* SPDX-License-Identifier: MIT */
/*
 * Raw tracepoints: points in the host kernel where BPF programs of type
 * BPF_PROG_TYPE_RAW_TRACEPOINT run with the point's arguments as their
 * context (an array of u64), as Linux's raw tracepoints do.
 *
 * The host declares each tracepoint in a struct kbpf_raw_tp it places
 * (static storage is typical), registers it in the registry its
 * kbpf_host.raw_tps points to, and fires it with kbpf_raw_tp_fire() from
 * wherever the event happens: any CPU, any context, interrupts included.
 * User space attaches programs by name with BPF_RAW_TRACEPOINT_OPEN; the
 * fd it gets back is the attachment, and closing it detaches.
 *
 * Firing is lock-free: it reads the tracepoint's current program array
 * inside a host read-side section (kbpf_host.read_lock). Attaching and
 * detaching publish a new array and free the old one, and the programs
 * that left, through kbpf_host.defer_free, so a fire on another CPU never
 * sees freed memory.
 */
#ifndef KBPF_RAW_TP_H
#define KBPF_RAW_TP_H

#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "prog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most arguments a tracepoint passes (Linux's MAX_BPF_FUNC_ARGS). */
#define KBPF_RAW_TP_MAX_ARGS 12
/* Bytes of a name BPF_RAW_TRACEPOINT_OPEN reads, NUL included. */
#define KBPF_RAW_TP_NAME_MAX 128

/* kbpf_raw_tp.flags */
#define KBPF_RAW_TP_TRUSTED 0x1u /* run attached programs in fast mode */

struct kbpf_raw_tp_progs;
struct kbpf_raw_tp_link;

/*
 * The lock words below are kbpf spinlocks: C11 atomics. C++ has no
 * atomic_uint of C's, and a C++ host never touches kbpf's fields, so it
 * sees an unsigned int of the same size and alignment (src/tp/raw_tp.c
 * asserts that they are the same).
 */
#ifdef __cplusplus
#define KBPF_RAW_TP_LOCK_WORD unsigned int
#else
#include <stdatomic.h>
#define KBPF_RAW_TP_LOCK_WORD atomic_uint
#endif

/**
 * struct kbpf_raw_tp - one tracepoint.
 * @name: host: NUL-terminated, shorter than KBPF_RAW_TP_NAME_MAX, unique
 *        in its registry.
 * @nargs: host: arguments each fire passes, 0..KBPF_RAW_TP_MAX_ARGS.
 * @flags: host: KBPF_RAW_TP_TRUSTED runs attached programs in the
 *         interpreter's fast mode: only for hosts that verify programs
 *         elsewhere. By default they run in checked mode, with the
 *         arguments readable and nothing else of the context.
 * @func_ip: host: for a "fentry/<function>" or "fexit/<function>" hook
 *           point, the traced function's address, which
 *           bpf_get_func_ip() returns to its programs (Linux's trampoline
 *           saves the same); 0 if the host does not give it.
 *
 * The remaining fields are kbpf's; the host zeroes them before
 * kbpf_raw_tp_register() and does not touch them afterwards.
 */
struct kbpf_raw_tp {
	const char *name;
	uint32_t nargs;
	uint32_t flags;
	uint64_t func_ip;
	/* kbpf's */
	const struct kbpf_host *host;
	struct kbpf_raw_tp_progs *progs; /* published; read with acquire */
	struct kbpf_raw_tp *next; /* registry list */
	KBPF_RAW_TP_LOCK_WORD lock; /* attach and detach (a kbpf spinlock) */
	uint32_t nr_links;
	struct kbpf_raw_tp_link *retired; /* host without defer_free */
	struct kbpf_raw_tp_progs *retired_progs;
};

/**
 * struct kbpf_raw_tp_registry - the tracepoints of one host, found by name.
 * Zero it (or call kbpf_raw_tp_registry_init()) and point
 * kbpf_host.raw_tps at it. Its fields are kbpf's.
 */
struct kbpf_raw_tp_registry {
	KBPF_RAW_TP_LOCK_WORD lock;
	struct kbpf_raw_tp *head;
};

/** kbpf_raw_tp_registry_init() - make @reg an empty registry. Context: any. */
KBPF_API void kbpf_raw_tp_registry_init(struct kbpf_raw_tp_registry *reg);

/**
 * kbpf_raw_tp_register() - add @tp to @h's registry (h->raw_tps), so that
 * programs can attach to it by name.
 * @h: the host table; its raw_tps field names the registry.
 * @tp: host-placed, name and nargs filled, the rest zero; it must stay in
 *      place until kbpf_raw_tp_unregister() succeeds.
 *
 * Context: syscall path (host initialisation); takes the registry lock.
 * Return: 0; -EINVAL if @h has no registry, @tp has no name, a name of
 * KBPF_RAW_TP_NAME_MAX bytes or more, or more than KBPF_RAW_TP_MAX_ARGS
 * arguments; -EEXIST if the registry has a tracepoint of that name.
 */
KBPF_API int kbpf_raw_tp_register(const struct kbpf_host *h,
				  struct kbpf_raw_tp *tp);

/**
 * kbpf_raw_tp_unregister() - remove @tp from its registry.
 *
 * The host must not fire @tp during or after the call (as a module's
 * tracepoints go with the module). Memory kept for a host without
 * defer_free is freed here.
 * Context: syscall path; takes the registry and tracepoint locks.
 * Return: 0; -EBUSY while programs are attached (as Linux keeps a module
 * with attached raw tracepoint programs loaded); -ENOENT if @tp is not
 * registered.
 */
KBPF_API int kbpf_raw_tp_unregister(struct kbpf_raw_tp *tp);

/**
 * kbpf_raw_tp_fire() - run every program attached to @tp, in attach order,
 * with @args (tp->nargs u64 values) as their context.
 *
 * Context: any CPU, any context (interrupts, with interrupts off, while the
 * host holds its own locks); never sleeps, allocates nothing, takes no
 * lock; about 5 KiB of stack per program run. Wraps the runs in
 * kbpf_host.read_lock/read_unlock when the host has them; otherwise the
 * caller must already be in the host's read-side section.
 * Return: 0, or the first negative errno a program run reported (checked
 * mode stops a program that misbehaves; the others still run). Programs'
 * return values are ignored, as in Linux.
 */
KBPF_API int kbpf_raw_tp_fire(struct kbpf_raw_tp *tp, const uint64_t *args);

/**
 * kbpf_raw_tp_attach() - attach @prog to @tp without an fd (for in-kernel
 * users; bpf(2) users go through BPF_RAW_TRACEPOINT_OPEN).
 * @prog: a BPF_PROG_TYPE_RAW_TRACEPOINT(_WRITABLE) program; the link takes
 *        its own reference.
 * @cookie: the attach cookie (kept for link info).
 * @link: receives the link object (type KBPF_OBJ_LINK) with one reference;
 *        the last kbpf_obj_put() on it detaches the program.
 *
 * Context: syscall path; takes @tp's lock; may allocate.
 * Return: 0; -EINVAL for a program of another type; -ENOMEM.
 */
KBPF_API int kbpf_raw_tp_attach(struct kbpf_raw_tp *tp, struct kbpf_prog *prog,
				uint64_t cookie, struct kbpf_obj **link);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_RAW_TP_H */
