//! A small assembler, validator and interpreter for classic BPF, as seccomp
//! runs it.
//!
//! Pure code: no syscalls. Programs are written with named forward jump
//! targets ([`Label`]); [`Asm::finish`] lays them out and turns a conditional
//! jump whose target is more than 255 instructions away into a short
//! conditional hop over an unconditional `ja`, whose offset is 32 bits.

use crate::sys::list::List;
use linux_raw_sys::ptrace::{
    sock_filter, BPF_ABS, BPF_ALU, BPF_AND, BPF_JA, BPF_JEQ, BPF_JGE, BPF_JGT, BPF_JMP, BPF_JSET,
    BPF_K, BPF_LD, BPF_MAXINSNS, BPF_RET, BPF_W,
};

/// Most items (instructions and labels) a program may be written with.
pub const MAX_ITEMS: usize = 1024;
/// Most instructions an assembled program may have. The kernel's own limit
/// (BPF_MAXINSNS) is 4096; sct's policies are far below this (the built-in
/// filter 147 on x86_64, podman's default profile 180). Each start touches
/// every page of the program on the child's stack.
pub const MAX_INSNS: usize = 1024;

/// A forward jump target, placed with [`Asm::place`].
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Label(u16);

impl Label {
    /// The `i`th of labels taken together by [`Asm::labels`], this the first.
    pub fn nth(self, i: usize) -> Label {
        Label(self.0 + i as u16)
    }
}

/// What a conditional jump compares the accumulator with.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cond {
    /// A == k
    Eq,
    /// A >= k (unsigned)
    Ge,
    /// A > k (unsigned)
    Gt,
    /// A & k != 0
    Set,
}

#[derive(Clone, Copy)]
enum Item {
    Load(u32),
    /// A &= k
    And(u32),
    /// Jump to `to` when the condition is `when`; fall through otherwise.
    Jump {
        cond: Cond,
        k: u32,
        when: bool,
        to: Label,
    },
    Goto(Label),
    Ret(u32),
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
    insns: [sock_filter; MAX_INSNS],
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
        // A constant, all of whose bytes are zero: the caller's program is
        // cleared in place, where one built here was cleared on the side
        // and copied over, 8 KB each.
        const EMPTY: Program = Program {
            insns: [insn(0, 0, 0, 0); MAX_INSNS],
            len: 0,
        };
        EMPTY
    }

    pub fn insns(&self) -> &[sock_filter] {
        &self.insns[..self.len]
    }

    /// The program as raw `struct sock_filter` bytes, host byte order, as
    /// libseccomp's `seccomp_export_bpf` writes them.
    pub fn for_each_byte_chunk(&self, mut f: impl FnMut(&[u8; 8])) {
        for i in self.insns() {
            let mut b = [0u8; 8];
            b[0..2].copy_from_slice(&i.code.to_ne_bytes());
            b[2] = i.jt;
            b[3] = i.jf;
            b[4..8].copy_from_slice(&i.k.to_ne_bytes());
            f(&b);
        }
    }
}

const fn insn(code: u32, jt: u8, jf: u8, k: u32) -> sock_filter {
    sock_filter {
        code: code as u16,
        jt,
        jf,
        k,
    }
}

fn cond_code(c: Cond) -> u32 {
    BPF_JMP
        | BPF_K
        | match c {
            Cond::Eq => BPF_JEQ,
            Cond::Ge => BPF_JGE,
            Cond::Gt => BPF_JGT,
            Cond::Set => BPF_JSET,
        }
}

impl Default for Asm {
    fn default() -> Self {
        Self::new()
    }
}

impl Asm {
    /// Always inline: out of line, the empty program is built in `new`'s
    /// frame and copied into the caller's, two of its size on the stack.
    /// Its items are a `List`, whose free places are left as they are: an
    /// array of placeholders was cleared, 8 KB of stores.
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

    /// `n` labels at once, without an array of them: the first, whose
    /// [`Label::nth`] gives the others.
    pub fn labels(&mut self, n: usize) -> Label {
        self.labels += n as u16;
        Label(self.labels - n as u16)
    }

    /// The next instruction is `l`.
    pub fn place(&mut self, l: Label) {
        self.push(Item::Place(l));
    }

    /// A = the 32-bit word at byte `offset` of the input (`seccomp_data`).
    pub fn load(&mut self, offset: usize) {
        self.push(Item::Load(offset as u32));
    }

    /// A &= k.
    pub fn and(&mut self, k: u32) {
        self.push(Item::And(k));
    }

    /// Jumps to `to` if `A <cond> k`.
    pub fn jump_if(&mut self, cond: Cond, k: u32, to: Label) {
        self.push(Item::Jump {
            cond,
            k,
            when: true,
            to,
        });
    }

    /// Jumps to `to` unless `A <cond> k`.
    pub fn jump_unless(&mut self, cond: Cond, k: u32, to: Label) {
        self.push(Item::Jump {
            cond,
            k,
            when: false,
            to,
        });
    }

    pub fn goto(&mut self, to: Label) {
        self.push(Item::Goto(to));
    }

    pub fn ret(&mut self, action: u32) {
        self.push(Item::Ret(action));
    }

    /// Jumps to `target(i)` for the run `i` the accumulator falls in, by
    /// binary search: about log2(runs) comparisons. `start(i)` is run
    /// `i`'s first value, ascending from 0 over `runs`; the last run goes
    /// on to u32::MAX. Both seccomp compilers find a syscall number's rule
    /// so (the kernel also runs every filter once per number when it is
    /// installed, in seccomp_cache_prepare()).
    pub fn search(
        &mut self,
        runs: core::ops::Range<usize>,
        start: &dyn Fn(usize) -> u32,
        target: &dyn Fn(usize) -> Label,
    ) {
        let (lo, hi) = (runs.start, runs.end);
        match hi - lo {
            0 => {}
            1 => self.goto(target(lo)),
            2 => {
                self.jump_if(Cond::Ge, start(hi - 1), target(hi - 1));
                self.goto(target(lo));
            }
            n => {
                let mid = lo + n / 2;
                let upper = self.label();
                self.jump_if(Cond::Ge, start(mid), upper);
                self.search(lo..mid, start, target);
                self.place(upper);
                self.search(mid..hi, start, target);
            }
        }
    }

    /// Lays the program out into `p` and resolves its labels. Into the
    /// caller's program, not returned: a returned one is written in this
    /// frame and copied out, two programs' worth of stack, each page of
    /// which the stack probes touch and the child copies on write.
    pub fn finish(&self, p: &mut Program) -> Result<(), AsmError> {
        if self.overflow {
            return Err(AsmError::TooLong);
        }
        let items = self.items.as_slice();
        // Which conditional jumps need the long form; only ever grows, so
        // the loop ends.
        // Positions as u16 (MAX_ITEMS items of at most 2 instructions each):
        // a quarter of usize's stack, every page of which the stack probes
        // touch on each run.
        const _: () = assert!(2 * MAX_ITEMS < u16::MAX as usize);
        let mut long = [false; MAX_ITEMS];
        let mut at = [0u16; MAX_ITEMS];
        let mut label_at = [u16::MAX; MAX_ITEMS];
        loop {
            let mut pc = 0;
            for ((item, at), &long) in items.iter().zip(&mut at).zip(&long) {
                *at = pc as u16;
                pc += match item {
                    Item::Place(l) => {
                        label_at[l.0 as usize] = pc as u16;
                        0
                    }
                    Item::Jump { .. } if long => 2,
                    _ => 1,
                };
            }
            if pc > MAX_INSNS {
                return Err(AsmError::TooLong);
            }
            let mut changed = false;
            for ((item, &at), long) in items.iter().zip(&at).zip(&mut long) {
                let to = match item {
                    Item::Jump { to, .. } | Item::Goto(to) => *to,
                    _ => continue,
                };
                let target = label_at[to.0 as usize];
                if target == u16::MAX {
                    return Err(AsmError::UnplacedLabel);
                }
                if target <= at {
                    return Err(AsmError::BackwardJump);
                }
                if matches!(item, Item::Jump { .. }) && !*long && target - at - 1 > 255 {
                    *long = true;
                    changed = true;
                }
            }
            if !changed {
                break;
            }
        }
        p.len = 0;
        let mut emit = |s: sock_filter| {
            p.insns[p.len] = s;
            p.len += 1;
        };
        for ((item, &here), &long) in items.iter().zip(&at).zip(&long) {
            let here = usize::from(here);
            match *item {
                Item::Place(_) => {}
                Item::Load(off) => emit(insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, off)),
                Item::And(k) => emit(insn(BPF_ALU | BPF_AND | BPF_K, 0, 0, k)),
                Item::Ret(k) => emit(insn(BPF_RET | BPF_K, 0, 0, k)),
                Item::Goto(to) => emit(insn(
                    BPF_JMP | BPF_JA,
                    0,
                    0,
                    (usize::from(label_at[to.0 as usize]) - here - 1) as u32,
                )),
                Item::Jump { cond, k, when, to } => {
                    let target = usize::from(label_at[to.0 as usize]);
                    if long {
                        // Hop over the `ja` unless the jump is taken.
                        let (jt, jf) = if when { (0, 1) } else { (1, 0) };
                        emit(insn(cond_code(cond), jt, jf, k));
                        emit(insn(BPF_JMP | BPF_JA, 0, 0, (target - here - 2) as u32));
                    } else {
                        let off = (target - here - 1) as u8;
                        let (jt, jf) = if when { (off, 0) } else { (0, off) };
                        emit(insn(cond_code(cond), jt, jf, k));
                    }
                }
            }
        }
        Ok(())
    }
}

/// Why a program is not acceptable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Invalid {
    Empty,
    TooLong,
    /// A jump leaves the program at this instruction.
    JumpOutside(usize),
    /// The last instruction is not a RET, so some path runs off the end.
    NoFinalRet,
    UnknownInstruction(usize),
}

/// Checks what the kernel's checker checks for the instructions we use:
/// length at most BPF_MAXINSNS, known instructions only, every jump lands
/// inside the program and the last instruction returns. As every jump goes
/// forward, this means every path ends in a RET.
pub fn validate(p: &[sock_filter]) -> Result<(), Invalid> {
    if p.is_empty() {
        return Err(Invalid::Empty);
    }
    if p.len() > BPF_MAXINSNS as usize {
        return Err(Invalid::TooLong);
    }
    for (pc, i) in p.iter().enumerate() {
        let code = u32::from(i.code);
        let targets: [usize; 2] = if code == BPF_LD | BPF_W | BPF_ABS
            || code == BPF_RET | BPF_K
            || code == BPF_ALU | BPF_AND | BPF_K
        {
            [pc + 1, pc + 1]
        } else if code == BPF_JMP | BPF_JA {
            [pc + 1 + i.k as usize, pc + 1 + i.k as usize]
        } else if [Cond::Eq, Cond::Ge, Cond::Gt, Cond::Set]
            .iter()
            .any(|&c| cond_code(c) == code)
        {
            [pc + 1 + usize::from(i.jt), pc + 1 + usize::from(i.jf)]
        } else {
            return Err(Invalid::UnknownInstruction(pc));
        };
        if code != BPF_RET | BPF_K && targets.iter().any(|&t| t >= p.len()) {
            return Err(Invalid::JumpOutside(pc));
        }
    }
    if u32::from(p[p.len() - 1].code) != BPF_RET | BPF_K {
        return Err(Invalid::NoFinalRet);
    }
    Ok(())
}

/// Runs `p` over `data` (the bytes of a `seccomp_data`) and returns what it
/// returns, as the kernel would. `None` if the program misbehaves (runs off
/// its end, reads outside `data`, an unknown instruction).
pub fn run(p: &[sock_filter], data: &[u8]) -> Option<u32> {
    run_counting(p, data).map(|(action, _)| action)
}

/// `run`, and how many instructions ran: what the kernel's emulation of a
/// new filter (seccomp_cache_prepare) walks for each syscall number.
pub fn run_counting(p: &[sock_filter], data: &[u8]) -> Option<(u32, usize)> {
    let mut a: u32 = 0;
    let mut pc = 0usize;
    let mut steps = 0;
    loop {
        let i = p.get(pc)?;
        steps += 1;
        let code = u32::from(i.code);
        pc += 1;
        if code == BPF_LD | BPF_W | BPF_ABS {
            let off = i.k as usize;
            let w = data.get(off..off.checked_add(4)?)?;
            a = u32::from_ne_bytes([w[0], w[1], w[2], w[3]]);
        } else if code == BPF_RET | BPF_K {
            return Some((i.k, steps));
        } else if code == BPF_JMP | BPF_JA {
            pc += i.k as usize;
        } else if code == BPF_ALU | BPF_AND | BPF_K {
            a &= i.k;
        } else {
            let taken = if code == cond_code(Cond::Eq) {
                a == i.k
            } else if code == cond_code(Cond::Ge) {
                a >= i.k
            } else if code == cond_code(Cond::Set) {
                a & i.k != 0
            } else if code == cond_code(Cond::Gt) {
                a > i.k
            } else {
                return None;
            };
            pc += usize::from(if taken { i.jt } else { i.jf });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(v: u32) -> [u8; 4] {
        v.to_ne_bytes()
    }

    fn finished(a: &Asm) -> Result<Program, AsmError> {
        let mut p = Program::new();
        a.finish(&mut p).map(|()| p)
    }

    #[test]
    fn short_and_long_jumps_land_on_their_labels() {
        for filler in [1usize, 10, 252, 253, 254, 255, 256, 600] {
            let mut a = Asm::new();
            let yes = a.label();
            let no = a.label();
            a.load(0);
            a.jump_if(Cond::Eq, 7, yes);
            a.jump_unless(Cond::Ge, 3, no);
            for _ in 0..filler {
                a.ret(99);
            }
            a.place(yes);
            a.ret(1);
            a.place(no);
            a.ret(2);
            let p = finished(&a).unwrap();
            validate(p.insns()).unwrap();
            assert_eq!(run(p.insns(), &word(7)), Some(1), "filler {filler}");
            assert_eq!(run(p.insns(), &word(2)), Some(2), "filler {filler}");
            assert_eq!(run(p.insns(), &word(5)), Some(99), "filler {filler}");
            let longs = p
                .insns()
                .iter()
                .filter(|i| u32::from(i.code) == BPF_JMP | BPF_JA)
                .count();
            assert_eq!(p.insns().len(), filler + 5 + longs, "filler {filler}");
            assert_eq!(longs > 0, filler > 254, "filler {filler}");
        }
    }

    #[test]
    fn labels_taken_together_are_each_their_own() {
        let mut a = Asm::new();
        let before = a.label();
        let first = a.labels(3);
        let after = a.label();
        let all = [before, first.nth(0), first.nth(1), first.nth(2), after];
        for (i, x) in all.iter().enumerate() {
            for (j, y) in all.iter().enumerate() {
                assert_eq!(x == y, i == j);
            }
        }
        a.load(0);
        a.search(0..3, &|i| [0, 5, 9][i], &|i| first.nth(i));
        for i in 0..3 {
            a.place(first.nth(i));
            a.ret(i as u32);
        }
        let p = finished(&a).unwrap();
        assert_eq!(run(p.insns(), &word(4)), Some(0));
        assert_eq!(run(p.insns(), &word(5)), Some(1));
        assert_eq!(run(p.insns(), &word(100)), Some(2));
    }

    #[test]
    fn labels_must_be_placed_and_forward() {
        let mut a = Asm::new();
        let l = a.label();
        a.goto(l);
        assert_eq!(finished(&a).err(), Some(AsmError::UnplacedLabel));
        let mut a = Asm::new();
        let l = a.label();
        a.place(l);
        a.goto(l);
        assert_eq!(finished(&a).err(), Some(AsmError::BackwardJump));
    }

    #[test]
    fn validator_rejects_paths_without_ret() {
        assert_eq!(validate(&[]), Err(Invalid::Empty));
        let load = insn(BPF_LD | BPF_W | BPF_ABS, 0, 0, 0);
        assert_eq!(validate(&[load]), Err(Invalid::JumpOutside(0)));
        let jeq = insn(cond_code(Cond::Eq), 0, 1, 0);
        let ret = insn(BPF_RET | BPF_K, 0, 0, 0);
        assert_eq!(validate(&[jeq, ret]), Err(Invalid::JumpOutside(0)));
        assert_eq!(validate(&[ret, load]), Err(Invalid::JumpOutside(1)));
        assert_eq!(
            validate(&[insn(0xffff, 0, 0, 0), ret]),
            Err(Invalid::UnknownInstruction(0))
        );
        let big = [ret; BPF_MAXINSNS as usize + 1];
        assert_eq!(validate(&big), Err(Invalid::TooLong));
    }
}
