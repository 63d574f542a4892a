// SPDX-License-Identifier: MIT
//! A std-backed host written in Rust for the crate's tests, and the same
//! operations on the C POSIX reference host (libkbpf_posix.a) to compare
//! with: `Side::Rust` drives kbpf through the crate's trait and trampolines,
//! `Side::Posix` through `kbpf_posix_bpf()`, and each test sends both the
//! same `union bpf_attr` bytes.
#![allow(dead_code)]

use std::alloc::{alloc, alloc_zeroed, dealloc, Layout};
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use kbpf::sys;
use kbpf::{AllocFlags, Errno, FdFlags, Host, Kbpf, ObjPtr, ObjRef, UserRef};

const PAGE: usize = 4096;

extern "C" {
    fn memfd_create(name: *const kbpf::ffi::c_char, flags: u32) -> i32;
    fn ftruncate(fd: i32, len: i64) -> i32;
    fn mmap(addr: *mut c_void, len: usize, prot: i32, flags: i32, fd: i32, off: i64)
        -> *mut c_void;
    fn munmap(addr: *mut c_void, len: usize) -> i32;
    fn close(fd: i32) -> i32;
}
const PROT_NONE: i32 = 0;
const PROT_RW: i32 = 3;
const MAP_SHARED: i32 = 1;
const MAP_PRIVATE: i32 = 2;
const MAP_FIXED: i32 = 0x10;
const MAP_ANONYMOUS: i32 = 0x20;

thread_local! {
    static CPU: Cell<u32> = const { Cell::new(0) };
}

/// Set the calling thread's virtual CPU.
pub fn set_cpu(cpu: u32) {
    CPU.with(|c| c.set(cpu));
}

/// The test host: std's allocator with live counts, pages in a memfd
/// mapped with MAP_FIXED for vmap, a Mutex'd fd table, threads as CPUs.
pub struct TestHost {
    pub nr_cpus: u32,
    start: Instant,
    pub live_allocs: AtomicI64,
    pub live_pages: AtomicI64,
    pages: Mutex<(i32, usize)>, // memfd, pages in it
    fds: Mutex<Vec<Option<(UserRef, FdFlags)>>>,
    trace: Mutex<Vec<u8>>,
    pins: Mutex<Vec<(Vec<u8>, UserRef)>>,
    rand: AtomicU64,
}

impl TestHost {
    pub fn new(nr_cpus: u32) -> TestHost {
        TestHost {
            nr_cpus,
            start: Instant::now(),
            live_allocs: AtomicI64::new(0),
            live_pages: AtomicI64::new(0),
            pages: Mutex::new((-1, 0)),
            fds: Mutex::new(Vec::new()),
            trace: Mutex::new(Vec::new()),
            pins: Mutex::new(Vec::new()),
            rand: AtomicU64::new(0x9e37_79b9_7f4a_7c15),
        }
    }

    /// Install an object the kernel holds (the loader's) as a new fd.
    pub fn install(&self, obj: &ObjRef) -> i32 {
        match self.fd_install(obj.to_user_ref(), FdFlags(FdFlags::READ | FdFlags::WRITE)) {
            Ok(fd) => fd,
            Err((e, _)) => panic!("install: {e}"),
        }
    }

    /// close(2): drop the fd's user reference (outside the table lock).
    pub fn close(&self, fd: i32) -> Result<(), Errno> {
        let taken = {
            let mut t = self.fds.lock().unwrap();
            t.get_mut(fd as usize).and_then(Option::take)
        };
        taken.map(drop).ok_or(Errno::EBADF)
    }

    /// Close every fd (end of a test).
    pub fn close_all(&self) {
        let all: Vec<_> = std::mem::take(&mut *self.fds.lock().unwrap());
        drop(all);
        let pins: Vec<_> = std::mem::take(&mut *self.pins.lock().unwrap());
        drop(pins);
    }

    /// The object behind @fd.
    pub fn obj(&self, fd: i32) -> ObjRef {
        self.fd_get(fd).expect("fd").0
    }

    /// What programs wrote with bpf_trace_printk.
    pub fn trace(&self) -> String {
        String::from_utf8_lossy(&self.trace.lock().unwrap()).into_owned()
    }
}

// SAFETY: alloc returns memory of the size and alignment asked; vmap maps
// the pages; cpu_id is below nr_cpus; the fd table hands back the objects
// kbpf installed.
unsafe impl Host for TestHost {
    fn alloc(&self, size: usize, align: usize, flags: AllocFlags) -> *mut u8 {
        // A header before the block remembers the alignment, which free
        // is not told.
        let a = align.max(16);
        let layout = Layout::from_size_align(size + a, a).unwrap();
        // SAFETY: non-zero size.
        let base = unsafe {
            if flags.zero() {
                alloc_zeroed(layout)
            } else {
                alloc(layout)
            }
        };
        if base.is_null() {
            return base;
        }
        self.live_allocs.fetch_add(1, Ordering::Relaxed);
        // SAFETY: a >= 16 bytes precede the block.
        unsafe {
            let p = base.add(a);
            (p.sub(8) as *mut usize).write(a);
            p
        }
    }

    unsafe fn free(&self, ptr: *mut u8, size: usize) {
        if ptr.is_null() {
            return;
        }
        self.live_allocs.fetch_sub(1, Ordering::Relaxed);
        // SAFETY: ptr came from alloc above with this size.
        unsafe {
            let a = (ptr.sub(8) as *const usize).read();
            dealloc(ptr.sub(a), Layout::from_size_align(size + a, a).unwrap());
        }
    }

    fn nr_cpus(&self) -> u32 {
        self.nr_cpus
    }

    fn cpu_id(&self) -> u32 {
        CPU.with(|c| c.get()) % self.nr_cpus
    }

    fn mono_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64 + 1
    }

    const PAGES: bool = true;
    fn alloc_pages(&self, pages: &mut [usize]) -> Result<(), Errno> {
        let mut st = self.pages.lock().unwrap();
        // SAFETY: plain syscalls on our own memfd.
        unsafe {
            if st.0 < 0 {
                st.0 = memfd_create(kbpf::cstr!("kbpf-rs-pages").as_ptr(), 1);
                if st.0 < 0 {
                    return Err(Errno::ENOMEM);
                }
            }
            // Fresh pages of a memfd read as zero; pages are never reused.
            if ftruncate(st.0, ((st.1 + pages.len()) * PAGE) as i64) != 0 {
                return Err(Errno::ENOMEM);
            }
        }
        for (i, h) in pages.iter_mut().enumerate() {
            *h = st.1 + i + 1;
        }
        st.1 += pages.len();
        self.live_pages.fetch_add(pages.len() as i64, Ordering::Relaxed);
        Ok(())
    }
    fn free_pages(&self, pages: &[usize]) {
        self.live_pages.fetch_sub(pages.len() as i64, Ordering::Relaxed);
    }
    fn vmap(&self, pages: &[usize]) -> *mut u8 {
        let fd = self.pages.lock().unwrap().0;
        // SAFETY: reserve a range, then map each page of the memfd at its
        // place in it (handles may repeat: the ring's double mapping).
        unsafe {
            let base = mmap(
                std::ptr::null_mut(),
                pages.len() * PAGE,
                PROT_NONE,
                MAP_PRIVATE | MAP_ANONYMOUS,
                -1,
                0,
            );
            if base as isize == -1 {
                return std::ptr::null_mut();
            }
            for (i, &h) in pages.iter().enumerate() {
                let at = (base as *mut u8).add(i * PAGE) as *mut c_void;
                let p = mmap(at, PAGE, PROT_RW, MAP_SHARED | MAP_FIXED, fd, ((h - 1) * PAGE) as i64);
                if p != at {
                    munmap(base, pages.len() * PAGE);
                    return std::ptr::null_mut();
                }
            }
            base as *mut u8
        }
    }
    fn vunmap(&self, addr: *mut u8, nr: usize) {
        // SAFETY: a range vmap returned.
        unsafe { munmap(addr as *mut c_void, nr * PAGE) };
    }

    const RANDOM: bool = true;
    fn random_u32(&self) -> u32 {
        let mut x = self.rand.load(Ordering::Relaxed);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rand.store(x, Ordering::Relaxed);
        (x >> 32) as u32
    }

    const TRACE: bool = true;
    fn trace_write(&self, msg: &[u8]) {
        let mut t = self.trace.lock().unwrap();
        t.extend_from_slice(msg);
        t.push(b'\n');
    }

    const FDS: bool = true;
    fn fd_install(&self, obj: UserRef, flags: FdFlags) -> Result<i32, (Errno, UserRef)> {
        let mut t = self.fds.lock().unwrap();
        // fds start at 3, as a process's would after stdio.
        while t.len() < 3 {
            t.push(None);
        }
        let fd = match t.iter().skip(3).position(Option::is_none) {
            Some(i) => i + 3,
            None => {
                t.push(None);
                t.len() - 1
            }
        };
        t[fd] = Some((obj, flags));
        Ok(fd as i32)
    }
    fn fd_get(&self, fd: i32) -> Result<(ObjRef, FdFlags), Errno> {
        let t = self.fds.lock().unwrap();
        match t.get(fd as usize) {
            Some(Some((obj, flags))) if fd >= 0 => Ok((obj.obj_ref(), *flags)),
            _ => Err(Errno::EBADF),
        }
    }

    // A one-directory BPF file system: "/sys/fs/bpf/<name>".
    const PINS: bool = true;
    fn pin(&self, obj: ObjPtr, path: &kbpf::ffi::CStr, _dirfd: i32) -> Result<(), Errno> {
        let path = path.to_bytes();
        if !path.starts_with(b"/sys/fs/bpf/") {
            return Err(Errno::EPERM);
        }
        let mut pins = self.pins.lock().unwrap();
        if pins.iter().any(|(p, _)| p == path) {
            return Err(Errno::EEXIST);
        }
        pins.push((path.to_vec(), obj.user_ref()));
        Ok(())
    }
    fn get_pinned(&self, path: &kbpf::ffi::CStr, _dirfd: i32, _flags: FdFlags) -> Result<UserRef, Errno> {
        let pins = self.pins.lock().unwrap();
        let found = pins.iter().find(|(p, _)| p == path.to_bytes());
        found.map(|(_, r)| r.dup()).ok_or(Errno::ENOENT)
    }
}

impl Drop for TestHost {
    fn drop(&mut self) {
        let fd = self.pages.lock().unwrap().0;
        if fd >= 0 {
            // SAFETY: our memfd.
            unsafe { close(fd) };
        }
    }
}

/// A fresh kbpf instance over a fresh test host (leaked: kbpf objects may
/// outlive any scope, and each test gets its own instance).
pub fn kbpf(nr_cpus: u32) -> &'static Kbpf<TestHost> {
    Kbpf::leak(TestHost::new(nr_cpus)).expect("host check")
}

// ---------------------------------------------------------------- C side

#[cfg(kbpf_posix)]
extern "C" {
    fn kbpf_posix_bpf(cmd: i32, attr: *mut c_void, size: u32) -> i32;
    fn kbpf_posix_close(fd: i32) -> i32;
    fn kbpf_posix_fd_obj(fd: i32) -> *mut sys::kbpf_obj;
    pub fn kbpf_posix_host() -> *const sys::kbpf_host;
}

/// Which kbpf a test drives: the crate's Rust host, or the C POSIX host.
#[derive(Clone, Copy)]
pub enum Side {
    Rust(&'static Kbpf<TestHost>),
    #[cfg(kbpf_posix)]
    Posix,
}

impl Side {
    /// Both sides, Rust first; the C side only where libkbpf_posix.a was
    /// linked.
    pub fn both(k: &'static Kbpf<TestHost>) -> Vec<Side> {
        #[cfg(kbpf_posix)]
        {
            vec![Side::Rust(k), Side::Posix]
        }
        #[cfg(not(kbpf_posix))]
        {
            vec![Side::Rust(k)]
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Side::Rust(_) => "rust",
            #[cfg(kbpf_posix)]
            Side::Posix => "posix",
        }
    }

    /// bpf(2) with @attr.
    pub fn bpf(&self, cmd: u32, attr: &mut sys::bpf_attr) -> Result<i64, Errno> {
        match self {
            // SAFETY: every pointer in the attributes the tests build
            // points at live test memory of the right size.
            Side::Rust(k) => unsafe { k.sys_bpf_attr(cmd, attr) },
            #[cfg(kbpf_posix)]
            Side::Posix => {
                // SAFETY: as above; kbpf_posix_bpf is the C drop-in.
                let r = unsafe {
                    kbpf_posix_bpf(
                        cmd as i32,
                        attr as *mut sys::bpf_attr as *mut c_void,
                        std::mem::size_of::<sys::bpf_attr>() as u32,
                    )
                };
                if r < 0 {
                    let e = std::io::Error::last_os_error().raw_os_error().unwrap();
                    Err(Errno::from_code(e))
                } else {
                    Ok(r as i64)
                }
            }
        }
    }

    pub fn close(&self, fd: i64) {
        match self {
            Side::Rust(k) => k.host().close(fd as i32).unwrap(),
            #[cfg(kbpf_posix)]
            // SAFETY: a kbpf fd the test opened.
            Side::Posix => assert_eq!(unsafe { kbpf_posix_close(fd as i32) }, 0),
        }
    }

    /// A reference on the object behind @fd.
    pub fn obj(&self, fd: i64) -> ObjRef {
        match self {
            Side::Rust(k) => k.host().obj(fd as i32),
            #[cfg(kbpf_posix)]
            Side::Posix => {
                // SAFETY: a live kbpf fd: its object lives while it is open;
                // take our own reference.
                let p = unsafe { ObjPtr::new(kbpf_posix_fd_obj(fd as i32)) }.expect("fd");
                p.get()
            }
        }
    }

    // ---- attribute builders: one union bpf_attr per command

    pub fn map_create(&self, ty: u32, key: u32, value: u32, max: u32, flags: u32) -> Result<i64, Errno> {
        let mut a = zeroed_attr();
        // Writing Copy fields of a union is safe.
        {
            a.__bindgen_anon_1.map_type = ty;
            a.__bindgen_anon_1.key_size = key;
            a.__bindgen_anon_1.value_size = value;
            a.__bindgen_anon_1.max_entries = max;
            a.__bindgen_anon_1.map_flags = flags;
        }
        self.bpf(sys::bpf_cmd::BPF_MAP_CREATE, &mut a)
    }

    /// An element command on @fd with @key, @value (or next key) and @flags.
    pub fn elem(&self, cmd: u32, fd: i64, key: Option<&[u8]>, value: &mut [u8], flags: u64) -> Result<i64, Errno> {
        let mut a = zeroed_attr();
        {
            a.__bindgen_anon_2.map_fd = fd as u32;
            a.__bindgen_anon_2.key = key.map_or(0, |k| k.as_ptr() as u64);
            a.__bindgen_anon_2.__bindgen_anon_1.value =
                if value.is_empty() { 0 } else { value.as_mut_ptr() as u64 };
            a.__bindgen_anon_2.flags = flags;
        }
        self.bpf(cmd, &mut a)
    }

    pub fn prog_load(&self, ty: u32, insns: &[sys::bpf_insn], log: &mut [u8]) -> Result<i64, Errno> {
        let mut a = zeroed_attr();
        let license = kbpf::cstr!("GPL");
        // SAFETY: plain integers and addresses of live buffers.
        unsafe {
            let p = &mut a.__bindgen_anon_3;
            p.prog_type = ty;
            p.insn_cnt = insns.len() as u32;
            p.insns = insns.as_ptr() as u64;
            p.license = license.as_ptr() as u64;
            if !log.is_empty() {
                p.log_level = 1;
                p.log_size = log.len() as u32;
                p.log_buf = log.as_mut_ptr() as u64;
            }
        }
        self.bpf(sys::bpf_cmd::BPF_PROG_LOAD, &mut a)
    }

    /// BPF_PROG_TEST_RUN with @ctx as ctx_in; the program's r0.
    pub fn test_run(&self, prog: i64, ctx: &[u64]) -> Result<u32, Errno> {
        let mut a = zeroed_attr();
        {
            a.test.prog_fd = prog as u32;
            a.test.ctx_in = ctx.as_ptr() as u64;
            a.test.ctx_size_in = std::mem::size_of_val(ctx) as u32;
        }
        self.bpf(sys::bpf_cmd::BPF_PROG_TEST_RUN, &mut a)?;
        // SAFETY: kbpf wrote retval.
        Ok(unsafe { a.test.retval })
    }
}

pub fn zeroed_attr() -> sys::bpf_attr {
    // SAFETY: all-zero bytes are a valid union bpf_attr.
    unsafe { std::mem::zeroed() }
}

// ---------------------------------------------------------------- insns

pub fn insn(code: u32, dst: u8, src: u8, off: i16, imm: i32) -> sys::bpf_insn {
    sys::bpf_insn {
        code: code as u8,
        _bitfield_align_1: [],
        _bitfield_1: sys::bpf_insn::new_bitfield_1(dst, src),
        off,
        imm,
    }
}

/// ld_imm64 of a map fd (two instructions).
pub fn ld_map_fd(dst: u8, fd: i64) -> [sys::bpf_insn; 2] {
    [
        insn(sys::BPF_LD | sys::BPF_DW | sys::BPF_IMM, dst, sys::BPF_PSEUDO_MAP_FD as u8, 0, fd as i32),
        insn(0, 0, 0, 0, 0),
    ]
}

pub fn exit() -> sys::bpf_insn {
    insn(sys::BPF_JMP | sys::BPF_EXIT, 0, 0, 0, 0)
}
