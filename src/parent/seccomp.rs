//! `--seccomp FILE` and config.json's `linux.seccomp`: read and compiled
//! in the parent, before the child exists.

use rustix::fs::{Mode, OFlags};

use crate::cli::{Config, Seccomp};
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::profile;
use crate::sys::Errno;

/// Largest profile file sct reads (Docker's default is 20 KB, podman's 16).
const MAX_PROFILE_BYTES: usize = 256 * 1024;

/// Reads and compiles `--seccomp FILE` before the child exists: the file is
/// the host's, and the rules depend on the container's bounding set and the
/// running kernel. `None` for the built-in filter and for unconfined.
pub fn compile_seccomp_profile(cfg: &Config) -> Result<Option<&'static profile::Filter>> {
    match cfg.seccomp {
        Seccomp::Default | Seccomp::Unconfined => Ok(None),
        // Only config.json gives one: not in a build without OCI mode.
        Seccomp::Inline(_) if !crate::cli::OCI_MODE => Ok(None),
        Seccomp::Inline(json) => compile_profile(cfg, "config.json:", b"linux.seccomp", json),
        Seccomp::Profile(file) => compile_profile_file(cfg, file),
    }
}

/// `--seccomp FILE`: out of line, so that its buffer is on the stack of
/// those runs alone (a stack page, once touched, stays with the idle
/// supervisor).
#[inline(never)]
fn compile_profile_file(
    cfg: &Config,
    file: &'static core::ffi::CStr,
) -> Result<Option<&'static profile::Filter>> {
    let mut text = [0u8; MAX_PROFILE_BYTES + 1];
    let len = read_profile(file, &mut text)?;
    compile_profile(cfg, "--seccomp", file.to_bytes(), &text[..len])
}

/// Reads and compiles a profile's text; failures are said to be at
/// `step place: FIELD: what` (`--seccomp PATH: ...`), or for config.json
/// `config.json: linux.seccomp.FIELD: what`.
#[inline(never)]
fn compile_profile(
    cfg: &Config,
    step: &'static str,
    place: &[u8],
    text: &[u8],
) -> Result<Option<&'static profile::Filter>> {
    let failed = |describe: &dyn Fn(&mut Buf<256>)| {
        let mut object = Buf::<256>::new();
        object.push(place);
        let mut what = Buf::<256>::new();
        describe(&mut what);
        // A field of the profile continues the path: `linux.seccomp.syscalls[0]`.
        let inline = crate::cli::OCI_MODE && matches!(cfg.seccomp, Seccomp::Inline(_));
        let field_first = what
            .as_bytes()
            .first()
            .is_some_and(|c| c.is_ascii_alphabetic());
        object.push(if inline && field_first { b"." } else { b": " });
        object.push(what.as_bytes());
        Error::setup(step, object.as_bytes(), "")
    };
    if text.len() > MAX_PROFILE_BYTES {
        return Err(failed(&|o| {
            o.push(b"larger than 256 KiB");
        }));
    }
    let ctx = profile::Context {
        capabilities: cfg.capabilities,
        kernel: profile::kernel_version(rustix::system::uname().release().to_bytes())
            .unwrap_or((0, 0)),
    };
    let mut policy = profile::Policy::new();
    profile::read_text(text, &ctx, &mut policy).map_err(|e| failed(&|o| e.describe(o)))?;
    // Compiled where it is kept: never on the stack.
    let filter = crate::sys::arena::keep(profile::Filter::new()).at("mmap", b"seccomp profile")?;
    profile::compile(&policy, filter).map_err(|_| {
        failed(&|o| {
            o.push(b"too many rules for sct's BPF assembler");
        })
    })?;
    Ok(Some(filter))
}

/// Reads the profile file into `text`; its length (one more than
/// MAX_PROFILE_BYTES: too long).
fn read_profile(file: &'static core::ffi::CStr, text: &mut [u8]) -> Result<usize> {
    let path = file.to_bytes();
    let fd = rustix::fs::open(file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty())
        .at("--seccomp", path)
        .map_err(|e| {
            e.hint_if(
                Errno::NOENT,
                "--seccomp takes default, unconfined or the path of a JSON profile",
            )
        })?;
    let read = crate::files::read_all(&fd, text).at("--seccomp", path)?;
    Ok(read.len())
}
