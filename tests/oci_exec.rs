//! `sct exec` by hand, as runc's bats suite drives `runc exec`: a new
//! process in a running container gets its namespaces, cgroup,
//! capabilities, seccomp filter and no_new_privs; the exit code comes
//! back; `--detach` hands the process on; and the CVEs of runc's exec
//! (CVE-2019-5736, CVE-2024-21626) stay closed. Every test checks that
//! nothing is left: state, cgroup, process.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::PathBuf;
use std::process::Stdio;

use bundle::*;
use common::*;
use serde_json::json;

/// Docker's capabilities, as containerd lists them.
const CAPS: &[&str] = &[
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FSETID",
    "CAP_FOWNER",
    "CAP_MKNOD",
    "CAP_NET_RAW",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_SETFCAP",
    "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE",
    "CAP_SYS_CHROOT",
    "CAP_KILL",
    "CAP_AUDIT_WRITE",
];

/// A started container whose init pauses (marked by `token`), with
/// Docker's capabilities, no_new_privs and a seccomp profile that makes
/// mkdir fail with ENOSYS; deleted (and its init reaped) on drop.
struct Started {
    b: Bundle,
    id: &'static str,
    pid: u32,
    cgroups: Vec<PathBuf>,
    token: String,
}

impl Started {
    fn new(id: &'static str) -> Started {
        let token = unique_token(id);
        let b = Bundle::with(&["probe", "pause", &token], |c| {
            c["process"]["noNewPrivileges"] = json!(true);
            c["process"]["capabilities"] = json!({
                "bounding": CAPS, "effective": CAPS, "permitted": CAPS
            });
            c["linux"]["seccomp"] = json!({
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [{
                    "names": ["mkdir", "mkdirat"],
                    "action": "SCMP_ACT_ERRNO",
                    "errnoRet": 38
                }]
            });
            c["linux"]["resources"] = json!({"pids": {"limit": 100}});
        });
        let pid = b.create(id);
        let start = b.sct(&["start", id]);
        assert_eq!(start.code, 0, "{}", start.stderr);
        let cgroups = b.cgroups(id);
        Started {
            b,
            id,
            pid,
            cgroups,
            token,
        }
    }

    /// `sct exec ARGS... ID CMD...`.
    fn exec(&self, flags: &[&str], cmd: &[&str]) -> Output {
        let mut args = vec!["exec"];
        args.extend_from_slice(flags);
        args.push(self.id);
        args.extend_from_slice(cmd);
        self.b.sct(&args)
    }

    /// A line of the init's /proc/PID/status, seen from the host.
    fn init_status(&self, key: &str) -> String {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .unwrap()
            .trim()
            .to_string()
    }
}

impl Drop for Started {
    fn drop(&mut self) {
        let out = self.b.sct(&["delete", "--force", self.id]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        reap(self.pid);
        assert_gone(&self.b, self.id, &self.cgroups);
        assert_processes_gone(&self.token);
    }
}

#[test]
fn exec_output_exit_codes_env_cwd_user() {
    let c = Started::new("xbasic");
    let out = c.exec(&[], &["sh", "-c", "echo hi $OCI_TEST; exit 3"]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (3, "hi 1\n"),
        "{}",
        out.stderr
    );
    assert_eq!(c.exec(&[], &["true"]).code, 0);
    // CMD's own 127 (a shell that found no command) comes back as it is.
    assert_eq!(
        c.exec(&[], &["sh", "-c", "no-such-thing 2>/dev/null"]).code,
        127
    );
    // A CMD that cannot start is sct's failure: exit 1, one line.
    let missing = c.exec(&[], &["/no/such"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stderr,
        "sct: exec /no/such: ENOENT (No such file or directory)\n"
    );
    let env = c.exec(&["-e", "FOO=bar", "--env", "OCI_TEST=2"], &["probe", "env"]);
    assert_eq!(env.value("FOO"), "bar");
    assert_eq!(env.value("OCI_TEST"), "2");
    assert_eq!(env.value("PATH"), "/bin");
    let info = c.exec(&["--cwd", "/tmp"], &["probe", "info"]).ok();
    assert_eq!(info.value("cwd"), "/tmp");
    assert_eq!(info.value("uid"), "0");
    let user = c
        .exec(
            &["-u", "1000:1001", "-g", "5", "--additional-gids", "6"],
            &["probe", "info"],
        )
        .ok();
    assert_eq!(user.value("uid"), "1000");
    assert_eq!(user.value("gid"), "1001");
    assert_eq!(user.value("Groups"), "5 6");
    assert_eq!(user.value("CapEff"), "0000000000000000");
    // Flags after CMD are CMD's.
    let own = c.exec(&[], &["sh", "-c", "printf '%s\\n' \"$0\"", "-e"]);
    assert_eq!(own.stdout, "-e\n");
    let bad = c.exec(&["--cap", "CAP_NOPE"], &["true"]);
    assert_eq!(bad.code, 1);
    assert!(bad
        .stderr
        .starts_with("sct: --cap 'CAP_NOPE': unknown capability"));
}

#[test]
fn exec_joins_namespaces_cgroup_and_gets_caps_seccomp_no_new_privs() {
    let c = Started::new("xconf");
    let info = c.exec(&[], &["probe", "info"]).ok();
    for ns in ["pid", "mnt", "uts", "ipc", "net", "user", "cgroup"] {
        let init = std::fs::read_link(format!("/proc/{}/ns/{ns}", c.pid)).unwrap();
        assert_eq!(
            info.value(&format!("ns.{ns}")),
            init.display().to_string(),
            "{ns}"
        );
    }
    assert_ne!(info.value("ns.pid"), host_ns("pid"));
    assert_ne!(info.value("pid"), "1");
    assert_eq!(info.value("hostname"), "oci");
    let pids = c.exec(&[], &["probe", "pids"]).ok();
    assert!(pids.value("pids").split(',').any(|p| p == "1"), "{pids:?}");
    for key in ["CapEff", "CapPrm", "CapBnd", "NoNewPrivs", "Seccomp"] {
        assert_eq!(info.value(key), c.init_status(key), "{key}");
    }
    assert_eq!(info.value("Seccomp"), "2");
    assert_eq!(info.value("NoNewPrivs"), "1");
    assert_eq!(info.value("CapEff"), "00000000a80425fb");
    assert_eq!(info.value("fds"), "0,1,2");
    // The same cgroup in every hierarchy, so its limits and device rule apply.
    let mut theirs: Vec<String> = std::fs::read_to_string(format!("/proc/{}/cgroup", c.pid))
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    let mut ours: Vec<String> = info
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("cgroup="))
        .map(String::from)
        .collect();
    theirs.sort();
    ours.sort();
    assert_eq!(ours, theirs);
    // The filter is the container's: mkdir fails as its profile says.
    let mkdir = c.exec(
        &[],
        &[
            "sh",
            "-c",
            "mkdir /tmp/x 2>&1; test -d /tmp/x || echo refused",
        ],
    );
    assert!(
        mkdir.stdout.contains("Function not implemented"),
        "{mkdir:?}"
    );
    // --cap adds to the container's, --no-new-privs is on anyway here.
    let more = c.exec(&["--cap", "CAP_SYS_NICE"], &["probe", "info"]).ok();
    assert_eq!(
        more.value("CapEff"),
        "00000000a80425fb".replace("a80425fb", "a88425fb")
    );
    assert_processes_gone(&format!("{}-none", c.token));
}

#[test]
fn exec_with_a_process_file_as_containerd_calls_it() {
    let c = Started::new("xproc");
    let process = c.b.dir().join("process.json");
    std::fs::write(
        &process,
        json!({
            "args": ["sh", "-c", "echo $A $(pwd) $(id -u):$(id -g); grep -E '^(CapEff|NoNewPrivs)' /proc/self/status; exit 4"],
            "env": ["PATH=/bin", "A=from-file"],
            "cwd": "/etc",
            "user": {"uid": 2, "gid": 3},
            "noNewPrivileges": false,
            "terminal": false
        })
        .to_string(),
    )
    .unwrap();
    let p = process.to_str().unwrap();
    let out = c.exec(&["--process", p], &[]);
    assert_eq!(out.code, 4, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "from-file /etc 2:3\nCapEff:\t0000000000000000\nNoNewPrivs:\t0\n"
    );
    // containerd's exact call, --detach and --pid-file included.
    let pid_file = c.b.dir().join("exec1.pid");
    std::fs::write(
        &process,
        json!({"args": ["probe", "wait-signal", "USR1"], "cwd": "/", "user": {"uid": 0, "gid": 0}})
            .to_string(),
    )
    .unwrap();
    let detached_out = c.b.dir().join("detached.out");
    let log = c.b.dir().join("log.json");
    let status =
        c.b.command(&[
            "--log",
            log.to_str().unwrap(),
            "--log-format",
            "json",
            "exec",
            "--process",
            p,
            "--detach",
            "--pid-file",
            pid_file.to_str().unwrap(),
            c.id,
        ])
        .stdout(std::fs::File::create(&detached_out).unwrap())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().parse().unwrap();
    // The test process, a child subreaper like the shim, is its parent now.
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let ppid: u32 = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(ppid, std::process::id());
    // It outlives sct (no death signal left armed) and still takes signals.
    let read = || std::fs::read_to_string(&detached_out).unwrap();
    wait_until("ready", || read() == "ready\n");
    send_signal(pid, "USR1");
    wait_until("got=10", || read() == "ready\ngot=10\n");
    assert_eq!(reap(pid), 0);
    // A failure is in the log as containerd reads it.
    std::fs::write(
        &process,
        json!({"args": ["/nope"], "cwd": "/", "user": {"uid": 0, "gid": 0}}).to_string(),
    )
    .unwrap();
    let out = c.b.sct(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "exec",
        "--process",
        p,
        "-d",
        c.id,
    ]);
    assert_eq!(out.code, 1);
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains(r#""level":"error","msg":"exec /nope: ENOENT"#));
    std::fs::write(
        &process,
        json!({"args": 5, "cwd": "/", "user": {"uid": 0, "gid": 0}}).to_string(),
    )
    .unwrap();
    let out = c.b.sct(&["exec", "--process", p, c.id]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr.contains("process.args: expected an array"),
        "{}",
        out.stderr
    );
}

#[test]
fn exec_signals_reach_the_process_and_preserve_fds() {
    let c = Started::new("xsig");
    let mut child =
        c.b.command(&["exec", c.id, "probe", "wait-signal", "USR1"])
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
    let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "ready\n");
    send_signal(child.id(), "USR1");
    line.clear();
    std::io::BufRead::read_line(&mut out, &mut line).unwrap();
    assert_eq!(line, "got=10\n");
    assert_eq!(child.wait().unwrap().code(), Some(0));
    // 128+N when signal N ends it.
    assert_eq!(c.exec(&[], &["sh", "-c", "kill -9 $$"]).code, 137);
    // fds 3 and 4 open, one preserved.
    let file = c.b.dir().join("marker-outside");
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec 3<"$1" 4<"$1"; shift; exec "$@""#)
        .arg("sh")
        .arg(&file)
        .arg(SCT)
        .arg("--root")
        .arg(&c.b.state_root)
        .args([
            "exec",
            "--preserve-fds",
            "1",
            c.id,
            "sh",
            "-c",
            "probe info | grep fds=; cat <&3",
        ])
        .output()
        .unwrap();
    let out = Output::from(out);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "fds=0,1,2,3\nhost secret\n");
    let closed = c.exec(&["--preserve-fds", "2"], &["true"]);
    assert_eq!(closed.code, 1);
    assert!(
        closed.stderr.starts_with("sct: --preserve-fds 2: "),
        "{}",
        closed.stderr
    );
}

/// CVE-2024-21626: a cwd through a descriptor of sct's
/// (/proc/self/fd/N, which then names a host directory such as the
/// container's cgroup under /sys/fs/cgroup) is refused; and no
/// descriptor but stdio reaches the process (info's fds above).
#[test]
fn exec_refuses_a_cwd_outside_the_root() {
    let c = Started::new("xcwd");
    for fd in 3..16 {
        let path = format!("/proc/self/fd/{fd}");
        let out = c.exec(&["--cwd", &path], &["probe", "info"]);
        assert_eq!(out.code, 1, "cwd {path}: {out:?}");
        assert!(
            out.stderr.starts_with(&format!("sct: chdir {path}")),
            "{}",
            out.stderr
        );
    }
    let out = c
        .exec(&["--cwd", "/proc/1/cwd/.."], &["probe", "info"])
        .ok();
    assert_eq!(out.value("cwd"), "/");
}

/// CVE-2019-5736: whatever sct process a container can see runs from a
/// sealed copy (not sct's file on the host) and is non-dumpable. Here sct
/// itself is started inside the container through /proc/self/exe (the
/// CVE's way in) and held at a lock the test holds.
#[test]
fn exec_runtime_binary_cannot_be_reached_from_inside() {
    let c = Started::new("xexe");
    let root = c.b.rootfs.path();
    std::fs::create_dir_all(root.join("state/held")).unwrap();
    let held = rustix::fs::open(
        root.join("state/held").to_str().unwrap(),
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    rustix::fs::flock(&held, rustix::fs::FlockOperation::LockExclusive).unwrap();
    let token = format!("{}-inner", c.token);
    let mut inner =
        c.b.command(&[
            "exec",
            c.id,
            "/proc/self/exe",
            "--root",
            "/state",
            "exec",
            "held",
            &token,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // The outer sct's command line names the token too. The inner one is
    // the process the kernel lists waiting for the lock: past its exec
    // (from fork to exec, the outer's child shows the outer's command
    // line, and none while exec swaps its memory) and past making itself
    // non-dumpable (execve made it dumpable again), as the checks below
    // need.
    let outer_pid = inner.id();
    let mut pid = 0;
    wait_until("inner sct waiting for the lock", || {
        let ours = processes_with(&token);
        pid = flock_waiters()
            .into_iter()
            .find(|p| *p != outer_pid && ours.contains(p))
            .unwrap_or(0);
        pid != 0
    });
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap();
    assert_eq!(exe.to_str().unwrap(), "/memfd:sct (deleted)");
    // Even from the host, the copy takes no write.
    let w = std::fs::OpenOptions::new()
        .write(true)
        .open(format!("/proc/{pid}/exe"));
    if let Ok(mut f) = w {
        assert!(std::io::Write::write_all(&mut f, b"x").is_err());
    }
    // The outer sct, the exec'd process's parent, runs from the copy too.
    let outer = std::fs::read_link(format!("/proc/{outer_pid}/exe")).unwrap();
    assert_eq!(outer.to_str().unwrap(), "/memfd:sct (deleted)");
    // From inside: the inner sct is non-dumpable, so no container process
    // (without CAP_SYS_PTRACE) opens its exe at all.
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let nspid = status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .unwrap();
    let inside = nspid.split_whitespace().last().unwrap();
    let open = c.exec(&[], &["probe", "open", &format!("/proc/{inside}/exe"), "r"]);
    assert_eq!(open.value("open"), "EACCES", "{open:?}");
    drop(held);
    let _ = inner.wait();
    assert_processes_gone(&token);
}

/// The pids that /proc/locks shows blocked (`->`) on a flock, as seen
/// from the test's PID namespace. Which lock is not asked: the inner sct,
/// the only other process that carries its token, waits on no other.
fn flock_waiters() -> Vec<u32> {
    let locks = std::fs::read_to_string("/proc/locks").unwrap();
    locks
        .lines()
        .filter_map(|l| {
            // `2: -> FLOCK  ADVISORY  WRITE 1234 00:2f:5678 0 EOF`
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.get(1) == Some(&"->") && f.get(2) == Some(&"FLOCK"))
                .then(|| f.get(5)?.parse().ok())?
        })
        .collect()
}

#[test]
fn exec_into_a_paused_container_fails_clearly_and_works_after_resume() {
    let c = Started::new("xpaused");
    let pause = c.b.sct(&["pause", c.id]);
    assert_eq!(pause.code, 0, "{}", pause.stderr);
    let out = c.exec(&[], &["true"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "sct: exec xpaused: the container is paused\n")
    );
    let resume = c.b.sct(&["resume", c.id]);
    assert_eq!(resume.code, 0, "{}", resume.stderr);
    assert_eq!(c.exec(&[], &["true"]).code, 0);
}

#[test]
fn exec_into_missing_created_stopped_containers_fails_clearly() {
    let b = Bundle::new(&["true"]);
    let out = b.sct(&["exec", "nope", "true"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "sct: container nope: does not exist\n")
    );
    let pid = b.create("xcreated");
    let out = b.sct(&["exec", "xcreated", "true"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "sct: exec xcreated: the container is created\n")
    );
    assert_eq!(b.sct(&["start", "xcreated"]).code, 0);
    assert_eq!(reap(pid), 0);
    let out = b.sct(&["exec", "xcreated", "true"]);
    assert_eq!(
        (out.code, out.stderr.as_str()),
        (1, "sct: exec xcreated: the container is stopped\n")
    );
    let out = b.sct(&["exec", "xcreated"]);
    assert_eq!(out.code, 1);
    assert!(out
        .stderr
        .starts_with("sct: exec needs a command or --process FILE"));
    let cgroups = b.cgroups("xcreated");
    assert_eq!(b.sct(&["delete", "xcreated"]).code, 0);
    assert_gone(&b, "xcreated", &cgroups);
}
