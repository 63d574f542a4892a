/* SPDX-License-Identifier: MIT */
/* See interpose.c: route libbpf's bpf(2) calls to kbpf while set. */
#ifndef KBPF_TEST_RINGBUF_INTERPOSE_H
#define KBPF_TEST_RINGBUF_INTERPOSE_H

extern int interpose_to_kbpf;

#endif
