// SPDX-License-Identifier: MIT
//! Packet programs (`include/kbpf/packet.h`): XDP and tc/socket-filter
//! programs run by the kernel on its own packets.
//!
//! The kernel wraps its buffer in an [`XdpContext`] or [`SkbContext`]
//! (Linux's `xdp_md`/`__sk_buff` plus the real packet pointers) and runs a
//! program on it with [`Kbpf::xdp_run`] or [`Kbpf::skb_run`]; the program
//! may move the packet's start and end within the buffer, and the context
//! says where they are afterwards ([`XdpContext::packet`]).

use core::marker::PhantomData;

use crate::obj::ProgRef;
use crate::{sys, Errno, Host, Kbpf};

/// An XDP context over a buffer the kernel owns for the run.
pub struct XdpContext<'a> {
    raw: sys::kbpf_xdp,
    _buf: PhantomData<&'a mut [u8]>,
}

impl<'a> XdpContext<'a> {
    /// A packet of @len bytes starting @headroom bytes into @buf, with no
    /// metadata; @tailroom bytes at the end of @buf are not the packet's to
    /// grow into (Linux keeps 320 for its shared info). @ifindex and
    /// @rx_queue are what the program reads as `ingress_ifindex` and
    /// `rx_queue_index`.
    ///
    /// Errors: EINVAL if the packet does not fit between the 40 bytes of
    /// headroom Linux reserves and `buf.len() - tailroom`.
    pub fn new(
        buf: &'a mut [u8],
        headroom: u32,
        len: u32,
        tailroom: u32,
        ifindex: u32,
        rx_queue: u32,
    ) -> Result<XdpContext<'a>, Errno> {
        // SAFETY: all-zero is a valid kbpf_xdp for kbpf_xdp_init to fill.
        let mut raw: sys::kbpf_xdp = unsafe { core::mem::zeroed() };
        let size = u32::try_from(buf.len()).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is valid for size bytes for 'a, which the context
        // borrows.
        Errno::check(unsafe {
            sys::kbpf_xdp_init(
                &mut raw,
                buf.as_mut_ptr().cast(),
                size,
                headroom,
                0,
                len,
                tailroom,
                ifindex,
                rx_queue,
            )
        })?;
        Ok(XdpContext { raw, _buf: PhantomData })
    }

    /// The packet as it is now (after a run: as the program left it).
    pub fn packet(&self) -> &[u8] {
        let (d, e) = (self.raw.data as usize, self.raw.data_end as usize);
        // SAFETY: kbpf keeps data <= data_end inside the borrowed buffer.
        unsafe { core::slice::from_raw_parts(d as *const u8, e - d) }
    }

    /// After `XDP_REDIRECT`: the target (ifindex, or devmap key with
    /// [`XdpContext::redirect_map`]) and flags.
    pub fn redirect(&self) -> (u32, u32) {
        (self.raw.redirect_key, self.raw.redirect_flags)
    }

    /// After `XDP_REDIRECT` through `bpf_redirect_map`: the DEVMAP, else NULL.
    pub fn redirect_map(&self) -> *mut sys::kbpf_map {
        self.raw.redirect_map
    }

    /// The raw context, for fields this wrapper does not cover.
    pub fn raw_mut(&mut self) -> &mut sys::kbpf_xdp {
        &mut self.raw
    }
}

/// A socket filter or tc context over a buffer the kernel owns for the run.
pub struct SkbContext<'a> {
    raw: sys::kbpf_skb,
    _buf: PhantomData<&'a mut [u8]>,
}

impl<'a> SkbContext<'a> {
    /// A packet of @len bytes at @off in @buf, starting with its Ethernet
    /// header, as Linux prepares a received packet. @l2: true for tc
    /// programs (data at the Ethernet header), false for socket filters
    /// (data at the network header). @ifindex: the receiving device.
    ///
    /// Errors: EINVAL if @len is below 14 bytes or the packet does not fit.
    pub fn new(
        buf: &'a mut [u8],
        off: u32,
        len: u32,
        l2: bool,
        ifindex: u32,
    ) -> Result<SkbContext<'a>, Errno> {
        // SAFETY: all-zero is a valid kbpf_skb for kbpf_skb_init to fill.
        let mut raw: sys::kbpf_skb = unsafe { core::mem::zeroed() };
        let size = u32::try_from(buf.len()).map_err(|_| Errno::EINVAL)?;
        // SAFETY: buf is valid for size bytes for 'a.
        Errno::check(unsafe {
            sys::kbpf_skb_init(&mut raw, buf.as_mut_ptr().cast(), size, off, len, l2, ifindex)
        })?;
        Ok(SkbContext { raw, _buf: PhantomData })
    }

    /// The packet as it is now.
    pub fn packet(&self) -> &[u8] {
        let (d, e) = (self.raw.data as usize, self.raw.data_end as usize);
        // SAFETY: kbpf keeps data <= data_end inside the borrowed buffer.
        unsafe { core::slice::from_raw_parts(d as *const u8, e - d) }
    }

    /// The `__sk_buff` the program reads and writes (mark, priority, cb...).
    pub fn md(&mut self) -> &mut sys::__sk_buff {
        &mut self.raw.md
    }
}

impl<H: Host> Kbpf<H> {
    fn read_section<R>(&self, f: impl FnOnce() -> R) -> R {
        if H::READ_LOCK {
            let s = self.host().read_lock();
            let r = f();
            self.host().read_unlock(s);
            r
        } else {
            f()
        }
    }

    /// Run an XDP program on @ctx in checked mode (the program can reach
    /// its stack, the context and the packet, nothing else) and return its
    /// verdict (`XDP_PASS`...). Wrapped in the host's read-side section
    /// when it has [`Host::READ_LOCK`].
    ///
    /// Errors: EINVAL for a program that is not XDP; the errno of a
    /// stopped run (EFAULT for an access outside what it may reach, ELOOP
    /// for the instruction budget). Context: program path, with
    /// preemption off; never sleeps.
    pub fn xdp_run(&self, prog: &ProgRef, ctx: &mut XdpContext<'_>) -> Result<u64, Errno> {
        // SAFETY: checked mode confines the program.
        unsafe { self.xdp_run_mode(prog, ctx, sys::kbpf_interp_mode::KBPF_INTERP_CHECKED) }
    }

    /// [`Kbpf::xdp_run`] in the interpreter's fast mode.
    ///
    /// # Safety
    /// The program must have been verified elsewhere: fast mode does not
    /// check its memory accesses.
    pub unsafe fn xdp_run_trusted(
        &self,
        prog: &ProgRef,
        ctx: &mut XdpContext<'_>,
    ) -> Result<u64, Errno> {
        // SAFETY: caller contract.
        unsafe { self.xdp_run_mode(prog, ctx, sys::kbpf_interp_mode::KBPF_INTERP_FAST) }
    }

    unsafe fn xdp_run_mode(
        &self,
        prog: &ProgRef,
        ctx: &mut XdpContext<'_>,
        mode: sys::kbpf_interp_mode::Type,
    ) -> Result<u64, Errno> {
        let mut ret = 0u64;
        let cpu = self.host().cpu_id();
        // SAFETY: a live program and context; mode per the callers.
        let r = self.read_section(|| unsafe {
            sys::kbpf_xdp_run(prog.as_ptr(), self.raw(), &mut ctx.raw, mode, cpu, &mut ret)
        });
        Errno::check(r).map(|()| ret)
    }

    /// Run a socket filter or tc program on @ctx in checked mode and
    /// return r0 (a tc action, or the bytes a socket filter keeps).
    /// Errors and context as [`Kbpf::xdp_run`].
    pub fn skb_run(&self, prog: &ProgRef, ctx: &mut SkbContext<'_>) -> Result<u64, Errno> {
        let mut ret = 0u64;
        let cpu = self.host().cpu_id();
        // SAFETY: a live program and context; checked mode confines it.
        let r = self.read_section(|| unsafe {
            sys::kbpf_skb_run(
                prog.as_ptr(),
                self.raw(),
                &mut ctx.raw,
                sys::kbpf_interp_mode::KBPF_INTERP_CHECKED,
                cpu,
                &mut ret,
            )
        });
        Errno::check(r).map(|()| ret)
    }
}
