//! A small assembler, validator and interpreter for the subset of eBPF that
//! the cgroup device program uses.
//!
//! Pure code: no syscalls. The shape is that of [`crate::bpf`] (classic BPF
//! for seccomp): programs are written with named forward jump targets
//! ([`Label`]), [`Asm::finish`] lays them out, [`validate`] checks what the
//! kernel's verifier would reject in this subset, and [`run`] executes a
//! program for the tests. eBPF jump offsets are 16 bits, far more than
//! [`MAX_INSNS`], so no long-jump form is needed.

use linux_raw_sys::ptrace::{
    BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LDX, BPF_MEM, BPF_RSH, BPF_W,
    BPF_X,
};

// What linux-raw-sys 0.12 does not have (it carries classic BPF only): the
// eBPF additions of include/uapi/linux/bpf.h and bpf_common.h, and the
// bpf(2) commands and types sct uses. This is the one place they are typed.

/// Instruction class: ALU on 64-bit registers (bpf.h; classic BPF_MISC).
pub const BPF_ALU64: u32 = 0x07;
/// ALU operation: dst = src (bpf.h).
pub const BPF_MOV: u32 = 0xb0;
/// Jump operation: jump if dst != src (bpf.h).
pub const BPF_JNE: u32 = 0x50;
/// Jump operation: return r0 (bpf.h).
pub const BPF_EXIT: u32 = 0x90;
/// `enum bpf_cmd`: load a program, get its fd.
pub const BPF_PROG_LOAD: u32 = 5;
/// `enum bpf_cmd`: attach a program to a cgroup.
pub const BPF_PROG_ATTACH: u32 = 8;
/// `enum bpf_prog_type`: the cgroup device program (Linux 4.15).
pub const BPF_PROG_TYPE_CGROUP_DEVICE: u32 = 15;
/// `enum bpf_attach_type`: where a cgroup device program runs.
pub const BPF_CGROUP_DEVICE: u32 = 6;
/// Attach flag: keep the programs already attached (systemd's, an outer
/// runtime's) and run this one as well; all must allow.
pub const BPF_F_ALLOW_MULTI: u32 = 2;
/// `bpf_cgroup_dev_ctx.access_type`, low 16 bits: the node type.
pub const BPF_DEVCG_DEV_BLOCK: u32 = 1;
pub const BPF_DEVCG_DEV_CHAR: u32 = 2;
/// `bpf_cgroup_dev_ctx.access_type`, high 16 bits: the access asked for.
pub const BPF_DEVCG_ACC_MKNOD: u32 = 1;
pub const BPF_DEVCG_ACC_READ: u32 = 2;
pub const BPF_DEVCG_ACC_WRITE: u32 = 4;

/// Most items (instructions and labels) a program may be written with.
pub const MAX_ITEMS: usize = 1024;
/// Most instructions an assembled program may have; the kernel allows 4096
/// (BPF_MAXINSNS) even without CAP_SYS_ADMIN.
pub const MAX_INSNS: usize = 1024;
/// r0..r10; r10 is the read-only frame pointer.
const NREGS: usize = 11;

/// One instruction, laid out as the kernel's `struct bpf_insn`: code, then
/// the bitfields `dst_reg:4, src_reg:4` in one byte, then `off` and `imm`.
#[repr(C)]
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Insn {
    pub code: u8,
    regs: u8,
    pub off: i16,
    pub imm: i32,
}

const _: () = assert!(core::mem::size_of::<Insn>() == 8);

impl Insn {
    pub const fn new(code: u32, dst: Reg, src: Reg, off: i16, imm: i32) -> Insn {
        // C bitfields fill a byte from its low bits on little-endian targets
        // and from its high bits on big-endian ones, so dst_reg (declared
        // first) is the low nibble on x86_64/aarch64 and the high one on
        // s390x or big-endian MIPS.
        let regs = if cfg!(target_endian = "little") {
            dst.0 | src.0 << 4
        } else {
            dst.0 << 4 | src.0
        };
        Insn {
            code: code as u8,
            regs,
            off,
            imm,
        }
    }

    pub const fn dst(&self) -> Reg {
        Reg(if cfg!(target_endian = "little") {
            self.regs & 0xf
        } else {
            self.regs >> 4
        })
    }

    pub const fn src(&self) -> Reg {
        Reg(if cfg!(target_endian = "little") {
            self.regs >> 4
        } else {
            self.regs & 0xf
        })
    }
}

/// A register number. On entry r1 holds the context pointer and r10 the
/// frame pointer; r0 is the return value.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Reg(u8);

pub const R0: Reg = Reg(0);
pub const R1: Reg = Reg(1);
pub const R2: Reg = Reg(2);
pub const R3: Reg = Reg(3);
pub const R4: Reg = Reg(4);
pub const R5: Reg = Reg(5);
pub const R6: Reg = Reg(6);
pub const R10: Reg = Reg(10);

/// The second operand of an ALU operation or a jump.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Src {
    /// An immediate, sign-extended to 64 bits in 64-bit operations.
    K(i32),
    /// A register.
    X(Reg),
}

/// The ALU operations of the subset.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Alu {
    Mov,
    And,
    /// Logical shift right.
    Rsh,
}

/// What a conditional jump compares (64-bit, unsigned).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cond {
    /// dst == src
    Eq,
    /// dst != src
    Ne,
    /// dst & src != 0
    Set,
}

/// Operand width of an ALU operation: 32-bit operations zero the upper half
/// of the destination.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Width {
    W32,
    W64,
}

/// A forward jump target, placed with [`Asm::place`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Label(u16);

#[derive(Clone, Copy)]
enum Item {
    Insn(Insn),
    /// A jump instruction whose offset is filled in by `finish`.
    Jump(Insn, Label),
    Place(Label),
}

/// Why a program could not be assembled.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AsmError {
    TooLong,
    UnplacedLabel,
    BackwardJump,
}

/// A program being written.
pub struct Asm {
    items: [Item; MAX_ITEMS],
    len: usize,
    labels: u16,
    overflow: bool,
}

/// An assembled program.
pub struct Program {
    insns: [Insn; MAX_INSNS],
    len: usize,
}

impl Program {
    pub fn insns(&self) -> &[Insn] {
        &self.insns[..self.len]
    }
}

const fn alu_code(op: Alu) -> u32 {
    match op {
        Alu::Mov => BPF_MOV,
        Alu::And => BPF_AND,
        Alu::Rsh => BPF_RSH,
    }
}

const fn cond_code(c: Cond) -> u32 {
    match c {
        Cond::Eq => BPF_JEQ,
        Cond::Ne => BPF_JNE,
        Cond::Set => BPF_JSET,
    }
}

/// The source bit and the (register, immediate) fields of an operand.
const fn operand(s: Src) -> (u32, Reg, i32) {
    match s {
        Src::K(k) => (BPF_K, R0, k),
        Src::X(r) => (BPF_X, r, 0),
    }
}

impl Default for Asm {
    fn default() -> Self {
        Self::new()
    }
}

impl Asm {
    pub const fn new() -> Self {
        Asm {
            items: [Item::Place(Label(0)); MAX_ITEMS],
            len: 0,
            labels: 0,
            overflow: false,
        }
    }

    fn push(&mut self, item: Item) {
        if self.len == MAX_ITEMS {
            self.overflow = true;
            return;
        }
        self.items[self.len] = item;
        self.len += 1;
    }

    pub fn label(&mut self) -> Label {
        self.labels += 1;
        Label(self.labels - 1)
    }

    /// The next instruction is `l`.
    pub fn place(&mut self, l: Label) {
        self.push(Item::Place(l));
    }

    /// dst = the u32 at byte `off` of what `src` points to, zero-extended.
    pub fn load_u32(&mut self, dst: Reg, src: Reg, off: i16) {
        self.push(Item::Insn(Insn::new(
            BPF_LDX | BPF_MEM | BPF_W,
            dst,
            src,
            off,
            0,
        )));
    }

    /// dst = dst <op> src (for `Mov`: dst = src).
    pub fn alu(&mut self, width: Width, op: Alu, dst: Reg, src: Src) {
        let class = match width {
            Width::W32 => BPF_ALU,
            Width::W64 => BPF_ALU64,
        };
        let (s, sreg, imm) = operand(src);
        self.push(Item::Insn(Insn::new(
            class | alu_code(op) | s,
            dst,
            sreg,
            0,
            imm,
        )));
    }

    /// Jumps to `to` if `dst <cond> src`; falls through otherwise.
    pub fn jump_if(&mut self, cond: Cond, dst: Reg, src: Src, to: Label) {
        let (s, sreg, imm) = operand(src);
        self.push(Item::Jump(
            Insn::new(BPF_JMP | cond_code(cond) | s, dst, sreg, 0, imm),
            to,
        ));
    }

    pub fn goto(&mut self, to: Label) {
        self.push(Item::Jump(Insn::new(BPF_JMP | BPF_JA, R0, R0, 0, 0), to));
    }

    /// Returns r0.
    pub fn exit(&mut self) {
        self.push(Item::Insn(Insn::new(BPF_JMP | BPF_EXIT, R0, R0, 0, 0)));
    }

    /// Lays the program out and resolves its labels.
    pub fn finish(&self) -> Result<Program, AsmError> {
        if self.overflow {
            return Err(AsmError::TooLong);
        }
        let items = &self.items[..self.len];
        let mut label_at = [usize::MAX; MAX_ITEMS];
        let mut pc = 0;
        for item in items {
            match item {
                Item::Place(l) => label_at[l.0 as usize] = pc,
                _ => pc += 1,
            }
        }
        if pc > MAX_INSNS {
            return Err(AsmError::TooLong);
        }
        let mut p = Program {
            insns: [Insn::new(0, R0, R0, 0, 0); MAX_INSNS],
            len: 0,
        };
        for item in items {
            let insn = match *item {
                Item::Place(_) => continue,
                Item::Insn(i) => i,
                Item::Jump(mut i, to) => {
                    let target = label_at[to.0 as usize];
                    if target == usize::MAX {
                        return Err(AsmError::UnplacedLabel);
                    }
                    if target <= p.len {
                        return Err(AsmError::BackwardJump);
                    }
                    // Cannot fail while MAX_INSNS is below i16::MAX.
                    i.off = i16::try_from(target - p.len - 1).map_err(|_| AsmError::TooLong)?;
                    i
                }
            };
            p.insns[p.len] = insn;
            p.len += 1;
        }
        Ok(p)
    }
}

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
        && [BPF_MOV, BPF_AND, BPF_RSH].contains(&op)
        && (x || src.0 == 0)
    {
        let width = if class == BPF_ALU { 32 } else { 64 };
        if op == BPF_RSH && !x && !(0..width).contains(&i.imm) {
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
                BPF_AND => num(r[dst])? & s,
                BPF_RSH if class == BPF_ALU => num(r[dst])? >> (s & 31),
                BPF_RSH => num(r[dst])? >> (s & 63),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(words: [u32; 3]) -> [u8; 12] {
        let mut b = [0u8; 12];
        for (i, w) in words.iter().enumerate() {
            b[i * 4..i * 4 + 4].copy_from_slice(&w.to_ne_bytes());
        }
        b
    }

    /// Returns 1 if ctx word 1 is 7, 2 if word 2 has bit 4, else 3.
    fn sample() -> Program {
        let mut a = Asm::new();
        let seven = a.label();
        let bit = a.label();
        a.load_u32(R2, R1, 4);
        a.load_u32(R3, R1, 8);
        a.jump_if(Cond::Eq, R2, Src::K(7), seven);
        a.jump_if(Cond::Set, R3, Src::K(4), bit);
        a.alu(Width::W64, Alu::Mov, R0, Src::K(3));
        a.exit();
        a.place(seven);
        a.alu(Width::W64, Alu::Mov, R0, Src::K(1));
        a.exit();
        a.place(bit);
        a.alu(Width::W64, Alu::Mov, R0, Src::K(2));
        a.exit();
        a.finish().unwrap()
    }

    #[test]
    fn insn_is_the_kernels_struct_bpf_insn() {
        // `r2 = *(u32 *)(r1 + 4)` as the kernel's BPF_LDX_MEM(BPF_W, BPF_REG_2,
        // BPF_REG_1, 4) lays it out on a little-endian machine:
        // 61 12 04 00 00 00 00 00.
        let i = Insn::new(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 4, 0);
        assert_eq!(i.code, 0x61);
        if cfg!(target_endian = "little") {
            assert_eq!(i.regs, 0x12);
        }
        assert_eq!((i.dst(), i.src(), i.off, i.imm), (R2, R1, 4, 0));
        assert_eq!(core::mem::offset_of!(Insn, regs), 1);
        assert_eq!(core::mem::offset_of!(Insn, off), 2);
        assert_eq!(core::mem::offset_of!(Insn, imm), 4);
    }

    #[test]
    fn jumps_land_on_their_labels() {
        let p = sample();
        validate(p.insns()).unwrap();
        assert_eq!(p.insns().len(), 10);
        assert_eq!(p.insns()[2].off, 3);
        assert_eq!(p.insns()[3].off, 4);
        assert_eq!(run(p.insns(), &ctx([0, 7, 0])), Some(1));
        assert_eq!(run(p.insns(), &ctx([0, 6, 4])), Some(2));
        assert_eq!(run(p.insns(), &ctx([0, 6, 3])), Some(3));
        // The program reads offset 8: a short context is a fault.
        assert_eq!(run(p.insns(), &[0u8; 8]), None);
    }

    #[test]
    fn alu_widths_and_operands() {
        let mut a = Asm::new();
        a.load_u32(R2, R1, 0);
        a.alu(Width::W64, Alu::Mov, R3, Src::X(R2));
        a.alu(Width::W32, Alu::Rsh, R3, Src::K(16));
        a.alu(Width::W32, Alu::And, R2, Src::K(0xffff));
        a.alu(Width::W64, Alu::Mov, R0, Src::X(R3));
        a.alu(Width::W64, Alu::Rsh, R0, Src::K(0));
        let done = a.label();
        a.jump_if(Cond::Ne, R2, Src::K(2), done);
        a.alu(Width::W64, Alu::Mov, R4, Src::K(-1));
        a.alu(Width::W64, Alu::And, R0, Src::X(R4));
        a.goto(done);
        a.place(done);
        a.exit();
        let p = a.finish().unwrap();
        validate(p.insns()).unwrap();
        assert_eq!(run(p.insns(), &ctx([0x0006_0002, 0, 0])), Some(6));
        // A 64-bit move of -1 is all ones; a 32-bit one is not.
        let mut a = Asm::new();
        a.alu(Width::W64, Alu::Mov, R0, Src::K(-1));
        a.exit();
        assert_eq!(run(a.finish().unwrap().insns(), &[]), Some(u64::MAX));
        let mut a = Asm::new();
        a.alu(Width::W32, Alu::Mov, R0, Src::K(-1));
        a.exit();
        assert_eq!(run(a.finish().unwrap().insns(), &[]), Some(0xffff_ffff));
    }

    #[test]
    fn labels_must_be_placed_and_forward() {
        let mut a = Asm::new();
        let l = a.label();
        a.goto(l);
        assert_eq!(a.finish().err(), Some(AsmError::UnplacedLabel));
        let mut a = Asm::new();
        let l = a.label();
        a.place(l);
        a.goto(l);
        assert_eq!(a.finish().err(), Some(AsmError::BackwardJump));
        let mut a = Asm::new();
        for _ in 0..=MAX_ITEMS {
            a.exit();
        }
        assert_eq!(a.finish().err(), Some(AsmError::TooLong));
    }

    #[test]
    fn validator_rejects_what_the_verifier_rejects() {
        let exit = Insn::new(BPF_JMP | BPF_EXIT, R0, R0, 0, 0);
        let mov0 = Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, R0, R0, 0, 0);
        let ja = |off| Insn::new(BPF_JMP | BPF_JA, R0, R0, off, 0);
        let jeq = |dst, off| Insn::new(BPF_JMP | BPF_JEQ | BPF_K, dst, R0, off, 0);
        let load = |dst, src| Insn::new(BPF_LDX | BPF_MEM | BPF_W, dst, src, 0, 0);
        assert_eq!(validate(&[mov0, exit]), Ok(()));
        assert_eq!(validate(&[]), Err(Invalid::Empty));
        assert_eq!(validate(&[exit]), Err(Invalid::UnsetRegister(0)));
        assert_eq!(validate(&[mov0]), Err(Invalid::NoFinalExit));
        assert_eq!(validate(&[mov0, exit, exit]), Err(Invalid::Unreachable(2)));
        assert_eq!(
            validate(&[mov0, ja(1), exit, exit]),
            Err(Invalid::Unreachable(2))
        );
        assert_eq!(validate(&[mov0, ja(-2), exit]), Err(Invalid::BadJump(1)));
        assert_eq!(validate(&[mov0, ja(1), exit]), Err(Invalid::BadJump(1)));
        // r0 set on one path only.
        let r2 = Reg(2);
        let p = [load(r2, R1), jeq(r2, 1), mov0, exit];
        assert_eq!(validate(&p), Err(Invalid::UnsetRegister(3)));
        // r3 never set; r1 is.
        assert_eq!(
            validate(&[load(r2, Reg(3)), mov0, exit]),
            Err(Invalid::UnsetRegister(0))
        );
        assert_eq!(
            validate(&[load(R10, R1), mov0, exit]),
            Err(Invalid::BadRegister(0))
        );
        assert_eq!(
            validate(&[load(r2, Reg(11)), mov0, exit]),
            Err(Invalid::BadRegister(0))
        );
        let shift = Insn::new(BPF_ALU | BPF_RSH | BPF_K, R0, R0, 0, 32);
        assert_eq!(validate(&[mov0, shift, exit]), Err(Invalid::BadShift(1)));
        // BPF_ADD is 0: `r0 += 1`, outside the subset.
        let unknown = Insn::new(BPF_ALU64 | BPF_K, R0, R0, 0, 1);
        assert_eq!(
            validate(&[mov0, unknown, exit]),
            Err(Invalid::UnknownInstruction(1))
        );
        let big = [mov0; MAX_INSNS + 1];
        assert_eq!(validate(&big), Err(Invalid::TooLong));
    }

    #[test]
    fn interpreter_refuses_what_the_verifier_would() {
        let exit = Insn::new(BPF_JMP | BPF_EXIT, R0, R0, 0, 0);
        // r0 unset; r0 = the context pointer (a pointer leak).
        assert_eq!(run(&[exit], &[]), None);
        let leak = Insn::new(BPF_ALU64 | BPF_MOV | BPF_X, R0, R1, 0, 0);
        assert_eq!(run(&[leak, exit], &[]), None);
        // Running off the end.
        let mov0 = Insn::new(BPF_ALU64 | BPF_MOV | BPF_K, R0, R0, 0, 0);
        assert_eq!(run(&[mov0], &[]), None);
    }
}
