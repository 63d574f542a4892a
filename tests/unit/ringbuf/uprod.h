/* SPDX-License-Identifier: MIT */
/*
 * A user-space producer for user ring buffers: libbpf's user_ring_buffer
 * (Debian's libbpf-dev), on a kernel map fd or, through interpose.c, on a
 * kbpf map fd. Kept apart from kbpf's UAPI headers (libbpf brings Linux's).
 */
#ifndef KBPF_TEST_RINGBUF_UPROD_H
#define KBPF_TEST_RINGBUF_UPROD_H

#include <stdint.h>

struct uprod;

/* 1 if this build links libbpf, else 0 and *why says why. */
int uprod_available(const char **why);

/* user_ring_buffer__new(@map_fd) with bpf(2) going to kbpf if @kbpf. */
struct uprod *uprod_new(int map_fd, int kbpf);
/* user_ring_buffer__reserve: the sample or NULL with errno (E2BIG, ENOSPC). */
void *uprod_reserve(struct uprod *p, uint32_t size);
void uprod_submit(struct uprod *p, void *sample);
void uprod_discard(struct uprod *p, void *sample);
void uprod_free(struct uprod *p);

#endif
