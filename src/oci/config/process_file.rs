//! `exec --process FILE`: a runtime-spec process object (runc's format),
//! read by the same conversion as config.json's `process`, on top of the
//! container's own description, as runc lays a process over its config:
//! what the file gives replaces the container's; capabilities, rlimits
//! and noNewPrivileges it leaves out stay the container's.

use core::ffi::CStr;

use super::read::At;
use crate::cli::{Config, Gids};
use crate::error::{Error, Result};
use crate::json::{self, Value};

/// Reads FILE and lays its process over `cfg`.
pub fn load_process(file: &CStr, cfg: &mut Config) -> Result<()> {
    let shown = file.to_bytes();
    let names = super::Names {
        shown,
        open: "--process",
        mmap: shown,
        too_large: ("--process", shown),
    };
    let (mut arena, text) = super::read_whole(file, names, 4096)?;
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
