// SPDX-License-Identifier: MIT
/*
 * The kbpf host table of this kernel, and what kbpf needs around it: the
 * grace periods behind defer_free, the fd table, and the bpf, close and
 * mmap system calls, and sys_wait.
 *
 * Grace periods. This kernel runs all supervisor code with interrupts off,
 * except its idle loops (wfi: a hart with nothing to do, host_drain). So a
 * hart that takes a timer interrupt from user mode or from an idle loop is
 * outside every kbpf read-side section:
 * the tick is a quiescent state, and kbpf_host.read_lock can stay NULL (the
 * whole kernel is one read-side section, as non-preemptible RCU treats
 * it). An epoch counter advances when every online hart has seen its
 * current value at a tick; a callback queued during epoch E runs at the
 * second advance after that (E+1 -> E+2): by then every hart has passed a
 * quiescent state after the callback was queued. Two lists suffice, one per
 * epoch parity. The one other place that takes interrupts is sys_wait,
 * outside any call into kbpf: a tick there is a quiescent state too. A
 * kernel that enables interrupts elsewhere in its own code must count only
 * ticks from such places, or use read_lock.
 */
#include "kernel.h"
#include "kbpf/map.h"
#include "kbpf/object.h"
#include "kbpf/raw_tp.h"
#include "kbpf/sys.h"

#define NR_FDS 64
#define FIRST_FD 3 /* 0-2: the console */
#define NR_MMAPS 8

static struct kbpf_raw_tp_registry registry;
static long kbpf_bytes; /* live bytes from h_alloc, for the leak check */

/* ------------------------------------------------------- memory, pages */

static void *h_alloc(const struct kbpf_host *h, size_t size, size_t align,
		     uint32_t flags)
{
	void *p = kmalloc(size, align);

	(void)h;
	if (p && (flags & KBPF_ALLOC_ZERO))
		memset(p, 0, size);
	if (p)
		__atomic_add_fetch(&kbpf_bytes, (long)size, __ATOMIC_RELAXED);
	return p;
}

static void h_free(const struct kbpf_host *h, void *p, size_t size)
{
	(void)h;
	if (!p)
		return;
	kfree(p, size);
	__atomic_sub_fetch(&kbpf_bytes, (long)size, __ATOMIC_RELAXED);
}

long host_kbpf_bytes(void)
{
	return __atomic_load_n(&kbpf_bytes, __ATOMIC_RELAXED);
}

static void h_free_pages(const struct kbpf_host *h, const uintptr_t *pages,
			 size_t nr)
{
	(void)h;
	for (size_t i = 0; i < nr; i++)
		page_free(pages[i], 1);
}

/* One page at a time: kbpf maps them where it needs them contiguous. */
static int h_alloc_pages(const struct kbpf_host *h, size_t nr, uintptr_t *pages)
{
	for (size_t i = 0; i < nr; i++) {
		pages[i] = page_alloc(1);
		if (!pages[i]) {
			h_free_pages(h, pages, i);
			return -KBPF_ENOMEM;
		}
	}
	return 0;
}

static void *h_vmap(const struct kbpf_host *h, const uintptr_t *pages,
		    size_t nr)
{
	(void)h;
	return vmap_pages(pages, nr);
}

static void h_vunmap(const struct kbpf_host *h, void *addr, size_t nr)
{
	(void)h;
	vunmap_pages(addr, nr);
}

/* ------------------------------------------------------- CPUs and IRQs */

static uint32_t h_cpu_id(const struct kbpf_host *h)
{
	(void)h;
	return this_hart();
}

static unsigned long h_irq_save(const struct kbpf_host *h)
{
	(void)h;
	return irq_save();
}

static void h_irq_restore(const struct kbpf_host *h, unsigned long state)
{
	(void)h;
	irq_restore(state);
}

/* ------------------------------------------------------- grace periods */

static struct spinlock gp_lock;
static unsigned long gp_online; /* harts that report quiescent states */
static uint64_t gp_epoch = 1;
static uint64_t gp_seen[MAX_HARTS];
static struct kbpf_rcu_head *gp_list[2]; /* by epoch parity */
static long gp_pending;

static void h_defer_free(const struct kbpf_host *h, struct kbpf_rcu_head *head)
{
	unsigned long flags = spin_lock_irqsave(&gp_lock);

	(void)h;
	head->next = gp_list[gp_epoch & 1];
	gp_list[gp_epoch & 1] = head;
	gp_pending++;
	spin_unlock_irqrestore(&gp_lock, flags);
}

/* Called by each hart's timer interrupt: a quiescent state. */
void host_tick(unsigned int hart)
{
	struct kbpf_rcu_head *ready = NULL, *next;
	unsigned long flags = spin_lock_irqsave(&gp_lock);
	bool all = true;

	gp_seen[hart] = gp_epoch;
	for (unsigned int i = 0; i < MAX_HARTS; i++)
		if ((gp_online >> i & 1) && gp_seen[i] != gp_epoch)
			all = false;
	if (all) {
		/* Queued during epoch - 1: every hart has passed one since. */
		ready = gp_list[(gp_epoch - 1) & 1];
		gp_list[(gp_epoch - 1) & 1] = NULL;
		gp_epoch++;
	}
	spin_unlock_irqrestore(&gp_lock, flags);
	for (; ready; ready = next) {
		next = ready->next;
		ready->func(ready);
		__atomic_sub_fetch(&gp_pending, 1, __ATOMIC_RELAXED);
	}
}

/* Idle with interrupts on until every deferred free has run. */
void host_drain(void)
{
	while (__atomic_load_n(&gp_pending, __ATOMIC_RELAXED)) {
		csr_set(sstatus, SSTATUS_SIE);
		__asm__ volatile("wfi");
		csr_clear(sstatus, SSTATUS_SIE);
	}
}

/* ------------------------------------------------- user memory, probes */

static int h_copy_from_user(const struct kbpf_host *h, void *dst,
			    const void *usrc, size_t n)
{
	(void)h;
	return copy_from_user(dst, usrc, n);
}

static int h_copy_to_user(const struct kbpf_host *h, void *udst,
			  const void *src, size_t n)
{
	(void)h;
	return copy_to_user(udst, src, n);
}

static long h_strncpy_from_user(const struct kbpf_host *h, char *dst,
				const char *usrc, size_t n)
{
	(void)h;
	return strncpy_from_user(dst, usrc, n);
}

static int h_probe_read_kernel(const struct kbpf_host *h, void *dst,
			       const void *src, size_t n)
{
	(void)h;
	return probe_kernel(dst, src, n);
}

static int h_probe_read_user(const struct kbpf_host *h, void *dst,
			     const void *usrc, size_t n)
{
	(void)h;
	return copy_from_user(dst, usrc, n);
}

/* ------------------------------------------------ time, random, output */

static uint64_t h_mono_ns(const struct kbpf_host *h)
{
	(void)h;
	return rdtime() * (1000000000ul / TIMEBASE_HZ);
}

static uint32_t h_random_u32(const struct kbpf_host *h)
{
	static uint64_t state[MAX_HARTS];
	uint64_t *s = &state[this_hart()], x;

	(void)h;
	x = *s ? *s : rdtime() | 1;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return (uint32_t)(x >> 32);
}

static void h_trace_write(const struct kbpf_host *h, const char *msg,
			  size_t len)
{
	(void)h;
	uart_write("bpf_trace: ", 11);
	uart_write(msg, len);
}

static void h_warn(const struct kbpf_host *h, const char *file, int line,
		   const char *what)
{
	(void)h;
	kprintf("kbpf warning: %s:%d: %s\n", file, line, what);
}

/* ------------------------------------------------------------ fd table */

static struct spinlock fd_lock;
static struct {
	struct kbpf_obj *obj;
	uint32_t flags;
	bool woken; /* kbpf_host.wake since the last sys_wait */
} fds[NR_FDS];
static long next_id[8];

static int h_fd_install(const struct kbpf_host *h, struct kbpf_obj *obj,
			uint32_t fd_flags)
{
	unsigned long flags = spin_lock_irqsave(&fd_lock);

	(void)h;
	for (int fd = FIRST_FD; fd < NR_FDS; fd++) {
		if (!fds[fd].obj) {
			fds[fd].obj = obj;
			fds[fd].flags = fd_flags;
			spin_unlock_irqrestore(&fd_lock, flags);
			return fd;
		}
	}
	spin_unlock_irqrestore(&fd_lock, flags);
	return -KBPF_EMFILE;
}

static int h_fd_get(const struct kbpf_host *h, int fd, struct kbpf_obj **obj,
		    uint32_t *fd_flags)
{
	unsigned long flags;

	(void)h;
	if (fd >= 0 && fd < FIRST_FD)
		return -KBPF_EINVAL; /* open, but the console */
	if (fd < 0 || fd >= NR_FDS)
		return -KBPF_EBADF;
	flags = spin_lock_irqsave(&fd_lock);
	*obj = fds[fd].obj;
	if (*obj) {
		kbpf_obj_get(*obj);
		if (fd_flags)
			*fd_flags = fds[fd].flags;
	}
	spin_unlock_irqrestore(&fd_lock, flags);
	return *obj ? 0 : -KBPF_EBADF;
}

/*
 * New data for readers of @obj. Program path, kbpf lock held, interrupts
 * off: only marks the fds; sys_wait notices at its next look.
 */
static void h_wake(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	unsigned long flags = spin_lock_irqsave(&fd_lock);

	(void)h;
	for (int fd = FIRST_FD; fd < NR_FDS; fd++)
		if (fds[fd].obj == obj)
			fds[fd].woken = true;
	spin_unlock_irqrestore(&fd_lock, flags);
}

static long h_id_alloc(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	return __atomic_add_fetch(&next_id[kbpf_obj_type(obj) & 7], 1,
				  __ATOMIC_RELAXED);
}

static void h_id_release(const struct kbpf_host *h, struct kbpf_obj *obj)
{
	(void)h;
	(void)obj;
}

/* ---------------------------------------------------------------- table */

struct kbpf_host port_host = {
	.alloc = h_alloc,
	.free = h_free,
	.alloc_pages = h_alloc_pages,
	.free_pages = h_free_pages,
	.vmap = h_vmap,
	.vunmap = h_vunmap,
	.cpu_id = h_cpu_id,
	.irq_save = h_irq_save,
	.irq_restore = h_irq_restore,
	.defer_free = h_defer_free,
	.copy_from_user = h_copy_from_user,
	.copy_to_user = h_copy_to_user,
	.strncpy_from_user = h_strncpy_from_user,
	.probe_read_kernel = h_probe_read_kernel,
	.probe_read_user = h_probe_read_user,
	.mono_ns = h_mono_ns,
	.random_u32 = h_random_u32,
	.trace_write = h_trace_write,
	.warn = h_warn,
	.wake = h_wake,
	.fd_install = h_fd_install,
	.fd_get = h_fd_get,
	.id_alloc = h_id_alloc,
	.id_release = h_id_release,
	.raw_tps = &registry,
};

void host_init(unsigned int nr_cpus, unsigned long online_mask)
{
	const char *what = NULL;

	port_host.nr_cpus = nr_cpus;
	gp_online = online_mask;
	kbpf_raw_tp_registry_init(&registry);
	if (kbpf_host_check(&port_host, &what))
		panic("kbpf_host_check: %s", what);
}

/* ------------------------------------------------------- system calls */

static struct {
	struct kbpf_obj *obj;
	uintptr_t va;
	size_t nr;
	bool writable;
} mmaps[NR_MMAPS];
static uintptr_t mmap_next = USER_MMAP_BASE;

long sys_bpf(int cmd, void *uattr, unsigned int size)
{
	return kbpf_sys_bpf(&port_host, cmd, uattr, size);
}

long sys_close(int fd)
{
	struct kbpf_obj *obj = NULL;
	unsigned long flags;

	if (fd < FIRST_FD || fd >= NR_FDS)
		return -KBPF_EBADF;
	flags = spin_lock_irqsave(&fd_lock);
	obj = fds[fd].obj;
	fds[fd].obj = NULL;
	fds[fd].woken = false;
	spin_unlock_irqrestore(&fd_lock, flags);
	if (!obj)
		return -KBPF_EBADF;
	kbpf_obj_uref_put(obj);
	return 0;
}

/* Sleep with interrupts on (ticks keep coming) until woken or @ns pass. */
long sys_wait(int fd, uint64_t ns)
{
	uint64_t end = rdtime() + ns / (1000000000ul / TIMEBASE_HZ);
	bool woken = false;

	if (fd >= 0 && (fd < FIRST_FD || fd >= NR_FDS || !fds[fd].obj))
		return -KBPF_EBADF;
	for (;;) {
		unsigned long flags = spin_lock_irqsave(&fd_lock);

		if (fd >= 0) {
			woken = fds[fd].woken;
			fds[fd].woken = false;
		}
		spin_unlock_irqrestore(&fd_lock, flags);
		if (woken || rdtime() >= end)
			return woken;
		csr_set(sstatus, SSTATUS_SIE);
		__asm__ volatile("wfi");
		csr_clear(sstatus, SSTATUS_SIE);
	}
}

#define PROT_WRITE 0x2

/*
 * mmap(len, prot, fd, offset) of a map fd (ring buffers, mmapable arrays):
 * the map's pages at fresh user addresses. Returns the address or an errno.
 */
long sys_mmap(uintptr_t len, int prot, int fd, uint64_t off)
{
	bool writable = prot & PROT_WRITE;
	size_t nr = (len + PAGE_SIZE - 1) / PAGE_SIZE, slot;
	const uintptr_t *pages;
	struct kbpf_obj *obj;
	struct kbpf_map *map;
	uint32_t fd_flags;
	uintptr_t va;
	long err;

	if (!nr || off % PAGE_SIZE)
		return -KBPF_EINVAL;
	for (slot = 0; slot < NR_MMAPS && mmaps[slot].obj; slot++)
		;
	if (slot == NR_MMAPS)
		return -KBPF_ENOMEM;
	err = h_fd_get(&port_host, fd, &obj, &fd_flags);
	if (err)
		return err == -KBPF_EINVAL ? -KBPF_ENODEV : err;
	map = kbpf_map_from_obj(obj);
	if (!map)
		err = -KBPF_ENODEV;
	else if (writable && !(fd_flags & KBPF_FD_WRITE))
		err = -KBPF_EACCES;
	else
		err = kbpf_map_mmap(map, off / PAGE_SIZE, nr, writable, &pages);
	if (err) {
		kbpf_obj_put(obj);
		return err;
	}
	va = mmap_next;
	mmap_next += (nr + 1) * PAGE_SIZE; /* and a guard page */
	for (size_t i = 0; i < nr; i++)
		map_user(va + i * PAGE_SIZE, pages[i], writable ? UMAP_W : 0);
	/* The mapping keeps the reference fd_get took. */
	mmaps[slot].obj = obj;
	mmaps[slot].va = va;
	mmaps[slot].nr = nr;
	mmaps[slot].writable = writable;
	return (long)va;
}

/* The user program is gone: drop its mappings and close its fds. */
void fd_close_all(void)
{
	for (int i = 0; i < NR_MMAPS; i++) {
		if (!mmaps[i].obj)
			continue;
		unmap_user(mmaps[i].va, mmaps[i].nr);
		kbpf_map_munmap(kbpf_map_from_obj(mmaps[i].obj),
				mmaps[i].writable);
		kbpf_obj_put(mmaps[i].obj);
		mmaps[i].obj = NULL;
	}
	for (int fd = FIRST_FD; fd < NR_FDS; fd++)
		sys_close(fd);
}
