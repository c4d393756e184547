//! A small assembler, validator and interpreter for the subset of eBPF that
//! the cgroup device program uses.
//!
//! Pure code: no syscalls. The shape is that of [`crate::bpf`] (classic BPF
//! for seccomp): programs are written with named forward jump targets
//! ([`Label`]), [`Asm::finish`] lays them out, [`validate`] checks what the
//! kernel's verifier would reject in this subset, and [`run`] executes a
//! program for the tests. eBPF jump offsets are 16 bits, far more than
//! [`MAX_INSNS`], so no long-jump form is needed.
//!
//! This module holds the instruction set and the assembler; `check` the
//! validator and the interpreter.

use crate::sys::list::List;
use linux_raw_sys::ptrace::{
    BPF_ADD, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JMP, BPF_JSET, BPF_K, BPF_LDX, BPF_LSH,
    BPF_MEM, BPF_NEG, BPF_OR, BPF_RSH, BPF_W, BPF_X, BPF_XOR,
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
/// `enum bpf_cmd`: an fd for a loaded program, by its ID.
pub const BPF_PROG_GET_FD_BY_ID: u32 = 13;
/// `enum bpf_cmd`: what a loaded program is (type, instructions).
pub const BPF_OBJ_GET_INFO_BY_FD: u32 = 15;
/// `enum bpf_cmd`: the programs attached to a cgroup.
pub const BPF_PROG_QUERY: u32 = 16;
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
pub const R7: Reg = Reg(7);
pub const R8: Reg = Reg(8);
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
    Add,
    And,
    Or,
    Xor,
    /// Shift left.
    Lsh,
    /// Logical shift right.
    Rsh,
    /// dst = -dst (two's complement); the operand must be `Src::K(0)`.
    Neg,
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
    items: List<Item, MAX_ITEMS>,
    labels: u16,
    overflow: bool,
}

/// An assembled program.
pub struct Program {
    insns: [Insn; MAX_INSNS],
    len: usize,
}

impl Default for Program {
    fn default() -> Self {
        Self::new()
    }
}

impl Program {
    /// No instructions yet: for [`Asm::finish`] to fill.
    pub const fn new() -> Program {
        // A constant of zero bytes, as `bpf::Program::new`'s.
        const EMPTY: Program = Program {
            insns: [Insn::new(0, R0, R0, 0, 0); MAX_INSNS],
            len: 0,
        };
        EMPTY
    }

    pub fn insns(&self) -> &[Insn] {
        &self.insns[..self.len]
    }
}

const fn alu_code(op: Alu) -> u32 {
    match op {
        Alu::Mov => BPF_MOV,
        Alu::Add => BPF_ADD,
        Alu::And => BPF_AND,
        Alu::Or => BPF_OR,
        Alu::Xor => BPF_XOR,
        Alu::Lsh => BPF_LSH,
        Alu::Rsh => BPF_RSH,
        Alu::Neg => BPF_NEG,
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
    /// Always inline, with its items a `List`, as `bpf::Asm::new`, for the
    /// reasons it gives.
    #[inline(always)]
    pub const fn new() -> Self {
        Asm {
            items: List::new(),
            labels: 0,
            overflow: false,
        }
    }

    fn push(&mut self, item: Item) {
        if !self.items.push(item) {
            self.overflow = true;
        }
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

    /// Lays the program out into `p` and resolves its labels; into the
    /// caller's program for the reason `bpf::Asm::finish` gives.
    pub fn finish(&self, p: &mut Program) -> Result<(), AsmError> {
        if self.overflow {
            return Err(AsmError::TooLong);
        }
        let items = self.items.as_slice();
        // u16: a quarter of usize's stack (MAX_INSNS fits), every page of
        // which the stack probes touch on each run.
        const _: () = assert!(MAX_INSNS < u16::MAX as usize);
        let mut label_at = [u16::MAX; MAX_ITEMS];
        let mut pc = 0;
        for item in items {
            match item {
                Item::Place(l) => label_at[l.0 as usize] = pc as u16,
                _ => pc += 1,
            }
        }
        if pc > MAX_INSNS {
            return Err(AsmError::TooLong);
        }
        p.len = 0;
        for item in items {
            let insn = match *item {
                Item::Place(_) => continue,
                Item::Insn(i) => i,
                Item::Jump(mut i, to) => {
                    let target = label_at[to.0 as usize];
                    if target == u16::MAX {
                        return Err(AsmError::UnplacedLabel);
                    }
                    let target = usize::from(target);
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
        Ok(())
    }
}

mod check;

pub use check::{run, validate, Invalid};

#[cfg(test)]
mod tests;
