//! The parent side: everything sct does outside the container, in order.
//!
//! Parent code holds the child's pid; child code never does.

use linux_raw_sys::general::{
    SIGCHLD, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH,
};
use rustix::fd::{BorrowedFd, OwnedFd};
use rustix::fs::{stat, FileType};
use rustix::process::Pid;

use crate::cgroup::{Cgroup, Making};
use crate::child::{self, Setup, Start};
use crate::cli::Config;
use crate::devices::{Devices, Kind, Node};
use crate::error::{Context, Error, Result};
use crate::profile;
use crate::reap::reap_children;
use crate::sync::{Channel, Failure, Handshakes, ParentEnd};
use crate::sys::args::{Args, Environ};
use crate::sys::signal::{self as sig, SigSet};
use crate::sys::Errno;
use crate::userns::{self, UserNs};

mod seccomp;
mod spawn;

pub use seccomp::compile_seccomp_profile;
use spawn::{spawn, Child, Spawned};

/// Signals sent to sct that are passed on to the container (runc and crun
/// forward these too). sct itself stays until the container has exited.
const FORWARDED: &[u32] = &[SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH];

/// How far `start` got.
// Returned once per run, by value: no allocator to box the large variant.
#[allow(clippy::large_enum_variant)]
pub enum Started {
    /// CMD runs: supervise it.
    Running(Running),
    /// Nothing to supervise (setup failed and was reported, or there was
    /// no container to run): sct exits with this code.
    Done(u8),
}

/// What supervising a running container needs, and nothing of setup's:
/// the filters, the device rule and the sync channel stay in `start`'s
/// frame, which the supervisor gives back (sys::stack).
pub struct Running {
    child: Child,
    signals: SigSet,
    /// Dropped after the container has exited: kills what is left inside
    /// and removes the directories.
    cgroup: Option<Cgroup>,
    /// `-t`: the pty's master, relayed to the caller's terminal.
    terminal: Option<OwnedFd>,
}

impl Running {
    /// Passes signals on until CMD exits; returns the code sct exits with.
    pub fn supervise(self) -> Result<u8> {
        let code = supervise(&self.child, &self.signals, self.terminal)?;
        Ok(self
            .cgroup
            .as_ref()
            .and_then(|cg| cg.report(code))
            .unwrap_or(code))
    }
}

/// Sets the container up and starts CMD: the parent's checklist.
pub fn start(cfg: &Config, args: Args, env: Environ) -> Result<Started> {
    // sct stays to remove its cgroup: nothing to record.
    let making = &mut |_: &[u8]| Ok(());
    let mut p = Prepared::new();
    prepare(cfg, env, making, &mut p)?;
    let signals = take_over_signals()?;
    let channel = Channel::new()?;
    let (child, channel) = spawn_and_release(cfg, &mut p, Start::Now, args, env, channel, making)?;
    let terminal = channel.take_terminal();
    let mut failure = Failure::default();
    if channel.wait_for_exec(&mut failure)? {
        child.wait()?;
        failure.message.write_to(crate::sys::stderr());
        return Ok(Started::Done(failure.exit_code));
    }
    Ok(Started::Running(Running {
        child,
        signals,
        cgroup: p.cgroup.take(),
        terminal,
    }))
}

/// The child in its namespaces, set up as far as the handshakes of
/// `release_in_steps` take it: the same for `run` and `create`, which
/// differ only in when CMD starts.
fn spawn_and_release(
    cfg: &Config,
    p: &mut Prepared,
    start: Start,
    args: Args,
    env: Environ,
    channel: Channel,
    making: &mut Making<'_>,
) -> Result<(Child, ParentEnd)> {
    let last_ahead = matches!(start, Start::Now) && !cfg.terminal;
    let child = match spawn(cfg, p.userns.as_ref(), p.cgroup.as_mut(), last_ahead)? {
        Spawned::Child(handshakes) => {
            let setup = setup(
                &p.devices, p.profile, &p.userns, &p.cgroup, start, handshakes,
            );
            child::run(cfg, &setup, args, env, channel.into_child())
        }
        Spawned::Parent(child) => child,
    };
    let channel = channel.into_parent();
    release_in_steps(
        &channel,
        &child,
        p.cgroup.as_mut(),
        &p.devices,
        p.userns.as_ref(),
        &cfg.hooks,
        making,
    )?;
    Ok((child, channel))
}

/// What the parent works out before the child exists, the same for `run`
/// and `create`.
struct Prepared {
    userns: Option<UserNs>,
    devices: Devices,
    profile: Option<&'static profile::Filter>,
    /// Dropping it, on any return, kills what is left inside and removes
    /// the directories.
    cgroup: Option<Cgroup>,
}

impl Prepared {
    /// Nothing worked out yet, for `prepare` to fill in.
    fn new() -> Prepared {
        Prepared {
            userns: None,
            devices: Devices::new(),
            profile: None,
            cgroup: None,
        }
    }
}

/// The child's part of `p`, made in the child once `spawn` is done with
/// the cgroup, with the handshakes the parent chose before the clone.
fn setup<'a>(
    devices: &'a Devices,
    profile: Option<&'a profile::Filter>,
    userns: &'a Option<UserNs>,
    cgroup: &Option<Cgroup>,
    start: Start,
    handshakes: Handshakes,
) -> Setup<'a> {
    Setup {
        devices,
        profile,
        userns: userns.as_ref(),
        handshakes,
        start,
        cgroup_tasks: cgroup.as_ref().map_or([-1; 6], Cgroup::join_fds),
    }
}

/// Works out `p` (made by `Prepared::new`); into the caller's, not
/// returned: a Prepared is large, and was copied out of the Result.
fn prepare(cfg: &Config, env: Environ, making: &mut Making<'_>, p: &mut Prepared) -> Result<()> {
    check_rootfs(cfg)?;
    userns::plan(cfg, env, &mut p.userns)?;
    resolve_devices(cfg, &mut p.devices)?;
    p.profile = compile_seccomp_profile(cfg)?;
    // Unprivileged, sct cannot load a device rule: the kernel loads cgroup
    // device programs only for CAP_BPF or CAP_SYS_ADMIN in the initial user
    // namespace, and v1's devices files take writes only from
    // CAP_SYS_ADMIN there. Nor is one needed: the rule stops root in a
    // container from using device nodes it makes or finds, and root in an
    // unprivileged user namespace can make none (mknod needs CAP_MKNOD in
    // the initial namespace), every filesystem it mounts is nodev
    // (SB_I_NODEV), and the host's nodes it reaches through binds open
    // only as far as the caller's own uid and groups allow: its
    // capabilities count only on inodes whose owner the namespace maps
    // (capable_wrt_inode_uidgid()), never on the host's root-owned nodes.
    // So a rootless container gets a cgroup only for limits.
    let rule = (!cfg.no_cgroup && !userns::is_rootless()).then(|| p.devices.rules());
    // Before the child exists, so that it can start inside (CLONE_INTO_CGROUP).
    Cgroup::create(
        &cfg.limits,
        rule,
        cfg.cgroup_parent,
        cfg.cgroup_name(),
        making,
        &mut p.cgroup,
    )
    .map_err(
        |e| match (userns::is_rootless(), cfg.process_args().is_some()) {
            (false, _) => e,
            // CMD from config.json: OCI mode.
            (true, true) => e.hint(userns::OCI_NO_DELEGATION_HINT),
            (true, false) => e.hint(userns::NO_DELEGATION_HINT),
        },
    )?;
    Ok(())
}

/// `create`: sets the container up as `run` does, but leaves it parked
/// before CMD, as `parking` says, waiting for `start` on the exec FIFO.
/// `record` is told each cgroup directory before it is made,
/// then the cgroup once it exists (so that a kill -9 of sct at any moment
/// leaves nothing `delete` cannot find), and again with the parked
/// container's pid before sct lets go of it; then the cgroup is left in
/// place, and sct exits while the container lives on. A failed setup's
/// report goes into `failure` (made empty by the caller).
pub fn create(
    cfg: &Config,
    args: Args,
    env: Environ,
    parking: Parking<'_>,
    mut record: impl FnMut(Record<'_>) -> Result<()>,
    failure: &mut Failure,
) -> Result<Created> {
    let mut p = Prepared::new();
    prepare(cfg, env, &mut |path| record(Record::Making(path)), &mut p)?;
    record(Record::Made(None, p.cgroup.as_ref()))?;
    let channel = Channel::new()?;
    use rustix::fd::AsRawFd;
    let start = Start::OnFifo {
        fifo: parking.fifo.as_raw_fd(),
        lock: parking.lock.as_raw_fd(),
        console: parking.console.map(|s| s.as_raw_fd()),
    };
    let making = &mut |path: &[u8]| record(Record::Making(path));
    let (child, channel) = spawn_and_release(cfg, &mut p, start, args, env, channel, making)?;
    // The third handshake: the child no longer dies with sct.
    let parked = channel.child_is_ready()?;
    if !parked {
        let failed = channel.wait_for_exec(failure)?;
        child.wait()?;
        if failed {
            return Ok(Created::Failed);
        }
        return Err(Error::setup(
            "create",
            b"",
            "the container ended while being set up",
        ));
    }
    record(Record::Made(Some(child.pid), p.cgroup.as_ref())).map_err(|e| child.kill(e))?;
    channel.release()?;
    if let Some(cg) = p.cgroup.take() {
        cg.keep();
    }
    Ok(Created::Parked(child.pid, channel.take_terminal()))
}

/// Where `create` parks the container (`Start::OnFifo`).
pub struct Parking<'a> {
    /// The exec FIFO `start` opens, an O_PATH descriptor.
    pub fifo: BorrowedFd<'a>,
    /// The caller's lock on the state, which the parked container must not
    /// hold.
    pub lock: BorrowedFd<'a>,
    /// The console socket a terminal's master goes to (`--console-socket`).
    pub console: Option<BorrowedFd<'a>>,
}

/// What `create` asks its caller to put on record, as it goes.
pub enum Record<'a> {
    /// A cgroup directory about to be made (cgroup::Making).
    Making(&'a [u8]),
    /// The cgroup, made; with the parked container's pid once it has one.
    Made(Option<Pid>, Option<&'a Cgroup>),
}

/// What `create` left.
pub enum Created {
    /// The container waits for `start`; its pty master, unless the child
    /// sent it to a console socket (a foreground `run` relays it).
    Parked(Pid, Option<OwnedFd>),
    /// Its setup failed, as the child reported (in `create`'s `failure`);
    /// nothing is left.
    Failed,
}

/// Releases the child in steps (sync.rs): where it waits for a first
/// release, places it in its cgroup and writes its user namespace's maps
/// first; then attaches the device rule and lets it go on to CMD (ahead of
/// its asking, where `Handshakes::last_ahead`). A child that ended instead
/// is left to `wait_for_exec`, which reports why.
// Out of line (measured smaller): inlined, its locals sat in `start`'s
// large frame, each reached with a 4-byte offset.
#[inline(never)]
fn release_in_steps(
    channel: &ParentEnd,
    child: &Child,
    mut cgroup: Option<&mut Cgroup>,
    devices: &Devices,
    userns: Option<&UserNs>,
    hooks: &crate::oci::hooks::Plan,
    making: &mut Making<'_>,
) -> Result<()> {
    let kill = |e: Error| child.kill(e);
    // The first release only where the parent has something to do before
    // the child's setup (spawn says when); otherwise the child goes on by
    // itself, and the last release below is the one that matters (sync.rs).
    if child.handshakes.first {
        // Where neither CLONE_INTO_CGROUP (v2, Linux 5.7) nor the child
        // itself (v1, Cgroup::join_fds) did: before the release, so no
        // setup step runs outside the cgroup.
        if let Some(cg) = &cgroup {
            cg.place(child.pid).map_err(kill)?;
        }
        // Before the first release, which is the barrier: only the parent
        // (in the parent namespace) can write ranges or root's maps, and the
        // child waits unmapped until then (UserNs::write_maps says why it
        // must). The caller's own ids alone the child maps itself.
        if let Some(ns) = userns.filter(|ns| !ns.maps_itself()) {
            ns.write_maps(child.pid).map_err(kill)?;
        }
        if !channel.child_is_ready()? {
            return Ok(());
        }
        channel.release()?;
    }
    // While the child sets up: loading the program is the costliest part
    // of the cgroup, and the rule need only be there before CMD runs.
    if let Some(cg) = cgroup.as_deref_mut() {
        cg.attach_device_rule(devices.rules(), child.pid, making)
            .map_err(|e| kill(e.or_hint(crate::cgroup::NO_CGROUP_HINT)))?;
    }
    // OCI's prestart and createRuntime hooks, in a handshake of their own:
    // the child has made the container's mounts and waits before its
    // pivot_root (runc's point; runtime.md, "Lifecycle").
    if crate::oci::hooks::has_runtime_hooks(hooks) && channel.child_is_ready()? {
        crate::oci::hooks::run_runtime_hooks(hooks, child.pid).map_err(kill)?;
        channel.release()?;
    }
    if child.handshakes.last_ahead {
        channel.release_ahead()?;
    } else if channel.child_is_ready()? {
        channel.release()?;
    }
    if let Some(cg) = cgroup {
        cg.remove_stale();
    }
    Ok(())
}

/// ROOTFS must be a directory: refuse anything else before any namespace
/// exists, with a message that names it.
fn check_rootfs(cfg: &Config) -> Result<()> {
    let path = cfg.rootfs.to_bytes();
    let st = stat(cfg.rootfs).at("rootfs", path).map_err(|e| {
        e.hint_if(
            Errno::NOENT,
            "ROOTFS is a directory holding the container's files, e.g. an unpacked image",
        )
        .hint_if(
            Errno::ACCESS,
            "sct reaches ROOTFS with your own rights: every directory on its path must be searchable by you",
        )
    })?;
    if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
        return Err(Error::os("rootfs", path, Errno::NOTDIR)
            .hint("ROOTFS must be a directory; unpack an image or tarball into one first"));
    }
    Ok(())
}

/// Finds each `--device` node on the host (following symlinks, as docker
/// does, so /dev/disk/by-id/... works): its type, numbers, mode and owner;
/// into `devices`, which the caller made empty (a Devices is large, and
/// returned it was copied on the way).
pub fn resolve_devices(cfg: &Config, devices: &mut Devices) -> Result<()> {
    for &rule in cfg.device_rules() {
        devices.add_rule(rule);
    }
    for d in cfg.devices.as_slice() {
        let mut path = crate::out::Buf::<1100>::new();
        path.push(d.host).push(b"\0");
        let st = stat(path.as_c_str()).at("--device", d.host).map_err(|e| {
            e.hint_if(
                Errno::NOENT,
                "HOST of --device is a device node on the host, e.g. /dev/ttyUSB0",
            )
        })?;
        let kind = match FileType::from_raw_mode(st.st_mode) {
            FileType::CharacterDevice => Kind::Char,
            FileType::BlockDevice => Kind::Block,
            _ => {
                return Err(
                    Error::setup("--device", d.host, "not a character or block device")
                        .hint("HOST of --device is a device node on the host, e.g. /dev/ttyUSB0"),
                )
            }
        };
        let node = Node {
            kind,
            major: rustix::fs::major(st.st_rdev),
            minor: rustix::fs::minor(st.st_rdev),
            mode: st.st_mode & 0o7777,
            uid: st.st_uid,
            gid: st.st_gid,
            host: d.host,
            path: d.container,
        };
        devices.add(node, d.access);
    }
    Ok(())
}

/// Blocks the forwarded signals and SIGCHLD before the child exists, so none
/// is lost between clone and the wait loop; `supervise` takes them
/// synchronously. The child unblocks them again before exec.
pub fn take_over_signals() -> Result<SigSet> {
    let mut set = SigSet::empty().with(SIGCHLD);
    for &s in FORWARDED {
        set = set.with(s);
    }
    // An inherited SIG_IGN on SIGCHLD would make the kernel reap the child
    // behind our back and waitid fail with ECHILD.
    sig::set_default(SIGCHLD).at("sigaction", b"SIGCHLD")?;
    sig::block(&set).at("sigprocmask", b"")?;
    Ok(set)
}

/// `run`: supervises the container `create` left, which is still sct's
/// child, as `sct ROOTFS CMD` does.
pub fn supervise_created(pid: Pid, signals: &SigSet, terminal: Option<OwnedFd>) -> Result<u8> {
    supervise(
        &Child {
            pid,
            pidfd: None,
            handshakes: Handshakes {
                first: false,
                last_ahead: false,
            },
        },
        signals,
        terminal,
    )
}

/// Passes signals on until the child exits; returns its exit code. With a
/// terminal, relays the caller's to it meanwhile.
fn supervise(child: &Child, signals: &SigSet, terminal: Option<OwnedFd>) -> Result<u8> {
    // The container may live for months; what setup touched of the stack
    // need not live with it.
    crate::sys::stack::discard_below_caller();
    let main = child.pid.as_raw_nonzero().get();
    if let Some(master) = terminal {
        return crate::terminal::supervise_relaying(master, signals, main, &|s| child.signal(s));
    }
    loop {
        match sig::wait(signals).at("sigtimedwait", b"")? {
            SIGCHLD => {
                if let Some(code) = reap_children(main).at("waitid", b"container")? {
                    return Ok(code);
                }
            }
            other => child.signal(other),
        }
    }
}
