//! runc's commands, as a parent-side variation on `sct ROOTFS CMD`:
//! `create` runs the same checklists but leaves the container parked before
//! CMD and exits; `start` releases it through the exec FIFO; `run` does
//! both and, unless `--detach`, supervises like the plain command line.

use core::ffi::CStr;

use rustix::event::{poll, PollFd, PollFlags};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::process::{pidfd_open, pidfd_send_signal, Pid, PidfdFlags, Signal};
use rustix::thread::Timespec;

use super::hooks::{self, Kind};
use super::state::{self, Dir, Room, State, Status};
use super::{config, Global, Opts};
use crate::error::{Context, Error, Result};
use crate::out::{Buf, Line};
use crate::parent::{self, Created, Parking, Record};
use crate::sync::Failure;
use crate::sys::args::{Args, Environ};

/// The container ID: the parser checked it is there and well formed.
/// Each call measures it again (`CArg` keeps no length): a command takes
/// it once.
pub(super) fn id(opts: &Opts) -> &'static [u8] {
    opts.args[0].bytes_or(b"")
}

/// The cgroup of a container without cgroupsPath: `sct-<pid>-<start time>`
/// of this process. Plain sct names its cgroup `sct-<pid>`, but a pid comes
/// back to another process once `create` exits while the container lives
/// on, and a plain sct given it would find `sct-<pid>` taken (on a hybrid
/// host it fell back to v1's devices controller; on pure v2 it failed with
/// EEXIST). The start time tells two holders of one pid apart; the ID would
/// not, as two containers under different `--root`s may share it. Plain
/// sct's clean-up of stale directories takes `sct-<pid>` names alone, so
/// these are `delete`'s. None (plain sct's name) only if the page for the
/// name cannot be mapped, when the next steps could not run either. Out
/// of line, as `create_in`.
#[inline(never)]
fn cgroup_name() -> Option<&'static [u8]> {
    let pid = rustix::process::getpid().as_raw_nonzero().get() as u32;
    let mut name = Buf::<64>::from(b"sct-");
    name.push_u64(u64::from(pid))
        .push(b"-")
        .push_u64(state::start_time(pid).unwrap_or(0));
    Some(crate::sys::arena::keep(name).ok()?.as_bytes())
}

pub fn create(global: &Global, opts: &Opts, args: Args, env: Environ) -> Result<u8> {
    Ok(match create_parked(global, opts, true, args, env)? {
        Some(_) => 0,
        None => 1,
    })
}

/// `create`, keeping what `run` goes on with: the container's directory,
/// still locked, its pid, and its terminal when no console socket took it.
/// `None`: the child's setup failed, and its message has been given.
fn create_parked(
    global: &Global,
    opts: &Opts,
    detached: bool,
    args: Args,
    env: Environ,
) -> Result<Option<(Dir<'static>, Pid, Option<OwnedFd>)>> {
    let mut bundle = Buf::<1024>::new();
    absolute(opts.bundle.bytes_or(b"."), &mut bundle)?;
    // A trailing NUL: the bundle path outlives this function as a C string
    // in the loaded config; see config::load.
    let mut loaded = config::load(bundle.as_bytes())?;
    if loaded.cfg.cgroup_name.is_none() {
        loaded.cfg.cgroup_name = cgroup_name();
    }
    let console =
        crate::terminal::console_socket(loaded.cfg.terminal, detached, opts.console_socket.get())?;
    let dir = Dir::create(global.root, id(opts))?;
    let mut failure = Failure::default();
    let result = create_in(
        &dir,
        &mut loaded,
        opts,
        console.as_ref(),
        args,
        env,
        &mut failure,
    );
    let failed = match result {
        Ok(Some((pid, terminal))) => return Ok(Some((dir, pid, terminal))),
        Ok(None) => {
            // The child's own line, e.g. `sct: mount /proc: EPERM (...)`.
            failure.message.write_to(crate::sys::stderr());
            super::log::error(global, failure.message.as_bytes());
            Ok(None)
        }
        Err(e) => Err(e),
    };
    let _ = dir.remove();
    // runtime.md, "Lifecycle": a failed create goes on to destroy the
    // container (done: `parent::create` leaves nothing), then poststop.
    let plan = loaded.cfg.hooks;
    hooks::run_warning(global, plan.hooks, Kind::Poststop, plan.state, 0);
    failed
}

/// `create`'s steps after the config is read. `None`: the child's setup
/// failed, as it reported in `failure`. Out of line: inlined, its
/// locals took 4-byte offsets in `create_parked`'s frame, which holds the
/// whole `Config`.
#[inline(never)]
fn create_in(
    dir: &Dir<'static>,
    loaded: &mut config::Bundle,
    opts: &Opts,
    console: Option<&OwnedFd>,
    args: Args,
    env: Environ,
    failure: &mut Failure,
) -> Result<Option<(Pid, Option<OwnedFd>)>> {
    let cfg = &loaded.cfg;
    let root_outside = cfg.uid_map.outside_of(0).zip(cfg.gid_map.outside_of(0));
    let fifo = dir.make_fifo(root_outside)?;
    let mut created = Buf::<64>::new();
    super::log::push_time(&mut created);
    let mut paths = [Buf::<512>::new(); 6];
    let mut base = State::empty();
    base.id = dir.id();
    base.bundle = loaded.dir;
    base.rootfs = loaded.cfg.rootfs.to_bytes();
    base.created = created.as_bytes();
    base.annotations = loaded.annotations;
    base.hooks = loaded.cfg.hooks.hooks;
    if !base.hooks.is_empty() {
        loaded.cfg.hooks.state = hook_state(&base)?;
    }
    // Each cgroup directory goes on record before it is made: a kill -9
    // between its mkdir and a record made after would leave one `delete`
    // cannot find, under a name (cgroupsPath) no later sct removes.
    let mut planned = [Buf::<512>::new(); 6];
    let record = |what: Record<'_>| {
        let (pid, listed) = match what {
            Record::Making(path) => {
                let slot = planned.iter_mut().find(|p| p.is_empty());
                let slot = slot.ok_or_else(|| Error::setup("cgroup", path, "too many"))?;
                slot.clear().push(path);
                if slot.is_cut() {
                    return Err(Error::os("cgroup", path, crate::sys::Errno::NAMETOOLONG));
                }
                (None, &planned)
            }
            // Now as the kernel names them, and only those made.
            Record::Made(pid, cgroup) => {
                paths = [Buf::new(); 6];
                // An `if let`, where a flat_map over the Option brought
                // core's flattening machinery for its zero or one cgroup.
                if let Some(cgroup) = cgroup {
                    for (path, fd) in paths.iter_mut().zip(cgroup.dirs()) {
                        fd_path(fd, path)?;
                    }
                }
                (pid, &paths)
            }
        };
        let pid = pid.map_or(0, |p| p.as_raw_nonzero().get() as u32);
        // A copy of the base, which has no pid and so no start time.
        let mut st = base;
        st.pid = pid;
        if pid != 0 {
            st.start_time = state::start_time(pid).unwrap_or(0);
        }
        for (slot, path) in st.cgroups.iter_mut().zip(listed) {
            *slot = path.as_bytes();
        }
        dir.write_state(&st)
    };
    let parking = Parking {
        fifo: fifo.as_fd(),
        lock: dir.lock_fd(),
        console: console.map(AsFd::as_fd),
    };
    let created = parent::create(&loaded.cfg, args, env, parking, record, failure)?;
    let (pid, terminal) = match created {
        Created::Parked(pid, terminal) => (pid, terminal),
        Created::Failed => return Ok(None),
    };
    if let Some(file) = opts.pid_file.get() {
        write_pid_file(file, pid)?;
    }
    Ok(Some((pid, terminal)))
}

/// `start`: lets a created container's init go on to CMD.
pub fn start(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let id = id(opts);
    let mut room = Room::new();
    let mut st = State::empty();
    let (dir, status) = state::open(global.root, id, &mut room, &mut st)?;
    let refused = match status {
        Status::Created => None,
        // runc's words.
        Status::Running => Some("cannot start an already running container"),
        Status::Paused => Some("cannot start a container in the paused state"),
        Status::Stopped => Some("cannot start a container that has stopped"),
    };
    if let Some(why) = refused {
        return Err(Error::setup("start", id, why));
    }
    if !release(global, &dir, &st)? {
        destroy(global, dir, &st)?;
        return Ok(1);
    }
    run_hooks(global, &st, Kind::Poststart);
    Ok(0)
}

/// Opens the exec FIFO, which lets the parked init's open return, and
/// waits for its byte, then for its startContainer hooks; an init that
/// dies meanwhile is an error. False: a hook failed, and its message has
/// been given.
fn release(global: &Global, dir: &Dir, st: &State) -> Result<bool> {
    let fifo = dir.open_fifo()?;
    let tick = Timespec {
        tv_sec: 0,
        tv_nsec: 50_000_000,
    };
    // The init's byte, then what it writes while it holds the FIFO open
    // through its startContainer hooks: why one failed, if one did.
    let (mut released, mut why) = (false, Line::new());
    loop {
        let ready = wait_readable(fifo.as_fd(), tick).at("poll", b"exec.fifo")?;
        if ready > 0 {
            let mut buf = [0u8; 256];
            let want = if released { buf.len() } else { 1 };
            match crate::out::read(fifo.as_fd(), &mut buf[..want]) {
                // End of file: the init closed it, at CMD's exec or dying.
                Ok(0) if released => {
                    if !why.is_empty() {
                        why.write_to(crate::sys::stderr());
                        super::log::error(global, why.as_bytes());
                    }
                    return Ok(why.is_empty());
                }
                Ok(n) if released => {
                    why.push(&buf[..n]);
                }
                Ok(1) => {
                    dir.remove_fifo();
                    released = true;
                }
                // Hung up without a byte (the init died opening it), or
                // not written yet: judged by whether the init lives.
                Ok(_) | Err(rustix::io::Errno::AGAIN) => {}
                Err(e) => return Err(e).at("read", b"exec.fifo"),
            }
        }
        // Whether the init lives, not its status: from its open's return
        // on it no longer bears the parked name, before its byte comes.
        if !released && state::start_time(st.pid) != Some(st.start_time) {
            return Err(Error::setup(
                "start",
                st.id,
                "the container's init exited before it started",
            ));
        }
    }
}

pub fn run(global: &Global, opts: &Opts, args: Args, env: Environ) -> Result<u8> {
    // Blocked before the child exists, as for `sct ROOTFS CMD`, so that no
    // signal meant for the container is lost.
    let signals = (!opts.detach).then(parent::take_over_signals).transpose()?;
    let Some((dir, pid, terminal)) = create_parked(global, opts, opts.detach, args, env)? else {
        return Ok(1);
    };
    let mut room = Room::new();
    let mut st = State::empty();
    dir.read_state(&mut room, &mut st)?;
    match release(global, &dir, &st) {
        Ok(true) => run_hooks(global, &st, Kind::Poststart),
        Ok(false) => {
            destroy(global, dir, &st)?;
            return Ok(1);
        }
        Err(e) => {
            let _ = destroy(global, dir, &st);
            return Err(e);
        }
    }
    let Some(signals) = signals else {
        return Ok(0);
    };
    // Unlocked while the container runs, so that `state` and `kill` work.
    let root_id = (global.root, dir.id());
    drop(dir);
    let code = parent::supervise_created(pid, &signals, terminal)?;
    let mut room = Room::new();
    let mut st = State::empty();
    let (dir, _) = state::open(root_id.0, root_id.1, &mut room, &mut st)?;
    destroy(global, dir, &st)?;
    Ok(code)
}

/// `kill`: a signal to the init, or with `--all` to every process in the
/// container's cgroup.
pub fn kill(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let name = opts.args[1].bytes_or(b"TERM");
    let Some(signal) = signal_by_name(name) else {
        return Err(Error::usage(
            "unknown signal '",
            name,
            "': a name (TERM, SIGKILL) or a number",
        ));
    };
    let id = id(opts);
    let not_running = || Error::setup("kill", id, "container not running");
    let mut room = Room::new();
    let mut st = State::empty();
    let (_dir, status) = state::open(global.root, id, &mut room, &mut st)?;
    if status == Status::Stopped {
        return Err(not_running());
    }
    // Without a cgroup (rootless and no limits: parent/mod.rs says why there
    // is none), the init: KILL to a PID namespace's init ends every
    // process in it.
    if opts.all && st.cgroups.iter().any(|c| !c.is_empty()) {
        signal_cgroup(&st, signal);
    } else {
        let fd = open_init(&st).ok_or_else(not_running)?;
        pidfd_send_signal(&fd, signal).at("kill", id)?;
    }
    super::freeze::thaw_after_kill(&st, signal);
    Ok(0)
}

/// A pidfd for the container's init, if it still is the process `create`
/// recorded: checked after the pidfd exists, so a pid reused in between
/// cannot be signalled.
pub(super) fn open_init(st: &State) -> Option<OwnedFd> {
    let fd = pidfd_open(Pid::from_raw(st.pid as i32)?, PidfdFlags::empty()).ok()?;
    (state::start_time(st.pid) == Some(st.start_time)).then_some(fd)
}

/// Sends `signal` to every process listed in the container's first cgroup
/// directory (each lists them all).
fn signal_cgroup(st: &State, signal: Signal) {
    let Some(dir) = st.cgroups.iter().find(|c| !c.is_empty()) else {
        return;
    };
    let mut path = Buf::<1024>::from(dir);
    path.push(b"/cgroup.procs\0");
    let Ok(fd) = rustix::fs::open(
        path.as_c_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    ) else {
        return;
    };
    let mut buf = [0u8; 8192];
    let n = crate::out::read(fd.as_fd(), &mut buf).unwrap_or(0);
    state::each_pid(&buf[..n], &mut |pid| {
        if let Some(pid) = Pid::from_raw(pid as i32) {
            let _ = rustix::process::kill_process(pid, signal);
        }
    });
}

/// `delete`: removes a stopped or created container, its cgroup and its
/// state; `--force` kills a running one first.
pub fn delete(global: &Global, opts: &Opts, _: Args, _: Environ) -> Result<u8> {
    let id = id(opts);
    let dir = match Dir::open(global.root, id) {
        Ok(dir) => dir,
        // runc: deleting what is not there is no error under --force.
        Err(_) if opts.force => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut room = Room::new();
    let mut st = State::empty();
    let status = dir.read_state(&mut room, &mut st)?;
    if matches!(status, Status::Running | Status::Paused) && !opts.force {
        return Err(Error::setup("delete", id, "the container is running")
            .hint("stop it first ('sct kill ID KILL'), or use 'sct delete --force ID'"));
    }
    destroy(global, dir, &st)?;
    Ok(0)
}

/// Kills the init if it lives, waits for it to be gone, then removes the
/// cgroup (killing anything left there) and the state; then the poststop
/// hooks run.
fn destroy(global: &Global, dir: Dir, st: &State) -> Result<()> {
    let init = open_init(st);
    if let Some(fd) = &init {
        let _ = pidfd_send_signal(fd, Signal::KILL);
    }
    super::freeze::thaw_after_kill(st, Signal::KILL);
    if let Some(fd) = init {
        // A pidfd polls readable once its process has exited: no sleeping
        // guess. Generous: the kernel tears down a whole PID namespace.
        let tick = Timespec {
            tv_sec: 1,
            tv_nsec: 0,
        };
        for _ in 0..60 {
            if wait_readable(fd.as_fd(), tick).unwrap_or(0) > 0 {
                break;
            }
        }
    }
    for cg in st.cgroups.iter().filter(|c| !c.is_empty()) {
        crate::cgroup::remove(cg)?;
    }
    dir.remove()?;
    run_hooks(global, st, Kind::Poststop);
    Ok(())
}

/// Runs the poststart or poststop hooks `create` recorded, with the state
/// `sct state` would print (the pid of a stopped container is 0).
#[inline(never)]
fn run_hooks(global: &Global, st: &State, kind: Kind) {
    if st.hooks.is_empty() {
        return;
    }
    let mut text = Buf::<16384>::new();
    super::report::push_state(&mut text, st, Status::Running, st.id, None);
    let pid = if kind == Kind::Poststop { 0 } else { st.pid };
    hooks::run_warning(global, st.hooks, kind, text.as_bytes(), pid);
}

/// The state the hooks of a container being created get: `sct state`'s,
/// its pid and status put in at each point; in memory that the child's
/// copy keeps too.
#[inline(never)]
fn hook_state(st: &State) -> Result<&'static [u8]> {
    let mut text = Buf::<16384>::new();
    super::report::push_state(&mut text, st, Status::Created, st.id, None);
    if text.is_cut() {
        return Err(Error::setup("hooks", b"", "the state is more than 16 KiB"));
    }
    let len = text.as_bytes().len();
    let mut arena = crate::sys::arena::Arena::map(len).at("mmap", b"hooks")?;
    let kept = arena
        .bytes(len)
        .ok_or_else(|| Error::setup("mmap", b"hooks", "too small"))?;
    kept.copy_from_slice(text.as_bytes());
    Ok(kept)
}

/// Waits up to `tick` for `fd` to be readable (poll(2), retried while
/// interrupted): whether it is, as poll counts (0 or 1). One copy for the
/// waits on the exec FIFO and on pidfds (a pidfd polls readable once its
/// process has exited).
#[inline(never)]
pub(super) fn wait_readable(
    fd: rustix::fd::BorrowedFd<'_>,
    tick: Timespec,
) -> core::result::Result<usize, rustix::io::Errno> {
    let mut fds = [PollFd::new(&fd, PollFlags::IN)];
    crate::sys::retry(|| poll(&mut fds, Some(&tick)))
}

/// Writes the pid file whole, or not at all (aside, then renamed), as
/// runc does: containerd reads it as soon as `create` returns.
pub(super) fn write_pid_file(file: &'static CStr, pid: Pid) -> Result<()> {
    let mut tmp = Buf::<1100>::from(file.to_bytes());
    tmp.push(b".sct-new\0");
    let mut text = Buf::<64>::new();
    text.push_u64(pid.as_raw_nonzero().get() as u64);
    let fd = rustix::fs::open(
        tmp.as_c_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )
    .at("open", file.to_bytes())?;
    crate::out::write_whole(fd.as_fd(), text.as_bytes()).at("write", file.to_bytes())?;
    rustix::fs::rename(tmp.as_c_str(), file).at("rename", file.to_bytes())
}

/// `path` made absolute against the working directory, into `out`.
fn absolute(path: &[u8], out: &mut Buf<1024>) -> Result<()> {
    if path.first() != Some(&b'/') {
        let mut cwd = [0u8; 1024];
        let n = rustix::fs::readlinkat_raw(rustix::fs::CWD, c"/proc/self/cwd", &mut cwd[..])
            .at("readlink", b"/proc/self/cwd")?;
        out.push(&cwd[..n]);
        if path != b"." {
            out.push(b"/")
                .push(path.strip_prefix(b"./").unwrap_or(path));
        }
    } else {
        out.push(path);
    }
    if out.is_cut() {
        return Err(Error::os("bundle", path, crate::sys::Errno::NAMETOOLONG));
    }
    Ok(())
}

/// The path of an open directory, from /proc/self/fd.
fn fd_path(fd: rustix::fd::BorrowedFd<'_>, out: &mut Buf<512>) -> Result<()> {
    let mut link = Buf::<64>::from(b"/proc/self/fd/");
    link.push_u64(rustix::fd::AsRawFd::as_raw_fd(&fd) as u64)
        .push(b"\0");
    let mut buf = [0u8; 512];
    let n = rustix::fs::readlinkat_raw(rustix::fs::CWD, link.as_c_str(), &mut buf[..])
        .at("readlink", link.as_bytes())?;
    out.clear().push(&buf[..n]);
    Ok(())
}

/// The signals `kill` knows by name, as `SIGNAL_NAMES` packs them.
const SIGNALS: &[(&str, u32)] = {
    use linux_raw_sys::general as g;
    &[
        ("HUP", g::SIGHUP),
        ("INT", g::SIGINT),
        ("QUIT", g::SIGQUIT),
        ("ILL", g::SIGILL),
        ("TRAP", g::SIGTRAP),
        ("ABRT", g::SIGABRT),
        ("BUS", g::SIGBUS),
        ("FPE", g::SIGFPE),
        ("KILL", g::SIGKILL),
        ("USR1", g::SIGUSR1),
        ("SEGV", g::SIGSEGV),
        ("USR2", g::SIGUSR2),
        ("PIPE", g::SIGPIPE),
        ("ALRM", g::SIGALRM),
        ("TERM", g::SIGTERM),
        ("STKFLT", g::SIGSTKFLT),
        ("CHLD", g::SIGCHLD),
        ("CONT", g::SIGCONT),
        ("STOP", g::SIGSTOP),
        ("TSTP", g::SIGTSTP),
        ("TTIN", g::SIGTTIN),
        ("TTOU", g::SIGTTOU),
        ("URG", g::SIGURG),
        ("XCPU", g::SIGXCPU),
        ("XFSZ", g::SIGXFSZ),
        ("VTALRM", g::SIGVTALRM),
        ("PROF", g::SIGPROF),
        ("WINCH", g::SIGWINCH),
        ("IO", g::SIGIO),
        ("PWR", g::SIGPWR),
        ("SYS", g::SIGSYS),
    ]
};

/// `SIGNALS` packed at compile time in number order (`crate::names`),
/// which leaves the numbers out: 0.7 KB less than the table of pairs.
static SIGNAL_NAMES: [u8; crate::names::runs_len(SIGNALS, crate::names::Coding::Bytes)] =
    crate::names::pack_runs(SIGNALS, crate::names::Coding::Bytes);

/// A signal by name (`KILL`, `SIGKILL`, any case) or number.
fn signal_by_name(name: &[u8]) -> Option<Signal> {
    use crate::cli::same_but_case;
    let number = match crate::out::parse_u64(name) {
        Some(n) => n as u32,
        None => {
            let bare = name
                .get(..3)
                .filter(|p| same_but_case(p, b"SIG"))
                .map_or(name, |_| &name[3..]);
            // SIGIOT is SIGABRT's other name: one number, one entry.
            let bare = if same_but_case(bare, b"IOT") {
                b"ABRT"
            } else {
                bare
            };
            crate::cli::number_but_case(&SIGNAL_NAMES, bare)?
        }
    };
    Signal::from_named_raw(i32::try_from(number).ok()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signals_by_name_in_any_case_or_by_number() {
        let n = |s: &[u8]| signal_by_name(s).map(Signal::as_raw);
        assert_eq!(n(b"KILL"), Some(9));
        assert_eq!(n(b"sigkill"), Some(9));
        assert_eq!(n(b"SigTerm"), Some(15));
        assert_eq!(n(b"IOT"), Some(6));
        assert_eq!(n(b"vtalrm"), Some(26));
        assert_eq!(n(b"SYS"), Some(31));
        assert_eq!(n(b"9"), Some(9));
        assert_eq!(n(b"SIG"), None);
        assert_eq!(n(b"KILLX"), None);
        assert_eq!(n(b"SIGSIGKILL"), None);
    }
}
