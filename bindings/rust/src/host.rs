// SPDX-License-Identifier: MIT
//! The host contract (`include/kbpf/host.h`) as a Rust trait, and the
//! `struct kbpf_host` table that bridges it.
//!
//! [`Kbpf<H>`] holds the host value and the C table side by side, at an
//! address that never changes (kbpf objects keep a pointer to the table).
//! The table's `ctx` points at the host value; each callback is a generic
//! `extern "C"` trampoline, monomorphised for `H`, that casts `ctx` back to
//! `&H` and calls the trait method: no trait object, no vtable.
//!
//! Optional parts of the contract are default methods, switched on by an
//! associated `const` each: a group whose const is `false` leaves its C
//! fields NULL, and kbpf applies the fallback host.h states for it (for
//! example: without [`Host::PAGES`], ring buffers are refused with
//! EOPNOTSUPP; without [`Host::USER_COPIES`], user pointers are read
//! directly, as in a single address space).

use core::cell::UnsafeCell;
use core::marker::PhantomPinned;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use crate::ffi::{c_char, c_int, c_long, c_ulong, c_void, CStr};
use crate::obj::{ObjPtr, ObjRef, UserRef};
use crate::{sys, Errno};

/// Flags of [`Host::alloc`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AllocFlags(pub u32);

impl AllocFlags {
    /// The caller cannot sleep (program path, interrupt context, or a kbpf
    /// lock held): satisfy the request at once or return NULL.
    pub const ATOMIC: u32 = sys::KBPF_ALLOC_ATOMIC;
    /// The memory must be zero-filled.
    pub const ZERO: u32 = sys::KBPF_ALLOC_ZERO;

    /// The caller may not sleep.
    pub fn atomic(self) -> bool {
        self.0 & Self::ATOMIC != 0
    }

    /// The memory must be zeroed.
    pub fn zero(self) -> bool {
        self.0 & Self::ZERO != 0
    }
}

/// What an fd was opened for (`KBPF_FD_READ | KBPF_FD_WRITE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FdFlags(pub u32);

impl FdFlags {
    /// Reads allowed (cleared for `BPF_F_WRONLY`).
    pub const READ: u32 = sys::KBPF_FD_READ;
    /// Writes allowed (cleared for `BPF_F_RDONLY`).
    pub const WRITE: u32 = sys::KBPF_FD_WRITE;
}

/// A capability kbpf asks [`Host::capable`] about: Linux's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capability(pub i32);

impl Capability {
    /// CAP_NET_ADMIN (12).
    pub const NET_ADMIN: Capability = Capability(sys::KBPF_CAP_NET_ADMIN as i32);
    /// CAP_SYS_ADMIN (21).
    pub const SYS_ADMIN: Capability = Capability(sys::KBPF_CAP_SYS_ADMIN as i32);
    /// CAP_PERFMON (38).
    pub const PERFMON: Capability = Capability(sys::KBPF_CAP_PERFMON as i32);
    /// CAP_BPF (39).
    pub const BPF: Capability = Capability(sys::KBPF_CAP_BPF as i32);
}

/// A deferred free kbpf queued with [`Host::defer_free`]: run it once every
/// read-side section that began before the call has ended.
pub struct Deferred(NonNull<sys::kbpf_rcu_head>);

// SAFETY: the callback may run on any CPU (host.h: "any context").
unsafe impl Send for Deferred {}

impl Deferred {
    /// The embedded `struct kbpf_rcu_head`; the host may use its `next`
    /// word to chain pending frees while the callback is pending.
    pub fn as_ptr(&self) -> *mut sys::kbpf_rcu_head {
        self.0.as_ptr()
    }

    /// Rebuild from [`Deferred::as_ptr`] (a host that chained heads).
    ///
    /// # Safety
    /// @p must come from `as_ptr` of a `Deferred` that was not run.
    pub unsafe fn from_ptr(p: *mut sys::kbpf_rcu_head) -> Deferred {
        Deferred(NonNull::new(p).expect("NULL rcu head"))
    }

    /// Run the callback (frees the memory the head is embedded in).
    ///
    /// # Safety
    /// Only after every read-side section ([`Host::read_lock`]) and every
    /// program run that started before kbpf queued it has finished.
    pub unsafe fn run(self) {
        let head = self.0.as_ptr();
        // SAFETY: kbpf set func before queueing; the caller upholds the
        // grace period.
        unsafe {
            if let Some(f) = (*head).func {
                f(head)
            }
        }
    }
}

/// The host contract: what kbpf needs from the kernel that embeds it.
///
/// Contexts, as in host.h: methods marked *program path* may be called while
/// a BPF program runs, on any CPU, from interrupt context, with a kbpf
/// spinlock held: they must not sleep, block or call back into kbpf.
/// *Syscall path* methods run in the calling task's context and may sleep.
/// Errors are [`Errno`]s; kbpf passes them on to user space unchanged.
///
/// A method of an optional group is only called when the group's `const`
/// is `true`; otherwise kbpf applies host.h's fallback.
///
/// Panics: a trampoline is `extern "C"`, so a panic in a method aborts.
///
/// # Safety
/// kbpf trusts the answers: [`Host::alloc`] must return memory valid for
/// the size and alignment asked (or NULL), [`Host::vmap`] a mapping of the
/// pages, [`Host::cpu_id`] a value below [`Host::nr_cpus`], and the
/// `fd_*` methods the objects kbpf gave them. Implementing the trait is
/// promising that.
pub unsafe trait Host: Sync + Sized + 'static {
    // ---------------------------------------------------------- memory

    /// MANDATORY. Allocate @size bytes aligned to @align (a power of two,
    /// at most 4096). With [`AllocFlags::atomic`], do not sleep: satisfy
    /// at once or return NULL. With [`AllocFlags::zero`], zero the memory.
    /// NULL on failure (kbpf turns it into ENOMEM).
    fn alloc(&self, size: usize, align: usize, flags: AllocFlags) -> *mut u8;

    /// MANDATORY. Free memory from [`Host::alloc`]; @size is what was asked
    /// for. Any context kbpf frees from (syscall path, a deferred free, the
    /// program path for `BPF_F_NO_PREALLOC` hash elements).
    ///
    /// # Safety
    /// @ptr comes from `alloc` with @size and is not used again.
    unsafe fn free(&self, ptr: *mut u8, size: usize);

    // ------------------------------------------------------------ CPUs

    /// MANDATORY. Possible CPUs, 1..=256 (`KBPF_MAX_CPUS`): per-CPU maps keep
    /// this many slots. Read once, when the table is built.
    fn nr_cpus(&self) -> u32;

    /// MANDATORY. The current CPU, below `nr_cpus`. Program path, on every
    /// per-CPU access: make it cheap.
    fn cpu_id(&self) -> u32;

    // ------------------------------------------------------------ time

    /// MANDATORY. CLOCK_MONOTONIC in ns: nondecreasing, nonzero. Program path.
    fn mono_ns(&self) -> u64;
    /// CLOCK_BOOTTIME in ns (`bpf_ktime_get_boot_ns`). Default: `mono_ns`.
    fn boot_ns(&self) -> u64 {
        self.mono_ns()
    }
    /// A cheaper coarse monotonic clock. Default: `mono_ns`.
    fn coarse_ns(&self) -> u64 {
        self.mono_ns()
    }
    /// Provides [`Host::tai_ns`]; without it programs calling
    /// `bpf_ktime_get_tai_ns` are refused at load.
    const TAI: bool = false;
    /// CLOCK_TAI in ns. Program path.
    fn tai_ns(&self) -> u64 {
        self.mono_ns()
    }

    // ---------------------------------------------------- pages and vmap

    /// Provides pages and vmap; without them ring buffers, `BPF_F_MMAPABLE`
    /// arrays and perf rings are refused with EOPNOTSUPP.
    const PAGES: bool = false;
    /// Allocate `pages.len()` zeroed pages of 4096 bytes and store an opaque
    /// handle for each. All or nothing: ENOMEM leaves none allocated.
    /// Syscall path, may sleep.
    fn alloc_pages(&self, pages: &mut [usize]) -> Result<(), Errno> {
        let _ = pages;
        Err(Errno::ENOMEM)
    }
    /// Free pages from [`Host::alloc_pages`].
    fn free_pages(&self, pages: &[usize]) {
        let _ = pages;
    }
    /// Map @pages, in order, at consecutive kernel addresses and return the
    /// start, or NULL. Handles may repeat (a ring buffer maps its data
    /// pages twice in a row). Syscall path, may sleep.
    fn vmap(&self, pages: &[usize]) -> *mut u8 {
        let _ = pages;
        ptr::null_mut()
    }
    /// Undo [`Host::vmap`] of @nr pages at @addr.
    fn vunmap(&self, addr: *mut u8, nr: usize) {
        let _ = (addr, nr);
    }

    // ------------------------------------------------------------ IRQs

    /// Provides `irq_save`/`irq_restore`; without them the host promises no
    /// program runs on a CPU while kbpf holds a lock there.
    const IRQS: bool = false;
    /// Disable whatever can run a program on this CPU; return the previous
    /// state. Nestable. Program path.
    fn irq_save(&self) -> usize {
        0
    }
    /// Restore the state [`Host::irq_save`] returned.
    fn irq_restore(&self, state: usize) {
        let _ = state;
    }
    /// How long (ns) the program path waits for a resilient lock (the ring
    /// buffer's producer lock). 0: Linux's 250 ms. Read once.
    const LOCK_TIMEOUT_NS: u64 = 0;

    // ---------------------------------------------------- reclamation

    /// Provides [`Host::defer_free`]; without it kbpf keeps memory a
    /// lock-free reader may hold until its owning object is destroyed.
    const DEFER_FREE: bool = false;
    /// Run @d after every program run and read-side section that started
    /// before this call has finished (call_rcu). May be called on the
    /// program path: must not sleep, must not run @d synchronously.
    fn defer_free(&self, d: Deferred) {
        core::mem::forget(d)
    }
    /// Provides `read_lock`/`read_unlock`; without them the host runs its
    /// calls into kbpf in its own read-side sections.
    const READ_LOCK: bool = false;
    /// Enter a read-side section (rcu_read_lock); nestable. Program path.
    fn read_lock(&self) -> usize {
        0
    }
    /// Leave the section [`Host::read_lock`] entered.
    fn read_unlock(&self, state: usize) {
        let _ = state;
    }

    // ---------------------------------------------------- user memory

    /// Provides the user copies; without them user and kernel share one
    /// address space (kbpf copies directly; NULL gives EFAULT).
    const USER_COPIES: bool = false;
    /// Copy `dst.len()` bytes from user address @src. EFAULT if any byte is
    /// unreadable. Syscall path, may sleep.
    fn copy_from_user(&self, dst: &mut [u8], src: usize) -> Result<(), Errno> {
        let _ = (dst, src);
        Err(Errno::EFAULT)
    }
    /// Copy @src to user address @dst. EFAULT if any byte is unwritable.
    fn copy_to_user(&self, dst: usize, src: &[u8]) -> Result<(), Errno> {
        let _ = (dst, src);
        Err(Errno::EFAULT)
    }
    /// Copy a NUL-terminated string of at most `dst.len()` bytes (NUL
    /// included) from user address @src: its length without the NUL, or
    /// `dst.len()` if no NUL was found (not terminated then); EFAULT.
    fn strncpy_from_user(&self, dst: &mut [u8], src: usize) -> Result<usize, Errno> {
        let _ = (dst, src);
        Err(Errno::EFAULT)
    }

    // ---------------------------------------------------- probe reads

    /// Provides the fault-safe probe reads; without them
    /// `bpf_probe_read_kernel`/`_user` zero the buffer and return EFAULT.
    const PROBE_READS: bool = false;
    /// Fault-safe read of kernel memory at @src: EFAULT on a fault, ERANGE
    /// for a non-kernel address. Must never crash. Program path.
    fn probe_read_kernel(&self, dst: &mut [u8], src: usize) -> Result<(), Errno> {
        let _ = (dst, src);
        Err(Errno::EFAULT)
    }
    /// Fault-safe read of the current task's user memory at @src. Program path.
    fn probe_read_user(&self, dst: &mut [u8], src: usize) -> Result<(), Errno> {
        let _ = (dst, src);
        Err(Errno::EFAULT)
    }

    // ----------------------------------------------------- random, task

    /// Provides [`Host::random_u32`]; without it `bpf_get_prandom_u32` is
    /// refused at load and hash seeds derive from `mono_ns`.
    const RANDOM: bool = false;
    /// A pseudo-random u32. Program path.
    fn random_u32(&self) -> u32 {
        0
    }
    /// Provides the current-task methods; without them the
    /// `bpf_get_current_*` helpers answer as Linux does with no task.
    const TASK: bool = false;
    /// `(tgid << 32 | pid, gid << 32 | uid)` of the current task; ENOENT in
    /// interrupt context. Program path.
    fn current_ids(&self) -> Result<(u64, u64), Errno> {
        Err(Errno::ENOENT)
    }
    /// Write the current task's name, NUL-terminated, into @buf. Program path.
    fn current_comm(&self, buf: &mut [u8]) -> Result<(), Errno> {
        let _ = buf;
        Err(Errno::ENOENT)
    }
    /// The current task as the host names it (`bpf_get_current_task`).
    fn current_task(&self) -> u64 {
        0
    }

    // ------------------------------------------------------ privilege

    /// Provides [`Host::capable`] and [`Host::unprivileged_bpf_disabled`];
    /// without them every caller holds every capability.
    const PRIVILEGE: bool = false;
    /// Does the task calling [`Kbpf::sys_bpf`] hold @cap? Syscall path.
    fn capable(&self, cap: Capability) -> bool {
        let _ = cap;
        true
    }
    /// The `kernel.unprivileged_bpf_disabled` sysctl: 0, 1 or 2 (default,
    /// Linux's CONFIG_BPF_UNPRIV_DEFAULT_OFF). Syscall path.
    fn unprivileged_bpf_disabled(&self) -> i32 {
        2
    }

    // --------------------------------------------------------- output

    /// Provides [`Host::trace_write`]; without it `bpf_trace_printk` output
    /// is dropped (the helper still returns Linux's result).
    const TRACE: bool = false;
    /// One trace message (no newline added), as Linux writes to tracefs.
    /// Program path.
    fn trace_write(&self, msg: &[u8]) {
        let _ = msg;
    }
    /// Provides [`Host::wake`]; without it readers must poll.
    const WAKE: bool = false;
    /// @obj (a ring buffer map or perf event) has data: wake its pollers.
    /// Program path with a kbpf lock held: defer the real work.
    fn wake(&self, obj: ObjPtr) {
        let _ = obj;
    }
    /// A "cannot happen" report from kbpf (`KBPF_WARN_ON_ONCE`). Any context.
    /// Default: ignored.
    fn warn(&self, file: &CStr, line: i32, what: &CStr) {
        let _ = (file, line, what);
    }

    // ------------------------------------------------------------ fds

    /// Provides the fd table; without it [`Kbpf::sys_bpf`] commands that
    /// create objects give EOPNOTSUPP and those that take fds EBADF.
    const FDS: bool = false;
    /// Install @obj in the calling task's fd table with access @flags and
    /// return the fd. The fd owns @obj: dropping it is closing the fd. On
    /// failure (EMFILE, ENOMEM) give @obj back in the error. Syscall path.
    fn fd_install(&self, obj: UserRef, flags: FdFlags) -> Result<i32, (Errno, UserRef)> {
        let _ = flags;
        Err((Errno::EOPNOTSUPP, obj))
    }
    /// The object @fd refers to, with a new reference
    /// ([`UserRef::obj_ref`]) and the fd's access. EBADF if @fd is not
    /// open; EINVAL if it is not a kbpf object. Syscall path.
    fn fd_get(&self, fd: i32) -> Result<(ObjRef, FdFlags), Errno> {
        let _ = fd;
        Err(Errno::EBADF)
    }
    // Object ids need nothing from the host: every Kbpf carries the
    // storage of kbpf's id registry (`kbpf_host.state`), so bpf_map_info.id,
    // GET_NEXT_ID and GET_FD_BY_ID work as Linux's idr does.

    // ----------------------------------------------------------- pins

    /// Provides the BPF file system; without it BPF_OBJ_PIN and
    /// BPF_OBJ_GET give EOPNOTSUPP.
    const PINS: bool = false;
    /// Pin @obj at @path (relative to the directory open as @dirfd,
    /// `KBPF_AT_FDCWD` for the working directory), as bpffs does for
    /// BPF_OBJ_PIN: the pin keeps a user reference ([`ObjPtr::user_ref`])
    /// until it is unlinked. Errors, as Linux's: ENOENT (no parent),
    /// EEXIST, EPERM (not in a BPF file system), ENOTDIR, EBADF, EACCES,
    /// ENOMEM. Syscall path, may sleep.
    fn pin(&self, obj: ObjPtr, path: &CStr, dirfd: i32) -> Result<(), Errno> {
        let _ = (obj, path, dirfd);
        Err(Errno::EOPNOTSUPP)
    }
    /// The object pinned at @path, with a new user reference
    /// ([`UserRef::dup`] of the pin's), which kbpf moves to a new fd.
    /// @flags: the access asked for. Errors: ENOENT, EACCES (not a pin),
    /// ENOTDIR, EBADF. Syscall path, may sleep.
    fn get_pinned(&self, path: &CStr, dirfd: i32, flags: FdFlags) -> Result<UserRef, Errno> {
        let _ = (path, dirfd, flags);
        Err(Errno::EOPNOTSUPP)
    }

    // ------------------------------------------------------------ BTF

    /// The host kernel's BTF (raw `.BTF` bytes), for tp_btf programs.
    /// Read once, when the table is built; `None`: tracing programs are
    /// refused.
    fn btf(&self) -> Option<&[u8]> {
        None
    }

    /// Set any `struct kbpf_host` field this trait does not cover yet
    /// (`stack_walk`, cgroups, `ifindex_ok`, `probes`) on the table before
    /// it is checked. `raw.ctx` points at `self`. Default: nothing.
    fn configure(&self, raw: &mut sys::kbpf_host) {
        let _ = raw;
    }
}

/// Why a host table was refused: `kbpf_host_check()`'s errno and the name
/// of the first offending field.
#[derive(Debug, Clone, Copy)]
pub struct HostCheckError {
    /// EINVAL.
    pub errno: Errno,
    /// The field ("nr_cpus"), or "" if kbpf did not name one.
    pub field: &'static CStr,
}

/// kbpf instantiated for a host: the host value, its `struct kbpf_host`
/// table, its raw tracepoint registry and kbpf's per-host state (ids), at an address that never moves
/// (kbpf objects point at the table). Built by [`Kbpf::init_static`] or
/// [`Kbpf::leak`], so it is always `'static`.
pub struct Kbpf<H: Host> {
    raw: sys::kbpf_host,
    registry: UnsafeCell<sys::kbpf_raw_tp_registry>,
    state: UnsafeCell<sys::kbpf_state>,
    host: H,
    _pin: PhantomPinned,
}

// SAFETY: the table is read-only after init; the registry is kbpf's to
// update under its own lock; H is Sync.
unsafe impl<H: Host> Sync for Kbpf<H> {}
// SAFETY: as above; a Kbpf is only ever reached through &'static.
unsafe impl<H: Host + Send> Send for Kbpf<H> {}

/// `&H` from the table kbpf passed to a trampoline.
///
/// # Safety
/// @h is the `raw` field of a live `Kbpf<H>`.
unsafe fn host<'a, H: Host>(h: *const sys::kbpf_host) -> &'a H {
    // SAFETY: ctx was set to &Kbpf::host by init, and the Kbpf never moves.
    unsafe { &*((*h).ctx as *const H) }
}

fn neg(r: Result<(), Errno>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => e.neg(),
    }
}

mod tramp {
    //! The `extern "C"` side of every callback. Each one turns C pointers
    //! and sizes into slices and references, calls the trait and turns the
    //! result into host.h's convention.
    use super::*;

    pub unsafe extern "C" fn alloc<H: Host>(
        h: *const sys::kbpf_host,
        size: usize,
        align: usize,
        flags: u32,
    ) -> *mut c_void {
        // SAFETY: h is our table (host.h: every callback gets it first).
        unsafe { host::<H>(h) }.alloc(size, align, AllocFlags(flags)) as *mut c_void
    }
    pub unsafe extern "C" fn free<H: Host>(h: *const sys::kbpf_host, p: *mut c_void, size: usize) {
        // SAFETY: kbpf frees what alloc gave, with its size.
        unsafe { host::<H>(h).free(p as *mut u8, size) }
    }
    pub unsafe extern "C" fn alloc_pages<H: Host>(
        h: *const sys::kbpf_host,
        nr: usize,
        pages: *mut usize,
    ) -> c_int {
        // SAFETY: kbpf passes an array of nr handles.
        let pages = unsafe { core::slice::from_raw_parts_mut(pages, nr) };
        neg(unsafe { host::<H>(h) }.alloc_pages(pages))
    }
    pub unsafe extern "C" fn free_pages<H: Host>(
        h: *const sys::kbpf_host,
        pages: *const usize,
        nr: usize,
    ) {
        // SAFETY: as alloc_pages.
        let pages = unsafe { core::slice::from_raw_parts(pages, nr) };
        unsafe { host::<H>(h) }.free_pages(pages)
    }
    pub unsafe extern "C" fn vmap<H: Host>(
        h: *const sys::kbpf_host,
        pages: *const usize,
        nr: usize,
    ) -> *mut c_void {
        // SAFETY: as alloc_pages.
        let pages = unsafe { core::slice::from_raw_parts(pages, nr) };
        unsafe { host::<H>(h) }.vmap(pages) as *mut c_void
    }
    pub unsafe extern "C" fn vunmap<H: Host>(h: *const sys::kbpf_host, a: *mut c_void, nr: usize) {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.vunmap(a as *mut u8, nr)
    }
    pub unsafe extern "C" fn cpu_id<H: Host>(h: *const sys::kbpf_host) -> u32 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.cpu_id()
    }
    pub unsafe extern "C" fn irq_save<H: Host>(h: *const sys::kbpf_host) -> c_ulong {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.irq_save() as c_ulong
    }
    pub unsafe extern "C" fn irq_restore<H: Host>(h: *const sys::kbpf_host, s: c_ulong) {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.irq_restore(s as usize)
    }
    pub unsafe extern "C" fn defer_free<H: Host>(
        h: *const sys::kbpf_host,
        head: *mut sys::kbpf_rcu_head,
    ) {
        // SAFETY: kbpf passes a head with func set.
        let d = unsafe { Deferred::from_ptr(head) };
        unsafe { host::<H>(h) }.defer_free(d)
    }
    pub unsafe extern "C" fn read_lock<H: Host>(h: *const sys::kbpf_host) -> c_ulong {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.read_lock() as c_ulong
    }
    pub unsafe extern "C" fn read_unlock<H: Host>(h: *const sys::kbpf_host, s: c_ulong) {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.read_unlock(s as usize)
    }
    pub unsafe extern "C" fn copy_from_user<H: Host>(
        h: *const sys::kbpf_host,
        dst: *mut c_void,
        src: *const c_void,
        n: usize,
    ) -> c_int {
        // SAFETY: dst is a kernel buffer of n bytes.
        let dst = unsafe { core::slice::from_raw_parts_mut(dst as *mut u8, n) };
        neg(unsafe { host::<H>(h) }.copy_from_user(dst, src as usize))
    }
    pub unsafe extern "C" fn copy_to_user<H: Host>(
        h: *const sys::kbpf_host,
        dst: *mut c_void,
        src: *const c_void,
        n: usize,
    ) -> c_int {
        // SAFETY: src is a kernel buffer of n bytes.
        let src = unsafe { core::slice::from_raw_parts(src as *const u8, n) };
        neg(unsafe { host::<H>(h) }.copy_to_user(dst as usize, src))
    }
    pub unsafe extern "C" fn strncpy_from_user<H: Host>(
        h: *const sys::kbpf_host,
        dst: *mut c_char,
        src: *const c_char,
        n: usize,
    ) -> c_long {
        // SAFETY: dst is a kernel buffer of n bytes.
        let dst = unsafe { core::slice::from_raw_parts_mut(dst as *mut u8, n) };
        match unsafe { host::<H>(h) }.strncpy_from_user(dst, src as usize) {
            Ok(len) => len.min(n) as c_long,
            Err(e) => e.neg() as c_long,
        }
    }
    pub unsafe extern "C" fn probe_read_kernel<H: Host>(
        h: *const sys::kbpf_host,
        dst: *mut c_void,
        src: *const c_void,
        n: usize,
    ) -> c_int {
        // SAFETY: dst is a kernel buffer of n bytes.
        let dst = unsafe { core::slice::from_raw_parts_mut(dst as *mut u8, n) };
        neg(unsafe { host::<H>(h) }.probe_read_kernel(dst, src as usize))
    }
    pub unsafe extern "C" fn probe_read_user<H: Host>(
        h: *const sys::kbpf_host,
        dst: *mut c_void,
        src: *const c_void,
        n: usize,
    ) -> c_int {
        // SAFETY: as probe_read_kernel.
        let dst = unsafe { core::slice::from_raw_parts_mut(dst as *mut u8, n) };
        neg(unsafe { host::<H>(h) }.probe_read_user(dst, src as usize))
    }
    pub unsafe extern "C" fn mono_ns<H: Host>(h: *const sys::kbpf_host) -> u64 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.mono_ns()
    }
    pub unsafe extern "C" fn boot_ns<H: Host>(h: *const sys::kbpf_host) -> u64 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.boot_ns()
    }
    pub unsafe extern "C" fn coarse_ns<H: Host>(h: *const sys::kbpf_host) -> u64 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.coarse_ns()
    }
    pub unsafe extern "C" fn tai_ns<H: Host>(h: *const sys::kbpf_host) -> u64 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.tai_ns()
    }
    pub unsafe extern "C" fn random_u32<H: Host>(h: *const sys::kbpf_host) -> u32 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.random_u32()
    }
    pub unsafe extern "C" fn current_ids<H: Host>(
        h: *const sys::kbpf_host,
        pid_tgid: *mut u64,
        uid_gid: *mut u64,
    ) -> c_int {
        // SAFETY: our table; kbpf passes two u64 out-parameters.
        match unsafe { host::<H>(h) }.current_ids() {
            Ok((p, u)) => {
                unsafe {
                    *pid_tgid = p;
                    *uid_gid = u;
                }
                0
            }
            Err(e) => e.neg(),
        }
    }
    pub unsafe extern "C" fn current_comm<H: Host>(
        h: *const sys::kbpf_host,
        buf: *mut c_char,
        size: usize,
    ) -> c_int {
        // SAFETY: buf has size bytes.
        let buf = unsafe { core::slice::from_raw_parts_mut(buf as *mut u8, size) };
        neg(unsafe { host::<H>(h) }.current_comm(buf))
    }
    pub unsafe extern "C" fn current_task<H: Host>(h: *const sys::kbpf_host) -> u64 {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.current_task()
    }
    pub unsafe extern "C" fn capable<H: Host>(h: *const sys::kbpf_host, cap: c_int) -> bool {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.capable(Capability(cap))
    }
    pub unsafe extern "C" fn unprivileged_bpf_disabled<H: Host>(h: *const sys::kbpf_host) -> c_int {
        // SAFETY: our table.
        unsafe { host::<H>(h) }.unprivileged_bpf_disabled()
    }
    pub unsafe extern "C" fn trace_write<H: Host>(
        h: *const sys::kbpf_host,
        msg: *const c_char,
        len: usize,
    ) {
        // SAFETY: msg has len bytes.
        let msg = unsafe { core::slice::from_raw_parts(msg as *const u8, len) };
        unsafe { host::<H>(h) }.trace_write(msg)
    }
    pub unsafe extern "C" fn wake<H: Host>(h: *const sys::kbpf_host, obj: *mut sys::kbpf_obj) {
        // SAFETY: kbpf passes a live object.
        if let Some(o) = unsafe { ObjPtr::new(obj) } {
            unsafe { host::<H>(h) }.wake(o)
        }
    }
    pub unsafe extern "C" fn warn<H: Host>(
        h: *const sys::kbpf_host,
        file: *const c_char,
        line: c_int,
        what: *const c_char,
    ) {
        // SAFETY: kbpf passes static strings.
        let (file, what) = unsafe { (crate::obj::cstr(file), crate::obj::cstr(what)) };
        unsafe { host::<H>(h) }.warn(file, line, what)
    }
    pub unsafe extern "C" fn fd_install<H: Host>(
        h: *const sys::kbpf_host,
        obj: *mut sys::kbpf_obj,
        flags: u32,
    ) -> c_int {
        // SAFETY: kbpf hands over its reference; on success it becomes the
        // fd's user reference (host.h), on failure the caller keeps it.
        let r = match unsafe { UserRef::from_raw(obj) } {
            Some(r) => r,
            None => return Errno::EINVAL.neg(),
        };
        match unsafe { host::<H>(h) }.fd_install(r, FdFlags(flags)) {
            Ok(fd) => fd,
            Err((e, r)) => {
                // The caller keeps its reference: do not drop ours.
                let _ = r.into_raw();
                e.neg()
            }
        }
    }
    pub unsafe extern "C" fn fd_get<H: Host>(
        h: *const sys::kbpf_host,
        fd: c_int,
        obj: *mut *mut sys::kbpf_obj,
        flags: *mut u32,
    ) -> c_int {
        // SAFETY: our table; out-parameters from kbpf. kbpf passes NULL
        // for @flags where it does not need the access (the fd-holding
        // maps resolve fds that way), although host.h does not say so.
        match unsafe { host::<H>(h) }.fd_get(fd) {
            Ok((r, f)) => {
                if obj.is_null() {
                    return 0; // dropping r releases the reference
                }
                unsafe {
                    *obj = r.into_raw();
                    if !flags.is_null() {
                        *flags = f.0;
                    }
                }
                0
            }
            Err(e) => e.neg(),
        }
    }
    pub unsafe extern "C" fn pin<H: Host>(
        h: *const sys::kbpf_host,
        obj: *mut sys::kbpf_obj,
        path: *const c_char,
        dirfd: c_int,
    ) -> c_int {
        // SAFETY: kbpf passes a live object and a NUL-terminated path.
        let (o, path) = match (unsafe { ObjPtr::new(obj) }, unsafe { crate::obj::cstr(path) }) {
            (Some(o), path) => (o, path),
            _ => return Errno::EINVAL.neg(),
        };
        neg(unsafe { host::<H>(h) }.pin(o, path, dirfd))
    }
    pub unsafe extern "C" fn get_pinned<H: Host>(
        h: *const sys::kbpf_host,
        path: *const c_char,
        dirfd: c_int,
        flags: u32,
        obj: *mut *mut sys::kbpf_obj,
    ) -> c_int {
        // SAFETY: a NUL-terminated path and an out-parameter from kbpf.
        let path = unsafe { crate::obj::cstr(path) };
        match unsafe { host::<H>(h) }.get_pinned(path, dirfd, FdFlags(flags)) {
            Ok(r) => {
                // SAFETY: kbpf takes the user reference over.
                unsafe { *obj = r.into_raw() };
                0
            }
            Err(e) => e.neg(),
        }
    }
}

impl<H: Host> Kbpf<H> {
    /// Fill the table in place. `this` must not move afterwards.
    ///
    /// # Safety
    /// @this points at writable memory for a `Kbpf<H>` that stays there for
    /// the rest of the program.
    unsafe fn init_in_place(this: *mut Self, host: H) -> Result<&'static Self, HostCheckError> {
        // SAFETY: caller contract; fields are written before any read, and
        // the all-zero kbpf_host / registry are valid ("not provided").
        unsafe {
            ptr::addr_of_mut!((*this).host).write(host);
            ptr::addr_of_mut!((*this).registry).write(UnsafeCell::new(core::mem::zeroed()));
            ptr::addr_of_mut!((*this).state).write(UnsafeCell::new(core::mem::zeroed()));
            ptr::addr_of_mut!((*this)._pin).write(PhantomPinned);
            ptr::addr_of_mut!((*this).raw).write(core::mem::zeroed());
        }
        // SAFETY: every field is initialised now.
        let this: &'static mut Self = unsafe { &mut *this };
        let hp = &this.host as *const H;
        let h = &this.host;
        let raw = &mut this.raw;
        raw.ctx = hp as *mut c_void;
        raw.alloc = Some(tramp::alloc::<H>);
        raw.free = Some(tramp::free::<H>);
        raw.nr_cpus = h.nr_cpus();
        raw.cpu_id = Some(tramp::cpu_id::<H>);
        raw.mono_ns = Some(tramp::mono_ns::<H>);
        raw.boot_ns = Some(tramp::boot_ns::<H>);
        raw.coarse_ns = Some(tramp::coarse_ns::<H>);
        raw.warn = Some(tramp::warn::<H>);
        raw.lock_timeout_ns = H::LOCK_TIMEOUT_NS;
        if H::TAI {
            raw.tai_ns = Some(tramp::tai_ns::<H>);
        }
        if H::PAGES {
            raw.alloc_pages = Some(tramp::alloc_pages::<H>);
            raw.free_pages = Some(tramp::free_pages::<H>);
            raw.vmap = Some(tramp::vmap::<H>);
            raw.vunmap = Some(tramp::vunmap::<H>);
        }
        if H::IRQS {
            raw.irq_save = Some(tramp::irq_save::<H>);
            raw.irq_restore = Some(tramp::irq_restore::<H>);
        }
        if H::DEFER_FREE {
            raw.defer_free = Some(tramp::defer_free::<H>);
        }
        if H::READ_LOCK {
            raw.read_lock = Some(tramp::read_lock::<H>);
            raw.read_unlock = Some(tramp::read_unlock::<H>);
        }
        if H::USER_COPIES {
            raw.copy_from_user = Some(tramp::copy_from_user::<H>);
            raw.copy_to_user = Some(tramp::copy_to_user::<H>);
            raw.strncpy_from_user = Some(tramp::strncpy_from_user::<H>);
        }
        if H::PROBE_READS {
            raw.probe_read_kernel = Some(tramp::probe_read_kernel::<H>);
            raw.probe_read_user = Some(tramp::probe_read_user::<H>);
        }
        if H::RANDOM {
            raw.random_u32 = Some(tramp::random_u32::<H>);
        }
        if H::TASK {
            raw.current_ids = Some(tramp::current_ids::<H>);
            raw.current_comm = Some(tramp::current_comm::<H>);
            raw.current_task = Some(tramp::current_task::<H>);
        }
        if H::PRIVILEGE {
            raw.capable = Some(tramp::capable::<H>);
            raw.unprivileged_bpf_disabled = Some(tramp::unprivileged_bpf_disabled::<H>);
        }
        if H::TRACE {
            raw.trace_write = Some(tramp::trace_write::<H>);
        }
        if H::WAKE {
            raw.wake = Some(tramp::wake::<H>);
        }
        if H::FDS {
            raw.fd_install = Some(tramp::fd_install::<H>);
            raw.fd_get = Some(tramp::fd_get::<H>);
        }
        if H::PINS {
            raw.pin = Some(tramp::pin::<H>);
            raw.get_pinned = Some(tramp::get_pinned::<H>);
        }
        if let Some(btf) = h.btf() {
            raw.btf = btf.as_ptr() as *const c_void;
            raw.btf_size = btf.len();
        }
        raw.raw_tps = this.registry.get();
        raw.state = this.state.get();
        h.configure(raw);
        let mut what: *const c_char = ptr::null();
        // SAFETY: a filled table; what receives a static string.
        let r = unsafe { sys::kbpf_host_check(raw, &mut what) };
        if r < 0 {
            return Err(HostCheckError {
                errno: Errno::from_code(-r),
                // SAFETY: NULL or a static string (host.h).
                field: unsafe { crate::obj::cstr(what) },
            });
        }
        Ok(this)
    }

    /// Build kbpf for @host in @slot (a `static` of the kernel's) and check
    /// the table (`kbpf_host_check`). The slot is borrowed forever, so the
    /// table never moves; this is how a kernel without an allocator places
    /// it.
    ///
    /// Errors: [`HostCheckError`] with EINVAL and the field name when a
    /// mandatory part is out of range (`nr_cpus` 0 or above 256).
    pub fn init_static(
        slot: &'static mut MaybeUninit<Kbpf<H>>,
        host: H,
    ) -> Result<&'static Kbpf<H>, HostCheckError> {
        // SAFETY: the slot is 'static and exclusively ours from now on.
        unsafe { Self::init_in_place(slot.as_mut_ptr(), host) }
    }

    /// As [`Kbpf::init_static`], in memory from the global allocator that is
    /// never freed (kbpf objects may outlive any scope).
    #[cfg(feature = "alloc")]
    pub fn leak(host: H) -> Result<&'static Kbpf<H>, HostCheckError> {
        let slot = alloc::boxed::Box::leak(alloc::boxed::Box::new(MaybeUninit::uninit()));
        Self::init_static(slot, host)
    }

    /// The host value.
    pub fn host(&self) -> &H {
        &self.host
    }

    /// The C table, for the parts of the C API this crate does not wrap.
    pub fn raw(&self) -> *const sys::kbpf_host {
        &self.raw
    }

    /// Run one bpf(2) command: what a kernel's `bpf` syscall calls.
    ///
    /// @cmd is `enum bpf_cmd` (`sys::bpf_cmd::*`), @uattr the user's
    /// `union bpf_attr` pointer and @size the size the user passed; kbpf
    /// applies Linux's attribute rules (E2BIG past 4096 bytes or with a
    /// non-zero tail, EINVAL for an unknown command or stray bytes) and the
    /// command's own. Returns the command's result (an fd, 0, a count).
    ///
    /// Context: syscall path; may sleep; the host's fd, copy and privilege
    /// methods run in the caller's context.
    ///
    /// # Safety
    /// Without [`Host::USER_COPIES`], kbpf reads @uattr and every pointer in
    /// it (keys, values, instructions, logs) directly: they must be valid
    /// for the sizes the attribute gives. With user copies, the host's
    /// copy methods must validate user addresses, and then any value is
    /// safe.
    pub unsafe fn sys_bpf(&self, cmd: u32, uattr: *mut c_void, size: u32) -> Result<i64, Errno> {
        // SAFETY: caller contract.
        let r = unsafe { sys::kbpf_sys_bpf(&self.raw, cmd as c_int, uattr, size) };
        Errno::result(r as i64)
    }

    /// [`Kbpf::sys_bpf`] on a `union bpf_attr` the kernel built itself
    /// (in-kernel callers, tests).
    ///
    /// # Safety
    /// As `sys_bpf` without user copies: every pointer in @attr must be
    /// valid for the sizes it gives.
    pub unsafe fn sys_bpf_attr(&self, cmd: u32, attr: &mut sys::bpf_attr) -> Result<i64, Errno> {
        // SAFETY: caller contract.
        unsafe {
            self.sys_bpf(
                cmd,
                attr as *mut sys::bpf_attr as *mut c_void,
                core::mem::size_of::<sys::bpf_attr>() as u32,
            )
        }
    }

    /// Add @tp to this host's raw tracepoint registry, so that programs can
    /// attach to it by name (`BPF_RAW_TRACEPOINT_OPEN`, tp_btf).
    ///
    /// Errors: EINVAL for a name of 128 bytes or more, or more than 12
    /// arguments; EEXIST for a name already registered (or @tp registered).
    /// Context: syscall path (host initialisation).
    pub fn register_raw_tp(&'static self, tp: &'static crate::RawTracepoint) -> Result<(), Errno> {
        // SAFETY: both live forever; kbpf owns tp's private fields from now.
        Errno::check(unsafe { sys::kbpf_raw_tp_register(&self.raw, tp.as_ptr()) })
    }
}
