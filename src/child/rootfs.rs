//! Mount namespace and the container's root.

use core::ffi::CStr;

use rustix::mount::{
    mount_bind_recursive, mount_change, mount_remount, MountFlags, MountPropagationFlags,
};
use rustix::process::chdir;

use crate::error::{Context, Result};

/// Makes every mount private, recursively: no mount or unmount below can
/// propagate back to the host's namespace (shared is systemd's default).
pub fn make_mounts_private() -> Result<()> {
    mount_change(
        c"/",
        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
    )
    .at("make private", b"/")
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

/// `--read-only`: remounts the root bind (the current directory) read-only.
/// Only that mount: /dev, /dev/shm, /proc and the user's binds below it keep
/// their own flags.
pub fn make_root_read_only() -> Result<()> {
    mount_remount(c".", MountFlags::BIND | MountFlags::RDONLY, c"").at("remount read-only", b"/")
}
