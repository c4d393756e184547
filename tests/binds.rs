//! `--bind SRC:DST[:ro]`.

mod common;

use common::*;

both_paths! {
    fn binds_are_visible_and_ro_refuses_writes(sct) {
        let rootfs = Rootfs::new();
        let data = rootfs.outside().join("data");
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join("f"), "from host\n").unwrap();
        let rw = format!("{}:/mnt/rw", data.display());
        let ro = format!("{}:/ro:ro", data.display());
        std::fs::create_dir(rootfs.path().join("mnt")).unwrap();
        let out = sct.run_in(&rootfs, &["-v", &rw, "--bind", &ro], &["/bin/sh", "-c",
            "cat /mnt/rw/f /ro/f; /bin/probe write /mnt/rw/new; /bin/probe write /ro/other"]);
        assert_eq!(out.stdout, "from host\nfrom host\nok\nerror=EROFS\n", "{out:?}");
        assert_eq!(std::fs::read_to_string(data.join("new")).unwrap(), "x\n");
        assert!(!data.join("other").exists());
    }

    fn a_file_can_be_bound(sct) {
        let rootfs = Rootfs::new();
        let file = rootfs.outside().join("config");
        std::fs::write(&file, "k=v\n").unwrap();
        let out = sct.run_in(&rootfs, &["-v", &format!("{}:/etc/config:ro", file.display())], &["/bin/cat", "/etc/config"]).ok();
        assert_eq!(out.stdout, "k=v\n");
    }

    fn missing_src_is_one_line_and_125(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["-v", "/nonexistent-src:/x"], &["/bin/true"]);
        assert_eq!(out.code, 125);
        assert_eq!(out.stderr, "sct: bind /nonexistent-src: ENOENT (No such file or directory)\nsct: hint: SRC of --bind is a path on the host and must exist\n");
    }

    fn symlinked_dst_cannot_reach_outside(sct) {
        let rootfs = Rootfs::new();
        let data = rootfs.outside().join("data");
        let victim = rootfs.outside().join("victim");
        std::fs::create_dir(&data).unwrap();
        std::fs::create_dir(&victim).unwrap();
        std::os::unix::fs::symlink(&victim, rootfs.path().join("link")).unwrap();
        let before = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
        for dst in ["/link", "/link/sub"] {
            let out = sct.run_in(&rootfs, &["-v", &format!("{}:{dst}", data.display())], &["/bin/true"]);
            assert_eq!(out.code, 125, "{out:?}");
            assert!(out.stderr.starts_with(&format!("sct: bind {dst}: ELOOP")), "{out:?}");
        }
        assert_eq!(std::fs::read_dir(&victim).unwrap().count(), 0);
        assert_eq!(std::fs::read_to_string("/proc/self/mountinfo").unwrap(), before);
    }
}
