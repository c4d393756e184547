//! OCI runtime mode driven by hand, as runc's own bats suite drives runc:
//! create, start, state, kill, delete, run and list on bundles the tests
//! write, with the test process in the shim's place (a child subreaper that
//! reaps the container's init). Every test checks that nothing is left:
//! state directory, cgroup, process.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bundle::*;
use common::*;
use serde_json::{json, Value};

#[test]
fn create_parks_start_runs_delete_removes() {
    let b = Bundle::new(&["sh", "-c", "echo out=$OCI_TEST:$(hostname):$$; exit 3"]);
    let pid = b.create("life");
    let st = b.state("life");
    assert_eq!(st["status"], "created");
    assert_eq!(st["pid"], pid);
    assert_eq!(st["id"], "life");
    assert_eq!(st["bundle"], b.dir().to_str().unwrap());
    assert_eq!(st["annotations"]["org.test"], "yes");
    assert_eq!(st["ociVersion"], "1.2.0");
    // Parked: still sct's code, nothing of CMD's has run, and no sct
    // process stays behind but the init itself.
    assert_eq!(
        std::fs::read_link(format!("/proc/{pid}/exe")).unwrap(),
        Path::new(SCT)
    );
    assert_eq!(b.read("stdout"), "");
    let cgroups = b.cgroups("life");
    assert!(!cgroups.is_empty());
    assert_eq!(processes_with("life"), vec![pid]);
    let start = b.sct(&["start", "life"]);
    assert_eq!(start.code, 0, "{}", start.stderr);
    assert_eq!(reap(pid), 3);
    assert_eq!(b.read("stdout"), "out=1:oci:1\n");
    assert_eq!(b.state("life")["status"], "stopped");
    assert_eq!(b.state("life")["pid"], 0);
    let again = b.sct(&["start", "life"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "sct: start life: cannot start a container that has stopped\n"
    );
    assert_eq!(b.sct(&["delete", "life"]).code, 0);
    assert_gone(&b, "life", &cgroups);
}

#[test]
fn state_shows_running_and_kill_takes_names_and_numbers() {
    let b = Bundle::new(&[
        "sh",
        "-c",
        "trap 'exit 42' USR1; while :; do sleep 0.05; done",
    ]);
    let pid = b.create("sig");
    assert_eq!(b.sct(&["start", "sig"]).code, 0);
    assert_eq!(b.state("sig")["status"], "running");
    let start = Instant::now();
    let refused = b.sct(&["delete", "sig"]);
    assert_eq!(refused.code, 1);
    assert!(refused
        .stderr
        .starts_with("sct: delete sig: the container is running\n"));
    assert_eq!(b.sct(&["kill", "sig", "NOPE"]).code, 1);
    // The trap is set once the shell runs its loop; resend until it acts.
    let mut code = None;
    while code.is_none() {
        let sent = b.sct(&["kill", "sig", "SIGUSR1"]);
        // The previous USR1 may have acted since the last look: then the
        // shell has exited (a zombie until reaped) and the kill is refused.
        let options = if sent.code == 0 {
            std::thread::sleep(Duration::from_millis(50));
            rustix::process::WaitOptions::NOHANG
        } else {
            assert_eq!(sent.stderr, "sct: kill sig: container not running\n");
            rustix::process::WaitOptions::empty()
        };
        code = rustix::process::waitpid(rustix::process::Pid::from_raw(pid as i32), options)
            .unwrap()
            .map(|(_, s)| s.exit_status().unwrap());
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "USR1 never acted"
        );
    }
    assert_eq!(code, Some(42));
    assert_eq!(
        b.sct(&["kill", "sig", "9"]).stderr,
        "sct: kill sig: container not running\n"
    );
    let cgroups = b.cgroups("sig");
    assert_eq!(b.sct(&["delete", "sig"]).code, 0);
    assert_gone(&b, "sig", &cgroups);
}

#[test]
fn delete_force_kills_a_running_container_and_kill_all_reaches_every_process() {
    let b = Bundle::new(&["sh", "-c", "sleep 1000 & sleep 1000 & wait"]);
    let pid = b.create("force");
    assert_eq!(b.sct(&["start", "force"]).code, 0);
    let cgroups = b.cgroups("force");
    let procs = cgroups[0].join("cgroup.procs");
    wait_until("three processes", || {
        std::fs::read_to_string(&procs).unwrap().lines().count() == 3
    });
    assert_eq!(b.sct(&["kill", "--all", "force", "STOP"]).code, 0);
    wait_until("every process stopped", || {
        std::fs::read_to_string(&procs).unwrap().lines().all(|p| {
            std::fs::read_to_string(format!("/proc/{p}/stat"))
                .map(|s| s.rsplit(')').next().unwrap().trim_start().starts_with('T'))
                .unwrap_or(true)
        })
    });
    let out = b.sct(&["delete", "--force", "force"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, "force", &cgroups);
    // runc: --force on what is not there is no error.
    assert_eq!(b.sct(&["delete", "--force", "force"]).code, 0);
    assert_eq!(b.sct(&["delete", "force"]).code, 1);
}

#[test]
fn delete_of_a_created_container_removes_it() {
    let b = Bundle::new(&["sh", "-c", "echo never"]);
    let pid = b.create("parked");
    let cgroups = b.cgroups("parked");
    assert_eq!(b.sct(&["delete", "parked"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_eq!(b.read("stdout"), "");
    assert_gone(&b, "parked", &cgroups);
}

#[test]
fn a_failed_create_leaves_nothing() {
    let b = Bundle::with(&["sh"], |c| c["root"]["path"] = json!("missing"));
    let out = b.sct(&["create", "bad"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.starts_with("sct: rootfs "), "{}", out.stderr);
    assert!(!b.container_dir("bad").exists());
    // A setup failure in the child: the container's cwd cannot exist.
    let b = Bundle::with(&["sh"], |c| c["process"]["cwd"] = json!("/no/such/dir"));
    let log = b.dir().join("log.json");
    let out = b.sct(&[
        "--log",
        log.to_str().unwrap(),
        "--log-format",
        "json",
        "create",
        "bad",
    ]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("/no/such/dir"), "{}", out.stderr);
    assert!(!b.container_dir("bad").exists());
    assert_processes_gone("bad");
    // containerd shows the last error line of the log.
    let line = std::fs::read_to_string(&log).unwrap();
    let entry: Value = serde_json::from_str(line.lines().last().unwrap()).unwrap();
    assert_eq!(entry["level"], "error");
    assert!(entry["msg"].as_str().unwrap().contains("/no/such/dir"));
    assert!(entry["time"].as_str().unwrap().ends_with('Z'));
    // The same ID twice.
    let b = Bundle::new(&["sh"]);
    let pid = b.create("twice");
    let out = b.sct(&["create", "twice"]);
    assert_eq!(out.code, 1);
    assert!(out
        .stderr
        .starts_with("sct: create twice: a container with this ID exists\n"));
    assert_eq!(b.sct(&["delete", "twice"]).code, 0);
    reap(pid);
}

#[test]
fn run_waits_and_passes_the_exit_code_and_detach_returns() {
    let b = Bundle::new(&["sh", "-c", "echo ran; exit 7"]);
    let out = b.sct(&["run", "fg"]);
    assert_eq!(out.code, 7, "{}", out.stderr);
    assert_eq!(out.stdout, "ran\n");
    assert!(!b.container_dir("fg").exists());
    assert_processes_gone("fg");

    let b = Bundle::new(&["sleep", "1000"]);
    let out = b
        .command(&["run", "--detach", "--pid-file", "bg.pid", "bg"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(out.success());
    let pid: u32 = b.read("bg.pid").parse().unwrap();
    assert_eq!(b.state("bg")["status"], "running");
    let list = b.sct(&["list", "--format", "json"]);
    let list: Value = serde_json::from_str(&list.stdout).unwrap();
    assert_eq!(list[0]["id"], "bg");
    assert_eq!(list[0]["status"], "running");
    // As runc's: the state directory's owner, here root; `state` says "".
    assert_eq!(list[0]["owner"], "root");
    assert_eq!(b.state("bg")["owner"], "");
    assert_eq!(b.sct(&["list", "-q"]).stdout, "bg\n");
    let cgroups = b.cgroups("bg");
    assert_eq!(b.sct(&["kill", "bg", "KILL"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_eq!(b.sct(&["delete", "bg"]).code, 0);
    assert_gone(&b, "bg", &cgroups);
}

#[test]
fn command_line_errors_are_one_line_and_exit_1() {
    let b = Bundle::new(&["sh"]);
    for (args, line) in [
        (
            &["state", "nope"][..],
            "sct: container nope: does not exist",
        ),
        (
            &["start", "a/b"][..],
            "sct: invalid container ID 'a/b': letters, digits and _+-. only",
        ),
        (
            &["kill"][..],
            "sct: missing container ID: usage: sct kill [FLAGS] ID [SIGNAL]",
        ),
        (
            &["create", "--bogus", "x"][..],
            "sct: unknown flag '--bogus'",
        ),
        (
            &["--systemd-cgroup", "state", "x"][..],
            "sct: --systemd-cgroup is not supported: sct manages cgroupfs paths itself",
        ),
    ] {
        let out = b.sct(args);
        assert_eq!(out.code, 1, "{args:?}");
        assert_eq!(out.stderr.lines().next().unwrap(), line, "{args:?}");
    }
    let help = b.sct(&["create", "--help"]);
    assert_eq!(help.code, 0);
    assert!(help
        .stdout
        .starts_with("Usage: sct [GLOBAL OPTIONS] create [FLAGS] ID\n"));
    assert!(help.stdout.contains("--pid-file FILE"));
}

#[test]
fn spec_writes_sct_defaults_that_create_refuses_to_overwrite() {
    let b = Bundle::new(&["sh"]);
    std::fs::remove_file(b.dir().join("config.json")).unwrap();
    assert_eq!(b.sct(&["spec"]).code, 0);
    let v: Value = serde_json::from_str(&b.read("config.json")).unwrap();
    assert_eq!(v["process"]["args"], json!(["sh"]));
    assert_eq!(v["root"]["path"], "rootfs");
    let again = b.sct(&["spec"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.starts_with("sct: create "), "{}", again.stderr);
    // What spec writes, create takes: sct's defaults, as the plain form
    // gives them (capabilities, no NET_RAW on the host's network, masks).
    let mut v = v;
    v["root"]["path"] = json!("root");
    v["process"]["args"] = json!([
        "sh",
        "-c",
        "grep CapEff /proc/self/status; cat /proc/kcore | wc -c; exit 4"
    ]);
    std::fs::write(b.dir().join("config.json"), v.to_string()).unwrap();
    let run = b.sct(&["run", "fromspec"]);
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(run.stdout, "CapEff:\t00000000a80405fb\n0\n");
}

#[test]
fn linux_seccomp_is_compiled_by_sct_with_and_without_no_new_privileges() {
    for nnp in [true, false] {
        let b = Bundle::with(
            &[
                "sh",
                "-c",
                "mkdir /tmp/x 2>&1; test -d /tmp/x || echo refused",
            ],
            |c| {
                c["process"]["noNewPrivileges"] = json!(nnp);
                c["linux"]["seccomp"] = json!({
                    "defaultAction": "SCMP_ACT_ALLOW",
                    "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_AARCH64"],
                    "syscalls": [{
                        "names": ["mkdir", "mkdirat"],
                        "action": "SCMP_ACT_ERRNO",
                        "errnoRet": 38
                    }]
                });
            },
        );
        let out = b.sct(&["run", "sc"]);
        assert_eq!(out.code, 0, "nnp={nnp}: {}", out.stderr);
        assert!(
            out.stdout.contains("Function not implemented") && out.stdout.ends_with("refused\n"),
            "nnp={nnp}: {}",
            out.stdout
        );
    }
    let b = Bundle::with(&["true"], |c| {
        c["linux"]["seccomp"] = json!({
            "defaultAction": "SCMP_ACT_ALLOW",
            "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_FROB"}]
        });
    });
    let out = b.sct(&["create", "bad"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stderr
            .starts_with("sct: config.json: linux.seccomp.syscalls[0].action: "),
        "{}",
        out.stderr
    );
    assert!(!b.container_dir("bad").exists());
}

#[test]
fn a_user_namespace_with_id_mappings_makes_root_inside_an_unprivileged_uid_outside() {
    let maps = json!([{"containerID": 0, "hostID": 200000, "size": 65536}]);
    let with_userns = |c: &mut Value| {
        c["linux"]["namespaces"]
            .as_array_mut()
            .unwrap()
            .push(json!({"type": "user"}));
        c["linux"]["uidMappings"] = maps.clone();
        c["linux"]["gidMappings"] = maps.clone();
    };
    let script = "cat /proc/self/uid_map /proc/self/gid_map; id -u; \
                  cat /secret 2>/dev/null || echo refused";
    let b = Bundle::with(&["sh", "-c", script], with_userns);
    // The rootfs is the mapped root's, as an image unpacked for this
    // mapping is; one file in it stays the host root's, and private.
    let chown = Command::new("chown")
        .args(["-R", "200000:200000"])
        .arg(b.rootfs.path())
        .status()
        .unwrap();
    assert!(chown.success());
    let secret = b.rootfs.path().join("secret");
    std::fs::write(&secret, "host root's\n").unwrap();
    std::fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let out = b.sct(&["run", "un"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<Vec<&str>> = out
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(lines[0], ["0", "200000", "65536"], "{}", out.stdout);
    assert_eq!(lines[1], ["0", "200000", "65536"], "{}", out.stdout);
    assert_eq!(lines[2], ["0"], "{}", out.stdout);
    // Root inside is not root outside: the host root's file stays closed.
    assert_eq!(lines[3], ["refused"], "{}", out.stdout);
    assert!(!b.container_dir("un").exists());

    for (edit, message) in [
        (
            json!({"uidMappings": maps, "gidMappings": maps}),
            "sct: config.json: linux.uidMappings: needs a user namespace in linux.namespaces\n",
        ),
        (
            json!({"user": true, "gidMappings": maps}),
            "sct: config.json: linux.uidMappings: required with a user namespace (linux.namespaces)\n",
        ),
        (
            json!({"user": true, "uidMappings": [{"containerID": 0, "hostID": 1, "size": 0}], "gidMappings": maps}),
            "sct: config.json: linux.uidMappings[0].size: expected a positive size\n",
        ),
    ] {
        let b = Bundle::with(&["true"], |c| {
            if edit.get("user").is_some() {
                c["linux"]["namespaces"]
                    .as_array_mut()
                    .unwrap()
                    .push(json!({"type": "user"}));
            }
            for key in ["uidMappings", "gidMappings"] {
                if let Some(v) = edit.get(key) {
                    c["linux"][key] = v.clone();
                }
            }
        });
        let out = b.sct(&["create", "bad"]);
        assert_eq!((out.code, out.stderr.as_str()), (1, message));
        assert!(!b.container_dir("bad").exists());
    }
}

#[test]
fn debug_traces_each_command_and_its_exit_status() {
    let b = Bundle::new(&["true"]);
    let log = b.dir().join("debug.json");
    let log_arg = log.to_str().unwrap();
    let out = b.sct(&[
        "--log",
        log_arg,
        "--log-format",
        "json",
        "--debug",
        "run",
        "dbg",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let entries: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let debug: Vec<&str> = entries
        .iter()
        .filter(|e| e["level"] == "debug")
        .map(|e| e["msg"].as_str().unwrap())
        .collect();
    assert_eq!(debug, ["command: run dbg", "exit status 0"]);
    // Without --log, on stderr around the command's own error.
    let out = b.sct(&["--debug", "state", "nope"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "sct: debug: command: state nope\nsct: container nope: does not exist\nsct: debug: exit status 1\n"
    );
    // And nothing without --debug.
    let out = b.sct(&["state", "nope"]);
    assert_eq!(out.stderr, "sct: container nope: does not exist\n");
}

/// Pid numbers come back once a process exits: a plain sct given the pid
/// that an OCI `create` had, while that container still runs, still gets a
/// cgroup of its own, and its device rule where it would take it anyway
/// (the unified hierarchy here). The pid is made to come back at once, in
/// a PID namespace of the test's own, through its ns_last_pid.
#[test]
fn a_plain_run_given_the_pid_of_an_oci_create_gets_its_own_cgroup() {
    let b = Bundle::new(&["sleep", "1000"]);
    let script = format!(
        r#"{sct} --root {state} create --bundle {bundle} reused </dev/null >/dev/null 2>&1 &
        p=$!
        wait $p || {{ echo "create=$?"; exit 0; }}
        echo $((p - 1)) > /proc/sys/kernel/ns_last_pid
        {sct} {rootfs} /bin/cat /proc/self/cgroup 2>&1 &
        q=$!
        wait $q; echo "plain=$?"
        [ "$q" = "$p" ] && echo "same pid"
        {sct} --root {state} delete --force reused; echo "delete=$?""#,
        sct = SCT,
        state = b.state_root.display(),
        bundle = b.dir().display(),
        rootfs = b.rootfs.path().display(),
    );
    let out = std::process::Command::new("unshare")
        .args(["--pid", "--fork", "--mount-proc", "sh", "-c", &script])
        .stdin(Stdio::null())
        .output()
        .expect("unshare (util-linux)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("plain=0\nsame pid\ndelete=0\n"),
        "{stdout}{err}"
    );
    // The plain container's device rule: in its own v2 cgroup where one is
    // mounted, as when no pid was shared; not in v1's devices controller.
    let v2 = stdout
        .lines()
        .find(|l| l.starts_with("0::"))
        .expect("a v2 line");
    assert!(
        v2.rsplit('/').next().unwrap().starts_with("sct-"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(":devices:/sct-"),
        "fell back to v1: {stdout}"
    );
}

/// `sct --help` lists each command with its line: the name and the help
/// apart, whatever the name's length.
#[test]
fn help_lists_every_command_apart_from_its_line() {
    let out = Command::new(SCT).arg("--help").output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let commands = text
        .split("OCI runtime mode")
        .nth(1)
        .expect("an OCI section");
    let names: Vec<&str> = commands
        .lines()
        .skip(2)
        .take_while(|l| !l.trim_start().starts_with('('))
        .map(|l| l.split_whitespace().next().unwrap_or_default())
        .collect();
    for name in ["create", "start", "state", "delete", "features", "spec"] {
        assert!(names.contains(&name), "{name} in {names:?}\n{text}");
    }
}
