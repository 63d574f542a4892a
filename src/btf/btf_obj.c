// SPDX-License-Identifier: MIT
/*
 * BTF objects: BPF_BTF_LOAD (Linux's bpf_btf_load() and btf_new_fd() in
 * kernel/bpf/syscall.c and btf.c, in behaviour), their release, and their
 * bpf_btf_info. The validation itself is btf_verify.c.
 *
 * A loaded object never changes; its references are the fds, the id
 * registry's lookups and the maps created with its type ids. No locks.
 */
#include "btf/btf.h"

#include "core/alloc.h"
#include "core/priv.h"
#include "core/util.h"
#include "core/vlog.h"

static void btf_free(struct kbpf_btf *b)
{
	const struct kbpf_host *h = b->obj.host;

	kbpf_free(h, b->type_off, (size_t)b->types_cap * sizeof(uint32_t));
	kbpf_free(h, b->resolved_ids, (size_t)b->nr_types * sizeof(uint32_t));
	kbpf_free(h, b->resolved_sizes, (size_t)b->nr_types * sizeof(uint32_t));
	kbpf_free(h, b->data, b->data_size ? b->data_size : 1);
	kbpf_free(h, b, sizeof(*b));
}

static void btf_release(struct kbpf_obj *obj)
{
	struct kbpf_btf *b = kbpf_container_of(obj, struct kbpf_btf, obj);

	kbpf_obj_id_release(obj);
	btf_free(b);
}

/* kbpf keeps no BPF tokens: an open fd is never one. */
static long btf_token(const struct kbpf_host *h, int fd)
{
	struct kbpf_obj *obj;
	int err;

	if (!h->fd_get)
		return -KBPF_EBADF;
	err = h->fd_get(h, fd, &obj, NULL);
	if (err)
		return err == -KBPF_EBADF ? err : -KBPF_EINVAL;
	kbpf_obj_put(obj);
	return -KBPF_EINVAL;
}

/* Parse @attr's blob into a new object; the log as Linux's finalize_log(). */
static long btf_new(const struct kbpf_host *h, union bpf_attr *attr,
		    void *uattr, unsigned int size, struct kbpf_btf **out)
{
	uint32_t len = attr->btf_size, true_size = 0;
	struct kbpf_vlog log;
	struct kbpf_btf *b;
	long err, ret;

	if (len > KBPF_BTF_MAX_SIZE)
		return -KBPF_E2BIG;
	err = kbpf_vlog_init(&log, h, attr->btf_log_level, attr->btf_log_size,
			     attr->btf_log_buf, false);
	if (err)
		return err;
	/* A level without a buffer still reports the size it would need. */
	log.counting = attr->btf_log_level != 0;
	b = kbpf_zalloc(h, sizeof(*b), 0);
	if (!b) {
		err = -KBPF_ENOMEM;
		goto out_log;
	}
	kbpf_obj_init(&b->obj, h, KBPF_OBJ_BTF, btf_release);
	b->data = kbpf_malloc(h, len ? len : 1, 0);
	if (!b->data) {
		kbpf_free(h, b, sizeof(*b));
		b = NULL;
		err = -KBPF_ENOMEM;
		goto out_log;
	}
	b->data_size = len;
	err = len ? kbpf_copy_from_user(h, b->data, kbpf_u64_to_ptr(attr->btf),
					len) :
		    0;
	if (err)
		err = -KBPF_EFAULT;
	else
		err = kbpf_btf_verify(h, b, &log);
out_log:
	/* A log that did not fit wins over any other result (Linux). */
	ret = kbpf_vlog_finalize(&log, 0, &true_size);
	if (ret)
		err = ret;
	if (!log.end)
		true_size = 0;
	kbpf_vlog_fini(&log);
	if (offsetof(union bpf_attr, btf_log_true_size) + sizeof(uint32_t) <=
		    size &&
	    kbpf_copy_to_user(
		    h,
		    (void *)((uintptr_t)uattr +
			     offsetof(union bpf_attr, btf_log_true_size)),
		    &true_size, sizeof(true_size)))
		err = -KBPF_EFAULT;
	if (err) {
		if (b)
			btf_free(b);
		return err;
	}
	*out = b;
	return 0;
}

/* Called from syscall */
long kbpf_sys_btf_load(const struct kbpf_host *h, union bpf_attr *attr,
		       void *uattr, unsigned int size)
{
	struct kbpf_btf *b;
	long err;
	int fd;

	if (attr->btf_flags & ~(uint32_t)BPF_F_TOKEN_FD)
		return -KBPF_EINVAL;
	if (attr->btf_flags & BPF_F_TOKEN_FD)
		return btf_token(h, (int)attr->btf_token_fd);
	if (!kbpf_priv_has(h, KBPF_PRIV_BPF))
		return -KBPF_EPERM;
	err = btf_new(h, attr, uattr, size, &b);
	if (err)
		return err;
	err = kbpf_obj_id_alloc(&b->obj);
	if (err) {
		btf_free(b);
		return err;
	}
	fd = kbpf_obj_fd_install(h, &b->obj, KBPF_FD_READ);
	if (fd < 0)
		kbpf_obj_put(&b->obj);
	return fd;
}

int kbpf_btf_fd_get(const struct kbpf_host *h, int fd, struct kbpf_btf **btf)
{
	struct kbpf_obj *obj;
	int err;

	err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_BTF, &obj, NULL);
	if (err)
		return err;
	*btf = kbpf_container_of(obj, struct kbpf_btf, obj);
	return 0;
}

/* Called from syscall */
long kbpf_btf_get_info(const struct kbpf_host *h, struct kbpf_btf *btf,
		       union bpf_attr *attr, void *uattr)
{
	struct bpf_btf_info info;
	void *uinfo = kbpf_u64_to_ptr(attr->info.info);
	uint32_t ulen = attr->info.info_len, copy, bcopy;
	void *uname;
	long err, ret = 0;

	err = kbpf_check_tail_zero(h, uinfo, sizeof(info), ulen);
	if (err)
		return err;
	copy = (uint32_t)kbpf_min((size_t)ulen, sizeof(info));
	memset(&info, 0, sizeof(info));
	if (copy && kbpf_copy_from_user(h, &info, uinfo, copy))
		return -KBPF_EFAULT;
	info.id = btf->obj.id;
	bcopy = kbpf_min(btf->data_size, info.btf_size);
	if (bcopy &&
	    kbpf_copy_to_user(h, kbpf_u64_to_ptr(info.btf), btf->data, bcopy))
		return -KBPF_EFAULT;
	info.btf_size = btf->data_size;
	info.kernel_btf = 0;
	uname = kbpf_u64_to_ptr(info.name);
	if (!uname != !info.name_len)
		return -KBPF_EINVAL;
	/* A loaded BTF has no name: "" (name_len 0). */
	if (uname) {
		char zero = 0;

		if (kbpf_copy_to_user(h, uname, &zero, 1))
			return -KBPF_EFAULT;
	}
	info.name_len = 0;
	if ((copy && kbpf_copy_to_user(h, uinfo, &info, copy)) ||
	    kbpf_copy_to_user(h,
			      (void *)((uintptr_t)uattr +
				       offsetof(union bpf_attr, info.info_len)),
			      &copy, sizeof(copy)))
		return -KBPF_EFAULT;
	return ret;
}
