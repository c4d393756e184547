//! The container's kernel filesystems: /proc, /sys and /dev, as one table
//! walked by one executor.
//!
//! Every target is opened inside the rootfs with `openat2(RESOLVE_IN_ROOT |
//! RESOLVE_NO_SYMLINKS)` and mounted on through `/proc/self/fd/N`: a rootfs
//! that plants a symlink at `/proc`, `/dev` or `/dev/null` gets an error,
//! never a mount or a node outside ROOTFS (CVE-2025-31133, CVE-2025-52565).

use core::ffi::CStr;

use linux_raw_sys::general::{
    MOUNT_ATTR_NODEV, MOUNT_ATTR_NOEXEC, MOUNT_ATTR_NOSUID, MOUNT_ATTR_RDONLY,
};
use rustix::fd::{AsFd, AsRawFd, OwnedFd};
use rustix::fs::fstat;
use rustix::fs::{
    makedev, mkdirat, mknodat, openat, openat2, symlinkat, FileType, Mode, OFlags, ResolveFlags,
    CWD,
};
use rustix::mount::{mount, mount_bind, mount_bind_recursive, mount_remount, MountFlags};

use super::rootfs::set_mount_attrs;
use crate::error::{Context, Error, Result};
use crate::out::Buf;
use crate::spec::{
    DevNode, Mount, DEV_LINKS, DEV_NODES, MASKED, MASKED_PER_CPU, MOUNTS, NOSUID_NODEV_NOEXEC,
    READ_ONLY,
};
use crate::sys::args::Argv;
use crate::sys::Errno;

pub(super) const RESOLVE_INSIDE: ResolveFlags = ResolveFlags::IN_ROOT
    .union(ResolveFlags::NO_SYMLINKS)
    .union(ResolveFlags::NO_MAGICLINKS);

/// Mounts /proc, /sys and /dev in the new root (`root`, the current
/// directory) and fills /dev.
///
/// Before the old root goes: inside a user namespace the kernel mounts a new
/// proc only while a fully visible one exists in the mount namespace
/// (mount_too_revealing(); runc #1962), and the `/proc/self/fd` paths used
/// to mount on opened targets are the host's /proc until then.
///
/// In a user namespace of its own (`in_userns`) the kernel refuses what
/// needs a capability in the initial one, and sct does not ask: device
/// nodes (vfs_mknod() wants CAP_MKNOD there), and, while the network
/// namespace is still the host's (`host_net`), a new sysfs
/// (kobj_ns_current_may_mount()). Their fallbacks, binds of the host's,
/// come at once.
pub fn mount_kernel_filesystems(root: &OwnedFd, in_userns: bool, host_net: bool) -> Result<()> {
    for m in MOUNTS {
        let target = open_target(root, m.target, m.name, m.mode)?;
        let path = fd_path(&target);
        let mounted = if in_userns && host_net && m.host_fallback.is_some() {
            Err(rustix::io::Errno::PERM)
        } else {
            mount(m.fstype, path.as_c_str(), m.fstype, m.flags, m.data)
        };
        match (mounted, m.host_fallback) {
            (Err(rustix::io::Errno::PERM), Some(host)) => bind_host_filesystem(root, m, host)?,
            (other, _) => other.at("mount", m.name).map_err(|e| {
                e.hint_if(Errno::PERM, "in a user namespace the kernel mounts proc only while the host's /proc is fully visible, not partly covered (as inside a container that masks /proc paths)")
            })?,
        }
        if m.target == c"dev" {
            fill_dev(root, in_userns)?;
        }
    }
    Ok(())
}

/// Binds the host's `host` on `m`'s target, with `m.flags` on it and on
/// every mount below it.
// Out of line (measured smaller): the fallback of a user namespace only.
#[inline(never)]
fn bind_host_filesystem(root: &OwnedFd, m: &Mount, host: &CStr) -> Result<()> {
    let target = open_target(root, m.target, m.name, m.mode)?;
    mount_bind_recursive(host, fd_path(&target).as_c_str()).at("bind", m.name)?;
    // The fd still names the covered directory: reopen to reach the bind.
    let bound = open_target(root, m.target, m.name, m.mode)?;
    let attr = |flag: MountFlags, attr: u32| if m.flags.contains(flag) { attr } else { 0 };
    let attrs = attr(MountFlags::RDONLY, MOUNT_ATTR_RDONLY)
        | attr(MountFlags::NOSUID, MOUNT_ATTR_NOSUID)
        | attr(MountFlags::NODEV, MOUNT_ATTR_NODEV)
        | attr(MountFlags::NOEXEC, MOUNT_ATTR_NOEXEC);
    set_mount_attrs(&bound, attrs, m.name)
}

/// Covers each path of MASKED that exists, or of `list` when config.json
/// gave one. After /dev: files are covered by the container's own
/// /dev/null.
// Out of line (measured smaller): inlined, its locals sat in the
// checklist's large frame, each reached with a 4-byte offset.
#[inline(never)]
pub fn mask_paths(root: &OwnedFd, list: Option<Argv<'static>>) -> Result<()> {
    let null = openat2(
        root,
        c"dev/null",
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    )
    .at("open", b"/dev/null")?;
    let mut empty = None;
    if let Some(list) = list {
        return for_each(list, |path| mask(root, &null, &mut empty, path));
    }
    for path in MASKED {
        mask(root, &null, &mut empty, path)?;
    }
    for_each_cpu(root, |cpu| {
        for leaf in MASKED_PER_CPU {
            // A Text, a size other buffers use: a Buf<96> brought its own copies
            // of Buf's methods.
            let mut path = crate::out::Text::new();
            path.push(b"sys/devices/system/cpu/")
                .push(cpu)
                .push(b"/")
                .push(leaf.to_bytes())
                .push(b"\0");
            mask(root, &null, &mut empty, path.as_c_str())?;
        }
        Ok(())
    })
}

/// Calls `f` with each entry of `list`.
fn for_each(list: Argv<'static>, mut f: impl FnMut(&CStr) -> Result<()>) -> Result<()> {
    let mut i = 0;
    while let Some(path) = list.get(i) {
        f(path)?;
        i += 1;
    }
    Ok(())
}

/// Calls `f` with the name of each `cpuN` directory in the container's sysfs.
fn for_each_cpu(root: &OwnedFd, mut f: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let Some(dir) = open_existing(root, c"sys/devices/system/cpu")? else {
        return Ok(());
    };
    // O_PATH cannot list: reopen for reading through the fd.
    let dir = openat(
        CWD,
        fd_path(&dir).as_c_str(),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/sys/devices/system/cpu")?;
    let mut buf = [core::mem::MaybeUninit::<u8>::uninit(); 1024];
    let mut entries = rustix::fs::RawDir::new(&dir, &mut buf);
    while let Some(entry) = entries.next() {
        let entry = entry.at("read", b"/sys/devices/system/cpu")?;
        let name = entry.file_name().to_bytes();
        if name.len() > 3 && name.starts_with(b"cpu") && name[3..].iter().all(u8::is_ascii_digit) {
            f(name)?;
        }
    }
    Ok(())
}

/// Covers `path`, if it exists, with /dev/null (a file) or an empty
/// read-only tmpfs (a directory). The first directory gets a tmpfs of its
/// own, kept open in `empty`; the others get a bind of it. A bind copies the
/// mount's flags (clone_mnt()), so each is read-only, nosuid, nodev and
/// noexec too, and the tmpfs, mounted read-only and 0 bytes large, can
/// never hold a file. A bind makes no superblock: a masked directory per
/// CPU (`thermal_throttle`) cost a tmpfs each, 64 on a 64-CPU host, at
/// every start and again at every container's end.
fn mask(root: &OwnedFd, null: &OwnedFd, empty: &mut Option<OwnedFd>, path: &CStr) -> Result<()> {
    let name = path.to_bytes();
    let Some(target) = open_existing(root, path)? else {
        return Ok(());
    };
    let target_path = fd_path(&target);
    let is_dir =
        FileType::from_raw_mode(fstat(&target).at("stat", name)?.st_mode) == FileType::Directory;
    let source = if is_dir { empty.as_ref() } else { Some(null) };
    if let Some(source) = source {
        return bind_fd(source, &target, false).at("mask", name);
    }
    let flags = NOSUID_NODEV_NOEXEC.union(MountFlags::RDONLY);
    mount(
        c"tmpfs",
        target_path.as_c_str(),
        c"tmpfs",
        flags,
        Some(c"size=0"),
    )
    .at("mask", name)?;
    // `target` still names the covered directory: reopen to reach the tmpfs.
    *empty = open_existing(root, path)?;
    Ok(())
}

/// Makes each path of READ_ONLY (or of config.json's `list`) that exists a
/// read-only bind of itself.
pub fn make_paths_read_only(root: &OwnedFd, list: Option<Argv<'static>>) -> Result<()> {
    if let Some(list) = list {
        return for_each(list, |path| make_read_only(root, path));
    }
    for path in READ_ONLY {
        make_read_only(root, path)?;
    }
    Ok(())
}

fn make_read_only(root: &OwnedFd, path: &CStr) -> Result<()> {
    let name = path.to_bytes();
    let Some(target) = open_existing(root, path)? else {
        return Ok(());
    };
    bind_fd(&target, &target, true).at("bind", name)?;
    // The fd still names the covered directory: reopen to reach the bind.
    let Some(bound) = open_existing(root, path)? else {
        return Ok(());
    };
    let flags = MountFlags::RDONLY | NOSUID_NODEV_NOEXEC;
    mount_remount(fd_path(&bound).as_c_str(), MountFlags::BIND | flags, c"")
        .at("remount read-only", name)
}

/// The container's root, ROOTFS's bind (the current directory until
/// pivot_root): what the mount stages resolve their paths below.
pub(super) fn open_root() -> Result<OwnedFd> {
    openat(
        CWD,
        c".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .at("open", b"/")
}

/// Opens `path` inside `root` without following symlinks; `None` if missing.
fn open_existing(root: &OwnedFd, path: &CStr) -> Result<Option<OwnedFd>> {
    match openat2(
        root,
        path,
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    ) {
        Ok(fd) => Ok(Some(fd)),
        Err(rustix::io::Errno::NOENT) => Ok(None),
        Err(e) => Err(e).at("open", path.to_bytes()),
    }
}

/// Opens `path` inside `root` as a directory, creating its last component if
/// missing; refuses any symlink on the way.
fn open_target(root: &OwnedFd, path: &'static CStr, name: &[u8], mode: u32) -> Result<OwnedFd> {
    let resolve = RESOLVE_INSIDE;
    let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC;
    match openat2(root, path, flags, Mode::empty(), resolve) {
        Err(rustix::io::Errno::NOENT) => {
            // mkdir never follows a symlink in its last component.
            match mkdirat(root, path, Mode::from_raw_mode(mode)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => {
                    return Err(e).at("mkdir", name).map_err(|e| {
                        e.hint_if(Errno::ACCESS, "in a user namespace the container's root may create nothing in a ROOTFS another user owns: create the directory, or use a ROOTFS you own")
                    })
                }
            }
            openat2(root, path, flags, Mode::empty(), resolve).at("mount", name)
        }
        other => other.at("mount", name),
    }
    .map_err(|e| {
        e.hint_if(
            Errno::LOOP,
            "ROOTFS has a symlink where sct mounts a filesystem; replace it with a directory",
        )
    })
}

/// The device nodes and symlinks, made on the fresh /dev tmpfs.
fn fill_dev(root: &OwnedFd, in_userns: bool) -> Result<()> {
    let dev = openat2(
        root,
        c"dev",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
        RESOLVE_INSIDE,
    )
    .at("open", b"/dev")?;
    // The umask sct inherited must not narrow the nodes' modes: none while
    // they are made, then the caller's again for CMD (two calls, where a
    // chmod after each node took six).
    let callers = rustix::process::umask(Mode::empty());
    let made = make_dev_nodes(&dev, in_userns);
    rustix::process::umask(callers);
    made?;
    for (name, target) in DEV_LINKS {
        symlinkat(*target, &dev, *name).at("symlink", name.to_bytes())?;
    }
    Ok(())
}

/// DEV_NODES in `dev`, each with the mode 0666 asked of mknod (the caller
/// has cleared the umask).
fn make_dev_nodes(dev: &OwnedFd, in_userns: bool) -> Result<()> {
    for n in DEV_NODES {
        let made = if in_userns {
            Err(rustix::io::Errno::PERM)
        } else {
            mknodat(
                dev,
                n.name,
                FileType::CharacterDevice,
                Mode::from_raw_mode(0o666),
                makedev(n.major, n.minor),
            )
        };
        match made {
            // Without CAP_MKNOD (a user namespace, a runtime that withheld
            // it), bind the host's node instead, as runc does; its mode is
            // the host's, and not sct's to change.
            Err(rustix::io::Errno::PERM) => bind_default_node(dev, n)?,
            other => other.at("mknod", n.name.to_bytes())?,
        }
    }
    Ok(())
}

/// Binds the host's `/dev/NAME` onto an empty file made in the container's
/// /dev. Before pivot_root: `/dev` still names the host's.
fn bind_default_node(dev: &OwnedFd, n: &DevNode) -> Result<()> {
    let mut host = Buf::<64>::new();
    host.push(b"/dev/").push(n.name.to_bytes()).push(b"\0");
    let rdev = makedev(n.major, n.minor);
    bind_host_node(
        dev,
        n.name,
        host.as_c_str(),
        FileType::CharacterDevice,
        rdev,
    )
}

/// Binds the host's node `host` onto an empty file `name` made in `dir`,
/// for when mknod is refused (no CAP_MKNOD: a user namespace, a runtime
/// that withheld it). Only a node of the `kind` and `rdev` expected, whatever
/// the host put at that path meanwhile. The node's mode is the host's, and
/// not sct's to change.
pub(super) fn bind_host_node(
    dir: &OwnedFd,
    name: &CStr,
    host: &CStr,
    kind: FileType,
    rdev: u64,
) -> Result<()> {
    let shown = host.to_bytes();
    let node =
        openat(CWD, host, OFlags::PATH | OFlags::CLOEXEC, Mode::empty()).at("bind", shown)?;
    let st = fstat(&node).at("stat", shown)?;
    if FileType::from_raw_mode(st.st_mode) != kind || st.st_rdev != rdev {
        return Err(Error::setup(
            "bind",
            shown,
            "not the expected device node on the host",
        ));
    }
    let flags = OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::WRONLY | OFlags::CLOEXEC;
    let file = openat(dir, name, flags, Mode::from_raw_mode(0o666)).at("create", shown)?;
    bind_fd(&node, &file, false).at("bind", shown)
}

/// Binds what `source` names onto what `target` names, both through
/// `/proc/self/fd`, with the mounts below `source` where `recursive`.
pub(super) fn bind_fd(
    source: &OwnedFd,
    target: &OwnedFd,
    recursive: bool,
) -> rustix::io::Result<()> {
    let (from, to) = (fd_path(source), fd_path(target));
    if recursive {
        mount_bind_recursive(from.as_c_str(), to.as_c_str())
    } else {
        mount_bind(from.as_c_str(), to.as_c_str())
    }
}

/// `/proc/self/fd/N` for an open descriptor. In a Buf<64>, a size other
/// buffers use, rather than a size of its own with its own copies of Buf's
/// methods.
pub(super) fn fd_path<Fd: AsFd>(fd: Fd) -> Buf<64> {
    let mut b = Buf::new();
    b.push(b"/proc/self/fd/")
        .push_u64(fd.as_fd().as_raw_fd() as u64)
        .push(b"\0");
    b
}
