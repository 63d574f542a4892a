// SPDX-License-Identifier: MIT
/*
 * Perf output against the kernel: perf_event_open(2) attribute rules,
 * PERF_EVENT_ARRAY creation and element commands through identical
 * union bpf_attr bytes, bpf_perf_event_output's errors, and the bytes a
 * reader finds in the rings after the same program emitted the same
 * samples on both (kernel mmap vs kbpf_posix_mmap), wrapping and
 * overflowing, LOST records included.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "diff.h"
#include "core/compiler.h"
#include "kbpf/perf.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"
#include "insn.h"

#define PAGE 4096

static struct perf_event_attr out_attr(void)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_SOFTWARE;
	a.size = sizeof(a);
	a.config = PERF_COUNT_SW_BPF_OUTPUT;
	a.sample_type = PERF_SAMPLE_RAW;
	a.sample_period = 1;
	a.wakeup_events = 1;
	return a;
}

static long side_perf_open(int side, struct perf_event_attr *a, int pid,
			   int cpu, int group, unsigned long flags)
{
	long r;

	if (side == SIDE_KERNEL)
		r = syscall(__NR_perf_event_open, a, pid, cpu, group, flags);
	else
		r = kbpf_posix_perf_event_open(a, pid, cpu, group, flags);
	return r < 0 ? -errno : r;
}

static void side_fd_close(int side, long fd)
{
	if (fd < 0)
		return;
	if (side == SIDE_KERNEL)
		close((int)fd);
	else
		kbpf_posix_close((int)fd);
}

static void *side_mmap(int side, long fd, size_t len, int prot)
{
	if (side == SIDE_KERNEL)
		return mmap(NULL, len, prot, MAP_SHARED, (int)fd, 0);
	return kbpf_posix_mmap(NULL, len, prot, MAP_SHARED, (int)fd, 0);
}

static void side_munmap(int side, void *p, size_t len)
{
	if (side == SIDE_KERNEL)
		munmap(p, len);
	else
		kbpf_posix_munmap(p, len);
}

struct attr_case {
	const char *what;
	int pid, cpu, group;
	unsigned long flags;
	void (*edit)(struct perf_event_attr *a);
};

#define EDIT(name, body)                            \
	static void name(struct perf_event_attr *a) \
	{                                           \
		body;                               \
	}
EDIT(e_none, (void)a)
EDIT(e_size0, a->size = 0)
EDIT(e_size63, a->size = 63)
EDIT(e_size64, a->size = 64)
EDIT(e_size4097, a->size = 4097)
EDIT(e_cfg11, a->config = 11)
EDIT(e_cfg12, a->config = 12)
EDIT(e_cfg_hi, a->config = (1ULL << 32) | 10)
EDIT(e_type99, a->type = 99)
EDIT(e_st0, a->sample_type = 0)
EDIT(e_st_bad, a->sample_type = 1ULL << 30)
EDIT(e_rf_bad, a->read_format = 1ULL << 20)
EDIT(e_rf_ok, a->read_format = 0xf)
EDIT(e_res1, a->__reserved_1 = 1)
EDIT(e_res2, a->__reserved_2 = 1)
EDIT(e_period0, a->sample_period = 0)
EDIT(e_period63, a->sample_period = 1ULL << 63)
EDIT(e_freq_ok, a->freq = 1; a->sample_freq = 100)
EDIT(e_freq_bad, a->freq = 1; a->sample_freq = 1000000000)
EDIT(e_wm0, a->watermark = 1; a->wakeup_watermark = 0)
EDIT(e_wm_big, a->watermark = 1; a->wakeup_watermark = 100000)
EDIT(e_wake0, a->wakeup_events = 0)
EDIT(e_inherit, a->inherit = 1)
EDIT(e_disabled, a->disabled = 1)
EDIT(e_id_all, a->sample_id_all = 1)
EDIT(e_excl_k, a->exclude_kernel = 1)
EDIT(e_precise, a->precise_ip = 3)
EDIT(e_clock1, a->use_clockid = 1; a->clockid = 1)
EDIT(e_clock99, a->use_clockid = 1; a->clockid = 99)
EDIT(e_branch, a->sample_type |= PERF_SAMPLE_BRANCH_STACK;
     a->branch_sample_type = PERF_SAMPLE_BRANCH_ANY)
EDIT(e_stack7, a->sample_type |= PERF_SAMPLE_STACK_USER;
     a->sample_stack_user = 7)
EDIT(e_aux_out, a->aux_output = 1)
EDIT(e_sigtrap, a->sigtrap = 1)
EDIT(e_inh_thread, a->inherit_thread = 1)
EDIT(e_read_inherit, a->sample_type |= PERF_SAMPLE_READ; a->inherit = 1)
EDIT(e_aux_size, a->aux_sample_size = 1)
EDIT(e_fields, a->sample_type |= PERF_SAMPLE_TID | PERF_SAMPLE_TIME |
				 PERF_SAMPLE_CPU | PERF_SAMPLE_ID |
				 PERF_SAMPLE_IDENTIFIER)
EDIT(e_pinned, a->pinned = 1; a->exclusive = 1)
EDIT(e_config1, a->config1 = 5; a->bp_type = 5)
EDIT(e_dummy, a->config = PERF_COUNT_SW_DUMMY)

static const struct attr_case attr_cases[] = {
	{ "BPF output on CPU 0", -1, 0, -1, 0, e_none },
	{ "this process, any CPU", 0, -1, -1, 0, e_none },
	{ "no task, no CPU", -1, -1, -1, 0, e_none },
	{ "CPU past the last", -1, 1000, -1, 0, e_none },
	{ "CPU -2", -1, -2, -1, 0, e_none },
	{ "unknown flag 0x100", -1, 0, -1, 0x100, e_none },
	{ "FD_CLOEXEC|FD_OUTPUT|FD_NO_GROUP", -1, 0, -1, 0xb, e_none },
	{ "group fd 999 not open", -1, 0, 999, 0, e_none },
	{ "group fd 0 not a perf event", -1, 0, 0, 0, e_none },
	{ "size 0 (VER0)", -1, 0, -1, 0, e_size0 },
	{ "size 63", -1, 0, -1, 0, e_size63 },
	{ "size 64", -1, 0, -1, 0, e_size64 },
	{ "size 4097", -1, 0, -1, 0, e_size4097 },
	{ "config 11", -1, 0, -1, 0, e_cfg11 },
	{ "config 12 (past SW_MAX)", -1, 0, -1, 0, e_cfg12 },
	{ "config with high bits", -1, 0, -1, 0, e_cfg_hi },
	{ "type 99", -1, 0, -1, 0, e_type99 },
	{ "sample_type 0", -1, 0, -1, 0, e_st0 },
	{ "sample_type past MAX", -1, 0, -1, 0, e_st_bad },
	{ "read_format past MAX", -1, 0, -1, 0, e_rf_bad },
	{ "read_format 0xf", -1, 0, -1, 0, e_rf_ok },
	{ "__reserved_1", -1, 0, -1, 0, e_res1 },
	{ "__reserved_2", -1, 0, -1, 0, e_res2 },
	{ "sample_period 0", -1, 0, -1, 0, e_period0 },
	{ "sample_period bit 63", -1, 0, -1, 0, e_period63 },
	{ "freq 100", -1, 0, -1, 0, e_freq_ok },
	{ "freq 1e9", -1, 0, -1, 0, e_freq_bad },
	{ "watermark 0", -1, 0, -1, 0, e_wm0 },
	{ "watermark 100000", -1, 0, -1, 0, e_wm_big },
	{ "wakeup_events 0", -1, 0, -1, 0, e_wake0 },
	{ "inherit", -1, 0, -1, 0, e_inherit },
	{ "disabled", -1, 0, -1, 0, e_disabled },
	{ "sample_id_all", -1, 0, -1, 0, e_id_all },
	{ "exclude_kernel", -1, 0, -1, 0, e_excl_k },
	{ "precise_ip 3", -1, 0, -1, 0, e_precise },
	{ "clockid MONOTONIC", -1, 0, -1, 0, e_clock1 },
	{ "clockid 99", -1, 0, -1, 0, e_clock99 },
	{ "branch stack", -1, 0, -1, 0, e_branch },
	{ "stack_user 7", -1, 0, -1, 0, e_stack7 },
	{ "aux_output", -1, 0, -1, 0, e_aux_out },
	{ "sigtrap without remove_on_exec", 0, -1, -1, 0, e_sigtrap },
	{ "inherit_thread without inherit", -1, 0, -1, 0, e_inh_thread },
	{ "SAMPLE_READ with inherit", 0, -1, -1, 0, e_read_inherit },
	{ "aux_sample_size without SAMPLE_AUX", -1, 0, -1, 0, e_aux_size },
	{ "TID|TIME|CPU|ID|IDENTIFIER", -1, 0, -1, 0, e_fields },
	{ "pinned exclusive", -1, 0, -1, 0, e_pinned },
	{ "config1, bp_type ignored", -1, 0, -1, 0, e_config1 },
	{ "SW_DUMMY", -1, 0, -1, 0, e_dummy },
};

KBPF_TEST(perf_open_rules_vs_kernel,
	  "perf_event_open(2) accepts and refuses attributes as the kernel does")
{
	NEED_KERNEL();
	for (size_t i = 0; i < KBPF_ARRAY_SIZE(attr_cases); i++) {
		const struct attr_case *c = &attr_cases[i];
		struct perf_event_attr a[2];
		long r[2];

		for (int s = 0; s < 2; s++) {
			a[s] = out_attr();
			c->edit(&a[s]);
			r[s] = side_perf_open(s, &a[s], c->pid, c->cpu,
					      c->group, c->flags);
		}
		if (!same_result(r[0], r[1]))
			T_FAIL("%s: kernel %s, kbpf %s", c->what,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		/* On E2BIG both tell the caller their struct's size. */
		T_EQ(a[1].size, a[0].size);
		for (int s = 0; s < 2; s++)
			side_fd_close(s, r[s]);
	}
}

KBPF_TEST(
	perf_mmap_rules_vs_kernel,
	"mmap of a perf fd: sizes, offsets, private mappings and remaps as the kernel")
{
	static const struct {
		size_t len;
		int prot, flags;
		off_t off;
	} cases[] = {
		{ PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ 3 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ 4 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ 5 * PAGE, PROT_READ, MAP_SHARED, 0 },
		{ 3 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, 0 },
		{ 2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, PAGE },
		{ 100, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
		{ PAGE + 100, PROT_READ | PROT_WRITE, MAP_SHARED, 0 },
	};
	static const size_t again[] = { 5 * PAGE, 3 * PAGE, PAGE };

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		struct perf_event_attr a = out_attr();
		long fd = side_perf_open(s, &a, -1, 0, -1, 0);
		void *keep;

		T_ASSERT(fd >= 0);
		for (size_t i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
			void *p;
			int err;

			if (s == SIDE_KERNEL)
				p = mmap(NULL, cases[i].len, cases[i].prot,
					 cases[i].flags, (int)fd, cases[i].off);
			else
				p = kbpf_posix_mmap(NULL, cases[i].len,
						    cases[i].prot,
						    cases[i].flags, (int)fd,
						    cases[i].off);
			err = p == MAP_FAILED ? errno : 0;
			if (p != MAP_FAILED)
				side_munmap(s, p, cases[i].len);
			/* Expected: the kernel's answers (measured). */
			if (err != ((i == 3 || i == 5 || i == 6) ? EINVAL : 0))
				T_FAIL("%s case %zu: errno %d",
				       s ? "kbpf" : "kernel", i, err);
		}
		keep = side_mmap(s, fd, 3 * PAGE, PROT_READ | PROT_WRITE);
		T_ASSERT(keep != MAP_FAILED);
		for (size_t i = 0; i < KBPF_ARRAY_SIZE(again); i++) {
			void *p = side_mmap(s, fd, again[i], PROT_READ);

			T_EQ(p == MAP_FAILED ? errno : 0,
			     again[i] == 3 * PAGE ? 0 : EINVAL);
			if (p != MAP_FAILED)
				side_munmap(s, p, again[i]);
		}
		T_EQ(((struct perf_event_mmap_page *)keep)->data_size,
		     2 * PAGE);
		T_EQ(((struct perf_event_mmap_page *)keep)->data_offset, PAGE);
		side_munmap(s, keep, 3 * PAGE);
		side_fd_close(s, fd);
	}
}

KBPF_TEST(
	perf_array_create_vs_kernel,
	"PERF_EVENT_ARRAY creation: key/value size 4, flags, max_entries as the kernel")
{
	static const uint32_t cfg[][4] = {
		/* key, value, max, flags */
		{ 4, 4, 2, 0 },
		{ 4, 4, 0, 0 },
		{ 8, 4, 2, 0 },
		{ 4, 8, 2, 0 },
		{ 4, 0, 2, 0 },
		{ 4, 4, 0xffffffff, 0 },
		{ 4, 4, 1024, BPF_F_PRESERVE_ELEMS },
		{ 4, 4, 2, BPF_F_NUMA_NODE },
		{ 4, 4, 2, BPF_F_RDONLY },
		{ 4, 4, 2, BPF_F_WRONLY },
		{ 4, 4, 2, BPF_F_RDONLY_PROG },
		{ 4, 4, 2, BPF_F_WRONLY_PROG },
		{ 4, 4, 2, BPF_F_MMAPABLE },
		{ 4, 4, 2, BPF_F_NO_PREALLOC },
		{ 4, 4, 2, BPF_F_ZERO_SEED },
		{ 4, 4, 2, BPF_F_INNER_MAP },
		{ 4, 4, 2, BPF_F_RDONLY | BPF_F_WRONLY },
	};

	NEED_KERNEL();
	for (size_t i = 0; i < KBPF_ARRAY_SIZE(cfg); i++) {
		long r[2];

		for (int s = 0; s < 2; s++)
			r[s] = side_create(s, BPF_MAP_TYPE_PERF_EVENT_ARRAY,
					   cfg[i][0], cfg[i][1], cfg[i][2],
					   cfg[i][3], 0, "pea");
		if (!same_result(r[0], r[1]))
			T_FAIL("case %zu: kernel %s kbpf %s", i,
			       oracle_errno_name(r[0]),
			       oracle_errno_name(r[1]));
		if (r[0] >= 0) {
			struct bpf_map_info info[2];
			uint32_t len[2] = { sizeof(info[0]), sizeof(info[1]) };

			memset(info, 0, sizeof(info));
			for (int s = 0; s < 2; s++)
				T_EQ(side_info(s, r[s], &info[s], &len[s]), 0);
			T_EQ(info[1].max_entries, info[0].max_entries);
			T_EQ(info[1].map_flags, info[0].map_flags);
			T_EQ(info[1].value_size, info[0].value_size);
		}
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
}

#define BOTH(expr)                                                        \
	do {                                                              \
		for (int s = 0; s < 2; s++)                               \
			r[s] = (expr);                                    \
		if (!same_result(r[0], r[1]))                             \
			T_FAIL("line %d %s: kernel %s kbpf %s", __LINE__, \
			       #expr, oracle_errno_name(r[0]),            \
			       oracle_errno_name(r[1]));                  \
	} while (0)

KBPF_TEST(
	perf_array_commands_vs_kernel,
	"PERF_EVENT_ARRAY update/lookup/delete/next_key with perf fds, wrong fds and bad flags as the kernel")
{
	long map[2], ev[2], inh[2], dummy[2], other[2], r[2];
	uint32_t k0 = 0, k1 = 1, k5 = 5, out[2];
	uint32_t v[2], bad = 0, unopened = 999;

	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		struct perf_event_attr a = out_attr();

		map[s] = side_create(s, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 2,
				     0, 0, NULL);
		T_ASSERT(map[s] >= 0);
		ev[s] = side_perf_open(s, &a, -1, 0, -1, 0);
		a.inherit = 1;
		inh[s] = side_perf_open(s, &a, -1, 0, -1, 0);
		a = out_attr();
		a.config = PERF_COUNT_SW_DUMMY;
		dummy[s] = side_perf_open(s, &a, -1, 0, -1, 0);
		other[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		T_ASSERT(ev[s] >= 0 && inh[s] >= 0 && dummy[s] >= 0 &&
			 other[s] >= 0);
	}
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, map[s], &k0, out, 0));
	BOTH(side_next_key(s, map[s], NULL, &out[s]));
	T_EQ(out[1], out[0]);
	BOTH(side_next_key(s, map[s], &k0, &out[s]));
	BOTH(side_next_key(s, map[s], &k1, &out[s]));
	BOTH(side_next_key(s, map[s], &k5, &out[s]));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &bad, 0));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &unopened, 0));
	v[0] = (uint32_t)other[0];
	v[1] = (uint32_t)other[1];
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s], 0));
	v[0] = (uint32_t)ev[0];
	v[1] = (uint32_t)ev[1];
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k5, &v[s], 0));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s],
		       BPF_NOEXIST));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s], BPF_EXIST));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s], BPF_ANY));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s], BPF_ANY));
	BOTH(side_elem(s, BPF_MAP_LOOKUP_ELEM, map[s], &k0, out, 0));
	BOTH(side_elem(s, BPF_MAP_LOOKUP_AND_DELETE_ELEM, map[s], &k0, out, 0));
	v[0] = (uint32_t)inh[0];
	v[1] = (uint32_t)inh[1];
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k1, &v[s], BPF_ANY));
	v[0] = (uint32_t)dummy[0];
	v[1] = (uint32_t)dummy[1];
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k1, &v[s], BPF_ANY));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, map[s], &k1, NULL, 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, map[s], &k1, NULL, 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, map[s], &k5, NULL, 0));
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, map[s], &k0, NULL, 0));
	BOTH(side_freeze(s, map[s]));
	BOTH(side_elem(s, BPF_MAP_UPDATE_ELEM, map[s], &k0, &v[s], BPF_ANY));
	for (int s = 0; s < 2; s++) {
		side_fd_close(s, ev[s]);
		side_fd_close(s, inh[s]);
		side_fd_close(s, dummy[s]);
		side_close(s, other[s]);
		side_close(s, map[s]);
	}
}

/*
 * A raw tracepoint program: bpf_perf_event_output(ctx, perf_map,
 * args[1], value of data_map[0], args[0] & 4095); returns its result, or
 * 1 if the lookup failed.
 */
static uint32_t output_prog(struct bpf_insn *p, int perf_fd, int data_fd)
{
	uint32_t n = 0;

	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 0, 0);
	p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 8, 6, 8, 0);
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0, data_fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 2, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 1);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 4, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 5, 7, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_AND | BPF_K, 5, 0, 0, 4095);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 2, BPF_PSEUDO_MAP_FD, 0, perf_fd);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 3, 8, 0, 0);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_perf_event_output);
	p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return n;
}

/* Both sides: a perf array, a 4096-byte data array, the program. */
struct rig {
	long pmap[2], dmap[2], prog[2];
	long ev[2][2]; /* [side][cpu] */
	uint8_t *ring[2][2];
	size_t ring_len;
};

/* map_flags of the next rig's perf array (0 unless a test sets it). */
static uint32_t rig_pmap_flags;

static int rig_open(struct rig *g, size_t data_pages, uint32_t wakeup)
{
	static uint8_t data[4096];
	struct bpf_insn p[32];
	uint32_t key = 0;
	uint32_t ncpu =
		kbpf_posix_host()->nr_cpus < 2 ? kbpf_posix_host()->nr_cpus : 2;

	for (int i = 0; i < 4096; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	memset(g, 0, sizeof(*g));
	g->ring_len = (1 + data_pages) * PAGE;
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		uint32_t n;

		g->pmap[s] = side_create(s, BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4,
					 2, rig_pmap_flags, 0, NULL);
		g->dmap[s] = side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4096, 1, 0,
					 0, NULL);
		if (g->pmap[s] < 0 || g->dmap[s] < 0)
			return -1;
		if (side_elem(s, BPF_MAP_UPDATE_ELEM, g->dmap[s], &key, data,
			      0))
			return -1;
		for (uint32_t c = 0; c < ncpu; c++) {
			struct perf_event_attr at = out_attr();
			uint64_t kid;
			uint32_t fd;

			at.wakeup_events = wakeup;
			/* LOST records carry the event id: make them agree. */
			if (s == SIDE_KBPF) {
				if (ioctl((int)g->ev[0][c], PERF_EVENT_IOC_ID,
					  &kid))
					return -1;
				kbpf_posix_set_next_id(KBPF_OBJ_PERF_EVENT,
						       (uint32_t)kid);
			}
			g->ev[s][c] = side_perf_open(s, &at, -1, (int)c, -1, 0);
			if (g->ev[s][c] < 0)
				return -1;
			g->ring[s][c] = side_mmap(s, g->ev[s][c], g->ring_len,
						  PROT_READ | PROT_WRITE);
			if (g->ring[s][c] == MAP_FAILED)
				return -1;
			fd = (uint32_t)g->ev[s][c];
			if (side_elem(s, BPF_MAP_UPDATE_ELEM, g->pmap[s], &c,
				      &fd, 0))
				return -1;
		}
		n = output_prog(p, (int)g->pmap[s], (int)g->dmap[s]);
		memset(&a, 0, sizeof(a));
		a.prog_type = BPF_PROG_TYPE_RAW_TRACEPOINT;
		a.insn_cnt = n;
		a.insns = (uint64_t)(uintptr_t)p;
		a.license = (uint64_t)(uintptr_t) "GPL";
		g->prog[s] = side_bpf(s, BPF_PROG_LOAD, &a);
		if (g->prog[s] < 0)
			return -1;
	}
	return 0;
}

static void rig_close(struct rig *g)
{
	for (int s = 0; s < 2; s++) {
		for (int c = 0; c < 2; c++) {
			if (g->ring[s][c] && g->ring[s][c] != MAP_FAILED)
				side_munmap(s, g->ring[s][c], g->ring_len);
			if (g->ev[s][c] > 0)
				side_fd_close(s, g->ev[s][c]);
		}
		side_close(s, g->prog[s]);
		side_close(s, g->pmap[s]);
		side_close(s, g->dmap[s]);
	}
}

/* Run the program on @side, on @cpu: retval (as int), or a run error. */
static long rig_run(struct rig *g, int s, uint32_t cpu, uint64_t size,
		    uint64_t flags)
{
	uint64_t args[2] = { size, flags };
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)g->prog[s];
	a.test.ctx_in = (uint64_t)(uintptr_t)args;
	a.test.ctx_size_in = sizeof(args);
	a.test.flags = BPF_F_TEST_RUN_ON_CPU;
	a.test.cpu = cpu;
	r = side_bpf(s, BPF_PROG_TEST_RUN, &a);
	return r ? r : (long)(int32_t)a.test.retval;
}

KBPF_TEST(
	perf_output_errors_vs_kernel,
	"bpf_perf_event_output's errors as the kernel's, in the kernel's order")
{
	static const uint64_t flags[] = {
		BPF_F_CURRENT_CPU, 0, 1, 2, 0xfffffffe, 1ULL << 32, 1ULL << 63,
	};
	struct rig g;
	long r[2];
	uint32_t k1 = 1;

	NEED_KERNEL();
	if (kbpf_posix_host()->nr_cpus < 2)
		T_SKIP("needs 2 CPUs");
	T_ASSERT(rig_open(&g, 1, 1) == 0);
	for (uint32_t cpu = 0; cpu < 2; cpu++)
		for (size_t f = 0; f < KBPF_ARRAY_SIZE(flags); f++)
			BOTH(rig_run(&g, s, cpu, 8, flags[f]));
	/* An empty slot, then an event that is disabled. */
	BOTH(side_elem(s, BPF_MAP_DELETE_ELEM, g.pmap[s], &k1, NULL, 0));
	BOTH(rig_run(&g, s, 1, 8, BPF_F_CURRENT_CPU));
	BOTH(s ? kbpf_posix_perf_ioctl((int)g.ev[s][0], PERF_EVENT_IOC_DISABLE,
				       0) :
		 ioctl((int)g.ev[s][0], PERF_EVENT_IOC_DISABLE, 0));
	BOTH(rig_run(&g, s, 0, 8, BPF_F_CURRENT_CPU));
	BOTH(s ? kbpf_posix_perf_ioctl((int)g.ev[s][0], PERF_EVENT_IOC_ENABLE,
				       0) :
		 ioctl((int)g.ev[s][0], PERF_EVENT_IOC_ENABLE, 0));
	BOTH(rig_run(&g, s, 0, 8, BPF_F_CURRENT_CPU));
	rig_close(&g);
}

KBPF_TEST(
	perf_array_fd_close_vs_kernel,
	"closing the perf array's fd drops its entries unless BPF_F_PRESERVE_ELEMS, while a program still uses the map, as the kernel")
{
	struct rig g;
	long r[2];

	NEED_KERNEL();
	for (int preserve = 0; preserve < 2; preserve++) {
		rig_pmap_flags = preserve ? BPF_F_PRESERVE_ELEMS : 0;
		T_ASSERT(rig_open(&g, 1, 1) == 0);
		rig_pmap_flags = 0;
		BOTH(rig_run(&g, s, 0, 8, BPF_F_CURRENT_CPU));
		T_EQ(r[0], 0);
		/* The program keeps the map; only the user fd goes. */
		for (int s = 0; s < 2; s++) {
			side_close(s, g.pmap[s]);
			g.pmap[s] = -1;
		}
		BOTH(rig_run(&g, s, 0, 8, BPF_F_CURRENT_CPU));
		T_EQ(r[0], preserve ? 0 : -ENOENT);
		rig_close(&g);
	}
}

KBPF_TEST(
	perf_ring_bytes_vs_kernel,
	"the same outputs leave byte-identical perf rings (kernel mmap vs kbpf_posix_mmap): odd sizes, wraps, overflow and LOST records")
{
	uint64_t seed = kbpf_test_seed() + 11;
	int lost_seen = 0, fails = 0, runs = 0;
	struct rig g;
	uint32_t ncpu =
		kbpf_posix_host()->nr_cpus < 2 ? kbpf_posix_host()->nr_cpus : 2;

	NEED_KERNEL();
	T_ASSERT(rig_open(&g, 1, 1) == 0);
	for (int i = 0; i < 1200; i++) {
		uint32_t cpu = (uint32_t)(kbpf_test_rand(&seed) % ncpu);
		uint64_t x = kbpf_test_rand(&seed), size;
		long r[2];

		/* Mostly small records, some up to a whole page (never fit). */
		size = x % 8 == 0 ? (x >> 8) % 4096 : (x >> 8) % 200;
		for (int s = 0; s < 2; s++)
			r[s] = rig_run(&g, s, cpu, size, BPF_F_CURRENT_CPU);
		runs++;
		if (r[0] != r[1])
			T_FAIL("run %d (cpu %u, %llu bytes): kernel %ld kbpf %ld",
			       i, cpu, (unsigned long long)size, r[0], r[1]);
		fails += r[0] != 0;
		if (i % 97 != 96)
			continue;
		for (uint32_t c = 0; c < ncpu; c++) {
			struct perf_event_mmap_page *k = (void *)g.ring[0][c];
			struct perf_event_mmap_page *m = (void *)g.ring[1][c];
			uint64_t head = k->data_head;

			T_EQ(m->data_head, head);
			T_EQ(m->data_tail, k->data_tail);
			for (uint64_t p = k->data_tail; p < head;) {
				struct perf_event_header *h =
					(void *)(g.ring[0][c] + PAGE +
						 (p & (PAGE - 1)));
				lost_seen += h->type == PERF_RECORD_LOST;
				p += h->size;
			}
			for (int b = 0; b < PAGE; b++)
				if (g.ring[0][c][PAGE + b] !=
				    g.ring[1][c][PAGE + b])
					T_FAIL("cpu %u byte %d after run %d: kernel %02x kbpf %02x",
					       c, b, i, g.ring[0][c][PAGE + b],
					       g.ring[1][c][PAGE + b]);
			/* Consume everything, as a reader would. */
			__atomic_store_n(&k->data_tail, head, __ATOMIC_RELEASE);
			__atomic_store_n(&m->data_tail, head, __ATOMIC_RELEASE);
		}
	}
	rig_close(&g);
	printf("  %d runs, %d refused for lack of room, %d LOST records, same on both\n",
	       runs, fails, lost_seen);
	T_ASSERT(fails > 0);
	T_ASSERT(lost_seen > 0);
}

/* revents of perf fd @fd after poll(2) with timeout 0, or -errno. */
static long side_poll0(int side, long fd)
{
	struct pollfd p = { .fd = (int)fd,
			    .events = POLLIN | POLLOUT | POLLRDNORM };
	int r;

	r = side == SIDE_KERNEL ? poll(&p, 1, 0) : kbpf_posix_poll(&p, 1, 0);
	if (r < 0)
		return -errno;
	return r ? p.revents : 0;
}

KBPF_TEST(
	perf_poll_vs_kernel,
	"poll(2) on a perf fd reports POLLIN once per wake-up (wakeup_events 1 and 2), and 0 again after it, as the kernel's perf_poll")
{
	struct rig g;
	long r[2];

	NEED_KERNEL();
	for (uint32_t wakeup = 1; wakeup <= 2; wakeup++) {
		T_ASSERT(rig_open(&g, 1, wakeup) == 0);
		BOTH(side_poll0(s, g.ev[s][0]));
		T_EQ(r[0], 0);
		for (int i = 0; i < 4; i++) {
			BOTH(rig_run(&g, s, 0, 8, BPF_F_CURRENT_CPU));
			T_EQ(r[0], 0);
			BOTH(side_poll0(s, g.ev[s][0]));
			T_EQ(r[0], (i + 1) % wakeup ? 0 : POLLIN | POLLRDNORM);
			/* The wake-up was taken by the first poll. */
			BOTH(side_poll0(s, g.ev[s][0]));
			T_EQ(r[0], 0);
		}
		rig_close(&g);
	}
}
