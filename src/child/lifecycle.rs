//! Ties the container's life to sct's.

use linux_raw_sys::general::SIGKILL;
use rustix::process::{set_parent_process_death_signal, Signal};

use crate::error::{Context, Result};
use crate::sys::signal;

/// If sct dies, even by SIGKILL, the kernel kills this process; as PID 1 of
/// its namespace, its death takes every other container process with it.
pub fn die_with_parent() -> Result<()> {
    let kill = Signal::from_named_raw(SIGKILL as i32);
    set_parent_process_death_signal(kill).at("prctl", b"PR_SET_PDEATHSIG")
}

/// The parent blocked the signals it forwards before cloning us; the mask is
/// inherited across exec, so CMD would never see them.
pub fn restore_signal_mask() -> Result<()> {
    signal::unblock_all().at("sigprocmask", b"")
}

/// `--user`: sets the supplementary groups (none on the command line), then GID and UID (in that
/// order: without root, setgid would fail). Changing credentials clears
/// PR_SET_PDEATHSIG (prctl(2)), so it is set again.
pub fn become_user(uid: u32, gid: u32, groups: &[u32]) -> Result<()> {
    use rustix::process::{Gid, Uid};
    let mut list = [Gid::ROOT; crate::cli::MAX_GIDS];
    for (slot, &g) in list.iter_mut().zip(groups) {
        *slot = Gid::from_raw(g);
    }
    rustix::thread::set_thread_groups(&list[..groups.len()]).at("setgroups", b"")?;
    rustix::thread::set_thread_gid(Gid::from_raw(gid)).at("setgid", b"")?;
    rustix::thread::set_thread_uid(Uid::from_raw(uid)).at("setuid", b"")?;
    die_with_parent()
}
