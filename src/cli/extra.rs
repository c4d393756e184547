//! Parts of the container description that only config.json fills today:
//! the command line leaves them at their defaults, which are sct's own
//! behaviour. Plain data: the child checklist reads them whichever front end
//! filled them.

use core::ffi::CStr;

use crate::devices::Rule;
use crate::sys::list::List;

/// Most supplementary groups (`process.user.additionalGids`).
pub const MAX_GIDS: usize = 32;

/// Supplementary groups CMD gets besides its GID.
pub type Gids = List<u32, MAX_GIDS>;

/// Most `linux.sysctl` entries.
pub const MAX_SYSCTLS: usize = 32;

/// Kernel parameters written in the container's /proc/sys: (path relative
/// to the new root, e.g. `proc/sys/net/ipv4/ip_forward`, value).
pub type Sysctls = List<(&'static CStr, &'static [u8]), MAX_SYSCTLS>;

/// Existing namespaces the container joins instead of new ones (host
/// paths such as `/proc/PID/ns/net`, as Kubernetes pods join their
/// sandbox's).
#[derive(Clone, Copy, Debug, Default)]
pub struct Joins {
    pub net: Option<&'static CStr>,
    pub ipc: Option<&'static CStr>,
    pub uts: Option<&'static CStr>,
}

impl Joins {
    /// Every namespace new.
    pub const NONE: Joins = Joins {
        net: None,
        ipc: None,
        uts: None,
    };
}

/// Mount propagation, for the root and for binds.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub enum Propagation {
    /// Nothing propagates either way (sct's default).
    #[default]
    Private,
    /// Mounts made on the host below it appear inside; none go out.
    Slave,
}

/// Most device rules config.json adds to the default list.
pub const MAX_DEVICE_RULES: usize = 32;

/// Rules applied after `spec::DEFAULT_DEVICE_RULES` (config.json's
/// `linux.resources.devices` entries with `allow: true`).
pub type DeviceRules = List<Rule, MAX_DEVICE_RULES>;
