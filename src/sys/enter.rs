//! What `exec` needs beyond rustix: running sct's sealed copy, and the
//! working directory as the kernel sees it.

use rustix::fd::{AsRawFd, BorrowedFd};
use syscalls::Sysno;

use super::args::Argv;
use super::{syscall, Errno};

/// `execveat(fd, "", argv, envp, AT_EMPTY_PATH)` (execveat(2)): runs the
/// program open at `fd`. Returns only on failure.
pub fn execveat_fd(fd: BorrowedFd<'_>, argv: Argv<'_>, envp: Argv<'_>) -> Errno {
    let empty = c"";
    // SAFETY: `empty` is NUL-terminated; `Argv` guarantees both vectors are
    // NULL-terminated arrays of valid C strings that outlive the call.
    let r = unsafe {
        syscall!(
            Sysno::execveat,
            fd.as_raw_fd(),
            empty.as_ptr(),
            argv.as_ptr(),
            envp.as_ptr(),
            linux_raw_sys::general::AT_EMPTY_PATH
        )
    };
    match r {
        Ok(_) => Errno::INVAL,
        Err(e) => e,
    }
}

/// `getcwd(2)` into `buf`: the path without its NUL. A directory the root
/// cannot reach comes back as `(unreachable)/...`, not starting with `/`.
pub fn getcwd(buf: &mut [u8]) -> Result<&[u8], Errno> {
    // SAFETY: the kernel writes at most `buf.len()` bytes into `buf`, which
    // is writable and outlives the call.
    let n = unsafe { syscall!(Sysno::getcwd, buf.as_mut_ptr(), buf.len()) }?;
    // The length counts the NUL.
    Ok(&buf[..n.saturating_sub(1)])
}
