// SPDX-License-Identifier: MIT
/*
 * The default helper table: Linux helper ids to kbpf implementations with
 * their typed prototypes (kernel/bpf/helpers.c and kernel/trace/bpf_trace.c
 * in behaviour). Entries without fn are helpers kbpf does not have; loading
 * a program that calls one fails with Linux's "invalid func" log line.
 *
 * Every helper runs on the program path: no sleeping, no user copies.
 */
#include "core/alloc.h"
#include "core/vlog.h"
#include "kbpf/disasm.h"
#include "helpers_internal.h"
#include "core/priv.h"
#include "maps/prog_array.h"
#include "net/net_internal.h"
#include "core/map.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/perf.h"
#include "maps/ringbuf.h"
#include "kbpf/stackmap.h"

#define MAP(p) ((struct kbpf_map *)(uintptr_t)(p))
#define PTR(p) ((void *)(uintptr_t)(p))

static uint64_t h_map_lookup_elem(struct kbpf_run *run, uint64_t map,
				  uint64_t key, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	void *v;

	/*
	 * Per-CPU types: the run's CPU, read once per run
	 * (kbpf_run_map_cpu()), not the host's cpu_id at every lookup.
	 */
	if (MAP(map)->ops->lookup_percpu_elem)
		v = MAP(map)->ops->lookup_percpu_elem(MAP(map), PTR(key),
						      kbpf_run_map_cpu(run));
	else
		v = kbpf_map_lookup_elem(MAP(map), PTR(key));
	if (v && kbpf_map_is_map_in_map(MAP(map)))
		kbpf_run_add_map(run, v); /* a map to pass on, not memory */
	else if (v)
		kbpf_run_add_map_value(run, MAP(map), v);
	return (uint64_t)(uintptr_t)v;
}

/*
 * A BPF_F_RDONLY_PROG map is read-only to programs: Linux's verifier
 * refuses a program that updates or deletes in one with EACCES ("write
 * into map forbidden"); without a verifier, the call gives -EACCES.
 */
static uint64_t h_map_update_elem(struct kbpf_run *run, uint64_t map,
				  uint64_t key, uint64_t value, uint64_t flags,
				  uint64_t r5)
{
	if (MAP(map)->map_flags & BPF_F_RDONLY_PROG)
		return (uint64_t)-KBPF_EACCES;
	return (uint64_t)kbpf_map_update_elem(MAP(map), PTR(key), PTR(value),
					      flags);
}

static uint64_t h_map_delete_elem(struct kbpf_run *run, uint64_t map,
				  uint64_t key, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	if (MAP(map)->map_flags & BPF_F_RDONLY_PROG)
		return (uint64_t)-KBPF_EACCES;
	return (uint64_t)kbpf_map_delete_elem(MAP(map), PTR(key));
}

/*
 * Push and pop write to the map too: Linux's verifier refuses them on a
 * BPF_F_RDONLY_PROG queue or stack (EACCES), and allows peek; on a
 * BPF_F_WRONLY_PROG one it allows all three, pop and peek included
 * (measured on 6.18: test_map_perm_diff.c, queue_stack_prog_permissions).
 */
static uint64_t h_map_push_elem(struct kbpf_run *run, uint64_t map,
				uint64_t value, uint64_t flags, uint64_t r4,
				uint64_t r5)
{
	if (MAP(map)->map_flags & BPF_F_RDONLY_PROG)
		return (uint64_t)-KBPF_EACCES;
	return (uint64_t)kbpf_map_push_elem(MAP(map), PTR(value), flags);
}

static uint64_t h_map_pop_elem(struct kbpf_run *run, uint64_t map,
			       uint64_t value, uint64_t r3, uint64_t r4,
			       uint64_t r5)
{
	if (MAP(map)->map_flags & BPF_F_RDONLY_PROG)
		return (uint64_t)-KBPF_EACCES;
	return (uint64_t)kbpf_map_pop_elem(MAP(map), PTR(value));
}

static uint64_t h_map_peek_elem(struct kbpf_run *run, uint64_t map,
				uint64_t value, uint64_t r3, uint64_t r4,
				uint64_t r5)
{
	return (uint64_t)kbpf_map_peek_elem(MAP(map), PTR(value));
}

static uint64_t h_map_lookup_percpu_elem(struct kbpf_run *run, uint64_t map,
					 uint64_t key, uint64_t cpu,
					 uint64_t r4, uint64_t r5)
{
	void *v =
		kbpf_map_lookup_percpu_elem(MAP(map), PTR(key), (uint32_t)cpu);

	if (v)
		kbpf_run_add_map_value(run, MAP(map), v);
	return (uint64_t)(uintptr_t)v;
}

struct for_each_ctx {
	struct kbpf_run *run;
	uint64_t fn;
	uint64_t ctx;
};

static long for_each_cb(struct kbpf_map *map, void *key, void *value, void *p)
{
	struct for_each_ctx *c = p;
	struct kbpf_run *run = c->run;
	uint64_t mark = kbpf_run_regions_mark(run);
	long ret;

	/* The key and value are the callback's only while it runs. */
	kbpf_run_add_region(run, key, map->key_size, false);
	kbpf_run_add_map_value(run, map, value);
	ret = run->error ?
		      0 :
		      (long)run->call_func(run, c->fn, (uint64_t)(uintptr_t)map,
					   (uint64_t)(uintptr_t)key,
					   (uint64_t)(uintptr_t)value, c->ctx,
					   0);
	kbpf_run_regions_release(run, mark);
	/* A stopped callback (budget, fault) stops the walk. */
	return run->error ? 1 : ret;
}

static uint64_t h_for_each_map_elem(struct kbpf_run *run, uint64_t map,
				    uint64_t fn, uint64_t ctx, uint64_t flags,
				    uint64_t r5)
{
	struct for_each_ctx c = { run, fn, ctx };

	return (uint64_t)kbpf_map_for_each(MAP(map), for_each_cb, &c, flags);
}

/*
 * bpf_tail_call as Linux 6.18's x86-64 JIT runs it (measured): an index
 * out of range (as a u32), an empty slot, or a 34th tail call fall through
 * to the next instruction, and only tail calls that happen count towards
 * the limit. (Linux's own interpreter also counts attempts on empty
 * slots.) The interpreter makes the jump when the helper returns with
 * run->tail_call set.
 */
static uint64_t h_tail_call(struct kbpf_run *run, uint64_t ctx, uint64_t map,
			    uint64_t index, uint64_t r4, uint64_t r5)
{
	struct kbpf_prog *next;

	/* No verifier ties the map to its type: check here. */
	if (MAP(map)->map_type != BPF_MAP_TYPE_PROG_ARRAY)
		return (uint64_t)-KBPF_EINVAL;
	if (run->tail_call_cnt >= KBPF_MAX_TAIL_CALLS)
		return 0;
	/* Without defer_free, @next comes with a run hold (prog_array.h). */
	next = kbpf_prog_array_get(MAP(map), (uint32_t)index);
	if (!next)
		return 0;
	run->tail_call_cnt++;
	run->tail_call = next;
	return 0;
}

/* Linux's BPF_MAX_LOOPS. */
#define LOOP_MAX (1u << 23)

static uint64_t h_loop(struct kbpf_run *run, uint64_t nr, uint64_t fn,
		       uint64_t ctx, uint64_t flags, uint64_t r5)
{
	uint64_t i;

	if (flags)
		return (uint64_t)-KBPF_EINVAL;
	if (nr > LOOP_MAX)
		return (uint64_t)-KBPF_E2BIG;
	for (i = 0; i < nr; i++) {
		uint64_t ret = run->call_func(run, fn, i, ctx, 0, 0, 0);

		if (run->error)
			break;
		if (ret) {
			i++;
			break;
		}
	}
	return i;
}

/*
 * bpf_spin_lock/bpf_spin_unlock on the lock word of a map value, with
 * interrupts saved through the host for the hold (Linux's
 * __bpf_spin_lock_irqsave). Linux's verifier lets a program hold one lock
 * at a time, call nothing while it does and release it before exit; for
 * a program nobody proved, the run keeps the held lock, refuses a second
 * one (-EDEADLK, instead of spinning on itself) and an unlock of another
 * (-EINVAL), both stopping the program, and the runner releases a lock
 * still held at the end (kbpf_run_spin_release()).
 */
static uint64_t h_spin_lock(struct kbpf_run *run, uint64_t lock, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	void *word = (void *)(uintptr_t)lock;

	if (run->spin_lock) {
		run->error = -KBPF_EDEADLK;
		return 0;
	}
	run->spin_irq = kbpf_value_lock_irqsave(run->host, word);
	run->spin_lock = word;
	return 0;
}

static uint64_t h_spin_unlock(struct kbpf_run *run, uint64_t lock, uint64_t r2,
			      uint64_t r3, uint64_t r4, uint64_t r5)
{
	void *word = (void *)(uintptr_t)lock;

	if (run->spin_lock != word) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	run->spin_lock = NULL;
	kbpf_value_unlock_irqrestore(run->host, word, run->spin_irq);
	return 0;
}

/*
 * bpf_kptr_xchg(field, ptr): the verifier proved @field a referenced kptr
 * of a map value and @ptr a reference of its type or NULL; the old
 * pointer comes back as the program's reference (src/maps/kptr.c takes
 * what is left when the value goes, with an exchange too).
 */
static uint64_t h_kptr_xchg(struct kbpf_run *run, uint64_t field, uint64_t ptr,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	return kbpf_xchg_u64((void *)(uintptr_t)field, ptr);
}

static uint64_t h_ktime_get_ns(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			       uint64_t r3, uint64_t r4, uint64_t r5)
{
	return run->host->mono_ns(run->host);
}

static uint64_t h_ktime_get_boot_ns(struct kbpf_run *run, uint64_t r1,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->boot_ns ? h->boot_ns(h) : h->mono_ns(h);
}

static uint64_t h_ktime_get_coarse_ns(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->coarse_ns ? h->coarse_ns(h) : h->mono_ns(h);
}

static uint64_t h_ktime_get_tai_ns(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	/* The loader refuses programs calling it when the host lacks tai_ns. */
	const struct kbpf_host *h = run->host;

	return h->tai_ns ? h->tai_ns(h) : 0;
}

static uint64_t h_get_prandom_u32(struct kbpf_run *run, uint64_t r1,
				  uint64_t r2, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->random_u32 ? h->random_u32(h) : 0;
}

static uint64_t h_get_smp_processor_id(struct kbpf_run *run, uint64_t r1,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	return run->cpu;
}

/* Linux's bpf_current_task_under_cgroup. */
static uint64_t h_current_task_under_cgroup(struct kbpf_run *run, uint64_t map,
					    uint64_t idx, uint64_t r3,
					    uint64_t r4, uint64_t r5)
{
	return (uint64_t)kbpf_cgroup_array_current_under(MAP(map),
							 (uint32_t)idx);
}

/* bpf_get_numa_node_id: the host's node of this CPU, or 0 (one node). */
static uint64_t h_get_numa_node_id(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->numa_node_id ? h->numa_node_id(h) : 0;
}

#define NSEC_PER_SEC 1000000000ull
#define DEFAULT_HZ 250u

/*
 * bpf_jiffies64: Linux's jiffies_64 starts at INITIAL_JIFFIES, five
 * minutes of ticks before the 32-bit counter wraps (so that wrap bugs
 * show early), and counts 1/HZ s ticks from boot. kbpf counts them from
 * mono_ns at the host's hz. Split so that ns * hz cannot overflow.
 */
static uint64_t h_jiffies64(struct kbpf_run *run, uint64_t r1, uint64_t r2,
			    uint64_t r3, uint64_t r4, uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint64_t hz = h->hz ? h->hz : DEFAULT_HZ, ns = h->mono_ns(h);
	uint64_t initial = (uint32_t)(-(int64_t)(300 * hz));

	return initial + ns / NSEC_PER_SEC * hz +
	       ns % NSEC_PER_SEC * hz / NSEC_PER_SEC;
}

/* bpf_get_current_cgroup_id and _ancestor_: the host's cgroup v2 ids, or 0. */
static uint64_t h_get_current_cgroup_id(struct kbpf_run *run, uint64_t r1,
					uint64_t r2, uint64_t r3, uint64_t r4,
					uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->current_cgroup_id ? h->current_cgroup_id(h, -1) : 0;
}

static uint64_t h_get_current_ancestor_cgroup_id(struct kbpf_run *run,
						 uint64_t level, uint64_t r2,
						 uint64_t r3, uint64_t r4,
						 uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	/* Linux takes the level as an int: negative ones find nothing. */
	if (!h->current_cgroup_id || (int32_t)level < 0)
		return 0;
	return h->current_cgroup_id(h, (int)(int32_t)level);
}

/*
 * bpf_get_cgroup_classid (the base form: the current task's net_cls
 * class): kbpf has no net_cls controller, whose classid without one is 0.
 */
static uint64_t h_get_cgroup_classid(struct kbpf_run *run, uint64_t r1,
				     uint64_t r2, uint64_t r3, uint64_t r4,
				     uint64_t r5)
{
	return 0;
}

/*
 * bpf_get_ns_current_pid_tgid: Linux checks the size (8), that dev fits
 * its 32-bit dev_t, and that (dev, ino) name the current task's pid
 * namespace; every failure zeroes the output and gives -EINVAL (measured).
 */
static uint64_t h_get_ns_current_pid_tgid(struct kbpf_run *run, uint64_t dev,
					  uint64_t ino, uint64_t out,
					  uint64_t size, uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	struct bpf_pidns_info info;
	uint64_t ns_dev, ns_ino, pid_tgid, uid_gid;

	if (size != sizeof(info) || (uint32_t)dev != dev || !h->current_pidns ||
	    h->current_pidns(h, &ns_dev, &ns_ino) || ns_dev != dev ||
	    ns_ino != ino || !h->current_ids ||
	    h->current_ids(h, &pid_tgid, &uid_gid))
		goto clear;
	info.pid = (uint32_t)pid_tgid;
	info.tgid = (uint32_t)(pid_tgid >> 32);
	memcpy(PTR(out), &info, sizeof(info));
	return 0;
clear:
	memset(PTR(out), 0, size);
	return (uint64_t)-KBPF_EINVAL;
}

/* ---- bpf_strtol, bpf_strtoul ---- */

#define STRTOX_BASE_MASK 0x1fu /* BPF_STRTOX_BASE_MASK */
#define STRTOX_MAX 63u /* Linux parses at most 63 bytes after the sign */

/* Linux's isspace(): its Latin-1 table counts 0xa0 (NBSP) as space. */
static bool strtox_isspace(unsigned char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r') || c == 0xa0;
}

/* The value of digit @c in any base up to 16, or 16 if it is none. */
static uint32_t strtox_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10u;
	return 16;
}

/*
 * Linux's __bpf_strtoull(): skip spaces, take one '-', then parse at most
 * STRTOX_MAX bytes as the kernel's kstrto* family does (base 0: "0x" and a
 * hex digit is hex, a leading 0 octal; base 16 skips a "0x" prefix). Every
 * digit is consumed even after an overflow, which gives -ERANGE. Return
 * the bytes consumed from @buf, or -EINVAL/-ERANGE.
 */
static int64_t strtox(const unsigned char *buf, uint64_t len, uint64_t flags,
		      uint64_t *res, bool *neg)
{
	uint32_t base = (uint32_t)(flags & STRTOX_BASE_MASK), d;
	uint64_t i = 0, end, v = 0, start;
	bool overflow = false;

	if (flags & ~(uint64_t)STRTOX_BASE_MASK)
		return -KBPF_EINVAL;
	if (!buf || !len)
		return -KBPF_EINVAL;
	if (base != 0 && base != 8 && base != 10 && base != 16)
		return -KBPF_EINVAL;
	while (i < len && strtox_isspace(buf[i]))
		i++;
	*neg = i < len && buf[i] == '-';
	if (*neg)
		i++;
	end = len - i > STRTOX_MAX ? i + STRTOX_MAX : len;
	if (i == end)
		return -KBPF_EINVAL;
	/* Linux parses a NUL-terminated copy: a NUL ends the number. */
	for (start = i; start < end && buf[start]; start++)
		;
	end = start;
	if (base == 0) {
		if (i < end && buf[i] == '0') {
			base = i + 2 < end && (buf[i + 1] | 0x20) == 'x' &&
					       strtox_digit(buf[i + 2]) < 16 ?
				       16 :
				       8;
		} else {
			base = 10;
		}
	}
	if (base == 16 && i + 1 < end && buf[i] == '0' &&
	    (buf[i + 1] | 0x20) == 'x')
		i += 2;
	for (start = i; i < end; i++) {
		d = strtox_digit(buf[i]);
		if (d >= base)
			break;
		if ((v >> 60) && v > (~0ull - d) / base)
			overflow = true;
		v = v * base + d;
	}
	if (overflow)
		return -KBPF_ERANGE;
	if (i == start)
		return -KBPF_EINVAL;
	*res = v;
	return (int64_t)i;
}

/*
 * bpf_strtol: the value must fit a signed long (-ERANGE). On any error
 * *res is 0 (measured: Linux clears it).
 */
static uint64_t h_strtol(struct kbpf_run *run, uint64_t buf, uint64_t len,
			 uint64_t flags, uint64_t res, uint64_t r5)
{
	uint64_t v = 0;
	bool neg = false;
	int64_t n = strtox(PTR(buf), len, flags, &v, &neg), out = 0;

	if (n >= 0 && neg && (int64_t)(0 - v) > 0)
		n = -KBPF_ERANGE;
	else if (n >= 0 && !neg && (int64_t)v < 0)
		n = -KBPF_ERANGE;
	else if (n >= 0)
		out = (int64_t)(neg ? 0 - v : v);
	memcpy(PTR(res), &out, sizeof(out));
	return (uint64_t)n;
}

/* bpf_strtoul: no sign allowed (-EINVAL); *res is 0 on any error. */
static uint64_t h_strtoul(struct kbpf_run *run, uint64_t buf, uint64_t len,
			  uint64_t flags, uint64_t res, uint64_t r5)
{
	uint64_t v = 0;
	bool neg = false;
	int64_t n = strtox(PTR(buf), len, flags, &v, &neg);

	if (n >= 0 && neg)
		n = -KBPF_EINVAL;
	if (n < 0)
		v = 0;
	memcpy(PTR(res), &v, sizeof(v));
	return (uint64_t)n;
}

/* Linux's bpf_get_current_task(_btf): the host's name for the current task. */
static uint64_t h_get_current_task(struct kbpf_run *run, uint64_t r1,
				   uint64_t r2, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	return h->current_task ? h->current_task(h) : 0;
}

/* Walk through the host: addresses, or -EFAULT when it cannot. */
static int64_t walk_stack(struct kbpf_run *run, bool user, uint64_t *ips,
			  uint32_t max)
{
	const struct kbpf_host *h = run->host;
	int n;

	if (!h->stack_walk)
		return -KBPF_EFAULT;
	n = h->stack_walk(h, run->prog->type, run->ctx, user, ips, max);
	if (n < 0)
		return -KBPF_EFAULT;
	return n > (int)max ? (int64_t)max : (int64_t)n;
}

/* Linux's bpf_get_stackid. */
static uint64_t h_get_stackid(struct kbpf_run *run, uint64_t ctx, uint64_t map,
			      uint64_t flags, uint64_t r4, uint64_t r5)
{
	uint64_t ips[KBPF_PERF_MAX_STACK];
	uint32_t skip = (uint32_t)(flags & BPF_F_SKIP_FIELD_MASK), depth;
	int64_t n;

	if (flags & ~(uint64_t)(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK |
				BPF_F_FAST_STACK_CMP | BPF_F_REUSE_STACKID))
		return (uint64_t)-KBPF_EINVAL;
	if (!kbpf_stackmap_is(MAP(map)))
		return (uint64_t)-KBPF_EINVAL;
	depth = kbpf_stackmap_depth(MAP(map)) + skip;
	if (depth > KBPF_PERF_MAX_STACK)
		depth = KBPF_PERF_MAX_STACK;
	n = walk_stack(run, flags & BPF_F_USER_STACK, ips, depth);
	if (n < 0)
		return (uint64_t)n;
	return (uint64_t)kbpf_stackmap_get_stackid(MAP(map), ips, (uint32_t)n,
						   flags);
}

/* Linux's bpf_get_stack: the trace into @buf, zero-padded; bytes copied. */
static uint64_t h_get_stack(struct kbpf_run *run, uint64_t ctx, uint64_t buf,
			    uint64_t size, uint64_t flags, uint64_t r5)
{
	uint64_t ips[KBPF_PERF_MAX_STACK];
	uint32_t skip = (uint32_t)(flags & BPF_F_SKIP_FIELD_MASK), num, depth,
		 nr, i;
	bool user = flags & BPF_F_USER_STACK;
	bool build_id = flags & BPF_F_USER_BUILD_ID;
	uint32_t elem = build_id ? (uint32_t)sizeof(struct bpf_stack_build_id) :
				   8;
	uint8_t *out = PTR(buf);
	int64_t n, err = -KBPF_EINVAL;

	if (flags & ~(uint64_t)(BPF_F_SKIP_FIELD_MASK | BPF_F_USER_STACK |
				BPF_F_USER_BUILD_ID))
		goto clear;
	if (!user && build_id)
		goto clear;
	if (size % elem)
		goto clear;
	num = (uint32_t)(size / elem);
	depth = num + skip;
	if (depth > KBPF_PERF_MAX_STACK || depth < num)
		depth = KBPF_PERF_MAX_STACK;
	n = walk_stack(run, user, ips, depth);
	err = -KBPF_EFAULT;
	if (n < 0 || (uint32_t)n < skip)
		goto clear;
	nr = (uint32_t)n - skip;
	if (nr > num)
		nr = num;
	if (build_id) {
		for (i = 0; i < nr; i++) {
			struct bpf_stack_build_id e;

			memset(&e, 0, sizeof(e));
			e.status = BPF_STACK_BUILD_ID_IP;
			e.ip = ips[skip + i];
			memcpy(out + (size_t)i * elem, &e, sizeof(e));
		}
	} else {
		memcpy(out, ips + skip, (size_t)nr * 8);
	}
	memset(out + (size_t)nr * elem, 0, size - (size_t)nr * elem);
	return (uint64_t)nr * elem;
clear:
	memset(out, 0, size);
	return (uint64_t)err;
}

/*
 * bpf_get_func_arg, bpf_get_func_ret, bpf_get_func_arg_cnt: fentry and
 * fexit programs (kbpf_helper_prog_ok()) see the traced function's
 * arguments as their context, u64 each, and fexit the return value after
 * them (kbpf_prog.attach_nargs counts it). Linux inlines them reading the
 * count its trampoline stores below the context; kbpf knows it from the
 * attach target's BTF prototype.
 */
static uint32_t func_nargs(const struct kbpf_prog *prog)
{
	bool ret = prog->expected_attach_type == BPF_TRACE_FEXIT ||
		   prog->expected_attach_type == BPF_MODIFY_RETURN;

	return prog->attach_nargs - (ret && prog->attach_nargs);
}

static uint64_t h_get_func_arg(struct kbpf_run *run, uint64_t ctx, uint64_t n,
			       uint64_t value, uint64_t a4, uint64_t a5)
{
	uint64_t v;

	(void)a4;
	(void)a5;
	/* Linux compares n's low 32 bits; all 64 here, never past the args. */
	if (n >= func_nargs(run->prog))
		return (uint64_t)(int64_t)-KBPF_EINVAL;
	kbpf_memcpy(&v, (const uint8_t *)PTR(ctx) + n * 8, 8);
	kbpf_memcpy(PTR(value), &v, 8);
	return 0;
}

static uint64_t h_get_func_ret(struct kbpf_run *run, uint64_t ctx,
			       uint64_t value, uint64_t a3, uint64_t a4,
			       uint64_t a5)
{
	const struct kbpf_prog *prog = run->prog;
	uint64_t v;

	(void)a3;
	(void)a4;
	(void)a5;
	if (prog->expected_attach_type != BPF_TRACE_FEXIT &&
	    prog->expected_attach_type != BPF_MODIFY_RETURN)
		return (uint64_t)(int64_t)-KBPF_EOPNOTSUPP;
	kbpf_memcpy(&v, (const uint8_t *)PTR(ctx) + func_nargs(prog) * 8, 8);
	kbpf_memcpy(PTR(value), &v, 8);
	return 0;
}

static uint64_t h_get_func_arg_cnt(struct kbpf_run *run, uint64_t ctx,
				   uint64_t a2, uint64_t a3, uint64_t a4,
				   uint64_t a5)
{
	(void)ctx;
	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	return func_nargs(run->prog);
}

/*
 * bpf_get_func_ip: the traced function's address the host gave for the
 * hook point (kbpf_raw_tp.func_ip) or the kprobe (kbpf_probe_desc.func_ip).
 */
static uint64_t h_get_func_ip(struct kbpf_run *run, uint64_t ctx, uint64_t a2,
			      uint64_t a3, uint64_t a4, uint64_t a5)
{
	(void)ctx;
	(void)a2;
	(void)a3;
	(void)a4;
	(void)a5;
	return run->func_ip;
}

int kbpf_helper_call_check(const struct kbpf_helper *fn,
			   const struct kbpf_prog *prog, struct kbpf_vlog *log)
{
	if (fn->fn != h_get_func_ip)
		return 0;
	/* Linux's check_get_func_ip() */
	if (prog->type == BPF_PROG_TYPE_TRACING &&
	    prog->expected_attach_type != BPF_TRACE_FENTRY &&
	    prog->expected_attach_type != BPF_TRACE_FEXIT &&
	    prog->expected_attach_type != BPF_MODIFY_RETURN) {
		kbpf_vlog_printf(
			log,
			"func bpf_get_func_ip#%d supported only for fentry/fexit/fmod_ret programs\n",
			BPF_FUNC_get_func_ip);
		return -KBPF_ENOTSUPP;
	}
	if (prog->type != BPF_PROG_TYPE_TRACING &&
	    prog->type != BPF_PROG_TYPE_KPROBE) {
		kbpf_vlog_printf(
			log,
			"func bpf_get_func_ip#%d not supported for program type %u\n",
			BPF_FUNC_get_func_ip, prog->type);
		return -KBPF_ENOTSUPP;
	}
	return 0;
}

/*
 * Linux 6.18's cgroup_common_func_proto(): bpf_get_retval and
 * bpf_set_retval for no hook whose return value nothing reads.
 */
static bool retval_attach_ok(uint32_t eat)
{
	switch (eat) {
	case BPF_CGROUP_INET_INGRESS:
	case BPF_CGROUP_INET_EGRESS:
	case BPF_CGROUP_SOCK_OPS:
	case BPF_CGROUP_UDP4_RECVMSG:
	case BPF_CGROUP_UDP6_RECVMSG:
	case BPF_CGROUP_UNIX_RECVMSG:
	case BPF_CGROUP_INET4_GETPEERNAME:
	case BPF_CGROUP_INET6_GETPEERNAME:
	case BPF_CGROUP_UNIX_GETPEERNAME:
	case BPF_CGROUP_INET4_GETSOCKNAME:
	case BPF_CGROUP_INET6_GETSOCKNAME:
	case BPF_CGROUP_UNIX_GETSOCKNAME:
		return false;
	default:
		return true;
	}
}

bool kbpf_helper_prog_ok(const struct kbpf_prog *prog, uint32_t id,
			 const struct kbpf_helper *fn)
{
	if (fn->prog_types && prog->type < 64 &&
	    !(fn->prog_types & (1ULL << prog->type)))
		return false;
	/* Linux's tracing_prog_func_proto(): trampolines only. */
	if ((fn->fn == h_get_func_arg || fn->fn == h_get_func_ret ||
	     fn->fn == h_get_func_arg_cnt) &&
	    prog->expected_attach_type != BPF_TRACE_FENTRY &&
	    prog->expected_attach_type != BPF_TRACE_FEXIT &&
	    prog->expected_attach_type != BPF_MODIFY_RETURN)
		return false;
	/* By number, whatever entry the program's table has there. */
	if ((id == BPF_FUNC_get_retval || id == BPF_FUNC_set_retval) &&
	    !retval_attach_ok(prog->expected_attach_type))
		return false;
	return true;
}

/* Linux's bpf_get_attach_cookie: the cookie of the attachment that runs. */
static uint64_t h_get_attach_cookie(struct kbpf_run *run, uint64_t ctx,
				    uint64_t r2, uint64_t r3, uint64_t r4,
				    uint64_t r5)
{
	return run->cookie;
}

static uint64_t h_get_current_pid_tgid(struct kbpf_run *run, uint64_t r1,
				       uint64_t r2, uint64_t r3, uint64_t r4,
				       uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint64_t pid_tgid, uid_gid;

	if (!h->current_ids || h->current_ids(h, &pid_tgid, &uid_gid))
		return (uint64_t)-KBPF_EINVAL;
	return pid_tgid;
}

static uint64_t h_get_current_uid_gid(struct kbpf_run *run, uint64_t r1,
				      uint64_t r2, uint64_t r3, uint64_t r4,
				      uint64_t r5)
{
	const struct kbpf_host *h = run->host;
	uint64_t pid_tgid, uid_gid;

	if (!h->current_ids || h->current_ids(h, &pid_tgid, &uid_gid))
		return (uint64_t)-KBPF_EINVAL;
	return uid_gid;
}

static uint64_t h_get_current_comm(struct kbpf_run *run, uint64_t buf,
				   uint64_t size, uint64_t r3, uint64_t r4,
				   uint64_t r5)
{
	const struct kbpf_host *h = run->host;

	if (!size)
		return 0;
	if (!h->current_comm || h->current_comm(h, PTR(buf), size)) {
		memset(PTR(buf), 0, size);
		return (uint64_t)-KBPF_EINVAL;
	}
	return 0;
}

/* Probe reads: dst zeroed on any error, as Linux. */
static uint64_t probe_read(struct kbpf_run *run, uint64_t dst, uint64_t size,
			   uint64_t src, bool user)
{
	const struct kbpf_host *h = run->host;
	int (*fn)(const struct kbpf_host *, void *, const void *, size_t) =
		user ? h->probe_read_user : h->probe_read_kernel;
	int err = fn ? fn(h, PTR(dst), PTR(src), size) : -KBPF_EFAULT;

	if (err)
		memset(PTR(dst), 0, size);
	return (uint64_t)(int64_t)err;
}

static uint64_t h_probe_read_kernel(struct kbpf_run *run, uint64_t dst,
				    uint64_t size, uint64_t src, uint64_t r4,
				    uint64_t r5)
{
	return probe_read(run, dst, size, src, false);
}

static uint64_t h_probe_read_user(struct kbpf_run *run, uint64_t dst,
				  uint64_t size, uint64_t src, uint64_t r4,
				  uint64_t r5)
{
	return probe_read(run, dst, size, src, true);
}

/*
 * The _str forms: copy up to the NUL; return bytes copied including it, or
 * size when no NUL came first (the last byte is then set to NUL).
 *
 * @wordpad: Linux's user-memory string copy works a word at a time when
 * source and destination are both 8-byte aligned, and stores the word that
 * holds the NUL whole, with the bytes after the NUL zeroed (measured on
 * x86-64): the bytes up to the next 8-byte boundary end up zero, if that
 * word fits in @size. The _user form and the compat form (which Linux
 * routes to it for user addresses) do the same.
 */
static uint64_t probe_read_str(struct kbpf_run *run, uint64_t dst,
			       uint64_t size, uint64_t src, bool user,
			       bool wordpad)
{
	const struct kbpf_host *h = run->host;
	int (*fn)(const struct kbpf_host *, void *, const void *, size_t) =
		user ? h->probe_read_user : h->probe_read_kernel;
	char *d = PTR(dst);
	uint64_t i;

	if (!size)
		return 0;
	for (i = 0; i < size; i++) {
		int err = fn ? fn(h, &d[i], PTR(src + i), 1) : -KBPF_EFAULT;

		if (err) {
			memset(d, 0, size);
			return (uint64_t)(int64_t)err;
		}
		if (!d[i]) {
			uint64_t word_end = (i & ~(uint64_t)7) + 8;

			if (wordpad && !((dst | src) & 7) && word_end <= size)
				memset(&d[i + 1], 0, word_end - i - 1);
			return i + 1;
		}
	}
	d[size - 1] = 0;
	return size;
}

static uint64_t h_probe_read_kernel_str(struct kbpf_run *run, uint64_t dst,
					uint64_t size, uint64_t src,
					uint64_t r4, uint64_t r5)
{
	return probe_read_str(run, dst, size, src, false, false);
}

static uint64_t h_probe_read_user_str(struct kbpf_run *run, uint64_t dst,
				      uint64_t size, uint64_t src, uint64_t r4,
				      uint64_t r5)
{
	return probe_read_str(run, dst, size, src, true, true);
}

/*
 * bpf_probe_read and bpf_probe_read_str, the forms from before the kernel
 * and user variants: Linux picks by address (below TASK_SIZE: user) on
 * architectures where the two spaces do not overlap; kbpf has no address
 * split to consult and asks the host's kernel probe, which on hosts with
 * one address space (and on the POSIX host) reads both.
 */
static uint64_t h_probe_read(struct kbpf_run *run, uint64_t dst, uint64_t size,
			     uint64_t src, uint64_t r4, uint64_t r5)
{
	return probe_read(run, dst, size, src, false);
}

static uint64_t h_probe_read_str(struct kbpf_run *run, uint64_t dst,
				 uint64_t size, uint64_t src, uint64_t r4,
				 uint64_t r5)
{
	return probe_read_str(run, dst, size, src, false, true);
}

static uint64_t h_strncmp(struct kbpf_run *run, uint64_t s1, uint64_t s1_sz,
			  uint64_t s2, uint64_t r4, uint64_t r5)
{
	const unsigned char *a = PTR(s1), *b = PTR(s2);
	uint64_t i;

	/* Linux compares at most s1_sz bytes; s2 is a NUL-terminated constant. */
	for (i = 0; i < s1_sz; i++) {
		if (a[i] != b[i])
			return a[i] < b[i] ? (uint64_t)-1 : 1;
		if (!a[i])
			return 0;
	}
	return 0;
}

/*
 * Linux's verifier ties these helpers to ring buffer maps; kbpf has no
 * verifier, so they check the type themselves (found by fuzzing).
 */
static bool is_ringbuf(uint64_t map)
{
	return MAP(map)->map_type == BPF_MAP_TYPE_RINGBUF;
}

static uint64_t h_ringbuf_output(struct kbpf_run *run, uint64_t map,
				 uint64_t data, uint64_t size, uint64_t flags,
				 uint64_t r5)
{
	if (!is_ringbuf(map))
		return (uint64_t)-KBPF_EINVAL;
	return (uint64_t)kbpf_ringbuf_output(MAP(map), PTR(data), size, flags);
}

/* A record the program leaked (checked mode): discard it. */
static void ringbuf_release(void *sample)
{
	kbpf_ringbuf_discard(sample, 0);
}

static uint64_t h_ringbuf_reserve(struct kbpf_run *run, uint64_t map,
				  uint64_t size, uint64_t flags, uint64_t r4,
				  uint64_t r5)
{
	void *rec;

	if (flags || !is_ringbuf(map))
		return 0;
	rec = kbpf_ringbuf_reserve(MAP(map), size);
	if (rec)
		kbpf_run_add_record(run, rec, size, ringbuf_release);
	return (uint64_t)(uintptr_t)rec;
}

static uint64_t h_ringbuf_submit(struct kbpf_run *run, uint64_t sample,
				 uint64_t flags, uint64_t r3, uint64_t r4,
				 uint64_t r5)
{
	if (kbpf_run_take_record(run, PTR(sample), ringbuf_release))
		kbpf_ringbuf_submit(PTR(sample), flags);
	return 0;
}

static uint64_t h_ringbuf_discard(struct kbpf_run *run, uint64_t sample,
				  uint64_t flags, uint64_t r3, uint64_t r4,
				  uint64_t r5)
{
	if (kbpf_run_take_record(run, PTR(sample), ringbuf_release))
		kbpf_ringbuf_discard(PTR(sample), flags);
	return 0;
}

static uint64_t h_ringbuf_query(struct kbpf_run *run, uint64_t map,
				uint64_t flags, uint64_t r3, uint64_t r4,
				uint64_t r5)
{
	return is_ringbuf(map) ? kbpf_ringbuf_query(MAP(map), flags) : 0;
}

/*
 * The tracing flavour (kprobe, tracepoint, raw tracepoint...): the program
 * runs on kernel registers, so samples say PERF_RECORD_MISC_KERNEL
 * (measured with raw tracepoints).
 */
static uint64_t h_perf_event_output(struct kbpf_run *run, uint64_t ctx,
				    uint64_t map, uint64_t flags, uint64_t data,
				    uint64_t size)
{
	if (kbpf_prog_type_is_packet(run->prog->type))
		return kbpf_helper_pkt_event_output(run, ctx, map, flags, data,
						    size);
	return (uint64_t)kbpf_perf_event_array_output(MAP(map), run->cpu, flags,
						      PTR(data), size,
						      PERF_RECORD_MISC_KERNEL);
}

/* Bit for each program type a helper is restricted to (0: any). */
#define TRACING_TYPES                                                          \
	((1ULL << BPF_PROG_TYPE_KPROBE) | (1ULL << BPF_PROG_TYPE_TRACEPOINT) | \
	 (1ULL << BPF_PROG_TYPE_PERF_EVENT) |                                  \
	 (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT) |                              \
	 (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE) |                     \
	 (1ULL << BPF_PROG_TYPE_TRACING) | (1ULL << BPF_PROG_TYPE_SYSCALL))

#define TC_TYPES \
	((1ULL << BPF_PROG_TYPE_SCHED_CLS) | (1ULL << BPF_PROG_TYPE_SCHED_ACT))
#define SKB_TYPES                                           \
	(TC_TYPES | (1ULL << BPF_PROG_TYPE_SOCKET_FILTER) | \
	 (1ULL << BPF_PROG_TYPE_CGROUP_SKB))
#define XDP_TYPES (1ULL << BPF_PROG_TYPE_XDP)

/*
 * Who may call the local storage helpers (measured on 6.18 by
 * test_local_storage_diff's storage_helper_availability_vs_kernel over
 * 13 program types): task and cgroup storage are base helpers (Linux's
 * CAP_BPF tier, test_priv_diff's helper scans); sk storage is for tc, cgroup skb and syscall programs
 * (and socket program types kbpf does not have); inode storage for LSM
 * programs only, which kbpf does not have either.
 */
#define STORAGE_TASK_TYPES 0
#define STORAGE_CGRP_TYPES 0
#define STORAGE_SK_TYPES                                 \
	(TC_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB) | \
	 (1ULL << BPF_PROG_TYPE_SYSCALL))
/*
 * Cgroup sock programs may get sk storage on their context but not
 * delete it; sock_addr and sockopt programs both (measured on 6.18 by
 * test_cgroup_sock_diff's cgroup_sock_helpers).
 */
#define CG_SOCK (1ULL << BPF_PROG_TYPE_CGROUP_SOCK)
#define CG_SOCK_ADDR (1ULL << BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
#define CG_SOCKOPT (1ULL << BPF_PROG_TYPE_CGROUP_SOCKOPT)
/* bpf_get_retval/bpf_set_retval: the cgroup hooks with a return value. */
#define CG_RETVAL_TYPES                          \
	(CG_SOCK | CG_SOCK_ADDR | CG_SOCKOPT |   \
	 (1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL) | \
	 (1ULL << BPF_PROG_TYPE_CGROUP_DEVICE))
/* bpf_get_local_storage: every cgroup program type. */
#define CG_LOCAL_STORAGE_TYPES                                  \
	(CG_RETVAL_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB) | \
	 (1ULL << BPF_PROG_TYPE_SOCK_OPS))
#define STORAGE_INODE_TYPES (1ULL << BPF_PROG_TYPE_LSM)
#define SK_PTR_TYPES (TC_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB))
#define SK_LOOKUP_TYPES (SK_PTR_TYPES | XDP_TYPES | CG_SOCK_ADDR)

/*
 * One table entry: id, implementation, result kind, GPL-only, program
 * types, argument kinds. The loader's privilege each needs is in
 * helper_priv below, one place for Linux's tiers.
 */
#define HELPER(id, fn_, ret_, gpl_, types_, ...)                \
	[BPF_FUNC_##id] = { .fn = fn_,                          \
			    .name = #id,                        \
			    .ret = ret_,                        \
			    .args = { __VA_ARGS__ },            \
			    .gpl_only = gpl_,                   \
			    .priv = HELPER_PRIV(BPF_FUNC_##id), \
			    .prog_types = types_ }

/*
 * Linux 6.18's bpf_base_func_proto() tiers (kernel/bpf/helpers.c),
 * measured with a socket filter loaded without CAP_BPF and XDP and tc
 * programs loaded without CAP_PERFMON: the map, ring buffer, time,
 * random, id and string helpers are for every loader; callbacks, dynptrs
 * and cgroup tests need bpf_capable(); what reads the kernel, names the
 * task or writes to the trace log needs perfmon_capable(). Helpers of one
 * program family (packets, tracing) need what loading such a program
 * already needed.
 */
#define HELPER_NEEDS_BPF(id)                                                  \
	((id) == BPF_FUNC_loop || (id) == BPF_FUNC_for_each_map_elem ||       \
	 (id) == BPF_FUNC_spin_lock || (id) == BPF_FUNC_spin_unlock ||        \
	 (id) == BPF_FUNC_timer_init || (id) == BPF_FUNC_timer_cancel ||      \
	 (id) == BPF_FUNC_timer_set_callback ||                               \
	 (id) == BPF_FUNC_timer_start || (id) == BPF_FUNC_kptr_xchg ||        \
	 (id) == BPF_FUNC_user_ringbuf_drain ||                               \
	 (id) == BPF_FUNC_ringbuf_reserve_dynptr ||                           \
	 (id) == BPF_FUNC_ringbuf_submit_dynptr ||                            \
	 (id) == BPF_FUNC_ringbuf_discard_dynptr ||                           \
	 (id) == BPF_FUNC_dynptr_from_mem || (id) == BPF_FUNC_dynptr_read ||  \
	 (id) == BPF_FUNC_dynptr_write || (id) == BPF_FUNC_dynptr_data ||     \
	 (id) == BPF_FUNC_current_task_under_cgroup ||                        \
	 (id) == BPF_FUNC_jiffies64 || (id) == BPF_FUNC_get_cgroup_classid || \
	 (id) == BPF_FUNC_get_current_cgroup_id ||                            \
	 (id) == BPF_FUNC_get_current_ancestor_cgroup_id ||                   \
	 (id) == BPF_FUNC_task_storage_get ||                                 \
	 (id) == BPF_FUNC_task_storage_delete ||                              \
	 (id) == BPF_FUNC_cgrp_storage_get ||                                 \
	 (id) == BPF_FUNC_cgrp_storage_delete)
#define HELPER_NEEDS_PERFMON(id)                                            \
	((id) == BPF_FUNC_trace_printk || (id) == BPF_FUNC_trace_vprintk || \
	 (id) == BPF_FUNC_snprintf || (id) == BPF_FUNC_get_current_task ||  \
	 (id) == BPF_FUNC_get_current_task_btf ||                           \
	 (id) == BPF_FUNC_probe_read_kernel ||                              \
	 (id) == BPF_FUNC_probe_read_user ||                                \
	 (id) == BPF_FUNC_probe_read_kernel_str ||                          \
	 (id) == BPF_FUNC_probe_read_user_str ||                            \
	 (id) == BPF_FUNC_get_current_comm)
#define HELPER_PRIV(id)                                                 \
	(HELPER_NEEDS_PERFMON(id) ? KBPF_PRIV_BPF | KBPF_PRIV_PERFMON : \
	 HELPER_NEEDS_BPF(id)	  ? KBPF_PRIV_BPF :                     \
				    0)

const struct kbpf_helper kbpf_default_helpers[KBPF_HELPER_COUNT] = {
	HELPER(map_lookup_elem, h_map_lookup_elem,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MAP_KEY),
	HELPER(map_update_elem, h_map_update_elem, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MAP_KEY,
	       KBPF_ARG_PTR_TO_MAP_VALUE, KBPF_ARG_ANYTHING),
	HELPER(map_delete_elem, h_map_delete_elem, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MAP_KEY),
	HELPER(map_push_elem, h_map_push_elem, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MAP_VALUE,
	       KBPF_ARG_ANYTHING),
	HELPER(map_pop_elem, h_map_pop_elem, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE),
	HELPER(map_peek_elem, h_map_peek_elem, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE),
	HELPER(map_lookup_percpu_elem, h_map_lookup_percpu_elem,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MAP_KEY,
	       KBPF_ARG_ANYTHING),
	HELPER(for_each_map_elem, h_for_each_map_elem, KBPF_RET_INTEGER, false,
	       0, KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_FUNC,
	       KBPF_ARG_PTR_TO_STACK_OR_NULL, KBPF_ARG_ANYTHING),
	HELPER(loop, h_loop, KBPF_RET_INTEGER, false, 0, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_FUNC, KBPF_ARG_PTR_TO_STACK_OR_NULL,
	       KBPF_ARG_ANYTHING),
	HELPER(ktime_get_ns, h_ktime_get_ns, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_NONE),
	HELPER(spin_lock, h_spin_lock, KBPF_RET_VOID, false, 0,
	       KBPF_ARG_PTR_TO_SPIN_LOCK),
	HELPER(spin_unlock, h_spin_unlock, KBPF_RET_VOID, false, 0,
	       KBPF_ARG_PTR_TO_SPIN_LOCK),
	/* bpf_timer (timer.c): GPL-only, for loaders with CAP_BPF. */
	HELPER(timer_init, kbpf_helper_timer_init, KBPF_RET_INTEGER, true, 0,
	       KBPF_ARG_PTR_TO_TIMER, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_ANYTHING),
	HELPER(timer_set_callback, kbpf_helper_timer_set_callback,
	       KBPF_RET_INTEGER, true, 0, KBPF_ARG_PTR_TO_TIMER,
	       KBPF_ARG_PTR_TO_FUNC),
	HELPER(timer_start, kbpf_helper_timer_start, KBPF_RET_INTEGER, true, 0,
	       KBPF_ARG_PTR_TO_TIMER, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(timer_cancel, kbpf_helper_timer_cancel, KBPF_RET_INTEGER, true,
	       0, KBPF_ARG_PTR_TO_TIMER),
	HELPER(ktime_get_boot_ns, h_ktime_get_boot_ns, KBPF_RET_INTEGER, false,
	       0, KBPF_ARG_NONE),
	/* kptrs of map values (src/verifier/kptr.c, src/maps/kptr.c). */
	HELPER(kptr_xchg, h_kptr_xchg, KBPF_RET_PTR_TO_BTF_ID_OR_NULL, false, 0,
	       KBPF_ARG_KPTR_XCHG_DEST, KBPF_ARG_PTR_TO_BTF_ID_OR_NULL_RELEASE),
	/*
	 * Not for tracing types nor cgroup device and sockopt programs:
	 * Linux leaves it out of their protos (measured: test_probe_diff,
	 * test_cgroup_types_diff, test_cgroup_sock_diff).
	 */
	HELPER(ktime_get_coarse_ns, h_ktime_get_coarse_ns, KBPF_RET_INTEGER,
	       false,
	       ~(TRACING_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_DEVICE) |
		 (1ULL << BPF_PROG_TYPE_CGROUP_SOCKOPT)),
	       KBPF_ARG_NONE),
	HELPER(ktime_get_tai_ns, h_ktime_get_tai_ns, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_NONE),
	HELPER(get_prandom_u32, h_get_prandom_u32, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_NONE),
	HELPER(get_smp_processor_id, h_get_smp_processor_id, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_NONE),
	HELPER(get_current_pid_tgid, h_get_current_pid_tgid, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_NONE),
	/* Every program type in 6.18 (measured). */
	HELPER(current_task_under_cgroup, h_current_task_under_cgroup,
	       KBPF_RET_INTEGER, false, 0, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_ANYTHING),
	/* Every program type in 6.18 (measured); GPL-only. */
	HELPER(get_current_task, h_get_current_task, KBPF_RET_INTEGER, true, 0,
	       KBPF_ARG_NONE),
	HELPER(get_current_task_btf, h_get_current_task, KBPF_RET_INTEGER, true,
	       0, KBPF_ARG_NONE),
	/*
	 * Local storage (storage.c). The owner is a BTF pointer in Linux;
	 * kbpf's verifier takes it as any value and the host checks it.
	 */
	HELPER(task_storage_get, kbpf_helper_task_storage_get,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, STORAGE_TASK_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR,
	       KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL, KBPF_ARG_ANYTHING),
	HELPER(task_storage_delete, kbpf_helper_task_storage_delete,
	       KBPF_RET_INTEGER, false, STORAGE_TASK_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR),
	HELPER(cgrp_storage_get, kbpf_helper_cgrp_storage_get,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, STORAGE_CGRP_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR,
	       KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL, KBPF_ARG_ANYTHING),
	HELPER(cgrp_storage_delete, kbpf_helper_cgrp_storage_delete,
	       KBPF_RET_INTEGER, false, STORAGE_CGRP_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR),
	/*
	 * Linux 6.18's cgroup_common_func_proto(): every cgroup program
	 * type (get/set_retval gated further by kbpf_helper_prog_ok()).
	 */
	HELPER(get_local_storage, kbpf_helper_get_local_storage,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, CG_LOCAL_STORAGE_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING),
	HELPER(get_retval, kbpf_helper_get_retval, KBPF_RET_INTEGER, false,
	       CG_RETVAL_TYPES, KBPF_ARG_NONE),
	HELPER(set_retval, kbpf_helper_set_retval, KBPF_RET_INTEGER, false,
	       CG_RETVAL_TYPES, KBPF_ARG_ANYTHING),
	HELPER(sk_storage_get, kbpf_helper_sk_storage_get,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false,
	       STORAGE_SK_TYPES | CG_SOCK | CG_SOCK_ADDR | CG_SOCKOPT,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR,
	       KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL, KBPF_ARG_ANYTHING),
	HELPER(sk_storage_delete, kbpf_helper_sk_storage_delete,
	       KBPF_RET_INTEGER, false,
	       STORAGE_SK_TYPES | CG_SOCK_ADDR | CG_SOCKOPT,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR),
	HELPER(inode_storage_get, kbpf_helper_inode_storage_get,
	       KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL, false, STORAGE_INODE_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR,
	       KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL, KBPF_ARG_ANYTHING),
	HELPER(inode_storage_delete, kbpf_helper_inode_storage_delete,
	       KBPF_RET_INTEGER, false, STORAGE_INODE_TYPES,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_UNSAFE_PTR),
	/* Tracing types and syscall programs (measured); GPL-only. */
	HELPER(get_stackid, h_get_stackid, KBPF_RET_INTEGER, true,
	       TRACING_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_ANYTHING),
	HELPER(get_stack, h_get_stack, KBPF_RET_INTEGER, true, TRACING_TYPES,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_ANYTHING),
	/* Measured on 6.18: kprobe, tracepoint, perf_event and raw tracepoint
	 * programs (and fentry-style tracing) may call it; others may not. */
	HELPER(get_attach_cookie, h_get_attach_cookie, KBPF_RET_INTEGER, false,
	       (1ULL << BPF_PROG_TYPE_KPROBE) |
		       (1ULL << BPF_PROG_TYPE_TRACEPOINT) |
		       (1ULL << BPF_PROG_TYPE_PERF_EVENT) |
		       (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT) |
		       (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE) |
		       (1ULL << BPF_PROG_TYPE_TRACING),
	       KBPF_ARG_PTR_TO_CTX),
	HELPER(get_current_uid_gid, h_get_current_uid_gid, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_NONE),
	/* Base helpers: every program type in 6.18 (measured); jiffies64 and
	 * the cgroup ones need CAP_BPF (HELPER_NEEDS_BPF). */
	HELPER(get_numa_node_id, h_get_numa_node_id, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_NONE),
	HELPER(jiffies64, h_jiffies64, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_NONE),
	HELPER(get_current_cgroup_id, h_get_current_cgroup_id, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_NONE),
	HELPER(get_current_ancestor_cgroup_id, h_get_current_ancestor_cgroup_id,
	       KBPF_RET_INTEGER, false, 0, KBPF_ARG_ANYTHING),
	HELPER(get_cgroup_classid, h_get_cgroup_classid, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_NONE),
	HELPER(get_ns_current_pid_tgid, h_get_ns_current_pid_tgid,
	       KBPF_RET_INTEGER, false, 0, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO),
	/*
	 * Tracing programs on a trampoline (fentry, fexit, fmod_ret): the
	 * attach type is checked by kbpf_helper_prog_ok().
	 */
	/*
	 * Every tracing family has the prototype (measured: tracepoint, raw
	 * tracepoint and perf event programs are refused by the verifier's
	 * check, -ENOTSUPP, not by a missing prototype); only kprobes and
	 * trampolines pass kbpf_helper_call_check().
	 */
	HELPER(get_func_ip, h_get_func_ip, KBPF_RET_INTEGER, true,
	       (1ULL << BPF_PROG_TYPE_KPROBE) |
		       (1ULL << BPF_PROG_TYPE_TRACEPOINT) |
		       (1ULL << BPF_PROG_TYPE_PERF_EVENT) |
		       (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT) |
		       (1ULL << BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE) |
		       (1ULL << BPF_PROG_TYPE_TRACING),
	       KBPF_ARG_PTR_TO_CTX),
	HELPER(get_func_arg, h_get_func_arg, KBPF_RET_INTEGER, true,
	       1ULL << BPF_PROG_TYPE_TRACING, KBPF_ARG_PTR_TO_CTX,
	       KBPF_ARG_ANYTHING, KBPF_ARG_PTR_TO_LONG),
	HELPER(get_func_ret, h_get_func_ret, KBPF_RET_INTEGER, true,
	       1ULL << BPF_PROG_TYPE_TRACING, KBPF_ARG_PTR_TO_CTX,
	       KBPF_ARG_PTR_TO_LONG),
	HELPER(get_func_arg_cnt, h_get_func_arg_cnt, KBPF_RET_INTEGER, true,
	       1ULL << BPF_PROG_TYPE_TRACING, KBPF_ARG_PTR_TO_CTX),
	HELPER(strtol, h_strtol, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_LONG),
	HELPER(strtoul, h_strtoul, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_LONG),
	/* Task helpers: every program type in 6.18 (measured). */
	HELPER(get_current_comm, h_get_current_comm, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE),
	/* Cgroup sysctl programs only (Linux's sysctl_func_proto). */
	HELPER(sysctl_get_name, kbpf_helper_sysctl_get_name, KBPF_RET_INTEGER,
	       false, 1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL, KBPF_ARG_PTR_TO_CTX,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE,
	       KBPF_ARG_ANYTHING),
	HELPER(sysctl_get_current_value, kbpf_helper_sysctl_get_current_value,
	       KBPF_RET_INTEGER, false, 1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE),
	HELPER(sysctl_get_new_value, kbpf_helper_sysctl_get_new_value,
	       KBPF_RET_INTEGER, false, 1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE),
	HELPER(sysctl_set_new_value, kbpf_helper_sysctl_set_new_value,
	       KBPF_RET_INTEGER, false, 1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE),
	/* The compat probe reads are tracing (and syscall) helpers (measured). */
	HELPER(probe_read, h_probe_read, KBPF_RET_INTEGER, true, TRACING_TYPES,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_UNSAFE_PTR),
	HELPER(probe_read_str, h_probe_read_str, KBPF_RET_INTEGER, true,
	       TRACING_TYPES, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_UNSAFE_PTR),
	/* Probe reads are base helpers: any type, for privileged loaders. */
	HELPER(probe_read_kernel, h_probe_read_kernel, KBPF_RET_INTEGER, true,
	       0, KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_UNSAFE_PTR),
	HELPER(probe_read_user, h_probe_read_user, KBPF_RET_INTEGER, true, 0,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_UNSAFE_PTR),
	HELPER(probe_read_kernel_str, h_probe_read_kernel_str, KBPF_RET_INTEGER,
	       true, 0, KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_UNSAFE_PTR),
	HELPER(probe_read_user_str, h_probe_read_user_str, KBPF_RET_INTEGER,
	       true, 0, KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_UNSAFE_PTR),
	HELPER(ringbuf_output, h_ringbuf_output, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_PTR_TO_MEM,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_ANYTHING),
	HELPER(ringbuf_reserve, h_ringbuf_reserve, KBPF_RET_PTR_TO_MEM_OR_NULL,
	       false, 0, KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(ringbuf_submit, h_ringbuf_submit, KBPF_RET_VOID, false, 0,
	       KBPF_ARG_PTR_TO_RINGBUF_MEM, KBPF_ARG_ANYTHING),
	HELPER(ringbuf_discard, h_ringbuf_discard, KBPF_RET_VOID, false, 0,
	       KBPF_ARG_PTR_TO_RINGBUF_MEM, KBPF_ARG_ANYTHING),
	HELPER(ringbuf_query, h_ringbuf_query, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING),
	HELPER(dynptr_from_mem, kbpf_helper_dynptr_from_mem, KBPF_RET_INTEGER,
	       false, 0, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_DYNPTR),
	HELPER(ringbuf_reserve_dynptr, kbpf_helper_ringbuf_reserve_dynptr,
	       KBPF_RET_INTEGER, false, 0, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING, KBPF_ARG_PTR_TO_DYNPTR),
	HELPER(ringbuf_submit_dynptr, kbpf_helper_ringbuf_submit_dynptr,
	       KBPF_RET_VOID, false, 0, KBPF_ARG_PTR_TO_DYNPTR,
	       KBPF_ARG_ANYTHING),
	HELPER(ringbuf_discard_dynptr, kbpf_helper_ringbuf_discard_dynptr,
	       KBPF_RET_VOID, false, 0, KBPF_ARG_PTR_TO_DYNPTR,
	       KBPF_ARG_ANYTHING),
	HELPER(dynptr_read, kbpf_helper_dynptr_read, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_PTR_TO_DYNPTR_RDONLY, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(dynptr_write, kbpf_helper_dynptr_write, KBPF_RET_INTEGER, false,
	       0, KBPF_ARG_PTR_TO_DYNPTR_RDONLY, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_ANYTHING),
	HELPER(dynptr_data, kbpf_helper_dynptr_data,
	       KBPF_RET_PTR_TO_MEM_OR_NULL, false, 0,
	       KBPF_ARG_PTR_TO_DYNPTR_RDONLY, KBPF_ARG_ANYTHING,
	       KBPF_ARG_CONST_SIZE_OR_ZERO),
	HELPER(user_ringbuf_drain, kbpf_helper_user_ringbuf_drain,
	       KBPF_RET_INTEGER, false, 0, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_PTR_TO_FUNC, KBPF_ARG_PTR_TO_STACK_OR_NULL,
	       KBPF_ARG_ANYTHING),
	HELPER(perf_event_output, h_perf_event_output, KBPF_RET_INTEGER, true,
	       TRACING_TYPES | SKB_TYPES | XDP_TYPES |
		       (1ULL << BPF_PROG_TYPE_CGROUP_DEVICE) |
		       (1ULL << BPF_PROG_TYPE_CGROUP_SYSCTL) | CG_SOCK |
		       CG_SOCK_ADDR | CG_SOCKOPT,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE_OR_ZERO),
	HELPER(tail_call, h_tail_call, KBPF_RET_VOID, false, 0,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING),
	/* perfmon-only in Linux; base helpers for every type, GPL-only. */
	HELPER(trace_printk, kbpf_helper_trace_printk, KBPF_RET_INTEGER, true,
	       0, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(trace_vprintk, kbpf_helper_trace_vprintk, KBPF_RET_INTEGER, true,
	       0, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE,
	       KBPF_ARG_PTR_TO_MEM_OR_NULL, KBPF_ARG_CONST_SIZE_OR_ZERO),
	HELPER(snprintf, kbpf_helper_snprintf, KBPF_RET_INTEGER, true, 0,
	       KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL, KBPF_ARG_CONST_SIZE_OR_ZERO,
	       KBPF_ARG_CONST_STR, KBPF_ARG_PTR_TO_MEM_OR_NULL,
	       KBPF_ARG_CONST_SIZE_OR_ZERO),
	HELPER(strncmp, h_strncmp, KBPF_RET_INTEGER, false, 0,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE, KBPF_ARG_CONST_STR),
	/* The packet's socket: skb programs, cgroup skb included; the
	 * socket of cgroup sock and sock_addr programs (measured). */
	HELPER(get_socket_cookie, kbpf_helper_get_socket_cookie,
	       KBPF_RET_INTEGER, false, SKB_TYPES | CG_SOCK | CG_SOCK_ADDR,
	       KBPF_ARG_PTR_TO_CTX),
	HELPER(get_socket_uid, kbpf_helper_get_socket_uid, KBPF_RET_INTEGER,
	       false, SKB_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(get_netns_cookie, kbpf_helper_get_netns_cookie, KBPF_RET_INTEGER,
	       false, SKB_TYPES | CG_SOCK | CG_SOCK_ADDR | CG_SOCKOPT,
	       KBPF_ARG_PTR_TO_CTX),
	/* Packet programs (packet.c). */
	HELPER(skb_load_bytes, kbpf_helper_skb_load_bytes, KBPF_RET_INTEGER,
	       false, SKB_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE),
	HELPER(skb_load_bytes_relative, kbpf_helper_skb_load_bytes_relative,
	       KBPF_RET_INTEGER, false, SKB_TYPES, KBPF_ARG_PTR_TO_CTX,
	       KBPF_ARG_ANYTHING, KBPF_ARG_PTR_TO_UNINIT_MEM,
	       KBPF_ARG_CONST_SIZE, KBPF_ARG_ANYTHING),
	HELPER(skb_store_bytes, kbpf_helper_skb_store_bytes, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE, KBPF_ARG_ANYTHING),
	HELPER(skb_pull_data, kbpf_helper_skb_pull_data, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(l3_csum_replace, kbpf_helper_l3_csum_replace, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(l4_csum_replace, kbpf_helper_l4_csum_replace, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(skb_cgroup_id, kbpf_helper_skb_cgroup_id, KBPF_RET_INTEGER,
	       false, TC_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB),
	       KBPF_ARG_PTR_TO_CTX),
	HELPER(skb_ancestor_cgroup_id, kbpf_helper_skb_ancestor_cgroup_id,
	       KBPF_RET_INTEGER, false,
	       TC_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB),
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(skb_under_cgroup, kbpf_helper_skb_under_cgroup, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_CONST_MAP_PTR,
	       KBPF_ARG_ANYTHING),
	HELPER(skb_change_tail, kbpf_helper_skb_change_tail, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(skb_change_head, kbpf_helper_skb_change_head, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(skb_change_proto, kbpf_helper_skb_change_proto, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(skb_adjust_room, kbpf_helper_skb_adjust_room, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	/* GPL-only in Linux; tc (bpf_skb_check_mtu) and XDP (bpf_xdp_). */
	HELPER(check_mtu, kbpf_helper_check_mtu, KBPF_RET_INTEGER, true,
	       TC_TYPES | XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_U32, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(skb_vlan_push, kbpf_helper_skb_vlan_push, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(skb_vlan_pop, kbpf_helper_skb_vlan_pop, KBPF_RET_INTEGER, false,
	       TC_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(skb_change_type, kbpf_helper_skb_change_type, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(skb_ecn_set_ce, kbpf_helper_skb_ecn_set_ce, KBPF_RET_INTEGER,
	       false, TC_TYPES | (1ULL << BPF_PROG_TYPE_CGROUP_SKB),
	       KBPF_ARG_PTR_TO_CTX),
	HELPER(get_route_realm, kbpf_helper_get_route_realm, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(csum_update, kbpf_helper_csum_update, KBPF_RET_INTEGER, false,
	       TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(csum_level, kbpf_helper_csum_level, KBPF_RET_INTEGER, false,
	       TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(get_hash_recalc, kbpf_helper_get_hash_recalc, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(set_hash_invalid, kbpf_helper_set_hash_invalid, KBPF_RET_INTEGER,
	       false, TC_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(set_hash, kbpf_helper_set_hash, KBPF_RET_INTEGER, false,
	       TC_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(csum_diff, kbpf_helper_csum_diff, KBPF_RET_INTEGER, false,
	       TC_TYPES | XDP_TYPES, KBPF_ARG_PTR_TO_MEM_OR_NULL,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_PTR_TO_MEM_OR_NULL,
	       KBPF_ARG_CONST_SIZE_OR_ZERO, KBPF_ARG_ANYTHING),
	HELPER(redirect, kbpf_helper_redirect, KBPF_RET_INTEGER, false,
	       TC_TYPES | XDP_TYPES, KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(redirect_map, kbpf_helper_redirect_map, KBPF_RET_INTEGER, false,
	       XDP_TYPES, KBPF_ARG_CONST_MAP_PTR, KBPF_ARG_ANYTHING,
	       KBPF_ARG_ANYTHING),
	HELPER(xdp_adjust_head, kbpf_helper_xdp_adjust_head, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(xdp_adjust_meta, kbpf_helper_xdp_adjust_meta, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(xdp_adjust_tail, kbpf_helper_xdp_adjust_tail, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING),
	HELPER(xdp_get_buff_len, kbpf_helper_xdp_get_buff_len, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX),
	HELPER(xdp_load_bytes, kbpf_helper_xdp_load_bytes, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_UNINIT_MEM, KBPF_ARG_CONST_SIZE),
	HELPER(xdp_store_bytes, kbpf_helper_xdp_store_bytes, KBPF_RET_INTEGER,
	       false, XDP_TYPES, KBPF_ARG_PTR_TO_CTX, KBPF_ARG_ANYTHING,
	       KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE),
	/*
	 * Socket lookups (src/net/sk_lookup.c). Who may call them, measured
	 * on 6.18 by loading a caller of each type: the lookups and the
	 * release tc, XDP, cgroup skb and sock_addr programs; sk_fullsock
	 * and tcp_sock tc and cgroup skb ones, tcp_sock sockopt ones too
	 * (test_cgroup_sock_diff's cgroup_sock_helpers per attach type);
	 * get_listener_sock tc and cgroup skb ones (test_sk_ctx_diff).
	 */
	HELPER(sk_lookup_tcp, kbpf_helper_sk_lookup_tcp,
	       KBPF_RET_PTR_TO_SOCKET_OR_NULL, false, SK_LOOKUP_TYPES,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(sk_lookup_udp, kbpf_helper_sk_lookup_udp,
	       KBPF_RET_PTR_TO_SOCKET_OR_NULL, false, SK_LOOKUP_TYPES,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(skc_lookup_tcp, kbpf_helper_skc_lookup_tcp,
	       KBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL, false, SK_LOOKUP_TYPES,
	       KBPF_ARG_PTR_TO_CTX, KBPF_ARG_PTR_TO_MEM, KBPF_ARG_CONST_SIZE,
	       KBPF_ARG_ANYTHING, KBPF_ARG_ANYTHING),
	HELPER(sk_release, kbpf_helper_sk_release, KBPF_RET_INTEGER, false,
	       SK_LOOKUP_TYPES, KBPF_ARG_PTR_TO_SOCK_RELEASE),
	HELPER(sk_fullsock, kbpf_helper_sk_fullsock,
	       KBPF_RET_PTR_TO_SOCKET_OR_NULL, false, SK_PTR_TYPES,
	       KBPF_ARG_PTR_TO_SOCK_COMMON),
	HELPER(tcp_sock, kbpf_helper_tcp_sock, KBPF_RET_PTR_TO_TCP_SOCK_OR_NULL,
	       false, SK_PTR_TYPES | CG_SOCKOPT, KBPF_ARG_PTR_TO_SOCK_COMMON),
	HELPER(get_listener_sock, kbpf_helper_get_listener_sock,
	       KBPF_RET_PTR_TO_SOCKET_OR_NULL, false, SK_PTR_TYPES,
	       KBPF_ARG_PTR_TO_SOCK_COMMON),
};

void kbpf_log_no_helper(struct kbpf_vlog *log, int32_t id)
{
	if (id >= 0 && id < KBPF_HELPER_COUNT)
		kbpf_vlog_printf(
			log, "program of this type cannot use helper %s#%d\n",
			kbpf_helper_name(id), id);
	else
		kbpf_vlog_printf(log, "invalid func unknown#%d\n", id);
}

const struct kbpf_helper *kbpf_helper_find(const struct kbpf_prog *prog,
					   uint32_t id)
{
	if (id >= prog->nr_helpers || !prog->helpers[id].fn)
		return NULL;
	return &prog->helpers[id];
}
