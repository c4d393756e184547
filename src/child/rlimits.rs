//! `--rlimit`: resource limits, inherited by CMD across exec.

use rustix::process::{setrlimit, Rlimit};

use crate::cli::Rlimits;
use crate::error::{Context, Result};
use crate::names;
use crate::spec::{RLIMIT_NAMES, RLIMIT_RESOURCES};
use crate::sys::Errno;

/// Sets each limit asked for, soft and hard at once.
pub fn set_resource_limits(limits: &Rlimits) -> Result<()> {
    for ((i, name), limit) in names::entries(&RLIMIT_NAMES).zip(limits) {
        let Some((soft, hard)) = *limit else {
            continue;
        };
        // rustix spells RLIM_INFINITY as None.
        let finite = |v| if v == u64::MAX { None } else { Some(v) };
        let new = Rlimit {
            current: finite(soft),
            maximum: finite(hard),
        };
        setrlimit(RLIMIT_RESOURCES[i as usize], new)
            .at("setrlimit", name)
            .map_err(|e| {
                e.hint_if(
                    Errno::PERM,
                    "a hard limit above sct's own (ulimit -H) needs CAP_SYS_RESOURCE; nofile also stops at /proc/sys/fs/nr_open",
                )
            })?;
    }
    Ok(())
}
