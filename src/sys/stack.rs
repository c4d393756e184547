//! The supervisor's idle footprint: giving back the stack that setup used.
//!
//! Setup runs deep (the command line, config.json, the filters, the cgroup
//! and the handshakes leave about 180 KiB of touched stack), and a page once
//! touched stays with the process until it exits. The supervisor then
//! waits on a shallow frame for as long as the container lives; everything
//! below that frame is dead, and `madvise(MADV_DONTNEED)` hands it back.

use rustix::mm::{madvise, Advice};

const PAGE: usize = 4096;

/// How far below the caller's frame the discarded range reaches: beyond
/// the deepest setup path (about 180 KiB today), and well inside the
/// space the kernel keeps free below a stack (see the SAFETY comment).
const DEPTH: usize = 1024 * 1024;

/// Discards the pages of the stack below the caller's frame. Call it only
/// from a frame that stays shallow for the rest of the process (the
/// supervisor's wait loop): any deeper call later simply faults in zeroed
/// pages again.
#[inline(never)]
pub fn discard_below_caller() {
    let marker = 0u8;
    let here = core::ptr::addr_of!(marker) as usize;
    // One whole page below the one this frame uses stays: the x86-64 ABI's
    // 128-byte red zone and this function's own callee, `madvise`, live
    // there.
    let top = (here & !(PAGE - 1)).saturating_sub(PAGE);
    let bottom = top.saturating_sub(DEPTH);
    // SAFETY: [bottom, top) lies below the stack pointer, so no live Rust
    // object is in it: sct installs no signal handler that could run on
    // this stack (signals are blocked and taken with sigtimedwait), and no
    // thread shares it. Beneath the stack mapping nothing else can be
    // mapped within DEPTH: the kernel keeps `stack_guard_gap` (1 MiB by
    // default) free below a growing stack, and places mmap regions at
    // least 128 MiB below the stack's top (mm/util.c, mmap_base's MIN_GAP)
    // or, with an unlimited stack, bottom-up from low addresses. Where the
    // range reaches past the mapping the kernel skips the hole and returns
    // ENOMEM, which is expected and ignored.
    let _ = unsafe { madvise(bottom as *mut _, top - bottom, Advice::LinuxDontNeed) };
}
