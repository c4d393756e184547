//! OCI hooks (runtime-spec config.md, "POSIX-platform Hooks"; runtime.md,
//! "Lifecycle"): each kind runs at its point, in its namespaces, with the
//! state on stdin and exactly its own args and env; failing hooks fail
//! the operation and leave nothing, or warn and let the rest go on; a hook
//! past its timeout is killed. The hooks are busybox sh scripts: on the
//! host beside the bundle, and in the rootfs for startContainer, whose
//! path resolves in the container.

#![cfg(feature = "oci")]

#[path = "common/bundle.rs"]
mod bundle;
mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use bundle::*;
use common::*;
use serde_json::{json, Value};

/// What each hook records, in OUT (its second argument): its stdin, its
/// exact environment and argv (read from /proc by shell builtins alone,
/// so nothing of the shell's is added), its mount namespace, whether the
/// path in its third argument exists, and its kind, appended to `order`
/// (and, see `hook`, whether the container's mounts are made).
/// It exits with $HOOK_EXIT, or sleeps first with $HOOK_SLEEP.
const HOOK: &str = r#"#!/bin/busybox sh
kind=$1 out=$2
/bin/busybox cat > "$out/$kind.state"
while IFS= read -r -d "" l; do echo "$l"; done < /proc/self/environ > "$out/$kind.env"
while IFS= read -r -d "" l; do echo "$l"; done < /proc/self/cmdline > "$out/$kind.argv"
/bin/busybox readlink /proc/self/ns/mnt > "$out/$kind.mnt"
if [ -n "$3" ] && [ -e "$3" ]; then echo yes > "$out/$kind.exists"; fi
if [ -n "$4" ]; then
  pid=$(/bin/busybox sed -n 's/.*"pid":\([0-9]*\).*/\1/p' "$out/$kind.state")
  if [ -e "/proc/$pid/root$4/proc/1/stat" ]; then echo yes > "$out/$kind.mounted"; fi
fi
echo "$kind" >> "$out/order"
if [ -n "$HOOK_SLEEP" ]; then exec /bin/busybox sleep "$HOOK_SLEEP"; fi
exit "${HOOK_EXIT:-0}"
"#;

const KINDS: [&str; 6] = [
    "prestart",
    "createRuntime",
    "createContainer",
    "startContainer",
    "poststart",
    "poststop",
];

struct Hooked {
    b: Bundle,
    /// CMD sleeps this many seconds: its own token, to find its process.
    token: String,
    /// The host's path of the directory the hooks write to (`/out` in the
    /// container).
    out: PathBuf,
}

impl Hooked {
    /// A bundle whose CMD waits, with `hooks(host_script, out_dir)` as
    /// config.json's `hooks`. The script is on the host beside the bundle,
    /// and at /hook.sh in the rootfs (not on the host at that path).
    fn new(hooks: impl FnOnce(&str, &str) -> Value) -> Hooked {
        let token = sleep_token();
        let b = Bundle::new(&["sleep", &token]);
        let script = b.dir().join("hook.sh");
        for path in [script.clone(), b.rootfs.path().join("hook.sh")] {
            std::fs::write(&path, HOOK).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        assert!(!Path::new("/hook.sh").exists());
        let out = b.rootfs.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let config_path = b.dir().join("config.json");
        let mut config: Value =
            serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
        config["hooks"] = hooks(script.to_str().unwrap(), out.to_str().unwrap());
        std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
        Hooked { b, out, token }
    }

    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.out.join(name)).unwrap_or_default()
    }

    fn order(&self) -> Vec<String> {
        self.read("order").lines().map(String::from).collect()
    }

    fn state(&self, kind: &str) -> Value {
        let text = self.read(&format!("{kind}.state"));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind}'s stdin {text:?}: {e}"))
    }

    /// `create` with stdio in files (the parked init holds them open).
    fn create(&self, id: &str) -> Output {
        let pid_file = self.b.dir().join(format!("{id}.pid"));
        let status = self
            .b
            .command(&["create", "--pid-file", pid_file.to_str().unwrap(), id])
            .stdout(std::fs::File::create(self.b.dir().join("stdout")).unwrap())
            .stderr(std::fs::File::create(self.b.dir().join("stderr")).unwrap())
            .status()
            .unwrap();
        Output {
            code: status.code().unwrap_or(-1),
            stdout: self.b.read("stdout"),
            stderr: self.b.read("stderr"),
        }
    }

    fn pid(&self, id: &str) -> u32 {
        let text = std::fs::read_to_string(self.b.dir().join(format!("{id}.pid"))).unwrap();
        text.parse().unwrap()
    }
}

/// A number of seconds to sleep that no other test's process has in its
/// command line.
fn sleep_token() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    (1_000_000_000u64
        + u64::from(std::process::id()) * 100
        + u64::from(N.fetch_add(1, Ordering::SeqCst)))
    .to_string()
}

/// A hook of `kind` running the script with its kind and the output
/// directory as arguments, and `env`. With a fourth argument ROOTFS, it
/// records whether the container's /proc is mounted at ROOTFS/proc in the
/// mount namespace of the pid its state names.
fn hook(script: &str, kind: &str, out: &str, env: &[&str]) -> Value {
    json!({"path": script, "args": ["hook-argv0", kind, out], "env": env, "timeout": 60})
}

/// Every kind's script, in the container for startContainer.
fn all_hooks(script: &str, out: &str, state_dir: &str, env: &[&str]) -> Value {
    let mut hooks = json!({});
    for kind in KINDS {
        let (path, dir) = match kind {
            "startContainer" => ("/hook.sh", "/out"),
            _ => (script, out),
        };
        let mut h = hook(path, kind, dir, env);
        if kind == "poststop" {
            h["args"] = json!(["hook-argv0", kind, dir, state_dir]);
        }
        hooks[kind] = json!([h]);
    }
    hooks
}

#[test]
fn each_hook_runs_at_its_point_with_state_args_and_env() {
    let mut state_dir = String::new();
    let h = Hooked::new(|script, out| {
        let root = Path::new(out).parent().unwrap().parent().unwrap();
        state_dir = root.join("state/hooks").to_str().unwrap().to_string();
        let mut hooks = all_hooks(script, out, &state_dir, &["HOOK_ENV=1", "SECOND=two words"]);
        let rootfs = Path::new(out).parent().unwrap().to_str().unwrap();
        for kind in ["prestart", "createRuntime"] {
            hooks[kind][0]["args"] = json!(["hook-argv0", kind, out, "", rootfs]);
        }
        // A hook whose path is a program and whose args[0] differs: busybox
        // runs the applet argv[0] names, and /proc shows it.
        let argv0 = format!(
            "while IFS= read -r -d '' a; do echo \"$a\"; done < /proc/self/cmdline > {out}/argv0.txt"
        );
        hooks["prestart"]
            .as_array_mut()
            .unwrap()
            .push(json!({"path": BUSYBOX, "args": ["sh", "-c", argv0]}));
        hooks
    });
    let b = &h.b;
    let created = h.create("hooks");
    assert_eq!(created.code, 0, "{}", created.stderr);
    let pid = h.pid("hooks");
    let cgroups = b.cgroups("hooks");
    assert_eq!(
        h.order(),
        ["prestart", "createRuntime", "createContainer"],
        "create runs these three, in order"
    );
    let argv0 = h.read("argv0.txt");
    assert!(argv0.starts_with("sh\n-c\nwhile "), "{argv0}");
    let start = b.sct(&["start", "hooks"]);
    assert_eq!(start.code, 0, "{}", start.stderr);
    // poststart before `start` returned, after startContainer.
    assert_eq!(&h.order()[3..], ["startContainer", "poststart"]);
    assert_eq!(b.state("hooks")["status"], "running");
    assert_eq!(b.sct(&["kill", "hooks", "KILL"]).code, 0);
    assert_eq!(reap(pid), 128 + 9);
    let deleted = b.sct(&["delete", "hooks"]);
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert_eq!(h.order(), KINDS);
    assert_gone(b, "hooks", &cgroups);

    let init_mnt = h.read("startContainer.mnt");
    let host_mnt = host_ns("mnt");
    for kind in KINDS {
        let st = h.state(kind);
        let (status, expected_pid) = match kind {
            "prestart" | "createRuntime" => ("creating", pid),
            // In the container: its own PID namespace's pid (runtime.md, State).
            "createContainer" => ("creating", 1),
            "startContainer" => ("created", 1),
            "poststart" => ("running", pid),
            _ => ("stopped", 0),
        };
        assert_eq!(st["status"], status, "{kind}: {st}");
        assert_eq!(st["pid"], expected_pid, "{kind}: {st}");
        assert_eq!(st["id"], "hooks", "{kind}");
        assert_eq!(st["bundle"], b.dir().to_str().unwrap(), "{kind}");
        assert_eq!(st["annotations"]["org.test"], "yes", "{kind}");
        assert_eq!(
            h.read(&format!("{kind}.env")),
            "HOOK_ENV=1\nSECOND=two words\n",
            "{kind}: exactly the hook's env"
        );
        let (script, out) = match kind {
            "startContainer" => ("/hook.sh".to_string(), "/out".to_string()),
            _ => (
                b.dir().join("hook.sh").to_str().unwrap().to_string(),
                h.out.to_str().unwrap().to_string(),
            ),
        };
        // The kernel puts the interpreter and the script's path in front of
        // args[1..] (args[0] is checked above, with busybox itself).
        let mut argv = format!("/bin/busybox\nsh\n{script}\n{kind}\n{out}\n");
        match kind {
            "poststop" => argv += &format!("{state_dir}\n"),
            "prestart" | "createRuntime" => {
                argv += &format!("\n{}\n", b.rootfs.path().display());
                // runc's point: after the container's mounts, before its
                // pivot_root.
                assert_eq!(h.read(&format!("{kind}.mounted")), "yes\n", "{kind}");
            }
            _ => {}
        }
        assert_eq!(h.read(&format!("{kind}.argv")), argv, "{kind}");
        let mnt = h.read(&format!("{kind}.mnt"));
        match kind {
            "createContainer" | "startContainer" => {
                assert_eq!(mnt, init_mnt, "{kind} in the container's mount namespace")
            }
            _ => assert_eq!(mnt.trim(), host_mnt, "{kind} in the runtime's"),
        }
    }
    assert_ne!(init_mnt.trim(), host_mnt);
    assert!(
        !h.out.join("poststop.exists").exists(),
        "poststop ran after the state was removed"
    );
}

/// What a failed create or start must leave: its error naming the hook
/// and its status, exit 1, no state, cgroup or process, and the poststop
/// hooks run (runtime.md, "Lifecycle": on to steps 12 and 13).
fn assert_failed(h: &Hooked, out: &Output, kind: &str, id: &str) {
    assert_eq!(out.code, 1, "{}", out.stderr);
    let script = match kind {
        "startContainer" => "/hook.sh".to_string(),
        _ => h.b.dir().join("hook.sh").to_str().unwrap().to_string(),
    };
    assert_eq!(
        out.stderr,
        format!("sct: hook {kind}[0] {script}: exited with status 7\n")
    );
    assert!(!h.b.container_dir(id).exists(), "state of {id} left behind");
    assert_processes_gone(&h.token);
    assert_eq!(h.order().last().map(String::as_str), Some("poststop"));
}

#[test]
fn a_failing_create_hook_fails_create_and_leaves_nothing() {
    for failing in ["prestart", "createRuntime", "createContainer"] {
        let h = Hooked::new(|script, out| {
            let mut hooks = all_hooks(script, out, "", &[]);
            hooks[failing][0]["env"] = json!(["HOOK_EXIT=7"]);
            hooks
        });
        let created = h.create("failing");
        assert_failed(&h, &created, failing, "failing");
        let ran: Vec<_> = KINDS
            .iter()
            .take_while(|k| **k != failing)
            .chain([&failing, &"poststop"])
            .map(|k| k.to_string())
            .collect();
        assert_eq!(h.order(), ran, "{failing}: no hook after it but poststop");
    }
}

#[test]
fn a_failing_start_container_hook_fails_start_and_leaves_nothing() {
    let h = Hooked::new(|script, out| {
        let mut hooks = all_hooks(script, out, "", &[]);
        hooks["startContainer"][0]["env"] = json!(["HOOK_EXIT=7"]);
        hooks
    });
    let created = h.create("failing");
    assert_eq!(created.code, 0, "{}", created.stderr);
    let pid = h.pid("failing");
    let cgroups = h.b.cgroups("failing");
    let start = h.b.sct(&["start", "failing"]);
    assert_failed(&h, &start, "startContainer", "failing");
    assert_eq!(
        h.order(),
        [
            "prestart",
            "createRuntime",
            "createContainer",
            "startContainer",
            "poststop"
        ]
    );
    // The init ended without running CMD: by its own exit (sct's setup
    // failure status) or by `start`'s SIGKILL, whichever came first.
    let code = reap(pid);
    assert!(code == 125 || code == 137, "{code}");
    assert_gone(&h.b, "failing", &cgroups);
}

#[test]
fn failing_poststart_and_poststop_hooks_warn_and_the_rest_go_on() {
    let h = Hooked::new(|script, out| {
        let mut hooks = all_hooks(script, out, "", &[]);
        for kind in ["poststart", "poststop"] {
            let second = format!("{kind}-second");
            hooks[kind] = json!([
                hook(script, kind, out, &["HOOK_EXIT=7"]),
                hook(script, &second, out, &[]),
            ]);
        }
        hooks
    });
    let log = h.b.dir().join("log.json");
    let created = h.create("warned");
    assert_eq!(created.code, 0, "{}", created.stderr);
    let pid = h.pid("warned");
    let cgroups = h.b.cgroups("warned");
    let logged = ["--log", log.to_str().unwrap(), "--log-format", "json"];
    let start = h.b.sct(&[&logged[..], &["start", "warned"]].concat());
    assert_eq!(start.code, 0, "{}", start.stderr);
    let script = h.b.dir().join("hook.sh");
    let warning = |kind: &str| {
        format!(
            "sct: warning: hook {kind}[0] {}: exited with status 7\n",
            script.display()
        )
    };
    assert_eq!(start.stderr, warning("poststart"));
    assert_eq!(h.b.state("warned")["status"], "running");
    assert_eq!(h.b.sct(&["kill", "warned", "KILL"]).code, 0);
    assert_eq!(reap(pid), 137);
    let delete = h.b.sct(&[&logged[..], &["delete", "warned"]].concat());
    assert_eq!(delete.code, 0, "{}", delete.stderr);
    assert_eq!(delete.stderr, warning("poststop"));
    assert_eq!(
        &h.order()[4..],
        [
            "poststart",
            "poststart-second",
            "poststop",
            "poststop-second"
        ]
    );
    let lines: Vec<Value> = std::fs::read_to_string(&log)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for (line, kind) in lines.iter().zip(["poststart", "poststop"]) {
        assert_eq!(line["level"], "warning");
        assert_eq!(
            line["msg"],
            warning(kind)
                .trim_end()
                .trim_start_matches("sct: warning: ")
        );
    }
    assert_gone(&h.b, "warned", &cgroups);
}

#[test]
fn a_hook_past_its_timeout_is_killed_and_create_fails() {
    let token = sleep_token();
    let h = Hooked::new(|script, out| {
        let mut hooks = all_hooks(script, out, "", &[]);
        let sleep = format!("HOOK_SLEEP={token}");
        hooks["createRuntime"] = json!([{
            "path": script,
            "args": ["hook", "createRuntime", out],
            "env": [sleep],
            "timeout": 1
        }]);
        hooks
    });
    let script = h.b.dir().join("hook.sh");
    let created = h.create("slow");
    assert_eq!(created.code, 1, "{}", created.stderr);
    assert_eq!(
        created.stderr,
        format!(
            "sct: hook createRuntime[0] {}: timed out after 1 s and was killed\n",
            script.display()
        )
    );
    assert!(!h.b.container_dir("slow").exists());
    assert_processes_gone(&token);
    assert_eq!(h.order(), ["prestart", "createRuntime", "poststop"]);
}

#[test]
fn run_runs_every_hook_too() {
    let h = Hooked::new(|script, out| all_hooks(script, out, "", &[]));
    let config_path = h.b.dir().join("config.json");
    let mut config: Value = serde_json::from_slice(&std::fs::read(&config_path).unwrap()).unwrap();
    config["process"]["args"] = json!(["sh", "-c", "echo cmd >> /out/cmd"]);
    std::fs::write(&config_path, serde_json::to_vec_pretty(&config).unwrap()).unwrap();
    let run = h.b.sct(&["run", "ran"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(h.read("cmd"), "cmd\n");
    assert_eq!(h.order(), KINDS);
    assert_eq!(h.state("poststop")["status"], "stopped");
    assert!(!h.b.container_dir("ran").exists());
}
