/* SPDX-License-Identifier: MIT */
/*
 * The core's spinlock: a test-and-test-and-set lock on one atomic word, with
 * the host's interrupt save/restore around it (lwIP's SYS_ARCH_PROTECT
 * model). Every kbpf lock is taken through these functions, so that a BPF
 * program that interrupts a lock holder on the same CPU cannot run while the
 * lock is held (when the host provides irq_save), and so that code that can
 * be re-entered on one CPU uses kbpf_spin_trylock_irqsave and returns -EBUSY
 * instead of deadlocking.
 */
#ifndef KBPF_CORE_SPINLOCK_H
#define KBPF_CORE_SPINLOCK_H

#include <stdbool.h>

#include "atomic.h"
#include "kbpf/host.h"

struct kbpf_spinlock {
	atomic_uint locked;
};

#define KBPF_SPINLOCK_INIT \
	{                  \
		0          \
	}

static inline void kbpf_spin_init(struct kbpf_spinlock *l)
{
	atomic_init(&l->locked, 0);
}

static inline bool kbpf_spin_trylock(struct kbpf_spinlock *l)
{
	return !atomic_load_explicit(&l->locked, memory_order_relaxed) &&
	       !atomic_exchange_explicit(&l->locked, 1, memory_order_acquire);
}

static inline void kbpf_spin_lock(struct kbpf_spinlock *l)
{
	while (!kbpf_spin_trylock(l)) {
		while (atomic_load_explicit(&l->locked, memory_order_relaxed))
			kbpf_cpu_relax();
	}
}

static inline void kbpf_spin_unlock(struct kbpf_spinlock *l)
{
	/* Pairs with the acquire exchange of the next locker. */
	atomic_store_explicit(&l->locked, 0, memory_order_release);
}

static inline unsigned long kbpf_irq_save(const struct kbpf_host *h)
{
	return h->irq_save ? h->irq_save(h) : 0;
}

static inline void kbpf_irq_restore(const struct kbpf_host *h,
				    unsigned long state)
{
	if (h->irq_restore)
		h->irq_restore(h, state);
}

static inline unsigned long kbpf_spin_lock_irqsave(const struct kbpf_host *h,
						   struct kbpf_spinlock *l)
{
	unsigned long state = kbpf_irq_save(h);

	kbpf_spin_lock(l);
	return state;
}

/* Return true and fill @state if the lock was taken; interrupts are as before otherwise. */
static inline bool kbpf_spin_trylock_irqsave(const struct kbpf_host *h,
					     struct kbpf_spinlock *l,
					     unsigned long *state)
{
	*state = kbpf_irq_save(h);
	if (kbpf_spin_trylock(l))
		return true;
	kbpf_irq_restore(h, *state);
	return false;
}

static inline void kbpf_spin_unlock_irqrestore(const struct kbpf_host *h,
					       struct kbpf_spinlock *l,
					       unsigned long state)
{
	kbpf_spin_unlock(l);
	kbpf_irq_restore(h, state);
}

/*
 * struct bpf_spin_lock: the 4-byte word inside a map value that programs
 * take with bpf_spin_lock() and the syscall path with BPF_F_LOCK. Plain
 * value memory, so the word is reached through the *_u32 raw atomics; 0 is
 * free, 1 held. Interrupts are saved through the host around the hold, as
 * Linux's __bpf_spin_lock_irqsave does, so a program interrupting the
 * holder on its CPU cannot spin on it.
 */
static inline unsigned long kbpf_value_lock_irqsave(const struct kbpf_host *h,
						    void *word)
{
	unsigned long state = kbpf_irq_save(h);

	/* Acquire pairs with the release store of kbpf_value_unlock_irqrestore(). */
	while (kbpf_xchg_u32(word, 1)) {
		while (kbpf_load_relaxed_u32(word))
			kbpf_cpu_relax();
	}
	return state;
}

static inline void kbpf_value_unlock_irqrestore(const struct kbpf_host *h,
						void *word, unsigned long state)
{
	kbpf_store_release_u32(word, 0);
	kbpf_irq_restore(h, state);
}

#endif /* KBPF_CORE_SPINLOCK_H */
