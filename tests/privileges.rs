//! Capabilities, no_new_privs and the seccomp filter, seen from inside the
//! container by the probe, with the real sct on the real kernel.

mod common;

use common::{Rootfs, Sct, Spawn};

/// Docker's 14, as /proc/self/status prints a capability set.
const KEPT: &str = "00000000a80425fb";
/// Docker's 14 less NET_RAW: what a container on the host's network keeps.
const KEPT_HOST_NET: &str = "00000000a80405fb";
const NONE: &str = "0000000000000000";

fn sct() -> Sct {
    Sct {
        spawn: Spawn::Clone3,
    }
}

/// What `probe syscall ARGS...` reports inside a default container.
fn syscall_in(rootfs: &Rootfs, opts: &[&str], args: &[&str]) -> String {
    let mut cmd = vec!["/bin/probe", "syscall"];
    cmd.extend_from_slice(args);
    let out = sct().run_in(rootfs, opts, &cmd).ok();
    out.stdout.trim().to_string()
}

both_paths! {
    fn default_status_shows_kept_caps_nnp_and_filter(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("CapEff"), KEPT_HOST_NET);
        assert_eq!(out.value("CapPrm"), KEPT_HOST_NET);
        assert_eq!(out.value("CapBnd"), KEPT_HOST_NET);
        let out = sct.run_in(&rootfs, &["--net", "none"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("CapEff"), KEPT);
        assert_eq!(out.value("CapBnd"), KEPT);
        assert_eq!(out.value("CapInh"), NONE);
        assert_eq!(out.value("CapAmb"), NONE);
        assert_eq!(out.value("NoNewPrivs"), "1");
        assert_eq!(out.value("Seccomp"), "2");
    }
}

#[test]
fn kept_constant_is_dockers_14() {
    let mask = u64::from_str_radix(KEPT, 16).unwrap();
    assert_eq!(mask.count_ones(), 14);
}

#[test]
fn cap_drop_all_leaves_nothing() {
    let rootfs = Rootfs::new();
    let out = sct()
        .run_in(&rootfs, &["--cap-drop", "ALL"], &["/bin/probe", "info"])
        .ok();
    for key in ["CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"] {
        assert_eq!(out.value(key), NONE, "{key}");
    }
}

#[test]
fn cap_add_and_drop_by_any_spelling() {
    let rootfs = Rootfs::new();
    let out = sct()
        .run_in(
            &rootfs,
            &["--cap-add", "cap_sys_admin", "--cap-drop", "Net_Raw"],
            &["/bin/probe", "info"],
        )
        .ok();
    let want = (u64::from_str_radix(KEPT, 16).unwrap() | 1 << 21) & !(1 << 13);
    assert_eq!(out.value("CapEff"), format!("{want:016x}"));
    assert_eq!(out.value("CapBnd"), format!("{want:016x}"));
    // ALL is every capability this kernel has that sct holds, and no more.
    let last: u32 = std::fs::read_to_string("/proc/sys/kernel/cap_last_cap")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let own = status
        .lines()
        .find_map(|l| l.strip_prefix("CapBnd:"))
        .unwrap()
        .trim();
    let all = u64::from_str_radix(own, 16).unwrap() & ((1u64 << (last + 1)) - 1);
    let out = sct()
        .run_in(&rootfs, &["--cap-add", "ALL"], &["/bin/probe", "info"])
        .ok();
    assert_eq!(out.value("CapBnd"), format!("{all:016x}"));
    assert_eq!(out.value("CapEff"), format!("{all:016x}"));
}

#[test]
fn unknown_capability_is_a_usage_error() {
    let rootfs = Rootfs::new();
    let out = sct().run_in(&rootfs, &["--cap-drop", "CAP_FLY"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(out.stderr, "sct: unknown capability 'CAP_FLY': see capabilities(7), e.g. NET_ADMIN or ALL\nTry 'sct --help'.\n");
    let out = sct().run_in(&rootfs, &["--seccomp", "off"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --seccomp off: ENOENT (No such file or directory)\n\
         sct: hint: --seccomp takes default, unconfined or the path of a JSON profile\n"
    );
    let out = sct().run_in(
        &rootfs,
        &["--seccomp-deny", "getpid,frobnicate"],
        &["/bin/true"],
    );
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --seccomp-deny: unknown syscall 'frobnicate'\nTry 'sct --help'.\n"
    );
}

#[test]
fn denied_syscalls_fail_with_their_errno() {
    let rootfs = Rootfs::new();
    let clone_newuser_sigchld = format!("{}", 0x1000_0000u64 | 17);
    let table_end = sct::child::seccomp::TABLE_END.to_string();
    let cases: &[(&[&str], &str)] = &[
        (&["mount", "0", "0", "0", "0", "0"], "errno=EPERM"),
        (&["umount2", "0", "0"], "errno=EPERM"),
        (&["pivot_root", "0", "0"], "errno=EPERM"),
        (&["reboot", "0", "0", "0", "0"], "errno=EPERM"),
        (&["swapon", "0", "0"], "errno=EPERM"),
        (&["init_module", "0", "0", "0"], "errno=EPERM"),
        (&["finit_module", "0", "0", "0"], "errno=EPERM"),
        (&["kexec_load", "0", "0", "0", "0"], "errno=EPERM"),
        (&["bpf", "0", "0", "0"], "errno=EPERM"),
        (&["keyctl", "0", "0"], "errno=EPERM"),
        (&["io_uring_setup", "0", "0"], "errno=EPERM"),
        (&["fsopen", "0", "0"], "errno=EPERM"),
        (&["unshare", "0x10000000"], "errno=EPERM"),
        (&["setns", "0", "0"], "errno=EPERM"),
        (&["ioctl", "0", "0x5412", "0"], "errno=EPERM"),
        (&["ioctl", "0", "0x100005412", "0"], "errno=EPERM"),
        (&["ioctl", "0", "0x541c", "0"], "errno=EPERM"),
        (&["personality", "0x400000"], "errno=EPERM"),
        (&["clone3", "0", "0"], "errno=ENOSYS"),
        (
            &["clone", &clone_newuser_sigchld, "0", "0", "0", "0"],
            "errno=EPERM",
        ),
        // Beyond sct's syscall table, and nr = -1: ENOSYS.
        (&["-1"], "errno=ENOSYS"),
        (&["1000"], "errno=ENOSYS"),
        (&[&table_end], "errno=ENOSYS"),
        // Allowed: answered by the kernel itself.
        (&["ioctl", "0", "0x5401", "0"], "errno=ENOTTY"),
        (&["read", "0", "0", "0"], "result=0"),
        (&["write", "1", "0", "0"], "result=0"),
        (&["getpid"], "result=1"),
        (&["personality", "0xffffffff"], "result=0"),
    ];
    for (args, want) in cases {
        assert_eq!(syscall_in(&rootfs, &[], args), *want, "{args:?}");
    }
}

#[test]
fn ordinary_work_still_works_under_the_filter() {
    let rootfs = Rootfs::new();
    let out = sct().run_in(&rootfs, &[], &["/bin/probe", "fork"]).ok();
    assert_eq!(out.stdout, "fork=ok\n");
    // openat and read, through busybox, and a shell that forks.
    std::fs::write(rootfs.path().join("etc/greeting"), "hello\n").unwrap();
    let out = sct()
        .run_in(
            &rootfs,
            &[],
            &["/bin/sh", "-c", "cat /etc/greeting | cat; echo $(echo sub)"],
        )
        .ok();
    assert_eq!(out.stdout, "hello\nsub\n");
}

#[test]
#[cfg(target_arch = "x86_64")]
fn x32_and_int80_are_refused() {
    let rootfs = Rootfs::new();
    let out = sct()
        .run_in(&rootfs, &[], &["/bin/probe", "x32", "getpid"])
        .ok();
    assert_eq!(out.stdout, "errno=ENOSYS\n");
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", "unconfined"],
            &["/bin/probe", "x32", "getpid"],
        )
        .ok();
    if out.stdout == "errno=ENOSYS\n" {
        println!("SKIP: this kernel has no x32 support; the x32 refusal is not the filter's alone (unit tests cover the rule)");
    }
    let out = sct()
        .run_in(&rootfs, &[], &["/bin/probe", "int80", "20"])
        .ok();
    assert_eq!(out.stdout, "errno=ENOSYS\n");
    // Without the filter int 0x80 works on this host (IA32 emulation), so
    // the refusal above is the filter's doing.
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", "unconfined"],
            &["/bin/probe", "int80", "20"],
        )
        .ok();
    if out.stdout.trim() == "errno=ENOSYS" {
        println!("SKIP: this kernel has no IA32 emulation; the int 0x80 refusal is not the filter's alone");
    } else {
        assert_eq!(out.stdout, "result=1\n");
    }
}

#[test]
fn seccomp_unconfined_installs_no_filter() {
    let rootfs = Rootfs::new();
    let out = sct()
        .run_in(
            &rootfs,
            &["--seccomp", "unconfined"],
            &["/bin/probe", "info"],
        )
        .ok();
    assert_eq!(out.value("Seccomp"), "0");
    assert_eq!(out.value("NoNewPrivs"), "1");
    assert_eq!(
        syscall_in(
            &rootfs,
            &["--seccomp", "unconfined"],
            &["ioctl", "0", "0x5412", "0"]
        ),
        "errno=ENOTTY"
    );
}

#[test]
fn seccomp_deny_adds_rules() {
    let rootfs = Rootfs::new();
    assert_eq!(
        syscall_in(&rootfs, &["--seccomp-deny", "getppid,uname"], &["getppid"]),
        "errno=EPERM"
    );
    assert_eq!(
        syscall_in(&rootfs, &["--seccomp-deny=uname"], &["getppid"]),
        "result=0"
    );
}

#[test]
fn print_seccomp_writes_raw_sock_filters() {
    let dir = tempdir();
    let file = dir.join("filter.bpf");
    let out = sct().run(&[std::ffi::OsStr::new("--print-seccomp"), file.as_os_str()]);
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    let bytes = std::fs::read(&file).unwrap();
    assert!(
        !bytes.is_empty() && bytes.len() % 8 == 0,
        "{} bytes",
        bytes.len()
    );
    // The last instruction is RET ERRNO(ENOSYS): code BPF_RET|BPF_K = 0x06.
    let last = &bytes[bytes.len() - 8..];
    assert_eq!(u16::from_ne_bytes([last[0], last[1]]), 0x06);
    assert_eq!(
        u32::from_ne_bytes([last[4], last[5], last[6], last[7]]),
        0x0005_0000 | 38
    );
    let out = sct().run(&[
        std::ffi::OsStr::new("--seccomp=unconfined"),
        "--print-seccomp".as_ref(),
        file.as_os_str(),
    ]);
    assert_eq!(out.code, 0);
    assert_eq!(std::fs::read(&file).unwrap().len(), 0);
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempdir() -> std::path::PathBuf {
    let d = std::env::temp_dir().join(common::unique_token("print-seccomp"));
    std::fs::create_dir_all(&d).unwrap();
    d
}

both_paths! {
    fn user_switch_works_with_setuid_and_setgid_dropped(sct) {
        let rootfs = Rootfs::new();
        // A non-root user ends with no capabilities at all but the bounding set.
        let out = sct
            .run_in(&rootfs, &["--user", "1000:1000", "--cap-drop", "ALL"], &["/bin/sh", "-c", "id; /bin/probe info"])
            .ok();
        assert_eq!(out.stdout.lines().next(), Some("uid=1000 gid=1000"), "{out:?}");
        for key in ["CapEff", "CapPrm", "CapBnd", "CapInh", "CapAmb"] {
            assert_eq!(out.value(key), NONE, "{key}");
        }
        assert_eq!(out.value("Groups"), "");
        let out = sct.run_in(&rootfs, &["--user", "1000", "--cap-drop", "SETUID"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("uid"), out.value("gid")), ("1000".into(), "1000".into()));
        let without_setuid = u64::from_str_radix(KEPT_HOST_NET, 16).unwrap() & !(1 << 7);
        assert_eq!(out.value("CapBnd"), format!("{without_setuid:016x}"));
        for key in ["CapEff", "CapPrm", "CapInh", "CapAmb"] {
            assert_eq!(out.value(key), NONE, "{key}");
        }
        let out = sct.run_in(&rootfs, &["-u", "1000:2000", "--cap-drop", "SETGID"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("uid"), out.value("gid")), ("1000".into(), "2000".into()));
        // Root keeps the kept set, even with its group changed.
        let without_setgid = u64::from_str_radix(KEPT_HOST_NET, 16).unwrap() & !(1 << 6);
        let out = sct.run_in(&rootfs, &["--user", "0:5", "--cap-drop", "SETGID"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("uid"), out.value("gid")), ("0".into(), "5".into()));
        for key in ["CapEff", "CapPrm", "CapBnd"] {
            assert_eq!(out.value(key), format!("{without_setgid:016x}"), "{key}");
        }
        let out = sct.run_in(&rootfs, &["--user", "0"], &["/bin/probe", "info"]).ok();
        for key in ["CapEff", "CapPrm", "CapBnd"] {
            assert_eq!(out.value(key), KEPT_HOST_NET, "{key}");
        }
    }
}

#[test]
fn user_switch_keeps_pdeathsig() {
    // The credential change clears PR_SET_PDEATHSIG (prctl(2)); sct sets it
    // again, so a SIGKILLed sct still takes a non-root container with it.
    use std::io::{BufRead, BufReader};
    let rootfs = Rootfs::new();
    let token = common::unique_token("user-pdeathsig");
    let mut child = common::Running(
        sct()
            .command(&[
                "--user",
                "1000:1000",
                "--cap-drop",
                "ALL",
                rootfs.path().to_str().unwrap(),
                "/bin/probe",
                "pause",
                &token,
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line, "ready\n");
    child.kill().unwrap();
    child.wait().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let left = common::processes_with(&token);
        if left.is_empty() {
            break;
        }
        if std::time::Instant::now() > deadline {
            for pid in left {
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            }
            panic!("the container outlived sct");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

#[test]
fn mknod_needs_cap_mknod() {
    let rootfs = Rootfs::new();
    // In docker's default set, as under docker.
    let out = sct()
        .run_in(&rootfs, &[], &["/bin/probe", "mknod", "/tmp/null"])
        .ok();
    assert_eq!(out.stdout, "ok\n");
    let out = sct().run_in(
        &rootfs,
        &["--cap-drop", "MKNOD"],
        &["/bin/probe", "mknod", "/tmp/null2"],
    );
    assert_eq!((out.code, out.stdout.as_str()), (1, "error=EPERM\n"));
    assert!(!rootfs.path().join("tmp/null2").exists());
}
