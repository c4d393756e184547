//! `--init`: the container's first process stays as its PID 1, a minimal
//! init in the way of tini and catatonit (`docker run --init`), and CMD runs
//! as its child.
//!
//! A CMD that is PID 1 inherits two duties it was rarely written for. Every
//! orphan in the namespace is re-parented to it, and only it can reap them.
//! And the kernel drops each signal that PID 1 has no handler for
//! (pid_namespaces(7)), so a shell ignores the SIGTERM that `docker stop` or
//! sct's own forwarding sends it. The init reaps every orphan and passes
//! each signal on to CMD, which, not being PID 1, gets the default actions.
//!
//! The init runs sct's own code and nothing else: sct is static, so no other
//! code is mapped into it, and it never execs.

use rustix::process::{set_dumpable_behavior, DumpableBehavior, Pid};

use linux_raw_sys::general::{SIGCHLD, SIGKILL};

use super::seccomp;
use crate::cli::{Config, Seccomp};
use crate::devices::Rule;
use crate::error::{Context, Result, EXIT_SCT_FAILED};
use crate::reap::reap_children;
use crate::sync::ChildEnd;
use crate::sys::process::{self, exit, Fork};
use crate::sys::signal::{self as sig, SigSet};
use crate::sys::Errno;

/// Forks CMD's process and returns in it; this process stays the init and
/// never returns.
pub fn fork_command(cfg: &Config, devices: &[Rule], channel: &mut ChildEnd) -> Result<()> {
    // Every signal is blocked before the fork, so that none sent between it
    // and the wait loop is lost; CMD's process unblocks them before exec.
    let all = SigSet::full();
    sig::block(&all).at("sigprocmask", b"")?;
    // CMD runs as root in the same user namespace: without this it could
    // open /proc/1/mem or ptrace the init, or reach the host's sct binary
    // through /proc/1/exe (CVE-2019-5736). Non-dumpable, only
    // CAP_SYS_PTRACE can (ptrace(2), "Ptrace access mode checking").
    set_dumpable_behavior(DumpableBehavior::NotDumpable).at("prctl", b"PR_SET_DUMPABLE")?;
    // The classic clone, like fork(2): no pidfd is needed, since CMD's pid
    // cannot be reused before the init reaps it; and inside an sct container
    // (a nested sct) clone3 is refused with ENOSYS.
    let forked = process::clone(0).at("fork", b"init").map_err(|e| {
        e.hint_if(
            Errno::AGAIN,
            "under --init the init is a process too: it counts against --pids-limit and --rlimit nproc",
        )
    })?;
    let cmd = match forked {
        Fork::Child => return Ok(()),
        Fork::Parent { pid, .. } => pid,
    };
    if let Err(e) = confine(cfg, devices) {
        let _ = sig::kill(cmd.as_raw_nonzero().get(), SIGKILL);
        channel.report(&e);
        exit(EXIT_SCT_FAILED);
    }
    // From here on, the report pipe closes at CMD's exec alone, which is how
    // the parent learns that CMD started.
    channel.close_report();
    exit(supervise(cmd, &all))
}

/// The init runs under the default filter too, as it runs inside the
/// container; it needs only wait4, rt_sigtimedwait, kill and exit_group,
/// which the default policy allows. Not `--seccomp-deny`'s extras: those
/// are meant for CMD, and one of these four among them would leave the
/// init unable to reap CMD and sct waiting forever.
fn confine(cfg: &Config, devices: &[Rule]) -> Result<()> {
    // Under a profile too: the init's few syscalls are known, CMD's
    // profile may not allow them.
    if cfg.seccomp != Seccomp::Unconfined {
        seccomp::install_filter(&[], devices)?;
    }
    Ok(())
}

/// Reaps every child and forwards every signal to CMD, until CMD exits;
/// returns the exit code for CMD's status. The init's exit then makes the
/// kernel kill whatever is left in the namespace.
fn supervise(cmd: Pid, signals: &SigSet) -> u8 {
    loop {
        match sig::wait(signals) {
            // One SIGCHLD may stand for many children; PID 1 cannot be
            // killed by CMD's signal, so it passes the number on, as sct
            // does.
            Ok(SIGCHLD) => match reap_children(cmd.as_raw_nonzero().get()) {
                Ok(Some(code)) => return code,
                Ok(None) => {}
                Err(_) => {
                    let _ = sig::kill(cmd.as_raw_nonzero().get(), SIGKILL);
                    return EXIT_SCT_FAILED;
                }
            },
            // Fails only once CMD is a zombie; the SIGCHLD is on its way.
            Ok(other) => {
                let _ = sig::kill(cmd.as_raw_nonzero().get(), other);
            }
            Err(_) => {
                let _ = sig::kill(cmd.as_raw_nonzero().get(), SIGKILL);
                return EXIT_SCT_FAILED;
            }
        }
    }
}
