// SPDX-License-Identifier: MIT
//! A host with separate user memory (Host::USER_COPIES): "user addresses"
//! are real addresses plus a tag, valid only inside buffers the test
//! registers, as a kernel validates a task's mappings. kbpf must reach the
//! attribute and every key and value only through the copy trampolines:
//! untagged or unregistered addresses give EFAULT, never a crash.

use crate::common::*;
use kbpf::sys::{self, bpf_cmd::*, bpf_map_type::*};
use kbpf::{AllocFlags, Errno, FdFlags, Host, Kbpf, ObjRef, UserRef};
use std::sync::Mutex;

const TAG: usize = 1 << 60;

struct UserHost {
    inner: TestHost,
    mapped: Mutex<Vec<(usize, usize)>>, // real start, length
}

impl UserHost {
    /// The user address of @buf, which becomes readable and writable.
    fn map<T>(&self, buf: &mut [T]) -> u64 {
        let start = buf.as_mut_ptr() as usize;
        self.mapped.lock().unwrap().push((start, std::mem::size_of_val(buf)));
        (start + TAG) as u64
    }

    /// The real address of @n bytes at user address @uaddr, if mapped.
    fn check(&self, uaddr: usize, n: usize) -> Result<usize, Errno> {
        let real = uaddr.checked_sub(TAG).ok_or(Errno::EFAULT)?;
        let end = real.checked_add(n).ok_or(Errno::EFAULT)?;
        let ok = self.mapped.lock().unwrap().iter().any(|&(s, l)| real >= s && end <= s + l);
        if ok {
            Ok(real)
        } else {
            Err(Errno::EFAULT)
        }
    }
}

// SAFETY: delegates memory, CPUs and fds to TestHost; the copies check
// every address against the registered buffers.
unsafe impl Host for UserHost {
    fn alloc(&self, size: usize, align: usize, flags: AllocFlags) -> *mut u8 {
        self.inner.alloc(size, align, flags)
    }
    unsafe fn free(&self, ptr: *mut u8, size: usize) {
        // SAFETY: forwarded contract.
        unsafe { self.inner.free(ptr, size) }
    }
    fn nr_cpus(&self) -> u32 {
        self.inner.nr_cpus()
    }
    fn cpu_id(&self) -> u32 {
        self.inner.cpu_id()
    }
    fn mono_ns(&self) -> u64 {
        self.inner.mono_ns()
    }
    const FDS: bool = true;
    fn fd_install(&self, obj: UserRef, flags: FdFlags) -> Result<i32, (Errno, UserRef)> {
        self.inner.fd_install(obj, flags)
    }
    fn fd_get(&self, fd: i32) -> Result<(ObjRef, FdFlags), Errno> {
        self.inner.fd_get(fd)
    }
    const USER_COPIES: bool = true;
    fn copy_from_user(&self, dst: &mut [u8], src: usize) -> Result<(), Errno> {
        let real = self.check(src, dst.len())?;
        // SAFETY: inside a registered live buffer.
        dst.copy_from_slice(unsafe { std::slice::from_raw_parts(real as *const u8, dst.len()) });
        Ok(())
    }
    fn copy_to_user(&self, dst: usize, src: &[u8]) -> Result<(), Errno> {
        let real = self.check(dst, src.len())?;
        // SAFETY: inside a registered live buffer.
        unsafe { std::slice::from_raw_parts_mut(real as *mut u8, src.len()) }.copy_from_slice(src);
        Ok(())
    }
    fn strncpy_from_user(&self, dst: &mut [u8], src: usize) -> Result<usize, Errno> {
        for i in 0..dst.len() {
            let real = self.check(src + i, 1)?;
            // SAFETY: a registered byte.
            dst[i] = unsafe { *(real as *const u8) };
            if dst[i] == 0 {
                return Ok(i);
            }
        }
        Ok(dst.len())
    }
}

fn bpf(k: &Kbpf<UserHost>, cmd: u32, attr: &mut sys::bpf_attr) -> Result<i64, Errno> {
    let uattr = k.host().map(std::slice::from_mut(attr));
    // SAFETY: the host's copies validate every user address.
    unsafe { k.sys_bpf(cmd, uattr as *mut _, std::mem::size_of::<sys::bpf_attr>() as u32) }
}

#[test]
fn user_memory_goes_through_the_host_copies() {
    let k = Kbpf::leak(UserHost { inner: TestHost::new(1), mapped: Mutex::new(Vec::new()) })
        .unwrap();
    let h = k.host();
    let mut a = zeroed_attr();
    a.__bindgen_anon_1.map_type = BPF_MAP_TYPE_HASH;
    a.__bindgen_anon_1.key_size = 4;
    a.__bindgen_anon_1.value_size = 8;
    a.__bindgen_anon_1.max_entries = 8;
    let fd = bpf(k, BPF_MAP_CREATE, &mut a).unwrap();

    let mut key = 5u32.to_ne_bytes();
    let mut val = 77u64.to_ne_bytes();
    let mut out = [0u8; 8];
    let (ukey, uval, uout) = (h.map(&mut key), h.map(&mut val), h.map(&mut out));
    let elem = |key: u64, value: u64| {
        let mut a = zeroed_attr();
        a.__bindgen_anon_2.map_fd = fd as u32;
        a.__bindgen_anon_2.key = key;
        a.__bindgen_anon_2.__bindgen_anon_1.value = value;
        a
    };
    assert_eq!(bpf(k, BPF_MAP_UPDATE_ELEM, &mut elem(ukey, uval)), Ok(0));
    assert_eq!(bpf(k, BPF_MAP_LOOKUP_ELEM, &mut elem(ukey, uout)), Ok(0));
    assert_eq!(u64::from_ne_bytes(out), 77);
    // A kernel pointer is not a user address, and neither is an unmapped
    // one: EFAULT, as Linux gives for a bad pointer.
    let kernel_key = key.as_ptr() as u64;
    assert_eq!(bpf(k, BPF_MAP_LOOKUP_ELEM, &mut elem(kernel_key, uout)), Err(Errno::EFAULT));
    assert_eq!(bpf(k, BPF_MAP_LOOKUP_ELEM, &mut elem(ukey, uout + 4096)), Err(Errno::EFAULT));
    // The attribute itself must be user memory too.
    let mut raw = elem(ukey, uout);
    // SAFETY: an unmapped (kernel) address: the host refuses it.
    let r = unsafe { k.sys_bpf(BPF_MAP_LOOKUP_ELEM, (&mut raw as *mut sys::bpf_attr).cast(), 72) };
    assert_eq!(r, Err(Errno::EFAULT));
    h.inner.close_all();
}
