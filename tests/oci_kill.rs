//! kill -9 of `create` or `start` at random moments: `delete --force` then
//! leaves nothing. A test binary of its own: it reaps every orphan the
//! kills leave it (as a subreaper), which would steal the inits that other
//! tests wait for.

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use bundle::*;
use common::*;

/// kill -9 of `create` or `start` at random moments: `delete --force`
/// then leaves nothing. Seeded as tests/supervision.rs is.
#[test]
fn kill_9_at_any_moment_of_create_or_start_leaves_nothing_delete_cannot_clean() {
    let seed = std::env::var("SCT_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| (std::process::id() as u64 * 2654435761) | 1);
    println!("SCT_TEST_SEED={seed}");
    let mut rng = seed;
    let mut next = |n: u64| {
        rng ^= rng >> 12;
        rng ^= rng << 25;
        rng ^= rng >> 27;
        rng.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    };
    let b = Bundle::new(&["sleep", "1000"]);
    let parent = own_cgroup_dirs();
    for trial in 0..200 {
        let id = format!("k9-{}-{trial}", std::process::id());
        let kill_start = trial % 2 == 1;
        if kill_start {
            b.command(&["create", &id])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
        }
        let mut child = if kill_start {
            b.command(&["start", &id])
        } else {
            b.command(&["create", &id])
        }
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
        std::thread::sleep(Duration::from_micros(next(4000)));
        let _ = child.kill();
        let _ = child.wait();
        let out = b.sct(&["delete", "--force", &id]);
        assert_eq!(out.code, 0, "trial {trial}: {}", out.stderr);
        assert!(!b.container_dir(&id).exists(), "trial {trial}");
        assert_processes_gone(&id);
        // Reap what the kills orphaned to us.
        while let Ok(Some(_)) = rustix::process::waitpid(None, rustix::process::WaitOptions::NOHANG)
        {
        }
    }
    // A create killed before it recorded its cgroup leaves an empty
    // directory that the next sct removes (remove_stale); none with
    // processes in it.
    let last = Bundle::new(&["true"]);
    assert_eq!(last.sct(&["run", "last"]).code, 0);
    for dir in parent {
        for e in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = e.file_name().into_string().unwrap();
            if name.starts_with("sct-") {
                let procs =
                    std::fs::read_to_string(e.path().join("cgroup.procs")).unwrap_or_default();
                assert!(procs.is_empty(), "{} still has {procs}", e.path().display());
            }
        }
    }
}

/// kill -9 of `create` at each step that leaves something on disk: held
/// in its Nth mkdir, mknod or rename for N = 1, 2, ... until it gets
/// through (`probe kill-at`, a seccomp user notification: the call has not
/// run when the kill comes, and the previous one has). `delete --force`
/// must then leave nothing, the cgroup named by linux.cgroupsPath (as
/// containerd names it) included: that one no later sct would remove.
#[test]
fn kill_9_at_each_step_of_create_leaves_nothing_delete_cannot_clean() {
    let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let own = own
        .lines()
        .find_map(|l| l.strip_prefix("0::"))
        .unwrap_or("/")
        .trim_end_matches('/');
    let cgroups_path = format!("{own}/sct-crash-{}", std::process::id());
    let b = Bundle::with(&["sleep", "1000"], |c| {
        c["linux"]["cgroupsPath"] = serde_json::json!(cgroups_path)
    });
    // Wherever a hierarchy is mounted, the path is relative to its root.
    let mut mounts = vec![PathBuf::from("/sys/fs/cgroup")];
    mounts.extend(
        std::fs::read_dir("/sys/fs/cgroup")
            .unwrap()
            .flatten()
            .map(|e| e.path()),
    );
    let made: Vec<PathBuf> = mounts
        .iter()
        .map(|m| m.join(cgroups_path.trim_start_matches('/')))
        .collect();
    for step in 1.. {
        assert!(step < 100, "create never got through");
        let id = format!("step-{step}");
        // A file, not a pipe: a parked init keeps create's stdout open.
        let said = b.dir().join("kill-at.out");
        std::process::Command::new(probe())
            .args(["kill-at", &step.to_string(), "--", SCT, "--root"])
            .arg(&b.state_root)
            .args(["create", &id])
            .current_dir(b.dir())
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&said).unwrap())
            .stderr(Stdio::null())
            .status()
            .unwrap();
        let out = std::fs::read_to_string(&said).unwrap();
        let killed = out.contains("killed=yes");
        assert!(killed || out == "killed=no\n", "step {step}: {out}");
        let deleted = b.sct(&["delete", "--force", &id]);
        assert_eq!(deleted.code, 0, "step {step}: {}", deleted.stderr);
        assert!(!b.container_dir(&id).exists(), "step {step}: state left");
        for dir in &made {
            assert!(!dir.exists(), "step {step}: {} left", dir.display());
        }
        assert_processes_gone(&id);
        while let Ok(Some(_)) = rustix::process::waitpid(None, rustix::process::WaitOptions::NOHANG)
        {
        }
        if !killed {
            println!("create got through at step {step}");
            assert!(step > 5, "create made too few steps to be held: {step}");
            break;
        }
    }
}

/// The cgroup directories the test process is in, in the unified
/// hierarchy and each v1 one.
fn own_cgroup_dirs() -> Vec<PathBuf> {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    let mut dirs = vec![];
    for line in text.lines() {
        let mut parts = line.splitn(3, ':');
        let (_, ctrl, path) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let mount = if ctrl.is_empty() {
            if Path::new("/sys/fs/cgroup/unified").exists() {
                PathBuf::from("/sys/fs/cgroup/unified")
            } else {
                PathBuf::from("/sys/fs/cgroup")
            }
        } else {
            PathBuf::from("/sys/fs/cgroup").join(ctrl.trim_start_matches("name="))
        };
        let dir = mount.join(path.trim_start_matches('/'));
        if dir.is_dir() {
            dirs.push(dir);
        }
    }
    dirs
}
