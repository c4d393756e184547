//! Mount namespace and the container's root.

use core::ffi::CStr;

use linux_raw_sys::general::{
    MOUNT_ATTR_NOATIME, MOUNT_ATTR_NODEV, MOUNT_ATTR_NODIRATIME, MOUNT_ATTR_NOEXEC,
    MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY,
};
use rustix::fd::OwnedFd;
use rustix::fs::{fstatvfs, openat2, Mode, OFlags, StatVfsMountFlags};
use rustix::mount::{
    mount_bind_recursive, mount_change, mount_remount, MountFlags, MountPropagationFlags,
};
use rustix::process::chdir;

use super::mountinfo::{for_each_mount_below, path_of, MountPoint};
use super::proc::{fd_path, RESOLVE_INSIDE};
use crate::cli::Propagation;
use crate::error::{Context, Result};
use crate::out::Buf;
use crate::sys::mount::mount_setattr_recursive;
use crate::sys::Errno;

/// Makes every mount private (or a slave, when config.json asks for
/// `rslave`), recursively: no mount or unmount below can propagate back to
/// the host's namespace (shared is systemd's default). A slave still
/// receives the host's new mounts; pivot_root accepts it, as it is not
/// shared.
pub fn make_mounts_private(propagation: Propagation) -> Result<()> {
    mount_change(
        c"/",
        propagation_flags(propagation) | MountPropagationFlags::REC,
    )
    .at("make private", b"/")
}

pub fn propagation_flags(p: Propagation) -> MountPropagationFlags {
    match p {
        Propagation::Private => MountPropagationFlags::PRIVATE,
        Propagation::Slave => MountPropagationFlags::DOWNSTREAM,
    }
}

/// Binds ROOTFS onto itself, so that it is a mount point (`pivot_root`
/// needs one), and moves into it.
pub fn bind_rootfs(rootfs: &CStr) -> Result<()> {
    let path = rootfs.to_bytes();
    mount_bind_recursive(rootfs, rootfs).at("bind", path)?;
    // The bind is on top of the directory we named; chdir resolves it anew
    // and lands on the new mount, which everything after works relative to.
    chdir(rootfs).at("chdir", path)
}

/// Makes ROOTFS (and whatever is mounted below it) `nodev`: a device node
/// shipped in the image, or made later with mknod anywhere but /dev, can
/// never be opened. A layer on top of the device rule, as the mounts below
/// it (/dev, binds asking for `dev`) are made afterwards with flags of
/// their own. `root` is ROOTFS's bind.
pub fn make_rootfs_nodev(root: &OwnedFd, rootfs: &CStr) -> Result<()> {
    set_mount_attrs(root, MOUNT_ATTR_NODEV, rootfs.to_bytes())
}

/// Sets the `MOUNT_ATTR_*` flags `attrs` on the mount whose root `bound`
/// names and on every mount below it: a plain remount would leave its
/// submounts as they were (mount(2): MS_REC does not combine with
/// MS_REMOUNT).
pub fn set_mount_attrs(bound: &OwnedFd, attrs: u32, name: &[u8]) -> Result<()> {
    match mount_setattr_recursive(bound, attrs) {
        Err(Errno::NOSYS) => remount_each(bound, attrs, name),
        other => other.at("set mount flags", name),
    }
}

/// `set_mount_attrs` before Linux 5.12: remounts the mount, then each mount
/// found below it. In a frame of its own: its path buffers and the mount
/// table's would otherwise be on the stack of every start (the stack
/// probes touch each page of a frame), though today's kernels never get
/// here.
#[inline(never)]
#[cold]
fn remount_each(bound: &OwnedFd, attrs: u32, name: &[u8]) -> Result<()> {
    remount_adding(bound, attrs).at("set mount flags", name)?;
    let mut dir = MountPoint::new();
    path_of(fd_path(bound).as_c_str(), name, &mut dir)?;
    let dir = dir.as_bytes();
    // The list also has mounts the bind covers (made below DST before it);
    // those are unreachable through it: their path is missing in the bind
    // (ENOENT) or names no mount root there (EINVAL from the remount).
    for_each_mount_below(dir, |sub| {
        let mut sub_path = Buf::<1100>::new();
        sub_path.push(sub).push(b"\0");
        let submount = match openat2(
            bound,
            sub_path.as_c_str(),
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
            RESOLVE_INSIDE,
        ) {
            Err(rustix::io::Errno::NOENT) => return Ok(()),
            other => other.at("set mount flags", sub)?,
        };
        match remount_adding(&submount, attrs) {
            Err(rustix::io::Errno::INVAL) => Ok(()),
            other => other.at("set mount flags", sub),
        }
    })
}

/// Each per-mount flag: as mount_setattr(2) names it, as statvfs(2)
/// reports it, and as mount(2) takes it.
const PER_MOUNT_FLAGS: &[(u32, StatVfsMountFlags, MountFlags)] = &[
    (
        MOUNT_ATTR_RDONLY,
        StatVfsMountFlags::RDONLY,
        MountFlags::RDONLY,
    ),
    (
        MOUNT_ATTR_NOSUID,
        StatVfsMountFlags::NOSUID,
        MountFlags::NOSUID,
    ),
    (
        MOUNT_ATTR_NODEV,
        StatVfsMountFlags::NODEV,
        MountFlags::NODEV,
    ),
    (
        MOUNT_ATTR_NOEXEC,
        StatVfsMountFlags::NOEXEC,
        MountFlags::NOEXEC,
    ),
    (
        MOUNT_ATTR_NOATIME,
        StatVfsMountFlags::NOATIME,
        MountFlags::NOATIME,
    ),
    (
        MOUNT_ATTR_NODIRATIME,
        StatVfsMountFlags::NODIRATIME,
        MountFlags::NODIRATIME,
    ),
];

/// A bind remount with the mount's own flags plus `attrs`: a bind remount
/// sets all per-mount flags at once, so the ones it has must be named too.
fn remount_adding(mount: &OwnedFd, attrs: u32) -> core::result::Result<(), rustix::io::Errno> {
    let has = fstatvfs(mount)?.f_flag;
    let mut flags = MountFlags::BIND;
    for &(attr, st, flag) in PER_MOUNT_FLAGS {
        if attrs & attr != 0 || has.contains(st) {
            flags |= flag;
        }
    }
    mount_remount(fd_path(mount).as_c_str(), flags, c"")
}

/// `--read-only`: remounts the root bind (the current directory) read-only.
/// Only that mount: /dev, /dev/shm, /proc and the user's binds below it keep
/// their own flags.
pub fn make_root_read_only() -> Result<()> {
    // A bind remount sets every per-mount flag: name nodev again.
    let flags = MountFlags::BIND | MountFlags::RDONLY | MountFlags::NODEV;
    mount_remount(c".", flags, c"").at("remount read-only", b"/")
}
