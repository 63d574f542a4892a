/* SPDX-License-Identifier: MIT */
/*
 * Shared between the generic map layer and the map types; not public.
 */
#ifndef KBPF_MAP_INTERNAL_H
#define KBPF_MAP_INTERNAL_H

#include "core/alloc.h"
#include "core/map.h"
#include "core/spinlock.h"

/* Linux's NUMA_NO_NODE. */
#define KBPF_NUMA_NO_NODE 0xffffffffu

/* Per-CPU map types: user space exchanges one slot per possible CPU. */
static inline bool kbpf_map_is_percpu(const struct kbpf_map *map)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return true;
	default:
		return false;
	}
}

/* Bytes of a value as the syscall path exchanges it. */
static inline size_t kbpf_map_sys_value_size(const struct kbpf_map *map)
{
	if (kbpf_map_is_percpu(map))
		return kbpf_round_up((size_t)map->value_size, 8) *
		       map->obj.host->nr_cpus;
	return map->value_size;
}

/*
 * Linux's bpf_map_flags_access_ok(): BPF_F_RDONLY_PROG and
 * BPF_F_WRONLY_PROG exclude each other.
 */
static inline bool kbpf_map_flags_access_ok(uint32_t flags)
{
	return (flags & (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG)) !=
	       (BPF_F_RDONLY_PROG | BPF_F_WRONLY_PROG);
}

/*
 * Value copies of maps whose values may hold special fields, a
 * bpf_spin_lock and a bpf_timer (Linux's copy_map_value,
 * copy_map_value_locked and check_and_init_map_value): the fields' bytes
 * are never copied, in either direction; what a lookup hands to user
 * space has them zeroed. For other maps they are memcpy.
 *
 * kbpf_map_value_in(): store @src into the map's value @dst.
 * kbpf_map_value_out(): copy the map's value @src out to @dst.
 * With @locked (BPF_F_LOCK), under the map value's own lock, interrupts
 * saved: never sleeps, waits for a program that holds the lock.
 */
/*
 * Value bytes a program may store to while the syscall path copies them
 * (the race Linux accepts for copies without BPF_F_LOCK: a torn value, no
 * more). Under TSan the copy is exempt from instrumentation, byte by byte;
 * elsewhere it is memcpy.
 */
#if defined(__SANITIZE_THREAD__)
#define KBPF_MAP_RACY __attribute__((no_sanitize("thread"), noinline))
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define KBPF_MAP_RACY __attribute__((no_sanitize("thread"), noinline))
#endif
#endif

#ifdef KBPF_MAP_RACY
KBPF_MAP_RACY static inline void kbpf_map_racy_copy(void *dst, const void *src,
						    size_t n)
{
	volatile uint8_t *d = dst;
	const volatile uint8_t *s = src;
	size_t i;

	for (i = 0; i < n; i++)
		d[i] = s[i];
}
#else
static inline void kbpf_map_racy_copy(void *dst, const void *src, size_t n)
{
	memcpy(dst, src, n);
}
#endif

static inline void kbpf_map_copy_skip_fields(const struct kbpf_map *map,
					     void *dst, const void *src)
{
	size_t off[2], len[2], at = 0;
	int n = 0, i;

	if (map->spin_lock_off >= 0) {
		off[n] = (size_t)map->spin_lock_off;
		len[n++] = 4;
	}
	if (map->timer_off >= 0) {
		off[n] = (size_t)map->timer_off;
		len[n++] = 16;
	}
	if (n == 2 && off[1] < off[0]) {
		size_t o = off[0], l = len[0];

		off[0] = off[1];
		len[0] = len[1];
		off[1] = o;
		len[1] = l;
	}
	for (i = 0; i < n; i++) {
		kbpf_map_racy_copy((uint8_t *)dst + at,
				   (const uint8_t *)src + at, off[i] - at);
		at = off[i] + len[i];
	}
	kbpf_map_racy_copy((uint8_t *)dst + at, (const uint8_t *)src + at,
			   map->value_size - at);
}

/* Zero the special fields of @value (a copy for user space, a new slot). */
static inline void kbpf_map_zero_fields(const struct kbpf_map *map, void *value)
{
	if (map->spin_lock_off >= 0)
		memset((uint8_t *)value + map->spin_lock_off, 0, 4);
	if (map->timer_off >= 0)
		memset((uint8_t *)value + map->timer_off, 0, 16);
}

static inline void kbpf_map_value_in(const struct kbpf_map *map, void *dst,
				     const void *src, bool locked)
{
	unsigned long st;
	void *word;

	if (!kbpf_map_has_fields(map)) {
		memcpy(dst, src, map->value_size);
		return;
	}
	if (!locked || !kbpf_map_has_spin_lock(map)) {
		kbpf_map_copy_skip_fields(map, dst, src);
		return;
	}
	word = (uint8_t *)dst + map->spin_lock_off;
	st = kbpf_value_lock_irqsave(map->obj.host, word);
	kbpf_map_copy_skip_fields(map, dst, src);
	kbpf_value_unlock_irqrestore(map->obj.host, word, st);
}

static inline void kbpf_map_value_out(const struct kbpf_map *map, void *dst,
				      const void *src, bool locked)
{
	unsigned long st;
	void *word;

	if (!kbpf_map_has_fields(map)) {
		memcpy(dst, src, map->value_size);
		return;
	}
	if (!locked || !kbpf_map_has_spin_lock(map)) {
		kbpf_map_copy_skip_fields(map, dst, src);
	} else {
		word = (uint8_t *)src + map->spin_lock_off;
		st = kbpf_value_lock_irqsave(map->obj.host, word);
		kbpf_map_copy_skip_fields(map, dst, src);
		kbpf_value_unlock_irqrestore(map->obj.host, word, st);
	}
	kbpf_map_zero_fields(map, dst);
}

/*
 * The index of @value, a value of ARRAY @map (CPU 0's slot for a per-CPU
 * one): a bpf_timer callback's key. Any context.
 */
uint32_t kbpf_array_value_index(const struct kbpf_map *map, const void *value);

/*
 * GET_NEXT_KEY of every array-shaped map (ARRAY, PERCPU_ARRAY and the fd
 * arrays): NULL or an index past the end gives 0, the last index -ENOENT,
 * else index + 1. Called from syscall.
 */
int kbpf_array_get_next_key(struct kbpf_map *map, const void *key,
			    void *next_key);

/*
 * A read-side section around lock-free reads of map memory on the syscall
 * path (elements a concurrent delete may hand to defer_free).
 */
static inline unsigned long kbpf_map_read_lock(const struct kbpf_host *h)
{
	return h->read_lock ? h->read_lock(h) : 0;
}

static inline void kbpf_map_read_unlock(const struct kbpf_host *h,
					unsigned long st)
{
	if (h->read_unlock)
		h->read_unlock(h, st);
}

/*
 * Linux's generic batch operations (generic_map_*_batch): element by
 * element through the type's get_next_key, lookup, update and delete.
 * Called from syscall; may sleep; user copies through the host.
 */
int kbpf_map_generic_lookup_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr);
int kbpf_map_generic_update_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr);
int kbpf_map_generic_delete_batch(struct kbpf_map *map,
				  const union bpf_attr *attr,
				  union bpf_attr *uattr);

/*
 * The map commands of bpf(2) (map_sys.c), called by src/sys/sys.c's command
 * table with a zero-extended kernel copy @attr whose bytes past the
 * command's last field are zero; @uattr and @size are the user's attr and
 * size, for write-back. Each returns 0, an fd or a negative errno as Linux's
 * command of the same name. Syscall path: they copy from and to user memory
 * (which may sleep) before and after, never while, holding a map lock.
 */
long kbpf_sys_map_create(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);
long kbpf_sys_map_lookup_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_update_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_delete_elem(const struct kbpf_host *h, union bpf_attr *attr,
			      void *uattr, unsigned int size);
long kbpf_sys_map_get_next_key(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_lookup_and_delete_elem(const struct kbpf_host *h,
					 union bpf_attr *attr, void *uattr,
					 unsigned int size);
long kbpf_sys_map_lookup_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_lookup_and_delete_batch(const struct kbpf_host *h,
					  union bpf_attr *attr, void *uattr,
					  unsigned int size);
long kbpf_sys_map_update_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_delete_batch(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size);
long kbpf_sys_map_freeze(const struct kbpf_host *h, union bpf_attr *attr,
			 void *uattr, unsigned int size);
/*
 * Fill @info (a kernel buffer, zeroed first) with BPF_OBJ_GET_INFO_BY_FD's
 * bpf_map_info for @map, on which the caller holds a reference. Returns 0.
 * Any context; takes no lock.
 */
int kbpf_map_get_info(struct kbpf_map *map, struct bpf_map_info *info);

#endif /* KBPF_MAP_INTERNAL_H */
