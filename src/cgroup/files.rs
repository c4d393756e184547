//! Every path conversion, open, read and write of the cgroup code, each
//! in one copy.

use core::ffi::CStr;

use linux_raw_sys::general::CGROUP2_SUPER_MAGIC;
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};

use super::values;
use crate::error::{Context, Result};
use crate::files::read_all;
use crate::out::Text;

pub(super) fn is_fs(path: &[u8], magic: u32) -> bool {
    let mut is = false;
    let _ = with_c_path(path, &mut |p| {
        is = rustix::fs::statfs(p)?.f_type as u64 == u64::from(magic);
        Ok(())
    });
    is
}

pub(super) fn rmdir(parent: &OwnedFd, name: &[u8]) -> rustix::io::Result<()> {
    with_c_path(name, &mut |n| {
        rustix::fs::unlinkat(parent, n, rustix::fs::AtFlags::REMOVEDIR)
    })
}

/// `path` as a C string in `buf`, failing as rustix does: EINVAL for a NUL
/// inside, ENAMETOOLONG for more than a cgroup path (`Path`) holds. rustix
/// converts a `&[u8]` path in code of its own for each function it is
/// passed to; the cgroup code's share this one.
pub(super) fn c_path<'a>(path: &[u8], buf: &'a mut [u8; 513]) -> rustix::io::Result<&'a CStr> {
    let Some(copy) = buf.get_mut(..path.len() + 1) else {
        return Err(rustix::io::Errno::NAMETOOLONG);
    };
    copy[..path.len()].copy_from_slice(path);
    CStr::from_bytes_with_nul(copy).map_err(|_| rustix::io::Errno::INVAL)
}

/// Calls `f` with `path` as a C string (`c_path`).
pub(super) fn with_c_path(
    path: &[u8],
    f: &mut dyn FnMut(&CStr) -> rustix::io::Result<()>,
) -> rustix::io::Result<()> {
    let mut buf = [0u8; 513];
    f(c_path(path, &mut buf)?)
}

/// Opens `path` close-on-exec, below `dir` where it is relative: one
/// conversion (`c_path`) for the cgroup code's every open.
pub(super) fn open(
    dir: Option<&OwnedFd>,
    path: &[u8],
    flags: OFlags,
) -> rustix::io::Result<OwnedFd> {
    let mut buf = [0u8; 513];
    let path = c_path(path, &mut buf)?;
    let flags = flags | OFlags::CLOEXEC;
    match dir {
        Some(dir) => rustix::fs::openat(dir, path, flags, Mode::empty()),
        None => rustix::fs::open(path, flags, Mode::empty()),
    }
}

/// Opens a cgroup directory `create` recorded (`remove`'s note on its
/// length), and tells whether it is cgroup v2's: `exec` joins those.
pub fn open_recorded(path: &[u8]) -> rustix::io::Result<(OwnedFd, bool)> {
    let fd = open_dir(None, path)?;
    let v2 = is_v2(&fd);
    Ok((fd, v2))
}

/// Moves the process whose pid `text` holds into the open directory
/// `dir` (its `cgroup.procs`): how `exec` places the process it starts.
pub fn add_process(dir: &OwnedFd, text: &[u8]) -> Result<()> {
    write_at(dir, b"cgroup.procs", text)
}

/// Whether the open directory `fd` is in cgroup v2's filesystem.
pub(super) fn is_v2(fd: &OwnedFd) -> bool {
    rustix::fs::fstatfs(fd).is_ok_and(|s| s.f_type as u64 == u64::from(CGROUP2_SUPER_MAGIC))
}

/// Opens the directory `path` (below `dir` where it is relative).
pub(super) fn open_dir(dir: Option<&OwnedFd>, path: &[u8]) -> rustix::io::Result<OwnedFd> {
    open(dir, path, OFlags::DIRECTORY | OFlags::RDONLY)
}

pub(super) fn read_path<'a>(path: &[u8], buf: &'a mut [u8]) -> Result<&'a [u8]> {
    let fd = open(None, path, OFlags::RDONLY).at("open", path)?;
    read_all(&fd, buf).at("read", path)
}

/// The number after `key` in the cgroup file `name` (`keyed_value`), or
/// without a key the file's one value; `None` where it cannot be read.
/// One reader for every counter sct looks at.
pub(super) fn read_number(dir: &OwnedFd, name: &[u8], key: Option<&[u8]>) -> Option<u64> {
    let mut buf = [0u8; 512];
    let text = read_at(dir, name, &mut buf).ok()?;
    match key {
        Some(key) => values::keyed_value(text, key),
        None => values::single_value(text),
    }
}

pub(super) fn read_at<'a>(dir: &OwnedFd, name: &[u8], buf: &'a mut [u8]) -> Result<&'a [u8]> {
    let fd = open(Some(dir), name, OFlags::RDONLY).at("open", name)?;
    read_all(&fd, buf).at("read", name)
}

/// Writes the number `n` to a cgroup file (`write_at`): one copy of the
/// formatting for every limit and pid sct writes.
pub(super) fn write_number(dir: &OwnedFd, name: &[u8], n: u64) -> Result<()> {
    let mut text = Text::new();
    text.push_u64(n);
    write_at(dir, name, text.as_bytes())
}

/// Writes one value to a cgroup file in one write(2), as the kernel wants.
pub(super) fn write_at(dir: &OwnedFd, name: &[u8], value: &[u8]) -> Result<()> {
    let fd = open(Some(dir), name, OFlags::WRONLY).at("open", name)?;
    crate::out::write(fd.as_fd(), value)
        .map(drop)
        .at("write", name)
}
