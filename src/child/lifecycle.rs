//! Ties the container's life to sct's.

use core::ffi::CStr;

use linux_raw_sys::general::SIGKILL;
use rustix::process::{set_parent_process_death_signal, Signal};

use rustix::fd::{AsFd, OwnedFd, RawFd};
use rustix::fs::{Mode, OFlags};

use crate::error::{Context, Result};
use crate::sync::ChildEnd;
use crate::sys::signal;

/// If sct dies, even by SIGKILL, the kernel kills this process; as PID 1 of
/// its namespace, its death takes every other container process with it.
pub fn die_with_parent() -> Result<()> {
    let kill = Signal::from_named_raw(SIGKILL as i32);
    set_parent_process_death_signal(kill).at("prctl", b"PR_SET_PDEATHSIG")
}

/// Moves this process into the container's v1 cgroups, before any setup
/// step: "0" in `tasks` is the writing thread itself, which the kernel
/// moves without the global lock a move of another process waits for
/// (Cgroup::join_fds). Each descriptor is closed once used.
pub fn join_cgroups(tasks: &[RawFd]) -> Result<()> {
    for &fd in tasks.iter().filter(|&&fd| fd >= 0) {
        let file = crate::sys::borrow_fd(fd);
        crate::out::write(file, b"0").at("join cgroup", b"tasks")?;
        crate::sys::process::close_inherited(fd);
    }
    Ok(())
}

/// The parked init's name (its `comm`, in /proc/PID/stat), as runc's is
/// `runc:[2:INIT]`: what tells a container `start` let go from one still
/// parked once a `start` killed in between left the exec FIFO behind
/// (oci::state::status).
pub const PARKED_NAME: &CStr = c"sct:[parked]";

/// What the init is called from its release on, until CMD's exec names it
/// after CMD (or for good, as `--init`'s reaper).
const RELEASED_NAME: &CStr = c"sct";

/// `create`: waits, with everything set up, until `start` opens the exec
/// FIFO; sct itself exits meanwhile. The death signal is disarmed first,
/// then a third handshake tells the parent so: a parent killed before it
/// still takes the container with it (EOF or the signal, sync.rs), and one
/// killed after it leaves a parked container that `delete` removes.
/// Returns the FIFO's writer: `start` waits for it to close.
pub fn park(channel: &mut ChildEnd, fifo: RawFd) -> Result<OwnedFd> {
    // Named before the handshake, so that the name holds by the time
    // `create` returns and anyone can ask for the state.
    rustix::thread::set_name(PARKED_NAME).at("prctl", b"PR_SET_NAME")?;
    set_parent_process_death_signal(None).at("prctl", b"PR_SET_PDEATHSIG")?;
    if !channel.ready_and_wait() {
        crate::sys::process::exit(crate::error::EXIT_SCT_FAILED);
    }
    // The parent is gone from here: an exec failure is CMD's stderr's.
    channel.report_to_stderr();
    // Reopened through /proc, as runc does: the FIFO's directory is on the
    // host, out of reach since pivot_root, and an open for writing blocks
    // until a reader comes, which is what `start` is.
    let mut path = crate::out::Text::from(b"/proc/self/fd/");
    path.push_u64(fifo as u64).push(b"\0");
    let writer = crate::sys::retry(|| {
        rustix::fs::open(
            path.as_c_str(),
            OFlags::WRONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    })
    .at("open", b"exec.fifo")?;
    // Released: renamed at once, and before the byte that lets `start`
    // unlink the FIFO; from here the init goes on without `start`, so it
    // looks parked only for these few instructions. Best effort: CMD's
    // exec renames it anyway.
    let _ = rustix::thread::set_name(RELEASED_NAME);
    crate::out::write(writer.as_fd(), b"0").at("write", b"exec.fifo")?;
    // `fifo` itself is close-on-exec, as every descriptor is by now.
    Ok(writer)
}

/// The parent blocked the signals it forwards before cloning us; the mask is
/// inherited across exec, so CMD would never see them.
// Out of line: the checklist and `exec`'s join_and_exec both call it.
#[inline(never)]
pub fn restore_signal_mask() -> Result<()> {
    signal::unblock_all().at("sigprocmask", b"")
}

/// `--user`: sets the supplementary groups (none on the command line), then GID and UID (in that
/// order: without root, setgid would fail). Changing credentials clears
/// PR_SET_PDEATHSIG (prctl(2)), so it is set again.
pub fn become_user(uid: u32, gid: u32, groups: &[u32]) -> Result<()> {
    use rustix::process::{Gid, Uid};
    if groups.is_empty() {
        drop_supplementary_groups()?;
    } else {
        let mut list = [Gid::ROOT; crate::cli::MAX_GIDS];
        for (slot, &g) in list.iter_mut().zip(groups) {
            *slot = Gid::from_raw(g);
        }
        rustix::thread::set_thread_groups(&list[..groups.len()]).at("setgroups", b"")?;
    }
    rustix::thread::set_thread_gid(Gid::from_raw(gid)).at("setgid", b"")?;
    rustix::thread::set_thread_uid(Uid::from_raw(uid)).at("setuid", b"")?;
    die_with_parent()
}

/// In a user namespace of its own, once the parent has written the maps:
/// takes uid and gid 0 of the namespace. Under root's `--uidmap` sct still
/// has host root's ids, which the namespace does not map (files it made
/// would fail with EOVERFLOW, and it would have no uid inside); for an
/// ordinary caller, mapped to 0 already, nothing changes but the groups.
/// Capabilities stay: the namespace gave the full set, and setresuid to
/// its root keeps it (capabilities(7)). A change of ids clears
/// PR_SET_PDEATHSIG, so it is armed again; the last release, before CMD,
/// proves the parent was alive after that (sync.rs).
///
/// `setgroups_denied`: the parent's maps denied setgroups, so the kernel
/// keeps the caller's supplementary groups for good (user_namespaces(7),
/// CVE-2014-8989) and would refuse to clear them: they stay, as under
/// bubblewrap, shown as the overflow gid.
pub fn become_namespace_root(setgroups_denied: bool) -> Result<()> {
    use rustix::process::{Gid, Uid};
    rustix::thread::set_thread_res_gid(Gid::ROOT, Gid::ROOT, Gid::ROOT).at("setresgid", b"0")?;
    rustix::thread::set_thread_res_uid(Uid::ROOT, Uid::ROOT, Uid::ROOT).at("setresuid", b"0")?;
    if !setgroups_denied {
        drop_supplementary_groups()?;
    }
    die_with_parent()
}

/// Clears the supplementary groups, which would otherwise be the host's
/// (root's, under `--uidmap`). Where the parent, unprivileged, had to deny
/// setgroups to map the caller's gid, the kernel keeps the caller's groups
/// for good (user_namespaces(7), CVE-2014-8989): they stay, as under
/// bubblewrap, shown as the overflow gid.
fn drop_supplementary_groups() -> Result<()> {
    match rustix::thread::set_thread_groups(&[]) {
        Err(rustix::io::Errno::PERM) if setgroups_denied() => Ok(()),
        other => other.at("setgroups", b""),
    }
}

/// Whether /proc/self/setgroups says `deny`.
fn setgroups_denied() -> bool {
    use rustix::fs::{open, Mode, OFlags};
    let Ok(fd) = open(
        c"/proc/self/setgroups",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return false;
    };
    let mut buf = [0u8; 8];
    matches!(rustix::io::read(&fd, &mut buf), Ok(n) if buf[..n].starts_with(b"deny"))
}
