//! The UTS namespace.

use core::ffi::CStr;

use rustix::system::{setdomainname, sethostname};

use crate::error::{Context, Result};

/// An empty name (config.json without `hostname`) leaves the namespace's.
pub fn set_hostname(name: &CStr) -> Result<()> {
    if name.is_empty() {
        return Ok(());
    }
    sethostname(name.to_bytes()).at("sethostname", name.to_bytes())
}

pub fn set_domainname(name: &CStr) -> Result<()> {
    setdomainname(name.to_bytes()).at("setdomainname", name.to_bytes())
}
