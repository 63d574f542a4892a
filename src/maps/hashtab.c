// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_HASH, PERCPU_HASH, LRU_HASH and LRU_PERCPU_HASH (Linux's
 * hashtab.c in behaviour; the design and its invariants are in
 * docs/design/hashtab.md).
 *
 * Table: n_buckets = roundup_pow_of_two(max_entries) buckets, each a singly
 * linked chain ending in a "nulls" marker that encodes the bucket's index,
 * and a spinlock. The bucket of a key is jhash(key, seed) & (n_buckets - 1),
 * with Linux's jhash and bucket layout, so iteration and batch order are the
 * kernel's when the seed is (BPF_F_ZERO_SEED).
 *
 * Readers (lookups, GET_NEXT_KEY, for_each, lock-free batch counting) take
 * no lock: they follow the chain with acquire loads. Writers lock only the
 * key's bucket, with interrupts saved; a per-CPU depth counter turns an
 * update re-entered on the same CPU into -EDEADLK instead of a deadlock, as
 * Linux 6.15+ does. A new element is fully written before it is published
 * at the head of its chain; an unlinked element keeps its next pointer, so a
 * reader standing on it walks on. Elements may be reused at once (prealloc,
 * as in Linux): a reader that walked off into another bucket's chain sees a
 * foreign nulls marker at the end and restarts.
 *
 * Memory: with preallocation (the default) max_entries elements (plus one
 * spare per CPU for HASH, so that a full map can still replace a key) are
 * allocated at creation and handed out from per-CPU free lists: the update
 * path never allocates. With BPF_F_NO_PREALLOC elements are allocated with
 * KBPF_ALLOC_ATOMIC and freed through the host's defer_free; without one,
 * freed elements are kept on a map-local list and reused, and returned to
 * the host when the map is destroyed. LRU types use the LRU policy of lru.c.
 *
 * Lock order: LRU locks, then a bucket lock, then a free-list lock; a
 * value's bpf_spin_lock (BPF_F_LOCK copies, map_internal.h) is taken under
 * a bucket lock and takes none.
 */
#include "map_internal.h"
#include "map_in_map.h"
#include "core/priv.h"
#include "jhash.h"
#include "lru.h"
#include "kptr.h"
#include "timer.h"

#define HTAB_CREATE_FLAG_MASK                                                  \
	(BPF_F_NO_PREALLOC | BPF_F_NO_COMMON_LRU | BPF_F_NUMA_NODE |           \
	 BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG | \
	 BPF_F_ZERO_SEED)

/* Linux: KMALLOC_MAX_SIZE - sizeof(struct htab_elem). */
#define HTAB_KV_MAX 4194256ull
#define PERCPU_VALUE_MAX 32768u
#define HTAB_LOCK_SLOTS 8u

extern const struct kbpf_map_ops kbpf_htab_map_ops;
extern const struct kbpf_map_ops kbpf_percpu_htab_map_ops;
extern const struct kbpf_map_ops kbpf_lru_htab_map_ops;
extern const struct kbpf_map_ops kbpf_lru_percpu_htab_map_ops;
extern const struct kbpf_map_ops kbpf_hash_of_maps_map_ops;

struct htab_elem {
	_Atomic uintptr_t
		next; /* next element, or nulls marker (idx << 1 | 1) */
	union {
		struct {
			/* BPF_F_NO_PREALLOC: deferred free, self-contained. */
			struct kbpf_rcu_head rcu;
			const struct kbpf_host *host;
		};
		struct htab_elem *free_next; /* prealloc / spare free lists */
		struct kbpf_lru_node lru;
	};
	_Atomic uint32_t hash;
	uint32_t alloc_size; /* BPF_F_NO_PREALLOC: bytes allocated */
	uint8_t key[] KBPF_ALIGNED(8);
	/* then the value: round_up(value_size, 8), or one such slot per CPU */
};

struct htab_bucket {
	_Atomic uintptr_t first;
	struct kbpf_spinlock lock;
};

struct htab_freelist {
	struct kbpf_spinlock lock;
	struct htab_elem *head;
};

struct kbpf_htab {
	struct kbpf_map map;
	struct htab_bucket *buckets;
	uint32_t n_buckets;
	uint32_t hashrnd;
	uint32_t elem_size;
	uint32_t key_room; /* round_up(key_size, 8) */
	uint32_t value_stride; /* round_up(value_size, 8) */
	bool percpu, lru, prealloc;
	/*
	 * HASH_OF_MAPS: each value slot holds a struct kbpf_fd_entry pointer
	 * (the slot is round_up(4, 8) = 8 bytes); user space sees map ids.
	 */
	bool fd_map;
	struct kbpf_mim_template tmpl;
	struct kbpf_fd_retired mim_retired; /* without defer_free */
	struct kbpf_percpu locked; /* uint32_t[HTAB_LOCK_SLOTS] per CPU */
	/* prealloc */
	uint8_t *elems;
	size_t elems_size;
	struct kbpf_percpu freelists; /* struct htab_freelist per CPU */
	struct kbpf_percpu extra; /* struct htab_elem * per CPU (HASH only) */
	/* no prealloc */
	atomic_uint count;
	struct kbpf_spinlock spare_lock;
	struct htab_elem *spare; /* host without defer_free: reusable elements */
	struct kbpf_lru lru_state;
};

static inline struct kbpf_htab *kbpf_htab(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_htab, map);
}

static KBPF_ALWAYS_INLINE uint32_t htab_hash(const struct kbpf_htab *t,
					     const void *key)
{
	uint32_t ks = t->map.key_size;

	if (ks == 4)
		return jhash_1word(get_u32(key), t->hashrnd);
	if (kbpf_likely(ks % 4 == 0))
		return jhash_words(key, ks / 4, t->hashrnd);
	return jhash_bytes(key, ks, t->hashrnd);
}

/* ---- elements ---- */

static inline bool is_nulls(uintptr_t p)
{
	return p & 1;
}

static inline uintptr_t nulls_marker(uint32_t idx)
{
	return ((uintptr_t)idx << 1) | 1;
}

static inline struct htab_elem *elem_at(uintptr_t p)
{
	return (struct htab_elem *)p;
}

static inline uint8_t *elem_value(const struct kbpf_htab *t,
				  struct htab_elem *e)
{
	return e->key + t->key_room;
}

static inline uint8_t *elem_cpu_value(const struct kbpf_htab *t,
				      struct htab_elem *e, uint32_t cpu)
{
	return e->key + t->key_room + (size_t)t->value_stride * cpu;
}

static inline struct htab_bucket *htab_bucket(const struct kbpf_htab *t,
					      uint32_t hash)
{
	return &t->buckets[hash & (t->n_buckets - 1)];
}

/*
 * Key bytes of an element that may be reused under a lock-free reader (the
 * race Linux accepts for preallocated maps): a torn read only makes a miss.
 * Under TSan these reads are exempt from instrumentation; elsewhere they are
 * plain loads, word-sized for the common key sizes.
 */
#if defined(__SANITIZE_THREAD__)
#define HTAB_RACY __attribute__((no_sanitize("thread"), noinline))
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HTAB_RACY __attribute__((no_sanitize("thread"), noinline))
#endif
#endif

static inline KBPF_UNUSED uint64_t get_u64(const uint8_t *p)
{
	uint64_t v;

	kbpf_memcpy(&v, p, 8);
	return v;
}

#ifdef HTAB_RACY
HTAB_RACY static bool key_eq(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	const volatile uint8_t *va = a;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (va[i] != b[i])
			return false;
	return true;
}

HTAB_RACY static void racy_copy(void *dst, const void *src, size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = s[i];
}
#else
static KBPF_ALWAYS_INLINE bool key_eq(const uint8_t *a, const uint8_t *b,
				      uint32_t n)
{
	switch (n) {
	case 4:
		return get_u32(a) == get_u32(b);
	case 8:
		return get_u64(a) == get_u64(b);
	case 16:
		return get_u64(a) == get_u64(b) &&
		       get_u64(a + 8) == get_u64(b + 8);
	default:
		return !kbpf_memcmp(a, b, n);
	}
}

static inline void racy_copy(void *dst, const void *src, size_t n)
{
	kbpf_memcpy(dst, src, n);
}
#endif

/* Lock-free lookup; restarts if the walk ended in another bucket's chain. */
static struct htab_elem *htab_find(const struct kbpf_htab *t, const void *key,
				   uint32_t hash)
{
	uint32_t idx = hash & (t->n_buckets - 1);
	struct htab_bucket *b = &t->buckets[idx];
	struct htab_elem *e;
	uintptr_t p;

again:
	for (p = atomic_load_explicit(&b->first, memory_order_acquire);
	     !is_nulls(p);
	     p = atomic_load_explicit(&e->next, memory_order_acquire)) {
		e = elem_at(p);
		if (atomic_load_explicit(&e->hash, memory_order_relaxed) ==
			    hash &&
		    key_eq(e->key, key, t->map.key_size))
			return e;
	}
	if (kbpf_unlikely((p >> 1) != idx))
		goto again;
	return NULL;
}

/* The same under the bucket lock: the chain cannot change. */
static struct htab_elem *htab_find_locked(const struct kbpf_htab *t,
					  struct htab_bucket *b,
					  const void *key, uint32_t hash)
{
	uintptr_t p;

	for (p = atomic_load_explicit(&b->first, memory_order_relaxed);
	     !is_nulls(p); p = atomic_load_explicit(&elem_at(p)->next,
						    memory_order_relaxed)) {
		struct htab_elem *e = elem_at(p);

		if (atomic_load_explicit(&e->hash, memory_order_relaxed) ==
			    hash &&
		    !kbpf_memcmp(e->key, key, t->map.key_size))
			return e;
	}
	return NULL;
}

/* Publish @e at the head of @b (bucket lock held). */
static void htab_link(struct htab_bucket *b, struct htab_elem *e)
{
	atomic_store_explicit(
		&e->next, atomic_load_explicit(&b->first, memory_order_relaxed),
		memory_order_relaxed);
	/* Pairs with the readers' acquire loads: key and value are visible. */
	atomic_store_explicit(&b->first, (uintptr_t)e, memory_order_release);
}

/* Unlink @e from @b (bucket lock held); @e keeps its next pointer. */
static bool htab_unlink(struct htab_bucket *b, struct htab_elem *e)
{
	_Atomic uintptr_t *pp = &b->first;
	uintptr_t p;

	for (p = atomic_load_explicit(pp, memory_order_relaxed); !is_nulls(p);
	     p = atomic_load_explicit(pp, memory_order_relaxed)) {
		if (elem_at(p) == e) {
			atomic_store_explicit(
				pp,
				atomic_load_explicit(&e->next,
						     memory_order_relaxed),
				memory_order_release);
			return true;
		}
		pp = &elem_at(p)->next;
	}
	return false;
}

/* HASH_OF_MAPS: the entry an element's value slot holds. */
static inline struct kbpf_fd_entry *elem_mim(const struct kbpf_htab *t,
					     struct htab_elem *e)
{
	return __atomic_load_n((struct kbpf_fd_entry **)(void *)elem_value(t,
									   e),
			       __ATOMIC_ACQUIRE);
}

/* ---- bucket locks ---- */

/*
 * This CPU's lock-depth counter for the bucket of @hash (a bucket index
 * works too: it is its own hash modulo n_buckets).
 */
static uint32_t *lock_depth(struct kbpf_htab *t, uint32_t hash)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint32_t idx = hash & (t->n_buckets - 1);

	return (uint32_t *)kbpf_percpu_ptr(&t->locked, kbpf_this_cpu(h)) +
	       (idx & (HTAB_LOCK_SLOTS - 1));
}

static int htab_lock(struct kbpf_htab *t, struct htab_bucket *b, uint32_t hash,
		     unsigned long *st)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint32_t *depth;

	*st = kbpf_irq_save(h);
	depth = lock_depth(t, hash);
	/* Only this CPU touches its counters; an interrupt nests fully. */
	if (kbpf_unlikely(__atomic_load_n(depth, __ATOMIC_RELAXED))) {
		kbpf_irq_restore(h, *st);
		return -KBPF_EDEADLK;
	}
	__atomic_store_n(depth, 1, __ATOMIC_RELAXED);
	kbpf_spin_lock(&b->lock);
	return 0;
}

static void htab_unlock(struct kbpf_htab *t, struct htab_bucket *b,
			uint32_t hash, unsigned long st)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint32_t *depth = lock_depth(t, hash);

	kbpf_spin_unlock(&b->lock);
	__atomic_store_n(depth, 0, __ATOMIC_RELAXED);
	kbpf_irq_restore(h, st);
}

/* ---- element pools ---- */

static struct htab_freelist *freelist(struct kbpf_htab *t, uint32_t cpu)
{
	return kbpf_percpu_ptr(&t->freelists, cpu);
}

static void freelist_push(struct kbpf_htab *t, struct htab_elem *e)
{
	const struct kbpf_host *h = t->map.obj.host;
	struct htab_freelist *fl = freelist(t, kbpf_this_cpu(h));
	unsigned long st = kbpf_spin_lock_irqsave(h, &fl->lock);

	e->free_next = fl->head;
	__atomic_store_n(&fl->head, e, __ATOMIC_RELAXED);
	kbpf_spin_unlock_irqrestore(h, &fl->lock, st);
}

/* This CPU's list first, then the others in order. */
static struct htab_elem *freelist_pop(struct kbpf_htab *t)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint32_t cpu = kbpf_this_cpu(h), i;

	for (i = 0; i < h->nr_cpus; i++) {
		struct htab_freelist *fl = freelist(t, cpu);
		struct htab_elem *e;
		unsigned long st;

		/* Unlocked peek: an empty list is skipped without its lock. */
		if (__atomic_load_n(&fl->head, __ATOMIC_RELAXED)) {
			st = kbpf_spin_lock_irqsave(h, &fl->lock);
			e = fl->head;
			if (e)
				__atomic_store_n(&fl->head, e->free_next,
						 __ATOMIC_RELAXED);
			kbpf_spin_unlock_irqrestore(h, &fl->lock, st);
			if (e)
				return e;
		}
		cpu = cpu + 1 < h->nr_cpus ? cpu + 1 : 0;
	}
	return NULL;
}

static struct htab_elem **extra_slot(struct kbpf_htab *t)
{
	const struct kbpf_host *h = t->map.obj.host;

	return kbpf_percpu_ptr(&t->extra, kbpf_this_cpu(h));
}

static void elem_free_rcu(struct kbpf_rcu_head *head)
{
	struct htab_elem *e = kbpf_container_of(head, struct htab_elem, rcu);

	kbpf_free(e->host, e, e->alloc_size);
}

/*
 * A new element for @hash (bucket lock held). @replacing: an element with
 * this key exists and will be unlinked, so a full map may still proceed.
 */
static struct htab_elem *htab_elem_get(struct kbpf_htab *t, bool replacing,
				       long *err)
{
	const struct kbpf_host *h = t->map.obj.host;
	struct htab_elem *e;
	unsigned long st;

	if (t->prealloc) {
		if (replacing && !t->percpu) {
			e = __atomic_exchange_n(extra_slot(t), NULL,
						__ATOMIC_RELAXED);
			if (e)
				return e;
		}
		e = freelist_pop(t);
		if (!e)
			*err = -KBPF_E2BIG;
		return e;
	}
	if (!replacing) {
		if (atomic_fetch_add_explicit(&t->count, 1,
					      memory_order_relaxed) >=
		    t->map.max_entries) {
			atomic_fetch_sub_explicit(&t->count, 1,
						  memory_order_relaxed);
			*err = -KBPF_E2BIG;
			return NULL;
		}
	}
	e = NULL;
	if (!h->defer_free && __atomic_load_n(&t->spare, __ATOMIC_RELAXED)) {
		st = kbpf_spin_lock_irqsave(h, &t->spare_lock);
		e = t->spare;
		if (e)
			__atomic_store_n(&t->spare, e->free_next,
					 __ATOMIC_RELAXED);
		kbpf_spin_unlock_irqrestore(h, &t->spare_lock, st);
	}
	if (!e) {
		e = kbpf_malloc_aligned(h, t->elem_size, 8, KBPF_ALLOC_ATOMIC);
		if (e) {
			e->alloc_size = t->elem_size;
			atomic_init(&e->next, 1);
		}
	}
	if (!e) {
		if (!replacing)
			atomic_fetch_sub_explicit(&t->count, 1,
						  memory_order_relaxed);
		*err = -KBPF_ENOMEM;
	}
	return e;
}

/*
 * Give back an unlinked element. @replaced: it was replaced by a new one
 * (its count slot passes to the new element).
 */
static void htab_elem_put(struct kbpf_htab *t, struct htab_elem *e,
			  bool replaced)
{
	const struct kbpf_host *h = t->map.obj.host;
	unsigned long st;

	/* Linux's check_and_free_fields: a timer goes with its element. */
	if (kbpf_map_has_timer(&t->map))
		kbpf_timer_cancel_and_free(&t->map, elem_value(t, e), true);
	/* ... and the references its kptrs hold. */
	if (t->map.kptrs)
		kbpf_kptr_free_fields(&t->map, elem_value(t, e));
	/* The inner map may still be in use by a program: release it later. */
	if (t->fd_map)
		t->map.ops->fd_put_ptr(&t->map, elem_mim(t, e), true);
	if (t->lru) {
		kbpf_lru_push_free(&t->lru_state, &e->lru);
		return;
	}
	if (t->prealloc) {
		if (replaced && !t->percpu) {
			struct htab_elem *none = NULL;

			if (__atomic_compare_exchange_n(extra_slot(t), &none, e,
							false, __ATOMIC_RELAXED,
							__ATOMIC_RELAXED))
				return;
		}
		freelist_push(t, e);
		return;
	}
	if (!replaced)
		atomic_fetch_sub_explicit(&t->count, 1, memory_order_relaxed);
	if (h->defer_free) {
		e->host = h;
		e->rcu.func = elem_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	st = kbpf_spin_lock_irqsave(h, &t->spare_lock);
	e->free_next = t->spare;
	__atomic_store_n(&t->spare, e, __ATOMIC_RELAXED);
	kbpf_spin_unlock_irqrestore(h, &t->spare_lock, st);
}

/* ---- creation ---- */

static bool type_is_percpu(uint32_t type)
{
	return type == BPF_MAP_TYPE_PERCPU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

static bool type_is_lru(uint32_t type)
{
	return type == BPF_MAP_TYPE_LRU_HASH ||
	       type == BPF_MAP_TYPE_LRU_PERCPU_HASH;
}

/* Called from syscall: Linux's htab_map_alloc_check() order. */
static int htab_map_alloc_check(const struct kbpf_host *h,
				const union bpf_attr *attr)
{
	/* Linux's fd_htab_map_alloc_check(): ids and fds are 4 bytes. */
	if (attr->map_type == BPF_MAP_TYPE_HASH_OF_MAPS &&
	    attr->value_size != sizeof(uint32_t))
		return -KBPF_EINVAL;
	bool percpu = type_is_percpu(attr->map_type);
	bool lru = type_is_lru(attr->map_type);
	bool prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);
	bool percpu_lru = attr->map_flags & BPF_F_NO_COMMON_LRU;
	uint32_t numa = (attr->map_flags & BPF_F_NUMA_NODE) ? attr->numa_node :
							      KBPF_NUMA_NO_NODE;

	/* Linux: a fixed seed invites collisions; only CAP_SYS_ADMIN. */
	if ((attr->map_flags & BPF_F_ZERO_SEED) &&
	    !kbpf_priv_has(h, KBPF_PRIV_SYS_ADMIN))
		return -KBPF_EPERM;
	if ((attr->map_flags & ~HTAB_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags))
		return -KBPF_EINVAL;
	if (!lru && percpu_lru)
		return -KBPF_EINVAL;
	if (lru && !prealloc)
		return -KBPF_ENOTSUPP;
	if (numa != KBPF_NUMA_NO_NODE && (percpu || percpu_lru))
		return -KBPF_EINVAL;
	if (!attr->max_entries || !attr->key_size || !attr->value_size)
		return -KBPF_EINVAL;
	if ((uint64_t)attr->key_size + attr->value_size >= HTAB_KV_MAX)
		return -KBPF_E2BIG;
	if (percpu &&
	    kbpf_round_up((uint64_t)attr->value_size, 8) > PERCPU_VALUE_MAX)
		return -KBPF_E2BIG;
	return 0;
}

static const struct kbpf_map_ops *htab_ops(uint32_t type)
{
	switch (type) {
	case BPF_MAP_TYPE_PERCPU_HASH:
		return &kbpf_percpu_htab_map_ops;
	case BPF_MAP_TYPE_LRU_HASH:
		return &kbpf_lru_htab_map_ops;
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
		return &kbpf_lru_percpu_htab_map_ops;
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return &kbpf_hash_of_maps_map_ops;
	default:
		return &kbpf_htab_map_ops;
	}
}

static bool htab_lru_del(void *arg, struct kbpf_lru_node *node);

static void htab_free_all(struct kbpf_htab *t)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint32_t i;

	/* HASH_OF_MAPS: the inner maps still in the table, and retired ones. */
	for (i = 0; t->fd_map && t->buckets && i < t->n_buckets; i++) {
		uintptr_t p = atomic_load(&t->buckets[i].first);

		for (; !is_nulls(p); p = atomic_load(&elem_at(p)->next))
			t->map.ops->fd_put_ptr(&t->map, elem_mim(t, elem_at(p)),
					       false);
	}
	kbpf_fd_retired_free(&t->mim_retired);

	if (!t->prealloc && t->buckets) {
		for (i = 0; i < t->n_buckets; i++) {
			uintptr_t p = atomic_load(&t->buckets[i].first);

			while (!is_nulls(p)) {
				struct htab_elem *e = elem_at(p);

				p = atomic_load(&e->next);
				kbpf_free(h, e, e->alloc_size);
			}
		}
		while (t->spare) {
			struct htab_elem *e = t->spare;

			t->spare = e->free_next;
			kbpf_free(h, e, e->alloc_size);
		}
	}
	if (t->lru && t->lru_state.pcpu.base)
		kbpf_lru_fini(&t->lru_state);
	kbpf_free(h, t->elems, t->elems_size);
	if (t->freelists.base)
		kbpf_percpu_fini(&t->freelists, h);
	if (t->extra.base)
		kbpf_percpu_fini(&t->extra, h);
	if (t->locked.base)
		kbpf_percpu_fini(&t->locked, h);
	kbpf_free(h, t->buckets, (size_t)t->n_buckets * sizeof(*t->buckets));
	kbpf_free(h, t, sizeof(*t));
}

static int htab_prealloc(struct kbpf_htab *t, uint32_t nr)
{
	const struct kbpf_host *h = t->map.obj.host;
	uint64_t size;
	uint32_t i, cpu, per, rest;
	uint8_t *p;
	int err;

	if (kbpf_mul_overflow((uint64_t)t->elem_size, (uint64_t)nr, &size) ||
	    size > SIZE_MAX / 2)
		return -KBPF_ENOMEM;
	t->elems = kbpf_malloc_aligned(h, (size_t)size, KBPF_CACHE_LINE,
				       KBPF_ALLOC_ZERO);
	if (!t->elems)
		return -KBPF_ENOMEM;
	t->elems_size = (size_t)size;
	for (i = 0, p = t->elems; i < nr; i++, p += t->elem_size)
		atomic_init(&((struct htab_elem *)(void *)p)->next, 1);
	if (t->lru) {
		err = kbpf_lru_init(&t->lru_state, h,
				    t->map.map_flags & BPF_F_NO_COMMON_LRU,
				    htab_lru_del, t);
		if (err)
			return err;
		kbpf_lru_populate(&t->lru_state, t->elems,
				  offsetof(struct htab_elem, lru), t->elem_size,
				  nr);
		return 0;
	}
	err = kbpf_percpu_init(&t->freelists, h, sizeof(struct htab_freelist),
			       0);
	if (err)
		return err;
	p = t->elems;
	if (!t->percpu) {
		err = kbpf_percpu_init(&t->extra, h, sizeof(struct htab_elem *),
				       0);
		if (err)
			return err;
		for (cpu = 0; cpu < h->nr_cpus; cpu++, p += t->elem_size)
			*(struct htab_elem **)kbpf_percpu_ptr(&t->extra, cpu) =
				(struct htab_elem *)(void *)p;
		nr -= h->nr_cpus;
	}
	/* Spread the free elements evenly over the CPUs' lists. */
	per = nr / h->nr_cpus;
	rest = nr % h->nr_cpus;
	for (cpu = 0; cpu < h->nr_cpus; cpu++) {
		struct htab_freelist *fl = freelist(t, cpu);
		uint32_t n = per + (cpu < rest);

		kbpf_spin_init(&fl->lock);
		for (i = 0; i < n; i++, p += t->elem_size) {
			struct htab_elem *e = (struct htab_elem *)(void *)p;

			e->free_next = fl->head;
			fl->head = e;
		}
	}
	return 0;
}

/* Called from syscall; @inner: a HASH_OF_MAPS template given as a map. */
static int htab_map_alloc_common(const struct kbpf_host *h,
				 const union bpf_attr *attr,
				 const struct kbpf_map *inner,
				 struct kbpf_map **out)
{
	struct kbpf_htab *t;
	uint64_t value_room;
	uint32_t ncpus = h->nr_cpus, i, nr;
	int err;

	t = kbpf_zalloc(h, sizeof(*t), 0);
	if (!t)
		return -KBPF_ENOMEM;
	kbpf_map_init(&t->map, h, attr, htab_ops(attr->map_type));
	if (attr->map_type == BPF_MAP_TYPE_HASH_OF_MAPS) {
		/* Linux reads the template before building the table. */
		t->fd_map = true;
		kbpf_spin_init(&t->mim_retired.lock);
		err = inner ? kbpf_mim_template_from_map(&t->tmpl, inner) :
			      kbpf_mim_template_take(&t->tmpl, h,
						     (int)attr->inner_map_fd);
		if (err)
			goto free;
	}
	t->percpu = type_is_percpu(attr->map_type);
	t->lru = type_is_lru(attr->map_type);
	t->prealloc = !(attr->map_flags & BPF_F_NO_PREALLOC);
	if (attr->map_flags & BPF_F_NO_COMMON_LRU) {
		/* Every CPU's list gets the same number of nodes, at least 1. */
		uint64_t m = kbpf_round_up((uint64_t)attr->max_entries, ncpus);

		if (m > UINT32_MAX)
			m = attr->max_entries / ncpus * ncpus;
		t->map.max_entries = (uint32_t)m;
	}
	err = -KBPF_E2BIG;
	if (t->map.max_entries > (1u << 31))
		goto free;
	t->n_buckets = (uint32_t)kbpf_roundup_pow2(t->map.max_entries);
	if (t->n_buckets > UINT32_MAX / 16)
		goto free;
	t->key_room = kbpf_round_up(attr->key_size, 8);
	t->value_stride = kbpf_round_up(attr->value_size, 8);
	value_room = (uint64_t)t->value_stride * (t->percpu ? ncpus : 1);
	t->elem_size =
		(uint32_t)(sizeof(struct htab_elem) + t->key_room + value_room);
	t->hashrnd = 0;
	if (!(attr->map_flags & BPF_F_ZERO_SEED))
		t->hashrnd = h->random_u32 ? h->random_u32(h) :
					     (uint32_t)h->mono_ns(h);
	err = -KBPF_ENOMEM;
	t->buckets = kbpf_malloc_aligned(
		h, (size_t)t->n_buckets * sizeof(*t->buckets), KBPF_CACHE_LINE,
		0);
	if (!t->buckets)
		goto free;
	for (i = 0; i < t->n_buckets; i++) {
		atomic_init(&t->buckets[i].first, nulls_marker(i));
		kbpf_spin_init(&t->buckets[i].lock);
	}
	err = kbpf_percpu_init(&t->locked, h,
			       HTAB_LOCK_SLOTS * sizeof(uint32_t), 0);
	if (err)
		goto free;
	kbpf_spin_init(&t->spare_lock);
	atomic_init(&t->count, 0);
	if (t->prealloc) {
		nr = t->map.max_entries;
		if (!t->percpu && !t->lru)
			nr += ncpus;
		err = htab_prealloc(t, nr);
		if (err)
			goto free;
	}
	*out = &t->map;
	return 0;

free:
	htab_free_all(t);
	return err;
}

static int htab_map_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
			  struct kbpf_map **out)
{
	return htab_map_alloc_common(h, attr, NULL, out);
}

static int htab_map_alloc_with_inner(const struct kbpf_host *h,
				     const union bpf_attr *attr,
				     const struct kbpf_map *inner,
				     struct kbpf_map **out)
{
	return htab_map_alloc_common(h, attr, inner, out);
}

/* Called when no program or fd can reach the map. */
static void htab_map_free(struct kbpf_map *map)
{
	kbpf_timer_map_free_all(map);
	kbpf_kptr_map_free_all(map);
	htab_free_all(kbpf_htab(map));
}

/* ---- lookup ---- */

/* Called from syscall or from a program (any context) */
static void *htab_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e = htab_find(t, key, htab_hash(t, key));

	return e ? elem_value(t, e) : NULL;
}

/* Called from a program (any context): a use, for the LRU. */
static void *htab_lru_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e = htab_find(t, key, htab_hash(t, key));

	if (!e)
		return NULL;
	kbpf_lru_node_set_ref(&e->lru);
	return elem_value(t, e);
}

/* Called from a program (any context): the running CPU's slot. */
static void *htab_percpu_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e = htab_find(t, key, htab_hash(t, key));

	if (!e)
		return NULL;
	if (t->lru)
		kbpf_lru_node_set_ref(&e->lru);
	return elem_cpu_value(t, e, kbpf_this_cpu(map->obj.host));
}

/* Called from a program (any context) */
static void *htab_percpu_map_lookup_percpu_elem(struct kbpf_map *map,
						const void *key, uint32_t cpu)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e;

	if (cpu >= map->obj.host->nr_cpus)
		return NULL;
	e = htab_find(t, key, htab_hash(t, key));
	if (!e)
		return NULL;
	if (t->lru)
		kbpf_lru_node_set_ref(&e->lru);
	return elem_cpu_value(t, e, cpu);
}

/*
 * Copy a value out as the syscall path exchanges it (all CPUs' slots); a
 * value with a bpf_spin_lock goes out with the lock word zeroed, and under
 * the value's lock when @locked (BPF_F_LOCK).
 */
static void htab_copy_out(const struct kbpf_htab *t, struct htab_elem *e,
			  uint8_t *dst, bool locked)
{
	uint32_t cpu;

	if (t->fd_map) { /* the inner map's id */
		uint32_t id = t->map.ops->fd_sys_lookup_elem(elem_mim(t, e));

		kbpf_memcpy(dst, &id, sizeof(id));
		return;
	}
	if (kbpf_map_has_fields(&t->map)) {
		kbpf_map_value_out(&t->map, dst, elem_value(t, e), locked);
		return;
	}
	if (!t->percpu) {
		racy_copy(dst, elem_value(t, e), t->map.value_size);
		return;
	}
	for (cpu = 0; cpu < t->map.obj.host->nr_cpus; cpu++)
		racy_copy(dst + (size_t)cpu * t->value_stride,
			  elem_cpu_value(t, e, cpu), t->value_stride);
}

/* Called from syscall (read section held): no LRU reference. */
static int htab_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			   uint64_t flags)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e = htab_find(t, key, htab_hash(t, key));

	if (!e)
		return -KBPF_ENOENT;
	htab_copy_out(t, e, value, flags & BPF_F_LOCK);
	return 0;
}

/* ---- update ---- */

static long check_flags(const struct htab_elem *old, uint64_t flags)
{
	if (old && (flags & ~(uint64_t)BPF_F_LOCK) == BPF_NOEXIST)
		return -KBPF_EEXIST;
	if (!old && (flags & ~(uint64_t)BPF_F_LOCK) == BPF_EXIST)
		return -KBPF_ENOENT;
	return 0;
}

/*
 * Write a value into @e. @all: @value holds every CPU's slot (syscall);
 * otherwise it is one value for the running CPU, and a new element's other
 * slots are zeroed (@fresh).
 */
static void htab_copy_in(struct kbpf_htab *t, struct htab_elem *e,
			 const void *value, bool all, bool fresh)
{
	uint32_t ncpus = t->map.obj.host->nr_cpus, cpu, me;

	if (t->fd_map) { /* @value holds the entry pointer */
		__atomic_store_n((struct kbpf_fd_entry **)(void *)elem_value(t,
									     e),
				 *(struct kbpf_fd_entry *const *)value,
				 __ATOMIC_RELEASE);
		return;
	}
	if (kbpf_map_has_fields(&t->map)) {
		/*
		 * A new element's lock is free and its timer uninitialised;
		 * the fields are never copied.
		 */
		kbpf_map_value_in(&t->map, elem_value(t, e), value, false);
		if (kbpf_map_has_spin_lock(&t->map))
			kbpf_store_relaxed_u32(
				elem_value(t, e) + t->map.spin_lock_off, 0);
		if (kbpf_map_has_timer(&t->map)) {
			kbpf_store_release_ptr(
				kbpf_timer_slot(&t->map, elem_value(t, e)),
				NULL);
			kbpf_store_relaxed_u32(
				kbpf_timer_lock_word(&t->map, elem_value(t, e)),
				0);
		}
		/* and its kptrs hold nothing. */
		for (uint32_t i = 0; t->map.kptrs && i < t->map.kptrs->n; i++)
			kbpf_store_relaxed_u64(
				elem_value(t, e) + t->map.kptrs->f[i].off, 0);
		return;
	}
	if (!t->percpu) {
		kbpf_memcpy(elem_value(t, e), value, t->map.value_size);
		return;
	}
	if (all) {
		for (cpu = 0; cpu < ncpus; cpu++)
			kbpf_memcpy(elem_cpu_value(t, e, cpu),
				    (const uint8_t *)value +
					    (size_t)cpu * t->value_stride,
				    t->value_stride);
		return;
	}
	me = kbpf_this_cpu(t->map.obj.host);
	if (fresh)
		kbpf_memset(elem_cpu_value(t, e, 0), 0,
			    (size_t)t->value_stride * ncpus);
	kbpf_memcpy(elem_cpu_value(t, e, me), value, t->map.value_size);
}

static long htab_update_common(struct kbpf_map *map, const void *key,
			       const void *value, uint64_t flags, bool all)
{
	struct kbpf_htab *t = kbpf_htab(map);
	uint32_t hash;
	struct htab_bucket *b;
	struct htab_elem *old, *e;
	unsigned long st;
	long err;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST ||
	    ((flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map)))
		return -KBPF_EINVAL;
	hash = htab_hash(t, key);
	b = htab_bucket(t, hash);
	err = htab_lock(t, b, hash, &st);
	if (err)
		return err;
	old = htab_find_locked(t, b, key, hash);
	err = check_flags(old, flags);
	if (err)
		goto unlock;
	if (old && (flags & BPF_F_LOCK)) {
		/* Linux: an existing element is updated in place, under its lock. */
		kbpf_map_value_in(map, elem_value(t, old), value, true);
		goto unlock;
	}
	if (old && t->percpu) {
		/* Per-CPU values are updated in place, as in Linux. */
		htab_copy_in(t, old, value, all, false);
		goto unlock;
	}
	e = htab_elem_get(t, old != NULL, &err);
	if (!e)
		goto unlock;
	kbpf_memcpy(e->key, key, map->key_size);
	atomic_store_explicit(&e->hash, hash, memory_order_relaxed);
	htab_copy_in(t, e, value, all, true);
	htab_link(b, e);
	if (old)
		htab_unlink(b, old);
	htab_unlock(t, b, hash, st);
	if (old)
		htab_elem_put(t, old, true);
	return 0;
unlock:
	htab_unlock(t, b, hash, st);
	return err;
}

/* Called from syscall or from a program (any context) */
static long htab_map_update_elem(struct kbpf_map *map, const void *key,
				 const void *value, uint64_t flags)
{
	return htab_update_common(map, key, value, flags, false);
}

/*
 * HASH_OF_MAPS, called from syscall: @value is a map fd. Linux's order:
 * flags, the fd and the template, then the table's own rules.
 */
static int htab_of_maps_sys_update(struct kbpf_map *map, const void *key,
				   const void *value, uint64_t flags)
{
	struct kbpf_fd_entry *e;
	void *ptr;
	int32_t fd;
	long err;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK))
		return -KBPF_EINVAL;
	kbpf_memcpy(&fd, value, sizeof(fd));
	err = map->ops->fd_get_ptr(map, fd, &ptr);
	if (err)
		return (int)err;
	e = ptr; /* the value slot holds a struct kbpf_fd_entry pointer */
	err = htab_update_common(map, key, &e, flags, false);
	if (err)
		map->ops->fd_put_ptr(map, e, false); /* never published */
	return (int)err;
}

/* HASH_OF_MAPS, called from syscall: kbpf_map_set_inner(). */
static int htab_of_maps_set_inner(struct kbpf_map *map, const void *key,
				  struct kbpf_map *inner)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct kbpf_fd_entry *e;
	long err = kbpf_mim_entry_from_map(&t->tmpl, &t->mim_retired,
					   map->obj.host, inner, &e);

	if (err)
		return (int)err;
	err = htab_update_common(map, key, &e, BPF_ANY, false);
	if (err)
		kbpf_fd_entry_free(e);
	return (int)err;
}

/* HASH_OF_MAPS, called from syscall: @fd is a map fd like the template. */
static int htab_of_maps_fd_get_ptr(struct kbpf_map *map, int fd, void **ptr)
{
	struct kbpf_htab *t = kbpf_htab(map);

	return kbpf_mim_fd_get_ptr(&t->tmpl, &t->mim_retired, map, fd, ptr);
}

/* HASH_OF_MAPS, called from a program (any context): the inner map. */
static void *htab_of_maps_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct htab_elem *e = htab_find(t, key, htab_hash(t, key));

	return e ? kbpf_mim_entry_map(elem_mim(t, e)) : NULL;
}

/* Called from syscall: every CPU's slot from @value. */
static int htab_percpu_sys_update(struct kbpf_map *map, const void *key,
				  const void *value, uint64_t flags)
{
	return (int)htab_update_common(map, key, value, flags, true);
}

/*
 * LRU update: a node is taken first (evicting if needed) even when the
 * flags then refuse the update, as Linux does; LRU_PERCPU with BPF_EXIST
 * takes none.
 */
static long htab_lru_update_common(struct kbpf_map *map, const void *key,
				   const void *value, uint64_t flags, bool all)
{
	struct kbpf_htab *t = kbpf_htab(map);
	struct kbpf_lru_node *node = NULL;
	struct htab_elem *old, *e = NULL;
	struct htab_bucket *b;
	unsigned long st;
	uint32_t hash;
	long err;

	if ((flags & ~(uint64_t)BPF_F_LOCK) > BPF_EXIST || (flags & BPF_F_LOCK))
		return -KBPF_EINVAL;
	hash = htab_hash(t, key);
	b = htab_bucket(t, hash);
	if (!t->percpu || !(flags & BPF_EXIST)) {
		node = kbpf_lru_pop_free(&t->lru_state, hash);
		if (!node)
			return -KBPF_ENOMEM;
		e = kbpf_container_of(node, struct htab_elem, lru);
		kbpf_memcpy(e->key, key, map->key_size);
		atomic_store_explicit(&e->hash, hash, memory_order_relaxed);
		if (!t->percpu)
			htab_copy_in(t, e, value, all, true);
	}
	err = htab_lock(t, b, hash, &st);
	if (err)
		goto free_new;
	old = htab_find_locked(t, b, key, hash);
	err = check_flags(old, flags);
	if (err) {
		htab_unlock(t, b, hash, st);
		goto free_new;
	}
	if (t->percpu && old) {
		kbpf_lru_node_set_ref(&old->lru);
		htab_copy_in(t, old, value, all, false);
		htab_unlock(t, b, hash, st);
		goto free_new;
	}
	if (t->percpu)
		htab_copy_in(t, e, value, all, true);
	htab_link(b, e);
	if (old) {
		/* Replacing a key is a use of it (Linux sets the new node's bit). */
		kbpf_lru_node_set_ref(&e->lru);
		htab_unlink(b, old);
	}
	htab_unlock(t, b, hash, st);
	if (old)
		htab_elem_put(t, old, true);
	return 0;
free_new:
	if (e)
		htab_elem_put(t, e, false);
	return err;
}

/* Called from syscall or from a program (any context) */
static long htab_lru_map_update_elem(struct kbpf_map *map, const void *key,
				     const void *value, uint64_t flags)
{
	return htab_lru_update_common(map, key, value, flags, false);
}

/* Called from syscall */
static int htab_lru_percpu_sys_update(struct kbpf_map *map, const void *key,
				      const void *value, uint64_t flags)
{
	return (int)htab_lru_update_common(map, key, value, flags, true);
}

/* ---- delete ---- */

/* Unlink the element of @key; @copy (if set) receives its value first. */
static long htab_delete_common(struct kbpf_map *map, const void *key,
			       void *copy, bool locked)
{
	struct kbpf_htab *t = kbpf_htab(map);
	uint32_t hash = htab_hash(t, key);
	struct htab_bucket *b = htab_bucket(t, hash);
	struct htab_elem *e;
	unsigned long st;
	long err;

	err = htab_lock(t, b, hash, &st);
	if (err)
		return err;
	e = htab_find_locked(t, b, key, hash);
	if (e) {
		if (copy)
			htab_copy_out(t, e, copy, locked);
		htab_unlink(b, e);
	}
	htab_unlock(t, b, hash, st);
	if (!e)
		return -KBPF_ENOENT;
	htab_elem_put(t, e, false);
	return 0;
}

/* Called from syscall or from a program (any context) */
static long htab_map_delete_elem(struct kbpf_map *map, const void *key)
{
	return htab_delete_common(map, key, NULL, false);
}

/* Called from syscall */
static int htab_sys_lookup_and_delete(struct kbpf_map *map, const void *key,
				      void *value, uint64_t flags)
{
	if ((flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map))
		return -KBPF_EINVAL;
	return (int)htab_delete_common(map, key, value, flags & BPF_F_LOCK);
}

/* LRU eviction: unlink @node's element if it is in the table. */
static bool htab_lru_del(void *arg, struct kbpf_lru_node *node)
{
	struct kbpf_htab *t = arg;
	struct htab_elem *e = kbpf_container_of(node, struct htab_elem, lru);
	struct htab_bucket *b = htab_bucket(t, node->hash);
	unsigned long st;
	bool found;

	if (htab_lock(t, b, node->hash, &st))
		return false;
	found = htab_unlink(b, e);
	htab_unlock(t, b, node->hash, st);
	/* An evicted element is reused at once: its timer goes now. */
	if (found && kbpf_map_has_timer(&t->map))
		kbpf_timer_cancel_and_free(&t->map, elem_value(t, e), true);
	if (found && t->map.kptrs)
		kbpf_kptr_free_fields(&t->map, elem_value(t, e));
	return found;
}

/* ---- iteration ---- */

/* Called from syscall (read section held) */
static int htab_map_get_next_key(struct kbpf_map *map, const void *key,
				 void *next_key)
{
	struct kbpf_htab *t = kbpf_htab(map);
	uint32_t i = 0, hash;
	struct htab_elem *e;
	uintptr_t p;

	if (key) {
		hash = htab_hash(t, key);
		e = htab_find(t, key, hash);
		if (e) {
			p = atomic_load_explicit(&e->next,
						 memory_order_acquire);
			if (!is_nulls(p)) {
				racy_copy(next_key, elem_at(p)->key,
					  map->key_size);
				return 0;
			}
			i = (hash & (t->n_buckets - 1)) + 1;
		}
	}
	for (; i < t->n_buckets; i++) {
		p = atomic_load_explicit(&t->buckets[i].first,
					 memory_order_acquire);
		if (!is_nulls(p)) {
			racy_copy(next_key, elem_at(p)->key, map->key_size);
			return 0;
		}
	}
	return -KBPF_ENOENT;
}

/* Called from a program (any context): bucket order, newest first. */
static long htab_map_for_each(struct kbpf_map *map, kbpf_map_elem_fn fn,
			      void *ctx, uint64_t flags)
{
	struct kbpf_htab *t = kbpf_htab(map);
	uint32_t cpu = kbpf_this_cpu(map->obj.host), i;
	long n = 0;

	for (i = 0; i < t->n_buckets; i++) {
		uintptr_t p = atomic_load_explicit(&t->buckets[i].first,
						   memory_order_acquire);

		while (!is_nulls(p)) {
			struct htab_elem *e = elem_at(p);
			void *val = t->percpu ? elem_cpu_value(t, e, cpu) :
						elem_value(t, e);

			/* Read next first: the callback may delete @e. */
			p = atomic_load_explicit(&e->next,
						 memory_order_acquire);
			n++;
			if (fn(map, e->key, val, ctx))
				return n;
		}
	}
	return n;
}

/* ---- batch lookup (and delete) ---- */

#define BATCH_GROW 1 /* htab_batch_bucket(): buffers too small */

/*
 * One bucket of a batch: count its elements without the lock (an empty
 * bucket is skipped without it), then lock it and copy all of them into
 * @keys/@values if they fit in @room and in the buffers of @size elements.
 * Returns 0 with *@cnt elements copied (and unlinked into @dead if
 * @do_delete), BATCH_GROW with *@cnt the size needed, -ENOSPC with *@cnt
 * elements that did not fit in @room, or -EDEADLK.
 */
static int htab_batch_bucket(struct kbpf_htab *t, uint32_t idx, uint32_t room,
			     uint32_t size, uint8_t *keys, uint8_t *values,
			     struct htab_elem **dead, bool do_delete,
			     bool locked, uint32_t *cnt)
{
	struct htab_bucket *b = &t->buckets[idx];
	size_t ks = t->map.key_size, vs = kbpf_map_sys_value_size(&t->map);
	unsigned long st;
	uint32_t n = 0, i = 0;
	uintptr_t p;
	int err;

	for (p = atomic_load_explicit(&b->first, memory_order_acquire);
	     !is_nulls(p);
	     p = atomic_load_explicit(&elem_at(p)->next, memory_order_acquire))
		n++;
	*cnt = 0;
	if (!n)
		return 0;
	err = htab_lock(t, b, idx, &st);
	if (err)
		return err;
	n = 0;
	for (p = atomic_load(&b->first); !is_nulls(p);
	     p = atomic_load(&elem_at(p)->next))
		n++;
	*cnt = n;
	if (n > room || n > size) {
		htab_unlock(t, b, idx, st);
		return n > room ? -KBPF_ENOSPC : BATCH_GROW;
	}
	for (p = atomic_load(&b->first); !is_nulls(p);
	     p = atomic_load(&elem_at(p)->next), i++) {
		struct htab_elem *e = elem_at(p);

		kbpf_memcpy(keys + i * ks, e->key, ks);
		htab_copy_out(t, e, values + i * vs, locked);
		if (do_delete) {
			htab_unlink(b, e); /* @e keeps its next: walk on */
			dead[i] = e;
		}
	}
	htab_unlock(t, b, idx, st);
	return 0;
}

/*
 * Linux's bucket-granular batch: in/out_batch is a u32 bucket index; a
 * bucket is returned whole or not at all (-ENOSPC if nothing was copied).
 * Called from syscall; user copies are made with no lock held.
 */
static int htab_batch(struct kbpf_map *map, const union bpf_attr *attr,
		      union bpf_attr *uattr, bool do_delete)
{
	struct kbpf_htab *t = kbpf_htab(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t max_count, total = 0, batch = 0, size = 5, cnt, zero = 0, i;
	size_t ks = map->key_size, vs = kbpf_map_sys_value_size(map);
	uint64_t ukeys = attr->batch.keys;
	uint64_t uvalues = attr->batch.values;
	uint8_t *keys = NULL, *values = NULL;
	struct htab_elem **dead = NULL;
	unsigned long rst;
	int ret = 0;

	if ((attr->batch.elem_flags & ~(uint64_t)BPF_F_LOCK) ||
	    ((attr->batch.elem_flags & BPF_F_LOCK) &&
	     !kbpf_map_has_spin_lock(map)) ||
	    attr->batch.flags)
		return -KBPF_EINVAL;
	max_count = attr->batch.count;
	if (!max_count)
		return 0;
	if (kbpf_copy_to_user(h, &uattr->batch.count, &zero, sizeof(zero)))
		return -KBPF_EFAULT;
	if (attr->batch.in_batch &&
	    kbpf_copy_from_user(h, &batch,
				kbpf_u64_to_ptr(attr->batch.in_batch),
				sizeof(batch)))
		return -KBPF_EFAULT;
	if (batch >= t->n_buckets)
		return -KBPF_ENOENT;
	for (;;) {
		if (!keys) {
			keys = kbpf_malloc(h, ks * size, 0);
			values = kbpf_malloc(h, vs * size, 0);
			dead = kbpf_malloc(h, sizeof(*dead) * size, 0);
			if (!keys || !values || !dead) {
				ret = -KBPF_ENOMEM;
				break;
			}
		}
		rst = kbpf_map_read_lock(h);
		ret = htab_batch_bucket(t, batch, max_count - total, size, keys,
					values, dead, do_delete,
					attr->batch.elem_flags & BPF_F_LOCK,
					&cnt);
		kbpf_map_read_unlock(h, rst);
		if (ret == BATCH_GROW) {
			kbpf_free(h, keys, ks * size);
			kbpf_free(h, values, vs * size);
			kbpf_free(h, dead, sizeof(*dead) * size);
			keys = values = NULL;
			dead = NULL;
			size = cnt;
			continue;
		}
		if (ret == -KBPF_ENOSPC) {
			ret = total ? 0 : -KBPF_ENOSPC;
			break;
		}
		if (ret)
			break;
		/* After the bucket unlock: LRU locks come before bucket locks. */
		for (i = 0; do_delete && i < cnt; i++)
			htab_elem_put(t, dead[i], false);
		if (cnt &&
		    (kbpf_copy_to_user(
			     h, kbpf_uptr_at(ukeys, (uint64_t)total * ks), keys,
			     ks * cnt) ||
		     kbpf_copy_to_user(
			     h, kbpf_uptr_at(uvalues, (uint64_t)total * vs),
			     values, vs * cnt))) {
			ret = -KBPF_EFAULT;
			goto out;
		}
		total += cnt;
		if (++batch >= t->n_buckets) {
			ret = -KBPF_ENOENT;
			break;
		}
	}
	if (kbpf_copy_to_user(h, kbpf_u64_to_ptr(attr->batch.out_batch), &batch,
			      sizeof(batch)) ||
	    kbpf_copy_to_user(h, &uattr->batch.count, &total, sizeof(total)))
		ret = -KBPF_EFAULT;
out:
	kbpf_free(h, keys, ks * size);
	kbpf_free(h, values, vs * size);
	kbpf_free(h, dead, sizeof(*dead) * size);
	return ret;
}

/* Called from syscall */
static int htab_map_lookup_batch(struct kbpf_map *map,
				 const union bpf_attr *attr,
				 union bpf_attr *uattr)
{
	return htab_batch(map, attr, uattr, false);
}

/* Called from syscall */
static int htab_map_lookup_and_delete_batch(struct kbpf_map *map,
					    const union bpf_attr *attr,
					    union bpf_attr *uattr)
{
	return htab_batch(map, attr, uattr, true);
}

/* ---- accounting ---- */

static uint64_t htab_map_mem_usage(const struct kbpf_map *map)
{
	const struct kbpf_htab *t = kbpf_htab(map);
	const struct kbpf_host *h = map->obj.host;
	uint64_t usage = sizeof(*t) + (uint64_t)t->n_buckets * 16 +
			 (uint64_t)h->nr_cpus * HTAB_LOCK_SLOTS * 4;

	if (t->prealloc)
		return usage + t->elems_size;
	return usage + (uint64_t)atomic_load(&((struct kbpf_htab *)t)->count) *
			       t->elem_size;
}

/*
 * Program path: preallocated elements sit in one block that lives as long
 * as the map, so one region covers every value the program can be handed
 * (a value whose element was deleted and reused is still this map's value
 * storage, as in Linux). Per-CPU: every CPU's slot of an element, each
 * round_up(value_size, 8) bytes (the padding is the slot's own). Not
 * map-in-map slots, not elements allocated one by one.
 */
static bool htab_map_value_area(const struct kbpf_map *map, uint32_t cpu,
				struct kbpf_map_value_area *area)
{
	const struct kbpf_htab *t = kbpf_htab(map);

	(void)cpu; /* every CPU's slots are in the area */
	if (!t->prealloc || t->fd_map || !t->elems)
		return false;
	area->start = (uintptr_t)t->elems;
	area->end = (uintptr_t)t->elems + t->elems_size;
	area->stride = t->elem_size;
	area->off = (uint32_t)(offsetof(struct htab_elem, key) + t->key_room);
	/* Per-CPU: the element's whole value room, up to the next element. */
	area->size = t->percpu ? t->elem_size - area->off : map->value_size;
	return true;
}

#define HTAB_SYS_OPS                                                        \
	.alloc_check = htab_map_alloc_check, .alloc = htab_map_alloc,       \
	.free = htab_map_free, .get_next_key = htab_map_get_next_key,       \
	.sys_lookup = htab_sys_lookup,                                      \
	.sys_lookup_and_delete = htab_sys_lookup_and_delete,                \
	.lookup_batch = htab_map_lookup_batch,                              \
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,        \
	.update_batch = kbpf_map_generic_update_batch,                      \
	.delete_batch = kbpf_map_generic_delete_batch,                      \
	.delete_elem = htab_map_delete_elem, .for_each = htab_map_for_each, \
	.mem_usage = htab_map_mem_usage

const struct kbpf_map_ops kbpf_htab_map_ops = {
	HTAB_SYS_OPS,
	.value_area = htab_map_value_area,
	.lookup_elem = htab_map_lookup_elem,
	.update_elem = htab_map_update_elem,
};

const struct kbpf_map_ops kbpf_percpu_htab_map_ops = {
	HTAB_SYS_OPS,
	.value_area = htab_map_value_area,
	.sys_update = htab_percpu_sys_update,
	.lookup_elem = htab_percpu_map_lookup_elem,
	.update_elem = htab_map_update_elem,
	.lookup_percpu_elem = htab_percpu_map_lookup_percpu_elem,
};

/* Any context. */
static void htab_of_maps_inner_meta(const struct kbpf_map *map,
				    struct kbpf_map *meta)
{
	kbpf_mim_template_meta(&kbpf_htab(map)->tmpl, meta);
}

/* No single lookup-and-delete (-ENOTSUPP), as Linux. */
const struct kbpf_map_ops kbpf_hash_of_maps_map_ops = {
	.alloc_check = htab_map_alloc_check,
	.alloc = htab_map_alloc,
	.free = htab_map_free,
	.get_next_key = htab_map_get_next_key,
	.sys_lookup = htab_sys_lookup,
	.sys_update = htab_of_maps_sys_update,
	.alloc_with_inner = htab_map_alloc_with_inner,
	.set_inner = htab_of_maps_set_inner,
	.inner_meta = htab_of_maps_inner_meta,
	.lookup_batch = htab_map_lookup_batch,
	.lookup_and_delete_batch = htab_map_lookup_and_delete_batch,
	.update_batch = kbpf_map_generic_update_batch,
	.delete_batch = kbpf_map_generic_delete_batch,
	.delete_elem = htab_map_delete_elem,
	.lookup_elem = htab_of_maps_lookup_elem,
	.mem_usage = htab_map_mem_usage,
	.fd_get_ptr = htab_of_maps_fd_get_ptr,
	.fd_put_ptr = kbpf_fd_entry_put_ptr,
	.fd_sys_lookup_elem = kbpf_mim_fd_sys_lookup_elem,
};

const struct kbpf_map_ops kbpf_lru_htab_map_ops = {
	HTAB_SYS_OPS,
	.value_area = htab_map_value_area,
	.lookup_elem = htab_lru_map_lookup_elem,
	.update_elem = htab_lru_map_update_elem,
};

const struct kbpf_map_ops kbpf_lru_percpu_htab_map_ops = {
	HTAB_SYS_OPS,
	.value_area = htab_map_value_area,
	.sys_update = htab_lru_percpu_sys_update,
	.lookup_elem = htab_percpu_map_lookup_elem,
	.update_elem = htab_lru_map_update_elem,
	.lookup_percpu_elem = htab_percpu_map_lookup_percpu_elem,
};
