//! `features`: the runtime-spec features document, what sct supports. The
//! capabilities, mount options and seccomp lists come from the tables the
//! code uses (`spec::CAPABILITIES`, as cli packs it, config.json's reader's
//! bind and tmpfs options, `profile`'s actions, operators, architectures
//! and flags); the namespaces are those config.json's reader takes. The
//! unit test below checks both against the reader.

use super::packed::{list_len, List};
use super::{Global, Opts};
use crate::error::Result;
use crate::out::Buf;
use crate::sys::args::{Args, Environ};

/// The namespace types config.json's reader takes (`linux.namespaces`).
const NAMESPACE_TYPES: &[&str] = &["pid", "mount", "ipc", "uts", "network", "cgroup"];

/// Packed (`oci::packed`).
static NAMESPACES: List<{ list_len(NAMESPACE_TYPES) }> = List::new(NAMESPACE_TYPES);

pub fn features(_: &Global, _: &Opts, _: Args, _: Environ) -> Result<u8> {
    let mut out = Buf::<16384>::from(b"{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"");
    out.push_str(super::state::OCI_VERSION);
    let mut hooks = super::config::hooks::KINDS.iter().map(|k| k.as_bytes());
    list(&mut out, b"\",\"hooks\":", b"", &mut hooks);
    let mut options = super::config::mount_option_names();
    list(&mut out, b",\"mountOptions\":", b"", &mut options);
    let mut namespaces = NAMESPACES.names();
    list(
        &mut out,
        b",\"linux\":{\"namespaces\":",
        b"",
        &mut namespaces,
    );
    let mut caps = crate::names::entries(&crate::cli::CAPABILITY_NAMES).map(|(_, n)| n);
    list(&mut out, b",\"capabilities\":", b"CAP_", &mut caps);
    out.push(b",\"cgroup\":{\"v1\":true,\"v2\":true,\"systemd\":false,\"systemdUser\":false,\"rdma\":false}");
    let mut actions = crate::names::entries(&crate::profile::ACTIONS).map(|(_, n)| n);
    let seccomp = b",\"seccomp\":{\"enabled\":true,\"actions\":";
    list(&mut out, seccomp, b"SCMP_ACT_", &mut actions);
    let mut ops = crate::names::entries(&crate::profile::OPS).map(|(_, n)| n);
    list(&mut out, b",\"operators\":", b"SCMP_CMP_", &mut ops);
    let mut arches = crate::names::entries(&crate::profile::ARCHES).map(|(_, n)| n);
    list(&mut out, b",\"archs\":", b"SCMP_ARCH_", &mut arches);
    let flags = || crate::names::entries(&crate::profile::FILTER_FLAGS).map(|(_, n)| n);
    let flag = b"SECCOMP_FILTER_FLAG_";
    list(&mut out, b",\"knownFlags\":", flag, &mut flags());
    list(&mut out, b",\"supportedFlags\":", flag, &mut flags());
    out.push(b"},\"apparmor\":{\"enabled\":false},\"selinux\":{\"enabled\":false}");
    out.push(b",\"intelRdt\":{\"enabled\":false}},\"annotations\":{}}\n");
    out.write_to(crate::sys::stdout());
    Ok(0)
}

/// `before`, then `["PREFIXa","PREFIXb"]`: the names are plain ASCII
/// words.
// `dyn`: one copy of the writer for the nine lists, not one per table.
fn list(
    out: &mut Buf<16384>,
    before: &[u8],
    prefix: &[u8],
    names: &mut dyn Iterator<Item = &[u8]>,
) {
    out.push(before).push(b"[");
    for (i, name) in names.enumerate() {
        if i > 0 {
            out.push(b",");
        }
        out.push(b"\"").push(prefix).push(name).push(b"\"");
    }
    out.push(b"]");
}

#[cfg(test)]
mod tests {
    use std::format;
    use std::string::String;

    use super::*;

    fn accepted(namespaces: &str, mount: &str) -> bool {
        let doc = format!(
            r#"{{"ociVersion":"1.0.0","process":{{"args":["sh"],"cwd":"/","user":{{"uid":0,"gid":0}}}},
            "root":{{"path":"rootfs"}},"mounts":[{mount}],
            "linux":{{"namespaces":[{{"type":"pid"}},{{"type":"mount"}},{{"type":"ipc"}},{{"type":"uts"}}{namespaces}]}}}}"#
        );
        let text: &'static [u8] = String::leak(doc).as_bytes();
        let mut arena = crate::sys::arena::Arena::map(1 << 20).unwrap();
        crate::oci::config::convert(text, b"/b", &mut arena).is_ok()
    }

    #[test]
    fn listed_namespaces_and_mount_options_are_read() {
        let s = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        for ns in NAMESPACES.names() {
            assert!(
                accepted(&format!(r#",{{"type":"{}"}}"#, s(ns)), ""),
                "{}",
                s(ns)
            );
        }
        assert!(!accepted(r#",{"type":"user"}"#, ""));
        for o in crate::oci::config::mount_option_names() {
            let bind = format!(
                r#"{{"destination":"/m","type":"bind","source":"/tmp","options":["{}"]}}"#,
                s(o)
            );
            let tmpfs = format!(
                r#"{{"destination":"/m","type":"tmpfs","source":"tmpfs","options":["{}"]}}"#,
                s(o)
            );
            assert!(accepted("", &bind) || accepted("", &tmpfs), "{}", s(o));
        }
        assert!(!accepted(
            "",
            r#"{"destination":"/m","type":"bind","source":"/tmp","options":["shared"]}"#
        ));
    }
}
