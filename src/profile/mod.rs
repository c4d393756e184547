//! Seccomp profiles: Docker's and podman's JSON files, and OCI's
//! `linux.seccomp`, which has the same shape. [`read`] turns one into a
//! [`Policy`] (rules and the syscalls they apply to, judged for this
//! container: its bounding set, the running kernel, this architecture);
//! [`compile`] turns that into sct's own classic BPF. One compiler, two
//! front ends: `--seccomp FILE` gives it a whole file, the OCI reader its
//! `linux.seccomp` object.
//!
//! Pure code: no syscalls, no allocator. The tables have fixed sizes, with
//! room for podman's default profile several times over; a profile that
//! does not fit is refused, naming the field where it overflowed.
//!
//! The rules are those runc applies with libseccomp, so that a profile
//! means here what it means there:
//! - a rule whose action is the default action is left out (libseccomp
//!   refuses it);
//! - a rule comparing one argument twice becomes one rule per comparison
//!   (runc's "old behavior" for what libseccomp cannot AND);
//! - `includes` must all hold and `excludes` must all fail for a rule to
//!   apply: every capability of `includes.caps` is in the bounding set,
//!   none of `excludes.caps` is; this architecture (Go's name for it, as
//!   the profiles write it) is among `includes.arches`, not among
//!   `excludes.arches`; the kernel is at least `includes.minKernel`, below
//!   `excludes.minKernel`;
//! - for one syscall, an unconditional rule wins, the first one if several;
//!   otherwise the first rule whose comparisons all hold; otherwise the
//!   default action.
// ProfileError carries the field's path and the offending value, so that
// the one-line message can name both; the reader runs once per container,
// before clone, and its caller turns the error into sct's small `Error`.
// Its size is not copied through any hot path.
#![allow(clippy::result_large_err)]

use linux_raw_sys::ptrace::{
    SECCOMP_FILTER_FLAG_LOG, SECCOMP_FILTER_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_RET_ALLOW, SECCOMP_RET_DATA, SECCOMP_RET_ERRNO, SECCOMP_RET_KILL_PROCESS,
    SECCOMP_RET_KILL_THREAD, SECCOMP_RET_LOG, SECCOMP_RET_TRACE, SECCOMP_RET_TRAP,
};

use crate::json::{self, Object, Str, Value};
use crate::names;
use crate::out::Buf;
use crate::sys::list::List;
use refusal::error;
pub use refusal::ProfileError;
use values::{each_object, each_string, members, number};

mod compile;
mod refusal;
#[cfg(test)]
mod tests;
mod values;

pub use crate::json::Path;
pub use compile::{compile, Filter};

/// Most rules a profile may keep after the split of repeated arguments.
pub const MAX_RULES: usize = 256;
/// Most (syscall, rule) pairs; podman's default profile has about 450.
pub const MAX_ENTRIES: usize = 2048;
/// Most arguments a syscall has, so the highest `index` is one less.
pub const MAX_ARGS: usize = 6;
/// Highest errnoRet: libseccomp refuses the kernel's MAX_ERRNO (4095)
/// itself, so a profile that runc refuses is refused here too.
pub const MAX_ERRNO: u64 = 4094;

/// What a profile is judged against.
#[derive(Clone, Copy, Debug)]
pub struct Context {
    /// The container's bounding set: bit N is capability N.
    pub capabilities: u64,
    /// The running kernel's (major, minor).
    pub kernel: (u32, u32),
}

/// How an argument is compared, on its full 64 bits.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Op {
    Ne,
    Lt,
    Le,
    Eq,
    Ge,
    Gt,
    /// `arg & value == value_two`.
    MaskedEq,
}

/// libseccomp's operators, after `SCMP_CMP_`, packed in `Op`'s order
/// (`names::pack_runs`, as `ARCHES`; so are `ACTIONS` and `FILTER_FLAGS`,
/// their values beside them): as a slice of pairs each took 16 bytes more.
pub static OPS: [u8; names::runs_len(&OP_NAMES, names::Coding::Bytes)] =
    names::pack_runs(&OP_NAMES, names::Coding::Bytes);

const OP_NAMES: [(&str, u32); 7] =
    names::numbered(["NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"]);

const OP_VALUES: [Op; 7] = [Op::Ne, Op::Lt, Op::Le, Op::Eq, Op::Ge, Op::Gt, Op::MaskedEq];

/// One comparison of argument `index` with `value` (and `value_two`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Compare {
    pub index: u8,
    pub op: Op,
    pub value: u64,
    pub value_two: u64,
}

/// The action when every comparison holds.
#[derive(Clone, Copy, Debug)]
pub struct Rule {
    pub action: u32,
    compares: [Compare; MAX_ARGS],
    len: u8,
}

impl Rule {
    pub fn compares(&self) -> &[Compare] {
        &self.compares[..usize::from(self.len)]
    }
}

/// A profile, judged for one container: its default action, its flags, the
/// rules that apply, and which syscall (by number, this architecture's)
/// each applies to.
pub struct Policy {
    pub default_action: u32,
    /// `SECCOMP_FILTER_FLAG_*` for seccomp(2).
    pub flags: u32,
    rules: [Rule; MAX_RULES],
    rule_count: usize,
    /// (syscall number, rule index), in the profile's order.
    entries: List<(u16, u16), MAX_ENTRIES>,
}

impl Policy {
    pub fn rules(&self) -> &[Rule] {
        &self.rules[..self.rule_count]
    }

    pub fn entries(&self) -> &[(u16, u16)] {
        &self.entries
    }
}

type Result<T> = core::result::Result<T, ProfileError>;

fn fail<T>(field: &Path, what: &'static str, value: &[u8]) -> Result<T> {
    Err(error(field, what, value))
}

/// Parses `text` and reads it as a profile.
pub fn read_text(text: &[u8], ctx: &Context, policy: &mut Policy) -> Result<()> {
    match json::parse(text) {
        Ok(Value::Object(o)) => read(o, ctx, policy),
        Ok(v) => fail(&Path::ROOT, "expected an object, not", v.kind().as_bytes()),
        Err(e) => {
            let mut at = Buf::<64>::new();
            at.push(b"at byte ").push_u64(e.offset as u64);
            fail(&Path::ROOT, e.what, at.as_bytes())
        }
    }
}

impl Policy {
    pub const fn new() -> Self {
        // Slots past a count are never read: all their bytes are zero (Ne
        // is the first Op), so that filling them is stores of zero, not
        // copies of a pattern.
        const NONE: Compare = Compare {
            index: 0,
            op: Op::Ne,
            value: 0,
            value_two: 0,
        };
        // A constant of zero bytes but for the default action, as
        // `bpf::Program::new`'s: cleared in place, not beside and copied.
        const EMPTY: Policy = Policy {
            default_action: 0,
            flags: 0,
            rules: [Rule {
                action: 0,
                compares: [NONE; MAX_ARGS],
                len: 0,
            }; MAX_RULES],
            rule_count: 0,
            entries: List::new(),
        };
        let mut policy = EMPTY;
        policy.default_action = SECCOMP_RET_ALLOW;
        policy
    }
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

/// Reads a profile object (a file's top level, or OCI's `linux.seccomp`)
/// into `policy`. Every field is checked, also in rules that do not apply
/// to this container.
// Out of line, on a small frame of its own: inlined into its caller, whose
// frame holds the Policy and the program, every access to a local took a
// 4-byte offset.
#[inline(never)]
pub fn read(profile: Object, ctx: &Context, policy: &mut Policy) -> Result<()> {
    let root = Path::ROOT;
    // Emptied in place: `*policy = Policy::new()` built the 48 KB
    // temporary on this frame first. Entries past the counts are never read.
    policy.flags = 0;
    policy.rule_count = 0;
    policy.entries.clear();
    // The members by reference: bound by value, each was copied out of
    // the array first.
    let [default, errno, architectures, arch_map, flags, syscalls] = &members(
        profile,
        b"defaultAction defaultErrnoRet architectures archMap flags syscalls",
    );
    let errno = optional_errno(*errno, &root.field("defaultErrnoRet"))?;
    policy.default_action = action(*default, errno, &root.field("defaultAction"))?;
    if let Some(v) = *architectures {
        check_architectures(v, &root.field("architectures"))?;
    }
    if let Some(v) = *arch_map {
        let map = root.field("archMap");
        each_object(v, &map, &mut |entry, at| {
            let arch = at.field("architecture");
            check_architecture(string(entry.get(b"architecture"), &arch)?, &arch)?;
            if let Some(v) = entry.get(b"subArchitectures") {
                check_architectures(v, &at.field("subArchitectures"))?;
            }
            Ok(())
        })?;
    }
    if let Some(v) = *flags {
        each_string(v, &root.field("flags"), &mut |flag, at| {
            policy.flags |= filter_flag(flag, at)?;
            Ok(())
        })?;
    }
    if let Some(v) = *syscalls {
        each_object(v, &root.field("syscalls"), &mut |rule, at| {
            read_rule(rule, ctx, policy, at)
        })?;
    }
    Ok(())
}

#[inline(never)]
fn read_rule(rule: Object, ctx: &Context, policy: &mut Policy, at: &Path) -> Result<()> {
    let [action_value, errno, args, includes, excludes, names, name] =
        &members(rule, b"action errnoRet args includes excludes names name");
    let errno = optional_errno(*errno, &at.field("errnoRet"))?;
    let action = action(*action_value, errno, &at.field("action"))?;
    let mut compares = [Compare {
        index: 0,
        op: Op::Eq,
        value: 0,
        value_two: 0,
    }; MAX_ARGS];
    let mut count = 0;
    let mut repeated = false;
    match *args {
        None | Some(Value::Null) => {}
        Some(v) => {
            each_object(v, &at.field("args"), &mut |arg, at| {
                if count == MAX_ARGS {
                    return fail(at, "more than 6 comparisons", b"");
                }
                let c = compare(arg, at)?;
                repeated |= compares[..count].iter().any(|o| o.index == c.index);
                compares[count] = c;
                count += 1;
                Ok(())
            })?;
        }
    }
    let applies = applies(*includes, ctx, &at.field("includes"), true)?
        & applies(*excludes, ctx, &at.field("excludes"), false)?;
    let first = policy.rule_count;
    if applies && action != policy.default_action {
        add_rules(policy, action, &compares[..count], repeated, at)?;
    }
    let kept = first..policy.rule_count;
    match (*names, *name) {
        (Some(v), _) => {
            each_string(v, &at.field("names"), &mut |name, at| {
                add_name(policy, name, kept.clone(), at)
            })?;
        }
        (None, Some(_)) => {
            let at = at.field("name");
            add_name(policy, string(*name, &at)?, kept, &at)?
        }
        (None, None) => return fail(&at.field("names"), "missing", b""),
    }
    Ok(())
}

/// Adds the rule, or one per comparison when an argument is compared twice.
fn add_rules(
    policy: &mut Policy,
    action: u32,
    compares: &[Compare],
    split: bool,
    at: &Path,
) -> Result<()> {
    let mut push = |cs: &[Compare]| {
        if policy.rule_count == MAX_RULES {
            return fail(at, "too many rules for sct's table of", b"256");
        }
        let r = &mut policy.rules[policy.rule_count];
        r.action = action;
        r.compares[..cs.len()].copy_from_slice(cs);
        r.len = cs.len() as u8;
        policy.rule_count += 1;
        Ok(())
    };
    if !split {
        return push(compares);
    }
    for c in compares {
        push(core::slice::from_ref(c))?;
    }
    Ok(())
}

/// Looks the syscall up and, if the rule applies (`rules`), records it.
#[inline(never)]
fn add_name(
    policy: &mut Policy,
    name: Str,
    rules: core::ops::Range<usize>,
    at: &Path,
) -> Result<()> {
    let mut buf = [0u8; 64];
    let Some(n) = name.decode(&mut buf) else {
        return fail(at, "unknown syscall", name.raw());
    };
    let Some(nr) = crate::cli::syscall_number(n) else {
        if foreign_syscall(n) {
            return Ok(());
        }
        return fail(at, "unknown syscall", n);
    };
    for rule in rules {
        if !policy.entries.push((nr as u16, rule as u16)) {
            return fail(at, "too many syscall rules for sct's table of", b"2048");
        }
    }
    Ok(())
}

/// Whether another architecture has a syscall called `name`.
fn foreign_syscall(name: &[u8]) -> bool {
    static FOREIGN: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/foreign_syscalls"));
    let mut buf = [0; 48];
    let Some(packed) = names::sixbit(name, &mut buf) else {
        return false;
    };
    names::number_of(FOREIGN, packed).is_some()
}

#[inline(never)]
fn compare(arg: Object, at: &Path) -> Result<Compare> {
    let index = number(arg.get(b"index"), &at.field("index"))?;
    if index >= MAX_ARGS as u64 {
        return fail(
            &at.field("index"),
            "not an argument (0 to 5):",
            digits(index).as_bytes(),
        );
    }
    let value = number(arg.get(b"value"), &at.field("value"))?;
    let value_two = match arg.get(b"valueTwo") {
        None => 0,
        v => number(v, &at.field("valueTwo"))?,
    };
    let at_op = at.field("op");
    let s = string(arg.get(b"op"), &at_op)?;
    let Some(op) = named(s, b"SCMP_CMP_", &OPS).map(|i| OP_VALUES[i]) else {
        return fail_quoted(&at_op, "unknown operator", s);
    };
    Ok(Compare {
        index: index as u8,
        op,
        value,
        value_two,
    })
}

/// Whether `includes` (`include`: true) or `excludes` lets the rule apply.
fn applies(filter: Option<Value>, ctx: &Context, at: &Path, include: bool) -> Result<bool> {
    let filter = match filter {
        None | Some(Value::Null) => return Ok(true),
        Some(Value::Object(o)) => o,
        Some(v) => return fail(at, "expected an object, not", v.kind().as_bytes()),
    };
    // Each test: does the part hold? includes need all to, excludes none:
    // a part that says otherwise (false for includes, true for excludes)
    // keeps the rule out.
    let mut kept = true;
    if let Some(v) = filter.get(b"caps") {
        // Each capability: includes need it held, excludes not.
        each_string(v, &at.field("caps"), &mut |cap, _| {
            let mut buf = [0u8; 32];
            let held = cap
                .decode(&mut buf)
                .and_then(crate::cli::capability_number)
                .is_some_and(|c| ctx.capabilities & (1 << c) != 0);
            kept &= held == include;
            Ok(())
        })?;
    }
    if let Some(v) = filter.get(b"arches") {
        let mut here = false;
        each_string(v, &at.field("arches"), &mut |arch, _| {
            here |= arch.eq(crate::arch::NATIVE.go_name);
            Ok(())
        })?;
        kept &= here == include;
    }
    if let Some(v) = filter.get(b"minKernel") {
        let s = string(Some(v), &at.field("minKernel"))?;
        let Some(min) = kernel_version(s.raw()) else {
            return fail_quoted(&at.field("minKernel"), "expected MAJOR.MINOR, not", s);
        };
        kept &= (ctx.kernel >= min) == include;
    }
    Ok(kept)
}

/// `"5.8"` (or `"5.8.0"`) as (5, 8).
pub fn kernel_version(s: &[u8]) -> Option<(u32, u32)> {
    let (major, minor) = s.split_at(s.iter().position(|&c| c == b'.')?);
    let major = crate::out::parse_u64(major)?;
    let minor = &minor[1..];
    let end = minor
        .iter()
        .position(|c| !c.is_ascii_digit())
        .unwrap_or(minor.len());
    let minor = crate::out::parse_u64(&minor[..end])?;
    Some((u32::try_from(major).ok()?, u32::try_from(minor).ok()?))
}

/// The actions sct takes, after `SCMP_ACT_` (`SCMP_ACT_NOTIFY` needs an
/// agent it has not); ERRNO's and TRACE's data is added from `errnoRet`.
pub static ACTIONS: [u8; names::runs_len(&ACTION_NAMES, names::Coding::Bytes)] =
    names::pack_runs(&ACTION_NAMES, names::Coding::Bytes);

const ACTION_NAMES: [(&str, u32); 8] = names::numbered([
    "KILL",
    "KILL_THREAD",
    "KILL_PROCESS",
    "TRAP",
    "ERRNO",
    "TRACE",
    "ALLOW",
    "LOG",
]);

const ACTION_VALUES: [u32; 8] = [
    SECCOMP_RET_KILL_THREAD,
    SECCOMP_RET_KILL_THREAD,
    SECCOMP_RET_KILL_PROCESS,
    SECCOMP_RET_TRAP,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_TRACE,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_LOG,
];

#[inline(never)]
fn action(v: Option<Value>, errno: Option<u32>, at: &Path) -> Result<u32> {
    let s = string(v, at)?;
    // runc's defaults: EPERM when ERRNO or TRACE comes without errnoRet.
    let data = errno.unwrap_or(linux_raw_sys::errno::EPERM);
    if s.eq(b"SCMP_ACT_NOTIFY") {
        return fail_quoted(at, "not supported (sct has no seccomp agent to notify):", s);
    }
    match named(s, b"SCMP_ACT_", &ACTIONS).map(|i| ACTION_VALUES[i]) {
        Some(a) if a == SECCOMP_RET_ERRNO || a == SECCOMP_RET_TRACE => Ok(a | data),
        Some(a) => Ok(a),
        None => fail_quoted(at, "unknown action", s),
    }
}

#[inline(never)]
fn optional_errno(v: Option<Value>, at: &Path) -> Result<Option<u32>> {
    match v {
        None | Some(Value::Null) => Ok(None),
        v => {
            let n = number(v, at)?;
            if n > MAX_ERRNO || n as u32 & !SECCOMP_RET_DATA != 0 {
                return fail(at, "out of range 0 to 4094:", digits(n).as_bytes());
            }
            Ok(Some(n as u32))
        }
    }
}

/// The profile flags sct passes to seccomp(2), after
/// `SECCOMP_FILTER_FLAG_`.
pub static FILTER_FLAGS: [u8; names::runs_len(&FLAG_NAMES, names::Coding::Bytes)] =
    names::pack_runs(&FLAG_NAMES, names::Coding::Bytes);

const FLAG_NAMES: [(&str, u32); 3] = names::numbered(["TSYNC", "LOG", "SPEC_ALLOW"]);

const FLAG_VALUES: [u32; 3] = [
    SECCOMP_FILTER_FLAG_TSYNC,
    SECCOMP_FILTER_FLAG_LOG,
    SECCOMP_FILTER_FLAG_SPEC_ALLOW,
];

fn filter_flag(s: Str, at: &Path) -> Result<u32> {
    match named(s, b"SECCOMP_FILTER_FLAG_", &FILTER_FLAGS) {
        Some(i) => Ok(FLAG_VALUES[i]),
        None => fail_quoted(at, "unknown or unsupported flag", s),
    }
}

/// Which name of `table` (packed `names::numbered`) `s` is, after
/// `prefix`.
fn named(s: Str, prefix: &[u8], table: &[u8]) -> Option<usize> {
    let mut buf = [0u8; 32];
    let name = s.decode(&mut buf)?.strip_prefix(prefix)?;
    Some(names::number_of(table, name)? as usize)
}

/// libseccomp's architecture names, after `SCMP_ARCH_`, packed
/// (`names::pack_runs`; the numbers mean nothing): as a slice of byte
/// strings each name cost 16 bytes more.
pub static ARCHES: [u8; names::runs_len(&ARCH_NAMES, names::Coding::Bytes)] =
    names::pack_runs(&ARCH_NAMES, names::Coding::Bytes);

const ARCH_NAMES: [(&str, u32); 23] = names::numbered([
    "X86",
    "X86_64",
    "X32",
    "ARM",
    "AARCH64",
    "MIPS",
    "MIPS64",
    "MIPS64N32",
    "MIPSEL",
    "MIPSEL64",
    "MIPSEL64N32",
    "PPC",
    "PPC64",
    "PPC64LE",
    "S390",
    "S390X",
    "PARISC",
    "PARISC64",
    "RISCV64",
    "LOONGARCH64",
    "M68K",
    "SH",
    "SHEB",
]);

/// A list of architecture names, each checked as `check_architecture`
/// does: one loop for `architectures` and `subArchitectures`.
fn check_architectures(v: Value, at: &Path) -> Result<()> {
    each_string(v, at, &mut |arch, at| check_architecture(arch, at))
}

/// libseccomp's architecture names (`SCMP_ARCH_*`). sct filters only this
/// architecture's native ABI whatever the list says, and answers ENOSYS
/// to the others (i386 and x32 on x86_64) as its built-in filter does.
fn check_architecture(s: Str, at: &Path) -> Result<()> {
    match named(s, b"SCMP_ARCH_", &ARCHES) {
        Some(_) => Ok(()),
        None => fail_quoted(at, "unknown architecture", s),
    }
}

/// A member that must be a string; refused where it is missing or
/// something else.
fn string<'a>(v: Option<Value<'a>>, at: &Path) -> Result<Str<'a>> {
    match v {
        Some(Value::String(s)) => Ok(s),
        Some(v) => fail(at, "expected a string, not", v.kind().as_bytes()),
        None => fail(at, "missing", b""),
    }
}

fn fail_quoted<T>(at: &Path, what: &'static str, s: Str) -> Result<T> {
    Err(quoted(at, what, s))
}

#[cold]
#[inline(never)]
fn quoted(at: &Path, what: &'static str, s: Str) -> ProfileError {
    let mut v = Buf::<64>::new();
    let mut buf = [0u8; 60];
    v.push(b"\"")
        .push(s.decode(&mut buf).unwrap_or(s.raw()))
        .push(b"\"");
    error(at, what, v.as_bytes())
}

// 64 bytes, a size other buffers use (`quoted`'s, `user_name`'s): a size
// of its own (Buf<24>, then Buf<32>) brought its own copies of Buf's
// methods.
fn digits(n: u64) -> Buf<64> {
    let mut b = Buf::new();
    b.push_u64(n);
    b
}
