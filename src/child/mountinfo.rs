//! Walking `/proc/self/mountinfo` without an allocator: the mounts below a
//! directory, for kernels without `mount_setattr(AT_RECURSIVE)`.

use rustix::fs::{openat, Mode, OFlags, CWD};
use rustix::io::read;

use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::Errno;

const MOUNTINFO: &[u8] = b"/proc/self/mountinfo";

/// A mount point, unescaped.
pub type MountPoint = Buf<4096>;

/// Calls `f` with each mount point strictly below `dir` (an absolute path
/// without a trailing slash, as seen from sct's root), relative to `dir`.
pub fn for_each_mount_below(dir: &[u8], mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let file = openat(
        CWD,
        c"/proc/self/mountinfo",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", MOUNTINFO)?;
    let mut buf = [0u8; 8192];
    let mut len = 0;
    loop {
        let n = read(&file, &mut buf[len..]).at("read", MOUNTINFO)?;
        len += n;
        let mut start = 0;
        while let Some(end) = buf[start..len].iter().position(|&c| c == b'\n') {
            if let Some(rel) = mount_point_below(&buf[start..start + end], dir) {
                f(rel.as_bytes())?;
            }
            start += end + 1;
        }
        if n == 0 {
            return Ok(());
        }
        if start == 0 && len == buf.len() {
            return Err(Error::os("read", MOUNTINFO, Errno::E2BIG));
        }
        buf.copy_within(start..len, 0);
        len -= start;
    }
}

/// The mount point of a mountinfo line (the fifth field, with `\ooo`
/// escapes undone), relative to `dir` if strictly below it.
fn mount_point_below(line: &[u8], dir: &[u8]) -> Option<MountPoint> {
    let field = line.split(|&c| c == b' ').nth(4)?;
    let mut path = MountPoint::new();
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
    let rel = path.as_bytes().strip_prefix(dir)?.strip_prefix(b"/")?;
    if rel.is_empty() {
        return None;
    }
    Some(MountPoint::from(rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn below(line: &str, dir: &str) -> Option<std::string::String> {
        mount_point_below(line.as_bytes(), dir.as_bytes())
            .map(|p| std::string::String::from_utf8(p.as_bytes().to_vec()).unwrap())
    }

    #[test]
    fn finds_mounts_strictly_below() {
        let line = "90 80 0:50 / /srv/data/sub rw,relatime shared:1 - tmpfs tmpfs rw";
        assert_eq!(below(line, "/srv/data").as_deref(), Some("sub"));
        assert_eq!(below(line, "/srv/data/sub"), None);
        assert_eq!(below(line, "/srv/dat"), None);
        assert_eq!(below(line, "/srv/data/s"), None);
    }

    #[test]
    fn undoes_octal_escapes() {
        let line = "90 80 0:50 / /d/a\\040b\\134c rw - tmpfs tmpfs rw";
        assert_eq!(below(line, "/d").as_deref(), Some("a b\\c"));
        assert_eq!(below("short line", "/d"), None);
    }
}
