//! The user's `--bind SRC:DST[:ro]` mounts.

use rustix::fd::OwnedFd;
use rustix::fs::{fstat, mkdirat, openat, openat2, FileType, Mode, OFlags, CWD};
use rustix::mount::{mount_bind_recursive, mount_remount, MountFlags};

use super::proc::{fd_path, open_root, RESOLVE_INSIDE};
use crate::cli::Config;
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::Errno;

type Path = Buf<1100>;

/// Binds each SRC (a host path) onto DST inside the rootfs, creating DST if
/// missing. DST is resolved inside the rootfs without following symlinks, so
/// a planted symlink cannot redirect the bind onto the host.
pub fn bind_user_paths(cfg: &Config) -> Result<()> {
    if cfg.bind_count == 0 {
        return Ok(());
    }
    let root = open_root()?;
    for b in &cfg.binds[..cfg.bind_count] {
        let src_path = c_path(b.src);
        let src = openat(
            CWD,
            src_path.as_c_str(),
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .at("bind", b.src)
        .map_err(|e| {
            e.hint_if(
                Errno::ENOENT,
                "SRC of --bind is a path on the host and must exist",
            )
        })?;
        let is_dir =
            FileType::from_raw_mode(fstat(&src).at("stat", b.src)?.st_mode) == FileType::Directory;
        let rel = b.dst.trim_ascii_start();
        let rel = &rel[rel.iter().take_while(|&&c| c == b'/').count()..];
        if rel.is_empty() {
            return Err(
                Error::os("bind", b.dst, Errno::EINVAL).hint("DST of --bind cannot be / itself")
            );
        }
        let target = open_or_create(&root, rel, is_dir).at("bind", b.dst)?;
        mount_bind_recursive(fd_path(&src).as_c_str(), fd_path(&target).as_c_str())
            .at("bind", b.dst)?;
        if b.read_only {
            // The fd names the covered inode: reopen to reach the new mount.
            let bound = open_or_create(&root, rel, is_dir).at("bind", b.dst)?;
            let flags =
                MountFlags::BIND | MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV;
            mount_remount(fd_path(&bound).as_c_str(), flags, c"").at("remount read-only", b.dst)?;
        }
    }
    Ok(())
}

fn c_path(p: &[u8]) -> Path {
    let mut b = Path::new();
    b.push(p).push(b"\0");
    b
}

/// Opens `rel` inside `root`; if its last component is missing, makes it (a
/// directory or an empty file, like SRC) in its existing parent.
fn open_or_create(
    root: &OwnedFd,
    rel: &[u8],
    dir: bool,
) -> core::result::Result<OwnedFd, rustix::io::Errno> {
    let path = c_path(rel);
    match openat2(
        root,
        path.as_c_str(),
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    ) {
        Err(rustix::io::Errno::NOENT) => {}
        other => return other,
    }
    let (parent, last) = match rel.iter().rposition(|&c| c == b'/') {
        Some(i) => (&rel[..i], &rel[i + 1..]),
        None => (&b"."[..], rel),
    };
    let parent = openat2(
        root,
        c_path(parent).as_c_str(),
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    )?;
    let last = c_path(last);
    if dir {
        mkdirat(&parent, last.as_c_str(), Mode::from_raw_mode(0o755))?;
    } else {
        let flags =
            OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC;
        drop(openat(
            &parent,
            last.as_c_str(),
            flags,
            Mode::from_raw_mode(0o644),
        )?);
    }
    openat2(
        root,
        path.as_c_str(),
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    )
}
