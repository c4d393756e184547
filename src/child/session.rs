//! The controlling terminal.

use rustix::process::setsid;

use crate::error::{Context, Result};

/// Starts a new session, so the caller's terminal is no longer CMD's
/// controlling terminal: CMD cannot push keystrokes into it with TIOCSTI
/// (CVE-2017-5226) or signal the caller's process group through it.
///
/// CMD still inherits the terminal as stdin/stdout/stderr, so an interactive
/// shell reads and writes it as usual; keys that make signals (^C, ^\) reach
/// sct, which stays in the terminal's foreground group, and sct forwards
/// them. Job control inside the container is off, as under bwrap
/// --new-session.
pub fn leave_callers_terminal() -> Result<()> {
    setsid().map(drop).at("setsid", b"")
}
