//! The seccomp filter: built from the tables in `spec` and the architecture's
//! facts in `arch`, installed last.
//!
//! Layout of the program (every rule jumps forward to one of three returns):
//!
//! ```text
//!   arch != native                 -> ENOSYS   (i386 int 0x80, arm32 on
//!                                               aarch64, any other ABI)
//!   nr & X32 bit (x86_64 only)     -> ENOSYS   (x32 ABI)
//!   ARM's private calls (armv7)    -> ALLOW    (set_tls, above the table)
//!   binary search over runs of numbers that share a target:
//!     nr in the denied list        -> EPERM
//!     nr == clone3                 -> ENOSYS   (libcs then fall back to clone)
//!     clone with namespace flags   -> EPERM
//!     ioctl TIOCSTI/TIOCLINUX      -> EPERM    (low 32 bits of the request)
//!     personality not in the list  -> EPERM
//!     mknod(at) of a char or block
//!       node the device rule does
//!       not let CMD make and use   -> EPERM
//!     nr >= end of the table       -> ENOSYS   (newer than sct; also nr = -1
//!                                               and ARM's old OABI range)
//!     anything else                -> ALLOW
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

use crate::arch::{self, Arch};
use crate::bpf::{Asm, AsmError, Cond, Label, Program};
use crate::devices::{self, Kind, Rule};
use crate::error::{Context, Error, Result};
use crate::spec;

pub const NATIVE_ARCH: u32 = arch::NATIVE.audit_arch;

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
pub const TABLE_END: u32 = arch::NATIVE.table_end;

/// Assembles the default policy plus the syscalls in `extra_denied` into
/// `p` (see `Asm::finish`); `rules` is the container's device rule, which
/// decides what mknod may make.
pub fn build(p: &mut Program, extra_denied: &[u32], rules: &[Rule]) -> Result<(), AsmError> {
    build_for(p, arch::NATIVE, extra_denied, rules)
}

/// `build` for the architecture `arch` (the tests run every one).
pub fn build_for(
    p: &mut Program,
    arch: &Arch,
    extra_denied: &[u32],
    rules: &[Rule],
) -> Result<(), AsmError> {
    let mut a = Asm::new();
    let eperm = a.label();
    let enosys = a.label();
    let allow = a.label();
    let clone_flags = a.label();
    let ioctl_request = a.label();
    let personality = a.label();
    let mknodat = a.label();
    let mknod = a.label();
    let nr = &arch.nr;

    a.load(ARCH);
    a.jump_unless(Cond::Eq, arch.audit_arch, enosys);
    a.load(NR);
    if let Some(bit) = arch.abi_bit {
        a.jump_if(Cond::Set, bit, enosys);
    }
    for &private in arch.private_calls {
        a.jump_if(Cond::Eq, private, allow);
    }
    // What each number gets, by precedence: a denied number is denied
    // whatever else it is; numbers beyond the table get ENOSYS.
    let mut targets = [Target::Allow; MAX_TABLE_END + 1];
    let end = arch.table_end as usize;
    for &(nr, target) in &[
        (Some(nr.clone3), Target::Enosys),
        (Some(nr.clone), Target::CloneFlags),
        (Some(nr.ioctl), Target::IoctlRequest),
        (Some(nr.personality), Target::Personality),
        (Some(nr.mknodat), Target::Mknodat),
        (nr.mknod, Target::Mknod),
    ] {
        if let Some(nr) = nr.filter(|&nr| nr < arch.table_end) {
            targets[nr as usize] = target;
        }
    }
    for &nr in extra_denied.iter().chain(arch.denied_syscalls) {
        if nr < arch.table_end {
            targets[nr as usize] = Target::Eperm;
        }
    }
    targets[end] = Target::Enosys;
    // Runs of numbers that share a target, found by binary search: the
    // kernel runs the filter once per syscall number and ABI when it is
    // installed (seccomp_cache_prepare(), Linux 5.11) to learn which are
    // always allowed, so each comparison on the way costs every container
    // start about 460 steps. A list of one test per denied number took
    // up to 68 per number: 40-80 µs of each start (bench/speed.md, §10).
    let mut runs = [0u16; MAX_TABLE_END + 1];
    let mut count = 0;
    for nr in 0..=end {
        if nr == 0 || targets[nr] != targets[nr - 1] {
            runs[count] = nr as u16;
            count += 1;
        }
    }
    let labels = [
        allow,
        eperm,
        enosys,
        clone_flags,
        ioctl_request,
        personality,
        mknodat,
        mknod,
    ];
    a.search(0..count, &|i| u32::from(runs[i]), &|i| {
        labels[targets[usize::from(runs[i])] as usize]
    });

    a.place(clone_flags);
    a.load(arg_low(arch.clone_flags_arg));
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

    // mknodat(dirfd, path, mode, dev); mknod(path, mode, dev).
    a.place(mknodat);
    device_nodes(&mut a, 2, rules, allow, eperm);
    if nr.mknod.is_some() {
        a.place(mknod);
        device_nodes(&mut a, 1, rules, allow, eperm);
    }

    a.place(allow);
    a.ret(SECCOMP_RET_ALLOW);
    a.place(eperm);
    a.ret(RET_EPERM);
    a.place(enosys);
    a.ret(RET_ENOSYS);
    a.finish(p)
}

/// Where a syscall number goes; the order of `build_for`'s labels.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Allow,
    Eperm,
    Enosys,
    CloneFlags,
    IoctlRequest,
    Personality,
    Mknodat,
    Mknod,
}

/// The highest table end of any architecture sct knows (arm's is the
/// largest); numbers at or beyond the native one get ENOSYS.
const MAX_TABLE_END: usize = 512;
const _: () = assert!(TABLE_END as usize <= MAX_TABLE_END);

/// The mknod check, for the syscall whose mode is argument `mode_arg` and
/// whose dev the next one: a char or block node is allowed only where a
/// rule with a major number lets CMD make it. The device rule's own
/// wildcards (`c *:* m`, Docker's, so that making a node is harmless when
/// it cannot be opened) do not count: the filter is the stricter layer, and
/// refuses any node the container could not also use.
///
/// The kernel reads mode as umode_t and dev as unsigned int, so the low 32
/// bits decide; dev is new_encode_dev()'s layout (include/linux/kdev_t.h),
/// which is what libcs' makedev() gives in its low 32 bits.
fn device_nodes(a: &mut Asm, mode_arg: usize, rules: &[Rule], allow: Label, eperm: Label) {
    let char_node = a.label();
    let block_node = a.label();
    a.load(arg_low(mode_arg));
    a.and(linux_raw_sys::general::S_IFMT);
    a.jump_if(Cond::Eq, linux_raw_sys::general::S_IFCHR, char_node);
    a.jump_if(Cond::Eq, linux_raw_sys::general::S_IFBLK, block_node);
    a.goto(allow);
    for (label, kind) in [(char_node, Kind::Char), (block_node, Kind::Block)] {
        a.place(label);
        a.load(arg_low(mode_arg + 1));
        let makeable = |r: &Rule| {
            r.allow && r.access & devices::MKNOD != 0 && (r.kind == kind || r.kind == Kind::All)
        };
        let mut any_major_only = false;
        for r in rules {
            if !makeable(r) {
                continue;
            }
            match (r.major, r.minor) {
                (Some(major), Some(minor)) => {
                    a.jump_if(Cond::Eq, devices::encode_dev(major, minor), allow)
                }
                (Some(_), None) => any_major_only = true,
                (None, _) => {}
            }
        }
        if any_major_only {
            a.and(devices::DEV_MAJOR_MASK);
            for r in rules {
                if let (true, Some(major), None) = (makeable(r), r.major, r.minor) {
                    a.jump_if(Cond::Eq, devices::encode_dev(major, 0), allow);
                }
            }
        }
        a.goto(eperm);
    }
}

/// Installs the filter. Called last before exec: the filter must never see
/// sct's own setup syscalls (mount, pivot_root, unshare are denied), and
/// no_new_privs, set just before, is what the kernel requires for it
/// (seccomp(2)). bubblewrap and youki order it the same way.
pub fn install_filter(extra_denied: &[u32], rules: &[Rule]) -> Result<()> {
    let mut program = Program::new();
    build(&mut program, extra_denied, rules)
        .map_err(|_| Error::setup("seccomp", b"", "filter too long"))?;
    crate::sys::seccomp::seccomp_set_mode_filter(program.insns(), 0)
        .at("seccomp", b"SECCOMP_SET_MODE_FILTER")
}

/// Installs a compiled `--seccomp FILE` profile, with its flags; in the
/// same place as the built-in filter, for the same reasons.
pub fn install_profile(profile: &crate::profile::Filter) -> Result<()> {
    crate::sys::seccomp::seccomp_set_mode_filter(profile.program.insns(), profile.flags)
        .at("seccomp", b"SECCOMP_SET_MODE_FILTER")
        .map_err(|e| {
            e.hint_if(
                crate::sys::Errno::INVAL,
                "the profile's flags or actions may be newer than this kernel",
            )
        })
}

#[cfg(test)]
mod tests;
