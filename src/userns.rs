//! The container's user namespace, seen from the parent: whether there is
//! one, which ids it maps, and writing its maps between clone and release.
//!
//! Run by an ordinary user, sct always makes one (rootless): the caller is
//! root inside, and where `/etc/subuid` and `/etc/subgid` give the caller
//! ranges and `newuidmap`/`newgidmap` (Debian `uidmap`) are installed, those
//! ranges are ids 1.. inside, as podman maps them. Run by root, sct makes
//! one only for `--userns` (maps of its choosing) or `--uidmap`/`--gidmap`.

use core::ffi::CStr;

use rustix::fd::AsFd;
use rustix::fs::{Access, AtFlags, Mode, OFlags};
use rustix::process::Pid;

use crate::cli::Config;
use crate::error::{Context, Error, Result};
use crate::idmap::{passwd_name, AutoRange, IdMap, Subordinates, MAX_RANGES};
use crate::out::{Buf, Text};
use crate::sys::args::{with_argv, Environ};
use crate::sys::list::List;
use crate::sys::process::{self, execve, exit, Fork, Waited};
use crate::sys::Errno;

/// A path to a helper program, NUL-terminated.
type ProgramPath = Buf<256>;

/// The user namespace to make, and how its maps get written.
pub struct UserNs {
    uid: IdMap,
    gid: IdMap,
    writer: Writer,
    /// Where `Writer::Helpers` are, found in place: in the variant, they
    /// were found in buffers of their own and copied in (528 bytes).
    newuidmap: ProgramPath,
    newgidmap: ProgramPath,
}

enum Writer {
    /// sct writes the maps itself: root's `--uidmap`, or an ordinary
    /// caller's own ids alone, which the kernel lets it map after denying
    /// setgroups.
    Direct { deny_setgroups: bool },
    /// `newuidmap` and `newgidmap`, setuid root, write the caller's
    /// subordinate ranges after checking them against /etc/subuid and
    /// /etc/subgid.
    Helpers,
}

/// Said when a `--user` falls outside the maps of an ordinary caller.
const UNMAPPED_ROOTLESS_HINT: &str = "as an ordinary user only you (root inside) are mapped, unless newuidmap/newgidmap (Debian: uidmap) are installed and /etc/subuid and /etc/subgid give you ranges (README, Rootless)";

/// Said when limits need a cgroup an ordinary caller cannot make.
pub const NO_DELEGATION_HINT: &str = "limits need a cgroup delegated to you: run sct in a systemd scope with Delegate=yes (systemd-run --user --scope -p Delegate=yes) or have root chown a cgroup to you, and pass --cgroup-parent (README, Rootless)";

/// The same, for config.json, which names its cgroup in linux.cgroupsPath.
pub const OCI_NO_DELEGATION_HINT: &str = "limits need a cgroup delegated to you: run sct in a systemd scope with Delegate=yes (systemd-run --user --scope -p Delegate=yes) or have root chown a cgroup to you, and name it in linux.cgroupsPath (README, Rootless)";

/// Whether sct runs unprivileged: then it needs a user namespace of its
/// own for every other namespace, and cannot load a device rule.
pub fn is_rootless() -> bool {
    !rustix::process::geteuid().is_root()
}

/// Decides, before clone, whether the container gets a user namespace and
/// with which maps, into `planned` (`None`, as the caller made it: a UserNs
/// is large, and returned it was copied out of the Result); refuses a
/// `--user` the maps leave out, while nothing exists yet.
pub fn plan(cfg: &Config, env: Environ, planned: &mut Option<UserNs>) -> Result<()> {
    let rootless = is_rootless();
    let given = !cfg.uid_map.is_empty();
    if !rootless && !given && !cfg.userns {
        return Ok(());
    }
    if rootless && given && !cfg.userns {
        return Err(Error::setup("--uidmap", b"", "needs root")
            .hint("as an ordinary user sct maps you to root, and your /etc/subuid range to 1.. (README, Rootless)"));
    }
    // Made in place and then completed, where a UserNs made first was
    // copied into `planned`.
    let ns = planned.insert(UserNs {
        uid: cfg.uid_map,
        gid: cfg.gid_map,
        writer: Writer::Direct {
            deny_setgroups: rootless,
        },
        newuidmap: ProgramPath::new(),
        newgidmap: ProgramPath::new(),
    });
    match (rootless, given) {
        // Given maps win: `--userns` asks for a namespace, which they make.
        (false, true) => {}
        (false, false) => {
            auto_map(c"/etc/subuid", &mut ns.uid)?;
            auto_map(c"/etc/subgid", &mut ns.gid)?;
        }
        (true, false) => caller_maps(env, ns),
        (true, true) => given_maps(env, ns)?,
    }
    if let Some((uid, gid)) = cfg.user {
        if !ns.uid.maps(uid) || !ns.gid.maps(gid) {
            let mut ids = Text::new();
            ids.push_u64(uid.into()).push(b":").push_u64(gid.into());
            let hint = match ns.writer {
                Writer::Direct {
                    deny_setgroups: true,
                } => UNMAPPED_ROOTLESS_HINT,
                _ if is_rootless() && cfg.userns => {
                    "linux.uidMappings and linux.gidMappings must map it"
                }
                _ if is_rootless() => "your ranges in /etc/subuid and /etc/subgid do not cover it",
                _ if cfg.uid_map.is_empty() => "--userns maps 0..65535",
                _ => "--uidmap and --gidmap must map it",
            };
            *planned = None;
            return Err(Error::setup(
                "--user",
                ids.as_bytes(),
                "not mapped in the container's user namespace",
            )
            .hint(hint));
        }
    }
    Ok(())
}

/// `--userns` as root: ids 0..65535 inside are root's range in `file`, or
/// else 100000.. while no user has ids there (idmap::AutoRange), so that
/// the container's root is no id of the host's root, nor anyone's. Into
/// `map`, in place.
fn auto_map(file: &'static CStr, map: &mut IdMap) -> Result<()> {
    let mut auto = AutoRange::default();
    let _ = for_each_line(file, &mut |line| {
        auto.add_line(line);
        Ok(false)
    });
    *map = IdMap::default();
    match auto.range() {
        Some(range) if map.push(range) => Ok(()),
        _ => Err(Error::setup(
            "--userns",
            file.to_bytes(),
            "no range for root, and a user has 100000..",
        )
        .hint("add a line root:START:COUNT there, or use --uidmap (README, Rootless)")),
    }
}

/// An ordinary caller's maps, into `ns` (as `plan` made it): its
/// subordinate ranges where the helpers can write them, else its own uid
/// and gid alone.
fn caller_maps(env: Environ, ns: &mut UserNs) {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    ns.uid = IdMap::single(0, uid);
    ns.gid = IdMap::single(0, gid);
    if !helpers(env, &mut ns.newuidmap, &mut ns.newgidmap) {
        return;
    }
    let name = user_name(uid);
    let name = (!name.is_empty() && !name.is_cut()).then_some(name.as_bytes());
    let ranges = |file: &CStr, own: u32| {
        let mut s = Subordinates::new(own);
        let _ = for_each_line(file, &mut |line| {
            s.add_line(line, name);
            Ok(false)
        });
        s.into_map()
    };
    if let (Some(uid), Some(gid)) = (ranges(c"/etc/subuid", uid), ranges(c"/etc/subgid", gid)) {
        ns.uid = uid;
        ns.gid = gid;
        ns.writer = Writer::Helpers;
    }
}

/// User `uid`'s name in /etc/passwd; empty if it has none.
pub fn user_name(uid: u32) -> Buf<64> {
    let mut name = Buf::<64>::new();
    let _ = for_each_line(c"/etc/passwd", &mut |line| {
        if let Some(n) = passwd_name(line, uid) {
            name.push(n);
            return Ok(true);
        }
        Ok(false)
    });
    name
}

/// config.json's maps, run by an ordinary user (rootless OCI mode; `sct
/// spec --rootless` maps the caller alone, as `runc spec --rootless`
/// does), how they get written into `ns` (as `plan` made it, with them):
/// the caller's own ids as for a plain rootless run, anything more by
/// newuidmap and newgidmap, which check it against /etc/subuid and
/// /etc/subgid.
fn given_maps(env: Environ, ns: &mut UserNs) -> Result<()> {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    if ns.uid.is_only(uid) && ns.gid.is_only(gid) {
        return Ok(());
    }
    if !helpers(env, &mut ns.newuidmap, &mut ns.newgidmap) {
        return Err(Error::setup(
            "linux.uidMappings",
            b"",
            "maps more than your own uid and gid, and newuidmap and newgidmap are not usable",
        )
        .hint("install them (Debian: uidmap) and give yourself ranges in /etc/subuid and /etc/subgid, or map only yourself, as 'sct spec --rootless' does"));
    }
    ns.writer = Writer::Helpers;
    Ok(())
}

/// newuidmap and newgidmap from sct's PATH, into `newuidmap` and
/// `newgidmap`, if they can work.
fn helpers(env: Environ, newuidmap: &mut ProgramPath, newgidmap: &mut ProgramPath) -> bool {
    // Under no_new_privs exec ignores the helpers' setuid bit: they would
    // run unprivileged and fail.
    if rustix::thread::no_new_privs().unwrap_or(true) {
        return false;
    }
    find_program(env, b"newuidmap", newuidmap) && find_program(env, b"newgidmap", newgidmap)
}

impl UserNs {
    /// Whether the maps deny setgroups in the namespace (the caller's own
    /// ids mapped by an unprivileged caller): setgroups(2) is then refused
    /// there for good.
    pub fn denies_setgroups(&self) -> bool {
        matches!(
            self.writer,
            Writer::Direct {
                deny_setgroups: true
            }
        )
    }

    /// Writes the child's maps, unless it `maps_itself`. Called after clone
    /// and before the child is released (sync.rs): until then it waits,
    /// with no id mapped, and every setup step after the release needs root
    /// inside (mkdir on its /dev tmpfs, say, fails with EOVERFLOW for an
    /// unmapped fsuid). Each map file can be written once, whole
    /// (user_namespaces(7)).
    pub fn write_maps(&self, pid: Pid) -> Result<()> {
        match &self.writer {
            Writer::Helpers => {
                let (newuidmap, newgidmap) = (&self.newuidmap, &self.newgidmap);
                // Both at once: each is a dynamically linked setuid program
                // (its loader, five libraries, SELinux's set-up) costing
                // more than the rest of a rootless start, and the maps are
                // independent files.
                let uid = spawn_helper(newuidmap.as_c_str(), &self.uid, pid);
                let gid = spawn_helper(newgidmap.as_c_str(), &self.gid, pid);
                let uid = uid.and_then(|p| wait_helper(newuidmap.as_c_str(), p));
                let gid = gid.and_then(|p| wait_helper(newgidmap.as_c_str(), p));
                uid.and(gid)
            }
            Writer::Direct { deny_setgroups } => {
                self.write_direct(&open_proc_dir(pid)?, *deny_setgroups)
            }
        }
    }

    /// Whether the child writes its maps itself (`write_own_maps`): an
    /// ordinary caller's own ids alone. The kernel lets a namespace's
    /// owner map its own euid and egid in one line each, once setgroups is
    /// denied (new_idmap_permitted()), from inside the namespace too: the
    /// child has CAP_SYS_ADMIN there from its creation, which
    /// map_write() and the setgroups file ask of whoever opens them. The
    /// parent then has nothing to do before the child's setup, which so
    /// starts without waiting for a release (`unshare -r` writes its maps
    /// the same way). Subordinate ranges need the setuid helpers, and
    /// root's `--uidmap` needs CAP_SETUID in the parent namespace, which
    /// the child lacks: the parent writes those.
    pub fn maps_itself(&self) -> bool {
        self.denies_setgroups()
    }

    /// The child's side of `maps_itself`: its own maps, through
    /// /proc/self, before any step that needs root inside.
    pub fn write_own_maps(&self) -> Result<()> {
        let dir = rustix::fs::open(
            c"/proc/self",
            OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        .at("open", b"/proc/self")?;
        self.write_direct(&dir, true)
    }

    /// uid_map, setgroups (when denied) and gid_map, in that order, in the
    /// /proc directory `dir` of the namespace's first process.
    fn write_direct(&self, dir: &rustix::fd::OwnedFd, deny_setgroups: bool) -> Result<()> {
        write_map(dir, c"uid_map", &self.uid)?;
        // An unprivileged writer may map its own gid only once
        // setgroups(2) is denied in the namespace for good: else
        // root inside could drop the caller's supplementary groups
        // and so reach files a group is denied (CVE-2014-8989,
        // Linux 3.19). Before 3.19 the file does not exist.
        if deny_setgroups {
            write_file(dir, c"setgroups", b"deny").or_else(|e| {
                let absent = matches!(
                    rustix::fs::statat(dir, c"setgroups", AtFlags::empty()),
                    Err(rustix::io::Errno::NOENT)
                );
                if absent {
                    Ok(())
                } else {
                    Err(e)
                }
            })?;
        }
        write_map(dir, c"gid_map", &self.gid)
    }
}

fn pid_u32(pid: Pid) -> u32 {
    pid.as_raw_nonzero().get() as u32
}

fn open_proc_dir(pid: Pid) -> Result<rustix::fd::OwnedFd> {
    // A Text, whose methods the errors bring anyway: a Buf<32> had copies
    // of its own.
    let mut path = Text::from(b"/proc/");
    path.push_u64(pid_u32(pid).into()).push(b"\0");
    rustix::fs::open(
        path.as_c_str(),
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", path.as_c_str().to_bytes())
}

/// Writes `map` to the map file `name`. The one caller of `file_text` in
/// the binary, so that the text is made in this frame: made in one of its
/// own, it was copied out (512 bytes).
fn write_map(dir: &rustix::fd::OwnedFd, name: &CStr, map: &IdMap) -> Result<()> {
    write_file(dir, name, map.file_text().as_bytes())
}

fn write_file(dir: &rustix::fd::OwnedFd, name: &CStr, text: &[u8]) -> Result<()> {
    let shown = name.to_bytes();
    let fd = rustix::fs::openat(dir, name, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())
        .at("open", shown)?;
    crate::out::write(fd.as_fd(), text)
        .map(drop)
        .at("write", shown)
        .map_err(|e| {
            e.hint_if(
                Errno::INVAL,
                "the map's ranges overlap, or a host id is out of range",
            )
            .hint_if(
                Errno::PERM,
                "an ordinary user may map only its own uid and gid; more needs newuidmap",
            )
        })
}

/// Finds `name` in sct's PATH (default: /usr/bin:/bin), as an executable,
/// into `found`. Only absolute directories: a relative one would depend on
/// the working directory.
fn find_program(env: Environ, name: &[u8], found: &mut ProgramPath) -> bool {
    let path = env
        .entry(b"PATH")
        .map(|e| &e.to_bytes()[5..])
        .unwrap_or(b"/usr/bin:/bin");
    for dir in path.split(|&c| c == b':') {
        if dir.first() != Some(&b'/') {
            continue;
        }
        found.clear().push(dir).push(b"/").push(name).push(b"\0");
        if !found.is_cut() && rustix::fs::access(found.as_c_str(), Access::EXEC_OK).is_ok() {
            return true;
        }
    }
    false
}

/// Starts `program` to write `map` for process `pid`, with an empty
/// environment.
fn spawn_helper(program: &CStr, map: &IdMap, pid: Pid) -> Result<Pid> {
    let shown = program.to_bytes();
    let args = map.helper_args(pid_u32(pid));
    let mut argv = List::<&CStr, { 2 + 3 * MAX_RANGES }>::new();
    argv.push(program);
    let mut rest = args.as_bytes();
    while let Some(s) = crate::out::first_c_str(rest) {
        if !argv.push(s) {
            break;
        }
        rest = &rest[s.to_bytes_with_nul().len()..];
    }
    // The classic clone, as a fork: the helper inherits sct's blocked
    // signals, which it does not wait for, and no descriptor of sct's but
    // 0-2 (all others are close-on-exec).
    match process::clone(0).at("fork", shown)? {
        Fork::Child => {
            let _ = with_argv(&argv, |argv| {
                with_argv(&[], |envp| execve(program, argv, envp))
            });
            exit(crate::error::EXIT_NOT_FOUND)
        }
        Fork::Parent { pid, .. } => Ok(pid),
    }
}

/// Waits for a helper; an error unless it exits 0. Its own message, if
/// any, goes to sct's stderr before sct's.
fn wait_helper(program: &CStr, pid: Pid) -> Result<()> {
    let shown = program.to_bytes();
    match process::wait_exit(Waited::Pid(pid)).at("waitid", shown)? {
        Some(0) => Ok(()),
        _ => Err(Error::setup(
            "map ids with",
            shown,
            "failed (its message is above)",
        )
        .hint("it checks your ranges in /etc/subuid and /etc/subgid; it must be setuid root (Debian: uidmap)")),
    }
}

/// Calls `f` with each line of the file at `path` until it returns true
/// (`files::for_each_line`). A missing or unreadable file has no lines; a
/// line longer than 1 KB is skipped.
fn for_each_line(path: &CStr, f: &mut dyn FnMut(&[u8]) -> Result<bool>) -> Result<()> {
    crate::files::for_each_line(path, &mut [0u8; 1024], true, f)
}
