//! The option table: each option's names, what it takes, its `--help` line
//! and the field it sets. `parse` and `help` (mod.rs) both read it, so the
//! two cannot drift.

use core::ffi::CStr;

use super::limits::{
    cgroup_parent, cpus, cpuset_cpus, hostname, memory_swap, net, pids, rlimit, size,
};
use super::mounts::{bind, device, tmpfs};
use super::security::{capability, deny, id_range, seccomp, user};
use super::{Command, Config};
use crate::error::{Error, Result};

/// One command-line option: its names, what it takes, its `--help` line
/// and what it sets. Parsing and `--help` both read the table.
pub(super) struct Opt {
    /// The long name, then the value's name in `--help` after a space
    /// where the option takes one: `hostname NAME`. (One string: a second
    /// in each entry took 0.2 KB. Whether the option takes a value is read
    /// from it too: a tag beside `set` took 0.2 KB more.)
    pub(super) usage: &'static str,
    pub(super) short: Option<u8>,
    /// What the option does with its value; a flag's gets none (`c""`).
    pub(super) set: fn(&mut Parsed<'_>, &'static CStr) -> Result<()>,
    pub(super) help: &'static str,
}

impl Opt {
    /// The long name, without `--`.
    pub(super) fn long(&self) -> &'static [u8] {
        let usage = self.usage.as_bytes();
        let end = usage.iter().position(|&c| c == b' ').unwrap_or(usage.len());
        &usage[..end]
    }

    /// Whether it takes a value: its usage names one.
    pub(super) fn takes_value(&self) -> bool {
        self.long().len() < self.usage.len()
    }
}

/// What parsing has found so far: the container's description, and what
/// only the parser needs.
pub(super) struct Parsed<'c> {
    pub(super) cfg: &'c mut Config,
    /// Capabilities asked for by name, which the NET_RAW rule keeps.
    pub(super) caps_added: u64,
    pub(super) print_seccomp: Option<&'static CStr>,
    /// `--help` or `--version`: parsing ends there.
    pub(super) done: Option<Command>,
}

/// Stores a parsed value.
fn set<T>(field: &mut T, value: Result<T>) -> Result<()> {
    *field = value?;
    Ok(())
}

/// Appends to one of Config's fixed-size lists, or says it is full.
fn push<T, const N: usize>(
    list: &mut [T; N],
    count: &mut usize,
    item: T,
    before: &'static str,
    v: &'static CStr,
    full: &'static str,
) -> Result<()> {
    if *count == N {
        return Err(Error::usage(before, v.to_bytes(), full));
    }
    list[*count] = item;
    *count += 1;
    Ok(())
}

pub(super) const OPTIONS: &[Opt] = &[
    Opt {
        usage: "hostname NAME",
        short: None,
        set: (|p, v| set(&mut p.cfg.hostname, hostname(v))),
        help: "hostname inside the container (default: sct)",
    },
    Opt {
        usage: "net host|none",
        short: None,
        set: (|p, v| set(&mut p.cfg.net, net(v))),
        help: "host: share the host's network (default); none: only lo",
    },
    Opt {
        usage: "memory SIZE",
        short: None,
        set: (|p, v| set(&mut p.cfg.limits.memory, size("--memory '", v).map(Some))),
        help: "memory limit: bytes or k/m/g (1024-based)",
    },
    Opt {
        usage: "memory-swap SIZE",
        short: None,
        set: (|p, v| set(&mut p.cfg.limits.memory_swap, memory_swap(v).map(Some))),
        help: "memory plus swap limit (needs --memory); -1: unlimited swap",
    },
    Opt {
        usage: "pids-limit N",
        short: None,
        set: (|p, v| set(&mut p.cfg.limits.pids, pids(v).map(Some))),
        help: "at most N processes and threads",
    },
    Opt {
        usage: "cpus DECIMAL",
        short: None,
        set: (|p, v| set(&mut p.cfg.limits.cpu_quota_us, cpus(v).map(Some))),
        help: "CPU time as a number of CPUs, e.g. 0.5",
    },
    Opt {
        usage: "cpuset-cpus LIST",
        short: None,
        set: (|p, v| set(&mut p.cfg.limits.cpuset_cpus, cpuset_cpus(v).map(Some))),
        help: "CPUs allowed, e.g. 0-2,4",
    },
    Opt {
        usage: "cgroup-parent PATH",
        short: None,
        set: (|p, v| set(&mut p.cfg.cgroup_parent, cgroup_parent(v).map(Some))),
        help: "create the cgroup below PATH (default: sct's own cgroup)",
    },
    Opt {
        usage: "cap-add CAP",
        short: None,
        set: (|p, v| {
            let cap = capability(v)?;
            p.cfg.capabilities |= cap;
            p.caps_added |= cap;
            Ok(())
        }),
        help: "keep capability CAP too (ALL: every one)",
    },
    Opt {
        usage: "cap-drop CAP",
        short: None,
        set: (|p, v| {
            p.cfg.capabilities &= !capability(v)?;
            Ok(())
        }),
        help: "drop capability CAP (ALL: every one)",
    },
    Opt {
        usage: "seccomp default|unconfined|FILE",
        short: None,
        set: (|p, v| set(&mut p.cfg.seccomp, seccomp(v))),
        help: "syscall filter; FILE: a Docker/podman JSON profile",
    },
    Opt {
        usage: "seccomp-deny NAME[,NAME]",
        short: None,
        set: (|p, v| deny(&mut p.cfg.seccomp_deny, v)),
        help: "also deny these syscalls (EPERM)",
    },
    Opt {
        usage: "print-seccomp FILE",
        short: None,
        set: (|p, v| {
            p.print_seccomp = Some(v);
            Ok(())
        }),
        help: "write the filter as raw sock_filter bytes, exit",
    },
    Opt {
        usage: "bind SRC:DST[:ro,dev]",
        short: Some(b'v'),
        set: (|p, v| {
            let b = bind(v)?;
            push(
                &mut p.cfg.binds,
                &mut p.cfg.bind_count,
                b,
                "--bind '",
                v,
                "': at most 40 binds",
            )
        }),
        help: "bind host path SRC on DST (repeatable)",
    },
    Opt {
        usage: "device HOST[:CTR][:PERMS]",
        short: None,
        set: (|p, v| {
            let d = device(v)?;
            push(
                &mut p.cfg.devices,
                &mut p.cfg.device_count,
                d,
                "--device '",
                v,
                "': at most 16 devices",
            )
        }),
        help: "make host device HOST usable at CTR below /dev; PERMS from rwm",
    },
    Opt {
        usage: "no-cgroup",
        short: None,
        set: |p, _| {
            p.cfg.no_cgroup = true;
            Ok(())
        },
        help: "no cgroup: no device rule, no limits (see README, Security)",
    },
    Opt {
        usage: "tmpfs DST[:size=SIZE]",
        short: None,
        set: (|p, v| {
            let t = tmpfs(v)?;
            push(
                &mut p.cfg.tmpfs,
                &mut p.cfg.tmpfs_count,
                t,
                "--tmpfs '",
                v,
                "': at most 16 tmpfs mounts",
            )
        }),
        help: "mount a fresh tmpfs on DST (repeatable)",
    },
    Opt {
        usage: "env KEY=VALUE",
        short: Some(b'e'),
        set: (|p, v| {
            if !v.to_bytes().iter().skip(1).any(|&c| c == b'=') {
                return Err(Error::usage(
                    "--env '",
                    v.to_bytes(),
                    "': expected KEY=VALUE",
                ));
            }
            push(
                &mut p.cfg.env,
                &mut p.cfg.env_count,
                v,
                "--env '",
                v,
                "': at most 32 variables",
            )
        }),
        help: "set an environment variable (repeatable)",
    },
    Opt {
        usage: "workdir DIR",
        short: Some(b'w'),
        set: (|p, v| {
            if v.to_bytes().first() != Some(&b'/') {
                return Err(Error::usage(
                    "--workdir '",
                    v.to_bytes(),
                    "': must be an absolute path",
                ));
            }
            p.cfg.workdir = v;
            Ok(())
        }),
        help: "working directory inside the container (default: /)",
    },
    Opt {
        usage: "read-only",
        short: None,
        set: |p, _| {
            p.cfg.read_only = true;
            Ok(())
        },
        help: "make the root read-only (/dev, /proc, tmpfs, binds keep their modes)",
    },
    Opt {
        usage: "user UID[:GID]",
        short: Some(b'u'),
        set: (|p, v| set(&mut p.cfg.user, user(v).map(Some))),
        help: "run CMD as numeric UID and GID (default GID: UID)",
    },
    Opt {
        usage: "userns",
        short: None,
        set: |p, _| {
            p.cfg.userns = true;
            Ok(())
        },
        help: "as root: a user namespace mapping 0..65535 (README, Rootless)",
    },
    Opt {
        usage: "uidmap CTR:HOST:SIZE",
        short: None,
        set: (|p, v| id_range(&mut p.cfg.uid_map, "--uidmap '", v)),
        help: "as root: a user namespace mapping uids CTR.. to HOST.. (repeatable)",
    },
    Opt {
        usage: "gidmap CTR:HOST:SIZE",
        short: None,
        set: (|p, v| id_range(&mut p.cfg.gid_map, "--gidmap '", v)),
        help: "the same for gids (default: as --uidmap)",
    },
    Opt {
        usage: "tty",
        short: Some(b't'),
        set: |p, _| {
            p.cfg.terminal = true;
            Ok(())
        },
        help: "give CMD a terminal of its own; sct relays the caller's to it",
    },
    Opt {
        usage: "init",
        short: None,
        set: |p, _| {
            p.cfg.init = true;
            Ok(())
        },
        help: "run a tiny init as PID 1 that reaps zombies and forwards signals",
    },
    Opt {
        usage: "rlimit NAME=SOFT[:HARD]",
        short: None,
        set: (|p, v| rlimit(&mut p.cfg.rlimits, v)),
        help: "resource limit, e.g. nofile=1024:4096 (repeatable)",
    },
    Opt {
        usage: "help",
        short: Some(b'h'),
        set: |p, _| {
            p.done = Some(Command::Help);
            Ok(())
        },
        help: "print this help and exit",
    },
    Opt {
        usage: "version",
        short: Some(b'V'),
        set: |p, _| {
            p.done = Some(Command::Version);
            Ok(())
        },
        help: "print the version and exit",
    },
];
