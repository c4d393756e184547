//! The limits as values: parsing the option strings and formatting what is
//! written to the cgroup files. Pure code, no syscalls, unit-tested.

use crate::out::{parse_u64, Text};

/// The period `--cpus` is a share of, in microseconds: 100 ms, as docker's
/// `--cpus` (cpu.max's second field; v1 `cpu.cfs_period_us`).
pub const CPU_PERIOD_US: u64 = 100_000;

/// The resource limits asked for on the command line. All `None`: no cgroup.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of memory (`memory.max`, v1 `memory.limit_in_bytes`).
    pub memory: Option<u64>,
    /// Memory plus swap, docker's `--memory-swap`.
    pub memory_swap: Option<Swap>,
    pub pids: Option<u64>,
    /// CPU time per `CPU_PERIOD_US`, in microseconds.
    pub cpu_quota_us: Option<u64>,
    /// The CPU's relative weight, as v1's `cpu.shares` (2 to 262144, 1024
    /// the kernel's default).
    pub cpu_shares: Option<u64>,
    /// A validated cpu list such as `0-2,4`.
    pub cpuset_cpus: Option<&'static [u8]>,
    /// Memory nodes, a list in the same form (`cpuset.mems`).
    pub cpuset_mems: Option<&'static [u8]>,
    /// Bytes below which memory is not reclaimed under pressure (v2
    /// `memory.low`, v1 `memory.soft_limit_in_bytes`).
    pub memory_reservation: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Swap {
    /// `-1`: swap is not limited.
    Unlimited,
    /// Total bytes of memory plus swap.
    Total(u64),
}

impl Limits {
    /// Whether any limit is set: field by field, which is smaller code
    /// than comparing with the default (the lists' slices).
    pub fn any(&self) -> bool {
        self.memory.is_some()
            || self.memory_swap.is_some()
            || self.pids.is_some()
            || self.cpu_quota_us.is_some()
            || self.cpu_shares().is_some()
            || self.cpuset_cpus.is_some()
            || self.cpuset_mems().is_some()
            || self.memory_reservation().is_some()
    }
}

/// The limits only config.json sets (see `cli::OCI_MODE`).
impl Limits {
    pub fn cpu_shares(&self) -> Option<u64> {
        crate::cli::from_config_json(self.cpu_shares, None)
    }

    pub fn cpuset_mems(&self) -> Option<&'static [u8]> {
        crate::cli::from_config_json(self.cpuset_mems, None)
    }

    pub fn memory_reservation(&self) -> Option<u64> {
        crate::cli::from_config_json(self.memory_reservation, None)
    }
}

/// A SIZE: decimal bytes, or with a `k`, `m` or `g` suffix in either case
/// (1024-based, like docker). Zero and overflow are refused.
pub fn parse_size(s: &[u8]) -> Option<u64> {
    let (digits, shift) = match s.last()? {
        b'k' | b'K' => (&s[..s.len() - 1], 10),
        b'm' | b'M' => (&s[..s.len() - 1], 20),
        b'g' | b'G' => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n = parse_u64(digits)?;
    let bytes = n.checked_mul(1u64 << shift)?;
    // The kernel keeps limits as signed 64-bit page counts; far beyond
    // any real machine, so refuse rather than let it round.
    if bytes == 0 || bytes > i64::MAX as u64 {
        return None;
    }
    Some(bytes)
}

/// `--memory-swap`: a SIZE, or `-1` for unlimited.
pub fn parse_swap(s: &[u8]) -> Option<Swap> {
    if s == b"-1" {
        return Some(Swap::Unlimited);
    }
    parse_size(s).map(Swap::Total)
}

/// `--pids-limit`: a positive count.
pub fn parse_pids(s: &[u8]) -> Option<u64> {
    parse_u64(s).filter(|&n| n > 0 && n <= i64::MAX as u64)
}

/// `--cpus`: a positive decimal (`0.5`, `2`, `.25`), turned into a quota in
/// microseconds per `CPU_PERIOD_US`. At most 6 decimals; the kernel's
/// smallest quota is 1 ms, so anything below 0.01 CPUs is refused.
pub fn parse_cpus(s: &[u8]) -> Option<u64> {
    let (int, frac) = match s.iter().position(|&c| c == b'.') {
        Some(dot) => (&s[..dot], &s[dot + 1..]),
        None => (s, &b""[..]),
    };
    if (int.is_empty() && frac.is_empty()) || frac.len() > 6 {
        return None;
    }
    let whole = if int.is_empty() { 0 } else { parse_u64(int)? };
    let mut millionths = 0u64;
    for i in 0..6 {
        let d = match frac.get(i) {
            Some(c) if c.is_ascii_digit() => u64::from(c - b'0'),
            Some(_) => return None,
            None => 0,
        };
        millionths = millionths * 10 + d;
    }
    // Not `s.contains(&b'.')`: core's byte search is 0.2 KB of word-at-a-time
    // code, for a few bytes.
    #[allow(clippy::manual_contains)]
    let has_dot = s.iter().any(|&c| c == b'.');
    if has_dot && frac.is_empty() {
        return None;
    }
    // quota = cpus * period = (whole + millionths/1e6) * 100000 us.
    let quota = whole
        .checked_mul(CPU_PERIOD_US)?
        .checked_add(millionths / 10)?;
    if quota < 1000 || quota > i64::MAX as u64 / 2 {
        return None;
    }
    Some(quota)
}

/// `--cpuset-cpus`: a list like `0`, `0-3`, `1,3,5-7`: ascending numbers and
/// ranges with commas, as the kernel's cpuset.cpus takes it.
pub fn parse_cpuset(s: &[u8]) -> Option<&[u8]> {
    if s.is_empty() {
        return None;
    }
    for part in s.split(|&c| c == b',') {
        let (lo, hi) = match part.iter().position(|&c| c == b'-') {
            Some(dash) => (parse_u64(&part[..dash])?, parse_u64(&part[dash + 1..])?),
            None => {
                let n = parse_u64(part)?;
                (n, n)
            }
        };
        if lo > hi || hi > 65535 {
            return None;
        }
    }
    Some(s)
}

/// A byte count the way a user writes it: `20M`, `256K`, `3G`, or plain bytes
/// when no unit divides it.
pub fn format_size(bytes: u64, out: &mut Text) {
    for (shift, unit) in [(30, b"G"), (20, b"M"), (10, b"K")] {
        if bytes >= 1 << shift && bytes % (1 << shift) == 0 {
            out.push_u64(bytes >> shift).push(unit);
            return;
        }
    }
    out.push_u64(bytes);
}

/// cgroup v2 `cpu.max`: `QUOTA PERIOD`.
pub fn format_cpu_max(quota_us: u64, out: &mut Text) {
    out.push_u64(quota_us).push(b" ").push_u64(CPU_PERIOD_US);
}

/// v1's `cpu.shares` as v2's `cpu.weight` (1 to 10000): the same linear
/// map runc and crun use, so 1024 becomes 39, not 100.
pub fn cpu_weight(shares: u64) -> u64 {
    let shares = shares.clamp(2, 262_144);
    1 + (shares - 2) * 9999 / 262_142
}

/// cgroup v2 `memory.swap.max` holds swap alone, docker's `--memory-swap` is
/// memory plus swap: the difference, or `max`.
pub fn format_swap_max(memory: u64, swap: Swap, out: &mut Text) {
    match swap {
        Swap::Unlimited => out.push(b"max"),
        Swap::Total(total) => out.push_u64(total.saturating_sub(memory)),
    };
}

/// The number after `key ` in a flat-keyed cgroup file such as
/// `memory.events` (`oom_kill 1`) or v1 `memory.oom_control`.
pub fn keyed_value(text: &[u8], key: &[u8]) -> Option<u64> {
    text.split(|&c| c == b'\n').find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(b" ")?;
        parse_u64(rest.trim_ascii())
    })
}

/// The first number in a file such as `memory.failcnt`.
pub fn single_value(text: &[u8]) -> Option<u64> {
    parse_u64(text.trim_ascii())
}

/// The path of this process's cgroup for `controller` in `/proc/self/cgroup`
/// (`4:memory:/a/b`); `None` as controller means the v2 line (`0::/a`).
pub fn own_cgroup<'a>(proc_self_cgroup: &'a [u8], controller: Option<&[u8]>) -> Option<&'a [u8]> {
    proc_self_cgroup.split(|&c| c == b'\n').find_map(|line| {
        let mut fields = line.splitn(3, |&c| c == b':');
        let id = fields.next()?;
        let controllers = fields.next()?;
        let path = fields.next()?;
        let wanted = match controller {
            None => id == b"0" && controllers.is_empty(),
            Some(name) => controllers.split(|&c| c == b',').any(|c| c == name),
        };
        wanted.then_some(path)
    })
}

/// Whether a space-separated list (`cgroup.controllers`) holds `name`.
pub fn has_word(list: &[u8], name: &[u8]) -> bool {
    for word in list.split(|c| c.is_ascii_whitespace()) {
        if word == name {
            return true;
        }
    }
    false
}

/// The pid in a cgroup name `sct-<pid>`.
pub fn sct_cgroup_pid(name: &[u8]) -> Option<u64> {
    parse_pids(name.strip_prefix(b"sct-")?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Text)) -> std::string::String {
        let mut t = Text::new();
        f(&mut t);
        std::string::String::from_utf8(t.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn sizes_take_units_in_either_case() {
        assert_eq!(parse_size(b"1"), Some(1));
        assert_eq!(parse_size(b"256k"), Some(256 << 10));
        assert_eq!(parse_size(b"256K"), Some(256 << 10));
        assert_eq!(parse_size(b"20m"), Some(20 << 20));
        assert_eq!(parse_size(b"20M"), Some(20 << 20));
        assert_eq!(parse_size(b"3G"), Some(3 << 30));
        assert_eq!(parse_size(b"4096"), Some(4096));
    }

    #[test]
    fn bad_sizes_are_refused() {
        for bad in [
            "",
            "0",
            "0k",
            "-1",
            "-5M",
            "k",
            "1.5M",
            "12x",
            " 1",
            "1 ",
            "0x10",
            "1MB",
            "1T",
            "99999999999999999999",
            "9223372036854775808",
            "8589934592G",
        ] {
            assert_eq!(parse_size(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(parse_size(b"9223372036854775807"), Some(i64::MAX as u64));
    }

    #[test]
    fn swap_takes_minus_one() {
        assert_eq!(parse_swap(b"-1"), Some(Swap::Unlimited));
        assert_eq!(parse_swap(b"1g"), Some(Swap::Total(1 << 30)));
        assert_eq!(parse_swap(b"-2"), None);
        assert_eq!(parse_swap(b"0"), None);
    }

    #[test]
    fn pids() {
        assert_eq!(parse_pids(b"10"), Some(10));
        for bad in ["0", "-1", "", "1k", "10.0", "99999999999999999999"] {
            assert_eq!(parse_pids(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn cpus_become_a_quota_per_100ms() {
        assert_eq!(parse_cpus(b"0.2"), Some(20_000));
        assert_eq!(parse_cpus(b".5"), Some(50_000));
        assert_eq!(parse_cpus(b"2"), Some(200_000));
        assert_eq!(parse_cpus(b"1.25"), Some(125_000));
        assert_eq!(parse_cpus(b"0.01"), Some(1_000));
        for bad in [
            "0",
            "0.0",
            "-1",
            "",
            ".",
            "1.",
            "0.001",
            "1.2.3",
            "1,5",
            "abc",
            "0.1234567",
            "999999999999999999999",
        ] {
            assert_eq!(parse_cpus(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn cpusets() {
        for good in ["0", "0-3", "1,3,5-7"] {
            assert!(parse_cpuset(good.as_bytes()).is_some(), "{good}");
        }
        for bad in ["", "a", "3-1", "0,", ",0", "0--1", "-1", "1 2", "70000"] {
            assert!(parse_cpuset(bad.as_bytes()).is_none(), "{bad}");
        }
    }

    #[test]
    fn formats() {
        assert_eq!(text(|t| format_size(20 << 20, t)), "20M");
        assert_eq!(text(|t| format_size(256 << 10, t)), "256K");
        assert_eq!(text(|t| format_size(2 << 30, t)), "2G");
        assert_eq!(text(|t| format_size(1536 << 10, t)), "1536K");
        assert_eq!(text(|t| format_size(1000, t)), "1000");
        assert_eq!(text(|t| format_cpu_max(20_000, t)), "20000 100000");
        assert_eq!(
            text(|t| format_swap_max(20 << 20, Swap::Total(30 << 20), t)),
            "10485760"
        );
        assert_eq!(
            text(|t| format_swap_max(20 << 20, Swap::Unlimited, t)),
            "max"
        );
    }

    #[test]
    fn reads_cgroup_files() {
        let events = b"low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\n";
        assert_eq!(keyed_value(events, b"oom_kill"), Some(1));
        assert_eq!(keyed_value(events, b"oom"), Some(1));
        assert_eq!(keyed_value(events, b"max"), Some(12));
        assert_eq!(
            keyed_value(b"oom_kill_disable 0\nunder_oom 0\n", b"oom_kill"),
            None
        );
        assert_eq!(single_value(b"3\n"), Some(3));
    }

    #[test]
    fn finds_own_cgroup() {
        let hybrid = b"9:name=systemd:/\n4:memory:/process_api/4e\n2:cpu,cpuacct:/x\n0::/u\n";
        assert_eq!(
            own_cgroup(hybrid, Some(b"memory")),
            Some(&b"/process_api/4e"[..])
        );
        assert_eq!(own_cgroup(hybrid, Some(b"cpu")), Some(&b"/x"[..]));
        assert_eq!(own_cgroup(hybrid, Some(b"pids")), None);
        assert_eq!(own_cgroup(hybrid, None), Some(&b"/u"[..]));
        assert!(has_word(b"cpuset cpu io memory pids\n", b"memory"));
        assert!(!has_word(b"hugetlb\n", b"memory"));
        assert_eq!(sct_cgroup_pid(b"sct-123"), Some(123));
        assert_eq!(sct_cgroup_pid(b"sct-x"), None);
    }

    #[test]
    fn cpu_weight_follows_runc() {
        assert_eq!(cpu_weight(2), 1);
        assert_eq!(cpu_weight(1024), 39);
        assert_eq!(cpu_weight(262_144), 10_000);
        assert_eq!(cpu_weight(1), 1);
    }
}
