//! `--env` and `--workdir`.

mod common;

use common::*;

both_paths! {
    fn env_is_clean_plus_what_is_asked(sct) {
        let rootfs = Rootfs::new();
        let out = sct
            .command(&["-e", "FOO=bar baz", "--env=HOME=/root", "-e", "EMPTY=", rootfs.path().to_str().unwrap(), "/bin/probe", "env"])
            .env("SCT_HOST_SECRET", "leak")
            .output()
            .unwrap();
        let out = Output::from(out).ok();
        let mut env: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with("TERM=")).collect();
        env.sort();
        assert_eq!(env, ["EMPTY=", "FOO=bar baz", "HOME=/root", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "container=sct"]);
    }

    fn read_only_root_refuses_writes_but_dev_shm_does_not(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--read-only"], &["/bin/sh", "-c", "/bin/probe write /new; /bin/probe write /tmp/new; /bin/probe write /dev/shm/new; echo x >/dev/null && echo null-ok"]);
        assert_eq!(out.stdout, "error=EROFS\nerror=EROFS\nok\nnull-ok\n", "{out:?}");
        assert!(!rootfs.path().join("new").exists());
        let out = sct.run_in(&rootfs, &[], &["/bin/probe", "write", "/new"]).ok();
        assert_eq!(out.stdout, "ok\n");
    }

    fn user_changes_ids_and_clears_groups(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["--user", "1000:1000"], &["/bin/sh", "-c", "id; /bin/probe info"]).ok();
        assert_eq!(out.stdout.lines().next(), Some("uid=1000 gid=1000"), "{out:?}");
        assert_eq!(out.value("Groups"), "");
        let out = sct.run_in(&rootfs, &["-u", "1234"], &["/bin/probe", "info"]).ok();
        assert_eq!((out.value("uid"), out.value("gid")), ("1234".into(), "1234".into()));
    }

    fn workdir_is_inside_the_new_root(sct) {
        let rootfs = Rootfs::new();
        let out = sct.run_in(&rootfs, &["-w", "/tmp"], &["/bin/probe", "info"]).ok();
        assert_eq!(out.value("cwd"), "/tmp");
        let out = sct.run_in(&rootfs, &["--workdir", "/nonexistent"], &["/bin/true"]);
        assert_eq!((out.code, out.stderr.as_str()), (125, "sct: chdir /nonexistent: ENOENT (No such file or directory)\n"));
    }
}
