//! Values for the container's limits and identity: sizes, cgroup paths,

use core::ffi::CStr;

use super::{Net, Rlimits};
use crate::cgroup::values::{self, Limits};
use crate::error::{Error, Result};

/// HOST_NAME_MAX: sethostname(2) refuses longer names.
const HOST_NAME_MAX: usize = 64;

pub(super) fn hostname(v: &'static CStr) -> Result<&'static CStr> {
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

pub(super) fn size(before: &'static str, v: &'static CStr) -> Result<u64> {
    values::parse_size(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            before,
            v.to_bytes(),
            "': expected a size like 512k, 20m or 1g",
        )
    })
}

pub(super) fn memory_swap(v: &'static CStr) -> Result<values::Swap> {
    values::parse_swap(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            "--memory-swap '",
            v.to_bytes(),
            "': expected a size like 512m, or -1",
        )
    })
}

pub(super) fn pids(v: &'static CStr) -> Result<u64> {
    values::parse_pids(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            "--pids-limit '",
            v.to_bytes(),
            "': expected a positive number",
        )
    })
}

pub(super) fn cpus(v: &'static CStr) -> Result<u64> {
    values::parse_cpus(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            "--cpus '",
            v.to_bytes(),
            "': expected a number of CPUs from 0.01, e.g. 1.5",
        )
    })
}

pub(super) fn cpuset_cpus(v: &'static CStr) -> Result<&'static [u8]> {
    values::parse_cpuset(v.to_bytes()).ok_or_else(|| {
        Error::usage(
            "--cpuset-cpus '",
            v.to_bytes(),
            "': expected a CPU list like 0-2,4",
        )
    })
}

/// Docker's rules: --memory-swap is a total that needs --memory and cannot be
/// below it.
pub(super) fn check_limits(l: &Limits) -> Result<()> {
    match (l.memory, l.memory_swap) {
        (None, Some(_)) => Err(Error::usage_line("--memory-swap needs --memory")),
        (Some(m), Some(values::Swap::Total(t))) if t < m => Err(Error::usage_line(
            "--memory-swap must be at least --memory (it is memory plus swap)",
        )),
        _ => Ok(()),
    }
}

/// A cgroup path, relative to the hierarchy roots; `..` could climb out.
pub(super) fn cgroup_parent(v: &'static CStr) -> Result<&'static [u8]> {
    let p = v.to_bytes();
    let p = p.strip_prefix(b"/").unwrap_or(p);
    if !super::plain_relative_path(p) {
        return Err(Error::usage(
            "--cgroup-parent '",
            v.to_bytes(),
            "': expected a cgroup path like /sct or a/b",
        ));
    }
    Ok(p)
}

pub(super) fn net(v: &'static CStr) -> Result<Net> {
    match v.to_bytes() {
        b"host" => Ok(Net::Host),
        b"none" => Ok(Net::None),
        other => Err(Error::usage("--net '", other, "': expected host or none")),
    }
}

/// Names every entry of `spec::RLIMIT_NAMES` (a unit test checks).
pub(super) const UNKNOWN_RLIMIT: &str = "': unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock, stack, data, rss, locks, sigpending, msgqueue, nice, rtprio or rttime";

/// `NAME=SOFT[:HARD]`, docker's `--ulimit` syntax: HARD defaults to SOFT.
/// NAME may carry an `RLIMIT_` prefix, in any case. A repeated NAME's last
/// value wins.
pub(super) fn rlimit(list: &mut Rlimits, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let bad = |why| Error::usage("--rlimit '", s, why);
    let Some(eq) = s.iter().position(|&c| c == b'=') else {
        return Err(bad("': expected NAME=SOFT[:HARD], e.g. nofile=1024:4096"));
    };
    let (name, values) = (&s[..eq], &s[eq + 1..]);
    let bare = match name.get(..7) {
        Some(p) if super::same_but_case(p, b"RLIMIT_") => &name[7..],
        _ => name,
    };
    let Some(i) = super::number_but_case(&crate::spec::RLIMIT_NAMES, bare) else {
        return Err(bad(UNKNOWN_RLIMIT));
    };
    let (soft, hard) = super::cut(values);
    let value = |t: &[u8]| match t {
        b"unlimited" => Some(u64::MAX),
        _ => crate::out::parse_u64(t),
    };
    let soft = value(soft);
    let hard = match hard {
        Some(h) => value(h),
        None => soft,
    };
    let (Some(soft), Some(hard)) = (soft, hard) else {
        return Err(bad("': limits are decimal numbers or unlimited"));
    };
    if soft > hard {
        return Err(bad("': soft limit above hard limit"));
    }
    list[i as usize] = Some((soft, hard));
    Ok(())
}
