//! A terminal for the tests to give sct (or ctr) as the caller's: a pty
//! pair from the host's /dev/ptmx, through rustix; the test holds the
//! master, reads what is shown and types into it.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustix::fd::{AsFd, AsRawFd, OwnedFd};
use rustix::pty::{ioctl_tiocgptpeer, openpt, unlockpt, OpenptFlags};
use rustix::termios::{tcgetattr, tcgetwinsize, tcsetwinsize, LocalModes, Winsize};

pub struct Pty {
    pub master: Arc<OwnedFd>,
    pub slave: OwnedFd,
    /// Everything read from the master so far (a thread reads it).
    shown: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    /// A pty of `rows` x `cols`, in the kernel's default (cooked) mode.
    pub fn new(rows: u16, cols: u16) -> Pty {
        let flags = OpenptFlags::RDWR | OpenptFlags::NOCTTY | OpenptFlags::CLOEXEC;
        let master = openpt(flags).unwrap();
        unlockpt(&master).unwrap();
        let slave = ioctl_tiocgptpeer(&master, flags).unwrap();
        let pty = Pty {
            master: Arc::new(master),
            slave,
            shown: Arc::default(),
        };
        pty.resize(rows, cols);
        let reader = pty.master.clone();
        let shown = pty.shown.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // EIO once no slave is open: the test is over.
            while let Ok(n) = rustix::io::read(&*reader, &mut buf) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        pty
    }

    pub fn resize(&self, rows: u16, cols: u16) {
        let size = Winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        tcsetwinsize(&*self.master, size).unwrap();
        assert_eq!(tcgetwinsize(&self.slave).unwrap().ws_row, rows);
    }

    /// The terminal's modes, as text that compares whole.
    pub fn modes(&self) -> String {
        format!("{:?}", tcgetattr(&self.slave).unwrap())
    }

    /// Whether the terminal is in raw mode (no canonical input, no echo).
    pub fn is_raw(&self) -> bool {
        let m = tcgetattr(&self.slave).unwrap().local_modes;
        !m.intersects(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG)
    }

    /// A command whose stdin, stdout and stderr are the slave, which is
    /// also its controlling terminal (`setsid --ctty`), as in a login
    /// shell: the kernel sends it SIGWINCH on a resize.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new("setsid");
        c.args(["--ctty", program]);
        let slave = || Stdio::from(self.open_slave());
        c.stdin(slave()).stdout(slave()).stderr(slave());
        c
    }

    /// The slave again, as std's type (rustix's is its own without std).
    pub fn open_slave(&self) -> std::fs::File {
        let path = format!("/proc/self/fd/{}", self.slave.as_raw_fd());
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap()
    }

    pub fn type_in(&self, bytes: &[u8]) {
        rustix::io::write(self.master.as_fd(), bytes).unwrap();
    }

    pub fn shown(&self) -> String {
        String::from_utf8_lossy(&self.shown.lock().unwrap()).into_owned()
    }

    /// Waits until `text` has been shown; generous, the machine is busy.
    pub fn wait_for(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !self.shown().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; shown: {:?}",
                self.shown()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Waits for `child` with a generous deadline; its exit code, or 128+N.
pub fn wait_exit(child: &mut std::process::Child) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status
                .code()
                .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
        }
        assert!(Instant::now() < deadline, "the command did not exit");
        std::thread::sleep(Duration::from_millis(10));
    }
}
