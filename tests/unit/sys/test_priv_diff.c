// SPDX-License-Identifier: MIT
/*
 * The privilege model against Linux's (issue #12): the same bpf(2) calls,
 * made by a caller whose capabilities were dropped to a subset, go to the
 * kernel (side 0) and to kbpf through the POSIX host (side 1), and must get
 * the same errno (or both succeed), Linux 6.18 being the specification.
 *
 * How a case runs: the parent sets kernel.unprivileged_bpf_disabled to 0
 * (or 2) and forks; the child creates its fixtures (maps, programs) on both
 * sides with full privilege, drops its effective and permitted capabilities
 * to the subset with capset(2) (uid stays 0: Linux looks only at
 * capabilities, and so does the POSIX host, which asks capget(2) and reads
 * the same sysctl), runs the cases, prints each mismatch on stderr and
 * _exits with the number of mismatches (capped). The parent restores the
 * sysctl after waitpid (and at exit) and fails the test on a nonzero status
 * or a signal. The value 1 of the sysctl cannot be lowered: the suite skips.
 *
 * Commands kbpf does not implement yet are compared only where the kernel
 * refuses with EPERM (kbpf must too); where the kernel accepts, kbpf's
 * EOPNOTSUPP is a known gap, printed and not failed. Map and program types
 * Linux has and kbpf does not are printed, not failed. Programs that leak
 * pointers are refused by Linux's verifier; kbpf has none yet, so for them
 * kbpf must refuse the load or stop the run (BPF_PROG_TEST_RUN fails).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/prog.h"
#include "diff.h"
#include "helpers/helpers.h"
#include "insn.h"
#include "kbpf/host.h"
#include "kbpf_test.h"
#include "maps/map_types.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define MOV(d, s) I(BPF_ALU64 | BPF_MOV | BPF_X, d, s, 0, 0)
#define ADDK(d, k) I(BPF_ALU64 | BPF_ADD | BPF_K, d, 0, 0, k)
#define CALL(f) I(BPF_JMP | BPF_CALL, 0, 0, 0, f)
#define LD_MAP(d, fd) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd)

/* Capability subsets (bits of the capability sets). */
#define CAP(n) (1ull << (n))
#define C_NONE 0ull
#define C_BPF CAP(KBPF_CAP_BPF)
#define C_PERFMON CAP(KBPF_CAP_PERFMON)
#define C_NET CAP(KBPF_CAP_NET_ADMIN)
#define C_SYS CAP(KBPF_CAP_SYS_ADMIN)

/* ---- kernel.unprivileged_bpf_disabled, always restored ------------------ */

#define SYSCTL "/proc/sys/kernel/unprivileged_bpf_disabled"

static int sysctl_saved = -1;

static int sysctl_read(void)
{
	char buf[16] = { 0 };
	int fd = open(SYSCTL, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 ? atoi(buf) : -1;
}

static int sysctl_write(int v)
{
	char buf[8];
	int fd = open(SYSCTL, O_WRONLY);
	int len = snprintf(buf, sizeof(buf), "%d\n", v);
	int ok;

	if (fd < 0)
		return -1;
	ok = write(fd, buf, (size_t)len) == len;
	close(fd);
	return ok && sysctl_read() == v ? 0 : -1;
}

static void sysctl_restore(void)
{
	if (sysctl_saved >= 0 && sysctl_read() != sysctl_saved)
		sysctl_write(sysctl_saved);
}

/* Killed by a signal that can be caught: restore, then die of it. */
static void sysctl_restore_signal(int sig)
{
	char c = (char)('0' + sysctl_saved);
	int fd = open(SYSCTL, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, &c, 1) != 1)
			c = 0;
		close(fd);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/*
 * Set the sysctl to @v for one test; false (the test skipped) if this
 * machine cannot run the suite.
 */
static int sysctl_begin(int v)
{
	const char *why;
	static int registered;
	int cur;

	if (!oracle_available(&why)) {
		kbpf_test_skip("kernel oracle: %s", why);
		return 0;
	}
	if (geteuid() != 0) {
		kbpf_test_skip("not root: cannot set %s", SYSCTL);
		return 0;
	}
	cur = sysctl_read();
	if (cur < 0) {
		kbpf_test_skip("cannot read %s", SYSCTL);
		return 0;
	}
	if (sysctl_saved < 0)
		sysctl_saved = cur;
	if (!registered) {
		atexit(sysctl_restore);
		signal(SIGINT, sysctl_restore_signal);
		signal(SIGTERM, sysctl_restore_signal);
		signal(SIGHUP, sysctl_restore_signal);
		registered = 1;
	}
	if (cur == 1 && v != 1) {
		kbpf_test_skip("%s is 1, which cannot be lowered until reboot",
			       SYSCTL);
		return 0;
	}
	if (sysctl_write(v)) {
		kbpf_test_skip("cannot set %s to %d", SYSCTL, v);
		return 0;
	}
	return 1;
}

/* ---- the child: fixtures, capability drop, reporting -------------------- */

static const char *caps_name(unsigned long long c)
{
	static char buf[64];

	if (!c)
		return "none";
	snprintf(buf, sizeof(buf), "%s%s%s%s", c & C_BPF ? "+BPF" : "",
		 c & C_PERFMON ? "+PERFMON" : "", c & C_NET ? "+NET_ADMIN" : "",
		 c & C_SYS ? "+SYS_ADMIN" : "");
	return buf + 1;
}

static unsigned long long cur_caps;
static int as_nobody; /* the child also becomes uid/gid 65534 */
static int mismatches, cases, gaps;

static void __attribute__((format(printf, 1, 2))) mismatch(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "MISMATCH [%s] ", caps_name(cur_caps));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	mismatches++;
}

static void __attribute__((format(printf, 1, 2))) note(const char *fmt, ...)
{
	va_list ap;

	gaps++;
	fprintf(stderr, "note [%s] ", caps_name(cur_caps));
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* The line of a verifier log that says why (the last one before the
 * statistics); its length in *len. */
static const char *log_why(const char *log, int *len)
{
	const char *why = log, *p = log;

	while (*p) {
		const char *e = p + strcspn(p, "\n");

		if (e > p && strncmp(p, "processed ", 10) &&
		    strncmp(p, "verification time", 17))
			why = p;
		p = *e ? e + 1 : e;
	}
	*len = (int)strcspn(why, "\n");
	return why;
}

static const char *res(long r)
{
	return r >= 0 ? "ok" : oracle_errno_name(r);
}

/* Same errno, or both succeeded. */
static void cmp(const char *what, long k, long m)
{
	cases++;
	if (!same_result(k, m))
		mismatch("%s: kernel %s, kbpf %s", what, res(k), res(m));
}

/*
 * A command kbpf may not implement: the kernel's EPERM must be kbpf's;
 * kbpf's EOPNOTSUPP where the kernel gets past the capability check is a
 * known gap.
 */
static void cmp_gap(const char *what, long k, long m)
{
	cases++;
	if (k != -EPERM && m == -EOPNOTSUPP) {
		note("known gap: %s: kernel %s, kbpf EOPNOTSUPP", what, res(k));
		return;
	}
	/*
	 * The kernel's vmlinux and module BTF have ids; kbpf's BTF ids are
	 * only those of BTF loaded into it.
	 */
	if (k >= 0 && m == -ENOENT && strstr(what, "BTF_")) {
		note("known gap: %s: kernel %s, kbpf has only the BTF loaded into it",
		     what, res(k));
		return;
	}
	if (!same_result(k, m))
		mismatch("%s: kernel %s, kbpf %s", what, res(k), res(m));
}

/* A type Linux has and kbpf does not: printed, never failed. */
static void cmp_info(const char *what, long k, long m)
{
	cases++;
	if (!same_result(k, m)) {
		note("not in kbpf: %s: kernel %s, kbpf %s", what, res(k),
		     res(m));
	}
}

static int drop_caps(unsigned long long keep)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = (uint32_t)keep;
	d[1].effective = d[1].permitted = (uint32_t)(keep >> 32);
	return (int)syscall(SYS_capset, &h, d);
}

/* Objects both sides hold, made before the drop. */
struct fx {
	long amap[2]; /* ARRAY 4/8/4 */
	long lru[2]; /* LRU_HASH 4/8/4 (needs CAP_BPF to create) */
	long parr[2]; /* PROG_ARRAY 4/4/1 */
	long fmap[2]; /* ARRAY to freeze */
	long sf[2]; /* SOCKET_FILTER r0 = 0 */
	long mapprog[2]; /* SOCKET_FILTER that references amap */
	long rtprog[2]; /* RAW_TRACEPOINT r0 = 0 */
	long xdp[2]; /* XDP r0 = XDP_PASS */
	long task[2]; /* SOCKET_FILTER calling get_current_task (PERFMON) */
	uint32_t sf_id[2], amap_id[2];
};

static long map_create(int side, uint32_t type, uint32_t ks, uint32_t vs,
		       uint32_t max, uint32_t flags, long inner)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = ks;
	a.value_size = vs;
	a.max_entries = max;
	a.map_flags = flags;
	a.inner_map_fd = inner > 0 ? (uint32_t)inner : 0;
	return side_bpf(side, BPF_MAP_CREATE, &a);
}

static long prog_load(int side, uint32_t type, uint32_t eat, uint32_t flags,
		      const struct bpf_insn *p, uint32_t n, char *log,
		      uint32_t log_size)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_type = type;
	a.expected_attach_type = eat;
	a.prog_flags = flags;
	a.insns = (uint64_t)(uintptr_t)p;
	a.insn_cnt = n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	if (log) {
		log[0] = 0;
		a.log_level = 1;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = log_size;
	}
	return side_bpf(side, BPF_PROG_LOAD, &a);
}

static uint32_t obj_id(int side, long fd)
{
	struct bpf_prog_info info; /* the id is at the same place for all */
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info = (uint64_t)(uintptr_t)&info;
	a.info.info_len = 8;
	return side_bpf(side, BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static int fixtures(struct fx *f)
{
	static const struct bpf_insn r0[] = { MOVK(0, 0), EXIT };
	static const struct bpf_insn pass[] = { MOVK(0, XDP_PASS), EXIT };
	static const struct bpf_insn task[] = { CALL(BPF_FUNC_get_current_task),
						MOVK(0, 0), EXIT };

	for (int s = 0; s < 2; s++) {
		struct bpf_insn mp[4];

		f->amap[s] = map_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0);
		f->lru[s] = map_create(s, BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, 0, 0);
		f->parr[s] =
			map_create(s, BPF_MAP_TYPE_PROG_ARRAY, 4, 4, 1, 0, 0);
		f->fmap[s] = map_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0);
		f->sf[s] = prog_load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, r0,
				     2, NULL, 0);
		f->rtprog[s] = prog_load(s, BPF_PROG_TYPE_RAW_TRACEPOINT, 0, 0,
					 r0, 2, NULL, 0);
		f->xdp[s] =
			prog_load(s, BPF_PROG_TYPE_XDP, 0, 0, pass, 2, NULL, 0);
		f->task[s] = prog_load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0,
				       task, 3, NULL, 0);
		mp[0] = LD_MAP(1, (int32_t)f->amap[s]);
		mp[1] = I(0, 0, 0, 0, 0);
		mp[2] = MOVK(0, 0);
		mp[3] = EXIT;
		f->mapprog[s] = prog_load(s, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0,
					  mp, 4, NULL, 0);
		if (f->amap[s] < 0 || f->lru[s] < 0 || f->parr[s] < 0 ||
		    f->fmap[s] < 0 || f->sf[s] < 0 || f->rtprog[s] < 0 ||
		    f->xdp[s] < 0 || f->task[s] < 0 || f->mapprog[s] < 0) {
			fprintf(stderr, "fixtures failed on the %s side\n",
				s ? "kbpf" : "kernel");
			return -1;
		}
		f->sf_id[s] = obj_id(s, f->sf[s]);
		f->amap_id[s] = obj_id(s, f->amap[s]);
	}
	return 0;
}

typedef void (*body_fn)(struct fx *f, const void *arg);

/*
 * Run @body in a child holding only @caps; fail the running test if the
 * child reports mismatches or dies. The parent restores the sysctl.
 */
static void run_as(const char *what, unsigned long long caps, body_fn body,
		   const void *arg)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		kbpf_test_fail(__FILE__, __LINE__, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0) {
		struct fx f;

		cur_caps = caps;
		if (fixtures(&f))
			_exit(101);
		if (as_nobody && (prctl(PR_SET_KEEPCAPS, 1L, 0L, 0L, 0L) ||
				  setresgid(65534, 65534, 65534) ||
				  setresuid(65534, 65534, 65534))) {
			fprintf(stderr, "cannot become uid 65534: %s\n",
				strerror(errno));
			_exit(103);
		}
		if (drop_caps(caps)) {
			fprintf(stderr, "capset(%s): %s\n", caps_name(caps),
				strerror(errno));
			_exit(102);
		}
		body(&f, arg);
		fprintf(stderr,
			"%s [%s%s]: %d cases, %d mismatches, %d notes\n", what,
			caps_name(caps), as_nobody ? ", uid 65534" : "", cases,
			mismatches, gaps);
		_exit(mismatches > 100 ? 100 : mismatches);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	sysctl_restore();
	if (WIFSIGNALED(status))
		kbpf_test_fail(__FILE__, __LINE__,
			       "%s [%s]: child killed by signal %d", what,
			       caps_name(caps), WTERMSIG(status));
	else if (!WIFEXITED(status) || WEXITSTATUS(status) > 100)
		kbpf_test_fail(__FILE__, __LINE__,
			       "%s [%s]: child setup failed (status %d)", what,
			       caps_name(caps), WEXITSTATUS(status));
	else if (WEXITSTATUS(status))
		kbpf_test_fail(__FILE__, __LINE__,
			       "%s [%s]: %d mismatches (listed above)", what,
			       caps_name(caps), WEXITSTATUS(status));
}

/* Run @body under each subset of @caps (terminated by ~0ull). */
static void run_each(const char *what, int sysctl,
		     const unsigned long long *caps, body_fn body,
		     const void *arg)
{
	for (; *caps != ~0ull; caps++) {
		if (!sysctl_begin(sysctl))
			return;
		run_as(what, *caps, body, arg);
	}
}

/* ---- map types ---------------------------------------------------------- */

/* Attributes Linux accepts for @type; 0 if this suite has none. */
static int map_attrs(uint32_t type, uint32_t *ks, uint32_t *vs, uint32_t *max,
		     uint32_t *flags, int *inner)
{
	*ks = 4;
	*vs = 8;
	*max = 4;
	*flags = 0;
	*inner = 0;
	switch (type) {
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_SOCKMAP:
	case BPF_MAP_TYPE_SOCKHASH:
	case BPF_MAP_TYPE_CPUMAP:
	case BPF_MAP_TYPE_XSKMAP:
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
		*vs = 4;
		break;
	case BPF_MAP_TYPE_STACK_TRACE:
		*vs = 64;
		break;
	case BPF_MAP_TYPE_LPM_TRIE:
		*ks = 8;
		*flags = BPF_F_NO_PREALLOC;
		break;
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		*vs = 4;
		*inner = 1;
		break;
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		*ks = 0;
		break;
	case BPF_MAP_TYPE_BLOOM_FILTER:
		*ks = 0;
		*vs = 4;
		break;
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		*ks = *vs = 0;
		*max = 4096;
		break;
	default:
		break;
	}
	return 1;
}

#define X_TYPE(t, ops) t,
static const uint32_t kbpf_map_types[] = { KBPF_MAP_TYPES(X_TYPE) };
#undef X_TYPE

static int kbpf_has_map_type(uint32_t t)
{
	for (size_t i = 0; i < sizeof(kbpf_map_types) / sizeof(*kbpf_map_types);
	     i++)
		if (kbpf_map_types[i] == t)
			return 1;
	return 0;
}

static void create_cmp(struct fx *f, const char *what, uint32_t type,
		       uint32_t ks, uint32_t vs, uint32_t max, uint32_t flags,
		       int inner, void (*compare)(const char *, long, long))
{
	long r[2];

	for (int s = 0; s < 2; s++)
		r[s] = map_create(s, type, ks, vs, max, flags,
				  inner ? f->amap[s] : 0);
	compare(what, r[0], r[1]);
	side_close(SIDE_KERNEL, r[0]);
	side_close(SIDE_KBPF, r[1]);
}

static void map_types_body(struct fx *f, const void *arg)
{
	char what[96];
	uint32_t ks, vs, max, flags;
	int inner;

	(void)arg;
	for (uint32_t t = 1; t <= BPF_MAP_TYPE_ARENA; t++) {
		if (t == BPF_MAP_TYPE_ARENA ||
		    t == BPF_MAP_TYPE_CGROUP_STORAGE_DEPRECATED ||
		    t == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE_DEPRECATED ||
		    t == BPF_MAP_TYPE_STRUCT_OPS ||
		    t == BPF_MAP_TYPE_SK_STORAGE ||
		    t == BPF_MAP_TYPE_INODE_STORAGE ||
		    t == BPF_MAP_TYPE_TASK_STORAGE ||
		    t == BPF_MAP_TYPE_CGRP_STORAGE)
			continue; /* need BTF or a config this suite lacks */
		map_attrs(t, &ks, &vs, &max, &flags, &inner);
		snprintf(what, sizeof(what), "MAP_CREATE type %u", t);
		create_cmp(f, what, t, ks, vs, max, flags, inner,
			   kbpf_has_map_type(t) ? cmp : cmp_info);
	}
	/*
	 * Local storage: past the type's checks (BTF ids given, the BTF fd
	 * not open) the capability decides: -EPERM without CAP_BPF, then
	 * the BTF fd's -EBADF.
	 */
	for (uint32_t t = BPF_MAP_TYPE_SK_STORAGE;
	     t <= BPF_MAP_TYPE_CGRP_STORAGE; t++) {
		union bpf_attr a;
		long r[2];

		if (t != BPF_MAP_TYPE_SK_STORAGE &&
		    t != BPF_MAP_TYPE_INODE_STORAGE &&
		    t != BPF_MAP_TYPE_TASK_STORAGE &&
		    t != BPF_MAP_TYPE_CGRP_STORAGE)
			continue;
		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_type = t;
			a.key_size = 4;
			a.value_size = 8;
			a.map_flags = BPF_F_NO_PREALLOC;
			a.btf_fd = 9999;
			a.btf_key_type_id = 1;
			a.btf_value_type_id = 2;
			r[s] = side_bpf(s, BPF_MAP_CREATE, &a);
		}
		snprintf(what, sizeof(what), "MAP_CREATE storage type %u", t);
		cmp(what, r[0], r[1]);
		side_close(SIDE_KERNEL, r[0]);
		side_close(SIDE_KBPF, r[1]);
	}
	/* Unknown types: EINVAL before any privilege check. */
	create_cmp(f, "MAP_CREATE type 0", 0, 4, 8, 4, 0, 0, cmp);
	create_cmp(f, "MAP_CREATE type 34", 34, 4, 8, 4, 0, 0, cmp);
	create_cmp(f, "MAP_CREATE type 999", 999, 4, 8, 4, 0, 0, cmp);
	/* Flags: BPF_F_ZERO_SEED is CAP_SYS_ADMIN's (CAP_BPF is not enough). */
	create_cmp(f, "MAP_CREATE hash BPF_F_ZERO_SEED", BPF_MAP_TYPE_HASH, 4,
		   8, 4, BPF_F_ZERO_SEED, 0, cmp);
	create_cmp(f, "MAP_CREATE lru_hash BPF_F_ZERO_SEED",
		   BPF_MAP_TYPE_LRU_HASH, 4, 8, 4, BPF_F_ZERO_SEED, 0, cmp);
	create_cmp(f, "MAP_CREATE array BPF_F_ZERO_SEED", BPF_MAP_TYPE_ARRAY, 4,
		   8, 4, BPF_F_ZERO_SEED, 0, cmp);
	create_cmp(f, "MAP_CREATE array BPF_F_MMAPABLE", BPF_MAP_TYPE_ARRAY, 4,
		   8, 4, BPF_F_MMAPABLE, 0, cmp);
	create_cmp(f, "MAP_CREATE hash BPF_F_NO_PREALLOC", BPF_MAP_TYPE_HASH, 4,
		   8, 4, BPF_F_NO_PREALLOC, 0, cmp);
	/* Order: the type's attribute check comes before the capability. */
	create_cmp(f, "MAP_CREATE lru_hash max_entries 0",
		   BPF_MAP_TYPE_LRU_HASH, 4, 8, 0, 0, 0, cmp);
	create_cmp(f, "MAP_CREATE lru_hash bogus flags", BPF_MAP_TYPE_LRU_HASH,
		   4, 8, 4, 1u << 30, 0, cmp);
	create_cmp(f, "MAP_CREATE hash ZERO_SEED max_entries 0",
		   BPF_MAP_TYPE_HASH, 4, 8, 0, BPF_F_ZERO_SEED, 0, cmp);
	create_cmp(f, "MAP_CREATE lpm_trie key_size 0", BPF_MAP_TYPE_LPM_TRIE,
		   0, 8, 4, BPF_F_NO_PREALLOC, 0, cmp);
	create_cmp(f, "MAP_CREATE devmap value_size 3", BPF_MAP_TYPE_DEVMAP, 4,
		   3, 4, 0, 0, cmp);
	/* CHECK_ATTR (a byte past map_create's fields) before the capability */
	{
		union bpf_attr a;
		long r[2];

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.map_type = BPF_MAP_TYPE_LRU_HASH;
			a.key_size = 4;
			a.value_size = 8;
			a.max_entries = 4;
			((unsigned char *)&a)[sizeof(a) - 1] = 1;
			r[s] = side_bpf(s, BPF_MAP_CREATE, &a);
		}
		cmp("MAP_CREATE lru_hash attr past last field", r[0], r[1]);
		side_close(SIDE_KERNEL, r[0]);
		side_close(SIDE_KBPF, r[1]);
	}
}

KBPF_TEST(
	priv_map_types,
	"BPF_MAP_CREATE of every map type, unknown types and privileged flags gives Linux's errno for callers with no capability, CAP_BPF, CAP_NET_ADMIN or CAP_SYS_ADMIN")
{
	static const unsigned long long caps[] = { C_NONE, C_BPF, C_NET, C_SYS,
						   ~0ull };

	run_each("map_types", 0, caps, map_types_body, NULL);
}

/* ---- program types and instruction limits ------------------------------ */

static void load_cmp(const char *what, uint32_t type, uint32_t eat,
		     uint32_t flags, const struct bpf_insn *p, uint32_t n,
		     void (*compare)(const char *, long, long))
{
	long r[2];

	/* No log: a 4096-instruction log would not fit (ENOSPC). */
	r[0] = prog_load(SIDE_KERNEL, type, eat, flags, p, n, NULL, 0);
	r[1] = prog_load(SIDE_KBPF, type, eat, flags, p, n, NULL, 0);
	compare(what, r[0], r[1]);
	side_close(SIDE_KERNEL, r[0]);
	side_close(SIDE_KBPF, r[1]);
}

static void prog_types_body(struct fx *f, const void *arg)
{
	static const struct bpf_insn r0[] = { MOVK(0, 0), EXIT };
	static struct bpf_insn big[4097];
	char what[96];

	(void)f;
	(void)arg;
	for (uint32_t t = 0; t <= BPF_PROG_TYPE_NETFILTER + 2; t++) {
		uint32_t eat = 0;

		switch (t) {
		case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
			eat = BPF_CGROUP_INET4_BIND;
			break;
		case BPF_PROG_TYPE_CGROUP_SOCKOPT:
			eat = BPF_CGROUP_GETSOCKOPT;
			break;
		case BPF_PROG_TYPE_SK_LOOKUP:
			eat = BPF_SK_LOOKUP;
			break;
		case BPF_PROG_TYPE_NETFILTER:
			eat = BPF_NETFILTER;
			break;
		default:
			break;
		}
		snprintf(what, sizeof(what), "PROG_LOAD type %u", t);
		load_cmp(what, t, eat, 0, r0, 2,
			 t > BPF_PROG_TYPE_NETFILTER || t == 0 ||
					 t == BPF_PROG_TYPE_LIRC_MODE2 ||
					 kbpf_prog_type_supported(t) ?
				 cmp :
				 cmp_info);
	}
	load_cmp("PROG_LOAD type 999", 999, 0, 0, r0, 2, cmp);
	load_cmp("PROG_LOAD syscall BPF_F_SLEEPABLE", BPF_PROG_TYPE_SYSCALL, 0,
		 BPF_F_SLEEPABLE, r0, 2, cmp);
	load_cmp("PROG_LOAD socket_filter BPF_F_SLEEPABLE",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, BPF_F_SLEEPABLE, r0, 2, cmp);
	load_cmp("PROG_LOAD kprobe bogus prog_flags", BPF_PROG_TYPE_KPROBE, 0,
		 1u << 30, r0, 2, cmp);
	load_cmp("PROG_LOAD socket_filter insn_cnt 0",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, r0, 0, cmp);
	load_cmp("PROG_LOAD kprobe insn_cnt 0", BPF_PROG_TYPE_KPROBE, 0, 0, r0,
		 0, cmp);
	/* 4096 instructions without CAP_BPF, 1,000,000 with; E2BIG comes
	 * before the program type's capability check. */
	for (int n = 4096; n <= 4097; n++) {
		for (int i = 0; i < n - 1; i++)
			big[i] = MOVK(0, 0);
		big[n - 1] = EXIT;
		snprintf(what, sizeof(what), "PROG_LOAD socket_filter %d insns",
			 n);
		load_cmp(what, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, big,
			 (uint32_t)n, cmp);
		snprintf(what, sizeof(what), "PROG_LOAD kprobe %d insns", n);
		load_cmp(what, BPF_PROG_TYPE_KPROBE, 0, 0, big, (uint32_t)n,
			 cmp);
		snprintf(what, sizeof(what), "PROG_LOAD xdp %d insns", n);
		load_cmp(what, BPF_PROG_TYPE_XDP, 0, 0, big, (uint32_t)n, cmp);
	}
	load_cmp("PROG_LOAD socket_filter 1000001 insns",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, big, 1000001, cmp);
}

KBPF_TEST(
	priv_prog_types,
	"BPF_PROG_LOAD of every program type, unknown types and the 4096-instruction limit gives Linux's errno with no capability, CAP_BPF, CAP_BPF+CAP_PERFMON or CAP_BPF+CAP_NET_ADMIN")
{
	static const unsigned long long caps[] = {
		C_NONE,	       C_BPF,	  C_BPF | C_PERFMON,
		C_BPF | C_NET, C_PERFMON, C_NET,
		C_SYS,	       ~0ull
	};

	run_each("prog_types", 0, caps, prog_types_body, NULL);
}

KBPF_TEST(
	priv_prog_types_nobody,
	"the same program-type rules hold for uid 65534 with the same capabilities: Linux and kbpf look at capabilities, not at the uid")
{
	static const unsigned long long caps[] = { C_NONE, C_BPF,
						   C_BPF | C_PERFMON, ~0ull };

	as_nobody = 1;
	run_each("prog_types uid 65534", 0, caps, prog_types_body, NULL);
	as_nobody = 0;
}

/* ---- unprivileged_bpf_disabled = 2 -------------------------------------- */

static void disabled_body(struct fx *f, const void *arg)
{
	static const struct bpf_insn r0[] = { MOVK(0, 0), EXIT };
	uint32_t ks, vs, max, flags;
	int inner;
	char what[96];

	(void)arg;
	for (size_t i = 0; i < sizeof(kbpf_map_types) / sizeof(*kbpf_map_types);
	     i++) {
		map_attrs(kbpf_map_types[i], &ks, &vs, &max, &flags, &inner);
		snprintf(what, sizeof(what), "disabled=2 MAP_CREATE type %u",
			 kbpf_map_types[i]);
		create_cmp(f, what, kbpf_map_types[i], ks, vs, max, flags,
			   inner, cmp);
	}
	create_cmp(f, "disabled=2 MAP_CREATE type 0", 0, 4, 8, 4, 0, 0, cmp);
	create_cmp(f, "disabled=2 MAP_CREATE lru_hash max_entries 0",
		   BPF_MAP_TYPE_LRU_HASH, 4, 8, 0, 0, 0, cmp);
	load_cmp("disabled=2 PROG_LOAD socket_filter",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, r0, 2, cmp);
	load_cmp("disabled=2 PROG_LOAD socket_filter insn_cnt 0",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, 0, r0, 0, cmp);
	load_cmp("disabled=2 PROG_LOAD xdp", BPF_PROG_TYPE_XDP, 0, 0, r0, 2,
		 cmp);
	load_cmp("disabled=2 PROG_LOAD bogus prog_flags",
		 BPF_PROG_TYPE_SOCKET_FILTER, 0, 1u << 30, r0, 2, cmp);
	/* Other commands are not affected. */
	{
		uint32_t k = 0;
		uint64_t v = 0;

		cmp("disabled=2 MAP_LOOKUP_ELEM",
		    side_elem(SIDE_KERNEL, BPF_MAP_LOOKUP_ELEM, f->amap[0], &k,
			      &v, 0),
		    side_elem(SIDE_KBPF, BPF_MAP_LOOKUP_ELEM, f->amap[1], &k,
			      &v, 0));
	}
}

KBPF_TEST(
	priv_unprivileged_disabled,
	"with kernel.unprivileged_bpf_disabled=2, BPF_MAP_CREATE and BPF_PROG_LOAD without CAP_BPF fail with EPERM (after the type and attribute checks Linux makes first); CAP_BPF is unaffected")
{
	static const unsigned long long caps[] = { C_NONE, C_NET, C_BPF,
						   ~0ull };

	run_each("disabled", 2, caps, disabled_body, NULL);
}

/* ---- helpers ------------------------------------------------------------ */

struct helper_scan {
	uint32_t type;
	const char *name;
};

static int kernel_refuses_helper(const char *log)
{
	return strstr(log, "cannot use helper") ||
	       strstr(log, "unknown func") || strstr(log, "invalid func") ||
	       strstr(log, "might sleep");
}

static void helpers_body(struct fx *f, const void *arg)
{
	const struct helper_scan *hs = arg;
	static char log[16384];

	(void)f;
	for (uint32_t id = 1; id < KBPF_HELPER_COUNT; id++) {
		struct bpf_insn p[] = { MOVK(1, 0), MOVK(2, 0), MOVK(3, 0),
					MOVK(4, 0), MOVK(5, 0), CALL(id),
					MOVK(0, 0), EXIT };
		long k, m;

		if (!kbpf_default_helpers[id].fn)
			continue;
		k = prog_load(SIDE_KERNEL, hs->type, 0, 0, p, 8, log,
			      sizeof(log));
		m = prog_load(SIDE_KBPF, hs->type, 0, 0, p, 8, NULL, 0);
		cases++;
		if (k < 0 && kernel_refuses_helper(log)) {
			int n;
			const char *why = log_why(log, &n);

			/* Not for this caller (or this type): EINVAL. */
			if (m != k)
				mismatch(
					"%s helper %u (%s): kernel %s (%.*s), kbpf %s",
					hs->name, id,
					kbpf_default_helpers[id].name, res(k),
					n, why, res(m));
		} else if (id == BPF_FUNC_kptr_xchg && m == -EINVAL) {
			/*
			 * kbpf loads a caller of bpf_kptr_xchg only with its
			 * verifier (this test runs with it OFF; src/prog/check.c,
			 * docs/design/kptr.md): a deliberate refusal.
			 */
			note("%s helper %u (%s): kernel %s, kbpf refuses without its verifier",
			     hs->name, id, kbpf_default_helpers[id].name,
			     res(k));
		} else if (m < 0 && m != k) {
			/* Available to the kernel's caller (the verifier may
			 * still dislike r1..r5 = 0, EACCES): kbpf must load it
			 * or dislike it the same way. */
			mismatch(
				"%s helper %u (%s): kernel has it (%s), kbpf %s",
				hs->name, id, kbpf_default_helpers[id].name,
				res(k), res(m));
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, m);
	}
}

KBPF_TEST(
	priv_helpers_socket_filter,
	"a SOCKET_FILTER without CAP_BPF may call exactly the helpers Linux allows it (others: EINVAL), and with CAP_BPF gains the same ones")
{
	static const struct helper_scan hs = { BPF_PROG_TYPE_SOCKET_FILTER,
					       "socket_filter" };
	static const unsigned long long caps[] = { C_NONE, C_BPF, ~0ull };

	run_each("helpers socket_filter", 0, caps, helpers_body, &hs);
}

KBPF_TEST(
	priv_helpers_cgroup_skb,
	"a CGROUP_SKB program without CAP_BPF may call exactly the helpers Linux allows it (others: EINVAL), and with CAP_BPF gains the same ones")
{
	static const struct helper_scan hs = { BPF_PROG_TYPE_CGROUP_SKB,
					       "cgroup_skb" };
	static const unsigned long long caps[] = { C_NONE, C_BPF, ~0ull };

	run_each("helpers cgroup_skb", 0, caps, helpers_body, &hs);
}

/*
 * cgroup skb context rules that depend on the loader: data and data_end
 * loads and tstamp stores need CAP_BPF; mark, priority and cb[] stores
 * do not; expected_attach_type is INET_INGRESS or INET_EGRESS.
 */
static void cg_skb_body(struct fx *f, const void *arg)
{
	static const struct {
		int16_t off;
		uint8_t size;
		bool store;
	} acc[] = {
		{ 76, BPF_W, false },  { 80, BPF_W, false },
		{ 0, BPF_W, false },   { 8, BPF_W, true },
		{ 32, BPF_W, true },   { 48, BPF_W, true },
		{ 152, BPF_DW, true }, { 152, BPF_DW, false },
		{ 144, BPF_W, false }, { 140, BPF_W, false },
		{ 72, BPF_W, false },  { 184, BPF_W, false },
	};
	static const uint32_t eats[] = { BPF_CGROUP_INET_INGRESS,
					 BPF_CGROUP_INET_EGRESS,
					 BPF_CGROUP_INET_SOCK_CREATE, 999 };
	char what[96];

	(void)f;
	(void)arg;
	for (size_t i = 0; i < sizeof(acc) / sizeof(acc[0]); i++) {
		struct bpf_insn p[3];
		long r[2];

		p[0] = acc[i].store ?
			       I(BPF_STX | BPF_MEM | acc[i].size, 1, 1, 0, 0) :
			       I(BPF_LDX | BPF_MEM | acc[i].size, 2, 1,
				 acc[i].off, 0);
		if (acc[i].store) {
			p[0] = I(BPF_ST | BPF_MEM | acc[i].size, 1, 0,
				 acc[i].off, 1);
		}
		p[1] = MOVK(0, 1);
		p[2] = EXIT;
		for (int s = 0; s < 2; s++)
			r[s] = prog_load(s, BPF_PROG_TYPE_CGROUP_SKB, 0, 0, p,
					 3, NULL, 0);
		snprintf(what, sizeof(what), "cgroup_skb %s off %d",
			 acc[i].store ? "store" : "load", acc[i].off);
		cmp(what, r[0] < 0 ? r[0] : 0, r[1] < 0 ? r[1] : 0);
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
	for (size_t i = 0; i < sizeof(eats) / sizeof(eats[0]); i++) {
		static const struct bpf_insn p[] = { MOVK(0, 1), EXIT };
		long r[2];

		for (int s = 0; s < 2; s++)
			r[s] = prog_load(s, BPF_PROG_TYPE_CGROUP_SKB, eats[i],
					 0, p, 2, NULL, 0);
		snprintf(what, sizeof(what),
			 "cgroup_skb expected_attach_type %u", eats[i]);
		cmp(what, r[0] < 0 ? r[0] : 0, r[1] < 0 ? r[1] : 0);
		for (int s = 0; s < 2; s++)
			side_close(s, r[s]);
	}
}

KBPF_TEST(
	priv_cgroup_skb_ctx,
	"CGROUP_SKB without CAP_BPF: data/data_end loads and tstamp stores are refused (EACCES) as in Linux, mark/priority/cb stores allowed; expected_attach_type rules the same for every caller")
{
	static const unsigned long long caps[] = { C_NONE, C_BPF, C_SYS,
						   ~0ull };

	run_each("cgroup_skb ctx", 0, caps, cg_skb_body, NULL);
}

KBPF_TEST(
	priv_helpers_xdp,
	"an XDP program loaded with CAP_BPF+CAP_NET_ADMIN but no CAP_PERFMON may not call the tracing helpers (EINVAL), and may with CAP_PERFMON")
{
	static const struct helper_scan hs = { BPF_PROG_TYPE_XDP, "xdp" };
	static const unsigned long long caps[] = { C_BPF | C_NET,
						   C_BPF | C_NET | C_PERFMON,
						   ~0ull };

	run_each("helpers xdp", 0, caps, helpers_body, &hs);
}

KBPF_TEST(
	priv_helpers_sched_cls,
	"a SCHED_CLS program loaded with CAP_BPF+CAP_NET_ADMIN but no CAP_PERFMON may not call the tracing helpers (EINVAL), and may with CAP_PERFMON")
{
	static const struct helper_scan hs = { BPF_PROG_TYPE_SCHED_CLS,
					       "sched_cls" };
	static const unsigned long long caps[] = { C_BPF | C_NET,
						   C_BPF | C_NET | C_PERFMON,
						   ~0ull };

	run_each("helpers sched_cls", 0, caps, helpers_body, &hs);
}

/* ---- commands ----------------------------------------------------------- */

/* A minimal BTF blob: one 32-bit int. */
static const unsigned char *btf_blob(uint32_t *size)
{
	static unsigned char b[24 + 16 + 5];
	uint32_t hdr[6] = { 0, 24, 0, 16, 16, 5 };
	uint32_t t[4] = { 1, 1u << 24, 4, 32 };

	memcpy(b, hdr, sizeof(hdr));
	b[0] = 0x9f;
	b[1] = 0xeb;
	b[2] = 1;
	memcpy(b + 24, t, sizeof(t));
	memcpy(b + 40, "\0int\0", 5);
	*size = sizeof(b);
	return b;
}

enum cmd_case {
	CC_ZERO, /* all-zero attr */
	CC_TAIL, /* the union's last byte set: past every command's fields */
	CC_VALID, /* a valid attr built from the fixtures */
	CC_OTHER, /* the valid attr with one value Linux refuses (or another
		   * object): which comes first, that check or the capability? */
};

static void cmd_attr(union bpf_attr *a, struct fx *f, int s, int cmd,
		     enum cmd_case c, void *buf, int cg)
{
	static uint64_t data[8];
	uint32_t size;

	memset(a, 0, sizeof(*a));
	if (c == CC_TAIL)
		((unsigned char *)a)[sizeof(*a) - 1] = 1;
	if (c != CC_VALID && c != CC_OTHER)
		return;
	if (c == CC_OTHER) {
		switch (cmd) {
		case BPF_PROG_GET_NEXT_ID:
		case BPF_MAP_GET_NEXT_ID:
		case BPF_BTF_GET_NEXT_ID:
		case BPF_LINK_GET_NEXT_ID:
			a->start_id = 0xffffffffu; /* nothing after it */
			return;
		case BPF_MAP_GET_FD_BY_ID:
			a->map_id = f->amap_id[s];
			a->open_flags = 0x100; /* unknown */
			return;
		case BPF_TASK_FD_QUERY:
			a->task_fd_query.pid = (uint32_t)getpid();
			a->task_fd_query.fd = (uint32_t)f->sf[s];
			a->task_fd_query.flags = 1;
			return;
		case BPF_ENABLE_STATS:
			a->enable_stats.type = 9; /* unknown */
			return;
		case BPF_BTF_GET_FD_BY_ID: /* an fd access flag */
			a->btf_id = 1;
			a->open_flags = BPF_F_RDONLY;
			return;
		case BPF_BTF_LOAD: /* an unknown btf_flags bit */
			a->btf = (uint64_t)(uintptr_t)btf_blob(&size);
			a->btf_size = size;
			a->btf_flags = 2;
			return;
		case BPF_PROG_QUERY:
			a->query.target_fd = (uint32_t)cg;
			a->query.attach_type = 200; /* unknown */
			return;
		case BPF_MAP_FREEZE:
			a->map_fd = (uint32_t)f->sf[s]; /* not a map */
			return;
		case BPF_PROG_TEST_RUN: /* an XDP program root loaded */
			a->test.prog_fd = (uint32_t)f->xdp[s];
			a->test.data_in = (uint64_t)(uintptr_t)data;
			a->test.data_size_in = sizeof(data);
			a->test.repeat = 1;
			return;
		case BPF_PROG_STREAM_READ_BY_FD:
			a->prog_stream_read.prog_fd = (uint32_t)f->sf[s];
			a->prog_stream_read.stream_buf =
				(uint64_t)(uintptr_t)buf;
			a->prog_stream_read.stream_buf_len = 64;
			a->prog_stream_read.stream_id = 3; /* unknown */
			return;
		case BPF_PROG_BIND_MAP:
			a->prog_bind_map.prog_fd = (uint32_t)f->sf[s];
			a->prog_bind_map.map_fd = (uint32_t)f->amap[s];
			a->prog_bind_map.flags = 1; /* unknown */
			return;
		default: /* id 0, size 0: the zero fields */
			return;
		}
	}
	switch (cmd) {
	case BPF_PROG_GET_FD_BY_ID:
		a->prog_id = f->sf_id[s];
		break;
	case BPF_MAP_GET_FD_BY_ID:
		a->map_id = f->amap_id[s];
		break;
	case BPF_BTF_LOAD:
		a->btf = (uint64_t)(uintptr_t)btf_blob(&size);
		a->btf_size = size;
		break;
	case BPF_TASK_FD_QUERY:
		a->task_fd_query.pid = (uint32_t)getpid();
		a->task_fd_query.fd = (uint32_t)f->sf[s];
		break;
	case BPF_PROG_QUERY:
		a->query.target_fd = (uint32_t)cg;
		a->query.attach_type = BPF_CGROUP_INET_INGRESS;
		break;
	case BPF_MAP_FREEZE:
		a->map_fd = (uint32_t)f->fmap[s];
		break;
	case BPF_PROG_TEST_RUN:
		a->test.prog_fd = (uint32_t)f->sf[s];
		a->test.data_in = (uint64_t)(uintptr_t)data;
		a->test.data_size_in = sizeof(data);
		a->test.repeat = 1;
		break;
	case BPF_PROG_STREAM_READ_BY_FD:
		a->prog_stream_read.prog_fd = (uint32_t)f->sf[s];
		a->prog_stream_read.stream_buf = (uint64_t)(uintptr_t)buf;
		a->prog_stream_read.stream_buf_len = 64;
		a->prog_stream_read.stream_id = 1;
		break;
	case BPF_ENABLE_STATS:
		a->enable_stats.type = BPF_STATS_RUN_TIME;
		break;
	case BPF_PROG_BIND_MAP:
		a->prog_bind_map.prog_fd = (uint32_t)f->sf[s];
		a->prog_bind_map.map_fd = (uint32_t)f->amap[s];
		break;
	default:
		break;
	}
}

static const struct {
	int cmd;
	const char *name;
	int fd_result; /* success returns an fd */
} cmd_table[] = {
	{ BPF_PROG_GET_NEXT_ID, "PROG_GET_NEXT_ID", 0 },
	{ BPF_MAP_GET_NEXT_ID, "MAP_GET_NEXT_ID", 0 },
	{ BPF_BTF_GET_NEXT_ID, "BTF_GET_NEXT_ID", 0 },
	{ BPF_LINK_GET_NEXT_ID, "LINK_GET_NEXT_ID", 0 },
	{ BPF_PROG_GET_FD_BY_ID, "PROG_GET_FD_BY_ID", 1 },
	{ BPF_MAP_GET_FD_BY_ID, "MAP_GET_FD_BY_ID", 1 },
	{ BPF_BTF_GET_FD_BY_ID, "BTF_GET_FD_BY_ID", 1 },
	{ BPF_LINK_GET_FD_BY_ID, "LINK_GET_FD_BY_ID", 1 },
	{ BPF_BTF_LOAD, "BTF_LOAD", 1 },
	{ BPF_TASK_FD_QUERY, "TASK_FD_QUERY", 0 },
	{ BPF_ENABLE_STATS, "ENABLE_STATS", 1 },
	{ BPF_PROG_QUERY, "PROG_QUERY", 0 },
	{ BPF_MAP_FREEZE, "MAP_FREEZE", 0 },
	{ BPF_PROG_TEST_RUN, "PROG_TEST_RUN", 0 },
	{ BPF_PROG_STREAM_READ_BY_FD, "PROG_STREAM_READ_BY_FD", 0 },
	{ BPF_TOKEN_CREATE, "TOKEN_CREATE", 1 },
	{ BPF_PROG_BIND_MAP, "PROG_BIND_MAP", 0 },
	{ BPF_PROG_STREAM_READ_BY_FD + 1, "unknown command 38", 0 },
};

static void commands_body(struct fx *f, const void *arg)
{
	static const char *const case_name[] = { "zero attr",
						 "attr past last field",
						 "valid", "one bad value" };
	int cg = open("/sys/fs/cgroup/unified", O_RDONLY | O_DIRECTORY);
	char buf[64], what[128];

	(void)arg;
	for (size_t i = 0; i < sizeof(cmd_table) / sizeof(*cmd_table); i++) {
		for (int c = CC_ZERO; c <= CC_OTHER; c++) {
			union bpf_attr a;
			long r[2];

			for (int s = 0; s < 2; s++) {
				cmd_attr(&a, f, s, cmd_table[i].cmd,
					 (enum cmd_case)c, buf, cg);
				r[s] = side_bpf(s, cmd_table[i].cmd, &a);
			}
			snprintf(what, sizeof(what), "%s (%s)",
				 cmd_table[i].name, case_name[c]);
			cmp_gap(what, r[0], r[1]);
			if (cmd_table[i].fd_result) {
				side_close(SIDE_KERNEL, r[0]);
				side_close(SIDE_KBPF, r[1]);
			}
		}
	}
	/* RAW_TRACEPOINT_OPEN needs no capability of its own (the program
	 * needed CAP_PERFMON to load): whatever else differs, not EPERM. */
	{
		union bpf_attr a;
		long r[2];

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.raw_tracepoint.name =
				(uint64_t)(uintptr_t) "sched_switch";
			a.raw_tracepoint.prog_fd = (uint32_t)f->rtprog[s];
			r[s] = side_bpf(s, BPF_RAW_TRACEPOINT_OPEN, &a);
		}
		cases++;
		if ((r[0] == -EPERM) != (r[1] == -EPERM))
			mismatch(
				"RAW_TRACEPOINT_OPEN of a root-loaded program: kernel %s, kbpf %s",
				res(r[0]), res(r[1]));
		side_close(SIDE_KERNEL, r[0]);
		side_close(SIDE_KBPF, r[1]);
	}
	/* A program keeps its loader's privilege: one that calls a
	 * CAP_PERFMON helper, loaded by root, runs for anyone. */
	{
		uint64_t data[8] = { 0 };
		union bpf_attr a;
		long r[2];

		for (int s = 0; s < 2; s++) {
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)f->task[s];
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = sizeof(data);
			a.test.repeat = 1;
			r[s] = side_bpf(s, BPF_PROG_TEST_RUN, &a);
		}
		cmp("PROG_TEST_RUN of a root-loaded program calling get_current_task",
		    r[0], r[1]);
	}
	if (cg >= 0)
		close(cg);
}

KBPF_TEST(
	priv_commands,
	"the commands Linux restricts (GET_NEXT_ID, GET_FD_BY_ID, TASK_FD_QUERY, ENABLE_STATS: CAP_SYS_ADMIN; BTF_LOAD: CAP_BPF; PROG_QUERY: CAP_NET_ADMIN, before its attribute checks) give its EPERM in its order, and the others stay open to programs root loaded")
{
	static const unsigned long long caps[] = { C_NONE, C_BPF, C_PERFMON,
						   C_NET,  C_SYS, ~0ull };

	run_each("commands", 0, caps, commands_body, NULL);
}

/* ---- verifier rules that depend on the loader's privilege -------------- */

struct vcase {
	const char *name;
	uint32_t type;
	int map; /* insn 0-1 load a fixture: 1 array, 2 lru_hash, 3 prog_array */
	int refuse_or_stop; /* kbpf has no verifier for this: see leaks */
	int bpf_only_note; /* CAP_BPF alone: verifier precision, printed */
	uint32_t n;
	struct bpf_insn p[12];
};

static const struct vcase vcases[] = {
	/*
	 * Bounded loops (back-edges) need CAP_BPF. With CAP_BPF alone
	 * Linux 6.18 still refuses this loop ("infinite loop detected": no
	 * CAP_PERFMON, less precise tracking), which kbpf without a
	 * verifier cannot reproduce; that case is printed, not failed.
	 */
	{ "bounded loop",
	  BPF_PROG_TYPE_SOCKET_FILTER,
	  0,
	  0,
	  1,
	  4,
	  { MOVK(0, 0), ADDK(0, 1), I(BPF_JMP | BPF_JLT | BPF_K, 0, 0, -2, 10),
	    EXIT } },
	/* So do bpf-to-bpf calls. */
	{ "bpf-to-bpf call",
	  BPF_PROG_TYPE_SOCKET_FILTER,
	  0,
	  0,
	  0,
	  4,
	  { I(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 1), EXIT, MOVK(0, 0),
	    EXIT } },
	/* An LRU hash (which needs CAP_BPF to create) used by a program
	 * loaded without it. */
	{ "lookup in a root-created LRU hash",
	  BPF_PROG_TYPE_SOCKET_FILTER,
	  2,
	  0,
	  0,
	  9,
	  { LD_MAP(1, 0), I(0, 0, 0, 0, 0),
	    I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0), MOV(2, 10), ADDK(2, -4),
	    CALL(BPF_FUNC_map_lookup_elem), MOVK(0, 0), EXIT } },
	/* Reading stack never written: Linux allows it to CAP_PERFMON. */
	{ "read uninitialised stack",
	  BPF_PROG_TYPE_SOCKET_FILTER,
	  0,
	  1,
	  0,
	  3,
	  { I(BPF_LDX | BPF_MEM | BPF_DW, 0, 10, -8, 0), MOVK(0, 0), EXIT } },
	/* A tail call from a program loaded without CAP_BPF. */
	{ "tail call",
	  BPF_PROG_TYPE_SOCKET_FILTER,
	  3,
	  0,
	  0,
	  6,
	  { LD_MAP(2, 0), I(0, 0, 0, 0, 0), MOVK(3, 0),
	    CALL(BPF_FUNC_tail_call), MOVK(0, 0), EXIT } },
};

static long fixture_map(const struct fx *f, int which, int s)
{
	return which == 1 ? f->amap[s] : which == 2 ? f->lru[s] : f->parr[s];
}

static void verifier_body(struct fx *f, const void *arg)
{
	static char log[16384];

	(void)arg;
	for (size_t i = 0; i < sizeof(vcases) / sizeof(*vcases); i++) {
		const struct vcase *v = &vcases[i];
		struct bpf_insn p[2][12];
		long k, m;

		for (int s = 0; s < 2; s++) {
			memcpy(p[s], v->p, sizeof(p[s]));
			if (v->map)
				p[s][0].imm =
					(int32_t)fixture_map(f, v->map, s);
		}
		k = prog_load(SIDE_KERNEL, v->type, 0, 0, p[0], v->n, log,
			      sizeof(log));
		m = prog_load(SIDE_KBPF, v->type, 0, 0, p[1], v->n, NULL, 0);
		if (v->refuse_or_stop && k < 0 && m >= 0) {
			uint64_t data[8] = { 0 };
			union bpf_attr a;
			long run;
			int n;
			const char *why = log_why(log, &n);

			cases++;
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)m;
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = sizeof(data);
			a.test.repeat = 1;
			run = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
			if (run < 0)
				note("'%s': kernel %s, kbpf loads and its run fails (%s)",
				     v->name, res(k), res(run));
			else
				mismatch(
					"'%s': kernel %s (%.*s), kbpf loads and runs",
					v->name, res(k), n, why);
		} else if (v->refuse_or_stop && k < 0) {
			cases++;
			note("'%s': kernel %s, kbpf refuses the load (%s)",
			     v->name, res(k), res(m));
		} else {
			int n;
			const char *why = log_why(log, &n);

			cases++;
			if (v->bpf_only_note && (cur_caps & C_BPF) &&
			    !(cur_caps & (C_PERFMON | C_SYS))) {
				if (!same_result(k, m))
					note("'%s' with CAP_BPF alone: kernel %s (%.*s), kbpf %s",
					     v->name, res(k), k < 0 ? n : 0,
					     why, res(m));
			} else if (!same_result(k, m))
				mismatch("'%s': kernel %s (%.*s), kbpf %s",
					 v->name, res(k), k < 0 ? n : 0, why,
					 res(m));
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, m);
	}
}

KBPF_TEST(
	priv_verifier_rules,
	"bounded loops and bpf-to-bpf calls need CAP_BPF, a program loaded without it may still use maps root created and tail calls, and reading uninitialised stack needs CAP_PERFMON, as in Linux")
{
	static const unsigned long long caps[] = { C_NONE,    C_BPF,
						   C_PERFMON, C_BPF | C_PERFMON,
						   C_SYS,     ~0ull };

	run_each("verifier_rules", 0, caps, verifier_body, NULL);
}

/* ---- OBJ_GET_INFO_BY_FD filtering --------------------------------------- */

static void info_body(struct fx *f, const void *arg)
{
	struct bpf_prog_info in[2];
	uint32_t ids[2][4];
	unsigned char x[2][256];
	uint32_t len[2];
	long r[2];

	(void)arg;
	for (int s = 0; s < 2; s++) {
		union bpf_attr a;

		memset(&in[s], 0, sizeof(in[s]));
		memset(ids[s], 0, sizeof(ids[s]));
		memset(x[s], 0xaa, sizeof(x[s]));
		in[s].nr_map_ids = 4;
		in[s].map_ids = (uint64_t)(uintptr_t)ids[s];
		in[s].xlated_prog_len = sizeof(x[s]);
		in[s].xlated_prog_insns = (uint64_t)(uintptr_t)x[s];
		memset(&a, 0, sizeof(a));
		a.info.bpf_fd = (uint32_t)f->mapprog[s];
		a.info.info = (uint64_t)(uintptr_t)&in[s];
		a.info.info_len = sizeof(in[s]);
		r[s] = side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
		len[s] = a.info.info_len;
	}
	cmp("OBJ_GET_INFO_BY_FD prog", r[0], r[1]);
	if (r[0] || r[1])
		return;
#define SAME(field)                                                \
	do {                                                       \
		cases++;                                           \
		if (in[0].field != in[1].field)                    \
			mismatch("prog info " #field               \
				 ": kernel %llu, kbpf %llu",       \
				 (unsigned long long)in[0].field,  \
				 (unsigned long long)in[1].field); \
	} while (0)
		/* Zero where the kernel zeroes it (kbpf has no JIT: with CAP_BPF
	 * the kernel's jited fields are not kbpf's). */
#define ZERO_IF_KERNEL(field)                                                 \
	do {                                                                  \
		cases++;                                                      \
		if (!in[0].field && in[1].field)                              \
			mismatch("prog info " #field ": kernel 0, kbpf %llu", \
				 (unsigned long long)in[1].field);            \
	} while (0)
	cases++;
	if (len[0] != len[1])
		mismatch("prog info_len: kernel %u, kbpf %u", len[0], len[1]);
	SAME(type);
	SAME(nr_map_ids);
	SAME(gpl_compatible);
	SAME(nr_func_info);
	SAME(nr_line_info);
	SAME(nr_jited_line_info);
	ZERO_IF_KERNEL(jited_prog_len);
	ZERO_IF_KERNEL(nr_jited_ksyms);
	ZERO_IF_KERNEL(nr_jited_func_lens);
	ZERO_IF_KERNEL(nr_prog_tags);
	cases++;
	if (!in[0].xlated_prog_len != !in[1].xlated_prog_len)
		mismatch("prog info xlated_prog_len: kernel %u, kbpf %u",
			 in[0].xlated_prog_len, in[1].xlated_prog_len);
	cases++;
	if (!ids[0][0] != !ids[1][0])
		mismatch("prog info map_ids[0]: kernel %s, kbpf %s",
			 ids[0][0] ? "set" : "0", ids[1][0] ? "set" : "0");
	/* Without CAP_BPF no instruction is copied out. */
	cases++;
	if (x[0][0] == 0xaa && x[1][0] != 0xaa)
		mismatch(
			"xlated_prog_insns buffer: kernel untouched, kbpf written");
	/* Not privilege rules: printed, not failed. */
	if (x[0][0] != 0xaa && x[1][0] == 0xaa)
		note("xlated_prog_insns buffer: kernel written, kbpf untouched");
	if (in[0].func_info_rec_size != in[1].func_info_rec_size ||
	    in[0].line_info_rec_size != in[1].line_info_rec_size ||
	    in[0].jited_line_info_rec_size != in[1].jited_line_info_rec_size)
		note("prog info record sizes (func, line, jited line): kernel %u %u %u, kbpf %u %u %u",
		     in[0].func_info_rec_size, in[0].line_info_rec_size,
		     in[0].jited_line_info_rec_size, in[1].func_info_rec_size,
		     in[1].line_info_rec_size, in[1].jited_line_info_rec_size);
#undef SAME
#undef ZERO_IF_KERNEL
	/* Map info is not filtered. */
	{
		struct bpf_map_info mi[2];

		for (int s = 0; s < 2; s++) {
			memset(&mi[s], 0, sizeof(mi[s]));
			len[s] = sizeof(mi[s]);
			r[s] = side_info(s, f->amap[s], &mi[s], &len[s]);
		}
		cmp("OBJ_GET_INFO_BY_FD map", r[0], r[1]);
		cases++;
		if (!r[0] && !r[1] &&
		    (mi[0].key_size != mi[1].key_size ||
		     mi[0].value_size != mi[1].value_size ||
		     mi[0].max_entries != mi[1].max_entries ||
		     !mi[0].id != !mi[1].id))
			mismatch("map info differs");
	}
}

KBPF_TEST(
	priv_prog_info,
	"OBJ_GET_INFO_BY_FD on a program zeroes the instruction and JIT fields for a caller without CAP_BPF (and copies no instructions) but keeps the map ids, as Linux does")
{
	static const unsigned long long caps[] = { C_NONE, C_NET, C_PERFMON,
						   C_BPF,  C_SYS, ~0ull };

	run_each("prog_info", 0, caps, info_body, NULL);
}

/* ---- pointer leaks ------------------------------------------------------ */

struct leak {
	const char *name;
	int always; /* refused even with CAP_PERFMON */
	uint32_t n;
	struct bpf_insn p[12];
};

/* Programs with "MAP" at insn 1 get the array map fixture there. */
static const struct leak leaks[] = {
	{ "return r10", 0, 2, { MOV(0, 10), EXIT } },
	{ "return ctx", 0, 2, { MOV(0, 1), EXIT } },
	{ "w0 = w10; return",
	  0,
	  2,
	  { I(BPF_ALU | BPF_MOV | BPF_X, 0, 10, 0, 0), EXIT } },
	{ "compare r10 with ctx",
	  0,
	  4,
	  { MOV(2, 10), I(BPF_JMP | BPF_JGT | BPF_X, 2, 1, 0, 0), MOVK(0, 0),
	    EXIT } },
	{ "r0 = r10; r0 *= 2",
	  1,
	  4,
	  { MOV(0, 10), I(BPF_ALU64 | BPF_MUL | BPF_K, 0, 0, 0, 2), MOVK(0, 0),
	    EXIT } },
	{ "ctx += r10",
	  1,
	  3,
	  { I(BPF_ALU64 | BPF_ADD | BPF_X, 1, 10, 0, 0), MOVK(0, 0), EXIT } },
	{ "store r10 into a map value",
	  0,
	  10,
	  { I(BPF_ST | BPF_MEM | BPF_W, 10, 0, -4, 0), LD_MAP(1, 0),
	    I(0, 0, 0, 0, 0), MOV(2, 10), ADDK(2, -4),
	    CALL(BPF_FUNC_map_lookup_elem),
	    I(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1, 0),
	    I(BPF_STX | BPF_MEM | BPF_DW, 0, 10, 0, 0), MOVK(0, 0), EXIT } },
};

static void leaks_body(struct fx *f, const void *arg)
{
	static char log[16384];
	unsigned long long perfmon = cur_caps & (C_PERFMON | C_SYS);

	(void)arg;
	for (size_t i = 0; i < sizeof(leaks) / sizeof(*leaks); i++) {
		struct bpf_insn p[2][12];
		uint64_t data[8] = { 0 };
		union bpf_attr a;
		long k, m, run;
		const char *why;
		int n;

		for (int s = 0; s < 2; s++) {
			memcpy(p[s], leaks[i].p, sizeof(p[s]));
			if (p[s][1].code == (BPF_LD | BPF_DW | BPF_IMM))
				p[s][1].imm = (int32_t)f->amap[s];
		}
		k = prog_load(SIDE_KERNEL, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0,
			      p[0], leaks[i].n, log, sizeof(log));
		m = prog_load(SIDE_KBPF, BPF_PROG_TYPE_SOCKET_FILTER, 0, 0,
			      p[1], leaks[i].n, NULL, 0);
		cases++;
		if (perfmon && !leaks[i].always) {
			/* Allowed to leak: both load it. */
			if (k < 0 || m < 0)
				mismatch(
					"leak '%s' with CAP_PERFMON: kernel %s, kbpf %s",
					leaks[i].name, res(k), res(m));
		} else if (k >= 0) {
			mismatch("leak '%s': the kernel loaded it",
				 leaks[i].name);
		} else if (m < 0) {
			note("leak '%s': kernel %s, kbpf refuses the load (%s)",
			     leaks[i].name, res(k), res(m));
		} else {
			memset(&a, 0, sizeof(a));
			a.test.prog_fd = (uint32_t)m;
			a.test.data_in = (uint64_t)(uintptr_t)data;
			a.test.data_size_in = sizeof(data);
			a.test.repeat = 1;
			run = side_bpf(SIDE_KBPF, BPF_PROG_TEST_RUN, &a);
			why = log_why(log, &n);
			if (run < 0)
				note("leak '%s': kernel %s, kbpf loads and its run fails (%s)",
				     leaks[i].name, res(k), res(run));
			else if (perfmon)
				/*
				 * Checked runs apply the pointer rules to
				 * loaders without CAP_PERFMON only (no cost
				 * for the others); what Linux refuses to
				 * every loader waits for the verifier (#13).
				 */
				note("leak '%s' with CAP_PERFMON: kernel %s (%.*s), kbpf runs it (no verifier yet)",
				     leaks[i].name, res(k), n, why);
			else
				mismatch(
					"leak '%s': kernel %s (%.*s), kbpf loads and runs (retval %#x)",
					leaks[i].name, res(k), n, why,
					a.test.retval);
		}
		side_close(SIDE_KERNEL, k);
		side_close(SIDE_KBPF, m);
	}
}

KBPF_TEST(
	priv_pointer_leaks,
	"programs that leak a pointer (return it, store it in a map, compare it, copy half of it) are refused by Linux without CAP_PERFMON; kbpf refuses them or stops their run, and loads the leaks CAP_PERFMON allows")
{
	static const unsigned long long caps[] = { C_NONE, C_BPF, C_NET,
						   C_BPF | C_PERFMON, ~0ull };

	run_each("pointer_leaks", 0, caps, leaks_body, NULL);
}
