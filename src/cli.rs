//! The command line: `sct [OPTIONS] ROOTFS CMD [ARGS...]`.
//!
//! Pure code: no syscalls, unit-tested. Options come before ROOTFS, `--` ends
//! them, and CMD's own arguments are never looked at. Every option lives in
//! the `OPTIONS` table, which also writes `--help`.

use core::ffi::CStr;

use crate::cgroup::values::{self, Limits};
use crate::error::{Error, Result};
use crate::out::Buf;
use crate::{names, spec};

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

/// Most `--bind` options one run takes.
pub const MAX_BINDS: usize = 16;

/// One `-v SRC:DST[:ro]`, as slices of its argument.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bind {
    pub src: &'static [u8],
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    pub read_only: bool,
}

/// Most `--tmpfs` options one run takes.
pub const MAX_TMPFS: usize = 16;

/// One `--tmpfs DST[:size=SIZE]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tmpfs {
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    /// In bytes; `None`: the kernel's default, half of RAM.
    pub size: Option<u64>,
}
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

/// Most syscalls `--seccomp-deny` can add.
pub const MAX_EXTRA_DENIED: usize = 64;

/// Syscall numbers, for a `Config` that stays `Copy` and allocation-free.
#[derive(Clone, Copy, Debug)]
pub struct DenyList {
    nrs: [u32; MAX_EXTRA_DENIED],
    len: usize,
}

impl DenyList {
    pub const fn new() -> Self {
        DenyList {
            nrs: [0; MAX_EXTRA_DENIED],
            len: 0,
        }
    }

    pub fn as_slice(&self) -> &[u32] {
        &self.nrs[..self.len]
    }
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
        value: Some("SRC:DST[:ro]"),
        help: "bind host path SRC on DST (repeatable)",
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

/// HOST_NAME_MAX: sethostname(2) refuses longer names.
const HOST_NAME_MAX: usize = 64;

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
    };
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
            ("cap-add", Some(v)) => cfg.capabilities |= capability(v)?,
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
            _ => unreachable!("option in OPTIONS without a case"),
        }
        i += 1;
    }
    check_limits(&cfg.limits)?;
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

fn hostname(v: &'static CStr) -> Result<&'static CStr> {
    let len = v.to_bytes().len();
    if len == 0 || len > HOST_NAME_MAX {
        return Err(Error::usage(
            "--hostname '",
            v.to_bytes(),
            "': must be 1 to 64 bytes",
        ));
    }
    Ok(v)
}

fn size(before: &'static str, v: &'static CStr) -> Result<u64> {
    values::parse_size(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            before,
            v.to_bytes(),
            "': expected a size like 512k, 20m or 1g",
        )
    })
}

/// Docker's rules: --memory-swap is a total that needs --memory and cannot be
/// below it.
fn check_limits(l: &Limits) -> Result<()> {
    match (l.memory, l.memory_swap) {
        (None, Some(_)) => Err(Error::usage("--memory-swap needs --memory", b"", "")),
        (Some(m), Some(values::Swap::Total(t))) if t < m => Err(Error::usage(
            "--memory-swap must be at least --memory (it is memory plus swap)",
            b"",
            "",
        )),
        _ => Ok(()),
    }
}

/// A cgroup path, relative to the hierarchy roots; `..` could climb out.
fn cgroup_parent(v: &'static CStr) -> Result<&'static [u8]> {
    let p = v.to_bytes();
    let p = p.strip_prefix(b"/").unwrap_or(p);
    if p.is_empty()
        || p.split(|&c| c == b'/')
            .any(|c| c == b".." || c == b"." || c.is_empty())
    {
        return Err(Error::usage(
            "--cgroup-parent '",
            v.to_bytes(),
            "': expected a cgroup path like /sct or a/b",
        ));
    }
    Ok(p)
}

fn net(v: &'static CStr) -> Result<Net> {
    match v.to_bytes() {
        b"host" => Ok(Net::Host),
        b"none" => Ok(Net::None),
        other => Err(Error::usage("--net '", other, "': expected host or none")),
    }
}

static CAPABILITY_NAMES: [u8; names::packed_len(spec::CAPABILITIES)] =
    names::pack(spec::CAPABILITIES);

/// A capability name, with or without `CAP_`, in any case; or ALL.
fn capability(v: &'static CStr) -> Result<u64> {
    let name = v.to_bytes();
    if name.eq_ignore_ascii_case(b"ALL") {
        return Ok(u64::MAX);
    }
    let bare = match name.get(..4) {
        Some(p) if p.eq_ignore_ascii_case(b"CAP_") => &name[4..],
        _ => name,
    };
    match names::find(&CAPABILITY_NAMES, |n| n.eq_ignore_ascii_case(bare)) {
        Some(cap) => Ok(1 << cap),
        None => Err(Error::usage(
            "unknown capability '",
            name,
            "': see capabilities(7), e.g. NET_ADMIN or ALL",
        )),
    }
}

fn seccomp(v: &'static CStr) -> Result<Seccomp> {
    match v.to_bytes() {
        b"default" => Ok(Seccomp::Default),
        b"unconfined" => Ok(Seccomp::Unconfined),
        other => Err(Error::usage(
            "--seccomp '",
            other,
            "': expected default or unconfined",
        )),
    }
}

/// Adds each syscall of a comma-separated list of names.
fn deny(list: &mut DenyList, v: &'static CStr) -> Result<()> {
    for name in v.to_bytes().split(|&c| c == b',') {
        let Some(nr) = syscall_number(name) else {
            return Err(Error::usage("--seccomp-deny: unknown syscall '", name, "'"));
        };
        if list.len == MAX_EXTRA_DENIED {
            return Err(Error::usage(
                "--seccomp-deny: more than 64 syscalls at '",
                name,
                "'",
            ));
        }
        list.nrs[list.len] = nr;
        list.len += 1;
    }
    Ok(())
}

/// The number of the syscall called `name` on this architecture.
fn syscall_number(name: &[u8]) -> Option<u32> {
    names::find(&SYSCALL_NAMES, |n| n == name)
}

/// `Sysno::iter()` as a packed table: `Sysno::from_str` costs 20 KB of code
/// and calling `Sysno::name` at run time 9 KB.
static SYSCALL_NAMES: [u8; names::packed_len(&SYSCALLS)] = names::pack(&SYSCALLS);

const SYSCALLS: [(&str, u32); syscall_count()] = {
    let mut table = [("", 0); syscall_count()];
    let mut i = 0;
    let mut sysno = Some(syscalls::Sysno::first());
    while let Some(s) = sysno {
        table[i] = (s.name(), s.id() as u32);
        i += 1;
        sysno = next_syscall(s);
    }
    table
};

const fn syscall_count() -> usize {
    let mut count = 0;
    let mut sysno = Some(syscalls::Sysno::first());
    while let Some(s) = sysno {
        count += 1;
        sysno = next_syscall(s);
    }
    count
}

/// The syscall after `s` by number, up to and including `Sysno::last()`:
/// syscalls 0.8.1's own `Sysno::next` stops one short of it, which left
/// the newest syscall (`file_setattr` on x86_64) unknown to `--seccomp-deny`.
const fn next_syscall(s: syscalls::Sysno) -> Option<syscalls::Sysno> {
    let last = syscalls::Sysno::last().id();
    let mut id = s.id() + 1;
    while id <= last {
        if let Some(next) = syscalls::Sysno::new(id as usize) {
            return Some(next);
        }
        id += 1;
    }
    None
}

fn number(s: &[u8]) -> Option<u32> {
    // (uid_t)-1 means "unchanged" to the kernel.
    crate::out::parse_u64(s)
        .and_then(|n| u32::try_from(n).ok())
        .filter(|&n| n != u32::MAX)
}

fn user(v: &'static CStr) -> Result<(u32, u32)> {
    let s = v.to_bytes();
    let (u, g) = match s.iter().position(|&c| c == b':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let bad = || Error::usage("--user '", s, "': expected numeric UID[:GID]");
    let uid = number(u).ok_or_else(bad)?;
    let gid = match g {
        Some(g) => number(g).ok_or_else(bad)?,
        None => uid,
    };
    Ok((uid, gid))
}

/// Names every entry of `spec::RLIMITS` (a unit test checks).
const UNKNOWN_RLIMIT: &str =
    "': unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock or stack";

/// `NAME=SOFT[:HARD]`, docker's `--ulimit` syntax: HARD defaults to SOFT.
/// NAME may carry an `RLIMIT_` prefix, in any case. A repeated NAME's last
/// value wins.
fn rlimit(list: &mut Rlimits, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let bad = |why| Error::usage("--rlimit '", s, why);
    let Some(eq) = s.iter().position(|&c| c == b'=') else {
        return Err(bad("': expected NAME=SOFT[:HARD], e.g. nofile=1024:4096"));
    };
    let (name, values) = (&s[..eq], &s[eq + 1..]);
    let bare = match name.get(..7) {
        Some(p) if p.eq_ignore_ascii_case(b"RLIMIT_") => &name[7..],
        _ => name,
    };
    let known = crate::spec::RLIMITS
        .iter()
        .position(|(n, _)| n.as_bytes().eq_ignore_ascii_case(bare));
    let Some(i) = known else {
        return Err(bad(UNKNOWN_RLIMIT));
    };
    let (soft, hard) = match values.iter().position(|&c| c == b':') {
        Some(c) => (&values[..c], Some(&values[c + 1..])),
        None => (values, None),
    };
    let value = |t: &[u8]| match t {
        b"unlimited" => Some(u64::MAX),
        _ => crate::out::parse_u64(t),
    };
    let bad_value = || bad("': limits are decimal numbers or unlimited");
    let soft = value(soft).ok_or_else(bad_value)?;
    let hard = match hard {
        Some(h) => value(h).ok_or_else(bad_value)?,
        None => soft,
    };
    if soft > hard {
        return Err(bad("': soft limit above hard limit"));
    }
    list[i] = Some((soft, hard));
    Ok(())
}

fn bind(v: &'static CStr) -> Result<Bind> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--bind '", s, why));
    let mut parts = s.splitn(3, |&c| c == b':');
    let (src, dst) = (parts.next().unwrap_or(b""), parts.next().unwrap_or(b""));
    let read_only = match parts.next() {
        None => false,
        Some(b"ro") => true,
        Some(_) => return bad("': expected SRC:DST or SRC:DST:ro"),
    };
    if src.is_empty() || dst.is_empty() {
        return bad("': expected SRC:DST or SRC:DST:ro");
    }
    if src[0] != b'/' {
        return bad("': SRC must be an absolute path");
    }
    if dst[0] != b'/' {
        return bad("': DST must be an absolute path");
    }
    if src.len() >= 1024 || dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    Ok(Bind {
        src,
        dst,
        read_only,
    })
}

fn tmpfs(v: &'static CStr) -> Result<Tmpfs> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--tmpfs '", s, why));
    let (dst, options) = match s.iter().position(|&c| c == b':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    if dst.first() != Some(&b'/') {
        return bad("': DST must be an absolute path");
    }
    if dst.iter().all(|&c| c == b'/') {
        return bad("': DST cannot be / itself");
    }
    // A tmpfs over these would hide what sct mounts there (the masks need
    // /dev/null, and /proc and /sys are the kernel's views).
    let trimmed = dst.strip_suffix(b"/").unwrap_or(dst);
    if [&b"/dev"[..], b"/proc", b"/sys"].contains(&trimmed) {
        return bad("': sct mounts /dev, /proc and /sys itself");
    }
    if dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    let size = match options {
        None => None,
        Some(o) => match o.strip_prefix(b"size=") {
            // size=0 would mean no limit to the kernel; parse_size refuses it.
            Some(size) => match values::parse_size(size) {
                Some(bytes) => Some(bytes),
                None => return bad("': expected a size like 512k, 20m or 1g"),
            },
            None => return bad("': expected DST or DST:size=SIZE"),
        },
    };
    Ok(Tmpfs { dst, size })
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
mod tests {
    use super::*;
    use std::ffi::CString;
    use std::vec::Vec;

    fn args(list: &[&str]) -> Vec<&'static CStr> {
        list.iter()
            .map(|s| &*Box::leak(CString::new(*s).unwrap().into_boxed_c_str()))
            .collect()
    }

    #[test]
    fn syscall_names_match_the_syscalls_crate() {
        for s in syscalls::Sysno::iter() {
            assert_eq!(
                syscall_number(s.name().as_bytes()),
                Some(s.id() as u32),
                "{s}"
            );
        }
        let last = syscalls::Sysno::last();
        assert_eq!(
            syscall_number(last.name().as_bytes()),
            Some(last.id() as u32)
        );
        assert_eq!(syscall_number(b""), None);
        assert_eq!(syscall_number(b"frob"), None);
        assert_eq!(syscall_number(b"ptrac"), None);
    }

    fn run(list: &[&str]) -> Config {
        match parse(&args(list)[..]) {
            Ok(Command::Run(c)) => c,
            Ok(other) => panic!("expected a run, got {other:?}"),
            Err(_) => panic!("expected a run, got an error"),
        }
    }

    fn error(list: &[&str]) -> std::string::String {
        let Err(e) = parse(&args(list)[..]) else {
            panic!("expected an error")
        };
        let mut l = crate::out::Line::new();
        e.render(&mut l);
        std::string::String::from_utf8(l.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn defaults() {
        let c = run(&["sct", "/r", "/bin/sh", "-c", "x"]);
        assert_eq!(c.rootfs.to_bytes(), b"/r");
        assert_eq!(c.command, 2);
        assert_eq!(c.hostname.to_bytes(), b"sct");
        assert_eq!(c.net, Net::Host);
    }

    #[test]
    fn options_in_both_spellings() {
        let c = run(&["sct", "--hostname", "box", "--net=none", "/r", "ls"]);
        assert_eq!(c.hostname.to_bytes(), b"box");
        assert_eq!(c.net, Net::None);
        assert_eq!(c.command, 5);
    }

    #[test]
    fn binds_are_repeatable() {
        let c = run(&["sct", "-v", "/a:/b", "--bind=/c:/d/e:ro", "/r", "ls"]);
        assert_eq!(c.bind_count, 2);
        assert_eq!(
            (c.binds[0].src, c.binds[0].dst, c.binds[0].read_only),
            (&b"/a"[..], &b"/b"[..], false)
        );
        assert_eq!(
            (c.binds[1].src, c.binds[1].dst, c.binds[1].read_only),
            (&b"/c"[..], &b"/d/e"[..], true)
        );
    }

    #[test]
    fn tmpfs_mounts_are_repeatable() {
        let c = run(&[
            "sct",
            "--tmpfs",
            "/tmp",
            "--tmpfs=/run:size=64m",
            "/r",
            "ls",
        ]);
        assert_eq!(c.tmpfs_count, 2);
        assert_eq!((c.tmpfs[0].dst, c.tmpfs[0].size), (&b"/tmp"[..], None));
        assert_eq!(
            (c.tmpfs[1].dst, c.tmpfs[1].size),
            (&b"/run"[..], Some(64 << 20))
        );
    }

    #[test]
    fn bad_tmpfs_values_are_usage_errors() {
        let t = "\nTry 'sct --help'.\n";
        for (arg, why) in [
            ("tmp", "DST must be an absolute path"),
            ("", "DST must be an absolute path"),
            (":size=1m", "DST must be an absolute path"),
            ("//", "DST cannot be / itself"),
            ("/dev", "sct mounts /dev, /proc and /sys itself"),
            ("/proc/", "sct mounts /dev, /proc and /sys itself"),
            ("/sys:size=1m", "sct mounts /dev, /proc and /sys itself"),
            ("/t:size=0", "expected a size like 512k, 20m or 1g"),
            ("/t:size=", "expected a size like 512k, 20m or 1g"),
            ("/t:size=5x", "expected a size like 512k, 20m or 1g"),
            ("/t:mode=700", "expected DST or DST:size=SIZE"),
            ("/t:", "expected DST or DST:size=SIZE"),
        ] {
            assert_eq!(
                error(&["sct", "--tmpfs", arg, "/r", "x"]),
                format!("sct: --tmpfs '{arg}': {why}{t}")
            );
        }
    }

    #[test]
    fn command_arguments_are_not_parsed() {
        let c = run(&["sct", "/r", "ls", "--hostname", "-h"]);
        assert_eq!(c.command, 2);
        assert_eq!(c.hostname.to_bytes(), b"sct");
    }

    #[test]
    fn double_dash_ends_options() {
        let c = run(&["sct", "--", "-weird-rootfs", "ls"]);
        assert_eq!(c.rootfs.to_bytes(), b"-weird-rootfs");
    }

    #[test]
    fn help_and_version() {
        assert!(matches!(
            parse(&args(&["sct", "-h"])[..]),
            Ok(Command::Help)
        ));
        assert!(matches!(
            parse(&args(&["sct", "--help", "/r", "x"])[..]),
            Ok(Command::Help)
        ));
        assert!(matches!(
            parse(&args(&["sct", "-V"])[..]),
            Ok(Command::Version)
        ));
    }

    #[test]
    fn misuse_is_one_line_plus_try_help() {
        assert_eq!(
            error(&["sct", "--frob", "/r", "x"]),
            "sct: unknown option '--frob'\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct"]),
            "sct: missing ROOTFS and CMD\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "/r"]),
            "sct: missing CMD after ROOTFS '/r'\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "--hostname"]),
            "sct: option '--hostname' needs a value\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "--net", "bridge", "/r", "x"]),
            "sct: --net 'bridge': expected host or none\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-v", "/a", "/r", "x"]),
            "sct: --bind '/a': expected SRC:DST or SRC:DST:ro\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-v", "/a:b", "/r", "x"]),
            "sct: --bind '/a:b': DST must be an absolute path\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-v", "/a:/b:rw", "/r", "x"]),
            "sct: --bind '/a:/b:rw': expected SRC:DST or SRC:DST:ro\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-e", "=x", "/r", "x"]),
            "sct: --env '=x': expected KEY=VALUE\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-e", "X", "/r", "x"]),
            "sct: --env 'X': expected KEY=VALUE\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-w", "tmp", "/r", "x"]),
            "sct: --workdir 'tmp': must be an absolute path\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-u", "root", "/r", "x"]),
            "sct: --user 'root': expected numeric UID[:GID]\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-u", "1:", "/r", "x"]),
            "sct: --user '1:': expected numeric UID[:GID]\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "-u", "4294967295", "/r", "x"]),
            "sct: --user '4294967295': expected numeric UID[:GID]\nTry 'sct --help'.\n"
        );
        assert_eq!(
            run(&["sct", "-u", "1000", "/r", "x"]).user,
            Some((1000, 1000))
        );
        assert_eq!(run(&["sct", "--user=7:8", "/r", "x"]).user, Some((7, 8)));
        assert_eq!(
            error(&["sct", "--help=x"]),
            "sct: option '--help' takes no value\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "/r", ""]),
            "sct: CMD is empty\nTry 'sct --help'.\n"
        );
        let long = "x".repeat(65);
        assert!(error(&["sct", "--hostname", &long, "/r", "x"])
            .ends_with("': must be 1 to 64 bytes\nTry 'sct --help'.\n"));
    }

    #[test]
    fn limits() {
        let c = run(&[
            "sct",
            "--memory",
            "20M",
            "--memory-swap=-1",
            "--pids-limit",
            "10",
            "--cpus",
            "0.2",
            "--cpuset-cpus",
            "0",
            "--cgroup-parent",
            "/a/b",
            "/r",
            "x",
        ]);
        assert_eq!(c.limits.memory, Some(20 << 20));
        assert_eq!(c.limits.memory_swap, Some(values::Swap::Unlimited));
        assert_eq!(c.limits.pids, Some(10));
        assert_eq!(c.limits.cpu_quota_us, Some(20_000));
        assert_eq!(c.limits.cpuset_cpus, Some(&b"0"[..]));
        assert_eq!(c.cgroup_parent, Some(&b"a/b"[..]));
        assert!(!run(&["sct", "/r", "x"]).limits.any());
    }

    #[test]
    fn bad_limits_are_one_line() {
        let t = "\nTry 'sct --help'.\n";
        assert_eq!(
            error(&["sct", "--memory", "0", "/r", "x"]),
            format!("sct: --memory '0': expected a size like 512k, 20m or 1g{t}")
        );
        assert_eq!(
            error(&["sct", "--memory", "-5m", "/r", "x"]),
            format!("sct: --memory '-5m': expected a size like 512k, 20m or 1g{t}")
        );
        assert_eq!(
            error(&["sct", "--memory-swap", "x", "/r", "x"]),
            format!("sct: --memory-swap 'x': expected a size like 512m, or -1{t}")
        );
        assert_eq!(
            error(&["sct", "--memory-swap", "1g", "/r", "x"]),
            format!("sct: --memory-swap needs --memory{t}")
        );
        assert_eq!(
            error(&["sct", "--memory", "1g", "--memory-swap", "1m", "/r", "x"]),
            format!("sct: --memory-swap must be at least --memory (it is memory plus swap){t}")
        );
        assert_eq!(
            error(&["sct", "--pids-limit", "0", "/r", "x"]),
            format!("sct: --pids-limit '0': expected a positive number{t}")
        );
        assert_eq!(
            error(&["sct", "--cpus", "0", "/r", "x"]),
            format!("sct: --cpus '0': expected a number of CPUs from 0.01, e.g. 1.5{t}")
        );
        assert_eq!(
            error(&["sct", "--cpuset-cpus", "3-1", "/r", "x"]),
            format!("sct: --cpuset-cpus '3-1': expected a CPU list like 0-2,4{t}")
        );
        assert_eq!(
            error(&["sct", "--cgroup-parent", "../x", "/r", "x"]),
            format!("sct: --cgroup-parent '../x': expected a cgroup path like /sct or a/b{t}")
        );
    }

    #[test]
    fn capabilities_by_any_spelling() {
        let kept = spec::kept_mask();
        let admin = 1u64 << linux_raw_sys::general::CAP_SYS_ADMIN;
        let chown = 1u64 << linux_raw_sys::general::CAP_CHOWN;
        assert_eq!(run(&["sct", "/r", "x"]).capabilities, kept);
        assert_eq!(kept.count_ones(), 14);
        for name in ["SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_Sys_Admin"] {
            assert_eq!(
                run(&["sct", "--cap-add", name, "/r", "x"]).capabilities,
                kept | admin,
                "{name}"
            );
        }
        assert_eq!(
            run(&["sct", "--cap-drop=chown", "/r", "x"]).capabilities,
            kept & !chown
        );
        assert_eq!(
            run(&["sct", "--cap-drop", "ALL", "/r", "x"]).capabilities,
            0
        );
        assert_eq!(
            run(&["sct", "--cap-drop", "all", "--cap-add", "chown", "/r", "x"]).capabilities,
            chown
        );
        assert_eq!(
            run(&["sct", "--cap-add", "ALL", "/r", "x"]).capabilities,
            u64::MAX
        );
    }

    #[test]
    fn seccomp_options() {
        assert_eq!(run(&["sct", "/r", "x"]).seccomp, Seccomp::Default);
        assert_eq!(
            run(&["sct", "--seccomp", "unconfined", "/r", "x"]).seccomp,
            Seccomp::Unconfined
        );
        let c = run(&[
            "sct",
            "--seccomp-deny",
            "getppid,uname",
            "--seccomp-deny=chdir",
            "/r",
            "x",
        ]);
        use syscalls::Sysno;
        let want = [
            Sysno::getppid.id() as u32,
            Sysno::uname.id() as u32,
            Sysno::chdir.id() as u32,
        ];
        assert_eq!(c.seccomp_deny.as_slice(), &want);
        assert!(matches!(
            parse(&args(&["sct", "--print-seccomp", "/tmp/f"])[..]),
            Ok(Command::PrintSeccomp(_, _))
        ));
    }

    #[test]
    fn bad_capability_and_seccomp_values_are_usage_errors() {
        assert_eq!(
            error(&["sct", "--cap-add", "CAP_FLY", "/r", "x"]),
            "sct: unknown capability 'CAP_FLY': see capabilities(7), e.g. NET_ADMIN or ALL\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "--seccomp", "strict", "/r", "x"]),
            "sct: --seccomp 'strict': expected default or unconfined\nTry 'sct --help'.\n"
        );
        assert_eq!(
            error(&["sct", "--seccomp-deny", "getpid,nosuch", "/r", "x"]),
            "sct: --seccomp-deny: unknown syscall 'nosuch'\nTry 'sct --help'.\n"
        );
    }

    #[test]
    fn rlimits() {
        use crate::spec::RLIMITS;
        let at = |name: &str| RLIMITS.iter().position(|(n, _)| *n == name).unwrap();
        let c = run(&[
            "sct",
            "--rlimit",
            "nofile=1024:4096",
            "--rlimit=RLIMIT_CORE=0",
            "--rlimit",
            "rlimit_Stack=unlimited",
            "--rlimit",
            "cpu=5:unlimited",
            "--rlimit",
            "NPROC=7",
            "--rlimit",
            "nproc=9",
            "/r",
            "x",
        ]);
        assert_eq!(c.rlimits[at("nofile")], Some((1024, 4096)));
        assert_eq!(c.rlimits[at("core")], Some((0, 0)));
        assert_eq!(c.rlimits[at("stack")], Some((u64::MAX, u64::MAX)));
        assert_eq!(c.rlimits[at("cpu")], Some((5, u64::MAX)));
        assert_eq!(c.rlimits[at("nproc")], Some((9, 9)));
        assert_eq!(c.rlimits[at("as")], None);
        assert!(run(&["sct", "/r", "x"]).rlimits.iter().all(Option::is_none));
        for (name, _) in RLIMITS {
            assert!(UNKNOWN_RLIMIT.contains(&format!(" {name}")), "{name}");
        }
        assert_eq!(UNKNOWN_RLIMIT.matches(", ").count() + 2, RLIMITS.len());
    }

    #[test]
    fn bad_rlimits_are_one_line() {
        let t = "\nTry 'sct --help'.\n";
        for (arg, why) in [
            ("nofile", "expected NAME=SOFT[:HARD], e.g. nofile=1024:4096"),
            (
                "nofil=1",
                "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock or stack",
            ),
            (
                "RLIMIT_=1",
                "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock or stack",
            ),
            (
                "=1",
                "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock or stack",
            ),
            ("nofile=", "limits are decimal numbers or unlimited"),
            ("nofile=-1", "limits are decimal numbers or unlimited"),
            ("nofile=1k", "limits are decimal numbers or unlimited"),
            ("nofile=1:", "limits are decimal numbers or unlimited"),
            ("nofile=1:2:3", "limits are decimal numbers or unlimited"),
            (
                "nofile=18446744073709551616",
                "limits are decimal numbers or unlimited",
            ),
            ("nofile=10:5", "soft limit above hard limit"),
            ("core=unlimited:0", "soft limit above hard limit"),
        ] {
            assert_eq!(
                error(&["sct", "--rlimit", arg, "/r", "x"]),
                format!("sct: --rlimit '{arg}': {why}{t}")
            );
        }
    }

    #[test]
    fn help_lists_every_option() {
        let h = help();
        let text = std::str::from_utf8(h.as_bytes()).unwrap();
        for o in OPTIONS {
            assert!(
                text.contains(&std::format!("--{}", o.long)),
                "--{} missing from help",
                o.long
            );
        }
    }
}
