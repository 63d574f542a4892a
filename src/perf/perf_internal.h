/* SPDX-License-Identifier: MIT */
/*
 * What src/perf/ offers the modules above it beyond include/kbpf/perf.h:
 * perf links (perf_event.c), for the link commands of src/tp/raw_tp.c.
 */
#ifndef KBPF_PERF_INTERNAL_H
#define KBPF_PERF_INTERNAL_H

#include <stdbool.h>

#include "kbpf/object.h"
#include "kbpf/uapi/bpf.h"

/*
 * Is @obj a perf link (made by kbpf_perf_link_attach())? Any context; reads
 * only @obj's type and release function.
 */
bool kbpf_perf_link_is(const struct kbpf_obj *obj);
/*
 * The perf-link part of bpf_link_info for the perf link @obj, as
 * kbpf_link_fill_info() (tp/tp_internal.h) does for raw tracepoint links:
 * @info holds the user's copy, names go to user memory. Return 0 or a
 * negative errno as Linux (-EINVAL, -ENOSPC, -EFAULT). Syscall path.
 */
int kbpf_perf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			     struct bpf_link_info *info);

#endif /* KBPF_PERF_INTERNAL_H */
