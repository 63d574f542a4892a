// SPDX-License-Identifier: MIT
/*
 * Probe events (kprobe/uprobe/tracepoint perf events the host owns)
 * against the kernel: perf_event_open's decoding of uprobe and tracepoint
 * attributes, PERF_EVENT_IOC_SET_BPF and BPF_LINK_CREATE(BPF_PERF_EVENT)
 * rules, perf link info, and programs run by a real uprobe and a real
 * syscall tracepoint on the kernel side and by the test host's fire on the
 * kbpf side, leaving the same map contents.
 *
 * The test host below plays the host kernel: it keeps the events kbpf
 * opens for it and fires them when the test "hits" a probe. Whether a file
 * exists is its stat(2)'s answer; which tracepoint ids exist comes from
 * tracefs. Kernel 6.18 here has a uprobe PMU but no kprobes, so kprobe
 * decoding is checked against Linux's source rules, kbpf side only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <sys/user.h>
#endif

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf/perf.h"
#include "kbpf/raw_tp.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define KPROBE_TYPE 60 /* the test host's kprobe PMU */

/* ---- the test host's probe PMUs ---- */

#define MAX_EVENTS 64
static struct {
	struct kbpf_perf_event *ev;
	struct kbpf_probe_desc *d;
} events[MAX_EVENTS];
static int nr_opened, nr_closed;
static uint64_t tp_getppid_id;
static const char tp_getppid_name[] = "sys_enter_getppid";

static int host_open(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		     struct kbpf_probe_desc *d)
{
	struct stat st;
	int i;

	(void)h;
	if (d->kind == KBPF_PROBE_UPROBE) {
		if (!d->name[0])
			return -EINVAL; /* Linux: an empty path */
		if (stat(d->name, &st))
			return -errno;
		if (!S_ISREG(st.st_mode) || d->offset > (uint64_t)st.st_size)
			return -EINVAL;
	} else if (d->kind == KBPF_PROBE_TRACEPOINT) {
		if (!tp_getppid_id || d->tp_id != tp_getppid_id)
			return -EINVAL;
		d->name = tp_getppid_name;
	} else if (d->name && !strcmp(d->name, "no_such_function")) {
		return -ENOENT;
	}
	for (i = 0; i < MAX_EVENTS; i++) {
		if (!events[i].ev) {
			events[i].ev = ev;
			events[i].d = d;
			nr_opened++;
			return 0;
		}
	}
	return -ENOMEM;
}

static void host_close(const struct kbpf_host *h, struct kbpf_perf_event *ev,
		       struct kbpf_probe_desc *d)
{
	int i;

	(void)h;
	(void)d;
	for (i = 0; i < MAX_EVENTS; i++)
		if (events[i].ev == ev)
			events[i].ev = NULL;
	nr_closed++;
}

static struct kbpf_probe_pmus pmus = {
	.kprobe_type = KPROBE_TYPE,
	.tracepoints = true,
	.open = host_open,
	.close = host_close,
};

#if defined(__x86_64__)
/* Fire every event whose probe matches, as a host's probe handler does. */
static int host_hit(uint32_t kind, const char *path, uint64_t off, void *ctx,
		    size_t size)
{
	uint32_t verdict;
	int i, n = 0;

	for (i = 0; i < MAX_EVENTS; i++) {
		struct kbpf_probe_desc *d = events[i].d;

		if (!events[i].ev || d->kind != kind)
			continue;
		if (kind == KBPF_PROBE_UPROBE &&
		    (strcmp(d->name, path) || d->offset != off))
			continue;
		if (kbpf_perf_probe_fire(events[i].ev, ctx, size, &verdict))
			return -1;
		n++;
	}
	return n;
}
#endif

static uint32_t uprobe_type(void)
{
	FILE *f = fopen("/sys/bus/event_source/devices/uprobe/type", "r");
	unsigned int t = 0;

	if (f) {
		if (fscanf(f, "%u", &t) != 1)
			t = 0;
		fclose(f);
	}
	return t ? t : 8;
}

static void setup(void)
{
	FILE *f;
	unsigned long long id = 0;

	pmus.uprobe_type = uprobe_type();
	f = fopen("/sys/kernel/tracing/events/syscalls/sys_enter_getppid/id",
		  "r");
	if (f) {
		if (fscanf(f, "%llu", &id) != 1)
			id = 0;
		fclose(f);
	}
	tp_getppid_id = id ? id : 100000;
	kbpf_posix_set_probes(&pmus);
}

static long side_perf_open(int side, struct perf_event_attr *a, int pid,
			   int cpu)
{
	long r;

	if (side == SIDE_KERNEL)
		r = syscall(__NR_perf_event_open, a, pid, cpu, -1,
			    PERF_FLAG_FD_CLOEXEC);
	else
		r = kbpf_posix_perf_event_open(a, pid, cpu, -1,
					       PERF_FLAG_FD_CLOEXEC);
	return r < 0 ? -errno : r;
}

static long side_ioctl(int side, long fd, unsigned long cmd, unsigned long arg)
{
	long r;

	if (side == SIDE_KERNEL)
		r = ioctl((int)fd, cmd, arg);
	else
		r = kbpf_posix_perf_ioctl((int)fd, cmd, arg);
	return r < 0 ? -errno : r;
}

static void side_perf_close(int side, long fd)
{
	if (fd < 0)
		return;
	if (side == SIDE_KERNEL)
		close((int)fd);
	else
		kbpf_posix_close((int)fd);
}

static long load(int side, uint32_t type, uint32_t eat,
		 const struct bpf_insn *p, int n)
{
	static char log[65536];
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.insn_cnt = (uint32_t)n;
	a.insns = (uint64_t)(uintptr_t)p;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	a.log_level = 1;
	log[0] = 0;
	r = side_bpf(side, BPF_PROG_LOAD, &a);
	if (r < 0)
		printf("  load on %s: %ld\n%s\n", side ? "kbpf" : "kernel", r,
		       log);
	return r;
}

static long load_ret0(int side, uint32_t type, uint32_t eat)
{
	static const struct bpf_insn p[] = {
		I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};

	return load(side, type, eat, p, 2);
}

static struct perf_event_attr probe_attr(uint32_t type)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = type;
	return a;
}

static char exe_path[4096];

static const char *exe(void)
{
	if (!exe_path[0]) {
		char *r = realpath("/proc/self/exe", NULL);

		snprintf(exe_path, sizeof(exe_path), "%s", r ? r : "");
		free(r);
	}
	return exe_path;
}

/* ---- perf_event_open ---- */

KBPF_TEST(
	probe_open_rules,
	"uprobe and tracepoint perf_event_open: path copy limits, missing path, ids, generic rules give the kernel's errnos")
{
	char *p5000 = malloc(5000), *p4096 = malloc(4200),
	     *p4095 = malloc(4200);
	struct perf_event_attr a[2];
	struct {
		const char *what;
		int kind; /* 0 uprobe, 1 tracepoint */
		uint64_t config, config1, config2, sample_type;
		int pid, cpu;
		uint64_t branch;
	} cases[] = {
		{ "uprobe without path", 0, 0, 0, 0, 0, -1, 0, 0 },
		{ "uprobe path unreadable", 0, 0, 1, 0, 0, -1, 0, 0 },
		{ "uprobe path 4999 bytes", 0, 0, (uintptr_t)p5000, 0, 0, -1, 0,
		  0 },
		{ "uprobe path 4096 bytes", 0, 0, (uintptr_t)p4096, 0, 0, -1, 0,
		  0 },
		{ "uprobe path 4095 bytes", 0, 0, (uintptr_t)p4095, 0, 0, -1, 0,
		  0 },
		{ "uprobe missing file", 0, 0, (uintptr_t) "/nonexistent/kbpf",
		  0, 0, -1, 0, 0 },
		{ "uprobe empty path", 0, 0, (uintptr_t) "", 0, 0, -1, 0, 0 },
		{ "uprobe on a directory", 0, 0, (uintptr_t) "/tmp", 0, 0, -1,
		  0, 0 },
		{ "uprobe offset past the file", 0, 0, (uintptr_t)exe(),
		  1ull << 40, 0, -1, 0, 0 },
		{ "uprobe", 0, 0, (uintptr_t)exe(), 0, 0, -1, 0, 0 },
		{ "uretprobe", 0, 1, (uintptr_t)exe(), 0, 0, -1, 0, 0 },
		{ "uprobe, unknown config bits", 0, 0x22, (uintptr_t)exe(), 0,
		  0, -1, 0, 0 },
		{ "uprobe, branch stack", 0, 0, (uintptr_t)exe(), 0,
		  PERF_SAMPLE_BRANCH_STACK, -1, 0, 0 },
		{ "uprobe, pid -1 cpu -1", 0, 0, (uintptr_t)exe(), 0, 0, -1, -1,
		  0 },
		{ "uprobe, this task", 0, 0, (uintptr_t)exe(), 0, 0, 0, -1, 0 },
		{ "tracepoint", 1, 0, 0, 0, 0, -1, 0, 0 },
		{ "tracepoint id 0", 1, 0, 0, 0, 0, -1, 0, 0 },
		{ "tracepoint unknown id", 1, 999999, 0, 0, 0, -1, 0, 0 },
		{ "tracepoint id past u32", 1, 1ull << 40, 0, 0, 0, -1, 0, 0 },
		{ "tracepoint, config1 set", 1, 0, 5, 0, 0, -1, 0, 0 },
		{ "tracepoint, branch stack", 1, 0, 0, 0,
		  PERF_SAMPLE_BRANCH_STACK, -1, 0, 0 },
		{ "uprobe, branch stack with a filter", 0, 0, (uintptr_t)exe(),
		  0, PERF_SAMPLE_BRANCH_STACK, -1, 0,
		  PERF_SAMPLE_BRANCH_ANY | PERF_SAMPLE_BRANCH_USER },
		{ "tracepoint, branch stack with a filter", 1, 0, 0, 0,
		  PERF_SAMPLE_BRANCH_STACK, -1, 0, PERF_SAMPLE_BRANCH_ANY },
		{ "uprobe, branch filter past the known bits", 0, 0,
		  (uintptr_t)exe(), 0, PERF_SAMPLE_BRANCH_STACK, -1, 0,
		  1ull << 40 },
	};
	size_t i;
	int side;

	NEED_KERNEL();
	setup();
	memset(p5000, 'a', 4999);
	p5000[0] = '/';
	p5000[4999] = 0;
	memset(p4096, 'a', 4096);
	p4096[0] = '/';
	p4096[4096] = 0;
	memset(p4095, 'a', 4095);
	p4095[0] = '/';
	p4095[4095] = 0;
	cases[15].config = tp_getppid_id;
	cases[19].config = tp_getppid_id;
	cases[20].config = tp_getppid_id;
	cases[22].config = tp_getppid_id;
	for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
		long r[2];

		for (side = 0; side < 2; side++) {
			a[side] = probe_attr(cases[i].kind ?
						     PERF_TYPE_TRACEPOINT :
						     pmus.uprobe_type);
			a[side].config = cases[i].config;
			a[side].config1 = cases[i].config1;
			a[side].config2 = cases[i].config2;
			a[side].sample_type = cases[i].sample_type;
			a[side].branch_sample_type = cases[i].branch;
			r[side] = side_perf_open(side, &a[side], cases[i].pid,
						 cases[i].cpu);
		}
		if ((r[0] < 0 || r[1] < 0) && r[0] != r[1])
			T_FAIL("%s: kernel %ld, kbpf %ld", cases[i].what, r[0],
			       r[1]);
		T_MEMEQ(&a[0], &a[1], sizeof(a[0]));
		side_perf_close(SIDE_KERNEL, r[0]);
		side_perf_close(SIDE_KBPF, r[1]);
	}
	T_EQ(nr_opened, nr_closed);
	printf("  %zu open cases equal to the kernel\n",
	       KBPF_ARRAY_SIZE(cases));
	free(p5000);
	free(p4096);
	free(p4095);
}

KBPF_TEST(
	probe_kprobe_decode,
	"kprobe attributes decode as Linux's perf_kprobe_init: name limit, address form, retprobe, host refusal")
{
	const struct kbpf_probe_desc *d;
	struct perf_event_attr a;
	char name[600];
	int fd;

	setup();
	memset(name, 'f', sizeof(name));
	name[511] = 0; /* 511 characters: fits KSYM_NAME_LEN */
	a = probe_attr(KPROBE_TYPE);
	a.config1 = (uintptr_t)name;
	a.config2 = 0x10;
	a.config = 1;
	fd = kbpf_posix_perf_event_open(&a, -1, 0, -1, 0);
	T_ASSERT(fd >= 0);
	{
		struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
		struct kbpf_perf_event *ev = kbpf_perf_event_from_obj(obj);

		T_ASSERT(ev);
		d = kbpf_perf_event_probe(ev);
		T_ASSERT(d);
		T_EQ(d->kind, KBPF_PROBE_KPROBE);
		T_EQ(d->retprobe, true);
		T_EQ(strlen(d->name), 511);
		T_EQ(d->offset, 0x10);
		T_EQ(d->addr, 0);
		kbpf_obj_put(obj);
	}
	kbpf_posix_close(fd);

	name[511] = 'f';
	name[512] = 0; /* 512 characters: one too many */
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, E2BIG);

	a.config1 = (uintptr_t) ""; /* empty name: by address */
	a.config2 = 0xffffffff81000000ull;
	a.config = 0;
	fd = kbpf_posix_perf_event_open(&a, -1, 0, -1, 0);
	T_ASSERT(fd >= 0);
	{
		struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);

		d = kbpf_perf_event_probe(kbpf_perf_event_from_obj(obj));
		T_ASSERT(d && !d->name && d->addr == 0xffffffff81000000ull);
		T_EQ(d->retprobe, false);
		kbpf_obj_put(obj);
	}
	kbpf_posix_close(fd);

	a.config1 = 0;
	a.config2 = 0; /* neither name nor address */
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, EINVAL);
	a.config1 = 8; /* unreadable name */
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, EFAULT);
	a.config1 = (uintptr_t) "no_such_function"; /* the host says no */
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, ENOENT);

	/* Without probe PMUs the types are nobody's. */
	kbpf_posix_set_probes(NULL);
	a.config1 = (uintptr_t) "vfs_read";
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, ENOENT);
	a = probe_attr(PERF_TYPE_TRACEPOINT);
	a.config = tp_getppid_id;
	T_EQ(kbpf_posix_perf_event_open(&a, -1, 0, -1, 0), -1);
	T_EQ(errno, ENOENT);
	kbpf_posix_set_probes(&pmus);
	T_EQ(nr_opened, nr_closed);
}

/* ---- attaching programs ---- */

KBPF_TEST(
	probe_set_bpf_rules,
	"PERF_EVENT_IOC_SET_BPF: fd errors, program type per event kind, EEXIST, as the kernel")
{
	enum { KP, TP, SF, PE, RTP, KPM, UPM, KPS, UPS, NPROG };
	static const uint32_t types[NPROG][2] = {
		{ BPF_PROG_TYPE_KPROBE, 0 },
		{ BPF_PROG_TYPE_TRACEPOINT, 0 },
		{ BPF_PROG_TYPE_SOCKET_FILTER, 0 },
		{ BPF_PROG_TYPE_PERF_EVENT, 0 },
		{ BPF_PROG_TYPE_RAW_TRACEPOINT, 0 },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_MULTI },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_MULTI },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_KPROBE_SESSION },
		{ BPF_PROG_TYPE_KPROBE, BPF_TRACE_UPROBE_SESSION },
	};
	/*
	 * Kernel fact: Linux 6.18.44 refuses SET_BPF of a kprobe program
	 * loaded for a multi-probe or session link (-EINVAL); earlier 6.18
	 * kernels attach it (0, then -EEXIST on the same event). kbpf follows
	 * 6.18.44; on an older oracle these cases check kbpf's -EINVAL alone.
	 */
	static const struct {
		const char *what;
		int ev; /* 0 uprobe, 1 uprobe 2, 2 tracepoint, 3 bpf output, 4 cpu clock */
		int prog; /* index, or -1 map fd, -2 unopened fd, -3 fd -1 */
	} cases[] = {
		{ "uprobe: map fd", 0, -1 },
		{ "uprobe: unopened fd", 0, -2 },
		{ "uprobe: fd -1", 0, -3 },
		{ "uprobe: socket filter", 0, SF },
		{ "uprobe: tracepoint prog", 0, TP },
		{ "uprobe: perf_event prog", 0, PE },
		{ "uprobe: raw tracepoint prog", 0, RTP },
		{ "uprobe: kprobe prog", 0, KP },
		{ "uprobe: kprobe prog again", 0, KP },
		{ "uprobe: tracepoint prog after", 0, TP },
		{ "uprobe 2: kprobe_multi prog", 1, KPM },
		{ "uprobe 2: uprobe_multi prog", 1, UPM },
		{ "uprobe 2: kprobe_session prog", 1, KPS },
		{ "uprobe 2: uprobe_session prog", 1, UPS },
		{ "tracepoint: kprobe prog", 2, KP },
		{ "tracepoint: perf_event prog", 2, PE },
		{ "tracepoint: tracepoint prog", 2, TP },
		{ "tracepoint: again", 2, TP },
		{ "bpf output: kprobe prog", 3, KP },
		{ "bpf output: perf_event prog", 3, PE },
		{ "bpf output: again", 3, PE },
		{ "cpu clock: tracepoint prog", 4, TP },
		{ "cpu clock: perf_event prog", 4, PE },
	};
	long prog[2][NPROG], ev[2][5], map[2];
	bool old_kernel = false;
	size_t i;
	int side, k;

	NEED_KERNEL();
	setup();
	for (side = 0; side < 2; side++) {
		struct perf_event_attr a;

		for (k = 0; k < NPROG; k++) {
			prog[side][k] =
				load_ret0(side, types[k][0], types[k][1]);
			T_ASSERT(prog[side][k] >= 0);
		}
		map[side] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0,
					NULL);
		T_ASSERT(map[side] >= 0);
		for (k = 0; k < 2; k++) {
			a = probe_attr(pmus.uprobe_type);
			a.config1 = (uintptr_t)exe();
			a.config2 = (uint64_t)k * 16;
			ev[side][k] = side_perf_open(side, &a, -1, 0);
		}
		a = probe_attr(PERF_TYPE_TRACEPOINT);
		a.config = tp_getppid_id;
		ev[side][2] = side_perf_open(side, &a, -1, 0);
		a = probe_attr(PERF_TYPE_SOFTWARE);
		a.config = PERF_COUNT_SW_BPF_OUTPUT;
		ev[side][3] = side_perf_open(side, &a, -1, 0);
		a.config = PERF_COUNT_SW_CPU_CLOCK;
		a.sample_period = 1000000;
		ev[side][4] = side_perf_open(side, &a, -1, 0);
		for (k = 0; k < 5; k++)
			T_ASSERT(ev[side][k] >= 0);
	}
	for (i = 0; i < KBPF_ARRAY_SIZE(cases); i++) {
		bool multi = cases[i].prog >= KPM; /* the 6.18.44 rule */
		long r[2];

		for (side = 0; side < 2; side++) {
			long fd = cases[i].prog >= 0 ?
					  prog[side][cases[i].prog] :
				  cases[i].prog == -1 ? map[side] :
				  cases[i].prog == -2 ? 999 :
							-1;

			r[side] = side_ioctl(side, ev[side][cases[i].ev],
					     PERF_EVENT_IOC_SET_BPF,
					     (unsigned long)fd);
		}
		if (multi && r[1] != -EINVAL)
			T_FAIL("%s: kbpf %ld, 6.18.44 refuses: -EINVAL",
			       cases[i].what, r[1]);
		if (multi && (r[0] == 0 || r[0] == -EEXIST)) {
			if (!old_kernel)
				printf("  this kernel predates 6.18.44's refusal "
				       "of multi-probe programs on SET_BPF: "
				       "kbpf checked alone\n");
			old_kernel = true;
			continue;
		}
		if (r[0] != r[1])
			T_FAIL("%s: kernel %ld, kbpf %ld", cases[i].what, r[0],
			       r[1]);
	}
	for (side = 0; side < 2; side++) {
		for (k = 0; k < 5; k++)
			side_perf_close(side, ev[side][k]);
		for (k = 0; k < NPROG; k++)
			side_close(side, prog[side][k]);
		side_close(side, map[side]);
	}
	T_EQ(nr_opened, nr_closed);
	printf("  %zu attach cases equal to the kernel\n",
	       KBPF_ARRAY_SIZE(cases));
}

static long link_create(int side, long prog, long target, uint32_t at,
			uint32_t flags, uint64_t cookie)
{
	union bpf_attr l;

	memset(&l, 0, sizeof(l));
	l.link_create.prog_fd = (uint32_t)prog;
	l.link_create.target_fd = (uint32_t)target;
	l.link_create.attach_type = at;
	l.link_create.flags = flags;
	l.link_create.perf_event.bpf_cookie = cookie;
	return side_bpf(side, BPF_LINK_CREATE, &l);
}

static long link_info(int side, long fd, struct bpf_link_info *info)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (uint64_t)(uintptr_t)info;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a);
}

KBPF_TEST(
	probe_link_rules,
	"BPF_LINK_CREATE with BPF_PERF_EVENT: flags, target, types, EEXIST, detach on close, and link info as the kernel")
{
	long kp[2], kpm[2], tp[2], sf[2], map[2], up[2], tpe[2], lk[2];
	struct bpf_link_info info[2];
	char name[2][4200];
	size_t j;
	int side;
	static const char *const what[] = {
		"flags",
		"map as target",
		"unopened target",
		"socket filter",
		"tracepoint prog on a uprobe",
		"kprobe prog, attach type raw_tp",
		"kprobe prog, attach type 0",
		"kprobe_multi prog as a perf link",
		"kprobe prog",
		"kprobe prog again",
		"SET_BPF after the link",
		"after closing the link",
	};
	long r[KBPF_ARRAY_SIZE(what)][2];

	NEED_KERNEL();
	setup();
	for (side = 0; side < 2; side++) {
		struct perf_event_attr a = probe_attr(pmus.uprobe_type);

		kp[side] = load_ret0(side, BPF_PROG_TYPE_KPROBE, 0);
		kpm[side] = load_ret0(side, BPF_PROG_TYPE_KPROBE,
				      BPF_TRACE_KPROBE_MULTI);
		tp[side] = load_ret0(side, BPF_PROG_TYPE_TRACEPOINT, 0);
		sf[side] = load_ret0(side, BPF_PROG_TYPE_SOCKET_FILTER, 0);
		map[side] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0,
					NULL);
		a.config1 = (uintptr_t)exe();
		a.config2 = 32;
		a.config = 1; /* uretprobe */
		up[side] = side_perf_open(side, &a, -1, 0);
		a = probe_attr(PERF_TYPE_TRACEPOINT);
		a.config = tp_getppid_id;
		tpe[side] = side_perf_open(side, &a, -1, 0);
		T_ASSERT(kp[side] >= 0 && kpm[side] >= 0 && tp[side] >= 0 &&
			 sf[side] >= 0 && up[side] >= 0 && tpe[side] >= 0);

		r[0][side] = link_create(side, kp[side], up[side],
					 BPF_PERF_EVENT, 1, 0);
		r[1][side] = link_create(side, kp[side], map[side],
					 BPF_PERF_EVENT, 0, 0);
		r[2][side] =
			link_create(side, kp[side], 999, BPF_PERF_EVENT, 0, 0);
		r[3][side] = link_create(side, sf[side], up[side],
					 BPF_PERF_EVENT, 0, 0);
		r[4][side] = link_create(side, tp[side], up[side],
					 BPF_PERF_EVENT, 0, 0);
		r[5][side] = link_create(side, kp[side], up[side],
					 BPF_TRACE_RAW_TP, 0, 0);
		r[6][side] = link_create(side, kp[side], up[side], 0, 0, 0);
		r[7][side] = link_create(side, kpm[side], up[side],
					 BPF_PERF_EVENT, 0, 0);
		lk[side] = r[8][side] = link_create(side, kp[side], up[side],
						    BPF_PERF_EVENT, 0, 77);
		r[9][side] = link_create(side, kp[side], up[side],
					 BPF_PERF_EVENT, 0, 0);
		r[10][side] = side_ioctl(side, up[side], PERF_EVENT_IOC_SET_BPF,
					 (unsigned long)kp[side]);
	}
	for (j = 0; j < 11; j++) {
		if ((r[j][0] < 0 || r[j][1] < 0) && r[j][0] != r[j][1])
			T_FAIL("%s: kernel %ld, kbpf %ld", what[j], r[j][0],
			       r[j][1]);
	}
	T_ASSERT(lk[0] >= 0 && lk[1] >= 0);

	/* Link info: the uretprobe's path, offset and cookie; then too short. */
	for (side = 0; side < 2; side++) {
		memset(&info[side], 0, sizeof(info[side]));
		memset(name[side], 0x55, sizeof(name[side]));
		info[side].perf_event.uprobe.file_name =
			(uint64_t)(uintptr_t)name[side];
		info[side].perf_event.uprobe.name_len = sizeof(name[side]);
		T_EQ(link_info(side, lk[side], &info[side]), 0);
	}
	T_EQ(info[1].type, BPF_LINK_TYPE_PERF_EVENT);
	T_EQ(info[0].perf_event.type, info[1].perf_event.type);
	T_EQ(info[1].perf_event.type, BPF_PERF_EVENT_URETPROBE);
	T_EQ(info[0].perf_event.uprobe.name_len,
	     info[1].perf_event.uprobe.name_len);
	T_EQ(info[0].perf_event.uprobe.offset,
	     info[1].perf_event.uprobe.offset);
	T_EQ(info[0].perf_event.uprobe.cookie,
	     info[1].perf_event.uprobe.cookie);
	T_EQ(info[1].perf_event.uprobe.cookie, 77);
	T_EQ(info[0].perf_event.uprobe.ref_ctr_offset,
	     info[1].perf_event.uprobe.ref_ctr_offset);
	T_MEMEQ(name[0], name[1], sizeof(name[0]));
	for (side = 0; side < 2; side++) {
		long e;

		memset(&info[side], 0, sizeof(info[side]));
		memset(name[side], 0x55, sizeof(name[side]));
		info[side].perf_event.uprobe.file_name =
			(uint64_t)(uintptr_t)name[side];
		info[side].perf_event.uprobe.name_len = 5;
		e = link_info(side, lk[side], &info[side]);
		T_EQ(e, -ENOSPC);
		info[side].perf_event.uprobe.file_name =
			0; /* len without buffer */
		T_EQ(link_info(side, lk[side], &info[side]), -EINVAL);
	}
	T_MEMEQ(name[0], name[1], sizeof(name[0]));

	/* A tracepoint link names its tracepoint. */
	for (side = 0; side < 2; side++) {
		long l = link_create(side, tp[side], tpe[side], BPF_PERF_EVENT,
				     0, 5);

		T_ASSERT(l >= 0);
		memset(&info[side], 0, sizeof(info[side]));
		memset(name[side], 0x55, 64);
		info[side].perf_event.tracepoint.tp_name =
			(uint64_t)(uintptr_t)name[side];
		info[side].perf_event.tracepoint.name_len = 64;
		T_EQ(link_info(side, l, &info[side]), 0);
		side_close(side, l);
	}
	T_EQ(info[1].perf_event.type, BPF_PERF_EVENT_TRACEPOINT);
	T_EQ(info[0].perf_event.type, info[1].perf_event.type);
	T_EQ(info[0].perf_event.tracepoint.name_len,
	     info[1].perf_event.tracepoint.name_len);
	T_EQ(info[0].perf_event.tracepoint.cookie,
	     info[1].perf_event.tracepoint.cookie);
	T_MEMEQ(name[0], name[1], 64);

	/* Closing the link detaches: a new one attaches. */
	for (side = 0; side < 2; side++) {
		side_close(side, lk[side]);
		r[11][side] = link_create(side, kp[side], up[side],
					  BPF_PERF_EVENT, 0, 0);
		T_ASSERT(r[11][side] >= 0);
		side_close(side, r[11][side]);
		side_perf_close(side, up[side]);
		side_perf_close(side, tpe[side]);
		side_close(side, kp[side]);
		side_close(side, kpm[side]);
		side_close(side, tp[side]);
		side_close(side, sf[side]);
		side_close(side, map[side]);
	}
	kbpf_posix_rcu_barrier();
	T_EQ(nr_opened, nr_closed);
}

/* ---- programs run by probes ---- */

#if defined(__x86_64__)
/* The probed function: global and not inlined, arguments in rdi and rsi. */
long probed_fn(long x, long y);
__attribute__((noinline)) long probed_fn(long x, long y)
{
	__asm__ volatile("" ::: "memory");
	return x ^ y;
}

static uint64_t file_offset(const void *fn)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[512];
	unsigned long s, e, o;
	uint64_t off = 0;

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %lx", &s, &e, &o) == 3 &&
		    (uintptr_t)fn >= s && (uintptr_t)fn < e) {
			off = (uintptr_t)fn - s + o;
			break;
		}
	}
	if (f)
		fclose(f);
	return off;
}

/* map[slot] += reg, through a lookup and an atomic add. */
static int emit_add(struct bpf_insn *p, int n, long map, int slot, int reg)
{
	p[n++] = I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, slot);
	p[n++] = I(BPF_LD | BPF_IMM | BPF_DW, 1, BPF_PSEUDO_MAP_FD, 0,
		   (int32_t)map);
	p[n++] = I(0, 0, 0, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 2, 10, 0, 0);
	p[n++] = I(BPF_ALU64 | BPF_ADD | BPF_K, 2, 0, 0, -4);
	p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_map_lookup_elem);
	p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0);
	p[n++] = I(BPF_STX | BPF_ATOMIC | BPF_DW, 0, reg, 0, BPF_ADD);
	return n;
}

KBPF_TEST(
	probe_fire,
	"a uprobe and a syscall tracepoint run their programs as the kernel's do: arguments, counts, disabled events, detach")
{
	long map[2] = { -1, -1 }, prog[2] = { -1, -1 }, tprog[2] = { -1, -1 },
	     up[2] = { -1, -1 }, tpe[2] = { -1, -1 };
	uint64_t off = file_offset((const void *)probed_fn);
	uint64_t kv[2][4];
	uint32_t tgid = (uint32_t)getpid();
	int side, i, k;

	NEED_KERNEL();
	setup();
	T_ASSERT(off);
	for (side = 0; side < 2; side++) {
		struct bpf_insn p[64];
		struct perf_event_attr a;
		int n = 0;

		map[side] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0,
					NULL);
		T_ASSERT(map[side] >= 0);
		/* uprobe: slot 0 += rdi, slot 1 += rsi, slot 2 += 1 */
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6,
			   offsetof(struct user_regs_struct, rdi), 0);
		n = emit_add(p, n, map[side], 0, 7);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6,
			   offsetof(struct user_regs_struct, rsi), 0);
		n = emit_add(p, n, map[side], 1, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 1);
		n = emit_add(p, n, map[side], 2, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		prog[side] = load(side, BPF_PROG_TYPE_KPROBE, 0, p, n);
		T_ASSERT(prog[side] >= 0);
		/* tracepoint, this process only: slot 3 += syscall nr */
		n = 0;
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_get_current_pid_tgid);
		p[n++] = I(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32);
		p[n++] = I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2, (int32_t)tgid);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_W, 7, 6, 8, 0);
		n = emit_add(p, n, map[side], 3, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		tprog[side] = load(side, BPF_PROG_TYPE_TRACEPOINT, 0, p, n);
		T_ASSERT(tprog[side] >= 0);

		a = probe_attr(pmus.uprobe_type);
		a.config1 = (uintptr_t)exe();
		a.config2 = off;
		a.disabled = 1; /* runs anyway: measured */
		up[side] = side_perf_open(side, &a, -1, 0);
		a = probe_attr(PERF_TYPE_TRACEPOINT);
		a.config = tp_getppid_id;
		tpe[side] = side_perf_open(side, &a, -1, 0);
		T_ASSERT(up[side] >= 0 && tpe[side] >= 0);
		T_EQ(side_ioctl(side, up[side], PERF_EVENT_IOC_SET_BPF,
				(unsigned long)prog[side]),
		     0);
		T_EQ(side_ioctl(side, tpe[side], PERF_EVENT_IOC_SET_BPF,
				(unsigned long)tprog[side]),
		     0);
	}
	for (i = 0; i < 50; i++) {
		struct user_regs_struct regs;
		struct {
			uint64_t common; /* type, flags, preempt count, pid */
			int32_t nr;
		} rec;

		if (i == 20) {
			for (side = 0; side < 2; side++)
				T_EQ(side_ioctl(side, up[side],
						PERF_EVENT_IOC_ENABLE, 0),
				     0);
		}
		/* Kernel: the real hits. */
		(void)probed_fn(i * 3, 1000 - i);
		(void)syscall(SYS_getppid);
		/* kbpf: the test host's probe handlers. */
		memset(&regs, 0, sizeof(regs));
		regs.rdi = (uint64_t)(i * 3);
		regs.rsi = (uint64_t)(1000 - i);
		T_EQ(host_hit(KBPF_PROBE_UPROBE, exe(), off, &regs,
			      sizeof(regs)),
		     1);
		memset(&rec, 0, sizeof(rec));
		rec.nr = SYS_getppid;
		T_EQ(host_hit(KBPF_PROBE_TRACEPOINT, NULL, 0, &rec,
			      sizeof(rec)),
		     1);
	}
	/* Closing the event detaches: later hits run nothing. */
	for (side = 0; side < 2; side++)
		side_perf_close(side, up[side]);
	(void)probed_fn(1, 1);
	T_EQ(host_hit(KBPF_PROBE_UPROBE, exe(), off, NULL, 0), 0);
	for (side = 0; side < 2; side++) {
		for (k = 0; k < 4; k++) {
			uint32_t key = (uint32_t)k;

			T_EQ(side_elem(side, BPF_MAP_LOOKUP_ELEM, map[side],
				       &key, &kv[side][k], 0),
			     0);
		}
	}
	for (k = 0; k < 4; k++)
		printf("  slot %d: kernel %llu, kbpf %llu\n", k,
		       (unsigned long long)kv[0][k],
		       (unsigned long long)kv[1][k]);
	for (k = 0; k < 4; k++)
		T_EQ(kv[0][k], kv[1][k]);
	T_EQ(kv[1][2], 50);
	printf("  50 uprobe hits (20 while disabled) and 50 getppid tracepoint hits: maps equal (sum rdi %llu, rsi %llu, nr %llu)\n",
	       (unsigned long long)kv[1][0], (unsigned long long)kv[1][1],
	       (unsigned long long)kv[1][3]);
	for (side = 0; side < 2; side++) {
		side_perf_close(side, tpe[side]);
		side_close(side, prog[side]);
		side_close(side, tprog[side]);
		side_close(side, map[side]);
	}
	kbpf_posix_rcu_barrier();
	T_EQ(nr_opened, nr_closed);
}

KBPF_TEST(
	probe_attach_cookie,
	"bpf_get_attach_cookie in a uprobe program returns the perf link's cookie, as the kernel's, and 0 after SET_BPF")
{
	const uint64_t cookie = 0x123456789abcdef0ull;
	long map[2], prog[2], up[2], up2[2], link[2];
	uint64_t off = file_offset((const void *)probed_fn);
	uint64_t v[2][2];
	int side, i, k;

	NEED_KERNEL();
	setup();
	T_ASSERT(off);
	for (side = 0; side < 2; side++) {
		struct bpf_insn p[32];
		struct perf_event_attr a;
		int n = 0;

		map[side] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0,
					NULL);
		T_ASSERT(map[side] >= 0);
		/* slot 0 += cookie, slot 1 += 1 */
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_get_attach_cookie);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
		n = emit_add(p, n, map[side], 0, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 1);
		n = emit_add(p, n, map[side], 1, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		prog[side] = load(side, BPF_PROG_TYPE_KPROBE, 0, p, n);
		T_ASSERT(prog[side] >= 0);
		a = probe_attr(pmus.uprobe_type);
		a.config1 = (uintptr_t)exe();
		a.config2 = off;
		up[side] = side_perf_open(side, &a, -1, 0);
		up2[side] = side_perf_open(side, &a, -1, 0);
		T_ASSERT(up[side] >= 0 && up2[side] >= 0);
		link[side] = link_create(side, prog[side], up[side],
					 BPF_PERF_EVENT, 0, cookie);
		T_ASSERT(link[side] >= 0);
		/* A second event on the same probe, attached without a cookie. */
		T_EQ(side_ioctl(side, up2[side], PERF_EVENT_IOC_SET_BPF,
				(unsigned long)prog[side]),
		     0);
	}
	for (i = 0; i < 3; i++) {
		uint64_t regs[32] = { 0 };

		(void)probed_fn(i, i);
		T_EQ(host_hit(KBPF_PROBE_UPROBE, exe(), off, regs,
			      sizeof(regs)),
		     2);
	}
	for (side = 0; side < 2; side++) {
		for (k = 0; k < 2; k++) {
			uint32_t key = (uint32_t)k;

			T_EQ(side_elem(side, BPF_MAP_LOOKUP_ELEM, map[side],
				       &key, &v[side][k], 0),
			     0);
		}
		side_close(side, link[side]);
		side_perf_close(side, up[side]);
		side_perf_close(side, up2[side]);
		side_close(side, prog[side]);
		side_close(side, map[side]);
	}
	T_EQ(v[0][1], v[1][1]);
	T_EQ(v[0][0], v[1][0]);
	T_EQ(v[1][1], 6);
	T_EQ(v[1][0], 3 * cookie);
	kbpf_posix_rcu_barrier();
	T_EQ(nr_opened, nr_closed);
}

static struct kbpf_raw_tp sys_enter_tp = { .name = "sys_enter", .nargs = 2 };

KBPF_TEST(
	raw_tp_attach_cookie,
	"bpf_get_attach_cookie in a raw tracepoint program returns BPF_RAW_TRACEPOINT_OPEN's cookie, as the kernel's")
{
	const uint64_t cookie = 0xfeedface00000007ull;
	uint32_t tgid = (uint32_t)getpid();
	long map[2], prog[2], link[2];
	uint64_t v[2][2];
	int side, i, k;

	NEED_KERNEL();
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &sys_enter_tp), 0);
	for (side = 0; side < 2; side++) {
		struct bpf_insn p[40];
		union bpf_attr a;
		int n = 0;

		map[side] = side_create(side, BPF_MAP_TYPE_ARRAY, 4, 8, 2, 0, 0,
					NULL);
		T_ASSERT(map[side] >= 0);
		/* This process's getppid only: slot 0 += cookie, slot 1 += 1. */
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 6, 1, 0, 0);
		p[n++] = I(BPF_LDX | BPF_MEM | BPF_DW, 7, 6, 8, 0);
		p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 7, 0, 4, SYS_getppid);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_get_current_pid_tgid);
		p[n++] = I(BPF_ALU64 | BPF_RSH | BPF_K, 0, 0, 0, 32);
		p[n++] = I(BPF_JMP | BPF_JNE | BPF_K, 0, 0, 1, (int32_t)tgid);
		p[n++] = I(BPF_JMP | BPF_JA, 0, 0, 2, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 1, 6, 0, 0);
		p[n++] = I(BPF_JMP | BPF_CALL, 0, 0, 0,
			   BPF_FUNC_get_attach_cookie);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_X, 7, 0, 0, 0);
		n = emit_add(p, n, map[side], 0, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 7, 0, 0, 1);
		n = emit_add(p, n, map[side], 1, 7);
		p[n++] = I(BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
		p[n++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		prog[side] = load(side, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, p, n);
		T_ASSERT(prog[side] >= 0);
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.name = (uint64_t)(uintptr_t) "sys_enter";
		a.raw_tracepoint.prog_fd = (uint32_t)prog[side];
		a.raw_tracepoint.cookie = cookie;
		link[side] = side_bpf(side, BPF_RAW_TRACEPOINT_OPEN, &a);
		T_ASSERT(link[side] >= 0);
	}
	for (i = 0; i < 4; i++) {
		uint64_t args[2] = { 0, SYS_getppid };

		(void)syscall(SYS_getppid);
		T_EQ(kbpf_raw_tp_fire(&sys_enter_tp, args), 0);
	}
	for (side = 0; side < 2; side++) {
		side_close(side, link[side]);
		for (k = 0; k < 2; k++) {
			uint32_t key = (uint32_t)k;

			T_EQ(side_elem(side, BPF_MAP_LOOKUP_ELEM, map[side],
				       &key, &v[side][k], 0),
			     0);
		}
		side_close(side, prog[side]);
		side_close(side, map[side]);
	}
	T_EQ(kbpf_raw_tp_unregister(&sys_enter_tp), 0);
	T_EQ(v[0][1], v[1][1]);
	T_EQ(v[0][0], v[1][0]);
	T_EQ(v[1][1], 4);
	T_EQ(v[1][0], 4 * cookie);
}
#endif

KBPF_TEST(
	probe_fire_checked,
	"a fire without a program records; checked mode stops a program that reads past the fire's context")
{
	static const struct bpf_insn p[] = {
		I(BPF_LDX | BPF_MEM | BPF_DW, 0, 1, 64, 0),
		I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct perf_event_attr a;
	uint64_t ctx[16] = { 0 };
	struct kbpf_obj *obj;
	struct kbpf_perf_event *ev;
	uint32_t verdict = 7;
	long fd, pfd;

	setup();
	a = probe_attr(KPROBE_TYPE);
	a.config1 = (uintptr_t) "do_sys_open";
	fd = kbpf_posix_perf_event_open(&a, -1, 0, -1, 0);
	T_ASSERT(fd >= 0);
	obj = kbpf_posix_fd_obj((int)fd);
	ev = kbpf_perf_event_from_obj(obj);
	T_EQ(kbpf_perf_probe_fire(ev, ctx, sizeof(ctx), &verdict), 0);
	T_EQ(verdict, 1);
	pfd = load(SIDE_KBPF, BPF_PROG_TYPE_KPROBE, 0, p, 2);
	T_ASSERT(pfd >= 0);
	T_EQ(kbpf_posix_perf_ioctl((int)fd, PERF_EVENT_IOC_SET_BPF,
				   (unsigned long)pfd),
	     0);
	ctx[8] = 42;
	T_EQ(kbpf_perf_probe_fire(ev, ctx, sizeof(ctx), &verdict), 0);
	T_EQ(verdict, 42);
	T_ASSERT(kbpf_perf_probe_fire(ev, ctx, 64, &verdict) < 0);
	T_EQ(verdict, 0);
	kbpf_obj_put(obj);
	side_close(SIDE_KBPF, pfd);
	kbpf_posix_close((int)fd);
	kbpf_posix_rcu_barrier();
	T_EQ(nr_opened, nr_closed);
}

KBPF_TEST(
	probe_open_nomem,
	"every allocation failure while opening a probe event gives ENOMEM and leaks nothing")
{
	struct perf_event_attr a;
	long live = kbpf_posix_live_allocs();
	int n, fd = -1;

	setup();
	for (n = 0; n < 16; n++) {
		a = probe_attr(pmus.uprobe_type);
		a.config1 = (uintptr_t) "/bin/sh";
		kbpf_posix_fail_alloc_after(n);
		fd = kbpf_posix_perf_event_open(&a, -1, 0, -1, 0);
		kbpf_posix_fail_alloc_after(-1);
		if (fd >= 0)
			break;
		T_EQ(errno, ENOMEM);
	}
	T_ASSERT(fd >= 0);
	kbpf_posix_close(fd);
	kbpf_posix_rcu_barrier();
	T_EQ(kbpf_posix_live_allocs(), live);
	T_EQ(nr_opened, nr_closed);
}

/* ---- BPF_TASK_FD_QUERY ---- */

struct tfq {
	long ret;
	uint32_t prog_id, fd_type, buf_len;
	uint64_t off, addr;
	char buf[64];
};

static struct tfq task_fd_query(int side, int32_t pid, long fd, uint32_t flags,
				uint32_t buf_len, int with_buf)
{
	struct tfq q;
	union bpf_attr a;

	memset(&q, 0, sizeof(q));
	memset(q.buf, 'x', sizeof(q.buf));
	memset(&a, 0, sizeof(a));
	a.task_fd_query.pid = (uint32_t)pid;
	a.task_fd_query.fd = (uint32_t)fd;
	a.task_fd_query.flags = flags;
	a.task_fd_query.buf_len = buf_len;
	if (with_buf)
		a.task_fd_query.buf = (uint64_t)(uintptr_t)q.buf;
	q.ret = side_bpf(side, BPF_TASK_FD_QUERY, &a);
	q.prog_id = a.task_fd_query.prog_id;
	q.fd_type = a.task_fd_query.fd_type;
	q.buf_len = a.task_fd_query.buf_len;
	q.off = a.task_fd_query.probe_offset;
	q.addr = a.task_fd_query.probe_addr;
	return q;
}

static uint32_t prog_id_of(int side, long fd)
{
	struct bpf_prog_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static struct kbpf_raw_tp tfq_tp = { .name = "sys_enter", .nargs = 2 };

/* Compare one query on both sides; @prog: each side's attached program. */
static void tfq_cmp(const char *what, const struct tfq q[2], const long *prog)
{
	if (q[0].ret != q[1].ret || q[0].fd_type != q[1].fd_type ||
	    q[0].buf_len != q[1].buf_len || q[0].off != q[1].off ||
	    q[0].addr != q[1].addr || memcmp(q[0].buf, q[1].buf, 64))
		T_FAIL("%s: kernel %ld type %u len %u off %llu addr %llu '%.20s', kbpf %ld type %u len %u off %llu addr %llu '%.20s'",
		       what, q[0].ret, q[0].fd_type, q[0].buf_len,
		       (unsigned long long)q[0].off,
		       (unsigned long long)q[0].addr, q[0].buf, q[1].ret,
		       q[1].fd_type, q[1].buf_len, (unsigned long long)q[1].off,
		       (unsigned long long)q[1].addr, q[1].buf);
	for (int s = 0; s < 2 && prog; s++)
		if (q[s].prog_id != prog_id_of(s, prog[s]))
			T_FAIL("%s: %s reports prog id %u, not its program's %u",
			       what, s ? "kbpf" : "kernel", q[s].prog_id,
			       prog_id_of(s, prog[s]));
}

KBPF_TEST(
	task_fd_query_vs_kernel,
	"BPF_TASK_FD_QUERY of raw tracepoint links, uprobe and tracepoint events, perf links and other fds: results, errnos, names and their truncation as the kernel")
{
	static const struct {
		uint32_t len;
		int with_buf;
	} bufs[] = { { 0, 0 }, { 0, 1 },  { 1, 1 },  { 4, 1 },
		     { 9, 1 }, { 10, 1 }, { 64, 1 }, { 64, 0 } };
	long rtp[2], link[2], kp[2], tpp[2], up[2], upr[2], tpe[2], bare[2];
	long map[2], plink[2];
	int32_t me = (int32_t)getpid();
	int pipefd[2];
	struct tfq q[2];
	char what[96];

	NEED_KERNEL();
	setup();
	T_EQ(kbpf_raw_tp_register(kbpf_posix_host(), &tfq_tp), 0);
	T_EQ(pipe(pipefd), 0);
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;
		struct perf_event_attr pa = probe_attr(pmus.uprobe_type);

		rtp[s] = load_ret0(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0);
		kp[s] = load_ret0(s, BPF_PROG_TYPE_KPROBE, 0);
		tpp[s] = load_ret0(s, BPF_PROG_TYPE_TRACEPOINT, 0);
		map[s] =
			side_create(s, BPF_MAP_TYPE_ARRAY, 4, 4, 1, 0, 0, NULL);
		T_ASSERT(rtp[s] >= 0 && kp[s] >= 0 && tpp[s] >= 0 &&
			 map[s] >= 0);
		memset(&a, 0, sizeof(a));
		a.raw_tracepoint.name = (uint64_t)(uintptr_t) "sys_enter";
		a.raw_tracepoint.prog_fd = (uint32_t)rtp[s];
		link[s] = side_bpf(s, BPF_RAW_TRACEPOINT_OPEN, &a);
		T_ASSERT(link[s] >= 0);
		pa.config1 = (uintptr_t)exe();
		pa.config2 = 32;
		up[s] = side_perf_open(s, &pa, -1, 0);
		pa.config = 1; /* uretprobe */
		upr[s] = side_perf_open(s, &pa, -1, 0);
		pa = probe_attr(PERF_TYPE_TRACEPOINT);
		pa.config = tp_getppid_id;
		tpe[s] = side_perf_open(s, &pa, -1, 0);
		pa = probe_attr(PERF_TYPE_SOFTWARE);
		pa.config = PERF_COUNT_SW_BPF_OUTPUT;
		bare[s] = side_perf_open(s, &pa, -1, 0);
		T_ASSERT(up[s] >= 0 && upr[s] >= 0 && tpe[s] >= 0 &&
			 bare[s] >= 0);
	}
	/* The raw tracepoint link, with every buffer shape. */
	for (size_t b = 0; b < KBPF_ARRAY_SIZE(bufs); b++) {
		for (int s = 0; s < 2; s++)
			q[s] = task_fd_query(s, me, link[s], 0, bufs[b].len,
					     bufs[b].with_buf);
		snprintf(what, sizeof(what), "raw_tp link, buf_len %u%s",
			 bufs[b].len, bufs[b].with_buf ? "" : " (no buf)");
		tfq_cmp(what, q, q[0].ret ? NULL : rtp);
	}
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, link[s], 0, 64, 1);
	T_ASSERT(!strcmp(q[1].buf, "sys_enter") && q[1].buf_len == 9);
	/* Errors, in Linux's order. */
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, link[s], 1, 64, 1);
	tfq_cmp("flags 1", q, NULL);
	T_EQ(q[0].ret, -EINVAL);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, 0x3ffffff0, link[s], 0, 64, 1);
	tfq_cmp("no such task", q, NULL);
	T_EQ(q[0].ret, -ENOENT);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, 4000, 0, 64, 1);
	tfq_cmp("fd not open", q, NULL);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, pipefd[0], 0, 64, 1);
	tfq_cmp("a pipe", q, NULL);
	T_EQ(q[0].ret, -524); /* ENOTSUPP */
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, map[s], 0, 64, 1);
	tfq_cmp("a map", q, NULL);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, rtp[s], 0, 64, 1);
	tfq_cmp("a program", q, NULL);
	/* Perf events: no program yet, then one. */
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, up[s], 0, 64, 1);
	tfq_cmp("uprobe without a program", q, NULL);
	T_EQ(q[0].ret, -ENOENT);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, bare[s], 0, 64, 1);
	tfq_cmp("software event without a program", q, NULL);
	for (int s = 0; s < 2; s++) {
		T_EQ(side_ioctl(s, up[s], PERF_EVENT_IOC_SET_BPF,
				(unsigned long)kp[s]),
		     0);
		T_EQ(side_ioctl(s, tpe[s], PERF_EVENT_IOC_SET_BPF,
				(unsigned long)tpp[s]),
		     0);
		plink[s] = link_create(s, kp[s], upr[s], BPF_PERF_EVENT, 0, 0);
		T_ASSERT(plink[s] >= 0);
	}
	for (size_t b = 0; b < KBPF_ARRAY_SIZE(bufs); b++) {
		for (int s = 0; s < 2; s++)
			q[s] = task_fd_query(s, me, tpe[s], 0, bufs[b].len,
					     bufs[b].with_buf);
		snprintf(what, sizeof(what), "tracepoint event, buf_len %u%s",
			 bufs[b].len, bufs[b].with_buf ? "" : " (no buf)");
		tfq_cmp(what, q, q[0].ret ? NULL : tpp);
	}
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, tpe[s], 0, 64, 1);
	tfq_cmp("tracepoint event", q, tpp);
	T_ASSERT(!strcmp(q[1].buf, tp_getppid_name) &&
		 q[1].fd_type == BPF_FD_TYPE_TRACEPOINT);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, up[s], 0, 64, 1);
	tfq_cmp("uprobe with SET_BPF", q, kp);
	T_EQ(q[0].fd_type, BPF_FD_TYPE_UPROBE);
	T_EQ(q[0].off, 32);
	T_ASSERT(strlen(exe()) < 64 ? !strcmp(q[1].buf, exe()) :
				      q[1].ret == -ENOSPC);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, upr[s], 0, 64, 1);
	tfq_cmp("uretprobe through a perf link", q, kp);
	T_EQ(q[0].fd_type, BPF_FD_TYPE_URETPROBE);
	for (int s = 0; s < 2; s++)
		q[s] = task_fd_query(s, me, plink[s], 0, 64, 1);
	tfq_cmp("a perf link", q, NULL);
	T_EQ(q[0].ret, -524);
	/* The link is closed: the event has no program again. */
	for (int s = 0; s < 2; s++) {
		side_close(s, plink[s]);
		q[s] = task_fd_query(s, me, upr[s], 0, 64, 1);
	}
	tfq_cmp("uretprobe after its link closed", q, NULL);
	for (int s = 0; s < 2; s++) {
		side_perf_close(s, up[s]);
		side_perf_close(s, upr[s]);
		side_perf_close(s, tpe[s]);
		side_perf_close(s, bare[s]);
		side_close(s, link[s]);
		side_close(s, rtp[s]);
		side_close(s, kp[s]);
		side_close(s, tpp[s]);
		side_close(s, map[s]);
	}
	close(pipefd[0]);
	close(pipefd[1]);
	T_EQ(kbpf_raw_tp_unregister(&tfq_tp), 0);
}
