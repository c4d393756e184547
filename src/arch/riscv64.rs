//! riscv64. The table is asm-generic's: no `mknod`, no legacy calls. A
//! kernel with CONFIG_COMPAT runs rv32 tasks (AUDIT_ARCH_RISCV32): refused.

use linux_raw_sys::ptrace::{AUDIT_ARCH_RISCV32, AUDIT_ARCH_RISCV64};
use syscalls::riscv64::Sysno;

use super::{numbers, Arch};

pub const ARCH: Arch = Arch {
    name: "riscv64",
    go_name: b"riscv64",
    audit_arch: AUDIT_ARCH_RISCV64,
    compat_arches: &[AUDIT_ARCH_RISCV32],
    abi_bit: None,
    table_end: Sysno::last() as u32 + 1,
    private_calls: &[],
    denied_syscalls: crate::spec::denied_syscalls!(syscalls::riscv64::Sysno),
    nr: numbers!(syscalls::riscv64::Sysno),
    clone_flags_arg: 0,
};
