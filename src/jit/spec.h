/* SPDX-License-Identifier: MIT */
/*
 * The speculation rewrites of a program a loader without CAP_PERFMON
 * loaded (spec.c): the verifier's per-instruction findings
 * (kbpf_prog.spec, core/prog.h) written out as instructions, as Linux
 * 6.18's verifier rewrites such a program. For the JIT (jit.c) and
 * bpf_prog_info's xlated_prog_insns (src/sys/obj_info.c).
 */
#ifndef KBPF_JIT_SPEC_H
#define KBPF_JIT_SPEC_H

#include "core/prog.h"

/*
 * kbpf_jit_spec_len() - how many instructions the rewrite of the @len
 * instructions @in with @aux (one entry each) gives.
 *
 * Context: any; no allocation.
 */
uint32_t kbpf_jit_spec_len(const struct bpf_insn *in, uint32_t len,
			   const struct kbpf_spec_aux *aux);

/*
 * kbpf_jit_spec_rewrite() - write the rewrite of @in (@len instructions,
 * @aux one entry each) to @out, kbpf_jit_spec_len() instructions:
 *  - KBPF_SPEC_NOSPEC: a KBPF_NOSPEC before the instruction;
 *  - KBPF_SPEC_NOSPEC_RESULT: a KBPF_NOSPEC after it;
 *  - alu_state (a 64-bit add or sub of a register to a pointer): the
 *    offset is first reduced to 0 when it is outside [0, alu_limit]
 *    (Linux's sequence through register 11, KBPF_JIT_REG_AX, which
 *    afterwards holds the offset used), and a negative offset's sign is
 *    turned around so that the mask works on its magnitude.
 * Jumps, bpf-to-bpf calls and callback references (ld_imm64
 * BPF_PSEUDO_FUNC) are renumbered; a jump to an instruction lands on the
 * first instruction written for it. @map (@len + 1 entries) receives where
 * each instruction's rewrite starts, map[@len] the end.
 *
 * Context: any; no allocation.
 * Return: 0; -E2BIG when a jump's offset no longer fits in 16 bits;
 * -EINVAL for a jump outside @in or an instruction using register 11.
 */
int kbpf_jit_spec_rewrite(const struct bpf_insn *in, uint32_t len,
			  const struct kbpf_spec_aux *aux, struct bpf_insn *out,
			  uint32_t *map);

#endif /* KBPF_JIT_SPEC_H */
