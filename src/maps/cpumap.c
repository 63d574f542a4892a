// SPDX-License-Identifier: MIT
/*
 * BPF_MAP_TYPE_CPUMAP (Linux's cpumap.c in behaviour): CPUs by index, for
 * bpf_redirect_map from XDP programs. A value is struct bpf_cpumap_val:
 * the queue size of the CPU's entry (value_size 4), then an XDP program
 * to run on that CPU (value_size 8: a program fd on update, its id on
 * lookup). An entry with qsize 0 is no entry. The map is array-shaped:
 * every index below max_entries is a key, and only possible CPUs (index <
 * kbpf_host.nr_cpus) may hold an entry.
 *
 * kbpf keeps no queues and starts no threads: after an XDP_REDIRECT
 * verdict into a CPUMAP the host reads the target from struct kbpf_xdp,
 * queues the frame for that CPU (kbpf_cpumap_lookup() gives the entry's
 * qsize and program) and runs the program there itself
 * (include/kbpf/cpumap.h).
 *
 * Locking: updates and deletes take the map's spinlock with interrupts
 * saved; programs and the host read entries lock-free (acquire loads). A
 * replaced or deleted entry, and the reference it holds on its program,
 * are dropped through defer_free, or kept until the map dies.
 */
#include "core/atomic.h"
#include "core/prog.h"
#include "core/spinlock.h"
#include "kbpf/cpumap.h"
#include "map_internal.h"

/* Linux: only NUMA placement and the syscall-side access flags are not. */
#define CPU_CREATE_FLAG_MASK BPF_F_NUMA_NODE
/* Linux's cap on a CPU's queue (cpu_map_update_elem). */
#define CPU_QSIZE_MAX 16384u

extern const struct kbpf_map_ops kbpf_cpu_map_ops;

struct cpu_entry {
	struct kbpf_rcu_head rcu; /* first: the defer_free callback casts */
	const struct kbpf_host *host;
	struct cpu_entry *next_retired;
	struct kbpf_prog *prog; /* a reference, or NULL */
	struct bpf_cpumap_val val; /* qsize, and the program's id */
};

struct kbpf_cpumap {
	struct kbpf_map map;
	struct kbpf_spinlock lock;
	struct cpu_entry *retired; /* under lock, without defer_free */
	struct cpu_entry *_Atomic *slots; /* one per index */
};

static inline struct kbpf_cpumap *cmap(const struct kbpf_map *map)
{
	return kbpf_container_of(map, struct kbpf_cpumap, map);
}

/*
 * Called from syscall: Linux's cpu_map_alloc() checks. Its cap on
 * max_entries is the kernel's NR_CPUS; kbpf's is KBPF_MAX_CPUS.
 */
static int cpu_alloc_check(const struct kbpf_host *h,
			   const union bpf_attr *attr)
{
	if (attr->max_entries == 0 || attr->key_size != 4 ||
	    (attr->value_size != 4 &&
	     attr->value_size != sizeof(struct bpf_cpumap_val)) ||
	    (attr->map_flags & ~CPU_CREATE_FLAG_MASK))
		return -KBPF_EINVAL;
	if (attr->max_entries > KBPF_MAX_CPUS)
		return -KBPF_E2BIG;
	return 0;
}

/* Called from syscall */
static int cpu_alloc(const struct kbpf_host *h, const union bpf_attr *attr,
		     struct kbpf_map **out)
{
	struct kbpf_cpumap *c;

	c = kbpf_zalloc(h, sizeof(*c), 0);
	if (!c)
		return -KBPF_ENOMEM;
	c->slots =
		kbpf_zalloc(h, (size_t)attr->max_entries * sizeof(void *), 0);
	if (!c->slots) {
		kbpf_free(h, c, sizeof(*c));
		return -KBPF_ENOMEM;
	}
	kbpf_spin_init(&c->lock);
	kbpf_map_init(&c->map, h, attr, &kbpf_cpu_map_ops);
	*out = &c->map;
	return 0;
}

static void cpu_entry_free(struct cpu_entry *e)
{
	if (e->prog)
		kbpf_prog_put(e->prog);
	kbpf_free(e->host, e, sizeof(*e));
}

static void cpu_entry_free_rcu(struct kbpf_rcu_head *head)
{
	cpu_entry_free((struct cpu_entry *)head);
}

/* Under the map's lock: free @e once no program or host can hold it. */
static void cpu_retire_locked(struct kbpf_cpumap *c, struct cpu_entry *e)
{
	const struct kbpf_host *h = c->map.obj.host;

	if (h->defer_free) {
		e->rcu.func = cpu_entry_free_rcu;
		h->defer_free(h, &e->rcu);
		return;
	}
	e->next_retired = c->retired;
	c->retired = e;
}

/* Called when no program or fd can reach the map. */
static void cpu_free(struct kbpf_map *map)
{
	struct kbpf_cpumap *c = cmap(map);
	const struct kbpf_host *h = map->obj.host;
	uint32_t i;

	for (i = 0; i < map->max_entries; i++) {
		struct cpu_entry *e = atomic_load(&c->slots[i]);

		if (e)
			cpu_entry_free(e);
	}
	while (c->retired) {
		struct cpu_entry *e = c->retired;

		c->retired = e->next_retired;
		cpu_entry_free(e);
	}
	kbpf_free(h, c->slots, (size_t)map->max_entries * sizeof(void *));
	kbpf_free(h, c, sizeof(*c));
}

static struct cpu_entry *cpu_find(struct kbpf_cpumap *c, uint32_t key)
{
	return key < c->map.max_entries ?
		       atomic_load_explicit(&c->slots[key],
					    memory_order_acquire) :
		       NULL;
}

/* Called from syscall: the entry's qsize (and its program's id). */
static int cpu_sys_lookup(struct kbpf_map *map, const void *key, void *value,
			  uint64_t flags)
{
	struct cpu_entry *e;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	e = cpu_find(cmap(map), k);
	if (!e)
		return -KBPF_ENOENT;
	memcpy(value, &e->val, map->value_size);
	return 0;
}

/*
 * Linux's __cpu_map_load_bpf_program(): an XDP program loaded for
 * BPF_XDP_CPUMAP. Every failure is reported by the caller as -ENOMEM, as
 * Linux's entry allocation reports it.
 */
static struct kbpf_prog *cpu_prog_get(struct kbpf_map *map, int fd)
{
	struct kbpf_obj *obj;
	struct kbpf_prog *prog;

	if (kbpf_obj_fd_get(map->obj.host, fd, KBPF_OBJ_PROG, &obj, NULL))
		return NULL;
	prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	if (prog->type != BPF_PROG_TYPE_XDP ||
	    prog->expected_attach_type != BPF_XDP_CPUMAP) {
		kbpf_prog_put(prog);
		return NULL;
	}
	return prog;
}

/* Called from syscall: Linux's cpu_map_update_elem(), in its order. */
static int cpu_sys_update(struct kbpf_map *map, const void *key,
			  const void *value, uint64_t flags)
{
	struct kbpf_cpumap *c = cmap(map);
	const struct kbpf_host *h = map->obj.host;
	struct bpf_cpumap_val val = { 0 };
	struct cpu_entry *e = NULL, *old;
	unsigned long irq;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	memcpy(&val, value, map->value_size);
	if (flags > BPF_EXIST)
		return -KBPF_EINVAL;
	if (k >= map->max_entries)
		return -KBPF_E2BIG;
	if (flags == BPF_NOEXIST)
		return -KBPF_EEXIST; /* every index exists */
	if (val.qsize > CPU_QSIZE_MAX)
		return -KBPF_EOVERFLOW;
	if (k >= h->nr_cpus)
		return -KBPF_ENODEV;
	if (val.qsize) {
		e = kbpf_zalloc(h, sizeof(*e), 0);
		if (!e)
			return -KBPF_ENOMEM;
		e->host = h;
		e->val.qsize = val.qsize;
		/* The fd is an int: Linux loads a program only for fd > 0. */
		if (map->value_size == sizeof(val) &&
		    (int)val.bpf_prog.fd > 0) {
			e->prog = cpu_prog_get(map, (int)val.bpf_prog.fd);
			if (!e->prog) {
				kbpf_free(h, e, sizeof(*e));
				return -KBPF_ENOMEM;
			}
			e->val.bpf_prog.id = e->prog->obj.id;
		}
	}
	irq = kbpf_spin_lock_irqsave(h, &c->lock);
	old = atomic_exchange_explicit(&c->slots[k], e, memory_order_acq_rel);
	if (old)
		cpu_retire_locked(c, old);
	kbpf_spin_unlock_irqrestore(h, &c->lock, irq);
	return 0;
}

/* Called from syscall (programs may not delete: the verifier says so). */
static long cpu_delete_elem(struct kbpf_map *map, const void *key)
{
	struct kbpf_cpumap *c = cmap(map);
	const struct kbpf_host *h = map->obj.host;
	struct cpu_entry *old;
	unsigned long irq;
	uint32_t k;

	kbpf_memcpy(&k, key, sizeof(k));
	if (k >= map->max_entries)
		return -KBPF_EINVAL;
	irq = kbpf_spin_lock_irqsave(h, &c->lock);
	old = atomic_exchange_explicit(&c->slots[k], NULL,
				       memory_order_acq_rel);
	if (old)
		cpu_retire_locked(c, old);
	kbpf_spin_unlock_irqrestore(h, &c->lock, irq);
	return 0; /* an empty index too, as in Linux */
}

static uint64_t cpu_mem_usage(const struct kbpf_map *map)
{
	return sizeof(struct kbpf_cpumap) +
	       (uint64_t)map->max_entries * sizeof(void *);
}

bool kbpf_cpumap_is(const struct kbpf_map *map)
{
	return map->ops == &kbpf_cpu_map_ops;
}

bool kbpf_cpumap_lookup(struct kbpf_map *map, uint32_t cpu, uint32_t *qsize,
			struct kbpf_prog **prog)
{
	struct cpu_entry *e;

	if (!kbpf_cpumap_is(map))
		return false;
	e = cpu_find(cmap(map), cpu);
	if (!e)
		return false;
	if (qsize)
		*qsize = e->val.qsize;
	if (prog)
		*prog = e->prog;
	return true;
}

const struct kbpf_map_ops kbpf_cpu_map_ops = {
	.alloc_check = cpu_alloc_check,
	.alloc = cpu_alloc,
	.free = cpu_free,
	.get_next_key = kbpf_array_get_next_key,
	.sys_lookup = cpu_sys_lookup,
	.sys_update = cpu_sys_update,
	.delete_elem = cpu_delete_elem,
	.mem_usage = cpu_mem_usage,
};
