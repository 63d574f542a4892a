// SPDX-License-Identifier: MIT
/*
 * libbpf's own perf_buffer (Debian's libbpf, unmodified) reads kbpf's
 * perf rings: this program interposes syscall(), mmap(), munmap(), ioctl()
 * and close() so that libbpf's bpf(2), perf_event_open(2), mmap and ioctl
 * calls land in kbpf's POSIX host. The same scenario then runs against the
 * kernel, and what libbpf hands to the callbacks (CPU, sizes, bytes, lost
 * counts) must be the same.
 *
 * kbpf headers without UAPI only: libbpf brings Linux's.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "core/object.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

/* ---- interposition: libbpf's system calls go to kbpf when asked ---- */

static int to_kbpf; /* route libbpf's calls to kbpf */
static _Thread_local int depth; /* inside kbpf's host: use the real calls */

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static int kbpf_fd(int fd)
{
	struct kbpf_obj *o;

	if (fd < 0)
		return 0;
	o = kbpf_posix_fd_obj(fd);
	if (o)
		kbpf_obj_put(o);
	return o != NULL;
}

long syscall(long nr, ...)
{
	va_list ap;
	long a[6], r;

	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (to_kbpf && !depth &&
	    (nr == __NR_bpf || nr == __NR_perf_event_open)) {
		depth++;
		if (nr == __NR_bpf)
			r = kbpf_posix_bpf((int)a[0], (void *)a[1],
					   (unsigned int)a[2]);
		else
			r = kbpf_posix_perf_event_open((void *)a[0],
						       (pid_t)a[1], (int)a[2],
						       (int)a[3],
						       (unsigned long)a[4]);
		depth--;
		return r;
	}
	return REAL(syscall)(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	void *r;

	if (depth || !kbpf_fd(fd))
		return REAL(mmap)(addr, len, prot, flags, fd, off);
	depth++;
	r = kbpf_posix_mmap(addr, len, prot, flags, fd, off);
	depth--;
	return r;
}

void *mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

int munmap(void *addr, size_t len)
{
	int r;

	if (depth)
		return REAL(munmap)(addr, len);
	depth++;
	r = kbpf_posix_munmap(addr, len); /* plain munmap for others */
	depth--;
	return r;
}

int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	unsigned long arg;
	int r;

	va_start(ap, req);
	arg = va_arg(ap, unsigned long);
	va_end(ap);
	if (depth || !kbpf_fd(fd))
		return REAL(ioctl)(fd, req, arg);
	depth++;
	r = kbpf_posix_perf_ioctl(fd, req, arg);
	depth--;
	return r;
}

int close(int fd)
{
	int r;

	if (depth || !kbpf_fd(fd))
		return REAL(close)(fd);
	depth++;
	r = kbpf_posix_close(fd);
	depth--;
	return r;
}

/* ---- the scenario ---- */

#define LOG_MAX 4096

struct log {
	char *text;
	size_t len;
	int samples;
	unsigned long long lost;
};

static void log_add(struct log *l, const char *fmt, ...)
{
	va_list ap;

	if (!l->text)
		l->text = calloc(1, 1 << 20);
	va_start(ap, fmt);
	l->len += (size_t)vsnprintf(l->text + l->len, (1 << 20) - l->len, fmt,
				    ap);
	va_end(ap);
}

static void on_sample(void *ctx, int cpu, void *data, __u32 size)
{
	struct log *l = ctx;
	unsigned int sum = 0;

	for (__u32 i = 0; i < size; i++)
		sum = sum * 31 + ((unsigned char *)data)[i];
	l->samples++;
	log_add(l, "S cpu%d size%u first%02x sum%08x\n", cpu, size,
		size ? ((unsigned char *)data)[0] : 0, sum);
}

static void on_lost(void *ctx, int cpu, __u64 cnt)
{
	struct log *l = ctx;

	l->lost += cnt;
	log_add(l, "L cpu%d %llu\n", cpu, (unsigned long long)cnt);
}

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })

/*
 * Copy the 8 u64 args to the stack; output args[0] & 63 bytes of them with
 * bpf_perf_event_output (@ringbuf 0) or bpf_ringbuf_output (@ringbuf 1).
 */
static int load_prog(int map_fd, int ringbuf)
{
	struct bpf_insn p[40];
	union bpf_attr a;
	int n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	for (int i = 0; i < 8; i++) {
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 2, 6, (short)(8 * i), 0);
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 10, 2,
			   (short)(-64 + 8 * i), 0);
	}
	if (ringbuf) {
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
			   map_fd);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -64);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 3, 6, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 63);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 4, 0, 0, 0);
		p[n++] =
			I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output);
	} else {
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
			   map_fd);
		p[n++] = I(0, 0, 0, 0, 0);
		/* BPF_F_CURRENT_CPU */
		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, -1);
		p[n++] = I(0, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -64);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 5, 6, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 63);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_perf_event_output);
	}
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = (__u32)n;
	a.insns = (__u64)(uintptr_t)p;
	a.license = (__u64)(uintptr_t) "GPL";
	return (int)syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a));
}

/*
 * Everything through libbpf: create the array, perf_buffer__new (which
 * opens one event per CPU, mmaps 1 + 1 pages each and enables them), run
 * the program 600 times on alternating CPUs with sizes that overflow the
 * rings, and read with perf_buffer__poll/consume.
 */
static int scenario(struct log *l, int *fails)
{
	int ncpu = libbpf_num_possible_cpus(), map_fd, prog_fd, err = 0;
	uint64_t seed = 7;
	struct perf_buffer *pb;

	*fails = 0;
	map_fd = bpf_map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, "pb", 4, 4,
				(unsigned int)ncpu, NULL);
	if (map_fd < 0)
		return -1;
	pb = perf_buffer__new(map_fd, 1, on_sample, on_lost, l, NULL);
	if (!pb) {
		close(map_fd);
		return -2;
	}
	prog_fd = load_prog(map_fd, 0);
	if (prog_fd < 0) {
		err = -3;
		goto out;
	}
	for (int i = 0; i < 600; i++) {
		__u64 args[8];
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args,
			    .ctx_size_in = sizeof(args),
			    .flags = BPF_F_TEST_RUN_ON_CPU,
			    .cpu = (__u32)(i % ncpu));

		for (int k = 0; k < 8; k++)
			args[k] = kbpf_test_rand(&seed);
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			err = -4;
			goto out;
		}
		*fails += o.retval != 0;
		/* Read now and then; in between the rings overflow. */
		if (i % 200 == 199) {
			if (perf_buffer__poll(pb, 100) < 0 ||
			    perf_buffer__consume(pb) < 0) {
				err = -5;
				goto out;
			}
			log_add(l, "-- read after run %d\n", i);
		}
	}
out:
	perf_buffer__free(pb);
	if (prog_fd >= 0)
		close(prog_fd);
	close(map_fd);
	return err;
}

KBPF_TEST(
	perf_libbpf_reads_kbpf,
	"libbpf's perf_buffer reads kbpf's rings and hands its callbacks what the kernel's give it, overflow and LOST counts included")
{
	struct log k = { 0 }, m = { 0 };
	int kf, mf, r;

	to_kbpf = 0;
	r = scenario(&k, &kf);
	if (r == -1 || r == -2)
		T_SKIP("kernel oracle: cannot create a perf buffer (%d, %s)", r,
		       strerror(errno));
	T_EQ(r, 0);
	to_kbpf = 1;
	r = scenario(&m, &mf);
	to_kbpf = 0;
	T_EQ(r, 0);
	printf("  kernel: %d samples, %llu lost; kbpf: %d samples, %llu lost\n",
	       k.samples, k.lost, m.samples, m.lost);
	T_EQ(mf, kf);
	T_ASSERT(k.samples > 50 && k.lost > 0);
	if (k.len != m.len || memcmp(k.text, m.text, k.len)) {
		size_t i = 0;

		while (i < k.len && i < m.len && k.text[i] == m.text[i])
			i++;
		T_FAIL("callbacks differ at byte %zu:\n kernel: %.120s\n kbpf:   %.120s",
		       i, k.text + i, m.text + i);
	}
	free(k.text);
	free(m.text);
}

static int on_record(void *ctx, void *data, size_t size)
{
	on_sample(ctx, -1, data, (__u32)size);
	return 0;
}

/* The same through a 4096-byte BPF_MAP_TYPE_RINGBUF and ring_buffer. */
static int rb_scenario(struct log *l, int *fails)
{
	int map_fd, prog_fd, err = 0;
	uint64_t seed = 9;
	struct ring_buffer *rb;

	*fails = 0;
	map_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "rb", 0, 0, 4096, NULL);
	if (map_fd < 0)
		return -1;
	rb = ring_buffer__new(map_fd, on_record, l, NULL);
	if (!rb) {
		close(map_fd);
		return -2;
	}
	prog_fd = load_prog(map_fd, 1);
	if (prog_fd < 0) {
		err = -3;
		goto out;
	}
	for (int i = 0; i < 600; i++) {
		__u64 args[8];
		LIBBPF_OPTS(bpf_test_run_opts, o, .ctx_in = args,
			    .ctx_size_in = sizeof(args));

		for (int k = 0; k < 8; k++)
			args[k] = kbpf_test_rand(&seed);
		if (bpf_prog_test_run_opts(prog_fd, &o)) {
			err = -4;
			goto out;
		}
		*fails += o.retval != 0;
		if (i % 150 == 149) {
			if (ring_buffer__poll(rb, 100) < 0 ||
			    ring_buffer__consume(rb) < 0) {
				err = -5;
				goto out;
			}
			log_add(l, "-- read after run %d\n", i);
		}
	}
out:
	ring_buffer__free(rb);
	if (prog_fd >= 0)
		close(prog_fd);
	close(map_fd);
	return err;
}

KBPF_TEST(
	ringbuf_libbpf_reads_kbpf,
	"libbpf's ring_buffer reads kbpf's BPF_MAP_TYPE_RINGBUF mapping and sees the kernel's records, full ring included")
{
	struct log k = { 0 }, m = { 0 };
	int kf, mf, r;

	to_kbpf = 0;
	r = rb_scenario(&k, &kf);
	if (r == -1 || r == -2)
		T_SKIP("kernel oracle: cannot create a ring buffer (%d, %s)", r,
		       strerror(errno));
	T_EQ(r, 0);
	to_kbpf = 1;
	r = rb_scenario(&m, &mf);
	to_kbpf = 0;
	T_EQ(r, 0);
	printf("  kernel: %d records, %d refused; kbpf: %d records, %d refused\n",
	       k.samples, kf, m.samples, mf);
	T_EQ(mf, kf);
	T_ASSERT(k.samples > 100 && kf > 0);
	if (k.len != m.len || memcmp(k.text, m.text, k.len))
		T_FAIL("callbacks differ");
	free(k.text);
	free(m.text);
}
