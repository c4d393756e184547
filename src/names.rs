//! Name tables packed at compile time.
//!
//! A table of `(&str, number)` pairs costs two words and, in a static-pie
//! binary, a 24-byte relocation per name. Packed in number order, an entry
//! is its length and its bytes, its number one past the entry's before
//! (the first's is 0), and where numbers skip, a zero length is followed
//! by the next entry's number (2 bytes, little-endian). `pack_runs` makes
//! one, build.rs others (the errnos; the other architectures' syscall
//! names, which it packs with this file's `sixbit`); `entries` walks all.
//! A number beside every syscall name took 0.7 KB more; beside every
//! capability's, 82 bytes.
//!
//! The syscall names are packed six bits a character besides
//! (`Coding::SixBit`): they are written with `_`, `a`-`z` and `0`-`9`
//! alone, and a byte each took 0.9 KB more; the pieces many share
//! (`PIECES`) take one code each. A name is looked up by packing it the
//! same way (`sixbit`) and comparing the bytes.

/// How a table's names are stored.
#[derive(Clone, Copy)]
pub enum Coding {
    /// A byte a character, as written.
    Bytes,
    /// Six bits a character (`sixbit`).
    SixBit,
}

/// The six-bit code of a character of a name: `_` 1, `a`-`z` 2 to 27,
/// `0`-`9` 28 to 37; 38 on are `PIECES`. No code is 0, so that the bits
/// after a name's last code (zeros) cannot be read as more of it: a
/// name's packed bytes are another's only if the names are the same.
const fn sixbit_code(c: u8) -> Option<u8> {
    match c {
        b'_' => Some(1),
        b'a'..=b'z' => Some(c - b'a' + 2),
        b'0'..=b'9' => Some(c - b'0' + 28),
        _ => None,
    }
}

/// Pieces the syscall names share, each packed as one code from 38 on
/// (the codes six bits have beyond the characters'), longest first: a
/// name takes the first piece that fits, `timer_settime` is 5 codes, not
/// 13. Chosen, greedily, for the bytes they save over every
/// architecture's names (the target's table and build.rs's of the
/// others): on x86_64 the two take 1.1 KB less, 3.4 KB, and this list
/// 0.1 KB.
const PIECES: [&str; 26] = [
    "_module", "sched_", "epoll_", "otify_", "mount", "time", "lock", "attr", "id32", "file",
    "name", "get", "set", "sig", "pen", "et", "at", "re", "se", "64", "in", "it", "st", "ad", "er",
    "ct",
];

const FIRST_PIECE: u8 = 38;
const _: () = assert!(FIRST_PIECE as usize + PIECES.len() <= 64);

/// `PIECES` as one string of lengths and bytes: read at run time, a
/// table of slices would cost 16 bytes a piece.
const PIECE_TABLE: [u8; pieces_len()] = {
    let mut table = [0; pieces_len()];
    let (mut at, mut i) = (0, 0);
    while i < PIECES.len() {
        at = put_name(&mut table, at, PIECES[i].as_bytes());
        i += 1;
    }
    table
};

/// Writes `name` into `table` at `at` as its length and its bytes, the
/// way every table here stores a name a byte a character; where the next
/// entry starts.
pub const fn put_name(table: &mut [u8], at: usize, name: &[u8]) -> usize {
    assert!(!name.is_empty() && name.len() <= u8::MAX as usize);
    table[at] = name.len() as u8;
    let mut j = 0;
    while j < name.len() {
        table[at + 1 + j] = name[j];
        j += 1;
    }
    at + 1 + name.len()
}

const fn pieces_len() -> usize {
    let (mut len, mut i) = (0, 0);
    while i < PIECES.len() {
        len += 1 + PIECES[i].len();
        i += 1;
    }
    len
}

/// The code `name` has at byte `i` and how many bytes it takes: the first
/// piece of `PIECE_TABLE` that starts there, else the character's own.
const fn next_code(name: &[u8], i: usize) -> Option<(u8, usize)> {
    let (mut at, mut code) = (0, FIRST_PIECE);
    while at < PIECE_TABLE.len() {
        let len = PIECE_TABLE[at] as usize;
        let mut j = 0;
        while j < len && i + j < name.len() && name[i + j] == PIECE_TABLE[at + 1 + j] {
            j += 1;
        }
        if j == len {
            return Some((code, len));
        }
        at += 1 + len;
        code += 1;
    }
    match sixbit_code(name[i]) {
        Some(code) => Some((code, 1)),
        None => None,
    }
}

/// The bytes `codes` codes take at six bits each.
const fn sixbit_len(codes: usize) -> usize {
    (codes * 6).div_ceil(8)
}

/// How many codes `name` packs to (a character without a code counts one).
const fn code_count(name: &[u8]) -> usize {
    let (mut count, mut i) = (0, 0);
    while i < name.len() {
        i += match next_code(name, i) {
            Some((_, len)) => len,
            None => 1,
        };
        count += 1;
    }
    count
}

/// Packs `name` at six bits a code into `out` from `at` on, the first
/// code in the low bits of the first byte; the bytes it took, or `None`
/// for a character without a code or too little room.
const fn put_sixbit(name: &[u8], out: &mut [u8], at: usize) -> Option<usize> {
    let (mut bits, mut count, mut len) = (0u32, 0, 0);
    let mut i = 0;
    while i < name.len() {
        let Some((code, taken)) = next_code(name, i) else {
            return None;
        };
        bits |= (code as u32) << count;
        count += 6;
        if count >= 8 {
            if at + len >= out.len() {
                return None;
            }
            out[at + len] = bits as u8;
            (bits, count, len) = (bits >> 8, count - 8, len + 1);
        }
        i += taken;
    }
    if count > 0 {
        if at + len >= out.len() {
            return None;
        }
        out[at + len] = bits as u8;
        len += 1;
    }
    Some(len)
}

/// `name` packed as `pack_runs` packs a table's names, to look it up in
/// one; `None` if no name there can be `name` (a character without a code,
/// or longer than `buf` holds).
pub fn sixbit<'a>(name: &[u8], buf: &'a mut [u8; 48]) -> Option<&'a [u8]> {
    let len = put_sixbit(name, buf, 0)?;
    Some(&buf[..len])
}

/// The bytes `name` takes in a table.
const fn coded_len(name: &str, coding: Coding) -> usize {
    match coding {
        Coding::Bytes => name.len(),
        Coding::SixBit => sixbit_len(code_count(name.as_bytes())),
    }
}

/// The packed size of `entries` in number order (see the module's text).
pub const fn runs_len(entries: &[(&str, u32)], coding: Coding) -> usize {
    let (mut len, mut next, mut i) = (0, 0, 0);
    while i < entries.len() {
        if entries[i].1 != next {
            len += 3;
        }
        len += 1 + coded_len(entries[i].0, coding);
        next = entries[i].1 + 1;
        i += 1;
    }
    len
}

/// `entries`, in number order, packed, the names coded as `coding` says;
/// `N` must be `runs_len(entries, coding)`.
pub const fn pack_runs<const N: usize>(entries: &[(&str, u32)], coding: Coding) -> [u8; N] {
    let mut table = [0; N];
    let (mut at, mut next, mut i) = (0, 0, 0);
    while i < entries.len() {
        let (name, number) = (entries[i].0.as_bytes(), entries[i].1);
        let len = coded_len(entries[i].0, coding);
        assert!(number >= next && number <= u16::MAX as u32);
        assert!(!name.is_empty() && len <= u8::MAX as usize);
        if number != next {
            let number = (number as u16).to_le_bytes();
            table[at + 1] = number[0];
            table[at + 2] = number[1];
            at += 3;
        }
        table[at] = len as u8;
        at += 1;
        match coding {
            Coding::Bytes => {
                let mut j = 0;
                while j < len {
                    table[at + j] = name[j];
                    j += 1;
                }
            }
            Coding::SixBit => {
                if put_sixbit(name, &mut table, at).is_none() {
                    panic!("a name with a character sixbit_code has no code for");
                }
            }
        }
        at += len;
        next = number + 1;
        i += 1;
    }
    assert!(at == N);
    table
}

/// `names` numbered from 0 in their order, for `pack_runs` to pack where
/// the numbers mean nothing.
pub const fn numbered<const N: usize>(names: [&str; N]) -> [(&str, u32); N] {
    let mut table = [("", 0); N];
    let mut i = 0;
    while i < N {
        table[i] = (names[i], i as u32);
        i += 1;
    }
    table
}

/// Each entry of a table in number order, with its number.
pub fn entries(table: &[u8]) -> Entries<'_> {
    Entries {
        rest: table,
        number: 0,
    }
}

/// The entry numbered `number` of a table. (This and `number_of` serve
/// every search of a table: a `find` with a closure of each caller's
/// brought a copy of the loop each.)
pub fn entry(table: &[u8], number: u32) -> Option<&[u8]> {
    let (_, entry) = entries(table).find(|&(n, _)| n == number)?;
    Some(entry)
}

/// The number of the entry `name`, as the table stores it, of a table.
pub fn number_of(table: &[u8], name: &[u8]) -> Option<u32> {
    let (number, _) = entries(table).find(|&(_, n)| n == name)?;
    Some(number)
}

pub struct Entries<'a> {
    rest: &'a [u8],
    number: u32,
}

impl<'a> Iterator for Entries<'a> {
    type Item = (u32, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let [len, tail @ ..] = self.rest else {
                return None;
            };
            if *len == 0 {
                let [lo, hi, tail @ ..] = tail else {
                    return None;
                };
                self.number = u16::from_le_bytes([*lo, *hi]).into();
                self.rest = tail;
                continue;
            }
            let (entry, tail) = tail.split_at(usize::from(*len));
            let number = self.number;
            self.number += 1;
            self.rest = tail;
            return Some((number, entry));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RUNS: &[(&str, u32)] = &[("a", 0), ("bc", 1), ("d", 5), ("efg", 300), ("h", 301)];
    static BYTES: [u8; runs_len(RUNS, Coding::Bytes)] = pack_runs(RUNS, Coding::Bytes);
    static SIXBIT: [u8; runs_len(RUNS, Coding::SixBit)] = pack_runs(RUNS, Coding::SixBit);

    #[test]
    fn runs_give_back_each_entry_with_its_number() {
        let back: std::vec::Vec<(u32, &[u8])> = entries(&BYTES).collect();
        let want: std::vec::Vec<(u32, &[u8])> =
            RUNS.iter().map(|&(n, nr)| (nr, n.as_bytes())).collect();
        assert_eq!(back, want);
        // Two skips (to 5, to 300) cost 3 bytes each; the runs cost none.
        assert_eq!(BYTES.len(), 5 + 8 + 6);
        assert_eq!(entries(&[]).next(), None);
    }

    #[test]
    fn sixbit_runs_give_back_each_name_packed() {
        let back: std::vec::Vec<(u32, std::vec::Vec<u8>)> =
            entries(&SIXBIT).map(|(nr, n)| (nr, n.to_vec())).collect();
        let want: std::vec::Vec<(u32, std::vec::Vec<u8>)> = RUNS
            .iter()
            .map(|&(n, nr)| (nr, sixbit(n.as_bytes(), &mut [0; 48]).unwrap().to_vec()))
            .collect();
        assert_eq!(back, want);
        // The names take 1, 2, 1, 3 and 1 bytes.
        assert_eq!(SIXBIT.len(), 5 + 8 + 6);
    }

    #[test]
    fn a_piece_is_one_code() {
        for piece in PIECES {
            assert_eq!(code_count(piece.as_bytes()), 1, "{piece}");
        }
        // time, r, _, set, time.
        assert_eq!(code_count(b"timer_settime"), 5);
    }

    #[test]
    fn sixbit_names_are_the_same_only_where_the_names_are() {
        let names: &[&[u8]] = &[
            b"_",
            b"a",
            b"a_",
            b"a__",
            b"a___",
            b"ab",
            b"ba",
            b"9",
            b"z9_a",
            b"z9_a_",
            b"rt_sigaction",
            b"rt_sigaction_",
            b"pread64",
            b"pread6",
            b"sched_",
            b"sched",
            b"sched_a",
            b"timer_settime",
            b"timer_settim",
        ];
        for (i, a) in names.iter().enumerate() {
            for (j, b) in names.iter().enumerate() {
                let (mut ba, mut bb) = ([0; 48], [0; 48]);
                let (pa, pb) = (sixbit(a, &mut ba), sixbit(b, &mut bb));
                assert_eq!(pa == pb, i == j, "{:?} {:?}", a, b);
            }
        }
        assert_eq!(sixbit(b"A", &mut [0; 48]), None);
        assert_eq!(sixbit(b"a-b", &mut [0; 48]), None);
        assert_eq!(sixbit(&[b'a'; 64], &mut [0; 48]).map(<[u8]>::len), Some(48));
        assert_eq!(sixbit(&[b'a'; 65], &mut [0; 48]), None);
    }
}
