// SPDX-License-Identifier: MIT
/*
 * BPF_PROG_LOAD (kernel/bpf/syscall.c bpf_prog_load() in behaviour): the
 * attribute checks in Linux's order, instruction and license copies, the
 * preprocessor and structural check with the verifier log, the tag, and
 * the program object with its map references. Also the program side of
 * BPF_OBJ_GET_INFO_BY_FD.
 *
 * Called from syscall only. A loaded program is immutable: runners on any
 * CPU read it without locks while they hold a reference.
 */
#include "interp/image.h"
#include "jit/jit_prog.h"
#include "jit/spec.h"
#include "maps/prog_array.h"
#include "prog_internal.h"
#include "core/atomic.h"
#include "core/object.h"
#include "core/priv.h"
#include "core/util.h"

#define PROG_LOAD_FLAGS                                                  \
	(BPF_F_STRICT_ALIGNMENT | BPF_F_ANY_ALIGNMENT |                  \
	 BPF_F_TEST_STATE_FREQ | BPF_F_SLEEPABLE | BPF_F_TEST_RND_HI32 | \
	 BPF_F_XDP_HAS_FRAGS | BPF_F_XDP_DEV_BOUND_ONLY |                \
	 BPF_F_TEST_REG_INVARIANTS | BPF_F_TOKEN_FD)

/* Program types kbpf loads; Linux's others give -EINVAL here. */
struct kbpf_obj *kbpf_prog_obj(struct kbpf_prog *prog)
{
	return &prog->obj;
}

struct kbpf_prog *kbpf_prog_from_obj(struct kbpf_obj *obj)
{
	if (!obj || kbpf_obj_type(obj) != KBPF_OBJ_PROG)
		return NULL;
	return kbpf_container_of(obj, struct kbpf_prog, obj);
}

bool kbpf_prog_type_supported(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_CGROUP_SKB:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_SYSCALL:
	case BPF_PROG_TYPE_TRACING:
		return true;
	default:
		return false;
	}
}

/* Linux's license_is_gpl_compatible(). */
static bool prog_license_gpl(const char *l)
{
	static const char *const gpl[] = {
		"GPL",		"GPL v2",	"GPL and additional rights",
		"Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"
	};
	size_t i, n;

	for (i = 0; i < KBPF_ARRAY_SIZE(gpl); i++) {
		for (n = 0; gpl[i][n] && gpl[i][n] == l[n]; n++)
			;
		if (!gpl[i][n] && !l[n])
			return true;
	}
	return false;
}

/*
 * Linux's bpf_prog_calc_tag(): SHA-256 of the code with map references
 * zeroed. -ENOMEM fails the load, as in Linux (a zero tag would be wrong).
 */
static int prog_calc_tag(struct kbpf_prog *prog)
{
	const struct kbpf_host *h = prog->obj.host;
	size_t size = (size_t)prog->len * sizeof(struct bpf_insn);
	struct bpf_insn *dst = kbpf_malloc(h, size, 0);
	uint8_t digest[32];
	bool was_ld_map = false;
	uint32_t i;

	if (!dst)
		return -KBPF_ENOMEM;
	for (i = 0; i < prog->len; i++) {
		dst[i] = prog->orig_insns[i];
		if (!was_ld_map && dst[i].code == (BPF_LD | BPF_IMM | BPF_DW) &&
		    (dst[i].src_reg == BPF_PSEUDO_MAP_FD ||
		     dst[i].src_reg == BPF_PSEUDO_MAP_VALUE)) {
			was_ld_map = true;
			dst[i].imm = 0;
		} else if (was_ld_map && dst[i].code == 0 && !dst[i].dst_reg &&
			   !dst[i].src_reg && !dst[i].off) {
			was_ld_map = false;
			dst[i].imm = 0;
		} else {
			was_ld_map = false;
		}
	}
	kbpf_sha256(dst, size, digest);
	memcpy(prog->tag, digest, sizeof(prog->tag));
	kbpf_free(h, dst, size);
	return 0;
}

static void prog_free(struct kbpf_prog *prog)
{
	const struct kbpf_host *h = prog->obj.host;
	size_t size = (size_t)prog->len * sizeof(struct bpf_insn);
	uint32_t i;

	kbpf_prog_btf_info_free(prog);
	kbpf_jit_release(prog);
	kbpf_interp_release(prog);
	kbpf_prog_kfunc_free(prog);
	for (i = 0; i < prog->nr_maps; i++)
		kbpf_map_put(prog->maps[i]);
	kbpf_free(h, prog->maps, KBPF_MAX_USED_MAPS * sizeof(*prog->maps));
	kbpf_free(h, prog->insns, size);
	kbpf_free(h, prog->orig_insns, size);
	if (prog->spec)
		kbpf_free(h, prog->spec, prog->len * sizeof(*prog->spec));
	kbpf_percpu_fini(&prog->stats, h);
	kbpf_free(h, prog, sizeof(*prog));
}

static void prog_free_rcu(struct kbpf_rcu_head *head)
{
	prog_free(kbpf_container_of(head, struct kbpf_prog, rcu));
}

/*
 * The last reference is gone, but a CPU may still be running the program:
 * one that tail-called into it before it left its prog array, or a
 * tracepoint fire that loaded it before it was detached. Free it after
 * every read-side section that may run it (Linux frees programs after an
 * RCU grace period).
 *
 * A host without defer_free: every other runner holds a reference (test
 * runs) or keeps the detached program referenced until no fire can run
 * (raw tracepoints, perf events: they park it). A tail call takes a run
 * hold under its prog array's lock (prog->runs, maps/prog_array.c), and no
 * new hold can be taken once no slot holds the program, so wait here for
 * the runs in flight: each is bounded (checked mode's budget, or the
 * host's verifier). This is the syscall path: the last put of a program
 * never comes from a program, which cannot change prog arrays or drop
 * references. The acquire pairs with kbpf_prog_run_done()'s release.
 */
static void prog_release(struct kbpf_obj *obj)
{
	struct kbpf_prog *prog = kbpf_container_of(obj, struct kbpf_prog, obj);
	const struct kbpf_host *h = obj->host;

	kbpf_obj_id_release(obj);
	if (h->defer_free) {
		prog->rcu.func = prog_free_rcu;
		h->defer_free(h, &prog->rcu);
	} else {
		/* Runs are bounded; let them finish on this CPU too. */
		while (atomic_load_explicit(&prog->runs,
					    memory_order_acquire)) {
			if (h->cond_resched)
				h->cond_resched(h);
			kbpf_cpu_relax();
		}
		prog_free(prog);
	}
}

/* Copy @n bytes from an attr pointer: user memory, or kernel memory. */
static int prog_copy_in(const struct kbpf_host *h,
			const struct kbpf_prog_load_opts *opts, void *dst,
			uint64_t src, size_t n)
{
	if (opts && opts->kernel_ptrs) {
		if (!src && n)
			return -KBPF_EFAULT;
		memcpy(dst, kbpf_u64_to_ptr(src), n);
		return 0;
	}
	return kbpf_copy_from_user(h, dst, kbpf_u64_to_ptr(src), n);
}

/*
 * What a loader must hold for a program of @type (Linux 6.18's
 * bpf_prog_load()): socket filters and cgroup skb programs are open to
 * every caller, everything else needs CAP_BPF; network programs also
 * CAP_NET_ADMIN, tracing programs also CAP_PERFMON (extensions both).
 * Asked for every type, known to kbpf or not: Linux refuses the
 * privilege before it looks the type up.
 */
static uint32_t prog_type_priv(uint32_t type)
{
	switch (type) {
	case BPF_PROG_TYPE_SOCKET_FILTER:
	case BPF_PROG_TYPE_CGROUP_SKB:
		return 0;
	case BPF_PROG_TYPE_SCHED_CLS:
	case BPF_PROG_TYPE_SCHED_ACT:
	case BPF_PROG_TYPE_XDP:
	case BPF_PROG_TYPE_LWT_IN:
	case BPF_PROG_TYPE_LWT_OUT:
	case BPF_PROG_TYPE_LWT_XMIT:
	case BPF_PROG_TYPE_LWT_SEG6LOCAL:
	case BPF_PROG_TYPE_SK_SKB:
	case BPF_PROG_TYPE_SK_MSG:
	case BPF_PROG_TYPE_FLOW_DISSECTOR:
	case BPF_PROG_TYPE_CGROUP_DEVICE:
	case BPF_PROG_TYPE_CGROUP_SOCK:
	case BPF_PROG_TYPE_CGROUP_SOCK_ADDR:
	case BPF_PROG_TYPE_CGROUP_SOCKOPT:
	case BPF_PROG_TYPE_CGROUP_SYSCTL:
	case BPF_PROG_TYPE_SOCK_OPS:
	case BPF_PROG_TYPE_NETFILTER:
		return KBPF_PRIV_BPF | KBPF_PRIV_NET_ADMIN;
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
	case BPF_PROG_TYPE_STRUCT_OPS:
		return KBPF_PRIV_BPF | KBPF_PRIV_PERFMON;
	case BPF_PROG_TYPE_EXT:
		return KBPF_PRIV_BPF | KBPF_PRIV_NET_ADMIN | KBPF_PRIV_PERFMON;
	default:
		return KBPF_PRIV_BPF;
	}
}

/*
 * The expected attach type a program keeps: Linux's
 * bpf_prog_load_fixup_attach_type() makes 0 BPF_CGROUP_INET_SOCK_CREATE
 * for cgroup sock programs (there is no "unspecified" attach type).
 */
static uint32_t prog_attach_type(const union bpf_attr *attr)
{
	if (attr->prog_type == BPF_PROG_TYPE_CGROUP_SOCK &&
	    !attr->expected_attach_type)
		return BPF_CGROUP_INET_SOCK_CREATE;
	return attr->expected_attach_type;
}

/*
 * The attribute checks in Linux's order. @user: the attributes come from
 * bpf(2), so the caller's privilege decides (-EPERM) and sets
 * @prog_priv; an in-kernel loader has every privilege.
 */
static int prog_check_attr(const struct kbpf_host *h,
			   const union bpf_attr *attr, bool user,
			   uint32_t *prog_priv)
{
	uint32_t priv = KBPF_PRIV_ALL, max_insns = KBPF_MAX_INSNS;

	if (attr->prog_flags & ~PROG_LOAD_FLAGS)
		return -KBPF_EINVAL;
	/* kbpf keeps no BPF tokens (Linux looks the token up here). */
	if (attr->prog_flags & BPF_F_TOKEN_FD)
		return -KBPF_EINVAL;
	if (user) {
		if (kbpf_priv_unpriv_refused(h))
			return -KBPF_EPERM;
		priv = kbpf_priv_current(h);
		/* Linux's BPF_MAXINSNS for loaders without CAP_BPF. */
		if (!(priv & KBPF_PRIV_BPF))
			max_insns = 4096;
	}
	if (attr->insn_cnt == 0 || attr->insn_cnt > max_insns)
		return -KBPF_E2BIG;
	if ((prog_type_priv(attr->prog_type) & priv) !=
	    prog_type_priv(attr->prog_type))
		return -KBPF_EPERM;
	if (!kbpf_prog_type_supported(attr->prog_type))
		return -KBPF_EINVAL;
	/* No offload, program-to-program or module attachment;
	 * attach_btf_id is for tracing programs only (the host's BTF). */
	if (attr->prog_ifindex || attr->attach_prog_fd ||
	    attr->attach_btf_obj_fd ||
	    (attr->attach_btf_id && attr->prog_type != BPF_PROG_TYPE_TRACING))
		return -KBPF_EINVAL;
	if (attr->prog_type == BPF_PROG_TYPE_SYSCALL &&
	    attr->expected_attach_type)
		return -KBPF_EINVAL;
	/* Linux's bpf_prog_load_check_attach(): a cgroup skb program is for
	 * cgroup ingress or egress (0 is ingress). */
	if (attr->prog_type == BPF_PROG_TYPE_CGROUP_SKB &&
	    attr->expected_attach_type != BPF_CGROUP_INET_INGRESS &&
	    attr->expected_attach_type != BPF_CGROUP_INET_EGRESS)
		return -KBPF_EINVAL;
	if ((attr->prog_type == BPF_PROG_TYPE_CGROUP_SOCK ||
	     attr->prog_type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR ||
	     attr->prog_type == BPF_PROG_TYPE_CGROUP_SOCKOPT) &&
	    !kbpf_sock_prog_attach_ok(attr->prog_type, prog_attach_type(attr)))
		return -KBPF_EINVAL;
	*prog_priv = priv;
	return 0;
}

/*
 * The verifier after the structural check, under the host's policy: what
 * it refuses fails the load (ENFORCE) or loads for checked mode only
 * (FALLBACK; not for -ENOMEM, which fails the load either way).
 */
static int prog_verify(struct kbpf_prog *prog, const struct kbpf_host *h,
		       const struct kbpf_prog_load_opts *opts,
		       struct kbpf_vlog *log)
{
	/*
	 * Callbacks need func_info over bpf(2), as in Linux; a load that
	 * has it (checked: one record per subprogram) may have them.
	 */
	int err =
		kbpf_verify(prog, h, log, &prog->verified_insns,
			    (opts && opts->kernel_ptrs) || prog->nr_func_info);

	prog->verified = !err;
	/*
	 * Nothing checks a kfunc's arguments at run time: a program that
	 * calls kfuncs loads only with a proof.
	 */
	if (err && err != -KBPF_ENOMEM && !prog->nr_kfuncs &&
	    h->verifier == KBPF_VERIFIER_FALLBACK) {
		prog->checked_only = true;
		err = 0;
	}
	return err;
}

int kbpf_prog_load(const struct kbpf_host *h, union bpf_attr *attr,
		   const struct kbpf_prog_load_opts *opts,
		   struct kbpf_prog **out)
{
	struct kbpf_prog *prog;
	struct kbpf_vlog log;
	char license[128];
	uint32_t priv;
	size_t size;
	long n;
	int err;

	err = prog_check_attr(h, attr, !opts || !opts->kernel_ptrs, &priv);
	if (err)
		return err;
	prog = kbpf_zalloc(h, sizeof(*prog), 0);
	if (!prog)
		return -KBPF_ENOMEM;
	kbpf_obj_init(&prog->obj, h, KBPF_OBJ_PROG, prog_release);
	prog->priv = priv;
	prog->type = attr->prog_type;
	prog->expected_attach_type = prog_attach_type(attr);
	prog->helpers = opts && opts->helpers ? opts->helpers :
						kbpf_default_helpers;
	prog->nr_helpers = opts && opts->helpers ? opts->nr_helpers :
						   KBPF_HELPER_COUNT;
	size = (size_t)attr->insn_cnt * sizeof(struct bpf_insn);
	prog->len = attr->insn_cnt; /* prog_free() frees insns by it */
	prog->insns = kbpf_malloc(h, size, 0);
	prog->orig_insns = kbpf_malloc(h, size, 0);
	prog->maps =
		kbpf_zalloc(h, KBPF_MAX_USED_MAPS * sizeof(*prog->maps), 0);
	kbpf_spin_init(&prog->bind_lock);
	if (!prog->insns || !prog->orig_insns || !prog->maps ||
	    kbpf_percpu_init(&prog->stats, h, sizeof(struct kbpf_prog_stats),
			     0)) {
		err = -KBPF_ENOMEM;
		goto free_prog;
	}
	err = prog_copy_in(h, opts, prog->insns, attr->insns, size);
	if (err)
		goto free_prog;
	memcpy(prog->orig_insns, prog->insns, size);
	/* The license: a string of up to 127 bytes. */
	if (opts && opts->kernel_ptrs) {
		const char *l = kbpf_u64_to_ptr(attr->license);

		if (!l) {
			err = -KBPF_EFAULT;
			goto free_prog;
		}
		for (n = 0; n < (long)sizeof(license) - 1 && l[n]; n++)
			license[n] = l[n];
	} else {
		n = kbpf_strncpy_from_user(h, license,
					   kbpf_u64_to_ptr(attr->license),
					   sizeof(license) - 1);
		if (n < 0) {
			err = -KBPF_EFAULT;
			goto free_prog;
		}
	}
	license[n] = 0;
	prog->gpl_compatible = prog_license_gpl(license);
	err = kbpf_obj_name_copy(prog->name, attr->prog_name);
	if (err)
		goto free_prog;
	err = kbpf_vlog_init(&log, h, attr->log_level, attr->log_size,
			     attr->log_buf, opts && opts->kernel_ptrs);
	if (err)
		goto free_prog;
	/* Linux: syscall programs must be sleepable; no other kbpf type may be. */
	if (prog->type == BPF_PROG_TYPE_SYSCALL &&
	    !(attr->prog_flags & BPF_F_SLEEPABLE)) {
		kbpf_vlog_printf(&log,
				 "Syscall programs can only be sleepable\n");
		err = -KBPF_EINVAL;
	} else if (prog->type != BPF_PROG_TYPE_SYSCALL &&
		   (attr->prog_flags & BPF_F_SLEEPABLE)) {
		kbpf_vlog_printf(
			&log,
			"Only fentry/fexit/fmod_ret, lsm, iter, uprobe, and struct_ops programs can be sleepable\n");
		err = -KBPF_EINVAL;
	} else {
		err = 0;
		if (prog->type == BPF_PROG_TYPE_TRACING)
			err = kbpf_prog_attach_btf(prog, h, attr, &log);
		/* func_info/line_info: Linux's checks around check_subprogs. */
		if (!err)
			err = kbpf_prog_btf_info_early(prog, h, attr, &log);
		if (!err)
			err = kbpf_prog_check(prog, h, attr, opts, &log);
		if (!err)
			err = kbpf_prog_btf_info_late(prog, h, attr, &log);
		if (!err && h->verifier != KBPF_VERIFIER_OFF)
			err = prog_verify(prog, h, opts, &log);
	}
	err = kbpf_vlog_finalize(&log, err, &attr->log_true_size);
	kbpf_vlog_fini(&log);
	if (err)
		goto free_prog;
	/*
	 * Linux's bpf_check_tail_call(): the program must suit the owner of
	 * every prog array it uses (no log line; the first one sets it).
	 */
	for (uint32_t i = 0; i < prog->nr_maps; i++) {
		if (prog->maps[i]->map_type == BPF_MAP_TYPE_PROG_ARRAY &&
		    !kbpf_prog_array_compatible(prog->maps[i], prog)) {
			err = -KBPF_EINVAL;
			goto free_prog;
		}
	}
	/*
	 * The interpreter's form (helpers resolved, map lookups of known
	 * maps specialised), from the final instructions; what user space
	 * sees (insns, orig_insns, the tag) stays as it is.
	 */
	err = kbpf_interp_prepare(
		prog,
		&(const struct kbpf_interp_map_helpers){
			.lookup = kbpf_default_helpers[BPF_FUNC_map_lookup_elem]
					  .fn,
			.update = kbpf_default_helpers[BPF_FUNC_map_update_elem]
					  .fn,
			.delete_elem =
				kbpf_default_helpers[BPF_FUNC_map_delete_elem]
					.fn,
		});
	/* Native code from the image, where the host and the JIT can. */
	if (!err)
		err = kbpf_jit_compile(prog);
	if (err)
		goto free_prog;
	prog->stack_depth = KBPF_STACK_SIZE;
	prog->load_time_ns = h->boot_ns ? h->boot_ns(h) : h->mono_ns(h);
	err = prog_calc_tag(prog);
	if (!err)
		err = kbpf_obj_id_alloc(&prog->obj);
	if (err)
		goto free_prog;
	*out = prog;
	return 0;

free_prog:
	prog_free(prog);
	return err;
}

/* Write one u32 at @off of the user's attr if the attr reaches it. */
static int prog_attr_write_u32(const struct kbpf_host *h, void *uattr,
			       unsigned int size, size_t off, const uint32_t *v)
{
	if (off + sizeof(*v) > size)
		return 0;
	return kbpf_copy_to_user(h, (void *)((uintptr_t)uattr + off), v,
				 sizeof(*v));
}

/* Called from syscall */
long kbpf_sys_prog_load(const struct kbpf_host *h, union bpf_attr *attr,
			void *uattr, unsigned int size)
{
	uint32_t fi_rec = attr->func_info_rec_size;
	uint32_t li_rec = attr->line_info_rec_size;
	struct kbpf_prog *prog;
	int err, fd;

	err = kbpf_prog_load(h, attr, NULL, &prog);
	/* A record with a nonzero tail: Linux tells the size it expects. */
	if (err == -KBPF_E2BIG && attr->func_info_rec_size != fi_rec &&
	    prog_attr_write_u32(h, uattr, size,
				offsetof(union bpf_attr, func_info_rec_size),
				&attr->func_info_rec_size))
		return -KBPF_EFAULT;
	if (err == -KBPF_E2BIG && attr->line_info_rec_size != li_rec &&
	    prog_attr_write_u32(h, uattr, size,
				offsetof(union bpf_attr, line_info_rec_size),
				&attr->line_info_rec_size))
		return -KBPF_EFAULT;
	/* log_true_size goes back whenever a log was asked for, as Linux does. */
	if (attr->log_level &&
	    offsetof(union bpf_attr, log_true_size) + sizeof(uint32_t) <= size)
		kbpf_copy_to_user(
			h,
			(void *)((uintptr_t)uattr +
				 offsetof(union bpf_attr, log_true_size)),
			&attr->log_true_size, sizeof(uint32_t));
	if (err)
		return err;
	fd = kbpf_obj_fd_install(h, &prog->obj, KBPF_FD_READ | KBPF_FD_WRITE);
	if (fd < 0)
		kbpf_prog_put(prog);
	return fd;
}

/*
 * Called from syscall. BPF_PROG_STREAM_READ_BY_FD: Linux fills a program's
 * stdout/stderr streams from bpf_stream_vprintk and from runtime error
 * reports; kbpf has neither, so its streams are always empty: the program
 * fd is checked as Linux's (EBADF, EINVAL), then the stream id (ENOENT),
 * then 0 bytes are read.
 */
long kbpf_sys_prog_stream_read(const struct kbpf_host *h, union bpf_attr *attr,
			       void *uattr, unsigned int size)
{
	struct kbpf_obj *obj;
	uint32_t id = attr->prog_stream_read.stream_id;
	long err;

	(void)uattr;
	(void)size;
	err = kbpf_obj_fd_get(h, (int)attr->prog_stream_read.prog_fd,
			      KBPF_OBJ_PROG, &obj, NULL);
	if (err)
		return err;
	err = id == BPF_STREAM_STDOUT || id == BPF_STREAM_STDERR ? 0 :
								   -KBPF_ENOENT;
	kbpf_obj_put(obj);
	return err;
}

int kbpf_prog_get_info(struct kbpf_prog *prog, struct bpf_prog_info *info)
{
	memset(info, 0, sizeof(*info));
	info->type = prog->type;
	info->id = prog->obj.id;
	memcpy(info->tag, prog->tag, sizeof(info->tag));
	/*
	 * xlated: the relocated instructions, rewritten against speculation
	 * for a loader without CAP_PERFMON (src/jit/spec.h), as Linux's.
	 */
	info->xlated_prog_len =
		(prog->spec ?
			 kbpf_jit_spec_len(prog->insns, prog->len, prog->spec) :
			 prog->len) *
		(uint32_t)sizeof(struct bpf_insn);
	info->load_time = prog->load_time_ns;
	info->nr_map_ids = prog->nr_maps;
	memcpy(info->name, prog->name, sizeof(info->name));
	info->gpl_compatible = prog->gpl_compatible;
	info->attach_btf_id = prog->attach_btf_id;
	info->verified_insns = prog->verified_insns;
	return 0;
}
