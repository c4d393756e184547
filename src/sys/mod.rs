//! The only place where sct uses `unsafe`: thin wrappers for what rustix does
//! not offer (clone3, execve, signal waits, close_range, seccomp, bpf,
//! mount_setattr), access to the argument and environment vectors the
//! kernel gave us, and a list that leaves its free places uninitialised.
//!
//! Each wrapper is named after its syscall and states its man page.
#![allow(unsafe_code)]

pub mod arena;
pub mod args;
pub mod bpf;
pub mod enter;
pub mod list;
pub mod mount;
pub mod net;
pub mod process;
pub mod seccomp;
pub mod signal;
pub mod slots;
pub mod stack;
pub mod start;
pub mod tty;

/// sct's one errno type. rustix's, since most calls go through rustix; the
/// raw calls of the wrappers here convert theirs in `syscall!`.
pub use rustix::io::Errno;

/// `syscalls::syscall!`, its error turned into sct's `Errno`: the one place
/// where the `syscalls` crate's errno type is converted. (Where the error is
/// ignored, the wrappers call `syscalls::syscall!` itself: the conversion
/// checks its range, a branch the compiler cannot drop.)
macro_rules! syscall {
    ($($args:tt)*) => {
        syscalls::syscall!($($args)*).map_err(|e| $crate::sys::Errno::from_raw_os_error(e.into_raw()))
    };
}
pub(crate) use syscall;

/// Seconds since the epoch (`clock_gettime(CLOCK_REALTIME)`, clock_gettime(2)).
/// The syscall itself, not rustix's vDSO call: finding the vDSO's entry
/// caches it in an atomic, which on aarch64 links compiler_builtins'
/// outline atomics and, with them, an unwinder sct does not have. The
/// time is read once per OCI command.
pub fn realtime_secs() -> u64 {
    let mut ts = linux_raw_sys::general::__kernel_timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: the kernel writes one timespec to `ts`, which lives across
    // the call; CLOCK_REALTIME always exists.
    let r = unsafe {
        syscalls::syscall!(
            syscalls::Sysno::clock_gettime,
            linux_raw_sys::general::CLOCK_REALTIME,
            &mut ts as *mut _
        )
    };
    match r {
        Ok(_) => ts.tv_sec.max(0) as u64,
        Err(_) => 0,
    }
}

/// Runs `call` again for as long as a signal interrupts it (EINTR): the
/// one retry loop of sct's.
pub fn retry<T>(mut call: impl FnMut() -> Result<T, Errno>) -> Result<T, Errno> {
    loop {
        match call() {
            Err(Errno::INTR) => continue,
            other => return other,
        }
    }
}

/// Standard error, for sct's own one-line messages.
pub fn stderr() -> rustix::fd::BorrowedFd<'static> {
    // SAFETY: fd 2 is only ever written to. If it was closed, or replaced by
    // something else, the write fails or lands there, as for any program.
    unsafe { rustix::stdio::stderr() }
}

/// Standard output, for `--help` and `--version`.
pub fn stdout() -> rustix::fd::BorrowedFd<'static> {
    // SAFETY: as for `stderr`.
    unsafe { rustix::stdio::stdout() }
}

/// Defines the process's entry point (`start`'s module), which hands the
/// kernel's argument and environment vectors to `$run` as safe types.
///
/// `$run: fn(args::Args, args::Environ) -> u8`; its result is the exit code.
#[macro_export]
macro_rules! entry_point {
    ($run:path) => {
        #[allow(unsafe_code)]
        unsafe extern "C" fn start(sp: *const usize) -> ! {
            // SAFETY: only `sct_start` calls this, with the stack pointer the
            // kernel started the process with.
            let (args, env) = unsafe { $crate::sys::start::vectors(sp) };
            // Exit directly: there is no libc whose exit() could run.
            $crate::sys::process::exit($run(args, env))
        }
        $crate::start_code!(start);
    };
}

/// Borrows a descriptor by number, for descriptors sct did not open itself
/// (inherited ones it only changes flags on).
pub fn borrow_fd(fd: i32) -> rustix::fd::BorrowedFd<'static> {
    // SAFETY: the result is used only for fcntl-style calls, which fail with
    // EBADF if `fd` is not open; sct never closes through it, so no other
    // owner's descriptor can be invalidated.
    unsafe { rustix::fd::BorrowedFd::borrow_raw(fd) }
}
