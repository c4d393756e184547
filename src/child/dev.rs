//! `--device`: the host's nodes the user asked for, made in the container's
//! /dev with the host node's type, numbers, mode and owner.

use rustix::fs::{chmodat, chownat, makedev, mknodat, unlinkat, AtFlags, FileType, Mode};
use rustix::process::{Gid, Uid};

use super::binds::{c_path, make_path};
use super::proc::bind_host_node;
use crate::devices::{Devices, Kind, Node};
use crate::error::{Context, Result};

/// Makes each node below the container's /dev (a tmpfs of sct's own, the
/// one mount not `nodev`), creating its directories like `mkdir -p`.
/// Resolved inside the rootfs (`root`) without following symlinks, as
/// binds are.
pub fn make_device_nodes(root: &rustix::fd::OwnedFd, devices: &Devices) -> Result<()> {
    for n in devices.nodes() {
        make_node(root, n)?;
    }
    Ok(())
}

fn make_node(root: &rustix::fd::OwnedFd, n: &Node) -> Result<()> {
    let rel = &n.path[1..];
    let slash = rel.iter().rposition(|&c| c == b'/').unwrap_or(0);
    let (parent, name) = (&rel[..slash], &rel[slash + 1..]);
    let dir = make_path(root, parent, true).at("mkdir", n.path)?;
    let name = c_path(name);
    let kind = match n.kind {
        Kind::Block => FileType::BlockDevice,
        _ => FileType::CharacterDevice,
    };
    let rdev = makedev(n.major, n.minor);
    // A default node of the same name (--device /dev/tty) gives way.
    match unlinkat(&dir, name.as_c_str(), AtFlags::empty()) {
        Ok(()) | Err(rustix::io::Errno::NOENT) => {}
        Err(e) => return Err(e).at("replace", n.path),
    }
    let mode = Mode::from_raw_mode(n.mode);
    match mknodat(&dir, name.as_c_str(), kind, mode, rdev) {
        Err(rustix::io::Errno::PERM) => {
            let host = c_path(n.host);
            return bind_host_node(&dir, name.as_c_str(), host.as_c_str(), kind, rdev);
        }
        other => other.at("mknod", n.path)?,
    }
    // The umask must not narrow the host's mode; made just now on sct's
    // own tmpfs, the node is no symlink.
    chmodat(&dir, name.as_c_str(), mode, AtFlags::empty()).at("chmod", n.path)?;
    chownat(
        &dir,
        name.as_c_str(),
        Some(Uid::from_raw(n.uid)),
        Some(Gid::from_raw(n.gid)),
        AtFlags::SYMLINK_NOFOLLOW,
    )
    .at("chown", n.path)
}
