/* SPDX-License-Identifier: MIT */
/*
 * The verifier (issue #13, v0): a path-sensitive abstract interpreter that
 * proves a program safe the way Linux 6.18's verifier does, or refuses it
 * with Linux's log line. It runs after the structural check
 * (src/prog/check.c), which has already refused malformed instructions,
 * bad jumps, unknown helpers and invalid context offsets of packet
 * programs, and resolved map references.
 *
 * What v0 tracks (docs/design/verifier.md): scalars (verifier/domain.h),
 * context, stack (per frame, 512 bytes, slot states), map pointers, map
 * values and keys, packets with their checked ranges, ring buffer records
 * as references, bpf-to-bpf calls and callbacks; state pruning by
 * subsumption at jump targets, with register liveness.
 */
#ifndef KBPF_VERIFIER_VERIFIER_H
#define KBPF_VERIFIER_VERIFIER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/prog.h"
#include "core/vlog.h"

/*
 * Linux's BPF_COMPLEXITY_LIMIT_INSNS. A build setting only so that fuzz
 * builds (fuzz/CMakeLists.txt) can lower it: under ASan, UBSan and
 * coverage at -O0 a loop that runs to the full limit takes minutes.
 */
#ifndef KBPF_VERIFIER_INSN_LIMIT
#define KBPF_VERIFIER_INSN_LIMIT 1000000u
#endif

/**
 * kbpf_verify() - prove @prog safe, as Linux's verifier would for a loader
 * with @prog->priv.
 * @prog: a program that passed kbpf_prog_check(): prog->insns relocated
 *        (ld_imm64 of maps hold map pointers), prog->orig_insns as loaded
 *        (context offsets before the context-access rewrite).
 * @h: host table (memory for states).
 * @log: the load's verifier log: Linux's error line on refusal, and
 *       "processed N insns (limit 1000000) ..." in every case (as Linux).
 * @processed: receives the number of instructions processed (Linux's
 *             verified_insns), also on refusal.
 * @no_btf_ok: callbacks (ld_imm64 of BPF_PSEUDO_FUNC) are accepted
 *             without BTF func_info. Linux refuses them ("missing btf
 *             func_info"), as kbpf does for a bpf(2) load; an in-kernel
 *             loader (kbpf's ELF loader, which drops func_info) sets it.
 *
 * Context: syscall path; may sleep (allocates). Uses no lock: @prog is not
 * visible to anyone else yet.
 * Return: 0 if proven; -EACCES or -EINVAL (Linux's errno for the refusal)
 * with the reason in @log; -E2BIG past KBPF_VERIFIER_INSN_LIMIT processed
 * instructions ("BPF program is too large"); -ENOMEM.
 */
int kbpf_verify(struct kbpf_prog *prog, const struct kbpf_host *h,
		struct kbpf_vlog *log, uint32_t *processed, bool no_btf_ok);

#endif /* KBPF_VERIFIER_VERIFIER_H */
