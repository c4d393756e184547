//! `--env` and `--workdir`.

mod common;

use common::*;

both_paths! {
    fn env_is_clean_plus_what_is_asked(sct) {
        let rootfs = Rootfs::new();
        let out = sct
            .command(&["-e", "FOO=bar baz", "--env=HOME=/root", "-e", "EMPTY=", rootfs.path().to_str().unwrap(), "/bin/probe", "env"])
            .env("SCT_HOST_SECRET", "leak")
            .output()
            .unwrap();
        let out = Output::from(out).ok();
        let mut env: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with("TERM=")).collect();
        env.sort();
        assert_eq!(env, ["EMPTY=", "FOO=bar baz", "HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=sct"]);
    }

    fn read_only_root_refuses_writes_but_dev_shm_does_not(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--read-only"], &["/bin/sh", "-c", "/bin/probe write /new; /bin/probe write /tmp/new; /bin/probe write /dev/shm/new; echo x >/dev/null && echo null-ok"]);
        assert_eq!(out.stdout, "error=EROFS\nerror=EROFS\nok\nnull-ok\n", "{out:?}");
        assert!(!rootfs.path().join("new").exists());
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "write", "/new"]).ok();
        assert_eq!(out.stdout, "ok\n");
    }

    fn user_changes_ids_and_clears_groups(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--user", "1000:1000"], &["/bin/sh", "-c", "id; /bin/probe info"]).ok();
        assert_eq!(out.stdout.lines().next(), Some("uid=1000 gid=1000"), "{out:?}");
        assert_eq!(out.value("Groups"), "");
        let out = sct.run_in(&rootfs, &["-u", "1234"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("uid"), out.value("gid")), ("1234".into(), "1234".into()));
    }

    fn workdir_is_inside_the_new_root(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["-w", "/tmp"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("cwd"), "/tmp");
        let out = sct.run_in(&rootfs, &["--workdir", "/nonexistent"], &["/bin/true"]);
        assert_eq!((out.code, out.stderr.as_str()), (125, "sct: chdir /nonexistent: ENOENT (No such file or directory)\n"));
    }
}

/// `/proc/<pid>/limits` as label → (soft, hard): fixed-width columns
/// (fs/proc/base.c, "%-25s %-20s %-20s").
fn limits(text: &str) -> std::collections::BTreeMap<String, (String, String)> {
    text.lines()
        .skip(1)
        .map(|l| {
            let col =
                |a: usize, b: usize| l.get(a..b.min(l.len())).unwrap_or("").trim().to_string();
            (col(0, 26), (col(26, 47), col(47, 68)))
        })
        .collect()
}

/// Each `--rlimit` name and the label /proc/self/limits gives it.
const RLIMIT_LABELS: &[(&str, &str)] = &[
    ("nofile", "Max open files"),
    ("nproc", "Max processes"),
    ("core", "Max core file size"),
    ("as", "Max address space"),
    ("cpu", "Max cpu time"),
    ("fsize", "Max file size"),
    ("memlock", "Max locked memory"),
    ("stack", "Max stack size"),
];

both_paths! {
    fn rlimits_are_visible_in_proc_self_limits(sct) {
        let rootfs = Rootfs::new();
        // Lowering is always allowed; these are below any sane hard limit.
        let asked = [
            ("nofile", "64", "128"),
            ("nproc", "500", "1000"),
            ("core", "0", "4096"),
            ("as", "1073741824", "2147483648"),
            ("cpu", "100", "200"),
            ("fsize", "1048576", "2097152"),
            ("memlock", "4096", "8192"),
            ("stack", "1048576", "4194304"),
        ];
        let opts: Vec<String> = asked.iter().map(|(n, s, h)| format!("--rlimit={n}={s}:{h}")).collect();
        let opts: Vec<&str> = opts.iter().map(String::as_str).collect();
        let out = sct.run_in(&rootfs, &opts, &["/bin/cat", "/proc/self/limits"]).ok();
        let seen = limits(&out.stdout);
        for ((name, label), (asked_name, soft, hard)) in RLIMIT_LABELS.iter().zip(asked) {
            assert_eq!(*name, asked_name);
            assert_eq!(seen[*label], (soft.to_string(), hard.to_string()), "{name}: {}", out.stdout);
        }
        // Without --rlimit, CMD has sct's own limits; HARD defaults to SOFT.
        let own = limits(&std::fs::read_to_string("/proc/self/limits").unwrap());
        let out = sct.run_in(&rootfs, &["--rlimit", "RLIMIT_NOFILE=50"], &["/bin/probe", "read", "/proc/self/limits"]).ok();
        let seen = limits(&out.stdout);
        for (name, label) in RLIMIT_LABELS {
            if *name != "nofile" {
                assert_eq!(seen[*label], own[*label], "{name}");
            }
        }
        assert_eq!(seen["Max open files"], ("50".to_string(), "50".to_string()));
    }
}

#[test]
fn rlimit_unlimited_is_rlim_infinity() {
    let rootfs = Rootfs::new();
    let own = limits(&std::fs::read_to_string("/proc/self/limits").unwrap());
    let Some((name, label)) = RLIMIT_LABELS.iter().find(|(_, l)| own[*l].1 == "unlimited") else {
        println!("SKIP: no limit of this test process has an unlimited hard limit");
        return;
    };
    let opt = format!("--rlimit={name}=unlimited");
    let out = Sct {
        spawn: Spawn::Clone3,
    }
    .run_in(&rootfs, &[&opt], &["/bin/cat", "/proc/self/limits"])
    .ok();
    let want = ("unlimited".to_string(), "unlimited".to_string());
    assert_eq!(limits(&out.stdout)[*label], want, "{name}");
}

#[test]
fn rlimit_above_sct_own_hard_limit_is_eperm() {
    let rootfs = Rootfs::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let hint = "sct: hint: a hard limit above sct's own (ulimit -H) needs CAP_SYS_RESOURCE; nofile also stops at /proc/sys/fs/nr_open\n";
    let eperm = format!("sct: setrlimit nofile: EPERM (Operation not permitted)\n{hint}");
    // Above fs.nr_open: EPERM even with CAP_SYS_RESOURCE (setrlimit(2)).
    let nr_open: u64 = std::fs::read_to_string("/proc/sys/fs/nr_open")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let opt = format!("--rlimit=nofile=10:{}", nr_open + 1);
    let out = sct.run_in(&rootfs, &[&opt], &["/bin/true"]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (125, "", eperm.as_str())
    );
    // Above sct's own hard limit: EPERM without CAP_SYS_RESOURCE.
    let own = limits(&std::fs::read_to_string("/proc/self/limits").unwrap());
    let hard: u64 = own["Max open files"].1.parse().unwrap();
    let opt = format!("--rlimit=nofile=10:{}", hard + 1);
    let out = sct.run_in(&rootfs, &[&opt], &["/bin/cat", "/proc/self/limits"]);
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let eff = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .unwrap()
        .trim();
    let sys_resource = 1u64 << 24;
    if u64::from_str_radix(eff, 16).unwrap() & sys_resource == 0 {
        assert_eq!((out.code, out.stderr.as_str()), (125, eperm.as_str()));
    } else {
        println!("SKIP: this test runs with CAP_SYS_RESOURCE, so sct may raise its hard limit");
        let out = out.ok();
        assert_eq!(
            limits(&out.stdout)["Max open files"].1,
            (hard + 1).to_string()
        );
    }
}

#[test]
fn nproc_counts_processes_of_cmd_user_and_spares_root() {
    let rootfs = Rootfs::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let uid = "54321";
    let running = std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|s| s.parse::<u32>().is_ok())
        })
        .filter_map(|e| std::fs::read_to_string(e.path().join("status")).ok())
        .filter(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some(uid))
        })
        .count();
    assert_eq!(
        running, 0,
        "uid {uid} must own no process on this host for this test"
    );
    // CMD itself is one of the 3: two children, then EAGAIN.
    let out = sct
        .run_in(
            &rootfs,
            &["--user", uid, "--rlimit", "nproc=3"],
            &["/bin/probe", "spawn-loop", "5"],
        )
        .ok();
    assert_eq!(out.stdout, "spawned=2\nerror=EAGAIN\n");
    // Root in the initial user namespace is exempt (kernel/fork.c).
    let out = sct
        .run_in(
            &rootfs,
            &["--rlimit", "nproc=3"],
            &["/bin/probe", "spawn-loop", "5"],
        )
        .ok();
    assert_eq!(out.stdout, "spawned=5\nerror=none\n");
}

#[test]
fn bad_rlimits_are_usage_errors() {
    let rootfs = Rootfs::new();
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let t = "\nTry 'sct --help'.\n";
    for (arg, why) in [
        (
            "nofiles=10",
            "unknown limit; expected nofile, nproc, core, as, cpu, fsize, memlock, stack, data, rss, locks, sigpending, msgqueue, nice, rtprio or rttime",
        ),
        ("nofile", "expected NAME=SOFT[:HARD], e.g. nofile=1024:4096"),
        ("nofile=lots", "limits are decimal numbers or unlimited"),
        ("nofile=-1", "limits are decimal numbers or unlimited"),
        ("nofile=20:10", "soft limit above hard limit"),
        ("cpu=unlimited:10", "soft limit above hard limit"),
    ] {
        let out = sct.run_in(&rootfs, &["--rlimit", arg], &["/bin/true"]);
        assert_eq!(
            (out.code, out.stderr),
            (125, format!("sct: --rlimit '{arg}': {why}{t}"))
        );
    }
}
