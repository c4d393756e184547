//! Capabilities and no_new_privs.

use rustix::thread::{
    capabilities, clear_ambient_capability_set, remove_capability_from_bounding_set,
    set_no_new_privs, CapabilitySet, CapabilitySets,
};

use crate::error::{Context, Result};
use crate::sys::Errno;

/// Removes every capability but `kept` (bit N = capability N) from the
/// bounding set, which is what bounds CMD after exec: exec as root grants
/// the whole bounding set (capabilities(7)). Needs CAP_SETPCAP, which
/// `set_capabilities` may take away, so it goes first. The kernel's
/// capabilities end where dropping one fails with EINVAL, so an older
/// kernel with fewer capabilities works, as does a newer one with more; one
/// prctl per capability dropped, none per capability kept.
pub fn limit_bounding_set(kept: u64) -> Result<()> {
    for cap in (0..64u32).filter(|cap| kept & (1 << cap) == 0) {
        let one = CapabilitySet::from_bits_retain(1 << cap);
        match remove_capability_from_bounding_set(one) {
            Ok(()) => {}
            Err(rustix::io::Errno::INVAL) => break,
            Err(e) => return Err(e).at("prctl", b"PR_CAPBSET_DROP"),
        }
    }
    Ok(())
}

/// The capabilities CMD keeps: `kept` for root, none for any other user
/// (docker's rule).
pub fn kept_for(kept: u64, user: Option<(u32, u32)>) -> u64 {
    match user {
        Some((uid, _)) if uid != 0 => 0,
        _ => kept,
    }
}

/// Leaves this process with exactly the `kept` capabilities permitted and
/// effective, none inheritable or ambient.
pub fn set_capabilities(kept: u64) -> Result<()> {
    // capset can only keep what sct has itself: `--cap-add ALL` under a
    // runtime or host that withheld some capabilities means all that are
    // left, and the bounding set now holds only the kernel's own.
    let own = capabilities(None).at("capget", b"")?.permitted.bits();
    let kept = kept & own;
    // Kernels before 4.3 have no ambient set and say EINVAL: nothing to clear.
    match clear_ambient_capability_set() {
        Err(e) if e != rustix::io::Errno::INVAL => {
            return Err(e).at("prctl", b"PR_CAP_AMBIENT_CLEAR_ALL")
        }
        _ => {}
    }
    let kept = CapabilitySet::from_bits_retain(kept);
    rustix::thread::set_capabilities(
        None,
        CapabilitySets {
            effective: kept,
            permitted: kept,
            inheritable: CapabilitySet::empty(),
        },
    )
    .at("capset", b"")
    .map_err(|e| {
        e.hint_if(
            Errno::PERM,
            "sct must run as root (with all capabilities) to hand them out",
        )
    })
}

/// No exec of CMD or its children gains privileges (setuid bits, file
/// capabilities); also what lets an unprivileged process install seccomp.
pub fn set_no_new_privileges() -> Result<()> {
    set_no_new_privs(true).at("prctl", b"PR_SET_NO_NEW_PRIVS")
}

#[cfg(test)]
mod tests {
    use super::kept_for;

    #[test]
    fn only_root_keeps_capabilities() {
        assert_eq!(kept_for(0b1010, None), 0b1010);
        assert_eq!(kept_for(0b1010, Some((0, 5))), 0b1010);
        assert_eq!(kept_for(0b1010, Some((1000, 0))), 0);
    }
}
