//! Where in a profile a value is, for messages: `syscalls[3].args[0].op`.

use crate::out::Buf;

/// A path into the profile: one frame per step, each on its reader's
/// stack and pointing to the frame it is in, as the OCI reader's `At`.
/// Taking a member is three stores where a copied array of steps was a
/// 150-byte copy at each of some fifty sites; the path is written out
/// only when a value is refused.
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    /// The frame this one is in; `None` at the profile's top.
    parent: Option<&'a Field<'a>>,
    segment: Segment,
}

#[derive(Clone, Copy, Debug)]
enum Segment {
    Key(&'static str),
    Index(usize),
}

const _: () = assert!(core::mem::size_of::<Field>() == 3 * core::mem::size_of::<usize>());

impl<'a> Field<'a> {
    /// The profile itself.
    pub const ROOT: Field<'static> = Field {
        parent: None,
        segment: Segment::Key(""),
    };

    /// The member `name` of this object.
    pub fn key(&'a self, name: &'static str) -> Field<'a> {
        Field {
            parent: Some(self),
            segment: Segment::Key(name),
        }
    }

    /// Element `i` of this array.
    pub fn index(&'a self, i: usize) -> Field<'a> {
        Field {
            parent: Some(self),
            segment: Segment::Index(i),
        }
    }

    /// Writes the path as JavaScript would: `syscalls[3].names[0]`.
    pub fn write<const N: usize>(&self, out: &mut Buf<N>) {
        let Some(parent) = self.parent else {
            return;
        };
        parent.write(out);
        match self.segment {
            Segment::Key(k) => {
                if parent.parent.is_some() {
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
