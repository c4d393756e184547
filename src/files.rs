//! Reading a file line by line without an allocator: /etc/passwd,
//! /etc/subuid and /etc/subgid, mountinfo.

use core::ffi::CStr;

use rustix::fd::AsFd;
use rustix::fs::{open, Mode, OFlags};

use crate::error::{Context, Error, Result};
use crate::sys::Errno;

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
