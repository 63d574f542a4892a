// SPDX-License-Identifier: MIT
/*
 * The load-time preprocessor and structural check. This is NOT a verifier:
 * it proves nothing about memory safety. It refuses what Linux's verifier
 * refuses for structural reasons, with Linux's log lines and errnos
 * (measured on the kernel here): malformed ld_imm64 pairs, jumps out of
 * range, a last instruction that can fall through, unknown opcodes,
 * reserved fields in use, constant division by zero, out-of-range constant
 * shifts, writes to r10, helpers the program may not call. Programs that
 * pass may still access memory wrongly: run them in checked mode unless
 * they were verified elsewhere.
 *
 * The preprocessor resolves map references in ld_imm64 (BPF_PSEUDO_MAP_FD,
 * _VALUE, _IDX, _IDX_VALUE) to kernel addresses and takes a reference on
 * each map; BPF_PSEUDO_FUNC stays as a relative offset, which the
 * interpreter turns into an instruction index.
 */
#include "kbpf/disasm.h"
#include "prog_internal.h"
#include "core/priv.h"
#include "maps/cgroup_storage.h"
#include "core/object.h"

static bool is_ldimm64(const struct bpf_insn *insn)
{
	return insn->code == (BPF_LD | BPF_IMM | BPF_DW);
}

/*
 * Linux's check_map_prog_compatibility() as far as kbpf has the map types:
 * a sleepable program may use only the map types listed there.
 */
static bool sleepable_map_ok(uint32_t map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
	case BPF_MAP_TYPE_ARENA:
		return true;
	default:
		return false;
	}
}

/*
 * Linux's __add_used_map(): a map already used is not added again; then the
 * map count limit; then the map must suit the program.
 */
static int check_add_map(struct kbpf_prog *prog, struct kbpf_map *map,
			 bool sleepable, struct kbpf_vlog *log)
{
	uint32_t i;
	int stype;

	for (i = 0; i < prog->nr_maps; i++) {
		if (prog->maps[i] == map) {
			kbpf_map_put(map); /* already held */
			return 0;
		}
	}
	if (prog->nr_maps >= KBPF_MAX_USED_MAPS) {
		kbpf_vlog_printf(
			log,
			"The total number of maps per program has reached the limit of %u\n",
			KBPF_MAX_USED_MAPS);
		kbpf_map_put(map);
		return -KBPF_E2BIG;
	}
	/* Linux's check_map_prog_compatibility(), before the sleepable rule. */
	if (kbpf_map_has_spin_lock(map) &&
	    prog->type == BPF_PROG_TYPE_SOCKET_FILTER) {
		kbpf_vlog_printf(
			log,
			"socket filter progs cannot use bpf_spin_lock yet\n");
		kbpf_map_put(map);
		return -KBPF_EINVAL;
	}
	if (kbpf_map_has_spin_lock(map) &&
	    (prog->type == BPF_PROG_TYPE_KPROBE ||
	     prog->type == BPF_PROG_TYPE_TRACEPOINT ||
	     prog->type == BPF_PROG_TYPE_PERF_EVENT ||
	     prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	     prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)) {
		kbpf_vlog_printf(
			log, "tracing progs cannot use bpf_spin_lock yet\n");
		kbpf_map_put(map);
		return -KBPF_EINVAL;
	}
	if (kbpf_map_has_timer(map) &&
	    (prog->type == BPF_PROG_TYPE_KPROBE ||
	     prog->type == BPF_PROG_TYPE_TRACEPOINT ||
	     prog->type == BPF_PROG_TYPE_PERF_EVENT ||
	     prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
	     prog->type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE)) {
		kbpf_vlog_printf(log,
				 "tracing progs cannot use bpf_timer yet\n");
		kbpf_map_put(map);
		return -KBPF_EINVAL;
	}
	if (sleepable && !sleepable_map_ok(map->map_type)) {
		kbpf_vlog_printf(
			log,
			"Sleepable programs can only use array, hash, ringbuf and local storage maps, also as inner maps\n");
		kbpf_map_put(map);
		return -KBPF_EINVAL;
	}
	prog->maps[prog->nr_maps++] = map;
	/* Linux's bpf_cgroup_storage_assign(), after the map is added. */
	stype = kbpf_cgroup_storage_type(map);
	if (stype >= 0) {
		if (prog->cg_storage[stype] && prog->cg_storage[stype] != map) {
			kbpf_vlog_printf(
				log,
				"only one cgroup storage of each type is allowed\n");
			return -KBPF_EBUSY;
		}
		prog->cg_storage[stype] = map;
	}
	return 0;
}

/* The map an ld_imm64 names, with a reference. */
static int check_map_of(const struct kbpf_host *h, const union bpf_attr *attr,
			const struct kbpf_prog_load_opts *opts,
			const struct bpf_insn *insn, struct kbpf_vlog *log,
			struct kbpf_map **map)
{
	bool by_idx = insn->src_reg == BPF_PSEUDO_MAP_IDX ||
		      insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE;
	struct kbpf_obj *obj;
	int32_t fd = insn->imm;
	int err;

	if (by_idx && opts && opts->kernel_ptrs && opts->maps) {
		if ((uint32_t)insn->imm >= opts->nr_maps) {
			kbpf_vlog_printf(log, "fd_idx %d out of range\n",
					 insn->imm);
			return -KBPF_EINVAL;
		}
		*map = opts->maps[insn->imm];
		kbpf_map_get(*map);
		return 0;
	}
	if (by_idx) {
		if (!attr->fd_array) {
			kbpf_vlog_printf(
				log, "fd_idx without fd_array is invalid\n");
			return -KBPF_EPROTO;
		}
		if (opts && opts->kernel_ptrs)
			memcpy(&fd,
			       (const int32_t *)kbpf_u64_to_ptr(
				       attr->fd_array) +
				       (uint32_t)insn->imm,
			       sizeof(fd));
		else if (kbpf_copy_from_user(h, &fd,
					     (const int32_t *)kbpf_u64_to_ptr(
						     attr->fd_array) +
						     (uint32_t)insn->imm,
					     sizeof(fd)))
			return -KBPF_EFAULT;
	}
	err = kbpf_obj_fd_get(h, fd, KBPF_OBJ_MAP, &obj, NULL);
	if (err) {
		kbpf_vlog_printf(
			log, "fd %d is not pointing to valid bpf_map\n", fd);
		return err;
	}
	*map = kbpf_container_of(obj, struct kbpf_map, obj);
	return 0;
}

static int check_ldimm64(struct kbpf_prog *prog, const struct kbpf_host *h,
			 const union bpf_attr *attr,
			 const struct kbpf_prog_load_opts *opts,
			 struct kbpf_vlog *log)
{
	struct bpf_insn *insn = prog->insns;
	uint32_t i;

	for (i = 0; i < prog->len; i++, insn++) {
		struct kbpf_map *map;
		uint64_t addr;
		int err;

		if (!is_ldimm64(insn))
			continue;
		if (i == prog->len - 1 || insn[1].code || insn[1].dst_reg ||
		    insn[1].src_reg || insn[1].off) {
			kbpf_vlog_printf(log, "invalid bpf_ld_imm64 insn\n");
			return -KBPF_EINVAL;
		}
		switch (insn->src_reg) {
		case 0:
			break;
		case BPF_PSEUDO_FUNC:
			if (insn[1].imm) {
				kbpf_vlog_printf(
					log,
					"unrecognized bpf_ld_imm64 insn\n");
				return -KBPF_EINVAL;
			}
			break;
		case BPF_PSEUDO_BTF_ID:
			kbpf_vlog_printf(
				log,
				"kbpf: ld_imm64 of a kernel symbol (BPF_PSEUDO_BTF_ID) is not supported\n");
			return -KBPF_EINVAL;
		case BPF_PSEUDO_MAP_FD:
		case BPF_PSEUDO_MAP_IDX:
		case BPF_PSEUDO_MAP_VALUE:
		case BPF_PSEUDO_MAP_IDX_VALUE:
			if ((insn->src_reg == BPF_PSEUDO_MAP_FD ||
			     insn->src_reg == BPF_PSEUDO_MAP_IDX) &&
			    insn[1].imm) {
				kbpf_vlog_printf(
					log,
					"unrecognized bpf_ld_imm64 insn\n");
				return -KBPF_EINVAL;
			}
			err = check_map_of(h, attr, opts, insn, log, &map);
			if (err)
				return err;
			addr = (uint64_t)(uintptr_t)map;
			if (insn->src_reg == BPF_PSEUDO_MAP_VALUE ||
			    insn->src_reg == BPF_PSEUDO_MAP_IDX_VALUE) {
				uint32_t off = (uint32_t)insn[1].imm;

				if (!map->ops->direct_value_addr) {
					kbpf_vlog_printf(
						log,
						"no direct value access support for this map type\n");
					kbpf_map_put(map);
					return -KBPF_EINVAL;
				}
				err = map->ops->direct_value_addr(map, &addr,
								  off);
				if (err) {
					kbpf_vlog_printf(
						log,
						"invalid access to map value pointer, value_size=%u off=%u\n",
						map->value_size, off);
					kbpf_map_put(map);
					return err;
				}
			}
			err = check_add_map(
				prog, map,
				!!(attr->prog_flags & BPF_F_SLEEPABLE), log);
			if (err)
				return err;
			insn[0].imm = (int32_t)(uint32_t)addr;
			insn[1].imm = (int32_t)(uint32_t)(addr >> 32);
			break;
		default:
			kbpf_vlog_printf(log,
					 "unrecognized bpf_ld_imm64 insn\n");
			return -KBPF_EINVAL;
		}
		i++;
		insn++;
	}
	return 0;
}

static bool is_jump_or_ja(uint8_t code)
{
	return code == (BPF_JMP | BPF_EXIT) || code == (BPF_JMP | BPF_JA) ||
	       code == (BPF_JMP32 | BPF_JA);
}

/*
 * Linux's add_subprog_and_kfunc() and check_subprogs(): subprograms start
 * at insn 0 and at every bpf-to-bpf call target and BPF_PSEUDO_FUNC
 * address; every jump stays inside its subprogram, and no subprogram may
 * fall through into the next.
 */
static int check_subprogs(struct kbpf_prog *prog, const struct kbpf_host *h,
			  const union bpf_attr *attr, struct kbpf_vlog *log)
{
	const struct bpf_insn *insns = prog->insns;
	uint32_t i, len = prog->len, start = 0, end;
	size_t bytes = (len + 8) / 8;
	uint8_t *starts;
	int err = 0;

	starts = kbpf_zalloc(h, bytes, 0);
	if (!starts)
		return -KBPF_ENOMEM;
	for (i = 0; i < len; i++) {
		const struct bpf_insn *in = &insns[i];
		int64_t t = (int64_t)i + in->imm + 1;

		bool kfunc = in->code == (BPF_JMP | BPF_CALL) &&
			     in->src_reg == BPF_PSEUDO_KFUNC_CALL;

		if (!((in->code == (BPF_JMP | BPF_CALL) &&
		       in->src_reg == BPF_PSEUDO_CALL) ||
		      (is_ldimm64(in) && in->src_reg == BPF_PSEUDO_FUNC)) &&
		    !kfunc)
			continue;
		if (!(prog->priv & KBPF_PRIV_BPF)) {
			kbpf_vlog_printf(
				log,
				"loading/calling other bpf or kernel functions are allowed for CAP_BPF and CAP_SYS_ADMIN\n");
			err = -KBPF_EPERM;
			goto out;
		}
		if (kfunc) {
			err = kbpf_prog_kfunc_add(prog, h, attr, in, log);
			if (err)
				goto out;
			continue;
		}
		if (t < 0 || t >= len) {
			kbpf_vlog_printf(log, "call to invalid destination\n");
			err = -KBPF_EINVAL;
			goto out;
		}
		starts[t / 8] |= (uint8_t)(1u << (t % 8));
	}
	/* Linux lists the subprograms at BPF_LOG_LEVEL2 before checking them. */
	if (log->level & KBPF_LOG_LEVEL2) {
		uint32_t n = 0;

		for (i = 0; i < len; i++)
			if (!i || (starts[i / 8] & (1u << (i % 8))))
				kbpf_vlog_printf(log, "func#%u @%u\n", n++, i);
	}
	starts[len / 8] |= (uint8_t)(1u << (len % 8)); /* sentinel */
	for (end = 1; !(starts[end / 8] & (1u << (end % 8))); end++)
		;
	for (i = 0; i < len; i++) {
		uint8_t code = insns[i].code, cls = BPF_CLASS(code);
		int64_t t;

		if ((cls == BPF_JMP || cls == BPF_JMP32) &&
		    BPF_OP(code) != BPF_EXIT && BPF_OP(code) != BPF_CALL) {
			t = (int64_t)i + 1 +
			    (code == (BPF_JMP32 | BPF_JA) ? insns[i].imm :
							    insns[i].off);
			if (t < start || t >= end) {
				kbpf_vlog_printf(
					log,
					"jump out of range from insn %u to %lld\n",
					i, (long long)t);
				err = -KBPF_EINVAL;
				goto out;
			}
		}
		if (i == end - 1) {
			if (!is_jump_or_ja(code)) {
				kbpf_vlog_printf(
					log,
					"last insn is not an exit or jmp\n");
				err = -KBPF_EINVAL;
				goto out;
			}
			start = end;
			if (end < len)
				for (end++;
				     !(starts[end / 8] & (1u << (end % 8)));
				     end++)
					;
		}
	}
out:
	kbpf_free(h, starts, bytes);
	return err;
}

/* Linux's check_cfg() on ld_imm64: no jump lands on its second half. */
static int check_jump_targets(const struct kbpf_prog *prog,
			      struct kbpf_vlog *log)
{
	const struct bpf_insn *insns = prog->insns;
	uint32_t i, len = prog->len;

	for (i = 0; i < len; i++) {
		uint8_t code = insns[i].code, cls = BPF_CLASS(code);
		int64_t t;

		if ((cls != BPF_JMP && cls != BPF_JMP32) ||
		    BPF_OP(code) == BPF_EXIT ||
		    (BPF_OP(code) == BPF_CALL &&
		     insns[i].src_reg != BPF_PSEUDO_CALL))
			continue;
		t = (int64_t)i + 1 +
		    (BPF_OP(code) == BPF_CALL || code == (BPF_JMP32 | BPF_JA) ?
			     insns[i].imm :
			     insns[i].off);
		if (t > 0 && t < len && is_ldimm64(&insns[t - 1])) {
			kbpf_vlog_printf(
				log,
				"jump into the middle of ldimm64 insn %lld\n",
				(long long)(t - 1));
			return -KBPF_EINVAL;
		}
	}
	return 0;
}

/*
 * Linux's check_cfg() for loaders without CAP_BPF: no loops. A depth-first
 * walk from insn 0 in Linux's order (fall-through before the branch)
 * reports the first edge back to an instruction still on the walk's path.
 * Only instructions reachable from insn 0 are walked; kbpf does not refuse
 * unreachable ones (Linux does, for every loader).
 */
static int check_back_edges(const struct kbpf_prog *prog,
			    const struct kbpf_host *h, struct kbpf_vlog *log)
{
	const struct bpf_insn *insns = prog->insns;
	uint32_t len = prog->len, sp = 0, t, w, next[2], n;
	size_t bytes = (size_t)len * (sizeof(uint32_t) + 2);
	uint32_t *stack;
	uint8_t *state, *edge;
	int err = 0;

	if (prog->priv & KBPF_PRIV_BPF)
		return 0;
	stack = kbpf_malloc(h, bytes, KBPF_ALLOC_ZERO);
	if (!stack)
		return -KBPF_ENOMEM;
	state = (uint8_t *)(stack + len); /* 0 new, 1 on path, 2 done */
	edge = state + len; /* successors already followed */
	stack[sp++] = 0;
	state[0] = 1;
	while (sp) {
		const struct bpf_insn *in;
		uint8_t cls, op;

		t = stack[sp - 1];
		in = &insns[t];
		cls = BPF_CLASS(in->code);
		op = BPF_OP(in->code);
		n = 0;
		if (is_ldimm64(in)) {
			next[n++] = t + 2;
		} else if (cls != BPF_JMP && cls != BPF_JMP32) {
			next[n++] = t + 1;
		} else if (op == BPF_EXIT) {
			/* no successor */
		} else if (op == BPF_CALL) {
			next[n++] = t + 1;
		} else if (op == BPF_JA) {
			next[n++] = (uint32_t)((int64_t)t + 1 +
					       (cls == BPF_JMP32 ? in->imm :
								   in->off));
		} else {
			next[n++] = t + 1;
			next[n++] = (uint32_t)((int64_t)t + 1 + in->off);
		}
		if (edge[t] >= n) {
			state[t] = 2;
			sp--;
			continue;
		}
		w = next[edge[t]++];
		if (w >= len)
			continue; /* check_subprogs() refused such jumps */
		if (state[w] == 1) {
			kbpf_vlog_printf(log, "back-edge from insn %u to %u\n",
					 t, w);
			err = -KBPF_EINVAL;
			break;
		}
		if (!state[w]) {
			state[w] = 1;
			stack[sp++] = w;
		}
	}
	kbpf_free(h, stack, bytes);
	return err;
}

#define RESERVED(what)                                                    \
	do {                                                              \
		kbpf_vlog_printf(log, "%s uses reserved fields\n", what); \
		return -KBPF_EINVAL;                                      \
	} while (0)

static int check_alu(const struct bpf_insn *insn, struct kbpf_vlog *log)
{
	uint8_t op = BPF_OP(insn->code);
	bool alu64 = BPF_CLASS(insn->code) == BPF_ALU64;
	bool x = BPF_SRC(insn->code) == BPF_X;

	switch (op) {
	case BPF_NEG:
		if (x || insn->src_reg || insn->off || insn->imm)
			RESERVED("BPF_NEG");
		return 0;
	case BPF_END:
		if (insn->src_reg || insn->off ||
		    (insn->imm != 16 && insn->imm != 32 && insn->imm != 64) ||
		    (alu64 && x))
			RESERVED("BPF_END");
		return 0;
	case BPF_MOV:
		if (x) {
			if (insn->imm ||
			    (insn->off && insn->off != 8 && insn->off != 16 &&
			     !(alu64 && insn->off == 32)))
				RESERVED("BPF_MOV");
		} else if (insn->src_reg || insn->off) {
			RESERVED("BPF_MOV");
		}
		return 0;
	case BPF_ADD:
	case BPF_SUB:
	case BPF_MUL:
	case BPF_OR:
	case BPF_AND:
	case BPF_LSH:
	case BPF_RSH:
	case BPF_ARSH:
	case BPF_XOR:
	case BPF_DIV:
	case BPF_MOD: {
		bool sdiv = (op == BPF_DIV || op == BPF_MOD) && insn->off == 1;

		if ((x && insn->imm) || (!x && insn->src_reg) ||
		    (insn->off && !sdiv))
			RESERVED("BPF_ALU");
		if (!x && (op == BPF_DIV || op == BPF_MOD) && insn->imm == 0) {
			kbpf_vlog_printf(log, "div by zero\n");
			return -KBPF_EINVAL;
		}
		if (!x && (op == BPF_LSH || op == BPF_RSH || op == BPF_ARSH) &&
		    (insn->imm < 0 || insn->imm >= (alu64 ? 64 : 32))) {
			kbpf_vlog_printf(log, "invalid shift %d\n", insn->imm);
			return -KBPF_EINVAL;
		}
		return 0;
	}
	default:
		return 1; /* unknown opcode */
	}
}

static int check_jmp(const struct kbpf_prog *prog, const struct bpf_insn *insn,
		     struct kbpf_vlog *log)
{
	uint8_t op = BPF_OP(insn->code);
	bool jmp32 = BPF_CLASS(insn->code) == BPF_JMP32;

	switch (op) {
	case BPF_JA:
		if (BPF_SRC(insn->code) != BPF_K || insn->src_reg ||
		    insn->dst_reg || (jmp32 ? insn->off != 0 : insn->imm != 0))
			RESERVED("BPF_JA");
		return 0;
	case BPF_EXIT:
		if (jmp32 || BPF_SRC(insn->code) != BPF_K || insn->imm ||
		    insn->src_reg || insn->dst_reg || insn->off)
			RESERVED("BPF_EXIT");
		return 0;
	case BPF_CALL: {
		const struct kbpf_helper *hp;

		if (jmp32 || BPF_SRC(insn->code) != BPF_K)
			return 1;
		if ((insn->src_reg != BPF_PSEUDO_CALL && insn->off) ||
		    (insn->src_reg && insn->src_reg != BPF_PSEUDO_CALL &&
		     insn->src_reg != BPF_PSEUDO_KFUNC_CALL) ||
		    insn->dst_reg)
			RESERVED("BPF_CALL");
		if (insn->src_reg == BPF_PSEUDO_CALL)
			return 0;
		/*
		 * Resolved by check_subprogs(); the verifier checks the call.
		 * Without it nothing would check the arguments.
		 */
		if (insn->src_reg == BPF_PSEUDO_KFUNC_CALL) {
			if (prog->obj.host->verifier != KBPF_VERIFIER_OFF)
				return 0;
			kbpf_vlog_printf(
				log,
				"kbpf: calling kernel functions (kfuncs) needs kbpf's verifier (kbpf_host.verifier)\n");
			return -KBPF_EINVAL;
		}
		if (insn->imm == KBPF_CORE_POISON_HELPER)
			return 0;
		/*
		 * Nothing at run time can tell a reference from any other
		 * value: what bpf_kptr_xchg stores, a map later hands to a
		 * destructor. Only the verifier's proof makes that safe.
		 */
		if (insn->imm == BPF_FUNC_kptr_xchg &&
		    prog->obj.host->verifier == KBPF_VERIFIER_OFF) {
			kbpf_vlog_printf(
				log,
				"kbpf: bpf_kptr_xchg needs kbpf's verifier (kbpf_host.verifier)\n");
			return -KBPF_EINVAL;
		}
		hp = kbpf_helper_find(prog, (uint32_t)insn->imm);
		if (!hp ||
		    (hp->fn == kbpf_default_helpers[BPF_FUNC_ktime_get_tai_ns]
				       .fn &&
		     !prog->obj.host->tai_ns)) {
			kbpf_log_no_helper(log, insn->imm);
			return -KBPF_EINVAL;
		}
		/*
		 * Linux: no proto for this type, or not for this loader. Its
		 * verifier says so when a path reaches the call; an enforcing
		 * verifier does the same here (src/verifier/call.c).
		 */
		if (prog->obj.host->verifier == KBPF_VERIFIER_ENFORCE)
			return 0;
		if (!kbpf_helper_prog_ok(prog, (uint32_t)insn->imm, hp) ||
		    (hp->priv & prog->priv) != hp->priv) {
			kbpf_vlog_printf(
				log,
				"program of this type cannot use helper bpf_%s#%d\n",
				hp->name, insn->imm);
			return -KBPF_EINVAL;
		}
		if (hp->gpl_only && !prog->gpl_compatible) {
			kbpf_vlog_printf(
				log,
				"cannot call GPL-restricted function from non-GPL compatible program\n");
			return -KBPF_EINVAL;
		}
		return kbpf_helper_call_check(hp, prog, log);
	}
	case BPF_JCOND:
		if (jmp32 || BPF_SRC(insn->code) != BPF_K || insn->src_reg ||
		    insn->dst_reg || insn->imm)
			RESERVED("may_goto");
		return 0;
	case BPF_JEQ:
	case BPF_JNE:
	case BPF_JGT:
	case BPF_JGE:
	case BPF_JLT:
	case BPF_JLE:
	case BPF_JSET:
	case BPF_JSGT:
	case BPF_JSGE:
	case BPF_JSLT:
	case BPF_JSLE:
		if (BPF_SRC(insn->code) == BPF_K ? insn->src_reg != 0 :
						   insn->imm != 0)
			RESERVED(jmp32 ? "BPF_JMP32" : "BPF_JMP/JMP32");
		return 0;
	default:
		return 1;
	}
}

static int check_mem(const struct kbpf_prog *prog, const struct bpf_insn *insn,
		     struct kbpf_vlog *log)
{
	uint8_t cls = BPF_CLASS(insn->code), mode = BPF_MODE(insn->code);
	uint8_t size = BPF_SIZE(insn->code);

	switch (cls) {
	case BPF_LDX:
		if (mode != BPF_MEM && !(mode == BPF_MEMSX && size != BPF_DW))
			return 1;
		if (insn->imm)
			RESERVED("BPF_LDX");
		return 0;
	case BPF_ST:
		if (mode != BPF_MEM)
			return 1;
		if (insn->src_reg)
			RESERVED("BPF_ST");
		return 0;
	case BPF_STX:
		if (mode == BPF_MEM) {
			if (insn->imm)
				RESERVED("BPF_STX");
			return 0;
		}
		if (mode != BPF_ATOMIC)
			return 1;
		switch (insn->imm) {
		case BPF_ADD:
		case BPF_ADD | BPF_FETCH:
		case BPF_AND:
		case BPF_AND | BPF_FETCH:
		case BPF_OR:
		case BPF_OR | BPF_FETCH:
		case BPF_XOR:
		case BPF_XOR | BPF_FETCH:
		case BPF_XCHG:
		case BPF_CMPXCHG:
			if (size != BPF_W && size != BPF_DW) {
				kbpf_vlog_printf(
					log, "invalid atomic operand size\n");
				return -KBPF_EINVAL;
			}
			return 0;
		case BPF_LOAD_ACQ:
		case BPF_STORE_REL:
			return 0;
		default:
			kbpf_vlog_printf(
				log,
				"BPF_ATOMIC uses invalid atomic opcode %02x\n",
				(unsigned int)insn->imm);
			return -KBPF_EINVAL;
		}
	case BPF_LD:
		if ((mode != BPF_ABS && mode != BPF_IND) || size == BPF_DW)
			return 1; /* not an opcode at all (measured) */
		/* Linux's check_ld_abs(): socket filters and tc programs
		 * only (may_access_skb: not cgroup skb), in their order. */
		if (!kbpf_prog_type_is_skb(prog->type) ||
		    prog->type == BPF_PROG_TYPE_CGROUP_SKB) {
			kbpf_vlog_printf(
				log,
				"BPF_LD_[ABS|IND] instructions not allowed for this program type\n");
			return -KBPF_EINVAL;
		}
		if (insn->dst_reg != 0 || insn->off != 0 ||
		    (mode == BPF_ABS && insn->src_reg != 0)) {
			kbpf_vlog_printf(
				log, "BPF_LD_[ABS|IND] uses reserved fields\n");
			return -KBPF_EINVAL;
		}
		return 0;
	default:
		return 1;
	}
}

/* Does @insn write its dst register (or src, for fetching atomics)? */
static bool writes_r10(const struct bpf_insn *insn)
{
	uint8_t cls = BPF_CLASS(insn->code);

	if (cls == BPF_ALU || cls == BPF_ALU64 || cls == BPF_LDX)
		return insn->dst_reg == BPF_REG_10;
	if (is_ldimm64(insn))
		return insn->dst_reg == BPF_REG_10;
	if (cls == BPF_STX && BPF_MODE(insn->code) == BPF_ATOMIC) {
		if (insn->imm == BPF_LOAD_ACQ)
			return insn->dst_reg == BPF_REG_10;
		if ((insn->imm & BPF_FETCH) && insn->imm != BPF_CMPXCHG)
			return insn->src_reg == BPF_REG_10;
	}
	return false;
}

static int check_insns(const struct kbpf_prog *prog, struct kbpf_vlog *log)
{
	uint32_t i;

	for (i = 0; i < prog->len; i++) {
		const struct bpf_insn *insn = &prog->insns[i];
		uint8_t cls = BPF_CLASS(insn->code);
		int r;

		if (insn->dst_reg > 10 || insn->src_reg > 10) {
			kbpf_vlog_printf(log, "R%u is invalid\n",
					 insn->dst_reg > 10 ? insn->dst_reg :
							      insn->src_reg);
			return -KBPF_EINVAL;
		}
		if (is_ldimm64(insn)) {
			if (insn->off) {
				kbpf_vlog_printf(
					log,
					"BPF_LD_IMM64 uses reserved fields\n");
				return -KBPF_EINVAL;
			}
			r = 0;
		} else if (cls == BPF_ALU || cls == BPF_ALU64) {
			r = check_alu(insn, log);
		} else if (cls == BPF_JMP || cls == BPF_JMP32) {
			r = check_jmp(prog, insn, log);
		} else {
			r = check_mem(prog, insn, log);
		}
		if (r > 0) {
			kbpf_vlog_printf(log, "unknown opcode %02x\n",
					 insn->code);
			return -KBPF_EINVAL;
		}
		if (r < 0)
			return r;
		if (writes_r10(insn)) {
			kbpf_vlog_printf(log, "frame pointer is read only\n");
			return -KBPF_EACCES;
		}
		if (is_ldimm64(insn))
			i++;
	}
	return 0;
}

int kbpf_prog_check(struct kbpf_prog *prog, const struct kbpf_host *h,
		    const union bpf_attr *attr,
		    const struct kbpf_prog_load_opts *opts,
		    struct kbpf_vlog *log)
{
	uint64_t t0 = h->mono_ns(h);
	int err;

	/* Linux's order: subprograms, then ld_imm64, then the CFG. */
	err = check_subprogs(prog, h, attr, log);
	if (err)
		return err;
	err = check_ldimm64(prog, h, attr, opts, log);
	if (err)
		return err;
	err = check_jump_targets(prog, log);
	if (!err)
		err = check_back_edges(prog, h, log);
	if (err)
		return err;
	err = check_insns(prog, log);
	if (err)
		return err;
	err = kbpf_prog_ctx_access(prog, h, log);
	if (err)
		return err;
	/*
	 * What Linux's log has on success that kbpf can say truthfully: at
	 * BPF_LOG_LEVEL2 each instruction checked, in the verifier's syntax
	 * (without register states: kbpf tracks none); at BPF_LOG_STATS the
	 * time the check took. A log too small for it gives -ENOSPC, as the
	 * kernel's does for the same level and size on small programs. With
	 * the verifier on, its trace says more (src/verifier/log.c).
	 */
	if ((log->level & KBPF_LOG_LEVEL2) &&
	    h->verifier == KBPF_VERIFIER_OFF) {
		char text[128];
		uint32_t i;
		int n;

		for (i = 0; i<prog->len; i += n> 0 ? (uint32_t)n : 1) {
			n = kbpf_disasm_insn(&prog->orig_insns[i],
					     prog->len - i, text, sizeof(text));
			kbpf_vlog_printf(log, "%u: %s\n", i, text);
		}
	}
	if (log->level & KBPF_LOG_STATS)
		kbpf_vlog_printf(
			log, "verification time %llu usec\n",
			(unsigned long long)((h->mono_ns(h) - t0) / 1000));
	/* With the verifier on, its "processed ..." line ends the log instead. */
	if (h->verifier == KBPF_VERIFIER_OFF)
		kbpf_vlog_printf(
			log,
			"kbpf: structural check passed: %u insns, %u maps (not a safety verifier)\n",
			prog->len, prog->nr_maps);
	return 0;
}
