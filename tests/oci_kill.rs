//! kill -9 of `create` or `start` at random moments: `delete --force` then
//! leaves nothing. A test binary of its own: it reaps every orphan the
//! kills leave it (as a subreaper), which would steal the inits that other
//! tests wait for.

#![cfg(feature = "oci")]

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
