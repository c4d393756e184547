//! The parent's side of a container's terminal. The child makes the pty
//! (child/terminal.rs) and sends its master either to the console socket
//! (OCI mode's `--console-socket`, connected here before the child exists,
//! as runc's init sends it to containerd or podman) or over the sync
//! channel to sct, whose [`supervise_relaying`] relays the caller's
//! terminal to it, as `sct -t` and a foreground `run` do.
//!
//! For `exec --tty`: [`check_console_socket`] and
//! [`connect_console_socket`] first; the child, after its setns and
//! setsid, calls `child::terminal::make_console(size, false)` (no
//! /dev/console bind) and sends the master to the socket with
//! `sync::send_with_fd`, or passes it with `ChildEnd::pass_terminal`;
//! the parent takes it with `ParentEnd::take_terminal` after the
//! handshake and calls `supervise_relaying`.

use core::ffi::CStr;

use linux_raw_sys::general::{
    BRKINT, CS8, CSIZE, ECHO, ECHONL, ICANON, ICRNL, IEXTEN, IGNBRK, IGNCR, INLCR, ISIG, ISTRIP,
    IXON, OPOST, PARENB, PARMRK, SIGCHLD, SIGWINCH, VMIN, VTIME,
};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::{AsFd, BorrowedFd, OwnedFd};
use rustix::io::Errno;
use rustix::net::{connect, socket_with, AddressFamily, SocketAddrUnix, SocketFlags, SocketType};
use rustix::termios::{tcgetwinsize, tcsetwinsize};

use crate::error::{Context, Result};
use crate::reap::reap_children;
use crate::sys::signal::{self as sig, SigSet};
use crate::sys::tty::{tcgets, tcsets, Termios};
use crate::sys::{borrow_fd, retry};

/// The console socket `socket` given for a process, checked against its
/// terminal (`check_console_socket`) and connected: one copy for `create`
/// and `exec`.
pub fn console_socket(
    terminal: bool,
    detached: bool,
    socket: Option<&'static CStr>,
) -> Result<Option<OwnedFd>> {
    check_console_socket(terminal, detached, socket.is_some())?;
    socket.map(connect_console_socket).transpose()
}

/// Connects to the console socket at `path` (a unix stream socket the
/// caller listens on), before anything of the container exists, so that a
/// wrong path fails first, as runc's does.
fn connect_console_socket(path: &'static CStr) -> Result<OwnedFd> {
    let shown = path.to_bytes();
    let addr = SocketAddrUnix::new(path).at("--console-socket", shown)?;
    let socket = socket_with(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .at("socket", b"unix")?;
    retry(|| connect(&socket, &addr)).at("connect --console-socket", shown)?;
    Ok(socket)
}

/// The caller's terminal in raw mode for as long as this lives: every key,
/// ^C included, goes to the container's pty, whose own line discipline
/// then acts on it. The saved modes come back on drop, on every return.
struct RawMode(Option<Termios>);

impl RawMode {
    /// Nothing is touched when stdin is no terminal.
    // Out of line (measured smaller): inlined, its locals sat in the
    // relay's large frame, each reached with a 4-byte offset.
    #[inline(never)]
    fn enter(stdin: BorrowedFd<'_>) -> RawMode {
        let Ok(saved) = tcgets(stdin) else {
            return RawMode(None);
        };
        // cfmakeraw(3)'s flags.
        let mut raw = saved;
        raw.c_iflag &= !(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
        raw.c_oflag &= !OPOST;
        raw.c_lflag &= !(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
        raw.c_cflag = (raw.c_cflag & !(CSIZE | PARENB)) | CS8;
        raw.c_cc[VMIN as usize] = 1;
        raw.c_cc[VTIME as usize] = 0;
        match tcsets(stdin, &raw) {
            Ok(()) => RawMode(Some(saved)),
            Err(_) => RawMode(None),
        }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Some(saved) = &self.0 {
            let _ = tcsets(borrow_fd(0), saved);
        }
    }
}

/// Copies the caller's window size (stdin's, else stdout's) to the pty;
/// the kernel then sends SIGWINCH to the container's foreground group.
fn copy_window_size(master: &OwnedFd) {
    if let Ok(size) = tcgetwinsize(borrow_fd(0)).or_else(|_| tcgetwinsize(borrow_fd(1))) {
        let _ = tcsetwinsize(master, size);
    }
}

/// Supervises the container's first process `main` as `parent::supervise`
/// does (the signals in `signals` are blocked; each is passed to
/// `forward`, but SIGCHLD, and SIGWINCH, which resizes the pty instead),
/// while relaying stdin to `master` and `master` to stdout; returns
/// `main`'s exit code once it has exited and its last output is out.
// Out of line: its buffers would otherwise be in every supervisor's
// frame, and the stack probes of a frame that large touch every page of it
// (sys/stack.rs).
#[inline(never)]
pub fn supervise_relaying(
    master: OwnedFd,
    signals: &SigSet,
    main: i32,
    forward: &dyn Fn(u32),
) -> Result<u8> {
    let signal_fd = sig::signalfd(signals).at("signalfd", b"")?;
    let (stdin, stdout) = (borrow_fd(0), borrow_fd(1));
    // Non-blocking, so that a container that reads no input never blocks
    // the loop (and with it the signals): unread input waits in `input`.
    rustix::io::ioctl_fionbio(&master, true).at("ioctl FIONBIO", b"pty")?;
    // No size is copied yet: the child gave the pty config.json's
    // consoleSize or else the caller's already, before CMD could look.
    let raw = RawMode::enter(stdin);
    let mut input = [0u8; 4096];
    let (mut start, mut end) = (0, 0);
    let mut output = [0u8; 4096];
    let (mut stdin_open, mut master_open) = (true, true);
    loop {
        // A side that is done is polled as the signalfd with no events,
        // which reports nothing: a closed one would report POLLHUP for ever.
        let idle = || PollFd::new(&signal_fd, PollFlags::empty());
        let waiting = start < end;
        let out = if waiting {
            PollFlags::OUT
        } else {
            PollFlags::empty()
        };
        let mut fds = [
            PollFd::new(&signal_fd, PollFlags::IN),
            match master_open {
                true => PollFd::new(&master, PollFlags::IN | out),
                false => idle(),
            },
            match stdin_open && !waiting {
                true => PollFd::new(&stdin, PollFlags::IN),
                false => idle(),
            },
        ];
        retry(|| poll(&mut fds, None)).at("poll", b"terminal")?;
        let (master_ready, stdin_ready) = (fds[1].revents(), fds[2].revents());
        if !fds[0].revents().is_empty() {
            match read_signal(&signal_fd)? {
                SIGCHLD => {
                    if let Some(code) = reap_children(main).at("waitid", b"container")? {
                        drain(&master, stdout, &mut output);
                        drop(raw);
                        return Ok(code);
                    }
                }
                SIGWINCH => copy_window_size(&master),
                0 => {}
                other => forward(other),
            }
        }
        if master_ready.contains(PollFlags::OUT) {
            match rustix::io::write(&master, &input[start..end]) {
                Ok(n) => start += n,
                Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                Err(_) => start = end,
            }
        }
        if master_ready.intersects(PollFlags::IN | PollFlags::HUP | PollFlags::ERR) {
            match rustix::io::read(&master, &mut output) {
                Ok(n) if n > 0 => crate::out::write_all(stdout, &output[..n]),
                Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                // EIO: no slave is open any more; the exit comes as SIGCHLD.
                _ => master_open = false,
            }
        }
        if !stdin_ready.is_empty() {
            match rustix::io::read(stdin, &mut input) {
                Ok(n) if n > 0 => (start, end) = (0, n),
                Err(Errno::AGAIN) | Err(Errno::INTR) => {}
                _ => {
                    stdin_open = false;
                    // Input that is no terminal ended: the pty's default
                    // end-of-file character (^D) tells a reading CMD so, as
                    // `script` does.
                    if raw.0.is_none() {
                        input[0] = 4;
                        (start, end) = (0, 1);
                    }
                }
            }
        }
    }
}

/// Takes one signal from the signalfd (its `ssi_signo` leads each 128-byte
/// `signalfd_siginfo`); 0 if none was pending after all.
fn read_signal(fd: &OwnedFd) -> Result<u32> {
    let mut info = [0u8; 128];
    match crate::out::read(fd.as_fd(), &mut info) {
        Ok(n) if n >= 4 => Ok(u32::from_ne_bytes([info[0], info[1], info[2], info[3]])),
        Ok(_) | Err(Errno::AGAIN) => Ok(0),
        Err(e) => Err(e).at("read", b"signalfd"),
    }
}

/// What CMD wrote last, still in the pty: read until it reports that no
/// slave is open (EIO) or, should something outside still hold one,
/// nothing more is there (EAGAIN).
fn drain(master: &OwnedFd, stdout: BorrowedFd<'_>, buf: &mut [u8]) {
    while let Ok(n) = crate::out::read(master.as_fd(), &mut *buf) {
        if n == 0 {
            break;
        }
        crate::out::write_all(stdout, &buf[..n]);
    }
}

/// runc's rule for a console socket: a terminal for a process sct does
/// not wait for (`create`, `run --detach`, `exec --detach`) must go to one,
/// since no one else would read it; and a console socket is for such a
/// terminal only.
fn check_console_socket(terminal: bool, detached: bool, socket: bool) -> Result<()> {
    if socket == (terminal && detached) {
        return Ok(());
    }
    Err(crate::error::Error::setup(
        "--console-socket",
        b"",
        "needed for a terminal when sct does not wait (create, run --detach, exec --detach), and only then",
    ))
}

#[cfg(test)]
mod tests {
    use super::check_console_socket;

    #[test]
    fn a_console_socket_goes_with_a_detached_terminal_only() {
        // (terminal, detached, socket) -> allowed, as runc decides.
        for (terminal, detached, socket, ok) in [
            (true, true, true, true),
            (true, true, false, false),
            (true, false, false, true),
            (true, false, true, false),
            (false, true, true, false),
            (false, false, true, false),
            (false, true, false, true),
            (false, false, false, true),
        ] {
            let got = check_console_socket(terminal, detached, socket).is_ok();
            assert_eq!(got, ok, "{terminal} {detached} {socket}");
        }
    }
}
