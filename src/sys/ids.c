// SPDX-License-Identifier: MIT
/*
 * BPF_{MAP,PROG,LINK,BTF}_GET_NEXT_ID and BPF_{MAP,PROG,LINK,BTF}_GET_FD_BY_ID
 * over kbpf's id registry (src/core/ids.c), with Linux 6.18's rules
 * (kernel/bpf/syscall.c): the front-end (sys.c) has checked the attribute
 * tail, start_id < INT_MAX, the map's open_flags mask and CAP_SYS_ADMIN;
 * what is left here is what Linux checks after those, in its order.
 *
 * No locks of their own: the registry's lock is taken by core/ids.c.
 */
#include "core/alloc.h"
#include "sys.h"

/* Linux's put_user(next_id, &uattr->next_id) after a successful walk. */
static long ids_next(const struct kbpf_host *h, union bpf_attr *attr,
		     void *uattr, unsigned int size, uint32_t type)
{
	uint32_t next;
	int err;

	err = kbpf_obj_next_id(h, type, attr->start_id, &next);
	if (err)
		return err;
	return kbpf_sys_attr_write(h, uattr, size,
				   offsetof(union bpf_attr, next_id), &next,
				   sizeof(next));
}

/* Called from syscall */
long kbpf_sys_map_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	return ids_next(h, attr, uattr, size, KBPF_OBJ_MAP);
}

/* Called from syscall */
long kbpf_sys_prog_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	return ids_next(h, attr, uattr, size, KBPF_OBJ_PROG);
}

/* Called from syscall */
long kbpf_sys_link_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	return ids_next(h, attr, uattr, size, KBPF_OBJ_LINK);
}

/* Called from syscall */
long kbpf_sys_btf_get_next_id(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	return ids_next(h, attr, uattr, size, KBPF_OBJ_BTF);
}

/*
 * BPF_F_TOKEN_FD: Linux resolves fd_by_id_token_fd as a BPF token first
 * (-EBADF if it is not open, -EINVAL if it is not a token). kbpf has no
 * tokens, so every open fd is "not a token".
 */
static long ids_token(const struct kbpf_host *h, const union bpf_attr *attr)
{
	struct kbpf_obj *obj;
	int err;

	if (!(attr->open_flags & BPF_F_TOKEN_FD))
		return 0;
	if (!h->fd_get)
		return -KBPF_EBADF;
	err = h->fd_get(h, (int)attr->fd_by_id_token_fd, &obj, NULL);
	if (err)
		return err == -KBPF_EBADF ? err : -KBPF_EINVAL;
	kbpf_obj_put(obj);
	return -KBPF_EINVAL;
}

/* A new fd on the object @type/@id with access @fd_flags. */
static long ids_fd(const struct kbpf_host *h, uint32_t type, uint32_t id,
		   uint32_t fd_flags)
{
	struct kbpf_obj *obj;
	int err, fd;

	err = kbpf_obj_by_id(h, type, id, &obj);
	if (err)
		return err;
	fd = kbpf_obj_fd_install(h, obj, fd_flags);
	if (fd < 0)
		kbpf_obj_uref_put(obj);
	return fd;
}

/* Called from syscall */
long kbpf_sys_map_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	uint32_t fd_flags = KBPF_FD_READ | KBPF_FD_WRITE;
	long err;

	(void)uattr;
	(void)size;
	err = ids_token(h, attr);
	if (err)
		return err;
	/* Linux's bpf_get_file_flag(): both access flags are refused. */
	if ((attr->open_flags & BPF_F_RDONLY) &&
	    (attr->open_flags & BPF_F_WRONLY))
		return -KBPF_EINVAL;
	if (attr->open_flags & BPF_F_RDONLY)
		fd_flags = KBPF_FD_READ;
	else if (attr->open_flags & BPF_F_WRONLY)
		fd_flags = KBPF_FD_WRITE;
	return ids_fd(h, KBPF_OBJ_MAP, attr->map_id, fd_flags);
}

/* Programs and BTF take no flags but the token's (measured: EINVAL). */
static long ids_plain_fd(const struct kbpf_host *h, const union bpf_attr *attr,
			 uint32_t type)
{
	long err;

	if (attr->open_flags & ~(uint32_t)BPF_F_TOKEN_FD)
		return -KBPF_EINVAL;
	err = ids_token(h, attr);
	if (err)
		return err;
	return ids_fd(h, type, attr->prog_id, KBPF_FD_READ | KBPF_FD_WRITE);
}

/* Called from syscall */
long kbpf_sys_prog_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size)
{
	(void)uattr;
	(void)size;
	return ids_plain_fd(h, attr, KBPF_OBJ_PROG);
}

/* Called from syscall */
long kbpf_sys_btf_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	(void)uattr;
	(void)size;
	return ids_plain_fd(h, attr, KBPF_OBJ_BTF);
}

/* Called from syscall. open_flags is past link_id: CHECK_ATTR refused it. */
long kbpf_sys_link_get_fd_by_id(const struct kbpf_host *h, union bpf_attr *attr,
				void *uattr, unsigned int size)
{
	(void)uattr;
	(void)size;
	return ids_fd(h, KBPF_OBJ_LINK, attr->link_id,
		      KBPF_FD_READ | KBPF_FD_WRITE);
}
