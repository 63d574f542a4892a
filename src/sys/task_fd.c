// SPDX-License-Identifier: MIT
/*
 * BPF_TASK_FD_QUERY: what a task's fd attaches a program to, as Linux 6.18
 * answers it (kernel/bpf/syscall.c): the front-end (sys.c) has checked the
 * attribute tail and CAP_SYS_ADMIN; then flags, the task, the fd, and the
 * object: a raw tracepoint link, or a perf event with a program
 * (tracepoint, kprobe, uprobe). Everything else gives -ENOTSUPP.
 *
 * The task's fd comes from kbpf_host.task_fd_get, or without it from
 * fd_get when @pid names the calling task.
 */
#include "core/alloc.h"
#include "core/object.h"
#include "perf/perf_internal.h"
#include "sys.h"
#include "tp/tp_internal.h"

/* Longest name reported (kbpf's names are bounded well below it). */
#define NAME_MAX_LEN 4096

#define FIELD(f) offsetof(union bpf_attr, task_fd_query.f)

static int task_fd_get(const struct kbpf_host *h, int32_t pid, int fd,
		       struct kbpf_obj **obj)
{
	uint64_t pid_tgid, uid_gid;

	if (h->task_fd_get)
		return h->task_fd_get(h, pid, fd, obj);
	if (!h->current_ids || h->current_ids(h, &pid_tgid, &uid_gid) ||
	    (pid != (int32_t)(uint32_t)pid_tgid &&
	     pid != (int32_t)(pid_tgid >> 32)))
		return -KBPF_ENOENT;
	if (!h->fd_get)
		return -KBPF_EBADF;
	return h->fd_get(h, fd, obj, NULL);
}

/* Linux's bpf_task_fd_query_copy(): the name first, then the numbers. */
static long query_copy(const struct kbpf_host *h, const union bpf_attr *attr,
		       void *uattr, unsigned int size, uint32_t prog_id,
		       uint32_t fd_type, const char *buf, uint64_t off,
		       uint64_t addr)
{
	void *ubuf = kbpf_u64_to_ptr(attr->task_fd_query.buf);
	uint32_t in_len = attr->task_fd_query.buf_len, len = 0;
	const char nul = 0;
	long err = 0;

	while (buf && len < NAME_MAX_LEN && buf[len])
		len++;
	if (kbpf_sys_attr_write(h, uattr, size, FIELD(buf_len), &len,
				sizeof(len)))
		return -KBPF_EFAULT;
	if (in_len && ubuf) {
		if (!len) {
			if (kbpf_copy_to_user(h, ubuf, &nul, 1))
				return -KBPF_EFAULT;
		} else if (in_len >= len + 1) {
			if (kbpf_copy_to_user(h, ubuf, buf, len) ||
			    kbpf_copy_to_user(h, (char *)ubuf + len, &nul, 1))
				return -KBPF_EFAULT;
		} else {
			/* Cut, NUL-terminated, and -ENOSPC. */
			err = -KBPF_ENOSPC;
			if (kbpf_copy_to_user(h, ubuf, buf, in_len - 1) ||
			    kbpf_copy_to_user(h, (char *)ubuf + in_len - 1,
					      &nul, 1))
				return -KBPF_EFAULT;
		}
	}
	if (kbpf_sys_attr_write(h, uattr, size, FIELD(prog_id), &prog_id,
				sizeof(prog_id)) ||
	    kbpf_sys_attr_write(h, uattr, size, FIELD(fd_type), &fd_type,
				sizeof(fd_type)) ||
	    kbpf_sys_attr_write(h, uattr, size, FIELD(probe_offset), &off,
				sizeof(off)) ||
	    kbpf_sys_attr_write(h, uattr, size, FIELD(probe_addr), &addr,
				sizeof(addr)))
		return -KBPF_EFAULT;
	return err;
}

/* Called from syscall */
long kbpf_sys_task_fd_query(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size)
{
	struct kbpf_perf_event *ev;
	struct kbpf_obj *obj;
	long err;

	if (attr->task_fd_query.flags)
		return -KBPF_EINVAL;
	err = task_fd_get(h, (int32_t)attr->task_fd_query.pid,
			  (int)attr->task_fd_query.fd, &obj);
	/* An open fd that is not kbpf's is neither a link nor an event. */
	if (err == -KBPF_EINVAL)
		return -KBPF_ENOTSUPP;
	if (err)
		return err;
	if (kbpf_cgroup_link_is(obj)) {
		err = -KBPF_ENOTSUPP; /* Linux: raw tracepoint links only */
	} else if (obj->type == KBPF_OBJ_LINK) {
		uint32_t prog_id;
		const char *name;

		err = kbpf_link_task_query(obj, &prog_id, &name);
		if (!err)
			err = query_copy(h, attr, uattr, size, prog_id,
					 BPF_FD_TYPE_RAW_TRACEPOINT, name, 0,
					 0);
	} else if ((ev = kbpf_perf_event_from_obj(obj))) {
		struct kbpf_perf_query q;

		err = kbpf_perf_event_query(ev, &q);
		if (!err)
			err = query_copy(h, attr, uattr, size, q.prog_id,
					 q.fd_type, q.buf, q.probe_offset,
					 q.probe_addr);
	} else {
		err = -KBPF_ENOTSUPP;
	}
	kbpf_obj_put(obj);
	return err;
}
