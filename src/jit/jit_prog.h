/* SPDX-License-Identifier: MIT */
/*
 * The JIT as the rest of kbpf sees it (src/prog/ compiles at load and
 * frees, src/sys/ reports bpf_prog_info's jited fields, tools and tests
 * read the code): a program's native code and the calls that make and
 * drop it. The backends' contract is jit.h.
 */
#ifndef KBPF_JIT_PROG_H
#define KBPF_JIT_PROG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/prog.h"

#ifdef __cplusplus
extern "C" {
#endif

/*
 * kbpf_prog.jit: one allocation of @meta_size bytes holding this struct
 * and its arrays, plus the sealed code from kbpf_host.jit_alloc.
 * @code, @code_size: the native code and the size asked of jit_alloc
 *        (the code's length: jited_prog_len).
 * @nr_insns: instructions compiled (more than the program's when
 *        constant blinding rewrote it).
 * @insn_off: @nr_insns + 1 native offsets (jit.h).
 * @is_func: @nr_insns flags: instruction pc starts a function.
 * @nr_funcs, @func_pc: the functions' first instructions, in order (main
 *        first); function i's code runs from insn_off[func_pc[i]] to the
 *        next function's start (or the end).
 * @blinded: constant blinding rewrote the instructions.
 * @jit_free: the host's jit_free when the code was made (a host may take
 *        its callbacks away for later loads: kbpf_posix_set_jit()).
 */
struct kbpf_jit_image {
	size_t meta_size;
	uint8_t *code;
	size_t code_size;
	uint32_t abort_off;
	uint32_t entry_off;
	uint32_t nr_insns;
	uint32_t *insn_off;
	uint8_t *is_func;
	uint32_t nr_funcs;
	uint32_t *func_pc;
	bool blinded;
	void (*jit_free)(const struct kbpf_host *h, void *p, size_t size);
};

/**
 * kbpf_jit_available() - whether this build has a backend for the
 * architecture it was compiled for (x86-64).
 */
bool kbpf_jit_available(void);

/**
 * kbpf_jit_compile() - give @prog native code (kbpf_prog.jit/jit_run) if
 * its host has executable memory (kbpf_host.jit_alloc), the build has a
 * backend, and the program qualifies (jit.h: its interpreter image
 * exists, every call resolved, tail calls and legacy packet loads only
 * where the native code can make them, no callx); constant blinding per
 * kbpf_host.jit_harden and the loader's privileges (the caller's task).
 * Anything the JIT cannot do leaves the program in the interpreter,
 * silently, as Linux falls back to its interpreter.
 * @prog: a program after kbpf_interp_prepare(), not yet published.
 *
 * Context: syscall path (program load); may sleep.
 * Return: 0 (compiled or not); -ENOMEM when kbpf's own memory for it
 * (kbpf_host.alloc) runs out.
 */
int kbpf_jit_compile(struct kbpf_prog *prog);

/**
 * kbpf_jit_release() - free @prog's native code, if any.
 *
 * Context: when the program is freed (no run can be executing it).
 */
void kbpf_jit_release(struct kbpf_prog *prog);

/* @prog's native code, or NULL. */
static inline const struct kbpf_jit_image *
kbpf_jit_image(const struct kbpf_prog *prog)
{
	return (const struct kbpf_jit_image *)prog->jit;
}

/* @prog's checked native code (checked.c), or NULL. */
static inline const struct kbpf_jit_image *
kbpf_jit_chk_image(const struct kbpf_prog *prog)
{
	return (const struct kbpf_jit_image *)prog->jit_chk;
}

/* Native bytes of function @i of @img. */
static inline uint32_t kbpf_jit_func_len(const struct kbpf_jit_image *img,
					 uint32_t i)
{
	uint32_t end = i + 1 < img->nr_funcs ?
			       img->insn_off[img->func_pc[i + 1]] :
			       img->insn_off[img->nr_insns];

	return end - img->insn_off[img->func_pc[i]];
}

#ifdef __cplusplus
}
#endif

#endif /* KBPF_JIT_PROG_H */
