/* SPDX-License-Identifier: MIT */
/*
 * The kernel side of the loader's differential tests: the same object file
 * loaded into the running kernel by libbpf. Kept apart from the kbpf
 * headers (libbpf brings the system's linux/bpf.h).
 */
#ifndef KBPF_TEST_LIBBPF_SIDE_H
#define KBPF_TEST_LIBBPF_SIDE_H

#include <stddef.h>

struct kside;

/* 1 if this build links libbpf, else 0 and *why says why. */
int kside_available(const char **why);

/* Open and load @path with libbpf: 0 or -errno (message in @why). */
int kside_open(const char *path, struct kside **out, char *why, size_t n);

/* fd of the program named @name / the map named @name (".bss" etc.), or -1. */
int kside_prog_fd(struct kside *k, const char *name);
int kside_map_fd(struct kside *k, const char *name);

/*
 * Read every record of the ring buffer map @name: @fn is called with each
 * record in order. Returns the number of records or -errno.
 */
int kside_ringbuf_drain(struct kside *k, const char *name,
			void (*fn)(void *ctx, const void *data, size_t size),
			void *ctx);

/*
 * The instructions libbpf gave the kernel for program @name (after CO-RE
 * and every other relocation): their count, or -1; *@insns points into
 * libbpf's copy, valid until kside_close().
 */
long kside_prog_insns(struct kside *k, const char *name, const void **insns);

void kside_close(struct kside *k);

#endif
