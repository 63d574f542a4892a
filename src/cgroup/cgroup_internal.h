/* SPDX-License-Identifier: MIT */
/*
 * What src/cgroup/ offers the bpf(2) front-end: BPF_PROG_ATTACH,
 * BPF_PROG_DETACH and BPF_PROG_QUERY (cgroup.c), called by src/sys/sys.c's
 * command table after the attribute checks it makes for every command
 * (see maps/map_internal.h for @attr, @uattr and @size). Syscall path, no
 * kbpf lock held on entry; they return 0 or a negative errno as Linux's
 * commands of the same names. Attach types that are not a cgroup's
 * (sockmap, flow dissector, lirc, tcx, netkit) get Linux's attribute
 * checks, then -EOPNOTSUPP: kbpf has no such attach points.
 */
#ifndef KBPF_CGROUP_INTERNAL_H
#define KBPF_CGROUP_INTERNAL_H

struct kbpf_prog;

#include <stdbool.h>

#include "kbpf/object.h"
#include "kbpf/uapi/bpf.h"

long kbpf_sys_prog_attach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_prog_detach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_prog_query(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);

/*
 * Cgroup links, for the link commands of src/sys/ (Linux's
 * bpf_cgroup_link_lops): kbpf_cgroup_link_is() tells a cgroup link (any
 * context). kbpf_cgroup_link_create() makes one for @prog (a cgroup
 * program the caller holds a reference on) from BPF_LINK_CREATE's @attr
 * and returns its fd or Linux's errno. _detach() is BPF_LINK_DETACH (0;
 * -ENOMEM only on a host without defer_free), _update() BPF_LINK_UPDATE
 * (@expect: BPF_F_REPLACE's old program or NULL; -ENOLINK, -EPERM,
 * -EINVAL, -ENOENT as Linux), _fill_info() bpf_link_info's cgroup part.
 * Syscall path; they take the cgroup lock.
 */
bool kbpf_cgroup_link_is(const struct kbpf_obj *obj);
long kbpf_cgroup_link_create(const struct kbpf_host *h,
			     const union bpf_attr *attr,
			     struct kbpf_prog *prog);
long kbpf_cgroup_link_detach(struct kbpf_obj *obj);
long kbpf_cgroup_link_update(struct kbpf_obj *obj, struct kbpf_prog *prog,
			     struct kbpf_prog *expect);
int kbpf_cgroup_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			       struct bpf_link_info *info);

/*
 * Run the effective programs of @cgrp for attach type @t on @args, as
 * Linux's bpf_prog_run_array_cg(): each in order on the same context; a
 * program that returns 0 refuses (-EPERM) but the others still run.
 * @flags: NULL, or receives (OR) each program's return value shifted
 * right by one, whose bit 0 then decides (Linux's ret_flags, bind hooks).
 * @retval: NULL, or Linux's run_ctx.retval, which programs may read and
 * write through their context (getsockopt): it starts as the caller's and
 * a refusal makes it -EPERM unless it holds an errno already.
 * Return the first errno kbpf_interp_run() gave (that run refuses too),
 * else the retval: 0, -EPERM, or the errno it held. Program path, inside
 * the host's read-side section: no lock, no allocation.
 */
struct kbpf_interp_args;
int kbpf_cgroup_run_array(const struct kbpf_host *h, void *cgrp, uint32_t t,
			  const struct kbpf_interp_args *args, uint32_t *flags,
			  int32_t *retval);

/* Does anything run for @cgrp at @t (Linux's prog_array_is_empty())?
 * Program path, as kbpf_cgroup_run_array(). */
bool kbpf_cgroup_has_progs(const struct kbpf_host *h, void *cgrp, uint32_t t);

#endif /* KBPF_CGROUP_INTERNAL_H */
