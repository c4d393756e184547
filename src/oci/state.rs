//! What outlives one command: a directory per container under `--root`,
//! holding `state.json` and, until `start`, `exec.fifo`. Every command holds
//! an exclusive lock on the directory (flock) for as long as it works on
//! it, so `start`, `kill` and `delete` never interleave; `state.json` is
//! replaced whole (written aside, then renamed), so a reader, or a kill -9
//! in the middle, never sees half a file.

use core::ffi::CStr;

use rustix::fd::OwnedFd;
use rustix::fs::{AtFlags, FileType, FlockOperation, Mode, OFlags};
use rustix::io::Errno;

use crate::error::{Context, Error, Result};
use crate::json::{self, push_escaped, Value};
use crate::out::Buf;

pub type Path = Buf<1024>;

/// One container's directory, locked. `root` and `id` name it again for
/// `rmdir`, where a path of its own made each move of a `Dir` copy 1 KB.
pub struct Dir<'p> {
    fd: OwnedFd,
    root: &'p CStr,
    id: &'p [u8],
}

/// Where a state is read: the text of `state.json`, and the strings
/// decoded from it, which a `State` borrows.
pub struct Room {
    text: [u8; 16384],
    strings: [u8; 8192],
}

impl Room {
    pub fn new() -> Room {
        Room {
            text: [0; 16384],
            strings: [0; 8192],
        }
    }
}

/// Opens container `id` under `root` and reads its state into `room` and
/// `st` (the caller's: returning a state copied it), and its status:
/// where most commands begin.
#[inline(never)]
pub fn open<'a, 'p>(
    root: &'p CStr,
    id: &'p [u8],
    room: &'a mut Room,
    st: &mut State<'a>,
) -> Result<(Dir<'p>, Status)> {
    let dir = Dir::open(root, id)?;
    let status = dir.read_state(room, st)?;
    Ok((dir, status))
}

/// What `create` recorded, borrowed from the text of `state.json`.
#[derive(Default, Clone, Copy)]
pub struct State<'a> {
    pub id: &'a [u8],
    pub pid: u32,
    /// The init's start time (field 22 of /proc/PID/stat): a pid that was
    /// reused by another process does not match it.
    pub start_time: u64,
    pub bundle: &'a [u8],
    pub rootfs: &'a [u8],
    /// RFC 3339.
    pub created: &'a [u8],
    /// config.json's annotations, as JSON text.
    pub annotations: &'a [u8],
    /// The container's cgroup directories, absolute paths.
    pub cgroups: [&'a [u8]; 6],
    /// config.json's hooks, as JSON text (empty: none): `start` and
    /// `delete` run the ones `create` checked.
    pub hooks: &'a [u8],
}

impl State<'_> {
    /// A state with nothing recorded. Out of line: its thirteen empty
    /// slices took two stores each at every place a state is made.
    #[inline(never)]
    pub fn empty() -> Self {
        Self::default()
    }
}

/// runtime-spec's statuses.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Status {
    Created,
    Running,
    /// Running, with its cgroup frozen (`pause`).
    Paused,
    Stopped,
}

impl Status {
    pub fn name(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Running => "running",
            Status::Paused => "paused",
            Status::Stopped => "stopped",
        }
    }
}

const STATE: &CStr = c"state.json";
const STATE_NEW: &CStr = c"state.json.new";
pub const FIFO: &CStr = c"exec.fifo";

/// `root/id` and a NUL, into `path` (the caller's: returning it copied
/// 1 KB).
fn join(root: &CStr, id: &[u8], path: &mut Path) -> Result<()> {
    path.push(root.to_bytes()).push(b"/").push(id).push(b"\0");
    if path.is_cut() {
        return Err(Error::os("state", id, crate::sys::Errno::NAMETOOLONG));
    }
    Ok(())
}

fn lock(fd: &OwnedFd, path: &[u8]) -> Result<()> {
    crate::sys::retry(|| rustix::fs::flock(fd, FlockOperation::LockExclusive)).at("flock", path)
}

impl<'p> Dir<'p> {
    /// The container's ID, as given when its directory was opened.
    pub fn id(&self) -> &'p [u8] {
        self.id
    }

    /// Makes the directory of a new container (and `--root` if needed);
    /// an ID in use is refused.
    pub fn create(root: &'p CStr, id: &'p [u8]) -> Result<Dir<'p>> {
        let mode = Mode::from_raw_mode(0o700);
        make_dirs(root.to_bytes(), mode)?;
        let mut path = Path::new();
        join(root, id, &mut path)?;
        match rustix::fs::mkdir(path.as_c_str(), mode) {
            Ok(()) => {}
            Err(Errno::EXIST) => {
                return Err(
                    Error::setup("create", id, "a container with this ID exists")
                        .hint("pick another ID, or remove the old one with 'sct delete ID'"),
                )
            }
            Err(e) => return Err(e).at("mkdir", path.as_bytes()),
        }
        Self::open_path(root, id, &path)
    }

    /// Opens and locks an existing container's directory.
    pub fn open(root: &'p CStr, id: &'p [u8]) -> Result<Dir<'p>> {
        let mut path = Path::new();
        join(root, id, &mut path)?;
        match rustix::fs::access(path.as_c_str(), rustix::fs::Access::EXISTS) {
            Err(Errno::NOENT) => Err(Error::setup("container", id, "does not exist")),
            _ => Self::open_path(root, id, &path),
        }
    }

    /// Opens and locks `path`, container `id`'s directory under `root`.
    fn open_path(root: &'p CStr, id: &'p [u8], path: &Path) -> Result<Dir<'p>> {
        let fd = rustix::fs::open(
            path.as_c_str(),
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        );
        // The NUL that as_c_str needed is not part of the path we print.
        let text = path.as_c_str().to_bytes();
        let fd = fd.at("open", text)?;
        lock(&fd, text)?;
        Ok(Dir { fd, root, id })
    }

    /// The descriptor that holds the lock.
    pub fn lock_fd(&self) -> rustix::fd::BorrowedFd<'_> {
        rustix::fd::AsFd::as_fd(&self.fd)
    }

    /// Writes `state.json` anew.
    pub fn write_state(&self, st: &State) -> Result<()> {
        let mut out = Buf::<16384>::new();
        push_head(&mut out, st.id, st.pid);
        out.push(b",\"startTime\":").push_u64(st.start_time);
        push_places(&mut out, st);
        out.push(b",\"cgroups\":[");
        let mut first = true;
        for cg in st.cgroups.iter().filter(|c| !c.is_empty()) {
            if !first {
                out.push(b",");
            }
            first = false;
            out.push(b"\"");
            push_escaped(&mut out, cg);
            out.push(b"\"");
        }
        out.push(b"],\"annotations\":").push(st.annotations);
        if !st.hooks.is_empty() {
            out.push(b",\"hooks\":").push(st.hooks);
        }
        out.push(b"}\n");
        if out.is_cut() {
            return Err(Error::setup("write", b"state.json", "more than 16 KiB"));
        }
        let fd = rustix::fs::openat(
            &self.fd,
            STATE_NEW,
            OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC | OFlags::CLOEXEC,
            Mode::from_raw_mode(0o600),
        )
        .at("open", STATE_NEW.to_bytes())?;
        crate::out::write_whole(rustix::fd::AsFd::as_fd(&fd), out.as_bytes())
            .at("write", STATE_NEW.to_bytes())?;
        rustix::fs::renameat(&self.fd, STATE_NEW, &self.fd, STATE).at("rename", STATE.to_bytes())
    }

    /// Reads `state.json` into `room` and `st`, which starts empty
    /// (`State::empty`), and gives the container's status: every reader
    /// of a state but `run` asks it. A directory without one is a `create`
    /// that did not get that far: it reads as a stopped container with no
    /// pid.
    pub fn read_state<'a>(&self, room: &'a mut Room, st: &mut State<'a>) -> Result<Status> {
        let (buf, scratch) = (&mut room.text[..], &mut room.strings[..]);
        let fd = match rustix::fs::openat(
            &self.fd,
            STATE,
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => return Ok(Status::Stopped),
            Err(e) => return Err(e).at("open", STATE.to_bytes()),
        };
        let room = buf.len();
        let text: &'a [u8] = crate::files::read_all(&fd, buf).at("read", STATE.to_bytes())?;
        if text.len() == room {
            return Err(Error::setup("read", STATE.to_bytes(), "too long"));
        }
        let bad = || Error::setup("read", STATE.to_bytes(), "not a state sct wrote");
        let Ok(Value::Object(top)) = json::parse(text) else {
            return Err(bad());
        };
        let mut scratch = scratch;
        let mut string = |name: &[u8]| -> Result<&'a [u8]> {
            match top.get(name) {
                Some(Value::String(s)) => take_decoded(&s, &mut scratch).ok_or_else(bad),
                _ => Ok(b""),
            }
        };
        st.id = string(b"id")?;
        st.bundle = string(b"bundle")?;
        st.rootfs = string(b"rootfs")?;
        st.created = string(b"created")?;
        let number = |name: &[u8]| match top.get(name) {
            Some(Value::Number(n)) => n.as_u64(),
            _ => None,
        };
        st.pid = number(b"pid")
            .and_then(|p| u32::try_from(p).ok())
            .ok_or_else(bad)?;
        st.start_time = number(b"startTime").ok_or_else(bad)?;
        if let Some(Value::Object(a)) = top.get(b"annotations") {
            st.annotations = a.as_bytes();
        }
        if let Some(Value::Object(h)) = top.get(b"hooks") {
            st.hooks = h.as_bytes();
        }
        if let Some(Value::Array(list)) = top.get(b"cgroups") {
            for (slot, v) in st.cgroups.iter_mut().zip(list.iter()) {
                if let Value::String(s) = v {
                    *slot = take_decoded(&s, &mut scratch).ok_or_else(bad)?;
                }
            }
        }
        Ok(status(st, self))
    }

    /// Makes the exec FIFO and opens it O_PATH, for the child to reopen
    /// for writing once it is parked.
    /// `owner`: the host's ids of the container's root, when it has a user
    /// namespace of its own: the parked init opens the FIFO as that user
    /// (through /proc/self/fd, where only the inode's permissions count),
    /// as runc chowns it.
    pub fn make_fifo(&self, owner: Option<(u32, u32)>) -> Result<OwnedFd> {
        rustix::fs::mknodat(
            &self.fd,
            FIFO,
            FileType::Fifo,
            Mode::from_raw_mode(0o622),
            0,
        )
        .at("mkfifo", FIFO.to_bytes())?;
        let own = (
            rustix::process::geteuid().as_raw(),
            rustix::process::getegid().as_raw(),
        );
        if owner.is_some_and(|ids| ids != own) && crate::userns::is_rootless() {
            // An ordinary user cannot give the FIFO away (chown needs
            // CAP_CHOWN): the container's root, one of its subordinate ids,
            // may write it as anyone may, which mknod's umask had taken
            // away. No one else can reach it: its directory is 0700.
            rustix::fs::chmodat(&self.fd, FIFO, Mode::from_raw_mode(0o622), AtFlags::empty())
                .at("chmod", FIFO.to_bytes())?;
        } else if let Some((uid, gid)) = owner {
            rustix::fs::chownat(
                &self.fd,
                FIFO,
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
                rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
            )
            .at("chown", FIFO.to_bytes())?;
        }
        rustix::fs::openat(
            &self.fd,
            FIFO,
            OFlags::PATH | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .at("open", FIFO.to_bytes())
    }

    /// Whether the exec FIFO is still there: the container was created and
    /// not started.
    pub fn has_fifo(&self) -> bool {
        rustix::fs::accessat(&self.fd, FIFO, rustix::fs::Access::EXISTS, AtFlags::empty()).is_ok()
    }

    /// Opens the exec FIFO for reading without waiting for its writer.
    pub fn open_fifo(&self) -> Result<OwnedFd> {
        rustix::fs::openat(
            &self.fd,
            FIFO,
            OFlags::RDONLY | OFlags::NONBLOCK | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .at("open", FIFO.to_bytes())
    }

    pub fn remove_fifo(&self) {
        let _ = rustix::fs::unlinkat(&self.fd, FIFO, AtFlags::empty());
    }

    /// Removes the directory and what is in it.
    pub fn remove(self) -> Result<()> {
        for &name in &[STATE, STATE_NEW, FIFO] {
            match rustix::fs::unlinkat(&self.fd, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => return Err(e).at("unlink", name.to_bytes()),
            }
        }
        let mut path = Path::new();
        join(self.root, self.id, &mut path)?;
        let path = path.as_c_str();
        rustix::fs::rmdir(path).at("rmdir", path.to_bytes())
    }
}

/// `{"ociVersion":"...","id":"...","pid":N`: how state.json and the state
/// `sct state` prints begin.
pub fn push_head(out: &mut Buf<16384>, id: &[u8], pid: u32) {
    out.push(b"{\"ociVersion\":\"").push_str(OCI_VERSION);
    out.push(b"\",\"id\":\"");
    push_escaped(out, id);
    out.push(b"\",\"pid\":").push_u64(u64::from(pid));
}

/// `,"bundle":"...","rootfs":"...","created":"..."`: in state.json and in the
/// state `sct state` prints alike.
pub fn push_places(out: &mut Buf<16384>, st: &State) {
    for &(name, value) in &[
        (&b"bundle"[..], st.bundle),
        (b"rootfs", st.rootfs),
        (b"created", st.created),
    ] {
        out.push(b",\"").push(name).push(b"\":\"");
        push_escaped(out, value);
        out.push(b"\"");
    }
}

/// `mkdir -p`, as runc makes its `--root` (containerd passes
/// `/run/containerd/runc/NAMESPACE`, which need not exist yet).
fn make_dirs(path: &[u8], mode: Mode) -> Result<()> {
    let mut prefix = Path::new();
    for (i, part) in path.split(|&c| c == b'/').enumerate() {
        if i > 0 {
            prefix.push(b"/");
        }
        prefix.push(part);
        if part.is_empty() {
            continue;
        }
        let mut c = prefix;
        c.push(b"\0");
        if c.is_cut() {
            return Err(Error::os("mkdir", path, crate::sys::Errno::NAMETOOLONG));
        }
        match rustix::fs::mkdir(c.as_c_str(), mode) {
            Ok(()) | Err(Errno::EXIST) => {}
            Err(e) => return Err(e).at("mkdir", prefix.as_bytes()),
        }
    }
    Ok(())
}

/// The runtime-spec version sct's state and `spec` follow.
pub const OCI_VERSION: &str = "1.2.0";

/// Decodes `s` into the front of `scratch` and moves `scratch` past it.
fn take_decoded<'a>(s: &json::Str<'_>, scratch: &mut &'a mut [u8]) -> Option<&'a [u8]> {
    let len = s.decode(scratch)?.len();
    let (taken, rest) = core::mem::take(scratch).split_at_mut(len);
    *scratch = rest;
    Some(taken)
}

/// The start time of process `pid` (field 22 of /proc/PID/stat), unless it
/// is gone or a zombie.
pub fn start_time(pid: u32) -> Option<u64> {
    let mut buf = [0u8; 1024];
    parse_stat(read_stat(pid, &mut buf)?).map(|(_, time)| time)
}

/// /proc/PID/stat, which anyone may read.
fn read_stat(pid: u32, buf: &mut [u8]) -> Option<&[u8]> {
    let mut path = Buf::<64>::from(b"/proc/");
    path.push_u64(u64::from(pid)).push(b"/stat\0");
    let fd = rustix::fs::open(
        path.as_c_str(),
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let n = crate::out::read(rustix::fd::AsFd::as_fd(&fd), buf).ok()?;
    Some(&buf[..n])
}

/// The name (field 2) and start time (field 22) of a /proc/PID/stat line,
/// `None` for a zombie (or one being reaped): the name may hold spaces and
/// parentheses, so the fields are counted from its last `)`.
pub fn parse_stat(stat: &[u8]) -> Option<(&[u8], u64)> {
    let open = stat.iter().position(|&c| c == b'(')?;
    let close = stat.iter().rposition(|&c| c == b')')?;
    let name = stat.get(open + 1..close)?;
    let mut fields = stat[close + 1..]
        .split(|&c| c == b' ')
        .filter(|f| !f.is_empty());
    let state = fields.next()?;
    if state == b"Z" || state == b"X" {
        return None;
    }
    Some((name, crate::out::parse_u64(fields.nth(18)?)?))
}

/// The status of the container `st` describes, `dir` its directory.
/// Created takes both the exec FIFO and an init that still bears the
/// parked name: `start` lets the init go before it unlinks the FIFO, so a
/// `start` killed in between leaves the FIFO beside a container that runs
/// (runc trusts the FIFO alone, and says created).
fn status(st: &State, dir: &Dir) -> Status {
    let fifo = dir.has_fifo();
    let mut buf = [0u8; 1024];
    let init = match st.pid {
        0 => None,
        pid => read_stat(pid, &mut buf).and_then(parse_stat),
    };
    let Some((name, _)) = init.filter(|&(_, time)| time == st.start_time) else {
        return Status::Stopped;
    };
    if fifo && name == crate::child::PARKED_NAME.to_bytes() {
        Status::Created
    } else if crate::cgroup::live::Live::open(&st.cgroups).paused() {
        Status::Paused
    } else {
        Status::Running
    }
}

/// Each line of `text` that is a number, as `cgroup.procs` lists pids:
/// one copy of the walk for `ps` and `kill --all`.
pub fn each_pid(text: &[u8], f: &mut dyn FnMut(u64)) {
    for line in text.split(|&c| c == b'\n') {
        if let Some(pid) = crate::out::parse_u64(line) {
            f(pid);
        }
    }
}

/// Opens container `id` under `root` and runs `f` on its state and
/// status, unless it has stopped: what `ps`, `pause`, `resume`, `update`
/// and `events` share (one copy, not one per command).
#[inline(never)]
pub fn with_live(
    root: &CStr,
    id: &[u8],
    step: &'static str,
    f: &mut dyn FnMut(&State, Status) -> Result<()>,
) -> Result<u8> {
    let mut room = Room::new();
    let mut st = State::empty();
    // Locked while `f` runs.
    let (_dir, status) = open(root, id, &mut room, &mut st)?;
    match status {
        Status::Stopped => Err(Error::setup(step, id, "the container is not running")),
        // An ordinary user's container without limits (parent/mod.rs says why).
        _ if st.cgroups.iter().all(|c| c.is_empty()) => {
            Err(Error::setup(step, id, "the container has no cgroup").hint(
                "an ordinary user's container has one only for limits, in a cgroup delegated to it (README, OCI runtime mode)",
            ))
        }
        status => f(&st, status).map(|()| 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_and_start_time_after_odd_names() {
        let line =
            b"42 (a) b (c)) S 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 1000 10\n";
        assert_eq!(parse_stat(line), Some((&b"a) b (c)"[..], 98765)));
        let parked =
            b"7 (sct:[parked]) S 1 7 7 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 5 1000 10\n";
        assert_eq!(parse_stat(parked), Some((&b"sct:[parked]"[..], 5)));
        let zombie = b"42 (sh) Z 1 42 42 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 98765 0 0\n";
        assert_eq!(parse_stat(zombie), None);
        assert_eq!(parse_stat(b"42 (sh"), None);
    }
}
