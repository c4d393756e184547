//! The network namespace of `--net none`.

use rustix::net::{socket_with, AddressFamily, SocketFlags, SocketType};

use crate::error::{Context, Result};
use crate::sys;

/// A new network namespace has only `lo`, and it is down.
pub fn bring_up_loopback() -> Result<()> {
    let sock = socket_with(
        AddressFamily::INET,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .at("socket", b"AF_INET")?;
    sys::net::set_up(&sock, b"lo").at("bring up", b"lo")
}
