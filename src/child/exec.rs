//! Replacing the child with CMD.

use core::convert::Infallible;
use core::ffi::CStr;

use crate::cli::Config;
use crate::error::{Error, Result};
use crate::sys::args::{Args, Argv, CStrVec, Environ};
use crate::sys::process::execve;
use crate::sys::Errno;

pub(crate) const DEFAULT_PATH: &CStr =
    c"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Room for the container's environment.
type Env = CStrVec<64>;

/// The container's environment, into `env` (made empty by the caller;
/// returned, it was copied on the way): a clean default, nothing leaks
/// from the host's but TERM, which describes the terminal CMD inherits.
fn container_env(cfg: &Config, host: Environ, env: &mut Env) {
    env.push(DEFAULT_PATH);
    env.push(c"HOME=/");
    env.push(c"container=sct");
    if let Some(term) = host.entry(b"TERM") {
        env.push(term);
    }
    // `-e` entries replace a default of the same name, in order.
    for &entry in cfg.env.as_slice() {
        let bytes = entry.to_bytes();
        let key = &bytes[..=bytes.iter().position(|&c| c == b'=').unwrap_or(0)];
        match (0..env.len()).find(|&i| env.get(i).to_bytes().starts_with(key)) {
            Some(i) => env.set(i, entry),
            None => {
                env.push(entry);
            }
        }
    }
}

/// Execs CMD: directly when it contains a slash, else searched in the
/// container's PATH, inside the new root. Returns only on failure.
pub fn exec_command(cfg: &Config, args: Args, host_env: Environ) -> Result<Infallible> {
    let mut defaults = Env::new();
    container_env(cfg, host_env, &mut defaults);
    let env = cfg.process_env().unwrap_or(defaults.as_argv());
    let argv = match cfg.process_args() {
        Some(argv) => argv,
        None => args.tail(cfg.command),
    };
    exec_argv(argv, env)
}

/// Execs `argv` with the environment `env`, as `exec_command` does.
pub fn exec_argv(argv: Argv<'_>, env: Argv<'_>) -> Result<Infallible> {
    let cmd = argv.get(0).unwrap_or(c"");
    // A plain loop, as cgroup::values::parse_cpus's (not `[u8]::contains`).
    #[allow(clippy::manual_contains)]
    let has_slash = cmd.to_bytes().iter().any(|&c| c == b'/');
    let errno = if has_slash {
        execve(cmd, argv, env)
    } else {
        search_path(cmd.to_bytes(), path_of(env), argv, env)
    };
    Err(Error::exec(cmd.to_bytes(), errno)
        .hint_if(Errno::NOENT, "CMD is looked up inside ROOTFS; a dynamically linked CMD also needs its loader and libraries there")
        .hint_if(Errno::ACCESS, "CMD must be a regular file with execute permission, inside ROOTFS")
        .hint_if(Errno::NOEXEC, "CMD is not a program for this machine (another architecture, or a script without #!)"))
}

/// The value of PATH in `env`; without one (config.json may give none),
/// sct's default, as execvp(3) falls back on a default of its own.
fn path_of<'a>(env: Argv<'a>) -> &'a [u8] {
    let mut i = 0;
    while let Some(entry) = env.get(i) {
        if let Some(v) = entry.to_bytes().strip_prefix(b"PATH=") {
            return v;
        }
        i += 1;
    }
    &DEFAULT_PATH.to_bytes()[b"PATH=".len()..]
}

/// Tries `dir/name` for each directory of `path`, as execvp(3) does: a
/// directory where the file is missing is skipped, EACCES is remembered but
/// the search goes on, any other error ends it.
fn search_path(name: &[u8], path: &[u8], argv: Argv<'_>, envp: Argv<'_>) -> Errno {
    let mut result = Errno::NOENT;
    let mut buf = [0u8; 4096];
    for dir in path.split(|&c| c == b':') {
        let dir: &[u8] = if dir.is_empty() { b"." } else { dir };
        let len = dir.len() + 1 + name.len();
        if len >= buf.len() {
            result = Errno::NAMETOOLONG;
            continue;
        }
        buf[..dir.len()].copy_from_slice(dir);
        buf[dir.len()] = b'/';
        buf[dir.len() + 1..len].copy_from_slice(name);
        buf[len] = 0;
        let Ok(candidate) = CStr::from_bytes_with_nul(&buf[..=len]) else {
            continue;
        };
        match execve(candidate, argv, envp) {
            Errno::NOENT | Errno::NOTDIR | Errno::STALE | Errno::NODEV | Errno::TIMEDOUT => {}
            Errno::ACCESS => result = Errno::ACCESS,
            other => return other,
        }
    }
    result
}
