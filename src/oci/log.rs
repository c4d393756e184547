//! `--log FILE`: runc's callers read a command's error from there. With
//! `--log-format json` each line is `{"level":"error","msg":...,"time":...}`,
//! the shape containerd's shim parses (it shows the last error's msg).

use rustix::fs::{Mode, OFlags};

use super::Global;
use crate::json::push_escaped;
use crate::out::Buf;

/// Appends the error `line` (`sct: ...\n`, perhaps a hint line after it)
/// to the log, if there is one. Best effort: the error is on stderr too.
pub fn error(global: &Global, line: &[u8]) {
    entry(global, "error", line);
}

/// Gives `e` on stderr, one line and perhaps a hint, and appends it to
/// the log at `level` (`error`, or `warning` for `sct: warning: ...`): one
/// copy for a command's failure and a hook's warning.
pub fn report(global: &Global, e: crate::error::Error, level: &str) {
    let mut line = crate::out::Line::new();
    e.render(&mut line);
    line.write_to(crate::sys::stderr());
    entry(global, level, line.as_bytes());
}

/// `--debug`'s trace: to the log at level `debug`, or, without `--log`,
/// to stderr as `sct: debug: ...`.
pub fn debug(global: &Global, msg: &[u8]) {
    if global.log.is_some() {
        return entry(global, "debug", msg);
    }
    let mut line = crate::out::Line::from(b"sct: debug: ");
    line.push_visible(msg).push(b"\n");
    line.write_to(crate::sys::stderr());
}

fn entry(global: &Global, level: &str, line: &[u8]) {
    let Some(path) = global.log else {
        return;
    };
    let Ok(fd) = rustix::fs::open(
        path,
        OFlags::WRONLY | OFlags::CREATE | OFlags::APPEND | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    ) else {
        return;
    };
    let first = line.split(|&c| c == b'\n').next().unwrap_or(b"");
    let msg = first.strip_prefix(b"sct: ").unwrap_or(first);
    let msg = msg.strip_prefix(b"warning: ").unwrap_or(msg);
    let mut time = Buf::<64>::new();
    push_time(&mut time);
    let mut out = Buf::<2048>::new();
    if global.log_json {
        out.push(b"{\"level\":\"")
            .push_str(level)
            .push(b"\",\"msg\":\"");
        push_escaped(&mut out, msg);
        out.push(b"\",\"time\":\"").push(time.as_bytes());
        out.push(b"\"}\n");
    } else {
        out.push(b"time=\"").push(time.as_bytes());
        out.push(b"\" level=").push_str(level).push(b" msg=\"");
        push_escaped(&mut out, msg);
        out.push(b"\"\n");
    }
    let _ = rustix::io::write(&fd, out.as_bytes());
}

/// Now, in RFC 3339 (UTC): `2026-12-04T12:00:00Z`. Into a buffer of its
/// own size, then copied where it goes: one copy of the writer.
pub fn push_time(out: &mut Buf<64>) {
    push_rfc3339(out, crate::sys::realtime_secs());
}

/// Seconds since the epoch as an RFC 3339 UTC date and time. The fields
/// in 32 bits (days until the year 11 million): a division by a constant
/// is a shorter multiplication there than in 64.
pub fn push_rfc3339(out: &mut Buf<64>, secs: u64) {
    let (y, m, d) = civil_from_days((secs / 86400) as u32);
    let t = (secs % 86400) as u32;
    out.push_u64(u64::from(y));
    // Each field after the year: its separator, then two digits.
    for (sep, n) in [
        (b'-', m),
        (b'-', d),
        (b'T', t / 3600),
        (b':', t / 60 % 60),
        (b':', t % 60),
    ] {
        out.push(&[sep, b'0' + (n / 10) as u8, b'0' + (n % 10) as u8]);
    }
    out.push(b"Z");
}

/// Days since 1970-01-01 to (year, month, day) of the proleptic Gregorian
/// calendar (the era arithmetic of H. Hinnant's date algorithms).
fn civil_from_days(days: u32) -> (u32, u32, u32) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u32::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        let show = |s| {
            let mut b = Buf::<64>::new();
            push_rfc3339(&mut b, s);
            std::string::String::from_utf8(b.as_bytes().to_vec()).unwrap()
        };
        assert_eq!(show(0), "1970-01-01T00:00:00Z");
        assert_eq!(show(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(show(1_796_385_600), "2026-12-04T12:00:00Z");
        assert_eq!(show(4_107_542_399), "2100-02-28T23:59:59Z");
    }
}
