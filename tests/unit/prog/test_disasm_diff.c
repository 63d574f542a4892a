// SPDX-License-Identifier: MIT
/*
 * The disassembler against the kernel's verifier log: random straight-line
 * programs the verifier accepts (every ALU and ALU64 operation in both
 * source forms, sign-extending moves and loads, byte swaps, loads and
 * stores of every size, atomics, conditional jumps of both classes, helper
 * calls, 64-bit immediates) are loaded with log_level 2; every "N: (op)
 * text" line of the kernel's log must be exactly what kbpf_disasm_insn()
 * prints for instruction N. Plus fixed cases Linux prints the same way
 * whatever the verifier says (exit, goto, unknown helpers).
 */
#include <errno.h>
#include <stdlib.h>

#include "kbpf/disasm.h"
#include "kbpf/errno.h"
#include "kbpf_test.h"
#include "oracle.h"
#include "insn.h"

static uint32_t rnd(uint64_t *st, uint32_t n)
{
	return (uint32_t)(kbpf_test_rand(st) % n);
}

/* Re-initialise r1-r5 (a helper call leaves them unreadable). */
static int reinit(struct bpf_insn *p, int n, uint64_t *st)
{
	for (int r = 1; r <= 5; r++)
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0,
			   (int32_t)kbpf_test_rand(st));
	return n;
}

static int gen(struct bpf_insn *p, uint64_t *st)
{
	static const uint8_t alu_ops[] = { BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV,
					   BPF_OR,  BPF_AND, BPF_LSH, BPF_RSH,
					   BPF_NEG, BPF_MOD, BPF_XOR, BPF_MOV,
					   BPF_ARSH };
	static const uint8_t jmp_ops[] = { BPF_JEQ,  BPF_JGT, BPF_JGE,
					   BPF_JSET, BPF_JNE, BPF_JSGT,
					   BPF_JSGE, BPF_JLT, BPF_JLE,
					   BPF_JSLT, BPF_JSLE };
	static const uint8_t sizes[] = { BPF_B, BPF_H, BPF_W, BPF_DW };
	static const uint32_t helpers[] = { BPF_FUNC_ktime_get_ns,
					    BPF_FUNC_get_prandom_u32,
					    BPF_FUNC_get_smp_processor_id,
					    BPF_FUNC_ktime_get_boot_ns };
	int n = 0;

	for (int r = 0; r <= 9; r++)
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, r, 0, 0,
			   (int32_t)kbpf_test_rand(st));
	for (int off = -64; off < 0; off += 8)
		p[n++] = I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, off,
			   (int32_t)kbpf_test_rand(st));
	for (int k = 0; k < 60; k++) {
		uint8_t d = (uint8_t)rnd(st, 10), s = (uint8_t)rnd(st, 10);
		uint8_t sz = sizes[rnd(st, 4)];
		int bytes = sz == BPF_DW ? 8 :
			    sz == BPF_W	 ? 4 :
			    sz == BPF_H	 ? 2 :
					   1;
		int16_t off =
			(int16_t)(-(int)(1 + rnd(st, 64 / bytes)) * bytes);
		int32_t imm = (int32_t)kbpf_test_rand(st);

		switch (rnd(st, 12)) {
		case 0:
		case 1:
		case 2: { /* ALU / ALU64, K or X */
			uint8_t cls = rnd(st, 2) ? BPF_ALU64 : BPF_ALU;
			uint8_t op = alu_ops[rnd(st, sizeof(alu_ops))];
			int x = rnd(st, 2);
			int16_t o = 0;

			if (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH)
				imm = (int32_t)rnd(st,
						   cls == BPF_ALU64 ? 64 : 32);
			if ((op == BPF_DIV || op == BPF_MOD) && rnd(st, 2))
				o = 1; /* sdiv / smod */
			if (op == BPF_MOV && x && rnd(st, 2))
				o = (int16_t)(8
					      << rnd(st,
						     cls == BPF_ALU64 ? 3 : 2));
			if (op == BPF_NEG) {
				x = 0;
				imm = 0; /* reserved */
			}
			p[n++] = I(cls | op | (x ? BPF_X : BPF_K), d, x ? s : 0,
				   o, x ? 0 : imm);
			break;
		}
		case 3: { /* byte swaps */
			static const int32_t w[] = { 16, 32, 64 };
			int kind = (int)rnd(st, 3);

			p[n++] = I(kind == 2 ? BPF_ALU64 | BPF_END | BPF_TO_LE :
				   kind	     ? BPF_ALU | BPF_END | BPF_TO_BE :
					       BPF_ALU | BPF_END | BPF_TO_LE,
				   d, 0, 0, w[rnd(st, 3)]);
			break;
		}
		case 4: /* loads, plain and sign-extending */
			p[n++] = I(BPF_LDX | sz |
					   (sz != BPF_DW && rnd(st, 2) ?
						    BPF_MEMSX :
						    BPF_MEM),
				   d, 10, off, 0);
			break;
		case 5:
			p[n++] = I(BPF_STX | BPF_MEM | sz, 10, s, off, 0);
			break;
		case 6:
			p[n++] = I(BPF_ST | BPF_MEM | sz, 10, 0, off, imm);
			break;
		case 7: { /* atomics on the stack */
			static const int32_t a[] = {
				BPF_ADD,
				BPF_AND,
				BPF_OR,
				BPF_XOR,
				BPF_ADD | BPF_FETCH,
				BPF_AND | BPF_FETCH,
				BPF_OR | BPF_FETCH,
				BPF_XOR | BPF_FETCH,
				BPF_XCHG,
				BPF_CMPXCHG,
			};
			int dw = (int)rnd(st, 2);

			p[n++] = I(BPF_STX | BPF_ATOMIC | (dw ? BPF_DW : BPF_W),
				   10, s,
				   (int16_t)(-(int)(1 + rnd(st, dw ? 8 : 16)) *
					     (dw ? 8 : 4)),
				   a[rnd(st, 10)]);
			break;
		}
		case 8: { /* jumps to the next instruction */
			uint8_t cls = rnd(st, 2) ? BPF_JMP : BPF_JMP32;
			int x = rnd(st, 2);

			p[n++] = I(cls | jmp_ops[rnd(st, sizeof(jmp_ops))] |
					   (x ? BPF_X : BPF_K),
				   d, x ? s : 0, 0, x ? 0 : imm);
			break;
		}
		case 9:
			p[n++] = I(BPF_JMP | BPF_JA, 0, 0, 0, 0);
			break;
		case 10:
			p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
				   (int32_t)helpers[rnd(st, 4)]);
			n = reinit(p, n, st);
			break;
		default:
			p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, d, 0, 0, imm);
			p[n++] = I(0, 0, 0, 0, (int32_t)kbpf_test_rand(st));
			break;
		}
	}
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

KBPF_TEST(
	disasm_matches_kernel_log,
	"every instruction of thousands of random verifier-accepted programs prints as the kernel's verifier log prints it")
{
	static struct bpf_insn p[1024];
	static char log[1 << 20];
	uint64_t st = kbpf_test_seed() * 31 + 7;
	const char *why;
	int progs = 0, lines = 0;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	for (int i = 0; i < 300; i++) {
		int n = gen(p, &st), seen[1024] = { 0 };
		union bpf_attr a;
		long r;

		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
		a.insn_cnt = (uint32_t)n;
		a.insns = (uint64_t)(uintptr_t)p;
		a.license = (uint64_t)(uintptr_t) "GPL";
		a.log_level = 2;
		a.log_size = sizeof(log);
		a.log_buf = (uint64_t)(uintptr_t)log;
		log[0] = 0;
		r = oracle_kernel_bpf(BPF_PROG_LOAD, &a, sizeof(a));
		if (r < 0) {
			size_t len = strlen(log);

			/* The log's end says why. */
			printf("%s\n", log + (len > 600 ? len - 600 : 0));
		}
		if (r < 0)
			T_FAIL("program %d refused by the kernel (%s): %.400s",
			       i, oracle_errno_name(r), log);
		oracle_kernel_close((int)r);
		progs++;
		for (char *line = log; *line;) {
			char *end = strchr(line, '\n'), *semi, mine[128];
			int idx, k;

			if (end)
				*end = 0;
			if (sscanf(line, "%d: (%*x)%n", &idx, &k) == 1 &&
			    strstr(line, ": (") && idx >= 0 && idx < n &&
			    !seen[idx]) {
				char *text = strchr(line, '(');

				semi = strchr(text, ';');
				if (semi)
					*semi = 0;
				for (size_t e = strlen(text);
				     e && text[e - 1] == ' ';)
					text[--e] = 0;
				kbpf_disasm_insn(&p[idx], (uint32_t)(n - idx),
						 mine, sizeof(mine));
				seen[idx] = 1;
				lines++;
				if (strcmp(text, mine))
					T_FAIL("insn %d (code 0x%02x off %d imm %d): kernel \"%s\", kbpf \"%s\"",
					       idx, p[idx].code, p[idx].off,
					       p[idx].imm, text, mine);
			}
			if (!end)
				break;
			line = end + 1;
		}
	}
	printf("  %d programs, %d instruction lines compared with the kernel's log\n",
	       progs, lines);
	T_ASSERT(lines > 10000);
}

KBPF_TEST(
	disasm_fixed_cases,
	"calls, jumps, 64-bit immediates and malformed encodings print Linux's text and never fail")
{
	static const struct {
		struct bpf_insn in[2];
		int ret;
		const char *text;
	} cases[] = {
		{ { I(BPF_JMP | BPF_CALL, 0, 0, 0, 1) },
		  1,
		  "(85) call bpf_map_lookup_elem#1" },
		{ { I(BPF_JMP | BPF_CALL, 0, 0, 0, 9999) },
		  1,
		  "(85) call unknown#9999" },
		{ { I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, -7) },
		  1,
		  "(85) call pc-7" },
		{ { I(BPF_JMP32 | BPF_JA, 0, 0, 0, 70000) },
		  1,
		  "(06) gotol pc+70000" },
		{ { I(BPF_JMP | BPF_JA, 0, 0, -3, 0) }, 1, "(05) goto pc-3" },
		{ { I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0) }, 1, "(95) exit" },
		{ { I(BPF_LD | BPF_IMM | BPF_DW, 3, 1, 0, 5),
		    I(0, 0, 0, 0, 0) },
		  2,
		  "(18) r3 = 0x5" },
		{ { I(BPF_LD | BPF_IMM | BPF_DW, 3, 0, 0, -1),
		    I(0, 0, 0, 0, -1) },
		  2,
		  "(18) r3 = 0xffffffffffffffff" },
		{ { I(BPF_LD | BPF_ABS | BPF_H, 0, 0, 0, 12) },
		  1,
		  "(28) r0 = *(u16 *)skb[12]" },
		{ { I(BPF_LD | BPF_IND | BPF_B, 0, 2, 0, 3) },
		  1,
		  "(50) r0 = *(u8 *)skb[r2 + 3]" },
		{ { I(BPF_STX | BPF_ATOMIC | BPF_DW, 1, 2, 8, BPF_LOAD_ACQ) },
		  1,
		  "(db) r1 = load_acquire((u64 *)(r2 +8))" },
		{ { I(BPF_STX | BPF_ATOMIC | BPF_W, 1, 2, -4, BPF_STORE_REL) },
		  1,
		  "(c3) store_release((u32 *)(r1 -4), r2)" },
		{ { I(BPF_LDX | 0x20 | BPF_W, 1, 2, 0, 0) }, 1, "BUG_ldx_21" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char buf[128];
		int r = kbpf_disasm_insn(cases[i].in, cases[i].ret, buf,
					 sizeof(buf));

		T_EQ(r, cases[i].ret);
		if (strcmp(buf, cases[i].text))
			T_FAIL("case %zu: \"%s\", expected \"%s\"", i, buf,
			       cases[i].text);
	}
	{
		struct bpf_insn ld = I(BPF_LD | BPF_IMM | BPF_DW, 1, 0, 0, 1);
		char buf[8];

		T_EQ(kbpf_disasm_insn(&ld, 1, buf, sizeof(buf)), -KBPF_EINVAL);
		T_EQ(strlen(buf), 7); /* truncated to the buffer */
		T_EQ(kbpf_disasm_insn(&ld, 0, NULL, 0), -KBPF_EINVAL);
	}
	T_ASSERT(!strcmp(kbpf_helper_name(BPF_FUNC_loop), "bpf_loop"));
	T_ASSERT(kbpf_helper_name(-1) == NULL);
	T_ASSERT(kbpf_helper_name(100000) == NULL);
}
