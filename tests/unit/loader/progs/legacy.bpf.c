// SPDX-License-Identifier: MIT
/* A legacy `maps` section (struct bpf_map_def), which libbpf 1.x refuses. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct legacy_def old_array SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = 4,
	.value_size = 8,
	.max_entries = 2,
};

struct legacy_def old_queue SEC("maps") = {
	.type = BPF_MAP_TYPE_QUEUE,
	.value_size = 4,
	.max_entries = 4,
};

SEC("syscall")
int use_legacy(void *ctx)
{
	__u32 k = 1, v = 7;
	__u64 *p = bpf_map_lookup_elem(&old_array, &k);

	bpf_map_push_elem(&old_queue, &v, 0);
	if (!p)
		return -1;
	*p += 40;
	return (int)*p;
}

char LICENSE[] SEC("license") = "Dual MIT/GPL";
__u32 _version SEC("version") = 0x060c00;
