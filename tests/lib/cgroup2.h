/* SPDX-License-Identifier: MIT */
/*
 * A cgroup v2 hierarchy of a test's own, for tests that attach programs to
 * real cgroups or move a task into one: a fresh cgroup2 mount under /tmp,
 * a directory of the test's below its root (no other process uses it),
 * and the cgroups the test names below that, each open as a directory fd
 * (the fd BPF_PROG_ATTACH, BPF_LINK_CREATE and the POSIX host's
 * cgroup_get take) with its id. Linux-only; needs root (mount(2)).
 *
 *	static const char *const rel[] = { "a", "a/b" };
 *	struct cg2 cg;
 *
 *	if (cg2_setup(&cg, "kbpf-x", rel, 2))
 *		... cg.fd[1] is a/b, cg.path[1] its directory ...
 *	cg2_teardown(&cg);   whatever cg2_setup returned
 *
 * Programs still attached on the kernel side go with the cgroups' rmdir.
 * kbpf's side is the test's: release what the POSIX host holds
 * (kbpf_posix_reset()) before cg2_teardown(), as an rmdir would.
 */
#ifndef KBPF_TEST_CGROUP2_H
#define KBPF_TEST_CGROUP2_H

#include <stdbool.h>
#include <stdint.h>

/* The most cgroups one setup makes. */
#define CG2_MAX 8

/**
 * struct cg2 - one test's cgroup2 mount and cgroups.
 * @mnt: the mount point, /tmp/<tag>-<pid>-<n> ("" if none was made).
 * @top: the test's directory below the root, <mnt>/<tag>-<pid>-<n>.
 * @path: each cgroup's directory, <top>/<rel[i]>.
 * @fd: each cgroup's directory fd (O_RDONLY | O_DIRECTORY), or -1.
 * @id: each cgroup's id: its directory's inode number, what Linux's
 *      cgroup_id() and the POSIX host's cgroup_id give.
 * @nr: how many of @path were made (cg2_teardown() removes those).
 * @mounted: whether @mnt is mounted.
 */
struct cg2 {
	char mnt[64];
	char top[128];
	char path[CG2_MAX][192];
	int fd[CG2_MAX];
	uint64_t id[CG2_MAX];
	int nr;
	bool mounted;
};

/**
 * cg2_setup() - mount cgroup2 at a new directory under /tmp and make the
 * test's directory below its root, then the @nr cgroups @rel names below
 * that (relative paths, each parent before its children), opening each.
 * @cg: filled in whatever happens (the caller's storage; no allocation).
 * @tag: a short name for the directories (at most 24 characters).
 * @rel: @nr relative paths; 1 <= @nr <= CG2_MAX.
 * Return: true; false when something fails (no cgroup2 here, not root,
 * too many cgroups), after kbpf_test_skip() with the reason and errno.
 * Either way the caller calls cg2_teardown(). Not thread-safe.
 */
bool cg2_setup(struct cg2 *cg, const char *tag, const char *const *rel, int nr);

/**
 * cg2_teardown() - close the cgroups' fds, remove the cgroups (children
 * first; an rmdir that finds the cgroup still busy with a task that just
 * exited is retried for up to 2 s), the test's directory, unmount (lazily)
 * and remove the mount point. Safe on what cg2_setup() left, however far
 * it got, and on a zeroed struct cg2 (then it does nothing); leaves
 * @cg as a zeroed one would be.
 */
void cg2_teardown(struct cg2 *cg);

/**
 * cg2_enter() - move the calling process into cgroup @i of @cg (its pid
 * written to cgroup.procs). Meant for a forked child, so that the test
 * process itself stays where it was and the cgroup can be removed once
 * the child is reaped.
 * Return: 0, or -errno of the open or the write.
 */
int cg2_enter(const struct cg2 *cg, int i);

#endif /* KBPF_TEST_CGROUP2_H */
