//! `--seccomp FILE`: sct's compiled profiles against libseccomp's, and
//! what a user sees of them inside a container.
//!
//! Differential part: for podman's default profile (Debian's
//! golang-github-containers-common-dev) and the hand-written profiles in
//! tests/profiles/ (every operator on 64-bit values, every action,
//! includes/excludes on caps, arches and minKernel), the program
//! `sct --seccomp FILE --print-seccomp OUT` writes is compared with the one
//! libseccomp (python3-seccomp) builds from the same rules, applied as runc
//! applies them; both run in sct's cBPF interpreter over every syscall
//! number of the arch and beyond, nr = -1, the i386, x32 and aarch64 ABIs,
//! and argument values at and around every compared constant (both halves
//! of each 64-bit value). Every difference must be explained in
//! `EXPECTED_DIFFERENCES`.
#![cfg(target_arch = "x86_64")]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use linux_raw_sys::ptrace::{sock_filter, AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64};
use sct::child::seccomp::TABLE_END;
use sct::spec;

const PYTHON: &str = "/usr/bin/python3";
const PODMAN_PROFILE: &str =
    "/usr/share/gocode/src/github.com/containers/common/pkg/seccomp/seccomp.json";
const X32_BIT: i32 = linux_raw_sys::general::__X32_SYSCALL_BIT as i32;

/// runc's conversion of a profile for libseccomp, the reference (its
/// arguments are described in the file).
const REFERENCE: &str = include_str!("profiles/libseccomp_reference.py");

/// (what, why) for each kind of difference allowed; `classify` names them.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[];

fn classify(
    _arch: u32,
    _nr: i32,
    _args: &[u64; 6],
    _ours: u32,
    _theirs: u32,
) -> Option<&'static str> {
    None
}

fn load(path: &Path) -> Vec<sock_filter> {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() % 8 == 0 && !bytes.is_empty());
    bytes
        .chunks(8)
        .map(|c| sock_filter {
            code: u16::from_ne_bytes([c[0], c[1]]),
            jt: c[2],
            jf: c[3],
            k: u32::from_ne_bytes([c[4], c[5], c[6], c[7]]),
        })
        .collect()
}

fn data(arch: u32, nr: i32, args: [u64; 6]) -> Vec<u8> {
    let mut d = Vec::new();
    d.extend_from_slice(&nr.to_ne_bytes());
    d.extend_from_slice(&arch.to_ne_bytes());
    d.extend_from_slice(&0u64.to_ne_bytes());
    for a in args {
        d.extend_from_slice(&a.to_ne_bytes());
    }
    d
}

fn kernel() -> String {
    let release = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap();
    let mut parts = release.trim().split('.');
    let major = parts.next().unwrap();
    let minor: String = parts
        .next()
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    format!("{major}.{minor}")
}

/// `name=nr,...` for every syscall of this arch sct knows.
fn syscall_table() -> String {
    (0..TABLE_END as usize)
        .filter_map(syscalls::Sysno::new)
        .map(|s| format!("{}={}", s.name(), s.id()))
        .collect::<Vec<_>>()
        .join(",")
}

fn libseccomp_ready() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import seccomp"])
        .status()
        .is_ok_and(|s| s.success());
    common::tool_ready(
        ok,
        "libseccomp for /usr/bin/python3 (Debian's python3-seccomp)",
    )
}

/// Values at and around `v`, in both halves.
fn around(v: u64) -> Vec<u64> {
    vec![
        v,
        v.wrapping_sub(1),
        v.wrapping_add(1),
        v ^ 1 << 32,
        v & 0xffff_ffff,
        v | 0xffff_ffff_0000_0000,
        v ^ 0xffff_ffff,
        0,
        u64::MAX,
    ]
}

/// Argument vectors that exercise every comparison of `profile`: for each
/// rule, the product of the values around each of its comparisons.
fn argument_sets(profile: &serde_json::Value) -> BTreeSet<[u64; 6]> {
    let mut sets = BTreeSet::from([[0; 6], [u64::MAX; 6], [1 << 32; 6], [0xffff_ffff; 6]]);
    for rule in profile["syscalls"].as_array().into_iter().flatten() {
        let mut partial = vec![[0u64; 6]];
        for arg in rule["args"].as_array().into_iter().flatten() {
            let index = arg["index"].as_u64().unwrap() as usize;
            let value = arg["value"].as_u64().unwrap();
            let two = arg["valueTwo"].as_u64().unwrap_or(0);
            let values = if arg["op"] == "SCMP_CMP_MASKED_EQ" {
                let mut v = around(two);
                v.extend([
                    two | !value,
                    (two | !value) ^ 1 << 32,
                    two ^ (value & value.wrapping_neg()),
                ]);
                v
            } else {
                around(value)
            };
            partial = partial
                .iter()
                .flat_map(|p| {
                    values.iter().map(move |&v| {
                        let mut q = *p;
                        q[index] = v;
                        q
                    })
                })
                .collect();
        }
        sets.extend(partial);
    }
    sets
}

struct Outcome {
    ours: usize,
    theirs: usize,
    compared: usize,
}

/// Compiles `profile` both ways, with `caps` held (`--cap-drop ALL`
/// then `--cap-add` each), and compares the verdicts.
fn compare(profile: &Path, caps: &[&str]) -> Outcome {
    let dir = std::env::temp_dir().join(common::unique_token("seccomp-profiles"));
    std::fs::create_dir_all(&dir).unwrap();
    let ours_file = dir.join("sct.bpf");
    let theirs_file = dir.join("libseccomp.bpf");
    let mut sct = Command::new(common::SCT);
    sct.args(["--cap-drop", "ALL"]);
    for c in caps {
        sct.args(["--cap-add", c]);
    }
    let out = sct
        .arg("--seccomp")
        .arg(profile)
        .arg("--print-seccomp")
        .arg(&ours_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let held: Vec<String> = caps.iter().map(|c| format!("CAP_{c}")).collect();
    let out = Command::new(PYTHON)
        .args(["-c", REFERENCE])
        .arg(profile)
        .arg(&theirs_file)
        .arg(held.join(","))
        .arg(kernel())
        .arg(syscall_table())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "libseccomp: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ours = load(&ours_file);
    let theirs = load(&theirs_file);
    std::fs::remove_dir_all(&dir).unwrap();

    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(profile).unwrap()).unwrap();
    let rich = argument_sets(&json);
    let plain: Vec<[u64; 6]> = vec![[0; 6], [u64::MAX; 6]];
    let mut nrs: Vec<i32> = (0..TABLE_END as i32 + 8).collect();
    nrs.extend([-1, -2, 0x3fff_ffff, 0x4000_0000, 0x7fff_ffff, i32::MIN]);
    let abis: [(&str, u32, i32); 4] = [
        ("x86_64", AUDIT_ARCH_X86_64, 0),
        ("i386", AUDIT_ARCH_I386, 0),
        ("x32", AUDIT_ARCH_X86_64, X32_BIT),
        ("aarch64", AUDIT_ARCH_AARCH64, 0),
    ];
    let mut unexplained = Vec::new();
    let mut explained = BTreeMap::<&str, usize>::new();
    let mut compared = 0;
    for (abi, arch, bit) in abis {
        for &n in &nrs {
            let nr = if n < 0 || n >= TABLE_END as i32 + 8 {
                n
            } else {
                n | bit
            };
            let sets: Box<dyn Iterator<Item = &[u64; 6]>> = if abi == "x86_64" {
                Box::new(rich.iter())
            } else {
                Box::new(plain.iter())
            };
            for args in sets {
                let d = data(arch, nr, *args);
                let a = sct::bpf::run(&ours, &d).expect("sct's program ran off");
                let b = sct::bpf::run(&theirs, &d).expect("libseccomp's program ran off");
                compared += 1;
                if a == b {
                    continue;
                }
                match classify(arch, nr, args, a, b) {
                    Some(kind) => *explained.entry(kind).or_default() += 1,
                    None => unexplained.push(format!(
                        "{abi} nr {nr} ({}) args {args:x?}: sct {a:#x}, libseccomp {b:#x}",
                        syscalls::Sysno::new(nr as usize)
                            .map(|s| s.name())
                            .unwrap_or("?")
                    )),
                }
            }
        }
    }
    for (kind, count) in &explained {
        let why = EXPECTED_DIFFERENCES
            .iter()
            .find(|(k, _)| k == kind)
            .unwrap()
            .1;
        println!("expected difference {kind} ({count} inputs): {why}");
    }
    assert!(
        unexplained.is_empty(),
        "{}: {} unexplained differences, e.g.:\n{}",
        profile.display(),
        unexplained.len(),
        unexplained[..unexplained.len().min(40)].join("\n")
    );
    Outcome {
        ours: ours.len(),
        theirs: theirs.len(),
        compared,
    }
}

fn hand_written(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/profiles")
        .join(name)
}

/// The capabilities sct keeps by default on the host's network.
fn default_caps() -> Vec<&'static str> {
    let kept = spec::kept_mask() & !(1 << linux_raw_sys::general::CAP_NET_RAW);
    spec::CAPABILITIES
        .iter()
        .filter(|(_, n)| kept & 1 << n != 0)
        .map(|(name, _)| *name)
        .collect()
}

#[test]
fn podmans_default_profile_same_verdicts_as_libseccomp() {
    if !libseccomp_ready() {
        return;
    }
    let present = Path::new(PODMAN_PROFILE).exists();
    if !common::tool_ready(
        present,
        "podman's default profile (Debian's golang-github-containers-common-dev)",
    ) {
        return;
    }
    let all: Vec<&str> = spec::CAPABILITIES.iter().map(|(n, _)| *n).collect();
    for caps in [default_caps(), vec![], all] {
        let o = compare(Path::new(PODMAN_PROFILE), &caps);
        println!(
            "podman's profile, {} capabilities: sct {} instructions, libseccomp {}; {} inputs compared",
            caps.len(),
            o.ours,
            o.theirs,
            o.compared
        );
    }
}

#[test]
fn every_operator_same_verdicts_as_libseccomp() {
    if !libseccomp_ready() {
        return;
    }
    let o = compare(&hand_written("ops.json"), &default_caps());
    println!(
        "ops.json: sct {} instructions, libseccomp {}; {} inputs compared",
        o.ours, o.theirs, o.compared
    );
}

#[test]
fn every_action_and_filter_same_verdicts_as_libseccomp() {
    if !libseccomp_ready() {
        return;
    }
    for caps in [
        vec!["SYS_ADMIN"],
        vec!["SYS_CHROOT"],
        vec!["SYS_ADMIN", "SYS_CHROOT"],
        vec![],
    ] {
        let o = compare(&hand_written("actions.json"), &caps);
        println!(
            "actions.json with {caps:?}: sct {} instructions, libseccomp {}; {} inputs compared",
            o.ours, o.theirs, o.compared
        );
    }
}

// What a user sees inside a container.

fn sct() -> common::Sct {
    common::Sct {
        spawn: common::Spawn::Clone3,
    }
}

/// Writes `text` as a profile beside the rootfs (outside the container).
fn profile_file(rootfs: &common::Rootfs, name: &str, text: &str) -> String {
    let path = rootfs.outside().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn errno_ret_reaches_the_program_and_args_select_calls() {
    let rootfs = common::Rootfs::new();
    let p = profile_file(
        &rootfs,
        "p.json",
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
            {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38},
            {"names": ["socket"], "action": "SCMP_ACT_ERRNO", "errnoRet": 97,
             "args": [{"index": 0, "value": 10, "op": "SCMP_CMP_EQ"}]}
        ]}"#,
    );
    let probe = |args: &[&str]| {
        let mut cmd = vec!["/bin/probe", "syscall"];
        cmd.extend(args);
        sct().run_in(&rootfs, &["--seccomp", &p], &cmd).ok()
    };
    assert_eq!(probe(&["mkdir", "0", "0"]).value("errno"), "ENOSYS");
    // socket(AF_INET6, SOCK_STREAM, 0) refused, socket(AF_INET, ...) not.
    assert_eq!(
        probe(&["socket", "10", "1", "0"]).value("errno"),
        "EAFNOSUPPORT"
    );
    assert!(probe(&["socket", "2", "1", "0"])
        .values()
        .contains_key("result"));
    // The high half of the argument counts, as in libseccomp.
    let high = (10u64 | 1 << 32).to_string();
    let out = probe(&["socket", &high, "1", "0"]);
    assert_ne!(
        out.values().get("errno").map(String::as_str),
        Some("EAFNOSUPPORT")
    );
    // busybox as a user runs it.
    let out = sct().run_in(&rootfs, &["--seccomp", &p], &["/bin/mkdir", "/tmp/d"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("Function not implemented"), "{out:?}");
}

#[test]
fn kill_process_ends_cmd_with_sigsys() {
    let rootfs = common::Rootfs::new();
    let p = profile_file(
        &rootfs,
        "p.json",
        r#"{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_LOG"],
            "syscalls": [{"names": ["getppid"], "action": "SCMP_ACT_KILL_PROCESS"}]}"#,
    );
    let out = sct().run_in(
        &rootfs,
        &["--seccomp", &p],
        &["/bin/probe", "syscall", "getppid"],
    );
    assert_eq!(out.code, 128 + 31, "{out:?}");
    let out = sct().run_in(
        &rootfs,
        &["--seccomp", &p],
        &["/bin/probe", "syscall", "getpid"],
    );
    assert_eq!(out.ok().value("result"), "1");
    // Under --init the init keeps sct's own filter; CMD gets the profile.
    let out = sct().run_in(
        &rootfs,
        &["--init", "--seccomp", &p],
        &["/bin/probe", "syscall", "getppid"],
    );
    assert_eq!(out.code, 128 + 31, "{out:?}");
}

#[test]
fn podmans_default_profile_runs_a_shell_session() {
    let present = Path::new(PODMAN_PROFILE).exists();
    if !common::tool_ready(
        present,
        "podman's default profile (Debian's golang-github-containers-common-dev)",
    ) {
        return;
    }
    let rootfs = common::Rootfs::new();
    let script = "cd /tmp && echo hi > f && cat f && mkdir d && mv f d/g && ls d \
                  && rm -r d && ps >/dev/null && sleep 0 && sh -c 'exit 3'; echo status=$?";
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", PODMAN_PROFILE],
            &["/bin/sh", "-c", script],
        )
        .ok();
    assert_eq!(out.stdout, "hi\ng\nstatus=3\n", "{out:?}");
    // chroot is allowed with CAP_SYS_CHROOT in the bounding set (EFAULT:
    // the kernel read the null path) and refused by the filter without.
    let chroot = |opts: &[&str]| {
        let mut all = vec!["--seccomp", PODMAN_PROFILE];
        all.extend(opts);
        let cmd = ["/bin/probe", "syscall", "chroot", "0"];
        sct().run_in(&rootfs, &all, &cmd).ok().value("errno")
    };
    assert_eq!(chroot(&[]), "EFAULT");
    assert_eq!(chroot(&["--cap-drop", "SYS_CHROOT"]), "EPERM");
    // What the profile refuses by name, and what it does not name at all
    // (ENOSYS, its default).
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", PODMAN_PROFILE],
            &["/bin/probe", "syscall", "kexec_load", "0", "0", "0", "0"],
        )
        .ok();
    assert_eq!(out.value("errno"), "EPERM");
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", PODMAN_PROFILE],
            &["/bin/probe", "syscall", "io_uring_setup", "0", "0"],
        )
        .ok();
    assert_eq!(out.value("errno"), "ENOSYS");
}

#[test]
fn malformed_profiles_exit_125_naming_the_field() {
    let dir = std::env::temp_dir().join(common::unique_token("seccomp-bad"));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("{\"defaultAction\": ", "a value is missing at byte 18"),
        (
            r#"{"defaultAction": "SCMP_ACT_NOPE"}"#,
            r#"defaultAction: unknown action "SCMP_ACT_NOPE""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1},
                {"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_FOO"}]}]}"#,
            r#"syscalls[3].args[0].op: unknown operator "SCMP_CMP_FOO""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]}"#,
            "syscalls[0].args[0].index: not an argument (0 to 5): 7",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ERRNO", "errnoRet": 70000}]}"#,
            "syscalls[0].errnoRet: out of range 0 to 4094: 70000",
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]}"#,
            r#"syscalls[0].action: not supported (sct has no seccomp agent to notify): "SCMP_ACT_NOTIFY""#,
        ),
        (
            r#"{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["raed"], "action": "SCMP_ACT_ERRNO"}]}"#,
            "syscalls[0].names[0]: unknown syscall raed",
        ),
    ];
    for (i, (text, want)) in cases.iter().enumerate() {
        let path = dir.join(format!("{i}.json"));
        std::fs::write(&path, text).unwrap();
        let out = Command::new(common::SCT)
            .arg("--seccomp")
            .arg(&path)
            .arg("--print-seccomp")
            .arg(dir.join("out"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(125), "{text}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("sct: --seccomp {}: {want}\n", path.display()),
            "{text}"
        );
    }
    let out = Command::new(common::SCT)
        .args(["--seccomp", "/nonexistent/p.json", "--print-seccomp"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(125));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "sct: --seccomp /nonexistent/p.json: ENOENT (No such file or directory)\n\
         sct: hint: --seccomp takes default, unconfined or the path of a JSON profile\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A profile that answers every call but getpid with EPERM: execve fails,
/// and so do the child's write of why and its exit_group. sct's child then
/// ends by exit(2) or a trap instead of retrying exit_group for ever at
/// full CPU, with sct waiting behind it.
#[test]
fn a_profile_that_denies_exit_does_not_hang_sct() {
    let rootfs = common::Rootfs::new();
    let p = profile_file(
        &rootfs,
        "deny-all.json",
        r#"{"defaultAction": "SCMP_ACT_ERRNO",
            "syscalls": [{"names": ["getpid"], "action": "SCMP_ACT_ALLOW"}]}"#,
    );
    let mut args = vec![
        "--seccomp".into(),
        p.into(),
        rootfs.path().as_os_str().to_owned(),
    ];
    args.extend(["/bin/sh", "-c", "echo ran"].map(std::ffi::OsString::from));
    let out = common::output_within(
        sct().command(&args),
        "sct under a profile denying exit_group",
    );
    // The trap's SIGILL: 128 + 4.
    assert_eq!(out.code, 132, "{out:?}");
    assert!(!out.stdout.contains("ran"), "{out:?}");
}
