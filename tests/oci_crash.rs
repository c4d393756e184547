//! kill -9 of `create` and `start` at the exact moments that matter, held
//! there without timing luck: `create` after each step it leaves on disk,
//! and `start` in the one window where the state on disk cannot tell the
//! truth by itself (after it let the parked init go, before it unlinked
//! the exec FIFO; the status then comes from the init itself,
//! oci::state::status). Apart from tests/oci_kill.rs, which reaps every
//! orphan and so would steal the children these tests wait for.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

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
    let again = output_within(b.command(&["start", id]), "sct start");
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
        // What the kills orphan to this process stays a zombie until the
        // test ends: reaping any child would steal the other test's.
        assert_processes_gone(&id);
        if !killed {
            println!("create got through at step {step}");
            assert!(step > 5, "create made too few steps to be held: {step}");
            break;
        }
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
