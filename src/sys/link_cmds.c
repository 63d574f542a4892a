// SPDX-License-Identifier: MIT
/*
 * The link commands (BPF_LINK_CREATE, BPF_LINK_DETACH, BPF_LINK_UPDATE)
 * dispatched by what the link is, as Linux does through bpf_link_ops:
 * cgroup links are src/cgroup/'s, raw tracepoint and perf links src/tp/'s
 * (which answers the types kbpf has no links for). No locks here.
 */
#include "core/prog.h"
#include "sys.h"

/* Does a program of @type attach to cgroups through links? */
static bool link_cgroup_prog(uint32_t type)
{
	return type == BPF_PROG_TYPE_CGROUP_SKB ||
	       type == BPF_PROG_TYPE_CGROUP_SOCK ||
	       type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ||
	       type == BPF_PROG_TYPE_CGROUP_SOCKOPT ||
	       type == BPF_PROG_TYPE_CGROUP_DEVICE ||
	       type == BPF_PROG_TYPE_CGROUP_SYSCTL;
}

/* Called from syscall */
long kbpf_sys_link_create_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	long ret;

	/* struct_ops links name a map, not a program: src/tp/ answers them. */
	if (attr->link_create.attach_type == BPF_STRUCT_OPS ||
	    kbpf_obj_fd_get(h, (int)attr->link_create.prog_fd, KBPF_OBJ_PROG,
			    &obj, NULL))
		return kbpf_sys_link_create(h, attr, uattr, size);
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	if (!link_cgroup_prog(prog->type)) {
		kbpf_obj_put(obj);
		return kbpf_sys_link_create(h, attr, uattr, size);
	}
	ret = kbpf_cgroup_link_create(h, attr, prog);
	kbpf_obj_put(obj);
	return ret;
}

/* Called from syscall */
long kbpf_sys_link_detach_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	long ret;

	if (kbpf_obj_fd_get(h, (int)attr->link_detach.link_fd, KBPF_OBJ_LINK,
			    &obj, NULL))
		return kbpf_sys_link_detach(h, attr, uattr, size);
	if (!kbpf_cgroup_link_is(obj)) {
		kbpf_obj_put(obj);
		return kbpf_sys_link_detach(h, attr, uattr, size);
	}
	ret = kbpf_cgroup_link_detach(obj);
	kbpf_obj_put(obj);
	return ret;
}

/* Called from syscall: Linux's link_update() for cgroup links. */
long kbpf_sys_link_update_any(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size)
{
	struct kbpf_obj *link, *prog, *old = NULL;
	long ret;

	if ((attr->link_update.flags & ~(uint32_t)BPF_F_REPLACE) ||
	    kbpf_obj_fd_get(h, (int)attr->link_update.link_fd, KBPF_OBJ_LINK,
			    &link, NULL))
		return kbpf_sys_link_update(h, attr, uattr, size);
	if (!kbpf_cgroup_link_is(link)) {
		kbpf_obj_put(link);
		return kbpf_sys_link_update(h, attr, uattr, size);
	}
	ret = kbpf_obj_fd_get(h, (int)attr->link_update.new_prog_fd,
			      KBPF_OBJ_PROG, &prog, NULL);
	if (ret)
		goto put_link;
	if (attr->link_update.flags & BPF_F_REPLACE) {
		ret = kbpf_obj_fd_get(h, (int)attr->link_update.old_prog_fd,
				      KBPF_OBJ_PROG, &old, NULL);
		if (ret)
			goto put_prog;
	} else if (attr->link_update.old_prog_fd) {
		ret = -KBPF_EINVAL;
		goto put_prog;
	}
	ret = kbpf_cgroup_link_update(
		link, kbpf_container_of(prog, struct kbpf_prog, obj),
		old ? kbpf_container_of(old, struct kbpf_prog, obj) : NULL);
	if (old)
		kbpf_obj_put(old);
put_prog:
	kbpf_obj_put(prog);
put_link:
	kbpf_obj_put(link);
	return ret;
}
