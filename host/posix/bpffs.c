// SPDX-License-Identifier: MIT
/*
 * The POSIX host's pins (kbpf_host.pin/get_pinned): a private "bpffs" kept
 * in this process, a table from absolute paths to kbpf objects, rooted at a
 * directory name (default /sys/fs/bpf, as libbpf and bpftool expect;
 * kbpf_posix_set_bpffs() moves it, as kbpf-preload does). It
 * never creates files: pins live as long as the process, or until
 * kbpf_posix_unpin() or kbpf_posix_reset(). Directories under the root
 * (kbpf_posix_bpffs_mkdir(), for mkdir(2) through kbpf-preload) are
 * entries of the same table without an object.
 *
 * Paths: a relative path is taken from the directory open as path_fd (or
 * the working directory), then "." and ".." and repeated slashes are
 * resolved as text. Under the root, the parent directory must be the root
 * or a real directory (ENOENT, ENOTDIR), and the name must not be pinned
 * already (EEXIST); the root itself is a directory, not a pin (EACCES on
 * a get). Outside the root, answers are those of Linux for a file system
 * that is not bpffs: a missing parent ENOENT, an existing file EEXIST, else
 * EPERM for a pin; EACCES for a get of an existing file, else ENOENT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kbpf/object.h"
#include "kbpf_posix.h"
#include "posix_internal.h"

struct pin {
	struct pin *next;
	struct kbpf_obj *obj;
	char path[];
};

static pthread_mutex_t pin_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pin *pins;
static char pin_root[KBPF_PATH_MAX] = "/sys/fs/bpf";

/* @path relative to @path_fd into @out (KBPF_PATH_MAX), normalised. */
static int pin_resolve(const char *path, int path_fd, char *out)
{
	char *buf = malloc(2 * KBPF_PATH_MAX), *p, *save = NULL, *tok;
	size_t n = 0;

	if (!buf)
		return -KBPF_ENOMEM;
	if (path[0] == '/') {
		buf[0] = 0;
	} else if (path_fd == KBPF_AT_FDCWD) {
		if (!getcwd(buf, KBPF_PATH_MAX)) {
			free(buf);
			return -KBPF_ENOENT;
		}
	} else {
		char link[64];
		struct stat st;
		ssize_t len;

		if (path_fd < 0 || fstat(path_fd, &st)) {
			free(buf);
			return -KBPF_EBADF;
		}
		if (!S_ISDIR(st.st_mode)) {
			free(buf);
			return -KBPF_ENOTDIR;
		}
		snprintf(link, sizeof(link), "/proc/self/fd/%d", path_fd);
		len = readlink(link, buf, KBPF_PATH_MAX - 1);
		if (len < 0) {
			free(buf);
			return -KBPF_EBADF;
		}
		buf[len] = 0;
	}
	strcat(buf, "/");
	strncat(buf, path, KBPF_PATH_MAX);
	out[0] = 0;
	for (p = buf; (tok = strtok_r(p, "/", &save)); p = NULL) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			while (n && out[n - 1] != '/')
				n--;
			if (n)
				n--;
			out[n] = 0;
			continue;
		}
		if (n + 1 + strlen(tok) >= KBPF_PATH_MAX) {
			free(buf);
			return -KBPF_ENAMETOOLONG;
		}
		out[n++] = '/';
		strcpy(out + n, tok);
		n += strlen(tok);
	}
	if (!n)
		strcpy(out, "/");
	free(buf);
	return 0;
}

/* Strictly below the root (not the root itself). */
static int pin_under_root(const char *path)
{
	size_t n = strlen(pin_root);

	return !strncmp(path, pin_root, n) && path[n] == '/' && path[n + 1];
}

static struct pin *pin_find(const char *path)
{
	for (struct pin *p = pins; p; p = p->next)
		if (!strcmp(p->path, path))
			return p;
	return NULL;
}

/*
 * The parent of @path must be a directory (the root, one made by
 * kbpf_posix_bpffs_mkdir(), or a real one): 0, -ENOENT or -ENOTDIR.
 * Called with pin_lock held.
 */
static int pin_parent_ok(const char *path)
{
	struct pin *p;
	char parent[KBPF_PATH_MAX];
	char *slash;
	struct stat st;

	strcpy(parent, path);
	slash = strrchr(parent, '/');
	if (slash == parent)
		slash[1] = 0;
	else
		*slash = 0;
	if (!strcmp(parent, pin_root))
		return 0;
	p = pin_find(parent);
	if (p)
		return p->obj ? -KBPF_ENOTDIR : 0;
	if (stat(parent, &st))
		return errno == ENOTDIR ? -KBPF_ENOTDIR : -KBPF_ENOENT;
	return S_ISDIR(st.st_mode) ? 0 : -KBPF_ENOTDIR;
}

int posix_pin(const struct kbpf_host *h, struct kbpf_obj *obj, const char *path,
	      int path_fd)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct stat st;
	struct pin *p;
	int err;

	(void)h;
	if (!abs)
		return -KBPF_ENOMEM;
	err = pin_resolve(path, path_fd, abs);
	if (err)
		goto out;
	pthread_mutex_lock(&pin_lock);
	err = pin_parent_ok(abs);
	if (err) {
		/* as checked */
	} else if (!pin_under_root(abs)) {
		err = lstat(abs, &st) ? -KBPF_EPERM : -KBPF_EEXIST;
	} else if (pin_find(abs)) {
		err = -KBPF_EEXIST;
	} else if (!(p = malloc(sizeof(*p) + strlen(abs) + 1))) {
		err = -KBPF_ENOMEM;
	} else {
		strcpy(p->path, abs);
		p->obj = obj;
		kbpf_obj_uref_get(obj);
		p->next = pins;
		pins = p;
	}
	pthread_mutex_unlock(&pin_lock);
out:
	free(abs);
	return err;
}

int posix_get_pinned(const struct kbpf_host *h, const char *path, int path_fd,
		     uint32_t fd_flags, struct kbpf_obj **obj)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct stat st;
	struct pin *p;
	int err;

	(void)h;
	(void)fd_flags; /* pins are rw for the owner (root) */
	if (!abs)
		return -KBPF_ENOMEM;
	err = pin_resolve(path, path_fd, abs);
	if (err)
		goto out;
	if (!pin_under_root(abs)) {
		if (!strcmp(abs, pin_root))
			err = -KBPF_EACCES;
		else if (stat(abs, &st))
			err = errno == ENOTDIR ? -KBPF_ENOTDIR : -KBPF_ENOENT;
		else
			err = -KBPF_EACCES;
		goto out;
	}
	pthread_mutex_lock(&pin_lock);
	p = pin_find(abs);
	if (p && !p->obj) {
		err = -KBPF_EACCES; /* a directory: not a bpf object */
	} else if (p) {
		*obj = p->obj;
		kbpf_obj_uref_get(p->obj);
	} else {
		err = pin_parent_ok(abs);
		if (!err)
			err = -KBPF_ENOENT;
	}
	pthread_mutex_unlock(&pin_lock);
out:
	free(abs);
	return err;
}

int kbpf_posix_set_bpffs(const char *root)
{
	char *abs = malloc(KBPF_PATH_MAX);
	int err;

	if (!abs)
		return -KBPF_ENOMEM;
	err = root[0] == '/' ? pin_resolve(root, KBPF_AT_FDCWD, abs) :
			       -KBPF_EINVAL;
	if (!err) {
		pthread_mutex_lock(&pin_lock);
		if (pins)
			err = -KBPF_EBUSY;
		else
			strcpy(pin_root, abs);
		pthread_mutex_unlock(&pin_lock);
	}
	free(abs);
	return err;
}

int kbpf_posix_in_bpffs(const char *path, int dirfd)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct pin *p;
	struct stat st;
	int r = 0;

	if (!abs)
		return 0;
	if (pin_resolve(path, dirfd, abs))
		goto out;
	if (!strcmp(abs, pin_root)) {
		r = 1;
	} else if (pin_under_root(abs)) {
		pthread_mutex_lock(&pin_lock);
		p = pin_find(abs);
		if (p)
			r = p->obj ? 2 : 1;
		pthread_mutex_unlock(&pin_lock);
		if (!p) /* a real file or directory there counts too */
			r = stat(abs, &st) ? -1 : S_ISDIR(st.st_mode) ? 1 : 2;
	}
out:
	free(abs);
	return r;
}

int kbpf_posix_unpin(const char *path)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct pin **pp, *p = NULL;
	int err;

	if (!abs)
		return -KBPF_ENOMEM;
	err = pin_resolve(path, KBPF_AT_FDCWD, abs);
	if (!err) {
		pthread_mutex_lock(&pin_lock);
		for (pp = &pins; *pp; pp = &(*pp)->next) {
			if (!strcmp((*pp)->path, abs)) {
				p = *pp;
				break;
			}
		}
		if (p && p->obj)
			*pp = p->next;
		pthread_mutex_unlock(&pin_lock);
		err = !p ? -KBPF_ENOENT : !p->obj ? -KBPF_EISDIR : 0;
		if (err)
			p = NULL;
	}
	free(abs);
	if (p) {
		kbpf_obj_uref_put(p->obj);
		free(p);
	}
	return err;
}

void posix_unpin_all(void)
{
	struct pin *list;

	pthread_mutex_lock(&pin_lock);
	list = pins;
	pins = NULL;
	pthread_mutex_unlock(&pin_lock);
	while (list) {
		struct pin *p = list;

		list = p->next;
		if (p->obj)
			kbpf_obj_uref_put(p->obj);
		free(p);
	}
}

int kbpf_posix_bpffs_mkdir(const char *path)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct pin *p;
	int err;

	if (!abs)
		return -KBPF_ENOMEM;
	err = pin_resolve(path, KBPF_AT_FDCWD, abs);
	if (!err && !pin_under_root(abs))
		err = !strcmp(abs, pin_root) ? -KBPF_EEXIST : -KBPF_EPERM;
	if (err)
		goto out;
	pthread_mutex_lock(&pin_lock);
	err = pin_parent_ok(abs);
	if (!err && pin_find(abs)) {
		err = -KBPF_EEXIST;
	} else if (!err) {
		p = malloc(sizeof(*p) + strlen(abs) + 1);
		if (!p) {
			err = -KBPF_ENOMEM;
		} else {
			strcpy(p->path, abs);
			p->obj = NULL; /* a directory */
			p->next = pins;
			pins = p;
		}
	}
	pthread_mutex_unlock(&pin_lock);
out:
	free(abs);
	return err;
}

int kbpf_posix_bpffs_rmdir(const char *path)
{
	char *abs = malloc(KBPF_PATH_MAX);
	struct pin **pp, *p = NULL;
	size_t n;
	int err;

	if (!abs)
		return -KBPF_ENOMEM;
	err = pin_resolve(path, KBPF_AT_FDCWD, abs);
	if (!err && !pin_under_root(abs))
		err = -KBPF_EPERM;
	if (err)
		goto out;
	n = strlen(abs);
	pthread_mutex_lock(&pin_lock);
	err = -KBPF_ENOENT;
	for (pp = &pins; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->path, abs)) {
			p = *pp;
			err = p->obj ? -KBPF_ENOTDIR : 0;
			break;
		}
	}
	for (struct pin *q = pins; !err && q; q = q->next)
		if (!strncmp(q->path, abs, n) && q->path[n] == '/')
			err = -KBPF_ENOTEMPTY;
	if (!err)
		*pp = p->next;
	pthread_mutex_unlock(&pin_lock);
	if (!err)
		free(p);
out:
	free(abs);
	return err;
}
