//! The command line: `sct [OPTIONS] ROOTFS CMD [ARGS...]`.
//!
//! Pure code: no syscalls, unit-tested. Options come before ROOTFS, `--` ends
//! them, and CMD's own arguments are never looked at. Every option lives in
//! the `OPTIONS` table, which also writes `--help`.

use core::ffi::CStr;

use crate::cgroup::values::{self, Limits};
use crate::error::{Error, Result};
use crate::out::Buf;
use crate::spec;

mod limits;
mod mounts;
mod security;

use limits::{cgroup_parent, check_limits, hostname, net, rlimit, size};
use mounts::{bind, device, tmpfs};
pub use mounts::{Bind, Device, Tmpfs, MAX_BINDS, MAX_DEVICES, MAX_TMPFS};
use security::{capability, deny, seccomp, user};
pub use security::{DenyList, MAX_EXTRA_DENIED};

/// The argument vector, as seen by the parser.
pub trait ArgList {
    fn count(&self) -> usize;
    fn arg(&self, i: usize) -> &'static CStr;
}

impl ArgList for crate::sys::args::Args {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &'static CStr {
        self.get(i)
    }
}

impl ArgList for [&'static CStr] {
    fn count(&self) -> usize {
        self.len()
    }
    fn arg(&self, i: usize) -> &'static CStr {
        self[i]
    }
}

/// Which network namespace the container gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Net {
    /// The host's network (the original C runtime's behaviour).
    Host,
    /// A new network namespace with only `lo`, up.
    None,
}

/// Most `--env` options one run takes.
pub const MAX_ENV: usize = 32;

/// `--rlimit` values by position in `spec::RLIMITS`: (soft, hard), with
/// `u64::MAX` for unlimited (RLIM_INFINITY).
pub type Rlimits = [Option<(u64, u64)>; crate::spec::RLIMITS.len()];

/// Everything a run needs, borrowed from argv.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// `-e KEY=VALUE` entries, in order.
    pub env: [&'static CStr; MAX_ENV],
    pub env_count: usize,
    /// `--user UID[:GID]`.
    pub user: Option<(u32, u32)>,
    /// `--read-only`: the root mount itself read-only.
    pub read_only: bool,
    /// `--init`: sct's init stays PID 1 and CMD runs as its child.
    pub init: bool,
    pub rlimits: Rlimits,
    /// The working directory inside the container.
    pub workdir: &'static CStr,
    pub binds: [Bind; MAX_BINDS],
    pub bind_count: usize,
    pub tmpfs: [Tmpfs; MAX_TMPFS],
    pub tmpfs_count: usize,
    pub devices: [Device; MAX_DEVICES],
    pub device_count: usize,
    /// `--no-cgroup`: no cgroup, so no device rule (and no limits).
    pub no_cgroup: bool,
    pub rootfs: &'static CStr,
    /// Index of CMD in argv; CMD's argv is argv from here on.
    pub command: usize,
    pub hostname: &'static CStr,
    pub net: Net,
    pub limits: Limits,
    /// `--cgroup-parent`, relative to each cgroup hierarchy's root.
    pub cgroup_parent: Option<&'static [u8]>,
    /// The capabilities CMD keeps: bit N is capability N.
    pub capabilities: u64,
    pub seccomp: Seccomp,
    /// Syscalls denied on top of the default policy (`--seccomp-deny`).
    pub seccomp_deny: DenyList,
}
/// Which seccomp filter CMD runs under.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Seccomp {
    Default,
    Unconfined,
}

#[derive(Debug)]
pub enum Command {
    Run(Config),
    /// `--print-seccomp FILE`: write the filter CMD would get, then exit.
    PrintSeccomp(Config, &'static CStr),
    Help,
    Version,
}

struct Opt {
    long: &'static str,
    short: Option<u8>,
    /// The value's name in `--help`, for options that take one.
    value: Option<&'static str>,
    help: &'static str,
}

const OPTIONS: &[Opt] = &[
    Opt {
        long: "hostname",
        short: None,
        value: Some("NAME"),
        help: "hostname inside the container (default: sct)",
    },
    Opt {
        long: "net",
        short: None,
        value: Some("host|none"),
        help: "host: share the host's network (default); none: only lo",
    },
    Opt {
        long: "memory",
        short: None,
        value: Some("SIZE"),
        help: "memory limit: bytes or k/m/g (1024-based)",
    },
    Opt {
        long: "memory-swap",
        short: None,
        value: Some("SIZE"),
        help: "memory plus swap limit (needs --memory); -1: unlimited swap",
    },
    Opt {
        long: "pids-limit",
        short: None,
        value: Some("N"),
        help: "at most N processes and threads",
    },
    Opt {
        long: "cpus",
        short: None,
        value: Some("DECIMAL"),
        help: "CPU time as a number of CPUs, e.g. 0.5",
    },
    Opt {
        long: "cpuset-cpus",
        short: None,
        value: Some("LIST"),
        help: "CPUs allowed, e.g. 0-2,4",
    },
    Opt {
        long: "cgroup-parent",
        short: None,
        value: Some("PATH"),
        help: "create the cgroup below PATH (default: sct's own cgroup)",
    },
    Opt {
        long: "cap-add",
        short: None,
        value: Some("CAP"),
        help: "keep capability CAP too (ALL: every one)",
    },
    Opt {
        long: "cap-drop",
        short: None,
        value: Some("CAP"),
        help: "drop capability CAP (ALL: every one)",
    },
    Opt {
        long: "seccomp",
        short: None,
        value: Some("default|unconfined"),
        help: "syscall filter (default: default)",
    },
    Opt {
        long: "seccomp-deny",
        short: None,
        value: Some("NAME[,NAME]"),
        help: "also deny these syscalls (EPERM)",
    },
    Opt {
        long: "print-seccomp",
        short: None,
        value: Some("FILE"),
        help: "write the filter as raw sock_filter bytes, exit",
    },
    Opt {
        long: "bind",
        short: Some(b'v'),
        value: Some("SRC:DST[:ro,dev]"),
        help: "bind host path SRC on DST (repeatable)",
    },
    Opt {
        long: "device",
        short: None,
        value: Some("HOST[:CTR][:PERMS]"),
        help: "make host device HOST usable at CTR below /dev; PERMS from rwm",
    },
    Opt {
        long: "no-cgroup",
        short: None,
        value: None,
        help: "no cgroup: no device rule, no limits (see README, Security)",
    },
    Opt {
        long: "tmpfs",
        short: None,
        value: Some("DST[:size=SIZE]"),
        help: "mount a fresh tmpfs on DST (repeatable)",
    },
    Opt {
        long: "env",
        short: Some(b'e'),
        value: Some("KEY=VALUE"),
        help: "set an environment variable (repeatable)",
    },
    Opt {
        long: "workdir",
        short: Some(b'w'),
        value: Some("DIR"),
        help: "working directory inside the container (default: /)",
    },
    Opt {
        long: "read-only",
        short: None,
        value: None,
        help: "make the root read-only (/dev, /proc, tmpfs, binds keep their modes)",
    },
    Opt {
        long: "user",
        short: Some(b'u'),
        value: Some("UID[:GID]"),
        help: "run CMD as numeric UID and GID (default GID: UID)",
    },
    Opt {
        long: "init",
        short: None,
        value: None,
        help: "run a tiny init as PID 1 that reaps zombies and forwards signals",
    },
    Opt {
        long: "rlimit",
        short: None,
        value: Some("NAME=SOFT[:HARD]"),
        help: "resource limit, e.g. nofile=1024:4096 (repeatable)",
    },
    Opt {
        long: "help",
        short: Some(b'h'),
        value: None,
        help: "print this help and exit",
    },
    Opt {
        long: "version",
        short: Some(b'V'),
        value: None,
        help: "print the version and exit",
    },
];

pub fn parse<A: ArgList + ?Sized>(args: &A) -> Result<Command> {
    let mut cfg = Config {
        rootfs: c"",
        command: 0,
        hostname: c"sct",
        net: Net::Host,
        limits: Limits::default(),
        cgroup_parent: None,
        capabilities: spec::kept_mask(),
        seccomp: Seccomp::Default,
        seccomp_deny: DenyList::new(),
        user: None,
        read_only: false,
        init: false,
        rlimits: [None; crate::spec::RLIMITS.len()],
        env: [c""; MAX_ENV],
        env_count: 0,
        workdir: c"/",
        binds: [Bind::default(); MAX_BINDS],
        bind_count: 0,
        tmpfs: [Tmpfs::default(); MAX_TMPFS],
        tmpfs_count: 0,
        devices: [Device::default(); MAX_DEVICES],
        device_count: 0,
        no_cgroup: false,
    };
    let mut caps_added = 0;
    let mut print_seccomp = None;
    let n = args.count();
    let mut i = 1;
    while i < n {
        let arg = args.arg(i).to_bytes();
        if arg == b"--" {
            i += 1;
            break;
        }
        if arg.len() < 2 || arg[0] != b'-' {
            break;
        }
        // `--name=value`, `--name value`, `-Xvalue` or `-X value`.
        let (opt, inline) = if let Some(long) = arg.strip_prefix(b"--") {
            let (name, inline) = match long.iter().position(|&c| c == b'=') {
                Some(eq) => (&long[..eq], Some(eq + 3)),
                None => (long, None),
            };
            (OPTIONS.iter().find(|o| o.long.as_bytes() == name), inline)
        } else {
            let found = OPTIONS.iter().find(|o| o.short == Some(arg[1]));
            (found, if arg.len() > 2 { Some(2) } else { None })
        };
        let Some(opt) = opt else {
            return Err(Error::usage("unknown option '", arg, "'"));
        };
        let value = match (opt.value, inline) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(Error::usage(
                    "option '--",
                    opt.long.as_bytes(),
                    "' takes no value",
                ))
            }
            (Some(_), Some(at)) => Some(tail(args.arg(i), at)),
            (Some(_), None) => {
                i += 1;
                if i >= n {
                    return Err(Error::usage(
                        "option '--",
                        opt.long.as_bytes(),
                        "' needs a value",
                    ));
                }
                Some(args.arg(i))
            }
        };
        match (opt.long, value) {
            ("help", _) => return Ok(Command::Help),
            ("version", _) => return Ok(Command::Version),
            ("user", Some(v)) => cfg.user = Some(user(v)?),
            ("read-only", None) => cfg.read_only = true,
            ("init", None) => cfg.init = true,
            ("rlimit", Some(v)) => rlimit(&mut cfg.rlimits, v)?,
            ("hostname", Some(v)) => cfg.hostname = hostname(v)?,
            ("net", Some(v)) => cfg.net = net(v)?,
            ("memory", Some(v)) => cfg.limits.memory = Some(size("--memory '", v)?),
            ("memory-swap", Some(v)) => {
                let swap = values::parse_swap(v.to_bytes());
                cfg.limits.memory_swap = Some(swap.ok_or_else(|| {
                    Error::usage(
                        "--memory-swap '",
                        v.to_bytes(),
                        "': expected a size like 512m, or -1",
                    )
                })?)
            }
            ("pids-limit", Some(v)) => {
                let n = values::parse_pids(v.to_bytes());
                cfg.limits.pids = Some(n.ok_or_else(|| {
                    Error::usage(
                        "--pids-limit '",
                        v.to_bytes(),
                        "': expected a positive number",
                    )
                })?)
            }
            ("cpus", Some(v)) => {
                let q = values::parse_cpus(v.to_bytes());
                cfg.limits.cpu_quota_us = Some(q.ok_or_else(|| {
                    Error::usage(
                        "--cpus '",
                        v.to_bytes(),
                        "': expected a number of CPUs from 0.01, e.g. 1.5",
                    )
                })?)
            }
            ("cpuset-cpus", Some(v)) => {
                let l = values::parse_cpuset(v.to_bytes());
                cfg.limits.cpuset_cpus = Some(l.ok_or_else(|| {
                    Error::usage(
                        "--cpuset-cpus '",
                        v.to_bytes(),
                        "': expected a CPU list like 0-2,4",
                    )
                })?)
            }
            ("cgroup-parent", Some(v)) => cfg.cgroup_parent = Some(cgroup_parent(v)?),
            ("cap-add", Some(v)) => {
                let cap = capability(v)?;
                cfg.capabilities |= cap;
                caps_added |= cap;
            }
            ("cap-drop", Some(v)) => cfg.capabilities &= !capability(v)?,
            ("seccomp", Some(v)) => cfg.seccomp = seccomp(v)?,
            ("seccomp-deny", Some(v)) => deny(&mut cfg.seccomp_deny, v)?,
            ("print-seccomp", Some(v)) => print_seccomp = Some(v),
            ("env", Some(v)) => {
                let s = v.to_bytes();
                if !s.iter().skip(1).any(|&c| c == b'=') {
                    return Err(Error::usage("--env '", s, "': expected KEY=VALUE"));
                }
                if cfg.env_count == MAX_ENV {
                    return Err(Error::usage("--env '", s, "': at most 32 variables"));
                }
                cfg.env[cfg.env_count] = v;
                cfg.env_count += 1;
            }
            ("workdir", Some(v)) => {
                if v.to_bytes().first() != Some(&b'/') {
                    return Err(Error::usage(
                        "--workdir '",
                        v.to_bytes(),
                        "': must be an absolute path",
                    ));
                }
                cfg.workdir = v;
            }
            ("bind", Some(v)) => {
                if cfg.bind_count == MAX_BINDS {
                    return Err(Error::usage(
                        "--bind '",
                        v.to_bytes(),
                        "': at most 16 binds",
                    ));
                }
                cfg.binds[cfg.bind_count] = bind(v)?;
                cfg.bind_count += 1;
            }
            ("tmpfs", Some(v)) => {
                if cfg.tmpfs_count == MAX_TMPFS {
                    return Err(Error::usage(
                        "--tmpfs '",
                        v.to_bytes(),
                        "': at most 16 tmpfs mounts",
                    ));
                }
                cfg.tmpfs[cfg.tmpfs_count] = tmpfs(v)?;
                cfg.tmpfs_count += 1;
            }
            ("device", Some(v)) => {
                if cfg.device_count == MAX_DEVICES {
                    return Err(Error::usage(
                        "--device '",
                        v.to_bytes(),
                        "': at most 16 devices",
                    ));
                }
                cfg.devices[cfg.device_count] = device(v)?;
                cfg.device_count += 1;
            }
            ("no-cgroup", None) => cfg.no_cgroup = true,
            _ => unreachable!("option in OPTIONS without a case"),
        }
        i += 1;
    }
    check_limits(&cfg.limits)?;
    if cfg.no_cgroup && cfg.limits != Limits::default() {
        return Err(Error::usage(
            "--no-cgroup cannot go with a limit: limits live in the cgroup",
            b"",
            "",
        ));
    }
    // On the host's network CAP_NET_RAW opens AF_PACKET sockets that see
    // the host's traffic: it is podman's rule to leave it out, kept only with
    // a network namespace of the container's own or when asked for by name.
    let net_raw = 1 << linux_raw_sys::general::CAP_NET_RAW;
    if cfg.net == Net::Host && caps_added & net_raw == 0 {
        cfg.capabilities &= !net_raw;
    }
    if let Some(file) = print_seccomp {
        return Ok(Command::PrintSeccomp(cfg, file));
    }
    if i >= n {
        return Err(Error::usage("missing ROOTFS and CMD", b"", ""));
    }
    cfg.rootfs = args.arg(i);
    if cfg.rootfs.is_empty() {
        return Err(Error::usage("ROOTFS is empty", b"", ""));
    }
    if i + 1 >= n {
        return Err(Error::usage(
            "missing CMD after ROOTFS '",
            cfg.rootfs.to_bytes(),
            "'",
        ));
    }
    cfg.command = i + 1;
    if args.arg(cfg.command).is_empty() {
        return Err(Error::usage("CMD is empty", b"", ""));
    }
    Ok(Command::Run(cfg))
}

/// The part of `s` from byte `at` on, still NUL-terminated.
fn tail(s: &'static CStr, at: usize) -> &'static CStr {
    let bytes = s.to_bytes_with_nul();
    match CStr::from_bytes_with_nul(&bytes[at..]) {
        Ok(t) => t,
        Err(_) => c"",
    }
}
/// The `--help` text.
pub fn help() -> Buf<4096> {
    let mut b = Buf::new();
    b.push(b"Usage: sct [OPTIONS] ROOTFS CMD [ARGS...]\n\n");
    b.push(b"Run CMD with ROOTFS as its root, as PID 1 of new PID, mount, UTS and IPC\n");
    b.push(b"namespaces, and exit with its status.\n\nOptions:\n");
    for o in OPTIONS {
        let start = b.as_bytes().len();
        match o.short {
            Some(s) => b.push(b"  -").push(&[s]).push(b", --"),
            None => b.push(b"      --"),
        };
        b.push_str(o.long);
        if let Some(v) = o.value {
            b.push(b" ").push_str(v);
        }
        let width = b.as_bytes().len() - start;
        for _ in width..36 {
            b.push(b" ");
        }
        b.push(b" ").push_str(o.help).push(b"\n");
    }
    b.push(b"\nExit status: CMD's own; 128+N if CMD was killed by signal N; 125 if sct\n");
    b.push(b"failed; 126 if CMD cannot be executed; 127 if CMD was not found.\n");
    b
}

#[cfg(test)]
mod tests;
