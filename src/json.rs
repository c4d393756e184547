//! A zero-copy JSON reader, for OCI's config.json and seccomp profiles: no
//! allocator, no copies. [`parse`] checks the whole document once (RFC 8259,
//! nesting at most [`MAX_DEPTH`] deep), then hands out values that borrow
//! the text: strings keep their escapes until [`Str::decode`] writes them
//! into a buffer of the caller's, numbers keep their digits until asked for
//! a type. Pure code: no syscalls.

/// Deepest nesting of arrays and objects accepted; config.json needs 5.
pub const MAX_DEPTH: usize = 64;

/// Why a document was refused: what, and at which byte.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct JsonError {
    pub offset: usize,
    pub what: &'static str,
}

type Result<T> = core::result::Result<T, JsonError>;

fn error<T>(offset: usize, what: &'static str) -> Result<T> {
    Err(JsonError { offset, what })
}

/// A value of a checked document.
#[derive(Clone, Copy, Debug)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Number(Number<'a>),
    String(Str<'a>),
    Array(Array<'a>),
    Object(Object<'a>),
}

/// A number, as written.
#[derive(Clone, Copy, Debug)]
pub struct Number<'a>(&'a [u8]);

/// A string, as written between its quotes (escapes not yet decoded).
#[derive(Clone, Copy, Debug)]
pub struct Str<'a>(&'a [u8]);

/// An array, from `[` to `]`.
#[derive(Clone, Copy, Debug)]
pub struct Array<'a>(&'a [u8]);

/// An object, from `{` to `}`.
#[derive(Clone, Copy, Debug)]
pub struct Object<'a>(&'a [u8]);

/// `[]`, for an absent list.
pub const EMPTY_ARRAY: Array<'static> = Array(b"[]");

/// Checks `text` as one JSON document and returns its top value.
pub fn parse(text: &[u8]) -> Result<Value<'_>> {
    let start = skip_space(text, 0);
    let end = skip_value(text, start, 0)?;
    let rest = skip_space(text, end);
    if rest != text.len() {
        return error(rest, "text after the document");
    }
    Ok(value_of(&text[start..end]))
}

impl<'a> Value<'a> {
    /// What it is, for messages: "a number", "an object"...
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "an array",
            Value::Object(_) => "an object",
        }
    }
}

impl<'a> Number<'a> {
    /// The number as written.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The value, if it is a whole number in u64's range (no fraction, no
    /// exponent, as config.json writes its integers).
    pub fn as_u64(&self) -> Option<u64> {
        crate::out::parse_u64(self.0)
    }

    /// The value, if it is a whole number in i64's range.
    pub fn as_i64(&self) -> Option<i64> {
        match self.0.split_first() {
            Some((b'-', digits)) => {
                let n = crate::out::parse_u64(digits)?;
                0i64.checked_sub_unsigned(n)
            }
            _ => i64::try_from(self.as_u64()?).ok(),
        }
    }

    /// The value as the nearest f64.
    pub fn as_f64(&self) -> Option<f64> {
        core::str::from_utf8(self.0).ok()?.parse().ok()
    }
}

impl<'a> Str<'a> {
    /// The string as written, escapes and all.
    pub fn raw(&self) -> &'a [u8] {
        self.0
    }

    /// Writes the string, escapes decoded, into `buf`; `None` when it does
    /// not fit.
    pub fn decode<'b>(&self, buf: &'b mut [u8]) -> Option<&'b [u8]> {
        let mut len = 0;
        let fits = self.each_char(&mut |bytes| {
            let end = len + bytes.len();
            let Some(place) = buf.get_mut(len..end) else {
                return false;
            };
            place.copy_from_slice(bytes);
            len = end;
            true
        });
        fits.then(|| &buf[..len])
    }

    /// Whether the decoded string is `s`, without a buffer.
    // Not `PartialEq<[u8]>`: `==` would hide that this decodes escapes.
    #[allow(clippy::should_implement_trait)]
    pub fn eq(&self, s: &[u8]) -> bool {
        let mut at = 0;
        let same = self.each_char(&mut |bytes| {
            let same = s.get(at..at + bytes.len()) == Some(bytes);
            at += bytes.len();
            same
        });
        same && at == s.len()
    }

    /// Calls `f` with each character of the decoded string, in UTF-8, until
    /// it returns false; whether it never did. (`dyn`: one copy of the
    /// decoding loop for `decode` and `eq`.)
    fn each_char(&self, f: &mut dyn FnMut(&[u8]) -> bool) -> bool {
        for c in (Chars { raw: self.0, at: 0 }) {
            let mut utf8 = [0u8; 4];
            let bytes: &[u8] = match c {
                Char::Byte(b) => {
                    utf8[0] = b;
                    &utf8[..1]
                }
                Char::Unicode(c) => encode_utf8(c, &mut utf8),
            };
            if !f(bytes) {
                return false;
            }
        }
        true
    }
}

impl<'a> Array<'a> {
    /// The elements, in order.
    pub fn iter(&self) -> Elements<'a> {
        Elements {
            text: self.0,
            at: skip_space(self.0, 1),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

impl<'a> Object<'a> {
    /// The object's text, from `{` to `}`.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.0
    }

    /// The members, in order (a repeated name comes as often as written).
    pub fn iter(&self) -> Members<'a> {
        Members {
            text: self.0,
            at: skip_space(self.0, 1),
        }
    }

    /// The value of the last member named `name` (as serde_json keeps the
    /// last of repeated names).
    pub fn get(&self, name: &[u8]) -> Option<Value<'a>> {
        let mut last = None;
        for (k, v) in self.iter() {
            if k.eq(name) {
                last = Some(v);
            }
        }
        last
    }
}

/// An array's elements.
pub struct Elements<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if self.text.get(self.at)? == &b']' {
            return None;
        }
        let (value, next) = value_and_next(self.text, self.at)?;
        self.at = next;
        Some(value)
    }
}

/// An object's members.
pub struct Members<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Str<'a>, Value<'a>);

    fn next(&mut self) -> Option<(Str<'a>, Value<'a>)> {
        if self.text.get(self.at)? == &b'}' {
            return None;
        }
        let name_end = skip_string(self.text, self.at).ok()?;
        let name = Str(&self.text[self.at + 1..name_end - 1]);
        let colon = skip_space(self.text, name_end);
        let start = skip_space(self.text, colon + 1);
        let (value, next) = value_and_next(self.text, start)?;
        self.at = next;
        Some((name, value))
    }
}

/// The value that starts at `at` of a checked text, and where what comes
/// after it starts: the next element or member (past the `,`), or the
/// closing bracket. Checked by `parse`: the value ends, then `,` or the
/// bracket follows.
fn value_and_next(text: &[u8], at: usize) -> Option<(Value<'_>, usize)> {
    let end = skip_value(text, at, 0).ok()?;
    let after = skip_space(text, end);
    let next = match text.get(after) {
        Some(b',') => skip_space(text, after + 1),
        _ => after,
    };
    Some((value_of(&text[at..end]), next))
}

/// The value whose text is `bytes`, checked.
fn value_of(bytes: &[u8]) -> Value<'_> {
    match bytes.first() {
        Some(b'{') => Value::Object(Object(bytes)),
        Some(b'[') => Value::Array(Array(bytes)),
        Some(b'"') => Value::String(Str(&bytes[1..bytes.len() - 1])),
        Some(b't') => Value::Bool(true),
        Some(b'f') => Value::Bool(false),
        Some(b'n') | None => Value::Null,
        Some(_) => Value::Number(Number(bytes)),
    }
}

fn skip_space(text: &[u8], mut at: usize) -> usize {
    while matches!(text.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        at += 1;
    }
    at
}

/// Checks the value at `at` and returns where it ends.
fn skip_value(text: &[u8], at: usize, depth: usize) -> Result<usize> {
    match text.get(at) {
        None => error(at, "a value is missing"),
        Some(b'{') | Some(b'[') if depth == MAX_DEPTH => error(at, "nested too deep"),
        Some(b'{') => skip_container(text, at, depth, b'}', true),
        Some(b'[') => skip_container(text, at, depth, b']', false),
        Some(b'"') => skip_string(text, at),
        Some(b't') => skip_word(text, at, b"true"),
        Some(b'f') => skip_word(text, at, b"false"),
        Some(b'n') => skip_word(text, at, b"null"),
        Some(b'-' | b'0'..=b'9') => skip_number(text, at),
        Some(_) => error(at, "not a JSON value"),
    }
}

fn skip_word(text: &[u8], at: usize, word: &[u8]) -> Result<usize> {
    if text.get(at..at + word.len()) == Some(word) {
        Ok(at + word.len())
    } else {
        error(at, "not a JSON value")
    }
}

/// An object (members `"name": value`) or an array, up to `close`.
fn skip_container(text: &[u8], at: usize, depth: usize, close: u8, members: bool) -> Result<usize> {
    let mut at = skip_space(text, at + 1);
    if text.get(at) == Some(&close) {
        return Ok(at + 1);
    }
    loop {
        if members {
            if text.get(at) != Some(&b'"') {
                return error(at, "expected a member name in quotes");
            }
            at = skip_space(text, skip_string(text, at)?);
            if text.get(at) != Some(&b':') {
                return error(at, "expected ':' after a member name");
            }
            at = skip_space(text, at + 1);
        }
        at = skip_space(text, skip_value(text, at, depth + 1)?);
        match text.get(at) {
            Some(b',') => at = skip_space(text, at + 1),
            Some(&c) if c == close => return Ok(at + 1),
            _ if members => return error(at, "expected ',' or '}'"),
            _ => return error(at, "expected ',' or ']'"),
        }
    }
}

fn skip_number(text: &[u8], start: usize) -> Result<usize> {
    let digits = |mut at: usize| {
        while matches!(text.get(at), Some(b'0'..=b'9')) {
            at += 1;
        }
        at
    };
    let mut at = start;
    if text.get(at) == Some(&b'-') {
        at += 1;
    }
    at = match text.get(at) {
        Some(b'0') => at + 1,
        Some(b'1'..=b'9') => digits(at),
        _ => return error(at, "a number needs a digit"),
    };
    if text.get(at) == Some(&b'.') {
        let end = digits(at + 1);
        if end == at + 1 {
            return error(end, "a fraction needs a digit");
        }
        at = end;
    }
    if matches!(text.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(text.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let end = digits(at);
        if end == at {
            return error(end, "an exponent needs a digit");
        }
        at = end;
    }
    // As serde_json: a number beyond f64's range is refused, not infinity.
    if beyond_f64(&text[start..at]) {
        return error(start, "a number out of range");
    }
    Ok(at)
}

/// How many digits the integer part of the least number that parses to an
/// infinite f64 has: that number, the midpoint between f64::MAX and the
/// next power of two, is 2^1024 - 2^970, which rounds (to even) to
/// infinity, anything smaller to a finite f64.
const F64_LIMIT_DIGITS: i64 = 309;

/// Whether a number (its syntax checked) would parse to an infinite f64,
/// decided on its digits: core's float parser costs 15 KB of the binary.
fn beyond_f64(n: &[u8]) -> bool {
    let n = n.strip_prefix(b"-").unwrap_or(n);
    let (mantissa, exponent) = match n.iter().position(|&c| c == b'e' || c == b'E') {
        Some(i) => (&n[..i], &n[i + 1..]),
        None => (n, &b""[..]),
    };
    let (negative, exponent) = match exponent.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, exponent),
    };
    let mut e: i64 = 0;
    for &d in exponent {
        e = (e * 10 + i64::from(d - b'0')).min(1 << 40);
    }
    // The value is 0.DIGITS x 10^point, DIGITS from the first that is
    // not 0 on.
    let mut point = if negative { -e } else { e };
    let (mut first, mut fraction) = (None, false);
    for (i, &c) in mantissa.iter().enumerate() {
        match c {
            b'.' => fraction = true,
            b'0' if first.is_none() => point -= i64::from(fraction),
            _ => {
                first = first.or(Some(i));
                point += i64::from(!fraction);
            }
        }
    }
    let Some(first) = first else {
        return false;
    };
    if point != F64_LIMIT_DIGITS {
        return point > F64_LIMIT_DIGITS;
    }
    let mut digits = mantissa[first..].iter().filter(|&&c| c != b'.');
    // The limit is a whole number: the value reaches it exactly when its
    // integer part, the first 309 digits, does. That part is below
    // 10^309 < 2^1056, so 33 words of 32 bits hold it, computed here
    // where the limit's 309 digits took as many bytes of the binary.
    let mut part = [0u32; 33];
    for _ in 0..F64_LIMIT_DIGITS {
        let mut carry = digits.next().map_or(0, |&d| u64::from(d - b'0'));
        for word in &mut part {
            let v = u64::from(*word) * 10 + carry;
            *word = v as u32;
            carry = v >> 32;
        }
    }
    // The limit is (2^54 - 1) x 2^970: the part reaches it when its bits
    // from 970 (word 30's bit 10) up do.
    let high = u128::from(part[32]) << 64 | u128::from(part[31]) << 32 | u128::from(part[30]);
    high >> 10 >= (1 << 54) - 1
}

/// A string, from its opening quote; returns the index after its closing
/// quote. Checks escapes (and \u surrogate pairs) and UTF-8.
fn skip_string(text: &[u8], start: usize) -> Result<usize> {
    let mut at = start + 1;
    loop {
        match text.get(at) {
            None => return error(start, "a string is not closed"),
            Some(b'"') => break,
            Some(b'\\') => {
                at = match text.get(at + 1) {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => at + 2,
                    Some(b'u') => {
                        let Some(unit) = hex4(text, at + 2) else {
                            return error(at, "\\u needs four hex digits");
                        };
                        match unit {
                            0xd800..=0xdbff => {
                                let low = match text.get(at + 6..at + 8) {
                                    Some(b"\\u") => hex4(text, at + 8),
                                    _ => None,
                                };
                                if !matches!(low, Some(0xdc00..=0xdfff)) {
                                    return error(at, "a lone surrogate in \\u");
                                }
                                at + 12
                            }
                            0xdc00..=0xdfff => return error(at, "a lone surrogate in \\u"),
                            _ => at + 6,
                        }
                    }
                    _ => return error(at, "an unknown escape"),
                }
            }
            Some(&c) if c < 0x20 => return error(at, "a control character in a string"),
            Some(_) => at += 1,
        }
    }
    if !is_utf8(&text[start + 1..at]) {
        return error(start, "a string is not UTF-8");
    }
    Ok(at + 1)
}

/// Whether `s` is UTF-8 (RFC 3629): no overlong form, no surrogate,
/// nothing above U+10FFFF. By hand, a byte at a time: core's
/// `str::from_utf8`, with its fast path for ASCII, is three times the code.
fn is_utf8(s: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&lead) = s.get(i) {
        if lead < 0x80 {
            i += 1;
            continue;
        }
        // The sequence's length, and the least code point that needs it.
        let (len, least) = match lead {
            0xc2..=0xdf => (2, 0x80),
            0xe0..=0xef => (3, 0x800),
            0xf0..=0xf4 => (4, 0x1_0000),
            _ => return false,
        };
        let Some(tail) = s.get(i + 1..i + len) else {
            return false;
        };
        let mut code = u32::from(lead) & (0x7f >> len);
        for &b in tail {
            if b & 0xc0 != 0x80 {
                return false;
            }
            code = code << 6 | u32::from(b & 0x3f);
        }
        if code < least || code > 0x10_ffff || (0xd800..=0xdfff).contains(&code) {
            return false;
        }
        i += len;
    }
    true
}

/// The four hex digits at `at`, as a number. Folded by hand: core's
/// `from_str_radix` brings a general parser along.
fn hex4(text: &[u8], at: usize) -> Option<u16> {
    text.get(at..at + 4)?.iter().try_fold(0u16, |n, &c| {
        let digit = char::from(c).to_digit(16)?;
        Some(n << 4 | digit as u16)
    })
}

/// One decoded character of a checked string.
enum Char {
    Byte(u8),
    /// A code point from a `\u` escape (a pair's, for one above U+FFFF).
    Unicode(u32),
}

/// `code`, a code point `parse` checked, in UTF-8. By hand: core's
/// `char::from_u32` and `encode_utf8` check again what `parse` did (no
/// surrogate) and the buffer's room.
fn encode_utf8(code: u32, buf: &mut [u8; 4]) -> &[u8] {
    let len = match code {
        0..=0x7f => {
            buf[0] = code as u8;
            return &buf[..1];
        }
        0x80..=0x7ff => 2,
        0x800..=0xffff => 3,
        _ => 4,
    };
    let mut rest = code;
    for b in buf[1..len].iter_mut().rev() {
        *b = 0x80 | (rest & 0x3f) as u8;
        rest >>= 6;
    }
    // The lead byte: as many 1s as bytes, a 0, then the top bits.
    buf[0] = (0xf00u32 >> len) as u8 | rest as u8;
    &buf[..len]
}

struct Chars<'a> {
    raw: &'a [u8],
    at: usize,
}

impl Iterator for Chars<'_> {
    type Item = Char;

    fn next(&mut self) -> Option<Char> {
        let b = *self.raw.get(self.at)?;
        if b != b'\\' {
            self.at += 1;
            return Some(Char::Byte(b));
        }
        let e = *self.raw.get(self.at + 1)?;
        self.at += 2;
        Some(Char::Byte(match e {
            b'b' => 8,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'u' => {
                let unit = hex4(self.raw, self.at)?;
                self.at += 4;
                let code = if (0xd800..0xdc00).contains(&unit) {
                    let low = hex4(self.raw, self.at + 2)?;
                    self.at += 6;
                    0x10000 + ((u32::from(unit) - 0xd800) << 10) + (u32::from(low) - 0xdc00)
                } else {
                    u32::from(unit)
                };
                return Some(Char::Unicode(code));
            }
            other => other,
        }))
    }
}

/// Where a value sits in a document, for messages (`syscalls[3].args[0]`,
/// `linux.resources.memory`): a chain of frames on the readers' stacks,
/// each pointing to the frame it is in, written out only when a value is
/// refused. Taking a member is three stores, where a copied array of steps
/// was a 150-byte copy at each of some fifty sites. config.json's reader
/// and the seccomp profile's both use it.
#[derive(Clone, Copy, Debug)]
pub struct Path<'a> {
    /// The frame this one is in; `None` at the document's root.
    parent: Option<&'a Path<'a>>,
    step: Step,
}

/// How a frame is reached from its parent. The name's pointer, never null,
/// tells the two apart: a frame is three words (an enum of root, field and
/// index took four).
#[derive(Clone, Copy, Debug)]
enum Step {
    Field(&'static str),
    Index(usize),
}

const _: () = assert!(core::mem::size_of::<Path>() == 3 * core::mem::size_of::<usize>());

impl<'a> Path<'a> {
    /// The document's root.
    pub const ROOT: Path<'static> = Path {
        parent: None,
        step: Step::Field(""),
    };

    /// The member `name` of this object.
    pub fn field(&'a self, name: &'static str) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Field(name),
        }
    }

    /// Element `i` of this array.
    pub fn index(&'a self, i: usize) -> Path<'a> {
        Path {
            parent: Some(self),
            step: Step::Index(i),
        }
    }

    /// Writes the path as JavaScript would: `syscalls[3].names[0]`; the
    /// root writes nothing.
    pub fn write<const N: usize>(&self, out: &mut crate::out::Buf<N>) {
        let Some(parent) = self.parent else {
            return;
        };
        parent.write(out);
        match self.step {
            Step::Field(name) => {
                if parent.parent.is_some() {
                    out.push(b".");
                }
                out.push_str(name);
            }
            Step::Index(i) => {
                out.push(b"[").push_u64(i as u64).push(b"]");
            }
        }
    }
}

#[cfg(test)]
mod tests;

/// Appends `s` as the inside of a JSON string: quotes, backslashes and
/// control characters escaped (RFC 8259, section 7). Bytes from 0x80 on
/// pass as they are: sct writes UTF-8 text it was given.
pub fn push_escaped<const N: usize>(out: &mut crate::out::Buf<N>, s: &[u8]) {
    for &c in s {
        out.push(escaped(c, &mut [0; 6]));
    }
}

/// `c` as it goes inside a JSON string. Apart from `push_escaped`, which
/// has a copy for each size of buffer, so that they share this one.
#[inline(never)]
fn escaped(c: u8, buf: &mut [u8; 6]) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    match c {
        b'"' => b"\\\"",
        b'\\' => b"\\\\",
        b'\n' => b"\\n",
        b'\t' => b"\\t",
        b'\r' => b"\\r",
        0..=0x1f | 0x7f => {
            *buf = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 15)],
            ];
            buf
        }
        _ => {
            buf[0] = c;
            &buf[..1]
        }
    }
}
