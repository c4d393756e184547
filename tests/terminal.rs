//! Terminals: `sct -t` with a pty of the test's as the caller's terminal
//! (its controlling terminal, through `setsid --ctty`). OCI mode's
//! `process.terminal` is in oci_terminal.rs.

mod common;
#[path = "common/pty.rs"]
mod pty;

use std::process::Stdio;

use common::*;
use pty::{wait_exit, Pty};

/// A rootfs with busybox's `tty` and `stty` as well.
fn rootfs() -> Rootfs {
    let r = Rootfs::new();
    for applet in ["tty", "stty"] {
        std::os::unix::fs::symlink("busybox", r.path().join("bin").join(applet)).unwrap();
    }
    r
}

/// `sct -t ROOTFS sh -c SCRIPT TOKEN` on the pty, sct's stderr to a pipe.
fn start(pty: &Pty, rootfs: &Rootfs, opts: &[&str], script: &str, token: &str) -> Running {
    let mut c = pty.command(SCT);
    c.args(opts)
        .arg("-t")
        .arg(rootfs.path())
        .args(["sh", "-c", script, token]);
    c.stderr(Stdio::piped());
    Running(c.spawn().unwrap())
}

fn stderr_of(child: &mut Running) -> String {
    let mut s = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut s).unwrap();
    s
}

#[test]
fn cmd_gets_a_pty_sized_as_the_callers_typed_input_raw_mode_exit_code_modes_restored() {
    let r = rootfs();
    let pty = Pty::new(33, 101);
    let before = pty.modes();
    assert!(!pty.is_raw());
    let script = "test -t 0 && test -t 1 && test -t 2 && echo tty=$(tty); \
                  echo size=$(stty size); echo ready; read x; echo got=$x; exit 3";
    let mut sct = start(&pty, &r, &[], script, "plain");
    pty.wait_for("ready");
    assert!(
        pty.is_raw(),
        "the caller's terminal is not raw while CMD runs"
    );
    // Raw: Enter is a bare CR; the container's pty turns it into a newline.
    pty.type_in(b"hello\r");
    assert_eq!(wait_exit(&mut sct), 3, "{}", stderr_of(&mut sct));
    // The test's own reader may lag behind sct's exit.
    pty.wait_for("got=hello\r\n");
    let shown = pty.shown();
    assert!(shown.contains("tty=/dev/pts/0\r\n"), "{shown:?}");
    assert!(shown.contains("size=33 101\r\n"), "{shown:?}");
    assert!(shown.contains("got=hello\r\n"), "{shown:?}");
    assert_eq!(pty.modes(), before);
    assert_processes_gone("plain");
}

#[test]
fn a_resize_of_the_callers_terminal_reaches_cmd() {
    let r = rootfs();
    let pty = Pty::new(24, 80);
    let script = "trap 'echo size=$(stty size); exit 4' WINCH; echo tty=$(tty); echo ready; \
                  while :; do sleep 0.05; done";
    let mut sct = start(&pty, &r, &[], script, "winch");
    pty.wait_for("ready");
    // The kernel sends sct SIGWINCH (the pty is its controlling terminal);
    // sct copies the size to the container's pty, whose kernel side
    // signals CMD.
    pty.resize(40, 120);
    assert_eq!(wait_exit(&mut sct), 4, "{}", stderr_of(&mut sct));
    pty.wait_for("size=40 120");
    assert!(pty.shown().contains("tty=/dev/pts/0"), "{:?}", pty.shown());
}

#[test]
fn modes_are_restored_when_cmd_is_killed() {
    let r = rootfs();
    let pty = Pty::new(24, 80);
    let before = pty.modes();
    let token = unique_token("tty-kill");
    let mut sct = start(&pty, &r, &[], "echo ready; sleep 1000; true", &token);
    pty.wait_for("ready");
    assert!(pty.is_raw());
    // CMD, not sct, whose own argv carries the token too.
    for pid in processes_with(&token) {
        if pid != sct.id() {
            send_signal(pid, "KILL");
        }
    }
    assert_eq!(wait_exit(&mut sct), 137);
    assert_eq!(pty.modes(), before);
    assert_processes_gone(&token);
}

#[test]
fn modes_are_restored_when_sct_is_signalled() {
    let r = rootfs();
    for (signal, code) in [("TERM", 5), ("INT", 6), ("HUP", 7)] {
        let pty = Pty::new(24, 80);
        let before = pty.modes();
        let script =
            format!("trap 'exit {code}' {signal}; echo ready; while :; do sleep 0.05; done");
        let mut sct = start(&pty, &r, &[], &script, "signalled");
        pty.wait_for("ready");
        assert!(pty.is_raw());
        send_signal(sct.id(), signal);
        assert_eq!(wait_exit(&mut sct), code, "SIG{signal}");
        assert_eq!(pty.modes(), before, "SIG{signal}");
    }
}

#[test]
fn modes_are_untouched_when_setup_fails() {
    let r = rootfs();
    let pty = Pty::new(24, 80);
    let before = pty.modes();
    let mut c = pty.command(SCT);
    c.args(["-t"]).arg(r.path()).arg("/no/such/cmd");
    c.stderr(Stdio::piped());
    let mut sct = Running(c.spawn().unwrap());
    assert_eq!(wait_exit(&mut sct), 127);
    assert!(stderr_of(&mut sct).contains("/no/such/cmd"));
    assert_eq!(pty.modes(), before);
    // A failure after the pty is made (setrlimit comes later).
    let mut sct = start(
        &pty,
        &r,
        &["--rlimit", "nofile=1024:2000000000"],
        "true",
        "late",
    );
    assert_eq!(wait_exit(&mut sct), 125);
    assert!(stderr_of(&mut sct).starts_with("sct: setrlimit nofile: EPERM"));
    assert_eq!(pty.modes(), before);
}

#[test]
fn without_a_terminal_on_stdin_cmd_still_gets_one() {
    let r = rootfs();
    for (stdin, expect) in [(Stdio::null(), "eof"), (Stdio::piped(), "got=piped")] {
        let piped = matches!(expect, "got=piped");
        let mut child = std::process::Command::new(SCT)
            .args(["-t"])
            .arg(r.path())
            .args([
                "sh",
                "-c",
                "test -t 0 && test -t 1 && echo tty; read x && echo got=$x || echo eof; exit 6",
            ])
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        if piped {
            use std::io::Write;
            let mut input = child.stdin.take().unwrap();
            input.write_all(b"piped\n").unwrap();
        }
        let out = Output::from(child.wait_with_output().unwrap());
        assert_eq!(out.code, 6, "{out:?}");
        // The container's pty echoes what is typed into it, when it comes.
        assert!(out.stdout.contains("tty\r\n"), "{out:?}");
        assert!(out.stdout.ends_with(&format!("{expect}\r\n")), "{out:?}");
    }
}
