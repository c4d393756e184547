//! Rootless OCI mode: runc's commands run by an ordinary user, `sct-test`
//! (build/deps makes it), on a bundle `sct spec --rootless` wrote, as
//! `runc spec --rootless` and `runc --root ... run` are used. The test
//! process is root and takes the shim's place (a child subreaper that
//! reaps the container's init); it starts sct through `probe as-user`.
//! Every test checks that nothing is left: state directory, process.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use bundle::{reap, wait_until};
use common::*;
use serde_json::{json, Value};

/// `sct-test`'s uid and gid, if build/deps has made it (a SKIP otherwise,
/// a failure under CI=true).
fn user() -> Option<(u32, u32)> {
    require_root();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let entry = passwd.lines().find(|l| l.starts_with("sct-test:"));
    if !tool_ready(entry.is_some(), "the user sct-test (build/deps)") {
        return None;
    }
    let f: Vec<&str> = entry.unwrap().split(':').collect();
    Some((f[2].parse().unwrap(), f[3].parse().unwrap()))
}

/// A bundle of the user's own, as one it unpacked itself would be: the
/// rootfs at `root`, config.json beside it, and XDG_RUNTIME_DIR there too.
struct Bundle {
    rootfs: Rootfs,
    uid: u32,
    gid: u32,
}

impl Bundle {
    fn new(uid: u32, gid: u32) -> Bundle {
        rustix::process::set_child_subreaper(Some(rustix::process::getpid())).unwrap();
        let rootfs = Rootfs::new();
        std::fs::create_dir(rootfs.outside().join("xdg")).unwrap();
        let status = Command::new("chown")
            .args(["-R", &format!("{uid}:{gid}")])
            .arg(rootfs.outside())
            .status()
            .unwrap();
        assert!(status.success());
        Bundle { rootfs, uid, gid }
    }

    fn dir(&self) -> &Path {
        self.rootfs.outside()
    }

    /// sct's default `--root` for the user: `$XDG_RUNTIME_DIR/sct`.
    fn state_root(&self) -> PathBuf {
        self.dir().join("xdg/sct")
    }

    /// `sct ARGS` run by the user in the bundle, with XDG_RUNTIME_DIR set
    /// and no `--root`.
    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(probe());
        c.arg("as-user")
            .arg(self.uid.to_string())
            .arg(self.gid.to_string())
            .args(["--", SCT])
            .args(args)
            .env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("XDG_RUNTIME_DIR", self.dir().join("xdg"))
            .current_dir(self.dir())
            .stdin(Stdio::null());
        c
    }

    fn sct(&self, args: &[&str]) -> Output {
        Output::from(self.command(args).output().unwrap())
    }

    /// `sct spec --rootless`, then `edit` on what it wrote; the rootfs is
    /// `root` beside it.
    fn spec(&self, edit: impl FnOnce(&mut Value)) -> Value {
        let out = self.sct(&["spec", "--rootless"]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{out:?}");
        let path = self.dir().join("config.json");
        let mut config: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let written = config.clone();
        config["root"]["path"] = json!("root");
        edit(&mut config);
        std::fs::write(&path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        written
    }

    /// `create` with the init's stdout and stderr in files; its pid.
    fn create(&self, id: &str) -> u32 {
        let pid_file = self.dir().join(format!("{id}.pid"));
        let out = self
            .command(&["create", "--pid-file", pid_file.to_str().unwrap(), id])
            .stdout(std::fs::File::create(self.dir().join("stdout")).unwrap())
            .stderr(std::fs::File::create(self.dir().join("stderr")).unwrap())
            .status()
            .unwrap();
        assert!(out.success(), "create: {}", self.read("stderr"));
        std::fs::read_to_string(pid_file).unwrap().parse().unwrap()
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir().join(name)).unwrap_or_default()
    }

    fn state(&self, id: &str) -> Value {
        let out = self.sct(&["state", id]);
        assert_eq!(out.code, 0, "state: {}", out.stderr);
        serde_json::from_str(&out.stdout).unwrap()
    }

    fn assert_gone(&self, id: &str) {
        assert!(
            !self.state_root().join(id).exists(),
            "state of {id} left behind"
        );
        assert_processes_gone(id);
    }
}

/// A failed test leaves no container behind: each one still under the
/// state root is deleted by force (as the user, as it was made).
impl Drop for Bundle {
    fn drop(&mut self) {
        for e in std::fs::read_dir(self.state_root())
            .into_iter()
            .flatten()
            .flatten()
        {
            if let Some(id) = e.file_name().to_str() {
                let _ = self.command(&["delete", "--force", id]).output();
            }
        }
    }
}

/// `reap`, failing after a generous deadline instead of hanging when a
/// signal did not reach the init.
fn reap_within(pid: u32) -> i32 {
    use rustix::process::{waitpid, Pid, WaitOptions};
    let pid = Pid::from_raw(pid as i32);
    let mut status = None;
    wait_until("the init's end", || {
        status = waitpid(pid, WaitOptions::NOHANG).unwrap().map(|(_, s)| s);
        status.is_some()
    });
    let status = status.unwrap();
    match (status.exit_status(), status.terminating_signal()) {
        (Some(code), _) => code,
        (_, Some(sig)) => 128 + sig,
        _ => panic!("init {pid:?}: {status:?}"),
    }
}

/// The process's args: `sh -c SCRIPT ID`, so that the container's shell
/// carries its ID in its command line while it runs.
fn script(script: &str, id: &str) -> Value {
    json!(["sh", "-c", script, id])
}

#[test]
fn spec_rootless_writes_runcs_rootless_config() {
    let Some((uid, gid)) = user() else { return };
    let b = Bundle::new(uid, gid);
    let written = b.spec(|_| {});
    let map = |id: u32| json!([{"containerID": 0, "hostID": id, "size": 1}]);
    assert_eq!(written["linux"]["uidMappings"], map(uid));
    assert_eq!(written["linux"]["gidMappings"], map(gid));
    let ns: Vec<&str> = written["linux"]["namespaces"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["type"].as_str().unwrap())
        .collect();
    assert_eq!(ns, ["pid", "ipc", "uts", "mount", "user"]);
    assert_eq!(written["linux"].get("resources"), None);
    let mounts = written["mounts"].as_array().unwrap();
    let sys = mounts.iter().find(|m| m["destination"] == "/sys").unwrap();
    assert_eq!(
        *sys,
        json!({"destination": "/sys", "type": "none", "source": "/sys",
               "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]})
    );
    let options: Vec<&str> = mounts
        .iter()
        .flat_map(|m| m["options"].as_array().unwrap())
        .map(|o| o.as_str().unwrap())
        .collect();
    assert!(
        !options
            .iter()
            .any(|o| o.starts_with("uid=") || o.starts_with("gid=")),
        "{options:?}"
    );
    // The user's own, and no state directory for spec.
    let meta = std::fs::metadata(b.dir().join("config.json")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
    assert!(!b.state_root().exists());
}

#[test]
fn create_start_state_kill_delete_as_an_ordinary_user() {
    let Some((uid, gid)) = user() else { return };
    let b = Bundle::new(uid, gid);
    let id = unique_token("oci-rootless");
    b.spec(|c| {
        c["process"]["args"] = script(
            "echo id=$(id -u):$(id -g); cat /proc/self/uid_map; \
             mkdir /dev/made && echo dev=ok; ls /sys/kernel >/dev/null && echo sys=ok; \
             echo sys_mounts=$(grep -c '^[^ ]* [^ ]* [^ ]* [^ ]* /sys ' /proc/self/mountinfo); exit 3",
            &id,
        )
    });
    let pid = b.create(&id);
    let st = b.state(&id);
    assert_eq!(st["status"], "created");
    assert_eq!(st["pid"], pid);
    assert_eq!(st["bundle"], b.dir().to_str().unwrap());
    // The state lives under XDG_RUNTIME_DIR, the user's.
    let dir = b.state_root().join(&id);
    let meta = std::fs::metadata(&dir).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), uid);
    // runc's OWNER column: the state directory's owner, by name.
    let table = b.sct(&["list"]);
    let row = table.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        row.starts_with(&format!("{id}\t{pid}\tcreated\t")) && row.ends_with("\tsct-test"),
        "{table:?}"
    );
    let list = b.sct(&["list", "--quiet"]);
    assert_eq!(
        (list.code, list.stdout.as_str()),
        (0, format!("{id}\n").as_str())
    );
    let start = b.sct(&["start", &id]);
    assert_eq!((start.code, start.stderr.as_str()), (0, ""));
    assert_eq!(reap(pid), 3);
    let lines: Vec<String> = b
        .read("stdout")
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        lines,
        // One /sys: the spec's bind is taken as sct's own.
        [
            "id=0:0",
            &format!("0 {uid} 1"),
            "dev=ok",
            "sys=ok",
            "sys_mounts=1"
        ],
        "{}",
        b.read("stderr")
    );
    assert_eq!(b.state(&id)["status"], "stopped");
    let delete = b.sct(&["delete", &id]);
    assert_eq!((delete.code, delete.stderr.as_str()), (0, ""));
    b.assert_gone(&id);

    // A second container of the same bundle, stopped by kill.
    let id = unique_token("oci-rootless");
    std::fs::remove_file(b.dir().join("config.json")).unwrap();
    b.spec(|c| {
        c["process"]["args"] = script("trap 'exit 5' TERM; echo up; sleep 1000 & wait; :", &id)
    });
    let pid = b.create(&id);
    let start = b.sct(&["start", &id]);
    assert_eq!((start.code, start.stderr.as_str()), (0, ""));
    wait_until("the container's output", || b.read("stdout") == "up\n");
    assert_eq!(b.state(&id)["status"], "running");
    // The cgroup commands have nothing to work on.
    for cmd in ["ps", "pause", "events"] {
        let args = if cmd == "events" {
            vec![cmd, "--stats", &id]
        } else {
            vec![cmd, &id]
        };
        let out = b.sct(&args);
        assert_eq!(
            (out.code, out.stderr),
            (
                1,
                format!(
                    "sct: {cmd} {id}: the container has no cgroup\n\
                     sct: hint: an ordinary user's container has one only for limits, in a cgroup delegated to it (README, OCI runtime mode)\n"
                )
            )
        );
    }
    let exec = b.sct(&[
        "exec",
        &id,
        "sh",
        "-c",
        "id -u; cat /proc/self/uid_map; hostname",
    ]);
    let lines: Vec<String> = exec
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        (exec.code, exec.stderr.as_str(), lines),
        (
            0,
            "",
            vec!["0".to_string(), format!("0 {uid} 1"), "sct".to_string()]
        )
    );
    let busy = b.sct(&["delete", &id]);
    assert_eq!(busy.code, 1, "{busy:?}");
    let kill = b.sct(&["kill", &id]);
    assert_eq!((kill.code, kill.stderr.as_str()), (0, ""));
    assert_eq!(reap_within(pid), 5);
    assert_eq!(b.state(&id)["status"], "stopped");
    let delete = b.sct(&["delete", &id]);
    assert_eq!((delete.code, delete.stderr.as_str()), (0, ""));
    b.assert_gone(&id);

    // kill --all without a cgroup (none without limits) signals the init,
    // whose end ends the rest of its PID namespace.
    let id = unique_token("oci-rootless");
    std::fs::remove_file(b.dir().join("config.json")).unwrap();
    b.spec(|c| c["process"]["args"] = script("sleep 1000 & echo up; wait; :", &id));
    let pid = b.create(&id);
    assert_eq!(b.sct(&["start", &id]).code, 0);
    wait_until("the container's output", || b.read("stdout") == "up\n");
    let kill = b.sct(&["kill", "--all", &id, "KILL"]);
    assert_eq!((kill.code, kill.stderr.as_str()), (0, ""));
    assert_eq!(reap_within(pid), 128 + 9);
    let delete = b.sct(&["delete", &id]);
    assert_eq!((delete.code, delete.stderr.as_str()), (0, ""));
    b.assert_gone(&id);
}

#[test]
fn run_waits_and_gives_the_exit_status() {
    let Some((uid, gid)) = user() else { return };
    let b = Bundle::new(uid, gid);
    let id = unique_token("oci-rootless");
    b.spec(|c| c["process"]["args"] = script("echo ran=$(id -u); exit 7", &id));
    let out = b.sct(&["run", &id]);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (7, "ran=0\n", "")
    );
    b.assert_gone(&id);
}

#[test]
fn a_memory_limit_without_a_delegated_cgroup_is_a_clear_error() {
    let Some((uid, gid)) = user() else { return };
    let b = Bundle::new(uid, gid);
    let id = unique_token("oci-rootless");
    b.spec(|c| {
        c["process"]["args"] = script("echo ran", &id);
        c["linux"]["resources"] = json!({"memory": {"limit": 67108864}});
    });
    for cmd in ["create", "run"] {
        let out = b.sct(&[cmd, &id]);
        assert_eq!(out.code, 1, "{out:?}");
        assert_eq!(out.stdout, "");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 2, "{out:?}");
        assert!(
            lines[0].starts_with("sct: mkdir cgroup ")
                && lines[0].ends_with(": EACCES (Permission denied)"),
            "{out:?}"
        );
        assert_eq!(lines[1], OCI_NO_DELEGATION_HINT);
        b.assert_gone(&id);
    }
}

const OCI_NO_DELEGATION_HINT: &str = "sct: hint: limits need a cgroup delegated to you: run sct in a systemd scope with Delegate=yes (systemd-run --user --scope -p Delegate=yes) or have root chown a cgroup to you, and name it in linux.cgroupsPath (README, Rootless)";

#[test]
fn without_root_or_xdg_runtime_dir_the_state_has_no_place() {
    let Some((uid, gid)) = user() else { return };
    let b = Bundle::new(uid, gid);
    b.spec(|_| {});
    for args in [&["create", "x"][..], &["state", "x"], &["list"]] {
        let out = Output::from(
            b.command(args)
                .env_remove("XDG_RUNTIME_DIR")
                .output()
                .unwrap(),
        );
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (
                1,
                "sct: --root: not given, and XDG_RUNTIME_DIR is not an absolute path\n\
                 sct: hint: as an ordinary user, pass --root DIR (a directory of yours) or set XDG_RUNTIME_DIR\n"
            ),
            "{args:?}"
        );
    }
    assert!(!b.state_root().exists());
}

/// The first id of `sct-test`'s range in FILE, if it has one and the
/// helpers are installed.
fn sub_range(file: &str) -> Option<u32> {
    let text = std::fs::read_to_string(file).ok()?;
    let first = text
        .lines()
        .find_map(|l| l.strip_prefix("sct-test:"))?
        .split(':')
        .next()?
        .parse()
        .ok()?;
    ["/usr/bin/newuidmap", "/usr/bin/newgidmap"]
        .iter()
        .all(|p| Path::new(p).exists())
        .then_some(first)
}

#[test]
fn maps_beyond_the_callers_own_ids_go_through_newuidmap() {
    let Some((uid, gid)) = user() else { return };
    let (Some(sub_uid), Some(sub_gid)) = (sub_range("/etc/subuid"), sub_range("/etc/subgid"))
    else {
        tool_ready(
            false,
            "sct-test's ranges in /etc/subuid and /etc/subgid, and newuidmap (Debian uidmap)",
        );
        return;
    };
    for (root, sub) in [(false, "you, then your range"), (true, "your range from 0")] {
        let b = Bundle::new(uid, gid);
        let id = unique_token("oci-rootless");
        let maps = |own: u32, first: u32| {
            if root {
                json!([{"containerID": 0, "hostID": first, "size": 65536}])
            } else {
                json!([{"containerID": 0, "hostID": own, "size": 1},
                       {"containerID": 1, "hostID": first, "size": 65536}])
            }
        };
        b.spec(|c| {
            c["process"]["args"] = script("cat /proc/self/uid_map /proc/self/gid_map; id -u", &id);
            c["linux"]["uidMappings"] = maps(uid, sub_uid);
            c["linux"]["gidMappings"] = maps(gid, sub_gid);
        });
        if root {
            // The rootfs is the mapped root's, as an image unpacked for
            // this mapping is.
            let status = Command::new("chown")
                .args(["-R", &format!("{sub_uid}:{sub_gid}")])
                .arg(b.rootfs.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        // Without the helpers (none in PATH), refused before anything exists.
        let refused = Output::from(
            b.command(&["run", &id])
                .env("PATH", "/nonexistent")
                .output()
                .unwrap(),
        );
        assert_eq!(
            (refused.code, refused.stderr.as_str()),
            (
                1,
                "sct: linux.uidMappings: maps more than your own uid and gid, and newuidmap and newgidmap are not usable\n\
                 sct: hint: install them (Debian: uidmap) and give yourself ranges in /etc/subuid and /etc/subgid, or map only yourself, as 'sct spec --rootless' does\n"
            ),
            "{sub}"
        );
        b.assert_gone(&id);
        let out = b.sct(&["run", &id]);
        assert_eq!((out.code, out.stderr.as_str()), (0, ""), "{sub}");
        let lines: Vec<String> = out
            .stdout
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        let expected: Vec<String> = if root {
            vec![
                format!("0 {sub_uid} 65536"),
                format!("0 {sub_gid} 65536"),
                "0".into(),
            ]
        } else {
            vec![
                format!("0 {uid} 1"),
                format!("1 {sub_uid} 65536"),
                format!("0 {gid} 1"),
                format!("1 {sub_gid} 65536"),
                "0".into(),
            ]
        };
        assert_eq!(lines, expected, "{sub}");
        b.assert_gone(&id);
    }
}

#[test]
fn a_pids_limit_in_a_delegated_cgroup() {
    let Some((uid, gid)) = user() else { return };
    let pids_v1 = Path::new("/sys/fs/cgroup/pids");
    if !tool_ready(
        pids_v1.join("cgroup.procs").exists(),
        "cgroup v1's pids controller at /sys/fs/cgroup/pids",
    ) {
        return;
    }
    let b = Bundle::new(uid, gid);
    let id = unique_token("oci-rootless");
    let own = own_cgroup("pids");
    let name = unique_token("delegated");
    let dir = pids_v1.join(own.trim_start_matches('/')).join(&name);
    std::fs::create_dir(&dir).unwrap();
    let _remove = RemoveDir(dir.clone());
    // What `chown` of a cgroup for delegation means: the directory and
    // the files that move processes.
    for p in [dir.clone(), dir.join("cgroup.procs"), dir.join("tasks")] {
        std::os::unix::fs::chown(&p, Some(uid), Some(gid)).unwrap();
    }
    let path = format!("{}/{name}/{id}", own.trim_end_matches('/'));
    b.spec(|c| {
        c["process"]["args"] = script("sleep 1000 & echo up; wait; :", &id);
        c["linux"]["resources"] = json!({"pids": {"limit": 10}});
        c["linux"]["cgroupsPath"] = json!(path);
    });
    let pid = b.create(&id);
    let cg = dir.join(&id);
    assert_eq!(
        std::fs::read_to_string(cg.join("pids.max")).unwrap(),
        "10\n"
    );
    assert_eq!(b.sct(&["start", &id]).code, 0);
    // Printed after the fork: both are in the cgroup by then.
    wait_until("the container's output", || b.read("stdout") == "up\n");
    let ps = b.sct(&["ps", "--format", "json", &id]);
    assert_eq!(ps.code, 0, "{ps:?}");
    let listed: Vec<u32> = serde_json::from_str(&ps.stdout).unwrap();
    assert_eq!(listed.len(), 2, "{ps:?}");
    assert!(listed.contains(&pid), "{ps:?}");
    // exec's process joins the cgroup too.
    let exec = b.sct(&["exec", &id, "cat", "/proc/self/cgroup"]);
    assert_eq!(exec.code, 0, "{exec:?}");
    let line = exec.stdout.lines().find(|l| l.contains(":pids:")).unwrap();
    assert_eq!(line.split(':').nth(2).unwrap(), path, "{exec:?}");
    let kill = b.sct(&["kill", "--all", &id, "KILL"]);
    assert_eq!((kill.code, kill.stderr.as_str()), (0, ""));
    assert_eq!(reap_within(pid), 128 + 9);
    let delete = b.sct(&["delete", &id]);
    assert_eq!((delete.code, delete.stderr.as_str()), (0, ""));
    b.assert_gone(&id);
    assert!(!cg.exists(), "cgroup {} left behind", cg.display());
}
