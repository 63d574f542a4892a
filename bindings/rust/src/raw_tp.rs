// SPDX-License-Identifier: MIT
//! Raw tracepoints (`include/kbpf/raw_tp.h`): points in the kernel where
//! `BPF_PROG_TYPE_RAW_TRACEPOINT` programs run with the point's arguments
//! (an array of u64) as their context.
//!
//! A kernel declares each one as a `static` [`RawTracepoint`], registers it
//! once ([`crate::Kbpf::register_raw_tp`]) and fires it from the event's
//! code path ([`RawTracepoint::fire`]): any CPU, any context, lock-free.
//! User space attaches programs by name with `BPF_RAW_TRACEPOINT_OPEN`; the
//! kernel itself can attach with [`RawTracepoint::attach`].

use core::cell::UnsafeCell;
use core::ptr;

use crate::ffi::CStr;
use crate::obj::{ObjRef, ProgRef};
use crate::{sys, Errno};

/// One raw tracepoint. Its fields other than the name, argument count and
/// flags are kbpf's (the registry list, the attached programs).
pub struct RawTracepoint {
    raw: UnsafeCell<sys::kbpf_raw_tp>,
}

// SAFETY: kbpf updates its fields under its own lock and publishes the
// program array with release/acquire; fire is lock-free by design.
unsafe impl Sync for RawTracepoint {}
// SAFETY: as above.
unsafe impl Send for RawTracepoint {}

impl RawTracepoint {
    /// Most arguments a tracepoint passes (Linux's MAX_BPF_FUNC_ARGS).
    pub const MAX_ARGS: u32 = sys::KBPF_RAW_TP_MAX_ARGS;

    /// A tracepoint named @name passing @nargs arguments (at most
    /// [`RawTracepoint::MAX_ARGS`]; checked at registration). Attached
    /// programs run in the interpreter's checked mode.
    pub const fn new(name: &'static CStr, nargs: u32) -> RawTracepoint {
        RawTracepoint::with_flags(name, nargs, 0)
    }

    /// As [`RawTracepoint::new`], running attached programs in fast mode
    /// (`KBPF_RAW_TP_TRUSTED`): only for kernels that verify programs
    /// before they can attach.
    pub const fn new_trusted(name: &'static CStr, nargs: u32) -> RawTracepoint {
        RawTracepoint::with_flags(name, nargs, sys::KBPF_RAW_TP_TRUSTED)
    }

    // The flags are set in the initializer: writing them through the cell
    // afterwards is not allowed in a const fn before Rust 1.83.
    const fn with_flags(name: &'static CStr, nargs: u32, flags: u32) -> RawTracepoint {
        RawTracepoint {
            raw: UnsafeCell::new(sys::kbpf_raw_tp {
                name: name.as_ptr(),
                nargs,
                flags,
                func_ip: 0,
                host: ptr::null(),
                progs: ptr::null_mut(),
                next: ptr::null_mut(),
                lock: 0,
                nr_links: 0,
                retired: ptr::null_mut(),
                retired_progs: ptr::null_mut(),
            }),
        }
    }

    pub(crate) fn as_ptr(&self) -> *mut sys::kbpf_raw_tp {
        self.raw.get()
    }

    /// The tracepoint's name.
    pub fn name(&self) -> &'static CStr {
        // SAFETY: name is set from a &'static CStr and never changed.
        unsafe { CStr::from_ptr((*self.raw.get()).name) }
    }

    /// Arguments each fire passes.
    pub fn nargs(&self) -> u32 {
        // SAFETY: host-owned field, written only at construction.
        unsafe { (*self.raw.get()).nargs }
    }

    /// Run every attached program, in attach order, with @args as context.
    ///
    /// Context: any CPU, any context (interrupts, IRQs off, host locks
    /// held); never sleeps or allocates; about 5 KiB of stack per program.
    /// Wrapped in the host's read-side section when it has
    /// [`crate::Host::READ_LOCK`]; otherwise call it inside one.
    ///
    /// Errors: EINVAL if `args.len()` is below [`RawTracepoint::nargs`]
    /// (checked, so kbpf never reads past @args); otherwise the first
    /// errno a program run reported (checked mode stopping a program that
    /// misbehaved; the other programs still ran). Return values of the
    /// programs are ignored, as in Linux.
    pub fn fire(&self, args: &[u64]) -> Result<(), Errno> {
        if (args.len() as u64) < self.nargs() as u64 {
            return Err(Errno::EINVAL);
        }
        // SAFETY: args holds at least nargs values.
        Errno::check(unsafe { sys::kbpf_raw_tp_fire(self.as_ptr(), args.as_ptr()) })
    }

    /// Attach @prog without an fd (an in-kernel user). The returned link
    /// detaches the program when its last reference is dropped; @cookie is
    /// the attach cookie (`bpf_get_attach_cookie`).
    ///
    /// Errors: EINVAL for a program that is not a raw tracepoint program;
    /// ENOMEM. Context: syscall path.
    pub fn attach(&self, prog: &ProgRef, cookie: u64) -> Result<ObjRef, Errno> {
        let mut link = ptr::null_mut();
        // SAFETY: prog is live while we hold its reference; the link takes
        // its own.
        Errno::check(unsafe {
            sys::kbpf_raw_tp_attach(self.as_ptr(), prog.as_ptr(), cookie, &mut link)
        })?;
        // SAFETY: on success kbpf handed us one reference on the link.
        Ok(unsafe { ObjRef::from_raw(link) }.expect("kbpf returned no link"))
    }

    /// Remove the tracepoint from its registry (a module going away). The
    /// kernel must not fire it during or after the call.
    ///
    /// Errors: EBUSY while programs are attached; ENOENT if it is not
    /// registered. Context: syscall path.
    pub fn unregister(&self) -> Result<(), Errno> {
        // SAFETY: a live tracepoint.
        Errno::check(unsafe { sys::kbpf_raw_tp_unregister(self.as_ptr()) })
    }
}
