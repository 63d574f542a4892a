// SPDX-License-Identifier: MIT
/*
 * The LRU policy of LRU hash maps; see lru.h for the rules it follows and
 * its lock order. Lists are circular with a sentinel node: the head
 * (sentinel->next) is the newest node, the tail (sentinel->prev) the oldest.
 */
#include "lru.h"

#define LRU_LOCAL_FREE_TARGET 128u
#define LRU_PERCPU_FREE_TARGET 4u

/* ---- list primitives ---- */

static void node_list_init(struct kbpf_lru_node *s)
{
	s->next = s;
	s->prev = s;
}

static bool node_list_empty(const struct kbpf_lru_node *s)
{
	return s->next == s;
}

static void node_unlink(struct kbpf_lru_node *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
}

static void node_add_head(struct kbpf_lru_node *n, struct kbpf_lru_node *s)
{
	n->next = s->next;
	n->prev = s;
	s->next->prev = n;
	s->next = n;
}

static void node_move_head(struct kbpf_lru_node *n, struct kbpf_lru_node *s)
{
	node_unlink(n);
	node_add_head(n, s);
}

static bool node_is_ref(const struct kbpf_lru_node *n)
{
	return __atomic_load_n(&n->ref, __ATOMIC_RELAXED);
}

static void node_clear_ref(struct kbpf_lru_node *n)
{
	if (node_is_ref(n))
		__atomic_store_n(&n->ref, 0, __ATOMIC_RELAXED);
}

/*
 * A node's type changes under the lock of the list it leaves, but
 * kbpf_lru_push_free() peeks at it under another; relaxed atomics make that
 * peek well defined (it is rechecked under the right lock).
 */
static uint8_t node_type(const struct kbpf_lru_node *n)
{
	return __atomic_load_n(&n->type, __ATOMIC_RELAXED);
}

static void node_set_type(struct kbpf_lru_node *n, uint8_t type)
{
	__atomic_store_n(&n->type, type, __ATOMIC_RELAXED);
}

static bool type_counted(uint8_t type)
{
	return type == KBPF_LRU_ACTIVE || type == KBPF_LRU_INACTIVE;
}

static void list_count_inc(struct kbpf_lru_list *l, uint8_t type)
{
	if (type_counted(type))
		l->counts[type]++;
}

static void list_count_dec(struct kbpf_lru_list *l, uint8_t type)
{
	if (type_counted(type))
		l->counts[type]--;
}

static void list_init(struct kbpf_lru_list *l)
{
	int i;

	for (i = 0; i < 3; i++)
		node_list_init(&l->lists[i]);
	l->counts[0] = 0;
	l->counts[1] = 0;
	l->next_inactive_rotation = &l->lists[KBPF_LRU_INACTIVE];
	kbpf_spin_init(&l->lock);
}

/* Keep the rotation cursor valid when @n leaves INACTIVE. */
static void cursor_skip(struct kbpf_lru_list *l, struct kbpf_lru_node *n)
{
	if (l->next_inactive_rotation == n)
		l->next_inactive_rotation = n->prev;
}

/* Move a node between the lists of @l (to the head of @tgt). */
static void node_move(struct kbpf_lru_list *l, struct kbpf_lru_node *n,
		      uint8_t tgt)
{
	if (node_type(n) != tgt) {
		list_count_dec(l, node_type(n));
		list_count_inc(l, tgt);
		node_set_type(n, tgt);
	}
	node_clear_ref(n);
	cursor_skip(l, n);
	node_move_head(n, &l->lists[tgt]);
}

/* Move a node from a CPU-local list into @l. */
static void node_move_in(struct kbpf_lru_list *l, struct kbpf_lru_node *n,
			 uint8_t tgt)
{
	list_count_inc(l, tgt);
	node_set_type(n, tgt);
	node_clear_ref(n);
	node_move_head(n, &l->lists[tgt]);
}

/* Move a node of @l onto a free list (global or a CPU's local one). */
static void node_move_to_free(struct kbpf_lru_list *l, struct kbpf_lru_node *n,
			      struct kbpf_lru_node *free_list, uint8_t tgt)
{
	cursor_skip(l, n);
	list_count_dec(l, node_type(n));
	node_set_type(n, tgt);
	node_move_head(n, free_list);
}

/* ---- rotation and shrinking (list lock held) ---- */

static void rotate_active(struct kbpf_lru *lru, struct kbpf_lru_list *l)
{
	struct kbpf_lru_node *s = &l->lists[KBPF_LRU_ACTIVE];
	struct kbpf_lru_node *first = s->next, *n, *prev;
	uint32_t i = 0;

	for (n = s->prev; n != s; n = prev) {
		prev = n->prev;
		node_move(l, n,
			  node_is_ref(n) ? KBPF_LRU_ACTIVE : KBPF_LRU_INACTIVE);
		if (++i == lru->nr_scans || n == first)
			break;
	}
}

static void rotate_inactive(struct kbpf_lru *lru, struct kbpf_lru_list *l)
{
	struct kbpf_lru_node *s = &l->lists[KBPF_LRU_INACTIVE];
	struct kbpf_lru_node *cur, *last, *next = NULL;
	uint32_t i = 0;

	if (node_list_empty(s))
		return;
	last = l->next_inactive_rotation->next;
	if (last == s)
		last = last->next;
	cur = l->next_inactive_rotation;
	while (i < lru->nr_scans) {
		if (cur == s) {
			cur = cur->prev;
			continue;
		}
		next = cur->prev;
		if (node_is_ref(cur))
			node_move(l, cur, KBPF_LRU_ACTIVE);
		if (cur == last)
			break;
		cur = next;
		i++;
	}
	l->next_inactive_rotation = next;
}

static void rotate(struct kbpf_lru *lru, struct kbpf_lru_list *l)
{
	if (l->counts[KBPF_LRU_INACTIVE] < l->counts[KBPF_LRU_ACTIVE])
		rotate_active(lru, l);
	rotate_inactive(lru, l);
}

static uint32_t shrink_inactive(struct kbpf_lru *lru, struct kbpf_lru_list *l,
				uint32_t want, struct kbpf_lru_node *free_list,
				uint8_t free_type)
{
	struct kbpf_lru_node *s = &l->lists[KBPF_LRU_INACTIVE], *n, *prev;
	uint32_t scanned = 0, freed = 0;

	for (n = s->prev; n != s; n = prev) {
		prev = n->prev;
		if (node_is_ref(n)) {
			node_move(l, n, KBPF_LRU_ACTIVE);
		} else if (lru->del_from_htab(lru->del_arg, n)) {
			node_move_to_free(l, n, free_list, free_type);
			if (++freed == want)
				break;
		}
		if (++scanned == lru->nr_scans)
			break;
	}
	return freed;
}

/* Free up to @want nodes onto @free_list; at least one if any can go. */
static uint32_t shrink(struct kbpf_lru *lru, struct kbpf_lru_list *l,
		       uint32_t want, struct kbpf_lru_node *free_list,
		       uint8_t free_type)
{
	struct kbpf_lru_node *s, *n, *prev;
	uint32_t freed = shrink_inactive(lru, l, want, free_list, free_type);

	if (freed)
		return freed;
	/* Forced: the oldest node that can go, referenced or not. */
	s = &l->lists[KBPF_LRU_INACTIVE];
	if (node_list_empty(s))
		s = &l->lists[KBPF_LRU_ACTIVE];
	for (n = s->prev; n != s; n = prev) {
		prev = n->prev;
		if (lru->del_from_htab(lru->del_arg, n)) {
			node_move_to_free(l, n, free_list, free_type);
			return 1;
		}
	}
	return 0;
}

/* ---- common LRU ---- */

static struct kbpf_lru_local *lru_local(struct kbpf_lru *lru, uint32_t cpu)
{
	return kbpf_percpu_ptr(&lru->pcpu, cpu);
}

static struct kbpf_lru_list *lru_own(struct kbpf_lru *lru, uint32_t cpu)
{
	return kbpf_percpu_ptr(&lru->pcpu, cpu);
}

static void local_flush(struct kbpf_lru_list *l, struct kbpf_lru_local *loc)
{
	struct kbpf_lru_node *n, *prev;

	for (n = loc->pending.prev; n != &loc->pending; n = prev) {
		prev = n->prev;
		node_move_in(l, n,
			     node_is_ref(n) ? KBPF_LRU_ACTIVE :
					      KBPF_LRU_INACTIVE);
	}
}

/* Refill @loc's free list from the global list (local lock held). */
static void refill_local(struct kbpf_lru *lru, struct kbpf_lru_local *loc)
{
	struct kbpf_lru_list *l = &lru->global;
	struct kbpf_lru_node *s = &l->lists[KBPF_LRU_FREE], *n, *next;
	uint32_t nfree = 0;

	kbpf_spin_lock(&l->lock);
	local_flush(l, loc);
	rotate(lru, l);
	for (n = s->next; n != s && nfree < lru->target_free; n = next) {
		next = n->next;
		node_move_to_free(l, n, &loc->free, KBPF_LRU_LOCAL_FREE);
		nfree++;
	}
	if (nfree < lru->target_free)
		shrink(lru, l, lru->target_free - nfree, &loc->free,
		       KBPF_LRU_LOCAL_FREE);
	kbpf_spin_unlock(&l->lock);
}

static struct kbpf_lru_node *local_pop_free(struct kbpf_lru_local *loc)
{
	struct kbpf_lru_node *n = loc->free.next;

	if (n == &loc->free)
		return NULL;
	node_unlink(n);
	return n;
}

/* The oldest pending node that can be taken back, unreferenced first. */
static struct kbpf_lru_node *local_pop_pending(struct kbpf_lru *lru,
					       struct kbpf_lru_local *loc)
{
	struct kbpf_lru_node *n;
	int pass;

	for (pass = 0; pass < 2; pass++) {
		for (n = loc->pending.prev; n != &loc->pending; n = n->prev) {
			if ((pass || !node_is_ref(n)) &&
			    lru->del_from_htab(lru->del_arg, n)) {
				node_unlink(n);
				return n;
			}
		}
	}
	return NULL;
}

static void local_add_pending(struct kbpf_lru_local *loc, uint32_t cpu,
			      struct kbpf_lru_node *n, uint32_t hash)
{
	n->hash = hash;
	n->cpu = (uint16_t)cpu;
	node_set_type(n, KBPF_LRU_LOCAL_PENDING);
	node_clear_ref(n);
	node_add_head(n, &loc->pending);
}

static struct kbpf_lru_node *common_pop_free(struct kbpf_lru *lru,
					     uint32_t hash)
{
	const struct kbpf_host *h = lru->host;
	uint32_t cpu = kbpf_this_cpu(h), steal, first;
	struct kbpf_lru_local *loc = lru_local(lru, cpu), *sl;
	struct kbpf_lru_node *n;
	unsigned long st;

	st = kbpf_spin_lock_irqsave(h, &loc->lock);
	n = local_pop_free(loc);
	if (!n) {
		refill_local(lru, loc);
		n = local_pop_free(loc);
	}
	if (n)
		local_add_pending(loc, cpu, n, hash);
	kbpf_spin_unlock_irqrestore(h, &loc->lock, st);
	if (n)
		return n;

	/* Nothing free anywhere global: take one from some CPU's lists. */
	first = loc->next_steal;
	steal = first;
	do {
		sl = lru_local(lru, steal);
		st = kbpf_spin_lock_irqsave(h, &sl->lock);
		n = local_pop_free(sl);
		if (!n)
			n = local_pop_pending(lru, sl);
		kbpf_spin_unlock_irqrestore(h, &sl->lock, st);
		steal = steal + 1 < h->nr_cpus ? steal + 1 : 0;
	} while (!n && steal != first);
	loc->next_steal = steal;
	if (n) {
		st = kbpf_spin_lock_irqsave(h, &loc->lock);
		local_add_pending(loc, cpu, n, hash);
		kbpf_spin_unlock_irqrestore(h, &loc->lock, st);
	}
	return n;
}

static void common_push_free(struct kbpf_lru *lru, struct kbpf_lru_node *n)
{
	const struct kbpf_host *h = lru->host;
	unsigned long st;

	if (node_type(n) == KBPF_LRU_LOCAL_PENDING) {
		struct kbpf_lru_local *loc = lru_local(lru, n->cpu);

		st = kbpf_spin_lock_irqsave(h, &loc->lock);
		/* A refill may have flushed it to the global list meanwhile. */
		if (node_type(n) == KBPF_LRU_LOCAL_PENDING) {
			node_set_type(n, KBPF_LRU_LOCAL_FREE);
			node_clear_ref(n);
			node_move_head(n, &loc->free);
			kbpf_spin_unlock_irqrestore(h, &loc->lock, st);
			return;
		}
		kbpf_spin_unlock_irqrestore(h, &loc->lock, st);
	}
	st = kbpf_spin_lock_irqsave(h, &lru->global.lock);
	node_move(&lru->global, n, KBPF_LRU_FREE);
	kbpf_spin_unlock_irqrestore(h, &lru->global.lock, st);
}

/* ---- per-CPU LRU (BPF_F_NO_COMMON_LRU) ---- */

static struct kbpf_lru_node *percpu_pop_free(struct kbpf_lru *lru,
					     uint32_t hash)
{
	const struct kbpf_host *h = lru->host;
	struct kbpf_lru_list *l = lru_own(lru, kbpf_this_cpu(h));
	struct kbpf_lru_node *s = &l->lists[KBPF_LRU_FREE], *n = NULL;
	unsigned long st;

	st = kbpf_spin_lock_irqsave(h, &l->lock);
	rotate(lru, l);
	if (node_list_empty(s))
		shrink(lru, l, LRU_PERCPU_FREE_TARGET, s, KBPF_LRU_FREE);
	if (!node_list_empty(s)) {
		n = s->next;
		n->hash = hash;
		node_move(l, n, KBPF_LRU_INACTIVE);
	}
	kbpf_spin_unlock_irqrestore(h, &l->lock, st);
	return n;
}

static void percpu_push_free(struct kbpf_lru *lru, struct kbpf_lru_node *n)
{
	const struct kbpf_host *h = lru->host;
	struct kbpf_lru_list *l = lru_own(lru, n->cpu);
	unsigned long st;

	st = kbpf_spin_lock_irqsave(h, &l->lock);
	node_move(l, n, KBPF_LRU_FREE);
	kbpf_spin_unlock_irqrestore(h, &l->lock, st);
}

/* ---- the interface ---- */

struct kbpf_lru_node *kbpf_lru_pop_free(struct kbpf_lru *lru, uint32_t hash)
{
	return lru->percpu ? percpu_pop_free(lru, hash) :
			     common_pop_free(lru, hash);
}

void kbpf_lru_push_free(struct kbpf_lru *lru, struct kbpf_lru_node *node)
{
	if (lru->percpu)
		percpu_push_free(lru, node);
	else
		common_push_free(lru, node);
}

int kbpf_lru_init(struct kbpf_lru *lru, const struct kbpf_host *h, bool percpu,
		  kbpf_lru_del_fn del_from_htab, void *del_arg)
{
	uint32_t cpu;
	int err;

	lru->host = h;
	lru->percpu = percpu;
	lru->del_from_htab = del_from_htab;
	lru->del_arg = del_arg;
	err = kbpf_percpu_init(&lru->pcpu, h,
			       percpu ? sizeof(struct kbpf_lru_list) :
					sizeof(struct kbpf_lru_local),
			       0);
	if (err)
		return err;
	if (percpu) {
		for (cpu = 0; cpu < h->nr_cpus; cpu++)
			list_init(lru_own(lru, cpu));
		lru->nr_scans = LRU_PERCPU_FREE_TARGET;
		lru->target_free = LRU_PERCPU_FREE_TARGET;
	} else {
		list_init(&lru->global);
		for (cpu = 0; cpu < h->nr_cpus; cpu++) {
			struct kbpf_lru_local *loc = lru_local(lru, cpu);

			node_list_init(&loc->free);
			node_list_init(&loc->pending);
			loc->next_steal = cpu;
			kbpf_spin_init(&loc->lock);
		}
		lru->nr_scans = LRU_LOCAL_FREE_TARGET;
	}
	return 0;
}

void kbpf_lru_fini(struct kbpf_lru *lru)
{
	kbpf_percpu_fini(&lru->pcpu, lru->host);
}

void kbpf_lru_populate(struct kbpf_lru *lru, void *base, uint32_t node_offset,
		       uint32_t elem_size, uint32_t nr)
{
	uint8_t *p = (uint8_t *)base + node_offset;
	uint32_t ncpus = lru->host->nr_cpus, cpu, i, per;
	struct kbpf_lru_node *n;

	if (!lru->percpu) {
		uint32_t t = nr / ncpus / 2;

		lru->target_free =
			kbpf_max(1u, kbpf_min(t, LRU_LOCAL_FREE_TARGET));
		for (i = 0; i < nr; i++, p += elem_size) {
			n = (struct kbpf_lru_node *)(void *)p;
			node_set_type(n, KBPF_LRU_FREE);
			n->ref = 0;
			n->cpu = 0;
			node_add_head(n, &lru->global.lists[KBPF_LRU_FREE]);
		}
		return;
	}
	per = nr / ncpus;
	for (cpu = 0; cpu < ncpus; cpu++) {
		struct kbpf_lru_list *l = lru_own(lru, cpu);

		for (i = 0; i < per; i++, p += elem_size) {
			n = (struct kbpf_lru_node *)(void *)p;
			node_set_type(n, KBPF_LRU_FREE);
			n->ref = 0;
			n->cpu = (uint16_t)cpu;
			node_add_head(n, &l->lists[KBPF_LRU_FREE]);
		}
	}
}
