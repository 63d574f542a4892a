// SPDX-License-Identifier: MIT
/* The kernel side of the loader's differential tests, through libbpf. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libbpf_side.h"

#ifdef KBPF_HAVE_LIBBPF
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct kside {
	struct bpf_object *obj;
};

static int kside_print(enum libbpf_print_level level, const char *fmt,
		       va_list ap)
{
	if (level != LIBBPF_WARN)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

int kside_available(const char **why)
{
	(void)why;
	return 1;
}

int kside_open(const char *path, struct kside **out, char *why, size_t n)
{
	struct kside *k = calloc(1, sizeof(*k));
	int err;

	libbpf_set_print(kside_print);
	if (!k)
		return -ENOMEM;
	k->obj = bpf_object__open_file(path, NULL);
	err = libbpf_get_error(k->obj);
	if (err) {
		snprintf(why, n, "libbpf: open %s: %d", path, err);
		free(k);
		return err < 0 ? err : -err;
	}
	err = bpf_object__load(k->obj);
	if (err) {
		snprintf(why, n, "libbpf: load %s: %d", path, err);
		bpf_object__close(k->obj);
		free(k);
		return err;
	}
	*out = k;
	return 0;
}

long kside_prog_insns(struct kside *k, const char *name, const void **insns)
{
	struct bpf_program *p = bpf_object__find_program_by_name(k->obj, name);

	if (!p)
		return -1;
	*insns = bpf_program__insns(p);
	return (long)bpf_program__insn_cnt(p);
}

int kside_prog_fd(struct kside *k, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(k->obj, name);

	return p ? bpf_program__fd(p) : -1;
}

int kside_map_fd(struct kside *k, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(k->obj, name);

	return m ? bpf_map__fd(m) : -1;
}

struct drain {
	void (*fn)(void *ctx, const void *data, size_t size);
	void *ctx;
};

static int drain_cb(void *ctx, void *data, size_t size)
{
	struct drain *d = ctx;

	d->fn(d->ctx, data, size);
	return 0;
}

int kside_ringbuf_drain(struct kside *k, const char *name,
			void (*fn)(void *ctx, const void *data, size_t size),
			void *ctx)
{
	struct drain d = { fn, ctx };
	struct ring_buffer *rb;
	int n, fd = kside_map_fd(k, name);

	if (fd < 0)
		return -ENOENT;
	rb = ring_buffer__new(fd, drain_cb, &d, NULL);
	if (!rb)
		return -errno;
	n = ring_buffer__consume(rb);
	ring_buffer__free(rb);
	return n;
}

void kside_close(struct kside *k)
{
	if (!k)
		return;
	bpf_object__close(k->obj);
	free(k);
}

#else /* !KBPF_HAVE_LIBBPF */

int kside_available(const char **why)
{
	*why = "this build does not link libbpf (libbpf-dev missing, cross or static build)";
	return 0;
}

int kside_open(const char *path, struct kside **out, char *why, size_t n)
{
	(void)path;
	(void)out;
	snprintf(why, n, "no libbpf");
	return -ENOSYS;
}

int kside_prog_fd(struct kside *k, const char *name)
{
	(void)k;
	(void)name;
	return -1;
}

long kside_prog_insns(struct kside *k, const char *name, const void **insns)
{
	(void)k;
	(void)name;
	(void)insns;
	return -1;
}

int kside_map_fd(struct kside *k, const char *name)
{
	(void)k;
	(void)name;
	return -1;
}

int kside_ringbuf_drain(struct kside *k, const char *name,
			void (*fn)(void *ctx, const void *data, size_t size),
			void *ctx)
{
	(void)k;
	(void)name;
	(void)fn;
	(void)ctx;
	return -ENOSYS;
}

void kside_close(struct kside *k)
{
	(void)k;
}
#endif
