// SPDX-License-Identifier: MIT
/*
 * The bpf(2) attribute rules, differential: each case passes identical attr
 * bytes to the kernel and to kbpf_posix_bpf() and expects both to give the
 * errno recorded here (measured on Linux 6.18, see
 * research/kernel-semantics.md §1). Without a usable bpf(2) the kernel side
 * is skipped and kbpf is held to the recorded errno alone.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "kbpf/uapi/bpf.h"
#include "kbpf_test.h"
#include "oracle.h"

struct attr_case {
	const char *what;
	int cmd;
	unsigned int size; /* bytes passed */
	int null_attr; /* pass NULL */
	int unmapped_attr; /* pass an unmapped address */
	int poke_off; /* byte to set non-zero, or -1 */
	long expect; /* -errno */
};

static const struct attr_case cases[] = {
	{ "size > 4096, all zero -> E2BIG", BPF_MAP_CREATE, 4097, 0, 0, -1,
	  -E2BIG },
	{ "size 4096, non-zero byte past the kernel's attr -> E2BIG",
	  BPF_MAP_CREATE, 4096, 0, 0, 4000, -E2BIG },
	{ "size 200, non-zero byte at 170 -> E2BIG", 1000, 200, 0, 0, 170,
	  -E2BIG },
	{ "size 200, zero tail, unknown command -> EINVAL", 1000, 200, 0, 0, -1,
	  -EINVAL },
	{ "NULL attr with size 8 -> EFAULT", BPF_MAP_CREATE, 8, 1, 0, -1,
	  -EFAULT },
	{ "unmapped attr -> EFAULT before the command is looked at", 1000, 8, 0,
	  1, -1, -EFAULT },
	{ "NULL attr, size 0, unknown command -> EINVAL", 1000, 0, 1, 0, -1,
	  -EINVAL },
	{ "command __MAX_BPF_CMD -> EINVAL", __MAX_BPF_CMD,
	  sizeof(union bpf_attr), 0, 0, -1, -EINVAL },
	{ "command -1 -> EINVAL", -1, sizeof(union bpf_attr), 0, 0, -1,
	  -EINVAL },
	{ "MAP_FREEZE with non-zero key (past map_fd) -> EINVAL",
	  BPF_MAP_FREEZE, sizeof(union bpf_attr), 0, 0, 8, -EINVAL },
	{ "MAP_DELETE_ELEM with non-zero flags -> EINVAL", BPF_MAP_DELETE_ELEM,
	  sizeof(union bpf_attr), 0, 0, 24, -EINVAL },
	{ "MAP_GET_NEXT_KEY with non-zero flags -> EINVAL",
	  BPF_MAP_GET_NEXT_KEY, sizeof(union bpf_attr), 0, 0, 24, -EINVAL },
	{ "MAP_LOOKUP_ELEM with a byte past flags -> EINVAL",
	  BPF_MAP_LOOKUP_ELEM, sizeof(union bpf_attr), 0, 0, 32, -EINVAL },
	{ "MAP_CREATE with a byte past excl_prog_hash_size -> EINVAL",
	  BPF_MAP_CREATE, sizeof(union bpf_attr), 0, 0, 92, -EINVAL },
	{ "LOOKUP_BATCH with a byte past batch.flags -> EINVAL",
	  BPF_MAP_LOOKUP_BATCH, sizeof(union bpf_attr), 0, 0, 56, -EINVAL },
};

static long run_case(const struct attr_case *c, int kernel)
{
	static void *unmapped;
	unsigned char *buf = calloc(1, 8192);
	void *p = buf;
	long r;

	if (!unmapped)
		unmapped = mmap(NULL, 4096, PROT_NONE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->poke_off >= 0)
		buf[c->poke_off] = 1;
	if (c->null_attr)
		p = NULL;
	if (c->unmapped_attr)
		p = unmapped;
	r = kernel ? oracle_kernel_bpf(c->cmd, p, c->size) :
		     oracle_kbpf_bpf(c->cmd, p, c->size);
	free(buf);
	return r;
}

KBPF_TEST(attr_union_size, "union bpf_attr is Linux 6.18's 168 bytes")
{
	T_EQ(sizeof(union bpf_attr), 168);
}

KBPF_TEST(
	attr_rules_match_kernel,
	"size, tail, fault, command and CHECK_ATTR rules give the kernel's errno in the kernel's order")
{
	const char *why;
	int kernel = oracle_available(&why);

	if (!kernel)
		printf("  note: kernel side skipped: %s\n", why);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct attr_case *c = &cases[i];
		long k = kernel ? run_case(c, 1) : c->expect;
		long m = run_case(c, 0);

		if (k != c->expect)
			T_FAIL("%s: kernel gave %s, recorded %s", c->what,
			       oracle_errno_name(k),
			       oracle_errno_name(c->expect));
		if (m != c->expect)
			T_FAIL("%s: kbpf gave %s, kernel %s", c->what,
			       oracle_errno_name(m),
			       oracle_errno_name(c->expect));
	}
	printf("  %zu attribute cases, kernel %s\n",
	       sizeof(cases) / sizeof(cases[0]),
	       kernel ? "compared" : "not available");
}
