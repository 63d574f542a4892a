// SPDX-License-Identifier: MIT
/*
 * The preprocessor's ld_imm64 relocation against the kernel: every pseudo
 * source (map fd, map value, map index and index+value through fd_array,
 * function address, BTF id) with good and bad operands, and malformed
 * pairs, loaded on both sides with identical attributes: the same errno
 * and the same first verifier-log line. Loaded programs are run, and the
 * map values they read through the relocated address must agree.
 */
#include <errno.h>
#include <stdlib.h>

#include "diff.h"
#include "kbpf_test.h"
#include "insn.h"

#define LD64(d, s, lo, hi) \
	I(BPF_LD | BPF_IMM | BPF_DW, d, s, 0, lo), I(0, 0, 0, 0, hi)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)

/* Map fds per side: [0] array of 1, [1] array of 16, [2] hash. */
static long maps[2][3];

enum { A1 = 1000, A16, H, BADFD, NOTMAP }; /* stand-ins patched per side */

static int32_t fd_of(int side, int32_t v, long prog_fd)
{
	switch (v) {
	case A1:
		return (int32_t)maps[side][0];
	case A16:
		return (int32_t)maps[side][1];
	case H:
		return (int32_t)maps[side][2];
	case BADFD:
		return 987;
	case NOTMAP:
		return (int32_t)prog_fd;
	default:
		return v;
	}
}

struct pcase {
	const char *what;
	struct bpf_insn insns[12];
	int n;
	int fd_array; /* 0: none; else fd_array = { A1, A16, H } */
	/*
	 * A known, documented difference: the kernel refuses with this first
	 * log line and kbpf loads (kbpf keeps no BTF, so it cannot ask for
	 * func_info; docs/design/prog_load.md).
	 */
	const char *kernel_only;
	/*
	 * The same errno, but kbpf's own log line (kernel BTF objects kbpf
	 * does not have: the issue asks for a clear refusal instead).
	 */
	const char *kbpf_says;
};

static long side_load(int side, const struct pcase *c, long prog_fd, char *log,
		      size_t logsz)
{
	struct bpf_insn p[12];
	int32_t fds[3];
	union bpf_attr a;

	memcpy(p, c->insns, sizeof(p));
	for (int i = 0; i < c->n; i++)
		if (p[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (p[i].src_reg == BPF_PSEUDO_MAP_FD ||
		     p[i].src_reg == BPF_PSEUDO_MAP_VALUE))
			p[i].imm = fd_of(side, p[i].imm, prog_fd);
	for (int i = 0; i < 3; i++)
		fds[i] = (int32_t)maps[side][i];
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)c->n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = 1;
	a.log_size = (uint32_t)logsz;
	a.log_buf = (uint64_t)(uintptr_t)log;
	if (c->fd_array)
		a.fd_array = (uint64_t)(uintptr_t)fds;
	log[0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

/*
 * The line that says why: the first line, unless the kernel started its
 * instruction walk ("0: R1=ctx() ..."), then the line before "processed".
 */
static void why_line(char *s)
{
	char *nl, *p, *prev = s;

	if (strncmp(s, "0: R1=", 6)) {
		nl = strchr(s, '\n');
		if (nl)
			*nl = 0;
		return;
	}
	for (p = s; (nl = strchr(p, '\n')); p = nl + 1) {
		if (!strncmp(p, "processed ", 10))
			break;
		prev = p;
	}
	nl = strchr(prev, '\n');
	if (nl)
		*nl = 0;
	memmove(s, prev, strlen(prev) + 1);
}

KBPF_TEST(
	preproc_ld_imm64_cases,
	"every ld_imm64 pseudo source and malformed pair gives the kernel's errno and first log line; loaded ones read the same map values")
{
	static const struct pcase cases[] = {
		{ "map fd",
		  { LD64(1, BPF_PSEUDO_MAP_FD, A16, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map fd not open",
		  { LD64(1, BPF_PSEUDO_MAP_FD, BADFD, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map fd of a program",
		  { LD64(1, BPF_PSEUDO_MAP_FD, NOTMAP, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map fd, next imm set",
		  { LD64(1, BPF_PSEUDO_MAP_FD, A16, 3), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map value +0",
		  { LD64(1, BPF_PSEUDO_MAP_VALUE, A1, 0),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map value +4",
		  { LD64(1, BPF_PSEUDO_MAP_VALUE, A1, 4),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map value past the value",
		  { LD64(1, BPF_PSEUDO_MAP_VALUE, A1, 8), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map value of a 16-entry array",
		  { LD64(1, BPF_PSEUDO_MAP_VALUE, A16, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map value of a hash",
		  { LD64(1, BPF_PSEUDO_MAP_VALUE, H, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map idx 0",
		  { LD64(1, BPF_PSEUDO_MAP_IDX, 0, 0), MOVK(0, 0), EXIT },
		  4,
		  1,
		  NULL,
		  NULL },
		{ "map idx 2 (hash)",
		  { LD64(1, BPF_PSEUDO_MAP_IDX, 2, 0), MOVK(0, 0), EXIT },
		  4,
		  1,
		  NULL,
		  NULL },
		{ "map idx without fd_array",
		  { LD64(1, BPF_PSEUDO_MAP_IDX, 0, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "map idx value",
		  { LD64(1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 4),
		    I(BPF_LDX | BPF_MEM | BPF_W, 0, 1, 0, 0), EXIT },
		  4,
		  1,
		  NULL,
		  NULL },
		{ "map idx value past the value",
		  { LD64(1, BPF_PSEUDO_MAP_IDX_VALUE, 0, 8), MOVK(0, 0), EXIT },
		  4,
		  1,
		  NULL,
		  NULL },
		{ "func address",
		  { LD64(2, BPF_PSEUDO_FUNC, 3, 0), MOVK(0, 0), EXIT,
		    MOVK(0, 1), EXIT },
		  6,
		  0,
		  "missing btf func_info",
		  NULL },
		{ "func address splitting the main program",
		  { LD64(2, BPF_PSEUDO_FUNC, 2, 0), MOVK(0, 0), EXIT,
		    MOVK(0, 1), EXIT },
		  6,
		  0,
		  NULL,
		  NULL },
		{ "func address out of the program",
		  { LD64(2, BPF_PSEUDO_FUNC, 40, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "bpf-to-bpf call out of the program",
		  { I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 40),
		    MOVK(0, 0), EXIT },
		  3,
		  0,
		  NULL,
		  NULL },
		{ "jump from the main program into a subprogram",
		  { MOVK(0, 0), I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 2),
		    I(BPF_JMP | BPF_JA, 0, 0, 2, 0), EXIT, MOVK(0, 1), EXIT },
		  6,
		  0,
		  NULL,
		  NULL },
		{ "btf id",
		  { LD64(1, BPF_PSEUDO_BTF_ID, 1, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  "kbpf: ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID) is not supported" },
		{ "unknown pseudo source",
		  { LD64(1, 7, 0, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "second slot not zero-coded",
		  { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1),
		    I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0), MOVK(0, 0),
		    EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "second slot with registers",
		  { I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1), I(0, 2, 0, 0, 0),
		    MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "truncated pair",
		  { MOVK(0, 0), I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1) },
		  2,
		  0,
		  NULL,
		  NULL },
		{ "bad destination register",
		  { LD64(11, 0, 1, 0), MOVK(0, 0), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
		{ "plain 64-bit constant",
		  { LD64(0, 0, 5, 7),
		    I(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32), EXIT },
		  4,
		  0,
		  NULL,
		  NULL },
	};
	static char log[2][4096];
	const char *why;
	int cases_run = 0;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	for (int s = 0; s < 2; s++) {
		uint32_t k = 0;
		uint64_t v = 0x1122334455667788ULL;

		maps[s][0] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
		maps[s][1] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0, 0,
					 NULL);
		maps[s][2] =
			side_create(s, BPF_MAP_TYPE_HASH, 4, 8, 16, 0, 0, NULL);
		T_ASSERT(maps[s][0] >= 0 && maps[s][1] >= 0 && maps[s][2] >= 0);
		T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, maps[s][0], &k, &v, 0),
		     0);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static const struct bpf_insn ret0[] = { MOVK(0, 0), EXIT };
		struct pcase helper = { .what = "any program",
					.insns = { ret0[0], ret0[1] },
					.n = 2 };
		long pfd[2], r[2];

		for (int s = 0; s < 2; s++) {
			char tmp[64];

			pfd[s] = side_load(s, &helper, -1, tmp, sizeof(tmp));
			r[s] = side_load(s, &cases[i], pfd[s], log[s],
					 sizeof(log[s]));
			why_line(log[s]);
		}
		cases_run++;
		if (cases[i].kernel_only) {
			if (r[0] >= 0 || strcmp(log[0], cases[i].kernel_only) ||
			    r[1] < 0)
				T_FAIL("%s: expected the kernel to refuse (\"%s\") and kbpf to load; kernel %s \"%s\", kbpf %s",
				       cases[i].what, cases[i].kernel_only,
				       oracle_errno_name(r[0]), log[0],
				       oracle_errno_name(r[1]));
			for (int s = 0; s < 2; s++) {
				side_close(s, r[s]);
				side_close(s, pfd[s]);
			}
			continue;
		}
		if ((r[0] >= 0) != (r[1] >= 0) || (r[0] < 0 && r[0] != r[1]))
			T_FAIL("%s: kernel %s, kbpf %s (kernel log \"%s\", kbpf log \"%s\")",
			       cases[i].what, oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]), log[0], log[1]);
		if (r[0] < 0 &&
		    strcmp(cases[i].kbpf_says ? cases[i].kbpf_says : log[0],
			   log[1]))
			T_FAIL("%s: kernel log \"%s\", kbpf log \"%s\"",
			       cases[i].what, log[0], log[1]);
		if (r[0] >= 0) {
			uint32_t ret[2];
			union bpf_attr a;

			for (int s = 0; s < 2; s++) {
				memset(&a, 0, sizeof(a));
				a.test.prog_fd = (uint32_t)r[s];
				T_EQ(side_bpf(s, BPF_PROG_TEST_RUN, &a), 0);
				ret[s] = a.test.retval;
			}
			if (ret[0] != ret[1])
				T_FAIL("%s: retval kernel 0x%x kbpf 0x%x",
				       cases[i].what, ret[0], ret[1]);
		}
		for (int s = 0; s < 2; s++) {
			side_close(s, r[s]);
			side_close(s, pfd[s]);
		}
	}
	for (int s = 0; s < 2; s++)
		for (int m = 0; m < 3; m++)
			side_close(s, maps[s][m]);
	printf("  %d ld_imm64 cases compared with the kernel\n", cases_run);
}
