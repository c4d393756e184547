//! Switching the root.

use core::ffi::CStr;

use rustix::mount::{unmount, UnmountFlags};
use rustix::process::{chdir, pivot_root};

use crate::error::{Context, Result};

/// Makes the current directory (the bound ROOTFS) the root and detaches the
/// old one, so nothing of the host's tree stays reachable.
///
/// `pivot_root(".", ".")` stacks the old root on top of the new one at `/`
/// (pivot_root(2), "new_root and put_old may be the same directory"); the
/// lazy unmount then takes it and everything below it away.
pub fn switch_root(rootfs: &CStr) -> Result<()> {
    pivot_root(c".", c".").at("pivot_root", rootfs.to_bytes())?;
    unmount(c".", UnmountFlags::DETACH).at("detach old root", b"/")?;
    chdir(c"/").at("chdir", b"/")
}

/// Enters `--workdir`, resolved inside the new root (the old one is gone).
pub fn enter_workdir(dir: &CStr) -> Result<()> {
    chdir(dir).at("chdir", dir.to_bytes())
}
