//! The container's /proc, /sys and /dev, and mount targets that a hostile
//! rootfs turns into symlinks.

mod common;

use common::*;

both_paths! {
    fn dev_has_exactly_the_expected_nodes(sct) {
        let rootfs = Rootfs::new();
        // Under a umask that would narrow every mode sct asks for: the
        // nodes keep theirs, and CMD gets the caller's umask.
        let listing = "stat -c '%n %F %t:%T %a' /dev/*; for l in fd stdin stdout stderr ptmx; do readlink /dev/$l; done; umask";
        let sct = sct.command(&[rootfs.path().as_os_str(), "/bin/sh".as_ref(), "-c".as_ref(), listing.as_ref()]);
        let mut under_umask = std::process::Command::new("/bin/sh");
        under_umask.args(["-c", "umask 077 && exec \"$@\"", "sh"]).arg(sct.get_program()).args(sct.get_args());
        let out = Output::from(under_umask.stdin(std::process::Stdio::null()).output().unwrap()).ok();
        let expected = "\
/dev/fd symbolic link 0:0 777
/dev/full character special file 1:7 666
/dev/mqueue directory 0:0 1777
/dev/null character special file 1:3 666
/dev/ptmx symbolic link 0:0 777
/dev/pts directory 0:0 755
/dev/random character special file 1:8 666
/dev/shm directory 0:0 1777
/dev/stderr symbolic link 0:0 777
/dev/stdin symbolic link 0:0 777
/dev/stdout symbolic link 0:0 777
/dev/tty character special file 5:0 666
/dev/urandom character special file 1:9 666
/dev/zero character special file 1:5 666
/proc/self/fd
/proc/self/fd/0
/proc/self/fd/1
/proc/self/fd/2
pts/ptmx
0077
";
        assert_eq!(out.stdout, expected);
    }

    fn dev_null_and_devpts_work(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/sh", "-c", "echo x >/dev/null && echo null-ok; ls /dev/pts"]).ok();
        assert_eq!(out.stdout, "null-ok\nptmx\n");
        let mounts = sct.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/mountinfo"]).ok();
        let pts = mounts.stdout.lines().find(|l| l.split(' ').nth(4) == Some("/dev/pts")).unwrap();
        assert!(pts.contains("ptmxmode=666") && pts.contains("mode=620"), "{pts}");
    }

    fn sys_is_read_only(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "write", "/sys/kernel/uevent_helper"]);
        assert_eq!(out.stdout, "error=EROFS\n", "{out:?}");
    }

    fn masked_paths_read_empty(sct) {
        let rootfs = Rootfs::new();
        for path in ["/proc/keys", "/proc/timer_list"] {
            assert!(!std::fs::read(path).unwrap().is_empty(), "{path} must be non-empty on the host for this test");
            let out = sct.run_in(&rootfs, &[], &["/bin/probe", "read", path]).ok();
            assert_eq!(out.stdout, "", "{path}");
        }
        // A masked directory is an empty, read-only tmpfs.
        assert!(std::path::Path::new("/sys/firmware").is_dir(), "/sys/firmware must exist on the host");
        let out = sct.run_in(&rootfs, &[], &["/bin/sh", "-c", "ls -A /sys/firmware; /bin/probe write /sys/firmware/x"]);
        assert_eq!(out.stdout, "error=EROFS\n", "{out:?}");
    }

    fn masked_directories_share_one_read_only_tmpfs(sct) {
        let rootfs = Rootfs::new();
        let dirs: Vec<&str> = ["/proc/acpi", "/proc/asound", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap"]
            .into_iter()
            .filter(|p| std::path::Path::new(p).is_dir())
            .collect();
        if dirs.len() < 2 {
            println!("SKIP: fewer than two of sct's masked directories exist on this host: {dirs:?}");
            return;
        }
        let mounts = sct.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/self/mountinfo"]).ok();
        let lines: Vec<&str> = dirs
            .iter()
            .map(|d| {
                let line = mounts.stdout.lines().find(|l| l.split(' ').nth(4) == Some(*d));
                line.unwrap_or_else(|| panic!("{d} is not masked:\n{}", mounts.stdout))
            })
            .collect();
        // One tmpfs (one device), bound on each: no superblock per directory.
        let devices: std::collections::BTreeSet<&str> = lines.iter().map(|l| l.split(' ').nth(2).unwrap()).collect();
        assert_eq!(devices.len(), 1, "{lines:#?}");
        for line in &lines {
            assert!(line.contains(" - tmpfs "), "{line}");
            let flags: Vec<&str> = line.split(' ').nth(5).unwrap().split(',').collect();
            for flag in ["ro", "nosuid", "nodev", "noexec"] {
                assert!(flags.contains(&flag), "{flag}: {line}");
            }
        }
    }

    fn proc_sys_is_read_only(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "write", "/proc/sys/kernel/hostname"]);
        assert_eq!(out.stdout, "error=EROFS\n", "{out:?}");
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "read", "/proc/sys/kernel/ostype"]).ok();
        assert_eq!(out.stdout, "Linux\n");
    }

    fn symlinked_mount_targets_are_refused(sct) {
        for (link, message) in [
            ("proc", "sct: mount /proc: ELOOP (Too many symbolic links encountered)\nsct: hint: ROOTFS has a symlink where sct mounts a filesystem; replace it with a directory\n"),
            ("dev", "sct: mount /dev: ELOOP (Too many symbolic links encountered)\nsct: hint: ROOTFS has a symlink where sct mounts a filesystem; replace it with a directory\n"),
            ("sys", "sct: mount /sys: ELOOP (Too many symbolic links encountered)\nsct: hint: ROOTFS has a symlink where sct mounts a filesystem; replace it with a directory\n"),
        ] {
            let rootfs = Rootfs::new();
            let outside = rootfs.outside().join("target-outside");
            std::fs::create_dir(&outside).unwrap();
            let _ = std::fs::remove_dir(rootfs.path().join(link));
            std::os::unix::fs::symlink(&outside, rootfs.path().join(link)).unwrap();
            let before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
            let out = sct.run_in(&rootfs, &[], &["/bin/true"]);
            assert_eq!((out.code, out.stderr.as_str()), (125, message), "/{link}");
            assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "sct wrote outside ROOTFS through /{link}");
            assert_eq!(std::fs::read_to_string("/proc/self/mountinfo").unwrap(), before);
        }
    }

    fn relative_symlink_escaping_through_dotdot_is_refused(sct) {
        let rootfs = Rootfs::new();
        std::fs::create_dir(rootfs.outside().join("dev")).unwrap();
        std::os::unix::fs::symlink("../dev", rootfs.path().join("dev")).unwrap();
        let out = sct.run_in(&rootfs, &[], &["/bin/true"]);
        assert_eq!((out.code, out.stderr.as_str()), (125, "sct: mount /dev: ELOOP (Too many symbolic links encountered)\nsct: hint: ROOTFS has a symlink where sct mounts a filesystem; replace it with a directory\n"));
        assert_eq!(std::fs::read_dir(rootfs.outside().join("dev")).unwrap().count(), 0);
    }
}
