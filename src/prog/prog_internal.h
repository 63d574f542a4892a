/* SPDX-License-Identifier: MIT */
/* Shared by the program loader's files; not public. */
#ifndef KBPF_PROG_INTERNAL_H
#define KBPF_PROG_INTERNAL_H

#include "core/alloc.h"
#include "kbpf/helpers.h"
#include "kbpf/map.h"
#include "kbpf/prog.h"
#include "vlog.h"

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

#endif /* KBPF_PROG_INTERNAL_H */
