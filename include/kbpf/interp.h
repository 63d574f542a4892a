/* SPDX-License-Identifier: MIT */
/*
 * The interpreter: runs BPF instructions as Linux 6.18 does (RFC 9669 plus
 * Linux's runtime rules), in one of two modes.
 *
 * Fast mode trusts the program, as Linux trusts what its verifier accepted:
 * use it for programs verified elsewhere, or loaded by a trusted party.
 *
 * Checked mode is safe for programs nobody verified. Every load and store
 * must fall inside a region the program may touch: its stack frames, the
 * context, and memory helpers hand out (kbpf_run_add_region()). Jumps,
 * calls and ld_imm64 pairs are validated before the first instruction runs,
 * helper arguments are validated against the helper's prototype, and a
 * budget stops runaway programs. A violation stops the program and is
 * reported with a negative errno; it never touches memory outside those
 * regions.
 *
 * The budget (checked mode): one per run, shared by the program, its
 * subprograms, every callback and every tail-called program. It is spent
 * by each instruction executed (counted per straight stretch when control
 * goes backwards: taken backward jumps, calls, returns, tail calls; an
 * instruction skipped by a forward jump counts too), by each callback
 * invocation (a bpf_loop iteration, a for_each_map_elem element, a
 * bpf_user_ringbuf_drain sample) and by each tail call. So one checked run
 * executes at most KBPF_CHECKED_INSN_BUDGET (10^8, or @budget) instructions
 * plus one program's length, and its helpers make at most that many
 * callback invocations: 0.28 s of plain instructions measured on x86-64,
 * up to some 5 s when nearly every unit is a callback invocation (entering
 * one costs 60-150 ns; docs/design/interp.md). Past it the run stops with -ELOOP; helpers
 * keep Linux's own limits first (bpf_loop: -E2BIG above 1 << 23).
 *
 * Which mode a run gets: the runner's @mode (kbpf_interp_args), except
 * that a program kbpf's verifier could not prove (kbpf_host.verifier
 * FALLBACK) always runs checked, and a program it proved (the host's
 * policy ENFORCE or FALLBACK) for a loader with CAP_PERFMON always runs
 * fast, even when its runner asks for checked mode (BPF_PROG_TEST_RUN
 * does): the proof replaces the checks, as Linux runs what its verifier
 * accepted unchecked. A proved program of a loader without CAP_PERFMON
 * is rewritten against speculation as Linux's verifier rewrites it
 * (Spectre v1 masking, v4 barriers), in its native code only: with native
 * code it always runs fast (natively) too; without, it gets the mode its
 * runner asks for, and checked runs keep their address clamping.
 * Unverified programs (kbpf_host.verifier OFF) get the mode their runner
 * asks for.
 *
 * Native code (docs/design/jit.md): where the host gives executable memory
 * (kbpf_host.jit_alloc) and the build has a JIT backend (x86-64), a
 * program is compiled at load, and every run this function would make in
 * fast mode executes the native code instead, with the same results,
 * errnos and limits. Checked runs of programs whose loader had
 * CAP_PERFMON execute checked native code (x86-64, unless the build
 * defines KBPF_JIT_CHECKED to 0): the same region checks, budget, results
 * and errnos as the checked interpreter, which still runs their callbacks,
 * blinded programs, programs with tail calls and those of loaders without
 * CAP_PERFMON (the pointer rules).
 *
 * Fast mode has no budget, as Linux has none at run time: the host's
 * verifier must have bounded the program (Linux's verifier bounds loops,
 * nested callbacks and tail calls; bpf_loop still refuses more than
 * 1 << 23 iterations per call and tail calls stop at 33). Nor does fast
 * mode track references: the verifier must have proven that every ring
 * buffer reservation is submitted or discarded.
 */
#ifndef KBPF_INTERP_H
#define KBPF_INTERP_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#include "errno.h"
#include "prog.h"

#ifdef __cplusplus
extern "C" {
#endif

enum kbpf_interp_mode {
	KBPF_INTERP_FAST = 0,
	KBPF_INTERP_CHECKED = 1,
};

/*
 * Regions a checked run tracks in its own state (on the caller's stack)
 * besides its stack: the context, the packet, global data, and what
 * helpers hand out. Not a limit: a run that needs more moves its table to
 * host memory (kbpf_host.alloc with KBPF_ALLOC_ATOMIC, freed when the run
 * ends) and doubles it as needed. Few runs do: a map that describes its
 * value storage (arrays; hash maps, per-CPU or not, when preallocated)
 * takes one value area for all its values, a value looked up again is not
 * added twice, and regions lent to a callback end with it. Other maps
 * (per-CPU arrays, BPF_F_NO_PREALLOC hashes, LPM tries, devmaps) take one
 * region per distinct value.
 */
#ifndef KBPF_INTERP_MAX_REGIONS
#define KBPF_INTERP_MAX_REGIONS 64
#endif

/* Inner maps (from map-in-map lookups) one checked run may use. */
#ifndef KBPF_INTERP_MAX_INNER_MAPS
#define KBPF_INTERP_MAX_INNER_MAPS 8
#endif

/**
 * struct kbpf_interp_args - what one run starts with.
 * @ctx: the context pointer, passed in r1.
 * @ctx_size: bytes of @ctx the program may access (checked mode), 0 for none.
 * @ctx_writable: whether the program may store to @ctx (checked mode).
 * @ctx_ro_size: checked mode: the last @ctx_ro_size bytes of @ctx are
 *               read-only even when @ctx_writable (the packet pointers
 *               that follow a UAPI packet context).
 * @pkt: checked mode: the packet the program may read and write,
 *       @pkt_size bytes (NULL: none); helpers that move it call
 *       kbpf_run_set_packet().
 * @r2: initial r2 (0 for BPF programs; the conformance suite passes the
 *      memory length there).
 * @ctx_type: the program type @ctx was built for, when it is a kbpf packet
 *            context (struct kbpf_skb/kbpf_xdp, set by kbpf_skb_run() and
 *            kbpf_xdp_run()); 0 for plain memory. Packet helpers refuse
 *            (-EINVAL) to work on a context not built for them.
 * @mode: fast or checked.
 * @cpu: the CPU to report in the run context.
 * @cookie: the attach cookie bpf_get_attach_cookie returns (0: none).
 * @func_ip: the traced function's address bpf_get_func_ip returns
 *           (kprobes at a function's entry, fentry/fexit; 0: none).
 * @budget: checked mode: the run's budget, instructions plus callback
 *          invocations and tail calls (see above), before it stops with
 *          -ELOOP (0: KBPF_CHECKED_INSN_BUDGET).
 * @cg_run: kbpf's own: the state a run of a cgroup's programs gives each
 *          of them (bpf_get_local_storage, bpf_get_retval and
 *          bpf_set_retval read it), set by kbpf's cgroup runners and
 *          BPF_PROG_TEST_RUN. Hosts leave it NULL; those helpers then
 *          fail the run with -EINVAL.
 * @ro, @ro_size: checked mode: more memory the program may read, never
 *          write, for the whole run (NULL: none). kbpf_skb_run() passes
 *          the packet socket's views (struct kbpf_skb_sock) there.
 */
struct kbpf_interp_args {
	void *ctx;
	size_t ctx_size;
	bool ctx_writable;
	size_t ctx_ro_size;
	void *pkt;
	size_t pkt_size;
	uint64_t r2;
	uint32_t ctx_type;
	enum kbpf_interp_mode mode;
	uint32_t cpu;
	uint64_t budget;
	uint64_t cookie;
	void *cg_run;
	uint64_t func_ip;
	const void *ro;
	size_t ro_size;
};

/**
 * kbpf_interp_run() - run @prog once.
 * @prog: the program; its instructions are already relocated (ld_imm64 map
 *        references hold kernel addresses). An ld_imm64 with src_reg
 *        BPF_PSEUDO_FUNC yields the absolute instruction index of the
 *        callback (pc + 1 + imm), which helpers pass to run->call_func.
 * @host: the host table (helpers reach it through the run context).
 * @args: context, mode, CPU.
 * @ret: receives r0 when the program exits normally.
 *
 * Context: program path: never sleeps, allocates nothing; uses about
 * KBPF_MAX_CALL_FRAMES * KBPF_STACK_SIZE + 3 KiB of the caller's stack
 * (the region table among it), and some 0.5 KiB more per nested callback.
 * Does not take host->read_lock: the caller runs programs in its read-side
 * section (kbpf's own entry points, such as BPF_PROG_TEST_RUN, do).
 * Return: 0 and *@ret set; in checked mode -EFAULT for an access outside
 * the allowed regions, -EINVAL for an invalid instruction or helper
 * argument or for a ring buffer record the program reserved and did not
 * submit or discard by the end of the run or a tail call (the record is
 * discarded, so the ring's consumer goes on), -ELOOP for the budget or
 * frame limit, -ENOMEM when the region table had to grow
 * (KBPF_INTERP_MAX_REGIONS) and the host had no memory for it; in both modes
 * -ENOENT for a call to a helper id the program's table does not have and
 * the errno a helper set in run->error.
 */
KBPF_API int kbpf_interp_run(struct kbpf_prog *prog,
			     const struct kbpf_host *host,
			     const struct kbpf_interp_args *args,
			     uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_INTERP_H */
