// SPDX-License-Identifier: MIT
/*
 * Legacy `maps` definitions with padding between them (the second is
 * aligned to 32 bytes): the section's size divided by the number of maps
 * is not a definition's size; each symbol's size is. The third is static:
 * programs reference it through the section's symbol plus an offset.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct legacy_def first SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 3,
};

struct legacy_def second SEC("maps") __attribute__((aligned(32))) = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 4,
	.max_entries = 5,
};

static struct legacy_def third SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 2,
	.max_entries = 7,
};

SEC("syscall")
int use_both(void *ctx)
{
	__u32 k = 4;
	__u32 *b = bpf_map_lookup_elem(&second, &k);
	__u64 *a;

	k = 2;
	a = bpf_map_lookup_elem(&first, &k);
	if (!a || !b)
		return -1;
	*a += 3;
	*b += 4;
	return (int)(*a + *b);
}

/* Key 6 exists only in `third` (7 entries): -1 if another map is used. */
SEC("syscall")
int use_static(void *ctx)
{
	__u32 k = 6;
	__u16 *v = bpf_map_lookup_elem(&third, &k);

	if (!v)
		return -1;
	*v += 11;
	return *v;
}

char LICENSE[] SEC("license") = "GPL";
