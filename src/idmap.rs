//! User and group id mappings of a user namespace: `--uidmap` values, the
//! caller's subordinate ranges (`/etc/subuid`, `/etc/subgid`), and the text
//! the kernel's `uid_map`/`gid_map` files and `newuidmap` take.
//!
//! Pure code: no syscalls; the files are read by `userns`.

use crate::out::{parse_u64, Buf, Text};

/// Most lines one map takes: the caller's own id plus four subordinate
/// ranges, or five `--uidmap` values. Every kernel takes five lines
/// (UID_GID_MAP_MAX_BASE_EXTENTS); 340 only since 4.15.
pub const MAX_RANGES: usize = 5;

/// `inside` to `inside + count - 1` in the namespace are `outside` on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdRange {
    pub inside: u32,
    pub outside: u32,
    pub count: u32,
}

/// One map: the lines of a `uid_map` or `gid_map` file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IdMap {
    ranges: [IdRange; MAX_RANGES],
    len: usize,
}

/// The text of a map file, or newuidmap's arguments.
pub type MapText = Buf<512>;

impl IdMap {
    /// `inside` → `outside`, one id.
    pub fn single(inside: u32, outside: u32) -> Self {
        let mut m = IdMap::default();
        m.push(IdRange {
            inside,
            outside,
            count: 1,
        });
        m
    }

    /// Appends a range; false when the map is full.
    pub fn push(&mut self, r: IdRange) -> bool {
        let Some(place) = self.ranges.get_mut(self.len) else {
            return false;
        };
        *place = r;
        self.len += 1;
        true
    }

    pub fn as_slice(&self) -> &[IdRange] {
        &self.ranges[..self.len]
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The host's id for id `inside` of the namespace, if it has one.
    pub fn outside_of(&self, inside: u32) -> Option<u32> {
        self.as_slice().iter().find_map(|r| {
            let offset = inside.checked_sub(r.inside)?;
            (offset < r.count).then(|| r.outside.wrapping_add(offset))
        })
    }

    /// Whether the map names no host id but `outside`, once: what an
    /// ordinary user may write to a map file itself (user_namespaces(7)).
    pub fn is_only(&self, outside: u32) -> bool {
        matches!(self.as_slice(), [r] if r.outside == outside && r.count == 1)
    }

    /// Whether id `inside` of the namespace has an id on the host.
    pub fn maps(&self, inside: u32) -> bool {
        self.as_slice().iter().any(|r| {
            inside >= r.inside && u64::from(inside) < u64::from(r.inside) + u64::from(r.count)
        })
    }

    /// The map as the kernel reads it: `INSIDE OUTSIDE COUNT` per line, all
    /// in one write (user_namespaces(7): the file is written once, whole).
    pub fn file_text(&self) -> MapText {
        let mut t = MapText::new();
        for r in self.as_slice() {
            t.push_u64(r.inside.into())
                .push(b" ")
                .push_u64(r.outside.into())
                .push(b" ")
                .push_u64(r.count.into())
                .push(b"\n");
        }
        t
    }

    /// `newuidmap PID INSIDE OUTSIDE COUNT...`'s arguments after the
    /// program's name, each NUL-terminated.
    pub fn helper_args(&self, pid: u32) -> MapText {
        let mut t = MapText::new();
        t.push_u64(pid.into()).push(b"\0");
        for r in self.as_slice() {
            for n in [r.inside, r.outside, r.count] {
                t.push_u64(n.into()).push(b"\0");
            }
        }
        t
    }
}

/// `CONTAINER:HOST:SIZE` (podman's `--uidmap`): ids `CONTAINER..` inside
/// are `HOST..` on the host.
pub fn parse_range(s: &[u8]) -> Option<IdRange> {
    let mut parts = s.split(|&c| c == b':');
    let mut next = || {
        parts
            .next()
            .and_then(parse_u64)
            .and_then(|n| u32::try_from(n).ok())
    };
    let r = IdRange {
        inside: next()?,
        outside: next()?,
        count: next()?,
    };
    let fits = |start: u32| u64::from(start) + u64::from(r.count) <= u64::from(u32::MAX);
    (parts.next().is_none() && r.count > 0 && fits(r.inside) && fits(r.outside)).then_some(r)
}

/// The name in an `/etc/passwd` line, if the line is user `uid`'s.
pub fn passwd_name(line: &[u8], uid: u32) -> Option<&[u8]> {
    let mut f = line.split(|&c| c == b':');
    let name = f.next()?;
    let id = f.nth(1).and_then(parse_u64)?;
    (id == u64::from(uid) && !name.is_empty()).then_some(name)
}

/// A `NAME:START:COUNT` line of `/etc/subuid` or `/etc/subgid`: the name
/// (or uid) and the two numbers. One reader for `Subordinates` and
/// `AutoRange`.
fn subordinate_line(line: &[u8]) -> Option<(&[u8], u64, u64)> {
    let mut f = line.split(|&c| c == b':');
    let (who, start, count) = (f.next()?, f.next()?, f.next()?);
    Some((who, parse_u64(start)?, parse_u64(count)?))
}

/// The caller's map, built from `/etc/subuid` (or `/etc/subgid`) lines:
/// the caller (`own`) is root, and the subordinate ranges listed for its
/// name or its number follow from 1 on, in file order, as podman maps them.
pub struct Subordinates {
    map: IdMap,
    /// The caller's uid in decimal. A Text, whose methods the binary has
    /// anyway: a Buf<16> brought copies of its own.
    own: Text,
    next_inside: u64,
}

impl Subordinates {
    pub fn new(own: u32) -> Self {
        let mut text = Text::new();
        text.push_u64(own.into());
        Subordinates {
            map: IdMap::single(0, own),
            own: text,
            next_inside: 1,
        }
    }

    /// Takes one `NAME:START:COUNT` (or `UID:START:COUNT`) line.
    pub fn add_line(&mut self, line: &[u8], name: Option<&[u8]>) {
        let Some((who, start, count)) = subordinate_line(line) else {
            return;
        };
        if who != self.own.as_bytes() && Some(who) != name {
            return;
        }
        // Inside ids stay below 2^32 - 1, which means "no id" to the kernel.
        let count = count.min(u64::from(u32::MAX) - self.next_inside);
        let (Ok(outside), Ok(count)) = (u32::try_from(start), u32::try_from(count)) else {
            return;
        };
        if count > 0
            && self.map.push(IdRange {
                inside: self.next_inside as u32,
                outside,
                count,
            })
        {
            self.next_inside += u64::from(count);
        }
    }

    /// The map, if the file gave the caller any range.
    // Out of line: the reading of /etc/subuid and of /etc/subgid each
    // end with it.
    #[inline(never)]
    pub fn into_map(self) -> Option<IdMap> {
        (self.map.len > 1).then_some(self.map)
    }
}

/// How many ids `--userns` maps: 0..65535, the ids images use.
pub const AUTO_COUNT: u32 = 65536;

/// Where `--userns` maps them when root has no subordinate range: the
/// start of useradd's default range (SUB_UID_MIN in login.defs), taken
/// only while no user has been given ids there.
pub const AUTO_FALLBACK: IdRange = IdRange {
    inside: 0,
    outside: 100000,
    count: AUTO_COUNT,
};

/// The host range for `--userns`, from `/etc/subuid` (or `/etc/subgid`)
/// lines: root's first range (by name or as 0), at most AUTO_COUNT ids,
/// else AUTO_FALLBACK unless a line gives any of those ids to someone else.
#[derive(Default)]
pub struct AutoRange {
    root: Option<IdRange>,
    fallback_taken: bool,
}

impl AutoRange {
    /// Takes one `NAME:START:COUNT` line.
    pub fn add_line(&mut self, line: &[u8]) {
        let Some((who, start, count)) = subordinate_line(line) else {
            return;
        };
        if count == 0 || start + count > u64::from(u32::MAX) {
            return;
        }
        if (who == b"root" || who == b"0") && self.root.is_none() {
            self.root = Some(IdRange {
                inside: 0,
                outside: start as u32,
                count: count.min(u64::from(AUTO_COUNT)) as u32,
            });
        }
        let fallback = u64::from(AUTO_FALLBACK.outside);
        if start < fallback + u64::from(AUTO_COUNT) && fallback < start + count {
            self.fallback_taken = true;
        }
    }

    /// The range, if there is one.
    pub fn range(&self) -> Option<IdRange> {
        self.root
            .or((!self.fallback_taken).then_some(AUTO_FALLBACK))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_podman_ranges() {
        assert_eq!(
            parse_range(b"0:100000:65536"),
            Some(IdRange {
                inside: 0,
                outside: 100000,
                count: 65536
            })
        );
        for bad in [
            &b""[..],
            b"0:1",
            b"0:1:0",
            b"0:1:2:3",
            b"a:1:2",
            b"0:-1:2",
            b"0:4294967295:2",
            b"4294967296:0:1",
        ] {
            assert_eq!(parse_range(bad), None, "{}", bad.escape_ascii());
        }
    }

    fn subordinates(text: &[u8], name: Option<&[u8]>, own: u32) -> Option<IdMap> {
        let mut s = Subordinates::new(own);
        for line in text.split(|&c| c == b'\n') {
            s.add_line(line, name);
        }
        s.into_map()
    }

    #[test]
    fn finds_user_names() {
        let passwd =
            b"root:x:0:0:root:/root:/bin/bash\nsct-test:x:1001:1001::/home/sct-test:/bin/sh\n";
        let find = |uid| {
            passwd
                .split(|&c| c == b'\n')
                .find_map(|l| passwd_name(l, uid))
        };
        assert_eq!(find(1001), Some(&b"sct-test"[..]));
        assert_eq!(find(0), Some(&b"root"[..]));
        assert_eq!(find(5), None);
        assert_eq!(passwd_name(b"broken", 0), None);
    }

    #[test]
    fn maps_the_caller_to_root_and_its_ranges_after() {
        let subuid = b"other:100000:65536\nsct-test:165536:65536\n1001:300000:10\n# x\n";
        let map = subordinates(subuid, Some(b"sct-test"), 1001).unwrap();
        assert_eq!(
            map.file_text().as_bytes(),
            b"0 1001 1\n1 165536 65536\n65537 300000 10\n"
        );
        assert!(map.maps(0) && map.maps(1) && map.maps(65546));
        assert!(!map.maps(65547));
        assert_eq!(
            map.helper_args(42).as_bytes(),
            b"42\x000\x001001\x001\x001\x00165536\x0065536\x0065537\x00300000\x0010\x00"
        );
    }

    #[test]
    fn takes_at_most_what_every_kernel_takes() {
        let subuid = b"me:10:1\nme:20:1\nme:30:1\nme:40:1\nme:50:1\nme:60:1\n";
        let map = subordinates(subuid, Some(b"me"), 7).unwrap();
        assert_eq!(map.as_slice().len(), MAX_RANGES);
        assert_eq!(map.as_slice()[4].outside, 40);
    }

    #[test]
    fn no_range_no_map() {
        assert_eq!(subordinates(b"other:1:2\n", Some(b"me"), 7), None);
        assert_eq!(subordinates(b"", None, 7), None);
        assert_eq!(subordinates(b"me:5:0\n", Some(b"me"), 7), None);
    }

    fn auto(text: &[u8]) -> Option<IdRange> {
        let mut a = AutoRange::default();
        text.split(|&c| c == b'\n').for_each(|l| a.add_line(l));
        a.range()
    }

    #[test]
    fn userns_takes_roots_range_or_a_free_fallback() {
        let r = |outside, count| {
            Some(IdRange {
                inside: 0,
                outside,
                count,
            })
        };
        assert_eq!(auto(b""), Some(AUTO_FALLBACK));
        assert_eq!(auto(b"sct-test:3000000000:65536\n"), Some(AUTO_FALLBACK));
        assert_eq!(
            auto(b"me:165536:65536\nroot:1000000:65536\nroot:5:5"),
            r(1000000, 65536)
        );
        // At most 0..65535, and a smaller range as it is.
        assert_eq!(auto(b"0:1000000:1000000\n"), r(1000000, 65536));
        assert_eq!(auto(b"root:1000000:1000\n"), r(1000000, 1000));
        // The fallback is never shared with a user useradd gave it to.
        assert_eq!(auto(b"me:100000:65536\n"), None);
        assert_eq!(auto(b"me:165535:1\n"), None);
        assert_eq!(auto(b"me:165536:1\nyou:99999:1\n"), Some(AUTO_FALLBACK));
        assert_eq!(
            auto(b"me:100000:65536\nroot:200000:65536\n"),
            r(200000, 65536)
        );
        assert_eq!(auto(b"root:1:0\nbad\nroot:x:1\n"), Some(AUTO_FALLBACK));
    }

    #[test]
    fn only_ones_own_id_is_writable_without_a_helper() {
        assert!(IdMap::single(0, 1000).is_only(1000));
        assert!(IdMap::single(5, 1000).is_only(1000));
        assert!(!IdMap::single(0, 1001).is_only(1000));
        assert!(!IdMap::default().is_only(1000));
        let mut two = IdMap::single(0, 1000);
        two.push(IdRange {
            inside: 1,
            outside: 100000,
            count: 65536,
        });
        assert!(!two.is_only(1000));
        let mut wide = IdMap::default();
        wide.push(IdRange {
            inside: 0,
            outside: 1000,
            count: 2,
        });
        assert!(!wide.is_only(1000));
    }

    #[test]
    fn a_single_map_is_one_line() {
        let m = IdMap::single(0, 1000);
        assert_eq!(m.file_text().as_bytes(), b"0 1000 1\n");
        assert!(m.maps(0) && !m.maps(1));
    }
}
