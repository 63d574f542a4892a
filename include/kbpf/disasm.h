/* SPDX-License-Identifier: MIT */
/*
 * The disassembler: one BPF instruction as text, in the syntax of Linux's
 * verifier log ("(61) r0 = *(u32 *)(r1 +4)", "(15) if r1 == 0x5 goto pc+3",
 * "(85) call bpf_map_lookup_elem#1"), so that kbpf's output reads like what
 * BPF developers already know. The text of every instruction class is
 * checked against the kernel's log (tests/unit/prog/test_disasm_diff.c).
 */
#ifndef KBPF_DISASM_H
#define KBPF_DISASM_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "uapi/bpf.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * kbpf_disasm_insn() - the text of the instruction at @insn.
 * @insn: the instruction; for BPF_LD | BPF_IMM | BPF_DW also the next one.
 * @left: instructions available from @insn (so a truncated ld_imm64 pair is
 *        detected instead of read past the end).
 * @buf: receives the text, NUL-terminated, without a newline; truncated if
 *       @size is too small (the return value is unaffected).
 * @size: bytes at @buf (0 allowed: nothing is written).
 *
 * The opcode is printed in parentheses first, as Linux's log does. Helper
 * calls are named from Linux 6.18's helper list ("call bpf_ktime_get_ns#5";
 * unknown ids "call unknown#N"); bpf-to-bpf calls are "call pc+N"; 64-bit
 * immediates print as hex, including map fds, as the verifier log does.
 * Encodings Linux cannot print come out as Linux's "BUG_..." text or the
 * class name, never as an error.
 *
 * Context: any; never sleeps; no locks; no allocation.
 * Return: the number of instruction slots the instruction takes (2 for a
 * complete ld_imm64 pair, else 1), or -EINVAL if @left is 0 or an ld_imm64
 * has no second slot (then @buf holds "(18) <truncated ld_imm64>").
 */
KBPF_API int kbpf_disasm_insn(const struct bpf_insn *insn, uint32_t left,
			      char *buf, size_t size);

/* Linux's name of helper @id ("bpf_map_lookup_elem"), or NULL if none. */
KBPF_API const char *kbpf_helper_name(int32_t id);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_DISASM_H */
