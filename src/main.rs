//! The `sct` binary: no std, no allocator, no libc calls of its own.
#![no_std]
#![no_main]
#![deny(unsafe_code)]

sct::entry_point!(sct::main);

/// sct does not panic on purpose; if it ever does, say so and exit 125.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    sct::out::write_all(sct::sys::stderr(), b"sct: internal error\n");
    sct::sys::process::exit(sct::error::EXIT_SCT_FAILED)
}
