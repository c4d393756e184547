//! Installing a seccomp filter.

use linux_raw_sys::ptrace::{sock_filter, sock_fprog, SECCOMP_SET_MODE_FILTER};
use syscalls::Sysno;

use super::{syscall, Errno};

/// `seccomp(SECCOMP_SET_MODE_FILTER, flags, prog)` (seccomp(2)): from now on the
/// kernel runs `filter` on every syscall of this thread and its children.
/// Needs no_new_privs or CAP_SYS_ADMIN.
pub fn seccomp_set_mode_filter(filter: &[sock_filter], flags: u32) -> Result<(), Errno> {
    let prog = sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut sock_filter,
    };
    // SAFETY: `prog` points at `filter.len()` valid instructions, which the
    // kernel copies before returning; neither outlives this call.
    unsafe {
        syscall!(
            Sysno::seccomp,
            SECCOMP_SET_MODE_FILTER,
            flags,
            &prog as *const sock_fprog
        )
    }
    .map(drop)
}
