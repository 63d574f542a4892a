// SPDX-License-Identifier: MIT
/*
 * tp_btf programs (BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP) against the
 * kernel, with this kernel's BTF (/sys/kernel/btf/vmlinux) as kbpf's host
 * BTF: attach_btf_id rules and log lines, BPF_RAW_TRACEPOINT_OPEN without
 * a name, and on kbpf the program running on its raw tracepoint with the
 * tracepoint's arguments, through RAW_TRACEPOINT_OPEN and a link with a
 * cookie.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "diff.h"
#include "core/compiler.h"
#include "kbpf/raw_tp.h"
#include "kbpf/uapi/btf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

static uint8_t *btf;
static size_t btf_size;

/* This kernel's BTF, read once; NULL if the file is not there. */
static int read_btf(void)
{
	FILE *f;
	size_t cap = 1 << 20;

	if (btf)
		return 0;
	f = fopen("/sys/kernel/btf/vmlinux", "rb");
	if (!f)
		return -1;
	btf = malloc(cap);
	for (;;) {
		size_t n = fread(btf + btf_size, 1, cap - btf_size, f);

		btf_size += n;
		if (n == 0)
			break;
		if (btf_size == cap)
			btf = realloc(btf, cap *= 2);
	}
	fclose(f);
	return btf_size > 24 ? 0 : -1;
}

/* The id of the first type of @kind named @name in the BTF, or 0. */
static uint32_t btf_find(uint32_t kind, const char *name)
{
	uint32_t hdr, to, tl, so, pos = 0, id = 1;

	memcpy(&hdr, btf + 4, 4);
	memcpy(&to, btf + 8, 4);
	memcpy(&tl, btf + 12, 4);
	memcpy(&so, btf + 16, 4);
	while (pos + 12 <= tl) {
		const uint8_t *t = btf + hdr + to + pos;
		uint32_t no, info, k, vlen, extra;

		memcpy(&no, t, 4);
		memcpy(&info, t + 4, 4);
		k = BTF_INFO_KIND(info);
		vlen = BTF_INFO_VLEN(info);
		switch (k) {
		case BTF_KIND_INT:
		case BTF_KIND_VAR:
		case BTF_KIND_DECL_TAG:
			extra = 4;
			break;
		case BTF_KIND_ARRAY:
			extra = 12;
			break;
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_DATASEC:
		case BTF_KIND_ENUM64:
			extra = 12 * vlen;
			break;
		case BTF_KIND_ENUM:
		case BTF_KIND_FUNC_PROTO:
			extra = 8 * vlen;
			break;
		default:
			extra = 0;
		}
		if (k == kind &&
		    !strcmp((const char *)btf + hdr + so + no, name))
			return id;
		pos += 12 + extra;
		id++;
	}
	return 0;
}

static long load_tp_btf(int side, uint32_t btf_id, uint32_t eat, long map,
			char *log, size_t logsz)
{
	/* map[0] = ctx[1] (the tracepoint's second argument) */
	struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 6, 1, 8, 0),
		I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0),
		I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		  (int32_t)map),
		I(0, 0, 0, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0),
		I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4),
		I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem),
		I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
		I(BPF_STX | BPF_MEM | BPF_DW, 0, 6, 0, 0),
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_TRACING;
	a.expected_attach_type = eat;
	a.attach_btf_id = btf_id;
	a.insn_cnt = KBPF_ARRAY_SIZE(p);
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = (uint32_t)logsz;
	a.log_level = 1;
	log[0] = 0;
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static long tp_open(int side, long prog, const char *name)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.raw_tracepoint.prog_fd = (uint32_t)prog;
	a.raw_tracepoint.name = (uint64_t)(uintptr_t)name;
	return side_bpf(side, BPF_RAW_TRACEPOINT_OPEN, &a);
}

static struct kbpf_raw_tp sched_switch = { .name = "sched_switch", .nargs = 4 };

KBPF_TEST(
	tp_btf_vs_kernel,
	"tp_btf loads: attach_btf_id rules with the kernel's errnos and log lines, RAW_TRACEPOINT_OPEN without a name, and runs on kbpf's tracepoint")
{
	const char *why;
	char log[2][4096];
	uint32_t ids[6];
	long r[2], map[2], prog[2], link[2];
	uint64_t args[4] = { 0, 0x1111, 0x2222, 0x3333 }, v = 0;
	uint32_t key = 0;
	size_t i;
	int s;

	if (!oracle_available(&why))
		T_SKIP("kernel oracle: %s", why);
	if (read_btf())
		T_SKIP("no /sys/kernel/btf/vmlinux");
	ids[0] = 0;
	ids[1] = btf_find(BTF_KIND_STRUCT, "task_struct");
	ids[2] = btf_find(BTF_KIND_TYPEDEF, "u32");
	ids[3] = 0x7fffffff;
	ids[4] = btf_find(BTF_KIND_FUNC, "schedule");
	ids[5] = btf_find(BTF_KIND_TYPEDEF, "btf_trace_sched_switch");
	T_ASSERT(ids[1] && ids[2] && ids[5]);
	kbpf_posix_set_btf(btf, btf_size);
	for (s = 0; s < 2; s++) {
		map[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
		T_ASSERT(map[s] >= 0);
	}
	for (i = 0; i < KBPF_ARRAY_SIZE(ids); i++) {
		for (s = 0; s < 2; s++) {
			r[s] = load_tp_btf(s, ids[i], BPF_TRACE_RAW_TP, map[s],
					   log[s], sizeof(log[s]));
			char *nl = strchr(log[s], '\n');

			if (nl)
				*nl = 0;
		}
		if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
			T_FAIL("attach_btf_id %u: kernel %ld, kbpf %ld", ids[i],
			       r[0], r[1]);
		if (r[0] < 0 && strcmp(log[0], log[1]) &&
		    strncmp(log[0], "processed", 9))
			T_FAIL("attach_btf_id %u: kernel log '%s', kbpf '%s'",
			       ids[i], log[0], log[1]);
		if (i < KBPF_ARRAY_SIZE(ids) - 1)
			for (s = 0; s < 2; s++)
				side_close(s, r[s]);
	}
	prog[0] = r[0];
	prog[1] = r[1];
	T_ASSERT(prog[0] >= 0 && prog[1] >= 0);
	/* Attaching: the name came with the BTF id; giving one is refused. */
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &sched_switch), 0);
	for (s = 0; s < 2; s++)
		r[s] = tp_open(s, prog[s], "sched_switch");
	T_EQ(r[0], r[1]);
	T_EQ(r[1], -EINVAL);
	for (s = 0; s < 2; s++) {
		link[s] = tp_open(s, prog[s], NULL);
		T_ASSERT(link[s] >= 0);
	}
	/* kbpf: the program sees the tracepoint's arguments. */
	T_EQ(kbpf_raw_tp_fire(&sched_switch, args), 0);
	T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[1], &key, &v, 0), 0);
	T_EQ(v, 0x1111);
	for (s = 0; s < 2; s++)
		side_close(s, link[s]);
	/* A link with a cookie, named in link info like a raw tracepoint. */
	{
		union bpf_attr a;
		struct bpf_link_info info;
		char name[64];
		long l;

		memset(&a, 0, sizeof(a));
		a.link_create.prog_fd = (uint32_t)prog[1];
		a.link_create.attach_type = BPF_TRACE_RAW_TP;
		a.link_create.tracing.cookie = 99;
		l = side_bpf(SIDE_KBPF, BPF_LINK_CREATE, &a);
		T_ASSERT(l >= 0);
		memset(&info, 0, sizeof(info));
		info.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)name;
		info.raw_tracepoint.tp_name_len = sizeof(name);
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)l;
		a.info.info_len = sizeof(info);
		a.info.info = (uint64_t)(uintptr_t)&info;
		T_EQ(side_bpf(SIDE_KBPF, BPF_OBJ_GET_INFO_BY_FD, &a), 0);
		T_EQ(info.type, BPF_LINK_TYPE_RAW_TRACEPOINT);
		T_ASSERT(!strcmp(name, "sched_switch"));
		T_EQ(info.raw_tracepoint.cookie, 99);
		args[1] = 0x4444;
		T_EQ(kbpf_raw_tp_fire(&sched_switch, args), 0);
		T_EQ(side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, map[1], &key, &v,
			       0),
		     0);
		T_EQ(v, 0x4444);
		side_close(SIDE_KBPF, l);
	}
	for (s = 0; s < 2; s++) {
		side_close(s, prog[s]);
		side_close(s, map[s]);
	}
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_raw_tp_unregister(&sched_switch), 0);
	/*
	 * fentry/fexit (kbpf only: this kernel refuses them without a
	 * trampoline): the function's entry and exit are the host's hook
	 * points "fentry/<function>" and "fexit/<function>".
	 */
	map[1] =
		side_create(SIDE_KBPF, BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0, 0, NULL);
	{
		static struct kbpf_raw_tp fexit_schedule = {
			.name = "fexit/schedule", .nargs = 1
		};
		uint64_t ret[1] = { 0 };
		long f, fl;

		T_EQ(load_tp_btf(SIDE_KBPF, ids[5], BPF_TRACE_FENTRY, map[1],
				 log[1], sizeof(log[1])),
		     -EINVAL);
		T_ASSERT(strstr(log[1], "is not a function"));
		T_EQ(load_tp_btf(SIDE_KBPF, ids[4], BPF_MODIFY_RETURN, map[1],
				 log[1], sizeof(log[1])),
		     -EINVAL);
		T_ASSERT(strstr(log[1], "fentry or fexit only"));
		f = load_tp_btf(SIDE_KBPF, ids[4], BPF_TRACE_FEXIT, map[1],
				log[1], sizeof(log[1]));
		T_ASSERT(f >= 0);
		/* No hook point registered: nothing to attach to. */
		T_EQ(tp_open(SIDE_KBPF, f, NULL), -ENOENT);
		T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &fexit_schedule),
		     0);
		fl = tp_open(SIDE_KBPF, f, NULL);
		T_ASSERT(fl >= 0);
		/* schedule() takes no argument: ctx[0] is its return value;
		 * the program reads ctx[1], past it, and checked mode stops. */
		T_ASSERT(kbpf_raw_tp_fire(&fexit_schedule, ret) < 0);
		side_close(SIDE_KBPF, fl);
		side_close(SIDE_KBPF, f);
		kbpf_posix_rcu_barrier();
		T_EQ(kbpf_raw_tp_unregister(&fexit_schedule), 0);
	}
	kbpf_posix_set_btf(NULL, 0);
	T_EQ(load_tp_btf(SIDE_KBPF, ids[5], BPF_TRACE_RAW_TP, map[1], log[1],
			 sizeof(log[1])),
	     -EINVAL);
	side_close(SIDE_KBPF, map[1]);
}
