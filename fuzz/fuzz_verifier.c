// SPDX-License-Identifier: MIT
/*
 * Fuzz the verifier itself (issue #13): arbitrary instruction streams go
 * through kbpf_posix_bpf(BPF_PROG_LOAD) with the host's verifier policy
 * ENFORCE, against real maps (the verifier table's eleven: array, hash,
 * read-only array, ring buffer, prog array, two maps with a bpf_spin_lock
 * in their BTF value, array and hash of maps, array and hash with a
 * bpf_timer; and the generator's hash 8/16), which ld_imm64 map
 * references (imm 0..11) name. (The seeds written before the timer maps
 * name the generator's hash 9, now the timer array.)
 *
 * The oracle:
 * - no crash, no hang (the verifier's 1M-instruction limit bounds a load;
 *   libFuzzer's -timeout catches the rest), no leak: every fd is closed
 *   after each input and the live allocation count must come back;
 * - soundness: a program the verifier accepts runs in checked mode (the
 *   proof is set aside for the run, as run_checked() of
 *   tests/unit/verifier/test_verifier_gen.c does) on fuzzed context,
 *   packet and map contents. Checked mode stops a load, store or helper
 *   argument outside what the program may touch with -EFAULT: for an
 *   accepted program that means the verifier was wrong, and the input
 *   aborts (with the program's disassembly) so that the fuzzer keeps it.
 *   Other stops (-ELOOP: the budget; -EINVAL, -ENOMEM) are not verdicts on
 *   the verifier and pass.
 *
 * Input: an 8-byte header, then instructions (8 bytes each, at most 512).
 *   byte 0  program type: index into prog_types[] (mod its length)
 *   byte 1  bits 0-1 log level (3 reads as 2), bit 2 a loader without
 *           CAP_PERFMON and CAP_SYS_ADMIN, bit 3 BPF_F_ANY_ALIGNMENT,
 *           bit 4 BPF_F_STRICT_ALIGNMENT, bit 5 BPF_F_TEST_STATE_FREQ,
 *           bit 6 BPF_F_SLEEPABLE, bit 7 license "MIT" instead of "GPL"
 *   byte 2  log size / 64 (0: the whole 16 KiB buffer)
 *   byte 3  packet length - 14 (packet types)
 *   bytes 4-7 seed of the context, packet and map contents
 * KBPF_VFUZZ_DEBUG=1 prints each input's load result and checked run.
 * Seeds: tests/unit/verifier/vseed.c writes corpus/verifier from the
 * verifier's table (vcases.c) and generator (vgen.c).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/prog.h"
#include "kbpf/disasm.h"
#include "kbpf/interp.h"
#include "kbpf/uapi/bpf.h"
#include "kbpf_posix.h"
#include "vcases.h"
#include "vgen.h"

#define FZ_MAX_INSNS 512
#define FZ_HDR 8
#define FZ_NR_MAPS (VCASE_NR_MAPS + 1) /* + the generator's hash */
#define FZ_GEN_HASH VCASE_NR_MAPS
#define FZ_BUDGET 20000
/* vcases.h's map numbers (vinsn.h; vgen.h's M_ARR and M_HASH agree) */
#define FZ_M_PA 4
#define FZ_M_AOM 7
#define FZ_M_HOM 8

static const uint32_t prog_types[] = {
	BPF_PROG_TYPE_SOCKET_FILTER, BPF_PROG_TYPE_XDP,
	BPF_PROG_TYPE_KPROBE,	     BPF_PROG_TYPE_SCHED_CLS,
	BPF_PROG_TYPE_CGROUP_SKB,    BPF_PROG_TYPE_RAW_TRACEPOINT,
	BPF_PROG_TYPE_TRACEPOINT,
};
#define NR_TYPES (sizeof(prog_types) / sizeof(prog_types[0]))

static long sys(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

static void close_fd(long fd)
{
	if (fd >= 0)
		kbpf_posix_close((int)fd);
}

static uint64_t fz_rand(uint64_t *st)
{
	*st ^= *st << 13;
	*st ^= *st >> 7;
	*st ^= *st << 17;
	return *st;
}

static void fill(uint64_t *st, void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)fz_rand(st);
}

static long update(long map, const void *key, const void *val)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)map;
	a.key = (uint64_t)(uintptr_t)key;
	a.value = (uint64_t)(uintptr_t)val;
	return sys(BPF_MAP_UPDATE_ELEM, &a);
}

/* The table's maps and the generator's hash; -1 where one failed. */
static void create_maps(long *maps)
{
	uint32_t size;
	const void *blob = vcase_lock_btf(&size);
	union bpf_attr a;
	long btf;

	memset(&a, 0, sizeof(a));
	a.btf = (uint64_t)(uintptr_t)blob;
	a.btf_size = size;
	btf = sys(BPF_BTF_LOAD, &a);
	for (int i = 0; i < VCASE_NR_MAPS; i++) {
		int in = vcase_map_inner(i);

		vcase_map_attr(i, &a, (uint32_t)btf);
		if (in >= 0)
			a.inner_map_fd = (uint32_t)maps[in];
		maps[i] = sys(BPF_MAP_CREATE, &a);
	}
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_HASH;
	a.key_size = 8;
	a.value_size = VAL_SIZE;
	a.max_entries = 16;
	maps[FZ_GEN_HASH] = sys(BPF_MAP_CREATE, &a);
	close_fd(btf);
}

/* Fuzzed contents: array and hash values, an inner map in each outer. */
static void fill_maps(uint64_t *st, const long *maps)
{
	uint8_t val[64];
	uint64_t k8;
	uint32_t k4, fd;

	for (k4 = 0; k4 < 4; k4++) {
		fill(st, val, sizeof(val));
		update(maps[M_ARR], &k4, val);
	}
	for (int i = 0; i < 3; i++) {
		k8 = fz_rand(st) % 4;
		fill(st, val, sizeof(val));
		update(maps[M_HASH], &k8, val);
		k8 = fz_rand(st) % 4;
		update(maps[FZ_GEN_HASH], &k8, val);
	}
	k4 = 0;
	fd = (uint32_t)maps[M_ARR];
	update(maps[FZ_M_AOM], &k4, &fd);
	fd = (uint32_t)maps[M_HASH];
	update(maps[FZ_M_HOM], &k4, &fd);
}

static void print_prog(const struct bpf_insn *p, uint32_t n)
{
	char text[128];

	for (uint32_t j = 0; j < n; j++) {
		int m = kbpf_disasm_insn(&p[j], n - j, text, sizeof(text));

		fprintf(stderr, "  %u: %s\n", j, text);
		if (m > 1)
			j += (uint32_t)m - 1;
	}
}

/*
 * Run the accepted program behind @fd once in checked mode: packet types
 * through BPF_PROG_TEST_RUN on a fuzzed packet, the others directly on a
 * fuzzed context of the size the verifier allows. The verifier's proof is
 * set aside for the run, so that the run really is checked.
 */
static long run_checked(uint64_t *st, long fd, uint32_t type, uint32_t len)
{
	static uint8_t ctx[2048], pkt[256], out[512];
	struct kbpf_obj *obj = kbpf_posix_fd_obj((int)fd);
	struct kbpf_prog *prog = (struct kbpf_prog *)obj;
	bool proved;
	long r;

	if (!obj)
		return -ENOENT;
	proved = prog->verified;
	prog->verified = false;
	fill(st, ctx, sizeof(ctx));
	fill(st, pkt, sizeof(pkt));
	if (type == BPF_PROG_TYPE_KPROBE ||
	    type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	    type == BPF_PROG_TYPE_TRACEPOINT) {
		struct kbpf_interp_args ia = {
			.ctx = ctx,
			.ctx_size = type == BPF_PROG_TYPE_KPROBE ? 21 * 8 :
				    type == BPF_PROG_TYPE_TRACEPOINT ?
								   sizeof(ctx) :
								   12 * 8,
			.mode = KBPF_INTERP_CHECKED,
			.budget = FZ_BUDGET,
		};
		uint64_t r0;

		r = kbpf_interp_run(prog, kbpf_posix_host(), &ia, &r0);
	} else {
		union bpf_attr a;

		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uint64_t)(uintptr_t)pkt;
		a.test.data_size_in = len;
		a.test.data_out = (uint64_t)(uintptr_t)out;
		a.test.data_size_out = sizeof(out);
		a.test.repeat = 1;
		r = sys(BPF_PROG_TEST_RUN, &a);
	}
	prog->verified = proved;
	kbpf_obj_put(obj);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static long baseline = -1;
	static bool debug;
	static struct bpf_insn insns[FZ_MAX_INSNS];
	static char log[16384];
	static char trace[65536];
	long maps[FZ_NR_MAPS], prog;
	uint64_t st;
	uint32_t type, n32, lvl;
	bool up;
	size_t n;
	union bpf_attr a;

	if (size < FZ_HDR)
		return 0;
	if (baseline < 0) {
		debug = getenv("KBPF_VFUZZ_DEBUG") != NULL;
		/* unprivileged loads as the kernel's default policy 0 */
		kbpf_posix_set_unprivileged_bpf_disabled(0);
		kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
		baseline = kbpf_posix_live_allocs();
	}
	n = (size - FZ_HDR) / sizeof(struct bpf_insn);
	if (n > FZ_MAX_INSNS)
		n = FZ_MAX_INSNS;
	n32 = (uint32_t)n;
	memcpy(insns, data + FZ_HDR, n * sizeof(struct bpf_insn));
	memcpy(&st, data + 4, 4);
	st = st * 0x9e3779b97f4a7c15ull + 1;
	type = prog_types[data[0] % NR_TYPES];
	up = data[1] & 4;
	create_maps(maps);
	fill_maps(&st, maps);
	/* Map references name the real maps; other fds stay as they are. */
	for (size_t i = 0; i < n; i++) {
		struct bpf_insn *in = &insns[i];

		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (in->src_reg == BPF_PSEUDO_MAP_FD ||
		     in->src_reg == BPF_PSEUDO_MAP_VALUE) &&
		    in->imm >= 0 && in->imm < FZ_NR_MAPS)
			in->imm = (int32_t)maps[in->imm];
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.insn_cnt = n32;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t)(data[1] & 128 ? "MIT" : "GPL");
	lvl = data[1] & 3;
	a.log_level = lvl == 3 ? 2 : lvl;
	a.prog_flags = (data[1] & 8 ? BPF_F_ANY_ALIGNMENT : 0) |
		       (data[1] & 16 ? BPF_F_STRICT_ALIGNMENT : 0) |
		       (data[1] & 32 ? BPF_F_TEST_STATE_FREQ : 0) |
		       (data[1] & 64 ? BPF_F_SLEEPABLE : 0);
	if (a.log_level) {
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = data[2] ? (uint32_t)data[2] * 64 : sizeof(log);
	}
	if (up && gen_unpriv(true))
		up = false;
	prog = sys(BPF_PROG_LOAD, &a);
	if (up)
		gen_unpriv(false);
	if (debug && prog < 0)
		fprintf(stderr, "refused type %u: errno %d\n", type, errno);
	if (prog >= 0) {
		uint32_t key = 0, val = (uint32_t)prog;
		long r;

		/* tail calls reach the program itself */
		update(maps[FZ_M_PA], &key, &val);
		r = run_checked(&st, prog, type, 14 + data[3] % 200u);
		if (debug)
			fprintf(stderr, "accepted type %u: run %ld\n", type, r);
		if (r == -EFAULT) {
			fprintf(stderr,
				"unsound: the verifier accepted a program "
				"(type %u%s) that faulted in checked mode:\n",
				type, up ? ", unprivileged" : "");
			print_prog((const struct bpf_insn *)(data + FZ_HDR),
				   n32);
			abort();
		}
	}
	close_fd(prog);
	for (int i = FZ_NR_MAPS - 1; i >= 0; i--)
		close_fd(maps[i]);
	kbpf_posix_trace_read(trace, sizeof(trace));
	kbpf_posix_reset();
	if (kbpf_posix_live_allocs() != baseline) {
		fprintf(stderr,
			"leak: %ld allocations live after the input (baseline %ld)\n",
			kbpf_posix_live_allocs(), baseline);
		abort();
	}
	return 0;
}
