// SPDX-License-Identifier: MIT
/*
 * Calls and exits for the verifier (Linux's check_helper_call(),
 * check_func_call() and the BPF_EXIT handling of do_check(), in
 * behaviour): helper arguments checked against the prototype kinds of the
 * program's helper table (enum kbpf_arg_kind, src/core/prog.h), the map
 * rules of each helper, ring buffer records as references that every path
 * must give back, r1-r5 clobbered and r0 typed by the result kind;
 * bpf-to-bpf calls in new frames (r6-r9 are the caller's, kept);
 * callbacks of bpf_loop, for_each_map_elem and user_ringbuf_drain run in
 * a new frame once, with their argument types, and must return 0 or 1.
 *
 * Called from syscall; no locks.
 */
#include "verifier_internal.h"

#include "core/util.h"
#include "helpers/helpers.h"
#include "net/net_internal.h"
#include "kbpf/disasm.h"

/* What the arguments of one call said. */
struct call_meta {
	const struct kbpf_map *map;
	int mem_regno; /* the pointer a size argument measures */
	bool mem_write;
	bool mem_null;
	uint32_t release_ref;
	int func_regno;
	uint64_t const_arg[6];
	bool is_const[6];
	bool key_known; /* the key is a constant on the stack */
	uint64_t key;
	struct vdyn_meta dyn; /* the dynptr argument (dynptr.c) */
	const struct kbpf_map *timer_map; /* the bpf_timer's map (timer.c) */
	const struct kbpf_kptr_field *kptr; /* bpf_kptr_xchg's field (kptr.c) */
	uint32_t sock_ref; /* the reference a socket argument carries */
};

/*
 * The key @r points to, if it is a constant on the stack: zeroed bytes, or
 * the low bytes of a spilled constant (Linux's get_constant_map_key()).
 */
static bool const_stack_key(struct venv *env, const struct vreg *r,
			    const struct kbpf_map *map, uint64_t *key)
{
	uint32_t size = map->key_size;
	struct vframe *f = env->cur->frames[r->frameno];
	int64_t off = (int64_t)r->off + (int64_t)r->s.var.value;
	uint32_t i, b;

	if (r->type != T_STACK || !kbpf_scalar_is_const(&r->s) || size > 8 ||
	    off < -V_STACK || off + size > 0)
		return false;
	b = (uint32_t)(off + V_STACK);
	kbpf_v_stack_read(env, r->frameno, off, off + size);
	for (i = 0; i < size && f->slot[b + i] == SLOT_ZERO; i++)
		;
	if (i == size) {
		*key = 0;
		return true;
	}
	/* Inside one spilled constant (little-endian bytes). */
	if ((b & 7) + size <= 8 && f->slot[b] == SLOT_SPILL &&
	    f->spill[b / 8].type == T_SCALAR &&
	    kbpf_scalar_is_const(&f->spill[b / 8].s)) {
		uint64_t v = f->spill[b / 8].s.var.value >> ((b & 7) * 8);

		struct vbt bt;

		*key = size == 8 ? v : v & ((1ull << (size * 8)) - 1);
		/* the key's value decides whether the lookup may be NULL */
		memset(&bt, 0, sizeof(bt));
		bt.stack[r->frameno] = 1ull << (b / 8);
		/*
		 * Linux looks at constant keys of arrays only (it elides
		 * their lookups' NULL): kbpf's walk for other maps is its
		 * own, with no lines.
		 */
		env->bt_quiet = map->map_type != BPF_MAP_TYPE_ARRAY &&
				map->map_type != BPF_MAP_TYPE_PERCPU_ARRAY;
		kbpf_v_mark_precise(env, &bt);
		env->bt_quiet = false;
		return true;
	}
	return false;
}

static bool helper_writes_map(uint32_t id)
{
	return id == BPF_FUNC_map_update_elem ||
	       id == BPF_FUNC_map_delete_elem || id == BPF_FUNC_map_push_elem ||
	       id == BPF_FUNC_map_pop_elem;
}

/*
 * Map types that only some helpers take, and helpers that only some map
 * types fit (a subset of Linux's check_map_func_compatibility()).
 */
static bool map_func_ok(uint32_t map_type, uint32_t id)
{
	switch (map_type) {
	case BPF_MAP_TYPE_RINGBUF:
		if (id != BPF_FUNC_ringbuf_output &&
		    id != BPF_FUNC_ringbuf_reserve &&
		    id != BPF_FUNC_ringbuf_query &&
		    id != BPF_FUNC_ringbuf_reserve_dynptr)
			return false;
		break;
	case BPF_MAP_TYPE_USER_RINGBUF:
		if (id != BPF_FUNC_user_ringbuf_drain)
			return false;
		break;
	case BPF_MAP_TYPE_PROG_ARRAY:
		if (id != BPF_FUNC_tail_call)
			return false;
		break;
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
		if (id != BPF_FUNC_perf_event_read &&
		    id != BPF_FUNC_perf_event_output &&
		    id != BPF_FUNC_skb_output && id != BPF_FUNC_xdp_output &&
		    id != BPF_FUNC_perf_event_read_value)
			return false;
		break;
	case BPF_MAP_TYPE_STACK_TRACE:
		if (id != BPF_FUNC_get_stackid)
			return false;
		break;
	/* XDP redirect targets: redirect_map, and a lookup but for CPUs. */
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
	case BPF_MAP_TYPE_XSKMAP:
		if (id != BPF_FUNC_redirect_map &&
		    id != BPF_FUNC_map_lookup_elem)
			return false;
		break;
	case BPF_MAP_TYPE_CPUMAP:
		if (id != BPF_FUNC_redirect_map)
			return false;
		break;
	/* Local storage: only its own get and delete helpers. */
	case BPF_MAP_TYPE_TASK_STORAGE:
		return id == BPF_FUNC_task_storage_get ||
		       id == BPF_FUNC_task_storage_delete;
	case BPF_MAP_TYPE_SK_STORAGE:
		return id == BPF_FUNC_sk_storage_get ||
		       id == BPF_FUNC_sk_storage_delete;
	case BPF_MAP_TYPE_INODE_STORAGE:
		return id == BPF_FUNC_inode_storage_get ||
		       id == BPF_FUNC_inode_storage_delete;
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return id == BPF_FUNC_cgrp_storage_get ||
		       id == BPF_FUNC_cgrp_storage_delete;
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return id == BPF_FUNC_get_local_storage;
	default:
		break;
	}
	switch (id) {
	case BPF_FUNC_get_local_storage:
		return false; /* not a cgroup storage map: above otherwise */
	case BPF_FUNC_task_storage_get:
	case BPF_FUNC_task_storage_delete:
	case BPF_FUNC_sk_storage_get:
	case BPF_FUNC_sk_storage_delete:
	case BPF_FUNC_inode_storage_get:
	case BPF_FUNC_inode_storage_delete:
	case BPF_FUNC_cgrp_storage_get:
	case BPF_FUNC_cgrp_storage_delete:
		return false; /* not a storage map: above otherwise */
	case BPF_FUNC_tail_call:
		return map_type == BPF_MAP_TYPE_PROG_ARRAY;
	case BPF_FUNC_ringbuf_output:
	case BPF_FUNC_ringbuf_reserve:
	case BPF_FUNC_ringbuf_query:
	case BPF_FUNC_ringbuf_reserve_dynptr:
		return map_type == BPF_MAP_TYPE_RINGBUF;
	case BPF_FUNC_user_ringbuf_drain:
		return map_type == BPF_MAP_TYPE_USER_RINGBUF;
	case BPF_FUNC_perf_event_output:
		return map_type == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	case BPF_FUNC_get_stackid:
		return map_type == BPF_MAP_TYPE_STACK_TRACE;
	case BPF_FUNC_redirect_map:
		return map_type == BPF_MAP_TYPE_DEVMAP ||
		       map_type == BPF_MAP_TYPE_DEVMAP_HASH ||
		       map_type == BPF_MAP_TYPE_CPUMAP ||
		       map_type == BPF_MAP_TYPE_XSKMAP;
	case BPF_FUNC_map_push_elem:
	case BPF_FUNC_map_pop_elem:
	case BPF_FUNC_map_peek_elem:
		return map_type == BPF_MAP_TYPE_QUEUE ||
		       map_type == BPF_MAP_TYPE_STACK ||
		       (map_type == BPF_MAP_TYPE_BLOOM_FILTER &&
			id != BPF_FUNC_map_pop_elem);
	default:
		return true;
	}
}

static bool is_mem_type(const struct vreg *r)
{
	switch (r->type) {
	case T_STACK:
	case T_PKT:
	case T_PKT_META:
	case T_MAP_KEY:
	case T_MAP_VALUE:
	case T_MEM:
		return !(r->flags & VF_NULL);
	default:
		return false;
	}
}

static int type_error(struct venv *env, uint32_t regno, const char *expected)
{
	char buf[32];

	kbpf_vlog_printf(env->log, "R%u type=%s expected=%s\n", regno,
			 kbpf_v_type_str(&CUR_REGS(env)[regno], buf,
					 sizeof(buf)),
			 expected);
	return -KBPF_EACCES;
}

#define MEM_TYPES \
	"fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_"

/* @size bytes at the pointer in @regno, read or (@write) written by the helper. */
static int helper_mem(struct venv *env, uint32_t regno, uint32_t size,
		      bool write, bool zero_ok)
{
	return kbpf_v_check_mem(env, regno, 0, size, write, -1, NULL, true,
				zero_ok);
}

/*
 * Linux's check_ptr_alignment() with strict alignment (MEM_ALIGNED
 * arguments): the pointer's offset, variable part included, must be a
 * multiple of @size; a packet pointer counts NET_IP_ALIGN (2) before it.
 */
static int strict_align(struct venv *env, const struct vreg *r, uint32_t size)
{
	bool pkt = r->type == T_PKT || r->type == T_PKT_META;
	bool fixed = kbpf_scalar_is_const(&r->s);
	int32_t ip_align = pkt ? 2 : 0;
	struct kbpf_tnum t = kbpf_tnum_add(
		r->s.var,
		kbpf_tnum_const((uint64_t)(int64_t)(ip_align + r->off)));
	long long v = (long long)r->s.var.value;
	const char *desc = "";
	char buf[48];

	if (!((t.value | t.mask) & (size - 1)))
		return 0;
	/* Linux prints a constant offset as a number, else the tnum. */
	kbpf_tnum_str(r->s.var, buf, sizeof(buf));
	if (r->type == T_STACK)
		desc = "stack ";
	else if (r->type == T_MAP_VALUE)
		desc = "value ";
	else if (r->type == T_MAP_KEY)
		desc = "key ";
	if (pkt && fixed)
		kbpf_vlog_printf(
			env->log,
			"misaligned packet access off %d+%lld+%d+0 size %u\n",
			ip_align, v, r->off, size);
	else if (pkt)
		kbpf_vlog_printf(
			env->log,
			"misaligned packet access off %d+%s+%d+0 size %u\n",
			ip_align, buf, r->off, size);
	else if (fixed)
		kbpf_vlog_printf(env->log,
				 "misaligned %saccess off %lld+%d+0 size %u\n",
				 desc, v, r->off, size);
	else
		kbpf_vlog_printf(env->log,
				 "misaligned %saccess off %s+%d+0 size %u\n",
				 desc, buf, r->off, size);
	return -KBPF_EACCES;
}

static int check_size_arg(struct venv *env, uint32_t regno, struct call_meta *m,
			  bool zero_ok)
{
	const struct vreg *r = &CUR_REGS(env)[regno];

	if (r->type != T_SCALAR)
		return type_error(env, regno, "scalar");
	if (r->s.smin < 0) {
		kbpf_vlog_printf(
			env->log,
			"R%u min value is negative, either use unsigned or 'var &= const'\n",
			regno);
		return -KBPF_EACCES;
	}
	if (!r->s.umin && !zero_ok) {
		kbpf_vlog_printf(
			env->log,
			"R%u invalid zero-sized read: u64=[%llu,%llu]\n", regno,
			(unsigned long long)r->s.umin,
			(unsigned long long)r->s.umax);
		return -KBPF_EACCES;
	}
	if (r->s.umax >= (uint64_t)V_MAX_VAR_OFF) {
		kbpf_vlog_printf(
			env->log,
			"R%u unbounded memory access, use 'var &= const' or 'if (var < const)'\n",
			regno);
		return -KBPF_EACCES;
	}
	if (m->mem_regno >= 0 && !m->mem_null) {
		int err = helper_mem(env, (uint32_t)m->mem_regno,
				     (uint32_t)r->s.umax, m->mem_write, true);

		if (err)
			return err;
	}
	/* Linux's check_mem_size_reg(): the size is precise */
	kbpf_v_mark_reg_precise(env, regno);
	return 0;
}

/*
 * Linux's process_spin_lock() for the helpers: a map value (not NULL)
 * at a constant offset that is its map's lock; bpf_spin_lock records the
 * lock held (a second one never gets here: the call itself is refused
 * while one is held), bpf_spin_unlock must name the one held, through the
 * same lookup (the pointer's id).
 */
static int process_spin_lock(struct venv *env, uint32_t regno, bool is_lock)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	struct vstate *st = env->cur;
	int64_t off;

	if (r->type != T_MAP_VALUE || (r->flags & VF_NULL))
		return type_error(env, regno, "map_value, ptr_");
	if (!kbpf_scalar_is_const(&r->s)) {
		kbpf_vlog_printf(
			env->log,
			"R%u doesn't have constant offset. bpf_spin_lock has to be at the constant offset\n",
			regno);
		return -KBPF_EINVAL;
	}
	if (!r->map->btf) {
		kbpf_vlog_printf(
			env->log,
			"map '%s' has to have BTF in order to use bpf_spin_lock\n",
			r->map->name);
		return -KBPF_EINVAL;
	}
	if (!kbpf_map_has_spin_lock(r->map)) {
		kbpf_vlog_printf(env->log,
				 "map '%s' has no valid bpf_spin_lock\n",
				 r->map->name);
		return -KBPF_EINVAL;
	}
	off = (int64_t)r->s.var.value + r->off;
	if (off != r->map->spin_lock_off) {
		kbpf_vlog_printf(
			env->log,
			"off %lld doesn't point to 'struct bpf_spin_lock' that is at %d\n",
			(long long)off, r->map->spin_lock_off);
		return -KBPF_EINVAL;
	}
	if (is_lock) {
		if (st->lock_map) {
			kbpf_vlog_printf(
				env->log,
				"Locking two bpf_spin_locks are not allowed\n");
			return -KBPF_EINVAL;
		}
		st->lock_map = r->map;
		st->lock_id = r->id;
		return 0;
	}
	if (!st->lock_map) {
		kbpf_vlog_printf(env->log,
				 "bpf_spin_unlock without taking a lock\n");
		return -KBPF_EINVAL;
	}
	if (st->lock_map != r->map || st->lock_id != r->id) {
		kbpf_vlog_printf(env->log,
				 "bpf_spin_unlock of different lock\n");
		return -KBPF_EINVAL;
	}
	st->lock_map = NULL;
	st->lock_id = 0;
	return 0;
}

static int check_arg(struct venv *env, const struct kbpf_helper *fn,
		     uint32_t id, uint32_t i, struct call_meta *m)
{
	uint32_t regno = i + 1;
	struct vreg *r = &CUR_REGS(env)[regno];
	enum kbpf_arg_kind kind = fn->args[i];
	int err;

	err = kbpf_v_check_read(env, regno);
	if (err)
		return err;
	if (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s)) {
		m->is_const[regno] = true;
		m->const_arg[regno] = r->s.var.value;
	}
	switch (kind) {
	case KBPF_ARG_NONE:
		return 0;
	case KBPF_ARG_ANYTHING:
		if (!env->allow_ptr_leaks && kbpf_v_is_ptr(r)) {
			kbpf_vlog_printf(
				env->log,
				"R%u leaks addr into helper function\n", regno);
			return -KBPF_EACCES;
		}
		return 0;
	case KBPF_ARG_UNSAFE_PTR:
		return 0;
	case KBPF_ARG_CONST_MAP_PTR:
		if (r->type != T_MAP_PTR || (r->flags & VF_NULL))
			return type_error(env, regno, "map_ptr");
		if (!r->map) {
			kbpf_vlog_printf(
				env->log,
				"kbpf: verifier v0 does not track inner maps (R%u)\n",
				regno);
			return -KBPF_EINVAL;
		}
		m->map = r->map;
		return kbpf_v_timer_map_arg(env, regno, m->timer_map, r->map);
	case KBPF_ARG_PTR_TO_TIMER:
		return kbpf_v_timer_arg(env, regno, &m->timer_map);
	case KBPF_ARG_KPTR_XCHG_DEST:
		return kbpf_v_kptr_xchg_dest(env, regno, &m->kptr);
	case KBPF_ARG_PTR_TO_BTF_ID_OR_NULL_RELEASE:
		return kbpf_v_kptr_xchg_src(env, regno, m->kptr,
					    &m->release_ref);
	case KBPF_ARG_PTR_TO_SOCK_COMMON:
	case KBPF_ARG_PTR_TO_SOCK_RELEASE:
		/*
		 * Linux's sock_types and btf_id_sock_common_types: any
		 * socket pointer, not NULL (the release also takes a BTF
		 * socket, which kbpf never gives a reference to).
		 */
		if (!kbpf_v_is_sock(r) || (r->flags & VF_NULL)) {
			if (kind == KBPF_ARG_PTR_TO_SOCK_COMMON)
				return type_error(
					env, regno,
					"sock_common, sock, tcp_sock, xdp_sock");
			if (r->type != T_BTF_ID || (r->flags & VF_NULL))
				return type_error(
					env, regno,
					"sock_common, sock, tcp_sock, xdp_sock, ptr_, trusted_ptr_");
		}
		/*
		 * A referenced BTF pointer here is no socket (kbpf gives BTF
		 * sockets no reference): an acquired task, a kptr. Linux's
		 * type match refuses those; releasing one as a socket would
		 * free what is not one.
		 */
		if (r->type == T_BTF_ID && r->ref_obj_id) {
			kbpf_vlog_printf(
				env->log,
				"R%u is of type %s but sock_common is expected\n",
				regno, kbpf_v_btf_type_name(env, r->btf_id));
			return -KBPF_EACCES;
		}
		if (kind == KBPF_ARG_PTR_TO_SOCK_RELEASE) {
			if (!r->ref_obj_id) {
				kbpf_vlog_printf(
					env->log,
					"R%u must be referenced when passed to release function\n",
					regno);
				return -KBPF_EINVAL;
			}
			m->release_ref = r->ref_obj_id;
		}
		m->sock_ref = r->ref_obj_id;
		return 0;
	case KBPF_ARG_PTR_TO_MAP_VALUE_OR_NULL:
		/* The storage helpers' init value (Linux: may be NULL). */
		if (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
		    !r->s.var.value)
			return 0;
		kind = KBPF_ARG_PTR_TO_MAP_VALUE;
		/* fallthrough */
	case KBPF_ARG_PTR_TO_MAP_KEY:
	case KBPF_ARG_PTR_TO_MAP_VALUE:
	case KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE:
		if (!m->map) {
			kbpf_vlog_printf(env->log,
					 "invalid map_ptr to access map->%s\n",
					 kind == KBPF_ARG_PTR_TO_MAP_KEY ?
						 "key" :
						 "value");
			return -KBPF_EACCES;
		}
		if (!is_mem_type(r) || r->type == T_MEM)
			return type_error(
				env, regno,
				"fp, pkt, pkt_meta, map_key, map_value");
		if (kind == KBPF_ARG_PTR_TO_MAP_KEY)
			m->key_known = const_stack_key(env, r, m->map, &m->key);
		return helper_mem(env, regno,
				  kind == KBPF_ARG_PTR_TO_MAP_KEY ?
					  m->map->key_size :
					  m->map->value_size,
				  kind == KBPF_ARG_PTR_TO_UNINIT_MAP_VALUE,
				  false);
	case KBPF_ARG_PTR_TO_MEM_OR_NULL:
	case KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL:
		if (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
		    !r->s.var.value) {
			m->mem_regno = (int)regno;
			m->mem_null = true;
			return 0;
		}
		/* fallthrough */
	case KBPF_ARG_PTR_TO_MEM:
	case KBPF_ARG_PTR_TO_UNINIT_MEM:
		if (!is_mem_type(r))
			return type_error(env, regno, MEM_TYPES);
		m->mem_regno = (int)regno;
		m->mem_null = false;
		m->mem_write = kind == KBPF_ARG_PTR_TO_UNINIT_MEM ||
			       kind == KBPF_ARG_PTR_TO_UNINIT_MEM_OR_NULL;
		return 0;
	case KBPF_ARG_CONST_SIZE:
	case KBPF_ARG_CONST_SIZE_OR_ZERO:
		err = check_size_arg(env, regno, m,
				     kind == KBPF_ARG_CONST_SIZE_OR_ZERO);
		m->mem_regno = -1;
		return err;
	case KBPF_ARG_PTR_TO_CTX:
		if (r->type != T_CTX)
			return type_error(env, regno, "ctx");
		if (r->off || !kbpf_scalar_is_const(&r->s) || r->s.var.value) {
			kbpf_vlog_printf(
				env->log,
				"dereference of modified ctx ptr R%u off=%d disallowed\n",
				regno, r->off);
			return -KBPF_EACCES;
		}
		return 0;
	case KBPF_ARG_PTR_TO_FUNC:
		if (r->type != T_FUNC)
			return type_error(env, regno, "func");
		m->func_regno = (int)regno;
		return 0;
	case KBPF_ARG_PTR_TO_STACK_OR_NULL:
		if (r->type == T_SCALAR && kbpf_scalar_is_const(&r->s) &&
		    !r->s.var.value)
			return 0;
		if (r->type != T_STACK)
			return type_error(env, regno, "fp");
		return 0;
	case KBPF_ARG_PTR_TO_RINGBUF_MEM:
		if (r->type != T_MEM || !(r->flags & VF_RINGBUF) ||
		    (r->flags & VF_NULL))
			return type_error(env, regno, "ringbuf_mem");
		if (r->off || !kbpf_scalar_is_const(&r->s) || r->s.var.value) {
			kbpf_vlog_printf(
				env->log,
				"R%u must have zero offset when passed to release func\n",
				regno);
			return -KBPF_EINVAL;
		}
		m->release_ref = r->ref_obj_id;
		return 0;
	case KBPF_ARG_PTR_TO_DYNPTR:
	case KBPF_ARG_PTR_TO_DYNPTR_RDONLY:
		return kbpf_v_dynptr_arg(env, regno, id,
					 kind == KBPF_ARG_PTR_TO_DYNPTR_RDONLY,
					 &m->dyn);
	case KBPF_ARG_PTR_TO_LONG:
		if (!is_mem_type(r))
			return type_error(env, regno, MEM_TYPES);
		return helper_mem(env, regno, 8, true, false);
	case KBPF_ARG_PTR_TO_U32: {
		int err;

		if (!is_mem_type(r))
			return type_error(env, regno, MEM_TYPES);
		/* Linux: read (initialised bytes), written, strictly aligned. */
		err = helper_mem(env, regno, 4, false, false);
		if (!err)
			err = helper_mem(env, regno, 4, true, false);
		return err ? err : strict_align(env, r, 4);
	}
	case KBPF_ARG_PTR_TO_SPIN_LOCK:
		return process_spin_lock(env, regno, id == BPF_FUNC_spin_lock);
	case KBPF_ARG_CONST_STR:
		if (r->type != T_MAP_VALUE || (r->flags & VF_NULL))
			return type_error(env, regno, "map_value");
		if (!(r->map->map_flags & BPF_F_RDONLY_PROG)) {
			kbpf_vlog_printf(
				env->log,
				"R%u does not point to a readonly map'\n",
				regno);
			return -KBPF_EACCES;
		}
		return 0;
	}
	(void)id;
	return 0;
}

static void release_ref(struct venv *env, uint32_t ref)
{
	struct vstate *st = env->cur;

	for (uint32_t i = 0; i < st->nr_refs; i++) {
		if (st->refs[i].id == ref) {
			st->refs[i] = st->refs[--st->nr_refs];
			break;
		}
	}
	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		struct vframe *f = st->frames[fr];

		for (uint32_t i = 0; i < 11; i++)
			if (f->regs[i].ref_obj_id == ref) {
				if (env->allow_ptr_leaks)
					kbpf_v_mark_unknown(&f->regs[i]);
				else
					kbpf_v_mark_not_init(&f->regs[i]);
			}
		for (uint32_t k = 0; k < V_SLOTS; k++)
			if (f->slot[k * 8] == SLOT_SPILL &&
			    f->spill[k].ref_obj_id == ref) {
				for (uint32_t b = 0; b < 8; b++)
					f->slot[k * 8 + b] = SLOT_MISC;
			}
	}
}

void kbpf_v_release_ref(struct venv *env, uint32_t ref)
{
	release_ref(env, ref);
}

/*
 * Linux's bpf_helper_changes_pkt_data(): helpers after which the packet
 * may have moved or changed size (among those kbpf has).
 */
static bool helper_changes_pkt_data(uint32_t id)
{
	switch (id) {
	case BPF_FUNC_skb_store_bytes:
	case BPF_FUNC_skb_pull_data:
	case BPF_FUNC_l3_csum_replace:
	case BPF_FUNC_l4_csum_replace:
	case BPF_FUNC_skb_vlan_push:
	case BPF_FUNC_skb_vlan_pop:
	case BPF_FUNC_skb_change_tail:
	case BPF_FUNC_skb_change_head:
	case BPF_FUNC_skb_change_proto:
	case BPF_FUNC_skb_adjust_room:
	case BPF_FUNC_xdp_adjust_head:
	case BPF_FUNC_xdp_adjust_meta:
	case BPF_FUNC_xdp_adjust_tail:
		return true;
	default:
		return false;
	}
}

/*
 * Linux's clear_all_pkt_pointers(): every packet pointer, in registers
 * and spilled, in every frame, becomes invalid (an unknown scalar where
 * pointers may leak, else uninitialised), as mark_reg_invalid() does.
 */
static void clear_pkt_pointers(struct venv *env)
{
	struct vstate *st = env->cur;

	for (uint32_t fr = 0; fr <= st->curframe; fr++) {
		struct vframe *f = st->frames[fr];

		for (uint32_t i = 0; i < 11; i++) {
			struct vreg *r = &f->regs[i];

			if (r->type != T_PKT && r->type != T_PKT_META &&
			    r->type != T_PKT_END)
				continue;
			if (env->allow_ptr_leaks)
				kbpf_v_mark_unknown(r);
			else
				kbpf_v_mark_not_init(r);
		}
		for (uint32_t k = 0; k < V_SLOTS; k++) {
			struct vreg *r = &f->spill[k];

			if (f->slot[k * 8] != SLOT_SPILL ||
			    (r->type != T_PKT && r->type != T_PKT_META &&
			     r->type != T_PKT_END))
				continue;
			if (env->allow_ptr_leaks)
				kbpf_v_mark_unknown(r);
			else
				kbpf_v_mark_not_init(r);
		}
	}
}

/* Linux's check_resource_leak(): each reference held, then why. */
static int ref_leak(struct venv *env, const char *what)
{
	const struct vstate *st = env->cur;

	for (uint32_t i = 0; i < st->nr_refs; i++)
		kbpf_vlog_printf(env->log,
				 "Unreleased reference id=%u alloc_insn=%u\n",
				 st->refs[i].id, st->refs[i].insn);
	kbpf_vlog_printf(env->log, "%s would lead to reference leak\n", what);
	return -KBPF_EINVAL;
}

static int push_frame(struct venv *env, uint32_t callsite, uint32_t callback,
		      struct vframe **out)
{
	struct vstate *st = env->cur;
	struct vframe *f;

	if (st->curframe + 1 >= V_MAX_FRAMES) {
		kbpf_vlog_printf(env->log,
				 "the call stack of %u frames is too deep !\n",
				 st->curframe + 2);
		return -KBPF_E2BIG;
	}
	f = kbpf_zalloc(env->h, sizeof(*f), 0);
	if (!f)
		return -KBPF_ENOMEM;
	for (int i = 0; i < 11; i++)
		kbpf_v_mark_not_init(&f->regs[i]);
	f->regs[10].type = T_STACK;
	kbpf_scalar_const(&f->regs[10].s, 0);
	f->regs[10].frameno = (uint8_t)(st->curframe + 1);
	f->callsite = callsite;
	f->callback = callback;
	st->frames[++st->curframe] = f;
	*out = f;
	return 0;
}

const struct kbpf_map *kbpf_v_inner_meta(struct venv *env,
					 const struct kbpf_map *outer)
{
	uint32_t i;

	for (i = 0; i < env->nr_inner; i++)
		if (env->inner_outer[i] == outer)
			return &env->inner[i];
	if (i == V_MAX_INNER || kbpf_map_inner_meta(outer, &env->inner[i]))
		return NULL;
	memcpy(env->inner[i].name, outer->name, sizeof(env->inner[i].name));
	env->inner_outer[i] = outer;
	env->nr_inner++;
	return &env->inner[i];
}

int kbpf_v_check_helper_call(struct venv *env, uint32_t *pc)
{
	uint32_t call_pc = *pc;
	const struct bpf_insn *insn = &env->insns[call_pc];
	uint32_t id = (uint32_t)insn->imm;
	const struct kbpf_helper *fn;
	struct call_meta m;
	struct vbt args_bt;
	struct vreg *regs, r0, caller_ctx;
	int err;

	/* Linux's do_check(): under a bpf_spin_lock only the unlock. */
	if (env->cur->lock_map && (insn->src_reg == BPF_PSEUDO_KFUNC_CALL ||
				   id != BPF_FUNC_spin_unlock)) {
		kbpf_vlog_printf(
			env->log,
			"function calls are not allowed while holding a lock\n");
		return -KBPF_EINVAL;
	}
	if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL)
		return kbpf_v_check_kfunc_call(env, pc);
	fn = kbpf_helper_find(env->prog, id);
	if (!fn) {
		kbpf_log_no_helper(env->log, insn->imm);
		return -KBPF_EINVAL;
	}
	/*
	 * Under ENFORCE the structural check left these to the walk, so
	 * that, as in Linux, a call on no path is not refused and an error
	 * earlier on the path is reported first.
	 */
	if (!kbpf_helper_prog_ok(env->prog, id, fn) ||
	    (fn->priv & env->prog->priv) != fn->priv) {
		kbpf_vlog_printf(
			env->log,
			"program of this type cannot use helper bpf_%s#%d\n",
			fn->name, insn->imm);
		return -KBPF_EINVAL;
	}
	if (fn->gpl_only && !env->prog->gpl_compatible) {
		kbpf_vlog_printf(
			env->log,
			"cannot call GPL-restricted function from non-GPL compatible program\n");
		return -KBPF_EINVAL;
	}
	memset(&m, 0, sizeof(m));
	m.mem_regno = -1;
	m.func_regno = -1;
	m.dyn.slot = -1;
	/*
	 * Linux's bpf_trace_printk declares two arguments (the rest are
	 * "don't care": bpf_printk with fewer values leaves them unset);
	 * kbpf's table lists five for checked mode.
	 */
	/* the scalar arguments, as they come (marked after the checks) */
	memset(&args_bt, 0, sizeof(args_bt));
	regs = CUR_REGS(env);
	for (int i = 1; i <= 5; i++)
		if (regs[i].type == T_SCALAR)
			args_bt.regs[env->cur->curframe] |= (uint16_t)(1u << i);
	for (uint32_t i = 0; i < (id == BPF_FUNC_trace_printk ? 2u : 5u) &&
			     fn->args[i] != KBPF_ARG_NONE;
	     i++) {
		err = check_arg(env, fn, id, i, &m);
		if (err)
			return err;
		/*
		 * Linux's ARG_CONST_ALLOC_SIZE_OR_ZERO: a constant size,
		 * then marked precise (sizes: check_size_arg()).
		 */
		if (id == BPF_FUNC_ringbuf_reserve && i == 1 &&
		    m.is_const[i + 1])
			kbpf_v_mark_reg_precise(env, i + 1);
	}
	/*
	 * Linux's record_func_key(): a tail call's constant index within
	 * the array is marked precise (the checks Linux makes in between
	 * cannot fail for a program array).
	 */
	if (id == BPF_FUNC_tail_call && m.map && m.is_const[3] &&
	    m.const_arg[3] < m.map->max_entries)
		kbpf_v_mark_reg_precise(env, 3);
	{
		/*
		 * Sizes, flags, constants, counts: a helper's scalar
		 * arguments decide what it may do. Linux marks fewer (the
		 * walks above and check_size_arg()'s, each with its lines):
		 * this walk, kbpf's own, prints none.
		 */
		env->bt_quiet = true;
		kbpf_v_mark_precise(env, &args_bt);
		env->bt_quiet = false;
	}
	err = kbpf_helper_call_check(fn, env->prog, env->log);
	if (err)
		return err;
	/* Linux: record_func_map() before check_map_func_compatibility(). */
	if (m.map && (m.map->map_flags & BPF_F_RDONLY_PROG) &&
	    helper_writes_map(id)) {
		kbpf_vlog_printf(env->log, "write into map forbidden\n");
		return -KBPF_EACCES;
	}
	if (m.map && !map_func_ok(m.map->map_type, id)) {
		kbpf_vlog_printf(
			env->log, "cannot pass map_type %u into func %s#%u\n",
			m.map->map_type,
			kbpf_helper_name(id) ? kbpf_helper_name(id) : "unknown",
			id);
		return -KBPF_EINVAL;
	}
	/*
	 * Linux: bpf_get_local_storage() cannot fail, so its flags must be
	 * known to be 0.
	 */
	if (id == BPF_FUNC_get_local_storage &&
	    !(CUR_REGS(env)[2].type == T_SCALAR &&
	      kbpf_scalar_is_const(&CUR_REGS(env)[2].s) &&
	      !CUR_REGS(env)[2].s.var.value)) {
		kbpf_vlog_printf(
			env->log,
			"get_local_storage() doesn't support non-zero flags\n");
		return -KBPF_EINVAL;
	}
	if (id == BPF_FUNC_dynptr_from_mem &&
	    CUR_REGS(env)[1].type != T_MAP_VALUE) {
		char buf[32];

		kbpf_vlog_printf(
			env->log,
			"Unsupported reg type %s for bpf_dynptr_from_mem data\n",
			kbpf_v_type_str(&CUR_REGS(env)[1], buf, sizeof(buf)));
		return -KBPF_EACCES;
	}
	if (id == BPF_FUNC_tail_call && env->cur->nr_refs)
		return ref_leak(env, "tail_call");
	if (m.release_ref)
		release_ref(env, m.release_ref);
	if (m.dyn.slot >= 0 && m.dyn.release)
		kbpf_v_dynptr_release(env, &m.dyn);
	regs = CUR_REGS(env);
	caller_ctx = regs[3];
	/* r0 from the result kind (computed before r1-r5 go). */
	kbpf_v_mark_unknown(&r0);
	switch (fn->ret) {
	case KBPF_RET_VOID:
		kbpf_v_mark_not_init(&r0);
		break;
	case KBPF_RET_PTR_TO_MAP_VALUE_OR_NULL:
		memset(&r0, 0, sizeof(r0));
		kbpf_scalar_const(&r0.s, 0);
		r0.flags = VF_NULL;
		r0.id = ++env->id_gen;
		/*
		 * An array's element at a constant index in range exists;
		 * bpf_get_local_storage never returns NULL (Linux's
		 * RET_PTR_TO_MAP_VALUE).
		 */
		if ((id == BPF_FUNC_map_lookup_elem && m.map && m.key_known &&
		     (m.map->map_type == BPF_MAP_TYPE_ARRAY ||
		      m.map->map_type == BPF_MAP_TYPE_PERCPU_ARRAY) &&
		     m.key < m.map->max_entries) ||
		    id == BPF_FUNC_get_local_storage) {
			r0.flags = 0;
			/*
			 * As Linux: a value with a lock keeps an identity;
			 * another needs none, and takes no number.
			 */
			if (!kbpf_map_has_spin_lock(m.map)) {
				r0.id = 0;
				env->id_gen--;
			}
		}
		r0.type = T_MAP_VALUE;
		r0.map = m.map;
		/*
		 * A map-in-map's: the inner map or NULL (Linux 6.18:
		 * map_ptr_or_null of the outer map's inner_map_meta).
		 */
		if (m.map && kbpf_map_is_map_in_map(m.map)) {
			r0.type = T_MAP_PTR;
			r0.map = kbpf_v_inner_meta(env, m.map);
			if (!r0.map) {
				kbpf_vlog_printf(
					env->log,
					"kbpf: more than %u map-in-map maps\n",
					V_MAX_INNER);
				return -KBPF_E2BIG;
			}
		}
		break;
	case KBPF_RET_PTR_TO_MEM_OR_NULL: {
		uint32_t sreg = id == BPF_FUNC_ringbuf_reserve ? 2 : 3;

		if (!m.is_const[sreg]) {
			kbpf_vlog_printf(env->log,
					 "R%u is not a known constant'\n",
					 sreg);
			return -KBPF_EACCES;
		}
		memset(&r0, 0, sizeof(r0));
		kbpf_scalar_const(&r0.s, 0);
		r0.type = T_MEM;
		r0.flags = VF_NULL;
		r0.range = (uint32_t)m.const_arg[sreg];
		r0.id = ++env->id_gen;
		if (id == BPF_FUNC_dynptr_data && m.dyn.slot >= 0) {
			/* a slice: dies with its dynptr and its reference */
			r0.subprog = m.dyn.id;
			r0.ref_obj_id = m.dyn.ref;
		}
		if (id == BPF_FUNC_ringbuf_reserve) {
			struct vstate *st = env->cur;

			/* Linux numbers the reference after the null id. */
			r0.id = ++env->id_gen;
			if (st->nr_refs >= V_MAX_REFS) {
				kbpf_vlog_printf(env->log,
						 "kbpf: too many references\n");
				return -KBPF_EINVAL;
			}
			r0.flags |= VF_RINGBUF;
			r0.ref_obj_id = r0.id;
			st->refs[st->nr_refs].id = r0.id;
			st->refs[st->nr_refs].insn = call_pc;
			st->nr_refs++;
		}
		break;
	}
	case KBPF_RET_PTR_TO_SOCKET_OR_NULL:
	case KBPF_RET_PTR_TO_SOCK_COMMON_OR_NULL:
	case KBPF_RET_PTR_TO_TCP_SOCK_OR_NULL:
		memset(&r0, 0, sizeof(r0));
		kbpf_scalar_const(&r0.s, 0);
		r0.type = fn->ret == KBPF_RET_PTR_TO_SOCKET_OR_NULL ?
				  T_SOCK :
			  fn->ret == KBPF_RET_PTR_TO_TCP_SOCK_OR_NULL ?
				  T_TCP_SOCK :
				  T_SOCK_COMMON;
		r0.flags = VF_NULL;
		r0.id = ++env->id_gen;
		if (id == BPF_FUNC_sk_fullsock || id == BPF_FUNC_tcp_sock) {
			/* Linux's is_ptr_cast_function(): the same socket */
			r0.ref_obj_id = m.sock_ref;
		} else if (id == BPF_FUNC_sk_lookup_tcp ||
			   id == BPF_FUNC_sk_lookup_udp ||
			   id == BPF_FUNC_skc_lookup_tcp) {
			struct vstate *st = env->cur;

			/* acquired: numbered after the null id, as Linux */
			if (st->nr_refs >= V_MAX_REFS) {
				kbpf_vlog_printf(env->log,
						 "kbpf: too many references\n");
				return -KBPF_EINVAL;
			}
			r0.id = ++env->id_gen;
			r0.ref_obj_id = r0.id;
			st->refs[st->nr_refs].id = r0.id;
			st->refs[st->nr_refs].insn = call_pc;
			st->nr_refs++;
		}
		break;
	case KBPF_RET_PTR_TO_BTF_ID_OR_NULL:
		if (!m.kptr)
			return -KBPF_EFAULT;
		err = kbpf_v_kptr_xchg_ret(env, m.kptr, call_pc, &r0);
		if (err)
			return err;
		break;
	default:
		break;
	}
	if (m.func_regno >= 0) {
		/*
		 * A callback: as Linux, the body in a new frame waits on the
		 * branch stack while the caller goes on after the call (so
		 * an error after the call is found first).
		 */
		uint32_t sub = regs[m.func_regno].subprog;
		const struct kbpf_map *map = m.map;
		struct vstate *st = env->cur;
		struct vframe *f;

		err = push_frame(env, call_pc, id, &f);
		if (err)
			return err;
		if (id == BPF_FUNC_for_each_map_elem && map) {
			f->regs[1].type = T_MAP_PTR;
			f->regs[1].map = map;
			kbpf_scalar_const(&f->regs[1].s, 0);
			f->regs[2].type = T_MAP_KEY;
			f->regs[2].map = map;
			kbpf_scalar_const(&f->regs[2].s, 0);
			f->regs[3].type = T_MAP_VALUE;
			f->regs[3].map = map;
			f->regs[3].id = ++env->id_gen; /* as Linux numbers it */
			kbpf_scalar_const(&f->regs[3].s, 0);
			f->regs[4] = caller_ctx;
		} else if (id == BPF_FUNC_timer_set_callback && m.timer_map) {
			kbpf_v_timer_cb_state(env, f, m.timer_map);
		} else if (id == BPF_FUNC_user_ringbuf_drain) {
			f->regs[1].type = T_DYNPTR;
			kbpf_scalar_const(&f->regs[1].s, 0);
			f->regs[2] = caller_ctx;
		} else {
			kbpf_v_mark_unknown(&f->regs[1]);
			f->regs[2] = caller_ctx;
		}
		err = kbpf_v_push_branch(env, sub);
		kbpf_v_frame_free(env, f);
		st->frames[st->curframe--] = NULL;
		if (err)
			return err;
		CUR_FRAME(env)->cb_iter = 0;
	}
	for (int i = 1; i <= 5; i++)
		kbpf_v_mark_not_init(&regs[i]);
	/* bpf_get_current_task_btf(): a trusted task_struct (Linux's). */
	if (id == BPF_FUNC_get_current_task_btf) {
		err = kbpf_v_btf_ptr_named(env, "task_struct", VF_TRUSTED, &r0);
		if (err < 0)
			return err;
	}
	regs[0] = r0;
	if (helper_changes_pkt_data(id))
		clear_pkt_pointers(env);
	*pc = call_pc + 1;
	return 0;
}

int kbpf_v_check_pseudo_call(struct venv *env, uint32_t *pc)
{
	uint32_t call_pc = *pc;
	const struct bpf_insn *insn = &env->insns[call_pc];
	struct vreg *caller = CUR_REGS(env);
	struct vframe *f;
	int err;

	err = push_frame(env, call_pc, 0, &f);
	if (err)
		return err;
	for (int i = 1; i <= 5; i++)
		f->regs[i] = caller[i];
	*pc = (uint32_t)((int64_t)call_pc + insn->imm + 1);
	kbpf_v_log_call(env, false, 0);
	return 0;
}

/*
 * Linux's check_return_code() for the program types with a return range
 * (so far cgroup skb: 0..1, 0..3 for egress programs, whose bit 1 asks for
 * congestion notification; cgroup sock, device and sysctl: 0..1; cgroup
 * sock_addr by attach type, kbpf_sock_addr_ret_range()): R0 must be a scalar
 * within it at every exit, else -EINVAL with Linux's line. 1: the exit is
 * fine. An egress exit that returns only 2 or 3 binds the program to
 * egress (Linux's enforce_expected_attach_type, checked at attach).
 */
static int check_return_range(struct venv *env, const struct vreg *r0,
			      char *buf, unsigned long n)
{
	struct kbpf_prog *prog = env->prog;
	int64_t min = 0, max = 1;

	if (prog->type != BPF_PROG_TYPE_CGROUP_SKB &&
	    prog->type != BPF_PROG_TYPE_CGROUP_SOCK &&
	    prog->type != BPF_PROG_TYPE_CGROUP_SOCK_ADDR &&
	    prog->type != BPF_PROG_TYPE_CGROUP_SOCKOPT &&
	    prog->type != BPF_PROG_TYPE_CGROUP_DEVICE &&
	    prog->type != BPF_PROG_TYPE_CGROUP_SYSCTL)
		return 1;
	if (prog->type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR)
		kbpf_sock_addr_ret_range(prog->expected_attach_type, &min,
					 &max);
	/*
	 * Its value decides here, so it must be precise on this path (a
	 * program type without a range leaves r0 as it is, as Linux).
	 */
	kbpf_v_mark_reg_precise(env, 0);
	if (prog->type == BPF_PROG_TYPE_CGROUP_SKB &&
	    prog->expected_attach_type == BPF_CGROUP_INET_EGRESS) {
		max = 3;
		if (r0->type == T_SCALAR && !(r0->s.var.mask & ~1ULL) &&
		    (r0->s.var.value & ~1ULL) == 2)
			prog->enforce_expected_attach_type = true;
	}
	if (r0->type != T_SCALAR) {
		kbpf_vlog_printf(
			env->log,
			"At program exit the register R0 is not a known value (%s)\n",
			kbpf_v_type_str(r0, buf, n));
		return -KBPF_EINVAL;
	}
	if (r0->s.smin >= min && r0->s.smax <= max)
		return 1;
	kbpf_vlog_printf(env->log, "At program exit the register R0 has");
	if (r0->s.smin > INT64_MIN)
		kbpf_vlog_printf(env->log, " smin=%lld", (long long)r0->s.smin);
	if (r0->s.smax < INT64_MAX)
		kbpf_vlog_printf(env->log, " smax=%lld", (long long)r0->s.smax);
	if (r0->s.smin == INT64_MIN && r0->s.smax == INT64_MAX)
		kbpf_vlog_printf(env->log, " unknown scalar value");
	kbpf_vlog_printf(env->log, " should have been in [%lld, %lld]\n",
			 (long long)min, (long long)max);
	return -KBPF_EINVAL;
}

int kbpf_v_check_exit(struct venv *env, uint32_t *pc)
{
	struct vstate *st = env->cur;
	struct vframe *f = st->frames[st->curframe], *caller;
	struct vreg *r0 = &f->regs[0];
	char buf[32];
	int err;

	if (st->curframe) {
		err = kbpf_v_check_read(env, 0);
		if (err)
			return err;
		caller = st->frames[st->curframe - 1];
		/* A timer's callback runs on its own: its exit ends the path. */
		if (f->callback == BPF_FUNC_timer_set_callback)
			return kbpf_v_timer_cb_exit(env, r0);
		if (f->callback) {
			if (r0->type != T_SCALAR) {
				kbpf_vlog_printf(env->log,
						 "R0 not a scalar value\n");
				return -KBPF_EACCES;
			}
			/* its range is checked: its value matters */
			kbpf_v_mark_reg_precise(env, 0);
			if (r0->s.smin < 0 || r0->s.smax > 1) {
				kbpf_vlog_printf(
					env->log,
					"At callback return the register R0 has");
				if (r0->s.smin > INT64_MIN)
					kbpf_vlog_printf(env->log, " smin=%lld",
							 (long long)r0->s.smin);
				if (r0->s.smax < INT64_MAX)
					kbpf_vlog_printf(env->log, " smax=%lld",
							 (long long)r0->s.smax);
				if (r0->s.smin == INT64_MIN &&
				    r0->s.smax == INT64_MAX)
					kbpf_vlog_printf(
						env->log,
						" unknown scalar value");
				kbpf_vlog_printf(
					env->log,
					" should have been in [0, 1]\n");
				return -KBPF_EACCES;
			}
			/*
			 * As Linux: back to the call instruction, which is
			 * checked again with the caller's state as the
			 * callback left it (r1-r5 still hold the arguments):
			 * another call of the callback waits on the stack,
			 * and the caller goes on as after this many calls.
			 * The walk stops where a state at the call covers
			 * the new one (kbpf_v_is_state_visited()).
			 */
			*pc = f->callsite;
			kbpf_v_log_call(env, true, *pc);
			kbpf_v_frame_free(env, f);
			st->frames[st->curframe--] = NULL;
			if (++caller->cb_iter > V_CB_EXACT)
				kbpf_v_widen(env, st, *pc);
			return 0;
		} else {
			if (r0->type == T_STACK &&
			    r0->frameno == st->curframe) {
				kbpf_vlog_printf(
					env->log,
					"cannot return stack pointer to the caller frame\n");
				return -KBPF_EINVAL;
			}
			caller->regs[0] = *r0;
		}
		for (int i = 1; i <= 5; i++)
			kbpf_v_mark_not_init(&caller->regs[i]);
		*pc = f->callsite + 1;
		kbpf_v_log_call(env, true, *pc);
		kbpf_v_frame_free(env, f);
		st->frames[st->curframe--] = NULL;
		return 0;
	}
	if (st->lock_map) {
		kbpf_vlog_printf(
			env->log,
			"BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region\n");
		return -KBPF_EINVAL;
	}
	if (st->nr_refs)
		return ref_leak(env, "BPF_EXIT instruction in main prog");
	if (st->active_rcu) {
		kbpf_vlog_printf(
			env->log,
			"BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region\n");
		return -KBPF_EINVAL;
	}
	err = kbpf_v_check_read(env, 0);
	if (err)
		return err;
	if (!env->allow_ptr_leaks && kbpf_v_is_ptr(r0)) {
		kbpf_vlog_printf(env->log, "R0 leaks addr as return value\n");
		return -KBPF_EACCES;
	}
	return check_return_range(env, r0, buf, sizeof(buf));
}
