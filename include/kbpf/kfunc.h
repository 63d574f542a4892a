/* SPDX-License-Identifier: MIT */
/*
 * Kernel functions (kfuncs): functions a BPF program calls with
 * `call` src_reg BPF_PSEUDO_KFUNC_CALL, imm the BTF id of a FUNC in the
 * host's BTF (kbpf_host.btf, Linux's vmlinux BTF), as Linux 6.18 does.
 *
 * The id comes from the host BTF; the function behind it is found by its
 * name: first in the host's own table (kbpf_host.kfuncs, below), then in
 * kbpf's (docs/design/kfunc.md lists it). The FUNC's prototype in the host
 * BTF is what kbpf's verifier checks the arguments and the result against
 * (scalars, `__k` constants, pointers to kernel structs, the context,
 * `__nullable`, `__ign`), together with the entry's flags: KBPF_KF_ACQUIRE
 * results are references the program must release, KBPF_KF_RELEASE takes
 * one back, KBPF_KF_RET_NULL results must be compared with NULL first.
 * A FUNC of the host BTF that neither table names is refused where a
 * program calls it with Linux's "calling kernel function X is not allowed".
 *
 * Calls of kfuncs need kbpf's verifier (kbpf_host.verifier not OFF, and a
 * program that passes it: FALLBACK does not load an unproven program that
 * calls a kfunc), because nothing checks their arguments at run time.
 */
#ifndef KBPF_KFUNC_H
#define KBPF_KFUNC_H

#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Linux 6.18's kfunc flags (include/linux/btf.h), same values. */
#define KBPF_KF_ACQUIRE (1u << 0) /* returns a reference */
#define KBPF_KF_RELEASE (1u << 1) /* releases its referenced argument */
#define KBPF_KF_RET_NULL (1u << 2) /* may return NULL */
#define KBPF_KF_TRUSTED_ARGS (1u << 4) /* pointer arguments must be trusted */
#define KBPF_KF_SLEEPABLE (1u << 5) /* may sleep: sleepable programs only */
#define KBPF_KF_DESTRUCTIVE (1u << 6) /* needs CAP_SYS_BOOT */
#define KBPF_KF_RCU (1u << 7) /* pointer arguments trusted or RCU */

struct kbpf_run; /* the calling program's run: opaque to the host */

/*
 * A kfunc's implementation: the BPF arguments r1-r5 (unused ones are
 * garbage), the result in r0. Same convention as kbpf's helpers.
 */
typedef uint64_t (*kbpf_kfunc_fn)(struct kbpf_run *run, uint64_t r1,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5);

/**
 * struct kbpf_kfunc - one kfunc a host (or kbpf) provides.
 * @name: the FUNC's name in the host BTF (its prototype comes from there;
 *        a name the host BTF lacks is never called).
 * @fn: the implementation. It runs on the program path: any CPU, possibly
 *      with interrupts off, must not sleep unless @flags has
 *      KBPF_KF_SLEEPABLE; its arguments are what the verifier proved of the
 *      prototype (a trusted argument points to a live object of its type;
 *      a KBPF_KF_RELEASE argument is a reference an ACQUIRE call returned).
 * @flags: KBPF_KF_*.
 * @prog_types: bit (1ULL << prog_type) for each program type that may call
 *              it (Linux's per-type kfunc sets); 0: every type.
 */
struct kbpf_kfunc {
	const char *name;
	kbpf_kfunc_fn fn;
	uint32_t flags;
	uint64_t prog_types;
};

#ifdef __cplusplus
}
#endif

#endif /* KBPF_KFUNC_H */
