// SPDX-License-Identifier: MIT
/*
 * The examples (the .bpf.c files of examples/) run the same in kbpf and in the kernel:
 * each object is loaded by kbpf's loader and by libbpf into the kernel,
 * run with the same arguments through BPF_PROG_TEST_RUN (on CPU 0), and
 * the return values, every map's contents and the ring buffer records
 * are compared. (bpf_printk text and perf records are checked by the
 * helpers' own tests; here their return values are compared.) The packet
 * examples run on the sample frames of examples/packets/ in turn, with
 * the same map entries set first on both sides; their packets after each
 * run (data_out, data_size_out) are compared too. The test runs on CPU 0
 * so that per-CPU counters land in the same slot on both sides.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kbpf/loader.h"
#include "core/map.h"
#include "core/prog.h"
#include "maps/ringbuf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "libbpf_side.h"
#include "oracle.h"

/* MAP[KEY] = VALUE before the runs (integers of the map's sizes, host order). */
struct map_set {
	const char *map;
	uint64_t key, value;
};

struct example {
	const char *file;
	const char *prog;
	uint64_t args[4];
	int nr_args;
	int repeat;
	bool syscall_ctx;
	const char *pkts[6]; /* packet programs: data_in, one run each */
	struct map_set set[3];
};

static const struct example examples[] = {
	{ .file = "counter.bpf.o",
	  .prog = "count_by_key",
	  .args = { 59 },
	  .nr_args = 1,
	  .repeat = 3 },
	{ .file = "percpu.bpf.o",
	  .prog = "count_per_cpu",
	  .args = { 10 },
	  .nr_args = 1,
	  .repeat = 5 },
	{ .file = "lru_flow.bpf.o",
	  .prog = "track_flow",
	  .args = { 0x0a000001, 0x0a000002, 0x1f900050, 1500 },
	  .nr_args = 4,
	  .repeat = 2 },
	{ .file = "ringbuf_events.bpf.o",
	  .prog = "emit_event",
	  .args = { 42, 7 },
	  .nr_args = 2,
	  .repeat = 2 },
	{ .file = "perf_emit.bpf.o",
	  .prog = "emit_sample",
	  .args = { 1234 },
	  .nr_args = 1,
	  .repeat = 1 },
	{ .file = "queue.bpf.o",
	  .prog = "produce",
	  .args = { 3 },
	  .nr_args = 1,
	  .repeat = 2 },
	{ .file = "printk.bpf.o",
	  .prog = "log_syscall",
	  .args = { 59, 3 },
	  .nr_args = 2,
	  .repeat = 1 },
	{ .file = "calls.bpf.o",
	  .prog = "compute",
	  .args = { 0x0000000a00000005ull, 0 },
	  .nr_args = 2,
	  .repeat = 2,
	  .syscall_ctx = true },
	{ .file = "xdp_filter.bpf.o",
	  .prog = "xdp_filter",
	  .repeat = 2,
	  .pkts = { "udp_dns.pkt", "tcp_syn.pkt", "icmp_echo.pkt",
		    "udp_echo.pkt", "udp_nocsum.pkt" },
	  .set = { { "blocked_ports", 53, 0 }, { "blocked_ports", 7, 100 } } },
	{ .file = "xdp_reflect.bpf.o",
	  .prog = "xdp_reflect",
	  .repeat = 2,
	  .pkts = { "icmp_echo.pkt", "udp_echo.pkt", "udp_dns.pkt",
		    "tcp_syn.pkt" } },
	{ .file = "tc_portmap.bpf.o",
	  .prog = "tc_portmap",
	  .repeat = 2,
	  .pkts = { "tcp_syn.pkt", "udp_nocsum.pkt", "udp_dns.pkt",
		    "icmp_echo.pkt", "udp_echo.pkt" },
	  .set = { { "port_map", 8080, 80 }, { "port_map", 53, 5353 } } },
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

static size_t cmp_key_size;

static int cmp_key(const void *a, const void *b)
{
	return memcmp(a, b, cmp_key_size);
}

/* Every entry of a map, through bpf(2) on either side, sorted by key. */
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
	size_t start = d->len;
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
	/* Hash maps iterate in an order of their random seed: sort by key. */
	cmp_key_size = m->key_size;
	if (d->len > start)
		qsort(d->bytes + start, (d->len - start) / (m->key_size + vs),
		      m->key_size + vs, cmp_key);
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

/* A packet run's input and output. */
struct pkt {
	const uint8_t *in;
	uint32_t in_size;
	uint8_t out[8192];
	uint32_t out_size;
};

static long run(long (*bpf)(int, void *, unsigned int), int fd,
		const struct example *ex, struct pkt *p, uint32_t *retval)
{
	uint64_t ctx[4];
	union bpf_attr a;
	long r;

	memcpy(ctx, ex->args, sizeof(ctx));
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	if (ex->nr_args) {
		a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
		a.test.ctx_size_in = (uint32_t)(ex->nr_args * sizeof(uint64_t));
	}
	if (p) {
		memset(p->out, 0xa5, sizeof(p->out));
		a.test.data_in = (uint64_t)(uintptr_t)p->in;
		a.test.data_size_in = p->in_size;
		a.test.data_out = (uint64_t)(uintptr_t)p->out;
		a.test.data_size_out = sizeof(p->out);
	} else if (!ex->syscall_ctx) {
		a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	}
	r = bpf(BPF_PROG_TEST_RUN, &a, sizeof(a));
	*retval = a.test.retval;
	if (p)
		p->out_size = a.test.data_size_out;
	return r;
}

/* The example's map entries, set through bpf(2) on one side. */
static long set_maps(long (*bpf)(int, void *, unsigned int),
		     const struct example *ex, struct kbpf_elf *obj,
		     struct kside *ks)
{
	size_t i;

	for (i = 0; i < sizeof(ex->set) / sizeof(ex->set[0]); i++) {
		const struct map_set *ms = &ex->set[i];
		struct kbpf_elf_map *em;
		uint8_t key[8], val[8];
		union bpf_attr a;
		long r;
		int fd;

		if (!ms->map)
			break;
		em = kbpf_elf_find_map(obj, ms->map);
		if (!em || em->key_size > 8 || em->value_size > 8)
			return -EINVAL;
		/* The low bytes of the integers: little-endian hosts. */
		memcpy(key, &ms->key, 8);
		memcpy(val, &ms->value, 8);
		fd = bpf == oracle_kernel_bpf ? kside_map_fd(ks, ms->map) :
						install(&em->map->obj);
		memset(&a, 0, sizeof(a));
		a.map_fd = (uint32_t)fd;
		a.key = (uint64_t)(uintptr_t)key;
		a.value = (uint64_t)(uintptr_t)val;
		r = bpf(BPF_MAP_UPDATE_ELEM, &a, sizeof(a));
		if (r)
			return r;
	}
	return 0;
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
static struct pkt kp, bp;

/* Both sides ran one packet alike: verdict, errno, size and bytes out. */
static bool same_pkt(const struct example *ex, const char *pkt, int r, long ke,
		     uint32_t kr, long be, uint32_t br)
{
	uint32_t i;

	if (ke != be || kr != br || kp.out_size != bp.out_size) {
		kbpf_test_fail(
			__FILE__, __LINE__,
			"%s %s run %d: kernel %ld retval %u size %u, kbpf %ld retval %u size %u",
			ex->file, pkt, r, ke, kr, kp.out_size, be, br,
			bp.out_size);
		return false;
	}
	for (i = 0; !ke && i < kp.out_size && i < sizeof(kp.out); i++)
		if (kp.out[i] != bp.out[i]) {
			kbpf_test_fail(
				__FILE__, __LINE__,
				"%s %s run %d: data_out[%u] kernel %#x kbpf %#x",
				ex->file, pkt, r, i, kp.out[i], bp.out[i]);
			return false;
		}
	return true;
}

/* The run(s) of one repetition: the arguments once, or each packet. */
static bool run_both(const struct example *ex, int r, int kfd, int bfd,
		     int *nr_pkts)
{
	uint32_t kr, br;
	long ke, be;
	size_t k;

	if (!ex->pkts[0]) {
		ke = run(oracle_kernel_bpf, kfd, ex, NULL, &kr);
		be = run(oracle_kbpf_bpf, bfd, ex, NULL, &br);
		if (ke == be && kr == br)
			return true;
		kbpf_test_fail(
			__FILE__, __LINE__,
			"%s run %d: kernel %ld retval %u, kbpf %ld retval %u",
			ex->file, r, ke, kr, be, br);
		return false;
	}
	for (k = 0; k < sizeof(ex->pkts) / sizeof(ex->pkts[0]) && ex->pkts[k];
	     k++) {
		char path[512];
		size_t size;
		uint8_t *in;
		bool same;

		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_PKT_DIR,
			 ex->pkts[k]);
		in = read_file(path, &size);
		if (!in) {
			kbpf_test_fail(__FILE__, __LINE__, "%s: cannot read",
				       path);
			return false;
		}
		kp.in = bp.in = in;
		kp.in_size = bp.in_size = (uint32_t)size;
		ke = run(oracle_kernel_bpf, kfd, ex, &kp, &kr);
		be = run(oracle_kbpf_bpf, bfd, ex, &bp, &br);
		free(in);
		same = same_pkt(ex, ex->pkts[k], r, ke, kr, be, br);
		if (getenv("KBPF_TEST_SHOW"))
			printf("    %s %s: retval %u, %u bytes out\n", ex->file,
			       ex->pkts[k], kr, kp.out_size);
		if (!same)
			return false;
		(*nr_pkts)++;
	}
	return true;
}

KBPF_TEST(
	examples_like_kernel,
	"every example gives the kernel's return values, map contents and ring buffer records")
{
	const char *why = NULL;
	cpu_set_t cpus;
	size_t i;

	if (EXAMPLES_NO_OBJECTS_WHY[0])
		T_SKIP("no BPF objects: %s", EXAMPLES_NO_OBJECTS_WHY);
	if (!oracle_available(&why) || !kside_available(&why))
		T_SKIP("%s", why);
	/* Packet test runs count on the caller's CPU: the same on both sides. */
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	T_ASSERT(!sched_setaffinity(0, sizeof(cpus), &cpus));
	kbpf_posix_set_cpu(0);
	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		const struct example *ex = &examples[i];
		char path[512], err[512], kwhy[256];
		struct kbpf_elf_opts o = { .errbuf = err,
					   .errbuf_size = sizeof(err) };
		struct kside *ks;
		struct kbpf_elf *obj;
		int r, bfd, nr_pkts = 0;
		uint8_t *buf;
		size_t size;
		uint32_t m;

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
		T_EQ(set_maps(oracle_kernel_bpf, ex, obj, ks), 0);
		T_EQ(set_maps(oracle_kbpf_bpf, ex, obj, ks), 0);
		for (r = 0; r < ex->repeat; r++)
			if (!run_both(ex, r, kside_prog_fd(ks, ex->prog), bfd,
				      &nr_pkts))
				return;
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
		if (nr_pkts)
			printf("  %s: %d packets, data_out and %u maps equal to the kernel's\n",
			       ex->file, nr_pkts, obj->nr_maps);
		else
			printf("  %s: %d runs, %u maps equal to the kernel's\n",
			       ex->file, ex->repeat, obj->nr_maps);
		kside_close(ks);
		kbpf_elf_free(obj);
		kbpf_posix_reset();
	}
}
