// SPDX-License-Identifier: MIT
/*
 * Errnos of issue #12 (item 10) against the kernel: BPF_OBJ_GET_INFO_BY_FD
 * on fds that are not open (EBADFD) or not BPF objects (EINVAL); command
 * numbers at and past the end of enum bpf_cmd, BPF_PROG_STREAM_READ_BY_FD
 * included; -ENOSPC for small logs at each log level; sleepable programs
 * and the map types they may use.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/time.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)

static long load(int side, uint32_t type, uint32_t flags,
		 const struct bpf_insn *insns, uint32_t cnt, uint32_t level,
		 char *log, uint32_t size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.prog_flags = flags;
	a.insn_cnt = cnt;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = level;
	a.log_size = log ? size : 0;
	a.log_buf = (uint64_t)(uintptr_t)log;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

KBPF_TEST(
	obj_info_bad_fds,
	"OBJ_GET_INFO_BY_FD: an fd that is not open (-1, closed, huge) gives EBADFD, an open non-BPF fd EINVAL, as the kernel")
{
	int devnull, closed;

	NEED_KERNEL();
	devnull = open("/dev/null", O_RDONLY);
	closed = open("/dev/null", O_RDONLY);
	T_ASSERT(devnull >= 0 && closed >= 0);
	close(closed);
	{
		const int fds[] = { -1, closed, 1 << 20, INT32_MAX, devnull };
		const long want[] = { -EBADFD, -EBADFD, -EBADFD, -EBADFD,
				      -EINVAL };

		for (size_t i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
			long r[2] = { 0, 0 };

			for (int s = 0; s < 2; s++) {
				union bpf_attr a;
				char info[64];

				memset(&a, 0, sizeof(a));
				a.info.bpf_fd = (uint32_t)fds[i];
				a.info.info_len = sizeof(info);
				a.info.info = (uint64_t)(uintptr_t)info;
				r[s] = side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
			}
			T_EQ(r[0], want[i]);
			T_EQ(r[1], r[0]);
		}
	}
	close(devnull);
}

KBPF_TEST(
	cmd_numbers,
	"bpf() commands past the last one the kernel knows (38.., negative) give EINVAL; 37 (PROG_STREAM_READ_BY_FD) answers as the kernel for each fd, stream id and buffer")
{
	static const int past[] = {
		__MAX_BPF_CMD, __MAX_BPF_CMD + 1, 64, 255,
		1000,	       INT32_MAX,	  -1, INT32_MIN
	};
	const struct bpf_insn prog[] = { MOV_K(0, 0), EXIT };
	char buf[256];
	long pfd[2];
	struct {
		int fd; /* -2: the program */
		uint32_t id, len;
		int with_buf;
	} cases[] = {
		{ -2, BPF_STREAM_STDOUT, 256, 1 },
		{ -2, BPF_STREAM_STDERR, 256, 1 },
		{ -2, 0, 256, 1 },
		{ -2, 3, 256, 1 },
		{ -2, 0xffffffffu, 256, 1 },
		{ -2, BPF_STREAM_STDERR, 0, 1 },
		{ -2, BPF_STREAM_STDERR, 256, 0 },
		{ -2, BPF_STREAM_STDERR, 0x80000000u, 1 },
		{ 1 << 20, BPF_STREAM_STDERR, 256, 1 },
		{ -1, BPF_STREAM_STDERR, 256, 1 },
		{ 0, BPF_STREAM_STDERR, 256, 1 }, /* stdin: not a program */
		{ 0, 0, 0, 0 }, /* all zero */
	};

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(past) / sizeof(past[0]); i++) {
		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			T_EQ(side_bpf(s, past[i], &a), -EINVAL);
		}
	}
	for (int s = 0; s < 2; s++) {
		pfd[s] = load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, prog, 2, 0,
			      NULL, 0);
		T_ASSERT(pfd[s] >= 0);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			union bpf_attr a;

			memset(&a, 0, sizeof(a));
			a.prog_stream_read.prog_fd =
				cases[i].fd == -2 ? (uint32_t)pfd[s] :
						    (uint32_t)cases[i].fd;
			a.prog_stream_read.stream_id = cases[i].id;
			a.prog_stream_read.stream_buf_len = cases[i].len;
			a.prog_stream_read.stream_buf =
				cases[i].with_buf ? (uint64_t)(uintptr_t)buf :
						    0;
			r[s] = side_bpf(s, BPF_PROG_STREAM_READ_BY_FD, &a);
		}
		if (r[0] != r[1])
			T_FAIL("stream read case %zu: kernel %ld, kbpf %ld", i,
			       r[0], r[1]);
	}
	for (int s = 0; s < 2; s++)
		side_close(s, pfd[s]);
}

/*
 * The log outcome of small successful loads at each level and size. kbpf's
 * log is not the kernel's (no register states, no liveness, no "processed"
 * line), so only sizes where both logs fit, or both overflow, are compared:
 * level 1 at every size (the kernel's line and kbpf's both fit in 128
 * bytes), levels 6 and 7 (LEVEL2 | STATS: kbpf lists the instructions and
 * the verification time) at 128 bytes, where both overflow, and every level
 * at 1024 bytes, where both fit. Not matched: LEVEL2 without STATS (levels 2
 * and 3) at 128 bytes, and any LEVEL2 level between kbpf's log size and the
 * kernel's (for these programs about 140 to 310 bytes): the kernel gives
 * ENOSPC there, kbpf loads; and level 1 in small logs for programs with
 * branches or calls (the kernel logs states there).
 */
KBPF_TEST(
	log_enospc_by_level,
	"small programs: log_level 6 and 7 with a 128-byte log give ENOSPC as the kernel; level 1 and large logs load")
{
	const struct bpf_insn p1[] = { MOV_K(0, 0), EXIT };
	const struct bpf_insn p3[] = { I(BPF_JMP | BPF_CALL, 0, 0, 0,
					 BPF_FUNC_ktime_get_ns),
				       MOV_K(0, 0), EXIT };
	const struct {
		const struct bpf_insn *insns;
		uint32_t cnt;
	} progs[] = { { p1, 2 }, { p3, 3 } };
	const struct {
		uint32_t level, size;
	} cases[] = {
		{ 1, 128 },  { 1, 200 },  { 1, 1024 },	  { 1 | 8, 128 },
		{ 6, 128 },  { 7, 128 },  { 7 | 8, 128 }, { 2, 1024 },
		{ 3, 1024 }, { 6, 1024 }, { 7, 1024 },	  { 7 | 8, 1024 },
		{ 4, 1024 }, { 5, 1024 },
	};
	int n = 0;

	NEED_KERNEL();
	for (size_t p = 0; p < sizeof(progs) / sizeof(progs[0]); p++) {
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			long r[2] = { 0, 0 };
			char log[2][1024];

			/* Level 1: only the straight-line program (see above). */
			if (p && cases[c].level < 2 + 8 &&
			    !(cases[c].level & 6) && cases[c].size < 1024)
				continue;

			for (int s = 0; s < 2; s++) {
				memset(log[s], 0, sizeof(log[s]));
				r[s] = load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0,
					    progs[p].insns, progs[p].cnt,
					    cases[c].level, log[s],
					    cases[c].size);
				side_close(s, r[s]);
			}
			if ((r[0] == -ENOSPC) != (r[1] == -ENOSPC) ||
			    (r[0] < 0 && r[0] != -ENOSPC) ||
			    (r[1] < 0 && r[1] != -ENOSPC))
				T_FAIL("prog %zu level %u size %u: kernel %ld, kbpf %ld\n  kernel log: %s\n  kbpf log: %s",
				       p, cases[c].level, cases[c].size, r[0],
				       r[1], log[0], log[1]);
			n++;
		}
	}
	printf("  %d level/size cases compared\n", n);
}

KBPF_TEST(
	sleepable_map_types,
	"a sleepable SYSCALL program may use array, hash, ringbuf, queue/stack maps; a PROG_ARRAY and other types give EINVAL and the kernel's log line")
{
	static const struct {
		uint32_t type, ks, vs, max, flags;
	} maps[] = {
		{ BPF_MAP_TYPE_HASH, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_PERCPU_HASH, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_STACK_TRACE, 4, 64, 4, 0 },
		{ BPF_MAP_TYPE_CGROUP_ARRAY, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_LRU_PERCPU_HASH, 4, 8, 4, 0 },
		{ BPF_MAP_TYPE_LPM_TRIE, 8, 8, 4, BPF_F_NO_PREALLOC },
		{ BPF_MAP_TYPE_DEVMAP, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_QUEUE, 0, 8, 4, 0 },
		{ BPF_MAP_TYPE_STACK, 0, 8, 4, 0 },
		{ BPF_MAP_TYPE_DEVMAP_HASH, 4, 4, 4, 0 },
		{ BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0 },
		{ BPF_MAP_TYPE_BLOOM_FILTER, 0, 8, 4, 0 },
		{ BPF_MAP_TYPE_USER_RINGBUF, 0, 0, 4096, 0 },
	};
	int refused = 0;

	NEED_KERNEL();
	for (size_t m = 0; m < sizeof(maps) / sizeof(maps[0]); m++) {
		long r[2] = { 0, 0 }, mfd[2] = { -1, -1 };
		char log[2][512];

		for (int s = 0; s < 2; s++) {
			struct bpf_insn insns[] = { I(BPF_LD | BPF_DW | BPF_IMM,
						      1, BPF_PSEUDO_MAP_FD, 0,
						      0),
						    I(0, 0, 0, 0, 0),
						    MOV_K(0, 0), EXIT };

			mfd[s] = side_create(s, maps[m].type, maps[m].ks,
					     maps[m].vs, maps[m].max,
					     maps[m].flags, 0, NULL);
			T_ASSERT(mfd[s] >= 0);
			insns[0].imm = (int32_t)mfd[s];
			memset(log[s], 0, sizeof(log[s]));
			r[s] = load(s, BPF_PROG_TYPE_SYSCALL, BPF_F_SLEEPABLE,
				    insns, 4, 1, log[s], sizeof(log[s]));
			side_close(s, r[s]);
			side_close(s, mfd[s]);
		}
		/* Where both refuse, kbpf's log is the kernel's first line. */
		if ((r[0] < 0 ? r[0] : 0) != (r[1] < 0 ? r[1] : 0) ||
		    (r[0] < 0 && (strncmp(log[0], log[1], strlen(log[1])) ||
				  !strchr(log[1], '\n') ||
				  log[0][strcspn(log[1], "\n")] != '\n')))
			T_FAIL("map type %u: kernel %ld [%s], kbpf %ld [%s]",
			       maps[m].type, r[0], log[0], r[1], log[1]);
		if (r[0] == -EINVAL)
			refused++;
		if (maps[m].type == BPF_MAP_TYPE_PROG_ARRAY) {
			T_EQ(r[0], -EINVAL);
			T_ASSERT(
				strcmp(log[1],
				       "Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps\n") ==
				0);
		}
	}
	printf("  %d of %zu map types refused to a sleepable program\n",
	       refused, sizeof(maps) / sizeof(maps[0]));
}

static void on_alarm(int sig)
{
	(void)sig;
}

KBPF_TEST(
	test_run_interrupted,
	"a BPF_PROG_TEST_RUN repeated 2^31 times ends with EINTR when a signal arrives, on the kernel (SIGALRM) and on kbpf (the host's signal_pending), instead of running for minutes")
{
	static const struct bpf_insn prog[] = { MOV_K(0, 1), EXIT };
	uint8_t pkt[64] = { 0 };
	long r[2];

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		struct sigaction sa, old;
		struct itimerval it = { { 0, 0 }, { 0, 50000 } };
		union bpf_attr a;
		long fd = load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, prog, 2, 0,
			       NULL, 0);

		T_ASSERT(fd >= 0);
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		a.test.repeat = 1u << 31;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm; /* no SA_RESTART */
		sigaction(SIGALRM, &sa, &old);
		if (s == SIDE_KERNEL)
			setitimer(ITIMER_REAL, &it, NULL);
		else
			kbpf_posix_interrupt_after(1000);
		r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
		sigaction(SIGALRM, &old, NULL);
		side_close(s, fd);
	}
	T_EQ(r[SIDE_KERNEL], -EINTR);
	T_EQ(r[SIDE_KBPF], -EINTR);
}
