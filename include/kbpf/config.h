/* SPDX-License-Identifier: MIT */
/*
 * Compile-time limits of kbpf. Every limit can be overridden by the host:
 * define it on the compiler command line, or name a header of the host's in
 * KBPF_CONFIG_HEADER and define the limits there; it is included first.
 */
#ifndef KBPF_CONFIG_H
#define KBPF_CONFIG_H

#ifdef KBPF_CONFIG_HEADER
#include KBPF_CONFIG_HEADER
#endif

/* Most possible CPUs a host may report in kbpf_host.nr_cpus. */
#ifndef KBPF_MAX_CPUS
#define KBPF_MAX_CPUS 256
#endif

/* Page size kbpf assumes for ring buffers, mmapable maps and perf rings. */
#ifndef KBPF_PAGE_SIZE
#define KBPF_PAGE_SIZE 4096
#endif

/* Cache line size used to separate fields that different CPUs write. */
#ifndef KBPF_CACHE_LINE
#define KBPF_CACHE_LINE 64
#endif

/* Stack bytes of one BPF call frame (Linux: MAX_BPF_STACK). */
#ifndef KBPF_STACK_SIZE
#define KBPF_STACK_SIZE 512
#endif

/* Deepest bpf-to-bpf call chain, frames included (Linux: MAX_CALL_FRAMES). */
#ifndef KBPF_MAX_CALL_FRAMES
#define KBPF_MAX_CALL_FRAMES 8
#endif

/* Tail calls one program run may make (Linux: MAX_TAIL_CALL_CNT). */
#ifndef KBPF_MAX_TAIL_CALLS
#define KBPF_MAX_TAIL_CALLS 33
#endif

/* Largest instruction count a privileged BPF_PROG_LOAD accepts (BPF_COMPLEXITY_LIMIT_INSNS). */
#ifndef KBPF_MAX_INSNS
#define KBPF_MAX_INSNS 1000000
#endif

/*
 * The budget of one checked run (kbpf_interp_args.budget, 0: this): the
 * instructions it may execute, callbacks, subprograms and tail-called
 * programs included, plus one per callback invocation (bpf_loop
 * iteration, map element or ring buffer sample visited) and per tail call.
 * Past it the run stops with -ELOOP. Worst case at the default: 10^8
 * instructions and callback invocations: 0.28 s of plain instructions,
 * up to some 5 s of nearly empty callbacks on x86-64
 * (docs/design/interp.md).
 */
#ifndef KBPF_CHECKED_INSN_BUDGET
#define KBPF_CHECKED_INSN_BUDGET 100000000ULL
#endif

/* Maps one program may use (Linux: MAX_USED_MAPS). */
#ifndef KBPF_MAX_USED_MAPS
#define KBPF_MAX_USED_MAPS 64
#endif

/* Bytes of the largest union bpf_attr kbpf_sys_bpf accepts (Linux: PAGE_SIZE). */
#ifndef KBPF_ATTR_MAX_SIZE
#define KBPF_ATTR_MAX_SIZE 4096
#endif

/* Nested program runs per CPU that may hold per-CPU scratch (printk, perf output). */
#ifndef KBPF_MAX_NEST
#define KBPF_MAX_NEST 3
#endif

/*
 * KBPF_API marks the functions of the public API (include/kbpf/). The core
 * is compiled with -fvisibility=hidden, so only these are exported from a
 * shared object built from libkbpf; cmake/kbpf.exports lists them and the
 * core_exports test checks the list against the library and the headers.
 * A host may define KBPF_API itself (to nothing, or to its own export
 * attribute).
 */
#ifndef KBPF_API
#if defined(__GNUC__) || defined(__clang__)
#define KBPF_API __attribute__((visibility("default")))
#else
#define KBPF_API
#endif
#endif

#endif /* KBPF_CONFIG_H */
