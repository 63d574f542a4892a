// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_LPM_TRIE (Linux's lpm_trie.c in behaviour): longest-prefix
 * match over keys struct bpf_lpm_trie_key { u32 prefixlen; u8 data[]; },
 * big-endian bit order inside data (IP addresses as they are on the wire).
 *
 * The trie is Linux's path-compressed binary trie, built by the same
 * insertion and deletion steps, so its shape, and with it the post-order
 * GET_NEXT_KEY walk, is the kernel's: every node holds a prefix; a node
 * with the "intermediate" flag holds no value and has exactly two children;
 * a child sits under the bit of its key that follows its parent's prefix.
 *
 * Locking: updates and deletes take the trie's spinlock (interrupts saved);
 * lookups and GET_NEXT_KEY take none and follow the child pointers with
 * acquire loads. A new node is fully built before it is published; a node
 * taken out of the trie is freed through kbpf_host.defer_free, or kept on
 * a list freed with the map when the host has none. Nodes are allocated on
 * update (KBPF_ALLOC_ATOMIC): Linux requires BPF_F_NO_PREALLOC.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "map_internal.h"

#define LPM_CREATE_FLAG_MASK                                                 \
	(BPF_F_NO_PREALLOC | BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | \
	 BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)
#define LPM_DATA_SIZE_MAX 256u
#define LPM_KEY_SIZE_MIN (4u + 1u)
#define LPM_KEY_SIZE_MAX (4u + LPM_DATA_SIZE_MAX)
/* Linux: KMALLOC_MAX_SIZE - LPM_KEY_SIZE_MAX - sizeof(struct lpm_trie_node) */
#define LPM_VAL_SIZE_MAX 4194024u

#define LPM_IM 1u /* intermediate node: no value, two children */

extern const struct kbpf_map_ops kbpf_lpm_trie_map_ops;

struct lpm_node {
	union {
		struct kbpf_rcu_head rcu; /* once out of the trie */
		struct lpm_node *next_retired;
	};
	const struct kbpf_host *host;
	struct lpm_node *_Atomic child[2];
	uint32_t prefixlen;
	atomic_uint flags; /* LPM_IM may be set under readers (delete) */
	uint32_t alloc_size;
	uint8_t data[] KBPF_ALIGNED(8); /* data, then the value at value_off */
};

struct kbpf_lpm_trie {
	struct kbpf_map map;
	struct lpm_node *_Atomic root;
	uint32_t data_size;
	uint32_t value_off; /* round_up(data_size, 8): values 8-byte aligned */
	uint32_t max_prefixlen;
	uint32_t n_entries; /* under lock */
	struct kbpf_spinlock lock;
	struct lpm_node *retired; /* without defer_free, under lock */
};

static inline struct kbpf_lpm_trie *lpm(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_lpm_trie, map);
}

static inline uint32_t key_prefixlen(const void *key)
{
	uint32_t p;

	kbpf_memcpy(&p, key, sizeof(p));
	return p;
}

static inline const uint8_t *key_data(const void *key)
{
	return (const uint8_t *)key + 4;
}

static inline bool is_im(const struct lpm_node *n)
{
	return atomic_load_explicit(&((struct lpm_node *)n)->flags,
				    memory_order_relaxed) &
	       LPM_IM;
}

static inline struct lpm_node *child(const struct lpm_node *n, int bit)
{
	return atomic_load_explicit(&((struct lpm_node *)n)->child[bit],
				    memory_order_acquire);
}

/* Bit @index of @data, most significant bit of data[0] first. */
static inline int extract_bit(const uint8_t *data, uint32_t index)
{
	return !!(data[index / 8] & (1u << (7 - (index % 8))));
}

/* Leading bits @n and the key share, at most both prefix lengths. */
static uint32_t longest_prefix_match(const struct kbpf_lpm_trie *t,
				     const struct lpm_node *n,
				     const uint8_t *data, uint32_t prefixlen)
{
	uint32_t limit = kbpf_min(n->prefixlen, prefixlen), i, m = 0;

	for (i = 0; i < t->data_size && m < limit; i++) {
		uint8_t diff = n->data[i] ^ data[i];

		if (diff) {
			while (!(diff & 0x80)) {
				diff = (uint8_t)(diff << 1);
				m++;
			}
			break;
		}
		m += 8;
	}
	return kbpf_min(m, limit);
}

/*
 * Called from syscall: Linux's trie_alloc() checks. Linux makes them when it
 * allocates, after the privilege check (LPM has no map_alloc_check), so
 * lpm_alloc() makes them too.
 */
static int lpm_check(const union bpf_attr *attr)
{
	if (!attr->max_entries || !(attr->map_flags & BPF_F_NO_PREALLOC) ||
	    (attr->map_flags & ~LPM_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags) ||
	    attr->key_size < LPM_KEY_SIZE_MIN ||
	    attr->key_size > LPM_KEY_SIZE_MAX || !attr->value_size ||
	    attr->value_size > LPM_VAL_SIZE_MAX)
		return -KBPF_EINVAL;
	return 0;
}

/* Called from syscall */
static int lpm_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_lpm_trie *t;
	int err = lpm_check(attr);

	if (err)
		return err;
	t = kbpf_zalloc(h, sizeof(*t), 0);
	if (!t)
		return -KBPF_ENOMEM;
	kbpf_map_init(&t->map, h, attr, &kbpf_lpm_trie_map_ops);
	t->data_size = attr->key_size - 4;
	t->value_off = kbpf_round_up(t->data_size, 8);
	t->max_prefixlen = t->data_size * 8;
	atomic_init(&t->root, NULL);
	kbpf_spin_init(&t->lock);
	*out = &t->map;
	return 0;
}

static struct lpm_node *node_alloc(struct kbpf_lpm_trie *t, const void *value)
{
	const struct kbpf_host *h = t->map.obj.host;
	size_t size = sizeof(struct lpm_node) +
		      (value ? t->value_off + t->map.value_size : t->data_size);
	struct lpm_node *n = kbpf_malloc_aligned(h, size, 8, KBPF_ALLOC_ATOMIC);

	if (!n)
		return NULL;
	n->host = h;
	atomic_init(&n->child[0], NULL);
	atomic_init(&n->child[1], NULL);
	atomic_init(&n->flags, 0);
	n->alloc_size = (uint32_t)size;
	if (value)
		kbpf_memcpy(n->data + t->value_off, value, t->map.value_size);
	return n;
}

static void node_free_rcu(struct kbpf_rcu_head *head)
{
	struct lpm_node *n = kbpf_container_of(head, struct lpm_node, rcu);

	kbpf_free(n->host, n, n->alloc_size);
}

/* @n left the trie (lock held): free it once lock-free readers are done. */
static void node_retire(struct kbpf_lpm_trie *t, struct lpm_node *n)
{
	const struct kbpf_host *h = t->map.obj.host;

	if (h->defer_free) {
		n->rcu.func = node_free_rcu;
		h->defer_free(h, &n->rcu);
		return;
	}
	n->next_retired = t->retired;
	t->retired = n;
}

static void free_subtree(const struct kbpf_host *h, struct lpm_node *n)
{
	/* Depth is at most max_prefixlen + 1 (2049): recursion is bounded
	 * but deep; walk iteratively by re-hanging children instead. */
	while (n) {
		struct lpm_node *l = atomic_load(&n->child[0]);

		if (l) {
			/* Rotate: n's left child takes n as its right child. */
			atomic_store(&n->child[0], atomic_load(&l->child[1]));
			atomic_store(&l->child[1], n);
			n = l;
		} else {
			struct lpm_node *r = atomic_load(&n->child[1]);

			kbpf_free(h, n, n->alloc_size);
			n = r;
		}
	}
}

/* Called when no program or fd can reach the map. */
static void lpm_free(struct kbpf_map *map)
{
	struct kbpf_lpm_trie *t = lpm(map);
	const struct kbpf_host *h = map->obj.host;

	free_subtree(h, atomic_load(&t->root));
	while (t->retired) {
		struct lpm_node *n = t->retired;

		t->retired = n->next_retired;
		kbpf_free(h, n, n->alloc_size);
	}
	kbpf_free(h, t, sizeof(*t));
}

/* Called from syscall or from a program (any context): longest match. */
static void *lpm_lookup_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_lpm_trie *t = lpm(map);
	uint32_t plen = key_prefixlen(key);
	const uint8_t *data = key_data(key);
	struct lpm_node *n, *found = NULL;

	if (plen > t->max_prefixlen)
		return NULL;
	for (n = atomic_load_explicit(&t->root, memory_order_acquire); n;) {
		uint32_t m = longest_prefix_match(t, n, data, plen);

		if (m == t->max_prefixlen) {
			found = n;
			break;
		}
		if (m < n->prefixlen)
			break;
		if (!is_im(n))
			found = n;
		n = child(n, extract_bit(data, n->prefixlen));
	}
	return found ? found->data + t->value_off : NULL;
}

/* Linux's trie_check_add_elem(): a node is added (lock held). */
static long lpm_add_check(struct kbpf_lpm_trie *t, uint64_t flags)
{
	if (flags == BPF_EXIST)
		return -KBPF_ENOENT;
	if (t->n_entries == t->map.max_entries)
		return -KBPF_ENOSPC;
	t->n_entries++;
	return 0;
}

/* Called from syscall or from a program (any context) */
static long lpm_update_elem(struct kbpf_map *map, const void *key,
			    const void *value, uint64_t flags)
{
	struct kbpf_lpm_trie *t = lpm(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t plen = key_prefixlen(key), m = 0;
	const uint8_t *data = key_data(key);
	struct lpm_node *n, *nn, *im, *retire = NULL;
	struct lpm_node *_Atomic *slot;
	unsigned long st;
	long err = 0;

	if (flags > BPF_EXIST)
		return -KBPF_EINVAL;
	if (plen > t->max_prefixlen)
		return -KBPF_EINVAL;
	nn = node_alloc(t, value);
	if (!nn)
		return -KBPF_ENOMEM;
	nn->prefixlen = plen;
	kbpf_memcpy(nn->data, data, t->data_size);
	st = kbpf_spin_lock_irqsave(h, &t->lock);
	slot = &t->root;
	while ((n = atomic_load_explicit(slot, memory_order_relaxed))) {
		m = longest_prefix_match(t, n, data, plen);
		if (n->prefixlen != m || n->prefixlen == plen)
			break;
		slot = &n->child[extract_bit(data, n->prefixlen)];
	}
	if (!n) { /* an empty slot: the new node goes there */
		err = lpm_add_check(t, flags);
		if (!err)
			atomic_store_explicit(slot, nn, memory_order_release);
		goto out;
	}
	if (n->prefixlen == m) { /* the same prefix: replace the node */
		if (!is_im(n)) {
			if (flags == BPF_NOEXIST) {
				err = -KBPF_EEXIST;
				goto out;
			}
		} else {
			err = lpm_add_check(t, flags);
			if (err)
				goto out;
		}
		atomic_init(&nn->child[0], atomic_load(&n->child[0]));
		atomic_init(&nn->child[1], atomic_load(&n->child[1]));
		atomic_store_explicit(slot, nn, memory_order_release);
		retire = n;
		goto out;
	}
	err = lpm_add_check(t, flags);
	if (err)
		goto out;
	if (m == plen) { /* the new prefix contains @n: insert above it */
		atomic_init(&nn->child[extract_bit(n->data, m)], n);
		atomic_store_explicit(slot, nn, memory_order_release);
		goto out;
	}
	/* They diverge after m bits: an intermediate node joins them. */
	im = node_alloc(t, NULL);
	if (!im) {
		t->n_entries--;
		err = -KBPF_ENOMEM;
		goto out;
	}
	im->prefixlen = m;
	atomic_init(&im->flags, LPM_IM);
	kbpf_memcpy(im->data, n->data, t->data_size);
	if (extract_bit(data, m)) {
		atomic_init(&im->child[0], n);
		atomic_init(&im->child[1], nn);
	} else {
		atomic_init(&im->child[0], nn);
		atomic_init(&im->child[1], n);
	}
	atomic_store_explicit(slot, im, memory_order_release);
out:
	if (retire)
		node_retire(t, retire);
	kbpf_spin_unlock_irqrestore(h, &t->lock, st);
	if (err)
		kbpf_free(h, nn, nn->alloc_size);
	return err;
}

/* Called from syscall or from a program (any context): exact match. */
static long lpm_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_lpm_trie *t = lpm(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t plen = key_prefixlen(key), m = 0;
	const uint8_t *data = key_data(key);
	struct lpm_node *_Atomic *trim, *_Atomic *trim2;
	struct lpm_node *n, *parent = NULL;
	unsigned long st;
	long err = 0;

	if (plen > t->max_prefixlen)
		return -KBPF_EINVAL;
	st = kbpf_spin_lock_irqsave(h, &t->lock);
	trim = &t->root;
	trim2 = trim;
	while ((n = atomic_load_explicit(trim, memory_order_relaxed))) {
		m = longest_prefix_match(t, n, data, plen);
		if (n->prefixlen != m || n->prefixlen == plen)
			break;
		parent = n;
		trim2 = trim;
		trim = &n->child[extract_bit(data, n->prefixlen)];
	}
	if (!n || n->prefixlen != plen || n->prefixlen != m || is_im(n)) {
		err = -KBPF_ENOENT;
		goto out;
	}
	t->n_entries--;
	if (atomic_load(&n->child[0]) && atomic_load(&n->child[1])) {
		/* Two children: it stays, as an intermediate node. */
		atomic_fetch_or_explicit(&n->flags, LPM_IM,
					 memory_order_relaxed);
		goto out;
	}
	if (parent && is_im(parent) && !atomic_load(&n->child[0]) &&
	    !atomic_load(&n->child[1])) {
		/* A leaf under an intermediate node: both go, the sibling rises. */
		struct lpm_node *sib = atomic_load(&parent->child[0]) == n ?
					       atomic_load(&parent->child[1]) :
					       atomic_load(&parent->child[0]);

		atomic_store_explicit(trim2, sib, memory_order_release);
		node_retire(t, parent);
		node_retire(t, n);
		goto out;
	}
	atomic_store_explicit(trim,
			      atomic_load(&n->child[0]) ?
				      atomic_load(&n->child[0]) :
				      atomic_load(&n->child[1]),
			      memory_order_release);
	node_retire(t, n);
out:
	kbpf_spin_unlock_irqrestore(h, &t->lock, st);
	return err;
}

static void copy_key(const struct kbpf_lpm_trie *t, const struct lpm_node *n,
		     void *next_key)
{
	kbpf_memcpy(next_key, &n->prefixlen, 4);
	kbpf_memcpy((uint8_t *)next_key + 4, n->data, t->data_size);
}

/* The leftmost non-intermediate node below @root (post-order's first). */
static const struct lpm_node *leftmost(const struct lpm_node *root)
{
	const struct lpm_node *n = root, *next = NULL;

	while (n) {
		if (is_im(n)) {
			n = child(n, 0);
		} else {
			next = n;
			n = child(n, 0);
			if (!n)
				n = child(next, 1);
		}
	}
	return next;
}

/* Called from syscall (read section held): post-order, leftmost first. */
static int lpm_get_next_key(struct kbpf_map *map, const void *key,
			    void *next_key)
{
	struct kbpf_lpm_trie *t = lpm(map);
	const struct kbpf_host *h = map->obj.host;
	const struct lpm_node *root, *n, *next;
	const struct lpm_node **stack;
	size_t stack_size;
	uint32_t plen, m = 0;
	int sp = -1, err = -KBPF_ENOENT;

	root = atomic_load_explicit(&t->root, memory_order_acquire);
	if (!root)
		return -KBPF_ENOENT;
	if (!key || key_prefixlen(key) > t->max_prefixlen)
		goto first;
	plen = key_prefixlen(key);
	stack_size = ((size_t)t->max_prefixlen + 1) * sizeof(*stack);
	stack = kbpf_malloc(h, stack_size, KBPF_ALLOC_ATOMIC);
	if (!stack)
		return -KBPF_ENOMEM;
	for (n = root; n;) {
		stack[++sp] = n;
		m = longest_prefix_match(t, n, key_data(key), plen);
		if (n->prefixlen != m || n->prefixlen == plen)
			break;
		n = child(n, extract_bit(key_data(key), n->prefixlen));
	}
	if (!n || n->prefixlen != m || is_im(n)) {
		kbpf_free(h, stack, stack_size);
		goto first;
	}
	/* Found: the node after it in post-order. */
	n = stack[sp];
	while (sp > 0) {
		const struct lpm_node *parent = stack[sp - 1];

		if (child(parent, 0) == n) {
			const struct lpm_node *right = child(parent, 1);

			if (right) {
				copy_key(t, leftmost(right), next_key);
				err = 0;
				break;
			}
		}
		if (!is_im(parent)) {
			copy_key(t, parent, next_key);
			err = 0;
			break;
		}
		n = parent;
		sp--;
	}
	kbpf_free(h, stack, stack_size);
	return err;
first:
	next = leftmost(root);
	copy_key(t, next, next_key);
	return 0;
}

static uint64_t lpm_mem_usage(const struct kbpf_map *map)
{
	const struct kbpf_lpm_trie *t = lpm(map);

	return sizeof(*t) +
	       (uint64_t)t->n_entries * (sizeof(struct lpm_node) +
					 t->data_size + map->value_size);
}

const struct kbpf_map_ops kbpf_lpm_trie_map_ops = {
	.alloc = lpm_alloc,
	.free = lpm_free,
	.get_next_key = lpm_get_next_key,
	.lookup_elem = lpm_lookup_elem,
	.update_elem = lpm_update_elem,
	.delete_elem = lpm_delete_elem,
	.mem_usage = lpm_mem_usage,
	/* Linux's trie_map_ops: the generic batches, element by element. */
	.lookup_batch = kbpf_map_generic_lookup_batch,
	.update_batch = kbpf_map_generic_update_batch,
	.delete_batch = kbpf_map_generic_delete_batch,
};
