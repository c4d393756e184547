//! `--bind`, `--tmpfs` and `--device`: what is mounted or made inside.

use core::ffi::CStr;

use crate::cgroup::values;
use crate::error::{Error, Result};

/// Most `--bind` options one run takes.
pub const MAX_BINDS: usize = 16;

/// One `-v SRC:DST[:ro]`, as slices of its argument.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bind {
    pub src: &'static [u8],
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    pub read_only: bool,
}

/// Most `--tmpfs` options one run takes.
pub const MAX_TMPFS: usize = 16;

/// One `--tmpfs DST[:size=SIZE]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tmpfs {
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    /// In bytes; `None`: the kernel's default, half of RAM.
    pub size: Option<u64>,
}

pub(super) fn bind(v: &'static CStr) -> Result<Bind> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--bind '", s, why));
    let mut parts = s.splitn(3, |&c| c == b':');
    let (src, dst) = (parts.next().unwrap_or(b""), parts.next().unwrap_or(b""));
    let read_only = match parts.next() {
        None => false,
        Some(b"ro") => true,
        Some(_) => return bad("': expected SRC:DST or SRC:DST:ro"),
    };
    if src.is_empty() || dst.is_empty() {
        return bad("': expected SRC:DST or SRC:DST:ro");
    }
    if src[0] != b'/' {
        return bad("': SRC must be an absolute path");
    }
    if dst[0] != b'/' {
        return bad("': DST must be an absolute path");
    }
    if src.len() >= 1024 || dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    Ok(Bind {
        src,
        dst,
        read_only,
    })
}

pub(super) fn tmpfs(v: &'static CStr) -> Result<Tmpfs> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--tmpfs '", s, why));
    let (dst, options) = match s.iter().position(|&c| c == b':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if dst.first() != Some(&b'/') {
        return bad("': DST must be an absolute path");
    }
    if dst.iter().all(|&c| c == b'/') {
        return bad("': DST cannot be / itself");
    }
    // A tmpfs over these would hide what sct mounts there (the masks need
    // /dev/null, and /proc and /sys are the kernel's views).
    let trimmed = dst.strip_suffix(b"/").unwrap_or(dst);
    if [&b"/dev"[..], b"/proc", b"/sys"].contains(&trimmed) {
        return bad("': sct mounts /dev, /proc and /sys itself");
    }
    if dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    let size = match options {
        None => None,
        Some(o) => match o.strip_prefix(b"size=") {
            // size=0 would mean no limit to the kernel; parse_size refuses it.
            Some(size) => match values::parse_size(size) {
                Some(bytes) => Some(bytes),
                None => return bad("': expected a size like 512k, 20m or 1g"),
            },
            None => return bad("': expected DST or DST:size=SIZE"),
        },
    };
    Ok(Tmpfs { dst, size })
}
