//! PTRACE_TRACEME inside the container makes sct (or `--init`) the tracer
//! of CMD: sct must neither hang nor leave CMD to itself, whatever CMD does,
//! and CMD must end as it would untraced. The programs are C, in
//! tests/ptrace, built static by the test.

mod common;

use common::*;

/// Builds the C programs in tests/ptrace as static binaries (gcc, glibc's
/// libc.a: Debian's gcc and libc6-dev, which build/deps installs); `None`,
/// said as a SKIP, when gcc is missing outside CI.
fn ptrace_programs() -> Option<&'static std::path::Path> {
    static DIR: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let out = root.join("target/ptrace");
        std::fs::create_dir_all(&out).unwrap();
        for name in ["traceme_thread", "traceme_raise", "raise_only"] {
            let status = std::process::Command::new("gcc")
                .args(["-static", "-O2", "-pthread", "-o"])
                .arg(out.join(name))
                .arg(root.join("tests/ptrace").join(format!("{name}.c")))
                .status();
            match status {
                Ok(s) if s.success() => {}
                _ if std::env::var_os("CI").is_none() => {
                    println!("SKIP: gcc -static cannot build tests/ptrace/{name}.c (Debian: gcc libc6-dev)");
                    return None;
                }
                other => panic!("gcc -static tests/ptrace/{name}.c: {other:?}"),
            }
        }
        Some(out)
    })
    .as_deref()
}

/// Runs `sct OPTS ROOTFS /bin/NAME` under a deadline: a hang is a failure,
/// and the container is killed.
fn run_with_deadline(rootfs: &Rootfs, opts: &[&str], name: &str) -> Output {
    let sct = Sct {
        spawn: Spawn::Clone3,
    };
    let mut args: Vec<std::ffi::OsString> = opts.iter().map(|s| s.into()).collect();
    args.extend([rootfs.path().into(), format!("/bin/{name}").into()]);
    output_within(sct.command(&args), &format!("sct {opts:?} /bin/{name}"))
}

#[test]
fn ptrace_traceme_inside_neither_hangs_nor_abandons_cmd() {
    require_root();
    let Some(programs) = ptrace_programs() else {
        return;
    };
    let rootfs = Rootfs::new();
    for name in ["traceme_thread", "traceme_raise", "raise_only"] {
        std::fs::copy(programs.join(name), rootfs.path().join("bin").join(name)).unwrap();
    }
    for opts in [&[][..], &["--init"]] {
        // A thread that made sct (or the init) its tracer, and exits.
        let out = run_with_deadline(&rootfs, opts, "traceme_thread");
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (0, ""),
            "{opts:?}: {out:?}"
        );
        // SIGUSR1 to itself once traced ends as it does untraced: ignored
        // by PID 1 (the kernel drops a default-action signal to a namespace's
        // init), fatal to CMD under --init.
        let untraced = run_with_deadline(&rootfs, opts, "raise_only");
        let want = if opts.is_empty() { 0 } else { 128 + 10 };
        assert_eq!(
            (untraced.code, untraced.stderr.as_str()),
            (want, ""),
            "{opts:?}: {untraced:?}"
        );
        let out = run_with_deadline(&rootfs, opts, "traceme_raise");
        assert_eq!(
            (out.code, out.stderr.as_str()),
            (want, ""),
            "{opts:?}: {out:?}"
        );
    }
}
