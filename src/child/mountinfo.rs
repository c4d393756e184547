//! Walking `/proc/self/mountinfo` without an allocator: the mounts below a
//! directory, for kernels without `mount_setattr(AT_RECURSIVE)`.

use core::ffi::CStr;

use rustix::fs::{readlinkat_raw, CWD};

use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::Errno;

/// A mount point, unescaped.
pub type MountPoint = Buf<4096>;

/// The path a magic link such as `/proc/self/fd/N` or `/proc/self/cwd`
/// stands for, as mountinfo spells it (absolute, from sct's root); into
/// `path`, which the caller made empty (a MountPoint is 4 KB, and returned
/// it was copied out of the Result).
pub fn path_of(link: &CStr, name: &[u8], path: &mut MountPoint) -> Result<()> {
    let mut buf = [0u8; 4096];
    let len = readlinkat_raw(CWD, link, &mut buf[..]).at("readlink", name)?;
    if len == buf.len() {
        return Err(Error::os("readlink", name, Errno::NAMETOOLONG));
    }
    path.push(&buf[..len]);
    Ok(())
}

/// Calls `f` with each mount point strictly below `dir` (an absolute path
/// without a trailing slash, as seen from sct's root), relative to `dir`.
pub fn for_each_mount_below(dir: &[u8], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    for_each_mount_point(c"/proc/self/mountinfo", |path, _| match below(path, dir) {
        Some(rel) => f(rel),
        None => Ok(()),
    })
}

/// Calls `f` with each mount point that the mountinfo file at `mountinfo`
/// lists, absolute as seen from sct's root, in the file's order (a parent
/// before the mounts on it): its bytes, and the same as a C string for the
/// calls that take one (empty where the NUL did not fit).
pub fn for_each_mount_point(
    mountinfo: &CStr,
    mut f: impl FnMut(&[u8], &CStr) -> Result<()>,
) -> Result<()> {
    walk_mountinfo(mountinfo, &mut f)
}

/// `for_each_mount_point` for every `f` at once: one copy of the loop, not
/// one per caller.
fn walk_mountinfo(mountinfo: &CStr, f: &mut dyn FnMut(&[u8], &CStr) -> Result<()>) -> Result<()> {
    let mut buf = [0u8; 8192];
    crate::files::for_each_line(mountinfo, &mut buf, false, &mut |line| {
        let mut path = MountPoint::new();
        if mount_point(line, &mut path) {
            let len = path.as_bytes().len();
            path.push(b"\0");
            f(&path.as_bytes()[..len], path.as_c_str())?;
        }
        Ok(false)
    })
}

/// The mount point of a mountinfo line: the fifth field, with the kernel's
/// `\ooo` escapes undone; into `path` (empty, as the caller made it: a
/// MountPoint is 4 KB, and returned it was copied out of the Option).
/// False for a line without one.
fn mount_point(line: &[u8], path: &mut MountPoint) -> bool {
    let Some(field) = line.split(|&c| c == b' ').nth(4) else {
        return false;
    };
    let mut i = 0;
    while i < field.len() {
        let octal = field
            .get(i + 1..i + 4)
            .filter(|d| field[i] == b'\\' && d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(d) => {
                let byte = d.iter().fold(0u32, |n, c| n * 8 + u32::from(c - b'0'));
                path.push(&[byte as u8]);
                i += 4;
            }
            None => {
                path.push(&field[i..i + 1]);
                i += 1;
            }
        }
    }
    true
}

/// `path` relative to `dir`, if strictly below it.
pub fn below<'a>(path: &'a [u8], dir: &[u8]) -> Option<&'a [u8]> {
    let dir = dir.strip_suffix(b"/").unwrap_or(dir);
    match path.strip_prefix(dir)?.strip_prefix(b"/")? {
        b"" => None,
        rel => Some(rel),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_below(line: &str, dir: &str) -> Option<std::string::String> {
        let mut path = MountPoint::new();
        if !mount_point(line.as_bytes(), &mut path) {
            return None;
        }
        super::below(path.as_bytes(), dir.as_bytes())
            .map(|p| std::string::String::from_utf8(p.to_vec()).unwrap())
    }

    #[test]
    fn finds_mounts_strictly_below() {
        let line = "90 80 0:50 / /srv/data/sub rw,relatime shared:1 - tmpfs tmpfs rw";
        assert_eq!(line_below(line, "/srv/data").as_deref(), Some("sub"));
        assert_eq!(line_below(line, "/srv/data/sub"), None);
        assert_eq!(line_below(line, "/srv/dat"), None);
        assert_eq!(line_below(line, "/srv/data/s"), None);
    }

    #[test]
    fn undoes_octal_escapes() {
        let line = "90 80 0:50 / /d/a\\040b\\134c rw - tmpfs tmpfs rw";
        assert_eq!(line_below(line, "/d").as_deref(), Some("a b\\c"));
        assert_eq!(line_below("short line", "/d"), None);
    }

    #[test]
    fn below_ignores_a_trailing_slash_and_the_dir_itself() {
        assert_eq!(below(b"/a/b", b"/a/"), Some(&b"b"[..]));
        assert_eq!(below(b"/a", b"/a"), None);
        assert_eq!(below(b"/ab", b"/a"), None);
        assert_eq!(below(b"/a", b"/"), Some(&b"a"[..]));
    }
}
