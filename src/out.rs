//! Fixed-size text buffers: sct formats its messages without an allocator and
//! without `core::fmt` (which would cost more than the rest of the binary).

use rustix::fd::{AsFd, BorrowedFd};

/// A byte string of at most `N` bytes; longer input is cut and marked `...`.
#[derive(Clone, Copy)]
pub struct Buf<const N: usize> {
    bytes: [u8; N],
    len: usize,
    cut: bool,
}

/// A short text: a path, a value, an option name.
pub type Text = Buf<256>;

/// One whole message line.
pub type Line = Buf<1024>;

impl<const N: usize> Default for Buf<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Buf<N> {
    /// Of zero bytes: the caller's is cleared in place (bpf::Program::new).
    const EMPTY: Self = Buf {
        bytes: [0; N],
        len: 0,
        cut: false,
    };

    pub const fn new() -> Self {
        Self::EMPTY
    }

    pub fn from(s: &[u8]) -> Self {
        let mut b = Self::new();
        b.push(s);
        b
    }

    /// Empties the buffer, for another text in its place (`*b =
    /// Buf::from(..)` builds the new one beside and copies it in).
    pub fn clear(&mut self) -> &mut Self {
        self.len = 0;
        self.cut = false;
        self
    }

    pub fn push(&mut self, s: &[u8]) -> &mut Self {
        push_cut(&mut self.bytes, &mut self.len, &mut self.cut, s);
        self
    }

    /// Pushes `s` with its control characters written as `\xHH`: a value
    /// from the command line or a path must not break a message's one line
    /// (or forge a second one).
    pub fn push_visible(&mut self, s: &[u8]) -> &mut Self {
        // A byte at a time: cut where it will, the text is the same as
        // pushed in runs (push_cut keeps what fits of each push).
        for &c in s {
            if c.is_ascii_control() {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                let hex = [HEX[usize::from(c >> 4)], HEX[usize::from(c & 15)]];
                self.push(b"\\x").push(&hex);
            } else {
                self.push(&[c]);
            }
        }
        self
    }

    pub fn push_str(&mut self, s: &str) -> &mut Self {
        self.push(s.as_bytes())
    }

    pub fn push_u64(&mut self, n: u64) -> &mut Self {
        push_decimal(&mut self.bytes, &mut self.len, &mut self.cut, n);
        self
    }

    pub fn push_i64(&mut self, n: i64) -> &mut Self {
        if n < 0 {
            self.push(b"-");
        }
        self.push_u64(n.unsigned_abs())
    }

    pub fn as_bytes(&self) -> &[u8] {
        prefix(&self.bytes, self.len)
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether input was cut to fit.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// The text up to its first NUL, as a C string (empty if it has none).
    pub fn as_c_str(&self) -> &core::ffi::CStr {
        c_str_in(&self.bytes, self.len)
    }

    /// Writes the whole buffer with as few `write` calls as the fd allows,
    /// so that concurrent writers do not interleave inside one line.
    pub fn write_to<Fd: AsFd>(&self, fd: Fd) {
        write_all(fd.as_fd(), self.as_bytes());
    }
}

/// `bytes[..len]`: one copy of the bounds check for every `Buf<N>::as_bytes`,
/// not one per size.
#[inline(never)]
fn prefix(bytes: &[u8], len: usize) -> &[u8] {
    &bytes[..len]
}

/// `Buf<N>::as_c_str`'s work, for every size: the C string at the start of
/// `bytes[..len]`, or an empty one.
#[inline(never)]
fn c_str_in(bytes: &[u8], len: usize) -> &core::ffi::CStr {
    first_c_str(&bytes[..len]).unwrap_or(c"")
}

/// The bytes of `s` up to its first NUL, as a C string: `None` if it has
/// none. What `CStr::from_bytes_until_nul` does, through the check of
/// `from_bytes_with_nul`, which rustix's path conversion brings into the
/// binary anyway (the other would be 0.25 KB more).
pub fn first_c_str(s: &[u8]) -> Option<&core::ffi::CStr> {
    let end = s.iter().position(|&c| c == 0)?;
    core::ffi::CStr::from_bytes_with_nul(&s[..=end]).ok()
}

/// Writes all of `bytes` with as few `write` calls as the fd allows; gives
/// up at an error (a reader gone, stdout closed), as every caller goes on
/// either way.
pub fn write_all(fd: BorrowedFd<'_>, bytes: &[u8]) {
    let _ = write_whole(fd, bytes);
}

/// `write_all`, which tells the error: for the files OCI mode writes. A
/// write of nothing ends it too.
pub fn write_whole(fd: BorrowedFd<'_>, mut bytes: &[u8]) -> Result<(), rustix::io::Errno> {
    while !bytes.is_empty() {
        match write(fd, bytes)? {
            0 => break,
            n => bytes = &bytes[n..],
        }
    }
    Ok(())
}

/// write(2), retried while interrupted (EINTR): one copy of the retry loop
/// for every writer, where `sys::retry` makes one per call site.
#[inline(never)]
pub fn write(fd: BorrowedFd<'_>, bytes: &[u8]) -> Result<usize, rustix::io::Errno> {
    crate::sys::retry(|| rustix::io::write(fd, bytes))
}

/// read(2), retried while interrupted (EINTR), as `write`.
#[inline(never)]
pub fn read(fd: BorrowedFd<'_>, buf: &mut [u8]) -> Result<usize, rustix::io::Errno> {
    crate::sys::retry(|| rustix::io::read(fd, &mut *buf))
}

/// `Buf::push` for every `N` at once: one copy of the code, not one per
/// size (1.4 KB on x86_64).
#[inline(never)]
fn push_cut(bytes: &mut [u8], len: &mut usize, cut: &mut bool, s: &[u8]) {
    if *cut {
        return;
    }
    let room = bytes.len() - 3 - *len;
    if s.len() > room {
        bytes[*len..*len + room].copy_from_slice(&s[..room]);
        bytes[*len + room..*len + room + 3].copy_from_slice(b"...");
        *len += room + 3;
        *cut = true;
    } else {
        bytes[*len..*len + s.len()].copy_from_slice(s);
        *len += s.len();
    }
}

/// `push_cut` of `n` in decimal: one copy for every `Buf<N>::push_u64`,
/// not one per size.
#[inline(never)]
fn push_decimal(bytes: &mut [u8], len: &mut usize, cut: &mut bool, n: u64) {
    let mut digits = [0u8; 20];
    push_cut(bytes, len, cut, decimal(n, &mut digits));
}

/// `n` in decimal, written at the end of `digits`.
fn decimal(mut n: u64, digits: &mut [u8; 20]) -> &[u8] {
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &digits[i..]
}

/// Plain decimal digits only: no sign, no spaces, no `0x`.
pub fn parse_u64(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in s {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        let mut b = Text::new();
        b.push_u64(0)
            .push(b" ")
            .push_i64(-42)
            .push(b" ")
            .push_u64(u64::MAX);
        assert_eq!(b.as_bytes(), b"0 -42 18446744073709551615");
    }

    #[test]
    fn cuts_long_input_and_marks_it() {
        let mut b = Buf::<8>::new();
        b.push(b"abc").push(b"defghij").push(b"more");
        assert_eq!(b.as_bytes(), b"abcde...");
    }

    #[test]
    fn visible_text_is_cut_as_the_escaped_text_would_be() {
        let raw = b"a\nb\x1bcd\te";
        let escaped = b"a\\x0ab\\x1bcd\\x09e";
        for start in 0..4 {
            let (mut visible, mut whole) = (Buf::<16>::new(), Buf::<16>::new());
            visible.push(&b"....."[..start]).push_visible(raw);
            whole.push(&b"....."[..start]).push(escaped);
            assert_eq!(visible.as_bytes(), whole.as_bytes(), "{start}");
        }
    }
}
