//! The command line: `sct [OPTIONS] ROOTFS CMD [ARGS...]`.
//!
//! Pure code: no syscalls, unit-tested. Options come before ROOTFS, `--` ends
//! them, and CMD's own arguments are never looked at. Every option lives in
//! the `OPTIONS` table, which also writes `--help`.

use core::ffi::CStr;

use crate::error::{Error, Result};
use crate::out::Buf;

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
    /// The working directory inside the container.
    pub workdir: &'static CStr,
    pub binds: [Bind; MAX_BINDS],
    pub bind_count: usize,
    pub rootfs: &'static CStr,
    /// Index of CMD in argv; CMD's argv is argv from here on.
    pub command: usize,
    pub hostname: &'static CStr,
    pub net: Net,
}

#[derive(Debug)]
pub enum Command {
    Run(Config),
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
    Opt { long: "hostname", short: None, value: Some("NAME"), help: "hostname inside the container (default: sct)" },
    Opt { long: "net", short: None, value: Some("host|none"), help: "host: share the host's network (default); none: only lo" },
    Opt { long: "bind", short: Some(b'v'), value: Some("SRC:DST[:ro]"), help: "bind host path SRC on DST (repeatable)" },
    Opt { long: "env", short: Some(b'e'), value: Some("KEY=VALUE"), help: "set an environment variable (repeatable)" },
    Opt { long: "workdir", short: Some(b'w'), value: Some("DIR"), help: "working directory inside the container (default: /)" },
    Opt { long: "read-only", short: None, value: None, help: "make the root read-only (/dev, /proc and binds keep their own modes)" },
    Opt { long: "user", short: Some(b'u'), value: Some("UID[:GID]"), help: "run CMD as numeric UID and GID (default GID: UID)" },
    Opt { long: "help", short: Some(b'h'), value: None, help: "print this help and exit" },
    Opt { long: "version", short: Some(b'V'), value: None, help: "print the version and exit" },
];

/// HOST_NAME_MAX: sethostname(2) refuses longer names.
const HOST_NAME_MAX: usize = 64;

pub fn parse<A: ArgList + ?Sized>(args: &A) -> Result<Command> {
    let mut cfg = Config { user: None, read_only: false, env: [c""; MAX_ENV], env_count: 0, workdir: c"/", binds: [Bind::default(); MAX_BINDS], bind_count: 0, rootfs: c"", command: 0, hostname: c"sct", net: Net::Host };
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
            (None, Some(_)) => return Err(Error::usage("option '--", opt.long.as_bytes(), "' takes no value")),
            (Some(_), Some(at)) => Some(tail(args.arg(i), at)),
            (Some(_), None) => {
                i += 1;
                if i >= n {
                    return Err(Error::usage("option '--", opt.long.as_bytes(), "' needs a value"));
                }
                Some(args.arg(i))
            }
        };
        match (opt.long, value) {
            ("help", _) => return Ok(Command::Help),
            ("version", _) => return Ok(Command::Version),
            ("user", Some(v)) => cfg.user = Some(user(v)?),
            ("read-only", None) => cfg.read_only = true,
            ("hostname", Some(v)) => cfg.hostname = hostname(v)?,
            ("net", Some(v)) => cfg.net = net(v)?,
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
                    return Err(Error::usage("--workdir '", v.to_bytes(), "': must be an absolute path"));
                }
                cfg.workdir = v;
            }
            ("bind", Some(v)) => {
                if cfg.bind_count == MAX_BINDS {
                    return Err(Error::usage("--bind '", v.to_bytes(), "': at most 16 binds"));
                }
                cfg.binds[cfg.bind_count] = bind(v)?;
                cfg.bind_count += 1;
            }
            _ => unreachable!("option in OPTIONS without a case"),
        }
        i += 1;
    }
    if i >= n {
        return Err(Error::usage("missing ROOTFS and CMD", b"", ""));
    }
    cfg.rootfs = args.arg(i);
    if cfg.rootfs.is_empty() {
        return Err(Error::usage("ROOTFS is empty", b"", ""));
    }
    if i + 1 >= n {
        return Err(Error::usage("missing CMD after ROOTFS '", cfg.rootfs.to_bytes(), "'"));
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
        return Err(Error::usage("--hostname '", v.to_bytes(), "': must be 1 to 64 bytes"));
    }
    Ok(v)
}

fn net(v: &'static CStr) -> Result<Net> {
    match v.to_bytes() {
        b"host" => Ok(Net::Host),
        b"none" => Ok(Net::None),
        other => Err(Error::usage("--net '", other, "': expected host or none")),
    }
}

fn number(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 10 {
        return None;
    }
    let mut n: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    // (uid_t)-1 means "unchanged" to the kernel.
    if n >= u64::from(u32::MAX) {
        return None;
    }
    Some(n as u32)
}

fn user(v: &'static CStr) -> Result<(u32, u32)> {
    let s = v.to_bytes();
    let (u, g) = match s.iter().position(|&c| c == b':') {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let bad = Error::usage("--user '", s, "': expected numeric UID[:GID]");
    let uid = number(u).ok_or(bad)?;
    let gid = match g {
        Some(g) => number(g).ok_or(bad)?,
        None => uid,
    };
    Ok((uid, gid))
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
    Ok(Bind { src, dst, read_only })
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
        for _ in width..26 {
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
        list.iter().map(|s| &*Box::leak(CString::new(*s).unwrap().into_boxed_c_str())).collect()
    }

    fn run(list: &[&str]) -> Config {
        match parse(&args(list)[..]) {
            Ok(Command::Run(c)) => c,
            Ok(other) => panic!("expected a run, got {other:?}"),
            Err(_) => panic!("expected a run, got an error"),
        }
    }

    fn error(list: &[&str]) -> std::string::String {
        let Err(e) = parse(&args(list)[..]) else { panic!("expected an error") };
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
        assert_eq!((c.binds[0].src, c.binds[0].dst, c.binds[0].read_only), (&b"/a"[..], &b"/b"[..], false));
        assert_eq!((c.binds[1].src, c.binds[1].dst, c.binds[1].read_only), (&b"/c"[..], &b"/d/e"[..], true));
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
        assert!(matches!(parse(&args(&["sct", "-h"])[..]), Ok(Command::Help)));
        assert!(matches!(parse(&args(&["sct", "--help", "/r", "x"])[..]), Ok(Command::Help)));
        assert!(matches!(parse(&args(&["sct", "-V"])[..]), Ok(Command::Version)));
    }

    #[test]
    fn misuse_is_one_line_plus_try_help() {
        assert_eq!(error(&["sct", "--frob", "/r", "x"]), "sct: unknown option '--frob'\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct"]), "sct: missing ROOTFS and CMD\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "/r"]), "sct: missing CMD after ROOTFS '/r'\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "--hostname"]), "sct: option '--hostname' needs a value\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "--net", "bridge", "/r", "x"]), "sct: --net 'bridge': expected host or none\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-v", "/a", "/r", "x"]), "sct: --bind '/a': expected SRC:DST or SRC:DST:ro\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-v", "/a:b", "/r", "x"]), "sct: --bind '/a:b': DST must be an absolute path\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-v", "/a:/b:rw", "/r", "x"]), "sct: --bind '/a:/b:rw': expected SRC:DST or SRC:DST:ro\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-e", "=x", "/r", "x"]), "sct: --env '=x': expected KEY=VALUE\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-e", "X", "/r", "x"]), "sct: --env 'X': expected KEY=VALUE\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-w", "tmp", "/r", "x"]), "sct: --workdir 'tmp': must be an absolute path\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-u", "root", "/r", "x"]), "sct: --user 'root': expected numeric UID[:GID]\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-u", "1:", "/r", "x"]), "sct: --user '1:': expected numeric UID[:GID]\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "-u", "4294967295", "/r", "x"]), "sct: --user '4294967295': expected numeric UID[:GID]\nTry 'sct --help'.\n");
        assert_eq!(run(&["sct", "-u", "1000", "/r", "x"]).user, Some((1000, 1000)));
        assert_eq!(run(&["sct", "--user=7:8", "/r", "x"]).user, Some((7, 8)));
        assert_eq!(error(&["sct", "--help=x"]), "sct: option '--help' takes no value\nTry 'sct --help'.\n");
        assert_eq!(error(&["sct", "/r", ""]), "sct: CMD is empty\nTry 'sct --help'.\n");
        let long = "x".repeat(65);
        assert!(error(&["sct", "--hostname", &long, "/r", "x"]).ends_with("': must be 1 to 64 bytes\nTry 'sct --help'.\n"));
    }

    #[test]
    fn help_lists_every_option() {
        let h = help();
        let text = std::str::from_utf8(h.as_bytes()).unwrap();
        for o in OPTIONS {
            assert!(text.contains(&std::format!("--{}", o.long)), "--{} missing from help", o.long);
        }
    }
}
