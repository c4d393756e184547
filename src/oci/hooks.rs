//! Runs config.json's hooks (runtime-spec config.md, "POSIX-platform
//! Hooks"): each is a fork, an execve and a wait, by sct itself, with the
//! container's state on its stdin, exactly its own args and env, and
//! SIGKILL once its timeout has passed.
//!
//! Where each kind runs (runtime.md, "Lifecycle"): prestart and
//! createRuntime from `create`'s parent side once the child has made the
//! container's mounts and waits before its pivot_root (parent/mod.rs);
//! createContainer from the container's init, in all its namespaces, after
//! its mounts and before pivot_root, and startContainer from the init too,
//! once `start` has opened the exec FIFO, before CMD (child/hooks.rs);
//! poststart from `start` or `run` once the init has gone on to CMD;
//! poststop from `delete` once the container is gone (lifecycle.rs).

use rustix::fd::{AsFd, OwnedFd};
use rustix::net::{socketpair, AddressFamily, SendFlags, SocketFlags, SocketType};
use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};
use rustix::process::{WaitId, WaitIdOptions};
use rustix::thread::Timespec;

use super::config::hooks::{KINDS, MAX_BYTES, MAX_STRINGS};
use super::Global;
use crate::error::{exit_code_of_signal, Context, Error, Result, EXIT_NOT_FOUND};
use crate::json::{self, Array, Object, Str, Value};
use crate::out::{Line, Text};
use crate::sys::process::{self, Fork};

/// What the container's checklists need to run its hooks: the checked
/// `hooks` object of config.json (empty: none), and the state `create`
/// records, for the hooks' stdin (`pid` and status are put in at each
/// point).
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub hooks: &'static [u8],
    pub state: &'static [u8],
}

impl Plan {
    pub const NONE: Plan = Plan {
        hooks: b"",
        state: b"",
    };
}

/// The kinds, as `KINDS` names them.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Prestart,
    CreateRuntime,
    CreateContainer,
    StartContainer,
    Poststart,
    Poststop,
}

impl Kind {
    fn name(self) -> &'static str {
        KINDS[self as usize]
    }

    /// The status the state on stdin shows: `start` has not returned when
    /// startContainer hooks run (runc says `created` there too).
    fn status(self) -> &'static str {
        match self {
            Kind::Prestart | Kind::CreateRuntime | Kind::CreateContainer => "creating",
            Kind::StartContainer => "created",
            Kind::Poststart => "running",
            Kind::Poststop => "stopped",
        }
    }
}

/// Runs the hooks of `kind` in order; the first that fails ends the run
/// with its error (prestart to startContainer: the operation fails, as
/// runtime.md says). `state` is the container's state as `sct state`
/// prints it; `pid` is put in, as the hook sees it (runtime.md, "State":
/// the container's namespace's pid for hooks run there).
pub fn run(hooks: &[u8], kind: Kind, state: &[u8], pid: u32) -> Result<()> {
    for (i, hook) in list(hooks, kind).iter().enumerate() {
        run_one(hook, kind, i, state, pid)?;
    }
    Ok(())
}

/// Whether there are prestart or createRuntime hooks: then the child
/// waits for them before its pivot_root, in a handshake of its own.
pub fn has_runtime_hooks(plan: &Plan) -> bool {
    [Kind::Prestart, Kind::CreateRuntime]
        .iter()
        .any(|&k| !list(plan.hooks, k).is_empty())
}

/// prestart, then createRuntime: from `create`'s parent side, with the
/// child's pid.
pub fn run_runtime_hooks(plan: &Plan, child: Pid) -> Result<()> {
    let pid = child.as_raw_nonzero().get() as u32;
    run(plan.hooks, Kind::Prestart, plan.state, pid)?;
    run(plan.hooks, Kind::CreateRuntime, plan.state, pid)
}

/// Runs the hooks of `kind` (poststart, poststop): one that fails is a
/// warning, on stderr and in `--log`, and the rest go on (runtime.md,
/// "Lifecycle", steps 9 and 13).
pub fn run_warning(global: &Global, hooks: &[u8], kind: Kind, state: &[u8], pid: u32) {
    for (i, hook) in list(hooks, kind).iter().enumerate() {
        if let Err(e) = run_one(hook, kind, i, state, pid) {
            super::log::report(global, e, "warning");
        }
    }
}

/// The array of hooks of `kind`, empty when there is none.
fn list(hooks: &[u8], kind: Kind) -> Array<'_> {
    match json::parse(hooks) {
        Ok(Value::Object(o)) => match o.get(kind.name().as_bytes()) {
            Some(Value::Array(a)) => a,
            _ => json::EMPTY_ARRAY,
        },
        _ => json::EMPTY_ARRAY,
    }
}

/// Runs `hook`, number `i` of `kind`, and waits for it. Out of line, with
/// its buffers: only containers with hooks pay for them.
#[inline(never)]
fn run_one(hook: Value<'_>, kind: Kind, i: usize, state: &[u8], pid: u32) -> Result<()> {
    // What a failure is: an error, or for poststart and poststop a warning.
    let step = match kind {
        Kind::Poststart | Kind::Poststop => "warning: hook",
        _ => "hook",
    };
    let Value::Object(hook) = hook else {
        return Ok(());
    };
    let mut name = Text::new();
    name.push_str(kind.name())
        .push(b"[")
        .push_u64(i as u64)
        .push(b"]");
    if let Some(Value::String(path)) = hook.get(b"path") {
        name.push(b" ").push(path.raw());
    }
    let timeout = match hook.get(b"timeout") {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0),
        _ => 0,
    };
    let (ours, theirs) = socketpair(
        AddressFamily::UNIX,
        SocketType::STREAM,
        SocketFlags::CLOEXEC,
        None,
    )
    .at("socketpair", name.as_bytes())?;
    // The whole state goes in before the hook exists: at most 16 KiB, in a
    // socket buffer of some 200 KiB (net.core.wmem_default), so the hook
    // reads it and then end of file, and sct never waits on a hook that
    // does not read (nor gets SIGPIPE from one that exits first). In three
    // pieces, where one buffer for the whole took 16 KB of stack.
    let mut middle = Text::new();
    let [head, tail] = splice(state, pid, kind.status(), &mut middle);
    for piece in [head, middle.as_bytes(), tail] {
        rustix::net::send(&ours, piece, SendFlags::DONTWAIT)
            .ok()
            .filter(|&n| n == piece.len())
            .ok_or_else(|| Error::setup(step, name.as_bytes(), "state too large for its stdin"))?;
    }
    drop(ours);
    // An inherited SIG_IGN would have the kernel reap the hook before
    // waitid could (wait(2), NOTES).
    crate::sys::signal::set_default(linux_raw_sys::general::SIGCHLD).at("sigaction", b"SIGCHLD")?;
    let parent = rustix::process::getpid();
    // The classic clone, like fork(2): clone3 is refused inside an sct
    // container (a nested sct), and the pid cannot be reused before we
    // reap it, so pidfd_open (Linux 5.3) gets the hook itself.
    let child = match process::clone(0).at("fork", name.as_bytes())? {
        Fork::Child => exec_hook(hook, theirs, parent),
        Fork::Parent { pid, .. } => pid,
    };
    drop(theirs);
    let pidfd = pidfd_open(child, PidfdFlags::empty()).at("pidfd_open", name.as_bytes())?;
    let timed_out = wait_or_kill(&pidfd, timeout);
    // Reaped whatever happened above, so that no zombie is left.
    let status = crate::sys::retry(|| {
        rustix::process::waitid(WaitId::PidFd(pidfd.as_fd()), WaitIdOptions::EXITED)
    })
    .at("waitid", name.as_bytes())?;
    // The exit code, `None` when the hook timed out; either is said in
    // one error, built once.
    let code = match status.map(|s| (s.exit_status(), s.terminating_signal())) {
        _ if timed_out => None,
        Some((Some(0), _)) => return Ok(()),
        Some((Some(code), _)) => Some(code as u64),
        Some((_, Some(signal))) => Some(u64::from(exit_code_of_signal(signal as u32))),
        _ => Some(255),
    };
    match code {
        None => name
            .push(b": timed out after ")
            .push_u64(timeout)
            .push(b" s and was killed"),
        Some(code) => name.push(b": exited with status ").push_u64(code),
    };
    Err(Error::setup(step, name.as_bytes(), ""))
}

/// Waits for the hook to exit, and kills it once `timeout` seconds (0:
/// none) have passed; true: it timed out. A pidfd polls readable once its
/// process has exited.
fn wait_or_kill(pidfd: &OwnedFd, timeout: u64) -> bool {
    let tick = Timespec {
        tv_sec: 1,
        tv_nsec: 0,
    };
    let mut seconds = 0;
    loop {
        match super::lifecycle::wait_readable(pidfd.as_fd(), tick) {
            Ok(0) => seconds += 1,
            _ => return false,
        }
        if timeout > 0 && seconds >= timeout {
            return pidfd_send_signal(pidfd, Signal::KILL).is_ok();
        }
    }
}

/// In the forked process: stdin from `stdin`, the hook's own args and env,
/// nothing else inherited, and exec. Dies with its parent (sct, or the
/// container's init), so a kill -9 of either leaves no hook behind.
fn exec_hook(hook: Object<'_>, stdin: OwnedFd, parent: Pid) -> ! {
    let _ = rustix::process::set_parent_process_death_signal(Some(Signal::KILL));
    // The parent may have died before the line above armed the signal.
    if rustix::process::getppid() != Some(parent) {
        process::exit(EXIT_NOT_FOUND);
    }
    let _ = rustix::stdio::dup2_stdin(&stdin);
    // Nothing of sct's but stdio reaches the hook, as under runc (Go marks
    // every descriptor close-on-exec); Linux 5.11, else best effort.
    let _ = process::close_range_cloexec(3);
    // sct blocks the signals it forwards; the mask survives execve.
    let _ = crate::sys::signal::unblock_all();
    let mut region = [0u8; MAX_BYTES];
    let mut free = &mut region[..];
    let mut path = c"";
    if let Some(Value::String(s)) = hook.get(b"path") {
        path = take_c_string(s, &mut free).unwrap_or(c"");
    }
    let (mut args, mut env) = ([c""; MAX_STRINGS], [c""; MAX_STRINGS]);
    let mut argc = take_c_strings(hook.get(b"args"), &mut args, &mut free);
    let envc = take_c_strings(hook.get(b"env"), &mut env, &mut free);
    // Go's os/exec, which runc runs hooks with: no args is argv = [path].
    if argc == 0 {
        args[0] = path;
        argc = 1;
    }
    let counts = [argc, envc];
    let errno = crate::sys::args::with_argv(&args[..counts[0]], |argv| {
        crate::sys::args::with_argv(&env[..counts[1]], |envp| process::execve(path, argv, envp))
    });
    let e = Error::exec(path.to_bytes(), errno);
    let mut line = Line::new();
    e.render(&mut line);
    line.write_to(crate::sys::stderr());
    process::exit(e.exit_code())
}

/// Decodes the strings of `list` into `out` and the front of `free`;
/// how many.
fn take_c_strings<'r>(
    list: Option<Value<'_>>,
    out: &mut [&'r core::ffi::CStr; MAX_STRINGS],
    free: &mut &'r mut [u8],
) -> usize {
    let mut n = 0;
    if let Some(Value::Array(a)) = list {
        for (slot, v) in out.iter_mut().zip(a.iter()) {
            if let Value::String(s) = v {
                *slot = take_c_string(s, free).unwrap_or(c"");
                n += 1;
            }
        }
    }
    n
}

/// Decodes `s` with a NUL after it into the front of `free`.
fn take_c_string<'r>(s: Str<'_>, free: &mut &'r mut [u8]) -> Option<&'r core::ffi::CStr> {
    let len = s.decode(free)?.len();
    let (taken, rest) = core::mem::take(free).split_at_mut(len + 1);
    *free = rest;
    taken[len] = 0;
    core::ffi::CStr::from_bytes_with_nul(taken).ok()
}

/// `state` (as `sct state` prints it) with `pid` and `status` in place of
/// its own: they come right after the id, which holds no quote
/// (`check_id`), and before `bundle`. The part of `state` before them and
/// the part after; `pid` and `status` go in `middle`.
fn splice<'s>(state: &'s [u8], pid: u32, status: &str, middle: &mut Text) -> [&'s [u8]; 2] {
    let find = |pattern: &[u8]| state.windows(pattern.len()).position(|w| w == pattern);
    match (find(b",\"pid\":"), find(b",\"bundle\":")) {
        (Some(head), Some(tail)) if head < tail => {
            middle.push_u64(u64::from(pid));
            middle.push(b",\"status\":\"").push_str(status).push(b"\"");
            [&state[..head + 7], &state[tail..]]
        }
        _ => [state, b""],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splice_puts_pid_and_status_in() {
        let state = br#"{"ociVersion":"1.2.0","id":"a","pid":0,"status":"created","bundle":"/b","annotations":{}}"#;
        let mut middle = Text::new();
        let [head, tail] = splice(state, 42, "creating", &mut middle);
        assert_eq!(
            [head, middle.as_bytes(), tail].concat(),
            br#"{"ociVersion":"1.2.0","id":"a","pid":42,"status":"creating","bundle":"/b","annotations":{}}"#
        );
    }

    #[test]
    fn lists_by_kind() {
        let hooks = br#"{"poststart": [{"path": "/a"}, {"path": "/b"}], "prestart": []}"#;
        assert_eq!(list(hooks, Kind::Poststart).iter().count(), 2);
        assert_eq!(list(hooks, Kind::Prestart).iter().count(), 0);
        assert_eq!(list(hooks, Kind::Poststop).iter().count(), 0);
        assert_eq!(list(b"", Kind::Poststop).iter().count(), 0);
    }
}
