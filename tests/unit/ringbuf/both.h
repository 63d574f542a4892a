/* SPDX-License-Identifier: MIT */
/*
 * One BPF object on both sides: loaded into kbpf by kbpf's ELF loader and
 * into the kernel by libbpf (tests/unit/loader/libbpf_side.c), with fds
 * for its programs and maps on each side, so a test drives both through
 * the same bpf(2) calls (side 0: kernel, side 1: kbpf, as diff.h).
 */
#ifndef KBPF_TEST_RINGBUF_BOTH_H
#define KBPF_TEST_RINGBUF_BOTH_H

#include <stdio.h>
#include <stdlib.h>

#include "kbpf/loader.h"
#include "core/map.h"
#include "core/prog.h"
#include "kbpf_posix.h"
#include "../loader/libbpf_side.h"

struct both {
	struct kside *ks;
	struct kbpf_elf *obj;
	char why[512];
};

static inline int both_install(struct kbpf_obj *o)
{
	const struct kbpf_host *h = kbpf_posix_host();
	int fd;

	kbpf_obj_get(o);
	fd = h->fd_install(h, o, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_obj_put(o);
	return fd;
}

/* 0, or -1 with b->why set. */
static inline int both_open(struct both *b, const char *path)
{
	struct kbpf_elf_opts o = { .errbuf = b->why,
				   .errbuf_size = sizeof(b->why) };
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;
	int err;

	memset(b, 0, sizeof(*b));
	o.errbuf = b->why;
	if (!f) {
		snprintf(b->why, sizeof(b->why), "cannot open %.400s", path);
		return -1;
	}
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(buf);
		snprintf(b->why, sizeof(b->why), "cannot read %.400s", path);
		return -1;
	}
	fclose(f);
	err = kbpf_elf_parse(kbpf_posix_host(), buf, (size_t)n, &o, &b->obj);
	free(buf);
	if (!err)
		err = kbpf_elf_load(b->obj, &o);
	if (err)
		return -1;
	if (kside_open(path, &b->ks, b->why, sizeof(b->why))) {
		kbpf_elf_free(b->obj);
		b->obj = NULL;
		return -1;
	}
	return 0;
}

/* The fd of program @name on @side (kbpf fds are new each call). */
static inline int both_prog_fd(struct both *b, int side, const char *name)
{
	struct kbpf_elf_prog *p;

	if (side == 0)
		return kside_prog_fd(b->ks, name);
	p = kbpf_elf_find_prog(b->obj, name);
	return p && p->prog ? both_install(&p->prog->obj) : -1;
}

static inline int both_map_fd(struct both *b, int side, const char *name)
{
	struct kbpf_elf_map *m;

	if (side == 0)
		return kside_map_fd(b->ks, name);
	m = kbpf_elf_find_map(b->obj, name);
	return m && m->map ? both_install(&m->map->obj) : -1;
}

static inline struct kbpf_map *both_kbpf_map(struct both *b, const char *name)
{
	struct kbpf_elf_map *m = kbpf_elf_find_map(b->obj, name);

	return m ? m->map : NULL;
}

static inline void both_close(struct both *b)
{
	kside_close(b->ks);
	if (b->obj)
		kbpf_elf_free(b->obj);
	kbpf_posix_reset();
}

#endif /* KBPF_TEST_RINGBUF_BOTH_H */
