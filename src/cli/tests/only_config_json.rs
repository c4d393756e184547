//! What only config.json sets, which a build without OCI mode reads as
//! constants (`cli::OCI_MODE`): no option may set it.

use super::*;

/// One accepted use of every option; the test below checks that none is
/// missing.
const EVERY_OPTION: &[&[&str]] = &[
    &["--hostname", "box"],
    &["--net", "none"],
    &["--memory", "64m"],
    &["--memory", "64m", "--memory-swap", "128m"],
    &["--pids-limit", "10"],
    &["--cpus", "0.5"],
    &["--cpuset-cpus", "0"],
    &["--cgroup-parent", "a/b"],
    &["--cap-add", "NET_ADMIN"],
    &["--cap-drop", "CHOWN"],
    &["--seccomp", "unconfined"],
    &["--seccomp-deny", "mount"],
    &["--print-seccomp", "/tmp/f"],
    &["--bind", "/a:/b:ro"],
    &["--bind", "/a:/b:dev"],
    &["--device", "/dev/null"],
    &["--no-cgroup"],
    &["--tmpfs", "/t:size=1m"],
    &["--env", "A=b"],
    &["--workdir", "/w"],
    &["--read-only"],
    &["--user", "1000:1000"],
    &["--userns"],
    &["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"],
    &["--tty"],
    &["--init"],
    &["--rlimit", "nofile=10:20"],
];

/// The first field of `c` that a build without OCI mode reads otherwise
/// than it is (`OCI_MODE`: there, these read as `Config::new` has them).
fn set_only_by_config_json(c: &Config) -> Option<&'static str> {
    let binds = c.binds.as_slice();
    let tmpfs = c.tmpfs.as_slice();
    let fields = [
        ("process.args", c.process_args.is_some()),
        ("process.env", c.process_env.is_some()),
        ("cgroupsPath", c.cgroup_name.is_some()),
        (
            "linux.resources.devices",
            !c.device_rules.as_slice().is_empty(),
        ),
        (
            "process.user.additionalGids",
            !c.additional_gids.as_slice().is_empty(),
        ),
        ("process.user.umask", c.umask.is_some()),
        ("process.oomScoreAdj", c.oom_score_adj.is_some()),
        ("domainname", c.domainname.is_some()),
        ("process.noNewPrivileges", !c.no_new_privileges),
        ("linux.sysctl", !c.sysctls.as_slice().is_empty()),
        (
            "linux.namespaces[].path",
            c.joins.net.is_some() || c.joins.ipc.is_some() || c.joins.uts.is_some(),
        ),
        ("linux.namespaces cgroup", c.cgroup_ns),
        ("linux.maskedPaths", c.masked_paths.is_some()),
        ("linux.readonlyPaths", c.readonly_paths.is_some()),
        (
            "linux.rootfsPropagation",
            c.rootfs_propagation != Propagation::Private,
        ),
        ("process.consoleSize", c.console_size.is_some()),
        ("cpu.shares", c.limits.cpu_shares.is_some()),
        ("cpu.mems", c.limits.cpuset_mems.is_some()),
        ("memory.reservation", c.limits.memory_reservation.is_some()),
        (
            "a bind's nosuid",
            binds.iter().any(|b| b.nosuid != b.read_only),
        ),
        ("a bind's noexec", binds.iter().any(|b| b.noexec)),
        ("a bind's recursion", binds.iter().any(|b| !b.recursive)),
        (
            "a bind's propagation",
            binds.iter().any(|b| b.propagation.is_some()),
        ),
        ("a tmpfs mode", tmpfs.iter().any(|t| t.mode.is_some())),
        ("a tmpfs noexec", tmpfs.iter().any(|t| t.noexec)),
    ];
    fields.iter().find(|(_, set)| *set).map(|(name, _)| *name)
}

#[test]
fn the_command_line_sets_nothing_only_config_json_does() {
    // A build without OCI mode reads these fields as constants (OCI_MODE):
    // an option that set one would be ignored there.
    for o in OPTIONS {
        let name = std::format!("--{}", std::str::from_utf8(o.long()).unwrap());
        let listed = EVERY_OPTION.iter().any(|e| e.contains(&name.as_str()));
        assert!(
            listed || name == "--help" || name == "--version",
            "{name}: add a use of it to EVERY_OPTION"
        );
    }
    for example in EVERY_OPTION {
        let mut list = vec!["sct"];
        list.extend_from_slice(example);
        list.extend_from_slice(&["/r", "/x"]);
        let cfg = match parsed(&list) {
            (Ok(Command::Run | Command::PrintSeccomp(_)), c) => c,
            _ => panic!("{example:?} is not accepted"),
        };
        assert_eq!(set_only_by_config_json(&cfg), None, "{example:?}");
    }
    assert_eq!(set_only_by_config_json(&Config::new()), None);
}
