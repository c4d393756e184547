//! Policy as data: the capabilities a container keeps, the resource limits it
//! may be given, the syscalls it may not make, the devices it may use, and
//! the kernel filesystems, nodes and hidden paths it gets. One executor walks
//! each table (`child::caps`, `child::rlimits`, `child::seccomp`,
//! `devices`, `child::proc`).

use core::ffi::CStr;

use linux_raw_sys::general as g;
use rustix::mount::MountFlags;

use crate::devices::{allow, Kind, Rule, MKNOD, RWM};
use crate::names;

/// Every capability by name, as `capabilities(7)` spells it without `CAP_`.
pub const CAPABILITIES: &[(&str, u32)] = &[
    ("CHOWN", g::CAP_CHOWN),
    ("DAC_OVERRIDE", g::CAP_DAC_OVERRIDE),
    ("DAC_READ_SEARCH", g::CAP_DAC_READ_SEARCH),
    ("FOWNER", g::CAP_FOWNER),
    ("FSETID", g::CAP_FSETID),
    ("KILL", g::CAP_KILL),
    ("SETGID", g::CAP_SETGID),
    ("SETUID", g::CAP_SETUID),
    ("SETPCAP", g::CAP_SETPCAP),
    ("LINUX_IMMUTABLE", g::CAP_LINUX_IMMUTABLE),
    ("NET_BIND_SERVICE", g::CAP_NET_BIND_SERVICE),
    ("NET_BROADCAST", g::CAP_NET_BROADCAST),
    ("NET_ADMIN", g::CAP_NET_ADMIN),
    ("NET_RAW", g::CAP_NET_RAW),
    ("IPC_LOCK", g::CAP_IPC_LOCK),
    ("IPC_OWNER", g::CAP_IPC_OWNER),
    ("SYS_MODULE", g::CAP_SYS_MODULE),
    ("SYS_RAWIO", g::CAP_SYS_RAWIO),
    ("SYS_CHROOT", g::CAP_SYS_CHROOT),
    ("SYS_PTRACE", g::CAP_SYS_PTRACE),
    ("SYS_PACCT", g::CAP_SYS_PACCT),
    ("SYS_ADMIN", g::CAP_SYS_ADMIN),
    ("SYS_BOOT", g::CAP_SYS_BOOT),
    ("SYS_NICE", g::CAP_SYS_NICE),
    ("SYS_RESOURCE", g::CAP_SYS_RESOURCE),
    ("SYS_TIME", g::CAP_SYS_TIME),
    ("SYS_TTY_CONFIG", g::CAP_SYS_TTY_CONFIG),
    ("MKNOD", g::CAP_MKNOD),
    ("LEASE", g::CAP_LEASE),
    ("AUDIT_WRITE", g::CAP_AUDIT_WRITE),
    ("AUDIT_CONTROL", g::CAP_AUDIT_CONTROL),
    ("SETFCAP", g::CAP_SETFCAP),
    ("MAC_OVERRIDE", g::CAP_MAC_OVERRIDE),
    ("MAC_ADMIN", g::CAP_MAC_ADMIN),
    ("SYSLOG", g::CAP_SYSLOG),
    ("WAKE_ALARM", g::CAP_WAKE_ALARM),
    ("BLOCK_SUSPEND", g::CAP_BLOCK_SUSPEND),
    ("AUDIT_READ", g::CAP_AUDIT_READ),
    ("PERFMON", g::CAP_PERFMON),
    ("BPF", g::CAP_BPF),
    ("CHECKPOINT_RESTORE", g::CAP_CHECKPOINT_RESTORE),
];

/// Docker's default set, which runc and crun apply under engines.
pub const KEPT_CAPABILITIES: &[u32] = &[
    g::CAP_CHOWN,
    g::CAP_DAC_OVERRIDE,
    g::CAP_FSETID,
    g::CAP_FOWNER,
    g::CAP_MKNOD,
    g::CAP_NET_RAW,
    g::CAP_SETGID,
    g::CAP_SETUID,
    g::CAP_SETFCAP,
    g::CAP_SETPCAP,
    g::CAP_NET_BIND_SERVICE,
    g::CAP_SYS_CHROOT,
    g::CAP_KILL,
    g::CAP_AUDIT_WRITE,
];

/// `KEPT_CAPABILITIES` as a bit mask (bit N = capability N).
pub const fn kept_mask() -> u64 {
    let mut m = 0u64;
    let mut i = 0;
    while i < KEPT_CAPABILITIES.len() {
        m |= 1 << KEPT_CAPABILITIES[i];
        i += 1;
    }
    m
}

/// `--rlimit` names, docker's (and runc's) spelling, in the order sct sets
/// them, packed (`names::pack_runs`, numbered by place): a `(&str,
/// Resource)` pair took 24 bytes a limit. `RLIMIT_RESOURCES` holds each
/// one's resource at the same place.
pub static RLIMIT_NAMES: [u8; names::runs_len(&RLIMITS, names::Coding::Bytes)] =
    names::pack_runs(&RLIMITS, names::Coding::Bytes);

const RLIMITS: [(&str, u32); 16] = names::numbered([
    "nofile",
    "nproc",
    "core",
    "as",
    "cpu",
    "fsize",
    "memlock",
    "stack",
    "data",
    "rss",
    "locks",
    "sigpending",
    "msgqueue",
    "nice",
    "rtprio",
    "rttime",
]);

/// The resource of each of `RLIMIT_NAMES`, by place. rustix's `Resource`
/// values are linux-raw-sys's `RLIMIT_*` constants.
pub static RLIMIT_RESOURCES: [rustix::process::Resource; RLIMITS.len()] = {
    use rustix::process::Resource as R;
    [
        R::Nofile,
        R::Nproc,
        R::Core,
        R::As,
        R::Cpu,
        R::Fsize,
        R::Memlock,
        R::Stack,
        R::Data,
        R::Rss,
        R::Locks,
        R::Sigpending,
        R::Msgqueue,
        R::Nice,
        R::Rtprio,
        R::Rttime,
    ]
};

/// Syscalls that fail with EPERM under the default policy: everything
/// Docker's default profile denies, plus the new mount API, which would
/// otherwise be a way around the `mount` rule.
///
/// Written once for every architecture: `denied_syscalls!(TABLE, OWN...)`
/// gives the numbers in `TABLE` (a `syscalls::<arch>::Sysno`) of these
/// names and of `OWN`, the names only that architecture's table has for the
/// same policy (x86_64's legacy calls, 32-bit ARM's `*_time64` twins). Each
/// `crate::arch` module expands it; [`DENIED_SYSCALLS`] is the native list.
macro_rules! denied_syscalls {
    ($($table:ident)::+ $(, $own:ident)*) => {{
        use $($table)::+ as S;
        &[
            S::mount as u32,
            S::umount2 as u32,
            S::pivot_root as u32,
            S::unshare as u32,
            S::setns as u32,
            S::fsopen as u32,
            S::fsconfig as u32,
            S::fsmount as u32,
            S::fspick as u32,
            S::open_tree as u32,
            S::open_tree_attr as u32,
            S::move_mount as u32,
            S::mount_setattr as u32,
            S::keyctl as u32,
            S::add_key as u32,
            S::request_key as u32,
            S::bpf as u32,
            S::perf_event_open as u32,
            S::userfaultfd as u32,
            S::open_by_handle_at as u32,
            S::kexec_load as u32,
            S::kexec_file_load as u32,
            S::init_module as u32,
            S::finit_module as u32,
            S::delete_module as u32,
            S::reboot as u32,
            S::swapon as u32,
            S::swapoff as u32,
            S::acct as u32,
            S::settimeofday as u32,
            S::clock_settime as u32,
            S::clock_adjtime as u32,
            S::adjtimex as u32,
            S::syslog as u32,
            S::quotactl as u32,
            S::quotactl_fd as u32,
            S::lookup_dcookie as u32,
            S::vhangup as u32,
            S::nfsservctl as u32,
            S::io_uring_setup as u32,
            S::io_uring_enter as u32,
            S::io_uring_register as u32,
            $(S::$own as u32,)*
        ]
    }};
}
pub(crate) use denied_syscalls;

/// The denied syscalls' numbers on this architecture.
pub const DENIED_SYSCALLS: &[u32] = crate::arch::NATIVE.denied_syscalls;

/// `clone` fails with EPERM when its flags ask for any new namespace.
pub const CLONE_NAMESPACE_FLAGS: u32 = g::CLONE_NEWNS
    | g::CLONE_NEWUTS
    | g::CLONE_NEWIPC
    | g::CLONE_NEWUSER
    | g::CLONE_NEWPID
    | g::CLONE_NEWNET
    | g::CLONE_NEWCGROUP
    | g::CLONE_NEWTIME;

/// `ioctl` requests that fail with EPERM: pushing input into a terminal
/// (TIOCSTI, CVE-2017-5226) and the console's TIOCLINUX (which can do the
/// same through its paste selection).
pub const DENIED_IOCTLS: &[u32] = &[
    linux_raw_sys::ioctl::TIOCSTI,
    linux_raw_sys::ioctl::TIOCLINUX,
];

/// The `personality` values allowed, Docker's list: PER_LINUX (0), PER_LINUX32
/// (0x0008), UNAME26 (0x20000), UNAME26|PER_LINUX32, and 0xffffffff, which
/// only queries. Not in linux-raw-sys; from include/uapi/linux/personality.h.
pub const ALLOWED_PERSONALITIES: &[u32] = &[0, 0x0008, 0x20000, 0x20008, 0xffff_ffff];

// The device rule.

/// Docker's and runc's default list (without runc's `c 10:200 rwm`, tun:
/// sct has no way to create one in the container).
pub const DEFAULT_DEVICE_RULES: &[Rule] = &[
    // Any node may be created; opening it is a separate access.
    allow(Kind::Char, None, None, MKNOD),
    allow(Kind::Block, None, None, MKNOD),
    // /dev/null
    allow(Kind::Char, Some(1), Some(3), RWM),
    // /dev/zero
    allow(Kind::Char, Some(1), Some(5), RWM),
    // /dev/full
    allow(Kind::Char, Some(1), Some(7), RWM),
    // /dev/random
    allow(Kind::Char, Some(1), Some(8), RWM),
    // /dev/urandom
    allow(Kind::Char, Some(1), Some(9), RWM),
    // /dev/tty
    allow(Kind::Char, Some(5), Some(0), RWM),
    // /dev/console (sct's is a bind of a pty, 136:*, but an image may
    // ship the node).
    allow(Kind::Char, Some(5), Some(1), RWM),
    // /dev/ptmx
    allow(Kind::Char, Some(5), Some(2), RWM),
    // /dev/pts/*
    allow(Kind::Char, Some(136), None, RWM),
];

// The container's kernel filesystems and /dev (`child::proc`).

/// A filesystem mounted in the new root (paths relative to it).
pub struct Mount {
    pub target: &'static CStr,
    /// The path in messages.
    pub name: &'static [u8],
    pub fstype: &'static CStr,
    pub flags: MountFlags,
    pub data: Option<&'static CStr>,
    /// Mode of the directory when sct has to create it.
    pub mode: u32,
    /// The host's path to bind (recursively, with `flags` added), where the
    /// kernel refuses a new mount with EPERM: in a user namespace that does
    /// not own the filesystem's namespace.
    pub host_fallback: Option<&'static CStr>,
}

pub const NOSUID_NODEV_NOEXEC: MountFlags = MountFlags::NOSUID
    .union(MountFlags::NODEV)
    .union(MountFlags::NOEXEC);

/// The kernel filesystems, in mount order (a path's parent comes first).
pub const MOUNTS: &[Mount] = &[
    Mount {
        target: c"proc",
        name: b"/proc",
        fstype: c"proc",
        flags: NOSUID_NODEV_NOEXEC,
        data: None,
        mode: 0o555,
        host_fallback: None,
    },
    // Read-only: /sys carries the host's kernel knobs (runc, crun). Only
    // the owner of the network namespace may mount sysfs (sysfs_get_tree()
    // asks kobj_ns_current_may_mount()): rootless with the host's network,
    // the host's /sys is bound instead, as bubblewrap and podman do.
    Mount {
        target: c"sys",
        name: b"/sys",
        fstype: c"sysfs",
        flags: NOSUID_NODEV_NOEXEC.union(MountFlags::RDONLY),
        data: None,
        mode: 0o555,
        host_fallback: Some(c"/sys"),
    },
    // runc's /dev: nodes are made below, so no nodev.
    Mount {
        target: c"dev",
        name: b"/dev",
        fstype: c"tmpfs",
        flags: MountFlags::NOSUID.union(MountFlags::STRICTATIME),
        data: Some(c"mode=755,size=65536k"),
        mode: 0o755,
        host_fallback: None,
    },
    Mount {
        target: c"dev/pts",
        name: b"/dev/pts",
        fstype: c"devpts",
        flags: MountFlags::NOSUID.union(MountFlags::NOEXEC),
        data: Some(c"newinstance,ptmxmode=0666,mode=0620"),
        mode: 0o755,
        host_fallback: None,
    },
    Mount {
        target: c"dev/shm",
        name: b"/dev/shm",
        fstype: c"tmpfs",
        flags: NOSUID_NODEV_NOEXEC,
        data: Some(c"mode=1777,size=65536k"),
        mode: 0o1777,
        host_fallback: None,
    },
    Mount {
        target: c"dev/mqueue",
        name: b"/dev/mqueue",
        fstype: c"mqueue",
        flags: NOSUID_NODEV_NOEXEC,
        data: None,
        mode: 0o755,
        host_fallback: None,
    },
];

/// A character device made in /dev.
pub struct DevNode {
    pub name: &'static CStr,
    pub major: u32,
    pub minor: u32,
}

/// Documented in the kernel's Documentation/admin-guide/devices.txt.
pub const DEV_NODES: &[DevNode] = &[
    DevNode {
        name: c"null",
        major: 1,
        minor: 3,
    },
    DevNode {
        name: c"zero",
        major: 1,
        minor: 5,
    },
    DevNode {
        name: c"full",
        major: 1,
        minor: 7,
    },
    DevNode {
        name: c"random",
        major: 1,
        minor: 8,
    },
    DevNode {
        name: c"urandom",
        major: 1,
        minor: 9,
    },
    DevNode {
        name: c"tty",
        major: 5,
        minor: 0,
    },
];

/// Symlinks in /dev: (name, target).
pub const DEV_LINKS: &[(&CStr, &CStr)] = &[
    (c"fd", c"/proc/self/fd"),
    (c"stdin", c"/proc/self/fd/0"),
    (c"stdout", c"/proc/self/fd/1"),
    (c"stderr", c"/proc/self/fd/2"),
    (c"ptmx", c"pts/ptmx"),
];

/// Paths hidden from the container (Docker's current list): files get
/// /dev/null bound over them, directories an empty read-only tmpfs; missing
/// ones are skipped.
pub const MASKED: &[&CStr] = &[
    c"proc/acpi",
    c"proc/asound",
    c"proc/interrupts",
    c"proc/kcore",
    c"proc/keys",
    c"proc/latency_stats",
    c"proc/timer_list",
    c"proc/timer_stats",
    c"proc/sched_debug",
    c"proc/scsi",
    c"sys/firmware",
    // RAPL energy counters: a side channel on what the host computes
    // (CVE-2020-8694).
    c"sys/devices/virtual/powercap",
];

/// Masked in each `sys/devices/system/cpu/cpuN/` (Kubernetes' default).
pub const MASKED_PER_CPU: &[&CStr] = &[c"thermal_throttle"];

/// Paths the container may read but not write (runc, crun): the host's
/// kernel knobs.
pub const READ_ONLY: &[&CStr] = &[
    c"proc/bus",
    c"proc/fs",
    c"proc/irq",
    c"proc/sys",
    c"proc/sysrq-trigger",
];
