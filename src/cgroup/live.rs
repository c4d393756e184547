//! A created container's cgroup, found again by the directories `create`
//! recorded in its state: what `ps`, `pause`, `resume`, `update` and
//! `events --stats` read and write. A v1 directory's controllers are named
//! by its hierarchy's mount (`/sys/fs/cgroup/cpu,cpuacct/...`); the v2
//! directory's by its `cgroup.controllers`.

use rustix::fd::OwnedFd;

use super::values::{self, Limits};
use super::{open_dir, read_at, read_number, write_at, Controllers, NAMES, ROOT};
use crate::error::{Context, Error, Result};
use crate::out::Buf;

/// One recorded directory, opened.
struct Dir<'a> {
    path: &'a [u8],
    fd: OwnedFd,
    v2: bool,
    controllers: Controllers,
}

/// The container's cgroup directories that still exist.
pub struct Live<'a> {
    dirs: [Option<Dir<'a>>; 6],
}

impl<'a> Live<'a> {
    /// Opens the directories `create` recorded (readlink's text, at most
    /// 512 bytes: what `c_path` holds); those gone are left out.
    pub fn open(paths: &[&'a [u8]; 6]) -> Live<'a> {
        let mut live = Live {
            dirs: [None, None, None, None, None, None],
        };
        for (slot, &path) in live.dirs.iter_mut().zip(paths) {
            let Ok((fd, v2)) = super::open_recorded(path) else {
                continue;
            };
            let mut buf = [0u8; 256];
            let list = if v2 {
                read_at(&fd, b"cgroup.controllers", &mut buf).unwrap_or(b"")
            } else {
                path.strip_prefix(ROOT)
                    .and_then(|p| p.strip_prefix(b"/"))
                    .and_then(|p| p.split(|&c| c == b'/').next())
                    .unwrap_or(b"")
            };
            let controllers = named(list);
            *slot = Some(Dir {
                path,
                fd,
                v2,
                controllers,
            });
        }
        live
    }

    fn dirs(&self) -> impl Iterator<Item = &Dir<'a>> {
        self.dirs.iter().flatten()
    }

    fn v2(&self) -> Option<&Dir<'a>> {
        self.dirs().find(|d| d.v2)
    }

    /// The directory that holds controller `bit`, v2's first.
    fn with(&self, bit: u8) -> Option<&Dir<'a>> {
        let mut found = self.dirs().filter(|d| d.controllers.has(bit));
        let first = found.next()?;
        Some(found.find(|d| d.v2).unwrap_or(first))
    }

    /// `cgroup.procs` of the first directory (each lists every process).
    pub fn procs<'b>(&self, buf: &'b mut [u8]) -> Result<&'b [u8]> {
        let d = self
            .dirs()
            .next()
            .ok_or_else(|| Error::setup("cgroup", b"", "the container's cgroup is gone"))?;
        read_at(&d.fd, b"cgroup.procs", buf)
    }

    /// Whether a pause was asked for: v2's `cgroup.freeze` is 1, or v1's
    /// `freezer.state` is not THAWED.
    pub fn paused(&self) -> bool {
        let mut buf = [0u8; 32];
        if let Some(d) = self.v2() {
            return read_at(&d.fd, b"cgroup.freeze", &mut buf)
                .is_ok_and(|t| t.trim_ascii() == b"1");
        }
        self.with(super::FREEZER).is_some_and(|d| {
            read_at(&d.fd, b"freezer.state", &mut buf).is_ok_and(|t| t.trim_ascii() != b"THAWED")
        })
    }

    /// Freezes or thaws every process inside, and waits until the kernel
    /// says it is done: a freeze asked for is not yet a frozen cgroup (a
    /// task in an uninterruptible sleep is frozen only once it leaves it).
    pub fn freeze(&self, frozen: bool) -> Result<()> {
        let (file, value, done_file, done): (&[u8], &[u8], &[u8], &[u8]) =
            match (self.v2().is_some(), frozen) {
                (true, true) => (b"cgroup.freeze", b"1", b"cgroup.events", b"frozen 1"),
                (true, false) => (b"cgroup.freeze", b"0", b"cgroup.events", b"frozen 0"),
                (false, true) => (b"freezer.state", b"FROZEN", b"freezer.state", b"FROZEN"),
                (false, false) => (b"freezer.state", b"THAWED", b"freezer.state", b"THAWED"),
            };
        let d = self
            .v2()
            .or_else(|| self.with(super::FREEZER))
            .ok_or_else(|| {
                Error::setup(
                    "pause",
                    b"",
                    "the container has no freezer (cgroup v2, or v1's freezer controller)",
                )
            })?;
        write_at(&d.fd, file, value)?;
        // Generous: a freeze waits for every task to reach a safe point.
        for _ in 0..60_000 {
            let mut buf = [0u8; 256];
            let text = read_at(&d.fd, done_file, &mut buf)?;
            if text.split(|&c| c == b'\n').any(|l| l.trim_ascii() == done) {
                return Ok(());
            }
            super::pause_1ms();
        }
        Err(Error::setup(
            "pause",
            d.path,
            "the kernel did not finish freezing or thawing within 60 s",
        ))
    }

    /// Writes `limits` (what `update` was given) to the directories of
    /// their controllers, as `create` writes them.
    pub fn update(&self, limits: &Limits) -> Result<()> {
        let needed = Controllers::needed_by(limits);
        for &(bit, name) in &NAMES {
            if !needed.has(bit) {
                continue;
            }
            let Some(d) = self.with(bit) else {
                return Err(Error::setup(
                    "update",
                    name.as_bytes(),
                    "the container has no cgroup of this controller",
                )
                .hint("sct makes a controller's cgroup for the limits a container is created with: set one in config.json"));
            };
            let only = Controllers(bit);
            let written = if d.v2 {
                super::v2::write_limits(&d.fd, only, limits)
            } else {
                let parent = parent_of(d.path);
                let parent = open_dir(None, parent).at("open cgroup", parent)?;
                super::v1::write_limits(&parent, &d.fd, bit, limits)
            };
            written?;
        }
        Ok(())
    }

    /// runc's `stats` event data: `{"cpu":...,"memory":...,"pids":...}`.
    /// Out of line: inlined into its one caller (`events`), the binary was
    /// 24 bytes larger.
    #[inline(never)]
    pub fn stats(&self, out: &mut Buf<1024>) {
        let mut buf = [0u8; 2048];
        // CPU time: v2's cpu.stat is in every directory (microseconds),
        // v1's cpuacct counts nanoseconds where it shares cpu's hierarchy.
        let (mut total, mut user, mut kernel) = (0, 0, 0);
        if let Some(t) = self
            .v2()
            .and_then(|d| read_at(&d.fd, b"cpu.stat", &mut buf).ok())
        {
            let usec = |k: &[u8]| values::keyed_value(t, k).unwrap_or(0).saturating_mul(1000);
            (total, user, kernel) = (
                usec(b"usage_usec"),
                usec(b"user_usec"),
                usec(b"system_usec"),
            );
        } else if let Some(d) = self.with(super::CPU) {
            total = number(d, b"cpuacct.usage");
        }
        out.push(b"{\"cpu\":{\"usage\":{\"total\":").push_u64(total);
        out.push(b",\"user\":").push_u64(user);
        out.push(b",\"kernel\":").push_u64(kernel).push(b"}}");
        out.push(b",\"memory\":{\"usage\":{");
        if let Some(d) = self.with(super::MEMORY) {
            let (usage, max, limit, failcnt) = if d.v2 {
                (
                    number(d, b"memory.current"),
                    number(d, b"memory.peak"),
                    number(d, b"memory.max"),
                    read_number(&d.fd, b"memory.events", Some(b"max")).unwrap_or(0),
                )
            } else {
                (
                    number(d, b"memory.usage_in_bytes"),
                    number(d, b"memory.max_usage_in_bytes"),
                    number(d, b"memory.limit_in_bytes"),
                    number(d, b"memory.failcnt"),
                )
            };
            out.push(b"\"usage\":").push_u64(usage);
            out.push(b",\"max\":").push_u64(max);
            out.push(b",\"limit\":").push_u64(limit);
            out.push(b",\"failcnt\":").push_u64(failcnt);
        }
        out.push(b"}},\"pids\":{\"current\":");
        match self.with(super::PIDS) {
            Some(d) => {
                out.push_u64(number(d, b"pids.current"));
                out.push(b",\"limit\":").push_u64(number(d, b"pids.max"));
            }
            // No pids controller: the tasks, counted.
            None => {
                let d = self.dirs().next();
                let file: &[u8] = if d.is_some_and(|d| d.v2) {
                    b"cgroup.threads"
                } else {
                    b"tasks"
                };
                let n = d
                    .and_then(|d| read_at(&d.fd, file, &mut buf).ok())
                    .map_or(0, |t| {
                        t.split(|&c| c == b'\n').filter(|l| !l.is_empty()).count()
                    });
                out.push_u64(n as u64);
            }
        }
        out.push(b"}}");
    }
}

/// The controllers of `NAMES` in `list`: v2's `cgroup.controllers`
/// (`cpu memory pids`), or a v1 hierarchy's mount name (`cpu,cpuacct`).
fn named(list: &[u8]) -> Controllers {
    let mut c = 0;
    for &(bit, name) in &NAMES {
        if list
            .split(|&c| c == b' ' || c == b',' || c == b'\n')
            .any(|w| w == name.as_bytes())
        {
            c |= bit;
        }
    }
    Controllers(c)
}

/// A cgroup file's number; `max` (v2's "no limit") and failures read 0.
fn number(d: &Dir, file: &[u8]) -> u64 {
    read_number(&d.fd, file, None).unwrap_or(0)
}

/// The directory that holds `path`.
fn parent_of(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&c| c == b'/') {
        Some(0) | None => b"/",
        Some(i) => &path[..i],
    }
}
