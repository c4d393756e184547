//! Process attributes CMD inherits: kernel parameters of its namespaces,
//! its OOM score and its umask.

use core::ffi::CStr;

use rustix::fd::AsFd;
use rustix::fs::{openat2, Mode, OFlags};

use rustix::fd::OwnedFd;

use super::proc::RESOLVE_INSIDE;
use crate::error::{Context, Result};
use crate::out::Text;

/// Writes each `(proc/sys/KEY, VALUE)` in the container's /proc, below
/// `root`.
pub fn set_sysctls(root: &OwnedFd, entries: &[(&'static CStr, &'static [u8])]) -> Result<()> {
    for (path, value) in entries {
        let name = path.to_bytes();
        let fd = openat2(
            root,
            *path,
            OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::empty(),
            RESOLVE_INSIDE,
        )
        .at("open", name)?;
        crate::out::write(fd.as_fd(), value).at("write", name)?;
    }
    Ok(())
}

/// `/proc/self/oom_score_adj`, in the container's /proc.
pub fn set_oom_score_adj(adj: i32) -> Result<()> {
    let mut text = Text::new();
    text.push_i64(i64::from(adj));
    let fd = rustix::fs::open(
        c"/proc/self/oom_score_adj",
        OFlags::WRONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/proc/self/oom_score_adj")?;
    crate::out::write(fd.as_fd(), text.as_bytes())
        .map(drop)
        .at("write", b"/proc/self/oom_score_adj")
}

pub fn set_umask(mask: u32) {
    rustix::process::umask(Mode::from_raw_mode(mask));
}
