//! config.json, the OCI bundle's container description, read into the same
//! `Config` the command line fills (runc's `libcontainer/specconv` is the
//! model): a converter apart from the executor, so the parent and child
//! checklists never learn which front end filled it.
//!
//! [`convert`] is pure: the document is already in memory, and strings are
//! decoded into an [`Arena`] the caller mapped. Every refusal names the
//! JSON path: `sct: config.json: linux.resources.memory.limit: expected a
//! number`. Unknown fields are ignored, as the runtime spec says; fields sct
//! knows but cannot honour are refused, never ignored.
//!
//! The section readers marked `#[inline(never)]` here and in the
//! submodules keep frames of their own: inlined into their one caller,
//! they all lived in `load`'s frame of 11 KB (the `Config` and the path
//! buffer), where each access to a local took a 4-byte offset (-1.1 KB).
//! The others measured smaller inlined.

use core::ffi::CStr;

use rustix::fs::{fstat, open, Mode, OFlags};

use crate::cli::{Config, Net, Seccomp};
use crate::error::{Context, Error, Result};
use crate::json::{self, Object, Value};
use crate::out::{Buf, Text};
use crate::sys::arena::Arena;

pub mod hooks;
mod linux;
mod mounts;
mod process_file;
pub use linux::resources_only;
pub use mounts::option_names as mount_option_names;
mod read;

pub use process_file::load_process;

use read::{array, boolean, get, id, int, object, optional, required, string, uint, At};

/// A bundle's container description.
pub struct Bundle {
    pub cfg: Config,
    /// raw text of config.json's "annotations" object, or b"{}"
    pub annotations: &'static [u8],
    /// The bundle's directory, absolute, as its paths were joined to.
    pub dir: &'static [u8],
}

/// Reads DIR/config.json (DIR absolute) into a Config; strings live in an Arena sized from the file.
pub fn load(dir: &[u8]) -> Result<Bundle> {
    if dir.first() != Some(&b'/') {
        return Err(Error::setup("bundle", dir, "expected an absolute path"));
    }
    let mut path = Buf::<4200>::from(dir);
    path.push(b"/config.json\0");
    if path.is_cut() {
        return Err(Error::os("open", dir, crate::sys::Errno::NAMETOOLONG));
    }
    let shown = &path.as_bytes()[..path.as_bytes().len() - 1];
    // Paths joined to the bundle's are at most 4 KiB each, for the root
    // and each bind.
    let (mut arena, text) = read_whole(
        path.as_c_str(),
        Names {
            shown,
            open: "open",
            mmap: b"config.json",
            too_large: ("config.json", b""),
        },
        (crate::cli::MAX_BINDS + 2) * 4200 + 65536,
    )?;
    let kept = arena
        .bytes(dir.len())
        .ok_or_else(|| Error::setup("config.json", b"", "too large"))?;
    kept.copy_from_slice(dir);
    convert(text, kept, &mut arena)
}

/// How `read_whole` names its file in messages: as shown, the step of its
/// open, the object of its mmap, and the step and object of "too large".
struct Names<'a> {
    shown: &'a [u8],
    open: &'static str,
    mmap: &'a [u8],
    too_large: (&'static str, &'a [u8]),
}

/// Opens `path` and reads it whole into an arena of four times its size
/// and `extra` bytes more: decoded strings are never longer than their
/// text, and an array entry of 3 bytes (`"",`) costs at most 9 (a NUL and
/// an 8-byte pointer). Untouched pages of the mapping cost nothing.
fn read_whole(path: &CStr, names: Names, extra: usize) -> Result<(Arena, &'static [u8])> {
    let shown = names.shown;
    let too_large = || Error::setup(names.too_large.0, names.too_large.1, "too large");
    let fd = open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).at(names.open, shown)?;
    let size = fstat(&fd).at("stat", shown)?.st_size as usize;
    let room = size
        .checked_mul(4)
        .and_then(|n| n.checked_add(extra))
        .ok_or_else(too_large)?;
    let mut arena = Arena::map(room).at("mmap", names.mmap)?;
    let text = arena.bytes(size).ok_or_else(too_large)?;
    let text = crate::files::read_all(&fd, text).at("read", shown)?;
    Ok((arena, text))
}

/// The pure part, testable without files: converts an already-read document.
pub fn convert(
    text: &'static [u8],
    bundle_dir: &'static [u8],
    arena: &mut Arena,
) -> Result<Bundle> {
    let doc = match json::parse(text) {
        Ok(Value::Object(o)) => o,
        Ok(_) => return Err(At::ROOT.bad("expected an object at the top")),
        Err(e) => {
            let mut place = Text::from(b"byte ");
            place.push_u64(e.offset as u64);
            return Err(Error::setup("config.json:", place.as_bytes(), e.what));
        }
    };
    let at = At::ROOT;
    let mut cfg = oci_defaults();
    version(doc, &at)?;
    root(doc, &at, bundle_dir, arena, &mut cfg)?;
    process(doc, &at, arena, &mut cfg)?;
    if let Some(s) = optional(doc, &at, "hostname", string)? {
        let at = at.field("hostname");
        cfg.hostname = read::c_string(s, &at, arena)?;
        if cfg.hostname.to_bytes().len() > 64 {
            return Err(at.bad("at most 64 bytes (HOST_NAME_MAX)"));
        }
    }
    if let Some(s) = optional(doc, &at, "domainname", string)? {
        let at = at.field("domainname");
        let name = read::c_string(s, &at, arena)?;
        if name.to_bytes().len() > 64 {
            return Err(at.bad("at most 64 bytes"));
        }
        cfg.domainname = Some(name);
    }
    if let Some(v) = get(doc, "mounts") {
        mounts::mounts(v, &at.field("mounts"), bundle_dir, arena, &mut cfg)?;
    }
    let linux = required(doc, &at, "linux", object)?;
    linux::linux(linux, &at.field("linux"), arena, &mut cfg)?;
    if let Some(v) = get(doc, "hooks") {
        cfg.hooks.hooks = hooks::hooks(v, &at.field("hooks"), arena)?;
    }
    let annotations = match optional(doc, &at, "annotations", object)? {
        Some(o) => o.as_bytes(),
        None => b"{}",
    };
    Ok(Bundle {
        cfg,
        annotations,
        dir: bundle_dir,
    })
}

/// What a config.json leaves unsaid means runc's behaviour, not the
/// command line's: no capabilities, no seccomp filter, no hostname change,
/// the host's network, no_new_privs off.
fn oci_defaults() -> Config {
    let mut cfg = Config::new();
    cfg.capabilities = 0;
    cfg.seccomp = Seccomp::Unconfined;
    cfg.hostname = c"";
    cfg.net = Net::Host;
    cfg.no_new_privileges = false;
    cfg
}

/// `process.consoleSize`: (height, width); larger than a winsize field
/// holds is as large as it holds.
#[inline(never)]
fn console_size(v: Value<'static>, at: &At) -> Result<(u16, u16)> {
    let size = object(v, at)?;
    let dim = |name| -> Result<u16> {
        let n = required(size, at, name, uint)?;
        Ok(n.min(u64::from(u16::MAX)) as u16)
    };
    Ok((dim("height")?, dim("width")?))
}

fn version(doc: Object<'static>, at: &At) -> Result<()> {
    let at = at.field("ociVersion");
    let v = required(doc, &At::ROOT, "ociVersion", string)?;
    let raw = v.raw();
    if raw == b"1" || raw.starts_with(b"1.") {
        Ok(())
    } else {
        Err(at.bad("sct reads runtime spec 1.x"))
    }
}

/// `root.path` (relative to the bundle, or absolute) and `root.readonly`.
fn root(
    doc: Object<'static>,
    at: &At,
    bundle_dir: &'static [u8],
    arena: &mut Arena,
    cfg: &mut Config,
) -> Result<()> {
    let at = at.field("root");
    let root = required(doc, &At::ROOT, "root", object)?;
    let path_at = at.field("path");
    let path = read::bytes(required(root, &at, "path", string)?, &path_at, arena)?;
    if path.is_empty() {
        return Err(path_at.bad("expected a path"));
    }
    cfg.rootfs = if path[0] == b'/' {
        read::joined(b"", path, &path_at, arena)?
    } else {
        read::in_bundle(bundle_dir, path, &path_at, arena)?
    };
    if let Some(b) = optional(root, &at, "readonly", boolean)? {
        cfg.read_only = b;
    }
    Ok(())
}

fn process(doc: Object<'static>, at: &At, arena: &mut Arena, cfg: &mut Config) -> Result<()> {
    let at = at.field("process");
    let p = required(doc, &At::ROOT, "process", object)?;
    process_object(p, &at, arena, cfg)
}

/// config.json's `process`, or `exec --process FILE`'s whole document.
fn process_object(p: Object<'static>, at: &At, arena: &mut Arena, cfg: &mut Config) -> Result<()> {
    let at = *at;
    if let Some(b) = optional(p, &at, "terminal", boolean)? {
        cfg.terminal = b;
    }
    if let Some(v) = get(p, "consoleSize") {
        cfg.console_size = Some(console_size(v, &at.field("consoleSize"))?);
    }
    let args_at = at.field("args");
    let args = read::strings(required(p, &at, "args", array)?, &args_at, arena, read::any)?;
    if args.get(0).is_none_or(|a| a.is_empty()) {
        return Err(args_at.bad("expected the command and its arguments"));
    }
    cfg.process_args = Some(args);
    // The whole environment: nothing added, as runc.
    let env = optional(p, &at, "env", array)?.unwrap_or(json::EMPTY_ARRAY);
    cfg.process_env = Some(read::strings(env, &at.field("env"), arena, read::any)?);
    let cwd_at = at.field("cwd");
    let cwd = read::c_string(required(p, &at, "cwd", string)?, &cwd_at, arena)?;
    if cwd.to_bytes().first() != Some(&b'/') {
        return Err(cwd_at.bad("expected an absolute path"));
    }
    cfg.workdir = cwd;
    user(required(p, &at, "user", object)?, &at.field("user"), cfg)?;
    if let Some(caps) = optional(p, &at, "capabilities", object)? {
        capabilities(caps, &at.field("capabilities"), cfg)?;
    }
    if let Some(v) = get(p, "rlimits") {
        rlimits(v, &at.field("rlimits"), cfg)?;
    }
    if let Some(b) = optional(p, &at, "noNewPrivileges", boolean)? {
        cfg.no_new_privileges = b;
    }
    if let Some(adj) = optional(p, &at, "oomScoreAdj", int)? {
        if !(-1000..=1000).contains(&adj) {
            return Err(at.bad_member("oomScoreAdj", "expected -1000 to 1000"));
        }
        cfg.oom_score_adj = Some(adj as i32);
    }
    for &name in &["apparmorProfile", "selinuxLabel"] {
        if let Some(s) = optional(p, &at, name, string)? {
            if !s.raw().is_empty() {
                return Err(at.bad_member(name, "not supported: sct applies no LSM label"));
            }
        }
    }
    Ok(())
}

#[inline(never)]
fn user(u: Object<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    let uid = required(u, at, "uid", id)?;
    let gid = required(u, at, "gid", id)?;
    cfg.user = Some((uid, gid));
    if let Some(mask) = optional(u, at, "umask", uint)? {
        if mask > 0o777 {
            return Err(at.bad_member("umask", "expected a mode up to 0777 (511)"));
        }
        cfg.umask = Some(mask as u32);
    }
    if let Some(list) = optional(u, at, "additionalGids", array)? {
        let at = at.field("additionalGids");
        let gids = &mut cfg.additional_gids;
        for (i, g) in list.iter().enumerate() {
            let at = at.index(i);
            if gids.len() == crate::cli::MAX_GIDS {
                return Err(at.bad("at most 32 groups"));
            }
            gids.push(id(g, &at)?);
        }
    }
    Ok(())
}

/// sct keeps one capability mask: the bounding set, which root's CMD also
/// gets as permitted and effective, and any other user's CMD not at all
/// (`child::caps`, docker's rule). runc instead gives each set as listed.
/// So `bounding` becomes `Config::capabilities`; `effective` and
/// `permitted` may only repeat or narrow it (narrower sets still give root
/// the whole bounding set: containerd and Docker list the same set in all
/// three); `inheritable` sct always leaves empty, which can only take away;
/// `ambient` adds nothing for uid 0, whose CMD gets the bounding set anyway
/// (runc's and crun's `spec` list it for root), but sct cannot give it to
/// another user, so there it must be empty.
#[inline(never)]
fn capabilities(caps: Object<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    let mask = |name: &'static str| -> Result<Option<u64>> {
        let Some(list) = optional(caps, at, name, array)? else {
            return Ok(None);
        };
        let at = at.field(name);
        let mut mask = 0u64;
        for (i, c) in list.iter().enumerate() {
            let at = at.index(i);
            // Exactly as capabilities(7) spells them: the names have no
            // lower case, and the lookup, the command line's, ignores case.
            let known = (string(c, &at)?.raw().strip_prefix(b"CAP_"))
                .filter(|bare| !bare.iter().any(u8::is_ascii_lowercase))
                .and_then(|bare| crate::cli::number_but_case(&crate::cli::CAPABILITY_NAMES, bare));
            let Some(cap) = known else {
                return Err(at.bad("unknown capability: see capabilities(7), e.g. CAP_CHOWN"));
            };
            mask |= 1 << cap;
        }
        Ok(Some(mask))
    };
    let bounding = mask("bounding")?.unwrap_or(0);
    for &name in &["effective", "permitted"] {
        if mask(name)?.is_some_and(|m| m & !bounding != 0) {
            return Err(at.bad_member(
                name,
                "sct gives root CMD the bounding set: list no capability outside it",
            ));
        }
    }
    mask("inheritable")?;
    let root = cfg.user.is_none_or(|(uid, _)| uid == 0);
    if mask("ambient")?.is_some_and(|m| m & !bounding != 0 || (m != 0 && !root)) {
        return Err(at.bad_member("ambient", "not supported: sct gives ambient capabilities to no user but root, and only within the bounding set"));
    }
    cfg.capabilities = bounding;
    Ok(())
}

/// `[{"type": "RLIMIT_NOFILE", "hard": N, "soft": N}]`.
#[inline(never)]
fn rlimits(v: Value<'static>, at: &At, cfg: &mut Config) -> Result<()> {
    for (i, r) in array(v, at)?.iter().enumerate() {
        let at = at.index(i);
        let r = object(r, &at)?;
        let name = required(r, &at, "type", string)?.raw();
        let bare = name.strip_prefix(b"RLIMIT_").unwrap_or(b"");
        let known = match bare.iter().all(u8::is_ascii_uppercase) {
            true => crate::cli::number_but_case(&crate::spec::RLIMIT_NAMES, bare),
            false => None,
        };
        let Some(slot) = known else {
            return Err(at.bad_member(
                "type",
                "unknown limit: see getrlimit(2), e.g. RLIMIT_NOFILE",
            ));
        };
        let soft = required(r, &at, "soft", uint)?;
        let hard = required(r, &at, "hard", uint)?;
        if soft > hard {
            return Err(at.bad_member("soft", "above the hard limit"));
        }
        cfg.rlimits[slot as usize] = Some((soft, hard));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
