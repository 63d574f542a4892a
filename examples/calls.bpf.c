// SPDX-License-Identifier: MIT
/*
 * bpf-to-bpf calls, bpf_loop and global variables: a syscall program that
 * computes a checksum of its argument struct with subprograms, keeps a
 * running total in .bss and reads a constant from .rodata.
 *   printf '\x05\0\0\0\x0a\0\0\0\0\0\0\0\0\0\0\0' > in.bin
 *   kbpf run calls.bpf.o --ctx in.bin
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct req {
	__u32 n;
	__u32 seed;
	__u64 result;
};

const volatile __u64 multiplier = 31;
__u64 total_runs;
__u64 last_result;

static __noinline __u64 mix(__u64 h, __u64 v)
{
	return h * multiplier + v;
}

struct acc {
	__u64 h;
	__u32 seed;
};

static long step(__u32 i, void *ctx)
{
	struct acc *a = ctx;

	a->h = mix(a->h, i ^ a->seed);
	return 0;
}

__noinline __u64 checksum(__u32 n, __u32 seed)
{
	struct acc a = { .h = 7, .seed = seed };

	bpf_loop(n, step, &a, 0);
	return a.h;
}

SEC("syscall")
int compute(struct req *r)
{
	__u32 n = r->n;

	if (n > 1000)
		return -1;
	r->result = checksum(n, r->seed);
	last_result = r->result;
	total_runs++;
	return (int)(r->result & 0x7fffffff);
}

char LICENSE[] SEC("license") = "GPL";
