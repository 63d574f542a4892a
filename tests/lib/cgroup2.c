// SPDX-License-Identifier: MIT
/* A cgroup2 mount and cgroups of the test's own (cgroup2.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup2.h"
#include "kbpf_test.h"

/* snprintf() into @buf; false if it did not fit. */
static bool cg2_fmt(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool cg2_fmt(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size;
}

bool cg2_setup(struct cg2 *cg, const char *tag, const char *const *rel, int nr)
{
	static int seq;
	char name[64];
	struct stat st;

	memset(cg, 0, sizeof(*cg));
	for (int i = 0; i < CG2_MAX; i++)
		cg->fd[i] = -1;
	if (nr < 1 || nr > CG2_MAX || strlen(tag) > 24) {
		kbpf_test_skip(
			"cg2_setup: %d cgroups, tag \"%s\": a bug of the test",
			nr, tag);
		return false;
	}
	snprintf(name, sizeof(name), "%s-%d-%d", tag, (int)getpid(), seq++);
	if (!cg2_fmt(cg->mnt, sizeof(cg->mnt), "/tmp/%s", name)) {
		kbpf_test_skip("cg2_setup: mount point name too long");
		cg->mnt[0] = 0;
		return false;
	}
	if (mkdir(cg->mnt, 0700) && errno != EEXIST) {
		kbpf_test_skip("mkdir %s: %s", cg->mnt, strerror(errno));
		cg->mnt[0] = 0;
		return false;
	}
	if (mount("none", cg->mnt, "cgroup2", 0, NULL)) {
		kbpf_test_skip("cannot mount cgroup2: %s", strerror(errno));
		return false;
	}
	cg->mounted = true;
	/* The root is shared with every other mount: a name of our own. */
	cg2_fmt(cg->top, sizeof(cg->top), "%s/%s", cg->mnt, name);
	if (mkdir(cg->top, 0755)) {
		kbpf_test_skip("cannot make cgroups under %s: %s", cg->mnt,
			       strerror(errno));
		cg->top[0] = 0;
		return false;
	}
	for (int i = 0; i < nr; i++) {
		if (!cg2_fmt(cg->path[i], sizeof(cg->path[i]), "%s/%s", cg->top,
			     rel[i])) {
			kbpf_test_skip("cg2_setup: path of %s too long",
				       rel[i]);
			cg->path[i][0] = 0;
			return false;
		}
		if (mkdir(cg->path[i], 0755)) {
			kbpf_test_skip("cannot make cgroups under %s: %s",
				       cg->mnt, strerror(errno));
			cg->path[i][0] = 0;
			return false;
		}
		cg->nr = i + 1;
		cg->fd[i] = open(cg->path[i], O_RDONLY | O_DIRECTORY);
		if (cg->fd[i] < 0 || fstat(cg->fd[i], &st)) {
			kbpf_test_skip("cannot open cgroup %s: %s", cg->path[i],
				       strerror(errno));
			return false;
		}
		cg->id[i] = (uint64_t)st.st_ino;
	}
	return true;
}

/* rmdir(@path), waiting out a cgroup whose last task is still leaving. */
static void cg2_rmdir(const char *path)
{
	for (int i = 0; i < 100 && rmdir(path) && errno == EBUSY; i++)
		usleep(20000);
}

void cg2_teardown(struct cg2 *cg)
{
	for (int i = cg->nr - 1; i >= 0; i--) {
		if (cg->fd[i] >= 0)
			close(cg->fd[i]);
		if (cg->path[i][0])
			cg2_rmdir(cg->path[i]);
	}
	if (cg->top[0])
		cg2_rmdir(cg->top);
	if (cg->mounted)
		umount2(cg->mnt, MNT_DETACH);
	if (cg->mnt[0])
		rmdir(cg->mnt);
	memset(cg, 0, sizeof(*cg));
}

int cg2_enter(const struct cg2 *cg, int i)
{
	char procs[sizeof(cg->path[0]) + 16], pid[16];
	int fd, err = 0;

	if (i < 0 || i >= cg->nr)
		return -EINVAL;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg->path[i]);
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	fd = open(procs, O_WRONLY);
	if (fd < 0)
		return -errno;
	if (write(fd, pid, strlen(pid)) < 0)
		err = -errno;
	close(fd);
	return err;
}
