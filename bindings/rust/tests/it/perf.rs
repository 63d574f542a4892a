// SPDX-License-Identifier: MIT
//! Perf output: a program's bpf_perf_event_output records in a perf ring,
//! read in the kernel with perf_ring_read over the host's vmap of the ring's
//! pages; on the C POSIX host the same program's ring, mapped with its
//! mmap, must hold byte-identical records.


use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*, bpf_map_type::*, bpf_prog_type::*};
use kbpf::{perf_ring_read, Errno, Host};
use std::ffi::c_void;

fn bpf_output_attr() -> sys::perf_event_attr {
    // SAFETY: all-zero is a valid perf_event_attr.
    let mut a: sys::perf_event_attr = unsafe { std::mem::zeroed() };
    a.type_ = sys::perf_type_id::PERF_TYPE_SOFTWARE;
    a.size = std::mem::size_of::<sys::perf_event_attr>() as u32;
    a.config = sys::perf_sw_ids::PERF_COUNT_SW_BPF_OUTPUT as u64;
    a.sample_type = sys::perf_event_sample_format::PERF_SAMPLE_RAW as u64;
    a.__bindgen_anon_2.wakeup_events = 1;
    a
}

/// bpf_perf_event_output(ctx, map, 0, &ctx[0], 8): slot 0 of the array.
fn perf_writer(map_fd: i64) -> Vec<sys::bpf_insn> {
    const MOV_X: u32 = sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_X;
    const MOV_K: u32 = sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_K;
    let mut p = vec![
        insn(MOV_X, 6, 1, 0, 0),
        insn(sys::BPF_LDX | sys::BPF_MEM | sys::BPF_DW, 2, 1, 0, 0),
        insn(sys::BPF_STX | sys::BPF_MEM | sys::BPF_DW, 10, 2, -8, 0),
        insn(MOV_X, 1, 6, 0, 0),
    ];
    p.extend(ld_map_fd(2, map_fd));
    p.extend([
        insn(MOV_K, 3, 0, 0, 0),
        insn(MOV_X, 4, 10, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_ADD | sys::BPF_K, 4, 0, 0, -8),
        insn(MOV_K, 5, 0, 0, 8),
        insn(
            sys::BPF_JMP | sys::BPF_CALL,
            0,
            0,
            0,
            sys::bpf_func_id::BPF_FUNC_perf_event_output as i32,
        ),
        exit(),
    ]);
    p
}

/// Records of a ring: (type, bytes).
fn drain(page: *mut sys::perf_event_mmap_page) -> Vec<(u32, Vec<u8>)> {
    let mut scratch = vec![0u8; 65536];
    let mut out = Vec::new();
    // SAFETY: page is the control page of a whole mapping of the ring.
    let n = unsafe {
        perf_ring_read(page, &mut scratch, |h, bytes| {
            out.push((h.type_, bytes.to_vec()));
            Ok(())
        })
    };
    assert_eq!(n, Ok(out.len()));
    out
}

/// Open a BPF output event on CPU 0, put it in slot 0 of a perf event
/// array, run the writer with each of @args, return the event fd, the
/// array fd and the program fd.
fn setup(side: Side, fd: i64, args: &[u64]) -> (i64, i64) {
    let map = side.map_create(BPF_MAP_TYPE_PERF_EVENT_ARRAY, 4, 4, 1, 0).unwrap();
    let mut v = (fd as u32).to_ne_bytes();
    side.elem(BPF_MAP_UPDATE_ELEM, map, Some(&0u32.to_ne_bytes()), &mut v, 0).unwrap();
    let prog = side.prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, &perf_writer(map), &mut [0; 512]);
    let prog = prog.unwrap();
    for &a in args {
        assert_eq!(side.test_run(prog, &[a]), Ok(0), "{}", side.name());
    }
    (map, prog)
}

#[test]
fn perf_output_read_in_the_kernel_matches_the_c_host() {
    let k = kbpf(1);
    let args = [0x1111u64, 0x2222, 0x3333];
    let mut attr = bpf_output_attr();
    // SAFETY: a valid attribute in kernel memory (no user copies).
    let fd = unsafe { k.perf_event_open(&mut attr, -1, 0, -1, 0) }.unwrap() as i64;
    let obj = k.host().obj(fd as i32);
    let ev = obj.as_perf_event().expect("a perf event");
    let mapping = ev.mmap(1 + 1, true).unwrap();
    assert_eq!(ev.mmap(1 + 2, true).err(), Some(Errno::EINVAL), "another size");
    let side = Side::Rust(k);
    let (map, prog) = setup(side, fd, &args);
    assert!(ev.readable());
    // The kernel maps the ring's pages itself to read it.
    let base = k.host().vmap(mapping.pages());
    assert!(!base.is_null());
    let ours = drain(base.cast());
    assert!(!ev.readable(), "all consumed");
    assert_eq!(ours.len(), 3);
    for ((ty, bytes), arg) in ours.iter().zip(args) {
        assert_eq!(*ty, sys::perf_event_type::PERF_RECORD_SAMPLE);
        // header (8), raw size (4), then the 8 bytes the program wrote.
        assert_eq!(&bytes[12..20], &arg.to_ne_bytes());
    }
    k.host().vunmap(base, mapping.pages().len());
    drop(mapping);
    drop(obj);
    side.close(prog);
    side.close(map);
    side.close(fd);

    #[cfg(kbpf_posix)]
    {
        extern "C" {
            fn kbpf_posix_perf_event_open(
                attr: *mut sys::perf_event_attr,
                pid: i32,
                cpu: i32,
                group_fd: i32,
                flags: u64,
            ) -> i32;
            fn kbpf_posix_mmap(a: *mut c_void, len: usize, prot: i32, fl: i32, fd: i32, off: i64)
                -> *mut c_void;
            fn kbpf_posix_munmap(a: *mut c_void, len: usize) -> i32;
        }
        let mut attr = bpf_output_attr();
        // SAFETY: the C host's drop-ins, on our own attribute and fd.
        unsafe {
            let fd = kbpf_posix_perf_event_open(&mut attr, -1, 0, -1, 0);
            assert!(fd >= 0);
            let page = kbpf_posix_mmap(std::ptr::null_mut(), 2 * 4096, 3, 1, fd, 0);
            assert_ne!(page as isize, -1);
            let (map, prog) = setup(Side::Posix, fd as i64, &args);
            let theirs = drain(page.cast());
            assert_eq!(theirs, ours, "records differ between the hosts");
            assert_eq!(kbpf_posix_munmap(page, 2 * 4096), 0);
            Side::Posix.close(prog);
            Side::Posix.close(map);
            Side::Posix.close(fd as i64);
        }
    }
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(std::sync::atomic::Ordering::Relaxed), 0);
    assert_eq!(k.host().live_pages.load(std::sync::atomic::Ordering::Relaxed), 0);
}
