//! A [`Policy`] as classic BPF, with the assembler the built-in filter uses.
//!
//! Layout:
//!
//! ```text
//!   arch != native                     -> ENOSYS  (i386, any other ABI)
//!   nr != -1 and nr >= X32 bit (x86_64) -> ENOSYS  (x32)
//!   binary search over runs of syscall numbers that share a verdict:
//!     a run of one action              -> that action
//!     a syscall with conditional rules -> each rule's comparisons in order,
//!                                         the first that all hold decides,
//!                                         else the default action
//! ```
//!
//! The search costs about log2(runs) comparisons per syscall where
//! libseccomp's default layout tests each ruled syscall in turn. nr = -1
//! and numbers beyond the table get the default action, as in libseccomp.

use core::mem::offset_of;

use linux_raw_sys::ptrace::seccomp_data;

use super::{Compare, Op, Policy};
use crate::bpf::{Asm, AsmError, Cond, Label, Program};
use crate::child::seccomp::{NATIVE_ARCH, RET_ENOSYS, TABLE_END};

const NR: usize = offset_of!(seccomp_data, nr);
const ARCH: usize = offset_of!(seccomp_data, arch);
const SYSCALLS: usize = TABLE_END as usize;

/// A compiled profile: the program and the flags seccomp(2) takes with it.
pub struct Filter {
    pub program: Program,
    pub flags: u32,
}

impl Default for Filter {
    fn default() -> Self {
        Self::new()
    }
}

impl Filter {
    /// Nothing compiled yet: for [`compile`] to fill.
    pub const fn new() -> Filter {
        Filter {
            program: Program::new(),
            flags: 0,
        }
    }
}

/// The 32-bit halves of argument `n`: (low, high) byte offsets.
const fn arg_halves(n: usize) -> (usize, usize) {
    let at = offset_of!(seccomp_data, args) + 8 * n;
    if cfg!(target_endian = "little") {
        (at, at + 4)
    } else {
        (at + 4, at)
    }
}

/// What one syscall number gets.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Action(u32),
    /// Conditional rules, compiled for this number.
    Rules(u32),
}

/// Syscall numbers from `start` up to the next run's start.
#[derive(Clone, Copy)]
struct Run {
    start: u32,
    verdict: Verdict,
}

/// Compiles `policy` into `filter`, in place: the caller's, where it is
/// kept (a Filter returned by value was copied four times, 8 KB each).
pub fn compile(policy: &Policy, filter: &mut Filter) -> Result<(), AsmError> {
    // The first unconditional rule of a syscall decides for it, whatever
    // the conditional ones say (libseccomp replaces or keeps the rule tree
    // so); `Some(None)` marks a syscall with conditional rules only.
    let mut decided = [None::<Option<u32>>; SYSCALLS];
    for &(nr, rule) in policy.entries() {
        let rule = &policy.rules[usize::from(rule)];
        let d = &mut decided[usize::from(nr)];
        match d {
            Some(Some(_)) => {}
            _ if rule.len == 0 => *d = Some(Some(rule.action)),
            _ => *d = Some(None),
        }
    }
    let mut runs = [Run {
        start: 0,
        verdict: Verdict::Action(0),
    }; SYSCALLS + 1];
    let mut count = 0;
    // One past the table too: numbers beyond it get the default action.
    for nr in 0..SYSCALLS + 1 {
        let verdict = match decided.get(nr) {
            Some(Some(Some(action))) => Verdict::Action(*action),
            Some(Some(None)) => Verdict::Rules(nr as u32),
            _ => Verdict::Action(policy.default_action),
        };
        let joins = count > 0
            && runs[count - 1].verdict == verdict
            && matches!(verdict, Verdict::Action(_));
        if !joins {
            runs[count] = Run {
                start: nr as u32,
                verdict,
            };
            count += 1;
        }
    }

    let mut a = Asm::new();
    let enosys = a.label();
    a.load(ARCH);
    a.jump_unless(Cond::Eq, NATIVE_ARCH, enosys);
    a.load(NR);
    if let Some(bit) = crate::arch::NATIVE.abi_bit {
        let rules = a.label();
        a.jump_if(Cond::Eq, u32::MAX, rules);
        a.jump_if(Cond::Ge, bit, enosys);
        a.place(rules);
    }
    // 32-bit ARM's private calls lie far above the table, where sct's
    // tables of names and numbers do not reach: allowed as the built-in
    // filter allows them (every libc calls set_tls at start). libseccomp
    // would let a profile deny them by name; sct does not.
    let private = a.label();
    for &nr in crate::arch::NATIVE.private_calls {
        a.jump_if(Cond::Eq, nr, private);
    }
    // Each run's verdict after the search, which jumps to it.
    let first = a.labels(count);
    a.search(0..count, &|i| runs[i].start, &|i| first.nth(i));
    for (i, run) in runs[..count].iter().enumerate() {
        a.place(first.nth(i));
        match run.verdict {
            Verdict::Action(action) => a.ret(action),
            Verdict::Rules(nr) => rules(&mut a, nr, policy),
        }
    }
    a.place(enosys);
    a.ret(RET_ENOSYS);
    if !crate::arch::NATIVE.private_calls.is_empty() {
        a.place(private);
        a.ret(linux_raw_sys::ptrace::SECCOMP_RET_ALLOW);
    }
    filter.flags = policy.flags;
    a.finish(&mut filter.program)
}

/// The conditional rules of syscall `nr`, in the profile's order.
fn rules(a: &mut Asm, nr: u32, policy: &Policy) {
    for &(_, rule) in policy.entries().iter().filter(|(n, _)| u32::from(*n) == nr) {
        let rule = &policy.rules[usize::from(rule)];
        let next = a.label();
        for c in rule.compares() {
            compare(a, c, next);
        }
        a.ret(rule.action);
        a.place(next);
    }
    a.ret(policy.default_action);
}

/// Falls through when the comparison holds, jumps to `fails` otherwise.
/// Both halves count, the high one first, as libseccomp compares 64-bit
/// arguments: an `int` argument with stray high bits does not match.
// Out of line, as `read` is: not on the compiler's large frame.
#[inline(never)]
fn compare(a: &mut Asm, c: &Compare, fails: Label) {
    let (low, high) = arg_halves(usize::from(c.index));
    let (v_high, v_low) = ((c.value >> 32) as u32, c.value as u32);
    let holds = a.label();
    match c.op {
        Op::Eq => {
            a.load(high);
            a.jump_unless(Cond::Eq, v_high, fails);
            a.load(low);
            a.jump_unless(Cond::Eq, v_low, fails);
        }
        Op::Ne => {
            a.load(high);
            a.jump_unless(Cond::Eq, v_high, holds);
            a.load(low);
            a.jump_if(Cond::Eq, v_low, fails);
        }
        Op::Gt | Op::Ge => {
            a.load(high);
            a.jump_if(Cond::Gt, v_high, holds);
            a.jump_unless(Cond::Eq, v_high, fails);
            a.load(low);
            let cond = if c.op == Op::Gt { Cond::Gt } else { Cond::Ge };
            a.jump_unless(cond, v_low, fails);
        }
        Op::Lt | Op::Le => {
            a.load(high);
            a.jump_if(Cond::Gt, v_high, fails);
            a.jump_unless(Cond::Eq, v_high, holds);
            a.load(low);
            let cond = if c.op == Op::Lt { Cond::Ge } else { Cond::Gt };
            a.jump_if(cond, v_low, fails);
        }
        // The datum's bits outside the mask cannot matter: libseccomp
        // drops them, and so does sct.
        Op::MaskedEq => {
            let (m_high, m_low) = ((c.value >> 32) as u32, c.value as u32);
            let (d_high, d_low) = ((c.value_two >> 32) as u32, c.value_two as u32);
            for (offset, mask, datum) in [(high, m_high, d_high), (low, m_low, d_low)] {
                a.load(offset);
                if mask != u32::MAX {
                    a.and(mask);
                }
                a.jump_unless(Cond::Eq, datum & mask, fails);
            }
        }
    }
    a.place(holds);
}
