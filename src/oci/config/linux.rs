//! `linux`: namespaces, resources and the device rule, the cgroup path,
//! sysctls, masked and read-only paths, propagation and seccomp.
//! (`#[inline(never)]`: see `oci::config`.)

use crate::cgroup::values::{parse_cpuset, Swap, CPU_PERIOD_US};
use crate::cli::{Config, Net, Propagation, Seccomp, MAX_SYSCTLS};
use crate::devices::{parse_access, Kind, Rule, RWM};
use crate::error::Result;
use crate::json::{Object, Value};
use crate::oci::has_byte;
use crate::oci::packed::{list_len, names_len, List, Packed};
use crate::out::Buf;
use crate::sys::arena::Arena;

use super::read::{self, array, boolean, get, int, object, optional, required, string, uint, At};

#[inline(never)]
pub fn linux(l: Object<'static>, at: &At, arena: &mut Arena, cfg: &mut Config) -> Result<()> {
    let user_namespace = namespaces(l, at, arena, cfg)?;
    id_mappings(l, at, user_namespace, cfg)?;
    // Asked for, with these maps: which an ordinary user may also give
    // (userns::plan), unlike the command line's --uidmap.
    cfg.userns = user_namespace;
    if let Some(list) = optional(l, at, "devices", array)? {
        if !list.is_empty() {
            return Err(at.bad_member(
                "devices",
                "not supported yet: sct makes only its standard nodes",
            ));
        }
    }
    if let Some(r) = optional(l, at, "resources", object)? {
        resources(r, &at.field("resources"), cfg)?;
    }
    if let Some(s) = optional(l, at, "cgroupsPath", string)? {
        let at = at.field("cgroupsPath");
        cgroups_path(read::bytes(s, &at, arena)?, &at, cfg)?;
    }
    if let Some(s) = optional(l, at, "sysctl", object)? {
        sysctl(s, &at.field("sysctl"), arena, cfg)?;
    }
    // Given, they replace sct's tables (an empty list masks nothing);
    // absent, sct's own apply.
    if let Some(v) = optional(l, at, "maskedPaths", array)? {
        let list = read::strings(v, &at.field("maskedPaths"), arena, read::absolute)?;
        cfg.masked_paths = Some(list);
    }
    if let Some(v) = optional(l, at, "readonlyPaths", array)? {
        let list = read::strings(v, &at.field("readonlyPaths"), arena, read::absolute)?;
        cfg.readonly_paths = Some(list);
    }
    if let Some(s) = optional(l, at, "rootfsPropagation", string)? {
        const PROPAGATIONS: &[(&str, Propagation)] = &[
            ("private", Propagation::Private),
            ("rprivate", Propagation::Private),
            ("slave", Propagation::Slave),
            ("rslave", Propagation::Slave),
        ];
        static PACKED: Packed<Propagation, { names_len(PROPAGATIONS) }, 4> =
            Packed::new(PROPAGATIONS);
        // Empty is the default, private (a packed name cannot be empty).
        let known = match s.raw() {
            b"" => Some(Propagation::Private),
            raw => PACKED.get(raw),
        };
        let Some(propagation) = known else {
            return Err(at.bad_member(
                "rootfsPropagation",
                "not supported: sct takes private, rprivate, slave or rslave",
            ));
        };
        cfg.rootfs_propagation = propagation;
    }
    // Compiled by the parent with `--seccomp FILE`'s compiler (one
    // compiler, two front ends); the profile is judged against the
    // container's bounding set, which the process's capabilities give.
    if let Some(o) = optional(l, at, "seccomp", object)? {
        cfg.seccomp = Seccomp::Inline(o.as_bytes());
    }
    if let Some(s) = optional(l, at, "mountLabel", string)? {
        if !s.raw().is_empty() {
            return Err(at.bad_member("mountLabel", "not supported: sct applies no LSM label"));
        }
    }
    Ok(())
}

/// The namespace types of config.json, as sct knows them.
#[derive(Clone, Copy, PartialEq)]
enum Namespace {
    Pid,
    Mount,
    Ipc,
    Uts,
    Cgroup,
    Network,
    User,
    Time,
}

/// Each type by its name: one lookup, then a match on the type, where a
/// match on the name compared each arm's text. Packed in `NAMESPACES`.
const NAMESPACE_TYPES: &[(&str, Namespace)] = &[
    ("pid", Namespace::Pid),
    ("mount", Namespace::Mount),
    ("ipc", Namespace::Ipc),
    ("uts", Namespace::Uts),
    ("cgroup", Namespace::Cgroup),
    ("network", Namespace::Network),
    ("user", Namespace::User),
    ("time", Namespace::Time),
];

static NAMESPACES: Packed<Namespace, { names_len(NAMESPACE_TYPES) }, { NAMESPACE_TYPES.len() }> =
    Packed::new(NAMESPACE_TYPES);

/// Namespaces sct always makes, which config.json must therefore list:
/// the first four types (by `Namespace`'s order), each with its refusal.
const ALWAYS: [&str; 4] = [
    "no pid namespace listed: sct always makes one",
    "no mount namespace listed: sct always makes one",
    "no ipc namespace listed: sct always makes one (or joins one by path)",
    "no uts namespace listed: sct always makes one (or joins one by path)",
];
const _: () = assert!(
    Namespace::Pid as u32 == 0
        && Namespace::Mount as u32 == 1
        && Namespace::Ipc as u32 == 2
        && Namespace::Uts as u32 == 3
);

/// `uidMappings` and `gidMappings`: the user namespace's maps, written by
/// sct's parent as for `--uidmap`/`--gidmap` (userns.rs). Both or neither,
/// and only with a user namespace, as runc requires.
#[inline(never)]
fn id_mappings(l: Object<'static>, at: &At, user_namespace: bool, cfg: &mut Config) -> Result<()> {
    for (name, map) in [
        ("uidMappings", &mut cfg.uid_map),
        ("gidMappings", &mut cfg.gid_map),
    ] {
        let list = optional(l, at, name, array)?.unwrap_or(crate::json::EMPTY_ARRAY);
        let at = at.field(name);
        if list.is_empty() == user_namespace {
            return Err(at.bad(match user_namespace {
                true => "required with a user namespace (linux.namespaces)",
                false => "needs a user namespace in linux.namespaces",
            }));
        }
        for (i, m) in list.iter().enumerate() {
            let at = at.index(i);
            let m = object(m, &at)?;
            let id = |field| -> Result<u32> {
                u32::try_from(required(m, &at, field, uint)?)
                    .map_err(|_| at.bad_member(field, "expected a 32-bit id"))
            };
            let range = crate::idmap::IdRange {
                inside: id("containerID")?,
                outside: id("hostID")?,
                count: id("size")?,
            };
            if range.count == 0 {
                return Err(at.bad_member("size", "expected a positive size"));
            }
            if !map.push(range) {
                return Err(at.bad("too many ranges (the kernel takes 340, sct 5)"));
            }
        }
    }
    Ok(())
}

/// Reads `linux.namespaces`; whether it asks for a user namespace.
#[inline(never)]
fn namespaces(l: Object<'static>, at: &At, arena: &mut Arena, cfg: &mut Config) -> Result<bool> {
    let list = required(l, at, "namespaces", array)?;
    let at = at.field("namespaces");
    // The types listed, a bit each.
    let mut seen = 0u32;
    let mut user = false;
    for (i, ns) in list.iter().enumerate() {
        let at = at.index(i);
        let ns = object(ns, &at)?;
        let kind = required(ns, &at, "type", string)?.raw();
        let path_at = at.field("path");
        let path = match optional(ns, &at, "path", string)? {
            Some(p) => {
                let p = read::c_string(p, &path_at, arena)?;
                match p.to_bytes().first() {
                    None => None,
                    Some(b'/') => Some(p),
                    Some(_) => return Err(path_at.bad("expected an absolute path")),
                }
            }
            None => None,
        };
        let Some(kind) = NAMESPACES.get(kind) else {
            return Err(at.bad_member("type", "unknown namespace type"));
        };
        seen |= 1 << kind as u32;
        match (kind, path) {
            (Namespace::Pid | Namespace::Mount | Namespace::Cgroup, Some(_)) => {
                return Err(
                    path_at.bad("not supported: sct joins only network, ipc and uts namespaces")
                )
            }
            (Namespace::Pid | Namespace::Mount | Namespace::Ipc | Namespace::Uts, None) => {}
            (Namespace::Cgroup, None) => cfg.cgroup_ns = true,
            (Namespace::Network, None) => cfg.net = Net::None,
            // The host's network is not made, so the joined one replaces
            // it, not a fresh one.
            (Namespace::Network, Some(p)) => {
                cfg.net = Net::Host;
                cfg.joins.net = Some(p);
            }
            (Namespace::Ipc, Some(p)) => cfg.joins.ipc = Some(p),
            (Namespace::Uts, Some(p)) => cfg.joins.uts = Some(p),
            (Namespace::User, Some(_)) => {
                return Err(path_at.bad("not supported: sct makes the user namespace itself"))
            }
            (Namespace::User, None) => user = true,
            (Namespace::Time, _) => {
                return Err(at.bad_member("type", "not supported: sct makes no time namespace"))
            }
        }
    }
    for (kind, why) in ALWAYS.iter().enumerate() {
        if seen & (1 << kind) == 0 {
            return Err(at.bad(why));
        }
    }
    Ok(user)
}

/// A runtime-spec `linux.resources` object alone (`update -r`), read as
/// config.json's is; errors name the field from there.
pub fn resources_only(text: &'static [u8]) -> Result<crate::cgroup::values::Limits> {
    let Ok(Value::Object(r)) = crate::json::parse(text) else {
        return Err(At::ROOT.bad("expected a JSON object (linux.resources)"));
    };
    let mut cfg = Config::new();
    resources(r, &At::ROOT, &mut cfg)?;
    Ok(cfg.limits)
}

fn resources(r: Object<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    if let Some(m) = optional(r, at, "memory", object)? {
        let at = at.field("memory");
        // -1 (and 0, which runc also leaves alone) mean no limit.
        let limit = |name: &'static str| -> Result<Option<i64>> {
            match optional(m, &at, name, int)? {
                None | Some(-1 | 0) => Ok(None),
                Some(n) if n > 0 => Ok(Some(n)),
                _ => Err(at.bad_member(name, "expected bytes, or -1 for no limit")),
            }
        };
        cfg.limits.memory = limit("limit")?.map(|n| n as u64);
        cfg.limits.memory_reservation = limit("reservation")?.map(|n| n as u64);
        // Swap: -1 is explicitly unlimited, 0 or absent leaves the
        // kernel's default (which needs no swap accounting on v1).
        let unlimited_swap = optional(m, &at, "swap", int)? == Some(-1);
        match (cfg.limits.memory, limit("swap")?) {
            (Some(_), None) if unlimited_swap => cfg.limits.memory_swap = Some(Swap::Unlimited),
            (_, None) => {}
            (Some(mem), Some(total)) if (total as u64) < mem => {
                return Err(at.bad_member("swap", "below memory.limit: it is memory plus swap"))
            }
            (Some(_), Some(total)) => cfg.limits.memory_swap = Some(Swap::Total(total as u64)),
            (None, Some(_)) => return Err(at.bad_member("swap", "needs memory.limit")),
        }
    }
    if let Some(c) = optional(r, at, "cpu", object)? {
        cpu(c, &at.field("cpu"), cfg)?;
    }
    if let Some(p) = optional(r, at, "pids", object)? {
        if let Some(n) = optional(p, &at.field("pids"), "limit", int)? {
            cfg.limits.pids = (n > 0).then_some(n as u64);
        }
    }
    if let Some(v) = get(r, "devices") {
        devices(v, &at.field("devices"), cfg)?;
    }
    Ok(())
}

/// quota/period, shares, cpus, mems.
#[inline(never)]
fn cpu(c: Object<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    let period = match optional(c, at, "period", uint)? {
        None | Some(0) => CPU_PERIOD_US,
        Some(p) => p,
    };
    if let Some(quota) = optional(c, at, "quota", int)? {
        if quota > 0 {
            // sct's quota is per 100 ms; the same share of each period. In
            // two steps, whole periods and the rest, so that nothing
            // overflows 64 bits: u128 division links compiler_builtins'
            // __udivti3, which needs an unwinder on aarch64.
            let (quota, scale) = (quota as u64, CPU_PERIOD_US);
            let per_100ms = (quota / period)
                .saturating_mul(scale)
                .saturating_add((quota % period).saturating_mul(scale) / period);
            if per_100ms < 1000 {
                return Err(at.bad_member(
                    "quota",
                    "below 1% of a CPU (1 ms per 100 ms), the kernel's least",
                ));
            }
            cfg.limits.cpu_quota_us = Some(per_100ms);
        }
    }
    if let Some(shares) = optional(c, at, "shares", uint)? {
        cfg.limits.cpu_shares = match shares {
            // 0: not set, as runc reads it.
            0 => None,
            s @ 2..=262_144 => Some(s),
            _ => {
                return Err(at.bad_member(
                    "shares",
                    "expected 2 to 262144 (1024 is the kernel's default)",
                ))
            }
        };
    }
    if let Some(s) = optional(c, at, "cpus", string)? {
        let raw = s.raw();
        if !raw.is_empty() {
            cfg.limits.cpuset_cpus = Some(
                parse_cpuset(raw)
                    .ok_or_else(|| at.bad_member("cpus", "expected a CPU list like 0-2,4"))?,
            );
        }
    }
    if let Some(s) = optional(c, at, "mems", string)? {
        let raw = s.raw();
        if !raw.is_empty() {
            cfg.limits.cpuset_mems = Some(
                parse_cpuset(raw)
                    .ok_or_else(|| at.bad_member("mems", "expected a node list like 0-1"))?,
            );
        }
    }
    for &name in &["realtimeRuntime", "realtimePeriod"] {
        if let Some(n) = optional(c, at, name, int)? {
            if n != 0 {
                return Err(at.bad_member(name, "not supported: sct sets no realtime budget"));
            }
        }
    }
    Ok(())
}

/// The device rule: sct's default list always applies (`spec::
/// DEFAULT_DEVICE_RULES`, which the devices every runtime allows make
/// up), and each entry after it, in order, as OCI's semantics say. A
/// "deny all" entry ends what came before it in config.json, never the
/// defaults, which is what containerd's list (deny all, then allow the
/// standard nodes) means.
fn devices(v: Value<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    for (i, d) in array(v, at)?.iter().enumerate() {
        let at = at.index(i);
        let d = object(d, &at)?;
        let allow = required(d, &at, "allow", boolean)?;
        let kind = match optional(d, &at, "type", string)? {
            None => Kind::All,
            Some(t) => match t.raw() {
                b"a" => Kind::All,
                b"c" => Kind::Char,
                b"b" => Kind::Block,
                _ => return Err(at.bad_member("type", "expected a, c or b")),
            },
        };
        let number = |name: &'static str| -> Result<Option<u32>> {
            match optional(d, &at, name, int)? {
                None | Some(-1) => Ok(None),
                Some(n) => u32::try_from(n)
                    .ok()
                    .filter(|&n| n <= 0xfffff)
                    .map(Some)
                    .ok_or_else(|| at.bad_member(name, "expected a device number, or -1 for any")),
            }
        };
        let (major, minor) = (number("major")?, number("minor")?);
        let access = match optional(d, &at, "access", string)? {
            None => RWM,
            Some(a) => {
                let raw = a.raw();
                match raw {
                    b"" => RWM,
                    _ => parse_access(raw).ok_or_else(|| {
                        at.bad_member("access", "expected letters from r, w and m")
                    })?,
                }
            }
        };
        let rules = &mut cfg.device_rules;
        if !allow && kind == Kind::All && major.is_none() && minor.is_none() && access == RWM {
            rules.clear();
            continue;
        }
        let rule = Rule {
            allow,
            kind,
            major,
            minor,
            access,
        };
        if !rules.push(rule) {
            return Err(at.bad("at most 32 device rules"));
        }
    }
    Ok(())
}

/// cgroupfs style, `/PARENT/NAME` (containerd's `/default/ID`), relative
/// to each hierarchy's root as runc takes it, with or without the leading
/// slash. systemd's `slice:prefix:name` is refused.
fn cgroups_path(p: &'static [u8], at: &At, cfg: &mut Config) -> Result<()> {
    if has_byte(p, b':') {
        return Err(
            at.bad("not supported: systemd style; sct takes cgroupfs paths like /default/ID")
        );
    }
    let p = p.strip_prefix(b"/").unwrap_or(p);
    if p.split(|&c| c == b'/')
        .any(|c| c.is_empty() || c == b"." || c == b"..")
        || p.len() >= 400
    {
        return Err(at.bad("expected a cgroup path like /default/ID"));
    }
    let (parent, name) = match p.iter().rposition(|&c| c == b'/') {
        Some(slash) => (&p[..slash], &p[slash + 1..]),
        None => (&p[..0], p),
    };
    cfg.cgroup_parent = Some(parent);
    cfg.cgroup_name = Some(name);
    Ok(())
}

/// Only what the container's own namespaces hold, as runc allows: the IPC
/// namespace's kernel.msg*, sem, shm* and fs.mqueue.*, and net.* with a
/// network namespace that is not the host's. kernel.hostname and
/// kernel.domainname are the UTS fields `hostname` and `domainname` set.
fn sysctl(s: Object<'static>, at: &At, arena: &mut Arena, cfg: &mut Config) -> Result<()> {
    const IPC_KEYS: &[&str] = &[
        "kernel.msgmax",
        "kernel.msgmnb",
        "kernel.msgmni",
        "kernel.sem",
        "kernel.shmall",
        "kernel.shmmax",
        "kernel.shmmni",
        "kernel.shm_rmid_forced",
    ];
    static IPC: List<{ list_len(IPC_KEYS) }> = List::new(IPC_KEYS);
    for (key, value) in s.iter() {
        let key = key.raw();
        // Classified in the dotted spelling, whichever the key uses.
        let mut dotted = Buf::<256>::new();
        for &c in key {
            dotted.push(&[if c == b'/' { b'.' } else { c }]);
        }
        let dotted = dotted.as_bytes();
        let ok = if dotted.starts_with(b"net.") {
            if cfg.net == Net::Host && cfg.joins.net.is_none() {
                return Err(at.bad("net.* needs a network namespace of the container's own"));
            }
            true
        } else {
            IPC.contains(dotted) || dotted.starts_with(b"fs.mqueue.")
        };
        if !ok
            || has_byte(key, b'\\')
            || key
                .split(|&c| c == b'.' || c == b'/')
                .any(|c| c.is_empty() || c == b"..")
        {
            return Err(at.bad(
                "only namespaced keys: net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*",
            ));
        }
        let value = read::bytes(string(value, at)?, at, arena)?;
        if has_byte(value, 0) {
            return Err(at.bad("a value contains a NUL byte"));
        }
        // Dots are separators unless the key uses slashes (an interface
        // name such as eth0.100 holds a dot).
        let mut path = Buf::<256>::from(b"proc/sys/");
        let slashes = has_byte(key, b'/');
        for &c in key {
            path.push(&[if c == b'.' && !slashes { b'/' } else { c }]);
        }
        if path.is_cut() {
            return Err(at.bad("a key is too long"));
        }
        let list = &mut cfg.sysctls;
        if list.len() == MAX_SYSCTLS {
            return Err(at.bad("at most 32 entries"));
        }
        list.push((read::joined(path.as_bytes(), b"", at, arena)?, value));
    }
    Ok(())
}
