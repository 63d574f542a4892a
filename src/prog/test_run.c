// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_TEST_RUN (net/bpf/test_run.c in behaviour) for the program types
 * whose context is plain memory: SYSCALL (ctx_in copied in and back) and
 * RAW_TRACEPOINT (ctx_in is the u64 argument array); packet programs are in
 * src/net/test_run.c. Each type's attribute rules are Linux's; retval is the
 * low 32 bits of r0, as Linux reports it.
 *
 * Programs loaded through bpf(2) are not verified, so they run in the
 * interpreter's checked mode: a bad access stops the run with -EFAULT
 * instead of touching memory outside the context and the stack.
 */
#include "kbpf/interp.h"
#include "prog_internal.h"
#include "core/object.h"

/* Linux's MAX_BPF_FUNC_ARGS. */
#define RAW_TP_MAX_ARGS 12

static int test_run_once(const struct kbpf_host *h, struct kbpf_prog *prog,
			 void *ctx, size_t ctx_size, uint32_t cpu, uint64_t *r0)
{
	struct kbpf_interp_args args = {
		.ctx = ctx,
		.ctx_size = ctx_size,
		.ctx_writable = prog->type == BPF_PROG_TYPE_SYSCALL,
		.mode = KBPF_INTERP_CHECKED,
		.cpu = cpu,
	};
	unsigned long st = 0;
	int err;

	if (h->read_lock)
		st = h->read_lock(h);
	err = kbpf_interp_run(prog, h, &args, r0);
	if (h->read_unlock)
		h->read_unlock(h, st);
	return err;
}

static int test_write_retval(const struct kbpf_host *h, void *uattr,
			     uint64_t r0)
{
	uint32_t retval = (uint32_t)r0;

	return kbpf_copy_to_user(
		h,
		(void *)((uintptr_t)uattr +
			 offsetof(union bpf_attr, test.retval)),
		&retval, sizeof(retval));
}

static long test_run_syscall(const struct kbpf_host *h, struct kbpf_prog *prog,
			     union bpf_attr *attr, void *uattr)
{
	uint32_t size = attr->test.ctx_size_in;
	void *ctx = NULL;
	uint64_t r0 = 0;
	long err;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.flags)
		return -KBPF_EINVAL;
	if (size > 0xffff)
		return -KBPF_EINVAL;
	if (size) {
		ctx = kbpf_malloc(h, size, 0);
		if (!ctx)
			return -KBPF_ENOMEM;
		err = kbpf_copy_from_user(
			h, ctx, kbpf_u64_to_ptr(attr->test.ctx_in), size);
		if (err)
			goto out;
	}
	err = test_run_once(h, prog, ctx, size, kbpf_this_cpu(h), &r0);
	if (err)
		goto out;
	if (test_write_retval(h, uattr, r0)) {
		err = -KBPF_EFAULT;
		goto out;
	}
	if (size &&
	    kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->test.ctx_in), ctx, size))
		err = -KBPF_EFAULT;
out:
	kbpf_free(h, ctx, size);
	return err;
}

static long test_run_raw_tp(const struct kbpf_host *h, struct kbpf_prog *prog,
			    union bpf_attr *attr, void *uattr)
{
	uint32_t size = attr->test.ctx_size_in, cpu = 0;
	uint64_t args[RAW_TP_MAX_ARGS] = { 0 };
	uint64_t r0 = 0;
	long err;

	if (attr->test.data_in || attr->test.data_out || attr->test.ctx_out ||
	    attr->test.duration || attr->test.repeat || attr->test.batch_size)
		return -KBPF_EINVAL;
	if (size > sizeof(args))
		return -KBPF_EINVAL;
	/* Other flag bits are ignored here, as Linux ignores them (measured). */
	if (!(attr->test.flags & BPF_F_TEST_RUN_ON_CPU) && attr->test.cpu)
		return -KBPF_EINVAL;
	if (attr->test.flags & BPF_F_TEST_RUN_ON_CPU) {
		if (attr->test.cpu >= h->nr_cpus)
			return -KBPF_ENXIO;
		cpu = attr->test.cpu;
	} else {
		cpu = kbpf_this_cpu(h);
	}
	if (size && kbpf_copy_from_user(
			    h, args, kbpf_u64_to_ptr(attr->test.ctx_in), size))
		return -KBPF_EFAULT;
	err = test_run_once(h, prog, size ? args : NULL, size, cpu, &r0);
	if (err)
		return err;
	return test_write_retval(h, uattr, r0) ? -KBPF_EFAULT : 0;
}

/* Called from syscall */
long kbpf_sys_prog_test_run(const struct kbpf_host *h, union bpf_attr *attr,
			    void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;
	long err;

	err = kbpf_obj_fd_get(h, (int)attr->test.prog_fd, KBPF_OBJ_PROG, &obj,
			      NULL);
	if (err)
		return err;
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	if (!!attr->test.ctx_size_in != !!attr->test.ctx_in ||
	    !!attr->test.ctx_size_out != !!attr->test.ctx_out) {
		err = -KBPF_EINVAL;
		goto put;
	}
	switch (prog->type) {
	case BPF_PROG_TYPE_SYSCALL:
		err = test_run_syscall(h, prog, attr, uattr);
		break;
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
		err = test_run_raw_tp(h, prog, attr, uattr);
		break;
	case BPF_PROG_TYPE_XDP:
		err = kbpf_test_run_xdp(h, prog, attr, uattr);
		break;
	default:
		err = kbpf_prog_type_is_skb(prog->type) ?
			      kbpf_test_run_skb(h, prog, attr, uattr) :
			      -KBPF_ENOTSUPP;
		break;
	}
put:
	kbpf_prog_put(prog);
	return err;
}
