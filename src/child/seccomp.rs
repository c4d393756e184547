//! The seccomp filter: built from the tables in `spec`, installed last.
//!
//! Layout of the program (every rule jumps forward to one of three returns):
//!
//! ```text
//!   arch != native                 -> ENOSYS   (i386 int 0x80, any other ABI)
//!   nr & X32 bit (x86_64 only)     -> ENOSYS   (x32 ABI)
//!   nr >= end of the syscall table -> ENOSYS   (newer than sct; also nr = -1)
//!   nr in the denied list          -> EPERM
//!   nr == clone3                   -> ENOSYS   (libcs then fall back to clone)
//!   clone with namespace flags     -> EPERM
//!   ioctl TIOCSTI/TIOCLINUX        -> EPERM    (low 32 bits of the request)
//!   personality not in the list    -> EPERM
//!   anything else                  -> ALLOW
//! ```
//!
//! Foreign ABIs get ENOSYS rather than a kill: it is what a kernel built
//! without that ABI answers, and it refuses just as firmly.
//!
//! nr = -1 gets ENOSYS, from the "beyond the table" rule: the kernel itself
//! answers ENOSYS for nr = -1, and a tracer that sets -1 to skip a syscall
//! wants it skipped; there is nothing to allow. libseccomp passes -1 to the
//! rules instead, so its default action applies (see the differential test).

use core::mem::offset_of;

use linux_raw_sys::errno::{ENOSYS, EPERM};
use linux_raw_sys::ptrace::{seccomp_data, SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO};
use syscalls::Sysno;

use crate::bpf::{Asm, AsmError, Cond, Program};
use crate::error::{Context, Error, Result};
use crate::spec;

#[cfg(target_arch = "x86_64")]
pub const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_X86_64;
#[cfg(target_arch = "aarch64")]
pub const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_AARCH64;

pub const fn errno(e: u32) -> u32 {
    SECCOMP_RET_ERRNO | (e & SECCOMP_RET_DATA)
}

pub const RET_EPERM: u32 = errno(EPERM);
pub const RET_ENOSYS: u32 = errno(ENOSYS);

const NR: usize = offset_of!(seccomp_data, nr);
const ARCH: usize = offset_of!(seccomp_data, arch);

/// The low 32 bits of argument `n`: the kernel reads `unsigned int` flags
/// and ioctl requests, so the high half must not matter (CVE-2019-10063).
#[cfg(target_endian = "little")]
const fn arg_low(n: usize) -> usize {
    offset_of!(seccomp_data, args) + 8 * n
}
#[cfg(target_endian = "big")]
const fn arg_low(n: usize) -> usize {
    offset_of!(seccomp_data, args) + 8 * n + 4
}

/// One past the highest syscall number sct knows for this architecture.
pub const TABLE_END: u32 = Sysno::last().id() as u32 + 1;

/// Assembles the default policy plus the syscalls in `extra_denied`.
pub fn build(extra_denied: &[u32]) -> Result<Program, AsmError> {
    let mut a = Asm::new();
    let eperm = a.label();
    let enosys = a.label();
    let allow = a.label();
    let clone_flags = a.label();
    let ioctl_request = a.label();
    let personality = a.label();

    a.load(ARCH);
    a.jump_unless(Cond::Eq, NATIVE_ARCH, enosys);
    a.load(NR);
    #[cfg(target_arch = "x86_64")]
    a.jump_if(Cond::Set, linux_raw_sys::general::__X32_SYSCALL_BIT, enosys);
    a.jump_if(Cond::Ge, TABLE_END, enosys);
    for &nr in extra_denied {
        a.jump_if(Cond::Eq, nr, eperm);
    }
    for s in spec::DENIED_SYSCALLS {
        a.jump_if(Cond::Eq, s.id() as u32, eperm);
    }
    a.jump_if(Cond::Eq, Sysno::clone3.id() as u32, enosys);
    a.jump_if(Cond::Eq, Sysno::clone.id() as u32, clone_flags);
    a.jump_if(Cond::Eq, Sysno::ioctl.id() as u32, ioctl_request);
    a.jump_if(Cond::Eq, Sysno::personality.id() as u32, personality);
    a.ret(SECCOMP_RET_ALLOW);

    // clone's flags are its first argument on x86_64 and aarch64.
    a.place(clone_flags);
    a.load(arg_low(0));
    a.jump_if(Cond::Set, spec::CLONE_NAMESPACE_FLAGS, eperm);
    a.goto(allow);

    a.place(ioctl_request);
    a.load(arg_low(1));
    for &req in spec::DENIED_IOCTLS {
        a.jump_if(Cond::Eq, req, eperm);
    }
    a.goto(allow);

    a.place(personality);
    a.load(arg_low(0));
    for &p in spec::ALLOWED_PERSONALITIES {
        a.jump_if(Cond::Eq, p, allow);
    }
    a.goto(eperm);

    a.place(allow);
    a.ret(SECCOMP_RET_ALLOW);
    a.place(eperm);
    a.ret(RET_EPERM);
    a.place(enosys);
    a.ret(RET_ENOSYS);
    a.finish()
}

/// Installs the filter. Called last before exec: the filter must never see
/// sct's own setup syscalls (mount, pivot_root, unshare are denied), and
/// no_new_privs, set just before, is what the kernel requires for it
/// (seccomp(2)). bubblewrap and youki order it the same way.
pub fn install_filter(extra_denied: &[u32]) -> Result<()> {
    let program =
        build(extra_denied).map_err(|_| Error::setup("seccomp", b"", "filter too long"))?;
    crate::sys::seccomp::seccomp_set_mode_filter(program.insns())
        .at("seccomp", b"SECCOMP_SET_MODE_FILTER")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bpf::{run, validate};
    use linux_raw_sys::ptrace::{AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64};

    fn data(arch: u32, nr: i32, args: [u64; 6]) -> std::vec::Vec<u8> {
        let mut d = std::vec::Vec::new();
        d.extend_from_slice(&nr.to_ne_bytes());
        d.extend_from_slice(&arch.to_ne_bytes());
        d.extend_from_slice(&0u64.to_ne_bytes());
        for a in args {
            d.extend_from_slice(&a.to_ne_bytes());
        }
        assert_eq!(d.len(), core::mem::size_of::<seccomp_data>());
        d
    }

    fn action(p: &Program, arch: u32, nr: i32, args: [u64; 6]) -> u32 {
        run(p.insns(), &data(arch, nr, args)).expect("the program ran off its end")
    }

    fn native(p: &Program, s: Sysno, args: [u64; 6]) -> u32 {
        action(p, NATIVE_ARCH, s.id(), args)
    }

    #[test]
    fn default_program_is_valid_and_short() {
        let p = build(&[]).unwrap();
        validate(p.insns()).unwrap();
        assert!(p.insns().len() < 120, "{} instructions", p.insns().len());
    }

    #[test]
    fn denied_syscalls_get_eperm_and_others_are_allowed() {
        let p = build(&[]).unwrap();
        for s in spec::DENIED_SYSCALLS {
            assert_eq!(native(&p, *s, [0; 6]), RET_EPERM, "{}", s.name());
        }
        for s in [
            Sysno::getpid,
            Sysno::read,
            Sysno::write,
            Sysno::openat,
            Sysno::execve,
            Sysno::exit_group,
            Sysno::getppid,
        ] {
            assert_eq!(native(&p, s, [0; 6]), SECCOMP_RET_ALLOW, "{}", s.name());
        }
        // Every known syscall gets one of the three actions; none runs off.
        for nr in 0..TABLE_END as i32 {
            let r = action(&p, NATIVE_ARCH, nr, [0; 6]);
            assert!(
                [SECCOMP_RET_ALLOW, RET_EPERM, RET_ENOSYS].contains(&r),
                "nr {nr}: {r:#x}"
            );
        }
    }

    #[test]
    fn clone3_is_enosys_and_clone_with_namespaces_eperm() {
        let p = build(&[]).unwrap();
        assert_eq!(native(&p, Sysno::clone3, [0; 6]), RET_ENOSYS);
        let sigchld = u64::from(linux_raw_sys::general::SIGCHLD);
        assert_eq!(
            native(&p, Sysno::clone, [sigchld, 0, 0, 0, 0, 0]),
            SECCOMP_RET_ALLOW
        );
        let thread =
            u64::from(linux_raw_sys::general::CLONE_VM | linux_raw_sys::general::CLONE_THREAD);
        assert_eq!(
            native(&p, Sysno::clone, [thread, 0, 0, 0, 0, 0]),
            SECCOMP_RET_ALLOW
        );
        for ns in [
            linux_raw_sys::general::CLONE_NEWUSER,
            linux_raw_sys::general::CLONE_NEWNS,
            linux_raw_sys::general::CLONE_NEWPID,
            linux_raw_sys::general::CLONE_NEWNET,
            linux_raw_sys::general::CLONE_NEWTIME,
        ] {
            assert_eq!(
                native(&p, Sysno::clone, [sigchld | u64::from(ns), 0, 0, 0, 0, 0]),
                RET_EPERM,
                "{ns:#x}"
            );
        }
    }

    #[test]
    fn ioctl_tiocsti_is_denied_whatever_the_high_bits() {
        let p = build(&[]).unwrap();
        let sti = u64::from(linux_raw_sys::ioctl::TIOCSTI);
        let linux = u64::from(linux_raw_sys::ioctl::TIOCLINUX);
        for req in [
            sti,
            sti | 1 << 32,
            sti | 0xffff_ffff_0000_0000,
            linux,
            linux | 1 << 40,
        ] {
            assert_eq!(
                native(&p, Sysno::ioctl, [0, req, 0, 0, 0, 0]),
                RET_EPERM,
                "{req:#x}"
            );
        }
        let tcgets = u64::from(linux_raw_sys::ioctl::TCGETS);
        assert_eq!(
            native(&p, Sysno::ioctl, [0, tcgets, 0, 0, 0, 0]),
            SECCOMP_RET_ALLOW
        );
    }

    #[test]
    fn personality_only_harmless_values() {
        let p = build(&[]).unwrap();
        for v in [0u64, 8, 0x20000, 0x20008, 0xffff_ffff] {
            assert_eq!(
                native(&p, Sysno::personality, [v, 0, 0, 0, 0, 0]),
                SECCOMP_RET_ALLOW,
                "{v:#x}"
            );
        }
        // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE: refused.
        for v in [0x0040_0000u64, 0x0004_0000] {
            assert_eq!(
                native(&p, Sysno::personality, [v, 0, 0, 0, 0, 0]),
                RET_EPERM,
                "{v:#x}"
            );
        }
    }

    #[test]
    fn foreign_abis_beyond_table_and_minus_one_get_enosys() {
        let p = build(&[]).unwrap();
        for arch in [AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, AUDIT_ARCH_AARCH64] {
            if arch != NATIVE_ARCH {
                for nr in [0, 1, 20, 39, 172, 500] {
                    assert_eq!(
                        action(&p, arch, nr, [0; 6]),
                        RET_ENOSYS,
                        "arch {arch:#x} nr {nr}"
                    );
                }
            }
        }
        #[cfg(target_arch = "x86_64")]
        for nr in [0, 39, 110, 165] {
            let x32 = (linux_raw_sys::general::__X32_SYSCALL_BIT as i32) | nr;
            assert_eq!(action(&p, NATIVE_ARCH, x32, [0; 6]), RET_ENOSYS, "x32 {nr}");
        }
        assert_eq!(action(&p, NATIVE_ARCH, -1, [0; 6]), RET_ENOSYS);
        assert_eq!(
            action(&p, NATIVE_ARCH, TABLE_END as i32, [0; 6]),
            RET_ENOSYS
        );
        assert_eq!(action(&p, NATIVE_ARCH, 100_000, [0; 6]), RET_ENOSYS);
    }

    #[test]
    fn extra_denied_syscalls_come_first_even_long_lists() {
        let extra: std::vec::Vec<u32> = (0..300)
            .filter(|&n| n != Sysno::getpid.id() as u32)
            .collect();
        let p = build(&extra).unwrap();
        validate(p.insns()).unwrap();
        assert_eq!(native(&p, Sysno::read, [0; 6]), RET_EPERM);
        assert_eq!(native(&p, Sysno::getpid, [0; 6]), SECCOMP_RET_ALLOW);
        // The jumps to the returns at the end are now longer than 255.
        assert!(p.insns().len() > 300);
        let ioctl_all = build(&[Sysno::ioctl.id() as u32]).unwrap();
        let tcgets = u64::from(linux_raw_sys::ioctl::TCGETS);
        assert_eq!(
            native(&ioctl_all, Sysno::ioctl, [0, tcgets, 0, 0, 0, 0]),
            RET_EPERM
        );
    }
}
