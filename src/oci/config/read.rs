//! Typed access to config.json's values: each getter names the JSON path
//! of what it refuses, and strings are decoded into the arena.

use core::ffi::CStr;

use crate::error::{Error, Result};
use crate::json::{Array, Object, Str, Value};
use crate::oci::has_byte;
use crate::out::{Buf, Text};
use crate::sys::arena::{c_str, Arena};
use crate::sys::args::Argv;

/// Where a value sits in config.json, for messages.
pub type At<'a> = crate::json::Path<'a>;

impl At<'_> {
    /// `sct: config.json: PATH: what`. Out of line: called at a hundred
    /// refusals.
    #[cold]
    #[inline(never)]
    pub fn bad(&self, what: &'static str) -> Error {
        let mut path = Text::new();
        self.write(&mut path);
        if path.is_empty() {
            return Error::setup("config.json", b"", what);
        }
        Error::setup("config.json:", path.as_bytes(), what)
    }

    /// `self.field(name).bad(what)`, where only the refusal needs the
    /// member's path: one call in place of a frame filled at each site.
    #[cold]
    #[inline(never)]
    pub fn bad_member(&self, name: &'static str, what: &'static str) -> Error {
        self.field(name).bad(what)
    }
}

/// A member's value; `null` counts as absent, as Go's decoder (runc's)
/// leaves the field at its zero value.
pub fn get<'t>(obj: Object<'t>, name: &str) -> Option<Value<'t>> {
    match obj.get(name.as_bytes()) {
        None | Some(Value::Null) => None,
        some => some,
    }
}

pub fn object(v: Value<'static>, at: &At) -> Result<Object<'static>> {
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(at.bad("expected an object")),
    }
}

pub fn array(v: Value<'static>, at: &At) -> Result<Array<'static>> {
    match v {
        Value::Array(a) => Ok(a),
        _ => Err(at.bad("expected an array")),
    }
}

pub fn string(v: Value<'static>, at: &At) -> Result<Str<'static>> {
    match v {
        Value::String(s) => Ok(s),
        _ => Err(at.bad("expected a string")),
    }
}

pub fn boolean(v: Value<'static>, at: &At) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(b),
        _ => Err(at.bad("expected true or false")),
    }
}

pub fn int(v: Value<'static>, at: &At) -> Result<i64> {
    match v {
        Value::Number(n) => n
            .as_i64()
            .ok_or_else(|| at.bad("expected a whole number in range")),
        _ => Err(at.bad("expected a number")),
    }
}

pub fn uint(v: Value<'static>, at: &At) -> Result<u64> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| at.bad("expected a whole number from 0")),
        _ => Err(at.bad("expected a number")),
    }
}

/// A uid or gid: (uid_t)-1 means "unchanged" to the kernel.
pub fn id(v: Value<'static>, at: &At) -> Result<u32> {
    u32::try_from(uint(v, at)?)
        .ok()
        .filter(|&n| n != u32::MAX)
        .ok_or_else(|| at.bad("expected an id below 4294967295"))
}

/// The member `name` of `obj`, if there, read by `read` (`string`,
/// `object`...): one call at each optional field, where a `get`, the
/// field's path and the reader each took code of their own.
#[inline(never)]
pub fn optional<T>(
    obj: Object<'static>,
    at: &At,
    name: &'static str,
    read: fn(Value<'static>, &At) -> Result<T>,
) -> Result<Option<T>> {
    match member(obj, at, name) {
        Some((v, at)) => read(v, &at).map(Some),
        None => Ok(None),
    }
}

/// The member `name` of `obj`, which must be there, read by `read`.
#[inline(never)]
pub fn required<T>(
    obj: Object<'static>,
    at: &At,
    name: &'static str,
    read: fn(Value<'static>, &At) -> Result<T>,
) -> Result<T> {
    match member(obj, at, name) {
        Some((v, at)) => read(v, &at),
        None => Err(at.bad_member(name, "required")),
    }
}

/// The member `name` of `obj`, if there, and its path: what `optional`
/// and `required` do whatever they read, in one copy for every reader,
/// where each copy of theirs (one per reader) did it itself.
#[inline(never)]
fn member<'a>(
    obj: Object<'static>,
    at: &'a At<'a>,
    name: &'static str,
) -> Option<(Value<'static>, At<'a>)> {
    get(obj, name).map(|v| (v, at.field(name)))
}

/// The decoded string, borrowed from the document when it has no escape.
pub fn bytes(s: Str<'static>, at: &At, arena: &mut Arena) -> Result<&'static [u8]> {
    let raw = s.raw();
    if !has_byte(raw, b'\\') {
        return Ok(raw);
    }
    let buf = arena.bytes(raw.len()).ok_or_else(|| full(at))?;
    match s.decode(buf) {
        Some(d) => Ok(d),
        None => Err(full(at)),
    }
}

/// The decoded string with a NUL after it, for the kernel.
pub fn c_string(s: Str<'static>, at: &At, arena: &mut Arena) -> Result<&'static CStr> {
    // Decoding never lengthens a string.
    let buf = arena.bytes(s.raw().len() + 1).ok_or_else(|| full(at))?;
    let len = s.decode(buf).ok_or_else(|| full(at))?.len();
    if has_byte(&buf[..len], 0) {
        return Err(at.bad("contains a NUL byte"));
    }
    c_str(buf, len).ok_or_else(|| full(at))
}

/// `prefix` and `s` joined into one C string.
pub fn joined(prefix: &[u8], s: &[u8], at: &At, arena: &mut Arena) -> Result<&'static CStr> {
    let len = prefix.len() + s.len();
    let buf = arena.bytes(len + 1).ok_or_else(|| full(at))?;
    buf[..prefix.len()].copy_from_slice(prefix);
    buf[prefix.len()..len].copy_from_slice(s);
    if has_byte(&buf[..len], 0) {
        return Err(at.bad("contains a NUL byte"));
    }
    c_str(buf, len).ok_or_else(|| full(at))
}

/// `path`, relative to the bundle's directory `dir`, as one C string.
pub fn in_bundle(dir: &[u8], path: &[u8], at: &At, arena: &mut Arena) -> Result<&'static CStr> {
    let mut prefix = Buf::<4200>::from(dir);
    prefix.push(b"/");
    joined(prefix.as_bytes(), path, at, arena)
}

/// An array of strings as an execve-style vector. `keep` sees each decoded
/// string and says how many leading bytes to drop, or why it is refused.
pub fn strings(
    list: Array<'static>,
    at: &At,
    arena: &mut Arena,
    keep: fn(&[u8]) -> core::result::Result<usize, &'static str>,
) -> Result<Argv<'static>> {
    let mut n = 0;
    let mut room = 0;
    for (i, item) in list.iter().enumerate() {
        room += string(item, &at.index(i))?.raw().len() + 1;
        n += 1;
    }
    // One region, the strings one after the other, each ended by its NUL:
    // the vector below walks it.
    let region = arena.bytes(room).ok_or_else(|| full(at))?;
    let mut end = 0;
    for (i, item) in list.iter().enumerate() {
        let at = at.index(i);
        let s = string(item, &at)?;
        let len = s.decode(&mut region[end..]).ok_or_else(|| full(&at))?.len();
        let text = &region[end..end + len];
        if has_byte(text, 0) {
            return Err(at.bad("contains a NUL byte"));
        }
        let drop = keep(text).map_err(|why| at.bad(why))?;
        region.copy_within(end + drop..end + len, end);
        end += len - drop;
        region[end] = 0;
        end += 1;
    }
    let region: &'static [u8] = region;
    let mut next = 0;
    arena
        .vector(n, |_| {
            let s = crate::out::first_c_str(&region[next..]).unwrap_or(c"");
            next += s.to_bytes_with_nul().len();
            s
        })
        .ok_or_else(|| full(at))
}

/// Any string goes.
pub fn any(_: &[u8]) -> core::result::Result<usize, &'static str> {
    Ok(0)
}

/// An absolute path, kept relative to the new root (leading slashes
/// dropped).
pub fn absolute(s: &[u8]) -> core::result::Result<usize, &'static str> {
    let slashes = s.iter().take_while(|&&c| c == b'/').count();
    if slashes == 0 || slashes == s.len() {
        return Err("expected an absolute path below /");
    }
    Ok(slashes)
}

fn full(at: &At) -> Error {
    at.bad("too large for sct's memory for config.json")
}
