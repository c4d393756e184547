//! Small tables of names and what each means (a mount option, a namespace
//! type), packed at compile time as `crate::names` packs its tables: each
//! name its length and its bytes, numbered by place, and the values in an
//! array beside them. A `(&str, value)` pair took 24 bytes, where a name
//! now takes one more than its length and a value its own size.

/// A table's names packed (`crate::names::entries` reads them), and each
/// one's value at its number. `L` is `names_len(table)`, `N` the number
/// of entries.
pub struct Packed<T: 'static, const L: usize, const N: usize> {
    names: [u8; L],
    values: [T; N],
}

/// The length of `table`'s names packed: a byte of length and the bytes,
/// for each.
pub const fn names_len<T>(table: &[(&str, T)]) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < table.len() {
        len += 1 + table[i].0.len();
        i += 1;
    }
    len
}

impl<T: Copy, const L: usize, const N: usize> Packed<T, L, N> {
    pub const fn new(table: &[(&str, T)]) -> Self {
        assert!(table.len() == N && names_len(table) == L);
        let mut names = [0; L];
        let mut values = [table[0].1; N];
        let (mut at, mut i) = (0, 0);
        while i < N {
            at = crate::names::put_name(&mut names, at, table[i].0.as_bytes());
            values[i] = table[i].1;
            i += 1;
        }
        Packed { names, values }
    }

    /// The value of `name`, if the table has it.
    pub fn get(&self, name: &[u8]) -> Option<T> {
        self.values.get(position(&self.names, name)?).copied()
    }

    /// Each name and its value, in the table's order.
    pub fn iter(&'static self) -> impl Iterator<Item = (&'static [u8], T)> {
        crate::names::entries(&self.names).map(|(i, name)| (name, self.values[i as usize]))
    }

    /// The names, in the table's order.
    pub fn names(&'static self) -> impl Iterator<Item = &'static [u8]> {
        crate::names::entries(&self.names).map(|(_, name)| name)
    }
}

/// A list of names alone, packed as a `Packed`'s names. `L` is
/// `list_len(names)`.
pub struct List<const L: usize>([u8; L]);

/// The length of `names` packed.
pub const fn list_len(names: &[&str]) -> usize {
    let (mut len, mut i) = (0, 0);
    while i < names.len() {
        len += 1 + names[i].len();
        i += 1;
    }
    len
}

impl<const L: usize> List<L> {
    pub const fn new(names: &[&str]) -> Self {
        assert!(list_len(names) == L);
        let mut packed = [0; L];
        let (mut at, mut i) = (0, 0);
        while i < names.len() {
            at = crate::names::put_name(&mut packed, at, names[i].as_bytes());
            i += 1;
        }
        List(packed)
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        position(&self.0, name).is_some()
    }

    /// The names, in the list's order.
    pub fn names(&'static self) -> impl Iterator<Item = &'static [u8]> {
        crate::names::entries(&self.0).map(|(_, name)| name)
    }
}

/// Where `name` is among the packed `names`: its number, as every
/// table's search finds it (`names::number_of`).
fn position(names: &[u8], name: &[u8]) -> Option<usize> {
    Some(crate::names::number_of(names, name)? as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &[(&str, u8)] = &[("a", 1), ("bc", 2), ("def", 3)];
    static PACKED: Packed<u8, { names_len(TABLE) }, 3> = Packed::new(TABLE);

    #[test]
    fn each_name_gives_its_value() {
        for &(name, value) in TABLE {
            assert_eq!(PACKED.get(name.as_bytes()), Some(value));
        }
        assert_eq!(PACKED.get(b"b"), None);
        assert_eq!(PACKED.get(b""), None);
        let pairs: std::vec::Vec<(&[u8], u8)> = PACKED.iter().collect();
        assert_eq!(pairs, [(&b"a"[..], 1), (b"bc", 2), (b"def", 3)]);
        let names: std::vec::Vec<&[u8]> = PACKED.names().collect();
        assert_eq!(names, [&b"a"[..], b"bc", b"def"]);
    }

    #[test]
    fn a_list_holds_its_names_alone() {
        const NAMES: &[&str] = &["a b", "c"];
        static LIST: List<{ list_len(NAMES) }> = List::new(NAMES);
        assert!(LIST.contains(b"a b") && LIST.contains(b"c"));
        assert!(!LIST.contains(b"a") && !LIST.contains(b"") && !LIST.contains(b"a bc"));
    }
}
