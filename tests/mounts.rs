//! `--tmpfs`, read-only binds over submounts, and /dev nodes bound from the
//! host when sct may not mknod.

mod common;

use std::ffi::OsStr;
use std::os::unix::fs::MetadataExt;
use std::process::Command;

use common::*;

/// `cmd` run as `wrapper... cmd`.
fn wrapped(wrapper: &[&str], cmd: Command) -> Command {
    let mut c = Command::new(wrapper[0]);
    c.args(&wrapper[1..])
        .arg(cmd.get_program())
        .args(cmd.get_args())
        .stdin(std::process::Stdio::null());
    c
}

fn output(mut c: Command) -> Output {
    Output::from(c.output().expect("start the command"))
}

/// The fields of the mountinfo line whose mount point is `at`.
fn mount_at(mountinfo: &str, at: &str) -> Vec<String> {
    let line = mountinfo
        .lines()
        .find(|l| l.split(' ').nth(4) == Some(at))
        .unwrap_or_else(|| panic!("no mount at {at} in:\n{mountinfo}"));
    line.split(' ').map(String::from).collect()
}

fn host_mounts() -> String {
    std::fs::read_to_string("/proc/self/mountinfo").unwrap()
}

both_paths! {
    fn tmpfs_has_its_size_and_stays_writable_under_read_only(sct) {
        let rootfs = Rootfs::new();
        let before = host_mounts();
        let opts = ["--read-only", "--tmpfs", "/tmp:size=5m", "--tmpfs", "/run/a/b"];
        let out = sct.run_in(&rootfs, &opts, &["/bin/probe", "read", "/proc/self/mountinfo"]).ok();
        let tmp = mount_at(&out.stdout, "/tmp");
        assert_eq!(tmp[5..], ["rw,nosuid,nodev,relatime", "-", "tmpfs", "tmpfs", "rw,size=5120k"]);
        // Without size=, the kernel's default (half of RAM), which it does not show.
        let run = mount_at(&out.stdout, "/run/a/b");
        assert_eq!(run[5..], ["rw,nosuid,nodev,relatime", "-", "tmpfs", "tmpfs", "rw"]);
        let script = "/bin/probe write /tmp/f; /bin/probe write /run/a/b/f; /bin/probe write /f; stat -c %a /tmp /run/a/b; df -k /tmp | grep -c ' 5120 '";
        let out = sct.run_in(&rootfs, &opts, &["/bin/sh", "-c", script]).ok();
        assert_eq!(out.stdout, "ok\nok\nerror=EROFS\n1777\n1777\n1\n");
        assert!(rootfs.path().join("run/a/b").is_dir());
        assert_eq!(std::fs::read_dir(rootfs.path().join("tmp")).unwrap().count(), 0);
        assert_eq!(host_mounts(), before);
    }

    fn tmpfs_on_a_symlink_out_of_the_rootfs_is_refused(sct) {
        let rootfs = Rootfs::new();
        let victim = rootfs.outside().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::os::unix::fs::symlink(&victim, rootfs.path().join("link")).unwrap();
        std::os::unix::fs::symlink("../../victim", rootfs.path().join("tmp/rel")).unwrap();
        let before = host_mounts();
        for dst in ["/link", "/link/sub", "/tmp/rel", "/tmp/rel/sub"] {
            let out = sct.run_in(&rootfs, &["--tmpfs", dst], &["/bin/true"]);
            assert_eq!(
                (out.code, out.stderr.as_str()),
                (125, format!("sct: tmpfs {dst}: ELOOP (Too many symbolic links encountered)\n").as_str())
            );
        }
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        assert_eq!(host_mounts(), before);
    }

    fn bad_tmpfs_values_are_usage_errors(sct) {
        let rootfs = Rootfs::new();
        for (value, why) in [
            ("tmp", "DST must be an absolute path"),
            ("/", "DST cannot be / itself"),
            ("/t:size=0", "expected a size like 512k, 20m or 1g"),
            ("/t:size=1x", "expected a size like 512k, 20m or 1g"),
            ("/t:mode=700", "expected DST or DST:size=SIZE"),
        ] {
            let out = sct.run_in(&rootfs, &["--tmpfs", value], &["/bin/true"]);
            assert_eq!(
                (out.code, out.stderr.as_str()),
                (125, format!("sct: --tmpfs '{value}': {why}\nTry 'sct --help'.\n").as_str())
            );
        }
    }

    fn ro_bind_refuses_writes_in_submounts(sct) {
        ro_bind_over_submounts(sct.command(&[""; 0]));
    }

    fn dev_nodes_are_bound_from_the_host_without_cap_mknod(sct) {
        let rootfs = Rootfs::new();
        let host_dev = || {
            ["null", "zero", "full", "random", "urandom", "tty"]
                .map(|n| std::fs::metadata(format!("/dev/{n}")).unwrap())
                .map(|m| (m.mode(), m.uid(), m.gid(), m.rdev()))
        };
        let before = (host_mounts(), host_dev());
        let script = "\
            grep -c -E ' /dev/(null|zero|full|random|urandom|tty) ' /proc/self/mountinfo; \
            stat -c '%n %F %t:%T %a' /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty; \
            echo x >/dev/null && echo null-ok; \
            busybox head -c 4 /dev/zero | wc -c; \
            mknod /tmp/n c 1 3 2>/dev/null || echo mknod-refused; \
            grep CapBnd /proc/self/status";
        let mut args: Vec<&OsStr> = vec![OsStr::new("--cap-add"), OsStr::new("ALL")];
        args.push(rootfs.path().as_os_str());
        args.extend(["/bin/sh", "-c", script].map(OsStr::new));
        let no_mknod = ["setpriv", "--bounding-set", "-mknod", "--inh-caps", "-mknod", "--"];
        let out = output(wrapped(&no_mknod, sct.command(&args[..]))).ok();
        // Every capability but CAP_MKNOD (27): sct really ran without it.
        let lines: Vec<&str> = out.stdout.lines().collect();
        let bounding = u64::from_str_radix(lines[10].trim_start_matches("CapBnd:").trim(), 16).unwrap();
        assert_eq!(bounding & (1 << 27), 0, "{out:?}");
        assert_ne!(bounding, 0);
        let expected = "\
6
/dev/null character special file 1:3 666
/dev/zero character special file 1:5 666
/dev/full character special file 1:7 666
/dev/random character special file 1:8 666
/dev/urandom character special file 1:9 666
/dev/tty character special file 5:0 666
null-ok
4
mknod-refused
";
        assert_eq!(lines[..10].join("\n") + "\n", expected, "{out:?}");
        assert_eq!((host_mounts(), host_dev()), before);
    }
}

/// Before Linux 5.12 (no mount_setattr), sct remounts each submount.
#[test]
fn ro_bind_refuses_writes_in_submounts_without_mount_setattr() {
    let probe = probe().to_str().unwrap();
    let mut c = Command::new(probe);
    c.args(["fake-old-kernel", "no-mount-setattr", "--", SCT]);
    ro_bind_over_submounts(c);
}

/// Runs `sct` (a command to which sct's arguments are appended) with SRC
/// bound read-only, where SRC has tmpfs submounts, one of them nested and
/// one with a space in its name. The submounts are made in a mount
/// namespace of the test's own, so that the host's table never changes.
fn ro_bind_over_submounts(sct: Command) {
    let rootfs = Rootfs::new();
    let data = rootfs.outside().join("data");
    for d in ["sub", "a b"] {
        std::fs::create_dir_all(data.join(d)).unwrap();
    }
    // Mounts the bind covers: listed in mountinfo below DST, but not there.
    // ro/covered also exists in SRC (as no mount), ro/gone does not.
    let covered = rootfs.path().join("ro/covered");
    std::fs::create_dir_all(&covered).unwrap();
    std::fs::create_dir_all(rootfs.path().join("ro/gone")).unwrap();
    std::fs::create_dir_all(data.join("covered")).unwrap();
    let before = host_mounts();
    let script = r#"d=$1; c=$2; shift 2
        mount -t tmpfs sub "$d/sub" && mkdir "$d/sub/deeper" &&
        mount -t tmpfs deeper "$d/sub/deeper" && mount -t tmpfs ab "$d/a b" &&
        mount -t tmpfs covered "$c" && mount -t tmpfs gone "$c/../gone" || exit 99
        "$@"; echo sct-exit=$?
        touch "$d/sub/h" "$d/sub/deeper/h" "$d/a b/h" && echo host-write=ok
        grep " $d/sub " /proc/self/mountinfo"#;
    let d = data.to_str().unwrap();
    let check = "for f in /ro/x /ro/sub/x /ro/sub/deeper/x '/ro/a b/x' /rw/sub/deeper/x; do /bin/probe write \"$f\"; done";
    let mut c = wrapped(
        &[
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--",
            "/bin/sh",
            "-c",
            script,
            "sh",
            d,
            covered.to_str().unwrap(),
        ],
        sct,
    );
    c.args(["-v", &format!("{d}:/ro:ro"), "-v", &format!("{d}:/rw")])
        .arg(rootfs.path())
        .args(["/bin/sh", "-c", check]);
    let out = output(c);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(lines.len() == 8, "{out:?}");
    assert_eq!(
        lines[..7],
        [
            "error=EROFS",
            "error=EROFS",
            "error=EROFS",
            "error=EROFS",
            "ok",
            "sct-exit=0",
            "host-write=ok"
        ],
        "{out:?}"
    );
    // The host's side of the submount is still read-write.
    let sub: Vec<&str> = lines[7].split(' ').collect();
    assert!(sub[5].starts_with("rw,"), "{out:?}");
    assert_eq!(host_mounts(), before);
}
