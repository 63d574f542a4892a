// SPDX-License-Identifier: MIT
/*
 * The dynptr helpers (kernel/bpf/helpers.c and kernel/bpf/ringbuf.c in
 * behaviour): bpf_dynptr_from_mem, bpf_ringbuf_reserve_dynptr,
 * bpf_ringbuf_submit_dynptr, bpf_ringbuf_discard_dynptr, bpf_dynptr_read,
 * bpf_dynptr_write and bpf_dynptr_data, over Linux's struct bpf_dynptr
 * layout (src/core/dynptr.h), and bpf_user_ringbuf_drain, which hands
 * each sample to a callback as a dynptr.
 *
 * Linux's verifier guarantees that the struct bpf_dynptr a helper gets was
 * built by a helper and not changed since. kbpf has no verifier: a program
 * can write any 16 bytes to its stack and pass them. So in checked mode
 * every helper here checks the memory a dynptr names against the program's
 * regions after Linux's own checks (which decide the errno), and stops the
 * program with -EFAULT (-EINVAL for a submit of memory that is not a
 * record it holds) instead of touching memory the program could not reach.
 * In fast mode the program is trusted, as Linux trusts what it verified;
 * only the dynptr type is checked before a commit, which costs nothing.
 *
 * Program path only: no locks here besides the ring's own.
 */
#include "core/alloc.h"
#include "helpers_internal.h"
#include "core/dynptr.h"
#include "core/map.h"
#include "maps/ringbuf.h"

#define DYN(p) ((struct kbpf_dynptr *)(uintptr_t)(p))
#define PTR(p) ((void *)(uintptr_t)(p))

/* Checked mode: the dynptr's bytes [off, off + len) are the program's. */
static bool dynptr_mem_ok(struct kbpf_run *run, const struct kbpf_dynptr *d,
			  uint32_t off, uint32_t len, bool write)
{
	const uint8_t *p = (const uint8_t *)d->data + d->offset + off;

	if (!len || kbpf_run_access_ok(run, p, len, write))
		return true;
	run->error = -KBPF_EFAULT;
	return false;
}

uint64_t kbpf_helper_dynptr_from_mem(struct kbpf_run *run, uint64_t data,
				     uint64_t size, uint64_t flags,
				     uint64_t ptr, uint64_t r5)
{
	struct kbpf_dynptr *d = DYN(ptr);

	if ((uint32_t)size > KBPF_DYNPTR_MAX_SIZE) {
		kbpf_dynptr_set_null(d);
		return (uint64_t)-KBPF_E2BIG;
	}
	if (flags) {
		kbpf_dynptr_set_null(d);
		return (uint64_t)-KBPF_EINVAL;
	}
	kbpf_dynptr_init(d, PTR(data), KBPF_DYNPTR_TYPE_LOCAL, 0,
			 (uint32_t)size);
	return 0;
}

/*
 * Linux's order: flags, then the size limit, then the reservation; each
 * failure leaves an invalid (all-zero) dynptr that the program must still
 * submit or discard, which is then a no-op.
 */
/* A record the program leaked (checked mode): discard it. */
static void ringbuf_dynptr_release(void *sample)
{
	kbpf_ringbuf_discard(sample, 0);
}

uint64_t kbpf_helper_ringbuf_reserve_dynptr(struct kbpf_run *run, uint64_t map,
					    uint64_t size, uint64_t flags,
					    uint64_t ptr, uint64_t r5)
{
	struct kbpf_map *m = (struct kbpf_map *)(uintptr_t)map;
	struct kbpf_dynptr *d = DYN(ptr);
	uint32_t sz = (uint32_t)size; /* the prototype's u32 */
	void *rec;

	if (flags) {
		kbpf_dynptr_set_null(d);
		return (uint64_t)-KBPF_EINVAL;
	}
	if (sz > KBPF_DYNPTR_MAX_SIZE) {
		kbpf_dynptr_set_null(d);
		return (uint64_t)-KBPF_E2BIG;
	}
	/* No verifier ties the map to its type: check here. */
	rec = m->map_type == BPF_MAP_TYPE_RINGBUF ?
		      kbpf_ringbuf_reserve(m, sz) :
		      NULL;
	if (!rec) {
		kbpf_dynptr_set_null(d);
		return (uint64_t)-KBPF_EINVAL;
	}
	kbpf_run_add_record(run, rec, sz, ringbuf_dynptr_release);
	kbpf_dynptr_init(d, rec, KBPF_DYNPTR_TYPE_RINGBUF, 0, sz);
	return 0;
}

static uint64_t ringbuf_commit_dynptr(struct kbpf_run *run, uint64_t ptr,
				      uint64_t flags, bool discard)
{
	struct kbpf_dynptr *d = DYN(ptr);

	if (!d->data)
		return 0;
	if (kbpf_dynptr_type(d) != KBPF_DYNPTR_TYPE_RINGBUF ||
	    !kbpf_run_take_record(run, d->data, ringbuf_dynptr_release)) {
		/* Linux's verifier refuses such a program. */
		if (run->checked)
			run->error = -KBPF_EINVAL;
		return 0;
	}
	if (discard)
		kbpf_ringbuf_discard(d->data, flags);
	else
		kbpf_ringbuf_submit(d->data, flags);
	kbpf_dynptr_set_null(d);
	return 0;
}

uint64_t kbpf_helper_ringbuf_submit_dynptr(struct kbpf_run *run, uint64_t ptr,
					   uint64_t flags, uint64_t r3,
					   uint64_t r4, uint64_t r5)
{
	return ringbuf_commit_dynptr(run, ptr, flags, false);
}

uint64_t kbpf_helper_ringbuf_discard_dynptr(struct kbpf_run *run, uint64_t ptr,
					    uint64_t flags, uint64_t r3,
					    uint64_t r4, uint64_t r5)
{
	return ringbuf_commit_dynptr(run, ptr, flags, true);
}

/* Local and ring buffer memory are plain memory; kbpf has no skb or xdp. */
static bool dynptr_is_plain(const struct kbpf_dynptr *d)
{
	enum kbpf_dynptr_type t = kbpf_dynptr_type(d);

	return t == KBPF_DYNPTR_TYPE_LOCAL || t == KBPF_DYNPTR_TYPE_RINGBUF;
}

uint64_t kbpf_helper_dynptr_read(struct kbpf_run *run, uint64_t dst,
				 uint64_t len, uint64_t src, uint64_t offset,
				 uint64_t flags)
{
	const struct kbpf_dynptr *d = DYN(src);
	uint32_t n = (uint32_t)len, off = (uint32_t)offset;
	int err;

	if (!d->data || flags)
		return (uint64_t)-KBPF_EINVAL;
	err = kbpf_dynptr_check_off_len(d, off, n);
	if (err)
		return (uint64_t)(int64_t)err;
	if (!dynptr_is_plain(d))
		return (uint64_t)-KBPF_EFAULT; /* Linux's unknown-type case */
	if (!dynptr_mem_ok(run, d, off, n, false))
		return 0;
	/* Both may be the same memory (two dynptrs over one map value). */
	memmove(PTR(dst), (uint8_t *)d->data + d->offset + off, n);
	return 0;
}

uint64_t kbpf_helper_dynptr_write(struct kbpf_run *run, uint64_t dst,
				  uint64_t offset, uint64_t src, uint64_t len,
				  uint64_t flags)
{
	const struct kbpf_dynptr *d = DYN(dst);
	uint32_t n = (uint32_t)len, off = (uint32_t)offset;
	int err;

	if (!d->data || kbpf_dynptr_is_rdonly(d))
		return (uint64_t)-KBPF_EINVAL;
	err = kbpf_dynptr_check_off_len(d, off, n);
	if (err)
		return (uint64_t)(int64_t)err;
	if (!dynptr_is_plain(d))
		return (uint64_t)-KBPF_EFAULT;
	if (flags)
		return (uint64_t)-KBPF_EINVAL;
	if (!dynptr_mem_ok(run, d, off, n, true))
		return 0;
	memmove((uint8_t *)d->data + d->offset + off, PTR(src), n);
	return 0;
}

/*
 * NULL for an invalid or read-only dynptr or a range outside it, as
 * Linux. The memory returned is the program's (stores to it are checked
 * one by one in checked mode), so it only needs to be readable here.
 */
uint64_t kbpf_helper_dynptr_data(struct kbpf_run *run, uint64_t ptr,
				 uint64_t offset, uint64_t len, uint64_t r4,
				 uint64_t r5)
{
	const struct kbpf_dynptr *d = DYN(ptr);
	uint32_t n = (uint32_t)len, off = (uint32_t)offset;

	if (!d->data || kbpf_dynptr_check_off_len(d, off, n) ||
	    kbpf_dynptr_is_rdonly(d) || !dynptr_is_plain(d))
		return 0;
	if (!dynptr_mem_ok(run, d, off, n, false))
		return 0;
	return (uint64_t)(uintptr_t)((uint8_t *)d->data + d->offset + off);
}

struct drain_ctx {
	struct kbpf_run *run;
	uint64_t fn;
	uint64_t ctx;
};

/*
 * One sample to the program's callback, as a local dynptr on this stack
 * (Linux's kernel stack): writable, as Linux leaves it (measured: the
 * callback's dynptr_write and stores through dynptr_data reach the user
 * pages). In checked mode the sample and the dynptr are the program's
 * only for the callback: the dynptr only as a helper argument (read-only,
 * so it cannot be retargeted; not loaded, as its bytes hold addresses).
 */
static long drain_sample(void *p, void *data, uint32_t size)
{
	struct drain_ctx *c = p;
	struct kbpf_run *run = c->run;
	struct kbpf_dynptr d;
	uint64_t ret;

	kbpf_dynptr_init(&d, data, KBPF_DYNPTR_TYPE_LOCAL, 0, size);
	kbpf_run_add_dynptr(run, &d, sizeof(d));
	kbpf_run_add_region(run, data, size, true);
	ret = run->error ? 0 :
			   run->call_func(run, c->fn, (uint64_t)(uintptr_t)&d,
					  c->ctx, 0, 0, 0);
	kbpf_run_del_region(run, data, size);
	kbpf_run_del_region(run, &d, sizeof(d));
	/* A fault in the callback stops the drain (and then the program). */
	return run->error ? 1 : ret != 0;
}

uint64_t kbpf_helper_user_ringbuf_drain(struct kbpf_run *run, uint64_t map,
					uint64_t fn, uint64_t ctx,
					uint64_t flags, uint64_t r5)
{
	struct drain_ctx c = { run, fn, ctx };

	return (uint64_t)kbpf_user_ringbuf_drain(
		(struct kbpf_map *)(uintptr_t)map, drain_sample, &c, flags);
}
