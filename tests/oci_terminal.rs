//! OCI mode's terminals: `process.terminal` with a console socket the
//! test listens on, in the place of containerd's shim, and a foreground
//! `run` or `exec` that relays the caller's terminal (a pty of the test's,
//! through `setsid --ctty`) itself.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;
#[path = "common/pty.rs"]
mod pty;

use rustix::fd::OwnedFd;
use rustix::net::{SocketAddrUnix, SocketFlags, SocketType};

use bundle::*;
use common::*;
use pty::{wait_exit, Pty};
use serde_json::json;

/// A console socket in the test's directory, as the shim listens on one.
fn console_socket(b: &Bundle) -> (OwnedFd, String) {
    use rustix::net::{bind, listen, socket_with, AddressFamily};
    let path = b.dir().join("console.sock");
    let listener = socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .unwrap();
    let c_path = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    bind(&listener, &SocketAddrUnix::new(c_path.as_c_str()).unwrap()).unwrap();
    listen(&listener, 1).unwrap();
    (listener, path.to_str().unwrap().to_string())
}

/// Accepts the runtime's connection and takes the master from its one
/// message (SCM_RIGHTS), as containerd's console.ReceiveMaster does.
fn receive_master(listener: &OwnedFd) -> OwnedFd {
    use rustix::net::{recvmsg, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let conn = rustix::net::accept(listener).unwrap();
    // Generous, but a runtime that never sends fails instead of hanging.
    let limit = Some(std::time::Duration::from_secs(60));
    rustix::net::sockopt::set_socket_timeout(&conn, rustix::net::sockopt::Timeout::Recv, limit)
        .unwrap();
    let mut space = [std::mem::MaybeUninit::<u8>::uninit(); 64];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let mut byte = [0u8; 16];
    recvmsg(
        &conn,
        &mut [rustix::io::IoSliceMut::new(&mut byte)],
        &mut control,
        RecvFlags::CMSG_CLOEXEC,
    )
    .unwrap();
    let mut fds: Vec<OwnedFd> = vec![];
    for m in control.drain() {
        if let RecvAncillaryMessage::ScmRights(f) = m {
            fds.extend(f);
        }
    }
    assert_eq!(fds.len(), 1, "one master in one message");
    fds.pop().unwrap()
}

/// Reads what the container shows on `master` until `text` is there.
fn read_until(master: &OwnedFd, text: &str) -> String {
    let mut shown = vec![];
    let mut buf = [0u8; 1024];
    while !String::from_utf8_lossy(&shown).contains(text) {
        let n = rustix::io::read(master, &mut buf).unwrap_or(0);
        assert!(
            n > 0,
            "pty closed before {text:?}: {:?}",
            String::from_utf8_lossy(&shown)
        );
        shown.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&shown).into_owned()
}

/// `sct ARGS` that leaves a container behind: its stdio in files, which
/// the parked init holds until it has its terminal (or for good).
fn detached(b: &Bundle, args: &[&str]) {
    let status = b
        .command(args)
        .stdout(std::fs::File::create(b.dir().join("stdout")).unwrap())
        .stderr(std::fs::File::create(b.dir().join("stderr")).unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "{args:?}: {}", b.read("stderr"));
}

fn terminal_bundle() -> Bundle {
    let script = "test -t 0 && test -t 2 && echo tty=$(tty); echo size=$(stty size); \
                  test -c /dev/console && echo console; echo ready; read x; echo got=$x; exit 3";
    let b = Bundle::with(&["sh", "-c", script], |c| {
        c["process"]["terminal"] = json!(true);
        c["process"]["consoleSize"] = json!({"height": 25, "width": 90});
    });
    for applet in ["tty", "stty"] {
        std::os::unix::fs::symlink("busybox", b.rootfs.path().join("bin").join(applet)).unwrap();
    }
    b
}

fn check_session(master: &OwnedFd, pid: u32) {
    let shown = read_until(master, "ready");
    assert!(shown.contains("tty=/dev/pts/0\r\n"), "{shown:?}");
    assert!(shown.contains("size=25 90\r\n"), "{shown:?}");
    assert!(shown.contains("console\r\n"), "{shown:?}");
    rustix::io::write(master, b"typed\n").unwrap();
    read_until(master, "got=typed");
    assert_eq!(reap(pid), 3);
}

#[test]
fn oci_create_sends_the_master_to_the_console_socket_and_start_runs_on_it() {
    let b = terminal_bundle();
    let (listener, sock) = console_socket(&b);
    let pid_file = b.dir().join("pid");
    detached(
        &b,
        &[
            "create",
            "--console-socket",
            &sock,
            "--pid-file",
            pid_file.to_str().unwrap(),
            "ttyc",
        ],
    );
    let master = receive_master(&listener);
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    // No sct process holds the master: only the test (and the parked
    // init, which holds the slave).
    assert_eq!(b.sct(&["start", "ttyc"]).code, 0);
    check_session(&master, pid);
    let cgroups = b.cgroups("ttyc");
    assert_eq!(b.sct(&["delete", "ttyc"]).code, 0);
    assert_gone(&b, "ttyc", &cgroups);
}

#[test]
fn oci_run_detach_sends_the_master_to_the_console_socket() {
    let b = terminal_bundle();
    let (listener, sock) = console_socket(&b);
    let pid_file = b.dir().join("pid");
    detached(
        &b,
        &[
            "run",
            "--detach",
            "--console-socket",
            &sock,
            "--pid-file",
            pid_file.to_str().unwrap(),
            "ttyd",
        ],
    );
    let master = receive_master(&listener);
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    check_session(&master, pid);
    let cgroups = b.cgroups("ttyd");
    assert_eq!(b.sct(&["delete", "ttyd"]).code, 0);
    assert_gone(&b, "ttyd", &cgroups);
}

#[test]
fn oci_terminal_without_console_socket_and_socket_without_terminal_are_refused() {
    let b = terminal_bundle();
    let out = b.sct(&["create", "ttyn"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "sct: --console-socket: needed for a terminal when sct does not wait (create, run --detach, exec --detach), and only then\n"
    );
    assert!(!b.container_dir("ttyn").exists());
    let plain = Bundle::new(&["true"]);
    let (_listener, sock) = console_socket(&plain);
    let out = plain.sct(&["create", "--console-socket", &sock, "ttyn"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("sct: --console-socket: needed"));
    assert!(!plain.container_dir("ttyn").exists());
}

#[test]
fn oci_run_in_the_foreground_relays_the_terminal_itself() {
    let b = terminal_bundle();
    let pty = Pty::new(24, 80);
    let before = pty.modes();
    let mut c = pty.command(SCT);
    c.arg("--root")
        .arg(&b.state_root)
        .args(["run", "ttyf"])
        .current_dir(b.dir());
    let mut sct = Running(c.spawn().unwrap());
    pty.wait_for("ready");
    assert!(pty.is_raw());
    pty.type_in(b"typed\r");
    assert_eq!(wait_exit(&mut sct), 3);
    pty.wait_for("got=typed\r\n");
    let shown = pty.shown();
    assert!(shown.contains("size=25 90\r\n"), "{shown:?}");
    assert!(shown.contains("got=typed\r\n"), "{shown:?}");
    assert_eq!(pty.modes(), before);
    assert!(!b.container_dir("ttyf").exists());
}

/// A running container (`sleep`) with busybox's `tty` and `stty`, for exec.
fn running_for_exec(id: &str) -> (Bundle, u32) {
    let b = Bundle::new(&["sleep", "1000"]);
    for applet in ["tty", "stty"] {
        std::os::unix::fs::symlink("busybox", b.rootfs.path().join("bin").join(applet)).unwrap();
    }
    let pid = b.create(id);
    assert_eq!(b.sct(&["start", id]).code, 0);
    (b, pid)
}

fn remove_exec_container(b: &Bundle, id: &str, pid: u32) {
    let cgroups = b.cgroups(id);
    assert_eq!(b.sct(&["delete", "--force", id]).code, 0);
    reap(pid);
    assert_gone(b, id, &cgroups);
}

const EXEC_SCRIPT: &str = "test -t 0 && test -t 2 && echo tty=$(tty); echo size=$(stty size); \
                           echo ready; read x; echo got=$x; exit 4";

#[test]
fn exec_tty_in_the_foreground_relays_the_callers_terminal() {
    let (b, init) = running_for_exec("xtty");
    let pty = Pty::new(30, 70);
    let before = pty.modes();
    let mut c = pty.command(SCT);
    c.arg("--root")
        .arg(&b.state_root)
        .args(["exec", "-t", "xtty", "sh", "-c", EXEC_SCRIPT]);
    let mut sct = Running(c.spawn().unwrap());
    pty.wait_for("ready");
    assert!(
        pty.is_raw(),
        "the caller's terminal is not raw while CMD runs"
    );
    pty.type_in(b"typed\r");
    assert_eq!(wait_exit(&mut sct), 4);
    pty.wait_for("got=typed\r\n");
    let shown = pty.shown();
    assert!(shown.contains("tty=/dev/pts/"), "{shown:?}");
    assert!(shown.contains("size=30 70\r\n"), "{shown:?}");
    assert_eq!(pty.modes(), before);
    remove_exec_container(&b, "xtty", init);
}

#[test]
fn exec_detach_tty_sends_the_master_to_the_console_socket() {
    let (b, init) = running_for_exec("xttyd");
    let out = b.sct(&["exec", "--detach", "--tty", "xttyd", "true"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.starts_with("sct: --console-socket: needed"),
        "{}",
        out.stderr
    );
    let (listener, sock) = console_socket(&b);
    let pid_file = b.dir().join("exec.pid");
    detached(
        &b,
        &[
            "exec",
            "--detach",
            "--tty",
            "--console-socket",
            &sock,
            "--pid-file",
            pid_file.to_str().unwrap(),
            "xttyd",
            "sh",
            "-c",
            EXEC_SCRIPT,
        ],
    );
    let master = receive_master(&listener);
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    let shown = read_until(&master, "ready");
    assert!(shown.contains("tty=/dev/pts/"), "{shown:?}");
    rustix::io::write(&master, b"typed\n").unwrap();
    read_until(&master, "got=typed");
    assert_eq!(reap(pid), 4);
    remove_exec_container(&b, "xttyd", init);
}
