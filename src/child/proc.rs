//! The container's `/proc`.

use rustix::fs::{mkdir, Mode};
use rustix::mount::{mount, MountFlags};

use crate::error::{Context, Result};

/// Mounts a fresh proc, showing only the new PID namespace, on `proc` in the
/// new root (the current directory).
///
/// Before the old root goes: inside a user namespace the kernel mounts a new
/// proc only while a fully visible one exists in the mount namespace
/// (mount_too_revealing(); runc #1962).
pub fn mount_proc() -> Result<()> {
    match mkdir(c"proc", Mode::from_raw_mode(0o555)) {
        Ok(()) | Err(rustix::io::Errno::EXIST) => {}
        Err(e) => return Err(e).at("mkdir", b"/proc"),
    }
    let flags = MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
    mount(c"proc", c"proc", c"proc", flags, None).at("mount", b"/proc")
}
