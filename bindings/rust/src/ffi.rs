// SPDX-License-Identifier: MIT
//! The C types the FFI is written in, and [`CStr`].
//!
//! From Rust 1.64 on these are `core::ffi`'s own (re-exported: a
//! `core::ffi::CStr`, a `c"..."` literal or a `core::ffi::c_char` pointer
//! from elsewhere in a kernel is the same type here). Rust 1.63 (Debian
//! bookworm's rustc, the oldest this crate supports) has them only in `std`,
//! so there build.rs sets `kbpf_own_ffi` and this module defines them: the
//! integer types as the C ABI of the target has them and a [`CStr`] with
//! the subset of `core::ffi::CStr`'s methods this crate and a kernel's glue
//! need. Code that names `kbpf::ffi::CStr` and builds its constants with
//! [`cstr!`](crate::cstr) compiles with both.

pub use core::ffi::c_void;

#[cfg(not(kbpf_own_ffi))]
pub use core::ffi::{
    c_char, c_int, c_long, c_longlong, c_schar, c_short, c_uchar, c_uint, c_ulong, c_ulonglong,
    c_ushort, CStr,
};

#[cfg(kbpf_own_ffi)]
pub use own::*;

#[cfg(kbpf_own_ffi)]
#[allow(non_camel_case_types)]
mod own {
    /// C's `char`: unsigned where the target's C ABI makes it so (Arm,
    /// AArch64, RISC-V, PowerPC, s390x, Hexagon, except on Apple and
    /// Windows), signed elsewhere.
    #[cfg(all(
        any(
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv32",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "hexagon"
        ),
        not(target_vendor = "apple"),
        not(windows)
    ))]
    pub type c_char = u8;
    /// C's `char`: unsigned where the target's C ABI makes it so (Arm,
    /// AArch64, RISC-V, PowerPC, s390x, Hexagon, except on Apple and
    /// Windows), signed elsewhere.
    #[cfg(not(all(
        any(
            target_arch = "aarch64",
            target_arch = "arm",
            target_arch = "riscv32",
            target_arch = "riscv64",
            target_arch = "powerpc",
            target_arch = "powerpc64",
            target_arch = "s390x",
            target_arch = "hexagon"
        ),
        not(target_vendor = "apple"),
        not(windows)
    )))]
    pub type c_char = i8;
    /// C's `signed char`.
    pub type c_schar = i8;
    /// C's `unsigned char`.
    pub type c_uchar = u8;
    /// C's `short`.
    pub type c_short = i16;
    /// C's `unsigned short`.
    pub type c_ushort = u16;
    /// C's `int` (kbpf needs at least 32 bits).
    pub type c_int = i32;
    /// C's `unsigned int`.
    pub type c_uint = u32;
    /// C's `long`: pointer-sized except on Windows.
    #[cfg(all(target_pointer_width = "64", not(windows)))]
    pub type c_long = i64;
    /// C's `unsigned long`: pointer-sized except on Windows.
    #[cfg(all(target_pointer_width = "64", not(windows)))]
    pub type c_ulong = u64;
    /// C's `long`: pointer-sized except on Windows.
    #[cfg(not(all(target_pointer_width = "64", not(windows))))]
    pub type c_long = i32;
    /// C's `unsigned long`: pointer-sized except on Windows.
    #[cfg(not(all(target_pointer_width = "64", not(windows))))]
    pub type c_ulong = u32;
    /// C's `long long`.
    pub type c_longlong = i64;
    /// C's `unsigned long long`.
    pub type c_ulonglong = u64;

    use core::fmt;

    /// A borrowed NUL-terminated C string: the bytes up to and including
    /// the first NUL. The same methods, with the same meaning, as
    /// `core::ffi::CStr`'s of the same names.
    #[repr(transparent)]
    #[derive(PartialEq, Eq, PartialOrd, Ord, Hash)]
    pub struct CStr {
        // With its NUL; no NUL before the last byte.
        inner: [u8],
    }

    /// Why [`CStr::from_bytes_with_nul`] refused its bytes.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum FromBytesWithNulError {
        /// A NUL at this index, before the last byte.
        InteriorNul(usize),
        /// The last byte is not NUL (or there is none).
        NotNulTerminated,
    }

    impl fmt::Display for FromBytesWithNulError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                FromBytesWithNulError::InteriorNul(at) => {
                    write!(f, "data provided contains an interior nul byte at byte pos {at}")
                }
                FromBytesWithNulError::NotNulTerminated => {
                    f.write_str("data provided is not nul terminated")
                }
            }
        }
    }

    impl CStr {
        /// The string at `ptr`, up to its NUL.
        ///
        /// # Safety
        /// `ptr` points at a NUL-terminated string that stays valid and
        /// unchanged for `'a`.
        pub unsafe fn from_ptr<'a>(ptr: *const c_char) -> &'a CStr {
            let p = ptr as *const u8;
            let mut len = 0;
            // SAFETY: the caller promises a NUL within the allocation.
            while unsafe { *p.add(len) } != 0 {
                len += 1;
            }
            // SAFETY: len + 1 bytes from p are readable; the last is the
            // only NUL.
            unsafe { Self::from_bytes_with_nul_unchecked(core::slice::from_raw_parts(p, len + 1)) }
        }

        /// `bytes` as a C string if its last byte is its only NUL.
        pub const fn from_bytes_with_nul(bytes: &[u8]) -> Result<&CStr, FromBytesWithNulError> {
            if bytes.is_empty() || bytes[bytes.len() - 1] != 0 {
                return Err(FromBytesWithNulError::NotNulTerminated);
            }
            let mut i = 0;
            while i + 1 < bytes.len() {
                if bytes[i] == 0 {
                    return Err(FromBytesWithNulError::InteriorNul(i));
                }
                i += 1;
            }
            // SAFETY: checked just above.
            Ok(unsafe { Self::from_bytes_with_nul_unchecked(bytes) })
        }

        /// `bytes` as a C string, unchecked.
        ///
        /// # Safety
        /// The last byte of `bytes` is NUL and no other is.
        pub const unsafe fn from_bytes_with_nul_unchecked(bytes: &[u8]) -> &CStr {
            // SAFETY: CStr is a transparent wrapper of [u8].
            unsafe { &*(bytes as *const [u8] as *const CStr) }
        }

        /// A pointer to the first byte, for C.
        pub const fn as_ptr(&self) -> *const c_char {
            self.inner.as_ptr() as *const c_char
        }

        /// The bytes without the NUL.
        pub fn to_bytes(&self) -> &[u8] {
            &self.inner[..self.inner.len() - 1]
        }

        /// The bytes with the NUL.
        pub fn to_bytes_with_nul(&self) -> &[u8] {
            &self.inner
        }

        /// The bytes without the NUL as a `str`, if they are UTF-8.
        pub fn to_str(&self) -> Result<&str, core::str::Utf8Error> {
            core::str::from_utf8(self.to_bytes())
        }
    }

    impl fmt::Debug for CStr {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("\"")?;
            for &b in self.to_bytes() {
                for e in core::ascii::escape_default(b) {
                    fmt::Write::write_char(f, e as char)?;
                }
            }
            f.write_str("\"")
        }
    }

    impl AsRef<CStr> for CStr {
        fn as_ref(&self) -> &CStr {
            self
        }
    }

    impl Default for &CStr {
        fn default() -> Self {
            const EMPTY: &[u8] = b"\0";
            // SAFETY: one byte, the NUL.
            unsafe { CStr::from_bytes_with_nul_unchecked(EMPTY) }
        }
    }
}

/// A `&'static `[`CStr`] from a string literal without NULs, checked at
/// compile time: `cstr!("sys_enter")` is `c"sys_enter"` on any toolchain
/// the crate supports (C-string literals need Rust 1.77).
///
/// ```
/// use kbpf::{cstr, ffi::CStr};
/// const NAME: &CStr = cstr!("sys_enter");
/// assert_eq!(NAME.to_bytes(), b"sys_enter");
/// ```
#[macro_export]
macro_rules! cstr {
    ($s:literal) => {{
        const S: &$crate::ffi::CStr =
            match $crate::ffi::__cstr_from_bytes(::core::concat!($s, "\0").as_bytes()) {
                ::core::option::Option::Some(s) => s,
                ::core::option::Option::None => ::core::panic!("cstr!: a NUL inside the string"),
            };
        S
    }};
}

/// For [`cstr!`]: `bytes` as a C string if its last byte is its only NUL.
/// A `const fn` on every toolchain (`core::ffi::CStr::from_bytes_with_nul`
/// became one only in Rust 1.72).
#[doc(hidden)]
pub const fn __cstr_from_bytes(bytes: &[u8]) -> Option<&CStr> {
    if bytes.is_empty() || bytes[bytes.len() - 1] != 0 {
        return None;
    }
    let mut i = 0;
    while i + 1 < bytes.len() {
        if bytes[i] == 0 {
            return None;
        }
        i += 1;
    }
    // SAFETY: the last byte is the only NUL. from_bytes_with_nul_unchecked
    // is a const fn since Rust 1.59 (core's) and always (ours).
    Some(unsafe { CStr::from_bytes_with_nul_unchecked(bytes) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cstr_macro_and_methods() {
        const S: &CStr = crate::cstr!("sys_enter");
        assert_eq!(S.to_bytes(), b"sys_enter");
        assert_eq!(S.to_bytes_with_nul(), b"sys_enter\0");
        assert_eq!(S.to_str(), Ok("sys_enter"));
        // SAFETY: S is NUL-terminated and static.
        let back = unsafe { CStr::from_ptr(S.as_ptr()) };
        assert_eq!(back, S);
        assert_eq!(crate::cstr!("").to_bytes(), b"");
        assert_eq!(format!("{:?}", crate::cstr!("a\"b")), "\"a\\\"b\"");
    }

    #[test]
    fn from_bytes_refuses_missing_and_interior_nuls() {
        assert!(CStr::from_bytes_with_nul(b"ok\0").is_ok());
        assert!(CStr::from_bytes_with_nul(b"").is_err());
        assert!(CStr::from_bytes_with_nul(b"no nul").is_err());
        assert!(CStr::from_bytes_with_nul(b"in\0side\0").is_err());
        assert!(__cstr_from_bytes(b"in\0side\0").is_none());
        assert!(__cstr_from_bytes(b"x").is_none());
        assert_eq!(__cstr_from_bytes(b"x\0").map(CStr::to_bytes), Some(&b"x"[..]));
    }

    #[test]
    fn c_types_have_the_c_sizes() {
        assert_eq!(core::mem::size_of::<c_char>(), 1);
        assert_eq!(core::mem::size_of::<c_int>(), 4);
        assert_eq!(core::mem::size_of::<c_long>(), core::mem::size_of::<usize>());
        assert_eq!(core::mem::size_of::<c_longlong>(), 8);
    }
}
