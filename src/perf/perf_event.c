// SPDX-License-Identifier: MIT
/*
 * Perf events for BPF output (Linux's kernel/events/core.c and
 * ring_buffer.c in behaviour, for PERF_TYPE_SOFTWARE events): attribute
 * rules of perf_event_open(2), the ring user space maps, the sample and
 * lost records, and the wake-up accounting.
 *
 * The ring (see include/kbpf/perf.h for the layout) is one host page for
 * struct perf_event_mmap_page and 2^n data pages, all vmapped in a row.
 * Records are byte-contiguous modulo the data size, as in Linux: a record
 * that reaches the end continues at the start, and readers copy it out.
 *
 * Protocol with the reader (who may run on another CPU):
 *
 *   writer                               reader
 *   load-acquire data_tail    (A)        load-acquire data_head   (C)
 *   store the record                     load the record
 *   store-release data_head   (B)        store-release data_tail  (D)
 *
 * A pairs with D: the writer reuses bytes only after the reader is done
 * with them. B pairs with C: the reader sees a record only once it is
 * written. A ring mapped read-only first is an overwriting ring (Linux's
 * choice): the writer then ignores data_tail.
 *
 * Locking: each event has one spinlock, taken with interrupts saved
 * through the host, around everything that touches its ring: a write, and
 * attaching or detaching the ring at mmap/munmap. Linux lets only the
 * event's CPU write (nested writers in interrupts publish through a nesting
 * count); kbpf also allows cpu == -1 events to take output from any CPU,
 * so it serialises writers with the lock. A program that interrupts a
 * writer on the same CPU (possible when the host has no irq_save) finds
 * the lock owned by its own CPU and gets -EBUSY instead of deadlocking.
 * The ring is detached and freed under the lock, so no writer can hold a
 * freed ring: no deferred reclamation is needed.
 *
 * Attached programs: a fire loads ev->prog lock-free and runs it. A
 * detached program is put at once when kbpf_host.defer_free exists
 * (programs are freed through it, after the fires). Without defer_free the
 * released perf link is parked on its event with its program reference
 * (ev->parked, under the lock) and freed when the event is, after the
 * host's probe close: then no fire can run it.
 */
#include "core/priv.h"
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/spinlock.h"
#include "kbpf/interp.h"
#include "kbpf/perf.h"
#include "core/object.h"
#include "core/prog.h"
#include "perf_internal.h"

/* Sample fields kbpf can write (all fixed-size, no registers needed). */
#define PERF_SAMPLE_KBPF                                                \
	(PERF_SAMPLE_IDENTIFIER | PERF_SAMPLE_IP | PERF_SAMPLE_TID |    \
	 PERF_SAMPLE_TIME | PERF_SAMPLE_ADDR | PERF_SAMPLE_ID |         \
	 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_PERIOD | \
	 PERF_SAMPLE_RAW)
/* Fields a non-sample record carries with sample_id_all. */
#define PERF_SAMPLE_ID_ALL                                     \
	(PERF_SAMPLE_TID | PERF_SAMPLE_TIME | PERF_SAMPLE_ID | \
	 PERF_SAMPLE_STREAM_ID | PERF_SAMPLE_CPU | PERF_SAMPLE_IDENTIFIER)
#define PERF_FLAG_ALL                                                         \
	(PERF_FLAG_FD_NO_GROUP | PERF_FLAG_FD_OUTPUT | PERF_FLAG_PID_CGROUP | \
	 PERF_FLAG_FD_CLOEXEC)
/* Linux's default kernel.perf_event_max_sample_rate. */
#ifndef KBPF_PERF_MAX_SAMPLE_RATE
#define KBPF_PERF_MAX_SAMPLE_RATE 100000u
#endif
#define NO_CPU 0xffffffffu
/* Clock ids use_clockid accepts (Linux's perf_event_set_clock). */
#define CLOCK_REALTIME_ID 0
#define CLOCK_MONOTONIC_ID 1
#define CLOCK_MONOTONIC_RAW_ID 4
#define CLOCK_BOOTTIME_ID 7
#define CLOCK_TAI_ID 11

struct perf_ring {
	uintptr_t *pages; /* control page, then the data pages */
	size_t nr_pages;
	uint8_t *base;
	struct perf_event_mmap_page *up;
	uint8_t *data;
	uint64_t size; /* data bytes, a power of two (0: control page only) */
	uint64_t head; /* next write position (data_head once published) */
	uint64_t wakeup; /* Linux's rb->wakeup: changes when readers are due */
	uint64_t watermark; /* bytes between byte-count wake-ups */
	uint32_t events; /* samples since the last wakeup_events wake-up */
	uint32_t poll; /* Linux's rb->poll: set by a wake-up, taken by poll */
	bool overwrite; /* first mapped read-only: ignore data_tail */
};

struct kbpf_perf_event {
	struct kbpf_obj obj;
	struct perf_event_attr attr;
	int32_t cpu;
	int32_t pid;
	uint64_t enabled_ns; /* mono_ns when last enabled */
	atomic_uint enabled;
	struct kbpf_spinlock lock;
	atomic_uint lock_cpu; /* CPU holding lock, or NO_CPU */
	/* Under lock: */
	struct perf_ring *rb;
	uint32_t mmap_count;
	_Atomic uint64_t lost; /* dropped since the last LOST record */
	uint16_t id_size; /* bytes of the sample_id_all trailer */
	/* Attached program (ioctl SET_BPF or a link), one reference; set and
	 * cleared under lock, read by fires with acquire. */
	struct kbpf_prog *prog;
	_Atomic uint64_t cookie; /* fires may read an old or a new one */
	struct perf_link *link; /* the link that attached prog, if any */
	/* Probe events only: */
	struct kbpf_probe_desc probe; /* kind KBPF_PROBE_NONE: software */
	char *name_buf; /* kernel copy of the kprobe function or uprobe path */
	size_t name_size;
	bool probe_open; /* the host's open succeeded: close on release */
	struct kbpf_rcu_head rcu; /* probe events are freed after fires */
	/* Host without defer_free: released links and their programs. */
	struct perf_link *parked;
};

struct perf_link {
	struct kbpf_obj obj;
	struct kbpf_perf_event *ev; /* one reference */
	struct kbpf_prog *prog; /* one reference, for link info */
	uint64_t cookie;
	struct perf_link *parked_next; /* on ev->parked, once released */
};

struct lost_record {
	struct perf_event_header header;
	uint64_t id;
	uint64_t lost;
};

_Static_assert(offsetof(struct perf_event_mmap_page, data_head) == 1024,
	       "perf_event_mmap_page layout");
_Static_assert(sizeof(struct perf_event_attr) == PERF_ATTR_SIZE_VER8,
	       "perf_event_attr is Linux 6.18's");

struct kbpf_perf_event *kbpf_perf_event_from_obj(struct kbpf_obj *obj)
{
	if (!obj || obj->type != KBPF_OBJ_PERF_EVENT)
		return NULL;
	return kbpf_container_of(obj, struct kbpf_perf_event, obj);
}

struct kbpf_obj *kbpf_perf_event_obj(struct kbpf_perf_event *ev)
{
	return &ev->obj;
}

const struct perf_event_attr *
kbpf_perf_event_attr(const struct kbpf_perf_event *ev)
{
	return &ev->attr;
}

int kbpf_perf_event_cpu(const struct kbpf_perf_event *ev)
{
	return ev->cpu;
}

uint64_t kbpf_perf_event_lost(struct kbpf_perf_event *ev)
{
	return atomic_load_explicit(&ev->lost, memory_order_relaxed);
}

static bool pe_is_bpf_output(const struct kbpf_perf_event *ev)
{
	return ev->attr.type == PERF_TYPE_SOFTWARE &&
	       ev->attr.config == PERF_COUNT_SW_BPF_OUTPUT;
}

/* ---- the event's lock ---- */

static int pe_lock(struct kbpf_perf_event *ev, uint32_t cpu,
		   unsigned long *flags)
{
	const struct kbpf_host *h = ev->obj.host;

	*flags = kbpf_irq_save(h);
	while (!kbpf_spin_trylock(&ev->lock)) {
		/* Held by this CPU: we interrupted the holder. */
		if (atomic_load_explicit(&ev->lock_cpu, memory_order_relaxed) ==
		    cpu) {
			kbpf_irq_restore(h, *flags);
			return -KBPF_EBUSY;
		}
		kbpf_cpu_relax();
	}
	atomic_store_explicit(&ev->lock_cpu, cpu, memory_order_relaxed);
	return 0;
}

static void pe_unlock(struct kbpf_perf_event *ev, unsigned long flags)
{
	atomic_store_explicit(&ev->lock_cpu, NO_CPU, memory_order_relaxed);
	kbpf_spin_unlock_irqrestore(ev->obj.host, &ev->lock, flags);
}

/* ---- attributes ---- */

static bool pe_clockid_ok(int32_t id)
{
	return id == CLOCK_REALTIME_ID || id == CLOCK_MONOTONIC_ID ||
	       id == CLOCK_MONOTONIC_RAW_ID || id == CLOCK_BOOTTIME_ID ||
	       id == CLOCK_TAI_ID;
}

/* Which of the host's probe PMUs claims @a, if any. */
static uint32_t pe_probe_kind(const struct kbpf_host *h,
			      const struct perf_event_attr *a)
{
	const struct kbpf_probe_pmus *p = h->probes;

	if (!p || !p->open || !p->close || a->type == PERF_TYPE_SOFTWARE)
		return KBPF_PROBE_NONE;
	if (p->kprobe_type && a->type == p->kprobe_type)
		return KBPF_PROBE_KPROBE;
	if (p->uprobe_type && a->type == p->uprobe_type)
		return KBPF_PROBE_UPROBE;
	if (p->tracepoints && a->type == PERF_TYPE_TRACEPOINT)
		return KBPF_PROBE_TRACEPOINT;
	return KBPF_PROBE_NONE;
}

/*
 * perf_event_open's checks that apply to software events, in Linux's
 * order: the copy-time checks (perf_copy_attr), the syscall's, then the
 * PMU's (measured: tests/unit/perf/test_perf_diff.c).
 */
static int pe_attr_check(const struct kbpf_host *h,
			 const struct perf_event_attr *a, int pid, int cpu,
			 unsigned long flags)
{
	if (a->__reserved_1 || a->__reserved_2 || a->aux_action)
		return -KBPF_EINVAL;
	if (a->sample_type & ~(uint64_t)(PERF_SAMPLE_MAX - 1))
		return -KBPF_EINVAL;
	if (a->read_format & ~(uint64_t)(PERF_FORMAT_MAX - 1))
		return -KBPF_EINVAL;
	/* perf_copy_attr(): a branch stack needs a branch filter. */
	if ((a->sample_type & PERF_SAMPLE_BRANCH_STACK) &&
	    ((a->branch_sample_type & ~(uint64_t)(PERF_SAMPLE_BRANCH_MAX - 1)) ||
	     !(a->branch_sample_type & ~(uint64_t)PERF_SAMPLE_BRANCH_PLM_ALL)))
		return -KBPF_EINVAL;
	if ((a->sample_type & PERF_SAMPLE_STACK_USER) &&
	    ((a->sample_stack_user & 7) || a->sample_stack_user >= 0xffff))
		return -KBPF_EINVAL;
	if (a->aux_sample_size && !(a->sample_type & PERF_SAMPLE_AUX))
		return -KBPF_EINVAL;
	if (a->sigtrap && !a->remove_on_exec)
		return -KBPF_EINVAL;
	if (a->inherit_thread && !a->inherit)
		return -KBPF_EINVAL;
	if (a->inherit && (a->sample_type & PERF_SAMPLE_READ))
		return -KBPF_EINVAL;
	if (flags & ~(unsigned long)PERF_FLAG_ALL)
		return -KBPF_EINVAL;
	if (a->freq) {
		if (a->sample_freq > KBPF_PERF_MAX_SAMPLE_RATE)
			return -KBPF_EINVAL;
	} else if (a->sample_period & (1ULL << 63)) {
		return -KBPF_EINVAL;
	}
	if (flags & PERF_FLAG_PID_CGROUP)
		return -KBPF_EBADF; /* kbpf has no cgroups: no fd is one */
	if (pid == -1 && cpu == -1)
		return -KBPF_EINVAL;
	if (cpu < -1 || (cpu >= 0 && (uint32_t)cpu >= h->nr_cpus))
		return -KBPF_EINVAL;
	if (pid < -1)
		return -KBPF_ESRCH;
	if (a->sigtrap && pid == -1)
		return -KBPF_EINVAL; /* signals go to a task */
	if (a->use_clockid && !pe_clockid_ok(a->clockid))
		return -KBPF_EINVAL;
	/* The host's probe PMUs decode their own config (pe_probe_init()). */
	if (pe_probe_kind(h, a) != KBPF_PROBE_NONE)
		return (a->sample_type & PERF_SAMPLE_BRANCH_STACK) ?
			       -KBPF_EOPNOTSUPP :
			       0;
	/* The software PMU: any other type is the host's. */
	if (a->type != PERF_TYPE_SOFTWARE || a->config >= PERF_COUNT_SW_MAX)
		return -KBPF_ENOENT;
	if ((a->sample_type & PERF_SAMPLE_BRANCH_STACK) || a->aux_output)
		return -KBPF_EOPNOTSUPP;
	/* What kbpf cannot produce (documented in perf.h). */
	if ((a->sample_type & ~(uint64_t)PERF_SAMPLE_KBPF) || a->write_backward)
		return -KBPF_EOPNOTSUPP;
	return 0;
}

static uint16_t pe_id_size(const struct perf_event_attr *a)
{
	uint64_t t = a->sample_type & PERF_SAMPLE_ID_ALL;
	uint16_t n = 0;

	if (!a->sample_id_all)
		return 0;
	while (t) {
		n += 8;
		t &= t - 1;
	}
	return n;
}

static void pe_release(struct kbpf_obj *obj);

/*
 * Linux's strndup_user(@uptr, @max) as perf_{k,u}probe_init use it: a
 * string of fewer than @max bytes, NUL included; longer gives -E2BIG
 * (their mapping of strndup_user's -EINVAL), unreadable -EFAULT.
 */
static int pe_probe_name(struct kbpf_perf_event *ev, uint64_t uptr, size_t max)
{
	const struct kbpf_host *h = ev->obj.host;
	char *tmp = kbpf_malloc(h, max, 0);
	long n;

	if (!tmp)
		return -KBPF_ENOMEM;
	n = kbpf_strncpy_from_user(h, tmp, kbpf_u64_to_ptr(uptr), max);
	if (n < 0 || (size_t)n >= max) {
		kbpf_free(h, tmp, max);
		return n < 0 ? -KBPF_EFAULT : -KBPF_E2BIG;
	}
	ev->name_buf = kbpf_malloc(h, (size_t)n + 1, 0);
	if (ev->name_buf) {
		memcpy(ev->name_buf, tmp, (size_t)n);
		ev->name_buf[n] = 0;
		ev->name_size = (size_t)n + 1;
	}
	kbpf_free(h, tmp, max);
	return ev->name_buf ? 0 : -KBPF_ENOMEM;
}

/* Decode a probe event's config as Linux's PMUs do, then ask the host. */
static int pe_probe_init(struct kbpf_perf_event *ev)
{
	const struct kbpf_host *h = ev->obj.host;
	const struct perf_event_attr *a = &ev->attr;
	struct kbpf_probe_desc *d = &ev->probe;
	int err;

	/*
	 * Linux's kprobe and uprobe PMUs: perfmon_capable() or -EACCES.
	 * Raw tracepoint samples: the same, with -EPERM (kbpf assumes
	 * perf_event_paranoid > -1, Linux's default 2).
	 */
	if ((d->kind == KBPF_PROBE_KPROBE || d->kind == KBPF_PROBE_UPROBE) &&
	    !kbpf_priv_has(h, KBPF_PRIV_PERFMON))
		return -KBPF_EACCES;
	if (d->kind == KBPF_PROBE_TRACEPOINT &&
	    (a->sample_type & PERF_SAMPLE_RAW) &&
	    !kbpf_priv_has(h, KBPF_PRIV_PERFMON))
		return -KBPF_EPERM;
	switch (d->kind) {
	case KBPF_PROBE_KPROBE:
		d->retprobe = a->config & 1;
		if (a->config1) {
			err = pe_probe_name(ev, a->config1, KBPF_KSYM_NAME_LEN);
			if (err)
				return err;
			if (ev->name_buf[0])
				d->name = ev->name_buf;
		}
		if (d->name)
			d->offset = a->config2;
		else
			d->addr = a->config2;
		/* Linux's kprobe_addr(): a symbol or an address, not neither. */
		if (!d->name && !d->addr)
			return -KBPF_EINVAL;
		break;
	case KBPF_PROBE_UPROBE:
		d->retprobe = a->config & 1;
		d->ref_ctr_offset = a->config >> 32;
		if (!a->config1)
			return -KBPF_EINVAL;
		err = pe_probe_name(ev, a->config1, KBPF_PROBE_PATH_MAX);
		if (err)
			return err;
		d->name = ev->name_buf;
		d->offset = a->config2;
		break;
	default:
		d->tp_id = a->config;
		break;
	}
	err = h->probes->open(h, ev, d);
	if (err)
		return err < 0 ? err : -KBPF_EINVAL;
	ev->probe_open = true;
	return 0;
}

int kbpf_perf_event_create(const struct kbpf_host *h,
			   const struct perf_event_attr *attr, int pid, int cpu,
			   unsigned long flags, struct kbpf_perf_event **out)
{
	struct kbpf_perf_event *ev;
	int err = pe_attr_check(h, attr, pid, cpu, flags);

	if (err)
		return err;
	ev = kbpf_zalloc(h, sizeof(*ev), 0);
	if (!ev)
		return -KBPF_ENOMEM;
	kbpf_obj_init(&ev->obj, h, KBPF_OBJ_PERF_EVENT, pe_release);
	ev->attr = *attr;
	ev->attr.size = sizeof(ev->attr);
	ev->cpu = cpu;
	ev->pid = pid;
	ev->id_size = pe_id_size(attr);
	kbpf_spin_init(&ev->lock);
	atomic_init(&ev->lock_cpu, NO_CPU);
	atomic_init(&ev->lost, 0);
	/* enable_on_exec waits for an exec kbpf never sees: stays disabled. */
	atomic_init(&ev->enabled, !attr->disabled);
	ev->enabled_ns = h->mono_ns(h);
	err = kbpf_obj_id_alloc(&ev->obj);
	if (err) {
		kbpf_free(h, ev, sizeof(*ev));
		return err;
	}
	ev->probe.kind = pe_probe_kind(h, attr);
	ev->probe.pid = pid;
	ev->probe.cpu = cpu;
	if (ev->probe.kind != KBPF_PROBE_NONE) {
		err = pe_probe_init(ev);
		if (err) {
			pe_release(&ev->obj);
			return err;
		}
	}
	*out = ev;
	return 0;
}

long kbpf_sys_perf_event_open(const struct kbpf_host *h, void *uattr, int pid,
			      int cpu, int group_fd, unsigned long flags)
{
	const size_t size_off = offsetof(struct perf_event_attr, size);
	struct perf_event_attr attr;
	struct kbpf_perf_event *ev;
	uint32_t size, ksize = sizeof(attr);
	long err;

	err = kbpf_copy_from_user(h, &size, (char *)uattr + size_off,
				  sizeof(size));
	if (err)
		return err;
	if (!size)
		size = PERF_ATTR_SIZE_VER0;
	if (size < PERF_ATTR_SIZE_VER0 || size > KBPF_PAGE_SIZE)
		goto e2big;
	err = kbpf_check_tail_zero(h, uattr, sizeof(attr), size);
	if (err == -KBPF_E2BIG)
		goto e2big;
	if (err)
		return err;
	memset(&attr, 0, sizeof(attr));
	err = kbpf_copy_from_user(h, &attr, uattr, kbpf_min(size, ksize));
	if (err)
		return err;
	if (group_fd != -1) {
		struct kbpf_obj *g;

		/* Not open, or not a perf event: -EBADF, as Linux. */
		if (!h->fd_get || h->fd_get(h, group_fd, &g, NULL))
			return -KBPF_EBADF;
		err = kbpf_perf_event_from_obj(g) ? 0 : -KBPF_EBADF;
		kbpf_obj_put(g);
		if (err)
			return err;
	}
	err = kbpf_perf_event_create(h, &attr, pid, cpu, flags, &ev);
	if (err)
		return err;
	err = kbpf_obj_fd_install(h, &ev->obj, KBPF_FD_READ | KBPF_FD_WRITE);
	if (err < 0)
		kbpf_perf_event_put(ev);
	return err;

e2big:
	/* Linux tells the caller the size it knows. */
	if (kbpf_copy_to_user(h, (char *)uattr + size_off, &ksize,
			      sizeof(ksize)))
		return -KBPF_EFAULT;
	return -KBPF_E2BIG;
}

/* ---- the ring ---- */

static void ring_free(const struct kbpf_host *h, struct perf_ring *rb)
{
	h->vunmap(h, rb->base, rb->nr_pages);
	h->free_pages(h, rb->pages, rb->nr_pages);
	kbpf_free(h, rb->pages, rb->nr_pages * sizeof(*rb->pages));
	kbpf_free(h, rb, sizeof(*rb));
}

/* Linux's perf_event_init_userpage() and one update of the counters. */
static void ring_init_userpage(struct kbpf_perf_event *ev, struct perf_ring *rb)
{
	const struct kbpf_host *h = ev->obj.host;
	struct perf_event_mmap_page *up = rb->up;
	uint64_t t = h->mono_ns(h) - ev->enabled_ns;

	up->cap_bit0_is_deprecated = 1;
	up->size = offsetof(struct perf_event_mmap_page, __reserved);
	up->data_offset = KBPF_PAGE_SIZE;
	up->data_size = rb->size;
	/* The self-monitoring fields, under their seqcount, as one update. */
	up->lock = 1;
	up->time_enabled = atomic_load(&ev->enabled) ? t : 0;
	up->time_running = up->time_enabled;
	up->lock = 2;
}

static int ring_alloc(struct kbpf_perf_event *ev, size_t nr_pages,
		      bool writable, struct perf_ring **out)
{
	const struct kbpf_host *h = ev->obj.host;
	struct perf_ring *rb;
	uint64_t wm;

	rb = kbpf_zalloc(h, sizeof(*rb), 0);
	if (!rb)
		return -KBPF_ENOMEM;
	rb->nr_pages = nr_pages;
	rb->pages = kbpf_malloc(h, nr_pages * sizeof(*rb->pages), 0);
	if (!rb->pages)
		goto free_rb;
	if (h->alloc_pages(h, nr_pages, rb->pages))
		goto free_list;
	rb->base = h->vmap(h, rb->pages, nr_pages);
	if (!rb->base)
		goto free_pages;
	rb->up = (struct perf_event_mmap_page *)rb->base;
	rb->data = rb->base + KBPF_PAGE_SIZE;
	rb->size = (uint64_t)(nr_pages - 1) * KBPF_PAGE_SIZE;
	rb->overwrite = !writable;
	/* Linux's ring_buffer_init(): the watermark, or half the ring. */
	wm = ev->attr.watermark ? ev->attr.wakeup_watermark : 0;
	rb->watermark = wm ? kbpf_min(wm, rb->size) : rb->size / 2;
	ring_init_userpage(ev, rb);
	*out = rb;
	return 0;

free_pages:
	h->free_pages(h, rb->pages, nr_pages);
free_list:
	kbpf_free(h, rb->pages, nr_pages * sizeof(*rb->pages));
free_rb:
	kbpf_free(h, rb, sizeof(*rb));
	return -KBPF_ENOMEM;
}

int kbpf_perf_event_mmap(struct kbpf_perf_event *ev, uint64_t pgoff,
			 size_t nr_pages, bool writable,
			 const uintptr_t **pages, size_t *nr)
{
	const struct kbpf_host *h = ev->obj.host;
	struct perf_ring *rb = NULL, *spare = NULL;
	unsigned long flags;
	int err;

	/* Offset 0 is the ring; others would be the AUX area kbpf lacks. */
	if (pgoff || !nr_pages || (nr_pages - 1 && !kbpf_is_pow2(nr_pages - 1)))
		return -KBPF_EINVAL;
	if (!h->alloc_pages || !h->vmap)
		return -KBPF_EOPNOTSUPP;
	for (;;) {
		err = pe_lock(ev, kbpf_this_cpu(h), &flags);
		if (err)
			return err;
		if (ev->rb || spare) {
			if (!ev->rb) {
				ev->rb = spare; /* ours wins the race */
				spare = NULL;
			}
			rb = ev->rb;
			err = rb->nr_pages == nr_pages ? 0 : -KBPF_EINVAL;
			if (!err)
				ev->mmap_count++;
			pe_unlock(ev, flags);
			break;
		}
		pe_unlock(ev, flags);
		/* Allocate unlocked (may sleep), then retry. */
		err = ring_alloc(ev, nr_pages, writable, &spare);
		if (err)
			return err;
	}
	if (spare)
		ring_free(h, spare);
	if (err)
		return err;
	*pages = rb->pages;
	*nr = rb->nr_pages;
	return 0;
}

void kbpf_perf_event_munmap(struct kbpf_perf_event *ev)
{
	const struct kbpf_host *h = ev->obj.host;
	struct perf_ring *old = NULL;
	unsigned long flags;

	/* The syscall path cannot be re-entered on its CPU: this succeeds. */
	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (ev->mmap_count && !--ev->mmap_count) {
		old = ev->rb;
		ev->rb = NULL;
	}
	pe_unlock(ev, flags);
	/* No writer can hold it: writers use the ring under the lock only. */
	if (old)
		ring_free(h, old);
}

static void pe_free_rcu(struct kbpf_rcu_head *head)
{
	struct kbpf_perf_event *ev =
		kbpf_container_of(head, struct kbpf_perf_event, rcu);

	kbpf_free(ev->obj.host, ev, sizeof(*ev));
}

static void pe_release(struct kbpf_obj *obj)
{
	struct kbpf_perf_event *ev = kbpf_perf_event_from_obj(obj);
	const struct kbpf_host *h = obj->host;

	if (ev->probe_open)
		h->probes->close(h, ev, &ev->probe);
	/* Links hold references: only an ioctl-attached program is left.
	 * Programs are freed through defer_free, so a fire still running it
	 * is safe; without defer_free the close above ended the fires. */
	if (ev->prog)
		kbpf_prog_put(ev->prog);
	while (ev->parked) {
		struct perf_link *link = ev->parked;

		ev->parked = link->parked_next;
		kbpf_prog_put(link->prog);
		kbpf_free(h, link, sizeof(*link));
	}
	if (ev->name_buf)
		kbpf_free(h, ev->name_buf, ev->name_size);
	/* Mappings hold references: none is left. */
	if (ev->rb)
		ring_free(h, ev->rb);
	kbpf_obj_id_release(obj);
	if (ev->probe_open && h->defer_free) {
		ev->rcu.func = pe_free_rcu;
		h->defer_free(h, &ev->rcu);
		return;
	}
	kbpf_free(h, ev, sizeof(*ev));
}

/* ---- programs on events ---- */

const struct kbpf_probe_desc *
kbpf_perf_event_probe(const struct kbpf_perf_event *ev)
{
	return ev->probe.kind == KBPF_PROBE_NONE ? NULL : &ev->probe;
}

/*
 * A kprobe program loaded for a multi-probe or session link runs with that
 * link's context (cookies, function addresses): Linux 6.18.44 refuses to
 * attach it to a single probe event with SET_BPF (earlier 6.18 kernels
 * attached it). Perf links refuse it before this, by attach type.
 */
static bool pe_multi_attach(uint32_t expected_attach_type)
{
	switch (expected_attach_type) {
	case BPF_TRACE_KPROBE_MULTI:
	case BPF_TRACE_UPROBE_MULTI:
	case BPF_TRACE_KPROBE_SESSION:
	case BPF_TRACE_UPROBE_SESSION:
		return true;
	default:
		return false;
	}
}

/* Linux's perf_event_set_bpf_prog() checks, in its order. */
static int pe_prog_ok(const struct kbpf_perf_event *ev,
		      const struct kbpf_prog *prog)
{
	switch (ev->probe.kind) {
	case KBPF_PROBE_KPROBE:
	case KBPF_PROBE_UPROBE:
		if (prog->type != BPF_PROG_TYPE_KPROBE)
			return -KBPF_EINVAL;
		return pe_multi_attach(prog->expected_attach_type) ?
			       -KBPF_EINVAL :
			       0;
	case KBPF_PROBE_TRACEPOINT:
		return prog->type == BPF_PROG_TYPE_TRACEPOINT ? 0 :
								-KBPF_EINVAL;
	default:
		return prog->type == BPF_PROG_TYPE_PERF_EVENT ? 0 :
								-KBPF_EINVAL;
	}
}

static int pe_attach(struct kbpf_perf_event *ev, struct kbpf_prog *prog,
		     uint64_t cookie, struct perf_link *link)
{
	const struct kbpf_host *h = ev->obj.host;
	unsigned long flags;
	int err = pe_prog_ok(ev, prog);

	if (err)
		return err;
	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (ev->prog) {
		err = -KBPF_EEXIST;
	} else {
		kbpf_prog_get(prog);
		atomic_store_explicit(&ev->cookie, cookie,
				      memory_order_relaxed);
		ev->link = link;
		kbpf_store_release_ptr(&ev->prog, prog);
	}
	pe_unlock(ev, flags);
	return err;
}

int kbpf_perf_event_set_bpf(struct kbpf_perf_event *ev, struct kbpf_prog *prog,
			    uint64_t cookie)
{
	return pe_attach(ev, prog, cookie, NULL);
}

int kbpf_perf_probe_fire(struct kbpf_perf_event *ev, void *ctx, size_t ctx_size,
			 uint32_t *verdict)
{
	const struct kbpf_host *h = ev->obj.host;
	const struct kbpf_probe_pmus *p = h->probes;
	struct kbpf_prog *prog;
	unsigned long st = 0;
	uint64_t r0 = 0;
	int err = 0;

	if (h->read_lock)
		st = h->read_lock(h);
	/* Pairs with the release in pe_attach(). */
	prog = kbpf_load_acquire_ptr(&ev->prog);
	*verdict = 1;
	if (prog) {
		struct kbpf_interp_args a = {
			.ctx = ctx,
			.ctx_size = ctx_size,
			.mode = (p && p->trusted) ? KBPF_INTERP_FAST :
						    KBPF_INTERP_CHECKED,
			.cpu = kbpf_this_cpu(h),
			.cookie = atomic_load_explicit(&ev->cookie,
						       memory_order_relaxed),
			.func_ip = ev->probe.kind == KBPF_PROBE_KPROBE ?
					   ev->probe.func_ip :
					   0,
		};

		err = kbpf_interp_run(prog, h, &a, &r0);
		*verdict = err ? 0 : (uint32_t)r0;
	}
	if (h->read_unlock)
		h->read_unlock(h, st);
	return err;
}

/* ---- perf links (BPF_LINK_CREATE, attach type BPF_PERF_EVENT) ---- */

static void perf_link_release(struct kbpf_obj *obj)
{
	struct perf_link *link = kbpf_container_of(obj, struct perf_link, obj);
	struct kbpf_perf_event *ev = link->ev;
	const struct kbpf_host *h = obj->host;
	struct kbpf_prog *prog = NULL;
	unsigned long flags;

	kbpf_obj_id_release(obj);
	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (ev->link == link) {
		prog = ev->prog;
		kbpf_store_release_ptr(&ev->prog, NULL);
		ev->link = NULL;
	}
	/*
	 * Programs are freed through defer_free: a running fire is safe.
	 * Without it a fire may still run the program: the link keeps its
	 * reference, parked on the event until pe_release().
	 */
	if (!h->defer_free) {
		link->parked_next = ev->parked;
		ev->parked = link;
	}
	pe_unlock(ev, flags);
	if (prog)
		kbpf_prog_put(prog); /* not the last: link->prog holds it */
	if (h->defer_free) {
		kbpf_prog_put(link->prog);
		kbpf_free(h, link, sizeof(*link));
	}
	kbpf_perf_event_put(ev);
}

bool kbpf_perf_link_is(const struct kbpf_obj *obj)
{
	return obj->type == KBPF_OBJ_LINK && obj->release == perf_link_release;
}

int kbpf_perf_link_attach(struct kbpf_perf_event *ev, struct kbpf_prog *prog,
			  uint64_t cookie, struct kbpf_obj **out)
{
	const struct kbpf_host *h = ev->obj.host;
	struct perf_link *link;
	int err;

	link = kbpf_zalloc(h, sizeof(*link), 0);
	if (!link)
		return -KBPF_ENOMEM;
	kbpf_obj_init(&link->obj, h, KBPF_OBJ_LINK, perf_link_release);
	link->ev = ev;
	link->prog = prog;
	link->cookie = cookie;
	err = kbpf_obj_id_alloc(&link->obj);
	if (!err) {
		err = pe_attach(ev, prog, cookie, link);
		if (err)
			kbpf_obj_id_release(&link->obj);
	}
	if (err) {
		kbpf_free(h, link, sizeof(*link));
		return err;
	}
	kbpf_perf_event_get(ev);
	kbpf_prog_get(prog);
	*out = &link->obj;
	return 0;
}

/* bpf_copy_to_user() of Linux's link info: -ENOSPC with a cut string. */
static int pe_copy_name(const struct kbpf_host *h, uint64_t ubuf,
			uint32_t *ulen, const char *name)
{
	uint32_t cap = *ulen;
	size_t len = 0;
	const char nul = 0;

	if (!cap != !ubuf)
		return -KBPF_EINVAL;
	while (name && name[len])
		len++;
	*ulen = (uint32_t)len + 1;
	if (!ubuf)
		return 0;
	if (cap >= len + 1)
		return kbpf_copy_to_user(h, kbpf_u64_to_ptr(ubuf),
					 name ? name : &nul, len + 1) ?
			       -KBPF_EFAULT :
			       0;
	if (kbpf_copy_to_user(h, kbpf_u64_to_ptr(ubuf), name, cap - 1) ||
	    kbpf_copy_to_user(h, (char *)kbpf_u64_to_ptr(ubuf) + cap - 1, &nul,
			      1))
		return -KBPF_EFAULT;
	return -KBPF_ENOSPC;
}

int kbpf_perf_link_fill_info(const struct kbpf_host *h, struct kbpf_obj *obj,
			     struct bpf_link_info *info)
{
	struct perf_link *link = kbpf_container_of(obj, struct perf_link, obj);
	const struct kbpf_perf_event *ev = link->ev;
	const struct kbpf_probe_desc *d = &ev->probe;

	info->type = BPF_LINK_TYPE_PERF_EVENT;
	info->id = obj->id;
	info->prog_id = link->prog->obj.id;
	switch (d->kind) {
	case KBPF_PROBE_UPROBE:
		info->perf_event.type = d->retprobe ? BPF_PERF_EVENT_URETPROBE :
						      BPF_PERF_EVENT_UPROBE;
		info->perf_event.uprobe.offset = (uint32_t)d->offset;
		info->perf_event.uprobe.ref_ctr_offset = d->ref_ctr_offset;
		info->perf_event.uprobe.cookie = link->cookie;
		return pe_copy_name(h, info->perf_event.uprobe.file_name,
				    &info->perf_event.uprobe.name_len, d->name);
	case KBPF_PROBE_KPROBE:
		info->perf_event.type = d->retprobe ? BPF_PERF_EVENT_KRETPROBE :
						      BPF_PERF_EVENT_KPROBE;
		info->perf_event.kprobe.offset = (uint32_t)d->offset;
		info->perf_event.kprobe.addr = d->addr;
		info->perf_event.kprobe.cookie = link->cookie;
		return pe_copy_name(h, info->perf_event.kprobe.func_name,
				    &info->perf_event.kprobe.name_len, d->name);
	case KBPF_PROBE_TRACEPOINT:
		info->perf_event.type = BPF_PERF_EVENT_TRACEPOINT;
		info->perf_event.tracepoint.cookie = link->cookie;
		return pe_copy_name(h, info->perf_event.tracepoint.tp_name,
				    &info->perf_event.tracepoint.name_len,
				    d->name);
	default:
		info->perf_event.type = BPF_PERF_EVENT_EVENT;
		info->perf_event.event.config = ev->attr.config;
		info->perf_event.event.type = ev->attr.type;
		info->perf_event.event.cookie = link->cookie;
		return 0;
	}
}

int kbpf_perf_event_query(struct kbpf_perf_event *ev, struct kbpf_perf_query *q)
{
	const struct kbpf_host *h = ev->obj.host;
	const struct kbpf_probe_desc *d = &ev->probe;
	unsigned long flags;
	int err = 0;

	memset(q, 0, sizeof(*q));
	/* Under the lock: a detaching link may drop the program. */
	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (!ev->prog)
		err = -KBPF_ENOENT;
	else if (ev->prog->type == BPF_PROG_TYPE_PERF_EVENT)
		err = -KBPF_EOPNOTSUPP;
	else
		q->prog_id = ev->prog->obj.id;
	pe_unlock(ev, flags);
	if (err)
		return err;
	switch (d->kind) {
	case KBPF_PROBE_TRACEPOINT:
		q->fd_type = BPF_FD_TYPE_TRACEPOINT;
		q->buf = d->name;
		return 0;
	case KBPF_PROBE_KPROBE:
		/*
		 * Linux reports the address it resolved a symbol to (to
		 * callers who may see kernel addresses); the host resolved
		 * it here, so kbpf knows only an address it was given.
		 */
		q->fd_type = d->retprobe ? BPF_FD_TYPE_KRETPROBE :
					   BPF_FD_TYPE_KPROBE;
		q->buf = d->name;
		q->probe_offset = d->offset;
		q->probe_addr = d->addr;
		return 0;
	case KBPF_PROBE_UPROBE:
		q->fd_type = d->retprobe ? BPF_FD_TYPE_URETPROBE :
					   BPF_FD_TYPE_UPROBE;
		q->buf = d->name;
		q->probe_offset = d->offset;
		return 0;
	default:
		return -KBPF_EOPNOTSUPP;
	}
}

long kbpf_perf_event_ioctl(struct kbpf_perf_event *ev, unsigned int cmd,
			   unsigned long arg)
{
	const struct kbpf_host *h = ev->obj.host;
	uint64_t id = ev->obj.id;

	switch (cmd) {
	case PERF_EVENT_IOC_ENABLE:
		if (!atomic_exchange(&ev->enabled, 1))
			ev->enabled_ns = h->mono_ns(h);
		return 0;
	case PERF_EVENT_IOC_DISABLE:
		atomic_store(&ev->enabled, 0);
		return 0;
	case PERF_EVENT_IOC_RESET:
		return 0; /* BPF output events count nothing */
	case PERF_EVENT_IOC_ID:
		return kbpf_copy_to_user(h, (void *)(uintptr_t)arg, &id,
					 sizeof(id));
	case PERF_EVENT_IOC_SET_BPF: {
		struct kbpf_obj *obj;
		long err = kbpf_obj_fd_get(h, (int)(uint32_t)arg, KBPF_OBJ_PROG,
					   &obj, NULL);

		if (err)
			return err;
		err = kbpf_perf_event_set_bpf(
			ev, kbpf_container_of(obj, struct kbpf_prog, obj), 0);
		kbpf_obj_put(obj);
		return err;
	}
	default:
		return -KBPF_ENOTTY;
	}
}

bool kbpf_perf_event_readable(struct kbpf_perf_event *ev)
{
	const struct kbpf_host *h = ev->obj.host;
	unsigned long flags;
	bool r = false;

	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (ev->rb)
		r = kbpf_load_acquire_u64(&ev->rb->up->data_head) !=
		    kbpf_load_acquire_u64(&ev->rb->up->data_tail);
	pe_unlock(ev, flags);
	return r;
}

uint32_t kbpf_perf_event_poll(struct kbpf_perf_event *ev)
{
	const struct kbpf_host *h = ev->obj.host;
	unsigned long flags;
	uint32_t r = KBPF_POLLHUP;

	while (pe_lock(ev, kbpf_this_cpu(h), &flags))
		kbpf_cpu_relax();
	if (ev->rb) {
		r = ev->rb->poll;
		ev->rb->poll = 0;
	}
	pe_unlock(ev, flags);
	return r;
}

/* ---- writing ---- */

/* Copy @len bytes to ring position @pos, continuing at the start if needed. */
static void ring_put(struct perf_ring *rb, uint64_t pos, const void *src,
		     size_t len)
{
	size_t off = (size_t)(pos & (rb->size - 1));
	size_t first = kbpf_min(len, (size_t)rb->size - off);

	memcpy(rb->data + off, src, first);
	if (first < len)
		memcpy(rb->data, (const uint8_t *)src + first, len - first);
}

/* Linux's CIRC_SPACE: free bytes, one always kept empty. */
static uint64_t ring_space(uint64_t head, uint64_t tail, uint64_t size)
{
	return (tail - (head + 1)) & (size - 1);
}

/*
 * The sample's fixed fields, in Linux's order (perf_output_sample), into
 * @buf; returns their bytes. The raw part follows them.
 */
static size_t pe_sample_fields(struct kbpf_perf_event *ev, uint32_t cpu,
			       uint64_t *buf, uint64_t type)
{
	const struct kbpf_host *h = ev->obj.host;
	size_t n = 0;

	if (type & PERF_SAMPLE_IDENTIFIER)
		buf[n++] = ev->obj.id;
	if (type & PERF_SAMPLE_IP)
		buf[n++] = 0; /* no registers on this path */
	if (type & PERF_SAMPLE_TID) {
		uint64_t pid_tgid = 0, uid_gid;
		uint32_t t[2];

		if (h->current_ids && h->current_ids(h, &pid_tgid, &uid_gid))
			pid_tgid = 0;
		t[0] = (uint32_t)(pid_tgid >> 32); /* pid (Linux's tgid) */
		t[1] = (uint32_t)pid_tgid; /* tid */
		memcpy(&buf[n++], t, sizeof(t));
	}
	if (type & PERF_SAMPLE_TIME) {
		int32_t c = ev->attr.use_clockid ? ev->attr.clockid : -1;

		buf[n++] = c == CLOCK_BOOTTIME_ID && h->boot_ns ?
				   h->boot_ns(h) :
			   c == CLOCK_TAI_ID && h->tai_ns ? h->tai_ns(h) :
							    h->mono_ns(h);
	}
	if (type & PERF_SAMPLE_ADDR)
		buf[n++] = 0;
	if (type & PERF_SAMPLE_ID)
		buf[n++] = ev->obj.id;
	if (type & PERF_SAMPLE_STREAM_ID)
		buf[n++] = ev->obj.id;
	if (type & PERF_SAMPLE_CPU) {
		uint32_t c[2] = { cpu, 0 }; /* u32 cpu, u32 reserved */

		memcpy(&buf[n++], c, sizeof(c));
	}
	if (type & PERF_SAMPLE_PERIOD)
		buf[n++] = 0; /* BPF output samples carry period 0 */
	return n * 8;
}

/* The sample_id_all trailer of a non-sample record, in Linux's order. */
static size_t pe_id_fields(struct kbpf_perf_event *ev, uint32_t cpu,
			   uint64_t *buf)
{
	uint64_t t = ev->attr.sample_type;
	size_t n = 0;

	if (!ev->id_size)
		return 0;
	/* TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER */
	if (t & PERF_SAMPLE_TID)
		pe_sample_fields(ev, cpu, &buf[n++], PERF_SAMPLE_TID);
	if (t & PERF_SAMPLE_TIME)
		pe_sample_fields(ev, cpu, &buf[n++], PERF_SAMPLE_TIME);
	if (t & PERF_SAMPLE_ID)
		buf[n++] = ev->obj.id;
	if (t & PERF_SAMPLE_STREAM_ID)
		buf[n++] = ev->obj.id;
	if (t & PERF_SAMPLE_CPU)
		pe_sample_fields(ev, cpu, &buf[n++], PERF_SAMPLE_CPU);
	if (t & PERF_SAMPLE_IDENTIFIER)
		buf[n++] = ev->obj.id;
	return n * 8;
}

/* Copy @len bytes of @frag from @off to ring position @pos, wrapping. */
static void ring_put_frag(struct perf_ring *rb, uint64_t pos,
			  const struct kbpf_perf_frag *frag)
{
	size_t off = (size_t)(pos & (rb->size - 1));
	uint64_t first = kbpf_min(frag->size, (uint64_t)(rb->size - off));

	frag->copy(rb->data + off, frag->src, 0, first);
	if (first < frag->size)
		frag->copy(rb->data, frag->src, first, frag->size - first);
}

long kbpf_perf_event_output(struct kbpf_perf_event *ev, uint32_t cpu,
			    const void *data, uint64_t size, uint16_t misc)
{
	return kbpf_perf_event_output_frag(ev, cpu, data, size, NULL, misc);
}

long kbpf_perf_event_output_frag(struct kbpf_perf_event *ev, uint32_t cpu,
				 const void *data, uint64_t size,
				 const struct kbpf_perf_frag *frag,
				 uint16_t misc)
{
	uint64_t fsize = frag ? frag->size : 0;
	const struct perf_event_attr *a = &ev->attr;
	uint64_t fields[10], ids[6], tail, head, lost, wakeup;
	struct perf_event_header hdr;
	struct lost_record lr;
	size_t nfields, nids = 0, rec, total;
	uint32_t raw_size = 0;
	struct perf_ring *rb;
	unsigned long flags;
	long err;

	if (!pe_is_bpf_output(ev))
		return -KBPF_EINVAL;
	/* Linux: only an event active on this very CPU takes output. */
	if (!atomic_load_explicit(&ev->enabled, memory_order_relaxed) ||
	    (ev->cpu >= 0 && (uint32_t)ev->cpu != cpu))
		return -KBPF_EOPNOTSUPP;
	if (size > KBPF_PERF_RAW_MAX || fsize > KBPF_PERF_RAW_MAX - size)
		return -KBPF_E2BIG;
	nfields = pe_sample_fields(ev, cpu, fields, a->sample_type);
	rec = sizeof(hdr) + nfields;
	if (a->sample_type & PERF_SAMPLE_RAW) {
		/* u32 size + data, padded so the record stays 8-aligned. */
		raw_size = (uint32_t)(kbpf_round_up(size + fsize + 4, 8) - 4);
		rec += 4 + raw_size;
	}
	if (rec > 0xffff)
		return -KBPF_E2BIG;
	err = pe_lock(ev, cpu, &flags);
	if (err)
		return err;
	rb = ev->rb;
	if (!rb || !rb->size) {
		err = -KBPF_ENOSPC; /* not mapped: not counted as lost */
		goto unlock;
	}
	lost = atomic_load_explicit(&ev->lost, memory_order_relaxed);
	total = rec + (lost ? sizeof(lr) + ev->id_size : 0);
	/* (A) pairs with the reader's store-release of data_tail (D). */
	tail = kbpf_load_acquire_u64(&rb->up->data_tail);
	head = rb->head;
	if (rb->overwrite ? total > rb->size - 8 :
			    ring_space(head, tail, rb->size) < total) {
		atomic_store_explicit(&ev->lost, lost + 1,
				      memory_order_relaxed);
		err = -KBPF_ENOSPC;
		goto unlock;
	}
	wakeup = rb->wakeup;
	rb->head = head + total;
	/* Linux wakes readers each time a watermark's worth accumulates. */
	if (rb->head - rb->wakeup > rb->watermark)
		rb->wakeup += rb->watermark;
	if (lost) {
		lr.header.type = PERF_RECORD_LOST;
		lr.header.misc = 0;
		lr.header.size = (uint16_t)(sizeof(lr) + ev->id_size);
		lr.id = ev->obj.id;
		lr.lost = lost;
		atomic_store_explicit(&ev->lost, 0, memory_order_relaxed);
		ring_put(rb, head, &lr, sizeof(lr));
		head += sizeof(lr);
		nids = pe_id_fields(ev, cpu, ids);
		ring_put(rb, head, ids, nids);
		head += nids;
	}
	hdr.type = PERF_RECORD_SAMPLE;
	hdr.misc = misc;
	hdr.size = (uint16_t)rec;
	ring_put(rb, head, &hdr, sizeof(hdr));
	head += sizeof(hdr);
	ring_put(rb, head, fields, nfields);
	head += nfields;
	if (a->sample_type & PERF_SAMPLE_RAW) {
		ring_put(rb, head, &raw_size, 4);
		ring_put(rb, head + 4, data, (size_t)size);
		if (fsize)
			ring_put_frag(rb, head + 4 + size, frag);
		/* The padding is left unwritten, as Linux leaves it. */
	}
	if (!a->watermark && a->wakeup_events &&
	    ++rb->events >= a->wakeup_events) {
		rb->events -= a->wakeup_events;
		rb->wakeup++;
	}
	/* (B) publishes the records: pairs with the reader's acquire (C). */
	kbpf_store_release_u64(&rb->up->data_head, rb->head);
	err = wakeup != rb->wakeup;
	if (err)
		rb->poll = KBPF_POLLIN | KBPF_POLLRDNORM;
unlock:
	pe_unlock(ev, flags);
	if (err == 1) {
		if (ev->obj.host->wake)
			ev->obj.host->wake(ev->obj.host, &ev->obj);
		err = 0;
	}
	return err;
}

/* ---- reading ---- */

long kbpf_perf_ring_read(struct perf_event_mmap_page *page, void *scratch,
			 size_t scratch_size, kbpf_perf_record_fn fn, void *ctx)
{
	uint8_t *data = (uint8_t *)page + page->data_offset;
	uint64_t size = page->data_size, head, tail;
	long n = 0;

	if (!size)
		return 0;
	/* (C) pairs with the writer's release of data_head (B). */
	head = kbpf_load_acquire_u64(&page->data_head);
	tail = kbpf_load_relaxed_u64(&page->data_tail);
	while (tail != head) {
		size_t off = (size_t)(tail & (size - 1));
		const struct perf_event_header *hdr =
			(const void *)(data + off);
		struct perf_event_header h;
		int err;

		/* The header itself may wrap (8 bytes at an 8-aligned offset: never). */
		memcpy(&h, hdr, sizeof(h));
		if (h.size < sizeof(h) || h.size > head - tail)
			return -KBPF_EINVAL;
		if (off + h.size > size) {
			size_t first = (size_t)size - off;

			if (h.size > scratch_size)
				return -KBPF_E2BIG;
			memcpy(scratch, data + off, first);
			memcpy((uint8_t *)scratch + first, data,
			       h.size - first);
			hdr = scratch;
		}
		err = fn(ctx, hdr);
		tail += h.size;
		/* (D) pairs with the writer's acquire of data_tail (A). */
		kbpf_store_release_u64(&page->data_tail, tail);
		n++;
		if (err < 0)
			return err;
	}
	return n;
}
