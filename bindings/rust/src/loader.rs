// SPDX-License-Identifier: MIT
//! The ELF object loader (`include/kbpf/loader.h`): a BPF object file as
//! `clang -target bpf` emits it, turned into maps and programs in the
//! kernel, the way libbpf does in user space (libbpf's section names,
//! BTF-defined, legacy and global-data maps, relocations, CO-RE against a
//! host BTF, `.kconfig` externs).
//!
//! [`ElfObject::parse`] reads and relocates; [`ElfObject::load`] creates
//! the maps and loads the programs. The object holds one reference on each;
//! take your own ([`ElfProg::prog`], [`ElfMap::map`]) to keep them after
//! the object is dropped.

use core::fmt;
use core::ptr::{self, NonNull};

use crate::ffi::{c_char, CStr};
use crate::obj::{cstr, ObjRef, ProgRef};
use crate::{sys, Errno, Host, Kbpf};

/// Options of [`ElfObject::parse`] and [`ElfObject::load`]; `Default` is
/// "none".
#[derive(Clone, Copy, Default)]
pub struct ElfOptions<'a> {
    /// The object's name for global-data map names ("counter" gives
    /// "counter.rodata"), as libbpf derives it from the file name.
    pub obj_name: Option<&'a CStr>,
    /// The host kernel's BTF, against which CO-RE relocations are applied;
    /// without it programs that use CO-RE are refused at load.
    pub target_btf: Option<&'a [u8]>,
    /// `.kconfig` extern values, as `NAME=VALUE` lines (Linux's .config
    /// syntax).
    pub kconfig: Option<&'a CStr>,
}

/// A loader failure: the errno and the loader's one-line reason (section,
/// symbol, program or map, and for a refused program the verifier log's
/// last line).
#[derive(Clone)]
pub struct LoadError {
    /// ENOEXEC malformed object, EINVAL relocation, EOPNOTSUPP a feature
    /// kbpf lacks, ENOMEM, or a map creation or program load errno.
    pub errno: Errno,
    msg: [u8; 256],
}

impl LoadError {
    /// The loader's message ("" if it gave none).
    pub fn message(&self) -> &str {
        let n = self.msg.iter().position(|&b| b == 0).unwrap_or(self.msg.len());
        core::str::from_utf8(&self.msg[..n]).unwrap_or("(message not UTF-8)")
    }
}

impl fmt::Debug for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LoadError({:?}: {})", self.errno, self.message())
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.errno, self.message())
    }
}

fn raw_opts(o: &ElfOptions<'_>, errbuf: &mut [u8; 256]) -> sys::kbpf_elf_opts {
    // SAFETY: all-zero is the documented default of every field.
    let mut r: sys::kbpf_elf_opts = unsafe { core::mem::zeroed() };
    r.obj_name = o.obj_name.map_or(ptr::null(), |s| s.as_ptr());
    r.errbuf = errbuf.as_mut_ptr() as *mut c_char;
    r.errbuf_size = errbuf.len();
    if let Some(btf) = o.target_btf {
        r.target_btf = btf.as_ptr() as *const crate::ffi::c_void;
        r.target_btf_size = btf.len();
    }
    r.kconfig = o.kconfig.map_or(ptr::null(), |s| s.as_ptr());
    r
}

/// A parsed (and possibly loaded) object. Dropping it drops its references
/// on its maps and programs (`kbpf_elf_free`).
pub struct ElfObject {
    raw: NonNull<sys::kbpf_elf>,
}

// SAFETY: the object is plain memory of the host's allocator, used by one
// owner at a time.
unsafe impl Send for ElfObject {}

impl ElfObject {
    /// Parse and relocate the object in @bytes (copied: @bytes may go once
    /// this returns). Nothing is created yet.
    ///
    /// Errors: ENOEXEC for a malformed object, EINVAL for a relocation that
    /// cannot be applied, EOPNOTSUPP, ENOMEM; each with the loader's
    /// message. Programs using what kbpf lacks (CO-RE without BTF, kfuncs)
    /// parse and say why in [`ElfProg::why`].
    /// Context: syscall path or early boot; may sleep.
    pub fn parse<H: Host>(
        kbpf: &'static Kbpf<H>,
        bytes: &[u8],
        opts: &ElfOptions<'_>,
    ) -> Result<ElfObject, LoadError> {
        // SAFETY: a Kbpf table lives forever.
        unsafe { Self::parse_raw(kbpf.raw(), bytes, opts) }
    }

    /// [`ElfObject::parse`] with a C host table (a host written in C, such
    /// as the POSIX reference host).
    ///
    /// # Safety
    /// @host must be a checked `struct kbpf_host` that outlives the object
    /// and everything it creates.
    pub unsafe fn parse_raw(
        host: *const sys::kbpf_host,
        bytes: &[u8],
        opts: &ElfOptions<'_>,
    ) -> Result<ElfObject, LoadError> {
        let mut msg = [0u8; 256];
        let o = raw_opts(opts, &mut msg);
        let mut out = ptr::null_mut();
        // SAFETY: bytes is valid for its length; o and msg outlive the call.
        let r = unsafe {
            sys::kbpf_elf_parse(host, bytes.as_ptr() as *const _, bytes.len(), &o, &mut out)
        };
        match Errno::check(r) {
            Ok(()) => Ok(ElfObject { raw: NonNull::new(out).expect("kbpf_elf_parse gave NULL") }),
            Err(errno) => Err(LoadError { errno, msg }),
        }
    }

    fn elf(&self) -> &sys::kbpf_elf {
        // SAFETY: the object lives until drop.
        unsafe { self.raw.as_ref() }
    }

    /// Create the maps and load every program whose autoload is set
    /// ([`ElfObject::set_autoload`]), as `kbpf_elf_load` does: global data
    /// initialised and `.rodata` frozen, prog array `values` filled. On
    /// failure everything created is released.
    ///
    /// Errors: EBUSY if already loaded; EOPNOTSUPP for a program using what
    /// kbpf lacks; ESRCH for a section that names no program type; a map
    /// creation or program load errno, with the message naming it.
    /// Context: syscall path or early boot; may sleep.
    pub fn load(&mut self, opts: &ElfOptions<'_>) -> Result<(), LoadError> {
        let mut msg = [0u8; 256];
        let o = raw_opts(opts, &mut msg);
        // SAFETY: a parsed object, exclusively ours.
        let r = unsafe { sys::kbpf_elf_load(self.raw.as_ptr(), &o) };
        Errno::check(r).map_err(|errno| LoadError { errno, msg })
    }

    /// The license section ("" if absent).
    pub fn license(&self) -> &CStr {
        // SAFETY: kbpf NUL-terminates it within the array.
        unsafe { CStr::from_ptr(self.elf().license.as_ptr()) }
    }

    /// The object is big-endian (`-target bpfeb`).
    pub fn big_endian(&self) -> bool {
        self.elf().big_endian
    }

    /// The programs, in section order then offset.
    pub fn progs(&self) -> &[ElfProg] {
        let e = self.elf();
        if e.progs.is_null() {
            return &[];
        }
        // SAFETY: kbpf keeps nr_progs entries; ElfProg is repr(transparent).
        unsafe { core::slice::from_raw_parts(e.progs as *const ElfProg, e.nr_progs as usize) }
    }

    /// The maps: BTF-defined, then legacy, then global data.
    pub fn maps(&self) -> &[ElfMap] {
        let e = self.elf();
        if e.maps.is_null() {
            return &[];
        }
        // SAFETY: kbpf keeps nr_maps entries; ElfMap is repr(transparent).
        unsafe { core::slice::from_raw_parts(e.maps as *const ElfMap, e.nr_maps as usize) }
    }

    /// The program whose symbol name is @name.
    pub fn find_prog(&self, name: &str) -> Option<&ElfProg> {
        self.progs().iter().find(|p| p.name().to_bytes() == name.as_bytes())
    }

    /// The map whose name or kernel name is @name.
    pub fn find_map(&self, name: &str) -> Option<&ElfMap> {
        self.maps().iter().find(|m| {
            m.name().to_bytes() == name.as_bytes() || m.kname().to_bytes() == name.as_bytes()
        })
    }

    /// Load (or skip) program @index at [`ElfObject::load`] (libbpf's
    /// `bpf_program__set_autoload`). Before the load only.
    pub fn set_autoload(&mut self, index: usize, on: bool) {
        let n = self.elf().nr_progs as usize;
        assert!(index < n, "program index out of range");
        // SAFETY: in range; we own the object exclusively.
        unsafe { (*self.raw.as_ref().progs.add(index)).autoload = on };
    }
}

impl Drop for ElfObject {
    fn drop(&mut self) {
        // SAFETY: ours; kbpf_elf_free drops the object's references.
        unsafe { sys::kbpf_elf_free(self.raw.as_ptr()) }
    }
}

/// One program of an object (`struct kbpf_elf_prog`).
#[repr(transparent)]
pub struct ElfProg(sys::kbpf_elf_prog);

impl ElfProg {
    /// The function's symbol name.
    pub fn name(&self) -> &CStr {
        // SAFETY: strings in the object's memory, alive with it.
        unsafe { cstr(self.0.name) }
    }
    /// The section name ("raw_tp/sys_enter").
    pub fn section(&self) -> &CStr {
        // SAFETY: as name.
        unsafe { cstr(self.0.sec_name) }
    }
    /// What follows the kind in the section name ("sys_enter").
    pub fn attach_target(&self) -> &CStr {
        // SAFETY: as name.
        unsafe { cstr(self.0.attach_target) }
    }
    /// `enum bpf_prog_type` from libbpf's section table (0 if unknown).
    pub fn prog_type(&self) -> u32 {
        self.0.prog_type
    }
    /// The expected attach type.
    pub fn expected_attach_type(&self) -> u32 {
        self.0.expected_attach_type
    }
    /// The relocated instructions.
    pub fn insns(&self) -> &[sys::bpf_insn] {
        if self.0.insns.is_null() {
            return &[];
        }
        // SAFETY: insn_cnt instructions in the object's memory.
        unsafe { core::slice::from_raw_parts(self.0.insns, self.0.insn_cnt as usize) }
    }
    /// Why kbpf cannot load it ("" if it can).
    pub fn why(&self) -> &str {
        // SAFETY: NUL-terminated in its array.
        let s = unsafe { CStr::from_ptr(self.0.why.as_ptr()) };
        s.to_str().unwrap_or("")
    }
    /// The loaded program, with a new reference; `None` before the load or
    /// if it was not loaded.
    pub fn prog(&self) -> Option<ProgRef> {
        // SAFETY: the object holds a reference while we borrow it.
        NonNull::new(self.0.prog).map(|p| unsafe { ProgRef::from_prog(p) })
    }
}

/// One map of an object (`struct kbpf_elf_map`).
#[repr(transparent)]
pub struct ElfMap(sys::kbpf_elf_map);

impl ElfMap {
    /// The variable or section name.
    pub fn name(&self) -> &CStr {
        // SAFETY: in the object's memory.
        unsafe { cstr(self.0.name) }
    }
    /// The name given to BPF_MAP_CREATE (libbpf's form, 15 bytes at most).
    pub fn kname(&self) -> &CStr {
        // SAFETY: NUL-terminated in its array.
        unsafe { CStr::from_ptr(self.0.kname.as_ptr()) }
    }
    /// `enum bpf_map_type`.
    pub fn map_type(&self) -> u32 {
        self.0.type_
    }
    /// Key size in bytes.
    pub fn key_size(&self) -> u32 {
        self.0.key_size
    }
    /// Value size in bytes.
    pub fn value_size(&self) -> u32 {
        self.0.value_size
    }
    /// Maximum entries.
    pub fn max_entries(&self) -> u32 {
        self.0.max_entries
    }
    /// The created map's object, with a new reference; `None` before the load.
    pub fn map(&self) -> Option<ObjRef> {
        if self.0.map.is_null() {
            return None;
        }
        // SAFETY: the object holds a reference on the map.
        let obj = unsafe { sys::kbpf_map_obj(self.0.map) };
        // SAFETY: a live map's object.
        unsafe { crate::ObjPtr::new(obj) }.map(|o| o.get())
    }
}

impl fmt::Debug for ElfObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElfObject")
            .field("license", &self.license())
            .field("progs", &self.progs())
            .field("maps", &self.maps())
            .field("loaded", &self.elf().loaded)
            .finish()
    }
}

impl fmt::Debug for ElfProg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElfProg")
            .field("name", &self.name())
            .field("section", &self.section())
            .field("insns", &self.insns().len())
            .field("why", &self.why())
            .finish()
    }
}

impl fmt::Debug for ElfMap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ElfMap")
            .field("name", &self.name())
            .field("type", &self.map_type())
            .field("key_size", &self.key_size())
            .field("value_size", &self.value_size())
            .field("max_entries", &self.max_entries())
            .finish()
    }
}
