//! The two pipes between sct and the container's first process.
//!
//! `release`: the parent writes one byte once the child is in its cgroup, so
//! the child never runs a single instruction of setup unrestricted; and a
//! second once the device rule is attached, which the child waits for before
//! it runs anything of CMD's. EOF instead of a byte means the parent died (or
//! gave up): the child exits quietly.
//!
//! `report`: close-on-exec in the child, so a successful exec closes it and
//! the parent reads EOF. A failure before that arrives as one record (the
//! exit code, then the rendered message) and is printed by the parent alone.

use rustix::fd::OwnedFd;
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};

use crate::error::{Context, Error, Result};
use crate::out::Line;

pub struct Channel {
    release_read: OwnedFd,
    release_write: OwnedFd,
    report_read: OwnedFd,
    report_write: OwnedFd,
}

pub struct ParentEnd {
    release: OwnedFd,
    report: OwnedFd,
}

pub struct ChildEnd {
    release: OwnedFd,
    /// `None` in the `--init` process once CMD's process has the only copy.
    report: Option<OwnedFd>,
}

/// A setup failure reported by the child.
pub struct Failure {
    pub exit_code: u8,
    pub message: Line,
}

impl Channel {
    pub fn new() -> Result<Self> {
        let (release_read, release_write) = pipe_with(PipeFlags::CLOEXEC).at("pipe", b"")?;
        let (report_read, report_write) = pipe_with(PipeFlags::CLOEXEC).at("pipe", b"")?;
        Ok(Channel {
            release_read,
            release_write,
            report_read,
            report_write,
        })
    }

    /// The parent's side; the child's ends are closed here.
    pub fn into_parent(self) -> ParentEnd {
        ParentEnd {
            release: self.release_write,
            report: self.report_read,
        }
    }

    /// The child's side; the parent's ends are closed here, so that the
    /// parent's death shows as EOF.
    pub fn into_child(self) -> ChildEnd {
        ChildEnd {
            release: self.release_read,
            report: Some(self.report_write),
        }
    }
}

impl ParentEnd {
    /// Lets the child start its setup.
    pub fn release(&self) -> Result<()> {
        write_all(&self.release, &[1]).at("release", b"container")
    }

    /// Lets the child go on to CMD. EPIPE (the child failed its setup
    /// meanwhile, and SIGPIPE is blocked) is for `wait_for_exec` to report.
    pub fn allow_command(&self) -> Result<()> {
        match write_all(&self.release, &[1]) {
            Err(Errno::PIPE) => Ok(()),
            other => other.at("release", b"container"),
        }
    }

    /// Waits until the child has exec'd CMD (`None`) or failed before that.
    pub fn wait_for_exec(self) -> Result<Option<Failure>> {
        drop(self.release);
        let mut buf = [0u8; 1 + 1024];
        let mut len = 0;
        loop {
            match rustix::io::read(&self.report, &mut buf[len..]) {
                Ok(0) => break,
                Ok(n) => len += n,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(e).at("read", b"report"),
            }
            if len == buf.len() {
                break;
            }
        }
        if len == 0 {
            return Ok(None);
        }
        Ok(Some(Failure {
            exit_code: buf[0],
            message: Line::from(&buf[1..len]),
        }))
    }
}

impl ChildEnd {
    /// Blocks until the parent releases us (first for the setup, then for
    /// CMD); `false` if the parent is gone.
    pub fn wait_for_release(&self) -> bool {
        let mut byte = [0u8];
        loop {
            match rustix::io::read(&self.release, &mut byte) {
                Ok(n) => return n == 1,
                Err(Errno::INTR) => continue,
                Err(_) => return false,
            }
        }
    }

    /// Sends a setup failure to the parent, in one write (under PIPE_BUF, so
    /// it arrives whole).
    pub fn report(&self, err: &Error) {
        let mut line = Line::new();
        line.push(&[err.exit_code()]);
        err.render(&mut line);
        if let Some(report) = &self.report {
            let _ = write_all(report, line.as_bytes());
        }
    }

    /// Closes this process's copy of the report pipe, leaving CMD's
    /// process the only writer (`--init`).
    pub fn close_report(&mut self) {
        self.report = None;
    }
}

fn write_all(fd: &OwnedFd, mut bytes: &[u8]) -> core::result::Result<(), Errno> {
    while !bytes.is_empty() {
        match rustix::io::write(fd, bytes) {
            Ok(n) => bytes = &bytes[n..],
            Err(Errno::INTR) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
