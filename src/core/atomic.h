/* SPDX-License-Identifier: MIT */
/*
 * Atomics for the core: thin wrappers over C11 <stdatomic.h>, so that every
 * ordering is spelled out at the call site and every barrier can name its
 * partner in a comment.
 *
 * Some memory kbpf must access atomically is plain memory laid out for user
 * space or for BPF programs (ring buffer positions and headers, map values
 * under BPF atomic instructions). The *_raw wrappers take such plain
 * pointers; they rely on gcc and clang giving _Atomic integers the same size
 * and alignment as the plain types, which _Static_asserts below check.
 */
#ifndef KBPF_CORE_ATOMIC_H
#define KBPF_CORE_ATOMIC_H

#include <stdatomic.h>
#include <stdint.h>

_Static_assert(sizeof(_Atomic uint64_t) == 8, "atomic u64 layout");
_Static_assert(sizeof(_Atomic uint32_t) == 4, "atomic u32 layout");
_Static_assert(_Alignof(_Atomic uint64_t) == 8, "atomic u64 alignment");

#define KBPF_ATOMIC_U64(p) ((_Atomic uint64_t *)(p))
#define KBPF_ATOMIC_U32(p) ((_Atomic uint32_t *)(p))

static inline uint64_t kbpf_load_acquire_u64(const void *p)
{
	return atomic_load_explicit(KBPF_ATOMIC_U64((void *)p),
				    memory_order_acquire);
}

static inline uint32_t kbpf_load_acquire_u32(const void *p)
{
	return atomic_load_explicit(KBPF_ATOMIC_U32((void *)p),
				    memory_order_acquire);
}

static inline void kbpf_store_release_u64(void *p, uint64_t v)
{
	atomic_store_explicit(KBPF_ATOMIC_U64(p), v, memory_order_release);
}

static inline void kbpf_store_release_u32(void *p, uint32_t v)
{
	atomic_store_explicit(KBPF_ATOMIC_U32(p), v, memory_order_release);
}

static inline uint64_t kbpf_load_relaxed_u64(const void *p)
{
	return atomic_load_explicit(KBPF_ATOMIC_U64((void *)p),
				    memory_order_relaxed);
}

static inline uint32_t kbpf_load_relaxed_u32(const void *p)
{
	return atomic_load_explicit(KBPF_ATOMIC_U32((void *)p),
				    memory_order_relaxed);
}

static inline void kbpf_store_relaxed_u64(void *p, uint64_t v)
{
	atomic_store_explicit(KBPF_ATOMIC_U64(p), v, memory_order_relaxed);
}

static inline void kbpf_store_relaxed_u32(void *p, uint32_t v)
{
	atomic_store_explicit(KBPF_ATOMIC_U32(p), v, memory_order_relaxed);
}

static inline uint32_t kbpf_xchg_u32(void *p, uint32_t v)
{
	return atomic_exchange_explicit(KBPF_ATOMIC_U32(p), v,
					memory_order_acq_rel);
}

static inline uint64_t kbpf_xchg_u64(void *p, uint64_t v)
{
	return atomic_exchange_explicit(KBPF_ATOMIC_U64(p), v,
					memory_order_acq_rel);
}

/*
 * Pointers published to lock-free readers (prog array slots, tracepoint
 * program lists): @p is the address of a plain pointer slot.
 */
_Static_assert(sizeof(void *_Atomic) == sizeof(void *), "atomic ptr layout");
#define KBPF_ATOMIC_PTR(p) ((void *_Atomic *)(p))

static inline void *kbpf_load_acquire_ptr(const void *p)
{
	return atomic_load_explicit(KBPF_ATOMIC_PTR((void *)p),
				    memory_order_acquire);
}

static inline void kbpf_store_release_ptr(void *p, void *v)
{
	atomic_store_explicit(KBPF_ATOMIC_PTR(p), v, memory_order_release);
}

static inline void *kbpf_xchg_ptr(void *p, void *v)
{
	return atomic_exchange_explicit(KBPF_ATOMIC_PTR(p), v,
					memory_order_acq_rel);
}

/* Compare-and-exchange of a pointer slot, full ordering; returns the old value. */
static inline void *kbpf_cmpxchg_ptr(void *p, void *old, void *new)
{
	atomic_compare_exchange_strong_explicit(KBPF_ATOMIC_PTR(p), &old, new,
						memory_order_seq_cst,
						memory_order_seq_cst);
	return old;
}

/* Compare-and-exchange with full ordering; returns the old value. */
static inline uint64_t kbpf_cmpxchg_u64(void *p, uint64_t old, uint64_t new)
{
	atomic_compare_exchange_strong_explicit(KBPF_ATOMIC_U64(p), &old, new,
						memory_order_seq_cst,
						memory_order_seq_cst);
	return old;
}

/*
 * The CAS works on int32_t: riscv64's lr.w sign-extends, and gcc compares
 * that against the expected value as it sits in a register, so both sides
 * must be sign-extended (found by the conformance suite under qemu-riscv64).
 */
static inline uint32_t kbpf_cmpxchg_u32(void *p, uint32_t old, uint32_t new)
{
	int32_t o = (int32_t)old;

#if defined(__riscv) && __riscv_xlen == 64
	/*
	 * gcc 12 may pass a truncated 64-bit value here without the sign
	 * extension the psABI requires; lr.w's result is sign-extended, so
	 * the compare would fail. Extend explicitly.
	 */
	__asm__("sext.w %0, %0" : "+r"(o));
#endif
	atomic_compare_exchange_strong_explicit((_Atomic int32_t *)p, &o,
						(int32_t) new,
						memory_order_seq_cst,
						memory_order_seq_cst);
	return (uint32_t)o;
}

static inline uint64_t kbpf_fetch_add_u64(void *p, uint64_t v)
{
	return atomic_fetch_add_explicit(KBPF_ATOMIC_U64(p), v,
					 memory_order_seq_cst);
}

static inline uint32_t kbpf_fetch_add_u32(void *p, uint32_t v)
{
	return atomic_fetch_add_explicit(KBPF_ATOMIC_U32(p), v,
					 memory_order_seq_cst);
}

#define KBPF_ATOMIC_RMW(name, op, type, cast)                              \
	static inline type kbpf_fetch_##name(void *p, type v)              \
	{                                                                  \
		return atomic_fetch_##op##_explicit(cast(p), v,            \
						    memory_order_seq_cst); \
	}
KBPF_ATOMIC_RMW(or_u32, or, uint32_t, KBPF_ATOMIC_U32)
KBPF_ATOMIC_RMW(and_u32, and, uint32_t, KBPF_ATOMIC_U32)
KBPF_ATOMIC_RMW(xor_u32, xor, uint32_t, KBPF_ATOMIC_U32)
KBPF_ATOMIC_RMW(or_u64, or, uint64_t, KBPF_ATOMIC_U64)
KBPF_ATOMIC_RMW(and_u64, and, uint64_t, KBPF_ATOMIC_U64)
KBPF_ATOMIC_RMW(xor_u64, xor, uint64_t, KBPF_ATOMIC_U64)
#undef KBPF_ATOMIC_RMW

static inline void kbpf_smp_mb(void)
{
	atomic_thread_fence(memory_order_seq_cst);
}

/* Hint to the CPU that we are spinning. */
static inline void kbpf_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* KBPF_CORE_ATOMIC_H */
