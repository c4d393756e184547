//! The device rule: no host device outside the default set is usable from
//! inside, by any route, and each layer (the cgroup rule, the seccomp mknod
//! rule, nodev mounts) holds on its own; `--device` passes one in; raw
//! sockets on the host's network need `--cap-add NET_RAW`.
//!
//! A real loop device over an image of known bytes stands in for the host's
//! disk, and /dev/kmsg (c 1 11) for its kernel log.

mod common;

use common::*;
use std::path::PathBuf;

/// A loop device over a 64 KiB image whose first 16 bytes are known;
/// detached on drop.
struct LoopDevice {
    path: String,
    major: u32,
    minor: u32,
    image: PathBuf,
    /// The image's first 16 bytes, as the probe prints them.
    hex: String,
}

impl LoopDevice {
    fn new() -> Self {
        require_root();
        let image = std::env::temp_dir().join(unique_token("disk"));
        let mut bytes = unique_token("disk-bytes").into_bytes();
        bytes.resize(64 * 1024, 0x5a);
        std::fs::write(&image, &bytes).unwrap();
        let out = std::process::Command::new("losetup")
            .arg("--find")
            .arg("--show")
            .arg(&image)
            .output()
            .expect("losetup (util-linux)");
        assert!(out.status.success(), "losetup: {out:?}");
        let path = String::from_utf8(out.stdout).unwrap().trim().to_string();
        let rdev = std::os::unix::fs::MetadataExt::rdev(&std::fs::metadata(&path).unwrap());
        let hex = bytes[..16].iter().map(|b| format!("{b:02x}")).collect();
        LoopDevice {
            path,
            major: ((rdev >> 8) & 0xfff) as u32,
            minor: ((rdev & 0xff) | ((rdev >> 12) & 0xfff00)) as u32,
            image,
            hex,
        }
    }

    fn major(&self) -> String {
        self.major.to_string()
    }

    fn minor(&self) -> String {
        self.minor.to_string()
    }
}

impl Drop for LoopDevice {
    fn drop(&mut self) {
        let _ = std::process::Command::new("losetup")
            .args(["-d", &self.path])
            .status();
        let _ = std::fs::remove_file(&self.image);
    }
}

/// Runs a shell script inside; returns its output.
fn sh(sct: Sct, rootfs: &Rootfs, opts: &[&str], script: &str) -> Output {
    sct.run_in(rootfs, opts, &["/bin/sh", "-c", script])
}

/// Every way a node could get into the container, each followed by an
/// attempt to read it (the disk) or write it (kmsg).
fn routes(disk: &LoopDevice) -> String {
    let (ma, mi) = (disk.major(), disk.minor());
    format!(
        "probe mknod /tmp/d b {ma} {mi}; probe open /tmp/d r
         probe mknod /dev/d b {ma} {mi}; probe open /dev/d r
         probe mknod /scratch/d b {ma} {mi}; probe open /scratch/d r
         probe mknod /mnt/d b {ma} {mi}; probe open /mnt/d r
         probe open /disk r
         probe mknod /dev/k c 1 11; probe open /dev/k w
         probe mknod /tmp/k c 1 11; probe open /tmp/k w
         true"
    )
}

/// A rootfs whose image ships the disk's node as /disk, and a host directory
/// to bind.
fn rootfs_with_node(disk: &LoopDevice) -> (Rootfs, tempdir::Dir) {
    let rootfs = Rootfs::new();
    let status = std::process::Command::new("mknod")
        .arg(rootfs.path().join("disk"))
        .args(["b", &disk.major(), &disk.minor()])
        .status()
        .unwrap();
    assert!(status.success());
    (rootfs, tempdir::Dir::new("bind"))
}

mod tempdir {
    /// A host directory, removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new(tag: &str) -> Self {
            let p = std::env::temp_dir().join(super::unique_token(tag));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
        pub fn bind(&self, dst: &str) -> String {
            format!("{}:{dst}", self.0.display())
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

both_paths! {
    fn no_route_reaches_a_host_device(sct) {
        let disk = LoopDevice::new();
        let (rootfs, dir) = rootfs_with_node(&disk);
        let bind = dir.bind("/mnt");
        let base = ["--tmpfs", "/scratch", "-v", bind.as_str()];
        for extra in [&[][..], &["--cap-add", "ALL"], &["--memory", "64m"], &["--pids-limit", "50", "--net", "none"]] {
            let mut opts = base.to_vec();
            opts.extend_from_slice(extra);
            let out = sh(sct, &rootfs, &opts, &routes(&disk));
            assert_eq!(out.code, 0, "{extra:?}: {out:?}");
            // Every mknod of a host node is refused, every open fails.
            assert!(!out.stdout.contains("open=ok"), "{extra:?}:\n{}", out.stdout);
            assert!(!out.stdout.contains("\nok\n"), "{extra:?}:\n{}", out.stdout);
            assert_eq!(out.stdout.matches("error=EPERM").count(), 6, "{extra:?}:\n{}", out.stdout);
            // The node the image ships: nodev, and the rule behind it.
            assert!(out.stdout.contains("open=EACCES"), "{extra:?}:\n{}", out.stdout);
        }
    }

    fn the_cgroup_rule_alone_refuses_use(sct) {
        // No seccomp filter: mknod works, and /dev is no nodev mount.
        let disk = LoopDevice::new();
        let rootfs = Rootfs::new();
        let (ma, mi) = (disk.major(), disk.minor());
        let script = format!(
            "probe mknod /dev/d b {ma} {mi}; probe open /dev/d r; probe open /dev/d w
             probe mknod /dev/k c 1 11; probe open /dev/k w
             probe mknod /dev/n c 1 3; probe open /dev/n w"
        );
        let out = sh(sct, &rootfs, &["--seccomp", "unconfined"], &script);
        assert_eq!(
            out.stdout,
            "ok\nopen=EPERM\nopen=EPERM\nok\nopen=EPERM\nok\nopen=ok\n",
            "{out:?}"
        );
    }

    fn the_seccomp_rule_alone_refuses_mknod(sct) {
        let disk = LoopDevice::new();
        let rootfs = Rootfs::new();
        let (ma, mi) = (disk.major(), disk.minor());
        let script = format!(
            "probe mknod /dev/d b {ma} {mi}; probe mknod /dev/k c 1 11
             probe mknod /dev/n c 1 3; probe mknod /dev/pty7 c 136 7"
        );
        let out = sh(sct, &rootfs, &["--no-cgroup"], &script);
        assert_eq!(out.stdout, "error=EPERM\nerror=EPERM\nok\nok\n", "{out:?}");
        let out = sh(sct, &rootfs, &["--no-cgroup"], "probe mknod /tmp/p c 136 7");
        assert_eq!(out.stdout, "ok\n", "{out:?}");
    }

    fn nodev_mounts_alone_refuse_use(sct) {
        // Neither the rule nor the filter: only the mount flags stand.
        let disk = LoopDevice::new();
        let (rootfs, dir) = rootfs_with_node(&disk);
        let (ma, mi) = (disk.major(), disk.minor());
        let nodev = dir.bind("/mnt");
        let script = format!(
            "probe mknod /tmp/d b {ma} {mi}; probe open /tmp/d r
             probe mknod /scratch/d b {ma} {mi}; probe open /scratch/d r
             probe mknod /mnt/d b {ma} {mi}; probe open /mnt/d r
             probe open /disk r"
        );
        let opts = ["--no-cgroup", "--seccomp", "unconfined", "--tmpfs", "/scratch", "-v", &nodev];
        let out = sh(sct, &rootfs, &opts, &script);
        assert_eq!(
            out.stdout,
            "ok\nopen=EACCES\nok\nopen=EACCES\nok\nopen=EACCES\nopen=EACCES\n",
            "{out:?}"
        );
        // The same route with a bind that asks for dev: the layers above
        // are what stopped it.
        let dev = format!("{nodev}:dev");
        let opts = ["--no-cgroup", "--seccomp", "unconfined", "-v", &dev];
        let out = sh(sct, &rootfs, &opts, &format!("probe mknod /mnt/e b {ma} {mi}; probe open /mnt/e r"));
        assert_eq!(out.stdout, format!("ok\nopen=ok\ndata={}\n", disk.hex), "{out:?}");
    }

    fn default_nodes_keep_working(sct) {
        let rootfs = Rootfs::new();
        let script = "probe open /dev/null w; probe open /dev/zero r; probe open /dev/full w
             probe open /dev/random r >/dev/null && echo random; probe open /dev/urandom r >/dev/null && echo urandom
             probe open /dev/ptmx w; echo x >/dev/null && echo null-sh";
        let out = sh(sct, &rootfs, &[], script);
        assert_eq!(
            out.stdout,
            "open=ok\nopen=ok\ndata=00000000000000000000000000000000\nopen=ok\nrandom\nurandom\nopen=ok\nnull-sh\n",
            "{out:?}"
        );
    }

    fn device_passes_one_node_in(sct) {
        let disk = LoopDevice::new();
        let rootfs = Rootfs::new();
        let all = disk.path.clone();
        let out = sct.run_in(&rootfs, &["--device", &all], &["/bin/probe", "open", &disk.path, "r"]);
        assert_eq!(out.stdout, format!("open=ok\ndata={}\n", disk.hex), "{out:?}");
        let check = "probe open /dev/xvda r | head -1; probe open /dev/xvda w";
        for (perms, want) in [
            ("r", "open=ok\nopen=EPERM\n"),
            ("w", "open=EPERM\nopen=ok\n"),
            ("rw", "open=ok\nopen=ok\n"),
            ("m", "open=EPERM\nopen=EPERM\n"),
        ] {
            let arg = format!("{}:/dev/xvda:{perms}", disk.path);
            let out = sh(sct, &rootfs, &["--device", &arg], check);
            assert_eq!(out.stdout, want, "{perms}: {out:?}");
        }
        // m: CMD may make the node itself, and no other.
        let arg = format!("{}:/dev/xvda:m", disk.path);
        let (ma, mi) = (disk.major(), disk.minor());
        let script = format!("probe mknod /dev/again b {ma} {mi}; probe mknod /dev/other b {ma} {}", disk.minor + 1);
        let out = sh(sct, &rootfs, &["--device", &arg], &script);
        assert_eq!(out.stdout, "ok\nerror=EPERM\n", "{out:?}");
        // Below /dev, with the host node's mode, in a directory of its own.
        let arg = format!("{}:/dev/disks/a", disk.path);
        let out = sh(sct, &rootfs, &["--device", &arg], "stat -c '%F %t:%T %a' /dev/disks/a");
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&disk.path).unwrap().permissions()) & 0o7777;
        assert_eq!(out.stdout, format!("block special file {:x}:{:x} {mode:o}\n", disk.major, disk.minor), "{out:?}");
    }
}

/// Runs sct in a mount namespace of its own where cgroup v2 is not mounted,
/// so that the rule takes v1's devices controller.
fn without_cgroup_v2(opts: &[&str], rootfs: &Rootfs, script: &str) -> Output {
    let v2 = "/sys/fs/cgroup/unified";
    if !std::path::Path::new(v2).join("cgroup.procs").exists()
        || !std::path::Path::new("/sys/fs/cgroup/devices/devices.list").exists()
    {
        panic!("this test needs a hybrid host: cgroup v2 at {v2} and v1's devices controller");
    }
    let mut cmd = std::process::Command::new("unshare");
    cmd.args(["--mount", "--propagation", "private", "sh", "-c"])
        .arg(format!("umount {v2} && exec \"$@\""))
        .arg("sh")
        .arg(SCT)
        .args(opts)
        .arg(rootfs.path())
        .args(["/bin/sh", "-c", script]);
    Output::from(cmd.output().expect("unshare (util-linux)"))
}

#[test]
fn the_v1_device_rule_where_no_v2_is_mounted() {
    let disk = LoopDevice::new();
    let rootfs = Rootfs::new();
    let (ma, mi) = (disk.major(), disk.minor());
    let script = format!(
        "grep -c ':devices:/.*sct-' /proc/self/cgroup
         probe mknod /dev/d b {ma} {mi}; probe open /dev/d r
         probe mknod /dev/k c 1 11; probe open /dev/k w; probe open /dev/null w"
    );
    let out = without_cgroup_v2(&["--seccomp", "unconfined"], &rootfs, &script);
    assert_eq!(
        out.stdout, "1\nok\nopen=EPERM\nok\nopen=EPERM\nopen=ok\n",
        "{out:?}"
    );
    let arg = format!("{}:/dev/xvda:r", disk.path);
    let out = without_cgroup_v2(
        &["--device", &arg],
        &rootfs,
        "probe open /dev/xvda r; probe open /dev/xvda w",
    );
    assert_eq!(
        out.stdout,
        format!("open=ok\ndata={}\nopen=EPERM\n", disk.hex),
        "{out:?}"
    );
}

#[test]
fn device_errors_name_the_argument() {
    let rootfs = Rootfs::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let out = sct.run_in(&rootfs, &["--device", "/etc/passwd:/dev/x"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --device /etc/passwd: not a character or block device\n\
         sct: hint: HOST of --device is a device node on the host, e.g. /dev/ttyUSB0\n"
    );
    let out = sct.run_in(&rootfs, &["--device", "/dev/nonexistent"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --device /dev/nonexistent: ENOENT (No such file or directory)\n\
         sct: hint: HOST of --device is a device node on the host, e.g. /dev/ttyUSB0\n"
    );
    let out = sct.run_in(&rootfs, &["--device", "/dev/null:rwx"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --device '/dev/null:rwx': PERMS are letters from r, w and m, e.g. rw\nTry 'sct --help'.\n"
    );
}

both_paths! {
    fn raw_sockets_on_the_hosts_network_need_net_raw(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "packet"]);
        assert_eq!(out.stdout, "packet=EPERM\n", "{out:?}");
        let out = sct.run_in(&rootfs, &["--cap-add", "NET_RAW"], &["/bin/probe", "packet"]);
        assert_eq!(out.stdout, "packet=ok\ncaptured=yes\n", "{out:?}");
        // A network of its own keeps Docker's set: nothing of the host's to see.
        let out = sct.run_in(&rootfs, &["--net", "none"], &["/bin/probe", "packet"]);
        assert!(out.stdout.starts_with("packet=ok\n"), "{out:?}");
    }

    fn dockers_masked_paths_are_masked(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/interrupts"]);
        assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{out:?}");
        assert!(!std::fs::read_to_string("/proc/interrupts").unwrap().is_empty());
    }
}

/// A container that runs until the test creates `<go>/<name>` (or 300 s
/// pass), then runs `then`; ended that way when dropped, so that a failing
/// test leaves no container behind.
struct Held {
    child: Option<std::process::Child>,
    end: PathBuf,
}

impl Held {
    fn start(rootfs: &Rootfs, go: &tempdir::Dir, name: &str, opts: &[&str], then: &str) -> Self {
        let script = format!(
            "n=0; while [ ! -e /go/{name} ] && [ $n -lt 3000 ]; do sleep 0.1; n=$((n+1)); done; {then}"
        );
        let bind = go.bind("/go");
        let mut args: Vec<&str> = opts.to_vec();
        args.extend([
            "-v",
            &bind,
            rootfs.path().to_str().unwrap(),
            "/bin/sh",
            "-c",
            &script,
        ]);
        let child = Sct {
            spawn: Spawn::Clone3,
        }
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start sct");
        Held {
            child: Some(child),
            end: go.0.join(name),
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Lets it go on, and waits for it.
    fn end(mut self) -> Output {
        std::fs::write(&self.end, "").unwrap();
        Output::from(self.child.take().unwrap().wait_with_output().unwrap())
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = std::fs::write(&self.end, "");
            let _ = child.wait();
        }
    }
}

/// The IDs of the device programs attached to the v2 directory of the
/// container sct `pid` runs below `parent`, once there are any (`bpftool
/// cgroup show`).
fn attached_programs(parent: &std::path::Path, pid: u32) -> Vec<u64> {
    let dir = parent.join(format!("sct-{pid}"));
    let dir = dir.to_str().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = std::process::Command::new("bpftool")
            .args(["-j", "cgroup", "show", dir])
            .output()
            .expect("bpftool");
        let list: serde_json::Value =
            serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
        let ids: Vec<u64> = list
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| p["attach_type"] == "cgroup_device")
            .filter_map(|p| p["id"].as_u64())
            .collect();
        if !ids.is_empty() {
            return ids;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no device program on {dir} within 60 s: {out:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Whether the kernel still has program `id` (freed after its last
/// attachment goes, by a kworker: waited for).
fn program_gone(id: u64) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        let out = std::process::Command::new("bpftool")
            .args(["prog", "show", "id", &id.to_string()])
            .output()
            .expect("bpftool");
        if !out.status.success() {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    false
}

#[test]
fn containers_with_the_same_rule_share_one_program() {
    require_root();
    let v2_root = if std::path::Path::new("/sys/fs/cgroup/cgroup.controllers").exists() {
        "/sys/fs/cgroup"
    } else if std::path::Path::new("/sys/fs/cgroup/unified/cgroup.controllers").exists() {
        "/sys/fs/cgroup/unified"
    } else {
        println!("SKIP: no cgroup v2 mounted, so no device program to share (v1's devices controller takes the rule)");
        return;
    };
    let bpftool = std::process::Command::new("bpftool")
        .arg("version")
        .output();
    if !tool_ready(
        bpftool.is_ok_and(|o| o.status.success()),
        "bpftool (Debian bpftool)",
    ) {
        return;
    }
    let disk = LoopDevice::new();
    let rootfs = Rootfs::new();
    let go = tempdir::Dir::new("go");
    // A parent cgroup of the test's own (below its own v2 cgroup, the `0::`
    // line), so that no container of a test running beside this one is a
    // sibling whose program these could take. Removed after the containers
    // (declared before them).
    let parent = format!("{}/share-test-{}", own_cgroup(""), std::process::id());
    let parent_dir = std::path::PathBuf::from(format!("{v2_root}{parent}"));
    std::fs::create_dir(&parent_dir).unwrap();
    let _remove = RemoveDir(parent_dir.clone());
    let place = ["--cgroup-parent", parent.trim_start_matches('/')];
    // No seccomp filter: mknod works, so only the cgroup rule refuses use.
    let opts = [&place[..], &["--seccomp", "unconfined"]].concat();
    let first = Held::start(&rootfs, &go, "first", &opts, "true");
    let ids = attached_programs(&parent_dir, first.pid());
    let (ma, mi) = (disk.major(), disk.minor());
    let use_disk = format!("probe mknod /dev/d b {ma} {mi}; probe open /dev/d r");
    let second = Held::start(&rootfs, &go, "second", &opts, &use_disk);
    assert_eq!(
        attached_programs(&parent_dir, second.pid()),
        ids,
        "the same rule, one program"
    );
    // Another rule is another program.
    let device = [&place[..], &["--device", disk.path.as_str()]].concat();
    let other = Held::start(&rootfs, &go, "other", &device, "true");
    let other_ids = attached_programs(&parent_dir, other.pid());
    assert_eq!(other_ids.len(), 1);
    assert_ne!(
        other_ids, ids,
        "--device {}: a program of its own",
        disk.path
    );
    assert_eq!(other.end().code, 0);
    // The first container ends; the second's attachment keeps the rule.
    assert_eq!(first.end().code, 0);
    let out = second.end();
    assert_eq!(out.stdout, "ok\nopen=EPERM\n", "{out:?}");
    // Nothing lost: both programs go with the last container using each.
    assert!(
        program_gone(ids[0]),
        "program {} outlived its containers",
        ids[0]
    );
    assert!(
        program_gone(other_ids[0]),
        "program {} outlived its container",
        other_ids[0]
    );
}
