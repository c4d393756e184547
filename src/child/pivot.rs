//! Switching the root.

use core::ffi::CStr;

use rustix::fd::OwnedFd;
use rustix::fs::{openat, Mode, OFlags, CWD};
use rustix::io::Errno;
use rustix::mount::{mount_move, unmount, UnmountFlags};
use rustix::process::{chdir, chroot, pivot_root};

use super::mountinfo::{below, for_each_mount_point, path_of, MountPoint};
use super::proc::fd_path;
use crate::error::{Context, Error, Result};

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
/// Every other mount of the host's tree is detached: first those that do
/// not hold ROOTFS, then, once ROOTFS has moved off them, the mounts that
/// were on the path to it. Only the initramfs itself stays in this private
/// mount namespace, underneath the moved mount (the kernel never lets it
/// go). A walk up with `..` stops at the
/// process root, and a walk that gets past it (the classic chroot escape,
/// which needs CAP_SYS_CHROOT) reaches the initramfs' root dentry and is
/// stepped straight back down into the mount on top of it, the container's
/// root (follow_dotdot() then step_into() in fs/namei.c).
// Out of line (measured smaller): inlined, its mount table walks and the
// 16 descriptors it holds sat in the checklist's large frame.
#[inline(never)]
fn move_root_over_initramfs(rootfs: &CStr) -> Result<()> {
    detach_host_mounts()?;
    let holding = open_mounts_holding_root()?;
    mount_move(c".", c"/").at("move new root over", rootfs.to_bytes())?;
    chroot(c".").at("chroot", rootfs.to_bytes())?;
    chdir(c"/").at("chdir", b"/")?;
    // Out of reach by path now, but a container with CAP_SYS_ADMIN could
    // unmount `/` and enter its mount namespace again to land on them. Named
    // through the container's /proc: the host's is gone.
    for fd in holding.iter().flatten() {
        match unmount(fd_path(fd).as_c_str(), UnmountFlags::DETACH) {
            // Detached already, with a mount it was on.
            Ok(()) | Err(Errno::INVAL) => {}
            Err(e) => return Err(e).at("detach", b"a mount holding ROOTFS"),
        }
    }
    Ok(())
}

/// Most mounts on the path to ROOTFS that sct detaches after the move.
const MAX_HOLDING: usize = 16;

/// Opens each mount on the path from `/` to ROOTFS (the current directory),
/// `/` and ROOTFS's own bind excluded: after the move they hold nothing.
fn open_mounts_holding_root() -> Result<[Option<OwnedFd>; MAX_HOLDING]> {
    let mut root = MountPoint::new();
    path_of(c"proc/self/cwd", b"/proc/self/cwd", &mut root)?;
    let root = root.as_bytes();
    let mut held: [Option<OwnedFd>; MAX_HOLDING] = Default::default();
    let mut count = 0;
    for_each_mount_point(c"proc/self/mountinfo", |path, target| {
        if path == b"/" || path == root || below(root, path).is_none() {
            return Ok(());
        }
        if count == MAX_HOLDING {
            return Err(Error::setup(
                "switch root",
                path,
                "more than 16 mounts on the path to ROOTFS",
            ));
        }
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        held[count] = Some(openat(CWD, target, flags, Mode::empty()).at("open", path)?);
        count += 1;
        Ok(())
    })?;
    Ok(held)
}

/// Detaches every mount of the namespace's copy of the host's tree that
/// is neither the new root, nor below it, nor on the path to it, as the
/// pivot_root path's detach of the old root would (runc's msMoveRoot does
/// this for proc and sysfs). Otherwise the host's /proc, /sys and /dev stay
/// mounted under the moved root: unreachable by path, but there for a
/// container with CAP_SYS_ADMIN to uncover by unmounting `/`, and counted
/// by the kernel's "is a full proc visible" check (mount_too_revealing()).
///
/// The list comes from the container's own /proc, mounted below the new
/// root, which stays; the host's /proc may be among the mounts detached.
/// Detaching a mount takes the mounts on it along, so a later line may
/// name a path that is no mount any more (EINVAL). A pass over a list that
/// changes under it can miss lines, so passes repeat until one detaches
/// nothing.
fn detach_host_mounts() -> Result<()> {
    let mut root = MountPoint::new();
    path_of(c"proc/self/cwd", b"/proc/self/cwd", &mut root)?;
    let root = root.as_bytes();
    loop {
        let mut detached = 0;
        for_each_mount_point(c"proc/self/mountinfo", |path, target| {
            if is_kept(path, root) {
                return Ok(());
            }
            match unmount(target, UnmountFlags::DETACH | UnmountFlags::NOFOLLOW) {
                Ok(()) => detached += 1,
                Err(Errno::INVAL) | Err(Errno::NOENT) => {}
                Err(e) => return Err(e).at("detach", path),
            }
            Ok(())
        })?;
        if detached == 0 {
            return Ok(());
        }
    }
}

/// Whether the mount at `path` stays when the root moves to `root`: the
/// new root itself and what is mounted below it, and the mounts on the path
/// to it, which hold it (detaching one would take the new root along).
fn is_kept(path: &[u8], root: &[u8]) -> bool {
    path == root || below(path, root).is_some() || below(root, path).is_some()
}

/// Enters `--workdir`, resolved inside the new root (the old one is gone).
pub fn enter_workdir(dir: &CStr) -> Result<()> {
    chdir(dir).at("chdir", dir.to_bytes())
}

#[cfg(test)]
mod tests {
    use super::is_kept;

    #[test]
    fn keeps_the_root_what_is_below_it_and_the_path_to_it() {
        let root = b"/tmp/ctr/root";
        for kept in [
            "/",
            "/tmp",
            "/tmp/ctr",
            "/tmp/ctr/root",
            "/tmp/ctr/root/proc",
        ] {
            assert!(is_kept(kept.as_bytes(), root), "{kept}");
        }
        for gone in [
            "/proc",
            "/sys",
            "/dev",
            "/tmp/other",
            "/tmp/ctr/root2",
            "/tmp/ct",
        ] {
            assert!(!is_kept(gone.as_bytes(), root), "{gone}");
        }
    }
}
