// SPDX-License-Identifier: MIT
//! The glue a Rust kernel writes to embed kbpf: copy this file and replace
//! the `kernel_*` functions (declared at the bottom) with your kernel's
//! services. It is built as a `no_std` library by `cargo test`, so it
//! stays in step with the crate.
//!
//! What it shows:
//! * the host: [`MyKernel`] implements [`kbpf::Host`] over the kernel's
//!   allocator, page allocator and vmap, CPU id, clock, user copies,
//!   capabilities, trace log, and an fd table of [`kbpf::UserRef`]s;
//! * one `static` kbpf instance, placed without an allocator
//!   ([`Kbpf::init_static`]);
//! * the `bpf(2)` entry for the syscall table ([`sys_bpf`]) and `close(2)`
//!   for kbpf fds ([`sys_close`]);
//! * a raw tracepoint hook: `sys_enter` declared, registered at boot and
//!   fired from the syscall entry path ([`syscall_entry_hook`]).
#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]

use core::cell::UnsafeCell;
use kbpf::ffi::c_void;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicBool, Ordering};

use kbpf::{
    AllocFlags, Capability, Errno, FdFlags, Host, Kbpf, ObjRef, RawTracepoint, UserRef,
};

/// A minimal spin lock for the fd table; your kernel has its own.
pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

// SAFETY: access to value is serialised by locked.
unsafe impl<T: Send> Sync for SpinLock<T> {}

impl<T> SpinLock<T> {
    /// A lock around @value.
    pub const fn new(value: T) -> Self {
        SpinLock { locked: AtomicBool::new(false), value: UnsafeCell::new(value) }
    }
    /// Run @f with the lock held.
    pub fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        while self.locked.swap(true, Ordering::Acquire) {
            core::hint::spin_loop();
        }
        // SAFETY: we hold the lock.
        let r = f(unsafe { &mut *self.value.get() });
        self.locked.store(false, Ordering::Release);
        r
    }
}

const MAX_FDS: usize = 256;
const NO_FD: Option<(UserRef, FdFlags)> = None;

/// The host: a real kernel keeps its per-task fd tables elsewhere; one
/// table is enough to show the contract.
pub struct MyKernel {
    fds: SpinLock<[Option<(UserRef, FdFlags)>; MAX_FDS]>,
}

// SAFETY: the kernel_* services do what their names say: the allocator
// returns aligned memory or NULL, vmap maps the pages, the CPU id is below
// the CPU count, and the fd table returns what was installed.
unsafe impl Host for MyKernel {
    fn alloc(&self, size: usize, align: usize, flags: AllocFlags) -> *mut u8 {
        // SAFETY: kernel service.
        unsafe { kernel_alloc(size, align, flags.atomic(), flags.zero()) }
    }
    unsafe fn free(&self, ptr: *mut u8, size: usize) {
        // SAFETY: ptr came from kernel_alloc with size.
        unsafe { kernel_free(ptr, size) }
    }
    fn nr_cpus(&self) -> u32 {
        // SAFETY: kernel service.
        unsafe { kernel_possible_cpus() }
    }
    fn cpu_id(&self) -> u32 {
        // SAFETY: kernel service; programs run with preemption off.
        unsafe { kernel_current_cpu() }
    }
    fn mono_ns(&self) -> u64 {
        // SAFETY: kernel service.
        unsafe { kernel_monotonic_ns() }
    }

    // Ring buffers and mmapable arrays.
    const PAGES: bool = true;
    fn alloc_pages(&self, pages: &mut [usize]) -> Result<(), Errno> {
        // SAFETY: kernel service filling pages.len() handles.
        match unsafe { kernel_alloc_pages(pages.as_mut_ptr(), pages.len()) } {
            true => Ok(()),
            false => Err(Errno::ENOMEM),
        }
    }
    fn free_pages(&self, pages: &[usize]) {
        // SAFETY: handles from kernel_alloc_pages.
        unsafe { kernel_free_pages(pages.as_ptr(), pages.len()) }
    }
    fn vmap(&self, pages: &[usize]) -> *mut u8 {
        // SAFETY: handles from kernel_alloc_pages.
        unsafe { kernel_vmap(pages.as_ptr(), pages.len()) }
    }
    fn vunmap(&self, addr: *mut u8, nr: usize) {
        // SAFETY: a range from kernel_vmap.
        unsafe { kernel_vunmap(addr, nr) }
    }

    // Separate user address spaces: every bpf_attr access goes through these.
    const USER_COPIES: bool = true;
    fn copy_from_user(&self, dst: &mut [u8], src: usize) -> Result<(), Errno> {
        // SAFETY: the kernel validates src.
        match unsafe { kernel_copy_from_user(dst.as_mut_ptr(), src, dst.len()) } {
            true => Ok(()),
            false => Err(Errno::EFAULT),
        }
    }
    fn copy_to_user(&self, dst: usize, src: &[u8]) -> Result<(), Errno> {
        // SAFETY: the kernel validates dst.
        match unsafe { kernel_copy_to_user(dst, src.as_ptr(), src.len()) } {
            true => Ok(()),
            false => Err(Errno::EFAULT),
        }
    }
    fn strncpy_from_user(&self, dst: &mut [u8], src: usize) -> Result<usize, Errno> {
        // SAFETY: the kernel validates src; negative is an errno.
        let n = unsafe { kernel_strncpy_from_user(dst.as_mut_ptr(), src, dst.len()) };
        if n < 0 {
            Err(Errno::from_code(-n as i32))
        } else {
            Ok(n as usize)
        }
    }

    // Who may use bpf(2): root only unless the sysctl says otherwise.
    const PRIVILEGE: bool = true;
    fn capable(&self, cap: Capability) -> bool {
        // SAFETY: kernel service.
        unsafe { kernel_capable(cap.0) }
    }

    // bpf_trace_printk goes to the kernel log.
    const TRACE: bool = true;
    fn trace_write(&self, msg: &[u8]) {
        // SAFETY: kernel service.
        unsafe { kernel_log(msg.as_ptr(), msg.len()) }
    }

    // The fd table: install finds a free slot, get clones a reference.
    const FDS: bool = true;
    fn fd_install(&self, obj: UserRef, flags: FdFlags) -> Result<i32, (Errno, UserRef)> {
        self.fds.with(|t| match t.iter().position(Option::is_none) {
            Some(fd) => {
                t[fd] = Some((obj, flags));
                Ok(fd as i32)
            }
            None => Err((Errno::EMFILE, obj)),
        })
    }
    fn fd_get(&self, fd: i32) -> Result<(ObjRef, FdFlags), Errno> {
        self.fds.with(|t| match t.get(fd as usize) {
            Some(Some((obj, flags))) => Ok((obj.obj_ref(), *flags)),
            _ => Err(Errno::EBADF),
        })
    }
}

/// The `static` slot kbpf lives in; taken once at boot.
struct Slot(UnsafeCell<MaybeUninit<Kbpf<MyKernel>>>, AtomicBool);
// SAFETY: the slot is handed out once, guarded by the flag.
unsafe impl Sync for Slot {}
static SLOT: Slot = Slot(UnsafeCell::new(MaybeUninit::uninit()), AtomicBool::new(false));
static KBPF: SpinLock<Option<&'static Kbpf<MyKernel>>> = SpinLock::new(None);

/// The raw tracepoints this kernel offers (`raw_tp/sys_enter` programs
/// attach here): (pointer to the registers, syscall number), as Linux's.
pub static SYS_ENTER: RawTracepoint = RawTracepoint::new(kbpf::cstr!("sys_enter"), 2);

/// Boot: build the host table, check it, register the tracepoints.
pub fn kbpf_init() -> Result<(), Errno> {
    if SLOT.1.swap(true, Ordering::AcqRel) {
        return Err(Errno::EBUSY);
    }
    // SAFETY: the flag above makes this the only &mut to the slot, ever.
    let slot = unsafe { &mut *SLOT.0.get() };
    let host = MyKernel { fds: SpinLock::new([NO_FD; MAX_FDS]) };
    let k = Kbpf::init_static(slot, host).map_err(|e| e.errno)?;
    k.register_raw_tp(&SYS_ENTER)?;
    KBPF.with(|s| *s = Some(k));
    Ok(())
}

fn kbpf() -> Option<&'static Kbpf<MyKernel>> {
    KBPF.with(|s| *s)
}

/// The `bpf` entry of the syscall table: the result, or a negative errno.
pub fn sys_bpf(cmd: u32, uattr: usize, size: u32) -> isize {
    let k = match kbpf() {
        Some(k) => k,
        None => return Errno::ENOSYS.neg() as isize,
    };
    // SAFETY: MyKernel has USER_COPIES: every access to uattr and the
    // pointers in it goes through the validating copy functions.
    match unsafe { k.sys_bpf(cmd, uattr as *mut c_void, size) } {
        Ok(v) => v as isize,
        Err(e) => e.neg() as isize,
    }
}

/// `close(2)` of a kbpf fd: dropping the fd's user reference releases the
/// object when it was the last one (and detaches a raw tracepoint link).
pub fn sys_close(fd: i32) -> isize {
    let k = match kbpf() {
        Some(k) => k,
        None => return Errno::EBADF.neg() as isize,
    };
    let taken = k.host().fds.with(|t| t.get_mut(fd as usize).and_then(Option::take));
    match taken {
        // Drop outside the fd lock: releasing may free memory.
        Some(entry) => {
            drop(entry);
            0
        }
        None => Errno::EBADF.neg() as isize,
    }
}

/// Called by the syscall entry path with preemption off: runs every
/// program attached to `sys_enter`. Costs one atomic load when nothing is
/// attached.
pub fn syscall_entry_hook(regs: *const c_void, nr: u64) {
    // Errors are a program's checked-mode stop: the kernel goes on.
    let _ = SYS_ENTER.fire(&[regs as u64, nr]);
}

// The kernel's services. Replace these declarations with calls into your
// kernel (they are never linked in this example).
extern "C" {
    fn kernel_alloc(size: usize, align: usize, atomic: bool, zero: bool) -> *mut u8;
    fn kernel_free(ptr: *mut u8, size: usize);
    fn kernel_possible_cpus() -> u32;
    fn kernel_current_cpu() -> u32;
    fn kernel_monotonic_ns() -> u64;
    fn kernel_alloc_pages(handles: *mut usize, nr: usize) -> bool;
    fn kernel_free_pages(handles: *const usize, nr: usize);
    fn kernel_vmap(handles: *const usize, nr: usize) -> *mut u8;
    fn kernel_vunmap(addr: *mut u8, nr: usize);
    fn kernel_copy_from_user(dst: *mut u8, usrc: usize, n: usize) -> bool;
    fn kernel_copy_to_user(udst: usize, src: *const u8, n: usize) -> bool;
    fn kernel_strncpy_from_user(dst: *mut u8, usrc: usize, n: usize) -> isize;
    fn kernel_capable(cap: i32) -> bool;
    fn kernel_log(msg: *const u8, len: usize);
}
