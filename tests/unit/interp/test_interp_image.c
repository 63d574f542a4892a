// SPDX-License-Identifier: MIT
/*
 * The interpreter's load-time image (src/interp/image.h): helper calls
 * resolved at load, bpf_map_lookup_elem of a map known at load done inline
 * (ARRAY, PERCPU_ARRAY) or by a direct call (the hash family), only where
 * r1 holds the same map on every path, with the helper's semantics in fast
 * and checked mode: index bounds, the running CPU's slot, the map's
 * program-side permissions, key checks, the callback guard. The program
 * as user space sees it (insns, orig_insns) is not rewritten.
 */
#include <string.h>

#include "core/map.h"
#include "core/priv.h"
#include "core/prog.h"
#include "interp/image.h"
#include "kbpf/errno.h"
#include "kbpf/interp.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
/* ld_imm64 of the program's map number @i (an in-kernel loader's maps). */
#define LD_MAP(d, i) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_IDX, 0, i)
#define LD_HI I(0, 0, 0, 0, 0)
#define STW(o, k) I(BPF_ST | BPF_MEM | BPF_W, 10, 0, o, k)
#define KEYPTR(o) MOV(2, 10), ADDK(2, o)

/* Four virtual CPUs, whatever this machine has (before the host starts). */
__attribute__((constructor)) static void four_cpus(void)
{
	kbpf_posix_set_nr_cpus(4);
}

static struct kbpf_map *map_new(uint32_t type, uint32_t ks, uint32_t vs,
				uint32_t n, uint32_t flags)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = n;
	a.map_flags = flags;
	if (kbpf_map_create(kbpf_posix_host(), &a, &m))
		return NULL;
	return m;
}

static struct kbpf_prog *load(struct bpf_insn *insns, uint32_t n,
			      struct kbpf_map **maps, uint32_t nr_maps)
{
	struct kbpf_prog_load_opts opts = {
		.kernel_ptrs = true,
		.maps = maps,
		.nr_maps = nr_maps,
	};
	union bpf_attr a;
	struct kbpf_prog *p = NULL;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	a.insn_cnt = n;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (kbpf_prog_load(kbpf_posix_host(), &a, &opts, &p))
		return NULL;
	return p;
}

#define LOAD(insns, maps, n) \
	load(insns, sizeof(insns) / sizeof(insns[0]), maps, n)

static int run(struct kbpf_prog *p, enum kbpf_interp_mode mode, uint64_t *r0)
{
	uint64_t ctx[2] = { 0, 0 };
	struct kbpf_interp_args args = { .ctx = ctx,
					 .ctx_size = sizeof(ctx),
					 .mode = mode };

	*r0 = 0xdead;
	return kbpf_interp_run(p, kbpf_posix_host(), &args, r0);
}

/* The image's opcode at @pc, or 0 without an image. */
static uint8_t image_code(const struct kbpf_prog *p, uint32_t pc)
{
	const struct kbpf_interp_image *img = p->interp_image;

	return img && pc < img->len ? img->insns[pc].code : 0;
}

static const enum kbpf_interp_mode modes[] = { KBPF_INTERP_FAST,
					       KBPF_INTERP_CHECKED };

/* r0 = *(u64 *)lookup(map 0, key @k), or -1 if the lookup gave NULL. */
static uint32_t prog_read(struct bpf_insn *p, int32_t k)
{
	uint32_t n = 0;

	p[n++] = STW(-4, k);
	p[n++] = LD_MAP(1, 0);
	p[n++] = LD_HI;
	p[n++] = MOV(2, 10);
	p[n++] = ADDK(2, -4);
	p[n++] = CALL(BPF_FUNC_map_lookup_elem); /* insn 5 */
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = MOVK(0, -1);
	p[n++] = EXIT;
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0);
	p[n++] = EXIT;
	return n;
}

KBPF_TEST(
	image_sites,
	"calls are resolved at load, lookups of a known ARRAY/PERCPU_ARRAY/HASH/LRU_HASH specialised, and kbpf_prog.insns and orig_insns keep the program as loaded")
{
	struct kbpf_map *m[4] = {
		map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0),
		map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0),
		map_new(BPF_MAP_TYPE_HASH, 4, 8, 4, 0),
		map_new(BPF_MAP_TYPE_LRU_HASH, 4, 8, 16, 0),
	};
	struct bpf_insn p[40];
	uint32_t n = 0, calls[4], i;
	struct kbpf_prog *prog;
	uint64_t r0;

	for (i = 0; i < 4; i++)
		T_ASSERT(m[i]);
	p[n++] = STW(-4, 1);
	for (i = 0; i < 4; i++) {
		p[n++] = LD_MAP(1, (int32_t)i);
		p[n++] = LD_HI;
		p[n++] = MOV(2, 10);
		p[n++] = ADDK(2, -4);
		calls[i] = n;
		p[n++] = CALL(BPF_FUNC_map_lookup_elem);
	}
	p[n++] = CALL(BPF_FUNC_ktime_get_ns);
	p[n++] = MOVK(0, 0);
	p[n++] = EXIT;
	prog = load(p, n, m, 4);
	T_ASSERT(prog);
	T_ASSERT(prog->interp_image);
	T_EQ(image_code(prog, calls[0]), KBPF_INTERP_OP_LOOKUP_ARRAY);
	T_EQ(image_code(prog, calls[1]), KBPF_INTERP_OP_LOOKUP_PERCPU);
	T_EQ(image_code(prog, calls[2]), KBPF_INTERP_OP_LOOKUP_CALL);
	T_EQ(image_code(prog, calls[3]), KBPF_INTERP_OP_LOOKUP_CALL);
	T_EQ(image_code(prog, n - 3), KBPF_INTERP_OP_CALL);
	/* What bpf_prog_info and the tag come from is untouched. */
	for (i = 0; i < n; i++) {
		T_EQ(prog->insns[i].code, p[i].code);
		T_EQ(memcmp(&prog->orig_insns[i], &p[i], sizeof(p[i])), 0);
	}
	T_EQ(prog->insns[calls[0]].imm, BPF_FUNC_map_lookup_elem);
	for (i = 0; i < 2; i++) {
		T_EQ(run(prog, modes[i], &r0), 0);
		T_EQ(r0, 0);
	}
	kbpf_prog_put(prog);
	for (i = 0; i < 4; i++)
		kbpf_map_put(m[i]);
}

KBPF_TEST(
	array_inline_values,
	"an inline ARRAY lookup returns the helper's value for keys inside, at and past max_entries (NULL), in fast and checked mode")
{
	static const int32_t keys[] = { 0, 1, 6, 7, 8, 9, -1, 1 << 20 };
	struct kbpf_map *m = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 8, 0);
	struct bpf_insn p[16];
	uint32_t k, i;
	uint64_t v, r0;

	T_ASSERT(m);
	for (k = 0; k < 8; k++) {
		v = 1000 + k;
		T_EQ(kbpf_map_update_elem(m, &k, &v, 0), 0);
	}
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
		uint32_t n = prog_read(p, keys[k]);
		struct kbpf_prog *prog = load(p, n, &m, 1);

		T_ASSERT(prog);
		T_EQ(image_code(prog, 5), KBPF_INTERP_OP_LOOKUP_ARRAY);
		for (i = 0; i < 2; i++) {
			T_EQ(run(prog, modes[i], &r0), 0);
			T_EQ(r0, (uint32_t)keys[k] < 8 ?
					 1000 + (uint64_t)keys[k] :
					 (uint64_t)-1);
		}
		kbpf_prog_put(prog);
	}
	kbpf_map_put(m);
}

KBPF_TEST(
	percpu_inline_cpu,
	"an inline PERCPU_ARRAY lookup gives the running CPU's slot: a store through it shows in that CPU's value only, in fast and checked mode")
{
	struct kbpf_map *m = map_new(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 4, 0);
	struct bpf_insn p[] = {
		STW(-4, 3),
		LD_MAP(1, 0),
		LD_HI,
		KEYPTR(-4),
		CALL(BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 3, 0),
		/* *v += 7 */
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 0, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 1, 0, 0, 7),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 0, 0),
		MOVK(0, 0),
		EXIT,
	};
	struct kbpf_prog *prog;
	uint32_t cpu, key = 3, i;
	uint64_t r0, *v;

	T_ASSERT(m);
	prog = LOAD(p, &m, 1);
	T_ASSERT(prog);
	T_EQ(image_code(prog, 5), KBPF_INTERP_OP_LOOKUP_PERCPU);
	for (i = 0; i < 2; i++)
		for (cpu = 0; cpu < 4; cpu++) {
			kbpf_posix_set_cpu(cpu);
			/* CPU c runs c + 1 times per mode. */
			for (uint32_t r = 0; r <= cpu; r++) {
				T_EQ(run(prog, modes[i], &r0), 0);
				T_EQ(r0, 0);
			}
		}
	kbpf_posix_set_cpu(0);
	for (cpu = 0; cpu < 4; cpu++) {
		v = kbpf_map_lookup_percpu_elem(m, &key, cpu);
		T_ASSERT(v);
		T_EQ(*v, 7 * 2 * (cpu + 1));
	}
	kbpf_prog_put(prog);
	kbpf_map_put(m);
}

KBPF_TEST(
	checked_value_bounds,
	"checked mode: a value from an inline lookup is the program's for value_size bytes only, with the map's BPF_F_RDONLY_PROG/BPF_F_WRONLY_PROG permissions")
{
	static const struct {
		uint32_t type, flags;
		int16_t off;
		bool store;
		int err;
	} c[] = {
		{ BPF_MAP_TYPE_ARRAY, 0, 0, true, 0 },
		{ BPF_MAP_TYPE_ARRAY, 0, 4, false, -KBPF_EFAULT }, /* past 4 */
		{ BPF_MAP_TYPE_ARRAY, BPF_F_RDONLY_PROG, 0, false, 0 },
		{ BPF_MAP_TYPE_ARRAY, BPF_F_RDONLY_PROG, 0, true,
		  -KBPF_EFAULT },
		{ BPF_MAP_TYPE_ARRAY, BPF_F_WRONLY_PROG, 0, true, 0 },
		{ BPF_MAP_TYPE_ARRAY, BPF_F_WRONLY_PROG, 0, false,
		  -KBPF_EFAULT },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 0, 0, true, 0 },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, 0, 4, true, -KBPF_EFAULT },
		{ BPF_MAP_TYPE_PERCPU_ARRAY, BPF_F_RDONLY_PROG, 0, true,
		  -KBPF_EFAULT },
		{ BPF_MAP_TYPE_HASH, 0, 0, true, 0 },
		{ BPF_MAP_TYPE_HASH, 0, 4, false, -KBPF_EFAULT },
		{ BPF_MAP_TYPE_HASH, BPF_F_RDONLY_PROG, 0, true, -KBPF_EFAULT },
		{ BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, 4, true, -KBPF_EFAULT },
		{ BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC, 0, true, 0 },
	};

	for (uint32_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct kbpf_map *m = map_new(c[i].type, 4, 4, 4, c[i].flags);
		uint32_t key = 2, zero = 0;
		struct bpf_insn p[] = {
			STW(-4, 2),
			LD_MAP(1, 0),
			LD_HI,
			KEYPTR(-4),
			CALL(BPF_FUNC_map_lookup_elem),
			I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),
			MOVK(0, 1),
			EXIT,
			c[i].store ?
				I(BPF_ST | BPF_MEM | BPF_W, 0, 0, c[i].off, 5) :
				I(BPF_LDX | BPF_MEM | BPF_W, 1, 0, c[i].off, 0),
			MOVK(0, 0),
			EXIT,
		};
		struct kbpf_prog *prog;
		uint64_t r0;

		T_ASSERT(m);
		if (c[i].type == BPF_MAP_TYPE_HASH)
			T_EQ(kbpf_map_update_elem(m, &key, &zero, 0), 0);
		prog = LOAD(p, &m, 1);
		T_ASSERT(prog);
		T_EQ(image_code(prog, 5), c[i].type == BPF_MAP_TYPE_HASH ?
						  KBPF_INTERP_OP_LOOKUP_CALL :
					  c[i].type == BPF_MAP_TYPE_ARRAY ?
						  KBPF_INTERP_OP_LOOKUP_ARRAY :
						  KBPF_INTERP_OP_LOOKUP_PERCPU);
		T_EQ(run(prog, KBPF_INTERP_CHECKED, &r0), c[i].err);
		if (!c[i].err)
			T_EQ(r0, 0);
		kbpf_prog_put(prog);
		kbpf_map_put(m);
		if (kbpf_test_failed()) {
			printf("  case %u\n", i);
			return;
		}
	}
}

KBPF_TEST(
	checked_key,
	"checked mode: a specialised lookup whose key is not the program's memory (NULL, past the stack) stops the run with -EFAULT, as the helper's argument check does")
{
	struct kbpf_map *m[2] = { map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0),
				  map_new(BPF_MAP_TYPE_HASH, 4, 8, 4, 0) };

	T_ASSERT(m[0] && m[1]);
	for (uint32_t i = 0; i < 2; i++)
		for (int32_t off = 0; off < 2; off++) {
			struct bpf_insn p[] = {
				LD_MAP(1, 0),
				LD_HI,
				off ? MOV(2, 10) : MOVK(2, 0),
				ADDK(2, off ? -2 : 0), /* r10-2: 2 of 4 bytes */
				CALL(BPF_FUNC_map_lookup_elem),
				MOVK(0, 0),
				EXIT,
			};
			struct kbpf_prog *prog = LOAD(p, &m[i], 1);
			uint64_t r0;

			T_ASSERT(prog);
			T_NE(image_code(prog, 4), KBPF_INTERP_OP_CALL);
			T_EQ(run(prog, KBPF_INTERP_CHECKED, &r0), -KBPF_EFAULT);
			kbpf_prog_put(prog);
		}
	kbpf_map_put(m[0]);
	kbpf_map_put(m[1]);
}

KBPF_TEST(
	hash_direct_call,
	"a HASH or LRU_HASH lookup called directly finds what the map holds and gives NULL for missing keys, in fast and checked mode")
{
	static const uint32_t types[] = { BPF_MAP_TYPE_HASH,
					  BPF_MAP_TYPE_LRU_HASH,
					  BPF_MAP_TYPE_PERCPU_HASH };

	for (uint32_t t = 0; t < 3; t++) {
		struct kbpf_map *m = map_new(types[t], 4, 8, 64, 0);

		T_ASSERT(m);
		for (uint32_t k = 0; k < 8; k += 2) {
			uint64_t v[4] = { 50 + k, 50 + k, 50 + k, 50 + k };

			if (types[t] == BPF_MAP_TYPE_PERCPU_HASH)
				T_EQ(m->ops->sys_update(m, &k, v, 0), 0);
			else
				T_EQ(kbpf_map_update_elem(m, &k, v, 0), 0);
		}
		for (int32_t k = 0; k < 8; k++) {
			struct bpf_insn p[16];
			uint32_t n = prog_read(p, k);
			struct kbpf_prog *prog = load(p, n, &m, 1);
			uint64_t r0;

			T_ASSERT(prog);
			T_EQ(image_code(prog, 5), KBPF_INTERP_OP_LOOKUP_CALL);
			for (uint32_t i = 0; i < 2; i++) {
				T_EQ(run(prog, modes[i], &r0), 0);
				T_EQ(r0,
				     k % 2 ? (uint64_t)-1 : 50 + (uint64_t)k);
			}
			kbpf_prog_put(prog);
		}
		kbpf_map_put(m);
	}
}

KBPF_TEST(
	known_map_paths,
	"a lookup is specialised only where r1 holds the same map on every path: a map moved through r6 is, different maps on two paths or r1 changed by ALU are not, and each gives the right value")
{
	struct kbpf_map *m[2] = { map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0),
				  map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0) };
	/* r6 = map 0; r1 = r6; lookup -> specialised (insn 5) */
	struct bpf_insn moved[] = {
		STW(-4, 1),
		LD_MAP(6, 0),
		LD_HI,
		MOV(1, 6),
		KEYPTR(-4),
		CALL(BPF_FUNC_map_lookup_elem), /* 6 */
		I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),
		MOVK(0, -1),
		EXIT,
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0),
		EXIT,
	};
	/* r1 = ctx word 0 ? map 1 : map 0; lookup -> plain (insn 10) */
	struct bpf_insn merged[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 3, 1, 0, 0),
		STW(-4, 1),
		LD_MAP(1, 0),
		LD_HI,
		I(BPF_JMP | BPF_JEQ | BPF_K, 3, 0, 2, 0),
		LD_MAP(1, 1),
		LD_HI,
		KEYPTR(-4),
		CALL(BPF_FUNC_map_lookup_elem), /* 9 */
		I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0),
		MOVK(0, -1),
		EXIT,
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 0, 0, 0),
		EXIT,
	};
	/* r1 = map 0; r1 += 0: not a known map any more (insn 5) */
	struct bpf_insn alu[] = {
		STW(-4, 1), LD_MAP(1, 0), LD_HI,
		ADDK(1, 0), KEYPTR(-4),	  CALL(BPF_FUNC_map_lookup_elem),
		MOVK(0, 0), EXIT,
	};
	struct kbpf_prog *prog;
	uint32_t key = 1;
	uint64_t v = 11, r0;

	T_ASSERT(m[0] && m[1]);
	T_EQ(kbpf_map_update_elem(m[0], &key, &v, 0), 0);
	v = 22;
	T_EQ(kbpf_map_update_elem(m[1], &key, &v, 0), 0);

	prog = LOAD(moved, m, 2);
	T_ASSERT(prog);
	T_EQ(image_code(prog, 6), KBPF_INTERP_OP_LOOKUP_ARRAY);
	for (uint32_t i = 0; i < 2; i++) {
		T_EQ(run(prog, modes[i], &r0), 0);
		T_EQ(r0, 11);
	}
	kbpf_prog_put(prog);

	prog = LOAD(merged, m, 2);
	T_ASSERT(prog);
	T_EQ(image_code(prog, 9), KBPF_INTERP_OP_CALL);
	for (uint32_t i = 0; i < 2; i++) {
		/* ctx word 0 is 0: the branch keeps map 0. */
		T_EQ(run(prog, modes[i], &r0), 0);
		T_EQ(r0, 11);
	}
	kbpf_prog_put(prog);

	prog = LOAD(alu, m, 2);
	T_ASSERT(prog);
	T_EQ(image_code(prog, 6), KBPF_INTERP_OP_CALL);
	kbpf_prog_put(prog);
	kbpf_map_put(m[0]);
	kbpf_map_put(m[1]);
}

KBPF_TEST(
	callback_guard,
	"checked mode: a callback that starts at a specialised lookup with another r1 (bpf_loop given a forged instruction index) gets the helper's -EINVAL, not the site's map")
{
	struct kbpf_map *m = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct bpf_insn p[] = {
		STW(-4, 0),
		LD_MAP(1, 0),
		LD_HI,
		KEYPTR(-4),
		CALL(BPF_FUNC_map_lookup_elem), /* 5: the callback's start */
		/* bpf_loop(1, insn 5, NULL, 0) */
		MOVK(1, 1),
		MOVK(2, 5),
		MOVK(3, 0),
		MOVK(4, 0),
		CALL(BPF_FUNC_loop),
		MOVK(0, 0),
		EXIT,
	};
	struct kbpf_prog *prog;
	uint64_t r0;

	T_ASSERT(m);
	prog = LOAD(p, &m, 1);
	T_ASSERT(prog);
	T_EQ(image_code(prog, 5), KBPF_INTERP_OP_LOOKUP_ARRAY);
	T_EQ(run(prog, KBPF_INTERP_CHECKED, &r0), -KBPF_EINVAL);
	kbpf_prog_put(prog);
	kbpf_map_put(m);
}

KBPF_TEST(
	no_image_internal_opcodes,
	"a program built without kbpf_prog_load() has no image: the image's opcodes in it are unknown opcodes (-EINVAL) in both modes")
{
	static const uint8_t codes[] = { KBPF_INTERP_OP_CALL,
					 KBPF_INTERP_OP_LOOKUP_ARRAY,
					 KBPF_INTERP_OP_LOOKUP_PERCPU,
					 KBPF_INTERP_OP_LOOKUP_CALL };

	for (uint32_t c = 0; c < 4; c++) {
		struct bpf_insn insns[] = { I(codes[c], 0, 0, 0, 0), MOVK(0, 0),
					    EXIT };
		struct kbpf_prog prog;

		memset(&prog, 0, sizeof(prog));
		prog.priv = KBPF_PRIV_ALL;
		prog.insns = insns;
		prog.len = 3;
		for (uint32_t i = 0; i < 2; i++) {
			uint64_t r0;

			T_EQ(run(&prog, modes[i], &r0), -KBPF_EINVAL);
		}
	}
}

KBPF_TEST(
	unpriv_keeps_helper,
	"a loader without CAP_PERFMON: the pointer rules still apply to a specialised lookup's result (returning it gives -EACCES), and a scalar read from it is fine")
{
	struct kbpf_map *m = map_new(BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0);
	struct bpf_insn leak[] = {
		STW(-4, 1),
		LD_MAP(1, 0),
		LD_HI,
		KEYPTR(-4),
		CALL(BPF_FUNC_map_lookup_elem),
		EXIT,
	};
	struct bpf_insn p[16];
	uint32_t n = prog_read(p, 1), key = 1;
	uint64_t v = 77, r0;
	struct kbpf_prog *prog;

	T_ASSERT(m);
	T_EQ(kbpf_map_update_elem(m, &key, &v, 0), 0);
	prog = LOAD(leak, &m, 1);
	T_ASSERT(prog);
	prog->priv = KBPF_PRIV_BPF;
	T_EQ(run(prog, KBPF_INTERP_CHECKED, &r0), -KBPF_EACCES);
	kbpf_prog_put(prog);
	prog = load(p, n, &m, 1);
	T_ASSERT(prog);
	prog->priv = KBPF_PRIV_BPF;
	T_EQ(run(prog, KBPF_INTERP_CHECKED, &r0), 0);
	T_EQ(r0, 77);
	kbpf_prog_put(prog);
	kbpf_map_put(m);
}
