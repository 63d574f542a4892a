// SPDX-License-Identifier: MIT
/*
 * The dynptr ring buffer helpers under arguments chosen by the test: one
 * run reserves a record through a dynptr, writes, reads and addresses it
 * through the generic accessors, then submits or discards it, and leaves
 * every return value and the dynptr's raw bytes in the results map.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} rb SEC(".maps");

struct result {
	__s64 reserve;
	__s64 write;
	__s64 read;
	__s64 read_null;
	__u64 data_ok;
	__u64 data_val;
	__u8 raw[16];
	__u8 after[16];
	__u8 rbuf[64];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct result);
} results SEC(".maps");

/*
 * ctx: 0 size, 1 reserve flags, 2 write offset, 3 write length (& 63),
 * 4 write flags, 5 read offset, 6 read length (& 63), 7 read flags,
 * 8 data offset, 9 commit (bit 0: discard; the rest: commit flags),
 * 10 pattern seed.
 */
SEC("raw_tp")
int dyn(__u64 *ctx)
{
	__u8 pat[64], buf[64];
	struct bpf_dynptr p;
	struct result *r;
	__u32 key = 0;
	__u8 *d;
	int i;

	r = bpf_map_lookup_elem(&results, &key);
	if (!r)
		return 1;
	for (i = 0; i < 64; i++)
		pat[i] = (__u8)(ctx[10] + i);
	__builtin_memset(buf, 0xee, sizeof(buf));
	r->reserve = bpf_ringbuf_reserve_dynptr(&rb, (__u32)ctx[0], ctx[1], &p);
	bpf_probe_read_kernel(r->raw, 16, &p);
	r->write =
		bpf_dynptr_write(&p, (__u32)ctx[2], pat, ctx[3] & 63, ctx[4]);
	r->read = bpf_dynptr_read(buf, ctx[6] & 63, &p, (__u32)ctx[5], ctx[7]);
	__builtin_memcpy(r->rbuf, buf, sizeof(buf));
	d = bpf_dynptr_data(&p, (__u32)ctx[8], 8);
	r->data_ok = d != 0;
	r->data_val = 0;
	if (d) {
		r->data_val = *(__u64 *)d;
		d[7] = 0x77;
	}
	if (ctx[9] & 1)
		bpf_ringbuf_discard_dynptr(&p, ctx[9] >> 1);
	else
		bpf_ringbuf_submit_dynptr(&p, ctx[9] >> 1);
	bpf_probe_read_kernel(r->after, 16, &p);
	return 0;
}

/* A dynptr over the results value (bpf_dynptr_from_mem), read at ctx[1]. */
SEC("raw_tp")
int from_mem(__u64 *ctx)
{
	struct bpf_dynptr p;
	struct result *r;
	__u32 key = 0;
	__u8 buf[8] = { 0 };

	r = bpf_map_lookup_elem(&results, &key);
	if (!r)
		return 1;
	r->reserve =
		bpf_dynptr_from_mem(r->rbuf, (__u32)ctx[0] & 63, ctx[2], &p);
	bpf_probe_read_kernel(r->raw, 16, &p);
	r->read = bpf_dynptr_read(buf, 8, &p, (__u32)ctx[1], 0);
	r->write = bpf_dynptr_write(&p, (__u32)ctx[1], buf, 8, ctx[3]);
	r->read_null = 0;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
