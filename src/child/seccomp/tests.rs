//! The filter of every architecture, run in the classic-BPF interpreter.

use super::*;
use crate::bpf::{run, run_counting, validate};
use core::str::FromStr;
use linux_raw_sys::ptrace::{AUDIT_ARCH_I386, AUDIT_ARCH_X86_64};
use syscalls::Sysno;

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

/// The number of syscall `name` in `arch`'s table.
fn nr(arch: &Arch, name: &str) -> i32 {
    let id = match arch.name {
        "x86_64" => syscalls::x86_64::Sysno::from_str(name).map(|s| s.id()),
        "aarch64" => syscalls::aarch64::Sysno::from_str(name).map(|s| s.id()),
        "arm" => syscalls::arm::Sysno::from_str(name).map(|s| s.id()),
        "riscv64" => syscalls::riscv64::Sysno::from_str(name).map(|s| s.id()),
        other => panic!("no table for {other}"),
    };
    id.unwrap_or_else(|_| panic!("no {name} on {}", arch.name))
}

/// `name(args)` made by a native task of `arch` under `p`.
fn call(arch: &Arch, p: &Program, name: &str, args: [u64; 6]) -> u32 {
    action(p, arch.audit_arch, nr(arch, name), args)
}

/// `build_for`'s program, returned.
fn built(arch: &Arch, extra_denied: &[u32], rules: &[Rule]) -> Result<Program, AsmError> {
    let mut p = Program::new();
    build_for(&mut p, arch, extra_denied, rules).map(|()| p)
}

fn default_program(arch: &Arch) -> Program {
    built(arch, &[], spec::DEFAULT_DEVICE_RULES).unwrap()
}

#[test]
fn native_is_the_build_target() {
    assert_eq!(arch::NATIVE.name, std::env::consts::ARCH);
    assert_eq!(TABLE_END, Sysno::last().id() as u32 + 1);
    let native: std::vec::Vec<u32> = arch::NATIVE.denied_syscalls.to_vec();
    assert_eq!(spec::DENIED_SYSCALLS, native.as_slice());
}

#[test]
fn default_program_is_valid_and_short() {
    for arch in arch::ALL {
        let p = default_program(arch);
        validate(p.insns()).unwrap();
        assert!(arch.table_end as usize <= MAX_TABLE_END);
        assert!(
            p.insns().len() < 200,
            "{}: {} instructions",
            arch.name,
            p.insns().len()
        );
    }
}

/// The kernel runs a new filter once for every syscall number when it is
/// installed; a number decided by the number alone must take few steps.
#[test]
fn every_number_is_decided_in_a_few_steps() {
    for arch in arch::ALL {
        let p = default_program(arch);
        let most = (0..arch.table_end + 2)
            .map(|nr| {
                run_counting(p.insns(), &data(arch.audit_arch, nr as i32, [0; 6]))
                    .unwrap()
                    .1
            })
            .max()
            .unwrap();
        // 4 for arch and ABI, 7 for a search over at most 128 runs, and
        // the leaf's jump and return; clone, ioctl, personality and mknod
        // then look at arguments (the kernel's emulation stops there).
        assert!(most <= 4 + 7 + 2 + 8, "{}: {most} steps", arch.name);
    }
}

#[test]
fn denied_syscalls_get_eperm_and_others_are_allowed() {
    for arch in arch::ALL {
        let p = default_program(arch);
        for &denied in arch.denied_syscalls {
            assert_eq!(
                action(&p, arch.audit_arch, denied as i32, [0; 6]),
                RET_EPERM,
                "{} nr {denied}",
                arch.name
            );
        }
        for name in [
            "mount",
            "umount2",
            "pivot_root",
            "bpf",
            "reboot",
            "settimeofday",
        ] {
            assert_eq!(call(arch, &p, name, [0; 6]), RET_EPERM, "{}", arch.name);
        }
        for name in [
            "getpid",
            "read",
            "write",
            "openat",
            "execve",
            "exit_group",
            "getppid",
        ] {
            assert_eq!(
                call(arch, &p, name, [0; 6]),
                SECCOMP_RET_ALLOW,
                "{} {name}",
                arch.name
            );
        }
        // Every known syscall gets one of the three actions; none runs off.
        for nr in 0..arch.table_end as i32 {
            let r = action(&p, arch.audit_arch, nr, [0; 6]);
            assert!(
                [SECCOMP_RET_ALLOW, RET_EPERM, RET_ENOSYS].contains(&r),
                "{} nr {nr}: {r:#x}",
                arch.name
            );
        }
    }
}

/// 32-bit ARM sets the clock under two names: both are denied.
#[test]
fn arm_time64_twins_are_denied_too() {
    let arm = &arch::arm::ARCH;
    let p = default_program(arm);
    for name in [
        "clock_settime",
        "clock_settime64",
        "clock_adjtime",
        "clock_adjtime64",
        "settimeofday",
        "adjtimex",
    ] {
        assert_eq!(call(arm, &p, name, [0; 6]), RET_EPERM, "{name}");
    }
    for name in ["clock_gettime64", "futex_time64", "ppoll_time64"] {
        assert_eq!(call(arm, &p, name, [0; 6]), SECCOMP_RET_ALLOW, "{name}");
    }
}

#[test]
fn clone3_is_enosys_and_clone_with_namespaces_eperm() {
    let sigchld = u64::from(linux_raw_sys::general::SIGCHLD);
    let thread = u64::from(linux_raw_sys::general::CLONE_VM | linux_raw_sys::general::CLONE_THREAD);
    for arch in arch::ALL {
        let p = default_program(arch);
        let clone = |flags: u64| {
            let mut args = [0; 6];
            args[arch.clone_flags_arg] = flags;
            call(arch, &p, "clone", args)
        };
        assert_eq!(call(arch, &p, "clone3", [0; 6]), RET_ENOSYS);
        assert_eq!(clone(sigchld), SECCOMP_RET_ALLOW, "{}", arch.name);
        assert_eq!(clone(thread), SECCOMP_RET_ALLOW, "{}", arch.name);
        for ns in [
            linux_raw_sys::general::CLONE_NEWUSER,
            linux_raw_sys::general::CLONE_NEWNS,
            linux_raw_sys::general::CLONE_NEWPID,
            linux_raw_sys::general::CLONE_NEWNET,
            linux_raw_sys::general::CLONE_NEWTIME,
        ] {
            assert_eq!(
                clone(sigchld | u64::from(ns)),
                RET_EPERM,
                "{} {ns:#x}",
                arch.name
            );
        }
    }
}

#[test]
fn ioctl_tiocsti_is_denied_whatever_the_high_bits() {
    let sti = u64::from(linux_raw_sys::ioctl::TIOCSTI);
    let linux = u64::from(linux_raw_sys::ioctl::TIOCLINUX);
    let tcgets = u64::from(linux_raw_sys::ioctl::TCGETS);
    for arch in arch::ALL {
        let p = default_program(arch);
        for req in [
            sti,
            sti | 1 << 32,
            sti | 0xffff_ffff_0000_0000,
            linux,
            linux | 1 << 40,
        ] {
            assert_eq!(
                call(arch, &p, "ioctl", [0, req, 0, 0, 0, 0]),
                RET_EPERM,
                "{} {req:#x}",
                arch.name
            );
        }
        assert_eq!(
            call(arch, &p, "ioctl", [0, tcgets, 0, 0, 0, 0]),
            SECCOMP_RET_ALLOW
        );
    }
}

#[test]
fn personality_only_harmless_values() {
    for arch in arch::ALL {
        let p = default_program(arch);
        for v in [0u64, 8, 0x20000, 0x20008, 0xffff_ffff] {
            assert_eq!(
                call(arch, &p, "personality", [v, 0, 0, 0, 0, 0]),
                SECCOMP_RET_ALLOW,
                "{} {v:#x}",
                arch.name
            );
        }
        // READ_IMPLIES_EXEC, ADDR_NO_RANDOMIZE: refused.
        for v in [0x0040_0000u64, 0x0004_0000] {
            assert_eq!(
                call(arch, &p, "personality", [v, 0, 0, 0, 0, 0]),
                RET_EPERM,
                "{} {v:#x}",
                arch.name
            );
        }
    }
}

#[test]
fn foreign_abis_beyond_table_and_minus_one_get_enosys() {
    for arch in arch::ALL {
        let p = default_program(arch);
        // Each compat ABI of this kernel, every other architecture, and
        // the big-endian twins: only the native one passes.
        let mut foreign: std::vec::Vec<u32> = arch.compat_arches.to_vec();
        foreign.extend(arch::ALL.iter().map(|a| a.audit_arch));
        foreign.extend([
            AUDIT_ARCH_I386,
            linux_raw_sys::ptrace::AUDIT_ARCH_ARMEB,
            linux_raw_sys::ptrace::AUDIT_ARCH_RISCV32,
            0,
        ]);
        for other in foreign.into_iter().filter(|&a| a != arch.audit_arch) {
            for nr in [0, 1, 20, 39, 172, 500] {
                assert_eq!(
                    action(&p, other, nr, [0; 6]),
                    RET_ENOSYS,
                    "{}: arch {other:#x} nr {nr}",
                    arch.name
                );
            }
        }
        if let Some(bit) = arch.abi_bit {
            for nr in [0, 39, 110, 165] {
                let x32 = (bit as i32) | nr;
                assert_eq!(
                    action(&p, arch.audit_arch, x32, [0; 6]),
                    RET_ENOSYS,
                    "{} abi bit {nr}",
                    arch.name
                );
            }
        }
        for nr in [-1, arch.table_end as i32, 100_000] {
            assert_eq!(
                action(&p, arch.audit_arch, nr, [0; 6]),
                RET_ENOSYS,
                "{} nr {nr}",
                arch.name
            );
        }
    }
}

/// x86_64 refuses i386 and x32; aarch64 refuses 32-bit ARM tasks, which
/// its kernel runs under CONFIG_COMPAT with ARM's own numbers.
#[test]
fn compat_abis_of_64_bit_kernels_are_listed_and_refused() {
    assert_eq!(arch::x86_64::ARCH.compat_arches, &[AUDIT_ARCH_I386]);
    assert_eq!(
        arch::aarch64::ARCH.compat_arches,
        &[linux_raw_sys::ptrace::AUDIT_ARCH_ARM]
    );
    let p = default_program(&arch::aarch64::ARCH);
    let arm = &arch::arm::ARCH;
    for name in ["getpid", "read", "mount", "clone3"] {
        assert_eq!(
            action(&p, arm.audit_arch, nr(arm, name), [0; 6]),
            RET_ENOSYS,
            "{name}"
        );
    }
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        arch::x86_64::ARCH.abi_bit,
        Some(linux_raw_sys::general::__X32_SYSCALL_BIT)
    );
    assert_eq!(
        action(
            &default_program(&arch::x86_64::ARCH),
            AUDIT_ARCH_X86_64,
            39,
            [0; 6]
        ),
        SECCOMP_RET_ALLOW
    );
}

/// 32-bit ARM's private calls lie above its table; set_tls is made by
/// every program at start, so they are allowed before the "beyond the
/// table" rule. (Their numbers come from linux-raw-sys only on arm: on
/// other hosts the list is empty, and the VM suite runs the real one.)
#[test]
fn arm_private_calls_are_allowed_above_the_table() {
    let arm = &arch::arm::ARCH;
    let p = default_program(arm);
    for &private in arm.private_calls {
        assert!(private >= arm.table_end);
        assert_eq!(
            action(&p, arm.audit_arch, private as i32, [0; 6]),
            SECCOMP_RET_ALLOW
        );
    }
    for other in arch::ALL.iter().filter(|a| a.name != "arm") {
        assert!(other.private_calls.is_empty());
    }
}

#[test]
fn extra_denied_syscalls_come_first_even_long_lists() {
    for arch in arch::ALL {
        let getpid = nr(arch, "getpid") as u32;
        let read = nr(arch, "read") as u32;
        // Every other number: a run each, so the search is long.
        let extra: std::vec::Vec<u32> = (0..arch.table_end)
            .filter(|&n| n % 2 == read % 2 && n != getpid)
            .collect();
        let p = built(arch, &extra, spec::DEFAULT_DEVICE_RULES).unwrap();
        validate(p.insns()).unwrap();
        assert_eq!(call(arch, &p, "read", [0; 6]), RET_EPERM);
        assert_eq!(call(arch, &p, "getpid", [0; 6]), SECCOMP_RET_ALLOW);
        // The jumps to the returns at the end are now longer than 255.
        assert!(p.insns().len() > 300);
        let ioctl = nr(arch, "ioctl") as u32;
        let ioctl_all = built(arch, &[ioctl], spec::DEFAULT_DEVICE_RULES).unwrap();
        let tcgets = u64::from(linux_raw_sys::ioctl::TCGETS);
        assert_eq!(
            call(arch, &ioctl_all, "ioctl", [0, tcgets, 0, 0, 0, 0]),
            RET_EPERM
        );
    }
}

#[test]
fn mknod_only_of_nodes_the_device_rule_lets_cmd_use() {
    use linux_raw_sys::general::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG};
    let loop0 = Rule {
        allow: true,
        kind: Kind::Block,
        major: Some(7),
        minor: Some(0),
        access: devices::MKNOD,
    };
    let mut rules = spec::DEFAULT_DEVICE_RULES.to_vec();
    rules.push(loop0);
    let dev = |major, minor| u64::from(devices::encode_dev(major, minor));
    // (mode, dev, default, with --device loop0:m)
    let cases = [
        (S_IFCHR | 0o666, dev(1, 3), true, true),
        (S_IFCHR | 0o666, dev(1, 9), true, true),
        (S_IFCHR, dev(5, 2), true, true),
        (S_IFCHR, dev(136, 0), true, true),
        (S_IFCHR, dev(136, 4095), true, true),
        (S_IFCHR, dev(1, 11), false, false),
        (S_IFCHR, dev(1, 1), false, false),
        (S_IFCHR, dev(1, 3 | 1 << 8), false, false),
        (S_IFCHR, dev(137, 0), false, false),
        (S_IFBLK, dev(1, 3), false, false),
        (S_IFBLK, dev(7, 0), false, true),
        (S_IFBLK, dev(7, 1), false, false),
        (S_IFBLK, dev(179, 0), false, false),
        (S_IFREG | 0o644, dev(7, 0), true, true),
        (0, dev(8, 0), true, true),
        (S_IFIFO | 0o600, 0, true, true),
    ];
    let verdict = |ok| if ok { SECCOMP_RET_ALLOW } else { RET_EPERM };
    for arch in arch::ALL {
        let default = default_program(arch);
        let with_loop0 = built(arch, &[], &rules).unwrap();
        validate(default.insns()).unwrap();
        for (mode, d, by_default, with) in cases {
            // The high halves of both arguments do not count for the kernel.
            for high in [0u64, 0xffff_ffff_0000_0000] {
                let (mode, d) = (u64::from(mode) | high, d | high);
                let at = [libc_at_fdcwd(), 0, mode, d, 0, 0];
                let what = || std::format!("{} {mode:o} {d:#x}", arch.name);
                assert_eq!(
                    call(arch, &default, "mknodat", at),
                    verdict(by_default),
                    "{}",
                    what()
                );
                assert_eq!(
                    call(arch, &with_loop0, "mknodat", at),
                    verdict(with),
                    "{}",
                    what()
                );
                if arch.nr.mknod.is_some() {
                    assert_eq!(
                        call(arch, &default, "mknod", [0, mode, d, 0, 0, 0]),
                        verdict(by_default),
                        "{}",
                        what()
                    );
                }
            }
        }
    }
}

fn libc_at_fdcwd() -> u64 {
    linux_raw_sys::general::AT_FDCWD as i64 as u64
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn rule() -> impl Strategy<Value = Rule> {
        (
            any::<bool>(),
            prop_oneof![Just(Kind::Char), Just(Kind::Block), Just(Kind::All)],
            proptest::option::of(0u32..300),
            proptest::option::of(0u32..70000),
            0u8..8,
        )
            .prop_map(|(allow, kind, major, minor, access)| Rule {
                allow,
                kind,
                major,
                minor,
                access,
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 300,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the extra syscalls and device rules, the program is
        /// valid, and every input ends in one of its three returns.
        #[test]
        fn every_program_is_valid_and_every_path_returns(
            which in 0..arch::ALL.len(),
            extra in proptest::collection::vec(0u32..TABLE_END, 0..80),
            rules in proptest::collection::vec(rule(), 0..40),
            inputs in proptest::collection::vec(
                (any::<i32>(), any::<bool>(), proptest::array::uniform6(any::<u64>())),
                64,
            ),
        ) {
            let target = arch::ALL[which];
            let p = built(target, &extra, &rules).unwrap();
            prop_assert!(validate(p.insns()).is_ok());
            for (nr, native_arch, args) in inputs {
                let arch = if native_arch { target.audit_arch } else { AUDIT_ARCH_I386 };
                let r = run(p.insns(), &data(arch, nr % (target.table_end as i32 + 10), args));
                prop_assert!(
                    matches!(r, Some(a) if [SECCOMP_RET_ALLOW, RET_EPERM, RET_ENOSYS].contains(&a)),
                    "nr {} args {:x?}: {:?}", nr, args, r
                );
            }
        }
    }
}

#[test]
fn the_longest_filter_the_options_allow_fits() {
    // The most `--seccomp-deny` numbers, each a run of its own (every
    // other number), and the most device rules, each its own mknod test:
    // the program must still fit MAX_INSNS, or such a container could not
    // start.
    let mut rules = std::vec::Vec::from(spec::DEFAULT_DEVICE_RULES);
    let extra = crate::cli::MAX_DEVICE_RULES + crate::devices::MAX_NODES;
    for i in 0..extra as u32 {
        let kind = if i % 2 == 0 { Kind::Char } else { Kind::Block };
        let minor = if i % 3 == 0 { None } else { Some(i) };
        rules.push(devices::allow(kind, Some(200 + i), minor, devices::MKNOD));
    }
    for arch in arch::ALL {
        let denied: std::vec::Vec<u32> = (0..crate::cli::MAX_EXTRA_DENIED as u32)
            .map(|i| 2 * i + 1)
            .filter(|&nr| nr < arch.table_end)
            .collect();
        let p = built(arch, &denied, &rules).unwrap_or_else(|e| panic!("{}: {e:?}", arch.name));
        validate(p.insns()).unwrap();
        assert!(
            p.insns().len() < crate::bpf::MAX_INSNS,
            "{}: {}",
            arch.name,
            p.insns().len()
        );
    }
}
