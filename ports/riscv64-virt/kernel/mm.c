// SPDX-License-Identifier: MIT
/*
 * Memory: a page allocator, a small-object allocator, Sv39 page tables,
 * the vmap area, user copies and fault-safe kernel reads.
 *
 * Pages: one byte per page of RAM says whether it is in use; allocation is
 * first fit over that array, so runs of pages are physically contiguous.
 * The kernel reaches every physical page through the identity map, so a
 * page's handle (kbpf_host.alloc_pages) is simply its physical address.
 *
 * Small objects: power-of-two classes from 16 to 2048 bytes, each a free
 * list fed one page at a time; larger requests take whole pages. An object
 * of class C is C-aligned, so alignment requests up to a page are met by
 * rounding the class up. Nothing here ever sleeps or waits for memory:
 * kbpf's atomic allocations (KBPF_ALLOC_ATOMIC) and normal ones behave the
 * same, and both can be made from interrupt handlers.
 *
 * User copies do not touch user addresses through the MMU: they walk the
 * page table, demand a valid user (U) leaf with the needed permission for
 * every page of the range, and copy through the identity map. A bad
 * pointer (kernel memory, unmapped, read-only for a write) is a missing or
 * wrong PTE and gives -EFAULT; no fault can happen, so no fault-fixup table
 * is needed. This kernel has one single-threaded user program, so its
 * mappings cannot change during a copy; a kernel with threads must hold its
 * address-space lock around the walk and the copy (or use sstatus.SUM with
 * a fixup table, as Linux does).
 */
#include "kernel.h"

#define PTE_V (1ul << 0)
#define PTE_R (1ul << 1)
#define PTE_W (1ul << 2)
#define PTE_X (1ul << 3)
#define PTE_U (1ul << 4)
#define PTE_G (1ul << 5)
#define PTE_A (1ul << 6)
#define PTE_D (1ul << 7)
#define PTE_PA(pte) (((pte) >> 10) << 12)
#define PA_PTE(pa) (((pa) >> 12) << 10)
#define SATP_SV39 (8ul << 60)

#define NR_PAGES ((RAM_END - RAM_BASE) / PAGE_SIZE)
#define VMAP_PAGES (VMAP_SIZE / PAGE_SIZE)
#define MIN_CLASS 4 /* 16 bytes */
#define MAX_CLASS 11 /* 2048 bytes */

extern char kernel_start[], kernel_end[];

static struct spinlock page_lock, heap_lock, vm_lock;
static uint8_t page_used[NR_PAGES];
static uint8_t vmap_used[VMAP_PAGES];
static size_t pages_free;
static uint64_t *root; /* the Sv39 root table, shared by all harts */

struct free_obj {
	struct free_obj *next;
};
static struct free_obj *free_lists[MAX_CLASS + 1];

/* First fit: @nr consecutive free slots of @used[0..@n), marked used. */
static long range_alloc(uint8_t *used, size_t n, size_t nr)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = used[i] ? 0 : run + 1;
		if (run == nr) {
			size_t first = i + 1 - nr;

			memset(used + first, 1, nr);
			return (long)first;
		}
	}
	return -1;
}

uintptr_t page_alloc(size_t nr)
{
	unsigned long flags = spin_lock_irqsave(&page_lock);
	long first = range_alloc(page_used, NR_PAGES, nr);
	uintptr_t pa;

	if (first < 0) {
		spin_unlock_irqrestore(&page_lock, flags);
		return 0;
	}
	pages_free -= nr;
	spin_unlock_irqrestore(&page_lock, flags);
	pa = RAM_BASE + (uintptr_t)first * PAGE_SIZE;
	memset((void *)pa, 0, nr * PAGE_SIZE);
	return pa;
}

void page_free(uintptr_t pa, size_t nr)
{
	unsigned long flags = spin_lock_irqsave(&page_lock);

	memset(page_used + (pa - RAM_BASE) / PAGE_SIZE, 0, nr);
	pages_free += nr;
	spin_unlock_irqrestore(&page_lock, flags);
}

size_t mm_pages_free(void)
{
	return pages_free;
}

static unsigned int size_class(size_t size, size_t align)
{
	unsigned int c = MIN_CLASS;

	if (align > size)
		size = align;
	while ((1ul << c) < size)
		c++;
	return c;
}

void *kmalloc(size_t size, size_t align)
{
	unsigned int c = size_class(size, align);
	struct free_obj *obj;
	unsigned long flags;

	if (c > MAX_CLASS)
		return (void *)page_alloc((size + PAGE_SIZE - 1) / PAGE_SIZE);
	flags = spin_lock_irqsave(&heap_lock);
	if (!free_lists[c]) {
		/* Cut a fresh page into objects of this class. */
		uintptr_t pa = page_alloc(1);

		for (size_t off = 0; pa && off < PAGE_SIZE; off += 1ul << c) {
			obj = (struct free_obj *)(pa + off);
			obj->next = free_lists[c];
			free_lists[c] = obj;
		}
	}
	obj = free_lists[c];
	if (obj)
		free_lists[c] = obj->next;
	spin_unlock_irqrestore(&heap_lock, flags);
	return obj;
}

void kfree(void *p, size_t size)
{
	unsigned int c = size_class(size, 1);
	struct free_obj *obj = p;
	unsigned long flags;

	if (c > MAX_CLASS) {
		page_free((uintptr_t)p, (size + PAGE_SIZE - 1) / PAGE_SIZE);
		return;
	}
	/*
	 * The class depends on the alignment asked for too; kbpf passes only
	 * the size to free, so an object aligned above its size lands on the
	 * list of its size class: still a correct, aligned-enough object.
	 */
	flags = spin_lock_irqsave(&heap_lock);
	obj->next = free_lists[c];
	free_lists[c] = obj;
	spin_unlock_irqrestore(&heap_lock, flags);
}

/* The leaf PTE of @va, creating tables on the way if @create. */
static uint64_t *walk(uintptr_t va, bool create)
{
	uint64_t *table = root;

	for (int level = 2; level > 0; level--) {
		uint64_t *pte = &table[(va >> (12 + 9 * level)) & 511];

		if (!(*pte & PTE_V)) {
			uintptr_t pa;

			if (!create || !(pa = page_alloc(1)))
				return NULL;
			__atomic_store_n(pte, PA_PTE(pa) | PTE_V,
					 __ATOMIC_RELEASE);
		} else if (*pte & (PTE_R | PTE_X)) {
			return NULL; /* a 1 GiB leaf: kernel memory */
		}
		table = (uint64_t *)PTE_PA(*pte);
	}
	return &table[(va >> 12) & 511];
}

static int map_page(uintptr_t va, uintptr_t pa, uint64_t perm)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	uint64_t *pte = walk(va, true);

	if (pte)
		*pte = PA_PTE(pa) | perm | PTE_V | PTE_A | PTE_D;
	spin_unlock_irqrestore(&vm_lock, flags);
	return pte ? 0 : -1;
}

int map_user(uintptr_t va, uintptr_t pa, unsigned int how)
{
	uint64_t perm = PTE_U | PTE_R | (how & UMAP_W ? PTE_W : 0) |
			(how & UMAP_X ? PTE_X : 0);

	if (map_page(va, pa, perm))
		return -1;
	__asm__ volatile("sfence.vma %0" ::"r"(va) : "memory");
	return 0;
}

void unmap_user(uintptr_t va, size_t nr)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);

	for (size_t i = 0; i < nr; i++) {
		uint64_t *pte = walk(va + i * PAGE_SIZE, false);

		if (pte)
			*pte = 0;
	}
	spin_unlock_irqrestore(&vm_lock, flags);
	sbi_remote_sfence_vma();
}

void mm_init(void)
{
	size_t kernel_pages = ((uintptr_t)kernel_end - RAM_BASE) / PAGE_SIZE;

	memset(page_used, 1, kernel_pages); /* OpenSBI and the kernel */
	pages_free = NR_PAGES - kernel_pages;
	root = (uint64_t *)page_alloc(1);
	/* 1 GiB leaves: devices (read/write) and RAM, kernel only. */
	root[0] = PA_PTE(0ul) | PTE_V | PTE_R | PTE_W | PTE_G | PTE_A | PTE_D;
	root[RAM_BASE >> 30] = PA_PTE(RAM_BASE) | PTE_V | PTE_R | PTE_W |
			       PTE_X | PTE_G | PTE_A | PTE_D;
	mm_init_hart();
}

void mm_init_hart(void)
{
	csr_write(satp, SATP_SV39 | ((uintptr_t)root >> 12));
	__asm__ volatile("sfence.vma" ::: "memory");
}

/* Unmap @mapped pages at @va and give back @slots pages of the area. */
static void vunmap_range(uintptr_t va, size_t mapped, size_t slots)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);

	for (size_t i = 0; i < mapped; i++)
		*walk(va + i * PAGE_SIZE, false) = 0;
	memset(vmap_used + (va - VMAP_BASE) / PAGE_SIZE, 0, slots);
	spin_unlock_irqrestore(&vm_lock, flags);
	sbi_remote_sfence_vma();
}

void *vmap_pages(const uintptr_t *pages, size_t nr)
{
	unsigned long flags = spin_lock_irqsave(&vm_lock);
	/* One more page, left unmapped: a guard between areas. */
	long first = range_alloc(vmap_used, VMAP_PAGES, nr + 1);
	uintptr_t va = VMAP_BASE + (uintptr_t)first * PAGE_SIZE;

	spin_unlock_irqrestore(&vm_lock, flags);
	if (first < 0)
		return NULL;
	for (size_t i = 0; i < nr; i++) {
		if (map_page(va + i * PAGE_SIZE, pages[i],
			     PTE_R | PTE_W | PTE_G)) {
			vunmap_range(va, i, nr + 1);
			return NULL;
		}
	}
	/* Other harts may run programs that use the area at once. */
	sbi_remote_sfence_vma();
	return (void *)va;
}

void vunmap_pages(void *addr, size_t nr)
{
	vunmap_range((uintptr_t)addr, nr, nr + 1);
}

/*
 * The kernel address of @va if its leaf PTE has every bit of @need, else 0.
 * Only 4 KiB leaves qualify: the 1 GiB kernel leaves are refused.
 */
static uintptr_t leaf_addr(uintptr_t va, uint64_t need)
{
	uint64_t *pte = walk(va, false);

	if (!pte || (*pte & need) != need)
		return 0;
	return PTE_PA(*pte) | (va & (PAGE_SIZE - 1));
}

/*
 * Copy @n bytes between kernel buffer @k and virtual address @va, a page
 * at a time through the identity map, each page's PTE having @need.
 */
static int walk_copy(void *k, uintptr_t va, size_t n, uint64_t need, bool to_va)
{
	if (va + n < va)
		return -KBPF_EFAULT;
	while (n) {
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		uintptr_t pa = leaf_addr(va, need);

		if (!pa)
			return -KBPF_EFAULT;
		if (chunk > n)
			chunk = n;
		if (to_va)
			memcpy((void *)pa, k, chunk);
		else
			memcpy(k, (const void *)pa, chunk);
		k = (char *)k + chunk;
		va += chunk;
		n -= chunk;
	}
	return 0;
}

/* Copy between kernel @k and user @u: user pages only, writable to write. */
static int user_copy(void *k, uintptr_t u, size_t n, bool to_user)
{
	if (u < USER_BASE || u + n > USER_END || u + n < u)
		return -KBPF_EFAULT;
	return walk_copy(k, u, n, PTE_V | PTE_U | PTE_R | (to_user ? PTE_W : 0),
			 to_user);
}

int copy_from_user(void *dst, const void *usrc, size_t n)
{
	return user_copy(dst, (uintptr_t)usrc, n, false);
}

int copy_to_user(void *udst, const void *src, size_t n)
{
	return user_copy((void *)src, (uintptr_t)udst, n, true);
}

long strncpy_from_user(char *dst, const char *usrc, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (copy_from_user(dst + i, usrc + i, 1))
			return -KBPF_EFAULT;
		if (!dst[i])
			return (long)i;
	}
	return (long)n;
}

/*
 * Fault-safe kernel read: the kernel's RAM, or mapped pages of the vmap
 * area (read through the identity map, so a page unmapped meanwhile on
 * another hart cannot fault). Not the firmware below the kernel (PMP
 * protected: reading it would trap) and never device registers.
 */
int probe_kernel(void *dst, const void *src, size_t n)
{
	uintptr_t a = (uintptr_t)src;

	if (a + n < a)
		return -KBPF_EFAULT;
	if (a < USER_END && a + n > USER_BASE)
		return -KBPF_ERANGE;
	if (a >= (uintptr_t)kernel_start && a + n <= RAM_END) {
		memcpy(dst, src, n);
		return 0;
	}
	if (a < VMAP_BASE || a + n > VMAP_BASE + VMAP_SIZE)
		return -KBPF_EFAULT;
	return walk_copy(dst, a, n, PTE_V | PTE_R, false);
}
