//! What differs between the architectures sct runs on, in one place: one
//! module per architecture fills an [`Arch`], and [`NATIVE`] is the one
//! `cfg(target_arch)` picks. The stages and the seccomp compiler read these
//! facts and carry no `cfg(target_arch)` of their own.
//!
//! Every module is compiled into the unit tests whatever the host, so the
//! classic-BPF interpreter runs each architecture's filter (numbers from
//! `syscalls::<arch>::Sysno`, which has every table on every host). The few
//! constants linux-raw-sys has only for its own target (x86_64's x32 bit,
//! 32-bit ARM's private calls) are filled in only when built for that
//! target; the VM suite runs the filter there.

#[cfg(any(target_arch = "aarch64", test))]
pub mod aarch64;
#[cfg(any(target_arch = "arm", test))]
pub mod arm;
#[cfg(any(target_arch = "riscv64", test))]
pub mod riscv64;
#[cfg(any(target_arch = "x86_64", test))]
pub mod x86_64;

/// The facts about one architecture's syscall ABI that sct's code depends on.
pub struct Arch {
    /// Rust's name for it (`target_arch`, `std::env::consts::ARCH`).
    pub name: &'static str,
    /// Go's name for it (`GOARCH`), which Docker's and podman's seccomp
    /// profiles use in `includes.arches`.
    pub go_name: &'static [u8],
    /// `seccomp_data.arch` of native tasks (`AUDIT_ARCH_*`).
    pub audit_arch: u32,
    /// The other ABIs a kernel of this architecture may run a task in (its
    /// compat modes): the filter refuses every arch but `audit_arch`, and
    /// the tests check that these are among the refused.
    pub compat_arches: &'static [u32],
    /// A bit of the syscall number that selects another ABI under the same
    /// `audit_arch` (x86_64's x32), refused by the filter.
    pub abi_bit: Option<u32>,
    /// One past the highest syscall number sct knows here: anything at or
    /// above it (newer calls, -1, old ABIs' ranges) gets ENOSYS.
    pub table_end: u32,
    /// Numbers above the table that every program needs and the filter
    /// allows (32-bit ARM's own calls: set_tls, cacheflush, breakpoint).
    pub private_calls: &'static [u32],
    /// The default policy's denied syscalls in this table
    /// (`spec::denied_syscalls!`).
    pub denied_syscalls: &'static [u32],
    /// Syscalls the filter looks into.
    pub nr: Numbers,
    /// Which argument of `clone(2)` holds the flags (0 everywhere sct runs;
    /// s390 swaps the first two, CONFIG_CLONE_BACKWARDS2).
    pub clone_flags_arg: usize,
}

/// Numbers of the syscalls whose arguments the filter inspects.
pub struct Numbers {
    pub clone: u32,
    pub clone3: u32,
    pub ioctl: u32,
    pub personality: u32,
    pub mknodat: u32,
    /// The old `mknod`, where the table still has it.
    pub mknod: Option<u32>,
}

/// The architecture sct is built for.
#[cfg(target_arch = "aarch64")]
pub const NATIVE: &Arch = &aarch64::ARCH;
#[cfg(target_arch = "arm")]
pub const NATIVE: &Arch = &arm::ARCH;
#[cfg(target_arch = "riscv64")]
pub const NATIVE: &Arch = &riscv64::ARCH;
#[cfg(target_arch = "x86_64")]
pub const NATIVE: &Arch = &x86_64::ARCH;

/// Every architecture sct knows, for the tests. (The sigset, 64 bits in
/// `unsigned long` words, needs no entry: `sys::signal` sizes it from
/// linux-raw-sys's `kernel_sigset_t`.)
#[cfg(test)]
pub const ALL: &[&Arch] = &[&x86_64::ARCH, &aarch64::ARCH, &arm::ARCH, &riscv64::ARCH];

/// `Numbers` from one architecture's `syscalls::<arch>::Sysno`.
macro_rules! numbers {
    ($($table:ident)::+, mknod: $mknod:ident) => {{
        $crate::arch::Numbers {
            mknod: Some($($table)::+::$mknod as u32),
            ..numbers!($($table)::+)
        }
    }};
    ($($table:ident)::+) => {{
        use $($table)::+ as S;
        $crate::arch::Numbers {
            clone: S::clone as u32,
            clone3: S::clone3 as u32,
            ioctl: S::ioctl as u32,
            personality: S::personality as u32,
            mknodat: S::mknodat as u32,
            mknod: None,
        }
    }};
}
use numbers;
