//! Mount attributes through the new mount API, which rustix does not wrap.

use linux_raw_sys::general::{mount_attr, AT_EMPTY_PATH, AT_RECURSIVE};
use rustix::fd::{AsFd, AsRawFd};
use syscalls::Sysno;

use super::{syscall, Errno};

/// `mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, {attr_set: set})`
/// (mount_setattr(2), Linux 5.12): sets the `MOUNT_ATTR_*` flags in `set` on
/// the mount whose root `fd` names and on every mount below it, atomically.
/// ENOSYS on older kernels.
pub fn mount_setattr_recursive<Fd: AsFd>(fd: Fd, set: u32) -> Result<(), Errno> {
    let attr = mount_attr {
        attr_set: u64::from(set),
        attr_clr: 0,
        propagation: 0,
        userns_fd: 0,
    };
    // SAFETY: the path is a valid empty C string and `attr` a valid
    // mount_attr whose size is passed along; the kernel only reads both,
    // before returning. A bad fd is reported as EBADF.
    unsafe {
        syscall!(
            Sysno::mount_setattr,
            fd.as_fd().as_raw_fd(),
            c"".as_ptr(),
            AT_EMPTY_PATH | AT_RECURSIVE,
            &attr as *const mount_attr,
            core::mem::size_of::<mount_attr>()
        )
    }
    .map(drop)
}
