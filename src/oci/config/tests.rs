use std::string::String;
use std::vec::Vec;

use super::*;
use crate::cli::Propagation;
use crate::devices::{Kind, Rule};

/// The shape of ctr's default config.json (containerd 1.6, `ctr run
/// --rootfs ROOTFS ID sh`), as oci.md records it.
const CTR: &str = r#"{
  "ociVersion": "1.0.2-dev",
  "process": {
    "user": {"uid": 0, "gid": 0, "additionalGids": [0, 10]},
    "args": ["sh", "-c", "echo hi"],
    "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
    "cwd": "/",
    "capabilities": {
      "bounding": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"],
      "effective": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"],
      "permitted": ["CAP_CHOWN","CAP_DAC_OVERRIDE","CAP_FSETID","CAP_FOWNER","CAP_MKNOD","CAP_NET_RAW","CAP_SETGID","CAP_SETUID","CAP_SETFCAP","CAP_SETPCAP","CAP_NET_BIND_SERVICE","CAP_SYS_CHROOT","CAP_KILL","CAP_AUDIT_WRITE"]
    },
    "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
    "noNewPrivileges": true
  },
  "root": {"path": "rootfs"},
  "mounts": [
    {"destination": "/proc", "type": "proc", "source": "proc", "options": ["nosuid","noexec","nodev"]},
    {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]},
    {"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": ["nosuid","noexec","newinstance","ptmxmode=0666","mode=0620","gid=5"]},
    {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid","noexec","nodev","mode=1777","size=65536k"]},
    {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid","noexec","nodev"]},
    {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid","noexec","nodev","ro"]},
    {"destination": "/run", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid","strictatime","mode=755","size=65536k"]}
  ],
  "linux": {
    "resources": {
      "devices": [
        {"allow": false, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 8, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 7, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 0, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 5, "access": "rwm"},
        {"allow": true, "type": "c", "major": 1, "minor": 9, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 1, "access": "rwm"},
        {"allow": true, "type": "c", "major": 136, "access": "rwm"},
        {"allow": true, "type": "c", "major": 5, "minor": 2, "access": "rwm"}
      ],
      "cpu": {"shares": 1024}
    },
    "cgroupsPath": "/default/ctr1",
    "namespaces": [{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "network"}],
    "maskedPaths": ["/proc/acpi","/proc/asound","/proc/kcore","/proc/keys","/proc/latency_stats","/proc/timer_list","/proc/timer_stats","/proc/sched_debug","/sys/firmware","/proc/scsi"],
    "readonlyPaths": ["/proc/bus","/proc/fs","/proc/irq","/proc/sys","/proc/sysrq-trigger"]
  },
  "annotations": {"io.containerd.image.name": "x"},
  "unknownTopLevel": {"ignored": [1, 2]}
}"#;

fn leak(s: String) -> &'static [u8] {
    Box::leak(s.into_bytes().into_boxed_slice())
}

fn arena() -> Arena {
    Arena::map(1 << 20).unwrap()
}

fn conv(text: &str) -> Result<Bundle> {
    convert(leak(text.into()), b"/b", &mut arena())
}

fn ok(text: &str) -> Config {
    match conv(text) {
        Ok(b) => b.cfg,
        Err(e) => panic!("refused: {}", rendered(&e)),
    }
}

fn rendered(e: &Error) -> String {
    let mut l = crate::out::Line::new();
    e.render(&mut l);
    String::from_utf8(l.as_bytes().to_vec()).unwrap()
}

fn refused(text: &str) -> String {
    match conv(text) {
        Ok(_) => panic!("accepted: {text}"),
        Err(e) => rendered(&e).trim_end().to_string(),
    }
}

fn list(v: Option<crate::sys::args::Argv<'static>>) -> Vec<&'static [u8]> {
    let v = v.expect("a list");
    (0..)
        .map_while(|i| v.get(i))
        .map(|s| s.to_bytes())
        .collect()
}

/// CTR with `from` replaced by `to` (which must occur).
fn edit(from: &str, to: &str) -> String {
    assert!(CTR.contains(from), "{from}");
    CTR.replacen(from, to, 1)
}

/// CTR with `"linux": {` extended by `member`.
fn with_linux(member: &str) -> String {
    edit("\"linux\": {", &format!("\"linux\": {{ {member},"))
}

fn with_process(member: &str) -> String {
    edit("\"process\": {", &format!("\"process\": {{ {member},"))
}

#[test]
fn ctr_default_config() {
    let b = conv(CTR).unwrap_or_else(|e| panic!("{}", rendered(&e)));
    let c = b.cfg;
    assert_eq!(c.rootfs.to_bytes(), b"/b/rootfs");
    assert!(!c.read_only);
    assert_eq!(list(c.process_args), [&b"sh"[..], b"-c", b"echo hi"]);
    assert_eq!(list(c.process_env).len(), 2);
    assert_eq!(c.workdir.to_bytes(), b"/");
    assert_eq!(c.user, Some((0, 0)));
    assert_eq!(c.additional_gids.as_slice(), [0, 10]);
    assert_eq!(c.capabilities, crate::spec::kept_mask());
    let nofile = crate::names::number_of(&crate::spec::RLIMIT_NAMES, b"nofile").unwrap();
    assert_eq!(c.rlimits[nofile as usize], Some((1024, 1024)));
    assert!(c.no_new_privileges);
    assert_eq!(c.seccomp, Seccomp::Unconfined);
    assert_eq!(c.hostname.to_bytes(), b"");
    assert_eq!(c.net, Net::None);
    assert_eq!(c.binds.len(), 0);
    assert_eq!(c.tmpfs.len(), 1);
    assert_eq!(c.tmpfs[0].dst, b"/run");
    assert_eq!(c.tmpfs[0].mode, Some(0o755));
    assert_eq!(c.tmpfs[0].size, Some(65536 * 1024));
    // The deny-all entry is sct's starting point; the allows follow.
    assert_eq!(c.device_rules.len(), 9);
    assert_eq!(
        c.device_rules[7],
        Rule {
            allow: true,
            kind: Kind::Char,
            major: Some(136),
            minor: None,
            access: crate::devices::RWM
        }
    );
    assert_eq!(c.limits.cpu_shares, Some(1024));
    assert_eq!(c.cgroup_parent, Some(&b"default"[..]));
    assert_eq!(c.cgroup_name, Some(&b"ctr1"[..]));
    assert_eq!(list(c.masked_paths)[0], b"proc/acpi");
    assert_eq!(list(c.readonly_paths)[3], b"proc/sys");
    assert!(!c.cgroup_ns);
    assert_eq!(b.annotations, br#"{"io.containerd.image.name": "x"}"#);
}

#[test]
fn absent_annotations_are_an_empty_object() {
    let text = edit(r#""annotations": {"io.containerd.image.name": "x"},"#, "");
    let b = conv(&text).unwrap_or_else(|e| panic!("{}", rendered(&e)));
    assert_eq!(b.annotations, b"{}");
}

#[test]
fn every_other_field() {
    let text = edit(
        r#""noNewPrivileges": true"#,
        r#""noNewPrivileges": false, "oomScoreAdj": -500, "terminal": false,
           "user": {"uid": 1000, "gid": 100, "umask": 18}, "cwd": "/w\u00e9" "#,
    )
    .replace(r#""cwd": "/","#, "")
    .replace(
        r#""root": {"path": "rootfs"}"#,
        r#""root": {"path": "/abs/root", "readonly": true}, "hostname": "h\n", "domainname": "d""#,
    );
    let text = text.replace(
        r#""cgroupsPath": "/default/ctr1","#,
        r#""cgroupsPath": "solo",
           "sysctl": {"net.ipv4.ip_forward": "1", "kernel.shmmax": "65536", "net/ipv4/conf/eth0.100/forwarding": "0"},
           "rootfsPropagation": "rslave",
           "resources": {"memory": {"limit": 1048576, "swap": 2097152, "reservation": 524288}, "cpu": {"quota": 50000, "period": 200000, "cpus": "0-1", "mems": "0"}, "pids": {"limit": 64}},"#,
    );
    let text = text.replace(
        r#""resources": {
      "devices""#,
        r#""other": {
      "devices""#,
    );
    let text = text.replace(
        r#"{"type": "network"}"#,
        r#"{"type": "network", "path": "/proc/1/ns/net"}, {"type": "cgroup"}"#,
    );
    let text = text.replace(
        r#"{"type": "ipc"}"#,
        r#"{"type": "ipc", "path": "/proc/1/ns/ipc"}"#,
    );
    let text = text.replace(
        r#"{"destination": "/run""#,
        r#"{"destination": "/etc/hosts", "type": "bind", "source": "/var/h", "options": ["rbind", "rprivate", "ro", "nosuid", "nodev", "noexec"]},
           {"destination": "/data", "type": "none", "source": "rel/dir", "options": ["bind", "rslave"]},
           {"destination": "/run""#,
    );
    let c = ok(&text);
    assert!(!c.no_new_privileges);
    assert_eq!(c.oom_score_adj, Some(-500));
    assert_eq!(c.user, Some((1000, 100)));
    assert_eq!(c.umask, Some(0o22));
    assert_eq!(c.workdir.to_bytes(), "/wé".as_bytes());
    assert_eq!(c.rootfs.to_bytes(), b"/abs/root");
    assert!(c.read_only);
    assert_eq!(c.hostname.to_bytes(), b"h\n");
    assert_eq!(c.domainname.unwrap().to_bytes(), b"d");
    assert_eq!(c.cgroup_parent, Some(&b""[..]));
    assert_eq!(c.cgroup_name, Some(&b"solo"[..]));
    let sysctls: Vec<_> = c
        .sysctls
        .as_slice()
        .iter()
        .map(|(k, v)| (k.to_bytes(), *v))
        .collect();
    assert_eq!(
        sysctls,
        [
            (&b"proc/sys/net/ipv4/ip_forward"[..], &b"1"[..]),
            (b"proc/sys/kernel/shmmax", b"65536"),
            (b"proc/sys/net/ipv4/conf/eth0.100/forwarding", b"0"),
        ]
    );
    assert_eq!(c.rootfs_propagation, Propagation::Slave);
    assert_eq!(c.limits.memory, Some(1 << 20));
    assert_eq!(
        c.limits.memory_swap,
        Some(crate::cgroup::values::Swap::Total(2 << 20))
    );
    assert_eq!(c.limits.cpu_quota_us, Some(25_000));
    assert_eq!(c.limits.cpuset_cpus, Some(&b"0-1"[..]));
    assert_eq!(c.limits.cpuset_mems, Some(&b"0"[..]));
    assert_eq!(c.limits.memory_reservation, Some(512 << 10));
    assert_eq!(c.limits.pids, Some(64));
    assert_eq!(c.net, Net::Host);
    assert_eq!(c.joins.net.unwrap().to_bytes(), b"/proc/1/ns/net");
    assert_eq!(c.joins.ipc.unwrap().to_bytes(), b"/proc/1/ns/ipc");
    assert!(c.joins.uts.is_none());
    assert!(c.cgroup_ns);
    assert_eq!(c.binds.len(), 2);
    let h = c.binds[0];
    assert_eq!((h.src, h.dst), (&b"/var/h"[..], &b"/etc/hosts"[..]));
    assert!(h.recursive && h.read_only && h.nosuid && !h.dev && h.noexec);
    assert_eq!(h.propagation, Some(Propagation::Private));
    let d = c.binds[1];
    assert_eq!(d.src, b"/b/rel/dir");
    assert!(!d.recursive && !d.read_only && d.dev && !d.nosuid);
    assert_eq!(d.propagation, Some(Propagation::Slave));
    assert_eq!(c.device_rules.len(), 0);
}

#[test]
fn env_absent_is_empty_and_hooks_empty_are_fine() {
    let c = ok(&edit(
        r#""env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],"#,
        r#""hooks_not_here": 1,"#,
    )
    .replace("\"linux\": {", r#""hooks": {"prestart": []}, "linux": {"#));
    assert!(list(c.process_env).is_empty());
    assert_eq!(c.hooks.hooks, b"");
}

#[test]
fn hooks_are_kept_as_their_text() {
    let hooks = r#"{"createRuntime": [{"path": "/bin/a", "args": ["a", "\u00e9"], "env": ["X=1"], "timeout": 5}], "poststop": [{"path": "/b"}]}"#;
    let c = ok(&edit(
        r#""annotations": {"#,
        &format!(r#""hooks": {hooks}, "annotations": {{"#),
    ));
    assert_eq!(c.hooks.hooks, hooks.as_bytes());
}

#[test]
fn device_rules_in_order_and_deny_all_resets() {
    let c = ok(&edit(
        r#"{"allow": true, "type": "c", "major": 5, "minor": 2, "access": "rwm"}"#,
        r#"{"allow": true, "type": "c", "major": 5, "minor": 2, "access": "rwm"},
           {"allow": false, "type": "a", "major": -1, "minor": -1, "access": ""},
           {"allow": true, "type": "b", "major": 8, "minor": 0, "access": "rw"},
           {"allow": false, "type": "c", "major": 1, "minor": 9, "access": "w"}"#,
    ));
    let r = c.device_rules.as_slice();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].allow, r[0].kind, r[0].major, r[0].minor),
        (true, Kind::Block, Some(8), Some(0))
    );
    assert_eq!(r[0].access, crate::devices::READ | crate::devices::WRITE);
    assert_eq!((r[1].allow, r[1].access), (false, crate::devices::WRITE));
}

#[test]
fn errors_name_the_json_path() {
    let cases: &[(String, &str)] = &[
        (String::from("[]"), "sct: config.json: expected an object at the top"),
        (String::from("{"), "sct: config.json: byte 1: expected a member name in quotes"),
        (edit("1.0.2-dev", "2.0"), "sct: config.json: ociVersion: sct reads runtime spec 1.x"),
        (edit(r#""ociVersion": "1.0.2-dev","#, ""), "sct: config.json: ociVersion: required"),
        (edit(r#""path": "rootfs""#, r#""path": 5"#), "sct: config.json: root.path: expected a string"),
        (edit(r#""path": "rootfs""#, r#""path": """#), "sct: config.json: root.path: expected a path"),
        (edit(r#""args": ["sh", "-c", "echo hi"]"#, r#""args": []"#), "sct: config.json: process.args: expected the command and its arguments"),
        (edit(r#""args": ["sh", "-c", "echo hi"]"#, r#""args": ["sh", 1]"#), "sct: config.json: process.args[1]: expected a string"),
        (edit(r#""args": ["sh", "-c", "echo hi"]"#, r#""args": ["s\u0000h"]"#), "sct: config.json: process.args[0]: contains a NUL byte"),
        (edit(r#""TERM=xterm""#, "false"), "sct: config.json: process.env[1]: expected a string"),
        (edit(r#""cwd": "/""#, r#""cwd": "w""#), "sct: config.json: process.cwd: expected an absolute path"),
        (edit(r#""cwd": "/","#, ""), "sct: config.json: process.cwd: required"),
        (edit(r#""uid": 0"#, r#""uid": -1"#), "sct: config.json: process.user.uid: expected a whole number from 0"),
        (edit(r#""gid": 0,"#, r#""gid": 4294967295,"#), "sct: config.json: process.user.gid: expected an id below 4294967295"),
        (edit(r#""additionalGids": [0, 10]"#, r#""additionalGids": [0, "x"]"#), "sct: config.json: process.user.additionalGids[1]: expected a number"),
        (edit(r#""uid": 0,"#, r#""uid": 0, "umask": 512,"#), "sct: config.json: process.user.umask: expected a mode up to 0777 (511)"),
        (edit(r#""bounding": ["CAP_CHOWN","#, r#""bounding": ["CAP_FROB","#), "sct: config.json: process.capabilities.bounding[0]: unknown capability: see capabilities(7), e.g. CAP_CHOWN"),
        (edit(r#""bounding": ["CAP_CHOWN","#, r#""bounding": ["CHOWN","#), "sct: config.json: process.capabilities.bounding[0]: unknown capability: see capabilities(7), e.g. CAP_CHOWN"),
        (edit(r#""bounding": ["CAP_CHOWN","#, r#""bounding": ["CAP_chown","#), "sct: config.json: process.capabilities.bounding[0]: unknown capability: see capabilities(7), e.g. CAP_CHOWN"),
        (edit(r#""bounding": ["CAP_CHOWN","#, r#""bounding": ["cap_CHOWN","#), "sct: config.json: process.capabilities.bounding[0]: unknown capability: see capabilities(7), e.g. CAP_CHOWN"),
        (edit(r#""bounding": ["CAP_CHOWN","#, r#""bounding": ["CAP_CAP_CHOWN","#), "sct: config.json: process.capabilities.bounding[0]: unknown capability: see capabilities(7), e.g. CAP_CHOWN"),
        (edit(r#""effective": ["CAP_CHOWN","#, r#""effective": ["CAP_SYS_ADMIN","#), "sct: config.json: process.capabilities.effective: sct gives root CMD the bounding set: list no capability outside it"),
        (with_process(r#""capabilities": {"ambient": ["CAP_KILL"]}"#).replace(r#""capabilities": {
      "bounding""#, r#""caps_unused": {
      "bounding""#), "sct: config.json: process.capabilities.ambient: not supported: sct gives ambient capabilities to no user but root, and only within the bounding set"),
        (edit("RLIMIT_NOFILE", "RLIMIT_FROB"), "sct: config.json: process.rlimits[0].type: unknown limit: see getrlimit(2), e.g. RLIMIT_NOFILE"),
        (edit("RLIMIT_NOFILE", "RLIMIT_nofile"), "sct: config.json: process.rlimits[0].type: unknown limit: see getrlimit(2), e.g. RLIMIT_NOFILE"),
        (edit(r#""soft": 1024"#, r#""soft": 2048"#), "sct: config.json: process.rlimits[0].soft: above the hard limit"),
        (edit(r#""hard": 1024, "#, ""), "sct: config.json: process.rlimits[0].hard: required"),
        (edit("\"noNewPrivileges\": true", "\"noNewPrivileges\": 1"), "sct: config.json: process.noNewPrivileges: expected true or false"),
        (with_process(r#""terminal": 1"#), "sct: config.json: process.terminal: expected true or false"),
        (with_process(r#""consoleSize": {"height": 24}"#), "sct: config.json: process.consoleSize.width: required"),
        (with_process(r#""oomScoreAdj": 1001"#), "sct: config.json: process.oomScoreAdj: expected -1000 to 1000"),
        (with_process(r#""apparmorProfile": "docker-default""#), "sct: config.json: process.apparmorProfile: not supported: sct applies no LSM label"),
        (edit(r#""root": {"path": "rootfs"},"#, r#""root": {"path": "rootfs"}, "hostname": "0123456789012345678901234567890123456789012345678901234567890123456789","#), "sct: config.json: hostname: at most 64 bytes (HOST_NAME_MAX)"),
        (edit(r#""destination": "/run""#, r#""destination": "run""#), "sct: config.json: mounts[6].destination: expected an absolute path shorter than 1024 bytes"),
        (edit(r#""destination": "/run", "type": "tmpfs""#, r#""destination": "/run", "type": "nfs""#), "sct: config.json: mounts[6].type: not supported: sct mounts binds, tmpfs and proc, sysfs, devpts, mqueue, cgroup at their usual places"),
        (edit(r#""destination": "/sys", "type": "sysfs""#, r#""destination": "/sys2", "type": "sysfs""#), "sct: config.json: mounts[5].type: not supported: sct mounts binds, tmpfs and proc, sysfs, devpts, mqueue, cgroup at their usual places"),
        (edit(r#""mode=755","size=65536k"]}
  ],"#, r#""mode=755","size=lots"]}
  ],"#), "sct: config.json: mounts[6].options[3]: expected size=BYTES, or with k, m or g"),
        (edit(r#""strictatime","mode=755","size=65536k"]}
  ],"#, r#""uid=0"]}
  ],"#), "sct: config.json: mounts[6].options[1]: not supported on a tmpfs: sct takes size=, mode=, noexec, exec, nosuid, nodev, rw"),
        (edit(r#"{"destination": "/run""#, r#"{"destination": "/x", "type": "bind", "source": "/y", "options": ["rshared"]}, {"destination": "/run""#), "sct: config.json: mounts[6].options[0]: not supported on a bind: sct takes bind, rbind, ro, rw, [no]suid, [no]dev, [no]exec, [r]private, [r]slave"),
        (edit(r#"{"destination": "/run""#, r#"{"destination": "/x", "type": "bind"}, {"destination": "/run""#), "sct: config.json: mounts[6].source: required"),
        (edit(r#"{"destination": "/run""#, r#"{"destination": "/", "type": "tmpfs"}, {"destination": "/run""#), "sct: config.json: mounts[6].destination: sct mounts /, /dev, /proc and /sys itself"),
        (edit(r#""mounts": ["#, r#""mounts": 3, "x": ["#), "sct: config.json: mounts: expected an array"),
        (edit(r#"{"type": "pid"}, "#, ""), "sct: config.json: linux.namespaces: no pid namespace listed: sct always makes one"),
        (edit(r#"{"type": "mount"}, "#, ""), "sct: config.json: linux.namespaces: no mount namespace listed: sct always makes one"),
        (edit(r#"{"type": "pid"}"#, r#"{"type": "pid", "path": "/proc/1/ns/pid"}"#), "sct: config.json: linux.namespaces[0].path: not supported: sct joins only network, ipc and uts namespaces"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "user"}"#), "sct: config.json: linux.uidMappings: required with a user namespace (linux.namespaces)"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "user", "path": "/proc/1/ns/user"}"#), "sct: config.json: linux.namespaces[4].path: not supported: sct makes the user namespace itself"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "frob"}"#), "sct: config.json: linux.namespaces[4].type: unknown namespace type"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "network", "path": "ns"}"#), "sct: config.json: linux.namespaces[4].path: expected an absolute path"),
        (with_linux(r#""uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]"#), "sct: config.json: linux.uidMappings: needs a user namespace in linux.namespaces"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "user"}], "uidMappings": [{"hostID": 1000, "size": 1}], "x": [3"#), "sct: config.json: linux.uidMappings[0].containerID: required"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "user"}], "uidMappings": [{"containerID": 0, "hostID": "a", "size": 1}], "x": [3"#), "sct: config.json: linux.uidMappings[0].hostID: expected a number"),
        (with_linux(r#""seccomp": ["SCMP_ACT_ALLOW"]"#), "sct: config.json: linux.seccomp: expected an object"),
        (with_linux(r#""devices": [{"path": "/dev/fuse", "type": "c", "major": 10, "minor": 229}]"#), "sct: config.json: linux.devices: not supported yet: sct makes only its standard nodes"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""memory": {"limit": "1g"}"#), "sct: config.json: linux.resources.memory.limit: expected a number"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""memory": {"limit": -5}"#), "sct: config.json: linux.resources.memory.limit: expected bytes, or -1 for no limit"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""memory": {"swap": 5}"#), "sct: config.json: linux.resources.memory.swap: needs memory.limit"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""memory": {"limit": 10, "swap": 5}"#), "sct: config.json: linux.resources.memory.swap: below memory.limit: it is memory plus swap"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""cpu": {"shares": 1}"#), "sct: config.json: linux.resources.cpu.shares: expected 2 to 262144 (1024 is the kernel's default)"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""cpu": {"quota": 500}"#), "sct: config.json: linux.resources.cpu.quota: below 1% of a CPU (1 ms per 100 ms), the kernel's least"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""cpu": {"cpus": "a"}"#), "sct: config.json: linux.resources.cpu.cpus: expected a CPU list like 0-2,4"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""cpu": {"mems": "1-0"}"#), "sct: config.json: linux.resources.cpu.mems: expected a node list like 0-1"),
        (edit(r#""cpu": {"shares": 1024}"#, r#""pids": {"limit": 1.5}"#), "sct: config.json: linux.resources.pids.limit: expected a whole number in range"),
        (edit(r#""type": "c", "major": 136,"#, r#""type": "x", "major": 136,"#), "sct: config.json: linux.resources.devices[8].type: expected a, c or b"),
        (edit(r#""major": 136, "access": "rwm""#, r#""major": 136, "access": "rwx""#), "sct: config.json: linux.resources.devices[8].access: expected letters from r, w and m"),
        (edit(r#""major": 136, "#, r#""major": -2, "#), "sct: config.json: linux.resources.devices[8].major: expected a device number, or -1 for any"),
        (edit(r#"{"allow": false, "access": "rwm"}"#, r#"{"access": "rwm"}"#), "sct: config.json: linux.resources.devices[0].allow: required"),
        (edit("/default/ctr1", "system.slice:docker:x"), "sct: config.json: linux.cgroupsPath: not supported: systemd style; sct takes cgroupfs paths like /default/ID"),
        (edit("/default/ctr1", "/default/../x"), "sct: config.json: linux.cgroupsPath: expected a cgroup path like /default/ID"),
        (with_linux(r#""sysctl": {"kernel.hostname": "x"}"#), "sct: config.json: linux.sysctl: only namespaced keys: net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*"),
        (with_linux(r#""sysctl": {"net.ipv4..x": "1"}"#), "sct: config.json: linux.sysctl: only namespaced keys: net.*, kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*"),
        (with_linux(r#""sysctl": {"fs.mqueue.msg_max": 3}"#), "sct: config.json: linux.sysctl: expected a string"),
        (edit(r#"{"type": "network"}"#, r#"{"type": "cgroup"}"#).replace("\"linux\": {", r#""linux": {"sysctl": {"net.core.somaxconn": "1"},"#), "sct: config.json: linux.sysctl: net.* needs a network namespace of the container's own"),
        (edit(r#""/proc/acpi","#, r#""proc/acpi","#), "sct: config.json: linux.maskedPaths[0]: expected an absolute path below /"),
        (edit(r#""/proc/bus","#, r#""/","#), "sct: config.json: linux.readonlyPaths[0]: expected an absolute path below /"),
        (with_linux(r#""rootfsPropagation": "shared""#), "sct: config.json: linux.rootfsPropagation: not supported: sct takes private, rprivate, slave or rslave"),
        (with_linux(r#""mountLabel": "x""#), "sct: config.json: linux.mountLabel: not supported: sct applies no LSM label"),
        (edit(r#""annotations": {"#, r#""hooks": {"poststart": [{"path": "bin/true"}]}, "annotations": {"#), "sct: config.json: hooks.poststart[0].path: expected an absolute path"),
        (edit(r#""annotations": {"#, r#""hooks": {"poststart": [{"args": []}]}, "annotations": {"#), "sct: config.json: hooks.poststart[0].path: required"),
        (edit(r#""annotations": {"#, r#""hooks": {"poststart": [{"path": "/x", "timeout": 0}]}, "annotations": {"#), "sct: config.json: hooks.poststart[0].timeout: expected a positive integer"),
        (edit(r#""annotations": {"#, r#""hooks": {"poststart": [{"path": "/x", "timeout": "5"}]}, "annotations": {"#), "sct: config.json: hooks.poststart[0].timeout: expected a positive integer"),
        (edit(r#""annotations": {"#, r#""hooks": {"createRuntime": [{"path": "/x", "args": [1]}]}, "annotations": {"#), "sct: config.json: hooks.createRuntime[0].args[0]: expected a string"),
        (edit(r#""annotations": {"#, r#""hooks": {"prestart": [{"path": "/x", "env": ["A=\u0000"]}]}, "annotations": {"#), "sct: config.json: hooks.prestart[0].env[0]: contains a NUL byte"),
        (edit(r#""annotations": {"#, r#""hooks": {"poststop": {"path": "/x"}}, "annotations": {"#), "sct: config.json: hooks.poststop: expected an array"),
        (edit(r#""annotations": {"#, r#""hooks": [], "annotations": {"#), "sct: config.json: hooks: expected an object"),
        (edit(r#""annotations": {"#, r#""hooks": {"startContainer": [{"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}, {"path": "/x"}]}, "annotations": {"#), "sct: config.json: hooks.startContainer[16]: at most 16 hooks of a kind"),
        (edit(r#""annotations": {"#, r#""hooks": {"createContainer": [{"path": "/x", "args": ["a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a", "a"]}]}, "annotations": {"#), "sct: config.json: hooks.createContainer[0].args[31]: at most 31 entries"),
        (edit(r#""annotations": {"io.containerd.image.name": "x"}"#, r#""annotations": []"#), "sct: config.json: annotations: expected an object"),
        (edit(r#""linux": {"#, r#""linux_": {"#), "sct: config.json: linux: required"),
    ];
    for (text, expected) in cases {
        assert_eq!(refused(text), *expected, "{text}");
    }
}

#[test]
fn swap_minus_one_is_unlimited_and_zero_is_unset() {
    use crate::cgroup::values::Swap;
    let swap = |s: &str| {
        ok(&edit(
            r#""cpu": {"shares": 1024}"#,
            &format!(r#""memory": {{"limit": 4096, "swap": {s}}}"#),
        ))
        .limits
        .memory_swap
    };
    assert_eq!(swap("-1"), Some(Swap::Unlimited));
    assert_eq!(swap("0"), None);
    assert_eq!(swap("8192"), Some(Swap::Total(8192)));
}

#[test]
fn null_is_absent() {
    let c = ok(&edit(
        r#""noNewPrivileges": true"#,
        r#""noNewPrivileges": null"#,
    ));
    assert!(!c.no_new_privileges);
}

#[test]
fn escapes_are_decoded_into_the_arena() {
    let c = ok(&edit(
        r#""path": "rootfs""#,
        r#""path": "r\/\u006f\u00f6t""#,
    ));
    assert_eq!(c.rootfs.to_bytes(), "/b/r/oöt".as_bytes());
}

#[test]
fn too_many_binds_is_an_error_not_a_panic() {
    let bind = r#"{"destination": "/x", "type": "bind", "source": "/y"},"#;
    let text = edit(
        r#""mounts": ["#,
        &format!(r#""mounts": [{}"#, bind.repeat(41)),
    );
    assert_eq!(
        refused(&text),
        "sct: config.json: mounts[40]: at most 40 bind mounts"
    );
}

#[test]
fn a_small_arena_runs_out_with_an_error() {
    let mut small = Arena::map(64).unwrap();
    let e = convert(CTR.as_bytes(), b"/b", &mut small)
        .err()
        .expect("refused");
    assert!(
        rendered(&e).contains("too large for sct's memory"),
        "{}",
        rendered(&e)
    );
}

/// Truncations and byte flips of the fixture: convert answers, never panics.
#[test]
fn truncated_and_flipped_documents_never_panic() {
    let base = CTR.as_bytes();
    for len in 0..base.len() {
        let _ = convert(
            leak(String::from_utf8_lossy(&base[..len]).into()),
            b"/b",
            &mut arena(),
        );
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..3000 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut doc = base.to_vec();
        let at = (seed % doc.len() as u64) as usize;
        doc[at] = [
            b'"', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', b'\\', b'n', 0xff, b' ',
        ][(seed >> 32) as usize % 13];
        let _ = convert(Box::leak(doc.into_boxed_slice()), b"/b", &mut arena());
    }
}

mod property {
    use super::*;
    use proptest::prelude::*;

    /// Values of the kinds config.json holds, at any place of the fixture.
    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("null".to_string()),
            any::<bool>().prop_map(|b| b.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[a-z/._\\\\\"u0-9-]{0,12}".prop_map(|s| format!("{s:?}")),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(("[a-zA-Z]{1,8}", inner), 0..4).prop_map(|m| {
                    let members: Vec<String> =
                        m.into_iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
                    format!("{{{}}}", members.join(","))
                }),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Any value of the fixture replaced by a generated one.
        #[test]
        fn convert_never_panics(pick in any::<prop::sample::Index>(), v in value()) {
            // The places where a value starts: after ':' or '[' or ','.
            let starts: Vec<usize> = CTR.char_indices().filter(|&(_, c)| c == ':' || c == '[' || c == ',').map(|(i, _)| i + 1).collect();
            let at = starts[pick.index(starts.len())];
            let rest = &CTR[at..];
            let trimmed = rest.trim_start();
            let skip = rest.len() - trimmed.len();
            // Replace the value there: up to the next ',' '}' or ']' at depth 0.
            let mut depth = 0i32;
            let mut in_str = false;
            let mut end = trimmed.len();
            let bytes = trimmed.as_bytes();
            let mut i = 0;
            while i < bytes.len() {
                let c = bytes[i];
                if in_str {
                    if c == b'\\' { i += 1; } else if c == b'"' { in_str = false; }
                } else {
                    match c {
                        b'"' => in_str = true,
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' if depth == 0 => { end = i; break; }
                        b'}' | b']' => depth -= 1,
                        b',' if depth == 0 => { end = i; break; }
                        _ => {}
                    }
                }
                i += 1;
            }
            let doc = format!("{}{}{}", &CTR[..at + skip], v, &trimmed[end..]);
            let _ = convert(leak(doc), b"/b", &mut arena());
        }

        #[test]
        fn arbitrary_documents_never_panic(v in value()) {
            let _ = convert(leak(v), b"/b", &mut arena());
        }
    }
}
