//! The shipped binary's shape: static, no interpreter, no shared libraries.

mod common;

use std::path::Path;
use std::process::Command;

use common::elf;

#[test]
fn sct_is_a_static_binary() {
    let e = elf::inspect(Path::new(common::SCT)).expect("sct is an ELF64 file");
    assert_eq!(e.machine, elf::EM_X86_64);
    assert!(!e.interp, "sct has a PT_INTERP");
    assert_eq!(e.needed, 0, "sct has DT_NEEDED entries");
}

/// The aarch64 build links with rust-lld alone (no cross gcc) and is static.
#[test]
fn aarch64_build_links_static() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target_dir = root.join("target/cross");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(root)
        .args([
            "build",
            "--quiet",
            "--release",
            "--bin",
            "sct",
            "--target",
            "aarch64-unknown-linux-musl",
            "--target-dir",
        ])
        .arg(&target_dir)
        .status()
        .unwrap();
    assert!(status.success(), "aarch64 build failed (is the target installed? rustup target add aarch64-unknown-linux-musl)");
    let e = elf::inspect(&target_dir.join("aarch64-unknown-linux-musl/release/sct")).unwrap();
    assert_eq!(e.machine, elf::EM_AARCH64);
    assert!(e.is_static());
}
