//! Test support: builds the probe, assembles a rootfs per test, runs the real
//! sct binary (directly, or under a seccomp filter that fakes an older
//! kernel) and parses what the probe prints.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

pub mod containerd;
pub mod elf;

pub const SCT: &str = env!("CARGO_BIN_EXE_sct");
pub const BUSYBOX: &str = "/bin/busybox";

/// The sct to test: `SCT_TEST_BINARY` where the test program runs without
/// its build tree (tests/vm/suite.d/host-tests.sh runs one in the VM),
/// else the one cargo built.
pub fn sct_path() -> &'static str {
    static PATH: OnceLock<String> = OnceLock::new();
    PATH.get_or_init(|| std::env::var("SCT_TEST_BINARY").unwrap_or_else(|_| SCT.into()))
}

/// Applets linked into every test rootfs.
const APPLETS: &[&str] = &[
    "sh", "true", "false", "echo", "cat", "ls", "sleep", "id", "hostname", "ps", "kill", "mount",
    "touch", "mkdir", "rm", "wc", "grep", "stat", "mknod", "env", "readlink", "test",
];

/// Whether a tool a test needs is there (`ready`). Tests install nothing:
/// `build/test` (build/deps) does. Missing, it is a failure under `CI=true`
/// and a SKIP, with `what` said, otherwise.
pub fn tool_ready(ready: bool, what: &str) -> bool {
    if ready {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!("{what} is missing (build/test installs it); under CI=true that is a failure");
    }
    println!("SKIP: {what} is missing; build/test installs it");
    false
}

/// Fails the test unless it runs as root: every test here needs namespaces.
pub fn require_root() {
    // SAFETY-free check through /proc: uid 0 in our own status.
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let uid = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(
        uid.split_whitespace().nth(1) == Some("0"),
        "these tests run sct as root; run them as root"
    );
}

/// The host-architecture probe, built once per test process, or
/// `SCT_TEST_PROBE` (as `sct_path`).
pub fn probe() -> &'static Path {
    static PROBE: OnceLock<PathBuf> = OnceLock::new();
    PROBE.get_or_init(|| match std::env::var_os("SCT_TEST_PROBE") {
        Some(p) => p.into(),
        None => build_probe(std::env::consts::ARCH),
    })
}

/// `cargo build --quiet --release ARGS --target TRIPLE` in the project, into
/// `target/DIR` (a target dir of its own: the one of `cargo test` is locked
/// while tests run); returns the release directory of TRIPLE.
pub fn cargo_build(args: &[&str], triple: &str, dir: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = root.join("target").join(dir);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args(["build", "--quiet", "--release", "--target", triple])
        .args(args)
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .expect("run cargo");
    assert!(
        status.success(),
        "cargo build {args:?} --target {triple} failed (is the target installed? rustup target add {triple})"
    );
    target_dir.join(triple).join("release")
}

/// Builds the probe for `arch` (x86_64, aarch64) as a static musl binary.
pub fn build_probe(arch: &str) -> PathBuf {
    let triple = format!("{arch}-unknown-linux-musl");
    cargo_build(
        &["--manifest-path", "tests/probe/Cargo.toml"],
        &triple,
        "probe",
    )
    .join("sct-probe")
}

/// A directory holding a fresh rootfs (`root/`) and a marker file beside it
/// that must stay unreachable from inside. Removed on drop.
pub struct Rootfs {
    dir: PathBuf,
    root: PathBuf,
}

impl Rootfs {
    /// busybox (with its applets) and the probe as /bin/probe.
    pub fn new() -> Self {
        require_root();
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "sct-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let root = dir.join("root");
        for d in ["bin", "proc", "tmp", "etc"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(dir.join("marker-outside"), "host secret\n").unwrap();
        assert!(
            elf::inspect(Path::new(BUSYBOX))
                .map(|e| e.is_static())
                .unwrap_or(false),
            "{BUSYBOX} must be a static busybox (Debian package busybox-static)"
        );
        std::fs::copy(BUSYBOX, root.join("bin/busybox")).unwrap();
        for a in APPLETS {
            std::os::unix::fs::symlink("busybox", root.join("bin").join(a)).unwrap();
        }
        std::fs::copy(probe(), root.join("bin/probe")).unwrap();
        Rootfs { dir, root }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    /// The directory that holds the rootfs: the host side of things.
    pub fn outside(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Rootfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Which way sct creates its child.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Spawn {
    /// This kernel as it is: clone3.
    Clone3,
    /// clone3 fails with ENOSYS, as before Linux 5.3: the classic clone path.
    OldKernel,
    /// clone3 refuses CLONE_INTO_CGROUP (E2BIG), as on Linux 5.3 to 5.6.
    NoCloneIntoCgroup,
}

#[derive(Clone, Copy, Debug)]
pub struct Sct {
    pub spawn: Spawn,
}

impl Sct {
    /// A command that runs sct with `args`.
    pub fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut c = match self.spawn {
            Spawn::Clone3 => Command::new(sct_path()),
            Spawn::OldKernel => {
                let mut c = Command::new(probe());
                c.args(["fake-old-kernel", "no-clone3", "--", sct_path()]);
                c
            }
            Spawn::NoCloneIntoCgroup => {
                let mut c = Command::new(probe());
                c.args(["fake-old-kernel", "no-clone-into-cgroup", "--", sct_path()]);
                c
            }
        };
        c.args(args).stdin(Stdio::null());
        c
    }

    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        let out = self.command(args).output().expect("start sct");
        Output::from(out)
    }

    /// Runs `sct [opts] ROOTFS CMD...`.
    pub fn run_in<S: AsRef<std::ffi::OsStr>>(
        &self,
        rootfs: &Rootfs,
        opts: &[&str],
        cmd: &[S],
    ) -> Output {
        let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
        args.push(rootfs.path().into());
        args.extend(cmd.iter().map(|s| s.as_ref().to_owned()));
        self.run(&args)
    }
}

#[derive(Debug)]
pub struct Output {
    /// The exit code, or 128+N when sct itself died from signal N.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<std::process::Output> for Output {
    fn from(o: std::process::Output) -> Self {
        use std::os::unix::process::ExitStatusExt;
        let code = o
            .status
            .code()
            .unwrap_or_else(|| 128 + o.status.signal().unwrap_or(0));
        Output {
            code,
            stdout: String::from_utf8_lossy(&o.stdout).into(),
            stderr: String::from_utf8_lossy(&o.stderr).into(),
        }
    }
}

impl Output {
    /// The probe's `key=value` lines (the last value wins).
    pub fn values(&self) -> BTreeMap<String, String> {
        self.stdout
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    pub fn value(&self, key: &str) -> String {
        match self.values().get(key) {
            Some(v) => v.clone(),
            None => panic!("probe printed no {key}=; output: {self:?}"),
        }
    }

    /// Asserts a clean run and returns self.
    pub fn ok(self) -> Self {
        assert_eq!(self.code, 0, "sct failed: {self:?}");
        self
    }
}

/// The namespace link of the test process itself, e.g. `pid:[4026531836]`.
pub fn host_ns(ns: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{ns}"))
        .unwrap()
        .display()
        .to_string()
}

/// Processes on the host whose command line contains `token`.
pub fn processes_with(token: &str) -> Vec<u32> {
    let mut found = vec![];
    for e in std::fs::read_dir("/proc").unwrap().flatten() {
        let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
            continue;
        };
        if let Ok(cmdline) = std::fs::read(format!("/proc/{pid}/cmdline")) {
            if cmdline
                .split(|&b| b == 0)
                .any(|arg| arg == token.as_bytes())
            {
                found.push(pid);
            }
        }
    }
    found
}

/// A running sct that is SIGKILLed if the test ends early, so that a failed
/// assertion does not leave a container behind.
pub struct Running(pub std::process::Child);

impl std::ops::Deref for Running {
    type Target = std::process::Child;
    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Sct {
    /// Starts `sct ARGS` with stdout piped and returns once the command has
    /// printed its first line, `ready` (the probe's `pause` and
    /// `wait-signal` do).
    pub fn start_ready<S: AsRef<std::ffi::OsStr>>(
        &self,
        args: &[S],
    ) -> (Running, std::io::BufReader<std::process::ChildStdout>) {
        use std::io::BufRead;
        let mut child = Running(self.command(args).stdout(Stdio::piped()).spawn().unwrap());
        let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, "ready\n");
        (child, out)
    }
}

/// Sends signal `name` (`TERM`, `USR1`, ...) to `pid` with kill(1).
pub fn send_signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args(["-s", name, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -s {name} {pid}");
}

/// Each of sct's forwarded signals, sent to sct, reaches `probe wait-signal`
/// running with `opts`.
pub fn assert_signals_reach_the_command(sct: Sct, rootfs: &Rootfs, opts: &[&str]) {
    use std::io::BufRead;
    let signals = [
        ("TERM", 15),
        ("INT", 2),
        ("HUP", 1),
        ("QUIT", 3),
        ("USR1", 10),
        ("USR2", 12),
        ("WINCH", 28),
    ];
    for (name, number) in signals {
        let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
        args.extend([
            rootfs.path().into(),
            "/bin/probe".into(),
            "wait-signal".into(),
            name.into(),
        ]);
        let (mut child, mut out) = sct.start_ready(&args);
        send_signal(child.id(), name);
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        assert_eq!(line, format!("got={number}\n"), "SIG{name} with {opts:?}");
        assert!(child.wait().unwrap().success());
    }
}

/// Waits up to 30 s (the project's generous deadline: a loaded CI machine)
/// until no process carries `token`.
pub fn assert_processes_gone(token: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !processes_with(token).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "container processes outlived sct: {:?}",
            processes_with(token)
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// A token unique to this test run, to find processes by.
pub fn unique_token(tag: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "sct-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// Defines a test that runs once on each spawn path: `name::clone3` and
/// `name::old_kernel`.
#[macro_export]
macro_rules! both_paths {
    ($(fn $name:ident($sct:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($sct: $crate::common::Sct) $body
            #[test]
            fn clone3() {
                body($crate::common::Sct { spawn: $crate::common::Spawn::Clone3 })
            }
            #[test]
            fn old_kernel() {
                body($crate::common::Sct { spawn: $crate::common::Spawn::OldKernel })
            }
        }
    )*};
}

/// The test process's own cgroup for a v1 controller, from /proc/self/cgroup
/// (without a trailing slash: "" for the root).
pub fn own_cgroup(controller: &str) -> String {
    let text = std::fs::read_to_string("/proc/self/cgroup").unwrap();
    for line in text.lines() {
        let mut f = line.splitn(3, ':');
        let (_, ctrls, path) = (f.next().unwrap(), f.next().unwrap(), f.next().unwrap());
        if ctrls.split(',').any(|c| c == controller) {
            return path.trim_end_matches('/').to_string();
        }
    }
    panic!("no {controller} line in /proc/self/cgroup: {text}");
}

/// Removes a test cgroup however the test ends.
pub struct RemoveDir(pub PathBuf);

impl Drop for RemoveDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.0);
    }
}

/// Runs `command` with its output captured, failing the test (not hanging
/// it) if it has not ended within a generous deadline; `what` names it.
pub fn output_within(mut command: Command, what: &str) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{what} still ran after 30 s: it hangs");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Exited: the pipes are at EOF.
    Output::from(child.wait_with_output().unwrap())
}
