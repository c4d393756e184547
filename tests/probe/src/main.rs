//! sct-probe: runs inside a test container and prints what it sees, one
//! `key=value` per line, so tests can assert on it. Also wraps sct for the
//! tests that simulate an older kernel.
//!
//! Usage:
//!   sct-probe info                 pid, ppid, hostname, ids, cwd, namespaces, fds, caps, seccomp
//!   sct-probe pids                 the pids visible in /proc
//!   sct-probe exit N               exit with status N
//!   sct-probe sigkill-self         get SIGKILLed by the kernel (RLIMIT_CPU), even as PID 1
//!   sct-probe read PATH            print the file, or error=ERRNO
//!   sct-probe write PATH           try to write PATH: ok or error=ERRNO
//!   sct-probe wait-signal SIG...   block SIGs, print ready, print got=SIG on arrival, exit 0
//!   sct-probe pause TOKEN          print ready and sleep forever (TOKEN marks it in ps)
//!   sct-probe net                  whether a UDP datagram to 127.0.0.1 comes back
//!   sct-probe env                  the environment
//!   sct-probe alloc MB             touch MB megabytes of memory, print allocated=MB
//!   sct-probe spawn-loop N         start up to N `sleep` children, print spawned= and error=
//!   sct-probe spin MS              burn CPU for MS ms of wall time, print cpu_ms= it got
//!   sct-probe chroot-escape        the classic chroot escape (chroot into a subdirectory,
//!                                  `..` past it, chroot "."), then list `/`: escape=ERRNO
//!                                  if a step failed, else root=NAME,NAME,...
//!   sct-probe syscall NAME|NR [ARG...] make syscall NAME (or number NR, no args) (args decimal or 0x hex): result=N or errno=ERRNO
//!   sct-probe x32 NAME             make syscall NAME through the x32 ABI (x86_64 only)
//!   sct-probe int80 NR             make i386 syscall NR with int 0x80 (x86_64 only)
//!   sct-probe tty                  what fd 0 is as a terminal: tcgets=, winsize=ROWSxCOLS, tty_nr=
//!                                  (controlling terminal), stdin= (its /proc link), stdin_inside=
//!                                  (what that path is inside), dev_tty= (open /dev/tty),
//!                                  tiocsctty=; then ready, then line= (one line read from fd 0)
//!   sct-probe mknod PATH [c|b MAJOR MINOR]
//!                                  make a device node (default: c 1 3) at PATH: ok or error=ERRNO
//!   sct-probe open PATH r|w        open PATH for reading or writing (no create): open=ok or
//!                                  open=ERRNO; after a read open, data=HEX of up to 16 bytes
//!   sct-probe packet               open an AF_PACKET socket (packet=ok or packet=ERRNO); if it
//!                                  opened, send a UDP datagram to 127.0.0.1 and wait up to 10 s
//!                                  to see it on the socket: captured=yes or captured=no
//!   sct-probe bpf-progs            cgroup_device_progs=N: BPF_PROG_TYPE_CGROUP_DEVICE programs
//!                                  loaded in the kernel (needs CAP_SYS_ADMIN)
//!   sct-probe fork                 fork with clone(SIGCHLD), reap the child: fork=ok or errno=ERRNO
//!   sct-probe getppid-loop N       N getppid calls; prints ns_per_call=
//!   sct-probe hidden-mounts        mounts in this mount namespace below the parent of
//!                                  this process's root mount that /proc/self/mountinfo
//!                                  does not show (listmount(2), Linux 6.8; needs
//!                                  CAP_SYS_ADMIN): hidden=N and hidden_types=
//!   sct-probe orphans N            leave N orphans behind (children that exit
//!                                  at once, whose parents exit first), wait
//!                                  up to 10 s for them to be reaped, print zombies=
//!   sct-probe as-user UID GID -- CMD ARGS...
//!        (as root) drop the supplementary groups, take GID and UID, then exec CMD:
//!        runs sct as an ordinary user, after fake-old-kernel's filter if wanted
//!        (installed as root, it needs no no_new_privs, which would void
//!        newuidmap's setuid bit).
//!   sct-probe fake-old-kernel MODE -- CMD ARGS...
//!        install a seccomp filter that makes the kernel look older, then exec CMD:
//!        MODE no-clone3: clone3 fails with ENOSYS (kernels before 5.3);
//!        MODE no-clone-into-cgroup: clone3 with a struct over 64 bytes fails
//!        with E2BIG (5.3 to 5.6, no CLONE_INTO_CGROUP);
//!        MODE no-mount-setattr: mount_setattr fails with ENOSYS (before 5.12).
//!   sct-probe kill-at N -- CMD ARGS...
//!        run CMD and SIGKILL it while it is held in its Nth mkdir, mknod or
//!        rename (a seccomp user notification holds the call before the
//!        kernel runs it; CMD's children go on), then print killed=yes and
//!        exit 0; if CMD ends first, print killed=no and exit with its code.

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::CommandExt;

use syscalls::{syscall, Errno, Sysno};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rest: Vec<&str> = args.iter().skip(2).map(|s| s.as_str()).collect();
    let code = match args.get(1).map(|s| s.as_str()) {
        Some("info") => info(),
        Some("pids") => pids(),
        Some("exit") => rest.first().and_then(|n| n.parse().ok()).unwrap_or(2),
        Some("sigkill-self") => sigkill_self(),
        Some("read") => read(rest[0]),
        Some("write") => write(rest[0]),
        Some("wait-signal") => wait_signal(&rest),
        Some("pause") => pause(),
        Some("net") => net(),
        Some("env") => {
            for (k, v) in std::env::vars_os() {
                println!("{}={}", k.to_string_lossy(), v.to_string_lossy());
            }
            0
        }
        Some("chroot-escape") => chroot_escape(),
        Some("fake-old-kernel") => fake_old_kernel(&rest),
        Some("as-user") => as_user(&rest),
        Some("kill-at") => kill_at(&rest),
        Some("alloc") => alloc(rest[0].parse().unwrap()),
        Some("spawn-loop") => spawn_loop(rest[0].parse().unwrap()),
        Some("spin") => spin(rest[0].parse().unwrap()),
        Some("syscall") => raw_syscall(&rest),
        Some("x32") => x32(rest[0]),
        Some("int80") => int80(rest[0].parse().unwrap()),
        Some("fork") => fork(),
        Some("tty") => tty(),
        Some("mknod") => mknod(&rest),
        Some("open") => open(rest[0], rest[1]),
        Some("packet") => packet(),
        Some("bpf-progs") => bpf_progs(),
        Some("getppid-loop") => getppid_loop(rest[0].parse().unwrap()),
        Some("hidden-mounts") => hidden_mounts(),
        Some("orphans") => orphans(rest[0].parse().unwrap()),
        _ => {
            eprintln!("sct-probe: unknown command; see the source for usage");
            2
        }
    };
    std::process::exit(code);
}

fn errno_name(e: &std::io::Error) -> String {
    match e.raw_os_error().and_then(|n| Errno::new(n).name()) {
        Some(name) => name.to_string(),
        None => format!("{e}"),
    }
}

fn info() -> i32 {
    let mut out = String::new();
    // SAFETY: getpid/getppid/getuid/getgid take no arguments and cannot fail.
    let (pid, ppid, uid, gid) = unsafe {
        (
            syscall!(Sysno::getpid).unwrap(),
            syscall!(Sysno::getppid).unwrap(),
            syscall!(Sysno::getuid).unwrap(),
            syscall!(Sysno::getgid).unwrap(),
        )
    };
    out += &format!("pid={pid}\nppid={ppid}\nuid={uid}\ngid={gid}\n");
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    out += &format!("hostname={}\n", hostname.trim());
    let cwd = std::env::current_dir()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|e| errno_name(&e));
    out += &format!("cwd={cwd}\n");
    for ns in ["pid", "mnt", "uts", "ipc", "net", "user", "cgroup"] {
        let target = std::fs::read_link(format!("/proc/self/ns/{ns}"))
            .map(|p| p.display().to_string())
            .unwrap_or_else(|e| errno_name(&e));
        out += &format!("ns.{ns}={target}\n");
    }
    out += &format!("fds={}\n", open_fds().join(","));
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        for line in status.lines() {
            for key in [
                "CapInh",
                "CapPrm",
                "CapEff",
                "CapBnd",
                "CapAmb",
                "NoNewPrivs",
                "Seccomp",
                "Groups",
            ] {
                if let Some(v) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
                    out += &format!("{key}={}\n", v.trim());
                }
            }
        }
    }
    if let Ok(cg) = std::fs::read_to_string("/proc/self/cgroup") {
        for line in cg.lines() {
            out += &format!("cgroup={line}\n");
        }
    }
    print!("{out}");
    0
}

/// The descriptors open in this process, without the one used to list them.
fn open_fds() -> Vec<String> {
    let Ok(dir) = std::fs::read_dir("/proc/self/fd") else {
        return vec!["unreadable".into()];
    };
    let listed: Vec<u32> = dir
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|s| s.parse().ok()))
        .collect();
    // The directory's own descriptor is closed by now, so it no longer resolves.
    let mut fds: Vec<u32> = listed
        .into_iter()
        .filter(|fd| std::fs::read_link(format!("/proc/self/fd/{fd}")).is_ok())
        .collect();
    fds.sort();
    fds.iter().map(|f| f.to_string()).collect()
}

fn pids() -> i32 {
    let mut pids: Vec<u32> = std::fs::read_dir("/proc")
        .map(|d| {
            d.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    pids.sort();
    println!(
        "pids={}",
        pids.iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join(",")
    );
    0
}

/// As PID 1 of a namespace a process cannot SIGKILL itself (the kernel drops
/// signals to init that it has no handler for), but the kernel's own SIGKILL
/// at the RLIMIT_CPU hard limit is delivered.
fn sigkill_self() -> i32 {
    let limit = linux_raw_sys::general::rlimit64 {
        rlim_cur: 1,
        rlim_max: 1,
    };
    // SAFETY: prlimit64 on ourselves with a valid struct.
    unsafe {
        syscall!(
            Sysno::prlimit64,
            0,
            linux_raw_sys::general::RLIMIT_CPU,
            &limit as *const _,
            0
        )
    }
    .unwrap();
    let mut x: u64 = 0;
    loop {
        x = std::hint::black_box(x.wrapping_add(1));
    }
}

fn read(path: &str) -> i32 {
    match std::fs::read(path) {
        Ok(bytes) => {
            std::io::stdout().write_all(&bytes).unwrap();
            0
        }
        Err(e) => {
            println!("error={}", errno_name(&e));
            1
        }
    }
}

fn write(path: &str) -> i32 {
    match std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .and_then(|mut f| f.write_all(b"x\n"))
    {
        Ok(()) => {
            println!("ok");
            0
        }
        Err(e) => {
            println!("error={}", errno_name(&e));
            1
        }
    }
}

fn signal_number(name: &str) -> u32 {
    use linux_raw_sys::general::*;
    match name.trim_start_matches("SIG") {
        "TERM" => SIGTERM,
        "INT" => SIGINT,
        "HUP" => SIGHUP,
        "QUIT" => SIGQUIT,
        "USR1" => SIGUSR1,
        "USR2" => SIGUSR2,
        "WINCH" => SIGWINCH,
        other => panic!("unknown signal {other}"),
    }
}

/// Blocked signals are queued even for PID 1 (the kernel only drops signals
/// to init that would take their default action), so this sees them all.
fn wait_signal(names: &[&str]) -> i32 {
    // 64 bits in unsigned longs: one on 64-bit architectures, two on arm.
    let mut set: linux_raw_sys::general::kernel_sigset_t = unsafe { std::mem::zeroed() };
    let word = 8 * std::mem::size_of_val(&set.sig[0]);
    for n in names {
        let bit = signal_number(n) as usize - 1;
        set.sig[bit / word] |= 1 << (bit % word);
    }
    let size = std::mem::size_of_val(&set);
    // SAFETY: valid sigset, no old set wanted.
    unsafe {
        syscall!(
            Sysno::rt_sigprocmask,
            linux_raw_sys::general::SIG_BLOCK,
            &set as *const _,
            0,
            size
        )
    }
    .unwrap();
    println!("ready");
    std::io::stdout().flush().unwrap();
    // SAFETY: valid sigset; NULL info and timeout.
    let sig = unsafe { syscall!(Sysno::rt_sigtimedwait, &set as *const _, 0, 0, size) }.unwrap();
    println!("got={sig}");
    0
}

fn pause() -> i32 {
    println!("ready");
    std::io::stdout().flush().unwrap();
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

fn net() -> i32 {
    let r = std::net::UdpSocket::bind("127.0.0.1:0").and_then(|s| {
        s.set_read_timeout(Some(std::time::Duration::from_secs(2)))?;
        s.send_to(b"ping", s.local_addr()?)?;
        let mut buf = [0u8; 4];
        s.recv(&mut buf)
    });
    let ifaces = std::fs::read_to_string("/proc/net/dev").unwrap_or_default();
    let names: Vec<&str> = ifaces
        .lines()
        .skip(2)
        .filter_map(|l| l.split(':').next())
        .map(|s| s.trim())
        .collect();
    println!("interfaces={}", names.join(","));
    match r {
        Ok(_) => println!("loopback=up"),
        Err(e) => println!("loopback={}", errno_name(&e)),
    }
    0
}

fn fake_old_kernel(args: &[&str]) -> i32 {
    use linux_raw_sys::ptrace::*;
    let (mode, cmd) = match args {
        [mode, "--", cmd @ ..] if !cmd.is_empty() => (*mode, cmd),
        _ => {
            eprintln!("usage: sct-probe fake-old-kernel MODE -- CMD ARGS...");
            return 2;
        }
    };
    #[cfg(target_arch = "x86_64")]
    const ARCH: u32 = AUDIT_ARCH_X86_64;
    #[cfg(target_arch = "aarch64")]
    const ARCH: u32 = AUDIT_ARCH_AARCH64;
    #[cfg(target_arch = "arm")]
    const ARCH: u32 = AUDIT_ARCH_ARM;
    #[cfg(target_arch = "riscv64")]
    const ARCH: u32 = AUDIT_ARCH_RISCV64;
    let stmt = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let jump = |code: u32, k: u32, jt: u8, jf: u8| sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    };
    let ld = BPF_LD | BPF_W | BPF_ABS;
    let ret = BPF_RET | BPF_K;
    let errno = |e: Errno| SECCOMP_RET_ERRNO | e.into_raw() as u32;
    let clone3 = Sysno::clone3 as u32;
    let refuse = |nr: u32, e: Errno| {
        vec![
            stmt(ld, 4),                                 // arch
            jump(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 3), // other arch: allow
            stmt(ld, 0),                                 // nr
            jump(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1),
            stmt(ret, errno(e)),
            stmt(ret, SECCOMP_RET_ALLOW),
        ]
    };
    let missing = |nr: u32| refuse(nr, Errno::ENOSYS);
    let program: Vec<sock_filter> = match mode {
        "no-clone3" => missing(clone3),
        "no-mount-setattr" => missing(Sysno::mount_setattr as u32),
        "no-pivot-root" => refuse(Sysno::pivot_root as u32, Errno::EINVAL),
        "no-clone-into-cgroup" => vec![
            stmt(ld, 4),
            jump(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 0, 5),
            stmt(ld, 0),
            jump(BPF_JMP | BPF_JEQ | BPF_K, clone3, 0, 3),
            stmt(ld, 16 + 8), // args[1] (size), low 32 bits on little-endian
            jump(BPF_JMP | BPF_JGT | BPF_K, 64, 0, 1),
            stmt(ret, errno(Errno::E2BIG)),
            stmt(ret, SECCOMP_RET_ALLOW),
        ],
        other => {
            eprintln!("sct-probe: unknown mode {other}");
            return 2;
        }
    };
    let prog = sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr() as *mut sock_filter,
    };
    // SAFETY: `prog` points at a valid program that outlives the call. As root
    // (CAP_SYS_ADMIN) no no_new_privs is needed.
    if let Err(e) = unsafe {
        syscall!(
            Sysno::seccomp,
            SECCOMP_SET_MODE_FILTER,
            0,
            &prog as *const sock_fprog
        )
    } {
        eprintln!("sct-probe: seccomp: {e}");
        return 125;
    }
    let err = std::process::Command::new(cmd[0]).args(&cmd[1..]).exec();
    eprintln!(
        "sct-probe: exec {}: {err}",
        std::ffi::OsStr::new(cmd[0]).as_bytes().escape_ascii()
    );
    127
}

/// The audit architecture of the probe's own syscalls.
#[cfg(target_arch = "x86_64")]
const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_X86_64;
#[cfg(target_arch = "aarch64")]
const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_AARCH64;
#[cfg(target_arch = "arm")]
const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_ARM;
#[cfg(target_arch = "riscv64")]
const NATIVE_ARCH: u32 = linux_raw_sys::ptrace::AUDIT_ARCH_RISCV64;

fn kill_at(args: &[&str]) -> i32 {
    use linux_raw_sys::ptrace::*;
    let [n, "--", cmd @ ..] = args else {
        eprintln!("usage: sct-probe kill-at N -- CMD ARGS...");
        return 2;
    };
    let (Ok(n), false) = (n.parse::<usize>(), cmd.is_empty()) else {
        eprintln!("usage: sct-probe kill-at N -- CMD ARGS...");
        return 2;
    };
    #[cfg_attr(target_arch = "riscv64", allow(unused_mut))] // Nothing to add there.
    let mut watched = vec![Sysno::mkdirat, Sysno::mknodat, Sysno::renameat2];
    // riscv64 has only renameat2; x86_64 keeps the calls without "at".
    #[cfg(not(target_arch = "riscv64"))]
    watched.push(Sysno::renameat);
    #[cfg(target_arch = "x86_64")]
    watched.extend([Sysno::mkdir, Sysno::mknod, Sysno::rename]);
    let stmt = |code: u32, k: u32| sock_filter {
        code: code as u16,
        jt: 0,
        jf: 0,
        k,
    };
    let mut program = vec![
        stmt(BPF_LD | BPF_W | BPF_ABS, 4),
        sock_filter {
            code: (BPF_JMP | BPF_JEQ | BPF_K) as u16,
            jt: 1,
            jf: 0,
            k: NATIVE_ARCH,
        },
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0),
    ];
    let last = watched.len() as u8;
    for (i, nr) in watched.iter().enumerate() {
        program.push(sock_filter {
            code: (BPF_JMP | BPF_JEQ | BPF_K) as u16,
            jt: last - i as u8, // to the user notification
            jf: 0,
            k: *nr as u32,
        });
    }
    program.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    program.push(stmt(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF));
    let prog = sock_fprog {
        len: program.len() as u16,
        filter: program.as_ptr() as *mut sock_filter,
    };
    // SAFETY: `prog` points at a valid program that outlives the call. As root
    // no no_new_privs is needed. The probe itself makes none of the watched
    // calls from here on: it would wait for itself.
    let listener = match unsafe {
        syscall!(
            Sysno::seccomp,
            SECCOMP_SET_MODE_FILTER,
            SECCOMP_FILTER_FLAG_NEW_LISTENER,
            &prog as *const sock_fprog
        )
    } {
        Ok(fd) => fd,
        Err(e) => {
            eprintln!("sct-probe: seccomp: {e}");
            return 125;
        }
    };
    let mut child = match std::process::Command::new(cmd[0]).args(&cmd[1..]).spawn() {
        Ok(child) => child,
        Err(e) => {
            eprintln!("sct-probe: spawn {}: {e}", cmd[0]);
            return 127;
        }
    };
    // _IOWR('!', nr, type), as <linux/seccomp.h> defines them.
    let iowr = |nr: usize, size: usize| (3 << 30) | (size << 16) | ((b'!' as usize) << 8) | nr;
    let recv = iowr(0, std::mem::size_of::<seccomp_notif>());
    let send = iowr(1, std::mem::size_of::<seccomp_notif_resp>());
    let mut seen = 0;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            println!("killed=no");
            return status.code().unwrap_or(128);
        }
        #[repr(C)]
        struct PollFd {
            fd: i32,
            events: i16,
            revents: i16,
        }
        let mut pollfd = PollFd {
            fd: listener as i32,
            events: linux_raw_sys::general::POLLIN as i16,
            revents: 0,
        };
        // ppoll: aarch64 and riscv64 have no poll; 32-bit ARM's ppoll takes
        // a 32-bit time, ppoll_time64 the kernel's 64-bit one.
        #[cfg(target_pointer_width = "32")]
        const PPOLL: Sysno = Sysno::ppoll_time64;
        #[cfg(not(target_pointer_width = "32"))]
        const PPOLL: Sysno = Sysno::ppoll;
        let timeout = linux_raw_sys::general::__kernel_timespec {
            tv_sec: 0,
            tv_nsec: 50_000_000,
        };
        // SAFETY: one pollfd and a timeout that outlive the call; no mask.
        let ready = unsafe {
            syscall!(
                PPOLL,
                &mut pollfd as *mut PollFd,
                1,
                &timeout as *const linux_raw_sys::general::__kernel_timespec,
                0,
                0
            )
        };
        if ready != Ok(1) || pollfd.revents & linux_raw_sys::general::POLLIN as i16 == 0 {
            continue;
        }
        // SAFETY: plain data; the kernel wants it zeroed.
        let mut notif: seccomp_notif = unsafe { std::mem::zeroed() };
        // SAFETY: `notif` is the size `recv` says and outlives the call.
        if unsafe {
            syscall!(
                Sysno::ioctl,
                listener,
                recv,
                &mut notif as *mut seccomp_notif
            )
        }
        .is_err()
        {
            continue;
        }
        if notif.pid == child.id() {
            seen += 1;
            if seen == n {
                // Held: the call never runs.
                let _ = child.kill();
                let _ = child.wait();
                println!("killed=yes");
                return 0;
            }
        }
        let resp = seccomp_notif_resp {
            id: notif.id,
            val: 0,
            error: 0,
            flags: SECCOMP_USER_NOTIF_FLAG_CONTINUE,
        };
        // SAFETY: `resp` is the size `send` says and outlives the call. A
        // caller killed meanwhile makes it fail (ENOENT), which is fine.
        let _ = unsafe {
            syscall!(
                Sysno::ioctl,
                listener,
                send,
                &resp as *const seccomp_notif_resp
            )
        };
    }
}

fn as_user(args: &[&str]) -> i32 {
    let [uid, gid, "--", cmd @ ..] = args else {
        eprintln!("usage: sct-probe as-user UID GID -- CMD ARGS...");
        return 2;
    };
    if cmd.is_empty() {
        eprintln!("usage: sct-probe as-user UID GID -- CMD ARGS...");
        return 2;
    }
    // std drops the supplementary groups when root sets a uid.
    let err = std::process::Command::new(cmd[0])
        .args(&cmd[1..])
        .uid(uid.parse().unwrap())
        .gid(gid.parse().unwrap())
        .exec();
    eprintln!(
        "sct-probe: exec {}: {err}",
        std::ffi::OsStr::new(cmd[0]).as_bytes().escape_ascii()
    );
    127
}

fn alloc(mb: usize) -> i32 {
    let mut kept: Vec<Vec<u8>> = Vec::new();
    for _ in 0..mb {
        // Touch every page so that it is really charged to the cgroup.
        kept.push(vec![1u8; 1 << 20]);
    }
    println!("allocated={}", kept.len());
    0
}

fn spawn_loop(n: usize) -> i32 {
    let mut children = vec![];
    let mut error = String::from("none");
    for _ in 0..n {
        match std::process::Command::new("/bin/sleep").arg("30").spawn() {
            Ok(c) => children.push(c),
            Err(e) => {
                error = errno_name(&e);
                break;
            }
        }
    }
    println!("spawned={}", children.len());
    println!("error={error}");
    for mut c in children {
        let _ = c.kill();
        let _ = c.wait();
    }
    0
}

fn spin(ms: u64) -> i32 {
    let start = std::time::Instant::now();
    let mut x = 0u64;
    while start.elapsed() < std::time::Duration::from_millis(ms) {
        x = std::hint::black_box(x.wrapping_add(1));
    }
    // utime + stime from /proc/self/stat, in clock ticks (USER_HZ = 100).
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .unwrap()
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    println!("cpu_ms={}", ticks * 10);
    0
}

fn chroot_escape() -> i32 {
    let steps = || -> std::io::Result<()> {
        std::fs::create_dir_all("/tmp/escape")?;
        std::os::unix::fs::chroot("/tmp/escape")?;
        for _ in 0..64 {
            std::env::set_current_dir("..")?;
        }
        std::os::unix::fs::chroot(".")
    };
    if let Err(e) = steps() {
        println!("escape={}", errno_name(&e));
    }
    let mut names: Vec<String> = match std::fs::read_dir("/") {
        Ok(d) => d
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(e) => {
            println!("root=error:{}", errno_name(&e));
            return 1;
        }
    };
    names.sort();
    println!("root={}", names.join(","));
    0
}

fn parse_arg(s: &str) -> usize {
    match s.strip_prefix("0x") {
        Some(h) => usize::from_str_radix(h, 16).unwrap(),
        None => s.parse().unwrap(),
    }
}

fn report(ret: Result<usize, Errno>) -> i32 {
    match ret {
        Ok(n) => println!("result={n}"),
        Err(e) => println!("errno={}", e.name().unwrap_or("?")),
    }
    0
}

fn raw_syscall(args: &[&str]) -> i32 {
    // A number (or -1) instead of a name: no arguments, any number at all.
    if let Ok(n) = args[0].parse::<isize>() {
        // SAFETY: without arguments the kernel reads no memory of ours.
        let ret = unsafe { syscalls::raw::syscall0(n as usize) };
        return report(decode(ret as isize));
    }
    let nr: Sysno = args[0].parse().expect("a syscall name");
    let mut a = [0usize; 6];
    for (i, v) in args[1..].iter().enumerate() {
        a[i] = parse_arg(v);
    }
    // SAFETY: the tests pass only arguments that are plain numbers or null
    // pointers, which the kernel checks; no memory of ours is handed out.
    report(unsafe { syscalls::syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]) })
}

/// The kernel's return value, decoded like syscalls' own wrappers.
fn decode(ret: isize) -> Result<usize, Errno> {
    if (-4095..0).contains(&ret) {
        Err(Errno::new(-ret as i32))
    } else {
        Ok(ret as usize)
    }
}

#[cfg(target_arch = "x86_64")]
fn x32(name: &str) -> i32 {
    let nr: Sysno = name.parse().expect("a syscall name");
    // x32 numbers are mostly the x86_64 ones with the x32 bit set.
    let nr = (nr.id() as u32 | linux_raw_sys::general::__X32_SYSCALL_BIT) as isize;
    let ret: isize;
    // SAFETY: a syscall with no arguments (tests use getpid); the registers
    // the `syscall` instruction clobbers are declared.
    unsafe {
        std::arch::asm!("syscall", inlateout("rax") nr => ret, lateout("rcx") _, lateout("r11") _, options(nostack));
    }
    report(decode(ret))
}

#[cfg(target_arch = "x86_64")]
fn int80(nr: u32) -> i32 {
    let ret: i32;
    // SAFETY: an i386 syscall with no arguments (tests use getpid, 20);
    // int 0x80 preserves every register but eax.
    unsafe {
        std::arch::asm!("int 0x80", inlateout("eax") nr => ret, options(nostack));
    }
    report(decode(ret as isize))
}

#[cfg(not(target_arch = "x86_64"))]
fn x32(_: &str) -> i32 {
    println!("skip=x32 is x86_64 only");
    0
}

#[cfg(not(target_arch = "x86_64"))]
fn int80(_: u32) -> i32 {
    println!("skip=int 0x80 is x86_64 only");
    0
}

fn fork() -> i32 {
    let sigchld = linux_raw_sys::general::SIGCHLD as usize;
    // SAFETY: clone without CLONE_VM and without a stack is fork(2); the
    // child calls nothing but exit_group.
    match unsafe { syscalls::syscall5(Sysno::clone, sigchld, 0, 0, 0, 0) } {
        Ok(0) => {
            // SAFETY: exit_group never returns.
            let _ = unsafe { syscalls::syscall1(Sysno::exit_group, 7) };
            unreachable!()
        }
        Ok(pid) => {
            let mut status: i32 = 0;
            // SAFETY: `status` outlives the call.
            let r = unsafe {
                syscalls::syscall4(Sysno::wait4, pid, &mut status as *mut i32 as usize, 0, 0)
            };
            assert_eq!(r, Ok(pid));
            assert_eq!(status, 7 << 8, "child status");
            println!("fork=ok");
            0
        }
        Err(e) => report(Err(e)),
    }
}

fn getppid_loop(n: u64) -> i32 {
    let start = std::time::Instant::now();
    for _ in 0..n {
        // SAFETY: getppid takes no arguments.
        let _ = unsafe { syscall!(Sysno::getppid) };
    }
    println!(
        "ns_per_call={:.1}",
        start.elapsed().as_nanos() as f64 / n as f64
    );
    0
}

/// fork(2) as the classic clone; the child must call nothing but raw
/// syscalls.
fn raw_fork() -> usize {
    let sigchld = linux_raw_sys::general::SIGCHLD as usize;
    // SAFETY: clone without CLONE_VM and without a stack is fork(2).
    unsafe { syscalls::syscall5(Sysno::clone, sigchld, 0, 0, 0, 0) }.expect("fork")
}

fn raw_exit(code: usize) -> ! {
    // SAFETY: exit_group never returns.
    let _ = unsafe { syscalls::syscall1(Sysno::exit_group, code) };
    unreachable!()
}

/// Makes `n` orphans: each child forks a grandchild and exits, so the
/// grandchild is re-parented to the namespace's PID 1 and exits too. Only
/// PID 1 can reap it. Waits until no process but PID 1 and this one is
/// left (as PID 1 itself: until all have exited), or 10 s, then counts the
/// zombies.
fn orphans(n: usize) -> i32 {
    for _ in 0..n {
        let child = raw_fork();
        if child == 0 {
            if raw_fork() == 0 {
                raw_exit(0);
            }
            raw_exit(0);
        }
        // SAFETY: a NULL status pointer is allowed.
        let r = unsafe { syscalls::syscall4(Sysno::wait4, child, 0, 0, 0) };
        assert_eq!(r, Ok(child));
    }
    let me = std::process::id();
    // Under emulation (the VM test) reaping 20 orphans can take a while.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let zombies = loop {
        let mut others = 0;
        let mut zombies = 0;
        for e in std::fs::read_dir("/proc").unwrap().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else {
                continue;
            };
            if pid == 1 || pid == me {
                continue;
            }
            others += 1;
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if stat
                .rsplit_once(") ")
                .is_some_and(|(_, rest)| rest.starts_with('Z'))
            {
                zombies += 1;
            }
        }
        // As PID 1 this process is the only one that could reap them: once
        // all have exited, the count is final.
        let final_count = others == 0 || (me == 1 && others == zombies);
        if final_count || std::time::Instant::now() > deadline {
            break zombies;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    println!("zombies={zombies}");
    0
}

/// statmount(2) of mount `id`, with the fields of `mask`, into `buf`.
fn statmount(
    id: u64,
    mask: u32,
    buf: &mut [u64],
) -> Result<&linux_raw_sys::general::statmount, Errno> {
    use linux_raw_sys::general::{mnt_id_req, MNT_ID_REQ_SIZE_VER0};
    let req = mnt_id_req {
        size: MNT_ID_REQ_SIZE_VER0,
        spare: 0,
        mnt_id: id,
        param: mask as u64,
        mnt_ns_id: 0,
    };
    // SAFETY: `req` and `buf` are valid for the sizes passed; the kernel
    // writes at most `buf`'s size.
    unsafe {
        syscall!(
            Sysno::statmount,
            &req as *const mnt_id_req,
            buf.as_mut_ptr(),
            buf.len() * 8,
            0
        )
    }?;
    // SAFETY: the kernel filled a struct statmount at the start of `buf`,
    // which is 8-byte aligned and larger than the struct.
    Ok(unsafe { &*(buf.as_ptr() as *const linux_raw_sys::general::statmount) })
}

/// The mounts below the parent of this process's root mount that
/// mountinfo does not list: on the MS_MOVE root switch, what stays of the
/// host's tree under the container's root.
fn hidden_mounts() -> i32 {
    use linux_raw_sys::general::{
        mnt_id_req, statx, MNT_ID_REQ_SIZE_VER0, STATMOUNT_FS_TYPE, STATMOUNT_MNT_BASIC,
        STATX_MNT_ID_UNIQUE,
    };
    // SAFETY: an all-zero statx is a valid buffer.
    let mut stx: statx = unsafe { std::mem::zeroed() };
    // SAFETY: the path is a valid C string and `stx` a valid buffer.
    let r = unsafe {
        syscall!(
            Sysno::statx,
            -100isize as usize,
            c"/".as_ptr(),
            0,
            STATX_MNT_ID_UNIQUE,
            &mut stx as *mut statx
        )
    };
    if let Err(e) = r {
        return report(Err(e));
    }
    let mut buf = vec![0u64; 1024];
    let parent = match statmount(stx.stx_mnt_id, STATMOUNT_MNT_BASIC, &mut buf) {
        Ok(sm) => sm.mnt_parent_id,
        Err(e) => return report(Err(e)),
    };
    let req = mnt_id_req {
        size: MNT_ID_REQ_SIZE_VER0,
        spare: 0,
        mnt_id: parent,
        param: 0,
        mnt_ns_id: 0,
    };
    let mut ids = vec![0u64; 4096];
    // SAFETY: `req` and `ids` are valid for the sizes passed.
    let n = match unsafe {
        syscall!(
            Sysno::listmount,
            &req as *const mnt_id_req,
            ids.as_mut_ptr(),
            ids.len(),
            0
        )
    } {
        Ok(n) => n,
        Err(e) => return report(Err(e)),
    };
    let visible: Vec<u32> = std::fs::read_to_string("/proc/self/mountinfo")
        .unwrap()
        .lines()
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    let mut types = vec![];
    for &id in &ids[..n] {
        let fs = match statmount(id, STATMOUNT_FS_TYPE | STATMOUNT_MNT_BASIC, &mut buf) {
            Ok(sm) if visible.contains(&sm.mnt_id_old) => continue,
            Ok(sm) => {
                let strings =
                    std::mem::size_of::<linux_raw_sys::general::statmount>() + sm.fs_type as usize;
                // SAFETY: the kernel wrote a NUL-terminated string there, inside `buf`.
                unsafe { std::ffi::CStr::from_ptr((buf.as_ptr() as *const u8).add(strings).cast()) }
                    .to_string_lossy()
                    .into_owned()
            }
            Err(e) => format!("{e}"),
        };
        types.push(fs);
    }
    println!("hidden={}\nhidden_types={}", types.len(), types.join(","));
    0
}

/// An ioctl on fd 0 with a pointer argument: `ok` or the errno's name.
fn ioctl0<T>(request: u32, arg: *mut T) -> String {
    // SAFETY: arg points to a value of the type the request reads or writes
    // (or is null where the request takes an integer).
    match unsafe { syscall!(Sysno::ioctl, 0, request, arg) } {
        Ok(_) => "ok".into(),
        Err(e) => e.name().unwrap_or("E?").into(),
    }
}

fn tty() -> i32 {
    use linux_raw_sys::general::{termios, winsize};
    use linux_raw_sys::ioctl::{TCGETS, TIOCGWINSZ, TIOCSCTTY};
    use std::os::unix::fs::MetadataExt;
    // SAFETY: plain C structs; all-zero is a valid value.
    let mut t: termios = unsafe { std::mem::zeroed() };
    println!("tcgets={}", ioctl0(TCGETS, &mut t));
    let mut w = winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    let r = ioctl0(TIOCGWINSZ, &mut w);
    if r == "ok" {
        println!("winsize={}x{}", w.ws_row, w.ws_col);
    } else {
        println!("winsize={r}");
    }
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_comm = &stat[stat.rfind(')').unwrap() + 2..];
    println!("tty_nr={}", after_comm.split(' ').nth(4).unwrap());
    let link = std::fs::read_link("/proc/self/fd/0").unwrap();
    println!("stdin={}", link.display());
    let own = std::fs::metadata("/proc/self/fd/0").unwrap();
    let inside = match std::fs::metadata(&link) {
        Ok(m) if (m.dev(), m.ino()) == (own.dev(), own.ino()) => "same".into(),
        Ok(_) => "other".into(),
        Err(e) => errno_name(&e),
    };
    println!("stdin_inside={inside}");
    let dev_tty = match std::fs::File::open("/dev/tty") {
        Ok(_) => "ok".into(),
        Err(e) => errno_name(&e),
    };
    println!("dev_tty={dev_tty}");
    println!(
        "tiocsctty={}",
        ioctl0(TIOCSCTTY, std::ptr::null_mut::<u8>())
    );
    println!("ready");
    std::io::stdout().flush().unwrap();
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).unwrap();
    println!("line={}", line.trim_end());
    0
}

fn mknod(args: &[&str]) -> i32 {
    use linux_raw_sys::general::{AT_FDCWD, S_IFBLK, S_IFCHR};
    let c = std::ffi::CString::new(args[0]).unwrap();
    let (kind, major, minor) = match args {
        [_, kind, major, minor] => (
            if *kind == "b" { S_IFBLK } else { S_IFCHR },
            major.parse::<u32>().unwrap(),
            minor.parse::<u32>().unwrap(),
        ),
        _ => (S_IFCHR, 1, 3),
    };
    // The kernel's new_encode_dev(): what libc's makedev() gives for 32 bits.
    let dev = (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12);
    // SAFETY: a NUL-terminated path that outlives the call.
    match unsafe { syscall!(Sysno::mknodat, AT_FDCWD, c.as_ptr(), kind | 0o666, dev) } {
        Ok(_) => {
            println!("ok");
            0
        }
        Err(e) => {
            println!("error={}", e.name().unwrap_or("E?"));
            1
        }
    }
}

fn open(path: &str, mode: &str) -> i32 {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    match mode {
        "r" => options.read(true),
        _ => options.write(true),
    };
    match options.open(path) {
        Ok(mut f) => {
            println!("open=ok");
            if mode == "r" {
                let mut buf = [0u8; 16];
                let n = f.read(&mut buf).unwrap_or(0);
                let hex: String = buf[..n].iter().map(|b| format!("{b:02x}")).collect();
                println!("data={hex}");
            }
            0
        }
        Err(e) => {
            println!("open={}", errno_name(&e));
            1
        }
    }
}

fn packet() -> i32 {
    // include/linux/socket.h, linux/net.h, linux/if_ether.h.
    const AF_PACKET: u32 = 17;
    const SOCK_RAW: u32 = 3;
    const ETH_P_ALL: u16 = 3;
    // SAFETY: plain integer arguments.
    let fd = match unsafe { syscall!(Sysno::socket, AF_PACKET, SOCK_RAW, ETH_P_ALL.to_be()) } {
        Ok(fd) => fd as i32,
        Err(e) => {
            println!("packet={}", e.name().unwrap_or("E?"));
            return 1;
        }
    };
    println!("packet=ok");
    let marker = format!("sct-probe-capture-{}", std::process::id());
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut buf = [0u8; 2048];
    let mut captured = false;
    while !captured && std::time::Instant::now() < deadline {
        let _ = udp.send_to(marker.as_bytes(), udp.local_addr().unwrap());
        // Drain what arrived, without blocking.
        loop {
            // SAFETY: `buf` is writable for its whole length during the call.
            let r = unsafe {
                syscall!(
                    Sysno::recvfrom,
                    fd,
                    buf.as_mut_ptr(),
                    buf.len(),
                    0x40, /* MSG_DONTWAIT */
                    0,
                    0
                )
            };
            let Ok(n) = r else { break };
            if buf[..n]
                .windows(marker.len())
                .any(|w| w == marker.as_bytes())
            {
                captured = true;
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    println!("captured={}", if captured { "yes" } else { "no" });
    0
}

fn bpf_progs() -> i32 {
    const BPF_PROG_GET_NEXT_ID: u32 = 11;
    const BPF_PROG_GET_FD_BY_ID: u32 = 13;
    const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
    const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
    let mut count = 0;
    let mut id = 0u32;
    loop {
        // union bpf_attr: { start_id, next_id } for GET_NEXT_ID; { prog_id }
        // for GET_FD_BY_ID; { bpf_fd, info_len, info } for GET_INFO_BY_FD.
        let mut attr = [0u64; 16];
        attr[0] = u64::from(id);
        // SAFETY: `attr` is a zeroed bpf_attr the kernel reads and writes.
        let r = unsafe { syscall!(Sysno::bpf, BPF_PROG_GET_NEXT_ID, attr.as_mut_ptr(), 128) };
        match r {
            Ok(_) => id = (attr[0] >> 32) as u32,
            Err(Errno::ENOENT) => break,
            Err(e) => {
                println!("error={}", e.name().unwrap_or("E?"));
                return 1;
            }
        }
        let mut attr = [0u64; 16];
        attr[0] = u64::from(id);
        // SAFETY: as above.
        let Ok(fd) =
            (unsafe { syscall!(Sysno::bpf, BPF_PROG_GET_FD_BY_ID, attr.as_mut_ptr(), 128) })
        else {
            continue; // gone meanwhile
        };
        let mut info = [0u32; 64];
        let mut attr = [0u64; 16];
        attr[0] = fd as u64 | ((std::mem::size_of_val(&info) as u64) << 32);
        attr[1] = info.as_mut_ptr() as u64;
        // SAFETY: `info` is writable for the length given in `attr`.
        let r = unsafe { syscall!(Sysno::bpf, BPF_OBJ_GET_INFO_BY_FD, attr.as_mut_ptr(), 128) };
        // SAFETY: closing the fd we were just given.
        let _ = unsafe { syscall!(Sysno::close, fd) };
        // struct bpf_prog_info starts with `__u32 type`.
        if r.is_ok() && info[0] == BPF_PROG_TYPE_CGROUP_DEVICE {
            count += 1;
        }
    }
    println!("cgroup_device_progs={count}");
    0
}
