// SPDX-License-Identifier: MIT
/*
 * BPF_OBJ_PIN and BPF_OBJ_GET through the host's file system
 * (kbpf_host.pin/get_pinned). kbpf applies Linux 6.18's attribute rules and
 * their order (kernel/bpf/syscall.c, inode.c): file_flags and path_fd, the
 * fd (any bad fd gives -EINVAL for a pin: Linux probes it as a map, a
 * program, then a link), the path copy (getname: -EFAULT, -ENOENT for an
 * empty path, -ENAMETOOLONG), then what the host's file system says about
 * the path; and after a get, the fd's access: a map fd gets the access
 * file_flags ask for, a link refuses either flag (-EINVAL).
 *
 * No locks; the path buffer is allocated (KBPF_PATH_MAX bytes is too much
 * for a kernel stack).
 */
#include "core/alloc.h"
#include "sys.h"

#define PIN_OBJ_FLAGS ((uint32_t)(BPF_F_RDONLY | BPF_F_WRONLY))

/* path_fd only with BPF_F_PATH_FD; without it, the working directory. */
static long pin_path_fd(const union bpf_attr *attr, int *path_fd)
{
	if (!(attr->file_flags & BPF_F_PATH_FD) && attr->path_fd)
		return -KBPF_EINVAL;
	*path_fd = attr->file_flags & BPF_F_PATH_FD ? attr->path_fd :
						      KBPF_AT_FDCWD;
	return 0;
}

/* Linux's getname(): the user's path into a new KBPF_PATH_MAX buffer. */
static long pin_getname(const struct kbpf_host *h, const union bpf_attr *attr,
			char **out)
{
	char *path = kbpf_malloc(h, KBPF_PATH_MAX, 0);
	long n;

	if (!path)
		return -KBPF_ENOMEM;
	n = kbpf_strncpy_from_user(h, path, kbpf_u64_to_ptr(attr->pathname),
				   KBPF_PATH_MAX);
	if (n < 0 || n == 0 || n >= KBPF_PATH_MAX) {
		kbpf_free(h, path, KBPF_PATH_MAX);
		return n < 0  ? -KBPF_EFAULT :
		       n == 0 ? -KBPF_ENOENT :
				-KBPF_ENAMETOOLONG;
	}
	*out = path;
	return 0;
}

static bool pin_pinnable(const struct kbpf_obj *obj)
{
	return obj->type == KBPF_OBJ_MAP || obj->type == KBPF_OBJ_PROG ||
	       obj->type == KBPF_OBJ_LINK;
}

/* Called from syscall */
long kbpf_sys_obj_pin(const struct kbpf_host *h, union bpf_attr *attr,
		      void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	char *path;
	int path_fd;
	long err;

	(void)uattr;
	(void)size;
	if (attr->file_flags & ~(uint32_t)BPF_F_PATH_FD)
		return -KBPF_EINVAL;
	err = pin_path_fd(attr, &path_fd);
	if (err)
		return err;
	if (!h->fd_get)
		return -KBPF_EINVAL;
	if (h->fd_get(h, (int)attr->bpf_fd, &obj, NULL))
		return -KBPF_EINVAL;
	if (!pin_pinnable(obj)) {
		err = -KBPF_EINVAL;
		goto out;
	}
	if (!h->pin) {
		err = -KBPF_EOPNOTSUPP;
		goto out;
	}
	err = pin_getname(h, attr, &path);
	if (err)
		goto out;
	err = h->pin(h, obj, path, path_fd);
	kbpf_free(h, path, KBPF_PATH_MAX);
out:
	kbpf_obj_put(obj);
	return err;
}

/* Called from syscall */
long kbpf_sys_obj_get(const struct kbpf_host *h, union bpf_attr *attr,
		      void *uattr, unsigned int size)
{
	uint32_t fflags = attr->file_flags, fd_flags;
	struct kbpf_obj *obj;
	char *path;
	int path_fd;
	long err;

	(void)uattr;
	(void)size;
	if (attr->bpf_fd || (fflags & ~(PIN_OBJ_FLAGS | BPF_F_PATH_FD)))
		return -KBPF_EINVAL;
	err = pin_path_fd(attr, &path_fd);
	if (err)
		return err;
	/* Linux's bpf_get_file_flag(). */
	if ((fflags & PIN_OBJ_FLAGS) == PIN_OBJ_FLAGS)
		return -KBPF_EINVAL;
	fd_flags = fflags & BPF_F_RDONLY ? KBPF_FD_READ :
		   fflags & BPF_F_WRONLY ? KBPF_FD_WRITE :
					   KBPF_FD_READ | KBPF_FD_WRITE;
	if (!h->get_pinned)
		return -KBPF_EOPNOTSUPP;
	err = pin_getname(h, attr, &path);
	if (err)
		return err;
	err = h->get_pinned(h, path, path_fd, fd_flags, &obj);
	kbpf_free(h, path, KBPF_PATH_MAX);
	if (err)
		return err;
	switch (obj->type) {
	case KBPF_OBJ_MAP:
		break;
	case KBPF_OBJ_LINK:
		/* Linux: a link fd is read-write or nothing. */
		if (fflags & PIN_OBJ_FLAGS)
			err = -KBPF_EINVAL;
		fd_flags = KBPF_FD_READ | KBPF_FD_WRITE;
		break;
	default:
		/* Programs ignore the access flags. */
		fd_flags = KBPF_FD_READ | KBPF_FD_WRITE;
		break;
	}
	if (!err)
		err = kbpf_obj_fd_install(h, obj, fd_flags);
	if (err < 0)
		kbpf_obj_uref_put(obj);
	return err;
}
