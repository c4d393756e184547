//! The shipped binary's shape: static, no interpreter, no shared libraries,
//! and within its size budget.

mod common;

use std::path::Path;

use common::elf;

/// The most the release binary (OCI mode on, the default) may weigh, on
/// each architecture: x86_64, aarch64, and the board builds of armv7 and
/// riscv64 (issue 19). The goals are 128 KiB with OCI mode (issue 15) and
/// 64 KiB without it (issue 14); this is the budget the binary meets today,
/// lowered as the binary shrinks. Raised twice: from 92 to 208 KiB when
/// seccomp profiles, rootless mode and OCI mode landed together (x86_64
/// 210,776 bytes), and from 208 to 256 KiB when OCI mode's second part
/// (exec, terminals, ps/pause/resume/update/events/features, hooks) landed
/// (x86_64 252,072 bytes, aarch64 243,424, armv7 193,396, riscv64
/// 234,016). Lowered to 240 KiB when the error type went from 24 bytes to
/// 4 (x86_64 237,200, aarch64 235,480, armv7 185,420, riscv64 227,712),
/// and to 224 KiB when the readers, the lifecycle and the child's helpers
/// shrank (x86_64 224,296, aarch64 223,952, armv7 175,588, riscv64
/// 215,488), and to 216 KiB when OCI mode's tables, the shared buffers'
/// methods and the name tables shrank and the linker began folding
/// identical functions (x86_64 218,760, aarch64 218,720, armv7 171,572,
/// riscv64 209,664), and to 212 KiB after a second round (x86_64 214,680,
/// aarch64 214,432, armv7 169,136, riscv64 206,200), and to 197 KiB after
/// a third (x86_64 198,872, aarch64 199,784, armv7 158,536, riscv64
/// 191,024), and to 189 KiB when sct began to start itself without musl's
/// start code and after a fourth round (x86_64 191,712, aarch64 192,480,
/// armv7 154,968, riscv64 186,432): `bench/sizes` shows where the bytes go.
const SIZE_BUDGET: u64 = 189 * 1024;

/// The most the build without OCI mode (`--no-default-features`, for
/// initramfs users who need only `sct ROOTFS CMD`) may weigh on x86_64.
/// Issue 14's goal is 64 KiB; this is what it meets today (125,616 bytes
/// when the budget was set at 126 KiB, 120,248 when lowered to 119 KiB,
/// 109,304 at 108 KiB, 103,456 at 102 KiB), lowered as it shrinks.
const CORE_SIZE_BUDGET: u64 = 102 * 1024;

fn assert_within_budget(path: &Path) {
    let size = std::fs::metadata(path).unwrap().len();
    assert!(
        size <= SIZE_BUDGET,
        "{} is {size} bytes, over the budget of {SIZE_BUDGET} (see bench/sizes)",
        path.display()
    );
}

#[test]
fn sct_is_a_static_binary() {
    let e = elf::inspect(Path::new(common::SCT)).expect("sct is an ELF64 file");
    assert_eq!(e.machine, elf::EM_X86_64);
    assert!(!e.interp, "sct has a PT_INTERP");
    assert_eq!(e.needed, 0, "sct has DT_NEEDED entries");
    assert_within_budget(Path::new(common::SCT));
}

/// The build without OCI mode is static too, and has a budget of its own.
#[test]
fn the_build_without_oci_mode_stays_small() {
    let release = common::cargo_build(
        &["--bin", "sct", "--no-default-features"],
        "x86_64-unknown-linux-musl",
        "core",
    );
    let path = release.join("sct");
    let e = elf::inspect(&path).unwrap();
    assert!(e.is_static());
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(
        size <= CORE_SIZE_BUDGET,
        "{} is {size} bytes, over the budget of {CORE_SIZE_BUDGET} (see bench/sizes)",
        path.display()
    );
}

/// The aarch64 build links with rust-lld alone (no cross gcc) and is static.
#[test]
fn aarch64_build_links_static() {
    let release = common::cargo_build(&["--bin", "sct"], "aarch64-unknown-linux-musl", "cross");
    let e = elf::inspect(&release.join("sct")).unwrap();
    assert_eq!(e.machine, elf::EM_AARCH64);
    assert!(e.is_static());
    assert_within_budget(&release.join("sct"));
}

/// armv7 and riscv64 have no prebuilt standard library: `build/cross`
/// builds core from source and links no libc at all (sct starts itself).
/// `readelf` must show the right machine, a plain static executable, no
/// interpreter and no shared library; and each stays within the budget.
#[test]
fn board_builds_are_static_and_libc_free() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let ready = std::process::Command::new("sh")
        .args([
            "-c",
            "command -v readelf && rustup component list --installed | grep -q '^rust-src'",
        ])
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::tool_ready(ready, "readelf (binutils) or the rust-src component") {
        return;
    }
    for (arch, machine, class) in [("armv7", "ARM", "ELF32"), ("riscv64", "RISC-V", "ELF64")] {
        let out = std::process::Command::new(root.join("build/cross"))
            .arg(arch)
            .current_dir(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "build/cross {arch}: {out:?}");
        let path = root.join(String::from_utf8(out.stdout).unwrap().trim());
        let out = std::process::Command::new("readelf")
            .args(["-h", "-l", "-d", "--wide"])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| {
            text.lines()
                .find_map(|l| l.trim().strip_prefix(name))
                .map(|v| v.trim_start_matches(':').trim().to_string())
                .unwrap_or_default()
        };
        assert_eq!(field("Class"), class, "{arch}: {text}");
        assert_eq!(field("Machine"), machine, "{arch}: {text}");
        assert!(field("Type").starts_with("EXEC"), "{arch}: {text}");
        assert!(!text.contains("INTERP"), "{arch} has a PT_INTERP: {text}");
        assert!(!text.contains("(NEEDED)"), "{arch} needs a library: {text}");
        assert!(
            text.contains("There is no dynamic section"),
            "{arch}: {text}"
        );
        assert_within_budget(&path);
    }
}

/// The most lines a source file may have (issue 14): past that, one reader
/// no longer holds it, and it is split along its concepts before it grows.
const MAX_LINES: usize = 700;

#[test]
fn no_source_file_outgrows_one_reader() {
    fn walk(dir: &Path, long: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, long);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let lines = std::fs::read_to_string(&path).unwrap().lines().count();
                if lines > MAX_LINES {
                    long.push(format!("{} ({lines} lines)", path.display()));
                }
            }
        }
    }
    let mut long = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut long,
    );
    assert!(
        long.is_empty(),
        "over {MAX_LINES} lines, split along the concepts: {long:?}"
    );
}
