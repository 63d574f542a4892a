// SPDX-License-Identifier: MIT
/*
 * A libbpf skeleton application (`bpftool gen skeleton` of
 * preload_skel.bpf.c, generated at build time), dynamically linked with
 * Debian's libbpf.so, that knows nothing of kbpf: open, set a .rodata
 * constant, load, attach (nothing auto-attaches: XDP needs an interface),
 * run the program on five frames with bpf_prog_test_run_opts(), then read
 * what it left through the skeleton: .bss and .data through libbpf's
 * mmaps, .rodata (read-only after load), the hash map by key iteration,
 * the ring buffer with ring_buffer__poll(); destroy. Prints what it sees:
 * tests/tools/test_preload_transcript.sh compares the transcript on the
 * kernel and under LD_PRELOAD=libkbpf-preload.so.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "preload_skel.skel.h"

struct event {
	uint32_t len;
	uint32_t first;
};

static int on_event(void *ctx, void *data, size_t size)
{
	const struct event *e = data;

	(void)ctx;
	printf("event: size %zu len %u first 0x%02x\n", size, e->len, e->first);
	return 0;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

int main(void)
{
	struct preload_skel *skel;
	struct ring_buffer *rb;
	unsigned char frame[64];
	uint32_t key, next, *prev = NULL;
	uint64_t count;
	int err, n, i;

	libbpf_set_print(quiet);
	skel = preload_skel__open();
	printf("open: %s\n", skel ? "ok" : strerror(errno));
	if (!skel)
		return 1;
	printf("rodata before load: drop_byte 0x%02x\n",
	       skel->rodata->drop_byte);
	skel->rodata->drop_byte = 0xa1;
	printf("data before load: bytes %llu\n",
	       (unsigned long long)skel->data->bytes);
	err = preload_skel__load(skel);
	printf("load: %d\n", err);
	if (err)
		goto out;
	err = preload_skel__attach(skel);
	printf("attach: %d\n", err);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL,
			      NULL);
	printf("ring_buffer__new: %s\n", rb ? "ok" : strerror(errno));
	for (i = 0; i < 5; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = (uint32_t)(20 + 10 * i),
			    .repeat = 1);

		memset(frame, 0xa0 + i % 3, sizeof(frame));
		err = bpf_prog_test_run_opts(
			bpf_program__fd(skel->progs.count_frames), &opts);
		printf("run %d: %d retval %u\n", i, err, opts.retval);
	}
	if (rb) {
		n = ring_buffer__poll(rb, 100);
		printf("poll: %d records\n", n);
		ring_buffer__free(rb);
	}
	printf("bss through the skeleton: frames %llu\n",
	       (unsigned long long)skel->bss->frames);
	printf("data through the skeleton: bytes %llu\n",
	       (unsigned long long)skel->data->bytes);
	printf("rodata through the skeleton: drop_byte 0x%02x\n",
	       skel->rodata->drop_byte);
	/* Keys in the map's own order, as on the kernel (hash order). */
	n = 0;
	while (!bpf_map__get_next_key(skel->maps.by_first, prev, &next,
				      sizeof(next))) {
		err = bpf_map__lookup_elem(skel->maps.by_first, &next,
					   sizeof(next), &count, sizeof(count),
					   0);
		printf("by_first 0x%02x: %d %llu\n", next, err,
		       (unsigned long long)count);
		key = next;
		prev = &key;
		n++;
	}
	printf("by_first: %d keys\n", n);
out:
	preload_skel__destroy(skel);
	printf("destroyed\n");
	return 0;
}
