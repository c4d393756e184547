//! Name tables packed at compile time.
//!
//! A table of `(&str, number)` pairs costs two words and, in a static-pie
//! binary, a 24-byte relocation per name. Packed, each entry is the number
//! (2 bytes, little-endian), the name's length and the name; `find` walks it.

/// The packed size of `entries`, for the length of the static holding them.
pub const fn packed_len(entries: &[(&str, u32)]) -> usize {
    let mut len = 0;
    let mut i = 0;
    while i < entries.len() {
        len += 3 + entries[i].0.len();
        i += 1;
    }
    len
}

/// `entries` packed; `N` must be `packed_len(entries)`.
pub const fn pack<const N: usize>(entries: &[(&str, u32)]) -> [u8; N] {
    let mut table = [0; N];
    let mut at = 0;
    let mut i = 0;
    while i < entries.len() {
        let (name, number) = (entries[i].0.as_bytes(), entries[i].1);
        assert!(number <= u16::MAX as u32 && name.len() <= u8::MAX as usize);
        let number = (number as u16).to_le_bytes();
        table[at] = number[0];
        table[at + 1] = number[1];
        table[at + 2] = name.len() as u8;
        at += 3;
        let mut j = 0;
        while j < name.len() {
            table[at + j] = name[j];
            j += 1;
        }
        at += name.len();
        i += 1;
    }
    assert!(at == N);
    table
}

/// The number of the first entry whose name `matches`.
pub fn find(table: &[u8], matches: impl Fn(&[u8]) -> bool) -> Option<u32> {
    let mut rest = table;
    while let [lo, hi, len, tail @ ..] = rest {
        let (name, tail) = tail.split_at(usize::from(*len));
        if matches(name) {
            return Some(u16::from_le_bytes([*lo, *hi]).into());
        }
        rest = tail;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRIES: &[(&str, u32)] = &[("a", 1), ("bcd", 300), ("", 7)];
    static PACKED: [u8; packed_len(ENTRIES)] = pack(ENTRIES);

    #[test]
    fn finds_each_entry_and_nothing_else() {
        for &(name, number) in ENTRIES {
            assert_eq!(find(&PACKED, |n| n == name.as_bytes()), Some(number));
        }
        assert_eq!(find(&PACKED, |n| n == b"bc"), None);
        assert_eq!(find(&[], |_| true), None);
    }
}
