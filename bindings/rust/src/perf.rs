// SPDX-License-Identifier: MIT
//! Perf events for BPF output (`include/kbpf/perf.h`): the event
//! `perf_event_open(PERF_TYPE_SOFTWARE, PERF_COUNT_SW_BPF_OUTPUT)` creates,
//! its ring (laid out as Linux's perf mmap: a control page, then 2^n data
//! pages) and a reader that follows libbpf's perf_buffer rules.
//!
//! The kernel's `perf_event_open(2)` calls [`Kbpf::perf_event_open`]; its
//! `mmap(2)` of a perf fd calls [`PerfEvent::mmap`] and maps the pages it
//! returns into the task; an in-kernel reader maps them with its own vmap
//! and reads with [`perf_ring_read`].

use core::marker::PhantomData;
use core::ptr::{self, NonNull};

use crate::ffi::{c_int, c_void};
use crate::obj::ObjRef;
use crate::{sys, Errno, Host, Kbpf};

/// A perf event, borrowed from a reference on its object
/// ([`ObjRef::as_perf_event`]).
#[derive(Clone, Copy)]
pub struct PerfEvent<'a> {
    ev: NonNull<sys::kbpf_perf_event>,
    _obj: PhantomData<&'a ObjRef>,
}

impl ObjRef {
    /// The perf event this object is, or `None` if it is something else.
    pub fn as_perf_event(&self) -> Option<PerfEvent<'_>> {
        // SAFETY: a live object; no reference is taken.
        let ev = unsafe { sys::kbpf_perf_event_from_obj(self.ptr().as_ptr()) };
        NonNull::new(ev).map(|ev| PerfEvent { ev, _obj: PhantomData })
    }
}

impl<'a> PerfEvent<'a> {
    /// The raw `struct kbpf_perf_event *`.
    pub fn as_ptr(&self) -> *mut sys::kbpf_perf_event {
        self.ev.as_ptr()
    }

    /// Map the event's ring: @nr_pages is 1 + 2^n (the control page, then
    /// the data). The first mapping allocates the ring with the host's
    /// pages and vmap; @writable rings never overwrite unread data (the
    /// reader moves data_tail). Dropping the [`PerfMapping`] unmaps.
    ///
    /// Errors: EINVAL for a size not 1 + 2^n or not the existing ring's;
    /// EOPNOTSUPP without host pages; ENOMEM. Context: syscall path.
    pub fn mmap(&self, nr_pages: usize, writable: bool) -> Result<PerfMapping<'a>, Errno> {
        let mut pages: *const usize = ptr::null();
        let mut nr = 0usize;
        // SAFETY: a live event; out-parameters are ours.
        Errno::check(unsafe {
            sys::kbpf_perf_event_mmap(self.as_ptr(), 0, nr_pages, writable, &mut pages, &mut nr)
        })?;
        Ok(PerfMapping { ev: *self, pages, nr })
    }

    /// Poll state: the ring holds unread records.
    pub fn readable(&self) -> bool {
        // SAFETY: a live event; lock-free.
        unsafe { sys::kbpf_perf_event_readable(self.as_ptr()) }
    }

    /// The perf ioctls kbpf implements (ENABLE, DISABLE, RESET, ID: @arg is
    /// a user address for ID). Errors: EFAULT, ENOTTY for other commands.
    ///
    /// # Safety
    /// For `PERF_EVENT_IOC_ID` without host user copies, @arg must be a
    /// writable u64.
    pub unsafe fn ioctl(&self, cmd: u32, arg: usize) -> Result<i64, Errno> {
        // SAFETY: caller contract.
        let r = unsafe { sys::kbpf_perf_event_ioctl(self.as_ptr(), cmd, arg as _) };
        Errno::result(r as i64)
    }
}

/// One mapping of a perf ring: the page handles to map in order (from the
/// host's `alloc_pages`). Dropping it undoes the mapping; the last one
/// detaches the ring (outputs then fail with ENOSPC, as in Linux).
pub struct PerfMapping<'a> {
    ev: PerfEvent<'a>,
    pages: *const usize,
    nr: usize,
}

impl PerfMapping<'_> {
    /// The page handles, control page first.
    pub fn pages(&self) -> &[usize] {
        // SAFETY: kbpf keeps nr handles until the matching munmap.
        unsafe { core::slice::from_raw_parts(self.pages, self.nr) }
    }
}

impl Drop for PerfMapping<'_> {
    fn drop(&mut self) {
        // SAFETY: pairs with the successful kbpf_perf_event_mmap.
        unsafe { sys::kbpf_perf_event_munmap(self.ev.as_ptr()) }
    }
}

struct Reader<F> {
    f: F,
    err: Option<Errno>,
}

unsafe extern "C" fn record<F>(ctx: *mut c_void, hdr: *const sys::perf_event_header) -> c_int
where
    F: FnMut(&sys::perf_event_header, &[u8]) -> Result<(), Errno>,
{
    // SAFETY: ctx is our Reader; hdr a contiguous record of hdr.size bytes.
    let (r, h) = unsafe { (&mut *(ctx as *mut Reader<F>), &*hdr) };
    // SAFETY: as above.
    let bytes = unsafe { core::slice::from_raw_parts(hdr as *const u8, h.size as usize) };
    match (r.f)(h, bytes) {
        Ok(()) => 0,
        Err(e) => {
            r.err = Some(e);
            e.neg()
        }
    }
}

/// Consume the records of a perf ring as libbpf's perf_buffer does: @f
/// gets each record's header and its bytes (header included, contiguous:
/// a record that wraps is copied into @scratch first, and 65536 bytes of
/// scratch always suffice). An `Err` from @f stops the walk (the record
/// counts as consumed) and is returned.
///
/// Returns the records consumed. Errors: @f's; E2BIG if a wrapped record
/// does not fit @scratch; EINVAL for a corrupt record.
///
/// # Safety
/// @page must be the control page of a mapping of the whole ring (control
/// page and data pages at consecutive addresses, as [`PerfMapping::pages`]
/// mapped in order), with one reader at a time.
pub unsafe fn perf_ring_read<F>(
    page: *mut sys::perf_event_mmap_page,
    scratch: &mut [u8],
    f: F,
) -> Result<usize, Errno>
where
    F: FnMut(&sys::perf_event_header, &[u8]) -> Result<(), Errno>,
{
    let mut r = Reader { f, err: None };
    // SAFETY: caller contract for page; scratch and r outlive the call.
    let n = unsafe {
        sys::kbpf_perf_ring_read(
            page,
            scratch.as_mut_ptr().cast(),
            scratch.len(),
            Some(record::<F>),
            &mut r as *mut Reader<F> as *mut c_void,
        )
    };
    if let Some(e) = r.err {
        return Err(e);
    }
    Errno::result(n as i64).map(|n| n as usize)
}

impl<H: Host> Kbpf<H> {
    /// perf_event_open(2) for kbpf's events: copies @uattr with Linux's
    /// size rules, creates the event and installs it in the host's fd
    /// table. Returns the fd.
    ///
    /// Errors: E2BIG (size rules; the kernel's size is written back),
    /// ENOENT for a type kbpf has no PMU for, EOPNOTSUPP for sample types
    /// it lacks or a host without an fd table, EBADF for a bad @group_fd,
    /// EFAULT. Context: syscall path.
    ///
    /// # Safety
    /// As [`Kbpf::sys_bpf`]: without user copies, @uattr must be a valid
    /// `perf_event_attr`.
    pub unsafe fn perf_event_open(
        &self,
        uattr: *mut sys::perf_event_attr,
        pid: i32,
        cpu: i32,
        group_fd: i32,
        flags: u64,
    ) -> Result<i32, Errno> {
        // SAFETY: caller contract.
        let r = unsafe {
            sys::kbpf_sys_perf_event_open(self.raw(), uattr.cast(), pid, cpu, group_fd, flags as _)
        };
        Errno::result(r as i64).map(|fd| fd as i32)
    }
}
