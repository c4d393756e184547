//! Process-lifetime memory for what config.json is decoded into: mapped once
//! from the kernel and never unmapped, so everything handed out is
//! `'static`, as argv's strings are. Not an allocator: a fixed region, sized
//! from the file, that only grows towards its end.

use core::ffi::{c_char, CStr};

use rustix::mm::{mmap_anonymous, MapFlags, ProtFlags};

use super::args::Argv;
use super::Errno;

pub struct Arena {
    free: &'static mut [u8],
}

impl Arena {
    /// Maps `len` bytes of zeroed, private memory.
    pub fn map(len: usize) -> Result<Arena, Errno> {
        // SAFETY: an anonymous private mapping at an address of the kernel's
        // choosing aliases nothing; it is never unmapped, so the slice made
        // from it is valid, and ours alone, for the rest of the process.
        let free = unsafe {
            let p = mmap_anonymous(
                core::ptr::null_mut(),
                len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::PRIVATE,
            )?;
            core::slice::from_raw_parts_mut(p.cast::<u8>(), len)
        };
        Ok(Arena { free })
    }

    /// The next `len` bytes, or `None` when the region is used up.
    pub fn bytes(&mut self, len: usize) -> Option<&'static mut [u8]> {
        if len > self.free.len() {
            return None;
        }
        let (taken, rest) = core::mem::take(&mut self.free).split_at_mut(len);
        self.free = rest;
        Some(taken)
    }

    /// A NULL-terminated vector of the `n` strings `item` gives, for execve.
    pub fn vector(
        &mut self,
        n: usize,
        mut item: impl FnMut(usize) -> &'static CStr,
    ) -> Option<Argv<'static>> {
        const SLOT: usize = core::mem::size_of::<*const c_char>();
        let misalign = self.free.as_ptr() as usize % SLOT;
        self.bytes((SLOT - misalign) % SLOT)?;
        let slots = self.bytes(n.checked_add(1)?.checked_mul(SLOT)?)?;
        let ptrs = slots.as_mut_ptr().cast::<*const c_char>();
        for i in 0..=n {
            let s = if i < n {
                item(i).as_ptr()
            } else {
                core::ptr::null()
            };
            // SAFETY: `slots` is ours, aligned for pointers by the padding
            // taken above, and holds n + 1 of them.
            unsafe { ptrs.add(i).write(s) };
        }
        // SAFETY: n + 1 pointers written: n process-lifetime strings and
        // the NULL that ends them, in memory that is never unmapped.
        Some(unsafe { Argv::from_raw(ptrs) })
    }
}

/// Shortens a process-lifetime buffer to its first `len` bytes and a NUL
/// after them: `None` if `len` leaves no room or the bytes hold a NUL.
pub fn c_str(buf: &'static mut [u8], len: usize) -> Option<&'static CStr> {
    *buf.get_mut(len)? = 0;
    let buf: &'static [u8] = buf;
    CStr::from_bytes_with_nul(&buf[..=len]).ok()
}

/// Moves `value` into a mapping of its own, kept for the rest of the
/// process: for the one large value a run may make before the child exists
/// (a compiled seccomp profile, 16 KB), which would otherwise widen the
/// stack frames of every run, profile or not. The stack probes touch each
/// page of a frame on entry, and the child then copies each touched page.
pub fn keep<T: 'static>(value: T) -> Result<&'static mut T, Errno> {
    const { assert!(core::mem::align_of::<T>() <= 4096) };
    let size = core::mem::size_of::<T>().max(1);
    let bytes = Arena::map(size)?.bytes(size).ok_or(Errno::NOMEM)?;
    let p = bytes.as_mut_ptr().cast::<T>();
    // SAFETY: `bytes` is ours alone for the rest of the process (`map`),
    // holds size_of::<T>() bytes, and starts a mapping, so it is page-aligned
    // and thus aligned for T (asserted above). Writing moves `value` in; the
    // reference made after it is the only one ever handed out.
    unsafe {
        p.write(value);
        Ok(&mut *p)
    }
}
