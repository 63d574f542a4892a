/* SPDX-License-Identifier: MIT */
/* Shared by the program loader's files; not public. */
#ifndef KBPF_PROG_INTERNAL_H
#define KBPF_PROG_INTERNAL_H

#include "core/alloc.h"
#include "helpers/helpers.h"
#include "core/map.h"
#include "core/prog.h"
#include "core/vlog.h"
#include "net/net_internal.h"
#include "verifier/verifier.h"

void kbpf_sha256(const void *data, size_t len, uint8_t out[32]);

/*
 * The preprocessor and structural check over @prog->insns (len
 * instructions): resolve ld_imm64 map references (taking references into
 * @prog->maps), then check every instruction. Writes Linux's log lines.
 */
int kbpf_prog_check(struct kbpf_prog *prog, const struct kbpf_host *h,
		    const union bpf_attr *attr,
		    const struct kbpf_prog_load_opts *opts,
		    struct kbpf_vlog *log);

/*
 * Kfunc calls (kfunc.c): Linux's add_kfunc_call() for the call @insn (a
 * BPF_PSEUDO_KFUNC_CALL) of @prog: GPL, offset and host BTF checks, then
 * the callee's descriptor in @prog->kfuncs (once per distinct id). 0 or
 * -errno with Linux's log line (-EINVAL, -EPROTO, -ENOTSUPP, -E2BIG,
 * -ENOMEM). _free releases @prog->kfuncs.
 */
int kbpf_prog_kfunc_add(struct kbpf_prog *prog, const struct kbpf_host *h,
			const union bpf_attr *attr, const struct bpf_insn *insn,
			struct kbpf_vlog *log);
void kbpf_prog_kfunc_free(struct kbpf_prog *prog);

/*
 * Tracing programs (attach_btf.c): check attr->attach_btf_id against the
 * host's BTF as Linux does for tp_btf programs, and fill @prog's attach
 * name and argument count. Writes Linux's log lines. The host BTF is the
 * host's shared parsed view (kbpf_host_btf_get()). Returns 0; -EINVAL
 * for a bad attach type or target, or no valid host BTF; -E2BIG for too
 * many arguments; -ENOMEM if the host BTF's first parse cannot allocate.
 */
int kbpf_prog_attach_btf(struct kbpf_prog *prog, const struct kbpf_host *h,
			 const union bpf_attr *attr, struct kbpf_vlog *log);

/*
 * A program's BTF (btf_info.c): prog_btf_fd with func_info and line_info.
 * _early: Linux's checks before the subprogram layout is known (the BTF
 * fd: -EBADF, -EINVAL; func_info record size, order and FUNC type ids:
 * -EINVAL with Linux's log line; nonzero record tails: -E2BIG, with the
 * expected record size left in @attr's func_info_rec_size or
 * line_info_rec_size for the caller to write back; -EFAULT;
 * -ENOMEM); _late, after the structural check: func_info against the
 * subprograms, then line_info. Both return 0 when the program has
 * neither. _free drops what they kept (NULL-safe).
 */
int kbpf_prog_btf_info_early(struct kbpf_prog *prog, const struct kbpf_host *h,
			     union bpf_attr *attr, struct kbpf_vlog *log);
int kbpf_prog_btf_info_late(struct kbpf_prog *prog, const struct kbpf_host *h,
			    union bpf_attr *attr, struct kbpf_vlog *log);
void kbpf_prog_btf_info_free(struct kbpf_prog *prog);

/*
 * The program commands of bpf(2), called by src/sys/sys.c's command table
 * (see maps/map_internal.h for @attr, @uattr and @size).
 */
long kbpf_sys_prog_load(const struct kbpf_host *h, union bpf_attr *attr,
			void *uattr, unsigned int size);
long kbpf_sys_prog_test_run(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size);
/*
 * Fill @info (a kernel buffer, zeroed first) with the fixed fields of
 * BPF_OBJ_GET_INFO_BY_FD's bpf_prog_info for @prog, on which the caller
 * holds a reference (the caller copies arrays to user buffers). Returns 0.
 * Any context; takes no lock.
 */
/* BPF_PROG_STREAM_READ_BY_FD: kbpf's streams are empty; 0, -EBADF, -EINVAL, -ENOENT. */
long kbpf_sys_prog_stream_read(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
int kbpf_prog_get_info(struct kbpf_prog *prog, struct bpf_prog_info *info);

#endif /* KBPF_PROG_INTERNAL_H */
