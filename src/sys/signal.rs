//! Signal masks and synchronous signal waits: sct never installs a handler,
//! it blocks the signals it cares about and takes them with `sigtimedwait`.

use core::ptr::null;

use linux_raw_sys::general::{kernel_sigaction, kernel_sigset_t, SIG_BLOCK, SIG_SETMASK};
use syscalls::Sysno;

use super::{syscall, Errno};

/// A set of signal numbers (1..=64).
#[derive(Clone, Copy)]
pub struct SigSet(kernel_sigset_t);

/// The kernel's sigset is 64 bits in `unsigned long` words: one word on
/// 64-bit architectures, two on 32-bit ARM.
type Word = linux_raw_sys::ctypes::c_ulong;
const WORDS: usize = SIGSET_SIZE / core::mem::size_of::<Word>();

impl SigSet {
    pub const fn empty() -> Self {
        SigSet(kernel_sigset_t { sig: [0; WORDS] })
    }

    /// Every signal; the kernel quietly leaves SIGKILL and SIGSTOP out
    /// when it is used as a mask.
    pub const fn full() -> Self {
        SigSet(kernel_sigset_t { sig: [!0; WORDS] })
    }

    pub const fn with(mut self, sig: u32) -> Self {
        let bit = (sig - 1) as usize;
        self.0.sig[bit / Word::BITS as usize] |= 1 << (bit % Word::BITS as usize);
        self
    }
}

const SIGSET_SIZE: usize = core::mem::size_of::<kernel_sigset_t>();

/// `rt_sigprocmask(SIG_BLOCK, set)`.
pub fn block(set: &SigSet) -> Result<(), Errno> {
    // SAFETY: `set` is a valid kernel sigset of the size we pass; no old set
    // is requested.
    unsafe {
        syscall!(
            Sysno::rt_sigprocmask,
            SIG_BLOCK,
            &set.0 as *const kernel_sigset_t,
            null::<u8>(),
            SIGSET_SIZE
        )
    }
    .map(drop)
}

/// `rt_sigprocmask(SIG_SETMASK, {})`: unblocks everything.
pub fn unblock_all() -> Result<(), Errno> {
    let set = SigSet::empty();
    // SAFETY: as in `block`.
    unsafe {
        syscall!(
            Sysno::rt_sigprocmask,
            SIG_SETMASK,
            &set.0 as *const kernel_sigset_t,
            null::<u8>(),
            SIGSET_SIZE
        )
    }
    .map(drop)
}

/// `rt_sigtimedwait(set, NULL, NULL)`: waits for one of the (blocked) signals
/// in `set` and returns its number.
pub fn wait(set: &SigSet) -> Result<u32, Errno> {
    // SAFETY: `set` is valid; siginfo and timeout may be NULL.
    super::retry(|| unsafe {
        syscall!(
            Sysno::rt_sigtimedwait,
            &set.0 as *const kernel_sigset_t,
            null::<u8>(),
            null::<u8>(),
            SIGSET_SIZE
        )
    })
    .map(|sig| sig as u32)
}

/// `rt_sigaction(sig, SIG_DFL)`: undoes an inherited SIG_IGN. (With SIGCHLD
/// ignored the kernel would reap our child itself and never tell us.)
pub fn set_default(sig: u32) -> Result<(), Errno> {
    // SAFETY: an all-zero kernel_sigaction is SIG_DFL with no flags and an
    // empty mask; no restorer is needed for the default action.
    let act: kernel_sigaction = unsafe { core::mem::zeroed() };
    // SAFETY: `act` is a valid kernel_sigaction of the size the kernel expects.
    unsafe {
        syscall!(
            Sysno::rt_sigaction,
            sig,
            &act as *const kernel_sigaction,
            null::<u8>(),
            SIGSET_SIZE
        )
    }
    .map(drop)
}

/// `kill(2)` with any signal number, real-time ones included (rustix's
/// `Signal` names only the classic ones).
pub fn kill(pid: i32, sig: u32) -> Result<(), Errno> {
    // SAFETY: kill takes two integers and touches no memory of ours.
    unsafe { syscall!(Sysno::kill, pid, sig) }.map(drop)
}

/// `signalfd4(-1, set, O_CLOEXEC)` (signalfd(2)): a descriptor that reads as
/// readable while one of the (blocked) signals in `set` is pending, so a
/// `poll` loop can take signals with its other descriptors. (SFD_CLOEXEC
/// is O_CLOEXEC, include/uapi/linux/signalfd.h.)
pub fn signalfd(set: &SigSet) -> Result<rustix::fd::OwnedFd, Errno> {
    // SAFETY: `set` is a valid kernel sigset of the size we pass.
    let fd = unsafe {
        syscall!(
            Sysno::signalfd4,
            -1i32,
            &set.0 as *const kernel_sigset_t,
            SIGSET_SIZE,
            linux_raw_sys::general::O_CLOEXEC
        )
    }?;
    // SAFETY: the kernel just returned this new descriptor; nothing else
    // owns it.
    Ok(unsafe { rustix::fd::FromRawFd::from_raw_fd(fd as i32) })
}
