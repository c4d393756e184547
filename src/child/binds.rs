//! The user's mounts: `--bind SRC:DST[:ro]` and `--tmpfs DST[:size=SIZE]`.

use linux_raw_sys::general::{
    MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY,
};
use rustix::fd::OwnedFd;
use rustix::fs::{fstat, mkdirat, openat, openat2, FileType, Mode, OFlags, CWD};
use rustix::mount::{mount, mount_change, MountFlags};

use super::proc::{bind_fd, fd_path, RESOLVE_INSIDE};
use super::rootfs::{propagation_flags, set_mount_attrs};
use crate::cli::{Bind, Config, Tmpfs};
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::Errno;

type Path = Buf<1100>;

/// Mounts the binds and tmpfs mounts, shallowest DST first (as docker
/// sorts them): `--tmpfs /run -v SRC:/run/x` binds into the tmpfs, and
/// `-v A:/data -v B:/data/b` binds B into A, whatever the order given.
/// In the order given among equally deep ones. DST is below `root`.
pub fn mount_user_paths(root: &OwnedFd, cfg: &Config) -> Result<()> {
    let binds = cfg.binds.as_slice();
    let tmpfs = cfg.tmpfs.as_slice();
    let mut deepest = 0;
    for dst in binds
        .iter()
        .map(|b| b.dst)
        .chain(tmpfs.iter().map(|t| t.dst))
    {
        deepest = deepest.max(depth(dst));
    }
    for level in 0..=deepest {
        for b in binds {
            if depth(b.dst) == level {
                bind(root, b)?;
            }
        }
        for t in tmpfs {
            if depth(t.dst) == level {
                mount_tmpfs(root, t)?;
            }
        }
    }
    Ok(())
}

/// The number of components of a path.
fn depth(path: &[u8]) -> usize {
    path.split(|&c| c == b'/').filter(|c| !c.is_empty()).count()
}

/// `path` without its leading slashes, relative to the rootfs.
fn relative(path: &[u8]) -> &[u8] {
    &path[path.iter().take_while(|&&c| c == b'/').count()..]
}

/// Binds SRC (a host path) onto DST inside the rootfs, creating DST if
/// missing. DST is resolved inside the rootfs without following symlinks, so
/// a planted symlink cannot redirect the bind onto the host.
fn bind(root: &OwnedFd, b: &Bind) -> Result<()> {
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
            Errno::NOENT,
            "SRC of --bind is a path on the host and must exist",
        )
    })?;
    let is_dir =
        FileType::from_raw_mode(fstat(&src).at("stat", b.src)?.st_mode) == FileType::Directory;
    let rel = relative(b.dst.trim_ascii_start());
    if rel.is_empty() {
        return Err(Error::os("bind", b.dst, Errno::INVAL).hint("DST of --bind cannot be / itself"));
    }
    let target = make_path(root, rel, is_dir).at("bind", b.dst)?;
    bind_fd(&src, &target, b.recursive()).at("bind", b.dst)?;
    // `dev` binds keep their nodes usable (the device rule still decides
    // which); `--bind ... :ro` comes with nosuid.
    let attr = |on: bool, attr: u32| if on { attr } else { 0 };
    let attrs = attr(b.read_only, MOUNT_ATTR_RDONLY)
        | attr(b.nosuid(), MOUNT_ATTR_NOSUID)
        | attr(!b.dev, MOUNT_ATTR_NODEV)
        | attr(b.noexec(), MOUNT_ATTR_NOEXEC);
    if attrs == 0 && b.propagation().is_none() {
        return Ok(());
    }
    // The fd names the covered inode: reopen to reach the new mount.
    let bound = open_or_create(root, rel, is_dir).at("bind", b.dst)?;
    if let Some(p) = b.propagation() {
        mount_change(fd_path(&bound).as_c_str(), propagation_flags(p)).at("bind", b.dst)?;
    }
    if attrs == 0 {
        return Ok(());
    }
    set_mount_attrs(&bound, attrs, b.dst)
}

/// Mounts a fresh tmpfs on DST (created if missing, resolved inside the
/// rootfs like a bind's), with docker's defaults: mode 1777, nosuid, nodev.
fn mount_tmpfs(root: &OwnedFd, t: &Tmpfs) -> Result<()> {
    let target = make_path(root, relative(t.dst), true).at("tmpfs", t.dst)?;
    let mut data = Buf::<64>::new();
    data.push(b"mode=");
    push_octal(&mut data, t.mode().unwrap_or(0o1777));
    if let Some(size) = t.size {
        data.push(b",size=").push_u64(size);
    }
    data.push(b"\0");
    let mut flags = MountFlags::NOSUID | MountFlags::NODEV;
    if t.noexec() {
        flags |= MountFlags::NOEXEC;
    }
    mount(
        c"tmpfs",
        fd_path(&target).as_c_str(),
        c"tmpfs",
        flags,
        Some(data.as_c_str()),
    )
    .at("tmpfs", t.dst)
}

fn push_octal(b: &mut Buf<64>, mode: u32) {
    for shift in [9, 6, 3, 0] {
        b.push(&[b'0' + ((mode >> shift) & 7) as u8]);
    }
}

pub(super) fn c_path(p: &[u8]) -> Path {
    let mut b = Path::new();
    b.push(p).push(b"\0");
    b
}

/// Opens `rel` inside `root`, making what is missing of it like `mkdir -p`
/// (as docker does); the last component is a directory or an empty file,
/// like SRC.
pub(super) fn make_path(
    root: &OwnedFd,
    rel: &[u8],
    dir: bool,
) -> core::result::Result<OwnedFd, rustix::io::Errno> {
    for i in 1..rel.len() {
        if rel[i] == b'/' {
            open_or_create(root, &rel[..i], true)?;
        }
    }
    open_or_create(root, rel, dir)
}

/// Opens `rel` inside `root`; if its last component is missing, makes it (a
/// directory or an empty file) in its existing parent.
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
