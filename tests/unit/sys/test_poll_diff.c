// SPDX-License-Identifier: MIT
/*
 * poll(2) on bpf fds against the kernel (issue #14: "a poll readiness that
 * is level-triggered"). The kernel side polls its own fds; kbpf's side
 * polls through kbpf_posix_poll(), which asks kbpf_obj_poll(). Compared:
 * the revents of every fd kind, and a ring buffer that is readable only
 * while records wait (after a consumer advanced consumer_pos through its
 * mapping, poll sleeps again: the POSIX host's eventfd no longer stays
 * ready), a user ring buffer writable only while not full.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "core/compiler.h"
#include "diff.h"
#include "kbpf/perf.h"
#include "insn.h"
#include "kbpf/raw_tp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define PAGE 4096
#define ASKED (POLLIN | POLLOUT | POLLPRI | POLLRDNORM | POLLWRNORM)

static struct kbpf_raw_tp poll_tp = { .name = "sys_enter", .nargs = 2 };

/* revents of @fd on @side after poll(2) with @timeout ms, or -errno. */
static long side_poll(int side, long fd, short events, int timeout)
{
	struct pollfd p = { .fd = (int)fd, .events = events };
	int r;

	if (side == SIDE_KERNEL)
		r = poll(&p, 1, timeout);
	else
		r = kbpf_posix_poll(&p, 1, timeout);
	if (r < 0)
		return -errno;
	return r ? p.revents : 0;
}

static void *side_mmap(int side, long fd, size_t len, int prot, off_t off)
{
	if (side == SIDE_KERNEL)
		return mmap(NULL, len, prot, MAP_SHARED, (int)fd, off);
	return kbpf_posix_mmap(NULL, len, prot, MAP_SHARED, (int)fd, off);
}

static void side_munmap(int side, void *p, size_t len)
{
	if (p == MAP_FAILED)
		return;
	if (side == SIDE_KERNEL)
		munmap(p, len);
	else
		kbpf_posix_munmap(p, len);
}

/* A raw tracepoint program: bpf_ringbuf_output(@rb, &42, 8, args[0]). */
static long rb_prog(int side, long rb)
{
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 42),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, (int)rb),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -8),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0, 8),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 6, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_ringbuf_output),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/* Run @prog once with args[0] = @flags: the program's return value. */
static long run(int side, long prog, uint64_t flags)
{
	uint64_t args[2] = { flags, 0 };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)prog;
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	return r ? r : (long)(int32_t)a.test.retval;
}

static long link_open(int side, long prog)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.name = (uint64_t)(uintptr_t) "sys_enter";
	a.raw_tracepoint.prog_fd = (uint32_t)prog;
	return side_bpf(side, BPF_RAW_TRACEPOINT_OPEN, &a);
}

static long perf_open(int side)
{
	struct perf_event_attr at;
	long r;

	memset(&at, 0, sizeof(at));
	at.type = PERF_TYPE_SOFTWARE;
	at.size = sizeof(at);
	at.config = PERF_COUNT_SW_BPF_OUTPUT;
	at.sample_type = PERF_SAMPLE_RAW;
	at.wakeup_events = 1;
	if (side == SIDE_KERNEL)
		r = syscall(__NR_perf_event_open, &at, -1, 0, -1, 0);
	else
		r = kbpf_posix_perf_event_open(&at, -1, 0, -1, 0);
	return r < 0 ? -errno : r;
}

static void fd_close(int side, long fd)
{
	if (fd < 0)
		return;
	if (side == SIDE_KERNEL)
		close((int)fd);
	else
		kbpf_posix_close((int)fd);
}

#define CMP(what, expr)                                                     \
	do {                                                                \
		long r_[2];                                                 \
		for (int s = 0; s < 2; s++)                                 \
			r_[s] = (expr);                                     \
		if (r_[0] != r_[1])                                         \
			T_FAIL("%s: kernel 0x%lx, kbpf 0x%lx", what, r_[0], \
			       r_[1]);                                      \
	} while (0)

KBPF_TEST(
	poll_fd_kinds_vs_kernel,
	"poll(2) on map, program, link and perf fds reports the kernel's revents")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_ARRAY, BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_PERF_EVENT_ARRAY,
					  BPF_MAP_TYPE_RINGBUF,
					  BPF_MAP_TYPE_USER_RINGBUF };
	long fd[2], rb[2], prog[2], link[2], ev[2];
	void *ring[2] = { MAP_FAILED, MAP_FAILED };

	NEED_KERNEL();
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &poll_tp), 0);
	for (size_t t = 0; t < KBPF_ARRAY_SIZE(types); t++) {
		int ringbuf = types[t] == BPF_MAP_TYPE_RINGBUF ||
			      types[t] == BPF_MAP_TYPE_USER_RINGBUF;
		char what[64];

		for (int s = 0; s < 2; s++) {
			fd[s] = side_create(s, types[t], ringbuf ? 0 : 4,
					    ringbuf ? 0 : 4, ringbuf ? PAGE : 4,
					    0, 0, "poll");
			T_ASSERT(fd[s] >= 0);
		}
		snprintf(what, sizeof(what), "map type %u", types[t]);
		CMP(what, side_poll(s, fd[s], ASKED, 0));
		/* POLLERR is reported even when not asked for. */
		CMP(what, side_poll(s, fd[s], 0, 0));
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	for (int s = 0; s < 2; s++) {
		rb[s] = side_create(s, BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0, 0,
				    "poll");
		prog[s] = rb_prog(s, rb[s]);
		T_ASSERT(prog[s] >= 0);
		link[s] = link_open(s, prog[s]);
		T_ASSERT(link[s] >= 0);
		ev[s] = perf_open(s);
		T_ASSERT(ev[s] >= 0);
	}
	CMP("program", side_poll(s, prog[s], ASKED, 0));
	CMP("raw tracepoint link", side_poll(s, link[s], ASKED, 0));
	CMP("perf event without a ring", side_poll(s, ev[s], ASKED, 0));
	CMP("perf event without a ring, nothing asked",
	    side_poll(s, ev[s], 0, 0));
	for (int s = 0; s < 2; s++) {
		ring[s] = side_mmap(s, ev[s], 2 * PAGE, PROT_READ | PROT_WRITE,
				    0);
		T_ASSERT(ring[s] != MAP_FAILED);
	}
	CMP("perf event with a ring", side_poll(s, ev[s], ASKED, 0));
	for (int s = 0; s < 2; s++) {
		side_munmap(s, ring[s], 2 * PAGE);
		fd_close(s, ev[s]);
		side_close(s, link[s]);
		side_close(s, prog[s]);
		side_close(s, rb[s]);
	}
	T_EQ(kbpf_raw_tp_unregister(&poll_tp), 0);
}

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

KBPF_TEST(
	poll_ringbuf_level_triggered_vs_kernel,
	"a ring buffer fd is readable while records wait and not after the consumer caught up, as the kernel's; poll then sleeps")
{
	long rb[2], prog[2];
	uint64_t *cons[2] = { MAP_FAILED, MAP_FAILED };
	const uint64_t *prod[2] = { MAP_FAILED, MAP_FAILED };
	int64_t t0;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		rb[s] = side_create(s, BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0, 0,
				    "poll");
		prog[s] = rb_prog(s, rb[s]);
		T_ASSERT(prog[s] >= 0);
		cons[s] = side_mmap(s, rb[s], PAGE, PROT_READ | PROT_WRITE, 0);
		prod[s] = side_mmap(s, rb[s], PAGE, PROT_READ, PAGE);
		T_ASSERT(cons[s] != MAP_FAILED && prod[s] != MAP_FAILED);
	}
	CMP("empty", side_poll(s, rb[s], ASKED, 0));
	/* A record with each wake-up policy: readable either way. */
	for (uint64_t f = 0; f < 3; f++) {
		char what[64];

		CMP("ringbuf_output", run(s, prog[s], f));
		snprintf(what, sizeof(what), "after an output (flags %llu)",
			 (unsigned long long)f);
		CMP(what, side_poll(s, rb[s], ASKED, 0));
		CMP(what, side_poll(s, rb[s], POLLIN, 0));
		/* Still readable: nothing was consumed (level, not edge). */
		CMP(what, side_poll(s, rb[s], POLLIN, 0));
		for (int s = 0; s < 2; s++)
			__atomic_store_n(cons[s],
					 __atomic_load_n(prod[s],
							 __ATOMIC_ACQUIRE),
					 __ATOMIC_RELEASE);
		CMP("consumed", side_poll(s, rb[s], ASKED, 0));
	}
	/* kbpf's poll really sleeps now: its eventfd was signalled above. */
	t0 = ms_now();
	T_EQ(side_poll(SIDE_KBPF, rb[SIDE_KBPF], POLLIN, 100), 0);
	T_ASSERT(ms_now() - t0 >= 90);
	for (int s = 0; s < 2; s++) {
		side_munmap(s, cons[s], PAGE);
		side_munmap(s, (void *)prod[s], PAGE);
		side_close(s, prog[s]);
		side_close(s, rb[s]);
	}
}

struct producer {
	long prog;
	int delay_ms;
};

static void *produce(void *arg)
{
	struct producer *p = arg;

	usleep((useconds_t)p->delay_ms * 1000);
	(void)run(SIDE_KBPF, p->prog, 0);
	return NULL;
}

KBPF_TEST(
	poll_ringbuf_wakes_sleeper,
	"a sleeping kbpf_posix_poll() on an empty ring buffer wakes when a program writes a record")
{
	struct producer p = { .delay_ms = 30 };
	struct pollfd pf[2];
	pthread_t th;
	long rb;
	int r;

	rb = side_create(SIDE_KBPF, BPF_MAP_TYPE_RINGBUF, 0, 0, PAGE, 0, 0,
			 "poll");
	T_ASSERT(rb >= 0);
	p.prog = rb_prog(SIDE_KBPF, rb);
	T_ASSERT(p.prog >= 0);
	/* One ordinary fd beside it: poll(2) still answers for it. */
	pf[0] = (struct pollfd){ .fd = -1, .events = POLLIN };
	pf[1] = (struct pollfd){ .fd = (int)rb, .events = POLLIN };
	T_EQ(pthread_create(&th, NULL, produce, &p), 0);
	r = kbpf_posix_poll(pf, 2, 20000);
	T_EQ(pthread_join(th, NULL), 0);
	T_EQ(r, 1);
	T_EQ(pf[0].revents, 0);
	T_EQ(pf[1].revents, POLLIN); /* masked by events, as poll(2) */
	side_close(SIDE_KBPF, p.prog);
	side_close(SIDE_KBPF, rb);
}

KBPF_TEST(poll_user_ringbuf_vs_kernel,
	  "a user ring buffer fd is writable while not full, as the kernel's")
{
	long urb[2];
	uint64_t *prod[2] = { MAP_FAILED, MAP_FAILED };

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		urb[s] = side_create(s, BPF_MAP_TYPE_USER_RINGBUF, 0, 0, PAGE,
				     0, 0, "poll");
		T_ASSERT(urb[s] >= 0);
		prod[s] = side_mmap(s, urb[s], PAGE, PROT_READ | PROT_WRITE,
				    PAGE);
		T_ASSERT(prod[s] != MAP_FAILED);
	}
	CMP("empty", side_poll(s, urb[s], ASKED, 0));
	for (int s = 0; s < 2; s++)
		__atomic_store_n(prod[s], PAGE - 8, __ATOMIC_RELEASE);
	CMP("almost full", side_poll(s, urb[s], ASKED, 0));
	for (int s = 0; s < 2; s++)
		__atomic_store_n(prod[s], PAGE, __ATOMIC_RELEASE);
	CMP("full", side_poll(s, urb[s], ASKED, 0));
	for (int s = 0; s < 2; s++) {
		side_munmap(s, prod[s], PAGE);
		side_close(s, urb[s]);
	}
}
