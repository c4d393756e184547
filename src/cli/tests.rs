use super::limits::UNKNOWN_RLIMIT;
use super::security::syscall_number;
use super::*;
use crate::cgroup::values;
use std::ffi::CString;
use std::vec::Vec;

fn args(list: &[&str]) -> Vec<&'static CStr> {
    list.iter()
        .map(|s| &*Box::leak(CString::new(*s).unwrap().into_boxed_c_str()))
        .collect()
}

#[test]
fn syscall_names_match_the_syscalls_crate() {
    for s in syscalls::Sysno::iter() {
        assert_eq!(
            syscall_number(s.name().as_bytes()),
            Some(s.id() as u32),
            "{s}"
        );
    }
    let last = syscalls::Sysno::last();
    assert_eq!(
        syscall_number(last.name().as_bytes()),
        Some(last.id() as u32)
    );
    assert_eq!(syscall_number(b""), None);
    assert_eq!(syscall_number(b"frob"), None);
    assert_eq!(syscall_number(b"ptrac"), None);
}

/// `parse` of `list`, with the Config it filled.
fn parsed(list: &[&str]) -> (Result<Command>, Config) {
    let mut cfg = Config::new();
    let result = parse(&args(list)[..], &mut cfg);
    (result, cfg)
}

fn run(list: &[&str]) -> Config {
    match parsed(list) {
        (Ok(Command::Run), c) => c,
        (Ok(other), _) => panic!("expected a run, got {other:?}"),
        (Err(_), _) => panic!("expected a run, got an error"),
    }
}

fn error(list: &[&str]) -> std::string::String {
    let (Err(e), _) = parsed(list) else {
        panic!("expected an error")
    };
    let mut l = crate::out::Line::new();
    e.render(&mut l);
    std::string::String::from_utf8(l.as_bytes().to_vec()).unwrap()
}

#[test]
fn defaults() {
    let c = run(&["sct", "/r", "/bin/sh", "-c", "x"]);
    assert_eq!(c.rootfs.to_bytes(), b"/r");
    assert_eq!(c.command, 2);
    assert_eq!(c.hostname.to_bytes(), b"sct");
    assert_eq!(c.net, Net::Host);
}

#[test]
fn options_in_both_spellings() {
    let c = run(&["sct", "--hostname", "box", "--net=none", "/r", "ls"]);
    assert_eq!(c.hostname.to_bytes(), b"box");
    assert_eq!(c.net, Net::None);
    assert_eq!(c.command, 5);
}

#[test]
fn binds_are_repeatable() {
    let c = run(&["sct", "-v", "/a:/b", "--bind=/c:/d/e:ro", "/r", "ls"]);
    assert_eq!(c.binds.len(), 2);
    assert_eq!(
        (c.binds[0].src, c.binds[0].dst, c.binds[0].read_only),
        (&b"/a"[..], &b"/b"[..], false)
    );
    assert_eq!(
        (c.binds[1].src, c.binds[1].dst, c.binds[1].read_only),
        (&b"/c"[..], &b"/d/e"[..], true)
    );
    assert!(!c.binds[0].dev && !c.binds[1].dev);
    let c = run(&[
        "sct",
        "-v",
        "/a:/b:dev,ro",
        "-v",
        "/c:/d:ro,rw,dev,nodev",
        "/r",
        "x",
    ]);
    assert_eq!((c.binds[0].read_only, c.binds[0].dev), (true, true));
    assert_eq!((c.binds[1].read_only, c.binds[1].dev), (false, false));
}

#[test]
fn devices_in_dockers_syntax() {
    use crate::devices::{MKNOD, READ, RWM, WRITE};
    let c = run(&[
        "sct",
        "--device",
        "/dev/loop0",
        "--device=/dev/ttyUSB0:/dev/ttyS1:rw",
        "--device",
        "/dev/sda:m",
        "--device",
        "/dev/sdb:/dev/xvda",
        "/r",
        "x",
    ]);
    assert_eq!(c.devices.len(), 4);
    let d = |i: usize| {
        (
            c.devices[i].host,
            c.devices[i].container,
            c.devices[i].access,
        )
    };
    assert_eq!(d(0), (&b"/dev/loop0"[..], &b"/dev/loop0"[..], RWM));
    assert_eq!(
        d(1),
        (&b"/dev/ttyUSB0"[..], &b"/dev/ttyS1"[..], READ | WRITE)
    );
    assert_eq!(d(2), (&b"/dev/sda"[..], &b"/dev/sda"[..], MKNOD));
    assert_eq!(d(3), (&b"/dev/sdb"[..], &b"/dev/xvda"[..], RWM));
    let t = "\nTry 'sct --help'.\n";
    for (arg, why) in [
        ("/dev/sda:rwx", "PERMS are letters from r, w and m, e.g. rw"),
        (
            "/dev/sda:/dev/sda:",
            "PERMS are letters from r, w and m, e.g. rw",
        ),
        (
            "/dev/sda:/dev/sda:rr",
            "PERMS are letters from r, w and m, e.g. rw",
        ),
        (
            "dev/sda",
            "HOST must be an absolute path, e.g. /dev/ttyUSB0",
        ),
        (
            "/dev/sda:/mnt/sda",
            "CONTAINER must be a path below /dev, e.g. /dev/ttyUSB0",
        ),
        (
            "/dev/sda:/dev/",
            "CONTAINER must be a path below /dev, e.g. /dev/ttyUSB0",
        ),
        (
            "/dev/sda:/dev/../sda",
            "CONTAINER must be a path below /dev, e.g. /dev/ttyUSB0",
        ),
        (
            "/tmp/x",
            "CONTAINER must be a path below /dev, e.g. /dev/ttyUSB0",
        ),
    ] {
        assert_eq!(
            error(&["sct", "--device", arg, "/r", "x"]),
            format!("sct: --device '{arg}': {why}{t}")
        );
    }
}

#[test]
fn no_cgroup_refuses_limits() {
    assert!(!run(&["sct", "/r", "x"]).no_cgroup);
    assert!(run(&["sct", "--no-cgroup", "/r", "x"]).no_cgroup);
    assert_eq!(
        error(&["sct", "--no-cgroup", "--pids-limit", "5", "/r", "x"]),
        "sct: --no-cgroup cannot go with a limit: limits live in the cgroup\nTry 'sct --help'.\n"
    );
}

#[test]
fn tmpfs_mounts_are_repeatable() {
    let c = run(&[
        "sct",
        "--tmpfs",
        "/tmp",
        "--tmpfs=/run:size=64m",
        "/r",
        "ls",
    ]);
    assert_eq!(c.tmpfs.len(), 2);
    assert_eq!((c.tmpfs[0].dst, c.tmpfs[0].size), (&b"/tmp"[..], None));
    assert_eq!(
        (c.tmpfs[1].dst, c.tmpfs[1].size),
        (&b"/run"[..], Some(64 << 20))
    );
}

#[test]
fn bad_tmpfs_values_are_usage_errors() {
    let t = "\nTry 'sct --help'.\n";
    for (arg, why) in [
        ("tmp", "DST must be an absolute path"),
        ("", "DST must be an absolute path"),
        (":size=1m", "DST must be an absolute path"),
        ("//", "DST cannot be / itself"),
        ("/dev", "sct mounts /dev, /proc and /sys itself"),
        ("/proc/", "sct mounts /dev, /proc and /sys itself"),
        ("/sys:size=1m", "sct mounts /dev, /proc and /sys itself"),
        ("/t:size=0", "expected a size like 512k, 20m or 1g"),
        ("/t:size=", "expected a size like 512k, 20m or 1g"),
        ("/t:size=5x", "expected a size like 512k, 20m or 1g"),
        ("/t:mode=700", "expected DST or DST:size=SIZE"),
        ("/t:", "expected DST or DST:size=SIZE"),
    ] {
        assert_eq!(
            error(&["sct", "--tmpfs", arg, "/r", "x"]),
            format!("sct: --tmpfs '{arg}': {why}{t}")
        );
    }
}

#[test]
fn command_arguments_are_not_parsed() {
    let c = run(&["sct", "/r", "ls", "--hostname", "-h"]);
    assert_eq!(c.command, 2);
    assert_eq!(c.hostname.to_bytes(), b"sct");
}

#[test]
fn double_dash_ends_options() {
    let c = run(&["sct", "--", "-weird-rootfs", "ls"]);
    assert_eq!(c.rootfs.to_bytes(), b"-weird-rootfs");
}

#[test]
fn help_and_version() {
    assert!(matches!(parsed(&["sct", "-h"]).0, Ok(Command::Help)));
    assert!(matches!(
        parsed(&["sct", "--help", "/r", "x"]).0,
        Ok(Command::Help)
    ));
    assert!(matches!(parsed(&["sct", "-V"]).0, Ok(Command::Version)));
}

#[test]
fn misuse_is_one_line_plus_try_help() {
    assert_eq!(
        error(&["sct", "--frob", "/r", "x"]),
        "sct: unknown option '--frob'\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct"]),
        "sct: missing ROOTFS and CMD\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "/r"]),
        "sct: missing CMD after ROOTFS '/r'\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "--hostname"]),
        "sct: option '--hostname' needs a value\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "--net", "bridge", "/r", "x"]),
        "sct: --net 'bridge': expected host or none\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-v", "/a", "/r", "x"]),
        "sct: --bind '/a': expected SRC:DST[:OPTIONS], OPTIONS from ro, rw, dev, nodev\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-v", "/a:b", "/r", "x"]),
        "sct: --bind '/a:b': DST must be an absolute path\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-v", "/a:/b:rw,suid", "/r", "x"]),
        "sct: --bind '/a:/b:rw,suid': expected SRC:DST[:OPTIONS], OPTIONS from ro, rw, dev, nodev\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-e", "=x", "/r", "x"]),
        "sct: --env '=x': expected KEY=VALUE\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-e", "X", "/r", "x"]),
        "sct: --env 'X': expected KEY=VALUE\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-w", "tmp", "/r", "x"]),
        "sct: --workdir 'tmp': must be an absolute path\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-u", "root", "/r", "x"]),
        "sct: --user 'root': expected numeric UID[:GID]\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-u", "1:", "/r", "x"]),
        "sct: --user '1:': expected numeric UID[:GID]\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "-u", "4294967295", "/r", "x"]),
        "sct: --user '4294967295': expected numeric UID[:GID]\nTry 'sct --help'.\n"
    );
    assert_eq!(
        run(&["sct", "-u", "1000", "/r", "x"]).user,
        Some((1000, 1000))
    );
    assert_eq!(run(&["sct", "--user=7:8", "/r", "x"]).user, Some((7, 8)));
    assert_eq!(
        error(&["sct", "--help=x"]),
        "sct: option '--help' takes no value\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "/r", ""]),
        "sct: CMD is empty\nTry 'sct --help'.\n"
    );
    let long = "x".repeat(65);
    assert!(error(&["sct", "--hostname", &long, "/r", "x"])
        .ends_with("': must be 1 to 64 bytes\nTry 'sct --help'.\n"));
}

#[test]
fn limits() {
    let c = run(&[
        "sct",
        "--memory",
        "20M",
        "--memory-swap=-1",
        "--pids-limit",
        "10",
        "--cpus",
        "0.2",
        "--cpuset-cpus",
        "0",
        "--cgroup-parent",
        "/a/b",
        "/r",
        "x",
    ]);
    assert_eq!(c.limits.memory, Some(20 << 20));
    assert_eq!(c.limits.memory_swap, Some(values::Swap::Unlimited));
    assert_eq!(c.limits.pids, Some(10));
    assert_eq!(c.limits.cpu_quota_us, Some(20_000));
    assert_eq!(c.limits.cpuset_cpus, Some(&b"0"[..]));
    assert_eq!(c.cgroup_parent, Some(&b"a/b"[..]));
    assert!(!run(&["sct", "/r", "x"]).limits.any());
}

#[test]
fn bad_limits_are_one_line() {
    let t = "\nTry 'sct --help'.\n";
    assert_eq!(
        error(&["sct", "--memory", "0", "/r", "x"]),
        format!("sct: --memory '0': expected a size like 512k, 20m or 1g{t}")
    );
    assert_eq!(
        error(&["sct", "--memory", "-5m", "/r", "x"]),
        format!("sct: --memory '-5m': expected a size like 512k, 20m or 1g{t}")
    );
    assert_eq!(
        error(&["sct", "--memory-swap", "x", "/r", "x"]),
        format!("sct: --memory-swap 'x': expected a size like 512m, or -1{t}")
    );
    assert_eq!(
        error(&["sct", "--memory-swap", "1g", "/r", "x"]),
        format!("sct: --memory-swap needs --memory{t}")
    );
    assert_eq!(
        error(&["sct", "--memory", "1g", "--memory-swap", "1m", "/r", "x"]),
        format!("sct: --memory-swap must be at least --memory (it is memory plus swap){t}")
    );
    assert_eq!(
        error(&["sct", "--pids-limit", "0", "/r", "x"]),
        format!("sct: --pids-limit '0': expected a positive number{t}")
    );
    assert_eq!(
        error(&["sct", "--cpus", "0", "/r", "x"]),
        format!("sct: --cpus '0': expected a number of CPUs from 0.01, e.g. 1.5{t}")
    );
    assert_eq!(
        error(&["sct", "--cpuset-cpus", "3-1", "/r", "x"]),
        format!("sct: --cpuset-cpus '3-1': expected a CPU list like 0-2,4{t}")
    );
    assert_eq!(
        error(&["sct", "--cgroup-parent", "../x", "/r", "x"]),
        format!("sct: --cgroup-parent '../x': expected a cgroup path like /sct or a/b{t}")
    );
}

#[test]
fn capabilities_by_any_spelling() {
    // With the host's network, NET_RAW is left out unless asked for.
    let net_raw = 1u64 << linux_raw_sys::general::CAP_NET_RAW;
    let kept = spec::kept_mask() & !net_raw;
    assert_eq!(
        run(&["sct", "--net", "none", "/r", "x"]).capabilities,
        kept | net_raw
    );
    assert_eq!(
        run(&["sct", "--cap-add", "NET_RAW", "/r", "x"]).capabilities,
        kept | net_raw
    );
    let admin = 1u64 << linux_raw_sys::general::CAP_SYS_ADMIN;
    let chown = 1u64 << linux_raw_sys::general::CAP_CHOWN;
    assert_eq!(run(&["sct", "/r", "x"]).capabilities, kept);
    assert_eq!(kept.count_ones(), 13);
    for name in ["SYS_ADMIN", "sys_admin", "CAP_SYS_ADMIN", "cap_Sys_Admin"] {
        assert_eq!(
            run(&["sct", "--cap-add", name, "/r", "x"]).capabilities,
            kept | admin,
            "{name}"
        );
    }
    assert_eq!(
        run(&["sct", "--cap-drop=chown", "/r", "x"]).capabilities,
        kept & !chown
    );
    assert_eq!(
        run(&["sct", "--cap-drop", "ALL", "/r", "x"]).capabilities,
        0
    );
    assert_eq!(
        run(&["sct", "--cap-drop", "all", "--cap-add", "chown", "/r", "x"]).capabilities,
        chown
    );
    assert_eq!(
        run(&["sct", "--cap-add", "ALL", "/r", "x"]).capabilities,
        u64::MAX
    );
}

#[test]
fn seccomp_options() {
    assert_eq!(run(&["sct", "/r", "x"]).seccomp, Seccomp::Default);
    assert_eq!(
        run(&["sct", "--seccomp", "unconfined", "/r", "x"]).seccomp,
        Seccomp::Unconfined
    );
    assert_eq!(
        run(&["sct", "--seccomp", "/etc/p.json", "/r", "x"]).seccomp,
        Seccomp::Profile(c"/etc/p.json")
    );
    let c = run(&[
        "sct",
        "--seccomp-deny",
        "getppid,uname",
        "--seccomp-deny=chdir",
        "/r",
        "x",
    ]);
    use syscalls::Sysno;
    let want = [
        Sysno::getppid.id() as u32,
        Sysno::uname.id() as u32,
        Sysno::chdir.id() as u32,
    ];
    assert_eq!(c.seccomp_deny.as_slice(), &want);
    assert!(matches!(
        parsed(&["sct", "--print-seccomp", "/tmp/f"]).0,
        Ok(Command::PrintSeccomp(_))
    ));
}

#[test]
fn bad_capability_and_seccomp_values_are_usage_errors() {
    assert_eq!(
        error(&["sct", "--cap-add", "CAP_FLY", "/r", "x"]),
        "sct: unknown capability 'CAP_FLY': see capabilities(7), e.g. NET_ADMIN or ALL\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "--seccomp", "", "/r", "x"]),
        "sct: --seccomp '': expected default, unconfined or a profile's path\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "--seccomp", "p.json", "--seccomp-deny", "mount", "/r", "x"]),
        "sct: --seccomp-deny adds to the default filter; add the rule to the profile instead\nTry 'sct --help'.\n"
    );
    assert_eq!(
        error(&["sct", "--seccomp-deny", "getpid,nosuch", "/r", "x"]),
        "sct: --seccomp-deny: unknown syscall 'nosuch'\nTry 'sct --help'.\n"
    );
}

#[test]
fn rlimits() {
    use crate::names::{entries, number_of};
    use crate::spec::RLIMIT_NAMES as NAMES;
    let at = |name: &str| number_of(&NAMES, name.as_bytes()).unwrap() as usize;
    let c = run(&[
        "sct",
        "--rlimit",
        "nofile=1024:4096",
        "--rlimit=RLIMIT_CORE=0",
        "--rlimit",
        "rlimit_Stack=unlimited",
        "--rlimit",
        "cpu=5:unlimited",
        "--rlimit",
        "NPROC=7",
        "--rlimit",
        "nproc=9",
        "/r",
        "x",
    ]);
    assert_eq!(c.rlimits[at("nofile")], Some((1024, 4096)));
    assert_eq!(c.rlimits[at("core")], Some((0, 0)));
    assert_eq!(c.rlimits[at("stack")], Some((u64::MAX, u64::MAX)));
    assert_eq!(c.rlimits[at("cpu")], Some((5, u64::MAX)));
    assert_eq!(c.rlimits[at("nproc")], Some((9, 9)));
    assert_eq!(c.rlimits[at("as")], None);
    assert!(run(&["sct", "/r", "x"]).rlimits.iter().all(Option::is_none));
    for (_, name) in entries(&NAMES) {
        let name = std::str::from_utf8(name).unwrap();
        assert!(UNKNOWN_RLIMIT.contains(&format!(" {name}")), "{name}");
    }
    assert_eq!(
        UNKNOWN_RLIMIT.matches(", ").count() + 2,
        entries(&NAMES).count()
    );
}

#[test]
fn bad_rlimits_are_one_line() {
    let t = "\nTry 'sct --help'.\n";
    for (arg, why) in [
        ("nofile", "expected NAME=SOFT[:HARD], e.g. nofile=1024:4096"),
        (
            "nofil=1",
            "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock, stack, data, rss, locks, sigpending, msgqueue, nice, rtprio or rttime",
        ),
        (
            "RLIMIT_=1",
            "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock, stack, data, rss, locks, sigpending, msgqueue, nice, rtprio or rttime",
        ),
        (
            "=1",
            "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock, stack, data, rss, locks, sigpending, msgqueue, nice, rtprio or rttime",
        ),
        ("nofile=", "limits are decimal numbers or unlimited"),
        ("nofile=-1", "limits are decimal numbers or unlimited"),
        ("nofile=1k", "limits are decimal numbers or unlimited"),
        ("nofile=1:", "limits are decimal numbers or unlimited"),
        ("nofile=1:2:3", "limits are decimal numbers or unlimited"),
        (
            "nofile=18446744073709551616",
            "limits are decimal numbers or unlimited",
        ),
        ("nofile=10:5", "soft limit above hard limit"),
        ("core=unlimited:0", "soft limit above hard limit"),
    ] {
        assert_eq!(
            error(&["sct", "--rlimit", arg, "/r", "x"]),
            format!("sct: --rlimit '{arg}': {why}{t}")
        );
    }
}

#[test]
fn help_lists_every_option() {
    let mut h = Buf::new();
    help(&mut h);
    let text = std::str::from_utf8(h.as_bytes()).unwrap();
    for o in OPTIONS {
        let long = std::str::from_utf8(o.long()).unwrap();
        assert!(
            text.contains(&std::format!("--{long}")),
            "--{long} missing from help"
        );
    }
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Words an argv is made of: every option's spellings, values good and
    /// bad, and odd bytes.
    fn word() -> impl Strategy<Value = std::string::String> {
        let mut names: Vec<std::string::String> = OPTIONS
            .iter()
            .flat_map(|o| {
                let long = std::str::from_utf8(o.long()).unwrap();
                let mut v = vec![format!("--{long}"), format!("--{long}=")];
                if let Some(s) = o.short() {
                    v.push(format!("-{}", s as char));
                }
                v
            })
            .collect();
        names.extend(
            [
                "--",
                "-",
                "",
                "/r",
                "x",
                "0",
                "-1",
                "1.5",
                "64m",
                "ALL",
                "NET_RAW",
                "a:b",
                "/a:/b:ro",
                "/dev/null:rwx",
                "nofile=1:2",
                "unconfined",
                "none",
                "..",
                "=",
            ]
            .iter()
            .map(|s| s.to_string()),
        );
        prop_oneof![
            proptest::sample::select(names),
            "[ -~]{0,12}",
            proptest::collection::vec(any::<u8>().prop_filter("no NUL", |b| *b != 0), 0..8)
                .prop_map(|b| std::string::String::from_utf8_lossy(&b).into_owned()),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 2000,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// The parser never panics, and every error is exit 125 with one
        /// `sct:` line (a usage error adds "Try 'sct --help'.").
        #[test]
        fn any_argv_parses_or_fails_in_one_line(words in proptest::collection::vec(word(), 0..8)) {
            let mut list = vec!["sct".to_string()];
            list.extend(words.into_iter().map(|w| w.replace('\0', "")));
            let refs: Vec<&str> = list.iter().map(|s| s.as_str()).collect();
            if let Err(e) = parsed(&refs).0 {
                prop_assert_eq!(e.exit_code(), 125);
                let mut line = crate::out::Line::new();
                e.render(&mut line);
                let text = std::string::String::from_utf8_lossy(line.as_bytes()).into_owned();
                prop_assert_eq!(text.lines().filter(|l| l.starts_with("sct:")).count(), 1, "{}", text);
                prop_assert!(text.lines().all(|l| l.starts_with("sct:") || l == "Try 'sct --help'."), "{}", text);
            }
        }
    }
}

#[test]
fn id_maps_are_repeatable_and_gids_follow_uids() {
    let c = run(&["sct", "--uidmap", "0:100000:65536", "/r", "/x"]);
    assert_eq!(c.uid_map.file_text().as_bytes(), b"0 100000 65536\n");
    assert_eq!(c.gid_map, c.uid_map);
    let c = run(&[
        "sct",
        "--uidmap=0:1000:1",
        "--uidmap",
        "1:200000:10",
        "--gidmap",
        "0:300000:5",
        "/r",
        "/x",
    ]);
    assert_eq!(c.uid_map.file_text().as_bytes(), b"0 1000 1\n1 200000 10\n");
    assert_eq!(c.gid_map.file_text().as_bytes(), b"0 300000 5\n");
    assert!(run(&["sct", "/r", "/x"]).uid_map.is_empty());
    assert!(!run(&["sct", "/r", "/x"]).userns);
    assert!(run(&["sct", "--userns", "/r", "/x"]).userns);
    assert_eq!(
        error(&["sct", "--gidmap", "0:1:1", "/r", "/x"]),
        "sct: --gidmap needs --uidmap\nTry 'sct --help'.\n"
    );
    let mut six = vec!["sct"];
    for _ in 0..6 {
        six.extend(["--uidmap", "0:1:1"]);
    }
    six.extend(["/r", "/x"]);
    assert_eq!(
        error(&six),
        "sct: --uidmap '0:1:1': at most 5 ranges\nTry 'sct --help'.\n"
    );
}

#[test]
fn an_option_takes_a_value_exactly_when_its_usage_names_one() {
    for o in options::OPTIONS {
        let long = std::str::from_utf8(o.long()).unwrap();
        if !o.usage_and_help().0.ends_with(o.long()) {
            assert_eq!(
                error(&["sct", &std::format!("--{long}")]),
                std::format!("sct: option '--{long}' needs a value\nTry 'sct --help'.\n")
            );
        } else {
            assert_eq!(
                error(&["sct", &std::format!("--{long}=x")]),
                std::format!("sct: option '--{long}' takes no value\nTry 'sct --help'.\n")
            );
        }
    }
}

mod only_config_json;
