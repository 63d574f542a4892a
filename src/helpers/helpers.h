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
 * kbpf_helper_attach_ok() - may a program of @prog's expected attach type
 * call helper @id? The table's program-type mask says which types may;
 * this says which of their attach types (Linux 6.18 offers
 * bpf_get_retval/bpf_set_retval to no hook whose return value is not
 * used: cgroup skb, sock_ops, recvmsg, getpeername, getsockname).
 *
 * Context: any. Return: true for every other helper.
 */
bool kbpf_helper_attach_ok(const struct kbpf_prog *prog, uint32_t id);

/**
 * kbpf_helper_find() - the entry @prog uses for helper @id.
 * Return: the entry, or NULL if the program's table has no helper @id.
 * Context: any.
 */
const struct kbpf_helper *kbpf_helper_find(const struct kbpf_prog *prog,
					   uint32_t id);

/**
 * kbpf_helper_prog_ok() - whether @prog's type (and, for the helpers Linux
 * gives only some attach types, its expected attach type) may call @fn:
 * Linux's get_func_proto() giving a prototype. Context: any.
 */
bool kbpf_helper_prog_ok(const struct kbpf_helper *fn,
			 const struct kbpf_prog *prog);

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
