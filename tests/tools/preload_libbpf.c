// SPDX-License-Identifier: MIT
/*
 * A libbpf application, dynamically linked with Debian's libbpf.so, that
 * knows nothing of kbpf: it opens and loads an object (argv[1]), runs its
 * XDP program on three frames with bpf_prog_test_run_opts(), reads the
 * ring buffer with ring_buffer__poll() (mmap of the ring, epoll on its
 * fd), reads the .bss counter through an mmap of the map (as libbpf's
 * skeletons do) and a lookup, and prints what it sees. tests/tools/test_preload_libbpf.sh runs it on the kernel and
 * under LD_PRELOAD=libkbpf-preload.so and compares the transcripts.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

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
	return 0; /* libbpf's own messages differ (BTF retried on kbpf) */
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_program *prog;
	struct bpf_map *bss, *events;
	struct ring_buffer *rb;
	unsigned char frame[64];
	const uint64_t *frames;
	uint64_t value = 0;
	size_t size;
	struct timespec t0, t1;
	int err, n;

	if (argc < 2)
		return 2;
	libbpf_set_print(quiet);
	obj = bpf_object__open_file(argv[1], NULL);
	if (!obj) {
		printf("open: %s\n", strerror(errno));
		return 1;
	}
	err = bpf_object__load(obj);
	printf("load: %d\n", err);
	if (err)
		return 1;
	prog = bpf_object__find_program_by_name(obj, "send_frames");
	events = bpf_object__find_map_by_name(obj, "events");
	bss = bpf_object__find_map_by_name(obj, ".bss");
	printf("found: %d %d %d\n", !!prog, !!events, !!bss);
	if (!prog || !events || !bss)
		return 1;
	rb = ring_buffer__new(bpf_map__fd(events), on_event, NULL, NULL);
	printf("ring_buffer__new: %s\n", rb ? "ok" : strerror(errno));
	if (!rb)
		return 1;
	for (int i = 0; i < 3; i++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
			    .data_size_in = (uint32_t)(20 + 10 * i),
			    .repeat = 1);

		memset(frame, 0xa0 + i, sizeof(frame));
		err = bpf_prog_test_run_opts(bpf_program__fd(prog), &opts);
		printf("run %d: %d retval %u\n", i, err, opts.retval);
	}
	n = ring_buffer__poll(rb, 100);
	printf("poll: %d records\n", n);
	/* Drained: a poll now sleeps its whole timeout (level-triggered). */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = ring_buffer__poll(rb, 200);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("poll of the drained ring: %d records, slept its timeout: %s\n",
	       n,
	       (t1.tv_sec - t0.tv_sec) * 1000 +
				       (t1.tv_nsec - t0.tv_nsec) / 1000000 >=
			       150 ?
		       "yes" :
		       "no");
	size = (size_t)sysconf(_SC_PAGESIZE);
	frames = mmap(NULL, size, PROT_READ, MAP_SHARED, bpf_map__fd(bss), 0);
	printf("frames through an mmap of .bss: %lu\n",
	       frames != MAP_FAILED ? (unsigned long)*frames : 0UL);
	if (frames != MAP_FAILED)
		munmap((void *)frames, size);
	n = 0;
	err = bpf_map_lookup_elem(bpf_map__fd(bss), &n, &value);
	printf("frames through a lookup: %d %lu\n", err, (unsigned long)value);
	ring_buffer__free(rb);
	bpf_object__close(obj);
	printf("closed\n");
	return 0;
}
