// SPDX-License-Identifier: MIT
/*
 * Verification cost, kbpf against the kernel (issue #13): the same
 * programs, the same maps, the same privileges loaded with BPF_PROG_LOAD
 * on both, kbpf's verifier in KBPF_VERIFIER_ENFORCE.
 *
 * For every program, REPS rounds of four loads, interleaved so that the
 * machine's noise hits all four alike: the kernel with log_level 1 and
 * with log_level 0 (bpf(2)), kbpf with log_level 1 and 0 (kbpf_posix_bpf,
 * or kbpf_prog_load as the in-kernel ELF loader calls it for programs with
 * callbacks, which the kernel gets with BTF func_info). The median of each
 * is the program's time. Processed instructions come from each side's
 * level-1 log ("processed N insns"). Per set the bench prints, over the
 * programs with a count on both sides: the summed medians divided by the
 * summed processed instructions (ns per processed insn) on each side, and
 * kbpf's time over the kernel's (the ratio; below 1.00 kbpf is faster),
 * separately for the programs both accept and those both refuse; a program
 * the two decide differently is printed and left out of the sums.
 * A load is the whole command on both sides (attribute checks, copies,
 * the kernel's JIT where it is on, kbpf's JIT of a proved program, fd
 * install): the times of an empty program ("r0 = 0; exit") are printed as
 * each side's fixed cost, and kbpf's loads are also timed with the
 * verifier off (log level 0), so that the verifier's own share shows.
 * Log level 1 is not like for like: Linux 6.18 prints every instruction
 * of the path it is on (and rewinds the log when a path ends), kbpf's
 * level-1 log has only the verdict lines so far (docs/design/verifier.md,
 * "Not yet"); log level 0 compares the work.
 *
 * Peak memory: kbpf's is the POSIX host's highest live byte count during
 * one load (kbpf_posix_reset_peak_bytes()/kbpf_posix_peak_bytes()) above
 * what was live before, i.e. the verifier's states, stacks and logs
 * together with the program object it keeps. The kernel's is the growth
 * of the loader's memory cgroup's high-water mark during one load (a
 * cgroup made for the run; v1 memory.max_usage_in_bytes, reset by
 * writing 0, or v2 memory.peak, reset by writing to it): it sees only
 * what Linux charges to the loader (GFP_KERNEL_ACCOUNT allocations, among
 * them the verifier's states and the program) and moves in the cgroup's
 * charge batches (64 pages), so small programs show 0 or one batch.
 *
 * Sets: (a) the verifier generator's programs (tests/unit/verifier/vgen.c,
 * the seed stream of test_verifier_gen's verifier_generated), (b) the
 * table of hand-written programs (tests/unit/verifier/vcases.c), (c) large
 * programs written here: bounded loops and chains of branches whose
 * exploration takes 10^5 and more processed instructions. Both sides must
 * agree on accept/reject; disagreements and different processed counts
 * are counted and printed.
 *
 * bench_verifier_obj, this file built with KBPF_VBENCH_OBJECTS (libbpf,
 * tests/lib/interpose.c), runs the real objects instead: set (d), every
 * *.bpf.o the build made under tests/ (build the tests first), and set
 * (e), every .o under $KBPF_VBENCH_OBJDIR. Each program is loaded alone
 * by Debian's libbpf on the kernel, then on kbpf, and timed as above with
 * each side's relocated attributes ("(d) real objects" below); programs
 * the kernel does not load are skipped with the reason.
 *
 * Usage: bench_verifier [reps] (default 5; run as root for the kernel)
 *   KBPF_VBENCH_GEN=N  generated programs (default 300)
 *   KBPF_VBENCH_SETS=abc  which sets (default all; bench_verifier_obj: d)
 *   KBPF_VBENCH_OBJDIR=dir  bench_verifier_obj: set (e), the .o under dir
 *   KBPF_VBENCH_SHOW=1 one line per program
 *   KBPF_VBENCH_ONLY=s only the programs whose name contains s
 *   KBPF_TEST_SEED     the generator's seed (default 1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "kbpf/host.h"
#include "kbpf/uapi/bpf.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "vcases.h"
#include "vgen.h"
#ifdef KBPF_VBENCH_OBJECTS
#include <dirent.h>
#include <dlfcn.h>

#include "interpose.h"
#include "vbench_obj.h"
#endif

#define PROBE_LOG_SIZE (256u << 20)
#define MAX_REPS 101
#define MAX_PROG 8192

/*
 * The log buffer: PROBE_LOG_SIZE for a program's first load on each side,
 * which finds the size its level-1 log needs (log_true_size); the timed
 * loads give both sides that size (at least 4 KiB), so that neither is
 * refused with -ENOSPC nor clears a larger buffer than the log.
 */
static char *logbuf;
static uint32_t log_size, true_size;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static long kernel_bpf(int cmd, union bpf_attr *a)
{
	long r = syscall(__NR_bpf, cmd, a, sizeof(*a));

	return r < 0 ? -errno : r;
}

static long kbpf_bpf(int cmd, union bpf_attr *a)
{
	return kbpf_posix_bpf(cmd, a, sizeof(*a));
}

enum { KERNEL, KBPF };

static long side_bpf(int side, int cmd, union bpf_attr *a)
{
	return side == KERNEL ? kernel_bpf(cmd, a) : kbpf_bpf(cmd, a);
}

static void side_close(int side, long fd)
{
	if (fd < 0)
		return;
	if (side == KERNEL)
		close((int)fd);
	else
		kbpf_posix_close((int)fd);
}

/* ---- the loader's memory cgroup (the kernel's memory figure) ---- */

static char cg_dir[600], cg_orig[512];
static const char *cg_peak, *cg_cur;

static long cg_read(const char *file)
{
	char path[700];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", cg_dir, file);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

static int cg_write(const char *dir, const char *file, const char *s)
{
	char path[700];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, s, strlen(s)) == (ssize_t)strlen(s);
	close(fd);
	return ok ? 0 : -1;
}

/* The memory cgroup of this process in the hierarchy at @base. */
static int cg_own(const char *base, const char *tag)
{
	char line[512];
	FILE *f = fopen("/proc/self/cgroup", "r");
	int found = -1;

	if (!f)
		return -1;
	while (found && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, tag);

		if (!p || (tag[0] == '0' && p != line))
			continue;
		line[strcspn(line, "\n")] = 0;
		if (snprintf(cg_orig, sizeof(cg_orig), "%s%s", base,
			     p + strlen(tag)) < (int)sizeof(cg_orig))
			found = 0;
	}
	fclose(f);
	return found;
}

/* Move into a new memory cgroup below ours: 0, or -1 (no kernel figure). */
static int cg_enter(void)
{
	static const struct {
		const char *base, *tag, *cur, *peak;
	} c[] = {
		{ "/sys/fs/cgroup/memory", ":memory:", "memory.usage_in_bytes",
		  "memory.max_usage_in_bytes" },
		{ "/sys/fs/cgroup", "0::", "memory.current", "memory.peak" },
	};
	char pid[32];

	snprintf(pid, sizeof(pid), "%d\n", getpid());
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		if (cg_own(c[i].base, c[i].tag))
			continue;
		snprintf(cg_dir, sizeof(cg_dir), "%s/kbpf-bench-verifier-%d",
			 cg_orig, getpid());
		if (mkdir(cg_dir, 0755) && errno != EEXIST)
			continue;
		cg_cur = c[i].cur;
		cg_peak = c[i].peak;
		if (cg_read(cg_cur) >= 0 && cg_read(cg_peak) >= 0 &&
		    !cg_write(cg_dir, "cgroup.procs", pid))
			return 0;
		rmdir(cg_dir);
	}
	cg_peak = NULL;
	return -1;
}

static void cg_leave(void)
{
	char pid[32];

	if (!cg_peak)
		return;
	snprintf(pid, sizeof(pid), "%d\n", getpid());
	cg_write(cg_orig, "cgroup.procs", pid);
	rmdir(cg_dir);
}

/* Reset the high-water mark to the usage now; returns the usage. */
static long cg_reset(void)
{
	if (!cg_peak || cg_write(cg_dir, cg_peak, "0\n"))
		return -1;
	return cg_read(cg_cur);
}

/* ---- programs ---- */

struct bprog {
	char name[96];
	uint32_t type;
	bool up; /* loaded without CAP_PERFMON and CAP_SYS_ADMIN */
	bool cb; /* has callbacks: func_info on the kernel, ELF-loader path */
	uint32_t nr_funcs;
	uint32_t sub_start[MAX_SUBS + 1];
	uint32_t n;
	const struct bpf_insn *insns;
};

/* A set's maps on each side: imm MAPREF + i in ld_imm64 is maps[side][i]. */
static long set_maps[2][16];

static struct bpf_insn work[MAX_PROG];

struct result {
	long fd; /* the last load's result (fd or -errno) */
	long processed; /* from the level-1 log, or -1 */
	uint64_t med[2]; /* median ns at log level 1, 0 */
	uint64_t med_off; /* kbpf: log level 0, KBPF_VERIFIER_OFF */
	long peak; /* peak bytes of one load above what was live, or -1 */
};

/*
 * A digest of kbpf's decisions and level-1 logs (FNV-1a), printed per set:
 * a change to the verifier's speed must leave it as it was.
 */
static uint64_t digest = 0xcbf29ce484222325ULL;

static void digest_add(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		digest = (digest ^ b[i]) * 0x100000001b3ULL;
}

static long processed_of(const char *log)
{
	const char *p = strstr(log, "processed ");

	return p ? strtol(p + 10, NULL, 10) : -1;
}

/* One load of @p on @side at @level: fd or -errno; *ns its time. */
static long load_once(int side, const struct bprog *p, uint32_t level, long btf,
		      uint64_t *ns)
{
	struct bpf_func_info fi[MAX_SUBS + 1];
	union bpf_attr a;
	uint64_t t0;
	long fd;

	memcpy(work, p->insns, p->n * sizeof(work[0]));
	for (uint32_t i = 0; i + 1 < p->n; i++)
		if (work[i].code == (BPF_LD | BPF_DW | BPF_IMM) &&
		    work[i].src_reg == BPF_PSEUDO_MAP_FD)
			work[i].imm =
				(int32_t)set_maps[side][work[i].imm - MAPREF];
	memset(&a, 0, sizeof(a));
	a.prog_type = p->type;
	a.insn_cnt = p->n;
	a.insns = (uint64_t)(uintptr_t)work;
	a.license = (uint64_t)(uintptr_t) "GPL";
	a.log_level = level;
	if (level) {
		a.log_size = log_size;
		a.log_buf = (uint64_t)(uintptr_t)logbuf;
		logbuf[0] = 0;
	}
	if (p->cb && side == KERNEL) {
		fi[0] = (struct bpf_func_info){ .insn_off = 0, .type_id = 3 };
		for (uint32_t i = 1; i < p->nr_funcs; i++)
			fi[i] = (struct bpf_func_info){
				.insn_off = p->sub_start[i - 1],
				.type_id = 3 + i
			};
		a.prog_btf_fd = (uint32_t)btf;
		a.func_info = (uint64_t)(uintptr_t)fi;
		a.func_info_cnt = p->nr_funcs;
		a.func_info_rec_size = sizeof(fi[0]);
	}
	if (p->cb && side == KBPF) {
		struct kbpf_prog_load_opts opts = { .kernel_ptrs = true };
		struct kbpf_prog *prog;
		int err;

		t0 = now_ns();
		err = kbpf_prog_load(kbpf_posix_host(), &a, &opts, &prog);
		*ns = now_ns() - t0;
		true_size = a.log_true_size;
		if (err)
			return err;
		kbpf_prog_put(prog);
		return 0;
	}
	if (p->up && gen_unpriv(true))
		return -EPERM;
	t0 = now_ns();
	fd = side_bpf(side, BPF_PROG_LOAD, &a);
	*ns = now_ns() - t0;
	true_size = a.log_true_size;
	if (p->up)
		gen_unpriv(false);
	side_close(side, fd);
	return fd >= 0 ? 0 : fd;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Time @p on both sides: r[KERNEL], r[KBPF]. */
static void measure(const struct bprog *p, int reps, struct result r[2])
{
	static uint64_t t[2][2][MAX_REPS], off[MAX_REPS];
	long btf = -1;
	uint32_t need = 0;
	uint64_t ns;

	if (p->cb) {
		union bpf_attr a;
		uint32_t size;

		memset(&a, 0, sizeof(a));
		a.btf = (uint64_t)(uintptr_t)gen_func_btf(p->nr_funcs, &size);
		a.btf_size = size;
		btf = kernel_bpf(BPF_BTF_LOAD, &a);
	}
	/* one load with a large log: the result, processed, the log's size */
	log_size = PROBE_LOG_SIZE;
	for (int s = 0; s < 2; s++) {
		r[s].fd = load_once(s, p, 1, btf, &ns);
		r[s].processed = processed_of(logbuf);
		need = true_size > need ? true_size : need;
		if (s == KBPF) {
			digest_add(&r[s].fd, sizeof(r[s].fd));
			digest_add(logbuf, strlen(logbuf));
		}
	}
	log_size = need < 4096 ? 4096 : need + 1;
	/* one load without a log: the peak memory of the verification */
	for (int s = 0; s < 2; s++) {
		long base = s == KBPF ? kbpf_posix_reset_peak_bytes() :
					cg_reset();

		load_once(s, p, 0, btf, &ns);
		if (s == KBPF)
			r[s].peak = kbpf_posix_peak_bytes() - base;
		else
			r[s].peak = base >= 0 ? cg_read(cg_peak) - base : -1;
	}
	for (int i = 0; i < reps; i++)
		for (int lvl = 1; lvl >= 0; lvl--)
			for (int s = 0; s < 2; s++) {
				load_once(s, p, (uint32_t)lvl, btf, &ns);
				t[s][lvl][i] = ns;
			}
	/* kbpf without its verifier: what the rest of a load costs */
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int i = 0; i < reps; i++) {
		load_once(KBPF, p, 0, btf, &ns);
		off[i] = ns;
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	qsort(off, (size_t)reps, sizeof(uint64_t), cmp_u64);
	r[KBPF].med_off = off[reps / 2];
	for (int s = 0; s < 2; s++)
		for (int lvl = 0; lvl < 2; lvl++) {
			qsort(t[s][lvl], (size_t)reps, sizeof(uint64_t),
			      cmp_u64);
			r[s].med[1 - lvl] = t[s][lvl][reps / 2];
		}
	if (btf >= 0)
		close((int)btf);
}

/* ---- a set's totals ---- */

/*
 * A set's figures. Time and processed instructions are summed per class:
 * [0] programs both sides accept, [1] programs both refuse (a refusal at
 * the 1M limit on one side and an early one on the other would otherwise
 * dominate the set); programs the two decide differently are printed and
 * left out.
 */
struct totals {
	int progs, agree, k_acc, b_acc;
	int counted[2], same_proc[2];
	long proc[2][2]; /* [class][side] */
	double ns[2][2][2]; /* [class][side][0: log 1, 1: log 0] */
	double ns_off[2]; /* [class]: kbpf, log 0, verifier off */
	long peak_max[2];
	double peak_sum[2];
	int peak_n[2];
};

static void account(struct totals *t, const struct bprog *p,
		    const struct result r[2], bool show)
{
	t->progs++;
	t->agree += (r[KERNEL].fd >= 0) == (r[KBPF].fd >= 0);
	t->k_acc += r[KERNEL].fd >= 0;
	t->b_acc += r[KBPF].fd >= 0;
	if (r[KERNEL].processed > 0 && r[KBPF].processed > 0 &&
	    (r[KERNEL].fd >= 0) == (r[KBPF].fd >= 0)) {
		int c = r[KERNEL].fd < 0;

		t->counted[c]++;
		t->same_proc[c] += r[KERNEL].processed == r[KBPF].processed;
		for (int s = 0; s < 2; s++) {
			t->proc[c][s] += r[s].processed;
			t->ns[c][s][0] += (double)r[s].med[0];
			t->ns[c][s][1] += (double)r[s].med[1];
		}
		t->ns_off[c] += (double)r[KBPF].med_off;
	}
	for (int s = 0; s < 2; s++)
		if (r[s].peak >= 0) {
			t->peak_n[s]++;
			t->peak_sum[s] += (double)r[s].peak;
			if (r[s].peak > t->peak_max[s])
				t->peak_max[s] = r[s].peak;
		}
	if (show || (r[KERNEL].fd >= 0) != (r[KBPF].fd >= 0))
		printf("  %-34s %5u insns  kernel %s %7ld processed %9.1f us "
		       "(log 0: %9.1f)  kbpf %s %7ld processed %9.1f us (log "
		       "0: %9.1f)  peak kbpf %ld B kernel %ld B\n",
		       p->name, p->n, r[KERNEL].fd >= 0 ? "ok " : "ERR",
		       r[KERNEL].processed, r[KERNEL].med[0] / 1e3,
		       r[KERNEL].med[1] / 1e3, r[KBPF].fd >= 0 ? "ok " : "ERR",
		       r[KBPF].processed, r[KBPF].med[0] / 1e3,
		       r[KBPF].med[1] / 1e3, r[KBPF].peak, r[KERNEL].peak);
}

static void report(const char *set, const struct totals *t)
{
	static const char *const cls[2] = { "both accept", "both refuse" };

	printf("%s: %d programs, accept/reject agree %d (kernel accepts %d, "
	       "kbpf %d)\n",
	       set, t->progs, t->agree, t->k_acc, t->b_acc);
	if (!t->progs)
		return;
	for (int c = 0; c < 2; c++) {
		if (!t->counted[c])
			continue;
		printf("  %s: %d programs, processed insns kernel %ld, kbpf "
		       "%ld (the same count for %d)\n",
		       cls[c], t->counted[c], t->proc[c][KERNEL],
		       t->proc[c][KBPF], t->same_proc[c]);
		for (int l = 0; l < 2; l++) {
			double kns = t->ns[c][KERNEL][l],
			       bns = t->ns[c][KBPF][l];
			double k = kns / (double)t->proc[c][KERNEL],
			       b = bns / (double)t->proc[c][KBPF];

			printf("    log_level %d: kernel %7.1f ns/insn (%9.1f "
			       "us in all), kbpf %7.1f ns/insn (%9.1f us): "
			       "kbpf/kernel %.2fx per insn, %.2fx in time\n",
			       1 - l, k, kns / 1e3, b, bns / 1e3,
			       k > 0 ? b / k : 0.0, kns > 0 ? bns / kns : 0.0);
		}
		/*
		 * Without the verifier a refused program loads (and is
		 * compiled): no baseline for refusals.
		 */
		if (c == 0)
			printf("    kbpf's load without its verifier (OFF, log 0) "
			       "%.1f us in all: the verifier's own share %.1f ns/insn\n",
			       t->ns_off[c] / 1e3,
			       (t->ns[c][KBPF][1] - t->ns_off[c]) /
				       (double)t->proc[c][KBPF]);
	}
	printf("  kbpf's decisions and logs so far: digest %016llx\n",
	       (unsigned long long)digest);
	printf("  peak memory of one load: kbpf max %ld B, mean %.0f B; "
	       "kernel (memory cgroup high-water growth) ",
	       t->peak_max[KBPF],
	       t->peak_n[KBPF] ? t->peak_sum[KBPF] / t->peak_n[KBPF] : 0.0);
	if (t->peak_n[KERNEL])
		printf("max %ld B, mean %.0f B\n", t->peak_max[KERNEL],
		       t->peak_sum[KERNEL] / t->peak_n[KERNEL]);
	else
		printf("no figure (no memory cgroup to measure in)\n");
}

/* ---- the sets ---- */

static bool show;
static int reps;
static const char *only; /* KBPF_VBENCH_ONLY: programs whose name has it */

static bool skip(const struct bprog *p)
{
	return only && !strstr(p->name, only);
}

static int make_maps(const union bpf_attr *attrs, int n)
{
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < n; i++) {
			union bpf_attr a = attrs[i];

			set_maps[s][i] = side_bpf(s, BPF_MAP_CREATE, &a);
			if (set_maps[s][i] < 0) {
				printf("  map %d on %s: %ld\n", i,
				       s ? "kbpf" : "the kernel",
				       set_maps[s][i]);
				return -1;
			}
		}
	return 0;
}

static void drop_maps(int n)
{
	for (int s = 0; s < 2; s++)
		for (int i = 0; i < n; i++)
			side_close(s, set_maps[s][i]);
}

static void set_generated(int total)
{
	static struct gen g;
	union bpf_attr attrs[NR_MAPS];
	uint64_t st = kbpf_test_seed() * 1000003;
	struct totals t = { 0 };
	struct result r[2];
	struct bprog p;

	memset(attrs, 0, sizeof(attrs));
	attrs[M_ARR].map_type = BPF_MAP_TYPE_ARRAY;
	attrs[M_ARR].key_size = 4;
	attrs[M_ARR].value_size = VAL_SIZE;
	attrs[M_ARR].max_entries = 4;
	attrs[M_HASH].map_type = BPF_MAP_TYPE_HASH;
	attrs[M_HASH].key_size = 8;
	attrs[M_HASH].value_size = VAL_SIZE;
	attrs[M_HASH].max_entries = 16;
	attrs[M_RB].map_type = BPF_MAP_TYPE_RINGBUF;
	attrs[M_RB].max_entries = 4096;
	if (make_maps(attrs, NR_MAPS))
		return;
	for (int i = 0; i < total; i++) {
		/* the draws of verifier_generated, in its order */
		uint32_t k = rn(&st, 10);
		uint32_t type = k < 4 ? SF : k < 7 ? XDP : KP;
		bool unsafe = rn(&st, 2);

		gen_prog(&st, &g, type, unsafe);
		memset(&p, 0, sizeof(p));
		p.up = type == SF && !g.has_cb && !rn(&st, 4);
		snprintf(p.name, sizeof(p.name), "gen #%d%s%s", i,
			 unsafe ? " unsafe" : "", g.has_cb ? " cb" : "");
		p.type = type;
		p.cb = g.has_cb;
		p.nr_funcs = g.nr_funcs;
		memcpy(p.sub_start, g.sub_start, sizeof(p.sub_start));
		p.n = g.n;
		p.insns = g.p;
		if (skip(&p))
			continue;
		measure(&p, reps, r);
		account(&t, &p, r, show);
	}
	report("(a) generated", &t);
	drop_maps(NR_MAPS);
}

static void set_table(void)
{
	union bpf_attr attrs[VCASE_NR_MAPS], a;
	struct totals t = { 0 };
	struct result r[2];
	struct bprog p;
	long btf[2];
	uint32_t size;

	for (int s = 0; s < 2; s++) {
		memset(&a, 0, sizeof(a));
		a.btf = (uint64_t)(uintptr_t)vcase_lock_btf(&size);
		a.btf_size = size;
		btf[s] = side_bpf(s, BPF_BTF_LOAD, &a);
		if (btf[s] < 0) {
			printf("(b) table: BTF on %s: %ld\n",
			       s ? "kbpf" : "the kernel", btf[s]);
			return;
		}
	}
	/* the same attributes on both sides but the BTF fd */
	for (int s = 0; s < 2; s++) {
		for (int i = 0; i < VCASE_NR_MAPS; i++) {
			vcase_map_attr(i, &attrs[i], (uint32_t)btf[s]);
			if (vcase_map_inner(i) >= 0)
				attrs[i].inner_map_fd = (uint32_t)
					set_maps[s][vcase_map_inner(i)];
			set_maps[s][i] = side_bpf(s, BPF_MAP_CREATE, &attrs[i]);
		}
		side_close(s, btf[s]);
	}
	for (size_t i = 0; i < vcases_nr; i++) {
		/*
		 * Tracing cases need an attach id and field offsets from the
		 * running kernel's BTF (test_verifier_diff resolves them); the
		 * bench leaves them out.
		 */
		if (vcases[i].attach)
			continue;
		memset(&p, 0, sizeof(p));
		snprintf(p.name, sizeof(p.name), "%s", vcases[i].name);
		p.type = vcases[i].type;
		p.up = vcases[i].unpriv;
		p.n = vcase_len(&vcases[i]);
		p.insns = vcases[i].insns;
		if (skip(&p))
			continue;
		measure(&p, reps, r);
		account(&t, &p, r, show);
	}
	report("(b) table", &t);
	drop_maps(VCASE_NR_MAPS);
}

static struct bpf_insn big[MAX_PROG];
static uint32_t nbig;

static void put(struct bpf_insn i)
{
	if (nbig < MAX_PROG)
		big[nbig++] = i;
}

/*
 * A bounded loop of @iters iterations whose counter indexes an ARRAY
 * value: every iteration is a new state (the counter decides the exit),
 * about 12 processed instructions each.
 */
static uint32_t big_loop(int32_t iters)
{
	nbig = 0;
	put(MOV(1, 0)); /* key 0 */
	put(STX(BPF_W, 10, 1, -4));
	put(MOVR(2, 10));
	put(ALU(BPF_ADD, 2, -4));
	put(I(BPF_LD | BPF_DW | BPF_IMM, 1, BPF_PSEUDO_MAP_FD, 0,
	      MAPREF + M_ARR));
	put(I(0, 0, 0, 0, 0));
	put(CALL(BPF_FUNC_map_lookup_elem));
	put(JI(BPF_JNE, 0, 0, 2));
	put(MOV(0, 0));
	put(EXIT);
	put(MOVR(6, 0));
	put(MOV(7, 0)); /* counter */
	put(MOV(8, 0)); /* sum */
	/* loop: r1 = r7 & 7; r1 += r6; r8 += *(u8 *)r1; r7 += 1; */
	put(MOVR(1, 7));
	put(ALU(BPF_AND, 1, 7));
	put(ALUR(BPF_ADD, 1, 6));
	put(LDX(BPF_B, 2, 1, 0));
	put(ALUR(BPF_ADD, 8, 2));
	put(ALU(BPF_XOR, 8, 0x55));
	put(ALU(BPF_RSH, 8, 1));
	put(ALU(BPF_ADD, 7, 1));
	put(JI(BPF_JLT, 7, iters, -9));
	put(MOVR(0, 8));
	put(ALU(BPF_AND, 0, 1));
	put(EXIT);
	return nbig;
}

/*
 * A chain of @k branches on unknown bits, each adding a different power of
 * two to r8, which then becomes a stack offset (so precise): 2^@k paths
 * that no state prunes, @k^2-ish instructions each.
 */
static uint32_t big_paths(int k)
{
	nbig = 0;
	put(CALL(BPF_FUNC_get_prandom_u32));
	put(MOVR(7, 0));
	put(MOV(8, 0));
	for (int i = 0; i < k; i++) {
		put(MOVR(1, 7));
		put(ALU(BPF_AND, 1, 1 << i));
		put(JI(BPF_JEQ, 1, 0, 1));
		put(ALU(BPF_ADD, 8, 1 << i));
		put(ALU(BPF_ADD, 0, 0)); /* r0 += 0: a step */
	}
	/* r8 < 2^k; off = r8 & 0x1f8 -> [-512 .. -8] */
	put(ALU(BPF_AND, 8, 0x1f8));
	put(MOVR(1, 10));
	put(ALU(BPF_ADD, 1, -512));
	put(ALUR(BPF_ADD, 1, 8));
	put(MOV(2, 0));
	put(STX(BPF_DW, 1, 2, 0));
	put(MOV(0, 0));
	put(EXIT);
	return nbig;
}

/*
 * Nested bounded loops: @outer iterations of an inner loop of @inner, with
 * a branch on unknown data in the body: many states per instruction.
 */
static uint32_t big_nested(int32_t outer, int32_t inner)
{
	nbig = 0;
	put(CALL(BPF_FUNC_get_prandom_u32));
	put(MOVR(6, 0));
	put(MOV(7, 0)); /* i */
	put(MOV(8, 0)); /* acc */
	put(MOV(9, 0)); /* j */ /* outer top: 4 */
	put(MOVR(1, 6)); /* inner top: 5 */
	put(ALUR(BPF_RSH, 1, 9));
	put(ALU(BPF_AND, 1, 1));
	put(JI(BPF_JEQ, 1, 0, 1));
	put(ALU(BPF_ADD, 8, 3));
	put(ALU(BPF_AND, 8, 0xff));
	put(ALU(BPF_ADD, 9, 1));
	put(JI(BPF_JLT, 9, inner, -8));
	put(ALU(BPF_ADD, 7, 1));
	put(JI(BPF_JLT, 7, outer, -11));
	put(MOVR(0, 8));
	put(ALU(BPF_AND, 0, 1));
	put(EXIT);
	return nbig;
}

static void set_large(void)
{
	union bpf_attr attrs[NR_MAPS];
	struct totals t = { 0 };
	struct result r[2];
	struct bprog p;
	static const struct {
		const char *name;
		int kind, a, b;
		uint32_t type;
	} progs[] = {
		{ "loop 10000 (map value index)", 0, 10000, 0, SF },
		{ "loop 40000 (map value index)", 0, 40000, 0, SF },
		{ "loop 10000 unprivileged", 0, 10000, 0, SF | 0x100 },
		{ "2^12 paths to a stack offset", 1, 12, 0, SF },
		{ "2^14 paths to a stack offset", 1, 14, 0, SF },
		{ "nested loops 40 x 16, branchy", 2, 40, 16, XDP },
		{ "nested loops 200 x 30, branchy", 2, 200, 30, XDP },
	};

	memset(attrs, 0, sizeof(attrs));
	attrs[0].map_type = BPF_MAP_TYPE_ARRAY;
	attrs[0].key_size = 4;
	attrs[0].value_size = VAL_SIZE;
	attrs[0].max_entries = 4;
	if (make_maps(attrs, 1))
		return;
	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		memset(&p, 0, sizeof(p));
		snprintf(p.name, sizeof(p.name), "%s", progs[i].name);
		p.type = progs[i].type & 0xff;
		p.up = progs[i].type & 0x100;
		p.n = progs[i].kind == 0 ? big_loop(progs[i].a) :
		      progs[i].kind == 1 ? big_paths(progs[i].a) :
					   big_nested(progs[i].a, progs[i].b);
		p.insns = big;
		if (skip(&p))
			continue;
		measure(&p, reps, r);
		account(&t, &p, r, true);
	}
	report("(c) large", &t);
	drop_maps(1);
}

/* ---- (d) real objects: libbpf's relocated programs on both sides ---- */

#ifdef KBPF_VBENCH_OBJECTS
/*
 * Each program of each object is loaded alone by Debian's libbpf, first on
 * the kernel (the object kept open: its maps and BTF stay), then on kbpf
 * (tests/lib/interpose.c). interpose_prog_load catches the program's
 * BPF_PROG_LOAD on each side (libbpf's feature probes pass through): the
 * kernel's attributes are kept, and on kbpf's the timing runs, alternating
 * the kernel's attributes on bpf(2) and kbpf's on kbpf, before libbpf's
 * own load goes on.
 */
static long (*real_syscall)(long, ...);
static char want[BPF_OBJ_NAME_LEN];
static struct {
	bool have, done[2];
	union bpf_attr a;
	struct bpf_insn *insns;
	void *fi, *li;
	char license[128];
	long fd;
} kload;
static struct result obj_r[2];
static char obj_last[2][160]; /* a refusal's last log line, per side */
static bool obj_measured;
static const char *obj_why; /* a reason the program was not measured */

static long kbpf_errno(long r)
{
	return r < 0 ? -errno : r;
}

static long pass_through(void *attr, unsigned int size, int to_kbpf)
{
	return to_kbpf ? kbpf_posix_bpf(BPF_PROG_LOAD, attr, size) :
			 real_syscall(__NR_bpf, BPF_PROG_LOAD, attr, size);
}

static void *dup_mem(uint64_t p, size_t n)
{
	void *d = n ? malloc(n) : NULL;

	if (d)
		memcpy(d, (const void *)(uintptr_t)p, n);
	return d;
}

static void kload_free(void)
{
	free(kload.insns);
	free(kload.fi);
	free(kload.li);
	memset(&kload, 0, sizeof(kload));
}

/* One load of @src on @side at @level, as load_once(). */
static long attr_load(int side, const union bpf_attr *src, uint32_t level,
		      uint64_t *ns)
{
	union bpf_attr a = *src;
	uint64_t t0;
	long fd;

	a.log_level = level;
	a.log_size = level ? log_size : 0;
	a.log_buf = level ? (uint64_t)(uintptr_t)logbuf : 0;
	a.log_true_size = 0;
	logbuf[0] = 0;
	t0 = now_ns();
	fd = side == KERNEL ?
		     real_syscall(__NR_bpf, BPF_PROG_LOAD, &a, sizeof(a)) :
		     kbpf_posix_bpf(BPF_PROG_LOAD, &a, sizeof(a));
	*ns = now_ns() - t0;
	fd = kbpf_errno(fd);
	true_size = a.log_true_size;
	if (fd >= 0) {
		if (side == KERNEL)
			close((int)fd); /* the real close: inside the hook */
		else
			kbpf_posix_close((int)fd);
	}
	return fd >= 0 ? 0 : fd;
}

/* measure() for two attribute sets: @at[KERNEL] and @at[KBPF]. */
static void measure_attrs(const union bpf_attr *at[2], struct result r[2])
{
	static uint64_t t[2][2][MAX_REPS], off[MAX_REPS];
	uint32_t need = 0;
	uint64_t ns;

	log_size = PROBE_LOG_SIZE;
	for (int s = 0; s < 2; s++) {
		r[s].fd = attr_load(s, at[s], 1, &ns);
		r[s].processed = processed_of(logbuf);
		need = true_size > need ? true_size : need;
		obj_last[s][0] = 0;
		if (r[s].fd < 0) {
			size_t l = strlen(logbuf);
			const char *e;

			while (l && logbuf[l - 1] == '\n')
				logbuf[--l] = 0;
			e = strrchr(logbuf, '\n');
			if (e && !strncmp(e + 1, "processed ", 10)) {
				*(char *)e = 0;
				e = strrchr(logbuf, '\n');
			}
			snprintf(obj_last[s], sizeof(obj_last[s]), "%ld: %s",
				 r[s].fd, e ? e + 1 : logbuf);
		}
		if (s == KBPF) {
			digest_add(&r[s].fd, sizeof(r[s].fd));
			digest_add(logbuf, strlen(logbuf));
		}
	}
	log_size = need < 4096 ? 4096 : need + 1;
	for (int s = 0; s < 2; s++) {
		long base = s == KBPF ? kbpf_posix_reset_peak_bytes() :
					cg_reset();

		attr_load(s, at[s], 0, &ns);
		if (s == KBPF)
			r[s].peak = kbpf_posix_peak_bytes() - base;
		else
			r[s].peak = base >= 0 ? cg_read(cg_peak) - base : -1;
	}
	for (int i = 0; i < reps; i++)
		for (int lvl = 1; lvl >= 0; lvl--)
			for (int s = 0; s < 2; s++) {
				attr_load(s, at[s], (uint32_t)lvl, &ns);
				t[s][lvl][i] = ns;
			}
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	for (int i = 0; i < reps; i++) {
		attr_load(KBPF, at[KBPF], 0, &ns);
		off[i] = ns;
	}
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	qsort(off, (size_t)reps, sizeof(uint64_t), cmp_u64);
	r[KBPF].med_off = off[reps / 2];
	for (int s = 0; s < 2; s++)
		for (int lvl = 0; lvl < 2; lvl++) {
			qsort(t[s][lvl], (size_t)reps, sizeof(uint64_t),
			      cmp_u64);
			r[s].med[1 - lvl] = t[s][lvl][reps / 2];
		}
}

static long obj_hook(void *attr, unsigned int size, int to_kbpf)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	memcpy(&a, attr, size < sizeof(a) ? size : sizeof(a));
	if (kload.done[to_kbpf] || strncmp(a.prog_name, want, sizeof(want)))
		return pass_through(attr, size, to_kbpf);
	kload.done[to_kbpf] = true;
	if (!to_kbpf) {
		r = pass_through(attr, size, 0);
		kload.fd = kbpf_errno(r);
		kload.a = a;
		kload.insns =
			dup_mem(a.insns, a.insn_cnt * sizeof(struct bpf_insn));
		kload.fi = dup_mem(a.func_info, (size_t)a.func_info_cnt *
							a.func_info_rec_size);
		kload.li = dup_mem(a.line_info, (size_t)a.line_info_cnt *
							a.line_info_rec_size);
		snprintf(kload.license, sizeof(kload.license), "%s",
			 a.license ? (const char *)(uintptr_t)a.license : "");
		kload.a.insns = (uint64_t)(uintptr_t)kload.insns;
		kload.a.func_info = (uint64_t)(uintptr_t)kload.fi;
		kload.a.line_info = (uint64_t)(uintptr_t)kload.li;
		kload.a.license = (uint64_t)(uintptr_t)kload.license;
		kload.have = kload.insns != NULL;
		if (r < 0)
			errno = (int)-kload.fd;
		return r;
	}
	if (!kload.have) {
		obj_why = "no kernel load to compare with";
	} else if (kload.fd < 0) {
		obj_why = "the kernel refuses it";
	} else if (a.fd_array) {
		obj_why = "fd_array (module BTF fds) not copied";
	} else {
		const union bpf_attr *at[2] = { &kload.a, &a };

		measure_attrs(at, obj_r);
		obj_measured = true;
	}
	return pass_through(attr, size, 1);
}

static char vmlinux_path[] = "/sys/kernel/btf/vmlinux";

static void *read_all(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0, got;
	char *b = NULL, *nb;

	if (!f)
		return NULL;
	for (;;) {
		nb = realloc(b, cap);
		if (!nb)
			break;
		b = nb;
		got = fread(b + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		cap *= 2;
	}
	fclose(f);
	*size = n;
	return b;
}

struct objset {
	const char *name;
	struct totals t;
	int objects, measured, skipped;
};

static void obj_program(struct objset *set, const char *path, int idx,
			const char *pname)
{
	void *ko = NULL, *bo = NULL;
	int ke, be;
	struct bprog p;

	memset(&p, 0, sizeof(p));
	snprintf(p.name, sizeof(p.name), "%.47s:%.47s",
		 strrchr(path, '/') ? strrchr(path, '/') + 1 : path, pname);
	if (skip(&p))
		return;
	kload_free();
	/* libbpf passes the name cut to BPF_OBJ_NAME_LEN - 1 */
	memset(want, 0, sizeof(want));
	memcpy(want, pname, strnlen(pname, sizeof(want) - 1));
	obj_measured = false;
	obj_why = NULL;
	ke = vobj_load(path, idx, 0, &ko);
	if (!kload.have)
		obj_why = "libbpf reached no BPF_PROG_LOAD on the kernel";
	else if (ke && kload.fd >= 0)
		/* the object was unloaded: its maps are gone */
		obj_why = "libbpf failed on the kernel after the program "
			  "loaded";
	be = obj_why ? 0 : vobj_load(path, idx, 1, &bo);
	if (!obj_why && !obj_measured)
		obj_why = "libbpf reached no BPF_PROG_LOAD on kbpf";
	if (obj_measured) {
		set->measured++;
		p.n = kload.a.insn_cnt;
		account(&set->t, &p, obj_r, show);
		for (int s = 0; s < 2; s++)
			if ((obj_r[KERNEL].fd >= 0) != (obj_r[KBPF].fd >= 0) &&
			    obj_last[s][0])
				printf("    %s refuses: %s\n",
				       s == KBPF ? "kbpf" : "the kernel",
				       obj_last[s]);
	} else {
		set->skipped++;
		printf("  skipped %-40s %s (libbpf: kernel %d, kbpf %d, "
		       "kernel's load %ld)\n",
		       p.name, obj_why, ke, be, kload.fd);
	}
	if (bo)
		vobj_close(bo, 1);
	if (ko)
		vobj_close(ko, 0);
	kload_free();
}

static void obj_file(struct objset *set, const char *path)
{
	static char names[256][VOBJ_NAME];
	int n = vobj_programs(path, names, 256);

	if (n < 0) {
		printf("  skipped %s: libbpf does not open it (%d)\n", path, n);
		return;
	}
	set->objects++;
	for (int i = 0; i < n; i++)
		obj_program(set, path, i, names[i]);
}

/* Every *@suffix under @dir, depth first, in name order. */
static void obj_walk(struct objset *set, const char *dir, const char *suffix)
{
	struct dirent **ents;
	int n = scandir(dir, &ents, NULL, alphasort);

	for (int i = 0; i < n; i++) {
		char path[1024];
		const char *nm = ents[i]->d_name;
		size_t l = strlen(nm), sl = strlen(suffix);
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, nm);
		if (nm[0] != '.' && !stat(path, &st)) {
			if (S_ISDIR(st.st_mode))
				obj_walk(set, path, suffix);
			else if (l > sl && !strcmp(nm + l - sl, suffix))
				obj_file(set, path);
		}
		free(ents[i]);
	}
	if (n >= 0)
		free(ents);
}

static void set_objects(void)
{
	const char *corpus = getenv("KBPF_VBENCH_OBJDIR");
	static struct objset sets[2] = { { .name = "(d) kbpf's test objects" },
					 { .name = "(e) KBPF_VBENCH_OBJDIR" } };
	size_t size = 0;
	void *btf = read_all(vmlinux_path, &size);

	real_syscall = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (!real_syscall)
		return;
	vobj_init();
	/* tracing programs: the kernel's BTF is kbpf's host BTF too */
	if (btf)
		kbpf_posix_set_btf(btf, size);
	interpose_prog_load = obj_hook;
	obj_walk(&sets[0], KBPF_VBENCH_TESTS_DIR, ".bpf.o");
	if (corpus)
		obj_walk(&sets[1], corpus, ".o");
	interpose_prog_load = NULL;
	for (int i = 0; i < (corpus ? 2 : 1); i++) {
		report(sets[i].name, &sets[i].t);
		printf("  %d objects, %d programs measured, %d skipped\n",
		       sets[i].objects, sets[i].measured, sets[i].skipped);
	}
	kbpf_posix_set_btf(NULL, 0);
	free(btf);
}
#endif

/* The fixed cost of a load: "r0 = 0; exit" on each side. */
static void fixed_cost(void)
{
	static const struct bpf_insn empty[] = { MOV(0, 0), EXIT };
	struct bprog p = { .name = "empty", .type = SF, .n = 2, .insns = empty };
	struct result r[2];

	measure(&p, reps < 21 ? 21 : reps, r);
	printf("fixed cost (r0 = 0; exit, median): kernel %.1f us (log 0: "
	       "%.1f), kbpf %.1f us (log 0: %.1f; verifier off: %.1f); peak "
	       "kbpf %ld B, kernel %ld B\n",
	       r[KERNEL].med[0] / 1e3, r[KERNEL].med[1] / 1e3,
	       r[KBPF].med[0] / 1e3, r[KBPF].med[1] / 1e3,
	       r[KBPF].med_off / 1e3, r[KBPF].peak, r[KERNEL].peak);
}

int main(int argc, char **argv)
{
	const char *sets = getenv("KBPF_VBENCH_SETS");
	const char *gen = getenv("KBPF_VBENCH_GEN");
	union bpf_attr a;
	long fd;
	FILE *f;

	reps = argc > 1 ? atoi(argv[1]) : 5;
	if (reps < 1)
		reps = 1;
	if (reps > MAX_REPS)
		reps = MAX_REPS;
	show = getenv("KBPF_VBENCH_SHOW") != NULL;
	only = getenv("KBPF_VBENCH_ONLY");
	logbuf = malloc(PROBE_LOG_SIZE);
	if (!logbuf) {
		perror("malloc");
		return 1;
	}
	if (!sets)
#ifdef KBPF_VBENCH_OBJECTS
		sets = "d";
#else
		sets = "abc";
#endif
	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	fd = kernel_bpf(BPF_MAP_CREATE, &a);
	if (fd < 0) {
		printf("bench_verifier: the kernel's bpf(2) is not available "
		       "(%s): nothing to compare with\n",
		       strerror((int)-fd));
		return 0;
	}
	close((int)fd);
	kbpf_posix_set_verifier(KBPF_VERIFIER_ENFORCE);
	if (cg_enter())
		printf("no memory cgroup to measure the kernel's memory in\n");
	f = fopen("/proc/sys/net/core/bpf_jit_enable", "r");
	printf("BPF_PROG_LOAD, median of %d loads per program and log level "
	       "(kbpf: POSIX host, KBPF_VERIFIER_ENFORCE; kernel: bpf(2)%s)\n",
	       reps,
	       f && fgetc(f) == '1' ? ", its JIT on: the kernel's times "
				      "include compiling" :
				      "");
	if (f)
		fclose(f);
	fixed_cost();
	if (strchr(sets, 'a'))
		set_generated(gen ? atoi(gen) : 300);
	if (strchr(sets, 'b'))
		set_table();
	if (strchr(sets, 'c'))
		set_large();
#ifdef KBPF_VBENCH_OBJECTS
	if (strchr(sets, 'd'))
		set_objects();
#endif
	kbpf_posix_set_verifier(KBPF_VERIFIER_OFF);
	cg_leave();
	return 0;
}
