/* SPDX-License-Identifier: MIT */
/* See interpose.c: while set, libbpf's bpf(2) and perf calls go to kbpf. */
#ifndef KBPF_TEST_INTERPOSE_H
#define KBPF_TEST_INTERPOSE_H

extern int interpose_to_kbpf;

/*
 * When set, every BPF_PROG_LOAD through syscall() (either side) goes to
 * this hook instead, with to_kbpf telling the side libbpf meant; inside it
 * syscall(), mmap(), ioctl() and close() are the real calls (kbpf fds must
 * be closed with kbpf_posix_close()). It returns what the syscall would:
 * an fd, or -1 with errno set.
 */
extern long (*interpose_prog_load)(void *attr, unsigned int size, int to_kbpf);

#endif
