//! Just enough ELF reading to check a binary's shape: its machine, whether it
//! asks for a program interpreter, and whether it needs shared libraries.

use std::path::Path;

pub struct Elf {
    pub machine: u16,
    pub interp: bool,
    pub needed: usize,
}

pub const EM_X86_64: u16 = 62;
pub const EM_AARCH64: u16 = 183;

impl Elf {
    pub fn is_static(&self) -> bool {
        !self.interp && self.needed == 0
    }
}

fn u16_at(b: &[u8], o: usize) -> u16 {
    u16::from_le_bytes(b[o..o + 2].try_into().unwrap())
}
fn u32_at(b: &[u8], o: usize) -> u32 {
    u32::from_le_bytes(b[o..o + 4].try_into().unwrap())
}
fn u64_at(b: &[u8], o: usize) -> u64 {
    u64::from_le_bytes(b[o..o + 8].try_into().unwrap())
}

/// Reads a little-endian ELF64 file.
pub fn inspect(path: &Path) -> Option<Elf> {
    let b = std::fs::read(path).ok()?;
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return None;
    }
    let machine = u16_at(&b, 18);
    let (phoff, phentsize, phnum) = (
        u64_at(&b, 32) as usize,
        u16_at(&b, 54) as usize,
        u16_at(&b, 56) as usize,
    );
    let (mut interp, mut needed) = (false, 0);
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        match u32_at(&b, ph) {
            3 => interp = true, // PT_INTERP
            2 => {
                // PT_DYNAMIC: count DT_NEEDED (tag 1) entries.
                let (off, size) = (u64_at(&b, ph + 8) as usize, u64_at(&b, ph + 32) as usize);
                let mut o = off;
                while o + 16 <= off + size && o + 16 <= b.len() {
                    match u64_at(&b, o) {
                        0 => break,
                        1 => needed += 1,
                        _ => {}
                    }
                    o += 16;
                }
            }
            _ => {}
        }
    }
    Some(Elf {
        machine,
        interp,
        needed,
    })
}
