// SPDX-License-Identifier: MIT
//! The ring buffer consumer (`include/kbpf/ringbuf.h`): an in-kernel
//! reader of the records programs commit to a `BPF_MAP_TYPE_RINGBUF` map.
//! User space reads the same ring through mmap(2) of the map fd.

use crate::ffi::{c_int, c_void};
use crate::obj::MapRef;
use crate::{sys, Errno};

/// What [`ringbuf_query`] reports (`BPF_RB_*` of `bpf_ringbuf_query`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RingbufQuery {
    /// Bytes committed and not consumed yet.
    AvailData,
    /// The data area's size.
    RingSize,
    /// The consumer position.
    ConsPos,
    /// The producer position.
    ProdPos,
}

/// One position or size of a ring buffer map, lock-free; 0 for a map of
/// another type.
pub fn ringbuf_query(map: MapRef<'_>, what: RingbufQuery) -> u64 {
    let flags = match what {
        RingbufQuery::AvailData => sys::BPF_RB_AVAIL_DATA,
        RingbufQuery::RingSize => sys::BPF_RB_RING_SIZE,
        RingbufQuery::ConsPos => sys::BPF_RB_CONS_POS,
        RingbufQuery::ProdPos => sys::BPF_RB_PROD_POS,
    };
    // SAFETY: the map lives as long as the MapRef's reference.
    unsafe { sys::kbpf_ringbuf_query(map.as_ptr(), flags as u64) }
}

struct Consumer<F> {
    f: F,
    err: Option<Errno>,
}

unsafe extern "C" fn sample<F: FnMut(&[u8]) -> Result<(), Errno>>(
    ctx: *mut c_void,
    data: *const c_void,
    size: u32,
) -> c_int {
    // SAFETY: ctx is the Consumer ringbuf_consume passed, data/size a
    // committed record valid for the call.
    let (c, rec) = unsafe {
        (
            &mut *(ctx as *mut Consumer<F>),
            core::slice::from_raw_parts(data as *const u8, size as usize),
        )
    };
    match (c.f)(rec) {
        Ok(()) => 0,
        Err(e) => {
            c.err = Some(e);
            e.neg()
        }
    }
}

/// Read every committed record of @map in order, as libbpf's
/// `ring_buffer__consume` does: stop at a record still being written, skip
/// discarded ones, advance the consumer position after each. @f gets each
/// record's bytes; an `Err` from it stops the walk and is returned.
///
/// Returns the number of records passed to @f. Errors: @f's error; EINVAL
/// if @map is not a ring buffer.
///
/// Context: one consumer at a time per ring (the caller serialises, as
/// with one user-space reader); lock-free towards producers.
pub fn ringbuf_consume<F>(map: MapRef<'_>, f: F) -> Result<usize, Errno>
where
    F: FnMut(&[u8]) -> Result<(), Errno>,
{
    let mut c = Consumer { f, err: None };
    // SAFETY: the map lives as long as the MapRef; the callback gets our
    // Consumer back, which outlives the call.
    let r = unsafe {
        sys::kbpf_ringbuf_consume(
            map.as_ptr(),
            Some(sample::<F>),
            &mut c as *mut Consumer<F> as *mut c_void,
        )
    };
    if let Some(e) = c.err {
        return Err(e);
    }
    Errno::result(r as i64).map(|n| n as usize)
}
