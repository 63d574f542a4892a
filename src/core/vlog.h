/* SPDX-License-Identifier: MIT */
/*
 * The verifier log of BPF_PROG_LOAD, with Linux's semantics: a user buffer
 * of log_size bytes; in the default rolling mode it keeps the end of the
 * text, with BPF_LOG_FIXED the beginning; it is always NUL-terminated; if
 * the text did not fit the load fails with -ENOSPC; log_true_size reports
 * the size the whole text needed.
 *
 * The text is kept in a kernel-side buffer of the same size and copied to
 * user memory once, at the end, so the program path of the check never
 * calls user-copy callbacks.
 */
#ifndef KBPF_CORE_VLOG_H
#define KBPF_CORE_VLOG_H

#include <stdarg.h>

#include "alloc.h"
#include "util.h"

#define KBPF_LOG_LEVEL1 1u
#define KBPF_LOG_LEVEL2 2u
#define KBPF_LOG_STATS 4u
#define KBPF_LOG_FIXED 8u
#define KBPF_LOG_MASK 0xfu

struct kbpf_vlog {
	const struct kbpf_host *host;
	uint32_t level;
	uint32_t size; /* bytes of the user buffer */
	uint64_t ubuf; /* user address */
	bool kernel; /* ubuf is a kernel address */
	char *buf; /* kernel copy, size bytes */
	uint64_t start; /* rolling: logical offset of buf[0] */
	uint64_t end; /* logical bytes written so far */
	/*
	 * Set by the caller after kbpf_vlog_init(): a level without a buffer
	 * still counts the text, so that the true size can be reported (what
	 * BPF_BTF_LOAD's btf_log_true_size gives, measured).
	 */
	bool counting;
};

/* Linux's bpf_verifier_log_attr_valid(); 0 or -EINVAL. */
int kbpf_vlog_init(struct kbpf_vlog *log, const struct kbpf_host *h,
		   uint32_t level, uint32_t size, uint64_t ubuf, bool kernel);
/* Append formatted text (a subset of printf: %d %u %x %s %c %ld %lu %lld %llu %llx %02x). */
void kbpf_vlog_printf(struct kbpf_vlog *log, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append @n bytes of @s as one line of Linux's log (no formatting). */
void kbpf_vlog_write(struct kbpf_vlog *log, const char *s, size_t n);
/*
 * Drop what was written after logical offset @pos, a value of @log->end
 * (Linux's bpf_vlog_reset(): the lines of a path that ended without an
 * error). No lock: the log belongs to one load.
 */
void kbpf_vlog_reset(struct kbpf_vlog *log, uint64_t pos);
/*
 * Copy the log to the user buffer and report its true size; return @err,
 * or -ENOSPC if @err is 0 and the text did not fit, or -EFAULT.
 */
int kbpf_vlog_finalize(struct kbpf_vlog *log, int err, uint32_t *true_size);
void kbpf_vlog_fini(struct kbpf_vlog *log);

#endif /* KBPF_CORE_VLOG_H */
