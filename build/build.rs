//! Link arguments for the `sct` binary only: the library and the test
//! harnesses use std and link as usual. Also packs the errno names and
//! descriptions that error messages print.

fn main() {
    // `#![no_std]` links no libc by itself, but musl's crt1 (`_start` calling
    // our `main`) and the mem* routines that core emits calls to live in
    // libc.a. Our own code calls no libc function.
    // On armv7 and riscv64 no musl comes with the toolchain: sct starts
    // itself there (src/sys/start.rs) and core's compiler_builtins brings
    // the mem* routines (`build/cross`), so nothing of a libc is linked.
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch != "arm" && arch != "riscv64" {
        println!("cargo:rustc-link-arg-bins=-lc");
    }
    // Options spelled for ld.lld itself, the linker .cargo/config.toml names;
    // through a cc driver they would need `-Wl,`, so other linkers go without.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_default();
    if linker.ends_with("rust-lld") || linker.ends_with("ld.lld") {
        // With panic=abort nothing unwinds, so nothing looks up the
        // .eh_frame_hdr index (880 bytes on x86_64).
        println!("cargo:rustc-link-arg-bins=--no-eh-frame-hdr");
        // The static-pie relocations as RELR, a bitmap of the pointers to
        // relocate, instead of 24 bytes each (3 KB on x86_64). musl's
        // static-pie start code applies DT_RELR since musl 1.2.4.
        println!("cargo:rustc-link-arg-bins=-zpack-relative-relocs");
    }
    println!("cargo:rerun-if-changed=build/build.rs");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    write_errnos();
}

/// `OUT_DIR/errnos`: one record per errno the syscalls crate knows, `code`
/// (2 bytes, little-endian), name length, description length, name,
/// description. `Errno::name_and_description` is a match that compiles to
/// 5 KB of code; walking this table is a loop. The crate's errno table is
/// the same for every architecture, so the host's copy serves the target.
fn write_errnos() {
    let mut table = Vec::new();
    for code in 1..4096u16 {
        let Some((name, description)) =
            syscalls::Errno::new(i32::from(code)).name_and_description()
        else {
            continue;
        };
        table.extend_from_slice(&code.to_le_bytes());
        table.push(u8::try_from(name.len()).unwrap());
        table.push(u8::try_from(description.len()).unwrap());
        table.extend_from_slice(name.as_bytes());
        table.extend_from_slice(description.as_bytes());
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("errnos");
    std::fs::write(path, table).unwrap();
}
