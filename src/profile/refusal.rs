//! A profile's refusal: the error the reader returns, a byte that points
//! at its texts.

use super::Path;
use crate::out::Buf;

/// Why a profile was refused: the field, what is wrong, and the value
/// where it helps. Those wait in `REFUSALS` while the error lives, which
/// is only a byte: carrying them (208 bytes on x86_64), every `?` copied
/// them.
pub struct ProfileError {
    /// Where the texts are in `REFUSALS`; `NO_SLOT` if all slots were held
    /// (never in sct: a reading ends at its first refusal).
    slot: u8,
}

/// What a `ProfileError` says.
#[derive(Clone, Copy)]
struct Refusal {
    /// The field's path, `syscalls[3].args[0].op`; empty for the profile.
    /// A Text, a size other buffers use (a Buf<96> brought its own copies
    /// of Buf's methods): a path, such as `syscalls[N].excludes.minKernel`,
    /// is at most 29 bytes and its indices' digits.
    field: crate::out::Text,
    /// (An `Option`, so that the slots start as zeros, in .bss.)
    what: Option<&'static str>,
    value: Buf<64>,
}

const NO_SLOT: u8 = u8::MAX;

/// One refusal is alive at a time in sct; the tests run on many threads.
#[cfg(not(test))]
const REFUSAL_SLOTS: usize = 1;
#[cfg(test)]
const REFUSAL_SLOTS: usize = 32;

static REFUSALS: crate::sys::slots::Slots<Refusal, REFUSAL_SLOTS> =
    crate::sys::slots::Slots::new(Refusal {
        field: Buf::new(),
        what: None,
        value: Buf::new(),
    });

impl Drop for ProfileError {
    fn drop(&mut self) {
        if self.slot != NO_SLOT {
            REFUSALS.release(self.slot);
        }
    }
}

// Out of line and not generic: the failure sites call it instead of each
// copying the error into place.
#[cold]
#[inline(never)]
pub(super) fn error(field: &Path, what: &'static str, value: &[u8]) -> ProfileError {
    let mut path = Buf::new();
    field.write(&mut path);
    let slot = REFUSALS
        .hold(Refusal {
            field: path,
            what: Some(what),
            value: Buf::from(value),
        })
        .unwrap_or(NO_SLOT);
    ProfileError { slot }
}

impl ProfileError {
    /// `FIELD: WHAT VALUE`, for the message after the file's name.
    /// (Without a slot, only that it was refused.)
    pub fn describe<const N: usize>(&self, out: &mut Buf<N>) {
        if self.slot == NO_SLOT {
            out.push(b"refused");
            return;
        }
        let r = REFUSALS.get(self.slot);
        if !r.field.is_empty() {
            out.push(r.field.as_bytes()).push(b": ");
        }
        out.push_str(r.what.unwrap_or(""));
        if !r.value.is_empty() {
            out.push(b" ").push_visible(r.value.as_bytes());
        }
    }
}

impl core::fmt::Debug for ProfileError {
    fn fmt(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
        let mut b = Buf::<256>::new();
        self.describe(&mut b);
        f.write_str(core::str::from_utf8(b.as_bytes()).unwrap_or("?"))
    }
}
