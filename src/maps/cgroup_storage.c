// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_CGROUP_STORAGE and BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE
 * (Linux's kernel/bpf/local_storage.c, in behaviour): values that belong
 * to a (cgroup, attach type) pair, made when a program using the map is
 * attached to a cgroup (src/cgroup/cgroup.c) and reached by the program
 * with bpf_get_local_storage() (src/helpers/storage.c). User space may
 * look up, update and iterate the storages that exist; it cannot create
 * or delete one. See src/maps/cgroup_storage.h for the lifetime and
 * docs/design/cgroup.md for the attach side.
 *
 * The key is Linux's struct bpf_cgroup_storage_key (16 bytes: the cgroup
 * id, the attach type, 4 bytes of padding that lookups ignore and
 * GET_NEXT_KEY writes as zero) or, with an 8-byte key, the cgroup id
 * alone: then programs of every attach type of one cgroup share one
 * storage.
 *
 * The map keeps its storages on one list under its lock (Linux keeps an
 * rbtree for lookups and a list for iteration; a cgroup has few attach
 * types and a map few cgroups, so one list serves both). Updates copy into
 * the value in place (a program reading at the same time may see a mix,
 * as with ARRAY values; Linux swaps in a new buffer); BPF_F_LOCK copies
 * under the value's bpf_spin_lock.
 */
#include "cgroup_storage.h"
#include "core/alloc.h"
#include "core/spinlock.h"
#include "kbpf/state.h"
#include "map_internal.h"

extern const struct kbpf_map_ops kbpf_cgroup_storage_map_ops;
extern const struct kbpf_map_ops kbpf_percpu_cgroup_storage_map_ops;

/*
 * Linux 6.18's BPF_LOCAL_STORAGE_MAX_VALUE_SIZE on x86-64 (as
 * src/maps/local_storage.c); per-CPU values are bounded by
 * PCPU_MIN_UNIT_SIZE, 32 KiB.
 */
#define CGS_VALUE_MAX 65407u
#define CGS_PERCPU_VALUE_MAX 32768u

/* Linux's LOCAL_STORAGE_CREATE_FLAG_MASK: NUMA node and access flags. */
#define CGS_CREATE_FLAGS                                                     \
	(BPF_F_NUMA_NODE | BPF_F_RDONLY | BPF_F_WRONLY | BPF_F_RDONLY_PROG | \
	 BPF_F_WRONLY_PROG)

struct cgs_map {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	struct kbpf_cgroup_storage *head; /* newest first */
};

static struct cgs_map *cgs_map(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct cgs_map, map);
}

/* Linux's attach_type_isolated(): the 16-byte key names the attach type. */
static bool cgs_isolated(const struct kbpf_map *map)
{
	return map->key_size != sizeof(uint64_t);
}

int kbpf_cgroup_storage_type(const struct kbpf_map *map)
{
	switch (map->map_type) {
	case BPF_MAP_TYPE_CGROUP_STORAGE:
		return KBPF_CG_STORAGE_SHARED;
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return KBPF_CG_STORAGE_PERCPU;
	default:
		return -1;
	}
}

/* Bytes of one CPU's slot (per-CPU) or of the value. */
static size_t cgs_slot(const struct kbpf_map *map)
{
	return kbpf_round_up((size_t)map->value_size, 8);
}

static size_t cgs_data_size(const struct kbpf_map *map)
{
	if (map->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
		return cgs_slot(map) * map->obj.host->nr_cpus;
	return cgs_slot(map);
}

/* Called from syscall: Linux's cgroup_storage_map_alloc(), in its order. */
static int cgs_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	uint32_t max = attr->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ?
			       CGS_PERCPU_VALUE_MAX :
			       CGS_VALUE_MAX;
	struct cgs_map *m;

	if (attr->key_size != 16 && attr->key_size != sizeof(uint64_t))
		return -KBPF_EINVAL;
	if (!attr->value_size)
		return -KBPF_EINVAL;
	if (attr->value_size > max)
		return -KBPF_E2BIG;
	if ((attr->map_flags & ~(uint32_t)CGS_CREATE_FLAGS) ||
	    !kbpf_map_flags_access_ok(attr->map_flags))
		return -KBPF_EINVAL;
	if (attr->max_entries)
		return -KBPF_EINVAL; /* not used, must be 0 */
	m = kbpf_zalloc(h, sizeof(*m), 0);
	if (!m)
		return -KBPF_ENOMEM;
	kbpf_spin_init(&m->lock);
	kbpf_map_init(&m->map, h, attr,
		      attr->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE ?
			      &kbpf_percpu_cgroup_storage_map_ops :
			      &kbpf_cgroup_storage_map_ops);
	*out = &m->map;
	return 0;
}

static void cgs_storage_free_rcu(struct kbpf_rcu_head *head)
{
	kbpf_cgroup_storage_free(
		kbpf_container_of(head, struct kbpf_cgroup_storage, rcu));
}

void kbpf_cgroup_storage_free(struct kbpf_cgroup_storage *s)
{
	if (s)
		kbpf_free(s->h, s, s->size);
}

void kbpf_cgroup_storage_free_chain(const struct kbpf_host *h,
				    struct kbpf_cgroup_storage *chain)
{
	struct kbpf_cgroup_storage *s;

	while ((s = chain)) {
		chain = s->cg_next;
		if (h->defer_free) {
			s->rcu.func = cgs_storage_free_rcu;
			h->defer_free(h, &s->rcu);
		} else {
			kbpf_cgroup_storage_free(s);
		}
	}
}

static struct kbpf_spinlock *cgs_cgroup_lock(const struct kbpf_host *h)
{
	return (struct kbpf_spinlock *)(void *)&h->state->cgroup_lock;
}

/*
 * Called once nothing reaches the map: no program holds it, so nothing
 * attached uses its storages; the cgroups may still list them. Linux's
 * cgroup_storage_map_free(), under the cgroup lock.
 */
static void cgs_free(struct kbpf_map *map)
{
	const struct kbpf_host *h = map->obj.host;
	struct cgs_map *m = cgs_map(map);
	struct kbpf_cgroup_storage *s, *chain = NULL;
	unsigned long cf = 0, mf;

	if (h->state)
		cf = kbpf_spin_lock_irqsave(h, cgs_cgroup_lock(h));
	mf = kbpf_spin_lock_irqsave(h, &m->lock);
	while ((s = m->head)) {
		m->head = s->map_next;
		*s->cg_pprev = s->cg_next;
		if (s->cg_next)
			s->cg_next->cg_pprev = s->cg_pprev;
		s->cg_next = chain;
		chain = s;
	}
	kbpf_spin_unlock_irqrestore(h, &m->lock, mf);
	if (h->state)
		kbpf_spin_unlock_irqrestore(h, cgs_cgroup_lock(h), cf);
	kbpf_cgroup_storage_free_chain(h, chain);
	kbpf_free(h, m, sizeof(*m));
}

int kbpf_cgroup_storage_alloc(struct kbpf_map *map,
			      struct kbpf_cgroup_storage **out)
{
	const struct kbpf_host *h = map->obj.host;
	size_t size = sizeof(struct kbpf_cgroup_storage) + cgs_data_size(map);
	struct kbpf_cgroup_storage *s = kbpf_zalloc(h, size, 0);

	*out = NULL;
	if (!s)
		return -KBPF_ENOMEM;
	s->map = map;
	s->h = h;
	s->size = size;
	*out = s;
	return 0;
}

static bool cgs_key_eq(const struct kbpf_map *map,
		       const struct kbpf_cgroup_storage *s, uint64_t cgid,
		       uint32_t t)
{
	return s->cgroup_id == cgid &&
	       (!cgs_isolated(map) || s->attach_type == t);
}

/* Called with the map's lock held. */
static struct kbpf_cgroup_storage *cgs_find_locked(struct cgs_map *m,
						   uint64_t cgid, uint32_t t)
{
	struct kbpf_cgroup_storage *s;

	for (s = m->head; s; s = s->map_next)
		if (cgs_key_eq(&m->map, s, cgid, t))
			return s;
	return NULL;
}

struct kbpf_cgroup_storage *kbpf_cgroup_storage_find(struct kbpf_map *map,
						     uint64_t cgid, uint32_t t)
{
	struct cgs_map *m = cgs_map(map);
	struct kbpf_cgroup_storage *s;
	unsigned long f;

	f = kbpf_spin_lock_irqsave(map->obj.host, &m->lock);
	s = cgs_find_locked(m, cgid, t);
	kbpf_spin_unlock_irqrestore(map->obj.host, &m->lock, f);
	return s;
}

void kbpf_cgroup_storage_link(struct kbpf_cgroup_storage *s, uint64_t cgid,
			      uint32_t t, struct kbpf_cgroup_storage **cg_head)
{
	struct cgs_map *m = cgs_map(s->map);
	unsigned long f;

	s->cgroup_id = cgid;
	s->attach_type = t;
	f = kbpf_spin_lock_irqsave(s->h, &m->lock);
	s->map_next = m->head;
	if (m->head)
		m->head->map_pprev = &s->map_next;
	s->map_pprev = &m->head;
	m->head = s;
	kbpf_spin_unlock_irqrestore(s->h, &m->lock, f);
	s->cg_next = *cg_head;
	if (*cg_head)
		(*cg_head)->cg_pprev = &s->cg_next;
	s->cg_pprev = cg_head;
	*cg_head = s;
}

struct kbpf_cgroup_storage *
kbpf_cgroup_storage_unlink_all(struct kbpf_cgroup_storage **cg_head)
{
	struct kbpf_cgroup_storage *s, *chain = *cg_head;
	unsigned long f;

	for (s = chain; s; s = s->cg_next) {
		struct cgs_map *m = cgs_map(s->map);

		f = kbpf_spin_lock_irqsave(s->h, &m->lock);
		*s->map_pprev = s->map_next;
		if (s->map_next)
			s->map_next->map_pprev = s->map_pprev;
		kbpf_spin_unlock_irqrestore(s->h, &m->lock, f);
	}
	*cg_head = NULL;
	return chain;
}

void *kbpf_cgroup_storage_ptr(struct kbpf_cgroup_storage *s, uint32_t cpu)
{
	uint8_t *p = (uint8_t *)s->data;

	if (s->map->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
		p += cgs_slot(s->map) * cpu;
	return p;
}

/* The key user space gives: the cgroup id, and the attach type if isolated. */
static void cgs_key(const struct kbpf_map *map, const void *key, uint64_t *cgid,
		    uint32_t *t)
{
	memcpy(cgid, key, sizeof(*cgid));
	*t = 0;
	if (cgs_isolated(map))
		memcpy(t, (const uint8_t *)key + 8, sizeof(*t));
}

/*
 * Called from syscall (value: kbpf_map_sys_value_size() bytes). Linux's
 * lookup of a key without storage: -ENOENT.
 */
static int cgs_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	struct cgs_map *m = cgs_map(map);
	struct kbpf_cgroup_storage *s;
	uint32_t t, cpu;
	uint64_t cgid;
	unsigned long f;
	int err = 0;

	cgs_key(map, key, &cgid, &t);
	f = kbpf_spin_lock_irqsave(map->obj.host, &m->lock);
	s = cgs_find_locked(m, cgid, t);
	if (!s)
		err = -KBPF_ENOENT;
	else if (map->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
		for (cpu = 0; cpu < map->obj.host->nr_cpus; cpu++)
			memcpy((uint8_t *)value + cpu * cgs_slot(map),
			       kbpf_cgroup_storage_ptr(s, cpu), cgs_slot(map));
	else
		kbpf_map_value_out(map, value, s->data, flags & BPF_F_LOCK);
	kbpf_spin_unlock_irqrestore(map->obj.host, &m->lock, f);
	return err;
}

/*
 * Called from syscall. Linux: only existing storages (-ENOENT), flags
 * BPF_ANY or BPF_EXIST (with BPF_F_LOCK for a value with a lock), never
 * BPF_NOEXIST (-EINVAL); the per-CPU type takes no BPF_F_LOCK.
 */
static int cgs_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct cgs_map *m = cgs_map(map);
	struct kbpf_cgroup_storage *s;
	uint32_t t, cpu;
	uint64_t cgid;
	unsigned long f;
	int err = 0;

	if (map->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE) {
		if (flags != BPF_ANY && flags != BPF_EXIST)
			return -KBPF_EINVAL;
	} else if (flags & ~(uint64_t)(BPF_F_LOCK | BPF_EXIST)) {
		return -KBPF_EINVAL;
	}
	if ((flags & BPF_F_LOCK) && !kbpf_map_has_spin_lock(map))
		return -KBPF_EINVAL;
	cgs_key(map, key, &cgid, &t);
	f = kbpf_spin_lock_irqsave(map->obj.host, &m->lock);
	s = cgs_find_locked(m, cgid, t);
	if (!s)
		err = -KBPF_ENOENT;
	else if (map->map_type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE)
		for (cpu = 0; cpu < map->obj.host->nr_cpus; cpu++)
			memcpy(kbpf_cgroup_storage_ptr(s, cpu),
			       (const uint8_t *)value + cpu * cgs_slot(map),
			       cgs_slot(map));
	else
		kbpf_map_value_in(map, s->data, value, flags & BPF_F_LOCK);
	kbpf_spin_unlock_irqrestore(map->obj.host, &m->lock, f);
	return err;
}

/* Linux's cgroup_storage_delete_elem(): never. */
static long cgs_delete_elem(struct kbpf_map *map, const void *key)
{
	(void)map;
	(void)key;
	return -KBPF_EINVAL;
}

/*
 * Called from syscall: Linux's cgroup_storage_get_next_key(). A key without
 * storage: -ENOENT (not the first key, as hash maps answer). After the
 * last storage kbpf answers -ENOENT; Linux 6.18 reads its list head as if
 * it were a storage there and copies out what lies at that place.
 */
static int cgs_get_next_key(struct kbpf_map *map, const void *key,
			    void *next_key)
{
	struct cgs_map *m = cgs_map(map);
	struct kbpf_cgroup_storage *s;
	uint64_t cgid = 0;
	uint32_t t = 0;
	unsigned long f;
	int err = 0;

	if (key)
		cgs_key(map, key, &cgid, &t);
	f = kbpf_spin_lock_irqsave(map->obj.host, &m->lock);
	s = m->head;
	if (s && key) {
		s = cgs_find_locked(m, cgid, t);
		s = s ? s->map_next : NULL;
	}
	if (!s) {
		err = -KBPF_ENOENT;
	} else {
		cgid = s->cgroup_id;
		t = s->attach_type;
	}
	kbpf_spin_unlock_irqrestore(map->obj.host, &m->lock, f);
	if (err)
		return err;
	memset(next_key, 0, map->key_size);
	memcpy(next_key, &cgid, sizeof(cgid));
	if (cgs_isolated(map))
		memcpy((uint8_t *)next_key + 8, &t, sizeof(t));
	return 0;
}

/* Linux counts the map alone, not its storages. */
static uint64_t cgs_mem_usage(const struct kbpf_map *map)
{
	(void)map;
	return sizeof(struct cgs_map);
}

#define CGS_OPS(name)                                          \
	const struct kbpf_map_ops name = {                     \
		/* syscall path */                             \
		.alloc = cgs_alloc,                            \
		.free = cgs_free,                              \
		.get_next_key = cgs_get_next_key,              \
		.sys_lookup = cgs_sys_lookup,                  \
		.sys_update = cgs_sys_update,                  \
		.mem_usage = cgs_mem_usage, /* program path */ \
		.delete_elem = cgs_delete_elem,                \
	}

CGS_OPS(kbpf_cgroup_storage_map_ops);
CGS_OPS(kbpf_percpu_cgroup_storage_map_ops);
