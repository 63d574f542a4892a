/* SPDX-License-Identifier: MIT */
/*
 * Checked mode's pointer rules for programs whose loader was not
 * perfmon_capable() (kbpf_prog.priv without KBPF_PRIV_PERFMON). Linux's
 * verifier gives such a loader allow_ptr_leaks = false and refuses, with
 * -EACCES, every program that could turn a kernel address into something
 * user space reads. kbpf has no verifier: the third instantiation of
 * interp_body.h (interp_exec_unpriv) tracks at run time which registers and
 * which 8-byte stack slots hold pointers, and stops the run with -EACCES
 * at the first instruction that would leak one (the kernel's log line for
 * each rule is in the comment of the check):
 *
 *  - exit from the program (or a callback) with a pointer in r0
 *    ("R0 leaks addr as return value");
 *  - a pointer stored, at any size, anywhere but the run's stack: map
 *    values, the context, the packet, ring buffer records ("R%d leaks addr
 *    into map/ctx/packet"); an atomic whose stored operand is a pointer
 *    ("R%d leaks addr into mem");
 *  - a pointer in a scalar argument of a helper ("R%d leaks addr into
 *    helper function"); stack memory a helper reads that covers a slot
 *    holding a pointer ("invalid read from stack R%d off %d+%d size %d");
 *  - a writable dynptr argument off the stack ("R%d type=%s expected=fp,
 *    dynptr_ptr": the helper would write an address there); a read-only
 *    one that no helper made (-EINVAL, "Expected an initialized dynptr as
 *    arg #%d": a forged one could name any memory the run may read, the
 *    context's packet pointers included); a load from a dynptr's bytes;
 *  - helper memory (read or written) that covers the context's packet
 *    pointers, which follow the UAPI struct ("R%d type=ctx expected=...":
 *    Linux takes no context as helper memory);
 *  - a conditional jump on a pointer, except (64-bit only): == or != 0 of
 *    a pointer a helper returned as "or NULL" (the null check) or of a
 *    map value or helper memory (whose outcome Linux knows); the packet
 *    comparisons (data/data_end, data_meta/data: >, >=, <, <=). ("R%d
 *    pointer comparison prohibited": Linux refuses "ctx != 0", "r10 == 0",
 *    comparisons of map and function pointers too);
 *  - ALU on a pointer other than 64-bit pointer += scalar, scalar +=
 *    pointer, pointer -= scalar and mov: pointer - pointer, pointer +
 *    pointer, scalar - pointer, bitwise and multiplicative operators,
 *    negation, byte swaps, any 32-bit ALU, movsx and mov32 of a pointer
 *    ("R%d pointer -= pointer prohibited", "R%d bitwise operator &= on
 *    pointer prohibited", "R%d 32-bit pointer arithmetic prohibited", "R%d
 *    partial copy of pointer"...);
 *  - a stack slot holding a pointer read or written in part, or touched by
 *    an atomic ("invalid size of register fill", "attempt to corrupt
 *    spilled pointer on stack", "leaking pointer from stack off %d"), or
 *    in memory a helper writes ("attempt to corrupt spilled pointer on
 *    stack" too);
 *  - a read of stack bytes nobody wrote, by the program or by a helper
 *    reading its arguments (Linux's allow_uninit_stack is
 *    perfmon_capable() too: "invalid read from stack off %d+%d size %d");
 *    each frame starts uninitialised: the program's, a subprogram's, a
 *    callback's, a tail-called program's.
 *
 * A pointer as the offset of a legacy packet load (LD_IND) is allowed, as
 * Linux allows it.
 *
 * Pointers: r10 and every frame pointer, r1 (the context) at entry,
 * ld_imm64 of maps, map values and functions, helper results of pointer
 * kind (when not NULL), the context's data/data_end/data_meta fields of
 * packet programs, its sk field (a pointer or NULL), arguments a helper hands a callback that point into
 * memory the run may access or name one of its maps, and pointer + scalar.
 * Whole 8-byte aligned spills keep a pointer on the stack and fills give it
 * back; a slot a dynptr helper initialised holds a dynptr, which only
 * helpers may read.
 *
 * Checking at run time is laxer than the verifier: a leak on a path the
 * run does not take goes unnoticed (the verifier refuses the program), and
 * rules Linux applies to every loader (pointer * scalar...) are enforced
 * for these loaders only. It is stricter where it cannot see what Linux
 * proves: a tail call from such a program keeps the rules in the callee.
 *
 * Only interp_exec_unpriv and the helper path of such runs use this file;
 * privileged checked runs test one flag per helper call and tail call,
 * fast mode nothing.
 */
#ifndef KBPF_INTERP_TAINT_H
#define KBPF_INTERP_TAINT_H

/* What a register or a stack slot holds. */
enum {
	TK_SCALAR = 0,
	TK_PTR, /* stack, context, map, map value, memory, function */
	TK_PKT, /* packet data: ctx->data and pointers derived from it */
	TK_PKT_END, /* ctx->data_end */
	TK_PKT_META, /* ctx->data_meta */
	TK_PTR_OR_NULL, /* a helper's "or NULL" result not yet null-checked */
	TK_MEM, /* a map value or helper memory known not to be NULL */
	TK_DYNPTR, /* stack only: a dynptr a helper initialised */
};

_Static_assert(KBPF_SKB_DATA_END_OFF == KBPF_SKB_DATA_OFF + 8 &&
		       KBPF_SKB_DATA_META_OFF == KBPF_SKB_DATA_OFF + 16 &&
		       KBPF_XDP_DATA_END_OFF == KBPF_XDP_DATA_OFF + 8 &&
		       KBPF_XDP_DATA_META_OFF == KBPF_XDP_DATA_OFF + 16,
	       "the context's packet pointers are three consecutive u64");

/*
 * Whether [@addr, @addr + @size) is on the run's stack (any frame); if so
 * *@a and *@b are the first and last slots it touches (@size <= 8).
 */
static inline bool taint_stack_slots(const struct interp_state *st,
				     uintptr_t addr, size_t size, uint32_t *a,
				     uint32_t *b)
{
	uintptr_t off = addr - (uintptr_t)st->stack[0];

	if (off >= sizeof(st->stack) || size > sizeof(st->stack) - off || !size)
		return false;
	*a = (uint32_t)(off >> 3);
	*b = (uint32_t)((off + size - 1) >> 3);
	return true;
}

/* Bits of the bytes [@o, @o + @size) of a slot and the next (@size <= 8). */
static inline uint32_t taint_byte_mask(uintptr_t o, size_t size)
{
	return ((1u << size) - 1) << (o & 7);
}

/* A frame's stack starts uninitialised and without pointers. */
static void taint_frame_reset(struct interp_state *st, uint32_t frame)
{
	const uint32_t n = KBPF_STACK_SIZE / 8;

	if (frame >= KBPF_MAX_CALL_FRAMES)
		return;
	memset(st->slot_kind + frame * n, 0, n);
	memset(st->slot_init + frame * n, 0, n);
}

enum taint_range_op {
	TR_READ, /* a helper reads it: initialised, no pointer */
	TR_WRITE, /* a helper writes it: no pointer */
	TR_INIT, /* the helper wrote it: initialised */
	TR_DYNPTR, /* the helper made it a dynptr: initialised pointers */
};

/*
 * A stack range of any size a helper argument covers (nothing off the
 * stack): for TR_READ and TR_WRITE, whether a rule forbids it; the others
 * record what the helper did.
 */
static bool taint_stack_range(struct interp_state *st, uintptr_t addr,
			      uint64_t size, enum taint_range_op op)
{
	uintptr_t off = addr - (uintptr_t)st->stack[0];
	uint64_t i, end;

	if (!size || off >= sizeof(st->stack))
		return false;
	end = size > sizeof(st->stack) - off ? sizeof(st->stack) : off + size;
	for (i = off; i < end; i++) {
		uint8_t *kind = &st->slot_kind[i >> 3];
		uint8_t *init = &st->slot_init[i >> 3];
		uint8_t bit = (uint8_t)(1u << (i & 7));

		switch (op) {
		case TR_READ:
			if (*kind || !(*init & bit))
				return true;
			break;
		case TR_WRITE:
			if (*kind)
				return true;
			break;
		case TR_INIT:
			*init |= bit;
			break;
		case TR_DYNPTR:
			*init |= bit;
			*kind = TK_DYNPTR;
			break;
		}
	}
	return false;
}

/*
 * Where the context keeps its packet pointers (data, data_end, data_meta:
 * three u64 after the UAPI struct, read-only to the program), or 0 for a
 * context without them.
 */
static inline uintptr_t taint_pkt_fields(const struct kbpf_run *run)
{
	uintptr_t base;

	if (!run->ctx)
		return 0;
	if (kbpf_prog_type_is_skb(run->ctx_type))
		base = KBPF_SKB_DATA_OFF;
	else if (run->ctx_type == BPF_PROG_TYPE_XDP)
		base = KBPF_XDP_DATA_OFF;
	else
		return 0;
	return base + (uintptr_t)run->ctx;
}

/*
 * A load of @size bytes at @addr into the instruction's dst: its kind, or
 * -EACCES for part of a pointer ("invalid size of register fill"), and
 * for part of the context's packet pointers.
 */
static KBPF_ALWAYS_INLINE int taint_load(struct interp_state *st, uint8_t *rk,
					 const struct bpf_insn *insn,
					 uintptr_t addr, size_t size)
{
	bool whole = size == 8 && !(addr & 7) &&
		     BPF_MODE(insn->code) != BPF_MEMSX;
	uintptr_t base, off;
	uint32_t a, b;

	rk[insn->dst_reg] = TK_SCALAR;
	if (taint_stack_slots(st, addr, size, &a, &b)) {
		uint32_t m = taint_byte_mask(addr, size);

		/* "invalid read from stack off %d+%d size %d" */
		if ((st->slot_init[a] & (m & 0xff)) != (m & 0xff) ||
		    (st->slot_init[b] & (m >> 8)) != (m >> 8))
			return -KBPF_EACCES;
		if (!(st->slot_kind[a] | st->slot_kind[b]))
			return 0;
		/* A dynptr's bytes are the helpers' ("invalid read from stack") */
		if (!whole || st->slot_kind[a] == TK_DYNPTR)
			return -KBPF_EACCES;
		rk[insn->dst_reg] = st->slot_kind[a];
		return 0;
	}
	/* __sk_buff->sk: a socket pointer or NULL (review finding: it was a
	 * scalar here, which let such a loader store the host's address) */
	if (st->run->ctx && kbpf_prog_type_is_skb(st->run->ctx_type)) {
		uintptr_t sk = (uintptr_t)st->run->ctx +
			       offsetof(struct kbpf_skb, md) +
			       offsetof(struct __sk_buff, sk);

		if (addr < sk + 8 && addr + size > sk) {
			if (!whole || addr != sk)
				return -KBPF_EACCES;
			rk[insn->dst_reg] = TK_PTR_OR_NULL;
			return 0;
		}
	}
	base = taint_pkt_fields(st->run);
	if (!base || addr + size <= base || addr >= base + 24)
		return 0;
	off = addr - base;
	if (!whole || (off & 7))
		return -KBPF_EACCES;
	rk[insn->dst_reg] = (uint8_t)(TK_PKT + off / 8);
	return 0;
}

/*
 * A store of @size bytes of a value of @kind at @addr (the access is
 * allowed): a pointer goes to the stack only, as a whole aligned slot
 * ("R%d leaks addr into map/ctx/packet/mem"); a scalar must not overwrite
 * part of a pointer ("attempt to corrupt spilled pointer on stack").
 */
static KBPF_ALWAYS_INLINE int
taint_store(struct interp_state *st, uintptr_t addr, size_t size, uint8_t kind)
{
	uint32_t a, b;

	uint32_t m;

	if (!taint_stack_slots(st, addr, size, &a, &b))
		return kind ? -KBPF_EACCES : 0;
	if (size == 8 && !(addr & 7)) {
		st->slot_kind[a] = kind;
		st->slot_init[a] = 0xff;
		return 0;
	}
	if (kind || st->slot_kind[a] || st->slot_kind[b])
		return -KBPF_EACCES;
	m = taint_byte_mask(addr, size);
	st->slot_init[a] |= (uint8_t)m;
	st->slot_init[b] |= (uint8_t)(m >> 8);
	return 0;
}

/*
 * An atomic at @addr: no pointer operand is stored ("R%d leaks addr into
 * mem"), no pointer on the stack is read or modified ("leaking pointer
 * from stack off %d"); what it fetches is a scalar.
 */
static inline int taint_atomic(struct interp_state *st, uint8_t *rk,
			       const struct bpf_insn *insn, uintptr_t addr,
			       size_t size)
{
	uint32_t a, b;

	if (insn->imm != BPF_LOAD_ACQ && rk[insn->src_reg])
		return -KBPF_EACCES;
	if (insn->imm == BPF_CMPXCHG && rk[BPF_REG_0])
		return -KBPF_EACCES;
	if (taint_stack_slots(st, addr, size, &a, &b)) {
		uint32_t m = taint_byte_mask(addr, size);

		if ((st->slot_kind[a] | st->slot_kind[b]) ||
		    (st->slot_init[a] & (m & 0xff)) != (m & 0xff) ||
		    (st->slot_init[b] & (m >> 8)) != (m >> 8))
			return -KBPF_EACCES;
	}
	if (insn->imm == BPF_LOAD_ACQ)
		rk[insn->dst_reg] = TK_SCALAR;
	else if (insn->imm == BPF_CMPXCHG)
		rk[BPF_REG_0] = TK_SCALAR;
	else if (insn->imm & BPF_FETCH)
		rk[insn->src_reg] = TK_SCALAR;
	return 0;
}

/* ALU and ALU64 (mov and byte swaps included): see the file comment. */
static KBPF_ALWAYS_INLINE int taint_alu(uint8_t *rk,
					const struct bpf_insn *insn)
{
	uint8_t op = BPF_OP(insn->code);
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool x = BPF_SRC(insn->code) == BPF_X && op != BPF_END && op != BPF_NEG;
	uint8_t d = rk[insn->dst_reg], s = x ? rk[insn->src_reg] : 0;

	if (op == BPF_MOV) {
		/* "R%d partial copy of pointer" (mov32, movsx) */
		if (s && (!alu64 || insn->off))
			return -KBPF_EACCES;
		rk[insn->dst_reg] = s;
		return 0;
	}
	if (!d && !s)
		return 0;
	/* pointer += scalar, scalar += pointer: a pointer of the same kind */
	if (alu64 && op == BPF_ADD && !(d && s)) {
		rk[insn->dst_reg] = d | s;
		return 0;
	}
	/* pointer -= scalar */
	if (alu64 && op == BPF_SUB && d && !s)
		return 0;
	/*
	 * "R%d pointer -= pointer prohibited", "R%d pointer += pointer
	 * prohibited", "R%d tried to subtract pointer from scalar", "R%d
	 * bitwise operator %s on pointer prohibited", "R%d pointer
	 * arithmetic with %s operator prohibited", "R%d 32-bit pointer
	 * arithmetic prohibited", "R%d pointer arithmetic prohibited"
	 */
	return -KBPF_EACCES;
}

/* A pair of packet pointers Linux lets a program compare. */
static inline bool taint_pkt_pair(uint8_t a, uint8_t b)
{
	return (a == TK_PKT && (b == TK_PKT_END || b == TK_PKT_META)) ||
	       (b == TK_PKT && (a == TK_PKT_END || a == TK_PKT_META));
}

/*
 * A conditional jump: "R%d pointer comparison prohibited". A null check
 * makes its register a plain pointer (the run knows it is not NULL).
 */
static KBPF_ALWAYS_INLINE int taint_jmp(uint8_t *rk,
					const struct bpf_insn *insn)
{
	uint8_t op = BPF_OP(insn->code);
	bool x = BPF_SRC(insn->code) == BPF_X;
	uint8_t d = rk[insn->dst_reg], s = x ? rk[insn->src_reg] : 0;

	if (!d && !s)
		return 0;
	if (BPF_CLASS(insn->code) != BPF_JMP)
		return -KBPF_EACCES;
	if (!x) {
		if ((op != BPF_JEQ && op != BPF_JNE) || insn->imm)
			return -KBPF_EACCES;
		if (d == TK_MEM)
			return 0;
		if (d != TK_PTR_OR_NULL)
			return -KBPF_EACCES;
		rk[insn->dst_reg] = TK_MEM;
		return 0;
	}
	if ((op == BPF_JGT || op == BPF_JGE || op == BPF_JLT ||
	     op == BPF_JLE) &&
	    taint_pkt_pair(d, s))
		return 0;
	return -KBPF_EACCES;
}

static KBPF_ALWAYS_INLINE bool taint_access(const struct interp_state *st,
					    uintptr_t *addr, size_t size,
					    bool write);

/*
 * A callback's argument: a pointer if it points into memory the run may
 * access (stack, regions, value areas), is the context, or names a map
 * the run may use; helpers hand callbacks nothing else but scalars
 * (indexes, flags), which never look like that.
 */
static uint8_t taint_guess(const struct interp_state *st, uint64_t v)
{
	if (!v)
		return TK_SCALAR;
	uintptr_t a = (uintptr_t)v;

	if (v == (uint64_t)(uintptr_t)st->run->ctx ||
	    v - (uintptr_t)st->stack[0] < sizeof(st->stack) ||
	    interp_is_prog_map(st, v) || interp_is_lent_dynptr(st, v))
		return TK_PTR;
	/* Map keys and values, records: memory Linux knows is not NULL */
	if (taint_access(st, &a, 1, false) || taint_access(st, &a, 1, true))
		return TK_MEM;
	return TK_SCALAR;
}

/* The bytes a helper argument of @kind reads or writes, for the stack rules. */
static uint64_t taint_arg_size(const struct kbpf_map *map,
			       enum kbpf_arg_kind kind, uint64_t v,
			       uint64_t next)
{
	switch (kind) {
	case KBPF_ARG_PTR_TO_MAP_KEY:
		return map ? map->key_size : 0;
	case KBPF_ARG_PTR_TO_MAP_VALUE:
	case KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL:
	case KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
		return map ? map->value_size : 0;
	case KBPF_ARG_PTR_TO_MEM:
	case KBPF_ARG_PTR_TO_MEM_OR_NULL:
	case KBPF_ARG_PTR_TO_UNINIT_MEM:
	case KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
		return next;
	case KBPF_ARG_PTR_TO_LONG:
		return 8;
	case KBPF_ARG_PTR_TO_U32:
		return 4;
	case KBPF_ARG_PTR_TO_DYNPTR:
		return 16;
	case KBPF_ARG_CONST_STR: {
		/* Readable up to its NUL: interp_check_args() made sure. */
		const char *s = (const char *)(uintptr_t)v;
		uint64_t n = 1;

		while (*s++)
			n++;
		return n;
	}
	default:
		return 0;
	}
}

/*
 * Before a helper call whose arguments interp_check_args() accepted: no
 * pointer in a scalar slot ("R%d leaks addr into helper function"); stack
 * memory the helper reads is initialised and holds no pointer ("invalid
 * read from stack R%d off %d+%d size %d"), stack memory it writes holds
 * no pointer ("attempt to corrupt spilled pointer on stack").
 */
static int taint_call_args(struct interp_state *st, const struct kbpf_helper *h,
			   const uint64_t *regs)
{
	const struct kbpf_map *map = NULL;
	int i;

	for (i = 0; i < 5; i++) {
		enum kbpf_arg_kind kind = h->args[i];
		uint64_t v = regs[1 + i];
		uint64_t next = i < 4 ? regs[2 + i] : 0;
		enum taint_range_op op = TR_READ;
		uint64_t size, base;

		switch (kind) {
		case KBPF_ARG_ANYTHING:
		case KBPF_ARG_CONST_SIZE:
		case KBPF_ARG_CONST_SIZE_OR_ZERO:
			if (st->rk[1 + i])
				return -KBPF_EACCES;
			break;
		case KBPF_ARG_CONST_MAP_PTR:
			map = (const struct kbpf_map *)(uintptr_t)v;
			break;
		case KBPF_ARG_PTR_TO_DYNPTR_RDONLY: {
			uint32_t a, b, k;

			/*
			 * "Expected an initialized dynptr as arg #%d": one a
			 * helper made on the stack (not bytes the program
			 * wrote there), or the one lent to a callback.
			 */
			if (!taint_stack_slots(st, (uintptr_t)v, 16, &a, &b)) {
				if (!interp_is_lent_dynptr(st, v))
					return -KBPF_EINVAL;
				break;
			}
			for (k = a; k <= b; k++)
				if (st->slot_kind[k] != TK_DYNPTR)
					return -KBPF_EINVAL;
			break;
		}
		case KBPF_ARG_PTR_TO_DYNPTR: {
			uint32_t a, b;

			/*
			 * "R%d type=%s expected=fp, dynptr_ptr": a dynptr the
			 * helper writes (it holds an address) lives on the
			 * stack, where its slots become pointers.
			 */
			if (!taint_stack_slots(st, (uintptr_t)v, 16, &a, &b))
				return -KBPF_EACCES;
			break;
		}
		case KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
		case KBPF_ARG_PTR_TO_UNINIT_MEM:
		case KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
		case KBPF_ARG_PTR_TO_LONG:
			op = TR_WRITE;
			/* fall through */
		case KBPF_ARG_PTR_TO_MAP_KEY:
		case KBPF_ARG_PTR_TO_MAP_VALUE:
		case KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL:
		case KBPF_ARG_PTR_TO_MEM:
		case KBPF_ARG_PTR_TO_MEM_OR_NULL:
		case KBPF_ARG_PTR_TO_U32: /* read first: initialised bytes */
		case KBPF_ARG_CONST_STR:
			if (!v)
				break;
			size = taint_arg_size(map, kind, v, next);
			if (taint_stack_range(st, (uintptr_t)v, size, op))
				return -KBPF_EACCES;
			/*
			 * "R%d type=ctx expected=...": the context's packet
			 * pointers are not memory a helper may read or write
			 * (a copy of them would reach user space).
			 */
			base = taint_pkt_fields(st->run);
			if (size && base && v < base + 24 && v + size > base)
				return -KBPF_EACCES;
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * After the call: r0's kind from the prototype (a NULL result is a
 * scalar); stack memory the helper wrote is initialised, a dynptr it
 * initialised or used holds pointers.
 */
static void taint_call_done(struct interp_state *st,
			    const struct kbpf_helper *h, const uint64_t *regs)
{
	const struct kbpf_map *map = NULL;
	int i;

	for (i = 0; i < 5; i++) {
		enum kbpf_arg_kind kind = h->args[i];
		uint64_t v = regs[1 + i];

		switch (kind) {
		case KBPF_ARG_CONST_MAP_PTR:
			map = (const struct kbpf_map *)(uintptr_t)v;
			break;
		case KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
		case KBPF_ARG_PTR_TO_UNINIT_MEM:
		case KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
		case KBPF_ARG_PTR_TO_LONG:
			if (v)
				taint_stack_range(
					st, (uintptr_t)v,
					taint_arg_size(map, kind, v,
						       i < 4 ? regs[2 + i] : 0),
					TR_INIT);
			break;
		case KBPF_ARG_PTR_TO_DYNPTR:
			taint_stack_range(st, (uintptr_t)v, 16, TR_DYNPTR);
			break;
		default:
			break;
		}
	}
	st->rk[0] = (h->ret == KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL ||
		     h->ret == KBPF_RET_PTR_TO_MEM_OR_NULL) &&
				    regs[0] ?
			    TK_PTR_OR_NULL :
			    TK_SCALAR;
}

/*
 * Spectre v1: an access checked mode allowed still runs after a bounds
 * check the CPU may have predicted wrongly. For these runs the address is
 * then recomputed without a branch as an offset into the range that
 * contains it (stack, region or value area), masked to zero when out of
 * it, so even a mispredicted check reaches only memory the run may touch.
 */

/* All ones if @a < @b, else 0: the borrow of @a - @b, without a branch. */
static inline uintptr_t taint_lt_mask(uintptr_t a, uintptr_t b)
{
	uintptr_t borrow = ((~a & b) | ((~a | b) & (a - b))) >>
			   (sizeof(uintptr_t) * 8 - 1);
	uintptr_t m = (uintptr_t)0 - borrow;

#if defined(__GNUC__)
	/* Keep the compiler from turning the mask back into a branch. */
	__asm__("" : "+r"(m));
#endif
	return m;
}

static inline uintptr_t taint_clamp(uintptr_t addr, size_t size, uintptr_t lo,
				    uintptr_t hi)
{
	uintptr_t off = addr - lo, span = hi - lo;

	/* off < span and size <= span - off, i.e. size < span - off + 1 */
	return lo + (off & taint_lt_mask(off, span) &
		     taint_lt_mask(size, span - off + 1));
}

static inline uintptr_t taint_nospec(const struct interp_state *st,
				     uintptr_t addr, size_t size)
{
	uintptr_t lo = (uintptr_t)st->stack[0];
	uintptr_t hi = (uintptr_t)st->stack[st->depth];
	uintptr_t end = addr + size;
	uint32_t i;

	if (addr >= lo && end <= hi)
		return taint_clamp(addr, size, lo, hi);
	for (i = 0; i < st->nr_regions; i++) {
		const struct interp_region *r = &st->regions[i];

		if (addr >= r->start && end <= r->end)
			return taint_clamp(addr, size, r->start, r->end);
	}
	for (i = 0; i < st->nr_areas; i++) {
		const struct interp_area *a = &st->areas[i];

		if (addr >= a->start && end <= a->end)
			return taint_clamp(addr, size, a->start, a->end);
	}
	return addr;
}

/*
 * The unprivileged loop's access check: interp_access_ok(), then *@addr
 * recomputed by taint_nospec(). Out of line, so that interp_access_ok()
 * keeps the call sites it had and stays inlined in the checked loop.
 */
static KBPF_ALWAYS_INLINE bool taint_access(const struct interp_state *st,
					    uintptr_t *addr, size_t size,
					    bool write)
{
	if (!interp_access_ok(st, *addr, size, write))
		return false;
	*addr = taint_nospec(st, *addr, size);
	return true;
}

#endif /* KBPF_INTERP_TAINT_H */
