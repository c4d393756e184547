//! The two channels between sct and the container's first process.
//!
//! `control`, a socket pair, carries a handshake in lock step: the child
//! says it is bound to sct's life (PR_SET_PDEATHSIG armed), and waits; the
//! parent answers once it has done its part. The last handshake comes once
//! the device rule is attached, right before CMD, so nothing of CMD's runs
//! before it. A first one, before any setup step, only where the parent
//! has work to do first (parent/spawn.rs, `Spawned`): the user namespace's maps
//! to write, or a cgroup the child did not start in to move it into, so it
//! never runs a single instruction of setup unrestricted. EOF instead of
//! the answer means the parent died or gave up: the child exits quietly.
//! The parent answers only a child it has heard from, and a parent's fds
//! close before its exit sends the death signal (do_exit(): exit_files()
//! before exit_notify()): a parent killed at any moment either leaves the
//! child an EOF or sends the signal, never neither. Without the first
//! handshake, a parent killed before the child armed the signal is seen at
//! the last one, before CMD: the steps in between touch only the child's
//! own namespaces (its mounts, its /dev), as they would in any run.
//!
//! `report`: close-on-exec in the child, so a successful exec closes it and
//! the parent reads EOF. A failure before that arrives as one record (the
//! exit code, then the rendered message) and is printed by the parent alone.
//!
//! A terminal (`-t`, `process.terminal`): the child's next "ready" byte
//! after [`ChildEnd::pass_terminal`] carries the pty's master as SCM_RIGHTS
//! (unix(7)); the parent keeps it for [`ParentEnd::take_terminal`]. The
//! byte and the handshakes are as without a terminal.

use core::cell::Cell;

use rustix::fd::{AsFd, OwnedFd};
use rustix::io::Errno;
use rustix::net::{socketpair, AddressFamily, SocketFlags, SocketType};
use rustix::pipe::{pipe_with, PipeFlags};

use crate::error::{Context, Error, Result};
use crate::out::Line;
use crate::sys::retry;

pub struct Channel {
    control_parent: OwnedFd,
    control_child: OwnedFd,
    report_read: OwnedFd,
    report_write: OwnedFd,
}

pub struct ParentEnd {
    control: OwnedFd,
    report: OwnedFd,
    /// The last release went ahead of the child's "ready" (`release_ahead`):
    /// `control` stays open until CMD runs, for the child checks it.
    released_ahead: Cell<bool>,
    /// The pty master the child passed, until taken.
    terminal: Cell<Option<OwnedFd>>,
}

pub struct ChildEnd {
    control: OwnedFd,
    /// `None` in the `--init` process once CMD's process has the only copy.
    report: Option<OwnedFd>,
    /// Failures go to stderr: a parked container's parent is gone.
    to_stderr: bool,
    /// A pty master to send with the next "ready".
    terminal: Option<OwnedFd>,
}

/// Which handshakes a child takes part in, decided by the parent before
/// the clone, so that the child reads the same from the memory it was
/// cloned from.
#[derive(Clone, Copy)]
pub struct Handshakes {
    /// The parent has work to do before the child's setup (the user
    /// namespace's maps, a cgroup the child did not start in): the child
    /// waits for a first release.
    pub first: bool,
    /// The last release is sent as soon as the parent's part is done (the
    /// device rule attached), without waiting for the child's "ready", so
    /// that a child that finishes its setup later finds it waiting: no
    /// round trip between two CPUs right before CMD. Not for a parked
    /// container nor one with a terminal, whose "ready" the parent needs.
    pub last_ahead: bool,
}

/// A setup failure reported by the child; empty (`default`) until
/// `wait_for_exec` fills it in.
#[derive(Default)]
pub struct Failure {
    pub exit_code: u8,
    pub message: Line,
}

impl Channel {
    pub fn new() -> Result<Self> {
        let (control_parent, control_child) = socketpair(
            AddressFamily::UNIX,
            SocketType::SEQPACKET,
            SocketFlags::CLOEXEC,
            None,
        )
        .at("socketpair", b"")?;
        let (report_read, report_write) = pipe_with(PipeFlags::CLOEXEC).at("pipe", b"")?;
        Ok(Channel {
            control_parent,
            control_child,
            report_read,
            report_write,
        })
    }

    /// The parent's side; the child's ends are closed here.
    pub fn into_parent(self) -> ParentEnd {
        ParentEnd {
            control: self.control_parent,
            report: self.report_read,
            released_ahead: Cell::new(false),
            terminal: Cell::new(None),
        }
    }

    /// The child's side; the parent's ends are closed here, so that the
    /// parent's death shows as EOF.
    pub fn into_child(self) -> ChildEnd {
        ChildEnd {
            control: self.control_child,
            report: Some(self.report_write),
            to_stderr: false,
            terminal: None,
        }
    }
}

impl ParentEnd {
    /// Waits for the child to say it is bound to sct's life; `false` if it
    /// ended instead (a setup failure, which `wait_for_exec` reports).
    pub fn child_is_ready(&self) -> Result<bool> {
        match recv_with_fd(&self.control) {
            Ok((n, fd)) => {
                if fd.is_some() {
                    self.terminal.set(fd);
                }
                Ok(n == 1)
            }
            Err(Errno::CONNRESET) => Ok(false),
            Err(e) => Err(e).at("recv", b"container"),
        }
    }

    /// The pty master the child passed (`-t`, `process.terminal`), once.
    pub fn take_terminal(&self) -> Option<OwnedFd> {
        self.terminal.take()
    }

    /// Lets the child go on. EPIPE (it ended meanwhile) is for
    /// `wait_for_exec` to report.
    pub fn release(&self) -> Result<()> {
        match send_with_fd(&self.control, None) {
            Ok(_) | Err(Errno::PIPE) | Err(Errno::CONNRESET) => Ok(()),
            Err(e) => Err(e).at("send", b"container"),
        }
    }

    /// The last release, sent before the child asks (sync.rs, `Handshakes`).
    pub fn release_ahead(&self) -> Result<()> {
        self.released_ahead.set(true);
        self.release()
    }

    /// Waits until the child has exec'd CMD (`false`) or failed before that
    /// (`true`, and its report in `failure`, made empty by the caller: filled
    /// in, not returned, for its 1 KB line was copied out of the Result).
    pub fn wait_for_exec(self, failure: &mut Failure) -> Result<bool> {
        // A child still waiting for a release gets EOF and ends; one
        // released ahead looks for this end being open (`wait_released`),
        // which stays so until this returns.
        let _control = Some(self.control).filter(|_| self.released_ahead.get());
        let mut buf = [0u8; 1 + 1024];
        let report = crate::files::read_all(&self.report, &mut buf).at("read", b"report")?;
        let Some((&exit_code, message)) = report.split_first() else {
            return Ok(false);
        };
        failure.exit_code = exit_code;
        failure.message.push(message);
        Ok(true)
    }
}

impl ChildEnd {
    /// Tells the parent that this process is bound to its life (call it
    /// after arming PR_SET_PDEATHSIG) and blocks until the parent releases
    /// it; `false` if the parent is gone or gave up.
    pub fn ready_and_wait(&mut self) -> bool {
        let terminal = self.terminal.take();
        if send_with_fd(&self.control, terminal.as_ref().map(AsFd::as_fd)) != Ok(()) {
            return false;
        }
        // Sent: the parent has its own copy now.
        drop(terminal);
        recv_with_fd(&self.control).map(|(n, _)| n) == Ok(1)
    }

    /// Waits for the last release, sent ahead by the parent, then checks
    /// that the parent is still there: a death signal armed before this
    /// check fires on any later death, and a parent that died before the
    /// signal was armed closed its end first (do_exit(): exit_files()
    /// before exit_notify()), which the check sees as EOF. `false` if the
    /// parent is gone or gave up.
    pub fn wait_released(&mut self) -> bool {
        if recv_with_fd(&self.control).map(|(n, _)| n) != Ok(1) {
            return false;
        }
        let mut byte = [0u8];
        let open = rustix::net::recv(&self.control, &mut byte, rustix::net::RecvFlags::DONTWAIT);
        open == Err(Errno::AGAIN)
    }

    /// Sends the pty master `master` with the next "ready" (sync.rs).
    pub fn pass_terminal(&mut self, master: OwnedFd) {
        self.terminal = Some(master);
    }

    /// Sends a setup failure to the parent, in one write (under PIPE_BUF, so
    /// it arrives whole).
    pub fn report(&self, err: &Error) {
        let mut line = Line::new();
        line.push(&[err.exit_code()]);
        err.render(&mut line);
        if let Some(report) = &self.report {
            crate::out::write_all(report.as_fd(), line.as_bytes());
        } else if crate::cli::OCI_MODE && self.to_stderr {
            // Only a parked container (`create`, OCI mode) reports here.
            crate::out::write_all(crate::sys::stderr(), &line.as_bytes()[1..]);
        }
    }

    /// From now on failures go to stderr, for no parent waits for them.
    pub fn report_to_stderr(&mut self) {
        self.report = None;
        self.to_stderr = true;
    }

    /// Closes this process's copy of the report pipe, leaving CMD's
    /// process the only writer (`--init`).
    pub fn close_report(&mut self) {
        self.report = None;
    }
}

/// Sends the one byte of the handshakes (1) on `socket`, with `fd` attached
/// as SCM_RIGHTS if given (unix(7)); also how a console socket gets its
/// master.
pub fn send_with_fd(
    socket: &impl AsFd,
    fd: Option<rustix::fd::BorrowedFd<'_>>,
) -> core::result::Result<(), Errno> {
    retry(|| crate::sys::net::sendmsg_fd(socket, fd))
}

/// Receives one byte from `socket`, and the descriptor that came with it,
/// close-on-exec; 0 bytes at EOF.
fn recv_with_fd(socket: &OwnedFd) -> core::result::Result<(usize, Option<OwnedFd>), Errno> {
    retry(|| crate::sys::net::recvmsg_fd(socket))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both ends, as the parent and the child hold them after the clone.
    fn ends() -> (ParentEnd, ChildEnd) {
        let Ok(c) = Channel::new() else {
            panic!("socketpair or pipe failed")
        };
        let parent = ParentEnd {
            control: c.control_parent,
            report: c.report_read,
            released_ahead: Cell::new(false),
            terminal: Cell::new(None),
        };
        let child = ChildEnd {
            control: c.control_child,
            report: Some(c.report_write),
            to_stderr: false,
            terminal: None,
        };
        (parent, child)
    }

    #[test]
    fn a_release_sent_ahead_lets_the_child_go_while_the_parent_lives() {
        let (parent, mut child) = ends();
        assert!(parent.release_ahead().is_ok());
        assert!(child.wait_released());
    }

    /// A parent killed after its release, before the child armed its death
    /// signal: the release is there, and so is the EOF after it.
    #[test]
    fn a_release_from_a_parent_gone_since_does_not() {
        let (parent, mut child) = ends();
        assert!(parent.release_ahead().is_ok());
        drop(parent);
        assert!(!child.wait_released());
    }

    #[test]
    fn no_release_from_a_parent_gone_before() {
        let (parent, mut child) = ends();
        drop(parent);
        assert!(!child.wait_released());
    }

    /// The parent keeps its end open while it waits for the exec, so a
    /// child released ahead can check it; the exec closes the report.
    #[test]
    fn waiting_for_the_exec_keeps_the_released_end_open() {
        let (parent, mut child) = ends();
        assert!(parent.release_ahead().is_ok());
        let (tid_tx, tid_rx) = std::sync::mpsc::channel();
        let waiting = std::thread::spawn(move || {
            let _ = tid_tx.send(rustix::thread::gettid().as_raw_nonzero());
            matches!(parent.wait_for_exec(&mut Failure::default()), Ok(false))
        });
        // Checked only once the parent sleeps in its read of the report,
        // past whatever it does with its end first.
        let tid = tid_rx.recv().unwrap();
        let stat = format!("/proc/self/task/{tid}/stat");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        let sleeping = || {
            let text = std::fs::read_to_string(&stat).unwrap_or_default();
            text.rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('S'))
        };
        while !sleeping() {
            assert!(
                std::time::Instant::now() < deadline,
                "the parent never waited"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        assert!(child.wait_released());
        drop(child);
        assert!(waiting.join().unwrap());
    }
}
