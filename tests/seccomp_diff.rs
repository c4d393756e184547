//! Differential test: sct's filter (as `sct --print-seccomp` writes it)
//! against one libseccomp generates for the same policy, both run in sct's
//! cBPF interpreter over every syscall number 0..500, nr = -1 and the
//! x86_64, i386, x32 and aarch64 ABIs. Every difference must be in
//! `EXPECTED_DIFFERENCES`, with its reason; any other fails the test.
//!
//! libseccomp comes from Debian's python3-seccomp, run by Debian's
//! /usr/bin/python3 (build/test installs it).
#![cfg(target_arch = "x86_64")]

mod common;

use linux_raw_sys::ptrace::{
    sock_filter, AUDIT_ARCH_AARCH64, AUDIT_ARCH_I386, AUDIT_ARCH_X86_64, SECCOMP_RET_ALLOW,
};
use sct::child::seccomp::{RET_ENOSYS, RET_EPERM, TABLE_END};
use sct::spec;
use syscalls::Sysno;

const PYTHON: &str = "/usr/bin/python3";
const X32_BIT: i32 = linux_raw_sys::general::__X32_SYSCALL_BIT as i32;

/// The same policy for libseccomp: argv = output file, EPERM names,
/// namespace flags, denied ioctls.
const LIBSECCOMP_POLICY: &str = r#"
import sys, seccomp as s
out, names, ns, ioctls = sys.argv[1], sys.argv[2].split(','), int(sys.argv[3]), sys.argv[4].split(',')
f = s.SyscallFilter(defaction=s.ALLOW)
f.set_attr(s.Attr.ACT_BADARCH, s.ERRNO(38))
for n in names:
    name, nr = n.split('=')
    try:
        f.add_rule(s.ERRNO(1), name)
    except (RuntimeError, ValueError):
        f.add_rule(s.ERRNO(1), int(nr))  # newer than this libseccomp: by number
f.add_rule(s.ERRNO(38), "clone3")
bit = 1
while bit < (1 << 32):
    if ns & bit:
        f.add_rule(s.ERRNO(1), "clone", s.Arg(0, s.MASKED_EQ, bit, bit))
    bit <<= 1
for r in ioctls:
    f.add_rule(s.ERRNO(1), "ioctl", s.Arg(1, s.MASKED_EQ, 0xffffffff, int(r)))
with open(out, "wb") as fh:
    f.export_bpf(fh)
"#;

/// (what, why) for each kind of difference allowed; `classify` names them.
const EXPECTED_DIFFERENCES: &[(&str, &str)] = &[
    (
        "minus-one",
        "nr = -1: sct answers ENOSYS, as the kernel itself does, so a tracer's skip stays a skip; \
         libseccomp passes -1 to the rules and so applies its default action, ALLOW",
    ),
    (
        "beyond-table",
        "native nr at or beyond the end of sct's syscall table: sct answers ENOSYS so libcs fall back \
         (runc does the same); libseccomp's default action is ALLOW",
    ),
    (
        "personality",
        "personality with a value outside Docker's list: sct answers EPERM; libseccomp cannot say \
         'EPERM unless arg0 is one of these' in an ALLOW-default filter (one comparison per argument \
         per rule; Docker gets it from ALLOW rules in an ERRNO-default profile), so its policy here \
         leaves personality allowed. sct's rule is checked in its unit tests",
    ),
    (
        "device-node",
        "mknod/mknodat of a char or block node outside the device rule: sct answers EPERM; as with \
         personality, 'EPERM unless dev is one of these' is beyond one ALLOW-default libseccomp rule, \
         so its policy leaves mknod allowed. sct's rule is checked in its unit tests and tests/devices.rs",
    ),
];

fn classify(arch: u32, nr: i32, args: &[u64; 6], ours: u32, theirs: u32) -> Option<&'static str> {
    if arch == AUDIT_ARCH_X86_64
        && nr == Sysno::personality.id()
        && ours == RET_EPERM
        && theirs == SECCOMP_RET_ALLOW
        && !spec::ALLOWED_PERSONALITIES
            .iter()
            .any(|&p| u64::from(p) == args[0] & 0xffff_ffff)
    {
        return Some("personality");
    }
    let (mode, dev) = match Sysno::new(nr as usize) {
        Some(Sysno::mknodat) => (args[2], args[3]),
        Some(Sysno::mknod) => (args[1], args[2]),
        _ => (0, 0),
    };
    let kind = mode as u32 & linux_raw_sys::general::S_IFMT;
    if arch == AUDIT_ARCH_X86_64
        && ours == RET_EPERM
        && theirs == SECCOMP_RET_ALLOW
        && (kind == linux_raw_sys::general::S_IFCHR || kind == linux_raw_sys::general::S_IFBLK)
        && ![(1, 3), (1, 5), (5, 2)]
            .iter()
            .any(|&(ma, mi)| u64::from(sct::devices::encode_dev(ma, mi)) == dev & 0xffff_ffff)
    {
        return Some("device-node");
    }
    if arch == AUDIT_ARCH_X86_64 && ours == RET_ENOSYS && theirs == SECCOMP_RET_ALLOW {
        if nr == -1 {
            return Some("minus-one");
        }
        if nr >= TABLE_END as i32 {
            return Some("beyond-table");
        }
    }
    None
}

fn load(path: &std::path::Path) -> Vec<sock_filter> {
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

#[test]
fn same_actions_as_libseccomp_except_listed() {
    let has_libseccomp = std::process::Command::new(PYTHON)
        .args(["-c", "import seccomp"])
        .status();
    let ready = matches!(has_libseccomp, Ok(s) if s.success());
    if !common::tool_ready(
        ready,
        "libseccomp for /usr/bin/python3 (Debian's python3-seccomp)",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(common::unique_token("seccomp-diff"));
    std::fs::create_dir_all(&dir).unwrap();
    let ours_file = dir.join("sct.bpf");
    let theirs_file = dir.join("libseccomp.bpf");

    let out = std::process::Command::new(common::SCT)
        .arg("--print-seccomp")
        .arg(&ours_file)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let names: Vec<String> = spec::DENIED_SYSCALLS
        .iter()
        .map(|&nr| format!("{}={nr}", syscalls::Sysno::from(nr).name()))
        .collect();
    let ioctls: Vec<String> = spec::DENIED_IOCTLS.iter().map(|r| r.to_string()).collect();
    let out = std::process::Command::new(PYTHON)
        .args(["-c", LIBSECCOMP_POLICY])
        .arg(&theirs_file)
        .arg(names.join(","))
        .arg(spec::CLONE_NAMESPACE_FLAGS.to_string())
        .arg(ioctls.join(","))
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
    println!(
        "sct: {} instructions; libseccomp: {} instructions",
        ours.len(),
        theirs.len()
    );

    let sigchld = u64::from(linux_raw_sys::general::SIGCHLD);
    let sti = u64::from(linux_raw_sys::ioctl::TIOCSTI);
    let arg_sets: Vec<[u64; 6]> = vec![
        [0; 6],
        [sigchld, 0, 0, 0, 0, 0],
        [
            sigchld | u64::from(linux_raw_sys::general::CLONE_NEWUSER),
            0,
            0,
            0,
            0,
            0,
        ],
        [
            u64::from(linux_raw_sys::general::CLONE_NEWNS),
            0,
            0,
            0,
            0,
            0,
        ],
        [0, sti, 0, 0, 0, 0],
        [0, sti | 1 << 32, 0, 0, 0, 0],
        [0, u64::from(linux_raw_sys::ioctl::TIOCLINUX), 0, 0, 0, 0],
        [0, u64::from(linux_raw_sys::ioctl::TCGETS), 0, 0, 0, 0],
    ];
    // mknod(path, mode, dev) and mknodat(dirfd, path, mode, dev): a regular
    // file, /dev/null, ptmx, zero (allowed), and the host's disk and kmsg.
    let (chr, blk) = (
        u64::from(linux_raw_sys::general::S_IFCHR),
        u64::from(linux_raw_sys::general::S_IFBLK),
    );
    let dev = |ma, mi| u64::from(sct::devices::encode_dev(ma, mi));
    let mut arg_sets = arg_sets;
    for (mode, d) in [
        (0o644, 0),
        (chr, dev(1, 3)),
        (chr, dev(5, 2)),
        (chr, dev(1, 5)),
        (blk, dev(7, 0)),
        (chr, dev(1, 11)),
    ] {
        arg_sets.push([0, mode, d, 0, 0, 0]);
        arg_sets.push([0, 0, mode, d, 0, 0]);
    }
    let mut nrs: Vec<i32> = (0..500).collect();
    nrs.push(-1);
    let abis: [(&str, u32, i32); 4] = [
        ("x86_64", AUDIT_ARCH_X86_64, 0),
        ("i386", AUDIT_ARCH_I386, 0),
        ("x32", AUDIT_ARCH_X86_64, X32_BIT),
        ("aarch64", AUDIT_ARCH_AARCH64, 0),
    ];
    let mut unexplained = Vec::new();
    let mut explained = std::collections::BTreeMap::<&str, usize>::new();
    let mut compared = 0;
    for (abi, arch, bit) in abis {
        for &n in &nrs {
            let nr = if n == -1 { -1 } else { n | bit };
            for args in &arg_sets {
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
                        Sysno::new(nr as usize).map(|s| s.name()).unwrap_or("?")
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
    println!("{compared} inputs compared");
    assert!(
        unexplained.is_empty(),
        "{} unexplained differences:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    // Both kinds must really occur, or the explanations are stale.
    for (kind, _) in EXPECTED_DIFFERENCES {
        assert!(
            explained.contains_key(kind),
            "listed difference {kind} no longer occurs; update the list"
        );
    }
    // A sanity check that the comparison compares something.
    assert_eq!(
        sct::bpf::run(&theirs, &data(AUDIT_ARCH_X86_64, Sysno::mount.id(), [0; 6])),
        Some(RET_EPERM)
    );
}
