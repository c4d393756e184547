//! containerd's cgroup calls of its runtime, with sct as the runtime:
//! `ctr task ps` (`ps --format json ID`) and `ctr task pause` / `resume`
//! (`pause ID`, `resume ID`, then `state ID` for `ctr task ls`), against a
//! private daemon (tests/common/containerd.rs).

#![cfg(feature = "oci")]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::containerd::Containerd;
use common::*;

/// Waits until `ctr task ls` shows `id` in `status`.
fn wait_for_status(c: &Containerd, id: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ls = c.ctr(&["task", "ls"]).stdout;
        if ls
            .lines()
            .any(|l| l.starts_with(&format!("{id} ")) && l.contains(status))
        {
            return;
        }
        assert!(Instant::now() < deadline, "{id} never {status}: {ls}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The pids of the task's cgroup, as the kernel lists them.
fn kernel_pids(c: &Containerd, id: &str) -> BTreeSet<u32> {
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.dir.join(format!("runc/default/{id}/state.json"))).unwrap(),
    )
    .unwrap();
    let dir = state["cgroups"][0].as_str().unwrap().to_string();
    std::fs::read_to_string(format!("{dir}/cgroup.procs"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

/// Removes the container by sct itself if a test fails before `remove`
/// (a no-op after it), so that a failure leaves nothing running.
struct Cleanup<'a>(&'a Containerd, &'a str);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let root = self.0.dir.join("runc/default");
        let _ = std::process::Command::new(SCT)
            .arg("--root")
            .arg(root)
            .args(["delete", "--force", self.1])
            .output();
    }
}

fn remove(c: &Containerd, id: &str) {
    assert_eq!(c.ctr(&["task", "kill", "-s", "SIGKILL", id]).code, 0);
    wait_for_status(c, id, "STOPPED");
    let del = c.ctr(&["task", "delete", id]);
    assert_eq!(del.code, 0, "{}", del.stderr);
    assert_eq!(c.ctr(&["containers", "rm", id]).code, 0);
    assert!(!c.dir.join(format!("runc/default/{id}")).exists());
    assert_processes_gone(id);
}

#[test]
fn ctr_task_ps_lists_the_container_processes() {
    let Some(c) = Containerd::start() else { return };
    let out = c.run(&["--detach"], "tps", &["sh", "-c", "sleep 1000 & wait"]);
    let _cleanup = Cleanup(&c, "tps");
    assert_eq!(out.code, 0, "{}", out.stderr);
    wait_for_status(&c, "tps", "RUNNING");
    let deadline = Instant::now() + Duration::from_secs(30);
    while kernel_pids(&c, "tps").len() < 2 {
        assert!(Instant::now() < deadline, "sleep never forked");
        std::thread::sleep(Duration::from_millis(50));
    }
    let ps = c.ctr(&["task", "ps", "tps"]);
    assert_eq!(ps.code, 0, "{}", ps.stderr);
    // `PID  INFO` and one line per process.
    let listed: BTreeSet<u32> = ps
        .stdout
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(listed, kernel_pids(&c, "tps"), "{}", ps.stdout);
    remove(&c, "tps");
}

#[test]
fn ctr_task_pause_and_resume() {
    let Some(c) = Containerd::start() else { return };
    let out = c.run(&["--detach"], "tpr", &["sleep", "1000"]);
    let _cleanup = Cleanup(&c, "tpr");
    assert_eq!(out.code, 0, "{}", out.stderr);
    wait_for_status(&c, "tpr", "RUNNING");
    let pause = c.ctr(&["task", "pause", "tpr"]);
    assert_eq!(pause.code, 0, "{}", pause.stderr);
    wait_for_status(&c, "tpr", "PAUSED");
    let resume = c.ctr(&["task", "resume", "tpr"]);
    assert_eq!(resume.code, 0, "{}", resume.stderr);
    wait_for_status(&c, "tpr", "RUNNING");
    // Killed while paused, it still goes.
    assert_eq!(c.ctr(&["task", "pause", "tpr"]).code, 0);
    wait_for_status(&c, "tpr", "PAUSED");
    remove(&c, "tpr");
}
