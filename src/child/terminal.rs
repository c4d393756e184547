//! A terminal of the container's own (`-t`, `process.terminal`): a pty
//! pair from the container's devpts, its slave CMD's controlling terminal
//! and stdio, its master passed to the parent (sync.rs).

use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{openat, openat2, Mode, OFlags, CWD};
use rustix::io::fcntl_dupfd_cloexec;
use rustix::mount::mount_bind;
use rustix::pty::{ioctl_tiocgptpeer, unlockpt, OpenptFlags};
use rustix::termios::{tcgetwinsize, tcsetwinsize, Winsize};

use super::proc::{fd_path, RESOLVE_INSIDE};
use crate::error::{Context, Result};

/// Makes the pty pair and makes its slave this process's controlling
/// terminal and stdin, stdout and stderr; returns the master. `size`
/// (rows, columns; config.json's `process.consoleSize`) or else the
/// caller's window size, when sct's stdin is a terminal. `console`: the
/// slave is also bound over /dev/console (the container's first process;
/// not an `exec`).
///
/// After pivot_root, so that /dev/ptmx is the container's devpts instance
/// (`newinstance`) and the pty is the container's, as runc allocates it;
/// after setsid, since only a session leader without a controlling terminal
/// may take one (TIOCSCTTY, ioctl_tty(2)).
pub fn make_console(size: Option<(u16, u16)>, console: bool) -> Result<OwnedFd> {
    let flags = OFlags::RDWR | OFlags::NOCTTY | OFlags::CLOEXEC;
    let ptmx = openat(CWD, c"/dev/pts/ptmx", flags, Mode::empty()).at("open", b"/dev/pts/ptmx")?;
    // Above stdio, whatever sct was started with: stdio is replaced below.
    let master = fcntl_dupfd_cloexec(&ptmx, 3).at("dup", b"/dev/pts/ptmx")?;
    drop(ptmx);
    unlockpt(&master).at("unlockpt", b"/dev/pts/ptmx")?;
    // The slave from the master itself, no path looked up (TIOCGPTPEER,
    // Linux 4.13): nothing planted in /dev/pts can stand in for it
    // (CVE-2025-52565, runc's fix does the same).
    let peer = ioctl_tiocgptpeer(&master, OpenptFlags::RDWR | OpenptFlags::NOCTTY)
        .at("ioctl", b"TIOCGPTPEER")?;
    let slave = fcntl_dupfd_cloexec(&peer, 3).at("dup", b"pty")?;
    drop(peer);
    let stdin = crate::sys::borrow_fd(0);
    let size = match size {
        Some((rows, cols)) => Some(Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        }),
        None => tcgetwinsize(stdin).ok(),
    };
    if let Some(size) = size {
        tcsetwinsize(&master, size).at("ioctl", b"TIOCSWINSZ")?;
    }
    if console {
        bind_console(&slave)?;
    }
    rustix::process::ioctl_tiocsctty(&slave).at("ioctl", b"TIOCSCTTY")?;
    rustix::stdio::dup2_stdin(&slave).at("dup2", b"stdin")?;
    rustix::stdio::dup2_stdout(&slave).at("dup2", b"stdout")?;
    rustix::stdio::dup2_stderr(&slave).at("dup2", b"stderr")?;
    Ok(master)
}

/// Binds the slave over /dev/console (made as an empty file on sct's /dev
/// tmpfs if missing), resolved inside the root without following
/// symlinks, so that a planted /dev/console cannot send the bind elsewhere
/// (CVE-2025-52565).
fn bind_console(slave: &OwnedFd) -> Result<()> {
    // The root, not ".": the working directory is CMD's by now.
    let root = openat(
        CWD,
        c"/",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/")?;
    let target = match openat2(
        &root,
        c"dev/console",
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    ) {
        Err(rustix::io::Errno::NOENT) => {
            let dev = openat2(
                &root,
                c"dev",
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
                RESOLVE_INSIDE,
            )
            .at("open", b"/dev")?;
            let create = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY;
            openat(
                &dev,
                c"console",
                create | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o600),
            )
        }
        other => other,
    }
    .at("create", b"/dev/console")?;
    mount_bind(
        fd_path(slave.as_fd()).as_c_str(),
        fd_path(&target).as_c_str(),
    )
    .at("bind", b"/dev/console")
}
