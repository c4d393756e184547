//! Rootless OCI mode: runc's commands run by an ordinary user. Most of it
//! is the plain command line's rootless path (the user namespace's maps in
//! userns.rs, no device rule and a cgroup only for limits in parent/mod.rs);
//! what is OCI mode's own is where state lives by default.

use core::ffi::CStr;

use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::arena::{c_str, Arena};
use crate::sys::args::Environ;

/// The default `--root` of an ordinary caller: `$XDG_RUNTIME_DIR/sct`, as
/// runc takes `$XDG_RUNTIME_DIR/runc` (/run/sct is root's to write).
/// Without a usable XDG_RUNTIME_DIR, a refusal that says what to pass.
pub fn default_root(env: Environ) -> Result<&'static CStr> {
    let xdg = env.entry(b"XDG_RUNTIME_DIR").map(|e| &e.to_bytes()[16..]);
    let mut path = Buf::<1024>::new();
    if !root_under(xdg, &mut path) {
        return Err(Error::setup(
            "--root",
            b"",
            "not given, and XDG_RUNTIME_DIR is not an absolute path",
        )
        .hint(
            "as an ordinary user, pass --root DIR (a directory of yours) or set XDG_RUNTIME_DIR",
        ));
    }
    let len = path.as_bytes().len();
    let mut arena = Arena::map(len + 1).at("mmap", b"--root")?;
    arena
        .bytes(len + 1)
        .and_then(|kept| {
            kept[..len].copy_from_slice(path.as_bytes());
            c_str(kept, len)
        })
        .ok_or_else(|| Error::setup("mmap", b"--root", "too small"))
}

/// `XDG/sct` into the empty `path` (the caller's: returning it copied
/// 1 KB); false unless `XDG` is an absolute path and it fits.
fn root_under(xdg: Option<&[u8]>, path: &mut Buf<1024>) -> bool {
    let Some(xdg) = xdg.filter(|x| x.first() == Some(&b'/')) else {
        return false;
    };
    path.push(xdg.strip_suffix(b"/").unwrap_or(xdg))
        .push(b"/sct");
    !path.is_cut()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_is_under_xdg_runtime_dir_when_it_is_absolute() {
        let root = |x: Option<&[u8]>| {
            let mut path = Buf::<1024>::new();
            root_under(x, &mut path).then(|| path.as_bytes().to_vec())
        };
        assert_eq!(root(Some(b"/run/user/999")).unwrap(), b"/run/user/999/sct");
        assert_eq!(root(Some(b"/run/user/999/")).unwrap(), b"/run/user/999/sct");
        assert_eq!(root(Some(b"")), None);
        assert_eq!(root(Some(b"run/user")), None);
        assert_eq!(root(None), None);
        assert_eq!(root(Some(&[b'/'; 2000])), None);
    }
}
