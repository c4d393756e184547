//! Reading a profile's JSON values: members in one pass, numbers, arrays
//! of strings and of objects, each failure naming its field.

use super::{fail, Path, Result};
use crate::json::{Array, Object, Str, Value};

/// The values of the members called `names`, in one pass over the object
/// (each `Object::get` is one): the last of a repeated name, as `get`.
pub(super) fn members<'a, const N: usize>(
    o: Object<'a>,
    names: [&[u8]; N],
) -> [Option<Value<'a>>; N] {
    let mut values = [None; N];
    fill_members(o, &names, &mut values);
    values
}

/// [`members`]' work, not generic: one copy serves every `N`.
#[inline(never)]
fn fill_members<'a>(o: Object<'a>, names: &[&[u8]], values: &mut [Option<Value<'a>>]) {
    for (k, v) in o.iter() {
        if let Some(i) = names.iter().position(|n| k.eq(n)) {
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

pub(super) fn strings<'a>(
    v: Value<'a>,
    at: &Path,
) -> Result<impl Iterator<Item = (usize, Str<'a>)>> {
    let Value::Array(a) = v else {
        return fail(at, "expected an array, not", v.kind().as_bytes());
    };
    if let Some((i, e)) = a
        .iter()
        .enumerate()
        .find(|(_, e)| !matches!(e, Value::String(_)))
    {
        return fail(&at.index(i), "expected a string, not", e.kind().as_bytes());
    }
    Ok(a.iter().enumerate().filter_map(|(i, e)| match e {
        Value::String(s) => Some((i, s)),
        _ => None,
    }))
}

pub(super) fn objects<'a>(
    v: Value<'a>,
    at: &Path,
) -> Result<impl Iterator<Item = (usize, Object<'a>)>> {
    let a: Array = match v {
        Value::Array(a) => a,
        _ => return fail(at, "expected an array, not", v.kind().as_bytes()),
    };
    if let Some((i, e)) = a
        .iter()
        .enumerate()
        .find(|(_, e)| !matches!(e, Value::Object(_)))
    {
        return fail(&at.index(i), "expected an object, not", e.kind().as_bytes());
    }
    Ok(a.iter().enumerate().filter_map(|(i, e)| match e {
        Value::Object(o) => Some((i, o)),
        _ => None,
    }))
}
