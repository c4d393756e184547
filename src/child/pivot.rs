//! Switching the root.

use core::ffi::CStr;

use rustix::io::Errno;
use rustix::mount::{mount_move, unmount, UnmountFlags};
use rustix::process::{chdir, chroot, pivot_root};

use crate::error::{Context, Result};

/// Makes the current directory (the bound ROOTFS) the root and detaches the
/// old one, so nothing of the host's tree stays reachable.
///
/// `pivot_root(".", ".")` stacks the old root on top of the new one at `/`
/// (pivot_root(2), "new_root and put_old may be the same directory"); the
/// lazy unmount then takes it and everything below it away.
///
/// When `/` is the initramfs (the `rootfs` mount), pivot_root gives EINVAL:
/// the kernel never lets that mount be moved or unmounted (pivot_root(2),
/// "the current root is not a mount point ... or is the rootfs"; crun #56,
/// runc #710). Then the new root is moved over `/` instead and chrooted into.
pub fn switch_root(rootfs: &CStr) -> Result<()> {
    match pivot_root(c".", c".") {
        Ok(()) => {
            unmount(c".", UnmountFlags::DETACH).at("detach old root", b"/")?;
            chdir(c"/").at("chdir", b"/")
        }
        Err(Errno::INVAL) => move_root_over_initramfs(rootfs),
        Err(e) => Err(e).at("pivot_root", rootfs.to_bytes()),
    }
}

/// Moves the bound ROOTFS (the current directory, with the container's
/// `/proc` on it) over `/` and makes it the root, as busybox `switch_root`
/// does.
///
/// The old root stays in this private mount namespace, but underneath the
/// moved mount: a walk up with `..` stops at the process root, and a walk
/// that gets past it (the classic chroot escape, which needs CAP_SYS_CHROOT)
/// reaches the initramfs' root dentry and is stepped straight back down into
/// the mount on top of it, the container's root (follow_dotdot() then
/// step_into() in fs/namei.c). /proc/self/mountinfo lists only mounts
/// reachable from the root, so the host's /proc and /sys do not show.
fn move_root_over_initramfs(rootfs: &CStr) -> Result<()> {
    mount_move(c".", c"/").at("move new root over", rootfs.to_bytes())?;
    chroot(c".").at("chroot", rootfs.to_bytes())?;
    chdir(c"/").at("chdir", b"/")
}

/// Enters `--workdir`, resolved inside the new root (the old one is gone).
pub fn enter_workdir(dir: &CStr) -> Result<()> {
    chdir(dir).at("chdir", dir.to_bytes())
}
