// SPDX-License-Identifier: MIT
/*
 * The program path of hash maps against the kernel: one SYSCALL program,
 * loaded on both sides, looks up, updates, deletes or reads another CPU's
 * slot as its context asks; random sequences of such runs, mixed with
 * bpf(2) lookups that show every CPU's slot, must give the kernel's results.
 * This covers what only programs do: per-CPU slots written one CPU at a
 * time (a new element zeroes the other CPUs'), LRU reference bits set by
 * program lookups (which decide the victims), and BPF_EXIST/NOEXIST from
 * helpers. Both sides run on CPU 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>

#include "diff.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define LDX(sz, d, s, o) I(BPF_LDX | BPF_MEM | (sz), d, s, o, 0)
#define STX(sz, d, s, o) I(BPF_STX | BPF_MEM | (sz), d, s, o, 0)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define JEQK(d, k, o) I(BPF_JMP | BPF_JEQ | BPF_K, d, 0, o, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

/* The program's context; the program writes a found value back. */
struct hctx {
	uint32_t op; /* 0 lookup, 1 update, 2 delete, 3 lookup on cpu */
	uint32_t key;
	uint64_t value;
	uint64_t flags; /* update flags, or the CPU for op 3 */
};

static int is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* r6 = ctx; key on the stack at fp-8, value at fp-16. */
static int build_prog(struct bpf_insn *p, int map_fd, int percpu)
{
	int n = 0, map_at;

	p[n++] = MOV(6, 1);
	p[n++] = LDX(BPF_W, 2, 6, 4);
	p[n++] = STX(BPF_W, 10, 2, -8);
	p[n++] = LDX(BPF_DW, 2, 6, 8);
	p[n++] = STX(BPF_DW, 10, 2, -16);
	map_at = n;
	p[n++] = I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0, map_fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -8);
	p[n++] = LDX(BPF_W, 3, 6, 0);
	p[n++] = JEQK(3, 1, 10); /* -> update */
	p[n++] = JEQK(3, 2, 14); /* -> delete */
	p[n++] = JEQK(3, 3, 15); /* -> lookup on cpu */
	/* lookup: */
	p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	/* found: */
	p[n++] = JEQK(0, 0, 4);
	p[n++] = LDX(BPF_DW, 1, 0, 0);
	p[n++] = STX(BPF_DW, 6, 1, 8);
	p[n++] = MOVK(0, 1);
	p[n++] = EXIT;
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	/* update: */
	p[n++] = MOV(3, 10);
	p[n++] = ADDK(3, -16);
	p[n++] = LDX(BPF_DW, 4, 6, 16);
	p[n++] = CALL(BPF_FUNC_map_update_elem);
	p[n++] = EXIT;
	/* delete: */
	p[n++] = CALL(BPF_FUNC_map_delete_elem);
	p[n++] = EXIT;
	/* lookup on cpu (the helper exists for per-CPU maps only): */
	if (!percpu) {
		p[n++] = MOVK(0, 0);
		p[n++] = EXIT;
		return n;
	}
	p[n++] = LDX(BPF_W, 3, 6, 16);
	p[n++] = CALL(BPF_FUNC_map_lookup_percpu_elem);
	p[n++] = I(BPF_JMP | BPF_JA, 0, 0, -17, 0); /* -> found */
	(void)map_at;
	return n;
}

static long side_load(int side, long map_fd, int percpu)
{
	static struct bpf_insn p[64];
	union bpf_attr a;
	int n = build_prog(p, (int)map_fd, percpu);

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SYSCALL;
	a.prog_flags = BPF_F_SLEEPABLE;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long side_run(int side, long fd, struct hctx *c, uint32_t *ret)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.ctx_in = (uint64_t)(uintptr_t)c;
	a.test.ctx_size_in = sizeof(*c);
	r = side_bpf(side, BPF_PROG_TEST_RUN, &a);
	*ret = a.test.retval;
	return r;
}

KBPF_TEST(
	hash_program_path_diff,
	"random program-side lookups, updates, deletes and per-CPU reads on the four hash types give the kernel's results, values and survivors")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_PERCPU_HASH,
					  BPF_MAP_TYPE_LRU_HASH,
					  BPF_MAP_TYPE_LRU_PERCPU_HASH };
	unsigned int ncpus = kbpf_posix_possible_cpus();
	uint64_t seed = kbpf_test_seed() ^ 0xabcdef;
	int runs = 0;
	cpu_set_t set;

	NEED_KERNEL();
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	kbpf_posix_set_cpu(0);
	for (size_t t = 0; t < 4; t++) {
		for (int np = 0; np < 2; np++) {
			uint32_t type = types[t];
			uint32_t lru = type == BPF_MAP_TYPE_LRU_HASH ||
				       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
			long mfd[2], pfd[2];

			if (lru && np)
				continue;
			for (int s = 0; s < 2; s++) {
				mfd[s] = side_create(
					s, type, 4, 8, 16,
					BPF_F_ZERO_SEED |
						(np ? BPF_F_NO_PREALLOC : 0),
					0, NULL);
				pfd[s] = mfd[s] >= 0 ?
						 side_load(s, mfd[s],
							   is_percpu(type)) :
						 -1;
			}
			if (mfd[0] < 0 || mfd[1] < 0 || pfd[0] < 0 ||
			    pfd[1] < 0)
				T_FAIL("type %u: map %ld/%ld prog %ld/%ld",
				       type, mfd[0], mfd[1], pfd[0], pfd[1]);
			for (int i = 0; i < 1500; i++) {
				uint64_t x = kbpf_test_rand(&seed);
				struct hctx c[2];
				uint32_t ret[2];
				long r[2];

				memset(c, 0, sizeof(c));
				c[0].op = (uint32_t)(x % 5);
				if (c[0].op == 4) /* bpf(2) lookup: all CPUs */
					c[0].op = 9;
				if (c[0].op == 3 && !is_percpu(type))
					c[0].op = 0;
				c[0].key = (uint32_t)(x >> 8) % 40;
				c[0].value = x >> 3;
				c[0].flags = c[0].op == 3 ?
						     (x >> 32) % (ncpus + 1) :
						     (x >> 40) % 3;
				c[1] = c[0];
				if (c[0].op == 9) {
					uint64_t v[2][64];

					memset(v, 0, sizeof(v));
					for (int s = 0; s < 2; s++)
						r[s] = side_elem(
							s, BPF_MAP_LOOKUP_ELEM,
							mfd[s], &c[s].key, v[s],
							0);
					if (r[0] != r[1] ||
					    memcmp(v[0], v[1], sizeof(v[0])))
						T_FAIL("type %u np %d run %d: bpf(2) lookup of %u differs (%ld/%ld)",
						       type, np, i, c[0].key,
						       r[0], r[1]);
					continue;
				}
				for (int s = 0; s < 2; s++)
					r[s] = side_run(s, pfd[s], &c[s],
							&ret[s]);
				runs++;
				if (r[0] || r[1] || ret[0] != ret[1] ||
				    memcmp(&c[0], &c[1], sizeof(c[0])))
					T_FAIL("type %u np %d run %d op %u key %u flags %llu: kernel %ld ret %d value %llx, kbpf %ld ret %d value %llx",
					       type, np, i, c[0].op, c[0].key,
					       (unsigned long long)c[0].flags,
					       r[0], (int)ret[0],
					       (unsigned long long)c[0].value,
					       r[1], (int)ret[1],
					       (unsigned long long)c[1].value);
			}
			for (int s = 0; s < 2; s++) {
				side_close(s, pfd[s]);
				side_close(s, mfd[s]);
			}
		}
	}
	printf("  %d program runs compared with the kernel\n", runs);
}
