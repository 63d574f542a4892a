// SPDX-License-Identifier: MIT
//! Program loads, BPF_PROG_TEST_RUN and a ring buffer a program writes and
//! the crate's consumer reads; each on the Rust host and the C POSIX host.


use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*, bpf_map_type::*, bpf_prog_type::*};
use kbpf::{ringbuf_consume, ringbuf_query, Errno, RingbufQuery};
use std::sync::atomic::Ordering;

const R0: u8 = 0;
const R1: u8 = 1;
const R2: u8 = 2;
const R3: u8 = 3;
const R4: u8 = 4;
const R10: u8 = 10;

/// r0 = ctx[0] + 1.
fn add_one() -> Vec<sys::bpf_insn> {
    vec![
        insn(sys::BPF_LDX | sys::BPF_MEM | sys::BPF_DW, R0, R1, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_ADD | sys::BPF_K, R0, 0, 0, 1),
        exit(),
    ]
}

#[test]
fn prog_load_and_test_run_match_the_c_host() {
    let k = kbpf(2);
    for side in Side::both(k) {
        let mut log = [0u8; 256];
        let fd = side.prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, &add_one(), &mut log).unwrap();
        assert_eq!(side.test_run(fd, &[41]), Ok(42), "{} host", side.name());
        assert_eq!(side.test_run(fd, &[u32::MAX as u64]), Ok(0), "{}: retval is 32 bits", side.name());
        side.close(fd);
    }
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0, "leak after close");
}

#[test]
fn refused_programs_give_the_same_errno_and_log() {
    let k = kbpf(2);
    // A program that falls off its end, and one that jumps out of range.
    let no_exit = vec![insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_K, R0, 0, 0, 0)];
    let bad_jump = vec![insn(sys::BPF_JMP | sys::BPF_JA, 0, 0, 5, 0), exit()];
    let mut results = Vec::new();
    for side in Side::both(k) {
        let mut out = Vec::new();
        for p in [&no_exit, &bad_jump] {
            let mut log = [0u8; 512];
            let r = side.prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, p, &mut log);
            let n = log.iter().position(|&b| b == 0).unwrap_or(0);
            out.push((r.map(|_| ()), String::from_utf8_lossy(&log[..n]).into_owned()));
        }
        results.push(out);
    }
    assert_eq!(results[0][0].0, Err(Errno::EINVAL));
    assert_eq!(results[0][1].0, Err(Errno::EINVAL));
    assert!(!results[0][1].1.is_empty(), "a verifier log line");
    for r in &results[1..] {
        assert_eq!(r, &results[0]);
    }
}

/// A raw tracepoint program that writes ctx[0] to a ring buffer with
/// bpf_ringbuf_output.
fn ringbuf_writer(map_fd: i64) -> Vec<sys::bpf_insn> {
    let mut p = vec![
        insn(sys::BPF_LDX | sys::BPF_MEM | sys::BPF_DW, R2, R1, 0, 0),
        insn(sys::BPF_STX | sys::BPF_MEM | sys::BPF_DW, R10, R2, -8, 0),
    ];
    p.extend(ld_map_fd(R1, map_fd));
    p.extend([
        insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_X, R2, R10, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_ADD | sys::BPF_K, R2, 0, 0, -8),
        insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_K, R3, 0, 0, 8),
        insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_K, R4, 0, 0, 0),
        insn(
            sys::BPF_JMP | sys::BPF_CALL,
            0,
            0,
            0,
            sys::bpf_func_id::BPF_FUNC_ringbuf_output as i32,
        ),
        exit(),
    ]);
    p
}

#[test]
fn ring_buffer_written_by_a_program_is_read_by_the_consumer() {
    let k = kbpf(2);
    for side in Side::both(k) {
        let map = side.map_create(BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0).unwrap();
        let prog = side
            .prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, &ringbuf_writer(map), &mut [0; 512])
            .unwrap();
        for arg in [7u64, 8, 9] {
            assert_eq!(side.test_run(prog, &[arg]), Ok(0), "{}", side.name());
        }
        let obj = side.obj(map);
        let m = obj.as_map().expect("a map");
        // Three 8-byte records, each with an 8-byte header.
        assert_eq!(ringbuf_query(m, RingbufQuery::AvailData), 48, "{}", side.name());
        assert_eq!(ringbuf_query(m, RingbufQuery::RingSize), 4096);
        let mut seen = Vec::new();
        let n = ringbuf_consume(m, |rec| {
            seen.push(u64::from_ne_bytes(rec.try_into().unwrap()));
            Ok(())
        });
        assert_eq!(n, Ok(3), "{}", side.name());
        assert_eq!(seen, [7, 8, 9], "{}", side.name());
        assert_eq!(ringbuf_query(m, RingbufQuery::AvailData), 0);
        assert_eq!(ringbuf_query(m, RingbufQuery::ConsPos), 48);

        // The callback's error stops the walk after the first record.
        for arg in [1u64, 2] {
            side.test_run(prog, &[arg]).unwrap();
        }
        let mut calls = 0;
        let r = ringbuf_consume(m, |_| {
            calls += 1;
            Err(Errno::EINTR)
        });
        assert_eq!((r, calls), (Err(Errno::EINTR), 1), "{}", side.name());
        drop(obj);
        side.close(prog);
        side.close(map);
    }
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
    assert_eq!(k.host().live_pages.load(Ordering::Relaxed), 0);
}

#[test]
fn ring_buffer_needs_host_pages() {
    // A host without PAGES: ring buffers are refused, as host.h says.
    struct NoPages(TestHost);
    // SAFETY: delegates to TestHost's correct memory and CPU answers.
    unsafe impl kbpf::Host for NoPages {
        fn alloc(&self, s: usize, a: usize, f: kbpf::AllocFlags) -> *mut u8 {
            self.0.alloc(s, a, f)
        }
        unsafe fn free(&self, p: *mut u8, s: usize) {
            // SAFETY: forwarded contract.
            unsafe { self.0.free(p, s) }
        }
        fn nr_cpus(&self) -> u32 {
            1
        }
        fn cpu_id(&self) -> u32 {
            0
        }
        fn mono_ns(&self) -> u64 {
            self.0.mono_ns()
        }
        const FDS: bool = true;
        fn fd_install(
            &self,
            o: kbpf::UserRef,
            f: kbpf::FdFlags,
        ) -> Result<i32, (Errno, kbpf::UserRef)> {
            self.0.fd_install(o, f)
        }
    }
    let k = kbpf::Kbpf::leak(NoPages(TestHost::new(1))).unwrap();
    let mut a = zeroed_attr();
    a.__bindgen_anon_1.map_type = BPF_MAP_TYPE_RINGBUF;
    a.__bindgen_anon_1.max_entries = 4096;
    // SAFETY: a plain attribute.
    let r = unsafe { k.sys_bpf_attr(BPF_MAP_CREATE, &mut a) };
    assert_eq!(r, Err(Errno::EOPNOTSUPP));
    // The same host creates maps that need no pages.
    a.__bindgen_anon_1.map_type = BPF_MAP_TYPE_ARRAY;
    a.__bindgen_anon_1.key_size = 4;
    a.__bindgen_anon_1.value_size = 4;
    // SAFETY: a plain attribute.
    assert!(unsafe { k.sys_bpf_attr(BPF_MAP_CREATE, &mut a) }.is_ok());
    k.host().0.close_all();
}

/// Per-CPU counter: each run adds one to slot 0 of a PERCPU_ARRAY on the
/// CPU it runs on.
fn percpu_counter(map_fd: i64) -> Vec<sys::bpf_insn> {
    let mut p = vec![insn(sys::BPF_ST | sys::BPF_MEM | sys::BPF_W, R10, 0, -4, 0)];
    p.extend(ld_map_fd(R1, map_fd));
    p.extend([
        insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_X, R2, R10, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_ADD | sys::BPF_K, R2, 0, 0, -4),
        insn(
            sys::BPF_JMP | sys::BPF_CALL,
            0,
            0,
            0,
            sys::bpf_func_id::BPF_FUNC_map_lookup_elem as i32,
        ),
        insn(sys::BPF_JMP | sys::BPF_JEQ | sys::BPF_K, R0, 0, 3, 0),
        insn(sys::BPF_LDX | sys::BPF_MEM | sys::BPF_DW, R1, R0, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_ADD | sys::BPF_K, R1, 0, 0, 1),
        insn(sys::BPF_STX | sys::BPF_MEM | sys::BPF_DW, R0, R1, 0, 0),
        insn(sys::BPF_ALU64 | sys::BPF_MOV | sys::BPF_K, R0, 0, 0, 0),
        exit(),
    ]);
    p
}

#[test]
fn threads_as_cpus_fill_per_cpu_slots() {
    // Four threads, each its own virtual CPU (Host::cpu_id answers from a
    // thread-local): CPU i runs the program i + 1 times.
    let k = kbpf(4);
    let side = Side::Rust(k);
    let map = side.map_create(BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1, 0).unwrap();
    let prog = side
        .prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, &percpu_counter(map), &mut [0; 512])
        .unwrap();
    std::thread::scope(|s| {
        for cpu in 0..4u32 {
            s.spawn(move || {
                set_cpu(cpu);
                for _ in 0..=cpu {
                    assert_eq!(side.test_run(prog, &[0]), Ok(0));
                }
            });
        }
    });
    // User space sees one 8-byte slot per possible CPU, as in Linux.
    let mut out = [0u8; 32];
    side.elem(BPF_MAP_LOOKUP_ELEM, map, Some(&0u32.to_ne_bytes()), &mut out, 0).unwrap();
    let slots: Vec<u64> =
        out.chunks(8).map(|c| u64::from_ne_bytes(c.try_into().unwrap())).collect();
    assert_eq!(slots, [1, 2, 3, 4]);
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
}
