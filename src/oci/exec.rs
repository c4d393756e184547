//! `exec`: a new process in a running container, with runc's flags.
//!
//! The parent side. sct runs from a sealed copy of itself, checks that the
//! container's init is still the process `create` recorded, reads the
//! container's description again, and clones the joining process into the
//! container's PID namespace and cgroup; `child::enter` does the rest.
//! Without `--detach`, sct stays its parent, passes signals on and exits
//! with its status (128+N after signal N); with it, sct writes
//! `--pid-file` and exits once CMD runs (containerd's shim, a child
//! subreaper, then reaps it).
//!
//! Exit status: 1 when sct fails, CMD not found or not executable
//! included (runc's rule: before exec the failure is sct's, said in one
//! line); once CMD runs, its own status, whatever it is: a 126 or 127 then
//! comes from CMD (a shell that could not run its command), never from sct.

use core::ffi::CStr;

use linux_raw_sys::general::{
    CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWTIME,
    CLONE_NEWUSER, CLONE_NEWUTS,
};
use rustix::fd::{AsFd, AsRawFd, OwnedFd};
use rustix::fs::{Mode, OFlags};
use rustix::process::{Pid, Signal};

use super::packed::{names_len, Packed};
use super::state::{self, Room, Status};
use super::{config, Flag, Global, Opts};
use crate::child::enter::{self, Entry};
use crate::cli::{Config, Gids};
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::parent;
use crate::sync::Channel;
use crate::sys::args::{Args, CArg, CStrVec, Environ};
use crate::sys::process::{self as proc, Fork};
use crate::sys::Errno;

/// Most `--env` entries.
const MAX_ENV: usize = 32;

/// exec's own flags, as parsed.
#[derive(Default)]
pub struct ExecOpts {
    process: CArg,
    cwd: CArg,
    /// `--env`'s, and a slot for the NULL after them: a vector of thin
    /// pointers, which starts as zeros, where an array of `Option<&CStr>`
    /// had a tag in each slot to write when the options are made.
    env: CStrVec<{ MAX_ENV + 1 }>,
    user: Option<(u32, Option<u32>)>,
    gids: Option<Gids>,
    caps: u64,
    tty: bool,
    no_new_privs: bool,
    preserve_fds: u32,
    /// The first value refused while parsing: text before, value, after.
    bad: Option<(&'static str, &'static CStr, &'static str)>,
}

// Out of line: each flag's setter that refuses a value called a copy.
#[inline(never)]
fn refuse(o: &mut Opts, before: &'static str, v: &'static CStr, after: &'static str) {
    o.exec.bad.get_or_insert((before, v, after));
}

fn number(v: &CStr) -> Option<u32> {
    crate::out::parse_u64(v.to_bytes()).and_then(|n| u32::try_from(n).ok())
}

pub(super) const FLAGS: &[Flag] = &[
    Flag {
        text: "-p, --process FILE\n\
               the process as runtime-spec JSON (args, env, cwd, user, ...)",
        set: |o, _, v| o.exec.process.set(v),
    },
    Flag {
        text: "--cwd DIR\n\
               working directory inside the container",
        set: |o, _, v| o.exec.cwd.set(v),
    },
    Flag {
        text: "-e, --env KEY=VALUE\n\
               set an environment variable (repeatable)",
        set: |o, _, v| {
            if o.exec.env.len() == MAX_ENV {
                refuse(o, "--env '", v, "': at most 32 --env");
            } else if !super::has_byte(v.to_bytes(), b'=') {
                refuse(o, "--env '", v, "': expected KEY=VALUE");
            } else {
                o.exec.env.push(v);
            }
        },
    },
    Flag {
        text: "-u, --user UID[:GID]\n\
               user (and group) IDs to run as",
        set: |o, _, v| {
            let text = v.to_bytes();
            let (uid, gid) = match text.iter().position(|&c| c == b':') {
                Some(at) => (&text[..at], Some(&text[at + 1..])),
                None => (text, None),
            };
            let id = |t: &[u8]| crate::out::parse_u64(t).and_then(|n| u32::try_from(n).ok());
            match (id(uid), gid.map(id)) {
                (Some(u), None) => o.exec.user = Some((u, None)),
                (Some(u), Some(Some(g))) => o.exec.user = Some((u, Some(g))),
                _ => refuse(o, "--user '", v, "': expected UID[:GID], numbers"),
            }
        },
    },
    Flag {
        text: "-g, --additional-gids GID\n\
               a supplementary group (repeatable)",
        set: |o, _, v| {
            let gids = o.exec.gids.get_or_insert_with(Gids::new);
            match number(v) {
                Some(g) if gids.len() < crate::cli::MAX_GIDS => {
                    gids.push(g);
                }
                _ => refuse(
                    o,
                    "--additional-gids '",
                    v,
                    "': expected a GID (at most 32)",
                ),
            }
        },
    },
    Flag {
        text: "-t, --tty\n\
               a pseudo-terminal for CMD (with --detach: sent to --console-socket)",
        set: |o, _, _| o.exec.tty = true,
    },
    super::DETACH,
    super::PID_FILE,
    super::CONSOLE_SOCKET,
    Flag {
        text: "-c, --cap CAP\n\
               add a capability (repeatable)",
        set: |o, _, v| match crate::cli::capability_number(v.to_bytes()) {
            Some(n) => o.exec.caps |= 1 << n,
            None => refuse(
                o,
                "--cap '",
                v,
                "': unknown capability, see capabilities(7)",
            ),
        },
    },
    Flag {
        text: "--no-new-privs\n\
               set no_new_privs for the process",
        set: |o, _, _| o.exec.no_new_privs = true,
    },
    Flag {
        text: "--preserve-fds N\n\
               pass descriptors 3..3+N on to the process",
        set: |o, _, v| match number(v).filter(|&n| n < 65536) {
            Some(n) => o.exec.preserve_fds = n,
            None => refuse(o, "--preserve-fds '", v, "': expected a number"),
        },
    },
    Flag {
        text: "--process-label LABEL\n\
               refused unless empty: sct applies no SELinux label",
        set: |o, _, v| {
            if !v.is_empty() {
                refuse(
                    o,
                    "--process-label '",
                    v,
                    "': not supported, sct applies no SELinux label",
                )
            }
        },
    },
    Flag {
        text: "--apparmor PROFILE\n\
               refused unless empty: sct applies no AppArmor profile",
        set: |o, _, v| {
            if !v.is_empty() {
                refuse(
                    o,
                    "--apparmor '",
                    v,
                    "': not supported, sct applies no AppArmor profile",
                )
            }
        },
    },
];

pub fn exec(global: &Global, opts: &Opts, args: Args, env: Environ) -> Result<u8> {
    let x = &opts.exec;
    if let Some((before, v, after)) = x.bad {
        return Err(Error::usage(before, v.to_bytes(), after));
    }
    if x.process.is_none() && opts.rest == 0 {
        return Err(Error::usage_line(
            "exec needs a command or --process FILE: usage: sct exec [FLAGS] ID [CMD [ARG...]]",
        ));
    }
    check_preserved_fds(x.preserve_fds)?;
    run_from_sealed_copy(args, env)?;
    // Before anything that can wait (the lock below): execve made this
    // process dumpable again, and an sct started inside a container is
    // visible to its processes while it waits.
    enter::stay_undumpable()?;
    let id = super::lifecycle::id(opts);
    // Locked until the process runs, so that no delete interleaves.
    let mut room = Room::new();
    let mut st = state::State::empty();
    // The status, so that a paused container is refused too; a created
    // one is: its init is still sct, parked, and would share the
    // container with a process of the caller's.
    let (dir, status) = state::open(global.root, id, &mut room, &mut st)?;
    if status != Status::Running {
        let mut why = Buf::<256>::from(id);
        why.push(b": the container is ").push_str(status.name());
        return Err(Error::setup("exec", why.as_bytes(), ""));
    }
    // Checked after the pidfd exists: a pid reused meanwhile fails here,
    // and every setns goes through this pidfd, never through the pid.
    let init = super::lifecycle::open_init(&st)
        .ok_or_else(|| Error::setup("exec", id, "the container is not running"))?;
    // config.json is read again rather than kept in state.json, as runc
    // keeps it: sct's state holds what `create` alone knows (pid, start
    // time, cgroups), and sct has no allocator to serialise a Config. The
    // bundle is the container's for its life (containerd keeps it as the
    // task's directory), and only root on the host can change it.
    let mut loaded = config::load(st.bundle)?;
    let cfg = &mut loaded.cfg;
    // With the container's capabilities, before --cap: the filter is the
    // one `create` compiled.
    let profile = parent::compile_seccomp_profile(cfg)?;
    let mut envs = CStrVec::<256>::new();
    // The container's own terminal is not the new process's: that is
    // --tty's, or the process file's `terminal`.
    (cfg.terminal, cfg.console_size) = (x.tty, None);
    match x.process.get() {
        Some(file) => config::load_process(file, cfg)?,
        None => lay_flags_over(cfg, opts, args, &mut envs)?,
    }
    let console =
        crate::terminal::console_socket(cfg.terminal, opts.detach, opts.console_socket.get())?;
    // Without a console socket, the master comes to sct to relay, with the
    // child's second handshake.
    let relay = cfg.terminal && console.is_none();
    let env_of_process = match x.process.get() {
        Some(_) => cfg.process_env.unwrap_or(envs.as_argv()),
        None => envs.as_argv(),
    };
    let argv = cfg
        .process_args
        .ok_or_else(|| Error::setup("exec", id, "no command"))?;
    let namespaces = namespaces_to_join(st.pid)?;
    let cgroups = open_cgroups(&st)?;
    let signals = (!opts.detach).then(parent::take_over_signals).transpose()?;
    // The PID and time namespaces take effect for children only: joined
    // here, so that the clone below starts inside (setns(2)). Nothing else
    // of this process changes namespace, but an ordinary caller's user
    // namespace: setns(2) into a PID namespace asks CAP_SYS_ADMIN in the
    // caller's own user namespace too, which it has only in the
    // container's (its own creation). The kernel joins it first.
    let user = if crate::userns::is_rootless() {
        CLONE_NEWUSER
    } else {
        0
    };
    let for_children = namespaces & (CLONE_NEWPID | CLONE_NEWTIME | user);
    if for_children != 0 {
        let kinds = rustix::thread::ThreadNameSpaceType::from_bits_retain(for_children);
        rustix::thread::move_into_thread_name_spaces(init.as_fd(), kinds)
            .at("setns", b"container PID namespace")?;
    }
    let channel = Channel::new()?;
    let entry = Entry {
        init: init.as_fd(),
        namespaces: namespaces & !for_children,
        profile,
        argv,
        env: env_of_process,
        preserve_fds: x.preserve_fds,
        detach: opts.detach,
        console: console.as_ref().map(|fd| fd.as_fd()),
    };
    let (pid, placed) = match spawn(&cgroups)? {
        None => enter::run(cfg, &entry, channel.into_child()),
        Some(child) => child,
    };
    let channel = channel.into_parent();
    let kill = |e: Error| {
        let _ = rustix::process::kill_process(pid, Signal::KILL);
        let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
        e
    };
    place(&cgroups, placed, pid).map_err(kill)?;
    if channel.child_is_ready()? {
        channel.release()?;
        if (opts.detach || relay) && channel.child_is_ready()? {
            channel.release()?;
        }
    }
    let channel_terminal = channel.take_terminal();
    let mut failure = crate::sync::Failure::default();
    if channel.wait_for_exec(&mut failure)? {
        let _ = rustix::process::waitpid(Some(pid), rustix::process::WaitOptions::empty());
        // One line, as runc gives: the hints that follow speak of the
        // plain command line's ROOTFS.
        let text = failure.message.as_bytes();
        let end = text
            .iter()
            .position(|&c| c == b'\n')
            .map_or(text.len(), |n| n + 1);
        crate::out::write_all(crate::sys::stderr(), &text[..end]);
        super::log::error(global, &text[..end]);
        return Ok(1);
    }
    if let Some(file) = opts.pid_file.get() {
        super::lifecycle::write_pid_file(file, pid)?;
    }
    let Some(signals) = signals else {
        return Ok(0);
    };
    // Unlocked while the process runs, so that `state`, `kill` and
    // `delete` work meanwhile.
    drop(dir);
    parent::supervise_created(pid, &signals, channel_terminal)
}

/// The inline form: CMD from argv, and the flags over the container's
/// process (runc's rules: --cap adds, --user keeps the container's group
/// when it names none, --env adds or replaces).
#[inline(never)]
fn lay_flags_over<const N: usize>(
    cfg: &mut Config,
    opts: &Opts,
    args: Args,
    envs: &mut CStrVec<N>,
) -> Result<()> {
    let x = &opts.exec;
    cfg.process_args = Some(args.tail(opts.rest));
    if let Some(cwd) = x.cwd.get() {
        cfg.workdir = cwd;
    }
    if let Some((uid, gid)) = x.user {
        let old_gid = cfg.user.map_or(0, |(_, g)| g);
        cfg.user = Some((uid, gid.unwrap_or(old_gid)));
    }
    if let Some(gids) = x.gids {
        cfg.additional_gids = gids;
    }
    cfg.capabilities |= x.caps;
    cfg.no_new_privileges |= x.no_new_privs;
    let full = || Error::usage_line("more than 255 environment variables");
    let mut i = 0;
    while let Some(entry) = cfg.process_env.and_then(|e| e.get(i)) {
        if !envs.push(entry) {
            return Err(full());
        }
        i += 1;
    }
    for entry in (0..x.env.len()).map(|i| x.env.get(i)) {
        let bytes = entry.to_bytes();
        let key = &bytes[..=bytes.iter().position(|&c| c == b'=').unwrap_or(0)];
        match (0..envs.len()).find(|&i| envs.get(i).to_bytes().starts_with(key)) {
            Some(i) => envs.set(i, entry),
            None if envs.push(entry) => {}
            None => return Err(full()),
        }
    }
    Ok(())
}

/// `--preserve-fds N` hands descriptors 3..3+N to CMD; each must be open
/// now, before sct opens any of its own, so that none of sct's (the
/// init's pidfd, a cgroup directory, the state's lock) can take one of
/// those numbers and reach the container (CVE-2024-21626).
#[inline(never)]
fn check_preserved_fds(n: u32) -> Result<()> {
    for fd in 3..3 + n as i32 {
        if rustix::io::fcntl_getfd(crate::sys::borrow_fd(fd)).is_err() {
            let mut what = Buf::<64>::new();
            what.push_u64(n as u64);
            return Err(Error::usage(
                "--preserve-fds ",
                what.as_bytes(),
                ": descriptors 3 to 3+N-1 must all be open",
            ));
        }
    }
    Ok(())
}

/// CVE-2019-5736: a process in the container could open /proc/PID/exe of
/// a runtime process that entered it (or of its own, after exec'ing
/// `#!/proc/self/exe`, which names sct's binary while sct is the one
/// exec'ing), wait for sct to exit, then reopen it for writing and
/// replace sct's binary on the host. sct stays non-dumpable until exec,
/// which stops the first way for a container without CAP_SYS_PTRACE,
/// but not the second, where the process is no longer sct's. So, as runc
/// and crun do, `exec` runs from a copy of sct in a memfd sealed against
/// any write: whatever /proc/PID/exe a container process gets is that
/// copy, which cannot be written, and whose writing would change nothing
/// on the host. The copy is made each time (200 KB, in the kernel);
/// /proc/self/exe that is already sealed means we are it.
#[inline(never)]
fn run_from_sealed_copy(args: Args, env: Environ) -> Result<()> {
    use rustix::fs::{MemfdFlags, SealFlags};
    let exe = rustix::fs::open(
        c"/proc/self/exe",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/proc/self/exe")?;
    let sealed = SealFlags::SEAL | SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE;
    if rustix::fs::fcntl_get_seals(&exe).is_ok_and(|s| s.contains(sealed)) {
        return Ok(());
    }
    let flags = MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING;
    // MFD_EXEC (Linux 6.3) keeps the copy executable where
    // vm.memfd_noexec=1 would seal it non-executable; older kernels refuse
    // the flag and make every memfd executable.
    let copy = match rustix::fs::memfd_create(c"sct", flags | MemfdFlags::EXEC) {
        Err(rustix::io::Errno::INVAL) => rustix::fs::memfd_create(c"sct", flags),
        other => other,
    }
    .at("memfd_create", b"sct")?;
    while crate::sys::retry(|| rustix::fs::sendfile(&copy, &exe, None, 1 << 20))
        .at("sendfile", b"/proc/self/exe")?
        > 0
    {}
    rustix::fs::fcntl_add_seals(&copy, sealed).at("fcntl", b"F_ADD_SEALS")?;
    let errno = crate::sys::enter::execveat_fd(copy.as_fd(), args.tail(0), env.as_argv());
    Err(Error::os("execveat", b"sct's sealed copy", errno).hint_if(
        Errno::ACCESS,
        "vm.memfd_noexec=2 forbids running from a memfd",
    ))
}

/// The init's namespaces that differ from ours, as CLONE_NEW* flags:
/// joining our own user namespace is an error (setns(2)), and a kind the
/// kernel lacks has no link to compare.
#[inline(never)]
fn namespaces_to_join(pid: u32) -> Result<u32> {
    const KINDS: &[(&str, u32)] = &[
        ("user", CLONE_NEWUSER),
        ("mnt", CLONE_NEWNS),
        ("uts", CLONE_NEWUTS),
        ("ipc", CLONE_NEWIPC),
        ("net", CLONE_NEWNET),
        ("cgroup", CLONE_NEWCGROUP),
        ("pid", CLONE_NEWPID),
        ("time", CLONE_NEWTIME),
    ];
    static PACKED: Packed<u32, { names_len(KINDS) }, { KINDS.len() }> = Packed::new(KINDS);
    let mut flags = 0;
    for (name, flag) in PACKED.iter() {
        let mut theirs = Buf::<64>::from(b"/proc/");
        theirs.push_u64(u64::from(pid)).push(b"/ns/").push(name);
        theirs.push(b"\0");
        let mut ours = Buf::<64>::from(b"/proc/self/ns/");
        ours.push(name).push(b"\0");
        let (Ok(a), Ok(b)) = (
            rustix::fs::stat(theirs.as_c_str()),
            rustix::fs::stat(ours.as_c_str()),
        ) else {
            continue;
        };
        if (a.st_dev, a.st_ino) != (b.st_dev, b.st_ino) {
            flags |= flag;
        }
    }
    if flags & CLONE_NEWPID == 0 {
        return Err(Error::setup(
            "exec",
            b"container",
            "its init shares sct's PID namespace, or has gone",
        ));
    }
    Ok(flags)
}

/// The container's cgroup directories, each with whether it is cgroup v2.
type Cgroups = [Option<(OwnedFd, bool)>; 6];

#[inline(never)]
fn open_cgroups(st: &state::State) -> Result<Cgroups> {
    let mut dirs: Cgroups = Default::default();
    for (slot, path) in dirs.iter_mut().zip(st.cgroups.iter()) {
        if path.is_empty() {
            continue;
        }
        *slot = Some(crate::cgroup::open_recorded(path).at("open", path)?);
    }
    Ok(dirs)
}

/// Clones the joining process: into the v2 cgroup directory at once where
/// there is one (CLONE_INTO_CGROUP, Linux 5.7), so that it never runs
/// outside it. `None` in the child; in the parent, its pid and whether the
/// clone placed it.
#[inline(never)]
fn spawn(cgroups: &Cgroups) -> Result<Option<(Pid, bool)>> {
    let into = cgroups
        .iter()
        .flatten()
        .find(|(_, v2)| *v2)
        .map(|(fd, _)| fd.as_raw_fd());
    let mut placed = into.is_some();
    let mut result = proc::clone3(0, into);
    if let (Some(_), Err(Errno::TOOBIG | Errno::INVAL)) = (into, &result) {
        placed = false;
        result = proc::clone3(0, None);
    }
    let forked = match result {
        Err(Errno::NOSYS) => {
            placed = false;
            proc::clone(0).at("clone", b"")
        }
        other => other.at("clone3", b""),
    }?;
    Ok(match forked {
        Fork::Child => None,
        Fork::Parent { pid, .. } => Some((pid, placed)),
    })
}

/// Writes the child's pid to cgroup.procs of every directory it is not in
/// yet (v1's, and v2's where clone could not place it), before the child
/// runs a step of its own.
#[inline(never)]
fn place(cgroups: &Cgroups, placed: bool, pid: Pid) -> Result<()> {
    let mut text = Buf::<64>::new();
    text.push_u64(pid.as_raw_nonzero().get() as u64);
    for (dir, v2) in cgroups.iter().flatten() {
        if *v2 && placed {
            continue;
        }
        crate::cgroup::add_process(dir, text.as_bytes())?;
    }
    Ok(())
}
