//! The command line: `sct [OPTIONS] ROOTFS CMD [ARGS...]`.
//!
//! Pure code: no syscalls, unit-tested. Options come before ROOTFS, `--` ends
//! them, and CMD's own arguments are never looked at. Every option lives in
//! the `OPTIONS` table (options.rs), which also writes `--help`.

use core::ffi::CStr;

use crate::cgroup::values::Limits;
use crate::error::{Error, Result};
use crate::idmap::IdMap;
use crate::out::Buf;
use crate::spec;
use crate::sys::args::Argv;
use crate::sys::list::List;

mod extra;
mod limits;
mod mounts;
mod options;
mod security;

pub use extra::{
    DeviceRules, Gids, Joins, Propagation, Sysctls, MAX_DEVICE_RULES, MAX_GIDS, MAX_SYSCTLS,
};

use limits::check_limits;
pub use mounts::{Bind, Device, Tmpfs, MAX_BINDS, MAX_DEVICES, MAX_TMPFS};
use options::{Parsed, OPTIONS};
pub use security::{
    capability_number, syscall_number, DenyList, CAPABILITY_NAMES, MAX_EXTRA_DENIED,
};

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

/// `--rlimit` values by place in `spec::RLIMIT_NAMES`: (soft, hard), with
/// `u64::MAX` for unlimited (RLIM_INFINITY).
pub type Rlimits = [Option<(u64, u64)>; crate::spec::RLIMIT_RESOURCES.len()];

/// Everything a run needs, borrowed from argv.
#[derive(Clone, Copy, Debug)]
pub struct Config {
    /// `-e KEY=VALUE` entries, in order.
    pub env: List<&'static CStr, MAX_ENV>,
    /// `--user UID[:GID]`.
    pub user: Option<(u32, u32)>,
    /// `--uidmap` and `--gidmap` (root only): a user namespace with these
    /// maps. Empty: none as root; the caller's map when run unprivileged.
    pub uid_map: IdMap,
    pub gid_map: IdMap,
    /// `--userns` (root): a user namespace with maps sct picks (userns.rs);
    /// config.json's user namespace, with `uid_map` and `gid_map`.
    pub userns: bool,
    /// `--read-only`: the root mount itself read-only.
    pub read_only: bool,
    /// `--init`: sct's init stays PID 1 and CMD runs as its child.
    pub init: bool,
    pub rlimits: Rlimits,
    /// The working directory inside the container.
    pub workdir: &'static CStr,
    pub binds: List<Bind, MAX_BINDS>,
    pub tmpfs: List<Tmpfs, MAX_TMPFS>,
    pub devices: List<Device, MAX_DEVICES>,
    /// `--no-cgroup`: no cgroup, so no device rule (and no limits).
    pub no_cgroup: bool,
    pub rootfs: &'static CStr,
    /// Index of CMD in argv; CMD's argv is argv from here on.
    pub command: usize,
    /// CMD and its arguments when config.json gives them (`command` is
    /// then unused).
    pub process_args: Option<Argv<'static>>,
    /// The whole environment when config.json gives it: no defaults added.
    pub process_env: Option<Argv<'static>>,
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
    // What only config.json sets so far; the defaults are sct's behaviour.
    /// The cgroup's own name; `None`: `sct-<pid>`.
    pub cgroup_name: Option<&'static [u8]>,
    /// Device rules after the default list.
    pub device_rules: DeviceRules,
    /// Supplementary groups of CMD (with `user`).
    pub additional_gids: Gids,
    pub umask: Option<u32>,
    pub oom_score_adj: Option<i32>,
    /// `None`: the UTS namespace's domain name stays as it is.
    pub domainname: Option<&'static CStr>,
    /// PR_SET_NO_NEW_PRIVS for CMD (always on the command line).
    pub no_new_privileges: bool,
    pub sysctls: Sysctls,
    /// Namespaces joined instead of made.
    pub joins: Joins,
    /// A cgroup namespace of the container's own.
    pub cgroup_ns: bool,
    /// Replace `spec::MASKED` and `spec::MASKED_PER_CPU` / `spec::READ_ONLY`:
    /// paths relative to the new root.
    pub masked_paths: Option<Argv<'static>>,
    pub readonly_paths: Option<Argv<'static>>,
    /// How the container's mounts see the host's after setup.
    pub rootfs_propagation: Propagation,
    /// config.json's hooks, and the state they get (OCI mode only).
    pub hooks: crate::oci::hooks::Plan,
    /// `-t`: CMD gets a pty of its own (child/terminal.rs, terminal.rs),
    /// sized `console_size` (rows, columns), else as the caller's.
    pub terminal: bool,
    pub console_size: Option<(u16, u16)>,
}
/// Which seccomp filter CMD runs under.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Seccomp {
    Default,
    Unconfined,
    /// `--seccomp FILE`: a Docker, podman or OCI JSON profile.
    Profile(&'static CStr),
    /// config.json's `linux.seccomp`: the object's JSON text.
    Inline(&'static [u8]),
}

#[derive(Debug)]
pub enum Command {
    /// Run the container the parsed `Config` describes.
    Run,
    /// `--print-seccomp FILE`: write the filter CMD would get, then exit.
    PrintSeccomp(&'static CStr),
    Help,
    Version,
}

impl Config {
    /// sct's defaults, before any option.
    pub fn new() -> Config {
        Config {
            rootfs: c"",
            command: 0,
            process_args: None,
            process_env: None,
            hostname: c"sct",
            net: Net::Host,
            limits: Limits::default(),
            cgroup_parent: None,
            capabilities: spec::kept_mask(),
            seccomp: Seccomp::Default,
            seccomp_deny: DenyList::new(),
            user: None,
            uid_map: IdMap::default(),
            gid_map: IdMap::default(),
            userns: false,
            read_only: false,
            init: false,
            rlimits: [None; crate::spec::RLIMIT_RESOURCES.len()],
            env: List::new(),
            workdir: c"/",
            binds: List::new(),
            tmpfs: List::new(),
            devices: List::new(),
            no_cgroup: false,
            cgroup_name: None,
            device_rules: DeviceRules::new(),
            additional_gids: Gids::new(),
            umask: None,
            oom_score_adj: None,
            domainname: None,
            no_new_privileges: true,
            sysctls: Sysctls::new(),
            joins: Joins::NONE,
            cgroup_ns: false,
            masked_paths: None,
            readonly_paths: None,
            rootfs_propagation: Propagation::Private,
            hooks: crate::oci::hooks::Plan::NONE,
            terminal: false,
            console_size: None,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether config.json can fill a `Config` (OCI mode). Built without it,
/// only the command line does, which never sets what only config.json
/// does: the readers below then return `Config::new`'s value as a
/// constant, and the code acting on any other value drops out of the
/// binary (3 KB on x86_64). The checklists read those fields through them.
pub const OCI_MODE: bool = cfg!(feature = "oci");

/// `value`, or in a build without OCI mode `default`.
#[inline(always)]
pub(crate) fn from_config_json<T>(value: T, default: T) -> T {
    if OCI_MODE {
        value
    } else {
        default
    }
}

impl Config {
    pub fn process_args(&self) -> Option<Argv<'static>> {
        from_config_json(self.process_args, None)
    }

    pub fn process_env(&self) -> Option<Argv<'static>> {
        from_config_json(self.process_env, None)
    }

    pub fn cgroup_name(&self) -> Option<&'static [u8]> {
        from_config_json(self.cgroup_name, None)
    }

    pub fn device_rules(&self) -> &[crate::devices::Rule] {
        from_config_json(self.device_rules.as_slice(), &[])
    }

    pub fn additional_gids(&self) -> &[u32] {
        from_config_json(self.additional_gids.as_slice(), &[])
    }

    pub fn umask(&self) -> Option<u32> {
        from_config_json(self.umask, None)
    }

    pub fn oom_score_adj(&self) -> Option<i32> {
        from_config_json(self.oom_score_adj, None)
    }

    pub fn domainname(&self) -> Option<&'static CStr> {
        from_config_json(self.domainname, None)
    }

    pub fn no_new_privileges(&self) -> bool {
        from_config_json(self.no_new_privileges, true)
    }

    pub fn sysctls(&self) -> &[(&'static CStr, &'static [u8])] {
        from_config_json(self.sysctls.as_slice(), &[])
    }

    /// The namespaces config.json names to join; `None` where none can be
    /// named: whether it names any, the joining itself checks.
    pub fn joins(&self) -> Option<&Joins> {
        from_config_json(Some(&self.joins), None)
    }

    pub fn cgroup_ns(&self) -> bool {
        from_config_json(self.cgroup_ns, false)
    }

    pub fn masked_paths(&self) -> Option<Argv<'static>> {
        from_config_json(self.masked_paths, None)
    }

    pub fn readonly_paths(&self) -> Option<Argv<'static>> {
        from_config_json(self.readonly_paths, None)
    }

    pub fn rootfs_propagation(&self) -> Propagation {
        from_config_json(self.rootfs_propagation, Propagation::Private)
    }

    pub fn console_size(&self) -> Option<(u16, u16)> {
        from_config_json(self.console_size, None)
    }
}

/// Reads the command line into `cfg`, which the caller makes with
/// `Config::new()`. Into the caller's, not returned: a Config is 6.5 KB, and
/// a returned one was built in the parser's frame and copied out, twice its
/// size on the stack, every page of which the stack probes touch before the
/// clone.
pub fn parse<A: ArgList + ?Sized>(args: &A, cfg: &mut Config) -> Result<Command> {
    let mut p = Parsed {
        cfg,
        caps_added: 0,
        print_seccomp: None,
        done: None,
    };
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
            (OPTIONS.iter().find(|o| o.long() == name), inline)
        } else {
            let found = OPTIONS.iter().find(|o| o.short() == Some(arg[1]));
            (found, if arg.len() > 2 { Some(2) } else { None })
        };
        let Some(opt) = opt else {
            return Err(Error::usage("unknown option '", arg, "'"));
        };
        match (opt.takes_value(), inline) {
            (false, None) => (opt.set)(&mut p, c"")?,
            (false, Some(_)) => {
                return Err(Error::usage("option '--", opt.long(), "' takes no value"))
            }
            (true, Some(at)) => (opt.set)(&mut p, tail(args.arg(i), at))?,
            (true, None) => {
                i += 1;
                if i >= n {
                    return Err(Error::usage("option '--", opt.long(), "' needs a value"));
                }
                (opt.set)(&mut p, args.arg(i))?
            }
        }
        if let Some(done) = p.done {
            return Ok(done);
        }
        i += 1;
    }
    let Parsed {
        cfg,
        caps_added,
        print_seccomp,
        ..
    } = p;
    check_limits(&cfg.limits)?;
    // podman's rule: the gids follow the uids unless given.
    match (cfg.uid_map.is_empty(), cfg.gid_map.is_empty()) {
        (true, false) => return Err(Error::usage_line("--gidmap needs --uidmap")),
        (false, true) => cfg.gid_map = cfg.uid_map,
        _ => {}
    }
    if cfg.no_cgroup && cfg.limits.any() {
        return Err(Error::usage_line(
            "--no-cgroup cannot go with a limit: limits live in the cgroup",
        ));
    }
    // On the host's network CAP_NET_RAW opens AF_PACKET sockets that see
    // the host's traffic: it is podman's rule to leave it out, kept only with
    // a network namespace of the container's own or when asked for by name.
    let net_raw = 1 << linux_raw_sys::general::CAP_NET_RAW;
    if cfg.net == Net::Host && caps_added & net_raw == 0 {
        cfg.capabilities &= !net_raw;
    }
    if matches!(cfg.seccomp, Seccomp::Profile(_)) && !cfg.seccomp_deny.as_slice().is_empty() {
        return Err(Error::usage_line(
            "--seccomp-deny adds to the default filter; add the rule to the profile instead",
        ));
    }
    if let Some(file) = print_seccomp {
        return Ok(Command::PrintSeccomp(file));
    }
    if i >= n {
        return Err(Error::usage_line("missing ROOTFS and CMD"));
    }
    cfg.rootfs = args.arg(i);
    if cfg.rootfs.is_empty() {
        return Err(Error::usage_line("ROOTFS is empty"));
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
        return Err(Error::usage_line("CMD is empty"));
    }
    Ok(Command::Run)
}

/// Whether `a` and `b` are the same but for ASCII case, in a plain loop:
/// `<[u8]>::eq_ignore_ascii_case` compares in chunks of 16 bytes, 0.3 KB of
/// code for names of a few (OCI mode's callers use this one too).
pub(crate) fn same_but_case(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.eq_ignore_ascii_case(y))
}

/// The number of the entry of a packed table (`crate::names`) that is
/// `name` but for ASCII case: one loop for the capabilities' and the
/// limits' names.
pub(crate) fn number_but_case(table: &[u8], name: &[u8]) -> Option<u32> {
    let (number, _) = crate::names::entries(table).find(|&(_, n)| same_but_case(n, name))?;
    Some(number)
}

/// A list's separator: one function, so that the lists' splits share one
/// copy of the iterator (a closure at each would be a type of its own).
fn is_comma(c: &u8) -> bool {
    *c == b','
}

/// Whether `p` is a relative path of names alone: not empty, no `.` or
/// `..`, no empty name (`a//b`, a slash at either end). One copy for
/// --cgroup-parent and --device's CONTAINER.
fn plain_relative_path(p: &[u8]) -> bool {
    !p.is_empty()
        && !p
            .split(|&c| c == b'/')
            .any(|c| c.is_empty() || c == b"." || c == b"..")
}

/// The part of `s` before its first `:`, and the rest after it if there is
/// one. (One function for every `A:B` value: splitn and an open-coded
/// search each brought their own code.)
fn cut(s: &[u8]) -> (&[u8], Option<&[u8]>) {
    match s.iter().position(|&c| c == b':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    }
}

/// The part of `s` from byte `at` on, still NUL-terminated.
pub(crate) fn tail(s: &'static CStr, at: usize) -> &'static CStr {
    let bytes = s.to_bytes_with_nul();
    match CStr::from_bytes_with_nul(&bytes[at..]) {
        Ok(t) => t,
        Err(_) => c"",
    }
}
/// Writes the `--help` text into `b`, the caller's (returned, it was
/// built in a buffer of its own and copied out, 4 KB).
pub fn help(b: &mut Buf<4096>) {
    b.push(b"Usage: sct [OPTIONS] ROOTFS CMD [ARGS...]\n\n");
    b.push(b"Run CMD with ROOTFS as its root, as PID 1 of new PID, mount, UTS and IPC\n");
    b.push(b"namespaces, and exit with its status.\n\nOptions:\n");
    for o in OPTIONS {
        let start = b.as_bytes().len();
        b.push(if o.short().is_some() {
            b"  "
        } else {
            b"      "
        });
        let (usage, help) = o.usage_and_help();
        b.push(usage);
        let width = b.as_bytes().len() - start;
        for _ in width..36 {
            b.push(b" ");
        }
        b.push(b" ").push(help).push(b"\n");
    }
    #[cfg(feature = "oci")]
    crate::oci::help(b);
    b.push(b"\nExit status: CMD's own; 128+N if CMD was killed by signal N; 125 if sct\n");
    b.push(b"failed; 126 if CMD cannot be executed; 127 if CMD was not found.\n");
}

#[cfg(test)]
mod tests;
