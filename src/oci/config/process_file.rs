//! `exec --process FILE`: a runtime-spec process object (runc's format),
//! read by the same conversion as config.json's `process`, on top of the
//! container's own description, as runc lays a process over its config:
//! what the file gives replaces the container's; capabilities, rlimits
//! and noNewPrivileges it leaves out stay the container's.

use core::ffi::CStr;

use rustix::fs::{fstat, open, Mode, OFlags};

use super::read::At;
use crate::cli::{Config, Gids};
use crate::error::{Context, Error, Result};
use crate::json::{self, Value};
use crate::sys::arena::Arena;

/// Reads FILE and lays its process over `cfg`.
pub fn load_process(file: &CStr, cfg: &mut Config) -> Result<()> {
    let shown = file.to_bytes();
    let fd = open(file, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).at("--process", shown)?;
    let size = fstat(&fd).at("stat", shown)?.st_size as usize;
    // As config::load sizes its arena: decoded strings are never longer
    // than their text, vectors cost at most three times theirs.
    let too_large = || Error::setup("--process", shown, "too large");
    let room = size.checked_mul(4).ok_or_else(too_large)? + 4096;
    let mut arena = Arena::map(room).at("mmap", shown)?;
    let text = arena.bytes(size).ok_or_else(too_large)?;
    let len = crate::oci::lifecycle::read_all(&fd, text).at("read", shown)?;
    let text: &'static [u8] = &text[..len];
    let Ok(Value::Object(p)) = json::parse(text) else {
        return Err(Error::setup(
            "--process",
            shown,
            "expected a JSON object (runtime-spec's process)",
        ));
    };
    // The file's user replaces the container's whole: no group or umask
    // of the container's is kept unless it says so.
    cfg.additional_gids = Gids::new();
    cfg.umask = None;
    super::process_object(p, &At::ROOT.field("process"), &mut arena, cfg)
}
