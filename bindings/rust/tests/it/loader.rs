// SPDX-License-Identifier: MIT
//! The ELF loader on an example object (examples/counter.bpf.o, built by
//! CMake with clang -target bpf) and a raw tracepoint the kernel fires:
//! the hook path a Rust kernel uses. The same object parsed on the C POSIX
//! host relocates to the same instructions.


use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*, bpf_map_type::*, bpf_prog_type::*};
use kbpf::{ElfObject, ElfOptions, Errno, RawTracepoint};
use std::sync::atomic::Ordering;

fn example(name: &str) -> Option<Vec<u8>> {
    let dir = match option_env!("KBPF_EXAMPLES_DIR") {
        Some(d) => d,
        None => {
            eprintln!("skipped: the example BPF objects were not built (clang or libbpf-dev missing)");
            return None;
        }
    };
    Some(std::fs::read(format!("{dir}/{name}")).expect("example object"))
}

fn count(k: &'static kbpf::Kbpf<TestHost>, map_fd: i64, key: u32) -> Result<u64, Errno> {
    let mut v = [0u8; 8];
    Side::Rust(k).elem(BPF_MAP_LOOKUP_ELEM, map_fd, Some(&key.to_ne_bytes()), &mut v, 0)?;
    Ok(u64::from_ne_bytes(v))
}

#[test]
fn loader_and_raw_tracepoint_hook() {
    let bytes = match example("counter.bpf.o") {
        Some(b) => b,
        None => return,
    };
    let k = kbpf(2);
    static SYS_ENTER: RawTracepoint = RawTracepoint::new(kbpf::cstr!("sys_enter"), 2);
    k.register_raw_tp(&SYS_ENTER).unwrap();
    assert_eq!(k.register_raw_tp(&SYS_ENTER), Err(Errno::EEXIST));

    let opts = ElfOptions { obj_name: Some(kbpf::cstr!("counter")), ..Default::default() };
    let mut obj = ElfObject::parse(k, &bytes, &opts).unwrap();
    assert_eq!(obj.license().to_str().unwrap(), "GPL");
    let p = obj.find_prog("count_by_key").expect("program");
    assert_eq!(p.section().to_str().unwrap(), "raw_tp/sys_enter");
    assert_eq!(p.attach_target().to_str().unwrap(), "sys_enter");
    assert_eq!(p.prog_type(), BPF_PROG_TYPE_RAW_TRACEPOINT);
    assert!(p.prog().is_none(), "not loaded yet");
    let m = obj.find_map("counts").expect("map");
    assert_eq!(
        (m.map_type(), m.key_size(), m.value_size(), m.max_entries()),
        (BPF_MAP_TYPE_HASH, 4, 8, 1024)
    );
    obj.load(&opts).unwrap();
    assert_eq!(obj.load(&opts).unwrap_err().errno, Errno::EBUSY);

    // The kernel attaches the program itself and fires the hook.
    let prog = obj.find_prog("count_by_key").unwrap().prog().unwrap();
    let map = obj.find_map("counts").unwrap().map().unwrap();
    let map_fd = k.host().install(&map) as i64;
    let link = SYS_ENTER.attach(&prog, 0).unwrap();
    for nr in [59u64, 59, 59, 1] {
        SYS_ENTER.fire(&[nr, 0]).unwrap();
    }
    assert_eq!(count(k, map_fd, 59), Ok(3));
    assert_eq!(count(k, map_fd, 1), Ok(1));
    assert_eq!(SYS_ENTER.fire(&[1]), Err(Errno::EINVAL), "fewer args than nargs");
    assert_eq!(SYS_ENTER.unregister(), Err(Errno::EBUSY), "programs attached");

    // User space attaches by name with BPF_RAW_TRACEPOINT_OPEN; closing
    // the fd detaches.
    let prog_fd = k.host().install(prog.obj()) as i64;
    let mut a = zeroed_attr();
    a.raw_tracepoint.name = kbpf::cstr!("sys_enter").as_ptr() as u64;
    a.raw_tracepoint.prog_fd = prog_fd as u32;
    let side = Side::Rust(k);
    let tp_fd = side.bpf(BPF_RAW_TRACEPOINT_OPEN, &mut a).unwrap();
    SYS_ENTER.fire(&[59, 0]).unwrap();
    assert_eq!(count(k, map_fd, 59), Ok(5), "two programs attached now");
    side.close(tp_fd);
    drop(link);
    SYS_ENTER.fire(&[59, 0]).unwrap();
    assert_eq!(count(k, map_fd, 59), Ok(5), "both detached");
    let mut unknown = zeroed_attr();
    unknown.raw_tracepoint.name = kbpf::cstr!("no_such_tp").as_ptr() as u64;
    unknown.raw_tracepoint.prog_fd = prog_fd as u32;
    assert_eq!(side.bpf(BPF_RAW_TRACEPOINT_OPEN, &mut unknown), Err(Errno::ENOENT));

    drop((prog, map));
    drop(obj);
    k.host().close_all();
    SYS_ENTER.unregister().unwrap();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0, "leak");
}

#[cfg(kbpf_posix)]
#[test]
fn loader_relocates_alike_on_the_c_host() {
    let bytes = match example("ringbuf_events.bpf.o") {
        Some(b) => b,
        None => return,
    };
    let k = kbpf(2);
    let opts = ElfOptions { obj_name: Some(kbpf::cstr!("ringbuf_events")), ..Default::default() };
    let ours = ElfObject::parse(k, &bytes, &opts).unwrap();
    // SAFETY: the POSIX host's table lives for the whole process.
    let theirs = unsafe { ElfObject::parse_raw(kbpf_posix_host(), &bytes, &opts) }.unwrap();
    let names = |o: &ElfObject| -> Vec<String> {
        o.maps().iter().map(|m| String::from_utf8_lossy(m.kname().to_bytes()).into_owned()).collect()
    };
    assert_eq!(names(&ours), ["events", "ringbuf_.bss"]);
    assert_eq!(names(&ours), names(&theirs));
    assert_eq!(ours.progs().len(), theirs.progs().len());
    for (a, b) in ours.progs().iter().zip(theirs.progs()) {
        assert_eq!(a.name(), b.name());
        let bytes = |p: &kbpf::ElfProg| -> Vec<u8> {
            p.insns().iter().flat_map(|i| {
                // SAFETY: bpf_insn is 8 plain bytes.
                unsafe { std::mem::transmute::<sys::bpf_insn, [u8; 8]>(*i) }
            }).collect()
        };
        assert_eq!(bytes(a), bytes(b), "{:?}", a.name());
    }
}

#[test]
fn loader_reports_malformed_objects() {
    let k = kbpf(1);
    let err = ElfObject::parse(k, b"\x7fELF not really", &ElfOptions::default()).unwrap_err();
    assert_eq!(err.errno, Errno::ENOEXEC);
    assert!(!err.message().is_empty());
    drop(err);
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
}
