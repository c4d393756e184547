//! Taking the changes of state of a process's children: sct's (its child is
//! the container's first process) and `--init`'s (CMD and every orphan).
//!
//! CMD can make its parent its tracer with PTRACE_TRACEME (a Go program's
//! thread does this). A traced thread's exit must then be reaped with
//! __WALL, or its process never ends; and a traced thread's stop is
//! detached with its signal passed on, so CMD runs as with no tracer (runc
//! does not hang either). SIGTRAP is not passed on: without a tracer the
//! kernel would not have sent it (the one after an exec once traced).

use linux_raw_sys::general::{CLD_DUMPED, CLD_EXITED, CLD_KILLED, CLD_TRAPPED, SIGTRAP};

use crate::error::exit_code_of_signal;
use crate::sys::process::{ptrace_detach, wait_any_child};
use crate::sys::Errno;

/// Takes every change of state there is now, without blocking; returns the
/// exit code for `main`'s status if `main` was among the children that
/// exited: its own code, or 128+N when signal N killed it (docker's
/// convention).
pub fn reap_children(main: i32) -> Result<Option<u8>, Errno> {
    let mut code = None;
    loop {
        // No retry on EINTR: with WNOHANG, waitid never sleeps, so no
        // signal can interrupt it (kernel/exit.c, do_wait).
        let event = match wait_any_child() {
            Ok(Some(event)) => event,
            Ok(None) | Err(Errno::CHILD) => return Ok(code),
            Err(e) => return Err(e),
        };
        match event.code {
            CLD_TRAPPED => {
                let signal = if event.status == SIGTRAP as i32 {
                    0
                } else {
                    event.status
                };
                // ESRCH: it was killed meanwhile, and its exit follows.
                let _ = ptrace_detach(event.pid, signal);
            }
            CLD_EXITED if event.pid == main => code = Some(event.status as u8),
            CLD_KILLED | CLD_DUMPED if event.pid == main => {
                code = Some(exit_code_of_signal(event.status as u32))
            }
            // An orphan's exit, or a traced thread's: reaped now.
            _ => {}
        }
    }
}
