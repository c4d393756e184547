//! Reading files without an allocator: whole, into the caller's buffer, or
//! line by line.

use core::ffi::CStr;

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{open, Mode, OFlags};

use crate::error::{Context, Error, Result};
use crate::sys::Errno;

/// Reads `fd` until its end or until `buf` is full; what came. The one
/// loop of the files sct reads whole: the cgroup's, a `--seccomp` profile,
/// the child's report, and OCI mode's config.json, process file,
/// state.json and update's resources.
pub fn read_all<'a>(
    fd: &OwnedFd,
    buf: &'a mut [u8],
) -> core::result::Result<&'a [u8], rustix::io::Errno> {
    let mut len = 0;
    while len < buf.len() {
        match crate::out::read(fd.as_fd(), &mut buf[len..])? {
            0 => break,
            n => len += n,
        }
    }
    Ok(&buf[..len])
}

/// Calls `f` with each line of the file at `path`, without its newline,
/// until it returns true; a last line without one counts too. A line must
/// fit in `buf`: a longer one fails with E2BIG, or where `skip_long` is
/// skipped. One copy of the reader for every caller (`dyn`).
pub fn for_each_line(
    path: &CStr,
    buf: &mut [u8],
    skip_long: bool,
    f: &mut dyn FnMut(&[u8]) -> Result<bool>,
) -> Result<()> {
    let name = path.to_bytes();
    let file = open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).at("open", name)?;
    let mut len = 0;
    let mut skipping = false;
    loop {
        let n = crate::out::read(file.as_fd(), &mut buf[len..]).at("read", name)?;
        len += n;
        let mut start = 0;
        while let Some(end) = buf[start..len].iter().position(|&c| c == b'\n') {
            if !skipping && f(&buf[start..start + end])? {
                return Ok(());
            }
            skipping = false;
            start += end + 1;
        }
        if n == 0 {
            if !skipping && start < len {
                f(&buf[start..len])?;
            }
            return Ok(());
        }
        if start == 0 && len == buf.len() {
            if !skip_long {
                return Err(Error::os("read", name, Errno::TOOBIG));
            }
            skipping = true;
            len = 0;
            continue;
        }
        buf.copy_within(start..len, 0);
        len -= start;
    }
}
