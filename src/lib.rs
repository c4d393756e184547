//! sct: run a command inside a root directory, isolated by the kernel's own
//! namespaces, from one small static binary.
//!
//! The setup order lives in two checklists: [`parent::start`] (what the
//! process outside the container does) and [`child::run`] (what the process
//! that becomes the container does, from clone to exec).
#![cfg_attr(not(test), no_std)]
#![deny(unsafe_code)]

pub mod arch;
pub mod bpf;
pub mod cgroup;
pub mod child;
pub mod cli;
pub mod devices;
pub mod ebpf;
pub mod error;
pub mod files;
pub mod idmap;
pub mod json;
pub mod names;
#[cfg(feature = "oci")]
pub mod oci;
#[cfg(not(feature = "oci"))]
#[path = "oci/without.rs"]
pub mod oci;
pub mod out;
pub mod parent;
pub mod profile;
pub mod reap;
pub mod spec;
pub mod sync;
pub mod sys;
pub mod terminal;
pub mod userns;

use cli::Command;
use sys::args::{Args, Environ};

/// The whole program: the only place where an error becomes an exit code.
pub fn main(args: Args, env: Environ) -> u8 {
    #[cfg(feature = "oci")]
    if let Some(code) = oci::main(args, env) {
        return code;
    }
    // Setup runs deep, in `start`'s frame; the supervisor idles on this
    // shallow one and gives the rest of the stack back (sys::stack).
    let result = match start(args, env) {
        Ok(parent::Started::Running(container)) => container.supervise(),
        Ok(parent::Started::Done(code)) => Ok(code),
        Err(e) => Err(e),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let mut line = out::Line::new();
            e.render(&mut line);
            line.write_to(sys::stderr());
            e.exit_code()
        }
    }
}

/// The command line's work up to a running container, out of line: see
/// `main`.
#[inline(never)]
fn start(args: Args, env: Environ) -> error::Result<parent::Started> {
    let done = |code| Ok(parent::Started::Done(code));
    let mut cfg = cli::Config::new();
    match cli::parse(&args, &mut cfg)? {
        Command::Help => {
            let mut text = out::Buf::new();
            cli::help(&mut text);
            text.write_to(sys::stdout());
            done(0)
        }
        Command::Version => {
            let version = concat!("sct ", env!("CARGO_PKG_VERSION"), "\n");
            out::write_all(sys::stdout(), version.as_bytes());
            done(0)
        }
        Command::Run => parent::start(&cfg, args, env),
        Command::PrintSeccomp(file) => print_seccomp(&cfg, file).and_then(|()| done(0)),
    }
}

/// Writes the filter `cfg` would install as raw `struct sock_filter` bytes
/// (empty under `--seccomp unconfined`), for libseccomp's `scmp_bpf_disasm`.
/// With `--seccomp FILE`, the compiled profile (for the bounding set the
/// options give and the running kernel).
///
/// Out of line: its programs are large locals, and inlined into `start`
/// they made every run's frame 100 KB, each page of it touched by the
/// stack probes and then copied on write for the child.
#[inline(never)]
fn print_seccomp(cfg: &cli::Config, file: &'static core::ffi::CStr) -> error::Result<()> {
    use error::Context;
    use rustix::fs::{open, Mode, OFlags};
    let path = file.to_bytes();
    let mut devices = devices::Devices::new();
    parent::resolve_devices(cfg, &mut devices)?;
    let profile = parent::compile_seccomp_profile(cfg)?;
    let mut built_in = bpf::Program::new();
    let program = match &profile {
        Some(p) => &p.program,
        None => {
            child::seccomp::build(&mut built_in, cfg.seccomp_deny.as_slice(), devices.rules())
                .map_err(|_| error::Error::setup("seccomp", b"", "filter too long"))?;
            &built_in
        }
    };
    let fd = open(
        file,
        OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .at("open", path)?;
    if cfg.seccomp == cli::Seccomp::Unconfined {
        return Ok(());
    }
    let mut result = Ok(());
    program.for_each_byte_chunk(|bytes| {
        if result.is_ok() {
            result = rustix::io::write(&fd, bytes).and_then(|n| {
                if n == bytes.len() {
                    Ok(())
                } else {
                    Err(rustix::io::Errno::IO)
                }
            });
        }
    });
    result.at("write", path)
}
