//! The device rule: which device nodes the container may create and open.
//!
//! Pure code: no syscalls. A rule list follows OCI's (and runc's) meaning:
//! the rules apply in order on top of "deny everything", the last rule that
//! matches an access decides, and an access no rule matches is denied.
//! cgroup v1 takes the list as `devices.allow`/`devices.deny` lines
//! ([`v1_line`]); cgroup v2 has no devices files and runs an eBPF program
//! attached to the cgroup instead ([`program`]).

use crate::ebpf::{
    self, Alu, Asm, AsmError, Reg, Src, Width, BPF_DEVCG_DEV_BLOCK, BPF_DEVCG_DEV_CHAR, R0, R1, R2,
    R3, R4, R5, R6, R7, R8,
};
use crate::out::Text;
use crate::spec::DEFAULT_DEVICE_RULES;
use crate::sys::list::List;

/// Which nodes a rule covers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Char,
    Block,
    /// Both (cgroup v1's `a`).
    All,
}

/// Access bits, as bpf_cgroup_dev_ctx and cgroup v1 name them.
pub const MKNOD: u8 = 1;
pub const READ: u8 = 2;
pub const WRITE: u8 = 4;
pub const RWM: u8 = 7;

/// One rule; `None` for a major or minor is the wildcard `*`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Rule {
    pub allow: bool,
    pub kind: Kind,
    pub major: Option<u32>,
    pub minor: Option<u32>,
    pub access: u8,
}

/// An allow rule, for the tables.
pub const fn allow(kind: Kind, major: Option<u32>, minor: Option<u32>, access: u8) -> Rule {
    Rule {
        allow: true,
        kind,
        major,
        minor,
        access,
    }
}

/// Docker's PERMS (`--device HOST:CONTAINER:PERMS`): some of r, w and m,
/// each at most once, in any order.
pub fn parse_access(s: &[u8]) -> Option<u8> {
    if s.is_empty() {
        return None;
    }
    let mut bits = 0;
    for &c in s {
        let bit = match c {
            b'r' => READ,
            b'w' => WRITE,
            b'm' => MKNOD,
            _ => return None,
        };
        if bits & bit != 0 {
            return None;
        }
        bits |= bit;
    }
    Some(bits)
}

/// The rule as a cgroup v1 `devices.allow` or `devices.deny` line (which
/// of the two is `rule.allow`'s business): `c 1:3 rwm`, `a *:* rwm`.
pub fn v1_line(rule: &Rule, out: &mut Text) {
    out.push(match rule.kind {
        Kind::Char => b"c ",
        Kind::Block => b"b ",
        Kind::All => b"a ",
    });
    let number = |out: &mut Text, n: Option<u32>| match n {
        Some(n) => {
            out.push_u64(u64::from(n));
        }
        None => {
            out.push(b"*");
        }
    };
    number(out, rule.major);
    out.push(b":");
    number(out, rule.minor);
    out.push(b" ");
    for &(bit, letter) in &[(READ, b"r"), (WRITE, b"w"), (MKNOD, b"m")] {
        if rule.access & bit != 0 {
            out.push(letter);
        }
    }
}

/// Registers of the device program, set once from the context.
/// The node type XOR a char node's: 0 for a char node, nonzero for a block one.
const NOT_CHAR: Reg = R2;
const ACCESS: Reg = R3;
const MAJOR: Reg = R4;
const MINOR: Reg = R5;
/// `major << 20 | minor`, as the kernel packs a device number in a dev_t.
const NUMBER: Reg = R8;
/// A rule's difference from the access: zero when the rule matches.
const DIFF: Reg = R6;
const SCRATCH: Reg = R7;

/// The largest major and minor numbers: the kernel's dev_t has 12 bits for
/// the major and 20 for the minor (MINORBITS, include/linux/kdev_t.h), and
/// the context holds MAJOR() and MINOR() of one.
const MAJOR_MAX: u32 = 0xfff;
const MINOR_MAX: u32 = 0xf_ffff;

/// Whether a rule matches every access, so that nothing after it in the
/// program could run.
fn always_matches(r: &Rule) -> bool {
    r.kind == Kind::All && r.major.is_none() && r.minor.is_none() && r.access & RWM == RWM
}

/// Whether a rule names a number no device has (a major above 12 bits, a
/// minor above 20): it matches nothing, so it changes nothing.
fn matches_nothing(r: &Rule) -> bool {
    r.major.is_some_and(|m| m > MAJOR_MAX) || r.minor.is_some_and(|m| m > MINOR_MAX)
}

/// The BPF_PROG_TYPE_CGROUP_DEVICE program for `rules`, into `p`: it
/// returns 1 to allow an access and 0 to deny it (the kernel then fails
/// the mknod or open with EPERM).
///
/// The program has no jump: r0 starts as "deny", and each rule in order,
/// as the last matching rule has the say, ORs in its "allow" or ANDs in its
/// "deny" when it matches. Whether it matches is computed, not branched on:
/// the OR of what differs (the node type XOR the rule's, the access bits
/// the rule does not grant, the numbers XOR the rule's), below 2^32, is
/// zero exactly for a match; minus one, its bit 63 is then set exactly for
/// a match, and negated, exactly for a mismatch. A rule with both numbers
/// compares them at once, packed as the kernel packs a dev_t.
///
/// The verifier walks a program with conditional jumps once per path it
/// cannot prune, saving its state at each jump and at each target, and
/// those saved states were most of its work: loading the default program
/// took 146 us with one jump per test (97 instructions, 116 walked, 11
/// states saved) and 88 us without (131 instructions, each walked once, no
/// state saved), 2,000 loads in a row (bench/speed.md). What is left is
/// about 0.4 us per instruction walked, hence the packed numbers and the
/// shared type test: 91 instructions, 70 us. Loading the program is the
/// costliest step of a container's cgroup.
pub fn program(p: &mut ebpf::Program, rules: &[Rule]) -> Result<(), AsmError> {
    // Rules before the last catch-all can never decide.
    let from = rules.iter().rposition(always_matches).unwrap_or(0);
    let (initial, rules) = match rules[from..].split_first() {
        Some((first, rest)) if always_matches(first) => (first.allow, rest),
        _ => (false, &rules[from..]),
    };
    let live = || rules.iter().filter(|r| !matches_nothing(r));
    // What some rule tests: the node type, the access, the numbers.
    let (mut tests_kind, mut tests_access, mut tests_major, mut tests_minor, mut tests_number) =
        (false, false, false, false, false);
    let mut any_live = false;
    for r in live() {
        any_live = true;
        tests_kind |= r.kind != Kind::All;
        tests_access |= r.access & RWM != RWM;
        tests_major |= r.major.is_some();
        tests_minor |= r.minor.is_some();
        tests_number |= r.major.is_some() && r.minor.is_some();
    }
    let mut a = Asm::new();
    if tests_kind {
        a.load_u32(NOT_CHAR, R1, 0);
        a.alu(Width::W32, Alu::And, NOT_CHAR, Src::K(0xffff));
        a.alu(
            Width::W32,
            Alu::Xor,
            NOT_CHAR,
            Src::K(BPF_DEVCG_DEV_CHAR as i32),
        );
    }
    if tests_access {
        a.load_u32(ACCESS, R1, 0);
        a.alu(Width::W32, Alu::Rsh, ACCESS, Src::K(16));
    }
    if tests_major {
        a.load_u32(MAJOR, R1, 4);
    }
    if tests_minor {
        a.load_u32(MINOR, R1, 8);
    }
    if tests_number {
        a.alu(Width::W64, Alu::Mov, NUMBER, Src::X(MAJOR));
        a.alu(Width::W32, Alu::Lsh, NUMBER, Src::K(20));
        a.alu(Width::W32, Alu::Or, NUMBER, Src::X(MINOR));
    }
    a.alu(Width::W64, Alu::Mov, R0, Src::K(i32::from(initial)));
    for rule in live() {
        let access = rule.access & RWM;
        let number = match (rule.major, rule.minor) {
            (Some(major), Some(minor)) => Some((NUMBER, major << 20 | minor)),
            (Some(major), None) => Some((MAJOR, major)),
            (None, Some(minor)) => Some((MINOR, minor)),
            (None, None) => None,
        };
        // (field, operation, constant): the field's difference from what
        // the rule asks for; 32-bit operations, so every value stays below
        // 2^32 (a 32-bit ALU operation zero-extends its result, and takes
        // the immediate's 32 bits as they are). A char rule's type test is
        // NOT_CHAR itself; a block rule's, NOT_CHAR XOR (char XOR block).
        let kind = match rule.kind {
            Kind::Char => Some((NOT_CHAR, None)),
            Kind::Block => Some((
                NOT_CHAR,
                Some((Alu::Xor, BPF_DEVCG_DEV_CHAR ^ BPF_DEVCG_DEV_BLOCK)),
            )),
            Kind::All => None,
        };
        let parts = [
            kind,
            (access != RWM).then(|| (ACCESS, Some((Alu::And, u32::from(!access & RWM))))),
            number.map(|(field, k)| (field, Some((Alu::Xor, k)))),
        ];
        // Each rule left tests something: only the first may match all.
        let mut first = true;
        for &part in &parts {
            let Some((field, op)) = part else { continue };
            let to = if first { DIFF } else { SCRATCH };
            a.alu(Width::W64, Alu::Mov, to, Src::X(field));
            if let Some((op, k)) = op {
                a.alu(Width::W32, op, to, Src::K(k as i32));
            }
            if !first {
                a.alu(Width::W64, Alu::Or, DIFF, Src::X(SCRATCH));
            }
            first = false;
        }
        if rule.allow {
            // DIFF = 1 if the rule matches, 0 if not.
            a.alu(Width::W64, Alu::Add, DIFF, Src::K(-1));
            a.alu(Width::W64, Alu::Rsh, DIFF, Src::K(63));
            a.alu(Width::W64, Alu::Or, R0, Src::X(DIFF));
        } else {
            // DIFF = 0 if the rule matches, 1 if not.
            a.alu(Width::W64, Alu::Neg, DIFF, Src::K(0));
            a.alu(Width::W64, Alu::Rsh, DIFF, Src::K(63));
            a.alu(Width::W64, Alu::And, R0, Src::X(DIFF));
        }
    }
    // r0 is 0 or 1 already, but older verifiers lose a register's range
    // when a register (not a constant) is ORed into it: 6.1's (the VM's
    // x86_64 kernel) then refused the program at the exit, where a cgroup
    // program's r0 must be within 0..1 (check_return_code; EINVAL). An AND
    // with a constant gives the range back on every kernel.
    if any_live {
        a.alu(Width::W64, Alu::And, R0, Src::K(1));
    }
    a.exit();
    a.finish(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ebpf::{run, validate};

    fn built(rules: &[Rule]) -> Result<ebpf::Program, AsmError> {
        let mut p = ebpf::Program::new();
        program(&mut p, rules).map(|()| p)
    }

    fn ctx(kind: Kind, major: u32, minor: u32, access: u8) -> [u8; 12] {
        let t = match kind {
            Kind::Char => BPF_DEVCG_DEV_CHAR,
            Kind::Block => BPF_DEVCG_DEV_BLOCK,
            Kind::All => unreachable!("an access is to a char or a block node"),
        };
        let mut b = [0u8; 12];
        b[0..4].copy_from_slice(&(t | u32::from(access) << 16).to_ne_bytes());
        b[4..8].copy_from_slice(&major.to_ne_bytes());
        b[8..12].copy_from_slice(&minor.to_ne_bytes());
        b
    }

    /// The meaning of a rule list, written plainly.
    fn allows(rules: &[Rule], kind: Kind, major: u32, minor: u32, access: u8) -> bool {
        let mut verdict = false;
        for r in rules {
            if (r.kind == Kind::All || r.kind == kind)
                && r.major.is_none_or(|m| m == major)
                && r.minor.is_none_or(|m| m == minor)
                && access & !r.access == 0
            {
                verdict = r.allow;
            }
        }
        verdict
    }

    fn verdict(p: &ebpf::Program, kind: Kind, major: u32, minor: u32, access: u8) -> bool {
        match run(p.insns(), &ctx(kind, major, minor, access)) {
            Some(1) => true,
            Some(0) => false,
            other => panic!("program returned {other:?}"),
        }
    }

    const R: u8 = READ;
    const W: u8 = WRITE;
    const M: u8 = MKNOD;

    #[test]
    fn default_rules() {
        let p = built(DEFAULT_DEVICE_RULES).unwrap();
        validate(p.insns()).unwrap();
        let table = [
            (Kind::Char, 1, 3, R | W, true),     // /dev/null
            (Kind::Char, 1, 3, RWM, true),       // mknod and open /dev/null
            (Kind::Char, 1, 9, R, true),         // /dev/urandom
            (Kind::Block, 7, 0, R, false),       // a loop device
            (Kind::Block, 7, 0, M, true),        // creating it is allowed
            (Kind::Block, 8, 0, W, false),       // a disk
            (Kind::Char, 1, 11, W, false),       // /dev/kmsg
            (Kind::Char, 1, 11, M, true),        // creating it is allowed
            (Kind::Char, 1, 1, R, false),        // /dev/mem
            (Kind::Char, 136, 5, R | W, true),   // a pty
            (Kind::Char, 5, 1, R | W, true),     // /dev/console
            (Kind::Char, 5, 2, R | W, true),     // /dev/ptmx
            (Kind::Char, 4, 0, R, false),        // /dev/tty0
            (Kind::Char, 10, 200, R | W, false), // tun: not in sct's list
            (Kind::Block, 1, 3, R, false),       // null's numbers, but a block node
            (Kind::Char, 137, 0, R, false),      // next to the ptys
        ];
        for (kind, major, minor, access, expected) in table {
            assert_eq!(
                verdict(&p, kind, major, minor, access),
                expected,
                "{kind:?} {major}:{minor} {access}"
            );
            assert_eq!(
                allows(DEFAULT_DEVICE_RULES, kind, major, minor, access),
                expected
            );
        }
    }

    #[test]
    fn default_program_is_minimal() {
        let p = built(DEFAULT_DEVICE_RULES).unwrap();
        // Setting up: the type XOR char's (load, mask, XOR), the access
        // (load, shift), major and minor (a load each), the packed number
        // (move, shift, OR), r0 = deny. Per rule: a move for its first
        // field, plus its operation if any; a move, the operation and an OR
        // for each other; 3 to turn the difference into 0 or 1 and fold it
        // into r0. Char nodes, any number, mknod: 1 + 3 + 3; the same for
        // block nodes: 2 + 3 + 3; a char rule with both numbers: 1 + 3 + 3;
        // pts (char, a major): 1 + 3 + 3. Then r0 &= 1 and the exit.
        assert_eq!(p.insns().len(), 11 + 7 + 8 + 8 * 7 + 7 + 2);
    }

    #[test]
    fn catch_all_rules_leave_nothing_unreachable() {
        let all = allow(Kind::All, None, None, RWM);
        let deny_all = Rule {
            allow: false,
            ..all
        };
        let null = allow(Kind::Char, Some(1), Some(3), RWM);
        // Nothing to test: one "return 0" or "return 1".
        for (rules, len, expected) in [
            (&[][..], 2, false),
            (&[all][..], 2, true),
            (&[deny_all][..], 2, false),
            (&[null, all][..], 2, true),
            (&[null, deny_all][..], 2, false),
            (&[null, all, deny_all][..], 2, false),
        ] {
            let p = built(rules).unwrap();
            validate(p.insns()).unwrap();
            assert_eq!(p.insns().len(), len, "{rules:?}");
            assert_eq!(verdict(&p, Kind::Char, 1, 3, RWM), expected);
        }
        // v1's usual start: deny all, then allow null.
        let p = built(&[deny_all, null]).unwrap();
        validate(p.insns()).unwrap();
        assert!(verdict(&p, Kind::Char, 1, 3, R));
        assert!(!verdict(&p, Kind::Char, 1, 4, R));
    }

    #[test]
    fn numbers_no_device_has_match_nothing() {
        // The largest numbers a dev_t holds still match, exactly.
        let top = allow(Kind::Block, Some(MAJOR_MAX), Some(MINOR_MAX), RWM);
        let p = built(&[top]).unwrap();
        validate(p.insns()).unwrap();
        assert!(verdict(&p, Kind::Block, MAJOR_MAX, MINOR_MAX, R));
        assert!(!verdict(&p, Kind::Block, MAJOR_MAX, MINOR_MAX - 1, R));
        assert!(!verdict(&p, Kind::Block, MAJOR_MAX - 1, MINOR_MAX, R));
        // Beyond them a rule matches no device, and is left out.
        for (major, minor) in [(Some(MAJOR_MAX + 1), Some(0)), (None, Some(MINOR_MAX + 1))] {
            let beyond = allow(Kind::Block, major, minor, RWM);
            let p = built(&[beyond]).unwrap();
            assert_eq!(p.insns().len(), 2, "{beyond:?}");
            assert!(!verdict(&p, Kind::Block, 0, 0, R));
        }
    }

    /// xorshift64: deterministic, and no dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u32 {
            (self.next() % n) as u32
        }

        fn number(&mut self) -> u32 {
            // Mostly small numbers so that rules and queries meet; now and
            // then one that needs all 32 bits (a rule with it matches no
            // device), or the largest a dev_t holds.
            match self.below(8) {
                0 => self.next() as u32 | 0x8000_0000,
                1 => [MAJOR_MAX, MINOR_MAX, MINOR_MAX + 1][self.below(3) as usize],
                _ => self.below(4),
            }
        }

        fn kind(&mut self, all: bool) -> Kind {
            match self.below(if all { 3 } else { 2 }) {
                0 => Kind::Char,
                1 => Kind::Block,
                _ => Kind::All,
            }
        }
    }

    #[test]
    fn program_agrees_with_the_plain_meaning() {
        let mut rng = Rng(0x5c7_0e6f);
        let mut rules = [DEFAULT_DEVICE_RULES[0]; 12];
        for _ in 0..2000 {
            let n = rng.below(rules.len() as u64 + 1) as usize;
            for r in &mut rules[..n] {
                *r = Rule {
                    allow: rng.below(3) != 0,
                    kind: rng.kind(true),
                    major: (rng.below(3) != 0).then(|| rng.number()),
                    minor: (rng.below(2) != 0).then(|| rng.number()),
                    access: rng.below(8) as u8,
                };
            }
            let rules = &rules[..n];
            let p = built(rules).unwrap();
            validate(p.insns()).unwrap_or_else(|e| panic!("{e:?} for {rules:?}"));
            for _ in 0..50 {
                // Queries aimed at a rule's numbers half the time.
                let (mut major, mut minor) = (rng.number(), rng.number());
                if n > 0 && rng.below(2) == 0 {
                    let r = rules[rng.below(n as u64) as usize];
                    major = r.major.unwrap_or(major);
                    minor = r.minor.unwrap_or(minor);
                }
                // What the kernel can ask: MAJOR() and MINOR() of a dev_t.
                let (major, minor) = (major & MAJOR_MAX, minor & MINOR_MAX);
                let kind = rng.kind(false);
                let access = 1 + rng.below(7) as u8;
                assert_eq!(
                    verdict(&p, kind, major, minor, access),
                    allows(rules, kind, major, minor, access),
                    "{kind:?} {major}:{minor} {access} under {rules:?}"
                );
            }
        }
    }

    #[test]
    fn v1_lines() {
        let line = |r: &Rule| {
            let mut t = Text::new();
            v1_line(r, &mut t);
            t
        };
        assert_eq!(line(&DEFAULT_DEVICE_RULES[2]).as_bytes(), b"c 1:3 rwm");
        assert_eq!(line(&DEFAULT_DEVICE_RULES[1]).as_bytes(), b"b *:* m");
        assert_eq!(line(&DEFAULT_DEVICE_RULES[10]).as_bytes(), b"c 136:* rwm");
        let all = Rule {
            allow: false,
            ..allow(Kind::All, None, None, RWM)
        };
        assert_eq!(line(&all).as_bytes(), b"a *:* rwm");
        let rw = allow(Kind::Block, Some(8), Some(16), R | W);
        assert_eq!(line(&rw).as_bytes(), b"b 8:16 rw");
    }

    #[test]
    fn access_strings() {
        assert_eq!(parse_access(b"rwm"), Some(RWM));
        assert_eq!(parse_access(b"mr"), Some(M | R));
        assert_eq!(parse_access(b"w"), Some(W));
        for bad in [&b""[..], b"rr", b"rwx", b"RW", b"r w", b"rwmr"] {
            assert_eq!(parse_access(bad), None, "{bad:?}");
        }
    }
}

/// Where new_encode_dev() puts the major number (include/linux/kdev_t.h).
pub const DEV_MAJOR_MASK: u32 = 0xfff00;

/// A device number as the kernel takes it from mknod(2) (new_encode_dev()):
/// minor bits 0-7, major 8-19, minor 8-19 above them.
pub const fn encode_dev(major: u32, minor: u32) -> u32 {
    (minor & 0xff) | (major << 8) | ((minor & !0xff) << 12)
}

/// One `--device`, as found on the host: the node sct makes inside.
#[derive(Clone, Copy, Debug)]
pub struct Node {
    pub kind: Kind,
    pub major: u32,
    pub minor: u32,
    /// The host node's permission bits, owner and group, which the node
    /// inside gets too (as docker does).
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    /// The path on the host, and below /dev inside.
    pub host: &'static [u8],
    pub path: &'static [u8],
}

/// Most `--device` nodes a container gets.
pub const MAX_NODES: usize = crate::cli::MAX_DEVICES;

/// Room for the defaults, config.json's rules and a rule per node.
const MAX_RULES: usize = DEFAULT_DEVICE_RULES.len() + crate::cli::MAX_DEVICE_RULES + MAX_NODES;

/// A container's device rule (the defaults, config.json's rules, then a
/// rule per node) and the nodes sct makes for it.
#[derive(Clone, Copy)]
pub struct Devices {
    rules: List<Rule, MAX_RULES>,
    nodes: List<Node, MAX_NODES>,
}

impl Default for Devices {
    fn default() -> Self {
        Self::new()
    }
}

impl Devices {
    pub fn new() -> Self {
        let mut d = Devices {
            rules: List::new(),
            nodes: List::new(),
        };
        for &rule in DEFAULT_DEVICE_RULES {
            d.rules.push(rule);
        }
        d
    }

    /// Adds a rule after the defaults (and before any node's); at most
    /// `cli::MAX_DEVICE_RULES`, which the reader enforces.
    pub fn add_rule(&mut self, rule: Rule) {
        if self.rules.len() < MAX_RULES - MAX_NODES {
            self.rules.push(rule);
        }
    }

    /// Adds `node`, usable with `access`. At most MAX_NODES (the command
    /// line takes no more); later ones are dropped.
    pub fn add(&mut self, node: Node, access: u8) {
        // The rules keep room for a rule per node (MAX_RULES).
        if self.nodes.push(node) {
            self.rules.push(Rule {
                allow: true,
                kind: node.kind,
                major: Some(node.major),
                minor: Some(node.minor),
                access,
            });
        }
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }
}
