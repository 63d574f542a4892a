// SPDX-License-Identifier: MIT
/*
 * The verifier log (kernel/bpf/log.c in behaviour); its formatter is
 * core/util.c's kbpf_vsnprintf(). The rolling log keeps the newest log_size - 1 bytes in a ring
 * and unrolls it at the end, as Linux does.
 */
#include "vlog.h"

int kbpf_vlog_init(struct kbpf_vlog *log, const struct kbpf_host *h,
		   uint32_t level, uint32_t size, uint64_t ubuf, bool kernel)
{
	memset(log, 0, sizeof(*log));
	log->host = h;
	if (!!ubuf != !!size)
		return -KBPF_EINVAL;
	if (ubuf && level == 0)
		return -KBPF_EINVAL;
	if (level & ~KBPF_LOG_MASK)
		return -KBPF_EINVAL;
	if (size > (0xffffffffu >> 2))
		return -KBPF_EINVAL;
	log->level = ubuf ? level : 0;
	log->size = size;
	log->ubuf = ubuf;
	log->kernel = kernel;
	if (log->level) {
		log->buf = kbpf_zalloc(h, size, 0);
		if (!log->buf)
			return -KBPF_ENOMEM;
	}
	return 0;
}

void kbpf_vlog_fini(struct kbpf_vlog *log)
{
	kbpf_free(log->host, log->buf, log->size);
	log->buf = NULL;
}

static void vlog_put(struct kbpf_vlog *log, const char *s, size_t n)
{
	uint64_t cap = log->size - 1; /* room for the NUL */
	size_t i;

	if (!log->level || !cap || !log->buf)
		goto count;
	if (log->level & KBPF_LOG_FIXED) {
		for (i = 0; i < n && log->end + i < cap; i++)
			log->buf[log->end + i] = s[i];
	} else {
		for (i = 0; i < n; i++)
			log->buf[(log->end + i) % cap] = s[i];
		if (log->end + n > cap)
			log->start = log->end + n - cap;
	}
count:
	log->end += n;
}

void kbpf_vlog_write(struct kbpf_vlog *log, const char *s, size_t n)
{
	if (log->level || log->counting)
		vlog_put(log, s, n);
}

void kbpf_vlog_printf(struct kbpf_vlog *log, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (!log->level)
		return;
	va_start(ap, fmt);
	n = kbpf_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	vlog_put(log, line, (size_t)n);
}

void kbpf_vlog_reset(struct kbpf_vlog *log, uint64_t pos)
{
	if (pos >= log->end)
		return;
	log->end = pos;
	if (log->start > pos)
		log->start = pos;
}

int kbpf_vlog_finalize(struct kbpf_vlog *log, int err, uint32_t *true_size)
{
	uint64_t cap, len, first;
	char *out;
	int cerr;

	*true_size = 0;
	if (!log->level) {
		if (log->counting && log->end)
			*true_size = (uint32_t)kbpf_min(log->end + 1,
							(uint64_t)0xffffffffu);
		return err;
	}
	*true_size = (uint32_t)kbpf_min(log->end + 1, (uint64_t)0xffffffffu);
	cap = log->size - 1;
	len = kbpf_min(log->end, cap);
	out = kbpf_malloc(log->host, len + 1, 0);
	if (!out)
		return err ? err : -KBPF_ENOMEM;
	if (log->level & KBPF_LOG_FIXED) {
		memcpy(out, log->buf, len);
	} else {
		/* Unroll the ring: oldest kept byte first. */
		first = cap ? log->start % cap : 0;
		for (uint64_t i = 0; i < len; i++)
			out[i] = log->buf[(first + i) % cap];
	}
	out[len] = 0;
	if (log->kernel) {
		memcpy(kbpf_u64_to_ptr(log->ubuf), out, len + 1);
		cerr = 0;
	} else {
		cerr = kbpf_copy_to_user(log->host, kbpf_u64_to_ptr(log->ubuf),
					 out, len + 1);
	}
	kbpf_free(log->host, out, len + 1);
	if (cerr)
		return -KBPF_EFAULT;
	if (!err && log->end > cap)
		return -KBPF_ENOSPC;
	return err;
}
