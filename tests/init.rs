//! `--init`: sct's own init as PID 1, CMD as its child.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;

/// Waits up to `secs` for `child` to exit; its exit code, or None.
fn wait_for(child: &mut Running, secs: u64) -> Option<i32> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            use std::os::unix::process::ExitStatusExt;
            return Some(
                status
                    .code()
                    .unwrap_or_else(|| 128 + status.signal().unwrap()),
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// The pids of `pid`'s children.
fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap()
        .split_whitespace()
        .map(|p| p.parse().unwrap())
        .collect()
}

both_paths! {
    fn command_runs_as_child_of_pid_1(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("pid"), out.value("ppid")), ("2".into(), "1".into()), "{out:?}");
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/sh", "-c", "cat /proc/1/comm"]).ok();
        assert_eq!(out.stdout, "sct\n");
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("pid"), "1", "without --init CMD is PID 1");
    }

    fn exit_codes_pass_through_the_init(sct) {
        let rootfs = Rootfs::new();
        for code in [0, 1, 42, 125, 255] {
            let out = sct.run_in(&rootfs, &["--init"], &["/bin/probe", "exit", &code.to_string()]);
            assert_eq!(out.code, code, "{out:?}");
        }
        // Not PID 1 any more, CMD can be killed by its own signal.
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/sh", "-c", "kill -KILL $$"]);
        assert_eq!(out.code, 137, "{out:?}");
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/sh", "-c", "kill -TERM $$"]);
        assert_eq!(out.code, 143, "{out:?}");
        let out = sct.run_in(&rootfs, &["--init"], &["/nonexistent"]);
        assert_eq!(out.code, 127, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: exec /nonexistent: ENOENT (No such file or directory)\n\
             sct: hint: CMD is looked up inside ROOTFS; a dynamically linked CMD also needs its loader and libraries there\n"
        );
    }

    fn extra_denied_syscalls_bind_the_command_not_the_init(sct) {
        // The init needs wait4, rt_sigtimedwait and kill; were it denied
        // them, it could not reap CMD and sct would wait forever.
        let rootfs = Rootfs::new();
        let args = ["--init", "--seccomp-deny", "wait4,kill,rt_sigtimedwait", rootfs.path().to_str().unwrap(), "/bin/probe", "syscall", "kill", "0", "0"];
        let mut child = Running(sct.command(&args).stdout(Stdio::piped()).spawn().unwrap());
        assert_eq!(wait_for(&mut child, 10), Some(0), "sct should end when CMD does");
        let mut out = String::new();
        std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut out).unwrap();
        assert_eq!(out, "errno=EPERM\n");
    }

    fn the_init_counts_as_a_process(sct) {
        let rootfs = Rootfs::new();
        // nproc counts every process of the UID on the host: one UID per
        // spawn path, as both run at once.
        let uid = if sct.spawn == Spawn::Clone3 { "54331" } else { "54332" };
        let out = sct.run_in(&rootfs, &["--init", "--user", uid, "--rlimit", "nproc=1"], &["/bin/true"]);
        assert_eq!(out.code, 125, "{out:?}");
        assert_eq!(
            out.stderr,
            "sct: fork init: EAGAIN (Try again)\n\
             sct: hint: under --init the init is a process too: it counts against --pids-limit and --rlimit nproc\n"
        );
        let out = sct.run_in(&rootfs, &["--init", "--user", uid, "--rlimit", "nproc=2"], &["/bin/true"]);
        assert_eq!(out.code, 0, "{out:?}");
    }

    fn the_command_cannot_look_into_the_init(sct) {
        let rootfs = Rootfs::new();
        // Root inside, but without CAP_SYS_PTRACE, against a non-dumpable
        // process (CVE-2019-5736 went through /proc/1/exe).
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/sh", "-c", "/bin/probe read /proc/1/maps; /bin/probe read /proc/1/exe; /bin/probe read /proc/1/mem; true"]).ok();
        assert_eq!(out.stdout, "error=EACCES\nerror=EACCES\nerror=EACCES\n", "{out:?}");
    }

    fn orphans_are_reaped_under_init_only(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--init"], &["/bin/probe", "orphans", "20"]).ok();
        assert_eq!(out.value("zombies"), "0", "{out:?}");
        // The control: the probe as PID 1 never reaps what it adopts.
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "orphans", "20"]).ok();
        assert_eq!(out.value("zombies"), "20", "{out:?}");
    }

    fn sigterm_ends_a_plain_shell_under_init_only(sct) {
        let rootfs = Rootfs::new();
        for init in [true, false] {
            let mut args = vec![];
            if init {
                args.push("--init");
            }
            args.extend([rootfs.path().to_str().unwrap(), "sh"]);
            let mut child = Running(
                sct.command(&args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().unwrap(),
            );
            let mut stdin = child.stdin.take().unwrap();
            let mut stdout = BufReader::new(child.stdout.take().unwrap());
            stdin.write_all(b"echo ready\n").unwrap();
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            assert_eq!(line, "ready\n");
            let pid = child.id().to_string();
            assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
            if init {
                assert_eq!(wait_for(&mut child, 10), Some(143), "sh under --init should die of SIGTERM");
            } else {
                // PID 1 has no handler for SIGTERM: the kernel drops it.
                assert_eq!(wait_for(&mut child, 1), None, "a PID-1 shell ignores SIGTERM");
                stdin.write_all(b"exit 7\n").unwrap();
                assert_eq!(wait_for(&mut child, 10), Some(7));
            }
        }
    }

    fn signals_reach_the_command_through_the_init(sct) {
        assert_signals_reach_the_command(sct, &Rootfs::new(), &["--init"]);
    }

    fn init_is_not_dumpable_confined_and_maps_only_sct(sct) {
        let rootfs = Rootfs::new();
        let token = unique_token("init");
        let (mut child, _) = sct.start_ready(&["--init".as_ref(), rootfs.path().as_os_str(), "/bin/probe".as_ref(), "pause".as_ref(), token.as_ref()]);
        // sct's child (on the old-kernel path the fake's exec leaves sct at
        // the same pid) is the init.
        let init = children(child.id());
        assert_eq!(init.len(), 1, "sct should have one child, the init");
        let init = init[0];
        let status = std::fs::read_to_string(format!("/proc/{init}/status")).unwrap();
        assert!(status.lines().any(|l| l == "Seccomp:\t2"), "init not under the filter:\n{status}");
        assert!(status.lines().any(|l| l == "NoNewPrivs:\t1"), "{status}");
        // Every executable mapping is sct itself or the kernel's vDSO.
        let sct_exe = std::fs::read_link(format!("/proc/{}/exe", child.id())).unwrap();
        let maps = std::fs::read_to_string(format!("/proc/{init}/maps")).unwrap();
        for m in maps.lines() {
            let fields: Vec<&str> = m.split_whitespace().collect();
            if fields[1].contains('x') {
                let name = fields.get(5).copied().unwrap_or("");
                assert!(name == sct_exe.to_str().unwrap() || name == "[vdso]" || name == "[vsyscall]", "unexpected code in the init: {m}");
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert_processes_gone(&token);
    }
}
