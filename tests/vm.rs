//! sct inside a VM whose root is a busybox initramfs (build/vm): both
//! root-switch paths (`/` the initramfs: MS_MOVE + chroot; `/` a tmpfs:
//! pivot_root) and the clone3 fallback, on Debian's real kernels under qemu,
//! for x86_64 and aarch64, and once each on armv7 and riscv64 (Debian
//! trixie's kernels, sct from build/cross); the cgroup limits on pure v2
//! (tests/vm/suite.d/cgroup-v2.sh), and once the host's own cgroup tests
//! (tests/cgroup.rs, tests/vm/suite.d/host-tests.sh); and the device rule
//! with its other layers (tests/vm/suite.d/devices.sh).

mod common;

use std::path::Path;
use std::process::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Whether qemu, the kernels, busybox and cpio are there (build/test puts
/// them there: `build/deps`, `build/vm-arm64-files`).
fn qemu_ready() -> bool {
    let have = Command::new("sh")
        .args([
            "-c",
            "command -v qemu-system-x86_64 && command -v qemu-system-aarch64 \
             && ls /boot/vmlinuz-*-amd64 && command -v cpio \
             && test -s target/vm/aarch64/Image -a -x target/vm/aarch64/busybox \
             && test -s target/vm/aarch64/loop.ko",
        ])
        .current_dir(ROOT)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    common::tool_ready(
        have,
        "qemu-system-x86_64/-aarch64, a Debian amd64 kernel, cpio or the arm64 files in target/vm/aarch64",
    )
}

/// Whether qemu for the boards and trixie's kernels, busybox and musl (for
/// the probe) are there (`build/deps`, `build/vm-trixie-files`), and
/// rust-src for build/cross.
fn boards_ready() -> bool {
    let have = Command::new("sh")
        .args([
            "-c",
            "command -v qemu-system-arm && command -v qemu-system-riscv64 && command -v cpio \
             && rustup component list --installed | grep -q '^rust-src' \
             && for a in armv7 riscv64; do test -s target/vm/$a/kernel -a -x target/vm/$a/busybox \
                -a -s target/vm/$a/loop.ko -a -s target/vm/$a/musl/crt1.o || exit 1; done",
        ])
        .current_dir(ROOT)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    common::tool_ready(
        have,
        "qemu-system-arm/-riscv64, cpio, rust-src or the trixie files in target/vm/armv7, target/vm/riscv64",
    )
}

/// The test program of tests/`name`.rs, built for x86_64 as `cargo test
/// --release` builds it (the static musl target of .cargo/config.toml): a
/// no-op after a whole `cargo test --release`, which builds every test
/// program before it runs any. Cargo holds its lock only while it builds.
fn host_test_program(name: &str) -> String {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(ROOT)
        .args(["test", "--release", "--no-run", "--message-format=json"])
        .args(["--target", "x86_64-unknown-linux-musl", "--test", name])
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run cargo");
    assert!(out.status.success(), "cargo test --no-run --test {name}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == name && m["profile"]["test"] == true)
        .find_map(|m| m["executable"].as_str().map(String::from))
        .unwrap_or_else(|| panic!("no test program for tests/{name}.rs in cargo's output"))
}

/// Boots the VM suite once and asserts its result line.
fn boot(args: &[&str], want: &str) {
    boot_with(args, want, &[]);
}

/// Boots the VM suite once with `env` (build/vm's SCT_HOST_TESTS) and
/// asserts its result line; returns the guest's output.
fn boot_with(args: &[&str], want: &str, env: &[(&str, &str)]) -> String {
    let out = Command::new(Path::new(ROOT).join("build/vm"))
        .args(args)
        .env("SCT_BIN", env!("CARGO_BIN_EXE_sct"))
        .envs(env.iter().copied())
        .output()
        .expect("run build/vm");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.lines().any(|l| l == want),
        "build/vm {args:?} exited {:?}\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status.code()
    );
    assert!(!stdout.contains("\nFAIL "), "{stdout}");
    // The pure cgroup v2 checks (tests/vm/suite.d/cgroup-v2.sh) must have
    // run, not been skipped by a missing file.
    assert!(
        stdout.lines().any(|l| l == "ok v2-nothing-left"),
        "{stdout}"
    );
    // So must the device checks (tests/vm/suite.d/devices.sh), whose last
    // line needs the loop device to have been there.
    assert!(
        stdout.lines().any(|l| l == "ok devices-nothing-left"),
        "{stdout}"
    );
    // And the rootless checks (tests/vm/suite.d/rootless.sh).
    assert!(
        stdout.lines().any(|l| l == "ok rootless-nothing-left"),
        "{stdout}"
    );
    // And OCI mode's pause, resume and update on pure v2
    // (tests/vm/suite.d/oci-cgroup.sh).
    assert!(
        stdout
            .lines()
            .any(|l| l == "ok oci-delete-paused-state-gone"),
        "{stdout}"
    );
    stdout.into_owned()
}

// One test, booted in turn: the machine has 2 cores, and three guests at
// once under TCG would only make each slower.
#[test]
fn vm_suite() {
    if qemu_ready() {
        x86_64_and_aarch64();
    }
    // One boot per board architecture keeps CI's time in bounds (each takes
    // about a minute under TCG); between them they take each root-switch
    // path and both ways of creating the container.
    if boards_ready() {
        boot(
            &[
                "--arch",
                "armv7",
                "--root",
                "initramfs",
                "--fake",
                "no-clone3",
                "--timeout",
                "300",
            ],
            "SCT-VM-RESULT failures=0 arch=armv7 root=initramfs fake=no-clone3",
        );
        boot(
            &["--arch", "riscv64", "--root", "tmpfs", "--timeout", "300"],
            "SCT-VM-RESULT failures=0 arch=riscv64 root=tmpfs",
        );
    }
}

fn x86_64_and_aarch64() {
    for arch in ["x86_64", "aarch64"] {
        let want = |rest: &str| format!("SCT-VM-RESULT failures=0 arch={arch} {rest}");
        if arch == "x86_64" {
            // The host's cgroup tests on pure v2, once: they add ~10 s.
            let cgroup = host_test_program("cgroup");
            let stdout = boot_with(
                &["--arch", arch, "--root", "initramfs"],
                &want("root=initramfs"),
                &[("SCT_HOST_TESTS", &cgroup)],
            );
            assert!(
                stdout.lines().any(|l| l == "ok host-tests-cgroup"),
                "{stdout}"
            );
        } else {
            boot(
                &["--arch", arch, "--root", "initramfs"],
                &want("root=initramfs"),
            );
        }
        boot(&["--arch", arch, "--root", "tmpfs"], &want("root=tmpfs"));
        boot(
            &["--arch", arch, "--root", "initramfs", "--fake", "no-clone3"],
            &want("root=initramfs fake=no-clone3"),
        );
    }
}
