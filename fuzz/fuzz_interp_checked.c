// SPDX-License-Identifier: MIT
/*
 * Fuzz the checked interpreter: arbitrary instruction streams, run in
 * checked mode with a heap context of 64 bytes (ASan redzones around it)
 * and the default helper table, must never crash or touch memory outside
 * the stack, the context and what helpers hand out.
 *
 * Input: instructions, 8 bytes each (at most 512). An ld_imm64 whose
 * src_reg is BPF_PSEUDO_MAP_FD is rewritten, as the preprocessor would, to
 * one of two maps the program holds (imm selects which), so map helpers
 * and map values are reachable.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "kbpf/interp.h"
#include "core/map.h"
#include "core/priv.h"
#include "kbpf_posix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct kbpf_map *fz_map(uint32_t type, uint32_t vs)
{
	union bpf_attr a;
	struct kbpf_map *m = NULL;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = type == BPF_MAP_TYPE_RINGBUF ? 0 : 4;
	a.value_size = type == BPF_MAP_TYPE_RINGBUF ? 0 : vs;
	a.max_entries = type == BPF_MAP_TYPE_RINGBUF ? 4096 : 4;
	if (kbpf_map_create(kbpf_posix_host(), &a, &m))
		abort();
	return m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kbpf_map *maps[2];
	struct bpf_insn *insns;
	struct kbpf_prog prog;
	struct kbpf_interp_args args = { 0 };
	uint8_t *ctx;
	uint32_t len = (uint32_t)(size / sizeof(struct bpf_insn)), i;
	uint64_t r0;

	if (!maps[0]) {
		maps[0] = fz_map(BPF_MAP_TYPE_ARRAY, 16);
		maps[1] = fz_map(BPF_MAP_TYPE_RINGBUF, 0);
	}
	if (len == 0 || len > 512)
		return 0;
	insns = malloc(len * sizeof(*insns));
	memcpy(insns, data, len * sizeof(*insns));
	for (i = 0; i + 1 < len; i++) {
		if (insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    insns[i].src_reg == BPF_PSEUDO_MAP_FD) {
			uint64_t p =
				(uint64_t)(uintptr_t)maps[insns[i].imm & 1];

			insns[i].src_reg = 0;
			insns[i].imm = (int32_t)(uint32_t)p;
			insns[i + 1].imm = (int32_t)(uint32_t)(p >> 32);
			i++;
		}
	}
	memset(&prog, 0, sizeof(prog));
	prog.insns = insns;
	prog.len = len;
	prog.maps = maps;
	prog.nr_maps = 2;
	prog.helpers = kbpf_default_helpers;
	prog.nr_helpers = KBPF_HELPER_COUNT;
	prog.type = BPF_PROG_TYPE_RAW_TRACEPOINT;
	/*
	 * A spare trailing byte with bit 0 set: the loader was not
	 * perfmon_capable(), so the run follows the pointer rules too.
	 */
	prog.priv = size % sizeof(struct bpf_insn) && data[size - 1] & 1 ?
			    KBPF_PRIV_BPF :
			    KBPF_PRIV_ALL;
	ctx = calloc(1, 64);
	args.ctx = ctx;
	args.ctx_size = 64;
	args.ctx_writable = true;
	args.mode = KBPF_INTERP_CHECKED;
	args.budget = 100000; /* keep runaway loops short under ASan */
	kbpf_interp_run(&prog, kbpf_posix_host(), &args, &r0);
	free(ctx);
	/* A run may leave a record reserved for ever: start a fresh ring. */
	kbpf_map_put(maps[1]);
	maps[1] = fz_map(BPF_MAP_TYPE_RINGBUF, 0);
	free(insns);
	return 0;
}
