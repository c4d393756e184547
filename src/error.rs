//! sct's one error type: which step failed, on what, and the errno.
//!
//! Errors carry their context from the failure site and are rendered once, at
//! the top (or sent to the parent when they happen in the child):
//! `sct: pivot_root /srv/rootfs: EINVAL (Invalid argument)`.

use crate::out::{Line, Text};
use crate::sys::Errno;

/// What failed, which decides the exit code (docker/podman convention).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// The command line is wrong; nothing was created. Exit 125.
    Usage,
    /// A step of sct's own failed. Exit 125.
    Setup,
    /// CMD could not be executed: 127 when not found, 126 otherwise.
    Exec,
}

pub const EXIT_SCT_FAILED: u8 = 125;
pub const EXIT_CANNOT_EXECUTE: u8 = 126;
pub const EXIT_NOT_FOUND: u8 = 127;

#[derive(Clone, Copy)]
pub struct Error {
    kind: Kind,
    /// The step (`mount`, `pivot_root`), or for usage errors the text
    /// before the object.
    step: &'static str,
    object: Text,
    errno: Option<Errno>,
    /// For usage errors, the text after the object.
    detail: &'static str,
    hint: Option<&'static str>,
}

pub type Result<T, E = Error> = core::result::Result<T, E>;

// The constructors are called at a hundred failure sites: kept out of line,
// each site is a call instead of a copy of the whole 300-byte fill (12 KB of
// the x86_64 binary).
impl Error {
    /// A step failed with `errno`.
    #[cold]
    #[inline(never)]
    pub fn os(step: &'static str, object: &[u8], errno: Errno) -> Self {
        Error {
            kind: Kind::Setup,
            step,
            object: Text::from(object),
            errno: Some(errno),
            detail: "",
            hint: None,
        }
    }

    /// CMD could not be executed.
    pub fn exec(object: &[u8], errno: Errno) -> Self {
        Error {
            kind: Kind::Exec,
            ..Self::os("exec", object, errno)
        }
    }

    /// A misuse of the command line: `before` + `object` + `after`.
    #[cold]
    #[inline(never)]
    pub fn usage(before: &'static str, object: &[u8], after: &'static str) -> Self {
        Error {
            kind: Kind::Usage,
            step: before,
            object: Text::from(object),
            errno: None,
            detail: after,
            hint: None,
        }
    }

    /// A failure with no errno, e.g. a value the kernel would accept but
    /// sct cannot use.
    #[cold]
    #[inline(never)]
    pub fn setup(step: &'static str, object: &[u8], detail: &'static str) -> Self {
        Error {
            kind: Kind::Setup,
            step,
            object: Text::from(object),
            errno: None,
            detail,
            hint: None,
        }
    }

    /// Adds the line that tells the user what to do.
    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hint = Some(hint);
        self
    }

    /// Adds `hint` unless a more precise one is there already.
    pub fn or_hint(mut self, hint: &'static str) -> Self {
        self.hint = self.hint.or(Some(hint));
        self
    }

    /// Adds a hint only when the errno is `errno`.
    pub fn hint_if(self, errno: Errno, hint: &'static str) -> Self {
        if self.errno == Some(errno) {
            self.hint(hint)
        } else {
            self
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage | Kind::Setup => EXIT_SCT_FAILED,
            Kind::Exec if self.errno == Some(Errno::ENOENT) => EXIT_NOT_FOUND,
            Kind::Exec => EXIT_CANNOT_EXECUTE,
        }
    }

    /// The full message, one line plus an optional hint line.
    pub fn render(&self, line: &mut Line) {
        line.push(b"sct: ");
        match self.kind {
            Kind::Usage => {
                line.push_str(self.step)
                    .push_visible(self.object.as_bytes())
                    .push_str(self.detail)
                    .push(b"\n");
                line.push(b"Try 'sct --help'.\n");
                return;
            }
            Kind::Setup | Kind::Exec => {
                line.push_str(self.step);
                if !self.object.is_empty() {
                    line.push(b" ").push_visible(self.object.as_bytes());
                }
                match self.errno {
                    Some(e) => {
                        let (name, description) =
                            name_and_description(e).unwrap_or((b"E?", b"unknown error"));
                        line.push(b": ")
                            .push(name)
                            .push(b" (")
                            .push(description)
                            .push(b")");
                    }
                    // An object that says it all (a profile's field and
                    // what is wrong with it) needs no detail.
                    None if self.detail.is_empty() => {}
                    None => {
                        line.push(b": ").push_str(self.detail);
                    }
                }
                line.push(b"\n");
            }
        }
        if let Some(hint) = self.hint {
            line.push(b"sct: hint: ").push_str(hint).push(b"\n");
        }
    }
}

/// `ENOENT` and `No such file or directory`: the syscalls crate's own
/// `Errno::name_and_description`, read from the table build.rs packs from it.
fn name_and_description(errno: Errno) -> Option<(&'static [u8], &'static [u8])> {
    static ERRNOS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/errnos"));
    let mut rest = ERRNOS;
    while let [lo, hi, name_len, description_len, tail @ ..] = rest {
        let (name, tail) = tail.split_at(usize::from(*name_len));
        let (description, tail) = tail.split_at(usize::from(*description_len));
        if i32::from(u16::from_le_bytes([*lo, *hi])) == errno.into_raw() {
            return Some((name, description));
        }
        rest = tail;
    }
    None
}

/// Attaches the step and the object to a failed syscall.
pub trait Context<T> {
    fn at(self, step: &'static str, object: &[u8]) -> Result<T>;
}

impl<T> Context<T> for core::result::Result<T, rustix::io::Errno> {
    fn at(self, step: &'static str, object: &[u8]) -> Result<T> {
        self.map_err(|e| Error::os(step, object, crate::sys::errno_of(e)))
    }
}

impl<T> Context<T> for core::result::Result<T, Errno> {
    fn at(self, step: &'static str, object: &[u8]) -> Result<T> {
        self.map_err(|e| Error::os(step, object, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(e: &Error) -> std::string::String {
        let mut l = Line::new();
        e.render(&mut l);
        std::string::String::from_utf8(l.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn renders_step_object_errno() {
        let e = Error::os("pivot_root", b"/srv/rootfs", Errno::EINVAL);
        assert_eq!(
            rendered(&e),
            "sct: pivot_root /srv/rootfs: EINVAL (Invalid argument)\n"
        );
        assert_eq!(e.exit_code(), 125);
    }

    #[test]
    fn renders_hint_on_its_own_line() {
        let e = Error::os("clone3", b"", Errno::EPERM).hint("run sct as root");
        assert_eq!(
            rendered(&e),
            "sct: clone3: EPERM (Operation not permitted)\nsct: hint: run sct as root\n"
        );
    }

    #[test]
    fn errno_table_matches_the_syscalls_crate() {
        for code in -1..4200 {
            let e = Errno::new(code);
            let expected = e
                .name_and_description()
                .map(|(n, d)| (n.as_bytes(), d.as_bytes()));
            assert_eq!(name_and_description(e), expected, "{code}");
        }
    }

    #[test]
    fn exec_errors_map_to_docker_codes() {
        assert_eq!(Error::exec(b"x", Errno::ENOENT).exit_code(), 127);
        assert_eq!(Error::exec(b"x", Errno::EACCES).exit_code(), 126);
        assert_eq!(Error::exec(b"x", Errno::ENOEXEC).exit_code(), 126);
    }

    #[test]
    fn usage_errors_point_to_help() {
        let e = Error::usage("unknown option '", b"--frob", "'");
        assert_eq!(
            rendered(&e),
            "sct: unknown option '--frob'\nTry 'sct --help'.\n"
        );
        assert_eq!(e.exit_code(), 125);
    }

    #[test]
    fn control_characters_in_objects_cannot_break_the_line() {
        let e = Error::usage("missing CMD after ROOTFS '", b"a\nsct: b\x1b[2J", "'");
        assert_eq!(
            rendered(&e),
            "sct: missing CMD after ROOTFS 'a\\x0asct: b\\x1b[2J'\nTry 'sct --help'.\n"
        );
        let e = Error::os("open", b"/tmp/x\ty", Errno::ENOENT);
        assert_eq!(
            rendered(&e),
            "sct: open /tmp/x\\x09y: ENOENT (No such file or directory)\n"
        );
    }
}
