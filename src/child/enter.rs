//! `exec`'s child: a new process of a running container. It joins the
//! init's namespaces instead of making them, and takes the same
//! confinement the init took (cgroup, capabilities, no_new_privs, seccomp,
//! limits, user), then execs. The parent (oci::exec) placed it in the
//! container's cgroup and PID namespace before the first handshake.

use core::convert::Infallible;

use rustix::fd::{AsFd, BorrowedFd};
use rustix::process::{set_dumpable_behavior, DumpableBehavior};
use rustix::thread::{move_into_thread_name_spaces, ThreadNameSpaceType};

use super::{caps, exec, fds, lifecycle, rlimits, seccomp, session};
use crate::cli::Config;
use crate::error::{Context, Error, Result};
use crate::profile::Filter;
use crate::sync::ChildEnd;
use crate::sys::args::Argv;
use crate::sys::process::exit;

/// What the parent worked out for the joining process.
pub struct Entry<'a> {
    /// A pidfd of the container's init, checked to be the process
    /// `create` recorded.
    pub init: BorrowedFd<'a>,
    /// The init's namespaces that are not already ours.
    pub namespaces: u32,
    /// config.json's `linux.seccomp`, compiled as `create` compiled it.
    pub profile: Option<&'a Filter>,
    pub argv: Argv<'a>,
    pub env: Argv<'a>,
    /// Descriptors 3..3+N stay open for CMD.
    pub preserve_fds: u32,
    /// sct exits once CMD runs: CMD must outlive it.
    pub detach: bool,
    /// Where the pty's master goes when `cfg.terminal` (else to sct).
    pub console: Option<BorrowedFd<'a>>,
}

/// Joins the container and execs; a failure goes to the parent, which
/// prints it.
pub fn run(cfg: &Config, entry: &Entry, mut channel: ChildEnd) -> ! {
    let Err(err) = join_and_exec(cfg, entry, &mut channel);
    channel.report(&err);
    exit(1)
}

fn join_and_exec(cfg: &Config, entry: &Entry, channel: &mut ChildEnd) -> Result<Infallible> {
    lifecycle::die_with_parent()?;
    // The release says we are in the container's cgroup (its device rule
    // and limits apply from here) and, being a child of a process whose
    // pid_for_children is the container's, in its PID namespace.
    if !channel.ready_and_wait() {
        exit(1);
    }
    join_namespaces(entry)?;
    enter_cwd(cfg)?;
    session::leave_callers_terminal()?;
    // As for the init (child/terminal.rs): after setns, so that the pty is
    // the container's devpts', and after setsid; before the user switch,
    // as runc makes it.
    if cfg.terminal {
        let master = super::terminal::make_console(cfg.console_size, false)?;
        match entry.console {
            Some(socket) => crate::sync::send_with_fd(&socket, Some(master.as_fd()))
                .at("send", b"--console-socket")?,
            None => channel.pass_terminal(master),
        }
    }
    // The fds of sct's own (the init's pidfd, the cgroup directories, the
    // state's lock) are all above the preserved ones: the parent checked
    // that 3..3+N are open before it opened any.
    fds::mark_fds_cloexec_from(3 + entry.preserve_fds)?;
    rlimits::set_resource_limits(&cfg.rlimits)?;
    // In create's order (child::mod says why a profile goes first
    // without no_new_privs).
    let profile_early = !cfg.no_new_privileges && entry.profile.is_some();
    if let (true, Some(profile)) = (profile_early, entry.profile) {
        seccomp::install_profile(profile)?;
    }
    caps::limit_bounding_set(cfg.capabilities)?;
    if let Some((uid, gid)) = cfg.user {
        lifecycle::become_user(uid, gid, cfg.additional_gids.as_slice())?;
    }
    caps::set_capabilities(caps::kept_for(cfg.capabilities, cfg.user))?;
    stay_undumpable()?;
    if cfg.no_new_privileges {
        caps::set_no_new_privileges()?;
    }
    if let Some(mask) = cfg.umask {
        super::attrs::set_umask(mask);
    }
    let relay = cfg.terminal && entry.console.is_none();
    if entry.detach || relay {
        // sct exits once CMD runs: the death signal goes, and the parent,
        // which answers only if it still lives, then waits for the exec.
        if entry.detach {
            rustix::process::set_parent_process_death_signal(None)
                .at("prctl", b"PR_SET_PDEATHSIG")?;
        }
        // With a relayed terminal, this byte carries the master.
        if !channel.ready_and_wait() {
            exit(1);
        }
    }
    lifecycle::restore_signal_mask()?;
    // seccomp last, as for the init: it never sees these setup calls.
    if let (false, Some(profile)) = (profile_early, entry.profile) {
        seccomp::install_profile(profile)?;
    }
    exec::exec_argv(entry.argv, entry.env)
}

/// setns(2) with the init's pidfd (Linux 5.8) joins all its namespaces in
/// one call, and the kernel orders them itself: the user namespace first,
/// so that the others are entered with the capabilities it gives, which
/// joining one by one would need too (setns(2)). The PID and time
/// namespaces apply only to children: the parent joined those before it
/// cloned us. A change of user namespace changes the credentials, which
/// clears the death signal and may make us dumpable: both are set again.
fn join_namespaces(entry: &Entry) -> Result<()> {
    if entry.namespaces == 0 {
        return Ok(());
    }
    let kinds = ThreadNameSpaceType::from_bits_retain(entry.namespaces);
    move_into_thread_name_spaces(entry.init, kinds)
        .at("setns", b"container")
        .map_err(|e| {
            e.hint_if(
                crate::sys::Errno::INVAL,
                "joining a container by pidfd needs Linux 5.8",
            )
        })?;
    lifecycle::die_with_parent()?;
    stay_undumpable()
}

/// Enters the working directory inside the container's root (setns of the
/// mount namespace put us at its root), then makes sure the kernel sees
/// it below that root: a path through a descriptor of sct's
/// (`/proc/self/fd/N`, still open until exec) would leave CMD in a host
/// directory (CVE-2024-21626, where runc's leaked fd of /sys/fs/cgroup
/// became the cwd). getcwd(2) says `(unreachable)` for such a directory.
fn enter_cwd(cfg: &Config) -> Result<()> {
    super::pivot::enter_workdir(cfg.workdir)?;
    let mut buf = [0u8; 4096];
    match crate::sys::enter::getcwd(&mut buf) {
        Ok(path) if path.first() == Some(&b'/') => Ok(()),
        _ => Err(Error::setup(
            "chdir",
            cfg.workdir.to_bytes(),
            "outside the container's root",
        )),
    }
}

/// Until exec, no process of the container may open /proc/PID/exe or
/// /proc/PID/mem of ours (ptrace access needs a dumpable task, or
/// CAP_SYS_PTRACE); execve makes CMD dumpable again (CVE-2019-5736; the
/// parent says what else keeps sct's binary safe).
pub fn stay_undumpable() -> Result<()> {
    set_dumpable_behavior(DumpableBehavior::NotDumpable).at("prctl", b"PR_SET_DUMPABLE")
}
