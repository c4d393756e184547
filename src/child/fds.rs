//! Descriptors inherited from whoever started sct.

use rustix::fd::BorrowedFd;
use rustix::fs::{openat, Mode, OFlags, RawDir, CWD};
use rustix::io::{fcntl_setfd, FdFlags};

use crate::error::{Context, Result};
use crate::out::parse_u64;
use crate::sys;

/// Marks every descriptor above stderr close-on-exec, so no host file, socket
/// or directory reaches CMD (CVE-2024-21626 leaked a host directory fd).
/// sct's own report pipe is among them: its closing at exec is the parent's
/// sign that exec succeeded.
pub fn mark_inherited_fds_cloexec() -> Result<()> {
    mark_fds_cloexec_from(3)
}

/// The same from descriptor `first` on (`exec --preserve-fds N` keeps
/// 3..3+N open).
pub fn mark_fds_cloexec_from(first: u32) -> Result<()> {
    match sys::process::close_range_cloexec(first) {
        Ok(()) => Ok(()),
        // Before Linux 5.11: walk the container's own /proc/self/fd.
        Err(_) => mark_each_fd_cloexec(first as i32),
    }
}

fn mark_each_fd_cloexec(first: i32) -> Result<()> {
    let dir = openat(
        CWD,
        c"/proc/self/fd",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/proc/self/fd")?;
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 2048];
    let mut entries = RawDir::new(&dir, &mut buf);
    while let Some(entry) = entries.next() {
        let entry = entry.at("read", b"/proc/self/fd")?;
        let Some(fd) = parse_u64(entry.file_name().to_bytes()).and_then(|n| i32::try_from(n).ok())
        else {
            continue;
        };
        if fd >= first {
            // The directory's own fd is among them; it is closed below anyway.
            let _ = fcntl_setfd(borrow(fd), FdFlags::CLOEXEC);
        }
    }
    Ok(())
}

fn borrow(fd: i32) -> BorrowedFd<'static> {
    sys::borrow_fd(fd)
}
