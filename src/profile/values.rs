//! Reading a profile's JSON values: members in one pass, numbers, arrays
//! of strings and of objects, each failure naming its field.

use super::{fail, Path, Result};
use crate::json::{Array, Object, Str, Value};

/// The values of the members called `names` (separated by spaces), in
/// one pass over the object (each `Object::get` is one): the last of a
/// repeated name, as `get`. (One string: a slice for each name took 16
/// bytes.)
pub(super) fn members<'a, const N: usize>(o: Object<'a>, names: &[u8]) -> [Option<Value<'a>>; N] {
    let mut values = [None; N];
    fill_members(o, names, &mut values);
    values
}

/// [`members`]' work, not generic: one copy serves every `N`.
#[inline(never)]
fn fill_members<'a>(o: Object<'a>, names: &[u8], values: &mut [Option<Value<'a>>]) {
    for (k, v) in o.iter() {
        if let Some(i) = names.split(|&c| c == b' ').position(|n| k.eq(n)) {
            values[i] = Some(v);
        }
    }
}

/// A member that must be a whole number; refused where it is missing or
/// something else.
pub(super) fn number(v: Option<Value>, at: &Path) -> Result<u64> {
    let Some(v) = v else {
        return fail(at, "missing", b"");
    };
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(n) => Ok(n),
            None => fail(
                at,
                "expected a whole number from 0 to 2^64-1, not",
                n.as_bytes(),
            ),
        },
        _ => fail(at, "expected a number, not", v.kind().as_bytes()),
    }
}

/// Calls `f` with each string of the array `v` and its path, once all
/// its elements are checked to be strings. (A callback: each loop of the
/// caller's over an iterator was 0.3 KB of code.)
pub(super) fn each_string<'a>(
    v: Value<'a>,
    at: &Path,
    f: &mut dyn FnMut(Str<'a>, &Path) -> Result<()>,
) -> Result<()> {
    let a = elements(
        v,
        at,
        |e| matches!(e, Value::String(_)),
        "expected a string, not",
    )?;
    for (i, e) in a.iter().enumerate() {
        if let Value::String(s) = e {
            f(s, &at.index(i))?;
        }
    }
    Ok(())
}

/// Calls `f` with each object of the array `v` and its path, once all
/// its elements are checked to be objects.
pub(super) fn each_object<'a>(
    v: Value<'a>,
    at: &Path,
    f: &mut dyn FnMut(Object<'a>, &Path) -> Result<()>,
) -> Result<()> {
    let a = elements(
        v,
        at,
        |e| matches!(e, Value::Object(_)),
        "expected an object, not",
    )?;
    for (i, e) in a.iter().enumerate() {
        if let Value::Object(o) = e {
            f(o, &at.index(i))?;
        }
    }
    Ok(())
}

/// The array `v`, refused unless each element `is` what `expected` says.
fn elements<'a>(
    v: Value<'a>,
    at: &Path,
    is: fn(&Value) -> bool,
    expected: &'static str,
) -> Result<Array<'a>> {
    let Value::Array(a) = v else {
        return fail(at, "expected an array, not", v.kind().as_bytes());
    };
    for (i, e) in a.iter().enumerate() {
        if !is(&e) {
            return fail(&at.index(i), expected, e.kind().as_bytes());
        }
    }
    Ok(a)
}
