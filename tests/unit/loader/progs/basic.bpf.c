// SPDX-License-Identifier: MIT
/*
 * The loader's main test object: BTF-defined maps of four types, every
 * kind of global data, static and global bpf-to-bpf calls, callbacks
 * (bpf_loop, bpf_for_each_map_elem), a syscall and a raw tracepoint
 * program. The test runs it in kbpf and in the kernel and compares.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct pair {
	__u32 calls;
	__u32 last;
};

struct event {
	__u64 a;
	__u32 b;
	__u32 c;
};

struct args {
	__u32 key;
	__u32 add;
	__u64 out;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 8);
	__type(key, __u32);
	__type(value, __u64);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, struct pair);
} pcpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 16);
	__uint(value_size, sizeof(__u32));
} fifo SEC(".maps");

int counter = 5;
const volatile __u32 scale = 3;
__u64 total;
char tag[8] SEC(".data.custom") = "kbpf";
const char greeting[4] SEC(".rodata.custom") = "hey";

struct loop_ctx {
	__u64 sum;
	__u64 limit;
};

static __noinline __u64 mul(__u64 a)
{
	return a * scale;
}

__noinline int twice(int x)
{
	return 2 * x;
}

static long loop_cb(__u32 i, void *ctx)
{
	struct loop_ctx *lc = ctx;

	lc->sum += i;
	return lc->sum > lc->limit;
}

static long sum_cb(void *map, __u32 *key, __u64 *val, void *ctx)
{
	*(__u64 *)ctx += *val + *key;
	return 0;
}

SEC("syscall")
int bump(struct args *a)
{
	struct loop_ctx lc = { 0, 100 };
	__u32 key = a->key;
	__u64 add = a->add;
	__u64 *v;

	if (key >= 8)
		return -1;
	v = bpf_map_lookup_elem(&counts, &key);
	if (!v)
		return -2;
	*v += add;
	total += add;
	counter++;
	bpf_loop(5, loop_cb, &lc, 0);
	a->out = *v + lc.sum;
	return twice((int)mul(add)) + counter;
}

SEC("raw_tp/sys_enter")
int emit(__u64 *ctx)
{
	struct event e = { .a = ctx[0], .b = (__u32)ctx[1], .c = scale };
	__u32 v = (__u32)ctx[0], k = 0;
	struct pair *p;
	__u64 sum = 0;

	bpf_ringbuf_output(&events, &e, sizeof(e), 0);
	bpf_map_push_elem(&fifo, &v, 0);
	bpf_for_each_map_elem(&counts, sum_cb, &sum, 0);
	p = bpf_map_lookup_elem(&pcpu, &k);
	if (p) {
		p->calls++;
		p->last = v;
	}
	return (int)sum + tag[0] + greeting[1] + twice(1);
}

char LICENSE[] SEC("license") = "GPL";
