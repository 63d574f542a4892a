/* SPDX-License-Identifier: MIT */
/*
 * The JIT's internal contract: between the framework (src/jit/jit.c, which
 * prepares a program, owns executable memory and runs native code) and the
 * backends (src/jit/x86_64.c, arm64.c, riscv64.c, which only emit bytes).
 * docs/design/jit.md explains the choices; this header is the rule.
 *
 * What a backend compiles: the interpreter's image of a program
 * (src/interp/image.h): its relocated instructions with each resolved
 * helper call rewritten to KBPF_INTERP_OP_CALL / _LOOKUP_ARRAY /
 * _LOOKUP_PERCPU / _LOOKUP_CALL (imm: the site). The framework compiles
 * only programs it can run natively with the interpreter's fast-mode
 * answers (every call resolved to a site, no tail call outside the main
 * function, no LD_ABS/LD_IND in a program with bpf-to-bpf calls, no
 * callx); other programs stay in the interpreter (-EOPNOTSUPP).
 *
 * Native layout, the same on every architecture:
 *
 *  - The code starts with the entry stub, at offset 0:
 *        uint64_t stub(const uint64_t args[5], struct kbpf_jit_state *js,
 *                      const void *fn);
 *    It saves every callee-saved register of the platform ABI, pushes
 *    js->abort_sp and stores its own stack pointer there, calls
 *    fn(args[0], ..., args[4], js) and on return restores js->abort_sp
 *    and the registers and returns fn's r0.
 *  - At out->abort_off: the abort path. Native code jumps there (from any
 *    depth) after setting js->status; it sets the stack pointer from
 *    js->abort_sp and leaves exactly as the stub does (return value 0).
 *  - Then one native function per BPF function: insn 0 (the main
 *    function) and every target of a BPF_PSEUDO_CALL or BPF_PSEUDO_FUNC
 *    (callbacks). Each follows the platform's C ABI as
 *        uint64_t f(uint64_t r1, uint64_t r2, uint64_t r3, uint64_t r4,
 *                   uint64_t r5, struct kbpf_jit_state *js);
 *    keeps js in a callee-saved register, and has its own BPF stack of
 *    KBPF_STACK_SIZE bytes on the native stack, 16-byte aligned, with r10
 *    its top. out->insn_off[pc] is the native offset of instruction pc,
 *    so the framework finds any function's entry (bpf_loop callbacks,
 *    run->call_func).
 *
 * Semantics: exactly the interpreter's fast mode (interp_body.h with
 * INTERP_CHECKED 0), Linux 6.18's runtime rules: division by zero gives 0,
 * modulo by zero leaves the dividend, signed INT_MIN / -1 wraps and
 * INT_MIN % -1 is 0, shift amounts masked to the operand width, every
 * 32-bit ALU result zero-extended, v4 (sdiv/smod, movsx, ldsx, bswap,
 * gotol, may_goto), atomics (add/or/and/xor with and without BPF_FETCH,
 * xchg, cmpxchg in 32 and 64 bits; BPF_LOAD_ACQ, BPF_STORE_REL in every
 * size), ld_imm64 (BPF_PSEUDO_FUNC gives the callback's instruction index
 * pc + 1 + imm, as the interpreter: helpers pass it to run->call_func;
 * every other src_reg the 64-bit immediate), and register 11
 * (KBPF_JIT_REG_AX) when constant blinding wrote it.
 *
 *  - bpf-to-bpf call: if js->depth + 1 >= KBPF_MAX_CALL_FRAMES, set
 *    js->status = -KBPF_ELOOP and abort; else depth++, call the target's
 *    native function with r1-r5 and js, depth-- on return. r6-r9 and r10
 *    survive (callee-saved).
 *  - KBPF_INTERP_OP_CALL (site s): r0 = s->h->fn(js->run, r1, ..., r5);
 *    then if js->run->error != 0: js->status = run->error, abort. If the
 *    site's flags have KBPF_JIT_SITE_TAIL_CALL (only in the main function)
 *    and js->run->tail_call != NULL: js->tail_r1 = r1 as it was before the
 *    call (save it first), js->status = KBPF_JIT_TAIL_CALL, abort.
 *  - The map sites below need no check of r1: it holds s->map (the
 *    image's data flow found that map in r1 on every path from every
 *    function entry, and native code is entered only at function entries:
 *    insn 0, a bpf-to-bpf call, a callback the framework checked with
 *    is_func, a tail call's next program).
 *  - KBPF_INTERP_OP_LOOKUP_ARRAY: idx = *(u32 *)r2; r0 = idx <
 *    s->max_entries ? s->base + (idx & s->index_mask) * s->elem_size : 0
 *    (the AND may be left out when s->index_mask is UINT32_MAX; else it
 *    must come after the bound check: Spectre v1).
 *  - KBPF_INTERP_OP_LOOKUP_PERCPU: as OP_CALL (a backend may inline it:
 *    as LOOKUP_ARRAY plus s->cpu_stride * the run's CPU, which is
 *    js->run->map_cpu1 - 1 when map_cpu1 is not 0, else what
 *    kbpf_jit_this_cpu() returns; see kbpf_run_map_cpu()).
 *  - KBPF_INTERP_OP_LOOKUP_CALL: r0 = s->lookup(s->map, (void *)r2), or
 *    when s->lookup_cpu is set (per-CPU values) r0 = s->lookup_cpu(s->map,
 *    (void *)r2, the run's CPU as for LOOKUP_PERCPU) or the site's helper
 *    called as OP_CALL;
 *    KBPF_INTERP_OP_UPDATE_CALL: r0 = s->update(s->map, (void *)r2,
 *    (void *)r3, r4); KBPF_INTERP_OP_DELETE_CALL: r0 =
 *    s->delete_elem(s->map, (void *)r2); r1-r5 clobbered, no run->error
 *    check needed (the map ops do not see the run).
 *  - may_goto (BPF_JMP | BPF_JCOND): if js->may_goto == 0 jump, else
 *    js->may_goto-- and fall through.
 *  - LD_ABS/LD_IND (main function only): r0 = kbpf_jit_ld_pkt(js, off,
 *    size) with off = imm (ABS) or (s32)((u32)src + (u32)imm) (IND); if
 *    js->pkt_fail afterwards, r0 = 0 and return from the main function
 *    (a normal exit). r1-r5 are clobbered, as by a call.
 *  - exit: return r0.
 * Memory accesses are plain native loads and stores: fast mode trusts the
 * program (the verifier proved it, or the runner vouched for it).
 *
 * Checked code (kbpf_jit_in.checked; docs/design/jit.md, "Checked native
 * code", is the contract with the checked interpreter): the same layout
 * and semantics, plus what interp_body.h does with INTERP_CHECKED 1 and
 * INTERP_TAINT 0, with the same counters (js->chk_*, which point into the
 * interpreter's run state):
 *  - entry at out->entry_off: r0 and r6-r9 zero, then the main function.
 *  - every function's frame is the next KBPF_STACK_SIZE bytes of the
 *    run's frames at js->chk_stack (r10 its top): on entry
 *    (*js->chk_depth)++ and js->chk_lim += KBPF_STACK_SIZE, undone at
 *    its exit (chk_lim: the bytes of the frames in use, minus 8; a
 *    backend may keep it in a register instead, as arm64 does).
 *  - before each load, store and atomic (not probe loads): the access of
 *    n bytes at addr is allowed if it lies in the frames in use, else if
 *    kbpf_jit_chk_access() says so, else js->status = -EFAULT and abort;
 *    atomics also -EFAULT unless aligned.
 *  - budget: js->chk_seg is where the straight stretch began; at a taken
 *    backward jump, a bpf-to-bpf call and an exit at pc, c = pc + 1 -
 *    chk_seg is taken from the budget, or -ELOOP if it holds less;
 *    chk_seg becomes the jump's target, the callee's first instruction,
 *    the instruction after the call when it returns. A backend may keep
 *    the budget in a register between calls into C, as long as
 *    *js->chk_budget holds it at every such call.
 *  - bpf-to-bpf call: -ELOOP if *js->chk_depth >= KBPF_MAX_CALL_FRAMES.
 *  - may_goto counts down *js->chk_may_goto.
 *  - call sites: kbpf_jit_chk_site() with r0-r5 in memory; r1-r5 keep
 *    their values, a non-zero result is the status. A tail call site
 *    answers -EOPNOTSUPP (such programs keep the checked interpreter).
 *  - LD_ABS/LD_IND: r1-r5 keep their values (the checked interpreter's
 *    packet loads do not clobber them).
 */
#ifndef KBPF_JIT_H
#define KBPF_JIT_H

#include "core/prog.h"
#include "interp/image.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Checked native code (checked.c) is on by default on x86-64, arm64 and
 * riscv64; a build that defines KBPF_JIT_CHECKED to 0 (CMake:
 * -DKBPF_JIT_CHECKED=OFF, or -DKBPF_JIT_CHECKED=0 in CFLAGS) leaves every
 * checked run to the checked interpreter (docs/design/jit.md, "Checked
 * native code").
 */
#ifndef KBPF_JIT_CHECKED
#define KBPF_JIT_CHECKED 1
#endif

/* The extra register constant blinding uses (Linux's BPF_REG_AX). */
#define KBPF_JIT_REG_AX 11

/* kbpf_jit_state.status: the run goes on in a tail-called program. */
#define KBPF_JIT_TAIL_CALL 1

/*
 * One run of native code (on the runner's stack). Backends read and write
 * its fields at offsetof() offsets; the framework owns the rest.
 * @run: the run's context, the first argument of every helper.
 * @abort_sp: the innermost entry stub's stack pointer (see above).
 * @status: why the native code aborted: a negative errno, or
 *          KBPF_JIT_TAIL_CALL; 0 while running.
 * @depth: bpf-to-bpf frames in use below the entry (0 in the main function).
 * @may_goto: may_goto iterations left in this run.
 * @pkt_fail: set by kbpf_jit_ld_pkt() when the load is out of the packet.
 * @tail_r1: r1 at a tail call, for the next program's entry.
 */
struct kbpf_jit_state {
	struct kbpf_run *run;
	uintptr_t abort_sp;
	int64_t status;
	uint32_t depth;
	uint32_t may_goto;
	uint32_t pkt_fail;
	uint32_t pad;
	uint64_t tail_r1;
	/* Checked code only (checked.c, jit.h's "checked mode" below). */
	/*
	 * @chk_vlo, @chk_vlim: the value the last call site handed out
	 * (checked.c): an access of 1 << s bytes at addr, a store if w, is
	 * in it if addr - chk_vlo < chk_vlim[w][s] (0: none).
	 */
	uint64_t *chk_budget;
	uint32_t *chk_depth;
	uint32_t *chk_may_goto;
	uintptr_t chk_stack;
	uint64_t chk_lim;
	uint64_t chk_seg;
	uintptr_t chk_vlo;
	uint64_t chk_vlim[2][4];
};

/* kbpf_jit_in.site_flags[] */
#define KBPF_JIT_SITE_TAIL_CALL 0x1u

/*
 * What the framework hands a backend.
 * @insns, @len: the image's instructions (image.h), possibly rewritten by
 *               constant blinding (then @len grows and register 11 appears).
 * @sites, @nr_sites: the image's call sites; imm of a site opcode indexes it.
 * @site_flags: KBPF_JIT_SITE_* per site.
 * @is_func: @len booleans: instruction pc starts a BPF function (pc 0, the
 *           target of a BPF_PSEUDO_CALL or BPF_PSEUDO_FUNC).
 * @checked: emit checked code (below); a backend without it answers
 *           -EOPNOTSUPP.
 */
struct kbpf_jit_in {
	const struct bpf_insn *insns;
	uint32_t len;
	const struct kbpf_interp_site *sites;
	const uint8_t *site_flags;
	uint32_t nr_sites;
	const uint8_t *is_func;
	bool checked;
};

/*
 * What a backend emits: @buf (NULL on sizing passes; then only @len and
 * @insn_off are written) of @cap bytes. On each pass the backend reads
 * @insn_off as the previous pass left it (zeroes on the first) to choose
 * branch encodings, and writes this pass's offsets (@len + 1 entries, the
 * last one the end of the code). The framework repeats sizing passes until
 * @len and @insn_off stop changing (at most KBPF_JIT_MAX_PASSES), then
 * emits into memory of that size; a backend must emit exactly the size of
 * its last sizing pass when given the same @insn_off.
 * @abort_off: native offset of the abort path.
 * @entry_off: checked code: where the entry stub enters the program (the
 *             checked entry below).
 */
struct kbpf_jit_out {
	uint8_t *buf;
	size_t cap;
	size_t len;
	uint32_t *insn_off;
	uint32_t abort_off;
	uint32_t entry_off;
};

#define KBPF_JIT_MAX_PASSES 20

/*
 * A backend: emit @in into @out as described above. Return 0, -EOPNOTSUPP
 * for an instruction it does not compile (the program stays in the
 * interpreter), -E2BIG when the code would exceed @cap (final pass) or a
 * branch cannot be encoded. Never allocates, never sleeps.
 */
typedef int (*kbpf_jit_emit_fn)(const struct kbpf_jit_in *in,
				struct kbpf_jit_out *out);

int kbpf_jit_emit_x86_64(const struct kbpf_jit_in *in,
			 struct kbpf_jit_out *out);
int kbpf_jit_emit_arm64(const struct kbpf_jit_in *in, struct kbpf_jit_out *out);
int kbpf_jit_emit_riscv64(const struct kbpf_jit_in *in,
			  struct kbpf_jit_out *out);

/*
 * Runtime calls native code makes (src/jit/jit.c).
 * kbpf_jit_ld_pkt(): the legacy packet load of @size bytes (1, 2, 4) at
 * @off, as the interpreter's: the value (converted from network order), or
 * 0 with js->pkt_fail set when it is out of the packet.
 * kbpf_jit_this_cpu(): the CPU of the run's per-CPU map lookups
 * (kbpf_run_map_cpu(): the host's cpu_id the first time in a run).
 */
uint64_t kbpf_jit_ld_pkt(struct kbpf_jit_state *js, int64_t off, uint32_t size);
uint32_t kbpf_jit_this_cpu(struct kbpf_jit_state *js);

/*
 * Checked code's calls (checked.c): kbpf_jit_chk_access(): whether the
 * run may access @how & 0xff bytes at @addr, for a store if @how & 0x100
 * (the checked interpreter's region check); kbpf_jit_chk_site(): the call
 * site @s of opcode @code with r0-r5 at @regs (kbpf_interp_checked_site()).
 */
bool kbpf_jit_chk_access(struct kbpf_jit_state *js, uint64_t addr,
			 uint32_t how);
int kbpf_jit_chk_site(struct kbpf_jit_state *js,
		      const struct kbpf_interp_site *s, uint32_t code,
		      uint64_t *regs);

/*
 * Checked code (checked.c): kbpf_jit_wants_checked(), whether @prog has
 * checked runs native code may make (a loader with CAP_PERFMON, whose
 * checked runs have no pointer rules, and no proof that replaces the
 * checks); kbpf_jit_chk_run(), kbpf_prog.jit_chk_run.
 */
bool kbpf_jit_wants_checked(const struct kbpf_prog *prog);
int kbpf_jit_chk_run(struct kbpf_prog *prog, struct kbpf_run *run,
		     const struct kbpf_interp_chk *chk, const uint64_t *args,
		     uint64_t *ret);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_JIT_H */
