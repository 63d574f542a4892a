// SPDX-License-Identifier: MIT
/*
 * The verifier's kptr rules (Linux 6.18's check_map_access() for kptr
 * fields, check_map_kptr_access(), map_kptr_match_type(),
 * process_kptr_func() and the kptr part of check_helper_call(), in
 * behaviour; docs/design/kptr.md):
 * - a kptr field is reached only by an 8-byte load or store at its exact
 *   constant offset, never by a helper reading the value;
 * - a load gives a PTR_TO_BTF_ID of the field's struct, maybe NULL: RCU
 *   for a referenced kptr to an RCU-protected struct (kbpf's programs all
 *   run in Linux's RCU read section), else untrusted;
 * - only untrusted kptrs are stored to, with NULL or a pointer of their
 *   struct; referenced ones change only through bpf_kptr_xchg(field,
 *   ptr), whose field is a referenced kptr of a map value at a constant
 *   offset, whose ptr is a reference of the struct (released) or NULL, and
 *   whose result is the old pointer: a new reference, maybe NULL.
 *
 * Called from syscall; no locks.
 */
#include "verifier_internal.h"

static bool kp_streq(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The name of struct @id of the host BTF ("" if unknown). */
static const char *kp_struct_name(struct venv *env, uint32_t id)
{
	const struct kbpf_btf_view *b;
	const uint8_t *t;
	const char *n;

	if (kbpf_v_hbtf(env, &b) || !b)
		return "";
	t = kbpf_btf_type(b, id);
	n = t ? kbpf_btf_name(b, t) : NULL;
	return n ? n : "";
}

/* Linux's rcu_protected_types (the ones a kernel has). */
static bool kp_rcu_protected(struct venv *env, uint32_t id)
{
	const char *n = kp_struct_name(env, id);

	return kp_streq(n, "task_struct") || kp_streq(n, "cgroup") ||
	       kp_streq(n, "bpf_cpumask");
}

int kbpf_v_kptr_field_access(struct venv *env, const struct vreg *r,
			     int32_t off, uint32_t size, uint32_t field_off,
			     bool helper)
{
	if (helper) {
		kbpf_vlog_printf(
			env->log,
			"kptr cannot be accessed indirectly by helper\n");
		return -KBPF_EACCES;
	}
	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(env->log,
				 "kptr access cannot have variable offset\n");
		return -KBPF_EACCES;
	}
	if ((int64_t)field_off != (int64_t)off + (int64_t)r->s.var.value) {
		kbpf_vlog_printf(
			env->log,
			"kptr access misaligned expected=%u off=%llu\n",
			field_off,
			(unsigned long long)((int64_t)off +
					     (int64_t)r->s.var.value));
		return -KBPF_EACCES;
	}
	if (size != 8) {
		kbpf_vlog_printf(env->log, "kptr access size must be BPF_DW\n");
		return -KBPF_EACCES;
	}
	return 0;
}

/*
 * Linux's map_kptr_match_type(): @r (register @regno) may be stored into
 * field @f (a store to an untrusted kptr, or bpf_kptr_xchg's pointer).
 */
static int kp_match_type(struct venv *env, const struct kbpf_kptr_field *f,
			 const struct vreg *r, uint32_t regno)
{
	uint16_t perm = VF_NULL | VF_TRUSTED | VF_RCU;
	const char *targ = kp_struct_name(env, f->btf_id);
	char buf[32];

	if (f->kind == KBPF_KPTR_UNREF)
		perm |= VF_UNTRUSTED;
	if (r->type != T_BTF_ID || (r->flags & ~perm))
		goto bad;
	if (!kbpf_scalar_is_const(&r->s) || r->s.var.value) {
		kbpf_vlog_printf(
			env->log,
			"variable ptr_ access var_off=(0x%llx; 0x%llx) disallowed\n",
			(unsigned long long)r->s.var.value,
			(unsigned long long)r->s.var.mask);
		return -KBPF_EACCES;
	}
	/* kbpf matches the struct itself at offset 0 (Linux also walks first members). */
	if (r->off || r->btf_id != f->btf_id)
		goto bad;
	return 0;
bad:
	kbpf_vlog_printf(env->log, "invalid kptr access, R%u type=%s%s ", regno,
			 kbpf_v_type_str(r, buf, sizeof(buf)),
			 r->type == T_BTF_ID ? kp_struct_name(env, r->btf_id) :
					       "");
	kbpf_vlog_printf(env->log, "expected=ptr_%s", targ);
	if (f->kind == KBPF_KPTR_UNREF)
		kbpf_vlog_printf(env->log, " or untrusted_ptr_%s\n", targ);
	else
		kbpf_vlog_printf(env->log, "\n");
	return -KBPF_EINVAL;
}

int kbpf_v_kptr_access(struct venv *env, const struct kbpf_kptr_field *f,
		       int value_regno, struct vreg *out)
{
	const struct bpf_insn *insn = &env->insns[env->insn_idx];
	uint8_t cls = BPF_CLASS(insn->code);

	if (BPF_MODE(insn->code) != BPF_MEM) {
		kbpf_vlog_printf(
			env->log,
			"kptr in map can only be accessed using BPF_MEM instruction mode\n");
		return -KBPF_EACCES;
	}
	if (cls != BPF_LDX && f->kind != KBPF_KPTR_UNREF) {
		kbpf_vlog_printf(env->log,
				 "store to referenced kptr disallowed\n");
		return -KBPF_EACCES;
	}
	if (cls == BPF_LDX) {
		if (f->kind == KBPF_KPTR_LOCAL) {
			kbpf_vlog_printf(
				env->log,
				"kbpf: kptrs to a program's own types (bpf_obj_new) are not supported\n");
			return -KBPF_EINVAL;
		}
		if (!out)
			return 0;
		memset(out, 0, sizeof(*out));
		kbpf_scalar_const(&out->s, 0);
		out->type = T_BTF_ID;
		out->btf_id = f->btf_id;
		out->flags = VF_NULL;
		if (f->kind == KBPF_KPTR_REF &&
		    kp_rcu_protected(env, f->btf_id))
			out->flags |= VF_RCU;
		else
			out->flags |= VF_UNTRUSTED;
		out->id = ++env->id_gen;
		return 0;
	}
	if (cls == BPF_STX) {
		const struct vreg *v = &CUR_REGS(env)[value_regno];

		if (v->type == T_SCALAR && kbpf_scalar_is_const(&v->s) &&
		    !v->s.var.value)
			return 0;
		return kp_match_type(env, f, v, (uint32_t)value_regno) ?
			       -KBPF_EACCES :
			       0;
	}
	if (insn->imm) {
		kbpf_vlog_printf(
			env->log,
			"BPF_ST imm must be 0 when storing to kptr at off=%u\n",
			f->off);
		return -KBPF_EACCES;
	}
	return 0;
}

int kbpf_v_kptr_xchg_dest(struct venv *env, uint32_t regno,
			  const struct kbpf_kptr_field **out)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	const struct kbpf_kptr_field *f;
	char buf[32];
	int64_t off;

	if (r->type != T_MAP_VALUE || (r->flags & VF_NULL)) {
		kbpf_vlog_printf(env->log,
				 "R%u type=%s expected=map_value, ptr_\n",
				 regno, kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	if (!r->map->btf) {
		kbpf_vlog_printf(
			env->log,
			"map '%s' has to have BTF in order to use bpf_kptr_xchg\n",
			r->map->name);
		return -KBPF_EINVAL;
	}
	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(
			env->log,
			"R%u doesn't have constant offset. kptr has to be at the constant offset\n",
			regno);
		return -KBPF_EINVAL;
	}
	if (!r->map->kptrs) {
		kbpf_vlog_printf(env->log, "R%u has no valid kptr\n", regno);
		return -KBPF_EINVAL;
	}
	off = (int64_t)r->off + (int64_t)r->s.var.value;
	f = kbpf_map_kptr_at(r->map, off);
	if (!f) {
		kbpf_vlog_printf(env->log, "off=%lld doesn't point to kptr\n",
				 (long long)off);
		return -KBPF_EACCES;
	}
	if (f->kind == KBPF_KPTR_UNREF) {
		kbpf_vlog_printf(env->log,
				 "off=%lld kptr isn't referenced kptr\n",
				 (long long)off);
		return -KBPF_EACCES;
	}
	if (f->kind == KBPF_KPTR_LOCAL) {
		kbpf_vlog_printf(
			env->log,
			"kbpf: kptrs to a program's own types (bpf_obj_new) are not supported\n");
		return -KBPF_EINVAL;
	}
	*out = f;
	return 0;
}

int kbpf_v_kptr_xchg_src(struct venv *env, uint32_t regno,
			 const struct kbpf_kptr_field *f, uint32_t *release_ref)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	char buf[32];

	*release_ref = 0;
	if (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
	    !r->s.var.value)
		return 0;
	if (r->type != T_BTF_ID ||
	    (r->flags & (VF_UNTRUSTED | VF_USER | VF_PERCPU))) {
		kbpf_vlog_printf(
			env->log,
			"R%u type=%s expected=ptr_, trusted_ptr_, rcu_ptr_\n",
			regno, kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	if (r->flags & VF_NULL) {
		kbpf_vlog_printf(
			env->log,
			"Possibly NULL pointer passed to helper arg%u\n",
			regno);
		return -KBPF_EACCES;
	}
	if (!f || kp_match_type(env, f, r, regno))
		return -KBPF_EACCES;
	if (r->off || !kbpf_scalar_is_const(&r->s) || r->s.var.value) {
		kbpf_vlog_printf(
			env->log,
			"R%u must have zero offset when passed to release func\n",
			regno);
		return -KBPF_EINVAL;
	}
	if (!r->ref_obj_id) {
		kbpf_vlog_printf(
			env->log,
			"R%u must be referenced when passed to release function\n",
			regno);
		return -KBPF_EINVAL;
	}
	*release_ref = r->ref_obj_id;
	return 0;
}

int kbpf_v_kptr_xchg_ret(struct venv *env, const struct kbpf_kptr_field *f,
			 uint32_t call_pc, struct vreg *r0)
{
	struct vstate *st = env->cur;
	uint32_t id;

	memset(r0, 0, sizeof(*r0));
	kbpf_scalar_const(&r0->s, 0);
	r0->type = T_BTF_ID;
	r0->btf_id = f->btf_id;
	r0->flags = VF_NULL;
	/* Linux numbers the NULL check, then the reference, and keeps the latter. */
	++env->id_gen;
	id = ++env->id_gen;
	if (st->nr_refs >= V_MAX_REFS) {
		kbpf_vlog_printf(env->log, "kbpf: too many references\n");
		return -KBPF_EINVAL;
	}
	st->refs[st->nr_refs].id = id;
	st->refs[st->nr_refs].insn = call_pc;
	st->nr_refs++;
	r0->id = id;
	r0->ref_obj_id = id;
	return 0;
}
