/* SPDX-License-Identifier: MIT */
/*
 * What src/tp/ offers the bpf(2) front-end: the raw tracepoint and link
 * commands (raw_tp.c), called by src/sys/sys.c's command table (see
 * maps/map_internal.h for @attr, @uattr and @size). They run on the
 * syscall path (they copy from and to user memory and may sleep in the
 * host's callbacks), with no kbpf lock held on entry, and return an fd, 0
 * or a negative errno as Linux's commands of the same names.
 */
#ifndef KBPF_TP_INTERNAL_H
#define KBPF_TP_INTERNAL_H

#include "kbpf/object.h"
#include "kbpf/uapi/bpf.h"

long kbpf_sys_raw_tracepoint_open(const struct kbpf_host *h,
				  union bpf_attr *attr, void *uattr,
				  unsigned int size);
long kbpf_sys_link_create(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_link_detach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_link_update(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
/*
 * The link part of bpf_link_info for the link @obj; @info holds the user's
 * copy (tp_name buffer and length), the name is copied to user memory.
 * Return 0, -EINVAL, -ENOSPC (name cut) or -EFAULT, as Linux. Syscall
 * path; the caller holds a reference on @obj.
 */
int kbpf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			struct bpf_link_info *info);

/*
 * BPF_TASK_FD_QUERY of a link: a raw tracepoint link gives its program's
 * id and the tracepoint's name in @prog_id and @name (valid while the
 * caller holds @obj) and 0; any other link -ENOTSUPP, as Linux.
 */
int kbpf_link_task_query(struct kbpf_obj *obj, uint32_t *prog_id,
			 const char **name);

#endif /* KBPF_TP_INTERNAL_H */
