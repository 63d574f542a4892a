// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpus of fuzz/fuzz_verifier.c into the directory given
 * (fuzz/corpus/verifier): every program of the verifier's table (vcases.c)
 * but the tracing ones (they need the running kernel's BTF), and
 * programs of the generator (vgen.c) for a fixed seed, safe and mutated,
 * with and without dynptr blocks, leaving out those with callbacks (they
 * need BTF func_info, which the fuzzer does not pass).
 *
 *   build/gcc/tests/unit/verifier/vseed fuzz/corpus/verifier [programs]
 *
 * Input layout: see fuzz_verifier.c. Map references become the fuzzer's
 * map numbers: the table's i stays i; the generator's array, hash and ring
 * buffer become 0, 9 and 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vcases.h"
#include "vgen.h"

/* fuzz_verifier.c's prog_types[] */
static const uint32_t types[] = {
	BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_KPROBE,	     BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_CGROUP_SKB,    BPF_PROG_TYPE_RAW_TRACEPOINT,
	BPF_PROG_TYPE_TRACEPOINT,
};

static int type_index(uint32_t type)
{
	for (int i = 0; i < (int)(sizeof(types) / sizeof(types[0])); i++)
		if (types[i] == type)
			return i;
	return -1;
}

static int write_seed(const char *dir, const char *name, int type, bool up,
		      uint32_t k, const struct bpf_insn *p, uint32_t n,
		      const int *remap, int nr_remap)
{
	char path[4096];
	uint8_t hdr[8] = { (uint8_t)type,
			   (uint8_t)(1 | (up ? 4 : 0)),
			   0,
			   (uint8_t)(k * 37),
			   (uint8_t)k,
			   (uint8_t)(k >> 8),
			   0x5a,
			   0xa5 };
	FILE *f;

	if (n > 512)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f) {
		perror(path);
		return -1;
	}
	fwrite(hdr, 1, sizeof(hdr), f);
	for (uint32_t i = 0; i < n; i++) {
		struct bpf_insn in = p[i];

		if (in.code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    (in.src_reg == BPF_PSEUDO_MAP_FD ||
		     in.src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    in.imm >= MAPREF && in.imm < MAPREF + nr_remap)
			in.imm = remap[in.imm - MAPREF];
		fwrite(&in, sizeof(in), 1, f);
	}
	return fclose(f) ? -1 : 1;
}

int main(int argc, char **argv)
{
	static const int table_maps[VCASE_NR_MAPS] = { 0, 1, 2, 3, 4, 5,
						       6, 7, 8, 9, 10 };
	static const int gen_maps[NR_MAPS] = { 0, VCASE_NR_MAPS, 3 };
	int total = argc > 2 ? atoi(argv[2]) : 300, written = 0;
	uint64_t st = 13;
	struct gen *g = malloc(sizeof(*g));
	char name[64];

	if (argc < 2 || !g) {
		fprintf(stderr, "usage: %s DIR [programs]\n", argv[0]);
		return 2;
	}
	_Static_assert(VCASE_MAPREF == MAPREF, "one map reference base");
	for (size_t i = 0; i < vcases_nr; i++) {
		const struct vcase *c = &vcases[i];
		int t = type_index(c->type), r;

		if (c->attach || t < 0)
			continue;
		snprintf(name, sizeof(name), "table_%03zu", i);
		r = write_seed(argv[1], name, t, c->unpriv, (uint32_t)i,
			       c->insns, vcase_len(c), table_maps,
			       VCASE_NR_MAPS);
		if (r < 0)
			return 1;
		written += r;
	}
	for (int i = 0; i < total; i++) {
		uint32_t r = (uint32_t)(kbpf_test_rand(&st) % 10);
		uint32_t type = r < 4 ? SF : r < 7 ? XDP : KP;
		bool unsafe = kbpf_test_rand(&st) % 2;
		bool up = type == SF && !(kbpf_test_rand(&st) % 4);
		int w;

		gen_dynptr = i % 3 == 0;
		gen_prog(&st, g, type, unsafe);
		if (g->has_cb)
			continue;
		snprintf(name, sizeof(name), "gen_%03d%s", i,
			 unsafe ? "_unsafe" : "");
		w = write_seed(argv[1], name, type_index(type), up, (uint32_t)i,
			       g->p, g->n, gen_maps, NR_MAPS);
		if (w < 0)
			return 1;
		written += w;
	}
	free(g);
	printf("%d seeds in %s\n", written, argv[1]);
	return 0;
}
