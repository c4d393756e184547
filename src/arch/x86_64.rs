//! x86_64. The same kernel runs i386 tasks (`int 0x80`, AUDIT_ARCH_I386)
//! and x32 tasks (AUDIT_ARCH_X86_64 with `__X32_SYSCALL_BIT` in the number):
//! both are refused.

use linux_raw_sys::ptrace::{AUDIT_ARCH_I386, AUDIT_ARCH_X86_64};
use syscalls::x86_64::Sysno;

use super::{numbers, Arch};

pub const ARCH: Arch = Arch {
    name: "x86_64",
    go_name: b"amd64",
    audit_arch: AUDIT_ARCH_X86_64,
    compat_arches: &[AUDIT_ARCH_I386],
    #[cfg(target_arch = "x86_64")]
    abi_bit: Some(linux_raw_sys::general::__X32_SYSCALL_BIT),
    #[cfg(not(target_arch = "x86_64"))]
    abi_bit: None,
    table_end: Sysno::last() as u32 + 1,
    private_calls: &[],
    // The legacy calls Docker denies that only this table still has.
    denied_syscalls: crate::spec::denied_syscalls!(
        syscalls::x86_64::Sysno,
        iopl,
        ioperm,
        uselib,
        ustat,
        sysfs,
        _sysctl,
        create_module,
        get_kernel_syms,
        query_module
    ),
    nr: numbers!(syscalls::x86_64::Sysno, mknod: mknod),
    clone_flags_arg: 0,
};
