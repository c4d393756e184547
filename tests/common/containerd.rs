//! A private containerd daemon for tests: its own root, state and socket
//! under a temporary directory, CRI off, in a mount namespace of its own
//! with a fresh tmpfs on /run, where its shims put their sockets
//! (containerd 1.6 has `/run/containerd/s` built in), so that nothing of it
//! stays on the host; ctr's FIFOs go to the temporary directory. `start`
//! skips with a reason where containerd is not installed (build/deps
//! installs Debian's); under CI=true that is a failure.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

pub struct Containerd {
    pub dir: PathBuf,
    daemon: Child,
    pub rootfs: Rootfs,
}

impl Containerd {
    pub fn start() -> Option<Containerd> {
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

    pub fn ctr_command(&self, args: &[&str]) -> Command {
        let mut c = Command::new("ctr");
        c.arg("-a").arg(self.dir.join("sock")).args(args);
        c.stdin(Stdio::null());
        c
    }

    pub fn ctr(&self, args: &[&str]) -> Output {
        Output::from(self.ctr_command(args).output().unwrap())
    }

    /// `ctr run --rm --runc-binary sct ... --rootfs ROOTFS ID ARGS`.
    pub fn run(&self, opts: &[&str], id: &str, args: &[&str]) -> Output {
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
