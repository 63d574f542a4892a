// SPDX-License-Identifier: MIT
/*
 * The speculation rewrites of a proved program (Linux 6.18's
 * convert_ctx_accesses() nospec/nospec_result barriers and do_misc_fixups()
 * pointer-arithmetic masking, in behaviour; docs/design/verifier.md
 * "Speculation rewrites"). The walk (verifier.c) finds where they go: the
 * masking of each add or sub of a register to a stack or map value
 * pointer (alu_state, alu_limit), the instructions a speculative path
 * failed at (VI_NOSPEC) and the stack stores a speculative path stops
 * after (VI_NOSPEC_RESULT). Here they are kept with the program, one
 * struct kbpf_spec_aux per instruction, for the JIT and bpf_prog_info
 * (src/jit/spec.h writes the instructions).
 *
 * Called from syscall (kbpf_verify(), after a proof); allocates; no locks.
 */
#include "verifier_internal.h"

#include "core/alloc.h"

/* The alu_state bits of verifier.c are Linux's, and core/prog.h's. */
#define SPEC_NON_POINTER 0x08u

static bool spec_is_store(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);

	return (cls == BPF_ST || cls == BPF_STX) &&
	       BPF_MODE(insn->code) == BPF_MEM;
}

static bool spec_is_ptr_alu(const struct bpf_insn *insn)
{
	return insn->code == (BPF_ALU64 | BPF_ADD | BPF_X) ||
	       insn->code == (BPF_ALU64 | BPF_SUB | BPF_X);
}

/* What instruction @i needs; false if nothing. */
static bool spec_aux_of(const struct venv *env, uint32_t i,
			struct kbpf_spec_aux *a)
{
	const struct bpf_insn *insn = &env->prog->insns[i];
	uint8_t state = env->alu_state[i];

	a->alu_state = 0;
	a->alu_limit = 0;
	a->flags = 0;
	if (state && state != SPEC_NON_POINTER && spec_is_ptr_alu(insn)) {
		a->alu_state = state;
		a->alu_limit = env->alu_limit[i];
	}
	if (env->flags[i] & VI_NOSPEC)
		a->flags |= KBPF_SPEC_NOSPEC;
	/* Linux places it after plain stores only (its BPF_WRITE). */
	if ((env->flags[i] & VI_NOSPEC_RESULT) && spec_is_store(insn))
		a->flags |= KBPF_SPEC_NOSPEC_RESULT;
	return a->alu_state || a->flags;
}

int kbpf_v_spec_record(struct venv *env)
{
	struct kbpf_prog *prog = env->prog;
	struct kbpf_spec_aux a;
	uint32_t i;

	if (env->allow_ptr_leaks)
		return 0;
	for (i = 0; i < env->len; i++)
		if (spec_aux_of(env, i, &a))
			break;
	if (i < env->len) {
		prog->spec =
			kbpf_zalloc(env->h, env->len * sizeof(*prog->spec), 0);
		if (!prog->spec)
			return -KBPF_ENOMEM;
		for (; i < env->len; i++)
			if (spec_aux_of(env, i, &a))
				prog->spec[i] = a;
	}
	prog->spec_done = true;
	return 0;
}
