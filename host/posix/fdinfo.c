// SPDX-License-Identifier: MIT
/*
 * What /proc shows of a kbpf fd on Linux: the readlink(2) text of
 * /proc/self/fd/N and the fdinfo lines of /proc/self/fdinfo/N, for tools
 * (bpftool, libbpf) that read them. The real fd is an eventfd
 * (fdtable.c), so /proc itself shows an eventfd; kbpf-preload serves
 * these texts instead.
 *
 * The object's lines come from BPF_OBJ_GET_INFO_BY_FD on the fd itself,
 * in the order and format of Linux 6.18's fdinfo (measured on the kernel:
 * "map_type:\t1", "map_flags:\t0x0", the tag in lower-case hex...); the
 * first lines (pos, flags, mnt_id, ino) from the eventfd's own fdinfo,
 * with the flags Linux gives a bpf fd. No lock is held here beyond those
 * of the calls made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kbpf/map.h"
#include "kbpf/object.h"
#include "kbpf/uapi/bpf.h"
#include "posix_internal.h"

#define PAGE 4096UL

struct out {
	char *buf;
	size_t size, len;
	int overflow;
};

__attribute__((format(printf, 2, 3))) static void
out_printf(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->size - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)n;
}

static const char *fd_link_name(uint32_t type)
{
	switch (type) {
	case KBPF_OBJ_MAP:
		return "anon_inode:bpf-map";
	case KBPF_OBJ_PROG:
		return "anon_inode:bpf-prog";
	case KBPF_OBJ_LINK:
		return "anon_inode:bpf_link";
	case KBPF_OBJ_PERF_EVENT:
		return "anon_inode:[perf_event]";
	case KBPF_OBJ_BTF:
		return "anon_inode:btf";
	case KBPF_OBJ_STATS:
		return "anon_inode:bpf-stats";
	}
	return "anon_inode:bpf";
}

/*
 * The object type of a kbpf fd, or 0 (errno EBADF) if it is not one; for a
 * map, whether it is frozen and its prog array owner's type (0: none).
 */
static uint32_t fd_type(int fd, int *frozen, uint32_t *owner)
{
	struct kbpf_obj *obj = kbpf_posix_fd_obj(fd);
	uint32_t type;

	if (!obj) {
		errno = EBADF;
		return 0;
	}
	type = kbpf_obj_type(obj);
	if (frozen && type == KBPF_OBJ_MAP) {
		struct kbpf_map *map = kbpf_map_from_obj(obj);

		*frozen = kbpf_map_frozen(map);
		if (kbpf_map_prog_array_owner(map, owner))
			*owner = 0;
	}
	kbpf_obj_put(obj);
	return type;
}

int kbpf_posix_fd_link(int fd, char *buf, size_t size)
{
	uint32_t type = fd_type(fd, NULL, NULL);
	size_t n;

	if (!type)
		return -1;
	n = strlen(fd_link_name(type));
	if (n >= size) {
		errno = ERANGE;
		return -1;
	}
	memcpy(buf, fd_link_name(type), n + 1);
	return (int)n;
}

static int get_info(int fd, void *info, uint32_t len)
{
	union bpf_attr attr;

	memset(&attr, 0, sizeof(attr));
	attr.info.bpf_fd = (uint32_t)fd;
	attr.info.info_len = len;
	attr.info.info = (uint64_t)(uintptr_t)info;
	return kbpf_posix_bpf(BPF_OBJ_GET_INFO_BY_FD, &attr, sizeof(attr));
}

/* pos, flags, mnt_id and ino, as the eventfd's fdinfo has them. */
static void common_lines(struct out *o, int fd, uint32_t type)
{
	char path[64], text[512];
	unsigned long long pos = 0, mnt_id = 0, ino = 0;
	uint32_t fd_flags = 0;
	int cloexec, mode, f;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f >= 0) {
		n = read(f, text, sizeof(text) - 1);
		close(f);
		text[n > 0 ? n : 0] = 0;
		for (char *l = text; l && *l;
		     l = strchr(l, '\n'), l = l ? l + 1 : l) {
			sscanf(l, "pos: %llu", &pos);
			sscanf(l, "mnt_id: %llu", &mnt_id);
			sscanf(l, "ino: %llu", &ino);
		}
	}
	cloexec = fcntl(fd, F_GETFD) > 0 ? O_CLOEXEC : 0;
	posix_fd_flags(fd, &fd_flags);
	/*
	 * Linux opens bpf fds O_RDWR, O_RDONLY for BPF_F_RDONLY and links,
	 * O_WRONLY for BPF_F_WRONLY; perf events O_RDWR.
	 */
	if (type == KBPF_OBJ_LINK)
		mode = O_RDONLY;
	else if (type != KBPF_OBJ_MAP)
		mode = O_RDWR;
	else if ((fd_flags & KBPF_FD_READ) && (fd_flags & KBPF_FD_WRITE))
		mode = O_RDWR;
	else
		mode = fd_flags & KBPF_FD_WRITE ? O_WRONLY : O_RDONLY;
	out_printf(o, "pos:\t%llu\nflags:\t0%o\nmnt_id:\t%llu\nino:\t%llu\n",
		   pos, (unsigned int)(mode | cloexec), mnt_id, ino);
}

static void tag_hex(char *hex, const uint8_t *tag)
{
	for (int i = 0; i < BPF_TAG_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", tag[i]);
}

static int map_lines(struct out *o, int fd, int frozen, uint32_t owner)
{
	struct bpf_map_info info;
	unsigned long long memlock;

	memset(&info, 0, sizeof(info));
	if (get_info(fd, &info, sizeof(info)) < 0)
		return -1;
	memlock = ((info.key_size + 7ULL) / 8 * 8 +
		   (info.value_size + 7ULL) / 8 * 8) *
			  info.max_entries +
		  PAGE;
	out_printf(o,
		   "map_type:\t%u\nkey_size:\t%u\nvalue_size:\t%u\n"
		   "max_entries:\t%u\nmap_flags:\t0x%x\nmap_extra:\t0x%llx\n"
		   "memlock:\t%llu\nmap_id:\t%u\nfrozen:\t%d\n",
		   info.type, info.key_size, info.value_size, info.max_entries,
		   info.map_flags, (unsigned long long)info.map_extra, memlock,
		   info.id, frozen);
	/* A prog array's owner; kbpf's programs are never JITed. */
	if (owner)
		out_printf(o, "owner_prog_type:\t%u\nowner_jited:\t0\n", owner);
	return 0;
}

static int prog_lines(struct out *o, int fd)
{
	struct bpf_prog_info info;
	char tag[2 * BPF_TAG_SIZE + 1];

	memset(&info, 0, sizeof(info));
	if (get_info(fd, &info, sizeof(info)) < 0)
		return -1;
	tag_hex(tag, info.tag);
	out_printf(o,
		   "prog_type:\t%u\nprog_jited:\t%d\nprog_tag:\t%s\n"
		   "memlock:\t%lu\nprog_id:\t%u\nrun_time_ns:\t%llu\n"
		   "run_cnt:\t%llu\nrecursion_misses:\t%llu\n"
		   "verified_insns:\t%u\n",
		   info.type, info.jited_prog_len != 0, tag,
		   (info.xlated_prog_len + 2 * PAGE - 1) / PAGE * PAGE, info.id,
		   (unsigned long long)info.run_time_ns,
		   (unsigned long long)info.run_cnt,
		   (unsigned long long)info.recursion_misses,
		   info.verified_insns);
	return 0;
}

/* Linux's names for enum bpf_link_type, as fdinfo prints them. */
static const char *const link_type_names[] = {
	"unspec",	"raw_tracepoint", "tracing",   "cgroup",
	"iter",		"netns",	  "xdp",       "perf_event",
	"kprobe_multi", "struct_ops",	  "netfilter", "tcx",
	"uprobe_multi", "netkit",	  "sockmap",
};

static int link_lines(struct out *o, int fd)
{
	struct bpf_link_info info;
	struct bpf_prog_info pinfo;
	char tp[256] = "", tag[2 * BPF_TAG_SIZE + 1] = "";
	union bpf_attr attr;
	int pfd;

	memset(&info, 0, sizeof(info));
	info.raw_tracepoint.tp_name = (uint64_t)(uintptr_t)tp;
	info.raw_tracepoint.tp_name_len = sizeof(tp);
	if (get_info(fd, &info, sizeof(info)) < 0)
		return -1;
	if (info.type != BPF_LINK_TYPE_RAW_TRACEPOINT)
		tp[0] = 0;
	/* The program's tag: through a temporary fd on it, as by id. */
	memset(&attr, 0, sizeof(attr));
	attr.prog_id = info.prog_id;
	pfd = kbpf_posix_bpf(BPF_PROG_GET_FD_BY_ID, &attr, sizeof(attr));
	if (pfd >= 0) {
		memset(&pinfo, 0, sizeof(pinfo));
		if (!get_info(pfd, &pinfo, sizeof(pinfo)))
			tag_hex(tag, pinfo.tag);
		kbpf_posix_close(pfd);
	}
	if (info.type < sizeof(link_type_names) / sizeof(link_type_names[0]))
		out_printf(o, "link_type:\t%s\n", link_type_names[info.type]);
	else
		out_printf(o, "link_type:\t<%u>\n", info.type);
	out_printf(o, "link_id:\t%u\nprog_tag:\t%s\nprog_id:\t%u\n", info.id,
		   tag, info.prog_id);
	if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT)
		out_printf(o, "tp_name:\t%s\ncookie:\t%llu\n", tp,
			   (unsigned long long)info.raw_tracepoint.cookie);
	else if (info.type == BPF_LINK_TYPE_CGROUP)
		out_printf(o, "cgroup_id:\t%llu\nattach_type:\t%d\n",
			   (unsigned long long)info.cgroup.cgroup_id,
			   (int)info.cgroup.attach_type);
	return 0;
}

int kbpf_posix_fdinfo(int fd, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };
	int frozen = 0, err = 0;
	uint32_t owner = 0, type = fd_type(fd, &frozen, &owner);

	if (!type)
		return -1;
	if (!size) {
		errno = ERANGE;
		return -1;
	}
	buf[0] = 0;
	common_lines(&o, fd, type);
	if (type == KBPF_OBJ_MAP)
		err = map_lines(&o, fd, frozen, owner);
	else if (type == KBPF_OBJ_PROG)
		err = prog_lines(&o, fd);
	else if (type == KBPF_OBJ_LINK)
		err = link_lines(&o, fd);
	if (err)
		return -1; /* errno from BPF_OBJ_GET_INFO_BY_FD (fd closed) */
	if (o.overflow) {
		errno = ERANGE;
		return -1;
	}
	return (int)o.len;
}
