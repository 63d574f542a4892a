/* SPDX-License-Identifier: MIT */
/*
 * The command table of kbpf_sys_bpf(): one handler per enum bpf_cmd, each in
 * the subsystem that owns the command. The front-end (sys.c) has already
 * applied the attribute rules when a handler runs: @attr is a zero-extended
 * kernel copy whose bytes past the command's last field are zero.
 */
#ifndef KBPF_SRC_SYS_H
#define KBPF_SRC_SYS_H

#include "kbpf/map.h"
#include "kbpf/prog.h"
#include "kbpf/object.h"
#include "kbpf/sys.h"
#include "kbpf/uapi/bpf.h"

/*
 * A command handler. @uattr is the user's attr (for write-back through the
 * host's copy_to_user), @size the size the user passed (write-back must not
 * go past it, as Linux's does not).
 */
typedef long (*kbpf_sys_cmd_fn)(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size);

/*
 * Handlers, declared here by the subsystems that implement them, one block
 * per subsystem (maps: src/maps/map_sys.c, programs: src/prog/, ...).
 */

/* Map commands (src/maps/map_sys.c). */
long kbpf_sys_map_create(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);
long kbpf_sys_map_lookup_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_update_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_delete_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_get_next_key(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_lookup_and_delete_elem(const struct kbpf_host *h,
					 union bpf_attr *attr, void *uattr,
					 unsigned int size);
long kbpf_sys_map_lookup_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_lookup_and_delete_batch(const struct kbpf_host *h,
					  union bpf_attr *attr, void *uattr,
					  unsigned int size);
long kbpf_sys_map_update_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_delete_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_freeze(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);
int kbpf_map_get_info(struct kbpf_map *map, struct bpf_map_info *info);

/* Program commands (src/prog/). */
long kbpf_sys_prog_load(const struct kbpf_host *h, union bpf_attr *attr,
			void *uattr, unsigned int size);
long kbpf_sys_prog_test_run(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size);
/* BPF_PROG_STREAM_READ_BY_FD: kbpf's streams are empty; 0, -EBADF, -EINVAL, -ENOENT. */
long kbpf_sys_prog_stream_read(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
int kbpf_prog_get_info(struct kbpf_prog *prog, struct bpf_prog_info *info);

/* Raw tracepoints and links (src/tp/raw_tp.c). */
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
 * Return 0, -EINVAL, -ENOSPC (name cut) or -EFAULT, as Linux.
 */
int kbpf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			struct bpf_link_info *info);

/* Perf links (src/perf/perf_event.c): is @obj one, and its link info. */
bool kbpf_perf_link_is(const struct kbpf_obj *obj);
int kbpf_perf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			     struct bpf_link_info *info);

/* BPF_OBJ_GET_INFO_BY_FD (src/sys/obj_info.c). */
long kbpf_sys_obj_get_info_by_fd(const struct kbpf_host *h,
				 union bpf_attr *attr, void *uattr,
				 unsigned int size);

/*
 * Linux's bpf_check_uarg_tail_zero(): a user buffer of @actual bytes that
 * kbpf knows as @expected bytes: -E2BIG if @actual > 4096 or a byte past
 * @expected is not zero, -EFAULT if unreadable, else 0.
 */
int kbpf_sys_check_tail_zero(const struct kbpf_host *h, const void *uptr,
			     size_t expected, size_t actual);

/*
 * Resolve @fd to an object of @type with a reference (drop it with
 * kbpf_obj_put). Return 0; -EBADF if @fd is not open or the host has no fd
 * table; -EINVAL if it is open but not a kbpf object of @type (Linux: a
 * prog fd where a map fd is expected). @fd_flags may be NULL.
 */
int kbpf_sys_fd_get(const struct kbpf_host *h, int fd, enum kbpf_obj_type type,
		    struct kbpf_obj **obj, uint32_t *fd_flags);

/*
 * Install @obj (whose reference moves to the fd on success) and return the
 * fd, or a negative errno with the caller keeping its reference: -EOPNOTSUPP
 * if the host has no fd table.
 */
int kbpf_sys_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
			uint32_t fd_flags);

/*
 * Write @len bytes at byte @off of the user's attr, if the user's attr is
 * large enough to hold them (Linux writes back only into what the user
 * passed). Return 0 or -EFAULT.
 */
int kbpf_sys_attr_write(const struct kbpf_host *h, void *uattr,
			unsigned int size, size_t off, const void *src,
			size_t len);

#endif /* KBPF_SRC_SYS_H */
