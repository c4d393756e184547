//! Policy as data: the capabilities a container keeps, the resource limits it
//! may be given and the syscalls it may not make. One executor walks each
//! table (`child::caps`, `child::rlimits`, `child::seccomp`).

use linux_raw_sys::general as g;
use syscalls::Sysno;

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

/// `--rlimit` names, docker's (and runc's) spelling. rustix's `Resource`
/// values are linux-raw-sys's `RLIMIT_*` constants.
pub const RLIMITS: &[(&str, rustix::process::Resource)] = {
    use rustix::process::Resource as R;
    &[
        ("nofile", R::Nofile),
        ("nproc", R::Nproc),
        ("core", R::Core),
        ("as", R::As),
        ("cpu", R::Cpu),
        ("fsize", R::Fsize),
        ("memlock", R::Memlock),
        ("stack", R::Stack),
    ]
};

/// Syscalls that fail with EPERM under the default policy: everything
/// Docker's default profile denies, plus the new mount API, which would
/// otherwise be a way around the `mount` rule.
pub const DENIED_SYSCALLS: &[Sysno] = &[
    Sysno::mount,
    Sysno::umount2,
    Sysno::pivot_root,
    Sysno::unshare,
    Sysno::setns,
    Sysno::fsopen,
    Sysno::fsconfig,
    Sysno::fsmount,
    Sysno::fspick,
    Sysno::open_tree,
    Sysno::open_tree_attr,
    Sysno::move_mount,
    Sysno::mount_setattr,
    Sysno::keyctl,
    Sysno::add_key,
    Sysno::request_key,
    Sysno::bpf,
    Sysno::perf_event_open,
    Sysno::userfaultfd,
    Sysno::open_by_handle_at,
    Sysno::kexec_load,
    Sysno::kexec_file_load,
    Sysno::init_module,
    Sysno::finit_module,
    Sysno::delete_module,
    Sysno::reboot,
    Sysno::swapon,
    Sysno::swapoff,
    Sysno::acct,
    Sysno::settimeofday,
    Sysno::clock_settime,
    Sysno::clock_adjtime,
    Sysno::adjtimex,
    Sysno::syslog,
    Sysno::quotactl,
    Sysno::quotactl_fd,
    Sysno::lookup_dcookie,
    Sysno::vhangup,
    Sysno::nfsservctl,
    Sysno::io_uring_setup,
    Sysno::io_uring_enter,
    Sysno::io_uring_register,
    #[cfg(target_arch = "x86_64")]
    Sysno::iopl,
    #[cfg(target_arch = "x86_64")]
    Sysno::ioperm,
    #[cfg(target_arch = "x86_64")]
    Sysno::uselib,
    #[cfg(target_arch = "x86_64")]
    Sysno::ustat,
    #[cfg(target_arch = "x86_64")]
    Sysno::sysfs,
    #[cfg(target_arch = "x86_64")]
    Sysno::_sysctl,
    #[cfg(target_arch = "x86_64")]
    Sysno::create_module,
    #[cfg(target_arch = "x86_64")]
    Sysno::get_kernel_syms,
    #[cfg(target_arch = "x86_64")]
    Sysno::query_module,
];

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
