//! The parent side: everything sct does outside the container, in order.
//!
//! Parent code holds the child's pid; child code never does.

use linux_raw_sys::general::{
    CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS, SIGCHLD, SIGHUP, SIGINT,
    SIGPIPE, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};
use rustix::fd::OwnedFd;
use rustix::fs::{stat, FileType};
use rustix::process::{Pid, Signal, WaitId, WaitIdOptions, WaitIdStatus};

use crate::cgroup::Cgroup;
use crate::child;
use crate::cli::{Config, Net};
use crate::devices::{Devices, Kind, Node};
use crate::error::{Context, Error, Result};
use crate::sync::Channel;
use crate::sys::args::{Args, Environ};
use crate::sys::process::{self, Fork};
use crate::sys::signal::{self as sig, SigSet};
use crate::sys::Errno;

/// Signals sent to sct that are passed on to the container (runc and crun
/// forward these too). sct itself stays until the container has exited.
const FORWARDED: &[u32] = &[SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH];

/// Runs the container and returns the exit code sct should exit with.
pub fn run(cfg: &Config, args: Args, env: Environ) -> Result<u8> {
    check_rootfs(cfg)?;
    let devices = resolve_devices(cfg)?;
    // Before the child exists, so that it can start inside (CLONE_INTO_CGROUP).
    // Dropping it, on any return from here, kills what is left inside and
    // removes the directories.
    let rule = (!cfg.no_cgroup).then(|| devices.rules());
    let mut cgroup = Cgroup::create(&cfg.limits, rule, cfg.cgroup_parent)?;
    let signals = take_over_signals()?;
    let channel = Channel::new()?;
    let child = match spawn(cfg, cgroup.as_mut())? {
        Spawned::Child => child::run(cfg, &devices, args, env, channel.into_child()),
        Spawned::Parent(child) => child,
    };
    let channel = channel.into_parent();
    // The child waits on the release pipe, so it runs no instruction of its
    // own outside its cgroup: placed here, before the release, where
    // CLONE_INTO_CGROUP did not do it already (v1, kernels before 5.7).
    if let Some(cg) = &cgroup {
        if let Err(e) = cg.place(child.pid) {
            child.signal(linux_raw_sys::general::SIGKILL);
            let _ = child.wait();
            return Err(e);
        }
    }
    channel.release()?;
    // While the child sets up: the rule must only be there before CMD runs.
    if let Some(cg) = &mut cgroup {
        if let Err(e) = cg.attach_device_rule(devices.rules(), child.pid) {
            child.signal(linux_raw_sys::general::SIGKILL);
            let _ = child.wait();
            return Err(e.or_hint(crate::cgroup::NO_CGROUP_HINT));
        }
    }
    channel.allow_command()?;
    if let Some(failure) = channel.wait_for_exec()? {
        child.wait()?;
        failure.message.write_to(crate::sys::stderr());
        return Ok(failure.exit_code);
    }
    let code = supervise(&child, &signals)?;
    Ok(cgroup
        .as_ref()
        .and_then(|cg| cg.report(code))
        .unwrap_or(code))
}

/// ROOTFS must be a directory: refuse anything else before any namespace
/// exists, with a message that names it.
fn check_rootfs(cfg: &Config) -> Result<()> {
    let path = cfg.rootfs.to_bytes();
    let st = stat(cfg.rootfs).at("rootfs", path).map_err(|e| {
        e.hint_if(
            Errno::ENOENT,
            "ROOTFS is a directory holding the container's files, e.g. an unpacked image",
        )
    })?;
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        return Err(Error::os("rootfs", path, Errno::ENOTDIR)
            .hint("ROOTFS must be a directory; unpack an image or tarball into one first"));
    }
    Ok(())
}

/// Finds each `--device` node on the host (following symlinks, as docker
/// does, so /dev/disk/by-id/... works): its type, numbers, mode and owner.
pub fn resolve_devices(cfg: &Config) -> Result<Devices> {
    let mut devices = Devices::new();
    for d in &cfg.devices[..cfg.device_count] {
        let mut path = crate::out::Buf::<1100>::new();
        path.push(d.host).push(b"\0");
        let st = stat(path.as_c_str()).at("--device", d.host).map_err(|e| {
            e.hint_if(
                Errno::ENOENT,
                "HOST of --device is a device node on the host, e.g. /dev/ttyUSB0",
            )
        })?;
        let kind = match FileType::from_raw_mode(st.st_mode) {
            FileType::CharacterDevice => Kind::Char,
            FileType::BlockDevice => Kind::Block,
            _ => {
                return Err(
                    Error::setup("--device", d.host, "not a character or block device")
                        .hint("HOST of --device is a device node on the host, e.g. /dev/ttyUSB0"),
                )
            }
        };
        let node = Node {
            kind,
            major: rustix::fs::major(st.st_rdev),
            minor: rustix::fs::minor(st.st_rdev),
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            host: d.host,
            path: d.container,
        };
        devices.add(node, d.access);
    }
    Ok(devices)
}

/// Blocks the forwarded signals and SIGCHLD before the child exists, so none
/// is lost between clone and the wait loop; `supervise` takes them
/// synchronously. The child unblocks them again before exec.
fn take_over_signals() -> Result<SigSet> {
    let mut set = SigSet::empty().with(SIGCHLD);
    for &s in FORWARDED {
        set = set.with(s);
    }
    // An inherited SIG_IGN on SIGCHLD would make the kernel reap the child
    // behind our back and waitid fail with ECHILD.
    sig::set_default(SIGCHLD).at("sigaction", b"SIGCHLD")?;
    // SIGPIPE too, but never taken: a write to a child that died must fail
    // with EPIPE, not end sct.
    sig::block(&set.with(SIGPIPE)).at("sigprocmask", b"")?;
    Ok(set)
}

/// The container's first process, seen from outside.
pub struct Child {
    pid: Pid,
    /// Present when clone3 made the child; the classic clone path has none.
    pidfd: Option<OwnedFd>,
}

enum Spawned {
    Child,
    Parent(Child),
}

fn namespaces(cfg: &Config) -> u64 {
    let mut flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC;
    if cfg.net == Net::None {
        flags |= CLONE_NEWNET;
    }
    u64::from(flags)
}

/// Creates the child in all its namespaces at once: clone3 (Linux 5.3) with
/// a pidfd, or the classic clone where clone3 does not exist.
///
/// With a cgroup v2 directory the child starts inside it (CLONE_INTO_CGROUP,
/// Linux 5.7); kernels 5.3-5.6 answer E2BIG or EINVAL, and then the parent
/// places the child before releasing it.
fn spawn(cfg: &Config, cgroup: Option<&mut Cgroup>) -> Result<Spawned> {
    let flags = namespaces(cfg);
    let into = cgroup
        .as_ref()
        .and_then(|cg| cg.v2_fd())
        .map(|fd| rustix::fd::AsRawFd::as_raw_fd(&fd));
    let mut result = process::clone3(flags, into);
    if into.is_some() {
        match result {
            Err(Errno::E2BIG) | Err(Errno::EINVAL) => result = process::clone3(flags, None),
            Ok(Fork::Parent { .. }) => {
                if let Some(cg) = cgroup {
                    cg.placed_by_clone();
                }
            }
            _ => {}
        }
    }
    let forked = match result {
        Err(Errno::ENOSYS) => process::clone(flags).at("clone", b""),
        other => other.at("clone3", b""),
    }
    .map_err(|e| {
        e.hint_if(
            Errno::EPERM,
            "creating namespaces needs root (CAP_SYS_ADMIN); run sct as root",
        )
        .hint_if(
            Errno::ENOSPC,
            "a namespace limit was reached: see /proc/sys/user/max_*_namespaces",
        )
        .hint_if(
            Errno::EINVAL,
            "this kernel lacks a namespace type sct needs (PID, mount, UTS, IPC, net)",
        )
    })?;
    Ok(match forked {
        Fork::Child => Spawned::Child,
        Fork::Parent { pid, pidfd } => Spawned::Parent(Child { pid, pidfd }),
    })
}

impl Child {
    fn signal(&self, signo: u32) {
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

    fn wait_with(&self, options: WaitIdOptions) -> Result<Option<WaitIdStatus>> {
        loop {
            let id = match &self.pidfd {
                Some(fd) => WaitId::PidFd(rustix::fd::AsFd::as_fd(fd)),
                None => WaitId::Pid(self.pid),
            };
            match rustix::process::waitid(id, options | WaitIdOptions::EXITED) {
                Err(rustix::io::Errno::INTR) => continue,
                other => return other.at("waitid", b"container"),
            }
        }
    }

    /// Blocks until the child has exited and reaps it.
    fn wait(&self) -> Result<WaitIdStatus> {
        loop {
            if let Some(status) = self.wait_with(WaitIdOptions::empty())? {
                return Ok(status);
            }
        }
    }
}

/// Passes signals on until the child exits; returns its exit code.
fn supervise(child: &Child, signals: &SigSet) -> Result<u8> {
    loop {
        match sig::wait(signals).at("sigtimedwait", b"")? {
            SIGCHLD => {
                if let Some(status) = child.wait_with(WaitIdOptions::NOHANG)? {
                    return Ok(exit_code(&status));
                }
            }
            other => child.signal(other),
        }
    }
}

/// CMD's own code, or 128+N when signal N killed it (docker's convention).
fn exit_code(status: &WaitIdStatus) -> u8 {
    match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signo)) => 128u8.wrapping_add(signo as u8),
        (None, None) => crate::error::EXIT_SCT_FAILED,
    }
}
