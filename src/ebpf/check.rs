//! The checks of an eBPF program in this subset: [`validate`], what the
//! kernel's verifier would reject, and [`run`], an interpreter for the tests.

use linux_raw_sys::ptrace::{
    BPF_ADD, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_LDX, BPF_LSH, BPF_MEM,
    BPF_NEG, BPF_OR, BPF_RSH, BPF_W, BPF_X, BPF_XOR,
};

use super::{Insn, Reg, BPF_ALU64, BPF_EXIT, BPF_JNE, BPF_MOV, MAX_INSNS, NREGS, R0, R1, R10};

/// Why a program is not acceptable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Invalid {
    Empty,
    TooLong,
    UnknownInstruction(usize),
    /// A register number above r10, or a write to r10.
    BadRegister(usize),
    /// A shift by at least the operand width.
    BadShift(usize),
    /// A jump leaves the program, or goes backward (a loop), here.
    BadJump(usize),
    /// The last instruction is not an exit, so some path runs off the end.
    NoFinalExit,
    /// No path from the start reaches this instruction.
    Unreachable(usize),
    /// This instruction reads a register that some path leaves unset
    /// (for an exit: r0).
    UnsetRegister(usize),
}

/// What one instruction does to the control flow and the registers.
struct Effect {
    /// Registers read, as a bit set.
    reads: u16,
    /// The register written, if any.
    writes: Option<Reg>,
    /// The jump target besides the next instruction (None for an exit).
    jump: Option<i64>,
    falls_through: bool,
}

fn effect(pc: usize, i: &Insn) -> Result<Effect, Invalid> {
    let code = u32::from(i.code);
    let (dst, src) = (i.dst(), i.src());
    if usize::from(dst.0) >= NREGS || usize::from(src.0) >= NREGS {
        return Err(Invalid::BadRegister(pc));
    }
    let bit = |r: Reg| 1u16 << r.0;
    let x = code & BPF_X != 0;
    let src_read = if x { bit(src) } else { 0 };
    let class = code & 0x07;
    let op = code & 0xf0;
    let e = if code == BPF_LDX | BPF_MEM | BPF_W {
        Effect {
            reads: bit(src),
            writes: Some(dst),
            jump: None,
            falls_through: true,
        }
    } else if (class == BPF_ALU || class == BPF_ALU64)
        && [
            BPF_MOV, BPF_ADD, BPF_AND, BPF_OR, BPF_XOR, BPF_LSH, BPF_RSH, BPF_NEG,
        ]
        .contains(&op)
        && (x || src.0 == 0)
        && (op != BPF_NEG || (!x && i.imm == 0))
    {
        let width = if class == BPF_ALU { 32 } else { 64 };
        if (op == BPF_RSH || op == BPF_LSH) && !x && !(0..width).contains(&i.imm) {
            return Err(Invalid::BadShift(pc));
        }
        let dst_read = if op == BPF_MOV { 0 } else { bit(dst) };
        Effect {
            reads: dst_read | src_read,
            writes: Some(dst),
            jump: None,
            falls_through: true,
        }
    } else if code == BPF_JMP | BPF_JA {
        Effect {
            reads: 0,
            writes: None,
            jump: Some(i64::from(i.off)),
            falls_through: false,
        }
    } else if code == BPF_JMP | BPF_EXIT {
        Effect {
            reads: bit(R0),
            writes: None,
            jump: None,
            falls_through: false,
        }
    } else if class == BPF_JMP && [BPF_JEQ, BPF_JNE, BPF_JSET].contains(&op) {
        Effect {
            reads: bit(dst) | src_read,
            writes: None,
            jump: Some(i64::from(i.off)),
            falls_through: true,
        }
    } else {
        return Err(Invalid::UnknownInstruction(pc));
    };
    if e.writes == Some(R10) {
        return Err(Invalid::BadRegister(pc));
    }
    Ok(e)
}

/// Checks what the kernel's verifier checks for the instructions of this
/// subset: known instructions and registers, jumps forward and inside the
/// program, every instruction reachable, every path ending in an exit, and
/// no register (r0 at an exit) read on a path that leaves it unset. On entry
/// only r1 (the context) and r10 (the frame pointer) are set.
///
/// Not checked: the program type's own rules, such as which context offsets
/// may be read and the range of r0 at exit (0 or 1 for a cgroup program).
pub fn validate(p: &[Insn]) -> Result<(), Invalid> {
    if p.is_empty() {
        return Err(Invalid::Empty);
    }
    if p.len() > MAX_INSNS {
        return Err(Invalid::TooLong);
    }
    // As every jump goes forward, one pass in order sees every way into an
    // instruction before the instruction itself. `set[pc]` is the registers
    // set on every path to pc so far; None while no path reaches it.
    let mut set: [Option<u16>; MAX_INSNS] = [None; MAX_INSNS];
    set[0] = Some(1 << R1.0 | 1 << R10.0);
    for (pc, i) in p.iter().enumerate() {
        let e = effect(pc, i)?;
        let Some(before) = set[pc] else {
            return Err(Invalid::Unreachable(pc));
        };
        if e.reads & !before != 0 {
            return Err(Invalid::UnsetRegister(pc));
        }
        let after = before | e.writes.map_or(0, |r| 1 << r.0);
        let mut reach = |to: usize| {
            set[to] = Some(set[to].map_or(after, |s| s & after));
        };
        if let Some(off) = e.jump {
            let to = pc as i64 + 1 + off;
            if off < 0 || to >= p.len() as i64 {
                return Err(Invalid::BadJump(pc));
            }
            reach(to as usize);
        }
        if e.falls_through {
            if pc + 1 == p.len() {
                return Err(Invalid::NoFinalExit);
            }
            reach(pc + 1);
        }
    }
    Ok(())
}

/// A register's value in [`run`]: the context pointer is kept apart from
/// numbers, as the verifier keeps pointers apart from scalars.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Val {
    Unset,
    Num(u64),
    /// The context pointer plus an offset.
    Ctx(i64),
}

/// Runs `p` with r1 pointing at `ctx` and returns r0 at exit, as the kernel
/// would. `None` if the program misbehaves: an unknown instruction, a read
/// outside `ctx` or of an unset register, arithmetic on the context
/// pointer, running off the end.
pub fn run(p: &[Insn], ctx: &[u8]) -> Option<u64> {
    let mut r = [Val::Unset; NREGS];
    r[1] = Val::Ctx(0);
    let mut pc = 0usize;
    let num = |v: Val| match v {
        Val::Num(n) => Some(n),
        _ => None,
    };
    loop {
        let i = p.get(pc)?;
        pc += 1;
        let code = u32::from(i.code);
        let (dst, src) = (usize::from(i.dst().0), usize::from(i.src().0));
        if dst >= NREGS || src >= NREGS {
            return None;
        }
        let class = code & 0x07;
        let op = code & 0xf0;
        let operand = |r: &[Val; NREGS]| {
            if code & BPF_X != 0 {
                num(r[src])
            } else {
                // Sign-extended, as the kernel does for every K operand.
                Some(i64::from(i.imm) as u64)
            }
        };
        if code == BPF_LDX | BPF_MEM | BPF_W {
            let Val::Ctx(base) = r[src] else { return None };
            let at = usize::try_from(base + i64::from(i.off)).ok()?;
            let w = ctx.get(at..at.checked_add(4)?)?;
            r[dst] = Val::Num(u64::from(u32::from_ne_bytes([w[0], w[1], w[2], w[3]])));
        } else if class == BPF_ALU || class == BPF_ALU64 {
            let s = operand(&r)?;
            let v = match op {
                BPF_MOV if code & BPF_X != 0 => {
                    if class == BPF_ALU64 {
                        r[dst] = r[src];
                        continue;
                    }
                    s
                }
                BPF_MOV => s,
                BPF_ADD => num(r[dst])?.wrapping_add(s),
                BPF_AND => num(r[dst])? & s,
                BPF_OR => num(r[dst])? | s,
                BPF_XOR => num(r[dst])? ^ s,
                BPF_LSH if class == BPF_ALU => num(r[dst])? << (s & 31),
                BPF_LSH => num(r[dst])? << (s & 63),
                BPF_RSH if class == BPF_ALU => (num(r[dst])? & 0xffff_ffff) >> (s & 31),
                BPF_RSH => num(r[dst])? >> (s & 63),
                BPF_NEG => num(r[dst])?.wrapping_neg(),
                _ => return None,
            };
            r[dst] = Val::Num(if class == BPF_ALU { v & 0xffff_ffff } else { v });
        } else if code == BPF_JMP | BPF_JA {
            pc = pc.checked_add_signed(isize::from(i.off))?;
        } else if code == BPF_JMP | BPF_EXIT {
            return num(r[0]);
        } else if class == BPF_JMP {
            let (a, b) = (num(r[dst])?, operand(&r)?);
            let taken = match op {
                BPF_JEQ => a == b,
                BPF_JNE => a != b,
                BPF_JSET => a & b != 0,
                _ => return None,
            };
            if taken {
                pc = pc.checked_add_signed(isize::from(i.off))?;
            }
        } else {
            return None;
        }
    }
}
