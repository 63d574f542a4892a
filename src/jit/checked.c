// SPDX-License-Identifier: MIT
/*
 * Checked native code: the runs the interpreter would make in checked mode
 * (a program its verifier could not prove, or one loaded without the
 * verifier and run by a checked runner such as BPF_PROG_TEST_RUN), made by
 * native code that keeps checked mode's guarantees (docs/design/jit.md,
 * "Checked native code"; jit.h is the backends' rule).
 *
 * The interpreter sets the run up exactly as for its checked loop (the
 * context's and packet's regions, the program's maps, the budget, the
 * zeroed stack frames) and calls kbpf_jit_chk_run() instead of the loop;
 * the native code charges the same budget at the same places, confines
 * every access with the same region check (an inline test for the stack
 * frames in use, kbpf_jit_chk_access() for the rest), and makes each call
 * through the checked interpreter's own call path
 * (kbpf_interp_checked_site()). Callbacks run in the checked interpreter
 * (run->call_func stays the interpreter's), which shares the counters.
 *
 * No locks: a run touches only its own state.
 */
#include "core/priv.h"
#include "core/util.h"
#include "jit.h"
#include "jit_prog.h"

#define KBPF_JIT_CHK_BUDGET_MAX ((uint64_t)1 << 62)

typedef uint64_t (*chk_stub_fn)(const uint64_t *args, struct kbpf_jit_state *js,
				const void *fn);

bool kbpf_jit_wants_checked(const struct kbpf_prog *prog)
{
	/*
	 * A loader without CAP_PERFMON gets the pointer rules in its checked
	 * runs (interp_taint.h), which native code does not track; a proof
	 * for a loader with it makes every run fast (kbpf_prog.jit).
	 */
#if !(defined(__x86_64__) || defined(__aarch64__) || \
      (defined(__riscv) && __riscv_xlen == 64)) ||   \
	!KBPF_JIT_CHECKED
	/* x86-64, arm64 and riscv64 emit checked code; a build may turn it off */
	(void)prog;
	return false;
#else
	if (!(prog->priv & KBPF_PRIV_PERFMON))
		return false;
	return prog->checked_only || !prog->verified;
#endif
}

bool kbpf_jit_chk_access(struct kbpf_jit_state *js, uint64_t addr, uint32_t how)
{
	return kbpf_run_access_ok(js->run, (const void *)(uintptr_t)addr,
				  how & 0xff, (how & 0x100) != 0);
}

/*
 * A call site. The map value a lookup hands out is remembered for the
 * accesses up to the next call site (the only place where the run's
 * regions can change: helpers, callbacks), which then need no region
 * check: the checked interpreter would allow every access inside it.
 */
int kbpf_jit_chk_site(struct kbpf_jit_state *js,
		      const struct kbpf_interp_site *s, uint32_t code,
		      uint64_t *regs)
{
	struct kbpf_interp_value val;
	uint64_t lim[4];
	int err, k;

	err = kbpf_interp_checked_site(js->run, s, (uint8_t)code, regs, &val);
	/* lim[k]: accesses of 1 << k bytes at val.start + [0, lim[k]) */
	for (k = 0; k < 4; k++)
		lim[k] = !err && val.size >= (1u << k) ?
				 (uint64_t)val.size - (1u << k) + 1 :
				 0;
	js->chk_vlo = val.start;
	for (k = 0; k < 4; k++) {
		js->chk_vlim[0][k] = val.read ? lim[k] : 0;
		js->chk_vlim[1][k] = val.write ? lim[k] : 0;
	}
	return err;
}

int kbpf_jit_chk_run(struct kbpf_prog *prog, struct kbpf_run *run,
		     const struct kbpf_interp_chk *chk, const uint64_t *args,
		     uint64_t *ret)
{
	const struct kbpf_jit_image *img = kbpf_jit_chk_image(prog);
	struct kbpf_jit_state js = {
		.run = run,
		.chk_budget = chk->budget,
		.chk_depth = chk->depth,
		.chk_may_goto = chk->may_goto,
		.chk_stack = (uintptr_t)chk->stack,
	};
	chk_stub_fn stub = (chk_stub_fn)(uintptr_t)img->code;
	uint64_t r0;

	/*
	 * Native code may keep budget + seg in a register: a budget past
	 * 2^62 (which no run spends) is 2^62, so that the sum cannot wrap.
	 */
	if (*chk->budget > KBPF_JIT_CHK_BUDGET_MAX)
		*chk->budget = KBPF_JIT_CHK_BUDGET_MAX;
	js.chk_lim = (uint64_t)0 - 8; /* no frame in use yet */

	/* The main function's stretch begins at its first instruction. */
	r0 = stub(args, &js, img->code + img->entry_off);
	if (js.status)
		return (int)js.status;
	*ret = r0;
	return 0;
}
