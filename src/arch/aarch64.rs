//! aarch64 (arm64). A kernel with CONFIG_COMPAT runs 32-bit ARM tasks
//! (AUDIT_ARCH_ARM, ARM's own numbering): refused, as x86_64 refuses i386.
//! The table is asm-generic's: no `mknod`, no legacy calls.

use linux_raw_sys::ptrace::{AUDIT_ARCH_AARCH64, AUDIT_ARCH_ARM};
use syscalls::aarch64::Sysno;

use super::{numbers, Arch};

pub const ARCH: Arch = Arch {
    name: "aarch64",
    go_name: b"arm64",
    audit_arch: AUDIT_ARCH_AARCH64,
    compat_arches: &[AUDIT_ARCH_ARM],
    abi_bit: None,
    table_end: Sysno::last() as u32 + 1,
    private_calls: &[],
    denied_syscalls: crate::spec::denied_syscalls!(syscalls::aarch64::Sysno),
    nr: numbers!(syscalls::aarch64::Sysno),
    clone_flags_arg: 0,
};
