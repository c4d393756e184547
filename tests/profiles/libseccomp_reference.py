#!/usr/bin/python3
# The reference for tests/seccomp_profiles.rs and bench/seccomp-profiles: a
# Docker/podman seccomp profile built into a BPF program by libseccomp
# (Debian's python3-seccomp), applying the profile as runc does
# (libcontainer/seccomp, specconv): rules whose action is the default
# action are left out, a rule comparing one argument twice becomes one rule
# per comparison, includes/excludes judged against the capabilities held,
# amd64 and the kernel version.
#
# Usage: libseccomp_reference.py PROFILE OUT CAPS KERNEL TABLE
#   CAPS: the capabilities held, comma-separated CAP_* names
#   KERNEL: MAJOR.MINOR of the running kernel
#   TABLE: name=nr,... of this arch's syscalls, for names newer than
#          this libseccomp (sct's table)
import sys, json, seccomp as s
profile, out, caps, kernel, table = sys.argv[1:6]
p = json.load(open(profile))
caps = set(c for c in caps.split(",") if c)
kernel = tuple(int(x) for x in kernel.split("."))
table = dict((n, int(v)) for n, v in (e.split("=") for e in table.split(",")))
def version(v):
    major, minor = v.split(".")[:2]
    return (int(major), int(minor))
def action(a, errno):
    e = 1 if errno is None else errno
    return {"SCMP_ACT_KILL": s.KILL, "SCMP_ACT_KILL_THREAD": s.KILL,
            "SCMP_ACT_KILL_PROCESS": s.KILL_PROCESS, "SCMP_ACT_TRAP": s.TRAP,
            "SCMP_ACT_ERRNO": s.ERRNO(e), "SCMP_ACT_TRACE": s.TRACE(e),
            "SCMP_ACT_ALLOW": s.ALLOW, "SCMP_ACT_LOG": s.LOG}[a]
ops = {"SCMP_CMP_NE": s.NE, "SCMP_CMP_LT": s.LT, "SCMP_CMP_LE": s.LE, "SCMP_CMP_EQ": s.EQ,
       "SCMP_CMP_GE": s.GE, "SCMP_CMP_GT": s.GT, "SCMP_CMP_MASKED_EQ": s.MASKED_EQ}
default = action(p["defaultAction"], p.get("defaultErrnoRet"))
f = s.SyscallFilter(defaction=default)
f.set_attr(s.Attr.ACT_BADARCH, s.ERRNO(38))
def applies(r):
    inc, exc = r.get("includes") or {}, r.get("excludes") or {}
    if inc.get("caps") and not all(c in caps for c in inc["caps"]): return False
    if inc.get("arches") and "amd64" not in inc["arches"]: return False
    if inc.get("minKernel") and kernel < version(inc["minKernel"]): return False
    if exc.get("caps") and any(c in caps for c in exc["caps"]): return False
    if exc.get("arches") and "amd64" in exc["arches"]: return False
    if exc.get("minKernel") and kernel >= version(exc["minKernel"]): return False
    return True
for r in p.get("syscalls") or []:
    if not applies(r):
        continue
    a = action(r["action"], r.get("errnoRet"))
    if a == default:
        continue
    args = r.get("args") or []
    conds = [s.Arg(x["index"], ops[x["op"]], x["value"], x.get("valueTwo", 0)) for x in args]
    indexes = [x["index"] for x in args]
    split = len(set(indexes)) != len(indexes)
    for name in r.get("names") or [r["name"]]:
        try:
            nr = s.resolve_syscall(s.Arch.NATIVE, name)
        except Exception:
            nr = -1
        if nr < 0:
            if name not in table:
                continue
            nr = table[name]
        for c in ([[c] for c in conds] if split else [conds]):
            f.add_rule(a, nr, *c)
with open(out, "wb") as fh:
    f.export_bpf(fh)
