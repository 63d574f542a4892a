/* SPDX-License-Identifier: MIT */
/* See interpose.c: while set, libbpf's bpf(2) and perf calls go to kbpf. */
#ifndef KBPF_TEST_INTERPOSE_H
#define KBPF_TEST_INTERPOSE_H

extern int interpose_to_kbpf;

#endif
