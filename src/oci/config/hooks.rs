//! `hooks`: host programs run at points of the lifecycle (config.md,
//! "POSIX-platform Hooks"). Checked here, whole, when config.json is read;
//! kept as the object's own text, which `create` also records in the
//! state, so that `start` (poststart) and `delete` (poststop) run the very
//! hooks `create` checked. `oci::hooks` runs them.
//! (`#[inline(never)]`: see `oci::config`.)

use crate::error::Result;
use crate::json::Value;

use super::read::{self, array, get, object, optional, required, string, At};
use crate::sys::arena::Arena;

/// Hooks of one kind, at most: each is a fork, exec and wait on the
/// container's critical path.
pub const MAX_HOOKS: usize = 16;
/// Entries of a hook's `args` or `env`, at most (an exec vector sct builds
/// on its stack).
pub const MAX_STRINGS: usize = 31;
/// Bytes of a hook's text, and so of its decoded path, args and env, at
/// most.
pub const MAX_BYTES: usize = 16384;

/// The kinds, in the order the lifecycle reaches them.
pub const KINDS: [&str; 6] = [
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

/// Checks `hooks` and returns its text, or `b""` when it lists none.
/// Strings are decoded into `arena` only to be checked (with the same
/// reader as `process.args`): the hooks run from the text.
pub fn hooks(v: Value<'static>, at: &At, arena: &mut Arena) -> Result<&'static [u8]> {
    let obj = object(v, at)?;
    let mut any = false;
    for kind in KINDS {
        let Some(list) = optional(obj, at, kind, array)? else {
            continue;
        };
        let at = at.field(kind);
        for (i, h) in list.iter().enumerate() {
            let at = at.index(i);
            if i == MAX_HOOKS {
                return Err(at.bad("at most 16 hooks of a kind"));
            }
            hook(h, &at, arena)?;
            any = true;
        }
    }
    Ok(if any { obj.as_bytes() } else { b"" })
}

/// `{"path": "/abs", "args": [...], "env": [...], "timeout": N}`.
#[inline(never)]
fn hook(v: Value<'static>, at: &At, arena: &mut Arena) -> Result<()> {
    let h = object(v, at)?;
    let path_at = at.field("path");
    let path = read::c_string(required(h, at, "path", string)?, &path_at, arena)?;
    if path.to_bytes().first() != Some(&b'/') {
        return Err(path_at.bad("expected an absolute path"));
    }
    for &name in &["args", "env"] {
        let Some(list) = optional(h, at, name, array)? else {
            continue;
        };
        let at = at.field(name);
        if read::strings(list, &at, arena, read::any)?
            .get(MAX_STRINGS)
            .is_some()
        {
            return Err(at.index(MAX_STRINGS).bad("at most 31 entries"));
        }
    }
    // Decoded, with a NUL each in place of two quotes, every string fits
    // in the room its text takes.
    if h.as_bytes().len() > MAX_BYTES {
        return Err(at.bad("longer than 16 KiB"));
    }
    if let Some(t) = get(h, "timeout") {
        if !matches!(t, Value::Number(n) if n.as_u64().is_some_and(|n| n > 0)) {
            return Err(at.bad_member("timeout", "expected a positive integer"));
        }
    }
    Ok(())
}
