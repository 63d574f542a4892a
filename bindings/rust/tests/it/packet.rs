// SPDX-License-Identifier: MIT
//! A kernel running an XDP program on its own packets (Kbpf::xdp_run over
//! an XdpContext): examples/xdp_filter.bpf.c, loaded by the in-kernel
//! loader, on the sample frames of examples/packets/; each verdict compared
//! with BPF_PROG_TEST_RUN of the same program on the same bytes.


use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*};
use kbpf::{ElfObject, ElfOptions, Errno, XdpContext};
use std::sync::atomic::Ordering;

fn packet(name: &str) -> Vec<u8> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/packets");
    std::fs::read(format!("{dir}/{name}")).expect("sample packet")
}

/// BPF_PROG_TEST_RUN of an XDP program on @data: the verdict.
fn test_run_xdp(side: Side, prog: i64, data: &[u8]) -> Result<u32, Errno> {
    let mut a = zeroed_attr();
    a.test.prog_fd = prog as u32;
    a.test.data_in = data.as_ptr() as u64;
    a.test.data_size_in = data.len() as u32;
    side.bpf(BPF_PROG_TEST_RUN, &mut a)?;
    // SAFETY: kbpf wrote retval.
    Ok(unsafe { a.test.retval })
}

#[test]
fn xdp_run_gives_the_test_run_verdicts() {
    let dir = match option_env!("KBPF_EXAMPLES_DIR") {
        Some(d) => d,
        None => {
            eprintln!("skipped: the example BPF objects were not built (clang or libbpf-dev missing)");
            return;
        }
    };
    let bytes = std::fs::read(format!("{dir}/xdp_filter.bpf.o")).unwrap();
    let k = kbpf(2);
    let opts = ElfOptions { obj_name: Some(kbpf::cstr!("xdp_filter")), ..Default::default() };
    let mut obj = ElfObject::parse(k, &bytes, &opts).unwrap();
    obj.load(&opts).unwrap();
    let prog = obj.find_prog("xdp_filter").unwrap().prog().unwrap();
    let blocked = obj.find_map("blocked_ports").unwrap().map().unwrap();
    let side = Side::Rust(k);
    let blocked_fd = k.host().install(&blocked) as i64;
    let prog_fd = k.host().install(prog.obj()) as i64;
    // Block DNS (UDP port 53).
    let mut zero = 0u64.to_ne_bytes();
    side.elem(BPF_MAP_UPDATE_ELEM, blocked_fd, Some(&53u16.to_ne_bytes()), &mut zero, 0).unwrap();

    let frames = [
        ("udp_dns.pkt", sys::xdp_action::XDP_DROP),
        ("tcp_syn.pkt", sys::xdp_action::XDP_PASS),
        ("udp_echo.pkt", sys::xdp_action::XDP_PASS),
        ("icmp_echo.pkt", sys::xdp_action::XDP_PASS),
    ];
    for (name, want) in frames {
        let pkt = packet(name);
        // The kernel's buffer: 256 bytes of headroom, the frame, 320 of
        // tailroom, as Linux lays out an XDP buffer.
        let mut buf = vec![0u8; 256 + pkt.len() + 320];
        buf[256..256 + pkt.len()].copy_from_slice(&pkt);
        let mut ctx = XdpContext::new(&mut buf, 256, pkt.len() as u32, 320, 1, 0).unwrap();
        let verdict = k.xdp_run(&prog, &mut ctx).unwrap();
        assert_eq!(verdict, want as u64, "{name}");
        assert_eq!(ctx.packet(), &pkt[..], "{name}: the filter leaves the frame alone");
        assert_eq!(test_run_xdp(side, prog_fd, &pkt), Ok(want), "{name} through test run");
    }
    // Two DNS drops counted in the map: one run each way.
    let mut drops = [0u8; 8];
    side.elem(BPF_MAP_LOOKUP_ELEM, blocked_fd, Some(&53u16.to_ne_bytes()), &mut drops, 0)
        .unwrap();
    assert_eq!(u64::from_ne_bytes(drops), 2);

    // A runt frame (shorter than an Ethernet header) is dropped.
    let mut buf = vec![0u8; 256 + 8 + 320];
    let mut ctx = XdpContext::new(&mut buf, 256, 8, 320, 1, 0).unwrap();
    assert_eq!(k.xdp_run(&prog, &mut ctx), Ok(sys::xdp_action::XDP_DROP as u64));
    // A packet that does not fit its buffer is refused before any run.
    let mut small = vec![0u8; 64];
    assert_eq!(XdpContext::new(&mut small, 0, 32, 0, 1, 0).err(), Some(Errno::EINVAL));

    drop((prog, blocked));
    drop(obj);
    k.host().close_all();
    assert_eq!(k.host().live_allocs.load(Ordering::Relaxed), 0);
}
