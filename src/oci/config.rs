//! config.json into a [`Config`]: a stand-in that reads root.path,
//! process.args, process.env, process.cwd and the network namespace, until
//! the full converter lands.

use core::ffi::CStr;

use rustix::fs::{Mode, OFlags};

use crate::cli::{Config, Net};
use crate::error::{Context, Error, Result};
use crate::json::{self, Value};
use crate::sys::arena::{self, Arena};

pub struct Bundle {
    pub cfg: Config,
    pub annotations: &'static [u8],
}

/// Reads `DIR/config.json` (`DIR` absolute).
pub fn load(bundle_dir: &[u8]) -> Result<Bundle> {
    let mut path = crate::out::Buf::<1100>::from(bundle_dir);
    path.push(b"/config.json\0");
    let fd = rustix::fs::open(
        path.as_c_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", &path.as_bytes()[..path.as_bytes().len() - 1])?;
    let size = rustix::fs::fstat(&fd).at("stat", b"config.json")?.st_size as usize;
    let mut arena = Arena::map(2 * size + bundle_dir.len() + 4096)
        .map_err(|e| Error::os("mmap", b"config.json", e))?;
    let text = arena
        .bytes(size)
        .ok_or_else(|| Error::setup("read", b"config.json", "too long"))?;
    let mut len = 0;
    while len < size {
        match crate::sys::retry(|| rustix::io::read(&fd, &mut text[len..]))
            .at("read", b"config.json")?
        {
            0 => break,
            n => len += n,
        }
    }
    let text: &'static [u8] = &text[..len];
    convert(text, bundle_dir, &mut arena)
}

fn field(path: &'static str, what: &'static str) -> Error {
    Error::setup("config.json:", path.as_bytes(), what)
}

fn string(s: json::Str<'_>, arena: &mut Arena, path: &'static str) -> Result<&'static CStr> {
    let buf = arena
        .bytes(s.raw().len() + 1)
        .ok_or_else(|| field(path, "too long"))?;
    let len = s.decode(buf).ok_or_else(|| field(path, "too long"))?.len();
    arena::c_str(buf, len).ok_or_else(|| field(path, "holds a NUL"))
}

fn strings(
    v: Option<Value<'static>>,
    arena: &mut Arena,
    path: &'static str,
) -> Result<Option<crate::sys::args::Argv<'static>>> {
    let Some(v) = v else { return Ok(None) };
    let Value::Array(list) = v else {
        return Err(field(path, "expected an array of strings"));
    };
    let n = list.iter().count();
    let mut items = [c""; 256];
    if n > items.len() {
        return Err(field(path, "more than 256 entries"));
    }
    for (slot, v) in items.iter_mut().zip(list.iter()) {
        let Value::String(s) = v else {
            return Err(field(path, "expected an array of strings"));
        };
        *slot = string(s, arena, path)?;
    }
    Ok(Some(
        arena
            .vector(n, |i| items[i])
            .ok_or_else(|| field(path, "too long"))?,
    ))
}

pub fn convert(text: &'static [u8], bundle_dir: &[u8], arena: &mut Arena) -> Result<Bundle> {
    let Ok(Value::Object(top)) = json::parse(text) else {
        return Err(Error::setup("config.json", b"", "not a JSON object"));
    };
    let mut cfg = crate::cli::parse(&[c"sct", c"/", c"/"][..]).map(|c| match c {
        crate::cli::Command::Run(cfg) => cfg,
        _ => unreachable!(),
    })?;
    let Some(Value::Object(root)) = top.get(b"root") else {
        return Err(field("root", "expected an object"));
    };
    let Some(Value::String(p)) = root.get(b"path") else {
        return Err(field("root.path", "expected a string"));
    };
    let p = string(p, arena, "root.path")?;
    cfg.rootfs = if p.to_bytes().starts_with(b"/") {
        p
    } else {
        let buf = arena
            .bytes(bundle_dir.len() + 1 + p.to_bytes().len() + 1)
            .ok_or_else(|| field("root.path", "too long"))?;
        buf[..bundle_dir.len()].copy_from_slice(bundle_dir);
        buf[bundle_dir.len()] = b'/';
        let len = buf.len() - 1;
        buf[bundle_dir.len() + 1..len].copy_from_slice(p.to_bytes());
        arena::c_str(buf, len).ok_or_else(|| field("root.path", "holds a NUL"))?
    };
    let Some(Value::Object(process)) = top.get(b"process") else {
        return Err(field("process", "expected an object"));
    };
    cfg.process_args = strings(process.get(b"args"), arena, "process.args")?;
    if cfg.process_args.and_then(|a| a.get(0)).is_none() {
        return Err(field("process.args", "must name the command"));
    }
    cfg.process_env = strings(process.get(b"env"), arena, "process.env")?;
    if let Some(Value::String(cwd)) = process.get(b"cwd") {
        cfg.workdir = string(cwd, arena, "process.cwd")?;
    }
    if let Some(Value::String(h)) = top.get(b"hostname") {
        cfg.hostname = string(h, arena, "hostname")?;
    }
    if let Some(Value::Object(linux)) = top.get(b"linux") {
        if let Some(Value::Array(ns)) = linux.get(b"namespaces") {
            for n in ns.iter() {
                if let Value::Object(n) = n {
                    if let Some(Value::String(t)) = n.get(b"type") {
                        if t.eq(b"network") {
                            cfg.net = Net::None;
                        }
                    }
                }
            }
        }
    }
    let annotations = match top.get(b"annotations") {
        Some(Value::Object(a)) => a.raw(),
        _ => b"{}",
    };
    Ok(Bundle { cfg, annotations })
}
