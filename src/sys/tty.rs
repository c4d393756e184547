//! Terminal modes through the classic `TCGETS`/`TCSETS` ioctls (ioctl_tty(2)),
//! on the kernel's own `struct termios`: sct only saves, flips to raw and
//! restores, so it needs none of the baud-rate decoding of termios2.

use linux_raw_sys::general::termios;
use linux_raw_sys::ioctl::{TCGETS, TCSETS};
use rustix::fd::{AsFd, AsRawFd};
use syscalls::Sysno;

use super::{syscall, Errno};

/// A terminal's modes, as `TCGETS` reports them.
pub type Termios = termios;

/// `ioctl(fd, TCGETS)`: the terminal's modes; ENOTTY if `fd` is no terminal.
pub fn tcgets<Fd: AsFd>(fd: Fd) -> Result<Termios, Errno> {
    // SAFETY: termios is plain old data; all-zero is a valid value.
    let mut t: Termios = unsafe { core::mem::zeroed() };
    // SAFETY: the kernel writes one `struct termios` to `t`, which lives
    // across the call.
    unsafe {
        syscall!(
            Sysno::ioctl,
            fd.as_fd().as_raw_fd(),
            TCGETS,
            &mut t as *mut Termios
        )
    }?;
    Ok(t)
}

/// `ioctl(fd, TCSETS, t)` (tcsetattr(3) with TCSANOW).
pub fn tcsets<Fd: AsFd>(fd: Fd, t: &Termios) -> Result<(), Errno> {
    // SAFETY: the kernel only reads one `struct termios` from `t`.
    unsafe {
        syscall!(
            Sysno::ioctl,
            fd.as_fd().as_raw_fd(),
            TCSETS,
            t as *const Termios
        )
    }
    .map(drop)
}
