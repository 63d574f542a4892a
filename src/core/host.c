// SPDX-License-Identifier: MIT
/*
 * Host table checks, the warning channel, per-CPU blocks and the user-copy
 * fallbacks for single-address-space hosts.
 */
#include "alloc.h"

int kbpf_host_check(const struct kbpf_host *h, const char **what)
{
	const char *bad = NULL;

	if (!h)
		bad = "host";
	else if (!h->alloc)
		bad = "alloc";
	else if (!h->free)
		bad = "free";
	else if (!h->cpu_id)
		bad = "cpu_id";
	else if (h->nr_cpus == 0 || h->nr_cpus > KBPF_MAX_CPUS)
		bad = "nr_cpus";
	else if (!h->mono_ns)
		bad = "mono_ns";
	else if (!h->alloc_pages != !h->free_pages)
		bad = "free_pages";
	else if (!h->vmap != !h->vunmap)
		bad = "vunmap";
	else if (!h->irq_save != !h->irq_restore)
		bad = "irq_restore";
	else if (h->id_alloc && !h->id_release)
		bad = "id_release";
	else if (!h->read_lock != !h->read_unlock)
		bad = "read_unlock";
	else if (h->verifier > KBPF_VERIFIER_FALLBACK)
		bad = "verifier";
	else if (!h->jit_alloc != !h->jit_seal)
		bad = "jit_seal";
	else if (!h->jit_alloc != !h->jit_free)
		bad = "jit_free";
	else if (h->jit_harden > 2)
		bad = "jit_harden";
	else if (!h->timer_alloc != !h->timer_start)
		bad = "timer_start";
	else if (!h->timer_alloc != !h->timer_cancel)
		bad = "timer_cancel";
	else if (!h->timer_alloc != !h->timer_free)
		bad = "timer_free";
	else if (!h->sk_lookup != !h->sk_release)
		bad = "sk_release";
	if (what)
		*what = bad;
	return bad ? -KBPF_EINVAL : 0;
}

void kbpf_warn(const struct kbpf_host *h, const char *file, int line,
	       const char *what)
{
	if (h && h->warn)
		h->warn(h, file, line, what);
}

int kbpf_percpu_init(struct kbpf_percpu *pc, const struct kbpf_host *h,
		     size_t size, uint32_t flags)
{
	size_t stride = kbpf_round_up(size ? size : 1, KBPF_CACHE_LINE);
	size_t total;

	if (kbpf_mul_overflow(stride, (size_t)h->nr_cpus, &total))
		return -KBPF_ENOMEM;
	pc->base = kbpf_malloc_aligned(h, total, KBPF_CACHE_LINE,
				       flags | KBPF_ALLOC_ZERO);
	if (!pc->base)
		return -KBPF_ENOMEM;
	pc->stride = stride;
	pc->nr = h->nr_cpus;
	return 0;
}

void kbpf_percpu_fini(struct kbpf_percpu *pc, const struct kbpf_host *h)
{
	kbpf_free(h, pc->base, pc->stride * pc->nr);
	pc->base = NULL;
}

int kbpf_copy_from_user(const struct kbpf_host *h, void *dst, const void *usrc,
			size_t n)
{
	if (h->copy_from_user)
		return h->copy_from_user(h, dst, usrc, n);
	if (!usrc && n)
		return -KBPF_EFAULT;
	if (n)
		memcpy(dst, usrc, n);
	return 0;
}

int kbpf_copy_to_user(const struct kbpf_host *h, void *udst, const void *src,
		      size_t n)
{
	if (h->copy_to_user)
		return h->copy_to_user(h, udst, src, n);
	if (!udst && n)
		return -KBPF_EFAULT;
	if (n)
		memcpy(udst, src, n);
	return 0;
}

int kbpf_check_tail_zero(const struct kbpf_host *h, const void *uptr,
			 size_t expected, size_t actual)
{
	uint8_t buf[64];
	size_t off = expected;

	if (actual > KBPF_ATTR_MAX_SIZE)
		return -KBPF_E2BIG;
	while (off < actual) {
		size_t n = kbpf_min(sizeof(buf), actual - off);
		size_t i;
		/* A user address, possibly NULL: offset it as an integer. */
		const void *src = (const void *)((uintptr_t)uptr + off);
		int err = kbpf_copy_from_user(h, buf, src, n);

		if (err)
			return err;
		for (i = 0; i < n; i++)
			if (buf[i])
				return -KBPF_E2BIG;
		off += n;
	}
	return 0;
}

long kbpf_strncpy_from_user(const struct kbpf_host *h, char *dst,
			    const char *usrc, size_t n)
{
	size_t i;

	if (h->strncpy_from_user)
		return h->strncpy_from_user(h, dst, usrc, n);
	if (!usrc)
		return -KBPF_EFAULT;
	for (i = 0; i < n; i++) {
		dst[i] = usrc[i];
		if (!usrc[i])
			return (long)i;
	}
	return (long)n;
}
