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
    /// The usage, a newline and the `--help` line. The usage is the short
    /// name if there is one, the long name, then the value's name after a
    /// space where the option takes one: `-v, --bind SRC:DST[:ro,dev]`,
    /// `--hostname NAME`. (One string: a second in each entry took 0.2 KB,
    /// a third for the help line 0.5 KB, the short name beside it 0.1 KB.
    /// Whether the option takes a value is read from it too: a tag beside
    /// `set` took 0.2 KB more.)
    pub(super) text: &'static str,
    /// What the option does with its value; a flag's gets none (`c""`).
    pub(super) set: fn(&mut Parsed<'_>, &'static CStr) -> Result<()>,
}

impl Opt {
    /// The usage, `text`'s first line, and the help line after it.
    pub(super) fn usage_and_help(&self) -> (&'static [u8], &'static [u8]) {
        let text = self.text.as_bytes();
        let end = text.iter().position(|&c| c == b'\n').unwrap_or(text.len());
        (&text[..end], text.get(end + 1..).unwrap_or(b""))
    }

    /// The short name's letter: `-v, --bind ...`'s `v`.
    pub(super) fn short(&self) -> Option<u8> {
        match self.text.as_bytes() {
            [b'-', c, b',', ..] => Some(*c),
            _ => None,
        }
    }

    /// Where the long name starts in `text`: after `-v, --` or `--`.
    fn long_start(&self) -> usize {
        if self.short().is_some() {
            6
        } else {
            2
        }
    }

    /// The long name, without `--`: up to a space or the newline.
    pub(super) fn long(&self) -> &'static [u8] {
        let name = &self.text.as_bytes()[self.long_start()..];
        let end = name.iter().position(|&c| c == b' ' || c == b'\n');
        &name[..end.unwrap_or(name.len())]
    }

    /// Whether it takes a value: its usage names one, after a space.
    pub(super) fn takes_value(&self) -> bool {
        let after = self.long_start() + self.long().len();
        self.text.as_bytes().get(after) == Some(&b' ')
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

pub(super) const OPTIONS: &[Opt] = &[
    Opt {
        text: "--hostname NAME\n\
               hostname inside the container (default: sct)",
        set: (|p, v| set(&mut p.cfg.hostname, hostname(v))),
    },
    Opt {
        text: "--net host|none\n\
               host: share the host's network (default); none: only lo",
        set: (|p, v| set(&mut p.cfg.net, net(v))),
    },
    Opt {
        text: "--memory SIZE\n\
               memory limit: bytes or k/m/g (1024-based)",
        set: (|p, v| set(&mut p.cfg.limits.memory, size("--memory '", v).map(Some))),
    },
    Opt {
        text: "--memory-swap SIZE\n\
               memory plus swap limit (needs --memory); -1: unlimited swap",
        set: (|p, v| set(&mut p.cfg.limits.memory_swap, memory_swap(v).map(Some))),
    },
    Opt {
        text: "--pids-limit N\n\
               at most N processes and threads",
        set: (|p, v| set(&mut p.cfg.limits.pids, pids(v).map(Some))),
    },
    Opt {
        text: "--cpus DECIMAL\n\
               CPU time as a number of CPUs, e.g. 0.5",
        set: (|p, v| set(&mut p.cfg.limits.cpu_quota_us, cpus(v).map(Some))),
    },
    Opt {
        text: "--cpuset-cpus LIST\n\
               CPUs allowed, e.g. 0-2,4",
        set: (|p, v| set(&mut p.cfg.limits.cpuset_cpus, cpuset_cpus(v).map(Some))),
    },
    Opt {
        text: "--cgroup-parent PATH\n\
               create the cgroup below PATH (default: sct's own cgroup)",
        set: (|p, v| set(&mut p.cfg.cgroup_parent, cgroup_parent(v).map(Some))),
    },
    Opt {
        text: "--cap-add CAP\n\
               keep capability CAP too (ALL: every one)",
        set: (|p, v| {
            let cap = capability(v)?;
            p.cfg.capabilities |= cap;
            p.caps_added |= cap;
            Ok(())
        }),
    },
    Opt {
        text: "--cap-drop CAP\n\
               drop capability CAP (ALL: every one)",
        set: (|p, v| {
            p.cfg.capabilities &= !capability(v)?;
            Ok(())
        }),
    },
    Opt {
        text: "--seccomp default|unconfined|FILE\n\
               syscall filter; FILE: a Docker/podman JSON profile",
        set: (|p, v| set(&mut p.cfg.seccomp, seccomp(v))),
    },
    Opt {
        text: "--seccomp-deny NAME[,NAME]\n\
               also deny these syscalls (EPERM)",
        set: (|p, v| deny(&mut p.cfg.seccomp_deny, v)),
    },
    Opt {
        text: "--print-seccomp FILE\n\
               write the filter as raw sock_filter bytes, exit",
        set: (|p, v| {
            p.print_seccomp = Some(v);
            Ok(())
        }),
    },
    Opt {
        text: "-v, --bind SRC:DST[:ro,dev]\n\
               bind host path SRC on DST (repeatable)",
        set: (|p, v| bind(&mut p.cfg.binds, v)),
    },
    Opt {
        text: "--device HOST[:CTR][:PERMS]\n\
               make host device HOST usable at CTR below /dev; PERMS from rwm",
        set: (|p, v| device(&mut p.cfg.devices, v)),
    },
    Opt {
        text: "--no-cgroup\n\
               no cgroup: no device rule, no limits (see README, Security)",
        set: |p, _| {
            p.cfg.no_cgroup = true;
            Ok(())
        },
    },
    Opt {
        text: "--tmpfs DST[:size=SIZE]\n\
               mount a fresh tmpfs on DST (repeatable)",
        set: (|p, v| tmpfs(&mut p.cfg.tmpfs, v)),
    },
    Opt {
        text: "-e, --env KEY=VALUE\n\
               set an environment variable (repeatable)",
        set: (|p, v| {
            let after_first = v.to_bytes().get(1..).unwrap_or(b"");
            // A plain loop: `[u8]::contains` brings core's 0.2 KB
            // word-at-a-time search.
            #[allow(clippy::manual_contains)]
            let has_eq = after_first.iter().any(|&c| c == b'=');
            let why = if !has_eq {
                "': expected KEY=VALUE"
            } else if !p.cfg.env.push(v) {
                "': at most 32 variables"
            } else {
                return Ok(());
            };
            Err(Error::usage("--env '", v.to_bytes(), why))
        }),
    },
    Opt {
        text: "-w, --workdir DIR\n\
               working directory inside the container (default: /)",
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
    },
    Opt {
        text: "--read-only\n\
               make the root read-only (/dev, /proc, tmpfs, binds keep their modes)",
        set: |p, _| {
            p.cfg.read_only = true;
            Ok(())
        },
    },
    Opt {
        text: "-u, --user UID[:GID]\n\
               run CMD as numeric UID and GID (default GID: UID)",
        set: (|p, v| set(&mut p.cfg.user, user(v).map(Some))),
    },
    Opt {
        text: "--userns\n\
               as root: a user namespace mapping 0..65535 (README, Rootless)",
        set: |p, _| {
            p.cfg.userns = true;
            Ok(())
        },
    },
    Opt {
        text: "--uidmap CTR:HOST:SIZE\n\
               as root: a user namespace mapping uids CTR.. to HOST.. (repeatable)",
        set: (|p, v| id_range(&mut p.cfg.uid_map, "--uidmap '", v)),
    },
    Opt {
        text: "--gidmap CTR:HOST:SIZE\n\
               the same for gids (default: as --uidmap)",
        set: (|p, v| id_range(&mut p.cfg.gid_map, "--gidmap '", v)),
    },
    Opt {
        text: "-t, --tty\n\
               give CMD a terminal of its own; sct relays the caller's to it",
        set: |p, _| {
            p.cfg.terminal = true;
            Ok(())
        },
    },
    Opt {
        text: "--init\n\
               run a tiny init as PID 1 that reaps zombies and forwards signals",
        set: |p, _| {
            p.cfg.init = true;
            Ok(())
        },
    },
    Opt {
        text: "--rlimit NAME=SOFT[:HARD]\n\
               resource limit, e.g. nofile=1024:4096 (repeatable)",
        set: (|p, v| rlimit(&mut p.cfg.rlimits, v)),
    },
    Opt {
        text: "-h, --help\n\
               print this help and exit",
        set: |p, _| {
            p.done = Some(Command::Help);
            Ok(())
        },
    },
    Opt {
        text: "-V, --version\n\
               print the version and exit",
        set: |p, _| {
            p.done = Some(Command::Version);
            Ok(())
        },
    },
];
