//! sct's one error type: which step failed, on what, and the errno.
//!
//! Errors carry their context from the failure site and are rendered once, at
//! the top (or sent to the parent when they happen in the child):
//! `sct: pivot_root /srv/rootfs: EINVAL (Invalid argument)`.

use crate::out::{Line, Text};
use crate::sys::slots::Slots;
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

/// The status of a command killed by signal `signal`: 128+N, as shells and
/// docker report it.
pub const fn exit_code_of_signal(signal: u32) -> u8 {
    128u8.wrapping_add(signal as u8)
}

/// One failure, in 4 bytes: it travels through every `Result` of sct, so
/// it stays small. A 300-byte error, copied at each `?`, cost 20 KB of
/// code; at 24 bytes a `Result` still came back through memory, at 4 it
/// comes back in a register (x86_64: 262,024 -> 235,704 bytes). The rest,
/// the step, the object's text, the detail and the hint, waits in one of a
/// few per-process slots until the error is dropped.
pub struct Error {
    /// The errno's number; 0 for none. (Not an `Option<Errno>`: its tag
    /// would take the place of `kind` as the niche of `Result<T, Error>`,
    /// which cost 1.5 KB of code in the tests of that tag.)
    errno: u16,
    kind: Kind,
    /// Where the rest is, in `TEXTS`; `NO_SLOT` if all slots were held
    /// (never in practice: at most two errors are alive at once).
    slot: u8,
}

const _: () = assert!(core::mem::size_of::<Error>() <= 4);

/// What an error says besides its errno.
#[derive(Clone, Copy)]
struct Texts {
    /// The step (`mount`, `pivot_root`), or for usage errors the text
    /// before the object. (An `Option`, as `detail`: an empty `&str` is a
    /// non-null pointer, which kept the slots' 1.3 KB in .data.)
    step: Option<&'static str>,
    object: Text,
    /// For usage errors, the text after the object; for errors without an
    /// errno, what went wrong. (An `Option`, so that the slots start as
    /// zeros, in .bss.)
    detail: Option<&'static str>,
    hint: Option<&'static str>,
}

const NO_SLOT: u8 = u8::MAX;

static TEXTS: Slots<Texts, 4> = Slots::new(Texts {
    step: None,
    object: Text::new(),
    detail: None,
    hint: None,
});

pub type Result<T, E = Error> = core::result::Result<T, E>;

// The constructors are called at a hundred failure sites: kept out of line,
// each site is a call instead of a copy of the fill.
impl Error {
    #[cold]
    #[inline(never)]
    fn new(
        kind: Kind,
        step: &'static str,
        object: &[u8],
        errno: Option<Errno>,
        detail: &'static str,
    ) -> Self {
        let slot = TEXTS
            .hold(Texts {
                step: Some(step),
                object: Text::from(object),
                detail: Some(detail),
                hint: None,
            })
            .unwrap_or(NO_SLOT);
        Error {
            errno: errno.map_or(0, |e| e.raw_os_error() as u16),
            kind,
            slot,
        }
    }

    /// A step failed with `errno`.
    pub fn os(step: &'static str, object: &[u8], errno: Errno) -> Self {
        Self::new(Kind::Setup, step, object, Some(errno), "")
    }

    /// CMD could not be executed.
    pub fn exec(object: &[u8], errno: Errno) -> Self {
        Self::new(Kind::Exec, "exec", object, Some(errno), "")
    }

    /// A misuse of the command line: `before` + `object` + `after`.
    pub fn usage(before: &'static str, object: &[u8], after: &'static str) -> Self {
        Self::new(Kind::Usage, before, object, None, after)
    }

    /// A misuse of the command line said in one piece, with no object.
    pub fn usage_line(text: &'static str) -> Self {
        Self::usage(text, b"", "")
    }

    /// The same error, said of another step: config.json's reader's
    /// refusals for `update`'s resources.
    pub fn in_step(self, step: &'static str) -> Self {
        self.with_texts(|t| Texts {
            step: Some(step),
            ..t
        })
    }

    /// A failure with no errno, e.g. a value the kernel would accept but
    /// sct cannot use.
    pub fn setup(step: &'static str, object: &[u8], detail: &'static str) -> Self {
        Self::new(Kind::Setup, step, object, None, detail)
    }

    fn texts(&self) -> Texts {
        if self.slot == NO_SLOT {
            Texts {
                step: Some("error"),
                object: Text::new(),
                detail: None,
                hint: None,
            }
        } else {
            TEXTS.get(self.slot)
        }
    }

    /// The same error, with its slot's texts changed by `change`.
    fn with_texts(self, change: impl FnOnce(Texts) -> Texts) -> Self {
        if self.slot != NO_SLOT {
            TEXTS.set(self.slot, change(self.texts()));
        }
        self
    }

    fn set_hint(self, hint: Option<&'static str>) -> Self {
        self.with_texts(|t| Texts { hint, ..t })
    }

    /// Whether the failure's errno is `errno`.
    fn is(&self, errno: Errno) -> bool {
        i32::from(self.errno) == errno.raw_os_error()
    }

    /// Adds the line that tells the user what to do.
    pub fn hint(self, hint: &'static str) -> Self {
        self.set_hint(Some(hint))
    }

    /// Adds `hint` unless a more precise one is there already.
    pub fn or_hint(self, hint: &'static str) -> Self {
        let hint = self.texts().hint.or(Some(hint));
        self.set_hint(hint)
    }

    /// Adds a hint only when the errno is `errno`.
    pub fn hint_if(self, errno: Errno, hint: &'static str) -> Self {
        if self.is(errno) {
            self.hint(hint)
        } else {
            self
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage | Kind::Setup => EXIT_SCT_FAILED,
            Kind::Exec if self.is(Errno::NOENT) => EXIT_NOT_FOUND,
            Kind::Exec => EXIT_CANNOT_EXECUTE,
        }
    }

    /// The full message, one line plus an optional hint line.
    pub fn render(&self, line: &mut Line) {
        let texts = self.texts();
        let step = texts.step.unwrap_or("");
        line.push(b"sct: ");
        match self.kind {
            Kind::Usage => {
                line.push_str(step)
                    .push_visible(texts.object.as_bytes())
                    .push_str(texts.detail.unwrap_or(""))
                    .push(b"\n");
                line.push(b"Try 'sct --help'.\n");
                return;
            }
            Kind::Setup | Kind::Exec => {
                line.push_str(step);
                if !texts.object.is_empty() {
                    line.push(b" ").push_visible(texts.object.as_bytes());
                }
                match self.errno {
                    // An object that says it all (a profile's field and
                    // what is wrong with it) needs no detail.
                    0 if texts.detail.is_none_or(str::is_empty) => {}
                    0 => {
                        line.push(b": ").push_str(texts.detail.unwrap_or(""));
                    }
                    e => {
                        let (name, description) =
                            name_and_description(e).unwrap_or((b"?", b"unknown error"));
                        line.push(b": E");
                        push_coded(line, name);
                        line.push(b" (");
                        push_coded(line, description);
                        line.push(b")");
                    }
                }
                line.push(b"\n");
            }
        }
        if let Some(hint) = texts.hint {
            line.push(b"sct: hint: ").push_str(hint).push(b"\n");
        }
    }
}

impl Drop for Error {
    fn drop(&mut self) {
        if self.slot != NO_SLOT {
            TEXTS.release(self.slot);
        }
    }
}

/// `NOENT` (the name without its leading E) and `No such file or
/// directory` (both coded, for `push_coded`): the syscalls crate's own
/// `Errno::name_and_description`, read from the table build.rs packs from
/// it.
fn name_and_description(errno: u16) -> Option<(&'static [u8], &'static [u8])> {
    let entry = crate::names::entry(ERRNOS, u32::from(errno))?;
    let (&name_len, texts) = entry.split_first()?;
    Some(texts.split_at(usize::from(name_len)))
}

/// build.rs's table, in number order (`names::entries`): an entry is the
/// name's length, the name without its E and the description.
static ERRNOS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/errnos"));

/// The common words of the descriptions and pieces of the names, from
/// 0x80 on (`names::entries`).
static WORDS: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/errno_words"));

/// Pushes a name or description of the errno table with each byte from
/// 0x80 up written out as the word or piece it stands for (build.rs's
/// `common_words` and `NAME_PIECES`: they take 1.1 KB less so).
fn push_coded(line: &mut Line, coded: &[u8]) {
    for c in coded {
        let piece = match c.checked_sub(0x80) {
            Some(i) => crate::names::entry(WORDS, u32::from(i)).unwrap_or(b""),
            None => core::slice::from_ref(c),
        };
        line.push(piece);
    }
}

/// Attaches the step and the object to a failed syscall.
pub trait Context<T> {
    fn at(self, step: &'static str, object: &[u8]) -> Result<T>;
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
        let e = Error::os("pivot_root", b"/srv/rootfs", Errno::INVAL);
        assert_eq!(
            rendered(&e),
            "sct: pivot_root /srv/rootfs: EINVAL (Invalid argument)\n"
        );
        assert_eq!(e.exit_code(), 125);
    }

    #[test]
    fn renders_hint_on_its_own_line() {
        let e = Error::os("clone3", b"", Errno::PERM).hint("run sct as root");
        assert_eq!(
            rendered(&e),
            "sct: clone3: EPERM (Operation not permitted)\nsct: hint: run sct as root\n"
        );
    }

    #[test]
    fn errno_table_matches_the_syscalls_crate() {
        for code in 1..4096u16 {
            let expected = syscalls::Errno::new(i32::from(code))
                .name_and_description()
                .map(|(n, d)| (&n.as_bytes()[1..], d.as_bytes()));
            let decode = |coded| {
                let mut line = Line::new();
                push_coded(&mut line, coded);
                line.as_bytes().to_vec()
            };
            let decoded = name_and_description(code).map(|(n, d)| (decode(n), decode(d)));
            let decoded = decoded.as_ref().map(|(n, d)| (&n[..], &d[..]));
            assert_eq!(decoded, expected, "{code}");
        }
    }

    #[test]
    fn rustix_errnos_render_with_their_c_names() {
        for (errno, line) in [
            (Errno::PERM, "sct: x: EPERM (Operation not permitted)\n"),
            (Errno::NOENT, "sct: x: ENOENT (No such file or directory)\n"),
            (Errno::INTR, "sct: x: EINTR (Interrupted system call)\n"),
            (Errno::TOOBIG, "sct: x: E2BIG (Argument list too long)\n"),
            (Errno::ACCESS, "sct: x: EACCES (Permission denied)\n"),
        ] {
            assert_eq!(rendered(&Error::os("x", b"", errno)), line);
        }
    }

    #[test]
    fn exec_errors_map_to_docker_codes() {
        assert_eq!(Error::exec(b"x", Errno::NOENT).exit_code(), 127);
        assert_eq!(Error::exec(b"x", Errno::ACCESS).exit_code(), 126);
        assert_eq!(Error::exec(b"x", Errno::NOEXEC).exit_code(), 126);
        assert_eq!(exit_code_of_signal(linux_raw_sys::general::SIGKILL), 137);
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
        let e = Error::os("open", b"/tmp/x\ty", Errno::NOENT);
        assert_eq!(
            rendered(&e),
            "sct: open /tmp/x\\x09y: ENOENT (No such file or directory)\n"
        );
    }
}
