//! The root switch where pivot_root is impossible (`/` an initramfs): here
//! forced on the host by a filter that makes pivot_root fail with EINVAL,
//! as the kernel does on an initramfs. The VM test boots a real one.

mod common;

use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use common::*;

/// The host's mount table, which this file's tests share while they run in
/// parallel threads: one compares it before and after, another mounts a
/// tmpfs on the host meanwhile. They take turns.
fn host_mount_table() -> MutexGuard<'static, ()> {
    static TURN: Mutex<()> = Mutex::new(());
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `sct ARGS` with pivot_root failing with EINVAL.
fn without_pivot_root(args: &[&str]) -> Output {
    let out = Command::new(probe())
        .args(["fake-old-kernel", "no-pivot-root", "--", SCT])
        .args(args)
        .output()
        .unwrap();
    Output::from(out)
}

/// The container's mounts as `mount point, fs type` lines.
fn mounts(run: impl Fn(&[&str]) -> Output, rootfs: &Rootfs) -> Vec<String> {
    let out = run(&[
        rootfs.path().to_str().unwrap(),
        "/bin/cat",
        "/proc/self/mountinfo",
    ])
    .ok();
    out.stdout
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let dash = f.iter().position(|&x| x == "-").unwrap();
            format!("{} {}", f[4], f[dash + 1])
        })
        .collect()
}

/// sct's arguments that count, from inside ROOTFS, the mounts under its
/// root that mountinfo cannot show (`probe hidden-mounts` runs listmount(2)
/// and statmount(2): CAP_SYS_ADMIN and no filter).
fn hidden_mounts_args(rootfs: &str) -> [&str; 7] {
    [
        "--cap-add",
        "SYS_ADMIN",
        "--seccomp",
        "unconfined",
        rootfs,
        "/bin/probe",
        "hidden-mounts",
    ]
}

/// `sct ARGS` without pivot_root, ARGS ending in `/bin/probe hidden-mounts`;
/// `None`, said as a SKIP, where the kernel cannot count them.
fn hidden_mounts_without_pivot_root(args: &[&str]) -> Option<Output> {
    let out = without_pivot_root(args);
    if out.stdout.contains("errno=ENOSYS") {
        println!(
            "SKIP: this kernel has no listmount(2) (Linux 6.8), so hidden mounts cannot be counted"
        );
        return None;
    }
    Some(out)
}

#[test]
fn the_container_sees_the_same_mounts_as_after_pivot_root() {
    require_root();
    let rootfs = Rootfs::new();
    let with_pivot = mounts(
        |a| {
            Sct {
                spawn: Spawn::Clone3,
            }
            .run(a)
        },
        &rootfs,
    );
    let without = mounts(without_pivot_root, &rootfs);
    assert_eq!(without, with_pivot);
    assert!(with_pivot[0].starts_with("/ "), "{with_pivot:?}");
    assert!(
        with_pivot.iter().any(|m| m == "/proc proc"),
        "{with_pivot:?}"
    );
}

#[test]
fn nothing_of_the_host_stays_under_the_moved_root() {
    require_root();
    let _turn = host_mount_table();
    let rootfs = Rootfs::new();
    let before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    // listmount(2) sees mounts that mountinfo cannot: those under the root.
    let args = hidden_mounts_args(rootfs.path().to_str().unwrap());
    let Some(out) = hidden_mounts_without_pivot_root(&args) else {
        return;
    };
    let out = out.ok();
    assert_eq!(
        out.value("hidden"),
        "0",
        "host mounts left under the container's root: {out:?}"
    );
    let out = Sct {
        spawn: Spawn::Clone3,
    }
    .run(&args)
    .ok();
    assert_eq!(out.value("hidden"), "0", "the pivot_root path: {out:?}");
    let after = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert_eq!(before, after, "the host's mount table changed");
}

/// A tmpfs mounted on the host at a fresh directory, holding a copy of a
/// test rootfs; unmounted and removed on drop.
struct RootfsOnTmpfs {
    dir: std::path::PathBuf,
    _source: Rootfs,
}

impl RootfsOnTmpfs {
    fn new() -> Self {
        let source = Rootfs::new();
        let dir = std::env::temp_dir().join(unique_token("on-tmpfs"));
        std::fs::create_dir_all(&dir).unwrap();
        let ok = |c: &mut Command| c.status().unwrap().success();
        assert!(ok(Command::new("mount")
            .args(["-t", "tmpfs", "-o", "mode=755", "sct-test"])
            .arg(&dir)));
        assert!(ok(Command::new("cp")
            .arg("-a")
            .arg(source.path())
            .arg(dir.join("root"))));
        RootfsOnTmpfs {
            dir,
            _source: source,
        }
    }

    fn path(&self) -> std::path::PathBuf {
        self.dir.join("root")
    }
}

impl Drop for RootfsOnTmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.dir).status();
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[test]
fn the_mounts_that_held_rootfs_are_detached_too() {
    require_root();
    // Held until after the tmpfs is unmounted (locals drop in reverse).
    let _turn = host_mount_table();
    let rootfs = RootfsOnTmpfs::new();
    let root = rootfs.path();
    let Some(out) = hidden_mounts_without_pivot_root(&hidden_mounts_args(root.to_str().unwrap()))
    else {
        return;
    };
    // Without the detach after the move: hidden=1, the tmpfs, type tmpfs.
    let out = out.ok();
    assert_eq!(
        out.value("hidden"),
        "0",
        "a mount holding ROOTFS stayed: {out:?}"
    );
    let out = without_pivot_root(&[root.to_str().unwrap(), "/bin/probe", "info"]).ok();
    assert_eq!(out.value("pid"), "1");
}
