// SPDX-License-Identifier: MIT
/*
 * A plain program that uses bpf fds the way libbpf and bpftool do and
 * prints what it sees, one line per step: run once on the kernel and once
 * under LD_PRELOAD=libkbpf-preload.so, the two transcripts must be equal
 * (test_preload_fds, through tests/tools/test_preload_transcript.sh). It
 * covers what kbpf-preload routes besides bpf(2) itself: dup, dup2, dup3, fcntl(F_DUPFD[_CLOEXEC]) of a
 * kbpf fd (the copy names the same map, keeps it alive after the original
 * is closed, and a dup2 over a kbpf fd releases it), the readlink of
 * /proc/self/fd/N, the fdinfo lines (ids and memlock left out: they
 * differ legitimately), mmap of an mmapable array through a dup, ioctl on
 * a map fd, perf_event_open and its ioctls, and errno for closed fds; with
 * a bpffs directory as argument, statfs, mkdir, rmdir, unlink, pins and
 * gets in it (the script mounts one for the kernel; the shim's private
 * bpffs is KBPF_PRELOAD_BPFFS).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

static long sys_bpf(int cmd, union bpf_attr *attr)
{
	long r = syscall(SYS_bpf, cmd, attr, sizeof(*attr));

	return r < 0 ? -errno : r;
}

static int map_create(uint32_t type, uint32_t value_size, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_type = type;
	a.key_size = 4;
	a.value_size = value_size;
	a.max_entries = 4;
	a.map_flags = flags;
	return (int)sys_bpf(BPF_MAP_CREATE, &a);
}

static long update(int fd, uint32_t key, uint64_t value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&value;
	return sys_bpf(BPF_MAP_UPDATE_ELEM, &a);
}

static long lookup(int fd, uint32_t key, uint64_t *value)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)fd;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)value;
	return sys_bpf(BPF_MAP_LOOKUP_ELEM, &a);
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info info;
	union bpf_attr a;

	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uintptr_t)&info;
	return sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) ? 0 : info.id;
}

static void show_link(const char *what, int fd)
{
	char path[64], buf[128];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	printf("%s: readlink %s\n", what, n < 0 ? strerror(errno) : buf);
}

/* The fdinfo lines, without those that differ legitimately. */
static void show_fdinfo(const char *what, int fd)
{
	/*
	 * prog_jited, owner_jited: kbpf interprets; verified_insns: its
	 * verifier is off.
	 */
	static const char *const skip[] = {
		"pos:",		"mnt_id:",     "ino:",
		"memlock:",	"map_id:",     "prog_id:",
		"run_time_ns:", "prog_jited:", "verified_insns:",
		"owner_jited:",
	};
	char path[64], line[256];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f) {
		printf("%s: fdinfo %s\n", what, strerror(errno));
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		size_t i;

		for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
			if (!strncmp(line, skip[i], strlen(skip[i])))
				break;
		if (i == sizeof(skip) / sizeof(skip[0]))
			printf("%s: fdinfo %s", what, line);
	}
	fclose(f);
	/* The same through open(2), as libbpf reads it. */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	printf("%s: open fdinfo %s\n", what, fd < 0 ? strerror(errno) : "ok");
	if (fd >= 0)
		close(fd);
}

/*
 * A socket filter returning bpf_get_smp_processor_id(), run with
 * BPF_PROG_TEST_RUN on the thread pinned to each allowed CPU in turn (at
 * most 8): the CPU a program sees is the one the thread runs on.
 */
static void prog_cpu(void)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_JMP | BPF_CALL,
		  .imm = BPF_FUNC_get_smp_processor_id },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	unsigned char pkt[64] = { 0 };
	cpu_set_t all, one;
	union bpf_attr a;
	uint32_t key = 0;
	int fd, pa, n = 0;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uintptr_t)insns;
	a.insn_cnt = 2;
	a.license = (uintptr_t) "GPL";
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd < 0) {
		printf("prog load: %s\n", strerror(-fd));
		return;
	}
	show_link("prog", fd);
	show_fdinfo("prog", fd);
	/* A prog array shows its owner once a program is in it. */
	pa = map_create(BPF_MAP_TYPE_PROG_ARRAY, 4, 0);
	show_fdinfo("prog array", pa);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)pa;
	a.key = (uintptr_t)&key;
	a.value = (uintptr_t)&fd;
	printf("prog array update: %ld\n", sys_bpf(BPF_MAP_UPDATE_ELEM, &a));
	show_fdinfo("owned prog array", pa);
	close(pa);
	if (sched_getaffinity(0, sizeof(all), &all))
		return;
	for (int cpu = 0; cpu < CPU_SETSIZE && n < 8; cpu++) {
		long r;

		if (!CPU_ISSET(cpu, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			continue;
		memset(&a, 0, sizeof(a));
		a.test.prog_fd = (uint32_t)fd;
		a.test.data_in = (uintptr_t)pkt;
		a.test.data_size_in = sizeof(pkt);
		r = sys_bpf(BPF_PROG_TEST_RUN, &a);
		printf("run on the thread's CPU #%d: %ld, sees its CPU: %d\n",
		       n, r, a.test.retval == (uint32_t)cpu);
		n++;
	}
	sched_setaffinity(0, sizeof(all), &all);
	close(fd);
}

static void say(const char *what, long r)
{
	printf("%s: %ld %s\n", what, r, r < 0 ? strerror(errno) : "");
}

static long obj_path(int cmd, int fd, const char *path)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.bpf_fd = (uint32_t)fd;
	a.pathname = (uintptr_t)path;
	r = syscall(SYS_bpf, cmd, &a, sizeof(a));
	if (r >= 0 && cmd == BPF_OBJ_GET) {
		close((int)r);
		r = 0; /* the fd number itself differs */
	}
	return r;
}

static void bpffs(const char *root)
{
	char d[512], m[512], p[512];
	struct statfs st;
	int map = map_create(BPF_MAP_TYPE_ARRAY, 8, 0);

	snprintf(d, sizeof(d), "%s/dir", root);
	snprintf(m, sizeof(m), "%s/dir/map", root);
	say("statfs root", statfs(root, &st));
	printf("bpffs magic: %d\n", st.f_type == 0xcafe4a11);
	say("statfs missing", statfs(d, &st));
	say("mkdir", mkdir(d, 0700));
	say("mkdir again", mkdir(d, 0700));
	snprintf(p, sizeof(p), "%s/nodir/sub", root);
	say("mkdir without parent", mkdir(p, 0700));
	say("statfs dir", statfs(d, &st));
	say("pin in dir", obj_path(BPF_OBJ_PIN, map, m));
	say("pin again", obj_path(BPF_OBJ_PIN, map, m));
	say("pin onto the dir", obj_path(BPF_OBJ_PIN, map, d));
	snprintf(p, sizeof(p), "%s/dir/map/below", root);
	say("pin below a pin", obj_path(BPF_OBJ_PIN, map, p));
	snprintf(p, sizeof(p), "%s/nodir/map", root);
	say("pin without parent", obj_path(BPF_OBJ_PIN, map, p));
	say("get pin", obj_path(BPF_OBJ_GET, 0, m));
	say("get dir", obj_path(BPF_OBJ_GET, 0, d));
	say("statfs pin", statfs(m, &st));
	say("rmdir non-empty", rmdir(d));
	say("unlink dir", unlink(d));
	say("rmdir pin", rmdir(m));
	say("unlink pin", unlink(m));
	say("get unlinked", obj_path(BPF_OBJ_GET, 0, m));
	say("rmdir", rmdir(d));
	say("rmdir again", rmdir(d));
	close(map);
}

int main(int argc, char **argv)
{
	int hash = map_create(BPF_MAP_TYPE_HASH, 8, 0), d1, d2, d3, d4, tmp;
	int arr = map_create(BPF_MAP_TYPE_ARRAY, 8, BPF_F_MMAPABLE);
	uint32_t id = map_id(hash);
	struct perf_event_attr pa;
	union bpf_attr a;
	uint64_t v = 0;
	volatile uint64_t *vals;
	long r;
	int pe;

	if (hash < 0 || arr < 0) {
		printf("map create: %s\n", strerror(-(hash < 0 ? hash : arr)));
		return 1;
	}
	printf("update: %ld\n", update(hash, 1, 11));
	show_link("hash", hash);
	show_fdinfo("hash", hash);

	d1 = dup(hash);
	d2 = fcntl(hash, F_DUPFD_CLOEXEC, 100);
	d3 = fcntl(hash, F_DUPFD, 0);
	printf("dup: %d, F_DUPFD_CLOEXEC >= 100: %d, cloexec %d/%d\n", d1 >= 0,
	       d2 >= 100, !!(fcntl(d2, F_GETFD) & FD_CLOEXEC),
	       !!(fcntl(d3, F_GETFD) & FD_CLOEXEC));
	printf("same map: %d %d %d\n", map_id(d1) == id, map_id(d2) == id,
	       map_id(d3) == id);
	close(hash);
	r = lookup(d1, 1, &v);
	printf("after closing the original: lookup via dup %ld value %lu\n", r,
	       (unsigned long)v);
	printf("closed fd: lookup %ld\n", lookup(hash, 1, &v));
	show_link("dup", d1);
	show_fdinfo("dup", d2);

	/* dup3 onto a fresh fd, as libbpf's bpf_map__reuse_fd does. */
	tmp = open("/", O_RDONLY | O_CLOEXEC);
	d4 = dup3(d1, tmp, O_CLOEXEC);
	printf("dup3: %d, cloexec %d, same map %d\n", d4 == tmp,
	       !!(fcntl(d4, F_GETFD) & FD_CLOEXEC), map_id(d4) == id);
	/* dup2 of another file over a kbpf fd: it stops being the map. */
	tmp = open("/dev/null", O_RDONLY);
	printf("dup2 over a map fd: %d\n", dup2(tmp, d3) == d3);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)d3;
	printf("lookup on it now: %ld\n", lookup(d3, 1, &v));
	printf("dup2 onto itself: %d\n", dup2(d1, d1) == d1);
	r = dup2(1000, d1);
	printf("dup2 of a closed fd: %ld %s\n", r, strerror(errno));
	printf("map still there via the other dups: %ld\n", lookup(d2, 1, &v));
	close(tmp);
	close(d3);

	/* ioctl on a map fd. */
	r = ioctl(d1, FIONREAD, &tmp);
	printf("ioctl on a map fd: %ld %s\n", r, strerror(errno));

	/* mmap of the mmapable array through a dup. */
	tmp = dup(arr);
	close(arr);
	vals = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, tmp, 0);
	printf("mmap via dup: %s\n",
	       vals == MAP_FAILED ? strerror(errno) : "ok");
	if (vals != MAP_FAILED) {
		vals[2] = 42;
		r = lookup(tmp, 2, &v);
		printf("value written through the mapping: %ld %lu\n", r,
		       (unsigned long)v);
		munmap((void *)vals, 4096);
	}
	show_fdinfo("array", tmp);
	memset(&a, 0, sizeof(a));
	a.map_fd = (uint32_t)tmp;
	printf("freeze: %ld\n", sys_bpf(BPF_MAP_FREEZE, &a));
	show_fdinfo("frozen array", tmp);
	close(tmp);

	/* A perf event for BPF output, its link and ioctls. */
	memset(&pa, 0, sizeof(pa));
	pa.size = sizeof(pa);
	pa.type = PERF_TYPE_SOFTWARE;
	pa.config = PERF_COUNT_SW_BPF_OUTPUT;
	pa.sample_type = PERF_SAMPLE_RAW;
	pe = (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1,
			  PERF_FLAG_FD_CLOEXEC);
	printf("perf_event_open: %s\n", pe < 0 ? strerror(errno) : "ok");
	if (pe >= 0) {
		show_link("perf", pe);
		r = ioctl(pe, PERF_EVENT_IOC_ENABLE, 0);
		printf("enable: %ld\n", r);
		r = ioctl(pe, PERF_EVENT_IOC_DISABLE, 0);
		printf("disable: %ld\n", r);
		tmp = dup(pe);
		show_link("perf dup", tmp);
		close(tmp);
		printf("perf fd cloexec with PERF_FLAG_FD_CLOEXEC: %d\n",
		       !!(fcntl(pe, F_GETFD) & FD_CLOEXEC));
		show_fdinfo("perf", pe);
		close(pe);
	}
	pe = (int)syscall(SYS_perf_event_open, &pa, -1, 0, -1, 0);
	if (pe >= 0) {
		printf("perf fd cloexec without the flag: %d\n",
		       !!(fcntl(pe, F_GETFD) & FD_CLOEXEC));
		show_fdinfo("perf", pe);
		close(pe);
	}
	close(d1);
	close(d2);
	close(d4);
	r = close(d1);
	printf("closed: close again %ld %s\n", r, strerror(errno));
	prog_cpu();
	if (argc > 1)
		bpffs(argv[1]);
	return 0;
}
