//! `spec`: a config.json that describes what `sct ROOTFS CMD` does by
//! default, written from the same tables the stages read (capabilities,
//! kernel filesystems, device rule, masked and read-only paths), so the two
//! cannot drift. As sct's default, it shares the host's network: no network
//! namespace, and no CAP_NET_RAW.
//!
//! `--rootless` makes runc's edits for an ordinary user (runc 1.1's
//! `specconv.ToRootless`): a user namespace mapping the caller's uid and
//! gid to 0, one id each; the host's /sys bound (`rbind`, read-only)
//! where sysfs cannot be mounted; no `linux.resources`, which would need
//! a cgroup delegated to the caller. No network namespace to drop, and no
//! `uid=`/`gid=` mount option to remove: sct's default has neither.

use rustix::mount::MountFlags;

use crate::devices::{Kind, MKNOD, READ, WRITE};
use crate::json::push_escaped;
use crate::out::Buf;
use crate::spec;

/// The text: about 3 KB, in a buffer of the size the state's and the
/// hooks' texts take, so that one copy of `Buf`'s code serves them all.
pub type Text = Buf<16384>;

/// A JSON writer that indents by two spaces, as runc's `spec` output is.
struct Writer<'a> {
    out: &'a mut Text,
    depth: usize,
    /// Whether the current object or array has no member yet.
    first: bool,
    /// Which of the open levels are arrays, the innermost in bit 0: what
    /// `close` ends each with.
    arrays: u32,
}

impl Writer<'_> {
    fn member(&mut self, key: Option<&str>) {
        if !self.first {
            self.out.push(b",");
        }
        self.first = false;
        self.new_line();
        if let Some(key) = key {
            self.out.push(b"\"").push_str(key).push(b"\": ");
        }
    }

    /// A newline, and the indentation of the current level.
    fn new_line(&mut self) {
        self.out.push(b"\n");
        for _ in 0..self.depth {
            self.out.push(b"  ");
        }
    }

    fn object(&mut self, key: Option<&str>) {
        self.open(key, false);
    }

    fn array(&mut self, key: Option<&str>) {
        self.open(key, true);
    }

    fn open(&mut self, key: Option<&str>, array: bool) {
        self.member(key);
        self.out.push(if array { b"[" } else { b"{" });
        self.arrays = self.arrays << 1 | u32::from(array);
        self.depth += 1;
        self.first = true;
    }

    /// Ends the innermost open object or array.
    fn close(&mut self) {
        self.depth -= 1;
        if !self.first {
            self.new_line();
        }
        self.out
            .push(if self.arrays & 1 != 0 { b"]" } else { b"}" });
        self.arrays >>= 1;
        self.first = false;
    }

    fn string(&mut self, key: Option<&str>, value: &[u8]) {
        self.prefixed(key, b"", value);
    }

    /// A string of `prefix` (which needs no escaping) and `value`: where
    /// the tables leave off `CAP_` or a path's leading slash.
    fn prefixed(&mut self, key: Option<&str>, prefix: &[u8], value: &[u8]) {
        self.member(key);
        self.out.push(b"\"").push(prefix);
        push_escaped(self.out, value);
        self.out.push(b"\"");
    }

    fn raw(&mut self, key: Option<&str>, value: &[u8]) {
        self.member(key);
        self.out.push(value);
    }

    fn number(&mut self, key: Option<&str>, value: u64) {
        self.member(key);
        self.out.push_u64(value);
    }
}

/// The mount flags config.json spells as options, in runc's words and
/// order.
const OPTIONS: &[(MountFlags, &str)] = &[
    (MountFlags::NOSUID, "nosuid"),
    (MountFlags::NOEXEC, "noexec"),
    (MountFlags::NODEV, "nodev"),
    (MountFlags::RDONLY, "ro"),
    (MountFlags::STRICTATIME, "strictatime"),
];

/// The caller's uid and gid, for `spec --rootless`.
#[derive(Clone, Copy)]
pub struct Caller {
    pub uid: u32,
    pub gid: u32,
}

/// The default config.json; with `rootless`, one for that caller. Written
/// into the caller's `out`, where returning the text copied its 16 KB.
pub fn default_spec(rootless: Option<Caller>, out: &mut Text) {
    let mut w = Writer {
        out,
        depth: 0,
        first: true,
        arrays: 0,
    };
    w.out.push(b"{");
    w.depth = 1;
    w.string(Some("ociVersion"), super::state::OCI_VERSION.as_bytes());
    w.object(Some("process"));
    w.raw(Some("terminal"), b"false");
    w.object(Some("user"));
    w.number(Some("uid"), 0);
    w.number(Some("gid"), 0);
    w.close();
    w.array(Some("args"));
    w.string(None, b"sh");
    w.close();
    w.array(Some("env"));
    // The PATH `sct ROOTFS CMD` gives, from where the child takes it.
    w.string(None, crate::child::DEFAULT_PATH.to_bytes());
    w.string(None, b"HOME=/");
    w.string(None, b"container=sct");
    w.close();
    w.string(Some("cwd"), b"/");
    w.object(Some("capabilities"));
    // The kept set without NET_RAW: the host's network is shared.
    let kept = spec::kept_mask() & !(1 << linux_raw_sys::general::CAP_NET_RAW);
    for &set in &["bounding", "effective", "permitted"] {
        w.array(Some(set));
        for (cap, name) in crate::names::entries(&crate::cli::CAPABILITY_NAMES) {
            if kept & (1 << cap) != 0 {
                w.prefixed(None, b"CAP_", name);
            }
        }
        w.close();
    }
    w.close();
    w.raw(Some("noNewPrivileges"), b"true");
    w.close();
    w.object(Some("root"));
    w.string(Some("path"), b"rootfs");
    w.raw(Some("readonly"), b"false");
    w.close();
    w.string(Some("hostname"), b"sct");
    w.array(Some("mounts"));
    for m in spec::MOUNTS {
        w.object(None);
        w.prefixed(Some("destination"), b"/", m.target.to_bytes());
        // Rootless, what sct binds where the kernel refuses the mount (an
        // unprivileged user namespace does not own the host's network
        // namespace, which sysfs asks for).
        let bound = m.host_fallback.filter(|_| rootless.is_some());
        w.string(Some("type"), bound.map_or(m.fstype.to_bytes(), |_| b"none"));
        w.string(Some("source"), bound.unwrap_or(m.fstype).to_bytes());
        w.array(Some("options"));
        if bound.is_some() {
            w.string(None, b"rbind");
        }
        for &(flag, word) in OPTIONS {
            if m.flags.contains(flag) {
                w.string(None, word.as_bytes());
            }
        }
        for word in m
            .data
            .map_or(&b""[..], |d| d.to_bytes())
            .split(|&c| c == b',')
        {
            if !word.is_empty() {
                w.string(None, word);
            }
        }
        w.close();
        w.close();
    }
    w.close();
    w.object(Some("linux"));
    if let Some(caller) = rootless {
        id_mapping(&mut w, "uidMappings", caller.uid);
        id_mapping(&mut w, "gidMappings", caller.gid);
    }
    w.array(Some("namespaces"));
    // The user namespace, last, only for --rootless.
    let kinds = ["pid", "ipc", "uts", "mount", "user"];
    for ns in &kinds[..kinds.len() - usize::from(rootless.is_none())] {
        w.object(None);
        w.string(Some("type"), ns.as_bytes());
        w.close();
    }
    w.close();
    if rootless.is_none() {
        resources(&mut w);
    }
    for &(key, list) in &[
        ("maskedPaths", spec::MASKED),
        ("readonlyPaths", spec::READ_ONLY),
    ] {
        w.array(Some(key));
        for path in list {
            w.prefixed(None, b"/", path.to_bytes());
        }
        w.close();
    }
    w.close();
    w.depth = 0;
    w.out.push(b"\n}\n");
}

/// `uidMappings` or `gidMappings` of `spec --rootless`: the caller's `id`
/// as the container's 0, one id.
fn id_mapping(w: &mut Writer, key: &str, id: u32) {
    w.array(Some(key));
    w.object(None);
    w.number(Some("containerID"), 0);
    w.number(Some("hostID"), u64::from(id));
    w.number(Some("size"), 1);
    w.close();
    w.close();
}

/// `linux.resources`: sct's device rule.
fn resources(w: &mut Writer) {
    w.object(Some("resources"));
    w.array(Some("devices"));
    w.object(None);
    w.raw(Some("allow"), b"false");
    w.string(Some("access"), b"rwm");
    w.close();
    for rule in spec::DEFAULT_DEVICE_RULES {
        w.object(None);
        w.raw(Some("allow"), b"true");
        w.string(
            Some("type"),
            if rule.kind == Kind::Block { b"b" } else { b"c" },
        );
        if let Some(major) = rule.major {
            w.number(Some("major"), u64::from(major));
        }
        if let Some(minor) = rule.minor {
            w.number(Some("minor"), u64::from(minor));
        }
        let (mut access, mut len) = ([0u8; 3], 0);
        for (bit, letter) in [(READ, b'r'), (WRITE, b'w'), (MKNOD, b'm')] {
            if rule.access & bit != 0 {
                access[len] = letter;
                len += 1;
            }
        }
        w.string(Some("access"), &access[..len]);
        w.close();
    }
    w.close();
    w.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_spec_is_json_and_says_what_sct_does() {
        let mut text = Text::new();
        default_spec(None, &mut text);
        assert!(!text.is_cut());
        let v: serde_json::Value = serde_json::from_slice(text.as_bytes()).unwrap();
        assert_eq!(v["process"]["args"][0], "sh");
        assert_eq!(v["root"]["path"], "rootfs");
        let bounding = v["process"]["capabilities"]["bounding"].as_array().unwrap();
        assert!(bounding.iter().any(|c| c == "CAP_CHOWN"));
        assert!(!bounding.iter().any(|c| c == "CAP_NET_RAW"));
        assert!(!bounding.iter().any(|c| c == "CAP_SYS_ADMIN"));
        let ns: Vec<_> = v["linux"]["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert_eq!(ns, ["pid", "ipc", "uts", "mount"]);
        assert_eq!(v["mounts"][0]["destination"], "/proc");
        assert_eq!(v["linux"]["resources"]["devices"][0]["allow"], false);
        assert_eq!(v["linux"]["resources"]["devices"][3]["major"], 1);
        assert_eq!(v["linux"]["resources"]["devices"][3]["minor"], 3);
        assert_eq!(v["linux"]["resources"]["devices"][3]["access"], "rwm");
        assert_eq!(v["linux"]["resources"]["devices"][1]["access"], "m");
        assert!(v["linux"]["maskedPaths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/proc/kcore"));
    }

    #[test]
    fn rootless_spec_makes_runcs_edits() {
        let mut text = Text::new();
        default_spec(Some(Caller { uid: 999, gid: 998 }), &mut text);
        assert!(!text.is_cut());
        let v: serde_json::Value = serde_json::from_slice(text.as_bytes()).unwrap();
        let linux = &v["linux"];
        let map = |uid| serde_json::json!([{"containerID": 0, "hostID": uid, "size": 1}]);
        assert_eq!(linux["uidMappings"], map(999));
        assert_eq!(linux["gidMappings"], map(998));
        let ns: Vec<_> = linux["namespaces"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["type"].as_str().unwrap())
            .collect();
        assert_eq!(ns, ["pid", "ipc", "uts", "mount", "user"]);
        assert!(linux.get("resources").is_none());
        let sys = v["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["destination"] == "/sys")
            .unwrap();
        assert_eq!(
            *sys,
            serde_json::json!({
                "destination": "/sys",
                "type": "none",
                "source": "/sys",
                "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]
            })
        );
        assert_eq!(v["mounts"][0]["type"], "proc");
        assert!(linux["maskedPaths"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "/proc/kcore"));
    }
}
