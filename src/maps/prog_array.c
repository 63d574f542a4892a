// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_PROG_ARRAY: the jump table of bpf_tail_call (the fd-array
 * part of Linux's kernel/bpf/arraymap.c in behaviour). max_entries slots,
 * each empty or holding a reference on a program.
 *
 * User space stores program fds and reads back program ids; programs only
 * tail-call through it. The first program stored in the array or loaded
 * with it fixes the array's owner (program type and expected attach
 * type); programs of another kind are refused with -EINVAL, so a tail call
 * always lands on a program that understands the caller's context.
 *
 * Cycles: a program that tail-calls through an array holds a reference on
 * the array, and the array on the programs in it, often that same program.
 * As in Linux, the array drops its entries when its last user reference
 * (creator or fd) goes (release_uref), which breaks the cycle.
 *
 * Locking: slots are written with an atomic exchange (syscall path, or a
 * program's map_delete_elem) and read with an acquire load on the tail-call
 * path, lock-free. A program taken out of a slot may still be running on
 * another CPU: its reference is dropped at once, and kbpf frees programs
 * through kbpf_host.defer_free, after every read-side section that might
 * still run it. owner_lock (syscall path only, IRQs saved) protects the
 * owner fields.
 */
#include "core/atomic.h"
#include "core/spinlock.h"
#include "map_internal.h"
#include "prog_array.h"
#include "core/object.h"

/* What Linux's array check lets through for an fd array: all else -EINVAL. */
#define PROG_ARRAY_CREATE_FLAG_MASK \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY)

extern const struct kbpf_map_ops kbpf_prog_array_map_ops;

struct kbpf_prog_array {
	struct kbpf_map map;
	struct kbpf_spinlock owner_lock;
	bool owned;
	uint32_t owner_type;
	uint32_t owner_attach_type;
	size_t alloc_size;
	struct kbpf_prog *ptrs[]; /* max_entries slots, atomically accessed */
};

static inline struct kbpf_prog_array *prog_array(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_prog_array, map);
}

/* Called from syscall */
static int prog_array_alloc_check(const struct kbpf_host *h,
				  const union bpf_attr *attr)
{
	(void)h;
	/* Linux's fd_array_map_alloc_check() then array_map_alloc_check(). */
	if (attr->value_size != sizeof(uint32_t) ||
	    (attr->map_flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)))
		return -KBPF_EINVAL;
	if (attr->max_entries == 0 || attr->key_size != sizeof(uint32_t) ||
	    (attr->map_flags & ~PROG_ARRAY_CREATE_FLAG_MASK))
		return -KBPF_EINVAL;
	return 0;
}

static void prog_array_clear(struct kbpf_prog_array *pa)
{
	uint32_t i;

	for (i = 0; i < pa->map.max_entries; i++) {
		struct kbpf_prog *old = kbpf_xchg_ptr(&pa->ptrs[i], NULL);

		if (old)
			kbpf_prog_put(old);
	}
}

/* Called from syscall: the last fd (and the creator's reference) is gone. */
static void prog_array_release_uref(struct kbpf_obj *obj)
{
	prog_array_clear(
		prog_array(kbpf_container_of(obj, struct kbpf_map, obj)));
}

/* Called from syscall */
static int prog_array_alloc(const struct kbpf_host *h,
			    const union bpf_attr *attr, struct kbpf_map **out)
{
	struct kbpf_prog_array *pa;
	uint64_t bytes =
		sizeof(*pa) + (uint64_t)attr->max_entries * sizeof(pa->ptrs[0]);
	size_t size = (size_t)bytes;

	if (bytes > SIZE_MAX / 2) /* 32-bit hosts */
		return -KBPF_ENOMEM;
	pa = kbpf_zalloc(h, size, 0);
	if (!pa)
		return -KBPF_ENOMEM;
	kbpf_map_init(&pa->map, h, attr, &kbpf_prog_array_map_ops);
	pa->map.obj.release_uref = prog_array_release_uref;
	kbpf_spin_init(&pa->owner_lock);
	pa->alloc_size = size;
	*out = &pa->map;
	return 0;
}

/* Called when no program or fd can reach the map */
static void prog_array_free(struct kbpf_map *map)
{
	struct kbpf_prog_array *pa = prog_array(map);

	prog_array_clear(pa);
	kbpf_free(map->obj.host, pa, pa->alloc_size);
}

bool kbpf_prog_array_compatible(struct kbpf_map *map,
				const struct kbpf_prog *prog)
{
	struct kbpf_prog_array *pa = prog_array(map);
	const struct kbpf_host *h = map->obj.host;
	unsigned long flags;
	bool ok = true;

	flags = kbpf_spin_lock_irqsave(h, &pa->owner_lock);
	if (!pa->owned) {
		pa->owned = true;
		pa->owner_type = prog->type;
		pa->owner_attach_type = prog->expected_attach_type;
	} else {
		/* 6.18 compares the expected attach type too (measured). */
		ok = pa->owner_type == prog->type &&
		     pa->owner_attach_type == prog->expected_attach_type;
	}
	kbpf_spin_unlock_irqrestore(h, &pa->owner_lock, flags);
	return ok;
}

/* Put @prog (whose reference the slot takes) into slot @index. */
static int prog_array_store(struct kbpf_map *map, uint32_t index,
			    struct kbpf_prog *prog)
{
	struct kbpf_prog *old;

	if (!kbpf_prog_array_compatible(map, prog)) {
		kbpf_prog_put(prog);
		return -KBPF_EINVAL;
	}
	old = kbpf_xchg_ptr(&prog_array(map)->ptrs[index], prog);
	if (old)
		kbpf_prog_put(old);
	return 0;
}

int kbpf_prog_array_set(struct kbpf_map *map, uint32_t index,
			struct kbpf_prog *prog)
{
	if (index >= map->max_entries)
		return -KBPF_E2BIG;
	kbpf_prog_get(prog);
	return prog_array_store(map, index, prog);
}

/* Called from syscall: value is a program fd, flags must be BPF_ANY. */
static int prog_array_sys_update(struct kbpf_map *map, const void *key,
				 const void *value, uint64_t flags)
{
	uint32_t index = *(const uint32_t *)key;
	struct kbpf_obj *obj;
	int err;

	if (flags != BPF_ANY)
		return -KBPF_EINVAL;
	if (index >= map->max_entries)
		return -KBPF_E2BIG;
	err = kbpf_obj_fd_get(map->obj.host, *(const int32_t *)value,
			      KBPF_OBJ_PROG, &obj, NULL);
	if (err)
		return err;
	/* The fd's reference moves into the slot. */
	return prog_array_store(map, index,
				kbpf_container_of(obj, struct kbpf_prog, obj));
}

/* Called from syscall: the id of the program in the slot. */
static int prog_array_sys_lookup(struct kbpf_map *map, const void *key,
				 void *value, uint64_t flags)
{
	uint32_t index = *(const uint32_t *)key;
	struct kbpf_prog *prog;

	(void)flags;
	if (index >= map->max_entries)
		return -KBPF_ENOENT;
	/* The caller holds a read-side section: prog stays allocated. */
	prog = kbpf_load_acquire_ptr(&prog_array(map)->ptrs[index]);
	if (!prog)
		return -KBPF_ENOENT;
	*(uint32_t *)value = prog->obj.id;
	return 0;
}

/* Called from syscall or from a program (any context) */
static long prog_array_delete_elem(struct kbpf_map *map, const void *key)
{
	uint32_t index = *(const uint32_t *)key;
	struct kbpf_prog *old;

	if (index >= map->max_entries)
		return -KBPF_E2BIG;
	old = kbpf_xchg_ptr(&prog_array(map)->ptrs[index], NULL);
	if (!old)
		return -KBPF_ENOENT;
	kbpf_prog_put(old);
	return 0;
}

/* Called from a program (any context): bpf_tail_call's lookup */
struct kbpf_prog *kbpf_prog_array_get(struct kbpf_map *map, uint32_t index)
{
	if (index >= map->max_entries)
		return NULL;
	/* Pairs with the exchange that stored the program. */
	return kbpf_load_acquire_ptr(&prog_array(map)->ptrs[index]);
}

static uint64_t prog_array_mem_usage(const struct kbpf_map *map)
{
	return prog_array(map)->alloc_size;
}

const struct kbpf_map_ops kbpf_prog_array_map_ops = {
	/* syscall path */
	.alloc_check = prog_array_alloc_check,
	.alloc = prog_array_alloc,
	.free = prog_array_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = prog_array_sys_lookup,
	.sys_update = prog_array_sys_update,
	/* both paths (lookup and update from programs: NULL, -EINVAL) */
	.delete_elem = prog_array_delete_elem,
	/* special */
	.mem_usage = prog_array_mem_usage,
};
