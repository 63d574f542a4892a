// SPDX-License-Identifier: MIT
/*
 * bpf_user_ringbuf_drain under arguments chosen by the test: the callback
 * reads each sample through its dynptr (whose first u32, when there is
 * one, is the length the producer wrote), probes the dynptr's bounds,
 * may write into the sample, may try a nested drain, and reports it all
 * as one record in the `out` ring buffer.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 4096);
} urb SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_USER_RINGBUF);
	__uint(max_entries, 2 * 1024 * 1024);
} big SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} out SEC(".maps");

struct dctx {
	__u64 stop_at; /* return 1 from the callback at this sample (0: never) */
	__u64 write; /* write the sample's index into its byte 4 */
	__u64 nest; /* try a nested drain from the callback */
};

struct rec {
	__u32 idx;
	__s32 r_hdr;
	__s32 r_body;
	__s32 r_past;
	__s32 r_write;
	__s32 nested;
	__u32 data_ok;
	__u32 hdr;
	__u8 body[64];
};

struct result {
	__s64 ret;
	__u64 n;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct result);
} results SEC(".maps");

static long nested_cb(struct bpf_dynptr *d, void *ctx)
{
	return 0;
}

/* Counters live in the map value, so the verifier sees unknown scalars. */
static long cb(struct bpf_dynptr *d, void *ctx)
{
	struct dctx *c = ctx;
	struct rec r = {};
	struct result *res;
	__u32 key = 0, len;

	res = bpf_map_lookup_elem(&results, &key);
	if (!res)
		return 1;
	r.idx = (__u32)res->n;
	r.r_hdr = bpf_dynptr_read(&r.hdr, 4, d, 0, 0);
	len = r.hdr & 63;
	r.r_body = bpf_dynptr_read(r.body, len, d, 0, 0);
	r.r_past = bpf_dynptr_read(r.body + 60, 1, d, len, 0);
	r.data_ok = bpf_dynptr_data(d, 0, 4) != 0;
	if (c->write) {
		__u8 v = (__u8)res->n;

		r.r_write = bpf_dynptr_write(d, 4, &v, 1, 0);
	}
	if (c->nest)
		r.nested = bpf_user_ringbuf_drain(&urb, nested_cb, 0, 0);
	bpf_ringbuf_output(&out, &r, sizeof(r), 0);
	res->n++;
	return c->stop_at && res->n >= c->stop_at;
}

/* ctx: 0 drain flags, 1 stop_at, 2 write, 3 nest. */
SEC("raw_tp")
int drain(__u64 *ctx)
{
	struct dctx c = { .stop_at = ctx[1], .write = ctx[2], .nest = ctx[3] };
	struct result *res;
	__u32 key = 0;

	res = bpf_map_lookup_elem(&results, &key);
	if (!res)
		return 1;
	res->n = 0;
	res->ret = bpf_user_ringbuf_drain(&urb, cb, &c, ctx[0]);
	return 0;
}

static long count_cb(struct bpf_dynptr *d, void *ctx)
{
	struct result *res;
	__u32 key = 0;

	res = bpf_map_lookup_elem(&results, &key);
	if (res)
		res->n++;
	return 0;
}

SEC("raw_tp")
int drain_big(__u64 *ctx)
{
	struct result *res;
	__u32 key = 0;

	res = bpf_map_lookup_elem(&results, &key);
	if (!res)
		return 1;
	res->n = 0;
	res->ret = bpf_user_ringbuf_drain(&big, count_cb, 0, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
