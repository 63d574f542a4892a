// SPDX-License-Identifier: MIT
//! kbpf objects (maps, programs, links, perf events) as counted references.
//!
//! kbpf keeps two counts on an object (`include/kbpf/object.h`): references
//! ([`ObjRef`]: `kbpf_obj_get`/`kbpf_obj_put`) and user references
//! ([`UserRef`]: the ones fds hold, `kbpf_obj_uref_get`/
//! `kbpf_obj_uref_put`). The last user reference is what clears a prog
//! array's slots, as closing the last fd of a map does in Linux; so a
//! kernel's fd table holds [`UserRef`]s and closing an fd is dropping one.

use core::fmt;
use core::ptr::NonNull;

use crate::ffi::CStr;
use crate::sys;

/// What an object is (`enum kbpf_obj_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ObjKind {
    /// A map (`struct kbpf_map`).
    Map,
    /// A program (`struct kbpf_prog`).
    Prog,
    /// A link: a raw tracepoint or perf attachment.
    Link,
    /// A perf event.
    PerfEvent,
    /// A BTF object.
    Btf,
    /// A type this crate does not know yet.
    Other(u32),
}

impl ObjKind {
    fn from_raw(t: u32) -> ObjKind {
        match t {
            sys::kbpf_obj_type::KBPF_OBJ_MAP => ObjKind::Map,
            sys::kbpf_obj_type::KBPF_OBJ_PROG => ObjKind::Prog,
            sys::kbpf_obj_type::KBPF_OBJ_LINK => ObjKind::Link,
            sys::kbpf_obj_type::KBPF_OBJ_PERF_EVENT => ObjKind::PerfEvent,
            sys::kbpf_obj_type::KBPF_OBJ_BTF => ObjKind::Btf,
            t => ObjKind::Other(t),
        }
    }
}

/// A borrowed `struct kbpf_obj *` as kbpf hands it to a host callback
/// ([`crate::Host::wake`], [`crate::Host::pin`]): valid for the
/// duration of the call, no reference owned.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct ObjPtr(NonNull<sys::kbpf_obj>);

// SAFETY: kbpf objects are reference counted with atomics and their
// public operations may be called from any CPU.
unsafe impl Send for ObjPtr {}
// SAFETY: as above.
unsafe impl Sync for ObjPtr {}

impl ObjPtr {
    /// Wrap a pointer kbpf passed; `None` for NULL.
    ///
    /// # Safety
    /// @p must be NULL or a live kbpf object for as long as the `ObjPtr` is
    /// used.
    pub unsafe fn new(p: *mut sys::kbpf_obj) -> Option<ObjPtr> {
        NonNull::new(p).map(ObjPtr)
    }

    /// The raw pointer.
    pub fn as_ptr(self) -> *mut sys::kbpf_obj {
        self.0.as_ptr()
    }

    /// What the object is.
    pub fn kind(self) -> ObjKind {
        // SAFETY: the object is live (constructor contract).
        ObjKind::from_raw(unsafe { sys::kbpf_obj_type(self.0.as_ptr()) })
    }

    /// Take a user reference (and a reference) on the object: what a pin
    /// holds ([`crate::Host::pin`]).
    pub fn user_ref(self) -> UserRef {
        // SAFETY: live object (constructor contract).
        unsafe { sys::kbpf_obj_uref_get(self.0.as_ptr()) };
        UserRef(self.0)
    }

    /// Take a reference on the object.
    pub fn get(self) -> ObjRef {
        // SAFETY: live object; kbpf_obj_get is lock-free and any context.
        unsafe { sys::kbpf_obj_get(self.0.as_ptr()) };
        ObjRef(self.0)
    }
}

impl fmt::Debug for ObjPtr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjPtr({:?}, {:p})", self.kind(), self.0)
    }
}

/// One counted reference on a kbpf object. Cloning takes another
/// (`kbpf_obj_get`); dropping releases it (`kbpf_obj_put`; the last one
/// destroys the object, which may call the host's `free` and `defer_free`).
pub struct ObjRef(NonNull<sys::kbpf_obj>);

// SAFETY: see ObjPtr.
unsafe impl Send for ObjRef {}
// SAFETY: see ObjPtr.
unsafe impl Sync for ObjRef {}

impl ObjRef {
    /// Adopt a reference kbpf handed out (`kbpf_raw_tp_attach`'s link, a
    /// host's own bookkeeping); `None` for NULL.
    ///
    /// # Safety
    /// @p must be NULL or carry one reference the caller owns and gives to
    /// the `ObjRef`.
    pub unsafe fn from_raw(p: *mut sys::kbpf_obj) -> Option<ObjRef> {
        NonNull::new(p).map(ObjRef)
    }

    /// Give the reference up as a raw pointer (to be adopted again with
    /// [`ObjRef::from_raw`] or released with `kbpf_obj_put`).
    pub fn into_raw(self) -> *mut sys::kbpf_obj {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    /// The object, borrowed.
    pub fn ptr(&self) -> ObjPtr {
        ObjPtr(self.0)
    }

    /// What the object is.
    pub fn kind(&self) -> ObjKind {
        self.ptr().kind()
    }

    /// Take a user reference too (`kbpf_obj_uref_get`): what a host does to
    /// give an object it holds an fd of its own (pinning, GET_FD_BY_ID, an
    /// object the in-kernel loader created).
    pub fn to_user_ref(&self) -> UserRef {
        // SAFETY: we hold a reference, as kbpf_obj_uref_get requires.
        unsafe { sys::kbpf_obj_uref_get(self.0.as_ptr()) };
        UserRef(self.0)
    }

    /// The map this object is, or `None` if it is not a map. The map lives
    /// as long as this reference.
    pub fn as_map(&self) -> Option<MapRef<'_>> {
        // SAFETY: live object; kbpf_map_from_obj takes no reference.
        let m = unsafe { sys::kbpf_map_from_obj(self.0.as_ptr()) };
        NonNull::new(m).map(|m| MapRef { map: m, _obj: core::marker::PhantomData })
    }
}

impl Clone for ObjRef {
    fn clone(&self) -> ObjRef {
        self.ptr().get()
    }
}

impl Drop for ObjRef {
    fn drop(&mut self) {
        // SAFETY: we own one reference.
        unsafe { sys::kbpf_obj_put(self.0.as_ptr()) }
    }
}

impl fmt::Debug for ObjRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjRef({:?}, {:p})", self.kind(), self.0)
    }
}

/// A user reference: what one fd of the host's fd table holds. Dropping it
/// is closing the fd (`kbpf_obj_uref_put`: the last user reference of a
/// map clears its prog array or perf event array slots, as in Linux).
/// [`crate::Host::fd_install`] receives one; [`crate::Host::fd_get`]
/// answers with [`UserRef::obj_ref`].
pub struct UserRef(NonNull<sys::kbpf_obj>);

// SAFETY: see ObjPtr.
unsafe impl Send for UserRef {}
// SAFETY: see ObjPtr.
unsafe impl Sync for UserRef {}

impl UserRef {
    /// Adopt a user reference (as `fd_install` receives one).
    ///
    /// # Safety
    /// @p must be NULL or carry one user reference the caller owns and
    /// gives to the `UserRef`.
    pub unsafe fn from_raw(p: *mut sys::kbpf_obj) -> Option<UserRef> {
        NonNull::new(p).map(UserRef)
    }

    /// Give the user reference up as a raw pointer.
    pub fn into_raw(self) -> *mut sys::kbpf_obj {
        let p = self.0.as_ptr();
        core::mem::forget(self);
        p
    }

    /// The object, borrowed.
    pub fn ptr(&self) -> ObjPtr {
        ObjPtr(self.0)
    }

    /// What the object is.
    pub fn kind(&self) -> ObjKind {
        self.ptr().kind()
    }

    /// A new plain reference to the object (what `fd_get` returns).
    pub fn obj_ref(&self) -> ObjRef {
        self.ptr().get()
    }

    /// Another user reference to the same object (dup(2) of the fd).
    pub fn dup(&self) -> UserRef {
        // SAFETY: we hold a (user) reference.
        unsafe { sys::kbpf_obj_uref_get(self.0.as_ptr()) };
        UserRef(self.0)
    }
}

impl Drop for UserRef {
    fn drop(&mut self) {
        // SAFETY: we own one user reference. Syscall path: the host drops
        // fd references from close(2), never from a program.
        unsafe { sys::kbpf_obj_uref_put(self.0.as_ptr()) }
    }
}

impl fmt::Debug for UserRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UserRef({:?}, {:p})", self.kind(), self.0)
    }
}

/// A map, borrowed from a reference on its object.
#[derive(Clone, Copy)]
pub struct MapRef<'a> {
    map: NonNull<sys::kbpf_map>,
    _obj: core::marker::PhantomData<&'a ObjRef>,
}

impl MapRef<'_> {
    /// The raw `struct kbpf_map *`, valid while the reference it was
    /// borrowed from lives.
    pub fn as_ptr(&self) -> *mut sys::kbpf_map {
        self.map.as_ptr()
    }
}

/// One counted reference on a program, as the in-kernel loader hands them
/// out ([`crate::ElfProg::prog`]); what the attach points take
/// ([`crate::RawTracepoint::attach`]).
pub struct ProgRef {
    prog: NonNull<sys::kbpf_prog>,
    obj: ObjRef,
}

// SAFETY: programs are immutable once loaded and run on any CPU.
unsafe impl Send for ProgRef {}
// SAFETY: as above.
unsafe impl Sync for ProgRef {}

impl ProgRef {
    /// Take a reference on the program @p.
    ///
    /// # Safety
    /// @p must be a live program (the caller holds a reference for the
    /// duration of the call).
    pub unsafe fn from_prog(p: NonNull<sys::kbpf_prog>) -> ProgRef {
        // SAFETY: live program (caller contract).
        let obj = unsafe { sys::kbpf_prog_obj(p.as_ptr()) };
        // SAFETY: the program's object is live; take our own reference.
        let obj = unsafe { ObjPtr::new(obj) }.expect("program without object").get();
        ProgRef { prog: p, obj }
    }

    /// The raw `struct kbpf_prog *`, valid while this reference lives.
    pub fn as_ptr(&self) -> *mut sys::kbpf_prog {
        self.prog.as_ptr()
    }

    /// The program's object (to install in an fd table with
    /// [`ObjRef::to_user_ref`]).
    pub fn obj(&self) -> &ObjRef {
        &self.obj
    }
}

impl Clone for ProgRef {
    fn clone(&self) -> ProgRef {
        ProgRef { prog: self.prog, obj: self.obj.clone() }
    }
}

impl fmt::Debug for ProgRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProgRef({:p})", self.prog)
    }
}

/// A NUL-terminated C string kbpf owns, as `&CStr`, or "" for NULL.
///
/// # Safety
/// @p must be NULL or a valid C string living at least as long as `'a`.
pub(crate) unsafe fn cstr<'a>(p: *const crate::ffi::c_char) -> &'a CStr {
    if p.is_null() {
        crate::cstr!("")
    } else {
        // SAFETY: caller contract.
        unsafe { CStr::from_ptr(p) }
    }
}
