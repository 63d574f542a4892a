// SPDX-License-Identifier: MIT
/*
 * Kfunc calls (BPF_PSEUDO_KFUNC_CALL) in the walk: Linux 6.18's
 * check_kfunc_call() and check_kfunc_args() for the argument and result
 * kinds kbpf has, written from their documented and measured behaviour.
 *
 * The callee was resolved at load (src/prog/kfunc.c: prog->kfuncs): the
 * FUNC's prototype in the host BTF, and the implementation with its
 * flags and program types (include/kbpf/kfunc.h). Here, on each path that
 * reaches the call:
 * - a callee without an implementation for this program type: "calling
 *   kernel function %s is not allowed" (-EACCES), as Linux for a function
 *   outside the type's kfunc sets;
 * - arguments from the prototype: scalars ("R%d is not a scalar"), `__k`
 *   constants, `__ign` skipped; pointers to structs take a PTR_TO_BTF_ID
 *   of that struct, trusted (or referenced) for KF_TRUSTED_ARGS and
 *   KF_RELEASE, trusted or RCU for KF_RCU, non-NULL unless `__nullable`;
 *   other pointers must point to scalars (Linux's line), and kbpf checks
 *   them as memory of the pointee's size, or with a `__sz`/`__szk`
 *   argument after them as that many bytes;
 * - KF_RELEASE drops the reference its argument holds (every copy of it
 *   dies); the result: scalar, void, or a pointer to a struct (NULL-able
 *   with KF_RET_NULL, a new reference with KF_ACQUIRE);
 * - bpf_rcu_read_lock/unlock: the region (nesting and unmatched unlocks
 *   refused, RCU pointers untrusted after it, no exit of the main program
 *   inside it: call.c); bpf_rdonly_cast(obj, __k id): an untrusted
 *   pointer to struct id, or read-only untrusted memory for id 0.
 */
#include "verifier_internal.h"

#include "core/priv.h"

struct kf_meta {
	const char *name;
	uint32_t flags;
	uint32_t ref_obj_id; /* the referenced argument */
	int release_regno;
	bool have_k;
	uint64_t k; /* the __k constant */
};

static int kf_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Does parameter name @n end in @suffix (Linux's btf_param_match_suffix)? */
static bool kf_suffix(const char *n, const char *suffix)
{
	size_t ln = 0, ls = 0;

	if (!n)
		return false;
	while (n[ln])
		ln++;
	while (suffix[ls])
		ls++;
	return ln > ls && !kf_strcmp(n + ln - ls, suffix);
}

/* Linux's btf_type_str(), for the log lines. */
static const char *kf_kind_str(const struct kbpf_btf_view *b, const uint8_t *t)
{
	static const char *const names[] = {
		"UNKNOWN", "INT",      "PTR",	   "ARRAY",	 "STRUCT",
		"UNION",   "ENUM",     "FWD",	   "TYPEDEF",	 "VOLATILE",
		"CONST",   "RESTRICT", "FUNC",	   "FUNC_PROTO", "VAR",
		"DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG",	 "ENUM64",
	};
	uint32_t k = t ? kbpf_btf_kind(b, t) : 0;

	return k < sizeof(names) / sizeof(names[0]) ? names[k] : "UNKNOWN";
}

static const char *kf_name(const struct kbpf_btf_view *b, const uint8_t *t)
{
	const char *n = t ? kbpf_btf_name(b, t) : NULL;

	return n ? n : "";
}

static bool kf_is_scalar(const struct kbpf_btf_view *b, const uint8_t *t)
{
	uint32_t k = t ? kbpf_btf_kind(b, t) : 0;

	return k == BTF_KIND_INT || k == BTF_KIND_ENUM ||
	       k == BTF_KIND_ENUM64 || k == BTF_KIND_FLOAT;
}

static bool kf_is_struct(const struct kbpf_btf_view *b, const uint8_t *t)
{
	uint32_t k = t ? kbpf_btf_kind(b, t) : 0;

	return k == BTF_KIND_STRUCT || k == BTF_KIND_UNION;
}

/* Linux's __btf_type_is_scalar_struct(): members scalars, arrays of them. */
static bool kf_scalar_struct(const struct kbpf_btf_view *b, const uint8_t *t,
			     int depth)
{
	if (!kf_is_struct(b, t) || depth > 3)
		return false;
	for (uint32_t i = 0; i < kbpf_btf_vlen(b, t); i++) {
		const uint8_t *m = kbpf_btf_vrec(b, t, i);
		const uint8_t *mt =
			kbpf_btf_skip_mods(b, kbpf_btf_rd32(b, m + 4), NULL);

		if (mt && kbpf_btf_kind(b, mt) == BTF_KIND_ARRAY)
			mt = kbpf_btf_skip_mods(b, kbpf_btf_data32(b, mt, 0),
						NULL);
		if (kf_is_struct(b, mt)) {
			if (!kf_scalar_struct(b, mt, depth + 1))
				return false;
		} else if (!kf_is_scalar(b, mt)) {
			return false;
		}
	}
	return true;
}

static bool kf_null(const struct vreg *r)
{
	return (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
		r->s.umin == 0) ||
	       (kbpf_v_is_ptr(r) && (r->flags & VF_NULL));
}

static bool kf_trusted(const struct vreg *r)
{
	return r->ref_obj_id ||
	       ((r->flags & VF_TRUSTED) && !(r->flags & VF_UNTRUSTED));
}

static int kf_ptr_arg(struct venv *env, const struct kbpf_btf_view *b,
		      struct kf_meta *m, uint32_t i, uint32_t nargs,
		      const uint8_t *proto, uint32_t ref_id)
{
	const uint8_t *ref_t = ref_id ? kbpf_btf_type(b, ref_id) : NULL;

	uint32_t regno = i + 1;
	struct vreg *r = &CUR_REGS(env)[regno];
	bool trusted_args = m->flags & (KBPF_KF_TRUSTED_ARGS | KBPF_KF_RELEASE);
	bool rcu = m->flags & KBPF_KF_RCU;
	bool mem_size = false;
	char buf[64];
	int64_t size;

	if (r->type == T_BTF_ID) {
		const uint8_t *rt = kbpf_btf_type(b, r->btf_id);

		if (!kf_is_struct(b, ref_t)) {
			kbpf_vlog_printf(
				env->log,
				"kernel function %s args#%u pointer type %s %s is not supported\n",
				m->name, i, kf_kind_str(b, ref_t),
				kf_name(b, ref_t));
			return -KBPF_EINVAL;
		}
		if (trusted_args || rcu) {
			if (!kf_trusted(r) && !rcu) {
				kbpf_vlog_printf(
					env->log,
					"R%u must be referenced or trusted\n",
					regno);
				return -KBPF_EINVAL;
			}
			if (!kf_trusted(r) && !(r->flags & VF_RCU)) {
				kbpf_vlog_printf(env->log,
						 "R%u must be a rcu pointer\n",
						 regno);
				return -KBPF_EINVAL;
			}
			if (r->off || !kbpf_scalar_is_const(&r->s) ||
			    r->s.umin) {
				kbpf_vlog_printf(
					env->log,
					"R%u must have zero offset when passed to release func or trusted arg to kfunc\n",
					regno);
				return -KBPF_EINVAL;
			}
		}
		/* kbpf matches the struct itself (Linux also walks first members). */
		if (kbpf_btf_skip_mods(b, r->btf_id, NULL) != ref_t) {
			kbpf_vlog_printf(
				env->log,
				"kernel function %s args#%u expected pointer to %s %s but R%u has a pointer to %s %s\n",
				m->name, i, kf_kind_str(b, ref_t),
				kf_name(b, ref_t), regno, kf_kind_str(b, rt),
				kf_name(b, rt));
			return -KBPF_EINVAL;
		}
		return 0;
	}
	if (i + 1 < nargs) {
		const uint8_t *next = kbpf_btf_vrec(b, proto, i + 1);
		const char *nn = kbpf_btf_str(b, kbpf_btf_rd32(b, next));

		mem_size = kf_suffix(nn, "__sz") || kf_suffix(nn, "__szk");
	}
	if (!kf_is_scalar(b, ref_t) && !kf_scalar_struct(b, ref_t, 0) &&
	    (mem_size ? ref_t != NULL : true)) {
		kbpf_vlog_printf(
			env->log,
			"arg#%u pointer type %s %s must point to %sscalar, or struct with scalar\n",
			i, ref_t ? kf_kind_str(b, ref_t) : "UNKNOWN",
			kf_name(b, ref_t), mem_size ? "void, " : "");
		return -KBPF_EINVAL;
	}
	if (mem_size) {
		struct vreg *sz = &CUR_REGS(env)[regno + 1];

		if (sz->type != T_SCALAR) {
			kbpf_vlog_printf(env->log, "R%u is not a scalar\n",
					 regno + 1);
			return -KBPF_EINVAL;
		}
		if (!kbpf_scalar_is_const(&sz->s) || sz->s.umin > V_STACK) {
			kbpf_vlog_printf(
				env->log,
				"kbpf: kfunc %s: the size of arg#%u must be a known constant up to %u\n",
				m->name, i, V_STACK);
			return -KBPF_EACCES;
		}
		kbpf_v_mark_reg_precise(env, regno + 1);
		size = (int64_t)sz->s.umin;
	} else {
		size = ref_id ? kbpf_btf_resolve_size(b, ref_id) : 0;
		if (size < 0 || size > V_STACK) {
			kbpf_vlog_printf(
				env->log,
				"kbpf: kfunc %s: arg#%u points to %lld bytes\n",
				m->name, i, (long long)size);
			return -KBPF_EINVAL;
		}
	}
	if (r->type == T_SCALAR && kf_null(r)) {
		kbpf_vlog_printf(env->log, "R%u type=%s expected=fp\n", regno,
				 kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	/* Linux passes it to check_mem_reg(): readable and writable memory. */
	return kbpf_v_check_mem(env, regno, 0, (uint32_t)size, true, -1, NULL,
				true, size == 0);
}

static int kf_args(struct venv *env, const struct kbpf_btf_view *b,
		   const uint8_t *proto, struct kf_meta *m)
{
	uint32_t nargs = kbpf_btf_vlen(b, proto);
	bool trusted_args = m->flags & (KBPF_KF_TRUSTED_ARGS | KBPF_KF_RELEASE);
	int err;

	if (nargs > 5) {
		kbpf_vlog_printf(env->log, "Function %s has %u > 5 args\n",
				 m->name, nargs);
		return -KBPF_EINVAL;
	}
	for (uint32_t i = 0; i < nargs; i++) {
		const uint8_t *p = kbpf_btf_vrec(b, proto, i);
		const char *pn = kbpf_btf_str(b, kbpf_btf_rd32(b, p));
		const uint8_t *t =
			kbpf_btf_skip_mods(b, kbpf_btf_rd32(b, p + 4), NULL);
		uint32_t regno = i + 1, ref_id;
		struct vreg *r = &CUR_REGS(env)[regno];

		if (kf_suffix(pn, "__ign"))
			continue;
		/* Linux reads no read_ok here: an unset register is no scalar. */
		if (kf_is_scalar(b, t)) {
			if (r->type != T_SCALAR) {
				kbpf_vlog_printf(env->log,
						 "R%u is not a scalar\n",
						 regno);
				return -KBPF_EINVAL;
			}
			if (kf_suffix(pn, "__k")) {
				if (!kbpf_scalar_is_const(&r->s)) {
					kbpf_vlog_printf(
						env->log,
						"R%u must be a known constant\n",
						regno);
					return -KBPF_EINVAL;
				}
				kbpf_v_mark_reg_precise(env, regno);
				m->have_k = true;
				m->k = r->s.umin;
			}
			continue;
		}
		if (!t || kbpf_btf_kind(b, t) != BTF_KIND_PTR) {
			kbpf_vlog_printf(env->log,
					 "Unrecognized arg#%u type %s\n", i,
					 kf_kind_str(b, t));
			return -KBPF_EINVAL;
		}
		if ((trusted_args || (m->flags & KBPF_KF_RCU)) && kf_null(r) &&
		    !kf_suffix(pn, "__nullable")) {
			kbpf_vlog_printf(
				env->log,
				"Possibly NULL pointer passed to trusted arg%u\n",
				i);
			return -KBPF_EACCES;
		}
		if (r->type == T_SCALAR && kf_null(r) &&
		    kf_suffix(pn, "__nullable"))
			continue;
		if (r->ref_obj_id) {
			if ((m->flags & KBPF_KF_RELEASE) && m->ref_obj_id) {
				kbpf_vlog_printf(
					env->log,
					"verifier internal error: more than one arg with ref_obj_id R%d %u %u\n",
					m->release_regno, r->ref_obj_id,
					m->ref_obj_id);
				return -KBPF_EFAULT;
			}
			m->ref_obj_id = r->ref_obj_id;
			if (m->flags & KBPF_KF_RELEASE)
				m->release_regno = (int)regno;
		}
		ref_id = 0;
		kbpf_btf_skip_mods(b, kbpf_btf_st(b, t), &ref_id);
		err = kf_ptr_arg(env, b, m, i, nargs, proto, ref_id);
		if (err)
			return err;
	}
	if ((m->flags & KBPF_KF_RELEASE) && !m->release_regno) {
		kbpf_vlog_printf(
			env->log,
			"release kernel function %s expects refcounted PTR_TO_BTF_ID\n",
			m->name);
		return -KBPF_EINVAL;
	}
	return 0;
}

/* bpf_rcu_read_lock/unlock (Linux's rules of the region). */
static int kf_rcu(struct venv *env, const struct kf_meta *m, bool lock)
{
	struct vstate *st = env->cur;

	if (lock) {
		if (st->active_rcu) {
			kbpf_vlog_printf(
				env->log,
				"nested rcu read lock (kernel function %s)\n",
				m->name);
			return -KBPF_EINVAL;
		}
		st->active_rcu = true;
		return 0;
	}
	if (!st->active_rcu) {
		kbpf_vlog_printf(
			env->log,
			"unmatched rcu read unlock (kernel function %s)\n",
			m->name);
		return -KBPF_EINVAL;
	}
	st->active_rcu = false;
	/* What the region protected is untrusted after it. */
	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		struct vframe *f = st->frames[fr];

		for (uint32_t i = 0; i < 11 + V_SLOTS; i++) {
			struct vreg *r = i < 11 ? &f->regs[i] :
						  &f->spill[i - 11];

			if (i >= 11 && f->slot[(i - 11) * 8] != SLOT_SPILL)
				continue;
			if (kbpf_v_is_ptr(r) && (r->flags & VF_RCU)) {
				r->flags &= (uint16_t)~VF_RCU;
				r->flags |= VF_UNTRUSTED;
			}
		}
	}
	return 0;
}

/* The result (r0) from the prototype's return type. */
static int kf_ret(struct venv *env, const struct kbpf_btf_view *b,
		  const uint8_t *proto, const struct kf_meta *m, bool rdonly,
		  uint32_t call_pc, struct vreg *r0)
{
	const uint8_t *t = kbpf_btf_skip_mods(b, kbpf_btf_st(b, proto), NULL);
	uint32_t pid = 0;
	const uint8_t *pt;
	struct vstate *st = env->cur;

	kbpf_v_mark_not_init(r0);
	if (rdonly) {
		const uint8_t *rt = m->k ? kbpf_btf_type(b, (uint32_t)m->k) :
					   NULL;

		if (m->k && !rt) {
			kbpf_vlog_printf(
				env->log,
				"Unknown type ID %lld passed to kfunc bpf_rdonly_cast\n",
				(long long)m->k);
			return -KBPF_EINVAL;
		}
		memset(r0, 0, sizeof(*r0));
		kbpf_scalar_const(&r0->s, 0);
		if (!m->k) {
			r0->type = T_MEM;
			r0->flags = VF_RDONLY | VF_UNTRUSTED | VF_ANY_READ;
			return 0;
		}
		if (!kf_is_struct(b, rt)) {
			kbpf_vlog_printf(
				env->log,
				"kfunc bpf_rdonly_cast type ID argument must be of a struct or void\n");
			return -KBPF_EINVAL;
		}
		r0->type = T_BTF_ID;
		r0->flags = VF_UNTRUSTED;
		r0->btf_id = (uint32_t)m->k;
		return 0;
	}
	if ((m->flags & KBPF_KF_ACQUIRE) &&
	    !(t && kbpf_btf_kind(b, t) == BTF_KIND_PTR &&
	      kf_is_struct(b,
			   kbpf_btf_skip_mods(b, kbpf_btf_st(b, t), NULL)))) {
		kbpf_vlog_printf(
			env->log,
			"acquire kernel function does not return PTR_TO_BTF_ID\n");
		return -KBPF_EINVAL;
	}
	if (!t)
		return 0; /* void */
	if (kf_is_scalar(b, t)) {
		kbpf_v_mark_unknown(r0);
		return 0;
	}
	if (kbpf_btf_kind(b, t) != BTF_KIND_PTR) {
		kbpf_vlog_printf(
			env->log,
			"kbpf: kfunc %s returns a %s, which kbpf does not support\n",
			m->name, kf_kind_str(b, t));
		return -KBPF_EINVAL;
	}
	pid = kbpf_btf_st(b, t);
	pt = kbpf_btf_skip_mods(b, pid, &pid);
	if (!pt) {
		kbpf_v_mark_unknown(r0); /* void *: a scalar, as Linux */
		return 0;
	}
	if (!kf_is_struct(b, pt)) {
		kbpf_vlog_printf(
			env->log,
			"kernel function %s returns pointer type %s %s is not supported\n",
			m->name, kf_kind_str(b, pt), kf_name(b, pt));
		return -KBPF_EINVAL;
	}
	memset(r0, 0, sizeof(*r0));
	kbpf_scalar_const(&r0->s, 0);
	r0->type = T_BTF_ID;
	r0->btf_id = pid;
	if (m->flags & KBPF_KF_RET_NULL) {
		r0->flags |= VF_NULL;
		r0->id = ++env->id_gen;
	}
	if (m->flags & KBPF_KF_ACQUIRE) {
		uint32_t id = ++env->id_gen;

		if (st->nr_refs >= V_MAX_REFS) {
			kbpf_vlog_printf(env->log,
					 "kbpf: too many references\n");
			return -KBPF_EINVAL;
		}
		st->refs[st->nr_refs].id = id;
		st->refs[st->nr_refs].insn = call_pc;
		st->nr_refs++;
		if (m->flags & KBPF_KF_RET_NULL)
			r0->id = id;
		r0->ref_obj_id = id;
	}
	return 0;
}

int kbpf_v_check_kfunc_call(struct venv *env, uint32_t *pc)
{
	uint32_t call_pc = *pc;
	const struct bpf_insn *insn = &env->insns[call_pc];
	const struct kbpf_kfunc_desc *d =
		kbpf_prog_kfunc_desc(env->prog, (uint32_t)insn->imm);
	const struct kbpf_btf_view *b;
	const uint8_t *proto;
	struct kf_meta m;
	struct vreg *regs, r0;
	bool rcu_lock, rcu_unlock, rdonly;
	int err;

	/*
	 * Linux skips imm 0 in the walk and refuses it afterwards, unless
	 * dead-code removal took it away first (a path reaching it fails).
	 */
	if (!insn->imm && !insn->off) {
		kbpf_vlog_printf(
			env->log,
			"invalid kernel function call not eliminated in verifier pass\n");
		return -KBPF_EINVAL;
	}
	if (!d || insn->off) {
		kbpf_vlog_printf(
			env->log,
			"verifier internal error: kernel function descriptor not found for func_id %u\n",
			(uint32_t)insn->imm);
		return -KBPF_EFAULT;
	}
	memset(&m, 0, sizeof(m));
	m.name = d->h.name;
	if (!d->kf || (d->kf->prog_types && env->prog->type < 64 &&
		       !(d->kf->prog_types & (1ULL << env->prog->type)))) {
		kbpf_vlog_printf(env->log,
				 "calling kernel function %s is not allowed\n",
				 m.name);
		return -KBPF_EACCES;
	}
	m.flags = d->kf->flags;
	if ((m.flags & KBPF_KF_DESTRUCTIVE) &&
	    !(env->prog->priv & KBPF_PRIV_SYS_ADMIN)) {
		kbpf_vlog_printf(
			env->log,
			"destructive kfunc calls require CAP_SYS_BOOT capability\n");
		return -KBPF_EACCES;
	}
	if ((m.flags & KBPF_KF_SLEEPABLE) &&
	    env->prog->type != BPF_PROG_TYPE_SYSCALL) {
		kbpf_vlog_printf(
			env->log,
			"program must be sleepable to call sleepable kfunc %s\n",
			m.name);
		return -KBPF_EACCES;
	}
	err = kbpf_v_hbtf(env, &b);
	if (err)
		return err;
	proto = b ? kbpf_btf_type(b, d->proto_id) : NULL;
	if (!proto) {
		kbpf_vlog_printf(env->log,
				 "calling kernel function %s is not allowed\n",
				 m.name);
		return -KBPF_EACCES;
	}
	rcu_lock = !kf_strcmp(m.name, "bpf_rcu_read_lock");
	rcu_unlock = !kf_strcmp(m.name, "bpf_rcu_read_unlock");
	rdonly = !kf_strcmp(m.name, "bpf_rdonly_cast") && d->kf->fn == d->h.fn;
	if (env->cur->active_rcu && (m.flags & KBPF_KF_SLEEPABLE)) {
		kbpf_vlog_printf(
			env->log,
			"kernel func %s is sleepable within rcu_read_lock region\n",
			m.name);
		return -KBPF_EACCES;
	}
	err = kf_args(env, b, proto, &m);
	if (err)
		return err;
	if (rdonly && !m.have_k) {
		kbpf_vlog_printf(env->log, "R2 must be a known constant\n");
		return -KBPF_EINVAL;
	}
	if (rcu_lock || rcu_unlock) {
		err = kf_rcu(env, &m, rcu_lock);
		if (err)
			return err;
	}
	if (m.release_regno) {
		bool held = false;

		for (uint32_t i = 0; i < env->cur->nr_refs; i++)
			held |= env->cur->refs[i].id == m.ref_obj_id;
		if (!held) {
			kbpf_vlog_printf(
				env->log,
				"kfunc %s#%d reference has not been acquired before\n",
				m.name, insn->imm);
			return -KBPF_EINVAL;
		}
		kbpf_v_release_ref(env, m.ref_obj_id);
	}
	err = kf_ret(env, b, proto, &m, rdonly, call_pc, &r0);
	if (err)
		return err;
	regs = CUR_REGS(env);
	for (int i = 1; i <= 5; i++)
		kbpf_v_mark_not_init(&regs[i]);
	regs[0] = r0;
	*pc = call_pc + 1;
	return 0;
}
