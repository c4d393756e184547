//! The process entry point where sct is built without any libc: armv7 and
//! riscv64, whose Rust standard library (and musl's crt1 with it) is not
//! distributed, so `core` is built from source (`build/cross`). The kernel
//! enters `_start` with argc, argv, NULL, envp, NULL on the stack
//! (the ELF ABI's initial process stack); `_start` hands that stack to
//! `start`, which calls the `main` that `entry_point!` defines, just as
//! musl's crt1 does on x86_64 and aarch64. Nothing else of a libc's start
//! is needed: sct uses no thread-local storage, no constructors, and the
//! binary is not position-independent, so nothing is relocated.

use core::ffi::{c_char, c_int};

extern "C" {
    /// Defined by `entry_point!` in the binary; it exits by itself.
    fn main(argc: c_int, argv: *const *const c_char, envp: *const *const c_char) -> c_int;
}

/// # Safety
/// Called once, by `_start`, with the stack pointer the kernel started the
/// process with.
unsafe extern "C" fn start(sp: *const usize) -> ! {
    // SAFETY: at exec the kernel put argc at `sp`, then argc pointers, a
    // NULL, the environment pointers and another NULL.
    let (argc, argv) = unsafe { (*sp, sp.add(1) as *const *const c_char) };
    // SAFETY: as above: envp starts after argv's NULL terminator.
    let envp = unsafe { argv.add(argc + 1) };
    // SAFETY: `main` takes the vectors as the kernel laid them out.
    let code = unsafe { main(argc as c_int, argv, envp) };
    super::process::exit(code as u8)
}

// The frame pointer and link register are cleared to end stack walks; the
// stack is aligned to 16 bytes for the AAPCS (8) and the RISC-V psABI (16).
// armv7 compiles to Thumb-2 (.cargo/config.toml), whose frame pointer is r7,
// not ARM's r11: both are cleared. `_start` itself is ARM code, `.arm`, so
// its address is even and the kernel enters it in ARM state; `bl` to the
// Thumb `start` becomes `blx`, which switches state (the linker rewrites it,
// ARM ELF ABI interworking).
#[cfg(target_arch = "arm")]
core::arch::global_asm!(
    ".arm",
    ".globl _start",
    ".type _start, %function",
    "_start:",
    "mov fp, #0",
    "mov r7, #0",
    "mov lr, #0",
    "mov r0, sp",
    "bic sp, sp, #15",
    "bl {start}",
    start = sym start,
);

// gp is set as the RISC-V psABI asks of a program's start (`norelax`: the
// instruction loading it must not itself be relaxed against gp).
#[cfg(target_arch = "riscv64")]
core::arch::global_asm!(
    ".globl _start",
    ".type _start, @function",
    "_start:",
    ".option push",
    ".option norelax",
    "lla gp, __global_pointer$",
    ".option pop",
    "mv a0, sp",
    "andi sp, sp, -16",
    "li ra, 0",
    "call {start}",
    start = sym start,
);
