// SPDX-License-Identifier: MIT
/*
 * bpf_get_func_arg, bpf_get_func_ret, bpf_get_func_arg_cnt: who may call
 * them, against the kernel (program types and tp_btf: the same decision
 * and line), and on kbpf what they give an fentry or fexit program fired
 * on its hook point ("fentry/<function>", "fexit/<function>") with the
 * function's arguments (and return value). This machine's kernel BTF is
 * kbpf's host BTF; the kernel here loads no fentry program (no
 * trampolines), so the runs are kbpf's alone, checked against the values
 * fired.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf/raw_tp.h"
#include "btf/btf.h"
#include "vmlinux_btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

static char logs[2][16384];

/* The last line of @log that is not "processed ...". */
static void last_line(const char *log, char *out, size_t n)
{
	const char *p = log, *best = "", *end;
	size_t len = 0;

	while (*p) {
		end = strchr(p, '\n');
		if (!end)
			end = p + strlen(p);
		if (strncmp(p, "processed ", 10)) {
			best = p;
			len = (size_t)(end - p);
		}
		p = *end ? end + 1 : end;
	}
	if (len >= n)
		len = n - 1;
	memcpy(out, best, len);
	out[len] = 0;
}

/* A call of helper @id with (ctx, 0, fp-8) / (ctx, fp-8) / (ctx). */
static long load_caller(int side, uint32_t type, uint32_t eat, uint32_t btf_id,
			int id)
{
	struct bpf_insn p[] = {
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, id),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	if (id == BPF_FUNC_get_func_ret) { /* (ctx, fp-8) */
		p[1] = (struct bpf_insn)I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0,
					  0);
		p[2] = (struct bpf_insn)I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0,
					  -8);
		p[3] = (struct bpf_insn)I(BPF_ALU64 | BPF_MOV | BPF_K, 3, 0, 0,
					  0);
	}
	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.attach_btf_id = btf_id;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)logs[side];
	a.log_size = sizeof(logs[side]);
	a.log_level = 1;
	logs[side][0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

KBPF_TEST(
	func_arg_availability_vs_kernel,
	"bpf_get_func_arg, bpf_get_func_ret, bpf_get_func_arg_cnt and bpf_get_func_ip called from kprobe, tracepoint, raw tracepoint, perf event, socket filter, tc and tp_btf programs: kbpf loads or refuses as the kernel does, with its last log line, under both verifier policies")
{
	static const int ids[] = { BPF_FUNC_get_func_arg, BPF_FUNC_get_func_ret,
				   BPF_FUNC_get_func_arg_cnt,
				   BPF_FUNC_get_func_ip };
	static const uint32_t types[] = {
		BPF_PROG_TYPE_KPROBE,	      BPF_PROG_TYPE_TRACEPOINT,
		BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_PROG_TYPE_PERF_EVENT,
		BPF_PROG_TYPE_SOCKET_FILTER,  BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_TRACING,
	};
	uint32_t tp_id;
	int fails = 0, n = 0, loaded = 0;

	NEED_KERNEL();
	if (vmlinux_btf())
		T_SKIP("no kernel BTF on this machine");
	tp_id = kbpf_btf_find(&vbtf, BTF_KIND_TYPEDEF,
			      "btf_trace_sched_switch");
	if (!tp_id)
		T_SKIP("no sched_switch tracepoint in this kernel's BTF");
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	for (int pol = 0; pol < 2; pol++) {
		kbpf_posix_set_verifier(pol ? KBPF_VERIFIER_ENFORCE :
					      KBPF_VERIFIER_OFF);
		for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
			for (size_t i = 0; i < 4; i++) {
				bool tr = types[t] == BPF_PROG_TYPE_TRACING;
				long r[2];
				char l[2][256];

				for (int s = 0; s < 2; s++) {
					r[s] = load_caller(
						s, types[t],
						tr ? BPF_TRACE_RAW_TP : 0,
						tr ? tp_id : 0, ids[i]);
					last_line(logs[s], l[s], sizeof(l[s]));
				}
				n++;
				if (r[0] >= 0)
					loaded++;
				if ((r[0] >= 0) != (r[1] >= 0) ||
				    (r[0] < 0 &&
				     (r[0] != r[1] || strcmp(l[0], l[1])))) {
					printf("type %u helper %d: kernel %ld "
					       "[%s] kbpf %ld [%s]\n",
					       types[t], ids[i], r[0], l[0],
					       r[1], l[1]);
					fails++;
				}
				if (r[0] >= 0)
					printf("type %u helper %d: kernel "
					       "loads it\n",
					       types[t], ids[i]);
				side_close(0, r[0]);
				side_close(1, r[1]);
			}
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	kbpf_posix_set_btf(NULL, 0);
	printf("func_arg helpers: %d loads compared, %d loaded by the "
	       "kernel\n",
	       n, loaded);
	T_EQ(fails, 0);
	/* kprobes get bpf_get_func_ip, under both policies */
	T_EQ(loaded, 2);
}

/*
 * map[0] = { arg_cnt, get_func_arg(ctx, @n) result, its value (sentinel
 * 0x55 if not written), get_func_ret result, its value (0x66),
 * get_func_ip }.
 */
static long load_reader(uint32_t eat, uint32_t btf_id, long map, int n)
{
	struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -8, 0x55),
		I(BPF_ST | BPF_MEM | BPF_DW, 10, 0, -16, 0x66),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -20, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_func_arg_cnt),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 2, 0, 0, n),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 3, 0, 0, -8),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_func_arg),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 8, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -16),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_func_ret),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 9, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_get_func_ip),
		I(BPF_STX | BPF_MEM | BPF_DW, 10, 0, -32, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -20),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 11, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 7, 0, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 8, 8, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -8, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 16, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 9, 24, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -16, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 32, 0),
		I(BPF_LDX | BPF_MEM | BPF_DW, 1, 10, -32, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 1, 40, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = eat;
	a.attach_btf_id = btf_id;
	a.insn_cnt = sizeof(p) / sizeof(p[0]);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)logs[1];
	a.log_size = sizeof(logs[1]);
	a.log_level = 1;
	logs[1][0] = 0;
	return side_bpf(SIDE_KBPF, BPF_PROG_LOAD, &a);
}

#define FUNC_IP 0xffffffff81234560ull
static struct kbpf_raw_tp fentry_tp = { .name = "fentry/do_unlinkat",
					.nargs = 2,
					.func_ip = FUNC_IP };
static struct kbpf_raw_tp fexit_tp = { .name = "fexit/do_unlinkat",
				       .nargs = 3,
				       .func_ip = FUNC_IP };

KBPF_TEST(
	func_arg_fentry_fexit_run,
	"on kbpf an fentry/fexit program on do_unlinkat(dfd, name) fired with (7, 0x1234[, -2]) gets arg_cnt 2, get_func_arg(1) 0x1234, get_func_arg(2) -EINVAL with its output untouched, get_func_ret -EOPNOTSUPP in fentry and -2 in fexit, get_func_ip the hook point's func_ip, under both verifier policies")
{
	uint64_t args[3] = { 7, 0x1234, (uint64_t)-2 };
	uint32_t fn;
	int fails = 0;

	if (vmlinux_btf())
		T_SKIP("no kernel BTF on this machine");
	fn = kbpf_btf_find(&vbtf, BTF_KIND_FUNC, "do_unlinkat");
	if (!fn)
		T_SKIP("no do_unlinkat in this kernel's BTF");
	kbpf_posix_set_btf(vmlinux, vmlinux_size);
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &fentry_tp), 0);
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &fexit_tp), 0);
	for (int pol = 0; pol < 2; pol++)
		for (int ex = 0; ex < 2; ex++)
			for (int n = 1; n <= 2; n++) {
				uint32_t eat = ex ? BPF_TRACE_FEXIT :
						    BPF_TRACE_FENTRY;
				long map = side_create(SIDE_KBPF,
						       BPF_MAP_TYPE_ARRAY, 4,
						       48, 1, 0, 0, NULL);
				uint64_t v[6] = { 0 }, want[6];
				uint32_t key = 0;
				long prog, link;
				union bpf_attr a;

				kbpf_posix_set_verifier(
					pol ? KBPF_VERIFIER_ENFORCE :
					      KBPF_VERIFIER_OFF);
				prog = load_reader(eat, fn, map, n);
				kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
				if (prog < 0) {
					printf("load (policy %d, %s, n %d): "
					       "%ld\n%s",
					       pol, ex ? "fexit" : "fentry", n,
					       prog, logs[1]);
					fails++;
					continue;
				}
				memset(&a, 0, sizeof(a));
				a.raw_tracepoint.prog_fd = (uint32_t)prog;
				link = side_bpf(SIDE_KBPF,
						BPF_RAW_TRACEPOINT_OPEN, &a);
				if (link < 0 ||
				    kbpf_raw_tp_fire(ex ? &fexit_tp :
							  &fentry_tp,
						     args) ||
				    side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM,
					      map, &key, v, 0)) {
					printf("attach/fire/lookup failed\n");
					fails++;
				}
				want[0] = 2;
				want[1] = n < 2 ? 0 : (uint64_t)-EINVAL;
				want[2] = n < 2 ? 0x1234 : 0x55;
				want[3] = ex ? 0 : (uint64_t)-EOPNOTSUPP;
				want[4] = ex ? (uint64_t)-2 : 0x66;
				want[5] = FUNC_IP;
				if (memcmp(v, want, sizeof(v))) {
					printf("policy %d %s n %d: got %lld %lld "
					       "%#llx %lld %lld %#llx\n",
					       pol, ex ? "fexit" : "fentry", n,
					       (long long)v[0], (long long)v[1],
					       (unsigned long long)v[2],
					       (long long)v[3], (long long)v[4],
					       (unsigned long long)v[5]);
					fails++;
				}
				side_close(SIDE_KBPF, link);
				side_close(SIDE_KBPF, prog);
				side_close(SIDE_KBPF, map);
			}
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_raw_tp_unregister(&fentry_tp), 0);
	T_EQ(kbpf_raw_tp_unregister(&fexit_tp), 0);
	kbpf_posix_set_btf(NULL, 0);
	T_EQ(fails, 0);
}
