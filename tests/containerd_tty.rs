//! containerd's terminals: `ctr run -t` makes containerd's shim pass sct a
//! `--console-socket`, take the master sct's container sends there, and
//! copy it to ctr's own terminal, which the test gives ctr as a pty.

#![cfg(feature = "oci")]

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::process::Stdio;

use common::containerd::Containerd;
use common::*;
use pty::{wait_exit, Pty};

#[test]
fn ctr_run_t_shows_the_commands_output_on_its_terminal_and_passes_the_exit_code() {
    let Some(c) = Containerd::start() else { return };
    let pty = Pty::new(30, 100);
    let root = c.dir.join("runc");
    let fifo = c.dir.join("fifo");
    let mut ctr = pty.command("ctr");
    ctr.arg("-a")
        .arg(c.dir.join("sock"))
        .args(["run", "--rm", "-t", "--fifo-dir"])
        .arg(&fifo)
        .arg("--runc-binary")
        .arg(SCT)
        .arg("--runc-root")
        .arg(&root)
        .arg("--rootfs")
        .arg(c.rootfs.path())
        .args([
            "ttyrun",
            "sh",
            "-c",
            "test -t 0 && test -t 1 && echo on-a-tty; echo ready; read x; echo got=$x; exit 7",
        ]);
    ctr.stderr(Stdio::piped());
    let mut ctr = Running(ctr.spawn().unwrap());
    pty.wait_for("ready");
    pty.type_in(b"typed\r");
    let code = wait_exit(&mut ctr);
    let mut stderr = String::new();
    std::io::Read::read_to_string(ctr.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(code, 7, "{stderr}; shown: {:?}", pty.shown());
    pty.wait_for("got=typed");
    assert!(pty.shown().contains("on-a-tty"), "{:?}", pty.shown());
    assert!(c.ctr(&["containers", "ls", "-q"]).stdout.is_empty());
    assert!(!root.join("default/ttyrun").exists());
    assert_processes_gone("ttyrun");
}

/// Waits until `ctr task ls` shows `id` in `status`.
fn wait_task(c: &Containerd, id: &str, status: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let ls = c.ctr(&["task", "ls"]).stdout;
        if ls
            .lines()
            .any(|l| l.starts_with(&format!("{id} ")) && l.contains(status))
        {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "task never {status}: {ls}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn ctr_task_exec_t_runs_on_ctrs_terminal() {
    let Some(c) = Containerd::start() else { return };
    let token = unique_token("ctrexect");
    let out = c.run(&["--detach"], "xtt", &["probe", "pause", &token]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    wait_task(&c, "xtt", "RUNNING");
    let pty = Pty::new(30, 100);
    let mut ctr = pty.command("ctr");
    ctr.arg("-a")
        .arg(c.dir.join("sock"))
        .args(["task", "exec", "-t", "--fifo-dir"])
        .arg(c.dir.join("fifo"))
        .args([
            "--exec-id",
            "et",
            "xtt",
            "sh",
            "-c",
            "test -t 0 && test -t 1 && echo on-a-tty; echo ready; read x; echo got=$x; exit 5",
        ]);
    ctr.stderr(Stdio::piped());
    let mut ctr = Running(ctr.spawn().unwrap());
    pty.wait_for("ready");
    pty.type_in(b"typed\r");
    let code = wait_exit(&mut ctr);
    let mut stderr = String::new();
    std::io::Read::read_to_string(ctr.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert_eq!(code, 5, "{stderr}; shown: {:?}", pty.shown());
    pty.wait_for("got=typed");
    assert!(pty.shown().contains("on-a-tty"), "{:?}", pty.shown());
    assert_eq!(c.ctr(&["task", "kill", "-s", "SIGKILL", "xtt"]).code, 0);
    wait_task(&c, "xtt", "STOPPED");
    assert_eq!(c.ctr(&["task", "delete", "xtt"]).code, 0);
    assert_eq!(c.ctr(&["containers", "rm", "xtt"]).code, 0);
    assert_processes_gone(&token);
}
