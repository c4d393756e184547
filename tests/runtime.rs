//! The core runtime, end to end: the real sct binary, as root, against the
//! real kernel, in a rootfs built per test. Each test runs on both spawn
//! paths (clone3, and the classic clone of kernels before 5.3).

mod common;

use std::process::Stdio;

use common::*;

both_paths! {
    fn cmd_is_pid_1_with_no_parent(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("pid"), "1");
        assert_eq!(out.value("ppid"), "0");
        assert_eq!(out.value("cwd"), "/");
    }

    fn hostname_is_set_inside_only(sct) {
        let rootfs = Rootfs::new();
        let host_before = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
        assert_eq!(sct.run_in(&rootfs, &[], &["/bin/probe", "info"]).ok().value("hostname"), "sct");
        let out = sct.run_in(&rootfs, &["--hostname", "box-1"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("hostname"), "box-1");
        assert_eq!(std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap(), host_before);
    }

    fn namespaces_are_new(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "info"]).ok();
        for ns in ["pid", "mnt", "uts", "ipc"] {
            assert_ne!(out.value(&format!("ns.{ns}")), host_ns(ns), "{ns} namespace is the host's");
        }
        assert_eq!(out.value("ns.net"), host_ns("net"), "--net host is the default");
        let out = sct.run_in(&rootfs, &["--net", "none"], &["/bin/probe", "info"]).ok();
        assert_ne!(out.value("ns.net"), host_ns("net"));
    }

    fn net_none_has_only_loopback_and_it_is_up(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--net=none"], &["/bin/probe", "net"]).ok();
        assert_eq!(out.value("interfaces"), "lo");
        assert_eq!(out.value("loopback"), "up");
    }

    fn host_files_are_unreachable(sct) {
        let rootfs = Rootfs::new();
        let marker = rootfs.outside().join("marker-outside");
        assert!(marker.exists());
        let script = format!(
            "cat /marker-outside /../marker-outside /../../marker-outside {} 2>/dev/null; cd /..; ls; ls /proc/1/root/..",
            marker.display()
        );
        let out = sct.run_in(&rootfs, &[], &["/bin/sh", "-c", &script]);
        assert!(!out.stdout.contains("host secret"), "host file read from inside: {out:?}");
        // `..` of `/` is `/`: the listing is the rootfs's own.
        assert!(out.stdout.lines().all(|l| ["bin", "dev", "etc", "proc", "sys", "tmp"].contains(&l)), "{out:?}");
        // Exactly the container's own mounts. Nothing of the host's tree.
        let mounts = sct.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/mountinfo"]).ok();
        let points: Vec<&str> = mounts.stdout.lines().map(|l| l.split(' ').nth(4).unwrap()).collect();
        // The masked and read-only paths that exist on this host follow.
        assert_eq!(points[..7], ["/", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue"], "{}", mounts.stdout);
        let hardened = ["/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap", "/proc/bus", "/proc/fs", "/proc/irq",
            "/proc/sys", "/proc/sysrq-trigger"];
        let expected: Vec<&str> =
            hardened.iter().copied().filter(|p| std::path::Path::new(p).symlink_metadata().is_ok()).collect();
        assert_eq!(points[7..], expected[..], "{}", mounts.stdout);
    }

    fn proc_shows_only_the_container(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "pids"]).ok();
        assert_eq!(out.value("pids"), "1");
        let out = sct.run_in(&rootfs, &[], &["/bin/sh", "-c", "/bin/probe pids; true"]).ok();
        assert_eq!(out.value("pids"), "1,2");
    }

    fn exit_codes_follow_docker(sct) {
        let rootfs = Rootfs::new();
        for code in [0, 1, 42, 255] {
            let out = sct.run_in(&rootfs, &[], &["/bin/probe", "exit", &code.to_string()]);
            assert_eq!(out.code, code, "{out:?}");
            assert_eq!(out.stderr, "");
        }
        std::fs::write(rootfs.path().join("bin/not-executable"), "#!/bin/sh\n").unwrap();
        let out = sct.run_in(&rootfs, &[], &["/bin/not-executable"]);
        assert_eq!(out.code, 126, "{out:?}");
        assert_eq!(out.stderr.lines().next(), Some("sct: exec /bin/not-executable: EACCES (Permission denied)"));
        let out = sct.run_in(&rootfs, &[], &["no-such-command"]);
        assert_eq!(out.code, 127, "{out:?}");
        assert_eq!(out.stderr.lines().next(), Some("sct: exec no-such-command: ENOENT (No such file or directory)"));
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "sigkill-self"]);
        assert_eq!(out.code, 137, "{out:?}");
    }

    fn command_is_searched_in_the_containers_path(sct) {
        let rootfs = Rootfs::new();
        // `probe` is only in the rootfs's /bin, never on the host's PATH.
        let out = sct.run_in(&rootfs, &[], &["probe", "exit", "7"]);
        assert_eq!(out.code, 7, "{out:?}");
        let out = sct.run_in(&rootfs, &[], &["probe", "env"]).ok();
        let mut env: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with("TERM=")).collect();
        env.sort();
        assert_eq!(env, ["HOME=/", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=sct"]);
    }

    fn only_stdio_fds_reach_the_command(sct) {
        let rootfs = Rootfs::new();
        // Hand sct extra inherited descriptors (no close-on-exec) on purpose.
        let mut c = std::process::Command::new("/bin/sh");
        let inner = sct.command(&[rootfs.path().as_os_str(), "/bin/probe".as_ref(), "info".as_ref()]);
        let mut line = format!("exec 7</etc/hostname 9>/dev/null; exec '{}'", inner.get_program().to_str().unwrap());
        for a in inner.get_args() {
            line += &format!(" '{}'", a.to_str().unwrap());
        }
        c.args(["-c", &line]);
        let out = Output::from(c.output().unwrap()).ok();
        assert_eq!(out.value("fds"), "0,1,2");
    }

    fn host_mount_table_is_unchanged_after_50_runs(sct) {
        let rootfs = Rootfs::new();
        let before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        for _ in 0..50 {
            sct.run_in(&rootfs, &["--net", "none"], &["/bin/true"]).ok();
        }
        sct.run_in(&rootfs, &[], &["no-such-command"]);
        let after = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        assert_eq!(before, after);
    }

    fn sigkill_of_sct_kills_the_container(sct) {
        let rootfs = Rootfs::new();
        let token = unique_token("orphan");
        let (mut child, _) = sct.start_ready(&[rootfs.path().as_os_str(), "/bin/probe".as_ref(), "pause".as_ref(), token.as_ref()]);
        let sct_pid = child.id();
        let container: Vec<u32> = processes_with(&token).into_iter().filter(|&p| p != sct_pid).collect();
        assert_eq!(container.len(), 1, "the container should be running");
        child.kill().unwrap();
        child.wait().unwrap();
        assert_processes_gone(&token);
    }

    fn signals_to_sct_reach_the_command(sct) {
        assert_signals_reach_the_command(sct, &Rootfs::new(), &[]);
    }

    fn setup_failure_is_reported_once_with_125(sct) {
        let rootfs = Rootfs::new();
        // A hostname the kernel refuses only inside the child: 65 bytes is
        // caught by the parser, so break the mount of /proc instead.
        std::fs::remove_dir(rootfs.path().join("proc")).unwrap();
        std::fs::write(rootfs.path().join("proc"), "not a directory").unwrap();
        let out = sct.run_in(&rootfs, &[], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(out.stderr, "sct: mount /proc: ENOTDIR (Not a directory)\n");
    }
}

#[test]
fn misuse_gets_one_line_and_exit_125() {
    let rootfs = Rootfs::new();
    let r = rootfs.path().to_str().unwrap();
    let file = rootfs.path().join("bin/probe");
    let file = file.to_str().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["--frob", r, "true"], "sct: unknown option '--frob'\nTry 'sct --help'.\n"),
        (&[], "sct: missing ROOTFS and CMD\nTry 'sct --help'.\n"),
        (&[r], &format!("sct: missing CMD after ROOTFS '{r}'\nTry 'sct --help'.\n")),
        (&["--net", "bridge", r, "true"], "sct: --net 'bridge': expected host or none\nTry 'sct --help'.\n"),
        (&["--hostname"], "sct: option '--hostname' needs a value\nTry 'sct --help'.\n"),
        (&[r, ""], "sct: CMD is empty\nTry 'sct --help'.\n"),
        (
            &["/nonexistent-rootfs", "true"],
            "sct: rootfs /nonexistent-rootfs: ENOENT (No such file or directory)\nsct: hint: ROOTFS is a directory holding the container's files, e.g. an unpacked image\n",
        ),
        (
            &[file, "true"],
            &format!("sct: rootfs {file}: ENOTDIR (Not a directory)\nsct: hint: ROOTFS must be a directory; unpack an image or tarball into one first\n"),
        ),
    ];
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    for (args, stderr) in cases {
        let out = sct.run(args);
        assert_eq!(
            (out.code, out.stderr.as_str(), out.stdout.as_str()),
            (125, *stderr, ""),
            "sct {args:?}"
        );
    }
}

#[test]
fn help_and_version() {
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let out = sct.run(&["--help"]).ok();
    assert!(out
        .stdout
        .starts_with("Usage: sct [OPTIONS] ROOTFS CMD [ARGS...]\n"));
    for opt in ["--hostname", "--net", "--help", "--version"] {
        assert!(out.stdout.contains(opt), "{opt} missing from --help");
    }
    let out = sct.run(&["-V"]).ok();
    assert_eq!(out.stdout, format!("sct {}\n", env!("CARGO_PKG_VERSION")));
}

/// Run by an ordinary user (nobody: no /etc/subuid range, so the single
/// mapping) sct runs rootless (tests/rootless.rs has the rest); an image
/// owned by root must then hold its mount points, which root in the user
/// namespace may not create.
#[test]
fn without_root_a_root_owned_image_needs_its_mount_points() {
    let rootfs = Rootfs::new();
    let r = rootfs.path().to_str().unwrap();
    let setpriv = [
        "setpriv",
        "--reuid=65534",
        "--regid=65534",
        "--clear-groups",
    ];
    let fake = [
        probe().to_str().unwrap(),
        "fake-old-kernel",
        "no-clone3",
        "--",
    ];
    for wrapper in [&[][..], &fake[..]] {
        let command: Vec<&str> = wrapper.iter().chain(&setpriv).copied().collect();
        let run = || {
            Output::from(
                std::process::Command::new(command[0])
                    .args(&command[1..])
                    .arg(SCT)
                    .args([r, "/bin/probe", "info"])
                    .output()
                    .unwrap(),
            )
        };
        let out = run();
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (
                125,
                "sct: mkdir /sys: EACCES (Permission denied)\n\
                 sct: hint: in a user namespace the container's root may create nothing in a ROOTFS another user owns: create the directory, or use a ROOTFS you own\n"
            ),
            "{wrapper:?}"
        );
        for d in ["sys", "dev"] {
            std::fs::create_dir_all(rootfs.path().join(d)).unwrap();
        }
        let out = run().ok();
        assert_eq!(out.value("uid"), "0");
        for d in ["sys", "dev"] {
            std::fs::remove_dir(rootfs.path().join(d)).unwrap();
        }
    }
}

/// An interactive shell on a terminal (a pty from script(1)) reads and
/// writes it, although it is not its controlling terminal.
#[test]
fn interactive_shell_on_a_terminal_works() {
    use std::io::Write;
    let rootfs = Rootfs::new();
    let line = format!("{SCT} {} /bin/sh -i", rootfs.path().display());
    let mut child = std::process::Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("script(1) from util-linux");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo hi-from-$(hostname)\nexit 3\n")
        .unwrap();
    let out = Output::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 3, "{out:?}");
    assert!(out.stdout.contains("\nhi-from-sct"), "{out:?}");
}

/// A terminal on stdin stays usable inside: it is a tty (TCGETS), its
/// window size reads (TIOCGWINSZ), and a line typed into it reaches CMD.
/// It is not CMD's controlling terminal (sct calls setsid): /dev/tty gives
/// ENXIO and TIOCSCTTY EPERM (the caller's session owns it); its
/// /proc/self/fd/0 path is the host's devpts name, absent from the
/// container's own devpts instance.
#[test]
fn terminal_on_stdin_works_inside() {
    use std::io::{BufRead, BufReader, Write};
    let rootfs = Rootfs::new();
    let line = format!(
        "stty rows 33 cols 99; {SCT} {} /bin/probe tty",
        rootfs.path().display()
    );
    let mut child = Running(
        std::process::Command::new("script")
            .args(["-qec", &line, "/dev/null"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("script(1) from util-linux"),
    );
    let mut stdin = child.stdin.take().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut seen = vec![];
    loop {
        let mut l = String::new();
        assert_ne!(
            out.read_line(&mut l).unwrap(),
            0,
            "EOF before ready: {seen:?}"
        );
        let l = l.trim_end().to_string();
        seen.push(l.clone());
        if l == "ready" {
            break;
        }
    }
    stdin.write_all(b"typed into the pty\n").unwrap();
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut out, &mut rest).unwrap();
    drop(stdin);
    let status = child.wait().unwrap();
    assert!(status.success(), "{seen:?} {rest:?}");
    // The pty echoes the typed line, then the probe reports it.
    seen.extend(rest.lines().map(|l| l.trim_end().to_string()));
    let value = |key: &str| {
        seen.iter()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in {seen:?}"))
            .to_string()
    };
    assert_eq!(value("tcgets"), "ok");
    assert_eq!(value("winsize"), "33x99");
    assert_eq!(value("line"), "typed into the pty");
    assert_eq!(value("tty_nr"), "0");
    assert_eq!(value("dev_tty"), "ENXIO");
    assert_eq!(value("tiocsctty"), "EPERM");
    assert!(value("stdin").starts_with("/dev/pts/"), "{seen:?}");
    assert_eq!(value("stdin_inside"), "ENOENT");
}
