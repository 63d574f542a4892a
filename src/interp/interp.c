// SPDX-License-Identifier: MIT
/*
 * The BPF interpreter: the RFC 9669 instruction set with Linux 6.18's
 * runtime rules (kernel/bpf/core.c's interpreter in behaviour): division by
 * zero gives 0, modulo by zero leaves the dividend, shift amounts are
 * masked to the operand width, 32-bit results are zero-extended, signed
 * INT_MIN / -1 wraps and INT_MIN % -1 is 0.
 *
 * One run has a stack of KBPF_MAX_CALL_FRAMES frames of KBPF_STACK_SIZE
 * bytes in struct interp_state, on the caller's C stack. bpf-to-bpf calls
 * and helper callbacks (bpf_loop, for_each_map_elem) take the next frame.
 *
 * Checked mode adds: a validation pass before the first instruction (every
 * jump and call lands on an instruction inside the program, ld_imm64 pairs
 * are whole, no write to r10, the last instruction cannot fall through), a
 * region check on every load and store, helper-argument checks against the
 * helper's prototype, and one budget per run (instructions, callback
 * invocations, tail calls) shared by callbacks and tail-called programs;
 * a ring buffer record the program leaks is given back at the end.
 *
 * Programs whose loader was not perfmon_capable() (kbpf_prog.priv without
 * KBPF_PRIV_PERFMON) run checked through a third loop that also applies
 * Linux's pointer-leak rules (interp_taint.h): the run stops with -EACCES
 * where the verifier would have refused the program for leaking an address.
 *
 * Speculation, for those runs only (Linux's bypass_spec_v1/v4 = false):
 * Spectre v1 - after a load or store passes its check, its address is
 * recomputed without a branch as an offset masked into the stack frame,
 * region or value area that contained it, so a mispredicted check cannot
 * steer a speculative access outside memory the run may touch. Not
 * covered: Spectre v4 (speculative store bypass; Linux adds a barrier
 * after spills, kbpf relies on the host enabling SSBD for untrusted
 * programs), Spectre v2 on the interpreter's own indirect dispatch (the
 * host's retpolines/IBRS), and the accesses helpers make themselves.
 *
 * No locks. A run touches only its own state, the program (read-only) and
 * what helpers hand out.
 */
#include "core/alloc.h"
#include "core/atomic.h"
#include "core/util.h"
#include "kbpf/interp.h"
#include "core/map.h"
#include "core/priv.h"
#include "core/prog.h"
#include "kbpf/packet.h"
#include "image.h"

struct interp_region {
	uintptr_t start;
	uintptr_t end;
	union {
		void (*release)(void *ptr); /* record: give it back at the end */
		const struct kbpf_map *map; /* a field: the value's map */
	};
	bool writable;
	bool write_only; /* a BPF_F_WRONLY_PROG map's value: no loads */
	bool record; /* a ring buffer record: may be submitted once */
	bool opaque; /* a dynptr lent to a callback: for helpers only */
	uint8_t field; /* opaque: a value's INTERP_FIELD_* */
};

/* Special fields of map values, opaque regions only helpers take. */
#define INTERP_FIELD_LOCK 1 /* bpf_spin_lock, 4 bytes */
#define INTERP_FIELD_TIMER 2 /* bpf_timer, 16 bytes */
#define INTERP_FIELD_KPTR 3 /* a referenced (or local) kptr: read-only */
#define INTERP_FIELD_KPTR_UNREF 4 /* an untrusted kptr: read-write */
/* A lock, a timer and Linux's most kptrs. */
#define KBPF_MAX_VALUE_FIELDS 13

/*
 * A map's value area (kbpf_map_value_area): only the value bytes of each
 * element in [start, end) are reachable, with the map's program-side
 * permissions (BPF_F_RDONLY_PROG, BPF_F_WRONLY_PROG). Checked after the
 * regions, so that accesses to the context and plain regions cost what
 * they did; kept for the run (the map's storage lives as long as the map,
 * which the run holds), dropped at a tail call with the program's regions.
 */
struct interp_area {
	uintptr_t start;
	uintptr_t end;
	uint32_t stride;
	uint32_t off;
	uint32_t size;
	bool writable;
	bool write_only;
};

/* Maps with a value area one checked run covers that way; more: per value. */
#define INTERP_MAX_AREAS 16

struct interp_state {
	struct kbpf_run *run;
	const struct bpf_insn *insns;
	uint32_t len;
	uint32_t nr_sites; /* of the running program's image; 0 without one */
	const struct kbpf_interp_site *sites;
	uint32_t depth; /* stack frames in use */
	uint64_t budget; /* checked mode: instructions (and callbacks) left */
	uint32_t may_goto; /* may_goto iterations left */
	bool checked;
	uint32_t nr_regions;
	uint32_t nr_base_regions; /* the context's; kept across tail calls */
	/* Regions below it belong to a caller of the current callback. */
	uint32_t region_floor;
	uint32_t pkt_region; /* index of the packet's region, or UINT32_MAX */
	/*
	 * cap_regions entries: regions_inline, or once a run needs more, a
	 * table from the host (KBPF_ALLOC_ATOMIC) that doubles as needed and
	 * is freed when the run ends.
	 */
	struct interp_region *regions;
	uint32_t cap_regions;
	struct interp_region regions_inline[KBPF_INTERP_MAX_REGIONS];
	uint32_t nr_areas;
	struct interp_area areas[INTERP_MAX_AREAS];
	/* Inner maps handed out by map-in-map lookups in this run. */
	uint32_t nr_inner_maps;
	const struct kbpf_map *inner_maps[KBPF_INTERP_MAX_INNER_MAPS];
	/*
	 * Host without defer_free: programs this run entered by a tail call,
	 * each with a run hold (kbpf_prog_run_hold()) given back at the end.
	 */
	uint32_t nr_held;
	struct kbpf_prog *held[KBPF_MAX_TAIL_CALLS];
	uint8_t stack[KBPF_MAX_CALL_FRAMES][KBPF_STACK_SIZE]
		__attribute__((aligned(16)));
	/*
	 * Pointer rules (interp_taint.h), runs of programs whose loader was
	 * not perfmon_capable(): what each 8-byte slot of @stack holds, and
	 * the register kinds of the innermost frame running.
	 */
	bool unpriv;
	uint8_t *rk;
	uint8_t slot_kind[KBPF_MAX_CALL_FRAMES * KBPF_STACK_SIZE / 8];
	/* Which bytes of each slot the program (or a helper) wrote. */
	uint8_t slot_init[KBPF_MAX_CALL_FRAMES * KBPF_STACK_SIZE / 8];
	/* The registers at a tail call into such a program (checked mode). */
	uint64_t resume_regs[11];
};

/*
 * interp_exec_checked's answer when the main frame tail-called a program
 * whose loader was not perfmon_capable(): kbpf_interp_run continues in
 * interp_exec_unpriv from st->resume_regs.
 */
#define INTERP_RESUME_UNPRIV 1

/* Linux's may_goto budget per program run (image.h). */
#define INTERP_MAY_GOTO_LOOPS KBPF_INTERP_MAY_GOTO_LOOPS

/* ---- arithmetic with Linux's runtime rules ---- */

static inline uint64_t interp_div64(uint64_t a, uint64_t b, int16_t off)
{
	if (!b)
		return 0;
	if (off == 1) {
		if ((int64_t)b == -1)
			return (uint64_t)0 - a; /* INT64_MIN / -1 wraps */
		return (uint64_t)((int64_t)a / (int64_t)b);
	}
	return a / b;
}

static inline uint64_t interp_mod64(uint64_t a, uint64_t b, int16_t off)
{
	if (!b)
		return a;
	if (off == 1) {
		if ((int64_t)b == -1)
			return 0;
		return (uint64_t)((int64_t)a % (int64_t)b);
	}
	return a % b;
}

static inline uint32_t interp_div32(uint32_t a, uint32_t b, int16_t off)
{
	if (!b)
		return 0;
	if (off == 1) {
		if ((int32_t)b == -1)
			return (uint32_t)0 - a;
		return (uint32_t)((int32_t)a / (int32_t)b);
	}
	return a / b;
}

static inline uint32_t interp_mod32(uint32_t a, uint32_t b, int16_t off)
{
	if (!b)
		return a;
	if (off == 1) {
		if ((int32_t)b == -1)
			return 0;
		return (uint32_t)((int32_t)a % (int32_t)b);
	}
	return a % b;
}

static inline uint64_t interp_bswap(uint64_t v, int32_t bits)
{
	switch (bits) {
	case 16:
		return kbpf_bswap16((uint16_t)v);
	case 32:
		return kbpf_bswap32((uint32_t)v);
	default:
		return kbpf_bswap64(v);
	}
}

static inline uint64_t interp_trunc(uint64_t v, int32_t bits)
{
	switch (bits) {
	case 16:
		return (uint16_t)v;
	case 32:
		return (uint32_t)v;
	default:
		return v;
	}
}

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define interp_to_le(v, bits) interp_trunc((v), (bits))
#define interp_to_be(v, bits) interp_bswap((v), (bits))
#else
#define interp_to_le(v, bits) interp_bswap((v), (bits))
#define interp_to_be(v, bits) interp_trunc((v), (bits))
#endif

/* ---- atomics ---- */

static int interp_atomic(const struct bpf_insn *insn, uint64_t *regs, void *p,
			 unsigned int size)
{
	uint64_t *dst = &regs[insn->dst_reg], *src = &regs[insn->src_reg];
	uint64_t old;

	if (insn->imm == BPF_LOAD_ACQ) {
		switch (size) {
		case 1:
			*dst = __atomic_load_n((uint8_t *)p, __ATOMIC_ACQUIRE);
			return 0;
		case 2:
			*dst = __atomic_load_n((uint16_t *)p, __ATOMIC_ACQUIRE);
			return 0;
		case 4:
			*dst = kbpf_load_acquire_u32(p);
			return 0;
		default:
			*dst = kbpf_load_acquire_u64(p);
			return 0;
		}
	}
	if (insn->imm == BPF_STORE_REL) {
		switch (size) {
		case 1:
			__atomic_store_n((uint8_t *)p, (uint8_t)*src,
					 __ATOMIC_RELEASE);
			return 0;
		case 2:
			__atomic_store_n((uint16_t *)p, (uint16_t)*src,
					 __ATOMIC_RELEASE);
			return 0;
		case 4:
			kbpf_store_release_u32(p, (uint32_t)*src);
			return 0;
		default:
			kbpf_store_release_u64(p, *src);
			return 0;
		}
	}
	/* Read-modify-write atomics exist only in 32 and 64 bits. */
	if (size == 4) {
		uint32_t v = (uint32_t)*src;

		switch (insn->imm & ~BPF_FETCH) {
		case BPF_ADD:
			old = kbpf_fetch_add_u32(p, v);
			break;
		case BPF_OR:
			old = kbpf_fetch_or_u32(p, v);
			break;
		case BPF_AND:
			old = kbpf_fetch_and_u32(p, v);
			break;
		case BPF_XOR:
			old = kbpf_fetch_xor_u32(p, v);
			break;
		case BPF_XCHG & ~BPF_FETCH:
			if (insn->imm != BPF_XCHG)
				return -KBPF_EINVAL;
			*src = kbpf_xchg_u32(p, v);
			return 0;
		case BPF_CMPXCHG & ~BPF_FETCH:
			if (insn->imm != BPF_CMPXCHG)
				return -KBPF_EINVAL;
			regs[0] = kbpf_cmpxchg_u32(p, (uint32_t)regs[0], v);
			return 0;
		default:
			return -KBPF_EINVAL;
		}
		if (insn->imm & BPF_FETCH)
			*src = (uint32_t)old;
		return 0;
	}
	if (size == 8) {
		switch (insn->imm & ~BPF_FETCH) {
		case BPF_ADD:
			old = kbpf_fetch_add_u64(p, *src);
			break;
		case BPF_OR:
			old = kbpf_fetch_or_u64(p, *src);
			break;
		case BPF_AND:
			old = kbpf_fetch_and_u64(p, *src);
			break;
		case BPF_XOR:
			old = kbpf_fetch_xor_u64(p, *src);
			break;
		case BPF_XCHG & ~BPF_FETCH:
			if (insn->imm != BPF_XCHG)
				return -KBPF_EINVAL;
			*src = kbpf_xchg_u64(p, *src);
			return 0;
		case BPF_CMPXCHG & ~BPF_FETCH:
			if (insn->imm != BPF_CMPXCHG)
				return -KBPF_EINVAL;
			regs[0] = kbpf_cmpxchg_u64(p, regs[0], *src);
			return 0;
		default:
			return -KBPF_EINVAL;
		}
		if (insn->imm & BPF_FETCH)
			*src = old;
		return 0;
	}
	return -KBPF_EINVAL;
}

/* ---- checked mode: regions ---- */

/* Dead regions (submitted records) at the top give their slots back. */
static void interp_region_pop_dead(struct interp_state *st)
{
	while (st->nr_regions > st->region_floor &&
	       st->regions[st->nr_regions - 1].end ==
		       st->regions[st->nr_regions - 1].start &&
	       !st->regions[st->nr_regions - 1].record)
		st->nr_regions--;
}

/*
 * The region table is full: move it to host memory twice its size. Not a
 * limit: a legal program may hold as many map values as it looks up (a
 * BPF_F_NO_PREALLOC hash has no value area), bounded by the run's budget.
 * Return 0, -ENOMEM if the host has no memory for it now, or -E2BIG past
 * what a size_t holds.
 */
static KBPF_NOINLINE int interp_regions_grow(struct interp_state *st)
{
	const struct kbpf_host *h = st->run->host;
	size_t size = (size_t)st->cap_regions * sizeof(struct interp_region);
	struct interp_region *r;

	if (st->cap_regions > UINT32_MAX / 2 || size > SIZE_MAX / 2)
		return -KBPF_E2BIG;
	r = kbpf_malloc(h, size * 2, KBPF_ALLOC_ATOMIC);
	if (!r)
		return -KBPF_ENOMEM;
	memcpy(r, st->regions, size);
	if (st->regions != st->regions_inline)
		kbpf_free(h, st->regions, size);
	st->regions = r;
	st->cap_regions *= 2;
	return 0;
}

/*
 * A region table past its inline size is scanned linearly: charge the
 * scan of @n regions to the budget (a unit per KBPF_INTERP_MAX_REGIONS
 * regions), so that the budget still bounds a run's work, as when the
 * table could not grow. Out of budget, the run stops at its next charge.
 * The state is the run's own; @st is const only for the callers' sake.
 */
static KBPF_NOINLINE void interp_charge_scan(const struct interp_state *st,
					     uint32_t n)
{
	struct interp_state *w = (struct interp_state *)(uintptr_t)st;
	uint64_t c = n / KBPF_INTERP_MAX_REGIONS;

	w->budget = w->budget > c ? w->budget - c : 0;
}

static int interp_region_push(struct interp_state *st,
			      const struct interp_region *add)
{
	int err;

	uint32_t i;

	/*
	 * The same region again (a map value looked up in every iteration of
	 * a callback or loop): keep one, or long runs would hit the limit.
	 */
	for (i = st->nr_regions; i-- > 0;) {
		const struct interp_region *r = &st->regions[i];

		if (r->start == add->start && r->end == add->end &&
		    r->writable == add->writable && !r->record &&
		    r->opaque == add->opaque && r->field == add->field)
			break;
	}
	if (kbpf_unlikely(st->nr_regions - i > KBPF_INTERP_MAX_REGIONS))
		interp_charge_scan(st, st->nr_regions - i);
	if (i != UINT32_MAX)
		return 0;
	interp_region_pop_dead(st);
	if (st->nr_regions >= st->cap_regions) {
		err = interp_regions_grow(st);
		if (err)
			return err;
	}
	st->regions[st->nr_regions++] = *add;
	return 0;
}

/* @write_only: stores only, as a BPF_F_WRONLY_PROG map's values. */
static int interp_region_add_perm(struct interp_state *st, const void *p,
				  size_t size, bool writable, bool write_only)
{
	uintptr_t start = (uintptr_t)p;

	if (!size)
		return 0;
	if (start + size < start)
		return -KBPF_EINVAL;
	return interp_region_push(st, &(struct interp_region){
					      .start = start,
					      .end = start + size,
					      .writable = writable,
					      .write_only = write_only,
				      });
}

static int interp_region_add(struct interp_state *st, const void *p,
			     size_t size, bool writable)
{
	return interp_region_add_perm(st, p, size, writable, false);
}

/*
 * What a program may do with a value of @map (Linux's verifier: "write
 * into map forbidden", "read from map forbidden").
 */
static bool map_prog_writable(const struct kbpf_map *map)
{
	return !(map->map_flags & BPF_F_RDONLY_PROG);
}

static bool map_prog_write_only(const struct kbpf_map *map)
{
	return map->map_flags & BPF_F_WRONLY_PROG;
}

/*
 * Whether [addr, end) lies in one value of a map's value area. Out of
 * line: the loop's inlined check stays as small as before areas existed.
 */
static KBPF_NOINLINE bool interp_area_ok(const struct interp_state *st,
					 uintptr_t addr, uintptr_t end,
					 bool write)
{
	uint32_t i;

	for (i = 0; i < st->nr_areas; i++) {
		const struct interp_area *a = &st->areas[i];
		uintptr_t in;

		if (addr < a->start || end > a->end)
			continue;
		in = (addr - a->start) % a->stride;
		if (in >= a->off && in - a->off + (end - addr) <= a->size)
			return write ? a->writable : !a->write_only;
	}
	return false;
}

/*
 * A probe load's read (KBPF_PROBE_MEM): 0, or -EFAULT when the host has
 * no probe_read_kernel or the read failed (the load then gives 0).
 */
static KBPF_ALWAYS_INLINE int interp_probe_read(const struct kbpf_host *h,
						void *dst, size_t n,
						uintptr_t addr)
{
	if (!h->probe_read_kernel)
		return -KBPF_EFAULT;
	return h->probe_read_kernel(h, dst, (const void *)addr, n);
}

/*
 * Always inlined: the checked loop's speed rests on it, and gcc's unit
 * growth limit stops inlining it once interp.c holds three loops.
 */
static KBPF_ALWAYS_INLINE bool interp_access_ok(const struct interp_state *st,
						uintptr_t addr, size_t size,
						bool write)
{
	uintptr_t end = addr + size;
	uintptr_t stack_lo = (uintptr_t)st->stack[0];
	uintptr_t stack_hi = (uintptr_t)st->stack[st->depth];
	uint32_t i;

	if (end < addr)
		return false;
	/* The frames in use, the callers' included (pointers to them are passed down). */
	if (addr >= stack_lo && end <= stack_hi)
		return true;
	for (i = 0; i < st->nr_regions; i++) {
		const struct interp_region *r = &st->regions[i];

		if (addr >= r->start && end <= r->end) {
			if (kbpf_unlikely(i >= KBPF_INTERP_MAX_REGIONS))
				interp_charge_scan(st, i);
			return !r->opaque &&
			       (write ? r->writable : !r->write_only);
		}
	}
	if (kbpf_unlikely(i >= KBPF_INTERP_MAX_REGIONS))
		interp_charge_scan(st, i);
	return st->nr_areas && interp_area_ok(st, addr, end, write);
}

void kbpf_run_add_record(struct kbpf_run *run, void *ptr, size_t size,
			 void (*release)(void *ptr))
{
	struct interp_state *st = run->checked;
	uintptr_t start = (uintptr_t)ptr;
	int err = 0;

	if (!st || !ptr)
		return;
	if (!size)
		size = 1;
	/* Never merged with another region: each record is released once. */
	interp_region_pop_dead(st);
	if (start + size < start)
		err = -KBPF_EINVAL;
	else if (st->nr_regions >= st->cap_regions)
		err = interp_regions_grow(st);
	if (!err) {
		st->regions[st->nr_regions++] = (struct interp_region){
			.start = start,
			.end = start + size,
			.writable = true,
			.record = true,
			.release = release,
		};
		return;
	}
	/* Untracked, it could not be released later: give it back now. */
	if (release)
		release(ptr);
	if (!run->error)
		run->error = err;
}

/*
 * Checked mode: give back the records the program still holds (reserved,
 * never submitted or discarded), so the ring's consumer is not stuck
 * behind them. Return -EINVAL if there were any: Linux's verifier refuses
 * a program that can leak a reference.
 */
static KBPF_NOINLINE int interp_release_records(struct interp_state *st)
{
	int err = 0;
	uint32_t i;

	for (i = 0; i < st->nr_regions; i++) {
		struct interp_region *r = &st->regions[i];

		if (!r->record)
			continue;
		if (r->release)
			r->release((void *)r->start);
		r->record = false;
		r->end = r->start;
		err = -KBPF_EINVAL;
	}
	return err;
}

/*
 * A scope of regions (a callback's): nothing at or above the mark is
 * reused by a region outside it, so the release finds its regions there.
 * The mark carries the enclosing scope's floor (both below 2^16).
 */
static uint64_t interp_regions_mark(struct interp_state *st)
{
	uint64_t mark = (uint64_t)st->region_floor << 32 | st->nr_regions;

	st->region_floor = st->nr_regions;
	return mark;
}

static void interp_regions_release(struct interp_state *st, uint64_t mark)
{
	uint32_t top = (uint32_t)mark, i, n;

	/* Keep the records still held, in order; drop the rest. */
	if (top < st->nr_regions) {
		for (i = n = top; i < st->nr_regions; i++)
			if (st->regions[i].record)
				st->regions[n++] = st->regions[i];
		st->nr_regions = n;
	}
	st->region_floor = (uint32_t)(mark >> 32);
}

uint64_t kbpf_run_regions_mark(struct kbpf_run *run)
{
	struct interp_state *st = run->checked;

	return st ? interp_regions_mark(st) : 0;
}

void kbpf_run_regions_release(struct kbpf_run *run, uint64_t mark)
{
	struct interp_state *st = run->checked;

	if (st)
		interp_regions_release(st, mark);
}

/*
 * Checked mode: @value, which a lookup of @map handed out, becomes the
 * program's with the map's permissions: in @map's value area (one for all
 * its values) when it has one, else as a region of its own.
 */
/*
 * A value with special fields (a bpf_spin_lock, a bpf_timer, kptrs): its
 * bytes around them, and each lock or timer as an opaque region, which
 * loads and stores cannot reach (Linux's verifier refuses them:
 * "bpf_spin_lock cannot be accessed directly by load/store", "bpf_timer
 * cannot be accessed directly by load/store") and only their helpers take
 * (interp_is_lock_word(), interp_timer_map()). A kptr is 8 bytes that
 * loads may read; an untrusted one is writable too, a referenced one
 * changes only through bpf_kptr_xchg (interp_is_kptr()), as the verifier
 * says (src/verifier/kptr.c).
 */
static int interp_add_field_value(struct interp_state *st,
				  const struct kbpf_map *map, uint8_t *value)
{
	uint32_t off[KBPF_MAX_VALUE_FIELDS], len[KBPF_MAX_VALUE_FIELDS];
	uint32_t kind[KBPF_MAX_VALUE_FIELDS], at = 0, t;
	bool w = map_prog_writable(map), wo = map_prog_write_only(map);
	int n = 0, i, j, err = 0;

	if (map->spin_lock_off >= 0) {
		off[n] = (uint32_t)map->spin_lock_off;
		len[n] = 4;
		kind[n++] = INTERP_FIELD_LOCK;
	}
	if (map->timer_off >= 0) {
		off[n] = (uint32_t)map->timer_off;
		len[n] = 16;
		kind[n++] = INTERP_FIELD_TIMER;
	}
	for (i = 0;
	     map->kptrs && i < (int)map->kptrs->n && n < KBPF_MAX_VALUE_FIELDS;
	     i++) {
		off[n] = map->kptrs->f[i].off;
		len[n] = 8;
		kind[n++] = map->kptrs->f[i].kind == KBPF_KPTR_UNREF ?
				    INTERP_FIELD_KPTR_UNREF :
				    INTERP_FIELD_KPTR;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && off[j - 1] > off[j]; j--) {
			t = off[j], off[j] = off[j - 1], off[j - 1] = t;
			t = len[j], len[j] = len[j - 1], len[j - 1] = t;
			t = kind[j], kind[j] = kind[j - 1], kind[j - 1] = t;
		}
	for (i = 0; i < n && !err; i++) {
		bool kptr = kind[i] == INTERP_FIELD_KPTR ||
			    kind[i] == INTERP_FIELD_KPTR_UNREF;

		if (off[i] > at)
			err = interp_region_add_perm(st, value + at,
						     off[i] - at, w, wo);
		if (!err)
			err = interp_region_push(
				st,
				&(struct interp_region){
					.start = (uintptr_t)value + off[i],
					.end = (uintptr_t)value + off[i] +
					       len[i],
					.map = map,
					.writable =
						kind[i] ==
							INTERP_FIELD_KPTR_UNREF &&
						w,
					.opaque = !kptr,
					.field = (uint8_t)kind[i],
				});
		at = off[i] + len[i];
	}
	if (!err && map->value_size > at)
		err = interp_region_add_perm(st, value + at,
					     map->value_size - at, w, wo);
	return err;
}

static KBPF_NOINLINE int interp_add_map_value_slow(struct interp_state *st,
						   const struct kbpf_map *map,
						   void *value)
{
	struct kbpf_map_value_area a;
	uintptr_t v = (uintptr_t)value;

	if (kbpf_map_has_fields(map))
		return interp_add_field_value(st, map, value);
	/* The run's CPU only for per-CPU types: others need no host call. */
	if (map->ops->value_area &&
	    map->ops->value_area(map,
				 map->ops->lookup_percpu_elem ?
					 kbpf_run_map_cpu(st->run) :
					 0,
				 &a) &&
	    a.stride && a.off + a.size <= a.stride && v >= a.start &&
	    v < a.end) {
		uint32_t i;

		for (i = 0; i < st->nr_areas; i++)
			if (st->areas[i].start == a.start)
				return 0;
		if (st->nr_areas < INTERP_MAX_AREAS) {
			st->areas[st->nr_areas++] = (struct interp_area){
				.start = a.start,
				.end = a.end,
				.stride = a.stride,
				.off = a.off,
				.size = a.size,
				.writable = map_prog_writable(map),
				.write_only = map_prog_write_only(map),
			};
			return 0;
		}
	}
	return interp_region_add_perm(st, value, map->value_size,
				      map_prog_writable(map),
				      map_prog_write_only(map));
}

/*
 * As above, first asking whether @value lies in an area the run already
 * has: areas are disjoint storage of distinct maps, so that area is
 * @map's, with its permissions (the common case: the same map looked up
 * again, answered without asking the map).
 */
static KBPF_ALWAYS_INLINE int interp_add_map_value(struct interp_state *st,
						   const struct kbpf_map *map,
						   void *value)
{
	uintptr_t v = (uintptr_t)value;
	uint32_t i;

	for (i = 0; i < st->nr_areas; i++)
		if (v - st->areas[i].start <
		    st->areas[i].end - st->areas[i].start)
			return 0;
	return interp_add_map_value_slow(st, map, value);
}

void kbpf_run_add_map_value(struct kbpf_run *run, struct kbpf_map *map,
			    void *value)
{
	struct interp_state *st = run->checked;
	int err;

	if (!st || !value)
		return;
	err = interp_add_map_value(st, map, value);
	if (err && !run->error)
		run->error = err;
}

bool kbpf_run_take_record(struct kbpf_run *run, void *ptr,
			  void (*release)(void *ptr))
{
	struct interp_state *st = run->checked;
	uint32_t i;

	if (!st)
		return true;
	for (i = 0; i < st->nr_regions; i++) {
		struct interp_region *r = &st->regions[i];

		if (r->record && r->start == (uintptr_t)ptr &&
		    r->release == release) {
			/* Submitted or discarded: no longer the program's. */
			r->record = false;
			r->end = r->start;
			return true;
		}
	}
	return false;
}

bool kbpf_run_has_record(struct kbpf_run *run, const void *ptr,
			 void (*release)(void *ptr))
{
	struct interp_state *st = run->checked;
	uint32_t i;

	if (!st)
		return true;
	for (i = 0; i < st->nr_regions; i++) {
		const struct interp_region *r = &st->regions[i];

		if (r->record && r->start == (uintptr_t)ptr &&
		    r->release == release)
			return true;
	}
	return false;
}

void kbpf_run_del_region(struct kbpf_run *run, void *ptr, size_t size)
{
	struct interp_state *st = run->checked;
	uint32_t i;

	if (!st || !size)
		return;
	for (i = st->nr_regions; i-- > st->nr_base_regions;) {
		struct interp_region *r = &st->regions[i];

		if (r->record || r->start != (uintptr_t)ptr ||
		    r->end != (uintptr_t)ptr + size)
			continue;
		r->end = r->start;
		break;
	}
	/* Reuse the slots of dead regions at the top (callbacks per sample). */
	interp_region_pop_dead(st);
}

bool kbpf_run_access_ok(struct kbpf_run *run, const void *ptr, size_t size,
			bool write)
{
	const struct interp_state *st = run->checked;

	return !st || interp_access_ok(st, (uintptr_t)ptr, size, write);
}

void kbpf_run_add_map(struct kbpf_run *run, struct kbpf_map *map)
{
	struct interp_state *st = run->checked;
	uint32_t i;

	if (!st || !map)
		return;
	for (i = 0; i < st->nr_inner_maps; i++)
		if (st->inner_maps[i] == map)
			return;
	if (st->nr_inner_maps == KBPF_INTERP_MAX_INNER_MAPS) {
		if (!run->error)
			run->error = -KBPF_E2BIG;
		return;
	}
	st->inner_maps[st->nr_inner_maps++] = map;
}

void kbpf_run_add_region(struct kbpf_run *run, void *ptr, size_t size,
			 bool writable)
{
	struct interp_state *st = run->checked;
	int err;

	if (!st || !ptr)
		return;
	err = interp_region_add(st, ptr, size, writable);
	if (err && !run->error)
		run->error = err;
}

void kbpf_run_add_dynptr(struct kbpf_run *run, void *ptr, size_t size)
{
	struct interp_state *st = run->checked;
	int err;

	if (!st || !ptr || !size)
		return;
	err = interp_region_push(st, &(struct interp_region){
					     .start = (uintptr_t)ptr,
					     .end = (uintptr_t)ptr + size,
					     .opaque = true,
				     });
	if (err && !run->error)
		run->error = err;
}

/* Whether @v starts a dynptr a helper lent to a callback (16 bytes). */
static bool interp_is_lent_dynptr(const struct interp_state *st, uint64_t v)
{
	uint32_t i;

	for (i = st->nr_regions; i-- > 0;)
		if (st->regions[i].opaque && !st->regions[i].field &&
		    st->regions[i].start == v &&
		    st->regions[i].end - st->regions[i].start >= 16)
			return true;
	return false;
}

/* Whether @v is the bpf_spin_lock word of a map value the run looked up. */
static bool interp_is_lock_word(const struct interp_state *st, uint64_t v)
{
	uint32_t i;

	for (i = st->nr_regions; i-- > 0;)
		if (st->regions[i].opaque &&
		    st->regions[i].field == INTERP_FIELD_LOCK &&
		    st->regions[i].start == v)
			return true;
	return false;
}

/* Is @v a referenced kptr field of a value the run looked up? */
static bool interp_is_kptr(const struct interp_state *st, uint64_t v)
{
	uint32_t i;

	for (i = st->nr_regions; i-- > 0;)
		if (st->regions[i].field == INTERP_FIELD_KPTR &&
		    st->regions[i].start == v)
			return true;
	return false;
}

/*
 * The map whose value's bpf_timer starts at @v, a value the run looked up
 * (or a timer callback was lent); NULL if @v is no such field.
 */
static const struct kbpf_map *interp_timer_map(const struct interp_state *st,
					       uint64_t v)
{
	uint32_t i;

	for (i = st->nr_regions; i-- > 0;)
		if (st->regions[i].opaque &&
		    st->regions[i].field == INTERP_FIELD_TIMER &&
		    st->regions[i].start == v)
			return st->regions[i].map;
	return NULL;
}

void kbpf_run_set_packet(struct kbpf_run *run, void *start, size_t size)
{
	struct interp_state *st = run->checked;
	struct interp_region *r;

	if (!st)
		return;
	if (st->pkt_region == UINT32_MAX) {
		/* The runner gave no packet: only a host's own helper gets here. */
		kbpf_run_add_region(run, start, size, true);
		return;
	}
	/* The base region keeps its index; an empty packet gives an empty range. */
	r = &st->regions[st->pkt_region];
	r->start = (uintptr_t)start;
	r->end = (uintptr_t)start + size;
}

/*
 * Checked mode: before the first instruction, check what the loop relies
 * on: known opcodes (the loop's table has the rest), jumps and calls that
 * land on an instruction start inside the program, whole ld_imm64 pairs,
 * registers in range, no write to r10, and no falling off the end.
 */
static bool interp_is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/*
 * A jump target: inside the program and not the second slot of an
 * ld_imm64. Second slots have code 0 (checked first), so a slot whose
 * predecessor has the ld_imm64 code is always a second slot.
 */
static bool interp_target_ok(const struct bpf_insn *insns, uint32_t len,
			     int64_t target)
{
	if (target < 0 || target >= len)
		return false;
	return !(target > 0 && interp_is_ldimm64(&insns[target - 1]));
}

static int interp_validate_pairs(const struct bpf_insn *insns, uint32_t len)
{
	uint32_t pc;

	for (pc = 0; pc < len; pc++) {
		const struct bpf_insn *insn = &insns[pc];

		if (insn->dst_reg > 10 || insn->src_reg > 10)
			return -KBPF_EINVAL;
		if (!interp_is_ldimm64(insn))
			continue;
		if (pc + 1 >= len || insns[pc + 1].code ||
		    insns[pc + 1].dst_reg || insns[pc + 1].src_reg ||
		    insns[pc + 1].off || insn->dst_reg == BPF_REG_10)
			return -KBPF_EINVAL;
		pc++;
	}
	return 0;
}

static bool interp_writes_r10(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);

	if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX)
		return insn->dst_reg == BPF_REG_10;
	if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC) {
		if (insn->imm == BPF_LOAD_ACQ)
			return insn->dst_reg == BPF_REG_10;
		if (insn->imm == BPF_CMPXCHG)
			return false; /* writes r0 */
		if (insn->imm & BPF_FETCH)
			return insn->src_reg == BPF_REG_10;
	}
	return false;
}

static int interp_validate(const struct bpf_insn *insns, uint32_t len)
{
	const struct bpf_insn *last;
	uint32_t pc;
	int err;

	if (!len)
		return -KBPF_EINVAL;
	err = interp_validate_pairs(insns, len);
	if (err)
		return err;
	for (pc = 0; pc < len; pc++) {
		const struct bpf_insn *insn = &insns[pc];
		uint8_t cls = BPF_CLASS(insn->code);
		uint8_t op = BPF_OP(insn->code);
		int64_t target;

		if (interp_is_ldimm64(insn)) {
			if (insn->src_reg == BPF_PSEUDO_FUNC &&
			    !interp_target_ok(insns, len,
					      (int64_t)pc + 1 + insn->imm))
				return -KBPF_EINVAL;
			pc++;
			continue;
		}
		if (interp_writes_r10(insn))
			return -KBPF_EINVAL;
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_EXIT)
			continue;
		if (op == BPF_CALL) {
			if (cls != BPF_JMP || insn->src_reg != BPF_PSEUDO_CALL)
				continue; /* helper: id checked at call time */
			target = (int64_t)pc + 1 + insn->imm;
		} else if (op == BPF_JA && cls == BPF_JMP32) {
			target = (int64_t)pc + 1 + insn->imm;
		} else {
			target = (int64_t)pc + 1 + insn->off;
		}
		if (!interp_target_ok(insns, len, target))
			return -KBPF_EINVAL;
	}
	/* The last instruction must not fall through past the end. */
	last = &insns[len - 1];
	if (len >= 2 && interp_is_ldimm64(&insns[len - 2]))
		return -KBPF_EINVAL;
	if (!((BPF_CLASS(last->code) == BPF_JMP ||
	       BPF_CLASS(last->code) == BPF_JMP32) &&
	      (BPF_OP(last->code) == BPF_EXIT || BPF_OP(last->code) == BPF_JA)))
		return -KBPF_EINVAL;
	return 0;
}

/*
 * Checked mode: the value areas a program addresses directly through
 * ld_imm64 (BPF_PSEUDO_MAP_VALUE: global data in single-element arrays),
 * with the map's program-side permissions (`.rodata` is BPF_F_RDONLY_PROG).
 */
static int interp_add_prog_regions(struct interp_state *st,
				   const struct kbpf_prog *prog)
{
	uint32_t i;

	for (i = 0; i < kbpf_prog_nr_maps(prog); i++) {
		const struct kbpf_map *map = prog->maps[i];
		uint64_t addr;
		int err;

		if (!map->ops->direct_value_addr ||
		    map->ops->direct_value_addr(map, &addr, 0))
			continue;
		err = interp_region_add_perm(st, (void *)(uintptr_t)addr,
					     map->value_size,
					     map_prog_writable(map),
					     map_prog_write_only(map));
		if (err)
			return err;
	}
	return 0;
}

/* ---- legacy packet loads ---- */

/* Linux's negative offsets of legacy loads (uapi linux/filter.h). */
#define SKF_NET_OFF (-0x100000)
#define SKF_LL_OFF (-0x200000)

/*
 * BPF_LD | BPF_ABS/IND (Linux's bpf_skb_load_helper_*): @size bytes at
 * @off from the skb's data, in network byte order, into *@v. Only on a
 * context built for an skb program (kbpf_skb_run()). A negative @off
 * counts from the network header (from SKF_NET_OFF) or the link-layer
 * header (from SKF_LL_OFF), as Linux's bpf_internal_load_pointer_neg_helper;
 * false if the bytes are not all between the buffer's head and the
 * packet's end, or @off is below SKF_LL_OFF: the program then ends with
 * r0 = 0, as in Linux.
 */
bool kbpf_interp_ld_pkt(const struct kbpf_run *run, int64_t off, uint32_t size,
			uint64_t *v)
{
	const struct kbpf_skb *skb = run->ctx;
	const uint8_t *p;
	uint32_t i;

	if (!kbpf_prog_type_is_skb(run->ctx_type))
		return false;
	if (off >= 0) {
		if ((uint64_t)off + size > skb->data_end - skb->data)
			return false;
		p = (const uint8_t *)(uintptr_t)skb->data + off;
	} else {
		uintptr_t base, at;

		if (off >= SKF_NET_OFF) {
			base = (uintptr_t)skb->network;
			off -= SKF_NET_OFF;
		} else if (off >= SKF_LL_OFF) {
			base = (uintptr_t)skb->mac;
			off -= SKF_LL_OFF;
		} else {
			return false;
		}
		/* off is now below 2^20: no wrap on any address space. */
		at = base + (uintptr_t)off;
		if (!base || at < (uintptr_t)skb->head ||
		    at + size > (uintptr_t)skb->data_end)
			return false;
		p = (const uint8_t *)at;
	}
	*v = 0;
	for (i = 0; i < size; i++)
		*v = *v << 8 | p[i];
	return true;
}

static KBPF_ALWAYS_INLINE bool interp_ld_pkt(const struct interp_state *st,
					     int64_t off, uint32_t size,
					     uint64_t *v)
{
	return kbpf_interp_ld_pkt(st->run, off, size, v);
}

/* ---- helpers ---- */

static bool interp_is_prog_map(const struct interp_state *st, uint64_t p)
{
	const struct kbpf_prog *prog = st->run->prog;
	uint32_t i;

	for (i = 0; i < kbpf_prog_nr_maps(prog); i++)
		if ((uint64_t)(uintptr_t)prog->maps[i] == p)
			return true;
	for (i = 0; i < st->nr_inner_maps; i++)
		if ((uint64_t)(uintptr_t)st->inner_maps[i] == p)
			return true;
	return false;
}

/* Pointer rules for unprivileged loaders' runs: needs the above. */
#include "interp_taint.h"

/*
 * Checked mode: validate r1-r5 against the helper's prototype before the
 * call, so a helper never sees a map pointer the program does not own or
 * memory outside the program's regions.
 */
static int interp_check_args(const struct interp_state *st,
			     const struct kbpf_helper *h, const uint64_t *regs)
{
	const struct kbpf_map *map = NULL, *timer_map = NULL;
	int i;

	for (i = 0; i < 5; i++) {
		uint64_t v = regs[1 + i];
		uint64_t size = i < 4 ? regs[2 + i] : 0;

		switch (h->args[i]) {
		case KBPF_ARG_NONE:
		case KBPF_ARG_ANYTHING:
		case KBPF_ARG_CONST_SIZE:
		case KBPF_ARG_CONST_SIZE_OR_ZERO:
		case KBPF_ARG_UNSAFE_PTR:
			break;
		case KBPF_ARG_CONST_MAP_PTR:
			if (!interp_is_prog_map(st, v))
				return -KBPF_EINVAL;
			map = (const struct kbpf_map *)(uintptr_t)v;
			/* bpf_timer_init: the map the timer's value is in. */
			if (timer_map && map != timer_map)
				return -KBPF_EINVAL;
			break;
		case KBPF_ARG_PTR_TO_TIMER:
			timer_map = interp_timer_map(st, v);
			if (!timer_map)
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_KPTR_XCHG_DEST:
			if (!interp_is_kptr(st, v))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_SOCK_COMMON:
		case KBPF_ARG_PTR_TO_SOCK_RELEASE:
			/*
			 * A socket a lookup of this run gave: the helper
			 * finds it among the run's records or fails the run
			 * (src/net/sk_lookup.c).
			 */
			break;
		case KBPF_ARG_PTR_TO_BTF_ID_OR_NULL_RELEASE:
			/*
			 * The verifier proved it a reference of the field's
			 * type; nothing here can (such programs load only
			 * with a proof, src/prog/check.c).
			 */
			break;
		case KBPF_ARG_PTR_TO_MAP_KEY:
			if (!map ||
			    !interp_access_ok(st, v, map->key_size, false))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL:
			if (!v)
				break;
			/* fall through */
		case KBPF_ARG_PTR_TO_MAP_VALUE:
		case KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
			if (!map ||
			    !interp_access_ok(
				    st, v, map->value_size,
				    h->args[i] ==
					    KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_MEM_OR_NULL:
		case KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
			if (!v && !size)
				break;
			/* fall through */
		case KBPF_ARG_PTR_TO_MEM:
		case KBPF_ARG_PTR_TO_UNINIT_MEM: {
			bool write = h->args[i] == KBPF_ARG_PTR_TO_UNINIT_MEM ||
				     h->args[i] ==
					     KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL;

			if (size > (1u << 30) ||
			    (size && !interp_access_ok(st, v, size, write)))
				return -KBPF_EFAULT;
			break;
		}
		case KBPF_ARG_PTR_TO_LONG:
			if (!interp_access_ok(st, v, 8, true))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_U32:
			if ((v & 3) || !interp_access_ok(st, v, 4, false) ||
			    !interp_access_ok(st, v, 4, true))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_SPIN_LOCK:
			/* The lock word of a value the program looked up. */
			if (!interp_is_lock_word(st, v))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_CTX:
			if (v != (uint64_t)(uintptr_t)st->run->ctx)
				return -KBPF_EINVAL;
			break;
		case KBPF_ARG_PTR_TO_STACK_OR_NULL:
			if (v && !interp_access_ok(st, v, 1, false))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_PTR_TO_FUNC:
			if (!interp_target_ok(st->insns, st->len, (int64_t)v))
				return -KBPF_EINVAL;
			break;
		case KBPF_ARG_PTR_TO_RINGBUF_MEM: {
			uint32_t k;
			bool found = false;

			for (k = 0; k < st->nr_regions; k++)
				if (st->regions[k].record &&
				    st->regions[k].start == v)
					found = true;
			if (!found)
				return -KBPF_EINVAL;
			break;
		}
		case KBPF_ARG_PTR_TO_DYNPTR:
		case KBPF_ARG_PTR_TO_DYNPTR_RDONLY:
			/*
			 * The 16 bytes only: what they point to is the
			 * helper's to check (kbpf_run_access_ok()), since a
			 * program can forge a dynptr on its own stack.
			 */
			if (!interp_access_ok(st, v, 16,
					      h->args[i] ==
						      KBPF_ARG_PTR_TO_DYNPTR) &&
			    (h->args[i] == KBPF_ARG_PTR_TO_DYNPTR ||
			     !interp_is_lent_dynptr(st, v)))
				return -KBPF_EFAULT;
			break;
		case KBPF_ARG_CONST_STR: {
			/* Readable up to and including its NUL. */
			const char *s = (const char *)(uintptr_t)v;

			for (;; s++) {
				if (!interp_access_ok(st, (uintptr_t)s, 1,
						      false))
					return -KBPF_EFAULT;
				if (!*s)
					break;
			}
			break;
		}
		default:
			/* Kinds whose checks need helper state (ring buffer records) */
			if (!interp_access_ok(st, v, 1, true))
				return -KBPF_EFAULT;
			break;
		}
	}
	return 0;
}

/*
 * A call of helper @h (resolved from its id at load, or by
 * interp_call_helper()): checked mode checks the arguments against its
 * prototype first, and makes sure a map value it hands out is a region.
 */
static int interp_call_resolved(struct interp_state *st,
				const struct kbpf_helper *h, uint64_t *regs,
				bool checked)
{
	struct kbpf_run *run = st->run;
	int err;

	if (checked) {
		err = interp_check_args(st, h, regs);
		if (!err && st->unpriv)
			err = taint_call_args(st, h, regs);
		if (err)
			return err;
	}
	/*
	 * Under a bpf_spin_lock only the lock helpers (Linux's verifier:
	 * "function calls are not allowed while holding a lock"): for a
	 * program nobody proved, a helper that takes the same lock (a
	 * BPF_F_LOCK update) would spin on it for ever.
	 */
	if (kbpf_unlikely(run->spin_lock) &&
	    h->args[0] != KBPF_ARG_PTR_TO_SPIN_LOCK)
		return -KBPF_EDEADLK;
	regs[0] = h->fn(run, regs[1], regs[2], regs[3], regs[4], regs[5]);
	if (kbpf_unlikely(run->error))
		return run->error;
	if (checked && st->unpriv)
		taint_call_done(st, h, regs);
	if (checked && h->ret == KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL &&
	    h->args[0] == KBPF_ARG_CONST_MAP_PTR && regs[0] &&
	    !kbpf_map_is_map_in_map(
		    (const struct kbpf_map *)(uintptr_t)regs[1]) &&
	    !interp_access_ok(st, regs[0], 1, false) &&
	    !interp_access_ok(st, regs[0], 1, true)) {
		/*
		 * The helper layer registers what it hands out (with the map's
		 * permissions: a write-only value is not readable); make sure.
		 * Not for values with special fields: their first byte may be
		 * a lock or timer the program must not touch, so only the
		 * helper, field by field (kbpf_run_add_map_value()), may lend
		 * them; without that the program cannot reach the value.
		 */
		const struct kbpf_map *map =
			(const struct kbpf_map *)(uintptr_t)regs[1];

		if (!kbpf_map_has_fields(map)) {
			err = interp_region_add_perm(st,
						     (void *)(uintptr_t)regs[0],
						     map->value_size,
						     map_prog_writable(map),
						     map_prog_write_only(map));
			if (err)
				return err;
		}
	}
	/* r1-r5 are clobbered by a call (scratch registers). */
	return 0;
}

/* A call by helper id (a program without an image, callx). */
static int interp_call_helper(struct interp_state *st, uint32_t id,
			      uint64_t *regs, bool checked)
{
	const struct kbpf_prog *prog = st->run->prog;
	const struct kbpf_helper *h;

	if (id >= prog->nr_helpers || !prog->helpers[id].fn)
		return -KBPF_ENOENT;
	h = &prog->helpers[id];
	/*
	 * The load refuses helpers of other program types; a program built
	 * without kbpf_prog_load() must not reach them either (the packet
	 * helpers trust run->ctx to be their context).
	 */
	if (checked && h->prog_types && prog->type < 64 &&
	    !(h->prog_types & (1ULL << prog->type)))
		return -KBPF_EINVAL;
	return interp_call_resolved(st, h, regs, checked);
}

/* Run @prog's image, or its instructions if it has none. */
static void interp_use_prog(struct interp_state *st,
			    const struct kbpf_prog *prog)
{
	const struct kbpf_interp_image *img = prog->interp_image;

	st->insns = img ? img->insns : prog->insns;
	st->len = prog->len;
	st->sites = img ? img->sites : NULL;
	st->nr_sites = img ? img->nr_sites : 0;
}

/*
 * The jump of bpf_tail_call (the helper counted it and found @next): the
 * main frame continues at @next's first instruction with the same
 * registers (@regs) and stack, as in Linux. Checked mode validates @next
 * and replaces the previous program's regions with @next's; into a
 * program whose loader lacked perfmon it returns INTERP_RESUME_UNPRIV.
 */
/*
 * A tail call the helper found but the interpreter refuses to make: give
 * back the run hold it came with (host without defer_free).
 */
static KBPF_NOINLINE void interp_tail_call_drop(struct interp_state *st)
{
	struct kbpf_run *run = st->run;

	if (!run->host->defer_free)
		kbpf_prog_run_done(run->tail_call);
	run->tail_call = NULL;
}

static KBPF_ALWAYS_INLINE int
interp_tail_call(struct interp_state *st, uint32_t *pc, const uint64_t *regs)
{
	struct kbpf_run *run = st->run;
	struct kbpf_prog *next = run->tail_call;

	run->tail_call = NULL;
	/* The helper counted at most KBPF_MAX_TAIL_CALLS tail calls. */
	if (!run->host->defer_free)
		st->held[st->nr_held++] = next;
	run->prog = next;
	interp_use_prog(st, next);
	if (st->checked) {
		/* An image was validated when it was built. */
		int err = next->interp_image ?
				  0 :
				  interp_validate(next->insns, next->len);

		if (err)
			return err;
		/* A tail call is charged; it must not carry references. */
		if (st->budget < 1)
			return -KBPF_ELOOP;
		st->budget--;
		err = interp_release_records(st);
		if (err)
			return err;
		st->nr_regions = st->nr_base_regions;
		st->nr_areas = 0;
		err = interp_add_prog_regions(st, next);
		if (err)
			return err;
		/* The callee's stack starts uninitialised, as Linux verifies it. */
		if (st->unpriv)
			taint_frame_reset(st, 0);
		/*
		 * Into a program of a loader without perfmon: the run goes on
		 * in the loop with its pointer rules (kbpf_interp_run).
		 */
		if (!st->unpriv && !(next->priv & KBPF_PRIV_PERFMON)) {
			memcpy(st->resume_regs, regs, sizeof(st->resume_regs));
			*pc = 0;
			return INTERP_RESUME_UNPRIV;
		}
	}
	*pc = 0;
	return 0;
}

/* Instruction table: (opcode, handler name). */
#define INTERP_ALU_OPS(X, cls, pfx)             \
	X(cls | BPF_ADD | BPF_K, pfx##_add_k)   \
	X(cls | BPF_ADD | BPF_X, pfx##_add_x)   \
	X(cls | BPF_SUB | BPF_K, pfx##_sub_k)   \
	X(cls | BPF_SUB | BPF_X, pfx##_sub_x)   \
	X(cls | BPF_MUL | BPF_K, pfx##_mul_k)   \
	X(cls | BPF_MUL | BPF_X, pfx##_mul_x)   \
	X(cls | BPF_DIV | BPF_K, pfx##_div_k)   \
	X(cls | BPF_DIV | BPF_X, pfx##_div_x)   \
	X(cls | BPF_OR | BPF_K, pfx##_or_k)     \
	X(cls | BPF_OR | BPF_X, pfx##_or_x)     \
	X(cls | BPF_AND | BPF_K, pfx##_and_k)   \
	X(cls | BPF_AND | BPF_X, pfx##_and_x)   \
	X(cls | BPF_LSH | BPF_K, pfx##_lsh_k)   \
	X(cls | BPF_LSH | BPF_X, pfx##_lsh_x)   \
	X(cls | BPF_RSH | BPF_K, pfx##_rsh_k)   \
	X(cls | BPF_RSH | BPF_X, pfx##_rsh_x)   \
	X(cls | BPF_NEG | BPF_K, pfx##_neg_k)   \
	X(cls | BPF_NEG | BPF_X, pfx##_neg_x)   \
	X(cls | BPF_MOD | BPF_K, pfx##_mod_k)   \
	X(cls | BPF_MOD | BPF_X, pfx##_mod_x)   \
	X(cls | BPF_XOR | BPF_K, pfx##_xor_k)   \
	X(cls | BPF_XOR | BPF_X, pfx##_xor_x)   \
	X(cls | BPF_MOV | BPF_K, pfx##_mov_k)   \
	X(cls | BPF_MOV | BPF_X, pfx##_mov_x)   \
	X(cls | BPF_ARSH | BPF_K, pfx##_arsh_k) \
	X(cls | BPF_ARSH | BPF_X, pfx##_arsh_x)

#define INTERP_JMP_OPS(X, cls, pfx)             \
	X(cls | BPF_JEQ | BPF_K, pfx##_jeq_k)   \
	X(cls | BPF_JEQ | BPF_X, pfx##_jeq_x)   \
	X(cls | BPF_JNE | BPF_K, pfx##_jne_k)   \
	X(cls | BPF_JNE | BPF_X, pfx##_jne_x)   \
	X(cls | BPF_JGT | BPF_K, pfx##_jgt_k)   \
	X(cls | BPF_JGT | BPF_X, pfx##_jgt_x)   \
	X(cls | BPF_JGE | BPF_K, pfx##_jge_k)   \
	X(cls | BPF_JGE | BPF_X, pfx##_jge_x)   \
	X(cls | BPF_JLT | BPF_K, pfx##_jlt_k)   \
	X(cls | BPF_JLT | BPF_X, pfx##_jlt_x)   \
	X(cls | BPF_JLE | BPF_K, pfx##_jle_k)   \
	X(cls | BPF_JLE | BPF_X, pfx##_jle_x)   \
	X(cls | BPF_JSET | BPF_K, pfx##_jset_k) \
	X(cls | BPF_JSET | BPF_X, pfx##_jset_x) \
	X(cls | BPF_JSGT | BPF_K, pfx##_jsgt_k) \
	X(cls | BPF_JSGT | BPF_X, pfx##_jsgt_x) \
	X(cls | BPF_JSGE | BPF_K, pfx##_jsge_k) \
	X(cls | BPF_JSGE | BPF_X, pfx##_jsge_x) \
	X(cls | BPF_JSLT | BPF_K, pfx##_jslt_k) \
	X(cls | BPF_JSLT | BPF_X, pfx##_jslt_x) \
	X(cls | BPF_JSLE | BPF_K, pfx##_jsle_k) \
	X(cls | BPF_JSLE | BPF_X, pfx##_jsle_x)

#define INTERP_OPS(X)                                   \
	INTERP_ALU_OPS(X, BPF_ALU64, alu64)             \
	INTERP_ALU_OPS(X, BPF_ALU, alu32)               \
	X(BPF_ALU | BPF_END | BPF_TO_LE, alu32_end_le)  \
	X(BPF_ALU | BPF_END | BPF_TO_BE, alu32_end_be)  \
	X(BPF_ALU64 | BPF_END | BPF_TO_LE, alu64_bswap) \
	X(BPF_LD | BPF_IMM | BPF_DW, ld_imm64)          \
	X(BPF_LD | BPF_ABS | BPF_B, ld_abs_b)           \
	X(BPF_LD | BPF_ABS | BPF_H, ld_abs_h)           \
	X(BPF_LD | BPF_ABS | BPF_W, ld_abs_w)           \
	X(BPF_LD | BPF_IND | BPF_B, ld_ind_b)           \
	X(BPF_LD | BPF_IND | BPF_H, ld_ind_h)           \
	X(BPF_LD | BPF_IND | BPF_W, ld_ind_w)           \
	X(BPF_LDX | BPF_MEM | BPF_B, ldx_b)             \
	X(BPF_LDX | BPF_MEM | BPF_H, ldx_h)             \
	X(BPF_LDX | BPF_MEM | BPF_W, ldx_w)             \
	X(BPF_LDX | BPF_MEM | BPF_DW, ldx_dw)           \
	X(BPF_LDX | BPF_MEMSX | BPF_B, ldsx_b)          \
	X(BPF_LDX | BPF_MEMSX | BPF_H, ldsx_h)          \
	X(BPF_LDX | BPF_MEMSX | BPF_W, ldsx_w)          \
	X(BPF_LDX | KBPF_PROBE_MEM | BPF_B, pldx_b)     \
	X(BPF_LDX | KBPF_PROBE_MEM | BPF_H, pldx_h)     \
	X(BPF_LDX | KBPF_PROBE_MEM | BPF_W, pldx_w)     \
	X(BPF_LDX | KBPF_PROBE_MEM | BPF_DW, pldx_dw)   \
	X(BPF_LDX | KBPF_PROBE_MEMSX | BPF_B, pldsx_b)  \
	X(BPF_LDX | KBPF_PROBE_MEMSX | BPF_H, pldsx_h)  \
	X(BPF_LDX | KBPF_PROBE_MEMSX | BPF_W, pldsx_w)  \
	X(BPF_STX | BPF_MEM | BPF_B, stx_b)             \
	X(BPF_STX | BPF_MEM | BPF_H, stx_h)             \
	X(BPF_STX | BPF_MEM | BPF_W, stx_w)             \
	X(BPF_STX | BPF_MEM | BPF_DW, stx_dw)           \
	X(BPF_ST | BPF_MEM | BPF_B, st_b)               \
	X(BPF_ST | BPF_MEM | BPF_H, st_h)               \
	X(BPF_ST | BPF_MEM | BPF_W, st_w)               \
	X(BPF_ST | BPF_MEM | BPF_DW, st_dw)             \
	X(BPF_STX | BPF_ATOMIC | BPF_W, atomic_w)       \
	X(BPF_STX | BPF_ATOMIC | BPF_DW, atomic_dw)     \
	X(BPF_STX | BPF_ATOMIC | BPF_B, atomic_b)       \
	X(BPF_STX | BPF_ATOMIC | BPF_H, atomic_h)       \
	X(BPF_JMP | BPF_JA, ja)                         \
	X(BPF_JMP32 | BPF_JA, ja32)                     \
	INTERP_JMP_OPS(X, BPF_JMP, jmp)                 \
	INTERP_JMP_OPS(X, BPF_JMP32, jmp32)             \
	X(BPF_JMP | BPF_JCOND, jcond)                   \
	X(BPF_JMP | BPF_CALL, call)                     \
	X(BPF_JMP | BPF_CALL | BPF_X, callx)            \
	X(BPF_JMP | BPF_EXIT, exit)                     \
	X(KBPF_INTERP_OP_CALL, call_site)               \
	X(KBPF_INTERP_OP_LOOKUP_ARRAY, lookup_array)    \
	X(KBPF_INTERP_OP_LOOKUP_PERCPU, lookup_percpu)  \
	X(KBPF_INTERP_OP_LOOKUP_CALL, lookup_call)      \
	X(KBPF_INTERP_OP_UPDATE_CALL, update_call)      \
	X(KBPF_INTERP_OP_DELETE_CALL, delete_call)

#ifdef KBPF_INTERP_SWITCH
enum {
#define INTERP_ENUM(code, name) name##_code = (code),
	INTERP_OPS(INTERP_ENUM)
#undef INTERP_ENUM
};
#endif

/* The table's catch-all range is overridden on purpose. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
#ifdef __clang__
#pragma GCC diagnostic ignored "-Winitializer-overrides"
#endif
#define INTERP_TAINT 0
#define INTERP_CHECKED 0
#include "interp_body.h"
#undef INTERP_CHECKED
#define INTERP_CHECKED 1
#include "interp_body.h"
#undef INTERP_TAINT
#define INTERP_TAINT 1
#include "interp_body.h"
#undef INTERP_CHECKED
#undef INTERP_TAINT
#pragma GCC diagnostic pop

/*
 * Whether kbpf's verifier proved @prog so that its runs may be fast
 * (natively, with a JIT) even when the runner asks for checked mode: for
 * a loader with CAP_PERFMON, or for one without it once the program runs
 * rewritten against speculation as Linux rewrites it (Spectre v1 masking,
 * v4 barriers; bypass_spec_v1/v4 false), which only its native code is
 * (src/jit/spec.h; the interpreter runs the program as loaded): without
 * native code such programs keep the checked runs' address clamping and
 * pointer rules.
 */
static KBPF_ALWAYS_INLINE bool
interp_proof_replaces_checks(const struct kbpf_prog *prog)
{
	return prog->verified && ((prog->priv & KBPF_PRIV_PERFMON) ||
				  (prog->spec_done && prog->jit));
}

/*
 * Native checked code's call sites (image.h): each opcode as the checked
 * loop's handler has it (interp_body.h with INTERP_CHECKED 1, not the
 * pointer rules, which native code does not run).
 */
/* @v, a value of @map the run may now access, as kbpf_interp_value. */
static void interp_value_out(const struct kbpf_map *map, const void *v,
			     struct kbpf_interp_value *val)
{
	/*
	 * A bpf_spin_lock's or bpf_timer's field is no access's
	 * (interp_add_field_value()): such values take the region check.
	 */
	if (kbpf_map_has_fields(map))
		return;
	val->start = (uintptr_t)v;
	val->size = map->value_size;
	val->read = !map_prog_write_only(map);
	val->write = map_prog_writable(map);
}

int kbpf_interp_checked_site(struct kbpf_run *run,
			     const struct kbpf_interp_site *s, uint8_t code,
			     uint64_t *regs, struct kbpf_interp_value *val)
{
	struct interp_state *st = run->checked;
	uint32_t idx;
	uint8_t *v;
	int err;

	*val = (struct kbpf_interp_value){ 0 };
	if (code == KBPF_INTERP_OP_LOOKUP_ARRAY ||
	    code == KBPF_INTERP_OP_LOOKUP_PERCPU) {
		if (regs[1] != (uint64_t)(uintptr_t)s->map)
			goto call;
		if (!interp_access_ok(st, (uintptr_t)regs[2], sizeof(idx),
				      false))
			return -KBPF_EFAULT;
		kbpf_memcpy(&idx, (const void *)(uintptr_t)regs[2],
			    sizeof(idx));
		if (idx >= s->max_entries) {
			regs[0] = 0;
			return 0;
		}
		v = s->base + (size_t)s->elem_size * (idx & s->index_mask);
		if (code == KBPF_INTERP_OP_LOOKUP_PERCPU)
			v += s->cpu_stride * kbpf_run_map_cpu(run);
		err = interp_add_map_value(st, s->map, v);
		if (err)
			return err;
		regs[0] = (uint64_t)(uintptr_t)v;
		interp_value_out(s->map, v, val);
		return 0;
	}
	if (code == KBPF_INTERP_OP_LOOKUP_CALL) {
		if (regs[1] != (uint64_t)(uintptr_t)s->map)
			goto call;
		if (!interp_access_ok(st, (uintptr_t)regs[2], s->key_size,
				      false))
			return -KBPF_EFAULT;
		v = s->lookup_cpu ?
			    s->lookup_cpu(s->map,
					  (const void *)(uintptr_t)regs[2],
					  kbpf_run_map_cpu(run)) :
			    s->lookup(s->map, (const void *)(uintptr_t)regs[2]);
		if (v) {
			err = interp_add_map_value(st, s->map, v);
			if (err)
				return err;
			interp_value_out(s->map, v, val);
		}
		regs[0] = (uint64_t)(uintptr_t)v;
		return 0;
	}
call:
	err = interp_call_resolved(st, s->h, regs, true);
	if (err)
		return err;
	if (kbpf_unlikely(run->tail_call != NULL)) {
		/* Native checked code makes no tail calls (the JIT refuses). */
		interp_tail_call_drop(st);
		return -KBPF_EOPNOTSUPP;
	}
	return 0;
}

/* run->call_func: run the callback at @insn_off in a new frame. */
static uint64_t interp_call_func(struct kbpf_run *run, uint64_t insn_off,
				 uint64_t r1, uint64_t r2, uint64_t r3,
				 uint64_t r4, uint64_t r5)
{
	struct interp_state *st = run->interp;
	uint64_t args[5] = { r1, r2, r3, r4, r5 };
	uint64_t r0 = 0;
	int err;

	if (insn_off >= st->len) {
		run->error = -KBPF_EINVAL;
		return 0;
	}
	if (st->checked) {
		uint32_t mark;

		if (!interp_target_ok(st->insns, st->len, (int64_t)insn_off)) {
			run->error = -KBPF_EINVAL;
			return 0;
		}
		/*
		 * Each callback invocation (a bpf_loop iteration, a map
		 * element or ring buffer sample visited) is charged, from the
		 * budget the whole run shares.
		 */
		if (st->budget < 1) {
			run->error = -KBPF_ELOOP;
			return 0;
		}
		st->budget--;
		/* What the callback was handed or looked up ends with it. */
		mark = interp_regions_mark(st);
		if (st->unpriv)
			err = interp_exec_unpriv(st, (uint32_t)insn_off, args,
						 &r0);
		else
			err = interp_exec_checked(st, (uint32_t)insn_off, args,
						  &r0);
		interp_regions_release(st, mark);
	} else {
		err = interp_exec_fast(st, (uint32_t)insn_off, args, &r0);
	}
	if (err && !run->error)
		run->error = err;
	return r0;
}

/*
 * The rest of a run whose native code tail-called @run->prog, which has
 * none (image.h): the interpreter's fast mode from its first instruction,
 * with @r1 and the run's @may_goto budget, to the end of the run.
 */
int kbpf_interp_run_tail(struct kbpf_run *run, uint64_t r1, uint32_t may_goto,
			 uint64_t *ret)
{
	struct interp_state st;
	uint64_t regs[5] = { r1, 0, 0, 0, 0 };
	int err;

	st.run = run;
	interp_use_prog(&st, run->prog);
	st.depth = 0;
	st.may_goto = may_goto;
	st.checked = false;
	st.nr_regions = 0;
	st.nr_inner_maps = 0;
	st.nr_base_regions = 0;
	st.region_floor = 0;
	st.nr_areas = 0;
	st.pkt_region = UINT32_MAX;
	st.regions = st.regions_inline;
	st.cap_regions = KBPF_INTERP_MAX_REGIONS;
	st.nr_held = 0;
	st.unpriv = false;
	st.rk = NULL;
	run->interp = &st;
	run->call_func = interp_call_func;
	err = interp_exec_fast(&st, 0, regs, ret);
	if (!err && run->error)
		err = run->error;
	if (run->tail_call)
		interp_tail_call_drop(&st);
	while (st.nr_held)
		kbpf_prog_run_done(st.held[--st.nr_held]);
	return err;
}

/*
 * A checked run of a program with native checked code (src/jit/checked.c):
 * the run is set up as for the checked loop (regions, budget, stack) and
 * the native code shares its counters; callbacks still run in the loop.
 */
static KBPF_NOINLINE int interp_run_native(struct interp_state *st,
					   const uint64_t *regs, uint64_t *ret)
{
	const struct kbpf_interp_chk chk = {
		.budget = &st->budget,
		.depth = &st->depth,
		.may_goto = &st->may_goto,
		.stack = st->stack[0],
	};
	struct kbpf_prog *prog = st->run->prog;
	int err = prog->jit_chk_run(prog, st->run, &chk, regs, ret);

	st->depth = 0;
	return err;
}

/*
 * Where a run starts: instruction 0 with the context (a program run), or
 * a callback's first instruction with its arguments (a timer's).
 */
struct interp_entry {
	uint32_t insn;
	uint64_t regs[5];
	void (*setup)(struct kbpf_run *run, void *arg);
	void *arg;
};

static KBPF_NOINLINE int interp_run_at(struct kbpf_prog *prog,
				       const struct kbpf_host *host,
				       const struct kbpf_interp_args *args,
				       struct interp_entry *ent, uint64_t *ret)
{
	struct interp_state st;
	struct kbpf_run run = {
		.host = host,
		.prog = prog,
		.ctx = args->ctx,
		.ctx_type = args->ctx_type,
		.cpu = args->cpu,
		.call_func = interp_call_func,
		.cookie = args->cookie,
		.cg = args->cg_run,
		.func_ip = args->func_ip,
	};
	uint64_t *regs = ent->regs;
	int err, rel;

	st.run = &run;
	interp_use_prog(&st, prog);
	st.depth = 0;
	st.may_goto = INTERP_MAY_GOTO_LOOPS;
	/*
	 * A program the verifier could not prove runs checked (FALLBACK); one
	 * it proved for a loader with CAP_PERFMON runs fast whatever its
	 * runner asks: the proof replaces the checks (interp.h).
	 */
	st.checked = (args->mode == KBPF_INTERP_CHECKED &&
		      !interp_proof_replaces_checks(prog)) ||
		     prog->checked_only;
	st.nr_regions = 0;
	st.nr_inner_maps = 0;
	st.nr_base_regions = 0;
	st.region_floor = 0;
	st.nr_areas = 0;
	st.pkt_region = UINT32_MAX;
	st.regions = st.regions_inline;
	st.cap_regions = KBPF_INTERP_MAX_REGIONS;
	st.nr_held = 0;
	st.unpriv = false;
	st.rk = NULL;
	run.interp = &st;
	if (!st.checked) {
		if (ent->setup)
			ent->setup(&run, ent->arg);
		err = interp_exec_fast(&st, ent->insn, regs, ret);
	} else {
		st.budget = args->budget ? args->budget :
					   KBPF_CHECKED_INSN_BUDGET;
		run.checked = &st;
		memset(st.stack, 0, sizeof(st.stack));
		st.unpriv = !(prog->priv & KBPF_PRIV_PERFMON);
		if (st.unpriv)
			taint_frame_reset(&st, 0);
		/* An image was validated when it was built. */
		err = prog->interp_image ?
			      0 :
			      interp_validate(prog->insns, prog->len);
		if (!err && args->ctx && args->ctx_size) {
			size_t ro = args->ctx_writable ? args->ctx_ro_size : 0;

			if (ro > args->ctx_size)
				ro = args->ctx_size;
			err = interp_region_add(&st, args->ctx,
						args->ctx_size - ro,
						args->ctx_writable);
			if (!err && ro)
				err = interp_region_add(
					&st,
					(uint8_t *)args->ctx +
						(args->ctx_size - ro),
					ro, false);
		}
		if (!err && args->ro && args->ro_size)
			err = interp_region_add(&st, args->ro, args->ro_size,
						false);
		if (!err && args->pkt) {
			/* Always a slot, even for an empty packet, so helpers can move it. */
			if (st.nr_regions >= st.cap_regions)
				err = interp_regions_grow(&st);
			if (!err) {
				st.pkt_region = st.nr_regions++;
				st.regions[st.pkt_region] =
					(struct interp_region){
						.start = (uintptr_t)args->pkt,
						.end = (uintptr_t)args->pkt +
						       args->pkt_size,
						.writable = true,
					};
			}
		}
		st.nr_base_regions = st.nr_regions;
		st.region_floor = st.nr_regions;
		if (!err)
			err = interp_add_prog_regions(&st, prog);
		if (!err && ent->insn &&
		    !interp_target_ok(st.insns, st.len, ent->insn))
			err = -KBPF_EINVAL;
		if (!err && ent->setup)
			ent->setup(&run, ent->arg);
		if (!err && st.unpriv)
			err = interp_exec_unpriv(&st, ent->insn, regs, ret);
		else if (!err && prog->jit_chk_run && !ent->insn)
			/* Native checked code enters at instruction 0 only. */
			err = interp_run_native(&st, regs, ret);
		else if (!err)
			err = interp_exec_checked(&st, ent->insn, regs, ret);
		if (err == INTERP_RESUME_UNPRIV) {
			/*
			 * A privileged program tail-called an unprivileged
			 * one: its rules from here on, with the context in r1
			 * and an uninitialised stack.
			 */
			st.unpriv = true;
			taint_frame_reset(&st, 0);
			/*
			 * Only r1 (the context) is the callee's to read: Linux
			 * verifies it with r0 and r2-r9 unreadable, and what
			 * the privileged caller left there may be addresses
			 * the rules cannot recognise (its own maps' values).
			 */
			st.resume_regs[0] = 0;
			memset(&st.resume_regs[2], 0,
			       8 * sizeof(st.resume_regs[0]));
			err = interp_exec_unpriv(&st, 0, NULL, ret);
		}
		if (!err && run.error)
			err = run.error;
		/* Records the program never released: give back, and fail. */
		rel = interp_release_records(&st);
		if (!err)
			err = rel;
		if (st.regions != st.regions_inline)
			kbpf_free(host, st.regions,
				  (size_t)st.cap_regions *
					  sizeof(st.regions[0]));
	}
	if (!err && run.error)
		err = run.error;
	/* A bpf_spin_lock the program kept (it was not proven): let it go. */
	rel = kbpf_run_spin_release(&run);
	if (!err)
		err = rel;
	/* Last: the run no longer touches what the programs hold. */
	if (run.tail_call)
		interp_tail_call_drop(&st); /* found, never made */
	while (st.nr_held)
		kbpf_prog_run_done(st.held[--st.nr_held]);
	return err;
}

static KBPF_NOINLINE int interp_run(struct kbpf_prog *prog,
				    const struct kbpf_host *host,
				    const struct kbpf_interp_args *args,
				    uint64_t *ret)
{
	struct interp_entry ent = {
		.regs = { (uint64_t)(uintptr_t)args->ctx, args->r2 },
	};

	return interp_run_at(prog, host, args, &ent, ret);
}

int kbpf_interp_run_callback(struct kbpf_prog *prog,
			     const struct kbpf_host *host,
			     const struct kbpf_interp_args *args,
			     uint64_t insn_off, const uint64_t *regs,
			     void (*setup)(struct kbpf_run *run, void *arg),
			     void *arg, uint64_t *ret)
{
	struct interp_entry ent = { .setup = setup, .arg = arg };

	/* Not counted in BPF_ENABLE_STATS: Linux calls the callback directly. */
	if (insn_off >= prog->len)
		return -KBPF_EINVAL;
	ent.insn = (uint32_t)insn_off;
	memcpy(ent.regs, regs, sizeof(ent.regs));
	return interp_run_at(prog, host, args, &ent, ret);
}

/*
 * Every run a runner starts comes here: with BPF_ENABLE_STATS on, it is
 * timed and counted (src/core/stats.c); off, it costs one test.
 */
/*
 * The runs fast mode would make go to the program's native code
 * (src/jit/), before the interpreter's large frame is set up.
 */
static KBPF_ALWAYS_INLINE int
interp_run_any(struct kbpf_prog *prog, const struct kbpf_host *host,
	       const struct kbpf_interp_args *args, uint64_t *ret)
{
	if (prog->jit && !prog->checked_only &&
	    (args->mode == KBPF_INTERP_FAST ||
	     interp_proof_replaces_checks(prog)))
		return prog->jit_run(prog, host, args, ret);
	return interp_run(prog, host, args, ret);
}

/* A run with BPF_ENABLE_STATS on: timed and counted. */
static KBPF_NOINLINE int interp_run_stats(struct kbpf_prog *prog,
					  const struct kbpf_host *host,
					  const struct kbpf_interp_args *args,
					  uint64_t *ret)
{
	uint64_t start = host->mono_ns(host);
	int err = interp_run_any(prog, host, args, ret);

	kbpf_prog_stats_add(prog, args->cpu, host->mono_ns(host) - start);
	return err;
}

int kbpf_interp_run(struct kbpf_prog *prog, const struct kbpf_host *host,
		    const struct kbpf_interp_args *args, uint64_t *ret)
{
	/* Off: one test, and the run is a tail call (no frame here). */
	if (kbpf_unlikely(kbpf_stats_enabled(host)))
		return interp_run_stats(prog, host, args, ret);
	return interp_run_any(prog, host, args, ret);
}

/* ---- the image: load-time preparation (image.h) ---- */

/*
 * Which map each of r0-r9 holds before an instruction, found by a forward
 * data-flow walk: a map index of the program, PREP_NONE (not a known map,
 * or different maps on different paths) or PREP_UNSEEN (no path reaches
 * the instruction yet). Only a BPF_PSEUDO_MAP_FD/IDX ld_imm64 makes a
 * register a map and only a 64-bit register move copies one; every other
 * write, a call's r0-r5 and a legacy packet load's r0-r5 make it PREP_NONE.
 * Entries (insn 0, subprograms, callbacks) start with no known map.
 */
#define PREP_REGS 10
#define PREP_NONE 0xff
#define PREP_UNSEEN 0xfe

struct prep_walk {
	uint8_t *in; /* PREP_REGS per instruction */
	uint32_t *work;
	uint8_t *queued;
	uint32_t nr_work;
	uint32_t len;
};

static void prep_merge(struct prep_walk *w, int64_t to, const uint8_t *out)
{
	uint8_t *d;
	bool changed = false;
	int r;

	if (to < 0 || to >= w->len)
		return; /* the structural check refused such jumps */
	d = w->in + (size_t)to * PREP_REGS;
	for (r = 0; r < PREP_REGS; r++) {
		if (d[r] == PREP_UNSEEN) {
			d[r] = out[r];
			changed = true;
		} else if (d[r] != out[r] && d[r] != PREP_NONE) {
			d[r] = PREP_NONE;
			changed = true;
		}
	}
	if (changed && !w->queued[to]) {
		w->queued[to] = 1;
		w->work[w->nr_work++] = (uint32_t)to;
	}
}

static uint8_t prep_map_index(const struct kbpf_prog *prog,
			      const struct bpf_insn *insn)
{
	uint64_t p = (uint64_t)(uint32_t)insn[0].imm |
		     (uint64_t)(uint32_t)insn[1].imm << 32;
	uint32_t i;

	if (insn->src_reg != BPF_PSEUDO_MAP_FD &&
	    insn->src_reg != BPF_PSEUDO_MAP_IDX)
		return PREP_NONE;
	for (i = 0; i < prog->nr_maps && i < PREP_UNSEEN; i++)
		if ((uint64_t)(uintptr_t)prog->maps[i] == p)
			return (uint8_t)i;
	return PREP_NONE;
}

static void prep_set(uint8_t *out, uint8_t reg, uint8_t v)
{
	if (reg < PREP_REGS)
		out[reg] = v;
}

static void prep_step(struct prep_walk *w, const struct kbpf_prog *prog,
		      uint32_t pc)
{
	const struct bpf_insn *insn = &prog->insns[pc];
	uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
	uint8_t out[PREP_REGS];
	int64_t next = (int64_t)pc + 1;

	memcpy(out, w->in + (size_t)pc * PREP_REGS, PREP_REGS);
	if (interp_is_ldimm64(insn)) {
		prep_set(out, insn->dst_reg, prep_map_index(prog, insn));
		prep_merge(w, next + 1, out);
		return;
	}
	switch (cls) {
	case BPF_ALU64:
	case BPF_ALU:
		prep_set(out, insn->dst_reg,
			 insn->code == (BPF_ALU64 | BPF_MOV | BPF_X) &&
					 !insn->off &&
					 insn->src_reg < PREP_REGS ?
				 out[insn->src_reg] :
				 PREP_NONE);
		break;
	case BPF_LDX:
		prep_set(out, insn->dst_reg, PREP_NONE);
		break;
	case BPF_ST:
		break;
	case BPF_STX:
		if (BPF_MODE(insn->code) == BPF_ATOMIC) {
			prep_set(out, BPF_REG_0, PREP_NONE);
			prep_set(out, insn->src_reg, PREP_NONE);
			prep_set(out, insn->dst_reg, PREP_NONE);
		}
		break;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT)
			return;
		if (op == BPF_CALL) {
			memset(out, PREP_NONE, 6); /* r0-r5 */
			break;
		}
		if (op == BPF_JA) {
			prep_merge(w,
				   next + (cls == BPF_JMP32 ? insn->imm :
							      insn->off),
				   out);
			return;
		}
		/* Conditional jumps and may_goto: both ways. */
		prep_merge(w, next + insn->off, out);
		break;
	default:
		/* Legacy packet loads: r0 and the scratch registers. */
		memset(out, PREP_NONE, 6);
		break;
	}
	prep_merge(w, next, out);
}

/*
 * Fill @known[pc] (PREP_NONE, or the index in prog->maps of the map r1
 * holds on every path to pc) for each call of @map_lookup. Return 0 or
 * -ENOMEM.
 */
static int prep_known_maps(const struct kbpf_prog *prog, uint8_t *in_r1,
			   const struct kbpf_host *h)
{
	struct prep_walk w = { .len = prog->len };
	uint8_t none[PREP_REGS];
	size_t in_size = (size_t)prog->len * PREP_REGS;
	size_t work_size = (size_t)prog->len * sizeof(uint32_t);
	uint32_t pc;

	w.in = kbpf_malloc(h, in_size, 0);
	w.work = kbpf_malloc(h, work_size, 0);
	w.queued = kbpf_malloc(h, prog->len, KBPF_ALLOC_ZERO);
	if (!w.in || !w.work || !w.queued) {
		kbpf_free(h, w.in, in_size);
		kbpf_free(h, w.work, work_size);
		kbpf_free(h, w.queued, prog->len);
		return -KBPF_ENOMEM;
	}
	memset(w.in, PREP_UNSEEN, in_size);
	memset(none, PREP_NONE, sizeof(none));
	/* Entries: insn 0, bpf-to-bpf call targets, callbacks. */
	prep_merge(&w, 0, none);
	for (pc = 0; pc < prog->len; pc++) {
		const struct bpf_insn *insn = &prog->insns[pc];

		if ((insn->code == (BPF_JMP | BPF_CALL) &&
		     insn->src_reg == BPF_PSEUDO_CALL) ||
		    (interp_is_ldimm64(insn) &&
		     insn->src_reg == BPF_PSEUDO_FUNC))
			prep_merge(&w, (int64_t)pc + 1 + insn->imm, none);
		if (interp_is_ldimm64(insn))
			pc++;
	}
	while (w.nr_work) {
		pc = w.work[--w.nr_work];
		w.queued[pc] = 0;
		prep_step(&w, prog, pc);
	}
	for (pc = 0; pc < prog->len; pc++)
		in_r1[pc] = w.in[(size_t)pc * PREP_REGS + BPF_REG_1];
	kbpf_free(h, w.in, in_size);
	kbpf_free(h, w.work, work_size);
	kbpf_free(h, w.queued, prog->len);
	return 0;
}

/* The helper a call resolves to at load, or NULL (left to the run). */
static const struct kbpf_helper *prep_helper(const struct kbpf_prog *prog,
					     const struct bpf_insn *insn)
{
	const struct kbpf_helper *hp;

	/* A kfunc call: its implementation, a helper to the image. */
	if (insn->code == (BPF_JMP | BPF_CALL) &&
	    insn->src_reg == BPF_PSEUDO_KFUNC_CALL && !insn->off) {
		const struct kbpf_kfunc_desc *d =
			kbpf_prog_kfunc_desc(prog, (uint32_t)insn->imm);

		return d && d->h.fn ? &d->h : NULL;
	}
	if (insn->code != (BPF_JMP | BPF_CALL) || insn->src_reg ||
	    (uint32_t)insn->imm >= prog->nr_helpers ||
	    !prog->helpers[insn->imm].fn)
		return NULL;
	hp = &prog->helpers[insn->imm];
	/* What interp_call_helper() would refuse stays its to refuse. */
	if (hp->prog_types && prog->type < 64 &&
	    !(hp->prog_types & (1ULL << prog->type)))
		return NULL;
	return hp;
}

/* A map lookup site of @map: its opcode, or 0 to leave a plain call. */
static uint8_t prep_lookup_site(struct kbpf_map *map,
				struct kbpf_interp_site *s)
{
	struct kbpf_map_inline_lookup il;

	if (kbpf_map_is_map_in_map(map) || !map->ops->lookup_elem)
		return 0;
	s->map = map;
	s->key_size = map->key_size;
	if (map->ops->inline_lookup && map->key_size == sizeof(uint32_t) &&
	    map->ops->inline_lookup(map, &il)) {
		s->base = il.base;
		s->cpu_stride = il.cpu_stride;
		s->elem_size = il.elem_size;
		s->max_entries = il.max_entries;
		s->index_mask = il.index_mask;
		return il.percpu ? KBPF_INTERP_OP_LOOKUP_PERCPU :
				   KBPF_INTERP_OP_LOOKUP_ARRAY;
	}
	s->lookup = map->ops->lookup_elem;
	/*
	 * Per-CPU values (PERCPU_HASH, LRU_PERCPU_HASH): the run's CPU's
	 * slot (kbpf_run_map_cpu()), as the helper looks up.
	 */
	s->lookup_cpu = map->ops->lookup_percpu_elem;
	return KBPF_INTERP_OP_LOOKUP_CALL;
}

/*
 * An update or delete site of @map: its opcode, or 0 to leave a plain
 * call. Only where the helper would reach the type's op with nothing to
 * refuse (h_map_update_elem/kbpf_map_update_elem: a map programs may
 * write, not an fd map), so that calling the op gives the helper's answer.
 */
static uint8_t prep_write_site(struct kbpf_map *map, bool update,
			       struct kbpf_interp_site *s)
{
	if ((map->map_flags & BPF_F_RDONLY_PROG) || map->ops->fd_get_ptr ||
	    kbpf_map_is_map_in_map(map))
		return 0;
	s->map = map;
	s->key_size = map->key_size;
	if (update && map->ops->update_elem) {
		s->update = map->ops->update_elem;
		return KBPF_INTERP_OP_UPDATE_CALL;
	}
	if (!update && map->ops->delete_elem) {
		s->delete_elem = map->ops->delete_elem;
		return KBPF_INTERP_OP_DELETE_CALL;
	}
	return 0;
}

static bool prep_is_map_helper(const struct kbpf_interp_map_helpers *mh,
			       kbpf_helper_fn fn)
{
	return mh && fn &&
	       (fn == mh->lookup || fn == mh->update || fn == mh->delete_elem);
}

int kbpf_interp_prepare(struct kbpf_prog *prog,
			const struct kbpf_interp_map_helpers *mh)
{
	const struct kbpf_host *h = prog->obj.host;
	struct kbpf_interp_image *img;
	struct bpf_insn *insns;
	uint8_t *in_r1 = NULL;
	uint32_t pc, nr_sites = 0;
	bool map_calls = false;
	size_t size;
	int err;

	/* A program its runs would refuse keeps being refused by them. */
	if (interp_validate(prog->insns, prog->len))
		return 0;
	for (pc = 0; pc < prog->len; pc++) {
		const struct kbpf_helper *hp =
			prep_helper(prog, &prog->insns[pc]);

		if (hp) {
			nr_sites++;
			map_calls |= prep_is_map_helper(mh, hp->fn);
		}
		if (interp_is_ldimm64(&prog->insns[pc]))
			pc++;
	}
	if (map_calls) {
		in_r1 = kbpf_malloc(h, prog->len, 0);
		if (!in_r1)
			return -KBPF_ENOMEM;
		err = prep_known_maps(prog, in_r1, h);
		if (err) {
			kbpf_free(h, in_r1, prog->len);
			return err;
		}
	}
	size = sizeof(*img) + (size_t)nr_sites * sizeof(img->sites[0]) +
	       (size_t)prog->len * sizeof(struct bpf_insn);
	img = kbpf_zalloc(h, size, 0);
	if (!img) {
		kbpf_free(h, in_r1, prog->len);
		return -KBPF_ENOMEM;
	}
	insns = (struct bpf_insn *)&img->sites[nr_sites];
	memcpy(insns, prog->insns, (size_t)prog->len * sizeof(*insns));
	img->size = size;
	img->insns = insns;
	img->len = prog->len;
	for (pc = 0; pc < prog->len; pc++) {
		const struct kbpf_helper *hp = prep_helper(prog, &insns[pc]);
		struct kbpf_interp_site *s = &img->sites[img->nr_sites];
		uint8_t code = 0;

		if (interp_is_ldimm64(&insns[pc]))
			pc++;
		if (!hp)
			continue;
		s->h = hp;
		if (in_r1 && in_r1[pc] < PREP_UNSEEN &&
		    prep_is_map_helper(mh, hp->fn)) {
			struct kbpf_map *map = prog->maps[in_r1[pc]];

			code = hp->fn == mh->lookup ?
				       prep_lookup_site(map, s) :
				       prep_write_site(map,
						       hp->fn == mh->update, s);
		}
		if (!code) {
			*s = (struct kbpf_interp_site){ .h = hp };
			code = KBPF_INTERP_OP_CALL;
		}
		insns[pc].code = code;
		insns[pc].src_reg = 0; /* a kfunc's: the site says it all */
		insns[pc].imm = (int32_t)img->nr_sites++;
	}
	kbpf_free(h, in_r1, prog->len);
	prog->interp_image = img;
	return 0;
}

void kbpf_interp_release(struct kbpf_prog *prog)
{
	struct kbpf_interp_image *img = prog->interp_image;

	if (img)
		kbpf_free(prog->obj.host, img, img->size);
	prog->interp_image = NULL;
}
