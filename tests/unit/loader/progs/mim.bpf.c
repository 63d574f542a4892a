// SPDX-License-Identifier: MIT
/*
 * Map-in-map from an object: an ARRAY_OF_MAPS and a HASH_OF_MAPS defined
 * with `__array(values, struct inner)` and initial slots naming other
 * maps, as libbpf creates them (template from the inner definition, slots
 * filled after the maps exist). The program adds to element 0 of the inner
 * map it finds and returns the sum, or 1000/2000 for a missing map/element.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
};

struct inner a1 SEC(".maps"), a2 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner);
} outer_arr SEC(".maps") = {
	.values = { [0] = &a1, [3] = &a2 },
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
	__uint(max_entries, 8);
	__type(key, __u32);
	__array(values, struct inner);
} outer_hash SEC(".maps") = {
	.values = { [1] = &a2, [2] = &a1 },
};

static int bump(void *outer, __u32 idx, __u32 add)
{
	__u32 zero = 0, *v;
	void *in = bpf_map_lookup_elem(outer, &idx);

	if (!in)
		return 1000;
	v = bpf_map_lookup_elem(in, &zero);
	if (!v)
		return 2000;
	*v += add;
	return *v;
}

/* ctx: u64 args[0] = 0 (array) or 1 (hash), args[1] = index, args[2] = add */
SEC("raw_tp/sys_enter")
int mim(__u64 *ctx)
{
	if (ctx[0])
		return bump(&outer_hash, (__u32)ctx[1], (__u32)ctx[2]);
	return bump(&outer_arr, (__u32)ctx[1], (__u32)ctx[2]);
}

char LICENSE[] SEC("license") = "GPL";
