//! OCI mode's cgroup commands by hand: `ps`, `pause`/`resume`, `update`,
//! `features` and `events --stats`, each checked against what the kernel
//! reports in the container's cgroup files and /proc, with the test
//! process in the shim's place. Nothing is left after any test.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::collections::BTreeSet;
use std::io::Write;
use std::path::PathBuf;
use std::process::Stdio;

use bundle::*;
use common::*;
use serde_json::{json, Value};

/// Removes the container if a test fails before it does (a no-op after
/// the test's own `delete`), so that a failure leaves nothing running.
struct Cleanup<'a>(&'a Bundle, &'a str);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.sct(&["delete", "--force", self.1]);
    }
}

/// A running container whose init (sh) has forked a `sleep`.
fn started(b: &Bundle, id: &str) -> (u32, Vec<PathBuf>) {
    let pid = b.create(id);
    let out = b.sct(&["start", id]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let cgroups = b.cgroups(id);
    wait_until("two processes", || procs(&cgroups).len() == 2);
    (pid, cgroups)
}

fn two_processes(edit: impl FnOnce(&mut Value)) -> Bundle {
    Bundle::with(&["sh", "-c", "sleep 1000 & wait"], edit)
}

/// The pids of the container's cgroup, as the kernel lists them.
fn procs(cgroups: &[PathBuf]) -> BTreeSet<u32> {
    std::fs::read_to_string(cgroups[0].join("cgroup.procs"))
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect()
}

/// The first of `files` found in one of the container's cgroup
/// directories (v2's name, then v1's), trimmed.
fn cgroup_file(cgroups: &[PathBuf], files: &[&str]) -> String {
    for f in files {
        for dir in cgroups {
            if let Ok(text) = std::fs::read_to_string(dir.join(f)) {
                return text.trim().to_string();
            }
        }
    }
    panic!("none of {files:?} in {cgroups:?}");
}

/// What the kernel says of the container's freezer: v2's `frozen` in
/// cgroup.events, else v1's freezer.state.
fn kernel_frozen(cgroups: &[PathBuf]) -> bool {
    frozen_unless_removed(cgroups).unwrap_or_else(|| panic!("no freezer in {cgroups:?}"))
}

/// `kernel_frozen`, or `None` once the directories are gone.
fn frozen_unless_removed(cgroups: &[PathBuf]) -> Option<bool> {
    for dir in cgroups {
        if let Ok(events) = std::fs::read_to_string(dir.join("cgroup.events")) {
            return Some(events.lines().any(|l| l == "frozen 1"));
        }
        if let Ok(state) = std::fs::read_to_string(dir.join("freezer.state")) {
            return Some(state.trim() == "FROZEN");
        }
    }
    None
}

/// The pids of a stopped container's cgroup, none once it is gone: its
/// name's pid is `create`'s, long exited, so any sct that starts meanwhile
/// (another test's `create`, in parallel) removes the emptied directory as
/// a stale one (cgroup::remove_stale) before `delete` does. The kernel
/// refuses rmdir of a cgroup with processes, so gone means empty.
fn procs_unless_removed(cgroups: &[PathBuf]) -> BTreeSet<u32> {
    match std::fs::read_to_string(cgroups[0].join("cgroup.procs")) {
        Ok(text) => text.lines().map(|l| l.parse().unwrap()).collect(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeSet::new(),
        Err(e) => panic!("{}: {e}", cgroups[0].display()),
    }
}

/// Where the kernel parks a frozen task: v2's freezer trap (in
/// get_signal), v1's refrigerator.
fn in_freezer(pid: u32) -> bool {
    let wchan = std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
    matches!(
        wchan.as_str(),
        "do_freezer_trap" | "get_signal" | "__refrigerator"
    )
}

#[test]
fn ps_lists_the_init_and_the_child_it_forked() {
    let b = two_processes(|_| {});
    let (pid, cgroups) = started(&b, "ps");
    let _cleanup = Cleanup(&b, "ps");
    let kernel = procs(&cgroups);
    assert!(kernel.contains(&pid));
    let out = b.sct(&["ps", "--format", "json", "ps"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let listed: Vec<u32> = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(listed.iter().copied().collect::<BTreeSet<_>>(), kernel);
    assert_eq!(listed.len(), 2);
    // The table: a PID column (sct runs no host ps).
    let table = b.sct(&["ps", "ps"]);
    assert_eq!(table.code, 0, "{}", table.stderr);
    let mut lines = table.stdout.lines();
    assert_eq!(lines.next(), Some("PID"));
    let rows: BTreeSet<u32> = lines.map(|l| l.parse().unwrap()).collect();
    assert_eq!(rows, kernel);
    let args = b.sct(&["ps", "ps", "aux"]);
    assert_eq!(args.code, 1);
    assert_eq!(
        args.stderr,
        "sct: ps aux: sct runs no host ps: it lists PIDs only, without ps arguments\n"
    );
    assert_eq!(b.sct(&["delete", "--force", "ps"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_eq!(b.sct(&["ps", "ps"]).code, 1);
    assert_gone(&b, "ps", &cgroups);
}

#[test]
fn pause_freezes_every_process_and_resume_thaws_them() {
    let b = two_processes(|_| {});
    let (pid, cgroups) = started(&b, "frz");
    let _cleanup = Cleanup(&b, "frz");
    let out = b.sct(&["pause", "frz"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // pause returns once the kernel reports the cgroup frozen.
    assert!(kernel_frozen(&cgroups));
    // A task counts as frozen from just before it sleeps (v2's
    // do_freezer_trap: cgroup_enter_frozen, then schedule; v1's
    // __refrigerator: TASK_FROZEN, then schedule), and wchan names no
    // place while the task is still on its CPU's run queue: preempted in
    // between, it reads 0 until it gets a CPU again.
    for p in procs(&cgroups) {
        wait_until(&format!("{p} in the freezer"), || in_freezer(p));
    }
    assert_eq!(b.state("frz")["status"], "paused");
    let list: Value = serde_json::from_str(&b.sct(&["list", "--format", "json"]).stdout).unwrap();
    assert_eq!(list[0]["status"], "paused");
    let again = b.sct(&["pause", "frz"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "sct: pause frz: the container is not running\n"
    );
    let refused = b.sct(&["delete", "frz"]);
    assert_eq!(refused.code, 1, "delete of a paused container");

    let out = b.sct(&["resume", "frz"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!kernel_frozen(&cgroups));
    for p in procs(&cgroups) {
        assert!(!in_freezer(p), "{p} is still in the freezer");
    }
    assert_eq!(b.state("frz")["status"], "running");
    let again = b.sct(&["resume", "frz"]);
    assert_eq!(again.code, 1);
    assert_eq!(
        again.stderr,
        "sct: resume frz: the container is not paused\n"
    );
    assert_eq!(b.sct(&["delete", "--force", "frz"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, "frz", &cgroups);
}

#[test]
fn a_paused_container_can_be_killed_and_force_deleted() {
    let b = two_processes(|_| {});
    let (pid, cgroups) = started(&b, "pk");
    let _cleanup = Cleanup(&b, "pk");
    assert_eq!(b.sct(&["pause", "pk"]).code, 0);
    let out = b.sct(&["kill", "pk", "KILL"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(reap(pid), 137);
    assert_eq!(b.state("pk")["status"], "stopped");
    wait_until("the cgroup empty", || {
        procs_unless_removed(&cgroups).is_empty()
    });
    // Thawed (v1's freezer held the SIGKILL until then, so the reap above
    // proved it there); unless already removed as stale, which an rmdir
    // allows only of an empty cgroup.
    assert_ne!(frozen_unless_removed(&cgroups), Some(true));
    assert_eq!(b.sct(&["delete", "pk"]).code, 0);
    assert_gone(&b, "pk", &cgroups);

    let b = two_processes(|_| {});
    let (pid, cgroups) = started(&b, "pd");
    let _cleanup = Cleanup(&b, "pd");
    assert_eq!(b.sct(&["pause", "pd"]).code, 0);
    let out = b.sct(&["delete", "--force", "pd"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, "pd", &cgroups);
}

/// A container created with limits of each controller `update` changes.
fn limited() -> Bundle {
    two_processes(|c| {
        c["linux"]["resources"] = json!({
            "memory": {"limit": 64 << 20},
            "pids": {"limit": 100},
            "cpu": {"shares": 512, "quota": 80000, "period": 100000}
        })
    })
}

#[test]
fn update_writes_the_cgroup_files_as_create_does() {
    let b = limited();
    let (pid, cgroups) = started(&b, "upd");
    let _cleanup = Cleanup(&b, "upd");
    let memory = |cg: &[PathBuf]| cgroup_file(cg, &["memory.max", "memory.limit_in_bytes"]);
    let pids = |cg: &[PathBuf]| cgroup_file(cg, &["pids.max"]);
    assert_eq!(memory(&cgroups), (64u64 << 20).to_string());
    let out = b.sct(&[
        "update",
        "--memory",
        "32M",
        "--memory-reservation",
        "16m",
        "--pids-limit",
        "50",
        "--cpu-quota",
        "25000",
        "--cpu-period",
        "50000",
        "--cpu-shares",
        "256",
        "upd",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(memory(&cgroups), (32u64 << 20).to_string());
    assert_eq!(
        cgroup_file(&cgroups, &["memory.low", "memory.soft_limit_in_bytes"]),
        (16u64 << 20).to_string()
    );
    assert_eq!(pids(&cgroups), "50");
    // Half a CPU, per sct's 100 ms period as at create; shares as v2's
    // weight by runc's map.
    match cgroup_file(&cgroups, &["cpu.max", "cpu.cfs_quota_us"]).as_str() {
        "50000 100000" => assert_eq!(cgroup_file(&cgroups, &["cpu.weight"]), "10"),
        quota => {
            assert_eq!(quota, "50000");
            assert_eq!(cgroup_file(&cgroups, &["cpu.cfs_period_us"]), "100000");
            assert_eq!(cgroup_file(&cgroups, &["cpu.shares"]), "256");
        }
    }

    // -r FILE, and -r - (stdin): a runtime-spec linux.resources.
    let file = b.dir().join("resources.json");
    std::fs::write(
        &file,
        r#"{"memory":{"limit":50331648},"pids":{"limit":40}}"#,
    )
    .unwrap();
    let out = b.sct(&["update", "-r", file.to_str().unwrap(), "upd"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(memory(&cgroups), "50331648");
    assert_eq!(pids(&cgroups), "40");
    let mut child = b
        .command(&["update", "--resources", "-", "upd"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"pids":{"limit":30}}"#)
        .unwrap();
    let out = Output::from(child.wait_with_output().unwrap());
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(pids(&cgroups), "30");

    assert_eq!(b.sct(&["delete", "--force", "upd"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, "upd", &cgroups);
}

#[test]
fn update_refuses_bad_values_naming_the_flag_or_field() {
    let b = limited();
    let (pid, cgroups) = started(&b, "bad");
    let _cleanup = Cleanup(&b, "bad");
    let file = b.dir().join("bad.json");
    std::fs::write(&file, r#"{"memory":{"limit":"lots"}}"#).unwrap();
    let file = file.to_str().unwrap();
    for (args, stderr) in [
        (
            &["--memory", "lots"][..],
            "sct: invalid value: --memory lots: see sct update --help",
        ),
        (
            &["--pids-limit", "1.5"],
            "sct: invalid value: --pids-limit 1.5: see sct update --help",
        ),
        (
            &["--cpuset-cpus", "3-1"],
            "sct: invalid value: --cpuset-cpus 3-1: see sct update --help",
        ),
        (
            &["--cpu-shares", "1"],
            "sct: update: cpu.shares: expected 2 to 262144 (1024 is the kernel's default)",
        ),
        (
            &["--memory", "64M", "--memory-swap", "32M"],
            "sct: update: memory.swap: below memory.limit: it is memory plus swap",
        ),
        (
            &["-r", file],
            "sct: update -r: memory.limit: expected a number",
        ),
        (
            &["-r", file, "--memory", "1M"],
            "sct: -r FILE holds every limit: give no other flag with it",
        ),
        (
            &[],
            "sct: nothing to update: give a limit (sct update --help) or -r FILE",
        ),
    ] {
        let mut all = vec!["update"];
        all.extend_from_slice(args);
        all.push("bad");
        let out = b.sct(&all);
        assert_eq!(out.code, 1, "{args:?}");
        assert_eq!(out.stderr.lines().next(), Some(stderr), "{args:?}");
    }
    // Nothing was written.
    assert_eq!(
        cgroup_file(&cgroups, &["memory.max", "memory.limit_in_bytes"]),
        (64u64 << 20).to_string()
    );
    assert_eq!(b.sct(&["delete", "--force", "bad"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_gone(&b, "bad", &cgroups);
}

#[test]
fn features_lists_what_sct_supports() {
    let out = Output::from(
        std::process::Command::new(SCT)
            .arg("features")
            .output()
            .unwrap(),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let f: Value = serde_json::from_str(&out.stdout).unwrap();
    let strings = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(f["ociVersionMin"], "1.0.0");
    assert_eq!(f["ociVersionMax"], "1.2.0");
    // config.json's reader refuses every hook.
    assert_eq!(
        f["hooks"],
        json!([
            "prestart",
            "createRuntime",
            "createContainer",
            "startContainer",
            "poststart",
            "poststop"
        ])
    );
    let linux = &f["linux"];
    assert_eq!(
        strings(&linux["namespaces"]),
        ["pid", "mount", "ipc", "uts", "network", "cgroup"]
            .map(String::from)
            .into()
    );
    let caps = strings(&linux["capabilities"]);
    assert!(caps.contains("CAP_SYS_ADMIN") && caps.contains("CAP_CHECKPOINT_RESTORE"));
    assert!(caps.iter().all(|c| c.starts_with("CAP_")));
    assert_eq!(
        linux["cgroup"],
        json!({"v1": true, "v2": true, "systemd": false, "systemdUser": false, "rdma": false})
    );
    let seccomp = &linux["seccomp"];
    assert_eq!(seccomp["enabled"], true);
    let actions = strings(&seccomp["actions"]);
    assert!(actions.contains("SCMP_ACT_ERRNO") && actions.contains("SCMP_ACT_KILL_PROCESS"));
    assert!(!actions.contains("SCMP_ACT_NOTIFY"));
    assert_eq!(strings(&seccomp["operators"]).len(), 7);
    assert!(strings(&seccomp["archs"]).contains("SCMP_ARCH_X86_64"));
    assert_eq!(seccomp["knownFlags"], seccomp["supportedFlags"]);
    for lsm in ["apparmor", "selinux", "intelRdt"] {
        assert_eq!(linux[lsm]["enabled"], false);
    }
    let options = strings(&f["mountOptions"]);
    assert!(options.contains("rbind") && options.contains("nosuid"));
    assert!(!options.contains("shared"));
    // Each listed capability and action is one config.json's reader takes.
    let b = Bundle::with(&["true"], |c| {
        let all: Vec<&String> = caps.iter().collect();
        c["process"]["capabilities"] = json!({"bounding": all, "effective": all, "permitted": all});
        let rules: Vec<Value> = actions
            .iter()
            .map(|a| json!({"names": ["getpid"], "action": a}))
            .collect();
        c["linux"]["seccomp"] = json!({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": rules});
    });
    let out = b.sct(&["run", "feat"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_processes_gone("feat");
}

#[test]
fn events_stats_reports_the_cgroup_counters() {
    let b = limited();
    let (pid, cgroups) = started(&b, "ev");
    let _cleanup = Cleanup(&b, "ev");
    let out = b.sct(&["events", "--stats", "ev"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout.lines().count(), 1);
    let e: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(e["type"], "stats");
    assert_eq!(e["id"], "ev");
    let data = &e["data"];
    assert!(data["pids"]["current"].as_u64().unwrap() >= 2, "{data}");
    assert_eq!(data["pids"]["limit"], 100);
    let memory = &data["memory"]["usage"];
    assert!(memory["usage"].as_u64().unwrap() > 0, "{data}");
    assert_eq!(memory["limit"], 64u64 << 20);
    let cpu = &data["cpu"]["usage"];
    assert!(cpu["total"].as_u64().is_some(), "{data}");
    assert!(cpu["total"].as_u64() >= cpu["user"].as_u64(), "{data}");
    let plain = b.sct(&["events", "ev"]);
    assert_eq!(plain.code, 1);
    assert_eq!(
        plain.stderr,
        "sct: events ev: sct streams no events: use --stats for the counters\n"
    );
    assert_eq!(b.sct(&["delete", "--force", "ev"]).code, 0);
    assert_eq!(reap(pid), 137);
    assert_eq!(b.sct(&["events", "--stats", "ev"]).code, 1);
    assert_gone(&b, "ev", &cgroups);
}
