// SPDX-License-Identifier: MIT
/*
 * The verifier's walk (Linux's do_check() in behaviour, kernel/bpf/
 * verifier.c): depth first over the program, one abstract state per path,
 * a stack of branches still to explore, pruning at jump targets
 * (state.c). Each instruction is checked against the types of the
 * registers it uses, and its result computed: ALU through the scalar
 * domain (domain.c) or pointer arithmetic, loads and stores through the
 * memory rules of each pointer type, conditional jumps decided where the
 * ranges say so and refined in both directions otherwise (null checks,
 * packet range checks), calls in call.c.
 *
 * The refusals print Linux 6.18's log line, measured on the kernel
 * (tests/unit/verifier/test_verifier_diff.c compares them), and return
 * its errno. The log then ends, as Linux's, with "processed N insns
 * (limit 1000000) max_states_per_insn M total_states T peak_states P
 * mark_read R" (mark_read is 0: v0 has no read marks).
 *
 * Called from syscall (kbpf_prog_load); allocates; no locks.
 */
#include "verifier_internal.h"

#include "kbpf/packet.h"
#include "core/priv.h"
#include "core/util.h"
#include "net/net_internal.h"

#define U32_MAXV 0xffffffffull

/* ---- registers ---- */

void kbpf_v_mark_not_init(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	kbpf_scalar_unknown(&r->s);
}

void kbpf_v_mark_unknown(struct vreg *r)
{
	memset(r, 0, sizeof(*r));
	r->type = T_SCALAR;
	kbpf_scalar_unknown(&r->s);
}

void kbpf_v_mark_const(struct vreg *r, uint64_t v)
{
	memset(r, 0, sizeof(*r));
	r->type = T_SCALAR;
	kbpf_scalar_const(&r->s, v);
}

/* A pointer with no variable offset. */
static void mark_ptr(struct vreg *r, uint8_t type)
{
	memset(r, 0, sizeof(*r));
	r->type = type;
	kbpf_scalar_const(&r->s, 0);
}

bool kbpf_v_is_ptr(const struct vreg *r)
{
	return r->type != T_SCALAR && r->type != T_NOT_INIT;
}

static void v_snprintf(char *buf, unsigned long n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kbpf_vsnprintf(buf, n, fmt, ap);
	va_end(ap);
}

const char *kbpf_v_type_str(const struct vreg *r, char *buf, unsigned long n)
{
	static const char *const names[] = {
		[T_NOT_INIT] = "?",
		[T_SCALAR] = "scalar",
		[T_CTX] = "ctx",
		[T_MAP_PTR] = "map_ptr",
		[T_MAP_VALUE] = "map_value",
		[T_MAP_KEY] = "map_key",
		[T_STACK] = "fp",
		[T_PKT] = "pkt",
		[T_PKT_META] = "pkt_meta",
		[T_PKT_END] = "pkt_end",
		[T_MEM] = "mem",
		[T_FUNC] = "func",
		[T_DYNPTR] = "dynptr_ptr",
		[T_BTF_ID] = "ptr_",
		[T_SOCK_COMMON] = "sock_common",
		[T_SOCK] = "sock",
		[T_TCP_SOCK] = "tcp_sock",
	};
	const uint8_t f = r->flags;
	const bool btf = r->type == T_BTF_ID;

	/* Linux's reg_type_str(): the flags' prefixes in its order. */
	v_snprintf(buf, n, "%s%s%s%s%s%s%s%s%s",
		   (f & VF_RDONLY) ? "rdonly_" : "",
		   (f & VF_RINGBUF) ? "ringbuf_" : "",
		   (f & VF_USER) ? "user_" : "",
		   (f & VF_PERCPU) ? "percpu_" : "", (f & VF_RCU) ? "rcu_" : "",
		   (f & VF_UNTRUSTED) ? "untrusted_" : "",
		   (f & VF_TRUSTED) ? "trusted_" : "", names[r->type],
		   !(f & VF_NULL) ? "" :
		   btf		  ? "or_null_" :
				    "_or_null");
	return buf;
}

int kbpf_v_check_read(struct venv *env, uint32_t regno)
{
	if (CUR_REGS(env)[regno].type == T_NOT_INIT) {
		kbpf_vlog_printf(env->log, "R%u !read_ok\n", regno);
		return -KBPF_EACCES;
	}
	return 0;
}

/* Loaders without perfmon_capable() may not see pointers as numbers. */
static bool ptr_leak(struct venv *env, uint32_t regno)
{
	return !env->allow_ptr_leaks && kbpf_v_is_ptr(&CUR_REGS(env)[regno]);
}

int kbpf_v_push_branch(struct venv *env, uint32_t insn)
{
	struct vstate *st;

	if (env->nr_stack == env->cap_stack) {
		uint32_t cap = env->cap_stack ? env->cap_stack * 2 : 64;
		struct vbranch *n;

		if (cap > 8192) {
			kbpf_vlog_printf(
				env->log,
				"The sequence of %u jumps is too complex.\n",
				env->nr_stack + 1);
			return -KBPF_E2BIG;
		}
		n = kbpf_malloc(env->h, cap * sizeof(*n), 0);
		if (!n)
			return -KBPF_ENOMEM;
		if (env->stack) {
			memcpy(n, env->stack, env->nr_stack * sizeof(*n));
			kbpf_free(env->h, env->stack,
				  env->cap_stack * sizeof(*n));
		}
		env->stack = n;
		env->cap_stack = cap;
	}
	st = kbpf_v_state_copy(env, env->cur);
	if (!st)
		return -KBPF_ENOMEM;
	/* the branch's path went through the instruction pushing it */
	kbpf_v_hist_push(env, st);
	if (st->parent)
		st->parent->branches++;
	env->stack[env->nr_stack].st = st;
	env->stack[env->nr_stack].insn = insn;
	env->stack[env->nr_stack].from = env->insn_idx;
	env->stack[env->nr_stack].log_pos = env->log->end;
	env->nr_stack++;
	return 0;
}

/* ---- ALU ---- */

static const char *const alu_str[16] = {
	"+=",  "-=", "*=", "/=", "|=",	 "&=",	   "<<=", ">>=",
	"neg", "%=", "^=", "=",	 "s>>=", "endian", "?",	  "?",
};

/*
 * Linux's check_reg_sane_offset(): offsets a pointer may reach by
 * arithmetic, checked on both operands and on the result; -EINVAL.
 */
static int check_sane_offset(struct venv *env, const struct vreg *r,
			     const struct vreg *ptr)
{
	char buf[32];

	kbpf_v_type_str(ptr, buf, sizeof(buf));
	if (kbpf_scalar_is_const(&r->s) &&
	    ((int64_t)r->s.var.value >= V_MAX_VAR_OFF ||
	     (int64_t)r->s.var.value <= -V_MAX_VAR_OFF)) {
		kbpf_vlog_printf(
			env->log,
			"math between %s pointer and %lld is not allowed\n",
			buf, (long long)r->s.var.value);
		return -KBPF_EINVAL;
	}
	if (r->off >= V_MAX_VAR_OFF || r->off <= -V_MAX_VAR_OFF) {
		kbpf_vlog_printf(env->log,
				 "%s pointer offset %d is not allowed\n", buf,
				 r->off);
		return -KBPF_EINVAL;
	}
	if (r->s.smin == INT64_MIN) {
		kbpf_vlog_printf(
			env->log,
			"math between %s pointer and register with unbounded min value is not allowed\n",
			buf);
		return -KBPF_EINVAL;
	}
	if (r->s.smin >= V_MAX_VAR_OFF || r->s.smin <= -V_MAX_VAR_OFF) {
		kbpf_vlog_printf(
			env->log,
			"value %lld makes %s pointer be out of bounds\n",
			(long long)r->s.smin, buf);
		return -KBPF_EINVAL;
	}
	return 0;
}

/*
 * Loaders without CAP_PERFMON (Linux's !bypass_spec_v1): pointer
 * arithmetic is limited to what Linux can sanitize against speculative
 * execution (sanitize_ptr_alu(): stack and map value pointers, offsets
 * of one sign, a pointer inside its object) and must stay inside the
 * object (sanitize_check_bounds()). Linux masks the offset of each such
 * instruction with one limit, so every path through it must need the
 * same kind of masking and the same limit.
 */
#define ALU_SRC 0x01u /* the pointer is the destination */
#define ALU_DST 0x02u /* the pointer is the source (scalar += ptr) */
#define ALU_NEG 0x04u /* the offset may be negative */
#define ALU_NON_POINTER 0x08u /* scalar += scalar */
#define ALU_IMM 0x10u /* the offset is a known constant */

static const char spec_err[] =
	"pointer arithmetic with it prohibited for !root";

static bool spec_skip(const struct venv *env, const struct bpf_insn *insn)
{
	uint8_t op = BPF_OP(insn->code);

	return env->allow_ptr_leaks || BPF_SRC(insn->code) == BPF_K ||
	       (op != BPF_ADD && op != BPF_SUB);
}

/* Linux's retrieve_ptr_limit(): bytes the masked offset may move. */
static bool spec_ptr_limit(const struct vreg *ptr, bool mask_to_left,
			   uint32_t *limit)
{
	uint32_t max, lim;

	if (ptr->type == T_STACK) {
		max = V_STACK + (mask_to_left ? 1 : 0);
		lim = (uint32_t) -
		      (int64_t)(ptr->s.var.value + (uint64_t)ptr->off);
	} else {
		max = ptr->map->value_size;
		lim = (uint32_t)((mask_to_left ? (uint64_t)ptr->s.smin :
						 ptr->s.umax) +
				 (uint64_t)(int64_t)ptr->off);
	}
	if (lim >= max)
		return false;
	*limit = lim;
	return true;
}

/* The same masking on every path through @insn (else REASON_PATHS). */
static int spec_update(struct venv *env, const struct bpf_insn *insn,
		       uint8_t state, uint32_t limit)
{
	uint32_t pc = (uint32_t)(insn - env->insns);

	if (env->cur->speculative && state != ALU_NON_POINTER)
		return 0;
	if (env->alu_state[pc] &&
	    (env->alu_state[pc] != state || env->alu_limit[pc] != limit)) {
		kbpf_vlog_printf(
			env->log,
			"R%u tried to %s from different maps, paths or scalars, %s\n",
			insn->dst_reg,
			BPF_OP(insn->code) == BPF_ADD ? "add" : "sub",
			spec_err);
		return -KBPF_EACCES;
	}
	env->alu_state[pc] = state;
	env->alu_limit[pc] = limit;
	return 0;
}

struct spec_info {
	uint8_t state;
	bool mask_to_left;
	uint32_t limit;
};

static int spec_check_alu(struct venv *env, const struct bpf_insn *insn,
			  const struct vreg *ptr, const struct vreg *off,
			  bool reversed, struct spec_info *si)
{
	uint8_t op = BPF_OP(insn->code);
	bool neg = off->s.smin < 0;

	if (spec_skip(env, insn))
		return 0;
	if (!kbpf_scalar_is_const(&off->s) && off->s.smin < 0 &&
	    off->s.smax >= 0) {
		kbpf_vlog_printf(
			env->log,
			"R%u has unknown scalar with mixed signed bounds, %s\n",
			reversed ? insn->dst_reg : insn->src_reg, spec_err);
		return -KBPF_EACCES;
	}
	if (ptr->type != T_STACK && ptr->type != T_MAP_VALUE) {
		kbpf_vlog_printf(
			env->log,
			"R%u has pointer with unsupported alu operation, %s\n",
			insn->dst_reg, spec_err);
		return -KBPF_EACCES;
	}
	si->mask_to_left = (op == BPF_ADD && neg) || (op == BPF_SUB && !neg);
	if (!spec_ptr_limit(ptr, si->mask_to_left, &si->limit)) {
		kbpf_vlog_printf(env->log,
				 "R%u tried to %s beyond pointer bounds, %s\n",
				 insn->dst_reg, op == BPF_ADD ? "add" : "sub",
				 spec_err);
		return -KBPF_EACCES;
	}
	si->state = (neg ? ALU_NEG : 0) |
		    (kbpf_scalar_is_const(&off->s) ? ALU_IMM : 0) |
		    (reversed ? ALU_DST : ALU_SRC);
	if (!kbpf_scalar_is_const(&off->s))
		env->explore_alu_limits = true;
	return 0;
}

/* After the operation: the window is how far the pointer moved. */
static int spec_commit(struct venv *env, const struct bpf_insn *insn,
		       const struct vreg *res, const struct spec_info *si)
{
	uint32_t after;
	int32_t d;

	if (spec_skip(env, insn))
		return 0;
	if (!spec_ptr_limit(res, si->mask_to_left, &after)) {
		kbpf_vlog_printf(env->log,
				 "R%u tried to %s beyond pointer bounds, %s\n",
				 insn->dst_reg,
				 BPF_OP(insn->code) == BPF_ADD ? "add" : "sub",
				 spec_err);
		return -KBPF_EACCES;
	}
	d = (int32_t)(si->limit - after);
	return spec_update(env, insn, si->state,
			   d < 0 ? (uint32_t) - (int64_t)d : (uint32_t)d);
}

static int map_field_access(struct venv *env, const struct vreg *r, int off,
			    uint32_t size, const struct kbpf_map *map,
			    bool helper);

/*
 * Linux's sanitize_check_bounds(): without CAP_PERFMON the result must be
 * a pointer a 1-byte access could use; for a map value that includes its
 * special fields (check_map_access()): value + 8 onto a bpf_timer is
 * refused there, with the field's line first.
 */
static int spec_check_bounds(struct venv *env, const struct bpf_insn *insn,
			     const struct vreg *r)
{
	if (r->type == T_STACK) {
		int64_t off = (int64_t)r->off + (int64_t)r->s.var.value;

		if (off >= 0 || off < -V_STACK) {
			kbpf_vlog_printf(
				env->log,
				"R%u stack pointer arithmetic goes out of range, prohibited for !root; off=%lld\n",
				insn->dst_reg, (long long)off);
			return -KBPF_EACCES;
		}
	} else if (r->type == T_MAP_VALUE) {
		int64_t lo = (int64_t)r->off + r->s.smin;
		int64_t hi = (int64_t)r->off + (int64_t)r->s.umax;

		if (r->s.smin < 0 || lo < 0 || hi + 1 > r->map->value_size ||
		    r->s.umax >= (uint64_t)V_MAX_VAR_OFF ||
		    (kbpf_map_has_fields(r->map) &&
		     map_field_access(env, r, r->off, 1, r->map, true))) {
			kbpf_vlog_printf(
				env->log,
				"R%u pointer arithmetic of map value goes out of range, prohibited for !root\n",
				insn->dst_reg);
			return -KBPF_EACCES;
		}
	}
	return 0;
}

/* @dst = @ptr op @off (Linux's adjust_ptr_min_max_vals()). */
static int ptr_alu(struct venv *env, const struct bpf_insn *insn,
		   struct vreg *dst, const struct vreg *ptr,
		   const struct vreg *off, bool reversed)
{
	uint8_t op = BPF_OP(insn->code);
	struct vreg res = *ptr;
	struct spec_info si = { 0, false, 0 };
	char buf[32];
	int err;

	if (BPF_CLASS(insn->code) != BPF_ALU64) {
		if (op == BPF_SUB && env->allow_ptr_leaks) {
			kbpf_v_mark_unknown(dst);
			kbpf_scalar_zext32(&dst->s);
			return 0;
		}
		kbpf_vlog_printf(env->log,
				 "R%u 32-bit pointer arithmetic prohibited\n",
				 insn->dst_reg);
		return -KBPF_EACCES;
	}
	if (ptr->flags & VF_NULL) {
		kbpf_vlog_printf(
			env->log,
			"R%u pointer arithmetic on %s prohibited, null-check it first\n",
			insn->dst_reg, kbpf_v_type_str(ptr, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	switch (ptr->type) {
	case T_CTX:
	case T_MAP_VALUE:
	case T_MAP_KEY:
	case T_STACK:
	case T_PKT:
	case T_PKT_META:
	case T_MEM:
	case T_BTF_ID:
		break;
	case T_MAP_PTR:
		if (kbpf_scalar_is_const(&off->s) && !off->s.var.value &&
		    op == BPF_ADD)
			break;
		/* fallthrough */
	default:
		kbpf_vlog_printf(env->log,
				 "R%u pointer arithmetic on %s prohibited\n",
				 insn->dst_reg,
				 kbpf_v_type_str(ptr, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	err = check_sane_offset(env, off, ptr);
	if (!err)
		err = check_sane_offset(env, ptr, ptr);
	if (!err)
		err = spec_check_alu(env, insn, ptr, off, reversed, &si);
	if (err)
		return err;
	switch (op) {
	case BPF_ADD:
	case BPF_SUB: {
		bool known = kbpf_scalar_is_const(&off->s);
		int64_t v = (int64_t)off->s.var.value;

		if (op == BPF_SUB && reversed) {
			kbpf_vlog_printf(
				env->log,
				"R%u tried to subtract pointer from scalar\n",
				insn->dst_reg);
			return -KBPF_EACCES;
		}
		/* Linux keeps r10-derived pointers growing up only. */
		if (op == BPF_SUB && ptr->type == T_STACK) {
			kbpf_vlog_printf(
				env->log,
				"R%u subtraction from stack pointer prohibited\n",
				insn->dst_reg);
			return -KBPF_EACCES;
		}
		if (known) {
			int64_t n = op == BPF_ADD ? (int64_t)res.off + v :
						    (int64_t)res.off - v;

			if (n == (int32_t)n) {
				res.off = (int32_t)n;
				break;
			}
		}
		kbpf_scalar_alu(&res.s, &off->s, op, false);
		if (res.type == T_PKT || res.type == T_PKT_META) {
			res.id = ++env->id_gen;
			res.range = 0;
		}
		break;
	}
	case BPF_AND:
	case BPF_OR:
	case BPF_XOR:
		kbpf_vlog_printf(
			env->log,
			"R%u bitwise operator %s on pointer prohibited\n",
			insn->dst_reg, alu_str[op >> 4]);
		return -KBPF_EACCES;
	default:
		kbpf_vlog_printf(
			env->log,
			"R%u pointer arithmetic with %s operator prohibited\n",
			insn->dst_reg, alu_str[op >> 4]);
		return -KBPF_EACCES;
	}
	err = check_sane_offset(env, &res, ptr);
	if (err)
		return err;
	if (!env->allow_ptr_leaks && res.type == T_STACK &&
	    !kbpf_scalar_is_const(&res.s)) {
		char t[48];

		/* Linux prints off + var_off.value, cut to an int */
		kbpf_tnum_str(res.s.var, t, sizeof(t));
		kbpf_vlog_printf(
			env->log,
			"R%u variable stack access prohibited for !root, var_off=%s off=%d\n",
			insn->dst_reg, t,
			(int)(uint32_t)((uint64_t)(int64_t)res.off +
					res.s.var.value));
		return -KBPF_EACCES;
	}
	if (!env->allow_ptr_leaks) {
		err = spec_check_bounds(env, insn, &res);
		if (!err)
			err = spec_commit(env, insn, &res, &si);
		if (err)
			return err;
	}
	*dst = res;
	return 0;
}

static int check_alu(struct venv *env, const struct bpf_insn *insn)
{
	struct vreg *regs = CUR_REGS(env), *dst = &regs[insn->dst_reg];
	uint8_t op = BPF_OP(insn->code);
	bool alu32 = BPF_CLASS(insn->code) == BPF_ALU;
	bool x = BPF_SRC(insn->code) == BPF_X;
	struct vreg src;
	int err;

	if (op == BPF_END || op == BPF_NEG) {
		err = kbpf_v_check_read(env, insn->dst_reg);
		if (err)
			return err;
		if (kbpf_v_is_ptr(dst)) {
			if (!env->allow_ptr_leaks) {
				kbpf_vlog_printf(
					env->log,
					"R%u pointer arithmetic prohibited\n",
					insn->dst_reg);
				return -KBPF_EACCES;
			}
			/* As root the pointer just becomes a number. */
			kbpf_v_mark_unknown(dst);
		}
		if (op == BPF_NEG) {
			kbpf_scalar_alu(&dst->s, &dst->s, BPF_NEG, alu32);
		} else {
			uint8_t size = (uint8_t)(insn->imm / 8);

			kbpf_v_mark_unknown(dst);
			if (size < 8)
				kbpf_scalar_cast(&dst->s, size);
		}
		return 0;
	}
	if (x) {
		err = kbpf_v_check_read(env, insn->src_reg);
		if (err)
			return err;
		src = regs[insn->src_reg];
	} else {
		kbpf_v_mark_const(&src, alu32 ? (uint64_t)(uint32_t)insn->imm :
						(uint64_t)(int64_t)insn->imm);
	}
	if (op == BPF_MOV) {
		if (x && insn->off) {
			/* movsx */
			if (kbpf_v_is_ptr(&src)) {
				kbpf_vlog_printf(
					env->log,
					"R%u sign-extension part of pointer\n",
					insn->src_reg);
				return -KBPF_EACCES;
			}
			*dst = src;
			kbpf_scalar_sext(&dst->s, (uint8_t)(insn->off / 8));
			if (alu32)
				kbpf_scalar_zext32(&dst->s);
			dst->id = 0;
			return 0;
		}
		if (alu32 && kbpf_v_is_ptr(&src)) {
			if (!env->allow_ptr_leaks) {
				kbpf_vlog_printf(
					env->log,
					"R%u partial copy of pointer\n",
					insn->src_reg);
				return -KBPF_EACCES;
			}
			kbpf_v_mark_unknown(dst);
			kbpf_scalar_zext32(&dst->s);
			return 0;
		}
		/*
		 * Linux's linked scalars: a copy of an unknown scalar shares
		 * an id with it, so a bound learnt by a comparison of one is
		 * learnt for all (a 32-bit copy only when the value fits).
		 */
		if (src.type == T_SCALAR && !kbpf_scalar_is_const(&src.s) &&
		    (!alu32 || src.s.umax <= UINT32_MAX)) {
			if (!src.id) {
				src.id = ++env->id_gen;
				regs[insn->src_reg].id = src.id;
			}
		} else if (src.type == T_SCALAR) {
			src.id = 0;
		}
		*dst = src;
		if (alu32)
			kbpf_scalar_zext32(&dst->s);
		return 0;
	}
	err = kbpf_v_check_read(env, insn->dst_reg);
	if (err)
		return err;
	if (kbpf_v_is_ptr(dst) && kbpf_v_is_ptr(&src)) {
		if (op == BPF_SUB && env->allow_ptr_leaks) {
			kbpf_v_mark_unknown(dst);
			if (alu32)
				kbpf_scalar_zext32(&dst->s);
			return 0;
		}
		kbpf_vlog_printf(env->log,
				 "R%u pointer %s pointer prohibited\n",
				 insn->dst_reg, alu_str[op >> 4]);
		return -KBPF_EACCES;
	}
	if (kbpf_v_is_ptr(dst)) {
		struct vreg p = *dst;

		/* the offset's value decides where the pointer goes */
		if (x)
			kbpf_v_mark_reg_precise(env, insn->src_reg);
		return ptr_alu(env, insn, dst, &p, &src, false);
	}
	if (kbpf_v_is_ptr(&src)) {
		struct vreg s = *dst;

		kbpf_v_mark_reg_precise(env, insn->dst_reg);

		/* scalar op pointer: Linux's checks with the operands swapped */
		return ptr_alu(env, insn, dst, &src, &s, true);
	}
	if (!spec_skip(env, insn)) {
		err = spec_update(env, insn, ALU_NON_POINTER, 0);
		if (err)
			return err;
	}
	kbpf_scalar_alu(&dst->s, &src.s, op, alu32);
	dst->id = 0;
	return 0;
}

/* ---- memory ---- */

/* The context of the program type: bytes readable, writable. */
static int check_ctx(struct venv *env, uint32_t regno, const struct vreg *r,
		     int32_t off, uint32_t size, bool write, struct vreg *out)
{
	uint32_t type = env->prog->type;
	char t[48];

	if (r->off < 0) {
		kbpf_vlog_printf(
			env->log,
			"negative offset ctx ptr R%u off=%d disallowed\n",
			regno, r->off);
		return -KBPF_EACCES;
	}
	if (r->off || !kbpf_scalar_is_const(&r->s) || r->s.var.value) {
		if (!kbpf_scalar_is_const(&r->s)) {
			kbpf_tnum_str(r->s.var, t, sizeof(t));
			kbpf_vlog_printf(
				env->log,
				"variable ctx access var_off=%s disallowed\n",
				t);
		} else {
			kbpf_vlog_printf(
				env->log,
				"dereference of modified ctx ptr R%u off=%d disallowed\n",
				regno, r->off + (int32_t)r->s.var.value);
		}
		return -KBPF_EACCES;
	}
	if (type == BPF_PROG_TYPE_TRACING) {
		/* arguments typed from the attach target's BTF (btf_ptr.c) */
		int err = kbpf_v_btf_ctx_access(env, off, size, write, out);

		if (err <= 0)
			return err;
	}
	if (kbpf_prog_type_has_ctx_rules(type)) {
		/*
		 * The offsets, sizes and writes Linux allows are the
		 * context-access pass's (src/net/ctx_access.c): under ENFORCE
		 * it leaves the refusal of an access to this walk, which
		 * reaches it in Linux's order; then the type of what a load
		 * gives.
		 */
		bool xdp = type == BPF_PROG_TYPE_XDP;
		int32_t data = xdp ? 0 : 76, end = xdp ? 4 : 80;
		int32_t meta = xdp ? 8 : 140;

		const struct bpf_insn *ci = &env->insns[env->insn_idx];
		uint8_t cls = BPF_CLASS(ci->code);

		if (off < 0 || (uint32_t)off + size > env->ctx_size ||
		    ((cls == BPF_LDX || cls == BPF_ST || cls == BPF_STX) &&
		     !kbpf_prog_ctx_access_ok(env->prog, ci))) {
			kbpf_vlog_printf(
				env->log,
				"invalid bpf_context access off=%d size=%u\n",
				off, size);
			return -KBPF_EACCES;
		}
		if (write || !out)
			return 0;
		if (type == BPF_PROG_TYPE_CGROUP_SOCKOPT && size == 8) {
			/* optval and optval_end: the buffer's bounds */
			mark_ptr(out,
				 off == (int32_t)offsetof(struct bpf_sockopt,
							  optval) ?
					 T_PKT :
					 T_PKT_END);
		} else if (!kbpf_prog_type_is_packet(type)) {
			kbpf_v_mark_unknown(out);
			kbpf_scalar_cast(&out->s, (uint8_t)size);
		} else if (size == 4 && off == data)
			mark_ptr(out, T_PKT);
		else if (size == 4 && off == end)
			mark_ptr(out, T_PKT_END);
		else if (size == 4 && off == meta)
			mark_ptr(out, T_PKT_META);
		else if (!xdp && size == 8 &&
			 off == (int32_t)offsetof(struct __sk_buff, sk)) {
			/* the packet's socket: Linux's
			 * PTR_TO_SOCK_COMMON_OR_NULL, with a null-check id */
			mark_ptr(out, T_SOCK_COMMON);
			out->flags = VF_NULL;
			out->id = ++env->id_gen;
		} else {
			kbpf_v_mark_unknown(out);
			kbpf_scalar_cast(&out->s, (uint8_t)size);
		}
		return 0;
	}
	if (off < 0 || (uint32_t)off + size > env->ctx_size ||
	    off % (int32_t)size || (write && type != BPF_PROG_TYPE_SYSCALL)) {
		kbpf_vlog_printf(env->log,
				 "invalid bpf_context access off=%d size=%u\n",
				 off, size);
		return -KBPF_EACCES;
	}
	if (out) {
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
}

/*
 * Linux's check_mem_region_access(): [@off + var, + @size) inside
 * [0, @mem_size) for every value of the pointer's variable part; @kind
 * names the memory in __check_mem_access()'s line.
 */
static int check_region(struct venv *env, uint32_t regno, const struct vreg *r,
			int32_t off, uint32_t size, uint32_t mem_size,
			bool zero_ok)
{
	const struct kbpf_scalar *s = &r->s;
	bool at_min = false;
	int64_t lo, hi;

	if (s->smin < 0 &&
	    (s->smin == INT64_MIN || (int64_t)off + s->smin < 0 ||
	     (int64_t)off + s->smin != (int32_t)((int64_t)off + s->smin))) {
		kbpf_vlog_printf(
			env->log,
			"R%u min value is negative, either use unsigned index or do a if (index >=0) check.\n",
			regno);
		return -KBPF_EACCES;
	}
	lo = (int64_t)off + s->smin;
	if (lo < 0 || (!size && !zero_ok) || lo + size > mem_size)
		goto bad_min;
	if (s->umax >= (uint64_t)V_MAX_VAR_OFF) {
		kbpf_vlog_printf(
			env->log,
			"R%u unbounded memory access, make sure to bounds check any such access\n",
			regno);
		return -KBPF_EACCES;
	}
	hi = (int64_t)off + (int64_t)s->umax;
	if (hi < 0 || hi + size > mem_size)
		goto bad_max;
	return 0;
bad_min:
	hi = lo;
	at_min = true;
bad_max:
	switch (r->type) {
	case T_MAP_VALUE:
		kbpf_vlog_printf(
			env->log,
			"invalid access to map value, value_size=%u off=%lld size=%u\n",
			mem_size, (long long)hi, size);
		break;
	case T_MAP_KEY:
		kbpf_vlog_printf(
			env->log,
			"invalid access to map key, key_size=%u off=%lld size=%u\n",
			mem_size, (long long)hi, size);
		break;
	default:
		kbpf_vlog_printf(
			env->log,
			"invalid access to memory, mem_size=%u off=%lld size=%u\n",
			mem_size, (long long)hi, size);
		break;
	}
	kbpf_vlog_printf(
		env->log,
		"R%u %s value is outside of the allowed memory range\n", regno,
		at_min ? "min" : "max");
	return -KBPF_EACCES;
}

/*
 * A load from a read-only, frozen map (libbpf's .rodata) with a known
 * offset gives the value itself, as in Linux: code under a disabled
 * configuration switch is then dead and not checked.
 */
static bool map_direct_read(const struct kbpf_map *map, int64_t off,
			    uint32_t size, uint64_t *val)
{
	uint64_t addr;
	uint8_t b[8];

	if (!(map->map_flags & BPF_F_RDONLY_PROG) ||
	    !atomic_load(&((struct kbpf_map *)map)->frozen) ||
	    !map->ops->direct_value_addr || off < 0 || size > 8 ||
	    (uint64_t)off + size > map->value_size ||
	    map->ops->direct_value_addr(map, &addr, 0))
		return false;
	memcpy(b, (const void *)(uintptr_t)(addr + (uint64_t)off), size);
	*val = 0;
	for (uint32_t i = 0; i < size; i++)
		*val |= (uint64_t)b[i] << (8 * i);
	return true;
}

/*
 * Linux's check_map_access(): no load, store or helper reaches a lock or
 * a timer, at any offset the pointer may have, and kptrs only as their
 * own rules say (kptr.c); the first field by offset names the error.
 */
static int map_field_access(struct venv *env, const struct vreg *r, int off,
			    uint32_t size, const struct kbpf_map *map,
			    bool helper)
{
	int64_t fo[2 + KBPF_BTF_FIELDS_MAX], len[2 + KBPF_BTF_FIELDS_MAX], t;
	int kind[2 + KBPF_BTF_FIELDS_MAX], n = 0, i, j, k;
	static const char *const name[2] = { "bpf_spin_lock", "bpf_timer" };

	if (map->spin_lock_off >= 0) {
		fo[n] = map->spin_lock_off;
		len[n] = 4;
		kind[n++] = 0;
	}
	if (map->timer_off >= 0) {
		fo[n] = map->timer_off;
		len[n] = 16;
		kind[n++] = 1;
	}
	for (i = 0; map->kptrs && i < (int)map->kptrs->n; i++) {
		fo[n] = map->kptrs->f[i].off;
		len[n] = 8;
		kind[n++] = 2;
	}
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && fo[j - 1] > fo[j]; j--) {
			t = fo[j], fo[j] = fo[j - 1], fo[j - 1] = t;
			t = len[j], len[j] = len[j - 1], len[j - 1] = t;
			k = kind[j], kind[j] = kind[j - 1], kind[j - 1] = k;
		}
	for (i = 0; i < n; i++) {
		int err;

		if (!(r->s.smin + off < fo[i] + len[i] &&
		      fo[i] < (int64_t)r->s.umax + off + size))
			continue;
		if (kind[i] == 2) {
			err = kbpf_v_kptr_field_access(env, r, off, size,
						       (uint32_t)fo[i], helper);
			if (err)
				return err;
			continue;
		}
		kbpf_vlog_printf(
			env->log,
			"%s cannot be accessed directly by load/store\n",
			name[kind[i]]);
		return -KBPF_EACCES;
	}
	return 0;
}

static int check_map_value(struct venv *env, uint32_t regno,
			   const struct vreg *r, int32_t off, uint32_t size,
			   bool write, int value_regno, bool helper,
			   struct vreg *out, bool zero_ok)
{
	const struct kbpf_map *map = r->map;
	int err;

	/*
	 * An XSKMAP lookup gives Linux's PTR_TO_XDP_SOCK: a read-only
	 * struct bpf_xdp_sock whose one field is read whole.
	 */
	if (map && map->map_type == BPF_MAP_TYPE_XSKMAP && !helper) {
		if (write) {
			kbpf_vlog_printf(env->log,
					 "R%u cannot write into xdp_sock\n",
					 regno);
			return -KBPF_EACCES;
		}
		int64_t at = off + (int64_t)r->s.var.value;

		if (!kbpf_scalar_is_const(&r->s) || at != 0 ||
		    size != sizeof(uint32_t)) {
			kbpf_vlog_printf(
				env->log,
				"R%u invalid xdp_sock access off=%d size=%u\n",
				regno, (int)at, size);
			return -KBPF_EACCES;
		}
	}
	if (write && value_regno >= 0 && ptr_leak(env, (uint32_t)value_regno)) {
		kbpf_vlog_printf(env->log, "R%d leaks addr into map\n",
				 value_regno);
		return -KBPF_EACCES;
	}
	if (write && (map->map_flags & BPF_F_RDONLY_PROG)) {
		kbpf_vlog_printf(
			env->log,
			"write into map forbidden, value_size=%u off=%d size=%u\n",
			map->value_size, off, size);
		return -KBPF_EACCES;
	}
	if (!write && (map->map_flags & BPF_F_WRONLY_PROG)) {
		kbpf_vlog_printf(
			env->log,
			"read from map forbidden, value_size=%u off=%d size=%u\n",
			map->value_size, off, size);
		return -KBPF_EACCES;
	}
	err = check_region(env, regno, r, off, size, map->value_size, zero_ok);
	if (err)
		return err;
	if (kbpf_map_has_fields(map)) {
		err = map_field_access(env, r, off, size, map, helper);
		if (err)
			return err;
	}
	if (!helper && map->kptrs && kbpf_scalar_is_const(&r->s)) {
		const struct kbpf_kptr_field *f = kbpf_map_kptr_at(
			map, (int64_t)off + (int64_t)r->s.var.value);

		if (f)
			return kbpf_v_kptr_access(env, f, value_regno,
						  write ? NULL : out);
	}
	if (helper || !out)
		return err;
	if (!write) {
		uint64_t v;

		if (kbpf_scalar_is_const(&r->s) &&
		    map_direct_read(map, off + (int64_t)r->s.var.value, size,
				    &v)) {
			kbpf_v_mark_const(out, v);
			return 0;
		}
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
}

static int check_packet(struct venv *env, uint32_t regno, const struct vreg *r,
			int32_t off, uint32_t size, bool write, int value_regno,
			struct vreg *out, bool zero_ok)
{
	uint32_t type = env->prog->type;

	if (write && type != BPF_PROG_TYPE_XDP &&
	    type != BPF_PROG_TYPE_SCHED_CLS &&
	    type != BPF_PROG_TYPE_SCHED_ACT &&
	    type != BPF_PROG_TYPE_CGROUP_SOCKOPT) {
		kbpf_vlog_printf(env->log, "cannot write into packet\n");
		return -KBPF_EACCES;
	}
	if (write && value_regno >= 0 && ptr_leak(env, (uint32_t)value_regno)) {
		kbpf_vlog_printf(env->log, "R%d leaks addr into packet\n",
				 value_regno);
		return -KBPF_EACCES;
	}
	if (r->s.smin < 0) {
		kbpf_vlog_printf(
			env->log,
			"R%u min value is negative, either use unsigned index or do a if (index >=0) check.\n",
			regno);
		return -KBPF_EACCES;
	}
	if (off < 0 || (!size && !zero_ok) ||
	    (int64_t)off + size > (int64_t)r->range) {
		kbpf_vlog_printf(
			env->log,
			"invalid access to packet, off=%d size=%u, R%u(id=%u,off=%d,r=%u)\n",
			off, size, regno, r->id, off, r->range);
		kbpf_vlog_printf(env->log,
				 "R%u offset is outside of the packet\n",
				 regno);
		return -KBPF_EACCES;
	}
	if (out && !write) {
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
}

/* Bytes [lo, hi) of the frame @f (offsets from its r10, negative). */
static void stack_mark(struct vframe *f, int64_t lo, int64_t hi, uint8_t state)
{
	for (int64_t o = lo; o < hi; o++) {
		uint32_t i = (uint32_t)(o + V_STACK);

		if (f->slot[i] == SLOT_SPILL) {
			/* Overwriting part of a spill leaves the rest "misc". */
			uint32_t b = i & ~7u;

			for (uint32_t k = b; k < b + 8; k++)
				f->slot[k] = SLOT_MISC;
		}
		f->slot[i] = state;
	}
}

/*
 * Linux's Spectre v4 rule for a fixed-offset stack write by a loader
 * without CAP_PERFMON (check_stack_write_fixed_off()): a barrier follows
 * the write when it spills a pointer or when the slot held anything but
 * misc or zero bytes, so speculative paths stop after it. Linux looks at
 * the slot's bytes by its own index (slot_type[0..size-1], the highest
 * addresses of the 8-byte slot), not at the bytes written; so does kbpf.
 */
static void mark_nospec_result(struct venv *env, const struct vframe *f,
			       int64_t lo, uint32_t size, int value_regno)
{
	const struct vreg *v = value_regno >= 0 ? &CUR_REGS(env)[value_regno] :
						  NULL;
	uint32_t top = (uint32_t)(((lo + V_STACK) & ~7ll) + 7);
	bool sanitize = v && kbpf_v_is_ptr(v);

	for (uint32_t j = 0; j < size && j < 8 && !sanitize; j++) {
		uint8_t st = f->slot[top - j];

		sanitize = st != SLOT_MISC && st != SLOT_ZERO;
	}
	if (sanitize)
		env->flags[env->insn_idx] |= VI_NOSPEC_RESULT;
}

static int check_stack(struct venv *env, uint32_t regno, const struct vreg *r,
		       int32_t ioff, uint32_t size, bool write, int value_regno,
		       struct vreg *out, bool helper, bool zero_ok)
{
	struct vframe *f = env->cur->frames[r->frameno];
	bool var = !kbpf_scalar_is_const(&r->s);
	int64_t lo, hi, fixed = (int64_t)r->off + ioff;
	char t[48];

	if (!helper && !var && (fixed + (int64_t)r->s.var.value) % size) {
		kbpf_tnum_str(r->s.var, t, sizeof(t));
		kbpf_vlog_printf(
			env->log,
			"misaligned stack access off %lld+%d+%d size %u\n",
			(long long)r->s.var.value, r->off, ioff, size);
		return -KBPF_EACCES;
	}
	if (!helper && var &&
	    (kbpf_tnum_add(r->s.var, kbpf_tnum_const((uint64_t)fixed)).mask &
	     (size - 1))) {
		kbpf_tnum_str(r->s.var, t, sizeof(t));
		kbpf_vlog_printf(
			env->log,
			"misaligned stack access off %s+%d+%d size %u\n", t,
			r->off, ioff, size);
		return -KBPF_EACCES;
	}
	lo = fixed + r->s.smin;
	hi = fixed + r->s.smax + size;
	if (r->s.smin < -V_STACK || r->s.smax > V_STACK || lo < -V_STACK ||
	    hi > 0 || (!size && !zero_ok && !helper)) {
		const char *what = write ? " write to" : " read from";

		if (!var) {
			kbpf_vlog_printf(
				env->log,
				"invalid%s stack R%u off=%lld size=%u\n", what,
				regno, (long long)lo, size);
		} else {
			kbpf_tnum_str(r->s.var, t, sizeof(t));
			kbpf_vlog_printf(
				env->log,
				"invalid variable-offset%s stack R%u var_off=%s off=%d size=%u\n",
				what, regno, t, (int)fixed, size);
		}
		/* Linux 6.18 gives EINVAL for a helper's access (measured). */
		return helper ? -KBPF_EINVAL : -KBPF_EACCES;
	}
	if (!size)
		return 0;
	/* the log shows the slots written, or the first one read */
	if (!helper)
		kbpf_v_log_scratch_stack(env, lo, write || !var ? hi : lo + 1);
	if (!helper && !var) {
		/* for backtracking: this access's slot */
		env->hist_spi = (int8_t)((lo + V_STACK) / 8);
		env->hist_frameno = r->frameno;
	}
	if (write) {
		uint32_t depth = (uint32_t)((-lo + 7) & ~7ll);
		int derr = kbpf_v_dynptr_stack_write(env, f, lo, hi, helper);

		if (derr)
			return derr;
		kbpf_v_iter_stack_write(f, lo, hi);

		if (depth > f->allocated)
			f->allocated = depth;
		/*
		 * Only a whole slot written at a known place kills what it
		 * held (Linux 6.18 marks the same writes).
		 */
		if (!helper && !var && size == 8 && !(lo & 7))
			kbpf_v_stack_write(env, r->frameno, lo);
		if (!helper && !var && !env->allow_ptr_leaks)
			mark_nospec_result(env, f, lo, size, value_regno);
		const struct vreg *v =
			value_regno >= 0 ? &CUR_REGS(env)[value_regno] : NULL;
		uint32_t slot = (uint32_t)(lo + V_STACK) / 8;

		if (!var && size == 8 && !(lo & 7) && v &&
		    v->type != T_NOT_INIT) {
			/*
			 * A spill: the register as it is. As in Linux, an
			 * unknown scalar spilled by a loader with CAP_BPF gets
			 * an id first, so the register and the slot are linked.
			 */
			if (v->type == T_SCALAR && !v->id &&
			    !kbpf_scalar_is_const(&v->s) && env->bpf_capable)
				CUR_REGS(env)[value_regno].id = ++env->id_gen;
			/*
			 * A stack pointer may not outlive its frame in a
			 * caller's stack (it would name a frame that is gone
			 * once the callee returns).
			 */
			if (v->type == T_STACK &&
			    r->frameno != env->cur->curframe) {
				kbpf_vlog_printf(
					env->log,
					"cannot spill pointers to stack into stack frame of the caller\n");
				return -KBPF_EINVAL;
			}
			for (uint32_t k = 0; k < 8; k++)
				f->slot[slot * 8 + k] = SLOT_SPILL;
			f->spill[slot] = *v;
		} else {
			if (v && kbpf_v_is_ptr(v)) {
				kbpf_vlog_printf(
					env->log,
					"invalid size of register spill\n");
				return -KBPF_EACCES;
			}
			if (!var && !env->allow_ptr_leaks) {
				for (int64_t o = lo; o < hi; o++) {
					uint32_t i = (uint32_t)(o + V_STACK);

					if (f->slot[i] == SLOT_SPILL &&
					    kbpf_v_is_ptr(&f->spill[i / 8])) {
						kbpf_vlog_printf(
							env->log,
							"attempt to corrupt spilled pointer on stack\n");
						return -KBPF_EACCES;
					}
				}
			}
			bool zero = v && !var && kbpf_scalar_is_const(&v->s) &&
				    !v->s.var.value;

			/*
			 * Zero bytes are read back as the constant 0; the
			 * register's value made them (Linux marks it precise:
			 * its backtracking does not follow zero slots). An
			 * immediate (BPF_ST, modelled in a scratch register)
			 * has no history.
			 */
			if (zero && v->type == T_SCALAR &&
			    BPF_CLASS(env->insns[env->insn_idx].code) ==
				    BPF_STX)
				kbpf_v_mark_reg_precise(env,
							(uint32_t)value_regno);
			stack_mark(f, lo, hi, zero ? SLOT_ZERO : SLOT_MISC);
		}
		return 0;
	}
	/* Reads: every slot the access may touch is live before it. */
	kbpf_v_stack_read(env, r->frameno, lo, hi);
	if (!var && size == 8 && !(lo & 7) &&
	    f->slot[(uint32_t)(lo + V_STACK)] == SLOT_SPILL) {
		if (out)
			*out = f->spill[(uint32_t)(lo + V_STACK) / 8];
		return 0;
	}
	/*
	 * The low bytes of a spilled scalar (a narrow fill at the slot's
	 * start): the scalar cast to the size, as Linux's
	 * bpf_stack_narrow_access_ok() case; the copy stays linked only if
	 * the value fits.
	 */
	if (!var && !helper && size < 8 && !(lo & 7)) {
		uint32_t i = (uint32_t)(lo + V_STACK);
		const struct vreg *sp = &f->spill[i / 8];
		bool whole = true;

		for (uint32_t k = 0; k < 8; k++)
			whole = whole && f->slot[i + k] == SLOT_SPILL;
		if (whole && sp->type == T_SCALAR) {
			if (out) {
				*out = *sp;
				if (sp->s.umax >> (size * 8))
					out->id = 0;
				kbpf_scalar_cast(&out->s, (uint8_t)size);
			}
			return 0;
		}
	}
	{
		bool all_zero = true;

		for (int64_t o = lo; o < hi; o++) {
			uint32_t i = (uint32_t)(o + V_STACK);
			uint8_t st = f->slot[i];

			if (st == SLOT_SPILL) {
				const struct vreg *sp = &f->spill[i / 8];

				/*
				 * Part of a spilled pointer: a helper (and a
				 * variable offset) may read it as bytes when
				 * root; a register fill never (Linux's
				 * check_stack_read_fixed_off()).
				 */
				if (kbpf_v_is_ptr(sp) &&
				    (!env->allow_ptr_leaks ||
				     (!helper && !var))) {
					if (helper)
						kbpf_vlog_printf(
							env->log,
							"invalid read from stack R%u off=%lld size=%u\n",
							regno, (long long)lo,
							size);
					else
						kbpf_vlog_printf(
							env->log,
							"invalid size of register fill\n");
					return -KBPF_EACCES;
				}
				if (!(sp->type == T_SCALAR &&
				      kbpf_scalar_is_const(&sp->s) &&
				      !sp->s.var.value))
					all_zero = false;
				continue;
			}
			if (st == SLOT_ZERO)
				continue;
			all_zero = false;
			if (st == SLOT_MISC)
				continue;
			if (env->allow_ptr_leaks && st == SLOT_INVALID)
				continue; /* allow_uninit_stack, as root */
			if (var)
				kbpf_vlog_printf(
					env->log,
					"invalid variable-offset read from stack R%u\n",
					regno);
			else if (!helper && (uint64_t)-lo <= f->allocated)
				kbpf_vlog_printf(
					env->log,
					"invalid read from stack off %lld+%lld size %u\n",
					(long long)lo, (long long)(o - lo),
					size);
			else if ((uint64_t)-lo <= f->allocated)
				kbpf_vlog_printf(
					env->log,
					"invalid read from stack R%u off %lld+%lld size %u\n",
					regno, (long long)lo,
					(long long)(o - lo), size);
			else
				kbpf_vlog_printf(
					env->log,
					"invalid read from stack R%u off=%lld size=%u\n",
					regno, (long long)lo, size);
			return -KBPF_EACCES;
		}
		if (out) {
			if (all_zero) {
				kbpf_v_mark_const(out, 0);
			} else {
				kbpf_v_mark_unknown(out);
				kbpf_scalar_cast(&out->s, (uint8_t)size);
			}
		}
	}
	return 0;
}

int kbpf_v_check_mem(struct venv *env, uint32_t regno, int32_t off,
		     uint32_t size, bool write, int value_regno,
		     struct vreg *out, bool helper, bool zero_ok)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	struct vreg tmp;
	char buf[32];
	int err;

	if (out)
		tmp = *out;
	if (r->flags & VF_NULL || r->type == T_SCALAR ||
	    (r->type == T_MAP_PTR && helper) || r->type == T_PKT_END ||
	    r->type == T_FUNC || r->type == T_DYNPTR || r->type == T_NOT_INIT) {
		kbpf_vlog_printf(env->log, "R%u invalid mem access '%s'\n",
				 regno, kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	switch (r->type) {
	case T_CTX:
		if (write && value_regno >= 0 &&
		    ptr_leak(env, (uint32_t)value_regno)) {
			kbpf_vlog_printf(env->log, "R%d leaks addr into ctx\n",
					 value_regno);
			return -KBPF_EACCES;
		}
		err = check_ctx(env, regno, r, off, size, write,
				out ? &tmp : NULL);
		break;
	case T_STACK:
		err = check_stack(env, regno, r, off, size, write, value_regno,
				  out ? &tmp : NULL, helper, zero_ok);
		break;
	case T_MAP_VALUE:
		err = check_map_value(env, regno, r, r->off + off, size, write,
				      value_regno, helper, out ? &tmp : NULL,
				      zero_ok);
		break;
	case T_MAP_KEY:
		if (write) {
			kbpf_vlog_printf(
				env->log,
				"write to change key R%u not allowed\n", regno);
			return -KBPF_EACCES;
		}
		err = check_region(env, regno, r, r->off + off, size,
				   r->map->key_size, zero_ok);
		if (!err && out) {
			kbpf_v_mark_unknown(&tmp);
			kbpf_scalar_cast(&tmp.s, (uint8_t)size);
		}
		break;
	case T_PKT:
	case T_PKT_META:
		err = check_packet(env, regno, r, r->off + off, size, write,
				   value_regno, out ? &tmp : NULL, zero_ok);
		break;
	case T_MAP_PTR:
		/* Fields of struct bpf_map (Linux's check_ptr_to_map_access()). */
		err = kbpf_v_map_ptr_access(env, regno, off, size, write,
					    out ? &tmp : NULL);
		break;
	case T_BTF_ID:
		if (helper) {
			kbpf_vlog_printf(env->log, "R%u type=%s expected=fp\n",
					 regno,
					 kbpf_v_type_str(r, buf, sizeof(buf)));
			return -KBPF_EACCES;
		}
		err = kbpf_v_btf_access(env, regno, off, size, write,
					out ? &tmp : NULL);
		break;
	case T_SOCK_COMMON:
	case T_SOCK:
	case T_TCP_SOCK:
		if (helper) {
			kbpf_vlog_printf(env->log,
					 "R%u invalid mem access '%s'\n", regno,
					 kbpf_v_type_str(r, buf, sizeof(buf)));
			return -KBPF_EACCES;
		}
		err = kbpf_v_sock_access(env, regno, off, size, write,
					 out ? &tmp : NULL);
		break;
	case T_MEM:
		if (write && (r->flags & VF_RDONLY)) {
			kbpf_vlog_printf(env->log, "R%u cannot write into %s\n",
					 regno,
					 kbpf_v_type_str(r, buf, sizeof(buf)));
			return -KBPF_EACCES;
		}
		if (write && value_regno >= 0 &&
		    ptr_leak(env, (uint32_t)value_regno)) {
			kbpf_vlog_printf(env->log, "R%d leaks addr into mem\n",
					 value_regno);
			return -KBPF_EACCES;
		}
		/*
		 * Linux's rdonly_untrusted_mem (bpf_rdonly_cast to void):
		 * reads anywhere, as probe loads.
		 */
		if (!write && !helper && (r->flags & VF_ANY_READ))
			err = 0;
		else
			err = check_region(env, regno, r, r->off + off, size,
					   r->range, zero_ok);
		if (!err && out && !write) {
			kbpf_v_mark_unknown(&tmp);
			kbpf_scalar_cast(&tmp.s, (uint8_t)size);
		}
		break;
	default:
		kbpf_vlog_printf(env->log, "R%u invalid mem access '%s'\n",
				 regno, kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	if (!err && out)
		*out = tmp;
	return err;
}

static int check_ldx(struct venv *env, const struct bpf_insn *insn)
{
	uint32_t size = kbpf_insn_size_bytes(insn->code);
	struct vreg v;
	bool btf;
	int err;

	err = kbpf_v_check_read(env, insn->src_reg);
	if (err)
		return err;
	kbpf_v_mark_unknown(&v);
	btf = CUR_REGS(env)[insn->src_reg].type == T_BTF_ID ||
	      (CUR_REGS(env)[insn->src_reg].type == T_MEM &&
	       (CUR_REGS(env)[insn->src_reg].flags & VF_ANY_READ));
	err = kbpf_v_check_mem(env, insn->src_reg, insn->off, size, false, -1,
			       &v, false, false);
	if (err)
		return err;
	/*
	 * Linux's save_aux_ptr_type(): one load instruction reads through
	 * kernel object pointers (a probe load) or through others, never
	 * both.
	 */
	/*
	 * A map field load is rewritten to the kbpf map's offset, so it may
	 * not share its instruction with any other pointer (Linux would let a
	 * map pointer share one with a stack or map value pointer).
	 */
	if (CUR_REGS(env)[insn->src_reg].type != T_MAP_PTR)
		env->flags[env->insn_idx] |= btf ? VI_PROBE : VI_NOT_PROBE;
	if ((env->flags[env->insn_idx] & (VI_PROBE | VI_NOT_PROBE)) ==
		    (VI_PROBE | VI_NOT_PROBE) ||
	    ((env->flags[env->insn_idx] & VI_MAP_FIELD) &&
	     (env->flags[env->insn_idx] & (VI_PROBE | VI_NOT_PROBE)))) {
		kbpf_vlog_printf(
			env->log,
			"same insn cannot be used with different pointers\n");
		return -KBPF_EINVAL;
	}
	if (BPF_MODE(insn->code) == BPF_MEMSX && v.type == T_SCALAR)
		kbpf_scalar_sext(&v.s, (uint8_t)size);
	CUR_REGS(env)[insn->dst_reg] = v;
	return 0;
}

static int check_store(struct venv *env, const struct bpf_insn *insn)
{
	uint32_t size = kbpf_insn_size_bytes(insn->code);
	struct vreg *regs = CUR_REGS(env), saved;
	int value_regno = -1;
	int err;

	if (BPF_CLASS(insn->code) == BPF_STX) {
		err = kbpf_v_check_read(env, insn->src_reg);
		if (err)
			return err;
		value_regno = insn->src_reg;
	}
	err = kbpf_v_check_read(env, insn->dst_reg);
	if (err)
		return err;
	if (value_regno < 0) {
		/*
		 * BPF_ST: store an immediate. Model it as a register holding
		 * it (r11 does not exist: use a scratch copy of r0's slot,
		 * r1's when r0 is the pointer stored through).
		 */
		int tmp = insn->dst_reg ? 0 : 1;

		saved = regs[tmp];
		kbpf_v_mark_const(&regs[tmp], (uint64_t)(int64_t)insn->imm);
		if (size < 8)
			kbpf_scalar_cast(&regs[tmp].s, (uint8_t)size);
		err = kbpf_v_check_mem(env, insn->dst_reg, insn->off, size,
				       true, tmp, NULL, false, false);
		regs = CUR_REGS(env);
		regs[tmp] = saved;
		return err;
	}
	return kbpf_v_check_mem(env, insn->dst_reg, insn->off, size, true,
				value_regno, NULL, false, false);
}

static int check_atomic(struct venv *env, const struct bpf_insn *insn)
{
	uint32_t size = kbpf_insn_size_bytes(insn->code);
	struct vreg *regs = CUR_REGS(env), v;
	const struct vreg *d;
	char buf[32];
	int err;

	if (insn->imm == BPF_LOAD_ACQ) {
		struct bpf_insn l = *insn;

		/*
		 * Map field reads are rewritten to kbpf's own fields only
		 * as plain loads (btf_ptr.c): an atomic one would read
		 * struct kbpf_map at Linux's offset.
		 */
		if (insn->src_reg < MAX_BPF_REG &&
		    regs[insn->src_reg].type == T_MAP_PTR) {
			kbpf_vlog_printf(
				env->log,
				"kbpf: load-acquire of a struct bpf_map field is not supported\n");
			return -KBPF_ENOTSUPP;
		}

		l.code = (uint8_t)(BPF_LDX | BPF_MEM | BPF_SIZE(insn->code));
		return check_ldx(env, &l);
	}
	if (insn->imm == BPF_STORE_REL) {
		struct bpf_insn s = *insn;

		s.code = (uint8_t)(BPF_STX | BPF_MEM | BPF_SIZE(insn->code));
		return check_store(env, &s);
	}
	err = kbpf_v_check_read(env, insn->src_reg);
	if (!err && insn->imm == BPF_CMPXCHG)
		err = kbpf_v_check_read(env, 0);
	if (!err)
		err = kbpf_v_check_read(env, insn->dst_reg);
	if (err)
		return err;
	if (ptr_leak(env, insn->src_reg)) {
		kbpf_vlog_printf(env->log, "R%u leaks addr into mem\n",
				 insn->src_reg);
		return -KBPF_EACCES;
	}
	d = &regs[insn->dst_reg];
	if (d->type == T_CTX || d->type == T_PKT || d->type == T_PKT_META ||
	    kbpf_v_is_sock(d)) {
		kbpf_vlog_printf(
			env->log,
			"BPF_ATOMIC stores into R%u %s is not allowed\n",
			insn->dst_reg, kbpf_v_type_str(d, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	kbpf_v_mark_unknown(&v);
	err = kbpf_v_check_mem(env, insn->dst_reg, insn->off, size, false, -1,
			       &v, false, false);
	if (!err)
		err = kbpf_v_check_mem(env, insn->dst_reg, insn->off, size,
				       true, -1, NULL, false, false);
	if (err)
		return err;
	regs = CUR_REGS(env);
	if (insn->imm == BPF_CMPXCHG) {
		kbpf_v_mark_unknown(&regs[0]);
		if (size == 4)
			kbpf_scalar_zext32(&regs[0].s);
	} else if (insn->imm & BPF_FETCH) {
		kbpf_v_mark_unknown(&regs[insn->src_reg]);
		if (size == 4)
			kbpf_scalar_zext32(&regs[insn->src_reg].s);
	}
	return 0;
}

static int check_ld_imm64(struct venv *env, uint32_t pc)
{
	const struct bpf_insn *insn = &env->insns[pc];
	const struct bpf_insn *rel = &env->rel[pc];
	struct vreg *dst = &CUR_REGS(env)[insn->dst_reg];
	uint64_t addr = (uint64_t)(uint32_t)rel[0].imm |
			((uint64_t)(uint32_t)rel[1].imm << 32);
	uint32_t i;

	switch (insn->src_reg) {
	case 0:
		kbpf_v_mark_const(dst, addr);
		return 0;
	case BPF_PSEUDO_FUNC:
		/* Linux needs BTF func_info for callbacks, when it walks one */
		if (!env->no_btf_ok) {
			kbpf_vlog_printf(env->log, "missing btf func_info\n");
			return -KBPF_EINVAL;
		}
		mark_ptr(dst, T_FUNC);
		dst->subprog = (uint32_t)((int64_t)pc + insn->imm + 1);
		return 0;
	case BPF_PSEUDO_MAP_FD:
	case BPF_PSEUDO_MAP_IDX:
		mark_ptr(dst, T_MAP_PTR);
		dst->map = (const struct kbpf_map *)(uintptr_t)addr;
		return 0;
	default:
		/* A map value: find the map whose value area holds it. */
		for (i = 0; i < env->prog->nr_maps; i++) {
			const struct kbpf_map *m = env->prog->maps[i];
			uint64_t a;

			if (!m->ops->direct_value_addr ||
			    m->ops->direct_value_addr(m, &a, 0))
				continue;
			if (addr >= a && addr - a < m->value_size) {
				mark_ptr(dst, T_MAP_VALUE);
				dst->map = m;
				dst->off = (int32_t)(addr - a);
				return 0;
			}
		}
		kbpf_vlog_printf(
			env->log,
			"kbpf: verifier: unresolved map value ld_imm64 at insn %u\n",
			pc);
		return -KBPF_EINVAL;
	}
}

static int check_ld_abs(struct venv *env, const struct bpf_insn *insn)
{
	struct vreg *regs = CUR_REGS(env);
	int err, i;

	/* Linux's may_access_skb(): not cgroup skb programs. */
	if (!kbpf_prog_type_is_skb(env->prog->type) ||
	    env->prog->type == BPF_PROG_TYPE_CGROUP_SKB) {
		kbpf_vlog_printf(
			env->log,
			"BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
		return -KBPF_EINVAL;
	}
	err = kbpf_v_check_read(env, 6);
	if (err)
		return err;
	if (env->cur->lock_map) {
		kbpf_vlog_printf(
			env->log,
			"BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region\n");
		return -KBPF_EINVAL;
	}
	if (env->cur->nr_refs) {
		kbpf_vlog_printf(
			env->log,
			"BPF_LD_[ABS|IND] would lead to reference leak\n");
		return -KBPF_EINVAL;
	}
	if (BPF_MODE(insn->code) == BPF_IND) {
		err = kbpf_v_check_read(env, insn->src_reg);
		if (err)
			return err;
		kbpf_v_mark_reg_precise(env, insn->src_reg);
	}
	if (regs[6].type != T_CTX) {
		kbpf_vlog_printf(
			env->log,
			"at the time of BPF_LD_ABS|IND R6 != pointing to skb\n");
		return -KBPF_EINVAL;
	}
	for (i = 1; i <= 5; i++)
		kbpf_v_mark_not_init(&regs[i]);
	kbpf_v_mark_unknown(&regs[0]);
	kbpf_scalar_cast(&regs[0].s, (uint8_t)kbpf_insn_size_bytes(insn->code));
	return 0;
}

/* ---- conditional jumps ---- */

/* Every register and spill of @st with @id: apply @fn. */
#define FOR_EACH_REG(st, r, body)                                             \
	do {                                                                  \
		for (uint32_t fr_ = 0; fr_ <= (st)->curframe; fr_++) {        \
			struct vframe *f_ = (st)->frames[fr_];                \
			for (uint32_t i_ = 0; i_ < 11 + V_SLOTS; i_++) {      \
				struct vreg *r = i_ < 11 ?                    \
							 &f_->regs[i_] :      \
							 &f_->spill[i_ - 11]; \
				if (i_ >= 11 &&                               \
				    f_->slot[(i_ - 11) * 8] != SLOT_SPILL)    \
					continue;                             \
				body;                                         \
			}                                                     \
		}                                                             \
	} while (0)

static void release_ref_state(struct vstate *st, uint32_t ref)
{
	for (uint32_t i = 0; i < st->nr_refs; i++) {
		if (st->refs[i].id != ref)
			continue;
		st->refs[i] = st->refs[--st->nr_refs];
		return;
	}
}

/* The _or_null pointers with @id are NULL (@is_null) or not. */
static void mark_null(struct vstate *st, uint32_t id, bool is_null)
{
	uint32_t ref = 0;

	FOR_EACH_REG(st, r, {
		if (kbpf_v_is_ptr(r) && (r->flags & VF_NULL) && r->id == id) {
			if (is_null) {
				/* a record, not a slice of a dynptr's one */
				if (r->ref_obj_id && r->ref_obj_id == id)
					ref = r->ref_obj_id;
				kbpf_v_mark_const(r, 0);
			} else {
				/*
				 * As Linux: the id has done its job, and
				 * dropping it lets states of different
				 * lookups compare equal; a value with a
				 * bpf_spin_lock keeps it, to tell whose lock
				 * an unlock names.
				 */
				r->flags &= (uint8_t)~VF_NULL;
				if (r->type != T_MAP_VALUE || !r->map ||
				    !kbpf_map_has_spin_lock(r->map))
					r->id = 0;
			}
		}
	});
	if (ref)
		release_ref_state(st, ref);
}

/* Linux's sync_linked_regs(): every copy of @known learns its bounds. */
/*
 * The registers (live at the jump, Linux's rule; in a caller frame, live
 * at its call) and spilled slots of every frame whose scalar shares id
 * @id1 or @id2 (0: none), packed as vhist.linked; 0 for fewer than two.
 */
static uint32_t linked_set(struct venv *env, uint32_t id1, uint32_t id2)
{
	const struct vstate *st = env->cur;
	uint32_t out = 0, n = 0;

	if (!id1 && !id2)
		return 0;
	for (uint32_t fr = st->curframe + 1; fr-- > 0;) {
		const struct vframe *f = st->frames[fr];
		uint16_t live = fr == st->curframe ?
					env->live[env->insn_idx] :
					env->live[st->frames[fr + 1]->callsite];

		for (uint32_t j = 0; j < 10; j++) {
			const struct vreg *r = &f->regs[j];

			if (!(live & (1u << j)) || r->type != T_SCALAR ||
			    !r->id || (r->id != id1 && r->id != id2))
				continue;
			if (n == 3)
				return VH_LINKED_OVER;
			out |= ((fr << 7) | (1u << 6) | j) << (10 * n++);
		}
		for (uint32_t k = 0; k < V_SLOTS; k++) {
			const struct vreg *r = &f->spill[k];

			if (f->slot[k * 8] != SLOT_SPILL ||
			    r->type != T_SCALAR || !r->id ||
			    (r->id != id1 && r->id != id2))
				continue;
			if (n == 3)
				return VH_LINKED_OVER;
			out |= ((fr << 7) | k) << (10 * n++);
		}
	}
	return n < 2 ? 0 : out | (n << 30);
}

static void sync_linked(struct vstate *st, const struct vreg *known)
{
	if (known->type != T_SCALAR || !known->id)
		return;
	FOR_EACH_REG(st, r, {
		if (r->type == T_SCALAR && r->id == known->id)
			r->s = known->s;
	});
}

static void set_pkt_range(struct vstate *st, const struct vreg *p,
			  uint32_t range)
{
	if (p->off < 0 || p->s.umax > 0xffff || p->s.umax + p->off > 0xffff)
		return;
	FOR_EACH_REG(st, r, {
		if (r->type == p->type && r->id == p->id && r->range < range)
			r->range = range;
	});
}

/*
 * "pkt + N  op  pkt_end" (or pkt_meta against pkt): the branch in which
 * pkt + N <= end gets N bytes proven (Linux's find_good_pkt_pointers()).
 */
static void match_pkt(const struct bpf_insn *insn, const struct vreg *a,
		      const struct vreg *b, struct vstate *taken,
		      struct vstate *fall)
{
	uint8_t op = BPF_OP(insn->code);
	const struct vreg *p;
	struct vstate *good = NULL;
	bool a_is_p, open = false;

	if (BPF_CLASS(insn->code) == BPF_JMP32)
		return;
	if (a->type == T_PKT && b->type == T_PKT_END)
		a_is_p = true;
	else if (a->type == T_PKT_END && b->type == T_PKT)
		a_is_p = false;
	else if (a->type == T_PKT_META && b->type == T_PKT)
		a_is_p = true;
	else if (a->type == T_PKT && b->type == T_PKT_META)
		a_is_p = false;
	else
		return;
	p = a_is_p ? a : b;
	/*
	 * Where the good branch knows p < end (strictly: Linux's
	 * range_right_open), the byte at p->off is in the packet too.
	 */
	switch (op) {
	case BPF_JGT: /* p > end: fall (p <= end); end > p: taken (p < end) */
	case BPF_JGE: /* p >= end: fall (p < end); end >= p: taken (p <= end) */
		good = a_is_p ? fall : taken;
		open = (op == BPF_JGT) != a_is_p;
		break;
	case BPF_JLT: /* p < end: taken; end < p: fall (p <= end) */
	case BPF_JLE: /* p <= end: taken; end <= p: fall (p < end) */
		good = a_is_p ? taken : fall;
		open = (op == BPF_JLT) == a_is_p;
		break;
	default:
		return;
	}
	if (!good || (open && !p->off))
		return;
	set_pkt_range(good, p, (uint32_t)p->off + (open ? 1u : 0u));
}

static bool is_const0(const struct vreg *r)
{
	return r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
	       !r->s.var.value;
}

/*
 * Linux's sanitize_speculative_path(): for loaders without CAP_PERFMON a
 * branch whose direction is known is also followed the other way, as the
 * CPU may mispredict it, with the compared registers unknown.
 */
static int push_speculative(struct venv *env, const struct bpf_insn *insn,
			    uint32_t to)
{
	struct vstate *st;
	int err = kbpf_v_push_branch(env, to);

	if (err)
		return err;
	st = env->stack[env->nr_stack - 1].st;
	st->speculative = true;
	kbpf_v_mark_unknown(&st->frames[st->curframe]->regs[insn->dst_reg]);
	if (BPF_SRC(insn->code) == BPF_X)
		kbpf_v_mark_unknown(
			&st->frames[st->curframe]->regs[insn->src_reg]);
	return 0;
}

/* The scalars a conditional jump compares decided something. */
static void mark_jmp_precise(struct venv *env, const struct bpf_insn *insn)
{
	struct vbt bt;
	const struct vreg *regs = CUR_REGS(env);

	memset(&bt, 0, sizeof(bt));
	if (regs[insn->dst_reg].type == T_SCALAR)
		bt.regs[env->cur->curframe] |= (uint16_t)(1u << insn->dst_reg);
	if (BPF_SRC(insn->code) == BPF_X &&
	    regs[insn->src_reg].type == T_SCALAR)
		bt.regs[env->cur->curframe] |= (uint16_t)(1u << insn->src_reg);
	kbpf_v_mark_precise(env, &bt);
}

static int check_cond_jmp(struct venv *env, uint32_t pc, uint32_t *next)
{
	const struct bpf_insn *insn = &env->insns[pc];
	uint8_t op = BPF_OP(insn->code);
	bool jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;
	bool x = BPF_SRC(insn->code) == BPF_X;
	uint32_t target = pc + 1 + (uint32_t)(int32_t)insn->off;
	struct vreg *regs = CUR_REGS(env), *a = &regs[insn->dst_reg];
	struct vreg b, *bp;
	struct vstate *other;
	int taken = -1, err;

	err = kbpf_v_check_read(env, insn->dst_reg);
	if (err)
		return err;
	if (x) {
		err = kbpf_v_check_read(env, insn->src_reg);
		if (err)
			return err;
		b = regs[insn->src_reg];
		if (!env->allow_ptr_leaks && kbpf_v_is_ptr(&b) &&
		    !((a->type == T_PKT || a->type == T_PKT_END ||
		       a->type == T_PKT_META) &&
		      (b.type == T_PKT || b.type == T_PKT_END ||
		       b.type == T_PKT_META))) {
			kbpf_vlog_printf(env->log,
					 "R%u pointer comparison prohibited\n",
					 insn->src_reg);
			return -KBPF_EACCES;
		}
	} else {
		kbpf_v_mark_const(&b, jmp32 ? (uint64_t)(uint32_t)insn->imm :
					      (uint64_t)(int64_t)insn->imm);
	}
	bp = x ? &regs[insn->src_reg] : &b;
	/* Which way it goes, where the values say so. */
	if (a->type == T_SCALAR && b.type == T_SCALAR) {
		taken = kbpf_scalar_branch_taken(&a->s, &b.s, op, jmp32);
	} else if (is_const0(&b) && (op == BPF_JEQ || op == BPF_JNE) &&
		   !jmp32 && !(a->flags & VF_NULL) &&
		   (a->type == T_MAP_VALUE || a->type == T_MAP_KEY ||
		    (a->type == T_MEM && !(a->flags & VF_UNTRUSTED)) ||
		    (a->type == T_BTF_ID && (a->flags & VF_TRUSTED)) ||
		    a->type == T_MAP_PTR || kbpf_v_is_sock(a))) {
		/*
		 * Linux's reg_not_null(): only these are known non-NULL; a
		 * ctx, stack or packet pointer compared with 0 goes both ways.
		 */
		taken = op == BPF_JNE;
	}
	if (taken >= 0) {
		/* the values decided: they must stay what they were */
		mark_jmp_precise(env, insn);
		*next = taken ? target : pc + 1;
		if (!env->allow_ptr_leaks)
			return push_speculative(env, insn,
						taken ? pc + 1 : target);
		return 0;
	}
	/* Null checks: fine for everyone. */
	if (kbpf_v_is_ptr(a) && (a->flags & VF_NULL) && is_const0(&b) &&
	    (op == BPF_JEQ || op == BPF_JNE) && !jmp32) {
		uint32_t id = a->id;

		mark_jmp_precise(env, insn); /* a register's 0 */
		err = kbpf_v_push_branch(env, target);
		if (err)
			return err;
		other = env->stack[env->nr_stack - 1].st;
		mark_null(other, id, op == BPF_JEQ);
		mark_null(env->cur, id, op == BPF_JNE);
		*next = pc + 1;
		return 0;
	}
	if (kbpf_v_is_ptr(a) && !env->allow_ptr_leaks &&
	    !((a->type == T_PKT || a->type == T_PKT_META ||
	       a->type == T_PKT_END) &&
	      (b.type == T_PKT || b.type == T_PKT_META ||
	       b.type == T_PKT_END))) {
		kbpf_vlog_printf(env->log,
				 "R%u pointer comparison prohibited\n",
				 insn->dst_reg);
		return -KBPF_EACCES;
	}
	/*
	 * Both ways: the scalars sharing an id with the compared ones are
	 * refined with them; the set goes into both paths' history (Linux's
	 * collect_linked_regs()).
	 */
	if (a->type == T_SCALAR && b.type == T_SCALAR)
		env->hist_linked = linked_set(env, a->id, x ? b.id : 0);
	err = kbpf_v_push_branch(env, target);
	if (err)
		return err;
	other = env->stack[env->nr_stack - 1].st;
	if (a->type == T_SCALAR && b.type == T_SCALAR) {
		struct vreg *oa =
			&other->frames[other->curframe]->regs[insn->dst_reg];
		struct vreg ob_k = b,
			    *ob = x ? &other->frames[other->curframe]
						  ->regs[insn->src_reg] :
				      &ob_k;
		struct vreg fb_k = b, *fb = x ? bp : &fb_k;
		bool ok_t, ok_f;

		ok_t = kbpf_scalar_refine(&oa->s, &ob->s, op, jmp32, true);
		ok_f = kbpf_scalar_refine(&a->s, &fb->s, op, jmp32, false);
		if (ok_t) {
			sync_linked(other, oa);
			if (x)
				sync_linked(other, ob);
		}
		if (ok_f) {
			sync_linked(env->cur, a);
			if (x)
				sync_linked(env->cur, fb);
		}
		if (!ok_t || !ok_f)
			mark_jmp_precise(env, insn);
		if (!ok_t) {
			/* The jump cannot be taken after all. */
			env->nr_stack--;
			kbpf_v_path_done(env, other);
			kbpf_v_state_free(env, other);
		}
		if (!ok_f) {
			/* Nor can it fall through: follow the jump. */
			if (!ok_t) {
				*next = target; /* both impossible: dead */
				return 1;
			}
			env->nr_stack--;
			kbpf_v_path_done(env, env->cur);
			kbpf_v_state_free(env, env->cur);
			env->cur = other;
			/* the copy has this jump in its history already */
			env->skip_record = true;
			*next = target;
			return 0;
		}
	} else {
		match_pkt(insn, a, &b, other, env->cur);
	}
	*next = pc + 1;
	return 0;
}

/* ---- the walk ---- */

static void print_stats(struct venv *env)
{
	kbpf_vlog_printf(
		env->log,
		"processed %u insns (limit %u) max_states_per_insn %u total_states %u peak_states %u mark_read %u\n",
		env->insn_processed, KBPF_VERIFIER_INSN_LIMIT,
		env->max_states_per_insn, env->total_states, env->peak_states,
		0u);
}

static uint32_t ctx_size_of(const struct kbpf_prog *prog)
{
	switch (prog->type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_CGROUP_SKB:
		return sizeof(struct __sk_buff);
	case BPF_PROG_TYPE_XDP:
		return sizeof(struct xdp_md);
	case BPF_PROG_TYPE_CGROUP_DEVICE:
		return sizeof(struct bpf_cgroup_dev_ctx);
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
		return sizeof(struct bpf_sysctl);
	case BPF_PROG_TYPE_CGROUP_SOCK:
		return sizeof(struct bpf_sock);
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
		return sizeof(struct bpf_sock_addr);
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
		return sizeof(struct bpf_sockopt);
	case BPF_PROG_TYPE_KPROBE:
#if defined(__x86_64__)
		return 21 * 8; /* struct pt_regs */
#elif defined(__aarch64__)
		return 34 * 8; /* user_pt_regs */
#else
		return 32 * 8;
#endif
	case BPF_PROG_TYPE_PERF_EVENT:
#if defined(__x86_64__)
		return 21 * 8 + 16;
#elif defined(__aarch64__)
		return 34 * 8 + 16;
#else
		return 32 * 8 + 16;
#endif
	case BPF_PROG_TYPE_TRACEPOINT:
		return 2048; /* PERF_MAX_TRACE_SIZE */
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
		return 12 * 8; /* MAX_BPF_FUNC_ARGS u64s */
	case BPF_PROG_TYPE_TRACING:
		return (prog->attach_nargs + 1) * 8;
	case BPF_PROG_TYPE_SYSCALL:
		return 0xffff;
	default:
		return 0;
	}
}

static void mark_prune_points(struct venv *env)
{
	for (uint32_t i = 0; i < env->len; i++) {
		const struct bpf_insn *insn = &env->insns[i];
		uint8_t cls = BPF_CLASS(insn->code), op = BPF_OP(insn->code);
		int64_t t;

		if (insn->code == (BPF_LD | BPF_DW | BPF_IMM)) {
			/*
			 * A callback's address: Linux visits it as a call
			 * (the load, the instruction after it and the
			 * callback's first instruction).
			 */
			if (insn->src_reg == BPF_PSEUDO_FUNC) {
				env->flags[i] |= VI_PRUNE;
				if (i + 2 < env->len)
					env->flags[i + 2] |= VI_PRUNE;
				t = (int64_t)i + insn->imm + 1;
				if (t >= 0 && t < env->len)
					env->flags[t] |= VI_PRUNE;
			}
			i++;
			continue;
		}
		if (cls != BPF_JMP && cls != BPF_JMP32)
			continue;
		if (op == BPF_CALL) {
			/*
			 * Linux's visit_func_call_insn(): after the call, the
			 * call of a function and its first instruction; a
			 * helper that calls a callback is a forced checkpoint
			 * (its iterations are compared there).
			 */
			if (i + 1 < env->len)
				env->flags[i + 1] |= VI_PRUNE;
			if (insn->src_reg == BPF_PSEUDO_CALL) {
				env->flags[i] |= VI_PRUNE;
				t = (int64_t)i + insn->imm + 1;
				if (t >= 0 && t < env->len)
					env->flags[t] |= VI_PRUNE;
			} else if (!insn->src_reg &&
				   (insn->imm == BPF_FUNC_loop ||
				    insn->imm == BPF_FUNC_for_each_map_elem ||
				    insn->imm == BPF_FUNC_user_ringbuf_drain)) {
				env->flags[i] |= VI_PRUNE | VI_FORCE;
			} else if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
				/* an iterator's _next: checkpoints (iter.c) */
				const struct kbpf_kfunc_desc *d =
					kbpf_prog_kfunc_desc(
						env->prog, (uint32_t)insn->imm);

				if (d && !insn->off && d->kf &&
				    (d->kf->flags & KBPF_KF_ITER_NEXT))
					env->flags[i] |= VI_PRUNE | VI_FORCE |
							 VI_ITER_NEXT;
			}
			continue;
		}
		if (op == BPF_EXIT)
			continue;
		/* Linux's visit_insn(): a conditional jump and its target. */
		t = (int64_t)i + 1 +
		    ((cls == BPF_JMP32 && op == BPF_JA) ? insn->imm :
							  insn->off);
		if (t >= 0 && t < env->len)
			env->flags[t] |= VI_PRUNE;
		if (op != BPF_JA)
			env->flags[i] |= VI_PRUNE;
	}
}

static int init_state(struct venv *env)
{
	struct vstate *st = kbpf_v_state_new(env);
	struct vframe *f;

	if (!st)
		return -KBPF_ENOMEM;
	f = kbpf_zalloc(env->h, sizeof(*f), 0);
	if (!f) {
		kbpf_v_state_free(env, st);
		return -KBPF_ENOMEM;
	}
	st->frames[0] = f;
	for (int i = 0; i < 11; i++)
		kbpf_v_mark_not_init(&f->regs[i]);
	mark_ptr(&f->regs[1], T_CTX);
	mark_ptr(&f->regs[10], T_STACK);
	env->cur = st;
	env->prev_idx = UINT32_MAX;
	return 0;
}

/* After instruction @pc on the current path: into its history. */
static void record_history(struct venv *env, uint32_t pc)
{
	if (env->cur && !env->skip_record)
		kbpf_v_hist_push(env, env->cur);
	env->skip_record = false;
	env->prev_idx = pc;
}

/* Explore from the current state until every path ends or one fails. */
static int do_check(struct venv *env)
{
	uint32_t pc = 0;
	int err;

	for (;;) {
		const struct bpf_insn *insn;
		uint8_t cls, op;
		uint32_t next;
		bool spec;

		if (pc >= env->len) {
			kbpf_vlog_printf(env->log,
					 "invalid insn idx %u insn_cnt %u\n",
					 pc, env->len);
			return -KBPF_EFAULT;
		}
		if (++env->insn_processed > KBPF_VERIFIER_INSN_LIMIT) {
			kbpf_vlog_printf(
				env->log,
				"BPF program is too large. Processed %u insn\n",
				env->insn_processed);
			return -KBPF_E2BIG;
		}
		if (env->flags[pc] & VI_PRUNE) {
			err = kbpf_v_is_state_visited(env, pc);
			if (err < 0)
				return err;
			if (err == 1) {
				kbpf_v_log_safe(env, pc);
				goto path_end;
			}
		}
		/* A speculative path stops where Linux fences it. */
		if (env->cur->speculative && (env->flags[pc] & VI_NOSPEC))
			goto path_end;
		kbpf_v_log_insn(env, pc);
		spec = env->cur->speculative;
		env->insn_idx = pc;
		env->sl_wacc = 0;
		env->hist_spi = -1;
		env->hist_linked = 0;
		insn = &env->insns[pc];
		cls = BPF_CLASS(insn->code);
		op = BPF_OP(insn->code);
		next = pc + 1;
		if (cls == BPF_JMP || cls == BPF_JMP32)
			env->jmps_processed++;
		err = 0;
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			err = check_alu(env, insn);
			break;
		case BPF_LDX:
			err = check_ldx(env, insn);
			break;
		case BPF_ST:
			err = check_store(env, insn);
			break;
		case BPF_STX:
			if (BPF_MODE(insn->code) == BPF_ATOMIC)
				err = check_atomic(env, insn);
			else
				err = check_store(env, insn);
			break;
		case BPF_LD:
			if (insn->code == (BPF_LD | BPF_DW | BPF_IMM)) {
				err = check_ld_imm64(env, pc);
				next = pc + 2;
			} else {
				err = check_ld_abs(env, insn);
			}
			break;
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_JA) {
				next = pc + 1 +
				       (uint32_t)(cls == BPF_JMP32 ? insn->imm :
								     insn->off);
			} else if (op == BPF_CALL) {
				next = pc;
				if (insn->src_reg == BPF_PSEUDO_CALL)
					err = kbpf_v_check_pseudo_call(env,
								       &next);
				else
					err = kbpf_v_check_helper_call(env,
								       &next);
			} else if (op == BPF_EXIT) {
				next = pc;
				err = kbpf_v_check_exit(env, &next);
				if (err == 1)
					goto path_end;
			} else {
				err = check_cond_jmp(env, pc, &next);
				if (err == 1)
					goto path_end;
			}
			break;
		default:
			err = -KBPF_EINVAL;
			break;
		}
		if (spec && (err == -KBPF_EPERM || err == -KBPF_EACCES ||
			     err == -KBPF_EINVAL)) {
			/*
			 * Linux 6.17+: an error on a speculative path is not
			 * a refusal; a barrier (nospec) stops the path here.
			 * Its line stays until the next branch is popped.
			 */
			env->flags[pc] |= VI_NOSPEC;
			env->alu_state[pc] = 0;
			goto path_end;
		}
		if (err)
			return err;
		kbpf_v_log_insn_done(env, insn);
		if ((cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_JA &&
		    op != BPF_CALL && op != BPF_EXIT && kbpf_v_log_on(env))
			kbpf_v_log_insn_state(env, pc);
		record_history(env, pc);
		kbpf_v_stack_insn_done(env, pc);
		/* Linux's nospec_result: the barrier after the write. */
		if (spec && (env->flags[pc] & VI_NOSPEC_RESULT))
			goto path_end;
		pc = next;
		continue;
path_end:
		kbpf_v_path_done(env, env->cur);
		kbpf_v_state_free(env, env->cur);
		env->cur = NULL;
		kbpf_v_log_scratch_all(env);
		if (!env->nr_stack)
			return 0;
		env->nr_stack--;
		/* Linux's pop_stack(): level 1 keeps only the failing path */
		if (!(env->log->level & KBPF_LOG_LEVEL2))
			kbpf_vlog_reset(env->log,
					env->stack[env->nr_stack].log_pos);
		env->print_state = true;
		env->cur = env->stack[env->nr_stack].st;
		pc = env->stack[env->nr_stack].insn;
		env->prev_idx = env->stack[env->nr_stack].from;
	}
}

int kbpf_verify(struct kbpf_prog *prog, const struct kbpf_host *h,
		struct kbpf_vlog *log, uint32_t *processed, bool no_btf_ok)
{
	struct venv *env;
	uint32_t n = prog->len;
	int err;

	env = kbpf_zalloc(h, sizeof(*env), 0);
	if (!env)
		return -KBPF_ENOMEM;
	env->prog = prog;
	env->h = h;
	env->log = log;
	env->insns = prog->orig_insns;
	env->rel = prog->insns;
	env->len = n;
	env->no_btf_ok = no_btf_ok;
	env->allow_ptr_leaks = !!(prog->priv & KBPF_PRIV_PERFMON);
	env->bpf_capable = !!(prog->priv & KBPF_PRIV_BPF);
	env->ctx_size = ctx_size_of(prog);
	env->explored = kbpf_zalloc(h, n * sizeof(*env->explored), 0);
	env->nr_explored = kbpf_zalloc(h, n * sizeof(*env->nr_explored), 0);
	env->flags = kbpf_zalloc(h, n * sizeof(*env->flags), 0);
	env->live = kbpf_zalloc(h, n * sizeof(*env->live), 0);
	env->alu_state = kbpf_zalloc(h, n, 0);
	env->alu_limit = kbpf_zalloc(h, n * sizeof(*env->alu_limit), 0);
	env->sl = kbpf_zalloc(h, n * sizeof(*env->sl), 0);
	err = -KBPF_ENOMEM;
	if (env->explored && env->nr_explored && env->flags && env->live &&
	    env->alu_state && env->alu_limit && env->sl)
		err = init_state(env);
	if (!err) {
		mark_prune_points(env);
		kbpf_v_compute_liveness(env);
		kbpf_v_log_live(env);
		/* the first line has the whole initial state */
		kbpf_v_log_scratch_all(env);
		err = do_check(env);
		/* level 1: a proven program's trace is dropped (Linux) */
		if (!err && !(log->level & KBPF_LOG_LEVEL2))
			kbpf_vlog_reset(log, 0);
	}
	if (!err && env->conv_fault) {
		kbpf_vlog_printf(
			log,
			"verifier bug: error during ctx access conversion (0)\n");
		err = -KBPF_EFAULT;
	}
	if (!err)
		kbpf_v_btf_mark_probes(env);
	if (!err)
		err = kbpf_v_spec_record(env);
	kbpf_v_btf_release(env);
	print_stats(env);
	*processed = env->insn_processed;
	/* Free what is left: the failing path, pending branches, explored. */
	if (env->cur)
		kbpf_v_state_free(env, env->cur);
	while (env->nr_stack)
		kbpf_v_state_free(env, env->stack[--env->nr_stack].st);
	if (env->stack)
		kbpf_free(h, env->stack, env->cap_stack * sizeof(*env->stack));
	kbpf_v_free_explored(env);
	if (env->explored)
		kbpf_free(h, env->explored, n * sizeof(*env->explored));
	if (env->nr_explored)
		kbpf_free(h, env->nr_explored, n * sizeof(*env->nr_explored));
	if (env->flags)
		kbpf_free(h, env->flags, n * sizeof(*env->flags));
	if (env->live)
		kbpf_free(h, env->live, n * sizeof(*env->live));
	if (env->alu_state)
		kbpf_free(h, env->alu_state, n);
	if (env->alu_limit)
		kbpf_free(h, env->alu_limit, n * sizeof(*env->alu_limit));
	if (env->sl)
		kbpf_free(h, env->sl, n * sizeof(*env->sl));
	kbpf_free(h, env, sizeof(*env));
	return err;
}
