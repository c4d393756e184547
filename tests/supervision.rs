//! sct killed with SIGKILL at random moments of its start: no container may
//! outlive it, and nothing it made may stay on the host once the next run
//! has cleaned up. The moments come from a seeded generator; the seed is
//! printed, and `SCT_TEST_SEED=N` replays a run.

mod common;

use std::collections::BTreeSet;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// Kills per option set.
const TRIALS: u64 = 200;
/// Kills land uniformly in the first this many microseconds after spawn:
/// sct clones its child within about a millisecond on this machine.
const WINDOW_US: u64 = 2500;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn new() -> (Self, u64) {
        let seed = std::env::var("SCT_TEST_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        (Rng(seed), seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Directories named `sct-PID` below /sys/fs/cgroup, for each PID in `pids`.
fn cgroups_of(pids: &BTreeSet<u32>) -> Vec<String> {
    let mut found = vec![];
    let mut stack = vec![(std::path::PathBuf::from("/sys/fs/cgroup"), 0)];
    while let Some((dir, depth)) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            if !e.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                continue;
            }
            let name = e.file_name().to_string_lossy().to_string();
            let pid = name.strip_prefix("sct-").and_then(|p| p.parse().ok());
            if pid.is_some_and(|p| pids.contains(&p)) {
                found.push(e.path().display().to_string());
            } else if depth < 6 {
                stack.push((e.path(), depth + 1));
            }
        }
    }
    found
}

fn fd_count() -> usize {
    std::fs::read_dir("/proc/self/fd").unwrap().count()
}

fn device_programs() -> u64 {
    let out = std::process::Command::new(probe())
        .arg("bpf-progs")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("cgroup_device_progs=")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("probe bpf-progs: {text}"))
}

/// Kills `sct OPTS ROOTFS probe pause TOKEN` TRIALS times at random moments,
/// then checks what is left. Returns the failures, described.
fn kill_at_random_moments(rng: &mut Rng, sct: Sct, opts: &[&str]) -> Vec<String> {
    let rootfs = Rootfs::new();
    let token = unique_token("killed");
    let mut killed = BTreeSet::new();
    for _ in 0..TRIALS {
        let delay = Duration::from_micros(rng.below(WINDOW_US));
        let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
        args.extend([
            rootfs.path().into(),
            "/bin/probe".into(),
            "pause".into(),
            token.as_str().into(),
        ]);
        let mut child = sct
            .command(&args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        // With the fake-old-kernel wrapper, the pid is sct's after its exec.
        let _ = child.kill();
        let _ = child.wait();
        killed.insert(child.id());
    }
    let mut failures = vec![];
    // The kernel tears a PID namespace down in its own time: wait for it.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !processes_with(&token).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left = processes_with(&token);
    if !left.is_empty() {
        failures.push(format!("{opts:?}: containers outlived sct: {left:?}"));
        for pid in left {
            let _ = std::process::Command::new("kill")
                .args(["-9", &pid.to_string()])
                .status();
        }
    }
    // The next run removes the cgroups of killed runs whose containers are
    // gone, and leaves those of running ones. A process whose cmdline is
    // gone may still be exiting, and its cgroup refuses rmdir until the
    // kernel has moved it out (do_exit: exit_mm before cgroup_exit): under
    // load that takes a while, so runs follow until a deadline.
    let deadline = Instant::now() + Duration::from_secs(30);
    let stale = loop {
        let out = sct.run_in(&rootfs, opts, &["/bin/true"]);
        if out.code != 0 {
            failures.push(format!("{opts:?}: the next run failed: {out:?}"));
            break cgroups_of(&killed);
        }
        let stale = cgroups_of(&killed);
        if stale.is_empty() || Instant::now() > deadline {
            break stale;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    if !stale.is_empty() {
        failures.push(format!("{opts:?}: cgroups left: {stale:?}"));
    }
    failures
}

#[test]
fn sigkill_of_sct_at_any_moment_leaves_nothing() {
    require_root();
    let (mut rng, seed) = Rng::new();
    println!("seed {seed} (replay: SCT_TEST_SEED={seed})");
    let mounts = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let fds = fd_count();
    let programs = device_programs();
    let clone3 = Sct {
        spawn: Spawn::Clone3,
    };
    let old_kernel = Sct {
        spawn: Spawn::OldKernel,
    };
    let mut failures = vec![];
    for (sct, opts) in [
        (clone3, &[][..]),
        (clone3, &["--memory", "64m"]),
        (clone3, &["--pids-limit", "20", "--net", "none"]),
        (clone3, &["--init"]),
        (clone3, &["--user", "1000"]),
        (old_kernel, &[]),
    ] {
        failures.extend(kill_at_random_moments(&mut rng, sct, opts));
    }
    assert_eq!(
        std::fs::read_to_string("/proc/self/mountinfo").unwrap(),
        mounts
    );
    assert_eq!(fd_count(), fds);
    // Programs go with their cgroups, released by the kernel in its own time.
    let deadline = Instant::now() + Duration::from_secs(20);
    while device_programs() > programs && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let now = device_programs();
    if now > programs {
        failures.push(format!("device programs: {programs} before, {now} after"));
    }
    assert!(
        failures.is_empty(),
        "seed {seed} (replay: SCT_TEST_SEED={seed}):\n{}",
        failures.join("\n")
    );
}
