//! `ctr task exec` against a running task whose runtime is sct: containerd
//! calls `sct exec --process FILE --detach --pid-file F ID` and reaps the
//! process in its shim (tests/common/containerd.rs runs the daemon).

#![cfg(feature = "oci")]

mod common;

use std::time::{Duration, Instant};

use common::containerd::Containerd;
use common::*;

/// Waits until `ctr task ls` shows `id` in `status`; returns its pid.
fn task_pid(c: &Containerd, id: &str, status: &str) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ls = c.ctr(&["task", "ls"]).stdout;
        let line = ls.lines().find(|l| l.starts_with(&format!("{id} ")));
        if let Some(l) = line.filter(|l| l.contains(status)) {
            return l.split_whitespace().nth(1).unwrap().parse().unwrap();
        }
        assert!(Instant::now() < deadline, "task never {status}: {ls}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lines of /proc/PID/status that say how a process is confined.
fn confinement(status: &str) -> Vec<String> {
    status
        .lines()
        .filter(|l| {
            ["CapEff:", "CapPrm:", "CapBnd:", "NoNewPrivs:", "Seccomp:"]
                .iter()
                .any(|k| l.starts_with(k))
        })
        .map(String::from)
        .collect()
}

#[test]
fn ctr_task_exec_output_exit_code_caps_seccomp() {
    let Some(c) = Containerd::start() else { return };
    let token = unique_token("ctrexec");
    let out = c.run(
        &["--detach", "--seccomp"],
        "xt",
        &["probe", "pause", &token],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let init = task_pid(&c, "xt", "RUNNING");
    let fifo = c.dir.join("fifo");
    let exec = |id: &str, args: &[&str]| {
        let mut all = vec![
            "task",
            "exec",
            "--fifo-dir",
            fifo.to_str().unwrap(),
            "--exec-id",
            id,
            "xt",
        ];
        all.extend_from_slice(args);
        c.ctr(&all)
    };
    let out = exec("e1", &["sh", "-c", "echo hi from $$; exit 3"]);
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.starts_with("hi from "), "{out:?}");
    assert_ne!(out.stdout, "hi from 1\n");
    let out = exec("e2", &["cat", "/proc/self/status"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let task = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
    assert_eq!(confinement(&out.stdout), confinement(&task));
    assert!(
        confinement(&task).contains(&"Seccomp:\t2".to_string()),
        "{task}"
    );
    // A command that cannot start: containerd shows sct's line.
    let out = exec("e3", &["/no/such/cmd"]);
    assert_ne!(out.code, 0);
    assert!(
        out.stderr.contains("exec /no/such/cmd: ENOENT"),
        "{}",
        out.stderr
    );
    assert_eq!(c.ctr(&["task", "kill", "-s", "SIGKILL", "xt"]).code, 0);
    task_pid(&c, "xt", "STOPPED");
    let del = c.ctr(&["task", "delete", "xt"]);
    assert_eq!(del.code, 0, "{}", del.stderr);
    assert_eq!(c.ctr(&["containers", "rm", "xt"]).code, 0);
    assert!(!c.dir.join("runc/default/xt").exists());
    assert_processes_gone(&token);
}
