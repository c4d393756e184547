//! `--bind`, `--tmpfs` and `--device`: what is mounted or made inside.

use core::ffi::CStr;

use crate::cgroup::values;
use crate::devices;
use crate::error::{Error, Result};
use crate::sys::list::List;

/// Most binds one container gets: a Kubernetes pod's container has
/// /etc/hosts, resolv.conf, hostname, termination-log, service-account
/// secrets and its volumes.
pub const MAX_BINDS: usize = 40;

/// One `-v SRC:DST[:OPTIONS]`, as slices of its argument.
#[derive(Clone, Copy, Debug, Default)]
pub struct Bind {
    pub src: &'static [u8],
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    pub read_only: bool,
    /// `dev`: device nodes on it may be opened (the device rule still
    /// decides which); by default a bind is `nodev`, like podman's.
    pub dev: bool,
    /// `--bind` sets it with `ro`.
    pub nosuid: bool,
    pub noexec: bool,
    /// Submounts of SRC come along (`rbind`); always on the command line.
    pub recursive: bool,
    /// `None`: as the root's (private unless config.json says otherwise).
    pub propagation: Option<super::Propagation>,
}

/// What only config.json sets of a bind (see `cli::OCI_MODE`).
impl Bind {
    pub fn nosuid(&self) -> bool {
        super::from_config_json(self.nosuid, self.read_only)
    }

    pub fn noexec(&self) -> bool {
        super::from_config_json(self.noexec, false)
    }

    pub fn recursive(&self) -> bool {
        super::from_config_json(self.recursive, true)
    }

    pub fn propagation(&self) -> Option<super::Propagation> {
        super::from_config_json(self.propagation, None)
    }
}

/// Most `--device` options one run takes.
pub const MAX_DEVICES: usize = 16;

/// One `--device HOST[:CONTAINER][:PERMS]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Device {
    /// The node on the host, absolute.
    pub host: &'static [u8],
    /// Where it appears inside: below /dev, HOST by default.
    pub container: &'static [u8],
    /// `devices::READ | WRITE | MKNOD`.
    pub access: u8,
}

/// What only config.json sets of a tmpfs mount (see `cli::OCI_MODE`).
impl Tmpfs {
    pub fn mode(&self) -> Option<u32> {
        super::from_config_json(self.mode, None)
    }

    pub fn noexec(&self) -> bool {
        super::from_config_json(self.noexec, false)
    }
}

/// Most `--tmpfs` options one run takes.
pub const MAX_TMPFS: usize = 16;

/// One `--tmpfs DST[:size=SIZE]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Tmpfs {
    /// Absolute, inside the container.
    pub dst: &'static [u8],
    /// In bytes; `None`: the kernel's default, half of RAM.
    pub size: Option<u64>,
    /// Permission bits of its root; `None`: 1777, docker's.
    pub mode: Option<u32>,
    pub noexec: bool,
}

/// One `--bind`, added to `binds`.
pub(super) fn bind(binds: &mut List<Bind, MAX_BINDS>, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--bind '", s, why));
    let (src, rest) = super::cut(s);
    let (dst, options) = super::cut(rest.unwrap_or(b""));
    let (mut read_only, mut dev) = (false, false);
    if let Some(options) = options {
        for option in options.split(super::is_comma) {
            match option {
                b"ro" => read_only = true,
                b"rw" => read_only = false,
                b"dev" => dev = true,
                b"nodev" => dev = false,
                _ => return bad("': expected SRC:DST[:OPTIONS], OPTIONS from ro, rw, dev, nodev"),
            }
        }
    }
    if src.is_empty() || dst.is_empty() {
        return bad("': expected SRC:DST[:OPTIONS], OPTIONS from ro, rw, dev, nodev");
    }
    if src[0] != b'/' {
        return bad("': SRC must be an absolute path");
    }
    if dst[0] != b'/' {
        return bad("': DST must be an absolute path");
    }
    if src.len() >= 1024 || dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    let b = Bind {
        src,
        dst,
        read_only,
        dev,
        nosuid: read_only,
        noexec: false,
        recursive: true,
        propagation: None,
    };
    if !binds.push(b) {
        return bad("': at most 40 binds");
    }
    Ok(())
}

/// Docker's `--device` syntax: `HOST`, `HOST:CONTAINER`, `HOST:PERMS` or
/// `HOST:CONTAINER:PERMS`, PERMS from r, w and m (default all three); added
/// to `devices`.
pub(super) fn device(devices: &mut List<Device, MAX_DEVICES>, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--device '", s, why));
    let (host, rest) = super::cut(s);
    let (second, third) = match rest {
        Some(rest) => {
            let (second, third) = super::cut(rest);
            (Some(second), third)
        }
        None => (None, None),
    };
    let (container, perms) = match (second, third) {
        (None, _) => (host, None),
        (Some(c), None) if c.first() == Some(&b'/') => (c, None),
        (Some(p), None) => (host, Some(p)),
        (Some(c), Some(p)) => (c, Some(p)),
    };
    if host.first() != Some(&b'/') {
        return bad("': HOST must be an absolute path, e.g. /dev/ttyUSB0");
    }
    // The container's /dev is the only mount that is not nodev: a node
    // anywhere else could not be opened.
    let below_dev = container.strip_prefix(b"/dev/").unwrap_or(b"");
    if !super::plain_relative_path(below_dev) {
        return bad("': CONTAINER must be a path below /dev, e.g. /dev/ttyUSB0");
    }
    if host.len() >= 1024 || container.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    let access = match perms {
        None => devices::RWM,
        Some(p) => match devices::parse_access(p) {
            Some(a) => a,
            None => return bad("': PERMS are letters from r, w and m, e.g. rw"),
        },
    };
    let d = Device {
        host,
        container,
        access,
    };
    if !devices.push(d) {
        return bad("': at most 16 devices");
    }
    Ok(())
}

/// One `--tmpfs`, added to `tmpfs`.
pub(super) fn tmpfs(tmpfs: &mut List<Tmpfs, MAX_TMPFS>, v: &'static CStr) -> Result<()> {
    let s = v.to_bytes();
    let bad = |why| Err(Error::usage("--tmpfs '", s, why));
    let (dst, options) = super::cut(s);
    if dst.first() != Some(&b'/') {
        return bad("': DST must be an absolute path");
    }
    if dst.iter().all(|&c| c == b'/') {
        return bad("': DST cannot be / itself");
    }
    // A tmpfs over these would hide what sct mounts there (the masks need
    // /dev/null, and /proc and /sys are the kernel's views).
    let trimmed = dst.strip_suffix(b"/").unwrap_or(dst);
    if [&b"/dev"[..], b"/proc", b"/sys"].contains(&trimmed) {
        return bad("': sct mounts /dev, /proc and /sys itself");
    }
    if dst.len() >= 1024 {
        return bad("': paths must be shorter than 1024 bytes");
    }
    let size = match options {
        None => None,
        Some(o) => match o.strip_prefix(b"size=") {
            // size=0 would mean no limit to the kernel; parse_size refuses it.
            Some(size) => match values::parse_size(size) {
                Some(bytes) => Some(bytes),
                None => return bad("': expected a size like 512k, 20m or 1g"),
            },
            None => return bad("': expected DST or DST:size=SIZE"),
        },
    };
    let t = Tmpfs {
        dst,
        size,
        mode: None,
        noexec: false,
    };
    if !tmpfs.push(t) {
        return bad("': at most 16 tmpfs mounts");
    }
    Ok(())
}
