//! A list of at most `N` values in place, without an allocator (heapless's
//! `Vec`): what `Config`'s repeatable options fill.

use core::mem::MaybeUninit;

/// Up to `N` values of a `Copy` type. The free places are left
/// uninitialised: a `[T; N]` of placeholders had to be filled when a
/// `Config` was made, each array built on the stack and copied in (1 KB of
/// code for `Config::new`).
#[derive(Clone, Copy)]
pub struct List<T: Copy, const N: usize> {
    items: [MaybeUninit<T>; N],
    len: usize,
}

impl<T: Copy, const N: usize> List<T, N> {
    pub const fn new() -> Self {
        List {
            items: [MaybeUninit::uninit(); N],
            len: 0,
        }
    }

    /// Appends `item`; false when the list is full.
    pub fn push(&mut self, item: T) -> bool {
        let Some(place) = self.items.get_mut(self.len) else {
            return false;
        };
        place.write(item);
        self.len += 1;
        true
    }

    /// Empties the list.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    pub fn as_slice(&self) -> &[T] {
        // SAFETY: `push` wrote every place below `len` before counting it
        // (so `len` is at most `N`), and `MaybeUninit<T>` has `T`'s layout.
        unsafe { core::slice::from_raw_parts(self.items.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Copy, const N: usize> core::ops::Deref for List<T, N> {
    type Target = [T];

    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: Copy, const N: usize> Default for List<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Copy + core::fmt::Debug, const N: usize> core::fmt::Debug for List<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_list().entries(self.as_slice()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::List;

    #[test]
    fn holds_what_was_pushed_up_to_its_size() {
        let mut l = List::<u32, 2>::new();
        assert!(l.is_empty());
        assert!(l.push(7));
        assert!(l.push(8));
        assert!(!l.push(9));
        assert_eq!(l.as_slice(), &[7, 8]);
        l.clear();
        assert_eq!(l.as_slice(), &[] as &[u32]);
    }
}
