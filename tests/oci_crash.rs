//! kill -9 of `sct start` inside the one window where the state on disk
//! cannot tell the truth by itself: after `start` let the parked init go
//! (it opened the exec FIFO), before it unlinked the FIFO. The status then
//! comes from the init itself (oci::state::status).

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use bundle::*;
use common::*;

/// The window is held open without timing luck, by job control alone:
///
/// 1. SIGSTOP the parked init. Its open of the FIFO for writing is
///    interrupted and will restart on SIGCONT (ERESTARTSYS), so it cannot
///    take `start`'s reader yet.
/// 2. `sct start`: it opens the FIFO for reading (seen in its
///    /proc/PID/fd) and waits for the init's byte, which cannot come.
/// 3. SIGSTOP `start` there: released, not yet unlinked.
/// 4. SIGCONT the init: its open restarts, finds `start`'s reader, and it
///    writes its byte and execs CMD (seen as its /proc/PID/exe no longer
///    being sct).
/// 5. SIGKILL `start`, still stopped, so it never read the byte nor
///    unlinked the FIFO: the exec FIFO is there, the container runs.
///
/// Then `state` must say running, a second `start` must be refused as
/// runc refuses it (and not hang), and `delete --force` must leave
/// nothing.
#[test]
fn a_start_killed_after_it_let_the_init_go_leaves_a_running_container() {
    let b = Bundle::new(&["sleep", "1000"]);
    let id = "halfstarted";
    let pid = b.create(id);
    let _cleanup = ForceDelete(&b, id);
    let cgroups = b.cgroups(id);
    let fifo = b.container_dir(id).join("exec.fifo");
    assert_eq!(b.state(id)["status"], "created");
    assert_eq!(
        std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap(),
        "sct:[parked]\n"
    );

    send_signal(pid, "STOP");
    wait_until("the parked init stopped", || task_state(pid) == Some('T'));
    let mut start = Killed(
        b.command(&["start", id])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let start_pid = start.0.id();
    wait_until("start opened the exec FIFO", || has_open(start_pid, &fifo));
    send_signal(start_pid, "STOP");
    wait_until("start stopped", || task_state(start_pid) == Some('T'));
    send_signal(pid, "CONT");
    wait_until("the init ran CMD", || {
        std::fs::read_link(format!("/proc/{pid}/exe"))
            .map(|exe| exe != Path::new(SCT))
            .unwrap_or(false)
    });
    start.0.kill().unwrap();
    start.0.wait().unwrap();
    assert!(fifo.exists(), "the window: start died before unlinking");

    let st = b.state(id);
    assert_eq!(st["status"], "running");
    assert_eq!(st["pid"], pid);
    let again = run_with_deadline(b.command(&["start", id]));
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "sct: start halfstarted: cannot start an already running container\n"
    );
    let refused = b.sct(&["delete", id]);
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .starts_with("sct: delete halfstarted: the container is running\n"),
        "{}",
        refused.stderr
    );
    let out = b.sct(&["delete", "--force", id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, id, &cgroups);
}

/// `delete --force` of the container, should the test fail before its own.
struct ForceDelete<'a>(&'a Bundle, &'a str);

impl Drop for ForceDelete<'_> {
    fn drop(&mut self) {
        let _ = self.0.sct(&["delete", "--force", self.1]);
    }
}

/// A child SIGKILLed if the test fails before it is.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The state letter of /proc/PID/stat (R, S, T, Z, ...).
fn task_state(pid: u32) -> Option<char> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    stat.rsplit(')').next()?.trim_start().chars().next()
}

/// Whether process `pid` has `path` open.
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten()
        .any(|fd| std::fs::read_link(fd.path()).is_ok_and(|p| p == path))
}

/// Runs `command`, failing the test (not hanging it) if it does not end
/// within a generous deadline.
fn run_with_deadline(mut command: std::process::Command) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sct start hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Output::from(child.wait_with_output().unwrap())
}
