// SPDX-License-Identifier: MIT
//! Map commands through `Kbpf::sys_bpf` with a host written in Rust, each
//! step compared with the same attributes through the C POSIX host.


use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*, bpf_map_type::*};
use kbpf::Errno;
use std::sync::atomic::Ordering;

/// One run of a HASH map's element commands; every result, value and key
/// that comes back, in order.
fn hash_session(side: Side) -> Vec<String> {
    let mut log = Vec::new();
    let mut rec = |what: &str, r: Result<i64, Errno>, bytes: &[u8]| {
        log.push(format!("{what}: {r:?} {bytes:?}"));
    };
    let fd = side.map_create(BPF_MAP_TYPE_HASH, 4, 8, 4, sys::BPF_F_ZERO_SEED).expect("create");
    let k1 = 7u32.to_ne_bytes();
    let k2 = 9u32.to_ne_bytes();
    let mut v = 0x1122_3344_5566_7788u64.to_ne_bytes();
    rec("update", side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&k1), &mut v, 0), &[]);
    let mut out = [0u8; 8];
    rec("lookup", side.elem(BPF_MAP_LOOKUP_ELEM, fd, Some(&k1), &mut out, 0), &out);
    let mut out2 = [0u8; 8];
    rec("lookup missing", side.elem(BPF_MAP_LOOKUP_ELEM, fd, Some(&k2), &mut out2, 0), &out2);
    rec(
        "noexist on existing",
        side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&k1), &mut v, sys::BPF_NOEXIST as u64),
        &[],
    );
    rec(
        "exist on missing",
        side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&k2), &mut v, sys::BPF_EXIST as u64),
        &[],
    );
    rec("bad flags", side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&k2), &mut v, 77), &[]);
    for k in 100u32..104 {
        let r = side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&k.to_ne_bytes()), &mut v, 0);
        rec("fill", r, &[]);
    }
    let mut next = [0u8; 4];
    rec("first key", side.elem(BPF_MAP_GET_NEXT_KEY, fd, None, &mut next, 0), &next);
    rec("delete", side.elem(BPF_MAP_DELETE_ELEM, fd, Some(&k1), &mut [], 0), &[]);
    rec("delete again", side.elem(BPF_MAP_DELETE_ELEM, fd, Some(&k1), &mut [], 0), &[]);
    side.close(fd);
    log
}

#[test]
fn hash_map_commands_match_the_c_host() {
    let k = kbpf(2);
    let sides = Side::both(k);
    let runs: Vec<_> = sides.iter().map(|s| (s.name(), hash_session(*s))).collect();
    let rust = &runs[0].1;
    // The Linux-defined answers, whatever the C side says.
    assert!(rust[0].starts_with("update: Ok(0)"), "{rust:?}");
    assert!(rust[2].starts_with("lookup missing: Err(ENOENT)"), "{rust:?}");
    assert!(rust[3].starts_with("noexist on existing: Err(EEXIST)"), "{rust:?}");
    assert!(rust[4].starts_with("exist on missing: Err(ENOENT)"), "{rust:?}");
    assert!(rust[5].starts_with("bad flags: Err(EINVAL)"), "{rust:?}");
    assert!(rust[9].starts_with("fill: Err(E2BIG)"), "a full hash map gives E2BIG: {rust:?}");
    assert!(rust[12].starts_with("delete again: Err(ENOENT)"), "{rust:?}");
    for (name, log) in &runs[1..] {
        assert_eq!(log, rust, "{name} differs from the Rust host");
    }
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0, "leak after close");
}

#[test]
fn map_create_rules_match_the_c_host() {
    let k = kbpf(2);
    // (type, key, value, max, flags): each gives the same result on both.
    let cases = [
        (BPF_MAP_TYPE_ARRAY, 4, 8, 16, 0),
        (BPF_MAP_TYPE_ARRAY, 8, 8, 16, 0),          // array key must be 4: EINVAL
        (BPF_MAP_TYPE_HASH, 0, 8, 16, 0),           // key 0: EINVAL
        (BPF_MAP_TYPE_HASH, 4, 8, 0, 0),            // no entries: EINVAL
        (BPF_MAP_TYPE_QUEUE, 0, 4, 8, 0),
        (BPF_MAP_TYPE_RINGBUF, 0, 0, 4096, 0),
        (BPF_MAP_TYPE_RINGBUF, 0, 0, 4000, 0),      // not a power of 2: EINVAL
        (9999, 4, 4, 4, 0),                         // unknown type: EINVAL
    ];
    for side in Side::both(k) {
        let got: Vec<_> = cases
            .iter()
            .map(|&(t, ks, vs, m, f)| {
                let r = side.map_create(t, ks, vs, m, f);
                if let Ok(fd) = r {
                    side.close(fd);
                }
                r.map(|_| ())
            })
            .collect();
        let want = [
            Ok(()),
            Err(Errno::EINVAL),
            Err(Errno::EINVAL),
            Err(Errno::EINVAL),
            Ok(()),
            Ok(()),
            Err(Errno::EINVAL),
            Err(Errno::EINVAL),
        ];
        assert_eq!(got, want, "{} host", side.name());
    }
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
    assert_eq!(k.host().live_pages.load(Ordering::Relaxed), 0);
}

#[test]
fn attribute_rules_of_sys_bpf() {
    let k = kbpf(1);
    let mut big = vec![0u8; 8192];
    // SAFETY: a zeroed buffer of the size given.
    let r = unsafe { k.sys_bpf(BPF_MAP_CREATE, big.as_mut_ptr().cast(), 8192) };
    assert_eq!(r, Err(Errno::E2BIG), "size past 4096");
    let mut a = zeroed_attr();
    // SAFETY: a zeroed attribute.
    assert_eq!(unsafe { k.sys_bpf_attr(9999, &mut a) }, Err(Errno::EINVAL), "unknown command");
    // An fd the host never gave.
    let mut v = [0u8; 8];
    let side = Side::Rust(k);
    assert_eq!(
        side.elem(BPF_MAP_LOOKUP_ELEM, 42, Some(&[0; 4]), &mut v, 0),
        Err(Errno::EBADF)
    );
}

#[test]
fn host_check_refuses_a_bad_cpu_count() {
    let err = kbpf::Kbpf::leak(TestHost::new(0)).err().expect("nr_cpus 0 is refused");
    assert_eq!(err.errno, Errno::EINVAL);
    assert_eq!(err.field.to_str().unwrap(), "nr_cpus");
}

#[test]
fn ids_and_pins() {
    // Ids come from kbpf's registry in the Kbpf's own state storage; pins
    // from the test host's one-directory BPF file system.
    let k = kbpf(1);
    let side = Side::Rust(k);
    let fd = side.map_create(BPF_MAP_TYPE_ARRAY, 4, 8, 1, 0).unwrap();
    let mut a = zeroed_attr();
    a.__bindgen_anon_6.__bindgen_anon_1.start_id = 0;
    let id = side.bpf(BPF_MAP_GET_NEXT_ID, &mut a).map(|_| unsafe { a.__bindgen_anon_6.next_id });
    let id = id.expect("a map id");
    assert!(id > 0);
    let mut by_id = zeroed_attr();
    by_id.__bindgen_anon_6.__bindgen_anon_1.map_id = id;
    let fd2 = side.bpf(BPF_MAP_GET_FD_BY_ID, &mut by_id).unwrap();
    assert_ne!(fd2, fd);

    let mut v = 42u64.to_ne_bytes();
    side.elem(BPF_MAP_UPDATE_ELEM, fd, Some(&0u32.to_ne_bytes()), &mut v, 0).unwrap();
    let path = kbpf::cstr!("/sys/fs/bpf/counter");
    let mut pin = zeroed_attr();
    pin.__bindgen_anon_4.pathname = path.as_ptr() as u64;
    pin.__bindgen_anon_4.bpf_fd = fd as u32;
    assert_eq!(side.bpf(BPF_OBJ_PIN, &mut pin), Ok(0));
    assert_eq!(side.bpf(BPF_OBJ_PIN, &mut pin), Err(Errno::EEXIST));
    side.close(fd);
    side.close(fd2);
    // The pin keeps the map alive: BPF_OBJ_GET gives a new fd to it.
    let mut get = zeroed_attr();
    get.__bindgen_anon_4.pathname = path.as_ptr() as u64;
    let fd3 = side.bpf(BPF_OBJ_GET, &mut get).unwrap();
    let mut out = [0u8; 8];
    side.elem(BPF_MAP_LOOKUP_ELEM, fd3, Some(&0u32.to_ne_bytes()), &mut out, 0).unwrap();
    assert_eq!(u64::from_ne_bytes(out), 42);
    get.__bindgen_anon_4.pathname = kbpf::cstr!("/sys/fs/bpf/none").as_ptr() as u64;
    assert_eq!(side.bpf(BPF_OBJ_GET, &mut get), Err(Errno::ENOENT));
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
}
