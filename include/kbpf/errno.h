/* SPDX-License-Identifier: MIT */
/*
 * kbpf error numbers: Linux's errno values (the asm-generic table used by
 * x86, arm64 and riscv), under kbpf's own names.
 *
 * Every fallible kbpf function returns a negative value from this table.
 * A host whose own errno numbers differ translates at its syscall boundary;
 * kbpf never does, because user space built for Linux (libbpf) compares
 * against these exact numbers. The errno_values test of
 * tests/unit/core/test_core.c checks each value against the C library of
 * the Linux host that runs the tests.
 */
#ifndef KBPF_ERRNO_H
#define KBPF_ERRNO_H

#define KBPF_EPERM 1 /* operation not permitted */
#define KBPF_ENOENT 2 /* no such element / entry */
#define KBPF_ESRCH 3 /* no such process */
#define KBPF_EINTR 4 /* interrupted */
#define KBPF_EIO 5 /* I/O error */
#define KBPF_ENXIO 6 /* no such device or address */
#define KBPF_E2BIG 7 /* too big (full hash map, attr tail not zero) */
#define KBPF_ENOEXEC 8 /* exec format error */
#define KBPF_EBADF 9 /* fd not open */
#define KBPF_ECHILD 10 /* no child process */
#define KBPF_EAGAIN 11 /* try again (ring buffer has no room) */
#define KBPF_ENOMEM 12 /* out of memory */
#define KBPF_EACCES 13 /* permission denied (verifier refusal) */
#define KBPF_EFAULT 14 /* bad address */
#define KBPF_EBUSY 16 /* resource busy (re-entrancy, writable mmap) */
#define KBPF_EEXIST 17 /* element exists (BPF_NOEXIST) */
#define KBPF_EXDEV 18 /* cross-device link */
#define KBPF_ENODEV 19 /* no such device */
#define KBPF_ENOTDIR 20 /* not a directory */
#define KBPF_EISDIR 21 /* is a directory */
#define KBPF_EINVAL 22 /* invalid argument */
#define KBPF_ENFILE 23 /* file table overflow */
#define KBPF_EMFILE 24 /* too many open files */
#define KBPF_ENOTTY 25 /* inappropriate ioctl */
#define KBPF_EFBIG 27 /* file too large */
#define KBPF_ENOSPC 28 /* no space left (short output buffer, log) */
#define KBPF_ESPIPE 29 /* illegal seek */
#define KBPF_EROFS 30 /* read-only file system */
#define KBPF_EMLINK 31 /* too many links */
#define KBPF_EPIPE 32 /* broken pipe */
#define KBPF_EDOM 33 /* argument out of domain */
#define KBPF_ERANGE \
	34 /* result out of range (probe_read_kernel of a user address) */
#define KBPF_EDEADLK 35 /* deadlock would occur */
#define KBPF_ENAMETOOLONG 36 /* name too long */
#define KBPF_ENOLCK 37 /* no locks available */
#define KBPF_ENOSYS 38 /* function not implemented */
#define KBPF_ENOTEMPTY 39 /* directory not empty */
#define KBPF_ELOOP 40 /* too many levels (tail calls, symlinks) */
#define KBPF_ENOMSG 42 /* no message of the desired type */
#define KBPF_EIDRM 43 /* identifier removed */
#define KBPF_ENOSTR 60 /* not a stream */
#define KBPF_ENODATA 61 /* no data available */
#define KBPF_ETIME 62 /* timer expired */
#define KBPF_ENOLINK 67 /* link has been severed */
#define KBPF_EPROTO 71 /* protocol error */
#define KBPF_EBADMSG 74 /* not a data message */
#define KBPF_EOVERFLOW 75 /* value too large for the type */
#define KBPF_ENOTUNIQ 76 /* name not unique */
#define KBPF_EBADFD 77 /* fd in bad state */
#define KBPF_EILSEQ 84 /* illegal byte sequence */
#define KBPF_EUSERS 87 /* too many users */
#define KBPF_ENOTSOCK 88 /* not a socket */
#define KBPF_EDESTADDRREQ 89 /* destination address required */
#define KBPF_EMSGSIZE 90 /* message too long */
#define KBPF_EPROTOTYPE 91 /* wrong protocol type */
#define KBPF_ENOPROTOOPT 92 /* protocol not available */
#define KBPF_EPROTONOSUPPORT 93 /* protocol not supported */
#define KBPF_EOPNOTSUPP 95 /* operation not supported (user-visible) */
#define KBPF_EAFNOSUPPORT 97 /* address family not supported */
#define KBPF_EADDRINUSE 98 /* address in use */
#define KBPF_EADDRNOTAVAIL 99 /* address not available */
#define KBPF_ENETDOWN 100 /* network is down */
#define KBPF_ENETUNREACH 101 /* network unreachable */
#define KBPF_ENOBUFS 105 /* no buffer space */
#define KBPF_EISCONN 106 /* already connected */
#define KBPF_ENOTCONN 107 /* not connected */
#define KBPF_ETIMEDOUT 110 /* timed out */
#define KBPF_ECONNREFUSED 111 /* connection refused */
#define KBPF_EHOSTUNREACH 113 /* host unreachable */
#define KBPF_EALREADY 114 /* operation already in progress */
#define KBPF_EINPROGRESS 115 /* operation now in progress */
#define KBPF_ESTALE 116 /* stale handle */
#define KBPF_EDQUOT 122 /* quota exceeded */
#define KBPF_ECANCELED 125 /* operation canceled */
#define KBPF_EOWNERDEAD 130 /* owner died */
#define KBPF_ENOTRECOVERABLE 131 /* state not recoverable */
/*
 * Kernel-internal: Linux returns 524 to user space from several bpf(2) map
 * commands (LOOKUP_AND_DELETE on arrays, ring buffer element commands, batch
 * commands a type lacks). libbpf and bpftool see 524, so kbpf returns it too.
 */
#define KBPF_ENOTSUPP 524

/* Largest errno kbpf returns; a value in [-KBPF_MAX_ERRNO, -1] is an error. */
#define KBPF_MAX_ERRNO 4095

#endif /* KBPF_ERRNO_H */
