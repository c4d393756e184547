//! cgroup v1: one directory per controller, each in its own hierarchy.

use rustix::fd::OwnedFd;

use super::values::{self, Limits};
use super::{
    make_dir, read_at, read_number, write_at, write_number, Controllers, Dir, Path, CPU, CPUSET,
    DEVICES, MEMORY, PIDS,
};
use crate::devices::{self, Rule};
use crate::error::Result;
use crate::out::Text;
use crate::sys::Errno;

pub(super) fn create(
    base: &Path,
    name: &Text,
    controller: u8,
    limits: &Limits,
    devices: &[Rule],
) -> Result<Dir> {
    let (parent, fd) = make_dir(base, name)?;
    let written = if controller == DEVICES {
        write_device_rule(&fd, devices)
    } else {
        write_limits(&parent, &fd, controller, limits)
    };
    if let Err(e) = written {
        super::remove_dir(&parent, name.as_bytes());
        return Err(e);
    }
    // Where it cannot be opened (a delegated cgroup whose `tasks` stayed
    // root's), the parent places the child through cgroup.procs.
    let tasks = rustix::fs::openat(
        &fd,
        c"tasks",
        rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
        rustix::fs::Mode::empty(),
    )
    .ok();
    Ok(Dir {
        parent,
        fd,
        v2: false,
        controllers: Controllers(controller),
        tasks,
    })
}

pub(super) fn write_limits(
    parent: &OwnedFd,
    fd: &OwnedFd,
    controller: u8,
    l: &Limits,
) -> Result<()> {
    match controller {
        MEMORY => {
            if let Some(m) = l.memory {
                write_number(fd, b"memory.limit_in_bytes", m)?;
            }
            // memsw after memory: v1 refuses memsw below limit_in_bytes.
            if let Some(s) = l.memory_swap {
                let file = b"memory.memsw.limit_in_bytes";
                match s {
                    values::Swap::Unlimited => write_at(fd, file, b"-1"),
                    values::Swap::Total(t) => write_number(fd, file, t),
                }
                .map_err(|e| {
                    e.hint_if(
                        Errno::NOENT,
                        "this kernel does not account swap in cgroup v1 (boot with swapaccount=1)",
                    )
                })?;
            }
            if let Some(r) = l.memory_reservation() {
                write_number(fd, b"memory.soft_limit_in_bytes", r)?;
            }
        }
        PIDS => {
            if let Some(p) = l.pids {
                write_number(fd, b"pids.max", p)?;
            }
        }
        CPU => {
            if let Some(q) = l.cpu_quota_us {
                write_number(fd, b"cpu.cfs_period_us", values::CPU_PERIOD_US)?;
                write_number(fd, b"cpu.cfs_quota_us", q)?;
            }
            if let Some(s) = l.cpu_shares() {
                write_number(fd, b"cpu.shares", s)?;
            }
        }
        CPUSET => {
            // A new v1 cpuset starts with no cpus and no memory nodes, and
            // refuses tasks until both are set: take the parent's nodes.
            let mut buf = [0u8; 256];
            let mems = match l.cpuset_mems() {
                Some(m) => m,
                None => read_at(parent, b"cpuset.mems", &mut buf)?,
            };
            write_at(fd, b"cpuset.mems", mems.trim_ascii())?;
            if let Some(c) = l.cpuset_cpus {
                write_at(fd, b"cpuset.cpus", c)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The device rule as v1 takes it: deny everything (a new cgroup starts
/// with its parent's list), then each rule in order, allow or deny.
fn write_device_rule(fd: &OwnedFd, rules: &[Rule]) -> Result<()> {
    write_at(fd, b"devices.deny", b"a")?;
    for r in rules {
        let mut line = Text::new();
        devices::v1_line(r, &mut line);
        let file: &[u8] = if r.allow {
            b"devices.allow"
        } else {
            b"devices.deny"
        };
        write_at(fd, file, line.as_bytes()).map_err(|e| {
            e.hint_if(
                Errno::PERM,
                "a cgroup can allow only devices its parent allows: --cgroup-parent, or the outer runtime's device rule",
            )
        })?;
    }
    Ok(())
}

/// `oom_kill` in `memory.oom_control` (Linux 4.13), else any `failcnt`.
pub(super) fn oom_killed(fd: &OwnedFd) -> bool {
    if let Some(n) = read_number(fd, b"memory.oom_control", Some(b"oom_kill")) {
        return n > 0;
    }
    read_number(fd, b"memory.failcnt", None).unwrap_or(0) > 0
}
