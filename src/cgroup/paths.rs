//! Where the container's cgroup directories go, and their making: below
//! `--cgroup-parent` (cgroupsPath) or sct's own cgroup in each hierarchy.

use rustix::fd::OwnedFd;
use rustix::fs::Mode;
use rustix::process::Pid;

use super::{open_dir, remove_dir, rmdir, values, with_c_path, Making, Path};
use crate::error::{Context, Error, Result};
use crate::out::Text;

/// `mount/(--cgroup-parent or own cgroup)`, into `path` (empty, as the
/// caller made it: returned, a Path was copied out of the Result).
pub(super) fn base_path(
    mount: &[u8],
    controller: Option<&str>,
    own: Option<&[u8]>,
    cgroup_parent: Option<&[u8]>,
    path: &mut Path,
) -> Result<()> {
    path.push(mount);
    match (cgroup_parent, own) {
        (Some(p), _) => {
            path.push(b"/").push(p);
        }
        (None, Some(own)) => {
            path.push(own);
        }
        (None, None) => {
            let what = controller.map(str::as_bytes).unwrap_or(b"cgroup v2");
            return Err(
                Error::setup("/proc/self/cgroup", what, "sct's own cgroup is not listed")
                    .hint("pass --cgroup-parent PATH"),
            );
        }
    }
    whole(path, path.as_bytes())
}

/// Tells `making` the path `base/name` of the directory `make_dir` is
/// about to make.
pub(super) fn record_making(making: &mut Making<'_>, base: &Path, name: &Text) -> Result<()> {
    let mut path = *base;
    if !path.as_bytes().ends_with(b"/") {
        path.push(b"/");
    }
    path.push(name.as_bytes());
    whole(&path, base.as_bytes())?;
    making(path.as_bytes())
}

/// Whether `path` fit: else ENAMETOOLONG, said of `object`.
fn whole(path: &Path, object: &[u8]) -> Result<()> {
    if path.is_cut() {
        return Err(Error::os("cgroup", object, crate::sys::Errno::NAMETOOLONG));
    }
    Ok(())
}

/// Opens `base`, creates `name` in it and opens that.
pub(super) fn make_dir(base: &Path, name: &Text) -> Result<(OwnedFd, OwnedFd)> {
    let parent = open_dir(None, base.as_bytes())
        .at("open cgroup", base.as_bytes())
        .map_err(|e| {
            e.hint_if(
                crate::sys::Errno::NOENT,
                "--cgroup-parent must name an existing cgroup",
            )
        })?;
    with_c_path(name.as_bytes(), &mut |n| {
        rustix::fs::mkdirat(&parent, n, Mode::from_raw_mode(0o755))
    })
    .at("mkdir cgroup", name.as_bytes())
    .map_err(|e| {
        e.hint_if(
            crate::sys::Errno::ACCESS,
            "creating a cgroup needs root (or a cgroup delegated to you); run sct as root",
        )
    })?;
    let fd = match open_dir(Some(&parent), name.as_bytes()) {
        Ok(fd) => fd,
        Err(e) => {
            remove_dir(&parent, name.as_bytes());
            return Err(e).at("open cgroup", name.as_bytes());
        }
    };
    Ok((parent, fd))
}

/// Calls `f` with the name and pid of each `sct-<pid>` directory in
/// `parent`, until it returns `Some`. From the directory's start whatever
/// read it before: both the stale scan and the device program's search
/// list the one parent fd.
pub(super) fn find_sct_dir<T>(
    parent: &OwnedFd,
    mut f: impl FnMut(&[u8], Pid) -> Option<T>,
) -> Option<T> {
    let mut found = None;
    list_sct_dirs(parent, &mut |name, pid| {
        found = f(name, pid);
        found.is_some()
    });
    found
}

/// `find_sct_dir` for every `f` at once: one copy of the listing, not one
/// per caller. Stops where `f` returns true.
fn list_sct_dirs(parent: &OwnedFd, f: &mut dyn FnMut(&[u8], Pid) -> bool) {
    if rustix::fs::seek(parent, rustix::fs::SeekFrom::Start(0)).is_err() {
        return;
    }
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 2048];
    let mut dir = rustix::fs::RawDir::new(parent, &mut buf);
    while let Some(Ok(entry)) = dir.next() {
        let name = entry.file_name().to_bytes();
        let pid = values::sct_cgroup_pid(name).and_then(|p| Pid::from_raw(p as i32));
        if pid.is_some_and(|pid| f(name, pid)) {
            return;
        }
    }
}

/// Removes `sct-<pid>` directories whose sct is gone (it was SIGKILLed and
/// could not clean up). A directory that still has processes stays (rmdir
/// refuses it).
pub(super) fn remove_stale(parent: &OwnedFd) {
    find_sct_dir(parent, |name, pid| {
        if rustix::process::test_kill_process(pid) == Err(rustix::io::Errno::SRCH) {
            let _ = rmdir(parent, name);
        }
        None::<()>
    });
}
