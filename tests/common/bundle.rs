//! A bundle for OCI mode's tests: config.json beside a rootfs, a `--root`
//! of its own, and the test process in the shim's place.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{json, Value};

/// A bundle (config.json beside the rootfs) and a `--root` of its own.
pub struct Bundle {
    pub rootfs: Rootfs,
    pub state_root: PathBuf,
}

/// A test that fails half-way leaves nothing behind: the containers still
/// listed under this bundle's `--root` are force-deleted, cgroups included
/// (a container's cgroup is its state's, which no later sct removes as
/// stale).
impl Drop for Bundle {
    fn drop(&mut self) {
        let Ok(out) = self.command(&["list", "--quiet"]).output() else {
            return;
        };
        for id in String::from_utf8_lossy(&out.stdout).lines() {
            let _ = self.command(&["delete", "--force", id]).output();
        }
    }
}

impl Bundle {
    /// A bundle whose process runs `args`, with ctr's namespaces and
    /// device list (../shared/notes/oci.md).
    pub fn new(args: &[&str]) -> Bundle {
        Self::with(args, |_| {})
    }

    pub fn with(args: &[&str], edit: impl FnOnce(&mut Value)) -> Bundle {
        // The test process takes the shim's place: the parked init becomes
        // its child once `create` exits.
        rustix::process::set_child_subreaper(Some(rustix::process::getpid())).unwrap();
        let rootfs = Rootfs::new();
        let mut config = json!({
            "ociVersion": "1.0.2",
            "root": {"path": "root"},
            "process": {
                "args": args,
                "env": ["PATH=/bin", "OCI_TEST=1"],
                "cwd": "/",
                "user": {"uid": 0, "gid": 0},
                "terminal": false
            },
            "hostname": "oci",
            "linux": {
                "namespaces": [
                    {"type": "pid"}, {"type": "ipc"}, {"type": "uts"},
                    {"type": "mount"}, {"type": "network"}
                ]
            },
            "annotations": {"org.test": "yes"}
        });
        edit(&mut config);
        std::fs::write(
            rootfs.outside().join("config.json"),
            serde_json::to_vec_pretty(&config).unwrap(),
        )
        .unwrap();
        let state_root = rootfs.outside().join("state");
        Bundle { rootfs, state_root }
    }

    pub fn dir(&self) -> &Path {
        self.rootfs.outside()
    }

    /// `sct --root STATE ARGS`, stdio not inherited.
    pub fn sct(&self, args: &[&str]) -> Output {
        let out = self.command(args).output().expect("start sct");
        Output::from(out)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(SCT);
        c.arg("--root").arg(&self.state_root).args(args);
        c.current_dir(self.dir()).stdin(Stdio::null());
        c
    }

    /// `create` with the init's stdout and stderr in files (a parked
    /// container holds them open, as it holds containerd's FIFOs).
    pub fn create(&self, id: &str) -> u32 {
        let pid_file = self.dir().join(format!("{id}.pid"));
        let status = self
            .command(&["create", "--pid-file", pid_file.to_str().unwrap(), id])
            .stdout(std::fs::File::create(self.dir().join("stdout")).unwrap())
            .stderr(std::fs::File::create(self.dir().join("stderr")).unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "create: {}", self.read("stderr"));
        std::fs::read_to_string(pid_file).unwrap().parse().unwrap()
    }

    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir().join(name)).unwrap_or_default()
    }

    pub fn state(&self, id: &str) -> Value {
        let out = self.sct(&["state", id]);
        assert_eq!(out.code, 0, "state: {}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    }

    pub fn container_dir(&self, id: &str) -> PathBuf {
        self.state_root.join(id)
    }

    /// The cgroup directories the container's state names.
    pub fn cgroups(&self, id: &str) -> Vec<PathBuf> {
        let text = std::fs::read_to_string(self.container_dir(id).join("state.json")).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        v["cgroups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| PathBuf::from(c.as_str().unwrap()))
            .collect()
    }
}

/// Reaps the container's init as the shim would: its exit code, or
/// 128+N after signal N.
pub fn reap(pid: u32) -> i32 {
    use rustix::process::{waitpid, Pid, WaitOptions};
    let (_, status) = waitpid(Pid::from_raw(pid as i32), WaitOptions::empty())
        .unwrap()
        .unwrap();
    match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => code,
        (_, Some(sig)) => 128 + sig,
        _ => panic!("init {pid}: {status:?}"),
    }
}

/// Waits until `cond` holds, or fails after a generous deadline.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

pub fn assert_gone(b: &Bundle, id: &str, cgroups: &[PathBuf]) {
    assert!(!b.container_dir(id).exists(), "state of {id} left behind");
    for cg in cgroups {
        assert!(!cg.exists(), "cgroup {} left behind", cg.display());
    }
    assert_processes_gone(id);
}
