//! A few per-process slots for values that outlive the stack frame that made
//! them: the text of the errors in flight, which the error types point at
//! instead of carrying (see error.rs and profile/refusal.rs).

#[cfg(not(test))]
use core::cell::{Cell, UnsafeCell};

/// `N` (at most 32) values of a `Copy` type, each either free or held.
/// Values go in and come out by copy: no reference into a slot ever leaves
/// this type.
#[cfg(not(test))]
pub struct Slots<T: Copy, const N: usize> {
    values: UnsafeCell<[T; N]>,
    held: Cell<u32>,
}

// SAFETY: sct runs one thread per process: it never clones with CLONE_VM
// (its children get copies of this memory) and installs no signal handler
// (signals are blocked and taken with sigtimedwait, sys/signal.rs), so no
// two accesses to a `Slots` ever overlap.
#[cfg(not(test))]
unsafe impl<T: Copy, const N: usize> Sync for Slots<T, N> {}

#[cfg(not(test))]
impl<T: Copy, const N: usize> Slots<T, N> {
    pub const fn new(value: T) -> Self {
        assert!(N <= 32);
        Slots {
            values: UnsafeCell::new([value; N]),
            held: Cell::new(0),
        }
    }

    /// Holds a free slot and stores `value` there; `None` if all are held.
    pub fn hold(&self, value: T) -> Option<u8> {
        let held = self.held.get();
        let i = (!held).trailing_zeros();
        if i as usize >= N {
            return None;
        }
        self.held.set(held | 1 << i);
        self.set(i as u8, value);
        Some(i as u8)
    }

    /// Frees slot `i`.
    pub fn release(&self, i: u8) {
        self.held.set(self.held.get() & !(1 << i));
    }

    pub fn get(&self, i: u8) -> T {
        // SAFETY: one thread (see the `Sync` impl), and no reference into
        // `values` outlives this statement; `i` is bounds-checked.
        unsafe { (*self.values.get())[usize::from(i)] }
    }

    pub fn set(&self, i: u8, value: T) {
        // SAFETY: as in `get`; `T: Copy`, so the write runs no drop code
        // that could reach back in.
        unsafe { (*self.values.get())[usize::from(i)] = value }
    }
}

/// The test harness runs tests on many threads: there the slots are shared
/// under a lock, with the same interface.
#[cfg(test)]
pub struct Slots<T: Copy, const N: usize> {
    inner: std::sync::Mutex<([T; N], u32)>,
}

#[cfg(test)]
impl<T: Copy, const N: usize> Slots<T, N> {
    pub const fn new(value: T) -> Self {
        assert!(N <= 32);
        Slots {
            inner: std::sync::Mutex::new(([value; N], 0)),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ([T; N], u32)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn hold(&self, value: T) -> Option<u8> {
        let mut s = self.lock();
        let i = (!s.1).trailing_zeros();
        if i as usize >= N {
            return None;
        }
        s.1 |= 1 << i;
        s.0[i as usize] = value;
        Some(i as u8)
    }

    pub fn release(&self, i: u8) {
        self.lock().1 &= !(1 << i);
    }

    pub fn get(&self, i: u8) -> T {
        self.lock().0[usize::from(i)]
    }

    pub fn set(&self, i: u8, value: T) {
        self.lock().0[usize::from(i)] = value;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_until_released_then_reuses() {
        let s: Slots<u32, 2> = Slots::new(0);
        let a = s.hold(10).unwrap();
        let b = s.hold(20).unwrap();
        assert_eq!(s.hold(30), None);
        assert_eq!((s.get(a), s.get(b)), (10, 20));
        s.release(a);
        assert_eq!(s.hold(40), Some(a));
        assert_eq!((s.get(a), s.get(b)), (40, 20));
    }
}
