/* SPDX-License-Identifier: MIT */
/*
 * The helper table. kbpf_default_helpers is indexed by Linux's
 * enum bpf_func_id; an entry with fn == NULL is a helper kbpf does not
 * implement. A host that wants its own helpers (its get_current_task, or
 * a replacement of any entry) copies the table, changes entries, and passes
 * its table in struct kbpf_prog_load_opts.
 */
#ifndef KBPF_HELPERS_H
#define KBPF_HELPERS_H

#include "core/prog.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default table: KBPF_HELPER_COUNT entries. */
extern const struct kbpf_helper kbpf_default_helpers[KBPF_HELPER_COUNT];

/**
 * kbpf_helper_find() - the entry @prog uses for helper @id.
 * Return: the entry, or NULL if the program's table has no helper @id.
 * Context: any.
 */
const struct kbpf_helper *kbpf_helper_find(const struct kbpf_prog *prog,
					   uint32_t id);

/**
 * kbpf_helper_prog_ok() - may @prog call helper @id, whose entry is @fn?
 * Linux's get_func_proto() giving a prototype, less the privilege check
 * (kbpf_helper.priv, the caller's): @fn's program-type mask admits @prog's
 * type, and, for the helpers Linux offers only some attach types,
 * @prog's expected attach type is one of them (bpf_get_func_arg,
 * bpf_get_func_ret, bpf_get_func_arg_cnt: fentry, fexit and fmod_ret
 * only; bpf_get_retval, bpf_set_retval (@id): no hook whose return value
 * nothing reads, which in Linux 6.18 are cgroup skb, sock_ops, recvmsg,
 * getpeername and getsockname).
 * @prog: the program being loaded (its type and expected attach type).
 * @id: the helper's number (enum bpf_func_id), the call's imm.
 * @fn: kbpf_helper_find(@prog, @id); not NULL.
 * Return: true if it may; false if not (the structural check and the
 * verifier then log Linux's "program of this type cannot use helper" line
 * and refuse the load with -EINVAL).
 * Context: any; no locks, no allocation.
 */
bool kbpf_helper_prog_ok(const struct kbpf_prog *prog, uint32_t id,
			 const struct kbpf_helper *fn);

struct kbpf_vlog;

/**
 * kbpf_helper_call_check() - the checks Linux's verifier makes on a call
 * of @fn by @prog after its arguments (check_get_func_ip()).
 * Return: 0; -ENOTSUPP with Linux's line in @log.
 * Context: syscall path (program load).
 */
int kbpf_helper_call_check(const struct kbpf_helper *fn,
			   const struct kbpf_prog *prog, struct kbpf_vlog *log);

/**
 * kbpf_log_no_helper() - write to @log the line Linux 6.18's verifier
 * writes for a call of helper @id that the program's table lacks: "program
 * of this type cannot use helper bpf_<name>#<id>" for an id Linux knows
 * (below KBPF_HELPER_COUNT: Linux has no proto for it here, which is what
 * a helper kbpf or the host does not provide is), "invalid func
 * unknown#<id>" for any other.
 * Context: syscall path (program load).
 */
void kbpf_log_no_helper(struct kbpf_vlog *log, int32_t id);

/**
 * kbpf_kfunc_find() - the kfunc named @name (a FUNC of the host BTF): the
 * host's entry (kbpf_host.kfuncs) if it has one, else kbpf's own
 * (src/helpers/kfunc.c).
 * Return: the entry, or NULL if neither has one.
 * Context: syscall path (program load); no locks.
 */
const struct kbpf_kfunc *kbpf_kfunc_find(const struct kbpf_host *h,
					 const char *name);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_HELPERS_H */
