//! Resource limits on this host's cgroups, as root against the real kernel.
//!
//! This build host is hybrid: every controller sct uses is a v1 hierarchy
//! under /sys/fs/cgroup/<controller>, and /sys/fs/cgroup/unified (v2) has only
//! hugetlb. So these tests exercise the v1 code; the v2 code (and
//! CLONE_INTO_CGROUP proper) needs a pure-v2 kernel (the VM harness).
//!
//! Every run is checked twice: CMD saw itself in `sct-<pid>` directly below
//! the test process's own cgroup (so no test cgroup lands anywhere else), and
//! no `sct-<pid>` directory is left afterwards.

mod common;

use std::time::Duration;

use common::*;

const CONTROLLERS: &[&str] = &["memory", "pids", "cpu", "cpuset"];

/// The test process's own cgroup for a v1 controller, from /proc/self/cgroup.
fn own_cgroup(controller: &str) -> String {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        if ctrls.split(',').any(|c| c == controller) {
            return path.trim_end_matches('/').to_string();
        }
    }
    panic!("no {controller} line in /proc/self/cgroup: {text}");
}

/// The test process's own cgroup v2 path (the `0::` line).
fn own_v2_cgroup() -> String {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("0::"))
        .expect("a 0:: line in /proc/self/cgroup");
    line[3..].trim_end_matches('/').to_string()
}

/// Where sct with `pid` makes its cgroup for `controller`.
fn container_dir(controller: &str, pid: u32) -> std::path::PathBuf {
    format!(
        "/sys/fs/cgroup/{controller}{}/sct-{pid}",
        own_cgroup(controller)
    )
    .into()
}

/// Fails unless this host has the v1 controllers these tests are written for.
fn require_v1() {
    for c in CONTROLLERS {
        let p = format!("/sys/fs/cgroup/{c}/cgroup.procs");
        assert!(
            std::path::Path::new(&p).exists(),
            "these tests need the v1 {c} hierarchy at /sys/fs/cgroup/{c}"
        );
    }
}

/// Runs sct and returns its output and pid; asserts that no cgroup of it
/// remains.
fn run(sct: Sct, rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> (Output, u32) {
    require_v1();
    let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
    args.push(rootfs.path().into());
    args.extend(cmd.iter().map(|s| s.into()));
    let child = sct
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = Output::from(child.wait_with_output().unwrap());
    assert_gone(pid);
    (out, pid)
}

fn assert_gone(pid: u32) {
    for c in CONTROLLERS {
        let dir = container_dir(c, pid);
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
    let v2 = format!("/sys/fs/cgroup/unified{}/sct-{pid}", own_v2_cgroup());
    assert!(!std::path::Path::new(&v2).exists(), "{v2} left behind");
}

/// CMD's view of its own cgroup for `controller`.
fn seen(out: &Output, controller: &str) -> String {
    out.stdout
        .lines()
        .find_map(|l| {
            let mut f = l.splitn(3, ':');
            let (_, ctrls, path) = (f.next()?, f.next()?, f.next()?);
            ctrls
                .split(',')
                .any(|c| c == controller)
                .then(|| path.to_string())
        })
        .unwrap_or_else(|| panic!("no {controller} line in {out:?}"))
}

fn assert_first_view_is_container_cgroup(sct: Sct) {
    let rootfs = Rootfs::new();
    let opts = [
        "--memory",
        "64m",
        "--pids-limit",
        "100",
        "--cpus",
        "1",
        "--cpuset-cpus",
        "0",
    ];
    let (out, pid) = run(
        sct,
        &rootfs,
        &opts,
        &["/bin/probe", "read", "/proc/self/cgroup"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    for c in CONTROLLERS {
        let own = own_cgroup(c);
        assert_eq!(
            seen(&out, c),
            format!("{own}/sct-{pid}"),
            "{c}: not in the container cgroup below ours"
        );
    }
    // The hybrid host's v2 hierarchy has none of these controllers; sct puts
    // the container in a v2 cgroup anyway, to track it. This is the
    // CLONE_INTO_CGROUP path (or its fallback) on real hardware.
    let v2 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("0:: line");
    assert_eq!(
        v2,
        format!("{}/sct-{pid}", own_v2_cgroup()),
        "not in the v2 tracking cgroup below ours"
    );
}

both_paths! {
    fn cmd_starts_inside_its_cgroup(sct) {
        assert_first_view_is_container_cgroup(sct);
    }

    fn cleanup_after_setup_failure(sct) {
        let rootfs = Rootfs::new();
        let (out, _) = run(sct, &rootfs, &["--memory", "64m"], &["/nonexistent"]);
        assert_eq!(out.code, 127, "{out:?}");
    }

    fn bad_values_are_usage_errors_and_create_nothing(sct) {
        let rootfs = Rootfs::new();
        let t = "\nTry 'sct --help'.\n";
        let cases: &[(&[&str], String)] = &[
            (&["--memory", "0"], format!("sct: --memory '0': expected a size like 512k, 20m or 1g{t}")),
            (&["--memory", "-20m"], format!("sct: --memory '-20m': expected a size like 512k, 20m or 1g{t}")),
            (&["--memory", "20q"], format!("sct: --memory '20q': expected a size like 512k, 20m or 1g{t}")),
            (&["--memory", "99999999999g"], format!("sct: --memory '99999999999g': expected a size like 512k, 20m or 1g{t}")),
            (&["--memory-swap", "-2", "--memory", "1m"], format!("sct: --memory-swap '-2': expected a size like 512m, or -1{t}")),
            (&["--memory-swap", "1g"], format!("sct: --memory-swap needs --memory{t}")),
            (&["--pids-limit", "0"], format!("sct: --pids-limit '0': expected a positive number{t}")),
            (&["--pids-limit", "-1"], format!("sct: --pids-limit '-1': expected a positive number{t}")),
            (&["--cpus", "0"], format!("sct: --cpus '0': expected a number of CPUs from 0.01, e.g. 1.5{t}")),
            (&["--cpus", "-0.5"], format!("sct: --cpus '-0.5': expected a number of CPUs from 0.01, e.g. 1.5{t}")),
            (&["--cpuset-cpus", "x"], format!("sct: --cpuset-cpus 'x': expected a CPU list like 0-2,4{t}")),
            (&["--cgroup-parent", "a/../b", "--memory", "1m"], format!("sct: --cgroup-parent 'a/../b': expected a cgroup path like /sct or a/b{t}")),
        ];
        for (opts, stderr) in cases {
            let (out, _) = run(sct, &rootfs, opts, &["/bin/true"]);
            assert_eq!(out.code, 125, "{opts:?}: {out:?}");
            assert_eq!(&out.stderr, stderr, "{opts:?}");
        }
    }
}

both_paths! {
    fn cleanup_after_cmd_is_killed_without_an_oom_line(sct) {
        let rootfs = Rootfs::new();
        let (out, _) = run(sct, &rootfs, &["--memory", "64m", "--pids-limit", "20"], &["/bin/probe", "sigkill-self"]);
        assert_eq!(out.code, 137, "{out:?}");
        assert_eq!(out.stderr, "", "a SIGKILL that is not the OOM killer's is not reported as OOM");
    }

    fn cleanup_after_sigterm_and_sigint_to_sct(sct) {
        use std::io::{BufRead, BufReader};
        require_v1();
        let rootfs = Rootfs::new();
        for name in ["TERM", "INT"] {
            let opts = ["--memory", "64m", "--pids-limit", "20", "--cpus", "1", "--cpuset-cpus", "0"];
            let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
            args.extend([rootfs.path().as_os_str().to_owned(), "/bin/probe".into(), "wait-signal".into(), name.into()]);
            let mut child = Running(sct.command(&args).stdout(std::process::Stdio::piped()).spawn().unwrap());
            let pid = child.id();
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            assert_eq!(line, "ready\n");
            for c in CONTROLLERS {
                assert!(container_dir(c, pid).exists(), "{c} cgroup missing while the container runs");
            }
            let status = std::process::Command::new("kill").args(["-s", name, &pid.to_string()]).status().unwrap();
            assert!(status.success());
            assert!(child.wait().unwrap().success());
            assert_gone(pid);
        }
    }
}

#[test]
fn memory_floor_512k() {
    // crun's published floor; sct's own measured floor is lower (README).
    let rootfs = Rootfs::new();
    for _ in 0..3 {
        let (out, _) = run(
            Sct {
                spawn: Spawn::Clone3,
            },
            &rootfs,
            &["--memory", "512k"],
            &["/bin/true"],
        );
        assert_eq!(out.code, 0, "{out:?}");
    }
}

#[test]
fn cmd_starts_inside_its_cgroup_without_clone_into_cgroup() {
    assert_first_view_is_container_cgroup(Sct {
        spawn: Spawn::NoCloneIntoCgroup,
    });
}

#[test]
fn every_container_gets_a_cgroup_unless_no_cgroup() {
    let rootfs = Rootfs::new();
    // Without a limit, for its device rule: on this hybrid host the
    // unified hierarchy's (tests/devices.rs covers v1's devices controller).
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &[],
        &["/bin/probe", "read", "/proc/self/cgroup"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v2 = out
        .stdout
        .lines()
        .find(|l| l.starts_with("0::"))
        .expect("a cgroup v2 line");
    assert!(
        v2.rsplit('/').next().unwrap().starts_with("sct-"),
        "{}",
        out.stdout
    );
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--no-cgroup"],
        &["/bin/probe", "read", "/proc/self/cgroup"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(
        out.stdout,
        std::fs::read_to_string("/proc/self/cgroup").unwrap()
    );
}

#[test]
fn memory_limit_oom_kills_with_one_line() {
    let rootfs = Rootfs::new();
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--memory", "20M"],
        &["/bin/probe", "alloc", "100"],
    );
    assert_eq!(out.code, 137, "{out:?}");
    assert_eq!(
        out.stderr,
        "sct: container killed: out of memory (limit 20M)\n"
    );
    assert!(!out.stdout.contains("allocated="), "{out:?}");
    // With --memory-swap too (v1 memory.memsw.limit_in_bytes; this host has
    // no swap, so the memory limit still decides).
    for swap in ["40m", "-1"] {
        let (out, _) = run(
            Sct {
                spawn: Spawn::Clone3,
            },
            &rootfs,
            &["--memory", "20M", "--memory-swap", swap],
            &["/bin/probe", "alloc", "100"],
        );
        assert_eq!(out.code, 137, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: container killed: out of memory (limit 20M)\n"
        );
    }
    // Under the limit the same program runs to the end.
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--memory", "64m"],
        &["/bin/probe", "alloc", "10"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.value("allocated"), "10");
}

#[test]
fn pids_limit_stops_a_fork_loop() {
    let rootfs = Rootfs::new();
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--pids-limit", "10"],
        &["/bin/probe", "spawn-loop", "50"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    // The probe itself is one of the 10 tasks.
    let spawned: usize = out.value("spawned").parse().unwrap();
    assert!(spawned <= 9, "{out:?}");
    assert_eq!(out.value("error"), "EAGAIN");
    assert_eq!(
        out.stderr,
        "sct: container reached its pids limit (10): 1 fork failed\n"
    );
}

#[test]
fn cpus_throttle() {
    use std::io::Read;
    require_v1();
    let rootfs = Rootfs::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let mut child = Running(
        sct.command(&[
            "--cpus",
            "0.2",
            rootfs.path().to_str().unwrap(),
            "/bin/probe",
            "spin",
            "3000",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap(),
    );
    let pid = child.id();
    // What the kernel counts, polled while CMD spins: how much CPU it got
    // on a busy machine says nothing.
    let stat_file = container_dir("cpu", pid).join("cpu.stat");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let mut stat = String::new();
    while child.try_wait().unwrap().is_none() && std::time::Instant::now() < deadline {
        stat = std::fs::read_to_string(&stat_file).unwrap_or_default();
        let throttled = stat
            .lines()
            .find_map(|l| l.strip_prefix("nr_throttled "))
            .and_then(|n| n.parse::<u64>().ok());
        if throttled.is_some_and(|n| n > 0) {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(
        stat.lines()
            .any(|l| l.strip_prefix("nr_throttled ").is_some_and(|n| n != "0")),
        "cpu.stat while CMD spun: {stat}"
    );
    let quota = std::fs::read_to_string(container_dir("cpu", pid).join("cpu.cfs_quota_us"));
    assert_eq!(
        quota.map(|q| q.trim().to_string()).ok(),
        Some("20000".into())
    );
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{stdout}");
    assert_gone(pid);
}

#[test]
fn cpuset_pins() {
    let rootfs = Rootfs::new();
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--cpuset-cpus", "0"],
        &["/bin/probe", "read", "/proc/self/status"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("Cpus_allowed_list:"))
        .unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some("0"));
}

#[test]
fn stale_cgroups_of_dead_sct_are_removed() {
    require_v1();
    let rootfs = Rootfs::new();
    // A pid that is certainly gone: a child we started and reaped.
    let mut c = std::process::Command::new("/bin/true").spawn().unwrap();
    let dead = c.id();
    c.wait().unwrap();
    let stale = container_dir("memory", dead);
    std::fs::create_dir(&stale).unwrap();
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &["--memory", "64m"],
        &["/bin/true"],
    );
    let left = stale.exists();
    let _ = std::fs::remove_dir(&stale);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!left, "stale {} was not removed", stale.display());
}

/// Runs sct in a private mount namespace after `umount ARGS...`, so that the
/// host's cgroup mounts look missing to it alone. The shell execs sct, so
/// the pid is sct's.
fn run_without_mounts(umount: &[&str], opts: &[&str], rootfs: &Rootfs) -> Output {
    require_v1();
    let mut script = format!("umount {} && exec {SCT}", umount.join(" "));
    for o in opts {
        script.push(' ');
        script.push_str(o);
    }
    script.push_str(&format!(" {} /bin/true", rootfs.path().display()));
    let child = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private", "sh", "-c", &script])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("unshare (util-linux)");
    let pid = child.id();
    let out = Output::from(child.wait_with_output().unwrap());
    assert_gone(pid);
    out
}

#[test]
fn unavailable_controller_is_named() {
    let rootfs = Rootfs::new();
    let out = run_without_mounts(&["/sys/fs/cgroup/pids"], &["--pids-limit", "10"], &rootfs);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr,
        "sct: cgroup controller pids: not available (neither in cgroup v2 nor mounted as v1)\n\
         sct: hint: drop this limit, or enable the controller in the kernel and mount it\n"
    );
}

#[test]
fn no_cgroup_filesystem_is_refused_unless_no_cgroup() {
    let rootfs = Rootfs::new();
    let out = run_without_mounts(&["-R", "/sys/fs/cgroup"], &[], &rootfs);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr,
        "sct: device rule: no cgroup filesystem: neither cgroup v2 nor v1's devices controller is mounted\n\
         sct: hint: sct puts every container in a cgroup of its own for its device rule; --no-cgroup runs without one (README, Security)\n"
    );
    let out = run_without_mounts(&["-R", "/sys/fs/cgroup"], &["--no-cgroup"], &rootfs);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
}
