/* SPDX-License-Identifier: MIT */
/*
 * The layout of kbpf's public structs and its errno table as the C compiler
 * that builds libkbpf.a sees them, for the crate's tests (tests/it/layout.rs):
 * bindgen's own layout tests check src/sys.rs against clang at generation
 * time; these check it against the compiler in use now (gcc for the
 * POSIX build), so a header change that is not regenerated, or a compiler
 * that lays a struct out differently, fails `cargo test`.
 */
#include <stddef.h>

#include "kbpf/kbpf.h"

struct kbpf_rs_entry {
	const char *name;
	long value;
};

#define SZ(t)                                        \
	{                                            \
		"sizeof " #t, (long)sizeof(struct t) \
	}
#define AL(t)                                           \
	{                                               \
		"alignof " #t, (long)_Alignof(struct t) \
	}
#define OF(t, f)                                       \
	{                                              \
#t "." #f, (long)offsetof(struct t, f) \
	}

const struct kbpf_rs_entry kbpf_rs_layout[] = {
	SZ(kbpf_host),
	AL(kbpf_host),
	OF(kbpf_host, ctx),
	OF(kbpf_host, alloc),
	OF(kbpf_host, free),
	OF(kbpf_host, alloc_pages),
	OF(kbpf_host, vunmap),
	OF(kbpf_host, nr_cpus),
	OF(kbpf_host, cpu_id),
	OF(kbpf_host, irq_save),
	OF(kbpf_host, lock_timeout_ns),
	OF(kbpf_host, defer_free),
	OF(kbpf_host, read_unlock),
	OF(kbpf_host, copy_from_user),
	OF(kbpf_host, strncpy_from_user),
	OF(kbpf_host, probe_read_user),
	OF(kbpf_host, mono_ns),
	OF(kbpf_host, tai_ns),
	OF(kbpf_host, random_u32),
	OF(kbpf_host, current_ids),
	OF(kbpf_host, stack_walk),
	OF(kbpf_host, cgroup_get),
	OF(kbpf_host, ifindex_ok),
	OF(kbpf_host, current_in_cgroup),
	OF(kbpf_host, capable),
	OF(kbpf_host, unprivileged_bpf_disabled),
	OF(kbpf_host, trace_write),
	OF(kbpf_host, wake),
	OF(kbpf_host, warn),
	OF(kbpf_host, fd_install),
	OF(kbpf_host, fd_get),
	OF(kbpf_host, id_alloc),
	OF(kbpf_host, id_release),
	OF(kbpf_host, raw_tps),
	OF(kbpf_host, btf),
	OF(kbpf_host, btf_size),
	OF(kbpf_host, probes),
	SZ(kbpf_rcu_head),
	OF(kbpf_rcu_head, func),
	SZ(kbpf_raw_tp),
	AL(kbpf_raw_tp),
	OF(kbpf_raw_tp, nargs),
	OF(kbpf_raw_tp, flags),
	OF(kbpf_raw_tp, host),
	OF(kbpf_raw_tp, lock),
	OF(kbpf_raw_tp, nr_links),
	OF(kbpf_raw_tp, retired_progs),
	SZ(kbpf_raw_tp_registry),
	OF(kbpf_raw_tp_registry, head),
	SZ(kbpf_elf),
	OF(kbpf_elf, license),
	OF(kbpf_elf, kern_version),
	OF(kbpf_elf, progs),
	OF(kbpf_elf, nr_progs),
	OF(kbpf_elf, maps),
	OF(kbpf_elf, nr_maps),
	OF(kbpf_elf, loaded),
	SZ(kbpf_elf_prog),
	OF(kbpf_elf_prog, insns),
	OF(kbpf_elf_prog, insn_cnt),
	OF(kbpf_elf_prog, autoload),
	OF(kbpf_elf_prog, prog),
	OF(kbpf_elf_prog, why),
	OF(kbpf_elf_prog, sec_idx),
	SZ(kbpf_elf_map),
	OF(kbpf_elf_map, kname),
	OF(kbpf_elf_map, kind),
	OF(kbpf_elf_map, type),
	OF(kbpf_elf_map, map_extra),
	OF(kbpf_elf_map, map),
	OF(kbpf_elf_map, sec_off),
	SZ(kbpf_elf_opts),
	OF(kbpf_elf_opts, errbuf_size),
	OF(kbpf_elf_opts, log_size),
	OF(kbpf_elf_opts, target_btf_size),
	OF(kbpf_elf_opts, kconfig),
	SZ(kbpf_interp_args),
	OF(kbpf_interp_args, pkt),
	OF(kbpf_interp_args, r2),
	OF(kbpf_interp_args, mode),
	OF(kbpf_interp_args, cookie),
	SZ(bpf_insn),
	{ "sizeof bpf_attr", (long)sizeof(union bpf_attr) },
	{ 0, 0 },
};

#define E(n)                 \
	{                    \
#n, KBPF_##n \
	}

const struct kbpf_rs_entry kbpf_rs_errnos[] = {
	E(EPERM),
	E(ENOENT),
	E(ESRCH),
	E(EINTR),
	E(EIO),
	E(ENXIO),
	E(E2BIG),
	E(ENOEXEC),
	E(EBADF),
	E(ECHILD),
	E(EAGAIN),
	E(ENOMEM),
	E(EACCES),
	E(EFAULT),
	E(EBUSY),
	E(EEXIST),
	E(EXDEV),
	E(ENODEV),
	E(ENOTDIR),
	E(EISDIR),
	E(EINVAL),
	E(ENFILE),
	E(EMFILE),
	E(ENOTTY),
	E(EFBIG),
	E(ENOSPC),
	E(ESPIPE),
	E(EROFS),
	E(EMLINK),
	E(EPIPE),
	E(EDOM),
	E(ERANGE),
	E(EDEADLK),
	E(ENAMETOOLONG),
	E(ENOLCK),
	E(ENOSYS),
	E(ENOTEMPTY),
	E(ELOOP),
	E(ENOMSG),
	E(EIDRM),
	E(ENOSTR),
	E(ENODATA),
	E(ETIME),
	E(ENOLINK),
	E(EPROTO),
	E(EBADMSG),
	E(EOVERFLOW),
	E(ENOTUNIQ),
	E(EBADFD),
	E(EILSEQ),
	E(EUSERS),
	E(ENOTSOCK),
	E(EDESTADDRREQ),
	E(EMSGSIZE),
	E(EPROTOTYPE),
	E(ENOPROTOOPT),
	E(EPROTONOSUPPORT),
	E(EOPNOTSUPP),
	E(EAFNOSUPPORT),
	E(EADDRINUSE),
	E(EADDRNOTAVAIL),
	E(ENETDOWN),
	E(ENETUNREACH),
	E(ENOBUFS),
	E(EISCONN),
	E(ENOTCONN),
	E(ETIMEDOUT),
	E(ECONNREFUSED),
	E(EHOSTUNREACH),
	E(EALREADY),
	E(EINPROGRESS),
	E(ESTALE),
	E(EDQUOT),
	E(ECANCELED),
	E(EOWNERDEAD),
	E(ENOTRECOVERABLE),
	E(ENOTSUPP),
	{ 0, 0 },
};
