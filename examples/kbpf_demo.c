// SPDX-License-Identifier: MIT
/*
 * The demo: drive kbpf through the POSIX host's drop-in bpf(2) and show what
 * happens, side by side with the real kernel where it can be asked.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"

static void show(const char *what, int cmd, void *attr, unsigned int size)
{
	int r = kbpf_posix_bpf(cmd, attr, size);
	int e = r < 0 ? errno : 0;
	long k = syscall(__NR_bpf, cmd, attr, size);
	int ke = k < 0 ? errno : 0;

	printf("  %-48s kbpf: %-16s kernel: %s\n", what,
	       r < 0 ? strerrorname_np(e) : "ok",
	       k < 0 ? strerrorname_np(ke) : "ok");
	if (k >= 0)
		close((int)k);
	if (r >= 0)
		kbpf_posix_close(r);
}

int main(void)
{
	const struct kbpf_host *h = kbpf_posix_host();
	union bpf_attr attr;
	static char big[8192];

	printf("kbpf demo: a Linux-compatible eBPF runtime as a library\n");
	printf("host: POSIX reference host, %u possible CPUs\n\n", h->nr_cpus);
	printf("bpf(2) attribute rules, kbpf next to the kernel:\n");
	memset(&attr, 0, sizeof(attr));
	show("unknown command 1000", 1000, &attr, sizeof(attr));
	show("attr larger than a page", BPF_MAP_CREATE, big, 4097);
	big[200] = 1;
	show("non-zero bytes past union bpf_attr", BPF_MAP_CREATE, big, 300);
	show("NULL attr", BPF_MAP_CREATE, NULL, 16);
	attr.map_fd = 0;
	attr.key = 1;
	show("MAP_FREEZE with a field past map_fd set", BPF_MAP_FREEZE, &attr,
	     sizeof(attr));
	return 0;
}
