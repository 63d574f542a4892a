// SPDX-License-Identifier: MIT
/* The kernel oracle: raw bpf(2) and kbpf_posix_bpf() side by side. */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "oracle.h"

long oracle_kernel_bpf(int cmd, void *attr, unsigned int size)
{
#ifdef __NR_bpf
	long r = syscall(__NR_bpf, cmd, attr, size);

	return r < 0 ? -errno : r;
#else
	(void)cmd;
	(void)attr;
	(void)size;
	return -ENOSYS;
#endif
}

long oracle_kbpf_bpf(int cmd, void *attr, unsigned int size)
{
	int r = kbpf_posix_bpf(cmd, attr, size);

	return r < 0 ? -errno : r;
}

int oracle_available(const char **why)
{
	static int state; /* 0 unknown, 1 yes, -1 no */
	static const char *reason;

	if (!state) {
		union bpf_attr attr;
		long r;

		/* A tiny array map: the least any working bpf(2) can do. */
		memset(&attr, 0, sizeof(attr));
		attr.map_type = BPF_MAP_TYPE_ARRAY;
		attr.key_size = 4;
		attr.value_size = 4;
		attr.max_entries = 1;
		r = oracle_kernel_bpf(BPF_MAP_CREATE, &attr, sizeof(attr));
		if (r >= 0) {
			close((int)r);
			state = 1;
		} else {
			state = -1;
			reason =
				r == -ENOSYS ?
					"bpf(2) is not available here (ENOSYS)" :
				r == -EPERM ?
					"bpf(2) refused: not privileged (EPERM)" :
					"bpf(2) cannot create a map";
		}
	}
	if (why)
		*why = reason;
	return state > 0;
}

void oracle_kernel_close(int fd)
{
	if (fd >= 0)
		close(fd);
}

void oracle_kbpf_close(int fd)
{
	if (fd >= 0)
		kbpf_posix_close(fd);
}

const char *oracle_errno_name(long err)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ 0, "OK" },	      { EPERM, "EPERM" },
		{ ENOENT, "ENOENT" }, { E2BIG, "E2BIG" },
		{ EBADF, "EBADF" },   { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" },
		{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { EINVAL, "EINVAL" },
		{ ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
		{ ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ 524, "ENOTSUPP" },  { EDEADLK, "EDEADLK" },
		{ ELOOP, "ELOOP" },
	};
	long e = err < 0 ? -err : err;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == e)
			return names[i].n;
	return "E?";
}
