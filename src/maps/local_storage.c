// SPDX-License-Identifier: MIT
/*
 * Local storage maps: BPF_MAP_TYPE_TASK_STORAGE, SK_STORAGE, INODE_STORAGE
 * and CGRP_STORAGE (Linux's bpf_local_storage.c with bpf_task_storage.c,
 * bpf_sk_storage.c, bpf_inode_storage.c and bpf_cgrp_storage.c, in
 * behaviour). A map holds at most one value per owner, and the values live
 * with their owner, not in the map: the host keeps one pointer in each
 * owner (kbpf_host.owner_storage, the anchor) to a struct ls_storage, the
 * owner's list of elements, one per map that has a value for it. The map
 * keeps its own elements on hashed bucket lists, to free them with itself.
 * See docs/design/local_storage.md.
 *
 * An element is on two lists: its owner's (ls_storage.head, read without
 * locks by lookups) and its map's bucket (only for freeing). Both links
 * change together, under the owner's storage lock and then the bucket
 * lock, so whoever holds a storage lock sees an element on both lists or
 * on neither (ls_elem.linked).
 *
 * Readers (lookups, program or syscall path) run in read-side sections:
 * they load the anchor and walk the owner's list with acquire loads, and
 * find an element whose map is theirs. Writers publish a new element with
 * a release store at the head, and take a replaced or deleted one out of
 * the list without touching its own next pointer, so a reader standing on
 * it finishes its walk. Unlinked elements and emptied storages are freed
 * through kbpf_host.defer_free; an update without BPF_F_LOCK makes a new
 * element (readers see the old value or the new one, never a mix), with
 * BPF_F_LOCK it copies into the existing one under the value's lock.
 *
 * Lock order: storage lock, then bucket lock (the map's free walks its
 * buckets through read-side sections and takes each element's storage lock
 * first). Both are taken with the host's interrupts saved, as the hash
 * maps take their bucket locks.
 *
 * A storage whose last element goes is unhooked from its owner (the anchor
 * goes back to NULL) and freed; an owner's death
 * (kbpf_local_storage_owner_free()) leaves LS_DEAD in the anchor so that a
 * program still holding the owner cannot give it new storage.
 */
#include "core/atomic.h"
#include "kbpf/local_storage.h"
#include "local_storage.h"
#include "map_internal.h"

/* Linux's BPF_LOCAL_STORAGE_CREATE_FLAG_MASK (every storage type). */
#define LS_CREATE_FLAG_MASK (BPF_F_NO_PREALLOC | BPF_F_CLONE)

/*
 * Linux 6.18's BPF_LOCAL_STORAGE_MAX_VALUE_SIZE on x86-64: U16_MAX less
 * its 128-byte element header (measured: 65407 is accepted, 65408 is
 * -E2BIG).
 */
#define LS_VALUE_MAX 65407u

/* The anchor of an owner that died: no new storage for it. */
#define LS_DEAD ((struct ls_storage *)(uintptr_t)1)

extern const struct kbpf_map_ops kbpf_task_storage_map_ops;
extern const struct kbpf_map_ops kbpf_sk_storage_map_ops;
extern const struct kbpf_map_ops kbpf_inode_storage_map_ops;
extern const struct kbpf_map_ops kbpf_cgrp_storage_map_ops;

struct ls_elem;

/* An owner's storage: the head of its element list. */
struct ls_storage {
	struct kbpf_rcu_head rcu; /* first: freed through defer_free */
	const struct kbpf_host *host;
	struct kbpf_spinlock lock; /* head, the elements' snext and linked */
	struct ls_elem *head; /* written under lock, read with acquire */
	void **anchor; /* the owner's pointer to us */
	bool dead; /* unhooked: no element may join */
};

/* One value of one map for one owner. */
struct ls_elem {
	struct kbpf_rcu_head rcu; /* first: freed through defer_free */
	const struct kbpf_host *host;
	size_t size; /* of the whole allocation */
	struct ls_elem *snext; /* the owner's list */
	struct ls_elem *mnext; /* the bucket's list, under the bucket lock */
	struct ls_elem **mpprev;
	struct ls_map *smap;
	struct ls_storage *storage;
	bool linked; /* on both lists; under the storage lock */
	uint64_t data[]; /* the value, value_size bytes */
};

struct ls_bucket {
	struct kbpf_spinlock lock;
	struct ls_elem *head;
};

struct ls_map {
	struct kbpf_map map;
	uint32_t kind; /* KBPF_OWNER_* */
	uint32_t nbuckets; /* a power of two */
	struct ls_bucket *buckets;
	size_t elem_size;
};

static inline struct ls_map *ls_map(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct ls_map, map);
}

static uint32_t ls_kind_of(uint32_t map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_SK_STORAGE:
		return KBPF_OWNER_SOCK;
	case BPF_MAP_TYPE_INODE_STORAGE:
		return KBPF_OWNER_INODE;
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return KBPF_OWNER_CGROUP;
	default:
		return KBPF_OWNER_TASK;
	}
}

/* Called from syscall: Linux's bpf_local_storage_map_alloc_check(). */
static int ls_alloc_check(const struct kbpf_host *h, const union bpf_attr *attr)
{
	if ((attr->map_flags & ~LS_CREATE_FLAG_MASK) ||
	    !(attr->map_flags & BPF_F_NO_PREALLOC) || attr->max_entries ||
	    attr->key_size != sizeof(int) || !attr->value_size ||
	    !attr->btf_key_type_id || !attr->btf_value_type_id)
		return -KBPF_EINVAL;
	if (attr->value_size > LS_VALUE_MAX)
		return -KBPF_E2BIG;
	return 0;
}

/*
 * Called from syscall. Buckets: the possible CPUs rounded up to a power of
 * two, at least 2 (Linux's choice). Elements and storages are freed
 * through defer_free, which kbpf cannot do without: a host without it gets
 * -EOPNOTSUPP, as for other types that need something the host lacks.
 */
static int ls_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out)
{
	struct ls_map *s;
	uint32_t n = 2;

	if (!h->defer_free)
		return -KBPF_EOPNOTSUPP;
	while (n < h->nr_cpus && n < (1u << 16))
		n <<= 1;
	s = kbpf_zalloc(h, sizeof(*s), 0);
	if (!s)
		return -KBPF_ENOMEM;
	s->buckets = kbpf_zalloc(h, n * sizeof(*s->buckets), 0);
	if (!s->buckets) {
		kbpf_free(h, s, sizeof(*s));
		return -KBPF_ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++)
		kbpf_spin_init(&s->buckets[i].lock);
	s->nbuckets = n;
	s->kind = ls_kind_of(attr->map_type);
	s->elem_size = sizeof(struct ls_elem) +
		       kbpf_round_up((size_t)attr->value_size, 8);
	switch (attr->map_type) {
	case BPF_MAP_TYPE_SK_STORAGE:
		kbpf_map_init(&s->map, h, attr, &kbpf_sk_storage_map_ops);
		break;
	case BPF_MAP_TYPE_INODE_STORAGE:
		kbpf_map_init(&s->map, h, attr, &kbpf_inode_storage_map_ops);
		break;
	case BPF_MAP_TYPE_CGRP_STORAGE:
		kbpf_map_init(&s->map, h, attr, &kbpf_cgrp_storage_map_ops);
		break;
	default:
		kbpf_map_init(&s->map, h, attr, &kbpf_task_storage_map_ops);
		break;
	}
	*out = &s->map;
	return 0;
}

static struct ls_bucket *ls_bucket(struct ls_map *s,
				   const struct ls_storage *st)
{
	uintptr_t v = (uintptr_t)st;

	/* Storages are 16-byte aligned allocations: drop the zero bits. */
	v = (v >> 4) ^ (v >> 12);
	return &s->buckets[v & (s->nbuckets - 1)];
}

static void ls_elem_free_rcu(struct kbpf_rcu_head *head)
{
	struct ls_elem *e = kbpf_container_of(head, struct ls_elem, rcu);

	kbpf_free(e->host, e, e->size);
}

static void ls_storage_free_rcu(struct kbpf_rcu_head *head)
{
	struct ls_storage *st = kbpf_container_of(head, struct ls_storage, rcu);

	kbpf_free(st->host, st, sizeof(*st));
}

static void ls_defer(const struct kbpf_host *h, struct kbpf_rcu_head *head,
		     void (*fn)(struct kbpf_rcu_head *))
{
	head->func = fn;
	h->defer_free(h, head);
}

/*
 * Take @e out of its owner's list and its map's bucket. Storage lock held;
 * takes the bucket lock. Returns true when the storage is left empty.
 */
static bool ls_unlink_locked(struct ls_elem *e)
{
	const struct kbpf_host *h = e->host;
	struct ls_storage *st = e->storage;
	struct ls_bucket *b = ls_bucket(e->smap, st);
	struct ls_elem **pp;
	unsigned long fl;

	for (pp = &st->head; *pp != e; pp = &(*pp)->snext)
		;
	/* Readers on @e keep its snext: it is not changed. */
	kbpf_store_release_ptr(pp, e->snext);
	fl = kbpf_spin_lock_irqsave(h, &b->lock);
	*e->mpprev = e->mnext;
	if (e->mnext)
		e->mnext->mpprev = e->mpprev;
	kbpf_spin_unlock_irqrestore(h, &b->lock, fl);
	e->linked = false;
	return !st->head;
}

/* Put @e at the head of its owner's list and on its map's bucket. */
static void ls_link_locked(struct ls_storage *st, struct ls_elem *e)
{
	const struct kbpf_host *h = e->host;
	struct ls_bucket *b;
	unsigned long fl;

	e->storage = st;
	b = ls_bucket(e->smap, st);
	fl = kbpf_spin_lock_irqsave(h, &b->lock);
	e->mnext = b->head;
	if (b->head)
		b->head->mpprev = &e->mnext;
	e->mpprev = &b->head;
	b->head = e;
	kbpf_spin_unlock_irqrestore(h, &b->lock, fl);
	e->snext = st->head;
	/* Pairs with the acquire loads of ls_find(). */
	kbpf_store_release_ptr(&st->head, e);
	e->linked = true;
}

/*
 * The storage is empty: unhook it from its owner and free it after the
 * readers. Storage lock held. The anchor goes back to NULL unless the
 * owner died meanwhile (then it holds LS_DEAD and stays so).
 */
static void ls_storage_retire_locked(struct ls_storage *st)
{
	st->dead = true;
	kbpf_cmpxchg_ptr(st->anchor, st, NULL);
}

/* Read-side section held: the element of @s in @st, or NULL. */
static struct ls_elem *ls_find(struct ls_storage *st, const struct ls_map *s)
{
	struct ls_elem *e;

	for (e = kbpf_load_acquire_ptr(&st->head); e;
	     e = kbpf_load_acquire_ptr(&e->snext))
		if (e->smap == s)
			return e;
	return NULL;
}

static struct ls_storage *ls_load_anchor(void **anchor)
{
	struct ls_storage *st = kbpf_load_acquire_ptr(anchor);

	return st == LS_DEAD ? NULL : st;
}

static void *ls_lookup(struct ls_map *s, void **anchor)
{
	struct ls_storage *st = ls_load_anchor(anchor);
	struct ls_elem *e = st ? ls_find(st, s) : NULL;

	return e ? e->data : NULL;
}

static struct ls_elem *ls_elem_alloc(struct ls_map *s, const void *value,
				     uint32_t gfp)
{
	const struct kbpf_host *h = s->map.obj.host;
	struct ls_elem *e = kbpf_zalloc(h, s->elem_size, gfp);

	if (!e)
		return NULL;
	e->host = h;
	e->size = s->elem_size;
	e->smap = s;
	if (value)
		kbpf_map_value_in(&s->map, e->data, value, false);
	return e;
}

static void *ls_publish(struct ls_map *s, void **anchor, struct ls_elem *e,
			const void *value, uint64_t flags, uint32_t gfp,
			int *err);

/*
 * Linux's bpf_local_storage_update() for @anchor: flags BPF_ANY, BPF_EXIST
 * or BPF_NOEXIST, with BPF_F_LOCK for a value with a bpf_spin_lock.
 * @gfp: KBPF_ALLOC_ATOMIC on the program path. Read-side section held.
 * Returns the element's value or a negative errno in *@err.
 */
static void *ls_update(struct ls_map *s, void **anchor, const void *value,
		       uint64_t flags, uint32_t gfp, int *err)
{
	uint64_t op = flags & ~(uint64_t)BPF_F_LOCK;
	struct ls_elem *e;

	if (op > BPF_EXIST ||
	    ((flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(&s->map))) {
		*err = -KBPF_EINVAL;
		return NULL;
	}
	e = ls_elem_alloc(s, value, gfp);
	if (!e) {
		*err = -KBPF_ENOMEM;
		return NULL;
	}
	return ls_publish(s, anchor, e, value, flags, gfp, err);
}

/*
 * ls_update() once the new element @e (holding @value) is made: link it
 * to the owner at @anchor, or free it and fail. Read-side section held.
 */
static void *ls_publish(struct ls_map *s, void **anchor, struct ls_elem *e,
			const void *value, uint64_t flags, uint32_t gfp,
			int *err)
{
	const struct kbpf_host *h = s->map.obj.host;
	uint64_t op = flags & ~(uint64_t)BPF_F_LOCK;
	struct ls_elem *old;
	struct ls_storage *st, *fresh;
	unsigned long fl;

retry:
	st = kbpf_load_acquire_ptr(anchor);
	if (st == LS_DEAD) {
		*err = -KBPF_ENOENT; /* the owner is gone */
		goto free_elem;
	}
	if (!st) {
		/* The owner's first value: a new storage with it. */
		if (op == BPF_EXIST) {
			*err = -KBPF_ENOENT;
			goto free_elem;
		}
		fresh = kbpf_zalloc(h, sizeof(*fresh), gfp);
		if (!fresh) {
			*err = -KBPF_ENOMEM;
			goto free_elem;
		}
		fresh->host = h;
		fresh->anchor = anchor;
		kbpf_spin_init(&fresh->lock);
		/* Linked before it is published: nobody else sees it yet. */
		ls_link_locked(fresh, e);
		if (kbpf_cmpxchg_ptr(anchor, NULL, fresh) == NULL)
			return e->data;
		/* Someone else published first: undo and use theirs. */
		ls_unlink_locked(e);
		kbpf_free(h, fresh, sizeof(*fresh));
		goto retry;
	}
	fl = kbpf_spin_lock_irqsave(h, &st->lock);
	if (st->dead) {
		/* Emptied and unhooked meanwhile: look at the anchor again. */
		kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
		goto retry;
	}
	old = ls_find(st, s);
	if ((old && op == BPF_NOEXIST) || (!old && op == BPF_EXIST)) {
		*err = old ? -KBPF_EEXIST : -KBPF_ENOENT;
		kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
		goto free_elem;
	}
	if (old && (flags & BPF_F_LOCK)) {
		/* In place, under the value's own lock. */
		kbpf_map_value_in(&s->map, old->data, value, true);
		kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
		ls_defer(h, &e->rcu, ls_elem_free_rcu);
		return old->data;
	}
	/* New first, then the old one out: readers see one or the other. */
	ls_link_locked(st, e);
	if (old)
		ls_unlink_locked(old); /* never empties: @e is there */
	kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
	if (old)
		ls_defer(h, &old->rcu, ls_elem_free_rcu);
	return e->data;

free_elem:
	kbpf_free(h, e, e->size);
	return NULL;
}

/* Read-side section held. 0, or -ENOENT when @anchor has no value of @s. */
static int ls_delete(struct ls_map *s, void **anchor)
{
	const struct kbpf_host *h = s->map.obj.host;
	struct ls_storage *st = ls_load_anchor(anchor);
	struct ls_elem *e;
	unsigned long fl;
	bool empty;

	if (!st)
		return -KBPF_ENOENT;
	fl = kbpf_spin_lock_irqsave(h, &st->lock);
	e = st->dead ? NULL : ls_find(st, s);
	if (!e) {
		kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
		return -KBPF_ENOENT;
	}
	empty = ls_unlink_locked(e);
	if (empty)
		ls_storage_retire_locked(st);
	kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
	ls_defer(h, &e->rcu, ls_elem_free_rcu);
	if (empty)
		ls_defer(h, &st->rcu, ls_storage_free_rcu);
	return 0;
}

void kbpf_local_storage_owner_free(const struct kbpf_host *h, void **anchor)
{
	struct ls_storage *st;
	struct ls_elem *e;
	unsigned long fl;

	/* From now on no one links a new storage to this owner. */
	st = kbpf_xchg_ptr(anchor, LS_DEAD);
	if (!st || st == LS_DEAD)
		return;
	fl = kbpf_spin_lock_irqsave(h, &st->lock);
	if (st->dead) {
		/*
		 * Its last element went just before we exchanged the anchor:
		 * whoever retired it frees it.
		 */
		kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
		return;
	}
	st->dead = true;
	while ((e = st->head)) {
		ls_unlink_locked(e);
		ls_defer(h, &e->rcu, ls_elem_free_rcu);
	}
	kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
	ls_defer(h, &st->rcu, ls_storage_free_rcu);
}

/* Elements copied by one kbpf_local_storage_owner_clone() call at most. */
#define LS_CLONE_MAX 64

int kbpf_local_storage_owner_clone(const struct kbpf_host *h, void **src,
				   void **dst)
{
	struct ls_elem *copies[LS_CLONE_MAX];
	struct kbpf_map *maps[LS_CLONE_MAX];
	struct ls_storage *st;
	struct ls_elem *e;
	unsigned long rl, fl;
	int n = 0, err = 0;

	rl = kbpf_map_read_lock(h);
	st = ls_load_anchor(src);
	if (!st)
		goto out;
	/*
	 * Under the source's lock an element still linked keeps its map
	 * alive (the map's free unlinks it under this lock first), so its
	 * map can be referenced; the copies are linked after the unlock.
	 */
	fl = kbpf_spin_lock_irqsave(h, &st->lock);
	for (e = st->dead ? NULL : st->head; e; e = e->snext) {
		struct kbpf_map *map = &e->smap->map;
		struct ls_elem *c;

		if (!(map->map_flags & BPF_F_CLONE))
			continue;
		if (n == LS_CLONE_MAX) {
			err = -KBPF_E2BIG;
			break;
		}
		if (!kbpf_obj_get_unless_zero(&map->obj))
			continue; /* the map is being freed */
		c = ls_elem_alloc(e->smap, NULL, KBPF_ALLOC_ATOMIC);
		if (!c) {
			kbpf_map_put(map);
			err = -KBPF_ENOMEM;
			break;
		}
		kbpf_map_value_out(map, c->data, e->data,
				   kbpf_map_has_spin_lock(map));
		maps[n] = map;
		copies[n++] = c;
	}
	kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
	for (int i = 0; i < n; i++) {
		int e2 = 0;

		if (err)
			kbpf_free(h, copies[i], copies[i]->size);
		else if (!ls_publish(copies[i]->smap, dst, copies[i], NULL,
				     BPF_NOEXIST, KBPF_ALLOC_ATOMIC, &e2))
			err = e2;
	}
out:
	kbpf_map_read_unlock(h, rl);
	if (err)
		kbpf_local_storage_owner_free(h, dst);
	/* Last: a map whose last reference this was is freed here. */
	for (int i = 0; i < n; i++)
		kbpf_map_put(maps[i]);
	return err;
}

/*
 * Called when the last reference is gone: no program or fd reaches the
 * map, so no element of it is added any more. Each one is unlinked under
 * its storage's lock; one that an owner's death is unlinking at the same
 * time leaves the bucket under that lock, and the loop sees it go.
 */
static void ls_free(struct kbpf_map *map)
{
	struct ls_map *s = ls_map(map);
	const struct kbpf_host *h = map->obj.host;

	for (uint32_t i = 0; i < s->nbuckets; i++) {
		struct ls_bucket *b = &s->buckets[i];

		for (;;) {
			unsigned long rl = kbpf_map_read_lock(h), fl;
			struct ls_storage *st;
			struct ls_elem *e;
			bool empty = false;

			fl = kbpf_spin_lock_irqsave(h, &b->lock);
			e = b->head;
			kbpf_spin_unlock_irqrestore(h, &b->lock, fl);
			if (!e) {
				kbpf_map_read_unlock(h, rl);
				break;
			}
			/* Both stay valid in the read-side section. */
			st = e->storage;
			fl = kbpf_spin_lock_irqsave(h, &st->lock);
			if (e->linked) {
				empty = ls_unlink_locked(e);
				if (empty && !st->dead)
					ls_storage_retire_locked(st);
				else
					empty = false;
				ls_defer(h, &e->rcu, ls_elem_free_rcu);
			}
			kbpf_spin_unlock_irqrestore(h, &st->lock, fl);
			if (empty)
				ls_defer(h, &st->rcu, ls_storage_free_rcu);
			kbpf_map_read_unlock(h, rl);
		}
		/* Wait out an unlinker still inside the bucket lock. */
		kbpf_spin_unlock_irqrestore(
			h, &b->lock, kbpf_spin_lock_irqsave(h, &b->lock));
	}
	kbpf_free(h, s->buckets, s->nbuckets * sizeof(*s->buckets));
	kbpf_free(h, s, sizeof(*s));
}

/* ---- the program path: the storage helpers ---- */

static void **ls_anchor(const struct kbpf_host *h, uint32_t kind,
			uint64_t owner)
{
	if (!owner || !h->owner_storage)
		return NULL;
	return h->owner_storage(h, (int)kind, owner);
}

void *kbpf_local_storage_get(struct kbpf_map *map, uint32_t map_type,
			     uint64_t owner, const void *value, uint64_t flags)
{
	struct ls_map *s = ls_map(map);
	void **anchor;
	void *v;
	int err = 0;

	/* Linux's verifier refuses another map type; without it, NULL. */
	if (map->map_type != map_type ||
	    (flags & ~(uint64_t)BPF_LOCAL_STORAGE_GET_F_CREATE))
		return NULL;
	anchor = ls_anchor(map->obj.host, s->kind, owner);
	if (!anchor)
		return NULL;
	v = ls_lookup(s, anchor);
	if (v || !(flags & BPF_LOCAL_STORAGE_GET_F_CREATE))
		return v;
	/* Linux creates with BPF_NOEXIST: a racing creator wins. */
	v = ls_update(s, anchor, value, BPF_NOEXIST, KBPF_ALLOC_ATOMIC, &err);
	if (!v && err == -KBPF_EEXIST)
		v = ls_lookup(s, anchor);
	return v;
}

long kbpf_local_storage_delete(struct kbpf_map *map, uint32_t map_type,
			       uint64_t owner)
{
	struct ls_map *s = ls_map(map);
	void **anchor;

	if (map->map_type != map_type)
		return -KBPF_EINVAL;
	anchor = ls_anchor(map->obj.host, s->kind, owner);
	if (!anchor)
		return -KBPF_EINVAL;
	return ls_delete(s, anchor);
}

/* ---- the syscall path: the key is the owner's fd ---- */

/*
 * Resolve the fd at @key to its owner's anchor, with a reference on the
 * owner (ls_owner_put()). Linux resolves the fd before it looks at flags.
 */
static int ls_owner_get(struct ls_map *s, const void *key, uint64_t *owner,
			void ***anchor)
{
	const struct kbpf_host *h = s->map.obj.host;
	int fd, err;

	memcpy(&fd, key, sizeof(fd));
	if (!h->owner_fd_get)
		return -KBPF_EBADF;
	err = h->owner_fd_get(h, (int)s->kind, fd, owner);
	if (err)
		return err;
	*anchor = h->owner_storage ? h->owner_storage(h, (int)s->kind, *owner) :
				     NULL;
	if (!*anchor) {
		h->owner_put(h, (int)s->kind, *owner);
		return -KBPF_ENOENT;
	}
	return 0;
}

static void ls_owner_put(struct ls_map *s, uint64_t owner)
{
	const struct kbpf_host *h = s->map.obj.host;

	h->owner_put(h, (int)s->kind, owner);
}

/* Called from syscall (map_sys.c holds a read-side section). */
static int ls_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			 uint64_t flags)
{
	struct ls_map *s = ls_map(map);
	uint64_t owner;
	void **anchor;
	void *v;
	int err = ls_owner_get(s, key, &owner, &anchor);

	if (err)
		return err;
	v = ls_lookup(s, anchor);
	if (v)
		kbpf_map_value_out(map, value, v, flags & BPF_F_LOCK);
	ls_owner_put(s, owner);
	return v ? 0 : -KBPF_ENOENT;
}

/* Called from syscall */
static int ls_sys_update(struct kbpf_map *map, const void *key,
			 const void *value, uint64_t flags)
{
	struct ls_map *s = ls_map(map);
	const struct kbpf_host *h = map->obj.host;
	uint64_t owner;
	void **anchor;
	unsigned long rl;
	int err = ls_owner_get(s, key, &owner, &anchor);

	if (err)
		return err;
	err = 0;
	/* Atomic allocations: the update runs in a read-side section. */
	rl = kbpf_map_read_lock(h);
	ls_update(s, anchor, value, flags, KBPF_ALLOC_ATOMIC, &err);
	kbpf_map_read_unlock(h, rl);
	ls_owner_put(s, owner);
	return err;
}

/* Called from syscall */
static int ls_sys_delete(struct kbpf_map *map, const void *key)
{
	struct ls_map *s = ls_map(map);
	const struct kbpf_host *h = map->obj.host;
	uint64_t owner;
	void **anchor;
	unsigned long rl;
	int err = ls_owner_get(s, key, &owner, &anchor);

	if (err)
		return err;
	rl = kbpf_map_read_lock(h);
	err = ls_delete(s, anchor);
	kbpf_map_read_unlock(h, rl);
	ls_owner_put(s, owner);
	return err;
}

/* Called from syscall: Linux's notsupp_get_next_key(). */
static int ls_get_next_key(struct kbpf_map *map, const void *key,
			   void *next_key)
{
	return -KBPF_ENOTSUPP;
}

/* Linux counts the map and its buckets, not the values (which owners hold). */
static uint64_t ls_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct ls_map) +
	       (uint64_t)ls_map(map)->nbuckets * sizeof(struct ls_bucket);
}

#define LS_OPS(name)                                       \
	const struct kbpf_map_ops name = {                 \
		/* syscall path */                         \
		.alloc_check = ls_alloc_check,             \
		.alloc = ls_alloc,                         \
		.free = ls_free,                           \
		.get_next_key = ls_get_next_key,           \
		.sys_lookup = ls_sys_lookup,               \
		.sys_update = ls_sys_update,               \
		.sys_delete = ls_sys_delete, /* special */ \
		.mem_usage = ls_mem_usage,                 \
	}

LS_OPS(kbpf_task_storage_map_ops);
LS_OPS(kbpf_sk_storage_map_ops);
LS_OPS(kbpf_inode_storage_map_ops);
LS_OPS(kbpf_cgrp_storage_map_ops);
