//! Resource limits on this host's cgroups, as root against the real kernel.
//!
//! Each test runs against the layout the host has (`Layout`): pure cgroup v2
//! (the VM, where tests/vm.rs runs this file, and current distributions),
//! hybrid (this build host: every controller sct uses is a v1 hierarchy under
//! /sys/fs/cgroup/<controller>, and /sys/fs/cgroup/unified has only hugetlb)
//! or v1 alone. What a test asserts through v1 files there it asserts through
//! the v2 files on pure v2.
//!
//! Every run is checked twice: CMD saw itself in `sct-<pid>` directly below
//! the cgroup the test chose (`Place`: its own, or on pure v2 one it made),
//! so no test cgroup lands anywhere else, and no `sct-<pid>` directory is
//! left afterwards.

mod common;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use common::*;

const CONTROLLERS: &[&str] = &["memory", "pids", "cpu", "cpuset"];

/// The cgroup layout of the host, from the cgroup2 mount's place.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// cgroup2 at /sys/fs/cgroup, with every controller.
    V2,
    /// v1 controllers at /sys/fs/cgroup/<controller>, cgroup2 (tracking
    /// only) at /sys/fs/cgroup/unified.
    Hybrid,
    /// v1 controllers, no cgroup2.
    V1,
}

fn layout() -> Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    *LAYOUT.get_or_init(|| {
        let info = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        // The last mount at a place is the one visible there.
        let fs_at = |dir: &str| {
            info.lines().rev().find_map(|l| {
                let (pre, post) = l.split_once(" - ")?;
                (pre.split(' ').nth(4)? == dir).then(|| post.split(' ').next().unwrap_or(""))
            })
        };
        let layout = if fs_at("/sys/fs/cgroup") == Some("cgroup2") {
            Layout::V2
        } else if fs_at("/sys/fs/cgroup/unified") == Some("cgroup2") {
            Layout::Hybrid
        } else {
            Layout::V1
        };
        if layout != Layout::V2 {
            for c in CONTROLLERS {
                let p = format!("/sys/fs/cgroup/{c}/cgroup.procs");
                assert!(
                    std::path::Path::new(&p).exists(),
                    "{layout:?} cgroups: these tests need the v1 {c} hierarchy at /sys/fs/cgroup/{c}"
                );
            }
        }
        layout
    })
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

/// Where a test's containers get their cgroups. On v1 and hybrid hosts:
/// below the test process's own cgroup, sct's default. On pure v2 that
/// cgroup has a process (this one), and v2's "no internal processes" rule
/// lets it hand no controller down: so the test does what a user does, it
/// makes an empty cgroup beside its own, `tests-<pid>-<n>`, enables the
/// controllers there and passes it as --cgroup-parent. Removed on drop.
struct Place {
    /// The v2 cgroup made for the test, `/a/b/tests-<pid>-<n>`.
    parent: Option<String>,
}

impl Place {
    fn new() -> Place {
        if layout() != Layout::V2 {
            return Place::own();
        }
        static N: AtomicUsize = AtomicUsize::new(0);
        let own = own_v2_cgroup();
        let beside = own.rsplit_once('/').map_or("", |(dir, _)| dir);
        std::fs::write(
            format!("/sys/fs/cgroup{beside}/cgroup.subtree_control"),
            "+memory +pids +cpu +cpuset",
        )
        .unwrap_or_else(|e| panic!("enable controllers in /sys/fs/cgroup{beside}: {e}"));
        let parent = format!(
            "{beside}/tests-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        );
        std::fs::create_dir(format!("/sys/fs/cgroup{parent}")).unwrap();
        Place {
            parent: Some(parent),
        }
    }

    /// The test process's own cgroup, on every layout: for runs that make
    /// no cgroup, or whose cgroup fails before any controller is enabled.
    fn own() -> Place {
        Place { parent: None }
    }

    /// sct's arguments that run `cmd` in `rootfs` with `opts`, the
    /// container put here.
    fn args(&self, opts: &[&str], rootfs: &Rootfs, cmd: &[&str]) -> Vec<std::ffi::OsString> {
        let mut args: Vec<std::ffi::OsString> = match &self.parent {
            Some(p) => vec!["--cgroup-parent".into(), p[1..].into()],
            None => vec![],
        };
        args.extend(opts.iter().map(Into::into));
        args.push(rootfs.path().into());
        args.extend(cmd.iter().map(Into::into));
        args
    }

    /// The v2 cgroup the container of sct `pid` gets.
    fn v2_path(&self, pid: u32) -> String {
        let base = self.parent.clone().unwrap_or_else(own_v2_cgroup);
        format!("{base}/sct-{pid}")
    }

    /// The directory with `controller`'s files for the container of sct
    /// `pid`.
    fn dir(&self, controller: &str, pid: u32) -> PathBuf {
        match layout() {
            Layout::V2 => format!("/sys/fs/cgroup{}", self.v2_path(pid)).into(),
            Layout::Hybrid | Layout::V1 => container_dir(controller, pid),
        }
    }

    /// Every directory sct `pid` makes for a container with limits.
    fn dirs(&self, pid: u32) -> Vec<PathBuf> {
        match layout() {
            Layout::V2 => vec![self.dir("memory", pid)],
            Layout::Hybrid => CONTROLLERS
                .iter()
                .map(|c| container_dir(c, pid))
                .chain([format!("/sys/fs/cgroup/unified{}/sct-{pid}", own_v2_cgroup()).into()])
                .collect(),
            // The device rule and the freezer are v1 hierarchies too.
            Layout::V1 => CONTROLLERS
                .iter()
                .chain(&["devices", "freezer"])
                .filter(|c| std::path::Path::new(&format!("/sys/fs/cgroup/{c}")).exists())
                .map(|c| container_dir(c, pid))
                .collect(),
        }
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let Some(p) = &self.parent else { return };
        let dir = format!("/sys/fs/cgroup{p}");
        // After a failed assertion a container may be left (`Running`
        // SIGKILLs its sct, which then cannot clean up): kill it, and give
        // the kernel time to let its directory go.
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if e.path().is_dir() {
                let _ = std::fs::write(e.path().join("cgroup.kill"), "1");
                let deadline = std::time::Instant::now() + Duration::from_secs(30);
                while std::fs::remove_dir(e.path()).is_err() && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
        let _ = std::fs::remove_dir(dir);
    }
}

/// Where sct with `pid` makes its cgroup for v1 `controller`.
fn container_dir(controller: &str, pid: u32) -> PathBuf {
    format!(
        "/sys/fs/cgroup/{controller}{}/sct-{pid}",
        own_cgroup(controller)
    )
    .into()
}

/// Runs sct in a fresh `Place` and returns its output and pid; asserts that
/// no cgroup of it remains.
fn run(sct: Sct, rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> (Output, u32) {
    // --no-cgroup makes none, and a test's own --cgroup-parent is the point.
    let place = if opts.contains(&"--no-cgroup") || opts.contains(&"--cgroup-parent") {
        Place::own()
    } else {
        Place::new()
    };
    run_at(&place, sct, rootfs, opts, cmd)
}

fn run_at(place: &Place, sct: Sct, rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> (Output, u32) {
    let args = place.args(opts, rootfs, cmd);
    let child = sct
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let out = Output::from(child.wait_with_output().unwrap());
    assert_gone(place, pid);
    (out, pid)
}

fn assert_gone(place: &Place, pid: u32) {
    for dir in place.dirs(pid) {
        assert!(!dir.exists(), "{} left behind", dir.display());
    }
    if let Some(p) = &place.parent {
        let left: Vec<_> = std::fs::read_dir(format!("/sys/fs/cgroup{p}"))
            .unwrap()
            .flatten()
            .filter(|e| e.path().is_dir())
            .map(|e| e.path())
            .collect();
        assert!(left.is_empty(), "left behind: {left:?}");
    }
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
    let place = Place::new();
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
    let (out, pid) = run_at(
        &place,
        sct,
        &rootfs,
        &opts,
        &["/bin/probe", "read", "/proc/self/cgroup"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    if layout() == Layout::V2 {
        // One hierarchy: this is the CLONE_INTO_CGROUP path (or its
        // fallback) with every limit in the directory.
        assert_eq!(
            out.stdout,
            format!("0::{}\n", place.v2_path(pid)),
            "not in the container cgroup below the test's"
        );
        return;
    }
    for c in CONTROLLERS {
        let own = own_cgroup(c);
        assert_eq!(
            seen(&out, c),
            format!("{own}/sct-{pid}"),
            "{c}: not in the container cgroup below ours"
        );
    }
    if layout() == Layout::V1 {
        // No cgroup2 mounted: no v2 cgroup to place the container in.
        return;
    }
    let v2 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .expect("0:: line");
    // The hybrid host's v2 hierarchy has none of these controllers; sct puts
    // the container in a v2 cgroup anyway, to track it. This is the
    // CLONE_INTO_CGROUP path (or its fallback) on real hardware.
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
        let rootfs = Rootfs::new();
        // Before the child: dropped after it.
        let place = Place::new();
        for name in ["TERM", "INT"] {
            let opts = ["--memory", "64m", "--pids-limit", "20", "--cpus", "1", "--cpuset-cpus", "0"];
            let args = place.args(&opts, &rootfs, &["/bin/probe", "wait-signal", name]);
            let mut child = Running(sct.command(&args).stdout(std::process::Stdio::piped()).spawn().unwrap());
            let pid = child.id();
            let mut out = BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            assert_eq!(line, "ready\n");
            for c in CONTROLLERS {
                assert!(place.dir(c, pid).exists(), "{c} cgroup missing while the container runs");
            }
            let status = std::process::Command::new("kill").args(["-s", name, &pid.to_string()]).status().unwrap();
            assert!(status.success());
            assert!(child.wait().unwrap().success());
            assert_gone(&place, pid);
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
    // Without a limit, for its device rule: a cgroup v2 BPF program
    // (on this hybrid host in the unified hierarchy), or on v1 alone the
    // devices controller's list.
    let (out, _) = run(
        Sct {
            spawn: Spawn::Clone3,
        },
        &rootfs,
        &[],
        &["/bin/probe", "read", "/proc/self/cgroup"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let v2 = match layout() {
        Layout::V1 => format!("devices:{}", seen(&out, "devices")),
        Layout::V2 | Layout::Hybrid => out
            .stdout
            .lines()
            .find(|l| l.starts_with("0::"))
            .expect("a cgroup v2 line")
            .to_string(),
    };
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
    // With --memory-swap too (v1 memory.memsw.limit_in_bytes, v2
    // memory.swap.max; this host has no swap, so the memory limit still
    // decides).
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
    let rootfs = Rootfs::new();
    let place = Place::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let args = place.args(&["--cpus", "0.2"], &rootfs, &["/bin/probe", "spin", "3000"]);
    let mut child = Running(
        sct.command(&args)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let pid = child.id();
    // What the kernel counts, polled while CMD spins: how much CPU it got
    // on a busy machine says nothing.
    let stat_file = place.dir("cpu", pid).join("cpu.stat");
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
    let (file, want) = match layout() {
        Layout::V2 => ("cpu.max", "20000 100000"),
        Layout::Hybrid | Layout::V1 => ("cpu.cfs_quota_us", "20000"),
    };
    let quota = std::fs::read_to_string(place.dir("cpu", pid).join(file));
    assert_eq!(quota.map(|q| q.trim().to_string()).ok(), Some(want.into()));
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(child.wait().unwrap().success(), "{stdout}");
    assert_gone(&place, pid);
}

/// The limits are in the layout's files while CMD runs, and the container
/// is the one process in each of its directories.
#[test]
fn limits_are_in_the_cgroup_files() {
    let rootfs = Rootfs::new();
    let place = Place::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let args = place.args(
        &[
            "--memory",
            "64m",
            "--pids-limit",
            "100",
            "--cpus",
            "0.5",
            "--cpuset-cpus",
            "0",
        ],
        &rootfs,
        &["/bin/probe", "wait-signal", "TERM"],
    );
    let (mut child, mut out) = sct.start_ready(&args);
    let pid = child.id();
    let files: &[(&str, &str, &str)] = match layout() {
        Layout::V2 => &[
            ("memory", "memory.max", "67108864"),
            ("pids", "pids.max", "100"),
            ("cpu", "cpu.max", "50000 100000"),
            ("cpuset", "cpuset.cpus", "0"),
        ],
        Layout::Hybrid | Layout::V1 => &[
            ("memory", "memory.limit_in_bytes", "67108864"),
            ("pids", "pids.max", "100"),
            ("cpu", "cpu.cfs_quota_us", "50000"),
            ("cpu", "cpu.cfs_period_us", "100000"),
            ("cpuset", "cpuset.cpus", "0"),
        ],
    };
    for (controller, file, want) in files {
        let path = place.dir(controller, pid).join(file);
        let got = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
        assert_eq!(got.trim(), *want, "{}", path.display());
    }
    for dir in place.dirs(pid) {
        let procs = std::fs::read_to_string(dir.join("cgroup.procs")).unwrap();
        let cmdline = procs
            .lines()
            .map(|p| std::fs::read(format!("/proc/{p}/cmdline")).unwrap_or_default())
            .collect::<Vec<_>>();
        assert!(
            cmdline.len() == 1 && cmdline[0].starts_with(b"/bin/probe\0wait-signal\0"),
            "{}: {procs}",
            dir.display()
        );
    }
    send_signal(pid, "TERM");
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "got=15\n");
    assert!(child.wait().unwrap().success());
    assert_gone(&place, pid);
}

/// The device rule in the container's cgroup (a v2 BPF program, or v1's
/// devices list) refuses a node outside the default set that CMD makes
/// itself; without seccomp's mknod rule only the cgroup stands between.
#[test]
fn device_rule_refuses_a_host_device() {
    let rootfs = Rootfs::new();
    // /dev/kmsg (c 1 11) and /dev/null (c 1 3, in the default set).
    let script = "/bin/probe mknod /dev/k c 1 11; /bin/probe open /dev/k w
                  /bin/probe mknod /dev/n c 1 3; /bin/probe open /dev/n w";
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let cmd = ["/bin/sh", "-c", script];
    let (out, _) = run(sct, &rootfs, &["--seccomp", "unconfined"], &cmd);
    assert_eq!(out.stdout, "ok\nopen=EPERM\nok\nopen=ok\n", "{out:?}");
    let opts = ["--seccomp", "unconfined", "--no-cgroup"];
    let (out, _) = run(sct, &rootfs, &opts, &cmd);
    assert_eq!(out.stdout, "ok\nopen=ok\nok\nopen=ok\n", "{out:?}");
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
    let rootfs = Rootfs::new();
    let place = Place::new();
    // A pid that is certainly gone: a child we started and reaped.
    let mut c = std::process::Command::new("/bin/true").spawn().unwrap();
    let dead = c.id();
    c.wait().unwrap();
    let stale = place.dir("memory", dead);
    std::fs::create_dir(&stale).unwrap();
    let (out, _) = run_at(
        &place,
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

/// Runs sct in a private mount namespace after the shell commands `first`
/// (umount, mount --bind), so that the host's cgroups look different to it
/// alone. The shell execs sct, so the pid is sct's.
fn run_without_mounts(first: &str, opts: &[&str], rootfs: &Rootfs) -> Output {
    let mut script = format!("{first} && exec {}", sct_path());
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
    assert_gone(&Place::own(), pid);
    out
}

#[test]
fn unavailable_controller_is_named() {
    let rootfs = Rootfs::new();
    let first = match layout() {
        // v2 offers what its root's cgroup.controllers lists: a copy
        // without pids, bound over it, is a kernel without the controller.
        Layout::V2 => {
            let list = std::fs::read_to_string("/sys/fs/cgroup/cgroup.controllers").unwrap();
            let without: Vec<_> = list.split_whitespace().filter(|c| *c != "pids").collect();
            let copy = rootfs.outside().join("cgroup.controllers");
            std::fs::write(&copy, without.join(" ") + "\n").unwrap();
            format!(
                "mount --bind {} /sys/fs/cgroup/cgroup.controllers",
                copy.display()
            )
        }
        Layout::Hybrid | Layout::V1 => "umount /sys/fs/cgroup/pids".into(),
    };
    let out = run_without_mounts(&first, &["--pids-limit", "10"], &rootfs);
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
    // Pure v2 is one mount (and busybox's umount, the VM's, has no -R).
    let umount = match layout() {
        Layout::V2 => "umount /sys/fs/cgroup",
        Layout::Hybrid | Layout::V1 => "umount -R /sys/fs/cgroup",
    };
    let out = run_without_mounts(umount, &[], &rootfs);
    assert_eq!(out.code, 125, "{out:?}");
    assert_eq!(
        out.stderr,
        "sct: device rule: no cgroup filesystem: neither cgroup v2 nor v1's devices controller is mounted\n\
         sct: hint: sct puts every container in a cgroup of its own for its device rule; --no-cgroup runs without one (README, Security)\n"
    );
    let out = run_without_mounts(umount, &["--no-cgroup"], &rootfs);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.stderr, "");
}
