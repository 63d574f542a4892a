// SPDX-License-Identifier: MIT
/*
 * A host with only the mandatory fields, as a small kernel would start:
 * one address space, no fd table, no pages. The documented fallbacks of
 * host.h hold: user copies are plain copies with -EFAULT for NULL, fd
 * commands give -EBADF, object-creating commands -EOPNOTSUPP.
 */
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "kbpf/sys.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_test.h"
#include "sys/sys.h"

static void *min_alloc(const struct kbpf_host *h, size_t size, size_t align,
		       uint32_t flags)
{
	void *p;

	(void)h;
	if (posix_memalign(&p, align < sizeof(void *) ? sizeof(void *) : align,
			   size))
		return NULL;
	if (flags & KBPF_ALLOC_ZERO)
		memset(p, 0, size);
	return p;
}

static void min_free(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	(void)size;
	free(p);
}

static uint32_t min_cpu(const struct kbpf_host *h)
{
	(void)h;
	return 0;
}

static uint64_t min_ns(const struct kbpf_host *h)
{
	static uint64_t t;

	(void)h;
	return ++t;
}

static const struct kbpf_host min_host = {
	.alloc = min_alloc,
	.free = min_free,
	.nr_cpus = 1,
	.cpu_id = min_cpu,
	.mono_ns = min_ns,
};

KBPF_TEST(
	minimal_host_valid,
	"a host with only alloc, free, nr_cpus, cpu_id and mono_ns passes kbpf_host_check")
{
	const char *what = "x";

	T_EQ(kbpf_host_check(&min_host, &what), 0);
	T_ASSERT(what == NULL);
}

KBPF_TEST(
	minimal_host_copies,
	"without copy callbacks user copies are memcpy, and NULL gives -EFAULT")
{
	char a[8] = "abcdefg", b[8] = { 0 };

	T_EQ(kbpf_copy_from_user(&min_host, b, a, 8), 0);
	T_MEMEQ(a, b, 8);
	T_EQ(kbpf_copy_from_user(&min_host, b, NULL, 8), -KBPF_EFAULT);
	T_EQ(kbpf_copy_to_user(&min_host, NULL, a, 1), -KBPF_EFAULT);
	T_EQ(kbpf_strncpy_from_user(&min_host, b, "hi", 8), 2);
}

KBPF_TEST(
	minimal_host_sys,
	"kbpf_sys_bpf works on a host without fd table: attr rules apply, fds give -EBADF")
{
	union bpf_attr attr;
	struct kbpf_obj *obj;

	memset(&attr, 0, sizeof(attr));
	T_EQ(kbpf_sys_bpf(&min_host, 1000, &attr, sizeof(attr)), -KBPF_EINVAL);
	T_EQ(kbpf_sys_bpf(&min_host, BPF_MAP_CREATE, NULL, 8), -KBPF_EFAULT);
	T_EQ(kbpf_obj_fd_get(&min_host, 3, KBPF_OBJ_MAP, &obj, NULL),
	     -KBPF_EBADF);
	T_EQ(kbpf_obj_fd_install(&min_host, NULL, 0), -KBPF_EOPNOTSUPP);
}
