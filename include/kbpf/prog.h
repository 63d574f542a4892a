/* SPDX-License-Identifier: MIT */
/*
 * BPF programs as a host sees them: an opaque struct kbpf_prog, which the
 * loader (include/kbpf/loader.h) hands out and the attach points take
 * (raw tracepoints, probe events, packet runs), and which program types
 * kbpf loads. Programs are loaded through kbpf_sys_bpf(BPF_PROG_LOAD) or the
 * loader; the program object, the run context and the helper table are
 * private (src/core/prog.h).
 */
#ifndef KBPF_PROG_H
#define KBPF_PROG_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "object.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kbpf_prog;

/**
 * kbpf_prog_type_supported() - does kbpf load programs of @type (enum
 * bpf_prog_type)? kbpf_prog_load() refuses the others with -EINVAL before
 * reading anything; loaders use this to say why.
 * Context: any; no locks, no allocation.
 */
KBPF_API bool kbpf_prog_type_supported(uint32_t type);

/**
 * kbpf_prog_obj() - the object of @prog, to install in an fd table or to
 * take and drop references with kbpf_obj_get()/kbpf_obj_put().
 *
 * Context: any.
 */
KBPF_API struct kbpf_obj *kbpf_prog_obj(struct kbpf_prog *prog);

/**
 * kbpf_prog_from_obj() - the program @obj is, or NULL if @obj is not a
 * program: how a host turns a user's program fd (kbpf_host.fd_get) into
 * the program its own hooks run. Takes no reference: the caller keeps the
 * one it holds on @obj for as long as it uses the program.
 *
 * Context: any; no locks, no allocation.
 */
KBPF_API struct kbpf_prog *kbpf_prog_from_obj(struct kbpf_obj *obj);

#ifdef __cplusplus
}
#endif

#endif /* KBPF_PROG_H */
