//! The process entry point. sct starts itself on every architecture, with
//! no libc's start code: the kernel enters `_start`-like code with argc,
//! argv, NULL, envp, NULL on the stack (the ELF ABI's initial process
//! stack), and the code `entry_point!` emits hands that stack to `$run` as
//! safe types. Nothing else of a libc's start is needed: sct uses no
//! thread-local storage, no constructors, no stdio, and the binary is not
//! position-independent, so nothing is relocated. (musl's start, which
//! crt1 ran on x86_64 and aarch64 until sct had its own, was 2 KB: TLS,
//! auxv, constructors, none of which sct uses.)
//!
//! The code lives in the binary, through the macros, not in the library:
//! the test harnesses link the library with std, whose own start they need.

use super::args::{Args, Environ};

/// The argument and environment vectors the kernel put on the initial
/// stack.
///
/// # Safety
/// `sp` is the stack pointer the kernel started the process with.
pub unsafe fn vectors(sp: *const usize) -> (Args, Environ) {
    // SAFETY: at exec the kernel put argc at `sp`, then argc pointers, a
    // NULL, the environment pointers and another NULL, all alive for the
    // whole process (`from_raw`'s contracts).
    unsafe {
        let argc = *sp;
        let argv = sp.add(1).cast();
        (
            Args::from_raw(argc as i32, argv),
            Environ::from_raw(argv.add(argc + 1)),
        )
    }
}

// `sct_start` (the ELF entry, `--entry` in build.rs) clears the frame
// pointer and return address that end stack walks, aligns the stack as the
// psABI asks at a call (16 bytes; the AAPCS asks 8) and calls `$start` with
// the kernel's stack pointer. Each architecture's instructions follow.
//
// armv7 compiles to Thumb-2 (.cargo/config.toml), whose frame pointer is r7,
// not ARM's r11: both are cleared. `sct_start` itself is ARM code, `.arm`,
// so its address is even and the kernel enters it in ARM state; `bl` to the
// Thumb `$start` becomes `blx`, which switches state (the linker rewrites
// it, ARM ELF ABI interworking).
//
// On riscv64 gp is set as the psABI asks of a program's start (`norelax`:
// the instruction loading it must not itself be relaxed against gp).
#[doc(hidden)]
#[macro_export]
macro_rules! start_code {
    ($start:path) => {
        #[cfg(target_arch = "x86_64")]
        $crate::start_code!(
            @asm $start,
            [],
            "xor ebp, ebp",
            "mov rdi, rsp",
            "and rsp, -16",
            "call {start}"
        );
        #[cfg(target_arch = "aarch64")]
        $crate::start_code!(
            @asm $start,
            [],
            "mov x29, #0",
            "mov x30, #0",
            "mov x0, sp",
            "and sp, x0, #-16",
            "bl {start}"
        );
        #[cfg(target_arch = "arm")]
        $crate::start_code!(
            @asm $start,
            [".arm"],
            "mov fp, #0",
            "mov r7, #0",
            "mov lr, #0",
            "mov r0, sp",
            "bic sp, sp, #15",
            "bl {start}"
        );
        #[cfg(target_arch = "riscv64")]
        $crate::start_code!(
            @asm $start,
            [],
            ".option push",
            ".option norelax",
            "lla gp, __global_pointer$",
            ".option pop",
            "mv a0, sp",
            "andi sp, sp, -16",
            "li ra, 0",
            "call {start}"
        );
    };
    // The instructions after `sct_start:`, and a mode switch before it.
    (@asm $start:path, [$($mode:literal)?], $($line:literal),+) => {
        core::arch::global_asm!(
            $($mode,)?
            ".globl sct_start",
            ".type sct_start, %function",
            "sct_start:",
            $($line,)+
            start = sym $start,
        );
    };
}
