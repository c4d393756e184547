//! Link arguments for the `sct` binary only: the library and the test
//! harnesses use std and link as usual.

fn main() {
    // `#![no_std]` links no libc by itself, but musl's crt1 (`_start` calling
    // our `main`) and the mem* routines that core emits calls to live in
    // libc.a. Our own code calls no libc function.
    println!("cargo:rustc-link-arg-bins=-lc");
    println!("cargo:rerun-if-changed=build/build.rs");
}
