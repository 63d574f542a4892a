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

#include "kbpf/object.h"
#include "kbpf/uapi/bpf.h"

long kbpf_sys_prog_attach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_prog_detach(const struct kbpf_host *h, union bpf_attr *attr,
			  void *uattr, unsigned int size);
long kbpf_sys_prog_query(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);

#endif /* KBPF_CGROUP_INTERNAL_H */
