//! Interface flags through the classic `SIOC[GS]IFFLAGS` ioctls, and one
//! descriptor passed over a unix socket (SCM_RIGHTS).

use linux_raw_sys::ioctl::{SIOCGIFFLAGS, SIOCSIFFLAGS};
use linux_raw_sys::net::{ifreq, net_device_flags};
use rustix::fd::{AsFd, AsRawFd};
use syscalls::Sysno;

use super::{syscall, Errno};

/// Sets `IFF_UP` on the interface `name` (at most 15 bytes), using `sock`,
/// any socket of the network namespace.
pub fn set_up<Fd: AsFd>(sock: Fd, name: &[u8]) -> Result<(), Errno> {
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: ifreq = unsafe { core::mem::zeroed() };
    // SAFETY: writing the name member of the name union.
    let ifr_name = unsafe { &mut req.ifr_ifrn.ifrn_name };
    if name.len() >= ifr_name.len() {
        return Err(Errno::NAMETOOLONG);
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

/// A control message carrying one descriptor (SCM_RIGHTS, unix(7)), laid
/// out as the kernel reads and writes it: `CMSG_SPACE(sizeof(int))` bytes.
#[repr(C)]
struct FdMessage {
    header: linux_raw_sys::net::cmsghdr,
    fd: i32,
}

/// `sendmsg(socket, {1}, SCM_RIGHTS fd, MSG_NOSIGNAL)` (sendmsg(2)): one
/// byte, with `fd` attached if given.
pub fn sendmsg_fd<Fd: AsFd>(
    socket: Fd,
    fd: Option<rustix::fd::BorrowedFd<'_>>,
) -> Result<(), Errno> {
    use linux_raw_sys::net::{cmsghdr, msghdr, MSG_NOSIGNAL, SCM_RIGHTS, SOL_SOCKET};
    let mut byte = 1u8;
    let mut iov = linux_raw_sys::general::iovec {
        iov_base: (&mut byte as *mut u8).cast(),
        iov_len: 1,
    };
    let mut control = FdMessage {
        header: cmsghdr {
            cmsg_len: core::mem::size_of::<cmsghdr>() + 4,
            cmsg_level: SOL_SOCKET as _,
            cmsg_type: SCM_RIGHTS as _,
        },
        fd: fd.map_or(-1, |fd| fd.as_raw_fd()),
    };
    let msg = msghdr {
        msg_name: core::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: (&mut iov as *mut linux_raw_sys::general::iovec).cast(),
        msg_iovlen: 1,
        msg_control: (&mut control as *mut FdMessage).cast(),
        msg_controllen: if fd.is_some() {
            core::mem::size_of::<FdMessage>()
        } else {
            0
        },
        msg_flags: 0,
    };
    // SAFETY: `msg` points at `iov`, `byte` and `control`, all alive across
    // the call; the kernel only reads them.
    unsafe {
        syscall!(
            Sysno::sendmsg,
            socket.as_fd().as_raw_fd(),
            &msg as *const msghdr,
            MSG_NOSIGNAL
        )
    }
    .map(drop)
}

/// `recvmsg(socket, 1 byte, MSG_CMSG_CLOEXEC)` (recvmsg(2)): how many bytes
/// came (0 at EOF), and the descriptor passed with them, close-on-exec.
/// More descriptors than one do not fit, and the kernel closes them.
pub fn recvmsg_fd<Fd: AsFd>(socket: Fd) -> Result<(usize, Option<rustix::fd::OwnedFd>), Errno> {
    use linux_raw_sys::net::{cmsghdr, msghdr, MSG_CMSG_CLOEXEC, SCM_RIGHTS, SOL_SOCKET};
    let mut byte = 0u8;
    let mut iov = linux_raw_sys::general::iovec {
        iov_base: (&mut byte as *mut u8).cast(),
        iov_len: 1,
    };
    // SAFETY: plain old data; all-zero is a valid value.
    let mut control: FdMessage = unsafe { core::mem::zeroed() };
    let mut msg = msghdr {
        msg_name: core::ptr::null_mut(),
        msg_namelen: 0,
        msg_iov: (&mut iov as *mut linux_raw_sys::general::iovec).cast(),
        msg_iovlen: 1,
        msg_control: (&mut control as *mut FdMessage).cast(),
        msg_controllen: core::mem::size_of::<FdMessage>(),
        msg_flags: 0,
    };
    // SAFETY: `msg` points at `iov`, `byte` and `control`, alive across the
    // call, with their true sizes; the kernel writes `msg`'s lengths back.
    let n = unsafe {
        syscall!(
            Sysno::recvmsg,
            socket.as_fd().as_raw_fd(),
            &mut msg as *mut msghdr,
            MSG_CMSG_CLOEXEC
        )
    }?;
    let h = &control.header;
    let passed = msg.msg_controllen >= core::mem::size_of::<cmsghdr>() + 4
        && h.cmsg_level == SOL_SOCKET as i32
        && h.cmsg_type == SCM_RIGHTS as i32;
    // SAFETY: the kernel installed this descriptor for us just now; we are
    // its only owner.
    let fd = passed.then(|| unsafe { rustix::fd::FromRawFd::from_raw_fd(control.fd) });
    Ok((n, fd))
}
