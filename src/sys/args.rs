//! The argument and environment vectors, as the kernel laid them out at exec.
//!
//! They live for the whole process, so every string handed out is `'static`
//! and nothing is copied.

use core::ffi::{c_char, CStr};
use core::marker::PhantomData;

/// `argv` as given to `main`.
#[derive(Clone, Copy)]
pub struct Args {
    argv: *const *const c_char,
    argc: usize,
}

impl Args {
    /// # Safety
    /// `argv` must point to `argc` valid NUL-terminated strings followed by a
    /// NULL pointer, alive for the rest of the process: what the kernel
    /// passes to a program's entry point.
    pub unsafe fn from_raw(argc: i32, argv: *const *const c_char) -> Self {
        Args {
            argv,
            argc: argc.max(0) as usize,
        }
    }

    pub fn len(&self) -> usize {
        self.argc
    }

    pub fn is_empty(&self) -> bool {
        self.argc == 0
    }

    /// Argument `i`; panics when out of range.
    pub fn get(&self, i: usize) -> &'static CStr {
        assert!(i < self.argc);
        // SAFETY: `i < argc`, and `from_raw`'s contract makes every entry below
        // argc a valid, NUL-terminated, process-lifetime string.
        unsafe { CStr::from_ptr(*self.argv.add(i)) }
    }

    /// The vector from argument `i` on, still NULL-terminated: CMD's own argv.
    pub fn tail(&self, i: usize) -> Argv<'static> {
        assert!(i < self.argc);
        // SAFETY: `i < argc`, so the pointer stays inside the vector, whose
        // NULL terminator still follows.
        Argv(unsafe { self.argv.add(i) }, PhantomData)
    }
}

/// A NULL-terminated vector of C strings, ready for `execve`; it borrows the
/// storage it points into.
#[derive(Clone, Copy)]
pub struct Argv<'a>(*const *const c_char, PhantomData<&'a ()>);

impl<'a> Argv<'a> {
    /// # Safety
    /// `ptrs` must point to valid NUL-terminated strings followed by a NULL
    /// pointer, all alive for the rest of the process.
    pub unsafe fn from_raw(ptrs: *const *const c_char) -> Argv<'static> {
        Argv(ptrs, PhantomData)
    }

    pub fn as_ptr(&self) -> *const *const c_char {
        self.0
    }

    /// Entry `i`, or `None` at and after the NULL that ends the vector.
    pub fn get(&self, i: usize) -> Option<&'a CStr> {
        for j in 0..=i {
            // SAFETY: entries before the NULL terminator are valid strings
            // (every constructor's contract); we stop at the terminator.
            let p = unsafe { *self.0.add(j) };
            if p.is_null() {
                return None;
            }
            if j == i {
                // SAFETY: non-NULL entries are valid NUL-terminated strings
                // alive as long as the vector's borrow.
                return Some(unsafe { CStr::from_ptr(p) });
            }
        }
        None
    }
}

impl core::fmt::Debug for Argv<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let mut list = f.debug_list();
        let mut i = 0;
        while let Some(s) = self.get(i) {
            list.entry(&s);
            i += 1;
        }
        list.finish()
    }
}

/// The environment given to sct.
#[derive(Clone, Copy)]
pub struct Environ(*const *const c_char);

impl Environ {
    /// # Safety
    /// `envp` must be NULL or a NULL-terminated vector of valid
    /// NUL-terminated strings alive for the rest of the process.
    pub unsafe fn from_raw(envp: *const *const c_char) -> Self {
        Environ(envp)
    }

    /// The whole vector, for exec'ing sct again with it.
    pub fn as_argv(&self) -> Argv<'static> {
        Argv(self.0, PhantomData)
    }

    /// The whole `name=value` entry, if `name` is set.
    pub fn entry(&self, name: &[u8]) -> Option<&'static CStr> {
        let mut p = self.0;
        if p.is_null() {
            return None;
        }
        loop {
            // SAFETY: `p` walks the vector up to and including its NULL
            // terminator, as `from_raw` promised.
            let entry = unsafe { *p };
            if entry.is_null() {
                return None;
            }
            // SAFETY: non-NULL entries are valid process-lifetime C strings.
            let s = unsafe { CStr::from_ptr(entry) };
            let bytes = s.to_bytes();
            if bytes.len() > name.len() && bytes.starts_with(name) && bytes[name.len()] == b'=' {
                return Some(s);
            }
            // SAFETY: we have not reached the terminator yet.
            p = unsafe { p.add(1) };
        }
    }
}

/// An optional `'static` C string as one thin pointer (NULL: none), for
/// OCI mode's parsed flags (`oci::Opts`). `None` of an `Option<&CStr>`
/// writes its pointer and leaves its length, so the options were cleared
/// one 8-byte store per field; these are zeros throughout, cleared 16
/// bytes at a time (oci::main 120 bytes smaller). Read, each costs a
/// `strlen`: `bytes_or` is that in one place.
#[derive(Clone, Copy)]
pub struct CArg(*const c_char);

impl Default for CArg {
    fn default() -> Self {
        CArg(core::ptr::null())
    }
}

impl CArg {
    pub fn set(&mut self, s: &'static CStr) {
        self.0 = s.as_ptr();
    }

    pub fn get(self) -> Option<&'static CStr> {
        if self.0.is_null() {
            return None;
        }
        // SAFETY: a non-NULL pointer was set from a `&'static CStr`.
        Some(unsafe { CStr::from_ptr(self.0) })
    }

    pub fn is_some(&self) -> bool {
        !self.0.is_null()
    }

    pub fn is_none(&self) -> bool {
        self.0.is_null()
    }

    /// The string's bytes, or `none`'s where there is none: one call
    /// for what each caller spelled as `get().map_or(..)`.
    pub fn bytes_or(self, none: &'static [u8]) -> &'static [u8] {
        self.get().map_or(none, CStr::to_bytes)
    }
}

/// A fixed-capacity, NULL-terminated vector of `'static` C strings, built
/// without an allocator (the container's environment).
pub struct CStrVec<const N: usize> {
    ptrs: [*const c_char; N],
    len: usize,
}

impl<const N: usize> Default for CStrVec<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> CStrVec<N> {
    /// Of zero bytes: the caller's is cleared in place, where one built in
    /// `new` was cleared on the side and copied over (bpf::Program::new).
    const EMPTY: Self = CStrVec {
        ptrs: [core::ptr::null(); N],
        len: 0,
    };

    pub const fn new() -> Self {
        Self::EMPTY
    }

    /// Appends `s`; returns false when full (one slot stays NULL).
    pub fn push(&mut self, s: &'static CStr) -> bool {
        if self.len + 1 >= N {
            return false;
        }
        self.ptrs[self.len] = s.as_ptr();
        self.len += 1;
        true
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> &'static CStr {
        assert!(i < self.len);
        // SAFETY: every slot below `len` was filled by `push` from a
        // `&'static CStr`.
        unsafe { CStr::from_ptr(self.ptrs[i]) }
    }

    /// Replaces entry `i`.
    pub fn set(&mut self, i: usize, s: &'static CStr) {
        assert!(i < self.len);
        self.ptrs[i] = s.as_ptr();
    }

    pub fn as_argv(&self) -> Argv<'_> {
        Argv(self.ptrs.as_ptr(), PhantomData)
    }
}

/// Calls `f` with `strs` as a NULL-terminated vector, for exec'ing a helper
/// whose arguments sct has formatted (`newuidmap`). At most 31 entries: the
/// rest are left out.
pub fn with_argv<R>(strs: &[&CStr], f: impl FnOnce(Argv<'_>) -> R) -> R {
    let mut ptrs = [core::ptr::null::<c_char>(); 32];
    for (slot, s) in ptrs[..31].iter_mut().zip(strs) {
        *slot = s.as_ptr();
    }
    f(Argv(ptrs.as_ptr(), PhantomData))
}
