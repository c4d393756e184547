//! The shipped binary's shape: static, no interpreter, no shared libraries.

mod common;

use std::path::Path;

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
    let release = common::cargo_build(&["--bin", "sct"], "aarch64-unknown-linux-musl", "cross");
    let e = elf::inspect(&release.join("sct")).unwrap();
    assert_eq!(e.machine, elf::EM_AARCH64);
    assert!(e.is_static());
}
