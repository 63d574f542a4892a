// SPDX-License-Identifier: MIT
//! The committed FFI (src/sys.rs) against the C compiler that built
//! libkbpf.a: sizes and field offsets of the public structs, and the errno
//! table, as layout/layout.c reports them. bindgen's own layout tests (in
//! src/sys.rs) check the same structs against clang when generated.
#![cfg(kbpf_posix)]

use kbpf::{sys, Errno};
use kbpf::ffi::{c_char, c_long, CStr};
use std::mem::{align_of, size_of};

/// The byte offset of field $f in struct $t (`core::mem::offset_of!` needs
/// Rust 1.77): the distance from the start of an uninitialised value to the
/// field's address, taken without creating a reference.
macro_rules! offset_of {
    ($t:ty, $f:ident) => {{
        let v = std::mem::MaybeUninit::<$t>::uninit();
        let base = v.as_ptr();
        // SAFETY: addr_of! computes the address in bounds of v without
        // reading or referencing the uninitialised field.
        let off = unsafe {
            (std::ptr::addr_of!((*base).$f) as *const u8).offset_from(base as *const u8)
        };
        off as usize
    }};
}

#[repr(C)]
struct Entry {
    name: *const c_char,
    value: c_long,
}

extern "C" {
    static kbpf_rs_layout: [Entry; 0];
    static kbpf_rs_errnos: [Entry; 0];
}

/// The C table, up to its NULL terminator.
fn table(t: *const Entry) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    // SAFETY: layout.c ends each table with a NULL name.
    unsafe {
        let mut p = t;
        while !(*p).name.is_null() {
            out.push((CStr::from_ptr((*p).name).to_str().unwrap().to_owned(), (*p).value as i64));
            p = p.add(1);
        }
    }
    out
}

macro_rules! rust_layout {
    ($($s:ident { $($f:ident),* })*) => {{
        let mut v: Vec<(String, i64)> = Vec::new();
        $(
            v.push((concat!("sizeof ", stringify!($s)).into(), size_of::<sys::$s>() as i64));
            v.push((concat!("alignof ", stringify!($s)).into(), align_of::<sys::$s>() as i64));
            $(v.push((concat!(stringify!($s), ".", stringify!($f)).into(),
                      offset_of!(sys::$s, $f) as i64));)*
        )*
        v
    }};
}

#[test]
fn struct_layouts_match_the_c_compiler() {
    let mut rust = rust_layout! {
        kbpf_host { ctx, alloc, free, alloc_pages, vunmap, nr_cpus, cpu_id, irq_save,
            lock_timeout_ns, defer_free, read_unlock, copy_from_user, strncpy_from_user,
            probe_read_user, mono_ns, tai_ns, random_u32, current_ids, stack_walk,
            cgroup_get, ifindex_ok, dev_mtu, current_in_cgroup, capable, unprivileged_bpf_disabled,
            trace_write, wake, warn, fd_install, fd_get, id_alloc, id_release, state, pin, get_pinned, raw_tps,
            btf, btf_size, probes }
        kbpf_rcu_head { func }
        kbpf_state { head, last, perf_id, stats_users }
        kbpf_raw_tp { nargs, flags, host, lock, nr_links, retired_progs }
        kbpf_raw_tp_registry { head }
        kbpf_elf { license, kern_version, progs, nr_progs, maps, nr_maps, loaded }
        kbpf_elf_prog { insns, insn_cnt, autoload, prog, why, sec_idx }
        kbpf_elf_map { kname, kind, map_extra, map, sec_off }
        kbpf_elf_opts { errbuf_size, log_size, target_btf_size, kconfig }
        kbpf_interp_args { pkt, r2, mode, cookie }
        bpf_insn { }
    };
    // C spells the map type field `type`, a Rust keyword (`type_` here).
    rust.push(("kbpf_elf_map.type".into(), offset_of!(sys::kbpf_elf_map, type_) as i64));
    rust.push(("sizeof bpf_attr".into(), size_of::<sys::bpf_attr>() as i64));
    // SAFETY: a static table of layout.c.
    let c = table(unsafe { kbpf_rs_layout.as_ptr() });
    assert!(c.len() > 60, "layout.c table: {} entries", c.len());
    for (name, value) in &c {
        let r = rust.iter().find(|(n, _)| n == name);
        let r = r.unwrap_or_else(|| panic!("{name}: not checked on the Rust side"));
        assert_eq!(r.1, *value, "{name}: Rust {} vs C {value}", r.1);
    }
}

#[test]
fn errno_enum_matches_errno_h() {
    // SAFETY: a static table of layout.c.
    let c = table(unsafe { kbpf_rs_errnos.as_ptr() });
    assert_eq!(c.len(), Errno::ALL.len(), "every KBPF_E* has a variant and back");
    for (name, value) in &c {
        let e = Errno::from_code(*value as i32);
        assert_eq!(e.name(), name, "KBPF_{name} = {value}");
        assert_eq!(e.code() as i64, *value);
        assert_eq!(e.neg() as i64, -*value);
    }
    assert_eq!(Errno::from_code(1000), Errno::Other(1000));
    assert_eq!(Errno::result(-2), Err(Errno::ENOENT));
    assert_eq!(Errno::result(5), Ok(5));
}
