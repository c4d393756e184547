//! The child side: what the container's first process does between clone and
//! exec, in order. Each line is one stage in its own module.

use core::convert::Infallible;

use rustix::fd::RawFd;

use crate::cli::{Config, Net, Seccomp};
use crate::devices::Devices;
use crate::error::Result;
use crate::profile::Filter;
use crate::sync::ChildEnd;
use crate::sys::args::{Args, Environ};
use crate::sys::process::exit;

mod attrs;
mod binds;
mod caps;
mod dev;
pub mod enter;
mod exec;
#[cfg(feature = "oci")]
pub(crate) use exec::DEFAULT_PATH;
mod fds;
mod hooks;
mod init;
mod join;
mod lifecycle;
mod mountinfo;
mod net;
mod pivot;
mod proc;
mod rlimits;
mod rootfs;
pub mod seccomp;
mod session;
pub mod terminal;
mod uts;

pub use lifecycle::PARKED_NAME;

/// When CMD starts.
#[derive(Clone, Copy)]
pub enum Start {
    /// As soon as the container is set up (`sct ROOTFS CMD`, `run`).
    Now,
    /// Once `start` opens the exec FIFO `fifo` (an O_PATH descriptor) names
    /// (`create`): the container is parked, and sct has exited. `lock` is
    /// the parent's lock on the state, closed at once so that the parked
    /// container does not hold it. `console`: the console socket a
    /// terminal's master goes to (`--console-socket`).
    OnFifo {
        fifo: RawFd,
        lock: RawFd,
        console: Option<RawFd>,
    },
}

/// What the parent worked out for the child beside the container's
/// description.
pub struct Setup<'a> {
    pub devices: &'a Devices,
    /// A compiled `--seccomp FILE`.
    pub profile: Option<&'a Filter>,
    /// The child's user namespace of its own (rootless, `--uidmap`), whose
    /// maps it writes itself where `UserNs::maps_itself`.
    pub userns: Option<&'a crate::userns::UserNs>,
    /// The handshakes with the parent (sync.rs).
    pub handshakes: crate::sync::Handshakes,
    pub start: Start,
    /// v1 cgroup `tasks` files to join by itself (Cgroup::join_fds).
    pub cgroup_tasks: [RawFd; 6],
}

impl Setup<'_> {
    /// When CMD starts: only OCI mode's `create` parks the container
    /// (`cli::OCI_MODE` says why this is a constant without it).
    fn start(&self) -> Start {
        if crate::cli::OCI_MODE {
            self.start
        } else {
            Start::Now
        }
    }
}

/// Sets the container up and execs CMD. Never returns: a failure is reported
/// to the parent, which prints it, and the child exits.
pub fn run(cfg: &Config, setup: &Setup, args: Args, env: Environ, mut channel: ChildEnd) -> ! {
    let Err(err) = setup_and_exec(cfg, setup, args, env, &mut channel);
    channel.report(&err);
    exit(err.exit_code())
}

fn setup_and_exec(
    cfg: &Config,
    setup: &Setup,
    args: Args,
    env: Environ,
    channel: &mut ChildEnd,
) -> Result<Infallible> {
    let devices = setup.devices;
    // First, so that no setup step runs outside the cgroup (where the
    // parent must move us instead, it does so before the first release).
    lifecycle::join_cgroups(&setup.cgroup_tasks)?;
    if let Start::OnFifo { lock, .. } = setup.start() {
        crate::sys::process::close_inherited(lock);
    }
    lifecycle::die_with_parent()?;
    // Before any step that needs root inside; the parent, with nothing to
    // do first, has not waited for it (UserNs::maps_itself).
    if let Some(ns) = setup.userns.filter(|ns| ns.maps_itself()) {
        ns.write_own_maps()?;
    }
    // Bound to sct's life from here. Where the parent has work to do first
    // (maps, placing us), say so and wait to be released; otherwise the
    // last release, before CMD, is the check (sync.rs says why no death of
    // sct's can go unnoticed). EOF: we go quietly.
    if setup.handshakes.first && !channel.ready_and_wait() {
        exit(crate::error::EXIT_SCT_FAILED);
    }
    // The release (or our own writing, above) is the barrier after which
    // the maps exist.
    if let Some(ns) = setup.userns {
        lifecycle::become_namespace_root(ns.denies_setgroups())?;
    }
    // Joined namespaces next, before any mount: their paths are the host's, and /sys and
    // /dev/mqueue below show the network and IPC namespace of whoever
    // mounts them. The cgroup namespace after the first release, which
    // found us in our cgroup already.
    if let Some(joins) = cfg.joins() {
        join::join_namespaces(joins)?;
    }
    if cfg.cgroup_ns() {
        join::make_cgroup_namespace()?;
    }
    if cfg.net == Net::None {
        net::bring_up_loopback()?;
    }
    rootfs::make_mounts_private(cfg.rootfs_propagation())?;
    rootfs::bind_rootfs(cfg.rootfs)?;
    // ROOTFS's bind, opened once for the stages that resolve paths below
    // it.
    let root = proc::open_root()?;
    rootfs::make_rootfs_nodev(&root, cfg.rootfs)?;
    let host_net = cfg.net == Net::Host && cfg.joins().is_none_or(|j| j.net.is_none());
    proc::mount_kernel_filesystems(&root, setup.userns.is_some(), host_net)?;
    // Once the container's /proc is there, before /proc/sys goes read-only.
    attrs::set_sysctls(&root, cfg.sysctls())?;
    // User mounts before masking, so that no bind can uncover a masked path.
    binds::mount_user_paths(&root, cfg)?;
    // After the binds, as docker does: a bind below /dev cannot cover one.
    dev::make_device_nodes(&root, devices)?;
    // After /dev: masked files are covered by the container's /dev/null.
    proc::mask_paths(&root, cfg.masked_paths())?;
    proc::make_paths_read_only(&root, cfg.readonly_paths())?;
    drop(root);
    if cfg.read_only {
        rootfs::make_root_read_only()?;
    }
    // OCI's createContainer hooks, after the parent's createRuntime ones,
    // in every namespace of ours, before pivot_root, so that their paths
    // resolve on the host (config.md).
    hooks::run_create_container_hooks(cfg, channel)?;
    pivot::switch_root(cfg.rootfs)?;
    pivot::enter_workdir(cfg.workdir)?;
    uts::set_hostname(cfg.hostname)?;
    if let Some(name) = cfg.domainname() {
        uts::set_domainname(name)?;
    }
    // Lowering the score below what sct has needs CAP_SYS_RESOURCE: before
    // the capabilities go.
    if let Some(adj) = cfg.oom_score_adj() {
        attrs::set_oom_score_adj(adj)?;
    }
    fds::mark_inherited_fds_cloexec()?;
    session::leave_callers_terminal()?;
    if cfg.terminal {
        terminal::set_up_terminal(cfg.console_size(), setup.start(), channel)?;
    }
    // Limits after every step that opens a descriptor (a low nofile would
    // refuse it), before the capability drop and the user switch: raising a
    // hard limit needs CAP_SYS_RESOURCE (setrlimit(2)), and nproc is then
    // charged to CMD's real UID from the switch on, as under runc.
    rlimits::set_resource_limits(&cfg.rlimits)?;
    // Capabilities go after every privileged step above (mounts, pivot_root,
    // sethostname need CAP_SYS_ADMIN), in runc's order: the bounding set
    // while CAP_SETPCAP is still held, the user switch while CAP_SETUID and
    // CAP_SETGID still are (so `--cap-drop SETUID` can drop them for CMD),
    // then capset. setuid to a non-root UID already clears permitted and
    // effective (capabilities(7), "Effect of user ID changes"); capset makes
    // that docker's rule (a non-root user gets none) whatever the securebits.
    // Without no_new_privs, seccomp(2) takes a filter only from a task with
    // CAP_SYS_ADMIN: then a profile goes on here, before the capabilities
    // and the user switch, as runc does, and must allow the few setup calls
    // left (prctl, capset, setgroups, setresuid, sendmsg/recvmsg on the
    // sync socket, open and write of the exec FIFO, rt_sigprocmask, execve),
    // as Docker's and podman's do.
    let profile_early = !cfg.no_new_privileges() && setup.profile.is_some();
    if let (true, Some(profile)) = (profile_early, setup.profile) {
        seccomp::install_profile(profile)?;
    }
    caps::limit_bounding_set(cfg.capabilities)?;
    if let Some((uid, gid)) = cfg.user {
        lifecycle::become_user(uid, gid, cfg.additional_gids())?;
    }
    caps::set_capabilities(caps::kept_for(cfg.capabilities, cfg.user))?;
    if cfg.no_new_privileges() {
        caps::set_no_new_privileges()?;
    }
    // After every directory and node sct makes, which keep their modes.
    if let Some(mask) = cfg.umask() {
        attrs::set_umask(mask);
    }
    // Again: the user switch cleared PR_SET_PDEATHSIG and set it anew, and
    // the parent attaches the device rule while the steps above run, which
    // must be there before anything of CMD's.
    let released = if setup.handshakes.last_ahead {
        channel.wait_released()
    } else {
        channel.ready_and_wait()
    };
    if !released {
        exit(crate::error::EXIT_SCT_FAILED);
    }
    if let Start::OnFifo { fifo, .. } = setup.start() {
        // After every step sct's parent takes part in (cgroup, device
        // rule): from here the container outlives it.
        let started = lifecycle::park(channel, fifo)?;
        // startContainer hooks once `start` came, before --init's fork and
        // seccomp (the filter must not see them; runc runs them under it).
        hooks::run_start_container_hooks(cfg, started)?;
    }
    if cfg.init {
        // After every container-wide step, so the init is set up, confined
        // and privileged exactly as CMD; only CMD's process returns.
        init::fork_command(cfg, devices.rules(), channel)?;
    }
    lifecycle::restore_signal_mask()?;
    // seccomp last, right before exec: the filter must never see sct's own
    // setup syscalls, several of which it denies (bubblewrap, youki do the
    // same). Nothing after this but execve, which the filter allows.
    match (cfg.seccomp, setup.profile) {
        (Seccomp::Default, _) => {
            seccomp::install_filter(cfg.seccomp_deny.as_slice(), devices.rules())?
        }
        (_, Some(profile)) if !profile_early => seccomp::install_profile(profile)?,
        _ => {}
    }
    exec::exec_command(cfg, args, env)
}
