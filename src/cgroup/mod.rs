//! The container's cgroup: created before the child exists, the child placed
//! in it before it is released, killed and removed after it exits.
//!
//! Every container gets one, for its device rule, unless `--no-cgroup` (and
//! no limit) asks for none: then none of this runs, and sct works without
//! any cgroup filesystem. Each controller is taken from cgroup v2 if v2
//! really has it (pure v2, or the `unified` hierarchy of a hybrid system),
//! otherwise from its v1 hierarchy under `/sys/fs/cgroup/<controller>`. The
//! device rule is a BPF program on the v2 directory wherever a v2 hierarchy
//! is mounted (v2 has no devices files), else v1's `devices` controller.

mod files;
pub mod live;
mod paths;
mod v1;
mod v2;
pub mod values;

use linux_raw_sys::general::{CGROUP2_SUPER_MAGIC, CGROUP_SUPER_MAGIC};
use rustix::fd::{AsFd, OwnedFd};
use rustix::fs::Mode;
use rustix::process::Pid;

use crate::devices::Rule;
use crate::error::{Context, Error, Result};
use crate::out::{Buf, Line, Text};
pub use files::{add_process, open_recorded};
use files::{
    is_fs, is_v2, open_dir, read_at, read_number, read_path, rmdir, with_c_path, write_at,
    write_number,
};
use paths::{base_path, make_dir, record_making};
use values::Limits;

/// The controllers sct can use, by bit.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Controllers(u8);

const MEMORY: u8 = 1;
const PIDS: u8 = 2;
const CPU: u8 = 4;
const CPUSET: u8 = 8;
/// The device rule: v1's `devices` controller, or v2's BPF program.
const DEVICES: u8 = 16;
/// v1's freezer, for `pause`: only where no v2 directory was made (v2's
/// `cgroup.freeze` is in every directory but the root).
const FREEZER: u8 = 32;
const NAMES: [(u8, &str); 6] = [
    (MEMORY, "memory"),
    (PIDS, "pids"),
    (CPU, "cpu"),
    (CPUSET, "cpuset"),
    (DEVICES, "devices"),
    (FREEZER, "freezer"),
];

/// Said when the cgroup a container needs only for its device rule cannot
/// be made.
pub const NO_CGROUP_HINT: &str = "sct puts every container in a cgroup of its own for its device rule; --no-cgroup runs without one (README, Security)";

impl Controllers {
    fn needed_by(l: &Limits) -> Self {
        let mut c = 0;
        if l.memory.is_some() || l.memory_swap.is_some() || l.memory_reservation().is_some() {
            c |= MEMORY;
        }
        if l.pids.is_some() {
            c |= PIDS;
        }
        if l.cpu_quota_us.is_some() || l.cpu_shares().is_some() {
            c |= CPU;
        }
        if l.cpuset_cpus.is_some() || l.cpuset_mems().is_some() {
            c |= CPUSET;
        }
        Controllers(c)
    }

    fn has(self, c: u8) -> bool {
        self.0 & c != 0
    }
}

/// Where cgroup filesystems are mounted.
const ROOT: &[u8] = b"/sys/fs/cgroup";
const HYBRID_V2_ROOT: &[u8] = b"/sys/fs/cgroup/unified";

/// One directory of the container's cgroup: the v2 one, or one per v1
/// controller.
struct Dir {
    /// The directory it was created in, to remove it by name.
    parent: OwnedFd,
    fd: OwnedFd,
    v2: bool,
    controllers: Controllers,
    /// v1's `tasks` file, open for writing, where the child joins by
    /// itself (`join_fds`); `None`: the parent places it.
    tasks: Option<OwnedFd>,
}

/// The container's cgroup, across v2 and v1 hierarchies. Dropping it kills
/// whatever still runs inside and removes the directories.
pub struct Cgroup {
    dirs: [Option<Dir>; 6],
    /// `sct-<pid>`, the same in every hierarchy.
    name: Text,
    limits: Limits,
    /// Whether the child started inside the v2 directory (CLONE_INTO_CGROUP).
    placed_by_clone: bool,
    /// `--cgroup-parent`, for a directory made after the others.
    cgroup_parent: Option<&'static [u8]>,
    /// config.json's cgroupsPath named the cgroup: its missing parents are
    /// made, as runc makes them.
    make_parents: bool,
}

/// A path under a cgroup mount: `root/own-or-parent`.
type Path = Buf<512>;

/// Told the path of each directory of the container's cgroup before it is
/// made, so that a caller killed in between has it on record: OCI's
/// `create` writes it to the state, whose `delete` removes what the state
/// names (a path never made is no harm).
pub type Making<'a> = dyn FnMut(&[u8]) -> Result<()> + 'a;

impl Cgroup {
    /// Creates `sct-<pid>` below `--cgroup-parent` (relative to each
    /// hierarchy's root) or below sct's own cgroup, in every hierarchy the
    /// limits and the device rule `devices` need, and writes the limits and
    /// a v1 device rule. A v2 device rule waits for `attach_device_rule`.
    /// Nothing of the child exists yet.
    /// `cgroup_name` replaces `sct-<pid>`; with it, missing directories of
    /// `cgroup_parent` are made. Into `made` (`None`, as the caller made
    /// it: a Cgroup is large, and returned it was copied out of the
    /// Result); left `None` on failure, what was made removed.
    pub fn create(
        limits: &Limits,
        devices: Option<&[Rule]>,
        cgroup_parent: Option<&'static [u8]>,
        cgroup_name: Option<&'static [u8]>,
        making: &mut Making<'_>,
        made: &mut Option<Cgroup>,
    ) -> Result<()> {
        let mut needed = Controllers::needed_by(limits);
        if devices.is_some() {
            needed.0 |= DEVICES;
        }
        if needed.0 == 0 {
            return Ok(());
        }
        let rules = devices.unwrap_or(&[]);
        let created = Self::create_in(
            needed,
            limits,
            rules,
            cgroup_parent,
            cgroup_name,
            making,
            made,
        );
        if created.is_err() {
            *made = None;
        }
        created.map_err(|e| {
            if needed.0 == DEVICES {
                e.or_hint(NO_CGROUP_HINT)
            } else {
                e
            }
        })
    }

    fn create_in(
        needed: Controllers,
        limits: &Limits,
        devices: &[Rule],
        cgroup_parent: Option<&'static [u8]>,
        cgroup_name: Option<&'static [u8]>,
        making: &mut Making<'_>,
        made: &mut Option<Cgroup>,
    ) -> Result<()> {
        // A container with a device rule can be paused (`sct pause`).
        let needed = Controllers(needed.0 | if needed.has(DEVICES) { FREEZER } else { 0 });
        let mut own = [0u8; 4096];
        let own = read_path(b"/proc/self/cgroup", &mut own)?;
        let cg = made.insert(Cgroup {
            dirs: [None, None, None, None, None, None],
            name: Text::new(),
            limits: *limits,
            placed_by_clone: false,
            cgroup_parent,
            make_parents: cgroup_name.is_some(),
        });
        // Written where it is kept, not built beside and copied in.
        match cgroup_name {
            Some(name) => cg.name.push(name),
            None => cg
                .name
                .push(b"sct-")
                .push_u64(rustix::process::getpid().as_raw_nonzero().get() as u64),
        };

        let v2_root: Option<&[u8]> = if is_fs(ROOT, CGROUP2_SUPER_MAGIC) {
            Some(ROOT)
        } else if is_fs(HYBRID_V2_ROOT, CGROUP2_SUPER_MAGIC) {
            Some(HYBRID_V2_ROOT)
        } else {
            None
        };
        // v2 takes a controller only if its root lists it: on a hybrid system
        // a controller bound to a v1 hierarchy is absent from v2.
        let mut on_v2 = 0u8;
        // Neither the device rule nor the freezer is a v2 controller (a
        // program and cgroup.freeze): without a limit, the list is not read.
        let limits_needed = needed.0 & !(DEVICES | FREEZER) != 0;
        if let (Some(root), true) = (v2_root, limits_needed) {
            let mut path = Path::from(root);
            path.push(b"/cgroup.controllers");
            let mut buf = [0u8; 256];
            let list = read_path(path.as_bytes(), &mut buf).unwrap_or(b"");
            for &(bit, ctrl) in &NAMES {
                if needed.has(bit) && values::has_word(list, ctrl.as_bytes()) {
                    on_v2 |= bit;
                }
            }
        }
        // The device rule goes to v2 wherever a v2 hierarchy is mounted, a
        // hybrid's `unified` one included (the kernel runs cgroup device
        // programs besides v1's lists): the child then starts inside with
        // CLONE_INTO_CGROUP, where a v1 cgroup needs a move into it after
        // clone (the child's own, join_fds; still a second step).
        if needed.has(DEVICES) {
            match v2_root {
                Some(_) => on_v2 |= DEVICES,
                // Looked at only here and below, where it matters.
                None if has_devices_v1() => {}
                None => {
                    return Err(Error::setup(
                        "device rule",
                        b"",
                        "no cgroup filesystem: neither cgroup v2 nor v1's devices controller is mounted",
                    ))
                }
            }
        }
        let mut slot = 0;
        if let Some(root) = v2_root {
            let mut base = Path::new();
            let own = values::own_cgroup(own, None);
            let created = cg
                .parents(root, &v2::enable_list(Controllers(on_v2)))
                .and_then(|()| base_path(root, None, own, cgroup_parent, &mut base))
                .and_then(|()| record_making(making, &base, &cg.name))
                .and_then(|()| v2::create(&base, &cg.name, Controllers(on_v2), limits));
            match created {
                Ok(dir) => {
                    cg.dirs[slot] = Some(dir);
                    slot += 1;
                    // Its cgroup.freeze pauses the container: no v1 freezer.
                    on_v2 |= FREEZER;
                }
                // A hybrid's unified hierarchy that refuses a directory:
                // v1's devices controller takes the rule below.
                Err(_) if on_v2 == DEVICES && has_devices_v1() => on_v2 = 0,
                Err(e) if on_v2 != 0 => return Err(e),
                // On a hybrid host whose limits are all v1, the v2 directory
                // only tracks the container (as systemd's does): it gives
                // CLONE_INTO_CGROUP and cgroup.kill. Best effort: a read-only
                // or missing unified hierarchy costs only those.
                Err(_) => {}
            }
        }
        for &(bit, ctrl) in &NAMES {
            if needed.has(bit) && on_v2 & bit == 0 {
                // Best effort: without a freezer only `pause` fails.
                if bit == FREEZER && !is_fs(b"/sys/fs/cgroup/freezer", CGROUP_SUPER_MAGIC) {
                    continue;
                }
                cg.add_v1(slot, bit, ctrl, own, devices, making)?;
                slot += 1;
            }
        }
        Ok(())
    }

    /// Creates the v1 directory for controller `ctrl` in `dirs[slot]`.
    fn add_v1(
        &mut self,
        slot: usize,
        bit: u8,
        ctrl: &str,
        own: &[u8],
        devices: &[Rule],
        making: &mut Making<'_>,
    ) -> Result<()> {
        let mut mount = Path::from(ROOT);
        mount.push(b"/").push_str(ctrl);
        if !is_fs(mount.as_bytes(), CGROUP_SUPER_MAGIC) {
            return Err(Error::setup(
                "cgroup controller",
                ctrl.as_bytes(),
                "not available (neither in cgroup v2 nor mounted as v1)",
            )
            .hint("drop this limit, or enable the controller in the kernel and mount it"));
        }
        self.parents(mount.as_bytes(), &Text::new())?;
        let own_path = values::own_cgroup(own, Some(ctrl.as_bytes()));
        let mut base = Path::new();
        base_path(
            mount.as_bytes(),
            Some(ctrl),
            own_path,
            self.cgroup_parent,
            &mut base,
        )?;
        record_making(making, &base, &self.name)?;
        self.dirs[slot] = Some(v1::create(&base, &self.name, bit, &self.limits, devices)?);
        Ok(())
    }

    /// Makes the missing directories of the cgroup's parent below the
    /// hierarchy mounted at `mount`, when config.json named the cgroup; on
    /// v2 each ancestor hands `enable` (`+memory ...`) down to the next, as
    /// runc does, for v2 gives a child only what its parent enabled.
    fn parents(&self, mount: &[u8], enable: &Text) -> Result<()> {
        // Only config.json names the cgroup (`cli::OCI_MODE`): without OCI
        // mode this is a constant no-op, where the stored flag was not one.
        let make = crate::cli::OCI_MODE && self.make_parents;
        let (true, Some(parent)) = (make, self.cgroup_parent) else {
            return Ok(());
        };
        let mut path = Path::from(mount);
        for part in parent.split(|&c| c == b'/').filter(|c| !c.is_empty()) {
            if !enable.is_empty() {
                let dir = open_dir(None, path.as_bytes()).at("open cgroup", path.as_bytes())?;
                write_at(&dir, b"cgroup.subtree_control", enable.as_bytes())?;
            }
            path.push(b"/").push(part);
            match with_c_path(path.as_bytes(), &mut |p| {
                rustix::fs::mkdir(p, Mode::from_raw_mode(0o755))
            }) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e).at("mkdir cgroup", path.as_bytes()),
            }
        }
        Ok(())
    }

    /// Attaches the device rule to the v2 directory, if it takes it: while
    /// the released child sets up, for loading and verifying the program is
    /// the costliest part of a container's cgroup (bench: 0.4 ms of a 2 ms
    /// start). The child waits for it before it runs anything of CMD's.
    ///
    /// Where the program is refused and v1's devices controller is there (a
    /// hybrid kernel without CONFIG_CGROUP_BPF), v1 takes the rule and the
    /// child, still waiting, moves into it; `making` as for `create`.
    pub fn attach_device_rule(
        &mut self,
        rules: &[Rule],
        pid: Pid,
        making: &mut Making<'_>,
    ) -> Result<()> {
        let Some(dir) = self
            .dirs
            .iter_mut()
            .flatten()
            .find(|d| d.v2 && d.controllers.has(DEVICES))
        else {
            return Ok(());
        };
        let Err(e) = v2::attach_device_rule(&dir.parent, &dir.fd, self.name.as_bytes(), rules)
        else {
            return Ok(());
        };
        dir.controllers.0 &= !DEVICES;
        let Some(slot) = self.dirs.iter().position(Option::is_none) else {
            return Err(e);
        };
        if !has_devices_v1() {
            return Err(e);
        }
        let mut own = [0u8; 4096];
        let own = read_path(b"/proc/self/cgroup", &mut own)?;
        self.add_v1(slot, DEVICES, "devices", own, rules, making)?;
        let pid = pid.as_raw_nonzero().get() as u64;
        let dir = self.dirs[slot].as_ref().map(|d| &d.fd);
        dir.map_or(Ok(()), |fd| write_number(fd, b"cgroup.procs", pid))
    }

    /// The v2 directory for `clone3(CLONE_INTO_CGROUP)`, if there is one.
    pub fn v2_fd(&self) -> Option<rustix::fd::BorrowedFd<'_>> {
        self.dirs
            .iter()
            .flatten()
            .find(|d| d.v2)
            .map(|d| d.fd.as_fd())
    }

    /// Records that clone3 started the child inside the v2 directory.
    pub fn placed_by_clone(&mut self) {
        self.placed_by_clone = true;
    }

    /// The v1 `tasks` files the child writes "0" to as its first step
    /// (child::join_cgroups), -1 past the last. The kernel moves a thread
    /// that moves itself without cgroup_threadgroup_rwsem
    /// (cgroup_procs_write_start()), whose write side waits for an RCU
    /// grace period: measured here, 30 us where the parent's write of the
    /// pid to cgroup.procs took 6 to 30 ms, most of a v1 container's start.
    pub fn join_fds(&self) -> [rustix::fd::RawFd; 6] {
        let mut fds = [-1; 6];
        let open = self.dirs.iter().flatten().filter_map(|d| d.tasks.as_ref());
        for (slot, fd) in fds.iter_mut().zip(open) {
            *slot = rustix::fd::AsRawFd::as_raw_fd(fd);
        }
        fds
    }

    /// Removes, beside each of the container's directories, the `sct-<pid>`
    /// ones of sct runs that were SIGKILLed (a directory whose processes
    /// live on stays: rmdir refuses it). Once the child runs its setup,
    /// off the start's path: nothing of this run depends on it.
    pub fn remove_stale(&self) {
        for d in self.dirs.iter().flatten() {
            paths::remove_stale(&d.parent);
        }
    }

    /// Whether the parent must move the child into `d`: a directory it
    /// neither started in (`by_clone`: CLONE_INTO_CGROUP took the v2 one)
    /// nor joins by itself (v1's `tasks`).
    fn must_place(d: &Dir, by_clone: bool) -> bool {
        !(d.v2 && by_clone) && d.tasks.is_none()
    }

    /// Whether `place` has anything to do for a child started with
    /// CLONE_INTO_CGROUP (`by_clone`) or without.
    pub fn needs_placing(&self, by_clone: bool) -> bool {
        self.dirs
            .iter()
            .flatten()
            .any(|d| Self::must_place(d, by_clone))
    }

    /// Moves the (not yet released) child into every directory it is not
    /// in yet.
    pub fn place(&self, pid: Pid) -> Result<()> {
        let pid = pid.as_raw_nonzero().get() as u64;
        for d in self.dirs.iter().flatten() {
            if Self::must_place(d, self.placed_by_clone) {
                write_number(&d.fd, b"cgroup.procs", pid)?;
            }
        }
        Ok(())
    }

    /// What happened inside, said after CMD exited: an OOM kill (when CMD
    /// died from SIGKILL) and pids-limit hits.
    pub fn report(&self, exit_code: u8) -> Option<u8> {
        let mut oom = false;
        for d in self.dirs.iter().flatten() {
            if d.controllers.has(MEMORY) {
                oom = if d.v2 {
                    v2::oom_killed(&d.fd)
                } else {
                    v1::oom_killed(&d.fd)
                };
            }
            if d.controllers.has(PIDS) {
                let hits = pids_max_events(&d.fd);
                if hits > 0 {
                    let mut line = Line::from(b"sct: container reached its pids limit (");
                    line.push_u64(self.limits.pids.unwrap_or(0))
                        .push(b"): ")
                        .push_u64(hits)
                        .push(b" fork");
                    line.push(if hits == 1 {
                        b" failed\n"
                    } else {
                        b"s failed\n"
                    });
                    line.write_to(crate::sys::stderr());
                }
            }
        }
        // The OOM killer's signal.
        if oom && exit_code == crate::error::exit_code_of_signal(linux_raw_sys::general::SIGKILL) {
            let mut line = Line::from(b"sct: container killed: out of memory (limit ");
            let mut size = Text::new();
            values::format_size(self.limits.memory.unwrap_or(0), &mut size);
            line.push(size.as_bytes()).push(b")\n");
            line.write_to(crate::sys::stderr());
            return Some(137);
        }
        None
    }
}

impl Cgroup {
    /// Each directory of the container's cgroup, opened.
    pub fn dirs(&self) -> impl Iterator<Item = rustix::fd::BorrowedFd<'_>> {
        self.dirs.iter().flatten().map(|d| d.fd.as_fd())
    }

    /// Leaves the directories, and what runs in them, in place: `create`
    /// hands the container on, and `delete` removes them (`remove`).
    pub fn keep(self) {
        core::mem::forget(self);
    }
}

/// Kills what is left in the cgroup directory `path` and removes it: the
/// clean-up of a container whose sct has exited (`delete`). A directory
/// already gone is fine. `path` is one `create` recorded, as readlink gave
/// it into 512 bytes: `c_path` holds it, as rustix's conversion did.
pub fn remove(path: &[u8]) -> Result<()> {
    let Some(slash) = path.iter().rposition(|&c| c == b'/') else {
        return Ok(());
    };
    let (parent, name) = (&path[..slash.max(1)], &path[slash + 1..]);
    let (parent, fd) = match (open_dir(None, parent), open_dir(None, path)) {
        (Ok(parent), Ok(fd)) => (parent, fd),
        (_, Err(rustix::io::Errno::NOENT)) | (Err(rustix::io::Errno::NOENT), _) => return Ok(()),
        (Err(e), _) | (_, Err(e)) => return Err(e).at("open cgroup", path),
    };
    let v2 = is_v2(&fd);
    if !(v2 && v2::kill_all(&fd)) {
        kill_listed(&fd);
    }
    remove_dir(&parent, name);
    let exists = with_c_path(path, &mut |p| {
        rustix::fs::access(p, rustix::fs::Access::EXISTS)
    });
    match exists {
        Err(rustix::io::Errno::NOENT) => Ok(()),
        _ => Err(Error::os("rmdir cgroup", path, crate::sys::Errno::BUSY)),
    }
}

impl Drop for Cgroup {
    /// Kills what is left and removes the directories: after a normal exit,
    /// after CMD was killed, after a setup failure, and after sct forwarded
    /// SIGTERM/SIGINT and the container exited.
    fn drop(&mut self) {
        let name = self.name.as_bytes();
        for d in self.dirs.iter().flatten() {
            // Empty already, as a rule: CMD's PID namespace died with its
            // init, which sct has reaped. Only what is left needs a kill.
            if rmdir(&d.parent, name).is_ok() {
                continue;
            }
            if !(d.v2 && v2::kill_all(&d.fd)) {
                kill_listed(&d.fd);
            }
            remove_dir(&d.parent, name);
        }
    }
}

/// SIGKILLs every process in `cgroup.procs`, until it is empty. Inside a
/// PID namespace nothing can fork faster than this: the kernel has already
/// killed the namespace once its init died, so this only waits it out.
fn kill_listed(dir: &OwnedFd) {
    let mut buf = [0u8; 4096];
    for _ in 0..1000 {
        let Ok(procs) = read_at(dir, b"cgroup.procs", &mut buf) else {
            return;
        };
        let mut any = false;
        for pid in procs
            .split(|&c| c == b'\n')
            .filter_map(values::single_value)
        {
            if let Some(pid) = Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process(pid, rustix::process::Signal::KILL);
                any = true;
            }
        }
        if !any {
            return;
        }
        pause_1ms();
    }
}

/// rmdir, retried while the last tasks are still being torn down (EBUSY).
fn remove_dir(parent: &OwnedFd, name: &[u8]) {
    for _ in 0..2000 {
        match rmdir(parent, name) {
            Err(rustix::io::Errno::BUSY) | Err(rustix::io::Errno::INTR) => pause_1ms(),
            _ => return,
        }
    }
}

fn pause_1ms() {
    let _ = rustix::thread::nanosleep(&rustix::thread::Timespec {
        tv_sec: 0,
        tv_nsec: 1_000_000,
    });
}

/// Whether v1's devices controller is mounted.
fn has_devices_v1() -> bool {
    is_fs(b"/sys/fs/cgroup/devices", CGROUP_SUPER_MAGIC)
}

/// `max` in `pids.events`: how often a fork hit pids.max (the same file in
/// v1 and v2).
fn pids_max_events(fd: &OwnedFd) -> u64 {
    read_number(fd, b"pids.events", Some(b"max")).unwrap_or(0)
}
