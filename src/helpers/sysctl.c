// SPDX-License-Identifier: MIT
/*
 * The helpers of cgroup sysctl programs (Linux's kernel/bpf/cgroup.c
 * bpf_sysctl_* in behaviour): the sysctl's name, its current value, the
 * value being written, and a replacement for it, on the struct
 * kbpf_sysctl the host filled (include/kbpf/cgroup.h). Program path: no
 * locks, no allocation; a context not built as a kbpf_sysctl (the run's
 * ctx_type) gives -EINVAL.
 */
#include "kbpf/cgroup.h"
#include "helpers_internal.h"

#define PTR(p) ((void *)(uintptr_t)(p))

static struct kbpf_sysctl *sysctl_ctx(struct kbpf_run *run, uint64_t ctx)
{
	if (run->ctx_type != BPF_PROG_TYPE_CGROUP_SYSCTL ||
	    PTR(ctx) != run->ctx)
		return NULL;
	return run->ctx;
}

static size_t sysctl_strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

/*
 * Linux's strscpy(): copy @src into @dst of @size bytes, NUL-terminated;
 * its length, or -E2BIG if it had to be cut (@dst then holds what fits).
 */
static int64_t sysctl_strscpy(char *dst, const char *src, size_t len,
			      size_t size)
{
	if (!size)
		return -KBPF_E2BIG;
	if (len < size) {
		memcpy(dst, src, len);
		dst[len] = 0;
		return (int64_t)len;
	}
	memcpy(dst, src, size - 1);
	dst[size - 1] = 0;
	return -KBPF_E2BIG;
}

/*
 * bpf_sysctl_get_name: the path below /proc/sys ("net/ipv4/ip_forward"),
 * or with BPF_F_SYSCTL_BASE_NAME its last part; its length, or -E2BIG
 * with as much as fits (Linux copies the directories one by one, each
 * with its '/', then the name: the cut string is the same).
 */
uint64_t kbpf_helper_sysctl_get_name(struct kbpf_run *run, uint64_t ctx,
				     uint64_t buf, uint64_t buf_len,
				     uint64_t flags, uint64_t r5)
{
	struct kbpf_sysctl *s = sysctl_ctx(run, ctx);
	const char *name, *base;
	size_t len;

	(void)r5;
	/* Other flag bits are ignored, as Linux does (measured). */
	if (!s || !PTR(buf))
		return (uint64_t)-KBPF_EINVAL;
	name = s->name ? s->name : "";
	len = sysctl_strlen(name);
	base = name + len;
	while (base > name && base[-1] != '/')
		base--;
	if (flags & BPF_F_SYSCTL_BASE_NAME)
		return (uint64_t)sysctl_strscpy(
			PTR(buf), base, len - (size_t)(base - name), buf_len);
	return (uint64_t)sysctl_strscpy(PTR(buf), name, len, buf_len);
}

/* Linux's copy_sysctl_value(). */
static int64_t sysctl_copy_value(char *dst, size_t dst_len, const char *src,
				 size_t src_len)
{
	if (!dst)
		return -KBPF_EINVAL;
	if (!dst_len)
		return -KBPF_E2BIG;
	if (!src || !src_len) {
		memset(dst, 0, dst_len);
		return -KBPF_EINVAL;
	}
	memcpy(dst, src, dst_len < src_len ? dst_len : src_len);
	if (dst_len > src_len) {
		memset(dst + src_len, 0, dst_len - src_len);
		return (int64_t)src_len;
	}
	dst[dst_len - 1] = 0;
	return -KBPF_E2BIG;
}

/* bpf_sysctl_get_current_value: the value as a read gives it. */
uint64_t kbpf_helper_sysctl_get_current_value(struct kbpf_run *run,
					      uint64_t ctx, uint64_t buf,
					      uint64_t buf_len, uint64_t r4,
					      uint64_t r5)
{
	struct kbpf_sysctl *s = sysctl_ctx(run, ctx);

	(void)r4;
	(void)r5;
	if (!s)
		return (uint64_t)-KBPF_EINVAL;
	return (uint64_t)sysctl_copy_value(PTR(buf), buf_len, s->cur_val,
					   s->cur_len);
}

/* bpf_sysctl_get_new_value: the value being written; on a read -EINVAL. */
uint64_t kbpf_helper_sysctl_get_new_value(struct kbpf_run *run, uint64_t ctx,
					  uint64_t buf, uint64_t buf_len,
					  uint64_t r4, uint64_t r5)
{
	struct kbpf_sysctl *s = sysctl_ctx(run, ctx);

	(void)r4;
	(void)r5;
	if (!s)
		return (uint64_t)-KBPF_EINVAL;
	if (!s->md.write) {
		if (PTR(buf) && buf_len)
			memset(PTR(buf), 0, buf_len);
		return (uint64_t)-KBPF_EINVAL;
	}
	return (uint64_t)sysctl_copy_value(PTR(buf), buf_len, s->new_val,
					   s->new_len);
}

/*
 * bpf_sysctl_set_new_value: on a write, what the sysctl gets instead; at
 * most a page less one byte (and what the host's buffer holds).
 */
uint64_t kbpf_helper_sysctl_set_new_value(struct kbpf_run *run, uint64_t ctx,
					  uint64_t buf, uint64_t buf_len,
					  uint64_t r4, uint64_t r5)
{
	struct kbpf_sysctl *s = sysctl_ctx(run, ctx);

	(void)r4;
	(void)r5;
	if (!s || !s->md.write || !s->new_val || !s->new_len || !PTR(buf) ||
	    !buf_len || buf_len > KBPF_PAGE_SIZE - 1 || buf_len > s->new_cap)
		return (uint64_t)-KBPF_EINVAL;
	memcpy(s->new_val, PTR(buf), buf_len);
	s->new_len = buf_len;
	s->new_updated = true;
	return 0;
}
