/* SPDX-License-Identifier: MIT */
/*
 * The kernel oracle for differential tests: the same union bpf_attr bytes go
 * to the real bpf(2) and to kbpf_posix_bpf(), and the results are compared.
 */
#ifndef KBPF_TEST_ORACLE_H
#define KBPF_TEST_ORACLE_H

#include <stddef.h>

/*
 * 1 if this machine's bpf(2) works for us (root, syscall present); else 0
 * and *why (if not NULL) says why, for the skip message.
 */
int oracle_available(const char **why);

/* bpf(2) on the kernel: the result, or -errno. */
long oracle_kernel_bpf(int cmd, void *attr, unsigned int size);

/* The same on kbpf's POSIX host: the result, or -errno. */
long oracle_kbpf_bpf(int cmd, void *attr, unsigned int size);

/* Close an fd returned by either side (kbpf fds through kbpf_posix_close). */
void oracle_kernel_close(int fd);
void oracle_kbpf_close(int fd);

/* Name of an errno for messages ("E2BIG"; "ENOTSUPP" for 524). */
const char *oracle_errno_name(long err);

#endif /* KBPF_TEST_ORACLE_H */
