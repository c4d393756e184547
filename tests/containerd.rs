//! containerd drives sct as it drives runc: a private containerd daemon
//! (its own root, state and socket under a temporary directory, CRI off)
//! and `ctr run --runc-binary sct`. The daemon runs in a mount namespace
//! of its own with a fresh tmpfs on /run, where its shims put their
//! sockets (containerd 1.6 has `/run/containerd/s` built in), so that
//! nothing of it stays on the host; ctr's FIFOs go to the temporary
//! directory. The daemon runs in a mount namespace
//! of its own with a fresh tmpfs on /run, where its shims put their
//! sockets (containerd 1.6 has `/run/containerd/s` built in), so that
//! nothing of it stays on the host; ctr's FIFOs go to the temporary
//! directory. Skips with a reason where containerd
//! is not installed (build/deps installs Debian's); under CI=true that is a
//! failure.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;

struct Containerd {
    dir: PathBuf,
    daemon: Child,
    rootfs: Rootfs,
}

impl Containerd {
    fn start() -> Option<Containerd> {
        let ready = Path::new("/usr/bin/containerd").exists()
            && Path::new("/usr/bin/ctr").exists()
            && Path::new("/usr/bin/containerd-shim-runc-v2").exists();
        if !tool_ready(
            ready,
            "containerd, ctr and containerd-shim-runc-v2 (Debian containerd)",
        ) {
            return None;
        }
        let rootfs = Rootfs::new();
        let dir = rootfs.outside().join("containerd");
        std::fs::create_dir_all(&dir).unwrap();
        let d = dir.display();
        std::fs::write(
            dir.join("config.toml"),
            format!(
                "version = 2\nroot = \"{d}/root\"\nstate = \"{d}/state\"\n\
                 disabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n\
                 [grpc]\n  address = \"{d}/sock\"\n\
                 [ttrpc]\n  address = \"{d}/sock.ttrpc\"\n\
                 [debug]\n  address = \"{d}/debug.sock\"\n"
            ),
        )
        .unwrap();
        let daemon = Command::new("unshare")
            .args(["-m", "--propagation", "private", "sh", "-c"])
            .arg("mount -t tmpfs tmpfs /run && exec \"$@\"")
            .args(["sh", "containerd", "--config"])
            .arg(dir.join("config.toml"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("log")).unwrap())
            .spawn()
            .unwrap();
        let c = Containerd {
            dir,
            daemon,
            rootfs,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        while c.ctr(&["version"]).code != 0 {
            assert!(Instant::now() < deadline, "containerd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(c)
    }

    fn ctr_command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ctr");
        c.arg("-a").arg(self.dir.join("sock")).args(args);
        c.stdin(Stdio::null());
        c
    }

    fn ctr(&self, args: &[&str]) -> Output {
        Output::from(self.ctr_command(args).output().unwrap())
    }

    /// `ctr run --rm --runc-binary sct ... --rootfs ROOTFS ID ARGS`.
    fn run(&self, opts: &[&str], id: &str, args: &[&str]) -> Output {
        let root = self.dir.join("runc");
        let fifo = self.dir.join("fifo");
        let mut all = vec![
            "run",
            "--fifo-dir",
            fifo.to_str().unwrap(),
            "--runc-binary",
            SCT,
            "--runc-root",
            root.to_str().unwrap(),
        ];
        all.extend_from_slice(opts);
        all.extend_from_slice(&["--rootfs", self.rootfs.path().to_str().unwrap(), id]);
        all.extend_from_slice(args);
        self.ctr(&all)
    }
}

impl Drop for Containerd {
    fn drop(&mut self) {
        // Shims outlive their daemon: each is told to go by its containers'
        // deletion, and any left is killed by the socket it was given.
        let sock = self.dir.join("sock");
        for pid in processes_with(sock.to_str().unwrap()) {
            let _ = Command::new("kill").arg("-9").arg(pid.to_string()).status();
        }
        let _ = self.daemon.kill();
        let _ = self.daemon.wait();
        // containerd mounts nothing for --rootfs containers, but its state
        // holds tmpfs-free directories only; remove them.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

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
