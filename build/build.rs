//! Link arguments for the `sct` binary only: the library and the test
//! harnesses use std and link as usual. Also packs the errno names and
//! descriptions that error messages print, and the names of the syscalls
//! other architectures have, which seccomp profiles name.

// src/names.rs packs the target's syscall names in the binary; the
// foreign ones are packed here by the same code.
#[allow(dead_code)]
#[path = "../src/names.rs"]
mod names;

fn main() {
    // sct starts itself (src/sys/start.rs): the ELF entry is its own
    // `sct_start`, so nothing of musl's start code (crt1's `_start` and the
    // __libc_start_main it calls: TLS, auxv, constructors) is linked. Only
    // the mem* routines that core emits calls to come from musl's libc.a on
    // x86_64 and aarch64; our own code calls no libc function. On armv7 and
    // riscv64 no musl comes with the toolchain, and core's
    // compiler_builtins brings them (`build/cross`).
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if arch != "arm" && arch != "riscv64" {
        println!("cargo:rustc-link-arg-bins=-lc");
    }
    // Options spelled for ld.lld itself, the linker .cargo/config.toml names;
    // through a cc driver they would need `-Wl,`, so other linkers go without
    // them, but for the entry, which sct cannot start without.
    let linker = std::env::var("RUSTC_LINKER").unwrap_or_default();
    if linker.ends_with("rust-lld") || linker.ends_with("ld.lld") {
        println!("cargo:rustc-link-arg-bins=--entry=sct_start");
        // With panic=abort nothing unwinds, so nothing looks up the
        // .eh_frame_hdr index (880 bytes on x86_64).
        println!("cargo:rustc-link-arg-bins=--no-eh-frame-hdr");
        // No read-only-after-relocation segment: only a dynamic loader
        // applies PT_GNU_RELRO (the kernel ignores it), and a static sct
        // has none, nor relocations to apply; its .got (the addresses of
        // memcpy and the like) then shares the one writable segment with
        // .bss, one program header instead of three.
        println!("cargo:rustc-link-arg-bins=-znorelro");
        // No .eh_frame at all (16 KB on x86_64), nor the start objects
        // rustc links for the musl targets: see the script.
        let script = std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").unwrap())
            .join("build/sct.ld");
        println!("cargo:rustc-link-arg-bins=-T{}", script.display());
    } else {
        println!("cargo:rustc-link-arg-bins=-Wl,--entry=sct_start");
    }
    println!("cargo:rerun-if-changed=build/build.rs");
    println!("cargo:rerun-if-changed=build/sct.ld");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    write_errnos();
    write_foreign_syscalls();
}

/// `OUT_DIR/errnos`: each errno the syscalls crate knows, in number order
/// as src/names.rs lays such tables out (an entry's number one past the
/// one before, a zero length and the next number where they skip); an
/// entry is the name's length, the name without its leading E (the same
/// for all), its common pieces coded (`NAME_PIECES`), and the
/// description, its common words coded (`common_words`).
/// `Errno::name_and_description` is a match that compiles to 5 KB of code;
/// walking this table is a loop. The crate's errno table is the same for
/// every architecture, so the host's copy serves the target.
fn write_errnos() {
    let mut errnos = Vec::new();
    for code in 1..4096u16 {
        if let Some((name, description)) =
            syscalls::Errno::new(i32::from(code)).name_and_description()
        {
            errnos.push((code, name, description));
        }
    }
    let mut words = common_words(errnos.iter().map(|&(_, _, description)| description));
    let first_name_piece = words.len();
    words.extend(NAME_PIECES);
    assert!(words.len() <= 0x80);
    let mut table = Vec::new();
    let mut next = 0u16;
    for (code, name, description) in errnos {
        if code != next {
            table.push(0);
            table.extend_from_slice(&code.to_le_bytes());
        }
        // Every name starts with E, which the table leaves out.
        let name = name.strip_prefix('E').unwrap();
        let name = coded_name(name, &words[first_name_piece..], first_name_piece);
        let mut coded = Vec::new();
        for piece in pieces(description) {
            match words.iter().position(|&w| w == piece) {
                Some(i) => coded.push(0x80 + u8::try_from(i).unwrap()),
                None => coded.extend_from_slice(piece.as_bytes()),
            }
        }
        table.push(u8::try_from(1 + name.len() + coded.len()).unwrap());
        table.push(u8::try_from(name.len()).unwrap());
        table.extend_from_slice(&name);
        table.extend_from_slice(&coded);
        next = code + 1;
    }
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("errnos"), table).unwrap();
    let mut table = Vec::new();
    for word in words {
        table.push(u8::try_from(word.len()).unwrap());
        table.extend_from_slice(word.as_bytes());
    }
    std::fs::write(out.join("errno_words"), table).unwrap();
}

/// Pieces of the errno names (after their E) that bytes from 0x80 up
/// stand for too, after the descriptions' words, longest first: a name
/// takes the first that fits. Chosen, greedily, for the bytes they save:
/// 1.0 KB of names take 0.2 KB less.
const NAME_PIECES: [&str; 37] = [
    "RESTART", "SUPPORT", "MEDIUM", "PROTO", "CONN", "DOWN", "ADDR", "BAD", "NOT", "LIB", "KEY",
    "MSG", "OCK", "NO", "RE", "ED", "ST", "ER", "IN", "AD", "CH", "ET", "IL", "PE", "AL", "AN",
    "DE", "LT", "SY", "IO", "NA", "OO", "OT", "TY", "EX", "IS", "ON",
];

/// `name` with each of `pieces` coded as the byte `0x80 + first + its
/// index`.
fn coded_name(name: &str, pieces: &[&str], first: usize) -> Vec<u8> {
    assert!(name.is_ascii());
    let mut coded = Vec::new();
    let mut rest = name;
    while !rest.is_empty() {
        match pieces.iter().position(|p| rest.starts_with(p)) {
            Some(i) => {
                coded.push(0x80 + u8::try_from(first + i).unwrap());
                rest = &rest[pieces[i].len()..];
            }
            None => {
                coded.push(rest.as_bytes()[0]);
                rest = &rest[1..];
            }
        }
    }
    coded
}

/// A description's pieces: each word with the space after it, if one
/// follows, and each other character on its own.
fn pieces(description: &str) -> Vec<&str> {
    assert!(description.is_ascii());
    let mut pieces = Vec::new();
    let mut rest = description;
    while !rest.is_empty() {
        let letters = rest.find(|c: char| !c.is_ascii_alphabetic());
        let mut end = letters.unwrap_or(rest.len());
        if end == 0 {
            end = 1;
        } else if rest[end..].starts_with(' ') {
            end += 1;
        }
        pieces.push(&rest[..end]);
        rest = &rest[end..];
    }
    pieces
}

/// The words of the errno descriptions that a byte from 0x80 up stands for
/// (`OUT_DIR/errno_words`, in `names::entries`' layout, numbered from 0x80
/// on, `NAME_PIECES` after them), those that save the most first: a word saves its length less one
/// each time it is written, and costs its length and one in the table.
/// The descriptions are ASCII, so a byte from 0x80 up is always a word's.
/// 3.4 KB of descriptions take 0.9 KB less so.
fn common_words<'a>(descriptions: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for description in descriptions {
        for piece in pieces(description) {
            if piece.len() > 1 {
                *counts.entry(piece).or_default() += 1;
            }
        }
    }
    let saving = |(word, count): (&str, usize)| {
        (count * (word.len() - 1)) as isize - (word.len() + 1) as isize
    };
    let mut words: Vec<(&str, usize)> = counts.into_iter().filter(|&c| saving(c) > 0).collect();
    words.sort_by_key(|&c| std::cmp::Reverse(saving(c)));
    words.truncate(0x80);
    words.into_iter().map(|(word, _)| word).collect()
}

/// The names of each architecture's syscalls, from the syscalls crate,
/// as the kernel and libseccomp spell them: the crate names x86's and
/// others' syscall 17 `r#break`, a Rust raw identifier, because `break`
/// is a keyword.
macro_rules! names_of {
    ($arch:ident) => {{
        let mut names = Vec::new();
        let mut s = Some(syscalls::$arch::Sysno::first());
        while let Some(sysno) = s {
            names.push(sysno.name());
            s = sysno.next();
        }
        names.push(syscalls::$arch::Sysno::last().name());
        names
            .into_iter()
            .map(|n| n.strip_prefix("r#").unwrap_or(n))
            .collect::<Vec<_>>()
    }};
}

/// `OUT_DIR/foreign_syscalls`: each syscall name some architecture has
/// and the target does not, as length and name packed six bits a
/// character (`names::sixbit`, as the target's own names; a byte each took
/// 0.3 KB more), in the layout `names::entries` walks. A seccomp profile is
/// written for every architecture at once (Docker's and podman's name
/// `arch_prctl` and `arm_fadvise64_64` side by side): such a name is
/// skipped on the others, as libseccomp skips it, while a name no
/// architecture has is a typo that sct reports.
fn write_foreign_syscalls() {
    let all = [
        ("aarch64", names_of!(aarch64)),
        ("arm", names_of!(arm)),
        ("loongarch64", names_of!(loongarch64)),
        ("mips", names_of!(mips)),
        ("mips64", names_of!(mips64)),
        ("powerpc", names_of!(powerpc)),
        ("powerpc64", names_of!(powerpc64)),
        ("riscv32", names_of!(riscv32)),
        ("riscv64", names_of!(riscv64)),
        ("s390x", names_of!(s390x)),
        ("sparc", names_of!(sparc)),
        ("sparc64", names_of!(sparc64)),
        ("x86", names_of!(x86)),
        ("x86_64", names_of!(x86_64)),
    ];
    // ARM's private syscalls (__ARM_NR_breakpoint and the others in the
    // kernel's arch/arm/include/uapi/asm/unistd.h), which libseccomp names
    // and the syscalls crate leaves out. Names only: no number is needed.
    let arm_private = ["breakpoint", "cacheflush", "usr26", "usr32", "set_tls"];
    let target = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap();
    let native: &[&str] = all
        .iter()
        .find(|(arch, _)| *arch == target)
        .map(|(_, names)| &names[..])
        .unwrap_or(&[]);
    let mut foreign: Vec<&str> = all
        .iter()
        .flat_map(|(_, names)| names.iter().copied())
        .chain(arm_private)
        .filter(|n| !native.contains(n))
        .collect();
    foreign.sort_unstable();
    foreign.dedup();
    let mut table = Vec::new();
    for name in foreign {
        let mut buf = [0; 48];
        let packed = names::sixbit(name.as_bytes(), &mut buf).unwrap();
        table.push(u8::try_from(packed.len()).unwrap());
        table.extend_from_slice(packed);
    }
    let path = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("foreign_syscalls");
    std::fs::write(path, table).unwrap();
}
