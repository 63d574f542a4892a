// SPDX-License-Identifier: MIT
/*
 * Boot, harts, the timer, traps and system calls.
 *
 * The boot hart sets up memory, gives kbpf its host table (the harts are
 * those SBI HSM knows), registers two raw tracepoints, timer_tick, fired
 * by every hart's timer interrupt (args: hart id, tick count), and
 * sys_enter, fired on every system call (args: number, a0, a1), and starts
 * the other harts through SBI HSM. Then it runs the user program and, when the program exits, releases what it left
 * open, waits for deferred frees, reports and powers off through SBI.
 * Other harts take timer interrupts in their idle loop.
 */
#include "kernel.h"
#include "kbpf/raw_tp.h"

#define SBI_EXT_HSM 0x48534d

extern char bss_start[], bss_end[], kernel_start[], kernel_end[];
extern char user_image[], user_image_end[];
extern char trap_entry[], _start_secondary[];

static struct kbpf_raw_tp tp_timer = { .name = "timer_tick", .nargs = 2 };
static struct kbpf_raw_tp tp_sys_enter = { .name = "sys_enter", .nargs = 3 };
static uint64_t ticks[MAX_HARTS], fire_errors[MAX_HARTS];
static uint64_t boot_time, first_text_word;

static void timer_start(void)
{
	csr_set(sie, SIE_STIE);
	sbi_set_timer(rdtime() + TIMEBASE_HZ / TICK_HZ);
}

static void timer_tick(void)
{
	unsigned int hart = this_hart();
	uint64_t args[2] = { hart, ++ticks[hart] };
	int err;

	sbi_set_timer(rdtime() + TIMEBASE_HZ / TICK_HZ);
	host_tick(hart);
	err = kbpf_raw_tp_fire(&tp_timer, args);
	if (err && !fire_errors[hart]++)
		kprintf("kernel: hart %u: a timer_tick program failed with "
			"%d; the kernel carries on\n",
			hart, err);
}

/* Common per-hart setup: trap vector, counters for user mode. */
static void hart_init(void)
{
	csr_write(stvec, (uintptr_t)trap_entry);
	csr_write(sscratch, 0);
	csr_write(scounteren, 7); /* user may read cycle, time, instret */
}

/* Other harts start here once kbpf is ready: nothing to wait for. */
void kmain_secondary(unsigned int hart)
{
	mm_init_hart();
	hart_init();
	kprintf("kernel: hart %u up\n", hart);
	timer_start();
	for (;;) {
		/* Idle: interrupts on (see kernel/host.c, grace periods). */
		csr_set(sstatus, SSTATUS_SIE);
		__asm__ volatile("wfi");
	}
}

/* Map the embedded user image, a stack, and nothing else. */
static void load_user(void)
{
	size_t len = (size_t)(user_image_end - user_image);

	if (len > USER_IMAGE_SIZE)
		panic("user image too large (%lu bytes)", len);
	for (uintptr_t off = 0; off < USER_IMAGE_SIZE; off += PAGE_SIZE) {
		uintptr_t pa = page_alloc(1);

		if (!pa)
			panic("out of memory for the user image");
		if (off < len)
			memcpy((void *)pa, user_image + off,
			       len - off < PAGE_SIZE ? len - off : PAGE_SIZE);
		map_user(USER_BASE + off, pa, UMAP_W | UMAP_X);
	}
	for (uintptr_t va = USER_STACK_TOP - USER_STACK_SIZE;
	     va < USER_STACK_TOP; va += PAGE_SIZE) {
		uintptr_t pa = page_alloc(1);

		if (!pa)
			panic("out of memory for the user stack");
		map_user(va, pa, UMAP_W);
	}
}

static long sys_write(int fd, const char *ubuf, size_t len)
{
	char buf[128];

	if (fd != 1 && fd != 2)
		return -KBPF_EBADF;
	for (size_t done = 0; done < len;) {
		size_t n = len - done < sizeof(buf) ? len - done : sizeof(buf);

		if (copy_from_user(buf, ubuf + done, n))
			return -KBPF_EFAULT;
		uart_write(buf, n);
		done += n;
	}
	return (long)len;
}

static long syscall(struct trap_frame *f)
{
	unsigned long *a = &f->regs[REG_A0];
	unsigned long nr = f->regs[REG_A7];
	uint64_t args[3] = { nr, a[0], a[1] };

	kbpf_raw_tp_fire(&tp_sys_enter, args);
	switch (nr) {
	case SYS_WRITE:
		return sys_write((int)a[0], (const char *)a[1], a[2]);
	case SYS_BPF:
		return sys_bpf((int)a[0], (void *)a[1], (unsigned int)a[2]);
	case SYS_CLOSE:
		return sys_close((int)a[0]);
	case SYS_MMAP:
		return sys_mmap(a[0], (int)a[1], (int)a[2], a[3]);
	case SYS_WAIT:
		return sys_wait((int)a[0], a[1]);
	case SYS_EXIT:
		user_leave((char *)f + sizeof(*f), (long)a[0]);
	default:
		return -KBPF_ENOSYS;
	}
}

void trap_handler(struct trap_frame *f)
{
	unsigned long cause = f->scause;

	if (cause & SCAUSE_IRQ) {
		if ((cause & ~SCAUSE_IRQ) != IRQ_S_TIMER)
			panic("unexpected interrupt %lx", cause);
		timer_tick();
		return;
	}
	if (f->sstatus & SSTATUS_SPP)
		panic("kernel trap: scause %lx sepc %lx stval %lx", cause,
		      f->sepc, f->stval);
	if (cause == EXC_ECALL_U) {
		f->sepc += 4;
		f->regs[REG_A0] = (unsigned long)syscall(f);
		return;
	}
	kprintf("kernel: user fault: scause %lu at %lx, address %lx: "
		"program killed\n",
		cause, f->sepc, f->stval);
	user_leave((char *)f + sizeof(*f), 128 + 11); /* as SIGSEGV */
}

/* The harts SBI HSM knows (its hart_get_status answers), as a mask. */
static unsigned long find_harts(unsigned int *nr)
{
	unsigned long mask = 0;

	*nr = 0;
	for (unsigned int h = 0; h < MAX_HARTS; h++) {
		if (sbi_call(SBI_EXT_HSM, 2, h, 0, 0, 0).error)
			continue;
		mask |= 1ul << h;
		*nr = h + 1;
	}
	return mask;
}

static void start_harts(unsigned int boot_hart, unsigned long mask)
{
	for (unsigned int h = 0; h < MAX_HARTS; h++)
		if (h != boot_hart && (mask >> h & 1) &&
		    sbi_call(SBI_EXT_HSM, 0, h, (long)_start_secondary, 0, 0)
			    .error)
			panic("hart %u did not start", h);
}

void kmain_boot(unsigned int hart)
{
	unsigned long mask;
	unsigned int nr_cpus;
	long status, killed, leaked;
	bool ok = true;

	memset(bss_start, 0, (size_t)(bss_end - bss_start));
	boot_time = rdtime();
	first_text_word = *(uint64_t *)kernel_start;
	uart_init();
	kprintf("kernel: boot hart %u, kernel %lu KiB in memory, entered at "
		"%lu us\n",
		hart, (unsigned long)(kernel_end - kernel_start) / 1024,
		boot_time / (TIMEBASE_HZ / 1000000));
	hart_init();
	mm_init();
	/*
	 * kbpf first, then the other harts: their first tick may fire the
	 * tracepoints. Each hart counts in the grace periods from the start;
	 * one that has not ticked yet only delays them.
	 */
	mask = find_harts(&nr_cpus);
	host_init(nr_cpus, mask);
	if (kbpf_raw_tp_register(&port_host, &tp_timer) ||
	    kbpf_raw_tp_register(&port_host, &tp_sys_enter))
		panic("cannot register the raw tracepoints");
	kprintf("kernel: %u harts, %lu pages free, kbpf ready at %lu us\n",
		nr_cpus, mm_pages_free(), rdtime() / (TIMEBASE_HZ / 1000000));
	start_harts(hart, mask);
	timer_start();

	load_user();
	status = user_run(USER_BASE, USER_STACK_TOP, nr_cpus);
	kprintf("kernel: user program exited with status %ld\n", status);
	fd_close_all();
	/* Again, told to read kernel memory: the MMU stops it, we kill it. */
	killed = user_run(USER_BASE, USER_STACK_TOP, nr_cpus | 1u << 8);
	kprintf("kernel: second run ended with status %ld\n", killed);

	host_drain();
	leaked = host_kbpf_bytes();
	kprintf("kernel: kbpf memory after the program: %ld bytes\n", leaked);
	for (unsigned int h = 0; h < nr_cpus; h++) {
		kprintf("kernel: hart %u: %lu ticks, %lu failed fires\n", h,
			ticks[h], fire_errors[h]);
		if (!ticks[h])
			ok = false;
	}
	if (*(uint64_t *)kernel_start != first_text_word) {
		kprintf("kernel: kernel text was modified\n");
		ok = false;
	}
	if (status || killed != 128 + 11 || leaked)
		ok = false;
	kprintf("kernel: shutdown %s\n", ok ? "ok" : "FAILED");
	sbi_shutdown(!ok);
}
