// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_XSKMAP (Linux's xskmap.c in behaviour): AF_XDP sockets by
 * index, for bpf_redirect_map from XDP programs. A value is a socket fd on
 * update; the host says what an fd names (kbpf_host.owner_fd_get with
 * KBPF_OWNER_XSK: -EBADF, -ENOTSOCK, or -EOPNOTSUPP for a socket of
 * another family). User space cannot read an entry (-EOPNOTSUPP, as
 * Linux); programs look one up as a struct bpf_xdp_sock, whose queue_id
 * reads 0 (the host does not say which queue a socket is bound to yet).
 * The map is array-shaped: every index below max_entries is a key.
 *
 * Differences from Linux: an entry holds the host's reference to its
 * socket until it is deleted or replaced or the map dies (owner_put);
 * Linux's socket removes itself from every map when it is closed, which
 * here is the host's to do with BPF_MAP_DELETE_ELEM or by keeping the
 * socket until then. After an XDP_REDIRECT verdict into an XSKMAP the host
 * reads the target from struct kbpf_xdp and kbpf_xskmap_lookup() and
 * delivers the frame itself (include/kbpf/xskmap.h).
 *
 * Locking: updates and deletes take the map's spinlock with interrupts
 * saved (owner_fd_get and owner_put are called outside it); programs read
 * entries lock-free (acquire loads). A replaced or deleted entry, with its
 * socket reference, is dropped through defer_free, or kept until the map
 * dies.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/xskmap.h"
#include "map_internal.h"

#define XSK_CREATE_FLAG_MASK (BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

extern const struct kbpf_map_ops kbpf_xsk_map_ops;

struct xsk_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	struct xsk_entry *next_retired;
	uint64_t sock; /* the host's socket, with a reference */
	struct bpf_xdp_sock view; /* what a program's lookup reads */
};

struct kbpf_xskmap {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	struct xsk_entry *retired; /* under lock, without defer_free */
	struct xsk_entry *_Atomic *slots; /* one per index */
};

static inline struct kbpf_xskmap *xmap(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_xskmap, map);
}

/* Called from syscall: Linux's xsk_map_alloc() checks. */
static int xsk_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    attr->value_size != 4 || (attr->map_flags & ~XSK_CREATE_FLAG_MASK))
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall */
static int xsk_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_xskmap *x;
	size_t bytes;

	if (kbpf_mul_overflow((size_t)attr->max_entries, sizeof(void *),
			      &bytes))
		return -KBPF_ENOMEM;
	x = kbpf_zalloc(h, sizeof(*x), 0);
	if (!x)
		return -KBPF_ENOMEM;
	x->slots = kbpf_zalloc(h, bytes, 0);
	if (!x->slots) {
		kbpf_free(h, x, sizeof(*x));
		return -KBPF_ENOMEM;
	}
	kbpf_spin_init(&x->lock);
	kbpf_map_init(&x->map, h, attr, &kbpf_xsk_map_ops);
	*out = &x->map;
	return 0;
}

static void xsk_entry_free(struct xsk_entry *e)
{
	const struct kbpf_host *h = e->host;

	h->owner_put(h, KBPF_OWNER_XSK, e->sock);
	kbpf_free(h, e, sizeof(*e));
}

static void xsk_entry_free_rcu(struct kbpf_rcu_head *head)
{
	xsk_entry_free((struct xsk_entry *)head);
}

/* Under the map's lock: free @e once no program can hold it. */
static void xsk_retire_locked(struct kbpf_xskmap *x, struct xsk_entry *e)
{
	const struct kbpf_host *h = x->map.obj.host;

	if (h->defer_free) {
		e->rcu.func = xsk_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	e->next_retired = x->retired;
	x->retired = e;
}

/* Called when no program or fd can reach the map. */
static void xsk_free(struct kbpf_map *map)
{
	struct kbpf_xskmap *x = xmap(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct xsk_entry *e = atomic_load(&x->slots[i]);

		if (e)
			xsk_entry_free(e);
	}
	while (x->retired) {
		struct xsk_entry *e = x->retired;

		x->retired = e->next_retired;
		xsk_entry_free(e);
	}
	kbpf_free(h, x->slots, (size_t)map->max_entries * sizeof(void *));
	kbpf_free(h, x, sizeof(*x));
}

static struct xsk_entry *xsk_find(struct kbpf_xskmap *x, uint32_t key)
{
	return key < x->map.max_entries ?
		       atomic_load_explicit(&x->slots[key],
					    memory_order_acquire) :
		       NULL;
}

/* Called from a program: the entry's struct bpf_xdp_sock, or NULL. */
static void *xsk_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct xsk_entry *e;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	e = xsk_find(xmap(map), k);
	return e ? &e->view : NULL;
}

/* Called from syscall: Linux's xsk_map_lookup_elem_sys_only(). */
static int xsk_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	return -KBPF_EOPNOTSUPP;
}

/* Called from syscall: Linux's xsk_map_update_elem(), in its order. */
static int xsk_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_xskmap *x = xmap(map);
	const struct kbpf_host *h = map->obj.host;
	struct xsk_entry *e, *old;
	unsigned long irq;
	uint32_t k;
	int32_t fd;
	int err = 0;

	kbpf_memcpy(&k, key, sizeof(k));
	kbpf_memcpy(&fd, value, sizeof(fd));
	if (flags > BPF_EXIST)
		return -KBPF_EINVAL;
	if (k >= map->max_entries)
		return -KBPF_E2BIG;
	/* No socket table: every fd is one kbpf cannot look up. */
	if (!h->owner_fd_get || !h->owner_put)
		return -KBPF_EBADF;
	e = kbpf_zalloc(h, sizeof(*e), 0);
	if (!e)
		return -KBPF_ENOMEM;
	e->host = h;
	err = h->owner_fd_get(h, KBPF_OWNER_XSK, fd, &e->sock);
	if (err) {
		kbpf_free(h, e, sizeof(*e));
		return err;
	}
	irq = kbpf_spin_lock_irqsave(h, &x->lock);
	old = atomic_load(&x->slots[k]);
	if (old && old->sock == e->sock)
		err = 1; /* the same socket: nothing changes */
	else if (old && flags == BPF_NOEXIST)
		err = -KBPF_EEXIST;
	else if (!old && flags == BPF_EXIST)
		err = -KBPF_ENOENT;
	if (!err) {
		atomic_store_explicit(&x->slots[k], e, memory_order_release);
		if (old)
			xsk_retire_locked(x, old);
	}
	kbpf_spin_unlock_irqrestore(h, &x->lock, irq);
	if (err) {
		xsk_entry_free(e);
		return err > 0 ? 0 : err;
	}
	return 0;
}

/* Called from syscall or from a program: Linux's xsk_map_delete_elem(). */
static long xsk_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_xskmap *x = xmap(map);
	const struct kbpf_host *h = map->obj.host;
	struct xsk_entry *old;
	unsigned long irq;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	if (k >= map->max_entries)
		return -KBPF_EINVAL;
	irq = kbpf_spin_lock_irqsave(h, &x->lock);
	old = atomic_exchange_explicit(&x->slots[k], NULL,
				       memory_order_acq_rel);
	if (old)
		xsk_retire_locked(x, old);
	kbpf_spin_unlock_irqrestore(h, &x->lock, irq);
	return 0;
}

static uint64_t xsk_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_xskmap) +
	       (uint64_t)map->max_entries * sizeof(void *);
}

bool kbpf_xskmap_is(const struct kbpf_map *map)
{
	return map->ops == &kbpf_xsk_map_ops;
}

bool kbpf_xskmap_lookup(struct kbpf_map *map, uint32_t key, uint64_t *sock)
{
	struct xsk_entry *e;

	if (!kbpf_xskmap_is(map))
		return false;
	e = xsk_find(xmap(map), key);
	if (!e)
		return false;
	if (sock)
		*sock = e->sock;
	return true;
}

const struct kbpf_map_ops kbpf_xsk_map_ops = {
	.alloc_check = xsk_alloc_check,
	.alloc = xsk_alloc,
	.free = xsk_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = xsk_sys_lookup,
	.sys_update = xsk_sys_update,
	.lookup_elem = xsk_lookup_elem,
	.delete_elem = xsk_delete_elem,
	.mem_usage = xsk_mem_usage,
};
