// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_RINGBUF (Linux's kernel/bpf/ringbuf.c in behaviour): a
 * multi-producer, single-consumer ring that user space maps and reads by
 * layout, so the layout is the contract.
 *
 * Pages, from the host (alloc_pages), mapped with vmap in this order:
 *
 *   +0       meta page: kbpf only (points back at the ring)
 *   +4096    consumer page: u64 consumer_pos at byte 0 (the consumer writes)
 *   +8192    producer page: u64 producer_pos at byte 0 (kbpf writes)
 *   +12288   data pages 0 .. N-1
 *   +12288 + size   the same data pages again
 *
 * The data is mapped twice in a row so that a record that wraps is
 * contiguous in memory. User space maps the list from the consumer page on
 * (mmap_pages), so mmap offset 0 is the consumer page as in Linux; the host
 * should make the consumer page writable and everything from the producer
 * page on read-only (Linux refuses a writable mapping of those with
 * -EPERM). The meta page makes the page numbering Linux's: data starts at
 * page 3, which is what a record's pg_off counts from, and submit finds the
 * ring from a record alone, as Linux does.
 *
 * Records: an 8-byte header {u32 len, u32 pg_off} then the payload, 8-byte
 * aligned. len carries BPF_RINGBUF_BUSY_BIT while reserved and
 * BPF_RINGBUF_DISCARD_BIT if discarded; pg_off is the header's page index
 * counted as in Linux's ring object, whose data starts at page 3. Padding
 * and discarded payloads are left as they are (measured).
 *
 * Locking: reservations take the ring's producer lock and wait for it, as
 * Linux 6.18's rqspinlock does: a reserve fails only for lack of room or
 * when waiting could not end. The lock word holds the holder's CPU + 1, so
 * a reserve that finds its own CPU there interrupted a reservation on this
 * CPU (a program run from an interrupt while the host has no irq_save):
 * it fails at once (-EDEADLK, Linux's AA deadlock) instead of spinning
 * forever. The wait is bounded by host->lock_timeout_ns of host->mono_ns
 * (default RINGBUF_LOCK_TIMEOUT_NS: Linux's default rqspinlock timeout, a
 * quarter second), after which the reserve fails (-ETIMEDOUT) rather than
 * hang the CPU on a stuck holder.
 * Commits are lock-free (an exchange on the header). producer_pos is published with a release store that pairs with
 * the consumer's acquire load; the consumer's release store of
 * consumer_pos pairs with the acquire load in reserve.
 *
 * BPF_MAP_TYPE_USER_RINGBUF is the same object with the roles swapped:
 * user space produces (writes producer_pos, the headers and the data, as
 * libbpf's user_ring_buffer does) and bpf_user_ringbuf_drain consumes.
 * User space may map the producer page and the data writable and the
 * consumer page only read-only (Linux's -EPERM otherwise), so nothing it
 * writes is trusted: each sample is checked against the ring before a
 * program sees it. Consumers are serialised by the busy flag (a drain that
 * finds it set returns -EBUSY, as Linux's, instead of holding a lock across
 * the program's callbacks). See docs/design/ringbuf.md.
 */
#include "core/spinlock.h"
#include "core/dynptr.h"
#include "ringbuf.h"
#include "map_internal.h"

#define RINGBUF_CREATE_FLAG_MASK (BPF_F_NUMA_NODE)
/* Linux's RINGBUF_MAX_RECORD_SZ. */
#define RINGBUF_MAX_RECORD_SZ (0xffffffffu / 4)
/* Page index of the first data page in Linux's ring object. */
#define RINGBUF_PGOFF 3
/*
 * Longest wait for the producer lock unless the host says
 * (host->lock_timeout_ns): Linux's rqspinlock default timeout,
 * RES_DEF_TIMEOUT, a quarter second. The clock is read once every
 * RINGBUF_LOCK_SPINS spins.
 */
#define RINGBUF_LOCK_TIMEOUT_NS 250000000ull
#define RINGBUF_LOCK_SPINS 1024u

/* Linux's BPF_MAX_USER_RINGBUF_SAMPLES: samples one drain may visit. */
#define USER_RINGBUF_MAX_SAMPLES (128 * 1024)

extern const struct kbpf_map_ops kbpf_ringbuf_map_ops;
extern const struct kbpf_map_ops kbpf_user_ringbuf_map_ops;

struct kbpf_ringbuf {
	struct kbpf_map map;
	atomic_uint owner; /* producer lock: 0 free, else holder's CPU + 1 */
	uint64_t mask; /* data size - 1 */
	uint64_t pending_pos; /* oldest record not yet committed (under lock) */
	uint32_t busy; /* USER_RINGBUF: a drain is running (atomic) */
	uintptr_t *pages; /* consumer, producer, data..., data... */
	size_t nr_list; /* entries in pages */
	size_t nr_alloc; /* distinct pages */
	uint8_t *base; /* vmap of the list */
	uint64_t *consumer_pos;
	uint64_t *producer_pos;
	uint8_t *data;
};

struct ringbuf_hdr {
	uint32_t len;
	uint32_t pg_off;
};

static inline struct kbpf_ringbuf *rb(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_ringbuf, map);
}

/*
 * Called from syscall: Linux's ringbuf_map_alloc() checks, made when
 * allocating, after the privilege check, as Linux makes them.
 */
static int rb_check(const struct kbpf_host *h, const union bpf_attr *attr)
{
	if ((attr->map_flags & ~RINGBUF_CREATE_FLAG_MASK) || attr->key_size ||
	    attr->value_size || !kbpf_is_pow2(attr->max_entries) ||
	    attr->max_entries % KBPF_PAGE_SIZE)
		return -KBPF_EINVAL;
	if (!h->alloc_pages || !h->vmap)
		return -KBPF_EOPNOTSUPP;
	return 0;
}

/* Called from syscall */
static int rb_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out)
{
	size_t data_pages = attr->max_entries / KBPF_PAGE_SIZE, i;
	const size_t lead = RINGBUF_PGOFF; /* meta, consumer, producer */
	struct kbpf_ringbuf *r;
	uintptr_t *alloc;
	int err = rb_check(h, attr);

	if (err)
		return err;
	r = kbpf_zalloc(h, sizeof(*r), 0);
	if (!r)
		return -KBPF_ENOMEM;
	r->nr_alloc = lead + data_pages;
	r->nr_list = lead + 2 * data_pages;
	r->pages = kbpf_malloc(h, r->nr_list * sizeof(*r->pages), 0);
	if (!r->pages)
		goto free_rb;
	alloc = r->pages; /* the first nr_alloc entries are the distinct pages */
	if (h->alloc_pages(h, r->nr_alloc, alloc))
		goto free_list;
	for (i = 0; i < data_pages; i++)
		r->pages[lead + data_pages + i] = r->pages[lead + i];
	r->base = h->vmap(h, r->pages, r->nr_list);
	if (!r->base)
		goto free_pages;
	kbpf_map_init(&r->map, h, attr,
		      attr->map_type == BPF_MAP_TYPE_USER_RINGBUF ?
			      &kbpf_user_ringbuf_map_ops :
			      &kbpf_ringbuf_map_ops);
	atomic_init(&r->owner, 0);
	r->mask = attr->max_entries - 1;
	*(struct kbpf_ringbuf **)r->base = r;
	r->consumer_pos = (uint64_t *)(r->base + KBPF_PAGE_SIZE);
	r->producer_pos = (uint64_t *)(r->base + 2 * KBPF_PAGE_SIZE);
	r->data = r->base + RINGBUF_PGOFF * KBPF_PAGE_SIZE;
	*out = &r->map;
	return 0;

free_pages:
	h->free_pages(h, r->pages, r->nr_alloc);
free_list:
	kbpf_free(h, r->pages, r->nr_list * sizeof(*r->pages));
free_rb:
	kbpf_free(h, r, sizeof(*r));
	return -KBPF_ENOMEM;
}

/* Called when the last reference is gone. */
static void rb_free(struct kbpf_map *map)
{
	struct kbpf_ringbuf *r = rb(map);
	const struct kbpf_host *h = map->obj.host;

	h->vunmap(h, r->base, r->nr_list);
	h->free_pages(h, r->pages, r->nr_alloc);
	kbpf_free(h, r->pages, r->nr_list * sizeof(*r->pages));
	kbpf_free(h, r, sizeof(*r));
}

/*
 * Take the producer lock with interrupts saved, waiting for another CPU's
 * holder. Return: 0; -EDEADLK if this CPU holds it (the caller interrupted
 * that holder); -ETIMEDOUT after RINGBUF_LOCK_TIMEOUT_NS of waiting.
 * Interrupts are as before on failure.
 */
static int rb_lock(const struct kbpf_host *h, struct kbpf_ringbuf *r,
		   unsigned long *flags)
{
	unsigned int me = kbpf_this_cpu(h) + 1, spins = 0;
	uint64_t deadline = 0;

	*flags = kbpf_irq_save(h);
	for (;;) {
		unsigned int cur =
			atomic_load_explicit(&r->owner, memory_order_relaxed);

		if (!cur) {
			/* Pairs with the release store of rb_unlock. */
			if (atomic_compare_exchange_weak_explicit(
				    &r->owner, &cur, me, memory_order_acquire,
				    memory_order_relaxed))
				return 0;
			continue;
		}
		/* Only this CPU writes its own id: the holder is below us. */
		if (cur == me)
			goto fail_deadlk;
		kbpf_cpu_relax();
		if (++spins % RINGBUF_LOCK_SPINS)
			continue;
		if (!deadline) {
			deadline = h->mono_ns(h) +
				   (h->lock_timeout_ns ?
					    h->lock_timeout_ns :
					    RINGBUF_LOCK_TIMEOUT_NS);
		} else if (h->mono_ns(h) >= deadline) {
			kbpf_irq_restore(h, *flags);
			return -KBPF_ETIMEDOUT;
		}
	}
fail_deadlk:
	kbpf_irq_restore(h, *flags);
	return -KBPF_EDEADLK;
}

static void rb_unlock(const struct kbpf_host *h, struct kbpf_ringbuf *r,
		      unsigned long flags)
{
	atomic_store_explicit(&r->owner, 0, memory_order_release);
	kbpf_irq_restore(h, flags);
}

void *kbpf_ringbuf_reserve(struct kbpf_map *map, uint64_t size)
{
	return kbpf_ringbuf_reserve_err(map, size, NULL);
}

void *kbpf_ringbuf_reserve_err(struct kbpf_map *map, uint64_t size, int *err)
{
	struct kbpf_ringbuf *r = rb(map);
	const struct kbpf_host *h = map->obj.host;
	uint64_t len, cons, pend, prod, new_prod;
	struct ringbuf_hdr *hdr;
	unsigned long flags;
	int ret;

	ret = -KBPF_E2BIG;
	if (size > RINGBUF_MAX_RECORD_SZ)
		goto fail;
	len = kbpf_round_up(size + sizeof(*hdr), 8);
	if (len > r->mask + 1)
		goto fail;
	/* Pairs with the consumer's release store of consumer_pos. */
	cons = kbpf_load_acquire_u64(r->consumer_pos);
	ret = rb_lock(h, r, &flags);
	if (ret)
		goto fail;
	pend = r->pending_pos;
	prod = *r->producer_pos;
	new_prod = prod + len;
	/* Skip records committed since: the oldest busy one bounds the ring. */
	while (pend < prod) {
		uint32_t l = kbpf_load_acquire_u32(r->data + (pend & r->mask));

		if (l & BPF_RINGBUF_BUSY_BIT)
			break;
		pend += kbpf_round_up((uint64_t)(l & ~BPF_RINGBUF_DISCARD_BIT) +
					      sizeof(*hdr),
				      8);
	}
	r->pending_pos = pend;
	/* The ring is never completely full: at most size - 1 bytes ahead. */
	if (new_prod - cons > r->mask || new_prod - pend > r->mask) {
		rb_unlock(h, r, flags);
		ret = -KBPF_ENOSPC;
		goto fail;
	}
	hdr = (struct ringbuf_hdr *)(r->data + (prod & r->mask));
	hdr->pg_off = (uint32_t)(RINGBUF_PGOFF + ((prod & r->mask) >> 12));
	kbpf_store_relaxed_u32(&hdr->len,
			       (uint32_t)size | BPF_RINGBUF_BUSY_BIT);
	/* Pairs with the consumer's acquire of producer_pos. */
	kbpf_store_release_u64(r->producer_pos, new_prod);
	rb_unlock(h, r, flags);
	if (err)
		*err = 0;
	return hdr + 1;
fail:
	if (err)
		*err = ret;
	return NULL;
}

/* The ring a record belongs to, from its header's page offset. */
static struct kbpf_ringbuf *rb_of_record(const struct ringbuf_hdr *hdr)
{
	uintptr_t page = (uintptr_t)hdr & ~(uintptr_t)(KBPF_PAGE_SIZE - 1);

	return *(struct kbpf_ringbuf **)(page - (uintptr_t)hdr->pg_off *
							KBPF_PAGE_SIZE);
}

static void rb_commit(void *sample, uint64_t flags, bool discard)
{
	struct ringbuf_hdr *hdr = (struct ringbuf_hdr *)sample - 1;
	struct kbpf_ringbuf *r = rb_of_record(hdr);
	struct kbpf_map *map = &r->map;
	uint32_t len = kbpf_load_relaxed_u32(&hdr->len) & ~BPF_RINGBUF_BUSY_BIT;
	uint64_t rec_pos, cons;

	if (discard)
		len |= BPF_RINGBUF_DISCARD_BIT;
	/* Publishes the payload: pairs with the consumer's acquire of len. */
	kbpf_xchg_u32(&hdr->len, len);
	rec_pos = (uint64_t)((uint8_t *)hdr - r->data) & r->mask;
	cons = kbpf_load_acquire_u64(r->consumer_pos) & r->mask;
	/* Linux's policy: wake only if the consumer waits on this record. */
	if (flags & BPF_RB_FORCE_WAKEUP)
		goto wake;
	if (flags & BPF_RB_NO_WAKEUP || cons != rec_pos)
		return;
wake:
	if (map->obj.host->wake)
		map->obj.host->wake(map->obj.host, &map->obj);
}

void kbpf_ringbuf_submit(void *sample, uint64_t flags)
{
	rb_commit(sample, flags, false);
}

void kbpf_ringbuf_discard(void *sample, uint64_t flags)
{
	rb_commit(sample, flags, true);
}

long kbpf_ringbuf_output(struct kbpf_map *map, const void *data, uint64_t size,
			 uint64_t flags)
{
	void *rec;

	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -KBPF_EINVAL;
	rec = kbpf_ringbuf_reserve(map, size);
	if (!rec)
		return -KBPF_EAGAIN;
	memcpy(rec, data, size);
	rb_commit(rec, flags, false);
	return 0;
}

uint64_t kbpf_ringbuf_query(struct kbpf_map *map, uint64_t flags)
{
	struct kbpf_ringbuf *r = rb(map);

	switch (flags) {
	case BPF_RB_AVAIL_DATA:
		return kbpf_load_acquire_u64(r->producer_pos) -
		       kbpf_load_acquire_u64(r->consumer_pos);
	case BPF_RB_RING_SIZE:
		return r->mask + 1;
	case BPF_RB_CONS_POS:
		return kbpf_load_acquire_u64(r->consumer_pos);
	case BPF_RB_PROD_POS:
		return kbpf_load_acquire_u64(r->producer_pos);
	default:
		return 0;
	}
}

long kbpf_ringbuf_consume(struct kbpf_map *map, kbpf_ringbuf_sample_fn fn,
			  void *ctx)
{
	struct kbpf_ringbuf *r = rb(map);
	uint64_t cons = kbpf_load_acquire_u64(r->consumer_pos), prod;
	long n = 0;

	/* libbpf's reading rules: stop at a busy record, skip discarded ones. */
	for (;;) {
		bool progress = false;

		prod = kbpf_load_acquire_u64(r->producer_pos);
		while (cons < prod) {
			const uint8_t *hdr = r->data + (cons & r->mask);
			uint32_t len = kbpf_load_acquire_u32(hdr);
			int err = 0;

			if (len & BPF_RINGBUF_BUSY_BIT)
				return n;
			cons += kbpf_round_up(
				(uint64_t)(len & ~BPF_RINGBUF_DISCARD_BIT) + 8,
				8);
			if (!(len & BPF_RINGBUF_DISCARD_BIT)) {
				err = fn(ctx, hdr + 8, len);
				n++;
			}
			/* Pairs with the producer's acquire in reserve. */
			kbpf_store_release_u64(r->consumer_pos, cons);
			progress = true;
			if (err < 0)
				return err;
		}
		if (!progress)
			return n;
	}
}

/*
 * USER_RINGBUF: the sample at consumer_pos, checked as Linux checks it,
 * in Linux's order (the errno tells the caller what to do): -EINVAL for a
 * producer_pos that is not 8-byte aligned or a sample past it, -ENODATA
 * when empty or the sample is still busy, -E2BIG for a sample larger than
 * the ring or a dynptr, -EAGAIN after skipping a discarded one.
 */
static int urb_peek(struct kbpf_ringbuf *r, void **sample, uint32_t *size)
{
	uint64_t prod, cons;
	uint32_t hdr_len, flags, len, total;

	/* Pairs with the user-space producer's release of producer_pos. */
	prod = kbpf_load_acquire_u64(r->producer_pos);
	if (prod % 8)
		return -KBPF_EINVAL;
	cons = kbpf_load_acquire_u64(r->consumer_pos);
	if (cons >= prod)
		return -KBPF_ENODATA;
	/* Read once: user space may change it under us. */
	hdr_len = kbpf_load_acquire_u32(r->data + (cons & r->mask));
	flags = hdr_len & (BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
	len = hdr_len & ~flags;
	total = (uint32_t)kbpf_round_up((uint64_t)len + 8, 8);
	if (total > prod - cons)
		return -KBPF_EINVAL;
	if (total > r->mask + 1)
		return -KBPF_E2BIG;
	if (len > KBPF_DYNPTR_MAX_SIZE)
		return -KBPF_E2BIG;
	if (flags & BPF_RINGBUF_DISCARD_BIT) {
		/* Pairs with the producer's acquire of consumer_pos. */
		kbpf_store_release_u64(r->consumer_pos, cons + total);
		return -KBPF_EAGAIN;
	}
	if (flags & BPF_RINGBUF_BUSY_BIT)
		return -KBPF_ENODATA;
	/* Contiguous even when it wraps: the data is mapped twice. */
	*sample = r->data + ((cons + 8) & r->mask);
	*size = len;
	return 0;
}

long kbpf_user_ringbuf_drain(struct kbpf_map *map,
			     kbpf_user_ringbuf_sample_fn fn, void *ctx,
			     uint64_t flags)
{
	struct kbpf_ringbuf *r = rb(map);
	const struct kbpf_host *h = map->obj.host;
	long samples, discarded = 0, ret = 0;

	if (flags & ~(uint64_t)(BPF_RB_NO_WAKEUP | BPF_RB_FORCE_WAKEUP))
		return -KBPF_EINVAL;
	if (map->map_type != BPF_MAP_TYPE_USER_RINGBUF)
		return -KBPF_EINVAL;
	if (kbpf_cmpxchg_u32(&r->busy, 0, 1) != 0)
		return -KBPF_EBUSY;
	/* Linux counts discarded samples towards the limit, not the result. */
	for (samples = 0; samples < USER_RINGBUF_MAX_SAMPLES && !ret;
	     samples++) {
		uint32_t size;
		void *sample;
		int err = urb_peek(r, &sample, &size);

		if (err == -KBPF_ENODATA)
			break;
		if (err == -KBPF_EAGAIN) {
			discarded++;
			continue;
		}
		if (err) {
			ret = err;
			goto out;
		}
		ret = fn(ctx, sample, size);
		/*
		 * Only this drain writes consumer_pos (busy); pairs with the
		 * producer's acquire before it reuses the space.
		 */
		kbpf_store_release_u64(r->consumer_pos,
				       *r->consumer_pos +
					       kbpf_round_up((uint64_t)size + 8,
							     8));
	}
	ret = samples - discarded;
out:
	/* Release: the positions above are visible to the next drain. */
	kbpf_store_release_u32(&r->busy, 0);
	if (h->wake && ((flags & BPF_RB_FORCE_WAKEUP) ||
			(!(flags & BPF_RB_NO_WAKEUP) && samples > 0)))
		h->wake(h, &map->obj);
	return ret;
}

/* poll(2): readable while records wait (Linux's ringbuf_map_poll_kern). */
static uint32_t rb_poll(struct kbpf_map *map)
{
	struct kbpf_ringbuf *r = rb(map);

	if (kbpf_load_acquire_u64(r->producer_pos) !=
	    kbpf_load_acquire_u64(r->consumer_pos))
		return KBPF_POLLIN | KBPF_POLLRDNORM;
	return 0;
}

/*
 * USER_RINGBUF: writable while not full (Linux's ringbuf_map_poll_user).
 * producer_pos is user space's to write: any value only changes the answer.
 */
static uint32_t user_rb_poll(struct kbpf_map *map)
{
	struct kbpf_ringbuf *r = rb(map);

	if (kbpf_load_acquire_u64(r->producer_pos) -
		    kbpf_load_acquire_u64(r->consumer_pos) <
	    (uint64_t)r->mask + 1)
		return KBPF_POLLOUT | KBPF_POLLWRNORM;
	return 0;
}

/* Element commands: Linux's ring buffer has none. */
static long rb_delete_elem(struct kbpf_map *map, const void *key)
{
	return -KBPF_ENOTSUPP;
}

static int rb_get_next_key(struct kbpf_map *map, const void *key,
			   void *next_key)
{
	return -KBPF_ENOTSUPP;
}

static int rb_mmap_pages(struct kbpf_map *map, const uintptr_t **pages,
			 size_t *nr)
{
	/* User space sees the ring from the consumer page on. */
	*pages = rb(map)->pages + 1;
	*nr = rb(map)->nr_list - 1;
	return 0;
}

static uint64_t rb_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_ringbuf) + rb(map)->nr_alloc * KBPF_PAGE_SIZE;
}

const struct kbpf_map_ops kbpf_ringbuf_map_ops = {
	/* syscall path */
	.alloc = rb_alloc,
	.free = rb_free,
	.get_next_key = rb_get_next_key,
	/* both paths */
	.delete_elem = rb_delete_elem,
	/* special */
	.mmap_pages = rb_mmap_pages,
	.mem_usage = rb_mem_usage,
	.poll = rb_poll,
};

/* The same object; kbpf_map_mmap() applies the user-producer permissions. */
const struct kbpf_map_ops kbpf_user_ringbuf_map_ops = {
	/* syscall path */
	.alloc = rb_alloc,
	.free = rb_free,
	.get_next_key = rb_get_next_key,
	/* both paths */
	.delete_elem = rb_delete_elem,
	/* special */
	.mmap_pages = rb_mmap_pages,
	.mem_usage = rb_mem_usage,
	.poll = user_rb_poll,
};
