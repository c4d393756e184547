//! Where in a profile a value is, for messages: `syscalls[3].args[0].op`.

use crate::out::Buf;

/// Deepest field a message names (`archMap[1].subArchitectures[0]` is 4).
const MAX_DEPTH: usize = 6;

#[derive(Clone, Copy, Debug)]
enum Segment {
    Key(&'static str),
    Index(usize),
}

/// A path into the profile, from its top.
#[derive(Clone, Copy, Debug)]
pub struct Field {
    segments: [Segment; MAX_DEPTH],
    len: usize,
}

impl Field {
    /// The profile itself.
    pub const ROOT: Field = Field {
        segments: [Segment::Index(0); MAX_DEPTH],
        len: 0,
    };

    fn with(mut self, s: Segment) -> Field {
        if self.len < MAX_DEPTH {
            self.segments[self.len] = s;
            self.len += 1;
        }
        self
    }

    /// The member `name` of this object.
    pub fn key(self, name: &'static str) -> Field {
        self.with(Segment::Key(name))
    }

    /// Element `i` of this array.
    pub fn index(self, i: usize) -> Field {
        self.with(Segment::Index(i))
    }

    pub fn is_root(&self) -> bool {
        self.len == 0
    }

    /// Writes the path as JavaScript would: `syscalls[3].names[0]`.
    pub fn write<const N: usize>(&self, out: &mut Buf<N>) {
        for (i, s) in self.segments[..self.len].iter().enumerate() {
            match *s {
                Segment::Key(k) => {
                    if i > 0 {
                        out.push(b".");
                    }
                    out.push_str(k);
                }
                Segment::Index(n) => {
                    out.push(b"[").push_u64(n as u64).push(b"]");
                }
            }
        }
    }
}
