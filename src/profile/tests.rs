use super::*;
use crate::bpf::{run, validate};
use crate::child::seccomp::{NATIVE_ARCH, RET_ENOSYS, RET_EPERM};
use linux_raw_sys::ptrace::seccomp_data;
use syscalls::Sysno;

const CTX: Context = Context {
    capabilities: 1 << linux_raw_sys::general::CAP_CHOWN,
    kernel: (6, 1),
};

fn policy(text: &str, ctx: &Context) -> core::result::Result<Box<Policy>, std::string::String> {
    let mut p = Box::new(Policy::new());
    read_text(text.as_bytes(), ctx, &mut p).map_err(|e| std::format!("{e:?}"))?;
    Ok(p)
}

fn compiled(policy: &Policy) -> Filter {
    let mut f = Filter::new();
    compile(policy, &mut f).unwrap();
    f
}

fn filter(text: &str) -> Filter {
    compiled(&policy(text, &CTX).unwrap())
}

fn error(text: &str) -> std::string::String {
    policy(text, &CTX).err().expect("the profile was accepted")
}

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

fn verdict(f: &Filter, s: Sysno, args: [u64; 6]) -> u32 {
    validate(f.program.insns()).unwrap();
    run(f.program.insns(), &data(NATIVE_ARCH, s.id(), args)).unwrap()
}

#[test]
fn actions_errno_and_default() {
    let f = filter(
        r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38, "syscalls": [
            {"names": ["getpid", "getppid"], "action": "SCMP_ACT_ALLOW"},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"},
            {"name": "rmdir", "action": "SCMP_ACT_ERRNO", "errnoRet": 0},
            {"names": ["gettid"], "action": "SCMP_ACT_KILL_PROCESS"},
            {"names": ["getuid"], "action": "SCMP_ACT_KILL"},
            {"names": ["getgid"], "action": "SCMP_ACT_TRACE", "errnoRet": 7},
            {"names": ["geteuid"], "action": "SCMP_ACT_LOG"},
            {"names": ["getegid"], "action": "SCMP_ACT_TRAP"}
        ]}"#,
    );
    use linux_raw_sys::ptrace::*;
    assert_eq!(verdict(&f, Sysno::getpid, [0; 6]), SECCOMP_RET_ALLOW);
    assert_eq!(verdict(&f, Sysno::getppid, [0; 6]), SECCOMP_RET_ALLOW);
    assert_eq!(verdict(&f, Sysno::mkdir, [0; 6]), RET_EPERM);
    assert_eq!(verdict(&f, Sysno::rmdir, [0; 6]), SECCOMP_RET_ERRNO);
    assert_eq!(verdict(&f, Sysno::gettid, [0; 6]), SECCOMP_RET_KILL_PROCESS);
    assert_eq!(verdict(&f, Sysno::getuid, [0; 6]), SECCOMP_RET_KILL_THREAD);
    assert_eq!(verdict(&f, Sysno::getgid, [0; 6]), SECCOMP_RET_TRACE | 7);
    assert_eq!(verdict(&f, Sysno::geteuid, [0; 6]), SECCOMP_RET_LOG);
    assert_eq!(verdict(&f, Sysno::getegid, [0; 6]), SECCOMP_RET_TRAP);
    assert_eq!(verdict(&f, Sysno::read, [0; 6]), RET_ENOSYS);
    // Foreign ABIs get ENOSYS whatever the profile allows.
    let i386 = run(f.program.insns(), &data(AUDIT_ARCH_I386, 20, [0; 6]));
    assert_eq!(i386, Some(RET_ENOSYS));
}

#[test]
fn operators_compare_all_64_bits() {
    let rule = |op: &str, value: u64, two: u64| {
        filter(&std::format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{{"names": ["read"],
               "action": "SCMP_ACT_ERRNO", "args": [{{"index": 1, "value": {value},
               "valueTwo": {two}, "op": "{op}"}}]}}]}}"#
        ))
    };
    let big = 0x1_0000_0005u64;
    // (op, value, valueTwo, argument, holds)
    let cases = [
        ("SCMP_CMP_EQ", big, 0, big, true),
        ("SCMP_CMP_EQ", big, 0, 5, false),
        ("SCMP_CMP_NE", big, 0, 5, true),
        ("SCMP_CMP_NE", big, 0, big, false),
        ("SCMP_CMP_LT", big, 0, 0xffff_ffff, true),
        ("SCMP_CMP_LT", big, 0, big, false),
        ("SCMP_CMP_LE", big, 0, big, true),
        ("SCMP_CMP_LE", big, 0, big + 1, false),
        ("SCMP_CMP_GE", big, 0, big, true),
        ("SCMP_CMP_GE", big, 0, 0x2_0000_0000, true),
        ("SCMP_CMP_GE", big, 0, 6, false),
        ("SCMP_CMP_GT", big, 0, 0x2_0000_0000, true),
        ("SCMP_CMP_GT", big, 0, big, false),
        (
            "SCMP_CMP_MASKED_EQ",
            0xff_0000_00ff,
            0x12_0000_0034,
            0x12_ffff_ff34,
            true,
        ),
        (
            "SCMP_CMP_MASKED_EQ",
            0xff_0000_00ff,
            0x12_0000_0034,
            0x13_0000_0034,
            false,
        ),
        // Datum bits outside the mask are dropped, as libseccomp does.
        ("SCMP_CMP_MASKED_EQ", 0xff, 0x1000, 0x2200, true),
    ];
    for (op, value, two, arg, holds) in cases {
        let f = rule(op, value, two);
        let want = if holds { RET_EPERM } else { SECCOMP_RET_ALLOW };
        let got = verdict(&f, Sysno::read, [0, arg, 0, 0, 0, 0]);
        assert_eq!(got, want, "{op} {value:#x} {two:#x} on {arg:#x}");
    }
}

use linux_raw_sys::ptrace::SECCOMP_RET_ALLOW;

#[test]
fn first_matching_rule_decides_and_unconditional_wins() {
    let f = filter(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
             "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_EQ"}]},
            {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
             "args": [{"index": 1, "value": 3, "op": "SCMP_CMP_EQ"}]},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 5,
             "args": [{"index": 1, "value": 0, "op": "SCMP_CMP_EQ"}]},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 6},
            {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 7}
        ]}"#,
    );
    let errno = crate::child::seccomp::errno;
    assert_eq!(verdict(&f, Sysno::socket, [10, 1, 0, 0, 0, 0]), errno(97));
    assert_eq!(verdict(&f, Sysno::socket, [10, 3, 0, 0, 0, 0]), errno(97));
    assert_eq!(verdict(&f, Sysno::socket, [2, 3, 0, 0, 0, 0]), errno(22));
    assert_eq!(
        verdict(&f, Sysno::socket, [2, 1, 0, 0, 0, 0]),
        SECCOMP_RET_ALLOW
    );
    assert_eq!(verdict(&f, Sysno::mkdir, [0; 6]), errno(6));
}

#[test]
fn repeated_argument_means_either_comparison() {
    let f = filter(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
            "action": "SCMP_ACT_ERRNO", "args": [
            {"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
            {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]}]}"#,
    );
    assert_eq!(verdict(&f, Sysno::read, [1, 0, 0, 0, 0, 0]), RET_EPERM);
    assert_eq!(verdict(&f, Sysno::read, [2, 0, 0, 0, 0, 0]), RET_EPERM);
    assert_eq!(
        verdict(&f, Sysno::read, [3, 0, 0, 0, 0, 0]),
        SECCOMP_RET_ALLOW
    );
}

#[test]
fn includes_and_excludes() {
    let text = r#"{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [
        {"names": ["chown"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_CHOWN"]}},
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["umount2"], "action": "SCMP_ACT_ALLOW", "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
        {"names": ["read"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "arm64"]}},
        {"names": ["write"], "action": "SCMP_ACT_ALLOW", "excludes": {"arches": ["amd64", "arm64"]}},
        {"names": ["getpid"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.1"}},
        {"names": ["getppid"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "6.2"}},
        {"names": ["gettid"], "action": "SCMP_ACT_ALLOW", "excludes": {"minKernel": "6.2"}}
    ]}"#;
    let f = filter(text);
    let allowed = |s| verdict(&f, s, [0; 6]) == SECCOMP_RET_ALLOW;
    assert!(allowed(Sysno::chown));
    assert!(!allowed(Sysno::mount));
    assert!(allowed(Sysno::umount2));
    assert!(allowed(Sysno::read));
    assert!(!allowed(Sysno::write));
    assert!(allowed(Sysno::getpid));
    assert!(!allowed(Sysno::getppid));
    assert!(allowed(Sysno::gettid));
    let admin = Context {
        capabilities: 1 << linux_raw_sys::general::CAP_SYS_ADMIN,
        kernel: (6, 2),
    };
    let f = compiled(&policy(text, &admin).unwrap());
    let allowed = |s| verdict(&f, s, [0; 6]) == SECCOMP_RET_ALLOW;
    assert!(!allowed(Sysno::chown));
    assert!(allowed(Sysno::mount));
    assert!(!allowed(Sysno::umount2));
    assert!(allowed(Sysno::getppid));
    assert!(!allowed(Sysno::gettid));
}

#[test]
fn names_of_other_architectures_are_skipped_typos_are_not() {
    let f = filter(
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names":
            ["arm_fadvise64_64", "s390_runtime_instr", "breakpoint", "_llseek", "break",
             "mkdir"],
            "action": "SCMP_ACT_ERRNO"}]}"#,
    );
    assert_eq!(verdict(&f, Sysno::mkdir, [0; 6]), RET_EPERM);
    // The syscalls crate spells x86's syscall 17 as a raw identifier;
    // profiles spell it as the kernel does.
    assert_eq!(
        error(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["r#break"], "action": "SCMP_ACT_ERRNO"}]}"#
        ),
        r#"syscalls[0].names[0]: unknown syscall r#break"#
    );
    assert_eq!(
        error(
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdri"], "action": "SCMP_ACT_ERRNO"}]}"#
        ),
        r#"syscalls[0].names[1]: unknown syscall mkdri"#
    );
}

#[test]
fn malformed_profiles_name_the_field() {
    let cases = [
        ("[]", "expected an object, not an array"),
        ("{", "expected a member name in quotes at byte 1"),
        ("{}", "defaultAction: missing"),
        (r#"{"defaultAction": "SCMP_ACT_FLY"}"#, r#"defaultAction: unknown action "SCMP_ACT_FLY""#),
        (
            r#"{"defaultAction": "SCMP_ACT_NOTIFY"}"#,
            r#"defaultAction: not supported (sct has no seccomp agent to notify): "SCMP_ACT_NOTIFY""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 4095}"#,
            "defaultErrnoRet: out of range 0 to 4094: 4095",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"]}"#,
            r#"architectures[1]: unknown architecture "SCMP_ARCH_Z80""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_NEW_LISTENER"]}"#,
            r#"flags[0]: unknown or unsupported flag "SECCOMP_FILTER_FLAG_NEW_LISTENER""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"]}]}"#,
            "syscalls[0].action: missing",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"action": "SCMP_ACT_ERRNO"}]}"#,
            "syscalls[0].names: missing",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": "read", "action": "SCMP_ACT_ERRNO"}]}"#,
            "syscalls[0].names: expected an array, not a string",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": -1}]}"#,
            "syscalls[0].errnoRet: expected a whole number from 0 to 2^64-1, not -1",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_LOG"}, {"names": [], "action": "SCMP_ACT_LOG"}, {"names": [], "action": "SCMP_ACT_LOG"}, {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}"#,
            r#"syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}"#,
            r#"syscalls[0].args[0].op: unknown operator "SCMP_CMP_FOO""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].index: not an argument (0 to 5): 6",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].value: missing",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 18446744073709551616, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].value: expected a whole number from 0 to 2^64-1, not 18446744073709551616",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "includes": {"minKernel": "six"}}]}"#,
            r#"syscalls[0].includes.minKernel: expected MAJOR.MINOR, not "six""#,
        ),
    ];
    for (text, want) in cases {
        assert_eq!(error(text), want, "{text}");
    }
}

#[test]
fn tables_overflow_with_a_message() {
    let rule = r#"{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}"#;
    let rules = std::vec![rule; MAX_RULES + 1].join(",");
    let text = std::format!(r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{rules}]}}"#);
    assert_eq!(
        error(&text),
        "syscalls[256]: too many rules for sct's table of 256"
    );
}

#[test]
fn kernel_versions() {
    assert_eq!(kernel_version(b"6.1.0-18-amd64"), Some((6, 1)));
    assert_eq!(kernel_version(b"5.10"), Some((5, 10)));
    assert_eq!(kernel_version(b"4.19rc1"), Some((4, 19)));
    assert_eq!(kernel_version(b"6"), None);
    assert_eq!(kernel_version(b"x.1"), None);
    assert_eq!(kernel_version(b"6."), None);
    assert_eq!(kernel_version(b".5"), None);
    assert_eq!(kernel_version(b"5..1"), None);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    const OPS: [&str; 7] = ["NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"];

    /// What a compare means, written plainly, for the interpreter to match.
    fn holds(op: &str, arg: u64, value: u64, two: u64) -> bool {
        match op {
            "NE" => arg != value,
            "LT" => arg < value,
            "LE" => arg <= value,
            "EQ" => arg == value,
            "GE" => arg >= value,
            "GT" => arg > value,
            _ => arg & value == two & value,
        }
    }

    fn edgy() -> impl Strategy<Value = u64> {
        prop_oneof![
            any::<u64>(),
            Just(0u64),
            Just(u64::MAX),
            Just(0xffff_ffff),
            Just(1 << 32),
            0u64..4,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 400,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// One rule of two comparisons on different arguments: the
        /// program says ERRNO exactly when both hold.
        #[test]
        fn comparisons_mean_what_they_say(
            ops in (0usize..7, 0usize..7),
            idx in (0u8..6, 0u8..6),
            values in proptest::array::uniform4(edgy()),
            args in proptest::array::uniform6(edgy()),
        ) {
            prop_assume!(idx.0 != idx.1);
            let (a, b) = (OPS[ops.0], OPS[ops.1]);
            let text = std::format!(
                r#"{{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{{"names": ["read"],
                   "action": "SCMP_ACT_ERRNO", "args": [
                   {{"index": {}, "value": {}, "valueTwo": {}, "op": "SCMP_CMP_{a}"}},
                   {{"index": {}, "value": {}, "valueTwo": {}, "op": "SCMP_CMP_{b}"}}]}}]}}"#,
                idx.0, values[0], values[1], idx.1, values[2], values[3]
            );
            let f = filter(&text);
            let both = holds(a, args[usize::from(idx.0)], values[0], values[1])
                && holds(b, args[usize::from(idx.1)], values[2], values[3]);
            let want = if both { RET_EPERM } else { SECCOMP_RET_ALLOW };
            prop_assert_eq!(verdict(&f, Sysno::read, args), want);
        }
    }
}

#[test]
fn every_action_and_flag_name_reads_as_its_value() {
    use linux_raw_sys::ptrace::*;
    for (name, action) in [
        ("KILL", SECCOMP_RET_KILL_THREAD),
        ("KILL_THREAD", SECCOMP_RET_KILL_THREAD),
        ("KILL_PROCESS", SECCOMP_RET_KILL_PROCESS),
        ("TRAP", SECCOMP_RET_TRAP),
        ("ERRNO", SECCOMP_RET_ERRNO | 7),
        ("TRACE", SECCOMP_RET_TRACE | 7),
        ("ALLOW", SECCOMP_RET_ALLOW),
        ("LOG", SECCOMP_RET_LOG),
    ] {
        let text = format!(r#"{{"defaultAction": "SCMP_ACT_{name}", "defaultErrnoRet": 7}}"#);
        assert_eq!(
            policy(&text, &CTX).unwrap().default_action,
            action,
            "{name}"
        );
    }
    for (name, flag) in [
        ("TSYNC", SECCOMP_FILTER_FLAG_TSYNC),
        ("LOG", SECCOMP_FILTER_FLAG_LOG),
        ("SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW),
    ] {
        let text = format!(
            r#"{{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_{name}"]}}"#
        );
        assert_eq!(policy(&text, &CTX).unwrap().flags, flag, "{name}");
    }
}
