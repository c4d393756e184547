//! containerd drives sct as it drives runc: `ctr run --runc-binary sct`
//! against a private daemon (tests/common/containerd.rs).

#![cfg(feature = "oci")]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::containerd::Containerd;
use common::*;

#[test]
fn ctr_runs_sct_output_exit_code_pid_1_env_cwd_network() {
    let Some(c) = Containerd::start() else { return };
    let out = c.run(
        &["--rm", "--env", "FROM_CTR=yes", "--cwd", "/tmp"],
        "basic",
        &[
            "sh",
            "-c",
            "echo pid=$$ env=$FROM_CTR cwd=$(pwd) net=$(ls /sys/class/net | tr '\\n' ,); exit 5",
        ],
    );
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert_eq!(out.stdout, "pid=1 env=yes cwd=/tmp net=lo,\n");
    assert!(c.ctr(&["containers", "ls", "-q"]).stdout.is_empty());
    assert!(!c.dir.join("runc/default/basic").exists());
}

#[test]
fn ctr_detached_task_ls_kill_delete() {
    let Some(c) = Containerd::start() else { return };
    let out = c.run(&["--detach"], "bg", &["sleep", "1000"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ls = c.ctr(&["task", "ls"]).stdout;
        if ls
            .lines()
            .any(|l| l.starts_with("bg ") && l.contains("RUNNING"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "task never running: {ls}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.ctr(&["task", "kill", "-s", "SIGKILL", "bg"]).code, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ls = c.ctr(&["task", "ls"]).stdout;
        if ls
            .lines()
            .any(|l| l.starts_with("bg ") && l.contains("STOPPED"))
        {
            break;
        }
        assert!(Instant::now() < deadline, "task never stopped: {ls}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let del = c.ctr(&["task", "delete", "bg"]);
    assert_eq!(del.code, 0, "{}", del.stderr);
    assert_eq!(c.ctr(&["containers", "rm", "bg"]).code, 0);
    assert!(!c.dir.join("runc/default/bg").exists());
    assert_processes_gone("bg");
}

#[test]
fn ctr_shows_sct_error_for_a_command_that_is_not_there() {
    let Some(c) = Containerd::start() else { return };
    let out = c.run(&["--rm"], "missing", &["/no/such/cmd"]);
    assert_ne!(out.code, 0);
    assert!(out.stderr.contains("/no/such/cmd"), "{}", out.stderr);
    let _ = c.ctr(&["containers", "rm", "missing"]);
}

#[test]
fn ctr_bind_mounts_read_only_and_memory_limit() {
    let Some(c) = Containerd::start() else { return };
    let data = c.dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("f"), "from host\n").unwrap();
    let mount = format!(
        "type=bind,src={},dst=/data,options=rbind:ro",
        data.display()
    );
    let out = c.run(
        &["--rm", "--mount", &mount],
        "ro",
        &[
            "sh",
            "-c",
            "cat /data/f; touch /data/new 2>/dev/null && echo wrote || echo refused",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "from host\nrefused\n");
    assert!(!data.join("new").exists());

    let out = c.run(
        &["--detach", "--memory-limit", "33554432"],
        "mem",
        &["sleep", "1000"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let state: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(c.dir.join("runc/default/mem/state.json")).unwrap(),
    )
    .unwrap();
    let limits: Vec<String> = state["cgroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| {
            let d = Path::new(d.as_str().unwrap());
            ["memory.max", "memory.limit_in_bytes"]
                .iter()
                .filter_map(move |f| std::fs::read_to_string(d.join(f)).ok())
        })
        .collect();
    assert_eq!(limits, ["33554432\n"]);
    assert_eq!(c.ctr(&["task", "kill", "-s", "SIGKILL", "mem"]).code, 0);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !c.ctr(&["task", "ls"]).stdout.contains("STOPPED") {
        assert!(Instant::now() < deadline, "mem never stopped");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(c.ctr(&["task", "delete", "mem"]).code, 0);
    assert_eq!(c.ctr(&["containers", "rm", "mem"]).code, 0);
    assert!(!c.dir.join("runc/default/mem").exists());
}
