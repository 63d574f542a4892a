// SPDX-License-Identifier: MIT
/*
 * Fuzz packet programs in checked mode. An input is one byte (the program
 * type and the packet's shape) then instructions, 8 bytes each. The program
 * is loaded by kbpf_prog_load(), so the structural check and the
 * context-access pass run on it, and when it loads it runs on a packet
 * context (struct kbpf_skb or struct kbpf_xdp, as kbpf_skb_run() and
 * kbpf_xdp_run() set them up) over heap buffers, ASan redzones around
 * them, with the packet helpers reachable. It must never crash or touch
 * memory outside its stack, the context, the packet and its fragments.
 *
 * ld_imm64 with src_reg BPF_PSEUDO_MAP_IDX (5) and imm 0 or 1 names an
 * array or a ring buffer.
 */
#include <stdlib.h>
#include <string.h>

#include "helpers/helpers.h"
#include "kbpf/interp.h"
#include "core/map.h"
#include "kbpf/packet.h"
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

static const uint32_t fz_types[4] = { BPF_PROG_TYPE_SOCKET_FILTER,
				      BPF_PROG_TYPE_SCHED_CLS,
				      BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_XDP };

static void fz_run(struct kbpf_prog *prog, uint8_t shape)
{
	const struct kbpf_host *h = kbpf_posix_host();
	uint32_t len = 14 + (uint32_t)(shape >> 3) * 7;
	struct kbpf_interp_args args = {
		.mode = KBPF_INTERP_CHECKED,
		.budget = 100000, /* keep runaway loops short under ASan */
	};
	uint8_t *buf = malloc(4096), *frag = NULL;
	struct kbpf_skb skb;
	struct kbpf_xdp xdp;
	uint64_t r0;

	for (uint32_t i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 31 + shape);
	if (prog->type == BPF_PROG_TYPE_XDP) {
		if (kbpf_xdp_init(&xdp, buf, 4096, 256, (shape & 4) ? 8 : 0,
				  len, 320, 1, 0))
			abort();
		if (shape & 1) {
			/* a second buffer after the linear part */
			frag = malloc(4096);
			memset(frag, 0x5a, 4096);
			xdp.frags[0] =
				(struct kbpf_xdp_frag){ frag, 100, 4096 };
			xdp.nr_frags = 1;
			xdp.frags_size = 100;
		}
		args.ctx = &xdp;
		args.ctx_size = KBPF_XDP_DATA_META_OFF + 8;
		args.pkt = (void *)(uintptr_t)xdp.data_meta;
		args.pkt_size = (size_t)(xdp.data_end - xdp.data_meta);
	} else {
		bool l2 = prog->type != BPF_PROG_TYPE_SOCKET_FILTER;

		if (kbpf_skb_init(&skb, buf, 64 + len, 64, len, l2, 1))
			abort();
		args.ctx = &skb;
		args.ctx_size = KBPF_SKB_DATA_META_OFF + 8;
		args.ctx_writable = true;
		args.ctx_ro_size = 24;
		if (l2) {
			args.pkt = (void *)(uintptr_t)skb.data_meta;
			args.pkt_size = (size_t)(skb.data_end - skb.data_meta);
		}
	}
	kbpf_interp_run(prog, h, &args, &r0);
	free(frag);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct kbpf_map *maps[2];
	const struct kbpf_host *h = kbpf_posix_host();
	struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
	uint32_t len = (uint32_t)((size - 1) / sizeof(struct bpf_insn));
	struct bpf_insn *insns;
	struct kbpf_prog *prog;
	union bpf_attr a;

	if (!maps[0]) {
		maps[0] = fz_map(BPF_MAP_TYPE_ARRAY, 16);
		maps[1] = fz_map(BPF_MAP_TYPE_RINGBUF, 0);
	}
	if (size < 1 + sizeof(struct bpf_insn) || len > 512)
		return 0;
	insns = malloc(len * sizeof(*insns));
	memcpy(insns, data + 1, len * sizeof(*insns));
	memset(&a, 0, sizeof(a));
	a.prog_type = fz_types[data[0] & 3];
	a.insn_cnt = len;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t) "GPL";
	opts.maps = maps;
	opts.nr_maps = 2;
	if (!kbpf_prog_load(h, &a, &opts, &prog)) {
		fz_run(prog, data[0]);
		kbpf_prog_put(prog);
	}
	free(insns);
	/* A run may leave a record reserved for ever: start a fresh ring. */
	kbpf_map_put(maps[1]);
	maps[1] = fz_map(BPF_MAP_TYPE_RINGBUF, 0);
	return 0;
}
