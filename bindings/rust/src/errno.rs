// SPDX-License-Identifier: MIT
//! Linux error numbers as a Rust enum.
//!
//! kbpf returns negative Linux errnos (`include/kbpf/errno.h`: the
//! asm-generic numbers x86, arm64 and riscv share). [`Errno`] names each of
//! them; a value outside the table (a host callback's own) is kept as
//! [`Errno::Other`] so that no number is lost on the way back to user space.

use core::fmt;

macro_rules! errnos {
    ($($name:ident = $code:literal, $what:literal;)*) => {
        /// A Linux errno, as kbpf and its host exchange them.
        ///
        /// [`Errno::code`] gives the positive number (`ENOENT` is 2) and
        /// [`Errno::neg`] the value a syscall returns (-2); a kernel whose own
        /// errno numbers differ translates at its syscall boundary, because
        /// user space built for Linux (libbpf) compares with these.
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Errno {
            $(#[doc = $what] $name,)*
            /// A number not in kbpf's table (from a host callback).
            Other(u16),
        }

        impl Errno {
            /// Every named errno, in the order of `include/kbpf/errno.h`.
            pub const ALL: &'static [Errno] = &[$(Errno::$name,)*];

            /// The positive errno number (`Errno::ENOENT.code() == 2`).
            pub const fn code(self) -> i32 {
                match self {
                    $(Errno::$name => $code,)*
                    Errno::Other(n) => n as i32,
                }
            }

            /// The errno for a positive @code; `Other` if kbpf's table has
            /// no name for it. A code of 0 or out of 1..=4095 gives
            /// `Other(4095)`: not an errno, but never a success either.
            pub const fn from_code(code: i32) -> Errno {
                match code {
                    $($code => Errno::$name,)*
                    1..=4095 => Errno::Other(code as u16),
                    _ => Errno::Other(4095),
                }
            }

            /// The errno's name ("ENOENT"), or "E?" for `Other`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Errno::$name => stringify!($name),)*
                    Errno::Other(_) => "E?",
                }
            }
        }
    };
}

errnos! {
    EPERM = 1, "Operation not permitted (privilege checks).";
    ENOENT = 2, "No such element or entry (last key, unknown id).";
    ESRCH = 3, "No such process (loader: section names no program type).";
    EINTR = 4, "Interrupted.";
    EIO = 5, "I/O error.";
    ENXIO = 6, "No such device or address.";
    E2BIG = 7, "Too big (full hash map, non-zero attribute tail).";
    ENOEXEC = 8, "Exec format error (malformed ELF object).";
    EBADF = 9, "Bad file descriptor.";
    ECHILD = 10, "No child process.";
    EAGAIN = 11, "Try again (ring buffer has no room).";
    ENOMEM = 12, "Out of memory.";
    EACCES = 13, "Permission denied (program refused at load).";
    EFAULT = 14, "Bad address (user copy or program access fault).";
    EBUSY = 16, "Resource busy (re-entrancy, writable mapping).";
    EEXIST = 17, "Element exists (BPF_NOEXIST).";
    EXDEV = 18, "Cross-device link.";
    ENODEV = 19, "No such device.";
    ENOTDIR = 20, "Not a directory.";
    EISDIR = 21, "Is a directory.";
    EINVAL = 22, "Invalid argument.";
    ENFILE = 23, "File table overflow.";
    EMFILE = 24, "Too many open files.";
    ENOTTY = 25, "Inappropriate ioctl.";
    EFBIG = 27, "File too large.";
    ENOSPC = 28, "No space left (short output buffer, verifier log).";
    ESPIPE = 29, "Illegal seek.";
    EROFS = 30, "Read-only file system.";
    EMLINK = 31, "Too many links.";
    EPIPE = 32, "Broken pipe.";
    EDOM = 33, "Argument out of domain.";
    ERANGE = 34, "Result out of range (probe read of a user address).";
    EDEADLK = 35, "Deadlock would occur.";
    ENAMETOOLONG = 36, "Name too long.";
    ENOLCK = 37, "No locks available.";
    ENOSYS = 38, "Function not implemented.";
    ENOTEMPTY = 39, "Directory not empty.";
    ELOOP = 40, "Too many levels (tail calls, checked-mode budget).";
    ENOMSG = 42, "No message of the desired type.";
    EIDRM = 43, "Identifier removed.";
    ENOSTR = 60, "Not a stream.";
    ENODATA = 61, "No data available.";
    ETIME = 62, "Timer expired.";
    ENOLINK = 67, "Link has been severed.";
    EPROTO = 71, "Protocol error.";
    EBADMSG = 74, "Not a data message.";
    EOVERFLOW = 75, "Value too large for the type.";
    ENOTUNIQ = 76, "Name not unique.";
    EBADFD = 77, "File descriptor in bad state.";
    EILSEQ = 84, "Illegal byte sequence.";
    EUSERS = 87, "Too many users.";
    ENOTSOCK = 88, "Not a socket.";
    EDESTADDRREQ = 89, "Destination address required.";
    EMSGSIZE = 90, "Message too long.";
    EPROTOTYPE = 91, "Wrong protocol type.";
    ENOPROTOOPT = 92, "Protocol not available.";
    EPROTONOSUPPORT = 93, "Protocol not supported.";
    EOPNOTSUPP = 95, "Operation not supported (user-visible).";
    EAFNOSUPPORT = 97, "Address family not supported.";
    EADDRINUSE = 98, "Address in use.";
    EADDRNOTAVAIL = 99, "Address not available.";
    ENETDOWN = 100, "Network is down.";
    ENETUNREACH = 101, "Network unreachable.";
    ENOBUFS = 105, "No buffer space.";
    EISCONN = 106, "Already connected.";
    ENOTCONN = 107, "Not connected.";
    ETIMEDOUT = 110, "Timed out.";
    ECONNREFUSED = 111, "Connection refused.";
    EHOSTUNREACH = 113, "Host unreachable.";
    EALREADY = 114, "Operation already in progress.";
    EINPROGRESS = 115, "Operation now in progress.";
    ESTALE = 116, "Stale handle.";
    EDQUOT = 122, "Quota exceeded.";
    ECANCELED = 125, "Operation canceled.";
    EOWNERDEAD = 130, "Owner died.";
    ENOTRECOVERABLE = 131, "State not recoverable.";
    ENOTSUPP = 524, "Kernel-internal \"not supported\" that Linux leaks to user space (bpf(2) map commands); libbpf sees 524.";
}

impl Errno {
    /// The negative value a syscall returns for this errno (-2 for ENOENT).
    pub const fn neg(self) -> i32 {
        -self.code()
    }

    /// Split a kbpf return value: `>= 0` is `Ok`, a negative value is the
    /// errno it negates.
    pub const fn result(ret: i64) -> Result<i64, Errno> {
        if ret >= 0 {
            Ok(ret)
        } else if ret >= -4095 {
            Err(Errno::from_code(-ret as i32))
        } else {
            Err(Errno::Other(4095))
        }
    }

    /// As [`Errno::result`] for the `int` kbpf functions that return 0 or a
    /// negative errno.
    pub const fn check(ret: i32) -> Result<(), Errno> {
        match Errno::result(ret as i64) {
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Errno::Other(n) => write!(f, "Errno({n})"),
            e => f.write_str(e.name()),
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}
