//! Capabilities, the seccomp policy and the user CMD runs as.

use core::ffi::CStr;

use super::Seccomp;
use crate::error::{Error, Result};
use crate::idmap::{self, IdMap};
use crate::sys::list::List;
use crate::{names, spec};

/// Most syscalls `--seccomp-deny` can add.
pub const MAX_EXTRA_DENIED: usize = 64;

/// Syscall numbers, for a `Config` that stays `Copy` and allocation-free.
pub type DenyList = List<u32, MAX_EXTRA_DENIED>;

/// `spec::CAPABILITIES` packed (`crate::names`): what sct reads the names
/// from (OCI mode's config.json, `features` and `spec` too).
pub static CAPABILITY_NAMES: [u8; names::runs_len(spec::CAPABILITIES, names::Coding::Bytes)] =
    names::pack_runs(spec::CAPABILITIES, names::Coding::Bytes);

/// A capability name, with or without `CAP_`, in any case; or ALL.
pub(super) fn capability(v: &'static CStr) -> Result<u64> {
    let name = v.to_bytes();
    if super::same_but_case(name, b"ALL") {
        return Ok(u64::MAX);
    }
    match capability_number(name) {
        Some(cap) => Ok(1 << cap),
        None => Err(Error::usage(
            "unknown capability '",
            name,
            "': see capabilities(7), e.g. NET_ADMIN or ALL",
        )),
    }
}

/// The number of the capability called `name`, with or without `CAP_`,
/// in any case.
pub fn capability_number(name: &[u8]) -> Option<u32> {
    let bare = match name.get(..4) {
        Some(p) if super::same_but_case(p, b"CAP_") => &name[4..],
        _ => name,
    };
    super::number_but_case(&CAPABILITY_NAMES, bare)
}

/// `default`, `unconfined`, or a profile's path (read when the container
/// starts: the bounding set and the kernel decide which rules apply).
pub(super) fn seccomp(v: &'static CStr) -> Result<Seccomp> {
    match v.to_bytes() {
        b"default" => Ok(Seccomp::Default),
        b"unconfined" => Ok(Seccomp::Unconfined),
        b"" => Err(Error::usage(
            "--seccomp '",
            b"",
            "': expected default, unconfined or a profile's path",
        )),
        _ => Ok(Seccomp::Profile(v)),
    }
}

/// Adds each syscall of a comma-separated list of names.
pub(super) fn deny(list: &mut DenyList, v: &'static CStr) -> Result<()> {
    for name in v.to_bytes().split(super::is_comma) {
        let Some(nr) = syscall_number(name) else {
            return Err(Error::usage("--seccomp-deny: unknown syscall '", name, "'"));
        };
        if !list.push(nr) {
            return Err(Error::usage(
                "--seccomp-deny: more than 64 syscalls at '",
                name,
                "'",
            ));
        }
    }
    Ok(())
}

/// The number of the syscall called `name` on this architecture.
pub fn syscall_number(name: &[u8]) -> Option<u32> {
    let mut buf = [0; 48];
    let packed = names::sixbit(name, &mut buf)?;
    names::number_of(&SYSCALL_NAMES, packed)
}

/// `Sysno::iter()` packed in number order, six bits a character
/// (`names::pack_runs`, `Coding::SixBit`):
/// `Sysno::from_str` costs 20 KB of code and calling `Sysno::name` at run
/// time 9 KB.
static SYSCALL_NAMES: [u8; names::runs_len(&SYSCALLS, names::Coding::SixBit)] =
    names::pack_runs(&SYSCALLS, names::Coding::SixBit);

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

pub(super) fn number(s: &[u8]) -> Option<u32> {
    // (uid_t)-1 means "unchanged" to the kernel.
    match crate::out::parse_u64(s) {
        Some(n) if n < u64::from(u32::MAX) => Some(n as u32),
        _ => None,
    }
}

pub(super) fn user(v: &'static CStr) -> Result<(u32, u32)> {
    let s = v.to_bytes();
    let (u, g) = super::cut(s);
    let uid = number(u);
    let gid = match g {
        Some(g) => number(g),
        None => uid,
    };
    match (uid, gid) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        _ => Err(Error::usage("--user '", s, "': expected numeric UID[:GID]")),
    }
}

/// One `--uidmap`/`--gidmap` value, `CONTAINER:HOST:SIZE`, added to `map`.
pub(super) fn id_range(map: &mut IdMap, before: &'static str, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let why = match idmap::parse_range(s) {
        Some(range) if map.push(range) => return Ok(()),
        Some(_) => "': at most 5 ranges",
        None => "': expected CONTAINER:HOST:SIZE",
    };
    Err(Error::usage(before, s, why))
}
