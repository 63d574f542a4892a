// SPDX-License-Identifier: MIT
/*
 * One program per thing kbpf refuses, next to one it loads: the object
 * parses, each program says why it cannot load, and the others load
 * (kbpf_elf_create_map / kbpf_elf_load_prog, `kbpf load`).
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct task_like {
	int pid;
	int tgid;
} __attribute__((preserve_access_index));

extern int LINUX_KERNEL_VERSION __kconfig;
extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_maybe_there(void) __ksym __weak;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} ok_map SEC(".maps");

/* A map type kbpf does not implement. */
struct {
	__uint(type, BPF_MAP_TYPE_SOCKMAP);
	__uint(max_entries, 16);
	__uint(key_size, 4);
	__uint(value_size, 4);
} socks SEC(".maps");

/* Sized by the loader before load (bpf_map__set_max_entries()). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u32);
} sized_later SEC(".maps");

/* Map-in-map: the loader builds the template from the inner definition. */
struct inner_map {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} inner_a SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 2);
	__type(key, __u32);
	__array(values, struct inner_map);
} outer SEC(".maps") = {
	.values = { [1] = &inner_a },
};

/* CO-RE in a .text function: the programs that call it get it. */
static __attribute__((noinline)) int core_sub(struct task_like *t)
{
	return t->tgid;
}

SEC("syscall")
int good(void *ctx)
{
	__u32 k = 0;
	__u64 *v = bpf_map_lookup_elem(&ok_map, &k);

	return v ? 1 : 0;
}

SEC("raw_tp/sched_switch")
int core_via_sub(struct task_like *t)
{
	return core_sub(t) + 1;
}

SEC("syscall")
int kfunc_call(void *ctx)
{
	bpf_rcu_read_lock();
	return 0;
}

SEC("syscall")
int kconfig_var(void *ctx)
{
	return LINUX_KERNEL_VERSION;
}

SEC("syscall")
int weak_kfunc_addr(void *ctx)
{
	return bpf_maybe_there ? 1 : 2;
}

SEC("syscall")
int uses_socks(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&socks, &k) ? 1 : 0;
}

SEC("syscall")
int uses_sized_later(void *ctx)
{
	__u32 k = 0;

	return bpf_map_lookup_elem(&sized_later, &k) ? 1 : 0;
}

/* A section libbpf does not know: its loader sets the type (libxdp does). */
SEC("xdp_custom")
int custom_sec(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
