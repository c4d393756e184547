//! `mounts`: the kernel filesystems sct mounts anyway, binds, and tmpfs.
//! (`#[inline(never)]`: see `oci::config`.)

use crate::cgroup::values::parse_size;
use crate::cli::{Bind, Config, Propagation, Tmpfs};
use crate::error::Result;
use crate::json::{Str, Value};
use crate::oci::packed::{list_len, names_len, List, Packed};
use crate::out::Text;
use crate::sys::arena::Arena;

use super::read::{self, array, get, object, optional, required, string, At};

/// Mounts every container gets from sct (`spec::MOUNTS`, with its own
/// options): config.json's entries for them are taken as asking for what
/// sct does. cgroup filesystems sct does not mount: the container sees
/// an empty, read-only /sys/fs/cgroup, as with `sct ROOTFS CMD`.
/// Each as its type, a space and its destination; packed in `STANDARD`.
const STANDARD_MOUNTS: &[&str] = &[
    "proc /proc",
    "sysfs /sys",
    "tmpfs /dev",
    "devpts /dev/pts",
    "tmpfs /dev/shm",
    "mqueue /dev/mqueue",
    "cgroup /sys/fs/cgroup",
    "cgroup2 /sys/fs/cgroup",
];

static STANDARD: List<{ list_len(STANDARD_MOUNTS) }> = List::new(STANDARD_MOUNTS);

/// Whether a mount of type `kind` on `dst` is one of `STANDARD`.
fn is_standard(kind: &[u8], dst: &[u8]) -> bool {
    let mut entry = Text::from(kind);
    entry.push(b" ").push(dst);
    STANDARD.contains(entry.as_bytes())
}

/// Where sct mounts itself, so no tmpfs goes: packed in `OWN_DIRS`.
const OWN_DIR_NAMES: &[&str] = &["/", "/dev", "/proc", "/sys"];

static OWN_DIRS: List<{ list_len(OWN_DIR_NAMES) }> = List::new(OWN_DIR_NAMES);

/// Paths longer than this are refused (the child's path buffers).
const PATH_MAX: usize = 1024;

#[inline(never)]
pub fn mounts(
    v: Value<'static>,
    at: &At,
    bundle_dir: &'static [u8],
    arena: &mut Arena,
    cfg: &mut Config,
) -> Result<()> {
    for (i, m) in array(v, at)?.iter().enumerate() {
        let at = at.index(i);
        let m = object(m, &at)?;
        let dst_at = at.field("destination");
        let dst = read::bytes(required(m, &at, "destination", string)?, &dst_at, arena)?;
        if dst.first() != Some(&b'/') || dst.len() >= PATH_MAX {
            return Err(dst_at.bad("expected an absolute path shorter than 1024 bytes"));
        }
        let trimmed = match dst.len() {
            1 => dst,
            _ => dst.strip_suffix(b"/").unwrap_or(dst),
        };
        let kind = optional(m, &at, "type", string)?.map_or(&b""[..], |t| t.raw());
        let options = optional(m, &at, "options", array)?.unwrap_or(crate::json::EMPTY_ARRAY);
        let bind = kind == b"bind"
            || options
                .iter()
                .any(|o| matches!(o, Value::String(s) if s.eq(b"bind") || s.eq(b"rbind")));
        // `runc spec --rootless`'s /sys: what sct binds itself wherever
        // the kernel refuses sysfs (spec::MOUNTS).
        let host_sys = bind
            && trimmed == b"/sys"
            && matches!(get(m, "source"), Some(Value::String(s)) if s.eq(b"/sys"));
        if host_sys {
            // sct's own, with sct's options.
        } else if bind {
            let b = bind_of(m, &at, dst, bundle_dir, arena)?;
            if !cfg.binds.push(b) {
                return Err(at.bad("at most 40 bind mounts"));
            }
        } else if is_standard(kind, trimmed) {
            // sct's own, with sct's options.
        } else if kind == b"tmpfs" {
            if OWN_DIRS.contains(trimmed) {
                return Err(dst_at.bad("sct mounts /, /dev, /proc and /sys itself"));
            }
            let t = tmpfs_of(m, &at, dst)?;
            if !cfg.tmpfs.push(t) {
                return Err(at.bad("at most 16 tmpfs mounts"));
            }
        } else {
            return Err(at.bad_member(
                "type",
                "not supported: sct mounts binds, tmpfs and proc, sysfs, devpts, mqueue, cgroup at their usual places",
            ));
        }
    }
    Ok(())
}

/// The options of mount `at`, each with its path. `dyn`: one copy of the
/// loop for binds and tmpfs.
fn each_option(
    m: crate::json::Object<'static>,
    at: &At,
    f: &mut dyn FnMut(Str<'static>, &At) -> Result<()>,
) -> Result<()> {
    let Some(list) = optional(m, at, "options", array)? else {
        return Ok(());
    };
    let at = at.field("options");
    for (j, o) in list.iter().enumerate() {
        let at = at.index(j);
        f(string(o, &at)?, &at)?;
    }
    Ok(())
}

/// What an option of a bind sets.
#[derive(Clone, Copy)]
enum BindOption {
    Recursive(bool),
    ReadOnly(bool),
    NoSuid(bool),
    Dev(bool),
    NoExec(bool),
    Propagation(Propagation),
}

/// The options sct takes on a bind, as mount(8) spells them: one lookup,
/// where a match on the text compared each arm's. Packed in `BIND`.
const BIND_OPTIONS: &[(&str, BindOption)] = &[
    ("bind", BindOption::Recursive(false)),
    ("rbind", BindOption::Recursive(true)),
    ("ro", BindOption::ReadOnly(true)),
    ("rw", BindOption::ReadOnly(false)),
    ("nosuid", BindOption::NoSuid(true)),
    ("suid", BindOption::NoSuid(false)),
    ("nodev", BindOption::Dev(false)),
    ("dev", BindOption::Dev(true)),
    ("noexec", BindOption::NoExec(true)),
    ("exec", BindOption::NoExec(false)),
    ("private", BindOption::Propagation(Propagation::Private)),
    ("rprivate", BindOption::Propagation(Propagation::Private)),
    ("slave", BindOption::Propagation(Propagation::Slave)),
    ("rslave", BindOption::Propagation(Propagation::Slave)),
];

/// The options sct takes on a tmpfs besides `size=` and `mode=`, and
/// what each makes of noexec (`None`: nothing). sct's tmpfs mounts are
/// always nosuid and nodev; access times stay the kernel's default
/// (relatime).
const TMPFS_OPTIONS: &[(&str, Option<bool>)] = &[
    ("nosuid", None),
    ("nodev", None),
    ("rw", None),
    ("strictatime", None),
    ("relatime", None),
    ("noatime", None),
    ("noexec", Some(true)),
    ("exec", Some(false)),
];

static BIND: Packed<BindOption, { names_len(BIND_OPTIONS) }, { BIND_OPTIONS.len() }> =
    Packed::new(BIND_OPTIONS);
static TMPFS: Packed<Option<bool>, { names_len(TMPFS_OPTIONS) }, { TMPFS_OPTIONS.len() }> =
    Packed::new(TMPFS_OPTIONS);

/// The names of the options sct takes on a bind or a tmpfs, each once, in
/// the tables' order: what `features` lists, read from the tables the
/// reader walks, so that the two cannot drift.
pub fn option_names() -> impl Iterator<Item = &'static [u8]> {
    let tmpfs_only = TMPFS.names().filter(|n| BIND.get(n).is_none());
    BIND.names().chain(tmpfs_only)
}

#[inline(never)]
fn bind_of(
    m: crate::json::Object<'static>,
    at: &At,
    dst: &'static [u8],
    bundle_dir: &'static [u8],
    arena: &mut Arena,
) -> Result<Bind> {
    let src_at = at.field("source");
    let src = read::bytes(required(m, at, "source", string)?, &src_at, arena)?;
    // A relative source is the bundle's, as runc resolves it from there.
    let src = match src.first() {
        None => return Err(src_at.bad("expected a path")),
        Some(b'/') => src,
        Some(_) => read::in_bundle(bundle_dir, src, &src_at, arena)?.to_bytes(),
    };
    if src.len() >= PATH_MAX {
        return Err(src_at.bad("expected a path shorter than 1024 bytes"));
    }
    if dst == b"/" {
        return Err(at.bad_member("destination", "a bind cannot cover /"));
    }
    let mut b = Bind {
        src,
        dst,
        read_only: false,
        // As mount(8) and runc: only the options listed.
        dev: true,
        nosuid: false,
        noexec: false,
        recursive: false,
        propagation: None,
    };
    each_option(m, at, &mut |o, at| {
        let Some(option) = BIND.get(o.raw()) else {
            return Err(at.bad("not supported on a bind: sct takes bind, rbind, ro, rw, [no]suid, [no]dev, [no]exec, [r]private, [r]slave"));
        };
        match option {
            BindOption::Recursive(on) => b.recursive = on,
            BindOption::ReadOnly(on) => b.read_only = on,
            BindOption::NoSuid(on) => b.nosuid = on,
            BindOption::Dev(on) => b.dev = on,
            BindOption::NoExec(on) => b.noexec = on,
            BindOption::Propagation(p) => b.propagation = Some(p),
        }
        Ok(())
    })?;
    Ok(b)
}

#[inline(never)]
fn tmpfs_of(m: crate::json::Object<'static>, at: &At, dst: &'static [u8]) -> Result<Tmpfs> {
    let mut t = Tmpfs {
        dst,
        size: None,
        mode: None,
        noexec: false,
    };
    each_option(m, at, &mut |o, at| {
        let raw = o.raw();
        if let Some(size) = raw.strip_prefix(b"size=") {
            t.size = Some(
                parse_size(size).ok_or_else(|| at.bad("expected size=BYTES, or with k, m or g"))?,
            );
        } else if let Some(mode) = raw.strip_prefix(b"mode=") {
            t.mode = Some(octal(mode).ok_or_else(|| at.bad("expected mode=OCTAL up to 7777"))?);
        } else {
            let Some(noexec) = TMPFS.get(raw) else {
                return Err(at.bad("not supported on a tmpfs: sct takes size=, mode=, noexec, exec, nosuid, nodev, rw"));
            };
            if let Some(noexec) = noexec {
                t.noexec = noexec;
            }
        }
        Ok(())
    })?;
    Ok(t)
}

fn octal(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 4 {
        return None;
    }
    s.iter().try_fold(0u32, |n, &c| match c {
        b'0'..=b'7' => Some(n * 8 + u32::from(c - b'0')),
        _ => None,
    })
}
