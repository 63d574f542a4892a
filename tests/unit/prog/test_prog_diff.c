// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_LOAD and BPF_PROG_TEST_RUN against the kernel: attribute and
 * structural errors with the kernel's errno and log line, the program tag,
 * and thousands of generated programs whose registers are compared after
 * running on both sides (fixed seed).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOV_K(d, i) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)

struct load_args {
	uint32_t type, level, size, flags, eat, cnt;
	const struct bpf_insn *insns;
	const char *license;
	char *log;
};

static long side_load(int side, const struct load_args *l, uint32_t *true_size)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.prog_type = l->type;
	a.insn_cnt = l->cnt;
	a.insns = (uint64_t)(uintptr_t)l->insns;
	a.license = (uint64_t)(uintptr_t)l->license;
	a.log_level = l->level;
	a.log_size = l->size;
	a.log_buf = (uint64_t)(uintptr_t)l->log;
	a.prog_flags = l->flags;
	a.expected_attach_type = l->eat;
	r = side_bpf(side, BPF_PROG_LOAD, &a);
	if (true_size)
		*true_size = a.log_true_size;
	return r;
}

KBPF_TEST(
	prog_load_errors,
	"load attribute and structural errors give the kernel's errno and first log line")
{
	static const struct bpf_insn ok[] = { MOV_K(0, 0), EXIT };
	static const struct bpf_insn bad_last[] = { MOV_K(0, 0),
						    I(0x96, 0, 0, 0, 0) };
	static const struct bpf_insn jump_out[] = {
		I(BPF_JMP | BPF_JA, 0, 0, 5, 0), MOV_K(0, 0), EXIT
	};
	static const struct bpf_insn r10[] = { MOV_K(10, 0), EXIT };
	static const struct bpf_insn helper[] = {
		I(BPF_JMP | BPF_CALL, 0, 0, 0, 9999), MOV_K(0, 0), EXIT
	};
	static const struct bpf_insn reserved[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 1, 0, 0), EXIT
	};
	static const struct bpf_insn opcode[] = { MOV_K(0, 0),
						  I(0xff, 0, 0, 0, 0), EXIT };
	static const struct bpf_insn shift[] = {
		MOV_K(0, 1), I(BPF_ALU64 | BPF_LSH | BPF_K, 0, 0, 0, 64), EXIT
	};
	static const struct bpf_insn divz[] = {
		MOV_K(0, 1), I(BPF_ALU64 | BPF_DIV | BPF_K, 0, 0, 0, 0), EXIT
	};
	static const struct bpf_insn ldimm[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 0, 0, 0, 1), EXIT, EXIT
	};
	static const struct bpf_insn badmap[] = {
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 999),
		I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT
	};
	static const struct bpf_insn callx[] = { MOV_K(2, 5),
						 I(0x8d, 2, 0, 0, 0),
						 MOV_K(0, 0), EXIT };
	static const struct bpf_insn gpl[] = {
		MOV_K(1, 0),
		MOV_K(2, 0),
		MOV_K(3, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_probe_read_kernel),
		MOV_K(0, 0),
		EXIT
	};
	static char logs[2][4096];
	struct load_args cases[] = {
		{ 1, 0, 0, 0, 0, 2, ok, "GPL", NULL },
		{ 1, 1, 10, 0, 0, 2, ok, "GPL", logs[0] },
		{ 1, 0, 128, 0, 0, 2, ok, "GPL", logs[0] },
		{ 1, 1, 0, 0, 0, 2, ok, "GPL", NULL },
		{ 1, 16, 128, 0, 0, 2, ok, "GPL", logs[0] },
		{ 1, 1, 0, 0, 0, 2, ok, "GPL", logs[0] },
		{ 1, 0, 0, 0, 0, 0, ok, "GPL", NULL },
		{ 0, 0, 0, 0, 0, 2, ok, "GPL", NULL },
		{ 1000, 0, 0, 0, 0, 2, ok, "GPL", NULL },
		{ 1, 0, 0, 1u << 20, 0, 2, ok, "GPL", NULL },
		{ BPF_PROG_TYPE_SYSCALL, 0, 0, 0, 1, 2, ok, "GPL", NULL },
		{ 1, 0, 0, 0, 0, 2, ok, NULL, NULL },
		{ BPF_PROG_TYPE_SYSCALL, 1, 4096, 0, 0, 2, ok, "GPL", logs[0] },
		{ BPF_PROG_TYPE_RAW_TRACEPOINT, 1, 4096, BPF_F_SLEEPABLE, 0, 2,
		  ok, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 2, bad_last, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, jump_out, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 2, r10, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, helper, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 2, reserved, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, opcode, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, shift, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, divz, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 3, ldimm, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 4, badmap, "GPL", logs[0] },
		{ 1, 1, 4096, 0, 0, 4, callx, "GPL", logs[0] },
		{ BPF_PROG_TYPE_KPROBE, 1, 4096, 0, 0, 6, gpl, "Proprietary",
		  logs[0] },
	};
	int n = 0;

	NEED_KERNEL();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		long r[2] = { 0, 0 };

		for (int s = 0; s < 2; s++) {
			struct load_args l = cases[i];

			if (l.log) {
				memset(logs[s], 0, sizeof(logs[s]));
				l.log = logs[s];
			}
			r[s] = side_load(s, &l, NULL);
			side_close(s, r[s]);
		}
		n++;
		if (!same_result(r[0], r[1]))
			T_FAIL("case %zu: kernel %s kbpf %s (kbpf log: %s)", i,
			       oracle_errno_name(r[0]), oracle_errno_name(r[1]),
			       logs[1]);
		/* Where both refuse with a log, kbpf's first line is in the kernel's log. */
		if (r[0] < 0 && r[0] != -ENOSPC && cases[i].log &&
		    cases[i].level && logs[1][0]) {
			char first[256];
			size_t k = strcspn(logs[1], "\n");

			snprintf(first, sizeof(first), "%.*s", (int)k, logs[1]);
			if (strncmp(first, "kbpf:", 5) &&
			    !strstr(logs[0], first))
				T_FAIL("case %zu: kbpf log line \"%s\" not in the kernel's log:\n%s",
				       i, first, logs[0]);
		}
	}
	printf("  %d load cases compared with the kernel\n", n);
}

KBPF_TEST(
	prog_log_modes,
	"log truncation: ENOSPC, rolling keeps the end, fixed keeps the start, log_true_size")
{
	static const struct bpf_insn bad[] = { I(BPF_JMP | BPF_JA, 0, 0, 5, 0),
					       MOV_K(0, 0), EXIT };
	char full[512], part[2][512];
	struct load_args l = { 1, 1, sizeof(full), 0, 0, 3, bad, "GPL", full };
	uint32_t ts_full, ts;
	long r;

	memset(full, 0, sizeof(full));
	T_EQ(side_load(SIDE_KBPF, &l, &ts_full), -EINVAL);
	T_EQ(ts_full, strlen(full) + 1);
	l.size = 10;
	l.log = part[0];
	r = side_load(SIDE_KBPF, &l, &ts);
	T_EQ(r, -EINVAL); /* the load's own error wins over ENOSPC */
	T_EQ(ts, ts_full);
	T_EQ(strlen(part[0]), 9);
	T_MEMEQ(part[0], full + strlen(full) - 9, 9); /* rolling: the end */
	l.level = 1 | 8; /* BPF_LOG_FIXED */
	l.log = part[1];
	T_EQ(side_load(SIDE_KBPF, &l, &ts), -EINVAL);
	T_MEMEQ(part[1], full, 9); /* fixed: the start */
	T_EQ(part[1][9], 0);
}

KBPF_TEST(prog_tag,
	  "the program tag (SHA-1 with map fds zeroed) equals the kernel's")
{
	static struct bpf_insn progs[3][8] = {
		{ MOV_K(0, 0), EXIT },
		{ MOV_K(0, 7), I(BPF_ALU64 | BPF_ADD | BPF_K, 0, 0, 0, 5),
		  EXIT },
		{ I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, 0),
		  I(0, 0, 0, 0, 0), MOV_K(0, 0), EXIT },
	};
	static const uint32_t cnt[3] = { 2, 3, 4 };

	NEED_KERNEL();
	for (int p = 0; p < 3; p++) {
		struct bpf_prog_info info[2];
		long fd[2], mfd[2];
		uint32_t len;

		for (int s = 0; s < 2; s++) {
			struct bpf_insn insns[8];
			struct load_args l = { 1,      0,     0,     0,	  0,
					       cnt[p], insns, "GPL", NULL };

			memcpy(insns, progs[p], sizeof(insns));
			mfd[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0,
					     0, NULL);
			if (p == 2)
				insns[0].imm = (int32_t)mfd[s];
			fd[s] = side_load(s, &l, NULL);
			T_ASSERT(fd[s] >= 0);
			memset(&info[s], 0, sizeof(info[s]));
			len = sizeof(info[s]);
			{
				union bpf_attr a;

				memset(&a, 0, sizeof(a));
				a.info.bpf_fd = (uint32_t)fd[s];
				a.info.info_len = len;
				a.info.info = (uint64_t)(uintptr_t)&info[s];
				T_EQ(side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a),
				     0);
			}
			side_close(s, fd[s]);
			side_close(s, mfd[s]);
		}
		T_MEMEQ(info[0].tag, info[1].tag, 8);
		T_EQ(info[0].type, info[1].type);
		T_EQ(info[0].nr_map_ids, info[1].nr_map_ids);
	}
}

/* ---- generated programs ---- */

static uint32_t rnd(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

/*
 * A random program over r0-r5, r7-r9 (r6 holds the context): constants,
 * ALU/ALU64 ops in every form the kernel accepts on scalars, byte swaps,
 * sign extensions, and forward conditional jumps (JMP and JMP32), then all
 * registers stored into the 80-byte context.
 */
static uint32_t gen_prog(uint64_t *st, struct bpf_insn *p)
{
	static const uint8_t regs[] = { 0, 1, 2, 3, 4, 5, 7, 8, 9 };
	static const uint8_t alu_ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,
					   BPF_OR,  BPF_AND, BPF_LSH, BPF_RSH,
					   BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV,
					   BPF_ARSH };
	static const uint8_t jmp_ops[] = { BPF_JEQ,  BPF_JGT, BPF_JGE,
					   BPF_JSET, BPF_JNE, BPF_JSGT,
					   BPF_JSGE, BPF_JLT, BPF_JLE,
					   BPF_JSLT, BPF_JSLE };
	uint32_t n = 0, body = 20 + rnd(st, 30), i;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	for (i = 0; i < 9; i++) {
		uint8_t r = regs[i];

		p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, r, 0, 0,
			   (int32_t)kbpf_test_rand(st));
		p[n++] = I(0, 0, 0, 0,
			   (int32_t)(rnd(st, 4) ? kbpf_test_rand(st) : 0));
	}
	for (i = 0; i < body; i++) {
		uint8_t d = regs[rnd(st, 9)], s = regs[rnd(st, 9)];
		uint32_t kind = rnd(st, 10);

		if (kind < 6) {
			uint8_t op = alu_ops[rnd(st, sizeof(alu_ops))];
			uint8_t cls = rnd(st, 2) ? BPF_ALU64 : BPF_ALU;
			bool x = rnd(st, 2) && op != BPF_NEG;
			int32_t imm = (int32_t)kbpf_test_rand(st);
			int16_t off = 0;

			if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
				imm = (int32_t)rnd(st,
						   cls == BPF_ALU64 ? 64 : 32);
			if ((op == BPF_DIV || op == BPF_MOD) && !x && !imm)
				imm = 3;
			if ((op == BPF_DIV || op == BPF_MOD) && rnd(st, 2))
				off = 1; /* signed */
			if (op == BPF_MOV && x && rnd(st, 3) == 0)
				off = cls == BPF_ALU64 ?
					      (int16_t)(8 << rnd(st, 3)) :
					      (int16_t)(8 << rnd(st, 2));
			if (op == BPF_NEG)
				imm = 0;
			p[n++] = I(cls | op | (x ? BPF_X : BPF_K), d, x ? s : 0,
				   off, x ? 0 : imm);
		} else if (kind < 7) {
			static const int32_t w[] = { 16, 32, 64 };

			p[n++] =
				I((rnd(st, 2) ? BPF_ALU64 : BPF_ALU) | BPF_END |
					  (rnd(st, 2) ? BPF_TO_BE : BPF_TO_LE),
				  d, 0, 0, w[rnd(st, 3)]);
			if (BPF_CLASS(p[n - 1].code) == BPF_ALU64)
				p[n - 1].code = BPF_ALU64 | BPF_END | BPF_TO_LE;
		} else {
			uint8_t op = jmp_ops[rnd(st, sizeof(jmp_ops))];
			uint8_t cls = rnd(st, 2) ? BPF_JMP : BPF_JMP32;
			bool x = rnd(st, 2);
			int16_t off = (int16_t)rnd(st, 4);

			if (i + (uint32_t)off >= body)
				off = 0;
			p[n++] = I(cls | op | (x ? BPF_X : BPF_K), d, x ? s : 0,
				   off, x ? 0 : (int32_t)kbpf_test_rand(st));
		}
	}
	for (i = 0; i < 9; i++)
		p[n++] = I(BPF_STX | BPF_MEM | BPF_DW, 6, regs[i],
			   (int16_t)(8 * i), 0);
	p[n++] = MOV_K(0, 0);
	p[n++] = EXIT;
	return n;
}

static long side_run_syscall(int side, long fd, void *ctx, uint32_t size,
			     uint32_t *retval)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)ctx;
	a.test.ctx_size_in = size;
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*retval = a.test.retval;
	return r;
}

KBPF_TEST(
	prog_generated_diff,
	"thousands of generated programs load and run (SYSCALL test_run) with the kernel's results, register by register")
{
	uint64_t st = kbpf_test_seed() * 0x9e3779b97f4a7c15ULL + 17;
	int programs = 0, loaded = 0;
	static struct bpf_insn p[256];

	NEED_KERNEL();
	for (int i = 0; i < 2000; i++) {
		uint32_t n = gen_prog(&st, p), ret[2] = { 0, 0 };
		uint64_t ctx[2][10];
		long fd[2], r[2] = { 0, 0 };
		struct load_args l = { .type = BPF_PROG_TYPE_SYSCALL,
				       .flags = BPF_F_SLEEPABLE,
				       .cnt = n,
				       .insns = p,
				       .license = "GPL" };

		programs++;
		for (int s = 0; s < 2; s++)
			fd[s] = side_load(s, &l, NULL);
		if (!same_result(fd[0], fd[1])) {
			T_FAIL("program %d: load kernel %s kbpf %s", i,
			       oracle_errno_name(fd[0]),
			       oracle_errno_name(fd[1]));
		}
		if (fd[0] < 0) {
			side_close(1, fd[1]);
			continue;
		}
		loaded++;
		for (int s = 0; s < 2; s++) {
			memset(ctx[s], 0, sizeof(ctx[s]));
			r[s] = side_run_syscall(s, fd[s], ctx[s], 80, &ret[s]);
			side_close(s, fd[s]);
		}
		T_EQ(r[1], r[0]);
		T_EQ(ret[1], ret[0]);
		for (int k = 0; k < 9; k++)
			if (ctx[0][k] != ctx[1][k])
				T_FAIL("program %d (seed %llu): register slot %d kernel 0x%llx kbpf 0x%llx",
				       i, (unsigned long long)kbpf_test_seed(),
				       k, (unsigned long long)ctx[0][k],
				       (unsigned long long)ctx[1][k]);
	}
	printf("  %d generated programs, %d loaded and run on both sides with equal results\n",
	       programs, loaded);
	T_ASSERT(loaded > programs / 2);
}

KBPF_TEST(
	test_run_rules,
	"TEST_RUN attribute rules for SYSCALL and RAW_TRACEPOINT give the kernel's errno")
{
	static const struct bpf_insn prog[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 0, 0), EXIT
	};
	static const struct bpf_insn noctx[] = { MOV_K(0, 42), EXIT };
	uint64_t args[16] = { 5 };
	int n = 0;

	NEED_KERNEL();
	for (int t = 0; t < 2; t++) {
		uint32_t type = t ? BPF_PROG_TYPE_RAW_TRACEPOINT :
				    BPF_PROG_TYPE_SYSCALL;
		long fd[2];
		struct {
			uint32_t size, flags, cpu, repeat;
			uint64_t data;
		} cases[] = {
			{ 8, 0, 0, 0, 0 },  { 0, 0, 0, 0, 0 },
			{ 96, 0, 0, 0, 0 }, { 104, 0, 0, 0, 0 },
			{ 8, 1, 0, 0, 0 },  { 8, 0, 1, 0, 0 },
			{ 8, 1, 1, 0, 0 },  { 8, 1, 7, 0, 0 },
			{ 8, 2, 0, 0, 0 },  { 8, 0, 0, 5, 0 },
			{ 8, 0, 0, 0, 1 },
		};

		for (int s = 0; s < 2; s++) {
			struct load_args l = { .type = type,
					       .flags = t ? 0 : BPF_F_SLEEPABLE,
					       .cnt = 2,
					       .insns = noctx,
					       .license = "GPL" };

			fd[s] = side_load(s, &l, NULL);
			if (fd[s] < 0)
				T_FAIL("type %u: side %d load %s", type, s,
				       oracle_errno_name(fd[s]));
		}
		for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			long r[2] = { 0, 0 };
			uint32_t ret[2] = { 0, 0 };

			for (int s = 0; s < 2; s++) {
				union bpf_attr a;
				uint64_t buf[16];

				memcpy(buf, args, sizeof(buf));
				memset(&a, 0, sizeof(a));
				a.test.prog_fd = (uint32_t)fd[s];
				a.test.ctx_in =
					cases[c].size ?
						(uint64_t)(uintptr_t)buf :
						0;
				a.test.ctx_size_in = cases[c].size;
				a.test.flags = cases[c].flags;
				a.test.cpu = cases[c].cpu;
				a.test.repeat = cases[c].repeat;
				a.test.data_in =
					cases[c].data ?
						(uint64_t)(uintptr_t)buf :
						0;
				a.test.data_size_in = cases[c].data ? 8 : 0;
				r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
				ret[s] = a.test.retval;
			}
			n++;
			if (r[0] != r[1] || ret[0] != ret[1])
				T_FAIL("type %u case %zu: kernel %s/%u kbpf %s/%u",
				       type, c, oracle_errno_name(r[0]), ret[0],
				       oracle_errno_name(r[1]), ret[1]);
		}
		for (int s = 0; s < 2; s++)
			side_close(s, fd[s]);
	}
	(void)prog;
	printf("  %d test_run cases compared with the kernel\n", n);
}
