/* SPDX-License-Identifier: MIT */
/* Constant blinding for the JIT (blind.c); jit.c only. */
#ifndef KBPF_JIT_BLIND_H
#define KBPF_JIT_BLIND_H

#include "core/prog.h"

/*
 * kbpf_jit_blind() - @len instructions @in rewritten so that no immediate
 * a program chose reaches the native code (Linux's
 * bpf_jit_blind_constants()): each ALU/ALU32 operation with an immediate
 * (shifts excepted), each conditional jump against one, each store of one
 * and each ld_imm64 but a callback's gets the value through register 11
 * (KBPF_JIT_REG_AX) as (v ^ r) ^ r with a fresh r from @h->random_u32;
 * jumps, calls and callback references are renumbered. Writes at most
 * 4 * @len instructions to @out and their number to *@out_len.
 * Instructions that already use register 11 (the speculation rewrite's,
 * spec.h) are left as they are, as Linux leaves them.
 * Return: 0; -E2BIG when a jump no longer fits its 16-bit offset;
 * -EINVAL for a jump outside @in.
 */
int kbpf_jit_blind(const struct kbpf_host *h, const struct bpf_insn *in,
		   uint32_t len, struct bpf_insn *out, uint32_t *out_len,
		   uint32_t *map);

#endif /* KBPF_JIT_BLIND_H */
