// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_QUEUE and BPF_MAP_TYPE_STACK (Linux's queue_stack_maps.c in
 * behaviour): a ring of max_entries + 1 slots of value_size bytes, without
 * keys. Push on a full map gives -E2BIG unless BPF_EXIST, which drops the
 * oldest element, for the stack too (measured). Pop and peek on an empty
 * map give -ENOENT and zero the caller's buffer.
 *
 * Locking: one spinlock per map, taken with interrupts saved through the
 * host. A program that interrupts a holder on the same CPU would deadlock
 * on it, so the lock is only tried (as Linux does in NMI and since 6.15
 * everywhere with its resilient locks): a busy lock gives -EBUSY.
 */
#include "core/spinlock.h"
#include "map_internal.h"

#define QUEUE_STACK_CREATE_FLAG_MASK                                         \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | \
	 BPF_F_WRONLY_PROG)

/* Linux's KMALLOC_MAX_SIZE on x86-64: the largest value. */
#define QS_VALUE_MAX (4u << 20)

extern const struct kbpf_map_ops kbpf_queue_map_ops;
extern const struct kbpf_map_ops kbpf_stack_map_ops;

struct kbpf_queue_stack {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	uint32_t head; /* next slot to write */
	uint32_t tail; /* oldest element */
	uint32_t size; /* max_entries + 1 slots */
	size_t alloc_size;
	uint8_t *elems;
};

static inline struct kbpf_queue_stack *qs(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_queue_stack, map);
}

static bool qs_is_empty(const struct kbpf_queue_stack *q)
{
	return q->head == q->tail;
}

static bool qs_is_full(const struct kbpf_queue_stack *q)
{
	uint32_t head = q->head + 1;

	if (head >= q->size)
		head = 0;
	return head == q->tail;
}

/* Called from syscall */
static int qs_alloc_check(const struct kbpf_host *h, const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 0 ||
	    attr->value_size == 0 ||
	    (attr->map_flags & ~QUEUE_STACK_CREATE_FLAG_MASK) ||
	    !kbpf_map_flags_access_ok(attr->map_flags))
		return -KBPF_EINVAL;
	if (attr->value_size > QS_VALUE_MAX)
		return -KBPF_E2BIG;
	return 0;
}

/* Called from syscall */
static int qs_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		    struct kbpf_map **out)
{
	struct kbpf_queue_stack *q;
	uint64_t slots = (uint64_t)attr->max_entries + 1;
	uint64_t bytes = slots * attr->value_size;

	if (bytes > SIZE_MAX / 2)
		return -KBPF_ENOMEM;
	q = kbpf_zalloc(h, sizeof(*q), 0);
	if (!q)
		return -KBPF_ENOMEM;
	q->elems = kbpf_zalloc(h, (size_t)bytes, 0);
	if (!q->elems) {
		kbpf_free(h, q, sizeof(*q));
		return -KBPF_ENOMEM;
	}
	kbpf_map_init(&q->map, h, attr,
		      attr->map_type == BPF_MAP_TYPE_QUEUE ?
			      &kbpf_queue_map_ops :
			      &kbpf_stack_map_ops);
	kbpf_spin_init(&q->lock);
	q->size = (uint32_t)slots;
	q->alloc_size = (size_t)bytes;
	*out = &q->map;
	return 0;
}

/* Called when the last reference is gone. */
static void qs_free(struct kbpf_map *map)
{
	struct kbpf_queue_stack *q = qs(map);
	const struct kbpf_host *h = map->obj.host;

	kbpf_free(h, q->elems, q->alloc_size);
	kbpf_free(h, q, sizeof(*q));
}

static inline uint8_t *qs_slot(const struct kbpf_queue_stack *q, uint32_t i)
{
	return q->elems + (size_t)i * q->map.value_size;
}

/* Called from syscall or from a program (any context) */
static long qs_pop_or_peek(struct kbpf_map *map, void *value, bool delete,
			   bool stack)
{
	struct kbpf_queue_stack *q = qs(map);
	const struct kbpf_host *h = map->obj.host;
	unsigned long flags;
	uint32_t idx;

	if (!kbpf_spin_trylock_irqsave(h, &q->lock, &flags))
		return -KBPF_EBUSY;
	if (qs_is_empty(q)) {
		kbpf_spin_unlock_irqrestore(h, &q->lock, flags);
		memset(value, 0, map->value_size);
		return -KBPF_ENOENT;
	}
	if (stack) {
		idx = q->head ? q->head - 1 : q->size - 1;
		if (delete)
			q->head = idx;
	} else {
		idx = q->tail;
		if (delete &&++q->tail >= q->size)
			q->tail = 0;
	}
	memcpy(value, qs_slot(q, idx), map->value_size);
	kbpf_spin_unlock_irqrestore(h, &q->lock, flags);
	return 0;
}

static long queue_map_pop_elem(struct kbpf_map *map, void *value)
{
	return qs_pop_or_peek(map, value, true, false);
}

static long queue_map_peek_elem(struct kbpf_map *map, void *value)
{
	return qs_pop_or_peek(map, value, false, false);
}

static long stack_map_pop_elem(struct kbpf_map *map, void *value)
{
	return qs_pop_or_peek(map, value, true, true);
}

static long stack_map_peek_elem(struct kbpf_map *map, void *value)
{
	return qs_pop_or_peek(map, value, false, true);
}

/* Called from syscall or from a program (any context) */
static long qs_map_push_elem(struct kbpf_map *map, const void *value,
			     uint64_t flags)
{
	struct kbpf_queue_stack *q = qs(map);
	const struct kbpf_host *h = map->obj.host;
	bool replace = flags & BPF_EXIST;
	unsigned long irq;

	/* BPF_EXIST is the only flag: drop the oldest to make room. */
	if (flags & BPF_NOEXIST || flags > BPF_EXIST)
		return -KBPF_EINVAL;
	if (!kbpf_spin_trylock_irqsave(h, &q->lock, &irq))
		return -KBPF_EBUSY;
	if (qs_is_full(q)) {
		if (!replace) {
			kbpf_spin_unlock_irqrestore(h, &q->lock, irq);
			return -KBPF_E2BIG;
		}
		if (++q->tail >= q->size)
			q->tail = 0;
	}
	memcpy(qs_slot(q, q->head), value, map->value_size);
	if (++q->head >= q->size)
		q->head = 0;
	kbpf_spin_unlock_irqrestore(h, &q->lock, irq);
	return 0;
}

/* Called from syscall or from a program: programs cannot use these. */
static void *qs_map_lookup_elem(struct kbpf_map *map, const void *key)
{
	return NULL;
}

static long qs_map_update_elem(struct kbpf_map *map, const void *key,
			       const void *value, uint64_t flags)
{
	return -KBPF_EINVAL;
}

static long qs_map_delete_elem(struct kbpf_map *map, const void *key)
{
	return -KBPF_EINVAL;
}

/* Called from syscall */
static int qs_map_get_next_key(struct kbpf_map *map, const void *key,
			       void *next_key)
{
	return -KBPF_EINVAL;
}

static uint64_t qs_map_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_queue_stack) + qs(map)->alloc_size;
}

const struct kbpf_map_ops kbpf_queue_map_ops = {
	/* syscall path */
	.alloc_check = qs_alloc_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.get_next_key = qs_map_get_next_key,
	/* both paths */
	.lookup_elem = qs_map_lookup_elem,
	.update_elem = qs_map_update_elem,
	.delete_elem = qs_map_delete_elem,
	.push_elem = qs_map_push_elem,
	.pop_elem = queue_map_pop_elem,
	.peek_elem = queue_map_peek_elem,
	/* special */
	.mem_usage = qs_map_mem_usage,
};

const struct kbpf_map_ops kbpf_stack_map_ops = {
	/* syscall path */
	.alloc_check = qs_alloc_check,
	.alloc = qs_alloc,
	.free = qs_free,
	.get_next_key = qs_map_get_next_key,
	/* both paths */
	.lookup_elem = qs_map_lookup_elem,
	.update_elem = qs_map_update_elem,
	.delete_elem = qs_map_delete_elem,
	.push_elem = qs_map_push_elem,
	.pop_elem = stack_map_pop_elem,
	.peek_elem = stack_map_peek_elem,
	/* special */
	.mem_usage = qs_map_mem_usage,
};
