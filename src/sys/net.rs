//! Interface flags through the classic `SIOC[GS]IFFLAGS` ioctls.

use linux_raw_sys::ioctl::{SIOCGIFFLAGS, SIOCSIFFLAGS};
use linux_raw_sys::net::{ifreq, net_device_flags};
use rustix::fd::{AsFd, AsRawFd};
use syscalls::{syscall, Errno, Sysno};

/// Sets `IFF_UP` on the interface `name` (at most 15 bytes), using `sock`,
/// any socket of the network namespace.
pub fn set_up<Fd: AsFd>(sock: Fd, name: &[u8]) -> Result<(), Errno> {
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: ifreq = unsafe { core::mem::zeroed() };
    // SAFETY: writing the name member of the name union.
    let ifr_name = unsafe { &mut req.ifr_ifrn.ifrn_name };
    if name.len() >= ifr_name.len() {
        return Err(Errno::ENAMETOOLONG);
    }
    for (dst, src) in ifr_name.iter_mut().zip(name) {
        *dst = *src as _;
    }
    let fd = sock.as_fd().as_raw_fd();
    // SAFETY: `req` is a valid ifreq that the kernel reads and writes in place.
    unsafe { syscall!(Sysno::ioctl, fd, SIOCGIFFLAGS, &mut req as *mut ifreq) }?;
    // SAFETY: SIOCGIFFLAGS filled in the flags member of the union.
    unsafe { req.ifr_ifru.ifru_flags |= net_device_flags::IFF_UP as i16 };
    // SAFETY: as above.
    unsafe { syscall!(Sysno::ioctl, fd, SIOCSIFFLAGS, &mut req as *mut ifreq) }.map(drop)
}
