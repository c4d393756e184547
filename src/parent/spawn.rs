//! Creating the child in its namespaces (clone3 or clone), and the child
//! as the parent holds it: its pid, its pidfd, its handshakes.

use linux_raw_sys::general::{
    CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, CLONE_NEWUTS,
};
use rustix::fd::OwnedFd;
use rustix::process::{Pid, Signal};

use crate::cgroup::Cgroup;
use crate::cli::{Config, Net};
use crate::error::{Context, Result};
use crate::sync::Handshakes;
use crate::sys::process::{self, Fork, Waited};
use crate::sys::Errno;
use crate::userns::{self, UserNs};

/// The container's first process, seen from outside.
pub struct Child {
    pub(super) pid: Pid,
    /// Present when clone3 made the child; the classic clone path has none.
    pub(super) pidfd: Option<OwnedFd>,
    /// The handshakes it takes part in (sync.rs).
    pub(super) handshakes: Handshakes,
}

/// The child learns its handshakes from the memory it was cloned from, as
/// the parent set them just before that clone.
pub(super) enum Spawned {
    Child(Handshakes),
    Parent(Child),
}

/// The new namespaces. With CLONE_NEWUSER in the same call the kernel
/// makes the user namespace first (copy_creds() before
/// copy_namespaces()), so it owns the others: root inside has
/// CAP_SYS_ADMIN over the container's mount, UTS, IPC, PID and network
/// namespaces, which mounting proc, mqueue and sysfs requires, and over
/// nothing of the host's.
fn namespaces(cfg: &Config, user: bool) -> u64 {
    let mut flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if cfg.net == Net::None {
        flags |= CLONE_NEWNET;
    }
    if user {
        flags |= CLONE_NEWUSER;
    }
    u64::from(flags)
}

/// Creates the child in all its namespaces at once: clone3 (Linux 5.3) with
/// a pidfd, or the classic clone where clone3 does not exist.
///
/// With a cgroup v2 directory the child starts inside it (CLONE_INTO_CGROUP,
/// Linux 5.7); kernels 5.3-5.6 answer E2BIG or EINVAL, and then the parent
/// places the child before releasing it.
/// `last_ahead`: see `Handshakes`; whether a first release is needed is
/// found here, as it depends on how the clone went.
pub(super) fn spawn(
    cfg: &Config,
    userns: Option<&UserNs>,
    cgroup: Option<&mut Cgroup>,
    last_ahead: bool,
) -> Result<Spawned> {
    let user = userns.is_some();
    // Maps the parent writes before the child may go on.
    let maps = userns.is_some_and(|ns| !ns.maps_itself());
    let flags = namespaces(cfg, user);
    let into = cgroup
        .as_ref()
        .and_then(|cg| cg.v2_fd())
        .map(|fd| rustix::fd::AsRawFd::as_raw_fd(&fd));
    let must_place = |by_clone| cgroup.as_ref().is_some_and(|cg| cg.needs_placing(by_clone));
    let (in_by_clone, in_by_parent) = (must_place(into.is_some()), must_place(false));
    let mut first_release = maps || in_by_clone;
    let mut result = process::clone3(flags, into);
    if into.is_some() {
        match result {
            Err(Errno::TOOBIG) | Err(Errno::INVAL) => {
                first_release = maps || in_by_parent;
                result = process::clone3(flags, None)
            }
            Ok(Fork::Parent { .. }) => {
                if let Some(cg) = cgroup {
                    cg.placed_by_clone();
                }
            }
            _ => {}
        }
    }
    let forked = match result {
        Err(Errno::NOSYS) => {
            first_release = maps || in_by_parent;
            process::clone(flags).at("clone", b"")
        }
        other => other.at("clone3", b""),
    }
    .map_err(|e| {
        let eperm = if user && userns::is_rootless() {
            "the kernel refuses user namespaces to ordinary users here: see kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns or an SELinux policy (README, Rootless)"
        } else {
            "creating namespaces needs root (CAP_SYS_ADMIN); run sct as root"
        };
        e.hint_if(Errno::PERM, eperm)
            .hint_if(
                Errno::ACCESS,
                "the kernel refuses user namespaces here (a security module's policy; README, Rootless)",
            )
            .hint_if(
                Errno::NOSPC,
                "a namespace limit was reached: see /proc/sys/user/max_*_namespaces",
            )
            .hint_if(
                Errno::USERS,
                "user namespaces nest at most 32 deep",
            )
            .hint_if(
                Errno::INVAL,
                "this kernel lacks a namespace type sct needs (user, PID, mount, UTS, IPC, net)",
            )
    })?;
    Ok(match forked {
        Fork::Child => Spawned::Child(Handshakes {
            first: first_release,
            last_ahead,
        }),
        Fork::Parent { pid, pidfd } => Spawned::Parent(Child {
            pid,
            pidfd,
            handshakes: Handshakes {
                first: first_release,
                last_ahead,
            },
        }),
    })
}

impl Child {
    /// Kills and reaps the child after the parent's part of its setup
    /// failed with `e`, which it gives back.
    pub(super) fn kill(&self, e: crate::error::Error) -> crate::error::Error {
        self.signal(linux_raw_sys::general::SIGKILL);
        let _ = self.wait();
        e
    }

    pub(super) fn signal(&self, signo: u32) {
        let Some(signal) = Signal::from_named_raw(signo as i32) else {
            return;
        };
        // Both fail only once the child is gone, which the wait loop sees.
        let _ = match &self.pidfd {
            Some(fd) => rustix::process::pidfd_send_signal(fd, signal),
            // Race-free without a pidfd too: the pid cannot be reused until
            // we reap it.
            None => rustix::process::kill_process(self.pid, signal),
        };
    }

    /// Blocks until the child has exited and reaps it: after a setup
    /// failure, when nothing of CMD's has run.
    pub(super) fn wait(&self) -> Result<()> {
        let child = match &self.pidfd {
            Some(fd) => Waited::PidFd(rustix::fd::AsFd::as_fd(fd)),
            None => Waited::Pid(self.pid),
        };
        process::wait_exit(child)
            .map(drop)
            .at("waitid", b"container")
    }
}
