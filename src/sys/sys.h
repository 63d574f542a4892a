/* SPDX-License-Identifier: MIT */
/*
 * The command table of kbpf_sys_bpf(): one handler per enum bpf_cmd, each in
 * the subsystem that owns the command. The front-end (sys.c) has already
 * applied the attribute rules when a handler runs: @attr is a zero-extended
 * kernel copy whose bytes past the command's last field are zero.
 */
#ifndef KBPF_SRC_SYS_H
#define KBPF_SRC_SYS_H

#include "btf/btf.h"
#include "cgroup/cgroup_internal.h"
#include "core/object.h"
#include "kbpf/sys.h"
#include "kbpf/uapi/bpf.h"
#include "maps/map_internal.h"
#include "prog/prog_internal.h"
#include "tp/tp_internal.h"

/*
 * A command handler. @uattr is the user's attr (for write-back through the
 * host's copy_to_user), @size the size the user passed (write-back must not
 * go past it, as Linux's does not).
 */
typedef long (*kbpf_sys_cmd_fn)(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size);

/*
 * The handlers are declared by the modules that implement them, each in its
 * own header (maps: maps/map_internal.h, programs: prog/prog_internal.h,
 * raw tracepoints and links: tp/tp_internal.h); sys/ sits above them all
 * (docs/ARCHITECTURE.md) and no lower module includes this header.
 */

/*
 * BPF_LINK_CREATE, BPF_LINK_DETACH and BPF_LINK_UPDATE (src/sys/link_cmds.c):
 * cgroup links to src/cgroup/, the others to src/tp/'s handlers.
 */
long kbpf_sys_link_create_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_link_detach_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_link_update_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);

/* BPF_OBJ_GET_INFO_BY_FD (src/sys/obj_info.c). */
long kbpf_sys_obj_get_info_by_fd(const struct kbpf_host *h,
				 union bpf_attr *attr, void *uattr,
				 unsigned int size);

/*
 * The id commands (src/sys/ids.c): BPF_*_GET_NEXT_ID and BPF_*_GET_FD_BY_ID
 * for maps, programs, links and BTF objects, over kbpf's id registry.
 */
long kbpf_sys_map_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_prog_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_link_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_btf_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_prog_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size);
long kbpf_sys_link_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size);
long kbpf_sys_btf_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);

/*
 * BPF_PROG_BIND_MAP (the map joins the program's used maps, once) and
 * BPF_ENABLE_STATS (an fd that keeps run statistics on), src/sys/prog_cmds.c.
 */
long kbpf_sys_prog_bind_map(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size);
long kbpf_sys_enable_stats(const struct kbpf_host *h, union bpf_attr *attr,
			   void *uattr, unsigned int size);

/*
 * BPF_OBJ_PIN and BPF_OBJ_GET through kbpf_host.pin/get_pinned
 * (src/sys/pin.c).
 */
long kbpf_sys_obj_pin(const struct kbpf_host *h, union bpf_attr *attr,
		      void *uattr, unsigned int size);
long kbpf_sys_obj_get(const struct kbpf_host *h, union bpf_attr *attr,
		      void *uattr, unsigned int size);

/* BPF_TASK_FD_QUERY (src/sys/task_fd.c). */
long kbpf_sys_task_fd_query(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size);

/*
 * Write @len bytes at byte @off of the user's attr, if the user's attr is
 * large enough to hold them (Linux writes back only into what the user
 * passed). Return 0 or -EFAULT.
 */
int kbpf_sys_attr_write(const struct kbpf_host *h, void *uattr,
			unsigned int size, size_t off, const void *src,
			size_t len);

#endif /* KBPF_SRC_SYS_H */
