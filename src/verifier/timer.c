// SPDX-License-Identifier: MIT
/*
 * The verifier's bpf_timer rules (Linux 6.18's process_timer_func(),
 * check_map_field_pointer(), the map_uid match of ARG_CONST_MAP_PTR,
 * set_timer_callback_state() and the async callback's return rule, in
 * behaviour): the timer argument is the struct bpf_timer of a map value,
 * at its constant offset, in a map with BTF; bpf_timer_init's map is the
 * value's; the callback of bpf_timer_set_callback gets (map, key, value)
 * and must return 0. Loads and stores of the field are refused in
 * verifier.c with the lock's rule. Called from syscall; no locks.
 */
#include "verifier_internal.h"

int kbpf_v_timer_arg(struct venv *env, uint32_t regno,
		     const struct kbpf_map **timer_map)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	char buf[32];
	int64_t off;

	if (r->type != T_MAP_VALUE || (r->flags & VF_NULL)) {
		kbpf_vlog_printf(env->log, "R%u type=%s expected=map_value\n",
				 regno, kbpf_v_type_str(r, buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(
			env->log,
			"R%u doesn't have constant offset. bpf_timer has to be at the constant offset\n",
			regno);
		return -KBPF_EINVAL;
	}
	if (!r->map->btf) {
		kbpf_vlog_printf(
			env->log,
			"map '%s' has to have BTF in order to use bpf_timer\n",
			r->map->name);
		return -KBPF_EINVAL;
	}
	if (!kbpf_map_has_timer(r->map)) {
		kbpf_vlog_printf(env->log, "map '%s' has no valid bpf_timer\n",
				 r->map->name);
		return -KBPF_EINVAL;
	}
	off = (int64_t)r->s.var.value + r->off;
	if (off != r->map->timer_off) {
		kbpf_vlog_printf(
			env->log,
			"off %lld doesn't point to 'struct bpf_timer' that is at %d\n",
			(long long)off, r->map->timer_off);
		return -KBPF_EINVAL;
	}
	*timer_map = r->map;
	return 0;
}

int kbpf_v_timer_map_arg(struct venv *env, uint32_t regno,
			 const struct kbpf_map *timer_map,
			 const struct kbpf_map *map)
{
	/* kbpf has no map_uid: inner maps are one template per outer map. */
	if (timer_map && timer_map != map) {
		kbpf_vlog_printf(
			env->log,
			"timer pointer in R1 map_uid=0 doesn't match map pointer in R%u map_uid=0\n",
			regno);
		return -KBPF_EINVAL;
	}
	return 0;
}

void kbpf_v_timer_cb_state(struct venv *env, struct vframe *f,
			   const struct kbpf_map *map)
{
	f->regs[1].type = T_MAP_PTR;
	f->regs[1].map = map;
	kbpf_scalar_const(&f->regs[1].s, 0);
	f->regs[2].type = T_MAP_KEY;
	f->regs[2].map = map;
	kbpf_scalar_const(&f->regs[2].s, 0);
	f->regs[3].type = T_MAP_VALUE;
	f->regs[3].map = map;
	f->regs[3].id = ++env->id_gen;
	kbpf_scalar_const(&f->regs[3].s, 0);
}

int kbpf_v_timer_cb_exit(struct venv *env, const struct vreg *r0)
{
	char buf[32];

	if (r0->type != T_SCALAR) {
		kbpf_vlog_printf(
			env->log,
			"At async callback return the register R0 is not a known value (%s)\n",
			kbpf_v_type_str(r0, buf, sizeof(buf)));
		return -KBPF_EINVAL;
	}
	kbpf_v_mark_reg_precise(env, 0);
	if (r0->s.smin == 0 && r0->s.smax == 0)
		return 1;
	kbpf_vlog_printf(env->log,
			 "At async callback return the register R0 has");
	if (r0->s.smin > INT64_MIN)
		kbpf_vlog_printf(env->log, " smin=%lld", (long long)r0->s.smin);
	if (r0->s.smax < INT64_MAX)
		kbpf_vlog_printf(env->log, " smax=%lld", (long long)r0->s.smax);
	if (r0->s.smin == INT64_MIN && r0->s.smax == INT64_MAX)
		kbpf_vlog_printf(env->log, " unknown scalar value");
	kbpf_vlog_printf(env->log, " should have been in [0, 0]\n");
	return -KBPF_EINVAL;
}
