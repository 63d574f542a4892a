/* SPDX-License-Identifier: MIT */
/*
 * The riscv64-virt example kernel: what its files share.
 *
 * Memory layout (Sv39, one page table shared by both harts):
 *   0x00000000-0x3fffffff  devices (UART, CLINT...), kernel only, 1 GiB page
 *   0x40000000-0x7fffffff  user space: image, stack, mmap area (U pages)
 *   0x80000000-0xbfffffff  RAM, identity mapped, kernel only, 1 GiB page
 *   0xc0000000-0xc3ffffff  vmap area (ring buffers, mmapable maps)
 */
#ifndef PORT_KERNEL_H
#define PORT_KERNEL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fmt.h"
#include "kbpf/errno.h"
#include "kbpf/host.h"

#define MAX_HARTS 4
#define PAGE_SIZE 4096ul
#define RAM_BASE 0x80000000ul
#define RAM_END (RAM_BASE + 128ul * 1024 * 1024) /* qemu virt's default */
#define UART_BASE 0x10000000ul
#define USER_BASE 0x40000000ul /* user image, linked here (user/user.ld) */
#define USER_IMAGE_SIZE (1024ul * 1024)
#define USER_STACK_TOP 0x41000000ul
#define USER_STACK_SIZE (64ul * 1024)
#define USER_MMAP_BASE 0x50000000ul /* mmap(2) of map fds */
#define USER_END 0x80000000ul
#define VMAP_BASE 0xc0000000ul
#define VMAP_SIZE (64ul * 1024 * 1024)

#define TIMEBASE_HZ 10000000ul /* the time CSR on qemu virt */
#define TICK_HZ 100ul

/* Linux's riscv64 system call numbers, so user code reads familiar. */
#define SYS_CLOSE 57
#define SYS_WRITE 64
#define SYS_EXIT 93
#define SYS_MMAP 222
#define SYS_BPF 280
/*
 * This kernel's own: wait(fd, ns) sleeps until @ns have passed or, if @fd
 * is a kbpf fd, until kbpf wakes it (ring buffer data): poll(2) and
 * nanosleep(2) in one call. Returns 1 if woken, 0 on timeout.
 */
#define SYS_WAIT 1000

/* ------------------------------------------------------------ CSRs, SBI */

#define SSTATUS_SIE (1ul << 1)
#define SSTATUS_SPIE (1ul << 5)
#define SSTATUS_SPP (1ul << 8)
#define SSTATUS_SUM (1ul << 18)
#define SIE_STIE (1ul << 5)
#define SCAUSE_IRQ (1ul << 63)
#define IRQ_S_TIMER 5
#define EXC_ECALL_U 8

#define csr_read(csr)                                                    \
	({                                                               \
		unsigned long v_;                                        \
		__asm__ volatile("csrr %0, " #csr : "=r"(v_)::"memory"); \
		v_;                                                      \
	})
#define csr_write(csr, v) \
	__asm__ volatile("csrw " #csr ", %0" ::"r"(v) : "memory")
#define csr_set(csr, v) \
	__asm__ volatile("csrs " #csr ", %0" ::"r"(v) : "memory")
#define csr_clear(csr, v) \
	__asm__ volatile("csrc " #csr ", %0" ::"r"(v) : "memory")

static inline uint64_t rdtime(void)
{
	return csr_read(time);
}

/* The hart id lives in tp while the kernel runs (entry.S keeps it there). */
static inline unsigned int this_hart(void)
{
	unsigned long id;

	__asm__ volatile("mv %0, tp" : "=r"(id));
	return (unsigned int)id;
}

struct sbiret {
	long error;
	long value;
};
struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2, long a3);
void sbi_set_timer(uint64_t when);
void sbi_remote_sfence_vma(void);
void __attribute__((noreturn)) sbi_shutdown(bool failure);

/* -------------------------------------------------------------- locking */

/* A spinlock that disables interrupts on this hart while held. */
struct spinlock {
	volatile int locked;
};
unsigned long irq_save(void);
void irq_restore(unsigned long flags);
unsigned long spin_lock_irqsave(struct spinlock *l);
void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags);

/* -------------------------------------------------------------- console */

void uart_init(void);
void uart_write(const char *s, size_t n);
void kprintf(const char *fmt, ...);
void __attribute__((noreturn)) panic(const char *fmt, ...);

/* --------------------------------------------------------------- memory */

void mm_init(void);
void mm_init_hart(void);
uintptr_t page_alloc(size_t nr); /* physical = kernel address, zeroed */
void page_free(uintptr_t pa, size_t nr);
void *kmalloc(size_t size, size_t align);
void kfree(void *p, size_t size);
void *vmap_pages(const uintptr_t *pages, size_t nr);
void vunmap_pages(void *addr, size_t nr);
#define UMAP_W 1u /* user may write */
#define UMAP_X 2u /* user may execute */
int map_user(uintptr_t va, uintptr_t pa, unsigned int how);
void unmap_user(uintptr_t va, size_t nr);
size_t mm_pages_free(void);

/* User memory: -EFAULT for anything not mapped for user space. */
int copy_from_user(void *dst, const void *usrc, size_t n);
int copy_to_user(void *udst, const void *src, size_t n);
long strncpy_from_user(char *dst, const char *usrc, size_t n);
int probe_kernel(void *dst, const void *src, size_t n);

/* ---------------------------------------------------------------- kbpf */

extern struct kbpf_host port_host;
void host_init(unsigned int nr_cpus, unsigned long online_mask);
void host_drain(void); /* wait until no deferred free is pending */
long host_kbpf_bytes(void); /* bytes kbpf has allocated and not freed */
void host_tick(unsigned int hart); /* quiescent state + grace periods */
long sys_bpf(int cmd, void *uattr, unsigned int size);
long sys_close(int fd);
long sys_mmap(uintptr_t len, int prot, int fd, uint64_t off);
long sys_wait(int fd, uint64_t ns);
void fd_close_all(void);

/* ------------------------------------------------- called from entry.S */

void kmain_boot(unsigned int hart);
void kmain_secondary(unsigned int hart);
struct trap_frame;
void trap_handler(struct trap_frame *f);

/* ------------------------------------------------------------ user mode */

/* entry.S: run user code until it exits; returns its exit status. */
long user_run(uintptr_t entry, uintptr_t sp, unsigned long arg);
void __attribute__((noreturn)) user_leave(void *ctx, long status);

/* The registers a trap saves (entry.S lays them out in this order). */
struct trap_frame {
	unsigned long regs[32]; /* x0 slot unused; regs[2] is sp */
	unsigned long sepc, sstatus, scause, stval;
};
#define REG_RA 1
#define REG_SP 2
#define REG_A0 10
#define REG_A7 17

#endif /* PORT_KERNEL_H */
