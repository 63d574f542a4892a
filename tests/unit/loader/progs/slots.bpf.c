// SPDX-License-Identifier: MIT
/*
 * A prog array filled by its `values` initialiser: libbpf fills the slots
 * after loading the programs, and so does kbpf's loader. Also global data
 * with and without global variables: only the former is mmapable.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("raw_tp/sys_enter")
int tail_a(void *ctx)
{
	/* A string literal: a .rodata of static variables only. */
	bpf_printk("tail a");
	return 10;
}

SEC("raw_tp/sys_enter")
int tail_b(void *ctx)
{
	return 20;
}

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 4);
	__uint(key_size, sizeof(__u32));
	__array(values, int(void *));
} jmp SEC(".maps") = {
	.values = { [0] = (void *)&tail_a, [2] = (void *)&tail_b },
};

int slot = 2;

SEC("raw_tp/sys_enter")
int entry(void *ctx)
{
	bpf_tail_call(ctx, &jmp, slot);
	return 99;
}

char LICENSE[] SEC("license") = "GPL";
