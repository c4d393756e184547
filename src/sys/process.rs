//! Process creation, replacement and exit.

use core::ffi::CStr;

use linux_raw_sys::general::{clone_args, CLONE_PIDFD, SIGCHLD};
use rustix::fd::{FromRawFd, OwnedFd, RawFd};
use rustix::process::Pid;
use syscalls::Sysno;

use super::args::Argv;
use super::{syscall, Errno};

/// Which side of a fork we are on.
pub enum Fork {
    Child,
    Parent { pid: Pid, pidfd: Option<OwnedFd> },
}

/// `clone3(2)` without `CLONE_VM` and without a stack: a fork into the new
/// namespaces in `flags`, returning a pidfd for the child.
///
/// `cgroup`, when given, is an open cgroup v2 directory the child starts in
/// (`CLONE_INTO_CGROUP`, Linux 5.7).
pub fn clone3(flags: u64, cgroup: Option<RawFd>) -> Result<Fork, Errno> {
    let mut pidfd: i32 = -1;
    let mut args = clone_args {
        flags: flags | u64::from(CLONE_PIDFD),
        pidfd: &mut pidfd as *mut i32 as u64,
        child_tid: 0,
        parent_tid: 0,
        exit_signal: u64::from(SIGCHLD),
        stack: 0,
        stack_size: 0,
        tls: 0,
        set_tid: 0,
        set_tid_size: 0,
        cgroup: 0,
    };
    if let Some(fd) = cgroup {
        args.flags |= linux_raw_sys::general::CLONE_INTO_CGROUP;
        args.cgroup = fd as u64;
    }
    // Kernels before 5.7 reject the 88-byte struct (E2BIG) even when
    // `cgroup` is unused, so send only as much as the call needs.
    let size = if cgroup.is_some() {
        core::mem::size_of::<clone_args>()
    } else {
        linux_raw_sys::general::CLONE_ARGS_SIZE_VER0 as usize
    };
    // SAFETY: `args` is a valid clone_args of at least `size` bytes, and
    // `pidfd` outlives the call. Without CLONE_VM and with no stack the child
    // gets a copy-on-write copy of our memory, like fork(2): both sides return
    // here with their own stack. (No libc is linked whose cached thread id
    // would still be the parent's: src/sys/start.rs.)
    let ret = unsafe { syscall!(Sysno::clone3, &mut args as *mut clone_args, size) }?;
    Ok(fork_result(ret, Some(pidfd)))
}

/// `clone(2)` with no stack: the pre-5.3 way to fork into new namespaces.
/// There is no pidfd on this path.
pub fn clone(flags: u64) -> Result<Fork, Errno> {
    // SAFETY: a NULL stack with no CLONE_VM makes clone behave like fork(2);
    // the TID and TLS pointers are unused without their flags (zero in
    // either argument order, x86_64's or aarch64's).
    let ret = unsafe { syscall!(Sysno::clone, flags | u64::from(SIGCHLD), 0, 0, 0, 0) }?;
    Ok(fork_result(ret, None))
}

fn fork_result(ret: usize, pidfd: Option<i32>) -> Fork {
    match Pid::from_raw(ret as i32) {
        None => Fork::Child,
        Some(pid) => Fork::Parent {
            pid,
            // SAFETY: the kernel just created this descriptor for us
            // (CLONE_PIDFD) and nobody else owns it.
            pidfd: pidfd
                .filter(|fd| *fd >= 0)
                .map(|fd| unsafe { OwnedFd::from_raw_fd(fd) }),
        },
    }
}

/// `execve(2)`: returns only on failure.
pub fn execve(path: &CStr, argv: Argv<'_>, envp: Argv<'_>) -> Errno {
    // SAFETY: `path` is NUL-terminated; `Argv` guarantees both vectors are
    // NULL-terminated arrays of valid C strings that outlive the call.
    match unsafe { syscall!(Sysno::execve, path.as_ptr(), argv.as_ptr(), envp.as_ptr()) } {
        Ok(_) => Errno::INVAL, // execve does not return on success
        Err(e) => e,
    }
}

/// `exit_group(2)`: ends every thread of the process, with no libc clean-up.
///
/// It can return: under a seccomp profile (`--seccomp FILE`, config.json)
/// whose default answer is an errno and which has no rule for it, the
/// child's exit after a failed execve gets EPERM. Then `exit(2)`, which
/// ends a process of one thread as well; and if the profile denies that
/// too, an undefined instruction, whose SIGILL no filter sees and the
/// kernel delivers even where it is blocked or ignored (force_sig_fault()).
/// Retrying the call instead spun at full CPU for ever, with sct waiting.
pub fn exit(code: u8) -> ! {
    // SAFETY: exit_group and exit take a plain integer; each ends the
    // process or fails without effect.
    unsafe {
        let _ = syscalls::syscall!(Sysno::exit_group, code);
        let _ = syscalls::syscall!(Sysno::exit, code);
    }
    loop {
        trap();
    }
}

/// An undefined instruction: SIGILL.
fn trap() {
    // SAFETY: the instruction touches no memory; the kernel answers it
    // with SIGILL, which ends the process (see `exit`).
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("ud2", options(nomem, nostack));
        #[cfg(any(target_arch = "aarch64", target_arch = "arm"))]
        core::arch::asm!("udf #0", options(nomem, nostack));
        #[cfg(target_arch = "riscv64")]
        core::arch::asm!("unimp", options(nomem, nostack));
    }
}

/// `CLOSE_RANGE_CLOEXEC` from include/uapi/linux/close_range.h, which
/// linux-raw-sys 0.12 does not carry.
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;

/// `close_range(first, ~0, CLOSE_RANGE_CLOEXEC)` (Linux 5.11): marks every
/// descriptor from `first` on close-on-exec. Older kernels answer ENOSYS or
/// EINVAL.
pub fn close_range_cloexec(first: u32) -> Result<(), Errno> {
    // SAFETY: close_range only changes descriptor flags of this process.
    unsafe { syscall!(Sysno::close_range, first, u32::MAX, CLOSE_RANGE_CLOEXEC) }.map(drop)
}

/// Closes descriptor `fd`, which this process inherited at clone and must
/// not keep (the lock on a container's state, in its parked init).
pub fn close_inherited(fd: RawFd) {
    // SAFETY: called right after clone, on a descriptor nothing in this
    // process owns or uses; at worst it is already closed (EBADF).
    unsafe {
        let _ = syscalls::syscall!(Sysno::close, fd);
    }
}

/// A child's change of state, as waitid(2) reports it in its siginfo.
pub struct ChildEvent {
    /// The thread that changed: a traced thread's own id, or the child's pid.
    pub pid: i32,
    /// `CLD_EXITED`, `CLD_KILLED`, `CLD_DUMPED` or `CLD_TRAPPED`.
    pub code: u32,
    /// The exit code, or the signal that killed or stopped it.
    pub status: i32,
}

/// A child `wait_exit` waits for (waitid(2)'s idtype and id).
pub enum Waited<'a> {
    Pid(Pid),
    PidFd(rustix::fd::BorrowedFd<'a>),
}

/// `waitid(idtype, id, info, options)` (waitid(2)): the child's change of
/// state, `None` when WNOHANG finds none.
fn waitid(idtype: u32, id: i32, options: u32) -> Result<Option<ChildEvent>, Errno> {
    use linux_raw_sys::general::siginfo_t;
    // SAFETY: all-zero bytes are a valid siginfo_t (a C struct of integers).
    let mut info: siginfo_t = unsafe { core::mem::zeroed() };
    // SAFETY: `info` is a writable siginfo_t that outlives the call; the
    // kernel writes at most its size; the last argument (rusage) is NULL.
    unsafe {
        syscall!(
            Sysno::waitid,
            idtype,
            id,
            &mut info as *mut siginfo_t,
            options,
            0
        )
    }?;
    // SAFETY: the kernel filled in the SIGCHLD variant of the union (or left
    // it zeroed when no child had changed, WNOHANG).
    let (code, child) = unsafe {
        let i = &info.__bindgen_anon_1.__bindgen_anon_1;
        (i.si_code, i._sifields._sigchld)
    };
    Ok((child._pid != 0).then_some(ChildEvent {
        pid: child._pid,
        code: code as u32,
        status: child._status,
    }))
}

/// `waitid(P_ALL, 0, info, WEXITED | WNOHANG | __WALL)` (waitid(2)): the
/// next exit of any child, or ptrace-stop of any thread this process traces
/// (reported without WSTOPPED), without blocking; `None` when there is none
/// now. `__WALL`: a traced thread that is not its process's leader counts
/// as a child too.
pub fn wait_any_child() -> Result<Option<ChildEvent>, Errno> {
    use linux_raw_sys::general::{__WALL, P_ALL, WEXITED, WNOHANG};
    waitid(P_ALL, 0, WEXITED | WNOHANG | __WALL)
}

/// `waitid(P_PID or P_PIDFD, ..., WEXITED)` (waitid(2)), again on EINTR:
/// blocks until `child` has exited and reaps it; its exit code if it
/// exited, `None` if a signal killed it.
pub fn wait_exit(child: Waited) -> Result<Option<i32>, Errno> {
    use linux_raw_sys::general::{CLD_EXITED, P_PID, P_PIDFD, WEXITED};
    let (idtype, id) = match child {
        Waited::Pid(pid) => (P_PID, pid.as_raw_nonzero().get()),
        Waited::PidFd(fd) => (P_PIDFD, rustix::fd::AsRawFd::as_raw_fd(&fd)),
    };
    // Without WNOHANG, waitid returns only once the child has exited.
    let event = super::retry(|| waitid(idtype, id, WEXITED))?;
    Ok(event.and_then(|e| (e.code == CLD_EXITED).then_some(e.status)))
}

/// `ptrace(PTRACE_DETACH, tid, 0, signal)` (ptrace(2)): lets a thread in a
/// ptrace-stop go on untraced, with `signal` delivered (0: none).
pub fn ptrace_detach(tid: i32, signal: i32) -> Result<(), Errno> {
    // SAFETY: plain integer arguments; the kernel checks that tid is our
    // tracee in a stop.
    unsafe {
        syscall!(
            Sysno::ptrace,
            linux_raw_sys::ptrace::PTRACE_DETACH,
            tid,
            0,
            signal
        )
    }
    .map(drop)
}

/// `unshare(CLONE_NEWCGROUP)`: a cgroup namespace rooted at the cgroup this
/// process is in (cgroup_namespaces(7)).
pub fn unshare_cgroup_namespace() -> Result<(), Errno> {
    // SAFETY: CLONE_NEWCGROUP touches no state shared with other threads
    // of this process (the reason rustix marks `unshare` unsafe is
    // CLONE_FILES/CLONE_FS), and the child is single-threaded.
    unsafe { rustix::thread::unshare_unsafe(rustix::thread::UnshareFlags::NEWCGROUP) }
}
