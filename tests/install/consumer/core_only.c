// SPDX-License-Identifier: MIT
/*
 * The core alone, as a kernel links it (kbpf.pc / kbpf::kbpf): libkbpf.a
 * needs no host library, and kbpf_host_check() refuses an empty table.
 */
#include <stdio.h>
#include <string.h>

#include <kbpf/kbpf.h>

int main(void)
{
	struct kbpf_host h;
	const char *what = NULL;
	int r;

	memset(&h, 0, sizeof(h));
	r = kbpf_host_check(&h, &what);
	if (r != -KBPF_EINVAL || !what) {
		fprintf(stderr, "core_only: kbpf_host_check(empty) = %d\n", r);
		return 1;
	}
	printf("core_only: kbpf %s: an empty host table is refused (%s)\n",
	       KBPF_VERSION_STRING, what);
	return 0;
}
