//! A terminal of the container's own (`-t`, `process.terminal`): a pty
//! pair from the container's devpts, its slave CMD's controlling terminal
//! and stdio, its master passed to the parent (sync.rs).

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{openat, Mode, OFlags, CWD};
use rustix::io::fcntl_dupfd_cloexec;
use rustix::mount::mount_bind;
use rustix::pty::{ioctl_tiocgptpeer, unlockpt, OpenptFlags};
use rustix::termios::{tcgetwinsize, tcsetwinsize, Winsize};

use super::proc::fd_path;
use super::Start;
use crate::error::{Context, Result};
use crate::sync::ChildEnd;

/// The container's first process: its terminal, bound over /dev/console
/// too; the master goes to the console socket `create` was given, as runc's
/// init sends it, or else to the parent.
pub fn set_up_terminal(
    size: Option<(u16, u16)>,
    start: Start,
    channel: &mut ChildEnd,
) -> Result<()> {
    let master = make_console(size, true)?;
    match start {
        Start::OnFifo {
            console: Some(socket),
            ..
        } => crate::sync::send_with_fd(&crate::sys::borrow_fd(socket), Some(master.as_fd()))
            .at("send", b"--console-socket"),
        _ => {
            channel.pass_terminal(master);
            Ok(())
        }
    }
}

/// Makes the pty pair and makes its slave this process's controlling
/// terminal and stdin, stdout and stderr; returns the master. `size`
/// (rows, columns; config.json's `process.consoleSize`) or else the
/// caller's window size, when sct's stdin is a terminal. `console`: the
/// slave is also bound over /dev/console (not for an `exec`).
///
/// After pivot_root, so that /dev/pts/ptmx is the container's devpts
/// instance (`newinstance`) and the pty is the container's, as runc
/// allocates it; after setsid, since only a session leader without a
/// controlling terminal may take one (TIOCSCTTY, ioctl_tty(2)).
pub fn make_console(size: Option<(u16, u16)>, console: bool) -> Result<OwnedFd> {
    let (master, slave) = open_pty(size).at("make a terminal on", b"/dev/pts/ptmx")?;
    if console {
        bind_console(&slave).at("bind", b"/dev/console")?;
    }
    rustix::process::ioctl_tiocsctty(&slave)
        .and_then(|()| rustix::stdio::dup2_stdin(&slave))
        .and_then(|()| rustix::stdio::dup2_stdout(&slave))
        .and_then(|()| rustix::stdio::dup2_stderr(&slave))
        .at("make the terminal stdio of", b"pty")?;
    // Closing a slave that landed on 0-2 itself (sct started with stdio
    // closed) would close CMD's stdio.
    if rustix::fd::AsRawFd::as_raw_fd(&slave) <= 2 {
        core::mem::forget(slave);
    }
    Ok(master)
}

/// The pair (master, slave), sized.
// Out of line (measured smaller): inlined, its locals sat in the
// checklist's large frame, each reached with a 4-byte offset.
#[inline(never)]
fn open_pty(size: Option<(u16, u16)>) -> rustix::io::Result<(OwnedFd, OwnedFd)> {
    let flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC;
    let ptmx = openat(CWD, c"/dev/pts/ptmx", flags, Mode::empty())?;
    // Above stdio, whatever sct was started with: stdio is replaced later.
    let master = fcntl_dupfd_cloexec(&ptmx, 3)?;
    drop(ptmx);
    // The slave from the master itself, no path looked up (TIOCGPTPEER,
    // Linux 4.13): nothing planted in /dev/pts can stand in for it
    // (CVE-2025-52565; runc's fix does the same).
    unlockpt(&master)?;
    let slave = ioctl_tiocgptpeer(&master, OpenptFlags::RDWR | OpenptFlags::NOCTTY)?;
    let size = match size {
        Some((rows, cols)) => Ok(Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        }),
        None => tcgetwinsize(crate::sys::borrow_fd(0)),
    };
    if let Ok(size) = size {
        tcsetwinsize(&master, size)?;
    }
    Ok((master, slave))
}

/// Binds the slave over /dev/console, an empty file made on sct's own /dev
/// tmpfs (or whatever a bind put there). O_NOFOLLOW refuses a symlink there
/// (CVE-2025-52565), and nothing else runs in the container to plant one
/// before the bind.
fn bind_console(slave: &OwnedFd) -> rustix::io::Result<()> {
    let create = OFlags::CREATE | OFlags::NOFOLLOW | OFlags::RDONLY | OFlags::CLOEXEC;
    drop(openat(
        CWD,
        c"/dev/console",
        create,
        Mode::from_raw_mode(0o600),
    )?);
    mount_bind(fd_path(slave).as_c_str(), c"/dev/console")
}
