//! Rootless containers: sct run by an ordinary user, `sct-test` (build/deps
//! makes it, with subordinate ranges in /etc/subuid and /etc/subgid), and
//! root's `--uidmap`, with the real binary on the real kernel. The test
//! process is root; it starts sct through `probe as-user`, after the
//! fake-old-kernel filter on the classic clone path.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{own_cgroup, probe, Output, RemoveDir, Rootfs, Sct, Spawn, SCT};

/// Docker's 14 less NET_RAW (the host's network), and all 14.
const KEPT_HOST_NET: &str = "00000000a80405fb";
const KEPT: &str = "00000000a80425fb";

const NO_DELEGATION_HINT: &str = "sct: hint: limits need a cgroup delegated to you: run sct in a systemd scope with Delegate=yes (systemd-run --user --scope -p Delegate=yes) or have root chown a cgroup to you, and pass --cgroup-parent (README, Rootless)\n";

/// The ordinary user the tests run sct as.
#[derive(Clone, Copy, Debug)]
struct User {
    uid: u32,
    gid: u32,
    /// The first id of its ranges in /etc/subuid and /etc/subgid.
    sub_uid: u32,
    sub_gid: u32,
}

/// `sct-test`, if build/deps has made it (a SKIP otherwise, a failure
/// under CI=true).
fn user() -> Option<User> {
    common::require_root();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let entry = passwd.lines().find(|l| l.starts_with("sct-test:"));
    let first = |file: &str| {
        std::fs::read_to_string(file).ok().and_then(|t| {
            t.lines()
                .find_map(|l| l.strip_prefix("sct-test:"))
                .and_then(|r| r.split(':').next()?.parse().ok())
        })
    };
    let (sub_uid, sub_gid) = (first("/etc/subuid"), first("/etc/subgid"));
    let tools =
        Path::new("/usr/bin/newuidmap").exists() && Path::new("/usr/bin/newgidmap").exists();
    let ready = entry.is_some() && sub_uid.is_some() && sub_gid.is_some() && tools;
    if !common::tool_ready(
        ready,
        "the user sct-test with /etc/subuid and /etc/subgid ranges, or newuidmap (Debian uidmap)",
    ) {
        return None;
    }
    let f: Vec<&str> = entry.unwrap().split(':').collect();
    Some(User {
        uid: f[2].parse().unwrap(),
        gid: f[3].parse().unwrap(),
        sub_uid: sub_uid.unwrap(),
        sub_gid: sub_gid.unwrap(),
    })
}

/// sct started by `user` on one spawn path.
#[derive(Clone, Copy, Debug)]
struct Rootless {
    spawn: Spawn,
    user: User,
}

impl Rootless {
    fn command<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Command {
        let mut c = Command::new(probe());
        if self.spawn == Spawn::OldKernel {
            c.args(["fake-old-kernel", "no-clone3", "--"]).arg(probe());
        }
        c.arg("as-user")
            .arg(self.user.uid.to_string())
            .arg(self.user.gid.to_string())
            .args(["--", SCT])
            .args(args)
            .stdin(Stdio::null());
        c
    }

    fn run_in(&self, rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> Output {
        Output::from(self.command(&args(rootfs, opts, cmd)).output().unwrap())
    }

    /// As `run_in`, with no newuidmap in sct's PATH: the single mapping.
    fn run_single(&self, rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> Output {
        let mut c = self.command(&args(rootfs, opts, cmd));
        c.env("PATH", "/nonexistent");
        Output::from(c.output().unwrap())
    }

    /// A rootfs the user owns, as one it unpacked itself would be.
    fn rootfs(&self) -> Rootfs {
        let rootfs = Rootfs::new();
        chown_r(rootfs.path(), self.user.uid, self.user.gid);
        rootfs
    }
}

fn args(rootfs: &Rootfs, opts: &[&str], cmd: &[&str]) -> Vec<std::ffi::OsString> {
    let mut a: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
    a.push(rootfs.path().into());
    a.extend(cmd.iter().map(|s| s.into()));
    a
}

fn chown_r(path: &Path, uid: u32, gid: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{uid}:{gid}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

/// A map file's lines with their padding gone: `0 1000 1`.
fn map_lines(text: &str) -> Vec<String> {
    text.lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Defines a test run by sct-test on each spawn path.
macro_rules! rootless_paths {
    ($(fn $name:ident($r:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            fn body($r: Rootless) $body
            #[test]
            fn clone3() {
                if let Some(user) = user() {
                    body(Rootless { spawn: Spawn::Clone3, user })
                }
            }
            #[test]
            fn old_kernel() {
                if let Some(user) = user() {
                    body(Rootless { spawn: Spawn::OldKernel, user })
                }
            }
        }
    )*};
}

rootless_paths! {
    fn root_inside_with_namespaces_of_its_own_and_the_full_ranges(r) {
        let rootfs = r.rootfs();
        let out = r.run_in(&rootfs, &["--hostname", "box"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("pid"), "1");
        assert_eq!(out.value("uid"), "0");
        assert_eq!(out.value("gid"), "0");
        assert_eq!(out.value("hostname"), "box");
        assert_eq!(out.value("fds"), "0,1,2");
        for ns in ["user", "pid", "mnt", "uts", "ipc"] {
            assert_ne!(out.value(&format!("ns.{ns}")), common::host_ns(ns), "{ns}");
        }
        // Docker's default set, in the container's user namespace.
        assert_eq!(out.value("CapEff"), KEPT_HOST_NET);
        assert_eq!(out.value("CapBnd"), KEPT_HOST_NET);
        assert_eq!(out.value("NoNewPrivs"), "1");
        assert_eq!(out.value("Seccomp"), "2");
        let u = r.user;
        let out = r.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/uid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {} 1", u.uid), format!("1 {} 65536", u.sub_uid)]);
        let out = r.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/gid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {} 1", u.gid), format!("1 {} 65536", u.sub_gid)]);
        let out = r.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/setgroups"]).ok();
        assert_eq!(out.stdout, "allow\n");
    }

    fn only_the_caller_without_newuidmap(r) {
        let rootfs = r.rootfs();
        let out = r.run_single(&rootfs, &[], &["/bin/probe", "read", "/proc/self/uid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {} 1", r.user.uid)]);
        let out = r.run_single(&rootfs, &[], &["/bin/probe", "read", "/proc/self/gid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {} 1", r.user.gid)]);
        // The kernel's condition for an unprivileged gid_map.
        let out = r.run_single(&rootfs, &[], &["/bin/probe", "read", "/proc/self/setgroups"]).ok();
        assert_eq!(out.stdout, "deny\n");
        let out = r.run_single(&rootfs, &[], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("uid"), "0");
        // The caller's supplementary groups stay: setgroups is denied.
        let out = r.run_single(&rootfs, &["--user", "0:0"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("uid"), "0");
        // Said only when a --user cannot be mapped.
        assert_eq!(out.stderr, "");
        let out = r.run_single(&rootfs, &["--user", "1000"], &["/bin/probe", "info"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: --user 1000:1000: not mapped in the container's user namespace\n\
             sct: hint: as an ordinary user only you (root inside) are mapped, unless newuidmap/newgidmap (Debian: uidmap) are installed and /etc/subuid and /etc/subgid give you ranges (README, Rootless)\n"
        );
    }

    fn user_from_the_subordinate_range(r) {
        let rootfs = r.rootfs();
        let shared = rootfs.outside().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let bind = format!("{}:/shared", shared.display());
        let out = r
            .run_in(&rootfs, &["--user", "1000:1000", "-v", &bind], &["/bin/probe", "info"])
            .ok();
        assert_eq!(out.value("uid"), "1000");
        assert_eq!(out.value("gid"), "1000");
        assert_eq!(out.value("Groups"), "");
        assert_eq!(out.value("CapEff"), "0000000000000000");
        r.run_in(&rootfs, &["--user", "1000:1000", "-v", &bind], &["/bin/probe", "write", "/shared/f"]).ok();
        let meta = std::fs::metadata(shared.join("f")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (r.user.sub_uid + 999, r.user.sub_gid + 999));
        // Beyond the range: refused before anything is made.
        let out = r.run_in(&rootfs, &["--user", "65537"], &["/bin/probe", "info"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: --user 65537:65537: not mapped in the container's user namespace\n\
             sct: hint: your ranges in /etc/subuid and /etc/subgid do not cover it\n"
        );
    }

    fn files_through_a_bind_are_the_callers_and_unreadable_stays_so(r) {
        let rootfs = r.rootfs();
        let vol = rootfs.outside().join("vol");
        std::fs::create_dir(&vol).unwrap();
        std::os::unix::fs::chown(&vol, Some(r.user.uid), Some(r.user.gid)).unwrap();
        let secret = rootfs.outside().join("secret");
        std::fs::write(&secret, "root only\n").unwrap();
        std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
        let binds = [
            "-v".to_string(),
            format!("{}:/vol", vol.display()),
            "-v".to_string(),
            format!("{}:/secret", secret.display()),
        ];
        let binds: Vec<&str> = binds.iter().map(String::as_str).collect();
        let out = r.run_in(&rootfs, &binds, &["/bin/probe", "write", "/vol/f"]).ok();
        assert_eq!(out.stdout, "ok\n");
        let meta = std::fs::metadata(vol.join("f")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (r.user.uid, r.user.gid));
        // Root inside, but the host's root-owned file is no file of its.
        let out = r.run_in(&rootfs, &binds, &["/bin/probe", "read", "/secret"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
        let out = r.run_in(&rootfs, &binds, &["/bin/probe", "write", "/secret"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
    }

    fn options_and_exit_codes_work_as_with_root(r) {
        let rootfs = r.rootfs();
        let out = r.run_in(&rootfs, &["--net", "none"], &["/bin/probe", "net"]).ok();
        assert_eq!(out.value("interfaces"), "lo");
        assert_eq!(out.value("loopback"), "up");
        // Its own network namespace: sysfs of its own, and NET_RAW kept.
        let out = r.run_in(&rootfs, &["--net", "none"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("CapEff"), KEPT);
        assert_ne!(out.value("ns.net"), common::host_ns("net"));
        let out = r.run_in(&rootfs, &["--read-only", "--tmpfs", "/run"], &["/bin/probe", "write", "/x"]);
        assert_eq!(out.stdout, "error=EROFS\n", "{out:?}");
        let out = r.run_in(&rootfs, &["--read-only", "--tmpfs", "/run"], &["/bin/probe", "write", "/run/x"]).ok();
        assert_eq!(out.stdout, "ok\n");
        let out = r.run_in(&rootfs, &["-e", "FOO=bar", "-w", "/tmp"], &["/bin/probe", "env"]).ok();
        assert!(out.stdout.lines().any(|l| l == "FOO=bar"), "{out:?}");
        let out = r.run_in(&rootfs, &["-w", "/tmp"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("cwd"), "/tmp");
        let out = r.run_in(&rootfs, &["--init"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("pid"), "2");
        // /sys: read-only, whichever way it came.
        for opts in [&[][..], &["--net", "none"]] {
            let out = r.run_in(&rootfs, opts, &["/bin/probe", "write", "/sys/kernel/x"]);
            assert_eq!(out.stdout, "error=EROFS\n", "{opts:?} {out:?}");
        }
        for code in ["0", "1", "42"] {
            let out = r.run_in(&rootfs, &[], &["/bin/probe", "exit", code]);
            assert_eq!(out.code.to_string(), code, "{out:?}");
        }
        assert_eq!(r.run_in(&rootfs, &[], &["/bin/missing"]).code, 127);
        std::fs::write(rootfs.path().join("bin/noexec"), "not a program").unwrap();
        assert_eq!(r.run_in(&rootfs, &[], &["/bin/noexec"]).code, 126);
    }

    fn signals_reach_the_command(r) {
        use std::io::BufRead;
        let rootfs = r.rootfs();
        for (name, number) in [("TERM", 15), ("INT", 2), ("USR1", 10)] {
            let mut child = common::Running(
                r.command(&args(&rootfs, &[], &["/bin/probe", "wait-signal", name]))
                    .stdout(Stdio::piped())
                    .spawn()
                    .unwrap(),
            );
            let mut out = std::io::BufReader::new(child.stdout.take().unwrap());
            let mut line = String::new();
            out.read_line(&mut line).unwrap();
            assert_eq!(line, "ready\n");
            common::send_signal(child.id(), name);
            line.clear();
            out.read_line(&mut line).unwrap();
            assert_eq!(line, format!("got={number}\n"), "SIG{name}");
            assert!(child.wait().unwrap().success());
        }
    }

    fn dev_has_the_hosts_nodes_bound_and_mknod_fails(r) {
        let rootfs = r.rootfs();
        for node in ["null", "zero", "full", "random", "urandom", "tty"] {
            let out = r.run_in(&rootfs, &[], &["/bin/stat", "-c", "%F %t:%T", &format!("/dev/{node}")]).ok();
            let host = Command::new("stat").args(["-c", "%F %t:%T", &format!("/dev/{node}")]).output().unwrap();
            assert_eq!(out.stdout, String::from_utf8_lossy(&host.stdout), "{node}");
        }
        let out = r.run_in(&rootfs, &[], &["/bin/probe", "open", "/dev/null", "w"]).ok();
        assert_eq!(out.value("open"), "ok");
        let out = r.run_in(&rootfs, &[], &["/bin/probe", "mknod", "/tmp/null"]);
        assert_eq!(out.stdout, "error=EPERM\n", "{out:?}");
    }

    fn device_binds_the_hosts_node_which_opens_only_as_the_caller_may(r) {
        // Unprivileged there is no mknod and no device rule (README,
        // Rootless): --device binds the host's node, and the caller's own
        // uid decides what opens.
        let rootfs = r.rootfs();
        let out = r.run_in(&rootfs, &["--device", "/dev/zero:/dev/myzero"], &["/bin/stat", "-c", "%F %t:%T", "/dev/myzero"]).ok();
        assert_eq!(out.stdout, "character special file 1:5\n");
        let out = r.run_in(&rootfs, &["--device", "/dev/zero:/dev/myzero"], &["/bin/probe", "open", "/dev/myzero", "r"]).ok();
        assert_eq!(out.value("open"), "ok");
        // /dev/kmsg is root's, 0644: root inside is the caller outside.
        let out = r.run_in(&rootfs, &["--device", "/dev/kmsg"], &["/bin/probe", "open", "/dev/kmsg", "w"]);
        assert_eq!(out.stdout, "open=EACCES\n", "{out:?}");
    }

    fn the_escape_battery_holds(r) {
        let rootfs = r.rootfs();
        // With the subordinate ranges (newuidmap writes the maps) and with
        // the caller alone (the container writes its own).
        for single in [false, true] {
            let run = |cmd: &[&str]| {
                if single {
                    r.run_single(&rootfs, &[], cmd)
                } else {
                    r.run_in(&rootfs, &[], cmd)
                }
            };
            for call in ["mount", "umount2", "pivot_root", "setns", "bpf"] {
                let out = run(&["/bin/probe", "syscall", call]).ok();
                assert_eq!(out.stdout, "errno=EPERM\n", "{call}, single: {single}");
            }
            // No new user namespace: unshare(CLONE_NEWUSER), clone with it.
            let out = run(&["/bin/probe", "syscall", "unshare", "0x10000000"]).ok();
            assert_eq!(out.stdout, "errno=EPERM\n");
            let out = run(&["/bin/probe", "syscall", "clone", "0x10000011"]).ok();
            assert_eq!(out.stdout, "errno=EPERM\n");
            let out = run(&["/bin/probe", "syscall", "clone3"]).ok();
            assert_eq!(out.stdout, "errno=ENOSYS\n");
            let out = run(&["/bin/probe", "chroot-escape"]).ok();
            assert_eq!(out.value("root"), "bin,dev,etc,proc,sys,tmp");
            let out = run(&["/bin/probe", "read", "/marker-outside"]);
            assert_eq!(out.stdout, "error=ENOENT\n");
            // Nothing of the host's tree in the mount table.
            let out = run(&["/bin/probe", "read", "/proc/self/mountinfo"]).ok();
            for line in out.stdout.lines() {
                let mp = line.split(' ').nth(4).unwrap();
                assert!(
                    mp == "/" || ["/proc", "/sys", "/dev"].iter().any(|p| mp == *p || mp.starts_with(&format!("{p}/"))),
                    "{line}"
                );
            }
        }
    }

    fn a_limit_without_a_delegated_cgroup_is_a_clear_error(r) {
        let rootfs = r.rootfs();
        let out = r.run_in(&rootfs, &["--pids-limit", "10"], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        let (first, hint) = out.stderr.split_once('\n').unwrap();
        assert!(
            first.starts_with("sct: mkdir cgroup sct-") && first.ends_with(": EACCES (Permission denied)"),
            "{out:?}"
        );
        assert_eq!(hint.to_string() + "\n", NO_DELEGATION_HINT.to_string() + "\n" );
    }

    fn a_limit_in_a_delegated_cgroup(r) {
        let rootfs = r.rootfs();
        let own = own_cgroup("pids");
        let name = common::unique_token("delegated");
        let dir = Path::new("/sys/fs/cgroup/pids").join(own.trim_start_matches('/')).join(&name);
        std::fs::create_dir(&dir).unwrap();
        let _remove = RemoveDir(dir.clone());
        // What `chown` of a cgroup for delegation means: the directory and
        // the files that move processes.
        for p in [dir.clone(), dir.join("cgroup.procs"), dir.join("tasks")] {
            std::os::unix::fs::chown(&p, Some(r.user.uid), Some(r.user.gid)).unwrap();
        }
        let parent = format!("{}/{name}", own.trim_end_matches('/'));
        let out = r.run_in(
            &rootfs,
            &["--cgroup-parent", &parent, "--pids-limit", "10"],
            &["/bin/probe", "spawn-loop", "50"],
        );
        assert_eq!(out.code, 0, "{out:?}");
        let spawned: usize = out.value("spawned").parse().unwrap();
        assert!(spawned <= 9, "{out:?}");
        assert_eq!(out.value("error"), "EAGAIN");
        assert_eq!(out.stderr, "sct: container reached its pids limit (10): 1 fork failed\n");
        // sct removed its own cgroup below the delegated one.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_type().map(|t| t.is_dir()).unwrap_or(false))
            .map(|e| e.file_name())
            .collect();
        assert!(left.is_empty(), "{left:?}");
    }

    fn a_rootfs_the_caller_cannot_reach_is_named(r) {
        let rootfs = r.rootfs();
        std::fs::set_permissions(rootfs.outside(), std::fs::Permissions::from_mode(0o700)).unwrap();
        let out = r.run_in(&rootfs, &[], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            format!(
                "sct: rootfs {}: EACCES (Permission denied)\n\
                 sct: hint: sct reaches ROOTFS with your own rights: every directory on its path must be searchable by you\n",
                rootfs.path().display()
            )
        );
    }

    fn uidmap_is_for_root(r) {
        let rootfs = r.rootfs();
        let out = r.run_in(&rootfs, &["--uidmap", "0:100000:65536"], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: --uidmap: needs root\n\
             sct: hint: as an ordinary user sct maps you to root, and your /etc/subuid range to 1.. (README, Rootless)\n"
        );
    }
}

both_paths! {
    fn root_with_uidmap_is_an_unprivileged_uid_on_the_host(sct) {
        let rootfs = Rootfs::new();
        // A root-owned image: the mapped root may not create /dev, /sys or
        // a bind's target.
        for d in ["dev", "sys", "shared"] {
            std::fs::create_dir(rootfs.path().join(d)).unwrap();
        }
        std::fs::write(rootfs.path().join("etc/secret"), "root only\n").unwrap();
        std::fs::set_permissions(rootfs.path().join("etc/secret"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let map = ["--uidmap", "0:100000:65536"];
        let out = sct.run_in(&rootfs, &map, &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("uid"), "0");
        assert_ne!(out.value("ns.user"), common::host_ns("user"));
        assert_eq!(out.value("CapEff"), KEPT_HOST_NET);
        // Root's supplementary groups stay outside (here: adm, given it).
        let out = Output::from(
            Command::new("setpriv")
                .args(["--groups", "4", "--"])
                .arg(SCT)
                .args(args(&rootfs, &map, &["/bin/probe", "info"]))
                .output()
                .unwrap(),
        )
        .ok();
        assert_eq!(out.value("Groups"), "");
        let out = sct.run_in(&rootfs, &map, &["/bin/probe", "read", "/proc/self/uid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), ["0 100000 65536"]);
        // The gids follow the uids unless given.
        let out = sct.run_in(&rootfs, &map, &["/bin/probe", "read", "/proc/self/gid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), ["0 100000 65536"]);
        let out = sct
            .run_in(&rootfs, &["--uidmap", "0:100000:65536", "--gidmap", "0:200000:10", "--gidmap", "10:300000:5"], &["/bin/probe", "read", "/proc/self/gid_map"])
            .ok();
        assert_eq!(map_lines(&out.stdout), ["0 200000 10", "10 300000 5"]);
        // Host files owned by root stay protected.
        let out = sct.run_in(&rootfs, &map, &["/bin/probe", "read", "/etc/secret"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
        let out = sct.run_in(&rootfs, &map, &["/bin/probe", "write", "/etc/new"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
        // What root inside creates is the mapped uid's on the host.
        let shared = rootfs.outside().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let bind = format!("{}:/shared", shared.display());
        sct.run_in(&rootfs, &["--uidmap", "0:100000:65536", "-v", &bind], &["/bin/probe", "write", "/shared/f"]).ok();
        let meta = std::fs::metadata(shared.join("f")).unwrap();
        assert_eq!((meta.uid(), meta.gid()), (100000, 100000));
        // A --user outside the maps is refused before anything is made.
        let out = sct.run_in(&rootfs, &["--uidmap", "0:100000:100", "--user", "100"], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: --user 100:100: not mapped in the container's user namespace\n\
             sct: hint: --uidmap and --gidmap must map it\n"
        );
    }
}

#[test]
fn uidmap_values_are_checked() {
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let rootfs = Rootfs::new();
    let out = sct.run_in(&rootfs, &["--uidmap", "0:100000"], &["/bin/true"]);
    assert_eq!(out.code, 125);
    assert_eq!(
        out.stderr,
        "sct: --uidmap '0:100000': expected CONTAINER:HOST:SIZE\nTry 'sct --help'.\n"
    );
    let out = sct.run_in(&rootfs, &["--gidmap", "0:100000:1"], &["/bin/true"]);
    assert_eq!(
        out.stderr,
        "sct: --gidmap needs --uidmap\nTry 'sct --help'.\n"
    );
}

#[test]
fn sct_is_not_setuid() {
    let mode = std::fs::metadata(SCT).unwrap().permissions().mode();
    assert_eq!(mode & 0o6000, 0, "{mode:o}");
}

/// The map `--userns` should make from `file`: root's first range there
/// (at most 65536 ids), else 100000:65536; `None` where another user has
/// ids in that fallback, when sct must refuse.
fn expected_auto_map(file: &str) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let ranges: Vec<(&str, u64, u64)> = text
        .lines()
        .filter_map(|l| {
            let mut f = l.split(':');
            let (who, start, count) = (f.next()?, f.next()?, f.next()?);
            Some((who, start.parse().ok()?, count.parse().ok()?))
        })
        .filter(|&(_, _, count)| count > 0)
        .collect();
    if let Some(&(_, start, count)) = ranges.iter().find(|r| r.0 == "root" || r.0 == "0") {
        return Some((start, count.min(65536)));
    }
    let taken = ranges
        .iter()
        .any(|&(_, start, count)| start < 165536 && 100000 < start + count);
    (!taken).then_some((100000, 65536))
}

both_paths! {
    fn root_with_userns_is_an_unprivileged_uid_on_the_host(sct) {
        let rootfs = Rootfs::new();
        for d in ["dev", "sys", "shared"] {
            std::fs::create_dir(rootfs.path().join(d)).unwrap();
        }
        std::fs::write(rootfs.path().join("etc/secret"), "root only\n").unwrap();
        std::fs::set_permissions(rootfs.path().join("etc/secret"), std::fs::Permissions::from_mode(0o600)).unwrap();
        let (Some((uid, count)), Some((gid, gid_count))) =
            (expected_auto_map("/etc/subuid"), expected_auto_map("/etc/subgid"))
        else {
            let out = sct.run_in(&rootfs, &["--userns"], &["/bin/true"]);
            assert_eq!(out.code, 125, "{out:?}");
            assert!(out.stderr.contains("no range for root, and a user has 100000.."), "{out:?}");
            return;
        };
        let out = sct.run_in(&rootfs, &["--userns"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("uid"), "0");
        assert_eq!(out.value("gid"), "0");
        assert_ne!(out.value("ns.user"), common::host_ns("user"));
        let out = sct.run_in(&rootfs, &["--userns"], &["/bin/probe", "read", "/proc/self/uid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {uid} {count}")]);
        let out = sct.run_in(&rootfs, &["--userns"], &["/bin/probe", "read", "/proc/self/gid_map"]).ok();
        assert_eq!(map_lines(&out.stdout), [format!("0 {gid} {gid_count}")]);
        // Host files owned by root stay protected from the container's root.
        let out = sct.run_in(&rootfs, &["--userns"], &["/bin/probe", "read", "/etc/secret"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
        let out = sct.run_in(&rootfs, &["--userns"], &["/bin/probe", "write", "/etc/new"]);
        assert_eq!(out.stdout, "error=EACCES\n", "{out:?}");
        // What it creates is the range's first id's on the host.
        let shared = rootfs.outside().join("shared");
        std::fs::create_dir(&shared).unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
        let bind = format!("{}:/shared", shared.display());
        sct.run_in(&rootfs, &["--userns", "-v", &bind], &["/bin/probe", "write", "/shared/f"]).ok();
        let meta = std::fs::metadata(shared.join("f")).unwrap();
        assert_eq!((u64::from(meta.uid()), u64::from(meta.gid())), (uid, gid));
        // With --uidmap, the given maps (the gids following the uids).
        for file in ["uid_map", "gid_map"] {
            let out = sct
                .run_in(&rootfs, &["--userns", "--uidmap", "0:200000:1000"], &["/bin/probe", "read", &format!("/proc/self/{file}")])
                .ok();
            assert_eq!(map_lines(&out.stdout), ["0 200000 1000"]);
        }
        // Ids past 65535 are not mapped.
        let out = sct.run_in(&rootfs, &["--userns", "--user", "70000"], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: --user 70000:70000: not mapped in the container's user namespace\n\
             sct: hint: --userns maps 0..65535\n"
        );
    }
}
