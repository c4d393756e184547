//! 32-bit ARM, EABI (armv7, hard float). The numbering is ARM's own. The
//! old OABI numbers start at `__NR_OABI_SYSCALL_BASE` (0x900000), far above
//! the table, so they get ENOSYS like any unknown number; what a kernel with
//! CONFIG_OABI_COMPAT translates arrives as AUDIT_ARCH_ARM with EABI
//! numbers, which the same rules judge.
//!
//! 32-bit time has `*_time64` twins of every call that takes a time: the
//! clock-setting ones are denied under both names. ARM's private calls
//! (`__ARM_NR_BASE` and up) lie above the table: set_tls is how every libc
//! sets up thread-local storage at start, so the filter allows it, with
//! cacheflush (JITs) and breakpoint, as Docker's profile does.

use linux_raw_sys::ptrace::AUDIT_ARCH_ARM;
use syscalls::arm::Sysno;

use super::{numbers, Arch};

pub const ARCH: Arch = Arch {
    name: "arm",
    go_name: b"arm",
    audit_arch: AUDIT_ARCH_ARM,
    compat_arches: &[],
    abi_bit: None,
    table_end: Sysno::last() as u32 + 1,
    #[cfg(target_arch = "arm")]
    private_calls: &[
        linux_raw_sys::general::__ARM_NR_breakpoint,
        linux_raw_sys::general::__ARM_NR_cacheflush,
        linux_raw_sys::general::__ARM_NR_set_tls,
        linux_raw_sys::general::__ARM_NR_get_tls,
    ],
    #[cfg(not(target_arch = "arm"))]
    private_calls: &[],
    denied_syscalls: crate::spec::denied_syscalls!(
        syscalls::arm::Sysno,
        uselib,
        ustat,
        sysfs,
        _sysctl,
        clock_settime64,
        clock_adjtime64
    ),
    nr: numbers!(syscalls::arm::Sysno, mknod: mknod),
    clone_flags_arg: 0,
};
