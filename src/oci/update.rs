//! `update`: new resource limits for a running container, from runc's
//! flags or a runtime-spec `linux.resources` JSON (`-r FILE`, `-` for
//! stdin). Both go through config.json's reader (the flags as the JSON
//! they stand for), so a limit means at `update` what it means at `create`,
//! and through the same cgroup writers.

use core::ffi::CStr;

use rustix::fs::{Mode, OFlags};

use super::lifecycle::id;
use super::state;
use super::{Flag, Global, Opts};
use crate::cgroup::live::Live;
use crate::cgroup::values;
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::sys::arena::Arena;
use crate::sys::args::{Args, CArg, Environ};

/// `--resources`' place in `FLAGS`, where `keep_value` keeps its value;
/// the limits' flags come before it, in `FIELDS`' order.
const RESOURCES: usize = 9;

/// A flag whose value `keep_value` keeps, at the flag's place in its
/// command's table.
macro_rules! value_flag {
    ($names:literal, $value:literal, $help:literal) => {
        Flag {
            text: concat!($names, " ", $value, "\n", $help),
            set: super::keep_value,
        }
    };
}
pub(super) use value_flag;

pub(super) const FLAGS: &[Flag] = &[
    value_flag!(
        "-m, --memory",
        "SIZE",
        "memory limit (bytes, or with k, m, g)"
    ),
    value_flag!(
        "--memory-swap",
        "SIZE",
        "memory plus swap limit; -1: unlimited swap"
    ),
    value_flag!(
        "--memory-reservation",
        "SIZE",
        "memory soft limit (v2 memory.low)"
    ),
    value_flag!("--cpu-quota", "US", "CPU time per period, in microseconds"),
    value_flag!(
        "--cpu-period",
        "US",
        "the period of --cpu-quota (default 100000)"
    ),
    value_flag!("--cpu-shares", "N", "relative CPU weight, 2 to 262144"),
    value_flag!("--cpuset-cpus", "LIST", "CPUs to run on, e.g. 0-2,4"),
    value_flag!("--cpuset-mems", "LIST", "memory nodes to use, e.g. 0"),
    value_flag!("--pids-limit", "N", "most tasks at once"),
    value_flag!(
        "-r, --resources",
        "FILE",
        "a linux.resources JSON (- for stdin); no other flag"
    ),
];

#[derive(Clone, Copy)]
enum Kind {
    Size,
    Swap,
    Int,
    List,
}

/// The members of `linux.resources` the flags set, in their order there.
const GROUPS: [&str; 3] = ["memory", "cpu", "pids"];

/// Each flag as the member of `linux.resources` it stands for (the group
/// by its index in `GROUPS`), in the order of the flags' places in
/// `FLAGS`.
const FIELDS: &[(u8, &str, Kind)] = &[
    (0, "limit", Kind::Size),
    (0, "swap", Kind::Swap),
    (0, "reservation", Kind::Size),
    (1, "quota", Kind::Int),
    (1, "period", Kind::Int),
    (1, "shares", Kind::Int),
    (1, "cpus", Kind::List),
    (1, "mems", Kind::List),
    (2, "limit", Kind::Int),
];

pub fn update(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let given = opts.values[..FIELDS.len()].iter().any(CArg::is_some);
    let mut arena = Arena::map(1 << 20).at("mmap", b"update")?;
    let (text, step) = match opts.values[RESOURCES].get() {
        Some(_) if given => {
            return Err(Error::usage_line(
                "-r FILE holds every limit: give no other flag with it",
            ))
        }
        Some(file) => (read_file(file, &mut arena)?, "update -r:"),
        None => (flags_as_json(opts, &mut arena)?, "update:"),
    };
    let limits = super::config::resources_only(text).map_err(|e| e.in_step(step))?;
    if !limits.any() {
        return Err(Error::usage_line(
            "nothing to update: give a limit (sct update --help) or -r FILE",
        ));
    }
    state::with_live(global.root, id(opts), "update", &mut |st, _| {
        Live::open(&st.cgroups).update(&limits)
    })
}

/// `{"memory":{"limit":N},"cpu":{...},"pids":{...}}` from the flags, each
/// value checked for its form here (naming the flag) and for its range by
/// the reader.
fn flags_as_json(opts: &Opts, arena: &mut Arena) -> Result<&'static [u8]> {
    let mut json = Buf::<1024>::from(b"{");
    for (g, group) in GROUPS.iter().enumerate() {
        if g > 0 {
            json.push(b",");
        }
        json.push(b"\"").push_str(group).push(b"\":{");
        let mut first = true;
        for (slot, &(in_group, key, kind)) in FIELDS.iter().enumerate() {
            let Some(raw) = opts.values[slot].get() else {
                continue;
            };
            if usize::from(in_group) != g {
                continue;
            }
            if !first {
                json.push(b",");
            }
            first = false;
            json.push(b"\"").push_str(key).push(b"\":");
            value(&mut json, raw.to_bytes(), kind).ok_or_else(|| bad_flag(slot, raw))?;
        }
        json.push(b"}");
    }
    json.push(b"}");
    let text = arena
        .bytes(json.as_bytes().len())
        .ok_or_else(|| Error::setup("update", b"", "too many values"))?;
    text.copy_from_slice(json.as_bytes());
    Ok(text)
}

/// A flag's value as JSON, `None` when it is not of the flag's form.
fn value(json: &mut Buf<1024>, raw: &[u8], kind: Kind) -> Option<()> {
    match kind {
        Kind::Size => {
            json.push_u64(values::parse_size(raw)?);
        }
        Kind::Swap => match values::parse_swap(raw)? {
            values::Swap::Unlimited => {
                json.push(b"-1");
            }
            values::Swap::Total(n) => {
                json.push_u64(n);
            }
        },
        Kind::Int => {
            let digits = raw.strip_prefix(b"-").unwrap_or(raw);
            crate::out::parse_u64(digits).filter(|&n| n <= i64::MAX as u64)?;
            json.push(raw);
        }
        Kind::List => {
            json.push(b"\"")
                .push(values::parse_cpuset(raw)?)
                .push(b"\"");
        }
    }
    Some(())
}

#[cold]
fn bad_flag(slot: usize, raw: &CStr) -> Error {
    let flag = &FLAGS[slot];
    let mut shown = Buf::<256>::from(b"--");
    shown.push(flag.name().0).push(b" ").push(raw.to_bytes());
    Error::usage(
        "invalid value: ",
        shown.as_bytes(),
        ": see sct update --help",
    )
}

/// FILE (or stdin for `-`) whole, into the arena.
fn read_file(file: &CStr, arena: &mut Arena) -> Result<&'static [u8]> {
    let path = if file.to_bytes() == b"-" {
        c"/proc/self/fd/0"
    } else {
        file
    };
    let fd = rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
        .at("open", file.to_bytes())?;
    let buf = arena
        .bytes(1 << 20)
        .ok_or_else(|| Error::setup("update", b"", "out of memory"))?;
    let room = buf.len();
    let text = crate::files::read_all(&fd, buf).at("read", file.to_bytes())?;
    if text.len() == room {
        return Err(Error::setup("read", file.to_bytes(), "more than 1 MiB"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_kept_at_the_places_the_readers_take_them_from() {
        assert_eq!(FLAGS[RESOURCES].name().0, b"resources");
        assert_eq!(FIELDS.len(), RESOURCES);
        assert_eq!(
            super::super::events::FLAGS[super::super::events::STATS]
                .name()
                .0,
            b"stats"
        );
    }
}
