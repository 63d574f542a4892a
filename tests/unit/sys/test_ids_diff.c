// SPDX-License-Identifier: MIT
/*
 * The rest of bpf(2), issue #14, against the kernel: ids and the by-id
 * commands, BPF_PROG_BIND_MAP, BPF_ENABLE_STATS with the run statistics of
 * bpf_prog_info, and BPF_OBJ_PIN/BPF_OBJ_GET. Each case runs the same attr
 * on the kernel (side 0) and on kbpf through the POSIX host (side 1) and
 * compares results and errnos.
 *
 * Ids are compared by their semantics, not their values: the kernel has
 * objects of its own (and other processes'), so a walk from one of our ids
 * must reach our next one, in increasing order, on each side.
 *
 * Pins: the kernel side pins into the real /sys/fs/bpf (mounted here if it
 * is not; the test skips if it cannot be), the POSIX host into its private
 * table of the same paths (host/posix/bpffs.c). Every pin is removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "core/compiler.h"
#include "diff.h"
#include "insn.h"
#include "kbpf_posix.h"
#include "kbpf_test.h"

#define EXIT I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)
#define MOVK(d, k) I(BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, k)
#define LD_MAP(d, fd) I(BPF_LD | BPF_DW | BPF_IMM, d, BPF_PSEUDO_MAP_FD, 0, fd)
#define LD_HI I(0, 0, 0, 0, 0)

#define BPF_FS_MAGIC_ 0xcafe4a11
#define INT_MAX_ 0x7fffffffu

static long map_new(int s)
{
	return side_create(s, BPF_MAP_TYPE_ARRAY, 4, 8, 4, 0, 0, "ids");
}

/* A socket filter returning 0; with @map >= 0 it loads that map first. */
static long prog_new(int s, long map)
{
	struct bpf_insn p[] = { LD_MAP(1, (int)map), LD_HI, MOVK(0, 0), EXIT };
	union bpf_attr a;
	int skip = map < 0 ? 2 : 0;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insns = (uint64_t)(uintptr_t)(p + skip);
	a.insn_cnt = 4 - (uint32_t)skip;
	a.license = (uint64_t)(uintptr_t) "GPL";
	return side_bpf(s, BPF_PROG_LOAD, &a);
}

static uint32_t map_id(int s, long fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (side_info(s, fd, &info, &len))
		return 0;
	return info.id;
}

/* bpf_prog_info of @fd with up to 8 map ids in @ids. */
static long prog_info(int s, long fd, struct bpf_prog_info *info, uint32_t *ids)
{
	union bpf_attr a;

	memset(info, 0, sizeof(*info));
	info->nr_map_ids = 8;
	info->map_ids = (uint64_t)(uintptr_t)ids;
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(*info);
	a.info.info = (uint64_t)(uintptr_t)info;
	return side_bpf(s, BPF_OBJ_GET_INFO_BY_FD, &a);
}

static long next_id(int s, int cmd, uint32_t start, uint32_t *next)
{
	union bpf_attr a;
	long r;

	memset(&a, 0, sizeof(a));
	a.start_id = start;
	r = side_bpf(s, cmd, &a);
	*next = a.next_id;
	return r;
}

static long fd_by_id(int s, int cmd, uint32_t id, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.map_id = id;
	a.open_flags = flags;
	return side_bpf(s, cmd, &a);
}

static long test_run(int s, long fd, uint32_t repeat)
{
	uint8_t pkt[64] = { 0 };
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.test.prog_fd = (uint32_t)fd;
	a.test.data_in = (uint64_t)(uintptr_t)pkt;
	a.test.data_size_in = sizeof(pkt);
	a.test.repeat = repeat;
	return side_bpf(s, BPF_PROG_TEST_RUN, &a);
}

/* Walking from @from reaches @to, through increasing ids. */
static int walk_reaches(int s, int cmd, uint32_t from, uint32_t to)
{
	uint32_t id = from, next;

	for (int i = 0; i < 100000; i++) {
		if (next_id(s, cmd, id, &next))
			return 0;
		if (next <= id)
			return 0;
		if (next == to)
			return 1;
		if (next > to)
			return 0;
		id = next;
	}
	return 0;
}

KBPF_TEST(
	next_id_walks_in_order,
	"GET_NEXT_ID from a map's (program's) id reaches the next one created, in increasing order, and ends with ENOENT, on both sides")
{
	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		long m1 = map_new(s), m2 = map_new(s);
		long p1 = prog_new(s, -1), p2 = prog_new(s, -1);
		struct bpf_prog_info i1, i2;
		uint32_t id1, id2, ids[8], next;

		T_ASSERT(m1 >= 0 && m2 >= 0 && p1 >= 0 && p2 >= 0);
		id1 = map_id(s, m1);
		id2 = map_id(s, m2);
		T_ASSERT(id1 && id2 > id1);
		T_ASSERT(walk_reaches(s, BPF_MAP_GET_NEXT_ID, id1, id2));
		T_ASSERT(walk_reaches(s, BPF_MAP_GET_NEXT_ID, 0, id1));
		T_EQ(prog_info(s, p1, &i1, ids), 0);
		T_EQ(prog_info(s, p2, &i2, ids), 0);
		T_ASSERT(i1.id && i2.id > i1.id);
		T_ASSERT(walk_reaches(s, BPF_PROG_GET_NEXT_ID, i1.id, i2.id));
		/* A closed object's id is skipped. */
		side_close(s, m1);
		T_ASSERT(!walk_reaches(s, BPF_MAP_GET_NEXT_ID, 0, id1));
		for (int c = 0; c < 4; c++) {
			static const int cmds[] = { BPF_MAP_GET_NEXT_ID,
						    BPF_PROG_GET_NEXT_ID,
						    BPF_LINK_GET_NEXT_ID,
						    BPF_BTF_GET_NEXT_ID };

			T_EQ(next_id(s, cmds[c], INT_MAX_ - 1, &next), -ENOENT);
			T_EQ(next_id(s, cmds[c], INT_MAX_, &next), -EINVAL);
			T_EQ(next_id(s, cmds[c], 0xffffffffu, &next), -EINVAL);
		}
		side_close(s, m2);
		side_close(s, p1);
		side_close(s, p2);
	}
}

KBPF_TEST(
	btf_ids_none,
	"kbpf has no BTF objects yet: BTF_GET_NEXT_ID and BTF_GET_FD_BY_ID give ENOENT (the kernel has its vmlinux BTF)")
{
	uint32_t next;

	T_EQ(next_id(SIDE_KBPF, BPF_BTF_GET_NEXT_ID, 0, &next), -ENOENT);
	T_EQ(fd_by_id(SIDE_KBPF, BPF_BTF_GET_FD_BY_ID, 1, 0), -ENOENT);
	T_EQ(fd_by_id(SIDE_KBPF, BPF_BTF_GET_FD_BY_ID, 1, BPF_F_RDONLY),
	     -EINVAL);
}

KBPF_TEST(
	map_fd_by_id,
	"MAP_GET_FD_BY_ID: a new fd on a live map, its access from open_flags, EINVAL for bad or conflicting flags, ENOENT for id 0 and a closed map")
{
	static const uint32_t flags[] = { 0,
					  BPF_F_RDONLY,
					  BPF_F_WRONLY,
					  BPF_F_RDONLY | BPF_F_WRONLY,
					  1,
					  BPF_F_RDONLY_PROG,
					  BPF_F_TOKEN_FD };

	NEED_KERNEL();
	for (size_t f = 0; f < KBPF_ARRAY_SIZE(flags); f++) {
		long r[2], upd[2], look[2];

		for (int s = 0; s < 2; s++) {
			long m = map_new(s);
			uint32_t k = 0, id = map_id(s, m);
			uint64_t v = 7;

			T_ASSERT(m >= 0 && id);
			r[s] = fd_by_id(s, BPF_MAP_GET_FD_BY_ID, id, flags[f]);
			upd[s] = look[s] = -1;
			if (r[s] >= 0) {
				T_EQ(map_id(s, r[s]), id);
				upd[s] = side_elem(s, BPF_MAP_UPDATE_ELEM, r[s],
						   &k, &v, 0);
				look[s] = side_elem(s, BPF_MAP_LOOKUP_ELEM,
						    r[s], &k, &v, 0);
				side_close(s, r[s]);
			}
			side_close(s, m);
			/* Closed: the id is gone. */
			T_EQ(fd_by_id(s, BPF_MAP_GET_FD_BY_ID, id, flags[f]),
			     flags[f] == 0 ? -ENOENT :
			     r[s] < 0	   ? r[s] :
					     -ENOENT);
		}
		if (!same_result(r[0], r[1]) || upd[0] != upd[1] ||
		    look[0] != look[1])
			T_FAIL("flags %#x: kernel %ld/%ld/%ld kbpf %ld/%ld/%ld",
			       flags[f], r[0], upd[0], look[0], r[1], upd[1],
			       look[1]);
	}
	for (int s = 0; s < 2; s++)
		T_EQ(fd_by_id(s, BPF_MAP_GET_FD_BY_ID, 0, 0), -ENOENT);
}

KBPF_TEST(
	prog_link_fd_by_id,
	"PROG_GET_FD_BY_ID gives a working fd on a live program, EINVAL for any open_flags, ENOENT once closed; LINK_GET_FD_BY_ID refuses flags and unknown ids")
{
	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		struct bpf_prog_info info, again;
		uint32_t ids[8];
		long p = prog_new(s, -1), fd;

		T_ASSERT(p >= 0);
		T_EQ(prog_info(s, p, &info, ids), 0);
		fd = fd_by_id(s, BPF_PROG_GET_FD_BY_ID, info.id, 0);
		T_ASSERT(fd >= 0);
		T_EQ(prog_info(s, fd, &again, ids), 0);
		T_EQ(again.id, info.id);
		T_EQ(test_run(s, fd, 1), 0);
		T_EQ(fd_by_id(s, BPF_PROG_GET_FD_BY_ID, info.id, BPF_F_RDONLY),
		     -EINVAL);
		T_EQ(fd_by_id(s, BPF_PROG_GET_FD_BY_ID, info.id,
			      BPF_F_TOKEN_FD),
		     -EINVAL);
		side_close(s, fd);
		side_close(s, p);
		T_EQ(fd_by_id(s, BPF_PROG_GET_FD_BY_ID, info.id, 0), -ENOENT);
		T_EQ(fd_by_id(s, BPF_PROG_GET_FD_BY_ID, 0, 0), -ENOENT);
		T_EQ(fd_by_id(s, BPF_LINK_GET_FD_BY_ID, INT_MAX_ - 1, 0),
		     -ENOENT);
		T_EQ(fd_by_id(s, BPF_LINK_GET_FD_BY_ID, 1, BPF_F_RDONLY),
		     -EINVAL);
	}
}

static long bind_map(int s, long prog, long map, uint32_t flags)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.prog_bind_map.prog_fd = (uint32_t)prog;
	a.prog_bind_map.map_fd = (uint32_t)map;
	a.prog_bind_map.flags = flags;
	return side_bpf(s, BPF_PROG_BIND_MAP, &a);
}

KBPF_TEST(
	prog_bind_map,
	"PROG_BIND_MAP adds a map to bpf_prog_info's map ids once, after the program's own; EINVAL for flags and wrong fd kinds, EBADF for closed fds")
{
	NEED_KERNEL();
	for (int s = 0; s < 2; s++) {
		long a = map_new(s), b = map_new(s), p;
		struct bpf_prog_info info;
		uint32_t ids[8] = { 0 };

		T_ASSERT(a >= 0 && b >= 0);
		p = prog_new(s, a);
		T_ASSERT(p >= 0);
		T_EQ(bind_map(s, p, b, 0), 0);
		T_EQ(bind_map(s, p, b, 0), 0);
		T_EQ(bind_map(s, p, a, 0), 0);
		T_EQ(prog_info(s, p, &info, ids), 0);
		T_EQ(info.nr_map_ids, 2);
		T_EQ(ids[0], map_id(s, a));
		T_EQ(ids[1], map_id(s, b));
		/* The program keeps the bound map alive. */
		side_close(s, b);
		T_EQ(prog_info(s, p, &info, ids), 0);
		T_EQ(info.nr_map_ids, 2);
		T_EQ(bind_map(s, p, a, 1), -EINVAL);
		T_EQ(bind_map(s, -1, a, 0), -EBADF);
		T_EQ(bind_map(s, 9999, a, 0), -EBADF);
		T_EQ(bind_map(s, p, -1, 0), -EBADF);
		T_EQ(bind_map(s, a, a, 0), -EINVAL);
		T_EQ(bind_map(s, p, p, 0), -EINVAL);
		T_EQ(bind_map(s, p, 0, 0), -EINVAL); /* stdin */
		side_close(s, a);
		side_close(s, p);
	}
}

static long enable_stats(int s, uint32_t type)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.enable_stats.type = type;
	return side_bpf(s, BPF_ENABLE_STATS, &a);
}

static int sysctl_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

KBPF_TEST(
	enable_stats_run_cnt,
	"ENABLE_STATS: EINVAL for an unknown type; while its fd is open test runs count in run_cnt (repeat included) and run_time_ns grows; closed, counting stops")
{
	NEED_KERNEL();
	if (sysctl_stats_enabled() != 0)
		T_SKIP("kernel.bpf_stats_enabled is on: the kernel always counts");
	for (int s = 0; s < 2; s++) {
		struct bpf_prog_info info;
		uint32_t ids[8];
		long p = prog_new(s, -1), st;

		T_ASSERT(p >= 0);
		T_EQ(enable_stats(s, 1), -EINVAL);
		T_EQ(enable_stats(s, 0xffffffffu), -EINVAL);
		for (int i = 0; i < 3; i++)
			T_EQ(test_run(s, p, 1), 0);
		T_EQ(prog_info(s, p, &info, ids), 0);
		T_EQ(info.run_cnt, 0);
		T_EQ(info.run_time_ns, 0);
		st = enable_stats(s, BPF_STATS_RUN_TIME);
		T_ASSERT(st >= 0);
		for (int i = 0; i < 5; i++)
			T_EQ(test_run(s, p, 1), 0);
		T_EQ(test_run(s, p, 4), 0);
		T_EQ(prog_info(s, p, &info, ids), 0);
		T_EQ(info.run_cnt, 9);
		T_ASSERT(info.run_time_ns > 0);
		T_EQ(info.recursion_misses, 0);
		/* Not an object info knows. */
		{
			struct bpf_map_info mi;
			uint32_t len = sizeof(mi);

			T_EQ(side_info(s, st, &mi, &len), -EINVAL);
		}
		side_close(s, st);
		for (int i = 0; i < 3; i++)
			T_EQ(test_run(s, p, 1), 0);
		T_EQ(prog_info(s, p, &info, ids), 0);
		T_EQ(info.run_cnt, 9);
		side_close(s, p);
	}
}

/* ---- pins ---- */

static int bpffs_mounted_here;

/* /sys/fs/bpf is a BPF file system, mounted by us if need be. */
static const char *bpffs_ready(void)
{
	struct statfs sf;

	if (!statfs("/sys/fs/bpf", &sf) && sf.f_type == BPF_FS_MAGIC_)
		return NULL;
	if (mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL))
		return "cannot mount bpffs on /sys/fs/bpf";
	bpffs_mounted_here = 1;
	return NULL;
}

static long obj_pin(int s, long fd, const char *path, uint32_t flags,
		    int path_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.bpf_fd = (uint32_t)fd;
	a.pathname = (uint64_t)(uintptr_t)path;
	a.file_flags = flags;
	a.path_fd = path_fd;
	return side_bpf(s, BPF_OBJ_PIN, &a);
}

static long obj_get(int s, const char *path, uint32_t flags, int path_fd,
		    uint32_t bpf_fd)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.bpf_fd = bpf_fd;
	a.pathname = (uint64_t)(uintptr_t)path;
	a.file_flags = flags;
	a.path_fd = path_fd;
	return side_bpf(s, BPF_OBJ_GET, &a);
}

static void unpin(int s, const char *path)
{
	if (s == SIDE_KERNEL)
		unlink(path);
	else
		kbpf_posix_unpin(path);
}

KBPF_TEST(
	pin_get,
	"OBJ_PIN/OBJ_GET: pins keep objects, gets give fds with the asked access; EEXIST, ENOENT, EPERM outside bpffs, EACCES for non-pins, EINVAL for flags, path_fd and fd rules, EFAULT/ENOENT for bad paths")
{
	char pm[64], pp[64], rel[32], missing[64];
	long res[2][24];
	const char *why;
	int dirfd;

	NEED_KERNEL();
	why = bpffs_ready();
	if (why)
		T_SKIP("%s", why);
	snprintf(pm, sizeof(pm), "/sys/fs/bpf/kbpf_ctl_%d_m", (int)getpid());
	snprintf(pp, sizeof(pp), "/sys/fs/bpf/kbpf_ctl_%d_p", (int)getpid());
	snprintf(rel, sizeof(rel), "kbpf_ctl_%d_r", (int)getpid());
	snprintf(missing, sizeof(missing), "/sys/fs/bpf/kbpf_ctl_%d_none/x",
		 (int)getpid());
	dirfd = open("/sys/fs/bpf", O_RDONLY | O_DIRECTORY);
	T_ASSERT(dirfd >= 0);
	for (int s = 0; s < 2; s++) {
		long m = map_new(s), p = prog_new(s, -1), st, fd, g;
		uint32_t id = map_id(s, m), k = 0;
		uint64_t v = 1;
		char relabs[96];
		long r[24];
		int n = 0;

		T_ASSERT(m >= 0 && p >= 0);
		st = enable_stats(s, BPF_STATS_RUN_TIME);
		T_ASSERT(st >= 0);
		T_EQ(obj_pin(s, m, pm, 0, 0), 0);
		T_EQ(obj_pin(s, p, pp, 0, 0), 0);
		r[n++] = obj_pin(s, m, pm, 0, 0); /* EEXIST */
		r[n++] = obj_pin(s, p, pm, 0, 0); /* EEXIST */
		r[n++] = obj_pin(s, m, missing, 0, 0); /* ENOENT */
		r[n++] = obj_pin(s, m, "/tmp", 0, 0); /* EEXIST */
		r[n++] =
			obj_pin(s, m, "/tmp/kbpf_ctl_nope_x", 0, 0); /* EPERM */
		r[n++] = obj_pin(s, -1, pm, 0, 0); /* EINVAL */
		r[n++] = obj_pin(s, st, "/sys/fs/bpf/x", 0, 0); /* EINVAL */
		r[n++] = obj_pin(s, 0, "/sys/fs/bpf/x", 0, 0); /* EINVAL */
		r[n++] = obj_pin(s, m, "", 0, 0); /* ENOENT */
		r[n++] = obj_pin(s, m, NULL, 0, 0); /* EFAULT */
		r[n++] = obj_pin(s, m, pm, 1, 0); /* EINVAL */
		r[n++] = obj_pin(s, m, pm, 0, dirfd); /* EINVAL */
		r[n++] = obj_pin(s, m, rel, BPF_F_PATH_FD, 9999); /* EBADF */
		r[n++] = obj_get(s, missing, 0, 0, 0); /* ENOENT */
		r[n++] = obj_get(s, "/sys/fs/bpf", 0, 0, 0); /* EACCES */
		r[n++] = obj_get(s, "/etc/passwd", 0, 0, 0); /* EACCES */
		r[n++] = obj_get(s, "", 0, 0, 0); /* ENOENT */
		r[n++] = obj_get(s, NULL, 0, 0, 0); /* EFAULT */
		r[n++] = obj_get(s, pm, BPF_F_RDONLY | BPF_F_WRONLY, 0, 0);
		r[n++] = obj_get(s, pm, 1, 0, 0); /* EINVAL */
		r[n++] = obj_get(s, pm, 0, 0, (uint32_t)m); /* EINVAL */
		r[n++] = obj_get(s, pm, 0, dirfd, 0); /* EINVAL */
		r[n++] = obj_get(s, rel, BPF_F_PATH_FD, 9999, 0); /* EBADF */
		T_EQ(n, 23);
		for (int i = 0; i < n; i++)
			if (r[i] >= 0)
				side_close(s, r[i]);
		memcpy(res[s], r, sizeof(r));
		/* Pins keep the map alive after its last fd closes. */
		side_close(s, m);
		fd = fd_by_id(s, BPF_MAP_GET_FD_BY_ID, id, 0);
		T_ASSERT(fd >= 0);
		side_close(s, fd);
		g = obj_get(s, pm, BPF_F_RDONLY, 0, 0);
		T_ASSERT(g >= 0);
		T_EQ(map_id(s, g), id);
		T_EQ(side_elem(s, BPF_MAP_UPDATE_ELEM, g, &k, &v, 0), -EPERM);
		T_EQ(side_elem(s, BPF_MAP_LOOKUP_ELEM, g, &k, &v, 0), 0);
		side_close(s, g);
		g = obj_get(s, pp, BPF_F_RDONLY, 0, 0);
		T_ASSERT(g >= 0);
		T_EQ(test_run(s, g, 1), 0);
		side_close(s, g);
		/* Relative to path_fd. */
		snprintf(relabs, sizeof(relabs), "/sys/fs/bpf/%s", rel);
		T_EQ(obj_pin(s, p, rel, BPF_F_PATH_FD, dirfd), 0);
		g = obj_get(s, relabs, 0, 0, 0);
		T_ASSERT(g >= 0);
		side_close(s, g);
		g = obj_get(s, rel, BPF_F_PATH_FD, dirfd, 0);
		T_ASSERT(g >= 0);
		side_close(s, g);
		unpin(s, relabs);
		unpin(s, pp);
		unpin(s, pm);
		/* Unpinned and closed: gone. */
		T_EQ(fd_by_id(s, BPF_MAP_GET_FD_BY_ID, id, 0), -ENOENT);
		T_EQ(obj_get(s, pm, 0, 0, 0), -ENOENT);
		side_close(s, st);
		side_close(s, p);
	}
	close(dirfd);
	if (bpffs_mounted_here)
		umount("/sys/fs/bpf");
	if (getenv("KBPF_TEST_VERBOSE"))
		for (int i = 0; i < 23; i++)
			printf("  pin case %d: %ld %ld\n", i, res[0][i],
			       res[1][i]);
	/* The same errnos as the kernel's, case by case. */
	for (int i = 0; i < 23; i++)
		if (!same_result(res[0][i], res[1][i]))
			T_FAIL("pin case %d: kernel %ld kbpf %ld", i, res[0][i],
			       res[1][i]);
}
