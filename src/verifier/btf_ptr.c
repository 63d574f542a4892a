// SPDX-License-Identifier: MIT
/*
 * Pointers to kernel objects described by the host's BTF (kbpf_host.btf):
 * Linux's PTR_TO_BTF_ID, as Linux 6.18 types and checks them, written from
 * its documented and measured behaviour.
 *
 * Where they come from: the arguments of tracing programs (tp_btf, fentry,
 * fexit) are typed from the attach target's prototype in the host BTF
 * (Linux's btf_ctx_access()): integers and enums are scalars, pointers to
 * void or to integers are scalars, pointers to structs are T_BTF_ID of the
 * struct (trusted for tp_btf, plain for fentry/fexit), anything else is
 * refused. bpf_get_current_task_btf() returns a trusted task_struct.
 *
 * What a load through one gives (Linux's btf_struct_walk() and
 * check_ptr_to_btf_access()): the struct is walked to the member at the
 * offset (nested structs, arrays, a flexible array at the end, bitfields):
 * a scalar member gives a scalar; a pointer member a T_BTF_ID of its
 * struct, or for a pointer to anything else read-only memory of size 0;
 * how trusted the result is follows Linux (from a trusted or RCU pointer
 * only the fields the host BTF lists in "<struct>__safe_trusted",
 * "__safe_rcu" and their "_or_null" variants keep trust, __rcu fields
 * become rcu_ptr_or_null_, the others plain; from an untrusted pointer,
 * untrusted). Stores, negative and variable offsets, __user and __percpu
 * pointers and offsets past the struct are refused with Linux's lines.
 *
 * The loads are not memory safe by proof: the object may be gone. As
 * Linux turns them into BPF_PROBE_MEM, kbpf_v_btf_mark_probes() turns each
 * such instruction into KBPF_PROBE_MEM (core/prog.h), which the
 * interpreter runs through kbpf_host.probe_read_kernel, a faulting load
 * giving 0.
 */
#include "verifier_internal.h"

#include "core/util.h"

static int bp_strcmp(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return (unsigned char)*a - (unsigned char)*b;
}

/* Linux's btf_kind_str[], for the log lines. */
static const char *kind_str(uint32_t kind)
{
	static const char *const names[] = {
		"UNKNOWN", "INT",      "PTR",	   "ARRAY",	 "STRUCT",
		"UNION",   "ENUM",     "FWD",	   "TYPEDEF",	 "VOLATILE",
		"CONST",   "RESTRICT", "FUNC",	   "FUNC_PROTO", "VAR",
		"DATASEC", "FLOAT",    "DECL_TAG", "TYPE_TAG",	 "ENUM64",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] :
							 "UNKNOWN";
}

/*
 * The host BTF, parsed and indexed once per host (src/btf/host_btf.c); a
 * verification takes a reference when it first needs it. NULL if the host
 * has none or it is not valid BTF.
 */
static int hbtf(struct venv *env, const struct kbpf_btf_view **out)
{
	int err;

	if (!env->hbtf_state) {
		err = kbpf_host_btf_get(env->h, &env->hbtf);
		if (err == -KBPF_ENOMEM)
			return err;
		env->hbtf_state = err ? -1 : 1;
	}
	*out = env->hbtf_state > 0 ? &env->hbtf->view : NULL;
	return 0;
}

int kbpf_v_hbtf(struct venv *env, const struct kbpf_btf_view **out)
{
	return hbtf(env, out);
}

void kbpf_v_btf_release(struct venv *env)
{
	kbpf_host_btf_put(env->h, env->hbtf);
	env->hbtf = NULL;
	env->hbtf_state = 0;
}

/* Linux's __btf_name_by_offset(): "(anon)" for no name. */
static const char *nm(const struct kbpf_btf_view *b, const uint8_t *rec)
{
	const char *n = rec ? kbpf_btf_name(b, rec) : NULL;

	return n && *n ? n : "(anon)";
}

static const char *tname_of(const struct kbpf_btf_view *b, uint32_t id)
{
	const uint8_t *t = kbpf_btf_type(b, id);
	const char *n = t ? kbpf_btf_name(b, t) : NULL;

	return n ? n : "";
}

static bool is_struct(const struct kbpf_btf_view *b, const uint8_t *t)
{
	return t && (kbpf_btf_kind(b, t) == BTF_KIND_STRUCT ||
		     kbpf_btf_kind(b, t) == BTF_KIND_UNION);
}

/* Linux's btf_type_is_small_int() or an enum: an argument held as a scalar. */
static bool is_scalar_arg(const struct kbpf_btf_view *b, const uint8_t *t)
{
	uint32_t k = kbpf_btf_kind(b, t);

	return (k == BTF_KIND_INT && kbpf_btf_st(b, t) <= 8) ||
	       k == BTF_KIND_ENUM || k == BTF_KIND_ENUM64 ||
	       k == BTF_KIND_STRUCT || k == BTF_KIND_UNION;
}

/* The name of a type tag record @t ("user", "percpu", "rcu"), or NULL. */
static uint8_t tag_flags(const struct kbpf_btf_view *b, const uint8_t *t)
{
	const char *n;

	if (!t || kbpf_btf_kind(b, t) != BTF_KIND_TYPE_TAG ||
	    kbpf_btf_kflag(b, t))
		return 0;
	n = kbpf_btf_name(b, t);
	if (!n)
		return 0;
	if (!bp_strcmp(n, "user"))
		return VF_USER;
	if (!bp_strcmp(n, "percpu"))
		return VF_PERCPU;
	if (!bp_strcmp(n, "rcu"))
		return VF_RCU;
	return 0;
}

/*
 * Raw tracepoints whose arguments Linux 6.18 knows may be NULL or an error
 * pointer (its raw_tp_null_args; test_verifier_diff's verifier_tp_btf_args
 * checks every tracepoint of the machine's kernel against it): per
 * argument i (after __data), nibble i
 * of the mask has 0x1 for maybe NULL (the pointer must be null-checked)
 * and 0x2 for a possible error pointer (the argument is a scalar). Facts
 * about Linux's tracepoints, for hosts that expose them under Linux's
 * names (a host's own tracepoints can say it with a "__nullable" suffix
 * on the parameter's name, as Linux's also may).
 */
static const struct {
	const char *tp;
	uint32_t mask;
} null_args[] = {
	{ "sched_pi_setprio", 0x10 },
	/* measured on a 6.18 kernel (not in later kernels' list) */
	{ "sched_process_wait", 0x1 },
	{ "signal_generate", 0x20 },
	{ "signal_deliver", 0x20 },
	{ "sched_stick_numa", 0x100 },
	{ "sched_swap_numa", 0x100 },
	{ "afs_make_fs_call", 0x10 },
	{ "afs_make_fs_calli", 0x10 },
	{ "afs_make_fs_call1", 0x10 },
	{ "afs_make_fs_call2", 0x10 },
	{ "afs_protocol_error", 0x1 },
	{ "afs_flock_ev", 0x10 },
	{ "cachefiles_lookup", 0x201 },
	{ "cachefiles_unlink", 0x1 },
	{ "cachefiles_rename", 0x1 },
	{ "cachefiles_prep_read", 0x1 },
	{ "cachefiles_mark_active", 0x1 },
	{ "cachefiles_mark_failed", 0x1 },
	{ "cachefiles_mark_inactive", 0x1 },
	{ "cachefiles_vfs_error", 0x1 },
	{ "cachefiles_io_error", 0x1 },
	{ "cachefiles_ondemand_open", 0x1 },
	{ "cachefiles_ondemand_copen", 0x1 },
	{ "cachefiles_ondemand_close", 0x1 },
	{ "cachefiles_ondemand_read", 0x1 },
	{ "cachefiles_ondemand_cread", 0x1 },
	{ "cachefiles_ondemand_fd_write", 0x1 },
	{ "cachefiles_ondemand_fd_release", 0x1 },
	{ "ext4_mballoc_discard", 0x10 },
	{ "ext4_mballoc_free", 0x10 },
	{ "fib_table_lookup", 0x100 },
	{ "posix_lock_inode", 0x10 },
	{ "fcntl_setlk", 0x10 },
	{ "locks_remove_posix", 0x10 },
	{ "flock_lock_inode", 0x10 },
	{ "break_lease_noblock", 0x10 },
	{ "break_lease_block", 0x10 },
	{ "break_lease_unblock", 0x10 },
	{ "generic_delete_lease", 0x10 },
	{ "time_out_leases", 0x10 },
	{ "host1x_cdma_push_gather", 0x10000 },
	{ "mm_khugepaged_scan_pmd", 0x10 },
	{ "mm_collapse_huge_page_isolate", 0x1 },
	{ "mm_khugepaged_scan_file", 0x10 },
	{ "mm_khugepaged_collapse_file", 0x10 },
	{ "mm_page_alloc", 0x1 },
	{ "mm_page_pcpu_drain", 0x1 },
	{ "mm_page_alloc_zone_locked", 0x1 },
	{ "netfs_failure", 0x10 },
	{ "device_pm_callback_start", 0x10 },
	{ "qdisc_dequeue", 0x1000 },
	{ "rxrpc_recvdata", 0x1 },
	{ "rxrpc_resend", 0x10 },
	{ "rxrpc_tq", 0x10 },
	{ "rxrpc_client", 0x1 },
	{ "kfree_skb", 0x1000 },
	{ "xs_stream_read_data", 0x1 },
	{ "xprt_reserve_cong", 0x10 },
	{ "xprt_release_cong", 0x10 },
	{ "xprt_get_cong", 0x10 },
	{ "xprt_put_cong", 0x10 },
	{ "tcp_send_reset", 0x11 },
	{ "tcp_sendmsg_locked", 0x100 },
	{ "tegra_dma_tx_status", 0x100 },
	{ "tmigr_update_events", 0x1 },
	{ "writeback_dirty_folio", 0x10 },
	{ "folio_wait_writeback", 0x10 },
	{ "mr_integ_alloc", 0x2000 },
	{ "bpf_testmod_test_read", 0x0 },
	{ "amdgpu_vm_bo_map", 0x1 },
	{ "amdgpu_vm_bo_unmap", 0x1 },
	{ "netfs_folioq", 0x1 },
	{ "xfs_defer_create_intent", 0x1 },
	{ "xfs_defer_cancel_list", 0x1 },
	{ "xfs_defer_pending_finish", 0x1 },
	{ "xfs_defer_pending_abort", 0x1 },
	{ "xfs_defer_relog_intent", 0x1 },
	{ "xfs_defer_isolate_paused", 0x1 },
	{ "xfs_defer_item_pause", 0x1 },
	{ "xfs_defer_item_unpause", 0x1 },
	{ "xfs_defer_add_item", 0x1 },
	{ "xfs_defer_cancel_item", 0x1 },
	{ "xfs_defer_finish_item", 0x1 },
	{ "xfs_ioc_free_eofblocks", 0x10 },
	{ "xfs_blockgc_free_space", 0x10 },
	{ "xfs_btree_updkeys", 0x100 },
	{ "xfs_btree_overlapped_query_range", 0x100 },
	{ "xfs_map_blocks_found", 0x10000 },
	{ "xfs_map_blocks_alloc", 0x10000 },
	{ "xfs_iomap_alloc", 0x1000 },
	{ "xfs_iomap_found", 0x1000 },
	{ "xfs_inodegc_flush", 0x1 },
	{ "xfs_inodegc_push", 0x1 },
	{ "xfs_inodegc_start", 0x1 },
	{ "xfs_inodegc_stop", 0x1 },
	{ "xfs_inodegc_queue", 0x1 },
	{ "xfs_inodegc_throttle", 0x1 },
	{ "xfs_fs_sync_fs", 0x1 },
	{ "xfs_blockgc_start", 0x1 },
	{ "xfs_blockgc_stop", 0x1 },
	{ "xfs_blockgc_worker", 0x1 },
	{ "xfs_blockgc_flush_all", 0x1 },
	{ "xchk_nlinks_live_update", 0x10 },
	{ "xchk_metapath_lookup", 0x100 },
	{ "nfsd_dirent", 0x1 },
	{ "nfsd_file_acquire", 0x1001 },
	{ "nfsd_file_insert_err", 0x1 },
	{ "nfsd_file_cons_err", 0x1 },
	{ "nfs4_setup_sequence", 0x1 },
	{ "pnfs_update_layout", 0x10000 },
	{ "nfs4_inode_callback_event", 0x200 },
	{ "nfs4_inode_stateid_callback_event", 0x200 },
	{ "pnfs_mds_fallback_pg_init_read", 0x10000 },
	{ "pnfs_mds_fallback_pg_init_write", 0x10000 },
	{ "pnfs_mds_fallback_pg_get_mirror_count", 0x10000 },
	{ "pnfs_mds_fallback_read_done", 0x10000 },
	{ "pnfs_mds_fallback_write_done", 0x10000 },
	{ "pnfs_mds_fallback_read_pagelist", 0x10000 },
	{ "pnfs_mds_fallback_write_pagelist", 0x10000 },
	{ "coda_dec_pic_run", 0x10 },
	{ "coda_dec_pic_done", 0x10 },
	{ "cfg80211_scan_done", 0x11 },
	{ "rdev_set_coalesce", 0x10 },
	{ "cfg80211_report_wowlan_wakeup", 0x100 },
	{ "cfg80211_inform_bss_frame", 0x100 },
	{ "cfg80211_michael_mic_failure", 0x10000 },
	{ "wiphy_work_queue", 0x10 },
	{ "wiphy_work_run", 0x10 },
	{ "wiphy_work_cancel", 0x10 },
	{ "wiphy_work_flush", 0x10 },
	{ "hugetlbfs_alloc_inode", 0x10 },
	{ "spufs_context", 0x10 },
	{ "kvm_page_fault_enter", 0x100 },
	{ "dpu_crtc_setup_mixer", 0x100 },
	{ "binder_transaction", 0x100 },
	{ "btree_path_free", 0x100 },
	{ "hfi1_sdma_progress", 0x1000 },
	{ "iptfs_ingress_postq_event", 0x1000 },
	{ "neigh_update", 0x10 },
	{ "amdtp_packet", 0x100 },
};

/* The mask of tracepoint @tp in null_args[], or 0. */
static uint32_t tp_null_mask(const char *tp)
{
	for (size_t i = 0; i < sizeof(null_args) / sizeof(null_args[0]); i++)
		if (!bp_strcmp(tp, null_args[i].tp))
			return null_args[i].mask;
	return 0;
}

/* Does @name end in @suffix (Linux's btf_param_match_suffix())? */
static bool has_suffix(const char *name, const char *suffix)
{
	size_t n = 0, k = 0;

	while (name[n])
		n++;
	while (suffix[k])
		k++;
	return n >= k && !bp_strcmp(name + n - k, suffix);
}

static void set_btf_ptr(struct vreg *out, uint32_t id, uint8_t flags)
{
	memset(out, 0, sizeof(*out));
	out->type = T_BTF_ID;
	out->flags = flags;
	out->btf_id = id;
	kbpf_scalar_const(&out->s, 0);
}

int kbpf_v_btf_ctx_access(struct venv *env, int32_t off, uint32_t size,
			  bool write, struct vreg *out)
{
	const struct kbpf_prog *prog = env->prog;
	const struct kbpf_btf_view *b;
	const uint8_t *t, *proto, *arg = NULL;
	const char *fname;
	bool ptr_err = false;
	uint32_t nr_args, skip = 0, n, id;
	bool tp = prog->expected_attach_type == BPF_TRACE_RAW_TP;
	uint8_t flags = 0;
	int err;

	if (prog->type != BPF_PROG_TYPE_TRACING || !prog->attach_btf_id)
		return 1;
	err = hbtf(env, &b);
	if (err)
		return err;
	t = b ? kbpf_btf_type(b, prog->attach_btf_id) : NULL;
	if (!t)
		return 1;
	/* tp_btf: typedef btf_trace_<tp> -> pointer -> (void *__data, ...) */
	if (tp) {
		t = kbpf_btf_type(b, kbpf_btf_st(b, t));
		skip = 1;
	}
	proto = t ? kbpf_btf_type(b, kbpf_btf_st(b, t)) : NULL;
	if (!proto || kbpf_btf_kind(b, proto) != BTF_KIND_FUNC_PROTO ||
	    kbpf_btf_vlen(b, proto) < skip)
		return 1;
	fname = prog->attach_name;
	for (n = 0; fname[n]; n++)
		if (fname[n] == '/') {
			fname += n + 1;
			break;
		}
	nr_args = kbpf_btf_vlen(b, proto) - skip;
	/* Linux's bpf_tracing_ctx_access(), then btf_ctx_access() */
	if (off < 0 || off >= 12 * 8 || write || off % (int32_t)size)
		goto bad;
	if (off % 8) {
		kbpf_vlog_printf(env->log,
				 "func '%s' offset %d is not multiple of 8\n",
				 fname, off);
		goto bad;
	}
	n = (uint32_t)off / 8;
	if (n > nr_args ||
	    (n == nr_args && prog->expected_attach_type != BPF_TRACE_FEXIT)) {
		kbpf_vlog_printf(env->log,
				 "func '%s' doesn't have %u-th argument\n",
				 fname, n + 1);
		goto bad;
	}
	if (n == nr_args) {
		id = kbpf_btf_st(b, proto); /* fexit: the return value */
	} else {
		arg = kbpf_btf_vrec(b, proto, n + skip);
		id = kbpf_btf_rd32(b, arg + 4);
	}
	t = kbpf_btf_skip_mods(b, id, &id);
	if (!t) {
		/* void (a function returning nothing): nothing to read */
		kbpf_vlog_printf(
			env->log,
			"func '%s' arg%u '(anon)' has type UNKNOWN. Only pointer access is allowed\n",
			fname, n);
		goto bad;
	}
	if (is_scalar_arg(b, t))
		goto scalar;
	if (kbpf_btf_kind(b, t) != BTF_KIND_PTR) {
		kbpf_vlog_printf(
			env->log,
			"func '%s' arg%u '%s' has type %s. Only pointer access is allowed\n",
			fname, n, nm(b, t), kind_str(kbpf_btf_kind(b, t)));
		goto bad;
	}
	if (size != 8) {
		kbpf_vlog_printf(env->log, "func '%s' size %u must be 8\n",
				 fname, size);
		goto bad;
	}
	id = kbpf_btf_st(b, t);
	/* Pointers to void or to an integer are scalars. */
	{
		uint32_t pid;
		const uint8_t *p = kbpf_btf_skip_mods(b, id, &pid);

		if (!pid || (p && kbpf_btf_kind(b, p) == BTF_KIND_INT))
			goto scalar;
	}
	flags = tp ? VF_TRUSTED : 0;
	if (n < nr_args) {
		const char *pn = kbpf_btf_name(b, arg);

		if (pn && has_suffix(pn, "__nullable"))
			flags |= VF_NULL;
	}
	if (tp) {
		uint32_t nib = (n < 8 ? tp_null_mask(fname) >> (4 * n) : 0) &
			       0xf;

		if (nib & 1)
			flags |= VF_NULL;
		ptr_err = nib & 2;
	}
	flags |= tag_flags(b, kbpf_btf_type(b, id));
	t = kbpf_btf_skip_mods(b, id, &id);
	if (!is_struct(b, t)) {
		kbpf_vlog_printf(env->log,
				 "func '%s' arg%u type %s is not a struct\n",
				 fname, n,
				 t ? kind_str(kbpf_btf_kind(b, t)) : "UNKNOWN");
		goto bad;
	}
	/*
	 * Linux also logs "func '%s' arg%d has btf_id ..." and, for a
	 * possible error pointer, "marking pointer arg%d as scalar as it may
	 * encode error"; kbpf's log has the error lines only.
	 */
	if (ptr_err)
		goto scalar;
	if (out) {
		set_btf_ptr(out, id, flags);
		if (flags & VF_NULL)
			out->id = ++env->id_gen;
	}
	return 0;
scalar:
	if (out) {
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
bad:
	kbpf_vlog_printf(env->log,
			 "invalid bpf_context access off=%d size=%u\n", off,
			 size);
	return -KBPF_EACCES;
}

/* Results of walk(). */
enum { WALK_SCALAR, WALK_PTR, WALK_PTR_UNTRUSTED };

/*
 * Linux's __btf_resolve_size() for a member of type @id: through
 * modifiers and arrays (nested arrays flattened). Returns the member's
 * type record after modifiers (the outermost array for arrays), its total
 * size in *@size, the innermost element in *@elem and *@elem_id and the
 * element count in *@nelems (1 for non-arrays); NULL if it has no size.
 */
static const uint8_t *resolve_member(const struct kbpf_btf_view *b, uint32_t id,
				     uint32_t *size, const uint8_t **elem,
				     uint32_t *elem_id, uint32_t *nelems,
				     uint32_t *res_id)
{
	const uint8_t *t, *array = NULL;
	uint64_t n = 1, sz;
	uint32_t array_id = 0;

	for (int depth = 0; depth < KBPF_BTF_MAX_DEPTH; depth++) {
		t = kbpf_btf_type(b, id);
		if (!t)
			return NULL;
		switch (kbpf_btf_kind(b, t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_CONST:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = kbpf_btf_st(b, t);
			continue;
		case BTF_KIND_ARRAY:
			if (!array) {
				array = t;
				array_id = id;
			}
			n *= kbpf_btf_data32(b, t, 2);
			if (n > 0xffffffffull)
				return NULL;
			id = kbpf_btf_data32(b, t, 0);
			continue;
		case BTF_KIND_PTR:
			sz = 8;
			break;
		case BTF_KIND_INT:
		case BTF_KIND_ENUM:
		case BTF_KIND_ENUM64:
		case BTF_KIND_STRUCT:
		case BTF_KIND_UNION:
		case BTF_KIND_FLOAT:
			sz = kbpf_btf_st(b, t);
			break;
		default:
			return NULL;
		}
		if (n * sz > 0xffffffffull)
			return NULL;
		*size = (uint32_t)(n * sz);
		*elem = t;
		*elem_id = id;
		*nelems = (uint32_t)n;
		*res_id = array ? array_id : id;
		return array ? array : t;
	}
	return NULL;
}

/*
 * Linux's btf_struct_walk() and the loop of btf_struct_access() over it:
 * the member of struct @id at @off, @size bytes. WALK_PTR sets *@next_id
 * (the pointee struct), *@tflags (the pointer's type tags, and
 * VF_UNTRUSTED if a union was walked) and *@field; or -errno with the line.
 */
static int walk(struct venv *env, const struct kbpf_btf_view *b, uint32_t id,
		uint32_t off, uint32_t size, uint32_t *next_id, uint8_t *tflags,
		const char **field)
{
	uint8_t fl = 0;

	for (int depth = 0; depth < 64; depth++) {
		const uint8_t *t = kbpf_btf_skip_mods(b, id, &id);
		const char *tn = nm(b, t);
		uint32_t vlen, tsize, i;
		bool dive = false;

		if (!is_struct(b, t)) {
			kbpf_vlog_printf(env->log,
					 "Type '%s' is not a struct\n", tn);
			return -KBPF_EINVAL;
		}
		vlen = kbpf_btf_vlen(b, t);
		if (kbpf_btf_kind(b, t) == BTF_KIND_UNION && vlen != 1)
			fl |= VF_UNTRUSTED; /* unions give untrusted pointers */
		tsize = kbpf_btf_st(b, t);
		if ((uint64_t)off + size > tsize) {
			/* A flexible array at the end: its elements. */
			const uint8_t *m, *mt, *et;
			uint32_t moff, eid;

			if (!vlen)
				goto beyond;
			m = kbpf_btf_vrec(b, t, vlen - 1);
			mt = kbpf_btf_skip_mods(b, kbpf_btf_rd32(b, m + 4),
						NULL);
			if (!mt || kbpf_btf_kind(b, mt) != BTF_KIND_ARRAY ||
			    kbpf_btf_data32(b, mt, 2))
				goto beyond;
			moff = kbpf_btf_member_bit_off(b, t, vlen - 1) / 8;
			if (off < moff)
				goto beyond;
			et = kbpf_btf_skip_mods(b, kbpf_btf_data32(b, mt, 0),
						&eid);
			if (et && kbpf_btf_kind(b, et) == BTF_KIND_INT)
				return WALK_SCALAR;
			if (!is_struct(b, et) || !kbpf_btf_st(b, et))
				goto beyond;
			off = (off - moff) % kbpf_btf_st(b, et);
			id = eid;
			continue;
beyond:
			kbpf_vlog_printf(
				env->log,
				"access beyond struct %s at off %u size %u\n",
				tn, off, size);
			return -KBPF_EACCES;
		}
		for (i = 0; i < vlen; i++) {
			const uint8_t *m = kbpf_btf_vrec(b, t, i);
			uint32_t bit = kbpf_btf_member_bit_off(b, t, i);
			uint32_t bsz = kbpf_btf_member_bitfield_size(b, t, i);
			uint32_t moff = bit / 8, msize, mid, eid, nel, mend;
			const uint8_t *mt, *et;
			const char *mn = nm(b, m);

			if ((uint64_t)off + size <= moff)
				break;
			if (bsz) {
				if (off <= moff &&
				    (bit + bsz + 7) / 8 <= (uint64_t)off + size)
					return WALK_SCALAR;
				continue;
			}
			if (off < moff)
				break; /* a hole */
			mt = resolve_member(b, kbpf_btf_rd32(b, m + 4), &msize,
					    &et, &eid, &nel, &mid);
			if (!mt) {
				kbpf_vlog_printf(env->log,
						 "field %s doesn't have size\n",
						 mn);
				return -KBPF_EFAULT;
			}
			mend = moff + msize;
			if (off >= mend)
				continue;
			if (kbpf_btf_kind(b, mt) == BTF_KIND_ARRAY) {
				if (moff == mend)
					continue; /* empty array */
				msize /= nel;
				moff += (off - moff) / msize * msize;
				mt = et;
				mid = eid;
			}
			if (is_struct(b, mt)) {
				off -= moff;
				id = mid;
				dive = true;
				break;
			}
			if (kbpf_btf_kind(b, mt) == BTF_KIND_PTR) {
				const uint8_t *st;
				uint32_t sid;

				if (msize != size || off != moff) {
					kbpf_vlog_printf(
						env->log,
						"cannot access ptr member %s with moff %u in struct %s with off %u size %u\n",
						mn, moff, tn, off, size);
					return -KBPF_EACCES;
				}
				fl |= tag_flags(
					b,
					kbpf_btf_type(b, kbpf_btf_st(b, mt)));
				st = kbpf_btf_skip_mods(b, kbpf_btf_st(b, mt),
							&sid);
				if (!is_struct(b, st))
					return WALK_PTR_UNTRUSTED;
				*next_id = sid;
				*tflags = fl;
				*field = mn;
				return WALK_PTR;
			}
			if ((uint64_t)off + size > mend &&
			    !(fl & VF_UNTRUSTED)) {
				kbpf_vlog_printf(
					env->log,
					"access beyond the end of member %s (mend:%u) in struct %s with off %u size %u\n",
					mn, mend, tn, off, size);
				return -KBPF_EACCES;
			}
			return WALK_SCALAR;
		}
		if (dive)
			continue;
		kbpf_vlog_printf(env->log,
				 "struct %s doesn't have field at offset %d\n",
				 tn, (int)off);
		return -KBPF_EINVAL;
	}
	return -KBPF_EINVAL;
}

/*
 * Linux's btf_nested_type_is_trusted(): the host BTF has a struct named
 * "<struct of @base><suffix>" with a pointer member @field to @id.
 */
static bool nested_safe(const struct kbpf_host_btf *hb, uint32_t base,
			const char *field, uint32_t id, const char *suffix)
{
	const struct kbpf_btf_view *b = &hb->view;
	char name[64];
	const uint8_t *t = kbpf_btf_type(b, base), *s;
	uint32_t sid, i, n = 0, k;
	const char *tn = t ? kbpf_btf_name(b, t) : NULL;

	if (!tn)
		return false;
	for (k = 0; tn[k] && n < sizeof(name) - 1; k++)
		name[n++] = tn[k];
	for (k = 0; suffix[k] && n < sizeof(name) - 1; k++)
		name[n++] = suffix[k];
	if (tn[0] == 0 || n >= sizeof(name) - 1)
		return false;
	name[n] = 0;
	sid = kbpf_host_btf_find(hb, kbpf_btf_kind(b, t), name);
	s = sid ? kbpf_btf_type(b, sid) : NULL;
	if (!s || !is_struct(b, s))
		return false;
	for (i = 0; i < kbpf_btf_vlen(b, s); i++) {
		const uint8_t *m = kbpf_btf_vrec(b, s, i);
		const uint8_t *mt = kbpf_btf_type(b, kbpf_btf_rd32(b, m + 4));
		const char *mn = kbpf_btf_name(b, m);
		uint32_t pid;

		if (!mt || kbpf_btf_kind(b, mt) != BTF_KIND_PTR || !mn)
			continue;
		kbpf_btf_skip_mods(b, kbpf_btf_st(b, mt), &pid);
		if (pid == id && !bp_strcmp(mn, field))
			return true;
	}
	return false;
}

const char *kbpf_v_btf_prefix(const struct vreg *r)
{
	(void)r;
	return "ptr_";
}

const char *kbpf_v_btf_type_name(struct venv *env, uint32_t btf_id)
{
	const struct kbpf_btf_view *b;

	if (hbtf(env, &b) || !b)
		return "";
	return tname_of(b, btf_id);
}

int kbpf_v_btf_access(struct venv *env, uint32_t regno, int32_t off,
		      uint32_t size, bool write, struct vreg *out)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	const struct kbpf_btf_view *b;
	const char *tn, *field = NULL;
	uint32_t next = 0;
	uint8_t fl = 0;
	uint16_t rf = r->flags;
	char tb[48];
	int err, res;

	err = hbtf(env, &b);
	if (err)
		return err;
	if (!b)
		return -KBPF_EFAULT; /* T_BTF_ID only comes from the BTF */
	tn = tname_of(b, r->btf_id);
	if (!env->allow_ptr_leaks) {
		kbpf_vlog_printf(
			env->log,
			"'struct %s' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN\n",
			tn);
		return -KBPF_EPERM;
	}
	if (!env->prog->gpl_compatible) {
		kbpf_vlog_printf(
			env->log,
			"Cannot access kernel 'struct %s' from non-GPL compatible program\n",
			tn);
		return -KBPF_EINVAL;
	}
	off += r->off;
	if (off < 0) {
		kbpf_vlog_printf(
			env->log,
			"R%u is ptr_%s invalid negative access: off=%d\n",
			regno, tn, off);
		return -KBPF_EACCES;
	}
	if (!kbpf_scalar_is_const(&r->s) || r->s.var.value) {
		kbpf_tnum_str(r->s.var, tb, sizeof(tb));
		kbpf_vlog_printf(
			env->log,
			"R%u is ptr_%s invalid variable offset: off=%d, var_off=%s\n",
			regno, tn, off, tb);
		return -KBPF_EACCES;
	}
	if (rf & VF_USER) {
		kbpf_vlog_printf(env->log,
				 "R%u is ptr_%s access user memory: off=%d\n",
				 regno, tn, off);
		return -KBPF_EACCES;
	}
	if (rf & VF_PERCPU) {
		kbpf_vlog_printf(env->log,
				 "R%u is ptr_%s access percpu memory: off=%d\n",
				 regno, tn, off);
		return -KBPF_EACCES;
	}
	if (write) {
		kbpf_vlog_printf(env->log, "only read is supported\n");
		return -KBPF_EACCES;
	}
	res = walk(env, b, r->btf_id, (uint32_t)off, size, &next, &fl, &field);
	if (res < 0)
		return res;
	env->flags[env->insn_idx] |= VI_PROBE;
	if (!out)
		return 0;
	if (res == WALK_SCALAR) {
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
		return 0;
	}
	if (res == WALK_PTR_UNTRUSTED) {
		memset(out, 0, sizeof(*out));
		out->type = T_MEM;
		out->flags = VF_RDONLY | VF_UNTRUSTED;
		out->range = 0;
		kbpf_scalar_const(&out->s, 0);
		return 0;
	}
	/* Linux's trust rules of check_ptr_to_btf_access(). */
	if (rf & VF_UNTRUSTED) {
		fl |= VF_UNTRUSTED;
	} else if (rf & (VF_TRUSTED | VF_RCU)) {
		/*
		 * kbpf loads no sleepable programs: every one runs in
		 * Linux's RCU read-side section (in_rcu_cs()).
		 */
		bool rcu_cs = true;

		if (nested_safe(env->hbtf, r->btf_id, field, next,
				"__safe_trusted")) {
			fl |= VF_TRUSTED;
		} else if (nested_safe(env->hbtf, r->btf_id, field, next,
				       "__safe_trusted_or_null")) {
			fl |= VF_TRUSTED | VF_NULL;
		} else if (rcu_cs && !(rf & VF_NULL)) {
			if (nested_safe(env->hbtf, r->btf_id, field, next,
					"__safe_rcu")) {
				fl |= VF_RCU;
			} else if ((fl & VF_RCU) ||
				   nested_safe(env->hbtf, r->btf_id, field,
					       next, "__safe_rcu_or_null")) {
				fl |= VF_RCU | VF_NULL;
				if (nested_safe(env->hbtf, r->btf_id, field,
						next, "__safe_rcu_or_null"))
					fl &= (uint8_t)~VF_UNTRUSTED;
			} else if (!(fl & (VF_PERCPU | VF_USER))) {
				fl &= (uint8_t) ~(VF_TRUSTED | VF_RCU);
			}
		} else {
			fl = VF_UNTRUSTED;
		}
	} else {
		fl &= (uint8_t) ~(VF_TRUSTED | VF_RCU);
	}
	set_btf_ptr(out, next, fl);
	if (fl & VF_NULL)
		out->id = ++env->id_gen;
	return 0;
}

/*
 * Map pointers (CONST_PTR_TO_MAP): Linux lets a program with CAP_PERFMON
 * read the map's kernel struct, the type's own (bpf_array, bpf_htab...,
 * its map_btf_id) which starts with a struct bpf_map, as a read-only
 * PTR_TO_BTF_ID. kbpf walks the host BTF's struct the same way for the
 * checks and lines, then serves only the fields of struct bpf_map that a
 * kbpf map keeps with Linux's meaning and size: the load is rewritten to
 * read the kbpf map's field instead (a probe load, like a BTF pointer's).
 * The others (pointers, counters, locks, the type's own fields past
 * struct bpf_map) are refused with -ENOTSUPP: kbpf has no honest value
 * for them.
 */

/* Linux 6.18's map_btf_id of each type, measured ("only read from %s"). */
static const char *map_struct_name(uint32_t map_type)
{
	switch (map_type) {
	case BPF_MAP_TYPE_HASH:
	case BPF_MAP_TYPE_PERCPU_HASH:
	case BPF_MAP_TYPE_LRU_HASH:
	case BPF_MAP_TYPE_LRU_PERCPU_HASH:
	case BPF_MAP_TYPE_HASH_OF_MAPS:
		return "bpf_htab";
	case BPF_MAP_TYPE_ARRAY:
	case BPF_MAP_TYPE_PERCPU_ARRAY:
	case BPF_MAP_TYPE_PROG_ARRAY:
	case BPF_MAP_TYPE_PERF_EVENT_ARRAY:
	case BPF_MAP_TYPE_CGROUP_ARRAY:
	case BPF_MAP_TYPE_ARRAY_OF_MAPS:
		return "bpf_array";
	case BPF_MAP_TYPE_STACK_TRACE:
		return "bpf_stack_map";
	case BPF_MAP_TYPE_LPM_TRIE:
		return "lpm_trie";
	case BPF_MAP_TYPE_DEVMAP:
	case BPF_MAP_TYPE_DEVMAP_HASH:
		return "bpf_dtab";
	case BPF_MAP_TYPE_SOCKMAP:
		return "bpf_stab";
	case BPF_MAP_TYPE_SOCKHASH:
		return "bpf_shtab";
	case BPF_MAP_TYPE_CPUMAP:
		return "bpf_cpu_map";
	case BPF_MAP_TYPE_XSKMAP:
		return "xsk_map";
	case BPF_MAP_TYPE_REUSEPORT_SOCKARRAY:
		return "reuseport_array";
	case BPF_MAP_TYPE_QUEUE:
	case BPF_MAP_TYPE_STACK:
		return "bpf_queue_stack";
	case BPF_MAP_TYPE_RINGBUF:
	case BPF_MAP_TYPE_USER_RINGBUF:
		return "bpf_ringbuf_map";
	case BPF_MAP_TYPE_BLOOM_FILTER:
		return "bpf_bloom_filter";
	case BPF_MAP_TYPE_SK_STORAGE:
	case BPF_MAP_TYPE_INODE_STORAGE:
	case BPF_MAP_TYPE_TASK_STORAGE:
	case BPF_MAP_TYPE_CGRP_STORAGE:
		return "bpf_local_storage_map";
	case BPF_MAP_TYPE_CGROUP_STORAGE:
	case BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE:
		return "bpf_cgroup_storage_map";
	case BPF_MAP_TYPE_STRUCT_OPS:
		return "bpf_struct_ops_map";
	case BPF_MAP_TYPE_ARENA:
		return "bpf_arena";
	default:
		return NULL;
	}
}

/* The fields of Linux's struct bpf_map a kbpf map has, where it has them. */
static const struct {
	const char *name;
	uint16_t off; /* in struct kbpf_map */
	uint16_t size;
} map_fields[] = {
	{ "map_type", offsetof(struct kbpf_map, map_type), 4 },
	{ "key_size", offsetof(struct kbpf_map, key_size), 4 },
	{ "value_size", offsetof(struct kbpf_map, value_size), 4 },
	{ "max_entries", offsetof(struct kbpf_map, max_entries), 4 },
	{ "map_extra", offsetof(struct kbpf_map, map_extra), 8 },
	{ "map_flags", offsetof(struct kbpf_map, map_flags), 4 },
	{ "id", offsetof(struct kbpf_map, obj) + offsetof(struct kbpf_obj, id),
	  4 },
	/* KBPF_NUMA_NO_NODE has the bytes of Linux's int NUMA_NO_NODE (-1). */
	{ "numa_node", offsetof(struct kbpf_map, numa_node), 4 },
	{ "btf_key_type_id", offsetof(struct kbpf_map, btf_key_type_id), 4 },
	{ "btf_value_type_id", offsetof(struct kbpf_map, btf_value_type_id),
	  4 },
	{ "btf_vmlinux_value_type_id",
	  offsetof(struct kbpf_map, btf_vmlinux_value_type_id), 4 },
	{ "name", offsetof(struct kbpf_map, name), 16 },
};

_Static_assert(sizeof(struct kbpf_map) < 0x4000,
	       "map field offsets fit an instruction's off");

/*
 * The kbpf map offset of the @size bytes at @off of the host BTF's
 * struct bpf_map (@map_id), or -1 if they are not all in one field
 * kbpf keeps.
 */
static int32_t map_field_off(const struct kbpf_btf_view *b, uint32_t map_id,
			     uint32_t off, uint32_t size)
{
	const uint8_t *t = kbpf_btf_type(b, map_id);
	uint32_t vlen = t ? kbpf_btf_vlen(b, t) : 0;

	for (uint32_t i = 0; i < vlen; i++) {
		const uint8_t *m = kbpf_btf_vrec(b, t, i), *mt, *et;
		uint32_t moff = kbpf_btf_member_bit_off(b, t, i) / 8;
		uint32_t msize, eid, nel, mid;
		const char *mn = nm(b, m);

		if (kbpf_btf_member_bitfield_size(b, t, i) ||
		    kbpf_btf_member_bit_off(b, t, i) % 8)
			continue;
		mt = resolve_member(b, kbpf_btf_rd32(b, m + 4), &msize, &et,
				    &eid, &nel, &mid);
		if (!mt || off < moff || (uint64_t)off + size > moff + msize)
			continue;
		for (size_t j = 0;
		     j < sizeof(map_fields) / sizeof(map_fields[0]); j++)
			if (!bp_strcmp(map_fields[j].name, mn) &&
			    map_fields[j].size == msize)
				return (int32_t)(map_fields[j].off + off -
						 moff);
		return -1;
	}
	return -1;
}

/*
 * The host BTF's struct bpf_map, if the map type's struct @id starts with
 * it (as every map_btf_id struct of Linux does); else 0.
 */
static uint32_t map_base_id(struct venv *env, const struct kbpf_btf_view *b,
			    uint32_t id)
{
	uint32_t map_id =
		kbpf_host_btf_find(env->hbtf, BTF_KIND_STRUCT, "bpf_map");
	const uint8_t *t = kbpf_btf_type(b, id);
	uint32_t mid;

	if (!map_id || !t || !kbpf_btf_vlen(b, t) ||
	    kbpf_btf_member_bit_off(b, t, 0))
		return 0;
	kbpf_btf_skip_mods(b, kbpf_btf_rd32(b, kbpf_btf_vrec(b, t, 0) + 4),
			   &mid);
	return mid == map_id ? map_id : 0;
}

int kbpf_v_map_ptr_access(struct venv *env, uint32_t regno, int32_t off,
			  uint32_t size, bool write, struct vreg *out)
{
	const struct vreg *r = &CUR_REGS(env)[regno];
	const struct kbpf_btf_view *b;
	const char *sn, *tn, *field = NULL;
	uint32_t id, map_id, next = 0;
	uint8_t fl = 0;
	int err, res;

	err = hbtf(env, &b);
	if (err)
		return err;
	if (!b) {
		kbpf_vlog_printf(
			env->log,
			"map_ptr access not supported without CONFIG_DEBUG_INFO_BTF\n");
		return -KBPF_ENOTSUPP;
	}
	sn = r->map ? map_struct_name(r->map->map_type) : NULL;
	id = sn ? kbpf_host_btf_find(env->hbtf, BTF_KIND_STRUCT, sn) : 0;
	if (!id) {
		kbpf_vlog_printf(
			env->log,
			"map_ptr access not supported for map type %d\n",
			r->map ? (int)r->map->map_type : 0);
		return -KBPF_ENOTSUPP;
	}
	tn = tname_of(b, id);
	if (!env->allow_ptr_leaks) {
		kbpf_vlog_printf(
			env->log,
			"'struct %s' access is allowed only to CAP_PERFMON and CAP_SYS_ADMIN\n",
			tn);
		return -KBPF_EPERM;
	}
	off += r->off;
	if (off < 0) {
		kbpf_vlog_printf(env->log,
				 "R%u is %s invalid negative access: off=%d\n",
				 regno, tn, off);
		return -KBPF_EACCES;
	}
	if (write) {
		kbpf_vlog_printf(env->log, "only read from %s is supported\n",
				 tn);
		return -KBPF_EACCES;
	}
	res = walk(env, b, id, (uint32_t)off, size, &next, &fl, &field);
	if (res < 0)
		return res;
	map_id = map_base_id(env, b, id);
	if (res != WALK_SCALAR || !map_id ||
	    map_field_off(b, map_id, (uint32_t)off, size) < 0) {
		kbpf_vlog_printf(
			env->log,
			"kbpf: struct %s off %d size %u is not a field of struct bpf_map kbpf keeps\n",
			tn, off, size);
		return -KBPF_ENOTSUPP;
	}
	env->flags[env->insn_idx] |= VI_MAP_FIELD;
	if (out) {
		kbpf_v_mark_unknown(out);
		kbpf_scalar_cast(&out->s, (uint8_t)size);
	}
	return 0;
}

int kbpf_v_btf_ptr_named(struct venv *env, const char *name, uint8_t flags,
			 struct vreg *out)
{
	const struct kbpf_btf_view *b;
	uint32_t id;
	int err = hbtf(env, &b);

	if (err)
		return err;
	id = b ? kbpf_host_btf_find(env->hbtf, BTF_KIND_STRUCT, name) : 0;
	if (!id)
		return 0;
	set_btf_ptr(out, id, flags);
	return 1;
}

void kbpf_v_btf_mark_probes(struct venv *env)
{
	struct bpf_insn *insns = env->prog->insns;

	const struct kbpf_btf_view *b = NULL;
	uint32_t map_id = 0;

	if (env->hbtf_state > 0) {
		b = &env->hbtf->view;
		map_id = kbpf_host_btf_find(env->hbtf, BTF_KIND_STRUCT,
					    "bpf_map");
	}
	for (uint32_t i = 0; i < env->len; i++) {
		uint8_t mode;

		if (!(env->flags[i] & (VI_PROBE | VI_MAP_FIELD)) ||
		    BPF_CLASS(insns[i].code) != BPF_LDX)
			continue;
		if (env->flags[i] & VI_MAP_FIELD) {
			/*
			 * Proven: struct bpf_map starts the type's struct and
			 * the bytes are in one field kbpf keeps.
			 */
			int32_t k = b ? map_field_off(b, map_id,
						      (uint32_t)insns[i].off,
						      kbpf_insn_size_bytes(
							      insns[i].code)) :
					-1;

			if (k < 0)
				continue; /* not reached: the proof refused */
			insns[i].off = (int16_t)k;
		}
		mode = BPF_MODE(insns[i].code);
		if (mode == BPF_MEM)
			mode = KBPF_PROBE_MEM;
		else if (mode == BPF_MEMSX)
			mode = KBPF_PROBE_MEMSX;
		else
			continue;
		insns[i].code =
			(uint8_t)(BPF_LDX | mode | BPF_SIZE(insns[i].code));
	}
}
