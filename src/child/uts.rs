//! The UTS namespace.

use core::ffi::CStr;

use rustix::system::sethostname;

use crate::error::{Context, Result};

pub fn set_hostname(name: &CStr) -> Result<()> {
    sethostname(name.to_bytes()).at("sethostname", name.to_bytes())
}
