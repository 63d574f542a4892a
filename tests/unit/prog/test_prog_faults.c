// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_LOAD under allocation failures (issue #12, item 3): every
 * failure point gives ENOMEM and frees each block with the size it was
 * allocated with. The POSIX host keeps the size in a header before each
 * block and aborts with a message on a free of another size; the first
 * test proves that it does.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

KBPF_TEST(
	posix_free_checks_size,
	"the POSIX host aborts with a message when a block is freed with a size other than its allocation's")
{
	int status = 0;
	pid_t pid = fork();

	T_ASSERT(pid >= 0);
	if (pid == 0) {
		const struct kbpf_host *h = kbpf_posix_host();
		void *p = h->alloc(h, 64, 16, 0);

		/* Silence the expected message; the exit status tells. */
		if (!freopen("/dev/null", "w", stderr))
			_exit(3);
		h->free(h, p, 1);
		_exit(0); /* not reached if the check works */
	}
	T_EQ(waitpid(pid, &status, 0), pid);
	T_ASSERT(WIFSIGNALED(status));
	T_EQ(WTERMSIG(status), SIGABRT);
}

#define I(c, d, s, o, i)                    \
	((struct bpf_insn){ .code = (c),    \
			    .dst_reg = (d), \
			    .src_reg = (s), \
			    .off = (o),     \
			    .imm = (i) })

KBPF_TEST(
	prog_load_alloc_failures,
	"every allocation failure of BPF_PROG_LOAD (with a map and a log) gives ENOMEM, frees with the allocated sizes and leaks nothing")
{
	union bpf_attr a;
	char log[4096];
	int map_fd, points = 0;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 8;
	a.max_entries = 1;
	map_fd = kbpf_posix_bpf(BPF_MAP_CREATE, &a, sizeof(a));
	T_ASSERT(map_fd >= 0);
	for (int level = 0; level <= 2; level++) {
		for (long n = 0;; n++) {
			struct bpf_insn insns[] = {
				I(BPF_LD | BPF_DW | BPF_IMM, 1,
				  BPF_PSEUDO_MAP_FD, 0, map_fd),
				I(0, 0, 0, 0, 0),
				I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
				I(BPF_STX | BPF_W | BPF_MEM, 10, 0, -4, 0),
				I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
				I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
				I(BPF_JMP | BPF_CALL, 0, 0, 0,
				  BPF_FUNC_map_lookup_elem),
				I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
				I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
			};
			long live = kbpf_posix_live_allocs();
			long bytes = kbpf_posix_live_bytes();
			int fd, e;

			memset(&a, 0, sizeof(a));
			a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
			a.insn_cnt = sizeof(insns) / sizeof(insns[0]);
			a.insns = (uint64_t)(uintptr_t)insns;
			a.license = (uint64_t)(uintptr_t) "GPL";
			if (level) {
				a.log_level = (uint32_t)level;
				a.log_size = sizeof(log);
				a.log_buf = (uint64_t)(uintptr_t)log;
			}
			kbpf_posix_fail_alloc_after(n);
			fd = kbpf_posix_bpf(BPF_PROG_LOAD, &a, sizeof(a));
			e = errno;
			kbpf_posix_fail_alloc_after(-1);
			if (fd >= 0) {
				T_EQ(kbpf_posix_close(fd), 0);
				T_EQ(kbpf_posix_live_allocs(), live);
				T_EQ(kbpf_posix_live_bytes(), bytes);
				break;
			}
			T_EQ(e, ENOMEM);
			T_EQ(kbpf_posix_live_allocs(), live);
			T_EQ(kbpf_posix_live_bytes(), bytes);
			points++;
			T_ASSERT(n < 1000);
		}
	}
	printf("  %d allocation failure points checked\n", points);
	T_ASSERT(points >= 9);
	T_EQ(kbpf_posix_close(map_fd), 0);
}
