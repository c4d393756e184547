//! Namespaces the container joins instead of making (a Kubernetes pod's
//! containers share the sandbox's network, IPC and UTS namespaces), and
//! its own cgroup namespace.

use rustix::fd::AsFd;
use rustix::fs::{open, Mode, OFlags};
use rustix::thread::{move_into_link_name_space, LinkNameSpaceType};

use crate::cli::Joins;
use crate::error::{Context, Result};
use crate::sys::process::unshare_cgroup_namespace;

/// Enters each namespace named by a host path (`/proc/PID/ns/net`, a
/// bind-mounted `/run/netns/NAME`). The paths are the host's, so this
/// runs while the host's root is still ours, before any mount.
pub fn join_namespaces(joins: &Joins) -> Result<()> {
    let wanted = [
        (joins.net, LinkNameSpaceType::Network),
        (joins.ipc, LinkNameSpaceType::InterProcessCommunication),
        (joins.uts, LinkNameSpaceType::HostNameAndNISDomainName),
    ];
    for (path, kind) in wanted {
        let Some(path) = path else { continue };
        let name = path.to_bytes();
        let fd = open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).at("open", name)?;
        // The type is checked by the kernel: a path to another kind of
        // namespace is EINVAL, not a silent join.
        move_into_link_name_space(fd.as_fd(), Some(kind)).at("setns", name)?;
    }
    Ok(())
}

/// A cgroup namespace whose root is the container's own cgroup: the
/// parent placed us there before the first release, and the namespace is
/// rooted where the process is at unshare (cgroup_namespaces(7)); a
/// clone-time CLONE_NEWCGROUP would root it at sct's cgroup.
pub fn make_cgroup_namespace() -> Result<()> {
    unshare_cgroup_namespace().at("unshare", b"CLONE_NEWCGROUP")
}
