// SPDX-License-Identifier: MIT
/*
 * SBI calls (to OpenSBI in machine mode) and interrupt-disabling spinlocks.
 */
#include "kernel.h"

#define SBI_EXT_TIME 0x54494d45
#define SBI_EXT_RFENCE 0x52464e43
#define SBI_EXT_SRST 0x53525354

struct sbiret sbi_call(long ext, long fid, long a0, long a1, long a2, long a3)
{
	register long r0 __asm__("a0") = a0;
	register long r1 __asm__("a1") = a1;
	register long r2 __asm__("a2") = a2;
	register long r3 __asm__("a3") = a3;
	register long r6 __asm__("a6") = fid;
	register long r7 __asm__("a7") = ext;

	__asm__ volatile("ecall"
			 : "+r"(r0), "+r"(r1)
			 : "r"(r2), "r"(r3), "r"(r6), "r"(r7)
			 : "memory");
	return (struct sbiret){ r0, r1 };
}

void sbi_set_timer(uint64_t when)
{
	sbi_call(SBI_EXT_TIME, 0, (long)when, 0, 0, 0);
}

/* Flush every hart's TLB (hart_mask_base -1: all harts). */
void sbi_remote_sfence_vma(void)
{
	sbi_call(SBI_EXT_RFENCE, 1, 0, -1, 0, 0);
}

void sbi_shutdown(bool failure)
{
	/* System reset: type 0 shutdown, reason 0 none / 1 system failure. */
	sbi_call(SBI_EXT_SRST, 0, 0, failure ? 1 : 0, 0, 0);
	for (;;)
		__asm__ volatile("wfi");
}

unsigned long irq_save(void)
{
	unsigned long old;

	__asm__ volatile("csrrci %0, sstatus, 2" : "=r"(old)::"memory");
	return old & SSTATUS_SIE;
}

void irq_restore(unsigned long flags)
{
	if (flags & SSTATUS_SIE)
		csr_set(sstatus, SSTATUS_SIE);
}

unsigned long spin_lock_irqsave(struct spinlock *l)
{
	unsigned long flags = irq_save();

	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			;
	return flags;
}

void spin_unlock_irqrestore(struct spinlock *l, unsigned long flags)
{
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}
