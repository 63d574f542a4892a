// SPDX-License-Identifier: MIT
/*
 * bpf_perf_event_output from packet programs against the kernel: socket
 * filters, tc and XDP programs (XDP with fragments too) run through
 * BPF_PROG_TEST_RUN on both sides append packet bytes to their samples
 * (flags bits 32-51, Linux's BPF_F_CTXLEN_MASK). Compared: each run's
 * return value (the helper's result: -EINVAL for stray flag bits, -EFAULT
 * past the packet, -E2BIG for an index past the array) and the perf ring's
 * bytes afterwards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diff.h"
#include "core/compiler.h"
#include "kbpf/perf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define PAGE 4096
#define DATA_PAGES 16

/*
 * bpf_perf_event_output(ctx, perf_map, params[0], stack, params[1] & 63)
 * with 64 bytes of pattern on the stack; returns the helper's result.
 */
static int out_prog(struct bpf_insn *p, long perf_map, long params)
{
	int n = 0, k;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	for (k = 0; k < 8; k++)
		p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -72 + 8 * k,
			   0x01020304 * (k + 1));
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)params);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 3, 0, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 5, 0, 8, 0);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 63);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 4, 0, 0, -72);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)perf_map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

struct side {
	long pmap, params, ev, prog[4];
	uint8_t *ring;
};

static const uint32_t types[4] = { BPF_PROG_TYPE_SOCKET_FILTER,
				   BPF_PROG_TYPE_SCHED_CLS, BPF_PROG_TYPE_XDP,
				   BPF_PROG_TYPE_XDP /* with frags */ };

static int side_open(int s, struct side *d)
{
	struct perf_event_attr at;
	struct bpf_insn p[64];
	uint32_t key = 0, fd;
	int t, n;

	memset(d, 0, sizeof(*d));
	d->pmap = side_create(s, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0, 0,
			      NULL);
	d->params = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0, 0, NULL);
	if (d->pmap < 0 || d->params < 0)
		return -1;
	memset(&at, 0, sizeof(at));
	at.type = PERF_TYPE_SOFTWARE;
	at.size = sizeof(at);
	at.config = PERF_COUNT_SW_BPF_OUTPUT;
	at.sample_type = PERF_SAMPLE_RAW;
	at.sample_period = 1;
	at.wakeup_events = 1;
	if (s == SIDE_KERNEL)
		d->ev = syscall(__NR_perf_event_open, &at, -1, 0, -1, 0);
	else
		d->ev = kbpf_posix_perf_event_open(&at, -1, 0, -1, 0);
	if (d->ev < 0)
		return -1;
	d->ring = s == SIDE_KERNEL ?
			  mmap(NULL, (1 + DATA_PAGES) * PAGE,
			       PROT_READ | PROT_WRITE, MAP_SHARED, (int)d->ev,
			       0) :
			  kbpf_posix_mmap(NULL, (1 + DATA_PAGES) * PAGE,
					  PROT_READ | PROT_WRITE, MAP_SHARED,
					  (int)d->ev, 0);
	if (d->ring == MAP_FAILED)
		return -1;
	fd = (uint32_t)d->ev;
	if (side_elem(s, BPF_MAP_UPDATE_ELEM, d->pmap, &key, &fd, 0))
		return -1;
	n = out_prog(p, d->pmap, d->params);
	for (t = 0; t < 4; t++) {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.prog_type = types[t];
		a.insn_cnt = (uint32_t)n;
		a.insns = (uint64_t)(uintptr_t)p;
		a.license = (uint64_t)(uintptr_t) "GPL";
		a.prog_flags = t == 3 ? BPF_F_XDP_HAS_FRAGS : 0;
		d->prog[t] = side_bpf(s, BPF_PROG_LOAD, &a);
		if (d->prog[t] < 0)
			return -1;
	}
	return 0;
}

static void side_close_all(int s, struct side *d)
{
	int t;

	if (d->ring && d->ring != MAP_FAILED) {
		if (s == SIDE_KERNEL)
			munmap(d->ring, (1 + DATA_PAGES) * PAGE);
		else
			kbpf_posix_munmap(d->ring, (1 + DATA_PAGES) * PAGE);
	}
	if (d->ev >= 0) {
		if (s == SIDE_KERNEL)
			close((int)d->ev);
		else
			kbpf_posix_close((int)d->ev);
	}
	for (t = 0; t < 4; t++)
		side_close(s, d->prog[t]);
	side_close(s, d->pmap);
	side_close(s, d->params);
}

static long run(int s, struct side *d, int t, uint64_t flags, uint64_t meta,
		const uint8_t *pkt, uint32_t len)
{
	static uint8_t out[16384];
	uint64_t params[2] = { flags, meta };
	uint32_t key = 0;
	union bpf_attr a;
	long r;

	if (side_elem(s, BPF_MAP_UPDATE_ELEM, d->params, &key, params, 0))
		return -1000;
	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)d->prog[t];
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = len;
	a.test.data_out = (uint64_t)(uintptr_t)out;
	a.test.data_size_out = sizeof(out);
	r = side_bpf(s, BPF_PROG_TEST_RUN, &a);
	return r ? r - 2000 : (long)(int32_t)a.test.retval;
}

KBPF_TEST(
	perf_output_packet_bytes_vs_kernel,
	"socket filter, tc and XDP programs append packet bytes to perf samples: results and ring bytes as the kernel's")
{
	static uint8_t pkt[6000];
	static const struct {
		uint64_t flags, meta;
	} cases[] = {
		{ 0, 8 },
		{ 14ull << 32, 8 },
		{ 60ull << 32, 13 },
		{ 60ull << 32, 0 },
		{ 1ull << 32, 0 },
		{ 46ull << 32, 8 },
		{ 47ull << 32, 3 },
		{ 61ull << 32, 16 },
		{ 1ull << 52, 8 },
		{ 1, 8 },
		{ BPF_F_CURRENT_CPU | (20ull << 32), 5 },
		{ 0xfffffull << 32, 8 },
	};
	static const struct {
		uint64_t flags, meta;
	} frag_cases[] = {
		{ 4500ull << 32, 8 },
		{ 6000ull << 32, 1 },
		{ 6001ull << 32, 8 },
		{ 100ull << 32, 0 },
	};
	struct side d[2];
	cpu_set_t set, old;
	long r[2];
	uint64_t head[2];
	size_t i;
	int s, t, runs = 0, ok = 0, efault = 0, einval = 0, e2big = 0;

	NEED_KERNEL();
	/* Index 0 is the event on CPU 0: run there on both sides. */
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	T_EQ(sched_getaffinity(0, sizeof(old), &old), 0);
	T_EQ(sched_setaffinity(0, sizeof(set), &set), 0);
	kbpf_posix_set_cpu(0);
	for (i = 0; i < sizeof(pkt); i++)
		pkt[i] = (uint8_t)(i * 13 + 1);
	pkt[12] = 0x08; /* IPv4, so every program sees an L3 packet */
	pkt[13] = 0x00;
	for (s = 0; s < 2; s++)
		T_ASSERT(side_open(s, &d[s]) == 0);
	for (t = 0; t < 3; t++) {
		for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
			for (s = 0; s < 2; s++)
				r[s] = run(s, &d[s], t, cases[i].flags,
					   cases[i].meta, pkt, 60);
			if (r[0] != r[1])
				T_FAIL("type %u, flags %#llx, meta %llu: kernel %ld, kbpf %ld",
				       types[t],
				       (unsigned long long)cases[i].flags,
				       (unsigned long long)cases[i].meta, r[0],
				       r[1]);
			runs++;
			ok += r[1] == 0;
			efault += r[1] == -EFAULT;
			einval += r[1] == -EINVAL;
			e2big += r[1] == -E2BIG;
		}
	}
	for (i = 0; i < KBPF_ARRAY_SIZE(frag_cases); i++) {
		for (s = 0; s < 2; s++)
			r[s] = run(s, &d[s], 3, frag_cases[i].flags,
				   frag_cases[i].meta, pkt, sizeof(pkt));
		if (r[0] != r[1])
			T_FAIL("XDP frags, flags %#llx: kernel %ld, kbpf %ld",
			       (unsigned long long)frag_cases[i].flags, r[0],
			       r[1]);
		runs++;
		ok += r[1] == 0;
		efault += r[1] == -EFAULT;
	}
	for (s = 0; s < 2; s++)
		head[s] = __atomic_load_n(
			&((struct perf_event_mmap_page *)d[s].ring)->data_head,
			__ATOMIC_ACQUIRE);
	T_EQ(head[0], head[1]);
	T_ASSERT(head[1] > 0 && head[1] <= DATA_PAGES * PAGE);
	T_MEMEQ(d[0].ring + PAGE, d[1].ring + PAGE, (size_t)head[1]);
	printf("  %d runs (%d samples, %d EFAULT, %d EINVAL, %d E2BIG), %llu ring bytes identical\n",
	       runs, ok, efault, einval, e2big, (unsigned long long)head[1]);
	T_ASSERT(ok > 0 && efault > 0 && einval > 0 && e2big > 0);
	for (s = 0; s < 2; s++)
		side_close_all(s, &d[s]);
	T_EQ(sched_setaffinity(0, sizeof(old), &old), 0);
}
