// SPDX-License-Identifier: MIT
/*
 * The examples (the .bpf.c files of examples/) run the same in kbpf and in the kernel:
 * each object is loaded by kbpf's loader and by libbpf into the kernel,
 * run with the same arguments through BPF_PROG_TEST_RUN (on CPU 0), and
 * the return values, every map's contents and the ring buffer records
 * are compared. (bpf_printk text and perf records are checked by the
 * helpers' own tests; here their return values are compared.)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/loader.h"
#include "kbpf/map.h"
#include "kbpf/prog.h"
#include "kbpf/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "libbpf_side.h"
#include "oracle.h"

struct example {
	const char *file;
	const char *prog;
	uint64_t args[4];
	int nr_args;
	int repeat;
	bool syscall_ctx;
};

static const struct example examples[] = {
	{ "counter.bpf.o", "count_by_key", { 59 }, 1, 3, false },
	{ "percpu.bpf.o", "count_per_cpu", { 10 }, 1, 5, false },
	{ "lru_flow.bpf.o",
	  "track_flow",
	  { 0x0a000001, 0x0a000002, 0x1f900050, 1500 },
	  4,
	  2,
	  false },
	{ "ringbuf_events.bpf.o", "emit_event", { 42, 7 }, 2, 2, false },
	{ "perf_emit.bpf.o", "emit_sample", { 1234 }, 1, 1, false },
	{ "queue.bpf.o", "produce", { 3 }, 1, 2, false },
	{ "printk.bpf.o", "log_syscall", { 59, 3 }, 2, 1, false },
	{ "calls.bpf.o", "compute", { 0x0000000a00000005ull, 0 }, 2, 2, true },
};

#define DUMP_MAX 65536

struct dump {
	uint8_t bytes[DUMP_MAX];
	size_t len;
};

static void dump_put(struct dump *d, const void *p, size_t n)
{
	if (d->len + n <= DUMP_MAX) {
		memcpy(d->bytes + d->len, p, n);
		d->len += n;
	}
}

/* Every entry of a map, through bpf(2) on either side, in key order of the map. */
static void dump_map(long (*bpf)(int, void *, unsigned int), int fd,
		     const struct kbpf_elf_map *m, struct dump *d)
{
	uint32_t ncpu = kbpf_posix_possible_cpus();
	bool percpu = m->type == BPF_MAP_TYPE_PERCPU_ARRAY ||
		      m->type == BPF_MAP_TYPE_PERCPU_HASH ||
		      m->type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
	size_t vs = percpu ? ((m->value_size + 7u) & ~7u) * ncpu :
			     m->value_size;
	uint8_t key[64], next[64], *val = calloc(1, vs + 8);
	bool have = false;
	union bpf_attr a;
	int n = 0;

	if (m->type == BPF_MAP_TYPE_QUEUE || m->type == BPF_MAP_TYPE_STACK) {
		for (n = 0; n < 1000; n++) {
			memset(&a, 0, sizeof(a));
			a.map_fd = (uint32_t)fd;
			a.value = (uint64_t)(uintptr_t)val;
			if (bpf(BPF_MAP_LOOKUP_AND_DELETE_ELEM, &a, sizeof(a)))
				break;
			dump_put(d, val, vs);
		}
		free(val);
		return;
	}
	for (n = 0; n < 100000 && m->key_size <= sizeof(key); n++) {
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = have ? (uint64_t)(uintptr_t)key : 0;
		a.next_key = (uint64_t)(uintptr_t)next;
		if (bpf(BPF_MAP_GET_NEXT_KEY, &a, sizeof(a)))
			break;
		memcpy(key, next, m->key_size);
		have = true;
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uint64_t)(uintptr_t)key;
		a.value = (uint64_t)(uintptr_t)val;
		if (bpf(BPF_MAP_LOOKUP_ELEM, &a, sizeof(a)))
			continue;
		dump_put(d, key, m->key_size);
		dump_put(d, val, vs);
	}
	free(val);
}

static void rb_put(void *ctx, const void *data, size_t size)
{
	dump_put(ctx, data, size);
}

static int kbpf_rb_put(void *ctx, const void *data, uint32_t size)
{
	dump_put(ctx, data, size);
	return 0;
}

static long run(long (*bpf)(int, void *, unsigned int), int fd,
		const struct example *ex, uint32_t *retval)
{
	uint64_t ctx[4];
	union bpf_attr a;
	long r;

	memcpy(ctx, ex->args, sizeof(ctx));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = (uint32_t)(ex->nr_args * sizeof(uint64_t));
	if (!ex->syscall_ctx)
		a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	r = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	return r;
}

static int install(struct kbpf_obj *o)
{
	const struct kbpf_host *h = kbpf_posix_host();
	int fd;

	kbpf_obj_get(o);
	fd = h->fd_install(h, o, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_put(o);
	return fd;
}

static uint8_t *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*size = (size_t)n;
	return b;
}

static struct dump kd, bd;

KBPF_TEST(
	examples_like_kernel,
	"every example gives the kernel's return values, map contents and ring buffer records")
{
	const char *why = NULL;
	size_t i;

	if (EXAMPLES_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", EXAMPLES_NO_OBJECTS_WHY);
	if (!oracle_available(&why) || !kside_available(&why))
		T_SKIP("%s", why);
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *ex = &examples[i];
		char path[512], err[512], kwhy[256];
		struct kbpf_elf_opts o = { .errbuf = err,
					   .errbuf_size = sizeof(err) };
		struct kside *ks;
		struct kbpf_elf *obj;
		uint32_t kr, br, m;
		long ke, be;
		uint8_t *buf;
		size_t size;
		int r, bfd;

		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, ex->file);
		buf = read_file(path, &size);
		T_ASSERT(buf);
		if (kbpf_elf_parse(kbpf_posix_host(), buf, size, &o, &obj))
			T_FAIL("%s: %s", ex->file, err);
		free(buf);
		if (kbpf_elf_load(obj, &o))
			T_FAIL("%s: %s", ex->file, err);
		if (kside_open(path, &ks, kwhy, sizeof(kwhy)))
			T_FAIL("%s: kernel: %s", ex->file, kwhy);
		bfd = install(&kbpf_elf_find_prog(obj, ex->prog)->prog->obj);
		for (r = 0; r < ex->repeat; r++) {
			ke = run(oracle_kernel_bpf, kside_prog_fd(ks, ex->prog),
				 ex, &kr);
			be = run(oracle_kbpf_bpf, bfd, ex, &br);
			if (ke != be || kr != br)
				T_FAIL("%s run %d: kernel %ld retval %u, kbpf %ld retval %u",
				       ex->file, r, ke, kr, be, br);
		}
		for (m = 0; m < obj->nr_maps; m++) {
			const struct kbpf_elf_map *em = &obj->maps[m];
			int kfd = kside_map_fd(ks, em->name);

			kd.len = bd.len = 0;
			if (em->type == BPF_MAP_TYPE_RINGBUF) {
				kside_ringbuf_drain(ks, em->name, rb_put, &kd);
				kbpf_ringbuf_consume(em->map, kbpf_rb_put, &bd);
			} else if (em->type != BPF_MAP_TYPE_PERF_EVENT_ARRAY) {
				int fd = install(&em->map->obj);

				T_ASSERT(kfd >= 0 && fd >= 0);
				dump_map(oracle_kernel_bpf, kfd, em, &kd);
				dump_map(oracle_kbpf_bpf, fd, em, &bd);
			}
			if (kd.len != bd.len ||
			    memcmp(kd.bytes, bd.bytes, kd.len))
				T_FAIL("%s map %s: kernel %zu bytes, kbpf %zu bytes differ",
				       ex->file, em->name, kd.len, bd.len);
		}
		printf("  %s: %d runs, %u maps equal to the kernel's\n",
		       ex->file, ex->repeat, obj->nr_maps);
		kside_close(ks);
		kbpf_elf_free(obj);
		kbpf_posix_reset();
	}
}
